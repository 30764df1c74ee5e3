/*
 * data.class_balance: every class of a label column holds a share of the
 * labelled rows within bounds, overall and per class.
 *
 * Labels are counted exactly, as text, in a hash table charged to the
 * memory budget. A column with more than max_classes distinct values is
 * not a label column (an id, a float): the check stops with an error
 * rather than count millions of "classes".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/check.h"
#include "mlgate/strcount.h"
#include "mlgate/suite.h"
#include "mlgate/value.h"
#include "util.h"

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "dataset to read" },
	{ "column", MLG_PARAM_STRING, 1, NULL, "label column; labels are compared as text, nulls are left out" },
	{ "min_share", MLG_PARAM_FRACTION, 0, NULL, "smallest share of the labelled rows any class may have" },
	{ "max_share", MLG_PARAM_FRACTION, 0, NULL, "largest share of the labelled rows any class may have" },
	{ "classes", MLG_PARAM_OBJECT, 0, NULL,
	  "label -> bounds on its share, e.g. {\"1\": {\"min\": 0.01}}, replacing min_share/max_share for it; a label named here counts even if absent" },
	{ "max_classes", MLG_PARAM_INTEGER, 0, "1000", "more distinct labels than this is an error: not a label column" },
	{ NULL, 0, 0, NULL, NULL }
};

/* Failing classes named in the message. */
#define IN_MESSAGE 5

/* Room for a problem with a bound, for the suite diagnostics. */
#define WHY_SIZE 96

struct bound {
	int has_min, has_max;
	double min, max;
};

struct plan {
	const char *column;
	long index;
	size_t max_classes;
	struct mlg_mem *mem;
};

struct state {
	uint64_t nulls, labelled;
	struct mlg_strcount counts;
	long last;          /* entry of the previous label: runs of one label skip the hash */
	int too_many;
	int out_of_memory;
};

/* Reads {"min": a, "max": b} of shares; 0, or -1 with the problem in why. */
static int parse_bound(const cJSON *v, struct bound *b, char why[WHY_SIZE])
{
	const cJSON *it;

	memset(b, 0, sizeof(*b));
	if (!cJSON_IsObject(v)) {
		snprintf(why, WHY_SIZE, "expected an object {\"min\": a, \"max\": b} of shares from 0 to 1");
		return -1;
	}
	cJSON_ArrayForEach(it, v) {
		int is_min = !strcmp(it->string, "min");

		if (!is_min && strcmp(it->string, "max")) {
			snprintf(why, WHY_SIZE, "bounds take only \"min\" and \"max\"");
			return -1;
		}
		if (!cJSON_IsNumber(it) || !(it->valuedouble >= 0 && it->valuedouble <= 1)) {
			snprintf(why, WHY_SIZE, "\"min\" and \"max\" are shares: numbers from 0 to 1");
			return -1;
		}
		if (is_min) {
			b->has_min = 1;
			b->min = it->valuedouble;
		} else {
			b->has_max = 1;
			b->max = it->valuedouble;
		}
	}
	if (!b->has_min && !b->has_max) {
		snprintf(why, WHY_SIZE, "expected \"min\", \"max\" or both");
		return -1;
	}
	if (b->has_min && b->has_max && b->min > b->max) {
		char lo[32], hi[32];

		snprintf(why, WHY_SIZE, "\"min\" (%s) is greater than \"max\" (%s)", mlg_format_number(b->min, lo),
			 mlg_format_number(b->max, hi));
		return -1;
	}
	return 0;
}

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	const cJSON *classes = mlg_check_param(check, "classes"), *it;
	double lo, hi, max_classes = 1000;
	int has_lo = mlg_check_number(check, "min_share", &lo);
	int has_hi = mlg_check_number(check, "max_share", &hi);
	char a[32], b[32];

	if (!has_lo && !has_hi && !classes)
		mlg_diag_check(diag, check, NULL, "data.class_balance needs \"min_share\", \"max_share\" or \"classes\"");
	if (has_lo && has_hi && lo > hi)
		mlg_diag_check(diag, check, "min_share", "\"min_share\" (%s) is greater than \"max_share\" (%s)",
			       mlg_format_number(lo, a), mlg_format_number(hi, b));
	if (classes && !cJSON_GetArraySize(classes))
		mlg_diag_check(diag, check, "classes", "expected at least one class, e.g. {\"1\": {\"min\": 0.01}}");
	cJSON_ArrayForEach(it, classes) {
		struct bound bd;
		char why[WHY_SIZE];

		if (parse_bound(it, &bd, why) < 0)
			mlg_diag_check(diag, check, "classes", "class '%s': %s", it->string, why);
	}
	mlg_check_number(check, "max_classes", &max_classes);
	if (max_classes < 1 || max_classes > 1e7)
		mlg_diag_check(diag, check, "max_classes", "expected a whole number from 1 to 10000000");
	else if (classes && (double)cJSON_GetArraySize(classes) > max_classes)
		mlg_diag_check(diag, check, "classes", "names more classes than max_classes (%s)",
			       mlg_format_number(max_classes, a));
}

static int prepare(void **out, const struct mlg_check *check, struct mlg_scan_setup *setup,
		   struct mlg_result *r)
{
	struct plan *p = mlg_xcalloc(1, sizeof(*p));
	double max_classes = 1000;

	*out = p;
	p->column = mlg_check_string(check, "column");
	mlg_check_number(check, "max_classes", &max_classes);
	p->max_classes = (size_t)max_classes;
	p->mem = setup->mem;
	if ((p->index = mlg_scan_column(setup, check, p->column, r)) < 0)
		return 1;
	return 0;
}

static void *begin(const void *plan)
{
	const struct plan *p = plan;
	struct state *s = mlg_xcalloc(1, sizeof(*s));

	mlg_strcount_init(&s->counts, p->mem, 0);
	s->last = -1;
	return s;
}

/* The same words for a part that finds too many labels and for the merge that does. */
static char *too_many_message(const struct plan *p)
{
	return mlg_xasprintf("column '%s' has more than %zu distinct values: not a label column "
			     "(raise max_classes if it is one)", p->column, p->max_classes);
}

static int batch(const void *plan, void *state, struct mlg_batch *b, char **error)
{
	const struct plan *p = plan;
	struct state *s = state;
	const struct mlg_cell *cells = mlg_batch_cells(b, (size_t)p->index);
	struct mlg_strcount *t = &s->counts;

	for (size_t i = 0; i < b->nrows; i++) {
		const struct mlg_cell *c = &cells[i];
		uint64_t h;
		long at;
		size_t added;

		if (c->is_null) {
			s->nulls++;
			continue;
		}
		s->labelled++;
		if (s->last >= 0 && t->entries[s->last].len == c->len &&
		    !memcmp(t->entries[s->last].text, c->data, c->len)) {
			t->entries[s->last].count++;
			continue;
		}
		h = mlg_strcount_hash(c->data, c->len, 0);
		at = mlg_strcount_find(t, c->data, c->len, h);
		if (at >= 0) {
			t->entries[at].count++;
			s->last = at;
			continue;
		}
		if (t->n >= p->max_classes) {
			*error = too_many_message(p);
			return 1;
		}
		if (mlg_strcount_add(t, c->data, c->len, h, 1, &added) < 0) {
			*error = mlg_xstrdup(mlg_mem_message(p->mem));
			return 1;
		}
		s->last = (long)added;
	}
	return 0;
}

static void merge(const void *plan, void *into, void *from, uint64_t row_base)
{
	const struct plan *p = plan;
	struct state *a = into, *b = from;

	a->nulls += b->nulls;
	a->labelled += b->labelled;
	a->too_many |= b->too_many;
	a->out_of_memory |= b->out_of_memory;
	for (size_t i = 0; i < b->counts.n && !a->too_many && !a->out_of_memory; i++) {
		const struct mlg_strcount_entry *e = &b->counts.entries[i];

		if (mlg_strcount_find(&a->counts, e->text, e->len, e->hash) < 0 && a->counts.n >= p->max_classes)
			a->too_many = 1;
		else if (mlg_strcount_add(&a->counts, e->text, e->len, e->hash, e->count, NULL) < 0)
			a->out_of_memory = 1;
	}
	a->last = -1;
	mlg_strcount_release(&b->counts);
}

static void free_state(void *state)
{
	struct state *s = state;

	if (!s)
		return;
	mlg_strcount_release(&s->counts);
	free(s);
}

struct label {
	double number;
	const struct mlg_strcount_entry *entry;
};

static int by_bytes(const void *x, const void *y)
{
	const struct mlg_strcount_entry *a = ((const struct label *)x)->entry;
	const struct mlg_strcount_entry *b = ((const struct label *)y)->entry;
	int c = memcmp(a->text, b->text, a->len < b->len ? a->len : b->len);

	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

static int by_number(const void *x, const void *y)
{
	double u = ((const struct label *)x)->number, v = ((const struct label *)y)->number;

	if (u != v)
		return u < v ? -1 : 1;
	return by_bytes(x, y); /* "1" and "1.0" */
}

/*
 * The labels in numeric order when every one is a number (0, 1, 2, ...,
 * 10), else in byte order: the order of the report, whatever the cut.
 * Caller frees.
 */
static struct label *sorted_labels(const struct mlg_strcount *t)
{
	struct label *l = mlg_xcalloc(t->n + 1, sizeof(*l));
	int numeric = 1;

	for (size_t i = 0; i < t->n; i++) {
		l[i].entry = &t->entries[i];
		if (numeric && (mlg_parse_float(t->entries[i].text, t->entries[i].len, &l[i].number) < 0 ||
				l[i].number != l[i].number))
			numeric = 0;
	}
	qsort(l, t->n, sizeof(*l), numeric ? by_number : by_bytes);
	return l;
}

static void end(const struct mlg_check *check, const struct mlg_scan_input *in, size_t nin,
		struct mlg_result *r)
{
	const struct plan *p = in[0].plan;
	struct state *s = in[0].state;
	const cJSON *classes = mlg_check_param(check, "classes"), *it;
	uint64_t nrows = in[0].nrows;
	const char *col = p->column;
	struct mlg_strcount *t = &s->counts;
	double lo = 0, hi = 1, smallest = 1, largest = 0;
	int has_lo = mlg_check_number(check, "min_share", &lo);
	int has_hi = mlg_check_number(check, "max_share", &hi);
	struct mlg_strbuf msg = MLG_STRBUF_INIT;
	size_t failing = 0;
	cJSON *counts, *shares;
	struct label *labels;
	char a[32], b[32];

	if (s->too_many) {
		char *m = too_many_message(p);

		mlg_result_set(r, MLG_STATUS_ERROR, "%s", m);
		free(m);
		return;
	}
	/* declared classes that never occur are classes with no rows */
	cJSON_ArrayForEach(it, classes) {
		size_t len = strlen(it->string);

		if (s->out_of_memory ||
		    mlg_strcount_add(t, it->string, len, mlg_strcount_hash(it->string, len, 0), 0, NULL) < 0)
			s->out_of_memory = 1;
	}
	if (s->out_of_memory) {
		mlg_result_set(r, MLG_STATUS_ERROR, "%s", mlg_mem_message(p->mem));
		return;
	}
	labels = sorted_labels(t);

	cJSON_AddNumberToObject(r->observed, "rows", (double)nrows);
	cJSON_AddNumberToObject(r->observed, "nulls", (double)s->nulls);
	cJSON_AddNumberToObject(r->observed, "labelled", (double)s->labelled);
	cJSON_AddNumberToObject(r->observed, "classes", (double)t->n);
	counts = cJSON_AddObjectToObject(r->observed, "counts");
	shares = cJSON_AddObjectToObject(r->observed, "shares");
	if (has_lo)
		cJSON_AddNumberToObject(r->expected, "min_share", lo);
	if (has_hi)
		cJSON_AddNumberToObject(r->expected, "max_share", hi);
	if (classes)
		cJSON_AddItemToObject(r->expected, "classes", cJSON_Duplicate(classes, 1));
	cJSON_AddNumberToObject(r->expected, "max_classes", (double)p->max_classes);

	for (size_t i = 0; i < t->n; i++) {
		const struct mlg_strcount_entry *e = labels[i].entry;
		double share = s->labelled ? (double)e->count / (double)s->labelled : 0;
		const cJSON *own = classes ? cJSON_GetObjectItemCaseSensitive(classes, e->text) : NULL;
		struct bound bd = { 0, 0, 0, 0 };
		char why[WHY_SIZE];
		const char *broke = NULL;
		double limit = 0;

		cJSON_AddNumberToObject(counts, e->text, (double)e->count);
		cJSON_AddNumberToObject(shares, e->text, share);
		if (share < smallest)
			smallest = share;
		if (share > largest)
			largest = share;
		if (own)
			parse_bound(own, &bd, why);
		/* a class's own bound replaces the common one: a rare class may sit below min_share */
		if (bd.has_min ? share < bd.min : has_lo && share < lo) {
			broke = bd.has_min ? "below its min" : "below min_share";
			limit = bd.has_min ? bd.min : lo;
		} else if (bd.has_max ? share > bd.max : has_hi && share > hi) {
			broke = bd.has_max ? "above its max" : "above max_share";
			limit = bd.has_max ? bd.max : hi;
		}
		if (!broke || !s->labelled)
			continue;
		if (failing++ < IN_MESSAGE)
			mlg_strbuf_addf(&msg, "%sclass '%s'%s%s has %s%% (%llu of %llu labels), %s %s%%",
					msg.len ? "; " : "", e->text, msg.len ? "" : " of ", msg.len ? "" : col,
					mlg_format_share(share * 100, a), (unsigned long long)e->count,
					(unsigned long long)s->labelled, broke, mlg_format_share(limit * 100, b));
	}
	free(labels);
	if (failing > IN_MESSAGE)
		mlg_strbuf_addf(&msg, "; and %zu more class%s", failing - IN_MESSAGE,
				failing - IN_MESSAGE == 1 ? "" : "es");

	if (!s->labelled)
		mlg_result_set(r, MLG_STATUS_FAILED, "no labels in %s: %llu row%s, all null", col,
			       (unsigned long long)nrows, mlg_plural(nrows));
	else if (failing)
		mlg_result_set(r, MLG_STATUS_FAILED, "%s", msg.buf);
	else
		mlg_result_set(r, MLG_STATUS_PASSED, "%zu class%s of %s within bounds: shares %s%% to %s%% of %llu label%s",
			       t->n, t->n == 1 ? "" : "es", col, mlg_format_share(smallest * 100, a),
			       mlg_format_share(largest * 100, b), (unsigned long long)s->labelled,
			       mlg_plural(s->labelled));
	mlg_strbuf_release(&msg);
}

static void free_plan(void *p)
{
	free(p);
}

static const struct mlg_scan_ops scan = { prepare, begin, batch, merge, end, free_state, free_plan };

const struct mlg_check_kind mlg_kind_data_class_balance = {
	.abi = MLG_KIND_ABI,
	.name = "data.class_balance",
	.summary = "each class of a label column has a share of the labelled rows within bounds",
	.params = params,
	.example = "{ \"kind\": \"data.class_balance\", \"dataset\": \"train\", \"column\": \"label\", \"min_share\": 0.05, \"classes\": { \"1\": { \"min\": 0.01, \"max\": 0.2 } } }",
	.validate = validate,
	.scan = &scan,
};
