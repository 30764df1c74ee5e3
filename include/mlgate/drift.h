/*
 * Drift statistics: how far a current sample's distribution is from a
 * reference's. Numeric columns compare sorted samples (exact: no binning
 * unless the method bins); categorical columns compare counts per
 * category, both sides on the same category list.
 *
 * Definitions and p-values follow SciPy 1.10 (scipy.stats.ks_2samp,
 * wasserstein_distance, chisquare, chi2_contingency,
 * scipy.spatial.distance.jensenshannon); PSI and L-infinity follow
 * Evidently and TFDV. Nothing here reads files or allocates more than
 * scratch proportional to its inputs; only mlg_bins_quantile() hands memory
 * to the caller.
 */
#ifndef MLGATE_DRIFT_H
#define MLGATE_DRIFT_H

#include <stddef.h>
#include <stdint.h>

/* Two-sample Kolmogorov-Smirnov, two-sided. */
enum mlg_ks_mode {
	MLG_KS_AUTO,  /* exact when max(n1, n2) <= 10000, else asymptotic (SciPy 1.10) */
	MLG_KS_EXACT,
	MLG_KS_ASYMP
};

struct mlg_ks {
	double statistic;     /* sup |F_ref - F_cur|: the exact h/lcm(n1, n2), rounded once */
	double pvalue;
	enum mlg_ks_mode used; /* EXACT or ASYMP: what computed the p-value */
};

/**
 * KS of two samples sorted ascending (no NaN). `mode` as SciPy's `method`;
 * an exact computation that cannot be carried out (too large, would
 * overflow) falls back to the asymptotic one, as SciPy does, and says so
 * in out->used. Returns 0, or -1 when a sample is empty.
 *
 * The statistic is one branch-free merge, O(n1 + n2). The exact p-value
 * (SciPy: always for 'auto' up to 10000 per side; for EXACT while
 * lcm(n1, n2) < 2^31) costs O(max(n1, n2) x d min(n1, n2)) steps (O(n) for
 * equal sizes), at most ~2e8 under 'auto'; EXACT on larger samples gives up past 1e9 steps and
 * falls back (mlgate's limit, not SciPy's). Also as SciPy: an exact
 * result that rounds outside [0, 1] falls back (7 vs 7 samples with
 * d = 1/7, say), and the asymptotic p-value of one value against one is
 * NaN. The asymptotic p-value is SciPy's kstwo.sf(d, round(n1 n2 /
 * (n1 + n2))), the same methods at the same switch-over points; at most
 * ~1e6 terms of the Smirnov sum (~0.1 s), O(1) for larger samples.
 * SciPy's asymptotic mode reports the rounded F1 - F2 where this reports
 * the exact value: they can differ in the last bit or two.
 */
int mlg_ks_2samp(const double *ref, size_t nref, const double *cur, size_t ncur,
		 enum mlg_ks_mode mode, struct mlg_ks *out);

/**
 * The first Wasserstein distance of two sorted samples (SciPy's
 * wasserstein_distance): one branch-free merge, O(n1 + n2), the ECDF gap
 * held as an exact integer and the sum compensated. NaN when a sample is
 * empty.
 */
double mlg_wasserstein(const double *ref, size_t nref, const double *cur, size_t ncur);

/**
 * Population standard deviation (ddof = 0) of a sample, for the normed
 * Wasserstein: two compensated passes (NumPy's np.std). NaN when n is 0.
 */
double mlg_std_population(const double *v, size_t n);

/*
 * Binning of a numeric column for PSI and Jensen-Shannon: `nbins` bins
 * whose inner edges are the reference's quantiles at k/nbins (NumPy's
 * default quantiles), deduplicated; bin i holds edge[i-1] < x <= edge[i]
 * (the first from -inf, the last to +inf). A quantile between an infinity
 * and another value, which NumPy makes NaN, is the nearer of the two.
 */
struct mlg_bins {
	double *edges;      /* nedges inner edges, ascending, distinct; owned */
	size_t nedges;      /* bins = nedges + 1 */
};

/**
 * Quantile bins of a sorted reference. b->edges is allocated for the
 * caller (NULL, with no edges, when n is 0 or nbins < 2: one bin); free
 * it with mlg_bins_release(), which resets *b and may be called again.
 */
void mlg_bins_quantile(struct mlg_bins *b, const double *ref_sorted, size_t n, unsigned int nbins);
void mlg_bins_release(struct mlg_bins *b);
/** Counts of a sorted sample per bin (counts has nedges + 1 entries): a binary search per edge. */
void mlg_bins_count(const struct mlg_bins *b, const double *sorted, size_t n, uint64_t *counts);

/*
 * Statistics of two count vectors over the same k categories (or bins).
 * The distances are NaN when either vector sums to 0.
 */

/**
 * PSI = sum (c - r) ln(c / r) over proportions, each clipped below at
 * `eps` (1e-4 by default, as Evidently).
 */
double mlg_psi(const uint64_t *ref, const uint64_t *cur, size_t k, double eps);

/**
 * Jensen-Shannon DISTANCE (the square root of the divergence), as SciPy's
 * jensenshannon, in the given log base (M_E or 2). Identical inputs give
 * 0 where SciPy can give NaN (a divergence rounded below 0).
 */
double mlg_jensen_shannon(const uint64_t *ref, const uint64_t *cur, size_t k, double base);

/** L-infinity distance between the two proportion vectors (TFDV). */
double mlg_l_infinity(const uint64_t *ref, const uint64_t *cur, size_t k);

struct mlg_chi2 {
	double statistic;
	double pvalue;
	double dof;
};

/**
 * Chi-square goodness of fit of the current counts against the reference
 * PROPORTIONS (expected = ref share x current total; a reference count of
 * 0 is raised to 1 first so that a new category counts against drift
 * rather than dividing by zero), dof = k - 1. -1 when k < 2 or a total is 0.
 */
int mlg_chi2_vs_reference(const uint64_t *ref, const uint64_t *cur, size_t k, struct mlg_chi2 *out);

/**
 * Chi-square test of independence of the 2 x k table, no continuity
 * correction. A category empty on both sides is left out, with its degree
 * of freedom (SciPy refuses the table: an expected count is 0); with one
 * category left, dof is 0, the statistic 0 and the p-value 1 (SciPy's
 * rule). -1 when k < 2 or a side's total is 0.
 */
int mlg_chi2_contingency(const uint64_t *ref, const uint64_t *cur, size_t k, struct mlg_chi2 *out);

/**
 * Upper tail of the chi-square distribution with `dof` degrees of freedom
 * (SciPy's chi2.sf; relative error ~1e-12 down to 1e-300). 1 for x <= 0;
 * NaN for dof <= 0.
 */
double mlg_chi2_sf(double x, double dof);

/**
 * Two-proportion z-test (pooled, two-sided) of a binary column: x1 of n1
 * against x2 of n2, as Evidently's proportions_diff_z_test. Returns the
 * p-value, erfc(|z|/sqrt 2) (Evidently's 2(1 - cdf) rounds small ones to
 * 0); *z the statistic (z may be NULL). Both samples all 0 or all 1: z 0,
 * p 1 (Evidently divides by 0). NaN when n1 or n2 is 0 or x > n.
 */
double mlg_proportion_ztest(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2, double *z);

#endif
