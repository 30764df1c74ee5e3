/*
 * Batches of cells, typed views computed once per batch, failing examples
 * merged in file order, and the memory budget (see mlgate/batch.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_internal.h"
#include "mlgate/result.h"
#include "util.h"

/* ---- the memory budget ---- */

static void format_bytes(char *buf, size_t size, size_t n)
{
	if (n >= (1ull << 30) && n % (1ull << 30) == 0)
		snprintf(buf, size, "%zu GiB", n >> 30);
	else if (n >= (1ull << 20) && n % (1ull << 20) == 0)
		snprintf(buf, size, "%zu MiB", n >> 20);
	else
		snprintf(buf, size, "%zu bytes", n);
}

void mlg_mem_init(struct mlg_mem *mem, size_t limit)
{
	char shown[32];

	atomic_init(&mem->used, 0);
	mem->limit = limit;
	format_bytes(shown, sizeof(shown), limit);
	snprintf(mem->message, sizeof(mem->message),
		 "the exact state of this check needs more than max_memory (%s) allows: raise "
		 "\"max_memory\" under \"defaults\", or read fewer rows or columns", shown);
}

int mlg_mem_charge(struct mlg_mem *mem, size_t bytes)
{
	size_t old;

	if (!mem)
		return 0;
	if (!mem->limit) {
		atomic_fetch_add(&mem->used, bytes);
		return 0;
	}
	old = atomic_load(&mem->used);
	do {
		if (old + bytes > mem->limit || old + bytes < old)
			return -1;
	} while (!atomic_compare_exchange_weak(&mem->used, &old, old + bytes));
	return 0;
}

void mlg_mem_uncharge(struct mlg_mem *mem, size_t bytes)
{
	if (mem)
		atomic_fetch_sub(&mem->used, bytes);
}

size_t mlg_mem_limit(const struct mlg_mem *mem)
{
	return mem ? mem->limit : 0;
}

const char *mlg_mem_message(const struct mlg_mem *mem)
{
	return mem ? mem->message : "out of memory budget";
}

/* ---- batches ---- */

#define ARENA_BLOCK (64 * 1024)

void mlg_batch__init(struct mlg_batch_impl *b, size_t ncolumns, const uint8_t *used, size_t cap,
		     const struct mlg_null_tokens *nulls, struct mlg_mem *mem)
{
	memset(b, 0, sizeof(*b));
	b->pub.ncolumns = ncolumns;
	b->pub.mem = mem;
	b->pub.internal = b;
	b->cols = mlg_xcalloc(ncolumns + 1, sizeof(*b->cols));
	b->used = used;
	b->cap = cap;
	b->nulls = nulls;
	for (size_t c = 0; c < ncolumns; c++)
		if (used[c])
			b->cols[c].cells = mlg_xcalloc(cap, sizeof(struct mlg_cell));
}

void mlg_batch__reset(struct mlg_batch_impl *b, uint64_t first_row)
{
	b->pub.nrows = 0;
	b->pub.first_row = first_row;
	b->gen++;
	/* keep one block for the next batch, park the others */
	while (b->arena && b->arena->next) {
		struct mlg_arena_block *blk = b->arena;

		b->arena = blk->next;
		blk->next = b->spare;
		b->spare = blk;
	}
	if (b->arena)
		b->arena->used = 0;
}

char *mlg_batch__copy(struct mlg_batch_impl *b, size_t len)
{
	struct mlg_arena_block *blk = b->arena;
	char *p;

	if (!blk || blk->cap - blk->used < len + 1) {
		if (b->spare && b->spare->cap >= len + 1) {
			blk = b->spare;
			b->spare = blk->next;
		} else {
			size_t cap = len + 1 > ARENA_BLOCK ? len + 1 : ARENA_BLOCK;

			blk = mlg_xmalloc(sizeof(*blk) + cap);
			blk->cap = cap;
		}
		blk->used = 0;
		blk->next = b->arena;
		b->arena = blk;
	}
	p = blk->data + blk->used;
	blk->used += len + 1;
	p[len] = '\0';
	return p;
}

int mlg_batch__is_null_token(const struct mlg_batch_impl *b, const char *p, size_t len)
{
	const struct mlg_null_tokens *n = b->nulls;

	if (!n)
		return 0;
	for (size_t i = 0; i < n->n; i++)
		if (n->lens[i] == len && !memcmp(n->tokens[i], p, len))
			return 1;
	return 0;
}

static void free_blocks(struct mlg_arena_block *blk)
{
	while (blk) {
		struct mlg_arena_block *next = blk->next;

		free(blk);
		blk = next;
	}
}

void mlg_batch__release(struct mlg_batch_impl *b)
{
	if (!b->cols)
		return;
	for (size_t c = 0; c < b->pub.ncolumns; c++) {
		free(b->cols[c].cells);
		for (int t = 0; t < MLG_TYPE_COUNT; t++) {
			free(b->cols[c].typed[t]);
			free(b->cols[c].status[t]);
		}
	}
	free(b->cols);
	free_blocks(b->arena);
	free_blocks(b->spare);
	memset(b, 0, sizeof(*b));
}

const struct mlg_cell *mlg_batch_cells(struct mlg_batch *pub, size_t col)
{
	struct mlg_batch_impl *b = pub->internal;

	return col < pub->ncolumns ? b->cols[col].cells : NULL;
}

/* Parses every cell of a column as `type` into typed/status. */
static void parse_column(const struct mlg_cell *cells, size_t n, enum mlg_type type, void *typed,
			 uint8_t *status)
{
	size_t i;

	switch (type) {
	case MLG_TYPE_FLOAT: {
		double *v = typed;

		for (i = 0; i < n; i++) {
			if (cells[i].is_null)
				status[i] = MLG_VALUE_NULL;
			else
				status[i] = mlg_parse_float(cells[i].data, cells[i].len, &v[i]) < 0
						    ? MLG_VALUE_BAD : MLG_VALUE_OK;
		}
		break;
	}
	case MLG_TYPE_INT:
	case MLG_TYPE_DATE:
	case MLG_TYPE_TIMESTAMP:
	case MLG_TYPE_BOOL: {
		int64_t *v = typed;

		for (i = 0; i < n; i++) {
			int rc;

			if (cells[i].is_null) {
				status[i] = MLG_VALUE_NULL;
				continue;
			}
			if (type == MLG_TYPE_INT) {
				rc = mlg_parse_int(cells[i].data, cells[i].len, &v[i]);
			} else if (type == MLG_TYPE_DATE) {
				rc = mlg_parse_date(cells[i].data, cells[i].len, &v[i]);
			} else if (type == MLG_TYPE_TIMESTAMP) {
				rc = mlg_parse_timestamp(cells[i].data, cells[i].len, &v[i]);
			} else {
				int bv = 0;

				rc = mlg_parse_bool(cells[i].data, cells[i].len, &bv);
				v[i] = bv;
			}
			status[i] = rc < 0 ? MLG_VALUE_BAD : MLG_VALUE_OK;
		}
		break;
	}
	case MLG_TYPE_STRING:
		for (i = 0; i < n; i++)
			status[i] = cells[i].is_null ? MLG_VALUE_NULL : MLG_VALUE_OK;
		break;
	}
}

/*
 * A column already read as integers (by a schema check, say) need not be
 * parsed again as floats: integers up to 2^53 convert exactly, and the
 * parser's result for them would be the same double.
 */
static void floats_from_ints(const struct mlg_cell *cells, size_t n, const int64_t *ints,
			     const uint8_t *int_status, double *v, uint8_t *status)
{
	for (size_t i = 0; i < n; i++) {
		if (int_status[i] == MLG_VALUE_OK && ints[i] >= -(1ll << 53) && ints[i] <= (1ll << 53)) {
			/* "-0" is the integer 0 but the double -0.0 */
			v[i] = ints[i] || cells[i].data[0] != '-' ? (double)ints[i] : -0.0;
			status[i] = MLG_VALUE_OK;
		} else if (int_status[i] == MLG_VALUE_NULL) {
			status[i] = MLG_VALUE_NULL;
		} else {
			status[i] = mlg_parse_float(cells[i].data, cells[i].len, &v[i]) < 0 ? MLG_VALUE_BAD
											  : MLG_VALUE_OK;
		}
	}
}

const void *mlg_batch_typed(struct mlg_batch *pub, size_t col, enum mlg_type type,
			    const uint8_t **status)
{
	struct mlg_batch_impl *b = pub->internal;
	struct mlg_batch_col *c;
	unsigned t = (unsigned)type;

	if (col >= pub->ncolumns || t >= MLG_TYPE_COUNT || !b->cols[col].cells) {
		*status = NULL;
		return NULL;
	}
	c = &b->cols[col];
	if (!c->status[t]) {
		c->status[t] = mlg_xmalloc(b->cap);
		if (type != MLG_TYPE_STRING)
			c->typed[t] = mlg_xmalloc(b->cap * 8);
	}
	if (c->gen[t] != b->gen) {
		unsigned ti = (unsigned)MLG_TYPE_INT;

		if (type == MLG_TYPE_FLOAT && c->gen[ti] == b->gen)
			floats_from_ints(c->cells, pub->nrows, c->typed[ti], c->status[ti], c->typed[t],
					 c->status[t]);
		else
			parse_column(c->cells, pub->nrows, type, c->typed[t], c->status[t]);
		c->gen[t] = b->gen;
	}
	*status = c->status[t];
	return c->typed[t];
}

const double *mlg_batch_floats(struct mlg_batch *b, size_t col, const uint8_t **status)
{
	return mlg_batch_typed(b, col, MLG_TYPE_FLOAT, status);
}

/* ---- examples ---- */

#define EXAMPLE_VALUE_MAX 200

void mlg_examples_init(struct mlg_examples *ex, size_t max)
{
	memset(ex, 0, sizeof(*ex));
	ex->max = max;
}

int mlg_examples_want(const struct mlg_examples *ex)
{
	return ex->n < ex->max;
}

void mlg_examples_add(struct mlg_examples *ex, uint64_t row, const char *column,
		      const char *value, size_t len, const char *reason)
{
	struct mlg_example *e;

	ex->offered++;
	if (ex->n >= ex->max)
		return;
	if (!ex->items)
		ex->items = mlg_xcalloc(ex->max, sizeof(*ex->items));
	e = &ex->items[ex->n++];
	e->row = row;
	e->column = column ? mlg_xstrdup(column) : NULL;
	e->value = value ? mlg_xstrndup(value, len > EXAMPLE_VALUE_MAX ? EXAMPLE_VALUE_MAX : len)
			 : NULL;
	e->reason = reason ? mlg_xstrdup(reason) : NULL;
}

static void example_release(struct mlg_example *e)
{
	free(e->column);
	free(e->value);
	free(e->reason);
}

void mlg_examples_merge(struct mlg_examples *into, struct mlg_examples *from, uint64_t row_base)
{
	for (size_t i = 0; i < from->n; i++) {
		struct mlg_example *e = &from->items[i];

		if (into->n < into->max) {
			if (!into->items)
				into->items = mlg_xcalloc(into->max, sizeof(*into->items));
			into->items[into->n] = *e;
			into->items[into->n].row = e->row + row_base;
			into->n++;
		} else {
			example_release(e);
		}
	}
	into->offered += from->offered;
	free(from->items);
	from->items = NULL;
	from->n = 0;
	from->offered = 0;
}

void mlg_examples_emit(struct mlg_examples *ex, struct mlg_result *out)
{
	for (size_t i = 0; i < ex->n; i++) {
		struct mlg_example *e = &ex->items[i];

		mlg_result_example(out, e->row, e->column, e->value, e->reason);
	}
	/* the result counts what was offered, kept or not */
	if (ex->offered > ex->n)
		out->nexamples += ex->offered - ex->n;
	mlg_examples_release(ex);
}

void mlg_examples_release(struct mlg_examples *ex)
{
	for (size_t i = 0; i < ex->n; i++)
		example_release(&ex->items[i]);
	free(ex->items);
	ex->items = NULL;
	ex->n = 0;
	ex->offered = 0;
}
