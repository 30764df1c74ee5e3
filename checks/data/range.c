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
	{ "min", MLG_PARAM_BOUND, 0, NULL, "lowest allowed value; a date or time string for time columns" },
	{ "max", MLG_PARAM_BOUND, 0, NULL, "highest allowed value; a date or time string for time columns" },
	{ "strict", MLG_PARAM_BOOLEAN, 0, "false", "exclude the bounds themselves" },
	{ "mostly", MLG_PARAM_FRACTION, 0, "1", "share of non-null values that must be in range" },
	{ NULL, 0, 0, NULL, NULL }
};

struct plan {
	const char *column;
	long index;
	int has_min, has_max, strict;
	double min, max;
	int time;          /* bounds are times: values are read as timestamps */
	size_t max_examples;
};

struct state {
	uint64_t nulls, below, above, not_numeric, checked;
	double seen_min, seen_max;
	struct mlg_examples ex;
};

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	mlg_check_bounds(check, diag, "min", "max");
}

static int prepare(void **out, const struct mlg_check *check, struct mlg_scan_setup *setup,
		   struct mlg_result *r)
{
	struct plan *p = mlg_xcalloc(1, sizeof(*p));

	*out = p;
	p->column = mlg_check_string(check, "column");
	p->has_min = mlg_check_number(check, "min", &p->min);
	p->has_max = mlg_check_number(check, "max", &p->max);
	{
		int64_t t;

		/* microseconds are exact in a double up to the year 2255 */
		if (mlg_check_time(check, "min", &t)) {
			p->time = p->has_min = 1;
			p->min = (double)t;
		}
		if (mlg_check_time(check, "max", &t)) {
			p->time = p->has_max = 1;
			p->max = (double)t;
		}
	}
	p->strict = mlg_check_bool(check, "strict", 0);
	p->max_examples = setup->max_examples;
	if ((p->index = mlg_scan_column(setup, check, p->column, r)) < 0)
		return 1;
	return 0;
}

static void *begin(const void *plan)
{
	const struct plan *p = plan;
	struct state *s = mlg_xcalloc(1, sizeof(*s));

	s->seen_min = INFINITY;
	s->seen_max = -INFINITY;
	mlg_examples_init(&s->ex, p->max_examples);
	return s;
}

static int batch(const void *plan, void *state, struct mlg_batch *b, char **error)
{
	const struct plan *p = plan;
	struct state *s = state;
	const uint8_t *st;
	const double *v = NULL;
	const int64_t *t = NULL;
	const struct mlg_cell *cells = mlg_batch_cells(b, (size_t)p->index);
	double lo = p->has_min ? p->min : -INFINITY, hi = p->has_max ? p->max : INFINITY;
	const char *not_value = p->time ? "not a timestamp" : "not a number";

	if (p->time)
		t = mlg_batch_typed(b, (size_t)p->index, MLG_TYPE_TIMESTAMP, &st);
	else
		v = mlg_batch_floats(b, (size_t)p->index, &st);
	for (size_t i = 0; i < b->nrows; i++) {
		double x = t ? (double)t[i] : v[i];

		if (st[i] == MLG_VALUE_NULL) {
			s->nulls++;
			continue;
		}
		s->checked++;
		if (st[i] != MLG_VALUE_OK || isnan(x)) {
			s->not_numeric++;
			mlg_examples_add(&s->ex, b->first_row + i, p->column, cells[i].data, cells[i].len,
					 not_value);
			continue;
		}
		if (x < s->seen_min)
			s->seen_min = x;
		if (x > s->seen_max)
			s->seen_max = x;
		if (p->strict ? (p->has_min && x <= lo) : x < lo) {
			s->below++;
			mlg_examples_add(&s->ex, b->first_row + i, p->column, cells[i].data, cells[i].len,
					 "below min");
		} else if (p->strict ? (p->has_max && x >= hi) : x > hi) {
			s->above++;
			mlg_examples_add(&s->ex, b->first_row + i, p->column, cells[i].data, cells[i].len,
					 "above max");
		}
	}
	return 0;
}

static void merge(const void *plan, void *into, void *from, uint64_t row_base)
{
	struct state *a = into, *b = from;

	a->nulls += b->nulls;
	a->below += b->below;
	a->above += b->above;
	a->not_numeric += b->not_numeric;
	a->checked += b->checked;
	if (b->seen_min < a->seen_min)
		a->seen_min = b->seen_min;
	if (b->seen_max > a->seen_max)
		a->seen_max = b->seen_max;
	mlg_examples_merge(&a->ex, &b->ex, row_base);
}

static void free_state(void *state)
{
	struct state *s = state;

	if (!s)
		return;
	mlg_examples_release(&s->ex);
	free(s);
}

/* A bound or observed value as messages show it: a number, or a time. */
static const char *show(const struct plan *p, double v, char buf[40])
{
	if (p->time)
		return mlg_format_time((int64_t)v, buf);
	return mlg_format_number(v, buf);
}

static void end(const struct mlg_check *check, const struct mlg_scan_input *in, size_t nin,
		struct mlg_result *r)
{
	const struct plan *p = in[0].plan;
	struct state *s = in[0].state;
	uint64_t nrows = in[0].nrows;
	const char *col = p->column;
	uint64_t bad = s->below + s->above + s->not_numeric;
	double mostly = 1, share;
	struct mlg_strbuf msg = MLG_STRBUF_INIT;
	char a[40], b[40];

	mlg_check_number(check, "mostly", &mostly);
	mlg_examples_emit(&s->ex, r);
	share = s->checked ? (double)(s->checked - bad) / (double)s->checked : 1.0;
	cJSON_AddNumberToObject(r->observed, "rows", (double)nrows);
	cJSON_AddNumberToObject(r->observed, "nulls", (double)s->nulls);
	cJSON_AddNumberToObject(r->observed, "below_min", (double)s->below);
	cJSON_AddNumberToObject(r->observed, "above_max", (double)s->above);
	cJSON_AddNumberToObject(r->observed, "not_numeric", (double)s->not_numeric);
	if (s->checked > s->not_numeric && p->time) {
		cJSON_AddStringToObject(r->observed, "min", show(p, s->seen_min, a));
		cJSON_AddStringToObject(r->observed, "max", show(p, s->seen_max, b));
	} else if (s->checked > s->not_numeric) {
		cJSON_AddNumberToObject(r->observed, "min", s->seen_min);
		cJSON_AddNumberToObject(r->observed, "max", s->seen_max);
	}
	cJSON_AddNumberToObject(r->observed, "in_range_share", share);
	if (p->has_min && p->time)
		cJSON_AddStringToObject(r->expected, "min", show(p, p->min, a));
	else if (p->has_min)
		cJSON_AddNumberToObject(r->expected, "min", p->min);
	if (p->has_max && p->time)
		cJSON_AddStringToObject(r->expected, "max", show(p, p->max, a));
	else if (p->has_max)
		cJSON_AddNumberToObject(r->expected, "max", p->max);
	cJSON_AddBoolToObject(r->expected, "strict", p->strict);
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
				       (unsigned long long)s->checked, col, show(p, s->seen_min, a),
				       show(p, s->seen_max, b));
		return;
	}
	if (s->below)
		mlg_strbuf_addf(&msg, "%llu of %llu values of %s are below %s%s", (unsigned long long)s->below,
				(unsigned long long)s->checked, col, show(p, p->min, a),
				p->strict ? " or equal to it" : "");
	if (s->above)
		mlg_strbuf_addf(&msg, "%s%llu of %llu values of %s are above %s%s", msg.len ? "; " : "",
				(unsigned long long)s->above, (unsigned long long)s->checked, col,
				show(p, p->max, a), p->strict ? " or equal to it" : "");
	if (s->not_numeric)
		mlg_strbuf_addf(&msg, "%s%llu of %llu values of %s are not %s", msg.len ? "; " : "",
				(unsigned long long)s->not_numeric, (unsigned long long)s->checked, col,
				p->time ? "timestamps" : "numbers");
	if (mostly < 1)
		mlg_strbuf_addf(&msg, " (%s%% in range, expected at least %s%%)", mlg_format_share(share * 100, a),
				mlg_format_share(mostly * 100, b));
	mlg_result_set(r, MLG_STATUS_FAILED, "%s", msg.buf);
	mlg_strbuf_release(&msg);
}

static const struct mlg_scan_ops scan = { prepare, begin, batch, merge, end, free_state, free };

const struct mlg_check_kind mlg_kind_data_range = {
	.abi = MLG_KIND_ABI,
	.name = "data.range",
	.summary = "numeric (or date/time) values of a column lie within [min, max]; nulls are not checked",
	.params = params,
	.example = "{ \"kind\": \"data.range\", \"dataset\": \"train\", \"column\": \"amount\", \"min\": 0, \"max\": 1e6 }",
	.validate = validate,
	.scan = &scan,
};
