/*
 * Unit tests for shard results merged into one (mlg_results_merge) and
 * runs rebuilt from results (mlg_run_from_results), runner/merge.c.
 *
 * The group setup writes two small CSVs and a metrics file in a fresh
 * folder under /tmp, loads a suite of ten checks over them (passing,
 * failing with examples, erroring with bytes JSON cannot carry, a
 * warn-severity failure, a failing command with output), and runs it
 * whole and as shards 1/3, 2/3 and 3/3. The folder is removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "mlgate/engine.h"
#include "mlgate/error.h"
#include "mlgate/merge.h"
#include "mlgate/report.h"
#include "mlgate/suite.h"

/* Characters XML cannot carry as they are: a control character and
 * the noncharacter U+FFFE (the suite parser refuses invalid UTF-8). */
#define BAD_JSON "\\u0001" "\xef\xbf\xbe"

static const char train_csv[] = "id,amount,country\n"
				"1,10,FR\n"
				"2,-5,DE\n"
				"3,abc,US\n"
				"4,20,\n";
static const char other_csv[] = "x\n1\n2\n";
static const char metrics_text[] = "{\"test\": {\"auc\": 0.91, \"f1\": 0.5}}\n";

static const char suite_text[] =
	"{\n"
	"  \"suite\": \"merge-unit\",\n"
	"  \"datasets\": {\"train\": {\"path\": \"train.csv\"}, \"other\": {\"path\": \"other.csv\"}},\n"
	"  \"checks\": [\n"
	"    {\"kind\": \"data.range\", \"id\": \"amount-range\", \"dataset\": \"train\", \"column\": \"amount\", \"min\": 0, \"max\": 100},\n"
	"    {\"kind\": \"data.not_null\", \"id\": \"id-not-null\", \"dataset\": \"train\", \"columns\": \"id\"},\n"
	"    {\"kind\": \"data.not_null\", \"id\": \"country-not-null\", \"dataset\": \"train\", \"columns\": \"country\", \"severity\": \"warn\"},\n"
	"    {\"kind\": \"data.row_count\", \"id\": \"other-rows\", \"dataset\": \"other\", \"min\": 1},\n"
	"    {\"kind\": \"model.metric\", \"id\": \"auc\", \"file\": \"metrics.json\", \"path\": \"test.auc\", \"min\": 0.9},\n"
	"    {\"kind\": \"model.metric\", \"id\": \"f1\", \"file\": \"metrics.json\", \"path\": \"test.f1\", \"min\": 0.8},\n"
	"    {\"kind\": \"model.metric\", \"id\": \"odd\", \"file\": \"metrics.json\", \"path\": \"test." BAD_JSON "\", \"min\": 0},\n"
	"    {\"kind\": \"infra.command\", \"id\": \"says-no\", \"run\": [\"sh\", \"-c\", \"echo out; echo err >&2; exit 3\"]},\n"
	"    {\"kind\": \"infra.file\", \"id\": \"model-file\", \"path\": \"model.bin\"},\n"
	"    {\"kind\": \"infra.file\", \"id\": \"metrics-file\", \"path\": \"metrics.json\", \"min_bytes\": 1}\n"
	"  ]\n"
	"}\n";

#define NCHECKS 10
#define NSHARDS 3

/* Every check but "metrics-file". */
static const char *const patterns[] = { "amount-range", "*-not-null", "other-rows", "auc",
					"f1", "odd", "says-no", "model-file" };

static char tmpdir[PATH_MAX];
static char suite_file[PATH_MAX + 32];
static struct mlg_suite *suite;
static cJSON *whole;            /* the unsharded run's results */
static cJSON *shard[NSHARDS];   /* shard k+1 of NSHARDS */
static const char *const names[NSHARDS] = { "a.json", "b.json", "c.json" };

static int write_text(const char *name, const char *text, size_t len)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(text, 1, len, f) != len)
		return -1;
	return fclose(f);
}

/* Runs the suite (shard index of count; 0 0: whole), with the -k patterns
 * when `deselect`; returns its JSON results, or NULL. Caller frees. */
static cJSON *run_json(int index, int count, int deselect, struct mlg_run **keep)
{
	struct mlg_run_options opts = MLG_RUN_OPTIONS_INIT;
	struct mlg_run *run = NULL;
	cJSON *doc;

	opts.jobs = 1;
	opts.shard_index = index;
	opts.shard_count = count;
	if (deselect) {
		opts.patterns = patterns;
		opts.npatterns = sizeof(patterns) / sizeof(patterns[0]);
	}
	if (mlg_engine_run(&run, suite, &opts) < 0)
		return NULL;
	doc = mlg_report_json(run);
	if (keep)
		*keep = run;
	else
		mlg_run_free(run);
	return doc;
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/mlgate-test-merge-XXXXXX";
	char *real;
	struct mlg_diag d = MLG_DIAG_INIT;

	(void)state;
	if (!mkdtemp(tmpl))
		return -1;
	real = realpath(tmpl, NULL);
	if (!real)
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "%s", real);
	free(real);
	if (write_text("train.csv", train_csv, sizeof(train_csv) - 1) < 0 ||
	    write_text("other.csv", other_csv, sizeof(other_csv) - 1) < 0 ||
	    write_text("metrics.json", metrics_text, sizeof(metrics_text) - 1) < 0)
		return -1;
	snprintf(suite_file, sizeof(suite_file), "%s/mlgate.json", tmpdir);
	if (mlg_suite_load_text(&suite, suite_file, suite_text, sizeof(suite_text) - 1, &d) < 0) {
		for (size_t i = 0; i < d.count; i++)
			fprintf(stderr, "suite: %d:%d %s: %s\n", d.items[i].line, d.items[i].column,
				d.items[i].path, d.items[i].message);
		mlg_diag_release(&d);
		return -1;
	}
	mlg_diag_release(&d);
	if (suite->nchecks != NCHECKS || !(whole = run_json(0, 0, 0, NULL)))
		return -1;
	for (int k = 0; k < NSHARDS; k++)
		if (!(shard[k] = run_json(k + 1, NSHARDS, 0, NULL)))
			return -1;
	return 0;
}

static int teardown(void **state)
{
	static const char *const files[] = { "train.csv", "other.csv", "metrics.json" };
	char path[PATH_MAX + 64];

	(void)state;
	cJSON_Delete(whole);
	for (int k = 0; k < NSHARDS; k++)
		cJSON_Delete(shard[k]);
	mlg_suite_free(suite);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
		unlink(path);
	}
	rmdir(tmpdir);
	xmlCleanupParser();
	return 0;
}

/* ---- helpers ---- */

static const cJSON *get(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v)
		fail_msg("no \"%s\" in the JSON", key);
	return v;
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = get(o, key);

	if (!cJSON_IsString(v))
		fail_msg("\"%s\" is not a string", key);
	return v->valuestring;
}

static cJSON *copy(const cJSON *doc)
{
	cJSON *c = cJSON_Duplicate(doc, 1);

	assert_non_null(c);
	return c;
}

static void set(cJSON *obj, const char *key, cJSON *value)
{
	if (cJSON_GetObjectItemCaseSensitive(obj, key))
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, value);
	else
		cJSON_AddItemToObject(obj, key, value);
}

/* The document without what differs from run to run; caller frees. */
static char *untimed(const cJSON *doc)
{
	cJSON *d = copy(doc), *c;
	char *text;

	cJSON_DeleteItemFromObjectCaseSensitive(d, "started");
	cJSON_DeleteItemFromObjectCaseSensitive(d, "duration_s");
	cJSON_DeleteItemFromObjectCaseSensitive(d, "merged_shards");
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(d, "checks"))
		cJSON_DeleteItemFromObjectCaseSensitive(c, "duration_s");
	text = cJSON_Print(d);
	cJSON_Delete(d);
	assert_non_null(text);
	return text;
}

/* Merging `docs` must be refused with a message containing `want`. */
static void refused(cJSON *const *docs, size_t n, const char *const *doc_names, const char *want)
{
	cJSON *out = (cJSON *)1;

	assert_int_equal(mlg_results_merge(&out, docs, n, doc_names), MLG_EINVALID);
	assert_null(out);
	if (!strstr(mlg_error_last(), want))
		fail_msg("message '%s' lacks '%s'", mlg_error_last(), want);
}

static enum mlg_status status_at(const cJSON *doc, int i)
{
	const char *s = str(cJSON_GetArrayItem(get(doc, "checks"), i), "status");

	if (!strcmp(s, "passed"))
		return MLG_STATUS_PASSED;
	if (!strcmp(s, "failed"))
		return MLG_STATUS_FAILED;
	if (!strcmp(s, "error"))
		return MLG_STATUS_ERROR;
	return MLG_STATUS_SKIPPED;
}

/* Removes every ` name="..."` from the text. */
static void strip_attr(char *s, const char *name)
{
	char pat[64];
	char *p;

	snprintf(pat, sizeof(pat), " %s=\"", name);
	while ((p = strstr(s, pat))) {
		char *end = strchr(p + strlen(pat), '"');

		assert_non_null(end);
		memmove(p, end + 1, strlen(end + 1) + 1);
	}
}

static char *junit_untimed(const struct mlg_run *run)
{
	size_t len;
	char *xml = mlg_report_junit(run, &len);

	assert_non_null(xml);
	strip_attr(xml, "time");
	strip_attr(xml, "timestamp");
	return xml;
}

/* ---- the shards themselves ---- */

static void test_shards_split_the_suite(void **state)
{
	(void)state;
	/* every check runs in exactly one shard, the others say where */
	for (int i = 0; i < NCHECKS; i++) {
		int ran = 0;

		for (int k = 0; k < NSHARDS; k++) {
			if (status_at(shard[k], i) != MLG_STATUS_SKIPPED) {
				ran++;
			} else {
				const char *msg = str(cJSON_GetArrayItem(get(shard[k], "checks"), i), "message");

				assert_non_null(strstr(msg, "in another shard (this is "));
			}
		}
		assert_int_equal(ran, 1);
	}
	for (int k = 0; k < NSHARDS; k++)
		assert_true(cJSON_IsObject(get(shard[k], "shard")));
}

/* ---- mlg_results_merge: the merged document ---- */

static void test_merge_equals_whole_run(void **state)
{
	cJSON *merged = NULL;
	char *a, *b;

	(void)state;
	assert_int_equal(mlg_results_merge(&merged, shard, NSHARDS, names), 0);
	assert_non_null(merged);
	assert_null(cJSON_GetObjectItemCaseSensitive(merged, "shard"));
	assert_int_equal(get(merged, "merged_shards")->valueint, NSHARDS);
	a = untimed(merged);
	b = untimed(whole);
	assert_string_equal(a, b);
	free(a);
	free(b);
	/* verdicts as the whole run gave them: f1 and the rest close the gate */
	assert_string_equal(str(merged, "gate"), "closed");
	assert_true(cJSON_IsTrue(get(merged, "complete")));
	assert_int_equal(get(get(merged, "summary"), "warnings")->valueint, 1);
	assert_int_equal(get(get(merged, "summary"), "skipped")->valueint, 0);
	cJSON_Delete(merged);
}

/* The same bytes for any order of the files. */
static void test_merge_any_order(void **state)
{
	static const int orders[][NSHARDS] = { { 0, 1, 2 }, { 2, 1, 0 }, { 1, 2, 0 }, { 2, 0, 1 } };
	char *first = NULL;

	(void)state;
	for (size_t o = 0; o < sizeof(orders) / sizeof(orders[0]); o++) {
		cJSON *docs[NSHARDS], *merged = NULL;
		const char *ns[NSHARDS];
		char *text;

		for (int k = 0; k < NSHARDS; k++) {
			docs[k] = shard[orders[o][k]];
			ns[k] = names[orders[o][k]];
		}
		assert_int_equal(mlg_results_merge(&merged, docs, NSHARDS, ns), 0);
		text = cJSON_Print(merged);
		cJSON_Delete(merged);
		if (!first) {
			first = text;
			continue;
		}
		assert_string_equal(text, first);
		cJSON_free(text);
	}
	cJSON_free(first);
}

/* Earliest start, longest duration, any interruption, union of inputs. */
static void test_merge_times_and_interruption(void **state)
{
	cJSON *docs[NSHARDS], *merged = NULL;

	(void)state;
	for (int k = 0; k < NSHARDS; k++)
		docs[k] = copy(shard[k]);
	set(docs[0], "started", cJSON_CreateString("2030-01-01T00:00:05Z"));
	set(docs[1], "started", cJSON_CreateString("2030-01-01T00:00:01Z"));
	set(docs[2], "started", cJSON_CreateString("2030-01-01T00:00:09Z"));
	set(docs[0], "duration_s", cJSON_CreateNumber(2.5));
	set(docs[1], "duration_s", cJSON_CreateNumber(7.25));
	set(docs[2], "duration_s", cJSON_CreateNumber(1));
	set(docs[2], "interrupted", cJSON_CreateBool(1));
	assert_int_equal(mlg_results_merge(&merged, docs, NSHARDS, names), 0);
	assert_string_equal(str(merged, "started"), "2030-01-01T00:00:01Z");
	assert_true(get(merged, "duration_s")->valuedouble == 7.25);
	assert_true(cJSON_IsTrue(get(merged, "interrupted")));
	assert_true(cJSON_IsFalse(get(merged, "complete")));
	assert_string_equal(str(merged, "gate"), "closed");
	assert_int_equal(cJSON_GetArraySize(get(merged, "inputs")), 3);
	assert_string_equal(str(cJSON_GetArrayItem(get(merged, "inputs"), 0), "path"), "metrics.json");
	assert_string_equal(str(cJSON_GetArrayItem(get(merged, "inputs"), 1), "path"), "other.csv");
	assert_string_equal(str(cJSON_GetArrayItem(get(merged, "inputs"), 2), "path"), "train.csv");
	cJSON_Delete(merged);
	for (int k = 0; k < NSHARDS; k++)
		cJSON_Delete(docs[k]);
}

/* Deselected by -k in every shard: kept skipped, with the -k reason. */
static void test_merge_deselected_everywhere(void **state)
{
	cJSON *docs[NSHARDS], *merged = NULL;
	const cJSON *c;

	(void)state;
	for (int k = 0; k < NSHARDS; k++)
		assert_non_null(docs[k] = run_json(k + 1, NSHARDS, 1, NULL));
	assert_int_equal(mlg_results_merge(&merged, docs, NSHARDS, names), 0);
	c = cJSON_GetArrayItem(get(merged, "checks"), NCHECKS - 1);
	assert_string_equal(str(c, "id"), "metrics-file");
	assert_string_equal(str(c, "status"), "skipped");
	assert_string_equal(str(c, "message"), "deselected by -k/--tag");
	assert_true(cJSON_IsFalse(get(merged, "complete")));
	assert_int_equal(get(get(merged, "summary"), "skipped")->valueint, 1);
	assert_int_equal(get(get(merged, "summary"), "selected")->valueint, NCHECKS - 1);
	cJSON_Delete(merged);
	for (int k = 0; k < NSHARDS; k++)
		cJSON_Delete(docs[k]);
}

/* A warning does not close the gate; only error-severity checks do. */
static void test_merge_gate_from_severity(void **state)
{
	cJSON *docs[NSHARDS], *merged = NULL;
	const cJSON *c;

	(void)state;
	/* every error-severity problem made to pass: only the warning is left */
	for (int k = 0; k < NSHARDS; k++) {
		docs[k] = copy(shard[k]);
		cJSON_ArrayForEach(c, get(docs[k], "checks")) {
			if (!strcmp(str(c, "severity"), "error") && strcmp(str(c, "status"), "skipped"))
				set((cJSON *)c, "status", cJSON_CreateString("passed"));
		}
	}
	assert_int_equal(mlg_results_merge(&merged, docs, NSHARDS, names), 0);
	assert_string_equal(str(merged, "gate"), "open");
	assert_int_equal(get(get(merged, "summary"), "warnings")->valueint, 1);
	assert_int_equal(get(get(merged, "summary"), "failed")->valueint, 0);
	cJSON_Delete(merged);
	for (int k = 0; k < NSHARDS; k++)
		cJSON_Delete(docs[k]);
}

/* Commits, branches and dirt of the jobs. */
static void test_merge_git(void **state)
{
	cJSON *docs[NSHARDS], *merged = NULL, *git;
	static const char commit[] = "0123456789abcdef0123456789abcdef01234567";

	(void)state;
	for (int k = 0; k < NSHARDS; k++) {
		docs[k] = copy(shard[k]);
		git = cJSON_CreateObject();
		cJSON_AddStringToObject(git, "commit", commit);
		if (k == 1)
			cJSON_AddStringToObject(git, "branch", "main");
		else
			cJSON_AddNullToObject(git, "branch");
		cJSON_AddBoolToObject(git, "dirty", k == 2);
		set(docs[k], "git", git);
	}
	assert_int_equal(mlg_results_merge(&merged, docs, NSHARDS, names), 0);
	git = (cJSON *)get(merged, "git");
	assert_string_equal(str(git, "commit"), commit);
	assert_string_equal(str(git, "branch"), "main");
	assert_true(cJSON_IsTrue(get(git, "dirty")));
	cJSON_Delete(merged);

	set((cJSON *)get(docs[2], "git"), "commit",
	    cJSON_CreateString("fedcba9876543210fedcba9876543210fedcba98"));
	refused(docs, NSHARDS, names, "a.json and c.json are from different git commits");
	/* one job outside git: not the same commit either */
	cJSON_DeleteItemFromObjectCaseSensitive(docs[2], "git");
	refused(docs, NSHARDS, names, "a.json and c.json are from different git commits");
	for (int k = 0; k < NSHARDS; k++)
		cJSON_Delete(docs[k]);
}

/* ---- mlg_results_merge: refusals ---- */

static void test_refuse_not_shards(void **state)
{
	cJSON *docs[NSHARDS] = { shard[0], whole, shard[2] };
	cJSON *junk;

	(void)state;
	refused(docs, NSHARDS, names, "b.json has no \"shard\"");
	refused(NULL, 0, NULL, "no results to merge");
	junk = cJSON_Parse("{\"hello\": 1}");
	docs[1] = junk;
	refused(docs, NSHARDS, names, "b.json is not mlgate results");
	cJSON_Delete(junk);
	/* without names, the position names the document */
	docs[1] = whole;
	refused(docs, NSHARDS, NULL, "results #2 has no \"shard\"");
}

static void test_refuse_missing_and_duplicate(void **state)
{
	cJSON *two[2] = { shard[0], shard[2] };
	cJSON *dup[NSHARDS] = { shard[1], shard[0], shard[1] };
	cJSON *other = NULL;
	cJSON *mixed[NSHARDS] = { shard[0], NULL, shard[2] };

	(void)state;
	refused(two, 2, names, "missing shard 2 of 3");
	refused(dup, NSHARDS, names, "shard 2 of 3 given twice: a.json and c.json");
	/* a shard of another split of the suite */
	assert_non_null(other = run_json(2, 4, 0, NULL));
	mixed[1] = other;
	refused(mixed, NSHARDS, names, "a.json is shard 1 of 3 but b.json is shard 2 of 4");
	cJSON_Delete(other);
	/* a doctored count costs nothing */
	other = copy(shard[0]);
	set((cJSON *)get(other, "shard"), "count", cJSON_CreateNumber(2000000000));
	refused(&other, 1, names, "missing shard 2 of 2000000000");
	set((cJSON *)get(other, "shard"), "index", cJSON_CreateNumber(0));
	refused(&other, 1, names, "a.json: \"shard\" is not {\"index\": K, \"count\": N}");
	cJSON_Delete(other);
}

static void test_refuse_other_suite(void **state)
{
	cJSON *docs[NSHARDS];

	(void)state;
	for (int k = 0; k < NSHARDS; k++)
		docs[k] = copy(shard[k]);
	set((cJSON *)get(docs[1], "suite_file"), "sha256",
	    cJSON_CreateString("0000000000000000000000000000000000000000000000000000000000000000"));
	refused(docs, NSHARDS, names, "a.json and b.json are from different versions of the suite");
	cJSON_Delete(docs[1]);
	docs[1] = copy(shard[1]);
	set(docs[1], "suite", cJSON_CreateString("another-suite"));
	refused(docs, NSHARDS, names, "a.json and b.json are from different versions of the suite");
	cJSON_Delete(docs[1]);
	/* same file digest, yet a check that is not there: a doctored file */
	docs[1] = copy(shard[1]);
	cJSON_DeleteItemFromArray((cJSON *)get(docs[1], "checks"), 3);
	refused(docs, NSHARDS, names, "a.json and b.json are from different versions of the suite");
	for (int k = 0; k < NSHARDS; k++)
		cJSON_Delete(docs[k]);
}

static void test_refuse_check_run_twice(void **state)
{
	cJSON *docs[NSHARDS];
	int i, ran_in = -1, other;
	char want[128];

	(void)state;
	for (int k = 0; k < NSHARDS; k++)
		docs[k] = copy(shard[k]);
	/* the first check, and the shard that ran it */
	i = 0;
	for (int k = 0; k < NSHARDS; k++)
		if (status_at(shard[k], i) != MLG_STATUS_SKIPPED)
			ran_in = k;
	assert_true(ran_in >= 0);
	other = (ran_in + 1) % NSHARDS;
	set(cJSON_GetArrayItem(get(docs[other], "checks"), i), "status", cJSON_CreateString("passed"));
	snprintf(want, sizeof(want), "check '%s' ran in two shards: %s and %s",
		 suite->checks[i].id, names[ran_in < other ? ran_in : other],
		 names[ran_in < other ? other : ran_in]);
	refused(docs, NSHARDS, names, want);
	for (int k = 0; k < NSHARDS; k++)
		cJSON_Delete(docs[k]);
}

static void test_refuse_inputs_that_differ(void **state)
{
	cJSON *docs[NSHARDS], *in;
	int k;

	(void)state;
	for (k = 0; k < NSHARDS; k++)
		docs[k] = copy(shard[k]);
	/* a shard that did not read train.csv claims to have read other bytes */
	for (k = 0; k < NSHARDS; k++) {
		const cJSON *it;
		int read_it = 0;

		cJSON_ArrayForEach(it, get(docs[k], "inputs"))
			read_it |= !strcmp(str(it, "path"), "train.csv");
		if (!read_it)
			break;
	}
	assert_true(k < NSHARDS);
	in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "path", "train.csv");
	cJSON_AddNumberToObject(in, "bytes", 1);
	cJSON_AddStringToObject(in, "sha256",
				"1111111111111111111111111111111111111111111111111111111111111111");
	cJSON_AddItemToArray((cJSON *)get(docs[k], "inputs"), in);
	refused(docs, NSHARDS, names, "read different contents of 'train.csv'");
	for (k = 0; k < NSHARDS; k++)
		cJSON_Delete(docs[k]);
}

/* ---- mlg_run_from_results ---- */

static void same_run(const struct mlg_run *a, const struct mlg_run *b)
{
	assert_int_equal(a->summary.total, b->summary.total);
	assert_int_equal(a->summary.selected, b->summary.selected);
	assert_int_equal(a->summary.passed, b->summary.passed);
	assert_int_equal(a->summary.failed, b->summary.failed);
	assert_int_equal(a->summary.errors, b->summary.errors);
	assert_int_equal(a->summary.skipped, b->summary.skipped);
	assert_int_equal(a->summary.warnings, b->summary.warnings);
	assert_int_equal(a->complete, b->complete);
	assert_int_equal(a->gate_open, b->gate_open);
	assert_int_equal(a->interrupted, b->interrupted);
	assert_int_equal(a->shard_index, b->shard_index);
	assert_int_equal(a->shard_count, b->shard_count);
	assert_int_equal(a->started, b->started);
	assert_int_equal(a->ninputs, b->ninputs);
	for (size_t i = 0; i < a->ninputs; i++) {
		assert_string_equal(a->inputs[i].path, b->inputs[i].path);
		assert_string_equal(a->inputs[i].sha256, b->inputs[i].sha256);
		assert_int_equal(a->inputs[i].bytes, b->inputs[i].bytes);
	}
	for (size_t i = 0; i < NCHECKS; i++) {
		const struct mlg_result *x = &a->results[i], *y = &b->results[i];

		assert_int_equal(a->selected[i], b->selected[i]);
		assert_int_equal(x->status, y->status);
		assert_int_equal(x->started, y->started);
		assert_int_equal(x->nexamples, y->nexamples);
		assert_true(cJSON_Compare(x->observed, y->observed, 1));
		assert_true(cJSON_Compare(x->expected, y->expected, 1));
		assert_true(cJSON_Compare(x->examples, y->examples, 1));
		assert_int_equal(!x->details, !y->details);
	}
}

/* Rebuilt from its own results, a run writes the same reports again. */
static void roundtrip(int index, int count, int deselect)
{
	struct mlg_run *run = NULL, *rebuilt = NULL;
	cJSON *doc = run_json(index, count, deselect, &run), *again;
	char *a, *b;

	assert_non_null(doc);
	assert_int_equal(mlg_run_from_results(&rebuilt, suite, doc), 0);
	assert_non_null(rebuilt);
	same_run(run, rebuilt);
	/* the messages, as JSON carries them */
	for (int i = 0; i < NCHECKS; i++)
		assert_string_equal(rebuilt->results[i].message,
				    str(cJSON_GetArrayItem(get(doc, "checks"), i), "message"));
	again = mlg_report_json(rebuilt);
	if (!cJSON_Compare(doc, again, 1)) {
		a = cJSON_Print(doc);
		b = cJSON_Print(again);
		fail_msg("the JSON of the rebuilt run differs:\n%s\n---\n%s", a, b);
	}
	cJSON_Delete(again);
	a = junit_untimed(run);
	b = junit_untimed(rebuilt);
	assert_string_equal(a, b);
	free(a);
	free(b);
	mlg_run_free(rebuilt);
	mlg_run_free(run);
	cJSON_Delete(doc);
}

static void test_roundtrip_whole(void **state)
{
	(void)state;
	roundtrip(0, 0, 0);
}

static void test_roundtrip_deselected(void **state)
{
	(void)state;
	roundtrip(0, 0, 1);
}

static void test_roundtrip_shard(void **state)
{
	(void)state;
	for (int k = 1; k <= NSHARDS; k++)
		roundtrip(k, NSHARDS, 0);
}

/* The merged results rebuild the whole run's reports. */
static void test_rebuild_merged(void **state)
{
	struct mlg_run *run = NULL, *rebuilt = NULL;
	cJSON *doc = run_json(0, 0, 0, &run), *merged = NULL;
	char *a, *b;

	(void)state;
	assert_int_equal(mlg_results_merge(&merged, shard, NSHARDS, names), 0);
	assert_int_equal(mlg_run_from_results(&rebuilt, suite, merged), 0);
	assert_int_equal(rebuilt->shard_count, 0);
	assert_int_equal(rebuilt->summary.selected, NCHECKS);
	assert_int_equal(rebuilt->summary.failed, run->summary.failed);
	assert_int_equal(rebuilt->summary.warnings, run->summary.warnings);
	assert_int_equal(rebuilt->gate_open, run->gate_open);
	assert_int_equal(rebuilt->complete, 1);
	a = junit_untimed(run);
	b = junit_untimed(rebuilt);
	assert_string_equal(a, b);
	free(a);
	free(b);
	mlg_run_free(rebuilt);
	mlg_run_free(run);
	cJSON_Delete(doc);
	cJSON_Delete(merged);
}

/* Matched by id, not by position. */
static void test_from_results_by_id(void **state)
{
	struct mlg_run *rebuilt = NULL;
	cJSON *doc = copy(whole), *checks = (cJSON *)get(doc, "checks"), *reversed = cJSON_CreateArray();

	(void)state;
	while (cJSON_GetArraySize(checks))
		cJSON_AddItemToArray(reversed, cJSON_DetachItemFromArray(checks, cJSON_GetArraySize(checks) - 1));
	set(doc, "checks", reversed);
	assert_int_equal(mlg_run_from_results(&rebuilt, suite, doc), 0);
	for (int i = 0; i < NCHECKS; i++)
		assert_int_equal(rebuilt->results[i].status, status_at(whole, i));
	mlg_run_free(rebuilt);
	cJSON_Delete(doc);
}

static void from_results_refused(const cJSON *doc, const char *want)
{
	struct mlg_run *run = (struct mlg_run *)1;

	assert_int_equal(mlg_run_from_results(&run, suite, doc), MLG_EINVALID);
	assert_null(run);
	if (!strstr(mlg_error_last(), want))
		fail_msg("message '%s' lacks '%s'", mlg_error_last(), want);
}

static void test_from_results_refusals(void **state)
{
	cJSON *doc;

	(void)state;
	doc = copy(whole);
	set(doc, "suite", cJSON_CreateString("another"));
	from_results_refused(doc, "the results are of suite 'another', not 'merge-unit'");
	cJSON_Delete(doc);

	doc = copy(whole);
	set((cJSON *)get(doc, "suite_file"), "sha256", cJSON_CreateString("abcdef"));
	from_results_refused(doc, "another version of");
	cJSON_Delete(doc);

	doc = copy(whole);
	cJSON_DeleteItemFromArray((cJSON *)get(doc, "checks"), 4);
	from_results_refused(doc, "the results lack check 'auc' of the suite");
	cJSON_Delete(doc);

	doc = copy(whole);
	set(cJSON_GetArrayItem(get(doc, "checks"), 7), "status", cJSON_CreateString("meh"));
	from_results_refused(doc, "check 'says-no' has no valid \"status\"");
	cJSON_Delete(doc);

	doc = copy(whole);
	set(doc, "started", cJSON_CreateString("yesterday"));
	from_results_refused(doc, "\"started\" is not a UTC time");
	cJSON_Delete(doc);

	doc = copy(whole);
	set(doc, "schema", cJSON_CreateString("other/v9"));
	from_results_refused(doc, "not mlgate results");
	cJSON_Delete(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shards_split_the_suite),
		cmocka_unit_test(test_merge_equals_whole_run),
		cmocka_unit_test(test_merge_any_order),
		cmocka_unit_test(test_merge_times_and_interruption),
		cmocka_unit_test(test_merge_deselected_everywhere),
		cmocka_unit_test(test_merge_gate_from_severity),
		cmocka_unit_test(test_merge_git),
		cmocka_unit_test(test_refuse_not_shards),
		cmocka_unit_test(test_refuse_missing_and_duplicate),
		cmocka_unit_test(test_refuse_other_suite),
		cmocka_unit_test(test_refuse_check_run_twice),
		cmocka_unit_test(test_refuse_inputs_that_differ),
		cmocka_unit_test(test_roundtrip_whole),
		cmocka_unit_test(test_roundtrip_deselected),
		cmocka_unit_test(test_roundtrip_shard),
		cmocka_unit_test(test_rebuild_merged),
		cmocka_unit_test(test_from_results_by_id),
		cmocka_unit_test(test_from_results_refusals),
	};

	return cmocka_run_group_tests_name("merge", tests, setup, teardown);
}
