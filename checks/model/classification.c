/*
 * model.classification: metrics of a classifier computed from its
 * predictions (a dataset of labels and scores), overall and per slice,
 * against bounds and against a baseline model's predictions on the same
 * rows. The work is in runner/model*.c, shared with model.regression and
 * model.fairness.
 */
#include "mlgate/check.h"
#include "mlgate/modeleval.h"

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "predictions dataset: one row per example" },
	{ "label", MLG_PARAM_STRING, 1, NULL, "column of true labels (compared as text)" },
	{ "score", MLG_PARAM_STRING, 0, NULL, "binary: column of the positive class's score or probability" },
	{ "scores", MLG_PARAM_OBJECT, 0, NULL,
	  "class -> column of its probability, e.g. {\"cat\": \"p_cat\", \"dog\": \"p_dog\"}; the predicted class is the most probable (first on ties)" },
	{ "prediction", MLG_PARAM_STRING, 0, NULL, "column of predicted labels (instead of thresholding or taking the most probable class)" },
	{ "positive", MLG_PARAM_STRING, 0, "\"1\"", "binary: the label of the positive class" },
	{ "threshold", MLG_PARAM_NUMBER, 0, NULL, "binary: a score at or above it predicts the positive class (default 0.5)" },
	{ "metrics", MLG_PARAM_OBJECT, 1, NULL,
	  "metric -> bounds: min, max, max_drop, max_relative_drop, not_worse_than_baseline (a significance level), on (\"value\", \"ci_low\", \"ci_high\"); {} reports only" },
	{ "slices", MLG_PARAM_LIST, 0, NULL,
	  "columns to slice by; a list of columns is a cross, e.g. [\"country\", [\"country\", \"device\"]]; every slice must meet the bounds" },
	{ "min_support", MLG_PARAM_INTEGER, 0, "30", "slices with fewer rows are reported, not gated" },
	{ "baseline_dataset", MLG_PARAM_DATASET, 0, NULL,
	  "the baseline model's predictions on the same rows (same columns; e.g. a dataset with a git_ref): deltas and paired tests" },
	{ "bootstrap", MLG_PARAM_OBJECT, 0, NULL,
	  "intervals and paired tests by resampling: {\"resamples\": 1000, \"seed\": 1, \"level\": 0.95} (the defaults)" },
	{ "ece_bins", MLG_PARAM_INTEGER, 0, "10", "equal-width bins of the expected calibration error" },
	{ NULL, 0, 0, NULL, NULL }
};

const struct mlg_check_kind mlg_kind_model_classification = {
	.abi = MLG_KIND_ABI,
	.name = "model.classification",
	.summary = "classification metrics from a predictions dataset, overall and per slice, with bounds, baseline deltas and significance tests",
	.params = params,
	.example = "{ \"kind\": \"model.classification\", \"dataset\": \"test\", \"label\": \"label\", \"score\": \"score\", "
		   "\"metrics\": { \"roc_auc\": { \"min\": 0.85 }, \"f1\": { \"min\": 0.6 } }, \"slices\": [\"country\"] }",
	.validate = mlg_model_validate,
	.target = mlg_model_target,
	.scan = &mlg_model_scan,
};
