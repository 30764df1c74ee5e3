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
 * scratch proportional to its inputs.
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
	double statistic;     /* sup |F_ref - F_cur| */
	double pvalue;
	enum mlg_ks_mode used; /* EXACT or ASYMP: what computed the p-value */
};

/**
 * KS of two samples sorted ascending (no NaN). `mode` as SciPy's `method`;
 * an exact computation that cannot be carried out (too large, would
 * overflow) falls back to the asymptotic one, as SciPy does, and says so
 * in out->used. Returns 0, or -1 when a sample is empty.
 */
int mlg_ks_2samp(const double *ref, size_t nref, const double *cur, size_t ncur,
		 enum mlg_ks_mode mode, struct mlg_ks *out);

/** The first Wasserstein distance of two sorted samples (SciPy's wasserstein_distance). */
double mlg_wasserstein(const double *ref, size_t nref, const double *cur, size_t ncur);

/** Population standard deviation (ddof = 0) of a sample, for the normed Wasserstein. */
double mlg_std_population(const double *v, size_t n);

/*
 * Binning of a numeric column for PSI and Jensen-Shannon: `nbins` bins
 * whose inner edges are the reference's quantiles at k/nbins (NumPy's
 * default quantiles), deduplicated; bin i holds edge[i-1] < x <= edge[i]
 * (the first from -inf, the last to +inf).
 */
struct mlg_bins {
	double *edges;      /* nedges inner edges, ascending, distinct; owned */
	size_t nedges;      /* bins = nedges + 1 */
};

/** Quantile bins of a sorted reference; release with mlg_bins_release(). */
void mlg_bins_quantile(struct mlg_bins *b, const double *ref_sorted, size_t n, unsigned int nbins);
void mlg_bins_release(struct mlg_bins *b);
/** Counts of a sorted sample per bin (counts has nedges + 1 entries). */
void mlg_bins_count(const struct mlg_bins *b, const double *sorted, size_t n, uint64_t *counts);

/* Statistics of two count vectors over the same k categories (or bins). */

/**
 * PSI = sum (c - r) ln(c / r) over proportions, each clipped below at
 * `eps` (1e-4 by default, as Evidently).
 */
double mlg_psi(const uint64_t *ref, const uint64_t *cur, size_t k, double eps);

/**
 * Jensen-Shannon DISTANCE (the square root of the divergence), as SciPy's
 * jensenshannon, in the given log base (e or 2).
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

/** Chi-square test of independence of the 2 x k table, no continuity correction. */
int mlg_chi2_contingency(const uint64_t *ref, const uint64_t *cur, size_t k, struct mlg_chi2 *out);

/** Upper tail of the chi-square distribution with `dof` degrees of freedom. */
double mlg_chi2_sf(double x, double dof);

/**
 * Two-proportion z-test (pooled, two-sided) of a binary column: x1 of n1
 * against x2 of n2. Returns the p-value; *z the statistic.
 */
double mlg_proportion_ztest(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2, double *z);

#endif
