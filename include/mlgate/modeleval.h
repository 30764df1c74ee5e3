/*
 * The engine behind the model kinds that read predictions datasets
 * (model.classification, model.regression, model.fairness).
 *
 * The three kinds differ only in their parameter tables: they share one
 * scan (rows are kept in memory, in file order: label, prediction, scores,
 * slice values) and one evaluation (metrics overall and per slice, bounds,
 * deltas against a baseline's predictions on the same rows, McNemar and
 * paired bootstrap tests, bootstrap intervals), written in
 * runner/model*.c. The kind is told apart by its name.
 */
#ifndef MLGATE_MODELEVAL_H
#define MLGATE_MODELEVAL_H

#include "mlgate/check.h"

struct mlg_diag;

/** The scan operations every predictions kind uses. */
extern const struct mlg_scan_ops mlg_model_scan;

/** Cross-parameter rules of a predictions kind (its validate()). */
void mlg_model_validate(const struct mlg_check *check, struct mlg_diag *diag);

/** The target part of the default id: "preds.roc_auc,f1" style; allocated. */
char *mlg_model_target(const struct mlg_check *check);

#endif
