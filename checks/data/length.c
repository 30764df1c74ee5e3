/*
 * data.length: the lengths of the non-null values of a column, in
 * characters (Unicode code points, not bytes), lie within [min, max].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/check.h"
#include "mlgate/suite.h"
#include "mlgate/textmatch.h"
#include "util.h"

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "dataset to read" },
	{ "column", MLG_PARAM_STRING, 1, NULL, "column to check" },
	{ "min", MLG_PARAM_INTEGER, 0, NULL, "fewest characters a value may have (code points, not bytes)" },
	{ "max", MLG_PARAM_INTEGER, 0, NULL, "most characters a value may have (code points, not bytes)" },
	{ "mostly", MLG_PARAM_FRACTION, 0, "1", "share of non-null values whose length must be within bounds" },
	{ NULL, 0, 0, NULL, NULL }
};

struct plan {
	const char *column;
	long index;
	int has_min, has_max;
	uint64_t min, max;
	size_t max_examples;
};

struct state {
	uint64_t nulls, non_null, too_short, too_long;
	uint64_t seen_min, seen_max;
	struct mlg_examples ex;
};

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	double v;

	mlg_check_bounds(check, diag, "min", "max");
	if (mlg_check_number(check, "min", &v) && v < 0)
		mlg_diag_check(diag, check, "min", "a length cannot be negative");
	if (mlg_check_number(check, "max", &v) && v < 0)
		mlg_diag_check(diag, check, "max", "a length cannot be negative");
}

static int prepare(void **out, const struct mlg_check *check, struct mlg_scan_setup *setup,
		   struct mlg_result *r)
{
	struct plan *p = mlg_xcalloc(1, sizeof(*p));
	double v;

	*out = p;
	p->column = mlg_check_string(check, "column");
	if ((p->has_min = mlg_check_number(check, "min", &v)))
		p->min = (uint64_t)v;
	if ((p->has_max = mlg_check_number(check, "max", &v)))
		p->max = (uint64_t)v;
	p->max_examples = setup->max_examples;
	if ((p->index = mlg_scan_column(setup, check, p->column, r)) < 0)
		return 1;
	return 0;
}

static void *begin(const void *plan)
{
	const struct plan *p = plan;
	struct state *s = mlg_xcalloc(1, sizeof(*s));

	s->seen_min = UINT64_MAX;
	mlg_examples_init(&s->ex, p->max_examples);
	return s;
}

static int batch(const void *plan, void *state, struct mlg_batch *b, char **error)
{
	const struct plan *p = plan;
	struct state *s = state;
	const struct mlg_cell *cells = mlg_batch_cells(b, (size_t)p->index);
	uint64_t lo = p->has_min ? p->min : 0, hi = p->has_max ? p->max : UINT64_MAX;

	for (size_t i = 0; i < b->nrows; i++) {
		const struct mlg_cell *c = &cells[i];
		uint64_t n;

		if (c->is_null) {
			s->nulls++;
			continue;
		}
		s->non_null++;
		n = mlg_textmatch_utf8_chars(c->data, c->len, NULL);
		if (n < s->seen_min)
			s->seen_min = n;
		if (n > s->seen_max)
			s->seen_max = n;
		if (n < lo) {
			s->too_short++;
			if (mlg_examples_want(&s->ex)) {
				char why[64];

				snprintf(why, sizeof(why), "%llu character%s, fewer than %llu", (unsigned long long)n,
					 mlg_plural(n), (unsigned long long)lo);
				mlg_examples_add(&s->ex, b->first_row + i, p->column, c->data, c->len, why);
			}
		} else if (n > hi) {
			s->too_long++;
			if (mlg_examples_want(&s->ex)) {
				char why[64];

				snprintf(why, sizeof(why), "%llu character%s, more than %llu", (unsigned long long)n,
					 mlg_plural(n), (unsigned long long)hi);
				mlg_examples_add(&s->ex, b->first_row + i, p->column, c->data, c->len, why);
			}
		}
	}
	return 0;
}

static void merge(const void *plan, void *into, void *from, uint64_t row_base)
{
	struct state *a = into, *b = from;

	a->nulls += b->nulls;
	a->non_null += b->non_null;
	a->too_short += b->too_short;
	a->too_long += b->too_long;
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

/* "3 to 20 characters", "at least 3 characters", "at most 20 characters" */
static void bounds_text(const struct plan *p, char *buf, size_t size)
{
	if (p->has_min && p->has_max && p->min == p->max)
		snprintf(buf, size, "exactly %llu character%s", (unsigned long long)p->min, mlg_plural(p->min));
	else if (p->has_min && p->has_max)
		snprintf(buf, size, "%llu to %llu characters", (unsigned long long)p->min,
			 (unsigned long long)p->max);
	else if (p->has_min)
		snprintf(buf, size, "at least %llu character%s", (unsigned long long)p->min, mlg_plural(p->min));
	else
		snprintf(buf, size, "at most %llu character%s", (unsigned long long)p->max, mlg_plural(p->max));
}

static void end(const struct mlg_check *check, const struct mlg_scan_input *in, size_t nin,
		struct mlg_result *r)
{
	const struct plan *p = in[0].plan;
	struct state *s = in[0].state;
	uint64_t nrows = in[0].nrows;
	const char *col = p->column;
	uint64_t bad = s->too_short + s->too_long;
	double mostly = 1, share;
	struct mlg_strbuf msg = MLG_STRBUF_INIT;
	char a[32], b[32], bounds[96];

	mlg_check_number(check, "mostly", &mostly);
	mlg_examples_emit(&s->ex, r);
	/* examples stop being offered once enough are kept: count them all here */
	r->nexamples = bad;
	bounds_text(p, bounds, sizeof(bounds));
	share = s->non_null ? (double)(s->non_null - bad) / (double)s->non_null : 1.0;
	cJSON_AddNumberToObject(r->observed, "rows", (double)nrows);
	cJSON_AddNumberToObject(r->observed, "nulls", (double)s->nulls);
	cJSON_AddNumberToObject(r->observed, "non_null", (double)s->non_null);
	cJSON_AddNumberToObject(r->observed, "too_short", (double)s->too_short);
	cJSON_AddNumberToObject(r->observed, "too_long", (double)s->too_long);
	if (s->non_null) {
		cJSON_AddNumberToObject(r->observed, "min_length", (double)s->seen_min);
		cJSON_AddNumberToObject(r->observed, "max_length", (double)s->seen_max);
	}
	cJSON_AddNumberToObject(r->observed, "share", share);
	if (p->has_min)
		cJSON_AddNumberToObject(r->expected, "min", (double)p->min);
	if (p->has_max)
		cJSON_AddNumberToObject(r->expected, "max", (double)p->max);
	cJSON_AddNumberToObject(r->expected, "mostly", mostly);

	if (s->non_null == 0) {
		mlg_result_set(r, MLG_STATUS_PASSED, "no non-null values of %s to check (%llu row%s)", col,
			       (unsigned long long)nrows, mlg_plural(nrows));
		return;
	}
	if (share >= mostly) {
		if (bad)
			mlg_result_set(r, MLG_STATUS_PASSED,
				       "%llu of %llu values of %s are out of bounds (%s), within mostly = %s",
				       (unsigned long long)bad, (unsigned long long)s->non_null, col, bounds,
				       mlg_format_number(mostly, a));
		else
			mlg_result_set(r, MLG_STATUS_PASSED, "all %llu values of %s have %s (observed %llu to %llu)",
				       (unsigned long long)s->non_null, col, bounds, (unsigned long long)s->seen_min,
				       (unsigned long long)s->seen_max);
		return;
	}
	if (s->too_short)
		mlg_strbuf_addf(&msg, "%llu of %llu values of %s are shorter than %llu character%s",
				(unsigned long long)s->too_short, (unsigned long long)s->non_null, col,
				(unsigned long long)p->min, mlg_plural(p->min));
	if (s->too_long)
		mlg_strbuf_addf(&msg, "%s%llu of %llu values of %s are longer than %llu character%s",
				msg.len ? "; " : "", (unsigned long long)s->too_long,
				(unsigned long long)s->non_null, col, (unsigned long long)p->max, mlg_plural(p->max));
	if (mostly < 1)
		mlg_strbuf_addf(&msg, " (%s%% within bounds, expected at least %s%%)",
				mlg_format_share(share * 100, a), mlg_format_share(mostly * 100, b));
	mlg_result_set(r, MLG_STATUS_FAILED, "%s", msg.buf);
	mlg_strbuf_release(&msg);
}

static const struct mlg_scan_ops scan = { prepare, begin, batch, merge, end, free_state, free };

const struct mlg_check_kind mlg_kind_data_length = {
	.abi = MLG_KIND_ABI,
	.name = "data.length",
	.summary = "non-null values of a column have between min and max characters (code points, not bytes)",
	.params = params,
	.example = "{ \"kind\": \"data.length\", \"dataset\": \"train\", \"column\": \"country\", \"min\": 2, \"max\": 2 }",
	.validate = validate,
	.scan = &scan,
};
