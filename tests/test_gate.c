/*
 * Unit tests for the promotion gate (runner/gate.c, promote.c, the
 * registry adapters runner/promote_*.c).
 *
 * - the "gate" section's validation, through mlg_suite_load_text (which
 *   calls mlg_gate_validate(suite, 0, diag)) and through
 *   mlg_gate_validate(suite, 1, diag), which expands ${VAR} first;
 * - the defaults validation adds to each gate.promote entry;
 * - mlg_gate_decide on results documents built here as cJSON;
 * - mlg_results_digest;
 * - mlg_promote in dry runs (requests printed, secrets masked, nothing
 *   sent), its idempotency records, and one real webhook call to a tiny
 *   in-test HTTP server whose signature is verified.
 *
 * Registry URLs point at http://127.0.0.1:9 (nothing listens there) with
 * "attempts": 1, so a call that should not be made fails fast with
 * "connection refused" instead of waiting on retries. Every variable the
 * tests set starts with MLGT_ (or is one of the registries' own names,
 * MLFLOW_TRACKING_*), and the CI variables that would add a job URL are
 * unset, so the environment the tests run in cannot interfere.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "mlgate/error.h"
#include "mlgate/promote.h"
#include "mlgate/suite.h"

#define FILE_NAME "mlgate.json"

#define MLFLOW_TOKEN "mlflow-token-S3CR3T-one"
#define HOOK_SECRET "hook-secret-S3CR3T-two"
#define API_KEY "api-key-S3CR3T-three"

/* ---- loading ---- */

static int load(const char *text, struct mlg_suite **suite, struct mlg_diag *diag)
{
	size_t len = strlen(text);
	char *copy = malloc(len ? len : 1); /* exact length, no NUL: ASan sees overreads */
	int rc;

	assert_non_null(copy);
	memcpy(copy, text, len);
	*diag = (struct mlg_diag)MLG_DIAG_INIT;
	rc = mlg_suite_load_text(suite, FILE_NAME, copy, len, diag);
	free(copy);
	return rc;
}

static void dump_diag(const struct mlg_diag *d)
{
	for (size_t i = 0; i < d->count; i++)
		print_message("  [%zu] %s:%d:%d %s: %s\n", i, d->items[i].file, d->items[i].line,
			      d->items[i].column, d->items[i].path, d->items[i].message);
}

static struct mlg_suite *load_ok(const char *text)
{
	struct mlg_diag d;
	struct mlg_suite *s = NULL;
	int rc = load(text, &s, &d);

	if (rc != 0 || d.count) {
		size_t n = d.count;

		dump_diag(&d);
		mlg_diag_release(&d);
		mlg_suite_free(s);
		fail_msg("suite should load (rc %d, %zu problems):\n%s", rc, n, text);
	}
	assert_non_null(s);
	mlg_diag_release(&d);
	return s;
}

/* Checks that problem `i` of `d` has `path`, `line` (0: not checked) and both parts. */
static void item_is(struct mlg_diag *d, size_t i, const char *path, int line, const char *part1,
		    const char *part2)
{
	const struct mlg_diag_item *it;
	char why[1024] = "";

	if (i >= d->count) {
		dump_diag(d);
		mlg_diag_release(d);
		fail_msg("no problem %zu (want one at %s)", i, path);
	}
	it = &d->items[i];
	if (strcmp(it->path, path))
		snprintf(why, sizeof(why), "problem %zu: path '%s', want '%s'", i, it->path, path);
	else if (line && it->line != line)
		snprintf(why, sizeof(why), "problem %zu (%s): line %d, want %d", i, path, it->line, line);
	else if (part1 && !strstr(it->message, part1))
		snprintf(why, sizeof(why), "problem %zu (%s): message '%s' lacks '%s'", i, path,
			 it->message, part1);
	else if (part2 && !strstr(it->message, part2))
		snprintf(why, sizeof(why), "problem %zu (%s): message '%s' lacks '%s'", i, path,
			 it->message, part2);
	if (why[0]) {
		dump_diag(d);
		mlg_diag_release(d);
		fail_msg("%s", why);
	}
}

/* Loads a suite that must be rejected with exactly `n` problems. */
static void load_bad(const char *text, size_t n, struct mlg_diag *d)
{
	struct mlg_suite *s = NULL;
	int rc = load(text, &s, d);

	if (rc != MLG_EINVALID || d->count != n) {
		size_t got = d->count;

		dump_diag(d);
		mlg_diag_release(d);
		mlg_suite_free(s);
		fail_msg("want MLG_EINVALID with %zu problems, got rc %d with %zu:\n%s", n, rc, got, text);
	}
	assert_null(s);
}

static void one_problem(const char *text, const char *path, int line, const char *part1,
			const char *part2)
{
	struct mlg_diag d;

	load_bad(text, 1, &d);
	item_is(&d, 0, path, line, part1, part2);
	mlg_diag_release(&d);
}

/* A suite whose "gate" section, on line 2, is `gate`. */
#define SUITE_HEAD "{\"suite\": \"gate-unit\", \"checks\": [{\"kind\": \"infra.file\", \"path\": \"x.bin\"}],\n"
#define WITH_GATE(gate) SUITE_HEAD "  \"gate\": " gate "\n}\n"
/* ... whose gate.promote has the entries `entries`. */
#define WITH_ENTRIES(entries) WITH_GATE("{\"promote\": [" entries "]}")

#define MLFLOW_MIN "\"registry\": \"mlflow\", \"url\": \"http://mlflow:5000\", \"model\": \"m\", \"version\": \"3\""
#define WEBHOOK_MIN "\"registry\": \"webhook\", \"url\": \"https://hooks.example/x\", \"secret_env\": \"MLGT_S\""
#define OCI_MIN "\"registry\": \"oci\", \"url\": \"https://reg.example\", \"repository\": \"models/m\""

/* ---- gate validation ---- */

static void test_valid_entries_load(void **state)
{
	struct mlg_suite *s;

	(void)state;
	s = load_ok(WITH_ENTRIES("{" MLFLOW_MIN ", \"alias\": \"champion\"},"
				 "{" MLFLOW_MIN ", \"stage\": \"production\", \"archive_existing_versions\": true,"
				 " \"on\": \"approved\", \"timeout\": 12.5, \"attempts\": 2, \"backoff\": \"250ms\","
				 " \"backoff_max\": \"2m\", \"connect_timeout\": \"3s\", \"ca_file\": \"ca.pem\","
				 " \"token_env\": \"MLGT_TOKEN\", \"tag_prefix\": \"ci.\"},"
				 "{" WEBHOOK_MIN ", \"model\": \"m\", \"version\": \"3\", \"on\": [\"approved\", \"rejected\"],"
				 " \"github_signature\": true, \"headers\": {\"X-Team\": \"ml\"},"
				 " \"headers_env\": {\"X-Api-Key\": \"MLGT_K\"}},"
				 "{" OCI_MIN ", \"tag\": \"${CI_COMMIT_SHA}\", \"promote_tag\": \"champion\","
				 " \"username_env\": \"MLGT_U\", \"password_env\": \"MLGT_P\"},"
				 "{" OCI_MIN ", \"tag\": \"v1.2_rc-3\", \"promote_tag\": \"_prod\"},"
				 "{\"registry\": \"webhook\", \"url\": \"${MLGT_GATE_HOOK_URL}\", \"secret_env\": \"X\"}"));
	mlg_suite_free(s);

	/* No gate, an empty one, and an empty list are all fine. */
	s = load_ok(WITH_GATE("{}"));
	mlg_suite_free(s);
	s = load_ok(WITH_ENTRIES(""));
	mlg_suite_free(s);
}

static void test_registry_problems(void **state)
{
	(void)state;
	one_problem(WITH_ENTRIES("{\"registry\": \"mlfow\", \"url\": \"http://x\"}"),
		    "gate.promote[0].registry", 2, "unknown registry 'mlfow'",
		    "expected one of mlflow, oci, webhook");
	one_problem(WITH_ENTRIES("{\"url\": \"http://x\"}"), "gate.promote[0]", 2,
		    "missing \"registry\"", "expected one of mlflow, oci, webhook");
	one_problem(WITH_ENTRIES("{\"registry\": 5}"), "gate.promote[0].registry", 2,
		    "expected one of mlflow, oci, webhook", NULL);
	/* The index is the entry's own. */
	one_problem(WITH_ENTRIES("{" MLFLOW_MIN ", \"alias\": \"a\"}, {\"registry\": \"s3\"}"),
		    "gate.promote[1].registry", 2, "unknown registry 's3'", NULL);
	one_problem(WITH_ENTRIES("5"), "gate.promote[0]", 2, "expected an object with \"registry\"", NULL);
}

static void test_unknown_key_suggests(void **state)
{
	(void)state;
	one_problem(WITH_ENTRIES("{" MLFLOW_MIN ", \"alias\": \"a\", \"aliass\": \"b\"}"),
		    "gate.promote[0].aliass", 2, "unknown key of a mlflow entry 'aliass'",
		    "did you mean 'alias'?");
	one_problem(WITH_ENTRIES("{" WEBHOOK_MIN ", \"atempts\": 2}"), "gate.promote[0].atempts", 2,
		    "unknown key of a webhook entry 'atempts'", "did you mean 'attempts'?");
	/* A key of another adapter is unknown to this one. */
	one_problem(WITH_ENTRIES("{" WEBHOOK_MIN ", \"alias\": \"a\"}"), "gate.promote[0].alias", 2,
		    "unknown key of a webhook entry 'alias'", "secret_env");
}

static void test_missing_required(void **state)
{
	(void)state;
	one_problem(WITH_ENTRIES("{\"registry\": \"mlflow\", \"url\": \"http://x\", \"version\": \"3\", \"alias\": \"a\"}"),
		    "gate.promote[0]", 2, "missing required parameter 'model' of a mlflow entry",
		    "registered model name");
	one_problem(WITH_ENTRIES("{\"registry\": \"webhook\", \"url\": \"http://x\"}"), "gate.promote[0]", 2,
		    "missing required parameter 'secret_env' of a webhook entry", NULL);
	one_problem(WITH_ENTRIES("{" OCI_MIN ", \"tag\": \"t\"}"), "gate.promote[0]", 2,
		    "missing required parameter 'promote_tag' of a oci entry", NULL);
}

static void test_wrong_types(void **state)
{
	struct mlg_diag d;

	(void)state;
	one_problem(WITH_ENTRIES("{" MLFLOW_MIN ", \"alias\": \"a\", \"attempts\": \"five\"}"),
		    "gate.promote[0].attempts", 2, "expected a whole number", "found a string");
	one_problem(WITH_ENTRIES("{" MLFLOW_MIN ", \"alias\": \"a\", \"attempts\": 2.5}"),
		    "gate.promote[0].attempts", 2, "expected a whole number", "found a fraction");
	one_problem(WITH_ENTRIES("{" MLFLOW_MIN ", \"alias\": \"a\", \"timeout\": \"5x\"}"),
		    "gate.promote[0].timeout", 2, "'5x'", "duration");
	one_problem(WITH_ENTRIES("{" MLFLOW_MIN ", \"alias\": \"a\", \"backoff\": -1}"),
		    "gate.promote[0].backoff", 2, "duration", NULL);
	one_problem(WITH_ENTRIES("{" WEBHOOK_MIN ", \"github_signature\": \"yes\"}"),
		    "gate.promote[0].github_signature", 2, "expected true or false", "found a string");
	one_problem(WITH_ENTRIES("{" WEBHOOK_MIN ", \"headers\": [\"X-A: b\"]}"), "gate.promote[0].headers", 2,
		    "expected an object", NULL);
	one_problem(WITH_ENTRIES("{" WEBHOOK_MIN ", \"headers\": {\"X-A\": 1}}"), "gate.promote[0]", 2,
		    "header 'X-A' in \"headers\" must be a string", NULL);

	/* Every problem of an entry at once, in file order. */
	load_bad(WITH_ENTRIES("{" MLFLOW_MIN ", \"alias\": \"a\", \"attempts\": \"five\", \"timeout\": \"5x\"}"), 2, &d);
	item_is(&d, 0, "gate.promote[0].attempts", 2, "whole number", NULL);
	item_is(&d, 1, "gate.promote[0].timeout", 2, "'5x'", NULL);
	mlg_diag_release(&d);
}

/*
 * A value of the wrong type is reported once, as such: the adapter's
 * cross-parameter rules must not then also call it missing (the suite
 * loader runs a check kind's own rules only once its generic ones hold).
 */
static void test_wrong_type_not_also_missing(void **state)
{
	(void)state;
	one_problem(WITH_ENTRIES("{" MLFLOW_MIN ", \"alias\": 7}"), "gate.promote[0].alias", 2,
		    "expected a string", "found a number");
}

static void test_on_verdicts(void **state)
{
	(void)state;
	one_problem(WITH_ENTRIES("{" MLFLOW_MIN ", \"alias\": \"a\", \"on\": [\"approved\", \"promoted\"]}"),
		    "gate.promote[0].on[1]", 2, "expected \"approved\" or \"rejected\"", NULL);
	one_problem(WITH_ENTRIES("{" MLFLOW_MIN ", \"alias\": \"a\", \"on\": \"always\"}"), "gate.promote[0].on", 2,
		    "\"approved\"", "\"rejected\"");
	one_problem(WITH_ENTRIES("{" WEBHOOK_MIN ", \"on\": []}"), "gate.promote[0].on", 2,
		    "non-empty list", NULL);
}

static void test_mlflow_rules(void **state)
{
	struct mlg_suite *s;

	(void)state;
	one_problem(WITH_ENTRIES("{" MLFLOW_MIN "}"), "gate.promote[0]", 2, "needs \"alias\"", "\"stage\"");
	one_problem(WITH_ENTRIES("{" MLFLOW_MIN ", \"alias\": \"latest\"}"), "gate.promote[0]", 2,
		    "alias 'latest' is reserved", NULL);
	one_problem(WITH_ENTRIES("{" MLFLOW_MIN ", \"alias\": \"Latest\"}"), "gate.promote[0]", 2,
		    "alias 'Latest' is reserved", NULL);
	one_problem(WITH_ENTRIES("{" MLFLOW_MIN ", \"alias\": \"v3\"}"), "gate.promote[0]", 2,
		    "alias 'v3' is reserved", NULL);
	one_problem(WITH_ENTRIES("{" MLFLOW_MIN ", \"stage\": \"Prod\"}"), "gate.promote[0]", 2,
		    "stage 'Prod'", "expected Staging, Production, Archived or None");
	one_problem(WITH_ENTRIES("{\"registry\": \"mlflow\", \"url\": \"mlflow:5000\", \"model\": \"m\", "
				 "\"version\": \"3\", \"alias\": \"a\"}"),
		    "gate.promote[0]", 2, "\"url\" must start with http:// or https://", NULL);

	/* Near misses of the reserved names are ordinary aliases. */
	s = load_ok(WITH_ENTRIES("{" MLFLOW_MIN ", \"alias\": \"v\"}, {" MLFLOW_MIN ", \"alias\": \"v3a\"},"
				 "{" MLFLOW_MIN ", \"alias\": \"version3\"}, {" MLFLOW_MIN ", \"alias\": \"latest-good\"}"));
	mlg_suite_free(s);
}

/* MLflow reserves version aliases case-insensitively: ^[vV]\d+$. */
static void test_mlflow_reserved_alias_upper_v(void **state)
{
	(void)state;
	one_problem(WITH_ENTRIES("{" MLFLOW_MIN ", \"alias\": \"V3\"}"), "gate.promote[0]", 2,
		    "alias 'V3' is reserved", NULL);
}

static void test_oci_rules(void **state)
{
	(void)state;
	one_problem(WITH_ENTRIES("{" OCI_MIN ", \"tag\": \"bad tag\", \"promote_tag\": \"champion\"}"),
		    "gate.promote[0]", 2, "tag 'bad tag' is not a valid OCI tag", NULL);
	one_problem(WITH_ENTRIES("{" OCI_MIN ", \"tag\": \"-x\", \"promote_tag\": \"champion\"}"),
		    "gate.promote[0]", 2, "tag '-x' is not a valid OCI tag", NULL);
	one_problem(WITH_ENTRIES("{" OCI_MIN ", \"tag\": \"abc\", \"promote_tag\": \".x\"}"),
		    "gate.promote[0]", 2, "promote_tag '.x' is not a valid OCI tag", NULL);
	one_problem(WITH_ENTRIES("{" OCI_MIN ", \"tag\": \"champion\", \"promote_tag\": \"champion\"}"),
		    "gate.promote[0]", 2, "\"tag\" and \"promote_tag\" are the same", NULL);
	{
		char tag[140], text[1024];

		memset(tag, 'a', 129);
		tag[129] = '\0';
		snprintf(text, sizeof(text),
			 WITH_ENTRIES("{" OCI_MIN ", \"tag\": \"%s\", \"promote_tag\": \"champion\"}"), tag);
		one_problem(text, "gate.promote[0]", 2, "is not a valid OCI tag", NULL);
		tag[128] = '\0'; /* 128 characters: the longest valid tag */
		snprintf(text, sizeof(text),
			 WITH_ENTRIES("{" OCI_MIN ", \"tag\": \"%s\", \"promote_tag\": \"champion\"}"), tag);
		mlg_suite_free(load_ok(text));
	}
}

/*
 * The gate's ${VAR}s are not expanded at load, so a load-time rule must
 * not judge an unexpanded value: "tag" is spared (a ${VAR} is skipped),
 * and so must be every other value that may come from the environment.
 */
static void test_unexpanded_promote_tag_loads(void **state)
{
	struct mlg_suite *s;

	(void)state;
	s = load_ok(WITH_ENTRIES("{" OCI_MIN ", \"tag\": \"${MLGT_GATE_TAG}\", \"promote_tag\": \"${MLGT_GATE_PTAG}\"}"));
	mlg_suite_free(s);
}

static void test_unexpanded_stage_loads(void **state)
{
	struct mlg_suite *s;

	(void)state;
	s = load_ok(WITH_ENTRIES("{" MLFLOW_MIN ", \"stage\": \"${MLGT_GATE_STAGE}\"}"));
	mlg_suite_free(s);
}

static void test_webhook_rules(void **state)
{
	(void)state;
	one_problem(WITH_ENTRIES("{\"registry\": \"webhook\", \"url\": \"ftp://hooks.example/x\", \"secret_env\": \"S\"}"),
		    "gate.promote[0]", 2, "\"url\" must start with http:// or https://", NULL);
	one_problem(WITH_ENTRIES("{\"registry\": \"webhook\", \"url\": \"hooks.example/x\", \"secret_env\": \"S\"}"),
		    "gate.promote[0]", 2, "\"url\" must start with http:// or https://", NULL);
	one_problem(WITH_ENTRIES("{" WEBHOOK_MIN ", \"headers_env\": {\"X-K\": true}}"), "gate.promote[0]", 2,
		    "header 'X-K' in \"headers_env\" must name a variable", NULL);
}

static void test_gate_shape(void **state)
{
	struct mlg_diag d;

	(void)state;
	one_problem(WITH_GATE("{\"promote\": [], \"foo\": 1}"), "gate.foo", 2,
		    "unknown key of the gate 'foo'", "expected \"promote\"");
	one_problem(WITH_GATE("[]"), "gate", 2, "expected an object", "\"promote\"");
	one_problem(WITH_GATE("\"mlflow\""), "gate", 2, "expected an object", NULL);
	one_problem(WITH_GATE("{\"promote\": {\"registry\": \"mlflow\"}}"), "gate.promote", 2,
		    "expected a list of registry entries", NULL);
	one_problem(WITH_GATE("{\"promote\": \"mlflow\"}"), "gate.promote", 2,
		    "expected a list of registry entries", NULL);

	/* Problems of several entries are all reported. */
	load_bad(WITH_ENTRIES("{\"registry\": \"x\"}, {" MLFLOW_MIN "}, {" WEBHOOK_MIN ", \"attempts\": \"2\"}"), 3, &d);
	item_is(&d, 0, "gate.promote[0].registry", 2, "unknown registry 'x'", NULL);
	item_is(&d, 1, "gate.promote[1]", 2, "needs \"alias\"", NULL);
	item_is(&d, 2, "gate.promote[2].attempts", 2, "whole number", NULL);
	mlg_diag_release(&d);
}

static void test_expansion_only_when_asked(void **state)
{
	struct mlg_suite *s;
	struct mlg_diag d = MLG_DIAG_INIT;
	const cJSON *entry;

	(void)state;
	unsetenv("MLGT_GATE_UNSET");
	s = load_ok(WITH_ENTRIES("{\"registry\": \"webhook\", \"url\": \"${MLGT_GATE_UNSET}/hook\", \"secret_env\": \"S\"}"));
	entry = cJSON_GetArrayItem(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(s->root, "gate"), "promote"), 0);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(entry, "url")->valuestring,
			    "${MLGT_GATE_UNSET}/hook");

	mlg_gate_validate(s, 1, &d);
	if (d.count != 1) {
		dump_diag(&d);
		mlg_diag_release(&d);
		mlg_suite_free(s);
		fail_msg("want 1 problem after expansion");
	}
	item_is(&d, 0, "gate.promote[0].url", 0, "environment variable 'MLGT_GATE_UNSET' is not set", NULL);
	mlg_diag_release(&d);
	mlg_suite_free(s);

	/* Set, it is expanded in place; and the rules then judge the expanded value. */
	setenv("MLGT_GATE_URL", "https://hooks.example", 1);
	s = load_ok(WITH_ENTRIES("{\"registry\": \"webhook\", \"url\": \"${MLGT_GATE_URL}/hook\", \"secret_env\": \"S\"}"));
	d = (struct mlg_diag)MLG_DIAG_INIT;
	mlg_gate_validate(s, 1, &d);
	assert_int_equal(d.count, 0);
	entry = cJSON_GetArrayItem(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(s->root, "gate"), "promote"), 0);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(entry, "url")->valuestring,
			    "https://hooks.example/hook");
	mlg_suite_free(s);

	setenv("MLGT_GATE_URL", "ftp://hooks.example", 1);
	s = load_ok(WITH_ENTRIES("{\"registry\": \"webhook\", \"url\": \"${MLGT_GATE_URL}/hook\", \"secret_env\": \"S\"}"));
	d = (struct mlg_diag)MLG_DIAG_INIT;
	mlg_gate_validate(s, 1, &d);
	if (d.count != 1) {
		dump_diag(&d);
		mlg_diag_release(&d);
		mlg_suite_free(s);
		fail_msg("want 1 problem for an expanded ftp:// url");
	}
	item_is(&d, 0, "gate.promote[0]", 0, "\"url\" must start with http:// or https://", NULL);
	mlg_diag_release(&d);
	mlg_suite_free(s);
	unsetenv("MLGT_GATE_URL");
}

/* ---- defaults ---- */

static const cJSON *entry_of(const struct mlg_suite *s, int i)
{
	return cJSON_GetArrayItem(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(s->root, "gate"), "promote"), i);
}

static void json_is(const cJSON *entry, const char *key, const char *want)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(entry, key);
	char *text;

	if (!v)
		fail_msg("no \"%s\" in the entry, want %s", key, want);
	text = cJSON_PrintUnformatted(v);
	assert_non_null(text);
	if (strcmp(text, want)) {
		char copy[512];

		snprintf(copy, sizeof(copy), "%s", text);
		cJSON_free(text);
		fail_msg("\"%s\" is %s, want %s", key, copy, want);
	}
	cJSON_free(text);
}

static void test_defaults(void **state)
{
	struct mlg_suite *s;
	const cJSON *e;

	(void)state;
	s = load_ok(WITH_ENTRIES("{" MLFLOW_MIN ", \"alias\": \"a\"}, {" WEBHOOK_MIN "},"
				 "{" OCI_MIN ", \"tag\": \"t\", \"promote_tag\": \"p\"},"
				 "{" WEBHOOK_MIN ", \"on\": \"rejected\", \"attempts\": 2, \"timeout\": 3}"));
	e = entry_of(s, 0);
	json_is(e, "on", "[\"approved\",\"rejected\"]");
	json_is(e, "attempts", "5");
	json_is(e, "timeout", "\"30s\"");
	json_is(e, "connect_timeout", "\"10s\"");
	json_is(e, "backoff", "\"1s\"");
	json_is(e, "backoff_max", "\"60s\"");
	/* no defaults for the credential variables: named ones must be set,
	 * MLflow's own MLFLOW_TRACKING_* are used when set */
	assert_null(cJSON_GetObjectItemCaseSensitive(e, "token_env"));
	assert_null(cJSON_GetObjectItemCaseSensitive(e, "username_env"));
	assert_null(cJSON_GetObjectItemCaseSensitive(e, "password_env"));
	json_is(e, "tag_prefix", "\"mlgate.\"");
	json_is(e, "archive_existing_versions", "false");
	assert_null(cJSON_GetObjectItemCaseSensitive(e, "ca_file"));
	assert_null(cJSON_GetObjectItemCaseSensitive(e, "stage"));

	e = entry_of(s, 1);
	json_is(e, "on", "[\"approved\"]");
	json_is(e, "attempts", "5");
	json_is(e, "timeout", "\"30s\"");
	json_is(e, "github_signature", "false");

	e = entry_of(s, 2);
	json_is(e, "on", "[\"approved\"]");
	json_is(e, "attempts", "5");
	json_is(e, "backoff_max", "\"60s\"");

	/* Given values are kept as written. */
	e = entry_of(s, 3);
	json_is(e, "on", "\"rejected\"");
	json_is(e, "attempts", "2");
	json_is(e, "timeout", "3");
	mlg_suite_free(s);
}

/* ---- the decision ---- */

/* Three checks: "a" and "b" gate, "w" is warn-severity. */
static const char promote_suite_text[] =
	"{\n"
	"  \"suite\": \"gate-unit\",\n"
	"  \"checks\": [\n"
	"    {\"kind\": \"infra.file\", \"id\": \"a\", \"path\": \"a.bin\"},\n"
	"    {\"kind\": \"infra.file\", \"id\": \"b\", \"path\": \"b.bin\"},\n"
	"    {\"kind\": \"infra.file\", \"id\": \"w\", \"path\": \"w.bin\", \"severity\": \"warn\"}\n"
	"  ],\n"
	"  \"gate\": {\"promote\": [\n"
	"    {\"registry\": \"mlflow\", \"url\": \"http://127.0.0.1:9\", \"model\": \"m\", \"version\": \"3\",\n"
	"     \"alias\": \"champion\", \"attempts\": 1, \"connect_timeout\": \"1s\", \"timeout\": \"2s\"},\n"
	"    {\"registry\": \"webhook\", \"url\": \"http://127.0.0.1:9/hook\", \"secret_env\": \"MLGT_GATE_HOOK_SECRET\",\n"
	"     \"github_signature\": true, \"headers_env\": {\"X-Api-Key\": \"MLGT_GATE_API_KEY\"},\n"
	"     \"attempts\": 1, \"connect_timeout\": \"1s\", \"timeout\": \"2s\"}\n"
	"  ]}\n"
	"}\n";

static struct mlg_suite *psuite;

static int setup_group(void **state)
{
	struct mlg_diag d = MLG_DIAG_INIT;
	static const char *const ci_vars[] = { "GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID",
					       "CI_JOB_URL", "BUILD_URL", "MLFLOW_TRACKING_USERNAME",
					       "MLFLOW_TRACKING_PASSWORD" };

	(void)state;
	for (size_t i = 0; i < sizeof(ci_vars) / sizeof(ci_vars[0]); i++)
		unsetenv(ci_vars[i]);
	setenv("MLFLOW_TRACKING_TOKEN", MLFLOW_TOKEN, 1);
	setenv("MLGT_GATE_HOOK_SECRET", HOOK_SECRET, 1);
	setenv("MLGT_GATE_API_KEY", API_KEY, 1);
	if (mlg_suite_load_text(&psuite, FILE_NAME, promote_suite_text, sizeof(promote_suite_text) - 1, &d) < 0) {
		for (size_t i = 0; i < d.count; i++)
			fprintf(stderr, "suite: %s: %s\n", d.items[i].path, d.items[i].message);
		mlg_diag_release(&d);
		return -1;
	}
	/* As `mlgate promote` does before promoting. */
	mlg_gate_validate(psuite, 1, &d);
	if (d.count) {
		for (size_t i = 0; i < d.count; i++)
			fprintf(stderr, "gate: %s: %s\n", d.items[i].path, d.items[i].message);
		mlg_diag_release(&d);
		return -1;
	}
	mlg_diag_release(&d);
	return 0;
}

static int teardown_group(void **state)
{
	(void)state;
	mlg_suite_free(psuite);
	psuite = NULL;
	return 0;
}

static void add_check(cJSON *checks, const char *id, const char *status, const char *severity,
		      double duration)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddStringToObject(c, "id", id);
	cJSON_AddStringToObject(c, "severity", severity);
	cJSON_AddStringToObject(c, "status", status);
	cJSON_AddNumberToObject(c, "duration_s", duration);
	cJSON_AddStringToObject(c, "message", !strcmp(status, "passed") ? "ok" : "the file is missing");
	cJSON_AddItemToArray(checks, c);
}

/*
 * Makes "summary" (failed, errors) and "gate" agree with the checks'
 * statuses, as mlgate run writes them: the gate refuses results where they
 * disagree (a sign of hand editing).
 */
static void make_consistent(cJSON *doc)
{
	cJSON *sum = cJSON_GetObjectItemCaseSensitive(doc, "summary"), *it;
	double failed = 0, errors = 0;

	if (!cJSON_IsObject(doc))
		return;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "checks")) {
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(it, "status");
		const cJSON *sev = cJSON_GetObjectItemCaseSensitive(it, "severity");
		int warn = cJSON_IsString(sev) && !strcmp(sev->valuestring, "warn");

		if (!cJSON_IsString(st) || warn)
			continue;
		failed += !strcmp(st->valuestring, "failed");
		errors += !strcmp(st->valuestring, "error");
	}
	if (!sum)
		sum = cJSON_AddObjectToObject(doc, "summary");
	cJSON_DeleteItemFromObjectCaseSensitive(sum, "failed");
	cJSON_DeleteItemFromObjectCaseSensitive(sum, "errors");
	cJSON_AddNumberToObject(sum, "failed", failed);
	cJSON_AddNumberToObject(sum, "errors", errors);
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "gate");
	cJSON_AddStringToObject(doc, "gate", failed || errors ? "closed" : "open");
}

/*
 * Results of `psuite` with the three checks' statuses (NULL: the check is
 * absent from the results).
 */
static cJSON *make_results(const char *sa, const char *sb, const char *sw)
{
	cJSON *doc = cJSON_CreateObject(), *sf, *git, *sum, *checks;

	cJSON_AddStringToObject(doc, "schema", "mlgate.results/v1");
	cJSON_AddStringToObject(doc, "suite", psuite->name);
	cJSON_AddStringToObject(doc, "started", "2024-05-01T10:00:00Z");
	cJSON_AddNumberToObject(doc, "duration_s", 1.25);
	cJSON_AddBoolToObject(doc, "complete", 1);
	sf = cJSON_AddObjectToObject(doc, "suite_file");
	cJSON_AddStringToObject(sf, "path", FILE_NAME);
	cJSON_AddStringToObject(sf, "sha256", psuite->sha256);
	git = cJSON_AddObjectToObject(doc, "git");
	cJSON_AddStringToObject(git, "commit", "0123456789abcdef0123456789abcdef01234567");
	cJSON_AddStringToObject(git, "branch", "main");
	sum = cJSON_AddObjectToObject(doc, "summary");
	cJSON_AddNumberToObject(sum, "total", 3);
	checks = cJSON_AddArrayToObject(doc, "checks");
	if (sa)
		add_check(checks, "a", sa, "error", 0.5);
	if (sb)
		add_check(checks, "b", sb, "error", 0.25);
	if (sw)
		add_check(checks, "w", sw, "warn", 0.125);
	make_consistent(doc);
	return doc;
}

static void decides(const cJSON *results, int want, const char *part1, const char *part2)
{
	char *reason = (char *)"untouched";
	int got;

	make_consistent((cJSON *)results);
	got = mlg_gate_decide(results, psuite, &reason);
	char copy[512];

	snprintf(copy, sizeof(copy), "%s", reason ? reason : "(null)");
	if (got != want) {
		free(reason);
		fail_msg("verdict %d (%s), want %d", got, copy, want);
	}
	if (want == MLG_GATE_OPEN) {
		free(reason);
		if (strcmp(copy, "(null)"))
			fail_msg("an open gate has reason '%s', want none", copy);
		return;
	}
	free(reason);
	if (!strcmp(copy, "(null)"))
		fail_msg("a closed gate (%d) gives no reason", got);
	if (part1 && !strstr(copy, part1))
		fail_msg("reason '%s' lacks '%s'", copy, part1);
	if (part2 && !strstr(copy, part2))
		fail_msg("reason '%s' lacks '%s'", copy, part2);
}

static void test_decide_open(void **state)
{
	cJSON *r;

	(void)state;
	r = make_results("passed", "passed", "passed");
	decides(r, MLG_GATE_OPEN, NULL, NULL);
	cJSON_Delete(r);
	/* A warn-severity check never blocks, whatever its status. */
	r = make_results("passed", "passed", "failed");
	decides(r, MLG_GATE_OPEN, NULL, NULL);
	cJSON_Delete(r);
	r = make_results("passed", "passed", "error");
	decides(r, MLG_GATE_OPEN, NULL, NULL);
	cJSON_Delete(r);
	r = make_results("passed", "passed", NULL);
	decides(r, MLG_GATE_OPEN, NULL, NULL);
	cJSON_Delete(r);
}

static void test_decide_failed(void **state)
{
	cJSON *r;

	(void)state;
	r = make_results("passed", "failed", "passed");
	decides(r, MLG_GATE_FAILED, "1 gating check failed", "(first: b)");
	cJSON_Delete(r);
	r = make_results("failed", "failed", "passed");
	decides(r, MLG_GATE_FAILED, "2 gating checks failed", "(first: a)");
	cJSON_Delete(r);
	/* A failure wins over an error, a missing check, an interruption. */
	r = make_results("error", "failed", "passed");
	decides(r, MLG_GATE_FAILED, "(first: b)", NULL);
	cJSON_Delete(r);
	r = make_results(NULL, "failed", "passed");
	decides(r, MLG_GATE_FAILED, "(first: b)", NULL);
	cJSON_Delete(r);
	r = make_results("failed", "skipped", NULL);
	cJSON_AddBoolToObject(r, "interrupted", 1);
	cJSON_ReplaceItemInObjectCaseSensitive(r, "complete", cJSON_CreateFalse());
	decides(r, MLG_GATE_FAILED, "(first: a)", NULL);
	cJSON_Delete(r);
}

static void test_decide_incomplete(void **state)
{
	cJSON *r;

	(void)state;
	r = make_results("passed", "error", "passed");
	decides(r, MLG_GATE_INCOMPLETE, "did not pass", "(first: b, error)");
	cJSON_Delete(r);
	r = make_results("skipped", "passed", "passed");
	decides(r, MLG_GATE_INCOMPLETE, "did not pass", "(first: a, skipped)");
	cJSON_Delete(r);
	r = make_results("passed", NULL, "passed");
	decides(r, MLG_GATE_INCOMPLETE, "lack 1 gating check", "(first: b)");
	cJSON_Delete(r);
	r = make_results(NULL, NULL, "passed");
	decides(r, MLG_GATE_INCOMPLETE, "lack 2 gating checks", "(first: a)");
	cJSON_Delete(r);
	r = make_results("passed", "passed", "passed");
	cJSON_AddBoolToObject(r, "interrupted", 1);
	decides(r, MLG_GATE_INCOMPLETE, "interrupted", NULL);
	cJSON_Delete(r);
	r = make_results("passed", "passed", "passed");
	cJSON_ReplaceItemInObjectCaseSensitive(r, "complete", cJSON_CreateFalse());
	decides(r, MLG_GATE_INCOMPLETE, "incomplete", NULL);
	cJSON_Delete(r);
	/* Fail closed: "complete" must be there and true. */
	r = make_results("passed", "passed", "passed");
	cJSON_DeleteItemFromObjectCaseSensitive(r, "complete");
	decides(r, MLG_GATE_INCOMPLETE, "incomplete", NULL);
	cJSON_Delete(r);
	/* A gating check without a status string is not a pass. */
	r = make_results("passed", "passed", "passed");
	cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "checks"), 1),
						"status");
	decides(r, MLG_GATE_INCOMPLETE, "(first: b)", NULL);
	cJSON_Delete(r);
	/* No "checks" at all. */
	r = make_results("passed", "passed", "passed");
	cJSON_DeleteItemFromObjectCaseSensitive(r, "checks");
	decides(r, MLG_GATE_INCOMPLETE, "lack 2 gating checks", "(first: a)");
	cJSON_Delete(r);
}

static void test_decide_foreign(void **state)
{
	cJSON *r;

	(void)state;
	r = make_results("passed", "passed", "passed");
	cJSON_ReplaceItemInObjectCaseSensitive(r, "schema", cJSON_CreateString("mlgate.results/v2"));
	decides(r, MLG_GATE_FOREIGN, "mlgate.results/v1", NULL);
	cJSON_Delete(r);
	r = make_results("passed", "passed", "passed");
	cJSON_DeleteItemFromObjectCaseSensitive(r, "schema");
	decides(r, MLG_GATE_FOREIGN, "mlgate.results/v1", NULL);
	cJSON_Delete(r);
	r = make_results("passed", "passed", "passed");
	cJSON_ReplaceItemInObjectCaseSensitive(r, "suite", cJSON_CreateString("other"));
	decides(r, MLG_GATE_FOREIGN, "'other'", "'gate-unit'");
	cJSON_Delete(r);
	r = make_results("passed", "passed", "passed");
	cJSON_ReplaceItemInObjectCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(r, "suite_file"), "sha256",
		cJSON_CreateString("0000000000000000000000000000000000000000000000000000000000000000"));
	decides(r, MLG_GATE_FOREIGN, "another version", "000000000000");
	cJSON_Delete(r);
	r = make_results("passed", "passed", "passed");
	cJSON_DeleteItemFromObjectCaseSensitive(r, "suite_file");
	decides(r, MLG_GATE_FOREIGN, "another version", NULL);
	cJSON_Delete(r);
	/* Foreign wins over a failure. */
	r = make_results("failed", "passed", "passed");
	cJSON_ReplaceItemInObjectCaseSensitive(r, "suite", cJSON_CreateString("other"));
	decides(r, MLG_GATE_FOREIGN, "'other'", NULL);
	cJSON_Delete(r);

	r = cJSON_CreateArray();
	decides(r, MLG_GATE_FOREIGN, "not mlgate results", NULL);
	cJSON_Delete(r);
	r = cJSON_CreateString("mlgate.results/v1");
	decides(r, MLG_GATE_FOREIGN, "not mlgate results", NULL);
	cJSON_Delete(r);
	decides(NULL, MLG_GATE_FOREIGN, "not mlgate results", NULL);
}

/* ---- the results digest ---- */

static void digest_format(const char *d)
{
	assert_non_null(d);
	assert_int_equal(strlen(d), 7 + 64);
	assert_memory_equal(d, "sha256:", 7);
	assert_int_equal(strspn(d + 7, "0123456789abcdef"), 64);
}

static void test_results_digest(void **state)
{
	cJSON *a = make_results("passed", "failed", "passed"), *b;
	char *da, *db;

	(void)state;
	da = mlg_results_digest(a);
	digest_format(da);

	/* Times and promotion records do not change which results these are. */
	b = cJSON_Duplicate(a, 1);
	cJSON_ReplaceItemInObjectCaseSensitive(b, "started", cJSON_CreateString("2030-01-01T00:00:00Z"));
	cJSON_ReplaceItemInObjectCaseSensitive(b, "duration_s", cJSON_CreateNumber(99.5));
	cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(b, "checks"), 0),
					       "duration_s", cJSON_CreateNumber(7));
	cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(b, "checks"), 2),
					       "duration_s", cJSON_CreateNumber(0));
	cJSON_AddItemToObject(b, "promotion", cJSON_Parse("{\"calls\": [{\"key\": \"mlg_x\", \"status\": \"done\"}]}"));
	db = mlg_results_digest(b);
	assert_string_equal(da, db);
	free(db);
	/* Their absence neither. */
	cJSON_DeleteItemFromObjectCaseSensitive(b, "started");
	cJSON_DeleteItemFromObjectCaseSensitive(b, "duration_s");
	cJSON_DeleteItemFromObjectCaseSensitive(b, "promotion");
	db = mlg_results_digest(b);
	assert_string_equal(da, db);
	free(db);
	cJSON_Delete(b);
	/* The input is not modified. */
	assert_non_null(cJSON_GetObjectItemCaseSensitive(a, "started"));
	assert_non_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(a, "checks"), 0),
							 "duration_s"));

	/* Anything else does. */
	b = cJSON_Duplicate(a, 1);
	cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(b, "checks"), 1),
					       "status", cJSON_CreateString("passed"));
	db = mlg_results_digest(b);
	digest_format(db);
	assert_string_not_equal(da, db);
	free(db);
	cJSON_Delete(b);

	b = cJSON_Duplicate(a, 1);
	cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(b, "checks"), 1),
					       "message", cJSON_CreateString("the file is missing!"));
	db = mlg_results_digest(b);
	assert_string_not_equal(da, db);
	free(db);
	cJSON_Delete(b);

	b = cJSON_Duplicate(a, 1);
	cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(b, "git"), "commit",
					       cJSON_CreateString("ffffffffffffffffffffffffffffffffffffffff"));
	db = mlg_results_digest(b);
	assert_string_not_equal(da, db);
	free(db);
	cJSON_Delete(b);

	free(da);
	cJSON_Delete(a);
}

/* ---- promotion ---- */

/*
 * What a promotion test holds: released by done() at its end, or before a
 * failure is reported, so that a failing test leaks nothing.
 */
static struct {
	char *out;                 /* the captured output of the last promote() */
	cJSON *results;
	struct mlg_suite *suite;   /* a suite of the test's own, in place of psuite */
	struct mlg_suite *saved;   /* psuite meanwhile */
} live;

static void done(void)
{
	free(live.out);
	cJSON_Delete(live.results);
	if (live.suite) {
		psuite = live.saved;
		mlg_suite_free(live.suite);
	}
	memset(&live, 0, sizeof(live));
}

/* Loads `text`, validates its gate as `mlgate promote` does, and makes it psuite until done(). */
static void use_suite(const char *text)
{
	struct mlg_suite *s = load_ok(text);
	struct mlg_diag d = MLG_DIAG_INIT;

	mlg_gate_validate(s, 1, &d);
	if (d.count) {
		dump_diag(&d);
		mlg_diag_release(&d);
		mlg_suite_free(s);
		fail_msg("the gate should validate after expansion");
	}
	live.saved = psuite;
	live.suite = s;
	psuite = s;
}

#define fail_live(...)                                                                             \
	do {                                                                                       \
		if (live.out)                                                                      \
			print_message("output:\n%s\n", live.out);                                  \
		done();                                                                            \
		fail_msg(__VA_ARGS__);                                                             \
	} while (0)

/* Makes `r` the results of this test (deleting the previous ones). */
static cJSON *track(cJSON *r)
{
	cJSON_Delete(live.results);
	live.results = r;
	return r;
}

/* Promotes live.results; the output is in live.out. */
static int promote(int dry_run, int *changed)
{
	struct mlg_promote_options opts = MLG_PROMOTE_OPTIONS_INIT;
	size_t len = 0;
	FILE *f;
	int rc;

	free(live.out);
	live.out = NULL;
	f = open_memstream(&live.out, &len);
	assert_non_null(f);
	opts.dry_run = dry_run;
	opts.out = f;
	make_consistent(live.results);
	*changed = -1;
	rc = mlg_promote(live.results, psuite, &opts, changed);
	assert_int_equal(fclose(f), 0);
	return rc;
}

static void promotes(int dry_run, int want_rc, int want_changed)
{
	int changed, rc = promote(dry_run, &changed);

	if (rc != want_rc)
		fail_live("rc %d, want %d (%s)", rc, want_rc, mlg_error_last());
	if (changed != want_changed)
		fail_live("*changed %d, want %d", changed, want_changed);
}

static void has(const char *text, const char *part)
{
	if (!strstr(text, part)) {
		if (text != live.out)
			print_message("text: %s\n", text);
		fail_live("lacks '%s'", part);
	}
}

static void lacks(const char *text, const char *part)
{
	if (strstr(text, part)) {
		if (text != live.out)
			print_message("text: %s\n", text);
		fail_live("has '%s'", part);
	}
}

static void no_secret(const char *text)
{
	lacks(text, MLFLOW_TOKEN);
	lacks(text, HOOK_SECRET);
	lacks(text, API_KEY);
	lacks(text, "S3CR3T");
}

/* Counts the lines of `text` that start with `prefix`. */
static size_t lines_starting(const char *text, const char *prefix)
{
	size_t n = 0, len = strlen(prefix);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, prefix, len))
			n++;
	return n;
}

/* The rest of the line after the first `name` in `text`, into buf. */
static void value_after(const char *text, const char *name, char *buf, size_t size)
{
	const char *p = strstr(text, name);
	size_t n;

	if (!p)
		fail_live("lacks '%s'", name);
	p += strlen(name);
	n = strcspn(p, "\r\n");
	if (n >= size)
		fail_live("the value after '%s' is too long", name);
	memcpy(buf, p, n);
	buf[n] = '\0';
}

static void test_promote_dry_run_open(void **state)
{
	char key1[64], key2[64], again[64], want[256], *digest;

	(void)state;
	track(make_results("passed", "passed", "failed"));
	promotes(1, 0, 0);
	digest = mlg_results_digest(live.results);
	snprintf(want, sizeof(want), "mlgate: gate open: promoting (%s)\n", digest);
	has(live.out, want);

	/* MLflow: the version, the tags, the alias. */
	has(live.out, "GET http://127.0.0.1:9/api/2.0/mlflow/model-versions/get?name=m&version=3\n");
	has(live.out, "POST http://127.0.0.1:9/api/2.0/mlflow/model-versions/set-tag\n");
	has(live.out, "{\"name\":\"m\",\"version\":\"3\",\"key\":\"mlgate.gate\",\"value\":\"approved\"}");
	has(live.out, "{\"name\":\"m\",\"version\":\"3\",\"key\":\"mlgate.commit\","
		      "\"value\":\"0123456789abcdef0123456789abcdef01234567\"}");
	snprintf(want, sizeof(want), "\"key\":\"mlgate.results_digest\",\"value\":\"%s\"", digest);
	free(digest);
	has(live.out, want);
	lacks(live.out, "mlgate.reason");
	lacks(live.out, "mlgate.ci_job_url");
	has(live.out, "POST http://127.0.0.1:9/api/2.0/mlflow/registered-models/alias\n");
	has(live.out, "\n{\"name\":\"m\",\"alias\":\"champion\",\"version\":\"3\"}\n");
	lacks(live.out, "transition-stage");
	has(live.out, "  Authorization: ****\n");
	value_after(live.out, "Idempotency-Key: ", key1, sizeof(key1));
	assert_int_equal(strlen(key1), 4 + 32);
	assert_memory_equal(key1, "mlg_", 4);

	/* The webhook: signed; the signatures and the API key masked. */
	has(live.out, "POST http://127.0.0.1:9/hook\n");
	has(live.out, "  webhook-id: mlg_");
	has(live.out, "  webhook-timestamp: ");
	has(live.out, "  webhook-signature: ****\n");
	has(live.out, "  X-Hub-Signature-256: ****\n");
	has(live.out, "  X-Api-Key: ****\n");
	has(live.out, "\"type\":\"model.promotion.approved\"");
	value_after(live.out, "webhook-id: ", key2, sizeof(key2));
	assert_int_equal(strlen(key2), 4 + 32);
	snprintf(want, sizeof(want), "  Idempotency-Key: %s\n", key2);
	has(live.out, want);
	/* Each entry has its own key: model and version are part of it. */
	assert_string_not_equal(key1, key2);

	no_secret(live.out);
	/* Nothing recorded, nothing sent. */
	assert_null(cJSON_GetObjectItemCaseSensitive(live.results, "promotion"));
	lacks(live.out, ") failed:");
	lacks(live.out, "recorded");

	/* Another dry run of the same results shows the same keys. */
	promotes(1, 0, 0);
	value_after(live.out, "Idempotency-Key: ", again, sizeof(again));
	assert_string_equal(again, key1);
	value_after(live.out, "webhook-id: ", again, sizeof(again));
	assert_string_equal(again, key2);
	done();
}

static void test_promote_dry_run_closed(void **state)
{
	(void)state;
	track(make_results("failed", "passed", "passed"));
	setenv("CI_JOB_URL", "https://ci.example/jobs/42", 1);
	promotes(1, MLG_GATE_FAILED, 0);
	unsetenv("CI_JOB_URL");
	has(live.out, "mlgate: gate closed: 1 gating check failed (first: a); nothing will be promoted\n");

	/* MLflow (on: approved and rejected): the verdict as tags, no alias. */
	has(live.out, "{\"name\":\"m\",\"version\":\"3\",\"key\":\"mlgate.gate\",\"value\":\"rejected\"}");
	has(live.out, "\"key\":\"mlgate.reason\",\"value\":\"1 gating check failed (first: a)\"");
	has(live.out, "\"key\":\"mlgate.ci_job_url\",\"value\":\"https://ci.example/jobs/42\"");
	lacks(live.out, "\"value\":\"approved\"");
	lacks(live.out, "registered-models/alias");
	lacks(live.out, "\"alias\"");
	lacks(live.out, "transition-stage");
	/* Every write is a set-tag: gate, commit, results_digest, ci_job_url, reason. */
	if (lines_starting(live.out, "POST ") !=
	    lines_starting(live.out, "POST http://127.0.0.1:9/api/2.0/mlflow/model-versions/set-tag\n"))
		fail_live("a POST that is not a set-tag");
	assert_int_equal(lines_starting(live.out, "POST "), 5);
	lacks(live.out, "PUT ");

	/* The webhook (on: approved only) is not called at all. */
	lacks(live.out, "/hook");
	lacks(live.out, "webhook-");
	lacks(live.out, "model.promotion");

	no_secret(live.out);
	assert_null(cJSON_GetObjectItemCaseSensitive(live.results, "promotion"));
	done();
}

static void test_promote_incomplete_and_foreign(void **state)
{
	(void)state;
	track(make_results("passed", "error", "passed"));
	promotes(1, MLG_GATE_INCOMPLETE, 0);
	has(live.out, "\"key\":\"mlgate.gate\",\"value\":\"rejected\"");
	has(live.out, "\"key\":\"mlgate.reason\",\"value\":\"1 gating check did not pass (first: b, error)\"");
	lacks(live.out, "registered-models/alias");
	lacks(live.out, "/hook");

	/* Foreign results: no call at all, the reason in the error. */
	track(make_results("passed", "passed", "passed"));
	cJSON_ReplaceItemInObjectCaseSensitive(live.results, "suite", cJSON_CreateString("other"));
	mlg_error_clear();
	promotes(1, MLG_GATE_FOREIGN, 0);
	lacks(live.out, "http://");
	has(mlg_error_last(), "'other'");
	promotes(0, MLG_GATE_FOREIGN, 0);
	lacks(live.out, "http://");
	done();
}

/* The keys a dry run of live.results shows for the two entries. */
static void dry_run_keys(char *mlflow_key, char *webhook_key, size_t size)
{
	promotes(1, 0, 0);
	value_after(live.out, "Idempotency-Key: ", mlflow_key, size);
	value_after(live.out, "webhook-id: ", webhook_key, size);
}

static void add_record(cJSON *r, int entry, const char *registry, const char *key, const char *status)
{
	cJSON *promotion = cJSON_GetObjectItemCaseSensitive(r, "promotion"), *call;

	if (!promotion) {
		promotion = cJSON_AddObjectToObject(r, "promotion");
		cJSON_AddStringToObject(promotion, "verdict", "approved");
		cJSON_AddArrayToObject(promotion, "calls");
	}
	call = cJSON_CreateObject();
	cJSON_AddNumberToObject(call, "entry", entry);
	cJSON_AddStringToObject(call, "registry", registry);
	cJSON_AddStringToObject(call, "verdict", "approved");
	cJSON_AddStringToObject(call, "key", key);
	cJSON_AddStringToObject(call, "status", status);
	cJSON_AddStringToObject(call, "at", "2024-05-01T10:05:00Z");
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(promotion, "calls"), call);
}

static void test_promote_already_done(void **state)
{
	char k1[64], k2[64], want[256];

	(void)state;
	track(make_results("passed", "passed", "passed"));
	dry_run_keys(k1, k2, sizeof(k1));
	add_record(live.results, 0, "mlflow", k1, "done");
	add_record(live.results, 1, "webhook", k2, "done");

	/* Not a dry run: were a call made, it would fail on port 9 (exit 4). */
	promotes(0, 0, 0);
	snprintf(want, sizeof(want),
		 "mlgate: gate.promote[0] (mlflow): already done at 2024-05-01T10:05:00Z with key %s; nothing to do\n", k1);
	has(live.out, want);
	snprintf(want, sizeof(want),
		 "mlgate: gate.promote[1] (webhook): already done at 2024-05-01T10:05:00Z with key %s; nothing to do\n", k2);
	has(live.out, want);
	lacks(live.out, "GET ");
	lacks(live.out, "POST ");
	lacks(live.out, ") failed:");
	lacks(live.out, "attempt");
	lacks(live.out, "recorded");
	no_secret(live.out);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
				 cJSON_GetObjectItemCaseSensitive(live.results, "promotion"), "calls")),
			 2);
	done();
}

/*
 * A failed record is no reason to skip: the call is made (and fails on
 * port 9, fast), and the entries after it are not called. The adapter's
 * HTTP response must be released on that path too (run under valgrind or
 * ASan to see it).
 */
static void test_promote_failed_record_is_retried(void **state)
{
	char k1[64], k2[64];

	(void)state;
	track(make_results("passed", "passed", "passed"));
	dry_run_keys(k1, k2, sizeof(k1));
	add_record(live.results, 0, "mlflow", k1, "failed");
	add_record(live.results, 1, "webhook", k2, "done");
	promotes(0, MLG_GATE_REGISTRY_FAILED, 0);
	has(live.out, "mlgate: gate.promote[0] (mlflow) failed: "
		      "GET http://127.0.0.1:9/api/2.0/mlflow/model-versions/get?name=m&version=3: ");
	has(live.out, "(attempt 1 of 1)\n");
	has(live.out, "mlgate: the remaining registries were not called\n");
	lacks(live.out, "gate.promote[1]");
	no_secret(live.out);
	no_secret(mlg_error_last());
	done();
}

/*
 * A record with another key is no reason to skip either; and when the
 * webhook cannot connect, its message says where and why.
 */
static void test_promote_webhook_failure_message(void **state)
{
	char k1[64], k2[64];

	(void)state;
	track(make_results("passed", "passed", "passed"));
	dry_run_keys(k1, k2, sizeof(k1));
	add_record(live.results, 0, "mlflow", k1, "done");
	add_record(live.results, 1, "webhook", "mlg_00000000000000000000000000000000", "done");
	promotes(0, MLG_GATE_REGISTRY_FAILED, 0);
	has(live.out, "gate.promote[0] (mlflow): already done");
	has(mlg_error_last(), "POST http://127.0.0.1:9/hook: ");
	has(mlg_error_last(), "(attempt 1 of 1)");
	has(live.out, "mlgate: gate.promote[1] (webhook) failed: POST http://127.0.0.1:9/hook: ");
	no_secret(live.out);
	no_secret(mlg_error_last());
	done();
}

/* The OCI adapter: a dry run shows the GET and the PUT; a refused
 * connection is a registry failure whose message names the manifest URL. */
static void test_promote_oci(void **state)
{
	static const char text[] =
		"{\"suite\": \"gate-unit\", \"checks\": [{\"kind\": \"infra.file\", \"id\": \"a\", \"path\": \"a.bin\"},\n"
		" {\"kind\": \"infra.file\", \"id\": \"b\", \"path\": \"b.bin\"},\n"
		" {\"kind\": \"infra.file\", \"id\": \"w\", \"path\": \"w.bin\", \"severity\": \"warn\"}],\n"
		" \"gate\": {\"promote\": [{\"registry\": \"oci\", \"url\": \"http://127.0.0.1:9/\", \"repository\": \"models/m\",\n"
		"  \"tag\": \"cand-1\", \"promote_tag\": \"champion\", \"token_env\": \"MLGT_GATE_API_KEY\", \"attempts\": 1}]}}\n";

	(void)state;
	use_suite(text);
	track(make_results("passed", "passed", "passed"));
	promotes(1, 0, 0);
	has(live.out, "GET http://127.0.0.1:9/v2/models/m/manifests/cand-1\n");
	has(live.out, "  Accept: application/vnd.oci.image.manifest.v1+json");
	has(live.out, "PUT http://127.0.0.1:9/v2/models/m/manifests/champion\n");
	has(live.out, "  Authorization: ****\n");
	no_secret(live.out);

	promotes(0, MLG_GATE_REGISTRY_FAILED, 0);
	has(live.out, "mlgate: gate.promote[0] (oci) failed: GET http://127.0.0.1:9/v2/models/m/manifests/cand-1: ");
	has(live.out, "(attempt 1 of 1)\n");
	no_secret(live.out);

	/* A rejection changes nothing in the registry: nothing printed. */
	track(make_results("failed", "passed", "passed"));
	promotes(1, MLG_GATE_FAILED, 0);
	lacks(live.out, "manifests");
	done();
}

/* ---- one real webhook call, to an in-test server ---- */

struct server {
	int fd, port;
	pthread_t thread;
	const char *response;
	atomic_int stop;
	int served;
	char request[65536];
	size_t request_len;
};

static void *serve(void *arg)
{
	struct server *s = arg;

	while (!atomic_load(&s->stop) && !s->served) {
		struct pollfd p = { s->fd, POLLIN, 0 };
		struct timeval tv = { 2, 0 };
		size_t want = 0;
		int c;

		if (poll(&p, 1, 20) <= 0)
			continue;
		c = accept(s->fd, NULL, NULL);
		if (c < 0)
			continue;
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		s->request_len = 0;
		for (;;) {
			ssize_t n;
			char *end;

			if (s->request_len + 1 >= sizeof(s->request))
				break;
			n = recv(c, s->request + s->request_len, sizeof(s->request) - 1 - s->request_len, 0);
			if (n <= 0)
				break;
			s->request_len += (size_t)n;
			s->request[s->request_len] = '\0';
			end = strstr(s->request, "\r\n\r\n");
			if (end && !want) {
				const char *cl = strcasestr(s->request, "\r\nContent-Length:");

				want = (size_t)(end + 4 - s->request) + (cl ? strtoul(cl + 17, NULL, 10) : 0);
			}
			if (want && s->request_len >= want)
				break;
		}
		(void)!write(c, s->response, strlen(s->response));
		close(c);
		s->served++;
	}
	return NULL;
}

static void server_start(struct server *s, const char *response)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);

	memset(s, 0, sizeof(*s));
	s->response = response;
	atomic_init(&s->stop, 0);
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->fd, 8), 0);
	assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &alen), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_stop(struct server *s)
{
	atomic_store(&s->stop, 1);
	pthread_join(s->thread, NULL);
	close(s->fd);
}

/* The value of request header `name` (with its ": "), into buf. */
static void request_header(const struct server *s, const char *name, char *buf, size_t size)
{
	char pat[128];
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), "\r\n%s: ", name);
	p = strcasestr(s->request, pat);
	if (!p)
		fail_msg("the request lacks header %s:\n%s", name, s->request);
	p += strlen(pat);
	n = strcspn(p, "\r\n");
	assert_true(n < size);
	memcpy(buf, p, n);
	buf[n] = '\0';
}

static void test_promote_webhook_sent_and_recorded(void **state)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
	struct server srv;
	char text[2048], id[64], ts[32], sig[128], hub[128], want[256], signed_text[8192], *body;
	const cJSON *calls, *call;
	unsigned char md[EVP_MAX_MD_SIZE], b64[128];
	unsigned int mdlen = 0;
	int changed, rc;

	(void)state;
	server_start(&srv, ok);
	snprintf(text, sizeof(text),
		 "{\"suite\": \"gate-unit\", \"checks\": [{\"kind\": \"infra.file\", \"id\": \"a\", \"path\": \"a.bin\"}],\n"
		 " \"gate\": {\"promote\": [{\"registry\": \"webhook\", \"url\": \"http://127.0.0.1:%d/hook?x=1\",\n"
		 "  \"secret_env\": \"MLGT_GATE_HOOK_SECRET\", \"github_signature\": true, \"model\": \"m\", \"version\": \"3\",\n"
		 "  \"headers\": {\"X-Team\": \"ml\"}, \"attempts\": 1, \"timeout\": \"2s\"}]}}\n",
		 srv.port);
	use_suite(text);
	track(cJSON_Parse("{\"schema\": \"mlgate.results/v1\", \"suite\": \"gate-unit\", \"complete\": true,"
			  " \"started\": \"2024-05-01T10:00:00Z\", \"checks\": [{\"id\": \"a\", \"status\": \"passed\","
			  " \"severity\": \"error\"}], \"summary\": {\"total\": 1}}"));
	cJSON_AddItemToObject(live.results, "suite_file", cJSON_CreateObject());
	cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(live.results, "suite_file"), "sha256", psuite->sha256);

	rc = promote(0, &changed);
	server_stop(&srv);
	if (rc != 0 || changed != 1)
		fail_live("rc %d, *changed %d, want 0 and 1 (%s)", rc, changed, mlg_error_last());
	assert_int_equal(srv.served, 1);
	has(live.out, "mlgate: gate.promote[0] (webhook): promotion recorded (key mlg_");
	no_secret(live.out);

	/* What arrived: the signed event. */
	if (strncmp(srv.request, "POST /hook?x=1 HTTP/1.1\r\n", 25))
		fail_live("request:\n%s", srv.request);
	request_header(&srv, "Content-Type", want, sizeof(want));
	assert_string_equal(want, "application/json");
	request_header(&srv, "X-Team", want, sizeof(want));
	assert_string_equal(want, "ml");
	request_header(&srv, "webhook-id", id, sizeof(id));
	request_header(&srv, "webhook-timestamp", ts, sizeof(ts));
	request_header(&srv, "webhook-signature", sig, sizeof(sig));
	request_header(&srv, "X-Hub-Signature-256", hub, sizeof(hub));
	request_header(&srv, "Idempotency-Key", want, sizeof(want));
	assert_string_equal(want, id);
	assert_memory_equal(id, "mlg_", 4);
	assert_null(strstr(srv.request, HOOK_SECRET));
	body = strstr(srv.request, "\r\n\r\n") + 4;
	assert_non_null(strstr(body, "\"type\":\"model.promotion.approved\""));
	assert_non_null(strstr(body, "\"model\":\"m\""));
	assert_non_null(strstr(body, "\"version\":\"3\""));
	snprintf(want, sizeof(want), "\"idempotency_key\":\"%s\"", id);
	assert_non_null(strstr(body, want));

	/* Standard Webhooks: v1,base64(HMAC-SHA256(secret, "id.timestamp.body")). */
	assert_true((size_t)snprintf(signed_text, sizeof(signed_text), "%s.%s.%s", id, ts, body) < sizeof(signed_text));
	HMAC(EVP_sha256(), HOOK_SECRET, (int)strlen(HOOK_SECRET), (const unsigned char *)signed_text,
	     strlen(signed_text), md, &mdlen);
	EVP_EncodeBlock(b64, md, (int)mdlen);
	snprintf(want, sizeof(want), "v1,%s", (const char *)b64);
	assert_string_equal(sig, want);
	/* GitHub: sha256=hex(HMAC-SHA256(secret, body)). */
	HMAC(EVP_sha256(), HOOK_SECRET, (int)strlen(HOOK_SECRET), (const unsigned char *)body, strlen(body), md,
	     &mdlen);
	strcpy(want, "sha256=");
	for (unsigned int i = 0; i < mdlen; i++)
		sprintf(want + 7 + 2 * i, "%02x", md[i]);
	assert_string_equal(hub, want);

	/* The call is recorded with that key... */
	calls = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(live.results, "promotion"), "calls");
	assert_int_equal(cJSON_GetArraySize(calls), 1);
	call = cJSON_GetArrayItem(calls, 0);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(call, "key")->valuestring, id);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(call, "status")->valuestring, "done");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(call, "registry")->valuestring, "webhook");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(call, "verdict")->valuestring, "approved");
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(call, "entry")->valueint, 0);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(live.results, "promotion"),
							     "verdict")->valuestring,
			    "approved");

	/* ...so promoting the same results again is a no-op: no server
	 * listens any more, and a call would fail. */
	promotes(0, 0, 0);
	snprintf(want, sizeof(want), "mlgate: gate.promote[0] (webhook): already done at ");
	has(live.out, want);
	has(live.out, id);
	assert_int_equal(cJSON_GetArraySize(calls), 1);
	done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_entries_load),
		cmocka_unit_test(test_registry_problems),
		cmocka_unit_test(test_unknown_key_suggests),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_wrong_type_not_also_missing),
		cmocka_unit_test(test_on_verdicts),
		cmocka_unit_test(test_mlflow_rules),
		cmocka_unit_test(test_mlflow_reserved_alias_upper_v),
		cmocka_unit_test(test_oci_rules),
		cmocka_unit_test(test_unexpanded_promote_tag_loads),
		cmocka_unit_test(test_unexpanded_stage_loads),
		cmocka_unit_test(test_webhook_rules),
		cmocka_unit_test(test_gate_shape),
		cmocka_unit_test(test_expansion_only_when_asked),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_decide_open),
		cmocka_unit_test(test_decide_failed),
		cmocka_unit_test(test_decide_incomplete),
		cmocka_unit_test(test_decide_foreign),
		cmocka_unit_test(test_results_digest),
		cmocka_unit_test(test_promote_dry_run_open),
		cmocka_unit_test(test_promote_dry_run_closed),
		cmocka_unit_test(test_promote_incomplete_and_foreign),
		cmocka_unit_test(test_promote_already_done),
		cmocka_unit_test(test_promote_failed_record_is_retried),
		cmocka_unit_test(test_promote_webhook_failure_message),
		cmocka_unit_test(test_promote_oci),
		cmocka_unit_test(test_promote_webhook_sent_and_recorded),
	};

	return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
