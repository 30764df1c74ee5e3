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
 * "fast only" is mlg_fastfloat__parse_nofallback(), which also reports the
 * share of values decided without strtod. strtod and strtoll are timed on
 * the same text, already NUL-terminated (the cheapest way to call them,
 * and not what the old mlg_parse_float did: it copied each value first).
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

/*
 * The values of one shape, back to back as [length byte][text][NUL]: read
 * in order, as a CSV reader hands cells over, with little besides the text.
 */
struct corpus {
	unsigned char *text;
	size_t size;
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

/* Writes one value of a shape into buf; returns its length. */
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
	size_t cap = count * 24, i;

	c->text = malloc(cap);
	c->size = 0;
	if (!c->text) {
		fprintf(stderr, "parse_bench: out of memory\n");
		exit(1);
	}
	for (i = 0; i < count; i++) {
		int n;

		if (cap - c->size < 300) {
			cap *= 2;
			c->text = realloc(c->text, cap);
			if (!c->text) {
				fprintf(stderr, "parse_bench: out of memory\n");
				exit(1);
			}
		}
		n = shape((char *)c->text + c->size + 1, 256);
		if (n <= 0 || n > 255) {
			fprintf(stderr, "parse_bench: bad value\n");
			exit(1);
		}
		c->text[c->size] = (unsigned char)n;
		c->size += (size_t)n + 2;
	}
	c->count = count;
}

/* The first value, for the report. */
static const char *corpus_example(const struct corpus *c)
{
	return (const char *)c->text + 1;
}

/*
 * The methods timed. Each returns a checksum of its values, and the number
 * it accepted (or decided, for M_FAST_ONLY), so none can be optimised away
 * and all can be compared.
 */
enum method {
	M_PARSE_FLOAT,
	M_FAST_ONLY,
	M_STRTOD,
	M_PARSE_INT,
	M_STRTOLL,
	M_PARSE_TIMESTAMP,
	M_PARSE_DATE,
	M_COUNT
};

static const char *const method_names[M_COUNT] = {
	"mlg_parse_float", "fast only", "strtod", "mlg_parse_int", "strtoll",
	"mlg_parse_timestamp", "mlg_parse_date",
};

/* Folds a value into a checksum: bits, so that NaNs and infinities
 * compare too. */
static uint64_t fold(uint64_t sum, double v, int64_t i)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	return (sum ^ bits ^ (uint64_t)i) * 0x100000001b3ULL;
}

/* One loop per method, so that no dispatch is timed with the parser. */
#define RUN_LOOP(call)                                              \
	for (p = from; p < to; p += *p + 2) {                       \
		const char *s = (const char *)p + 1;                \
		size_t len = *p;                                    \
		double v = 0;                                       \
		int64_t i = 0;                                      \
                                                                    \
		(void)len;                                          \
		ok += (call);                                       \
		sum = fold(sum, v, i);                              \
	}

/* Runs `method` on the values in [from, to) of the corpus text. */
static uint64_t run(enum method method, const unsigned char *from,
		    const unsigned char *to, size_t *accepted)
{
	const unsigned char *p;
	uint64_t sum = 0;
	size_t ok = 0;

	switch (method) {
	case M_PARSE_FLOAT:
		RUN_LOOP(mlg_parse_float(s, len, &v) == 0);
		break;
	case M_FAST_ONLY:
		RUN_LOOP(mlg_fastfloat__parse_nofallback(s, len, &v) == 0);
		break;
	case M_STRTOD:
		RUN_LOOP((v = strtod(s, NULL), 1));
		break;
	case M_PARSE_INT:
		RUN_LOOP(mlg_parse_int(s, len, &i) == 0);
		break;
	case M_STRTOLL:
		RUN_LOOP((i = strtoll(s, NULL, 10), 1));
		break;
	case M_PARSE_TIMESTAMP:
		RUN_LOOP(mlg_parse_timestamp(s, len, &i) == 0);
		break;
	case M_PARSE_DATE:
		RUN_LOOP(mlg_parse_date(s, len, &i) == 0);
		break;
	case M_COUNT:
		break;
	}
	*accepted += ok;
	return sum;
}

#define CHUNK 65536 /* values per timed chunk */
#define REPEATS 3   /* each chunk, each method; the fastest counts */

/*
 * Times the methods on the corpus, in chunks of CHUNK values; each chunk
 * is run REPEATS times per method, the methods interleaved, and the
 * fastest run counts. On a shared machine this keeps another process's
 * burst from landing on one method only. Prints ns/value per method.
 */
static void bench(const char *name, shape_fn shape, size_t count,
		  const enum method *methods, size_t nmethods)
{
	double total[M_COUNT] = { 0 };
	uint64_t sums[M_COUNT] = { 0 };
	size_t accepted[M_COUNT] = { 0 };
	struct corpus c;
	const unsigned char *from, *end;
	size_t k;

	corpus_make(&c, count, shape);
	end = c.text + c.size;
	for (from = c.text; from < end;) {
		const unsigned char *to = from;
		size_t n;

		for (n = 0; n < CHUNK && to < end; n++)
			to += *to + 2;
		for (k = 0; k < nmethods; k++) {
			double best = 1e300;
			uint64_t sum = 0;
			size_t ok = 0;
			int r;

			for (r = 0; r < REPEATS; r++) {
				double t0 = now_ns(), t;

				ok = 0;
				sum = run(methods[k], from, to, &ok);
				t = now_ns() - t0;
				if (t < best)
					best = t;
			}
			total[methods[k]] += best;
			sums[methods[k]] ^= sum;
			accepted[methods[k]] += ok;
		}
		from = to;
	}

	printf("%-26s e.g. %-34s", name, corpus_example(&c));
	for (k = 0; k < nmethods; k++)
		printf("  %s %5.1f", method_names[methods[k]],
		       total[methods[k]] / (double)count);
	printf(" ns/value");
	for (k = 0; k < nmethods; k++) {
		if (methods[k] == M_FAST_ONLY)
			printf("  (fast paths decide %.2f%%)",
			       100.0 * (double)accepted[M_FAST_ONLY] /
				       (double)count);
		else if (accepted[methods[k]] != count)
			printf("  %s REJECTED %zu", method_names[methods[k]],
			       count - accepted[methods[k]]);
	}
	if (sums[M_PARSE_FLOAT] != sums[M_STRTOD] ||
	    sums[M_PARSE_INT] != sums[M_STRTOLL])
		printf("  MISMATCH");
	printf("\n");
	free(c.text);
}

static void bench_float(const char *name, shape_fn shape, size_t count)
{
	static const enum method methods[] = { M_PARSE_FLOAT, M_FAST_ONLY,
					       M_STRTOD };

	bench(name, shape, count, methods, 3);
}

static void bench_int(const char *name, shape_fn shape, size_t count)
{
	static const enum method methods[] = { M_PARSE_INT, M_STRTOLL };

	bench(name, shape, count, methods, 2);
}

static void bench_one(const char *name, shape_fn shape, size_t count,
		      enum method method)
{
	bench(name, shape, count, &method, 1);
}

int main(int argc, char **argv)
{
	size_t count = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 10000000;

	if (count == 0)
		count = 1;
	printf("%zu values per shape; each chunk of %d the fastest of %d runs\n",
	       count, CHUNK, REPEATS);
	bench_float("float %.6f in [0,1)", shape_fixed6, count);
	bench_float("float %.1f in (-1e4,1e4)", shape_fixed1, count);
	bench_float("float %.5e in 1e-10..1e10", shape_sci, count);
	bench_float("float %.17g in [0,1)", shape_repr17, count);
	bench_float("float %g", shape_g, count);
	bench_float("float %.17g any bits", shape_anybits, count);
	bench_int("int 0..99999", shape_int_small, count);
	bench_int("int any int64", shape_int_wide, count);
	bench_one("timestamp ...Z", shape_ts_z, count, M_PARSE_TIMESTAMP);
	bench_one("timestamp space, no zone", shape_ts_space, count,
		  M_PARSE_TIMESTAMP);
	bench_one("timestamp .ffffff+hh:mm", shape_ts_frac_zone, count,
		  M_PARSE_TIMESTAMP);
	bench_one("date", shape_date, count, M_PARSE_DATE);
	return 0;
}
