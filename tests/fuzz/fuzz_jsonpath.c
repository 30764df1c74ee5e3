/*
 * libFuzzer target for the JSON path reader (runner/jsonpath.c,
 * include/mlgate/jsonpath.h), used by model.metric and infra.http.
 *
 * The input is a path, a NUL byte, then a JSON document (when the rest is
 * not JSON, a small fixed document is used). Checked:
 *  - mlg_json_path_valid() and mlg_json_path_get() agree: an invalid path
 *    finds nothing; a valid one is never called malformed; a value found
 *    is one of the document's; there is a value or a reason, never both;
 *  - round trip: every value of the document (first occurrence of a
 *    repeated key, as cJSON looks keys up) is found again by the path
 *    jsonc.c spells for it (mlg_jsonpath_member/_index: "a.b", "[2]",
 *    ["odd key"]), with and without a leading "$".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonc.h"
#include "mlgate/jsonpath.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Values visited by the round trip, so that a deep or wide document stays cheap. */
#define MAX_VISITS 2000

static const char fallback[] = "{\"test\": {\"auc\": 0.91, \"f1\": [0.5, {\"a.b\": 1}]}, \"\": 2}";

static void round_trip(const cJSON *root, const cJSON *node, struct mlg_strbuf *path, int *visits)
{
	const cJSON *it;
	int i = 0;

	if (++*visits > MAX_VISITS)
		return;
	if (path->len) {
		char *why = (char *)1;
		const char *p = mlg_strbuf_str(path);

		if (!mlg_json_path_valid(p) || mlg_json_path_get(root, p, &why) != node || why)
			abort();
		/* The same from "$". */
		{
			char *dollar = mlg_xasprintf("$%s%s", p[0] == '[' ? "" : ".", p);

			if (!mlg_json_path_valid(dollar) || mlg_json_path_get(root, dollar, &why) != node || why)
				abort();
			free(dollar);
		}
	}
	cJSON_ArrayForEach(it, node) {
		size_t len = path->len;

		if (cJSON_IsObject(node)) {
			/* Only the first of a repeated key can be named by a path. */
			if (cJSON_GetObjectItemCaseSensitive(node, it->string) != it)
				continue;
			mlg_jsonpath_member(path, it->string, strlen(it->string));
		} else {
			mlg_jsonpath_index(path, (size_t)i++);
		}
		round_trip(root, it, path, visits);
		path->len = len; /* back to this node's path */
		path->buf[len] = '\0';
	}
}

/* Whether `v` is `root` or inside it. */
static int inside(const cJSON *root, const cJSON *v)
{
	const cJSON *it;

	if (root == v)
		return 1;
	cJSON_ArrayForEach(it, root)
		if (inside(it, v))
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t path_len = nul ? (size_t)(nul - data) : size;
	char *path = mlg_xstrndup((const char *)data, path_len);
	cJSON *root = nul ? cJSON_ParseWithLength((const char *)nul + 1, size - path_len - 1) : NULL;
	const cJSON *got;
	char *why = NULL;
	int valid, visits = 0;

	if (!root)
		root = cJSON_Parse(fallback);
	valid = mlg_json_path_valid(path);
	got = mlg_json_path_get(root, path, &why);
	if (got ? why != NULL : (why == NULL || !*why))
		abort(); /* a value, or a reason: exactly one */
	/* (An invalid path whose valid prefix is already missing from the
	 * document is told as the missing key, not as malformed.) */
	if (!valid && got)
		abort();
	if (valid && !got && !strncmp(why, "invalid path", 12))
		abort();
	if (got && !inside(root, got))
		abort();
	free(why);

	{
		struct mlg_strbuf sb = MLG_STRBUF_INIT;

		round_trip(root, root, &sb, &visits);
		mlg_strbuf_release(&sb);
	}
	cJSON_Delete(root);
	free(path);
	return 0;
}
