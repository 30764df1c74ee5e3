/*
 * Typed value parsers (see mlgate/value.h).
 *
 * Conventions shared by every parser here:
 *  - input is (s, len) and is never read past len; no NUL is needed;
 *  - on failure *out is left untouched and MLG_EINVALID is returned
 *    without setting the thread's error message: these run once per data
 *    cell, and the caller knows the column and row that make a useful
 *    message. Only the configuration-time functions (mlg_type_from_name,
 *    mlg_parse_duration) set a message;
 *  - character classes are plain ASCII tests, never <ctype.h>, so the
 *    result cannot depend on the locale.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fastfloat.h"
#include "mlgate/error.h"
#include "mlgate/value.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char to_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Whether s[0..len) equals the lower-case ASCII `word`, ignoring case. */
static int eq_nocase(const char *s, size_t len, const char *word)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (word[i] == '\0' || to_lower(s[i]) != word[i])
			return 0;
	return word[len] == '\0';
}

/* ---- type names ---- */

static const struct {
	const char *name;
	enum mlg_type type;
} type_aliases[] = {
	{ "string", MLG_TYPE_STRING },
	{ "str", MLG_TYPE_STRING },
	{ "int", MLG_TYPE_INT },
	{ "integer", MLG_TYPE_INT },
	{ "float", MLG_TYPE_FLOAT },
	{ "number", MLG_TYPE_FLOAT },
	{ "double", MLG_TYPE_FLOAT },
	{ "bool", MLG_TYPE_BOOL },
	{ "boolean", MLG_TYPE_BOOL },
	{ "date", MLG_TYPE_DATE },
	{ "timestamp", MLG_TYPE_TIMESTAMP },
	{ "datetime", MLG_TYPE_TIMESTAMP },
};

#define TYPE_NAMES "string, int, float, bool, date, timestamp"

/*
 * Names are matched exactly (case-sensitive), like the other keys of a
 * suite file: "Int" is more likely a typo worth reporting than intended.
 */
int mlg_type_from_name(const char *name, enum mlg_type *out)
{
	size_t i;

	if (!name)
		return mlg_error_code(MLG_EINVALID,
				      "missing type name: expected one of %s",
				      TYPE_NAMES);
	for (i = 0; i < sizeof(type_aliases) / sizeof(type_aliases[0]); i++) {
		if (!strcmp(name, type_aliases[i].name)) {
			*out = type_aliases[i].type;
			return 0;
		}
	}
	return mlg_error_code(MLG_EINVALID,
			      "unknown type '%s': expected one of %s", name,
			      TYPE_NAMES);
}

/* Never NULL, so it can go straight into a printf argument. */
const char *mlg_type_name(enum mlg_type type)
{
	switch (type) {
	case MLG_TYPE_STRING:
		return "string";
	case MLG_TYPE_INT:
		return "int";
	case MLG_TYPE_FLOAT:
		return "float";
	case MLG_TYPE_BOOL:
		return "bool";
	case MLG_TYPE_DATE:
		return "date";
	case MLG_TYPE_TIMESTAMP:
		return "timestamp";
	}
	return "unknown";
}

const char *mlg_type_names(void)
{
	return TYPE_NAMES;
}

/* ---- int ---- */

/*
 * Leading zeros are accepted ("007" is 7): CSV exports produce them.
 *
 * Overflow is found by counting rather than checking each step: after the
 * leading zeros, 19 digits always fit a uint64 (< 10^19 < 2^64), so the
 * loop is a plain multiply-add and one comparison at the end decides;
 * 20 or more digits are always out of range.
 */
int mlg_parse_int(const char *s, size_t len, int64_t *out)
{
	size_t i = 0;
	int neg = 0;
	uint64_t limit, v = 0;

	if (len == 0)
		return MLG_EINVALID;
	if (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == len)
		return MLG_EINVALID;
	while (i < len && s[i] == '0')
		i++;
	if (len - i > 19)
		return MLG_EINVALID;
	for (; i < len; i++) {
		unsigned d = (unsigned char)s[i] - (unsigned)'0';

		if (d > 9)
			return MLG_EINVALID;
		v = v * 10 + d;
	}
	/* The magnitude of INT64_MIN is one more than INT64_MAX. */
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (v > limit)
		return MLG_EINVALID;
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return 0;
}

/* ---- float ---- */

/*
 * The words strtod would also take, narrowed: [+-] (inf | infinity | nan)
 * in any case, but no "nan(chars)". "-nan" keeps its sign, as strtod's.
 */
static int parse_float_word(const char *s, size_t len, double *out)
{
	size_t i = 0;
	int neg = 0;

	if (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-';
		i = 1;
	}
	if (eq_nocase(s + i, len - i, "inf") ||
	    eq_nocase(s + i, len - i, "infinity")) {
		*out = neg ? -INFINITY : INFINITY;
		return 0;
	}
	if (eq_nocase(s + i, len - i, "nan")) {
		*out = neg ? -NAN : NAN;
		return 0;
	}
	return MLG_EINVALID;
}

/*
 * The number grammar is fastfloat.h's, deliberately narrower than
 * strtod's: no hex floats, no leading white space. Conversion is exact
 * (strtod's result to the bit) and usually takes no strtod call.
 *
 * A finite literal that overflows ("1e999") is rejected rather than
 * turned into infinity: the value cannot be represented, and a data
 * check comparing it would silently compare against inf. Write "inf" to
 * mean infinity. Underflow is accepted: "1e-400" is 0 and "5e-324" the
 * smallest subnormal, which are the correctly rounded results.
 */
int mlg_parse_float(const char *s, size_t len, double *out)
{
	double v;

	if (len == 0)
		return MLG_EINVALID;
	if (mlg_fastfloat__parse(s, len, &v) == 0) {
		if (isinf(v))
			return MLG_EINVALID;
		*out = v;
		return 0;
	}
	return parse_float_word(s, len, out);
}

/* ---- bool ---- */

int mlg_parse_bool(const char *s, size_t len, int *out)
{
	static const char *const truths[] = { "true", "t", "yes", "y", "1" };
	static const char *const falsehoods[] = { "false", "f", "no", "n", "0" };
	size_t i;

	for (i = 0; i < sizeof(truths) / sizeof(truths[0]); i++) {
		if (eq_nocase(s, len, truths[i])) {
			*out = 1;
			return 0;
		}
		if (eq_nocase(s, len, falsehoods[i])) {
			*out = 0;
			return 0;
		}
	}
	return MLG_EINVALID;
}

/* ---- date and timestamp ---- */

/*
 * The value of the 2 digits at p, or -1 if either is not a digit. Both
 * are tested without a branch: these run several times per timestamp.
 */
static int two_digits(const char *p)
{
	unsigned hi = (unsigned char)p[0] - (unsigned)'0';
	unsigned lo = (unsigned char)p[1] - (unsigned)'0';

	return ((hi > 9) | (lo > 9)) ? -1 : (int)(hi * 10 + lo);
}

/* (y % 400 == 0) is (y % 100 == 0 && y % 16 == 0): cheaper to test. */
static int is_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || (y % 100 == 0 && y % 16 == 0);
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned char days[] = { 31, 28, 31, 30, 31, 30,
					      31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/*
 * Days since 1970-01-01 of a proleptic Gregorian date, from Howard
 * Hinnant's days_from_civil: the year is shifted to start in March so the
 * leap day is last, then counted in 400-year eras of 146097 days. Years
 * are 0000-9999 here; one more era (400 years) keeps the March-based year
 * of 0000-01 non-negative, so all of it is cheap unsigned arithmetic.
 */
static int64_t days_from_civil(unsigned y, unsigned m, unsigned d)
{
	unsigned era, yoe, doy, doe;

	y = y + 400 - (m <= 2);
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t)era * 146097 + doe - 719468 - 146097;
}

#define DATE_LEN 10 /* "YYYY-MM-DD" */

/* The 8 bytes at p as a little-endian word: s[0] in the low byte. */
static uint64_t load8_le(const char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

/*
 * Parses the 10 bytes of a YYYY-MM-DD date at s (the caller checked
 * they exist). Years are exactly four digits, 0000-9999, as in RFC 3339.
 *
 * "YYYY-MM-" is checked as one word: per byte, adding A and subtracting
 * B sets the top bit unless the byte is a digit (A 0x46, B 0x30) or '-'
 * (A 0x52, B 0x2D). A wrong byte cannot hide: the lowest one gets no
 * carry or borrow from below, and sets its own top bit.
 */
static int scan_date(const char *s, int64_t *days)
{
	const uint64_t add = 0x5246465246464646ULL, sub = 0x2D30302D30303030ULL;
	uint64_t w = load8_le(s);
	unsigned y, m, d, d_hi, d_lo;

	if (((w + add) | (w - sub)) & 0x8080808080808080ULL)
		return -1;
	w -= sub; /* bytes: y0 y1 y2 y3 0 m0 m1 0, each 0-9 */
	y = (unsigned)(w & 0xFF) * 1000 + (unsigned)(w >> 8 & 0xFF) * 100 +
	    (unsigned)(w >> 16 & 0xFF) * 10 + (unsigned)(w >> 24 & 0xFF);
	m = (unsigned)(w >> 40 & 0xFF) * 10 + (unsigned)(w >> 48 & 0xFF);
	d_hi = (unsigned char)s[8] - (unsigned)'0';
	d_lo = (unsigned char)s[9] - (unsigned)'0';
	if ((d_hi > 9) | (d_lo > 9))
		return -1;
	d = d_hi * 10 + d_lo;
	if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -1;
	*days = days_from_civil(y, m, d);
	return 0;
}

int mlg_parse_date(const char *s, size_t len, int64_t *out)
{
	int64_t days;

	if (len != DATE_LEN || scan_date(s, &days) < 0)
		return MLG_EINVALID;
	*out = days;
	return 0;
}

#define MAX_FRACTION_DIGITS 9 /* nanoseconds; finer is surely a mistake */

/*
 * Parses from s[*pos] to len: optional zone after a time, 'Z'/'z' or
 * +hh:mm, +hhmm, +hh (or '-'). Sets *offset to the zone's seconds east
 * of UTC (0 without a zone) and returns 0, or -1. "-00:00" is UTC.
 */
static int scan_zone(const char *s, size_t len, size_t pos, int64_t *offset)
{
	int sign, oh, om = 0;

	*offset = 0;
	if (pos == len)
		return 0;
	if (s[pos] == 'Z' || s[pos] == 'z')
		return pos + 1 == len ? 0 : -1;
	if (s[pos] != '+' && s[pos] != '-')
		return -1;
	sign = s[pos] == '-' ? -1 : 1;
	pos++;
	if (len - pos < 2 || (oh = two_digits(s + pos)) < 0 || oh > 23)
		return -1;
	pos += 2;
	if (pos < len) {
		if (s[pos] == ':')
			pos++;
		if (len - pos != 2 || (om = two_digits(s + pos)) < 0 ||
		    om > 59)
			return -1;
	}
	*offset = sign * (oh * 3600 + om * 60);
	return 0;
}

/*
 * The common "hh:mm:ss" as one word, checked as in scan_date() (':' is
 * A 0x45, B 0x3A). Returns 0 and the three numbers, unranged; or -1, and
 * the byte-by-byte path decides (it may still be "hh:mmZ" or an error).
 */
static int scan_hh_mm_ss(const char *p, int *hh, int *mm, int *ss)
{
	const uint64_t add = 0x4646454646454646ULL, sub = 0x30303A30303A3030ULL;
	uint64_t w = load8_le(p);

	if (((w + add) | (w - sub)) & 0x8080808080808080ULL)
		return -1;
	w -= sub; /* bytes: h0 h1 0 m0 m1 0 s0 s1, each 0-9 */
	*hh = (int)(w & 0xFF) * 10 + (int)(w >> 8 & 0xFF);
	*mm = (int)(w >> 24 & 0xFF) * 10 + (int)(w >> 32 & 0xFF);
	*ss = (int)(w >> 48 & 0xFF) * 10 + (int)(w >> 56 & 0xFF);
	return 0;
}

/*
 * Accepts YYYY-MM-DD, then 'T', 't' or ' ' and hh:mm[:ss[.f]] with 1-9
 * fraction digits (only after seconds), then 'Z', 'z', +hh:mm, +hhmm or
 * +hh (or '-'). Hours 00-23: "24:00" is not accepted.
 *
 * Leap seconds: "23:59:60" is accepted (RFC 3339 allows second 60, and
 * with an offset it can fall at any local hh:mm, so it is not tied to
 * 23:59) and is read as hh:mm:59.999999, whatever its fraction. This keeps
 * the instant inside its own minute and day and after every :59.x of that
 * minute, rather than rolling into the next day as timegm() would.
 */
int mlg_parse_timestamp(const char *s, size_t len, int64_t *out)
{
	int64_t days, offset, secs;
	int hh, mm, ss = 0, with_seconds = 0;
	long usec = 0;
	size_t pos;

	if (len < DATE_LEN || scan_date(s, &days) < 0)
		return MLG_EINVALID;
	if (len == DATE_LEN) {
		/* A date alone is its midnight, UTC; no zone without a time. */
		*out = days * 86400 * 1000000;
		return 0;
	}

	/* 'T' or ' ', then hh:mm[:ss] */
	if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
		return MLG_EINVALID;
	if (len >= 19 && scan_hh_mm_ss(s + 11, &hh, &mm, &ss) == 0) {
		pos = 19;
		with_seconds = 1;
	} else {
		if (len < 16 || s[13] != ':')
			return MLG_EINVALID;
		hh = two_digits(s + 11);
		mm = two_digits(s + 14);
		pos = 16;
		if (pos < len && s[pos] == ':') {
			if (len - pos < 3 || (ss = two_digits(s + pos + 1)) < 0)
				return MLG_EINVALID;
			pos += 3;
			with_seconds = 1;
		}
	}
	if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss > 60)
		return MLG_EINVALID;

	/* [.fraction], only after seconds */
	if (with_seconds) {
		size_t ndigits = 0;

		if (pos < len && s[pos] == '.') {
			for (pos++; pos < len && is_digit(s[pos]); pos++) {
				/* Keep microseconds; truncate the rest. */
				if (ndigits < 6)
					usec = usec * 10 + (s[pos] - '0');
				ndigits++;
			}
			if (ndigits == 0 || ndigits > MAX_FRACTION_DIGITS)
				return MLG_EINVALID;
			for (; ndigits < 6; ndigits++)
				usec *= 10;
		}
		if (ss == 60) {
			ss = 59;
			usec = 999999;
		}
	}

	if (scan_zone(s, len, pos, &offset) < 0)
		return MLG_EINVALID;

	/* Years 0000-9999 keep this far inside int64 (|µs| < 2.6e17). */
	secs = days * 86400 + hh * 3600 + mm * 60 + ss - offset;
	*out = secs * 1000000 + usec;
	return 0;
}

/* ---- dispatch ---- */

int mlg_parse_as(enum mlg_type type, const char *s, size_t len)
{
	int64_t i;
	double f;
	int b;

	switch (type) {
	case MLG_TYPE_STRING:
		return 0;
	case MLG_TYPE_INT:
		return mlg_parse_int(s, len, &i);
	case MLG_TYPE_FLOAT:
		return mlg_parse_float(s, len, &f);
	case MLG_TYPE_BOOL:
		return mlg_parse_bool(s, len, &b);
	case MLG_TYPE_DATE:
		return mlg_parse_date(s, len, &i);
	case MLG_TYPE_TIMESTAMP:
		return mlg_parse_timestamp(s, len, &i);
	}
	return MLG_EINVALID;
}

/* ---- duration ---- */

static int duration_error(const char *s)
{
	return mlg_error_code(MLG_EINVALID,
			      "invalid duration '%s': expected a number of "
			      "seconds or a number with a unit ms, s, m, h or d "
			      "(e.g. \"30s\", \"5m\")",
			      s);
}

/*
 * Scans a duration number at s: digits with at most one '.', at least one
 * digit; no sign and no exponent. Returns its length, 0 if none.
 */
static size_t scan_duration_number(const char *s)
{
	size_t i = 0, digits = 0;

	for (; is_digit(s[i]); i++)
		digits++;
	if (s[i] == '.')
		for (i++; is_digit(s[i]); i++)
			digits++;
	return digits ? i : 0;
}

/*
 * Number+unit groups may come in any order and repeat, and are summed
 * ("1h30m", "90m", "1m30s"), as Go's time.ParseDuration allows. Units are
 * lower case only. A bare number is seconds only on its own: "1h30" is
 * rejected as a probable mistake rather than read as 1h + 30s.
 */
int mlg_parse_duration(const char *s, double *seconds)
{
	static const struct {
		const char *unit;
		size_t len;
		double mul, div;
	} units[] = {
		/* "ms" before "m" so that the longer unit wins. Dividing
		 * gives 250 / 1000 == 0.25 exactly; 250 * 0.001 need not. */
		{ "ms", 2, 1, 1000 },
		{ "s", 1, 1, 1 },
		{ "m", 1, 60, 1 },
		{ "h", 1, 3600, 1 },
		{ "d", 1, 86400, 1 },
	};
	const char *p;
	double total = 0;
	size_t n;

	if (!s || !*s)
		return duration_error("");
	if (s[0] == '-')
		return mlg_error_code(MLG_EINVALID,
				      "invalid duration '%s': a duration cannot "
				      "be negative; expected a number of seconds "
				      "or a number with a unit ms, s, m, h or d "
				      "(e.g. \"30s\", \"5m\")",
				      s);

	n = scan_duration_number(s);
	if (n > 0 && s[n] == '\0') {
		double v;

		if (mlg_parse_float(s, n, &v) < 0)
			return duration_error(s);
		*seconds = v;
		return 0;
	}

	for (p = s; *p;) {
		double v;
		size_t u;

		n = scan_duration_number(p);
		if (n == 0 || mlg_parse_float(p, n, &v) < 0)
			return duration_error(s);
		p += n;
		for (u = 0; u < sizeof(units) / sizeof(units[0]); u++)
			if (!strncmp(p, units[u].unit, units[u].len))
				break;
		if (u == sizeof(units) / sizeof(units[0]))
			return duration_error(s);
		p += units[u].len;
		total += v * units[u].mul / units[u].div;
	}
	if (!isfinite(total))
		return duration_error(s);
	*seconds = total;
	return 0;
}
