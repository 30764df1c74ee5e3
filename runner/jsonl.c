/*
 * The JSON Lines reader of the scan engine: one JSON object per line into
 * batches of cells (see reader.h), in one pass over the bytes and with no
 * allocation per row. Cells point into the input; only strings holding
 * escapes are decoded, into the batch's arena.
 *
 * A record's keys are flattened to dotted paths ("user.country") and
 * looked up in an index built once from the column names. The records of a
 * file mostly list their keys in the same order, so the n-th key is first
 * compared with the column the n-th key of the previous record named; only
 * a miss pays for hashing. Each column remembers the record that last set
 * it, which tells a key given twice, and the columns a record left out,
 * without clearing anything per row. Paths that are not columns go into a
 * small per-record set, so that a repeated key is an error whichever
 * columns the dataset reads.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "util.h"

/* Containers inside one another, the record itself included. */
#define MAX_DEPTH 64
/* Bytes of a key shown in a message. */
#define SHOWN_KEY_MAX 200

#define NO_COLUMN ((size_t)-1)
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t fnv1a(const char *p, size_t len)
{
	uint64_t h = FNV_OFFSET;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= FNV_PRIME;
	}
	return h;
}

/* ---- the index: dotted path to column ---- */

struct index_slot {
	uint64_t hash;
	const char *name; /* NULL: empty slot */
	size_t len;
	size_t column;
};

struct mlg_jsonl_index {
	size_t ncolumns;
	size_t mask;
	struct index_slot *slots;
	const struct index_slot **by_column; /* a name listed twice: the first's slot */
};

struct mlg_jsonl_index *mlg_jsonl_index_new(const char *const *columns, size_t n)
{
	struct mlg_jsonl_index *index = mlg_xcalloc(1, sizeof(*index));
	size_t size = 8;

	/* at most half full, so that a miss ends quickly */
	while (size < 2 * n)
		size *= 2;
	index->ncolumns = n;
	index->mask = size - 1;
	index->slots = mlg_xcalloc(size, sizeof(*index->slots));
	index->by_column = mlg_xcalloc(n, sizeof(*index->by_column));
	for (size_t c = 0; c < n; c++) {
		size_t len = strlen(columns[c]);
		uint64_t h = fnv1a(columns[c], len);
		size_t i = h & index->mask;

		for (;; i = (i + 1) & index->mask) {
			struct index_slot *s = &index->slots[i];

			if (!s->name) {
				s->hash = h;
				s->name = mlg_xstrndup(columns[c], len);
				s->len = len;
				s->column = c;
				index->by_column[c] = s;
				break;
			}
			/* a name listed twice: the first column gets the values */
			if (s->hash == h && s->len == len && !memcmp(s->name, columns[c], len)) {
				index->by_column[c] = s;
				break;
			}
		}
	}
	return index;
}

void mlg_jsonl_index_free(struct mlg_jsonl_index *index)
{
	if (!index)
		return;
	for (size_t i = 0; i <= index->mask; i++)
		free((char *)index->slots[i].name);
	free(index->slots);
	free(index->by_column);
	free(index);
}

static size_t index_find(const struct mlg_jsonl_index *index, const char *path, size_t len,
			 uint64_t h)
{
	for (size_t i = h & index->mask;; i = (i + 1) & index->mask) {
		const struct index_slot *s = &index->slots[i];

		if (!s->name)
			return NO_COLUMN;
		if (s->hash == h && s->len == len && !memcmp(s->name, path, len))
			return s->column;
	}
}

/* ---- the parser of one line ---- */

/* A path that is not a column, seen in the record of generation `gen`. */
struct seen_slot {
	uint64_t hash;
	uint64_t gen;
	size_t off, len; /* its bytes in seen_bytes */
};

struct parser {
	const char *buf;
	size_t end;                   /* end of the line's text (before any CR LF) */
	int listing;                  /* collecting the keys rather than cells */
	const struct mlg_jsonl_index *index;
	struct mlg_batch_impl *b;
	size_t row;
	size_t nsplit;                /* columns below this may be split out */
	uint64_t gen;                 /* the record being parsed, from 1 */
	uint64_t *stamp;              /* per column: gen of the record that gave it */
	size_t *used;                 /* the columns split out */
	size_t nused;
	size_t nfilled;               /* of those, set by this record */
	size_t *predicted;            /* per key of a record, in order: the previous one's column */
	size_t npredicted;
	size_t nkeys;                 /* keys of this record so far */
	char *path;                   /* the dotted path of a nested key */
	size_t path_cap;
	char *scratch;                /* a string with escapes, decoded */
	size_t scratch_cap;
	struct seen_slot *seen;
	size_t seen_mask, nseen;
	char *seen_bytes;
	size_t seen_len, seen_cap;
	char **names;                 /* when listing */
	size_t nnames, names_alloc;
	size_t err_pos;               /* the first error */
	char *err_text;
};

static void parser_init(struct parser *p, const char *buf, const struct mlg_jsonl_index *index,
			struct mlg_batch_impl *b)
{
	memset(p, 0, sizeof(*p));
	p->buf = buf;
	p->index = index;
	p->listing = !index;
	p->b = b;
	if (index && index->ncolumns) {
		p->stamp = mlg_xcalloc(index->ncolumns, sizeof(*p->stamp));
		p->used = mlg_xcalloc(index->ncolumns, sizeof(*p->used));
		p->nsplit = index->ncolumns < b->pub.ncolumns ? index->ncolumns : b->pub.ncolumns;
		for (size_t c = 0; c < p->nsplit; c++)
			if (b->used[c])
				p->used[p->nused++] = c;
	}
}

static void parser_release(struct parser *p)
{
	free(p->stamp);
	free(p->used);
	free(p->predicted);
	free(p->path);
	free(p->scratch);
	free(p->seen);
	free(p->seen_bytes);
	for (size_t i = 0; i < p->nnames; i++)
		free(p->names[i]);
	free(p->names);
	free(p->err_text);
}

static int fail(struct parser *p, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, size_t pos, const char *fmt, ...)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	mlg_strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	p->err_pos = pos;
	p->err_text = mlg_strbuf_detach(&sb);
	return -1;
}

/* The path for a message: control bytes as \xNN, a long one cut. */
static int fail_twice(struct parser *p, size_t pos, const char *path, size_t len)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	size_t n = len;
	int rc;

	if (n > SHOWN_KEY_MAX) {
		n = SHOWN_KEY_MAX;
		/* not in the middle of a character */
		while (n > 0 && ((unsigned char)path[n] & 0xc0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];

		if (c < 0x20 || c == 0x7f)
			mlg_strbuf_addf(&sb, "\\x%02x", c);
		else
			mlg_strbuf_addch(&sb, c);
	}
	if (n < len)
		mlg_strbuf_addstr(&sb, "...");
	rc = fail(p, pos, "key '%s' appears twice", mlg_strbuf_str(&sb));
	mlg_strbuf_release(&sb);
	return rc;
}

static void reserve(char **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return;
	*cap = *cap * 2 > need ? *cap * 2 : need + 64;
	*buf = mlg_xrealloc(*buf, *cap);
}

static inline size_t skip_space(const struct parser *p, size_t i)
{
	/* most JSON Lines are written without blanks between tokens */
	if (i < p->end && (unsigned char)p->buf[i] > ' ')
		return i;
	while (i < p->end && (p->buf[i] == ' ' || p->buf[i] == '\t' || p->buf[i] == '\r'))
		i++;
	return i;
}

/* Bytes that end a run of plain string bytes: quote, backslash, control, non-ASCII. */
static const unsigned char string_special[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20: '"' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x30 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x50: '\\' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x60 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x70 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x80 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/*
 * The first byte of s[i..end) that string_special[] marks, or end. Eight
 * bytes at a time where the machine allows: a word with a quote, a
 * backslash, a control or a non-ASCII byte sets the high bit of the first
 * such byte (bits above it may be set by borrows; they are not looked at).
 */
static inline size_t next_special(const unsigned char *s, size_t i, size_t end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	while (end - i >= 8) {
		uint64_t w, q, b, hits;

		memcpy(&w, s + i, 8);
		q = w ^ (ONES * '"');
		b = w ^ (ONES * '\\');
		hits = ((w - ONES * 0x20) | (q - ONES) | (b - ONES)) & ~w & HIGHS;
		hits |= w & HIGHS;
		if (hits)
			return i + (size_t)__builtin_ctzll(hits) / 8;
		i += 8;
	}
#endif
	while (i < end && !string_special[s[i]])
		i++;
	return i;
}

/*
 * Length of the well-formed UTF-8 sequence at s[0..n) whose first byte is
 * 0x80 or above, or 0: no overlong forms, no surrogates, nothing above
 * U+10FFFF (the second byte's range depends on the first, as in Unicode's
 * table 3-7).
 */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		return n >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		return n >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 &&
				       (s[3] & 0xc0) == 0x80
			       ? 4
			       : 0;
	}
	return 0;
}

/* The four hex digits at buf[i..i+4) as a number, or -1. */
static long hex4(const struct parser *p, size_t i)
{
	long v = 0;

	if (p->end - i < 4)
		return -1;
	for (size_t k = 0; k < 4; k++) {
		char c = p->buf[i + k];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static size_t put_utf8(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * The code point of the \\u escape at buf[i], a surrogate pair taking the
 * escape after it too; *len is the bytes read. -1 when it is not valid.
 */
static long unicode_escape(struct parser *p, size_t i, size_t *len)
{
	static const char no_hex[] = "invalid JSON: \\u must be followed by four hex digits";
	static const char unpaired[] = "invalid JSON: unpaired surrogate in a \\u escape";
	long hi = hex4(p, i + 2), lo;

	*len = 6;
	if (hi < 0)
		return fail(p, i, no_hex);
	if (hi < 0xd800 || hi > 0xdfff)
		return hi;
	if (hi >= 0xdc00 || p->end - i < 8 || p->buf[i + 6] != '\\' || p->buf[i + 7] != 'u')
		return fail(p, i, unpaired);
	lo = hex4(p, i + 8);
	if (lo < 0)
		return fail(p, i + 6, no_hex);
	if (lo < 0xdc00 || lo > 0xdfff)
		return fail(p, i, unpaired);
	*len = 12;
	return 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
}

/*
 * Decodes the string opened at `open` whose first escape is at `i` into
 * p->scratch (never longer than its JSON text), checking the rest of it.
 */
static int decode_string(struct parser *p, size_t open, size_t i, size_t *after,
			 const char **out, size_t *out_len)
{
	const char *buf = p->buf;
	size_t o = i - open - 1;

	reserve(&p->scratch, &p->scratch_cap, p->end - open);
	memcpy(p->scratch, buf + open + 1, o);
	for (;;) {
		unsigned char c;
		size_t n;
		long cp;

		if (i >= p->end)
			return fail(p, open, "invalid JSON: unexpected end of line inside a string");
		c = (unsigned char)buf[i];
		if (!string_special[c]) {
			p->scratch[o++] = (char)c;
			i++;
			continue;
		}
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(p, i, "invalid JSON: unescaped control character in a string");
		if (c >= 0x80) {
			n = utf8_sequence((const unsigned char *)buf + i, p->end - i);
			if (!n)
				return fail(p, i, "invalid UTF-8 in a string");
			memcpy(p->scratch + o, buf + i, n);
			o += n;
			i += n;
			continue;
		}
		/* a backslash */
		if (i + 1 >= p->end)
			return fail(p, open, "invalid JSON: unexpected end of line inside a string");
		switch (buf[i + 1]) {
		case '"':
		case '\\':
		case '/':
			p->scratch[o++] = buf[i + 1];
			break;
		case 'b':
			p->scratch[o++] = '\b';
			break;
		case 'f':
			p->scratch[o++] = '\f';
			break;
		case 'n':
			p->scratch[o++] = '\n';
			break;
		case 'r':
			p->scratch[o++] = '\r';
			break;
		case 't':
			p->scratch[o++] = '\t';
			break;
		case 'u':
			cp = unicode_escape(p, i, &n);
			if (cp < 0)
				return -1;
			/* values and keys are C strings further on: "a\u0000b" would read as "a" */
			if (cp == 0)
				return fail(p, i, "\\u0000 in a string: a NUL character is not text");
			o += put_utf8(p->scratch + o, (unsigned long)cp);
			i += n;
			continue;
		default:
			c = (unsigned char)buf[i + 1];
			if (c > 0x20 && c < 0x7f)
				return fail(p, i, "invalid JSON: invalid escape '\\%c' in a string", c);
			return fail(p, i, "invalid JSON: invalid escape in a string");
		}
		i += 2;
	}
	*after = i + 1;
	*out = p->scratch;
	*out_len = o;
	return 0;
}

/*
 * parse_string() past the first byte that string_special[] marks, at i:
 * non-ASCII text, an escape or an error.
 */
static int parse_string_rest(struct parser *p, size_t open, size_t i, size_t *pos,
			     const char **out, size_t *out_len)
{
	const unsigned char *s = (const unsigned char *)p->buf;

	for (;;) {
		size_t n;

		if (i >= p->end)
			return fail(p, open, "invalid JSON: unexpected end of line inside a string");
		if (s[i] == '"')
			break;
		if (s[i] == '\\')
			return decode_string(p, open, i, pos, out, out_len);
		if (s[i] < 0x20)
			return fail(p, i, "invalid JSON: unescaped control character in a string");
		n = utf8_sequence(s + i, p->end - i);
		if (!n)
			return fail(p, i, "invalid UTF-8 in a string");
		i = next_special(s, i + n, p->end);
	}
	*out = p->buf + open + 1;
	*out_len = i - open - 1;
	*pos = i + 1;
	return 0;
}

/*
 * Parses the string whose opening quote is at *pos and moves *pos past it;
 * *out and *out_len give its text: the input's bytes when it holds no escape,
 * else the decoded bytes in p->scratch (valid until the next string). The
 * common case, plain ASCII, stays inline.
 */
static inline int parse_string(struct parser *p, size_t *pos, const char **out, size_t *out_len)
{
	size_t open = *pos, i = next_special((const unsigned char *)p->buf, open + 1, p->end);

	if (i < p->end && p->buf[i] == '"') {
		*out = p->buf + open + 1;
		*out_len = i - open - 1;
		*pos = i + 1;
		return 0;
	}
	return parse_string_rest(p, open, i, pos, out, out_len);
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Checks the JSON number at *pos against the grammar; *pos moves past it. */
static int parse_number(struct parser *p, size_t *pos)
{
	const char *s = p->buf;
	size_t i = *pos, end = p->end;

	if (s[i] == '-')
		i++;
	if (i >= end || !is_digit(s[i]))
		return fail(p, i, "invalid JSON: invalid number");
	if (s[i] == '0') {
		i++;
		if (i < end && is_digit(s[i]))
			return fail(p, i, "invalid JSON: invalid number");
	} else {
		while (i < end && is_digit(s[i]))
			i++;
	}
	if (i < end && s[i] == '.') {
		i++;
		if (i >= end || !is_digit(s[i]))
			return fail(p, i, "invalid JSON: invalid number");
		while (i < end && is_digit(s[i]))
			i++;
	}
	if (i < end && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < end && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= end || !is_digit(s[i]))
			return fail(p, i, "invalid JSON: invalid number");
		while (i < end && is_digit(s[i]))
			i++;
	}
	*pos = i;
	return 0;
}

static int has_word(const struct parser *p, size_t i, const char *word, size_t len)
{
	return p->end - i >= len && !memcmp(p->buf + i, word, len);
}

static int skip_value(struct parser *p, size_t *pos, int depth);

/* Checks the array at *pos (its '[') and moves *pos past it. */
static int skip_array(struct parser *p, size_t *pos, int depth)
{
	size_t i;

	if (depth > MAX_DEPTH)
		return fail(p, *pos, "invalid JSON: nesting deeper than %d levels", MAX_DEPTH);
	i = skip_space(p, *pos + 1);
	if (i < p->end && p->buf[i] == ']') {
		*pos = i + 1;
		return 0;
	}
	for (;;) {
		if (skip_value(p, &i, depth) < 0)
			return -1;
		i = skip_space(p, i);
		if (i < p->end && p->buf[i] == ',') {
			i = skip_space(p, i + 1);
			continue;
		}
		if (i < p->end && p->buf[i] == ']') {
			*pos = i + 1;
			return 0;
		}
		return fail(p, i, "invalid JSON: expected ',' or ']' after a value");
	}
}

/*
 * Checks an object inside an array (its '{' at *pos): its keys are not
 * columns, so only the syntax matters.
 */
static int skip_object(struct parser *p, size_t *pos, int depth)
{
	size_t i;

	if (depth > MAX_DEPTH)
		return fail(p, *pos, "invalid JSON: nesting deeper than %d levels", MAX_DEPTH);
	i = skip_space(p, *pos + 1);
	if (i < p->end && p->buf[i] == '}') {
		*pos = i + 1;
		return 0;
	}
	for (;;) {
		const char *key;
		size_t klen;

		if (i >= p->end || p->buf[i] != '"')
			return fail(p, i, "invalid JSON: expected a key in double quotes");
		if (parse_string(p, &i, &key, &klen) < 0)
			return -1;
		i = skip_space(p, i);
		if (i >= p->end || p->buf[i] != ':')
			return fail(p, i, "invalid JSON: expected ':' after a key");
		i = skip_space(p, i + 1);
		if (skip_value(p, &i, depth) < 0)
			return -1;
		i = skip_space(p, i);
		if (i < p->end && p->buf[i] == ',') {
			i = skip_space(p, i + 1);
			continue;
		}
		if (i < p->end && p->buf[i] == '}') {
			*pos = i + 1;
			return 0;
		}
		return fail(p, i, "invalid JSON: expected ',' or '}' after a value");
	}
}

/* Checks a scalar (true, false, null or a number) at *pos and moves past it. */
static int skip_scalar(struct parser *p, size_t *pos)
{
	size_t i = *pos;

	if (i >= p->end)
		return fail(p, i, "invalid JSON: expected a value");
	switch (p->buf[i]) {
	case 't':
	case 'f':
	case 'n':
		if (has_word(p, i, "true", 4) || has_word(p, i, "null", 4)) {
			*pos = i + 4;
			return 0;
		}
		if (has_word(p, i, "false", 5)) {
			*pos = i + 5;
			return 0;
		}
		return fail(p, i, "invalid JSON: expected true, false or null");
	case '-':
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9':
		return parse_number(p, pos);
	default:
		return fail(p, i, "invalid JSON: expected a value");
	}
}

/* Checks any value at *pos, `depth` containers deep, and moves past it. */
static int skip_value(struct parser *p, size_t *pos, int depth)
{
	const char *s;
	size_t n;

	if (*pos < p->end) {
		switch (p->buf[*pos]) {
		case '"':
			return parse_string(p, pos, &s, &n);
		case '[':
			return skip_array(p, pos, depth + 1);
		case '{':
			return skip_object(p, pos, depth + 1);
		}
	}
	return skip_scalar(p, pos);
}

/*
 * Remembers path[0..len), which is not a column; -1 when this record
 * already gave it. Slots of earlier records count as empty.
 */
static int seen_add(struct parser *p, const char *path, size_t len)
{
	uint64_t h = fnv1a(path, len);
	struct seen_slot *s;
	size_t i;

	if (2 * (p->nseen + 1) > (p->seen ? p->seen_mask + 1 : 0)) {
		struct seen_slot *old = p->seen;
		size_t old_size = old ? p->seen_mask + 1 : 0, size = old_size ? 2 * old_size : 16;

		p->seen = mlg_xcalloc(size, sizeof(*p->seen));
		p->seen_mask = size - 1;
		for (size_t k = 0; k < old_size; k++) {
			if (old[k].gen != p->gen)
				continue;
			for (i = old[k].hash & p->seen_mask; p->seen[i].gen == p->gen;
			     i = (i + 1) & p->seen_mask)
				;
			p->seen[i] = old[k];
		}
		free(old);
	}
	for (i = h & p->seen_mask;; i = (i + 1) & p->seen_mask) {
		s = &p->seen[i];
		if (s->gen != p->gen)
			break;
		if (s->hash == h && s->len == len && !memcmp(p->seen_bytes + s->off, path, len))
			return -1;
	}
	/* One byte more than needed, so that seen_bytes is never NULL: the
	 * empty key "" is a path too, and NULL + 0 is undefined behaviour. */
	reserve(&p->seen_bytes, &p->seen_cap, p->seen_len + len + 1);
	memcpy(p->seen_bytes + p->seen_len, path, len);
	s->hash = h;
	s->gen = p->gen;
	s->off = p->seen_len;
	s->len = len;
	p->seen_len += len;
	p->nseen++;
	return 0;
}

/* memcmp() == 0 for the few bytes of a key, without the call. */
static int same_bytes(const char *a, const char *b, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (a[k] != b[k])
			return 0;
	return 1;
}

/* The column of the record's next key, path[0..len), or NO_COLUMN. */
static size_t find_column(struct parser *p, const char *path, size_t len)
{
	size_t k = p->nkeys++, c;

	if (k < p->npredicted) {
		c = p->predicted[k];
		if (c != NO_COLUMN) {
			const struct index_slot *s = p->index->by_column[c];

			if (s->len == len && same_bytes(s->name, path, len))
				return c;
		}
	} else {
		size_t n = p->npredicted;

		MLG_ALLOC_GROW(p->predicted, k + 1, p->npredicted);
		while (n < p->npredicted)
			p->predicted[n++] = NO_COLUMN;
	}
	c = index_find(p->index, path, len, fnv1a(path, len));
	p->predicted[k] = c;
	return c;
}

static void set_cell(struct parser *p, size_t col, const char *data, size_t len, int is_null)
{
	struct mlg_cell *cell = &p->b->cols[col].cells[p->row];

	cell->data = data;
	cell->len = (uint32_t)len;
	cell->is_null = (uint32_t)is_null;
	p->nfilled++;
}

/*
 * Parses the object at *pos (its '{'), the record itself or one nested in
 * it under the path p->path[0..prefix_len): each key's path is the prefix,
 * a dot and the key (just the key in the record). Sets the cells of the
 * columns split out, or lists the paths when listing.
 */
static int parse_object(struct parser *p, size_t *pos, int depth, size_t prefix_len)
{
	const char *buf = p->buf;
	size_t i;

	if (depth > MAX_DEPTH)
		return fail(p, *pos, "invalid JSON: nesting deeper than %d levels", MAX_DEPTH);
	i = skip_space(p, *pos + 1);
	if (i < p->end && buf[i] == '}') {
		*pos = i + 1;
		return 0;
	}
	for (;;) {
		const char *path, *text;
		size_t key_pos = i, plen, col = NO_COLUMN, start, tlen;
		int split;

		if (i >= p->end || buf[i] != '"')
			return fail(p, i, "invalid JSON: expected a key in double quotes");
		if (parse_string(p, &i, &path, &plen) < 0)
			return -1;
		/* a key of the record is its own path, until an object under it needs it copied */
		if (depth > 1 || p->listing) {
			size_t full = prefix_len + (depth > 1) + plen;

			reserve(&p->path, &p->path_cap, full + 1);
			if (depth > 1)
				p->path[prefix_len] = '.';
			memcpy(p->path + full - plen, path, plen);
			path = p->path;
			plen = full;
		}
		if (!p->listing)
			col = find_column(p, path, plen);
		if (col != NO_COLUMN) {
			if (p->stamp[col] == p->gen)
				return fail_twice(p, key_pos, path, plen);
			p->stamp[col] = p->gen;
		} else if (seen_add(p, path, plen) < 0) {
			return fail_twice(p, key_pos, path, plen);
		}
		split = col < p->nsplit && p->b->used[col];

		i = skip_space(p, i);
		if (i >= p->end || buf[i] != ':')
			return fail(p, i, "invalid JSON: expected ':' after a key");
		i = skip_space(p, i + 1);
		start = i;
		if (i < p->end && buf[i] == '{') {
			if (path != p->path) {
				reserve(&p->path, &p->path_cap, plen + 1);
				memcpy(p->path, path, plen);
			}
			if (parse_object(p, &i, depth + 1, plen) < 0)
				return -1;
			/* an object where a column was expected keeps its text, like an array */
			if (split)
				set_cell(p, col, buf + start, i - start, 0);
		} else {
			if (i < p->end && buf[i] == '"') {
				if (parse_string(p, &i, &text, &tlen) < 0)
					return -1;
				if (split && text == p->scratch) {
					char *copy = mlg_batch__copy(p->b, tlen);

					memcpy(copy, text, tlen);
					text = copy;
				}
			} else {
				if (i < p->end && buf[i] == '[') {
					if (skip_array(p, &i, depth + 1) < 0)
						return -1;
				} else if (skip_scalar(p, &i) < 0) {
					return -1;
				}
				text = buf + start;
				tlen = i - start;
			}
			if (split) {
				if (buf[start] == 'n')
					set_cell(p, col, "", 0, 1);
				else
					set_cell(p, col, text, tlen, 0);
			}
			if (p->listing) {
				MLG_ALLOC_GROW(p->names, p->nnames + 2, p->names_alloc);
				p->names[p->nnames++] = mlg_xstrndup(p->path, plen);
				p->names[p->nnames] = NULL;
			}
		}

		i = skip_space(p, i);
		if (i < p->end && buf[i] == ',') {
			i = skip_space(p, i + 1);
			continue;
		}
		if (i < p->end && buf[i] == '}') {
			*pos = i + 1;
			return 0;
		}
		return fail(p, i, "invalid JSON: expected ',' or '}' after a value");
	}
}

/* What a record that is not an object is, for the message; NULL when not JSON. */
static const char *non_object(const struct parser *p, size_t i)
{
	switch (p->buf[i]) {
	case '[':
		return "an array";
	case '"':
		return "a string";
	case 't':
		return has_word(p, i, "true", 4) ? "true" : NULL;
	case 'f':
		return has_word(p, i, "false", 5) ? "false" : NULL;
	case 'n':
		return has_word(p, i, "null", 4) ? "null" : NULL;
	default:
		return p->buf[i] == '-' || is_digit(p->buf[i]) ? "a number" : NULL;
	}
}

/*
 * Parses the record in buf[pos..end) (pos at its first byte that is not
 * blank) into row p->row, then makes the columns it left out null.
 */
static int parse_record(struct parser *p, size_t pos, size_t end, size_t row)
{
	const char *what;

	p->end = end;
	p->row = row;
	p->gen++;
	p->nfilled = 0;
	p->nkeys = 0;
	p->nseen = 0;
	p->seen_len = 0;
	if (p->buf[pos] != '{') {
		what = non_object(p, pos);
		if (what)
			return fail(p, pos, "a record must be a JSON object, found %s", what);
		return fail(p, pos, "invalid JSON: expected '{' at the start of a record");
	}
	if (parse_object(p, &pos, 1, 0) < 0)
		return -1;
	pos = skip_space(p, pos);
	if (pos < end)
		return fail(p, pos, "invalid JSON: unexpected text after the object");
	if (p->nfilled < p->nused) {
		for (size_t k = 0; k < p->nused; k++) {
			size_t c = p->used[k];

			if (p->stamp[c] != p->gen)
				set_cell(p, c, "", 0, 1);
		}
	}
	return 0;
}

/* The end of the line's text: the next LF (or len), less a CR before it. */
static size_t text_end(const char *buf, size_t pos, size_t eol)
{
	return eol > pos && buf[eol - 1] == '\r' ? eol - 1 : eol;
}

static size_t skip_bom(const char *buf, size_t len, size_t pos, uint64_t base)
{
	if (base + pos == 0 && len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		return 3;
	return pos;
}

int mlg_jsonl_first_columns(const char *buf, size_t len, char ***names, size_t *n,
			    char **error)
{
	struct parser p;
	size_t pos = skip_bom(buf, len, 0, 0);
	uint64_t line = 1;
	const char *nl;

	*names = NULL;
	*n = 0;
	*error = NULL;
	while (pos < len && (buf[pos] == '\n' || buf[pos] == ' ' || buf[pos] == '\t' ||
			     buf[pos] == '\r'))
		line += buf[pos++] == '\n';
	if (pos >= len) {
		/* no record: no columns, and no rows to read either */
		*names = mlg_xcalloc(1, sizeof(**names));
		return 0;
	}
	nl = memchr(buf + pos, '\n', len - pos);
	parser_init(&p, buf, NULL, NULL);
	if (parse_record(&p, pos, text_end(buf, pos, nl ? (size_t)(nl - buf) : len), 0) < 0) {
		*error = mlg_xasprintf("row 1 (line %llu, byte %zu): %s", (unsigned long long)line,
				       p.err_pos, p.err_text);
		parser_release(&p);
		return -1;
	}
	*names = p.names ? p.names : mlg_xcalloc(1, sizeof(**names));
	*n = p.nnames;
	p.names = NULL;
	p.nnames = 0;
	parser_release(&p);
	return 0;
}

size_t mlg_jsonl_scan(const struct mlg_jsonl_index *index, const char *buf, size_t len,
		      size_t pos, size_t stop, int final, uint64_t base, struct mlg_batch_impl *b,
		      mlg_batch_sink sink, void *payload, struct mlg_part_result *res)
{
	struct parser p;
	uint64_t lines = res->nlines;

	parser_init(&p, buf, index, b);
	pos = skip_bom(buf, len, pos, base);
	for (;;) {
		size_t line = pos, eol;
		const char *nl;

		/* blank lines; those from `stop` on belong to the next part */
		while (pos < len && line < stop) {
			char c = buf[pos];

			if (c == '\n') {
				lines++;
				line = ++pos;
			} else if (c == ' ' || c == '\t' || c == '\r') {
				pos++;
			} else {
				break;
			}
		}
		if (line >= stop) {
			pos = line;
			break;
		}
		if (pos >= len) {
			/* blanks to the end: wait for the rest of their line */
			if (!final)
				pos = line;
			break;
		}
		nl = memchr(buf + pos, '\n', len - pos);
		if (!nl && !final) {
			pos = line;
			break;
		}
		eol = nl ? (size_t)(nl - buf) : len;
		if (parse_record(&p, pos, text_end(buf, pos, eol), b->pub.nrows) < 0) {
			res->error = -1;
			res->err_row = res->nrows + 1;
			res->err_line = lines;
			res->err_offset = base + p.err_pos;
			res->err_text = p.err_text;
			p.err_text = NULL;
			pos = line;
			goto done;
		}
		pos = eol;
		if (nl) {
			lines++;
			pos++;
		}
		res->nrows++;
		if (++b->pub.nrows == b->cap) {
			if (sink(payload, &b->pub)) {
				res->stopped = 1;
				goto done;
			}
			mlg_batch__reset(b, res->nrows + 1);
		}
	}
	if (b->pub.nrows && sink(payload, &b->pub))
		res->stopped = 1;
	mlg_batch__reset(b, res->nrows + 1);
done:
	res->nlines = lines;
	parser_release(&p);
	return pos;
}
