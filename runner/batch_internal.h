/*
 * Engine side of mlgate/batch.h: building batches of cells and the memory
 * budget. Used by the readers (csvscan.c, jsonl.c) and the scan engine.
 */
#ifndef MLG_BATCH_INTERNAL_H
#define MLG_BATCH_INTERNAL_H

#include <stdatomic.h>

#include "mlgate/batch.h"

#define MLG_TYPE_COUNT 6

struct mlg_mem {
	atomic_size_t used;
	size_t limit;          /* 0: none */
	char message[256];
};

/** Prepares a budget of `limit` bytes (0: none). */
void mlg_mem_init(struct mlg_mem *mem, size_t limit);

struct mlg_batch_col {
	struct mlg_cell *cells;          /* cap entries, when the column is used */
	void *typed[MLG_TYPE_COUNT];
	uint8_t *status[MLG_TYPE_COUNT];
	uint64_t gen[MLG_TYPE_COUNT];    /* batch generation the typed arrays belong to */
};

/* Bytes copied out of the input (unescaped quoted cells, decoded JSON strings). */
struct mlg_arena_block {
	struct mlg_arena_block *next;
	size_t used, cap;
	char data[];
};

/** Null tokens of a dataset (besides the empty unquoted cell). */
struct mlg_null_tokens {
	const char *const *tokens;
	const size_t *lens;
	size_t n;
};

struct mlg_batch_impl {
	struct mlg_batch pub;
	struct mlg_batch_col *cols;
	const uint8_t *used;             /* per column: split it out */
	size_t cap;
	uint64_t gen;
	struct mlg_arena_block *arena;   /* current block first; reset per batch */
	struct mlg_arena_block *spare;
	const struct mlg_null_tokens *nulls;
};

/**
 * Prepares a batch of up to `cap` rows over `ncolumns` columns of which
 * those with used[c] set are split out (`used` is borrowed). Allocates;
 * release with mlg_batch__release().
 */
void mlg_batch__init(struct mlg_batch_impl *b, size_t ncolumns, const uint8_t *used, size_t cap,
		     const struct mlg_null_tokens *nulls, struct mlg_mem *mem);
/** Empties the batch for the next rows, first_row being the next row's number. */
void mlg_batch__reset(struct mlg_batch_impl *b, uint64_t first_row);
/** Copies len bytes into the batch's arena; valid until the next reset. */
char *mlg_batch__copy(struct mlg_batch_impl *b, size_t len);
/** Whether an unquoted cell's bytes are one of the dataset's null tokens. */
int mlg_batch__is_null_token(const struct mlg_batch_impl *b, const char *p, size_t len);
void mlg_batch__release(struct mlg_batch_impl *b);

#endif
