/*
 * Unit tests for the typed value parsers (runner/value.c).
 *
 * Most inputs go through helpers that copy the text into a heap buffer of
 * exactly its length, with no NUL after it, so that under ASan any read
 * past `len` is reported. The *_past_len tests check the same thing
 * semantically: the byte after `len` would change the result if read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mlgate/error.h"
#include "mlgate/value.h"

#define US 1000000LL

/*
 * Seconds since the epoch of 2026-11-26T09:00:00Z, checked with
 * `date -u -d '2026-11-26 09:00:00 UTC' +%s`.
 */
#define T_2026_11_26_0900 1795683600LL

/* An exact-length copy of s without a terminating NUL (see top). */
static char *exact_copy(const char *s, size_t len)
{
	char *p = malloc(len ? len : 1);

	assert_non_null(p);
	memcpy(p, s, len);
	return p;
}

static int pint(const char *s, int64_t *out)
{
	size_t len = strlen(s);
	char *b = exact_copy(s, len);
	int rc = mlg_parse_int(b, len, out);

	free(b);
	return rc;
}

static int pfloat(const char *s, double *out)
{
	size_t len = strlen(s);
	char *b = exact_copy(s, len);
	int rc = mlg_parse_float(b, len, out);

	free(b);
	return rc;
}

static int pbool(const char *s, int *out)
{
	size_t len = strlen(s);
	char *b = exact_copy(s, len);
	int rc = mlg_parse_bool(b, len, out);

	free(b);
	return rc;
}

static int pdate(const char *s, int64_t *out)
{
	size_t len = strlen(s);
	char *b = exact_copy(s, len);
	int rc = mlg_parse_date(b, len, out);

	free(b);
	return rc;
}

static int pts(const char *s, int64_t *out)
{
	size_t len = strlen(s);
	char *b = exact_copy(s, len);
	int rc = mlg_parse_timestamp(b, len, out);

	free(b);
	return rc;
}

static int pas(enum mlg_type type, const char *s)
{
	size_t len = strlen(s);
	char *b = exact_copy(s, len);
	int rc = mlg_parse_as(type, b, len);

	free(b);
	return rc;
}

/* Parses s as an int that must be valid and returns it. */
static int64_t int_ok(const char *s)
{
	int64_t v = 12345;

	if (pint(s, &v) != 0)
		fail_msg("int '%s' should parse", s);
	return v;
}

static void int_bad(const char *s)
{
	int64_t v = 12345;

	if (pint(s, &v) != MLG_EINVALID)
		fail_msg("int '%s' should be rejected", s);
	assert_int_equal(v, 12345); /* untouched on failure */
}

static double float_ok(const char *s)
{
	double v = 0;

	if (pfloat(s, &v) != 0)
		fail_msg("float '%s' should parse", s);
	return v;
}

static void float_bad(const char *s)
{
	double v = 42;

	if (pfloat(s, &v) != MLG_EINVALID)
		fail_msg("float '%s' should be rejected", s);
	assert_true(v == 42);
}

static void float_is(const char *s, double want)
{
	double v = float_ok(s);

	if (memcmp(&v, &want, sizeof(v)) != 0)
		fail_msg("float '%s' = %.17g, want %.17g", s, v, want);
}

static void bool_is(const char *s, int want)
{
	int v = -1;

	if (pbool(s, &v) != 0)
		fail_msg("bool '%s' should parse", s);
	assert_int_equal(v, want);
}

static void bool_bad(const char *s)
{
	int v = -1;

	if (pbool(s, &v) != MLG_EINVALID)
		fail_msg("bool '%s' should be rejected", s);
	assert_int_equal(v, -1);
}

static void date_is(const char *s, int64_t want)
{
	int64_t v = 12345;

	if (pdate(s, &v) != 0)
		fail_msg("date '%s' should parse", s);
	if (v != want)
		fail_msg("date '%s' = %lld, want %lld", s, (long long)v,
			 (long long)want);
}

static void date_bad(const char *s)
{
	int64_t v = 12345;

	if (pdate(s, &v) != MLG_EINVALID)
		fail_msg("date '%s' should be rejected", s);
	assert_int_equal(v, 12345);
}

static void ts_is(const char *s, int64_t want)
{
	int64_t v = 12345;

	if (pts(s, &v) != 0)
		fail_msg("timestamp '%s' should parse", s);
	if (v != want)
		fail_msg("timestamp '%s' = %lld, want %lld", s, (long long)v,
			 (long long)want);
}

static void ts_bad(const char *s)
{
	int64_t v = 12345;

	if (pts(s, &v) != MLG_EINVALID)
		fail_msg("timestamp '%s' should be rejected", s);
	assert_int_equal(v, 12345);
}

static void dur_is(const char *s, double want)
{
	double v = -1;

	if (mlg_parse_duration(s, &v) != 0)
		fail_msg("duration '%s' should parse: %s", s, mlg_error_last());
	if (v != want)
		fail_msg("duration '%s' = %.17g, want %.17g", s, v, want);
}

static void dur_bad(const char *s)
{
	double v = -1;
	char quoted[256];

	mlg_error_clear();
	if (mlg_parse_duration(s, &v) != MLG_EINVALID)
		fail_msg("duration '%s' should be rejected", s ? s : "(null)");
	assert_true(v == -1);
	/* The message names the text and what is expected. */
	snprintf(quoted, sizeof(quoted), "'%s'", s ? s : "");
	assert_non_null(strstr(mlg_error_last(), quoted));
	assert_non_null(strstr(mlg_error_last(), "ms, s, m, h or d"));
}

/* ---- int ---- */

static void test_int_valid(void **state)
{
	(void)state;
	assert_int_equal(int_ok("0"), 0);
	assert_int_equal(int_ok("-0"), 0);
	assert_int_equal(int_ok("+0"), 0);
	assert_int_equal(int_ok("7"), 7);
	assert_int_equal(int_ok("+5"), 5);
	assert_int_equal(int_ok("-42"), -42);
	assert_int_equal(int_ok("007"), 7);
	assert_int_equal(int_ok("000000000000000000000000000001"), 1);
	assert_int_equal(int_ok("1234567890123"), 1234567890123LL);
	assert_true(int_ok("9223372036854775807") == INT64_MAX);
	assert_true(int_ok("+9223372036854775807") == INT64_MAX);
	assert_true(int_ok("-9223372036854775807") == -INT64_MAX);
	assert_true(int_ok("-9223372036854775808") == INT64_MIN);
	assert_true(int_ok("-0009223372036854775808") == INT64_MIN);
	assert_true(int_ok("9223372036854775806") == INT64_MAX - 1);
}

static void test_int_invalid(void **state)
{
	(void)state;
	int_bad("");
	int_bad("+");
	int_bad("-");
	int_bad("--1");
	int_bad("+-1");
	int_bad(" 1");
	int_bad("1 ");
	int_bad("\t1");
	int_bad("1\n");
	int_bad("1a");
	int_bad("a1");
	int_bad("0x10");
	int_bad("1.0");
	int_bad("1e3");
	int_bad("1,000");
	int_bad("1_000");
	/* overflow by one, in both directions */
	int_bad("9223372036854775808");
	int_bad("-9223372036854775809");
	int_bad("9223372036854775810");
	/* 2^64 and 2^64 + 1 would wrap to 0 and 1 with unchecked uint64 */
	int_bad("18446744073709551616");
	int_bad("18446744073709551617");
	int_bad("99999999999999999999999999999");
}

/* Edges of the digit-count bound (19 digits after the leading zeros). */
static void test_int_edges(void **state)
{
	(void)state;
	assert_true(int_ok("00000000000000000000009223372036854775807") ==
		    INT64_MAX);
	assert_true(int_ok("-00000000000000000000009223372036854775808") ==
		    INT64_MIN);
	int_bad("-00000000000000000000009223372036854775809");
	int_bad("+00000000000000000000009223372036854775808");
	assert_int_equal(int_ok("-00"), 0);
	assert_int_equal(int_ok("+000"), 0);
	assert_int_equal(int_ok("0000000000000000000000000000000"), 0);
	assert_true(int_ok("999999999999999999") == 999999999999999999LL);
	assert_true(int_ok("-1000000000000000000") == -1000000000000000000LL);
	assert_true(int_ok("1000000000000000000") == 1000000000000000000LL);
	/* 19 digits that fit a uint64 but not an int64 */
	int_bad("9999999999999999999");
	int_bad("-9999999999999999999");
	int_bad("9300000000000000000");
	/* 20 digits and more */
	int_bad("10000000000000000000");
	int_bad("-10000000000000000000");
	int_bad("12345678901234567890123");
	/* junk after many zeros, and within 19 digits */
	int_bad("0000000000000000000000x");
	int_bad("00000000000000000000000000000000000000001x");
	int_bad("123456789012345678x");
	int_bad("0-1");
	int_bad("1+1");
	int_bad("\xd9\xa1");
}

/* Random int64 values, with and without leading zeros and signs, and
 * just outside the range: the same verdict and value as strtoll. */
static void test_int_random(void **state)
{
	uint64_t x = 0x2545f4914f6cdd1dULL;
	char buf[64];
	int i;

	(void)state;
	for (i = 0; i < 200000; i++) {
		long long want;
		int64_t got = 12345;
		int rc, zeros, n;
		char *end;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		zeros = (int)(x >> 60) % 4 == 0 ? (int)((x >> 56) & 7) : 0;
		switch (i % 4) {
		case 0: /* any int64 */
			n = snprintf(buf, sizeof(buf), "%s%0*lld",
				     (int64_t)x >= 0 && x & 1 ? "+" : "",
				     zeros + 1, (long long)x);
			break;
		case 1: /* a few digits */
			n = snprintf(buf, sizeof(buf), "%0*lld", zeros + 1,
				     (long long)(x % 2000001) - 1000000);
			break;
		case 2: /* around INT64_MAX */
			n = snprintf(buf, sizeof(buf), "%0*llu", zeros + 1,
				     (unsigned long long)INT64_MAX - 8 + x % 16);
			break;
		default: /* around INT64_MIN */
			n = snprintf(buf, sizeof(buf), "-%0*llu", zeros + 1,
				     (unsigned long long)INT64_MAX - 7 + x % 16);
			break;
		}
		assert_true(n > 0 && (size_t)n < sizeof(buf));
		errno = 0;
		want = strtoll(buf, &end, 10);
		rc = pint(buf, &got);
		if (errno == ERANGE) {
			if (rc != MLG_EINVALID)
				fail_msg("int '%s' overflows, should be rejected",
					 buf);
		} else if (rc != 0 || got != want) {
			fail_msg("int '%s' = %d, %lld; strtoll gives %lld", buf,
				 rc, (long long)got, want);
		}
	}
}

static void test_int_past_len(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_int_equal(mlg_parse_int("12", 1, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(mlg_parse_int("-12", 1, &v), MLG_EINVALID);
	assert_int_equal(mlg_parse_int("5", 0, &v), MLG_EINVALID);
	assert_int_equal(mlg_parse_int(NULL, 0, &v), MLG_EINVALID);
	/* all 20 digits would overflow */
	assert_int_equal(mlg_parse_int("92233720368547758070", 19, &v), 0);
	assert_true(v == INT64_MAX);
	/* stops before the junk */
	assert_int_equal(mlg_parse_int("34x", 2, &v), 0);
	assert_int_equal(v, 34);
}

/* ---- float ---- */

static void test_float_valid(void **state)
{
	double v;

	(void)state;
	float_is("0", 0.0);
	float_is("1", 1.0);
	float_is("0.1", 0.1);
	float_is("-0.1", -0.1);
	float_is("+2.5", 2.5);
	float_is(".5", 0.5);
	float_is("-.5", -0.5);
	float_is("5.", 5.0);
	float_is("1e5", 1e5);
	float_is("1E-5", 1e-5);
	float_is("1e+5", 1e5);
	float_is("1.5e3", 1500.0);
	float_is(".5e1", 5.0);
	float_is("5.e1", 50.0);
	float_is("00012.50", 12.5);
	float_is("3.141592653589793", 3.141592653589793);
	float_is("1e308", 1e308);
	float_is("1.7976931348623157e308", 1.7976931348623157e308);
	float_is("2.2250738585072014e-308", 2.2250738585072014e-308);
	/* classic hard case: just below the smallest normal */
	float_is("2.2250738585072011e-308", 2.2250738585072011e-308);
	/* 2^53 + 1 is a tie and rounds to even, 2^53 */
	float_is("9007199254740993", 9007199254740992.0);
	float_is("9007199254740993.0000000000000001", 9007199254740994.0);
	/* underflow is accepted: the correctly rounded value */
	float_is("4.9406564584124654e-324", 4.9406564584124654e-324);
	float_is("5e-324", 4.9406564584124654e-324);
	float_is("1e-400", 0.0);
	float_is("0e999999", 0.0);

	v = float_ok("-0");
	assert_true(v == 0 && signbit(v));
	v = float_ok("-0.0e10");
	assert_true(v == 0 && signbit(v));
	v = float_ok("0");
	assert_true(v == 0 && !signbit(v));
}

static void test_float_special(void **state)
{
	double v;

	(void)state;
	float_is("inf", INFINITY);
	float_is("INF", INFINITY);
	float_is("+inf", INFINITY);
	float_is("-inf", -INFINITY);
	float_is("Infinity", INFINITY);
	float_is("-INFINITY", -INFINITY);
	float_is("iNfInItY", INFINITY);
	v = float_ok("nan");
	assert_true(isnan(v));
	v = float_ok("NaN");
	assert_true(isnan(v));
	v = float_ok("NAN");
	assert_true(isnan(v));
	v = float_ok("+nan");
	assert_true(isnan(v) && !signbit(v));
	v = float_ok("-nan");
	assert_true(isnan(v) && signbit(v));
}

static void test_float_invalid(void **state)
{
	(void)state;
	float_bad("");
	float_bad("+");
	float_bad("-");
	float_bad(".");
	float_bad("-.");
	float_bad("e5");
	float_bad(".e5");
	float_bad("1e");
	float_bad("1e+");
	float_bad("1e-");
	float_bad("1e5.5");
	float_bad("1.2.3");
	float_bad("1..2");
	float_bad("--1");
	float_bad("+-1");
	float_bad(" 1");
	float_bad("1 ");
	float_bad("\t1");
	float_bad("1\n");
	float_bad("1,5");
	float_bad("1_000");
	float_bad("1f");
	float_bad("1d");
	/* hex, which strtod would take */
	float_bad("0x10");
	float_bad("0x1p3");
	float_bad("-0X1.8p1");
	/* strtod's nan(chars) and other near misses */
	float_bad("nan(1)");
	float_bad("nan()");
	float_bad("nana");
	float_bad("na");
	float_bad("in");
	float_bad("infin");
	float_bad("infinit");
	float_bad("infinityy");
	float_bad("+-inf");
	float_bad(" inf");
	float_bad("inf ");
	float_bad("1inf");
	/* overflow of a finite literal */
	float_bad("1e999");
	float_bad("-1e999");
	float_bad("1e309");
	float_bad("1e99999999999999999999");
	float_bad("1.7976931348623159e308");
}

/* Long literals take the heap path and are still correctly rounded. */
static void test_float_long(void **state)
{
	char buf[1200];
	size_t n = 0;
	int i;

	(void)state;
	/* 0.(300 zeros)1e300 == 0.1 */
	buf[n++] = '0';
	buf[n++] = '.';
	for (i = 0; i < 300; i++)
		buf[n++] = '0';
	buf[n++] = '1';
	memcpy(buf + n, "e300", 5);
	float_is(buf, 0.1);

	/* 1 followed by 400 zeros overflows */
	n = 0;
	buf[n++] = '1';
	for (i = 0; i < 400; i++)
		buf[n++] = '0';
	buf[n] = '\0';
	float_bad(buf);

	/* 1000 digits of 1s, rounded once: same as the 17-digit prefix */
	n = 0;
	buf[n++] = '0';
	buf[n++] = '.';
	for (i = 0; i < 1000; i++)
		buf[n++] = '1';
	buf[n] = '\0';
	float_is(buf, 0.11111111111111111);

	/* junk at the end of a long literal is still caught */
	buf[n++] = 'x';
	buf[n] = '\0';
	float_bad(buf);
}

/* Every double printed with 17 significant digits must read back exactly. */
static void test_float_roundtrip(void **state)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	char buf[64];
	int i, checked = 0;

	(void)state;
	for (i = 0; i < 20000; i++) {
		double d, got;

		/* xorshift64: random bit patterns cover every exponent */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(&d, &x, sizeof(d));
		if (!isfinite(d))
			continue;
		snprintf(buf, sizeof(buf), "%.17g", d);
		got = float_ok(buf);
		if (memcmp(&got, &d, sizeof(d)) != 0)
			fail_msg("'%s' read back as %.17g", buf, got);
		checked++;
	}
	assert_true(checked > 19000);
}

static void test_float_past_len(void **state)
{
	double v = 0;
	char big[300];

	(void)state;
	assert_int_equal(mlg_parse_float("1.5", 1, &v), 0);
	assert_true(v == 1.0);
	assert_int_equal(mlg_parse_float("1.25", 3, &v), 0);
	assert_true(v == 1.2);
	/* "1e" is invalid; reading the '5' would make it valid */
	assert_int_equal(mlg_parse_float("1e5", 2, &v), MLG_EINVALID);
	assert_int_equal(mlg_parse_float("-5", 1, &v), MLG_EINVALID);
	assert_int_equal(mlg_parse_float("infinity", 3, &v), 0);
	assert_true(isinf(v) && v > 0);
	assert_int_equal(mlg_parse_float("infinity", 5, &v), MLG_EINVALID);
	assert_int_equal(mlg_parse_float("nan", 2, &v), MLG_EINVALID);
	assert_int_equal(mlg_parse_float("1", 0, &v), MLG_EINVALID);
	assert_int_equal(mlg_parse_float(NULL, 0, &v), MLG_EINVALID);
	/* 1e-30 if the exponent were read: the heap path copies only len */
	memset(big, '0', sizeof(big));
	big[0] = '1';
	memcpy(big + 200, "e-230", 6);
	assert_int_equal(mlg_parse_float(big, 200, &v), 0);
	assert_true(v == 1e199);
	/* same on the stack path */
	assert_int_equal(mlg_parse_float("2e-3", 1, &v), 0);
	assert_true(v == 2.0);
}

/* ---- bool ---- */

static void test_bool(void **state)
{
	(void)state;
	bool_is("true", 1);
	bool_is("TRUE", 1);
	bool_is("True", 1);
	bool_is("t", 1);
	bool_is("T", 1);
	bool_is("yes", 1);
	bool_is("YeS", 1);
	bool_is("y", 1);
	bool_is("Y", 1);
	bool_is("1", 1);
	bool_is("false", 0);
	bool_is("FALSE", 0);
	bool_is("fAlSe", 0);
	bool_is("f", 0);
	bool_is("F", 0);
	bool_is("no", 0);
	bool_is("NO", 0);
	bool_is("n", 0);
	bool_is("N", 0);
	bool_is("0", 0);

	bool_bad("");
	bool_bad("2");
	bool_bad("-1");
	bool_bad("01");
	bool_bad("10");
	bool_bad("tru");
	bool_bad("truee");
	bool_bad("fals");
	bool_bad("ye");
	bool_bad("yess");
	bool_bad("on");
	bool_bad("off");
	bool_bad(" true");
	bool_bad("true ");
	bool_bad("nope");
}

static void test_bool_past_len(void **state)
{
	int v = -1;

	(void)state;
	assert_int_equal(mlg_parse_bool("true", 1, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(mlg_parse_bool("no", 1, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(mlg_parse_bool("10", 1, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(mlg_parse_bool("yes", 2, &v), MLG_EINVALID);
	assert_int_equal(mlg_parse_bool("false", 4, &v), MLG_EINVALID);
	assert_int_equal(mlg_parse_bool("t", 0, &v), MLG_EINVALID);
	assert_int_equal(mlg_parse_bool(NULL, 0, &v), MLG_EINVALID);
}

/* ---- date ---- */

static void test_date_valid(void **state)
{
	(void)state;
	/* epoch values below are `date -u -d D +%s` / 86400 */
	date_is("1970-01-01", 0);
	date_is("1970-01-02", 1);
	date_is("1969-12-31", -1);
	date_is("2000-02-29", 11016);
	date_is("2000-03-01", 11017);
	date_is("2024-02-29", 19782);
	date_is("2026-11-26", T_2026_11_26_0900 / 86400);
	date_is("1900-01-01", -25567);
	date_is("1900-02-28", -25509);
	date_is("1900-03-01", -25508);
	date_is("0001-01-01", -719162);
	/* year 0 is a leap year in the proleptic Gregorian calendar */
	date_is("0000-01-01", -719528);
	date_is("0000-02-29", -719528 + 59);
	date_is("9999-12-31", 2932896);
	date_is("2023-12-31", 19722);
}

static void test_date_leap_years(void **state)
{
	int64_t v;

	(void)state;
	/* values checked with `date -u -d D +%s` / 86400 */
	date_is("2000-02-29", 11016);
	date_bad("1900-02-29");
	date_bad("2100-02-29");
	date_is("2400-02-29", 157113);
	date_is("2024-02-29", 19782);
	date_bad("2023-02-29");
	date_is("1600-02-29", -135081);
	date_bad("2024-02-30");
	assert_int_equal(pdate("2023-02-28", &v), 0);
}

/*
 * Walks every day of years 0000-9999 with an independent month-length
 * table: each date must be exactly one day after the previous one.
 */
static void test_date_every_day(void **state)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31 };
	int64_t prev = -719528 - 1, v = 0;
	char buf[32];
	int y, m, d;

	(void)state;
	for (y = 0; y <= 9999; y++) {
		int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

		for (m = 1; m <= 12; m++) {
			int n = mdays[m - 1] + (m == 2 && leap);

			for (d = 1; d <= n; d++) {
				snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m,
					 d);
				if (mlg_parse_date(buf, 10, &v) != 0)
					fail_msg("date '%s' should parse", buf);
				if (v != prev + 1)
					fail_msg("date '%s' = %lld, want %lld", buf,
						 (long long)v, (long long)prev + 1);
				prev = v;
			}
			snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, n + 1);
			if (mlg_parse_date(buf, 10, &v) != MLG_EINVALID)
				fail_msg("date '%s' should be rejected", buf);
		}
	}
	assert_int_equal(prev, 2932896);
}

static void test_date_invalid(void **state)
{
	(void)state;
	date_bad("");
	date_bad("2024");
	date_bad("2024-01");
	date_bad("2024-01-1");
	date_bad("2024-1-01");
	date_bad("24-01-01");
	date_bad("12024-01-01");
	date_bad("+2024-01-01");
	date_bad("-2024-01-01");
	date_bad("2024/01/01");
	date_bad("20240101");
	date_bad("2024-00-10");
	date_bad("2024-13-01");
	date_bad("2024-01-00");
	date_bad("2024-01-32");
	date_bad("2024-04-31");
	date_bad("2024-06-31");
	date_bad("2024-09-31");
	date_bad("2024-11-31");
	date_bad("2024-0a-01");
	date_bad("2024-01-0x");
	date_bad("2o24-01-01");
	date_bad(" 2024-01-01");
	date_bad("2024-01-01 ");
	date_bad("2024-01-01T00:00");
	date_bad("2024-01-01Z");
	date_bad("2024-+1-01");
	date_bad("2024--1-01");
}

static void test_date_past_len(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_int_equal(mlg_parse_date("2024-02-29X", 10, &v), 0);
	assert_int_equal(v, 19782);
	assert_int_equal(mlg_parse_date("2024-01-15", 9, &v), MLG_EINVALID);
	assert_int_equal(mlg_parse_date("2024-01-15", 0, &v), MLG_EINVALID);
	assert_int_equal(mlg_parse_date(NULL, 0, &v), MLG_EINVALID);
}

/* ---- timestamp ---- */

static void test_timestamp_forms(void **state)
{
	const int64_t t0900 = T_2026_11_26_0900 * US;
	const int64_t midnight = (T_2026_11_26_0900 - 9 * 3600) * US;

	(void)state;
	ts_is("1970-01-01T00:00:00Z", 0);
	ts_is("1970-01-01", 0);
	ts_is("1970-01-01T00:00", 0);
	ts_is("1969-12-31T23:59:59Z", -1 * US);
	ts_is("1969-12-31T23:59:59.5Z", -US / 2);

	/* date alone is midnight UTC */
	ts_is("2026-11-26", midnight);

	/* separators and zone letters in either case */
	ts_is("2026-11-26T09:00", t0900);
	ts_is("2026-11-26T09:00:00", t0900);
	ts_is("2026-11-26T09:00:00Z", t0900);
	ts_is("2026-11-26t09:00:00z", t0900);
	ts_is("2026-11-26 09:00:00", t0900);
	ts_is("2026-11-26 09:00Z", t0900);
	ts_is("2026-11-26T09:00:00+00:00", t0900);
	ts_is("2026-11-26T09:00:00-00:00", t0900);

	/* offsets: local 10:00 at +01 is 09:00 UTC, in every offset form */
	ts_is("2026-11-26T10:00:00+01:00", t0900);
	ts_is("2026-11-26T10:00:00+0100", t0900);
	ts_is("2026-11-26T10:00:00+01", t0900);
	ts_is("2026-11-26T10:00+01:00", t0900);
	ts_is("2026-11-26T10:00+0100", t0900);
	ts_is("2026-11-26T10:00+01", t0900);
	ts_is("2026-11-26T08:00:00-01:00", t0900);
	ts_is("2026-11-26T08:00:00-0100", t0900);
	ts_is("2026-11-26T08:00-01", t0900);
	ts_is("2026-11-26T14:30:00+05:30", t0900);
	ts_is("2026-11-26T03:15:00-05:45", t0900);
	ts_is("2026-11-27T08:59:00+23:59", t0900);
	ts_is("2026-11-25T09:01:00-23:59", t0900);
	/* the offset moves the instant across midnight */
	ts_is("2026-11-26T00:30:00+01:00", midnight - 30 * 60 * US);

	/* fractions: microseconds kept, finer digits truncated */
	ts_is("2026-11-26T09:00:00.5Z", t0900 + 500000);
	ts_is("2026-11-26T09:00:00.05", t0900 + 50000);
	ts_is("2026-11-26T09:00:00.000001Z", t0900 + 1);
	ts_is("2026-11-26T09:00:00.123456Z", t0900 + 123456);
	ts_is("2026-11-26T09:00:00.1234567Z", t0900 + 123456);
	ts_is("2026-11-26T09:00:00.123456789Z", t0900 + 123456);
	ts_is("2026-11-26T09:00:00.999999999Z", t0900 + 999999);
	ts_is("2026-11-26T09:00:00.0000009Z", t0900);
	ts_is("2026-11-26T10:00:00.25+01:00", t0900 + 250000);
	ts_is("2026-11-26 09:00:01.5", t0900 + US + 500000);

	/* ranges */
	ts_is("2026-11-26T23:59:59Z", midnight + (86400 - 1) * US);
	ts_is("2026-11-26T00:00:00Z", midnight);
	/* `date -u -d '2024-12-31 23:59:59 UTC' +%s` */
	ts_is("2024-12-31T23:59:59Z", 1735689599LL * US);
	/* `date -u -d '1960-06-15 12:00:00 UTC' +%s` */
	ts_is("1960-06-15T12:00:00Z", -301233600LL * US);
	/* `date -u -d '2000-02-29 00:00:00 UTC' +%s` */
	ts_is("2000-02-29T00:00:00Z", 951782400LL * US);
	ts_is("0000-01-01T00:00:00Z", -719528LL * 86400 * US);
	ts_is("9999-12-31T23:59:59.999999Z",
	      (2932896LL * 86400 + 86399) * US + 999999);
}

/* Leap days, the widest zones, every fraction length, years before 1970. */
static void test_timestamp_edges(void **state)
{
	const int64_t t0900 = T_2026_11_26_0900 * US;
	static const char digits[] = "123456789";
	char buf[64];
	int n;

	(void)state;
	/* values are `date -u -d D +%s` */
	ts_is("2024-02-29T13:45:10Z", 1709214310LL * US);
	ts_is("2024-02-29 13:45:10", 1709214310LL * US);
	ts_is("2024-02-29", 19782LL * 86400 * US);
	ts_is("2000-02-29T12:00:00Z", 951825600LL * US);
	ts_is("1600-02-29T12:00:00Z", -11670955200LL * US);
	ts_bad("2023-02-29T00:00:00Z");
	ts_bad("2023-02-29");
	ts_bad("1900-02-29T12:00:00Z");
	ts_bad("2100-02-29T12:00:00Z");
	ts_bad("2024-02-30T00:00:00Z");
	ts_bad("2024-04-31T00:00:00Z");

	/* +14:00 (Kiribati) and -12:00 are the widest zones in use */
	ts_is("2026-11-26T23:00:00+14:00", t0900);
	ts_is("2026-11-26T23:00:00+1400", t0900);
	ts_is("2026-11-26T23:00+14", t0900);
	ts_is("2026-11-25T21:00:00-12:00", t0900);
	ts_is("2026-11-25T21:00:00-1200", t0900);
	ts_is("2026-11-25T21:00-12", t0900);
	/* across the start of the epoch and of a leap day */
	ts_is("1970-01-01T13:59:59+14:00", -1 * US);
	ts_is("1969-12-31T12:00:00-12:00", 0);
	ts_is("2024-02-29T00:00:00+14:00", (19782LL * 86400 - 14 * 3600) * US);

	/* 1 to 9 fraction digits: microseconds kept, the rest truncated */
	for (n = 1; n <= 9; n++) {
		int64_t usec = 0;
		int k;

		for (k = 0; k < 6; k++)
			usec = usec * 10 + (k < n ? digits[k] - '0' : 0);
		snprintf(buf, sizeof(buf), "2026-11-26T09:00:00.%.*sZ", n,
			 digits);
		ts_is(buf, t0900 + usec);
		snprintf(buf, sizeof(buf), "2026-11-26 10:00:00.%.*s+01:00", n,
			 digits);
		ts_is(buf, t0900 + usec);
	}

	/* before 1970; a fraction there still adds (is not subtracted) */
	ts_is("1969-07-20T20:17:40Z", -14182940LL * US);
	ts_is("1969-07-20T20:17:40.25Z", -14182940LL * US + 250000);
	ts_is("1900-01-01T00:00:00Z", -2208988800LL * US);
	ts_is("1900-01-01", -2208988800LL * US);
	ts_is("0001-01-01T00:00:00Z", -62135596800LL * US);
	ts_is("1969-12-31T23:59:59.999999Z", -1);
}

/*
 * Random valid timestamps over years 0000-9999 in every accepted form,
 * against timegm() (an independent calendar) and the zone arithmetic.
 */
static void test_timestamp_random(void **state)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31 };
	static const char seps[] = "Tt ";
	uint64_t x = 0x853c49e6748fea9bULL;
	int i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		struct tm tm;
		char buf[80], frac[16] = "", zone[16] = "";
		int y, mo, d, hh, mi, ss, leap, zh = 0, zm = 0, zsign = 1;
		int64_t want, usec = 0;
		time_t t;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		y = (int)(x % 10000);
		mo = 1 + (int)((x >> 14) % 12);
		leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		d = 1 + (int)((x >> 18) % (uint64_t)(mdays[mo - 1] +
						      (mo == 2 && leap)));
		hh = (int)((x >> 24) % 24);
		mi = (int)((x >> 29) % 60);
		ss = (int)((x >> 35) % 60);
		if ((x >> 41) & 1) {
			int ndig = 1 + (int)((x >> 42) % 9), k;
			uint64_t f = x >> 20;

			frac[0] = '.';
			for (k = 0; k < ndig; k++) {
				frac[1 + k] = (char)('0' + f % 10);
				f /= 10;
				if (k < 6)
					usec = usec * 10 + (frac[1 + k] - '0');
			}
			frac[1 + ndig] = '\0';
			for (k = ndig; k < 6; k++)
				usec *= 10;
		}
		switch ((x >> 46) % 5) {
		case 0:
			break;
		case 1:
			strcpy(zone, (x >> 50) & 1 ? "Z" : "z");
			break;
		default:
			zsign = (x >> 50) & 1 ? -1 : 1;
			zh = (int)((x >> 51) % 15);
			zm = (int)((x >> 55) % 4) * 15;
			snprintf(zone, sizeof(zone),
				 (x >> 46) % 5 == 2   ? "%c%02d:%02d" :
				 (x >> 46) % 5 == 3 ? "%c%02d%02d" :
						      "%c%02d",
				 zsign < 0 ? '-' : '+', zh, zm);
			if ((x >> 46) % 5 == 4)
				zm = 0;
			break;
		}
		snprintf(buf, sizeof(buf), "%04d-%02d-%02d%c%02d:%02d:%02d%s%s",
			 y, mo, d, seps[(x >> 60) % 3], hh, mi, ss, frac, zone);

		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = hh;
		tm.tm_min = mi;
		tm.tm_sec = ss;
		t = timegm(&tm);
		want = ((int64_t)t - zsign * (zh * 3600 + zm * 60)) * US + usec;
		ts_is(buf, want);
	}
}

/* Second 60 is read as :59.999999 of the same minute. */
static void test_timestamp_leap_second(void **state)
{
	/* `date -u -d '2016-12-31 23:59:59 UTC' +%s` */
	const int64_t t = 1483228799LL * US;
	int64_t v59 = 0, v60 = 0;

	(void)state;
	ts_is("2016-12-31T23:59:60Z", t + 999999);
	ts_is("2016-12-31T23:59:60.5Z", t + 999999);
	ts_is("2016-12-31T23:59:60.000000001Z", t + 999999);
	ts_is("2017-01-01T00:59:60+01:00", t + 999999);
	assert_int_equal(pts("2016-12-31T23:59:59.999998Z", &v59), 0);
	assert_int_equal(pts("2016-12-31T23:59:60Z", &v60), 0);
	assert_true(v60 > v59);
	assert_true(v60 < 1483228800LL * US);
	ts_bad("2016-12-31T23:59:61Z");
}

static void test_timestamp_invalid(void **state)
{
	(void)state;
	ts_bad("");
	ts_bad("2026-11-2");
	ts_bad("2026-02-30T00:00:00Z");
	ts_bad("2026-13-01");
	ts_bad("2026-11-26T");
	ts_bad("2026-11-26 ");
	ts_bad("2026-11-26Z");
	ts_bad("2026-11-26+01:00");
	ts_bad("2026-11-26X09:00");
	ts_bad("2026-11-26_09:00");
	ts_bad("2026-11-26  09:00");
	ts_bad("2026-11-26T9:00");
	ts_bad("2026-11-26T09");
	ts_bad("2026-11-26T09:0");
	ts_bad("2026-11-26T0900");
	ts_bad("2026-11-26T09-00");
	ts_bad("2026-11-26T24:00");
	ts_bad("2026-11-26T24:00:00Z");
	ts_bad("2026-11-26T23:60");
	ts_bad("2026-11-26T09:00:0");
	ts_bad("2026-11-26T09:00:");
	ts_bad("2026-11-26T09:00:61");
	ts_bad("2026-11-26T09:00:99");
	ts_bad("2026-11-26T09:00:00.");
	ts_bad("2026-11-26T09:00:00.Z");
	ts_bad("2026-11-26T09:00:00.1234567890Z");
	ts_bad("2026-11-26T09:00.5");
	ts_bad("2026-11-26T09:00:00,5");
	ts_bad("2026-11-26T09:00:00ZZ");
	ts_bad("2026-11-26T09:00:00Zx");
	ts_bad("2026-11-26T09:00:00 Z");
	ts_bad("2026-11-26T09:00:00 +01:00");
	ts_bad("2026-11-26T09:00:00+");
	ts_bad("2026-11-26T09:00:00+1");
	ts_bad("2026-11-26T09:00:00+01:");
	ts_bad("2026-11-26T09:00:00+01:0");
	ts_bad("2026-11-26T09:00:00+010");
	ts_bad("2026-11-26T09:00:00+01000");
	ts_bad("2026-11-26T09:00:00+01:00:00");
	ts_bad("2026-11-26T09:00:00+24:00");
	ts_bad("2026-11-26T09:00:00+01:60");
	ts_bad("2026-11-26T09:00:00+0a:00");
	ts_bad("2026-11-26T09:00:00UTC");
	ts_bad("2026-11-26T09:00:00 ");
	ts_bad(" 2026-11-26T09:00:00");
}

static void test_timestamp_past_len(void **state)
{
	const int64_t t0900 = T_2026_11_26_0900 * US;
	const char *full = "2026-11-26T10:00:00+01:00";
	int64_t v = 0;

	(void)state;
	/* "+01" alone is a valid offset; reading on would not change that */
	assert_int_equal(mlg_parse_timestamp(full, 22, &v), 0);
	assert_true(v == t0900);
	/* "+01:" is invalid, though "+01:00" follows */
	assert_int_equal(mlg_parse_timestamp(full, 23, &v), MLG_EINVALID);
	/* "+0" is invalid */
	assert_int_equal(mlg_parse_timestamp(full, 21, &v), MLG_EINVALID);
	/* no zone at all: 10:00 UTC */
	assert_int_equal(mlg_parse_timestamp(full, 19, &v), 0);
	assert_true(v == t0900 + 3600 * US);
	/* "...:0" and "...:" are invalid */
	assert_int_equal(mlg_parse_timestamp(full, 18, &v), MLG_EINVALID);
	assert_int_equal(mlg_parse_timestamp(full, 17, &v), MLG_EINVALID);
	assert_int_equal(mlg_parse_timestamp(full, 16, &v), 0);
	assert_true(v == t0900 + 3600 * US);
	assert_int_equal(mlg_parse_timestamp(full, 11, &v), MLG_EINVALID);
	assert_int_equal(mlg_parse_timestamp(full, 10, &v), 0);
	assert_true(v == (T_2026_11_26_0900 - 9 * 3600) * US);
	/* the fraction stops at len */
	assert_int_equal(mlg_parse_timestamp("2026-11-26T09:00:00.1234567", 22,
					     &v),
			 0);
	assert_true(v == t0900 + 120000);
	assert_int_equal(mlg_parse_timestamp("2026-11-26T09:00:00.1234567", 20,
					     &v),
			 MLG_EINVALID);
	/* "Z" not read: still UTC, and a trailing 'x' is not seen */
	assert_int_equal(mlg_parse_timestamp("2026-11-26T09:00:00Zx", 20, &v),
			 0);
	assert_true(v == t0900);
	assert_int_equal(mlg_parse_timestamp(NULL, 0, &v), MLG_EINVALID);
}

/* ---- dispatch and names ---- */

static void test_parse_as(void **state)
{
	(void)state;
	assert_int_equal(pas(MLG_TYPE_STRING, ""), 0);
	assert_int_equal(pas(MLG_TYPE_STRING, " anything at all "), 0);
	assert_int_equal(mlg_parse_as(MLG_TYPE_STRING, NULL, 0), 0);

	assert_int_equal(pas(MLG_TYPE_INT, "-12"), 0);
	assert_int_equal(pas(MLG_TYPE_INT, "1.5"), MLG_EINVALID);
	assert_int_equal(pas(MLG_TYPE_INT, ""), MLG_EINVALID);
	assert_int_equal(pas(MLG_TYPE_FLOAT, "1.5"), 0);
	assert_int_equal(pas(MLG_TYPE_FLOAT, "-inf"), 0);
	assert_int_equal(pas(MLG_TYPE_FLOAT, "1e999"), MLG_EINVALID);
	assert_int_equal(pas(MLG_TYPE_FLOAT, ""), MLG_EINVALID);
	assert_int_equal(pas(MLG_TYPE_BOOL, "Yes"), 0);
	assert_int_equal(pas(MLG_TYPE_BOOL, "maybe"), MLG_EINVALID);
	assert_int_equal(pas(MLG_TYPE_DATE, "2024-02-29"), 0);
	assert_int_equal(pas(MLG_TYPE_DATE, "2023-02-29"), MLG_EINVALID);
	assert_int_equal(pas(MLG_TYPE_TIMESTAMP, "2024-02-29T12:00:00Z"), 0);
	assert_int_equal(pas(MLG_TYPE_TIMESTAMP, "2024-02-29T25:00:00Z"),
			 MLG_EINVALID);
	assert_int_equal(mlg_parse_as((enum mlg_type)99, "1", 1), MLG_EINVALID);
	/* len is honoured through the dispatch too */
	assert_int_equal(mlg_parse_as(MLG_TYPE_INT, "1x", 1), 0);
	assert_int_equal(mlg_parse_as(MLG_TYPE_FLOAT, "1e5", 2), MLG_EINVALID);
}

static void test_type_names(void **state)
{
	static const struct {
		const char *name;
		enum mlg_type type;
	} names[] = {
		{ "string", MLG_TYPE_STRING },	{ "str", MLG_TYPE_STRING },
		{ "int", MLG_TYPE_INT },	{ "integer", MLG_TYPE_INT },
		{ "float", MLG_TYPE_FLOAT },	{ "number", MLG_TYPE_FLOAT },
		{ "double", MLG_TYPE_FLOAT },	{ "bool", MLG_TYPE_BOOL },
		{ "boolean", MLG_TYPE_BOOL },	{ "date", MLG_TYPE_DATE },
		{ "timestamp", MLG_TYPE_TIMESTAMP },
		{ "datetime", MLG_TYPE_TIMESTAMP },
	};
	static const char *const bad[] = { "",	  "Int",  "INT", "text",
					   "ints", " int", "int ", "dates",
					   "time" };
	enum mlg_type t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		t = (enum mlg_type)99;
		assert_int_equal(mlg_type_from_name(names[i].name, &t), 0);
		assert_int_equal(t, names[i].type);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = (enum mlg_type)99;
		mlg_error_clear();
		assert_int_equal(mlg_type_from_name(bad[i], &t), MLG_EINVALID);
		assert_int_equal(t, 99);
		assert_non_null(strstr(mlg_error_last(), mlg_type_names()));
	}
	assert_int_equal(mlg_type_from_name(NULL, &t), MLG_EINVALID);
	mlg_error_clear();
	mlg_type_from_name("text", &t);
	assert_string_equal(mlg_error_last(),
			    "unknown type 'text': expected one of string, int, "
			    "float, bool, date, timestamp");

	assert_string_equal(mlg_type_name(MLG_TYPE_STRING), "string");
	assert_string_equal(mlg_type_name(MLG_TYPE_INT), "int");
	assert_string_equal(mlg_type_name(MLG_TYPE_FLOAT), "float");
	assert_string_equal(mlg_type_name(MLG_TYPE_BOOL), "bool");
	assert_string_equal(mlg_type_name(MLG_TYPE_DATE), "date");
	assert_string_equal(mlg_type_name(MLG_TYPE_TIMESTAMP), "timestamp");
	assert_string_equal(mlg_type_name((enum mlg_type)99), "unknown");
	assert_string_equal(mlg_type_names(),
			    "string, int, float, bool, date, timestamp");

	/* every canonical name reads back as its type */
	for (i = MLG_TYPE_STRING; i <= MLG_TYPE_TIMESTAMP; i++) {
		assert_int_equal(
			mlg_type_from_name(mlg_type_name((enum mlg_type)i), &t),
			0);
		assert_int_equal(t, i);
	}
}

/* ---- duration ---- */

static void test_duration_valid(void **state)
{
	(void)state;
	dur_is("90", 90);
	dur_is("1.5", 1.5);
	dur_is("0", 0);
	dur_is("0.25", 0.25);
	dur_is(".5", 0.5);
	dur_is("5.", 5);
	dur_is("007", 7);
	dur_is("250ms", 0.25);
	dur_is("1ms", 0.001);
	dur_is("1500ms", 1.5);
	dur_is("10s", 10);
	dur_is("0.5s", 0.5);
	dur_is(".5s", 0.5);
	dur_is("5m", 300);
	dur_is("1h", 3600);
	dur_is("1.5h", 5400);
	dur_is("2d", 172800);
	dur_is("1h30m", 5400);
	dur_is("1m30s", 90);
	dur_is("1d2h3m4s5ms", 86400 + 7200 + 180 + 4 + 0.005);
	dur_is("0s", 0);
	/* groups are summed in any order, as Go's time.ParseDuration */
	dur_is("30m1h", 5400);
	dur_is("1h1h", 7200);
}

static void test_duration_invalid(void **state)
{
	double v = -1;

	(void)state;
	dur_bad("");
	dur_bad("-1");
	dur_bad("-5s");
	dur_bad("-0");
	dur_bad("5x");
	dur_bad("+5");
	dur_bad("+5s");
	dur_bad("s");
	dur_bad("ms");
	dur_bad("h1");
	dur_bad(".");
	dur_bad(".s");
	dur_bad("1..5s");
	dur_bad("1.2.3s");
	dur_bad("1h30");
	dur_bad("5 s");
	dur_bad(" 5");
	dur_bad("5 ");
	dur_bad("5s ");
	dur_bad("1h 30m");
	dur_bad("5S");
	dur_bad("5M");
	dur_bad("5H");
	dur_bad("5sec");
	dur_bad("5min");
	dur_bad("5mss");
	dur_bad("5us");
	dur_bad("5ns");
	dur_bad("5w");
	dur_bad("1e3");
	dur_bad("1e3s");
	dur_bad("inf");
	dur_bad("nan");
	dur_bad("0x10");
	dur_bad("1,5s");

	/* NULL is an error, not a crash */
	mlg_error_clear();
	assert_int_equal(mlg_parse_duration(NULL, &v), MLG_EINVALID);
	assert_true(v == -1);
	assert_true(mlg_error_last()[0] != '\0');

	/* the exact wording for an unknown unit */
	assert_int_equal(mlg_parse_duration("5x", &v), MLG_EINVALID);
	assert_string_equal(mlg_error_last(),
			    "invalid duration '5x': expected a number of "
			    "seconds or a number with a unit ms, s, m, h or d "
			    "(e.g. \"30s\", \"5m\")");
	/* negatives say why */
	assert_int_equal(mlg_parse_duration("-1", &v), MLG_EINVALID);
	assert_non_null(strstr(mlg_error_last(), "negative"));
}

static void test_duration_overflow(void **state)
{
	char buf[700];
	double v = -1;

	(void)state;
	/* 400 nines: a finite-looking number that is not a double */
	memset(buf, '9', 400);
	buf[400] = '\0';
	assert_int_equal(mlg_parse_duration(buf, &v), MLG_EINVALID);
	memcpy(buf + 400, "d", 2);
	assert_int_equal(mlg_parse_duration(buf, &v), MLG_EINVALID);
	/* each group finite (about 1e308 s), the sum not */
	memset(buf, '9', 308);
	buf[308] = 's';
	memset(buf + 309, '9', 308);
	memcpy(buf + 617, "s", 2);
	assert_int_equal(mlg_parse_duration(buf, &v), MLG_EINVALID);
	assert_true(v == -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_int_valid),
		cmocka_unit_test(test_int_invalid),
		cmocka_unit_test(test_int_edges),
		cmocka_unit_test(test_int_random),
		cmocka_unit_test(test_int_past_len),
		cmocka_unit_test(test_float_valid),
		cmocka_unit_test(test_float_special),
		cmocka_unit_test(test_float_invalid),
		cmocka_unit_test(test_float_long),
		cmocka_unit_test(test_float_roundtrip),
		cmocka_unit_test(test_float_past_len),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_bool_past_len),
		cmocka_unit_test(test_date_valid),
		cmocka_unit_test(test_date_leap_years),
		cmocka_unit_test(test_date_every_day),
		cmocka_unit_test(test_date_invalid),
		cmocka_unit_test(test_date_past_len),
		cmocka_unit_test(test_timestamp_forms),
		cmocka_unit_test(test_timestamp_edges),
		cmocka_unit_test(test_timestamp_random),
		cmocka_unit_test(test_timestamp_leap_second),
		cmocka_unit_test(test_timestamp_invalid),
		cmocka_unit_test(test_timestamp_past_len),
		cmocka_unit_test(test_parse_as),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_duration_valid),
		cmocka_unit_test(test_duration_invalid),
		cmocka_unit_test(test_duration_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
