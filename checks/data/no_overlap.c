/*
 * data.no_overlap: no row of a dataset has its key (or, by default, the
 * whole row) in another dataset: leakage between a training and a test
 * split.
 *
 * Both datasets are read into key sets (mlgate/keyset.h); the other one
 * keeps only the first occurrence of each key, so its memory follows its
 * distinct keys. The comparison is exact.
 */
#include <stdlib.h>
#include <string.h>

#include "mlgate/check.h"
#include "mlgate/keyset.h"
#include "mlgate/suite.h"
#include "util.h"

#define EXAMPLE_TEXT_MAX 200

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "dataset whose rows must not appear in the other (e.g. train)" },
	{ "other", MLG_PARAM_DATASET, 1, NULL, "the dataset to compare with (e.g. test)" },
	{ "columns", MLG_PARAM_STRINGS, 0, NULL,
	  "the key compared (one column or several); default: whole rows, all columns matched by name" },
	{ "max_share", MLG_PARAM_FRACTION, 0, "0", "highest share of rows of dataset allowed to appear in other" },
	{ NULL, 0, 0, NULL, NULL }
};

/* One per dataset: how its rows become keys. */
struct plan {
	int other;         /* this plan reads "other" */
	int whole_row;     /* no "columns": every column, in the order of their names */
	size_t n;
	long *index;       /* the key's columns in this dataset, in key order */
	char **names;      /* whole rows: the names, sorted (copies) */
	int compound;      /* keys are made with struct mlg_keybuf */
	char *subject;     /* "id", "(user_id, day)": for messages */
	char *column;      /* "id", "user_id, day": for examples; NULL for whole rows */
	struct mlg_mem *mem;
	size_t max_examples;
};

struct state {
	struct mlg_keyset *keys;
	uint64_t null_keys; /* rows whose key is null in every part: not compared */
	struct mlg_keyset_batch pending;
	const struct mlg_cell **cells;
};

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	const char *dataset = mlg_check_string(check, "dataset");
	const char *other = mlg_check_string(check, "other");
	const char **names;
	size_t n;

	if (dataset && other && !strcmp(dataset, other))
		mlg_diag_check(diag, check, "other", "\"other\" names the same dataset as \"dataset\"");
	if (mlg_check_strings(check, "columns", &names, &n)) {
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < i; j++)
				if (!strcmp(names[i], names[j])) {
					mlg_diag_check(diag, check, "columns", "column '%s' is listed twice", names[i]);
					break;
				}
		free(names);
	}
}

static void free_plan(void *plan)
{
	struct plan *p = plan;

	if (!p)
		return;
	for (size_t i = 0; p->names && i < p->n; i++)
		free(p->names[i]);
	free(p->names);
	free(p->index);
	free(p->subject);
	free(p->column);
	free(p);
}

/* mlg_result_no_column() for either dataset. */
static void no_column(struct mlg_result *r, const struct mlg_dataset *d, const char *name,
		      const char *const *columns, size_t n)
{
	struct mlg_strbuf list = MLG_STRBUF_INIT;

	for (size_t i = 0, shown = 0; i < n && shown < 20; i++)
		if (*columns[i])
			mlg_strbuf_addf(&list, "%s%s", shown++ ? ", " : "", columns[i]);
	mlg_result_set(r, MLG_STATUS_ERROR, "dataset '%s' has no column '%s' (columns: %s)", d->name, name,
		       mlg_strbuf_str(&list));
	mlg_strbuf_release(&list);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int prepare(void **out, const struct mlg_check *check, struct mlg_scan_setup *setup,
		   struct mlg_result *r)
{
	struct plan *p = mlg_xcalloc(1, sizeof(*p));
	const char **names;
	size_t n;

	*out = p;
	p->other = !strcmp(setup->param, "other");
	p->mem = setup->mem;
	p->max_examples = setup->max_examples;
	if (mlg_check_strings(check, "columns", &names, &n)) {
		struct mlg_strbuf cols = MLG_STRBUF_INIT;

		p->n = n;
		p->index = mlg_xcalloc(n + 1, sizeof(*p->index));
		for (size_t i = 0; i < n; i++) {
			p->index[i] = mlg_column_index(setup->columns, setup->ncolumns, names[i]);
			if (p->index[i] < 0) {
				no_column(r, setup->dataset, names[i], setup->columns, setup->ncolumns);
				mlg_strbuf_release(&cols);
				free(names);
				return 1;
			}
			mlg_scan_use(setup, (size_t)p->index[i]);
			mlg_strbuf_addf(&cols, "%s%s", i ? ", " : "", names[i]);
		}
		p->subject = n > 1 ? mlg_xasprintf("(%s)", cols.buf) : mlg_xstrdup(cols.buf);
		p->column = mlg_strbuf_detach(&cols);
		free(names);
	} else {
		/* whole rows: the columns in name order, so that both datasets agree */
		p->whole_row = 1;
		p->names = mlg_xcalloc(setup->ncolumns + 1, sizeof(*p->names));
		for (size_t i = 0; i < setup->ncolumns; i++)
			if (*setup->columns[i])
				p->names[p->n++] = mlg_xstrdup(setup->columns[i]);
		qsort(p->names, p->n, sizeof(*p->names), by_name);
		for (size_t i = 1; i < p->n; i++)
			if (!strcmp(p->names[i], p->names[i - 1])) {
				mlg_result_set(r, MLG_STATUS_ERROR,
					       "dataset '%s' has two columns named '%s': rows cannot be matched by column name; name the key in \"columns\"",
					       setup->dataset->name, p->names[i]);
				return 1;
			}
		p->index = mlg_xcalloc(p->n + 1, sizeof(*p->index));
		for (size_t i = 0; i < p->n; i++) {
			p->index[i] = mlg_column_index(setup->columns, setup->ncolumns, p->names[i]);
			mlg_scan_use(setup, (size_t)p->index[i]);
		}
		p->subject = mlg_xstrdup("whole rows");
	}
	p->compound = p->n > 1;
	return 0;
}

static void *begin(const void *plan)
{
	const struct plan *p = plan;
	struct state *s = mlg_xcalloc(1, sizeof(*s));

	/* of the other dataset, only the first row of each key is ever shown */
	s->keys = mlg_keyset_new(p->mem, MLG_KEYSET_ROWS | (p->other ? MLG_KEYSET_FIRST_ONLY : 0));
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
						       MLG_KEYSET_NULLS_SKIP_ALL) == p->n)
				s->null_keys++;
		} else if (s->cells[0][i].is_null) {
			s->null_keys++;
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
	a->null_keys += b->null_keys;
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

/* Whole rows: both datasets must have the same column names. 0, or -1 with r set. */
static int same_columns(const struct plan *a, const struct plan *b, const char *aname,
			const char *bname, struct mlg_result *r)
{
	struct mlg_strbuf only_a = MLG_STRBUF_INIT, only_b = MLG_STRBUF_INIT;
	size_t i = 0, j = 0;

	/* both lists are sorted: a merge finds the differences */
	while (i < a->n || j < b->n) {
		int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->names[i], b->names[j]);

		if (c < 0)
			mlg_strbuf_addf(&only_a, "%s%s", only_a.len ? ", " : "", a->names[i++]);
		else if (c > 0)
			mlg_strbuf_addf(&only_b, "%s%s", only_b.len ? ", " : "", b->names[j++]);
		else
			i++, j++;
	}
	if (only_a.len || only_b.len) {
		struct mlg_strbuf msg = MLG_STRBUF_INIT;

		mlg_strbuf_addf(&msg, "'%s' and '%s' do not have the same columns, so whole rows cannot be compared (",
				aname, bname);
		if (only_a.len)
			mlg_strbuf_addf(&msg, "only in '%s': %s", aname, only_a.buf);
		if (only_b.len)
			mlg_strbuf_addf(&msg, "%sonly in '%s': %s", only_a.len ? "; " : "", bname, only_b.buf);
		mlg_strbuf_addstr(&msg, "); name the key in \"columns\"");
		mlg_result_set(r, MLG_STATUS_ERROR, "%s", msg.buf);
		mlg_strbuf_release(&msg);
	}
	mlg_strbuf_release(&only_a);
	mlg_strbuf_release(&only_b);
	return r->status == MLG_STATUS_ERROR ? -1 : 0;
}

/* A key as examples show it; whole rows in the dataset's column order. */
static char *example_value(const struct plan *p, const struct mlg_keyset_example *e)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	const char **parts;
	size_t *lens, n;
	char *text;

	if (!p->whole_row || !p->compound)
		return mlg_keyset_key_text(e->key, e->key_len, p->compound, EXAMPLE_TEXT_MAX);
	parts = mlg_xcalloc(p->n, sizeof(*parts));
	lens = mlg_xcalloc(p->n, sizeof(*lens));
	n = mlg_keyset_key_parts(e->key, e->key_len, parts, lens, p->n);
	/* the parts are in name order: show them in the order of the file */
	for (long col = 0, shown = 0; n == p->n && shown < (long)n; col++)
		for (size_t k = 0; k < n; k++)
			if (p->index[k] == col) {
				if (shown++)
					mlg_strbuf_addstr(&sb, ", ");
				if (parts[k])
					mlg_strbuf_add(&sb, parts[k], lens[k]);
				else
					mlg_strbuf_addstr(&sb, "(null)");
			}
	free(parts);
	free(lens);
	text = mlg_strbuf_detach(&sb);
	if (strlen(text) > EXAMPLE_TEXT_MAX) {
		/* mlg_keyset_key_text() cuts at a character */
		char *cut = mlg_keyset_key_text(text, strlen(text), 0, EXAMPLE_TEXT_MAX);

		free(text);
		text = cut;
	}
	return text;
}

static void end(const struct mlg_check *check, const struct mlg_scan_input *in, size_t nin,
		struct mlg_result *r)
{
	const struct plan *p = in[0].plan, *q = in[1].plan;
	struct state *s = in[0].state, *t = in[1].state;
	const char *name = in[0].dataset->name, *other = in[1].dataset->name;
	uint64_t compared = mlg_keyset_size(s->keys);
	struct mlg_keyset_overlap o;
	struct mlg_keyset_examples ex;
	double max_share = 0, share;
	char a[32], b[32];

	if (p->whole_row && same_columns(p, q, name, other, r) < 0)
		return;
	mlg_check_number(check, "max_share", &max_share);
	mlg_keyset_examples_init(&ex, p->max_examples);
	if (mlg_keyset_overlap(s->keys, t->keys, &o, mlg_keyset_examples_offer, &ex) < 0) {
		mlg_keyset_examples_release(&ex);
		mlg_result_set(r, MLG_STATUS_ERROR, "%s", mlg_mem_message(p->mem));
		return;
	}
	share = compared ? (double)o.rows / (double)compared : 0;
	cJSON_AddNumberToObject(r->observed, "rows", (double)in[0].nrows);
	cJSON_AddNumberToObject(r->observed, "other_rows", (double)in[1].nrows);
	cJSON_AddNumberToObject(r->observed, "null_keys", (double)s->null_keys);
	cJSON_AddNumberToObject(r->observed, "overlapping_keys", (double)o.keys);
	cJSON_AddNumberToObject(r->observed, "overlapping_rows", (double)o.rows);
	cJSON_AddNumberToObject(r->observed, "overlap_share", share);
	cJSON_AddNumberToObject(r->expected, "max_share", max_share);

	mlg_keyset_examples_sort(&ex);
	for (size_t i = 0; i < ex.n; i++) {
		const struct mlg_keyset_example *e = &ex.items[i];
		char *value = example_value(p, e);
		char *why = mlg_xasprintf("also row %llu of '%s'", (unsigned long long)e->other_row, other);

		mlg_result_example(r, e->row, p->column, value, why);
		free(value);
		free(why);
	}
	r->nexamples = o.rows;
	mlg_keyset_examples_release(&ex);

	if (!o.rows) {
		if (p->whole_row)
			mlg_result_set(r, MLG_STATUS_PASSED, "no row of '%s' (%llu row%s) appears in '%s' (%llu row%s)",
				       name, (unsigned long long)in[0].nrows, mlg_plural(in[0].nrows), other,
				       (unsigned long long)in[1].nrows, mlg_plural(in[1].nrows));
		else
			mlg_result_set(r, MLG_STATUS_PASSED, "no row of '%s' (%llu row%s) shares %s with '%s' (%llu row%s)",
				       name, (unsigned long long)in[0].nrows, mlg_plural(in[0].nrows), p->subject,
				       other, (unsigned long long)in[1].nrows, mlg_plural(in[1].nrows));
		return;
	}
	{
		struct mlg_strbuf msg = MLG_STRBUF_INIT;

		mlg_strbuf_addf(&msg, "%llu of %llu rows of '%s' ", (unsigned long long)o.rows,
				(unsigned long long)compared, name);
		if (p->whole_row)
			mlg_strbuf_addf(&msg, "also appear in '%s' (%llu distinct row%s)", other,
					(unsigned long long)o.keys, mlg_plural(o.keys));
		else
			mlg_strbuf_addf(&msg, "share %s with '%s' (%llu distinct key%s)", p->subject, other,
					(unsigned long long)o.keys, mlg_plural(o.keys));
		if (share <= max_share) {
			mlg_strbuf_addf(&msg, ", within max_share = %s", mlg_format_number(max_share, a));
			mlg_result_set(r, MLG_STATUS_PASSED, "%s", msg.buf);
		} else {
			if (max_share > 0)
				mlg_strbuf_addf(&msg, ": %s%%, expected at most %s%%", mlg_format_share(share * 100, a),
						mlg_format_share(max_share * 100, b));
			mlg_result_set(r, MLG_STATUS_FAILED, "%s", msg.buf);
		}
		mlg_strbuf_release(&msg);
	}
}

/* "train/test.user_id": two checks of one dataset against different others differ */
static char *target(const struct mlg_check *check)
{
	const char *dataset = mlg_check_string(check, "dataset"), *other = mlg_check_string(check, "other");
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	const char **names;
	size_t n;

	mlg_strbuf_addf(&sb, "%s/%s", dataset ? dataset : "?", other ? other : "?");
	if (mlg_check_strings(check, "columns", &names, &n)) {
		for (size_t i = 0; i < n; i++)
			mlg_strbuf_addf(&sb, "%s%s", i ? "+" : ".", names[i]);
		free(names);
	}
	return mlg_strbuf_detach(&sb);
}

static const struct mlg_scan_ops scan = { prepare, begin, batch, merge, end, free_state, free_plan };

const struct mlg_check_kind mlg_kind_data_no_overlap = {
	.abi = MLG_KIND_ABI,
	.name = "data.no_overlap",
	.summary = "no row of a dataset appears in another (train/test leakage), by key columns or whole rows; exact",
	.params = params,
	.example = "{ \"kind\": \"data.no_overlap\", \"dataset\": \"train\", \"other\": \"test\", \"columns\": \"user_id\" }",
	.validate = validate,
	.target = target,
	.scan = &scan,
};
