/*
 * Reading one value out of a JSON document by a path such as
 * "test.auc", "slices[2].f1" or, JSONPath-style, "$.predictions[0]".
 *
 * A path is a sequence of members and list indexes:
 *   key         a member name: any bytes but '.', '[' and ']'
 *   .key        the next member
 *   [N]         list item N (from 0; digits only)
 *   ["key"]     a member named by a JSON string literal, for keys that
 *   ['key']     hold '.', '[' or ']' ("\" escapes the next byte in '')
 * optionally after a leading "$" (the document itself), so that "$",
 * "$.a[0]" and "$[0]" read as JSONPath users expect. "$" followed by
 * anything else ("$ref") is an ordinary key. There are no wildcards,
 * filters or slices: a path names exactly one value.
 */
#ifndef MLGATE_JSONPATH_H
#define MLGATE_JSONPATH_H

#include <cjson/cJSON.h>

/** 1 when `path` is a well-formed path as described above, else 0. */
int mlg_json_path_valid(const char *path);

/**
 * The value at `path` in `root` (borrowed from root), or NULL with *why
 * set to what was missing, allocated (caller frees): "no key 'auc' in
 * 'test' (keys: f1, loss)", "'$.predictions' has 2 items, no index 5",
 * "'test' is not an object", "the top level is not a list". The place is
 * named as the path spells it up to there. On success *why is NULL.
 * `path` should be valid (mlg_json_path_valid()); an invalid one ends in
 * NULL with a *why saying where it is malformed.
 */
const cJSON *mlg_json_path_get(const cJSON *root, const char *path, char **why);

#endif
