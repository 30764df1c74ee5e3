/*
 * Unit tests for the fast decimal-to-double conversion (runner/fastfloat.c)
 * behind mlg_parse_float().
 *
 * The oracle is glibc's strtod(), which is correctly rounded: every value
 * must come out bit for bit the same, on millions of generated inputs of
 * the shapes data files hold and of the shapes that are hard to round.
 * The grammar is checked against the implementation that preceded the
 * fast path (oracle_parse_float below), exhaustively on short strings.
 *
 * Each input is parsed from the very end of a heap block, so that under
 * ASan any read past `len` is reported.
 *
 * About 2.1 million random literals, and 0.8 million short strings for
 * the grammar (see scaled() for ASan and MLGATE_TEST_QUICK).
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

#include "fastfloat.h"
#include "mlgate/error.h"
#include "mlgate/value.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

/* Room for the longest input (the 800-digit ones and their exponent). */
#define TAIL_SIZE 1024

/* The heap block whose last bytes hold the input under test. */
static char *tail_block;

/*
 * How many of each random case to run: all (about 2.5 s at -O2), half
 * under ASan (printf and strtod, most of the time, are not instrumented:
 * about 2.5 s too), a tenth with MLGATE_TEST_QUICK.
 */
static long scaled(long n)
{
	if (getenv("MLGATE_TEST_QUICK"))
		return n / 10;
	return UNDER_ASAN ? n / 2 : n;
}

/* splitmix64: each test seeds its own, so any failure reproduces alone. */
static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned rng_below(uint64_t *state, unsigned n)
{
	return (unsigned)(rng_next(state) % n);
}

/* A finite double of random bits: every exponent equally likely. */
static double rng_double(uint64_t *state)
{
	double d;

	do {
		uint64_t bits = rng_next(state);

		memcpy(&d, &bits, sizeof(d));
	} while (!isfinite(d));
	return d;
}

static int same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

/* Copies s to the end of tail_block: no byte after it belongs to us. */
static const char *at_tail(const char *s, size_t len)
{
	char *p;

	assert_true(len <= TAIL_SIZE);
	p = tail_block + TAIL_SIZE - len;
	memcpy(p, s, len);
	return p;
}

/* How often the fast paths alone decided, per shape. */
struct coverage {
	long total;
	long fast;
};

/*
 * The heart of the tests: `s` must be a valid decimal literal, and
 * mlg_parse_float(), mlg_fastfloat__parse_nofallback() (when it decides)
 * and, for overflow, mlg_fastfloat__parse() must agree with strtod to the
 * bit; mlg_parse_float() rejects overflow, as before.
 */
static void check_literal(const char *s, struct coverage *cov)
{
	size_t len = strlen(s);
	const char *t;
	char *end;
	double want, fast = 42, pub = 42;
	int rc;

	want = strtod(s, &end);
	if (end != s + len)
		fail_msg("test bug: strtod stops early in '%s'", s);

	t = at_tail(s, len);
	if (isinf(want)) {
		double got = 42;

		if (mlg_fastfloat__parse(t, len, &got) != 0 ||
		    !same_bits(got, want))
			fail_msg("'%s' = %a, strtod gives %a", s, got, want);
	}

	rc = mlg_fastfloat__parse_nofallback(t, len, &fast);
	if (rc == 0 && !same_bits(fast, want))
		fail_msg("'%s' fast path = %a, strtod gives %a", s, fast, want);
	if (rc != 0 && rc != 1)
		fail_msg("'%s' fast path returned %d", s, rc);
	if (cov) {
		cov->total++;
		cov->fast += rc == 0;
	}

	rc = mlg_parse_float(t, len, &pub);
	if (isinf(want)) {
		if (rc != MLG_EINVALID || pub != 42)
			fail_msg("'%s' overflows and should be rejected", s);
	} else if (rc != 0 || !same_bits(pub, want)) {
		fail_msg("mlg_parse_float('%s') = %d, %a; want %a", s, rc, pub,
			 want);
	}
}

static void check_printf(struct coverage *cov, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void check_printf(struct coverage *cov, const char *fmt, ...)
{
	char buf[TAIL_SIZE];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	check_literal(buf, cov);
}

/* The share of values the fast paths decided must be at least `percent`. */
static void expect_coverage(const char *what, const struct coverage *cov,
			    double percent)
{
	double got = 100.0 * (double)cov->fast / (double)cov->total;

	if (got < percent)
		fail_msg("%s: fast paths decided %.3f%% of %ld, want >= %.1f%%",
			 what, got, cov->total, percent);
}

/* ---- the shapes of data files ---- */

static void test_random_doubles(void **state)
{
	static const char *const formats[] = { "%.17g", "%.16g", "%.15g",
					       "%.17e", "%.3e",	 "%g" };
	struct coverage cov[6] = { { 0, 0 } };
	uint64_t rng = 1;
	long i, n = scaled(600000);

	(void)state;
	for (i = 0; i < n; i++) {
		unsigned f = (unsigned)(i % 6);
		double d = rng_double(&rng);

		check_printf(&cov[f], formats[f], d);
	}
	/* Only subnormals (1 in 2048 of random bits) and rare exact
	 * ties need strtod. */
	expect_coverage("%.17g", &cov[0], 99.0);
	expect_coverage("%.16g", &cov[1], 99.0);
	expect_coverage("%.15g", &cov[2], 99.0);
	expect_coverage("%.17e", &cov[3], 99.0);
	expect_coverage("%.3e", &cov[4], 99.0);
	expect_coverage("%g", &cov[5], 99.0);
}

/* Values as data holds them: moderate magnitudes, fixed or short. */
static void test_data_shapes(void **state)
{
	struct coverage cov = { 0, 0 };
	uint64_t rng = 2;
	long i, n = scaled(450000);

	(void)state;
	for (i = 0; i < n; i++) {
		double unit = (double)(rng_next(&rng) >> 11) * 0x1p-53;
		double scale = pow(10, (int)rng_below(&rng, 16) - 4);
		double v = (rng_next(&rng) & 1 ? -unit : unit) * scale;

		switch (i % 5) {
		case 0:
			check_printf(&cov, "%.6f", unit);
			break;
		case 1:
			check_printf(&cov, "%.1f", v);
			break;
		case 2:
			check_printf(&cov, "%.5e", v);
			break;
		case 3:
			check_printf(&cov, "%.17g", unit);
			break;
		case 4:
			check_printf(&cov, "%.*f", (int)rng_below(&rng, 10), v);
			break;
		}
	}
	expect_coverage("data shapes", &cov, 99.9);
}

/*
 * Random digit strings: 1-30 digits with the point anywhere (or nowhere),
 * an optional sign, and an optional exponent in -350..350 in any of its
 * spellings. Past 19 digits they take the truncated path.
 */
static void test_digit_strings(void **state)
{
	uint64_t rng = 3;
	long i, n = scaled(560000);

	(void)state;
	for (i = 0; i < n; i++) {
		char buf[64], *p = buf;
		unsigned ndigits = 1 + rng_below(&rng, 30);
		unsigned point = rng_below(&rng, ndigits + 2), k;

		switch (rng_below(&rng, 4)) {
		case 0:
			*p++ = '-';
			break;
		case 1:
			*p++ = '+';
			break;
		}
		/* Leading zeros are common in some exports; make them so. */
		for (k = 0; k < ndigits; k++) {
			if (k == point)
				*p++ = '.';
			*p++ = rng_below(&rng, 4) == 0 ?
				       '0' :
				       (char)('0' + rng_below(&rng, 10));
		}
		if (point == ndigits)
			*p++ = '.';
		if (rng_below(&rng, 3) != 0) {
			int e = (int)rng_below(&rng, 701) - 350;

			*p++ = rng_next(&rng) & 1 ? 'e' : 'E';
			if (e >= 0 && rng_next(&rng) & 1)
				*p++ = '+';
			p += sprintf(p, "%d", e);
		}
		*p = '\0';
		check_literal(buf, NULL);
	}
}

/*
 * 19 significant digits then zeros: truncated in form only, the dropped
 * digits are all zero. And 20-25 digits around the same mantissa.
 */
static void test_trailing_zeros(void **state)
{
	struct coverage cov = { 0, 0 };
	uint64_t rng = 4;
	long i, n = scaled(100000);

	(void)state;
	for (i = 0; i < n; i++) {
		char buf[96];
		uint64_t m = 1000000000000000000ULL +
			     rng_next(&rng) % 9000000000000000000ULL;
		int zeros = (int)rng_below(&rng, 30);
		int e = (int)rng_below(&rng, 550) - 300;
		int w = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)m);

		memset(buf + w, '0', (size_t)zeros);
		snprintf(buf + w + zeros, sizeof(buf) - (size_t)(w + zeros),
			 "e%d", e);
		check_literal(buf, &cov);
	}
	/* Zeros do not make a literal truncated: nearly all stay fast. */
	expect_coverage("trailing zeros", &cov, 99.0);
}

/*
 * A random double's first 1-17 digits behind 3-40 zeros ("0.000123e310"):
 * more than 19 digits in form but not in value, over the whole exponent
 * range, including both edges.
 */
static void test_leading_zeros(void **state)
{
	uint64_t rng = 9;
	long i, n = scaled(80000);

	(void)state;
	for (i = 0; i < n; i++) {
		char sci[40], buf[96], *e;
		int zeros = 3 + (int)rng_below(&rng, 38), exp10;

		snprintf(sci, sizeof(sci), "%.*e", (int)rng_below(&rng, 17),
			 rng_double(&rng));
		e = strchr(sci, 'e');
		assert_non_null(e);
		exp10 = atoi(e + 1);
		*e = '\0';
		/* sci is now "[-]d[.ddd]": drop its point */
		if (sci[(sci[0] == '-') + 1] == '.')
			memmove(sci + (sci[0] == '-') + 1,
				sci + (sci[0] == '-') + 2,
				strlen(sci + (sci[0] == '-') + 2) + 1);
		snprintf(buf, sizeof(buf), "%s0.%0*d%se%d",
			 sci[0] == '-' ? "-" : "", zeros, 0,
			 sci + (sci[0] == '-'), exp10 + zeros + 1);
		check_literal(buf, NULL);
	}
}

/* ---- the hard cases ---- */

/*
 * Decimal text exactly at, or within 10^-17..10^-40 of, the midpoint of
 * two adjacent doubles: where a wrong rounding would show. The midpoint of
 * two doubles has 54 significant bits, exact in x87 or quad long double,
 * and glibc prints it exactly when asked for enough digits.
 */
static void test_halfway(void **state)
{
#if LDBL_MANT_DIG >= 54
	uint64_t rng = 5;
	long i, n = scaled(120000);

	(void)state;
	for (i = 0; i < n; i++) {
		double d = fabs(rng_double(&rng)), next;
		long double mid;

		if (d == DBL_MAX)
			continue;
		next = nextafter(d, INFINITY);
		mid = ((long double)d + (long double)next) / 2;
		if (i % 50 == 0) {
			/* Exact: up to 767 significant digits. */
			char buf[TAIL_SIZE];
			char *e;
			size_t z;

			snprintf(buf, sizeof(buf), "%.780Le", mid);
			e = strchr(buf, 'e');
			assert_non_null(e);
			for (z = (size_t)(e - buf); buf[z - 1] == '0'; z--)
				;
			memmove(buf + z, e, strlen(e) + 1);
			check_literal(buf, NULL);
		} else {
			check_printf(NULL, "%.*Le", 16 + (int)rng_below(&rng, 25),
				     mid);
		}
	}
#else
	(void)state;
	skip();
#endif
}

/* Subnormals, and the edges of the range on both sides of each limit. */
static void test_limits(void **state)
{
	static const double limits[] = { DBL_MAX, DBL_MIN, DBL_TRUE_MIN,
					 1.0,	  0x1p-1022 * 0.5, 1e-308,
					 1e308,	  0x1p1023 };
	uint64_t rng = 6;
	size_t k;
	long i, n = scaled(80000);

	(void)state;
	for (k = 0; k < sizeof(limits) / sizeof(limits[0]); k++) {
		double up = limits[k], down = limits[k];
		int step;

		for (step = 0; step < 50; step++) {
			check_printf(NULL, "%.17g", up);
			check_printf(NULL, "%.17g", -down);
			check_printf(NULL, "%.25e", up);
			check_printf(NULL, "%.40e", down);
			up = nextafter(up, INFINITY);
			down = nextafter(down, 0);
			if (isinf(up))
				up = DBL_MAX;
		}
	}
	/* Random subnormals, in several precisions. */
	for (i = 0; i < n; i++) {
		uint64_t bits = rng_next(&rng) & 0x800fffffffffffffULL;
		double d;

		memcpy(&d, &bits, sizeof(d));
		switch (i % 4) {
		case 0:
			check_printf(NULL, "%.17g", d);
			break;
		case 1:
			check_printf(NULL, "%.3e", d);
			break;
		case 2:
			check_printf(NULL, "%.25e", d);
			break;
		case 3:
			check_printf(NULL, "%g", d);
			break;
		}
	}
}

/* Known hard or historic cases, and edges of the method's paths. */
static void test_known_cases(void **state)
{
	static const char *const cases[] = {
		"1e23", "8.98846567431158e307", "9007199254740993",
		"9007199254740992", "9007199254740994", "9007199254740995",
		"9007199254740993.0000000000000001", "2.2250738585072011e-308",
		"2.2250738585072012e-308", "2.2250738585072014e-308",
		"2.225073858507201136057409796709131975934819546351645648e-308",
		"4.9406564584124654e-324", "5e-324", "2.4703282292062327e-324",
		"2.4703282292062328e-324", "2.47032822920623272088e-324",
		"1.7976931348623157e308", "1.7976931348623158e308",
		"1.7976931348623159e308", "1.797693134862315807937289714053e308",
		"1.7976931348623158079372897140530341507993413271003782693617"
		"37789e308",
		/* 1 + 2^-53 exactly (a tie: rounds to 1), just below, just above */
		"1.00000000000000011102230246251565404236316680908203125",
		"1.00000000000000011102230246251565404236316680908203124",
		"1.00000000000000011102230246251565404236316680908203126",
		"0.1", "0.2", "0.3", "0.7", "3.14159e-05", "-1234.5",
		"0.12345678901234567", "123456789012345678901234567890",
		"7.2057594037927933e16", "1e-342", "1e-343", "1e-324", "1e-325",
		"9.999999999999999999e-343", "1e308", "1e309", "1e22", "1e-22",
		"1e37", "1e38", "9007199254740992e22", "9007199254740993e22",
		"123456789e30", "1234567890123e24", "1e0", "0e0", "-0e0",
		"0e-999", "-0e999", "0.0000000000000000000000000000000000001",
		"00000000000000000000000000000000000001.5",
		"1.0000000000000000000000000000000000001",
		"9999999999999999999", "99999999999999999999",
		"18446744073709551615", "18446744073709551616",
		"1844674407370955161.5", "0.000001", "1000000", ".5", "5.",
		"-.5e-3", "+5.E+3", "1E+308", "4.4501477170144023e-308",
		"4.4501477170144022721148195934182639518696390927032912960468"
		"522194496444440421538910330590478162701758282983178260792422"
		"137401728773891892910553144148156412434867599762821265346585"
		"071045737627442980259622449029037796981144446145705102663115"
		"100318287949527959668236039986479250965780342141637013812613"
		"333119898765515451440315261253813266652951306000184917766328"
		"660755595837392240989947807556594098101021612198814605258742"
		"579179000071675999344145086087205681577915435923018910334964"
		"869420614052182892431445797605163650903606514140377217442262"
		"561590244668525767372446430075513332450079650686719491377688"
		"478005309963967709758965844137894433796621993967316936280457"
		"084866613206797017728916080020698679408551343728867675409720"
		"757232455434770912461317493580281734466552734375e-308",
		"0.500000000000000166533453693773481063544750213623046875",
		"3.518437208883201171875e13", "62.5364939768271845828",
		"8.10109172351e-10", "1.50000000000000011102230246251565404236316680908203125",
		"9007199254740993.000000000000000000000000000000000000001",
		"7.4109846876186982e-323", "2.2250738585072009e-308",
		"6.631236846766476e-316", "3.2379086165851934e-319",
		/* exponents that wrap a 32- or 64-bit counter to 1 */
		"1e4294967297", "1e-4294967297", "1e18446744073709551617",
		"1e-18446744073709551615", "1e9223372036854775809",
		"0.00000000000000000000000001e18446744073709551642",
		"10000000000000000000000000e-18446744073709551641",
		"0e18446744073709551617", "1e000000000000000000000000000001",
		"1e99999", "1e-99999", "1e100000", "1e-100000", "1e-99999999",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_literal(cases[i], NULL);
}

/*
 * 800 digits: the heap copy for strtod, truncation far from the end, and
 * ties decided by a digit hundreds of places in.
 */
static void test_long_literals(void **state)
{
	uint64_t rng = 7;
	long i, n = scaled(20000);

	(void)state;
	for (i = 0; i < n; i++) {
		char buf[TAIL_SIZE];
		char *p = buf;
		unsigned ndigits = 780 + rng_below(&rng, 41);
		unsigned point = rng_below(&rng, ndigits + 1), k;
		/* Mostly zeros after a few digits: the cases where one late
		 * digit decides the rounding. */
		unsigned dense = rng_below(&rng, 2) ? ndigits : 1 + rng_below(&rng, 40);

		if (rng_next(&rng) & 1)
			*p++ = '-';
		for (k = 0; k < ndigits; k++) {
			if (k == point)
				*p++ = '.';
			if (k < dense || k == ndigits - 1)
				*p++ = (char)('0' + rng_below(&rng, 10));
			else
				*p++ = '0';
		}
		sprintf(p, "e%d", (int)rng_below(&rng, 1400) - 1100);
		check_literal(buf, NULL);
	}
}

/* ---- grammar ---- */

/*
 * The implementation mlg_parse_float() had before the fast path: the
 * reference for which texts are accepted and for inf/nan.
 */
static int oracle_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int oracle_eq_nocase(const char *s, size_t len, const char *word)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (word[i] == '\0' || c != word[i])
			return 0;
	}
	return word[len] == '\0';
}

static int oracle_parse_float(const char *s, size_t len, double *out)
{
	size_t i = 0, mant_digits = 0;
	int neg = 0;
	char buf[64], *end;
	double v;

	if (len == 0)
		return MLG_EINVALID;
	if (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-';
		i = 1;
	}
	if (oracle_eq_nocase(s + i, len - i, "inf") ||
	    oracle_eq_nocase(s + i, len - i, "infinity")) {
		*out = neg ? -INFINITY : INFINITY;
		return 0;
	}
	if (oracle_eq_nocase(s + i, len - i, "nan")) {
		*out = neg ? -NAN : NAN;
		return 0;
	}
	for (; i < len && oracle_is_digit(s[i]); i++)
		mant_digits++;
	if (i < len && s[i] == '.')
		for (i++; i < len && oracle_is_digit(s[i]); i++)
			mant_digits++;
	if (mant_digits == 0)
		return MLG_EINVALID;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t exp_start;

		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		exp_start = i;
		while (i < len && oracle_is_digit(s[i]))
			i++;
		if (i == exp_start)
			return MLG_EINVALID;
	}
	if (i != len)
		return MLG_EINVALID;
	assert_true(len < sizeof(buf));
	memcpy(buf, s, len);
	buf[len] = '\0';
	v = strtod(buf, &end);
	assert_true(end == buf + len);
	if (isinf(v))
		return MLG_EINVALID;
	*out = v;
	return 0;
}

/* Same acceptance and the same value (NaNs: same sign). */
static void check_against_oracle(const char *s, size_t len)
{
	double want = 42, got = 42;
	int want_rc = oracle_parse_float(s, len, &want);
	int got_rc = mlg_parse_float(at_tail(s, len), len, &got);

	if (want_rc != got_rc)
		fail_msg("'%.*s' (len %zu): got %d, the reference gives %d",
			 (int)len, s, len, got_rc, want_rc);
	if (isnan(want)) {
		if (!isnan(got) || signbit(got) != signbit(want))
			fail_msg("'%.*s': got %a, want a NaN of the same sign",
				 (int)len, s, got);
	} else if (!same_bits(got, want)) {
		fail_msg("'%.*s': got %a, want %a", (int)len, s, got, want);
	}
}

/*
 * Every string of up to 5 characters over an alphabet that reaches every
 * branch of the grammar (and "inf", "nan" with signs): same verdict and
 * value as the reference.
 */
static void test_grammar_exhaustive(void **state)
{
	static const char alphabet[] = "019.eE+-nafi x";
	const size_t nsym = sizeof(alphabet) - 1;
	size_t len, maxlen = 5;

	(void)state;
	for (len = 0; len <= maxlen; len++) {
		size_t idx[8] = { 0 }, k;
		char buf[8];

		for (;;) {
			for (k = 0; k < len; k++)
				buf[k] = alphabet[idx[k]];
			check_against_oracle(buf, len);
			for (k = 0; k < len && ++idx[k] == nsym; k++)
				idx[k] = 0;
			if (k == len)
				break;
		}
	}
}

/* Longer random strings built from pieces of literals. */
static void test_grammar_random(void **state)
{
	static const char *const pieces[] = {
		"0", "1", "9", "00", "123456789", "12345678901234567890",
		".", "e", "E", "+", "-", "e-", "E+", "inf", "INF", "nan",
		"infinity", "x", " ", "\t", "0x", "p", "_", ",", "\xc2\xa0",
	};
	const unsigned npieces = sizeof(pieces) / sizeof(pieces[0]);
	uint64_t rng = 8;
	long i, n = scaled(200000);

	(void)state;
	for (i = 0; i < n; i++) {
		char buf[60];
		size_t len = 0;
		unsigned k, count = 1 + rng_below(&rng, 5);

		for (k = 0; k < count; k++) {
			const char *piece = pieces[rng_below(&rng, npieces)];
			size_t plen = strlen(piece);

			if (len + plen >= sizeof(buf))
				break;
			memcpy(buf + len, piece, plen);
			len += plen;
		}
		check_against_oracle(buf, len);
	}
}

/* What the value tests list as invalid stays invalid here too. */
static void test_rejections(void **state)
{
	static const char *const bad[] = {
		"", "+", "-", ".", "-.", "+.", "e5", ".e5", "1e", "1e+", "1e-",
		"1e5.5", "1.2.3", "1..2", "--1", "+-1", "-+1", " 1", "1 ",
		"\t1", "1\n", "1,5", "1_000", "1f", "1d", "0x10", "0x1p3",
		"-0X1.8p1", "0x", "nan(1)", "nan()", "nana", "na", "in", "infin",
		"infinit", "infinityy", "+-inf", " inf", "inf ", "1inf", "1e999",
		"-1e999", "1e309", "1e99999999999999999999",
		"1.7976931348623159e308", "1e1e1", "1e+-1", "e", "E", "1.e",
		"1.5E", "\xd9\xa1", "1\xc2\xa0",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = strlen(bad[i]);
		const char *t = at_tail(bad[i], len);
		double v = 42;

		if (mlg_parse_float(t, len, &v) != MLG_EINVALID || v != 42)
			fail_msg("'%s' should be rejected", bad[i]);
		check_against_oracle(bad[i], len);
	}
	/* The internal entry points reject bad syntax with -1, *out kept. */
	{
		double v = 42;

		assert_int_equal(mlg_fastfloat__parse("1e", 2, &v), -1);
		assert_int_equal(mlg_fastfloat__parse_nofallback("1e", 2, &v), -1);
		assert_int_equal(mlg_fastfloat__parse("inf", 3, &v), -1);
		assert_int_equal(mlg_fastfloat__parse(NULL, 0, &v), -1);
		assert_true(v == 42);
		/* overflow is inf here; mlg_parse_float rejects it */
		assert_int_equal(mlg_fastfloat__parse("-1e400", 6, &v), 0);
		assert_true(isinf(v) && v < 0);
	}
}

/* len is the end, wherever the text goes on; nothing past it is read. */
static void test_past_len(void **state)
{
	static const char *const texts[] = {
		"0.1234567890123456789012345e-5", "12345678901234567890",
		"1.5e300", "-0.000000001e+0009", "123.456",
	};
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		size_t full = strlen(texts[i]);

		for (len = 0; len <= full; len++) {
			char prefix[64];

			memcpy(prefix, texts[i], len);
			prefix[len] = '\0';
			check_against_oracle(prefix, len);
		}
	}
}

static int setup(void **state)
{
	(void)state;
	tail_block = malloc(TAIL_SIZE);
	return tail_block ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(tail_block);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_doubles),
		cmocka_unit_test(test_data_shapes),
		cmocka_unit_test(test_digit_strings),
		cmocka_unit_test(test_trailing_zeros),
		cmocka_unit_test(test_leading_zeros),
		cmocka_unit_test(test_halfway),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_known_cases),
		cmocka_unit_test(test_long_literals),
		cmocka_unit_test(test_grammar_exhaustive),
		cmocka_unit_test(test_grammar_random),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_past_len),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
