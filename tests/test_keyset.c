/*
 * Unit tests for the exact key sets (runner/keyset.c).
 *
 * Every analysis is checked against a reference made by sorting, on keys
 * cut into 1 to 7 parts and merged in order: counts and hits must be the
 * same however the keys are cut (that is what makes `mlgate run -j`
 * deterministic). Also: compound keys are unambiguous, MLG_KEYSET_FIRST_ONLY
 * keeps memory to the distinct keys, and the budget is kept exactly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/batch.h"
#include "mlgate/keyset.h"
#include "batch_internal.h"

/* A reproducible generator (xorshift64*). */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

struct item {
	char key[80];
	size_t len;
	char value[8];
	uint64_t row;
};

/* n rows of keys drawn from `distinct` (some long, one empty), rows 1..n. */
static struct item *make_items(size_t n, size_t distinct, uint64_t seed)
{
	struct item *it = calloc(n, sizeof(*it));

	rng_state = seed;
	for (size_t i = 0; i < n; i++) {
		uint64_t k = rnd() % distinct;

		if (k == 0)
			it[i].len = 0;
		else if (k % 7 == 0)
			it[i].len = (size_t)snprintf(it[i].key, sizeof(it[i].key),
						     "a-long-key-of-more-than-forty-eight-bytes-number-%llu",
						     (unsigned long long)k);
		else
			it[i].len = (size_t)snprintf(it[i].key, sizeof(it[i].key), "%llu", (unsigned long long)k);
		snprintf(it[i].value, sizeof(it[i].value), "%c", (int)('a' + (k * 31 + (rnd() % 50 == 0)) % 3));
		it[i].row = i + 1;
	}
	return it;
}

static int cmp_items(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->key, y->key, n);

	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

/* Fills a set from items, cut into `nparts` parts merged in file order. */
static struct mlg_keyset *build(const struct item *it, size_t n, size_t nparts, unsigned int flags,
				struct mlg_mem *mem)
{
	struct mlg_keyset *all = NULL;
	size_t start = 0;

	for (size_t p = 0; p < nparts; p++) {
		size_t end = n * (p + 1) / nparts;
		struct mlg_keyset *ks = mlg_keyset_new(mem, flags);

		for (size_t i = start; i < end; i++) {
			/* rows within the part, from 1 */
			uint64_t row = it[i].row - start;
			int rc = (flags & MLG_KEYSET_VALUES)
					 ? mlg_keyset_add_value(ks, it[i].key, it[i].len, it[i].value,
								strlen(it[i].value), row)
					 : mlg_keyset_add(ks, it[i].key, it[i].len, row);

			assert_int_equal(rc, 0);
		}
		if (!all) {
			all = ks;
		} else {
			mlg_keyset_merge(all, ks, start);
			mlg_keyset_free(ks);
		}
		start = end;
	}
	return all;
}

struct hits {
	uint64_t *row, *other;
	size_t n;
};

static void collect(void *payload, const struct mlg_keyset_hit *hit)
{
	struct hits *h = payload;

	h->row[h->n] = hit->row;
	h->other[h->n] = hit->other_row;
	h->n++;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Orders the hits by row (they come partition by partition). */
static void sort_hits(struct hits *h)
{
	uint64_t *pairs = malloc(2 * h->n * sizeof(uint64_t));

	for (size_t i = 0; i < h->n; i++) {
		pairs[2 * i] = h->row[i];
		pairs[2 * i + 1] = h->other[i];
	}
	qsort(pairs, h->n, 2 * sizeof(uint64_t), cmp_u64);
	for (size_t i = 0; i < h->n; i++) {
		h->row[i] = pairs[2 * i];
		h->other[i] = pairs[2 * i + 1];
	}
	free(pairs);
}

static void test_hash(void **state)
{
	char a[100], b[100];

	(void)state;
	memset(a, 'x', sizeof(a));
	memcpy(b, a, sizeof(b));
	for (size_t len = 0; len <= sizeof(a); len++) {
		assert_true(mlg_keyset_hash(a, len) == mlg_keyset_hash(b, len));
		if (len) {
			b[len - 1] = 'y';
			assert_true(mlg_keyset_hash(a, len) != mlg_keyset_hash(b, len));
			b[len - 1] = 'x';
		}
		if (len < sizeof(a))
			assert_true(mlg_keyset_hash(a, len) != mlg_keyset_hash(a, len + 1));
	}
}

static void test_compound_keys_unambiguous(void **state)
{
	struct mlg_keybuf k1 = MLG_KEYBUF_INIT, k2 = MLG_KEYBUF_INIT;
	char *text;

	(void)state;
	mlg_keybuf_add(&k1, "a", 1, 0);
	mlg_keybuf_add(&k1, "bc", 2, 0);
	mlg_keybuf_add(&k2, "ab", 2, 0);
	mlg_keybuf_add(&k2, "c", 1, 0);
	assert_false(k1.len == k2.len && !memcmp(k1.buf, k2.buf, k1.len));
	mlg_keybuf_reset(&k1);
	mlg_keybuf_reset(&k2);
	mlg_keybuf_add(&k1, NULL, 0, 1);
	mlg_keybuf_add(&k1, "x", 1, 0);
	mlg_keybuf_add(&k2, "", 0, 0);
	mlg_keybuf_add(&k2, "x", 1, 0);
	assert_false(k1.len == k2.len && !memcmp(k1.buf, k2.buf, k1.len));
	text = mlg_keyset_key_text(k1.buf, k1.len, 1, 0);
	assert_string_equal(text, "(null), x");
	free(text);
	text = mlg_keyset_key_text(k2.buf, k2.len, 1, 0);
	assert_string_equal(text, ", x");
	free(text);
	/* a long part: its length takes two varint bytes */
	{
		char big[300];

		memset(big, 'z', sizeof(big));
		mlg_keybuf_reset(&k1);
		mlg_keybuf_add(&k1, big, sizeof(big), 0);
		mlg_keybuf_add(&k1, "7", 1, 0);
		text = mlg_keyset_key_text(k1.buf, k1.len, 1, 0);
		assert_int_equal(strlen(text), 300 + 3);
		assert_string_equal(text + 300, ", 7");
		free(text);
		/* cut, never inside a character */
		text = mlg_keyset_key_text("ab\xc3\xa9" "cd", 6, 0, 3);
		assert_string_equal(text, "ab...");
		free(text);
		text = mlg_keyset_key_text("ab\xc3\xa9" "cd", 6, 0, 4);
		assert_string_equal(text, "ab\xc3\xa9...");
		free(text);
		text = mlg_keyset_key_text("abc", 3, 0, 3);
		assert_string_equal(text, "abc");
		free(text);
	}
	mlg_keybuf_release(&k1);
	mlg_keybuf_release(&k2);
}

/* Duplicates: counts and every repeat with its first row, for 1 to 7 parts. */
static void test_count_against_reference(void **state)
{
	/* ~500 distinct keys a partition: the working table grows */
	size_t n = 200000;
	struct item *it = make_items(n, 150000, 42), *sorted = malloc(n * sizeof(*it));
	uint64_t distinct = 0, repeated = 0, repeats = 0;
	struct hits want = { calloc(n, 8), calloc(n, 8), 0 };

	(void)state;
	memcpy(sorted, it, n * sizeof(*it));
	qsort(sorted, n, sizeof(*it), cmp_items);
	for (size_t i = 0, first = 0; i < n; i++) {
		if (i == 0 || sorted[i].len != sorted[first].len ||
		    memcmp(sorted[i].key, sorted[first].key, sorted[i].len)) {
			first = i;
			distinct++;
			continue;
		}
		if (i == first + 1)
			repeated++;
		repeats++;
		want.row[want.n] = sorted[i].row;
		want.other[want.n] = sorted[first].row;
		want.n++;
	}
	sort_hits(&want);
	for (size_t parts = 1; parts <= 7; parts++) {
		struct mlg_mem mem;
		struct mlg_keyset *ks;
		struct mlg_keyset_counts c;
		struct hits got = { calloc(n, 8), calloc(n, 8), 0 };

		mlg_mem_init(&mem, 0);
		ks = build(it, n, parts, MLG_KEYSET_ROWS, &mem);
		assert_int_equal(mlg_keyset_count(ks, &c, collect, &got), 0);
		assert_int_equal(c.keys, n);
		assert_int_equal(c.distinct, distinct);
		assert_int_equal(c.repeated, repeated);
		assert_int_equal(c.repeats, repeats);
		sort_hits(&got);
		assert_int_equal(got.n, want.n);
		assert_memory_equal(got.row, want.row, want.n * 8);
		assert_memory_equal(got.other, want.other, want.n * 8);
		mlg_keyset_free(ks);
		assert_int_equal(atomic_load(&mem.used), 0);
		free(got.row);
		free(got.other);
	}
	free(want.row);
	free(want.other);
	free(sorted);
	free(it);
}

/* The first few hits in row order, whatever order they were offered in. */
static void test_examples_keep_lowest_rows(void **state)
{
	struct mlg_keyset_examples ex;
	uint64_t rows[] = { 50, 7, 99, 3, 12, 8, 1000, 2, 60 };

	(void)state;
	mlg_keyset_examples_init(&ex, 4);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct mlg_keyset_hit h = { rows[i], rows[i] + 1, "k", 1, "v", 1, NULL, 0 };

		mlg_keyset_examples_offer(&ex, &h);
	}
	mlg_keyset_examples_sort(&ex);
	assert_int_equal(ex.n, 4);
	assert_int_equal(ex.offered, 9);
	assert_int_equal(ex.items[0].row, 2);
	assert_int_equal(ex.items[1].row, 3);
	assert_int_equal(ex.items[2].row, 7);
	assert_int_equal(ex.items[3].row, 8);
	assert_int_equal(ex.items[3].other_row, 9);
	assert_string_equal(ex.items[0].value, "v");
	assert_null(ex.items[0].other_value);
	mlg_keyset_examples_release(&ex);
	mlg_keyset_examples_init(&ex, 0);
	mlg_keyset_examples_offer(&ex, &(struct mlg_keyset_hit){ 1, 0, "k", 1, NULL, 0, NULL, 0 });
	assert_int_equal(ex.n, 0);
	mlg_keyset_examples_release(&ex);
}

/* Overlap of two sets, the second compacted (first occurrences only). */
static void test_overlap_against_reference(void **state)
{
	size_t na = 30000, nb = 300000;
	struct item *a = make_items(na, 50000, 1), *b = make_items(nb, 9000, 2);
	struct item *sb = malloc(nb * sizeof(*b));
	uint64_t keys = 0, rows = 0;
	struct hits want = { calloc(na, 8), calloc(na, 8), 0 };
	uint8_t *seen;

	(void)state;
	memcpy(sb, b, nb * sizeof(*b));
	qsort(sb, nb, sizeof(*b), cmp_items);
	seen = calloc(nb, 1);
	for (size_t i = 0; i < na; i++) {
		/* the first row of a[i]'s key in b: the lowest of the equal run */
		size_t lo = 0, hi = nb;
		struct item probe = a[i];

		probe.row = 0;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (cmp_items(&sb[mid], &probe) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == nb || sb[lo].len != a[i].len || memcmp(sb[lo].key, a[i].key, a[i].len))
			continue;
		rows++;
		if (!seen[lo]) {
			seen[lo] = 1;
			keys++;
		}
		want.row[want.n] = a[i].row;
		want.other[want.n] = sb[lo].row;
		want.n++;
	}
	sort_hits(&want);
	for (size_t parts = 1; parts <= 4; parts++) {
		struct mlg_mem mem;
		struct mlg_keyset *ka, *kb;
		struct mlg_keyset_overlap o;
		struct hits got = { calloc(na, 8), calloc(na, 8), 0 };

		mlg_mem_init(&mem, 0);
		ka = build(a, na, parts, MLG_KEYSET_ROWS, &mem);
		kb = build(b, nb, parts % 2 + 1, MLG_KEYSET_ROWS | MLG_KEYSET_FIRST_ONLY, &mem);
		assert_true(mlg_keyset_size(kb) < nb); /* compaction dropped repeats */
		assert_int_equal(mlg_keyset_overlap(ka, kb, &o, collect, &got), 0);
		assert_int_equal(o.keys, keys);
		assert_int_equal(o.rows, rows);
		sort_hits(&got);
		assert_int_equal(got.n, want.n);
		assert_memory_equal(got.row, want.row, want.n * 8);
		assert_memory_equal(got.other, want.other, want.n * 8);
		mlg_keyset_free(ka);
		mlg_keyset_free(kb);
		assert_int_equal(atomic_load(&mem.used), 0);
		free(got.row);
		free(got.other);
	}
	free(want.row);
	free(want.other);
	free(seen);
	free(sb);
	free(a);
	free(b);
}

/* Groups whose rows carry different values. */
static void test_conflicts_against_reference(void **state)
{
	size_t n = 50000;
	struct item *it = make_items(n, 12000, 3), *sorted = malloc(n * sizeof(*it));
	uint64_t groups = 0, conflicting = 0, rows = 0;
	struct hits want = { calloc(n, 8), calloc(n, 8), 0 };

	(void)state;
	memcpy(sorted, it, n * sizeof(*it));
	qsort(sorted, n, sizeof(*it), cmp_items);
	for (size_t i = 0; i < n;) {
		size_t j = i, diff = 0;

		while (j < n && sorted[j].len == sorted[i].len && !memcmp(sorted[j].key, sorted[i].key, sorted[i].len))
			j++;
		groups++;
		for (size_t k = i + 1; k < j && !diff; k++)
			if (strcmp(sorted[k].value, sorted[i].value))
				diff = k;
		if (diff) {
			conflicting++;
			rows += j - i;
			for (size_t k = i; k < j; k++) {
				int same = !strcmp(sorted[k].value, sorted[i].value);

				want.row[want.n] = sorted[k].row;
				want.other[want.n] = same ? sorted[diff].row : sorted[i].row;
				want.n++;
			}
		}
		i = j;
	}
	assert_true(conflicting > 10);
	sort_hits(&want);
	for (size_t parts = 1; parts <= 5; parts += 2) {
		struct mlg_mem mem;
		struct mlg_keyset *ks;
		struct mlg_keyset_conflicts c;
		struct hits got = { calloc(n, 8), calloc(n, 8), 0 };

		mlg_mem_init(&mem, 0);
		ks = build(it, n, parts, MLG_KEYSET_ROWS | MLG_KEYSET_VALUES, &mem);
		assert_int_equal(mlg_keyset_conflicts(ks, &c, collect, &got), 0);
		assert_int_equal(c.keys, n);
		assert_int_equal(c.groups, groups);
		assert_int_equal(c.conflicting, conflicting);
		assert_int_equal(c.rows, rows);
		sort_hits(&got);
		assert_int_equal(got.n, want.n);
		assert_memory_equal(got.row, want.row, want.n * 8);
		assert_memory_equal(got.other, want.other, want.n * 8);
		mlg_keyset_free(ks);
		free(got.row);
		free(got.other);
	}
	free(want.row);
	free(want.other);
	free(sorted);
	free(it);
}

/* A hit of a conflict carries both values. */
static void check_values(void *payload, const struct mlg_keyset_hit *hit)
{
	int *calls = payload;

	(*calls)++;
	assert_non_null(hit->value);
	assert_non_null(hit->other_value);
	assert_false(hit->value_len == hit->other_value_len &&
		     !memcmp(hit->value, hit->other_value, hit->value_len));
	if (hit->row == 1)
		assert_int_equal(hit->other_row, 3);
	if (hit->row == 3 || hit->row == 4)
		assert_int_equal(hit->other_row, 1);
}

static void test_conflict_values(void **state)
{
	struct mlg_keyset *ks = mlg_keyset_new(NULL, MLG_KEYSET_ROWS | MLG_KEYSET_VALUES);
	struct mlg_keyset_conflicts c;
	int calls = 0;

	(void)state;
	mlg_keyset_add_value(ks, "f", 1, "cat", 3, 1);
	mlg_keyset_add_value(ks, "g", 1, "cat", 3, 2);
	mlg_keyset_add_value(ks, "f", 1, "dog", 3, 3);
	mlg_keyset_add_value(ks, "f", 1, "", 0, 4);
	mlg_keyset_add_value(ks, "g", 1, "cat", 3, 5);
	assert_int_equal(mlg_keyset_conflicts(ks, &c, check_values, &calls), 0);
	assert_int_equal(c.groups, 2);
	assert_int_equal(c.conflicting, 1);
	assert_int_equal(c.rows, 3);
	assert_int_equal(calls, 3);
	mlg_keyset_free(ks);
}

/* Distinct counting of a low-cardinality column keeps little memory. */
static void test_first_only_compacts(void **state)
{
	struct mlg_mem mem;
	struct mlg_keyset *ks;
	struct mlg_keyset_counts c;
	char key[16];

	(void)state;
	mlg_mem_init(&mem, 0);
	ks = mlg_keyset_new(&mem, MLG_KEYSET_FIRST_ONLY);
	for (uint64_t i = 1; i <= 2000000; i++) {
		int len = snprintf(key, sizeof(key), "c%llu", (unsigned long long)(i * 7919 % 1000));

		assert_int_equal(mlg_keyset_add(ks, key, (size_t)len, i), 0);
	}
	/* without compaction: 2M records, ~12 MB */
	assert_true(atomic_load(&mem.used) < (2u << 20));
	assert_int_equal(mlg_keyset_count(ks, &c, NULL, NULL), 0);
	assert_int_equal(c.distinct, 1000);
	mlg_keyset_free(ks);
	assert_int_equal(atomic_load(&mem.used), 0);
}

/* Many repeats of few keys: the working table follows the keys, not the rows. */
static void test_table_follows_distinct_keys(void **state)
{
	struct mlg_mem mem;
	struct mlg_keyset *ks;
	struct mlg_keyset_counts c;
	const char *keys[] = { "a", "b", "c" };

	(void)state;
	mlg_mem_init(&mem, 0);
	ks = mlg_keyset_new(&mem, MLG_KEYSET_ROWS);
	for (uint64_t i = 1; i <= 1000000; i++)
		assert_int_equal(mlg_keyset_add(ks, keys[i % 3], 1, i), 0);
	/* a table for 333,333 records a partition would need megabytes */
	mem.limit = atomic_load(&mem.used) + (64 << 10);
	assert_int_equal(mlg_keyset_count(ks, &c, NULL, NULL), 0);
	assert_int_equal(c.distinct, 3);
	assert_int_equal(c.repeats, 1000000 - 3);
	mlg_keyset_free(ks);
	assert_int_equal(atomic_load(&mem.used), 0);
}

/*
 * The working table of a count stays small: for every number of keys up
 * to 20,000 (partitions of every size near the table's thresholds), no
 * more than a few kilobytes beyond the records.
 */
static void test_table_stays_small(void **state)
{
	char key[32];

	(void)state;
	for (int n = 1; n <= 20000; n += n < 600 ? 1 : 997) {
		struct mlg_mem mem;
		struct mlg_keyset *ks;
		struct mlg_keyset_counts c;

		mlg_mem_init(&mem, 0);
		ks = mlg_keyset_new(&mem, MLG_KEYSET_ROWS);
		for (int i = 1; i <= n; i++) {
			int len = snprintf(key, sizeof(key), "%d", i * 7);

			assert_int_equal(mlg_keyset_add(ks, key, (size_t)len, (uint64_t)i), 0);
		}
		/* 24 bytes a slot and entry at most, for the largest partition */
		mem.limit = atomic_load(&mem.used) + 4096 + (size_t)n / 256 * 64;
		if (mlg_keyset_count(ks, &c, NULL, NULL) < 0)
			fail_msg("%d keys: the table needs more than %zu bytes", n,
				 mem.limit - atomic_load(&mem.used));
		assert_int_equal(c.distinct, n);
		mlg_keyset_free(ks);
	}
}

/* A refused add changes nothing; freeing gives back every byte. */
static void test_budget(void **state)
{
	struct mlg_mem mem;
	struct mlg_keyset *ks;
	struct mlg_keyset_counts c;
	char key[32];
	uint64_t i;

	(void)state;
	mlg_mem_init(&mem, 64 << 10);
	ks = mlg_keyset_new(&mem, MLG_KEYSET_ROWS);
	for (i = 1; i < 100000; i++) {
		int len = snprintf(key, sizeof(key), "id-%llu", (unsigned long long)i);
		size_t before = atomic_load(&mem.used);

		if (mlg_keyset_add(ks, key, (size_t)len, i) < 0) {
			assert_int_equal(atomic_load(&mem.used), before);
			assert_int_equal(mlg_keyset_size(ks), i - 1);
			break;
		}
		assert_true(atomic_load(&mem.used) <= (64 << 10));
	}
	assert_true(i > 100 && i < 100000);
	/* the analysis needs a table the budget cannot give either */
	assert_int_equal(mlg_keyset_count(ks, &c, NULL, NULL), -1);
	mlg_keyset_free(ks);
	assert_int_equal(atomic_load(&mem.used), 0);
	/* a budget too small for the partitions themselves */
	mlg_mem_init(&mem, 1024);
	ks = mlg_keyset_new(&mem, MLG_KEYSET_ROWS);
	assert_int_equal(mlg_keyset_add(ks, "x", 1, 1), -1);
	assert_int_equal(mlg_keyset_size(ks), 0);
	mlg_keyset_free(ks);
	assert_int_equal(atomic_load(&mem.used), 0);
}

/* Empty sets, empty keys, and a merge into an empty set. */
static void test_empty(void **state)
{
	struct mlg_keyset *a = mlg_keyset_new(NULL, MLG_KEYSET_ROWS);
	struct mlg_keyset *b = mlg_keyset_new(NULL, MLG_KEYSET_ROWS);
	struct mlg_keyset_counts c;
	struct mlg_keyset_overlap o;
	struct hits got = { calloc(4, 8), calloc(4, 8), 0 };

	(void)state;
	assert_int_equal(mlg_keyset_count(a, &c, NULL, NULL), 0);
	assert_int_equal(c.distinct, 0);
	assert_int_equal(mlg_keyset_overlap(a, b, &o, NULL, NULL), 0);
	assert_int_equal(o.rows, 0);
	mlg_keyset_add(b, "", 0, 2);
	mlg_keyset_add(b, "", 0, 5);
	mlg_keyset_merge(a, b, 10);
	assert_int_equal(mlg_keyset_size(a), 2);
	assert_int_equal(mlg_keyset_size(b), 0);
	assert_int_equal(mlg_keyset_count(a, &c, collect, &got), 0);
	assert_int_equal(c.distinct, 1);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.row[0], 15);
	assert_int_equal(got.other[0], 12);
	mlg_keyset_free(a);
	mlg_keyset_free(b);
	free(got.row);
	free(got.other);
}

/* The keys of a batch: borrowed cells, encoded cells, and the null rules. */
static void test_batch_of_keys(void **state)
{
	struct mlg_cell a[] = { { "1", 1, 0 }, { "", 0, 1 }, { "", 0, 0 }, { "", 0, 1 }, { "1", 1, 0 } };
	struct mlg_cell b[] = { { "x", 1, 0 }, { "x", 1, 0 }, { "x", 1, 0 }, { "", 0, 1 }, { "x", 1, 0 } };
	const struct mlg_cell *cols[] = { a, b };
	struct mlg_keyset_batch kb = MLG_KEYSET_BATCH_INIT;
	struct mlg_keyset_counts c;
	struct mlg_keyset *ks;
	struct hits got = { calloc(8, 8), calloc(8, 8), 0 };
	size_t nulls[5];

	(void)state;
	/* kept: (1,x) (null,x) ("",x) (null,null) (1,x): one repeat */
	ks = mlg_keyset_new(NULL, MLG_KEYSET_ROWS);
	for (size_t i = 0; i < 5; i++)
		nulls[i] = mlg_keyset_batch_add_cells(&kb, cols, 2, i, NULL, 0, i + 1, MLG_KEYSET_NULLS_KEEP);
	assert_int_equal(nulls[0], 0);
	assert_int_equal(nulls[1], 1);
	assert_int_equal(nulls[3], 2);
	assert_int_equal(mlg_keyset_batch_flush(&kb, ks), 0);
	assert_int_equal(kb.n, 0);
	assert_int_equal(mlg_keyset_count(ks, &c, collect, &got), 0);
	assert_int_equal(c.keys, 5);
	assert_int_equal(c.distinct, 4);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.row[0], 5);
	assert_int_equal(got.other[0], 1);
	mlg_keyset_free(ks);
	/* any null skipped: (1,x) ("",x) (1,x) */
	ks = mlg_keyset_new(NULL, MLG_KEYSET_ROWS);
	for (size_t i = 0; i < 5; i++)
		mlg_keyset_batch_add_cells(&kb, cols, 2, i, NULL, 0, i + 1, MLG_KEYSET_NULLS_SKIP_ANY);
	assert_int_equal(kb.n, 3);
	assert_int_equal(mlg_keyset_batch_flush(&kb, ks), 0);
	assert_int_equal(mlg_keyset_size(ks), 3);
	mlg_keyset_free(ks);
	/* all nulls skipped: only row 4 */
	ks = mlg_keyset_new(NULL, MLG_KEYSET_ROWS);
	for (size_t i = 0; i < 5; i++)
		mlg_keyset_batch_add_cells(&kb, cols, 2, i, NULL, 0, i + 1, MLG_KEYSET_NULLS_SKIP_ALL);
	assert_int_equal(kb.n, 4);
	/* a borrowed key beside the encoded ones */
	mlg_keyset_batch_add(&kb, "raw", 3, NULL, 0, 9);
	assert_int_equal(mlg_keyset_batch_flush(&kb, ks), 0);
	assert_int_equal(mlg_keyset_count(ks, &c, NULL, NULL), 0);
	assert_int_equal(c.distinct, 4);
	mlg_keyset_free(ks);
	mlg_keyset_batch_release(&kb);
	free(got.row);
	free(got.other);
}

/* Many keys at once give what one at a time gives, budget refusals included. */
static void test_add_many_matches_add(void **state)
{
	size_t n = 20000;
	struct item *it = make_items(n, 5000, 9);
	struct mlg_keyset_key *keys = calloc(n, sizeof(*keys));
	struct mlg_keyset *one = mlg_keyset_new(NULL, MLG_KEYSET_ROWS | MLG_KEYSET_VALUES);
	struct mlg_keyset *many = mlg_keyset_new(NULL, MLG_KEYSET_ROWS | MLG_KEYSET_VALUES);
	struct mlg_keyset_conflicts c1, c2;
	struct mlg_mem mem;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		keys[i] = (struct mlg_keyset_key){ it[i].key, it[i].len, it[i].value, strlen(it[i].value), it[i].row };
		assert_int_equal(mlg_keyset_add_value(one, it[i].key, it[i].len, it[i].value,
						      strlen(it[i].value), it[i].row), 0);
	}
	assert_int_equal(mlg_keyset_add_many(many, keys, n), 0);
	assert_int_equal(mlg_keyset_conflicts(one, &c1, NULL, NULL), 0);
	assert_int_equal(mlg_keyset_conflicts(many, &c2, NULL, NULL), 0);
	assert_memory_equal(&c1, &c2, sizeof(c1));
	mlg_keyset_free(one);
	mlg_keyset_free(many);
	mlg_mem_init(&mem, 32 << 10);
	many = mlg_keyset_new(&mem, MLG_KEYSET_ROWS);
	assert_int_equal(mlg_keyset_add_many(many, keys, n), -1);
	assert_true(mlg_keyset_size(many) > 0 && mlg_keyset_size(many) < n);
	mlg_keyset_free(many);
	assert_int_equal(atomic_load(&mem.used), 0);
	free(keys);
	free(it);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_compound_keys_unambiguous),
		cmocka_unit_test(test_count_against_reference),
		cmocka_unit_test(test_examples_keep_lowest_rows),
		cmocka_unit_test(test_overlap_against_reference),
		cmocka_unit_test(test_conflicts_against_reference),
		cmocka_unit_test(test_conflict_values),
		cmocka_unit_test(test_first_only_compacts),
		cmocka_unit_test(test_table_follows_distinct_keys),
		cmocka_unit_test(test_table_stays_small),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_batch_of_keys),
		cmocka_unit_test(test_add_many_matches_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
