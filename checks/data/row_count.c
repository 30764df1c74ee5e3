/* data.row_count: the number of data rows lies within [min, max]. */
#include <math.h>
#include <stdlib.h>

#include "mlgate/check.h"
#include "mlgate/suite.h"
#include "util.h"

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "dataset to read" },
	{ "min", MLG_PARAM_INTEGER, 0, NULL, "fewest rows allowed" },
	{ "max", MLG_PARAM_INTEGER, 0, NULL, "most rows allowed" },
	{ "compare_to", MLG_PARAM_DATASET, 0, NULL, "another dataset whose row count this one must be close to" },
	{ "within", MLG_PARAM_FRACTION, 0, NULL, "with compare_to: the largest relative difference (0.1 = within 10%)" },
	{ NULL, 0, 0, NULL, NULL }
};

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	double lo, hi;
	int has_lo = mlg_check_number(check, "min", &lo);
	int has_hi = mlg_check_number(check, "max", &hi);
	int has_other = mlg_check_param(check, "compare_to") != NULL;
	int has_within = mlg_check_param(check, "within") != NULL;

	if (has_other != has_within)
		mlg_diag_check(diag, check, has_other ? "within" : "compare_to",
			       "\"compare_to\" and \"within\" go together");
	if (!has_other)
		mlg_check_bounds(check, diag, "min", "max");
	if ((has_lo && lo < 0) || (has_hi && hi < 0))
		mlg_diag_check(diag, check, has_lo && lo < 0 ? "min" : "max",
			       "a row count cannot be negative");
}

/* Only the count matters: the engine counts rows; the state is empty. */
static int prepare(void **out, const struct mlg_check *check, struct mlg_scan_setup *setup,
		   struct mlg_result *r)
{
	*out = NULL;
	return 0;
}

static void *begin(const void *plan)
{
	return mlg_xcalloc(1, 1);
}

static int batch(const void *plan, void *state, struct mlg_batch *b, char **error)
{
	return 0;
}

static void merge(const void *plan, void *into, void *from, uint64_t row_base)
{
}

static void end(const struct mlg_check *check, const struct mlg_scan_input *in, size_t nin,
		struct mlg_result *r)
{
	double lo = 0, hi = 0, within = 0;
	int has_lo = mlg_check_number(check, "min", &lo);
	int has_hi = mlg_check_number(check, "max", &hi);
	uint64_t nrows = in[0].nrows;
	unsigned long long n = (unsigned long long)nrows;

	cJSON_AddNumberToObject(r->observed, "rows", (double)nrows);
	if (has_lo)
		cJSON_AddNumberToObject(r->expected, "min", lo);
	if (has_hi)
		cJSON_AddNumberToObject(r->expected, "max", hi);
	if (has_lo && (double)nrows < lo) {
		mlg_result_set(r, MLG_STATUS_FAILED, "%llu row%s, expected at least %.0f", n, mlg_plural(n), lo);
		return;
	}
	if (has_hi && (double)nrows > hi) {
		mlg_result_set(r, MLG_STATUS_FAILED, "%llu row%s, expected at most %.0f", n, mlg_plural(n), hi);
		return;
	}
	if (nin > 1 && mlg_check_number(check, "within", &within)) {
		unsigned long long m = (unsigned long long)in[1].nrows;
		double diff = m ? ((double)n - (double)m) / (double)m : (n ? INFINITY : 0);
		char a[32], b[32];

		cJSON_AddNumberToObject(r->observed, "compare_to_rows", (double)m);
		if (isfinite(diff))
			cJSON_AddNumberToObject(r->observed, "relative_difference", diff);
		cJSON_AddNumberToObject(r->expected, "within", within);
		if (!(fabs(diff) <= within)) {
			mlg_result_set(r, MLG_STATUS_FAILED, "%llu row%s against %llu in '%s': %s%% apart, expected within %s%%",
				       n, mlg_plural(n), m, in[1].dataset->name,
				       isfinite(diff) ? mlg_format_share(fabs(diff) * 100, a) : "inf",
				       mlg_format_share(within * 100, b));
			return;
		}
		mlg_result_set(r, MLG_STATUS_PASSED, "%llu row%s, %s%% from the %llu of '%s'", n, mlg_plural(n),
			       mlg_format_share(fabs(diff) * 100, a), m, in[1].dataset->name);
		return;
	}
	mlg_result_set(r, MLG_STATUS_PASSED, "%llu row%s", n, mlg_plural(n));
}

static void nothing(void *p)
{
}

static const struct mlg_scan_ops scan = { prepare, begin, batch, merge, end, free, nothing };

const struct mlg_check_kind mlg_kind_data_row_count = {
	.abi = MLG_KIND_ABI,
	.name = "data.row_count",
	.summary = "the number of data rows (header excluded) lies within [min, max], or within a share of another dataset's",
	.params = params,
	.example = "{ \"kind\": \"data.row_count\", \"dataset\": \"train\", \"min\": 1000 }",
	.validate = validate,
	.scan = &scan,
};
