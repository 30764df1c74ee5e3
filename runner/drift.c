/*
 * Drift statistics other than KS (see mlgate/drift.h; KS is in
 * drift_ks.c): the Wasserstein distance in one merge of the sorted
 * samples, quantile bins, and the statistics of two count vectors with the
 * chi-square survival function they need.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "mlgate/drift.h"
#include "drift_internal.h"
#include "util.h"

/*
 * Neumaier's compensated sum: the rounding error of each addition is
 * carried apart, so that a long sum is as good as one rounding.
 */
struct ksum {
	double s, c;
};

static void ksum_add(struct ksum *k, double x)
{
	double t = k->s + x;

	if (fabs(k->s) >= fabs(x))
		k->c += (k->s - t) + x;
	else
		k->c += (x - t) + k->s;
	k->s = t;
}

static double ksum_value(const struct ksum *k)
{
	return k->s + k->c;
}

/* ------------------------------------------------------------------ */
/* Wasserstein                                                         */
/* ------------------------------------------------------------------ */

static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/*
 * Terms are summed plainly in blocks before a block joins the compensated
 * sum: all are >= 0, so a block's error is below BLOCK ulps of its sum.
 */
#define BLOCK 1024

/*
 * The integral of |U - V| (SciPy's _cdf_distance with p = 1) as one merge:
 * between consecutive values of the merged samples, |U - V| is constant,
 * and it is held exactly as the integer |i n2 - j n1| / g (units of
 * 1/lcm), so each term is one rounding. Within a run of equal values the
 * step is 0, so ties need no grouping: the counts may be mid-run there but
 * they are multiplied by 0.
 */
double mlg_wasserstein(const double *ref, size_t nref, const double *cur, size_t ncur)
{
	uint64_t g, n1g, n2g;
	int64_t step_a, step_b, diff = 0;
	size_t i = 0, j = 0;
	struct ksum total = { 0, 0 };
	double prev, lcm;

	if (!nref || !ncur)
		return NAN;
	g = gcd_u64(nref, ncur);
	n1g = nref / g;
	n2g = ncur / g;
	if (n1g > (uint64_t)INT64_MAX / ncur) {
		/* counts too large for exact integers: rounded ECDFs as SciPy's */
		double s = 0;

		prev = ref[0] < cur[0] ? ref[0] : cur[0];
		while (i < nref || j < ncur) {
			int take_a = i < nref && (j == ncur || ref[i] <= cur[j]);
			double m = take_a ? ref[i] : cur[j];

			s += fabs((double)i / (double)nref - (double)j / (double)ncur) * (m - prev);
			i += (size_t)take_a;
			j += (size_t)!take_a;
			prev = m;
		}
		return s;
	}
	step_a = (int64_t)n2g;
	step_b = (int64_t)n1g;
	lcm = (double)(n1g * ncur);
	prev = ref[0] < cur[0] ? ref[0] : cur[0];
	while (i < nref && j < ncur) {
		double s = 0;

		for (int k = 0; k < BLOCK && i < nref && j < ncur; k++) {
			double x = ref[i], y = cur[j];
			int take_a = x <= y;
			double m = take_a ? x : y;

			s += (double)(diff < 0 ? -diff : diff) * (m - prev);
			diff += take_a ? step_a : -step_b;
			i += (size_t)take_a;
			j += (size_t)!take_a;
			prev = m;
		}
		ksum_add(&total, s);
	}
	/* one side is done: the other's ECDF climbs to 1, |diff| falls to 0 */
	while (i < nref) {
		double s = 0;

		for (int k = 0; k < BLOCK && i < nref; k++) {
			s += (double)(diff < 0 ? -diff : diff) * (ref[i] - prev);
			prev = ref[i++];
			diff += step_a;
		}
		ksum_add(&total, s);
	}
	while (j < ncur) {
		double s = 0;

		for (int k = 0; k < BLOCK && j < ncur; k++) {
			s += (double)(diff < 0 ? -diff : diff) * (cur[j] - prev);
			prev = cur[j++];
			diff -= step_b;
		}
		ksum_add(&total, s);
	}
	return ksum_value(&total) / lcm;
}

/* Two passes, both compensated: the mean, then the mean square deviation (NumPy's np.std). */
double mlg_std_population(const double *v, size_t n)
{
	struct ksum sum = { 0, 0 }, sq = { 0, 0 };
	double mean;

	if (!n)
		return NAN;
	for (size_t i = 0; i < n; i++)
		ksum_add(&sum, v[i]);
	mean = ksum_value(&sum) / (double)n;
	for (size_t i = 0; i < n; i++) {
		double d = v[i] - mean;

		ksum_add(&sq, d * d);
	}
	return sqrt(ksum_value(&sq) / (double)n);
}

/* ------------------------------------------------------------------ */
/* Bins                                                                */
/* ------------------------------------------------------------------ */

/*
 * NumPy's _lerp: a + (b - a) t, or b - (b - a)(1 - t) for t >= 0.5, so
 * that t = 1 gives b exactly. With an infinity at either end NumPy says
 * NaN; a bin edge must be a number, so the nearer end is taken.
 */
static double lerp(double a, double b, double t)
{
	double diff = b - a;

	if (t == 0 || a == b)
		return a;
	if (isinf(a) || isinf(b))
		return t < 0.5 ? a : b;
	return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

void mlg_bins_quantile(struct mlg_bins *b, const double *ref_sorted, size_t n, unsigned int nbins)
{
	b->edges = NULL;
	b->nedges = 0;
	if (!n || nbins < 2)
		return;
	b->edges = mlg_xmalloc((nbins - 1) * sizeof(*b->edges));
	for (unsigned int k = 1; k < nbins; k++) {
		double h = (double)(n - 1) * ((double)k / (double)nbins);
		size_t lo = (size_t)floor(h), hi;
		double e;

		if (lo > n - 1)
			lo = n - 1;
		hi = lo + 1 < n ? lo + 1 : lo;
		e = lerp(ref_sorted[lo], ref_sorted[hi], h - (double)lo);
		if (!b->nedges || e > b->edges[b->nedges - 1])
			b->edges[b->nedges++] = e;
	}
}

void mlg_bins_release(struct mlg_bins *b)
{
	free(b->edges);
	b->edges = NULL;
	b->nedges = 0;
}

/* How many of sorted[from..n) are <= x, plus from (binary search). */
static size_t upper_bound(const double *sorted, size_t from, size_t n, double x)
{
	size_t lo = from, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sorted[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void mlg_bins_count(const struct mlg_bins *b, const double *sorted, size_t n, uint64_t *counts)
{
	size_t below = 0;

	for (size_t k = 0; k < b->nedges; k++) {
		size_t upto = upper_bound(sorted, below, n, b->edges[k]);

		counts[k] = upto - below;
		below = upto;
	}
	counts[b->nedges] = n - below;
}

/* ------------------------------------------------------------------ */
/* Count vectors                                                       */
/* ------------------------------------------------------------------ */

static uint64_t total_of(const uint64_t *c, size_t k)
{
	uint64_t t = 0;

	for (size_t i = 0; i < k; i++)
		t += c[i];
	return t;
}

double mlg_psi(const uint64_t *ref, const uint64_t *cur, size_t k, double eps)
{
	uint64_t rt = total_of(ref, k), ct = total_of(cur, k);
	struct ksum psi = { 0, 0 };

	if (!rt || !ct)
		return NAN;
	for (size_t i = 0; i < k; i++) {
		double r = fmax((double)ref[i] / (double)rt, eps);
		double c = fmax((double)cur[i] / (double)ct, eps);

		ksum_add(&psi, (c - r) * log(c / r));
	}
	return ksum_value(&psi);
}

/* SciPy's rel_entr: x log(x/y), 0 for x = 0 (y >= 0 here, and y > 0 where x > 0). */
static double rel_entr(double x, double y)
{
	return x > 0 ? x * log(x / y) : 0.0;
}

/*
 * As scipy.spatial.distance.jensenshannon: both vectors as proportions,
 * m their mean, sqrt((KL(p||m) + KL(q||m)) / 2) in the given base. Unlike
 * SciPy, a divergence that rounds below 0 (identical inputs) is 0, not a
 * NaN from its square root.
 */
double mlg_jensen_shannon(const uint64_t *ref, const uint64_t *cur, size_t k, double base)
{
	uint64_t rt = total_of(ref, k), ct = total_of(cur, k);
	struct ksum left = { 0, 0 }, right = { 0, 0 };
	double js;

	if (!rt || !ct)
		return NAN;
	for (size_t i = 0; i < k; i++) {
		double p = (double)ref[i] / (double)rt, q = (double)cur[i] / (double)ct;
		double m = (p + q) / 2.0;

		ksum_add(&left, rel_entr(p, m));
		ksum_add(&right, rel_entr(q, m));
	}
	js = ksum_value(&left) + ksum_value(&right);
	if (base != M_E)
		js /= log(base);
	return js > 0 ? sqrt(js / 2.0) : 0.0;
}

double mlg_l_infinity(const uint64_t *ref, const uint64_t *cur, size_t k)
{
	uint64_t rt = total_of(ref, k), ct = total_of(cur, k);
	double worst = 0;

	if (!rt || !ct)
		return NAN;
	for (size_t i = 0; i < k; i++)
		worst = fmax(worst, fabs((double)ref[i] / (double)rt - (double)cur[i] / (double)ct));
	return worst;
}

int mlg_chi2_vs_reference(const uint64_t *ref, const uint64_t *cur, size_t k, struct mlg_chi2 *out)
{
	uint64_t rt = 0, ct = total_of(cur, k);
	struct ksum stat = { 0, 0 };

	if (k < 2 || !ct || !total_of(ref, k))
		return -1;
	for (size_t i = 0; i < k; i++)
		rt += ref[i] ? ref[i] : 1;
	for (size_t i = 0; i < k; i++) {
		double e = (double)(ref[i] ? ref[i] : 1) / (double)rt * (double)ct;
		double d = (double)cur[i] - e;

		ksum_add(&stat, d * d / e);
	}
	out->statistic = ksum_value(&stat);
	out->dof = (double)(k - 1);
	out->pvalue = mlg_chi2_sf(out->statistic, out->dof);
	return 0;
}

int mlg_chi2_contingency(const uint64_t *ref, const uint64_t *cur, size_t k, struct mlg_chi2 *out)
{
	uint64_t rt = total_of(ref, k), ct = total_of(cur, k);
	double n = (double)rt + (double)ct;
	struct ksum stat = { 0, 0 };
	size_t used = 0;

	if (k < 2 || !rt || !ct)
		return -1;
	for (size_t i = 0; i < k; i++) {
		double col = (double)ref[i] + (double)cur[i];
		double er = (double)rt * col / n, ec = (double)ct * col / n;
		double dr = (double)ref[i] - er, dc = (double)cur[i] - ec;

		if (!ref[i] && !cur[i])
			continue; /* SciPy refuses a zero expected count; the category is absent */
		used++;
		ksum_add(&stat, dr * dr / er);
		ksum_add(&stat, dc * dc / ec);
	}
	out->dof = used ? (double)(used - 1) : 0;
	if (out->dof == 0) {
		out->statistic = 0.0;
		out->pvalue = 1.0;
		return 0;
	}
	out->statistic = ksum_value(&stat);
	out->pvalue = mlg_chi2_sf(out->statistic, out->dof);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Chi-square survival function                                        */
/* ------------------------------------------------------------------ */

/*
 * log(Gamma(a)) - ((a - 1/2) log a - a + log(2 pi)/2), Stirling's series;
 * only for a >= 10, where six terms leave less than 1e-16.
 */
static double stirling_error(double a)
{
	double r = 1.0 / a, r2 = r * r;

	return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680
		- r2 * (1.0 / 1188 - r2 * (691.0 / 360360))))));
}

/*
 * x^a e^-x / Gamma(a). For large a the exponent a log x - x - lgamma(a)
 * is a difference of large numbers; written as a (log1p(t) - t) with
 * t = (x - a)/a and Stirling's correction apart, it keeps its relative
 * accuracy (as Cephes' igam_fac and Boost's regularised_gamma_prefix do).
 */
static double gamma_prefix(double a, double x)
{
	double t;

	if (a < 10)
		return exp(a * log(x) - x - lgamma(a));
	t = (x - a) / a;
	return sqrt(a / (2 * M_PI)) * exp(a * (log1p(t) - t) - stirling_error(a));
}

/*
 * Q(a, x): Numerical Recipes' scheme. Below x = a + 1 the series for
 * P = 1 - Q converges fast and Q is not small; above, Legendre's continued
 * fraction for Q itself (modified Lentz), which keeps small tails relative.
 */
double mlg_drift__gamma_q(double a, double x)
{
	double prefix;

	if (isnan(a) || isnan(x) || a <= 0 || x < 0)
		return NAN;
	if (x == 0)
		return 1.0;
	if (isinf(x))
		return 0.0;
	prefix = gamma_prefix(a, x);
	if (x < a + 1) {
		double ap = a, del = 1.0 / a, sum = del;

		for (int n = 0; n < 100000; n++) {
			ap += 1;
			del *= x / ap;
			sum += del;
			if (fabs(del) < fabs(sum) * DBL_EPSILON / 4)
				break;
		}
		return 1.0 - sum * prefix;
	} else {
		const double tiny = DBL_MIN / DBL_EPSILON;
		double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;

		for (int i = 1; i < 100000; i++) {
			double an = -i * (i - a), del;

			b += 2;
			d = an * d + b;
			if (fabs(d) < tiny)
				d = tiny;
			c = b + an / c;
			if (fabs(c) < tiny)
				c = tiny;
			d = 1 / d;
			del = d * c;
			h *= del;
			if (fabs(del - 1) < DBL_EPSILON / 4)
				break;
		}
		return h * prefix;
	}
}

/* As SciPy's chi2.sf (Cephes chdtrc = igamc(dof/2, x/2)); 1 and 2 dof in closed form. */
double mlg_chi2_sf(double x, double dof)
{
	if (isnan(x) || isnan(dof) || dof <= 0)
		return NAN;
	if (x <= 0)
		return 1.0;
	if (dof == 1)
		return erfc(sqrt(x / 2));
	if (dof == 2)
		return exp(-x / 2);
	return mlg_drift__gamma_q(dof / 2, x / 2);
}

/*
 * Evidently's proportions_diff_z_stat_ind: pooled variance, two-sided.
 * The tail is erfc(|z|/sqrt 2), which stays relative where Evidently's
 * 2 (1 - cdf) rounds to 0. When the pooled share is 0 or 1 both samples
 * are identical and constant: z is 0, p 1 (Evidently divides by 0).
 */
double mlg_proportion_ztest(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2, double *z)
{
	double p1, p2, pooled, var;

	if (!n1 || !n2 || x1 > n1 || x2 > n2) {
		if (z)
			*z = NAN;
		return NAN;
	}
	p1 = (double)x1 / (double)n1;
	p2 = (double)x2 / (double)n2;
	pooled = (p1 * (double)n1 + p2 * (double)n2) / ((double)n1 + (double)n2);
	var = pooled * (1 - pooled) * (1.0 / (double)n1 + 1.0 / (double)n2);
	if (!(var > 0)) {
		if (z)
			*z = 0;
		return 1.0;
	}
	if (z)
		*z = (p1 - p2) / sqrt(var);
	return erfc(fabs((p1 - p2) / sqrt(var)) / M_SQRT2);
}
