/*
 * Running a command as infra checks do: in its own process group, with a
 * timeout that kills the whole group, a cancel flag, the tail of its
 * output kept, and the resources it used (wait4()'s rusage).
 */
#ifndef MLGATE_PROC_H
#define MLGATE_PROC_H

#include <signal.h>
#include <stddef.h>

struct mlg_proc_options {
	unsigned int version;         /* MLG_PROC_OPTIONS_VERSION */
	char *const *argv;            /* argv[0] is looked up in PATH; NULL-terminated */
	const char *cwd;              /* NULL: the current directory */
	char *const *env;             /* "NAME=value" entries added to (or overriding) the
					 inherited environment; NULL-terminated; may be NULL */
	double timeout_s;             /* <= 0: none */
	size_t tail_bytes;            /* how much of the end of stdout and of stderr to keep; 0: 4096 */
	volatile sig_atomic_t *cancel; /* when it becomes non-zero the group is killed; may be NULL */
	/* Since version 2. */
	int measure;                  /* 1: start the command from a small helper process so that
					 max_rss_kb is the command's own (see mlg_proc_result) */
};

/* Version 1 callers (without `measure`) are still accepted. */
#define MLG_PROC_OPTIONS_VERSION 2
#define MLG_PROC_OPTIONS_INIT { MLG_PROC_OPTIONS_VERSION, NULL, NULL, NULL, 0, 0, NULL, 0 }

struct mlg_proc_result {
	int exited;      /* 1 when the process exited normally */
	int exit_code;   /* valid when exited */
	int signaled;    /* 1 when it was ended by a signal */
	int signal;      /* valid when signaled */
	int timed_out;   /* 1 when we killed it because timeout_s passed */
	int cancelled;   /* 1 when we killed it because *cancel became non-zero */
	double wall_s;   /* wall-clock seconds from start to reaping (with `measure`, also
			    the helper's start: a few milliseconds) */
	char *out_tail;  /* last tail_bytes of stdout, NUL-terminated; owned by the result */
	char *err_tail;  /* same for stderr */
	size_t out_bytes; /* total bytes the command wrote to stdout */
	size_t err_bytes;
	/*
	 * Resources used, from the rusage wait4() returns: the command's own
	 * and, folded in, those of every descendant it waited for (a shell's
	 * commands, make's jobs). Background processes it left behind are
	 * killed unreaped and not counted. has_usage is 0 when the figures
	 * are unknown: someone else reaped the child, or, with `measure`,
	 * the helper was killed (timeout, cancel) before it could report.
	 *
	 * max_rss_kb is the peak resident set size in KiB (ru_maxrss): the
	 * largest of the command's and its waited-for descendants' peaks,
	 * not their sum. Without `measure` it is never below the resident
	 * size of the calling process at fork(): Linux charges the forked
	 * copy with the pages it shares with its parent and keeps that
	 * high-water mark across exec. With `measure` the command is forked
	 * by a freshly exec'd helper (this same program) instead, so the
	 * floor is the helper's 1-3 MiB and the figure is the command's.
	 */
	int has_usage;
	long max_rss_kb;
	double user_s;   /* CPU seconds in user mode */
	double sys_s;    /* CPU seconds in the kernel on its behalf */
};

/**
 * Runs the command to completion (or until timeout or cancel) and fills
 * *out, which the caller releases with mlg_proc_result_release(). Returns
 * 0 when the command ran (whatever its exit status), or MLG_ENOTFOUND when
 * it could not be started (no such program or cwd; message says which),
 * MLG_ERROR for other failures (also when `measure` is set and the helper
 * cannot be started). stdin is /dev/null.
 */
int mlg_proc_run(struct mlg_proc_result *out, const struct mlg_proc_options *opts);

/** Frees the tails; accepts a zeroed or already released result. */
void mlg_proc_result_release(struct mlg_proc_result *r);

#endif
