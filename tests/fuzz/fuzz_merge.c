/*
 * libFuzzer target for `mlgate merge` (runner/merge.c): results documents
 * merged into one (mlg_results_merge) and runs rebuilt from results
 * (mlg_run_from_results), then every report written again from the
 * rebuilt run, in memory, as `mlgate merge` writes them.
 *
 * The input is up to 8 JSON documents separated by NUL bytes (the seeds
 * are the shards of real runs of the suite below, whose digest they
 * carry, so the fuzzer starts from results that are accepted). Checked:
 *  - merging never crashes and either succeeds or says why;
 *  - a merge gives the same document whatever the order of the shards;
 *  - a rebuilt run's JSON report rebuilds again, and says the same;
 *  - its JUnit report is well-formed XML (libxml2, no network, no
 *    entities), its summary fits the size asked for.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <libxml/parser.h>

#include "mlgate/error.h"
#include "mlgate/merge.h"
#include "mlgate/report.h"
#include "mlgate/suite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DOCS 8

/*
 * The suite of the seeds. They were made in a folder holding this file as
 * mlgate.json and a t.csv of "a,b\n1,x\n7,\n,z\n1,\"q\xff\"\n", by
 * `mlgate run --json` and `mlgate run --shard K/N --json` (N = 2, 3), each
 * document compacted to one line, shards joined by NUL bytes. Its digest
 * is in them: change a byte here and make them again.
 */
static const char suite_text[] =
	"{\n"
	"  \"suite\": \"fuzz-merge\",\n"
	"  \"datasets\": { \"t\": { \"path\": \"t.csv\" } },\n"
	"  \"checks\": [\n"
	"    { \"kind\": \"data.row_count\", \"id\": \"rows\", \"dataset\": \"t\", \"min\": 1 },\n"
	"    { \"kind\": \"data.not_null\", \"id\": \"nn\", \"dataset\": \"t\", \"columns\": \"a\" },\n"
	"    { \"kind\": \"data.range\", \"id\": \"range\", \"dataset\": \"t\", \"column\": \"a\", \"min\": 0, \"max\": 5 },\n"
	"    { \"kind\": \"infra.command\", \"id\": \"cmd\", \"run\": [\"sh\", \"-c\", \"echo 'out <&>\\\"'; exit 1\"], \"severity\": \"warn\" },\n"
	"    { \"kind\": \"data.unique\", \"id\": \"uniq\", \"dataset\": \"t\", \"columns\": \"a\", \"needs\": [\"range\"] },\n"
	"    { \"kind\": \"infra.file\", \"id\": \"missing\", \"path\": \"nope.bin\" }\n"
	"  ]\n"
	"}\n";

/* Loaded once and kept (reachable, so not a leak). */
static const struct mlg_suite *the_suite(void)
{
	static struct mlg_suite *suite;

	if (!suite) {
		struct mlg_diag diag = MLG_DIAG_INIT;

		if (mlg_suite_load_text(&suite, "/tmp/mlgate.json", suite_text, sizeof(suite_text) - 1,
					&diag) < 0)
			abort();
		mlg_diag_release(&diag);
		xmlInitParser();
	}
	return suite;
}

static char *print(const cJSON *doc)
{
	char *text = cJSON_PrintUnformatted(doc);

	if (!text)
		abort();
	return text;
}

/* Every report of a run, in memory; each must be sound. */
static void reports(const struct mlg_run *run, const struct mlg_suite *suite)
{
	cJSON *json = mlg_report_json(run);
	size_t len = 0;
	char *junit = mlg_report_junit(run, &len), *summary, *small, *metrics, *notes;
	struct mlg_run *again = NULL;

	if (!json || !junit)
		abort();
	/* The JSON report is results this suite takes back, unchanged. */
	if (mlg_run_from_results(&again, suite, json) < 0)
		abort();
	{
		cJSON *json2 = mlg_report_json(again);
		char *a = print(json), *b = print(json2);

		if (strcmp(a, b))
			abort();
		cJSON_free(a);
		cJSON_free(b);
		cJSON_Delete(json2);
	}
	mlg_run_free(again);
	{
		xmlDocPtr doc = xmlReadMemory(junit, (int)len, "junit.xml", NULL,
					      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

		if (!doc)
			abort(); /* JUnit XML that is not well-formed */
		xmlFreeDoc(doc);
	}
	summary = mlg_report_summary(run, 0);
	small = mlg_report_summary(run, 2048);
	if (!summary || !small || strlen(small) > 2048)
		abort();
	metrics = mlg_report_metrics(run);
	notes = mlg_github_annotations(run);
	free(summary);
	free(small);
	free(metrics);
	free(notes);
	free(junit);
	cJSON_Delete(json);
}

static void rebuild(const struct mlg_suite *suite, const cJSON *doc)
{
	struct mlg_run *run = NULL;
	int rc = mlg_run_from_results(&run, suite, doc);

	if (rc < 0) {
		if (run || rc != MLG_EINVALID || !*mlg_error_last())
			abort();
		return;
	}
	reports(run, suite);
	mlg_run_free(run);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct mlg_suite *suite = the_suite();
	cJSON *docs[MAX_DOCS], *rev[MAX_DOCS], *merged = NULL;
	const char *names[MAX_DOCS], *rev_names[MAX_DOCS];
	size_t n = 0, at = 0;
	int rc;

	/* NUL-separated documents; those cJSON cannot read are left out. */
	while (at <= size && n < MAX_DOCS) {
		const uint8_t *nul = memchr(data + at, 0, size - at);
		size_t end = nul ? (size_t)(nul - data) : size;
		cJSON *doc = cJSON_ParseWithLength((const char *)data + at, end - at);

		if (doc)
			docs[n++] = doc;
		at = end + 1;
	}
	for (size_t i = 0; i < n; i++)
		rebuild(suite, docs[i]);

	for (size_t i = 0; i < n; i++)
		names[i] = i % 2 ? "shard.json" : NULL;
	for (size_t i = 0; i < n; i++) {
		rev[i] = docs[n - 1 - i];
		rev_names[i] = names[n - 1 - i];
	}
	rc = mlg_results_merge(&merged, docs, n, names);
	if (rc < 0) {
		if (merged || rc != MLG_EINVALID || !*mlg_error_last())
			abort();
	} else {
		cJSON *merged2 = NULL;
		char *a, *b;

		if (!merged || mlg_results_merge(&merged2, rev, n, rev_names) < 0)
			abort(); /* order matters */
		a = print(merged);
		b = print(merged2);
		if (strcmp(a, b))
			abort(); /* a different merge for another order */
		cJSON_free(a);
		cJSON_free(b);
		cJSON_Delete(merged2);
		rebuild(suite, merged);
		cJSON_Delete(merged);
	}
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(docs[i]);
	return 0;
}
