/*
 * data.unique: no two rows share a key (one column, or several together).
 *
 * Exact for any number of rows the memory budget allows: every key is kept
 * with its row in a key set (mlgate/keyset.h) and duplicates are found once
 * the whole file was read, so "the first occurrence" is the first in the
 * file whatever the number of parts.
 */
#include <stdlib.h>
#include <string.h>

#include "mlgate/check.h"
#include "mlgate/keyset.h"
#include "mlgate/suite.h"
#include "util.h"

#define EXAMPLE_TEXT_MAX 200

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "dataset to read" },
	{ "columns", MLG_PARAM_STRINGS, 1, NULL, "the key: one column, or several whose values together must be unique" },
	{ "mostly", MLG_PARAM_FRACTION, 0, "1", "share of rows (with a non-null key) whose key must occur only once" },
	{ "ignore_nulls", MLG_PARAM_BOOLEAN, 0, "true",
	  "rows with a null in the key are not compared (as in SQL); false: null is a value like any other" },
	{ NULL, 0, 0, NULL, NULL }
};

struct plan {
	const char **names;
	size_t n;
	long *index;
	int ignore_nulls;
	int compound;      /* keys are made with struct mlg_keybuf */
	char *subject;     /* "id", "(user_id, day)": for messages */
	char *column;      /* "id", "user_id, day": for examples */
	struct mlg_mem *mem;
	size_t max_examples;
};

struct state {
	struct mlg_keyset *keys;
	uint64_t nulls;    /* rows with a null in the key */
	struct mlg_keyset_batch pending;
	const struct mlg_cell **cells;
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

static void free_plan(void *plan)
{
	struct plan *p = plan;

	if (!p)
		return;
	free(p->names);
	free(p->index);
	free(p->subject);
	free(p->column);
	free(p);
}

static int prepare(void **out, const struct mlg_check *check, struct mlg_scan_setup *setup,
		   struct mlg_result *r)
{
	struct plan *p = mlg_xcalloc(1, sizeof(*p));
	struct mlg_strbuf cols = MLG_STRBUF_INIT;

	*out = p;
	mlg_check_strings(check, "columns", &p->names, &p->n);
	p->ignore_nulls = mlg_check_bool(check, "ignore_nulls", 1);
	/* one column whose nulls are skipped needs no encoding: its bytes are the key */
	p->compound = p->n > 1 || !p->ignore_nulls;
	p->mem = setup->mem;
	p->max_examples = setup->max_examples;
	p->index = mlg_xcalloc(p->n + 1, sizeof(*p->index));
	for (size_t i = 0; i < p->n; i++) {
		p->index[i] = mlg_column_index(setup->columns, setup->ncolumns, p->names[i]);
		if (p->index[i] < 0) {
			mlg_result_no_column(r, check, p->names[i], setup->columns, setup->ncolumns);
			mlg_strbuf_release(&cols);
			return 1;
		}
		mlg_scan_use(setup, (size_t)p->index[i]);
		mlg_strbuf_addf(&cols, "%s%s", i ? ", " : "", p->names[i]);
	}
	p->subject = p->n > 1 ? mlg_xasprintf("(%s)", cols.buf) : mlg_xstrdup(cols.buf);
	p->column = mlg_strbuf_detach(&cols);
	return 0;
}

static void *begin(const void *plan)
{
	const struct plan *p = plan;
	struct state *s = mlg_xcalloc(1, sizeof(*s));

	s->keys = mlg_keyset_new(p->mem, MLG_KEYSET_ROWS);
	s->cells = mlg_xcalloc(p->n + 1, sizeof(*s->cells));
	return s;
}

static int batch(const void *plan, void *state, struct mlg_batch *b, char **error)
{
	const struct plan *p = plan;
	struct state *s = state;

	for (size_t k = 0; k < p->n; k++)
		s->cells[k] = mlg_batch_cells(b, (size_t)p->index[k]);
	for (size_t i = 0; i < b->nrows; i++) {
		uint64_t row = b->first_row + i;

		if (p->compound) {
			if (mlg_keyset_batch_add_cells(&s->pending, s->cells, p->n, i, NULL, 0, row,
						       p->ignore_nulls ? MLG_KEYSET_NULLS_SKIP_ANY
								       : MLG_KEYSET_NULLS_KEEP))
				s->nulls++;
		} else if (s->cells[0][i].is_null) {
			s->nulls++;
		} else {
			mlg_keyset_batch_add(&s->pending, s->cells[0][i].data, s->cells[0][i].len, NULL, 0, row);
		}
	}
	if (mlg_keyset_batch_flush(&s->pending, s->keys) < 0) {
		*error = mlg_xstrdup(mlg_mem_message(p->mem));
		return 1;
	}
	return 0;
}

static void merge(const void *plan, void *into, void *from, uint64_t row_base)
{
	struct state *a = into, *b = from;

	mlg_keyset_merge(a->keys, b->keys, row_base);
	a->nulls += b->nulls;
}

static void free_state(void *state)
{
	struct state *s = state;

	if (!s)
		return;
	mlg_keyset_free(s->keys);
	mlg_keyset_batch_release(&s->pending);
	free(s->cells);
	free(s);
}

static void end(const struct mlg_check *check, const struct mlg_scan_input *in, size_t nin,
		struct mlg_result *r)
{
	const struct plan *p = in[0].plan;
	struct state *s = in[0].state;
	uint64_t nrows = in[0].nrows, compared, unique_rows;
	struct mlg_keyset_counts c;
	struct mlg_keyset_examples ex;
	double mostly = 1, share;
	const char *rows_word;
	char a[32], b[32];

	mlg_check_number(check, "mostly", &mostly);
	mlg_keyset_examples_init(&ex, p->max_examples);
	if (mlg_keyset_count(s->keys, &c, mlg_keyset_examples_offer, &ex) < 0) {
		mlg_keyset_examples_release(&ex);
		mlg_result_set(r, MLG_STATUS_ERROR, "%s", mlg_mem_message(p->mem));
		return;
	}
	compared = c.keys;
	/* a key seen k > 1 times: k - 1 repeats and one first occurrence, none unique */
	unique_rows = compared - c.repeats - c.repeated;
	share = compared ? (double)unique_rows / (double)compared : 1.0;
	cJSON_AddNumberToObject(r->observed, "rows", (double)nrows);
	cJSON_AddNumberToObject(r->observed, "nulls", (double)s->nulls);
	cJSON_AddNumberToObject(r->observed, "distinct_keys", (double)c.distinct);
	cJSON_AddNumberToObject(r->observed, "duplicated_keys", (double)c.repeated);
	cJSON_AddNumberToObject(r->observed, "duplicate_rows", (double)c.repeats);
	cJSON_AddNumberToObject(r->observed, "unique_share", share);
	cJSON_AddNumberToObject(r->expected, "mostly", mostly);
	cJSON_AddBoolToObject(r->expected, "ignore_nulls", p->ignore_nulls);

	mlg_keyset_examples_sort(&ex);
	for (size_t i = 0; i < ex.n; i++) {
		const struct mlg_keyset_example *e = &ex.items[i];
		char *value = mlg_keyset_key_text(e->key, e->key_len, p->compound, EXAMPLE_TEXT_MAX);
		char *why = mlg_xasprintf("same as row %llu", (unsigned long long)e->other_row);
		/* the null of a one-column key (ignore_nulls false) shows as null */
		int null = p->n == 1 && p->compound && e->key_len == 1 && e->key[0] == 0;

		mlg_result_example(r, e->row, p->column, null ? NULL : value, why);
		free(value);
		free(why);
	}
	r->nexamples = c.repeats;
	mlg_keyset_examples_release(&ex);

	rows_word = p->ignore_nulls && s->nulls ? "non-null rows" : "rows";
	if (compared == 0) {
		mlg_result_set(r, MLG_STATUS_PASSED, "no non-null values of %s to compare (%llu row%s)",
			       p->subject, (unsigned long long)nrows, mlg_plural(nrows));
		return;
	}
	if (!c.repeats) {
		if (p->ignore_nulls && s->nulls)
			mlg_result_set(r, MLG_STATUS_PASSED, "all %llu non-null values of %s are unique (%llu null%s not compared)",
				       (unsigned long long)compared, p->subject, (unsigned long long)s->nulls,
				       mlg_plural(s->nulls));
		else
			mlg_result_set(r, MLG_STATUS_PASSED, "all %llu values of %s are unique",
				       (unsigned long long)compared, p->subject);
		return;
	}
	if (share >= mostly) {
		mlg_result_set(r, MLG_STATUS_PASSED,
			       "%llu duplicate row%s of %s (%llu key%s seen more than once) among %llu %s, within mostly = %s",
			       (unsigned long long)c.repeats, mlg_plural(c.repeats), p->subject,
			       (unsigned long long)c.repeated, mlg_plural(c.repeated),
			       (unsigned long long)compared, rows_word, mlg_format_number(mostly, a));
		return;
	}
	if (mostly < 1)
		mlg_result_set(r, MLG_STATUS_FAILED,
			       "%llu duplicate row%s of %s (%llu key%s seen more than once) among %llu %s (%s%% of rows have a unique key, expected at least %s%%)",
			       (unsigned long long)c.repeats, mlg_plural(c.repeats), p->subject,
			       (unsigned long long)c.repeated, mlg_plural(c.repeated),
			       (unsigned long long)compared, rows_word, mlg_format_share(share * 100, a),
			       mlg_format_share(mostly * 100, b));
	else
		mlg_result_set(r, MLG_STATUS_FAILED,
			       "%llu duplicate row%s of %s (%llu key%s seen more than once) among %llu %s",
			       (unsigned long long)c.repeats, mlg_plural(c.repeats), p->subject,
			       (unsigned long long)c.repeated, mlg_plural(c.repeated),
			       (unsigned long long)compared, rows_word);
}

static const struct mlg_scan_ops scan = { prepare, begin, batch, merge, end, free_state, free_plan };

const struct mlg_check_kind mlg_kind_data_unique = {
	.abi = MLG_KIND_ABI,
	.name = "data.unique",
	.summary = "no two rows share a key (a column, or several columns together); exact, with the rows of the duplicates",
	.params = params,
	.example = "{ \"kind\": \"data.unique\", \"dataset\": \"train\", \"columns\": [\"user_id\", \"day\"] }",
	.validate = validate,
	.scan = &scan,
};
