/*
 * Exact key sets: radix partitions of compact records, analysed one
 * partition at a time (see mlgate/keyset.h for the why).
 *
 * A record is a varint of the key's length and the key's bytes, then
 * (MLG_KEYSET_ROWS) a varint of the row's distance from the previous
 * record of the same partition, then (MLG_KEYSET_VALUES) a varint of the
 * value's length and its bytes. With 256 partitions consecutive records of
 * a partition are ~256 rows apart, so a row costs two bytes, and a short
 * id about ten in all. Records go into blocks that double in size up to
 * BLOCK_MAX; a block remembers the row before its first record and, once
 * merged, how many rows the earlier parts held, so blocks of different
 * parts can simply be chained in file order.
 */
#include <stdlib.h>
#include <string.h>

#include "mlgate/batch.h"
#include "mlgate/keyset.h"
#include "util.h"

#define PART_BITS 8
_Static_assert(MLG_KEYSET_PARTITIONS == 1 << PART_BITS, "MLG_KEYSET_PARTITIONS is 2^PART_BITS");

#define BLOCK_FIRST 64u
#define BLOCK_MAX (32u << 10)
/* MLG_KEYSET_FIRST_ONLY: a partition is compacted once it holds this many records */
#define COMPACT_MIN 512u
#define VARINT_MAX 10
/* the helpers of the inner loops: the compiler must not leave them as calls */
#define HOT static inline __attribute__((always_inline))
/* records decoded (and their slots prefetched) before they are looked up */
#define CHUNK 32

struct block {
	struct block *next;
	uint64_t row_base;   /* rows of the parts before this block's part */
	uint64_t first_prev; /* the part-relative row its first record counts from */
	size_t used;         /* bytes of records; the tail's is its partition's `pos` */
	size_t cap;
	uint8_t data[];
};

/*
 * What an add touches: one line of partition header and the line written
 * to. The tail block's header is left alone until the block is full.
 */
struct partition {
	uint8_t *pos, *limit;  /* where the next record goes in the tail block */
	struct block *head, *tail;
	uint64_t last_row;     /* the row of the last record added (rows are deltas from it) */
	uint64_t nrecords;
	uint64_t compact_at;   /* MLG_KEYSET_FIRST_ONLY: records that trigger a compaction */
	uint64_t pad;          /* to a cache line */
};
_Static_assert(sizeof(struct partition) == 64, "a partition header is one cache line");

struct mlg_keyset {
	struct mlg_mem *mem;
	unsigned int flags;
	struct partition *parts; /* MLG_KEYSET_PARTITIONS of them, from the first key on */
	uint64_t nrecords;
	size_t charged;          /* blocks; the partition array is charged while it exists */
	struct table *scratch;   /* MLG_KEYSET_FIRST_ONLY: the table compactions reuse */
};

/* ---- hashing ---- */

/* The secret of wyhash (Wang Yi, public domain), whose structure this follows. */
#define K0 0xa0761d6478bd642fULL
#define K1 0xe7037ed1a0b428dbULL
#define K2 0x8ebc6af09c88c6e3ULL
#define K3 0x589965cc75374cc3ULL

/* The 128-bit product folded to 64 bits: the whole mixing step. */
HOT uint64_t mix(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

HOT uint64_t read8(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

HOT uint64_t read4(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/*
 * Short keys (the common ids) take two overlapping loads and one or two
 * multiplications; longer ones fold 16 (or 48) bytes per round.
 */
HOT uint64_t hash_bytes(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t seed = K3, a, b;

	if (len <= 8) {
		/* one multiplication: two 32-bit halves (overlapping when shorter) */
		if (len >= 4) {
			a = read4(p);
			b = read4(p + len - 4);
		} else if (len > 0) {
			a = ((uint64_t)p[0] << 16) | ((uint64_t)p[len >> 1] << 8) | p[len - 1];
			b = 0;
		} else {
			a = b = 0;
		}
		return mix(a ^ K1 ^ ((uint64_t)len << 32), b ^ K2);
	}
	if (len <= 16) {
		if (len >= 4) {
			size_t mid = (len >> 3) << 2;

			a = (read4(p) << 32) | read4(p + mid);
			b = (read4(p + len - 4) << 32) | read4(p + len - 4 - mid);
		} else if (len > 0) {
			a = ((uint64_t)p[0] << 16) | ((uint64_t)p[len >> 1] << 8) | p[len - 1];
			b = 0;
		} else {
			a = b = 0;
		}
	} else {
		size_t i = len;

		if (i > 48) {
			uint64_t s1 = seed, s2 = seed;

			do {
				seed = mix(read8(p) ^ K1, read8(p + 8) ^ seed);
				s1 = mix(read8(p + 16) ^ K2, read8(p + 24) ^ s1);
				s2 = mix(read8(p + 32) ^ K3, read8(p + 40) ^ s2);
				p += 48;
				i -= 48;
			} while (i > 48);
			seed ^= s1 ^ s2;
		}
		while (i > 16) {
			seed = mix(read8(p) ^ K1, read8(p + 8) ^ seed);
			p += 16;
			i -= 16;
		}
		a = read8(p + i - 16);
		b = read8(p + i - 8);
	}
	{
		__uint128_t r = (__uint128_t)(a ^ K1) * (b ^ seed);

		a = (uint64_t)r;
		b = (uint64_t)(r >> 64);
	}
	return mix(a ^ K0 ^ (uint64_t)len, b ^ K1);
}

uint64_t mlg_keyset_hash(const void *data, size_t len)
{
	return hash_bytes(data, len);
}

/* ---- varints (LEB128) ---- */

HOT size_t varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

HOT uint8_t *put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

HOT const uint8_t *get_varint(const uint8_t *p, uint64_t *out)
{
	uint64_t v = 0;
	unsigned int shift = 0;

	if (*p < 0x80) {
		*out = *p;
		return p + 1;
	}
	while (*p & 0x80) {
		v |= (uint64_t)(*p++ & 0x7f) << shift;
		shift += 7;
	}
	*out = v | (uint64_t)*p << shift;
	return p + 1;
}

/* ---- blocks and records ---- */

#define PARTS_SIZE (MLG_KEYSET_PARTITIONS * sizeof(struct partition))

static int alloc_parts(struct mlg_keyset *ks)
{
	if (mlg_mem_charge(ks->mem, PARTS_SIZE) < 0)
		return -1;
	/* a header per cache line */
	ks->parts = aligned_alloc(64, PARTS_SIZE);
	if (!ks->parts)
		mlg_die_oom();
	memset(ks->parts, 0, PARTS_SIZE);
	for (size_t i = 0; i < MLG_KEYSET_PARTITIONS; i++)
		ks->parts[i].compact_at = COMPACT_MIN;
	return 0;
}

static void free_chain(struct mlg_keyset *ks, struct block *b)
{
	while (b) {
		struct block *next = b->next;
		size_t size = sizeof(*b) + b->cap;

		mlg_mem_uncharge(ks->mem, size);
		ks->charged -= size;
		free(b);
		b = next;
	}
}

/* Records the tail's length in its header (before it stops being the tail). */
static void seal(struct partition *pt)
{
	if (pt->tail)
		pt->tail->used = (size_t)(pt->pos - pt->tail->data);
}

/* Appends a block with room for at least `need` bytes to the partition. */
static int new_block(struct mlg_keyset *ks, struct partition *pt, size_t need)
{
	size_t cap = pt->tail ? pt->tail->cap * 2 : BLOCK_FIRST;
	struct block *b;

	if (cap > BLOCK_MAX)
		cap = BLOCK_MAX;
	if (cap < need)
		cap = need;
	if (mlg_mem_charge(ks->mem, sizeof(*b) + cap) < 0)
		return -1;
	ks->charged += sizeof(*b) + cap;
	b = mlg_xmalloc(sizeof(*b) + cap);
	b->next = NULL;
	b->row_base = 0;
	b->first_prev = pt->last_row;
	b->used = 0;
	b->cap = cap;
	seal(pt);
	if (pt->tail)
		pt->tail->next = b;
	else
		pt->head = b;
	pt->tail = b;
	pt->pos = b->data;
	pt->limit = b->data + cap;
	return 0;
}

HOT int append(struct mlg_keyset *ks, struct partition *pt, const void *key, size_t len,
		  const void *value, size_t vlen, uint64_t row)
{
	uint8_t *p = pt->pos;

	/* the common case: a short key, room to spare, no need to measure */
	if (len + 2 * VARINT_MAX + vlen > (size_t)(pt->limit - p)) {
		size_t need = varint_len(len) + len;

		if (ks->flags & MLG_KEYSET_ROWS)
			need += varint_len(row - pt->last_row);
		if (ks->flags & MLG_KEYSET_VALUES)
			need += varint_len(vlen) + vlen;
		if (need > (size_t)(pt->limit - p)) {
			if (new_block(ks, pt, need) < 0)
				return -1;
			p = pt->pos;
		}
	}
	p = put_varint(p, len);
	memcpy(p, key, len);
	p += len;
	if (ks->flags & MLG_KEYSET_ROWS) {
		p = put_varint(p, row - pt->last_row);
		pt->last_row = row;
	}
	if (ks->flags & MLG_KEYSET_VALUES) {
		p = put_varint(p, vlen);
		memcpy(p, value, vlen);
		p += vlen;
	}
	pt->pos = p;
	pt->nrecords++;
	return 0;
}

struct rec {
	const uint8_t *at;   /* the record */
	const uint8_t *key;
	size_t len;
	uint64_t row;        /* within the file once merged */
	const uint8_t *value;
	size_t vlen;
};

/* Walks the records of a partition in order. */
struct cursor {
	const struct partition *pt;
	const struct block *b;
	const uint8_t *p, *end;
	uint64_t prev;
};

static void cursor_block(struct cursor *c, const struct block *b)
{
	c->b = b;
	c->p = b ? b->data : NULL;
	c->end = !b ? NULL : b == c->pt->tail ? c->pt->pos : b->data + b->used;
	c->prev = b ? b->first_prev : 0;
}

static void cursor_start(struct cursor *c, const struct partition *pt)
{
	c->pt = pt;
	cursor_block(c, pt->head);
}

HOT int cursor_next(struct cursor *c, unsigned int flags, struct rec *r)
{
	uint64_t v;

	while (c->p == c->end) {
		if (!c->b || !c->b->next)
			return 0;
		cursor_block(c, c->b->next);
	}
	r->at = c->p;
	c->p = get_varint(c->p, &v);
	r->key = c->p;
	r->len = (size_t)v;
	c->p += v;
	r->row = 0;
	if (flags & MLG_KEYSET_ROWS) {
		c->p = get_varint(c->p, &v);
		c->prev += v;
		r->row = c->prev + c->b->row_base;
	}
	r->value = NULL;
	r->vlen = 0;
	if (flags & MLG_KEYSET_VALUES) {
		c->p = get_varint(c->p, &v);
		r->value = c->p;
		r->vlen = (size_t)v;
		c->p += v;
	}
	return 1;
}

/* The key (and value) of the record at `at`; its row is not known here. */
HOT void decode_at(const uint8_t *at, unsigned int flags, struct rec *r)
{
	uint64_t v;
	const uint8_t *p = get_varint(at, &v);

	r->at = at;
	r->key = p;
	r->len = (size_t)v;
	p += v;
	if (flags & MLG_KEYSET_ROWS)
		p = get_varint(p, &v);
	r->value = NULL;
	r->vlen = 0;
	if (flags & MLG_KEYSET_VALUES) {
		p = get_varint(p, &v);
		r->value = p;
		r->vlen = (size_t)v;
	}
}

/* ---- the working table: open addressing, one partition at a time ---- */

/*
 * A slot is 8 bytes (32 bits of hash and the index of the key's entry) so
 * that the table of a partition of 40,000 keys fits in 512 KiB of cache;
 * entries are written in order as keys are first seen, and what only
 * repeats need (marks, the conflicting record) lies apart.
 */
struct entry {
	const uint8_t *rec;  /* the key's first record */
	uint64_t row;        /* its row */
};

/* conflicts: the key's first record with another value than the first */
struct other {
	const uint8_t *rec;
	uint64_t row;
};

#define MARK_SEEN_AGAIN 1u
#define MARK_CONFLICT 2u

struct table {
	struct mlg_mem *mem;
	unsigned int flags;   /* of the set(s) read: to find the keys again when growing */
	int with_others;
	uint64_t *slots;      /* hash >> 32 << 32 | entry index + 1; 0: empty */
	struct entry *entries;
	uint8_t *marks;       /* per entry */
	struct other *others; /* per entry, for conflicts only */
	size_t nentries;
	size_t nslots, nalloc; /* slots and entries allocated */
	size_t mask;          /* slots in use for this partition, minus one */
	size_t charged;
};

/*
 * A table starts with room for this many keys and doubles when a
 * partition has more: a partition of many repeats of few keys does not
 * get a table for all its records, and one of many distinct keys grows it
 * once for all the partitions after it.
 */
#define TABLE_START 256u

static size_t table_slots(uint64_t n)
{
	size_t cap = 16;

	/* at most two thirds full; find_or_add() grows the table past that */
	while (cap * 2 < n * 3)
		cap <<= 1;
	return cap;
}

/* Makes room for `nalloc` entries and `nslots` slots, keeping the entries. 0 or -1 (budget). */
static int table_alloc(struct table *t, size_t nalloc, size_t nslots)
{
	size_t per = sizeof(*t->entries) + sizeof(*t->marks) + (t->with_others ? sizeof(*t->others) : 0);
	size_t size = nslots * sizeof(*t->slots) + nalloc * per;

	if (size > t->charged && mlg_mem_charge(t->mem, size - t->charged) < 0)
		return -1;
	if (size < t->charged)
		mlg_mem_uncharge(t->mem, t->charged - size);
	t->charged = size;
	free(t->slots);
	t->slots = mlg_xmalloc(nslots * sizeof(*t->slots));
	t->entries = mlg_xrealloc(t->entries, nalloc * sizeof(*t->entries));
	t->marks = mlg_xrealloc(t->marks, nalloc * sizeof(*t->marks));
	if (t->with_others)
		t->others = mlg_xrealloc(t->others, nalloc * sizeof(*t->others));
	t->nslots = nslots;
	t->nalloc = nalloc;
	return 0;
}

/* A table for partitions of up to `most` records; 0 or -1 (budget). */
static int table_open(struct table *t, struct mlg_mem *mem, unsigned int flags, int with_others,
		      uint64_t most)
{
	size_t n = most < TABLE_START ? (size_t)most : TABLE_START;

	memset(t, 0, sizeof(*t));
	t->mem = mem;
	t->flags = flags;
	t->with_others = with_others;
	return table_alloc(t, n + 1, table_slots(n));
}

/* Empties the table for a partition of `n` records. */
static void table_clear(struct table *t, uint64_t n)
{
	size_t cap = table_slots(n < t->nalloc - 1 ? n : t->nalloc - 1);

	if (cap > t->nslots)
		cap = t->nslots;
	memset(t->slots, 0, cap * sizeof(*t->slots));
	t->mask = cap - 1;
	t->nentries = 0;
}

static void table_release(struct table *t)
{
	mlg_mem_uncharge(t->mem, t->charged);
	free(t->slots);
	free(t->entries);
	free(t->marks);
	free(t->others);
	memset(t, 0, sizeof(*t));
}

/*
 * The entry of the key, or NULL with *where set to the empty slot where
 * it goes (pass it to insert()).
 */
HOT struct entry *lookup(const struct table *t, uint64_t h, const uint8_t *key, size_t len,
				   uint64_t **where)
{
	size_t i = (size_t)h & t->mask;
	uint64_t tag = h >> 32 << 32;

	for (;;) {
		uint64_t v = t->slots[i];

		if (!v) {
			*where = &t->slots[i];
			return NULL;
		}
		if ((v & 0xffffffff00000000ULL) == tag) {
			struct entry *e = &t->entries[(uint32_t)v - 1];
			uint64_t elen;
			const uint8_t *ekey = get_varint(e->rec, &elen);

			if (elen == len && !memcmp(ekey, key, len))
				return e;
		}
		i = (i + 1) & t->mask;
	}
}

HOT struct entry *insert(struct table *t, uint64_t *where, uint64_t h, const struct rec *r)
{
	struct entry *e = &t->entries[t->nentries++];

	*where = (h >> 32 << 32) | t->nentries;
	e->rec = r->at;
	e->row = r->row;
	t->marks[t->nentries - 1] = 0;
	return e;
}

/* Doubles the table and puts the keys back; 0 or -1 (budget). */
static int table_grow(struct table *t)
{
	size_t nalloc = 2 * t->nalloc, nslots = table_slots(nalloc - 1);

	/* slots hold 32-bit entry numbers */
	if (nalloc > UINT32_MAX || table_alloc(t, nalloc, nslots) < 0)
		return -1;
	memset(t->slots, 0, nslots * sizeof(*t->slots));
	t->mask = nslots - 1;
	for (size_t i = 0; i < t->nentries; i++) {
		struct rec r;
		uint64_t h;
		size_t j;

		decode_at(t->entries[i].rec, t->flags, &r);
		h = hash_bytes(r.key, r.len);
		for (j = (size_t)h & t->mask; t->slots[j]; j = (j + 1) & t->mask)
			;
		t->slots[j] = (h >> 32 << 32) | (i + 1);
	}
	return 0;
}

/*
 * The entry of the record's key, added (*added set) when new; NULL when
 * the table had to grow and the budget refused.
 */
HOT struct entry *find_or_add(struct table *t, uint64_t h, const struct rec *r, int *added)
{
	uint64_t *where;
	struct entry *e = lookup(t, h, r->key, r->len, &where);

	*added = 0;
	if (e)
		return e;
	if (t->nentries + 2 > t->nalloc || (t->nentries + 1) * 3 > (t->mask + 1) * 2) {
		if (table_grow(t) < 0)
			return NULL;
		lookup(t, h, r->key, r->len, &where);
	}
	*added = 1;
	return insert(t, where, h, r);
}

/*
 * Walks a partition's records CHUNK at a time: decoded, hashed and their
 * slots prefetched before the first is looked up, so that the probes of a
 * table larger than L1 overlap instead of waiting one after another.
 */
struct walk {
	struct cursor c;
	const struct table *t;
	unsigned int flags;
	size_t n;
	struct rec r[CHUNK];
	uint64_t h[CHUNK];
};

static void walk_start(struct walk *w, const struct partition *pt, const struct table *t,
		       unsigned int flags)
{
	cursor_start(&w->c, pt);
	w->t = t;
	w->flags = flags;
	w->n = 0;
}

/* The next chunk: w->n records in w->r with hashes in w->h; 0 at the end. */
HOT size_t walk_chunk(struct walk *w)
{
	size_t n = 0;

	while (n < CHUNK && cursor_next(&w->c, w->flags, &w->r[n]))
		n++;
	for (size_t i = 0; i < n; i++) {
		w->h[i] = hash_bytes(w->r[i].key, w->r[i].len);
		__builtin_prefetch(&w->t->slots[(size_t)w->h[i] & w->t->mask]);
	}
	w->n = n;
	return n;
}

static uint64_t most_records(const struct mlg_keyset *ks)
{
	uint64_t most = 0;

	for (size_t i = 0; ks->parts && i < MLG_KEYSET_PARTITIONS; i++)
		if (ks->parts[i].nrecords > most)
			most = ks->parts[i].nrecords;
	return most;
}

/* ---- building ---- */

struct mlg_keyset *mlg_keyset_new(struct mlg_mem *mem, unsigned int flags)
{
	struct mlg_keyset *ks = mlg_xcalloc(1, sizeof(*ks));

	ks->mem = mem;
	if (flags & MLG_KEYSET_VALUES)
		flags &= ~MLG_KEYSET_FIRST_ONLY;
	ks->flags = flags;
	return ks;
}

static void drop_scratch(struct mlg_keyset *ks)
{
	if (ks->scratch) {
		table_release(ks->scratch);
		free(ks->scratch);
		ks->scratch = NULL;
	}
}

void mlg_keyset_free(struct mlg_keyset *ks)
{
	if (!ks)
		return;
	drop_scratch(ks);
	if (ks->parts) {
		for (size_t i = 0; i < MLG_KEYSET_PARTITIONS; i++)
			free_chain(ks, ks->parts[i].head);
		free(ks->parts);
		mlg_mem_uncharge(ks->mem, PARTS_SIZE);
	}
	free(ks);
}

/*
 * MLG_KEYSET_FIRST_ONLY: rewrites a partition keeping the first record of
 * each key, once it has doubled since it was last looked at. When that
 * would free less than an eighth, it is left as it is and looked at again
 * at eight times the size: keys that do not repeat cost one more walk of
 * the records, not a rewrite after each doubling. When the budget cannot
 * afford the table, the partition stays as it is.
 */
static void compact(struct mlg_keyset *ks, struct partition *pt)
{
	struct table *t = ks->scratch;
	struct partition fresh;
	struct walk w;
	uint64_t before = pt->nrecords, kept;

	pt->compact_at = before * 8;
	if (!t) {
		/* kept for the next compactions: allocating it each time costs page faults */
		t = mlg_xcalloc(1, sizeof(*t));
		if (table_open(t, ks->mem, ks->flags, 0, before) < 0) {
			free(t);
			return;
		}
		ks->scratch = t;
	}
	table_clear(t, before);
	walk_start(&w, pt, t, ks->flags);
	while (walk_chunk(&w)) {
		for (size_t j = 0; j < w.n; j++) {
			int added;

			if (!find_or_add(t, w.h[j], &w.r[j], &added))
				return;
		}
	}
	kept = t->nentries;
	if ((before - kept) * 8 < before)
		return;
	/* the entries are the first records of their keys, in order */
	memset(&fresh, 0, sizeof(fresh));
	for (size_t i = 0; i < kept; i++) {
		struct rec r;

		decode_at(t->entries[i].rec, ks->flags, &r);
		if (append(ks, &fresh, r.key, r.len, NULL, 0, t->entries[i].row) < 0) {
			free_chain(ks, fresh.head);
			return;
		}
	}
	free_chain(ks, pt->head);
	ks->nrecords -= before - kept;
	fresh.compact_at = kept * 2 < COMPACT_MIN ? COMPACT_MIN : kept * 2;
	*pt = fresh;
}

int mlg_keyset_add_value(struct mlg_keyset *ks, const void *key, size_t len, const void *value,
			 size_t value_len, uint64_t row)
{
	uint64_t h = hash_bytes(key, len);
	struct partition *pt;

	if (!ks->parts && alloc_parts(ks) < 0)
		return -1;
	pt = &ks->parts[h >> (64 - PART_BITS)];
	if (append(ks, pt, key, len, value, value_len, row) < 0)
		return -1;
	ks->nrecords++;
	if ((ks->flags & MLG_KEYSET_FIRST_ONLY) && pt->nrecords >= pt->compact_at)
		compact(ks, pt);
	return 0;
}

int mlg_keyset_add(struct mlg_keyset *ks, const void *key, size_t len, uint64_t row)
{
	return mlg_keyset_add_value(ks, key, len, NULL, 0, row);
}

/*
 * The keys of a batch: hashed first and their partitions' headers
 * prefetched, then each partition's write position prefetched a few keys
 * before its record is written, so that the misses of 256 interleaved
 * streams overlap.
 */
int mlg_keyset_add_many(struct mlg_keyset *ks, const struct mlg_keyset_key *keys, size_t n)
{
	uint64_t h[CHUNK];

	if (!ks->parts && n && alloc_parts(ks) < 0)
		return -1;
	for (size_t base = 0; base < n; base += CHUNK) {
		const struct mlg_keyset_key *k = keys + base;
		size_t m = n - base < CHUNK ? n - base : CHUNK;

		for (size_t i = 0; i < m; i++) {
			h[i] = hash_bytes(k[i].key, k[i].len);
			__builtin_prefetch(&ks->parts[h[i] >> (64 - PART_BITS)]);
		}
		for (size_t i = 0; i < m; i++) {
			struct partition *pt = &ks->parts[h[i] >> (64 - PART_BITS)];

			if (i + 4 < m)
				__builtin_prefetch(ks->parts[h[i + 4] >> (64 - PART_BITS)].pos, 1);
			if (append(ks, pt, k[i].key, k[i].len, k[i].value, k[i].value_len, k[i].row) < 0)
				return -1;
			ks->nrecords++;
			if ((ks->flags & MLG_KEYSET_FIRST_ONLY) && pt->nrecords >= pt->compact_at)
				compact(ks, pt);
		}
	}
	return 0;
}

void mlg_keyset_merge(struct mlg_keyset *into, struct mlg_keyset *from, uint64_t row_base)
{
	/* no key comes after a merge: the compactions are over */
	drop_scratch(into);
	drop_scratch(from);
	if (!from->parts)
		return;
	for (size_t i = 0; i < MLG_KEYSET_PARTITIONS; i++)
		for (struct block *b = from->parts[i].head; b; b = b->next)
			b->row_base += row_base;
	if (!into->parts) {
		into->parts = from->parts;
		from->parts = NULL;
	} else {
		for (size_t i = 0; i < MLG_KEYSET_PARTITIONS; i++) {
			struct partition *a = &into->parts[i], *b = &from->parts[i];

			if (!b->head)
				continue;
			seal(a);
			if (a->tail)
				a->tail->next = b->head;
			else
				a->head = b->head;
			a->tail = b->tail;
			a->pos = b->pos;
			a->limit = b->limit;
			a->nrecords += b->nrecords;
			memset(b, 0, sizeof(*b));
		}
	}
	into->nrecords += from->nrecords;
	into->charged += from->charged;
	from->nrecords = 0;
	from->charged = 0;
}

uint64_t mlg_keyset_size(const struct mlg_keyset *ks)
{
	return ks->nrecords;
}

/* ---- analyses ---- */

int mlg_keyset_count(const struct mlg_keyset *ks, struct mlg_keyset_counts *out, mlg_keyset_hit_fn fn,
		     void *payload)
{
	struct table t;

	memset(out, 0, sizeof(*out));
	out->keys = ks->nrecords;
	if (!ks->parts)
		return 0;
	if (table_open(&t, ks->mem, ks->flags, 0, most_records(ks)) < 0)
		return -1;
	if (!(ks->flags & MLG_KEYSET_ROWS))
		fn = NULL;
	for (size_t i = 0; i < MLG_KEYSET_PARTITIONS; i++) {
		const struct partition *pt = &ks->parts[i];
		struct walk w;

		if (!pt->nrecords)
			continue;
		table_clear(&t, pt->nrecords);
		walk_start(&w, pt, &t, ks->flags);
		while (walk_chunk(&w)) {
			for (size_t j = 0; j < w.n; j++) {
				const struct rec *r = &w.r[j];
				int added;
				struct entry *e = find_or_add(&t, w.h[j], r, &added);

				if (!e)
					goto refused;
				if (added)
					continue;
				out->repeats++;
				if (!(t.marks[e - t.entries] & MARK_SEEN_AGAIN)) {
					t.marks[e - t.entries] |= MARK_SEEN_AGAIN;
					out->repeated++;
				}
				if (fn) {
					struct mlg_keyset_hit hit = { r->row, e->row, (const char *)r->key, r->len,
								      NULL, 0, NULL, 0 };

					fn(payload, &hit);
				}
			}
		}
		out->distinct += t.nentries;
	}
	table_release(&t);
	return 0;
refused:
	table_release(&t);
	return -1;
}

int mlg_keyset_overlap(const struct mlg_keyset *a, const struct mlg_keyset *b,
		       struct mlg_keyset_overlap *out, mlg_keyset_hit_fn fn, void *payload)
{
	struct table t;

	memset(out, 0, sizeof(*out));
	if (!a->parts || !b->parts)
		return 0;
	if (table_open(&t, b->mem, b->flags, 0, most_records(b)) < 0)
		return -1;
	if (!(a->flags & MLG_KEYSET_ROWS) || !(b->flags & MLG_KEYSET_ROWS))
		fn = NULL;
	for (size_t i = 0; i < MLG_KEYSET_PARTITIONS; i++) {
		const struct partition *pa = &a->parts[i], *pb = &b->parts[i];
		struct walk w;
		uint64_t *where;

		if (!pa->nrecords || !pb->nrecords)
			continue;
		table_clear(&t, pb->nrecords);
		walk_start(&w, pb, &t, b->flags);
		while (walk_chunk(&w)) {
			for (size_t j = 0; j < w.n; j++) {
				int added;

				if (!find_or_add(&t, w.h[j], &w.r[j], &added))
					goto refused;
			}
		}
		walk_start(&w, pa, &t, a->flags);
		while (walk_chunk(&w)) {
			for (size_t j = 0; j < w.n; j++) {
				const struct rec *r = &w.r[j];
				uint64_t h = w.h[j];
				struct entry *e = lookup(&t, h, r->key, r->len, &where);

				if (!e)
					continue;
				out->rows++;
				if (!(t.marks[e - t.entries] & MARK_SEEN_AGAIN)) {
					t.marks[e - t.entries] |= MARK_SEEN_AGAIN;
					out->keys++;
				}
				if (fn) {
					struct mlg_keyset_hit hit = { r->row, e->row, (const char *)r->key, r->len,
								      NULL, 0, NULL, 0 };

					fn(payload, &hit);
				}
			}
		}
	}
	table_release(&t);
	return 0;
refused:
	table_release(&t);
	return -1;
}

static inline int same_value(const struct rec *x, const struct rec *y)
{
	return x->vlen == y->vlen && !memcmp(x->value, y->value, x->vlen);
}

int mlg_keyset_conflicts(const struct mlg_keyset *ks, struct mlg_keyset_conflicts *out,
			 mlg_keyset_hit_fn fn, void *payload)
{
	struct table t;
	unsigned int flags = ks->flags;

	memset(out, 0, sizeof(*out));
	out->keys = ks->nrecords;
	if (!ks->parts)
		return 0;
	if (!(flags & MLG_KEYSET_VALUES) || !(flags & MLG_KEYSET_ROWS))
		return 0; /* nothing can disagree */
	if (table_open(&t, ks->mem, flags, 1, most_records(ks)) < 0)
		return -1;
	for (size_t i = 0; i < MLG_KEYSET_PARTITIONS; i++) {
		const struct partition *pt = &ks->parts[i];
		uint64_t conflicting = 0, *where;
		struct walk w;
		struct rec first;

		if (!pt->nrecords)
			continue;
		table_clear(&t, pt->nrecords);
		walk_start(&w, pt, &t, flags);
		while (walk_chunk(&w)) {
			for (size_t j = 0; j < w.n; j++) {
				const struct rec *r = &w.r[j];
				int added;
				struct entry *e = find_or_add(&t, w.h[j], r, &added);

				if (!e)
					goto refused;
				if (added)
					continue;
				if (t.marks[e - t.entries] & MARK_CONFLICT)
					continue;
				decode_at(e->rec, flags, &first);
				if (same_value(&first, r))
					continue;
				t.marks[e - t.entries] |= MARK_CONFLICT;
				t.others[e - t.entries] = (struct other){ r->at, r->row };
				conflicting++;
			}
		}
		out->groups += t.nentries;
		if (!conflicting)
			continue;
		out->conflicting += conflicting;
		/* a second walk for the rows of the groups that disagree */
		walk_start(&w, pt, &t, flags);
		while (walk_chunk(&w)) {
			for (size_t j = 0; j < w.n; j++) {
				const struct rec *r = &w.r[j];
				uint64_t h = w.h[j];
				struct entry *e = lookup(&t, h, r->key, r->len, &where);
				struct mlg_keyset_hit hit;
				struct rec other;
				uint64_t other_row;

				if (!(t.marks[e - t.entries] & MARK_CONFLICT))
					continue;
				out->rows++;
				if (!fn)
					continue;
				decode_at(e->rec, flags, &first);
				if (same_value(&first, r)) {
					decode_at(t.others[e - t.entries].rec, flags, &other);
					other_row = t.others[e - t.entries].row;
				} else {
					other = first;
					other_row = e->row;
				}
				hit = (struct mlg_keyset_hit){ r->row, other_row, (const char *)r->key, r->len,
							       (const char *)r->value, r->vlen,
							       (const char *)other.value, other.vlen };
				fn(payload, &hit);
			}
		}
	}
	table_release(&t);
	return 0;
refused:
	table_release(&t);
	return -1;
}

/* ---- compound keys ---- */

void mlg_keybuf_reset(struct mlg_keybuf *kb)
{
	kb->len = 0;
}

void mlg_keybuf_add(struct mlg_keybuf *kb, const char *data, size_t len, int is_null)
{
	size_t need = kb->len + VARINT_MAX + (is_null ? 0 : len);
	uint8_t *p;

	if (need > kb->alloc) {
		kb->alloc = need > 2 * kb->alloc ? need : 2 * kb->alloc;
		kb->buf = mlg_xrealloc(kb->buf, kb->alloc);
	}
	p = (uint8_t *)kb->buf + kb->len;
	if (is_null) {
		p = put_varint(p, 0);
	} else {
		p = put_varint(p, (uint64_t)len + 1);
		memcpy(p, data, len);
		p += len;
	}
	kb->len = (size_t)(p - (uint8_t *)kb->buf);
}

/* ---- the keys of a batch ---- */

static struct mlg_keyset_key *batch_slot(struct mlg_keyset_batch *kb)
{
	if (kb->n == kb->alloc) {
		kb->alloc = kb->alloc ? 2 * kb->alloc : 2048;
		kb->keys = mlg_xrealloc(kb->keys, kb->alloc * sizeof(*kb->keys));
		kb->starts = mlg_xrealloc(kb->starts, kb->alloc * sizeof(*kb->starts));
	}
	return &kb->keys[kb->n];
}

void mlg_keyset_batch_add(struct mlg_keyset_batch *kb, const char *key, size_t len,
			  const char *value, size_t value_len, uint64_t row)
{
	struct mlg_keyset_key *k = batch_slot(kb);

	*k = (struct mlg_keyset_key){ key, len, value, value_len, row };
	kb->starts[kb->n++] = SIZE_MAX;
}

size_t mlg_keyset_batch_add_cells(struct mlg_keyset_batch *kb, const struct mlg_cell *const *columns,
				  size_t n, size_t i, const char *value, size_t value_len, uint64_t row,
				  enum mlg_keyset_nulls skip)
{
	struct mlg_keyset_key *k = batch_slot(kb);
	size_t start = kb->bytes.len, nulls = 0;

	for (size_t c = 0; c < n; c++) {
		const struct mlg_cell *cell = &columns[c][i];

		nulls += cell->is_null != 0;
		mlg_keybuf_add(&kb->bytes, cell->data, cell->len, cell->is_null);
	}
	if ((skip == MLG_KEYSET_NULLS_SKIP_ANY && nulls) || (skip == MLG_KEYSET_NULLS_SKIP_ALL && nulls == n)) {
		kb->bytes.len = start;
		return nulls;
	}
	/* the buffer may still move: the pointer is made at the flush */
	*k = (struct mlg_keyset_key){ NULL, kb->bytes.len - start, value, value_len, row };
	kb->starts[kb->n++] = start;
	return nulls;
}

int mlg_keyset_batch_flush(struct mlg_keyset_batch *kb, struct mlg_keyset *ks)
{
	int rc;

	for (size_t i = 0; i < kb->n; i++)
		if (kb->starts[i] != SIZE_MAX)
			kb->keys[i].key = kb->bytes.buf + kb->starts[i];
	rc = mlg_keyset_add_many(ks, kb->keys, kb->n);
	kb->n = 0;
	kb->bytes.len = 0;
	return rc;
}

void mlg_keyset_batch_release(struct mlg_keyset_batch *kb)
{
	free(kb->keys);
	free(kb->starts);
	mlg_keybuf_release(&kb->bytes);
	memset(kb, 0, sizeof(*kb));
}

void mlg_keybuf_release(struct mlg_keybuf *kb)
{
	free(kb->buf);
	kb->buf = NULL;
	kb->len = kb->alloc = 0;
}

size_t mlg_keyset_key_parts(const char *key, size_t len, const char **parts, size_t *lens, size_t max)
{
	const uint8_t *p = (const uint8_t *)key, *end = p + len;
	size_t n = 0;

	while (p < end) {
		uint64_t v;

		p = get_varint(p, &v);
		if (v && v - 1 > (uint64_t)(end - p))
			break; /* not a compound key after all */
		if (n < max) {
			parts[n] = v ? (const char *)p : NULL;
			lens[n] = v ? (size_t)(v - 1) : 0;
		}
		n++;
		if (v)
			p += v - 1;
	}
	return n;
}

char *mlg_keyset_key_text(const char *key, size_t len, int compound, size_t max)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	const uint8_t *p = (const uint8_t *)key, *end = p + len;

	if (!compound) {
		mlg_strbuf_add(&sb, key, len);
	} else {
		for (int first = 1; p < end; first = 0) {
			uint64_t v;

			p = get_varint(p, &v);
			if (!first)
				mlg_strbuf_addstr(&sb, ", ");
			if (!v) {
				mlg_strbuf_addstr(&sb, "(null)");
				continue;
			}
			if (v - 1 > (uint64_t)(end - p))
				break; /* not a compound key after all */
			mlg_strbuf_add(&sb, p, (size_t)(v - 1));
			p += v - 1;
		}
	}
	if (max && sb.len > max) {
		size_t cut = max;

		/* not inside a UTF-8 sequence */
		while (cut > 0 && ((uint8_t)sb.buf[cut] & 0xc0) == 0x80)
			cut--;
		sb.len = cut;
		sb.buf[cut] = '\0';
		mlg_strbuf_addstr(&sb, "...");
	}
	return mlg_strbuf_detach(&sb);
}

/* ---- the first hits in row order ---- */

void mlg_keyset_examples_init(struct mlg_keyset_examples *ex, size_t max)
{
	memset(ex, 0, sizeof(*ex));
	ex->max = max;
}

static char *copy_bytes(const char *p, size_t len)
{
	char *s;

	if (!p)
		return NULL;
	s = mlg_xmalloc(len + 1);
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

static void example_release(struct mlg_keyset_example *e)
{
	free(e->key);
	free(e->value);
	free(e->other_value);
}

/* Restores the max-heap (by row) below item i. */
static void sift_down(struct mlg_keyset_example *items, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, big = i;
		struct mlg_keyset_example tmp;

		if (l < n && items[l].row > items[big].row)
			big = l;
		if (r < n && items[r].row > items[big].row)
			big = r;
		if (big == i)
			return;
		tmp = items[i];
		items[i] = items[big];
		items[big] = tmp;
		i = big;
	}
}

void mlg_keyset_examples_offer(void *payload, const struct mlg_keyset_hit *hit)
{
	struct mlg_keyset_examples *ex = payload;
	struct mlg_keyset_example e;
	size_t i;

	ex->offered++;
	if (!ex->max || (ex->n == ex->max && hit->row >= ex->items[0].row))
		return;
	e.row = hit->row;
	e.other_row = hit->other_row;
	e.key = copy_bytes(hit->key, hit->key_len);
	e.key_len = hit->key_len;
	e.value = copy_bytes(hit->value, hit->value_len);
	e.value_len = hit->value_len;
	e.other_value = copy_bytes(hit->other_value, hit->other_value_len);
	e.other_value_len = hit->other_value_len;
	if (ex->n == ex->max) {
		/* replaces the highest row */
		example_release(&ex->items[0]);
		ex->items[0] = e;
		sift_down(ex->items, ex->n, 0);
		return;
	}
	if (!ex->items)
		ex->items = mlg_xcalloc(ex->max, sizeof(*ex->items));
	i = ex->n++;
	ex->items[i] = e;
	while (i > 0 && ex->items[(i - 1) / 2].row < ex->items[i].row) {
		struct mlg_keyset_example tmp = ex->items[i];

		ex->items[i] = ex->items[(i - 1) / 2];
		ex->items[(i - 1) / 2] = tmp;
		i = (i - 1) / 2;
	}
}

static int by_row(const void *a, const void *b)
{
	const struct mlg_keyset_example *x = a, *y = b;

	return x->row < y->row ? -1 : x->row > y->row;
}

void mlg_keyset_examples_sort(struct mlg_keyset_examples *ex)
{
	if (ex->n > 1)
		qsort(ex->items, ex->n, sizeof(*ex->items), by_row);
}

void mlg_keyset_examples_release(struct mlg_keyset_examples *ex)
{
	for (size_t i = 0; i < ex->n; i++)
		example_release(&ex->items[i]);
	free(ex->items);
	ex->items = NULL;
	ex->n = 0;
	ex->offered = 0;
}
