/* Unit tests for the streaming CSV reader (runner/csv.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlgate/csv.h"
#include "mlgate/error.h"
#include "csv_internal.h"
#include "util.h"

#define BIG_FIELD (5 * 1024 * 1024)

static struct mlg_csv *open_str(const char *s, int header)
{
	struct mlg_csv_options opts = MLG_CSV_OPTIONS_INIT;
	struct mlg_csv *csv = NULL;

	opts.header = header;
	assert_int_equal(mlg_csv_open_mem(&csv, "t.csv", s, strlen(s), &opts), 0);
	assert_non_null(csv);
	return csv;
}

/* Expects a failure to open `s`, with exactly `msg`. */
static void open_fails(const char *s, size_t len, int header, int code,
		       const char *msg)
{
	struct mlg_csv_options opts = MLG_CSV_OPTIONS_INIT;
	struct mlg_csv *csv = (struct mlg_csv *)&opts; /* must be reset */

	opts.header = header;
	assert_int_equal(mlg_csv_open_mem(&csv, "t.csv", s, len, &opts), code);
	assert_null(csv);
	assert_string_equal(mlg_error_last(), msg);
}

static const struct mlg_row *next_row(struct mlg_csv *csv, uint64_t number,
				      uint64_t line, uint64_t offset,
				      size_t nfields)
{
	const struct mlg_row *row = NULL;

	assert_int_equal(mlg_csv_next(csv, &row), 1);
	assert_non_null(row);
	assert_int_equal(row->number, number);
	assert_int_equal(row->line, line);
	assert_int_equal(row->offset, offset);
	assert_int_equal(row->nfields, nfields);
	return row;
}

static void expect_end(struct mlg_csv *csv)
{
	const struct mlg_row *row = NULL;

	assert_int_equal(mlg_csv_next(csv, &row), 0);
	assert_null(row);
	/* the end stays the end */
	assert_int_equal(mlg_csv_next(csv, &row), 0);
}

static void expect_field(const struct mlg_row *row, size_t i, const char *s)
{
	const struct mlg_field *f = &row->fields[i];

	assert_int_equal(f->len, strlen(s));
	assert_memory_equal(f->data, s, f->len + 1); /* NUL included */
	assert_int_equal(f->is_null, 0);
}

static void expect_null(const struct mlg_row *row, size_t i)
{
	const struct mlg_field *f = &row->fields[i];

	assert_int_equal(f->len, 0);
	assert_string_equal(f->data, "");
	assert_int_equal(f->is_null, 1);
}

static void expect_error(struct mlg_csv *csv, int code, const char *msg)
{
	const struct mlg_row *row = (const struct mlg_row *)csv;

	assert_int_equal(mlg_csv_next(csv, &row), code);
	assert_null(row);
	assert_string_equal(mlg_error_last(), msg);
}

/*
 * Writes `len` bytes to a new file under /tmp and opens it with default
 * options. The file is removed at once (the reader keeps its descriptor),
 * so a failing assertion leaves nothing behind. Returns mlg_csv_open()'s
 * code; `path` receives the name.
 */
static int open_temp(struct mlg_csv **csv, char *path, size_t size,
		     const char *data, size_t len)
{
	int fd, r;

	snprintf(path, size, "/tmp/mlgate-test-csv-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	if (write(fd, data, len) != (ssize_t)len) {
		unlink(path);
		fail_msg("cannot write %s", path);
	}
	assert_int_equal(close(fd), 0);
	r = mlg_csv_open(csv, path, NULL);
	unlink(path);
	return r;
}

static void test_simple(void **state)
{
	static const char s[] = "a,b,c\n1,2,3\n4,5,6\n";
	struct mlg_csv *csv = open_str(s, 1);
	const struct mlg_row *row;

	assert_int_equal(mlg_csv_ncolumns(csv), 3);
	assert_string_equal(mlg_csv_column_name(csv, 0), "a");
	assert_string_equal(mlg_csv_column_name(csv, 2), "c");
	assert_int_equal(mlg_csv_bytes_read(csv), 6);
	row = next_row(csv, 1, 2, 6, 3);
	expect_field(row, 0, "1");
	expect_field(row, 1, "2");
	expect_field(row, 2, "3");
	assert_int_equal(mlg_csv_bytes_read(csv), 12);
	row = next_row(csv, 2, 3, 12, 3);
	expect_field(row, 0, "4");
	expect_field(row, 2, "6");
	expect_end(csv);
	assert_int_equal(mlg_csv_bytes_read(csv), sizeof(s) - 1);
	mlg_csv_free(csv);
}

static void test_simple_file(void **state)
{
	static const char s[] = "a,b\n1,\"x,y\"\r\n\n2,\n";
	char path[64];
	struct mlg_csv *csv = NULL;
	const struct mlg_row *row;

	assert_int_equal(open_temp(&csv, path, sizeof(path), s, sizeof(s) - 1), 0);
	assert_int_equal(mlg_csv_ncolumns(csv), 2);
	row = next_row(csv, 1, 2, 4, 2);
	expect_field(row, 0, "1");
	expect_field(row, 1, "x,y");
	row = next_row(csv, 2, 4, 14, 2);
	expect_field(row, 0, "2");
	expect_null(row, 1);
	expect_end(csv);
	assert_int_equal(mlg_csv_bytes_read(csv), sizeof(s) - 1);
	mlg_csv_free(csv);
}

static void test_quoted(void **state)
{
	struct mlg_csv *csv =
		open_str("name,desc\n\"x,y\",\"he said \"\"hi\"\"\"\n"
			 "\"\"\"\",plain\n", 1);
	const struct mlg_row *row;

	row = next_row(csv, 1, 2, 10, 2);
	expect_field(row, 0, "x,y");
	expect_field(row, 1, "he said \"hi\"");
	row = next_row(csv, 2, 3, 33, 2);
	expect_field(row, 0, "\"");
	expect_field(row, 1, "plain");
	expect_end(csv);
	mlg_csv_free(csv);
}

static void test_quote_inside_unquoted(void **state)
{
	struct mlg_csv *csv = open_str("a,b\nab\"c,d\"\n", 1);
	const struct mlg_row *row;

	row = next_row(csv, 1, 2, 4, 2);
	expect_field(row, 0, "ab\"c");
	expect_field(row, 1, "d\"");
	expect_end(csv);
	mlg_csv_free(csv);
}

static void test_embedded_newlines(void **state)
{
	struct mlg_csv *csv = open_str("a,b\n"
				       "\"l1\nl2\",x\n"
				       "\"c1\r\nc2\r\n\",y\n"
				       "\"r1\rr2\",v\n"
				       "z,w\n", 1);
	const struct mlg_row *row;

	row = next_row(csv, 1, 2, 4, 2);
	expect_field(row, 0, "l1\nl2");
	expect_field(row, 1, "x");
	row = next_row(csv, 2, 4, 14, 2);
	expect_field(row, 0, "c1\r\nc2\r\n");
	expect_field(row, 1, "y");
	row = next_row(csv, 3, 7, 27, 2);
	expect_field(row, 0, "r1\rr2");
	row = next_row(csv, 4, 9, 37, 2);
	expect_field(row, 0, "z");
	expect_field(row, 1, "w");
	expect_end(csv);
	mlg_csv_free(csv);
}

static void test_crlf(void **state)
{
	struct mlg_csv *csv = open_str("a,b\r\n1,2\r\n3,\"4\"\r\n", 1);
	const struct mlg_row *row;

	assert_string_equal(mlg_csv_column_name(csv, 1), "b");
	row = next_row(csv, 1, 2, 5, 2);
	expect_field(row, 0, "1");
	expect_field(row, 1, "2");
	row = next_row(csv, 2, 3, 10, 2);
	expect_field(row, 0, "3");
	expect_field(row, 1, "4");
	expect_end(csv);
	mlg_csv_free(csv);
}

static void test_lone_cr(void **state)
{
	struct mlg_csv *csv = open_str("a,b\r1,2\r\"3\",4\r5,6", 1);
	const struct mlg_row *row;

	assert_string_equal(mlg_csv_column_name(csv, 1), "b");
	row = next_row(csv, 1, 2, 4, 2);
	expect_field(row, 1, "2");
	row = next_row(csv, 2, 3, 8, 2);
	expect_field(row, 0, "3");
	expect_field(row, 1, "4");
	row = next_row(csv, 3, 4, 14, 2);
	expect_field(row, 0, "5");
	expect_field(row, 1, "6");
	expect_end(csv);
	mlg_csv_free(csv);
}

static void test_bom(void **state)
{
	struct mlg_csv *csv = open_str("\xef\xbb\xbfid,v\n1,2\n", 1);
	const struct mlg_row *row;

	assert_string_equal(mlg_csv_column_name(csv, 0), "id");
	assert_int_equal(mlg_csv_column_index(csv, "id"), 0);
	row = next_row(csv, 1, 2, 8, 2);
	expect_field(row, 0, "1");
	expect_end(csv);
	mlg_csv_free(csv);

	/* a BOM anywhere else is data */
	csv = open_str("a\n\xef\xbb\xbfx\n", 1);
	row = next_row(csv, 1, 2, 2, 1);
	expect_field(row, 0, "\xef\xbb\xbfx");
	mlg_csv_free(csv);
}

static void test_no_header(void **state)
{
	struct mlg_csv *csv = open_str("\n1,\"x\"\n3,4\n", 0);
	const struct mlg_row *row;

	assert_int_equal(mlg_csv_ncolumns(csv), 2);
	assert_string_equal(mlg_csv_column_name(csv, 0), "1");
	assert_string_equal(mlg_csv_column_name(csv, 1), "2");
	assert_null(mlg_csv_column_name(csv, 2));
	assert_int_equal(mlg_csv_column_index(csv, "2"), 1);
	row = next_row(csv, 1, 2, 1, 2);
	expect_field(row, 0, "1");
	expect_field(row, 1, "x");
	row = next_row(csv, 2, 3, 7, 2);
	expect_field(row, 0, "3");
	expect_field(row, 1, "4");
	expect_end(csv);
	mlg_csv_free(csv);

	/* more than nine columns get two-digit names */
	csv = open_str("a,b,c,d,e,f,g,h,i,j,k,l\n", 0);
	assert_int_equal(mlg_csv_ncolumns(csv), 12);
	assert_string_equal(mlg_csv_column_name(csv, 11), "12");
	row = next_row(csv, 1, 1, 0, 12);
	expect_field(row, 11, "l");
	expect_end(csv);
	mlg_csv_free(csv);
}

static void test_delimiters(void **state)
{
	struct mlg_csv_options opts = MLG_CSV_OPTIONS_INIT;
	static const char tsv[] = "a\tb\n\"x\ty\"\t,z\n";
	static const char psv[] = "a|b\n1|\n";
	static const char ssv[] = "a;b\n'x;y';'it''s'\n";
	struct mlg_csv *csv;
	const struct mlg_row *row;

	opts.delimiter = '\t';
	assert_int_equal(mlg_csv_open_mem(&csv, "t.tsv", tsv, sizeof(tsv) - 1,
					  &opts), 0);
	assert_string_equal(mlg_csv_column_name(csv, 1), "b");
	row = next_row(csv, 1, 2, 4, 2);
	expect_field(row, 0, "x\ty");
	expect_field(row, 1, ",z");
	expect_end(csv);
	mlg_csv_free(csv);

	opts.delimiter = '|';
	assert_int_equal(mlg_csv_open_mem(&csv, "t.psv", psv, sizeof(psv) - 1,
					  &opts), 0);
	row = next_row(csv, 1, 2, 4, 2);
	expect_field(row, 0, "1");
	expect_null(row, 1);
	expect_end(csv);
	mlg_csv_free(csv);

	opts.delimiter = ';';
	opts.quote = '\'';
	assert_int_equal(mlg_csv_open_mem(&csv, "t.csv", ssv, sizeof(ssv) - 1,
					  &opts), 0);
	row = next_row(csv, 1, 2, 4, 2);
	expect_field(row, 0, "x;y");
	expect_field(row, 1, "it's");
	expect_end(csv);
	mlg_csv_free(csv);
}

static void test_bad_options(void **state)
{
	struct mlg_csv_options opts = MLG_CSV_OPTIONS_INIT;
	struct mlg_csv *csv = (struct mlg_csv *)&opts;

	opts.delimiter = '"';
	assert_int_equal(mlg_csv_open_mem(&csv, "t.csv", "a\n", 2, &opts),
			 MLG_EINVALID);
	assert_null(csv);
	opts.delimiter = '\n';
	assert_int_equal(mlg_csv_open_mem(&csv, "t.csv", "a\n", 2, &opts),
			 MLG_EINVALID);
	opts = (struct mlg_csv_options)MLG_CSV_OPTIONS_INIT;
	opts.version = 99;
	assert_int_equal(mlg_csv_open_mem(&csv, "t.csv", "a\n", 2, &opts),
			 MLG_EINVALID);
	assert_string_equal(mlg_error_last(),
			    "'t.csv': unsupported csv options version 99");

	/* NULL options are the defaults */
	assert_int_equal(mlg_csv_open_mem(&csv, "t.csv", "a,b\n", 4, NULL), 0);
	assert_int_equal(mlg_csv_ncolumns(csv), 2);
	expect_end(csv);
	mlg_csv_free(csv);
}

static void test_ragged(void **state)
{
	struct mlg_csv *csv = open_str("a,b,c\n1,2,3\n\"x\ny\",2,3\n4,5\n6,7,8\n",
				       1);
	const struct mlg_row *row;

	next_row(csv, 1, 2, 6, 3);
	next_row(csv, 2, 3, 12, 3);
	expect_error(csv, MLG_EINVALID,
		     "'t.csv' row 3 (line 5, byte 22): expected 3 fields as "
		     "in the header, found 2");
	/* the bad record was consumed: reading goes on after it */
	row = next_row(csv, 4, 6, 26, 3);
	expect_field(row, 0, "6");
	expect_end(csv);
	mlg_csv_free(csv);

	csv = open_str("1,2\n3,4,5\n", 0);
	next_row(csv, 1, 1, 0, 2);
	expect_error(csv, MLG_EINVALID,
		     "'t.csv' row 2 (line 2, byte 4): expected 2 fields as "
		     "in the first record, found 3");
	expect_end(csv);
	mlg_csv_free(csv);
}

static void test_unclosed_quote(void **state)
{
	struct mlg_csv *csv = open_str("a,b\n1,2\n3,\"abc\nmore,\n", 1);

	next_row(csv, 1, 2, 4, 2);
	expect_error(csv, MLG_EINVALID,
		     "'t.csv' row 2 (line 3, byte 10): quoted field is not "
		     "closed before the end of the file");
	/* syntax errors are sticky */
	expect_error(csv, MLG_EINVALID,
		     "'t.csv' row 2 (line 3, byte 10): quoted field is not "
		     "closed before the end of the file");
	mlg_csv_free(csv);

	open_fails("a,\"b\n", 5, 1, MLG_EINVALID,
		   "'t.csv' header (line 1, byte 2): quoted field is not "
		   "closed before the end of the file");
	open_fails("\"", 1, 0, MLG_EINVALID,
		   "'t.csv' row 1 (line 1, byte 0): quoted field is not "
		   "closed before the end of the file");
}

static void test_after_closing_quote(void **state)
{
	struct mlg_csv *csv = open_str("a,b\n\"ab\"c,d\n", 1);

	expect_error(csv, MLG_EINVALID,
		     "'t.csv' row 1 (line 2, byte 8): unexpected character "
		     "'c' after a closing quote");
	mlg_csv_free(csv);

	csv = open_str("a,b\n1,2\n\"x\ny\",\"ab\" \n", 1);
	next_row(csv, 1, 2, 4, 2);
	expect_error(csv, MLG_EINVALID,
		     "'t.csv' row 2 (line 4, byte 18): unexpected character "
		     "' ' after a closing quote");
	mlg_csv_free(csv);

	csv = open_str("a\n\"ab\"\x01\n", 1);
	expect_error(csv, MLG_EINVALID,
		     "'t.csv' row 1 (line 2, byte 6): unexpected character "
		     "'\\x01' after a closing quote");
	mlg_csv_free(csv);

	open_fails("\"a\"b\n", 5, 1, MLG_EINVALID,
		   "'t.csv' header (line 1, byte 3): unexpected character "
		   "'b' after a closing quote");
}

static void test_empty(void **state)
{
	open_fails("", 0, 1, MLG_EINVALID,
		   "'t.csv' is empty: expected a header row");
	open_fails("", 0, 0, MLG_EINVALID,
		   "'t.csv' is empty: expected at least one record");
	open_fails("\xef\xbb\xbf", 3, 1, MLG_EINVALID,
		   "'t.csv' is empty: expected a header row");
	open_fails("\n\r\n\r\n", 5, 1, MLG_EINVALID,
		   "'t.csv' is empty: expected a header row");
	open_fails("\xef\xbb\xbf\n\n", 5, 0, MLG_EINVALID,
		   "'t.csv' is empty: expected at least one record");
}

static void test_empty_file(void **state)
{
	char path[64], msg[128];
	struct mlg_csv *csv = NULL;

	assert_int_equal(open_temp(&csv, path, sizeof(path), "", 0), MLG_EINVALID);
	assert_null(csv);
	snprintf(msg, sizeof(msg), "'%s' is empty: expected a header row", path);
	assert_string_equal(mlg_error_last(), msg);
}

static void test_header_only(void **state)
{
	struct mlg_csv *csv = open_str("x,y,,z\n", 1);

	assert_int_equal(mlg_csv_ncolumns(csv), 4);
	assert_string_equal(mlg_csv_column_name(csv, 0), "x");
	assert_string_equal(mlg_csv_column_name(csv, 1), "y");
	assert_string_equal(mlg_csv_column_name(csv, 2), "");
	expect_end(csv);
	mlg_csv_free(csv);

	csv = open_str("\"x\"", 1);
	assert_int_equal(mlg_csv_ncolumns(csv), 1);
	assert_string_equal(mlg_csv_column_name(csv, 0), "x");
	expect_end(csv);
	assert_int_equal(mlg_csv_bytes_read(csv), 3);
	mlg_csv_free(csv);
}

static void test_null_vs_quoted_empty(void **state)
{
	struct mlg_csv *csv = open_str("a,b,c\n,\"\",x\n\"\",,\n,,\"\"", 1);
	const struct mlg_row *row;

	row = next_row(csv, 1, 2, 6, 3);
	expect_null(row, 0);
	expect_field(row, 1, "");
	expect_field(row, 2, "x");
	row = next_row(csv, 2, 3, 12, 3);
	expect_field(row, 0, "");
	expect_null(row, 1);
	expect_null(row, 2);
	row = next_row(csv, 3, 4, 17, 3);
	expect_null(row, 0);
	expect_null(row, 1);
	expect_field(row, 2, "");
	expect_end(csv);
	mlg_csv_free(csv);
}

static void test_blank_lines(void **state)
{
	struct mlg_csv *csv = open_str("\na,b\n\n1,2\n\r\n\n3,4\n\n\n", 1);
	const struct mlg_row *row;

	assert_string_equal(mlg_csv_column_name(csv, 0), "a");
	row = next_row(csv, 1, 4, 6, 2);
	expect_field(row, 0, "1");
	row = next_row(csv, 2, 7, 13, 2);
	expect_field(row, 0, "3");
	expect_end(csv);
	mlg_csv_free(csv);

	/* one column: a blank line is still skipped, "" is a row */
	csv = open_str("a\n1\n\n\"\"\n", 1);
	row = next_row(csv, 1, 2, 2, 1);
	expect_field(row, 0, "1");
	row = next_row(csv, 2, 4, 5, 1);
	expect_field(row, 0, "");
	expect_end(csv);
	mlg_csv_free(csv);
}

static void test_no_trailing_newline(void **state)
{
	struct mlg_csv *csv = open_str("a,b\n1,2\n3,4", 1);
	const struct mlg_row *row;

	next_row(csv, 1, 2, 4, 2);
	row = next_row(csv, 2, 3, 8, 2);
	expect_field(row, 0, "3");
	expect_field(row, 1, "4");
	expect_end(csv);
	mlg_csv_free(csv);

	csv = open_str("a,b\n1,", 1);
	row = next_row(csv, 1, 2, 4, 2);
	expect_field(row, 0, "1");
	expect_null(row, 1);
	expect_end(csv);
	mlg_csv_free(csv);

	csv = open_str("a,b\n1,\"x\"\"\"", 1);
	row = next_row(csv, 1, 2, 4, 2);
	expect_field(row, 1, "x\"");
	expect_end(csv);
	mlg_csv_free(csv);
}

static void test_nul_byte(void **state)
{
	static const char s[] = "a,b\nx\0y,\"p\0\"\"q\"\n";
	struct mlg_csv *csv;
	const struct mlg_row *row;

	assert_int_equal(mlg_csv_open_mem(&csv, "t.csv", s, sizeof(s) - 1, NULL),
			 0);
	row = next_row(csv, 1, 2, 4, 2);
	assert_int_equal(row->fields[0].len, 3);
	assert_memory_equal(row->fields[0].data, "x\0y\0", 4);
	assert_int_equal(row->fields[1].len, 4);
	assert_memory_equal(row->fields[1].data, "p\0\"q\0", 5);
	expect_end(csv);
	mlg_csv_free(csv);
}

/* "h1,h2\n" then one record whose first field is BIG_FIELD bytes. */
static char *big_input(int quoted, size_t *len)
{
	size_t n = 6 + BIG_FIELD + 2 * quoted + 4, i;
	char *s = mlg_xmalloc(n + 1), *p = s;

	memcpy(p, "h1,h2\n", 6);
	p += 6;
	if (quoted)
		*p++ = '"';
	for (i = 0; i < BIG_FIELD; i++)
		p[i] = quoted && i % 1000 == 999 ? '\n' : 'a' + i % 26;
	p += BIG_FIELD;
	if (quoted)
		*p++ = '"';
	memcpy(p, ",z\n", 4);
	*len = n - 1;
	return s;
}

static void check_big(struct mlg_csv *csv, int quoted, const char *s)
{
	const struct mlg_row *row;

	row = next_row(csv, 1, 2, 6, 2);
	assert_int_equal(row->fields[0].len, BIG_FIELD);
	assert_memory_equal(row->fields[0].data, s + 6 + quoted, BIG_FIELD);
	assert_int_equal(row->fields[0].data[BIG_FIELD], '\0');
	expect_field(row, 1, "z");
	expect_end(csv);
}

static void test_long_field(void **state)
{
	struct mlg_csv *csv;
	char path[64];
	size_t len;
	int quoted;

	for (quoted = 0; quoted <= 1; quoted++) {
		char *s = big_input(quoted, &len);

		assert_int_equal(mlg_csv_open_mem(&csv, "t.csv", s, len, NULL), 0);
		check_big(csv, quoted, s);
		mlg_csv_free(csv);

		assert_int_equal(open_temp(&csv, path, sizeof(path), s, len), 0);
		check_big(csv, quoted, s);
		assert_int_equal(mlg_csv_bytes_read(csv), len);
		mlg_csv_free(csv);
		free(s);
	}
}

/*
 * Records crossing read-block boundaries. The block size is private to the
 * reader, so the file is long (a quoted field of ~1.3 MB, then ~1 MB of
 * short CRLF records) and is written with 0..7 bytes of padding in front:
 * whatever the block size, a boundary falls at every position of the
 * 7-byte pattern inside the quoted field (between the two quotes of "",
 * between CR and LF) and of the 8-byte records after it.
 */
#define PATTERN "a\"\"\r\nbc"      /* 7 bytes in the file */
#define PATTERN_DATA "a\"\r\nbc"   /* 6 bytes once unescaped */
#define NPATTERN 190000
#define NSHORT 130000

static char *boundary_input(size_t pad, size_t *len)
{
	size_t n = 4 + pad + 3 + 1 + NPATTERN * 7 + 9 + NSHORT * 8 + 7, i;
	char *s = mlg_xmalloc(n + 1), *p = s;

	p += snprintf(p, n + 1, "a,b\n");
	memset(p, 'p', pad);
	p += pad;
	p += snprintf(p, 4, ",x\n");
	*p++ = '"';
	for (i = 0; i < NPATTERN; i++, p += 7)
		memcpy(p, PATTERN, 7);
	memcpy(p, "\",tail\r\n\n", 9);
	p += 9;
	for (i = 0; i < NSHORT; i++, p += 8)
		memcpy(p, "1,\"2\"\r\n\r", 8);
	memcpy(p, "last,1", 7);
	p += 6;
	*len = (size_t)(p - s);
	assert_int_equal(*len, n - 1);
	return s;
}

static void check_boundary(struct mlg_csv *csv, size_t pad)
{
	const struct mlg_row *row;
	uint64_t off, line;
	size_t i;
	char *want = mlg_xmalloc(NPATTERN * 6);

	for (i = 0; i < NPATTERN; i++)
		memcpy(want + i * 6, PATTERN_DATA, 6);
	row = next_row(csv, 1, 2, 4, 2);
	assert_int_equal(row->fields[0].len, pad);
	assert_int_equal(row->fields[0].is_null, pad == 0);
	expect_field(row, 1, "x");
	row = next_row(csv, 2, 3, 4 + pad + 3, 2);
	assert_int_equal(row->fields[0].len, NPATTERN * 6);
	assert_memory_equal(row->fields[0].data, want, NPATTERN * 6);
	expect_field(row, 1, "tail");
	free(want);

	/* "1,"2"CRLF CR": each record then one blank line (the lone CR) */
	off = 4 + pad + 3 + 1 + NPATTERN * 7 + 9;
	line = 3 + NPATTERN + 2;
	for (i = 0; i < NSHORT; i++) {
		row = next_row(csv, 3 + i, line, off, 2);
		expect_field(row, 0, "1");
		expect_field(row, 1, "2");
		off += 8;
		line += 2;
	}
	row = next_row(csv, 3 + NSHORT, line, off, 2);
	expect_field(row, 0, "last");
	expect_end(csv);
	assert_int_equal(mlg_csv_bytes_read(csv), off + 6);
}

static void test_block_boundary(void **state)
{
	struct mlg_csv *csv;
	char path[64];
	size_t pad, len;

	for (pad = 0; pad < 8; pad++) {
		char *s = boundary_input(pad, &len);

		assert_int_equal(open_temp(&csv, path, sizeof(path), s, len), 0);
		check_boundary(csv, pad);
		mlg_csv_free(csv);

		if (pad == 0) {
			/* the same bytes from memory read the same */
			assert_int_equal(mlg_csv_open_mem(&csv, "m.csv", s, len,
							  NULL), 0);
			check_boundary(csv, pad);
			mlg_csv_free(csv);
		}
		free(s);
	}
}

/*
 * The same bytes from a file read 3 to 9 bytes at a time (names and
 * escapes cut between reads) fail with the same message as from memory,
 * where "t.csv" is the file's name.
 */
static void open_fails_everywhere(const char *s, size_t len, const char *msg)
{
	char path[64], want[1024];
	struct mlg_csv *csv;
	const char *at = strstr(msg, "'t.csv'");

	open_fails(s, len, 1, MLG_EINVALID, msg);
	assert_non_null(at);
	for (size_t block = 3; block <= 9; block++) {
		mlg_csv__set_block_size(block);
		assert_int_equal(open_temp(&csv, path, sizeof(path), s, len), MLG_EINVALID);
		mlg_csv__set_block_size(0);
		assert_null(csv);
		snprintf(want, sizeof(want), "%.*s'%s'%s", (int)(at - msg), msg, path, at + 7);
		assert_string_equal(mlg_error_last(), want);
	}
}

/*
 * Column names must be text as cells are: no NUL byte ("na\0me" answered
 * to "na"), valid UTF-8; each named with the header's line and the byte's
 * offset in the file.
 */
static void test_header_not_text(void **state)
{
	static const char nul[] = "id,na\0me\n1,a\n";
	static const char quoted_nul[] = "id,\"x\"\"\ny\0\"\n1,a\n";
	static const char bad[] = "id,na\xffme\n1,a\n";
	static const char overlong[] = "id,na\xc0\x80me\n1,a\n";
	static const char surrogate[] = "\xef\xbb\xbf" "id,\"\xed\xa0\x80\"\n1,a\n";
	static const char cut[] = "id,n\xe2\x82";
	struct mlg_csv *csv;

	(void)state;
	open_fails_everywhere(nul, sizeof(nul) - 1,
			      "'t.csv' header (line 1, byte 5): a NUL byte in the name of column 2");
	/* after a doubled quote and a line break inside the quotes */
	open_fails_everywhere(quoted_nul, sizeof(quoted_nul) - 1,
			      "'t.csv' header (line 2, byte 9): a NUL byte in the name of column 2");
	open_fails_everywhere(bad, sizeof(bad) - 1,
			      "'t.csv' header (line 1, byte 5): invalid UTF-8 in the name of column 2");
	open_fails_everywhere(overlong, sizeof(overlong) - 1,
			      "'t.csv' header (line 1, byte 5): invalid UTF-8 in the name of column 2");
	open_fails_everywhere(surrogate, sizeof(surrogate) - 1,
			      "'t.csv' header (line 1, byte 7): invalid UTF-8 in the name of column 2");
	open_fails_everywhere(cut, sizeof(cut) - 1,
			      "'t.csv' header (line 1, byte 4): invalid UTF-8 in the name of column 2");

	/* valid UTF-8 names are kept; without a header the first record is data (the scan checks it) */
	csv = open_str("id,\"n\xc3\xa9\"\"e\",\xf0\x9f\x98\x80\n", 1);
	assert_string_equal(mlg_csv_column_name(csv, 1), "n\xc3\xa9\"e");
	assert_string_equal(mlg_csv_column_name(csv, 2), "\xf0\x9f\x98\x80");
	mlg_csv_free(csv);
	assert_int_equal(mlg_csv_open_mem(&csv, "t.csv", nul, sizeof(nul) - 1, NULL), MLG_EINVALID);
	csv = open_str("a\xff,b\n", 0);
	assert_string_equal(mlg_csv_column_name(csv, 0), "1");
	mlg_csv_free(csv);
}

/* A UTF-16 file is named as such, with the way to convert it. */
static void test_header_utf16(void **state)
{
	static const char le_bom[] = "\xff\xfei\0d\0,\0n\0\n\0" "1\0,\0a\0\n\0";
	static const char be_bom[] = "\xfe\xff\0i\0d\0,\0n\0\n\0" "1\0,\0a\0\n";
	static const char le[] = "i\0d\0,\0n\0a\0m\0e\0\n\0" "1\0,\0a\0\n\0";
	static const char bom_cjk[] = "\xff\xfe\x2d\x4e\x87\x65\n";
	struct mlg_csv_options opts = MLG_CSV_OPTIONS_INIT;
	struct mlg_csv *csv;

	(void)state;
	open_fails_everywhere(le_bom, sizeof(le_bom) - 1,
			      "'t.csv' header (line 1, byte 3): NUL bytes: the file looks like UTF-16 (it begins with the byte order mark FF FE): convert it to UTF-8, e.g. with iconv -f UTF-16 -t UTF-8");
	open_fails_everywhere(be_bom, sizeof(be_bom) - 1,
			      "'t.csv' header (line 1, byte 2): NUL bytes: the file looks like UTF-16 (it begins with the byte order mark FE FF): convert it to UTF-8, e.g. with iconv -f UTF-16 -t UTF-8");
	open_fails_everywhere(le, sizeof(le) - 1,
			      "'t.csv' header (line 1, byte 1): NUL bytes: the file looks like UTF-16 (7 of the 13 bytes of its column names are NUL): convert it to UTF-8, e.g. with iconv -f UTF-16 -t UTF-8");
	/* no NUL byte (CJK text), but the byte order mark says it */
	open_fails_everywhere(bom_cjk, sizeof(bom_cjk) - 1,
			      "'t.csv' header (line 1, byte 0): invalid UTF-8: the file looks like UTF-16 (it begins with the byte order mark FF FE): convert it to UTF-8, e.g. with iconv -f UTF-16 -t UTF-8");
	/* without a header too */
	opts.header = 0;
	assert_int_equal(mlg_csv_open_mem(&csv, "t.csv", le_bom, sizeof(le_bom) - 1, &opts),
			 MLG_EINVALID);
	assert_null(csv);
	assert_string_equal(mlg_error_last(),
			    "'t.csv' row 1 (line 1, byte 0): invalid UTF-8: the file looks like UTF-16 (it begins with the byte order mark FF FE): convert it to UTF-8, e.g. with iconv -f UTF-16 -t UTF-8");
}

/*
 * A name given twice is an error (every check would read the first): the
 * first repeat in file order, with both columns; empty names too; names
 * that differ in case or by a byte are distinct.
 */
static void test_header_duplicates(void **state)
{
	static const char cut[] = "a,\"b\nb\",c,\"b\nb\"\n";
	struct mlg_csv *csv;
	char *many = mlg_xmalloc(10000 * 8 + 16), *p = many;

	(void)state;
	open_fails_everywhere("a,a\n1,9\n", 8,
			      "'t.csv' header (line 1, byte 2): column 'a' appears twice (columns 1 and 2): every check would read the first");
	open_fails_everywhere("x,b,\"a\",c,b,a\n", 14,
			      "'t.csv' header (line 1, byte 10): column 'b' appears twice (columns 2 and 5): every check would read the first");
	open_fails_everywhere("a,,b,\n", 6,
			      "'t.csv' header (line 1, byte 5): column '' appears twice (columns 2 and 4): every check would read the first");
	/* a line break in a name is shown escaped, at the line the repeat starts on */
	open_fails_everywhere(cut, sizeof(cut) - 1,
			      "'t.csv' header (line 2, byte 11): column 'b\\nb' appears twice (columns 2 and 4): every check would read the first");
	csv = open_str("a,A,a \n", 1);
	assert_int_equal(mlg_csv_ncolumns(csv), 3);
	mlg_csv_free(csv);
	/* 10,000 distinct names, then one repeat at the end */
	for (int i = 0; i < 10000; i++)
		p += sprintf(p, "%sc%d", i ? "," : "", i);
	strcpy(p, "\n");
	csv = open_str(many, 1);
	assert_int_equal(mlg_csv_ncolumns(csv), 10000);
	mlg_csv_free(csv);
	strcpy(p, ",c5000\n");
	assert_int_equal(mlg_csv_open_mem(&csv, "t.csv", many, strlen(many), NULL), MLG_EINVALID);
	assert_non_null(strstr(mlg_error_last(), "column 'c5000' appears twice (columns 5001 and 10001)"));
	free(many);
}

static void test_column_index(void **state)
{
	struct mlg_csv *csv = open_str("id,name,,Name,Id\n", 1);

	assert_int_equal(mlg_csv_column_index(csv, "id"), 0);
	assert_int_equal(mlg_csv_column_index(csv, "Id"), 4);
	assert_int_equal(mlg_csv_column_index(csv, "name"), 1);
	assert_int_equal(mlg_csv_column_index(csv, ""), 2);
	assert_int_equal(mlg_csv_column_index(csv, "missing"), -1);
	assert_int_equal(mlg_csv_column_index(csv, "nam"), -1);
	assert_string_equal(mlg_csv_column_name(csv, 3), "Name");
	assert_null(mlg_csv_column_name(csv, 5));
	mlg_csv_free(csv);

	csv = open_str("\"a,b\",\"c\"\"d\"\n", 1);
	assert_int_equal(mlg_csv_column_index(csv, "a,b"), 0);
	assert_int_equal(mlg_csv_column_index(csv, "c\"d"), 1);
	mlg_csv_free(csv);
}

static void test_missing_file(void **state)
{
	struct mlg_csv *csv = (struct mlg_csv *)&csv;

	assert_int_equal(mlg_csv_open(&csv, "/nonexistent/mlgate/x.csv", NULL),
			 MLG_ENOTFOUND);
	assert_null(csv);
	assert_string_equal(mlg_error_last(),
			    "cannot open '/nonexistent/mlgate/x.csv': No such "
			    "file or directory");
}

static void test_read_error(void **state)
{
	struct mlg_csv *csv = NULL;

	assert_int_equal(mlg_csv_open(&csv, "/tmp", NULL), MLG_ERROR);
	assert_null(csv);
	assert_string_equal(mlg_error_last(),
			    "cannot read '/tmp': Is a directory");
}

static void test_free_null(void **state)
{
	mlg_csv_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_simple_file),
		cmocka_unit_test(test_quoted),
		cmocka_unit_test(test_quote_inside_unquoted),
		cmocka_unit_test(test_embedded_newlines),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_lone_cr),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_no_header),
		cmocka_unit_test(test_delimiters),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_ragged),
		cmocka_unit_test(test_unclosed_quote),
		cmocka_unit_test(test_after_closing_quote),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_header_only),
		cmocka_unit_test(test_null_vs_quoted_empty),
		cmocka_unit_test(test_blank_lines),
		cmocka_unit_test(test_no_trailing_newline),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_long_field),
		cmocka_unit_test(test_block_boundary),
		cmocka_unit_test(test_column_index),
		cmocka_unit_test(test_header_not_text),
		cmocka_unit_test(test_header_utf16),
		cmocka_unit_test(test_header_duplicates),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_read_error),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
