/* A map from strings to numbers (see strmap.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "util.h"

/* FNV-1a with splitmix64's finalizer: short ids that differ in one
 * character ("d001", "d002") still spread over the whole table. */
static size_t hash_of(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return (size_t)h;
}

/* The slot holding `key`, or the empty slot where it would go. */
static struct mlg_strmap_entry *slot_for(const struct mlg_strmap *map, const char *key, size_t hash)
{
	size_t mask = map->cap - 1, i = hash & mask;

	while (map->slots[i].key &&
	       (map->slots[i].hash != hash || strcmp(map->slots[i].key, key)))
		i = (i + 1) & mask;
	return &map->slots[i];
}

size_t *mlg_strmap_find(const struct mlg_strmap *map, const char *key)
{
	struct mlg_strmap_entry *e;

	if (!map->count)
		return NULL;
	e = slot_for(map, key, hash_of(key));
	return e->key ? &e->value : NULL;
}

static void grow(struct mlg_strmap *map)
{
	struct mlg_strmap old = *map;

	map->cap = old.cap ? old.cap * 2 : 16;
	map->slots = mlg_xcalloc(map->cap, sizeof(*map->slots));
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].key)
			*slot_for(map, old.slots[i].key, old.slots[i].hash) = old.slots[i];
	free(old.slots);
}

size_t *mlg_strmap_add(struct mlg_strmap *map, const char *key, size_t value, int *added)
{
	size_t hash = hash_of(key);
	struct mlg_strmap_entry *e;

	/* at most half full: probes stay short */
	if ((map->count + 1) * 2 > map->cap)
		grow(map);
	e = slot_for(map, key, hash);
	if (added)
		*added = !e->key;
	if (!e->key) {
		e->key = mlg_xstrdup(key);
		e->hash = hash;
		e->value = value;
		map->count++;
	}
	return &e->value;
}

void mlg_strmap_release(struct mlg_strmap *map)
{
	for (size_t i = 0; i < map->cap; i++)
		free(map->slots[i].key);
	free(map->slots);
	map->slots = NULL;
	map->count = map->cap = 0;
}
