/*
 * libFuzzer target for the CSV readers: the streaming reader
 * (runner/csv.c, include/mlgate/csv.h) from memory and from a file (a
 * memfd, so nothing is written to disk, read a few bytes at a time so
 * that records span reads), and the scan engine's tokenizer
 * (runner/csvscan.c) through its AVX2 and portable paths, whole and cut
 * into parts at the boundaries the engine would choose.
 *
 * Both readers implement one format, so they are checked against each
 * other: the same rows and cells up to the first bad record (the
 * tokenizer does not hand over the unfinished batch of a part that stops
 * at an error), an error in one exactly when there is one in the other, and on a file without
 * errors the same rows however it is cut (unless a part visibly ends
 * off its cut, which makes the engine read the file again whole). The memory and file readers
 * must agree to the byte, messages included. A disagreement is an abort().
 *
 * A first byte from 0x10 to 0x1f picks the dialect (delimiter , \t ; |,
 * quote " or ', header or not) and is not part of the CSV; any other first
 * byte is CSV read with the defaults. Typed parsing of the cells
 * (mlg_batch_typed) is checked on the batches of one of the scans.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "csv_internal.h"
#include "mlgate/csv.h"
#include "mlgate/error.h"
#include "mlgate/value.h"
#include "reader.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Rows flattened as "cell|cell|...\n", a null cell as \x01. */
struct collected {
	struct mlg_strbuf text;
	size_t ncols;
	uint64_t rows;
	int typed;          /* check typed parsing too (once per input is enough) */
};

static void add_cell(struct mlg_strbuf *sb, const char *data, size_t len, int is_null)
{
	if (is_null)
		mlg_strbuf_addch(sb, 1);
	else
		mlg_strbuf_add(sb, data, len);
	mlg_strbuf_addch(sb, '|');
}

static int collect(void *payload, struct mlg_batch *batch)
{
	struct collected *c = payload;

	if (!batch->nrows || batch->first_row != c->rows + 1)
		abort(); /* batches are never empty and number on */
	for (size_t r = 0; r < batch->nrows; r++) {
		for (size_t col = 0; col < c->ncols; col++) {
			const struct mlg_cell *cell = &mlg_batch_cells(batch, col)[r];

			if (cell->is_null && cell->len)
				abort();
			add_cell(&c->text, cell->data, cell->len, (int)cell->is_null);
		}
		mlg_strbuf_addch(&c->text, '\n');
	}
	/* Typed parsing: statuses must agree with the cells. */
	for (size_t col = 0; c->typed && col < c->ncols; col++) {
		for (int t = MLG_TYPE_STRING; t <= MLG_TYPE_TIMESTAMP; t++) {
			const uint8_t *status = NULL;

			mlg_batch_typed(batch, col, (enum mlg_type)t, &status);
			for (size_t r = 0; status && r < batch->nrows; r++) {
				const struct mlg_cell *cell = &mlg_batch_cells(batch, col)[r];
				int ok = mlg_parse_as((enum mlg_type)t, cell->data, cell->len) == 0;

				if (status[r] != (cell->is_null ? MLG_VALUE_NULL : ok ? MLG_VALUE_OK : MLG_VALUE_BAD))
					abort();
			}
		}
	}
	c->rows += batch->nrows;
	return 0;
}

struct reading {
	char *text;         /* rows as collected above, up to the first error */
	int error;          /* the first error's code, 0 when none */
	char *message;      /* its message */
	uint64_t rows;
	size_t ncols;
	uint64_t start, first_line;
};

static void reading_release(struct reading *r)
{
	free(r->text);
	free(r->message);
}

/* Every record through an open reader, stopping at the first error. */
static void read_all(struct mlg_csv *csv, struct reading *out)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	const struct mlg_row *row;
	int rc;

	out->ncols = mlg_csv_ncolumns(csv);
	mlg_csv_data_start(csv, &out->start, &out->first_line);
	for (size_t i = 0; i < out->ncols; i++) {
		const char *name = mlg_csv_column_name(csv, i);
		long at = mlg_csv_column_index(csv, name);

		if (!name || at < 0 || (size_t)at > i)
			abort(); /* the first column of that name */
	}
	if (mlg_csv_column_name(csv, out->ncols))
		abort();
	while ((rc = mlg_csv_next(csv, &row)) > 0) {
		if (row->nfields != out->ncols || row->number != out->rows + 1)
			abort();
		for (size_t c = 0; c < row->nfields; c++) {
			if (row->fields[c].data[row->fields[c].len] != '\0')
				abort(); /* cells are NUL-terminated */
			add_cell(&sb, row->fields[c].data, row->fields[c].len, row->fields[c].is_null);
		}
		mlg_strbuf_addch(&sb, '\n');
		out->rows++;
	}
	if (rc < 0) {
		if (!*mlg_error_last())
			abort();
		out->error = rc;
		out->message = mlg_xstrdup(mlg_error_last());
	}
	out->text = mlg_strbuf_detach(&sb);
}

/* The reader over memory; -1 when it refuses the header. */
static int read_mem(const char *buf, size_t len, const struct mlg_csv_options *o, struct reading *out)
{
	struct mlg_csv *csv;
	int rc = mlg_csv_open_mem(&csv, "fuzz.csv", buf, len, o);

	memset(out, 0, sizeof(*out));
	if (rc < 0) {
		if (csv || !*mlg_error_last())
			abort();
		out->error = rc;
		out->message = mlg_xstrdup(mlg_error_last());
		return -1;
	}
	read_all(csv, out);
	mlg_csv_free(csv);
	return 0;
}

/* The same bytes through the file reader, from a memfd; NULL text if memfd is not available. */
static void read_file(const char *buf, size_t len, const struct mlg_csv_options *o, struct reading *out)
{
	int fd = memfd_create("fuzz.csv", MFD_CLOEXEC);
	char path[64];
	struct mlg_csv *csv;
	int rc;

	memset(out, 0, sizeof(*out));
	if (fd < 0)
		return;
	if (len && write(fd, buf, len) != (ssize_t)len) {
		close(fd);
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	/* Reads of 3 to 31 bytes: records, CRLFs, "" and the BOM fall across them. */
	mlg_csv__set_block_size(3 + len % 29);
	rc = mlg_csv_open(&csv, path, o);
	mlg_csv__set_block_size(0);
	close(fd);
	if (rc < 0) {
		out->error = rc;
		out->message = mlg_xstrdup(mlg_error_last());
		out->text = mlg_xstrdup("");
		return;
	}
	read_all(csv, out);
	mlg_csv_free(csv);
}

/* The message of the file reader names /proc/self/fd/N: compare what follows the name. */
static const char *after_name(const char *msg)
{
	const char *q = strstr(msg, "' ");

	if (!q)
		q = strstr(msg, "':");
	return q ? q : msg;
}

/*
 * The tokenizer over buf from the data start, cut into `nparts` as the
 * engine cuts it. Returns the rows; *error is the first part's error.
 */
static char *scan(const char *buf, size_t len, const struct mlg_csv_options *o, const struct reading *ref,
		  size_t nparts, size_t cap, int typed, int *error, uint64_t *rows, int *misaligned)
{
	struct mlg_csv_dialect d = { o->delimiter, o->quote, ref->ncols, o->header };
	uint8_t *used = mlg_xcalloc(ref->ncols, 1);
	struct collected c = { MLG_STRBUF_INIT, ref->ncols, 0, typed };
	size_t *cut = mlg_xcalloc(nparts + 1, sizeof(size_t));
	size_t start = (size_t)ref->start;
	uint64_t quotes = 0;

	memset(used, 1, ref->ncols);
	cut[0] = start;
	cut[nparts] = len;
	for (size_t i = 1; i < nparts; i++) {
		size_t nominal = start + (len - start) * i / nparts;

		quotes += mlg_csvscan_count_quotes(o->quote, buf, start + (len - start) * (i - 1) / nparts,
						   nominal);
		cut[i] = mlg_csvscan_boundary(&d, buf, len, nominal, (int)(quotes & 1));
		if (cut[i] < cut[i - 1])
			cut[i] = cut[i - 1];
		if (cut[i] > len)
			abort();
	}
	*error = 0;
	*misaligned = 0;
	for (size_t i = 0; i < nparts && !*error && !*misaligned; i++) {
		struct mlg_batch_impl b;
		struct mlg_part_result res;
		size_t end;

		memset(&res, 0, sizeof(res));
		mlg_batch__init(&b, ref->ncols, used, cap, NULL, NULL);
		mlg_batch__reset(&b, 1);
		c.rows = 0;
		end = mlg_csvscan(&d, buf, len, cut[i], cut[i + 1], 1, 0, &b, collect, &c, &res);
		/* On an error the rows of the unfinished batch are not handed over. */
		if (end > len || (res.error ? c.rows > res.nrows : res.nrows != c.rows))
			abort();
		if (res.error) {
			if (!res.err_text || !*res.err_text || res.err_offset > len)
				abort();
			*error = res.error;
		} else if (res.err_text) {
			abort();
		} else if (i + 1 < nparts && end != cut[i + 1]) {
			/* A stray quote in an unquoted field fooled the parity, so
			 * the cut is no record boundary: the engine sees the part
			 * end elsewhere and reads the file again in one part. */
			*misaligned = 1;
		}
		*rows += res.nrows;
		free(res.err_text);
		mlg_batch__release(&b);
	}
	free(cut);
	free(used);
	return mlg_strbuf_detach(&c.text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char delims[] = { ',', '\t', ';', '|' }, quotes[] = { '"', '\'' };
	struct mlg_csv_options o = MLG_CSV_OPTIONS_INIT;
	const char *buf = (const char *)data;
	struct reading mem, file;
	size_t len = size;

	if (len && data[0] >= 0x10 && data[0] <= 0x1f) {
		unsigned pick = data[0] - 0x10u;

		o.delimiter = delims[pick & 3];
		o.quote = quotes[(pick >> 2) & 1];
		o.header = !(pick & 8);
		buf++;
		len--;
	}

	read_mem(buf, len, &o, &mem);
	read_file(buf, len, &o, &file);
	if (file.text || file.error) {
		if (mem.error != file.error || mem.rows != file.rows || mem.ncols != file.ncols ||
		    strcmp(mem.text ? mem.text : "", file.text ? file.text : "") ||
		    (mem.message && strcmp(after_name(mem.message), after_name(file.message))))
			abort(); /* memory and file readers differ */
	}

	if (mem.text) {
		for (int generic = 0; generic < 2; generic++) {
			int error, misaligned;
			uint64_t rows = 0;
			char *got;

			mlg_csvscan_force_generic(generic);
			got = scan(buf, len, &o, &mem, 1, 3, !generic, &error, &rows, &misaligned);
			/* Up to the first error both see the same records. */
			if (!mem.error && (error || strcmp(got, mem.text) || rows != mem.rows))
				abort();
			if (mem.error && !error)
				abort();
			if (mem.error && (rows != mem.rows || strncmp(got, mem.text, strlen(got))))
				abort();
			free(got);
			if (!mem.error) {
				for (size_t parts = 2; parts <= 4; parts++) {
					rows = 0;
					got = scan(buf, len, &o, &mem, parts, 2, 0, &error, &rows, &misaligned);
					if (!misaligned && (error || strcmp(got, mem.text) || rows != mem.rows))
						abort();
					free(got);
				}
			}
		}
		mlg_csvscan_force_generic(-1);
	}
	reading_release(&mem);
	reading_release(&file);
	return 0;
}
