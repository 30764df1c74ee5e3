/* mlgate validate: parse and type-check the suite; run nothing. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage_text[] =
	"usage: mlgate validate [-c FILE]\n\n"
	"Parses and type-checks the suite and lists every problem as\n"
	"FILE:LINE:COL: JSON.PATH: message. Runs nothing.\n\n"
	"  -c, --config FILE   the suite file (default: mlgate.json)\n"
	"  -h, --help          show this help\n\n"
	"Exit codes: 0 valid, 2 invalid or unreadable.\n";

int cmd_validate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *config = "mlgate.json";
	struct mlg_suite *suite;
	int c, code;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
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
		cli_error("validate: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	suite = cli_load_suite(config, &code);
	if (!suite)
		return code;
	printf("%s: valid: suite '%s', %zu check%s, %zu dataset%s\n", config, suite->name,
	       suite->nchecks, suite->nchecks == 1 ? "" : "s", suite->ndatasets,
	       suite->ndatasets == 1 ? "" : "s");
	mlg_suite_free(suite);
	return 0;
}
