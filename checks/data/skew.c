/*
 * data.skew: train/serving skew. Two datasets joined by a key (e.g. the
 * features logged at serving time and the same features recomputed by the
 * training pipeline) must hold the same values, within a tolerance, and
 * the same keys.
 *
 * Each side keeps, per row with a key, one record: the row, the key and
 * the compared cells' text, appended to blocks in file order (a merge
 * moves blocks, so the order is the file's whatever the number of parts).
 * end() then builds one hash table at a time over the records: it finds
 * duplicate keys, joins, and walks both sides in file order, so counts and
 * examples do not depend on -j. Blocks and tables are charged to the
 * memory budget.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/check.h"
#include "mlgate/keyset.h"
#include "mlgate/suite.h"
#include "mlgate/value.h"
#include "util.h"

#define EXAMPLE_TEXT_MAX 200
#define BLOCK_MIN 4096
#define BLOCK_MAX (1u << 20)

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "one side, e.g. the features logged at serving time (serving)" },
	{ "other", MLG_PARAM_DATASET, 1, NULL, "the other side, e.g. the training pipeline's recomputed features (train)" },
	{ "key", MLG_PARAM_STRINGS, 1, NULL, "the column(s) joining the two datasets; a key may appear once per side" },
	{ "columns", MLG_PARAM_STRINGS, 1, NULL, "the features compared, present in both datasets" },
	{ "tolerance", MLG_PARAM_NUMBER, 0, "0", "numbers a, b are equal when |a-b| <= tolerance + rel_tolerance*max(|a|,|b|)" },
	{ "rel_tolerance", MLG_PARAM_NUMBER, 0, "0", "relative part of the tolerance for numbers (see tolerance)" },
	{ "max_mismatch_share", MLG_PARAM_FRACTION, 0, "0", "highest share of joined keys allowed to differ in any compared column" },
	{ "max_missing_share", MLG_PARAM_FRACTION, 0, "0", "highest share of keys (of both sides) allowed to lack a partner on the other side" },
	{ NULL, 0, 0, NULL, NULL }
};

/* One per dataset: where its key and compared columns are. */
struct plan {
	size_t nkey, ncols;
	long *key_index;
	long *col_index;
	char **col_names;   /* copies, in the order of "columns" */
	char *key_column;   /* "id", "user_id, day": for examples */
	struct mlg_mem *mem;
	size_t max_examples;
};

/* Records: varint row (within the block's part), varint key length, key, varint values length, values. */
struct block {
	uint8_t *data;
	size_t len, alloc;
	uint64_t row_base;  /* rows of earlier parts, added when merged */
};

struct state {
	struct block **blocks;
	size_t nblocks, alloc;
	uint64_t records;
	uint64_t null_keys;   /* rows with a null in their key: not joined */
	struct mlg_keybuf key, values;
	const struct mlg_cell **keys, **cols;
	struct mlg_mem *mem;
	size_t charged;
};

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static const uint8_t *get_varint(const uint8_t *p, uint64_t *out)
{
	uint64_t v = 0;
	int shift = 0;

	while (*p & 0x80) {
		v |= (uint64_t)(*p++ & 0x7f) << shift;
		shift += 7;
	}
	*out = v | (uint64_t)*p++ << shift;
	return p;
}

/* A record as read back. */
struct rec {
	uint64_t row;   /* within the file */
	const uint8_t *kv; /* where the key's length starts: what a table keeps */
	const char *key;
	size_t key_len;
	const char *values;
	size_t values_len;
};

/* Reads the key and values of a record from its key's length on. */
static const uint8_t *read_kv(const uint8_t *p, struct rec *r)
{
	uint64_t v;

	r->kv = p;
	p = get_varint(p, &v);
	r->key = (const char *)p;
	r->key_len = (size_t)v;
	p += v;
	p = get_varint(p, &v);
	r->values = (const char *)p;
	r->values_len = (size_t)v;
	return p + v;
}

static const uint8_t *read_rec(const uint8_t *p, const struct block *b, struct rec *r)
{
	uint64_t v;

	p = get_varint(p, &v);
	r->row = b->row_base + v;
	return read_kv(p, r);
}

static int has_dup(const char **names, size_t n, const char **dup)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(names[i], names[j])) {
				*dup = names[i];
				return 1;
			}
	return 0;
}

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	const char *dataset = mlg_check_string(check, "dataset");
	const char *other = mlg_check_string(check, "other");
	const char **keys = NULL, **cols = NULL, *dup;
	size_t nkeys = 0, ncols = 0;
	double v;

	if (dataset && other && !strcmp(dataset, other))
		mlg_diag_check(diag, check, "other", "\"other\" names the same dataset as \"dataset\"");
	if (mlg_check_number(check, "tolerance", &v) && !(v >= 0 && isfinite(v)))
		mlg_diag_check(diag, check, "tolerance", "\"tolerance\" must be a number >= 0");
	if (mlg_check_number(check, "rel_tolerance", &v) && !(v >= 0 && isfinite(v)))
		mlg_diag_check(diag, check, "rel_tolerance", "\"rel_tolerance\" must be a number >= 0");
	mlg_check_strings(check, "key", &keys, &nkeys);
	mlg_check_strings(check, "columns", &cols, &ncols);
	if (has_dup(keys, nkeys, &dup))
		mlg_diag_check(diag, check, "key", "column '%s' is listed twice", dup);
	if (has_dup(cols, ncols, &dup))
		mlg_diag_check(diag, check, "columns", "column '%s' is listed twice", dup);
	for (size_t i = 0; i < ncols; i++)
		for (size_t j = 0; j < nkeys; j++)
			if (!strcmp(cols[i], keys[j]))
				mlg_diag_check(diag, check, "columns",
					       "column '%s' is the key: it cannot also be compared", cols[i]);
	free(keys);
	free(cols);
}

static void free_plan(void *plan)
{
	struct plan *p = plan;

	if (!p)
		return;
	for (size_t i = 0; p->col_names && i < p->ncols; i++)
		free(p->col_names[i]);
	free(p->col_names);
	free(p->key_index);
	free(p->col_index);
	free(p->key_column);
	free(p);
}

/*
 * The column's index, declared as read; or -1 with r an error naming this
 * scan's dataset (mlg_scan_column() would name the check's "dataset").
 */
static long find_column(struct mlg_scan_setup *setup, const char *name, struct mlg_result *r)
{
	long col = mlg_column_index(setup->columns, setup->ncolumns, name);
	struct mlg_strbuf list = MLG_STRBUF_INIT;

	if (col >= 0) {
		mlg_scan_use(setup, (size_t)col);
		return col;
	}
	for (size_t i = 0, shown = 0; i < setup->ncolumns && shown < 20; i++)
		if (*setup->columns[i])
			mlg_strbuf_addf(&list, "%s%s", shown++ ? ", " : "", setup->columns[i]);
	mlg_result_set(r, MLG_STATUS_ERROR, "dataset '%s' has no column '%s' (columns: %s)", setup->dataset->name,
		       name, mlg_strbuf_str(&list));
	mlg_strbuf_release(&list);
	return -1;
}

static int prepare(void **out, const struct mlg_check *check, struct mlg_scan_setup *setup,
		   struct mlg_result *r)
{
	struct plan *p = mlg_xcalloc(1, sizeof(*p));
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	const char **keys = NULL, **cols = NULL;
	int ret = 0;

	*out = p;
	p->mem = setup->mem;
	p->max_examples = setup->max_examples;
	mlg_check_strings(check, "key", &keys, &p->nkey);
	mlg_check_strings(check, "columns", &cols, &p->ncols);
	p->key_index = mlg_xcalloc(p->nkey + 1, sizeof(*p->key_index));
	p->col_index = mlg_xcalloc(p->ncols + 1, sizeof(*p->col_index));
	p->col_names = mlg_xcalloc(p->ncols + 1, sizeof(*p->col_names));
	for (size_t i = 0; i < p->nkey; i++) {
		if ((p->key_index[i] = find_column(setup, keys[i], r)) < 0) {
			ret = 1;
			goto done;
		}
		mlg_strbuf_addf(&sb, "%s%s", i ? ", " : "", keys[i]);
	}
	for (size_t i = 0; i < p->ncols; i++) {
		p->col_names[i] = mlg_xstrdup(cols[i]);
		if ((p->col_index[i] = find_column(setup, cols[i], r)) < 0) {
			ret = 1;
			goto done;
		}
	}
	p->key_column = mlg_strbuf_detach(&sb);
done:
	mlg_strbuf_release(&sb);
	free(keys);
	free(cols);
	return ret;
}

static void *begin(const void *plan)
{
	const struct plan *p = plan;
	struct state *s = mlg_xcalloc(1, sizeof(*s));

	s->mem = p->mem;
	s->keys = mlg_xcalloc(p->nkey + 1, sizeof(*s->keys));
	s->cols = mlg_xcalloc(p->ncols + 1, sizeof(*s->cols));
	return s;
}

/* Room for `need` more bytes in the last block. 0, or -1 when the budget refuses. */
static int reserve(struct state *s, size_t need)
{
	struct block *b = s->nblocks ? s->blocks[s->nblocks - 1] : NULL;
	size_t size;

	if (b && b->alloc - b->len >= need)
		return 0;
	/* blocks grow with the part, so that small files stay small */
	size = b ? b->alloc * 2 : BLOCK_MIN;
	if (size > BLOCK_MAX)
		size = BLOCK_MAX;
	if (size < need)
		size = need;
	if (mlg_mem_charge(s->mem, size + sizeof(*b)) < 0)
		return -1;
	s->charged += size + sizeof(*b);
	b = mlg_xcalloc(1, sizeof(*b));
	b->data = mlg_xmalloc(size);
	b->alloc = size;
	if (s->nblocks == s->alloc) {
		s->alloc = s->alloc ? 2 * s->alloc : 8;
		s->blocks = mlg_xrealloc(s->blocks, s->alloc * sizeof(*s->blocks));
	}
	s->blocks[s->nblocks++] = b;
	return 0;
}

static int batch(const void *plan, void *state, struct mlg_batch *b, char **error)
{
	const struct plan *p = plan;
	struct state *s = state;

	for (size_t k = 0; k < p->nkey; k++)
		s->keys[k] = mlg_batch_cells(b, (size_t)p->key_index[k]);
	for (size_t k = 0; k < p->ncols; k++)
		s->cols[k] = mlg_batch_cells(b, (size_t)p->col_index[k]);
	for (size_t i = 0; i < b->nrows; i++) {
		struct block *blk;
		uint8_t *w;
		int null_key = 0;

		mlg_keybuf_reset(&s->key);
		for (size_t k = 0; k < p->nkey; k++) {
			const struct mlg_cell *c = &s->keys[k][i];

			/* as in an SQL join, a null never identifies a row */
			if (c->is_null) {
				null_key = 1;
				break;
			}
			mlg_keybuf_add(&s->key, c->data, c->len, 0);
		}
		if (null_key) {
			s->null_keys++;
			continue;
		}
		mlg_keybuf_reset(&s->values);
		for (size_t k = 0; k < p->ncols; k++) {
			const struct mlg_cell *c = &s->cols[k][i];

			mlg_keybuf_add(&s->values, c->data, c->len, (int)c->is_null);
		}
		if (reserve(s, 30 + s->key.len + s->values.len) < 0) {
			*error = mlg_xstrdup(mlg_mem_message(p->mem));
			return 1;
		}
		blk = s->blocks[s->nblocks - 1];
		w = blk->data + blk->len;
		w = put_varint(w, b->first_row + i);
		w = put_varint(w, s->key.len);
		memcpy(w, s->key.buf, s->key.len);
		w += s->key.len;
		w = put_varint(w, s->values.len);
		if (s->values.len)
			memcpy(w, s->values.buf, s->values.len);
		w += s->values.len;
		blk->len = (size_t)(w - blk->data);
		s->records++;
	}
	return 0;
}

static void merge(const void *plan, void *into, void *from, uint64_t row_base)
{
	struct state *a = into, *b = from;

	(void)plan;
	for (size_t i = 0; i < b->nblocks; i++) {
		b->blocks[i]->row_base += row_base;
		if (a->nblocks == a->alloc) {
			a->alloc = a->alloc ? 2 * a->alloc : 8;
			a->blocks = mlg_xrealloc(a->blocks, a->alloc * sizeof(*a->blocks));
		}
		a->blocks[a->nblocks++] = b->blocks[i];
	}
	/* the blocks and what they cost now belong to `into` */
	a->charged += b->charged;
	b->charged = 0;
	b->nblocks = 0;
	a->records += b->records;
	a->null_keys += b->null_keys;
}

static void free_state(void *state)
{
	struct state *s = state;

	if (!s)
		return;
	for (size_t i = 0; i < s->nblocks; i++) {
		free(s->blocks[i]->data);
		free(s->blocks[i]);
	}
	free(s->blocks);
	if (s->charged)
		mlg_mem_uncharge(s->mem, s->charged);
	mlg_keybuf_release(&s->key);
	mlg_keybuf_release(&s->values);
	free(s->keys);
	free(s->cols);
	free(s);
}

/* Calls fn for every record of a side, in file order; stops at non-zero. */
typedef int (*rec_fn)(void *payload, const struct rec *r);

static int each_rec(const struct state *s, rec_fn fn, void *payload)
{
	for (size_t i = 0; i < s->nblocks; i++) {
		const struct block *b = s->blocks[i];
		const uint8_t *p = b->data, *end = p + b->len;

		while (p < end) {
			struct rec r;
			int ret;

			p = read_rec(p, b, &r);
			if ((ret = fn(payload, &r)) != 0)
				return ret;
		}
	}
	return 0;
}

/* An open-addressing table of one side's keys. */
/* 24 bytes a key: the record (read back with read_kv()), its hash and its row. */
struct slot {
	const uint8_t *kv;  /* NULL: empty */
	uint64_t hash;
	uint64_t row;       /* | MATCHED once "dataset" has the key too */
};

#define MATCHED ((uint64_t)1 << 63)

struct table {
	struct slot *slots;
	size_t mask;
	struct mlg_mem *mem;
	size_t charged;
	/* the first duplicate, once found */
	int dup;
	uint64_t dup_row, dup_first_row;
	const char *dup_key;
	size_t dup_key_len;
};

/* An empty table for n keys. 0, or -1 when the budget refuses. */
static int table_init(struct table *t, struct mlg_mem *mem, uint64_t n)
{
	size_t size = 16;

	memset(t, 0, sizeof(*t));
	t->mem = mem;
	while (size < 2 * n)
		size *= 2;
	if (mlg_mem_charge(mem, size * sizeof(*t->slots)) < 0)
		return -1;
	t->charged = size * sizeof(*t->slots);
	t->slots = mlg_xcalloc(size, sizeof(*t->slots));
	t->mask = size - 1;
	return 0;
}

static void table_release(struct table *t)
{
	free(t->slots);
	if (t->charged)
		mlg_mem_uncharge(t->mem, t->charged);
	t->slots = NULL;
	t->charged = 0;
}

static struct slot *table_find(const struct table *t, const char *key, size_t len, uint64_t hash)
{
	for (size_t i = (size_t)hash & t->mask;; i = (i + 1) & t->mask) {
		struct slot *sl = &t->slots[i];
		struct rec r;

		if (!sl->kv)
			return sl;
		if (sl->hash != hash)
			continue;
		read_kv(sl->kv, &r);
		if (r.key_len == len && !memcmp(r.key, key, len))
			return sl;
	}
}

/* rec_fn: inserts a record; stops at the first duplicate, in file order. */
static int table_add(void *payload, const struct rec *r)
{
	struct table *t = payload;
	uint64_t hash = mlg_keyset_hash(r->key, r->key_len);
	struct slot *sl = table_find(t, r->key, r->key_len, hash);

	if (sl->kv) {
		t->dup = 1;
		t->dup_row = r->row;
		t->dup_first_row = sl->row;
		t->dup_key = r->key;
		t->dup_key_len = r->key_len;
		return 1;
	}
	sl->kv = r->kv;
	sl->hash = hash;
	sl->row = r->row;
	return 0;
}

/* Numbers are equal within the tolerance; anything else byte for byte; null equals null only. */
static int same_value(const char *a, size_t alen, const char *b, size_t blen, double tol, double rel)
{
	double x, y;

	if (!a || !b)
		return !a && !b;
	if (alen == blen && !memcmp(a, b, alen))
		return 1;
	if (mlg_parse_float(a, alen, &x) || mlg_parse_float(b, blen, &y))
		return 0;
	if (x == y || (isnan(x) && isnan(y)))
		return 1;
	if (!isfinite(x) || !isfinite(y))
		return 0;
	return fabs(x - y) <= tol + rel * fmax(fabs(x), fabs(y));
}

/* The join, walking "dataset" in file order. */
struct join {
	const struct plan *p;
	struct table *other;      /* the other side's keys */
	const char *name, *other_name;
	double tol, rel;
	const char **pa, **pb;    /* the values' parts */
	size_t *la, *lb;
	uint64_t joined, missing, mismatched;
	uint64_t *per_column;
	struct mlg_result *r;
};

/*
 * Offers an example: the value (NULL for null) cut for display, and the
 * reason. Past max_examples only the count moves, to save the formatting.
 */
static void example(struct mlg_result *r, uint64_t row, const char *column, const char *value, size_t len,
		    int compound, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void example(struct mlg_result *r, uint64_t row, const char *column, const char *value, size_t len,
		    int compound, const char *fmt, ...)
{
	struct mlg_strbuf why = MLG_STRBUF_INIT;
	char *v;
	va_list ap;

	if (r->nexamples >= r->max_examples) {
		r->nexamples++;
		return;
	}
	v = value ? mlg_keyset_key_text(value, len, compound, EXAMPLE_TEXT_MAX) : NULL;
	va_start(ap, fmt);
	mlg_strbuf_vaddf(&why, fmt, ap);
	va_end(ap);
	mlg_result_example(r, row, column, v, why.buf);
	free(v);
	mlg_strbuf_release(&why);
}

static int join_rec(void *payload, const struct rec *r)
{
	struct join *j = payload;
	const struct plan *p = j->p;
	struct slot *sl = table_find(j->other, r->key, r->key_len, mlg_keyset_hash(r->key, r->key_len));
	struct rec o;
	int differs = 0;

	if (!sl->kv) {
		j->missing++;
		example(j->r, r->row, p->key_column, r->key, r->key_len, 1, "key not in '%s'", j->other_name);
		return 0;
	}
	sl->row |= MATCHED;
	j->joined++;
	read_kv(sl->kv, &o);
	mlg_keyset_key_parts(r->values, r->values_len, j->pa, j->la, p->ncols);
	mlg_keyset_key_parts(o.values, o.values_len, j->pb, j->lb, p->ncols);
	for (size_t k = 0; k < p->ncols; k++) {
		char *key, *other;

		if (same_value(j->pa[k], j->la[k], j->pb[k], j->lb[k], j->tol, j->rel))
			continue;
		differs = 1;
		j->per_column[k]++;
		if (j->r->nexamples >= j->r->max_examples) {
			j->r->nexamples++;
			continue;
		}
		key = mlg_keyset_key_text(r->key, r->key_len, 1, EXAMPLE_TEXT_MAX);
		other = j->pb[k] ? mlg_keyset_key_text(j->pb[k], j->lb[k], 0, EXAMPLE_TEXT_MAX) : NULL;
		example(j->r, r->row, p->col_names[k], j->pa[k], j->la[k], 0, "key %s: %s in '%s' (row %llu)", key,
			other ? other : "(null)", j->other_name, (unsigned long long)(sl->row & ~MATCHED));
		free(key);
		free(other);
	}
	if (differs)
		j->mismatched++;
	return 0;
}

/* The other side's keys that "dataset" lacks, in the other's file order. */
struct unmatched {
	const struct plan *q;
	struct table *t;
	const char *name, *other_name;
	uint64_t missing;
	struct mlg_result *r;
};

static int unmatched_rec(void *payload, const struct rec *r)
{
	struct unmatched *u = payload;
	struct slot *sl = table_find(u->t, r->key, r->key_len, mlg_keyset_hash(r->key, r->key_len));

	if (sl->row & MATCHED)
		return 0;
	u->missing++;
	/* the row is the other dataset's: say so in the reason, not as a row of "dataset" */
	example(u->r, 0, u->q->key_column, r->key, r->key_len, 1, "row %llu of '%s': key not in '%s'",
		(unsigned long long)r->row, u->other_name, u->name);
	return 0;
}

/* An error for the first repeated key of a side. 0, or -1 with r set. */
static int no_duplicates(const struct state *s, const struct plan *p, const char *name, struct mlg_result *r)
{
	struct table t;
	char *key;

	if (table_init(&t, p->mem, s->records) < 0) {
		mlg_result_set(r, MLG_STATUS_ERROR, "%s", mlg_mem_message(p->mem));
		return -1;
	}
	each_rec(s, table_add, &t);
	if (t.dup) {
		key = mlg_keyset_key_text(t.dup_key, t.dup_key_len, 1, EXAMPLE_TEXT_MAX);
		mlg_result_set(r, MLG_STATUS_ERROR,
			       "key %s (%s) appears more than once in '%s' (rows %llu and %llu): the key must identify one row per dataset",
			       key, p->key_column, name, (unsigned long long)t.dup_first_row,
			       (unsigned long long)t.dup_row);
		free(key);
	}
	table_release(&t);
	return r->status == MLG_STATUS_ERROR ? -1 : 0;
}

static void end(const struct mlg_check *check, const struct mlg_scan_input *in, size_t nin,
		struct mlg_result *r)
{
	const struct plan *p = in[0].plan, *q = in[1].plan;
	const struct state *s = in[0].state, *t = in[1].state;
	const char *name = in[0].dataset->name, *other = in[1].dataset->name;
	double max_mismatch = 0, max_missing = 0, mismatch_share, missing_share;
	struct join j;
	struct unmatched u;
	struct table tab;
	struct mlg_strbuf msg = MLG_STRBUF_INIT;
	uint64_t keys_total;
	int failed_mismatch, failed_missing;
	cJSON *by_column;
	char a[32], b[32];

	(void)nin;
	if (no_duplicates(s, p, name, r) < 0 || no_duplicates(t, q, other, r) < 0)
		return;
	memset(&j, 0, sizeof(j));
	j.p = p;
	j.name = name;
	j.other_name = other;
	j.r = r;
	mlg_check_number(check, "tolerance", &j.tol);
	mlg_check_number(check, "rel_tolerance", &j.rel);
	mlg_check_number(check, "max_mismatch_share", &max_mismatch);
	mlg_check_number(check, "max_missing_share", &max_missing);
	if (table_init(&tab, q->mem, t->records) < 0) {
		mlg_result_set(r, MLG_STATUS_ERROR, "%s", mlg_mem_message(q->mem));
		return;
	}
	each_rec(t, table_add, &tab);
	j.other = &tab;
	j.pa = mlg_xcalloc(p->ncols + 1, sizeof(*j.pa));
	j.pb = mlg_xcalloc(p->ncols + 1, sizeof(*j.pb));
	j.la = mlg_xcalloc(p->ncols + 1, sizeof(*j.la));
	j.lb = mlg_xcalloc(p->ncols + 1, sizeof(*j.lb));
	j.per_column = mlg_xcalloc(p->ncols + 1, sizeof(*j.per_column));
	each_rec(s, join_rec, &j);
	memset(&u, 0, sizeof(u));
	u.q = q;
	u.t = &tab;
	u.name = name;
	u.other_name = other;
	u.r = r;
	each_rec(t, unmatched_rec, &u);
	table_release(&tab);

	keys_total = j.joined + j.missing + u.missing;
	mismatch_share = j.joined ? (double)j.mismatched / (double)j.joined : 0;
	missing_share = keys_total ? (double)(j.missing + u.missing) / (double)keys_total : 0;
	cJSON_AddNumberToObject(r->observed, "rows", (double)in[0].nrows);
	cJSON_AddNumberToObject(r->observed, "other_rows", (double)in[1].nrows);
	cJSON_AddNumberToObject(r->observed, "null_keys", (double)s->null_keys);
	cJSON_AddNumberToObject(r->observed, "other_null_keys", (double)t->null_keys);
	cJSON_AddNumberToObject(r->observed, "joined", (double)j.joined);
	cJSON_AddNumberToObject(r->observed, "missing_in_other", (double)j.missing);
	cJSON_AddNumberToObject(r->observed, "missing_in_dataset", (double)u.missing);
	cJSON_AddNumberToObject(r->observed, "mismatched", (double)j.mismatched);
	by_column = cJSON_AddObjectToObject(r->observed, "mismatched_by_column");
	for (size_t k = 0; k < p->ncols; k++)
		cJSON_AddNumberToObject(by_column, p->col_names[k], (double)j.per_column[k]);
	cJSON_AddNumberToObject(r->observed, "mismatch_share", mismatch_share);
	cJSON_AddNumberToObject(r->observed, "missing_share", missing_share);
	cJSON_AddNumberToObject(r->expected, "tolerance", j.tol);
	cJSON_AddNumberToObject(r->expected, "rel_tolerance", j.rel);
	cJSON_AddNumberToObject(r->expected, "max_mismatch_share", max_mismatch);
	cJSON_AddNumberToObject(r->expected, "max_missing_share", max_missing);

	/* "3 of 1000 joined keys differ (amount: 2, country: 1); 5 keys of 'serving' are missing in 'train'" */
	if (!j.joined) {
		mlg_strbuf_addf(&msg, "no key of '%s' is in '%s'", name, other);
	} else if (!j.mismatched) {
		mlg_strbuf_addf(&msg, "all %llu joined key%s agree", (unsigned long long)j.joined, mlg_plural(j.joined));
	} else {
		mlg_strbuf_addf(&msg, "%llu of %llu joined key%s differ (", (unsigned long long)j.mismatched,
				(unsigned long long)j.joined, mlg_plural(j.joined));
		for (size_t k = 0, shown = 0; k < p->ncols; k++)
			if (j.per_column[k])
				mlg_strbuf_addf(&msg, "%s%s: %llu", shown++ ? ", " : "", p->col_names[k],
						(unsigned long long)j.per_column[k]);
		mlg_strbuf_addch(&msg, ')');
	}
	if (j.missing)
		mlg_strbuf_addf(&msg, "; %llu key%s of '%s' %s missing in '%s'", (unsigned long long)j.missing,
				mlg_plural(j.missing), name, j.missing == 1 ? "is" : "are", other);
	if (u.missing)
		mlg_strbuf_addf(&msg, "; %llu key%s of '%s' %s missing in '%s'", (unsigned long long)u.missing,
				mlg_plural(u.missing), other, u.missing == 1 ? "is" : "are", name);
	failed_mismatch = mismatch_share > max_mismatch;
	failed_missing = missing_share > max_missing;
	if (failed_mismatch && max_mismatch > 0)
		mlg_strbuf_addf(&msg, "; %s%% of joined keys differ, expected at most %s%%",
				mlg_format_share(mismatch_share * 100, a), mlg_format_share(max_mismatch * 100, b));
	if (failed_missing && max_missing > 0)
		mlg_strbuf_addf(&msg, "; %s%% of keys lack a partner, expected at most %s%%",
				mlg_format_share(missing_share * 100, a), mlg_format_share(max_missing * 100, b));
	if (!failed_mismatch && !failed_missing && (j.mismatched || j.missing || u.missing))
		mlg_strbuf_addstr(&msg, ", within max_mismatch_share and max_missing_share");
	mlg_result_set(r, failed_mismatch || failed_missing ? MLG_STATUS_FAILED : MLG_STATUS_PASSED, "%s", msg.buf);
	mlg_strbuf_release(&msg);
	free(j.pa);
	free(j.pb);
	free(j.la);
	free(j.lb);
	free(j.per_column);
}

/* "serving/train": two checks of one dataset against different others differ */
static char *target(const struct mlg_check *check)
{
	const char *dataset = mlg_check_string(check, "dataset"), *other = mlg_check_string(check, "other");

	return mlg_xasprintf("%s/%s", dataset ? dataset : "?", other ? other : "?");
}

static const struct mlg_scan_ops scan = { prepare, begin, batch, merge, end, free_state, free_plan };

const struct mlg_check_kind mlg_kind_data_skew = {
	.abi = MLG_KIND_ABI,
	.name = "data.skew",
	.summary = "train/serving skew: two datasets joined by a key hold the same feature values (within a tolerance) and the same keys; exact",
	.params = params,
	.example = "{ \"kind\": \"data.skew\", \"dataset\": \"serving\", \"other\": \"train\", \"key\": \"request_id\", \"columns\": [\"amount\", \"country\"], \"tolerance\": 1e-6 }",
	.validate = validate,
	.target = target,
	.scan = &scan,
};
