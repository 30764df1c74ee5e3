/*
 * What runner/drift.c and runner/drift_ks.c share, and what the unit
 * tests reach beyond include/mlgate/drift.h: the distributions behind the
 * KS p-values, so that they can be checked point by point against SciPy.
 */
#ifndef MLG_DRIFT_INTERNAL_H
#define MLG_DRIFT_INTERNAL_H

#include <stdint.h>

/*
 * Pr(D >= h / lcm(n1, n2)) for the two-sided two-sample KS statistic D,
 * exactly (SciPy 1.10's _attempt_exact_2kssamp, two-sided). 0 and *p, or
 * -1 when the computation cannot be trusted (SciPy then switches to the
 * asymptotic p-value): a result outside [0, 1], or (mlgate's limit, not
 * SciPy's) more than about 1e9 lattice steps.
 */
int mlg_drift__ks_exact_sf(uint64_t n1, uint64_t n2, uint64_t h, double *p);

/*
 * SciPy's kstwo.sf(x, n): the survival function of the two-sided
 * one-sample KS statistic for a sample of n, by Simard and L'Ecuyer's
 * choice of methods as scipy/stats/_ksstats.py does. NaN when n < 1.
 */
double mlg_drift__kstwo_sf(int64_t n, double x);

/*
 * scipy.special.smirnov(n, x): Pr(D+_n >= x), the one-sided one-sample
 * KS survival function. Only the lower (Birnbaum-Tingey) sum: SciPy takes
 * the upper one only for x <= 0.5 / sqrt(n), which kstwo never asks for.
 */
double mlg_drift__smirnov(int64_t n, double x);

/* The regularized upper incomplete gamma function Q(a, x), a > 0, x >= 0. */
double mlg_drift__gamma_q(double a, double x);

#endif
