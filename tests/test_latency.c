/* Unit tests for the latency statistics (runner/latency.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mlgate/latency.h"

/* Values 1..n in a shuffled order (a fixed LCG, so runs repeat). */
static int64_t *shuffled(size_t n)
{
	int64_t *v = malloc(n * sizeof(*v));
	uint64_t x = 42;

	assert_non_null(v);
	for (size_t i = 0; i < n; i++)
		v[i] = (int64_t)i + 1;
	for (size_t i = n; i > 1; i--) {
		size_t j;
		int64_t t;

		x = x * 6364136223846793005u + 1442695040888963407u;
		j = (size_t)((x >> 33) % i);
		t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
	return v;
}

/* Nearest rank on 1..100: the p-th percentile is p itself. */
static void test_percentile_one_to_hundred(void **state)
{
	int64_t v[100];

	(void)state;
	for (int i = 0; i < 100; i++)
		v[i] = i + 1;
	assert_int_equal(mlg_latency_percentile(v, 100, 0), 1);
	assert_int_equal(mlg_latency_percentile(v, 100, 1), 1);
	assert_int_equal(mlg_latency_percentile(v, 100, 50), 50);
	assert_int_equal(mlg_latency_percentile(v, 100, 95), 95);
	assert_int_equal(mlg_latency_percentile(v, 100, 99), 99);
	assert_int_equal(mlg_latency_percentile(v, 100, 99.5), 100);
	assert_int_equal(mlg_latency_percentile(v, 100, 100), 100);
	/* Between ranks: the next one up (never an interpolated value). */
	assert_int_equal(mlg_latency_percentile(v, 100, 50.01), 51);
	assert_int_equal(mlg_latency_percentile(v, 100, 49.99), 50);
}

/* Small counts, where the definitions people use differ most. */
static void test_percentile_small(void **state)
{
	int64_t one[] = { 7 }, three[] = { 10, 20, 30 }, ten[10];

	(void)state;
	assert_int_equal(mlg_latency_percentile(one, 1, 0), 7);
	assert_int_equal(mlg_latency_percentile(one, 1, 50), 7);
	assert_int_equal(mlg_latency_percentile(one, 1, 100), 7);
	/* ceil(0.5 * 3) = 2: the middle one; NumPy's default gives 20 too. */
	assert_int_equal(mlg_latency_percentile(three, 3, 50), 20);
	/* ceil(0.34 * 3) = 2, ceil(0.33 * 3) = 1 */
	assert_int_equal(mlg_latency_percentile(three, 3, 34), 20);
	assert_int_equal(mlg_latency_percentile(three, 3, 33), 10);
	/* 99th of 3 is the largest (NumPy would interpolate 29.8). */
	assert_int_equal(mlg_latency_percentile(three, 3, 99), 30);
	for (int i = 0; i < 10; i++)
		ten[i] = (i + 1) * 10;
	/* One slow request in ten: p90 is fast, p95 and p99 are the slow one. */
	assert_int_equal(mlg_latency_percentile(ten, 10, 50), 50);
	assert_int_equal(mlg_latency_percentile(ten, 10, 90), 90);
	assert_int_equal(mlg_latency_percentile(ten, 10, 95), 100);
	assert_int_equal(mlg_latency_percentile(ten, 10, 99), 100);
}

/* A decimal percentile whose product with n is a whole rank in exact
 * arithmetic must not move up one rank through rounding. */
static void test_percentile_decimal_p(void **state)
{
	int64_t *v = shuffled(1000);
	struct mlg_latency_summary s;

	(void)state;
	mlg_latency_summarize(&s, v, 1000);
	assert_int_equal(mlg_latency_percentile(v, 1000, 99.9), 999);
	assert_int_equal(mlg_latency_percentile(v, 1000, 0.1), 1);
	assert_int_equal(mlg_latency_percentile(v, 1000, 12.3), 123);
	assert_int_equal(mlg_latency_percentile(v, 1000, 99.95), 1000);
	free(v);
}

/*
 * Against the definition by counting: the smallest observed value v such
 * that at least p% of the values are <= v, on data with many ties.
 */
static void test_percentile_matches_definition(void **state)
{
	enum { N = 5003 };
	int64_t *v = malloc(N * sizeof(*v)), *copy = malloc(N * sizeof(*copy));
	size_t *at_most = calloc(N, sizeof(*at_most));
	static const int ps[] = { 1, 5, 10, 25, 50, 75, 90, 95, 99, 100 };
	struct mlg_latency_summary s;
	uint64_t x = 7;

	(void)state;
	assert_non_null(v);
	assert_non_null(copy);
	assert_non_null(at_most);
	for (size_t i = 0; i < N; i++) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		v[i] = (int64_t)((x >> 40) % 300); /* many ties */
	}
	memcpy(copy, v, N * sizeof(*v));
	for (size_t i = 0; i < N; i++)
		for (size_t j = 0; j < N; j++)
			at_most[i] += copy[j] <= copy[i];
	mlg_latency_summarize(&s, v, N);
	for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++) {
		int64_t want = INT64_MAX;

		for (size_t i = 0; i < N; i++)
			if ((uint64_t)at_most[i] * 100 >= (uint64_t)ps[k] * N && copy[i] < want)
				want = copy[i];
		assert_int_equal(mlg_latency_percentile(v, N, ps[k]), want);
		if (ps[k] == 50)
			assert_int_equal(s.p50_us, want);
		if (ps[k] == 95)
			assert_int_equal(s.p95_us, want);
		if (ps[k] == 99)
			assert_int_equal(s.p99_us, want);
	}
	free(v);
	free(copy);
	free(at_most);
}

static void test_summary(void **state)
{
	int64_t *v = shuffled(200);
	struct mlg_latency_summary s;

	(void)state;
	mlg_latency_summarize(&s, v, 200);
	/* sorted in place */
	for (size_t i = 0; i < 200; i++)
		assert_int_equal(v[i], (int64_t)i + 1);
	assert_int_equal(s.count, 200);
	assert_int_equal(s.min_us, 1);
	assert_int_equal(s.max_us, 200);
	assert_int_equal(s.p50_us, 100);
	assert_int_equal(s.p95_us, 190);
	assert_int_equal(s.p99_us, 198);
	assert_true(s.mean_us == 100.5);
	/* All under 1 ms: the first bucket. */
	assert_int_equal(s.buckets[0], 200);
	free(v);
}

static void test_summary_empty(void **state)
{
	struct mlg_latency_summary s;

	(void)state;
	memset(&s, 0xff, sizeof(s));
	mlg_latency_summarize(&s, NULL, 0);
	assert_int_equal(s.count, 0);
	assert_int_equal(s.max_us, 0);
	for (size_t i = 0; i < MLG_LATENCY_BUCKETS; i++)
		assert_int_equal(s.buckets[i], 0);
}

/* Bounds are inclusive, as Prometheus' "le". */
static void test_buckets(void **state)
{
	static const int64_t le_ms[] = { 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000 };
	int64_t v[] = { 0, 1000, 1001, 2000, 20000, 20001, 200000, 200001, 10000000, 10000001, 86400000000 };
	struct mlg_latency_summary s;

	(void)state;
	for (size_t i = 0; i < MLG_LATENCY_BUCKETS - 1; i++)
		assert_int_equal(mlg_latency_bucket_le_us(i), le_ms[i] * 1000);
	assert_true(mlg_latency_bucket_le_us(MLG_LATENCY_BUCKETS - 1) == INT64_MAX);
	assert_int_equal(mlg_latency_bucket(0), 0);
	assert_int_equal(mlg_latency_bucket(1000), 0);
	assert_int_equal(mlg_latency_bucket(1001), 1);
	assert_int_equal(mlg_latency_bucket(20000), 4);
	assert_int_equal(mlg_latency_bucket(20001), 5);
	assert_int_equal(mlg_latency_bucket(10000000), 12);
	assert_int_equal(mlg_latency_bucket(10000001), 13);
	mlg_latency_summarize(&s, v, sizeof(v) / sizeof(v[0]));
	assert_int_equal(s.buckets[0], 2);
	assert_int_equal(s.buckets[1], 2);
	assert_int_equal(s.buckets[4], 1);
	assert_int_equal(s.buckets[5], 1);
	assert_int_equal(s.buckets[7], 1);
	assert_int_equal(s.buckets[8], 1);
	assert_int_equal(s.buckets[12], 1);
	assert_int_equal(s.buckets[13], 2);
	{
		uint64_t total = 0;

		for (size_t i = 0; i < MLG_LATENCY_BUCKETS; i++)
			total += s.buckets[i];
		assert_int_equal(total, sizeof(v) / sizeof(v[0])); /* per bucket, not cumulative */
	}
}

static void test_format_ms(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(mlg_latency_format_ms(20513, buf), "20.51");
	assert_string_equal(mlg_latency_format_ms(213400, buf), "213.4");
	assert_string_equal(mlg_latency_format_ms(200000, buf), "200");
	assert_string_equal(mlg_latency_format_ms(200049, buf), "200");
	assert_string_equal(mlg_latency_format_ms(200060, buf), "200.1");
	assert_string_equal(mlg_latency_format_ms(1234567, buf), "1235");
	assert_string_equal(mlg_latency_format_ms(123456789, buf), "123457");
	assert_string_equal(mlg_latency_format_ms(1500, buf), "1.5");
	assert_string_equal(mlg_latency_format_ms(123, buf), "0.123");
	assert_string_equal(mlg_latency_format_ms(7, buf), "0.007");
	assert_string_equal(mlg_latency_format_ms(0, buf), "0");
	assert_string_equal(mlg_latency_format_ms(99996, buf), "100");
	assert_string_equal(mlg_latency_format_ms(999960, buf), "1000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentile_one_to_hundred),
		cmocka_unit_test(test_percentile_small),
		cmocka_unit_test(test_percentile_decimal_p),
		cmocka_unit_test(test_percentile_matches_definition),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_summary_empty),
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_format_ms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
