/*
 * The streaming CSV reader (see include/mlgate/csv.h).
 *
 * One parsing core serves files and memory. The input arrives as "chunks":
 * a file is read with read(2) into one reusable block, a memory buffer is a
 * single chunk. The parser is a small state machine whose whole state lives
 * in struct mlg_csv, so a record may span any number of chunks: every
 * field's bytes are copied (unescaped) into one growable record buffer, so
 * nothing has to stay in the input block once parsed.
 *
 * Ownership: the reader owns its name, read block, record buffer, field
 * array and column names; rows handed out point into them and stay valid
 * until the next mlg_csv_next() or mlg_csv_free(). Memory input belongs to
 * the caller and must outlive the reader. Buffers only grow; nothing is
 * allocated per row once they are large enough.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlgate/csv.h"
#include "mlgate/error.h"
#include "csv_internal.h"
#include "text.h"
#include "util.h"

/*
 * Size of one read(2). Nothing may depend on it: records span blocks. At
 * least 3, so that a byte order mark arrives in one piece. Tests and the
 * fuzzer make it tiny (mlg_csv__set_block_size) so that records, CRLFs
 * and doubled quotes fall across blocks; each reader takes the size once,
 * when it opens.
 */
#define CSV_BLOCK_SIZE (1024 * 1024)
static atomic_size_t csv_block_size_override;

void mlg_csv__set_block_size(size_t bytes)
{
	atomic_store_explicit(&csv_block_size_override, bytes && bytes < 3 ? 3 : bytes,
			      memory_order_relaxed);
}

/* Where a column name begins in the input, kept while the header is read. */
struct csv_name_start {
	uint64_t offset; /* of its first byte (after the opening quote) */
	uint64_t line;
	int quoted;
};

enum csv_state {
	CSV_FIELD_START, /* nothing of the current field seen yet */
	CSV_UNQUOTED,    /* inside an unquoted field */
	CSV_QUOTED,      /* inside a quoted field */
	CSV_QUOTE_SEEN   /* a quote inside a quoted field: "" or the end */
};

struct mlg_csv {
	char *name;       /* owned; quoted in messages */
	int fd;           /* -1 for memory input */
	char *block;      /* owned read buffer (files only) */
	size_t block_size;
	const char *chunk; /* the input bytes being parsed: block or memory */
	size_t chunk_len;
	size_t pos;            /* parse position in chunk */
	uint64_t chunk_offset; /* input offset of chunk[0] */
	int eof;               /* no input after the current chunk */
	unsigned char prev;    /* last byte of the previous chunk */
	uint64_t line;         /* physical line at pos, 1-based */

	char delim;
	char quote;
	int header;
	int err; /* sticky error (bad syntax, read error), 0 when none */

	/*
	 * The current record: the unescaped bytes of each field in turn,
	 * each followed by a NUL. Field i's data pointer is derived from the
	 * lengths once the record is complete, because `data` may move as
	 * it grows.
	 */
	char *data;
	size_t data_len;
	size_t data_alloc;
	struct mlg_field *fields;
	size_t fields_alloc;
	struct mlg_row row;
	uint64_t rows;   /* data records parsed so far */
	int pending;     /* without a header: record 1 is parsed, not returned */

	/* where the current record and its last opening quote are */
	uint64_t rec_line;
	uint64_t rec_offset;
	uint64_t quote_line;
	uint64_t quote_offset;

	/*
	 * While the header is read (in_header): where each name starts, so
	 * that a bad byte in one is reported at its offset in the file.
	 */
	int in_header;
	struct csv_name_start *starts; /* owned */
	size_t nstarts, starts_alloc;
	unsigned bom16;  /* 0xfffe or 0xfeff: the input begins with a UTF-16 byte order mark */

	char *names_buf; /* owned: the column names, NUL-separated */
	char **names;    /* owned array of ncolumns pointers into names_buf */
	size_t ncolumns;

	/* bytes that end a run of plain bytes, outside and inside quotes */
	unsigned char special[256];
	unsigned char qspecial[256];
};

/*
 * Reads the next block. Returns 1 when bytes were read, 0 at the end of the
 * input, or a negative code. Loops until at least `min` bytes are in (or the
 * end), so the caller can look at a byte order mark in one piece.
 */
static int csv_refill(struct mlg_csv *c, size_t min)
{
	size_t got = 0;

	if (c->chunk_len)
		c->prev = (unsigned char)c->chunk[c->chunk_len - 1];
	c->chunk_offset += c->chunk_len;
	c->chunk_len = 0;
	c->pos = 0;
	if (c->eof)
		return 0;
	while (got < min && got < c->block_size) {
		ssize_t n = read(c->fd, c->block + got, c->block_size - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			c->err = mlg_error_code(MLG_ERROR, "cannot read '%s': %s",
						c->name, strerror(errno));
			return c->err;
		}
		if (n == 0) {
			c->eof = 1;
			break;
		}
		got += (size_t)n;
	}
	c->chunk = c->block;
	c->chunk_len = got;
	return got > 0;
}

/* The byte before chunk[pos], looking back into the previous chunk. */
static unsigned char csv_prev_byte(const struct mlg_csv *c, size_t pos)
{
	return pos ? (unsigned char)c->chunk[pos - 1] : c->prev;
}

/*
 * Makes room for `n` more bytes and a NUL in the record buffer. Kept out
 * of csv_add() so that the common case there inlines to a compare and a
 * copy.
 */
static void csv_grow(struct mlg_csv *c, size_t n)
{
	size_t want = c->data_alloc * 2;

	if (want < c->data_len + n + 1)
		want = c->data_len + n + 1;
	c->data = mlg_xrealloc(c->data, want);
	c->data_alloc = want;
}

/* Appends field bytes; there is always room left for the NUL after them. */
static inline void csv_add(struct mlg_csv *c, const char *s, size_t n)
{
	if (c->data_alloc - c->data_len <= n)
		csv_grow(c, n);
	memcpy(c->data + c->data_len, s, n);
	c->data_len += n;
}

/* Ends the field that began at data offset `start`: NUL-terminates it. */
static inline void csv_end_field(struct mlg_csv *c, size_t start, int quoted)
{
	struct mlg_field *f;

	if (c->row.nfields == c->fields_alloc)
		MLG_ALLOC_GROW(c->fields, c->row.nfields + 1, c->fields_alloc);
	f = &c->fields[c->row.nfields++];
	f->len = c->data_len - start;
	f->is_null = !quoted && f->len == 0;
	if (c->data_len == c->data_alloc)
		csv_grow(c, 0);
	c->data[c->data_len++] = '\0';
}

/* Notes where the header's next name begins (only while the header is read). */
static void csv_note_name(struct mlg_csv *c, int quoted)
{
	struct csv_name_start *st;

	MLG_ALLOC_GROW(c->starts, c->row.nfields + 1, c->starts_alloc);
	st = &c->starts[c->row.nfields];
	st->offset = c->chunk_offset + c->pos + (quoted ? 1 : 0);
	st->line = c->line;
	st->quoted = quoted;
	c->nstarts = c->row.nfields + 1;
}

/* Points each field at its bytes once the record buffer has stopped moving. */
static void csv_finish_record(struct mlg_csv *c)
{
	const char *p = c->data;
	size_t i;

	for (i = 0; i < c->row.nfields; i++) {
		c->fields[i].data = p;
		p += c->fields[i].len + 1;
	}
	c->row.fields = c->fields;
}

/*
 * "'name' row 3 (line 4, byte 57)", or "header" for the header record,
 * into buf, for messages about the record being parsed.
 */
static void csv_where(const struct mlg_csv *c, char *buf, size_t size,
		      uint64_t line, uint64_t offset)
{
	if (c->header && !c->ncolumns)
		snprintf(buf, size, "'%s' header (line %" PRIu64 ", byte %" PRIu64 ")",
			 c->name, line, offset);
	else
		snprintf(buf, size,
			 "'%s' row %" PRIu64 " (line %" PRIu64 ", byte %" PRIu64 ")",
			 c->name, c->rows + 1, line, offset);
}

static int csv_unclosed(struct mlg_csv *c)
{
	char where[1024];

	csv_where(c, where, sizeof(where), c->quote_line, c->quote_offset);
	c->err = mlg_error_code(MLG_EINVALID,
				"%s: quoted field is not closed before the end of the file",
				where);
	return c->err;
}

static int csv_stray(struct mlg_csv *c, unsigned char ch)
{
	char where[1024], shown[8];

	csv_where(c, where, sizeof(where), c->line, c->chunk_offset + c->pos);
	if (ch >= 0x20 && ch < 0x7f)
		snprintf(shown, sizeof(shown), "%c", ch);
	else
		snprintf(shown, sizeof(shown), "\\x%02x", ch);
	c->err = mlg_error_code(MLG_EINVALID,
				"%s: unexpected character '%s' after a closing quote",
				where, shown);
	return c->err;
}

/*
 * Parses one record into c->data / c->fields / c->row (number excepted).
 * Returns 1 for a record, 0 at the end of the input, or a negative code.
 * Blank lines before the record are skipped. A record ends at LF, CR or
 * CRLF; after a CR, the LF that may follow is skipped as part of the next
 * call's blank-line skipping (it may be in the next chunk).
 */
static int csv_read_record(struct mlg_csv *c)
{
	enum csv_state state = CSV_FIELD_START;
	size_t start = 0; /* data offset where the current field begins */
	int quoted = 0;   /* the current field began with a quote */
	int r;

	for (;;) {
		unsigned char ch;

		if (c->pos == c->chunk_len) {
			r = csv_refill(c, 1);
			if (r <= 0)
				return r;
		}
		ch = (unsigned char)c->chunk[c->pos];
		if (ch == '\n') {
			/* the LF of a CRLF does not start another line */
			if (csv_prev_byte(c, c->pos) != '\r')
				c->line++;
		} else if (ch == '\r') {
			c->line++;
		} else {
			break;
		}
		c->pos++;
	}

	c->rec_line = c->line;
	c->rec_offset = c->chunk_offset + c->pos;
	c->data_len = 0;
	c->row.nfields = 0;

	for (;;) {
		const char *p, *q, *end;
		unsigned char ch;

		if (c->pos == c->chunk_len) {
			r = csv_refill(c, 1);
			if (r < 0)
				return r;
			if (r == 0) {
				if (state == CSV_QUOTED)
					return csv_unclosed(c);
				csv_end_field(c, start, quoted);
				return 1;
			}
		}
		p = c->chunk + c->pos;
		end = c->chunk + c->chunk_len;

		switch (state) {
		case CSV_FIELD_START:
			if (c->in_header)
				csv_note_name(c, *p == c->quote);
			if (*p == c->quote) {
				quoted = 1;
				c->quote_line = c->line;
				c->quote_offset = c->chunk_offset + c->pos;
				c->pos++;
				state = CSV_QUOTED;
				break;
			}
			state = CSV_UNQUOTED;
			/* fall through */
		case CSV_UNQUOTED:
			for (q = p; q < end && !c->special[(unsigned char)*q]; q++)
				;
			csv_add(c, p, (size_t)(q - p));
			c->pos = (size_t)(q - c->chunk);
			if (q == end)
				break;
			c->pos++;
			csv_end_field(c, start, 0);
			if (*q == c->delim) {
				start = c->data_len;
				state = CSV_FIELD_START;
				break;
			}
			c->line++; /* LF or CR; an LF after the CR is skipped later */
			return 1;
		case CSV_QUOTED:
			for (q = p; q < end && !c->qspecial[(unsigned char)*q]; q++)
				;
			csv_add(c, p, (size_t)(q - p));
			c->pos = (size_t)(q - c->chunk);
			if (q == end)
				break;
			ch = (unsigned char)*q;
			if (ch == (unsigned char)c->quote) {
				state = CSV_QUOTE_SEEN;
			} else {
				/* a line break inside the field is kept as is */
				if (ch == '\r' || csv_prev_byte(c, c->pos) != '\r')
					c->line++;
				csv_add(c, q, 1);
			}
			c->pos++;
			break;
		case CSV_QUOTE_SEEN:
			ch = (unsigned char)*p;
			if (ch == (unsigned char)c->quote) {
				csv_add(c, p, 1);
				c->pos++;
				state = CSV_QUOTED;
				break;
			}
			if (ch != (unsigned char)c->delim && ch != '\n' && ch != '\r')
				return csv_stray(c, ch);
			c->pos++;
			csv_end_field(c, start, 1);
			if (ch == (unsigned char)c->delim) {
				start = c->data_len;
				quoted = 0;
				state = CSV_FIELD_START;
				break;
			}
			c->line++;
			return 1;
		}
	}
}

/*
 * "'name' header (line L, byte B)" for byte k of the header's field i
 * (`name`, unescaped): its start, plus the doubled quotes and line breaks
 * before byte k.
 */
static void csv_name_where(const struct mlg_csv *c, size_t i, const char *name, size_t k,
			   char *buf, size_t size)
{
	uint64_t offset = c->rec_offset, line = c->rec_line;

	if (i < c->nstarts) {
		const struct csv_name_start *st = &c->starts[i];

		offset = st->offset + k;
		line = st->line;
		for (size_t j = 0; j < k; j++) {
			if (st->quoted && name[j] == c->quote)
				offset++; /* written "" */
			if (name[j] == '\r' || (name[j] == '\n' && (j == 0 || name[j - 1] != '\r')))
				line++;
		}
	}
	csv_where(c, buf, size, line, offset);
}

/* Why bytes that are not UTF-8 text suggest UTF-16, with the way out. */
static void csv_utf16_hint(const struct mlg_csv *c, uint64_t nuls, uint64_t total, char *buf,
			   size_t size)
{
	if (c->bom16)
		snprintf(buf, size,
			 "the file looks like UTF-16 (it begins with the byte order mark %s): convert it to UTF-8, e.g. with iconv -f UTF-16 -t UTF-8",
			 c->bom16 == 0xfffe ? "FF FE" : "FE FF");
	else
		snprintf(buf, size,
			 "the file looks like UTF-16 (%" PRIu64 " of the %" PRIu64
			 " bytes of its column names are NUL): convert it to UTF-8, e.g. with iconv -f UTF-16 -t UTF-8",
			 nuls, total);
}

/*
 * The header's names must be text, as every cell must (the scan checks
 * those): valid UTF-8 without NUL bytes, or a name would be shown cut at
 * its NUL ("na\0me" answering to "na") or with raw bytes in messages.
 * NUL bytes all over the header, or a UTF-16 byte order mark, mean a
 * UTF-16 file, which the message says. Returns 0 or a negative code.
 */
static int csv_check_names(struct mlg_csv *c)
{
	char where[1024], hint[256];
	uint64_t nuls = 0, total = 0;
	const char *p = c->data;
	size_t i;

	for (i = 0; i < c->row.nfields; i++) {
		for (size_t k = 0; k < c->fields[i].len; k++)
			nuls += p[k] == '\0';
		total += c->fields[i].len;
		p += c->fields[i].len + 1;
	}
	if (nuls && (c->bom16 || nuls * 3 >= total)) {
		/* UTF-16 (or UTF-32): the NUL bytes say more than the first bad byte */
		for (p = c->data, i = 0; !memchr(p, '\0', c->fields[i].len); i++)
			p += c->fields[i].len + 1;
		csv_name_where(c, i, p, (size_t)((const char *)memchr(p, '\0', c->fields[i].len) - p),
			       where, sizeof(where));
		csv_utf16_hint(c, nuls, total, hint, sizeof(hint));
		c->err = mlg_error_code(MLG_EINVALID, "%s: NUL bytes: %s", where, hint);
		return c->err;
	}
	p = c->data;
	for (i = 0; i < c->row.nfields; i++) {
		size_t len = c->fields[i].len;
		const char *nul = memchr(p, '\0', len);
		size_t bad = mlg_utf8_find_invalid(p, 0, nul ? (size_t)(nul - p) : len);

		if (nul && bad == (size_t)(nul - p)) {
			csv_name_where(c, i, p, bad, where, sizeof(where));
			c->err = mlg_error_code(MLG_EINVALID, "%s: a NUL byte in the name of column %zu",
						where, i + 1);
			return c->err;
		}
		if (bad < len) {
			csv_name_where(c, i, p, bad, where, sizeof(where));
			if (c->bom16) {
				csv_utf16_hint(c, nuls, total, hint, sizeof(hint));
				c->err = mlg_error_code(MLG_EINVALID, "%s: invalid UTF-8: %s", where, hint);
			} else {
				c->err = mlg_error_code(MLG_EINVALID,
							"%s: invalid UTF-8 in the name of column %zu",
							where, i + 1);
			}
			return c->err;
		}
		p += len + 1;
	}
	return 0;
}

struct csv_name_ref {
	const char *name;
	size_t len;
	size_t column; /* from 0 */
};

/* By bytes, then by column: equal names end up side by side, in file order. */
static int csv_name_cmp(const void *a, const void *b)
{
	const struct csv_name_ref *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int d = memcmp(x->name, y->name, n);

	if (d)
		return d;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->column < y->column ? -1 : x->column > y->column;
}

/*
 * A name given twice is an error, as pandas' read_csv refuses it without
 * mangle_dupe_cols: every check would silently read the first of the two.
 * The first repeat in file order is named, with both columns. Sorting
 * keeps a header of many columns linear-logarithmic. Returns 0 or a
 * negative code.
 */
static int csv_check_duplicates(struct mlg_csv *c)
{
	struct csv_name_ref *refs;
	const char *p = c->data;
	size_t n = c->row.nfields, first = 0, second = (size_t)-1;

	if (n < 2)
		return 0;
	refs = mlg_xmalloc(n * sizeof(*refs));
	for (size_t i = 0; i < n; i++) {
		refs[i] = (struct csv_name_ref){ p, c->fields[i].len, i };
		p += c->fields[i].len + 1;
	}
	qsort(refs, n, sizeof(*refs), csv_name_cmp);
	for (size_t i = 1; i < n; i++) {
		if (refs[i].len == refs[i - 1].len &&
		    !memcmp(refs[i].name, refs[i - 1].name, refs[i].len) &&
		    refs[i].column < second) {
			first = refs[i - 1].column;
			second = refs[i].column;
		}
	}
	free(refs);
	if (second != (size_t)-1) {
		const char *name = c->data;
		char where[1024], *shown;
		size_t len;

		for (size_t i = 0; i < second; i++)
			name += c->fields[i].len + 1;
		csv_name_where(c, second, name, 0, where, sizeof(where));
		/* names are UTF-8 by now, but may hold line breaks or escapes */
		shown = mlg_text_one_line(name);
		len = strlen(shown);
		c->err = mlg_error_code(MLG_EINVALID,
					"%s: column '%.*s%s' appears twice (columns %zu and %zu): every check would read the first",
					where, (int)(len > 200 ? mlg_utf8_complete_end(shown, 0, 200) : len),
					shown, len > 200 ? "..." : "", first + 1, second + 1);
		free(shown);
		return c->err;
	}
	return 0;
}

/* Names the columns from the first record, or "1", "2", ... without a header. */
static void csv_set_columns(struct mlg_csv *c)
{
	size_t i;
	char *p;

	c->ncolumns = c->row.nfields;
	c->names = mlg_xmalloc(c->ncolumns * sizeof(*c->names));
	if (c->header) {
		/* one copy of the record buffer holds every name */
		c->names_buf = mlg_xmalloc(c->data_len);
		memcpy(c->names_buf, c->data, c->data_len);
		p = c->names_buf;
		for (i = 0; i < c->ncolumns; i++) {
			c->names[i] = p;
			p += c->fields[i].len + 1;
		}
	} else {
		/* "1", "2", ...: at most 20 digits and a NUL each */
		c->names_buf = mlg_xmalloc(c->ncolumns * 21);
		p = c->names_buf;
		for (i = 0; i < c->ncolumns; i++) {
			int n = snprintf(p, 21, "%zu", i + 1);

			c->names[i] = p;
			p += n + 1;
		}
	}
}

/* The part of opening shared by files and memory; frees c on failure. */
static int csv_start(struct mlg_csv **out, struct mlg_csv *c)
{
	int r;

	if (c->fd >= 0) {
		r = csv_refill(c, 3);
		if (r < 0)
			goto fail;
	}
	if (c->chunk_len >= 3 && !memcmp(c->chunk, "\xef\xbb\xbf", 3))
		c->pos = 3;
	else if (c->chunk_len >= 2 && !memcmp(c->chunk, "\xff\xfe", 2))
		c->bom16 = 0xfffe;
	else if (c->chunk_len >= 2 && !memcmp(c->chunk, "\xfe\xff", 2))
		c->bom16 = 0xfeff;
	if (c->bom16 && !c->header) {
		/* the first record is data, checked by the scan: say why it is bad now */
		char where[1024], hint[256];

		csv_where(c, where, sizeof(where), 1, 0);
		csv_utf16_hint(c, 0, 0, hint, sizeof(hint));
		r = mlg_error_code(MLG_EINVALID, "%s: invalid UTF-8: %s", where, hint);
		goto fail;
	}

	c->in_header = c->header;
	r = csv_read_record(c);
	c->in_header = 0;
	if (r < 0)
		goto fail;
	if (r == 0) {
		r = mlg_error_code(MLG_EINVALID, "'%s' is empty: %s", c->name,
				   c->header ? "expected a header row"
					     : "expected at least one record");
		goto fail;
	}
	if (c->header) {
		r = csv_check_names(c);
		if (r == 0)
			r = csv_check_duplicates(c);
		if (r < 0)
			goto fail;
	}
	csv_set_columns(c);
	if (!c->header) {
		c->rows = 1;
		c->row.number = 1;
		c->row.line = c->rec_line;
		c->row.offset = c->rec_offset;
		c->pending = 1;
	}
	*out = c;
	return 0;

fail:
	mlg_csv_free(c);
	return r;
}

static int csv_check_options(const char *name,
			     const struct mlg_csv_options *opts)
{
	if (opts->version != MLG_CSV_OPTIONS_VERSION)
		return mlg_error_code(MLG_EINVALID,
				      "'%s': unsupported csv options version %u",
				      name, opts->version);
	if (opts->delimiter == opts->quote || opts->delimiter == '\n' ||
	    opts->delimiter == '\r' || opts->quote == '\n' || opts->quote == '\r')
		return mlg_error_code(MLG_EINVALID,
				      "'%s': the csv delimiter and quote must differ and not be line ends",
				      name);
	return 0;
}

static struct mlg_csv *csv_new(const char *name,
			       const struct mlg_csv_options *opts)
{
	struct mlg_csv *c = mlg_xcalloc(1, sizeof(*c));

	c->name = mlg_xstrdup(name);
	c->fd = -1;
	c->line = 1;
	c->delim = opts->delimiter;
	c->quote = opts->quote;
	c->header = opts->header != 0;
	c->data_alloc = 4096;
	c->data = mlg_xmalloc(c->data_alloc);
	c->special[(unsigned char)c->delim] = 1;
	c->special['\n'] = 1;
	c->special['\r'] = 1;
	c->qspecial[(unsigned char)c->quote] = 1;
	c->qspecial['\n'] = 1;
	c->qspecial['\r'] = 1;
	return c;
}

int mlg_csv_open(struct mlg_csv **out, const char *path,
		 const struct mlg_csv_options *opts)
{
	static const struct mlg_csv_options defaults = MLG_CSV_OPTIONS_INIT;
	struct mlg_csv *c;
	int fd, r;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	r = csv_check_options(path, opts);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mlg_error_code(MLG_ENOTFOUND, "cannot open '%s': %s", path,
				      strerror(errno));
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	c = csv_new(path, opts);
	c->fd = fd;
	c->block_size = atomic_load_explicit(&csv_block_size_override, memory_order_relaxed);
	if (!c->block_size)
		c->block_size = CSV_BLOCK_SIZE;
	c->block = mlg_xmalloc(c->block_size);
	return csv_start(out, c);
}

int mlg_csv_open_mem(struct mlg_csv **out, const char *name, const char *data,
		     size_t len, const struct mlg_csv_options *opts)
{
	static const struct mlg_csv_options defaults = MLG_CSV_OPTIONS_INIT;
	struct mlg_csv *c;
	int r;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	r = csv_check_options(name, opts);
	if (r < 0)
		return r;
	c = csv_new(name, opts);
	c->chunk = data;
	c->chunk_len = len;
	c->eof = 1;
	return csv_start(out, c);
}

size_t mlg_csv_ncolumns(const struct mlg_csv *csv)
{
	return csv->ncolumns;
}

const char *mlg_csv_column_name(const struct mlg_csv *csv, size_t i)
{
	return i < csv->ncolumns ? csv->names[i] : NULL;
}

long mlg_csv_column_index(const struct mlg_csv *csv, const char *name)
{
	size_t i;

	for (i = 0; i < csv->ncolumns; i++)
		if (!strcmp(csv->names[i], name))
			return (long)i;
	return -1;
}

/*
 * A record with the wrong field count is reported but fully consumed, so
 * the caller may go on to the next one; syntax and read errors are sticky.
 */
int mlg_csv_next(struct mlg_csv *csv, const struct mlg_row **row)
{
	char where[1024];
	int r;

	*row = NULL;
	if (csv->err)
		return csv->err;
	if (csv->pending) {
		csv->pending = 0;
		csv_finish_record(csv);
		*row = &csv->row;
		return 1;
	}
	r = csv_read_record(csv);
	if (r <= 0)
		return r;
	if (csv->row.nfields != csv->ncolumns) {
		csv_where(csv, where, sizeof(where), csv->rec_line,
			  csv->rec_offset);
		csv->rows++;
		return mlg_error_code(MLG_EINVALID,
				      "%s: expected %zu fields as in the %s, found %zu",
				      where, csv->ncolumns,
				      csv->header ? "header" : "first record",
				      csv->row.nfields);
	}
	csv->rows++;
	csv->row.number = csv->rows;
	csv->row.line = csv->rec_line;
	csv->row.offset = csv->rec_offset;
	csv_finish_record(csv);
	*row = &csv->row;
	return 1;
}

uint64_t mlg_csv_bytes_read(const struct mlg_csv *csv)
{
	return csv->chunk_offset + csv->pos;
}

void mlg_csv_free(struct mlg_csv *csv)
{
	if (!csv)
		return;
	if (csv->fd >= 0)
		close(csv->fd);
	free(csv->name);
	free(csv->block);
	free(csv->data);
	free(csv->fields);
	free(csv->names_buf);
	free(csv->names);
	free(csv->starts);
	free(csv);
}

void mlg_csv_data_start(const struct mlg_csv *csv, uint64_t *offset, uint64_t *line)
{
	if (csv->pending) {
		*offset = csv->row.offset;
		*line = csv->row.line;
	} else {
		*offset = csv->chunk_offset + csv->pos;
		*line = csv->line;
	}
}
