/*
 * data.allowed_values: the non-null values of a column are among an
 * allowed set of strings, compared as text.
 *
 * The set is a hash table built once in prepare() and read by every
 * thread. Values outside it are counted, and the most frequent of them
 * reported with exact counts from a bounded table. Which values that
 * table keeps may not depend on how the file was cut into parts (-j):
 * "the first 256 seen" would (a part cannot know what earlier parts
 * kept), so it keeps the 256 with the smallest hash, a choice each part
 * can make alone and a merge can repeat. A value among those 256 overall
 * is kept by every part it occurs in, from its first occurrence, so its
 * count is exact; with 256 or fewer distinct unexpected values, that is
 * all of them, and the report lists the most frequent.
 */
#include <stdlib.h>
#include <string.h>

#include "mlgate/check.h"
#include "mlgate/strcount.h"
#include "mlgate/suite.h"
#include "util.h"

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "dataset to read" },
	{ "column", MLG_PARAM_STRING, 1, NULL, "column to check; nulls are not checked" },
	{ "values", MLG_PARAM_STRINGS, 1, NULL,
	  "the allowed values, as strings compared with the cell's text exactly (\"1\" is not \"1.0\")" },
	{ "ignore_case", MLG_PARAM_BOOLEAN, 0, "false", "compare ASCII letters without regard to case" },
	{ "mostly", MLG_PARAM_FRACTION, 0, "1", "share of non-null values that must be allowed" },
	{ NULL, 0, 0, NULL, NULL }
};

/* Distinct unexpected values tracked exactly, and how many the report lists. */
#define TRACKED 256
#define REPORTED 20
/* Listed in the message. */
#define IN_MESSAGE 3

struct plan {
	const char *column;
	long index;
	struct mlg_strcount allowed;
	struct mlg_mem *mem;
	size_t max_examples;
};

struct state {
	uint64_t nulls, checked, not_allowed;
	struct mlg_strcount unexpected; /* at most TRACKED: the smallest hashes */
	size_t largest;                 /* index of the entry with the largest hash */
	int overflowed;                 /* a distinct unexpected value was dropped */
	int out_of_memory;
	struct mlg_examples ex;
};

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	const char **values;
	size_t n;
	int fold = mlg_check_bool(check, "ignore_case", 0);
	struct mlg_strcount seen;

	if (!mlg_check_strings(check, "values", &values, &n))
		return;
	/* a value listed twice is harmless, but usually a slip for another */
	mlg_strcount_init(&seen, NULL, fold);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(values[i]), at;
		uint64_t h = mlg_strcount_hash(values[i], len, fold);

		mlg_strcount_add(&seen, values[i], len, h, 1, &at);
		if (seen.entries[at].count != 2)
			continue;
		if (strcmp(seen.entries[at].text, values[i]))
			mlg_diag_check(diag, check, "values", "value '%s' repeats '%s' (ignore_case is on)",
				       values[i], seen.entries[at].text);
		else
			mlg_diag_check(diag, check, "values", "value '%s' is listed twice", values[i]);
	}
	mlg_strcount_release(&seen);
	free(values);
}

static void free_plan(void *p)
{
	struct plan *pl = p;

	if (!pl)
		return;
	mlg_strcount_release(&pl->allowed);
	free(pl);
}

static int prepare(void **out, const struct mlg_check *check, struct mlg_scan_setup *setup,
		   struct mlg_result *r)
{
	struct plan *p = mlg_xcalloc(1, sizeof(*p));
	const char **values;
	size_t n;

	*out = p;
	p->column = mlg_check_string(check, "column");
	p->mem = setup->mem;
	p->max_examples = setup->max_examples;
	mlg_strcount_init(&p->allowed, setup->mem, mlg_check_bool(check, "ignore_case", 0));
	mlg_check_strings(check, "values", &values, &n);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(values[i]);

		if (mlg_strcount_add(&p->allowed, values[i], len,
				     mlg_strcount_hash(values[i], len, p->allowed.fold_case), 1, NULL) < 0) {
			mlg_result_set(r, MLG_STATUS_ERROR, "%s", mlg_mem_message(setup->mem));
			free(values);
			return 1;
		}
	}
	free(values);
	if ((p->index = mlg_scan_column(setup, check, p->column, r)) < 0)
		return 1;
	return 0;
}

static void *begin(const void *plan)
{
	const struct plan *p = plan;
	struct state *s = mlg_xcalloc(1, sizeof(*s));

	mlg_strcount_init(&s->unexpected, p->mem, 0);
	mlg_examples_init(&s->ex, p->max_examples);
	return s;
}

/* Orders values by hash, then by bytes: a total order that no cut changes. */
static int key_cmp(uint64_t ha, const char *a, size_t la, uint64_t hb, const char *b, size_t lb)
{
	int c;

	if (ha != hb)
		return ha < hb ? -1 : 1;
	c = memcmp(a, b, la < lb ? la : lb);
	if (c)
		return c;
	return la < lb ? -1 : la > lb;
}

static void find_largest(struct state *s)
{
	const struct mlg_strcount_entry *e = s->unexpected.entries;

	s->largest = 0;
	for (size_t i = 1; i < s->unexpected.n; i++)
		if (key_cmp(e[i].hash, e[i].text, e[i].len, e[s->largest].hash, e[s->largest].text,
			    e[s->largest].len) > 0)
			s->largest = i;
}

/*
 * Counts `count` occurrences of an unexpected value in the bounded table:
 * added when it has room or the value's key is smaller than the largest
 * kept (which then goes). -1 when the budget is spent.
 */
static int track(struct state *s, const char *text, size_t len, uint64_t hash, uint64_t count)
{
	struct mlg_strcount *t = &s->unexpected;
	long i = mlg_strcount_find(t, text, len, hash);

	if (i >= 0) {
		t->entries[i].count += count;
		return 0;
	}
	if (t->n == TRACKED) {
		const struct mlg_strcount_entry *big = &t->entries[s->largest];

		s->overflowed = 1;
		if (key_cmp(hash, text, len, big->hash, big->text, big->len) > 0)
			return 0;
		mlg_strcount_remove(t, s->largest);
	}
	if (mlg_strcount_add(t, text, len, hash, count, NULL) < 0)
		return -1;
	if (t->n == TRACKED)
		find_largest(s);
	return 0;
}

static int batch(const void *plan, void *state, struct mlg_batch *b, char **error)
{
	const struct plan *p = plan;
	struct state *s = state;
	const struct mlg_cell *cells = mlg_batch_cells(b, (size_t)p->index);
	int fold = p->allowed.fold_case;

	for (size_t i = 0; i < b->nrows; i++) {
		const struct mlg_cell *c = &cells[i];
		uint64_t h;

		if (c->is_null) {
			s->nulls++;
			continue;
		}
		s->checked++;
		h = mlg_strcount_hash(c->data, c->len, fold);
		if (mlg_strcount_find(&p->allowed, c->data, c->len, h) >= 0)
			continue;
		s->not_allowed++;
		mlg_examples_add(&s->ex, b->first_row + i, p->column, c->data, c->len, "not allowed");
		/* unexpected values are told apart by their exact text */
		if (fold)
			h = mlg_strcount_hash(c->data, c->len, 0);
		if (track(s, c->data, c->len, h, 1) < 0) {
			*error = mlg_xstrdup(mlg_mem_message(p->mem));
			return 1;
		}
	}
	return 0;
}

static void merge(const void *plan, void *into, void *from, uint64_t row_base)
{
	struct state *a = into, *b = from;

	a->nulls += b->nulls;
	a->checked += b->checked;
	a->not_allowed += b->not_allowed;
	a->overflowed |= b->overflowed;
	a->out_of_memory |= b->out_of_memory;
	for (size_t i = 0; i < b->unexpected.n && !a->out_of_memory; i++) {
		const struct mlg_strcount_entry *e = &b->unexpected.entries[i];

		if (track(a, e->text, e->len, e->hash, e->count) < 0)
			a->out_of_memory = 1;
	}
	mlg_strcount_release(&b->unexpected);
	mlg_examples_merge(&a->ex, &b->ex, row_base);
}

static void free_state(void *state)
{
	struct state *s = state;

	if (!s)
		return;
	mlg_strcount_release(&s->unexpected);
	mlg_examples_release(&s->ex);
	free(s);
}

/* Most frequent first; equal counts in byte order. */
static int by_count(const void *x, const void *y)
{
	const struct mlg_strcount_entry *a = x, *b = y;
	int c;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	c = memcmp(a->text, b->text, a->len < b->len ? a->len : b->len);
	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

static void end(const struct mlg_check *check, const struct mlg_scan_input *in, size_t nin,
		struct mlg_result *r)
{
	const struct plan *p = in[0].plan;
	struct state *s = in[0].state;
	uint64_t nrows = in[0].nrows, listed = 0;
	const char *col = p->column;
	struct mlg_strcount_entry *e = s->unexpected.entries;
	size_t n = s->unexpected.n;
	double mostly = 1, share;
	struct mlg_strbuf msg = MLG_STRBUF_INIT;
	cJSON *list, *values;
	const char **allowed;
	size_t nallowed;
	char a[32], b[32];

	if (s->out_of_memory) {
		mlg_result_set(r, MLG_STATUS_ERROR, "%s", mlg_mem_message(p->mem));
		return;
	}
	mlg_check_number(check, "mostly", &mostly);
	mlg_examples_emit(&s->ex, r);
	if (n)
		qsort(e, n, sizeof(*e), by_count); /* the table is only freed after this */
	share = s->checked ? (double)(s->checked - s->not_allowed) / (double)s->checked : 1.0;

	cJSON_AddNumberToObject(r->observed, "rows", (double)nrows);
	cJSON_AddNumberToObject(r->observed, "nulls", (double)s->nulls);
	cJSON_AddNumberToObject(r->observed, "non_null", (double)s->checked);
	cJSON_AddNumberToObject(r->observed, "not_allowed", (double)s->not_allowed);
	cJSON_AddNumberToObject(r->observed, "share", share);
	list = cJSON_AddArrayToObject(r->observed, "unexpected");
	for (size_t i = 0; i < n && i < REPORTED; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddItemToObject(o, "value", cJSON_CreateString(e[i].text));
		cJSON_AddNumberToObject(o, "count", (double)e[i].count);
		cJSON_AddItemToArray(list, o);
		listed += e[i].count;
	}
	cJSON_AddNumberToObject(r->observed, "other", (double)(s->not_allowed - listed));
	/* known exactly only while no distinct value was dropped */
	if (!s->overflowed)
		cJSON_AddNumberToObject(r->observed, "unexpected_distinct", (double)n);

	values = cJSON_AddArrayToObject(r->expected, "values");
	mlg_check_strings(check, "values", &allowed, &nallowed);
	for (size_t i = 0; i < nallowed; i++)
		cJSON_AddItemToArray(values, cJSON_CreateString(allowed[i]));
	free(allowed);
	cJSON_AddBoolToObject(r->expected, "ignore_case", p->allowed.fold_case);
	cJSON_AddNumberToObject(r->expected, "mostly", mostly);

	if (!s->checked) {
		mlg_result_set(r, MLG_STATUS_PASSED, "no non-null values of %s to check (%llu row%s)", col,
			       (unsigned long long)nrows, mlg_plural(nrows));
		return;
	}
	if (!s->not_allowed) {
		mlg_result_set(r, MLG_STATUS_PASSED, "all %llu values of %s are allowed",
			       (unsigned long long)s->checked, col);
		return;
	}
	mlg_strbuf_addf(&msg, "%llu of %llu values of %s are not allowed", (unsigned long long)s->not_allowed,
			(unsigned long long)s->checked, col);
	if (share >= mostly) {
		mlg_result_set(r, MLG_STATUS_PASSED, "%s, within mostly = %s", msg.buf, mlg_format_number(mostly, a));
		mlg_strbuf_release(&msg);
		return;
	}
	if (mostly < 1)
		mlg_strbuf_addf(&msg, " (%s%% allowed, expected at least %s%%)", mlg_format_share(share * 100, a),
				mlg_format_share(mostly * 100, b));
	if (s->overflowed)
		mlg_strbuf_addf(&msg, "; more than %d distinct, among them", TRACKED);
	else
		mlg_strbuf_addstr(&msg, n > 1 ? "; most common:" : ":");
	for (size_t i = 0; i < n && i < IN_MESSAGE; i++) {
		/* a long value is cut in the message, at a character boundary; observed has it whole */
		size_t len = e[i].len;
		int cut = len > 40;

		if (cut)
			for (len = 37; len > 0 && ((unsigned char)e[i].text[len] & 0xc0) == 0x80; len--)
				;
		mlg_strbuf_addf(&msg, "%s '%.*s%s' (%llu)", i ? "," : "", (int)len, e[i].text,
				cut ? "..." : "", (unsigned long long)e[i].count);
	}
	if (n > IN_MESSAGE || s->overflowed)
		mlg_strbuf_addf(&msg, ", ...");
	mlg_result_set(r, MLG_STATUS_FAILED, "%s", msg.buf);
	mlg_strbuf_release(&msg);
}

static const struct mlg_scan_ops scan = { prepare, begin, batch, merge, end, free_state, free_plan };

const struct mlg_check_kind mlg_kind_data_allowed_values = {
	.abi = MLG_KIND_ABI,
	.name = "data.allowed_values",
	.summary = "non-null values of a column are in a set of allowed strings; reports the unexpected ones with counts",
	.params = params,
	.example = "{ \"kind\": \"data.allowed_values\", \"dataset\": \"train\", \"column\": \"country\", \"values\": [\"DE\", \"FR\", \"US\"] }",
	.validate = validate,
	.scan = &scan,
};
