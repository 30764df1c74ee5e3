/*
 * JSON with comments, and where each value stands in the text.
 *
 * cJSON keeps no positions, so one extra tokenizer pass over the text
 * builds an index from JSON path ("checks[3].max") to line:column. The
 * same index serves suite error messages and the JUnit `line` attributes.
 */
#ifndef MLG_JSONC_H
#define MLG_JSONC_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "util.h"

struct mlg_jsonpos;

/**
 * Parses JSON with // and block comments. On success returns 0, sets
 * *root (free with cJSON_Delete) and *positions (free with
 * mlg_jsonpos_free). On a syntax error returns MLG_EINVALID and sets
 * *line, *col and the message (mlg_error_last()) to what was expected.
 */
int mlg_jsonc_parse(const char *text, size_t len, cJSON **root, struct mlg_jsonpos **positions,
		    int *line, int *col);

/**
 * Parses strict JSON (no comments), such as a metrics file. Returns 0 and
 * sets *root (free with cJSON_Delete), or MLG_EINVALID with *line, *col
 * and the message set to the first syntax error.
 */
int mlg_json_parse_strict(const char *text, size_t len, cJSON **root, int *line, int *col);

/** Line and column (1-based, columns in characters) of path's key or value; -1 if unknown. */
int mlg_jsonpos_lookup(const struct mlg_jsonpos *pos, const char *path, int *line, int *col);

/** Number of duplicate keys found (second and later occurrences). */
size_t mlg_jsonpos_duplicates(const struct mlg_jsonpos *pos);
/** The path of the i-th duplicate, and where that occurrence stands. */
const char *mlg_jsonpos_duplicate(const struct mlg_jsonpos *pos, size_t i, int *line, int *col);

void mlg_jsonpos_free(struct mlg_jsonpos *pos);

/** Appends ".key" (or ["key"] for keys that are not plain names) to a path. */
void mlg_jsonpath_member(struct mlg_strbuf *path, const char *key, size_t keylen);
/** Appends "[i]". */
void mlg_jsonpath_index(struct mlg_strbuf *path, size_t i);
/** What a JSON value is, for messages: "a string", "a number", "a list"... (static). */
const char *mlg_json_describe(const cJSON *v);

/** The string value of obj's member `key`, or NULL when absent or not a string. */
const char *mlg_json_string(const cJSON *obj, const char *key);

/**
 * A duration value as suites write it (seconds as a number, or "30s",
 * "5m"...), in seconds; `fallback` when absent or invalid.
 */
double mlg_json_duration(const cJSON *v, double fallback);

/** Strict JSON string literal of s (with quotes), appended to sb. */
void mlg_json_quote(struct mlg_strbuf *sb, const char *s);

#endif
