/*
 * Running a suite: selection, the parallel scheduler, and the results.
 *
 * Checks that read the same dataset are fed from one streaming pass over
 * it; every other check is a task of its own. Tasks run on `jobs` threads;
 * results are always kept in suite order, so reports do not depend on -j.
 */
#ifndef MLGATE_ENGINE_H
#define MLGATE_ENGINE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "mlgate/check.h"
#include "mlgate/result.h"
#include "mlgate/suite.h"

struct mlg_run_options {
	unsigned int version;                /* MLG_RUN_OPTIONS_VERSION */
	int jobs;                            /* threads; <= 0: online CPUs */
	const char *const *patterns;         /* -k globs on name or id (any may match) */
	size_t npatterns;
	const char *const *tags;             /* --tag (any may match) */
	size_t ntags;
	volatile sig_atomic_t *cancel;       /* set by a signal handler to stop the run */
	/* Called as each check finishes, one call at a time, from any thread;
	 * deselected checks are reported first, as skipped and not started. */
	void (*progress)(const struct mlg_check *check, const struct mlg_result *result,
			 void *payload);
	void *payload;
	int shard_index;                     /* --shard K/N: K (1-based); 0: no sharding */
	int shard_count;                     /* N */
	const int *only;                     /* per check: 0 skips it (e.g. unchanged); NULL: none */
	const char *only_reason;             /* the message of checks `only` skips */
};

#define MLG_RUN_OPTIONS_VERSION 1
#define MLG_RUN_OPTIONS_INIT { MLG_RUN_OPTIONS_VERSION, 0, NULL, 0, NULL, 0, NULL, NULL, NULL, 0, 0, NULL, NULL }

/** An input file the run read, for provenance. */
struct mlg_input {
	char *path;       /* relative to the suite's folder when inside it */
	uint64_t bytes;
	char sha256[65];  /* "" when it could not be read */
};

/** Where the suite's code stands in git. */
struct mlg_git_info {
	int found;        /* 0 outside a repository */
	char commit[41];
	char *branch;     /* NULL when detached and no CI variable names it */
	int dirty;        /* tracked files differ from HEAD */
};

struct mlg_summary {
	size_t total, passed, failed, errors, skipped, warnings;
	size_t selected;
};

struct mlg_run {
	const struct mlg_suite *suite;  /* borrowed */
	struct mlg_result *results;     /* one per check, suite order */
	int *selected;                  /* one per check */
	struct mlg_input *inputs;
	size_t ninputs;
	struct mlg_git_info git;
	struct mlg_summary summary;
	time_t started;                 /* wall clock, UTC */
	double duration_s;
	int interrupted;
	int complete;                   /* not interrupted, and every check selected */
	int gate_open;                  /* not interrupted, and no selected error-severity
					   check failed or errored */
	int shard_index, shard_count;   /* as run; 0 when not sharded */
};

/**
 * Runs the selected checks of `suite`. Returns 0 and sets *out (free with
 * mlg_run_free()) however the checks ended; a negative code only when the
 * run could not be organised at all (message in mlg_error_last()).
 */
int mlg_engine_run(struct mlg_run **out, const struct mlg_suite *suite,
		   const struct mlg_run_options *opts);

/** The exit code DESIGN.md section 3 gives this run: 0, 1, 3 or 130. */
int mlg_run_exit_code(const struct mlg_run *run);

/** Fills *info for the repository containing `dir` (found=0 outside one). */
void mlg_git_describe(struct mlg_git_info *info, const char *dir);
void mlg_git_info_release(struct mlg_git_info *info);

/** Frees the run; accepts NULL. */
void mlg_run_free(struct mlg_run *run);

/** The field splitter this CPU gets: "avx2" or "generic" (MLGATE_SIMD=generic forces it). */
const char *mlg_engine_simd(void);

#endif
