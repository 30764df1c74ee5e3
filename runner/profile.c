/*
 * mlgate profile's inference (see profile.h).
 *
 * The profile is a scanning kind of its own, run through the ad-hoc scan
 * (engine_adhoc.h), so it reads the file exactly as `mlgate run` will:
 * the same readers, parts on several threads, states merged in file
 * order. Per column and per part it keeps the types every value parsed as
 * so far, the extremes of each, the distinct values while they are few,
 * and, for columns that may be keys, an exact set of the values. Every
 * piece merges as a union or an intersection, so the profile does not
 * depend on where the file was cut (the one exception: which column runs
 * out of memory budget first).
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "engine_adhoc.h"
#include "mlgate/check.h"
#include "mlgate/error.h"
#include "mlgate/registry.h"
#include "profile.h"
#include "util.h"

#define ALL_TYPES                                                                          \
	(MLG_PROFILE_BIT(MLG_TYPE_BOOL) | MLG_PROFILE_BIT(MLG_TYPE_INT) |                  \
	 MLG_PROFILE_BIT(MLG_TYPE_FLOAT) | MLG_PROFILE_BIT(MLG_TYPE_DATE) |                \
	 MLG_PROFILE_BIT(MLG_TYPE_TIMESTAMP))
#define BIT_BOOL MLG_PROFILE_BIT(MLG_TYPE_BOOL)
#define BIT_INT MLG_PROFILE_BIT(MLG_TYPE_INT)
#define BIT_FLOAT MLG_PROFILE_BIT(MLG_TYPE_FLOAT)
#define BIT_DATE MLG_PROFILE_BIT(MLG_TYPE_DATE)
#define BIT_TIME MLG_PROFILE_BIT(MLG_TYPE_TIMESTAMP)

/* A value longer than this is not a category. */
#define FEW_VALUE_MAX 256
/* Columns not named like keys need this many rows before "all distinct" means much. */
#define UNIQUE_MIN_ROWS 100

#define DAY_US (86400LL * 1000000LL)

/* Why a column's exact set of values was given up. */
enum {
	UQ_NULL = 1,    /* a null: not a key */
	UQ_TYPE = 2,    /* a float, time or boolean value in a column not named as a key */
	UQ_DUP = 4,     /* a value seen twice */
	UQ_BUDGET = 8   /* max_memory ran out */
};

/* ---- rules ---- */

enum mlg_type mlg_profile_type(unsigned int candidates, uint64_t values)
{
	if (!values)
		return MLG_TYPE_STRING;
	if (candidates & BIT_INT)
		return MLG_TYPE_INT;
	if (candidates & BIT_BOOL)
		return MLG_TYPE_BOOL;
	if (candidates & BIT_FLOAT)
		return MLG_TYPE_FLOAT;
	if (candidates & BIT_DATE)
		return MLG_TYPE_DATE;
	if (candidates & BIT_TIME)
		return MLG_TYPE_TIMESTAMP;
	return MLG_TYPE_STRING;
}

/* v rounded down (up when `up`) to a multiple of 10^k, kept exact for k < 0. */
static double round_to(double v, int k, int up)
{
	double p = pow(10, k < 0 ? -k : k);

	if (k >= 0)
		return (up ? ceil(v / p) : floor(v / p)) * p;
	return (up ? ceil(v * p) : floor(v * p)) / p;
}

void mlg_profile_widen(double min, double max, double margin, int integral, double *lo,
		       double *hi)
{
	double pad = margin * (max - min);

	*lo = min - pad;
	*hi = max + pad;
	if (pad > 0 && isfinite(pad)) {
		int k = (int)floor(log10(pad));

		*lo = round_to(*lo, k, 0);
		*hi = round_to(*hi, k, 1);
	}
	if (integral) {
		/* inward: the same whole numbers pass, and a 0/1 column reads 0 .. 1 */
		*lo = ceil(*lo);
		*hi = floor(*hi);
	}
	if (min >= 0 && *lo < 0)
		*lo = 0;
	/* never inside the observed values, never infinite */
	if (!isfinite(*lo) || *lo > min)
		*lo = min;
	if (!isfinite(*hi) || *hi < max)
		*hi = max;
	/* ceil(-0.1) is -0, which reads oddly */
	if (*lo == 0)
		*lo = 0;
	if (*hi == 0)
		*hi = 0;
}

void mlg_profile_widen_time(int64_t min, int64_t max, double margin, int64_t *lo, int64_t *hi)
{
	static const int64_t units[] = { DAY_US, 3600LL * 1000000, 60LL * 1000000, 1000000 };
	double pad = margin * ((double)max - (double)min);
	double l = (double)min - pad, h = (double)max + pad;
	int64_t unit = 1;

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (pad >= (double)units[i]) {
			unit = units[i];
			break;
		}
	/* within about 290,000 years of 1970 a double holds these exactly enough */
	if (!(l > -9.2e18) || !(h < 9.2e18)) {
		*lo = min;
		*hi = max;
		return;
	}
	*lo = (int64_t)floor(l / (double)unit) * unit;
	*hi = (int64_t)ceil(h / (double)unit) * unit;
	if (min >= 0 && *lo < 0)
		*lo = 0;
	if (*lo > min)
		*lo = min;
	if (*hi < max)
		*hi = max;
}

double mlg_profile_mostly(uint64_t good, uint64_t total, double margin)
{
	double share, slack, m;

	if (!total)
		return 0;
	share = (double)good / (double)total;
	slack = margin * (1 - share);
	if (slack < 0.005)
		slack = 0.005;
	/* the epsilon keeps 0.985 from reading as 0.98499... and dropping to 0.984 */
	m = floor((share - slack) * 1000 + 1e-9) / 1000;
	return m > 0 ? m : 0;
}

int mlg_profile_key_name(const char *name)
{
	static const char *const words[] = { "id", "key", "uuid", "guid", "pk" };
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t m = strlen(words[i]);

		if (n < m || strcasecmp(name + n - m, words[i]))
			continue;
		if (n == m)
			return 1;               /* "id" */
		if (strchr("_-. ", name[n - m - 1]))
			return 1;               /* "user_id", "order-key" */
		if (name[n - m] >= 'A' && name[n - m] <= 'Z' && name[n - m - 1] >= 'a' &&
		    name[n - m - 1] <= 'z')
			return 1;               /* "userId", "orderKey" */
	}
	return 0;
}

/* ---- an exact set of values (raw cell bytes) ---- */

#define USET_BLOCK (256u << 10)

struct uset_block {
	struct uset_block *next;
	size_t used, cap;
	char data[];
};

struct uset_slot {
	uint64_t hash;
	const char *p; /* NULL: empty slot */
	size_t len;
};

struct uset {
	struct uset_slot *slots;
	size_t cap, count;       /* cap: a power of two, or 0 */
	struct uset_block *blocks;
	size_t charged;          /* bytes charged to the budget */
};

static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t)n, w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
		p += 8;
		n -= 8;
	}
	w = 0;
	memcpy(&w, p, n);
	h = (h ^ w) * 0x94d049bb133111ebull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

static void uset_release(struct uset *s, struct mlg_mem *mem)
{
	struct uset_block *b = s->blocks;

	while (b) {
		struct uset_block *next = b->next;

		free(b);
		b = next;
	}
	free(s->slots);
	mlg_mem_uncharge(mem, s->charged);
	memset(s, 0, sizeof(*s));
}

/* Puts a slot whose bytes are already stored; 1 when an equal one is there. */
static int uset_put(struct uset *s, uint64_t hash, const char *p, size_t len)
{
	size_t i = (size_t)hash & (s->cap - 1);

	for (;; i = (i + 1) & (s->cap - 1)) {
		struct uset_slot *e = &s->slots[i];

		if (!e->p) {
			e->hash = hash;
			e->p = p;
			e->len = len;
			s->count++;
			return 0;
		}
		if (e->hash == hash && e->len == len && !memcmp(e->p, p, len))
			return 1;
	}
}

/* Room for one more slot; -1 when the budget says no. */
static int uset_reserve(struct uset *s, size_t more, struct mlg_mem *mem)
{
	size_t cap = s->cap ? s->cap : 1024;
	struct uset_slot *old = s->slots;
	size_t oldcap = s->cap;

	while ((s->count + more) * 2 > cap)
		cap *= 2;
	if (cap == s->cap)
		return 0;
	if (mlg_mem_charge(mem, cap * sizeof(*s->slots)) < 0)
		return -1;
	s->slots = mlg_xcalloc(cap, sizeof(*s->slots));
	s->cap = cap;
	s->count = 0;
	s->charged += cap * sizeof(*s->slots);
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].p)
			uset_put(s, old[i].hash, old[i].p, old[i].len);
	free(old);
	if (oldcap) {
		mlg_mem_uncharge(mem, oldcap * sizeof(*s->slots));
		s->charged -= oldcap * sizeof(*s->slots);
	}
	return 0;
}

/* Adds a value: 0 new, 1 seen before, -1 over budget. */
static int uset_add(struct uset *s, const char *p, size_t len, struct mlg_mem *mem)
{
	uint64_t hash = hash_bytes(p, len);
	struct uset_block *b = s->blocks;
	char *copy;
	size_t i;

	if (uset_reserve(s, 1, mem) < 0)
		return -1;
	/* look first: a duplicate costs no copy */
	for (i = (size_t)hash & (s->cap - 1); s->slots[i].p; i = (i + 1) & (s->cap - 1)) {
		const struct uset_slot *e = &s->slots[i];

		if (e->hash == hash && e->len == len && !memcmp(e->p, p, len))
			return 1;
	}
	if (!b || b->cap - b->used < len) {
		size_t cap = len > USET_BLOCK ? len : USET_BLOCK;

		if (mlg_mem_charge(mem, sizeof(*b) + cap) < 0)
			return -1;
		s->charged += sizeof(*b) + cap;
		b = mlg_xmalloc(sizeof(*b) + cap);
		b->cap = cap;
		b->used = 0;
		b->next = s->blocks;
		s->blocks = b;
	}
	copy = b->data + b->used;
	memcpy(copy, p, len);
	b->used += len;
	s->slots[i].hash = hash;
	s->slots[i].p = copy;
	s->slots[i].len = len;
	s->count++;
	return 0;
}

/* Moves every value of `from` into `into`: 0, 1 when one was in both, -1 over budget. */
static int uset_merge(struct uset *into, struct uset *from, struct mlg_mem *mem)
{
	struct uset_block *last;

	if (uset_reserve(into, from->count, mem) < 0)
		return -1;
	for (size_t i = 0; i < from->cap; i++)
		if (from->slots[i].p &&
		    uset_put(into, from->slots[i].hash, from->slots[i].p, from->slots[i].len))
			return 1;
	/* the bytes stay where they are: hand their blocks over */
	if (from->blocks) {
		for (last = from->blocks; last->next; last = last->next)
			;
		last->next = into->blocks;
		into->blocks = from->blocks;
		from->blocks = NULL;
	}
	free(from->slots);
	from->slots = NULL;
	into->charged += from->charged;
	from->charged = 0;
	from->cap = from->count = 0;
	return 0;
}

/* ---- the scanning kind ---- */

struct plan {
	size_t ncolumns;
	uint8_t *key;           /* per column: named like a key */
	struct mlg_mem *mem;
};

struct column_state {
	unsigned int alive;     /* types every non-null value so far parsed as */
	uint64_t nulls, values, nans;
	int has_int, has_float, has_date, has_time;
	int64_t imin, imax, dmin, dmax, tmin, tmax;
	double fmin, fmax;
	int many;               /* more than MLG_PROFILE_FEW distinct values */
	size_t nfew;
	char *few[MLG_PROFILE_FEW + 1];
	uint32_t fewlen[MLG_PROFILE_FEW + 1];
	unsigned int uq_off;    /* UQ_*: why the exact set was given up; 0: still unique */
	struct uset set;
};

struct state {
	struct column_state *cols;
	size_t n;
	struct mlg_mem *mem;
};

static int prepare(void **out, const struct mlg_check *check, struct mlg_scan_setup *setup,
		   struct mlg_result *r)
{
	struct plan *p = mlg_xcalloc(1, sizeof(*p));

	*out = p;
	p->ncolumns = setup->ncolumns;
	p->key = mlg_xcalloc(setup->ncolumns + 1, 1);
	p->mem = setup->mem;
	for (size_t c = 0; c < setup->ncolumns; c++) {
		p->key[c] = (uint8_t)mlg_profile_key_name(setup->columns[c]);
		mlg_scan_use(setup, c);
	}
	return 0;
}

static void *begin(const void *plan)
{
	const struct plan *p = plan;
	struct state *s = mlg_xcalloc(1, sizeof(*s));

	s->n = p->ncolumns;
	s->mem = p->mem;
	s->cols = mlg_xcalloc(s->n + 1, sizeof(*s->cols));
	for (size_t c = 0; c < s->n; c++)
		s->cols[c].alive = ALL_TYPES;
	return s;
}

static void free_few(struct column_state *c)
{
	for (size_t i = 0; i < c->nfew; i++)
		free(c->few[i]);
	c->nfew = 0;
}

static void free_state(void *state)
{
	struct state *s = state;

	if (!s)
		return;
	for (size_t c = 0; c < s->n; c++) {
		free_few(&s->cols[c]);
		uset_release(&s->cols[c].set, s->mem);
	}
	free(s->cols);
	free(s);
}

static void free_plan(void *plan)
{
	struct plan *p = plan;

	if (!p)
		return;
	free(p->key);
	free(p);
}

/* While int is a candidate floats are not parsed (every int is one): the
 * ints seen so far join the float extremes when it stops being one. */
static void fold_int(struct column_state *c)
{
	if (!c->has_int)
		return;
	if (!c->has_float || (double)c->imin < c->fmin)
		c->fmin = (double)c->imin;
	if (!c->has_float || (double)c->imax > c->fmax)
		c->fmax = (double)c->imax;
	c->has_float = 1;
}

/* Likewise dates are timestamps at midnight. */
static void fold_date(struct column_state *c)
{
	if (!c->has_date)
		return;
	if (!c->has_time || c->dmin * DAY_US < c->tmin)
		c->tmin = c->dmin * DAY_US;
	if (!c->has_time || c->dmax * DAY_US > c->tmax)
		c->tmax = c->dmax * DAY_US;
	c->has_time = 1;
}

/* Extremes of the OK values of an int64 column; 0 when one is BAD. */
static int int_extremes(const int64_t *v, const uint8_t *st, size_t n, int *has, int64_t *lo,
			int64_t *hi)
{
	for (size_t i = 0; i < n; i++) {
		if (st[i] == MLG_VALUE_BAD)
			return 0;
		if (st[i] != MLG_VALUE_OK)
			continue;
		if (!*has || v[i] < *lo)
			*lo = v[i];
		if (!*has || v[i] > *hi)
			*hi = v[i];
		*has = 1;
	}
	return 1;
}

static int any_bad(const uint8_t *st, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (st[i] == MLG_VALUE_BAD)
			return 1;
	return 0;
}

static void batch_types(struct column_state *c, struct mlg_batch *b, size_t col)
{
	size_t n = b->nrows;
	const uint8_t *st;
	const void *v;

	if (c->alive & BIT_BOOL) {
		mlg_batch_typed(b, col, MLG_TYPE_BOOL, &st);
		if (any_bad(st, n))
			c->alive &= ~BIT_BOOL;
	}
	if (c->alive & BIT_INT) {
		v = mlg_batch_typed(b, col, MLG_TYPE_INT, &st);
		if (!int_extremes(v, st, n, &c->has_int, &c->imin, &c->imax)) {
			c->alive &= ~BIT_INT;
			fold_int(c);
		}
	}
	if (!(c->alive & BIT_INT) && (c->alive & BIT_FLOAT)) {
		const double *f = mlg_batch_floats(b, col, &st);

		for (size_t i = 0; i < n; i++) {
			if (st[i] == MLG_VALUE_BAD) {
				c->alive &= ~BIT_FLOAT;
				break;
			}
			if (st[i] != MLG_VALUE_OK)
				continue;
			if (isnan(f[i])) {
				c->nans++;
				continue;
			}
			if (!c->has_float || f[i] < c->fmin)
				c->fmin = f[i];
			if (!c->has_float || f[i] > c->fmax)
				c->fmax = f[i];
			c->has_float = 1;
		}
	}
	if (c->alive & BIT_DATE) {
		v = mlg_batch_typed(b, col, MLG_TYPE_DATE, &st);
		if (!int_extremes(v, st, n, &c->has_date, &c->dmin, &c->dmax)) {
			c->alive &= ~BIT_DATE;
			fold_date(c);
		}
	}
	if (!(c->alive & BIT_DATE) && (c->alive & BIT_TIME)) {
		v = mlg_batch_typed(b, col, MLG_TYPE_TIMESTAMP, &st);
		if (!int_extremes(v, st, n, &c->has_time, &c->tmin, &c->tmax))
			c->alive &= ~BIT_TIME;
	}
}

/* Adds a value to the few distinct ones; gives up past MLG_PROFILE_FEW. */
static void few_add(struct column_state *c, const char *p, size_t len)
{
	for (size_t i = 0; i < c->nfew; i++)
		if (c->fewlen[i] == len && !memcmp(c->few[i], p, len))
			return;
	if (c->nfew == MLG_PROFILE_FEW || len > FEW_VALUE_MAX) {
		c->many = 1;
		free_few(c);
		return;
	}
	c->few[c->nfew] = mlg_xstrndup(p, len);
	c->fewlen[c->nfew++] = (uint32_t)len;
}

/*
 * Whether a value rules out a key in a column not named like one: a float,
 * a time or a boolean word. Ints and other text stay candidates. Decided
 * per value, so the outcome does not depend on where batches fall.
 */
static void unique_rule_out(struct column_state *c, struct mlg_batch *b, size_t col)
{
	const uint8_t *si, *sf, *st, *sb;

	mlg_batch_typed(b, col, MLG_TYPE_INT, &si);
	if (!any_bad(si, b->nrows))
		return;
	mlg_batch_typed(b, col, MLG_TYPE_FLOAT, &sf);
	mlg_batch_typed(b, col, MLG_TYPE_TIMESTAMP, &st);
	mlg_batch_typed(b, col, MLG_TYPE_BOOL, &sb);
	for (size_t i = 0; i < b->nrows; i++)
		if (si[i] == MLG_VALUE_BAD &&
		    (sf[i] == MLG_VALUE_OK || st[i] == MLG_VALUE_OK || sb[i] == MLG_VALUE_OK)) {
			c->uq_off |= UQ_TYPE;
			return;
		}
}

static void give_up_set(struct column_state *c, unsigned int why, struct mlg_mem *mem)
{
	c->uq_off |= why;
	uset_release(&c->set, mem);
}

static int batch(const void *plan, void *state, struct mlg_batch *b, char **error)
{
	const struct plan *p = plan;
	struct state *s = state;

	for (size_t col = 0; col < s->n; col++) {
		struct column_state *c = &s->cols[col];
		const struct mlg_cell *cells = mlg_batch_cells(b, col);
		uint64_t nulls = 0;

		for (size_t i = 0; i < b->nrows; i++)
			nulls += cells[i].is_null;
		c->nulls += nulls;
		c->values += b->nrows - nulls;
		if (nulls < b->nrows && (c->alive & ALL_TYPES))
			batch_types(c, b, col);
		if (!c->many)
			for (size_t i = 0; i < b->nrows && !c->many; i++)
				if (!cells[i].is_null)
					few_add(c, cells[i].data, cells[i].len);
		if (c->uq_off)
			continue;
		if (nulls) {
			give_up_set(c, UQ_NULL, p->mem);
			continue;
		}
		if (!p->key[col]) {
			unique_rule_out(c, b, col);
			if (c->uq_off) {
				give_up_set(c, 0, p->mem);
				continue;
			}
		}
		for (size_t i = 0; i < b->nrows; i++) {
			int rc = uset_add(&c->set, cells[i].data, cells[i].len, p->mem);

			if (rc) {
				give_up_set(c, rc > 0 ? UQ_DUP : UQ_BUDGET, p->mem);
				break;
			}
		}
	}
	return 0;
}

static void merge_column(struct column_state *a, struct column_state *b, struct mlg_mem *mem)
{
	unsigned int alive = a->alive & b->alive;

	if (!(alive & BIT_INT)) {
		if (a->alive & BIT_INT)
			fold_int(a);
		if (b->alive & BIT_INT)
			fold_int(b);
	}
	if (!(alive & BIT_DATE)) {
		if (a->alive & BIT_DATE)
			fold_date(a);
		if (b->alive & BIT_DATE)
			fold_date(b);
	}
	a->alive = alive;
	a->nulls += b->nulls;
	a->values += b->values;
	a->nans += b->nans;
#define MERGE_EXTREMES(has, lo, hi)                                   \
	if (b->has) {                                                 \
		if (!a->has || b->lo < a->lo)                         \
			a->lo = b->lo;                                \
		if (!a->has || b->hi > a->hi)                         \
			a->hi = b->hi;                                \
		a->has = 1;                                           \
	}
	MERGE_EXTREMES(has_int, imin, imax)
	MERGE_EXTREMES(has_float, fmin, fmax)
	MERGE_EXTREMES(has_date, dmin, dmax)
	MERGE_EXTREMES(has_time, tmin, tmax)
#undef MERGE_EXTREMES
	if (b->many)
		a->many = 1;
	for (size_t i = 0; i < b->nfew && !a->many; i++)
		few_add(a, b->few[i], b->fewlen[i]);
	if (a->many)
		free_few(a);
	a->uq_off |= b->uq_off;
	if (!a->uq_off) {
		int rc = uset_merge(&a->set, &b->set, mem);

		if (rc)
			a->uq_off |= rc > 0 ? UQ_DUP : UQ_BUDGET;
	}
	if (a->uq_off)
		uset_release(&a->set, mem);
	uset_release(&b->set, mem);
}

static void merge(const void *plan, void *into, void *from, uint64_t row_base)
{
	struct state *a = into, *b = from;

	for (size_t c = 0; c < a->n; c++)
		merge_column(&a->cols[c], &b->cols[c], a->mem);
}

static int cmp_text(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static int cmp_int_text(const void *x, const void *y)
{
	const char *a = *(char *const *)x, *b = *(char *const *)y;
	int64_t u = 0, v = 0;

	mlg_parse_int(a, strlen(a), &u);
	mlg_parse_int(b, strlen(b), &v);
	if (u != v)
		return u < v ? -1 : 1;
	return strcmp(a, b);
}

/* The distinct values, sorted (ints by their value), as the cells spell them. */
static void take_few(struct mlg_profile_column *pc, struct column_state *c)
{
	if (c->many || !c->nfew)
		return;
	pc->few = mlg_xcalloc(c->nfew + 1, sizeof(char *));
	for (size_t i = 0; i < c->nfew; i++) {
		pc->few[i] = c->few[i];
		c->few[i] = NULL;
	}
	pc->nfew = c->nfew;
	c->nfew = 0;
	qsort(pc->few, pc->nfew, sizeof(char *),
	      pc->type == MLG_TYPE_INT ? cmp_int_text : cmp_text);
}

static void end(const struct mlg_check *check, const struct mlg_scan_input *in, size_t nin,
		struct mlg_result *r)
{
	struct mlg_profile *out = mlg_engine_adhoc_payload(check);
	const struct plan *p = in[0].plan;
	struct state *s = in[0].state;

	out->rows = in[0].nrows;
	out->ncolumns = s->n;
	out->columns = mlg_xcalloc(s->n + 1, sizeof(*out->columns));
	for (size_t col = 0; col < s->n; col++) {
		struct column_state *c = &s->cols[col];
		struct mlg_profile_column *pc = &out->columns[col];

		pc->name = mlg_xstrdup(in[0].columns[col]);
		pc->type = mlg_profile_type(c->alive, c->values);
		pc->nulls = c->nulls;
		pc->values = c->values;
		pc->key_name = p->key[col];
		switch (pc->type) {
		case MLG_TYPE_INT:
			pc->has_min = pc->has_max = c->has_int;
			pc->min = (double)c->imin;
			pc->max = (double)c->imax;
			break;
		case MLG_TYPE_FLOAT:
			pc->nans = c->nans;
			pc->has_min = c->has_float && isfinite(c->fmin);
			pc->has_max = c->has_float && isfinite(c->fmax);
			pc->min = c->fmin;
			pc->max = c->fmax;
			break;
		case MLG_TYPE_DATE:
			pc->has_min = pc->has_max = c->has_date;
			pc->min = (double)c->dmin;
			pc->max = (double)c->dmax;
			break;
		case MLG_TYPE_TIMESTAMP:
			pc->has_min = pc->has_max = c->has_time;
			pc->min = (double)c->tmin;
			pc->max = (double)c->tmax;
			break;
		default:
			break;
		}
		take_few(pc, c);
		pc->unique = !c->uq_off && !c->nulls && c->values > 0;
		pc->unique_unknown = c->uq_off == UQ_BUDGET && !c->nulls;
	}
	mlg_result_set(r, MLG_STATUS_PASSED, "profiled %llu rows", (unsigned long long)out->rows);
}

static const struct mlg_scan_ops profile_scan = { prepare, begin, batch, merge, end, free_state,
						  free_plan };

static const struct mlg_param profile_params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "dataset to profile" },
	{ NULL, 0, 0, NULL, NULL }
};

/* Not in the registry: only mlgate profile runs it, through the ad-hoc scan. */
static const struct mlg_check_kind profile_kind = {
	.abi = MLG_KIND_ABI,
	.name = "profile",
	.summary = "types, nulls, extremes and few values of every column, for mlgate profile",
	.params = profile_params,
	.example = "{}",
	.scan = &profile_scan,
};

int mlg_profile_scan(struct mlg_profile **out, const struct mlg_suite *suite,
		     const struct mlg_dataset *dataset, const struct mlg_profile_options *opts)
{
	struct mlg_adhoc_options ao = MLG_ADHOC_OPTIONS_INIT;
	struct mlg_profile *p = mlg_xcalloc(1, sizeof(*p));
	struct mlg_result r;
	struct mlg_input input;
	int error;

	*out = NULL;
	if (opts->version != MLG_PROFILE_OPTIONS_VERSION) {
		free(p);
		return mlg_error_code(MLG_EINVALID, "profile options version %u is not %u",
				      opts->version, MLG_PROFILE_OPTIONS_VERSION);
	}
	ao.jobs = opts->jobs;
	ao.payload = p;
	ao.cancel = opts->cancel;
	if ((error = mlg_engine_scan_adhoc(&r, &input, suite, dataset, &profile_kind, &ao)) < 0) {
		free(p);
		return error;
	}
	if (r.status != MLG_STATUS_PASSED || !p->columns) {
		error = mlg_error_set("%s", r.message ? r.message : "the data could not be read");
		goto fail;
	}
	if (!p->rows) {
		error = mlg_error_set("'%s' has no data rows: there is nothing to profile",
				      dataset->path);
		goto fail;
	}
	p->bytes = input.bytes;
	memcpy(p->sha256, input.sha256, sizeof(p->sha256));
	mlg_result_release(&r);
	*out = p;
	return 0;

fail:
	mlg_result_release(&r);
	mlg_profile_free(p);
	return error;
}

void mlg_profile_free(struct mlg_profile *profile)
{
	if (!profile)
		return;
	for (size_t i = 0; i < profile->ncolumns; i++) {
		struct mlg_profile_column *c = &profile->columns[i];

		free(c->name);
		for (size_t j = 0; j < c->nfew; j++)
			free(c->few[j]);
		free(c->few);
	}
	free(profile->columns);
	free(profile);
}

/* ---- the suite text ---- */

/* A kind this mlgate has, taking every parameter named. */
static int kind_takes(const char *name, const char *const *params)
{
	const struct mlg_check_kind *k = mlg_registry_find(name);

	if (!k)
		return 0;
	for (; *params; params++) {
		const struct mlg_param *p;

		for (p = k->params; p->name && strcmp(p->name, *params); p++)
			;
		if (!p->name)
			return 0;
	}
	return 1;
}

static void add_json_string(struct mlg_strbuf *sb, const char *s)
{
	cJSON *str = cJSON_CreateString(s);
	char *text = str ? cJSON_PrintUnformatted(str) : NULL;

	if (!text)
		mlg_die_oom();
	mlg_strbuf_addstr(sb, text);
	cJSON_free(text);
	cJSON_Delete(str);
}

/* A JSON value on one line, with a space after each comma of a list. */
static void add_json_inline(struct mlg_strbuf *sb, const cJSON *v)
{
	char *text;

	if (cJSON_IsArray(v)) {
		mlg_strbuf_addch(sb, '[');
		for (const cJSON *it = v->child; it; it = it->next) {
			add_json_inline(sb, it);
			if (it->next)
				mlg_strbuf_addstr(sb, ", ");
		}
		mlg_strbuf_addch(sb, ']');
		return;
	}
	if (!(text = cJSON_PrintUnformatted(v)))
		mlg_die_oom();
	mlg_strbuf_addstr(sb, text);
	cJSON_free(text);
}

/* Text from the data inside a // comment: one line, nothing that ends it. */
static void add_comment_text(struct mlg_strbuf *sb, const char *s)
{
	for (; *s; s++)
		mlg_strbuf_addch(sb, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static const char *format_date(int64_t days, char buf[40])
{
	time_t t = (time_t)(days * 86400);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 8099)
		snprintf(buf, 40, "%lld", (long long)days);
	else
		snprintf(buf, 40, "%04d-%02d-%02d", (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
			 tm.tm_mday % 100);
	return buf;
}

/* A value of a column's type as the summary comment shows it. */
static const char *show_value(const struct mlg_profile_column *c, double v, char buf[40])
{
	if (c->type == MLG_TYPE_DATE)
		return format_date((int64_t)v, buf);
	if (c->type == MLG_TYPE_TIMESTAMP)
		return mlg_format_time((int64_t)v, buf);
	return mlg_format_number(v, buf);
}

struct writer {
	struct mlg_strbuf out;       /* the checks, joined */
	struct mlg_strbuf pending;   /* comments waiting for the next check */
	size_t nchecks;
	const char *dataset;         /* the name, as JSON */
};

static void comment(struct writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void comment(struct writer *w, const char *fmt, ...)
{
	struct mlg_strbuf line = MLG_STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	mlg_strbuf_vaddf(&line, fmt, ap);
	va_end(ap);
	mlg_strbuf_addstr(&w->pending, "\t\t// ");
	add_comment_text(&w->pending, mlg_strbuf_str(&line));
	mlg_strbuf_addch(&w->pending, '\n');
	mlg_strbuf_release(&line);
}

/* Starts a check object: comments, separator, kind and dataset. */
static void check_begin(struct writer *w, struct mlg_strbuf *sb, const char *kind)
{
	mlg_strbuf_reset(sb);
	mlg_strbuf_addf(sb, "{ \"kind\": \"%s\", \"dataset\": %s", kind, w->dataset);
}

static void check_end(struct writer *w, struct mlg_strbuf *sb)
{
	if (w->nchecks++)
		mlg_strbuf_addstr(&w->out, ",\n");
	mlg_strbuf_addstr(&w->out, mlg_strbuf_str(&w->pending));
	mlg_strbuf_addf(&w->out, "\t\t%s }", mlg_strbuf_str(sb));
	mlg_strbuf_reset(&w->pending);
}

static void add_number(struct mlg_strbuf *sb, const char *key, double v)
{
	char buf[32];

	mlg_strbuf_addf(sb, ", \"%s\": %s", key, mlg_format_number(v, buf));
}

/* One line describing what the column held, above its checks. */
static void describe_column(struct writer *w, const struct mlg_profile_column *c, uint64_t rows)
{
	struct mlg_strbuf d = MLG_STRBUF_INIT;
	char a[40], b[40];

	mlg_strbuf_addf(&d, "%s: %s", c->name, mlg_type_name(c->type));
	if (!c->values) {
		mlg_strbuf_addf(&d, ", every one of the %llu values is null", (unsigned long long)rows);
	} else {
		if (c->nulls)
			mlg_strbuf_addf(&d, ", %llu null (%s%%)", (unsigned long long)c->nulls,
					mlg_format_share(100.0 * (double)c->nulls / (double)rows, a));
		else
			mlg_strbuf_addstr(&d, ", no nulls");
		if (c->has_min && c->has_max)
			mlg_strbuf_addf(&d, ", seen %s to %s", show_value(c, c->min, a),
					show_value(c, c->max, b));
		if (c->nans)
			mlg_strbuf_addf(&d, ", %llu NaN", (unsigned long long)c->nans);
		if (c->few)
			mlg_strbuf_addf(&d, ", %zu distinct value%s", c->nfew, c->nfew == 1 ? "" : "s");
		if (c->unique)
			mlg_strbuf_addstr(&d, ", every value distinct");
	}
	comment(w, "%s", d.buf);
	mlg_strbuf_release(&d);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static void write_range(struct writer *w, struct mlg_strbuf *sb,
			const struct mlg_profile_column *c, double margin)
{
	static const char *const range_params[] = { "column", "min", "max", "mostly", NULL };
	char a[40], b[40];

	if (c->type != MLG_TYPE_INT && c->type != MLG_TYPE_FLOAT && c->type != MLG_TYPE_DATE &&
	    c->type != MLG_TYPE_TIMESTAMP)
		return;
	if (!c->has_min && !c->has_max) {
		if (c->values > c->nans)
			comment(w, "no data.range for %s: its values reach infinity", c->name);
		return;
	}
	if (!kind_takes("data.range", range_params))
		return;
	check_begin(w, sb, "data.range");
	mlg_strbuf_addstr(sb, ", \"column\": ");
	add_json_string(sb, c->name);
	if (c->type == MLG_TYPE_DATE || c->type == MLG_TYPE_TIMESTAMP) {
		int64_t lo, hi;
		int date = c->type == MLG_TYPE_DATE;

		/* dates are compared as timestamps at midnight: whole days */
		mlg_profile_widen_time(date ? (int64_t)c->min * DAY_US : (int64_t)c->min,
				       date ? (int64_t)c->max * DAY_US : (int64_t)c->max,
				       margin, &lo, &hi);
		if (date) {
			lo = floor_div(lo, DAY_US);
			hi = -floor_div(-hi, DAY_US);
		}
		mlg_strbuf_addf(sb, ", \"min\": \"%s\", \"max\": \"%s\"",
				date ? format_date(lo, a) : mlg_format_time(lo, a),
				date ? format_date(hi, b) : mlg_format_time(hi, b));
	} else {
		double lo, hi;

		mlg_profile_widen(c->has_min ? c->min : c->max, c->has_max ? c->max : c->min, margin,
				  c->type == MLG_TYPE_INT, &lo, &hi);
		if (c->has_min)
			add_number(sb, "min", lo);
		if (c->has_max)
			add_number(sb, "max", hi);
		if (c->nans) {
			/* NaN is outside every range: allow the share seen */
			add_number(sb, "mostly", mlg_profile_mostly(c->values - c->nans, c->values, margin));
		}
	}
	check_end(w, sb);
}

static void write_allowed_values(struct writer *w, struct mlg_strbuf *sb,
				 const struct mlg_profile_column *c)
{
	static const char *const params[] = { "column", "values", NULL };

	if (!c->few || (c->type != MLG_TYPE_STRING && c->type != MLG_TYPE_INT))
		return;
	/* few values, and few compared with the rows: a category, not a sample */
	if (c->nfew > MLG_PROFILE_FEW || (uint64_t)c->nfew * 20 > c->values)
		return;
	if (!kind_takes("data.allowed_values", params)) {
		comment(w, "%s looks like a category, but this mlgate has no data.allowed_values", c->name);
		return;
	}
	check_begin(w, sb, "data.allowed_values");
	mlg_strbuf_addstr(sb, ", \"column\": ");
	add_json_string(sb, c->name);
	mlg_strbuf_addstr(sb, ", \"values\": [");
	/* the kind compares text: "7" and "07" are both listed when both were seen */
	for (size_t i = 0; i < c->nfew; i++) {
		if (i)
			mlg_strbuf_addstr(sb, ", ");
		add_json_string(sb, c->few[i]);
	}
	mlg_strbuf_addch(sb, ']');
	check_end(w, sb);
}

static void write_unique(struct writer *w, struct mlg_strbuf *sb, const struct mlg_profile_column *c,
			 uint64_t rows)
{
	static const char *const params[] = { "columns", NULL };
	int type_ok = c->type == MLG_TYPE_INT || c->type == MLG_TYPE_STRING;

	if (c->unique_unknown && (c->key_name || type_ok)) {
		comment(w, "no data.unique for %s: max_memory ran out while its values were tracked",
			c->name);
		return;
	}
	if (!c->unique || !(c->key_name || (type_ok && rows >= UNIQUE_MIN_ROWS)))
		return;
	if (!kind_takes("data.unique", params)) {
		comment(w, "every value of %s is distinct, but this mlgate has no data.unique", c->name);
		return;
	}
	check_begin(w, sb, "data.unique");
	mlg_strbuf_addstr(sb, ", \"columns\": [");
	add_json_string(sb, c->name);
	mlg_strbuf_addch(sb, ']');
	check_end(w, sb);
}

/* The first column of each name, with a name: the only ones checks can name. */
static int column_usable(const struct mlg_profile *p, size_t i)
{
	if (!*p->columns[i].name)
		return 0;
	for (size_t j = 0; j < i; j++)
		if (!strcmp(p->columns[j].name, p->columns[i].name))
			return 0;
	return 1;
}

char *mlg_profile_suite(const struct mlg_profile *p, const struct mlg_profile_suite_options *o,
			size_t *nchecks)
{
	static const char *const not_null_params[] = { "columns", "mostly", NULL };
	static const char *const row_params[] = { "min", "max", NULL };
	struct mlg_strbuf text = MLG_STRBUF_INIT, name = MLG_STRBUF_INIT, sb = MLG_STRBUF_INIT;
	struct writer w;
	char a[40];
	size_t n;

	memset(&w, 0, sizeof(w));
	add_json_string(&name, o->name);
	w.dataset = name.buf;

	mlg_strbuf_addstr(&text, "// Generated by `mlgate profile` from ");
	add_comment_text(&text, o->source);
	mlg_strbuf_addf(&text, " (%llu row%s, sha256 %s) on %s.\n", (unsigned long long)p->rows,
			mlg_plural(p->rows), *p->sha256 ? p->sha256 : "unknown", o->date);
	mlg_strbuf_addf(&text,
			"// Review before committing: every bound is what this one file showed, ranges\n"
			"// widened by %s%% of the observed span on each side. Keep what the data must\n"
			"// always satisfy, tighten or loosen the rest, and delete what does not hold.\n",
			mlg_format_share(o->margin * 100, a));

	/* row count */
	if (kind_takes("data.row_count", row_params)) {
		comment(&w, "%llu rows seen; allowed: from half (floor(rows/2)) to twice as many (rows*2)",
			(unsigned long long)p->rows);
		check_begin(&w, &sb, "data.row_count");
		mlg_strbuf_addf(&sb, ", \"min\": %llu, \"max\": %llu", (unsigned long long)(p->rows / 2),
				(unsigned long long)(p->rows * 2));
		check_end(&w, &sb);
	}

	/* schema: every column and its type; nullable only where nulls were seen */
	check_begin(&w, &sb, "data.schema");
	mlg_strbuf_addstr(&sb, ", \"columns\": {");
	n = 0;
	for (size_t i = 0; i < p->ncolumns; i++) {
		const struct mlg_profile_column *c = &p->columns[i];

		if (!column_usable(p, i))
			continue;
		mlg_strbuf_addstr(&sb, n++ ? ",\n\t\t\t" : "\n\t\t\t");
		add_json_string(&sb, c->name);
		if (c->nulls)
			mlg_strbuf_addf(&sb, ": \"%s\"", mlg_type_name(c->type));
		else
			mlg_strbuf_addf(&sb, ": { \"type\": \"%s\", \"nullable\": false }",
					mlg_type_name(c->type));
	}
	mlg_strbuf_addstr(&sb, "\n\t\t}");
	for (size_t i = 0; i < p->ncolumns; i++)
		if (!column_usable(p, i))
			comment(&w, "column %zu ('%s') is left out: %s", i + 1, p->columns[i].name,
				*p->columns[i].name ? "another column has its name" : "it has no name");
	check_end(&w, &sb);

	/* the columns without nulls, in one check */
	if (kind_takes("data.not_null", not_null_params)) {
		check_begin(&w, &sb, "data.not_null");
		mlg_strbuf_addstr(&sb, ", \"columns\": [");
		n = 0;
		for (size_t i = 0; i < p->ncolumns; i++) {
			if (!column_usable(p, i) || p->columns[i].nulls)
				continue;
			if (n++)
				mlg_strbuf_addstr(&sb, ", ");
			add_json_string(&sb, p->columns[i].name);
		}
		mlg_strbuf_addch(&sb, ']');
		if (n) {
			comment(&w, "the columns where no nulls were seen");
			check_end(&w, &sb);
		}
	}

	/* then column by column */
	for (size_t i = 0; i < p->ncolumns; i++) {
		const struct mlg_profile_column *c = &p->columns[i];

		if (!column_usable(p, i))
			continue;
		describe_column(&w, c, p->rows);
		if (c->nulls && c->values && kind_takes("data.not_null", not_null_params)) {
			double mostly = mlg_profile_mostly(c->values, p->rows, o->margin);

			if (mostly > 0) {
				check_begin(&w, &sb, "data.not_null");
				mlg_strbuf_addstr(&sb, ", \"columns\": ");
				add_json_string(&sb, c->name);
				add_number(&sb, "mostly", mostly);
				check_end(&w, &sb);
			}
		}
		write_unique(&w, &sb, c, p->rows);
		write_range(&w, &sb, c, o->margin);
		write_allowed_values(&w, &sb, c);
	}

	mlg_strbuf_addstr(&text, "{\n\t\"mlgate\": 1,\n\t\"suite\": ");
	mlg_strbuf_addstr(&text, name.buf);
	/* a suite reads only under its own folder unless it says so */
	if (o->allow_outside) {
		mlg_strbuf_addstr(&text, ",\n\t\"paths\": { \"allow_outside\": [");
		add_json_string(&text, o->allow_outside);
		mlg_strbuf_addstr(&text, "] }");
	}
	mlg_strbuf_addf(&text, ",\n\t\"datasets\": {\n\t\t%s: {", name.buf);
	n = 0;
	for (const cJSON *it = o->dataset->child; it; it = it->next) {
		mlg_strbuf_addstr(&text, n++ ? ", " : " ");
		add_json_string(&text, it->string);
		mlg_strbuf_addstr(&text, ": ");
		add_json_inline(&text, it);
	}
	mlg_strbuf_addstr(&text, " }\n\t},\n\t\"checks\": [\n");
	mlg_strbuf_addstr(&text, mlg_strbuf_str(&w.out));
	if (w.pending.len) {
		/* notes after the last check */
		mlg_strbuf_addstr(&text, "\n");
		mlg_strbuf_addstr(&text, w.pending.buf);
	} else {
		mlg_strbuf_addch(&text, '\n');
	}
	mlg_strbuf_addstr(&text, "\t]\n}\n");
	*nchecks = w.nchecks;
	mlg_strbuf_release(&w.out);
	mlg_strbuf_release(&w.pending);
	mlg_strbuf_release(&name);
	mlg_strbuf_release(&sb);
	return mlg_strbuf_detach(&text);
}
