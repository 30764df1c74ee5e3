/*
 * model.regression: error metrics of a regressor computed from its
 * predictions, overall and per slice, against bounds and a baseline
 * model's predictions on the same rows (runner/model*.c).
 */
#include "mlgate/check.h"
#include "mlgate/modeleval.h"

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "predictions dataset: one row per example" },
	{ "label", MLG_PARAM_STRING, 1, NULL, "column of true values" },
	{ "prediction", MLG_PARAM_STRING, 1, NULL, "column of predicted values" },
	{ "metrics", MLG_PARAM_OBJECT, 1, NULL,
	  "metric -> bounds: min, max, max_drop, max_relative_drop, not_worse_than_baseline, on; e.g. {\"rmse\": {\"max\": 0.5}}" },
	{ "slices", MLG_PARAM_LIST, 0, NULL, "columns to slice by; a list of columns is a cross" },
	{ "min_support", MLG_PARAM_INTEGER, 0, "30", "slices with fewer rows are reported, not gated" },
	{ "baseline_dataset", MLG_PARAM_DATASET, 0, NULL, "the baseline model's predictions on the same rows (same columns)" },
	{ "bootstrap", MLG_PARAM_OBJECT, 0, NULL, "intervals and paired tests by resampling: {\"resamples\": 1000, \"seed\": 1, \"level\": 0.95}" },
	{ NULL, 0, 0, NULL, NULL }
};

const struct mlg_check_kind mlg_kind_model_regression = {
	.abi = MLG_KIND_ABI,
	.name = "model.regression",
	.summary = "regression metrics (rmse, mae, r2...) from a predictions dataset, overall and per slice, with bounds and baseline deltas",
	.params = params,
	.example = "{ \"kind\": \"model.regression\", \"dataset\": \"test\", \"label\": \"price\", \"prediction\": \"predicted_price\", "
		   "\"metrics\": { \"rmse\": { \"max\": 25.0 }, \"r2\": { \"min\": 0.8 } } }",
	.validate = mlg_model_validate,
	.target = mlg_model_target,
	.scan = &mlg_model_scan,
};
