/*
 * Two-sample Kolmogorov-Smirnov (see mlgate/drift.h): the statistic in one
 * merge of the two sorted samples, the p-value as scipy.stats.ks_2samp
 * (SciPy 1.10.1) computes it, two-sided.
 *
 * Exact p-values follow SciPy 1.10's _compute_prob_outside_square (equal
 * sizes) and _compute_outer_prob_inside_method (Hodges' lattice paths with
 * Viehmann's recursion for 1 - p). Asymptotic p-values are SciPy's
 * kstwo.sf(d, round(n1 n2 / (n1 + n2))), in drift_kolmogorov.c.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "mlgate/drift.h"
#include "drift_internal.h"
#include "util.h"

#define MAX_AUTO_N 10000           /* ks_2samp's 'auto': exact up to here */
#define EXACT_MAX_STEPS 1000000000.0 /* lattice steps before the exact path gives up */

/* A probability clipped to [0, 1] (NaN passes). A function: its argument is often a whole sum. */
static double clip01(double p)
{
	return p < 0 ? 0.0 : p > 1 ? 1.0 : p;
}

/* ------------------------------------------------------------------ */
/* The statistic: one merge                                            */
/* ------------------------------------------------------------------ */

/*
 * The largest ECDF differences either way, max(F1 - F2) and max(F2 - F1),
 * exact in units of 1/lcm(n1, n2) when lcm fits 63 bits (`exact`), else
 * as SciPy's rounded cdf1 - cdf2.
 */
struct ks_extremes {
	int exact;
	int64_t pos, neg;  /* both >= 0 */
	double fpos, fneg;
};

/*
 * diff = i n2/g - j n1/g, where i and j count the values taken so far.
 * SciPy evaluates the ECDFs at each data value after all values equal to
 * it (side='right'); here the walk is read at the top of a step whose
 * value is larger than the last one taken, which is the same set of
 * points. No branch depends on the data: the merge of interleaved samples
 * would mispredict every other one.
 */
static void ks_merge(const double *a, size_t n1, const double *b, size_t n2,
		     int64_t step_a, int64_t step_b, struct ks_extremes *e)
{
	size_t i = 0, j = 0;
	int64_t diff = 0, hi = 0, lo = 0, both = step_a + step_b;
	double prev = -INFINITY;

	/* written so that gcc emits minsd/setcc/cmov: as ternaries it threads them into branches */
	while (i < n1 && j < n2) {
		double x = a[i], y = b[j];
		size_t take_a = x <= y;
		double m = y < x ? y : x;
		int64_t at = diff & -(int64_t)(m != prev);

		hi = at > hi ? at : hi;
		lo = at < lo ? at : lo;
		prev = m;
		i += take_a;
		j += 1 - take_a;
		diff += (int64_t)take_a * both - step_b;
	}
	/* one side is done: finish the tie, read; the rest only shrinks |diff| */
	while (i < n1 && a[i] == prev) {
		i++;
		diff += step_a;
	}
	while (j < n2 && b[j] == prev) {
		j++;
		diff -= step_b;
	}
	hi = diff > hi ? diff : hi;
	lo = diff < lo ? diff : lo;
	e->exact = 1;
	e->pos = hi;
	e->neg = -lo;
}

/* The same when lcm(n1, n2) does not fit 63 bits: SciPy's rounded differences. */
static void ks_merge_float(const double *a, size_t n1, const double *b, size_t n2,
			   struct ks_extremes *e)
{
	size_t i = 0, j = 0;
	double prev = -INFINITY;

	e->exact = 0;
	e->fpos = e->fneg = 0;
	for (;;) {
		double m;

		if (i < n1 && (j == n2 || a[i] <= b[j]))
			m = a[i];
		else if (j < n2)
			m = b[j];
		else
			break;
		if (m != prev && (i || j)) {
			double f = (double)i / (double)n1 - (double)j / (double)n2;

			e->fpos = fmax(e->fpos, f);
			e->fneg = fmax(e->fneg, -f);
		}
		prev = m;
		if (i < n1 && a[i] == m)
			i++;
		else
			j++;
	}
}

static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* ------------------------------------------------------------------ */
/* Exact p-values                                                      */
/* ------------------------------------------------------------------ */

/*
 * Pr(D_{n,n} >= h/n) = 2 (A0 - A0 A1 + A0 A1 A2 - ...) in Horner form, each
 * Ai a ratio of binomials (follows SciPy 1.10's _compute_prob_outside_square;
 * same operations in the same order, so the same bits).
 */
static double prob_outside_square(int64_t n, int64_t h)
{
	double p = 0.0;

	for (int64_t k = n / h; k >= 0; k--) {
		double p1 = 1.0;

		for (int64_t j = 0; j < h; j++)
			p1 = (double)(n - k * h - j) * p1 / (double)(n + k * h + j + 1);
		p = p1 * (1.0 - p);
	}
	return 2 * p;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t ceil_div(int64_t a, int64_t b)
{
	return -floor_div(-a, b);
}

/*
 * The share of lattice paths from (0,0) to (m,n) that leave the band
 * |x/m - y/n| < h/lcm, one column of the lattice at a time over a sliding
 * window, each entry already divided by its binomial coefficient so that
 * nothing overflows (follows SciPy 1.10's _compute_outer_prob_inside_method,
 * after Hodges 1958 and Viehmann 2021). NumPy slices clip where this code
 * compares with lenA. Returns -1 when the work would exceed the step limit.
 */
static int prob_outside_band(int64_t m, int64_t n, int64_t g, int64_t h, double *out)
{
	int64_t mg, ng, minj, maxj, curlen, len_a;
	double *a;

	if (m < n) {
		int64_t t = m;

		m = n;
		n = t;
	}
	mg = m / g;
	ng = n / g;
	if ((double)m * (2.0 * (double)h / (double)mg + 2.0) > EXACT_MAX_STEPS)
		return -1;
	minj = 0;
	maxj = ceil_div(h, mg);
	if (maxj > n + 1)
		maxj = n + 1;
	curlen = maxj - minj;
	len_a = 2 * maxj + 2 < n + 1 ? 2 * maxj + 2 : n + 1;
	a = mlg_xmalloc((size_t)len_a * sizeof(*a));
	for (int64_t k = 0; k < len_a; k++)
		a[k] = k < maxj ? 0.0 : 1.0;
	for (int64_t i = 1; i <= m; i++) {
		int64_t lastminj = minj, lastlen = curlen;
		double val;

		minj = floor_div(ng * i - h, mg) + 1;
		if (minj < 0)
			minj = 0;
		if (minj > n)
			minj = n;
		maxj = ceil_div(ng * i + h, mg);
		if (maxj > n + 1)
			maxj = n + 1;
		if (maxj <= minj) {
			free(a);
			*out = 1.0;
			return 0;
		}
		val = minj == 0 ? 0.0 : 1.0;
		for (int64_t jj = 0; jj < maxj - minj; jj++) {
			int64_t j = jj + minj;

			val = (a[jj + minj - lastminj] * (double)i + val * (double)j) / (double)(i + j);
			a[jj] = val;
		}
		curlen = maxj - minj;
		for (int64_t k = curlen; k < curlen + (lastlen - curlen) && k < len_a; k++)
			a[k] = 1.0;
	}
	*out = a[maxj - minj - 1];
	free(a);
	return 0;
}

int mlg_drift__ks_exact_sf(uint64_t n1, uint64_t n2, uint64_t h, double *p)
{
	uint64_t g = gcd_u64(n1, n2);
	double prob;

	if (h == 0) {
		*p = 1.0;
		return 0;
	}
	if (n1 == n2)
		prob = prob_outside_square((int64_t)n1, (int64_t)h);
	else if (prob_outside_band((int64_t)n1, (int64_t)n2, (int64_t)g, (int64_t)h, &prob) < 0)
		return -1;
	/* SciPy: a value outside [0, 1] (2P rounding to 1 + ulp, say) is a failure */
	if (!(prob >= 0 && prob <= 1))
		return -1;
	*p = prob;
	return 0;
}

/* ------------------------------------------------------------------ */
/* ks_2samp                                                            */
/* ------------------------------------------------------------------ */

int mlg_ks_2samp(const double *ref, size_t nref, const double *cur, size_t ncur,
		 enum mlg_ks_mode mode, struct mlg_ks *out)
{
	struct ks_extremes e;
	uint64_t n1 = nref, n2 = ncur, g, n1g, n2g, h = 0;
	int exact;
	double d, big, small, en, p = NAN;

	if (!nref || !ncur)
		return -1;
	g = gcd_u64(n1, n2);
	n1g = n1 / g;
	n2g = n2 / g;
	if (n1g <= (uint64_t)INT64_MAX / n2) {
		ks_merge(ref, nref, cur, ncur, (int64_t)n2g, (int64_t)n1g, &e);
		h = (uint64_t)(e.pos > e.neg ? e.pos : e.neg);
		/*
		 * The exact value rounded once, as SciPy reports it in exact mode; its
		 * asymptotic mode reports the rounded cdf1 - cdf2, which can be an ulp
		 * or two away and gives the same p-value to ~1e-15.
		 */
		d = (double)h / (double)(n1g * n2);
	} else {
		ks_merge_float(ref, nref, cur, ncur, &e);
		d = e.fneg > e.fpos ? e.fneg : e.fpos;
	}
	if (mode == MLG_KS_AUTO)
		exact = (n1 > n2 ? n1 : n2) <= MAX_AUTO_N;
	else if (mode == MLG_KS_EXACT)
		exact = e.exact && !((double)n1g >= 2147483647.0 / (double)n2g);
	else
		exact = 0;
	/* SciPy falls back to the asymptotic p-value when the exact one fails */
	if (exact)
		exact = mlg_drift__ks_exact_sf(n1, n2, h, &p) == 0;
	if (!exact) {
		big = (double)(n1 > n2 ? n1 : n2);
		small = (double)(n1 > n2 ? n2 : n1);
		en = big * small / (big + small);
		/* np.round: half to even, as nearbyint in the default rounding mode */
		p = mlg_drift__kstwo_sf((int64_t)nearbyint(en), d);
	}
	out->statistic = d;
	out->pvalue = clip01(p);
	out->used = exact ? MLG_KS_EXACT : MLG_KS_ASYMP;
	return 0;
}
