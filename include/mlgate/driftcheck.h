/*
 * The engine behind data.drift and data.drift_share (runner/driftcheck.c):
 * one scan per dataset keeps each column's numbers and category counts;
 * the end types each column, picks a method and decides. The two kinds
 * differ in their verdict only, told apart by name.
 */
#ifndef MLGATE_DRIFTCHECK_H
#define MLGATE_DRIFTCHECK_H

#include <stdint.h>

#include "mlgate/check.h"

struct mlg_diag;

/** The scan operations of both drift kinds. */
extern const struct mlg_scan_ops mlg_drift_scan;

/** Cross-parameter rules (method name, thresholds). */
void mlg_drift_validate(const struct mlg_check *check, struct mlg_diag *diag);

struct mlg_suite;
struct mlg_dataset;

/**
 * `mlgate profile --reference`: reads `dataset` once and writes to `path`
 * (atomically) what data.drift needs of it as a reference: per column the
 * counts, the categories, and the sorted numbers, exactly (each distinct
 * value with its count) when there are at most `points` distinct values,
 * else as a sketch of `points` values (the middle value of each of
 * `points` equal blocks of the sorted sample). 0, or MLG_ERROR with the
 * message set; *rows and *ncolumns say what was profiled.
 */
int mlg_drift_profile(const struct mlg_suite *suite, const struct mlg_dataset *dataset, int jobs,
		      unsigned int points, const char *path, uint64_t *rows, size_t *ncolumns);

#endif
