/*
 * JSON with comments: comment stripping, parsing with cJSON, and the
 * path -> line:column index (see jsonc.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "jsonc.h"
#include "strmap.h"
#include "text.h"
#include "mlgate/error.h"
#include "mlgate/value.h"

struct pos_entry {
	char *path;
	int line, col;
};

struct mlg_jsonpos {
	struct pos_entry *entries;
	size_t count, alloc;
	struct pos_entry *dups;  /* second and later occurrences of a key */
	size_t ndups, dups_alloc;
};

/* Line and character column of byte `off`. Continuation bytes of UTF-8
 * sequences do not count as columns, so columns match what editors show. */
static void offset_to_linecol(const char *text, size_t off, int *line, int *col)
{
	int l = 1, c = 1;

	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

/*
 * Replaces comments by spaces, keeping newlines, so that every byte keeps
 * its offset and cJSON's error positions still point into the user's text.
 */
static int strip_comments(char *s, size_t len, size_t *err_off)
{
	size_t i = 0;

	while (i < len) {
		char c = s[i];

		if (c == '"') {
			for (i++; i < len && s[i] != '"'; i++)
				if (s[i] == '\\' && i + 1 < len)
					i++;
			i++;
		} else if (c == '/' && i + 1 < len && s[i + 1] == '/') {
			while (i < len && s[i] != '\n')
				s[i++] = ' ';
		} else if (c == '/' && i + 1 < len && s[i + 1] == '*') {
			size_t start = i;

			s[i++] = ' ';
			s[i++] = ' ';
			while (i < len && !(s[i] == '*' && i + 1 < len && s[i + 1] == '/')) {
				if (s[i] != '\n')
					s[i] = ' ';
				i++;
			}
			if (i >= len) {
				*err_off = start;
				return -1;
			}
			s[i++] = ' ';
			s[i++] = ' ';
		} else {
			i++;
		}
	}
	return 0;
}

/*
 * A strict JSON syntax check that stops at the first problem and says what
 * was expected there. cJSON only reports roughly where it gave up; users
 * fixing a suite by hand deserve the exact character and the reason.
 */
struct syntax {
	const char *s;
	size_t len, i;
	const char *msg;
	int depth;
};

#define SYNTAX_MAX_DEPTH 512

static int syn_fail(struct syntax *p, const char *msg)
{
	if (!p->msg)
		p->msg = msg;
	return -1;
}

static void syn_ws(struct syntax *p)
{
	while (p->i < p->len && strchr(" \t\r\n", p->s[p->i]) && p->s[p->i])
		p->i++;
}

static int syn_peek(const struct syntax *p)
{
	return p->i < p->len ? (unsigned char)p->s[p->i] : -1;
}

/*
 * At the 'u' of a \\u escape: reads its 4 hexadecimal digits into *cp and
 * leaves p->i on the last one. On an error, p->i is at the bad character.
 */
static int syn_hex4(struct syntax *p, unsigned long *cp)
{
	*cp = 0;
	for (size_t k = 1; k <= 4; k++) {
		char h = p->i + k < p->len ? p->s[p->i + k] : '\0';

		if (!h || !strchr("0123456789abcdefABCDEF", h)) {
			p->i += k;
			return syn_fail(p, "invalid \\u escape: expected 4 hexadecimal digits");
		}
		*cp = *cp * 16 + (unsigned long)(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
	}
	p->i += 4;
	return 0;
}

static int syn_string(struct syntax *p)
{
	p->i++; /* opening quote */
	for (;;) {
		int c = syn_peek(p);

		if (c < 0)
			return syn_fail(p, "string is not closed: expected '\"'");
		if (c == '"') {
			p->i++;
			return 0;
		}
		if (c < 0x20)
			return syn_fail(p, c == '\n' ? "string is not closed before the end of the line"
						     : "control character in a string: escape it (\\t, \\u0001)");
		if (c == '\\') {
			p->i++;
			c = syn_peek(p);
			if (c == 'u') {
				unsigned long cp;

				if (syn_hex4(p, &cp) < 0)
					return -1;
				/* cJSON would cut the string at a NUL (a path
				 * "m.json\u0000../x" becomes "m.json") and refuses
				 * a lone surrogate with no position: say so here. */
				if (cp == 0) {
					p->i -= 5;
					return syn_fail(p, "\\u0000 (a NUL character) is not allowed in a string");
				}
				if (cp >= 0xDC00 && cp <= 0xDFFF) {
					p->i -= 5;
					return syn_fail(p, "a lone low surrogate escape (\\uDC00-\\uDFFF) "
							   "not preceded by a high one (\\uD800-\\uDBFF)");
				}
				if (cp >= 0xD800 && cp <= 0xDBFF) {
					unsigned long lo = 0;
					size_t at = p->i - 5;

					if (p->i + 2 < p->len && p->s[p->i + 1] == '\\' && p->s[p->i + 2] == 'u') {
						p->i += 2;
						if (syn_hex4(p, &lo) < 0)
							return -1;
					}
					if (lo < 0xDC00 || lo > 0xDFFF) {
						p->i = at;
						return syn_fail(p, "a lone high surrogate escape (\\uD800-\\uDBFF) "
								   "not followed by a low one (\\uDC00-\\uDFFF)");
					}
				}
			} else if (c < 0 || !strchr("\"\\/bfnrt", c)) {
				return syn_fail(p, "invalid escape: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
			}
		}
		p->i++;
	}
}

static int syn_digits(struct syntax *p)
{
	size_t start = p->i;

	while (syn_peek(p) >= '0' && syn_peek(p) <= '9')
		p->i++;
	return p->i > start ? 0 : -1;
}

static int syn_number(struct syntax *p)
{
	const char *bad = "invalid number: expected digits, an optional fraction and exponent (e.g. 0.5, 1e6)";

	if (syn_peek(p) == '-')
		p->i++;
	if (syn_peek(p) == '0')
		p->i++;
	else if (syn_digits(p) < 0)
		return syn_fail(p, bad);
	if (syn_peek(p) == '.') {
		p->i++;
		if (syn_digits(p) < 0)
			return syn_fail(p, bad);
	}
	if (syn_peek(p) == 'e' || syn_peek(p) == 'E') {
		p->i++;
		if (syn_peek(p) == '+' || syn_peek(p) == '-')
			p->i++;
		if (syn_digits(p) < 0)
			return syn_fail(p, bad);
	}
	if (syn_peek(p) >= 0 && (isalnum(syn_peek(p)) || syn_peek(p) == '.'))
		return syn_fail(p, bad);
	return 0;
}

static int syn_value(struct syntax *p);

static int syn_container(struct syntax *p, int close)
{
	int object = close == '}';

	if (++p->depth > SYNTAX_MAX_DEPTH)
		return syn_fail(p, "nested too deeply");
	p->i++;
	syn_ws(p);
	if (syn_peek(p) == close) {
		p->i++;
		p->depth--;
		return 0;
	}
	for (;;) {
		syn_ws(p);
		if (object) {
			if (syn_peek(p) == '}')
				return syn_fail(p, "a comma before '}': remove the trailing comma");
			if (syn_peek(p) != '"')
				return syn_fail(p, syn_peek(p) == '\'' ? "keys must use double quotes"
								     : "expected a key in double quotes");
			if (syn_string(p) < 0)
				return -1;
			syn_ws(p);
			if (syn_peek(p) != ':')
				return syn_fail(p, "expected ':' after the key");
			p->i++;
			syn_ws(p);
		} else if (syn_peek(p) == ']') {
			return syn_fail(p, "a comma before ']': remove the trailing comma");
		}
		if (syn_value(p) < 0)
			return -1;
		syn_ws(p);
		if (syn_peek(p) == ',') {
			p->i++;
			continue;
		}
		if (syn_peek(p) == close) {
			p->i++;
			p->depth--;
			return 0;
		}
		if (syn_peek(p) < 0)
			return syn_fail(p, object ? "unexpected end of file: expected ',' or '}'"
						  : "unexpected end of file: expected ',' or ']'");
		return syn_fail(p, object ? "expected ',' or '}' (a missing comma?)"
					  : "expected ',' or ']' (a missing comma?)");
	}
}

static int syn_value(struct syntax *p)
{
	static const char *const literals[] = { "true", "false", "null" };
	int c = syn_peek(p);

	if (c == '{')
		return syn_container(p, '}');
	if (c == '[')
		return syn_container(p, ']');
	if (c == '"')
		return syn_string(p);
	if (c == '-' || (c >= '0' && c <= '9'))
		return syn_number(p);
	for (size_t k = 0; k < 3; k++) {
		size_t n = strlen(literals[k]);

		if (p->len - p->i >= n && !memcmp(p->s + p->i, literals[k], n) &&
		    (p->i + n == p->len || !isalnum((unsigned char)p->s[p->i + n]))) {
			p->i += n;
			return 0;
		}
	}
	if (c < 0)
		return syn_fail(p, "unexpected end of file: expected a value");
	if (!strncmp(p->s + p->i, "NaN", p->len - p->i < 3 ? p->len - p->i : 3) ||
	    !strncmp(p->s + p->i, "Infinity", p->len - p->i < 8 ? p->len - p->i : 8) ||
	    !strncmp(p->s + p->i, "-Infinity", p->len - p->i < 9 ? p->len - p->i : 9))
		return syn_fail(p, "NaN and Infinity are not JSON (Python's json.dump writes them "
				   "unless allow_nan=False): write null or a number");
	if (c == '\'')
		return syn_fail(p, "strings must use double quotes");
	return syn_fail(p, "expected a value: a string, number, object, list, true, false or null");
}

/* Returns 0, or -1 with *off and *msg at the first syntax error. */
static int syntax_check(const char *s, size_t len, size_t *off, const char **msg)
{
	struct syntax p = { s, len, 0, NULL, 0 };

	syn_ws(&p);
	if (syn_peek(&p) < 0) {
		*off = p.i;
		*msg = "the file is empty: expected a JSON object";
		return -1;
	}
	if (syn_value(&p) == 0) {
		syn_ws(&p);
		if (p.i < len)
			syn_fail(&p, "unexpected text after the end of the document");
	}
	*off = p.i;
	*msg = p.msg;
	return p.msg ? -1 : 0;
}

static int is_plain_key(const char *key, size_t len)
{
	if (!len)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)key[i];

		if (!(c == '_' || c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z')))
			return 0;
	}
	return 1;
}

void mlg_jsonpath_member(struct mlg_strbuf *path, const char *key, size_t keylen)
{
	if (is_plain_key(key, keylen)) {
		if (path->len)
			mlg_strbuf_addch(path, '.');
		mlg_strbuf_add(path, key, keylen);
	} else {
		char *k = mlg_xstrndup(key, keylen);

		mlg_strbuf_addch(path, '[');
		mlg_json_quote(path, k);
		mlg_strbuf_addch(path, ']');
		free(k);
	}
}

const char *mlg_json_describe(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsArray(v))
		return "a list";
	if (cJSON_IsObject(v))
		return "an object";
	return "something else";
}

void mlg_jsonpath_index(struct mlg_strbuf *path, size_t i)
{
	mlg_strbuf_addf(path, "[%zu]", i);
}

void mlg_json_quote(struct mlg_strbuf *sb, const char *s)
{
	mlg_strbuf_addch(sb, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			mlg_strbuf_addf(sb, "\\%c", c);
		else if (c == '\n')
			mlg_strbuf_addstr(sb, "\\n");
		else if (c == '\t')
			mlg_strbuf_addstr(sb, "\\t");
		else if (c < 0x20)
			mlg_strbuf_addf(sb, "\\u%04x", c);
		else
			mlg_strbuf_addch(sb, (char)c);
	}
	mlg_strbuf_addch(sb, '"');
}

/* The index builder: a recursive walk over text cJSON already accepted. */
struct walker {
	const char *s;
	size_t len, i;
	int line, col; /* of s[i] */
	struct mlg_jsonpos *pos;
	struct mlg_strbuf path;
	int depth;
};

static void advance(struct walker *w)
{
	if (w->s[w->i] == '\n') {
		w->line++;
		w->col = 1;
	} else if (((unsigned char)w->s[w->i] & 0xC0) != 0x80) {
		w->col++;
	}
	w->i++;
}

static void skip_ws(struct walker *w)
{
	while (w->i < w->len && strchr(" \t\r\n", w->s[w->i]) && w->s[w->i])
		advance(w);
}

static void record(struct walker *w, int line, int col)
{
	struct mlg_jsonpos *p = w->pos;

	MLG_ALLOC_GROW(p->entries, p->count + 1, p->alloc);
	p->entries[p->count].path = mlg_xstrdup(mlg_strbuf_str(&w->path));
	p->entries[p->count].line = line;
	p->entries[p->count].col = col;
	p->count++;
}

/* Skips a string literal; returns the raw bytes between the quotes. */
static void skip_string(struct walker *w, size_t *start, size_t *end)
{
	advance(w); /* opening quote */
	*start = w->i;
	while (w->i < w->len && w->s[w->i] != '"') {
		if (w->s[w->i] == '\\')
			advance(w);
		advance(w);
	}
	*end = w->i;
	advance(w); /* closing quote */
}

/* Decodes the escapes of a key so its path matches cJSON's member name. */
static char *decode_key(const char *s, size_t len)
{
	cJSON *item;
	char *quoted = mlg_xmalloc(len + 3);
	char *out;

	quoted[0] = '"';
	memcpy(quoted + 1, s, len);
	quoted[len + 1] = '"';
	quoted[len + 2] = '\0';
	item = cJSON_Parse(quoted);
	free(quoted);
	out = mlg_xstrdup(item && cJSON_IsString(item) ? item->valuestring : "");
	cJSON_Delete(item);
	return out;
}

static void walk_value(struct walker *w);

/* Objects up to this many keys are checked for duplicates by a scan. */
#define SEEN_SCAN_MAX 16

static void walk_object(struct walker *w)
{
	size_t base = w->path.len;
	char **seen = NULL; /* the keys of this object so far */
	size_t nseen = 0, seen_alloc = 0;
	/* Past a few keys, the same keys in a map: a scan of the list for
	 * each key made 100,000 keys cost 28 s. */
	struct mlg_strmap map = MLG_STRMAP_INIT;

	advance(w); /* { */
	skip_ws(w);
	while (w->i < w->len && w->s[w->i] != '}') {
		size_t ks, ke, k;
		int kline = w->line, kcol = w->col;
		char *key;

		skip_string(w, &ks, &ke);
		key = decode_key(w->s + ks, ke - ks);
		mlg_jsonpath_member(&w->path, key, strlen(key));
		if (nseen <= SEEN_SCAN_MAX) {
			for (k = 0; k < nseen; k++)
				if (!strcmp(seen[k], key))
					break;
		} else {
			if (!map.count)
				for (k = 0; k < nseen; k++)
					mlg_strmap_add(&map, seen[k], k, NULL);
			k = mlg_strmap_find(&map, key) ? 0 : nseen;
		}
		if (k < nseen) {
			struct mlg_jsonpos *p = w->pos;

			MLG_ALLOC_GROW(p->dups, p->ndups + 1, p->dups_alloc);
			p->dups[p->ndups].path = mlg_xstrdup(mlg_strbuf_str(&w->path));
			p->dups[p->ndups].line = kline;
			p->dups[p->ndups].col = kcol;
			p->ndups++;
			free(key);
		} else {
			if (map.count)
				mlg_strmap_add(&map, key, nseen, NULL);
			MLG_ALLOC_GROW(seen, nseen + 1, seen_alloc);
			seen[nseen++] = key;
			record(w, kline, kcol);
		}
		skip_ws(w);
		advance(w); /* : */
		skip_ws(w);
		walk_value(w);
		w->path.len = base;
		w->path.buf[base] = '\0';
		skip_ws(w);
		if (w->i < w->len && w->s[w->i] == ',') {
			advance(w);
			skip_ws(w);
		}
	}
	advance(w); /* } */
	for (size_t k = 0; k < nseen; k++)
		free(seen[k]);
	free(seen);
	mlg_strmap_release(&map);
}

static void walk_array(struct walker *w)
{
	size_t base = w->path.len;
	size_t n = 0;

	advance(w); /* [ */
	skip_ws(w);
	while (w->i < w->len && w->s[w->i] != ']') {
		mlg_jsonpath_index(&w->path, n++);
		record(w, w->line, w->col);
		walk_value(w);
		w->path.len = base;
		w->path.buf[base] = '\0';
		skip_ws(w);
		if (w->i < w->len && w->s[w->i] == ',') {
			advance(w);
			skip_ws(w);
		}
	}
	advance(w); /* ] */
}

static void walk_value(struct walker *w)
{
	size_t a, b;

	skip_ws(w);
	if (w->i >= w->len)
		return;
	switch (w->s[w->i]) {
	case '{':
		walk_object(w);
		break;
	case '[':
		walk_array(w);
		break;
	case '"':
		skip_string(w, &a, &b);
		break;
	default:
		while (w->i < w->len && !strchr(",]} \t\r\n", w->s[w->i]))
			advance(w);
	}
}

static int cmp_entry(const void *a, const void *b)
{
	const struct pos_entry *x = a, *y = b;

	return strcmp(x->path, y->path);
}

int mlg_jsonc_parse(const char *text, size_t len, cJSON **root, struct mlg_jsonpos **positions,
		    int *line, int *col)
{
	char *copy = mlg_xmalloc(len + 1);
	size_t err_off = 0;
	const char *end = NULL, *what = NULL;
	cJSON *doc;
	struct walker w;

	*root = NULL;
	*positions = NULL;
	/* Editors on some systems save a byte order mark: not part of the JSON,
	 * and not a column either. */
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
		text += 3;
		len -= 3;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (memchr(copy, '\0', len)) {
		offset_to_linecol(copy, (size_t)((char *)memchr(copy, '\0', len) - copy), line, col);
		free(copy);
		return mlg_error_code(MLG_EINVALID, "a NUL byte is not allowed in JSON text");
	}
	if (strip_comments(copy, len, &err_off) < 0) {
		offset_to_linecol(copy, err_off, line, col);
		free(copy);
		return mlg_error_code(MLG_EINVALID, "comment is not closed: expected '*/'");
	}
	/* After the comments are blanked (a comment may be in any encoding)
	 * and before cJSON, which copies any bytes into strings: an invalid or
	 * overlong sequence would reach names, paths and every message. */
	err_off = mlg_utf8_find_invalid(copy, 0, len);
	if (err_off < len) {
		unsigned int byte = (unsigned char)copy[err_off];

		offset_to_linecol(copy, err_off, line, col);
		free(copy);
		return mlg_error_code(MLG_EINVALID,
				      "invalid UTF-8 (byte 0x%02X): JSON text must be UTF-8", byte);
	}
	if (syntax_check(copy, len, &err_off, &what) < 0) {
		offset_to_linecol(copy, err_off, line, col);
		free(copy);
		return mlg_error_code(MLG_EINVALID, "invalid JSON: %s", what);
	}
	/* The length counts the terminating NUL: cJSON checks for it. */
	doc = cJSON_ParseWithLengthOpts(copy, len + 1, &end, 1);
	if (!doc) {
		/* Only past the syntax check when cJSON's own limits bite. */
		offset_to_linecol(copy, end ? (size_t)(end - copy) : 0, line, col);
		free(copy);
		return mlg_error_code(MLG_EINVALID, "cannot parse this JSON (too large or too deep)");
	}
	memset(&w, 0, sizeof(w));
	w.s = copy;
	w.len = len;
	w.line = w.col = 1;
	w.pos = mlg_xcalloc(1, sizeof(*w.pos));
	skip_ws(&w);
	record(&w, w.line, w.col);
	walk_value(&w);
	mlg_strbuf_release(&w.path);
	qsort(w.pos->entries, w.pos->count, sizeof(*w.pos->entries), cmp_entry);
	free(copy);
	*root = doc;
	*positions = w.pos;
	return 0;
}

int mlg_jsonpos_lookup(const struct mlg_jsonpos *pos, const char *path, int *line, int *col)
{
	struct pos_entry key, *e;

	*line = *col = 0;
	if (!pos)
		return -1;
	key.path = (char *)path;
	e = bsearch(&key, pos->entries, pos->count, sizeof(*pos->entries), cmp_entry);
	if (!e)
		return -1;
	*line = e->line;
	*col = e->col;
	return 0;
}

size_t mlg_jsonpos_duplicates(const struct mlg_jsonpos *pos)
{
	return pos ? pos->ndups : 0;
}

const char *mlg_jsonpos_duplicate(const struct mlg_jsonpos *pos, size_t i, int *line, int *col)
{
	*line = pos->dups[i].line;
	*col = pos->dups[i].col;
	return pos->dups[i].path;
}

void mlg_jsonpos_free(struct mlg_jsonpos *pos)
{
	if (!pos)
		return;
	for (size_t i = 0; i < pos->count; i++)
		free(pos->entries[i].path);
	for (size_t i = 0; i < pos->ndups; i++)
		free(pos->dups[i].path);
	free(pos->entries);
	free(pos->dups);
	free(pos);
}

int mlg_json_parse_strict(const char *text, size_t len, cJSON **root, int *line, int *col)
{
	size_t off = 0;
	const char *what = NULL;

	*root = NULL;
	*line = *col = 0;
	if (memchr(text, '\0', len)) {
		offset_to_linecol(text, (size_t)((const char *)memchr(text, '\0', len) - text), line, col);
		return mlg_error_code(MLG_EINVALID, "a NUL byte is not allowed in JSON text");
	}
	if (syntax_check(text, len, &off, &what) < 0) {
		offset_to_linecol(text, off, line, col);
		return mlg_error_code(MLG_EINVALID, "%s", what);
	}
	*root = cJSON_ParseWithLength(text, len);
	if (!*root)
		return mlg_error_code(MLG_EINVALID, "cannot parse this JSON (too large or too deep)");
	return 0;
}

const char *mlg_json_string(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

double mlg_json_duration(const cJSON *v, double fallback)
{
	double d;

	if (cJSON_IsNumber(v))
		return v->valuedouble;
	if (cJSON_IsString(v) && mlg_parse_duration(v->valuestring, &d) == 0)
		return d;
	return fallback;
}
