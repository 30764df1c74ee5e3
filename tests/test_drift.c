/*
 * Unit tests for the drift statistics (runner/drift.c, runner/drift_ks.c).
 *
 * Tolerances. The oracle (tests/data/oracles/drift.json, made with SciPy
 * 1.10.1; see SOURCES.txt there) must agree on EVERY expected value:
 * statistics to 1e-9 relative, p-values to 1e-6 relative. Relative means
 * |got - want| <= tol |want| + 1e-300: the absolute 1e-300 only lets an
 * expected 0 be met by a denormal; tiny p-values are held relative. The
 * further reference values below were computed with the same SciPy
 * (scipy.stats.kstwo.sf, scipy.special.smirnov, chi2.sf, ks_2samp,
 * wasserstein_distance, chisquare, chi2_contingency, jensenshannon) and
 * are held to 1e-9 relative, p-values included: the implementation
 * follows SciPy's methods and switch-over points, and agrees to ~1e-12.
 *
 * Beyond SciPy: the exact KS distribution against a brute-force count of
 * lattice paths; Wasserstein against the sorted-pairs formula; symmetry,
 * identical samples, bins, degenerate inputs and errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mlgate/drift.h"
#include "drift_internal.h"

#define ORACLE "tests/data/oracles/drift.json"
#define STAT_TOL 1e-9
#define ORACLE_P_TOL 1e-6
#define SCIPY_TOL 1e-9

static int close_enough(double got, double want, double tol)
{
	if (isnan(want))
		return isnan(got);
	return fabs(got - want) <= tol * fabs(want) + 1e-300;
}

static void expect_close(const char *name, const char *what, double got, double want, double tol)
{
	if (!close_enough(got, want, tol))
		fail_msg("%s: %s is %.17g, expected %.17g (relative error %.3g, allowed %g)", name, what,
			 got, want, fabs(got - want) / fabs(want), tol);
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

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double *json_sorted(const cJSON *arr, size_t *n)
{
	const cJSON *v;
	double *x;
	size_t i = 0;

	*n = (size_t)cJSON_GetArraySize(arr);
	x = malloc((*n + 1) * sizeof(*x));
	assert_non_null(x);
	cJSON_ArrayForEach(v, arr) {
		assert_true(cJSON_IsNumber(v));
		x[i++] = v->valuedouble;
	}
	qsort(x, *n, sizeof(*x), compare_double);
	return x;
}

static uint64_t *json_counts(const cJSON *arr, size_t *k)
{
	const cJSON *v;
	uint64_t *c;
	size_t i = 0;

	*k = (size_t)cJSON_GetArraySize(arr);
	c = malloc((*k + 1) * sizeof(*c));
	assert_non_null(c);
	cJSON_ArrayForEach(v, arr) {
		assert_true(cJSON_IsNumber(v) && v->valuedouble >= 0);
		c[i++] = (uint64_t)v->valuedouble;
	}
	return c;
}

static double number(const cJSON *obj, const char *key, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(v))
		fail_msg("%s: no number '%s' in the oracle", name, key);
	return v->valuedouble;
}

/*
 * Every numeric case: each key of "expected" is checked, and an unknown
 * key fails, so a value added to the oracle cannot go unchecked.
 */
static void test_oracle_numeric(void **state)
{
	char *text = read_all(ORACLE);
	cJSON *root = cJSON_Parse(text), *c;
	int checked = 0;

	(void)state;
	assert_non_null(root);
	assert_true(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "numeric")) > 0);
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "numeric")) {
		const char *name = cJSON_GetObjectItemCaseSensitive(c, "name")->valuestring;
		const cJSON *exp = cJSON_GetObjectItemCaseSensitive(c, "expected"), *e;
		size_t nref, ncur;
		double *ref = json_sorted(cJSON_GetObjectItemCaseSensitive(c, "reference"), &nref);
		double *cur = json_sorted(cJSON_GetObjectItemCaseSensitive(c, "current"), &ncur);

		cJSON_ArrayForEach(e, exp) {
			const char *key = e->string;

			if (!strncmp(key, "ks_", 3)) {
				enum mlg_ks_mode mode = MLG_KS_AUTO;
				struct mlg_ks ks;
				char what[64];

				if (!strcmp(key, "ks_auto"))
					mode = MLG_KS_AUTO;
				else if (!strcmp(key, "ks_exact"))
					mode = MLG_KS_EXACT;
				else if (!strcmp(key, "ks_asymp"))
					mode = MLG_KS_ASYMP;
				else
					fail_msg("%s: unknown oracle key '%s'", name, key);
				assert_int_equal(mlg_ks_2samp(ref, nref, cur, ncur, mode, &ks), 0);
				snprintf(what, sizeof(what), "%s statistic", key);
				expect_close(name, what, ks.statistic, number(e, "statistic", name), STAT_TOL);
				snprintf(what, sizeof(what), "%s p-value", key);
				expect_close(name, what, ks.pvalue, number(e, "pvalue", name), ORACLE_P_TOL);
				/* SciPy's rule: 'auto' is exact up to 10000 per side */
				if (mode == MLG_KS_AUTO)
					assert_int_equal(ks.used, (nref > ncur ? nref : ncur) <= 10000 ? MLG_KS_EXACT : MLG_KS_ASYMP);
				else
					assert_int_equal(ks.used, mode);
				checked += 2;
			} else if (!strcmp(key, "wasserstein")) {
				expect_close(name, key, mlg_wasserstein(ref, nref, cur, ncur), e->valuedouble, STAT_TOL);
				checked++;
			} else if (!strcmp(key, "wasserstein_normed")) {
				double w = mlg_wasserstein(ref, nref, cur, ncur) / mlg_std_population(ref, nref);

				expect_close(name, key, w, e->valuedouble, STAT_TOL);
				checked++;
			} else {
				fail_msg("%s: unknown oracle key '%s'", name, key);
			}
		}
		free(ref);
		free(cur);
	}
	/* 5 cases: ks auto and asymp and wasserstein twice each, ks exact in 3 */
	assert_int_equal(checked, 5 * 6 + 3 * 2);
	cJSON_Delete(root);
	free(text);
}

static void test_oracle_categorical(void **state)
{
	char *text = read_all(ORACLE);
	cJSON *root = cJSON_Parse(text), *c;
	int checked = 0;

	(void)state;
	assert_non_null(root);
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "categorical")) {
		const char *name = cJSON_GetObjectItemCaseSensitive(c, "name")->valuestring;
		const cJSON *exp = cJSON_GetObjectItemCaseSensitive(c, "expected"), *e;
		size_t k, k2;
		uint64_t *ref = json_counts(cJSON_GetObjectItemCaseSensitive(c, "reference_counts"), &k);
		uint64_t *cur = json_counts(cJSON_GetObjectItemCaseSensitive(c, "current_counts"), &k2);

		assert_int_equal(k, k2);
		assert_int_equal(k, (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(c, "categories")));
		cJSON_ArrayForEach(e, exp) {
			const char *key = e->string;
			struct mlg_chi2 chi;

			if (!strcmp(key, "chisquare_vs_reference_proportions")) {
				assert_int_equal(mlg_chi2_vs_reference(ref, cur, k, &chi), 0);
				expect_close(name, "chi-square statistic", chi.statistic, number(e, "statistic", name), STAT_TOL);
				expect_close(name, "chi-square p-value", chi.pvalue, number(e, "pvalue", name), ORACLE_P_TOL);
				assert_true(chi.dof == (double)(k - 1));
				checked += 2;
			} else if (!strcmp(key, "chi2_contingency_no_correction")) {
				assert_int_equal(mlg_chi2_contingency(ref, cur, k, &chi), 0);
				expect_close(name, "contingency statistic", chi.statistic, number(e, "statistic", name), STAT_TOL);
				expect_close(name, "contingency p-value", chi.pvalue, number(e, "pvalue", name), ORACLE_P_TOL);
				assert_true(chi.dof == number(e, "dof", name));
				checked += 3;
			} else if (!strcmp(key, "jensenshannon_distance_base_e")) {
				expect_close(name, key, mlg_jensen_shannon(ref, cur, k, M_E), e->valuedouble, STAT_TOL);
				checked++;
			} else if (!strcmp(key, "jensenshannon_distance_base_2")) {
				expect_close(name, key, mlg_jensen_shannon(ref, cur, k, 2), e->valuedouble, STAT_TOL);
				checked++;
			} else if (!strcmp(key, "l_infinity")) {
				expect_close(name, key, mlg_l_infinity(ref, cur, k), e->valuedouble, STAT_TOL);
				checked++;
			} else if (!strcmp(key, "psi_eps_1e-4")) {
				expect_close(name, key, mlg_psi(ref, cur, k, 1e-4), e->valuedouble, STAT_TOL);
				checked++;
			} else {
				fail_msg("%s: unknown oracle key '%s'", name, key);
			}
		}
		free(ref);
		free(cur);
	}
	assert_int_equal(checked, 3 * 9);
	cJSON_Delete(root);
	free(text);
}


/* ------------------------------------------------------------------ */
/* Further SciPy 1.10.1 values                                         */
/* ------------------------------------------------------------------ */

/* SciPy 1.10.1 stats.kstwo.sf(x, n): every method of _kolmogn */
static const struct { int64_t n; double x, sf; } kstwo_cases[] = {
	{ 1, 0.7, 0.6000000000000001 },
	{ 2, 0.3, 0.98 },
	{ 5, 0.15, 0.9988 },
	{ 5, 0.19, 0.977325184 },
	{ 10, 0.08, 0.9999978058034054 },
	{ 10, 0.5, 0.00777741 },
	{ 10, 0.95, 1.9531250000000172e-13 },
	{ 24, 0.16666666666666666, 0.4678433917500088 },
	{ 44, 0.245, 0.008227650918515073 },
	{ 100, 0.05, 0.9532159710635725 },
	{ 100, 0.3, 1.7719869892662917e-08 },
	{ 140, 0.12, 0.03252638258561632 },
	{ 140, 0.2, 2.1981563302200222e-05 },
	{ 141, 0.1, 0.11128445516467933 },
	{ 171, 0.04666666666666667, 0.8332915844774522 },
	{ 857, 0.0395, 0.13425722917183913 },
	{ 2500, 0.0382, 0.001319834539112467 },
	{ 5000, 0.03, 0.00024159234422666817 },
	{ 99999, 0.0008, 0.9999999545108651 },
	{ 150000, 0.003, 0.1341018124495077 },
	{ 999999, 0.0015, 0.02219585831182848 },
	{ 1000001, 0.0015, 0.022195685074797075 },
	{ 5000000, 0.0004, 0.40036692000218654 },
	{ 5000000, 0.0007, 0.014886217453694815 },
	{ 300, 0.004, 1.0 },
	{ 300, 0.0033, 1.0 },
	{ 20, 0.999, 2.0000000000000356e-60 },
	{ 50, 0.6, 9.634070456142374e-18 },
	{ 3000, 0.4, 0.0 },
};
/* SciPy 1.10.1 special.smirnov(n, x) */
static const struct { int64_t n; double x, sf; } smirnov_cases[] = {
	{ 2, 0.4, 0.44000000000000006 },
	{ 10, 0.25, 0.24491372483398438 },
	{ 50, 0.02, 0.9472237641358117 },
	{ 50, 0.9, 1.0080305951144073e-50 },
	{ 1012, 0.05, 0.006126950453128448 },
	{ 1013, 0.05, 0.006096375178064648 },
	{ 5000, 0.03, 0.00012079617211333408 },
	{ 100000, 0.004, 0.04065347569406545 },
	{ 1000000, 0.002, 0.0003350138551835359 },
	{ 1000001, 0.002, 0.0003350129437289286 },
	{ 3000000, 0.0005, 0.22305579169246023 },
};
/* SciPy 1.10.1 stats.chi2.sf(x, dof) */
static const struct { double x, dof, sf; } chi2_cases[] = {
	{ 0.5, 1, 0.47950012218695337 },
	{ 3.84, 1, 0.05004352124870519 },
	{ 30.0, 1, 4.3204630578274955e-08 },
	{ 100.0, 1, 1.5239706048320995e-23 },
	{ 1.0, 2, 0.6065306597126334 },
	{ 40.0, 2, 2.0611536224385566e-09 },
	{ 0.42022792022791994, 2, 0.8104918769604335 },
	{ 7.8, 3, 0.050331097859853326 },
	{ 51.3747813144382, 5, 7.246976796612118e-10 },
	{ 28.480868747627095, 5, 2.9309236912217204e-05 },
	{ 45.77350653277325, 11, 3.5453142827735123e-06 },
	{ 0.01, 4, 0.9999875415886458 },
	{ 3.0, 7, 0.8850022316431506 },
	{ 150.0, 10, 3.727485055062505e-27 },
	{ 19.5, 20, 0.4895712391149851 },
	{ 80.0, 20, 3.925932226286184e-09 },
	{ 100.0, 100, 0.48119168452795674 },
	{ 130.0, 100, 0.02351239780980871 },
	{ 60.0, 100, 0.999481108537452 },
	{ 1000.0, 1000, 0.49405285382923964 },
	{ 1200.0, 1000, 1.2255942330622893e-05 },
	{ 800.0, 1000, 0.9999991890618921 },
	{ 5200.0, 5000, 0.023818998020740657 },
	{ 700.0, 5, 4.911986103573117e-149 },
	{ 1500.0, 30, 3.9605925288243954e-297 },
};

static void test_kstwo_against_scipy(void **state)
{
	char what[64];

	(void)state;
	for (size_t i = 0; i < sizeof(kstwo_cases) / sizeof(kstwo_cases[0]); i++) {
		snprintf(what, sizeof(what), "kstwo.sf(%.17g, %lld)", kstwo_cases[i].x, (long long)kstwo_cases[i].n);
		expect_close("kstwo", what, mlg_drift__kstwo_sf(kstwo_cases[i].n, kstwo_cases[i].x),
			     kstwo_cases[i].sf, SCIPY_TOL);
	}
	assert_true(isnan(mlg_drift__kstwo_sf(0, 0.5)));
	assert_true(mlg_drift__kstwo_sf(10, 0.05) == 1.0); /* below the support, 0.5/n */
	assert_true(mlg_drift__kstwo_sf(10, 1.0) == 0.0);
}

static void test_smirnov_against_scipy(void **state)
{
	char what[64];

	(void)state;
	for (size_t i = 0; i < sizeof(smirnov_cases) / sizeof(smirnov_cases[0]); i++) {
		snprintf(what, sizeof(what), "smirnov(%lld, %.17g)", (long long)smirnov_cases[i].n, smirnov_cases[i].x);
		expect_close("smirnov", what, mlg_drift__smirnov(smirnov_cases[i].n, smirnov_cases[i].x),
			     smirnov_cases[i].sf, SCIPY_TOL);
	}
	assert_true(mlg_drift__smirnov(7, 0.0) == 1.0);
	assert_true(mlg_drift__smirnov(7, 1.0) == 0.0);
	assert_true(isnan(mlg_drift__smirnov(7, 1.5)));
}

static void test_chi2_sf_against_scipy(void **state)
{
	char what[64];

	(void)state;
	for (size_t i = 0; i < sizeof(chi2_cases) / sizeof(chi2_cases[0]); i++) {
		snprintf(what, sizeof(what), "chi2.sf(%.17g, %g)", chi2_cases[i].x, chi2_cases[i].dof);
		expect_close("chi2", what, mlg_chi2_sf(chi2_cases[i].x, chi2_cases[i].dof), chi2_cases[i].sf, SCIPY_TOL);
	}
	assert_true(mlg_chi2_sf(0, 3) == 1.0);
	assert_true(mlg_chi2_sf(-1, 3) == 1.0);
	assert_true(mlg_chi2_sf(INFINITY, 3) == 0.0);
	assert_true(isnan(mlg_chi2_sf(1, 0)));
	assert_true(isnan(mlg_chi2_sf(NAN, 2)));
	/* Q(a, x) + P(a, x) = 1 where both are computed apart: the series side against the fraction side */
	expect_close("gamma", "Q(3.5, 4.5) at the switch", mlg_drift__gamma_q(3.5, 4.5),
		     mlg_chi2_sf(9.0, 7.0), 1e-15);
}

/* ------------------------------------------------------------------ */
/* ks_2samp and Wasserstein end to end                                 */
/* ------------------------------------------------------------------ */

/*
 * Samples SciPy and this file both make: keys ((x >> 8) mod `mod`) of the
 * LCG x' = 1103515245 x + 12345 mod 2^31 from `seed`, values key / scale +
 * shift (exact divisions, so both sides hold the same doubles). Keys are
 * below 2^23; they are radix-sorted, which sorts the values.
 */
static double *lcg_sorted(size_t n, uint64_t seed, uint64_t mod, double scale, double shift)
{
	uint32_t *key = malloc((n + 1) * sizeof(*key)), *tmp = malloc((n + 1) * sizeof(*tmp));
	double *v = malloc((n + 1) * sizeof(*v));
	uint64_t x = seed;

	assert_non_null(key);
	assert_non_null(tmp);
	assert_non_null(v);
	for (size_t i = 0; i < n; i++) {
		x = (x * 1103515245u + 12345u) % 2147483648u;
		key[i] = (uint32_t)((x >> 8) % mod);
	}
	for (int shift_bits = 0; shift_bits < 24; shift_bits += 8) {
		size_t count[257] = { 0 };
		uint32_t *swap;

		for (size_t i = 0; i < n; i++)
			count[((key[i] >> shift_bits) & 0xff) + 1]++;
		for (int b = 0; b < 256; b++)
			count[b + 1] += count[b];
		for (size_t i = 0; i < n; i++)
			tmp[count[(key[i] >> shift_bits) & 0xff]++] = key[i];
		swap = key;
		key = tmp;
		tmp = swap;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = (double)key[i] / scale + shift;
	free(key);
	free(tmp);
	return v;
}

struct ks_case {
	const char *name;
	size_t n1;
	uint64_t seed1, mod1;
	double scale1, shift1;
	size_t n2;
	uint64_t seed2, mod2;
	double scale2, shift2;
	enum mlg_ks_mode mode;
	double statistic, pvalue;
	enum mlg_ks_mode used;
	double wasserstein, std_ref;
};

/* Samples from lcg_sorted(); SciPy 1.10.1 ks_2samp (and which method it used), wasserstein_distance, np.std */
static const struct ks_case ks_cases[] = {
	{ "ties_small", 37, 1, 10, 1, 0.0, 53, 2, 10, 1, 0.0, MLG_KS_AUTO,
	  0.33044365119836816, 0.012691154932512569, MLG_KS_EXACT, 1.450790413054564, 2.8796152652685847 },
	{ "ties_small_asymp", 37, 1, 10, 1, 0.0, 53, 2, 10, 1, 0.0, MLG_KS_ASYMP,
	  0.3304436511983681, 0.01215084249567977, MLG_KS_ASYMP, 1.450790413054564, 2.8796152652685847 },
	{ "ties_shifted", 800, 3, 50, 10, 0.0, 1200, 4, 50, 10, 0.5, MLG_KS_AUTO,
	  0.12791666666666668, 2.7383419393112783e-07, MLG_KS_EXACT, 0.49454166666666666, 1.429873109536297 },
	{ "ties_shifted_asymp", 800, 3, 50, 10, 0.0, 1200, 4, 50, 10, 0.5, MLG_KS_ASYMP,
	  0.12791666666666668, 2.6302953788908486e-07, MLG_KS_ASYMP, 0.49454166666666666, 1.429873109536297 },
	{ "equal_sizes", 500, 5, 100000, 1000, 0.0, 500, 6, 100000, 1000, 3.0, MLG_KS_AUTO,
	  0.054, 0.4599232291065006, MLG_KS_EXACT, 2.1400959999999998, 27.843531781476 },
	{ "auto_exact_edge", 10000, 7, 1000000, 10000, 0.0, 9000, 8, 1000000, 10000, 0.8, MLG_KS_AUTO,
	  0.02422222222222222, 0.0075620814006348265, MLG_KS_EXACT, 1.1636840799999983, 28.909266745633435 },
	{ "auto_asymp_edge", 10001, 7, 1000000, 10000, 0.0, 9000, 8, 1000000, 10000, 0.8, MLG_KS_AUTO,
	  0.024292315212923132, 0.007340958684278541, MLG_KS_ASYMP, 1.1670815479752008, 28.909817803695283 },
	{ "unequal_large", 20000, 9, 100000, 1000, 0.0, 15000, 10, 100000, 1000, 1.0, MLG_KS_AUTO,
	  0.015716666666666657, 0.028674008530399475, MLG_KS_ASYMP, 0.8706775666666666, 28.943297119179345 },
	{ "tiny_vs_large", 3, 11, 1000, 10, 0.0, 100000, 12, 1000, 10, 0.0, MLG_KS_AUTO,
	  0.45797666666666664, 0.4375610813722032, MLG_KS_ASYMP, 19.206892333333332, 26.88952708149897 },
	{ "exact_lcm_too_large", 50000, 13, 1000000, 1000, 0.0, 49999, 14, 1000000, 1000, 4.0, MLG_KS_EXACT,
	  0.010569185383707658, 0.007451259847854878, MLG_KS_ASYMP, 6.401950167701754, 289.93625720229363 },
	{ "large_smirnov", 3000000, 15, 2000000000, 1000000, 0.0, 1000000, 16, 2000000000, 1000000, 0.02, MLG_KS_AUTO,
	  0.002423999999999999, 0.00029689211952628214, MLG_KS_ASYMP, 0.01353319404066646, 2.42199143605697 },
	{ "large_pelz_good", 3000000, 15, 2000000000, 1000000, 0.0, 1000000, 16, 2000000000, 1000000, 0.008, MLG_KS_AUTO,
	  0.0010106666666666667, 0.4274961688061757, MLG_KS_ASYMP, 0.0025846571619999588, 2.42199143605697 },
};

/*
 * Ties within and across samples, unequal sizes, the 10000 boundary of
 * 'auto', SciPy's exact-to-asymptotic switch when lcm(n1, n2) passes
 * 2^31, and large samples in the Smirnov and Pelz-Good regimes.
 */
static void test_ks_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ks_cases) / sizeof(ks_cases[0]); i++) {
		const struct ks_case *c = &ks_cases[i];
		double *a = lcg_sorted(c->n1, c->seed1, c->mod1, c->scale1, c->shift1);
		double *b = lcg_sorted(c->n2, c->seed2, c->mod2, c->scale2, c->shift2);
		struct mlg_ks ks, swapped;

		assert_int_equal(mlg_ks_2samp(a, c->n1, b, c->n2, c->mode, &ks), 0);
		expect_close(c->name, "statistic", ks.statistic, c->statistic, STAT_TOL);
		expect_close(c->name, "p-value", ks.pvalue, c->pvalue, SCIPY_TOL);
		if (ks.used != c->used)
			fail_msg("%s: p-value by method %d, SciPy used %d", c->name, ks.used, c->used);
		expect_close(c->name, "wasserstein", mlg_wasserstein(a, c->n1, b, c->n2), c->wasserstein, STAT_TOL);
		expect_close(c->name, "population std", mlg_std_population(a, c->n1), c->std_ref, STAT_TOL);
		/* two-sided: the samples' order does not matter, to the bit */
		assert_int_equal(mlg_ks_2samp(b, c->n2, a, c->n1, c->mode, &swapped), 0);
		assert_true(swapped.statistic == ks.statistic);
		assert_true(swapped.pvalue == ks.pvalue);
		assert_true(mlg_wasserstein(b, c->n2, a, c->n1) == mlg_wasserstein(a, c->n1, b, c->n2));
		free(a);
		free(b);
	}
}

static void test_ks_fallbacks_and_edges(void **state)
{
	double a[7] = { 1, 2, 3, 4, 5, 6, 7 }, b[7], one = 1, two = 2;
	struct mlg_ks ks;

	(void)state;
	for (int i = 0; i < 7; i++)
		b[i] = a[i] + 0.5;
	/* SciPy: the exact 2P rounds to 1 + 2^-52 for h = 1, which fails, so asymptotic */
	assert_int_equal(mlg_ks_2samp(a, 7, b, 7, MLG_KS_EXACT, &ks), 0);
	expect_close("7 vs 7", "statistic", ks.statistic, 0.14285714285714285, STAT_TOL);
	expect_close("7 vs 7", "p-value", ks.pvalue, 0.9999609537692629, SCIPY_TOL);
	assert_int_equal(ks.used, MLG_KS_ASYMP);
	assert_int_equal(mlg_ks_2samp(a, 7, b, 7, MLG_KS_AUTO, &ks), 0);
	assert_int_equal(ks.used, MLG_KS_ASYMP);
	/* one value each: exact says 1; asymptotic has n = round(0.5) = 0, NaN as SciPy */
	assert_int_equal(mlg_ks_2samp(&one, 1, &two, 1, MLG_KS_AUTO, &ks), 0);
	assert_true(ks.statistic == 1.0 && ks.pvalue == 1.0 && ks.used == MLG_KS_EXACT);
	assert_int_equal(mlg_ks_2samp(&one, 1, &two, 1, MLG_KS_ASYMP, &ks), 0);
	assert_true(ks.statistic == 1.0 && isnan(ks.pvalue));
	/* identical samples, with ties */
	assert_int_equal(mlg_ks_2samp(a, 7, a, 7, MLG_KS_AUTO, &ks), 0);
	assert_true(ks.statistic == 0 && ks.pvalue == 1.0);
	assert_true(mlg_wasserstein(a, 7, a, 7) == 0);
	/* all of one sample below the other */
	assert_int_equal(mlg_ks_2samp(a, 3, a + 3, 4, MLG_KS_AUTO, &ks), 0);
	assert_true(ks.statistic == 1.0);
	expect_close("3 below 4", "p-value", ks.pvalue, 2.0 / 35.0, 1e-12); /* 2 of C(7,3) orders */
	/* empty samples */
	assert_int_equal(mlg_ks_2samp(a, 0, b, 7, MLG_KS_AUTO, &ks), -1);
	assert_int_equal(mlg_ks_2samp(a, 7, b, 0, MLG_KS_AUTO, &ks), -1);
	assert_true(isnan(mlg_wasserstein(a, 0, b, 7)));
	assert_true(isnan(mlg_std_population(a, 0)));
}

/*
 * The exact distribution against a direct count: paths from (0,0) to
 * (n1,n2) that stay strictly inside |i n2 - j n1| < h g, by dynamic
 * programming over the lattice (exact integers in doubles at these sizes,
 * below 2^53).
 */
static double brute_force_sf(int n1, int n2, int64_t h)
{
	double paths[13][13], total = 0;
	int64_t g = 1;

	for (int64_t a = n1, b = n2; b;) {
		int64_t t = a % b;

		a = b;
		b = t;
		g = a;
	}
	for (int i = 0; i <= n1; i++)
		for (int j = 0; j <= n2; j++) {
			int64_t d = (int64_t)i * n2 / g - (int64_t)j * n1 / g;

			if ((d < 0 ? -d : d) >= h) {
				paths[i][j] = 0;
				continue;
			}
			paths[i][j] = (i == 0 && j == 0) ? 1 : (i ? paths[i - 1][j] : 0) + (j ? paths[i][j - 1] : 0);
		}
	total = 1;
	for (int k = 1; k <= n2; k++)
		total = total * (n1 + k) / k;
	return (total - paths[n1][n2]) / total; /* integers, exact: one rounding */
}

static void test_ks_exact_against_path_count(void **state)
{
	int compared = 0, failed = 0;

	(void)state;
	for (int n1 = 1; n1 <= 12; n1++)
		for (int n2 = 1; n2 <= 12; n2++) {
			int64_t g = 1, lcm;

			for (int64_t a = n1, b = n2; b;) {
				int64_t t = a % b;

				a = b;
				b = t;
				g = a;
			}
			lcm = (int64_t)n1 / g * n2;
			for (int64_t h = 1; h <= lcm; h++) {
				double p, want = brute_force_sf(n1, n2, h);
				char what[64];

				if (mlg_drift__ks_exact_sf((uint64_t)n1, (uint64_t)n2, (uint64_t)h, &p) < 0) {
					failed++; /* SciPy too gives up there (a result just above 1) */
					continue;
				}
				snprintf(what, sizeof(what), "Pr(D >= %lld/%lld), %d vs %d", (long long)h, (long long)lcm, n1, n2);
				expect_close("exact", what, p, want, 1e-12);
				compared++;
			}
		}
	assert_true(compared > 3000);
	assert_true(failed < 10);
}

/* For equal sizes the distance is the mean gap between order statistics. */
static void test_wasserstein_sorted_pairs(void **state)
{
	double *a = lcg_sorted(5000, 21, 300, 7, 0), *b = lcg_sorted(5000, 22, 300, 7, 1.5);
	double sum = 0;

	(void)state;
	for (size_t i = 0; i < 5000; i++)
		sum += fabs(a[i] - b[i]);
	expect_close("pairs", "wasserstein", mlg_wasserstein(a, 5000, b, 5000), sum / 5000, 1e-12);
	/* a shift moves every unit of mass by the shift */
	for (size_t i = 0; i < 5000; i++)
		b[i] = a[i] + 0.25;
	expect_close("shift", "wasserstein", mlg_wasserstein(a, 5000, b, 5000), 0.25, 1e-12);
	free(a);
	free(b);
}

/* ------------------------------------------------------------------ */
/* Bins                                                                */
/* ------------------------------------------------------------------ */

static void test_bins(void **state)
{
	/* NumPy: np.quantile(ref, k/10), then np.searchsorted(sorted, edges, 'right') */
	static const double edges[] = { 0.5, 0.9800000000000011, 1.4, 2.0, 2.5, 3.0, 3.5, 3.9, 4.4 };
	static const uint64_t ref_counts[] = { 98, 62, 83, 87, 73, 86, 84, 84, 66, 77 };
	static const uint64_t cur_counts[] = { 30, 95, 104, 143, 132, 118, 121, 89, 128, 240 };
	double *ref = lcg_sorted(800, 3, 50, 10, 0), *cur = lcg_sorted(1200, 4, 50, 10, 0.5);
	double same[6] = { 2, 2, 2, 2, 2, 2 }, few[4] = { 1, 1, 1, 9 };
	struct mlg_bins bins;
	uint64_t counts[11];

	(void)state;
	mlg_bins_quantile(&bins, ref, 800, 10);
	assert_int_equal(bins.nedges, 9);
	for (size_t i = 0; i < 9; i++)
		expect_close("bins", "edge", bins.edges[i], edges[i], 1e-15);
	mlg_bins_count(&bins, ref, 800, counts);
	assert_memory_equal(counts, ref_counts, sizeof(ref_counts));
	mlg_bins_count(&bins, cur, 1200, counts);
	assert_memory_equal(counts, cur_counts, sizeof(cur_counts));
	mlg_bins_release(&bins);
	assert_null(bins.edges);
	mlg_bins_release(&bins); /* twice is fine */

	/* a constant reference: one edge; at or below it is the first bin */
	mlg_bins_quantile(&bins, same, 6, 10);
	assert_int_equal(bins.nedges, 1);
	mlg_bins_count(&bins, few, 4, counts);
	assert_true(bins.edges[0] == 2);
	assert_true(counts[0] == 3 && counts[1] == 1);
	mlg_bins_release(&bins);
	/* duplicates collapse: quantiles 1, 1, 1, then 9 share edges */
	mlg_bins_quantile(&bins, few, 4, 4);
	assert_int_equal(bins.nedges, 2);
	assert_true(bins.edges[0] == 1 && bins.edges[1] < 9 && bins.edges[1] > 1);
	mlg_bins_count(&bins, few, 4, counts);
	assert_true(counts[0] == 3 && counts[1] == 0 && counts[2] == 1);
	mlg_bins_release(&bins);
	/* nothing to cut */
	mlg_bins_quantile(&bins, ref, 800, 1);
	assert_int_equal(bins.nedges, 0);
	mlg_bins_count(&bins, cur, 1200, counts);
	assert_int_equal(counts[0], 1200);
	mlg_bins_release(&bins);
	mlg_bins_quantile(&bins, ref, 0, 10);
	assert_int_equal(bins.nedges, 0);
	mlg_bins_release(&bins);
	free(ref);
	free(cur);
}

/* ------------------------------------------------------------------ */
/* Count vectors                                                       */
/* ------------------------------------------------------------------ */

struct cat_case {
	const char *name;
	size_t k;
	uint64_t ref[4], cur[4];
	double chi2_stat, chi2_p, cont_stat, cont_p, cont_dof, js_e, js_2, linf, psi;
};

static const struct cat_case cat_cases[] = {
	{ "new_category", 4, { 50, 0, 30, 20 }, { 40, 5, 35, 20 },
	  19.01166666666667, 0.00027188450146786936,
	  6.495726495726496, 0.08983119287440527, 3,
	  0.1451712446493776, 0.17436843505978744, 0.09999999999999998, 0.34013083323405124 },
	{ "absent_both_sides", 4, { 10, 0, 20, 7 }, { 15, 0, 25, 1 },
	  8.949477351916377, 0.029970209296043607,
	  5.865853658536587, 0.053240982616459966, 2,
	  0.20182933242063475, 0.24242173392083394, 0.16479894528675018, 0.37488467424357563 },
	{ "two_categories", 2, { 900, 100 }, { 850, 150 },
	  27.77777777777778, 1.3608022911357298e-07,
	  11.428571428571429, 0.0007232327164301936, 1,
	  0.053610919202316226, 0.0643932764095418, 0.050000000000000044, 0.023131176097405642 },
	{ "vanished_category", 3, { 300, 200, 5 }, { 280, 260, 0 },
	  20.487654320987644, 3.557643204689037e-05,
	  12.357355425697493, 0.0020731673656009626, 2,
	  0.08244860335271754, 0.09903086506009466, 0.0854418775210854, 0.07200291001237444 },
};
/* two-sided pooled z-test: 2 norm.sf(|z|) */
static const struct { uint64_t x1, n1, x2, n2; double z, p; } ztest_cases[] = {
	{ 30, 100, 45, 110, -1.6477716817422, 0.09939953216165574 },
	{ 5000, 10000, 5100, 10000, -1.4142842783549578, 0.15727845115653802 },
	{ 1, 1000, 60, 1000, -7.672081142475085, 1.6922783617345766e-14 },
	{ 7, 7, 3, 9, 2.732520204255893, 0.006285181643384471 },
};

/*
 * A category new in the current data (raised to 1 in the reference for
 * chi-square, clipped at 1e-4 for PSI), one absent from both (SciPy's
 * chi2_contingency would refuse the zero expected count: it is left out,
 * with its degree of freedom), two categories, a category that vanished.
 */
static void test_categorical_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cat_cases) / sizeof(cat_cases[0]); i++) {
		const struct cat_case *c = &cat_cases[i];
		struct mlg_chi2 chi;

		assert_int_equal(mlg_chi2_vs_reference(c->ref, c->cur, c->k, &chi), 0);
		expect_close(c->name, "chi-square statistic", chi.statistic, c->chi2_stat, STAT_TOL);
		expect_close(c->name, "chi-square p-value", chi.pvalue, c->chi2_p, SCIPY_TOL);
		assert_true(chi.dof == (double)(c->k - 1));
		assert_int_equal(mlg_chi2_contingency(c->ref, c->cur, c->k, &chi), 0);
		expect_close(c->name, "contingency statistic", chi.statistic, c->cont_stat, STAT_TOL);
		expect_close(c->name, "contingency p-value", chi.pvalue, c->cont_p, SCIPY_TOL);
		assert_true(chi.dof == c->cont_dof);
		expect_close(c->name, "jensen-shannon e", mlg_jensen_shannon(c->ref, c->cur, c->k, M_E), c->js_e, STAT_TOL);
		expect_close(c->name, "jensen-shannon 2", mlg_jensen_shannon(c->ref, c->cur, c->k, 2), c->js_2, STAT_TOL);
		expect_close(c->name, "l-infinity", mlg_l_infinity(c->ref, c->cur, c->k), c->linf, STAT_TOL);
		expect_close(c->name, "psi", mlg_psi(c->ref, c->cur, c->k, 1e-4), c->psi, STAT_TOL);
	}
}

static void test_categorical_degenerate(void **state)
{
	uint64_t a[3] = { 5, 7, 9 }, zero[3] = { 0, 0, 0 }, only[3] = { 0, 4, 0 };
	struct mlg_chi2 chi;

	(void)state;
	/* identical distributions */
	assert_true(mlg_jensen_shannon(a, a, 3, 2) == 0);
	assert_true(mlg_l_infinity(a, a, 3) == 0);
	assert_true(fabs(mlg_psi(a, a, 3, 1e-4)) == 0);
	assert_int_equal(mlg_chi2_vs_reference(a, a, 3, &chi), 0);
	assert_true(chi.statistic < 1e-12 && chi.pvalue > 1 - 1e-12);
	/* disjoint supports: JS distance is 1 in base 2 */
	{
		uint64_t p[2] = { 3, 0 }, q[2] = { 0, 8 };

		expect_close("disjoint", "jensen-shannon 2", mlg_jensen_shannon(p, q, 2, 2), 1.0, 1e-15);
		assert_true(mlg_l_infinity(p, q, 2) == 1.0);
	}
	/* errors: fewer than 2 categories, empty totals */
	assert_int_equal(mlg_chi2_vs_reference(a, a, 1, &chi), -1);
	assert_int_equal(mlg_chi2_vs_reference(a, zero, 3, &chi), -1);
	assert_int_equal(mlg_chi2_vs_reference(zero, a, 3, &chi), -1);
	assert_int_equal(mlg_chi2_contingency(a, a, 1, &chi), -1);
	assert_int_equal(mlg_chi2_contingency(zero, a, 3, &chi), -1);
	assert_true(isnan(mlg_psi(zero, a, 3, 1e-4)));
	assert_true(isnan(mlg_jensen_shannon(a, zero, 3, 2)));
	assert_true(isnan(mlg_l_infinity(zero, a, 3)));
	/* one category left once those absent from both are dropped: no degrees of freedom */
	assert_int_equal(mlg_chi2_contingency(only, only, 3, &chi), 0);
	assert_true(chi.dof == 0 && chi.statistic == 0 && chi.pvalue == 1);
}

static void test_proportion_ztest(void **state)
{
	double z;

	(void)state;
	for (size_t i = 0; i < sizeof(ztest_cases) / sizeof(ztest_cases[0]); i++) {
		double p = mlg_proportion_ztest(ztest_cases[i].x1, ztest_cases[i].n1, ztest_cases[i].x2,
						ztest_cases[i].n2, &z);

		expect_close("z-test", "z", z, ztest_cases[i].z, STAT_TOL);
		expect_close("z-test", "p-value", p, ztest_cases[i].p, SCIPY_TOL);
	}
	/* both samples all 0 or all 1: nothing differs */
	assert_true(mlg_proportion_ztest(0, 50, 0, 60, &z) == 1.0 && z == 0);
	assert_true(mlg_proportion_ztest(50, 50, 60, 60, &z) == 1.0 && z == 0);
	assert_true(isnan(mlg_proportion_ztest(1, 0, 2, 5, &z)) && isnan(z));
	assert_true(isnan(mlg_proportion_ztest(6, 5, 2, 5, NULL)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oracle_numeric),
		cmocka_unit_test(test_oracle_categorical),
		cmocka_unit_test(test_kstwo_against_scipy),
		cmocka_unit_test(test_smirnov_against_scipy),
		cmocka_unit_test(test_chi2_sf_against_scipy),
		cmocka_unit_test(test_ks_cases),
		cmocka_unit_test(test_ks_fallbacks_and_edges),
		cmocka_unit_test(test_ks_exact_against_path_count),
		cmocka_unit_test(test_wasserstein_sorted_pairs),
		cmocka_unit_test(test_bins),
		cmocka_unit_test(test_categorical_cases),
		cmocka_unit_test(test_categorical_degenerate),
		cmocka_unit_test(test_proportion_ztest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
