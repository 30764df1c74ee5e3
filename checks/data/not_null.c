/* data.not_null: the share of non-null values in columns, at least `mostly`. */
#include <stdlib.h>
#include <string.h>

#include "mlgate/check.h"
#include "mlgate/suite.h"
#include "util.h"

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "dataset to read" },
	{ "columns", MLG_PARAM_STRINGS, 1, NULL, "column or columns that must not be null" },
	{ "mostly", MLG_PARAM_FRACTION, 0, "1", "share of rows that must be non-null, per column" },
	{ NULL, 0, 0, NULL, NULL }
};

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	const char **names;
	size_t n;

	mlg_check_strings(check, "columns", &names, &n);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(names[i], names[j])) {
				mlg_diag_check(diag, check, "columns", "column '%s' is listed twice", names[i]);
				break;
			}
	free(names);
}

struct plan {
	const char **names;
	size_t n;
	long *index;
	size_t max_examples;
};

struct state {
	uint64_t *nulls;
	size_t n;
	struct mlg_examples ex;
};

static void free_plan(void *p)
{
	struct plan *pl = p;

	if (!pl)
		return;
	free(pl->names);
	free(pl->index);
	free(pl);
}

static int prepare(void **out, const struct mlg_check *check, struct mlg_scan_setup *setup,
		   struct mlg_result *r)
{
	struct plan *p = mlg_xcalloc(1, sizeof(*p));

	*out = p;
	mlg_check_strings(check, "columns", &p->names, &p->n);
	p->index = mlg_xcalloc(p->n + 1, sizeof(*p->index));
	p->max_examples = setup->max_examples;
	for (size_t i = 0; i < p->n; i++) {
		if ((p->index[i] = mlg_scan_column(setup, check, p->names[i], r)) < 0)
			return 1;
	}
	return 0;
}

static void *begin(const void *plan)
{
	const struct plan *p = plan;
	struct state *s = mlg_xcalloc(1, sizeof(*s));

	s->n = p->n;
	s->nulls = mlg_xcalloc(p->n + 1, sizeof(*s->nulls));
	mlg_examples_init(&s->ex, p->max_examples);
	return s;
}

static int batch(const void *plan, void *state, struct mlg_batch *b, char **error)
{
	const struct plan *p = plan;
	struct state *s = state;

	uint64_t all = 0;

	for (size_t c = 0; c < p->n; c++) {
		const struct mlg_cell *cells = mlg_batch_cells(b, (size_t)p->index[c]);
		uint64_t n = 0;

		for (size_t i = 0; i < b->nrows; i++)
			n += cells[i].is_null;
		s->nulls[c] += n;
		all += n;
	}
	if (!all)
		return 0;
	/* examples in row order, across the columns */
	for (size_t i = 0; i < b->nrows && mlg_examples_want(&s->ex); i++)
		for (size_t c = 0; c < p->n; c++)
			if (mlg_batch_cells(b, (size_t)p->index[c])[i].is_null)
				mlg_examples_add(&s->ex, b->first_row + i, p->names[c], NULL, 0, "null");
	return 0;
}

static void merge(const void *plan, void *into, void *from, uint64_t row_base)
{
	struct state *a = into, *b = from;

	for (size_t c = 0; c < a->n; c++)
		a->nulls[c] += b->nulls[c];
	mlg_examples_merge(&a->ex, &b->ex, row_base);
}

static void free_state(void *state)
{
	struct state *s = state;

	if (!s)
		return;
	free(s->nulls);
	mlg_examples_release(&s->ex);
	free(s);
}

static void end(const struct mlg_check *check, const struct mlg_scan_input *in, size_t nin,
		struct mlg_result *r)
{
	const struct plan *s = in[0].plan;
	struct state *st = in[0].state;
	uint64_t nrows = in[0].nrows;
	double mostly = 1;
	cJSON *nulls = cJSON_AddObjectToObject(r->observed, "nulls");
	cJSON *share = cJSON_AddObjectToObject(r->observed, "non_null_share");
	struct mlg_strbuf msg = MLG_STRBUF_INIT;
	size_t bad = 0;
	char a[32], b[32];

	mlg_check_number(check, "mostly", &mostly);
	mlg_examples_emit(&st->ex, r);
	cJSON_AddNumberToObject(r->observed, "rows", (double)nrows);
	cJSON_AddNumberToObject(r->expected, "mostly", mostly);
	for (size_t i = 0; i < s->n; i++) {
		double ok = nrows ? (double)(nrows - st->nulls[i]) / (double)nrows : 1.0;

		cJSON_AddNumberToObject(nulls, s->names[i], (double)st->nulls[i]);
		cJSON_AddNumberToObject(share, s->names[i], ok);
		if (ok < mostly) {
			mlg_strbuf_addf(&msg, "%s%llu of %llu values of %s are null (%s%% non-null, expected at least %s%%)",
					bad++ ? "; " : "", (unsigned long long)st->nulls[i],
					(unsigned long long)nrows, s->names[i],
					mlg_format_share(ok * 100, a), mlg_format_share(mostly * 100, b));
		}
	}
	{
		/* examples stop being offered once enough are kept: count them all here */
		uint64_t all = 0;

		for (size_t i = 0; i < s->n; i++)
			all += st->nulls[i];
		r->nexamples = all;
	}
	if (bad)
		mlg_result_set(r, MLG_STATUS_FAILED, "%s", msg.buf);
	else
		mlg_result_set(r, MLG_STATUS_PASSED, "no nulls beyond the allowed share in %zu column%s of %llu row%s",
			       s->n, mlg_plural(s->n), (unsigned long long)nrows, mlg_plural(nrows));
	mlg_strbuf_release(&msg);
}

static const struct mlg_scan_ops scan = { prepare, begin, batch, merge, end, free_state, free_plan };

const struct mlg_check_kind mlg_kind_data_not_null = {
	.abi = MLG_KIND_ABI,
	.name = "data.not_null",
	.summary = "columns have no nulls (empty cells), or at most 1 - mostly of them",
	.params = params,
	.validate = validate,
	.example = "{ \"kind\": \"data.not_null\", \"dataset\": \"train\", \"columns\": [\"amount\", \"country\"], \"mostly\": 0.99 }",
	.scan = &scan,
};
