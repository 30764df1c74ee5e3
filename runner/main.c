/*
 * mlgate: the command dispatcher. Each command is a row of the table;
 * main() only finds the row and hands over.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "cli.h"
#include "mlgate/error.h"
#include "mlgate/report.h"
#include "text.h"
#include "util.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "run", cmd_run, "run the suite's checks and write reports" },
	{ "validate", cmd_validate, "parse and type-check the suite; run nothing" },
	{ "promote", cmd_promote, "decide the gate from saved results and call the registries" },
	{ "merge", cmd_merge, "merge shard results into one (and re-emit reports)" },
	{ "kinds", cmd_kinds, "list every check kind with its parameters" },
	{ "explain", cmd_explain, "show one kind: parameters, defaults, an example" },
	{ "profile", cmd_profile, "infer a starter suite (schema, ranges, nulls...) from a dataset" },
	{ "version", cmd_version, "print the version" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: mlgate <command> [options]\n\n"
		     "mlgate runs data, model and infrastructure checks for ML projects in CI\n"
		     "and gates model promotion on their results.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\nRun 'mlgate <command> --help' for a command's options.\n"
		     "Exit codes: 0 gate open, 1 gate closed, 2 usage or suite error,\n"
		     "3 a check could not be evaluated, 4 a registry call failed, 130 interrupted.\n");
}

/* Errors often quote what a user or a file said: shown as one line with
 * control characters escaped, so they cannot rewrite the log or start a
 * CI workflow command. */
void cli_error(const char *fmt, ...)
{
	struct mlg_strbuf msg = MLG_STRBUF_INIT;
	va_list ap;
	char *shown;

	va_start(ap, fmt);
	mlg_strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	shown = mlg_text_one_line(mlg_strbuf_str(&msg));
	fprintf(stderr, "mlgate: %s\n", shown);
	free(shown);
	mlg_strbuf_release(&msg);
}

void cli_print_diag(FILE *out, const struct mlg_diag *diag)
{
	for (size_t i = 0; i < diag->count; i++) {
		const struct mlg_diag_item *it = &diag->items[i];

		fprintf(out, "%s:%d:%d: %s%s%s\n", it->file, it->line, it->column, it->path,
			*it->path ? ": " : "", it->message);
	}
}

int cli_write_reports(const struct mlg_run *run, const cJSON *doc, const char *json,
		      const char *junit, const char *summary, const char *metrics)
{
	int failed = 0;

	if (json && mlg_report_write_json_doc(doc, json) < 0) {
		cli_error("%s", mlg_error_last());
		failed = 1;
	}
	if (junit && mlg_report_write_junit(run, junit) < 0) {
		cli_error("%s", mlg_error_last());
		failed = 1;
	}
	if (summary && mlg_report_write_summary(run, summary) < 0) {
		cli_error("%s", mlg_error_last());
		failed = 1;
	}
	if (metrics && mlg_report_write_metrics(run, metrics) < 0) {
		cli_error("%s", mlg_error_last());
		failed = 1;
	}
	return failed;
}

struct mlg_suite *cli_load_suite(const char *path, int *code)
{
	struct mlg_diag diag = MLG_DIAG_INIT;
	struct mlg_suite *suite = NULL;
	int error = mlg_suite_load(&suite, path, &diag);

	*code = EXIT_USAGE;
	if (error == MLG_ENOTFOUND || (error < 0 && !diag.count)) {
		cli_error("%s", mlg_error_last());
		if (error == MLG_ENOTFOUND && !strcmp(path, "mlgate.json"))
			fprintf(stderr, "hint: run mlgate in the folder holding mlgate.json, or name the suite with -c FILE\n");
	} else if (error < 0) {
		cli_print_diag(stderr, &diag);
		cli_error("'%s' has %zu problem%s; nothing was run", path, diag.count,
			  diag.count == 1 ? "" : "s");
	}
	mlg_diag_release(&diag);
	return suite;
}

int cli_color_mode(const char *value)
{
	if (!strcmp(value, "auto"))
		return 0;
	if (!strcmp(value, "always"))
		return 1;
	if (!strcmp(value, "never"))
		return 2;
	return -1;
}

int cli_use_color(FILE *out, int mode)
{
	const char *no_color = getenv("NO_COLOR");

	if (mode == 1)
		return 1;
	if (mode == 2)
		return 0;
	if (no_color && *no_color)
		return 0;
	return isatty(fileno(out)) && getenv("TERM") && strcmp(getenv("TERM"), "dumb");
}

/*
 * Output that never arrived (stdout on a full disk, a closed pipe when
 * SIGPIPE is ignored) must not pass silently, as in git's close_stdout():
 * stdio only reports it at the flush, so check once at the end.
 */
static int finish_stdout(int code)
{
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return code;
	if (errno)
		cli_error("cannot write to standard output: %s", strerror(errno));
	else
		cli_error("cannot write to standard output");
	return code == EXIT_GATE_OPEN ? EXIT_NOT_EVALUATED : code;
}

int main(int argc, char **argv)
{
	/* Before anything allocates or starts a thread (util.h, atomic.h). */
	mlg_alloc_setup();
	mlg_tempfile_catch_signals();
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return finish_stdout(0);
	}
	if (!strcmp(argv[1], "--version"))
		return finish_stdout(cmd_version(1, argv + 1));
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return finish_stdout(commands[i].fn(argc - 1, argv + 1));
	cli_error("unknown command '%s'", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
