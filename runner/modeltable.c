/*
 * The table of model metrics: names, what each needs, and the one-line
 * documentation that `mlgate explain` and the README print (see
 * mlgate/modelmetrics.h).
 */
#include <string.h>

#include "mlgate/modelmetrics.h"

#define B MLG_MF_BINARY
#define M MLG_MF_MULTICLASS
#define BM (MLG_MF_BINARY | MLG_MF_MULTICLASS)
#define PROBS (MLG_MF_SCORES | MLG_MF_PROBS)
#define REG (MLG_MF_REGRESSION | MLG_MF_LOWER)

static const struct mlg_metric_info metric_table[MLG_M_COUNT] = {
	[MLG_M_ACCURACY] = { "accuracy", BM,
		"share of rows whose predicted class is the true class" },
	[MLG_M_BALANCED_ACCURACY] = { "balanced_accuracy", BM,
		"mean of the per-class recall over the classes present in the labels" },
	[MLG_M_PRECISION] = { "precision", B,
		"tp / (tp + fp): of the rows predicted positive (class 1), the share truly positive" },
	[MLG_M_RECALL] = { "recall", B,
		"tp / (tp + fn): of the truly positive rows, the share predicted positive (true positive rate)" },
	[MLG_M_F1] = { "f1", B,
		"2 tp / (2 tp + fp + fn), the harmonic mean of precision and recall" },
	[MLG_M_PRECISION_MACRO] = { "precision_macro", BM,
		"unweighted mean of the per-class precision" },
	[MLG_M_RECALL_MACRO] = { "recall_macro", BM,
		"unweighted mean of the per-class recall" },
	[MLG_M_F1_MACRO] = { "f1_macro", BM,
		"unweighted mean of the per-class F1" },
	[MLG_M_PRECISION_MICRO] = { "precision_micro", BM,
		"precision from the counts summed over classes (equals accuracy)" },
	[MLG_M_RECALL_MICRO] = { "recall_micro", BM,
		"recall from the counts summed over classes (equals accuracy)" },
	[MLG_M_F1_MICRO] = { "f1_micro", BM,
		"F1 from the counts summed over classes (equals accuracy)" },
	[MLG_M_PRECISION_WEIGHTED] = { "precision_weighted", BM,
		"mean of the per-class precision weighted by each class's true rows (support)" },
	[MLG_M_RECALL_WEIGHTED] = { "recall_weighted", BM,
		"mean of the per-class recall weighted by each class's true rows (support)" },
	[MLG_M_F1_WEIGHTED] = { "f1_weighted", BM,
		"mean of the per-class F1 weighted by each class's true rows (support)" },
	[MLG_M_MCC] = { "mcc", BM,
		"Matthews correlation coefficient, from -1 to 1 (multiclass: Gorodkin's R_K, as scikit-learn)" },
	[MLG_M_FPR] = { "fpr", B | MLG_MF_LOWER,
		"fp / (fp + tn): of the truly negative rows, the share predicted positive" },
	[MLG_M_FNR] = { "fnr", B | MLG_MF_LOWER,
		"fn / (fn + tp): of the truly positive rows, the share predicted negative" },
	[MLG_M_TNR] = { "tnr", B,
		"tn / (tn + fp): of the truly negative rows, the share predicted negative (specificity)" },
	[MLG_M_POSITIVE_RATE] = { "positive_rate", B,
		"(tp + fp) / n: the share of rows predicted positive (for demographic parity)" },
	[MLG_M_ROC_AUC] = { "roc_auc", BM | MLG_MF_SCORES | MLG_MF_RANKS,
		"area under the ROC curve: the chance a positive row outscores a negative one, ties "
		"counting half (multiclass: one-vs-rest, unweighted mean over classes)" },
	[MLG_M_AVERAGE_PRECISION] = { "average_precision", B | MLG_MF_SCORES | MLG_MF_RANKS,
		"sum over descending score thresholds of (R_n - R_n-1) * P_n, as scikit-learn's "
		"average_precision_score (no interpolation)" },
	[MLG_M_LOG_LOSS] = { "log_loss", BM | PROBS | MLG_MF_LOWER,
		"mean of -ln(probability of the true class), probabilities clipped to "
		"[1e-15, 1 - 1e-15] and each row renormalised to sum 1" },
	[MLG_M_BRIER] = { "brier", B | PROBS | MLG_MF_LOWER,
		"mean of (positive-class probability - 0/1 label)^2" },
	[MLG_M_ECE] = { "ece", BM | PROBS | MLG_MF_LOWER,
		"expected calibration error: sum over equal-width bins of [0, 1] "
		"(bin = min(bins - 1, floor(p * bins))) of n_bin / n * |accuracy - confidence|; "
		"binary: p = positive-class score against the share of positives, "
		"multiclass: p = top score against the share predicted right" },
	[MLG_M_RMSE] = { "rmse", REG,
		"square root of the mean of (y - prediction)^2" },
	[MLG_M_MSE] = { "mse", REG,
		"mean of (y - prediction)^2" },
	[MLG_M_MAE] = { "mae", REG,
		"mean of |y - prediction|" },
	[MLG_M_MAPE] = { "mape", REG,
		"mean of |y - prediction| / max(|y|, 2.2e-16), a fraction (not percent) as scikit-learn" },
	[MLG_M_R2] = { "r2", MLG_MF_REGRESSION,
		"coefficient of determination: 1 - sum (y - prediction)^2 / sum (y - mean y)^2" },
	[MLG_M_MAX_ERROR] = { "max_error", REG,
		"largest |y - prediction|" },
	[MLG_M_MEDIAN_ABSOLUTE_ERROR] = { "median_absolute_error", REG,
		"median of |y - prediction| (the mean of the two middle values for an even count)" },
};

const struct mlg_metric_info *mlg_metric_info(enum mlg_metric m)
{
	return (unsigned int)m < MLG_M_COUNT ? &metric_table[m] : NULL;
}

int mlg_metric_lookup(const char *name)
{
	if (!name)
		return -1;
	for (int m = 0; m < MLG_M_COUNT; m++)
		if (!strcmp(metric_table[m].name, name))
			return m;
	return -1;
}
