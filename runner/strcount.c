/* A table of distinct strings with counts (see mlgate/strcount.h). */
#include <stdlib.h>
#include <string.h>

#include "mlgate/batch.h"
#include "mlgate/strcount.h"
#include "util.h"

/* What malloc keeps beside a block, roughly: charged with each key. */
#define BLOCK_OVERHEAD 16

void mlg_strcount_init(struct mlg_strcount *t, struct mlg_mem *mem, int fold_case)
{
	memset(t, 0, sizeof(*t));
	t->mem = mem;
	t->fold_case = fold_case;
}

static uint64_t mix(uint64_t h)
{
	/* splitmix64's finalizer: every input bit reaches every output bit */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h;
}

static uint64_t load_word(const unsigned char *p, size_t n, int fold_case)
{
	uint64_t w = 0;

	/* byte by byte, little-endian order on every machine */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (fold_case && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		w |= (uint64_t)c << (8 * i);
	}
	return w;
}

uint64_t mlg_strcount_hash(const char *s, size_t len, int fold_case)
{
	const unsigned char *p = (const unsigned char *)s;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len;

	for (; len >= 8; p += 8, len -= 8)
		h = mix(h ^ load_word(p, 8, fold_case));
	return mix(h ^ load_word(p, len, fold_case) ^ ((uint64_t)len << 59));
}

static int same_text(const struct mlg_strcount *t, const struct mlg_strcount_entry *e,
		     const char *s, size_t len)
{
	if (e->len != len)
		return 0;
	if (!t->fold_case)
		return memcmp(e->text, s, len) == 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char a = (unsigned char)e->text[i], b = (unsigned char)s[i];

		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a + 32);
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b + 32);
		if (a != b)
			return 0;
	}
	return 1;
}

/* The slot that holds entry `index`, or that would hold the text: an empty one. */
static size_t slot_of(const struct mlg_strcount *t, const char *s, size_t len, uint64_t hash)
{
	size_t mask = t->nslots - 1, i = (size_t)hash & mask;

	while (t->slots[i]) {
		const struct mlg_strcount_entry *e = &t->entries[t->slots[i] - 1];

		if (e->hash == hash && same_text(t, e, s, len))
			return i;
		i = (i + 1) & mask;
	}
	return i;
}

long mlg_strcount_find(const struct mlg_strcount *t, const char *s, size_t len, uint64_t hash)
{
	size_t i;

	if (!t->n)
		return -1;
	i = slot_of(t, s, len, hash);
	return t->slots[i] ? (long)t->slots[i] - 1 : -1;
}

static void rehash(struct mlg_strcount *t, size_t nslots)
{
	size_t mask = nslots - 1;

	free(t->slots);
	t->slots = mlg_xcalloc(nslots, sizeof(*t->slots));
	t->nslots = nslots;
	for (size_t k = 0; k < t->n; k++) {
		size_t i = (size_t)t->entries[k].hash & mask;

		while (t->slots[i])
			i = (i + 1) & mask;
		t->slots[i] = (uint32_t)(k + 1);
	}
}

int mlg_strcount_add(struct mlg_strcount *t, const char *s, size_t len, uint64_t hash,
		     uint64_t count, size_t *index)
{
	size_t i, need, new_alloc = t->alloc, new_slots = t->nslots;
	struct mlg_strcount_entry *e;

	if (t->n) {
		i = slot_of(t, s, len, hash);
		if (t->slots[i]) {
			t->entries[t->slots[i] - 1].count += count;
			if (index)
				*index = t->slots[i] - 1;
			return 0;
		}
	}
	if (t->n + 1 >= UINT32_MAX)
		return -1;
	/* charge the copy and whatever grows, before anything is allocated */
	need = len + 1 + BLOCK_OVERHEAD;
	if (t->n + 1 > t->alloc) {
		new_alloc = t->alloc ? 2 * t->alloc : 8;
		need += (new_alloc - t->alloc) * sizeof(*t->entries);
	}
	if (2 * (t->n + 1) > t->nslots) {
		new_slots = t->nslots ? 2 * t->nslots : 16;
		need += new_slots * sizeof(*t->slots); /* the old slots are freed after */
	}
	if (mlg_mem_charge(t->mem, need) < 0)
		return -1;
	t->charged += need;
	if (new_alloc != t->alloc) {
		t->entries = mlg_xrealloc(t->entries, new_alloc * sizeof(*t->entries));
		t->alloc = new_alloc;
	}
	e = &t->entries[t->n];
	e->text = mlg_xmalloc(len + 1);
	memcpy(e->text, s, len);
	e->text[len] = 0;
	e->len = len;
	e->hash = hash;
	e->count = count;
	t->n++;
	if (new_slots != t->nslots) {
		size_t old = t->nslots * sizeof(*t->slots);

		rehash(t, new_slots);
		mlg_mem_uncharge(t->mem, old);
		t->charged -= old;
	} else {
		t->slots[slot_of(t, s, len, hash)] = (uint32_t)t->n;
	}
	if (index)
		*index = t->n - 1;
	return 0;
}

/*
 * Empties slot i and moves back the entries after it that linear probing
 * placed past their home slot, so that every lookup still finds them.
 */
static void clear_slot(struct mlg_strcount *t, size_t i)
{
	size_t mask = t->nslots - 1, k = i;

	for (;;) {
		size_t home;

		t->slots[i] = 0;
		for (;;) {
			k = (k + 1) & mask;
			if (!t->slots[k])
				return;
			home = (size_t)t->entries[t->slots[k] - 1].hash & mask;
			/* stays when its home is cyclically in (i, k] */
			if (i <= k ? (i < home && home <= k) : (i < home || home <= k))
				continue;
			break;
		}
		t->slots[i] = t->slots[k];
		i = k;
	}
}

void mlg_strcount_remove(struct mlg_strcount *t, size_t index)
{
	struct mlg_strcount_entry *e = &t->entries[index], *last;
	size_t given = e->len + 1 + BLOCK_OVERHEAD;

	clear_slot(t, slot_of(t, e->text, e->len, e->hash));
	free(e->text);
	mlg_mem_uncharge(t->mem, given);
	t->charged -= given;
	t->n--;
	if (index == t->n)
		return;
	last = &t->entries[t->n];
	t->slots[slot_of(t, last->text, last->len, last->hash)] = (uint32_t)(index + 1);
	*e = *last;
}

void mlg_strcount_release(struct mlg_strcount *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->entries[i].text);
	free(t->entries);
	free(t->slots);
	mlg_mem_uncharge(t->mem, t->charged);
	mlg_strcount_init(t, t->mem, t->fold_case);
}
