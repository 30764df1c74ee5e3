/*
 * Writes the benchmark's CSV: ROWS rows of 12 columns, the same bytes on
 * every run (a fixed-seed splitmix64), about 109 bytes a row.
 *
 *   id        1..ROWS, each once, in a scrambled order (a bijection of
 *             the row number), so that uniqueness is real hashing work
 *   age       int, 18..90
 *   count     int, 0..10000
 *   amount    float, 2 decimals, 0..10000; about 1% empty
 *   ratio     float, %.6f in [0, 1); about 1% empty
 *   weight    float in [0, 10000): 3 decimals, or for 1 row in 10 a %.17g value (17
 *             significant digits: the slow path of float parsing); about
 *             1% empty
 *   country   one of 20 country codes
 *   device    one of 4 words (web, ios, android, api)
 *   email     "user<id>@<one of 4 domains>"
 *   ts        2025-01-01T00:00:00Z + up to a year, RFC 3339, seconds
 *   label     0 or 1
 *   score     %.6f in [0, 1]
 *
 * With --predictions, a binary classifier's predictions instead, about
 * 25 bytes a row, for the model benchmark:
 *
 *   id        1..ROWS, in order
 *   label     0 or 1, 30% positives
 *   score     the probability of a positive, %.6f: calibrated (the true
 *             posterior of a binormal model, so log loss is sane: about
 *             0.43), AUC about 0.85 overall; 1 score in 10 rounded to 2
 *             decimals, as a coarse model would give, so that ties are
 *             many and not only chance (about 500,000 distinct scores in
 *             1M rows)
 *   segment   one of 20 values "seg00".."seg19" of skewed sizes (Zipf:
 *             seg00 is 28% of the rows, seg19 1.4%), the model a little
 *             better on later ones (AUC from 0.82 to 0.91)
 *
 * With --shift, the same 12 columns from another seed, as a later batch
 * that drifted, for the drift benchmark (the current data against the
 * plain file as the reference). Four columns move, the others only draw
 * new values from the same distributions:
 *
 *   age       21..93 (3 years older: a shift of 0.14 standard deviations)
 *   amount    0..12000 (20% wider)
 *   country   3 rows in 10 from the first 5 codes, the rest as before
 *   score     the larger of two uniform draws (mean 2/3 instead of 1/2)
 *
 * Without --shift the output is the same as before --shift existed.
 *
 * Built by bench/run.sh; from the repository root:
 *   cc -O2 -o build/bench/gen bench/gen.c -lm && build/bench/gen 1000000 out.csv
 *   build/bench/gen --predictions 1000000 preds.csv
 *   build/bench/gen --shift 1000000 current.csv
 *
 * Fields are formatted by hand into a large buffer (printf per field
 * would take most of the time); only the %.17g values go through snprintf.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OUT_BUF (8u << 20)

static uint64_t rng_state = 0x243f6a8885a308d3ULL;

/* splitmix64: fast, and the same values on every run. */
static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n small (the bias of the modulo is negligible here). */
static uint64_t below(uint64_t n)
{
	return rng() % n;
}

/*
 * A bijection of [0, n): three bijections of [0, 2^k) (odd multiply, add,
 * xor-shift) applied until the value falls below n (cycle walking).
 */
struct scramble {
	uint64_t n, mask;
	unsigned int shift;
};

static void scramble_init(struct scramble *s, uint64_t n)
{
	unsigned int k = 1;

	while (k < 63 && (1ULL << k) < n)
		k++;
	s->n = n;
	s->mask = (1ULL << k) - 1;
	s->shift = (k + 1) / 2;
}

static uint64_t scramble(const struct scramble *s, uint64_t x)
{
	do {
		x = (x * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL) & s->mask;
		x ^= x >> s->shift;
		x = (x * 0xbf58476d1ce4e5b9ULL) & s->mask;
	} while (x >= s->n);
	return x;
}

struct out {
	int fd;
	char *buf;
	size_t len;
};

static void flush(struct out *o)
{
	size_t done = 0;

	while (done < o->len) {
		ssize_t n = write(o->fd, o->buf + done, o->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			perror("gen: write");
			exit(1);
		}
		done += (size_t)n;
	}
	o->len = 0;
}

static inline char *put_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static inline char *put_str(char *p, const char *s, size_t len)
{
	memcpy(p, s, len);
	return p + len;
}

/* whole.frac with exactly `digits` fraction digits, from an integer count of units */
static inline char *put_fixed(char *p, uint64_t units, int digits)
{
	uint64_t scale = 1;
	char frac[8];

	for (int i = 0; i < digits; i++)
		scale *= 10;
	p = put_u64(p, units / scale);
	*p++ = '.';
	units %= scale;
	for (int i = digits - 1; i >= 0; i--) {
		frac[i] = (char)('0' + units % 10);
		units /= 10;
	}
	return put_str(p, frac, (size_t)digits);
}

static inline char *put2(char *p, unsigned v)
{
	*p++ = (char)('0' + v / 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/* Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm). */
static void civil(int64_t days, int *y, unsigned *m, unsigned *d)
{
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yoe + era * 400) + (*m <= 2);
}

static char *put_timestamp(char *p, int64_t secs)
{
	int y;
	unsigned m, d, s = (unsigned)(secs % 86400);

	civil(secs / 86400, &y, &m, &d);
	p = put_u64(p, (uint64_t)y);
	*p++ = '-';
	p = put2(p, m);
	*p++ = '-';
	p = put2(p, d);
	*p++ = 'T';
	p = put2(p, s / 3600);
	*p++ = ':';
	p = put2(p, s / 60 % 60);
	*p++ = ':';
	p = put2(p, s % 60);
	*p++ = 'Z';
	return p;
}

static const char *const countries[20] = { "US", "DE", "FR", "GB", "ES", "IT", "NL", "BE",
					   "PL", "SE", "NO", "DK", "FI", "IE", "PT", "AT",
					   "CH", "CZ", "JP", "BR" };
static const char *const devices[4] = { "web", "ios", "android", "api" };
static const char *const domains[4] = { "example.com", "mail.example.org", "corp.test",
					"inbox.example.net" };

/* 2025-01-01T00:00:00Z */
#define TS_BASE 1735689600LL

/* Uniform in (0, 1): never 0, so that its log is finite. */
static double uniform(void)
{
	return ((double)(rng() >> 11) + 0.5) * 0x1p-53;
}

/* A standard normal deviate (Box-Muller; one of the pair is enough here). */
static double normal(void)
{
	double u = uniform(), v = uniform();

	return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

#define SEGMENTS 20
#define POSITIVE_RATE 0.3
/*
 * Separation of the classes (the binormal model's mean difference, unit
 * variances): a segment's AUC is Phi(d / sqrt 2). Segments get from 0.8 to
 * 1.2 times this; as the big segments get the small factors, 1.65 makes
 * the overall AUC about 0.85 (with accuracy 0.80 and F1 0.63 at 0.5).
 */
#define SEPARATION 1.65

static void predictions(struct out *o, uint64_t rows)
{
	static const char header[] = "id,label,score,segment\n";
	double cum[SEGMENTS], total = 0;

	/* Zipf sizes: segment k has weight 1 / (k + 1) */
	for (int k = 0; k < SEGMENTS; k++) {
		total += 1.0 / (k + 1);
		cum[k] = total;
	}
	memcpy(o->buf, header, sizeof(header) - 1);
	o->len = sizeof(header) - 1;
	for (uint64_t i = 0; i < rows; i++) {
		char *p;
		double u = uniform() * total, d, z, logit, score;
		int seg = 0, label;
		uint64_t units;

		while (seg < SEGMENTS - 1 && u >= cum[seg])
			seg++;
		d = SEPARATION * (0.8 + 0.4 * seg / (SEGMENTS - 1));
		label = uniform() < POSITIVE_RATE;
		z = normal() + (label ? d : 0.0);
		/* the posterior P(label = 1 | z): a calibrated score */
		logit = log(POSITIVE_RATE / (1 - POSITIVE_RATE)) + d * z - d * d / 2;
		score = 1.0 / (1.0 + exp(-logit));
		units = (uint64_t)llround(score * 1e6);
		if (below(10) == 0)
			units = (units + 5000) / 10000 * 10000;
		if (units > 1000000)
			units = 1000000;

		if (OUT_BUF - o->len < 64)
			flush(o);
		p = o->buf + o->len;
		p = put_u64(p, i + 1);
		*p++ = ',';
		*p++ = (char)('0' + label);
		*p++ = ',';
		p = put_fixed(p, units, 6);
		p = put_str(p, ",seg", 4);
		p = put2(p, (unsigned)seg);
		*p++ = '\n';
		o->len = (size_t)(p - o->buf);
	}
}

int main(int argc, char **argv)
{
	struct out o;
	struct scramble sc;
	char *end;
	uint64_t rows;
	int preds = argc > 1 && !strcmp(argv[1], "--predictions");
	int shift = argc > 1 && !strcmp(argv[1], "--shift");
	static const char header[] =
		"id,age,count,amount,ratio,weight,country,device,email,ts,label,score\n";

	if (argc != 3 + preds + shift) {
		fprintf(stderr, "usage: gen [--predictions | --shift] ROWS OUTPUT.csv\n");
		return 2;
	}
	argv += preds + shift;
	/* another batch: none of the plain file's draws again */
	if (shift)
		rng_state = 0x13198a2e03707344ULL;
	rows = strtoull(argv[1], &end, 10);
	if (*end || !rows) {
		fprintf(stderr, "gen: ROWS must be a positive number\n");
		return 2;
	}
	o.fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (o.fd < 0) {
		perror(argv[2]);
		return 1;
	}
	o.buf = malloc(OUT_BUF);
	if (!o.buf)
		return 1;
	o.len = 0;
	if (preds) {
		predictions(&o, rows);
		goto done;
	}
	scramble_init(&sc, rows);
	memcpy(o.buf, header, sizeof(header) - 1);
	o.len = sizeof(header) - 1;

	for (uint64_t i = 0; i < rows; i++) {
		char *p;
		uint64_t id = scramble(&sc, i) + 1;

		if (OUT_BUF - o.len < 512)
			flush(&o);
		p = o.buf + o.len;
		p = put_u64(p, id);
		*p++ = ',';
		p = put_u64(p, 18 + below(73) + (shift ? 3 : 0));
		*p++ = ',';
		p = put_u64(p, below(10001));
		*p++ = ',';
		if (below(100))
			p = put_fixed(p, below(shift ? 1200001 : 1000001), 2);
		*p++ = ',';
		if (below(100))
			p = put_fixed(p, below(1000000), 6);
		*p++ = ',';
		if (below(100)) {
			if (below(10)) {
				p = put_fixed(p, below(10000000), 3);
			} else {
				/* 17 significant digits, like a value a program printed in full */
				double w = (double)(rng() >> 11) * 0x1p-53 * 10000.0;

				p += snprintf(p, 32, "%.17g", w);
			}
		}
		*p++ = ',';
		/* shifted: the draw of whether first, so that the plain file's draws stay the same */
		p = put_str(p, countries[shift && below(10) < 3 ? below(5) : below(20)], 2);
		*p++ = ',';
		{
			const char *dv = devices[below(4)];

			p = put_str(p, dv, strlen(dv));
		}
		*p++ = ',';
		p = put_str(p, "user", 4);
		p = put_u64(p, id);
		*p++ = '@';
		{
			const char *dm = domains[below(4)];

			p = put_str(p, dm, strlen(dm));
		}
		*p++ = ',';
		p = put_timestamp(p, TS_BASE + (int64_t)below(365LL * 86400));
		*p++ = ',';
		*p++ = (char)('0' + below(2));
		*p++ = ',';
		if (shift) {
			uint64_t a = below(1000001), b = below(1000001);

			p = put_fixed(p, a > b ? a : b, 6);
		} else {
			p = put_fixed(p, below(1000001), 6);
		}
		*p++ = '\n';
		o.len = (size_t)(p - o.buf);
	}
done:
	flush(&o);
	if (close(o.fd) < 0) {
		perror(argv[2]);
		return 1;
	}
	free(o.buf);
	return 0;
}
