/* mlgate run: run the suite's checks, print the report, write report files. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic.h"
#include "cancel.h"
#include "changed.h"
#include "cli.h"
#include "mlgate/engine.h"
#include "mlgate/error.h"
#include "mlgate/promote.h"
#include "mlgate/report.h"
#include "text.h"
#include "util.h"

static const char usage_text[] =
	"usage: mlgate run [-c FILE] [--junit FILE] [--json FILE] [--summary FILE] [--metrics FILE]\n"
	"                  [-k PATTERN]... [--tag TAG]... [--shard K/N] [--changed-since REV]\n"
	"                  [-j N] [--promote [--dry-run]] [--quiet] [--color=auto|always|never]\n\n"
	"Runs the suite's checks and reports. Checks that read the same dataset\n"
	"share one pass over it; the rest run in parallel on N threads.\n\n"
	"  -c, --config FILE   the suite file (default: mlgate.json)\n"
	"      --junit FILE    write JUnit XML (- for standard output)\n"
	"      --json FILE     write JSON results, mlgate.results/v1 (- for standard output)\n"
	"      --summary FILE  write a Markdown summary for job summaries and MR comments\n"
	"      --metrics FILE  write OpenMetrics text (GitLab metrics report, Prometheus)\n"
	"      --pushgateway URL  push the metrics to a Prometheus Pushgateway (job mlgate, suite)\n"
	"      --no-ci-integration  inside GitHub Actions, no annotations, job summary or outputs\n"
	"  -k PATTERN          run only checks whose name or id matches the glob (repeatable)\n"
	"      --shard K/N     run only this job's share of the checks (K from 1 to N)\n"
	"      --changed-since REV  run only checks whose inputs or declaration changed since\n"
	"                      the git revision (a partial run: it cannot promote)\n"
	"      --tag TAG       run only checks with this tag (repeatable)\n"
	"  -j, --jobs N        threads (default: online CPUs)\n"
	"      --promote       when the gate is open, call the registries of gate.promote\n"
	"      --dry-run       with --promote: print each request (secrets masked), send nothing\n"
	"  -q, --quiet         print only problems and the summary\n"
	"      --color WHEN    auto (default: on a terminal, unless NO_COLOR is set), always, never\n"
	"  -h, --help          show this help\n\n"
	"Exit codes: 0 gate open, 1 a check failed, 2 usage or suite error,\n"
	"3 a check could not be evaluated, 4 a registry call failed,\n"
	"130 interrupted (reports still written, nothing promoted).\n";

static volatile sig_atomic_t interrupted;

/* A second signal: the user insists; end by it (temporary files removed). */
static void on_signal(int sig)
{
	if (mlg_cancel_requested(&interrupted))
		mlg_tempfile_die_by_signal(sig);
	/* atomic: worker threads poll it (runner/cancel.h) */
	mlg_cancel_request(&interrupted);
}

/* Prints finished checks in suite order: a check's line waits until every
 * check before it has finished, so the terminal reads the same for any -j. */
struct progress {
	const struct mlg_suite *suite;
	int *done;
	size_t next;
	FILE *out;
	struct mlg_term_options term;
	const struct mlg_result **results; /* as reported, by check index */
};

static void on_progress(const struct mlg_check *check, const struct mlg_result *result,
			void *payload)
{
	struct progress *p = payload;

	p->done[check->index] = 1;
	p->results[check->index] = result;
	while (p->next < p->suite->nchecks && p->done[p->next]) {
		const struct mlg_check *c = &p->suite->checks[p->next];

		/* Deselected checks (never started) are not listed one by one. */
		if (p->results[p->next]->started)
			mlg_report_term_line(p->out, c, p->results[p->next], &p->term);
		p->next++;
	}
	fflush(p->out);
}

/*
 * Prints prefix and the last error as one line with its control characters
 * escaped: errors quote paths and values from the suite and its data, and
 * some are printed outside the ::stop-commands:: region.
 */
static void run_error(const char *prefix)
{
	char *shown = mlg_text_one_line(mlg_error_last());

	cli_error("%s%s", prefix, shown);
	free(shown);
}

/* Annotations, the job summary and step outputs, inside GitHub Actions. */
static void github_report(FILE *out, const struct mlg_run *run, const char *stop_token,
			  int *report_error)
{
	const char *summary = getenv("GITHUB_STEP_SUMMARY"), *outputs = getenv("GITHUB_OUTPUT");
	char *annotations = mlg_github_annotations(run);

	fprintf(out, "::%s::\n%s", stop_token, annotations);
	fflush(out);
	free(annotations);
	if (summary && *summary && mlg_github_step_summary(run, summary) < 0) {
		run_error("");
		*report_error = 1;
	}
	if (outputs && *outputs && mlg_github_outputs(run, outputs) < 0) {
		run_error("");
		*report_error = 1;
	}
}

/* 1 when `a` and `b` name the same existing file. */
static int same_file(const char *a, const char *b)
{
	struct stat x, y;

	return a && b && stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev &&
	       x.st_ino == y.st_ino;
}

/* A report must never overwrite the suite or an input it is about. */
static int check_outputs(const struct mlg_suite *suite, const char *const *outputs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!outputs[i] || !strcmp(outputs[i], "-"))
			continue;
		if (same_file(outputs[i], suite->file)) {
			cli_error("run: refusing to write a report over the suite file '%s'", outputs[i]);
			return -1;
		}
		for (size_t d = 0; d < suite->ndatasets; d++)
			if (same_file(outputs[i], suite->datasets[d].abs_path)) {
				cli_error("run: refusing to write a report over dataset '%s' ('%s')",
					  suite->datasets[d].name, outputs[i]);
				return -1;
			}
	}
	return 0;
}

static int parse_shard(const char *s, int *index, int *count)
{
	char *end;
	long k = strtol(s, &end, 10), n;

	if (end == s || *end != '/')
		return -1;
	s = end + 1;
	n = strtol(s, &end, 10);
	if (end == s || *end || k < 1 || n < 1 || k > n || n > 1000)
		return -1;
	*index = (int)k;
	*count = (int)n;
	return 0;
}

static int parse_jobs(const char *s, int *out)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (!*s || *end || n < 1 || n > 1024)
		return -1;
	*out = (int)n;
	return 0;
}

int cmd_run(int argc, char **argv)
{
	enum { OPT_JUNIT = 256, OPT_JSON, OPT_TAG, OPT_COLOR, OPT_PROMOTE, OPT_DRY_RUN, OPT_SHARD,
	       OPT_SUMMARY, OPT_METRICS, OPT_NO_CI, OPT_PUSHGATEWAY, OPT_CHANGED_SINCE };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "junit", required_argument, NULL, OPT_JUNIT },
		{ "json", required_argument, NULL, OPT_JSON },
		{ "summary", required_argument, NULL, OPT_SUMMARY },
		{ "metrics", required_argument, NULL, OPT_METRICS },
		{ "no-ci-integration", no_argument, NULL, OPT_NO_CI },
		{ "pushgateway", required_argument, NULL, OPT_PUSHGATEWAY },
		{ "changed-since", required_argument, NULL, OPT_CHANGED_SINCE },
		{ "tag", required_argument, NULL, OPT_TAG },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "promote", no_argument, NULL, OPT_PROMOTE },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *config = "mlgate.json", *junit = NULL, *json = NULL, *summary = NULL, *metrics = NULL;
	const char *pushgateway = NULL, *changed_since = NULL;
	int *only = NULL;
	char *only_reason = NULL;
	const char **patterns = mlg_xcalloc((size_t)argc + 1, sizeof(char *));
	const char **tags = mlg_xcalloc((size_t)argc + 1, sizeof(char *));
	struct mlg_run_options opts = MLG_RUN_OPTIONS_INIT;
	struct progress progress;
	struct mlg_suite *suite = NULL;
	struct mlg_run *run = NULL;
	cJSON *results_doc = NULL;
	struct sigaction sa, old_int, old_term;
	int c, code = EXIT_USAGE, color_mode = 0, report_error = 0, github = 0, handlers = 0;
	int *done = NULL, quiet = 0, promote = 0, dry_run = 0, ci_integration = 1;
	char *stop_token = NULL;
	const char *gha = getenv("GITHUB_ACTIONS");
	const struct mlg_result **results = NULL;
	FILE *out;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+c:k:j:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case OPT_JUNIT:
			junit = optarg;
			break;
		case OPT_JSON:
			json = optarg;
			break;
		case OPT_SUMMARY:
			summary = optarg;
			break;
		case OPT_METRICS:
			metrics = optarg;
			break;
		case OPT_NO_CI:
			ci_integration = 0;
			break;
		case OPT_PUSHGATEWAY:
			pushgateway = optarg;
			break;
		case OPT_CHANGED_SINCE:
			changed_since = optarg;
			break;
		case 'k':
			patterns[opts.npatterns++] = optarg;
			break;
		case OPT_TAG:
			tags[opts.ntags++] = optarg;
			break;
		case 'j':
			if (parse_jobs(optarg, &opts.jobs) < 0) {
				cli_error("run: -j expects a number of threads from 1 to 1024, not '%s'", optarg);
				goto done;
			}
			break;
		case 'q':
			quiet = 1;
			break;
		case OPT_COLOR:
			color_mode = cli_color_mode(optarg);
			if (color_mode < 0) {
				cli_error("run: --color expects auto, always or never, not '%s'", optarg);
				goto done;
			}
			break;
		case OPT_PROMOTE:
			promote = 1;
			break;
		case OPT_SHARD:
			if (parse_shard(optarg, &opts.shard_index, &opts.shard_count) < 0) {
				cli_error("run: --shard expects K/N with 1 <= K <= N, e.g. 2/4, not '%s'", optarg);
				goto done;
			}
			break;
		case OPT_DRY_RUN:
			dry_run = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			code = 0;
			goto done;
		default:
			fputs(usage_text, stderr);
			goto done;
		}
	}
	if (optind < argc) {
		cli_error("run: unexpected argument '%s'", argv[optind]);
		goto done;
	}
	if (dry_run && !promote) {
		cli_error("run: --dry-run goes with --promote");
		goto done;
	}
	{
		const char *outputs[] = { junit, json, summary, metrics };
		int to_stdout = 0;

		for (size_t i = 0; i < 4; i++)
			to_stdout += outputs[i] && !strcmp(outputs[i], "-");
		if (to_stdout > 1) {
			cli_error("run: only one report can go to standard output");
			goto done;
		}
		/* A report on stdout keeps stdout machine-readable: the human
		 * report moves to stderr. */
		out = to_stdout ? stderr : stdout;
	}

	/* From here a SIGINT or SIGTERM is an interruption: the checks not yet
	 * run are reported as such, the reports are written, exit 130. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	handlers = 1;

	/* With --promote the gate's ${VAR}s must resolve before anything runs. */
	suite = promote ? cli_load_suite_for_promotion(config, &code) : cli_load_suite(config, &code);
	if (!suite)
		goto done;

	{
		const char *outputs[] = { junit, json, summary, metrics };

		if (check_outputs(suite, outputs, 4) < 0) {
			code = EXIT_USAGE;
			goto done;
		}
	}
	if (changed_since) {
		only = mlg_xcalloc(suite->nchecks + 1, sizeof(int));
		if (mlg_changed_since(suite, changed_since, only) < 0) {
			run_error("");
			code = EXIT_USAGE;
			goto done;
		}
		only_reason = mlg_xasprintf("unchanged since %s", changed_since);
		opts.only = only;
		opts.only_reason = only_reason;
	}
	memset(&progress.term, 0, sizeof(progress.term));
	progress.term.version = MLG_TERM_OPTIONS_VERSION;
	progress.term.quiet = quiet;
	progress.term.color = cli_use_color(out, color_mode);
	done = mlg_xcalloc(suite->nchecks + 1, sizeof(int));
	results = mlg_xcalloc(suite->nchecks + 1, sizeof(*results));
	progress.results = results;
	progress.suite = suite;
	progress.done = done;
	progress.next = 0;
	progress.out = out;

	opts.patterns = patterns;
	opts.tags = tags;
	opts.cancel = &interrupted;
	opts.progress = on_progress;
	opts.payload = &progress;

	github = ci_integration && gha && !strcmp(gha, "true");
	/* Inside GitHub Actions the report carries text from data and command
	 * output: stop workflow commands until our own annotations. */
	if (github) {
		stop_token = mlg_github_stop_token();
		fprintf(out, "::stop-commands::%s\n", stop_token);
	}
	{
		/* the name may come from ${VAR}: one line, before any report */
		char *name = mlg_text_one_line(suite->name), *file = mlg_text_one_line(config);

		fprintf(out, "mlgate: suite '%s' (%s): %zu check%s\n", name, file, suite->nchecks,
			suite->nchecks == 1 ? "" : "s");
		free(name);
		free(file);
	}
	fflush(out);
	if (mlg_engine_run(&run, suite, &opts) < 0) {
		run_error("");
		code = EXIT_NOT_EVALUATED;
		goto done;
	}
	/* An interruption leaves gaps (checks that never ran) that hold back
	 * the in-order progress lines: list the finished checks after them. */
	for (; progress.next < suite->nchecks; progress.next++)
		if (run->results[progress.next].started)
			mlg_report_term_line(out, &suite->checks[progress.next],
					     &run->results[progress.next], &progress.term);
	mlg_report_term_summary(out, run, &progress.term);
	code = mlg_run_exit_code(run);
	if (!run->summary.selected) {
		/* A typo in -k must not pass as a green gate. */
		cli_error("run: no check matched the selection: nothing was tested");
		if (code == EXIT_GATE_OPEN)
			code = EXIT_NOT_EVALUATED;
	}
	results_doc = mlg_report_json(run);
	mlg_results_add_candidates(results_doc, suite);
	/* The evidence first: reports are written before any promotion, and a
	 * report that cannot be written stops the promotion. */
	report_error = cli_write_reports(run, results_doc, json, junit, summary, metrics);
	if (report_error && code == EXIT_GATE_OPEN)
		code = EXIT_NOT_EVALUATED;
	/* An interrupted run promotes nothing and reports no verdict. */
	if (promote && !run->interrupted && mlg_cancel_requested(&interrupted))
		cli_error("nothing promoted: interrupted");
	if (promote && !run->interrupted && !mlg_cancel_requested(&interrupted)) {
		if (report_error) {
			cli_error("nothing promoted: the reports could not all be written");
		} else {
			int changed = 0, promoted = cli_promote(out, results_doc, suite, dry_run, &interrupted,
								 &changed);

			if (promoted == EXIT_INTERRUPTED || code == EXIT_GATE_OPEN)
				code = promoted;
			/* Record what was promoted next to the evidence. */
			if (changed && json && mlg_report_write_json_doc(results_doc, json) < 0) {
				run_error("the promotion succeeded but could not be recorded: ");
				if (code == EXIT_GATE_OPEN)
					code = EXIT_NOT_EVALUATED;
			}
		}
	}
	/* After the promotion: its output, registry answers included, stays
	 * inside the stop-commands region too. */
	if (github)
		github_report(out, run, stop_token, &report_error);
	/* Monitoring is not the gate: a Pushgateway that is down is reported
	 * but does not change the verdict. */
	if (pushgateway && mlg_report_push_metrics(run, pushgateway) < 0)
		run_error("warning: metrics not pushed: ");
	if (report_error && code == EXIT_GATE_OPEN)
		code = EXIT_NOT_EVALUATED;
	/* Told to stop after the checks had finished: the reports are those of
	 * a complete run, but nothing was promoted and a stopped job must not
	 * pass. A closed gate keeps its own code. */
	if (mlg_cancel_requested(&interrupted) && code == EXIT_GATE_OPEN)
		code = EXIT_INTERRUPTED;
done:
	if (handlers) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	cJSON_Delete(results_doc);
	mlg_run_free(run);
	mlg_suite_free(suite);
	free(done);
	free(results);
	free(stop_token);
	free(only);
	free(only_reason);
	free(patterns);
	free(tags);
	return code;
}
