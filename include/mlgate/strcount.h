/*
 * A table of distinct strings with a count each: an open-addressing hash
 * table (linear probing) over a dense array of entries. Data kinds use it
 * for sets of allowed values, label counts and the like.
 *
 * Every byte it allocates is charged to a memory budget (mlgate/batch.h)
 * BEFORE it is allocated, and given back when freed: an insertion the
 * budget refuses changes nothing. Lookups do not write, so a table
 * built in prepare() can be shared by the threads reading the parts.
 */
#ifndef MLGATE_STRCOUNT_H
#define MLGATE_STRCOUNT_H

#include <stddef.h>
#include <stdint.h>

struct mlg_mem;

struct mlg_strcount_entry {
	char *text;     /* a copy of the bytes, NUL-terminated (text may hold NULs: use len) */
	size_t len;
	uint64_t hash;  /* mlg_strcount_hash() of the text */
	uint64_t count;
};

struct mlg_strcount {
	struct mlg_strcount_entry *entries; /* in insertion order until a removal */
	size_t n, alloc;
	uint32_t *slots;                    /* 0: empty, else index into entries + 1 */
	size_t nslots;                      /* a power of two; 0 before the first insertion */
	int fold_case;                      /* ASCII letters compare without case */
	struct mlg_mem *mem;                /* may be NULL: nothing is charged */
	size_t charged;
};

/** Prepares an empty table. Allocates nothing. */
void mlg_strcount_init(struct mlg_strcount *t, struct mlg_mem *mem, int fold_case);

/**
 * The hash of `len` bytes (ASCII letters folded to lower case when
 * `fold_case`): the same on every platform and in every run, so that
 * kinds may also order values by it.
 */
uint64_t mlg_strcount_hash(const char *s, size_t len, int fold_case);

/** The index of the entry for the bytes (hash from mlg_strcount_hash()), or -1. */
long mlg_strcount_find(const struct mlg_strcount *t, const char *s, size_t len, uint64_t hash);

/**
 * Adds `count` to the entry for the bytes, inserting it (with a copy of
 * them) when absent; *index (may be NULL) is set to its index. Returns 0,
 * or -1 when the budget would be exceeded: then nothing was changed.
 */
int mlg_strcount_add(struct mlg_strcount *t, const char *s, size_t len, uint64_t hash,
		     uint64_t count, size_t *index);

/** Removes entry `index`; the last entry takes its index. */
void mlg_strcount_remove(struct mlg_strcount *t, size_t index);

/** Frees everything and gives its bytes back to the budget; the table is empty after. */
void mlg_strcount_release(struct mlg_strcount *t);

#endif
