/* data.range: numeric values of a column lie within [min, max]. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/check.h"
#include "mlgate/suite.h"
#include "mlgate/value.h"
#include "util.h"

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "dataset to read" },
	{ "column", MLG_PARAM_STRING, 1, NULL, "numeric column to check" },
	{ "min", MLG_PARAM_NUMBER, 0, NULL, "lowest allowed value" },
	{ "max", MLG_PARAM_NUMBER, 0, NULL, "highest allowed value" },
	{ "strict", MLG_PARAM_BOOLEAN, 0, "false", "exclude the bounds themselves" },
	{ "mostly", MLG_PARAM_FRACTION, 0, "1", "share of non-null values that must be in range" },
	{ NULL, 0, 0, NULL, NULL }
};

struct state {
	const struct mlg_check *check;
	long index;
	int has_min, has_max, strict;
	double min, max;
	uint64_t nulls, below, above, not_numeric, checked;
	double seen_min, seen_max;
};

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	mlg_check_bounds(check, diag, "min", "max");
}

static int begin(void **out, const struct mlg_check *check, const char *const *columns,
		 size_t ncolumns, struct mlg_result *r)
{
	struct state *s = mlg_xcalloc(1, sizeof(*s));
	const char *col = mlg_check_string(check, "column");

	*out = s;
	s->check = check;
	s->has_min = mlg_check_number(check, "min", &s->min);
	s->has_max = mlg_check_number(check, "max", &s->max);
	s->strict = mlg_check_bool(check, "strict", 0);
	s->seen_min = INFINITY;
	s->seen_max = -INFINITY;
	s->index = mlg_column_index(columns, ncolumns, col);
	if (s->index < 0) {
		mlg_result_no_column(r, check, col, columns, ncolumns);
		return 1;
	}
	return 0;
}

static int row(void *p, const struct mlg_row *row, struct mlg_result *r)
{
	struct state *s = p;
	const struct mlg_field *f = &row->fields[s->index];
	const char *col = mlg_check_string(s->check, "column");
	double v;

	if (f->is_null) {
		s->nulls++;
		return 0;
	}
	s->checked++;
	if (mlg_parse_float(f->data, f->len, &v) < 0 || isnan(v)) {
		s->not_numeric++;
		mlg_result_example(r, row->number, col, f->data, "not a number");
		return 0;
	}
	if (v < s->seen_min)
		s->seen_min = v;
	if (v > s->seen_max)
		s->seen_max = v;
	if (s->has_min && (s->strict ? v <= s->min : v < s->min)) {
		s->below++;
		mlg_result_example(r, row->number, col, f->data, "below min");
	} else if (s->has_max && (s->strict ? v >= s->max : v > s->max)) {
		s->above++;
		mlg_result_example(r, row->number, col, f->data, "above max");
	}
	return 0;
}

static void end(void *p, uint64_t nrows, struct mlg_result *r)
{
	struct state *s = p;
	const char *col = mlg_check_string(s->check, "column");
	uint64_t bad = s->below + s->above + s->not_numeric;
	double mostly = 1, share;
	struct mlg_strbuf msg = MLG_STRBUF_INIT;
	char a[32], b[32];

	mlg_check_number(s->check, "mostly", &mostly);
	share = s->checked ? (double)(s->checked - bad) / (double)s->checked : 1.0;
	cJSON_AddNumberToObject(r->observed, "rows", (double)nrows);
	cJSON_AddNumberToObject(r->observed, "nulls", (double)s->nulls);
	cJSON_AddNumberToObject(r->observed, "below_min", (double)s->below);
	cJSON_AddNumberToObject(r->observed, "above_max", (double)s->above);
	cJSON_AddNumberToObject(r->observed, "not_numeric", (double)s->not_numeric);
	if (s->checked > s->not_numeric) {
		cJSON_AddNumberToObject(r->observed, "min", s->seen_min);
		cJSON_AddNumberToObject(r->observed, "max", s->seen_max);
	}
	cJSON_AddNumberToObject(r->observed, "in_range_share", share);
	if (s->has_min)
		cJSON_AddNumberToObject(r->expected, "min", s->min);
	if (s->has_max)
		cJSON_AddNumberToObject(r->expected, "max", s->max);
	cJSON_AddBoolToObject(r->expected, "strict", s->strict);
	cJSON_AddNumberToObject(r->expected, "mostly", mostly);

	if (s->checked == 0) {
		mlg_result_set(r, MLG_STATUS_PASSED, "no non-null values of %s to check (%llu row%s)", col,
			       (unsigned long long)nrows, mlg_plural(nrows));
		return;
	}
	if (share >= mostly) {
		if (bad)
			mlg_result_set(r, MLG_STATUS_PASSED, "%llu of %llu values of %s are out of range, within mostly = %s",
				       (unsigned long long)bad, (unsigned long long)s->checked, col,
				       mlg_format_number(mostly, a));
		else
			mlg_result_set(r, MLG_STATUS_PASSED, "all %llu values of %s are in range (observed %s to %s)",
				       (unsigned long long)s->checked, col, mlg_format_number(s->seen_min, a),
				       mlg_format_number(s->seen_max, b));
		return;
	}
	if (s->below)
		mlg_strbuf_addf(&msg, "%llu of %llu values of %s are below %s%s", (unsigned long long)s->below,
				(unsigned long long)s->checked, col, mlg_format_number(s->min, a),
				s->strict ? " or equal to it" : "");
	if (s->above)
		mlg_strbuf_addf(&msg, "%s%llu of %llu values of %s are above %s%s", msg.len ? "; " : "",
				(unsigned long long)s->above, (unsigned long long)s->checked, col,
				mlg_format_number(s->max, a), s->strict ? " or equal to it" : "");
	if (s->not_numeric)
		mlg_strbuf_addf(&msg, "%s%llu of %llu values of %s are not numbers", msg.len ? "; " : "",
				(unsigned long long)s->not_numeric, (unsigned long long)s->checked, col);
	if (mostly < 1)
		mlg_strbuf_addf(&msg, " (%s%% in range, expected at least %s%%)", mlg_format_share(share * 100, a),
				mlg_format_share(mostly * 100, b));
	mlg_result_set(r, MLG_STATUS_FAILED, "%s", msg.buf);
	mlg_strbuf_release(&msg);
}

static const struct mlg_scan_ops scan = { begin, row, end, free };

const struct mlg_check_kind mlg_kind_data_range = {
	.abi = MLG_KIND_ABI,
	.name = "data.range",
	.summary = "numeric values of a column lie within [min, max]; nulls are not checked",
	.params = params,
	.example = "{ \"kind\": \"data.range\", \"dataset\": \"train\", \"column\": \"amount\", \"min\": 0, \"max\": 1e6 }",
	.validate = validate,
	.scan = &scan,
};
