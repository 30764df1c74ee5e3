/*
 * Summary statistics of a column of doubles whose results do not depend on
 * how the rows were cut into parts or on the order parts are merged in.
 *
 * Sums are kept EXACTLY, as fixed-point integers wide enough for any
 * double (and any square of a double) in carry-save limbs, and rounded only
 * once the statistic is asked for. Floating-point accumulation (even
 * compensated, even Welford/Chan) gives results that change in the last
 * bits with the cut, and a gate must give the same verdict at -j1 and -j8.
 * Quantiles come from the stored values by selection (no full sort), with
 * NumPy's default definition.
 */
#ifndef MLGATE_STATS_H
#define MLGATE_STATS_H

#include <stddef.h>
#include <stdint.h>

/*
 * The exact sums are integers: the sum of x * 2^1074 (every finite double
 * is an integer multiple of 2^-1074), at most 2^2162 for 2^64 values, and
 * the sum of x^2 * 2^2148, at most 2^4260. They are held in limbs of 32
 * bits (in int64_t, so that carries can wait): 68 and 134 limbs, plus two
 * spare each.
 */
#define MLG_STATS_SUM_LIMBS 70
#define MLG_STATS_SQUARES_LIMBS 136
/* One bucket per position of a double's lowest bit (0 to 2045). */
#define MLG_STATS_BUCKETS 2048

/**
 * Running count, exact sums of x and x^2, min and max. An addition only
 * touches the bucket of the value's exponent (Neal's "small
 * superaccumulator"): the sum of the +-significands there and the sum of
 * their squares, as 128-bit integers (low word first). The buckets are
 * folded into the limbs every 2^22 additions and when read.
 *
 * Plain data (about 66 KB): it allocates nothing, so a copy or a memset
 * is fine; init before use.
 */
struct mlg_stats {
	uint64_t sum_bucket[2 * MLG_STATS_BUCKETS];
	uint64_t square_bucket[2 * MLG_STATS_BUCKETS];
	int64_t sum[MLG_STATS_SUM_LIMBS];
	int64_t squares[MLG_STATS_SQUARES_LIMBS];
	uint64_t count;   /* values added, infinities included */
	uint64_t pos_inf; /* +inf values (not in the sums) */
	uint64_t neg_inf; /* -inf values */
	uint64_t pending; /* additions in the buckets since they were folded */
	double min, max;  /* +inf/-inf while count is 0 */
};

/** Prepares an empty accumulator. */
void mlg_stats_init(struct mlg_stats *s);

/**
 * Adds one value. NaN must not be passed (the caller decides what a NaN
 * cell is); +inf and -inf are counted apart from the sums.
 */
void mlg_stats_add(struct mlg_stats *s, double x);

/**
 * Adds everything `from` holds to `into`; exact, so the order does not
 * matter. `from` keeps its values (its buckets are folded).
 */
void mlg_stats_merge(struct mlg_stats *into, struct mlg_stats *from);

/**
 * The mean, from the exact sum rounded once before one division: NaN for
 * no values or both infinities, +inf/-inf when only one sign of infinity
 * was added.
 */
double mlg_stats_mean(const struct mlg_stats *s);

/**
 * The standard deviation with `ddof` degrees of freedom subtracted from
 * the count (1: sample, as pandas; 0: population, as NumPy's default),
 * computed from the exact n*sum(x^2) - sum(x)^2: no cancellation, however
 * large the mean is beside the spread. NaN when count <= ddof or any value
 * was infinite (as NumPy).
 */
double mlg_stats_std(const struct mlg_stats *s, unsigned int ddof);

/**
 * Quantiles of `n` values (no NaN; n > 0) as NumPy's default (linear
 * interpolation between order statistics, Hyndman-Fan type 7): for each
 * q[i] in [0, 1], out[i]. Reorders `values`: selection, not a full sort
 * (past 2^18 values, first narrowed by brackets read off a sample).
 * Unlike NumPy, which computes inf - inf there and gives NaN, a quantile
 * that falls exactly on an order statistic is that value, and one between
 * an infinity and a finite value is that infinity.
 */
void mlg_stats_quantiles(double *values, size_t n, const double *q, size_t nq, double *out);

#endif
