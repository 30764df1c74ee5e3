/*
 * data.drift: the distribution of each named column in a dataset against
 * a reference (Kolmogorov-Smirnov, Wasserstein, PSI, Jensen-Shannon,
 * chi-square, L-infinity, or Evidently's automatic choice). The work is in
 * runner/driftcheck.c, shared with data.drift_share.
 */
#include "mlgate/check.h"
#include "mlgate/driftcheck.h"

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "the current data (e.g. serving)" },
	{ "reference", MLG_PARAM_DATASET, 0, NULL, "the reference data (e.g. train)" },
	{ "reference_profile", MLG_PARAM_PATH, 0, NULL,
	  "instead of reference: a profile written by `mlgate profile --reference DATA -o FILE`" },
	{ "columns", MLG_PARAM_STRINGS, 0, "\"*\"", "columns to compare; \"*\": every column of the dataset" },
	{ "method", MLG_PARAM_STRING, 0, "\"auto\"",
	  "auto, ks, wasserstein, wasserstein_normed, psi, jensen_shannon (numeric or categorical), chi2, l_infinity, z (categorical)" },
	{ "threshold", MLG_PARAM_NUMBER, 0, NULL,
	  "p-value methods (ks, chi2, z): drift when p < threshold (default 0.05); distances: drift when >= threshold (default 0.1; wasserstein has none)" },
	{ "bins", MLG_PARAM_INTEGER, 0, "10", "numeric psi and jensen_shannon: bins at the reference's quantiles" },
	{ "max_categories", MLG_PARAM_INTEGER, 0, "1000", "a column that is not all numbers and has more distinct values is an error" },
	{ NULL, 0, 0, NULL, NULL }
};

const struct mlg_check_kind mlg_kind_data_drift = {
	.abi = MLG_KIND_ABI,
	.name = "data.drift",
	.summary = "each column's distribution stays close to a reference's (KS, Wasserstein, PSI, Jensen-Shannon, chi-square, L-infinity; auto as Evidently)",
	.params = params,
	.example = "{ \"kind\": \"data.drift\", \"dataset\": \"serving\", \"reference\": \"train\", \"columns\": [\"amount\", \"country\"] }",
	.validate = mlg_drift_validate,
	.scan = &mlg_drift_scan,
};
