/*
 * Unit tests for JSON with comments and the path -> line:column index
 * (runner/jsonc.c).
 *
 * Positions are 1-based; columns count characters, not bytes. Object
 * members are indexed at their key's opening quote, list items at the
 * item's first character, the root ("") at the document's first value.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "jsonc.h"
#include "mlgate/error.h"
#include "util.h"

struct parsed {
	cJSON *root;
	struct mlg_jsonpos *pos;
};

/* Parses `len` bytes of `text` copied into an exact-length heap buffer,
 * so that ASan reports any read past `len`. */
static int parse_len(const char *text, size_t len, struct parsed *out, int *line, int *col)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, text, len);
	*line = *col = -7;
	rc = mlg_jsonc_parse(copy, len, &out->root, &out->pos, line, col);
	free(copy);
	return rc;
}

static void parse_ok(const char *text, struct parsed *out)
{
	int line, col;

	if (parse_len(text, strlen(text), out, &line, &col) != 0)
		fail_msg("should parse: %s (at %d:%d): <<%s>>", mlg_error_last(), line, col, text);
	assert_non_null(out->root);
	assert_non_null(out->pos);
}

static void parsed_free(struct parsed *p)
{
	cJSON_Delete(p->root);
	mlg_jsonpos_free(p->pos);
	p->root = NULL;
	p->pos = NULL;
}

/* Expects a syntax error at exactly `want_line`:`want_col`. */
static void parse_bad_at(const char *text, size_t len, int want_line, int want_col,
			 const char *msg_part)
{
	struct parsed p = { (cJSON *)&p, (struct mlg_jsonpos *)&p };
	int line, col;

	mlg_error_clear();
	if (parse_len(text, len, &p, &line, &col) != MLG_EINVALID)
		fail_msg("should be rejected: <<%s>>", text);
	assert_null(p.root);
	assert_null(p.pos);
	if (line != want_line || col != want_col)
		fail_msg("<<%s>>: error at %d:%d, want %d:%d (%s)", text, line, col, want_line,
			 want_col, mlg_error_last());
	if (msg_part && !strstr(mlg_error_last(), msg_part))
		fail_msg("<<%s>>: message '%s' lacks '%s'", text, mlg_error_last(), msg_part);
}

/* parse_bad_at() for a text without NUL bytes. */
static void parse_bad_str(const char *text, int want_line, int want_col, const char *msg_part)
{
	parse_bad_at(text, strlen(text), want_line, want_col, msg_part);
}

/*
 * Expects a syntax error on exactly `want_line`, with a column within one
 * character of `want_col` (the offending character). Returns the column.
 */
static int parse_bad_near(const char *text, int want_line, int want_col, const char *msg_part)
{
	struct parsed p = { (cJSON *)&p, (struct mlg_jsonpos *)&p };
	int line, col;

	mlg_error_clear();
	if (parse_len(text, strlen(text), &p, &line, &col) != MLG_EINVALID)
		fail_msg("should be rejected: <<%s>>", text);
	assert_null(p.root);
	assert_null(p.pos);
	if (line != want_line)
		fail_msg("<<%s>>: error on line %d, want %d (%s)", text, line, want_line,
			 mlg_error_last());
	if (col < want_col - 1 || col > want_col + 1)
		fail_msg("<<%s>>: error at column %d, want %d (+-1) (%s)", text, col, want_col,
			 mlg_error_last());
	if (msg_part && !strstr(mlg_error_last(), msg_part))
		fail_msg("<<%s>>: message '%s' lacks '%s'", text, mlg_error_last(), msg_part);
	return col;
}

static void parsed_free(struct parsed *p);

/* On a mismatch these free the parse first, so a failing test leaks nothing. */
static void pos_is(struct parsed *p, const char *path, int want_line, int want_col)
{
	int line = -1, col = -1;
	int rc = mlg_jsonpos_lookup(p->pos, path, &line, &col);

	if (rc != 0 || line != want_line || col != want_col) {
		parsed_free(p);
		if (rc != 0)
			fail_msg("no position for path '%s'", path);
		fail_msg("path '%s' at %d:%d, want %d:%d", path, line, col, want_line, want_col);
	}
}

static void pos_absent(struct parsed *p, const char *path)
{
	int line = 99, col = 99;

	if (mlg_jsonpos_lookup(p->pos, path, &line, &col) != -1) {
		parsed_free(p);
		fail_msg("path '%s' should be unknown, found at %d:%d", path, line, col);
	}
	assert_int_equal(line, 0);
	assert_int_equal(col, 0);
}

static const char *str_at(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsString(v))
		fail_msg("'%s' is not a string", key);
	return v->valuestring;
}

/* ---- comments ---- */

static void test_comments_stripped(void **state)
{
	struct parsed p;
	const char *text =
		"// leading line comment\n"
		"{\n"
		"  /* a block\n"
		"     comment */ \"a\": \"x//y\", // trailing\n"
		"  \"b\": \"p/*q*/r\", /**/ \"c\": 3 /* end */\n"
		"}\n"
		"// after the document, no newline";

	(void)state;
	parse_ok(text, &p);
	assert_true(cJSON_IsObject(p.root));
	assert_int_equal(cJSON_GetArraySize(p.root), 3);
	/* comment markers inside strings are text, not comments */
	assert_string_equal(str_at(p.root, "a"), "x//y");
	assert_string_equal(str_at(p.root, "b"), "p/*q*/r");
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(p.root, "c")->valueint, 3);
	/* positions are those of the original text */
	pos_is(&p, "", 2, 1);
	pos_is(&p, "a", 4, 17);
	pos_is(&p, "b", 5, 3);
	pos_is(&p, "c", 5, 24);
	parsed_free(&p);
}

static void test_comments_in_strings_with_escapes(void **state)
{
	struct parsed p;
	/* An escaped quote does not end the string: the // after it is text. */
	const char *text = "{\"a\": \"q\\\" // not a comment\", \"b\": \"\\\\\" // real comment\n}";

	(void)state;
	parse_ok(text, &p);
	assert_string_equal(str_at(p.root, "a"), "q\" // not a comment");
	assert_string_equal(str_at(p.root, "b"), "\\");
	parsed_free(&p);
}

static void test_comment_only_document(void **state)
{
	(void)state;
	parse_bad_str("// nothing here\n/* at all */\n", 3,
		     1, "empty");
	parse_bad_at("", 0, 1, 1, "empty");
}

static void test_unclosed_block_comment(void **state)
{
	const char *text = "{\n  \"a\": 1 /* never\n  closed\n}\n";

	(void)state;
	/* The error points at the comment's opening slash. */
	parse_bad_at(text, strlen(text), 2, 10, "comment is not closed");
	/* an opening at the very end */
	parse_bad_at("{}/*", 4, 1, 3, "comment is not closed");
	/* slash-star-slash does not close itself */
	parse_bad_at("{} /*/", 6, 1, 4, "comment is not closed");
}

/* ---- positions ---- */

static void test_positions_nested(void **state)
{
	struct parsed p;
	const char *text =
		"{\n"
		"  \"suite\": \"s\",\n"
		"  \"checks\": [\n"
		"    {\"kind\": \"data.range\", \"min\": 0},\n"
		"    {\n"
		"      \"kind\": \"model.metric\",\n"
		"      \"min\": 5,\n"
		"      \"nested\": {\"deep\": [true, {\"x\": null}]}\n"
		"    }\n"
		"  ]\n"
		"}\n";

	(void)state;
	parse_ok(text, &p);
	pos_is(&p, "", 1, 1);
	pos_is(&p, "suite", 2, 3);
	pos_is(&p, "checks", 3, 3);
	pos_is(&p, "checks[0]", 4, 5);
	pos_is(&p, "checks[0].kind", 4, 6);
	pos_is(&p, "checks[0].min", 4, 28);
	pos_is(&p, "checks[1]", 5, 5);
	pos_is(&p, "checks[1].kind", 6, 7);
	pos_is(&p, "checks[1].min", 7, 7);
	pos_is(&p, "checks[1].nested", 8, 7);
	pos_is(&p, "checks[1].nested.deep", 8, 18);
	pos_is(&p, "checks[1].nested.deep[0]", 8, 27);
	pos_is(&p, "checks[1].nested.deep[1]", 8, 33);
	pos_is(&p, "checks[1].nested.deep[1].x", 8, 34);
	pos_absent(&p, "checks[2]");
	pos_absent(&p, "checks[1].max");
	pos_absent(&p, "checks.0");
	pos_absent(&p, "nested");
	parsed_free(&p);
}

static void test_positions_array_items(void **state)
{
	struct parsed p;
	const char *text = "[1, 22,\n\t\"three\" ,[ ], {}, -4.5e1,\n  [[7]]]";

	(void)state;
	parse_ok(text, &p);
	pos_is(&p, "", 1, 1);
	pos_is(&p, "[0]", 1, 2);
	pos_is(&p, "[1]", 1, 5);
	/* a tab is one character */
	pos_is(&p, "[2]", 2, 2);
	pos_is(&p, "[3]", 2, 11);
	pos_is(&p, "[4]", 2, 16);
	pos_is(&p, "[5]", 2, 20);
	pos_is(&p, "[6]", 3, 3);
	pos_is(&p, "[6][0]", 3, 4);
	pos_is(&p, "[6][0][0]", 3, 5);
	pos_absent(&p, "[7]");
	pos_absent(&p, "[3][0]");
	parsed_free(&p);
}

static void test_positions_leading_space_and_crlf(void **state)
{
	struct parsed p;
	const char *text = "\r\n\r\n   {\"a\":\r\n\t1,\r\n \"b\" : [2]}";

	(void)state;
	parse_ok(text, &p);
	pos_is(&p, "", 3, 4);
	pos_is(&p, "a", 3, 5);
	pos_is(&p, "b", 5, 2);
	pos_is(&p, "b[0]", 5, 9);
	parsed_free(&p);
}

/* Builds a path with the public helpers, as the suite loader does. */
static char *make_path(const char *const *keys, size_t n)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;

	for (size_t i = 0; i < n; i++) {
		if (keys[i][0] == '#')
			mlg_jsonpath_index(&sb, (size_t)atoi(keys[i] + 1));
		else
			mlg_jsonpath_member(&sb, keys[i], strlen(keys[i]));
	}
	return mlg_strbuf_detach(&sb);
}

static void test_jsonpath_syntax(void **state)
{
	static const char *const k1[] = { "checks", "#3", "max" };
	static const char *const k2[] = { "a.b" };
	static const char *const k3[] = { "a.b", "c d" };
	static const char *const k4[] = { "datasets", "my set", "path" };
	static const char *const k5[] = { "q\"k" };
	static const char *const k6[] = { "" };
	static const char *const k7[] = { "#0", "x_y-Z9" };
	static const char *const k8[] = { "caf\xc3\xa9" };
	static const char *const k9[] = { "a", "b\\c" };
	struct {
		const char *const *keys;
		size_t n;
		const char *want;
	} cases[] = {
		{ k1, 3, "checks[3].max" },
		{ k2, 1, "[\"a.b\"]" },
		{ k3, 2, "[\"a.b\"][\"c d\"]" },
		{ k4, 3, "datasets[\"my set\"].path" },
		{ k5, 1, "[\"q\\\"k\"]" },
		{ k6, 1, "[\"\"]" },
		{ k7, 2, "[0].x_y-Z9" },
		{ k8, 1, "[\"caf\xc3\xa9\"]" },
		{ k9, 2, "a[\"b\\\\c\"]" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = make_path(cases[i].keys, cases[i].n);

		if (strcmp(got, cases[i].want))
			fail_msg("case %zu: path '%s', want '%s'", i, got, cases[i].want);
		free(got);
	}
}

static void test_positions_odd_keys(void **state)
{
	struct parsed p;
	const char *text =
		"{\n"
		"  \"a.b\": {\"c d\": 1, \"e\": 2},\n"
		"  \"datasets\": {\"my set\": {\"path\": \"x\"}},\n"
		"  \"q\\\"k\": 3,\n"
		"  \"\\u0041\": 4,\n"
		"  \"\": 5\n"
		"}";
	static const char *const k1[] = { "a.b" };
	static const char *const k2[] = { "a.b", "c d" };
	static const char *const k3[] = { "a.b", "e" };
	static const char *const k4[] = { "datasets", "my set", "path" };
	static const char *const k5[] = { "q\"k" };
	static const char *const k6[] = { "A" };
	static const char *const k7[] = { "" };
	struct {
		const char *const *keys;
		size_t n;
		int line, col;
	} cases[] = {
		{ k1, 1, 2, 3 }, { k2, 2, 2, 11 }, { k3, 2, 2, 21 }, { k4, 3, 3, 27 },
		{ k5, 1, 4, 3 }, { k6, 1, 5, 3 },  { k7, 1, 6, 3 },
	};

	(void)state;
	parse_ok(text, &p);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = make_path(cases[i].keys, cases[i].n);

		pos_is(&p, path, cases[i].line, cases[i].col);
		free(path);
	}
	/* the dotted spelling of a key with a dot is another path */
	pos_absent(&p, "a.b");
	pos_absent(&p, "a.b.e");
	parsed_free(&p);
}

static void test_positions_utf8_columns(void **state)
{
	struct parsed p;
	/* "é" is 2 bytes, "€" 3, "𝄞" 4: columns count them as one each. */
	const char *text = "{\"\xc3\xa9\xe2\x82\xac\": 1, \"k\": \"\xf0\x9d\x84\x9e\", \"z\": 2,\n"
			   "\"\xe2\x82\xac\xe2\x82\xac\": [\"\xc3\xa9\", 3]}";
	static const char *const k1[] = { "\xc3\xa9\xe2\x82\xac" };
	char *path;

	(void)state;
	parse_ok(text, &p);
	path = make_path(k1, 1);
	pos_is(&p, path, 1, 2);
	free(path);
	pos_is(&p, "k", 1, 11);
	pos_is(&p, "z", 1, 21);
	pos_is(&p, "[\"\xe2\x82\xac\xe2\x82\xac\"]", 2, 1);
	pos_is(&p, "[\"\xe2\x82\xac\xe2\x82\xac\"][1]", 2, 13);
	parsed_free(&p);
}

/* ---- duplicates ---- */

static void dup_is(struct parsed *p, size_t i, const char *path, int line, int col)
{
	int l, c;
	const char *got = mlg_jsonpos_duplicate(p->pos, i, &l, &c);

	assert_string_equal(got, path);
	assert_int_equal(l, line);
	assert_int_equal(c, col);
}

static void test_duplicates(void **state)
{
	struct parsed p;
	const char *text =
		"{\n"
		"  \"a\": 1,\n"
		"  \"b\": {\"x\": 1, \"y\": 0, \"x\": 2},\n"
		"  \"a\": 3,\n"
		"  \"c\": [{\"k\": 1}, {\"k\": 2, \"k\": 3}],\n"
		"  \"a\": 4\n"
		"}";

	(void)state;
	parse_ok(text, &p);
	assert_int_equal(mlg_jsonpos_duplicates(p.pos), 4);
	/* each duplicate is reported where it stands */
	dup_is(&p, 0, "b.x", 3, 25);
	dup_is(&p, 1, "a", 4, 3);
	dup_is(&p, 2, "c[1].k", 5, 28);
	dup_is(&p, 3, "a", 6, 3);
	/* the first occurrence keeps its position */
	pos_is(&p, "a", 2, 3);
	pos_is(&p, "b.x", 3, 9);
	pos_is(&p, "b.y", 3, 17);
	pos_is(&p, "c[1].k", 5, 20);
	parsed_free(&p);
}

static void test_no_false_duplicates(void **state)
{
	struct parsed p;
	/* Same key in sibling objects, a key that is a prefix/suffix of another,
	 * keys differing in case: none is a duplicate. */
	const char *text = "{\"k\": {\"x\": 1}, \"j\": {\"x\": 2}, \"ab\": 1, \"b\": 2, \"a\": 3,"
			   " \"K\": 4, \"x\": {\"k\": 5}}";

	(void)state;
	parse_ok(text, &p);
	assert_int_equal(mlg_jsonpos_duplicates(p.pos), 0);
	parsed_free(&p);
}

static void test_no_false_duplicate_with_newline_in_key(void **state)
{
	struct parsed p;
	/* The key "p\nq" followed by the key "q": different keys. */
	const char *text = "{\"p\\nq\": 1, \"q\": 2, \"r\\ns\\nt\": 3, \"s\": 4}";

	(void)state;
	parse_ok(text, &p);
	assert_int_equal(cJSON_GetArraySize(p.root), 4);
	if (mlg_jsonpos_duplicates(p.pos) != 0) {
		char first[64];
		size_t n = mlg_jsonpos_duplicates(p.pos);

		int line, col;

		snprintf(first, sizeof(first), "%s", mlg_jsonpos_duplicate(p.pos, 0, &line, &col));
		parsed_free(&p);
		fail_msg("keys \"q\" and \"s\" reported as duplicates (%zu, first: '%s')", n, first);
	}
	pos_is(&p, "q", 1, 13);
	pos_is(&p, "s", 1, 35);
	parsed_free(&p);
}

static void test_duplicates_none_on_null(void **state)
{
	(void)state;
	assert_int_equal(mlg_jsonpos_duplicates(NULL), 0);
	mlg_jsonpos_free(NULL);
}

/* ---- invalid text ---- */

static void test_nul_byte(void **state)
{
	(void)state;
	parse_bad_at("{\"a\": \0}", 8, 1, 7, "NUL");
	/* inside a string, on line 2 */
	parse_bad_at("{\n\"a\": \"x\0y\"}", 13, 2, 8, "NUL");
	/* a NUL after a complete document */
	parse_bad_at("{}\0", 3, 1, 3, "NUL");
}

/* ---- hostile text: bad UTF-8, \u0000, lone surrogates ---- */

static void test_invalid_utf8(void **state)
{
	(void)state;
	/* a stray byte, an overlong NUL (C0 80), an overlong '/' (E0 80 AF),
	 * an encoded surrogate (ED A0 80), a sequence cut by the end */
	parse_bad_str("{\"a\": \"x\xFFy\"}", 1, 9, "invalid UTF-8 (byte 0xFF)");
	parse_bad_str("{\n\"a\": \"x\xC0\x80\"}", 2, 8, "invalid UTF-8 (byte 0xC0)");
	parse_bad_str("{\"k\xE0\x80\xAF\": 1}", 1, 4, "invalid UTF-8");
	parse_bad_str("{\"a\": \"\xED\xA0\x80\"}", 1, 8, "invalid UTF-8");
	parse_bad_str("{\"a\": 1} \xE2\x82", 1, 10, "invalid UTF-8");
	/* columns count characters: the bad byte after an "é" */
	parse_bad_str("{\"a\": \"\xC3\xA9\xFF\"}", 1, 9, "invalid UTF-8");
}

static void test_utf8_in_comments_and_valid_text(void **state)
{
	struct parsed p;

	(void)state;
	/* a comment in another encoding is blanked before the check */
	parse_ok("// caf\xE9\n{\"a\": \"\xE2\x82\xAC \xF0\x9F\x98\x80\"} /* \xFF */", &p);
	assert_string_equal(mlg_json_string(p.root, "a"), "\xE2\x82\xAC \xF0\x9F\x98\x80");
	parsed_free(&p);
}

static void test_escaped_nul_refused(void **state)
{
	const char *t = "{\n  \"file\": \"m.json\\u0000../../etc/passwd\"\n}";

	(void)state;
	/* at the backslash of the escape */
	parse_bad_at(t, strlen(t), 2, 18, "\\u0000");
	t = "{\"a\\u0000b\": 1}";
	parse_bad_at(t, strlen(t), 1, 4, "\\u0000");
}

static void test_lone_surrogates_refused(void **state)
{
	struct parsed p;
	const char *t;

	(void)state;
	t = "{\"a\": \"x\\ud800y\"}";
	parse_bad_at(t, strlen(t), 1, 9, "lone high surrogate");
	t = "{\"a\": \"x\\uDBFF\\u0041\"}";
	parse_bad_at(t, strlen(t), 1, 9, "lone high surrogate");
	t = "{\"a\": \"\\ud800\"}";
	parse_bad_at(t, strlen(t), 1, 8, "surrogate");
	t = "{\"a\": \"\\udc00\"}";
	parse_bad_at(t, strlen(t), 1, 8, "lone low surrogate");
	t = "{\"a\": \"\\ud800\\u00";
	parse_bad_at(t, strlen(t), 1, 18, "4 hexadecimal digits");
	/* a pair is one character: U+1F600 */
	parse_ok("{\"a\": \"\\uD83D\\uDE00\", \"b\": \"\\u0041\\u00e9\"}", &p);
	assert_string_equal(mlg_json_string(p.root, "a"), "\xF0\x9F\x98\x80");
	assert_string_equal(mlg_json_string(p.root, "b"), "A\xC3\xA9");
	parsed_free(&p);
}

/* 100,000 keys: duplicate detection must not scan every earlier key for
 * each one (it took 28 s). The assertions are on counts; the time is
 * printed for the record. */
static void test_many_keys_linear(void **state)
{
	enum { N = 100000 };
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	struct parsed p;
	struct timespec t0, t1;
	int line, col;

	(void)state;
	mlg_strbuf_addstr(&sb, "{");
	for (int i = 0; i < N; i++)
		mlg_strbuf_addf(&sb, "%s\"key%d\": %d", i ? ", " : "", i, i);
	/* and two duplicates, one of the first key, one of a late one */
	mlg_strbuf_addstr(&sb, ", \"key0\": 1, \"key99999\": 2}");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (parse_len(mlg_strbuf_str(&sb), sb.len, &p, &line, &col) != 0)
		fail_msg("should parse: %s", mlg_error_last());
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("# %d keys parsed in %.3f s\n", N,
		      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	assert_int_equal(cJSON_GetArraySize(p.root), N + 2);
	assert_int_equal(mlg_jsonpos_duplicates(p.pos), 2);
	assert_string_equal(mlg_jsonpos_duplicate(p.pos, 0, &line, &col), "key0");
	assert_string_equal(mlg_jsonpos_duplicate(p.pos, 1, &line, &col), "key99999");
	pos_is(&p, "key50000", 1, (int)(strstr(mlg_strbuf_str(&sb), "\"key50000\"") - mlg_strbuf_str(&sb)) + 1);
	parsed_free(&p);
	mlg_strbuf_release(&sb);
}

/* Objects on either side of the switch from a scan to a map (16 keys). */
static void test_duplicates_around_map_threshold(void **state)
{
	(void)state;
	for (int n = 14; n <= 20; n++) {
		for (int d = 0; d < n; d += 3) {
			struct mlg_strbuf sb = MLG_STRBUF_INIT;
			struct parsed p;
			int line, col;

			mlg_strbuf_addstr(&sb, "{");
			for (int i = 0; i < n; i++)
				mlg_strbuf_addf(&sb, "%s\"k%d\": %d", i ? ", " : "", i, i);
			mlg_strbuf_addf(&sb, ", \"k%d\": 0, \"new\": 1}", d);
			parse_ok(mlg_strbuf_str(&sb), &p);
			assert_int_equal(mlg_jsonpos_duplicates(p.pos), 1);
			mlg_jsonpos_duplicate(p.pos, 0, &line, &col);
			assert_int_equal(cJSON_GetArraySize(p.root), n + 2);
			pos_is(&p, "new", 1, (int)(strstr(mlg_strbuf_str(&sb), "\"new\"") - mlg_strbuf_str(&sb)) + 1);
			parsed_free(&p);
			mlg_strbuf_release(&sb);
		}
	}
}

static void test_syntax_errors_exact(void **state)
{
	const char *t;

	(void)state;
	/* trailing comma: at the closing brace */
	t = "{\n  \"a\": 1,\n}";
	parse_bad_at(t, strlen(t), 3, 1, "trailing comma");
	t = "[1, 2, ]";
	parse_bad_at(t, strlen(t), 1, 8, "trailing comma");
	/* missing comma: at the next key */
	t = "{\n  \"a\": 1\n  \"b\": 2\n}";
	parse_bad_at(t, strlen(t), 3, 3, "missing comma");
	/* single-quoted key */
	t = "{'a': 1}";
	parse_bad_at(t, strlen(t), 1, 2, "double quotes");
	/* missing colon */
	t = "{\"a\" 1}";
	parse_bad_at(t, strlen(t), 1, 6, "':'");
	/* text after the document */
	t = "{}\n}";
	parse_bad_at(t, strlen(t), 2, 1, "after the end");
	/* end of file inside a list: just past the last character */
	t = "{\"a\": [1, 2";
	parse_bad_at(t, strlen(t), 1, 12, "end of file");
	/* columns after UTF-8 text count characters */
	t = "{\"\xc3\xa9\xe2\x82\xac\": 1 \"b\": 2}";
	parse_bad_at(t, strlen(t), 1, 10, "missing comma");
	/* a bare word */
	t = "{\"a\": tru}";
	parse_bad_at(t, strlen(t), 1, 7, "expected a value");
	/* too deep */
	{
		char deep[1200];

		memset(deep, '[', 600);
		memset(deep + 600, ']', 600);
		parse_bad_at(deep, 1200, 1, 513, "deep");
	}
}

/* Errors whose column may reasonably be the first or the second
 * character of the offending token: line exact, column within one. */
static void test_syntax_errors_near(void **state)
{
	int col;

	(void)state;
	/* leading zero: the number starts at 7, the offending '1' is at 8 */
	col = parse_bad_near("{\"a\": 01}", 1, 8, "invalid number");
	if (col != 8)
		print_message("note: leading zero reported at column %d, offending char at 8\n", col);
	/* invalid escape: backslash at 8, 'x' at 9 */
	col = parse_bad_near("{\"a\": \"\\x\"}", 1, 9, "invalid escape");
	if (col != 9)
		print_message("note: invalid escape reported at column %d, 'x' at 9\n", col);
	/* bad \u escape: 'G' at 12 */
	col = parse_bad_near("{\"a\": \"\\u12G4\"}", 1, 12, "\\u escape");
	if (col != 12)
		print_message("note: bad \\u escape reported at column %d, 'G' at 12\n", col);
	/* string broken by a newline: the newline ends line 1 at column 11 */
	col = parse_bad_near("{\"a\": \"abc\n\"}", 1, 11, "not closed");
	if (col != 11)
		print_message("note: unclosed string reported at column %d, newline at 11\n", col);
	/* raw control character (tab) in a string: at 8 on line 2 */
	col = parse_bad_near("{\n\"a\": \"x\ty\"}", 2, 8, "control character");
	if (col != 8)
		print_message("note: control character reported at column %d, tab at 8\n", col);
	/* unclosed string at end of file: just past "abc" on line 2 */
	col = parse_bad_near("{\n\"a\": \"abc", 2, 10, "not closed");
	if (col != 10)
		print_message("note: unclosed string at EOF reported at column %d, end at 10\n", col);
	/* a fraction without digits: '.' at 8, '}' at 9 */
	col = parse_bad_near("{\"a\": 1.}", 1, 9, "invalid number");
	if (col != 9)
		print_message("note: '1.' reported at column %d, '}' at 9\n", col);
	/* 'truex' is not a literal */
	parse_bad_near("[truex]", 1, 2, "expected a value");
	/* NaN / Infinity are not JSON */
	parse_bad_near("[NaN]", 1, 2, "NaN and Infinity are not JSON");
	parse_bad_near("[-Infinity]", 1, 3, "invalid number");
}

static void test_valid_edge_documents(void **state)
{
	struct parsed p;

	(void)state;
	parse_ok("[]", &p);
	assert_true(cJSON_IsArray(p.root));
	pos_is(&p, "", 1, 1);
	parsed_free(&p);
	parse_ok("  \"just a string\"  ", &p);
	assert_true(cJSON_IsString(p.root));
	pos_is(&p, "", 1, 3);
	parsed_free(&p);
	parse_ok("{\"n\": -0.5e-3, \"u\": \"\\u00e9\\ud834\\udd1e\", \"e\": {}}", &p);
	assert_true(cJSON_GetObjectItemCaseSensitive(p.root, "n")->valuedouble == -0.5e-3);
	assert_string_equal(str_at(p.root, "u"), "\xc3\xa9\xf0\x9d\x84\x9e");
	pos_is(&p, "e", 1, 43);
	parsed_free(&p);
}

/* ---- mlg_json_quote ---- */

static void quote_is(const char *in, const char *want)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	cJSON *back;

	mlg_strbuf_addstr(&sb, "x=");
	mlg_json_quote(&sb, in);
	if (strcmp(sb.buf + 2, want))
		fail_msg("quote('%s') = %s, want %s", in, sb.buf + 2, want);
	/* strict JSON: cJSON reads it back to the same bytes */
	back = cJSON_Parse(sb.buf + 2);
	assert_non_null(back);
	assert_true(cJSON_IsString(back));
	assert_string_equal(back->valuestring, in);
	cJSON_Delete(back);
	mlg_strbuf_release(&sb);
}

static void test_json_quote(void **state)
{
	(void)state;
	quote_is("", "\"\"");
	quote_is("plain", "\"plain\"");
	quote_is("a\"b", "\"a\\\"b\"");
	quote_is("back\\slash", "\"back\\\\slash\"");
	quote_is("line\nnext", "\"line\\nnext\"");
	quote_is("tab\there", "\"tab\\there\"");
	quote_is("cr\r", "\"cr\\u000d\"");
	quote_is("\x01\x1f", "\"\\u0001\\u001f\"");
	quote_is("esc\x1b[0m", "\"esc\\u001b[0m\"");
	quote_is("slash/ok", "\"slash/ok\"");
	quote_is("del\x7f", "\"del\x7f\"");
	quote_is("caf\xc3\xa9 \xe2\x82\xac", "\"caf\xc3\xa9 \xe2\x82\xac\"");
}

static void test_json_quote_appends(void **state)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;

	(void)state;
	mlg_json_quote(&sb, "a");
	mlg_strbuf_addch(&sb, ':');
	mlg_json_quote(&sb, "b\"");
	assert_string_equal(mlg_strbuf_str(&sb), "\"a\":\"b\\\"\"");
	mlg_strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_comments_stripped),
		cmocka_unit_test(test_comments_in_strings_with_escapes),
		cmocka_unit_test(test_comment_only_document),
		cmocka_unit_test(test_unclosed_block_comment),
		cmocka_unit_test(test_positions_nested),
		cmocka_unit_test(test_positions_array_items),
		cmocka_unit_test(test_positions_leading_space_and_crlf),
		cmocka_unit_test(test_jsonpath_syntax),
		cmocka_unit_test(test_positions_odd_keys),
		cmocka_unit_test(test_positions_utf8_columns),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_no_false_duplicates),
		cmocka_unit_test(test_no_false_duplicate_with_newline_in_key),
		cmocka_unit_test(test_duplicates_none_on_null),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_utf8_in_comments_and_valid_text),
		cmocka_unit_test(test_escaped_nul_refused),
		cmocka_unit_test(test_lone_surrogates_refused),
		cmocka_unit_test(test_many_keys_linear),
		cmocka_unit_test(test_duplicates_around_map_threshold),
		cmocka_unit_test(test_syntax_errors_exact),
		cmocka_unit_test(test_syntax_errors_near),
		cmocka_unit_test(test_valid_edge_documents),
		cmocka_unit_test(test_json_quote),
		cmocka_unit_test(test_json_quote_appends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
