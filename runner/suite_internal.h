/* Suite-loading pieces shared with the gate's validation (gate.c). */
#ifndef MLG_SUITE_INTERNAL_H
#define MLG_SUITE_INTERNAL_H

#include "mlgate/suite.h"
#include "util.h"

/*
 * Validates `obj`'s keys against `common` (allowed only) and `params`
 * (allowed, typed, required, defaulted). With `unexpanded`, string values
 * still holding "${" are not type-checked yet.
 */
void mlg_suite__check_params(struct mlg_suite *suite, cJSON *obj, const char *base,
			     const struct mlg_param *common, const struct mlg_param *params,
			     const char *owner, int unexpanded, struct mlg_diag *diag);

/** Expands ${VAR} in every string under `node` (at JSON path `path`), in place. */
void mlg_suite__expand(cJSON *node, struct mlg_strbuf *path, struct mlg_diag *diag);

/**
 * Resolves every check's "needs" ids to indices (check->needs) and reports
 * unknown ids, cycles and warn-only prerequisites of gating checks.
 */
void mlg_suite__resolve_needs(struct mlg_suite *suite, struct mlg_diag *diag);

void mlg_diag__add_at(struct mlg_diag *diag, const char *path, int line, int col, const char *msg);

#endif
