/* Reading a JSON value by path (see include/mlgate/jsonpath.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/jsonpath.h"
#include "util.h"

/* Member names listed when a key is missing: enough to spot a typo. */
#define KEYS_SHOWN 12

/* One step of a path. */
struct step {
	int is_index;
	long index;
	int bad_index; /* digits, but too many for a long */
	char *key;     /* allocated */
	const char *text, *end; /* the step as written, "[2]" or "auc" (no dot) */
};

/*
 * Reads a quoted member name at p (at the quote) up to its closing quote:
 * a JSON string literal for '"', bytes with "\" escaping the next for '\''.
 * Returns the byte after the closing quote and sets *key (allocated), or
 * NULL when the literal is malformed or unterminated.
 */
static const char *read_quoted(const char *p, char **key)
{
	char quote = *p;
	const char *q = p + 1;

	while (*q && *q != quote) {
		if (*q == '\\' && q[1])
			q++;
		q++;
	}
	if (*q != quote)
		return NULL;
	if (quote == '"') {
		cJSON *s = cJSON_ParseWithLength(p, (size_t)(q - p + 1));

		if (!cJSON_IsString(s)) {
			cJSON_Delete(s);
			return NULL;
		}
		*key = mlg_xstrdup(s->valuestring);
		cJSON_Delete(s);
	} else {
		struct mlg_strbuf sb = MLG_STRBUF_INIT;

		for (const char *c = p + 1; c < q; c++) {
			if (*c == '\\')
				c++;
			mlg_strbuf_addch(&sb, *c);
		}
		*key = mlg_strbuf_detach(&sb);
	}
	return q + 1;
}

/*
 * Reads the step at *pp. `first`: nothing was read yet (a bare key needs
 * no dot there); `after_index`: the previous step was "[...]" (a bare key
 * may follow without a dot, as model.metric always allowed). Returns 0
 * and advances *pp, or -1 when the path is malformed at *pp.
 */
static int read_step(const char **pp, struct step *st, int first, int after_index)
{
	const char *p = *pp;

	memset(st, 0, sizeof(*st));
	if (*p == '[') {
		st->text = p;
		if (p[1] >= '0' && p[1] <= '9') {
			const char *q = p + 1;
			char *end;

			while (*q >= '0' && *q <= '9')
				q++;
			if (*q != ']')
				return -1;
			errno = 0;
			st->index = strtol(p + 1, &end, 10);
			st->bad_index = errno != 0;
			st->is_index = 1;
			st->end = q + 1;
		} else if (p[1] == '"' || p[1] == '\'') {
			const char *q = read_quoted(p + 1, &st->key);

			if (!q)
				return -1;
			if (*q != ']') {
				free(st->key);
				st->key = NULL;
				return -1;
			}
			st->end = q + 1;
		} else {
			return -1;
		}
		*pp = st->end;
		return 0;
	}
	if (*p == '.') {
		if (first)
			return -1;
		p++;
	} else if (!first && !after_index) {
		return -1;
	}
	st->text = p;
	st->end = p + strcspn(p, ".[]");
	if (st->end == p || *st->end == ']')
		return -1;
	st->key = mlg_xstrndup(p, (size_t)(st->end - p));
	*pp = st->end;
	return 0;
}

/* The place walked so far, for messages: "'test.auc'", or "the top level". */
static char *where(const struct mlg_strbuf *seen)
{
	if (!seen->len || !strcmp(seen->buf, "$"))
		return mlg_xstrdup("the top level");
	return mlg_xasprintf("'%s'", seen->buf);
}

/* Why a step could not be taken from `node`; allocated. */
static char *missing(const cJSON *node, const struct step *st, const struct mlg_strbuf *seen)
{
	char *at = where(seen), *why;

	if (st->is_index && st->bad_index) {
		why = mlg_xasprintf("invalid index at '%s'", st->text);
	} else if (st->is_index) {
		why = cJSON_IsArray(node) ? mlg_xasprintf("%s has %d items, no index %ld", at,
							  cJSON_GetArraySize(node), st->index)
					  : mlg_xasprintf("%s is not a list", at);
	} else if (cJSON_IsObject(node)) {
		struct mlg_strbuf keys = MLG_STRBUF_INIT;
		const cJSON *it;
		int k = 0;

		cJSON_ArrayForEach(it, node)
			if (k++ < KEYS_SHOWN)
				mlg_strbuf_addf(&keys, "%s%s", k > 1 ? ", " : "", it->string);
		why = mlg_xasprintf("no key '%s' in %s (keys: %s)", st->key, at,
				    keys.len ? keys.buf : "none");
		mlg_strbuf_release(&keys);
	} else {
		why = mlg_xasprintf("%s is not an object", at);
	}
	free(at);
	return why;
}

/*
 * Walks `path`: only its syntax when root is NULL, else the document too.
 * Returns 1 and *out (the value; may stay NULL without a root), or 0 with
 * *why set (allocated) when why is not NULL.
 */
static int walk(const cJSON *root, const char *path, const cJSON **out, char **why)
{
	const char *p = path;
	const cJSON *node = root;
	struct mlg_strbuf seen = MLG_STRBUF_INIT;
	int first = 1, after_index = 0, ok = 0;

	if (p[0] == '$' && (p[1] == '\0' || p[1] == '.' || p[1] == '[')) {
		mlg_strbuf_addch(&seen, '$');
		p++;
		first = 0;
		/* "$" then ".key" or "[N]": a bare key may not follow */
		if (*p == '.' && (p[1] == '\0' || p[1] == '.' || p[1] == '['))
			goto malformed;
	} else if (!*p) {
		goto malformed;
	}
	while (*p) {
		struct step st;
		const char *at = p;

		if (read_step(&p, &st, first, after_index) < 0) {
			p = at;
			goto malformed;
		}
		/* a dot must lead to a key: "a.", "a..b" and "a.[0]" are malformed */
		if (*p == '.' && (p[1] == '\0' || p[1] == '.' || p[1] == '[')) {
			free(st.key);
			p++;
			goto malformed;
		}
		if (root) {
			const cJSON *next = NULL;

			if (st.is_index && !st.bad_index && cJSON_IsArray(node) &&
			    st.index < cJSON_GetArraySize(node))
				next = cJSON_GetArrayItem(node, (int)st.index);
			else if (!st.is_index && cJSON_IsObject(node))
				next = cJSON_GetObjectItemCaseSensitive(node, st.key);
			if (!next) {
				if (why)
					*why = missing(node, &st, &seen);
				free(st.key);
				goto done;
			}
			node = next;
		}
		/* as written, but with the dot a bare key after "[N]" may omit */
		if (st.text[0] != '[' && seen.len)
			mlg_strbuf_addch(&seen, '.');
		mlg_strbuf_add(&seen, st.text, (size_t)(st.end - st.text));
		after_index = st.text[0] == '[';
		first = 0;
		free(st.key);
	}
	*out = node;
	ok = 1;
	goto done;
malformed:
	if (why)
		*why = *p ? mlg_xasprintf("invalid path '%s' at '%s'", path, p)
			  : mlg_xasprintf("invalid path '%s'", path);
done:
	mlg_strbuf_release(&seen);
	return ok;
}

int mlg_json_path_valid(const char *path)
{
	const cJSON *unused = NULL;

	return path && walk(NULL, path, &unused, NULL);
}

const cJSON *mlg_json_path_get(const cJSON *root, const char *path, char **why)
{
	const cJSON *out = NULL;

	*why = NULL;
	if (!walk(root, path, &out, why))
		return NULL;
	return out;
}
