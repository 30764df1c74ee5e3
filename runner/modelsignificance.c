/*
 * McNemar's test and the seeded bootstrap's generator (see
 * mlgate/modelmetrics.h).
 */
#include <math.h>
#include <stdlib.h>

#include "modelmetrics_internal.h"

/* -------------------------------------------------------------------- */
/* McNemar                                                               */
/* -------------------------------------------------------------------- */

/*
 * log(n!) - log(sqrt(2 pi n) (n / e)^n), Stirling's error: from lgamma
 * for small n (where its absolute error is tiny beside the result), else
 * its asymptotic series (Loader 2000, as R's dbinom).
 */
static double stirling_error(double n)
{
	const double s0 = 1.0 / 12, s1 = 1.0 / 360, s2 = 1.0 / 1260, s3 = 1.0 / 1680,
		     s4 = 1.0 / 1188;
	double nn = n * n;

	if (n <= 15) {
		int sign; /* lgamma() writes the global signgam: a data race on -j threads */

		return lgamma_r(n + 1, &sign) - (n + 0.5) * log(n) + n - 0.5 * log(2 * M_PI);
	}
	if (n > 500)
		return (s0 - s1 / nn) / n;
	if (n > 80)
		return (s0 - (s1 - s2 / nn) / nn) / n;
	if (n > 35)
		return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n;
	return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n;
}

/* x log(x / np) + np - x without cancellation when x is near np (Loader). */
static double deviance_term(double x, double np)
{
	if (fabs(x - np) < 0.1 * (x + np)) {
		double v = (x - np) / (x + np), s = (x - np) * v, ej = 2 * x * v;

		v *= v;
		for (int j = 1; j < 1000; j++) {
			double s1;

			ej *= v;
			s1 = s + ej / (2 * j + 1);
			if (s1 == s)
				return s1;
			s = s1;
		}
		return s;
	}
	return x * log(x / np) + np - x;
}

/* P(X = k) for X ~ Binomial(n, 1/2), 0 < k < n, to full relative precision. */
static double binomial_half_pmf(double k, double n)
{
	double lc = stirling_error(n) - stirling_error(k) - stirling_error(n - k) -
		    deviance_term(k, n / 2) - deviance_term(n - k, n / 2);

	return exp(lc) * sqrt(n / (2 * M_PI * k * (n - k)));
}

/*
 * P(X <= k) for X ~ Binomial(n, 1/2), k < n / 2: the terms from P(X = k)
 * down, each from the one above by the ratio i / (n - i + 1), until they
 * stop counting. Up to n = 1000 the first term is 2^-n exactly and the
 * sum runs upward; past that P(X = k) comes from Loader's saddle point.
 */
static double binomial_half_cdf(uint64_t k, uint64_t n)
{
	struct mlg_ksum sum = { 0, 0 };

	if (n <= 1000) {
		double t = ldexp(1.0, -(int)n);

		mlg_ksum_add(&sum, t);
		for (uint64_t i = 1; i <= k; i++) {
			t = t * (double)(n - i + 1) / (double)i;
			mlg_ksum_add(&sum, t);
		}
		return mlg_ksum_value(&sum);
	}
	if (k == 0)
		return ldexp(1.0, n > 2000 ? -2000 : -(int)n); /* 0 once it underflows */
	{
		double top = binomial_half_pmf((double)k, (double)n), t = 1;

		/* relative to P(X = k): 1 + k/(n-k+1) + ... */
		mlg_ksum_add(&sum, 1);
		for (uint64_t i = k; i > 0; i--) {
			t *= (double)i / (double)(n - i + 1);
			mlg_ksum_add(&sum, t);
			if (t < 1e-18 * sum.s)
				break;
		}
		return top * mlg_ksum_value(&sum);
	}
}

void mlg_mcnemar(uint64_t b, uint64_t c, struct mlg_mcnemar *out)
{
	uint64_t n = b + c, lo = b < c ? b : c, diff = b > c ? b - c : c - b;

	out->b = b;
	out->c = c;
	if (!n) {
		out->exact_p = 1;
		out->chi2 = 0;
		out->chi2_p = 1;
		out->exact = 1;
		out->p = 1;
		return;
	}
	/* equal counts: P(X <= n/2) >= 1/2, so the doubled tail is 1 */
	if (b == c) {
		out->exact_p = 1;
	} else {
		double p = 2 * binomial_half_cdf(lo, n);

		out->exact_p = p < 1 ? p : 1;
	}
	{
		double d = diff ? (double)(diff - 1) : 0;

		out->chi2 = d * d / (double)n;
	}
	out->chi2_p = erfc(sqrt(out->chi2 / 2));
	out->exact = n < MLG_MCNEMAR_EXACT_BELOW;
	out->p = out->exact ? out->exact_p : out->chi2_p;
}

/* -------------------------------------------------------------------- */
/* The generator and the bootstrap                                       */
/* -------------------------------------------------------------------- */

static uint64_t splitmix64_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The first output of splitmix64 started at state z. */
static uint64_t splitmix64_first(uint64_t z)
{
	return splitmix64_next(&z);
}

void mlg_rng_seed(struct mlg_rng *rng, uint64_t seed, uint64_t stream, uint64_t index)
{
	uint64_t k = splitmix64_first(splitmix64_first(splitmix64_first(seed) ^ stream) ^ index);

	for (int i = 0; i < 4; i++)
		rng->s[i] = splitmix64_next(&k);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t mlg_rng_next(struct mlg_rng *rng)
{
	uint64_t *s = rng->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/*
 * Lemire's nearly divisionless method: the high word of x * n is uniform
 * once the low words below 2^64 mod n are rejected, which needs a
 * division only when the low word is below n.
 */
uint64_t mlg_rng_below(struct mlg_rng *rng, uint64_t n)
{
	unsigned __int128 m = (unsigned __int128)mlg_rng_next(rng) * n;
	uint64_t low = (uint64_t)m;

	if (low < n) {
		uint64_t threshold = (0 - n) % n;

		while (low < threshold) {
			m = (unsigned __int128)mlg_rng_next(rng) * n;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

void mlg_bootstrap_draw(const struct mlg_subset *s, uint64_t seed, uint64_t stream, uint64_t r,
			uint32_t *weight)
{
	struct mlg_rng rng;

	mlg_rng_seed(&rng, seed, stream, r);
	for (size_t i = 0; i < s->n; i++)
		weight[s->rows[mlg_rng_below(&rng, s->n)]]++;
}
