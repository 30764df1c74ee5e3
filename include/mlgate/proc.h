/*
 * Running a command as infra checks do: in its own process group, with a
 * timeout that kills the whole group, a cancel flag, and the tail of its
 * output kept.
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
};

#define MLG_PROC_OPTIONS_VERSION 1
#define MLG_PROC_OPTIONS_INIT { MLG_PROC_OPTIONS_VERSION, NULL, NULL, NULL, 0, 0, NULL }

struct mlg_proc_result {
	int exited;      /* 1 when the process exited normally */
	int exit_code;   /* valid when exited */
	int signaled;    /* 1 when it was ended by a signal */
	int signal;      /* valid when signaled */
	int timed_out;   /* 1 when we killed it because timeout_s passed */
	int cancelled;   /* 1 when we killed it because *cancel became non-zero */
	double wall_s;   /* wall-clock seconds from start to reaping */
	char *out_tail;  /* last tail_bytes of stdout, NUL-terminated; owned by the result */
	char *err_tail;  /* same for stderr */
	size_t out_bytes; /* total bytes the command wrote to stdout */
	size_t err_bytes;
};

/**
 * Runs the command to completion (or until timeout or cancel) and fills
 * *out, which the caller releases with mlg_proc_result_release(). Returns
 * 0 when the command ran (whatever its exit status), or MLG_ENOTFOUND when
 * it could not be started (no such program or cwd; message says which),
 * MLG_ERROR for other failures. stdin is /dev/null.
 */
int mlg_proc_run(struct mlg_proc_result *out, const struct mlg_proc_options *opts);

/** Frees the tails; accepts a zeroed or already released result. */
void mlg_proc_result_release(struct mlg_proc_result *r);

#endif
