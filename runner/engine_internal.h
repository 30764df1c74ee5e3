/* Engine internals shared by engine.c and scan.c. */
#ifndef MLG_ENGINE_INTERNAL_H
#define MLG_ENGINE_INTERNAL_H

#include <pthread.h>

#include "mlgate/engine.h"

#include "batch_internal.h"
#include "strmap.h"

/* A check's progress through the datasets it reads (one role per dataset
 * parameter); end() runs when the last is read. */
#define MLG_MAX_ROLES 4

struct mlg_pending {
	size_t nroles, started, ended;
	int failed;
	size_t error_role;             /* 1 + the role whose error the result shows; 0: none */
	double started_at;
	struct mlg_scan_input in[MLG_MAX_ROLES];
	char **names[MLG_MAX_ROLES];   /* copies of the column names */
};

struct mlg_input_rec {
	char *path;     /* absolute (a git_ref dataset: "path@ref") */
	char *shown;    /* as reports name it, or NULL: relative to the suite */
	int known;      /* digest below is set (even when empty: unreadable) */
	uint64_t bytes;
	char sha256[65];
};

struct mlg_engine {
	struct mlg_run *run;
	const struct mlg_run_options *opts;
	pthread_mutex_t lock;       /* guards inputs, pending and progress calls */
	struct mlg_input_rec *inputs; /* in the order seen */
	size_t ninputs, input_alloc;
	struct mlg_strmap input_index; /* path -> index in inputs */
	struct mlg_pending *pending;  /* per check */
	struct mlg_mem mem;
	size_t jobs;                  /* -j, or the number of online CPUs */
};

/** A scanning check and which of its dataset parameters a scan serves. */
struct mlg_scan_ref {
	const struct mlg_check *check;
	const char *param;
};

/**
 * The dataset parameters of a check that are set, "dataset" first: fills
 * params/datasets (at most MLG_MAX_ROLES), returns how many.
 */
size_t mlg_engine__roles(const struct mlg_check *check, const char **params,
			 const struct mlg_dataset **datasets);

/** Records an input file (thread-safe). */
void mlg_engine__input(struct mlg_engine *engine, const char *abs_path);
/** Frees the recorded inputs (paths, array and index) and empties the list. */
void mlg_engine__inputs_release(struct mlg_engine *engine);
/** Records a dataset read with its digest (hex NULL: could not be read). */
void mlg_engine__input_digest(struct mlg_engine *engine, const struct mlg_dataset *dataset,
			      uint64_t bytes, const char *hex);

/** Marks a check finished and reports progress (thread-safe). */
void mlg_engine__finish(struct mlg_engine *engine, const struct mlg_check *check,
			double started);

/* Roles of a scanning check (thread-safe). */
void mlg_engine__role_start(struct mlg_engine *engine, const struct mlg_check *check);
/**
 * One role of the check cannot go on: `why` (status error or failed, a
 * message, maybe observed values) becomes the check's result, unless it
 * already shows the error of a role that comes first in parameter order,
 * so the message is the same whichever thread failed first. Takes what
 * `why` holds; releases it.
 *
 * A check that reads several datasets has its result written by several
 * scan tasks at once: only this function (and end(), once every role is
 * over) may write it while the scans run.
 */
void mlg_engine__role_error(struct mlg_engine *engine, const struct mlg_check *check,
			    const char *param, struct mlg_result *why);
int mlg_engine__role_is_failed(struct mlg_engine *engine, const struct mlg_check *check);
/** Hands over one role's plan and merged state (the engine frees them). Returns 0. */
int mlg_engine__role_done(struct mlg_engine *engine, const struct mlg_check *check,
			  const struct mlg_scan_input *in, const char *const *names, size_t n);
/** One role's scan is over; the last one decides the check. */
void mlg_engine__role_end(struct mlg_engine *engine, const struct mlg_check *check);

/** Runs every role of scanning checks that reads one dataset, in one pass. */
void mlg_engine__scan(struct mlg_engine *engine, const struct mlg_dataset *dataset,
		      const struct mlg_scan_ref *refs, size_t nrefs);

#endif
