/*
 * Scanning one dataset with a check that is not in any suite: the same
 * one-pass, multi-threaded scan `mlgate run` uses, for commands that
 * compute something from the data (mlgate profile) rather than test it.
 */
#ifndef MLG_ENGINE_ADHOC_H
#define MLG_ENGINE_ADHOC_H

#include <stdint.h>

#include "mlgate/check.h"
#include "mlgate/engine.h"
#include "mlgate/suite.h"

struct mlg_adhoc_options {
	unsigned int version;   /* MLG_ADHOC_OPTIONS_VERSION */
	int jobs;               /* threads reading parts of the file; <= 0: online CPUs */
	void *payload;          /* handed to the kind: mlg_engine_adhoc_payload() */
	volatile sig_atomic_t *cancel; /* may be NULL */
};

#define MLG_ADHOC_OPTIONS_VERSION 1
#define MLG_ADHOC_OPTIONS_INIT { MLG_ADHOC_OPTIONS_VERSION, 0, NULL, NULL }

/**
 * Reads `dataset` (one of `suite`'s, which gives the folder, the memory
 * budget and max_examples) once, feeding one check of `kind` (a scanning
 * kind that need not be registered; its parameter table must list
 * "dataset" only, and its parameters are not validated). Whatever
 * happens to the data, returns 0 with *out holding the check's result as
 * end() left it (or an error saying why the data could not be read; release
 * it with mlg_result_release()) and *input the dataset's size and SHA-256
 * (sha256 "" when unreadable; input->path is NULL). A negative code only
 * for bad options.
 */
int mlg_engine_scan_adhoc(struct mlg_result *out, struct mlg_input *input,
			  const struct mlg_suite *suite, const struct mlg_dataset *dataset,
			  const struct mlg_check_kind *kind, const struct mlg_adhoc_options *opts);

/**
 * The payload given to mlg_engine_scan_adhoc(), for the kind's callbacks.
 * Only valid on the check those callbacks receive during that scan.
 */
void *mlg_engine_adhoc_payload(const struct mlg_check *check);

#endif
