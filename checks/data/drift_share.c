/*
 * data.drift_share: dataset-level drift, as Evidently's
 * TestShareOfDriftedColumns: fails when more than a share of the columns
 * drifted (runner/driftcheck.c).
 */
#include "mlgate/check.h"
#include "mlgate/driftcheck.h"

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "the current data (e.g. serving)" },
	{ "reference", MLG_PARAM_DATASET, 0, NULL, "the reference data (e.g. train)" },
	{ "reference_profile", MLG_PARAM_PATH, 0, NULL,
	  "instead of reference: a profile written by `mlgate profile --reference DATA -o FILE`" },
	{ "columns", MLG_PARAM_STRINGS, 0, "\"*\"", "columns to compare; \"*\": every column of the dataset" },
	{ "max_share", MLG_PARAM_FRACTION, 0, NULL, "largest share of drifted columns allowed (default 1/3)" },
	{ "method", MLG_PARAM_STRING, 0, "\"auto\"", "as data.drift" },
	{ "threshold", MLG_PARAM_NUMBER, 0, NULL, "as data.drift" },
	{ "bins", MLG_PARAM_INTEGER, 0, "10", "as data.drift" },
	{ "max_categories", MLG_PARAM_INTEGER, 0, "1000", "as data.drift" },
	{ NULL, 0, 0, NULL, NULL }
};

const struct mlg_check_kind mlg_kind_data_drift_share = {
	.abi = MLG_KIND_ABI,
	.name = "data.drift_share",
	.summary = "at most a share of the columns (default 1/3) drifted from the reference",
	.params = params,
	.example = "{ \"kind\": \"data.drift_share\", \"dataset\": \"serving\", \"reference\": \"train\", \"max_share\": 0.25 }",
	.validate = mlg_drift_validate,
	.scan = &mlg_drift_scan,
};
