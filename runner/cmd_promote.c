/* mlgate promote: the gate decision and registry calls, from saved results. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "cancel.h"
#include "cli.h"
#include "digest.h"
#include "mlgate/error.h"
#include "mlgate/promote.h"
#include "mlgate/report.h"
#include "util.h"

static const char usage_text[] =
	"usage: mlgate promote [-c FILE] --results FILE [--dry-run]\n\n"
	"Decides the gate from saved results (mlgate run --json) and, when it is\n"
	"open, calls each registry of the suite's gate.promote in order. The\n"
	"results must be complete and from this very suite file. Each successful\n"
	"call is recorded in the results file, so running it again is a no-op.\n\n"
	"  -c, --config FILE   the suite file (default: mlgate.json)\n"
	"      --results FILE  results written by mlgate run --json\n"
	"      --dry-run       print each request (secrets masked); send nothing\n"
	"  -h, --help          show this help\n\n"
	"Exit codes: 0 promoted (or already), 1 a gating check failed, 2 usage,\n"
	"suite or foreign results, 3 results incomplete, 4 a registry call failed.\n";

static volatile sig_atomic_t interrupted;

/* A second signal: the user insists; end by it (temporary files removed). */
static void on_signal(int sig)
{
	if (mlg_cancel_requested(&interrupted))
		mlg_tempfile_die_by_signal(sig);
	/* atomic: worker threads poll it (runner/cancel.h) */
	mlg_cancel_request(&interrupted);
}

int cli_promote(FILE *out, cJSON *results, const struct mlg_suite *suite, int dry_run,
		volatile sig_atomic_t *cancel, int *changed)
{
	struct mlg_promote_options opts = MLG_PROMOTE_OPTIONS_INIT;
	int code;

	opts.dry_run = dry_run;
	opts.out = out;
	opts.cancel = cancel;
	code = mlg_promote(results, suite, &opts, changed);
	if (code == MLG_GATE_FOREIGN)
		cli_error("cannot promote from these results: %s", mlg_error_last());
	return code;
}

struct mlg_suite *cli_load_suite_for_promotion(const char *path, int *code)
{
	struct mlg_suite *suite = cli_load_suite(path, code);
	struct mlg_diag diag = MLG_DIAG_INIT;

	if (!suite)
		return NULL;
	diag.file = suite->file;
	diag.positions = suite->positions;
	mlg_gate_validate(suite, 1, &diag);
	if (!cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(suite->root, "gate"), "promote")))
		mlg_diag_add(&diag, "", "nothing to promote to: the suite has no \"gate\": {\"promote\": [...]} entries");
	if (diag.count) {
		cli_print_diag(stderr, &diag);
		cli_error("the gate of '%s' cannot be used: %zu problem%s", path, diag.count,
			  diag.count == 1 ? "" : "s");
		mlg_diag_release(&diag);
		mlg_suite_free(suite);
		*code = EXIT_USAGE;
		return NULL;
	}
	return suite;
}

int cmd_promote(int argc, char **argv)
{
	enum { OPT_RESULTS = 256, OPT_DRY_RUN };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "results", required_argument, NULL, OPT_RESULTS },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *config = "mlgate.json", *results_path = NULL;
	struct mlg_suite *suite = NULL;
	cJSON *results = NULL;
	char *text = NULL;
	size_t len;
	int c, code = EXIT_USAGE, dry_run = 0, changed = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case OPT_RESULTS:
			results_path = optarg;
			break;
		case OPT_DRY_RUN:
			dry_run = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("promote: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (!results_path) {
		cli_error("promote: --results FILE is required (the output of mlgate run --json)");
		return EXIT_USAGE;
	}
	suite = cli_load_suite_for_promotion(config, &code);
	if (!suite)
		return code;
	if (mlg_read_file(results_path, &text, &len) < 0) {
		cli_error("%s", mlg_error_last());
		goto done;
	}
	results = cJSON_ParseWithLength(text, len);
	if (!results) {
		cli_error("'%s' is not JSON: expected the output of mlgate run --json", results_path);
		goto done;
	}
	{
		struct sigaction sa, old_int, old_term;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
		code = cli_promote(stdout, results, suite, dry_run, &interrupted, &changed);
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	if (changed && mlg_report_write_json_doc(results, results_path) < 0) {
		cli_error("the promotion succeeded but could not be recorded: %s", mlg_error_last());
		if (code == 0)
			code = EXIT_NOT_EVALUATED;
	}
done:
	cJSON_Delete(results);
	free(text);
	mlg_suite_free(suite);
	return code;
}
