/*
 * Reading a predictions dataset: every row's label, predicted label or
 * value, scores and slice values are kept in memory, in file order, so
 * that the evaluation can sort once and cut any number of slices and
 * bootstrap resamples out of the same arrays.
 *
 * Labels and slice values are kept as ids into per-part tables of their
 * texts (first occurrence first); merging re-maps the next part's ids into
 * the merged table, so ids, like everything else, follow file order and do
 * not depend on how the file was cut.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/batch.h"
#include "mlgate/modeleval.h"
#include "mlgate/suite.h"
#include "model_internal.h"
#include "util.h"

/* The text a null slice value is kept as: no CSV cell is a lone NUL byte. */
static const char null_text[1] = { 0 };

static void free_plan(void *p)
{
	struct model_plan *plan = p;

	if (!plan)
		return;
	free(plan->classcol);
	free(plan->groupcol);
	free(plan);
}

static int prepare(void **out_plan, const struct mlg_check *check, struct mlg_scan_setup *setup,
		   struct mlg_result *out)
{
	struct model_spec spec;
	struct model_plan *plan = mlg_xcalloc(1, sizeof(*plan));
	int is_baseline = strcmp(setup->param, "dataset") != 0;

	*out_plan = plan;
	model_spec_parse(check, &spec, NULL);
	plan->task = spec.task;
	plan->check = check;
	plan->mem = setup->mem;
	plan->columns = setup->columns;
	plan->label = plan->score = plan->pred = -1;
	if ((plan->label = mlg_scan_column(setup, check, spec.label, out)) < 0)
		goto fail;
	if (spec.prediction && (plan->pred = mlg_scan_column(setup, check, spec.prediction, out)) < 0)
		goto fail;
	if (spec.score && (plan->score = mlg_scan_column(setup, check, spec.score, out)) < 0)
		goto fail;
	plan->nclasscols = spec.nclass_cols;
	plan->classcol = mlg_xcalloc(spec.nclass_cols + 1, sizeof(long));
	for (size_t c = 0; c < spec.nclass_cols; c++)
		if ((plan->classcol[c] = mlg_scan_column(setup, check, spec.class_cols[c], out)) < 0)
			goto fail;
	/* The baseline's rows are the candidate's: its slices are the candidate's too. */
	plan->ngroupcols = is_baseline ? 0 : spec.ngroupcols;
	plan->groupcol = mlg_xcalloc(spec.ngroupcols + 1, sizeof(long));
	for (size_t g = 0; g < plan->ngroupcols; g++)
		if ((plan->groupcol[g] = mlg_scan_column(setup, check, spec.groupcols[g], out)) < 0)
			goto fail;
	model_spec_release(&spec);
	return 0;
fail:
	model_spec_release(&spec);
	return -1;
}

static void *begin(const void *p)
{
	const struct model_plan *plan = p;
	struct model_state *st = mlg_xcalloc(1, sizeof(*st));

	st->plan = plan;
	mlg_strcount_init(&st->values, plan->mem, 0);
	st->group = mlg_xcalloc(plan->ngroupcols + 1, sizeof(*st->group));
	st->groups = mlg_xcalloc(plan->ngroupcols + 1, sizeof(*st->groups));
	for (size_t g = 0; g < plan->ngroupcols; g++)
		mlg_strcount_init(&st->groups[g], plan->mem, 0);
	return st;
}

static void free_state(void *p)
{
	struct model_state *st = p;

	if (!st)
		return;
	mlg_mem_uncharge(st->plan->mem, st->charged);
	free(st->label);
	free(st->pred);
	free(st->y);
	free(st->p);
	free(st->score);
	for (size_t g = 0; g < st->plan->ngroupcols; g++) {
		free(st->group[g]);
		mlg_strcount_release(&st->groups[g]);
	}
	free(st->group);
	free(st->groups);
	mlg_strcount_release(&st->values);
	free(st->value_row);
	free(st);
}

/* Bytes one row takes in the arrays. */
static size_t row_bytes(const struct model_plan *plan)
{
	size_t k = plan->nclasscols ? plan->nclasscols : plan->score >= 0;

	if (plan->task == MODEL_REG)
		return 2 * sizeof(double) + plan->ngroupcols * sizeof(uint32_t);
	return 2 * sizeof(uint16_t) + k * sizeof(double) + plan->ngroupcols * sizeof(uint32_t);
}

/* Room for `more` rows; -1 when the memory budget says no. */
static int reserve(struct model_state *st, uint64_t more)
{
	const struct model_plan *plan = st->plan;
	uint64_t want = st->n + more, alloc;
	size_t k = plan->nclasscols ? plan->nclasscols : plan->score >= 0;

	if (want <= st->alloc)
		return 0;
	alloc = st->alloc ? st->alloc * 2 : 4096;
	while (alloc < want)
		alloc *= 2;
	if (mlg_mem_charge(plan->mem, (alloc - st->alloc) * row_bytes(plan)) < 0)
		return -1;
	st->charged += (alloc - st->alloc) * row_bytes(plan);
	if (plan->task == MODEL_REG) {
		st->y = mlg_xrealloc(st->y, alloc * sizeof(double));
		st->p = mlg_xrealloc(st->p, alloc * sizeof(double));
	} else {
		st->label = mlg_xrealloc(st->label, alloc * sizeof(uint16_t));
		if (plan->pred >= 0)
			st->pred = mlg_xrealloc(st->pred, alloc * sizeof(uint16_t));
		if (k)
			st->score = mlg_xrealloc(st->score, alloc * k * sizeof(double));
	}
	for (size_t g = 0; g < plan->ngroupcols; g++)
		st->group[g] = mlg_xrealloc(st->group[g], alloc * sizeof(uint32_t));
	st->alloc = alloc;
	return 0;
}

static void note(struct model_state *st, enum model_issue what, uint64_t row, long col,
		 const struct mlg_cell *cell)
{
	struct model_issue_seen *is = &st->issue[what];

	if (!is->count++) {
		size_t len = 0;

		is->row = row;
		is->col = col;
		if (cell && !cell->is_null) {
			len = cell->len < sizeof(is->value) - 1 ? cell->len : sizeof(is->value) - 1;
			memcpy(is->value, cell->data, len);
		}
		is->value[len] = '\0';
	}
}

/* The id of a text in `t`, adding it (first row `row`); -1 past the budget or the class cap. */
static long intern(struct model_state *st, struct mlg_strcount *t, uint64_t **rows, const char *s,
		   size_t len, uint64_t row, size_t cap)
{
	uint64_t h = mlg_strcount_hash(s, len, 0);
	long i = mlg_strcount_find(t, s, len, h);
	size_t idx;

	if (i >= 0)
		return i;
	if (t->n >= cap || mlg_strcount_add(t, s, len, h, 1, &idx) < 0)
		return -1;
	if (rows) {
		*rows = mlg_xrealloc(*rows, t->n * sizeof(**rows));
		(*rows)[idx] = row;
	}
	(void)st;
	return (long)idx;
}

static char *too_many(const struct model_plan *plan, long col)
{
	return mlg_xasprintf("column '%s' has more than %d distinct labels: is it the label column? (classification labels are compared as text)",
			     plan->columns[col], MODEL_MAX_CLASSES);
}

/* Labels (or predicted labels) of a batch as ids; the previous cell's id is reused for runs. */
static int read_labels(struct model_state *st, struct mlg_batch *b, long col, uint16_t *dst,
		       enum model_issue null_issue, char **error)
{
	const struct mlg_cell *c = mlg_batch_cells(b, (size_t)col);
	const char *last = NULL;
	uint32_t last_len = 0;
	long id = 0;

	for (size_t i = 0; i < b->nrows; i++) {
		if (c[i].is_null) {
			note(st, null_issue, b->first_row + i, col, &c[i]);
			dst[i] = 0;
			continue;
		}
		if (!last || c[i].len != last_len || memcmp(c[i].data, last, last_len)) {
			id = intern(st, &st->values, &st->value_row, c[i].data, c[i].len,
				    b->first_row + i, MODEL_MAX_CLASSES);
			if (id < 0) {
				*error = st->values.n >= MODEL_MAX_CLASSES
					? too_many(st->plan, col)
					: mlg_xstrdup(mlg_mem_message(st->plan->mem));
				return -1;
			}
			last = c[i].data;
			last_len = c[i].len;
		}
		dst[i] = (uint16_t)id;
	}
	return 0;
}

/* Numbers of a batch into dst[i * stride]; problems noted. */
static void read_numbers(struct model_state *st, struct mlg_batch *b, long col, double *dst,
			 size_t stride, enum model_issue null_issue, enum model_issue bad_issue,
			 int probability)
{
	const uint8_t *status;
	const double *v = mlg_batch_floats(b, (size_t)col, &status);
	const struct mlg_cell *c = NULL;

	for (size_t i = 0; i < b->nrows; i++) {
		double x = v[i];

		if (status[i] != MLG_VALUE_OK || !isfinite(x)) {
			if (!c)
				c = mlg_batch_cells(b, (size_t)col);
			note(st, status[i] == MLG_VALUE_NULL ? null_issue : bad_issue,
			     b->first_row + i, col, &c[i]);
			x = 0;
		} else if (probability && !(x >= 0 && x <= 1)) {
			if (!c)
				c = mlg_batch_cells(b, (size_t)col);
			note(st, ISSUE_SCORE_RANGE, b->first_row + i, col, &c[i]);
		}
		dst[i * stride] = x;
	}
}

static int batch(const void *p, void *s, struct mlg_batch *b, char **error)
{
	const struct model_plan *plan = p;
	struct model_state *st = s;
	uint64_t n = st->n;

	if (reserve(st, b->nrows) < 0) {
		*error = mlg_xstrdup(mlg_mem_message(plan->mem));
		return -1;
	}
	if (plan->task == MODEL_REG) {
		read_numbers(st, b, plan->label, st->y + n, 1, ISSUE_NULL_LABEL, ISSUE_BAD_LABEL, 0);
		read_numbers(st, b, plan->pred, st->p + n, 1, ISSUE_NULL_PRED, ISSUE_BAD_PRED, 0);
	} else {
		if (read_labels(st, b, plan->label, st->label + n, ISSUE_NULL_LABEL, error) < 0)
			return -1;
		if (plan->pred >= 0 &&
		    read_labels(st, b, plan->pred, st->pred + n, ISSUE_NULL_PRED, error) < 0)
			return -1;
		if (plan->score >= 0)
			read_numbers(st, b, plan->score, st->score + n, 1, ISSUE_NULL_SCORE,
				     ISSUE_BAD_SCORE, 1);
		for (size_t c = 0; c < plan->nclasscols; c++)
			read_numbers(st, b, plan->classcol[c], st->score + n * plan->nclasscols + c,
				     plan->nclasscols, ISSUE_NULL_SCORE, ISSUE_BAD_SCORE, 1);
	}
	for (size_t g = 0; g < plan->ngroupcols; g++) {
		const struct mlg_cell *c = mlg_batch_cells(b, (size_t)plan->groupcol[g]);
		uint32_t *dst = st->group[g] + n;
		const char *last = NULL;
		uint32_t last_len = 0;
		long id = 0;

		for (size_t i = 0; i < b->nrows; i++) {
			const char *text = c[i].is_null ? null_text : c[i].data;
			uint32_t len = c[i].is_null ? 1 : c[i].len;

			if (!last || len != last_len || memcmp(text, last, len)) {
				id = intern(st, &st->groups[g], NULL, text, len, 0, (size_t)UINT32_MAX);
				if (id < 0) {
					*error = mlg_xstrdup(mlg_mem_message(plan->mem));
					return -1;
				}
				last = text;
				last_len = len;
			}
			dst[i] = (uint32_t)id;
		}
	}
	st->n += b->nrows;
	return 0;
}

/* from's ids of table `t_from` as ids of `t_into` (allocated); NULL past the budget or cap. */
static uint32_t *remap(struct model_state *into, struct mlg_strcount *t_into, uint64_t **rows_into,
		       const struct mlg_strcount *t_from, const uint64_t *rows_from, uint64_t row_base,
		       size_t cap)
{
	uint32_t *map = mlg_xcalloc(t_from->n + 1, sizeof(*map));

	for (size_t i = 0; i < t_from->n; i++) {
		const struct mlg_strcount_entry *e = &t_from->entries[i];
		long id = intern(into, t_into, rows_into, e->text, e->len,
				 rows_from ? rows_from[i] + row_base : 0, cap);

		if (id < 0) {
			free(map);
			return NULL;
		}
		map[i] = (uint32_t)id;
	}
	return map;
}

/*
 * merge() cannot fail, so a part that would overflow the budget or the
 * class cap marks the merged state: the evaluation reports it.
 */
static void merge(const void *p, void *i, void *f, uint64_t row_base)
{
	const struct model_plan *plan = p;
	struct model_state *into = i, *from = f;
	size_t k = plan->nclasscols ? plan->nclasscols : plan->score >= 0;
	uint64_t n = into->n;

	for (int w = 0; w < ISSUE_COUNT; w++) {
		struct model_issue_seen *a = &into->issue[w], *b = &from->issue[w];

		if (b->count && !a->count) {
			*a = *b;
			a->row += row_base;
		} else {
			a->count += b->count;
		}
	}
	if (!from->n)
		return;
	if (into->n == UINT64_MAX || reserve(into, from->n) < 0) {
		into->n = UINT64_MAX; /* poisoned: see model_evaluate() */
		return;
	}
	if (plan->task == MODEL_REG) {
		memcpy(into->y + n, from->y, from->n * sizeof(double));
		memcpy(into->p + n, from->p, from->n * sizeof(double));
	} else {
		uint32_t *map = remap(into, &into->values, &into->value_row, &from->values,
				      from->value_row, row_base, MODEL_MAX_CLASSES);

		if (!map) {
			into->too_many = into->values.n >= MODEL_MAX_CLASSES;
			into->n = UINT64_MAX;
			return;
		}
		for (uint64_t r = 0; r < from->n; r++)
			into->label[n + r] = (uint16_t)map[from->label[r]];
		if (plan->pred >= 0)
			for (uint64_t r = 0; r < from->n; r++)
				into->pred[n + r] = (uint16_t)map[from->pred[r]];
		free(map);
		if (k)
			memcpy(into->score + n * k, from->score, from->n * k * sizeof(double));
	}
	for (size_t g = 0; g < plan->ngroupcols; g++) {
		uint32_t *map = remap(into, &into->groups[g], NULL, &from->groups[g], NULL, 0,
				      (size_t)UINT32_MAX);

		if (!map) {
			into->n = UINT64_MAX;
			return;
		}
		for (uint64_t r = 0; r < from->n; r++)
			into->group[g][n + r] = map[from->group[g][r]];
		free(map);
	}
	into->n += from->n;
}

const struct mlg_scan_ops mlg_model_scan = {
	.prepare = prepare,
	.begin = begin,
	.batch = batch,
	.merge = merge,
	.end = model_evaluate,
	.free_state = free_state,
	.free_plan = free_plan,
};
