/*
 * A streaming RFC 4180 CSV reader.
 *
 * Handles quoted fields, doubled quotes inside them, newlines inside quoted
 * fields, LF, CRLF and lone-CR line ends, a UTF-8 byte order mark, a header
 * row, and any one-byte delimiter. Reads in large blocks and reuses its
 * buffers: no allocation per row.
 *
 * Nulls: an empty unquoted cell is null; a quoted empty cell ("") is the
 * empty string. Blank lines are skipped.
 */
#ifndef MLGATE_CSV_H
#define MLGATE_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "mlgate/table.h"

struct mlg_csv_options {
	unsigned int version; /* MLG_CSV_OPTIONS_VERSION */
	char delimiter;       /* default ',' */
	char quote;           /* default '"' */
	int header;           /* 1: the first record names the columns */
};

#define MLG_CSV_OPTIONS_VERSION 1
#define MLG_CSV_OPTIONS_INIT { MLG_CSV_OPTIONS_VERSION, ',', '"', 1 }

struct mlg_csv;

/**
 * Opens `path` and reads its header. On success *out belongs to the caller
 * (free with mlg_csv_free()). Errors: MLG_ENOTFOUND (cannot open),
 * MLG_EINVALID (empty file, malformed header); message in mlg_error_last(),
 * naming the file.
 */
int mlg_csv_open(struct mlg_csv **out, const char *path,
		 const struct mlg_csv_options *opts);

/**
 * Like mlg_csv_open() over `len` bytes at `data`, which must outlive the
 * reader. `name` is used in messages.
 */
int mlg_csv_open_mem(struct mlg_csv **out, const char *name, const char *data,
		     size_t len, const struct mlg_csv_options *opts);

/** Number of columns (from the header, or the first record without one). */
size_t mlg_csv_ncolumns(const struct mlg_csv *csv);

/** Name of column `i` ("1", "2", ... when there is no header). */
const char *mlg_csv_column_name(const struct mlg_csv *csv, size_t i);

/** Index of the column called `name`, or -1. */
long mlg_csv_column_index(const struct mlg_csv *csv, const char *name);

/**
 * Reads the next record into *row (owned by the reader, valid until the
 * next call). Returns 1 for a row, 0 at the end, or a negative code: a
 * record whose field count differs from the header's, an unclosed quote,
 * a stray character after a closing quote, or a read error; the message
 * names the file, the row number, the line and the byte offset.
 */
int mlg_csv_next(struct mlg_csv *csv, const struct mlg_row **row);

/** Bytes consumed so far (for progress and size accounting). */
uint64_t mlg_csv_bytes_read(const struct mlg_csv *csv);

/**
 * Where the data records begin, right after opening: the byte offset and
 * line number of the first record after the header (or of the first
 * record, without a header). For readers that take over from here.
 */
void mlg_csv_data_start(const struct mlg_csv *csv, uint64_t *offset, uint64_t *line);

/** Closes the reader; accepts NULL. */
void mlg_csv_free(struct mlg_csv *csv);

#endif
