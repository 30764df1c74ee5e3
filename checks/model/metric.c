/* model.metric: a number read from a JSON file by path lies within [min, max]. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "jsonc.h"
#include "mlgate/check.h"
#include "mlgate/error.h"
#include "mlgate/suite.h"
#include "util.h"

static const struct mlg_param params[] = {
	{ "file", MLG_PARAM_PATH, 1, NULL, "JSON file holding the metrics" },
	{ "path", MLG_PARAM_STRING, 1, NULL, "dotted path to the number, e.g. test.auc or slices[2].f1" },
	{ "min", MLG_PARAM_NUMBER, 0, NULL, "lowest acceptable value" },
	{ "max", MLG_PARAM_NUMBER, 0, NULL, "highest acceptable value" },
	{ NULL, 0, 0, NULL, NULL }
};

/* "'test.auc'" for a path walked so far, or "the top level". */
static char *where(const struct mlg_strbuf *seen)
{
	return seen->len ? mlg_xasprintf("'%s'", seen->buf) : mlg_xstrdup("the top level");
}

/*
 * Follows a path such as "test.auc" or "slices[2].f1" from `root`.
 * Returns the value, or NULL with *why set to what was missing (allocated).
 */
static const cJSON *follow(const cJSON *root, const char *path, char **why)
{
	const cJSON *node = root;
	const char *p = path;
	struct mlg_strbuf seen = MLG_STRBUF_INIT;

	*why = NULL;
	while (*p) {
		if (*p == '[') {
			char *end;
			long idx;

			errno = 0;
			idx = strtol(p + 1, &end, 10);
			if (end == p + 1 || *end != ']' || idx < 0 || errno) {
				*why = mlg_xasprintf("invalid index at '%s'", p);
				goto fail;
			}
			if (!cJSON_IsArray(node) || idx >= cJSON_GetArraySize(node)) {
				char *at = where(&seen);

				*why = cJSON_IsArray(node)
					? mlg_xasprintf("%s has %d items, no index %ld", at,
							cJSON_GetArraySize(node), idx)
					: mlg_xasprintf("%s is not a list", at);
				free(at);
				goto fail;
			}
			node = cJSON_GetArrayItem(node, (int)idx);
			mlg_strbuf_add(&seen, p, (size_t)(end - p + 1));
			p = end + 1;
		} else {
			size_t n = strcspn(p, ".[");
			char *key;

			if (*p == '.') {
				p++;
				continue;
			}
			key = mlg_xstrndup(p, n);
			if (!cJSON_IsObject(node) || !cJSON_GetObjectItemCaseSensitive(node, key)) {
				if (cJSON_IsObject(node)) {
					struct mlg_strbuf keys = MLG_STRBUF_INIT;
					const cJSON *it;
					int k = 0;

					cJSON_ArrayForEach(it, node)
						if (k++ < 12)
							mlg_strbuf_addf(&keys, "%s%s", k > 1 ? ", " : "", it->string);
					char *at = where(&seen);

					*why = mlg_xasprintf("no key '%s' in %s (keys: %s)", key, at,
							     keys.len ? keys.buf : "none");
					free(at);
					mlg_strbuf_release(&keys);
				} else {
					char *at = where(&seen);

					*why = mlg_xasprintf("%s is not an object", at);
					free(at);
				}
				free(key);
				goto fail;
			}
			node = cJSON_GetObjectItemCaseSensitive(node, key);
			if (seen.len)
				mlg_strbuf_addch(&seen, '.');
			mlg_strbuf_addstr(&seen, key);
			free(key);
			p += n;
		}
	}
	mlg_strbuf_release(&seen);
	return node;
fail:
	mlg_strbuf_release(&seen);
	return NULL;
}

static int path_valid(const char *p)
{
	if (!*p || *p == '.')
		return 0;
	for (; *p; p++) {
		if (p[0] == '.' && (p[1] == '.' || p[1] == '\0' || p[1] == '['))
			return 0;
		if (*p == '[') {
			const char *q = p + 1;

			while (*q >= '0' && *q <= '9')
				q++;
			if (q == p + 1 || *q != ']')
				return 0;
			p = q;
		} else if (*p == ']') {
			return 0;
		}
	}
	return 1;
}

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	mlg_check_bounds(check, diag, "min", "max");
	if (!path_valid(mlg_check_string(check, "path")))
		mlg_diag_check(diag, check, "path",
			       "invalid path '%s': expected keys separated by dots, with [N] for list items (e.g. test.auc, slices[2].f1)",
			       mlg_check_string(check, "path"));
}

/* "metrics.json:test.auc": the file alone would not tell checks apart. */
static char *target(const struct mlg_check *check)
{
	return mlg_xasprintf("%s:%s", mlg_check_string(check, "file"), mlg_check_string(check, "path"));
}

static void run(const struct mlg_check_ctx *ctx, struct mlg_result *r)
{
	const struct mlg_check *check = ctx->check;
	const char *file = mlg_check_string(check, "file");
	const char *path = mlg_check_string(check, "path");
	char *abs = mlg_check_path(check, "file");
	char *text = NULL, *why = NULL;
	size_t len;
	cJSON *doc = NULL;
	const cJSON *v;
	double lo = 0, hi = 0, x;
	int has_lo = mlg_check_number(check, "min", &lo);
	int has_hi = mlg_check_number(check, "max", &hi);
	int line, col;
	char a[32], b[32];

	if (has_lo)
		cJSON_AddNumberToObject(r->expected, "min", lo);
	if (has_hi)
		cJSON_AddNumberToObject(r->expected, "max", hi);
	if (mlg_read_file(abs, &text, &len) < 0) {
		char *msg = mlg_str_replace(mlg_error_last(), abs, file);

		mlg_result_set(r, MLG_STATUS_ERROR, "metrics file: %s", msg);
		free(msg);
		goto done;
	}
	mlg_check_ctx_input(ctx, abs);
	if (mlg_json_parse_strict(text, len, &doc, &line, &col) < 0) {
		mlg_result_set(r, MLG_STATUS_ERROR, "'%s' is not valid JSON: %s (line %d, column %d)", file,
			       mlg_error_last(), line, col);
		goto done;
	}
	/* A key given twice: JSON readers disagree on which wins (cJSON the
	 * first, Python the last), so the value is not known. */
	{
		cJSON *again = NULL;
		struct mlg_jsonpos *pos = NULL;

		if (mlg_jsonc_parse(text, len, &again, &pos, &line, &col) == 0 &&
		    mlg_jsonpos_duplicates(pos)) {
			const char *dup = mlg_jsonpos_duplicate(pos, 0, &line, &col);

			mlg_result_set(r, MLG_STATUS_ERROR, "'%s' has the key '%s' twice (line %d, column %d): "
				       "which value counts is not defined", file, dup, line, col);
			cJSON_Delete(again);
			mlg_jsonpos_free(pos);
			goto done;
		}
		cJSON_Delete(again);
		mlg_jsonpos_free(pos);
	}
	v = follow(doc, path, &why);
	if (!v) {
		mlg_result_set(r, MLG_STATUS_ERROR, "'%s' has no value at '%s': %s", file, path, why);
		goto done;
	}
	if (!cJSON_IsNumber(v)) {
		mlg_result_set(r, MLG_STATUS_ERROR, "'%s' at '%s' is not a number", file, path);
		goto done;
	}
	x = v->valuedouble;
	if (!isfinite(x)) {
		mlg_result_set(r, MLG_STATUS_ERROR, "'%s' at '%s' is not a finite number (%s)", file, path,
			       v->valuedouble > 0 ? "too large" : "too small");
		goto done;
	}
	cJSON_AddNumberToObject(r->observed, "value", x);
	if (has_lo && x < lo)
		mlg_result_set(r, MLG_STATUS_FAILED, "%s = %s, expected at least %s", path,
			       mlg_format_number(x, a), mlg_format_number(lo, b));
	else if (has_hi && x > hi)
		mlg_result_set(r, MLG_STATUS_FAILED, "%s = %s, expected at most %s", path,
			       mlg_format_number(x, a), mlg_format_number(hi, b));
	else
		mlg_result_set(r, MLG_STATUS_PASSED, "%s = %s", path, mlg_format_number(x, a));
done:
	free(why);
	free(text);
	free(abs);
	cJSON_Delete(doc);
}

const struct mlg_check_kind mlg_kind_model_metric = {
	.abi = MLG_KIND_ABI,
	.name = "model.metric",
	.summary = "a number in a JSON metrics file (by dotted path) lies within [min, max]",
	.params = params,
	.example = "{ \"kind\": \"model.metric\", \"file\": \"metrics.json\", \"path\": \"test.auc\", \"min\": 0.85 }",
	.validate = validate,
	.target = target,
	.run = run,
};
