/*
 * The engine behind data.drift and data.drift_share (runner/driftcheck.c):
 * one scan per dataset keeps each column's numbers and category counts;
 * the end types each column, picks a method and decides. The two kinds
 * differ in their verdict only, told apart by name.
 */
#ifndef MLGATE_DRIFTCHECK_H
#define MLGATE_DRIFTCHECK_H

#include "mlgate/check.h"

struct mlg_diag;

/** The scan operations of both drift kinds. */
extern const struct mlg_scan_ops mlg_drift_scan;

/** Cross-parameter rules (method name, thresholds). */
void mlg_drift_validate(const struct mlg_check *check, struct mlg_diag *diag);

#endif
