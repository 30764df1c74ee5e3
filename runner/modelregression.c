/*
 * Regression metrics over a subset of rows, or over every group of a
 * partition of it at once (see mlgate/modelmetrics.h).
 *
 * One pass over the rows gathers each group's compensated sums (squared,
 * absolute and relative errors, the true values), the extremes, and, when
 * the median is wanted, each group's absolute errors side by side in one
 * scratch array; R^2 takes a second pass for the squared deviations from
 * each group's mean, as scikit-learn computes them.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "modelmetrics_internal.h"
#include "util.h"

static const char R_EMPTY[] = "the subset is empty";
static const char R_NOT_REG[] = "not a regression metric";
static const char R_UNKNOWN[] = "not a metric";
static const char R_CONSTANT[] = "the true values are constant";

/* One group's sums. */
struct reg_sums {
	uint64_t n;           /* total weight */
	size_t rows;          /* rows of nonzero weight */
	struct mlg_ksum sq, abs, ape, y, dev;
	double ymin, ymax, max_err;
};

static inline void swap_at(double *v, uint32_t *w, size_t i, size_t j)
{
	double t = v[i];

	v[i] = v[j];
	v[j] = t;
	if (w) {
		uint32_t u = w[i];

		w[i] = w[j];
		w[j] = u;
	}
}

/*
 * The value at 0-based position `k` of the multiset in which v[i] occurs
 * w[i] times (once each when w is NULL). Quickselect with a three-way
 * partition (equal values cost nothing) around pivots drawn from a fixed
 * generator: linear on average for any input, and deterministic.
 * Reorders v and w.
 */
static double select_weighted(double *v, uint32_t *w, size_t n, uint64_t k, struct mlg_rng *rng)
{
	for (;;) {
		double pivot = v[mlg_rng_below(rng, n)];
		size_t lt = 0, i = 0, gt = n;
		uint64_t wl = 0, we = 0;

		/* [0, lt) < pivot, [lt, i) == pivot, [gt, n) > pivot */
		while (i < gt) {
			if (v[i] < pivot) {
				wl += w ? w[i] : 1;
				swap_at(v, w, lt++, i++);
			} else if (v[i] > pivot) {
				swap_at(v, w, i, --gt);
			} else {
				we += w ? w[i] : 1;
				i++;
			}
		}
		if (k < wl) {
			n = lt;
		} else if (k < wl + we) {
			return pivot;
		} else {
			k -= wl + we;
			v += gt;
			if (w)
				w += gt;
			n -= gt;
		}
	}
}

/* The median of a multiset of total weight `total` > 0 (NumPy's: the mean of the middle two). */
static double weighted_median(double *v, uint32_t *w, size_t n, uint64_t total)
{
	struct mlg_rng rng;
	double lo;

	mlg_rng_seed(&rng, 0, 0, 0);
	lo = select_weighted(v, w, n, (total - 1) / 2, &rng);
	if (total & 1)
		return lo;
	return (lo + select_weighted(v, w, n, total / 2, &rng)) / 2;
}

/*
 * The pass over the rows. `weighted` and `grouped` are constants in each
 * inlined copy, so the one-group case keeps its sums in registers.
 */
static inline __attribute__((always_inline)) void
reg_scan(const struct mlg_reg_data *d, const struct mlg_subset *s, const uint32_t *group,
	 size_t ngroups, struct reg_sums *sums, int weighted, int grouped)
{
	struct reg_sums one = sums[0];

	for (size_t i = 0; i < s->n; i++) {
		uint32_t row = s->rows[i];
		uint64_t w = weighted ? s->weight[row] : 1;
		size_t g = grouped ? group[row] : 0;
		struct reg_sums *a = grouped ? &sums[g] : &one;
		double y, e, ae, dw = (double)w;

		if ((weighted && !w) || (grouped && g >= ngroups))
			continue;
		y = d->y[row];
		e = y - d->pred[row];
		ae = fabs(e);
		a->n += w;
		a->rows++;
		mlg_ksum_add(&a->sq, e * e * dw);
		mlg_ksum_add(&a->abs, ae * dw);
		mlg_ksum_add(&a->ape, ae / fmax(fabs(y), DBL_EPSILON) * dw);
		mlg_ksum_add(&a->y, y * dw);
		a->ymin = y < a->ymin ? y : a->ymin;
		a->ymax = y > a->ymax ? y : a->ymax;
		a->max_err = ae > a->max_err ? ae : a->max_err;
	}
	if (!grouped)
		sums[0] = one;
}

/*
 * The second pass: squared deviations from each group's mean (for R^2),
 * and each group's absolute errors copied to its stretch of abs_err (for
 * the median; `at` holds each stretch's next free place).
 */
static void reg_second_pass(const struct mlg_reg_data *d, const struct mlg_subset *s,
			    const uint32_t *group, size_t ngroups, struct reg_sums *sums,
			    const double *mean, int want_r2, double *abs_err, uint32_t *abs_weight,
			    size_t *at)
{
	for (size_t i = 0; i < s->n; i++) {
		uint32_t row = s->rows[i];
		uint64_t w = s->weight ? s->weight[row] : 1;
		size_t g = group ? group[row] : 0;

		if (!w || g >= ngroups)
			continue;
		if (want_r2 && sums[g].ymin != sums[g].ymax) {
			double dev = d->y[row] - mean[g];

			mlg_ksum_add(&sums[g].dev, dev * dev * (double)w);
		}
		if (abs_err) {
			abs_err[at[g]] = fabs(d->y[row] - d->pred[row]);
			if (abs_weight)
				abs_weight[at[g]] = (uint32_t)w;
			at[g]++;
		}
	}
}

static void reg_metrics(const struct mlg_reg_data *d, const struct mlg_subset *s,
			const uint32_t *group, size_t ngroups, const int *want, size_t nwant,
			struct mlg_metric_value *out)
{
	int want_r2 = 0, want_median = 0;
	struct reg_sums *sums = mlg_xcalloc(ngroups, sizeof(*sums));
	double *mean = NULL, *abs_err = NULL;
	uint32_t *abs_weight = NULL;
	size_t *start = NULL, *at = NULL;

	for (size_t i = 0; i < nwant; i++) {
		want_r2 |= want[i] == MLG_M_R2;
		want_median |= want[i] == MLG_M_MEDIAN_ABSOLUTE_ERROR;
	}
	for (size_t g = 0; g < ngroups; g++) {
		sums[g].ymin = INFINITY;
		sums[g].ymax = -INFINITY;
	}
	if (s->weight) {
		if (group)
			reg_scan(d, s, group, ngroups, sums, 1, 1);
		else
			reg_scan(d, s, group, ngroups, sums, 1, 0);
	} else {
		if (group)
			reg_scan(d, s, group, ngroups, sums, 0, 1);
		else
			reg_scan(d, s, group, ngroups, sums, 0, 0);
	}

	if (want_r2 || want_median) {
		mean = mlg_xcalloc(ngroups, sizeof(*mean));
		for (size_t g = 0; g < ngroups; g++)
			if (sums[g].n)
				mean[g] = mlg_ksum_value(&sums[g].y) / (double)sums[g].n;
		if (want_median) {
			size_t total = 0;

			start = mlg_xcalloc(ngroups, sizeof(*start));
			at = mlg_xcalloc(ngroups, sizeof(*at));
			for (size_t g = 0; g < ngroups; g++) {
				start[g] = at[g] = total;
				total += sums[g].rows;
			}
			abs_err = mlg_xmalloc(total * sizeof(*abs_err));
			if (s->weight)
				abs_weight = mlg_xmalloc(total * sizeof(*abs_weight));
		}
		reg_second_pass(d, s, group, ngroups, sums, mean, want_r2, abs_err, abs_weight, at);
	}

	for (size_t g = 0; g < ngroups; g++) {
		const struct reg_sums *a = &sums[g];
		double n = (double)a->n;

		for (size_t i = 0; i < nwant; i++) {
			int m = want[i];
			struct mlg_metric_value *v = &out[g * nwant + i];

			if (m < 0 || m >= MLG_M_COUNT) {
				mlg_metric_unset(v, R_UNKNOWN);
				continue;
			}
			if (!(mlg_metric_info(m)->flags & MLG_MF_REGRESSION)) {
				mlg_metric_unset(v, R_NOT_REG);
				continue;
			}
			if (!a->n) {
				mlg_metric_unset(v, R_EMPTY);
				continue;
			}
			switch (m) {
			case MLG_M_MSE:
				mlg_metric_set(v, mlg_ksum_value(&a->sq) / n);
				break;
			case MLG_M_RMSE:
				mlg_metric_set(v, sqrt(mlg_ksum_value(&a->sq) / n));
				break;
			case MLG_M_MAE:
				mlg_metric_set(v, mlg_ksum_value(&a->abs) / n);
				break;
			case MLG_M_MAPE:
				mlg_metric_set(v, mlg_ksum_value(&a->ape) / n);
				break;
			case MLG_M_R2:
				/* exactly constant: the mean could round off it and divide by dust */
				if (a->ymin == a->ymax)
					mlg_metric_unset(v, R_CONSTANT);
				else
					mlg_metric_set(v, 1 - mlg_ksum_value(&a->sq) /
							      mlg_ksum_value(&a->dev));
				break;
			case MLG_M_MAX_ERROR:
				mlg_metric_set(v, a->max_err);
				break;
			default: /* MLG_M_MEDIAN_ABSOLUTE_ERROR */
				mlg_metric_set(v, weighted_median(abs_err + start[g],
								  abs_weight ? abs_weight + start[g] : NULL,
								  a->rows, a->n));
				break;
			}
		}
	}
	free(sums);
	free(mean);
	free(abs_err);
	free(abs_weight);
	free(start);
	free(at);
}

void mlg_reg_metrics(const struct mlg_reg_data *d, const struct mlg_subset *s,
		     const int *want, size_t nwant, struct mlg_metric_value *out)
{
	reg_metrics(d, s, NULL, 1, want, nwant, out);
}

void mlg_reg_metrics_by_group(const struct mlg_reg_data *d, const struct mlg_subset *s,
			      const uint32_t *group, size_t ngroups, const int *want,
			      size_t nwant, struct mlg_metric_value *out)
{
	reg_metrics(d, s, group, ngroups, want, nwant, out);
}
