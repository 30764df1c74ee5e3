/* data.row_count: the number of data rows lies within [min, max]. */
#include <stdlib.h>

#include "mlgate/check.h"
#include "mlgate/suite.h"
#include "util.h"

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "dataset to read" },
	{ "min", MLG_PARAM_INTEGER, 0, NULL, "fewest rows allowed" },
	{ "max", MLG_PARAM_INTEGER, 0, NULL, "most rows allowed" },
	{ NULL, 0, 0, NULL, NULL }
};

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	double lo, hi;
	int has_lo = mlg_check_number(check, "min", &lo);
	int has_hi = mlg_check_number(check, "max", &hi);

	mlg_check_bounds(check, diag, "min", "max");
	if ((has_lo && lo < 0) || (has_hi && hi < 0))
		mlg_diag_check(diag, check, has_lo && lo < 0 ? "min" : "max",
			       "a row count cannot be negative");
}

static int begin(void **out, const struct mlg_check *check, const char *const *columns,
		 size_t ncolumns, struct mlg_result *r)
{
	*out = (void *)check;
	return 0;
}

static int row(void *p, const struct mlg_row *row, struct mlg_result *r)
{
	return 0;
}

static void end(void *p, uint64_t nrows, struct mlg_result *r)
{
	const struct mlg_check *check = p;
	double lo = 0, hi = 0;
	int has_lo = mlg_check_number(check, "min", &lo);
	int has_hi = mlg_check_number(check, "max", &hi);
	unsigned long long n = (unsigned long long)nrows;

	cJSON_AddNumberToObject(r->observed, "rows", (double)nrows);
	if (has_lo)
		cJSON_AddNumberToObject(r->expected, "min", lo);
	if (has_hi)
		cJSON_AddNumberToObject(r->expected, "max", hi);
	if (has_lo && (double)nrows < lo)
		mlg_result_set(r, MLG_STATUS_FAILED, "%llu row%s, expected at least %.0f", n, mlg_plural(n), lo);
	else if (has_hi && (double)nrows > hi)
		mlg_result_set(r, MLG_STATUS_FAILED, "%llu row%s, expected at most %.0f", n, mlg_plural(n), hi);
	else
		mlg_result_set(r, MLG_STATUS_PASSED, "%llu row%s", n, mlg_plural(n));
}

static void nothing(void *p)
{
}

static const struct mlg_scan_ops scan = { begin, row, end, nothing };

const struct mlg_check_kind mlg_kind_data_row_count = {
	.abi = MLG_KIND_ABI,
	.name = "data.row_count",
	.summary = "the number of data rows (header excluded) lies within [min, max]",
	.params = params,
	.example = "{ \"kind\": \"data.row_count\", \"dataset\": \"train\", \"min\": 1000 }",
	.validate = validate,
	.scan = &scan,
};
