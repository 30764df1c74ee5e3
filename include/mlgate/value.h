/*
 * Typed parsing of data values: the types a suite's data.schema names.
 */
#ifndef MLGATE_VALUE_H
#define MLGATE_VALUE_H

#include <stddef.h>
#include <stdint.h>

enum mlg_type {
	MLG_TYPE_STRING,
	MLG_TYPE_INT,
	MLG_TYPE_FLOAT,
	MLG_TYPE_BOOL,
	MLG_TYPE_DATE,
	MLG_TYPE_TIMESTAMP
};

/**
 * Looks up a type by its name in a suite: "string"/"str", "int"/"integer",
 * "float"/"number"/"double", "bool"/"boolean", "date",
 * "timestamp"/"datetime". Returns 0, or MLG_EINVALID for an unknown name.
 */
int mlg_type_from_name(const char *name, enum mlg_type *out);

/** The canonical name of a type ("int", "float", ...). */
const char *mlg_type_name(enum mlg_type type);

/** The list of accepted type names, for messages: "string, int, ...". */
const char *mlg_type_names(void);

/*
 * The parsers below take `len` bytes at `s` (no NUL needed), accept no
 * surrounding white space, and return 0 on success or MLG_EINVALID.
 */

/** Decimal 64-bit signed integer, optional sign; overflow is MLG_EINVALID. */
int mlg_parse_int(const char *s, size_t len, int64_t *out);

/** Decimal or exponent notation, correctly rounded; also inf, -inf, nan (any case). */
int mlg_parse_float(const char *s, size_t len, double *out);

/** true/false, t/f, yes/no, y/n, 1/0 (any case). */
int mlg_parse_bool(const char *s, size_t len, int *out);

/** YYYY-MM-DD (a valid calendar date); *out is days since 1970-01-01. */
int mlg_parse_date(const char *s, size_t len, int64_t *out);

/**
 * RFC 3339 / ISO 8601: YYYY-MM-DD, then optionally 'T' or ' ' and
 * hh:mm[:ss[.fraction]], then optionally 'Z' or +hh:mm / -hh:mm / +hhmm.
 * Without a zone the time is taken as UTC. *out is microseconds since the
 * Unix epoch, UTC.
 */
int mlg_parse_timestamp(const char *s, size_t len, int64_t *out);

/** Parses a value as `type`; strings always succeed. */
int mlg_parse_as(enum mlg_type type, const char *s, size_t len);

/**
 * A duration: a number of seconds ("90", "1.5"), or a sequence of
 * number+unit with units ms, s, m, h, d ("250ms", "5m", "1h30m").
 * Returns 0 and sets *seconds, or MLG_EINVALID.
 */
int mlg_parse_duration(const char *s, double *seconds);

#endif
