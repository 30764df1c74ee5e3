/* mlgate merge: the results of the shards of a run merged into one, and its reports rewritten. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "digest.h"
#include "mlgate/error.h"
#include "mlgate/merge.h"
#include "mlgate/report.h"
#include "util.h"

static const char usage_text[] =
	"usage: mlgate merge -o FILE [-c FILE] [--junit FILE] [--summary FILE] [--metrics FILE]\n"
	"                    RESULTS.json...\n\n"
	"Merges the JSON results of the jobs of mlgate run --shard K/N (one file\n"
	"per shard, in any order) into the results of one whole run, and writes\n"
	"the other reports from them. Refuses files that are not every shard of\n"
	"one run, exactly once, of one suite version on one commit.\n\n"
	"  -o, --output FILE   write the merged JSON results (- for standard output)\n"
	"  -c, --config FILE   the suite file, for the reports (default: mlgate.json)\n"
	"      --junit FILE    write JUnit XML (- for standard output)\n"
	"      --summary FILE  write a Markdown summary for job summaries and MR comments\n"
	"      --metrics FILE  write OpenMetrics text (GitLab metrics report, Prometheus)\n"
	"  -h, --help          show this help\n\n"
	"Exit codes: 0 gate open, 1 a check failed, 2 usage, suite error or results\n"
	"refused, 3 a check could not be evaluated or the results are incomplete.\n";

/* Reads and parses one results file; NULL (message printed) when it cannot. Caller frees. */
static cJSON *read_results(const char *path)
{
	char *text = NULL;
	size_t len;
	cJSON *doc;

	if (mlg_read_file(path, &text, &len) < 0) {
		cli_error("merge: %s", mlg_error_last());
		return NULL;
	}
	doc = cJSON_ParseWithLength(text, len);
	free(text);
	if (!doc)
		cli_error("merge: '%s' is not JSON: expected the output of mlgate run --shard K/N --json", path);
	return doc;
}

static size_t count_of(const cJSON *summary, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(summary, key);

	return cJSON_IsNumber(v) && v->valuedouble > 0 ? (size_t)v->valuedouble : 0;
}

/* Prints the one-line summary and returns the exit code `mlgate run` would
 * give the merged run, except that an interrupted shard or deselected
 * checks leave it incomplete (3): the merge itself was not interrupted, and
 * results that cannot promote must not pass a pipeline as a whole run. */
static int report_merged(const cJSON *doc, FILE *out)
{
	const cJSON *sum = cJSON_GetObjectItemCaseSensitive(doc, "summary");
	const cJSON *shards = cJSON_GetObjectItemCaseSensitive(doc, "merged_shards");
	int complete = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "complete"));
	int interrupted = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "interrupted"));
	const cJSON *gate = cJSON_GetObjectItemCaseSensitive(doc, "gate");
	size_t total = count_of(sum, "total"), errors = count_of(sum, "errors");
	size_t failed = count_of(sum, "failed"), warnings = count_of(sum, "warnings");

	fprintf(out, "merged %d shard%s: %zu check%s: %zu passed, %zu failed, %zu error%s, %zu skipped, "
		"%zu warning%s: gate %s%s\n",
		shards->valueint, shards->valueint == 1 ? "" : "s", total, total == 1 ? "" : "s",
		count_of(sum, "passed"), failed, errors, errors == 1 ? "" : "s", count_of(sum, "skipped"),
		warnings, warnings == 1 ? "" : "s", gate->valuestring,
		interrupted ? " (a shard was interrupted: cannot promote)"
			    : !complete ? " (incomplete: cannot promote)" : "");
	if (failed)
		return EXIT_GATE_CLOSED;
	if (errors || !complete)
		return EXIT_NOT_EVALUATED;
	return EXIT_GATE_OPEN;
}

int cmd_merge(int argc, char **argv)
{
	enum { OPT_JUNIT = 256, OPT_SUMMARY, OPT_METRICS };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "config", required_argument, NULL, 'c' },
		{ "junit", required_argument, NULL, OPT_JUNIT },
		{ "summary", required_argument, NULL, OPT_SUMMARY },
		{ "metrics", required_argument, NULL, OPT_METRICS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *output = NULL, *config = "mlgate.json", *junit = NULL, *summary = NULL;
	const char *metrics = NULL;
	cJSON **docs = NULL, *merged = NULL;
	struct mlg_suite *suite = NULL;
	struct mlg_run *run = NULL;
	size_t n = 0, to_stdout;
	int c, code = EXIT_USAGE, config_given = 0, report_error = 0;
	FILE *out;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'c':
			config = optarg;
			config_given = 1;
			break;
		case OPT_JUNIT:
			junit = optarg;
			break;
		case OPT_SUMMARY:
			summary = optarg;
			break;
		case OPT_METRICS:
			metrics = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
	}
	if (!output) {
		cli_error("merge: -o FILE is required (where to write the merged results)");
		return EXIT_USAGE;
	}
	if (optind == argc) {
		cli_error("merge: no results given: name the --json file of every shard");
		return EXIT_USAGE;
	}
	to_stdout = !strcmp(output, "-") + (junit && !strcmp(junit, "-")) +
		    (summary && !strcmp(summary, "-")) + (metrics && !strcmp(metrics, "-"));
	if (to_stdout > 1) {
		cli_error("merge: only one report can go to standard output");
		return EXIT_USAGE;
	}
	/* A report on stdout keeps stdout machine-readable. */
	out = to_stdout ? stderr : stdout;

	n = (size_t)(argc - optind);
	docs = mlg_xcalloc(n, sizeof(*docs));
	for (size_t i = 0; i < n; i++)
		if (!(docs[i] = read_results(argv[optind + i])))
			goto done;
	if (mlg_results_merge(&merged, docs, n, (const char *const *)(argv + optind)) < 0) {
		cli_error("merge: %s", mlg_error_last());
		goto done;
	}
	/* The other reports are written from the run itself, which needs the
	 * suite; an explicit -c is checked against the results even alone. */
	if (junit || summary || metrics || config_given) {
		suite = cli_load_suite(config, &code);
		if (!suite)
			goto done;
		if (mlg_run_from_results(&run, suite, merged) < 0) {
			cli_error("merge: the merged results do not fit '%s': %s", config, mlg_error_last());
			code = EXIT_USAGE;
			goto done;
		}
	}
	report_error = cli_write_reports(run, merged, output, junit, summary, metrics);
	code = report_merged(merged, out);
	/* Without its reports CI has no evidence: never let that pass. */
	if (report_error && code == EXIT_GATE_OPEN)
		code = EXIT_NOT_EVALUATED;
done:
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(docs[i]);
	free(docs);
	cJSON_Delete(merged);
	mlg_run_free(run);
	mlg_suite_free(suite);
	return code;
}
