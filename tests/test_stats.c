/*
 * Unit tests for the exact statistics (runner/stats.c).
 *
 * The oracle cases (tests/data/oracles/stats.json, made with NumPy; see
 * SOURCES.txt there) must agree to 1e-9. Beyond them: results must be
 * bit-identical however the values are cut into parts and merged (that
 * is what makes `mlgate run -j` deterministic), exact where floating-point
 * sums cancel or overflow, and quantiles must equal a sort-based reference
 * on inputs that trouble selection (sorted, equal, organ-pipe).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mlgate/stats.h"

#define ORACLE "tests/data/oracles/stats.json"

/* Within 1e-9: relative, or absolute (1e-15) for values near 0. */
static int close_enough(double got, double want)
{
	if (isnan(want))
		return isnan(got);
	if (isinf(want))
		return got == want;
	return fabs(got - want) <= 1e-9 * fmax(fabs(want), 1e-6);
}

static void expect_close(const char *what, const char *name, double got, double want)
{
	if (!close_enough(got, want))
		fail_msg("%s: %s is %.17g, expected %.17g", name, what, got, want);
}

static int same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	if (!f)
		fail_msg("cannot open '%s' (tests run from the repository root)", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = 0;
	fclose(f);
	return buf;
}

/* A deterministic generator, so failures reproduce (xorshift64*). */
static uint64_t rng_state = 88172645463325252ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static double uniform(void)
{
	return (double)(rng() >> 11) / 9007199254740992.0;
}

static void test_oracle(void **state)
{
	char *text = read_all(ORACLE);
	cJSON *root = cJSON_Parse(text), *c;
	const cJSON *cases = cJSON_GetObjectItemCaseSensitive(root, "cases");
	int ncases = 0, nvalues = 0;

	(void)state;
	assert_non_null(root);
	assert_true(cJSON_GetArraySize(cases) > 0);
	cJSON_ArrayForEach(c, cases) {
		const char *name = cJSON_GetObjectItemCaseSensitive(c, "name")->valuestring;
		const cJSON *vals = cJSON_GetObjectItemCaseSensitive(c, "values"), *v, *e;
		const cJSON *exp = cJSON_GetObjectItemCaseSensitive(c, "expected");
		size_t n = (size_t)cJSON_GetArraySize(vals), i = 0;
		double *x = malloc((n + 1) * sizeof(*x));
		struct mlg_stats s;

		assert_non_null(x);
		mlg_stats_init(&s);
		cJSON_ArrayForEach(v, vals) {
			x[i++] = v->valuedouble;
			mlg_stats_add(&s, v->valuedouble);
		}
		cJSON_ArrayForEach(e, exp) {
			const char *key = e->string;
			double got;

			if (!strcmp(key, "mean")) {
				got = mlg_stats_mean(&s);
			} else if (!strcmp(key, "std_sample")) {
				got = mlg_stats_std(&s, 1);
				if (cJSON_IsNull(e)) {
					if (!isnan(got))
						fail_msg("%s: std_sample is %g, expected none (n < 2)", name, got);
					nvalues++;
					continue;
				}
			} else if (!strcmp(key, "std_population")) {
				got = mlg_stats_std(&s, 0);
			} else if (!strcmp(key, "min")) {
				got = s.min;
			} else if (!strcmp(key, "max")) {
				got = s.max;
			} else if (!strcmp(key, "median") || !strncmp(key, "quantile_", 9)) {
				double q = !strcmp(key, "median") ? 0.5 : strtod(key + 9, NULL);
				double *copy = malloc((n + 1) * sizeof(*copy));

				assert_non_null(copy);
				memcpy(copy, x, n * sizeof(*x));
				mlg_stats_quantiles(copy, n, &q, 1, &got);
				free(copy);
			} else {
				fail_msg("%s: the oracle has a statistic this test does not know: %s", name, key);
				return;
			}
			assert_true(cJSON_IsNumber(e));
			expect_close(key, name, got, e->valuedouble);
			nvalues++;
		}
		free(x);
		ncases++;
	}
	/* every case, and each of its 12 statistics, was compared */
	assert_int_equal(ncases, cJSON_GetArraySize(cases));
	assert_int_equal(nvalues, ncases * 12);
	cJSON_Delete(root);
	free(text);
}

/* All quantiles of the oracle at once: one selection for several ranks. */
static void test_oracle_quantiles_together(void **state)
{
	char *text = read_all(ORACLE);
	cJSON *root = cJSON_Parse(text), *c;
	static const char *keys[] = { "quantile_0.01", "quantile_0.05", "quantile_0.25", "median",
				      "quantile_0.75", "quantile_0.95", "quantile_0.99" };
	static const double q[] = { 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99 };

	(void)state;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "cases")) {
		const char *name = cJSON_GetObjectItemCaseSensitive(c, "name")->valuestring;
		const cJSON *vals = cJSON_GetObjectItemCaseSensitive(c, "values"), *v;
		const cJSON *exp = cJSON_GetObjectItemCaseSensitive(c, "expected");
		size_t n = (size_t)cJSON_GetArraySize(vals), i = 0;
		double *x = malloc((n + 1) * sizeof(*x)), out[7];

		assert_non_null(x);
		cJSON_ArrayForEach(v, vals)
			x[i++] = v->valuedouble;
		mlg_stats_quantiles(x, n, q, 7, out);
		for (size_t k = 0; k < 7; k++)
			expect_close(keys[k], name,
				     out[k], cJSON_GetObjectItemCaseSensitive(exp, keys[k])->valuedouble);
		free(x);
	}
	cJSON_Delete(root);
	free(text);
}

/* Values of every scale and sign, subnormals and zeros among them. */
static double wild_value(void)
{
	double m = uniform() * 2 - 1;

	switch (rng() % 8) {
	case 0:
		return ldexp(m, (int)(rng() % 2000) - 1000);
	case 1:
		return ldexp(m, -1074 + (int)(rng() % 60)); /* subnormal or tiny */
	case 2:
		return ldexp(m, 1000 + (int)(rng() % 20)); /* squares far past DBL_MAX */
	case 3:
		return 0.0;
	default:
		return m * 1000;
	}
}

/*
 * However the values are cut into parts, and in whatever order the parts
 * are merged, the statistics are the same bits.
 */
static void test_cut_does_not_matter(void **state)
{
	enum { N = 20000 };
	double *x = malloc(N * sizeof(*x));
	struct mlg_stats whole;
	double mean, std0, std1;

	(void)state;
	assert_non_null(x);
	mlg_stats_init(&whole);
	for (size_t i = 0; i < N; i++) {
		x[i] = wild_value();
		mlg_stats_add(&whole, x[i]);
	}
	mean = mlg_stats_mean(&whole);
	std0 = mlg_stats_std(&whole, 0);
	std1 = mlg_stats_std(&whole, 1);
	assert_true(isfinite(mean));
	assert_true(isfinite(std1));
	for (int trial = 0; trial < 50; trial++) {
		size_t nparts = 1 + rng() % 9, cuts[10];
		struct mlg_stats *parts = malloc(9 * sizeof(*parts)), merged;

		cuts[0] = 0;
		cuts[nparts] = N;
		for (size_t p = 1; p < nparts; p++)
			cuts[p] = rng() % N;
		/* sorted cuts, some parts possibly empty */
		for (size_t a = 1; a < nparts; a++)
			for (size_t b = a + 1; b < nparts; b++)
				if (cuts[b] < cuts[a]) {
					size_t t = cuts[a];

					cuts[a] = cuts[b];
					cuts[b] = t;
				}
		for (size_t p = 0; p < nparts; p++) {
			mlg_stats_init(&parts[p]);
			for (size_t i = cuts[p]; i < cuts[p + 1]; i++)
				mlg_stats_add(&parts[p], x[i]);
		}
		merged = parts[0];
		if (trial & 1) {
			for (size_t p = 1; p < nparts; p++)
				mlg_stats_merge(&merged, &parts[p]);
		} else {
			/* backwards: exact sums do not care */
			merged = parts[nparts - 1];
			for (size_t p = nparts - 1; p-- > 0;)
				mlg_stats_merge(&merged, &parts[p]);
		}
		assert_int_equal(merged.count, N);
		assert_true(same_bits(mlg_stats_mean(&merged), mean));
		assert_true(same_bits(mlg_stats_std(&merged, 0), std0));
		assert_true(same_bits(mlg_stats_std(&merged, 1), std1));
		assert_true(same_bits(merged.min, whole.min));
		assert_true(same_bits(merged.max, whole.max));
		free(parts);
	}
	free(x);
}

/* Against a two-pass computation in long double on tame values. */
static void test_against_two_pass(void **state)
{
	enum { N = 10000 };
	double *x = malloc(N * sizeof(*x));
	struct mlg_stats s;
	long double sum = 0, dev = 0, mean;

	(void)state;
	assert_non_null(x);
	mlg_stats_init(&s);
	for (size_t i = 0; i < N; i++) {
		x[i] = (uniform() - 0.3) * 1e4;
		mlg_stats_add(&s, x[i]);
		sum += x[i];
	}
	mean = sum / N;
	for (size_t i = 0; i < N; i++)
		dev += (x[i] - mean) * (x[i] - mean);
	expect_close("mean", "two-pass", mlg_stats_mean(&s), (double)mean);
	expect_close("std_sample", "two-pass", mlg_stats_std(&s, 1), (double)sqrtl(dev / (N - 1)));
	expect_close("std_population", "two-pass", mlg_stats_std(&s, 0), (double)sqrtl(dev / N));
	free(x);
}

/*
 * A large mean beside a small spread: sum(x^2) - sum(x)^2 / n cancels
 * almost every digit in floating point, not in exact arithmetic.
 */
static void test_no_cancellation(void **state)
{
	struct mlg_stats s;

	(void)state;
	mlg_stats_init(&s);
	for (int k = 0; k < 10; k++)
		mlg_stats_add(&s, 1e15 + k); /* exact doubles */
	assert_true(mlg_stats_mean(&s) == 1e15 + 4.5);
	/* the sample variance of 0..9 is 55/6 */
	assert_true(same_bits(mlg_stats_std(&s, 1), sqrt(55.0 / 6.0)));
	assert_true(same_bits(mlg_stats_std(&s, 0), sqrt(8.25)));

	/* all equal: exactly zero */
	mlg_stats_init(&s);
	for (int k = 0; k < 1000; k++)
		mlg_stats_add(&s, 0.1);
	assert_true(mlg_stats_std(&s, 1) == 0);
	assert_true(mlg_stats_mean(&s) == 0.1);
}

/* Sums that overflow a double and squares below the smallest one. */
static void test_extremes(void **state)
{
	struct mlg_stats s;
	double tiny = 4.9406564584124654e-324; /* 2^-1074 */

	(void)state;
	mlg_stats_init(&s);
	for (int k = 0; k < 3; k++)
		mlg_stats_add(&s, DBL_MAX);
	assert_true(mlg_stats_mean(&s) == DBL_MAX);
	assert_true(mlg_stats_std(&s, 1) == 0);

	mlg_stats_init(&s);
	mlg_stats_add(&s, 1e308);
	mlg_stats_add(&s, -1e308);
	assert_true(mlg_stats_mean(&s) == 0);
	/* population std of {a, -a} is a, though a^2 is far past DBL_MAX */
	expect_close("std_population", "extremes", mlg_stats_std(&s, 0), 1e308);

	mlg_stats_init(&s);
	mlg_stats_add(&s, tiny);
	mlg_stats_add(&s, 3 * tiny);
	assert_true(mlg_stats_mean(&s) == 2 * tiny);
	/* deviations of one unit each: exact although tiny^2 underflows to 0 */
	assert_true(mlg_stats_std(&s, 0) == tiny);

	mlg_stats_init(&s);
	mlg_stats_add(&s, -0.0);
	mlg_stats_add(&s, 0.0);
	assert_true(mlg_stats_mean(&s) == 0);
	assert_true(mlg_stats_std(&s, 1) == 0);
}

static void test_infinities_and_small_counts(void **state)
{
	struct mlg_stats s;

	(void)state;
	mlg_stats_init(&s);
	assert_true(isnan(mlg_stats_mean(&s)));
	assert_true(isnan(mlg_stats_std(&s, 0)));
	mlg_stats_add(&s, 2.5);
	assert_true(mlg_stats_mean(&s) == 2.5);
	assert_true(mlg_stats_std(&s, 0) == 0);
	assert_true(isnan(mlg_stats_std(&s, 1))); /* n = 1: no sample std */
	mlg_stats_add(&s, INFINITY);
	assert_true(mlg_stats_mean(&s) == INFINITY);
	assert_true(isnan(mlg_stats_std(&s, 1)));
	assert_true(s.max == INFINITY);
	assert_int_equal(s.count, 2);
	mlg_stats_add(&s, -INFINITY);
	assert_true(isnan(mlg_stats_mean(&s)));
	assert_true(s.min == -INFINITY);

	mlg_stats_init(&s);
	mlg_stats_add(&s, -INFINITY);
	mlg_stats_add(&s, 1);
	assert_true(mlg_stats_mean(&s) == -INFINITY);
}

/* The buckets are folded every 2^22 additions: start just below that. */
static void test_fold_on_the_way(void **state)
{
	struct mlg_stats *s = malloc(2 * sizeof(*s)), *t = s + 1;

	(void)state;
	assert_non_null(s);
	mlg_stats_init(s);
	mlg_stats_init(t);
	s->pending = (1u << 22) - 3;
	for (int k = 0; k < 1000; k++) {
		double v = ldexp(9007199254740991.0, 900) * (k & 1 ? -1 : 1) + (double)k;

		mlg_stats_add(s, v);
		mlg_stats_add(t, v);
	}
	assert_true(s->pending < 1000);
	assert_true(same_bits(mlg_stats_mean(s), mlg_stats_mean(t)));
	assert_true(same_bits(mlg_stats_std(s, 1), mlg_stats_std(t, 1)));
	free(s);
}

/*
 * The largest significand, 2^22 times and more into one bucket: the
 * squares come within 2^-22 of 2^128 before the fold.
 */
static void test_full_buckets(void **state)
{
	struct mlg_stats *s = malloc(sizeof(*s));
	double big = ldexp(9007199254740991.0, 20); /* significand 2^53 - 1 */
	uint64_t n = (1u << 22) + 1000;

	(void)state;
	assert_non_null(s);
	mlg_stats_init(s);
	for (uint64_t k = 0; k < n; k++)
		mlg_stats_add(s, big);
	assert_true(mlg_stats_mean(s) == big);
	assert_true(mlg_stats_std(s, 1) == 0);
	/* and the same with alternating signs: the mean of pairs is 0 */
	mlg_stats_init(s);
	for (uint64_t k = 0; k < n; k++)
		mlg_stats_add(s, k & 1 ? -big : big);
	assert_true(mlg_stats_mean(s) == 0);
	expect_close("std_population", "full buckets", mlg_stats_std(s, 0), big);
	free(s);
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* NumPy's type-7 quantile on a sorted copy. */
static double reference_quantile(const double *sorted, size_t n, double q)
{
	double h = (double)(n - 1) * q, a, b, t;
	size_t lo = (size_t)floor(h);

	if (lo >= n - 1)
		return sorted[n - 1];
	a = sorted[lo];
	b = sorted[lo + 1];
	t = h - (double)lo;
	if (t == 0 || a == b)
		return a;
	if (isinf(a) || isinf(b))
		return isinf(a) && isinf(b) ? NAN : isinf(a) ? a : b;
	return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

static void check_quantiles(double *x, size_t n, const char *what)
{
	static const double q[] = { 0, 0.001, 0.01, 0.1, 0.25, 0.333, 0.5, 0.5, 0.75, 0.9, 0.99, 0.999, 1 };
	enum { NQ = sizeof(q) / sizeof(q[0]) };
	double *sorted = malloc(n * sizeof(*sorted)), out[NQ];

	assert_non_null(sorted);
	memcpy(sorted, x, n * sizeof(*x));
	qsort(sorted, n, sizeof(*sorted), compare_double);
	mlg_stats_quantiles(x, n, q, NQ, out);
	for (size_t k = 0; k < NQ; k++) {
		double want = reference_quantile(sorted, n, q[k]);

		if (!same_bits(out[k], want))
			fail_msg("%s (n = %zu): quantile %g is %.17g, expected %.17g", what, n, q[k], out[k],
				 want);
	}
	/* the single-quantile path gives the same */
	for (size_t k = 0; k < NQ; k += 4) {
		double one;

		mlg_stats_quantiles(x, n, &q[k], 1, &one);
		assert_true(same_bits(one, out[k]));
	}
	free(sorted);
}

static void test_quantiles_against_sort(void **state)
{
	/* past 2^18 values a sample narrows the selection first */
	static const size_t sizes[] = { 1, 2, 3, 5, 16, 17, 100, 1023, 1024, 5000, 100000, 300001, 1000000 };

	(void)state;
	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		size_t n = sizes[si];
		double *x = malloc(n * sizeof(*x));

		assert_non_null(x);
		for (size_t i = 0; i < n; i++)
			x[i] = uniform() * 100 - 50;
		check_quantiles(x, n, "random");
		for (size_t i = 0; i < n; i++)
			x[i] = (double)(rng() % 3); /* few distinct values */
		check_quantiles(x, n, "three values");
		for (size_t i = 0; i < n; i++)
			x[i] = 7;
		check_quantiles(x, n, "all equal");
		for (size_t i = 0; i < n; i++)
			x[i] = (double)i;
		check_quantiles(x, n, "ascending");
		for (size_t i = 0; i < n; i++)
			x[i] = (double)(n - i);
		check_quantiles(x, n, "descending");
		for (size_t i = 0; i < n; i++)
			x[i] = (double)(i < n / 2 ? i : n - i); /* organ pipe */
		check_quantiles(x, n, "organ pipe");
		for (size_t i = 0; i < n; i++)
			x[i] = (double)((i * 7919) % 1009) + (i & 1 ? 0.5 : 0); /* sawtooth */
		check_quantiles(x, n, "sawtooth");
		for (size_t i = 0; i < n; i++)
			x[i] = i % 10 ? uniform() : ldexp(uniform(), 900) * (i & 1 ? -1 : 1); /* outliers */
		check_quantiles(x, n, "outliers");
		for (size_t i = 0; i < n; i++)
			x[i] = i % 97 == 0 ? (i & 2 ? INFINITY : -INFINITY) : (double)(rng() % 50); /* infinities */
		check_quantiles(x, n, "infinities");
		free(x);
	}
}

static void test_quantiles_with_infinities(void **state)
{
	double x[] = { 1, INFINITY, 3, 2 }, q[] = { 0, 0.5, 0.9, 1 }, out[4];
	double y[] = { -INFINITY, INFINITY }, half = 0.5, mid;

	(void)state;
	mlg_stats_quantiles(x, 4, q, 4, out);
	assert_true(out[0] == 1);
	assert_true(out[1] == 2.5);
	assert_true(out[2] == INFINITY); /* between 3 and inf */
	assert_true(out[3] == INFINITY);
	mlg_stats_quantiles(y, 2, &half, 1, &mid);
	assert_true(isnan(mid));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oracle),
		cmocka_unit_test(test_oracle_quantiles_together),
		cmocka_unit_test(test_cut_does_not_matter),
		cmocka_unit_test(test_against_two_pass),
		cmocka_unit_test(test_no_cancellation),
		cmocka_unit_test(test_extremes),
		cmocka_unit_test(test_infinities_and_small_counts),
		cmocka_unit_test(test_fold_on_the_way),
		cmocka_unit_test(test_full_buckets),
		cmocka_unit_test(test_quantiles_against_sort),
		cmocka_unit_test(test_quantiles_with_infinities),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
