/*
 * Readers that turn a dataset's bytes into batches (engine internal).
 *
 * A reader works on one part: a byte range that starts at a record
 * boundary. Row and line numbers it reports are relative to the part; the
 * engine adds those of the earlier parts.
 */
#ifndef MLG_READER_H
#define MLG_READER_H

#include <stddef.h>
#include <stdint.h>

#include "batch_internal.h"

struct mlg_part_result {
	uint64_t nrows;      /* data rows read */
	uint64_t nlines;     /* line breaks consumed */
	int error;           /* 0, or a negative code: the part stopped at a bad record */
	uint64_t err_row;    /* the bad record's row number within the part, from 1 */
	uint64_t err_line;   /* line breaks in the part before the bad record */
	uint64_t err_offset; /* absolute byte offset of what is wrong */
	char *err_text;      /* what is wrong; owned */
	int stopped;         /* the sink asked to stop */
};

/** Receives each full batch; non-zero stops the reader. */
typedef int (*mlg_batch_sink)(void *payload, struct mlg_batch *batch);

struct mlg_csv_dialect {
	char delimiter;
	char quote;
	size_t ncolumns;
	int header;          /* for messages: fields are counted "as in the header" */
};

/**
 * Reads CSV records from buf[pos..len) (buf[0] is at absolute offset
 * `base`) while a record starts before `stop`, into batches handed to
 * `sink`; the last partial batch is handed over before returning. With
 * `final` unset, a record cut by the end of the buffer is left for the
 * next call. Returns the position after the last record read.
 */
size_t mlg_csvscan(const struct mlg_csv_dialect *d, const char *buf, size_t len, size_t pos,
		   size_t stop, int final, uint64_t base, struct mlg_batch_impl *b,
		   mlg_batch_sink sink, void *payload, struct mlg_part_result *res);

/**
 * The first record boundary at or after `pos` when `in_quotes` tells
 * whether pos lies inside a quoted field (from the parity of the quotes
 * before it). Returns len when there is none.
 */
size_t mlg_csvscan_boundary(const struct mlg_csv_dialect *d, const char *buf, size_t len,
			    size_t pos, int in_quotes);

/** Number of quote characters in buf[from..to). */
uint64_t mlg_csvscan_count_quotes(char quote, const char *buf, size_t from, size_t to);

/** Selects the portable code paths instead of AVX2 (for tests; also MLGATE_SIMD=generic). */
void mlg_csvscan_force_generic(int on);
/** "avx2" or "generic": what mlg_csvscan() uses. */
const char *mlg_csvscan_simd(void);

#endif

/*
 * JSON Lines: one JSON object per line; scalar fields, nested objects
 * flattened to dotted paths ("user.country"). Columns are the keys of the
 * first record, in order, unless the dataset lists "columns".
 */
struct mlg_jsonl_index;

/**
 * The flattened keys of the first non-blank line of buf[0..len), in order
 * of appearance: *names (array and strings allocated; free each and the
 * array) and *n. Returns 0, or -1 with *error (allocated) saying what is
 * wrong and at which byte.
 */
int mlg_jsonl_first_columns(const char *buf, size_t len, char ***names, size_t *n,
			    char **error);

/** A lookup from dotted path to column index; free with mlg_jsonl_index_free(). */
struct mlg_jsonl_index *mlg_jsonl_index_new(const char *const *columns, size_t n);
void mlg_jsonl_index_free(struct mlg_jsonl_index *index);

/**
 * Like mlg_csvscan() for JSON Lines: records are lines; blank lines are
 * skipped; a key that is not a column is ignored; a missing key or JSON
 * null is a null cell; strings are unescaped (copied into the batch only
 * when they hold escapes); numbers, true and false keep their text;
 * arrays keep their JSON text. Malformed JSON, a line that is not an
 * object, or invalid UTF-8 inside strings are errors in *res with the byte
 * offset; with `final` set, a last line without a line break is read like
 * any other (an incomplete object in it is malformed JSON).
 */
size_t mlg_jsonl_scan(const struct mlg_jsonl_index *index, const char *buf, size_t len,
		      size_t pos, size_t stop, int final, uint64_t base, struct mlg_batch_impl *b,
		      mlg_batch_sink sink, void *payload, struct mlg_part_result *res);
