/*
 * data.distinct: the number (or share) of distinct non-null values of a
 * column lies within bounds.
 *
 * Exact: every distinct value is kept in a key set (mlgate/keyset.h) that
 * drops repeats as it fills, so memory follows the distinct values, not
 * the rows.
 */
#include <stdlib.h>
#include <string.h>

#include "mlgate/check.h"
#include "mlgate/keyset.h"
#include "mlgate/suite.h"
#include "util.h"

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "dataset to read" },
	{ "column", MLG_PARAM_STRING, 1, NULL, "column whose distinct non-null values are counted (as text)" },
	{ "min", MLG_PARAM_INTEGER, 0, NULL, "fewest distinct values allowed" },
	{ "max", MLG_PARAM_INTEGER, 0, NULL, "most distinct values allowed" },
	{ "min_share", MLG_PARAM_FRACTION, 0, NULL, "lowest share of distinct values among the non-null values" },
	{ "max_share", MLG_PARAM_FRACTION, 0, NULL, "highest share of distinct values among the non-null values" },
	{ NULL, 0, 0, NULL, NULL }
};

struct plan {
	const char *column;
	long index;
	struct mlg_mem *mem;
};

struct state {
	struct mlg_keyset *values;
	uint64_t nulls;
	struct mlg_keyset_batch pending;
};

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	double lo, hi, slo, shi;
	int has_lo = mlg_check_number(check, "min", &lo);
	int has_hi = mlg_check_number(check, "max", &hi);
	int has_slo = mlg_check_number(check, "min_share", &slo);
	int has_shi = mlg_check_number(check, "max_share", &shi);
	char a[32], b[32];

	if (!has_lo && !has_hi && !has_slo && !has_shi)
		mlg_diag_check(diag, check, NULL,
			       "data.distinct needs at least one of \"min\", \"max\", \"min_share\", \"max_share\"");
	if ((has_lo && lo < 0) || (has_hi && hi < 0))
		mlg_diag_check(diag, check, has_lo && lo < 0 ? "min" : "max",
			       "a number of distinct values cannot be negative");
	else if (has_lo && has_hi && lo > hi)
		mlg_diag_check(diag, check, "min", "\"min\" (%s) is greater than \"max\" (%s)",
			       mlg_format_number(lo, a), mlg_format_number(hi, b));
	if (has_slo && has_shi && slo > shi)
		mlg_diag_check(diag, check, "min_share", "\"min_share\" (%s) is greater than \"max_share\" (%s)",
			       mlg_format_number(slo, a), mlg_format_number(shi, b));
}

static int prepare(void **out, const struct mlg_check *check, struct mlg_scan_setup *setup,
		   struct mlg_result *r)
{
	struct plan *p = mlg_xcalloc(1, sizeof(*p));

	*out = p;
	p->column = mlg_check_string(check, "column");
	p->mem = setup->mem;
	if ((p->index = mlg_scan_column(setup, check, p->column, r)) < 0)
		return 1;
	return 0;
}

static void *begin(const void *plan)
{
	const struct plan *p = plan;
	struct state *s = mlg_xcalloc(1, sizeof(*s));

	/* only whether a value was seen matters: repeats may be dropped early */
	s->values = mlg_keyset_new(p->mem, MLG_KEYSET_FIRST_ONLY);
	return s;
}

static int batch(const void *plan, void *state, struct mlg_batch *b, char **error)
{
	const struct plan *p = plan;
	struct state *s = state;
	const struct mlg_cell *cells = mlg_batch_cells(b, (size_t)p->index);

	for (size_t i = 0; i < b->nrows; i++) {
		if (cells[i].is_null)
			s->nulls++;
		else
			mlg_keyset_batch_add(&s->pending, cells[i].data, cells[i].len, NULL, 0, b->first_row + i);
	}
	if (mlg_keyset_batch_flush(&s->pending, s->values) < 0) {
		*error = mlg_xstrdup(mlg_mem_message(p->mem));
		return 1;
	}
	return 0;
}

static void merge(const void *plan, void *into, void *from, uint64_t row_base)
{
	struct state *a = into, *b = from;

	mlg_keyset_merge(a->values, b->values, row_base);
	a->nulls += b->nulls;
}

static void free_state(void *state)
{
	struct state *s = state;

	if (!s)
		return;
	mlg_keyset_free(s->values);
	mlg_keyset_batch_release(&s->pending);
	free(s);
}

static void end(const struct mlg_check *check, const struct mlg_scan_input *in, size_t nin,
		struct mlg_result *r)
{
	const struct plan *p = in[0].plan;
	struct state *s = in[0].state;
	uint64_t nrows = in[0].nrows, non_null = nrows - s->nulls, distinct;
	struct mlg_keyset_counts c;
	double lo = 0, hi = 0, slo = 0, shi = 0, share;
	int has_lo = mlg_check_number(check, "min", &lo);
	int has_hi = mlg_check_number(check, "max", &hi);
	int has_slo = mlg_check_number(check, "min_share", &slo);
	int has_shi = mlg_check_number(check, "max_share", &shi);
	int failed = 0;
	struct mlg_strbuf msg = MLG_STRBUF_INIT;
	char a[32], b[32];

	if (mlg_keyset_count(s->values, &c, NULL, NULL) < 0) {
		mlg_result_set(r, MLG_STATUS_ERROR, "%s", mlg_mem_message(p->mem));
		return;
	}
	distinct = c.distinct;
	share = non_null ? (double)distinct / (double)non_null : 0;
	cJSON_AddNumberToObject(r->observed, "rows", (double)nrows);
	cJSON_AddNumberToObject(r->observed, "nulls", (double)s->nulls);
	cJSON_AddNumberToObject(r->observed, "non_null", (double)non_null);
	cJSON_AddNumberToObject(r->observed, "distinct", (double)distinct);
	if (non_null)
		cJSON_AddNumberToObject(r->observed, "share", share);
	if (has_lo)
		cJSON_AddNumberToObject(r->expected, "min", lo);
	if (has_hi)
		cJSON_AddNumberToObject(r->expected, "max", hi);
	if (has_slo)
		cJSON_AddNumberToObject(r->expected, "min_share", slo);
	if (has_shi)
		cJSON_AddNumberToObject(r->expected, "max_share", shi);

	if (!non_null && !has_lo && !has_hi) {
		mlg_result_set(r, MLG_STATUS_PASSED, "no non-null values of %s (%llu row%s)", p->column,
			       (unsigned long long)nrows, mlg_plural(nrows));
		return;
	}
	mlg_strbuf_addf(&msg, "%llu distinct value%s of %s among %llu non-null value%s",
			(unsigned long long)distinct, mlg_plural(distinct), p->column,
			(unsigned long long)non_null, mlg_plural(non_null));
	if (has_lo && (double)distinct < lo) {
		mlg_strbuf_addf(&msg, ", expected at least %s", mlg_format_number(lo, a));
		failed = 1;
	} else if (has_hi && (double)distinct > hi) {
		mlg_strbuf_addf(&msg, ", expected at most %s", mlg_format_number(hi, a));
		failed = 1;
	}
	/* the share says nothing without values */
	if (non_null && has_slo && share < slo) {
		mlg_strbuf_addf(&msg, " (%s%% distinct, expected at least %s%%)", mlg_format_share(share * 100, a),
				mlg_format_share(slo * 100, b));
		failed = 1;
	} else if (non_null && has_shi && share > shi) {
		mlg_strbuf_addf(&msg, " (%s%% distinct, expected at most %s%%)", mlg_format_share(share * 100, a),
				mlg_format_share(shi * 100, b));
		failed = 1;
	} else if (non_null && (has_slo || has_shi)) {
		mlg_strbuf_addf(&msg, " (%s%% distinct)", mlg_format_share(share * 100, a));
	}
	mlg_result_set(r, failed ? MLG_STATUS_FAILED : MLG_STATUS_PASSED, "%s", msg.buf);
	mlg_strbuf_release(&msg);
}

static const struct mlg_scan_ops scan = { prepare, begin, batch, merge, end, free_state, free };

const struct mlg_check_kind mlg_kind_data_distinct = {
	.abi = MLG_KIND_ABI,
	.name = "data.distinct",
	.summary = "the number, or share, of distinct non-null values of a column lies within bounds (exact)",
	.params = params,
	.example = "{ \"kind\": \"data.distinct\", \"dataset\": \"train\", \"column\": \"country\", \"min\": 2, \"max\": 250 }",
	.validate = validate,
	.scan = &scan,
};
