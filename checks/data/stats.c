/*
 * data.stats: statistics of the numeric values of a column (mean, sample
 * standard deviation, min, max, median, quantiles) lie within bounds.
 *
 * Sums are exact (mlgate/stats.h), so the verdict is the same bits at any
 * -j. The values themselves are kept only when a median or a quantile is
 * asked for: those need every value, charged to max_memory.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/check.h"
#include "mlgate/stats.h"
#include "mlgate/suite.h"
#include "util.h"

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "dataset to read" },
	{ "column", MLG_PARAM_STRING, 1, NULL, "numeric column to describe; nulls are left out" },
	{ "mean", MLG_PARAM_OBJECT, 0, NULL, "bounds on the mean: {\"min\": a, \"max\": b}, either or both" },
	{ "std", MLG_PARAM_OBJECT, 0, NULL,
	  "bounds on the sample standard deviation (ddof = 1, as pandas; NumPy's default is ddof = 0)" },
	{ "min", MLG_PARAM_OBJECT, 0, NULL, "bounds on the smallest value: {\"min\": a, \"max\": b}" },
	{ "max", MLG_PARAM_OBJECT, 0, NULL, "bounds on the largest value: {\"min\": a, \"max\": b}" },
	{ "median", MLG_PARAM_OBJECT, 0, NULL, "bounds on the median (the 0.5 quantile)" },
	{ "quantiles", MLG_PARAM_OBJECT, 0, NULL,
	  "quantile -> bounds, e.g. {\"0.99\": {\"max\": 1000}}; linear interpolation, as NumPy's default" },
	{ NULL, 0, 0, NULL, NULL }
};

enum stat { STAT_MEAN, STAT_STD, STAT_MIN, STAT_MAX, STAT_MEDIAN, STAT_COUNT };

static const char *const stat_names[STAT_COUNT] = { "mean", "std", "min", "max", "median" };

/* Room for a problem with a bound, for the suite diagnostics. */
#define WHY_SIZE 96

struct bound {
	int on, has_min, has_max;
	double min, max;
};

struct quantile {
	const char *key; /* as the suite writes it: "0.99" */
	double q;
	struct bound bound;
};

struct plan {
	const char *column;
	long index;
	struct bound stat[STAT_COUNT];
	struct quantile *quantiles;
	size_t nquantiles;
	int keep_values; /* a median or a quantile is asked for */
	struct mlg_mem *mem;
	size_t max_examples;
};

/* Kept values of a part, in chunks linked in file order: a merge only links. */
struct chunk {
	struct chunk *next;
	size_t n, cap;
	double v[];
};

struct state {
	struct mlg_stats acc;
	uint64_t nulls, not_numeric;
	struct chunk *head, *tail;
	double *values; /* all kept values in one array, made in end() */
	size_t charged;
	struct mlg_mem *mem;
	struct mlg_examples ex;
};

/* Values in the first chunk of a part, and the most a chunk holds. */
#define FIRST_CHUNK 256
#define MAX_CHUNK 65536

/* Reads {"min": a, "max": b}; 0, or -1 with the problem in why. */
static int parse_bound(const cJSON *v, struct bound *b, char why[WHY_SIZE])
{
	const cJSON *it;

	memset(b, 0, sizeof(*b));
	if (!cJSON_IsObject(v)) {
		snprintf(why, WHY_SIZE, "expected an object {\"min\": a, \"max\": b}");
		return -1;
	}
	cJSON_ArrayForEach(it, v) {
		int is_min = !strcmp(it->string, "min");

		if (!is_min && strcmp(it->string, "max")) {
			snprintf(why, WHY_SIZE, "a bound takes only \"min\" and \"max\"");
			return -1;
		}
		if (!cJSON_IsNumber(it)) {
			snprintf(why, WHY_SIZE, "\"%s\" must be a number", it->string);
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
	b->on = 1;
	return 0;
}

/* A quantile key: a plain decimal number from 0 to 1 ("0.99", "1", "5e-1"). */
static int parse_quantile(const char *key, double *q)
{
	char *end;

	if (!*key || strspn(key, "0123456789.eE+-") != strlen(key))
		return -1;
	*q = strtod(key, &end);
	return *end || !(*q >= 0 && *q <= 1) ? -1 : 0;
}

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	const cJSON *qs = mlg_check_param(check, "quantiles"), *it;
	int any = qs != NULL;

	for (int k = 0; k < STAT_COUNT; k++) {
		const cJSON *v = mlg_check_param(check, stat_names[k]);
		struct bound b;
		char why[WHY_SIZE];

		if (!v)
			continue;
		any = 1;
		if (parse_bound(v, &b, why) < 0)
			mlg_diag_check(diag, check, stat_names[k], "%s", why);
	}
	if (qs && !cJSON_GetArraySize(qs))
		mlg_diag_check(diag, check, "quantiles", "expected at least one quantile, e.g. {\"0.99\": {\"max\": 1000}}");
	cJSON_ArrayForEach(it, qs) {
		struct bound b;
		char why[WHY_SIZE];
		double q;

		if (parse_quantile(it->string, &q) < 0) {
			mlg_diag_check(diag, check, "quantiles",
				       "'%s' is not a quantile: expected a number from 0 to 1 such as \"0.99\"",
				       it->string);
			continue;
		}
		if (parse_bound(it, &b, why) < 0) {
			mlg_diag_check(diag, check, "quantiles", "quantile '%s': %s", it->string, why);
			continue;
		}
		for (const cJSON *o = qs->child; o != it; o = o->next) {
			double p;

			if (parse_quantile(o->string, &p) == 0 && p == q) {
				mlg_diag_check(diag, check, "quantiles", "quantiles '%s' and '%s' are the same",
					       o->string, it->string);
				break;
			}
		}
	}
	if (!any)
		mlg_diag_check(diag, check, NULL,
			       "data.stats needs bounds on at least one of mean, std, min, max, median, quantiles");
}

static void free_plan(void *p)
{
	struct plan *pl = p;

	if (!pl)
		return;
	free(pl->quantiles);
	free(pl);
}

static int prepare(void **out, const struct mlg_check *check, struct mlg_scan_setup *setup,
		   struct mlg_result *r)
{
	struct plan *p = mlg_xcalloc(1, sizeof(*p));
	const cJSON *qs = mlg_check_param(check, "quantiles"), *it;
	char why[WHY_SIZE];

	*out = p;
	p->column = mlg_check_string(check, "column");
	p->mem = setup->mem;
	p->max_examples = setup->max_examples;
	/* the parameters were validated: parsing them again cannot fail */
	for (int k = 0; k < STAT_COUNT; k++) {
		const cJSON *v = mlg_check_param(check, stat_names[k]);

		if (v)
			parse_bound(v, &p->stat[k], why);
	}
	p->quantiles = mlg_xcalloc((size_t)cJSON_GetArraySize(qs) + 1, sizeof(*p->quantiles));
	cJSON_ArrayForEach(it, qs) {
		struct quantile *q = &p->quantiles[p->nquantiles++];

		q->key = it->string;
		parse_quantile(it->string, &q->q);
		parse_bound(it, &q->bound, why);
	}
	p->keep_values = p->stat[STAT_MEDIAN].on || p->nquantiles;
	if ((p->index = mlg_scan_column(setup, check, p->column, r)) < 0)
		return 1;
	return 0;
}

static void *begin(const void *plan)
{
	const struct plan *p = plan;
	struct state *s = mlg_xcalloc(1, sizeof(*s));

	mlg_stats_init(&s->acc);
	s->mem = p->mem;
	mlg_examples_init(&s->ex, p->max_examples);
	return s;
}

/* A new last chunk, charged first; -1 when the budget is spent. */
static int grow(struct state *s)
{
	size_t cap = s->tail ? 2 * s->tail->cap : FIRST_CHUNK, bytes;
	struct chunk *c;

	if (cap > MAX_CHUNK)
		cap = MAX_CHUNK;
	bytes = sizeof(*c) + cap * sizeof(double);
	if (mlg_mem_charge(s->mem, bytes) < 0)
		return -1;
	s->charged += bytes;
	c = mlg_xmalloc(bytes);
	c->next = NULL;
	c->n = 0;
	c->cap = cap;
	if (s->tail)
		s->tail->next = c;
	else
		s->head = c;
	s->tail = c;
	return 0;
}

static int batch(const void *plan, void *state, struct mlg_batch *b, char **error)
{
	const struct plan *p = plan;
	struct state *s = state;
	const uint8_t *st;
	const double *v = mlg_batch_floats(b, (size_t)p->index, &st);

	for (size_t i = 0; i < b->nrows; i++) {
		double x;

		if (st[i] == MLG_VALUE_NULL) {
			s->nulls++;
			continue;
		}
		if (st[i] != MLG_VALUE_OK || isnan(v[i])) {
			const struct mlg_cell *cell = &mlg_batch_cells(b, (size_t)p->index)[i];

			s->not_numeric++;
			mlg_examples_add(&s->ex, b->first_row + i, p->column, cell->data, cell->len,
					 "not a number");
			continue;
		}
		/* -0 becomes +0: equal values then have equal bits, whatever the order */
		x = v[i] + 0.0;
		mlg_stats_add(&s->acc, x);
		if (p->keep_values) {
			if ((!s->tail || s->tail->n == s->tail->cap) && grow(s) < 0) {
				*error = mlg_xstrdup(mlg_mem_message(s->mem));
				return 1;
			}
			s->tail->v[s->tail->n++] = x;
		}
	}
	return 0;
}

static void merge(const void *plan, void *into, void *from, uint64_t row_base)
{
	struct state *a = into, *b = from;

	mlg_stats_merge(&a->acc, &b->acc);
	a->nulls += b->nulls;
	a->not_numeric += b->not_numeric;
	if (b->head) {
		if (a->tail)
			a->tail->next = b->head;
		else
			a->head = b->head;
		a->tail = b->tail;
		a->charged += b->charged;
		b->head = b->tail = NULL;
		b->charged = 0;
	}
	mlg_examples_merge(&a->ex, &b->ex, row_base);
}

static void free_chunks(struct state *s)
{
	while (s->head) {
		struct chunk *next = s->head->next;

		free(s->head);
		s->head = next;
	}
	s->tail = NULL;
}

static void free_state(void *state)
{
	struct state *s = state;

	if (!s)
		return;
	free_chunks(s);
	free(s->values);
	mlg_mem_uncharge(s->mem, s->charged);
	mlg_examples_release(&s->ex);
	free(s);
}

/*
 * The kept values in one array, chunk by chunk, each chunk freed once
 * copied: the array takes over the chunks' charge and never needs more.
 */
static double *gather(struct state *s, size_t n)
{
	size_t at = 0;

	s->values = mlg_xmalloc((n ? n : 1) * sizeof(double));
	while (s->head) {
		struct chunk *c = s->head;

		memcpy(s->values + at, c->v, c->n * sizeof(double));
		at += c->n;
		s->head = c->next;
		free(c);
	}
	s->tail = NULL;
	mlg_mem_uncharge(s->mem, s->charged - n * sizeof(double));
	s->charged = n * sizeof(double);
	return s->values;
}

/* A statistic as JSON: null where it is undefined or infinite (JSON has no inf). */
static void add_stat(cJSON *o, const char *key, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

static cJSON *bound_json(const struct bound *b)
{
	cJSON *o = cJSON_CreateObject();

	if (b->has_min)
		cJSON_AddNumberToObject(o, "min", b->min);
	if (b->has_max)
		cJSON_AddNumberToObject(o, "max", b->max);
	return o;
}

/*
 * The value with as few digits as show it on the right side of the bound
 * it broke ("0.6000001, above 0.6", not "0.6, above 0.6").
 */
static const char *format_beside(double v, double bound, char buf[32])
{
	for (int digits = 6; digits < 17; digits++) {
		double back;

		snprintf(buf, 32, "%.*g", digits, v);
		back = strtod(buf, NULL);
		if (back != bound && (back < bound) == (v < bound))
			return buf;
	}
	return mlg_format_number(v, buf);
}

static const char *format_value(double v, char buf[32])
{
	if (isnan(v))
		snprintf(buf, 32, "undefined");
	else if (isinf(v))
		snprintf(buf, 32, "%s", v > 0 ? "inf" : "-inf");
	else
		snprintf(buf, 32, "%.6g", v);
	return buf;
}

/* Adds "<what> of col is v, above max" to msg when v breaks b; 1 when it does. */
static int judge(struct mlg_strbuf *msg, const char *what, const char *col, double v,
		 const struct bound *b, uint64_t count)
{
	char x[32], y[32];

	if (!b->on)
		return 0;
	if (isnan(v)) {
		if (!strcmp(what, "std") && count < 2)
			mlg_strbuf_addf(msg, "%sstd of %s needs at least 2 values, found %llu", msg->len ? "; " : "",
					col, (unsigned long long)count);
		else
			/* with values present, only infinities leave a statistic undefined */
			mlg_strbuf_addf(msg, "%s%s of %s is undefined: the values include infinities",
					msg->len ? "; " : "", what, col);
		return 1;
	}
	if (b->has_min && v < b->min) {
		mlg_strbuf_addf(msg, "%s%s of %s is %s, below %s", msg->len ? "; " : "", what, col,
				isinf(v) ? format_value(v, x) : format_beside(v, b->min, x),
				mlg_format_number(b->min, y));
		return 1;
	}
	if (b->has_max && v > b->max) {
		mlg_strbuf_addf(msg, "%s%s of %s is %s, above %s", msg->len ? "; " : "", what, col,
				isinf(v) ? format_value(v, x) : format_beside(v, b->max, x),
				mlg_format_number(b->max, y));
		return 1;
	}
	return 0;
}

static void end(const struct mlg_check *check, const struct mlg_scan_input *in, size_t nin,
		struct mlg_result *r)
{
	const struct plan *p = in[0].plan;
	struct state *s = in[0].state;
	const char *col = p->column;
	uint64_t count = s->acc.count;
	int has_inf = s->acc.pos_inf || s->acc.neg_inf;
	double stat[STAT_COUNT], *qv = NULL;
	struct mlg_strbuf msg = MLG_STRBUF_INIT, ok = MLG_STRBUF_INIT;
	cJSON *oq = NULL, *eq = NULL;
	char a[32];

	mlg_examples_emit(&s->ex, r);
	stat[STAT_MEAN] = mlg_stats_mean(&s->acc);
	stat[STAT_STD] = mlg_stats_std(&s->acc, 1);
	stat[STAT_MIN] = count ? s->acc.min : NAN;
	stat[STAT_MAX] = count ? s->acc.max : NAN;
	stat[STAT_MEDIAN] = NAN;
	if (p->keep_values && count) {
		/* the median first, then the quantiles, in one selection */
		double *q = mlg_xcalloc(p->nquantiles + 1, sizeof(*q));
		double *values = gather(s, (size_t)count);

		qv = mlg_xcalloc(p->nquantiles + 1, sizeof(*qv));
		q[0] = 0.5;
		for (size_t k = 0; k < p->nquantiles; k++)
			q[k + 1] = p->quantiles[k].q;
		mlg_stats_quantiles(values, (size_t)count, q, p->nquantiles + 1, qv);
		stat[STAT_MEDIAN] = qv[0];
		free(q);
	}

	cJSON_AddNumberToObject(r->observed, "rows", (double)in[0].nrows);
	cJSON_AddNumberToObject(r->observed, "nulls", (double)s->nulls);
	cJSON_AddNumberToObject(r->observed, "not_numeric", (double)s->not_numeric);
	cJSON_AddNumberToObject(r->observed, "count", (double)count);
	add_stat(r->observed, "mean", stat[STAT_MEAN]);
	add_stat(r->observed, "std", stat[STAT_STD]);
	add_stat(r->observed, "min", stat[STAT_MIN]);
	add_stat(r->observed, "max", stat[STAT_MAX]);
	if (p->stat[STAT_MEDIAN].on)
		add_stat(r->observed, "median", stat[STAT_MEDIAN]);
	if (p->nquantiles)
		oq = cJSON_AddObjectToObject(r->observed, "quantiles");
	if (has_inf)
		cJSON_AddNumberToObject(r->observed, "infinite", (double)(s->acc.pos_inf + s->acc.neg_inf));
	for (int k = 0; k < STAT_COUNT; k++)
		if (p->stat[k].on)
			cJSON_AddItemToObject(r->expected, stat_names[k], bound_json(&p->stat[k]));
	if (p->nquantiles)
		eq = cJSON_AddObjectToObject(r->expected, "quantiles");
	for (size_t k = 0; k < p->nquantiles; k++) {
		add_stat(oq, p->quantiles[k].key, qv ? qv[k + 1] : NAN);
		cJSON_AddItemToObject(eq, p->quantiles[k].key, bound_json(&p->quantiles[k].bound));
	}

	if (s->not_numeric)
		mlg_strbuf_addf(&msg, "%llu of %llu values of %s are not numbers",
				(unsigned long long)s->not_numeric,
				(unsigned long long)(count + s->not_numeric), col);
	if (!count) {
		mlg_strbuf_addf(&msg, "%sno numeric values of %s in %llu row%s: its statistics are undefined",
				msg.len ? "; " : "", col, (unsigned long long)in[0].nrows,
				mlg_plural(in[0].nrows));
	} else {
		for (int k = 0; k < STAT_COUNT; k++) {
			if (!p->stat[k].on)
				continue;
			if (!judge(&msg, stat_names[k], col, stat[k], &p->stat[k], count))
				mlg_strbuf_addf(&ok, "%s%s %s", ok.len ? ", " : "", stat_names[k],
						format_value(stat[k], a));
		}
		for (size_t k = 0; k < p->nquantiles; k++) {
			char what[64];

			snprintf(what, sizeof(what), "quantile %s", p->quantiles[k].key);
			if (!judge(&msg, what, col, qv[k + 1], &p->quantiles[k].bound, count))
				mlg_strbuf_addf(&ok, "%s%s %s", ok.len ? ", " : "", what,
						format_value(qv[k + 1], a));
		}
	}
	if (msg.len)
		mlg_result_set(r, MLG_STATUS_FAILED, "%s", msg.buf);
	else
		mlg_result_set(r, MLG_STATUS_PASSED, "%llu value%s of %s within bounds: %s",
			       (unsigned long long)count, mlg_plural(count), col, ok.buf);
	mlg_strbuf_release(&msg);
	mlg_strbuf_release(&ok);
	free(qv);
}

static const struct mlg_scan_ops scan = { prepare, begin, batch, merge, end, free_state, free_plan };

const struct mlg_check_kind mlg_kind_data_stats = {
	.abi = MLG_KIND_ABI,
	.name = "data.stats",
	.summary = "mean, std, min, max, median and quantiles of a numeric column lie within bounds (exact, any -j)",
	.params = params,
	.example = "{ \"kind\": \"data.stats\", \"dataset\": \"train\", \"column\": \"amount\", \"mean\": { \"min\": 40, \"max\": 60 }, \"std\": { \"max\": 25 }, \"quantiles\": { \"0.99\": { \"max\": 1000 } } }",
	.validate = validate,
	.scan = &scan,
};
