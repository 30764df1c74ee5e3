/*
 * What the model-metric files share (runner/modelmetrics.c,
 * modelregression.c, modelsignificance.c): the compensated sum and the
 * setting of a metric's value.
 */
#ifndef MLG_MODELMETRICS_INTERNAL_H
#define MLG_MODELMETRICS_INTERNAL_H

#include <math.h>

#include "mlgate/modelmetrics.h"

/*
 * Neumaier's compensated sum: the rounding error of each addition is
 * carried apart, so a sum of 10M terms is as good as one rounding, and the
 * same terms in the same order give the same bits.
 */
struct mlg_ksum {
	double s, c;
};

static inline void mlg_ksum_add(struct mlg_ksum *k, double x)
{
	double t = k->s + x;

	if (fabs(k->s) >= fabs(x))
		k->c += (k->s - t) + x;
	else
		k->c += (x - t) + k->s;
	k->s = t;
}

static inline double mlg_ksum_value(const struct mlg_ksum *k)
{
	return k->s + k->c;
}

static inline void mlg_metric_set(struct mlg_metric_value *v, double x)
{
	v->value = x;
	v->undefined = NULL;
}

static inline void mlg_metric_unset(struct mlg_metric_value *v, const char *why)
{
	v->value = 0;
	v->undefined = why;
}

#endif
