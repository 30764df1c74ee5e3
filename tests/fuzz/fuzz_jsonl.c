/*
 * libFuzzer target for the JSON Lines reader (runner/jsonl.c): the
 * columns of the first record (mlg_jsonl_first_columns), then every record
 * into batches (mlg_jsonl_scan) with all those columns split out.
 *
 * cJSON is the oracle: jsonl.c is the stricter parser (UTF-8 checked,
 * surrogates paired, a key given twice refused), so a record it accepts
 * must be an object for cJSON too, and each cell must be what cJSON
 * finds at that dotted path: null when missing or null, the string's
 * bytes, the literal text of a number, true or false, and for an array or
 * an object, text that parses to the same value. The file read as one
 * part, cut into parts at line breaks as the engine cuts it, or fed in
 * growing pieces as a stream is read (final unset until the end), gives
 * the same rows. A disagreement is an abort(). (A record with a \u0000
 * escape is not compared: cJSON ends its strings at the NUL.)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "reader.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 4096

/* The records as cJSON parses them, one per non-blank line; NULL where it cannot. */
struct oracle {
	cJSON *records[MAX_RECORDS];
	int nul[MAX_RECORDS];    /* the line has a \u0000, which cJSON cuts strings at */
	size_t n;
};

/* One dotted path of a record, as the reader flattens it (not into arrays). */
struct flat {
	char *path;
	const cJSON *value;
};

struct flats {
	struct flat *items;
	size_t n, alloc;
};

static void flatten(struct flats *f, const cJSON *obj, const char *prefix)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, obj) {
		char *path = prefix ? mlg_xasprintf("%s.%s", prefix, it->string) : mlg_xstrdup(it->string);

		MLG_ALLOC_GROW(f->items, f->n + 1, f->alloc);
		f->items[f->n].path = path;
		f->items[f->n].value = it;
		f->n++;
		if (cJSON_IsObject(it))
			flatten(f, it, path);
	}
}

static void flats_release(struct flats *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->items[i].path);
	free(f->items);
}

struct capture {
	const struct oracle *oracle;  /* NULL: only collect */
	const char *const *columns;
	size_t ncolumns;
	uint64_t rows;                /* handed over so far */
	struct mlg_strbuf text;       /* rows flattened: "cell|cell|\n", null as \x01 */
};

/* Whether the cell's bytes are what cJSON holds at its path. */
static int cell_matches(const struct mlg_cell *cell, const cJSON *v)
{
	if (!v || cJSON_IsNull(v))
		return cell->is_null && !cell->len;
	if (cell->is_null)
		return 0;
	if (cJSON_IsString(v)) {
		size_t n = strlen(v->valuestring);

		/* cJSON stops a string at an escaped NUL (\u0000) */
		if (memchr(cell->data, '\0', cell->len))
			return n <= cell->len && !memcmp(cell->data, v->valuestring, n);
		return n == cell->len && !memcmp(cell->data, v->valuestring, n);
	}
	if (cJSON_IsTrue(v))
		return cell->len == 4 && !memcmp(cell->data, "true", 4);
	if (cJSON_IsFalse(v))
		return cell->len == 5 && !memcmp(cell->data, "false", 5);
	{
		/* Compared as cJSON prints them: cJSON_Compare() finds inf unequal to itself. */
		cJSON *again = cJSON_ParseWithLength(cell->data, cell->len);
		char *a = again ? cJSON_PrintUnformatted(again) : NULL, *b = cJSON_PrintUnformatted(v);
		int same = a && b && !strcmp(a, b);

		cJSON_free(a);
		cJSON_free(b);
		cJSON_Delete(again);
		return same;
	}
}

static int capture_sink(void *payload, struct mlg_batch *batch)
{
	struct capture *cap = payload;

	if (!batch->nrows || batch->first_row != cap->rows + 1)
		abort();
	for (size_t r = 0; r < batch->nrows; r++) {
		uint64_t k = cap->rows + r;
		struct flats f = { NULL, 0, 0 };

		if (cap->oracle) {
			if (k >= cap->oracle->n)
				abort(); /* more records than non-blank lines */
			if (!cap->oracle->nul[k] && !cJSON_IsObject(cap->oracle->records[k]))
				abort(); /* accepted what cJSON does not read as an object */
			flatten(&f, cap->oracle->records[k], NULL);
		}
		for (size_t c = 0; c < cap->ncolumns; c++) {
			const struct mlg_cell *cell = &mlg_batch_cells(batch, c)[r];

			if (cap->oracle && !cap->oracle->nul[k]) {
				const cJSON *v = NULL;

				for (size_t i = 0; i < f.n; i++) {
					if (strcmp(f.items[i].path, cap->columns[c]))
						continue;
					if (v)
						abort(); /* a path given twice must have been refused */
					v = f.items[i].value;
				}
				if (!cell_matches(cell, v))
					abort();
			}
			if (cell->is_null)
				mlg_strbuf_addch(&cap->text, 1);
			else
				mlg_strbuf_add(&cap->text, cell->data, cell->len);
			mlg_strbuf_addch(&cap->text, '|');
		}
		mlg_strbuf_addch(&cap->text, '\n');
		flats_release(&f);
	}
	cap->rows += batch->nrows;
	return 0;
}

/* Whether s[0..len) holds the escape \u0000 (in any case). */
static int has_escaped_nul(const char *s, size_t len)
{
	for (size_t i = 0; i + 6 <= len; i++)
		if (s[i] == '\\' && s[i + 1] == 'u' && !memcmp(s + i + 2, "0000", 4))
			return 1;
	return 0;
}

/* cJSON's reading of each non-blank line, as the reader delimits them. */
static void oracle_build(struct oracle *o, const char *buf, size_t len)
{
	size_t pos = len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3) ? 3 : 0;

	o->n = 0;
	while (pos < len && o->n < MAX_RECORDS) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t eol = nl ? (size_t)(nl - buf) : len, i = pos;

		while (i < eol && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r'))
			i++;
		if (i < eol) {
			size_t end = eol > i && buf[eol - 1] == '\r' ? eol - 1 : eol;

			o->nul[o->n] = has_escaped_nul(buf + i, end - i);
			o->records[o->n++] = cJSON_ParseWithLength(buf + i, end - i);
		}
		pos = eol + 1;
	}
}

static void oracle_release(struct oracle *o)
{
	for (size_t i = 0; i < o->n; i++)
		cJSON_Delete(o->records[i]);
}

struct outcome {
	char *text;
	uint64_t rows;
	int error;
	uint64_t err_offset;
};

/*
 * Scans buf[from..to) as one part, in pieces of `step` bytes when step is
 * non-zero (final unset until the last), as a stream is read.
 */
static void scan_part(const struct mlg_jsonl_index *index, struct capture *cap, const char *buf,
		      size_t len, size_t from, size_t to, size_t step, size_t batch_rows,
		      struct mlg_part_result *res)
{
	uint8_t *used = mlg_xcalloc(cap->ncolumns + 1, 1);
	struct mlg_batch_impl b;
	size_t pos = from;

	memset(used, 1, cap->ncolumns);
	mlg_batch__init(&b, cap->ncolumns, used, batch_rows, NULL, NULL);
	mlg_batch__reset(&b, 1);
	if (step) {
		/* A stream: the buffer grows; what is cut off is read again. */
		for (size_t avail = from + step; avail < to && !res->error; avail += step) {
			size_t next = mlg_jsonl_scan(index, buf, avail, pos, (size_t)-1, 0, 0, &b, capture_sink,
						     cap, res);

			if (next < pos || next > avail)
				abort();
			pos = next;
		}
	}
	if (!res->error) {
		size_t end = mlg_jsonl_scan(index, buf, to, pos, to, 1, 0, &b, capture_sink, cap, res);

		if (!res->error && end != to)
			abort(); /* a final part is read to its end */
	}
	if (res->error && (!res->err_text || !*res->err_text || res->err_offset > len))
		abort();
	mlg_batch__release(&b);
	free(used);
}

static void run(const struct mlg_jsonl_index *index, const char *const *columns, size_t ncolumns,
		const struct oracle *oracle, const char *buf, size_t len, size_t nparts, size_t step,
		struct outcome *out)
{
	struct capture cap = { oracle, columns, ncolumns, 0, MLG_STRBUF_INIT };
	size_t from = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < nparts && !out->error; i++) {
		struct mlg_part_result res;
		size_t to = len;

		memset(&res, 0, sizeof(res));
		/* the engine's cut: just after the first line break past the nominal point */
		if (i + 1 < nparts) {
			const char *nl = memchr(buf + len * (i + 1) / nparts, '\n', len - len * (i + 1) / nparts);

			to = nl ? (size_t)(nl - buf) + 1 : len;
			if (to < from)
				to = from;
		}
		cap.rows = 0;
		scan_part(index, &cap, buf, len, from, to, step, 3, &res);
		out->rows += res.nrows;
		out->error = res.error;
		out->err_offset = res.err_offset;
		free(res.err_text);
		from = to;
	}
	out->text = mlg_strbuf_detach(&cap.text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	char **names = NULL, *error = NULL;
	size_t n = 0;
	struct mlg_jsonl_index *index;
	struct oracle *oracle;
	struct outcome whole, other;

	if (mlg_jsonl_first_columns(buf, size, &names, &n, &error) < 0) {
		if (names || n || !error || !*error)
			abort();
		free(error);
		return 0;
	}
	if (error || !names)
		abort();
	index = mlg_jsonl_index_new((const char *const *)names, n);
	oracle = mlg_xcalloc(1, sizeof(*oracle));
	oracle_build(oracle, buf, size);

	run(index, (const char *const *)names, n, oracle, buf, size, 1, 0, &whole);
	/* Cut into parts, or read as a stream: the same rows up to the first error. */
	for (size_t variant = 0; variant < 3; variant++) {
		size_t nparts = variant == 0 ? 3 : 1, step = variant == 1 ? 7 : variant == 2 ? 64 : 0;

		run(index, (const char *const *)names, n, NULL, buf, size, nparts, step, &other);
		if (!whole.error && (other.error || other.rows != whole.rows || strcmp(other.text, whole.text)))
			abort();
		/* With an error, each stops at its own batch: one is a prefix of the other. */
		if (whole.error && (!other.error || strncmp(other.text, whole.text,
							    strlen(other.text) < strlen(whole.text)
								    ? strlen(other.text) : strlen(whole.text))))
			abort();
		free(other.text);
	}
	free(whole.text);
	oracle_release(oracle);
	free(oracle);
	mlg_jsonl_index_free(index);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return 0;
}
