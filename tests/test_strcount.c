/*
 * Unit tests for the table of distinct strings with counts
 * (runner/strcount.c): lookups, case folding, removal under linear
 * probing against a naive reference, and the memory budget.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_internal.h"
#include "mlgate/strcount.h"

static long find(const struct mlg_strcount *t, const char *s)
{
	return mlg_strcount_find(t, s, strlen(s), mlg_strcount_hash(s, strlen(s), t->fold_case));
}

static int add(struct mlg_strcount *t, const char *s, uint64_t count)
{
	return mlg_strcount_add(t, s, strlen(s), mlg_strcount_hash(s, strlen(s), t->fold_case), count,
				NULL);
}

static void test_add_find(void **state)
{
	struct mlg_strcount t;
	size_t index;
	long i;

	(void)state;
	mlg_strcount_init(&t, NULL, 0);
	assert_int_equal(find(&t, "a"), -1);
	assert_int_equal(add(&t, "cat", 1), 0);
	assert_int_equal(add(&t, "dog", 2), 0);
	assert_int_equal(add(&t, "cat", 5), 0);
	assert_int_equal(add(&t, "", 1), 0); /* the empty string is a value too */
	assert_int_equal(t.n, 3);
	i = find(&t, "cat");
	assert_true(i >= 0);
	assert_int_equal(t.entries[i].count, 6);
	assert_string_equal(t.entries[i].text, "cat");
	assert_int_equal(find(&t, "Cat"), -1);
	assert_int_equal(find(&t, "ca"), -1);
	assert_int_equal(t.entries[find(&t, "")].count, 1);
	/* bytes after a NUL count */
	assert_int_equal(mlg_strcount_add(&t, "a\0b", 3, mlg_strcount_hash("a\0b", 3, 0), 1, &index), 0);
	assert_int_equal(mlg_strcount_find(&t, "a\0c", 3, mlg_strcount_hash("a\0c", 3, 0)), -1);
	assert_int_equal(mlg_strcount_find(&t, "a\0b", 3, mlg_strcount_hash("a\0b", 3, 0)), (long)index);
	mlg_strcount_release(&t);
	assert_int_equal(t.n, 0);
	assert_int_equal(find(&t, "cat"), -1);
}

static void test_fold_case(void **state)
{
	struct mlg_strcount t;

	(void)state;
	/* the same hash for any case of ASCII letters, at every length */
	assert_true(mlg_strcount_hash("Hello, World! 12345", 19, 1) ==
		    mlg_strcount_hash("hELLO, wORLD! 12345", 19, 1));
	assert_true(mlg_strcount_hash("Hello", 5, 0) != mlg_strcount_hash("hello", 5, 0));
	mlg_strcount_init(&t, NULL, 1);
	assert_int_equal(add(&t, "Paris", 1), 0);
	assert_int_equal(add(&t, "PARIS", 1), 0);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.entries[0].count, 2);
	assert_string_equal(t.entries[0].text, "Paris"); /* the first spelling is kept */
	assert_true(find(&t, "paris") == 0);
	/* only ASCII folds: '@' and '`' sit next to 'A' and 'a' */
	assert_int_equal(find(&t, "P`ris"), -1);
	assert_int_equal(add(&t, "\xc3\x89t\xc3\xa9", 1), 0);
	assert_int_equal(find(&t, "\xc3\xa9t\xc3\xa9"), -1);
	mlg_strcount_release(&t);
}

/* Random insertions and removals against an array searched linearly. */
static void test_against_reference(void **state)
{
	enum { KEYS = 3000, STEPS = 60000 };
	static uint64_t ref[KEYS]; /* count per key, 0: absent */
	struct mlg_strcount t;
	uint64_t x = 1;
	char key[32];

	(void)state;
	mlg_strcount_init(&t, NULL, 0);
	for (int step = 0; step < STEPS; step++) {
		unsigned int k;
		long i;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		k = (unsigned int)((x >> 33) % KEYS);
		snprintf(key, sizeof(key), "key-%u", k);
		i = find(&t, key);
		assert_int_equal(i >= 0, ref[k] != 0);
		if (i >= 0)
			assert_int_equal(t.entries[i].count, ref[k]);
		if ((x >> 20) % 3 == 0 && i >= 0) {
			mlg_strcount_remove(&t, (size_t)i);
			ref[k] = 0;
		} else {
			assert_int_equal(add(&t, key, k + 1), 0);
			ref[k] += k + 1;
		}
	}
	for (unsigned int k = 0; k < KEYS; k++) {
		long i;

		snprintf(key, sizeof(key), "key-%u", k);
		i = find(&t, key);
		assert_int_equal(i >= 0, ref[k] != 0);
		if (i >= 0)
			assert_int_equal(t.entries[i].count, ref[k]);
	}
	mlg_strcount_release(&t);
}

/* An insertion the budget refuses changes nothing; release gives it all back. */
static void test_budget(void **state)
{
	struct mlg_mem mem;
	struct mlg_strcount t;
	char key[32];
	int refused = 0, k;

	(void)state;
	mlg_mem_init(&mem, 4096);
	mlg_strcount_init(&t, &mem, 0);
	for (k = 0; k < 1000; k++) {
		size_t n = t.n, used = atomic_load(&mem.used);

		snprintf(key, sizeof(key), "value number %d", k);
		if (add(&t, key, 1) < 0) {
			refused = 1;
			assert_int_equal(t.n, n);
			assert_int_equal(atomic_load(&mem.used), used);
			break;
		}
		assert_true(atomic_load(&mem.used) <= 4096);
	}
	assert_true(refused);
	assert_true(k > 10);
	/* what was added is still there, and an old value still counts */
	assert_int_equal(find(&t, "value number 3"), 3);
	assert_int_equal(add(&t, "value number 3", 1), 0);
	assert_int_equal(t.entries[3].count, 2);
	assert_int_equal(atomic_load(&mem.used), t.charged);
	mlg_strcount_remove(&t, 0);
	assert_int_equal(atomic_load(&mem.used), t.charged);
	mlg_strcount_release(&t);
	assert_int_equal(atomic_load(&mem.used), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_find),
		cmocka_unit_test(test_fold_case),
		cmocka_unit_test(test_against_reference),
		cmocka_unit_test(test_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
