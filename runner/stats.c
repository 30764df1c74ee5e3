/*
 * Exact sums and selection-based quantiles (see mlgate/stats.h).
 *
 * A finite double is m * 2^e with m < 2^53 and e >= -1074, so x * 2^1074
 * is the integer m * 2^p (p = e + 1074 >= 0) and x^2 * 2^2148 is the
 * integer m^2 * 2^(2p). An addition adds +-m and m^2 to the 128-bit
 * buckets of its p: no shifts, no carries across limbs, three small
 * multiplications. Every 2^22 additions (before a bucket of squares could
 * pass 2^128) the buckets are shifted into place in arrays of 32-bit limbs.
 * The statistics are computed at the end from the exact integers: the
 * mean as one correctly rounded division, the variance as
 * (n * sum(x^2) - sum(x)^2) / (n (n - ddof)) in big-integer arithmetic, so
 * the only roundings are in the last few operations.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/stats.h"
#include "util.h"

#define LIMB_MASK 0xffffffffull
/* Additions between folds: m^2 < 2^106, so 2^22 of them stay below 2^128. */
#define MAX_PENDING (1u << 22)
/* Words of the product sum(x)^2 and of n * sum(x^2). */
#define WIDE_WORDS (2 * MLG_STATS_SUM_LIMBS + 4)

void mlg_stats_init(struct mlg_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->min = INFINITY;
	s->max = -INFINITY;
}

/* Propagates carries: every limb but the last ends in [0, 2^32); the last keeps the sign. */
static void normalize(int64_t *limb, size_t n)
{
	int64_t carry = 0;

	for (size_t i = 0; i + 1 < n; i++) {
		int64_t v = limb[i] + carry;
		int64_t low = v & (int64_t)LIMB_MASK;

		/* exact: v - low is a multiple of 2^32 (no shift of a negative number) */
		carry = (v - low) / ((int64_t)1 << 32);
		limb[i] = low;
	}
	limb[n - 1] += carry;
}

/*
 * limb += sign * (w[0..nw) * 2^shift), w being 32-bit words: each limb
 * moves by less than 2^33, so normalized limbs take many such additions.
 */
static void add_shifted(int64_t *limb, const uint64_t *w, size_t nw, unsigned int shift, int negative)
{
	size_t i = shift >> 5;
	unsigned int sh = shift & 31;

	for (size_t k = 0; k < nw; k++) {
		uint64_t t = w[k] << sh;
		int64_t lo = (int64_t)(t & LIMB_MASK), hi = (int64_t)(t >> 32);

		if (negative) {
			limb[i + k] -= lo;
			limb[i + k + 1] -= hi;
		} else {
			limb[i + k] += lo;
			limb[i + k + 1] += hi;
		}
	}
}

/*
 * Adds every bucket of s, shifted into place, to the limb arrays sum and
 * squares (normalized on entry, and on return).
 */
static void fold(const struct mlg_stats *s, int64_t *sum, int64_t *squares)
{
	for (unsigned int p = 0; p < MLG_STATS_BUCKETS; p++) {
		const uint64_t *b = &s->sum_bucket[2 * p], *q = &s->square_bucket[2 * p];

		if (b[0] | b[1]) {
			/* a signed 128-bit number below 2^75 in magnitude */
			uint64_t lo = b[0], hi = b[1], w[3];
			int negative = (int)(hi >> 63);

			if (negative) {
				lo = ~lo + 1;
				hi = ~hi + (lo == 0);
			}
			w[0] = lo & LIMB_MASK;
			w[1] = lo >> 32;
			w[2] = hi & LIMB_MASK;
			add_shifted(sum, w, 3, p, negative);
		}
		if (q[0] | q[1]) {
			uint64_t w[4] = { q[0] & LIMB_MASK, q[0] >> 32, q[1] & LIMB_MASK, q[1] >> 32 };

			add_shifted(squares, w, 4, 2 * p, 0);
		}
	}
	normalize(sum, MLG_STATS_SUM_LIMBS);
	normalize(squares, MLG_STATS_SQUARES_LIMBS);
}

static void flush(struct mlg_stats *s)
{
	fold(s, s->sum, s->squares);
	memset(s->sum_bucket, 0, sizeof(s->sum_bucket));
	memset(s->square_bucket, 0, sizeof(s->square_bucket));
	s->pending = 0;
}

void mlg_stats_add(struct mlg_stats *s, double x)
{
	uint64_t bits, m, biased, neg, lo, hi, ml, mh, cross, *b;
	unsigned int p;

	s->count++;
	if (x < s->min)
		s->min = x;
	if (x > s->max)
		s->max = x;
	memcpy(&bits, &x, sizeof(bits));
	biased = (bits >> 52) & 0x7ff;
	if (biased == 0x7ff) {
		/* NaN is the caller's to exclude; an infinity has no place in the sums */
		if (bits >> 63)
			s->neg_inf++;
		else
			s->pos_inf++;
		return;
	}
	m = bits & ((1ull << 52) - 1);
	if (biased) {
		m |= 1ull << 52;
		p = (unsigned int)biased - 1;
	} else {
		p = 0; /* subnormal, or zero: the same scale as the smallest normals */
	}
	if (!m)
		return;

	/* +-m into a two's complement 128-bit bucket, without branching on the sign */
	neg = bits >> 63;
	b = &s->sum_bucket[2 * p];
	lo = b[0] + ((m ^ (0 - neg)) + neg);
	b[1] += (uint64_t)(lo < b[0]) - neg;
	b[0] = lo;

	/* m^2 in 128 bits from 32-bit halves: m = mh 2^32 + ml, mh < 2^21 */
	ml = m & LIMB_MASK;
	mh = m >> 32;
	cross = mh * ml;
	lo = ml * ml;
	hi = mh * mh + (cross >> 31);
	lo += cross << 33;
	hi += lo < (cross << 33);
	b = &s->square_bucket[2 * p];
	b[0] += lo;
	b[1] += hi + (b[0] < lo);

	if (++s->pending >= MAX_PENDING)
		flush(s);
}

void mlg_stats_merge(struct mlg_stats *into, struct mlg_stats *from)
{
	flush(into);
	flush(from);
	for (size_t i = 0; i < MLG_STATS_SUM_LIMBS; i++)
		into->sum[i] += from->sum[i];
	for (size_t i = 0; i < MLG_STATS_SQUARES_LIMBS; i++)
		into->squares[i] += from->squares[i];
	normalize(into->sum, MLG_STATS_SUM_LIMBS);
	normalize(into->squares, MLG_STATS_SQUARES_LIMBS);
	into->count += from->count;
	into->pos_inf += from->pos_inf;
	into->neg_inf += from->neg_inf;
	/* strict comparisons keep the earlier part's value on ties (-0 vs 0) */
	if (from->min < into->min)
		into->min = from->min;
	if (from->max > into->max)
		into->max = from->max;
}

/* The exact sums of s, buckets included, into limb arrays of the sizes in stats.h. */
static void exact_sums(const struct mlg_stats *s, int64_t *sum, int64_t *squares)
{
	memcpy(sum, s->sum, sizeof(s->sum));
	memcpy(squares, s->squares, sizeof(s->squares));
	fold(s, sum, squares);
}

/*
 * The magnitude of a carry-save number as n plain 32-bit words; returns 1
 * when the number is negative.
 */
static int magnitude(const int64_t *limb, size_t n, uint32_t *out)
{
	int64_t tmp[MLG_STATS_SQUARES_LIMBS];
	int negative;

	memcpy(tmp, limb, n * sizeof(*tmp));
	normalize(tmp, n);
	negative = tmp[n - 1] < 0;
	if (negative) {
		for (size_t i = 0; i < n; i++)
			tmp[i] = -tmp[i];
		normalize(tmp, n);
	}
	for (size_t i = 0; i < n; i++)
		out[i] = (uint32_t)tmp[i];
	return negative;
}

/* Number of significant words. */
static size_t words_used(const uint32_t *w, size_t n)
{
	while (n && !w[n - 1])
		n--;
	return n;
}

/*
 * The integer in words w[0..n), plus a fraction below it when `sticky`,
 * as sig * 2^*exp with sig in [0.5, 1), rounded once to 53 bits (the top
 * 64 bits with a sticky bit for the rest convert to a correctly rounded
 * double). 0 gives sig 0.
 */
static double big_frexp(const uint32_t *w, size_t n, int sticky_in, int *exp)
{
	size_t used = words_used(w, n), bitlen, shift, at, idx;
	uint64_t top, sticky = sticky_in != 0;
	unsigned int off, lead = 0;
	double d;

	*exp = 0;
	if (!used)
		return 0;
	for (uint32_t t = w[used - 1]; t; t >>= 1)
		lead++;
	bitlen = 32 * (used - 1) + lead;
	if (bitlen <= 64) {
		/* exact; a mean this short is below 2^-1074, rounded by ldexp() anyway */
		top = w[0] | (used > 1 ? (uint64_t)w[1] << 32 : 0);
		return frexp((double)top, exp);
	}
	shift = bitlen - 64;
	idx = shift >> 5;
	off = (unsigned int)(shift & 31);
	top = (uint64_t)w[idx] | (uint64_t)w[idx + 1] << 32;
	if (off)
		top = (top >> off) | ((idx + 2 < used ? (uint64_t)w[idx + 2] : 0) << (64 - off));
	for (at = 0; at < idx && !sticky; at++)
		sticky = w[at] != 0;
	if (off && (w[idx] & ((1u << off) - 1)))
		sticky = 1;
	d = frexp((double)(top | sticky), exp);
	*exp += (int)shift;
	return d;
}

/*
 * w[0..n) /= d in place (schoolbook, one bit at a time: d may need all 64
 * bits, and this runs once per statistic); returns 1 when a remainder is left.
 */
static int big_div(uint32_t *w, size_t n, uint64_t d)
{
	uint64_t rem = 0;

	for (size_t i = n; i-- > 0;) {
		uint32_t q = 0;

		for (int b = 31; b >= 0; b--) {
			int over = (int)(rem >> 63);

			rem = (rem << 1) | ((w[i] >> b) & 1);
			if (over || rem >= d) {
				rem -= d;
				q |= 1u << b;
			}
		}
		w[i] = q;
	}
	return rem != 0;
}

double mlg_stats_mean(const struct mlg_stats *s)
{
	/* the sum times 2^64, so that the quotient keeps 64 bits past the point */
	uint32_t w[MLG_STATS_SUM_LIMBS + 2];
	int64_t sum[MLG_STATS_SUM_LIMBS], squares[MLG_STATS_SQUARES_LIMBS];
	int negative, e, inexact;
	double sig;

	if (!s->count || (s->pos_inf && s->neg_inf))
		return NAN;
	if (s->pos_inf)
		return INFINITY;
	if (s->neg_inf)
		return -INFINITY;
	w[0] = w[1] = 0;
	exact_sums(s, sum, squares);
	negative = magnitude(sum, MLG_STATS_SUM_LIMBS, w + 2);
	/* the exact quotient, rounded once: the mean is correctly rounded */
	inexact = big_div(w, MLG_STATS_SUM_LIMBS + 2, s->count);
	sig = big_frexp(w, MLG_STATS_SUM_LIMBS + 2, inexact, &e);
	sig = ldexp(sig, e - 1074 - 64);
	return negative ? -sig : sig;
}

/* out[0..na+nb) = a * b. */
static void big_mul(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, uint32_t *out)
{
	memset(out, 0, (na + nb) * sizeof(*out));
	for (size_t i = 0; i < na; i++) {
		uint64_t carry = 0;

		if (!a[i])
			continue;
		for (size_t j = 0; j < nb; j++) {
			uint64_t t = (uint64_t)a[i] * b[j] + out[i + j] + carry;

			out[i + j] = (uint32_t)t;
			carry = t >> 32;
		}
		out[i + nb] = (uint32_t)carry;
	}
}

/* a[0..n) -= b[0..n); a >= b. */
static void big_sub(uint32_t *a, const uint32_t *b, size_t n)
{
	uint64_t borrow = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t t = (uint64_t)a[i] - b[i] - borrow;

		a[i] = (uint32_t)t;
		borrow = (t >> 32) & 1;
	}
}

double mlg_stats_std(const struct mlg_stats *s, unsigned int ddof)
{
	int64_t sum_limbs[MLG_STATS_SUM_LIMBS], square_limbs[MLG_STATS_SQUARES_LIMBS];
	uint32_t sum[MLG_STATS_SUM_LIMBS], squares[MLG_STATS_SQUARES_LIMBS], count[2];
	uint32_t p[WIDE_WORDS], q[WIDE_WORDS];
	size_t nsum, nsquares;
	double sig, d;
	int e;

	if (s->count <= ddof || s->pos_inf || s->neg_inf)
		return NAN;
	/* n * sum(x^2) - sum(x)^2 >= 0 exactly (Cauchy-Schwarz), at scale 2^-2148 */
	exact_sums(s, sum_limbs, square_limbs);
	magnitude(sum_limbs, MLG_STATS_SUM_LIMBS, sum);
	magnitude(square_limbs, MLG_STATS_SQUARES_LIMBS, squares);
	nsum = words_used(sum, MLG_STATS_SUM_LIMBS);
	nsquares = words_used(squares, MLG_STATS_SQUARES_LIMBS);
	count[0] = (uint32_t)s->count;
	count[1] = (uint32_t)(s->count >> 32);
	memset(p, 0, sizeof(p));
	memset(q, 0, sizeof(q));
	big_mul(sum, nsum, sum, nsum, p);
	big_mul(squares, nsquares, count, 2, q);
	big_sub(q, p, WIDE_WORDS);
	sig = big_frexp(q, WIDE_WORDS, 0, &e);
	if (sig == 0)
		return 0;
	/* sqrt(sig * 2^(e - 2148) / d) with an even power of two taken out */
	e -= 2148;
	if (e & 1) {
		sig *= 2;
		e--;
	}
	d = (double)s->count * (double)(s->count - ddof);
	return ldexp(sqrt(sig / d), e / 2);
}

/* ---- selection ---- */

static void swap(double *a, double *b)
{
	double t = *a;

	*a = *b;
	*b = t;
}

static void insertion_sort(double *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		double x = v[i];
		size_t j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static void sift_down(double *v, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && v[child + 1] > v[child])
			child++;
		if (!(v[child] > v[root]))
			return;
		swap(&v[root], &v[child]);
		root = child;
	}
}

/* The fallback that bounds the work on inputs that defeat the pivots. */
static void heap_sort(double *v, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (size_t end = n; end-- > 1;) {
		swap(&v[0], &v[end]);
		sift_down(v, 0, end);
	}
}

static double median3(double a, double b, double c)
{
	if (a < b)
		return b < c ? b : (a < c ? c : a);
	return a < c ? a : (b < c ? c : b);
}

/* A pivot from 3 values, or from 9 (Tukey's ninther) for longer ranges. */
static double pick_pivot(const double *v, size_t n)
{
	size_t mid = n / 2;

	if (n < 1024)
		return median3(v[0], v[mid], v[n - 1]);
	{
		size_t e = n / 8;

		return median3(median3(v[0], v[e], v[2 * e]), median3(v[mid - e], v[mid], v[mid + e]),
			       median3(v[n - 1 - 2 * e], v[n - 1 - e], v[n - 1]));
	}
}

/*
 * Puts the order statistics at every position of ranks[0..nranks) (sorted,
 * relative to v; rewritten as it goes) in place, like C++'s nth_element for
 * several positions at once. A three-way partition keeps runs of equal values (labels, rounded
 * numbers) from making it quadratic; past `depth` rounds it sorts.
 */
static void select_ranks(double *v, size_t n, size_t *ranks, size_t nranks, unsigned int depth)
{
	while (nranks) {
		size_t lt = 0, i = 0, gt = n, left, right;
		double pivot;

		if (n <= 16) {
			insertion_sort(v, n);
			return;
		}
		if (!depth--) {
			heap_sort(v, n);
			return;
		}
		pivot = pick_pivot(v, n);
		while (i < gt) {
			if (v[i] < pivot)
				swap(&v[lt++], &v[i++]);
			else if (v[i] > pivot)
				swap(&v[i], &v[--gt]);
			else
				i++;
		}
		/* [0, lt) < pivot, [lt, gt) == pivot, [gt, n) > pivot */
		for (left = 0; left < nranks && ranks[left] < lt; left++)
			;
		for (right = left; right < nranks && ranks[right] < gt; right++)
			;
		if (left)
			select_ranks(v, lt, ranks, left, depth);
		/* continue with the right side; its ranks are shifted by gt */
		if (right == nranks)
			return;
		ranks += right;
		nranks -= right;
		for (size_t k = 0; k < nranks; k++)
			ranks[k] -= gt;
		v += gt;
		n -= gt;
	}
}

static int compare_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static unsigned int depth_for(size_t n)
{
	unsigned int depth = 8;

	for (; n > 1; n >>= 1)
		depth += 2;
	return depth;
}

/* Plain selection of every rank; at[k] = the value of rank ranks[k]. */
static void select_all(double *v, size_t n, const size_t *ranks, size_t nranks, double *at)
{
	size_t *work = mlg_xcalloc(nranks + 1, sizeof(*work));

	/* select_ranks rewrites its ranks: give it a copy */
	memcpy(work, ranks, nranks * sizeof(*work));
	select_ranks(v, n, work, nranks, depth_for(n));
	for (size_t k = 0; k < nranks; k++)
		at[k] = v[ranks[k]];
	free(work);
}

/*
 * Below this many values plain selection is quick; above it a sample
 * narrows the work first. The sample's order statistics are off from the
 * values' by about sqrt(SAMPLE)/2 = 128 positions at most one standard
 * deviation: a window of 5 of them each side holds the rank but in
 * freak cases, which the counts catch (and plain selection then runs).
 */
#define SAMPLED_MIN (1u << 18)
#define SAMPLE 65536
#define WINDOW 640

struct window {
	double lo, hi;  /* values in [lo, hi] are kept */
	size_t gap;     /* values between the previous window and this one */
	size_t size;    /* values in it */
};

/* How many of the sorted v[0..n) lie in [lo, hi]. */
static size_t count_within(const double *v, size_t n, double lo, double hi)
{
	size_t a = 0, b = n, first;

	while (a < b) {
		size_t m = a + (b - a) / 2;

		if (v[m] < lo)
			a = m + 1;
		else
			b = m;
	}
	first = a;
	for (b = n; a < b;) {
		size_t m = a + (b - a) / 2;

		if (v[m] <= hi)
			a = m + 1;
		else
			b = m;
	}
	return a - first;
}

/*
 * Selection in the style of Floyd and Rivest for several ranks at once:
 * values bracketing each rank are read off a sorted sample, one pass moves
 * the values inside the brackets to the front and counts the others, and
 * selection runs on the front only. Returns 0 when a rank fell outside its
 * bracket, or the brackets would keep too much: then nothing was selected
 * (the values may be permuted).
 */
static int select_sampled(double *v, size_t n, const size_t *ranks, size_t nranks, double *at)
{
	double *sample = mlg_xcalloc(SAMPLE, sizeof(*sample)), *lows;
	struct window *w = mlg_xcalloc(nranks + 1, sizeof(*w));
	size_t *in = mlg_xcalloc(nranks + 1, sizeof(*in)), *front_ranks = mlg_xcalloc(nranks + 1, sizeof(size_t));
	size_t nw = 0, front = 0, below = 0, gaps = 0, kept = 0;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	int ok = 1;

	/* a fixed generator: the sample, so the time, is the same every run */
	for (size_t i = 0; i < SAMPLE; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sample[i] = v[x % n];
	}
	qsort(sample, SAMPLE, sizeof(*sample), compare_double);
	for (size_t k = 0; k < nranks; k++) {
		size_t t = (size_t)((double)ranks[k] / (double)n * SAMPLE);
		double lo = t >= WINDOW ? sample[t - WINDOW] : -INFINITY;
		double hi = t + WINDOW < SAMPLE ? sample[t + WINDOW] : INFINITY;

		/* ranks ascend, so lows do: overlapping windows join */
		if (nw && lo <= w[nw - 1].hi) {
			if (hi > w[nw - 1].hi)
				w[nw - 1].hi = hi;
		} else {
			w[nw].lo = lo;
			w[nw].hi = hi;
			nw++;
		}
		in[k] = nw - 1;
	}
	/* many equal values (labels, rounded numbers) make wide windows: the pass would not pay */
	for (size_t j = 0; j < nw; j++)
		kept += count_within(sample, SAMPLE, w[j].lo, w[j].hi);
	free(sample);
	if (kept > SAMPLE / 4) {
		free(front_ranks);
		free(in);
		free(w);
		return 0;
	}
	lows = mlg_xcalloc(nw, sizeof(*lows));
	for (size_t j = 0; j < nw; j++)
		lows[j] = w[j].lo;
	for (size_t i = 0; i < n; i++) {
		double y = v[i];
		size_t j = 0;

		/* the windows whose low end is at most y: a few, counted without branches */
		for (size_t m = 0; m < nw; m++)
			j += lows[m] <= y;
		if (j && y <= w[j - 1].hi) {
			w[j - 1].size++;
			v[i] = v[front];
			v[front++] = y;
		} else {
			w[j].gap++; /* below window j (j == nw: above them all) */
		}
	}
	free(lows);
	/* the front holds the windows' values: rank r there is r less the gaps below */
	for (size_t k = 0, j = 0; k < nranks && ok; k++) {
		for (; j < in[k]; j++) {
			below += w[j].gap + w[j].size;
			gaps += w[j].gap;
		}
		ok = ranks[k] >= below + w[j].gap && ranks[k] < below + w[j].gap + w[j].size;
		front_ranks[k] = ranks[k] - gaps - w[j].gap;
	}
	if (ok)
		select_all(v, front, front_ranks, nranks, at);
	free(front_ranks);
	free(in);
	free(w);
	return ok;
}

/*
 * NumPy's _lerp: a + (b - a) t, or b - (b - a)(1 - t) for t >= 0.5 (so
 * that t = 1 gives b exactly). Where NumPy computes inf - inf and says NaN,
 * any positive weight on an infinity is that infinity.
 */
static double lerp(double a, double b, double t)
{
	double diff = b - a;

	if (t == 0 || a == b)
		return a;
	if (isinf(a) || isinf(b)) {
		if (isinf(a) && isinf(b))
			return NAN; /* -inf and +inf */
		return isinf(a) ? a : b;
	}
	return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/* The value of rank r, one of ranks[0..n) (sorted). */
static double value_of(const size_t *ranks, const double *at, size_t n, size_t r)
{
	const size_t *p = bsearch(&r, ranks, n, sizeof(*ranks), compare_size);

	return at[p - ranks];
}

void mlg_stats_quantiles(double *values, size_t n, const double *q, size_t nq, double *out)
{
	size_t *ranks, nranks = 0, u = 0;
	double *at;

	if (!n || !nq) {
		for (size_t k = 0; k < nq; k++)
			out[k] = NAN;
		return;
	}
	ranks = mlg_xcalloc(2 * nq, sizeof(*ranks));
	for (size_t k = 0; k < nq; k++) {
		double h = (double)(n - 1) * q[k];
		size_t lo = (size_t)floor(h);

		if (lo > n - 1)
			lo = n - 1;
		ranks[nranks++] = lo;
		if (lo + 1 < n)
			ranks[nranks++] = lo + 1;
	}
	qsort(ranks, nranks, sizeof(*ranks), compare_size);
	for (size_t k = 0; k < nranks; k++)
		if (!u || ranks[u - 1] != ranks[k])
			ranks[u++] = ranks[k];
	at = mlg_xcalloc(u, sizeof(*at));
	if (n < SAMPLED_MIN || !select_sampled(values, n, ranks, u, at))
		select_all(values, n, ranks, u, at);
	for (size_t k = 0; k < nq; k++) {
		double h = (double)(n - 1) * q[k];
		size_t lo = (size_t)floor(h), hi;

		if (lo > n - 1)
			lo = n - 1;
		hi = lo + 1 < n ? lo + 1 : lo;
		out[k] = lerp(value_of(ranks, at, u, lo), value_of(ranks, at, u, hi), h - (double)lo);
	}
	free(at);
	free(ranks);
}
