/*
 * data.freshness: the newest timestamp of a column is recent enough, and
 * (optionally) no value lies too far in the future.
 *
 * Times are compared as integer microseconds since the epoch, so the
 * newest and oldest values, and every count, are exact and the same for
 * any cut of the file. A date counts as its midnight, UTC, as everywhere
 * else in mlgate (mlg_parse_timestamp).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mlgate/check.h"
#include "mlgate/suite.h"
#include "mlgate/value.h"
#include "util.h"

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "dataset to read" },
	{ "column", MLG_PARAM_STRING, 1, NULL, "timestamp or date column (RFC 3339; a date counts as its midnight, UTC)" },
	{ "max_age", MLG_PARAM_DURATION, 1, NULL, "the newest value may be at most this old (\"36h\", \"2d\")" },
	{ "max_future", MLG_PARAM_DURATION, 0, NULL, "fail values later than now plus this (clock skew, bad data); default: no limit" },
	{ "now", MLG_PARAM_STRING, 0, NULL, "RFC 3339 time to measure against instead of the clock (reproducible runs)" },
	{ NULL, 0, 0, NULL, NULL }
};

#define USEC 1000000LL
/* Durations beyond this many microseconds (about 146,000 years) are
 * clamped: every RFC 3339 time lies within 10,000 years of any other. */
#define MAX_SPAN_US (INT64_MAX / 2)

struct plan {
	const char *column;
	long index;
	int64_t now;          /* µs since the epoch: "now", or the clock at the start */
	int64_t max_age;      /* µs */
	int has_future;
	int64_t max_future;   /* µs */
	size_t max_examples;
};

struct state {
	uint64_t nulls, not_timestamp, future, values;
	int has;              /* at least one timestamp seen */
	int64_t newest, oldest;
	uint64_t newest_row;  /* the first row holding the newest value */
	struct mlg_examples ex;
};

static int64_t duration_us(double seconds)
{
	double us = seconds * 1e6;

	if (!(us < (double)MAX_SPAN_US))
		return MAX_SPAN_US;
	return (int64_t)llround(us);
}

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	const char *now = mlg_check_string(check, "now");
	int64_t t;

	if (now && mlg_check_time(check, "now", &t) == 0)
		mlg_diag_check(diag, check, "now",
			       "expected an RFC 3339 time such as \"2026-01-31T12:00:00Z\", found '%s'", now);
}

/*
 * The wall clock in µs since the epoch, for a run without "now"; whole
 * seconds, as finer is noise in the messages of a run that cannot be
 * repeated anyway.
 */
static int64_t clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * USEC;
}

static int prepare(void **out, const struct mlg_check *check, struct mlg_scan_setup *setup,
		   struct mlg_result *r)
{
	struct plan *p = mlg_xcalloc(1, sizeof(*p));

	*out = p;
	p->column = mlg_check_string(check, "column");
	if (!mlg_check_time(check, "now", &p->now))
		p->now = clock_now();
	p->max_age = duration_us(mlg_check_duration(check, "max_age", 0));
	p->has_future = mlg_check_param(check, "max_future") != NULL;
	if (p->has_future)
		p->max_future = duration_us(mlg_check_duration(check, "max_future", 0));
	p->max_examples = setup->max_examples;
	/* "" would find a column hidden by the dataset's "columns" */
	p->index = *p->column ? mlg_column_index(setup->columns, setup->ncolumns, p->column) : -1;
	if (p->index < 0) {
		mlg_result_no_column(r, check, p->column, setup->columns, setup->ncolumns);
		return 1;
	}
	mlg_scan_use(setup, (size_t)p->index);
	return 0;
}

static void *begin(const void *plan)
{
	const struct plan *p = plan;
	struct state *s = mlg_xcalloc(1, sizeof(*s));

	mlg_examples_init(&s->ex, p->max_examples);
	return s;
}

static int batch(const void *plan, void *state, struct mlg_batch *b, char **error)
{
	const struct plan *p = plan;
	struct state *s = state;
	const uint8_t *st;
	const int64_t *t = mlg_batch_typed(b, (size_t)p->index, MLG_TYPE_TIMESTAMP, &st);
	const struct mlg_cell *cells = mlg_batch_cells(b, (size_t)p->index);
	int64_t limit = p->now + p->max_future;

	for (size_t i = 0; i < b->nrows; i++) {
		if (st[i] == MLG_VALUE_NULL) {
			s->nulls++;
			continue;
		}
		if (st[i] != MLG_VALUE_OK) {
			s->not_timestamp++;
			mlg_examples_add(&s->ex, b->first_row + i, p->column, cells[i].data, cells[i].len,
					 "not a timestamp");
			continue;
		}
		s->values++;
		/* strictly newer: ties keep the earlier row, as a one-part read would */
		if (!s->has || t[i] > s->newest) {
			s->newest = t[i];
			s->newest_row = b->first_row + i;
		}
		if (!s->has || t[i] < s->oldest)
			s->oldest = t[i];
		s->has = 1;
		if (p->has_future && t[i] > limit) {
			s->future++;
			mlg_examples_add(&s->ex, b->first_row + i, p->column, cells[i].data, cells[i].len,
					 "later than now + max_future");
		}
	}
	return 0;
}

static void merge(const void *plan, void *into, void *from, uint64_t row_base)
{
	struct state *a = into, *b = from;

	a->nulls += b->nulls;
	a->not_timestamp += b->not_timestamp;
	a->future += b->future;
	a->values += b->values;
	if (b->has) {
		/* `from` comes later in the file: it wins only when strictly newer */
		if (!a->has || b->newest > a->newest) {
			a->newest = b->newest;
			a->newest_row = b->newest_row + row_base;
		}
		if (!a->has || b->oldest < a->oldest)
			a->oldest = b->oldest;
		a->has = 1;
	}
	mlg_examples_merge(&a->ex, &b->ex, row_base);
}

static void free_state(void *state)
{
	struct state *s = state;

	if (!s)
		return;
	mlg_examples_release(&s->ex);
	free(s);
}

/*
 * A span of time for messages: its two largest non-zero units ("6 days",
 * "1 hour 30 minutes", "2.5 seconds"), after "over " when smaller units
 * were left out, so that a value just over the limit never reads the same
 * as the limit ("over 1 day old, expected at most 1 day").
 */
static void add_span(struct mlg_strbuf *sb, int64_t us)
{
	static const char *const names[] = { "day", "hour", "minute", "second" };
	int64_t part[4];
	size_t start, shown = 0, i;

	if (us < 0)
		us = -us;
	part[0] = us / (86400 * USEC);
	part[1] = us / (3600 * USEC) % 24;
	part[2] = us / (60 * USEC) % 60;
	part[3] = us % (60 * USEC); /* µs: seconds keep their fraction */
	for (i = 0; i < 4 && shown < 2; i++)
		shown += part[i] != 0;
	for (; i < 4; i++)
		if (part[i]) {
			mlg_strbuf_addstr(sb, "over ");
			break;
		}
	start = sb->len;
	shown = 0;
	for (i = 0; i < 4 && shown < 2; i++) {
		if (!part[i])
			continue;
		shown++;
		if (sb->len > start)
			mlg_strbuf_addch(sb, ' ');
		if (i < 3) {
			mlg_strbuf_addf(sb, "%lld %s%s", (long long)part[i], names[i],
					mlg_plural((unsigned long long)part[i]));
		} else if (part[3] % USEC) {
			char digits[8];
			int n = 6;

			snprintf(digits, sizeof(digits), "%06lld", (long long)(part[3] % USEC));
			while (digits[n - 1] == '0')
				n--;
			mlg_strbuf_addf(sb, "%lld.%.*s seconds", (long long)(part[3] / USEC), n, digits);
		} else {
			mlg_strbuf_addf(sb, "%lld second%s", (long long)(part[3] / USEC),
					mlg_plural((unsigned long long)(part[3] / USEC)));
		}
	}
	if (sb->len == start)
		mlg_strbuf_addstr(sb, "0 seconds");
}

/* "6 days old", "2 hours in the future" */
static void add_age(struct mlg_strbuf *sb, int64_t age)
{
	add_span(sb, age);
	mlg_strbuf_addstr(sb, age < 0 ? " in the future" : " old");
}

static void end(const struct mlg_check *check, const struct mlg_scan_input *in, size_t nin,
		struct mlg_result *r)
{
	const struct plan *p = in[0].plan;
	struct state *s = in[0].state;
	uint64_t nrows = in[0].nrows, nonnull = s->values + s->not_timestamp;
	const char *col = p->column;
	/* both lie within years 0000-9999 (or the clock): no overflow */
	int64_t age = p->now - s->newest;
	int stale = s->has && age > p->max_age;
	struct mlg_strbuf msg = MLG_STRBUF_INIT;
	char a[40], b[40];

	mlg_examples_emit(&s->ex, r);
	cJSON_AddNumberToObject(r->observed, "rows", (double)nrows);
	cJSON_AddNumberToObject(r->observed, "nulls", (double)s->nulls);
	cJSON_AddNumberToObject(r->observed, "not_timestamp", (double)s->not_timestamp);
	if (s->has) {
		cJSON_AddStringToObject(r->observed, "newest", mlg_format_time(s->newest, a));
		cJSON_AddNumberToObject(r->observed, "newest_row", (double)s->newest_row);
		cJSON_AddStringToObject(r->observed, "oldest", mlg_format_time(s->oldest, a));
		cJSON_AddNumberToObject(r->observed, "age_s", (double)age / 1e6);
	} else {
		cJSON_AddNullToObject(r->observed, "newest");
		cJSON_AddNullToObject(r->observed, "oldest");
		cJSON_AddNullToObject(r->observed, "age_s");
	}
	if (p->has_future)
		cJSON_AddNumberToObject(r->observed, "future", (double)s->future);
	cJSON_AddNumberToObject(r->expected, "max_age_s", (double)p->max_age / 1e6);
	if (p->has_future)
		cJSON_AddNumberToObject(r->expected, "max_future_s", (double)p->max_future / 1e6);
	cJSON_AddStringToObject(r->expected, "now", mlg_format_time(p->now, a));

	if (!s->has)
		mlg_strbuf_addf(&msg, "no timestamps in %s to tell how fresh the data is (%llu row%s, %llu null%s)",
				col, (unsigned long long)nrows, mlg_plural(nrows),
				(unsigned long long)s->nulls, mlg_plural(s->nulls));
	if (stale) {
		mlg_strbuf_addf(&msg, "newest %s is %s, ", col, mlg_format_time(s->newest, a));
		add_age(&msg, age);
		mlg_strbuf_addstr(&msg, ", expected at most ");
		add_span(&msg, p->max_age);
	}
	if (s->future) {
		mlg_strbuf_addf(&msg, "%s%llu of %llu values of %s are more than ", msg.len ? "; " : "",
				(unsigned long long)s->future, (unsigned long long)nonnull, col);
		add_span(&msg, p->max_future);
		mlg_strbuf_addf(&msg, " after %s (newest %s)", mlg_format_time(p->now, a),
				mlg_format_time(s->newest, b));
	}
	if (s->not_timestamp)
		mlg_strbuf_addf(&msg, "%s%llu of %llu values of %s are not timestamps", msg.len ? "; " : "",
				(unsigned long long)s->not_timestamp, (unsigned long long)nonnull, col);
	if (msg.len) {
		mlg_result_set(r, MLG_STATUS_FAILED, "%s", msg.buf);
		mlg_strbuf_release(&msg);
		return;
	}
	mlg_strbuf_addf(&msg, "newest %s is %s, ", col, mlg_format_time(s->newest, a));
	add_age(&msg, age);
	mlg_strbuf_addstr(&msg, " (at most ");
	add_span(&msg, p->max_age);
	mlg_strbuf_addstr(&msg, " allowed)");
	mlg_result_set(r, MLG_STATUS_PASSED, "%s", msg.buf);
	mlg_strbuf_release(&msg);
}

static const struct mlg_scan_ops scan = { prepare, begin, batch, merge, end, free_state, free };

const struct mlg_check_kind mlg_kind_data_freshness = {
	.abi = MLG_KIND_ABI,
	.name = "data.freshness",
	.summary = "the newest timestamp of a column is at most max_age old, and none lies beyond max_future",
	.params = params,
	.example = "{ \"kind\": \"data.freshness\", \"dataset\": \"train\", \"column\": \"ts\", \"max_age\": \"1d\", \"max_future\": \"5m\" }",
	.validate = validate,
	.scan = &scan,
};
