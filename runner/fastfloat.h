/*
 * Decimal text to double, correctly rounded and fast (runner-internal; the
 * public entry point is mlg_parse_float() in mlgate/value.h, which adds
 * inf/nan and rejects overflow).
 *
 * The accepted grammar is exactly
 *
 *   [+-] ( digits [ '.' digits* ] | '.' digits ) [ (e|E) [+-] digits ]
 *
 * over all `len` bytes at `s`: no white space, no hex floats, no inf/nan,
 * no NUL needed, nothing read at or past s[len]. The result is the one
 * glibc's strtod() gives for the same text, bit for bit (round to nearest
 * even, the default rounding mode, which mlgate never changes).
 */
#ifndef MLG_FASTFLOAT_H
#define MLG_FASTFLOAT_H

#include <stddef.h>

/**
 * Parses s[0..len) as a decimal literal. Returns 0 and sets *out (±inf on
 * overflow, ±0 or a subnormal on underflow, as strtod), or -1 if the text
 * is not such a literal, leaving *out untouched. Sets no error message.
 */
int mlg_fastfloat__parse(const char *s, size_t len, double *out);

/**
 * The same without the strtod() fallback, for tests and benchmarks: returns
 * 0 when the fast paths decided the value (then *out is what
 * mlg_fastfloat__parse() gives), -1 for bad syntax, 1 when only the
 * fallback could decide; *out is untouched unless 0 is returned.
 */
int mlg_fastfloat__parse_nofallback(const char *s, size_t len, double *out);

#endif
