/* Unit tests for the string map of suites and reports (runner/strmap.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

static void test_empty(void **state)
{
	struct mlg_strmap m = MLG_STRMAP_INIT;

	(void)state;
	assert_null(mlg_strmap_find(&m, ""));
	assert_null(mlg_strmap_find(&m, "a"));
	mlg_strmap_release(&m);
	mlg_strmap_release(&m);
	assert_int_equal(m.count, 0);
}

static void test_add_find(void **state)
{
	struct mlg_strmap m = MLG_STRMAP_INIT;
	char key[8] = "abc";
	size_t *v;
	int added = -1;

	(void)state;
	v = mlg_strmap_add(&m, key, 7, &added);
	assert_int_equal(added, 1);
	assert_int_equal(*v, 7);
	/* the key is copied: changing the caller's buffer changes nothing */
	key[0] = 'x';
	assert_null(mlg_strmap_find(&m, "xbc"));
	assert_non_null(v = mlg_strmap_find(&m, "abc"));
	assert_int_equal(*v, 7);
	/* adding again keeps the first value and says so */
	v = mlg_strmap_add(&m, "abc", 9, &added);
	assert_int_equal(added, 0);
	assert_int_equal(*v, 7);
	*v = 11;
	assert_int_equal(*mlg_strmap_find(&m, "abc"), 11);
	/* the empty string is a key like any other; prefixes are other keys */
	mlg_strmap_add(&m, "", 1, NULL);
	assert_int_equal(*mlg_strmap_find(&m, ""), 1);
	assert_null(mlg_strmap_find(&m, "ab"));
	assert_null(mlg_strmap_find(&m, "abcd"));
	assert_int_equal(m.count, 2);
	mlg_strmap_release(&m);
	assert_null(mlg_strmap_find(&m, "abc"));
}

/* Many keys through many growths; similar keys ("id1", "id2"...) spread. */
static void test_many(void **state)
{
	struct mlg_strmap m = MLG_STRMAP_INIT;
	char key[32];
	enum { N = 100000 };

	(void)state;
	for (size_t i = 0; i < N; i++) {
		int added;

		snprintf(key, sizeof(key), "data.range:d%zu.amount#%zu", i % 100, i);
		assert_int_equal(*mlg_strmap_add(&m, key, i, &added), i);
		assert_int_equal(added, 1);
	}
	assert_int_equal(m.count, N);
	/* at most half full */
	assert_true(m.cap >= 2 * m.count);
	for (size_t i = 0; i < N; i++) {
		size_t *v;

		snprintf(key, sizeof(key), "data.range:d%zu.amount#%zu", i % 100, i);
		assert_non_null(v = mlg_strmap_find(&m, key));
		assert_int_equal(*v, i);
		snprintf(key, sizeof(key), "data.range:d%zu.amount#%zu", i % 100, i + N);
		assert_null(mlg_strmap_find(&m, key));
	}
	mlg_strmap_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_add_find),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
