/*
 * The scan engine's CSV tokenizer against the foundation's streaming
 * reader: on random RFC 4180 input both must see the same rows and cells,
 * through the AVX2 and the portable paths alike, whole or cut into parts
 * at the boundaries the engine would choose.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mlgate/csv.h"
#include "reader.h"
#include "text.h"
#include "util.h"

static uint64_t rng = 1;

static uint64_t next_random(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A random CSV of `rows` records of `cols` fields, with a header. */
static char *random_csv(size_t rows, size_t cols, int quotes, size_t *len)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;

	for (size_t c = 0; c < cols; c++)
		mlg_strbuf_addf(&sb, "%sc%zu", c ? "," : "", c);
	mlg_strbuf_addstr(&sb, "\n");
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < cols; c++) {
			uint64_t x = next_random();
			size_t n = x % 90; /* long fields cross the 64-byte blocks */

			if (c)
				mlg_strbuf_addch(&sb, ',');
			if (x % 7 == 0)
				continue; /* null */
			if (quotes && x % 5 == 0) {
				mlg_strbuf_addch(&sb, '"');
				for (size_t i = 0; i < n % 20; i++) {
					uint64_t y = next_random() % 12;

					mlg_strbuf_addstr(&sb, y == 0 ? "\"\"" : y == 1 ? "\n" : y == 2 ? "\r\n"
							       : y == 3 ? "," : "q");
				}
				mlg_strbuf_addch(&sb, '"');
				continue;
			}
			for (size_t i = 0; i < n; i++)
				mlg_strbuf_addch(&sb, 'a' + (int)(next_random() % 26));
		}
		switch (next_random() % 8) {
		case 0:
			mlg_strbuf_addstr(&sb, "\r\n");
			break;
		case 1:
			mlg_strbuf_addstr(&sb, "\n\n"); /* a blank line */
			break;
		case 2:
			mlg_strbuf_addstr(&sb, "\r");
			break;
		default:
			mlg_strbuf_addstr(&sb, "\n");
		}
	}
	*len = sb.len;
	return mlg_strbuf_detach(&sb);
}

/* Rows seen by the tokenizer, flattened: "cell|cell|...\n" with nulls as \x01. */
struct collected {
	struct mlg_strbuf text;
	size_t ncols;
};

static int collect(void *payload, struct mlg_batch *batch)
{
	struct collected *c = payload;

	for (size_t r = 0; r < batch->nrows; r++) {
		for (size_t col = 0; col < c->ncols; col++) {
			const struct mlg_cell *cell = &mlg_batch_cells(batch, col)[r];

			if (cell->is_null)
				mlg_strbuf_addch(&c->text, 1);
			else
				mlg_strbuf_add(&c->text, cell->data, cell->len);
			mlg_strbuf_addch(&c->text, '|');
		}
		mlg_strbuf_addch(&c->text, '\n');
	}
	return 0;
}

/* The same through the foundation reader. */
static char *reference(const char *data, size_t len, size_t *ncols, uint64_t *start,
		       uint64_t *first_line)
{
	struct mlg_csv *csv;
	const struct mlg_row *row;
	struct mlg_strbuf sb = MLG_STRBUF_INIT;

	assert_int_equal(mlg_csv_open_mem(&csv, "t.csv", data, len, NULL), 0);
	*ncols = mlg_csv_ncolumns(csv);
	mlg_csv_data_start(csv, start, first_line);
	while (mlg_csv_next(csv, &row) > 0) {
		for (size_t c = 0; c < row->nfields; c++) {
			if (row->fields[c].is_null)
				mlg_strbuf_addch(&sb, 1);
			else
				mlg_strbuf_add(&sb, row->fields[c].data, row->fields[c].len);
			mlg_strbuf_addch(&sb, '|');
		}
		mlg_strbuf_addch(&sb, '\n');
	}
	mlg_csv_free(csv);
	return mlg_strbuf_detach(&sb);
}

/* Tokenizes data cut into `nparts` the way the engine cuts it. */
static char *tokenize(const char *data, size_t len, size_t ncols, size_t start, size_t nparts,
		      uint64_t *rows)
{
	struct mlg_csv_dialect d = { ',', '"', ncols, 1 };
	uint8_t *used = mlg_xcalloc(ncols, 1);
	struct collected c = { MLG_STRBUF_INIT, ncols };
	size_t *cut = mlg_xcalloc(nparts + 1, sizeof(size_t));
	uint64_t quotes = 0;

	memset(used, 1, ncols);
	cut[0] = start;
	cut[nparts] = len;
	for (size_t i = 1; i < nparts; i++) {
		size_t nominal = start + (len - start) * i / nparts;

		quotes += mlg_csvscan_count_quotes('"', data, start + (len - start) * (i - 1) / nparts,
						   nominal);
		cut[i] = mlg_csvscan_boundary(&d, data, len, nominal, (int)(quotes & 1));
		if (cut[i] < cut[i - 1])
			cut[i] = cut[i - 1];
	}
	*rows = 0;
	for (size_t i = 0; i < nparts; i++) {
		struct mlg_batch_impl b;
		struct mlg_part_result res;
		size_t end;

		memset(&res, 0, sizeof(res));
		mlg_batch__init(&b, ncols, used, 7, NULL, NULL);
		mlg_batch__reset(&b, 1);
		end = mlg_csvscan(&d, data, len, cut[i], cut[i + 1], 1, 0, &b, collect, &c, &res);
		assert_int_equal(res.error, 0);
		assert_int_equal(end, cut[i + 1]);
		*rows += res.nrows;
		mlg_batch__release(&b);
	}
	free(cut);
	free(used);
	return mlg_strbuf_detach(&c.text);
}

static void same_as_reference(int generic, int quotes)
{
	for (int round = 0; round < 30; round++) {
		size_t len, ncols;
		uint64_t start, line, rows;
		char *data = random_csv(50 + (size_t)round * 37, 1 + (size_t)round % 6, quotes, &len);
		char *want = reference(data, len, &ncols, &start, &line);

		mlg_csvscan_force_generic(generic);
		for (size_t parts = 1; parts <= 8; parts++) {
			char *got = tokenize(data, len, ncols, (size_t)start, parts, &rows);

			assert_string_equal(got, want);
			free(got);
		}
		mlg_csvscan_force_generic(-1);
		free(want);
		free(data);
	}
}

static void test_avx2_plain(void **state)
{
	same_as_reference(0, 0);
}

static void test_avx2_quoted(void **state)
{
	same_as_reference(0, 1);
}

static void test_generic_plain(void **state)
{
	same_as_reference(1, 0);
}

static void test_generic_quoted(void **state)
{
	same_as_reference(1, 1);
}

/* Errors carry the row, the line breaks before the record and the byte. */
static void expect_error(const char *data, uint64_t row, uint64_t lines, uint64_t offset,
			 const char *text)
{
	struct mlg_csv_dialect d = { ',', '"', 2, 1 };
	uint8_t used[2] = { 1, 1 };
	struct collected c = { MLG_STRBUF_INIT, 2 };
	struct mlg_batch_impl b;
	struct mlg_part_result res;
	size_t len = strlen(data);

	for (int generic = 0; generic < 2; generic++) {
		memset(&res, 0, sizeof(res));
		mlg_csvscan_force_generic(generic);
		mlg_batch__init(&b, 2, used, 4, NULL, NULL);
		mlg_batch__reset(&b, 1);
		mlg_csvscan(&d, data, len, 4, len, 1, 0, &b, collect, &c, &res);
		assert_int_equal(res.error, -1);
		assert_int_equal(res.err_row, row);
		assert_int_equal(res.err_line, lines);
		assert_int_equal(res.err_offset, offset);
		assert_string_equal(res.err_text, text);
		free(res.err_text);
		mlg_batch__release(&b);
	}
	mlg_csvscan_force_generic(-1);
	mlg_strbuf_release(&c.text);
}

static void test_errors(void **state)
{
	expect_error("a,b\n1,2\n3\n", 2, 1, 8, "expected 2 fields as in the header, found 1");
	expect_error("a,b\n1,2,3\n", 1, 0, 4, "expected 2 fields as in the header, found 3");
	expect_error("a,b\n1,\"x\ny\"z\n", 1, 1, 11, "unexpected character 'z' after a closing quote");
	expect_error("a,b\n\n1,\"x\n", 1, 1, 7, "quoted field is not closed before the end of the file");
}

/* Incomplete input: a record cut by the end of the buffer is left for later. */
static void test_incomplete(void **state)
{
	const char *data = "a,b\n1,2\n3,4";
	struct mlg_csv_dialect d = { ',', '"', 2, 1 };
	uint8_t used[2] = { 1, 1 };
	struct collected c = { MLG_STRBUF_INIT, 2 };
	struct mlg_batch_impl b;
	struct mlg_part_result res;
	size_t end;

	memset(&res, 0, sizeof(res));
	mlg_batch__init(&b, 2, used, 4, NULL, NULL);
	mlg_batch__reset(&b, 1);
	end = mlg_csvscan(&d, data, strlen(data), 4, (size_t)-1, 0, 0, &b, collect, &c, &res);
	assert_int_equal(end, 8);
	assert_int_equal(res.nrows, 1);
	end = mlg_csvscan(&d, data, strlen(data), end, (size_t)-1, 1, 0, &b, collect, &c, &res);
	assert_int_equal(end, strlen(data));
	assert_int_equal(res.nrows, 2);
	assert_string_equal(c.text.buf, "1|2|\n3|4|\n");
	mlg_batch__release(&b);
	mlg_strbuf_release(&c.text);
}

/* null_values: unquoted tokens only. */
static void test_null_tokens(void **state)
{
	const char *data = "a,b\nNA,\"NA\"\n";
	const char *tokens[] = { "NA" };
	size_t lens[] = { 2 };
	struct mlg_null_tokens nulls = { tokens, lens, 1 };
	struct mlg_csv_dialect d = { ',', '"', 2, 1 };
	uint8_t used[2] = { 1, 1 };
	struct collected c = { MLG_STRBUF_INIT, 2 };
	struct mlg_batch_impl b;
	struct mlg_part_result res;

	memset(&res, 0, sizeof(res));
	mlg_batch__init(&b, 2, used, 4, &nulls, NULL);
	mlg_batch__reset(&b, 1);
	mlg_csvscan(&d, data, strlen(data), 4, (size_t)-1, 1, 0, &b, collect, &c, &res);
	assert_string_equal(c.text.buf, "\001|NA|\n");
	mlg_batch__release(&b);
	mlg_strbuf_release(&c.text);
}


/*
 * The scan's check of CSV bytes: the first NUL or invalid UTF-8 byte, what
 * mlg_utf8_find_invalid() and memchr() find one after the other, through
 * the AVX2 and the portable paths, wherever it lies in the 32- and 8-byte
 * blocks.
 */
static void test_nul_or_invalid(void **state)
{
	static const unsigned char alphabet[] = { 'a', ',', '\n', 0, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xff };
	char buf[300];

	(void)state;
	for (int generic = 0; generic < 2; generic++) {
		mlg_csvscan_force_generic(generic);
		for (int round = 0; round < 20000; round++) {
			size_t n = next_random() % sizeof(buf), from = n ? next_random() % n : 0;
			size_t want, got;
			const char *nul;

			/* mostly ASCII, so that long runs reach the block loops */
			for (size_t i = 0; i < n; i++)
				buf[i] = next_random() % 64 ? 'a' + (char)(i % 26)
							    : (char)alphabet[next_random() % sizeof(alphabet)];
			want = mlg_utf8_find_invalid(buf, from, n);
			nul = memchr(buf + from, 0, n - from);
			if (nul && (size_t)(nul - buf) < want)
				want = (size_t)(nul - buf);
			got = mlg_utf8_find_invalid_or_nul(buf, from, n);
			assert_int_equal(got, want);
		}
		for (size_t at = 0; at < 100; at++) {
			memset(buf, 'x', 100);
			buf[at] = '\0';
			assert_int_equal(mlg_utf8_find_invalid_or_nul(buf, 0, 100), at);
			assert_int_equal(mlg_utf8_find_invalid(buf, 0, 100), 100);
		}
	}
	mlg_csvscan_force_generic(-1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_avx2_plain),
		cmocka_unit_test(test_avx2_quoted),
		cmocka_unit_test(test_generic_plain),
		cmocka_unit_test(test_generic_quoted),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_null_tokens),
		cmocka_unit_test(test_nul_or_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
