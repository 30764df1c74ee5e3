/* Batches: typed views, the memory budget, and examples merged in file order. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "batch_internal.h"
#include "mlgate/result.h"

static void set_cell(struct mlg_batch_impl *b, size_t col, size_t row, const char *text)
{
	struct mlg_cell *c = &b->cols[col].cells[row];

	c->data = text ? text : "";
	c->len = text ? (uint32_t)strlen(text) : 0;
	c->is_null = text == NULL;
}

static void test_typed_views_parse_once_per_batch(void **state)
{
	uint8_t used[2] = { 1, 0 };
	struct mlg_batch_impl b;
	const uint8_t *st, *st2;
	const double *f;
	const int64_t *v;

	mlg_batch__init(&b, 2, used, 8, NULL, NULL);
	mlg_batch__reset(&b, 1);
	set_cell(&b, 0, 0, "12");
	set_cell(&b, 0, 1, NULL);
	set_cell(&b, 0, 2, "1.5");
	set_cell(&b, 0, 3, "-0");
	set_cell(&b, 0, 4, "9007199254740993");
	b.pub.nrows = 5;

	v = mlg_batch_typed(&b.pub, 0, MLG_TYPE_INT, &st);
	assert_int_equal(st[0], MLG_VALUE_OK);
	assert_int_equal(v[0], 12);
	assert_int_equal(st[1], MLG_VALUE_NULL);
	assert_int_equal(st[2], MLG_VALUE_BAD);
	/* floats come from the integers where exact, else from the text */
	f = mlg_batch_floats(&b.pub, 0, &st2);
	assert_int_equal(st2[0], MLG_VALUE_OK);
	assert_true(f[0] == 12.0);
	assert_int_equal(st2[2], MLG_VALUE_OK);
	assert_true(f[2] == 1.5);
	assert_true(f[3] == 0.0 && signbit(f[3]));
	assert_true(f[4] == 9007199254740992.0); /* rounded to even, as strtod does */
	/* the same pointer while the batch lasts */
	assert_ptr_equal(mlg_batch_floats(&b.pub, 0, &st2), f);
	/* an unused column has no cells */
	assert_null(mlg_batch_cells(&b.pub, 1));
	assert_null(mlg_batch_typed(&b.pub, 1, MLG_TYPE_INT, &st));
	/* the next batch parses again */
	mlg_batch__reset(&b, 6);
	set_cell(&b, 0, 0, "x");
	b.pub.nrows = 1;
	mlg_batch_typed(&b.pub, 0, MLG_TYPE_INT, &st);
	assert_int_equal(st[0], MLG_VALUE_BAD);
	mlg_batch__release(&b);
}

static void test_arena_survives_growth(void **state)
{
	uint8_t used[1] = { 1 };
	struct mlg_batch_impl b;
	char *first, *big;

	mlg_batch__init(&b, 1, used, 4, NULL, NULL);
	mlg_batch__reset(&b, 1);
	first = mlg_batch__copy(&b, 5);
	memcpy(first, "hello", 5);
	big = mlg_batch__copy(&b, 200000); /* larger than a block */
	memset(big, 'x', 200000);
	for (int i = 0; i < 100; i++)
		memset(mlg_batch__copy(&b, 1000), 'y', 1000);
	assert_memory_equal(first, "hello", 6);
	mlg_batch__reset(&b, 5);
	mlg_batch__release(&b);
}

static void test_memory_budget(void **state)
{
	struct mlg_mem mem;

	mlg_mem_init(&mem, 1000);
	assert_int_equal(mlg_mem_charge(&mem, 600), 0);
	assert_int_equal(mlg_mem_charge(&mem, 500), -1);
	mlg_mem_uncharge(&mem, 600);
	assert_int_equal(mlg_mem_charge(&mem, 1000), 0);
	assert_int_equal(mlg_mem_charge(&mem, (size_t)-1), -1);
	assert_non_null(strstr(mlg_mem_message(&mem), "max_memory (1000 bytes)"));
	mlg_mem_init(&mem, 2ull << 30);
	assert_non_null(strstr(mlg_mem_message(&mem), "max_memory (2 GiB)"));
	mlg_mem_init(&mem, 0); /* no budget */
	assert_int_equal(mlg_mem_charge(&mem, (size_t)1 << 40), 0);
}

static void test_examples_merge_in_file_order(void **state)
{
	struct mlg_examples a, b, c;
	struct mlg_result r;

	mlg_examples_init(&a, 3);
	mlg_examples_init(&b, 3);
	mlg_examples_init(&c, 3);
	mlg_examples_add(&a, 4, "x", "1", 1, "bad");
	mlg_examples_add(&b, 1, "x", "2", 1, "bad"); /* row 1 of the second part */
	mlg_examples_add(&b, 2, "x", NULL, 0, "null");
	mlg_examples_add(&b, 3, "x", "4", 1, "bad");
	mlg_examples_add(&c, 1, "x", "5", 1, "bad");
	assert_false(mlg_examples_want(&b));
	mlg_examples_merge(&a, &b, 10); /* 10 rows before the second part */
	mlg_examples_merge(&a, &c, 20);
	assert_int_equal(a.n, 3);
	assert_int_equal(a.offered, 5);
	assert_int_equal(a.items[0].row, 4);
	assert_int_equal(a.items[1].row, 11);
	assert_int_equal(a.items[2].row, 12);
	assert_null(a.items[2].value);

	mlg_result_init(&r);
	r.max_examples = 3;
	mlg_examples_emit(&a, &r);
	assert_int_equal(r.nexamples, 5);
	assert_int_equal(cJSON_GetArraySize(r.examples), 3);
	mlg_result_release(&r);
	mlg_examples_release(&b);
	mlg_examples_release(&c);
}

static void test_example_values_are_cut(void **state)
{
	struct mlg_examples a;
	char big[1000];

	memset(big, 'v', sizeof(big));
	mlg_examples_init(&a, 1);
	mlg_examples_add(&a, 1, NULL, big, sizeof(big), "long");
	assert_int_equal(strlen(a.items[0].value), 200);
	mlg_examples_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typed_views_parse_once_per_batch),
		cmocka_unit_test(test_arena_survives_growth),
		cmocka_unit_test(test_memory_budget),
		cmocka_unit_test(test_examples_merge_in_file_order),
		cmocka_unit_test(test_example_values_are_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
