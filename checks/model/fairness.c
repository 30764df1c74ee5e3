/*
 * model.fairness: the largest gap of a classification metric across the
 * groups of a column (e.g. recall, for equal opportunity; positive_rate,
 * for demographic parity), with a bound (runner/model*.c).
 */
#include "mlgate/check.h"
#include "mlgate/modeleval.h"

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "predictions dataset: one row per example" },
	{ "label", MLG_PARAM_STRING, 1, NULL, "column of true labels (compared as text)" },
	{ "score", MLG_PARAM_STRING, 0, NULL, "binary: column of the positive class's score" },
	{ "prediction", MLG_PARAM_STRING, 0, NULL, "column of predicted labels" },
	{ "positive", MLG_PARAM_STRING, 0, "\"1\"", "the label of the positive class" },
	{ "threshold", MLG_PARAM_NUMBER, 0, NULL, "a score at or above it predicts the positive class (default 0.5)" },
	{ "group", MLG_PARAM_STRINGS, 1, NULL, "the column of the groups (a list of columns: their cross)" },
	{ "metric", MLG_PARAM_STRING, 1, NULL,
	  "the metric compared across groups: recall (equal opportunity), fpr, positive_rate (demographic parity), precision, accuracy..." },
	{ "max_gap", MLG_PARAM_NUMBER, 0, NULL, "largest allowed difference between the highest and the lowest group" },
	{ "min_ratio", MLG_PARAM_FRACTION, 0, NULL, "smallest allowed lowest/highest ratio (0.8: the four-fifths rule)" },
	{ "min_support", MLG_PARAM_INTEGER, 0, "30", "groups with fewer rows are reported, not compared" },
	{ NULL, 0, 0, NULL, NULL }
};

const struct mlg_check_kind mlg_kind_model_fairness = {
	.abi = MLG_KIND_ABI,
	.name = "model.fairness",
	.summary = "the gap of a metric (recall, positive rate...) between the groups of a column stays within a bound",
	.params = params,
	.example = "{ \"kind\": \"model.fairness\", \"dataset\": \"test\", \"label\": \"label\", \"score\": \"score\", "
		   "\"group\": \"gender\", \"metric\": \"recall\", \"max_gap\": 0.1 }",
	.validate = mlg_model_validate,
	.target = mlg_model_target,
	.scan = &mlg_model_scan,
};
