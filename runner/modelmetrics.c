/*
 * Classification metrics over a subset of rows held in memory, or over
 * every group of a partition of it at once (see mlgate/modelmetrics.h;
 * the metric table is in modeltable.c, regression in modelregression.c,
 * McNemar and the generator in modelsignificance.c, the score sort in
 * modelsort.c).
 *
 * A call makes at most two kinds of pass: one over s->rows, in row order,
 * that gathers every count and sum the wanted metrics need (confusion
 * counts, log loss, Brier, calibration bins), and one per class down
 * s->sorted for the ranking metrics (ROC AUC and average precision
 * together); each group keeps its own accumulators, so a slice column
 * costs no more passes than the whole. Counts are integers, so metrics
 * built from them are ratios rounded once; floating-point sums are
 * compensated. Definitions are scikit-learn 1.2's; its 0-with-a-warning
 * cases are undefined here.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "modelmetrics_internal.h"
#include "util.h"

/* Why a value is missing (static text; the kinds print it as is). */
static const char R_EMPTY[] = "the subset is empty";
static const char R_ONE_CLASS[] = "only one class is present";
static const char R_CLASS_ABSENT[] = "a class is absent from the labels";
static const char R_NO_PRED_POS[] = "no rows were predicted positive";
static const char R_NO_POS[] = "no rows are truly positive";
static const char R_NO_NEG[] = "no rows are truly negative";
static const char R_NO_POS_ANY[] = "no rows are positive, truly or predicted";
static const char R_NEVER_PREDICTED[] = "a class present in the labels was never predicted";
static const char R_PRED_NOT_TRUE[] = "a class was predicted that is absent from the labels";
static const char R_MCC[] = "the labels or the predictions hold a single class";
static const char R_BINARY_ONLY[] = "defined for two classes only";
static const char R_NO_SCORES[] = "needs scores";
static const char R_NO_PREDS[] = "needs predicted labels";
static const char R_NOT_RANKED[] = "needs the rows in score order";
static const char R_NOT_CLS[] = "not a classification metric";
static const char R_UNKNOWN[] = "not a metric";

/* log_loss clips as scikit-learn 1.2 does with eps=1e-15 (the oracles' choice) */
#define LOG_LOSS_EPS 1e-15
/* rows looked ahead in the ranking pass, whose reads are scattered */
#define PREFETCH_AHEAD 24

enum {
	NEED_COUNTS = 1,
	NEED_LOG_LOSS = 2,
	NEED_BRIER = 4,
	NEED_ECE = 8,
	NEED_RANKS = 16,
};

/* One group's sums from the pass over the rows. */
struct row_sums {
	uint64_t n;                 /* total weight */
	uint64_t tp, label1, pred1; /* binary counts (multiclass: in cls_work.cm) */
	struct mlg_ksum log_loss, brier;
};

/*
 * One group's walk down one class's score order, from the top: the open
 * tie group (its score, positives and negatives) and what lies above it.
 */
struct rank_sums {
	double cur;
	uint64_t gp, gn;
	uint64_t pos, neg;          /* above the open tie group; totals at the end */
	unsigned __int128 below2;   /* 2 x (positive, negative) pairs ranked wrong, ties half */
	struct mlg_ksum ap;         /* over thresholds: new positives x precision */
};

/* A call's inputs and its per-group accumulators. */
struct cls_work {
	const struct mlg_cls_data *d;
	const struct mlg_subset *s;
	const uint32_t *group;      /* NULL: one group */
	size_t ngroups;
	unsigned int need, bins;
	struct row_sums *sums;      /* [ngroups] */
	uint64_t *cm;               /* multiclass: [ngroups][k][k] */
	uint64_t *bin_n;            /* [ngroups][bins]: rows */
	uint64_t *bin_hits;         /* positives (binary) or right predictions (multiclass) */
	struct mlg_ksum *bin_conf;  /* confidence */
	struct rank_sums *ranks;    /* [class][ngroups] */
};

static inline double clip_prob(double p)
{
	return p < LOG_LOSS_EPS ? LOG_LOSS_EPS : p > 1 - LOG_LOSS_EPS ? 1 - LOG_LOSS_EPS : p;
}

static inline unsigned int ece_bin(double p, unsigned int bins)
{
	double x = p * bins;

	/* NaN and negatives (which the caller rules out) land in bin 0 */
	return x >= bins ? bins - 1 : x > 0 ? (unsigned int)x : 0;
}

/*
 * The pass over binary rows: the 2x2 matrix comes from three sums (tp,
 * true and predicted positives). `weighted` and `grouped` are constants in
 * each inlined copy, so the one-group case keeps its sums in registers.
 */
static inline __attribute__((always_inline)) void
scan_binary(struct cls_work *w, int weighted, int grouped)
{
	const struct mlg_cls_data *d = w->d;
	const struct mlg_subset *s = w->s;
	unsigned int need = w->need, bins = w->bins;
	struct row_sums one;

	memset(&one, 0, sizeof(one));
	for (size_t i = 0; i < s->n; i++) {
		uint32_t row = s->rows[i];
		uint64_t wt = weighted ? s->weight[row] : 1;
		size_t g = grouped ? w->group[row] : 0;
		struct row_sums *a = grouped ? &w->sums[g] : &one;
		unsigned int l;

		if ((weighted && !wt) || (grouped && g >= w->ngroups))
			continue;
		l = d->label[row];
		a->n += wt;
		if (need & NEED_COUNTS) {
			unsigned int q = d->pred[row];

			a->tp += wt * (l & q);
			a->label1 += wt * l;
			a->pred1 += wt * q;
		}
		if (need & (NEED_LOG_LOSS | NEED_BRIER | NEED_ECE)) {
			double p = d->score[row];

			if (need & NEED_LOG_LOSS) {
				/* as scikit-learn: the row [1 - p, p] divided by its sum */
				double pc = clip_prob(p), qc = 1 - pc;

				mlg_ksum_add(&a->log_loss, -log((l ? pc : qc) / (qc + pc)) * (double)wt);
			}
			if (need & NEED_BRIER) {
				double e = p - (double)l;

				mlg_ksum_add(&a->brier, e * e * (double)wt);
			}
			if (need & NEED_ECE) {
				size_t b = g * bins + ece_bin(p, bins);

				w->bin_n[b] += wt;
				w->bin_hits[b] += wt * l;
				mlg_ksum_add(&w->bin_conf[b], p * (double)wt);
			}
		}
	}
	if (!grouped)
		w->sums[0] = one;
}

static inline __attribute__((always_inline)) void
scan_multiclass(struct cls_work *w, int weighted, int grouped)
{
	const struct mlg_cls_data *d = w->d;
	const struct mlg_subset *s = w->s;
	size_t k = d->nclasses;
	unsigned int need = w->need, bins = w->bins;
	struct row_sums one;

	memset(&one, 0, sizeof(one));
	for (size_t i = 0; i < s->n; i++) {
		uint32_t row = s->rows[i];
		uint64_t wt = weighted ? s->weight[row] : 1;
		size_t g = grouped ? w->group[row] : 0;
		struct row_sums *a = grouped ? &w->sums[g] : &one;
		unsigned int l;

		if ((weighted && !wt) || (grouped && g >= w->ngroups))
			continue;
		l = d->label[row];
		a->n += wt;
		if (need & NEED_COUNTS)
			w->cm[(g * k + l) * k + d->pred[row]] += wt;
		if (need & (NEED_LOG_LOSS | NEED_ECE)) {
			const double *p = d->score + (size_t)row * k;

			if (need & NEED_LOG_LOSS) {
				double sum = 0, mine = 0;

				for (size_t c = 0; c < k; c++) {
					double v = clip_prob(p[c]);

					sum += v;
					if (c == l)
						mine = v;
				}
				mlg_ksum_add(&a->log_loss, -log(mine / sum) * (double)wt);
			}
			if (need & NEED_ECE) {
				double top = p[0];
				size_t b;

				for (size_t c = 1; c < k; c++)
					if (p[c] > top)
						top = p[c];
				b = g * bins + ece_bin(top, bins);
				w->bin_n[b] += wt;
				w->bin_hits[b] += wt * (d->pred[row] == l);
				mlg_ksum_add(&w->bin_conf[b], top * (double)wt);
			}
		}
	}
	if (!grouped)
		w->sums[0] = one;
}

static void scan_rows(struct cls_work *w)
{
	int weighted = w->s->weight != NULL, grouped = w->group != NULL;

	/* one inlined copy per case: the loops carry no tests of their own */
	if (w->d->nclasses == 2) {
		if (weighted && grouped)
			scan_binary(w, 1, 1);
		else if (weighted)
			scan_binary(w, 1, 0);
		else if (grouped)
			scan_binary(w, 0, 1);
		else
			scan_binary(w, 0, 0);
	} else {
		if (weighted && grouped)
			scan_multiclass(w, 1, 1);
		else if (weighted)
			scan_multiclass(w, 1, 0);
		else if (grouped)
			scan_multiclass(w, 0, 1);
		else
			scan_multiclass(w, 0, 0);
	}
}

/*
 * Closes the open tie group: its positives are outranked by every negative
 * above (a pair ranked wrong each) and tie with its own negatives (half a
 * pair each); and it adds its positives times the precision at its
 * threshold to average precision.
 */
static inline void close_ties(struct rank_sums *r)
{
	r->below2 += 2 * (unsigned __int128)r->gp * r->neg + (unsigned __int128)r->gp * r->gn;
	r->pos += r->gp;
	r->neg += r->gn;
	if (r->gp)
		mlg_ksum_add(&r->ap, (double)r->gp * ((double)r->pos / (double)(r->pos + r->neg)));
	r->gp = r->gn = 0;
}

/*
 * From the highest score down, tie group by tie group: ROC AUC is then
 * 1 - wrong / (P N) in integers (Mann-Whitney), and average precision
 * comes in the same walk. A group's rows are in score order within the
 * whole subset's, so one walk serves every group.
 */
static inline __attribute__((always_inline)) void
rank_walk(struct cls_work *w, size_t cls, int weighted, int grouped)
{
	const struct mlg_cls_data *d = w->d;
	const struct mlg_subset *s = w->s;
	size_t k = d->nclasses;
	/* binary: the score is the positive class's, one per row */
	size_t stride = k == 2 ? 1 : k;
	const double *score = k == 2 ? d->score : d->score + cls;
	const uint32_t *sorted = s->sorted[k == 2 ? 0 : cls];
	const uint16_t *label = d->label;
	unsigned int positive = k == 2 ? 1 : (unsigned int)cls;
	struct rank_sums *states = w->ranks + cls * w->ngroups, one;

	memset(&one, 0, sizeof(one));
	for (size_t i = s->n; i-- > 0;) {
		uint32_t row = sorted[i];
		uint64_t wt;
		size_t g;
		struct rank_sums *r;
		double v;

		if (i >= PREFETCH_AHEAD) {
			uint32_t ahead = sorted[i - PREFETCH_AHEAD];

			__builtin_prefetch(&label[ahead]);
			__builtin_prefetch(&score[(size_t)ahead * stride]);
			if (weighted)
				__builtin_prefetch(&s->weight[ahead]);
			if (grouped)
				__builtin_prefetch(&w->group[ahead]);
		}
		wt = weighted ? s->weight[row] : 1;
		g = grouped ? w->group[row] : 0;
		if ((weighted && !wt) || (grouped && g >= w->ngroups))
			continue;
		r = grouped ? &states[g] : &one;
		v = score[(size_t)row * stride];
		if (v != r->cur && (r->gp | r->gn))
			close_ties(r);
		r->cur = v;
		if (label[row] == positive)
			r->gp += wt;
		else
			r->gn += wt;
	}
	if (!grouped)
		states[0] = one;
	for (size_t g = 0; g < w->ngroups; g++)
		close_ties(&states[g]);
}

static void rank_pass(struct cls_work *w, size_t cls)
{
	int weighted = w->s->weight != NULL, grouped = w->group != NULL;

	if (weighted && grouped)
		rank_walk(w, cls, 1, 1);
	else if (weighted)
		rank_walk(w, cls, 1, 0);
	else if (grouped)
		rank_walk(w, cls, 0, 1);
	else
		rank_walk(w, cls, 0, 0);
}

/* ROC AUC of one walk; NULL reason when defined. */
static const char *rank_auc(const struct rank_sums *r, double *auc)
{
	unsigned __int128 pairs2;

	if (!r->pos || !r->neg)
		return R_ONE_CLASS;
	pairs2 = 2 * (unsigned __int128)r->pos * r->neg;
	*auc = (double)(pairs2 - r->below2) / (double)pairs2;
	return NULL;
}

/* One group's confusion matrix, summed by class. */
struct class_counts {
	size_t k;
	uint64_t n;
	uint64_t *tp, *truth, *predicted;
	uint64_t tn2, fp2, fn2, tp2; /* binary */
};

enum average { AVG_MACRO, AVG_WEIGHTED };
enum which { W_PRECISION, W_RECALL, W_F1 };

/*
 * A per-class precision, recall or F1 averaged over the classes present
 * in the labels or the predictions (macro) or weighted by support.
 */
static void class_average(const struct class_counts *cc, enum which what, enum average avg,
			  struct mlg_metric_value *out)
{
	double sum = 0;
	size_t present = 0;

	for (size_t c = 0; c < cc->k; c++) {
		uint64_t tp = cc->tp[c], t = cc->truth[c], p = cc->predicted[c];
		double v;

		if (!t && !p)
			continue;
		if (avg == AVG_WEIGHTED && !t)
			continue; /* weight 0 */
		present++;
		switch (what) {
		case W_PRECISION:
			if (!p) {
				mlg_metric_unset(out, R_NEVER_PREDICTED);
				return;
			}
			v = (double)tp / (double)p;
			break;
		case W_RECALL:
			if (!t) {
				mlg_metric_unset(out, R_PRED_NOT_TRUE);
				return;
			}
			v = (double)tp / (double)t;
			break;
		default:
			v = 2 * (double)tp / (double)(t + p);
			break;
		}
		sum += avg == AVG_WEIGHTED ? v * (double)t : v;
	}
	mlg_metric_set(out, avg == AVG_WEIGHTED ? sum / (double)cc->n : sum / (double)present);
}

/*
 * Matthews' coefficient as scikit-learn computes it for any number of
 * classes; the covariances are exact integers (counts below 2^62).
 */
static void mcc(const struct class_counts *cc, struct mlg_metric_value *out)
{
	__int128 n = cc->n, correct = 0, tp_dot = 0, pp = 0, tt = 0;
	__int128 cov_tp, cov_pp, cov_tt;

	for (size_t c = 0; c < cc->k; c++) {
		correct += cc->tp[c];
		tp_dot += (__int128)cc->truth[c] * cc->predicted[c];
		pp += (__int128)cc->predicted[c] * cc->predicted[c];
		tt += (__int128)cc->truth[c] * cc->truth[c];
	}
	cov_tp = correct * n - tp_dot;
	cov_pp = n * n - pp;
	cov_tt = n * n - tt;
	if (!cov_pp || !cov_tt) {
		mlg_metric_unset(out, R_MCC);
		return;
	}
	mlg_metric_set(out, (double)cov_tp / sqrt((double)cov_tt * (double)cov_pp));
}

static double ratio(uint64_t a, uint64_t b)
{
	return (double)a / (double)b;
}

static void ratio_or(struct mlg_metric_value *v, uint64_t a, uint64_t b, const char *why)
{
	if (b)
		mlg_metric_set(v, ratio(a, b));
	else
		mlg_metric_unset(v, why);
}

/* A metric of group g from the row pass (counts, log loss, Brier, ECE). */
static void count_metric(int m, const struct cls_work *w, size_t g, const struct class_counts *cc,
			 struct mlg_metric_value *out)
{
	const struct row_sums *a = &w->sums[g];
	/* binary counts, class 1 positive */
	uint64_t tn = cc->tn2, fp = cc->fp2, fn = cc->fn2, tp = cc->tp2;

	switch (m) {
	case MLG_M_ACCURACY:
	case MLG_M_PRECISION_MICRO:
	case MLG_M_RECALL_MICRO:
	case MLG_M_F1_MICRO: {
		uint64_t right = 0;

		for (size_t c = 0; c < cc->k; c++)
			right += cc->tp[c];
		mlg_metric_set(out, ratio(right, a->n));
		break;
	}
	case MLG_M_BALANCED_ACCURACY: {
		double sum = 0;
		size_t present = 0;

		for (size_t c = 0; c < cc->k; c++)
			if (cc->truth[c]) {
				sum += ratio(cc->tp[c], cc->truth[c]);
				present++;
			}
		mlg_metric_set(out, sum / (double)present);
		break;
	}
	case MLG_M_PRECISION:
		ratio_or(out, tp, tp + fp, R_NO_PRED_POS);
		break;
	case MLG_M_RECALL:
		ratio_or(out, tp, tp + fn, R_NO_POS);
		break;
	case MLG_M_F1:
		ratio_or(out, 2 * tp, 2 * tp + fp + fn, R_NO_POS_ANY);
		break;
	case MLG_M_PRECISION_MACRO:
		class_average(cc, W_PRECISION, AVG_MACRO, out);
		break;
	case MLG_M_RECALL_MACRO:
		class_average(cc, W_RECALL, AVG_MACRO, out);
		break;
	case MLG_M_F1_MACRO:
		class_average(cc, W_F1, AVG_MACRO, out);
		break;
	case MLG_M_PRECISION_WEIGHTED:
		class_average(cc, W_PRECISION, AVG_WEIGHTED, out);
		break;
	case MLG_M_RECALL_WEIGHTED:
		class_average(cc, W_RECALL, AVG_WEIGHTED, out);
		break;
	case MLG_M_F1_WEIGHTED:
		class_average(cc, W_F1, AVG_WEIGHTED, out);
		break;
	case MLG_M_MCC:
		mcc(cc, out);
		break;
	case MLG_M_FPR:
		ratio_or(out, fp, fp + tn, R_NO_NEG);
		break;
	case MLG_M_FNR:
		ratio_or(out, fn, fn + tp, R_NO_POS);
		break;
	case MLG_M_TNR:
		ratio_or(out, tn, fp + tn, R_NO_NEG);
		break;
	case MLG_M_POSITIVE_RATE:
		mlg_metric_set(out, ratio(tp + fp, a->n));
		break;
	case MLG_M_LOG_LOSS:
		mlg_metric_set(out, mlg_ksum_value(&a->log_loss) / (double)a->n);
		break;
	case MLG_M_BRIER:
		mlg_metric_set(out, mlg_ksum_value(&a->brier) / (double)a->n);
		break;
	case MLG_M_ECE: {
		/* n_bin / n * |hits / n_bin - confidence / n_bin| = |hits - confidence| / n */
		struct mlg_ksum e = { 0, 0 };

		for (size_t b = g * w->bins; b < (g + 1) * w->bins; b++)
			if (w->bin_n[b])
				mlg_ksum_add(&e, fabs((double)w->bin_hits[b] -
						      mlg_ksum_value(&w->bin_conf[b])));
		mlg_metric_set(out, mlg_ksum_value(&e) / (double)a->n);
		break;
	}
	default:
		mlg_metric_unset(out, R_UNKNOWN);
		break;
	}
}

/* A ranking metric of group g. */
static void rank_metric(int m, const struct cls_work *w, size_t g, struct mlg_metric_value *out)
{
	size_t k = w->d->nclasses;
	const struct rank_sums *r = &w->ranks[g];
	double auc = 0, sum = 0;
	const char *no = NULL;

	if (m == MLG_M_AVERAGE_PRECISION) {
		if (!r->pos || !r->neg)
			mlg_metric_unset(out, R_ONE_CLASS);
		else
			mlg_metric_set(out, mlg_ksum_value(&r->ap) / (double)r->pos);
		return;
	}
	if (k == 2) {
		no = rank_auc(r, &auc);
		sum = auc;
	} else {
		/* one-vs-rest, unweighted mean over the classes */
		for (size_t c = 0; c < k && !no; c++) {
			r = &w->ranks[c * w->ngroups + g];
			no = !r->pos ? R_CLASS_ABSENT : rank_auc(r, &auc);
			sum += auc;
		}
		sum /= (double)k;
	}
	if (no)
		mlg_metric_unset(out, no);
	else
		mlg_metric_set(out, sum);
}

/* What metric m needs, or the reason it cannot be had from d and s. */
static const char *cls_needs(int m, const struct mlg_cls_data *d, const struct mlg_subset *s,
			     unsigned int *need)
{
	unsigned int flags;

	if (m < 0 || m >= MLG_M_COUNT)
		return R_UNKNOWN;
	flags = mlg_metric_info(m)->flags;
	if (flags & MLG_MF_REGRESSION)
		return R_NOT_CLS;
	if (d->nclasses != 2 && !(flags & MLG_MF_MULTICLASS))
		return R_BINARY_ONLY;
	if ((flags & MLG_MF_SCORES) && !d->score)
		return R_NO_SCORES;
	if ((flags & MLG_MF_RANKS) && !s->sorted)
		return R_NOT_RANKED;
	switch (m) {
	case MLG_M_ROC_AUC:
	case MLG_M_AVERAGE_PRECISION:
		*need |= NEED_RANKS;
		break;
	case MLG_M_LOG_LOSS:
		*need |= NEED_LOG_LOSS;
		break;
	case MLG_M_BRIER:
		*need |= NEED_BRIER;
		break;
	case MLG_M_ECE:
		if (d->nclasses != 2 && !d->pred)
			return R_NO_PREDS;
		*need |= NEED_ECE;
		break;
	default:
		if (!d->pred)
			return R_NO_PREDS;
		*need |= NEED_COUNTS;
		break;
	}
	return NULL;
}

/* Group g's confusion matrix summed by class, into cc (whose arrays hold k each). */
static void class_counts_of(const struct cls_work *w, size_t g, struct class_counts *cc)
{
	size_t k = w->d->nclasses;
	const struct row_sums *a = &w->sums[g];

	cc->k = k;
	cc->n = a->n;
	memset(cc->tp, 0, 3 * k * sizeof(uint64_t));
	if (k == 2) {
		cc->tp2 = a->tp;
		cc->fn2 = a->label1 - a->tp;
		cc->fp2 = a->pred1 - a->tp;
		cc->tn2 = a->n - a->label1 - a->pred1 + a->tp;
		cc->tp[0] = cc->tn2;
		cc->tp[1] = cc->tp2;
		cc->truth[0] = cc->tn2 + cc->fp2;
		cc->truth[1] = a->label1;
		cc->predicted[0] = cc->tn2 + cc->fn2;
		cc->predicted[1] = a->pred1;
		return;
	}
	cc->tn2 = cc->fp2 = cc->fn2 = cc->tp2 = 0;
	for (size_t t = 0; t < k; t++)
		for (size_t p = 0; p < k; p++) {
			uint64_t v = w->cm[(g * k + t) * k + p];

			cc->truth[t] += v;
			cc->predicted[p] += v;
			if (t == p)
				cc->tp[t] = v;
		}
}

static void cls_metrics(const struct mlg_cls_data *d, const struct mlg_subset *s,
			const uint32_t *group, size_t ngroups, const int *want, size_t nwant,
			struct mlg_metric_value *out)
{
	size_t k = d->nclasses, nrank = k == 2 ? 1 : k;
	const char **why = mlg_xcalloc(nwant, sizeof(*why));
	struct cls_work w;
	struct class_counts cc;

	memset(&w, 0, sizeof(w));
	w.d = d;
	w.s = s;
	w.group = group;
	w.ngroups = ngroups;
	for (size_t i = 0; i < nwant; i++)
		why[i] = cls_needs(want[i], d, s, &w.need);

	w.sums = mlg_xcalloc(ngroups, sizeof(*w.sums));
	if (k != 2 && (w.need & NEED_COUNTS))
		w.cm = mlg_xcalloc(ngroups * k * k, sizeof(*w.cm));
	if (w.need & NEED_ECE) {
		w.bins = d->ece_bins ? d->ece_bins : 1;
		w.bin_n = mlg_xcalloc(ngroups * w.bins, sizeof(*w.bin_n));
		w.bin_hits = mlg_xcalloc(ngroups * w.bins, sizeof(*w.bin_hits));
		w.bin_conf = mlg_xcalloc(ngroups * w.bins, sizeof(*w.bin_conf));
	}
	if (w.need & NEED_RANKS) {
		unsigned int row_need = w.need;

		w.ranks = mlg_xcalloc(nrank * ngroups, sizeof(*w.ranks));
		for (size_t c = 0; c < nrank; c++)
			rank_pass(&w, c);
		/* the ranking pass counts the rows itself: the row pass only if wanted */
		w.need &= ~(unsigned int)NEED_RANKS;
		if (w.need)
			scan_rows(&w);
		else
			for (size_t g = 0; g < ngroups; g++)
				w.sums[g].n = w.ranks[g].pos + w.ranks[g].neg;
		w.need = row_need;
	} else {
		scan_rows(&w);
	}

	cc.tp = mlg_xcalloc(3 * k, sizeof(uint64_t));
	cc.truth = cc.tp + k;
	cc.predicted = cc.truth + k;
	for (size_t g = 0; g < ngroups; g++) {
		struct mlg_metric_value *o = out + g * nwant;

		if (w.need & NEED_COUNTS)
			class_counts_of(&w, g, &cc);
		for (size_t i = 0; i < nwant; i++) {
			int m = want[i];

			if (why[i])
				mlg_metric_unset(&o[i], why[i]);
			else if (!w.sums[g].n)
				mlg_metric_unset(&o[i], R_EMPTY);
			else if (m == MLG_M_ROC_AUC || m == MLG_M_AVERAGE_PRECISION)
				rank_metric(m, &w, g, &o[i]);
			else
				count_metric(m, &w, g, &cc, &o[i]);
		}
	}

	free(cc.tp);
	free(w.sums);
	free(w.cm);
	free(w.bin_n);
	free(w.bin_hits);
	free(w.bin_conf);
	free(w.ranks);
	free(why);
}

void mlg_cls_metrics(const struct mlg_cls_data *d, const struct mlg_subset *s,
		     const int *want, size_t nwant, struct mlg_metric_value *out)
{
	cls_metrics(d, s, NULL, 1, want, nwant, out);
}

void mlg_cls_metrics_by_group(const struct mlg_cls_data *d, const struct mlg_subset *s,
			      const uint32_t *group, size_t ngroups, const int *want,
			      size_t nwant, struct mlg_metric_value *out)
{
	cls_metrics(d, s, group, ngroups, want, nwant, out);
}

void mlg_confusion(const struct mlg_cls_data *d, const struct mlg_subset *s, uint64_t *counts)
{
	size_t k = d->nclasses;
	struct row_sums sums;
	struct cls_work w;

	memset(&w, 0, sizeof(w));
	memset(&sums, 0, sizeof(sums));
	memset(counts, 0, k * k * sizeof(*counts));
	w.d = d;
	w.s = s;
	w.ngroups = 1;
	w.need = NEED_COUNTS;
	w.sums = &sums;
	w.cm = counts;
	scan_rows(&w);
	if (k == 2) {
		counts[3] = sums.tp;
		counts[2] = sums.label1 - sums.tp;
		counts[1] = sums.pred1 - sums.tp;
		counts[0] = sums.n - sums.label1 - sums.pred1 + sums.tp;
	}
}
