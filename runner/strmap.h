/*
 * A map from strings to numbers for the bookkeeping of suites and reports
 * (ids taken, names already written): open addressing with linear
 * probing, at most half full, so a lookup costs one hash and about one
 * string comparison whatever the size, where a scan of a list made the
 * callers quadratic with 10,000 checks.
 *
 * Keys are copied; values are the caller's (an index, a counter).
 * MLG_STRMAP_INIT allocates nothing; mlg_strmap_release() frees
 * everything. Out of memory is fatal (util.h). Not thread-safe.
 */
#ifndef MLG_STRMAP_H
#define MLG_STRMAP_H

#include <stddef.h>

struct mlg_strmap_entry {
	char *key;              /* NULL: an empty slot */
	size_t hash;
	size_t value;
};

struct mlg_strmap {
	struct mlg_strmap_entry *slots;
	size_t count;           /* keys held */
	size_t cap;             /* slots: 0 or a power of two */
};

#define MLG_STRMAP_INIT { NULL, 0, 0 }

/** The value of `key`, or NULL when the map lacks it (points into the map until it next grows). */
size_t *mlg_strmap_find(const struct mlg_strmap *map, const char *key);

/**
 * The value of `key`, adding the key (a copy) with `value` when it is
 * missing; `*added` (when not NULL) says which. The pointer is valid until
 * the next add.
 */
size_t *mlg_strmap_add(struct mlg_strmap *map, const char *key, size_t value, int *added);

/** Frees the keys and the slots; the map is empty and reusable. */
void mlg_strmap_release(struct mlg_strmap *map);

#endif
