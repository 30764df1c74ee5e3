/*
 * Rows of a tabular dataset as the readers hand them to data checks.
 *
 * A row and its fields belong to the reader and stay valid only until the
 * next call that reads a row; copy what must outlive it.
 */
#ifndef MLGATE_TABLE_H
#define MLGATE_TABLE_H

#include <stddef.h>
#include <stdint.h>

/** One cell. `data` is NUL-terminated (it may also hold NUL bytes: use len). */
struct mlg_field {
	const char *data;
	size_t len;
	int is_null; /* an empty, unquoted cell */
};

/** One record of a dataset. */
struct mlg_row {
	uint64_t number; /* 1-based data row (the header is not counted) */
	uint64_t line;   /* 1-based physical line where the record starts */
	uint64_t offset; /* byte offset of the record's first byte in the input */
	size_t nfields;
	const struct mlg_field *fields;
};

#endif
