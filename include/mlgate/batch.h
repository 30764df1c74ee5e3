/*
 * What a data check sees: rows of a dataset, a batch at a time, one column
 * after another.
 *
 * The engine reads a dataset once, splits it into parts (byte ranges read
 * by different threads, in file order) and hands every scanning check each
 * batch of rows of each part. A cell is parsed into a type at most once per
 * batch, however many checks ask for it. Row numbers inside a part start at
 * 1; the engine tells merge() how many rows the earlier parts held, so that
 * examples carry the row numbers of the whole file.
 *
 * Ownership: a batch, its cells and its typed arrays belong to the engine
 * and are valid only during the batch() call that receives them.
 */
#ifndef MLGATE_BATCH_H
#define MLGATE_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "mlgate/value.h"

/** A cell: not NUL-terminated; `len` bytes at `data`. */
struct mlg_cell {
	const char *data;
	uint32_t len;
	uint32_t is_null; /* empty and unquoted, or one of the dataset's null_values */
};

/** Per-row outcome of typed parsing. */
enum mlg_value_status {
	MLG_VALUE_NULL = 0, /* the cell is null */
	MLG_VALUE_OK = 1,   /* parsed */
	MLG_VALUE_BAD = 2   /* not a value of the type */
};

struct mlg_mem;

struct mlg_batch {
	size_t nrows;
	uint64_t first_row; /* number, within its part, of row 0 of the batch, from 1 */
	size_t ncolumns;
	struct mlg_mem *mem; /* the run's memory budget for exact state */
	void *internal;      /* the engine's */
};

/** The cells of column `col` (as declared with mlg_scan_use()), nrows of them. */
const struct mlg_cell *mlg_batch_cells(struct mlg_batch *b, size_t col);

/**
 * Column `col` parsed as `type`, computed once per batch and shared by
 * every check: an array of nrows values, and *status (nrows entries of
 * enum mlg_value_status). For MLG_TYPE_FLOAT the values are doubles; for
 * INT, BOOL (0/1), DATE (days since 1970-01-01) and TIMESTAMP
 * (microseconds since the epoch, UTC) they are int64_t; for STRING the
 * return value is NULL and only *status is set.
 */
const void *mlg_batch_typed(struct mlg_batch *b, size_t col, enum mlg_type type,
			    const uint8_t **status);

/** mlg_batch_typed() for floats; NaN is a value here, the kind decides. */
const double *mlg_batch_floats(struct mlg_batch *b, size_t col, const uint8_t **status);

/*
 * The memory budget (the suite's max_memory) shared by every check of a
 * run for state that grows with the data (exact distinct sets, keys,
 * quantiles). Counting, not allocating: a kind charges what it is about to
 * allocate and gives it back when it frees it.
 */

/** Charges `bytes`; 0, or -1 when that would pass the budget (nothing charged). */
int mlg_mem_charge(struct mlg_mem *mem, size_t bytes);
/** Gives back `bytes` charged earlier. */
void mlg_mem_uncharge(struct mlg_mem *mem, size_t bytes);
/** The budget in bytes (0: none). */
size_t mlg_mem_limit(const struct mlg_mem *mem);
/** The error message for a check that ran out of budget ("... max_memory (2 GiB) ..."); static. */
const char *mlg_mem_message(const struct mlg_mem *mem);

/*
 * Failing examples of one part, kept in row order, at most `max`; merged
 * in file order. Counts are kept by the kinds themselves.
 */
struct mlg_example {
	uint64_t row;   /* within the part until merged, then within the file */
	char *column;   /* may be NULL */
	char *value;    /* NULL for a null cell */
	char *reason;
};

struct mlg_examples {
	struct mlg_example *items;
	size_t n, max;
	uint64_t offered; /* including those not kept */
};

/** Prepares an empty list keeping at most `max`. Allocates nothing. */
void mlg_examples_init(struct mlg_examples *ex, size_t max);
/**
 * Offers an example. `value` (len bytes, may be NULL for null), `column`
 * and `reason` are copied; values are cut to 200 bytes.
 */
void mlg_examples_add(struct mlg_examples *ex, uint64_t row, const char *column,
		      const char *value, size_t len, const char *reason);
/** Whether one more example would be kept (so callers skip formatting). */
int mlg_examples_want(const struct mlg_examples *ex);
/** Moves `from` (a later part, its rows numbered after `row_base` earlier rows) into `into`. */
void mlg_examples_merge(struct mlg_examples *into, struct mlg_examples *from, uint64_t row_base);
struct mlg_result;
/** Hands the kept examples to the result, in order, and empties the list. */
void mlg_examples_emit(struct mlg_examples *ex, struct mlg_result *out);
/** Frees the examples. */
void mlg_examples_release(struct mlg_examples *ex);

#endif
