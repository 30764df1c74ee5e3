/*
 * libFuzzer target for the typed value parsers (runner/value.c,
 * runner/fastfloat.c): every parser runs on the whole input, and each
 * answer is checked against an independent oracle; a disagreement is an
 * abort(), so the fuzzer keeps it as a crash.
 *
 *  - numbers: the fast float parser must accept exactly fastfloat.h's
 *    grammar and give glibc strtod()'s double to the bit (the fast paths
 *    alone too, when they decide); mlg_parse_float() is that, less
 *    overflow, plus inf/infinity/nan; mlg_parse_int() is strtoll() on
 *    [+-]digits, refusing what does not fit;
 *  - dates: mlg_parse_date() against timegm() of a hand-checked date;
 *  - timestamps: a date alone is its midnight; any accepted timestamp
 *    written back as YYYY-MM-DDThh:mm:ss.ffffffZ parses to the same
 *    microsecond; and what is accepted lies within years 0000-9999 give
 *    or take a day of zone offset;
 *  - booleans against the list in value.h; durations are finite and not
 *    negative; type names round-trip through mlg_type_name().
 *
 * Inputs are not NUL-terminated (the parsers take a length); the ones
 * that need a C string get a copy.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fastfloat.h"
#include "mlgate/error.h"
#include "mlgate/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

/* [+-] ( digits [ '.' digits* ] | '.' digits ) [ (e|E) [+-] digits ], all of s[0..len). */
static int float_grammar(const char *s, size_t len)
{
	size_t i = 0, before = 0, after = 0;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	while (i < len && digit(s[i]))
		i++, before++;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && digit(s[i]))
			i++, after++;
	}
	if (!before && !after)
		return 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t exp = 0;

		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		while (i < len && digit(s[i]))
			i++, exp++;
		if (!exp)
			return 0;
	}
	return i == len;
}

static int same_bits(double a, double b)
{
	return !memcmp(&a, &b, sizeof(a));
}

/* s[0..len) equals the lower-case `word`, in any case. */
static int word_nocase(const char *s, size_t len, const char *word)
{
	if (strlen(word) != len)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];

		if (c != word[i])
			return 0;
	}
	return 1;
}

static void check_floats(const char *s, size_t len, const char *cstr)
{
	int grammar = float_grammar(s, len);
	double fast = 12345.0, nofb = 12345.0, parsed = 12345.0, ref = 0;
	int rc = mlg_fastfloat__parse(s, len, &fast);
	int rc_nofb = mlg_fastfloat__parse_nofallback(s, len, &nofb);
	int rc_pub = mlg_parse_float(s, len, &parsed);

	if (grammar) {
		char *end;

		ref = strtod(cstr, &end);
		if ((size_t)(end - cstr) != len)
			abort(); /* the grammar is a subset of strtod's */
		if (rc != 0 || !same_bits(fast, ref))
			abort(); /* fastfloat disagrees with strtod */
		if (rc_nofb == -1 || (rc_nofb == 0 && !same_bits(nofb, ref)))
			abort(); /* the fast paths decided wrongly */
		if (isinf(ref) ? rc_pub == 0 : (rc_pub != 0 || !same_bits(parsed, ref)))
			abort(); /* mlg_parse_float is not strtod less overflow */
	} else {
		size_t i = len && (s[0] == '+' || s[0] == '-');
		int word = word_nocase(s + i, len - i, "inf") || word_nocase(s + i, len - i, "infinity") ||
			   word_nocase(s + i, len - i, "nan");

		if (rc != -1 || rc_nofb != -1 || fast != 12345.0 || nofb != 12345.0)
			abort(); /* accepted outside the grammar, or wrote *out on failure */
		if ((rc_pub == 0) != word)
			abort();
		if (rc_pub != 0 && parsed != 12345.0)
			abort();
		if (word && !isnan(parsed) && !isinf(parsed))
			abort();
	}
}

static void check_int(const char *s, size_t len, const char *cstr)
{
	size_t i = len && (s[0] == '+' || s[0] == '-'), digits = 0;
	int64_t got = 42;
	int rc = mlg_parse_int(s, len, &got);

	while (i + digits < len && digit(s[i + digits]))
		digits++;
	if (!digits || i + digits != len) {
		if (rc == 0 || got != 42)
			abort();
		return;
	}
	{
		char *end;
		long long ref;

		errno = 0;
		ref = strtoll(cstr, &end, 10);
		if ((size_t)(end - cstr) != len)
			abort();
		if (errno == ERANGE ? rc == 0 : (rc != 0 || got != (int64_t)ref))
			abort();
	}
}

static void check_bool(const char *s, size_t len)
{
	static const char *const truths[] = { "true", "t", "yes", "y", "1" };
	static const char *const falsehoods[] = { "false", "f", "no", "n", "0" };
	int want = -1, got = 7, rc = mlg_parse_bool(s, len, &got);

	for (size_t i = 0; i < sizeof(truths) / sizeof(truths[0]); i++) {
		if (word_nocase(s, len, truths[i]))
			want = 1;
		if (word_nocase(s, len, falsehoods[i]))
			want = 0;
	}
	if (want < 0 ? (rc == 0 || got != 7) : (rc != 0 || got != want))
		abort();
}

/* YYYY-MM-DD by hand, days from timegm(); -1 when not a date. */
static int ref_date(const char *s, size_t len, int64_t *days)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm tm;
	int y, m, d;

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !digit(s[i]))
			return -1;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	*days = (int64_t)timegm(&tm) / 86400;
	return 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static void check_dates(const char *s, size_t len)
{
	int64_t want = 0, got = 99, ts = 99;
	int rc = mlg_parse_date(s, len, &got), rc_ts = mlg_parse_timestamp(s, len, &ts);

	if (ref_date(s, len, &want) < 0) {
		if (rc == 0 || got != 99)
			abort();
	} else if (rc != 0 || got != want) {
		abort();
	}
	if (len == 10 && (rc == 0) != (rc_ts == 0))
		abort(); /* a date alone is a timestamp */
	if (rc == 0 && ts != got * 86400 * 1000000)
		abort();
	if (rc_ts != 0) {
		if (ts != 99)
			abort();
		return;
	}
	/* Years 0000-9999, moved by at most a day of zone offset. */
	if (ts < (-62167219200LL - 86400) * 1000000 || ts >= (253402300800LL + 86400) * 1000000)
		abort();
	/* Written back in the canonical form, it must read the same. */
	{
		int64_t secs = floor_div(ts, 1000000), usec = ts - secs * 1000000, again = 0;
		time_t t = (time_t)secs;
		struct tm tm;
		char text[64];
		int n;

		if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
			return; /* the zone moved it out of the range a timestamp can spell */
		n = snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
			     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)usec);
		if (mlg_parse_timestamp(text, (size_t)n, &again) != 0 || again != ts)
			abort();
	}
}

static void check_duration(const char *cstr)
{
	double seconds = -1;

	if (mlg_parse_duration(cstr, &seconds) == 0 && (!isfinite(seconds) || seconds < 0))
		abort();
}

static void check_type_name(const char *cstr)
{
	enum mlg_type t;

	if (mlg_type_from_name(cstr, &t) == 0) {
		enum mlg_type again;

		if (mlg_type_from_name(mlg_type_name(t), &again) != 0 || again != t)
			abort();
	} else if (!*mlg_error_last()) {
		abort();
	}
}

/* mlg_parse_as() answers as the parser of each type does. */
static void check_parse_as(const char *s, size_t len)
{
	int64_t i;
	double f;
	int b;

	if (mlg_parse_as(MLG_TYPE_STRING, s, len) != 0 ||
	    (mlg_parse_as(MLG_TYPE_INT, s, len) == 0) != (mlg_parse_int(s, len, &i) == 0) ||
	    (mlg_parse_as(MLG_TYPE_FLOAT, s, len) == 0) != (mlg_parse_float(s, len, &f) == 0) ||
	    (mlg_parse_as(MLG_TYPE_BOOL, s, len) == 0) != (mlg_parse_bool(s, len, &b) == 0) ||
	    (mlg_parse_as(MLG_TYPE_DATE, s, len) == 0) != (mlg_parse_date(s, len, &i) == 0) ||
	    (mlg_parse_as(MLG_TYPE_TIMESTAMP, s, len) == 0) != (mlg_parse_timestamp(s, len, &i) == 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char *cstr = malloc(size + 1);

	if (!cstr)
		return 0;
	memcpy(cstr, data, size);
	cstr[size] = '\0';
	check_floats(s, size, cstr);
	check_int(s, size, cstr);
	check_bool(s, size);
	check_dates(s, size);
	check_parse_as(s, size);
	/* The C-string parsers see the text up to its first NUL. */
	check_duration(cstr);
	check_type_name(cstr);
	free(cstr);
	return 0;
}
