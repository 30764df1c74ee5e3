/*
 * The command of a kind that runs one (infra.command, infra.resources,
 * infra.reproducible): the "run", "shell", "cwd" and "env" parameters,
 * their rules, the command line as messages show it, the proc options
 * they make, and how a run that went wrong and its output are reported,
 * all worded as infra.command words them.
 */
#ifndef MLGATE_RUNCMD_H
#define MLGATE_RUNCMD_H

#include <stddef.h>

#include "mlgate/check.h"
#include "mlgate/proc.h"

/* The parameter table rows, to put first in a kind's table. */
#define MLG_RUNCMD_PARAMS                                                                          \
	{ "run", MLG_PARAM_STRINGS, 1, NULL,                                                       \
	  "argv list, e.g. [\"python3\", \"train.py\"]; a string needs \"shell\": true" },         \
	{ "shell", MLG_PARAM_BOOLEAN, 0, "false", "run `run` (a string) with /bin/sh -c" },       \
	{ "cwd", MLG_PARAM_PATH, 0, NULL, "working directory (default: the suite file's folder)" }, \
	{ "env", MLG_PARAM_OBJECT, 0, NULL, "extra environment variables, name -> string value" }

/* How much of each output stream a run keeps for the report. */
#define MLG_RUNCMD_TAIL_BYTES 16384

struct mlg_diag;

/** A check's command, ready to run. */
struct mlg_runcmd {
	char **argv;     /* NULL-terminated; the words are borrowed from the check */
	char **env;      /* "NAME=value", NULL-terminated; owned */
	char *cwd;       /* absolute working directory; owned */
	char *display;   /* the command line as messages show it; owned */
	const char *cwd_param; /* "cwd" as the suite spells it, or NULL */
	const char **words_;   /* private */
};

/**
 * Reports problems of "run", "shell" and "env" (and of "tail_lines" when
 * the check has it) with mlg_diag_check().
 */
void mlg_runcmd_validate(const struct mlg_check *check, struct mlg_diag *diag);

/**
 * The command line shell-quoted (a "shell" string as written), cut after
 * 60 bytes at a character boundary and marked by "...": suits a kind's
 * `target`. Allocated; the caller frees it.
 */
char *mlg_runcmd_display(const struct mlg_check *check);

/** Fills *cmd from the check's parameters; release it with mlg_runcmd_release(). */
void mlg_runcmd_init(struct mlg_runcmd *cmd, const struct mlg_check *check);

/** Frees what *cmd owns and zeroes it; accepts a zeroed one. */
void mlg_runcmd_release(struct mlg_runcmd *cmd);

/**
 * Fills opts' argv, cwd (`cwd`, or the command's when NULL), env, cancel,
 * tail_bytes and timeout (the time left before ctx's deadline, at least
 * 1 ms). Other fields are left alone. opts borrows from cmd.
 */
void mlg_runcmd_options(const struct mlg_runcmd *cmd, const struct mlg_check_ctx *ctx,
			const char *cwd, struct mlg_proc_options *opts);

/**
 * Why mlg_proc_run() failed (mlg_error_last()), with the absolute working
 * directory `cwd` (may be NULL) put back as the suite spells it (or as "."
 * when it is a scratch copy). Allocated; the caller frees it.
 */
char *mlg_runcmd_start_error(const struct mlg_runcmd *cmd, const char *cwd);

/**
 * Why a run that ended on its own terms is unusable: NULL when the
 * command exited (whatever its code), else "interrupted: `cmd` was
 * stopped", "`cmd` timed out after 30 s and was killed with its process
 * group" or "`cmd` crashed: killed by signal 9 (Killed)". Allocated; the
 * caller frees it.
 */
char *mlg_runcmd_abnormal(const struct mlg_runcmd *cmd, const struct mlg_check *check,
			  const struct mlg_proc_result *pr);

/**
 * The last `lines` lines of stdout and of stderr, each under a
 * "--- stdout (N bytes; last K lines) ---" header, with NUL and terminal
 * control bytes shown as \xNN. `tail_bytes` is what the run kept. NULL
 * when there was no output (or lines is 0); else allocated, caller frees.
 */
char *mlg_runcmd_output(const struct mlg_proc_result *pr, size_t tail_bytes, long lines);

#endif
