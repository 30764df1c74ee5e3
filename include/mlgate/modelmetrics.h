/*
 * Model-quality arithmetic: classification and regression metrics over
 * rows held in memory, paired significance tests and the seeded bootstrap.
 *
 * Nothing here reads files or knows about slices: the caller (the model
 * kinds) stores the rows once, and asks for metrics over subsets of them
 * (overall, one slice, one bootstrap resample). A subset lists row numbers;
 * metrics that rank (ROC AUC, average precision) also need the subset's
 * rows in ascending score order, which the caller derives from one global
 * sort (mlg_sort_scores()) so that no slice or resample sorts again.
 *
 * Definitions follow scikit-learn 1.2 (and SciPy for the tests); where
 * scikit-learn returns 0 with a warning for an undefined value (precision
 * with no predicted positives, ROC AUC with one class), the metric here is
 * UNDEFINED with a reason, never a number that could pass a bound.
 *
 * Averages over classes (balanced accuracy, *_macro, *_weighted) take the
 * classes as scikit-learn does when it infers them from the data: a class
 * absent from both the labels and the predictions of the subset is left
 * out. A macro average is undefined when a class left in has an undefined
 * value (precision of a class never predicted, recall of a class absent
 * from the labels); balanced accuracy averages the recall of the classes
 * present in the labels, as balanced_accuracy_score does; a weighted
 * average ignores classes of no support. Micro averages equal accuracy.
 * F1 (of a class) is undefined only when tp + fp + fn = 0; otherwise it is
 * 2 tp / (2 tp + fp + fn), 0 included, the value scikit-learn returns.
 *
 * Floating-point sums are compensated (Neumaier) and taken in the order of
 * s->rows (s->sorted for ranking metrics), so a call gives the same bits
 * for the same subset; ROC AUC and the count metrics are exact ratios of
 * integers rounded once or twice.
 */
#ifndef MLGATE_MODELMETRICS_H
#define MLGATE_MODELMETRICS_H

#include <stddef.h>
#include <stdint.h>

/* Every metric mlgate knows. The order is the order of reports. */
enum mlg_metric {
	/* classification, from labels and predicted labels */
	MLG_M_ACCURACY,
	MLG_M_BALANCED_ACCURACY, /* mean recall over classes */
	MLG_M_PRECISION,         /* binary: of the positive class */
	MLG_M_RECALL,            /* binary: of the positive class (true positive rate) */
	MLG_M_F1,
	MLG_M_PRECISION_MACRO,
	MLG_M_RECALL_MACRO,
	MLG_M_F1_MACRO,
	MLG_M_PRECISION_MICRO,
	MLG_M_RECALL_MICRO,
	MLG_M_F1_MICRO,
	MLG_M_PRECISION_WEIGHTED, /* weighted by support, as scikit-learn */
	MLG_M_RECALL_WEIGHTED,
	MLG_M_F1_WEIGHTED,
	MLG_M_MCC,               /* Matthews; multiclass as scikit-learn (Gorodkin) */
	/* binary rates, for fairness gaps */
	MLG_M_FPR,               /* false positive rate */
	MLG_M_FNR,               /* false negative rate */
	MLG_M_TNR,               /* true negative rate (specificity) */
	MLG_M_POSITIVE_RATE,     /* share predicted positive (demographic parity) */
	/* classification, from scores */
	MLG_M_ROC_AUC,           /* binary; multiclass: one-vs-rest, unweighted mean */
	MLG_M_AVERAGE_PRECISION, /* binary only, as average_precision_score */
	MLG_M_LOG_LOSS,          /* probabilities clipped to [1e-15, 1-1e-15], rows renormalised */
	MLG_M_BRIER,             /* binary only */
	MLG_M_ECE,               /* expected calibration error, equal-width bins (see ece_bins) */
	/* regression */
	MLG_M_RMSE,
	MLG_M_MSE,
	MLG_M_MAE,
	MLG_M_MAPE,              /* |y - p| / max(|y|, DBL_EPSILON), as scikit-learn */
	MLG_M_R2,
	MLG_M_MAX_ERROR,
	MLG_M_MEDIAN_ABSOLUTE_ERROR,
	MLG_M_COUNT
};

/* What a metric is computed from; a kind refuses metrics it cannot feed. */
#define MLG_MF_BINARY 0x01     /* defined for two classes */
#define MLG_MF_MULTICLASS 0x02 /* defined for more than two classes */
#define MLG_MF_REGRESSION 0x04
#define MLG_MF_SCORES 0x08     /* needs scores (not only predicted labels) */
#define MLG_MF_PROBS 0x10      /* needs probabilities in [0, 1] */
#define MLG_MF_RANKS 0x20      /* needs the subset in score order */
#define MLG_MF_LOWER 0x40      /* lower is better */

struct mlg_metric_info {
	const char *name;  /* "roc_auc" */
	unsigned int flags;
	const char *doc;   /* one line, for README and `explain` */
};

/** The table entry of metric m (m < MLG_M_COUNT). */
const struct mlg_metric_info *mlg_metric_info(enum mlg_metric m);
/** The metric called `name`, or -1. */
int mlg_metric_lookup(const char *name);

/* One computed metric. */
struct mlg_metric_value {
	double value;          /* meaningful only when undefined is NULL */
	const char *undefined; /* NULL, or why there is no value (static text,
	                        * e.g. "only one class is present") */
};

/*
 * Classification rows, owned by the caller. Classes are indices
 * 0..nclasses-1; for two classes, 1 is the positive class.
 */
struct mlg_cls_data {
	size_t nclasses;       /* >= 2 */
	const uint16_t *label; /* true class per row */
	const uint16_t *pred;  /* predicted class per row (from the threshold or argmax) */
	const double *score;   /* NULL without scores; binary: the positive class's score
	                        * per row; multiclass: nclasses per row, row-major */
	unsigned int ece_bins; /* > 0: bins of the expected calibration error. A
	                        * score p falls in bin min(bins - 1, floor(p * bins))
	                        * of [0, 1]; ECE = sum over bins of
	                        * n_bin / n * |accuracy_bin - confidence_bin|.
	                        * Binary: confidence = the positive-class score,
	                        * accuracy = the share of true positives in the bin.
	                        * Multiclass: confidence = the row's top score,
	                        * accuracy = the share with pred == label. */
};

/*
 * A subset of rows. `weight`, when not NULL, is indexed by ROW NUMBER and
 * gives each row's multiplicity (a bootstrap resample); rows of weight 0
 * count as absent.
 */
struct mlg_subset {
	size_t n;
	const uint32_t *rows;           /* the subset's rows, any order */
	const uint32_t *const *sorted;  /* binary: sorted[0] = the rows by ascending score;
	                                 * multiclass: sorted[c] by ascending score of class c;
	                                 * each the same n rows as `rows`, in any order among
	                                 * equal scores; NULL when no ranking metric is wanted */
	const uint32_t *weight;
};

/*
 * Confusion matrix of a subset: counts[t * nclasses + p] rows of true
 * class t predicted p (weighted). Caller allocates nclasses^2 entries.
 */
void mlg_confusion(const struct mlg_cls_data *d, const struct mlg_subset *s, uint64_t *counts);

/**
 * Computes the classification metrics listed in want[0..nwant) into
 * out[0..nwant). A metric the data cannot give (a regression metric, a
 * binary-only one on three classes, a score metric without scores) is
 * undefined with a reason saying so. Probability metrics assume scores in
 * [0, 1] (the caller checks while reading). Allocates only scratch space.
 */
void mlg_cls_metrics(const struct mlg_cls_data *d, const struct mlg_subset *s,
		     const int *want, size_t nwant, struct mlg_metric_value *out);

/**
 * mlg_cls_metrics() for every group of a partition of s at once: group[row]
 * (indexed by row number) names the group of each row, and out[g * nwant
 * + i] receives metric want[i] over the rows of s in group g (rows whose
 * group is >= ngroups are in none). The values are those of
 * mlg_cls_metrics() on each group's rows (listed in s->rows order, and
 * weighted by s->weight), bit for bit, from one pass over
 * s->rows and one down each of s->sorted, however many groups: a slice
 * column (or a cross of columns) coded 0..ngroups-1 costs what the whole
 * does, where a call per slice would stream all the columns once per
 * slice. Allocates scratch proportional to ngroups.
 */
void mlg_cls_metrics_by_group(const struct mlg_cls_data *d, const struct mlg_subset *s,
			      const uint32_t *group, size_t ngroups,
			      const int *want, size_t nwant, struct mlg_metric_value *out);

/* Regression rows, owned by the caller. */
struct mlg_reg_data {
	const double *y;    /* true values */
	const double *pred; /* predicted values */
};

/** As mlg_cls_metrics(), for regression metrics (s->sorted unused). */
void mlg_reg_metrics(const struct mlg_reg_data *d, const struct mlg_subset *s,
		     const int *want, size_t nwant, struct mlg_metric_value *out);

/** As mlg_cls_metrics_by_group(), for regression metrics. */
void mlg_reg_metrics_by_group(const struct mlg_reg_data *d, const struct mlg_subset *s,
			      const uint32_t *group, size_t ngroups,
			      const int *want, size_t nwant, struct mlg_metric_value *out);

/**
 * Sorts row numbers rows[0..n) by ascending key[row * stride] (finite
 * doubles, -0 equal to 0), stably (ties keep their order): a radix sort on
 * the keys' order-preserving bit patterns (one pass over memory on the top
 * bits that vary, then the rest in cache). For class c of multiclass
 * scores pass key = score + c and stride = nclasses. Allocates scratch of
 * 12 bytes per row, up to 24 when the keys crowd into a narrow range (none
 * for n <= 48), freed before it returns; returns -1 (rows untouched) when
 * an allocation fails, else 0.
 */
int mlg_sort_scores(uint32_t *rows, size_t n, const double *key, size_t stride);

/* McNemar's test on paired correct/incorrect outcomes. */
struct mlg_mcnemar {
	uint64_t b;            /* baseline right, candidate wrong */
	uint64_t c;            /* baseline wrong, candidate right */
	double exact_p;        /* two-sided binomial test of b among b + c at 1/2:
	                        * min(1, 2 P(X <= min(b, c))), X ~ Binomial(b + c, 1/2) */
	double chi2;           /* max(|b - c| - 1, 0)^2 / (b + c), continuity-corrected
	                        * (Edwards); 0 when b + c = 0 */
	double chi2_p;         /* upper tail of chi-square with 1 degree of freedom,
	                        * erfc(sqrt(chi2 / 2)) */
	int exact;             /* 1: p is exact_p (b + c < MLG_MCNEMAR_EXACT_BELOW) */
	double p;              /* the p-value the gate uses */
};
#define MLG_MCNEMAR_EXACT_BELOW 25

/** Fills *out for the discordant counts b and c. p = 1 when b + c = 0. */
void mlg_mcnemar(uint64_t b, uint64_t c, struct mlg_mcnemar *out);

/*
 * The seeded bootstrap. Resample r of a subset of n rows draws n rows
 * uniformly with replacement, from a generator seeded by (seed, stream, r)
 * alone: the same seed gives the same resamples whatever the thread count,
 * and two metrics (or a candidate and its baseline, paired) resampled with
 * the same (seed, stream, r) see the same rows.
 */
struct mlg_rng {
	uint64_t s[4];
};

/**
 * Seeds a xoshiro256** generator from (seed, stream, index) via splitmix64:
 * with f(z) the first output of splitmix64 started at state z, the key is
 * k = f(f(f(seed) ^ stream) ^ index) and the four state words are the first
 * four outputs of splitmix64 started at k. Fixed forever: a change would
 * change every reported interval.
 */
void mlg_rng_seed(struct mlg_rng *rng, uint64_t seed, uint64_t stream, uint64_t index);
/** A uniform 64-bit value. */
uint64_t mlg_rng_next(struct mlg_rng *rng);
/** A uniform integer in [0, n), n > 0, without modulo bias (Lemire). */
uint64_t mlg_rng_below(struct mlg_rng *rng, uint64_t n);

/**
 * Draws resample r of s->rows: s->n draws of s->rows[mlg_rng_below(n)]
 * from the generator seeded (seed, stream, r), each adding 1 to
 * weight[row] (indexed by row number; the caller zeroes the entries of
 * s->rows before, and after use). The resample depends on the order of
 * s->rows; s->weight is not read.
 */
void mlg_bootstrap_draw(const struct mlg_subset *s, uint64_t seed, uint64_t stream, uint64_t r,
			uint32_t *weight);

/* Percentile intervals use mlg_stats_quantiles() (mlgate/stats.h). */

#endif
