/*
 * Times the per-cell parsers of mlgate/value.h against the C library on
 * 10M generated values of each common shape, and prints ns/value.
 *
 * Not part of the build; from the repository root:
 *
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Iinclude -Irunner bench/parse_bench.c \
 *      runner/value.c runner/fastfloat.c runner/util.c runner/error.c \
 *      -pthread -lm -o build/parse_bench && build/parse_bench [count]
 *
 * "fast only" is mlg_fastfloat__parse_nofallback(), and "fast %" the share
 * of values it decides without strtod. strtod is timed on the same text,
 * already NUL-terminated (the cheapest way to call it), so its figure
 * flatters it slightly against mlg_parse_float, which takes (s, len).
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fastfloat.h"
#include "mlgate/value.h"

/* The values of one shape: NUL-terminated strings back to back. */
struct corpus {
	char *text;
	size_t *start;
	size_t *len;
	size_t count;
};

static uint64_t rng_state = 0x243f6a8885a308d3ULL;

/* splitmix64: fast, and the same values on every run. */
static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_unit(void)
{
	return (double)(rng() >> 11) * 0x1p-53;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

typedef int (*shape_fn)(char *buf, size_t size);

static int shape_fixed6(char *buf, size_t size)
{
	return snprintf(buf, size, "%.6f", rng_unit());
}

static int shape_fixed1(char *buf, size_t size)
{
	return snprintf(buf, size, "%.1f", rng_unit() * 20000 - 10000);
}

static int shape_sci(char *buf, size_t size)
{
	return snprintf(buf, size, "%.5e", pow(10, rng_unit() * 20 - 10));
}

static int shape_repr17(char *buf, size_t size)
{
	return snprintf(buf, size, "%.17g", rng_unit());
}

static int shape_g(char *buf, size_t size)
{
	return snprintf(buf, size, "%g", (rng_unit() - 0.5) * 1e6);
}

/* Random bit patterns: every exponent, 17 digits. */
static int shape_anybits(char *buf, size_t size)
{
	double d;
	uint64_t x;

	do {
		x = rng();
		memcpy(&d, &x, sizeof(d));
	} while (!isfinite(d));
	return snprintf(buf, size, "%.17g", d);
}

static int shape_int_small(char *buf, size_t size)
{
	return snprintf(buf, size, "%" PRId64, (int64_t)(rng() % 100000));
}

static int shape_int_wide(char *buf, size_t size)
{
	return snprintf(buf, size, "%" PRId64, (int64_t)rng());
}

/* A date in 1900-2099, valid for every month. */
static void random_date(int *y, int *m, int *d)
{
	*y = 1900 + (int)(rng() % 200);
	*m = 1 + (int)(rng() % 12);
	*d = 1 + (int)(rng() % 28);
}

static int shape_ts_z(char *buf, size_t size)
{
	int y, m, d;

	random_date(&y, &m, &d);
	return snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
			(int)(rng() % 24), (int)(rng() % 60), (int)(rng() % 60));
}

static int shape_ts_space(char *buf, size_t size)
{
	int y, m, d;

	random_date(&y, &m, &d);
	return snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d", y, m, d,
			(int)(rng() % 24), (int)(rng() % 60), (int)(rng() % 60));
}

static int shape_ts_frac_zone(char *buf, size_t size)
{
	int y, m, d;

	random_date(&y, &m, &d);
	return snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06d+%02d:00",
			y, m, d, (int)(rng() % 24), (int)(rng() % 60),
			(int)(rng() % 60), (int)(rng() % 1000000),
			(int)(rng() % 15));
}

static int shape_date(char *buf, size_t size)
{
	int y, m, d;

	random_date(&y, &m, &d);
	return snprintf(buf, size, "%04d-%02d-%02d", y, m, d);
}

static void corpus_make(struct corpus *c, size_t count, shape_fn shape)
{
	size_t cap = count * 24, used = 0, i;

	c->text = malloc(cap);
	c->start = malloc(count * sizeof(*c->start));
	c->len = malloc(count * sizeof(*c->len));
	if (!c->text || !c->start || !c->len) {
		fprintf(stderr, "parse_bench: out of memory\n");
		exit(1);
	}
	for (i = 0; i < count; i++) {
		int n;

		if (cap - used < 64) {
			cap *= 2;
			c->text = realloc(c->text, cap);
			if (!c->text) {
				fprintf(stderr, "parse_bench: out of memory\n");
				exit(1);
			}
		}
		n = shape(c->text + used, cap - used);
		c->start[i] = used;
		c->len[i] = (size_t)n;
		used += (size_t)n + 1;
	}
	c->count = count;
}

static void corpus_free(struct corpus *c)
{
	free(c->text);
	free(c->start);
	free(c->len);
}

/* The fastest of three runs: the least disturbed by the machine. */
#define RUNS 3

enum float_method { M_PARSE_FLOAT, M_FAST_ONLY, M_STRTOD };

static double time_float(const struct corpus *c, enum float_method method,
			 double *sum, size_t *decided)
{
	double best = 1e300;
	int run;

	for (run = 0; run < RUNS; run++) {
		double t0, t, acc = 0;
		size_t i, ok = 0;

		t0 = now_ns();
		for (i = 0; i < c->count; i++) {
			const char *s = c->text + c->start[i];
			double v = 0;

			switch (method) {
			case M_PARSE_FLOAT:
				ok += mlg_parse_float(s, c->len[i], &v) == 0;
				break;
			case M_FAST_ONLY:
				ok += mlg_fastfloat__parse_nofallback(
					      s, c->len[i], &v) == 0;
				break;
			case M_STRTOD:
				v = strtod(s, NULL);
				ok++;
				break;
			}
			acc += v;
		}
		t = (now_ns() - t0) / (double)c->count;
		if (t < best)
			best = t;
		*sum = acc;
		*decided = ok;
	}
	return best;
}

static void bench_float(const char *name, shape_fn shape, size_t count)
{
	struct corpus c;
	double sum_parse, sum_fast, sum_strtod, t_parse, t_fast, t_strtod;
	size_t ok_parse, ok_fast, ok_strtod;

	corpus_make(&c, count, shape);
	t_parse = time_float(&c, M_PARSE_FLOAT, &sum_parse, &ok_parse);
	t_fast = time_float(&c, M_FAST_ONLY, &sum_fast, &ok_fast);
	t_strtod = time_float(&c, M_STRTOD, &sum_strtod, &ok_strtod);
	printf("%-28s e.g. %-24s  mlg_parse_float %6.1f  fast only %6.1f  "
	       "strtod %6.1f ns/value  fast %6.2f%%%s\n",
	       name, c.text, t_parse, t_fast, t_strtod,
	       100.0 * (double)ok_fast / (double)count,
	       ok_parse == count && sum_parse == sum_strtod ? "" :
							       "  MISMATCH");
	corpus_free(&c);
}

static void bench_int(const char *name, shape_fn shape, size_t count)
{
	struct corpus c;
	double best_parse = 1e300, best_strtoll = 1e300;
	int64_t sum_parse = 0, sum_strtoll = 0;
	int run;

	corpus_make(&c, count, shape);
	for (run = 0; run < RUNS; run++) {
		double t0, t;
		size_t i;

		sum_parse = sum_strtoll = 0;
		t0 = now_ns();
		for (i = 0; i < c.count; i++) {
			int64_t v = 0;

			mlg_parse_int(c.text + c.start[i], c.len[i], &v);
			sum_parse += v;
		}
		t = (now_ns() - t0) / (double)c.count;
		if (t < best_parse)
			best_parse = t;
		t0 = now_ns();
		for (i = 0; i < c.count; i++)
			sum_strtoll += strtoll(c.text + c.start[i], NULL, 10);
		t = (now_ns() - t0) / (double)c.count;
		if (t < best_strtoll)
			best_strtoll = t;
	}
	printf("%-28s e.g. %-24s  mlg_parse_int   %6.1f  strtoll %6.1f ns/value%s\n",
	       name, c.text, best_parse, best_strtoll,
	       sum_parse == sum_strtoll ? "" : "  MISMATCH");
	corpus_free(&c);
}

static void bench_time(const char *name, shape_fn shape, size_t count,
		       int (*parse)(const char *, size_t, int64_t *))
{
	struct corpus c;
	double best = 1e300;
	int64_t sum = 0;
	size_t bad = 0;
	int run;

	corpus_make(&c, count, shape);
	for (run = 0; run < RUNS; run++) {
		double t0, t;
		size_t i;

		sum = 0;
		bad = 0;
		t0 = now_ns();
		for (i = 0; i < c.count; i++) {
			int64_t v = 0;

			bad += parse(c.text + c.start[i], c.len[i], &v) != 0;
			sum += v;
		}
		t = (now_ns() - t0) / (double)c.count;
		if (t < best)
			best = t;
	}
	printf("%-28s e.g. %-32s  %6.1f ns/value%s\n", name, c.text, best,
	       bad ? "  REJECTED SOME" : "");
	(void)sum;
	corpus_free(&c);
}

int main(int argc, char **argv)
{
	size_t count = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 10000000;

	if (count == 0)
		count = 1;
	printf("%zu values per shape, best of %d runs\n", count, RUNS);
	bench_float("float %.6f in [0,1)", shape_fixed6, count);
	bench_float("float %.1f in (-1e4,1e4)", shape_fixed1, count);
	bench_float("float %.5e in 1e-10..1e10", shape_sci, count);
	bench_float("float %.17g in [0,1)", shape_repr17, count);
	bench_float("float %g", shape_g, count);
	bench_float("float %.17g any bits", shape_anybits, count);
	bench_int("int 0..99999", shape_int_small, count);
	bench_int("int any int64", shape_int_wide, count);
	bench_time("timestamp ...Z", shape_ts_z, count, mlg_parse_timestamp);
	bench_time("timestamp space, no zone", shape_ts_space, count,
		   mlg_parse_timestamp);
	bench_time("timestamp .ffffff+hh:mm", shape_ts_frac_zone, count,
		   mlg_parse_timestamp);
	bench_time("date", shape_date, count, mlg_parse_date);
	return 0;
}
