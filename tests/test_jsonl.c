/*
 * Unit tests for the JSON Lines reader (runner/jsonl.c).
 *
 * Inputs are copied into heap buffers of exactly their length, with no
 * NUL after them, so that under ASan a read past `len` is reported. Batches
 * are small (4 rows unless said) so that most inputs fill several of them.
 * A row is shown as its split-out cells joined by '|', a null cell as
 * "<null>".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "util.h"

#define ALL ((size_t)-1)

/* What the sink saw. */
struct capture {
	size_t ncolumns;
	const uint8_t *used;
	char **rows;
	size_t nrows, alloc;
	size_t nbatches;
	size_t stop_after;  /* batches; 0: never ask to stop */
	const char *input;  /* to tell cells that point into it */
	size_t input_len;
	size_t in_input, copied;
};

static int capture_sink(void *payload, struct mlg_batch *batch)
{
	struct capture *cap = payload;

	assert_true(batch->nrows > 0);
	/* rows are numbered on from the previous batch */
	assert_int_equal(batch->first_row, cap->nrows + 1);
	for (size_t c = 0; c < cap->ncolumns; c++)
		if (!cap->used[c])
			assert_null(mlg_batch_cells(batch, c));
	for (size_t r = 0; r < batch->nrows; r++) {
		struct mlg_strbuf sb = MLG_STRBUF_INIT;
		int first = 1;

		for (size_t c = 0; c < cap->ncolumns; c++) {
			const struct mlg_cell *cell;

			if (!cap->used[c])
				continue;
			cell = &mlg_batch_cells(batch, c)[r];
			if (!first)
				mlg_strbuf_addch(&sb, '|');
			first = 0;
			if (cell->is_null) {
				assert_int_equal(cell->len, 0);
				mlg_strbuf_addstr(&sb, "<null>");
				continue;
			}
			mlg_strbuf_add(&sb, cell->data, cell->len);
			if (cell->data >= cap->input && cell->data < cap->input + cap->input_len)
				cap->in_input++;
			else if (cell->len)
				cap->copied++;
		}
		MLG_ALLOC_GROW(cap->rows, cap->nrows + 1, cap->alloc);
		cap->rows[cap->nrows++] = mlg_strbuf_detach(&sb);
	}
	cap->nbatches++;
	return cap->stop_after && cap->nbatches >= cap->stop_after;
}

struct run {
	struct mlg_part_result res;
	size_t ret;
	struct capture cap;
	uint64_t next_first_row; /* of the batch after the run */
};

struct opts {
	size_t pos, stop;
	int final;
	uint64_t base;
	size_t cap;
	size_t stop_after;
};

static const struct opts DEFAULTS = { 0, ALL, 1, 0, 4, 0 };

/* Scans len bytes of `in` (copied, see top) into r. */
static void scan_opts(struct run *r, const char *const *columns, size_t ncolumns,
		      const uint8_t *used, const char *in, size_t len, const struct opts *o)
{
	struct mlg_jsonl_index *index = mlg_jsonl_index_new(columns, ncolumns);
	struct mlg_batch_impl b;
	char *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, in, len);
	memset(r, 0, sizeof(*r));
	r->cap.ncolumns = ncolumns;
	r->cap.used = used;
	r->cap.stop_after = o->stop_after;
	r->cap.input = copy;
	r->cap.input_len = len;
	mlg_batch__init(&b, ncolumns, used, o->cap, NULL, NULL);
	mlg_batch__reset(&b, 1);
	r->ret = mlg_jsonl_scan(index, copy, len, o->pos, o->stop, o->final, o->base, &b,
				capture_sink, &r->cap, &r->res);
	r->next_first_row = b.pub.first_row;
	mlg_batch__release(&b);
	mlg_jsonl_index_free(index);
	free(copy);
}

static void scan(struct run *r, const char *const *columns, size_t ncolumns, const uint8_t *used,
		 const char *in)
{
	scan_opts(r, columns, ncolumns, used, in, strlen(in), &DEFAULTS);
}

static void run_release(struct run *r)
{
	for (size_t i = 0; i < r->cap.nrows; i++)
		free(r->cap.rows[i]);
	free(r->cap.rows);
	free(r->res.err_text);
	memset(r, 0, sizeof(*r));
}

static void expect_rows(const struct run *r, const char *const *rows, size_t n)
{
	if (r->res.error)
		fail_msg("unexpected error at byte %llu: %s", (unsigned long long)r->res.err_offset,
			 r->res.err_text);
	assert_int_equal(r->res.nrows, n);
	assert_int_equal(r->cap.nrows, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(r->cap.rows[i], rows[i]);
}

static void expect_error(const struct run *r, uint64_t row, uint64_t line, uint64_t offset,
			 const char *text)
{
	assert_int_equal(r->res.error, -1);
	assert_non_null(r->res.err_text);
	assert_string_equal(r->res.err_text, text);
	assert_int_equal(r->res.err_row, row);
	assert_int_equal(r->res.err_line, line);
	assert_int_equal(r->res.err_offset, offset);
}

static const uint8_t ALL_USED[16] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };

/* ---- values ---- */

static void test_scalars(void **state)
{
	static const char *const cols[] = { "s", "i", "f", "e", "t", "fa", "n", "z", "neg" };
	static const char *const rows[] = {
		"hello|42|-3.25|1.5E+10|true|false|<null>|0|-0",
		"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80|0|0.5|1e-7|false|true|<null>|10|-12",
	};
	struct run r;

	(void)state;
	scan(&r, cols, 9, ALL_USED,
	     "{\"s\":\"hello\",\"i\":42,\"f\":-3.25,\"e\":1.5E+10,\"t\":true,\"fa\":false,"
	     "\"n\":null,\"z\":0,\"neg\":-0}\n"
	     " { \"neg\" : -12 , \"z\":10,\"n\": null,\"fa\":true,\"t\":false,\"e\":1e-7,"
	     "\"f\":0.5,\"i\":0,\"s\":\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\" }\t\n");
	expect_rows(&r, rows, 2);
	assert_int_equal(r.res.nlines, 2);
	/* nothing was escaped: every cell points into the input */
	assert_int_equal(r.cap.copied, 0);
	run_release(&r);
}

static void test_nesting(void **state)
{
	static const char *const cols[] = { "id", "user.name", "user.geo.country", "x", "a.b" };
	static const char *const rows[] = {
		"1|ann|FR|2|dotted",
		"2|<null>|DE|<null>|nested",
	};
	struct run r;

	(void)state;
	scan(&r, cols, 5, ALL_USED,
	     "{\"id\":1,\"user\":{\"name\":\"ann\",\"geo\":{\"country\":\"FR\"}},\"x\":2,"
	     "\"a.b\":\"dotted\"}\n"
	     "{\"user\":{\"geo\":{\"country\":\"DE\",\"city\":\"Berlin\"}},\"a\":{\"b\":\"nested\"},"
	     "\"id\":2}\n");
	expect_rows(&r, rows, 2);
	run_release(&r);
}

static void test_escapes(void **state)
{
	static const char *const cols[] = { "s", "u", "p", "k", "plain" };
	static const char *const rows[] = {
		"a\"b\\c/d\be\ff\ng\rh\ti|caf\xc3\xa9 \xe2\x82\xac|\xf0\x9f\x98\x80!|A|x",
	};
	struct run r;

	(void)state;
	scan(&r, cols, 5, ALL_USED,
	     "{\"s\":\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\",\"u\":\"caf\\u00e9 \\u20AC\","
	     "\"p\":\"\\ud83d\\uDE00!\",\"\\u006b\":\"\\u0041\",\"plain\":\"x\"}\n");
	expect_rows(&r, rows, 1);
	/* only the escaped cells were copied */
	assert_int_equal(r.cap.copied, 4);
	assert_int_equal(r.cap.in_input, 1);
	run_release(&r);
}

/*
 * \u0000 is refused with the row and the escape's byte: cells are read as C
 * strings in places (messages, examples), where "a\0b" would show as 'a'
 * but compare as a\0b. In a key too (the first record's keys are column
 * names).
 */
static void test_escaped_nul(void **state)
{
	static const char *const cols[] = { "s" };
	static const char in[] = "{\"s\":\"x\"}\n{\"s\":\"a\\u0000b\"}\n";
	static const char key[] = "{\"n\\u0000x\":1}\n";
	struct mlg_jsonl_index *index = mlg_jsonl_index_new(cols, 1);
	struct mlg_part_result res;
	struct mlg_batch_impl b;
	char **names, *error;
	size_t n;

	(void)state;
	memset(&res, 0, sizeof(res));
	mlg_batch__init(&b, 1, ALL_USED, 4, NULL, NULL);
	mlg_batch__reset(&b, 1);
	mlg_jsonl_scan(index, in, sizeof(in) - 1, 0, ALL, 1, 0, &b, NULL, NULL, &res);
	assert_int_equal(res.error, -1);
	assert_int_equal(res.err_row, 2);
	assert_int_equal(res.err_line, 1);
	assert_int_equal(res.err_offset, 17);
	assert_string_equal(res.err_text, "\\u0000 in a string: a NUL character is not text");
	free(res.err_text);
	mlg_batch__release(&b);
	mlg_jsonl_index_free(index);

	assert_int_equal(mlg_jsonl_first_columns(key, sizeof(key) - 1, &names, &n, &error), -1);
	assert_string_equal(error, "row 1 (line 1, byte 3): \\u0000 in a string: a NUL character is not text");
	free(error);
}

static void test_missing_and_null(void **state)
{
	static const char *const cols[] = { "a", "b", "c.d" };
	static const char *const rows[] = {
		"1|<null>|<null>", "<null>||<null>", "<null>|x|<null>", "<null>|<null>|<null>",
		"<null>|<null>|", "2|y|3",
	};
	struct run r;

	(void)state;
	scan(&r, cols, 3, ALL_USED,
	     "{\"a\":1}\n"
	     "{\"b\":\"\"}\n"
	     "{\"a\":null,\"b\":\"x\",\"c\":{\"d\":null}}\n"
	     "{}\n"
	     "{\"c\":{\"d\":\"\"}}\n"
	     "{\"a\":2,\"b\":\"y\",\"c\":{\"d\":3}}\n");
	expect_rows(&r, rows, 6);
	run_release(&r);
}

static void test_unknown_keys(void **state)
{
	static const char *const cols[] = { "a", "b" };
	static const char *const rows[] = { "1|y", "2|<null>" };
	struct run r;

	(void)state;
	scan(&r, cols, 2, ALL_USED,
	     "{\"zz\":[1,{\"q\":[2,{}]},\"s\"],\"a\":1,\"obj\":{\"deep\":{\"x\":\"\\u00e9\"}},"
	     "\"n\":null,\"b\":\"y\",\"t\":true}\n"
	     "{\"a\":2,\"a.x\":3,\"b.c\":{\"d\":4}}\n");
	expect_rows(&r, rows, 2);
	run_release(&r);

	/* skipped, but still checked */
	scan(&r, cols, 2, ALL_USED, "{\"zz\":tru,\"a\":1}\n");
	expect_error(&r, 1, 0, 6, "invalid JSON: expected true, false or null");
	run_release(&r);
}

/* Many keys that are not columns, in every record: no false repeats. */
static void test_many_unknown_keys(void **state)
{
	static const char *const cols[] = { "k7" };
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	struct run r;

	(void)state;
	for (int row = 0; row < 3; row++) {
		mlg_strbuf_addch(&sb, '{');
		for (int k = 0; k < 100; k++)
			mlg_strbuf_addf(&sb, "%s\"k%d\":{\"v\":%d}", k ? "," : "", k, row);
		mlg_strbuf_addstr(&sb, "}\n");
	}
	scan(&r, cols, 1, ALL_USED, sb.buf);
	assert_int_equal(r.res.error, 0);
	assert_int_equal(r.res.nrows, 3);
	/* the object at a column keeps its text */
	assert_string_equal(r.cap.rows[2], "{\"v\":2}");
	run_release(&r);

	/* the hundredth key repeats the first */
	mlg_strbuf_reset(&sb);
	mlg_strbuf_addch(&sb, '{');
	for (int k = 0; k < 100; k++)
		mlg_strbuf_addf(&sb, "\"x%d\":1,", k);
	mlg_strbuf_addstr(&sb, "\"x0\":2}\n");
	scan(&r, cols, 1, ALL_USED, sb.buf);
	expect_error(&r, 1, 0, sb.len - 8, "key 'x0' appears twice");
	run_release(&r);
	mlg_strbuf_release(&sb);
}

static void test_arrays_as_text(void **state)
{
	static const char *const cols[] = { "a", "b", "c.d" };
	static const char *const rows[] = {
		"[1, \"two\", [3, {\"four\": null}], true]|[ ]|[\"\\u00e9\"]",
	};
	struct run r;

	(void)state;
	scan(&r, cols, 3, ALL_USED,
	     "{\"a\":[1, \"two\", [3, {\"four\": null}], true],\"b\":[ ],\"c\":{\"d\":[\"\\u00e9\"]}}"
	     "\n");
	/* kept as written, escapes and blanks included */
	expect_rows(&r, rows, 1);
	run_release(&r);
}

/* An object where a column is expected keeps its JSON text, like an array. */
static void test_object_at_column(void **state)
{
	static const char *const cols[] = { "a", "a.b" };
	static const char *const rows[] = { "{\"b\": 1}|1", "5|<null>", "{}|<null>" };
	struct run r;

	(void)state;
	scan(&r, cols, 2, ALL_USED, "{\"a\":{\"b\": 1}}\n{\"a\":5}\n{\"a\":{}}\n");
	expect_rows(&r, rows, 3);
	run_release(&r);
}

/* Columns not split out are never written (their cells are NULL). */
static void test_unused_columns(void **state)
{
	static const char *const cols[] = { "a", "b", "c" };
	static const uint8_t used[] = { 1, 0, 1 };
	static const char *const rows[] = { "1|3", "<null>|<null>" };
	struct run r;

	(void)state;
	scan(&r, cols, 3, used, "{\"a\":1,\"b\":\"x\\ny\",\"c\":3}\n{\"b\":[1]}\n");
	expect_rows(&r, rows, 2);
	/* the escaped "b" was not copied: it is not split out */
	assert_int_equal(r.cap.copied, 0);
	run_release(&r);

	/* but its key is still checked */
	scan(&r, cols, 3, used, "{\"b\":1,\"b\":2}\n");
	expect_error(&r, 1, 0, 7, "key 'b' appears twice");
	run_release(&r);
}

/* ---- lines ---- */

static void test_crlf_and_blank_lines(void **state)
{
	static const char *const cols[] = { "a", "s" };
	static const char *const rows[] = { "1|x", "2|<null>" };
	static const char in[] = "\r\n{\"a\":1,\"s\":\"x\"}\r\n\r\n   \t\r\n{\"a\":2} \r\n\n  ";
	struct run r;

	(void)state;
	scan(&r, cols, 2, ALL_USED, in);
	expect_rows(&r, rows, 2);
	assert_int_equal(r.res.nlines, 6);
	assert_int_equal(r.ret, strlen(in));
	run_release(&r);
}

static void test_last_line_without_newline(void **state)
{
	static const char *const cols[] = { "a" };
	static const char *const both[] = { "1", "2" };
	static const char in[] = "{\"a\":1}\n{\"a\":2}";
	struct opts o = DEFAULTS;
	struct run r;

	(void)state;
	/* final: the last line is a record */
	scan(&r, cols, 1, ALL_USED, in);
	expect_rows(&r, both, 2);
	assert_int_equal(r.ret, strlen(in));
	assert_int_equal(r.res.nlines, 1);
	assert_int_equal(r.next_first_row, 3);
	run_release(&r);

	/* not final: it is left for the next call, which reads it */
	o.final = 0;
	scan_opts(&r, cols, 1, ALL_USED, in, strlen(in), &o);
	expect_rows(&r, both, 1);
	assert_int_equal(r.ret, 8);
	assert_int_equal(r.res.nlines, 1);
	run_release(&r);

	/* also when only blanks have arrived of it, or its CR */
	scan_opts(&r, cols, 1, ALL_USED, "{\"a\":1}\n  ", 10, &o);
	expect_rows(&r, both, 1);
	assert_int_equal(r.ret, 8);
	assert_int_equal(r.res.nlines, 1);
	run_release(&r);
	scan_opts(&r, cols, 1, ALL_USED, "{\"a\":1}\r", 8, &o);
	expect_rows(&r, both, 0);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.res.nlines, 0);
	run_release(&r);

	/* a cut record at the very end is an error when final */
	scan(&r, cols, 1, ALL_USED, "{\"a\":1}\n{\"a\":");
	expect_error(&r, 2, 1, 13, "invalid JSON: expected a value");
	run_release(&r);
	scan(&r, cols, 1, ALL_USED, "{\"a\":1}\n{\"a\":\"xy");
	expect_error(&r, 2, 1, 13, "invalid JSON: unexpected end of line inside a string");
	run_release(&r);
}

/* A stream read in two calls: rows, lines and offsets go on from the first. */
static void test_two_calls(void **state)
{
	static const char *const cols[] = { "a" };
	static const char in[] = "{\"a\":1}\n\n{\"a\":2}\n{\"a\":3}\n{\"a\" 4}\n";
	struct mlg_jsonl_index *index = mlg_jsonl_index_new(cols, 1);
	struct mlg_part_result res;
	struct mlg_batch_impl b;
	struct capture cap;
	size_t pos;

	(void)state;
	memset(&res, 0, sizeof(res));
	memset(&cap, 0, sizeof(cap));
	cap.ncolumns = 1;
	cap.used = ALL_USED;
	mlg_batch__init(&b, 1, ALL_USED, 4, NULL, NULL);
	mlg_batch__reset(&b, 1);
	/* the first call sees the bytes up to the middle of the third record */
	pos = mlg_jsonl_scan(index, in, 13, 0, ALL, 0, 0, &b, capture_sink, &cap, &res);
	assert_int_equal(pos, 9);
	assert_int_equal(res.nrows, 1);
	assert_int_equal(res.nlines, 2);
	/* the caller moved the unread bytes to the front of its buffer */
	pos = mlg_jsonl_scan(index, in + 9, sizeof(in) - 1 - 9, 0, ALL, 1, 9, &b, capture_sink,
			     &cap, &res);
	assert_int_equal(res.error, -1);
	assert_string_equal(res.err_text, "invalid JSON: expected ':' after a key");
	assert_int_equal(res.err_row, 4);
	assert_int_equal(res.err_line, 4);
	assert_int_equal(res.err_offset, 30);
	assert_int_equal(res.nrows, 3);
	/* as in the CSV reader, the batch holding the bad record is not handed over */
	assert_int_equal(cap.nrows, 1);
	for (size_t i = 0; i < cap.nrows; i++)
		free(cap.rows[i]);
	free(cap.rows);
	free(res.err_text);
	mlg_batch__release(&b);
	mlg_jsonl_index_free(index);
}

static void test_stop(void **state)
{
	static const char *const cols[] = { "a" };
	static const char *const rows[] = { "1", "2", "3" };
	static const char in[] = "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n";
	static const char blanks[] = "{\"a\":1}\n\n \n{\"a\":2}\n";
	struct opts o = DEFAULTS;
	struct run r;

	(void)state;
	/* a record that starts at stop is not read */
	o.stop = 8;
	scan_opts(&r, cols, 1, ALL_USED, in, strlen(in), &o);
	expect_rows(&r, rows, 1);
	assert_int_equal(r.ret, 8);
	assert_int_equal(r.res.nlines, 1);
	run_release(&r);

	/* one that starts before it is read whole */
	o.stop = 9;
	scan_opts(&r, cols, 1, ALL_USED, in, strlen(in), &o);
	expect_rows(&r, rows, 2);
	assert_int_equal(r.ret, 16);
	assert_int_equal(r.res.nlines, 2);
	run_release(&r);

	/* a part that begins at stop reads nothing */
	o.pos = 16;
	o.stop = 16;
	scan_opts(&r, cols, 1, ALL_USED, in, strlen(in), &o);
	expect_rows(&r, rows, 0);
	assert_int_equal(r.ret, 16);
	assert_int_equal(r.res.nlines, 0);
	assert_int_equal(r.cap.nbatches, 0);
	run_release(&r);

	/* the blank lines from stop on are the next part's */
	o.pos = 0;
	o.stop = 8;
	scan_opts(&r, cols, 1, ALL_USED, blanks, strlen(blanks), &o);
	expect_rows(&r, rows, 1);
	assert_int_equal(r.ret, 8);
	assert_int_equal(r.res.nlines, 1);
	run_release(&r);
	o.pos = 8;
	o.stop = ALL;
	scan_opts(&r, cols, 1, ALL_USED, blanks, strlen(blanks), &o);
	assert_int_equal(r.res.nrows, 1);
	assert_string_equal(r.cap.rows[0], "2");
	assert_int_equal(r.res.nlines, 3);
	run_release(&r);
}

static void test_batches_and_sink_stop(void **state)
{
	static const char *const cols[] = { "a" };
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	struct opts o = DEFAULTS;
	struct run r;

	(void)state;
	for (int i = 1; i <= 10; i++)
		mlg_strbuf_addf(&sb, "{\"a\":%d}\n", i);
	scan(&r, cols, 1, ALL_USED, sb.buf);
	assert_int_equal(r.res.nrows, 10);
	assert_int_equal(r.cap.nbatches, 3); /* 4, 4 and 2 rows */
	assert_string_equal(r.cap.rows[9], "10");
	assert_int_equal(r.next_first_row, 11);
	assert_int_equal(r.res.stopped, 0);
	run_release(&r);

	/* the sink asks to stop after the first batch */
	o.stop_after = 1;
	o.cap = 3;
	scan_opts(&r, cols, 1, ALL_USED, sb.buf, sb.len, &o);
	assert_int_equal(r.res.stopped, 1);
	assert_int_equal(r.res.error, 0);
	assert_int_equal(r.res.nrows, 3);
	assert_int_equal(r.cap.nrows, 3);
	assert_int_equal(r.res.nlines, 3);
	run_release(&r);

	/* or after the last, partial one */
	o.stop_after = 4;
	scan_opts(&r, cols, 1, ALL_USED, sb.buf, sb.len, &o);
	assert_int_equal(r.res.stopped, 1);
	assert_int_equal(r.res.nrows, 10);
	run_release(&r);
	mlg_strbuf_release(&sb);
}

static void test_bom(void **state)
{
	static const char *const cols[] = { "a" };
	static const char *const rows[] = { "1" };
	static const char in[] = "\xef\xbb\xbf{\"a\":1}\n";
	struct opts o = DEFAULTS;
	struct run r;

	(void)state;
	scan(&r, cols, 1, ALL_USED, in);
	expect_rows(&r, rows, 1);
	run_release(&r);

	/* only at the start of the file */
	o.base = 100;
	scan_opts(&r, cols, 1, ALL_USED, in, strlen(in), &o);
	expect_error(&r, 1, 0, 100, "invalid JSON: expected '{' at the start of a record");
	run_release(&r);
}

/* ---- errors ---- */

struct bad_case {
	const char *line;
	size_t at; /* byte of the problem within the line */
	const char *text;
};

static const struct bad_case BAD[] = {
	{ "{\"a\" 1}", 5, "invalid JSON: expected ':' after a key" },
	{ "{\"a\":\"abc}", 5, "invalid JSON: unexpected end of line inside a string" },
	{ "{\"a\":\"abc\r", 5, "invalid JSON: unexpected end of line inside a string" },
	{ "{\"a\":\"ab\\", 5, "invalid JSON: unexpected end of line inside a string" },
	{ "{\"a\":\"\\n\\", 5, "invalid JSON: unexpected end of line inside a string" },
	{ "[\"a\",1]", 0, "a record must be a JSON object, found an array" },
	{ "\"x\"", 0, "a record must be a JSON object, found a string" },
	{ "  -42", 2, "a record must be a JSON object, found a number" },
	{ "null", 0, "a record must be a JSON object, found null" },
	{ "true", 0, "a record must be a JSON object, found true" },
	{ "false", 0, "a record must be a JSON object, found false" },
	{ "hello", 0, "invalid JSON: expected '{' at the start of a record" },
	{ "{\"a\":\"\xff\"}", 6, "invalid UTF-8 in a string" },
	{ "{\"a\":\"ok \xc0\xaf\"}", 9, "invalid UTF-8 in a string" },         /* overlong '/' */
	{ "{\"a\":\"\xe0\x80\xaf\"}", 6, "invalid UTF-8 in a string" },        /* overlong, 3 bytes */
	{ "{\"a\":\"\xf0\x80\x80\xaf\"}", 6, "invalid UTF-8 in a string" },    /* overlong, 4 bytes */
	{ "{\"a\":\"\xed\xa0\x80\"}", 6, "invalid UTF-8 in a string" },        /* a surrogate */
	{ "{\"a\":\"\xf4\x90\x80\x80\"}", 6, "invalid UTF-8 in a string" },    /* above U+10FFFF */
	{ "{\"a\":\"\xf5\x80\x80\x80\"}", 6, "invalid UTF-8 in a string" },
	{ "{\"a\":\"\xe2\x82\"}", 6, "invalid UTF-8 in a string" },            /* cut short */
	{ "{\"a\":\"\xe2\x82", 6, "invalid UTF-8 in a string" },               /* at the line end */
	{ "{\"a\":\"x\x80\"}", 7, "invalid UTF-8 in a string" },               /* lone continuation */
	{ "{\"a\":\"\\n\xff\"}", 8, "invalid UTF-8 in a string" },             /* after an escape */
	{ "{\"\xff\":1}", 2, "invalid UTF-8 in a string" },                    /* in a key */
	{ "{\"z\":[\"\xff\"]}", 7, "invalid UTF-8 in a string" },              /* in an array */
	{ "{\"a\":\"x\ty\"}", 7, "invalid JSON: unescaped control character in a string" },
	{ "{\"a\":\"\\q\"}", 6, "invalid JSON: invalid escape '\\q' in a string" },
	{ "{\"a\":\"\\\x01\"}", 6, "invalid JSON: invalid escape in a string" },
	{ "{\"a\":\"\\u12g4\"}", 6, "invalid JSON: \\u must be followed by four hex digits" },
	{ "{\"a\":\"\\u12\"}", 6, "invalid JSON: \\u must be followed by four hex digits" },
	{ "{\"a\":\"\\ud800\"}", 6, "invalid JSON: unpaired surrogate in a \\u escape" },
	{ "{\"a\":\"\\udc00\\ud800\"}", 6, "invalid JSON: unpaired surrogate in a \\u escape" },
	{ "{\"a\":\"\\ud800\\u0041\"}", 6, "invalid JSON: unpaired surrogate in a \\u escape" },
	{ "{\"a\":\"\\ud800\\u00zz\"}", 12, "invalid JSON: \\u must be followed by four hex digits" },
	{ "{\"a\":1,\"a\":2}", 7, "key 'a' appears twice" },
	{ "{\"a\":1,\"\\u0061\":2}", 7, "key 'a' appears twice" },
	{ "{\"a\":{\"b\":1},\"a.b\":2}", 13, "key 'a.b' appears twice" },
	{ "{\"zz\":1,\"zz\":[]}", 8, "key 'zz' appears twice" },
	{ "{\"o\":{},\"o\":{}}", 8, "key 'o' appears twice" },
	{ "{\"o\":{\"p\":1,\"p\":1}}", 12, "key 'o.p' appears twice" },
	{ "{\"a\\n\":1,\"a\\n\":1}", 9, "key 'a\\x0a' appears twice" },
	{ "{\"a\":01}", 6, "invalid JSON: invalid number" },
	{ "{\"a\":-}", 6, "invalid JSON: invalid number" },
	{ "{\"a\":-a}", 6, "invalid JSON: invalid number" },
	{ "{\"a\":1.}", 7, "invalid JSON: invalid number" },
	{ "{\"a\":1.e5}", 7, "invalid JSON: invalid number" },
	{ "{\"a\":1e}", 7, "invalid JSON: invalid number" },
	{ "{\"a\":1e+}", 8, "invalid JSON: invalid number" },
	{ "{\"a\":.5}", 5, "invalid JSON: expected a value" },
	{ "{\"a\":+1}", 5, "invalid JSON: expected a value" },
	{ "{\"a\":1x}", 6, "invalid JSON: expected ',' or '}' after a value" },
	{ "{\"a\":1.5.2}", 8, "invalid JSON: expected ',' or '}' after a value" },
	{ "{\"a\":tru}", 5, "invalid JSON: expected true, false or null" },
	{ "{\"a\":nul}", 5, "invalid JSON: expected true, false or null" },
	{ "{\"a\":True}", 5, "invalid JSON: expected a value" },
	{ "{\"a\":}", 5, "invalid JSON: expected a value" },
	{ "{\"a\":", 5, "invalid JSON: expected a value" },
	{ "{\"a\":1,}", 7, "invalid JSON: expected a key in double quotes" },
	{ "{a:1}", 1, "invalid JSON: expected a key in double quotes" },
	{ "{", 1, "invalid JSON: expected a key in double quotes" },
	{ "{\"a\":1", 6, "invalid JSON: expected ',' or '}' after a value" },
	{ "{\"a\":1 \"b\":2}", 7, "invalid JSON: expected ',' or '}' after a value" },
	{ "{\"a\":1} x", 8, "invalid JSON: unexpected text after the object" },
	{ "{\"a\":1}{}", 7, "invalid JSON: unexpected text after the object" },
	{ "{\"a\":[1,2}", 9, "invalid JSON: expected ',' or ']' after a value" },
	{ "{\"a\":[1,]}", 8, "invalid JSON: expected a value" },
	{ "{\"a\":[1", 7, "invalid JSON: expected ',' or ']' after a value" },
	{ "{\"a\":[{\"b\" 1}]}", 11, "invalid JSON: expected ':' after a key" },
	{ "{\"a\":[{\"b\":1,}]}", 13, "invalid JSON: expected a key in double quotes" },
	{ "{\"a\":[{\"b\":1]}", 12, "invalid JSON: expected ',' or '}' after a value" },
	{ "{\"a\":{\"b\":[}}", 11, "invalid JSON: expected a value" },
};

/* Each bad line after a good record and a blank line, at byte 1000 of a file. */
static void test_errors(void **state)
{
	static const char *const cols[] = { "a", "a.b", "c" };
	static const uint8_t used[] = { 1, 1, 0 };
	static const char good[] = "{\"a\":1}\n\n";

	(void)state;
	for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
		struct mlg_strbuf sb = MLG_STRBUF_INIT;
		struct opts o = DEFAULTS;
		struct run r;

		mlg_strbuf_addstr(&sb, good);
		mlg_strbuf_addstr(&sb, BAD[i].line);
		mlg_strbuf_addstr(&sb, "\n{\"a\":3}\n");
		o.base = 1000;
		scan_opts(&r, cols, 3, used, sb.buf, sb.len, &o);
		if (!r.res.error || strcmp(r.res.err_text, BAD[i].text) ||
		    r.res.err_offset != 1000 + strlen(good) + BAD[i].at)
			fail_msg("case %zu (%s): got error %d at %llu: %s", i, BAD[i].line,
				 r.res.error, (unsigned long long)r.res.err_offset,
				 r.res.err_text ? r.res.err_text : "(none)");
		expect_error(&r, 2, 2, 1000 + strlen(good) + BAD[i].at, BAD[i].text);
		assert_int_equal(r.res.nrows, 1);
		assert_int_equal(r.ret, strlen(good));
		run_release(&r);
		mlg_strbuf_release(&sb);
	}
}

/* Containers 64 deep are fine; one more is an error at its bracket. */
static void test_depth(void **state)
{
	static const char *const cols[] = { "a", "o.o.o" };
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	struct run r;

	(void)state;
	mlg_strbuf_addstr(&sb, "{\"a\":");
	for (int i = 0; i < 63; i++)
		mlg_strbuf_addch(&sb, '[');
	for (int i = 0; i < 63; i++)
		mlg_strbuf_addch(&sb, ']');
	mlg_strbuf_addstr(&sb, "}\n");
	scan(&r, cols, 2, ALL_USED, sb.buf);
	assert_int_equal(r.res.error, 0);
	assert_int_equal(r.res.nrows, 1);
	run_release(&r);

	mlg_strbuf_reset(&sb);
	mlg_strbuf_addstr(&sb, "{\"a\":");
	for (int i = 0; i < 64; i++)
		mlg_strbuf_addch(&sb, '[');
	for (int i = 0; i < 64; i++)
		mlg_strbuf_addch(&sb, ']');
	mlg_strbuf_addstr(&sb, "}\n");
	scan(&r, cols, 2, ALL_USED, sb.buf);
	expect_error(&r, 1, 0, 5 + 63, "invalid JSON: nesting deeper than 64 levels");
	run_release(&r);

	/* objects count too, whether flattened or inside an array */
	mlg_strbuf_reset(&sb);
	for (int i = 0; i < 65; i++)
		mlg_strbuf_addstr(&sb, "{\"o\":");
	mlg_strbuf_addch(&sb, '1');
	for (int i = 0; i < 65; i++)
		mlg_strbuf_addch(&sb, '}');
	scan(&r, cols, 2, ALL_USED, sb.buf);
	expect_error(&r, 1, 0, 5 * 64, "invalid JSON: nesting deeper than 64 levels");
	run_release(&r);

	mlg_strbuf_reset(&sb);
	mlg_strbuf_addstr(&sb, "{\"a\":[");
	for (int i = 0; i < 63; i++)
		mlg_strbuf_addstr(&sb, "{\"o\":");
	mlg_strbuf_addstr(&sb, "1");
	for (int i = 0; i < 63; i++)
		mlg_strbuf_addch(&sb, '}');
	mlg_strbuf_addstr(&sb, "]}");
	scan(&r, cols, 2, ALL_USED, sb.buf);
	expect_error(&r, 1, 0, 6 + 5 * 62, "invalid JSON: nesting deeper than 64 levels");
	run_release(&r);
	mlg_strbuf_release(&sb);
}

/* A key longer than any buffer's first size, nested under another. */
static void test_long_keys(void **state)
{
	struct mlg_strbuf key = MLG_STRBUF_INIT, path = MLG_STRBUF_INIT, in = MLG_STRBUF_INIT;
	const char *cols[1];
	struct run r;

	(void)state;
	for (int i = 0; i < 1000; i++)
		mlg_strbuf_addch(&key, 'a' + i % 26);
	mlg_strbuf_addf(&path, "%s.%s", key.buf, key.buf);
	cols[0] = path.buf;
	mlg_strbuf_addf(&in, "{\"%s\":{\"%s\":\"v\",\"x\":1}}\n", key.buf, key.buf);
	scan(&r, cols, 1, ALL_USED, in.buf);
	assert_int_equal(r.res.nrows, 1);
	assert_string_equal(r.cap.rows[0], "v");
	run_release(&r);

	/* a long repeated key is cut in the message */
	mlg_strbuf_reset(&in);
	mlg_strbuf_addf(&in, "{\"%s\":1,\"%s\":2}\n", key.buf, key.buf);
	scan(&r, cols, 1, ALL_USED, in.buf);
	assert_int_equal(r.res.error, -1);
	assert_int_equal(r.res.err_offset, 1000 + 6);
	assert_int_equal(strlen(r.res.err_text), strlen("key '' appears twice") + 200 + 3);
	run_release(&r);
	mlg_strbuf_release(&key);
	mlg_strbuf_release(&path);
	mlg_strbuf_release(&in);
}

/* ---- the first record's columns ---- */

static void expect_columns(const char *in, const char *const *want, size_t nwant)
{
	size_t len = strlen(in), n = 99;
	char *copy = malloc(len ? len : 1), **names = NULL, *error = NULL;

	assert_non_null(copy);
	memcpy(copy, in, len);
	assert_int_equal(mlg_jsonl_first_columns(copy, len, &names, &n, &error), 0);
	assert_null(error);
	assert_non_null(names);
	assert_int_equal(n, nwant);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(names[i], want[i]);
		free(names[i]);
	}
	free(names);
	free(copy);
}

static void expect_columns_error(const char *in, const char *message)
{
	size_t len = strlen(in), n = 99;
	char *copy = malloc(len ? len : 1), **names = NULL, *error = NULL;

	assert_non_null(copy);
	memcpy(copy, in, len);
	assert_int_equal(mlg_jsonl_first_columns(copy, len, &names, &n, &error), -1);
	assert_non_null(error);
	assert_string_equal(error, message);
	assert_null(names);
	assert_int_equal(n, 0);
	free(error);
	free(copy);
}

static void test_first_columns(void **state)
{
	static const char *const flat[] = { "id", "user.name", "user.geo.cc", "tags", "n", "t",
					    "s", "a.b", "k\xc3\xa9" };
	static const char *const one[] = { "a" };

	(void)state;
	expect_columns("\n  \r\n{\"id\":1,\"user\":{\"name\":\"a\",\"geo\":{\"cc\":\"FR\"}},"
		       "\"tags\":[1,{\"x\":2}],\"n\":null,\"e\":{},\"t\":true,\"s\":\"\\n\","
		       "\"a.b\":0,\"k\\u00e9\":1}\r\n{\"other\":1}\n",
		       flat, 9);
	/* the only line, with no line break; a byte order mark */
	expect_columns("{\"a\":1}", one, 1);
	expect_columns("\xef\xbb\xbf{\"a\":1}\n", one, 1);
	/* nothing to read: no columns */
	expect_columns("", NULL, 0);
	expect_columns("\n \n", NULL, 0);
	expect_columns("{}\n{\"a\":1}\n", NULL, 0);

	expect_columns_error("\n{\"a\" 1}\n", "row 1 (line 2, byte 6): invalid JSON: expected ':' after a key");
	expect_columns_error("{\"a\":{\"b\":1},\"a.b\":2}",
			     "row 1 (line 1, byte 13): key 'a.b' appears twice");
	expect_columns_error("[1]\n", "row 1 (line 1, byte 0): a record must be a JSON object, found an array");
	expect_columns_error("{\"a\":\"\xc3\"}\n{\"b\":1}\n",
			     "row 1 (line 1, byte 6): invalid UTF-8 in a string");
}

/* The index of the columns: found exactly, whatever their number. */
static void test_index(void **state)
{
	char *names[500];
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	uint8_t *used = calloc(500, 1);
	struct run r;

	(void)state;
	assert_non_null(used);
	for (int i = 0; i < 500; i++) {
		names[i] = mlg_xasprintf("col%d", i);
		used[i] = i % 7 == 0;
	}
	mlg_strbuf_addch(&sb, '{');
	for (int i = 499; i >= 0; i--)
		mlg_strbuf_addf(&sb, "\"col%d\":%d%s", i, i, i ? "," : "");
	mlg_strbuf_addstr(&sb, "}\n{\"col7\":\"seven\",\"col70\":null,\"col700\":1}\n");
	scan(&r, (const char *const *)names, 500, used, sb.buf);
	assert_int_equal(r.res.error, 0);
	assert_int_equal(r.res.nrows, 2);
	assert_true(!strncmp(r.cap.rows[0], "0|7|14|21|", 10));
	assert_true(!strncmp(r.cap.rows[1], "<null>|seven|<null>|<null>|", 27));
	run_release(&r);
	for (int i = 0; i < 500; i++)
		free(names[i]);
	free(used);
	mlg_strbuf_release(&sb);

	/* none at all, and freeing nothing */
	{
		struct mlg_jsonl_index *index = mlg_jsonl_index_new(NULL, 0);

		mlg_jsonl_index_free(index);
		mlg_jsonl_index_free(NULL);
	}
}

/* ---- speed ---- */

static int count_sink(void *payload, struct mlg_batch *batch)
{
	const struct mlg_cell *cells = mlg_batch_cells(batch, 1);

	for (size_t r = 0; r < batch->nrows; r++)
		*(size_t *)payload += cells[r].len;
	return 0;
}

/* A million rows: prints the rate; the time is not asserted (shared machines). */
static void test_million_rows(void **state)
{
	static const char *const cols[] = { "id", "name", "score", "ok", "tags", "user.country",
					     "user.age", "note" };
	static const uint8_t used[] = { 1, 1, 1, 1, 1, 1, 1, 0 };
	const size_t nrows = 1000000;
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	struct mlg_jsonl_index *index = mlg_jsonl_index_new(cols, 8);
	struct mlg_part_result res;
	struct mlg_batch_impl b;
	size_t total = 0, pos;
	double t0, t;

	(void)state;
	mlg_strbuf_grow(&sb, nrows * 130);
	for (size_t i = 0; i < nrows; i++)
		mlg_strbuf_addf(&sb,
				"{\"id\":%zu,\"name\":\"user %zu\",\"score\":%zu.25,\"ok\":%s,"
				"\"tags\":[1,2],\"user\":{\"country\":\"FR\",\"age\":%zu}%s}\n",
				i, i, i % 100, i % 3 ? "true" : "false", i % 90,
				i % 10 ? "" : ",\"note\":\"caf\\u00e9\"");
	memset(&res, 0, sizeof(res));
	mlg_batch__init(&b, 8, used, 2048, NULL, NULL);
	mlg_batch__reset(&b, 1);
	t0 = mlg_now();
	pos = mlg_jsonl_scan(index, sb.buf, sb.len, 0, ALL, 1, 0, &b, count_sink, &total, &res);
	t = mlg_now() - t0;
	assert_int_equal(res.error, 0);
	assert_int_equal(res.nrows, nrows);
	assert_int_equal(res.nlines, nrows);
	assert_int_equal(pos, sb.len);
	assert_true(total > nrows * 6);
	printf("jsonl: %zu rows (%.0f MB) in %.3f s: %.2f M rows/s, %.0f MB/s\n", nrows,
	       (double)sb.len / 1e6, t, (double)nrows / t / 1e6, (double)sb.len / t / 1e6);
	mlg_batch__release(&b);
	mlg_jsonl_index_free(index);
	mlg_strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_escaped_nul),
		cmocka_unit_test(test_missing_and_null),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_many_unknown_keys),
		cmocka_unit_test(test_arrays_as_text),
		cmocka_unit_test(test_object_at_column),
		cmocka_unit_test(test_unused_columns),
		cmocka_unit_test(test_crlf_and_blank_lines),
		cmocka_unit_test(test_last_line_without_newline),
		cmocka_unit_test(test_two_calls),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_batches_and_sink_stop),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_long_keys),
		cmocka_unit_test(test_first_columns),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_million_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
