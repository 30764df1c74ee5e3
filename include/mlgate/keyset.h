/*
 * Exact sets of keys for data kinds that compare rows with each other:
 * duplicates, distinct counts, keys shared by two datasets, and groups of
 * equal keys that disagree on a value (a label).
 *
 * A key is a byte string: one cell's bytes, or several cells encoded with
 * struct mlg_keybuf so that no two different tuples give the same bytes.
 * Nothing is probabilistic: hashes only choose buckets, and keys are
 * compared byte for byte when their hashes agree.
 *
 * Why not one big hash table: with millions of keys every probe of a table
 * much larger than the caches is a miss (~200 ns). Instead each key is
 * appended, with its row, to one of MLG_KEYSET_PARTITIONS partitions chosen
 * by its hash (sequential writes into big blocks), and the analyses then
 * take one partition at a time with a small table that stays in cache.
 * A partition holds its records in file order once the parts are merged,
 * so "the first occurrence" is the first in the file whatever the number
 * of parts.
 *
 * Memory: every byte of blocks and tables is charged to the budget
 * (mlgate/batch.h) before it is allocated and given back when freed; an
 * operation the budget refuses returns -1 and leaves the set as it was.
 * A set is used by one thread at a time.
 */
#ifndef MLGATE_KEYSET_H
#define MLGATE_KEYSET_H

#include <stddef.h>
#include <stdint.h>

struct mlg_mem;
struct mlg_cell;
struct mlg_keyset;

/** Partitions a set's keys are spread over by hash. */
#define MLG_KEYSET_PARTITIONS 256

/** Flags of mlg_keyset_new(). */
#define MLG_KEYSET_ROWS 1u       /* remember each key's row number */
#define MLG_KEYSET_VALUES 2u     /* each key carries a value (mlg_keyset_add_value()) */
/*
 * Only the first occurrence of each key matters: repeats may be dropped
 * while the set fills (a partition is compacted as it grows), so memory
 * follows the number of distinct keys, not of rows. Counts of rows
 * and repeats are then not exact; distinct keys and first rows are.
 * Ignored with MLG_KEYSET_VALUES.
 */
#define MLG_KEYSET_FIRST_ONLY 4u

/**
 * A new empty set charging `mem` (may be NULL: nothing is charged).
 * Allocates little; the partitions come with the first key. Free with
 * mlg_keyset_free().
 */
struct mlg_keyset *mlg_keyset_new(struct mlg_mem *mem, unsigned int flags);

/** Frees the set and gives its bytes back to the budget; accepts NULL. */
void mlg_keyset_free(struct mlg_keyset *ks);

/**
 * The 64-bit hash of `len` bytes used to place keys (a wyhash-style mix of
 * 8-byte words). The same in every run; results never depend on it.
 */
uint64_t mlg_keyset_hash(const void *data, size_t len);

/**
 * Adds a key seen at `row` (1-based within the part; rows must not
 * decrease from one call to the next). 0, or -1 when the budget refuses:
 * then nothing was added.
 */
int mlg_keyset_add(struct mlg_keyset *ks, const void *key, size_t len, uint64_t row);

/** mlg_keyset_add() for a set made with MLG_KEYSET_VALUES: the key carries `value`. */
int mlg_keyset_add_value(struct mlg_keyset *ks, const void *key, size_t len, const void *value,
			 size_t value_len, uint64_t row);

/** A key for mlg_keyset_add_many(). */
struct mlg_keyset_key {
	const char *key;
	size_t len;
	const char *value;   /* MLG_KEYSET_VALUES only */
	size_t value_len;
	uint64_t row;
};

/**
 * Adds `n` keys, in row order: mlg_keyset_add() for each, faster (the
 * memory traffic of neighbouring keys overlaps). 0, or -1 when the budget
 * refuses one: the keys before it were added.
 */
int mlg_keyset_add_many(struct mlg_keyset *ks, const struct mlg_keyset_key *keys, size_t n);

/**
 * Moves the keys of `from` (the next part of the file, its rows numbered
 * after `row_base` rows of earlier parts) behind those of `into`, without
 * copying them. Both sets must have the same flags and budget; `from` is
 * empty afterwards. No key may be added to `into` after a merge.
 */
void mlg_keyset_merge(struct mlg_keyset *into, struct mlg_keyset *from, uint64_t row_base);

/** Keys added (repeats included; see MLG_KEYSET_FIRST_ONLY). */
uint64_t mlg_keyset_size(const struct mlg_keyset *ks);

/*
 * What the analyses report for each row they find (a repeat, a key also
 * in the other set, a row of a group that disagrees). The pointers are
 * valid during the callback only.
 */
struct mlg_keyset_hit {
	uint64_t row;             /* the row found */
	uint64_t other_row;       /* the row it matches: first occurrence, row in the other set */
	const char *key;
	size_t key_len;
	const char *value;        /* conflicts: the row's value; else NULL */
	size_t value_len;
	const char *other_value;  /* conflicts: the value at other_row; else NULL */
	size_t other_value_len;
};

/** Called for every hit, partition by partition (not in row order). */
typedef void (*mlg_keyset_hit_fn)(void *payload, const struct mlg_keyset_hit *hit);

struct mlg_keyset_counts {
	uint64_t keys;      /* keys added */
	uint64_t distinct;  /* distinct keys */
	uint64_t repeated;  /* distinct keys added more than once */
	uint64_t repeats;   /* keys added after the first occurrence of the same key */
};

/**
 * Counts distinct and repeated keys; with MLG_KEYSET_ROWS, calls `fn`
 * (may be NULL) for every repeat with the row of the key's first
 * occurrence. 0, or -1 when the budget refuses the working table (*out
 * is then incomplete).
 */
int mlg_keyset_count(const struct mlg_keyset *ks, struct mlg_keyset_counts *out, mlg_keyset_hit_fn fn,
		     void *payload);

struct mlg_keyset_overlap {
	uint64_t keys;      /* distinct keys of `a` that are also in `b` */
	uint64_t rows;      /* keys added to `a` that are also in `b` */
};

/**
 * Finds the keys of `a` that `b` holds too; with MLG_KEYSET_ROWS in both,
 * calls `fn` (may be NULL) for each such row of `a` with the row of the
 * key's first occurrence in `b`. Both sets use the same partitions: any
 * two sets can be compared. 0, or -1 when the budget refuses.
 */
int mlg_keyset_overlap(const struct mlg_keyset *a, const struct mlg_keyset *b,
		       struct mlg_keyset_overlap *out, mlg_keyset_hit_fn fn, void *payload);

struct mlg_keyset_conflicts {
	uint64_t keys;        /* keys added */
	uint64_t groups;      /* distinct keys */
	uint64_t conflicting; /* distinct keys added with more than one distinct value */
	uint64_t rows;        /* keys added whose key is conflicting */
};

/**
 * For a set made with MLG_KEYSET_ROWS | MLG_KEYSET_VALUES: finds the keys
 * added with different values, and calls `fn` (may be NULL) for every row
 * of such a key, with a row of the same key holding another value (the
 * key's first row, or for that row itself the first row that differs).
 * 0, or -1 when the budget refuses.
 */
int mlg_keyset_conflicts(const struct mlg_keyset *ks, struct mlg_keyset_conflicts *out,
			 mlg_keyset_hit_fn fn, void *payload);

/*
 * Keys of several cells: each part is written as a varint of its length
 * plus one and its bytes, a null part as a varint 0, so that ("a", "bc"),
 * ("ab", "c"), ("", x) and (null, x) are all different keys.
 */
struct mlg_keybuf {
	char *buf;
	size_t len, alloc;
};
#define MLG_KEYBUF_INIT { NULL, 0, 0 }

/** Empties the key (keeps the buffer). */
void mlg_keybuf_reset(struct mlg_keybuf *kb);
/** Appends one part: `len` bytes at `data`, or a null when `is_null`. */
void mlg_keybuf_add(struct mlg_keybuf *kb, const char *data, size_t len, int is_null);
/** Frees the buffer; the key is empty after. */
void mlg_keybuf_release(struct mlg_keybuf *kb);

/*
 * The keys of one batch of rows, collected for mlg_keyset_add_many(): a
 * key is a cell's bytes (borrowed: they must stay valid until the flush)
 * or several cells encoded as by struct mlg_keybuf (copied).
 */
struct mlg_keyset_batch {
	struct mlg_keyset_key *keys;
	size_t n, alloc;
	size_t *starts;            /* per key: offset in `bytes`, or SIZE_MAX when borrowed */
	struct mlg_keybuf bytes;
};
#define MLG_KEYSET_BATCH_INIT { NULL, 0, 0, NULL, MLG_KEYBUF_INIT }

/** Adds a key of `len` bytes at `key`, with a value (may be NULL), seen at `row`. Not copied. */
void mlg_keyset_batch_add(struct mlg_keyset_batch *kb, const char *key, size_t len,
			  const char *value, size_t value_len, uint64_t row);

/** What mlg_keyset_batch_add_cells() does with a key that has null parts. */
enum mlg_keyset_nulls {
	MLG_KEYSET_NULLS_KEEP,     /* adds it: a null equals a null */
	MLG_KEYSET_NULLS_SKIP_ANY, /* skips it when any part is null (SQL's UNIQUE) */
	MLG_KEYSET_NULLS_SKIP_ALL  /* skips it when every part is null */
};

/**
 * Adds the key of row `i` of a batch made of the cells of `n` columns
 * (`columns[k]` from mlg_batch_cells()), encoded, with a value (may be
 * NULL), seen at `row`, unless `nulls` says to skip it. Returns how many
 * of its parts are null.
 */
size_t mlg_keyset_batch_add_cells(struct mlg_keyset_batch *kb, const struct mlg_cell *const *columns,
				  size_t n, size_t i, const char *value, size_t value_len, uint64_t row,
				  enum mlg_keyset_nulls nulls);

/** Adds the collected keys to the set (mlg_keyset_add_many()) and empties the list. */
int mlg_keyset_batch_flush(struct mlg_keyset_batch *kb, struct mlg_keyset *ks);

/** Frees the list. */
void mlg_keyset_batch_release(struct mlg_keyset_batch *kb);

/**
 * The parts of a key made with struct mlg_keybuf: up to `max` of them in
 * parts[] and lens[] (NULL for a null part), pointing into `key`. Returns
 * how many parts the key has (may exceed `max`).
 */
size_t mlg_keyset_key_parts(const char *key, size_t len, const char **parts, size_t *lens, size_t max);

/**
 * A key as text for messages and examples: the bytes themselves, or for a
 * key made with struct mlg_keybuf (`compound`) its parts joined by ", "
 * with "(null)" for a null part; cut to at most `max` bytes (0: no limit)
 * at a character boundary, with "..." after a cut. Allocated; the caller
 * frees it.
 */
char *mlg_keyset_key_text(const char *key, size_t len, int compound, size_t max);

/*
 * The first few hits in row order, whatever order they come in: a
 * bounded heap of copies. mlg_keyset_examples_offer() fits
 * mlg_keyset_hit_fn with the list as payload.
 */
struct mlg_keyset_example {
	uint64_t row, other_row;
	char *key, *value, *other_value; /* copies, NUL-terminated; value ones may be NULL */
	size_t key_len, value_len, other_value_len;
};

struct mlg_keyset_examples {
	struct mlg_keyset_example *items;
	size_t n, max;
	uint64_t offered;
};

/** Prepares an empty list keeping the `max` hits with the lowest rows. Allocates nothing. */
void mlg_keyset_examples_init(struct mlg_keyset_examples *ex, size_t max);
/** Offers a hit (`payload` is the list); copies what it keeps. */
void mlg_keyset_examples_offer(void *payload, const struct mlg_keyset_hit *hit);
/** Sorts the kept hits by row. */
void mlg_keyset_examples_sort(struct mlg_keyset_examples *ex);
/** Frees the copies; the list is empty after. */
void mlg_keyset_examples_release(struct mlg_keyset_examples *ex);

#endif
