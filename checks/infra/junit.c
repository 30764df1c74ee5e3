/*
 * infra.junit: imports a JUnit XML report that another test runner wrote
 * (pytest --junitxml, Maven Surefire, Gradle, Jest...), so that the
 * feature code's unit tests take part in the gate: the check fails when
 * more test cases failed than max_failures allows, or when fewer than
 * min_tests ran (an empty report is never a silent pass). A missing or
 * unreadable report, or one that is not JUnit XML, is an error.
 *
 * The report is streamed (mlgate/junit_import.h): memory stays bounded
 * whatever its size, with the first max_examples failing cases kept as
 * examples and the first DETAILS_CASES listed in the details; the counts
 * are exact.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/check.h"
#include "mlgate/error.h"
#include "mlgate/junit_import.h"
#include "mlgate/suite.h"
#include "util.h"

static const struct mlg_param params[] = {
	{ "file", MLG_PARAM_PATH, 1, NULL, "the JUnit XML report, e.g. reports/junit.xml from pytest --junitxml" },
	{ "max_failures", MLG_PARAM_INTEGER, 0, "0",
	  "failing test cases tolerated: failed and errored ones (and skipped ones with \"skipped\": \"fail\")" },
	{ "min_tests", MLG_PARAM_INTEGER, 0, "1",
	  "fewest test cases that must have run, skipped ones not counted: an empty report fails" },
	{ "skipped", MLG_PARAM_STRING, 0, "\"ok\"", "ok, or fail: skipped test cases count as failures" },
	{ NULL, 0, 0, NULL, NULL }
};

/* Failing cases listed in the details; the rest are counted. */
#define DETAILS_CASES 50
/* Bytes of the first failure's message in the check's one-line message. */
#define FIRST_MESSAGE_MAX 200

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	const char *skipped = mlg_check_string(check, "skipped");
	double n;

	if (mlg_check_number(check, "max_failures", &n) && n < 0)
		mlg_diag_check(diag, check, "max_failures", "expected 0 or more failed test cases to tolerate");
	if (mlg_check_number(check, "min_tests", &n) && n < 0)
		mlg_diag_check(diag, check, "min_tests", "expected 0 or more test cases");
	if (skipped && strcmp(skipped, "ok") && strcmp(skipped, "fail"))
		mlg_diag_check(diag, check, "skipped", "expected \"ok\" or \"fail\", found '%s'", skipped);
}

/* What the import keeps of the cases: the failing ones, bounded. */
struct collect {
	struct mlg_result *r;
	int skipped_fail;
	uint64_t problems;
	size_t listed;
	struct mlg_strbuf details;
	char *first; /* "case (message)" of the first failing case */
};

/* "classname::name", as pytest node ids and most CI pages show a case. */
static char *case_id(const struct mlg_junit_case *tc)
{
	if (*tc->classname && *tc->name)
		return mlg_xasprintf("%s::%s", tc->classname, tc->name);
	if (*tc->name || *tc->classname)
		return mlg_xstrdup(*tc->name ? tc->name : tc->classname);
	return mlg_xstrdup("(unnamed)");
}

/* "tests/test_x.py:12", "tests/test_x.py", or NULL; allocated. */
static char *case_where(const struct mlg_junit_case *tc)
{
	if (!*tc->file)
		return NULL;
	return tc->line > 0 ? mlg_xasprintf("%s:%ld", tc->file, tc->line) : mlg_xstrdup(tc->file);
}

static cJSON *example(const struct mlg_junit_case *tc, const char *id)
{
	cJSON *ex = cJSON_CreateObject();

	if (!ex)
		mlg_die_oom();
	cJSON_AddStringToObject(ex, "case", id);
	cJSON_AddStringToObject(ex, "status", mlg_junit_status_name(tc->status));
	cJSON_AddStringToObject(ex, "message", tc->message);
	if (*tc->type && strcmp(tc->type, tc->message))
		cJSON_AddStringToObject(ex, "type", tc->type);
	/* the parts, so that a report can show the case under its own names */
	cJSON_AddStringToObject(ex, "classname", tc->classname);
	cJSON_AddStringToObject(ex, "name", tc->name);
	if (*tc->file)
		cJSON_AddStringToObject(ex, "file", tc->file);
	if (tc->line > 0)
		cJSON_AddNumberToObject(ex, "line", (double)tc->line);
	cJSON_AddNumberToObject(ex, "time_s", tc->time_s);
	return ex;
}

static int on_case(const struct mlg_junit_case *tc, void *payload)
{
	struct collect *c = payload;
	struct mlg_result *r = c->r;
	char *id, *where;

	if (tc->status != MLG_JUNIT_FAILED && tc->status != MLG_JUNIT_ERROR &&
	    !(tc->status == MLG_JUNIT_SKIPPED && c->skipped_fail))
		return 0;
	c->problems++;
	id = case_id(tc);
	where = case_where(tc);
	if (!c->first) {
		struct mlg_strbuf sb = MLG_STRBUF_INIT;
		size_t n = strlen(tc->message);

		mlg_strbuf_addstr(&sb, id);
		if (n) {
			if (n > FIRST_MESSAGE_MAX)
				n = mlg_utf8_floor(tc->message, FIRST_MESSAGE_MAX);
			mlg_strbuf_addf(&sb, " (%.*s%s)", (int)n, tc->message, tc->message[n] ? "..." : "");
		}
		c->first = mlg_strbuf_detach(&sb);
	}
	if (r->nexamples++ < r->max_examples)
		cJSON_AddItemToArray(r->examples, example(tc, id));
	if (c->listed < DETAILS_CASES) {
		c->listed++;
		mlg_strbuf_addf(&c->details, "%s %s", mlg_junit_status_name(tc->status), id);
		if (where)
			mlg_strbuf_addf(&c->details, " (%s)", where);
		if (*tc->message)
			mlg_strbuf_addf(&c->details, ": %s", tc->message);
		mlg_strbuf_addch(&c->details, '\n');
	}
	free(id);
	free(where);
	return 0;
}

/* "2 failed, 1 error, 3 skipped, 1 flaky": the non-zero counts. */
static void add_breakdown(struct mlg_strbuf *sb, const struct mlg_junit_totals *t, int with_flaky)
{
	size_t start = sb->len;

	if (t->failed)
		mlg_strbuf_addf(sb, "%llu failed", (unsigned long long)t->failed);
	if (t->errors)
		mlg_strbuf_addf(sb, "%s%llu error%s", sb->len > start ? ", " : "",
				(unsigned long long)t->errors, mlg_plural(t->errors));
	if (t->skipped)
		mlg_strbuf_addf(sb, "%s%llu skipped", sb->len > start ? ", " : "",
				(unsigned long long)t->skipped);
	if (with_flaky && t->flaky)
		mlg_strbuf_addf(sb, "%s%llu flaky", sb->len > start ? ", " : "", (unsigned long long)t->flaky);
}

static void decide(struct mlg_result *r, const struct collect *c, const struct mlg_junit_totals *t,
		   const char *file, double max_failures, double min_tests)
{
	unsigned long long ran = t->tests - t->skipped;
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	/* what counted against max_failures, were skipped cases not among it */
	struct mlg_junit_totals counted = *t;

	if (!c->skipped_fail)
		counted.skipped = 0;
	if ((double)c->problems > max_failures) {
		mlg_strbuf_addf(&sb, "%llu of %llu imported test%s ", (unsigned long long)c->problems,
				(unsigned long long)t->tests, mlg_plural(t->tests));
		if (c->problems == t->failed) {
			mlg_strbuf_addstr(&sb, "failed");
		} else if (c->problems == t->errors) {
			mlg_strbuf_addstr(&sb, "ended in an error");
		} else if (c->skipped_fail && c->problems == t->skipped) {
			mlg_strbuf_addf(&sb, "%s skipped, which this check counts as failing",
					c->problems == 1 ? "was" : "were");
		} else {
			mlg_strbuf_addstr(&sb, "did not pass (");
			add_breakdown(&sb, &counted, 0);
			mlg_strbuf_addch(&sb, ')');
		}
		if (max_failures > 0)
			mlg_strbuf_addf(&sb, ", more than max_failures %.0f", max_failures);
		mlg_strbuf_addf(&sb, "%s%s", c->problems == 1 ? ": " : "; first: ", c->first);
		mlg_result_set(r, MLG_STATUS_FAILED, "%s", sb.buf);
	} else if ((double)ran < min_tests) {
		if (!t->tests)
			mlg_result_set(r, MLG_STATUS_FAILED,
				       "'%s' has no test cases, expected at least %.0f (did the test run collect nothing?)",
				       file, min_tests);
		else if (!ran)
			mlg_result_set(r, MLG_STATUS_FAILED,
				       "'%s' has %llu test case%s but none ran (all skipped), expected at least %.0f",
				       file, (unsigned long long)t->tests, mlg_plural(t->tests), min_tests);
		else
			mlg_result_set(r, MLG_STATUS_FAILED, "%llu test case%s of '%s' ran, expected at least %.0f%s",
				       ran, mlg_plural(ran), file, min_tests,
				       t->skipped ? " (skipped ones do not count)" : "");
	} else if (!t->tests) {
		mlg_result_set(r, MLG_STATUS_PASSED, "'%s' has no test cases, as min_tests 0 allows", file);
	} else {
		if (t->passed == t->tests)
			mlg_strbuf_addf(&sb, "%llu imported test%s passed", (unsigned long long)t->tests,
					mlg_plural(t->tests));
		else
			mlg_strbuf_addf(&sb, "%llu of %llu imported tests passed", (unsigned long long)t->passed,
					(unsigned long long)t->tests);
		if (t->passed != t->tests || t->flaky) {
			mlg_strbuf_addstr(&sb, " (");
			add_breakdown(&sb, t, 1);
			mlg_strbuf_addch(&sb, ')');
		}
		if (c->problems)
			mlg_strbuf_addf(&sb, ", within max_failures %.0f", max_failures);
		mlg_result_set(r, MLG_STATUS_PASSED, "%s", sb.buf);
	}
	mlg_strbuf_release(&sb);
}

static void run(const struct mlg_check_ctx *ctx, struct mlg_result *r)
{
	const struct mlg_check *check = ctx->check;
	const char *file = mlg_check_string(check, "file");
	const char *skipped = mlg_check_string(check, "skipped");
	char *abs = mlg_check_path(check, "file");
	struct mlg_junit_options opts = MLG_JUNIT_OPTIONS_INIT;
	struct mlg_junit_totals t;
	struct collect c = { .r = r, .details = MLG_STRBUF_INIT };
	double max_failures = 0, min_tests = 1;
	int rc;

	mlg_check_number(check, "max_failures", &max_failures);
	mlg_check_number(check, "min_tests", &min_tests);
	c.skipped_fail = skipped && !strcmp(skipped, "fail");
	cJSON_AddNumberToObject(r->expected, "max_failures", max_failures);
	cJSON_AddNumberToObject(r->expected, "min_tests", min_tests);
	cJSON_AddStringToObject(r->expected, "skipped", c.skipped_fail ? "fail" : "ok");

	opts.name = file;
	opts.on_case = on_case;
	opts.payload = &c;
	opts.cancel = ctx->cancel;
	opts.deadline = ctx->deadline;
	rc = mlg_junit_import_file(&t, abs, &opts);
	if (rc != MLG_ENOTFOUND)
		mlg_check_ctx_input(ctx, abs);
	if (rc < 0) {
		/* cases read before the error are no finding of an unreadable report */
		cJSON_Delete(r->examples);
		r->examples = cJSON_CreateArray();
		if (!r->examples)
			mlg_die_oom();
		r->nexamples = 0;
	}
	if (rc == MLG_ETIMEOUT) {
		mlg_result_set(r, MLG_STATUS_ERROR, "'%s' was not read within the check's timeout of %g s (%llu test cases read)",
			       file, check->timeout_s, (unsigned long long)t.tests);
		goto done;
	}
	if (rc < 0) {
		mlg_result_set(r, MLG_STATUS_ERROR, "%s", mlg_error_last());
		goto done;
	}
	cJSON_AddNumberToObject(r->observed, "tests", (double)t.tests);
	cJSON_AddNumberToObject(r->observed, "passed", (double)t.passed);
	cJSON_AddNumberToObject(r->observed, "failed", (double)t.failed);
	cJSON_AddNumberToObject(r->observed, "errors", (double)t.errors);
	cJSON_AddNumberToObject(r->observed, "skipped", (double)t.skipped);
	cJSON_AddNumberToObject(r->observed, "flaky", (double)t.flaky);
	/* to the microsecond: a sum of many decimals would print as 0.30000000000000004 */
	cJSON_AddNumberToObject(r->observed, "time_s", round(t.time_s * 1e6) / 1e6);
	cJSON_AddNumberToObject(r->observed, "suites", (double)t.suites);
	decide(r, &c, &t, file, max_failures, min_tests);
	if (c.problems > c.listed)
		mlg_strbuf_addf(&c.details, "... and %llu more\n", (unsigned long long)(c.problems - c.listed));
	if (c.details.len)
		mlg_result_set_details(r, c.details.buf);
done:
	mlg_strbuf_release(&c.details);
	free(c.first);
	free(abs);
}

const struct mlg_check_kind mlg_kind_infra_junit = {
	.abi = MLG_KIND_ABI,
	.name = "infra.junit",
	.summary = "a JUnit XML report of another test runner (pytest, Surefire...) has no failing tests",
	.params = params,
	.example = "{ \"kind\": \"infra.junit\", \"name\": \"feature unit tests\", \"file\": \"reports/junit.xml\", \"min_tests\": 10 }",
	.validate = validate,
	.run = run,
};
