/*
 * The command-line tool: one cmd_<name>.c per command, listed in main.c's
 * table. Only these files print to the terminal or choose exit codes.
 *
 * To add a command: write runner/cmd_<name>.c with
 * `int cmd_<name>(int argc, char **argv)`, declare it here, add a row to
 * the table in main.c, and document it in README.md (a test checks that
 * every command answers --help).
 */
#ifndef MLG_CLI_H
#define MLG_CLI_H

#include <signal.h>
#include <stdio.h>

#include "mlgate/suite.h"

#define MLG_VERSION "0.1.0"

/* Exit codes, DESIGN.md section 3. */
enum {
	EXIT_GATE_OPEN = 0,
	EXIT_GATE_CLOSED = 1,
	EXIT_USAGE = 2,
	EXIT_NOT_EVALUATED = 3,
	EXIT_REGISTRY_FAILED = 4,
	EXIT_INTERRUPTED = 130
};

int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_kinds(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_promote(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_profile(int argc, char **argv);

/** Prints "mlgate: " + message to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Prints every problem as file:line:col: path: message. */
void cli_print_diag(FILE *out, const struct mlg_diag *diag);

/**
 * Loads the suite, printing problems; returns the suite or NULL. *code is
 * set to the exit code to use on failure (2).
 */
struct mlg_suite *cli_load_suite(const char *path, int *code);

/** Loads the suite and validates its gate with ${VAR} expanded (a promotion is coming). */
struct mlg_suite *cli_load_suite_for_promotion(const char *path, int *code);

/** Runs the gate and registry calls on `results`; returns the exit code. */
int cli_promote(FILE *out, cJSON *results, const struct mlg_suite *suite, int dry_run,
		volatile sig_atomic_t *cancel, int *changed);

struct mlg_run;

/**
 * Writes each report that has a path (json from `doc`, the others from
 * `run`), printing every failure; returns 1 when one could not be written.
 */
int cli_write_reports(const struct mlg_run *run, const cJSON *doc, const char *json,
		      const char *junit, const char *summary, const char *metrics);

/** Parses --color's value; -1 when invalid. */
int cli_color_mode(const char *value);

/** Whether to colour `out` for mode 0 auto, 1 always, 2 never (NO_COLOR honoured in auto). */
int cli_use_color(FILE *out, int mode);

#endif
