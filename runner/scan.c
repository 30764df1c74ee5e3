/*
 * The one-pass dataset scan.
 *
 * Every selected scanning check that reads a dataset is fed from a single
 * read of it. A mapped file is cut into parts, one per thread, at record
 * boundaries found from the parity of the quotes before each cut; every
 * part is read into batches of cells that all checks look at; the checks'
 * per-part states are then merged in file order, so results do not depend
 * on the number of threads. A compressed file is read as one stream.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cancel.h"
#include "engine_internal.h"
#include "mlgate/csv.h"
#include "mlgate/error.h"
#include "mlgate/source.h"
#include "reader.h"
#include "text.h"
#include "util.h"

#define BATCH_ROWS 1024
/* Smallest part worth a thread of its own. */
#define MIN_PART_BYTES (4u << 20)
/* Window of a streamed (compressed) input. */
#define STREAM_WINDOW (8u << 20)
/* A part is checked for UTF-8 and read this much at a time, so the
 * check runs on bytes still in the cache. */
#define READ_CHUNK (32u << 20)

struct entry {
	const struct mlg_check *check;
	const char *param;
	struct mlg_scan_setup setup;
	void *plan;
	void **states;      /* one per part */
	char **errors;      /* one per part: why the check stopped there */
	int ready;          /* prepare() succeeded */
	double deadline;
};

struct part {
	size_t begin, end;  /* byte range of mapped input */
	struct mlg_part_result res;
	int *active;        /* per entry */
	size_t nactive;
};

struct scan {
	struct mlg_engine *engine;
	const struct mlg_dataset *dataset;
	struct entry *entries;
	size_t nentries;
	struct part *parts;
	size_t nparts;
	/* the input */
	struct mlg_source *src;
	const char *data;   /* mapped bytes, or NULL for a stream */
	size_t len;
	char sha256[65];    /* of a mapped file, taken beside the parse */
	size_t data_start;  /* first byte of the first record */
	uint64_t first_line;
	int jsonl;
	struct mlg_csv_dialect dialect;
	struct mlg_jsonl_index *jindex;
	char **names;       /* column names; owned */
	const char **shown_names; /* what checks see: "" for columns outside "columns" */
	size_t ncolumns;
	uint8_t *used;
	struct mlg_null_tokens nulls;
	size_t *null_lens;
};

struct part_job {
	struct scan *scan;
	size_t index;
	pthread_t thread;
};

void mlg_scan_use(struct mlg_scan_setup *setup, size_t col)
{
	struct scan *s = setup->internal;

	if (col < s->ncolumns)
		s->used[col] = 1;
}

long mlg_scan_column(struct mlg_scan_setup *setup, const struct mlg_check *check,
		     const char *name, struct mlg_result *out)
{
	long i = mlg_column_index(setup->columns, setup->ncolumns, name);

	if (i < 0) {
		mlg_result_no_column(out, check, name, setup->columns, setup->ncolumns);
		return -1;
	}
	mlg_scan_use(setup, (size_t)i);
	return i;
}

/* ---- errors ---- */

/* The check cannot go on with this dataset. Its result is shared with the
 * scans of its other datasets, which may run now: the engine writes it. */
static void entry_error(struct scan *s, struct entry *e, const char *message)
{
	struct mlg_result why;

	mlg_result_init(&why);
	mlg_result_set(&why, MLG_STATUS_ERROR, "%s", message);
	mlg_engine__role_error(s->engine, e->check, e->param, &why);
}

static void all_error(struct scan *s, const char *message)
{
	for (size_t i = 0; i < s->nentries; i++)
		entry_error(s, &s->entries[i], message);
}

/* ---- opening: source, header, columns ---- */

/* Reads the start of a stream into a growing buffer until `enough` bytes
 * or the end; *len bytes read. Returns 0, or -1 with the message set. */
static int read_some(struct mlg_source *src, char **buf, size_t *len, size_t *cap, size_t enough)
{
	while (*len < enough) {
		ssize_t n;

		if (*cap - *len < 65536) {
			*cap = *cap ? *cap * 2 : STREAM_WINDOW;
			*buf = mlg_xrealloc(*buf, *cap);
		}
		n = mlg_source_read(src, *buf + *len, *cap - *len);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	return 0;
}

/*
 * Reads the column names (the header, or a JSON Lines file's first record).
 * Returns 0; -1 with *error (allocated) to be shown after "dataset 'NAME': ";
 * or -2 with *error the whole message.
 */
static int open_columns(struct scan *s, const char *head, size_t head_len, char **error)
{
	const struct mlg_dataset *d = s->dataset;

	if (s->jsonl) {
		if (d->ncolumns) {
			s->ncolumns = d->ncolumns;
			s->names = mlg_xcalloc(d->ncolumns + 1, sizeof(*s->names));
			for (size_t i = 0; i < d->ncolumns; i++)
				s->names[i] = mlg_xstrdup(d->columns[i]);
		} else {
			char *why = NULL;

			if (mlg_jsonl_first_columns(head, head_len, &s->names, &s->ncolumns, &why) < 0) {
				/* a bad first record reads as any other bad record (reader_message()) */
				*error = mlg_xasprintf("cannot read dataset '%s': '%s' %s", d->name, d->path,
						       why);
				free(why);
				return -2;
			}
		}
		s->data_start = 0;
		s->first_line = 1;
		s->jindex = mlg_jsonl_index_new((const char *const *)s->names, s->ncolumns);
	} else {
		struct mlg_csv_options opts = MLG_CSV_OPTIONS_INIT;
		struct mlg_csv *csv;
		uint64_t off;

		opts.delimiter = d->delimiter;
		opts.quote = d->quote;
		opts.header = d->header;
		if (mlg_csv_open_mem(&csv, d->path, head, head_len, &opts) < 0) {
			*error = mlg_xstrdup(mlg_error_last());
			return -1;
		}
		s->ncolumns = mlg_csv_ncolumns(csv);
		s->names = mlg_xcalloc(s->ncolumns + 1, sizeof(*s->names));
		for (size_t i = 0; i < s->ncolumns; i++)
			s->names[i] = mlg_xstrdup(mlg_csv_column_name(csv, i));
		mlg_csv_data_start(csv, &off, &s->first_line);
		s->data_start = (size_t)off;
		mlg_csv_free(csv);
		s->dialect.delimiter = d->delimiter;
		s->dialect.quote = d->quote;
		s->dialect.ncolumns = s->ncolumns;
		s->dialect.header = d->header;
	}
	s->shown_names = mlg_xcalloc(s->ncolumns + 1, sizeof(*s->shown_names));
	for (size_t i = 0; i < s->ncolumns; i++)
		s->shown_names[i] = s->names[i];
	/* "columns" on a CSV dataset hides the others from the checks */
	if (!s->jsonl && d->ncolumns) {
		for (size_t i = 0; i < s->ncolumns; i++) {
			size_t j;

			for (j = 0; j < d->ncolumns && strcmp(d->columns[j], s->names[i]); j++)
				;
			if (j == d->ncolumns)
				s->shown_names[i] = "";
		}
		for (size_t j = 0; j < d->ncolumns; j++) {
			size_t i;

			for (i = 0; i < s->ncolumns && strcmp(d->columns[j], s->names[i]); i++)
				;
			if (i == s->ncolumns) {
				*error = mlg_xasprintf("option \"columns\" names '%s', which '%s' does not have",
						       d->columns[j], d->path);
				return -1;
			}
		}
	}
	s->used = mlg_xcalloc(s->ncolumns + 1, 1);
	if (d->nnull_values) {
		s->null_lens = mlg_xcalloc(d->nnull_values, sizeof(size_t));
		for (size_t i = 0; i < d->nnull_values; i++)
			s->null_lens[i] = strlen(d->null_values[i]);
		s->nulls.tokens = (const char *const *)d->null_values;
		s->nulls.lens = s->null_lens;
		s->nulls.n = d->nnull_values;
	}
	return 0;
}

/* ---- reading a part ---- */

struct sink_ctx {
	struct scan *s;
	struct part *p;
	size_t index;
	uint64_t batches;
};

static int sink(void *payload, struct mlg_batch *batch)
{
	struct sink_ctx *c = payload;
	struct scan *s = c->s;
	struct part *p = c->p;
	int poll = (++c->batches & 3) == 0;
	double now = poll ? mlg_now() : 0;

	for (size_t i = 0; i < s->nentries; i++) {
		struct entry *e = &s->entries[i];
		char *error = NULL;

		if (!p->active[i])
			continue;
		if (e->check->kind->scan->batch(e->plan, e->states[c->index], batch, &error)) {
			e->errors[c->index] = error ? error : mlg_xstrdup("stopped");
			p->active[i] = 0;
			p->nactive--;
		} else if (poll && e->deadline && now > e->deadline) {
			e->errors[c->index] = mlg_xasprintf("timed out after %g s", e->check->timeout_s);
			p->active[i] = 0;
			p->nactive--;
		}
	}
	if (mlg_cancel_requested(s->engine->opts->cancel))
		return 1;
	return p->nactive == 0;
}

static size_t scan_mem(struct scan *s, const char *buf, size_t len, size_t pos, size_t stop,
		       int final, uint64_t base, struct mlg_batch_impl *b, struct sink_ctx *c)
{
	if (s->jsonl)
		return mlg_jsonl_scan(s->jindex, buf, len, pos, stop, final, base, b, sink, c,
				      &c->p->res);
	return mlg_csvscan(&s->dialect, buf, len, pos, stop, final, base, b, sink, c, &c->p->res);
}

/* ---- bad bytes: invalid UTF-8 and NUL ---- */

/*
 * A NUL byte is valid UTF-8 but never text: cells are C strings in places
 * (messages, examples, keys), where "a\0b" would be shown as 'a' yet
 * compared as a\0b. So the pass that checks a CSV part for UTF-8 stops at
 * NUL bytes too, in the same loop (mlg_utf8_find_invalid_or_nul()).
 */

/* The part reads the record holding the first bad byte, then stops there. */
static void utf8_error(struct part *p, const char *buf, size_t bad, size_t pos)
{
	p->res.error = -1;
	/* the record holding the bad byte was read, unless it starts after it */
	p->res.err_row = p->res.nrows + (pos <= bad);
	p->res.err_offset = bad;
	p->res.err_text = mlg_xstrdup(buf[bad] ? "invalid UTF-8" : "a NUL byte");
	p->res.err_line = (uint64_t)-1; /* unknown */
}

static void read_part(struct scan *s, size_t index)
{
	struct part *p = &s->parts[index];
	struct mlg_batch_impl b;
	struct sink_ctx c = { s, p, index, 0 };
	size_t at = p->begin, pos = p->begin;

	mlg_batch__init(&b, s->ncolumns, s->used, BATCH_ROWS, s->nulls.n ? &s->nulls : NULL,
			&s->engine->mem);
	mlg_batch__reset(&b, 1);
	while (at < p->end) {
		size_t cut = p->end - at > READ_CHUNK ? at + READ_CHUNK : p->end, stop = cut, bad = cut;

		if (!s->jsonl) {
			/* the JSON reader checks its strings itself */
			bad = mlg_utf8_find_invalid_or_nul(s->data, at, cut);
			if (bad < cut)
				stop = bad + 1;
		}
		pos = scan_mem(s, s->data, s->len, at, stop, 1, 0, &b, &c);
		if (p->res.error || p->res.stopped)
			break;
		if (bad < cut) {
			utf8_error(p, s->data, bad, pos);
			break;
		}
		/* the last record may run past the cut */
		if (!s->jsonl && pos > cut && (bad = mlg_utf8_find_invalid_or_nul(s->data, cut, pos)) < pos) {
			utf8_error(p, s->data, bad, pos);
			break;
		}
		if (pos <= at)
			break; /* nothing read: cannot happen, but never loop */
		at = pos;
	}
	/* where the next part must begin, if the cut was right */
	if (!p->res.error && !p->res.stopped && pos != p->end)
		p->end = (size_t)-1;
	mlg_batch__release(&b);
}

static void *part_thread(void *arg)
{
	struct part_job *job = arg;

	read_part(job->scan, job->index);
	return NULL;
}

static void count_quotes_thread_range(struct scan *s, size_t i, uint64_t *counts)
{
	counts[i] = mlg_csvscan_count_quotes(s->dialect.quote, s->data, s->parts[i].begin,
					     s->parts[i].end);
}

struct count_job {
	struct scan *s;
	size_t i;
	uint64_t *counts;
	pthread_t thread;
};

static void *count_thread(void *arg)
{
	struct count_job *j = arg;

	count_quotes_thread_range(j->s, j->i, j->counts);
	return NULL;
}

static size_t part_bytes(void)
{
	const char *e = getenv("MLGATE_SCAN_PART_BYTES");
	long v;

	/* for tests: cut small files into many parts */
	if (e && (v = atol(e)) > 0)
		return (size_t)v;
	return MIN_PART_BYTES;
}

/*
 * Cuts [data_start, len) into about `want` parts at record boundaries. The
 * quote parity before each nominal cut says whether it falls inside a
 * quoted field.
 */
static void cut_parts(struct scan *s, size_t want)
{
	size_t total = s->len - s->data_start;
	uint64_t *counts;
	struct count_job *jobs;
	size_t n = want;

	if (n < 1)
		n = 1;
	if (total / part_bytes() < n)
		n = total / part_bytes() ? total / part_bytes() : 1;
	s->parts = mlg_xcalloc(n, sizeof(*s->parts));
	s->nparts = n;
	for (size_t i = 0; i < n; i++) {
		s->parts[i].begin = s->data_start + total * i / n;
		s->parts[i].end = s->data_start + total * (i + 1) / n;
	}
	if (n == 1)
		return;
	counts = mlg_xcalloc(n, sizeof(*counts));
	if (!s->jsonl) {
		jobs = mlg_xcalloc(n, sizeof(*jobs));
		for (size_t i = 0; i < n; i++) {
			jobs[i] = (struct count_job){ s, i, counts, 0 };
			if (pthread_create(&jobs[i].thread, NULL, count_thread, &jobs[i]) != 0)
				mlg_die_oom();
		}
		for (size_t i = 0; i < n; i++)
			pthread_join(jobs[i].thread, NULL);
		free(jobs);
	}
	{
		uint64_t before = 0;

		for (size_t i = 1; i < n; i++) {
			size_t at;

			before += counts[i - 1];
			if (s->jsonl) {
				const char *nl = memchr(s->data + s->parts[i].begin, '\n',
							s->len - s->parts[i].begin);

				at = nl ? (size_t)(nl - s->data) + 1 : s->len;
			} else {
				at = mlg_csvscan_boundary(&s->dialect, s->data, s->len, s->parts[i].begin,
							  (int)(before & 1));
			}
			if (at < s->parts[i - 1].begin)
				at = s->parts[i - 1].begin;
			s->parts[i].begin = at;
			s->parts[i - 1].end = at;
		}
	}
	free(counts);
}

static void reset_parts(struct scan *s)
{
	for (size_t i = 0; i < s->nparts; i++) {
		free(s->parts[i].active);
		free(s->parts[i].res.err_text);
	}
	free(s->parts);
	s->parts = NULL;
	s->nparts = 0;
}

static void begin_states(struct scan *s)
{
	for (size_t i = 0; i < s->nentries; i++) {
		struct entry *e = &s->entries[i];

		e->states = mlg_xcalloc(s->nparts, sizeof(void *));
		e->errors = mlg_xcalloc(s->nparts, sizeof(char *));
	}
	for (size_t p = 0; p < s->nparts; p++) {
		s->parts[p].active = mlg_xcalloc(s->nentries + 1, sizeof(int));
		for (size_t i = 0; i < s->nentries; i++) {
			struct entry *e = &s->entries[i];

			if (!e->ready)
				continue;
			e->states[p] = e->check->kind->scan->begin(e->plan);
			s->parts[p].active[i] = 1;
			s->parts[p].nactive++;
		}
	}
}

static void free_states(struct scan *s)
{
	for (size_t i = 0; i < s->nentries; i++) {
		struct entry *e = &s->entries[i];

		for (size_t p = 0; p < s->nparts && e->states; p++) {
			if (e->states[p])
				e->check->kind->scan->free_state(e->states[p]);
			if (e->errors)
				free(e->errors[p]);
		}
		free(e->states);
		free(e->errors);
		e->states = NULL;
		e->errors = NULL;
	}
}

static void read_mapped(struct scan *s)
{
	size_t want = s->engine->jobs ? s->engine->jobs : 1;

	for (int attempt = 0; attempt < 2; attempt++) {
		struct part_job *jobs;
		int redo = 0;

		cut_parts(s, attempt ? 1 : want);
		begin_states(s);
		if (s->nparts == 1) {
			read_part(s, 0);
		} else {
			jobs = mlg_xcalloc(s->nparts, sizeof(*jobs));
			for (size_t i = 0; i < s->nparts; i++) {
				jobs[i].scan = s;
				jobs[i].index = i;
				if (pthread_create(&jobs[i].thread, NULL, part_thread, &jobs[i]) != 0)
					mlg_die_oom();
			}
			for (size_t i = 0; i < s->nparts; i++)
				pthread_join(jobs[i].thread, NULL);
			free(jobs);
		}
		/* A cut that was not a record boundary (a stray quote inside an
		 * unquoted field fools the parity) shows as a part that did not
		 * end where the next began: read the file again in one part. */
		for (size_t i = 0; i + 1 < s->nparts; i++) {
			if (s->parts[i].res.error || s->parts[i].res.stopped)
				break;
			if (s->parts[i].end == (size_t)-1)
				redo = 1;
		}
		if (!redo)
			return;
		free_states(s);
		reset_parts(s);
	}
}

static void read_stream(struct scan *s, char *buf, size_t filled, size_t cap)
{
	struct mlg_batch_impl b;
	struct sink_ctx c;
	size_t pos = s->data_start;
	uint64_t base = 0;
	int final = 0;

	s->parts = mlg_xcalloc(1, sizeof(*s->parts));
	s->nparts = 1;
	begin_states(s);
	c = (struct sink_ctx){ s, &s->parts[0], 0, 0 };
	mlg_batch__init(&b, s->ncolumns, s->used, BATCH_ROWS, s->nulls.n ? &s->nulls : NULL,
			&s->engine->mem);
	mlg_batch__reset(&b, 1);
	for (;;) {
		size_t consumed, keep, stop, bad = 0;
		ssize_t n;

		if (!final && filled < cap) {
			n = mlg_source_read(s->src, buf + filled, cap - filled);
			if (n < 0) {
				s->parts[0].res.error = -2;
				s->parts[0].res.err_text = mlg_xstrdup(mlg_error_last());
				break;
			}
			if (n == 0)
				final = 1;
			filled += (size_t)n;
		}
		stop = (size_t)-1;
		if (!s->jsonl) {
			size_t to = final ? filled : mlg_utf8_complete_end(buf, pos, filled);

			bad = mlg_utf8_find_invalid_or_nul(buf, pos, to);
			if (bad < to)
				stop = bad + 1;
		}
		consumed = scan_mem(s, buf, filled, pos, stop, final, base, &b, &c);
		if (!s->parts[0].res.error && !s->parts[0].res.stopped && stop != (size_t)-1) {
			/* the bad byte's record was read, unless the window cut it */
			utf8_error(&s->parts[0], buf, bad, consumed);
			s->parts[0].res.err_offset = base + bad;
		}
		if (s->parts[0].res.error || s->parts[0].res.stopped)
			break;
		if (final) {
			/* nothing more will come: whatever is left was read */
			break;
		}
		/* keep the byte before the next record: it tells a CRLF's LF apart */
		keep = consumed > 0 ? consumed - 1 : 0;
		if (keep == 0 && filled == cap) {
			cap *= 2;
			buf = mlg_xrealloc(buf, cap);
			continue;
		}
		memmove(buf, buf + keep, filled - keep);
		filled -= keep;
		base += keep;
		pos = consumed - keep;
	}
	mlg_batch__release(&b);
	free(buf);
}

/* ---- merging and handing over ---- */

static char *reader_message(struct scan *s, size_t index, uint64_t rows_before,
			    uint64_t lines_before)
{
	struct mlg_part_result *r = &s->parts[index].res;

	if (r->error == -2) /* a read error from the source */
		return mlg_xasprintf("cannot read dataset '%s': %s", s->dataset->name, r->err_text);
	if (r->err_line == (uint64_t)-1)
		return mlg_xasprintf("cannot read dataset '%s': '%s' row %llu (byte %llu): %s",
				     s->dataset->name, s->dataset->path,
				     (unsigned long long)(rows_before + r->err_row),
				     (unsigned long long)r->err_offset, r->err_text);
	return mlg_xasprintf("cannot read dataset '%s': '%s' row %llu (line %llu, byte %llu): %s",
			     s->dataset->name, s->dataset->path,
			     (unsigned long long)(rows_before + r->err_row),
			     (unsigned long long)(s->first_line + lines_before + r->err_line),
			     (unsigned long long)r->err_offset, r->err_text);
}

static void finish(struct scan *s)
{
	uint64_t rows = 0, lines = 0;
	int interrupted = mlg_cancel_requested(s->engine->opts->cancel);

	for (size_t p = 0; p < s->nparts; p++) {
		if (s->parts[p].res.error) {
			char *msg = reader_message(s, p, rows, lines);

			all_error(s, msg);
			free(msg);
			return;
		}
		rows += s->parts[p].res.nrows;
		lines += s->parts[p].res.nlines;
	}
	if (interrupted) {
		char *msg = mlg_xasprintf("interrupted after %llu rows", (unsigned long long)rows);

		all_error(s, msg);
		free(msg);
		return;
	}
	for (size_t i = 0; i < s->nentries; i++) {
		struct entry *e = &s->entries[i];
		const struct mlg_scan_ops *ops = e->check->kind->scan;
		uint64_t base = 0;
		struct mlg_scan_input in;

		if (!e->ready)
			continue;
		for (size_t p = 0; p < s->nparts; p++) {
			if (e->errors[p]) {
				entry_error(s, e, e->errors[p]);
				break;
			}
		}
		if (mlg_engine__role_is_failed(s->engine, e->check))
			continue;
		for (size_t p = 1; p < s->nparts; p++) {
			base += s->parts[p - 1].res.nrows;
			ops->merge(e->plan, e->states[0], e->states[p], base);
			ops->free_state(e->states[p]);
			e->states[p] = NULL;
		}
		in.param = e->param;
		in.dataset = s->dataset;
		in.columns = NULL; /* set by the engine from its copy */
		in.ncolumns = s->ncolumns;
		in.plan = e->plan;
		in.state = e->states[0];
		in.nrows = rows;
		if (mlg_engine__role_done(s->engine, e->check, &in, s->shown_names, s->ncolumns) == 0) {
			/* the engine owns plan and state now */
			e->plan = NULL;
			e->states[0] = NULL;
		}
	}
}

/* The SHA-256 of a mapped file, beside the parsing threads. */
static void *hash_thread(void *arg)
{
	struct scan *s = arg;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto done;
	for (size_t at = 0; at < s->len; at += READ_CHUNK) {
		size_t len = s->len - at < READ_CHUNK ? s->len - at : READ_CHUNK;

		if (EVP_DigestUpdate(ctx, s->data + at, len) != 1)
			goto done;
	}
	if (EVP_DigestFinal_ex(ctx, md, &n) != 1 || n != 32)
		goto done;
	for (unsigned int i = 0; i < 32; i++)
		snprintf(s->sha256 + 2 * i, 3, "%02x", md[i]);
done:
	EVP_MD_CTX_free(ctx);
	return NULL;
}

struct end_pool {
	struct scan *s;
	atomic_size_t next;
};

static void *end_worker(void *arg)
{
	struct end_pool *pool = arg;
	size_t i;

	while ((i = atomic_fetch_add(&pool->next, 1)) < pool->s->nentries)
		mlg_engine__role_end(pool->s->engine, pool->s->entries[i].check);
	return NULL;
}

/*
 * Ends the roles, which decides the checks whose last dataset this was.
 * Some decisions take a while (duplicates among 10M keys, quantiles of 10M
 * values): they run on the -j threads side by side.
 */
static void end_roles(struct scan *s)
{
	struct end_pool pool;
	size_t n = s->engine->jobs < s->nentries ? s->engine->jobs : s->nentries;
	pthread_t *threads;

	pool.s = s;
	atomic_init(&pool.next, 0);
	if (n <= 1) {
		end_worker(&pool);
		return;
	}
	threads = mlg_xcalloc(n, sizeof(*threads));
	for (size_t i = 1; i < n; i++)
		if (pthread_create(&threads[i], NULL, end_worker, &pool) != 0)
			mlg_die_oom();
	end_worker(&pool);
	for (size_t i = 1; i < n; i++)
		pthread_join(threads[i], NULL);
	free(threads);
}

void mlg_engine__scan(struct mlg_engine *engine, const struct mlg_dataset *dataset,
		      const struct mlg_scan_ref *refs, size_t nrefs)
{
	struct scan s;
	struct mlg_source_options so = MLG_SOURCE_OPTIONS_INIT;
	char *head = NULL, *error = NULL;
	size_t head_len = 0, head_cap = 0;
	int opened = 0;
	double now = mlg_now();

	memset(&s, 0, sizeof(s));
	s.engine = engine;
	s.dataset = dataset;
	s.entries = mlg_xcalloc(nrefs + 1, sizeof(*s.entries));
	s.nentries = nrefs;
	s.jsonl = !strcmp(dataset->format, "jsonl");
	for (size_t i = 0; i < nrefs; i++) {
		struct entry *e = &s.entries[i];

		e->check = refs[i].check;
		e->param = refs[i].param;
		e->deadline = e->check->timeout_s > 0 ? now + e->check->timeout_s : 0;
		mlg_engine__role_start(engine, e->check);
	}

	so.git_ref = dataset->git_ref;
	so.repo_dir = engine->run->suite->dir;
	so.shown = dataset->path;
	if (mlg_source_open(&s.src, dataset->abs_path, &so) < 0) {
		char *msg = mlg_xasprintf("dataset '%s': %s", dataset->name, mlg_error_last());

		all_error(&s, msg);
		free(msg);
		goto done;
	}
	if (mlg_source_data(s.src, &s.data, &s.len) == 0) {
		/* the header is in the first bytes; a JSON Lines first record too */
		if ((opened = open_columns(&s, s.data, s.len, &error)) < 0)
			goto bad_open;
	} else {
		if (read_some(s.src, &head, &head_len, &head_cap, STREAM_WINDOW / 2) < 0) {
			error = mlg_xstrdup(mlg_error_last());
			goto bad_open;
		}
		if ((opened = open_columns(&s, head, head_len, &error)) < 0)
			goto bad_open;
	}

	for (size_t i = 0; i < nrefs; i++) {
		struct entry *e = &s.entries[i];
		struct mlg_result why;

		e->setup.param = e->param;
		e->setup.dataset = dataset;
		e->setup.columns = s.shown_names;
		e->setup.ncolumns = s.ncolumns;
		e->setup.mem = &engine->mem;
		e->setup.max_examples = engine->run->suite->max_examples;
		e->setup.internal = &s;
		/*
		 * prepare() writes its verdict into a result of its own: the
		 * check's result is shared with the scans of its other datasets.
		 * A dataset is prepared and read even when another dataset of
		 * the check already failed: the error reported is the first
		 * dataset's, and only reading every one finds it whichever
		 * scan fails first (the cost is that of a run without errors).
		 */
		mlg_result_init(&why);
		why.max_examples = engine->run->suite->max_examples;
		if (e->check->kind->scan->prepare(&e->plan, e->check, &e->setup, &why)) {
			if (why.status == MLG_STATUS_PASSED)
				mlg_result_set(&why, MLG_STATUS_ERROR, "could not prepare the check");
			mlg_engine__role_error(engine, e->check, e->param, &why);
			continue;
		}
		mlg_result_release(&why);
		e->ready = 1;
	}

	if (s.data) {
		/* the digest of a mapped file is taken beside the parsing threads */
		pthread_t hasher;
		int hashing;

		hashing = pthread_create(&hasher, NULL, hash_thread, &s) == 0;
		read_mapped(&s);
		if (hashing)
			pthread_join(hasher, NULL);
	} else {
		read_stream(&s, head, head_len, head_cap);
		head = NULL;
	}
	finish(&s);
	{
		char hex[65];

		if (s.sha256[0])
			mlg_engine__input_digest(engine, dataset, mlg_source_stored_bytes(s.src), s.sha256);
		else if (mlg_source_sha256(s.src, hex) == 0)
			mlg_engine__input_digest(engine, dataset, mlg_source_stored_bytes(s.src), hex);
		else
			mlg_engine__input_digest(engine, dataset, mlg_source_stored_bytes(s.src), NULL);
	}
	goto done;

bad_open: {
		char *msg = opened == -2 ? mlg_xstrdup(error)
					 : mlg_xasprintf("dataset '%s': %s", dataset->name,
							 error ? error : "unreadable");

		all_error(&s, msg);
		free(msg);
	}
	mlg_engine__input_digest(engine, dataset, mlg_source_stored_bytes(s.src), NULL);
done:
	free_states(&s);
	reset_parts(&s);
	for (size_t i = 0; i < nrefs; i++) {
		struct entry *e = &s.entries[i];

		if (e->plan)
			e->check->kind->scan->free_plan(e->plan);
	}
	end_roles(&s);
	free(s.entries);
	free(error);
	free(head);
	mlg_jsonl_index_free(s.jindex);
	for (size_t i = 0; i < s.ncolumns; i++)
		free(s.names[i]);
	free(s.names);
	free(s.shown_names);
	free(s.used);
	free(s.null_lens);
	mlg_source_free(s.src);
}
