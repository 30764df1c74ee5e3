/*
 * Unit tests for the model metrics (runner/modeltable.c, modelmetrics.c,
 * modelregression.c, modelsignificance.c, modelsort.c).
 *
 * The oracle cases (tests/data/oracles/classification.json, regression.json
 * and significance.json, made with scikit-learn 1.2.1 and SciPy 1.10.1; see
 * SOURCES.txt there) must agree to 1e-9 relative, every expected value of
 * every case. Beyond them: a subset with multiplicities gives what the
 * expanded rows give; one call over a partition gives each group's own
 * call's bits; ranking metrics equal brute-force pair counts on heavily
 * tied scores; each undefined case says why; the generator gives fixed
 * values for a seed; and the radix sort equals a stable qsort.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mlgate/modelmetrics.h"

#define ORACLE_DIR "tests/data/oracles/"

/* Within 1e-9: relative, or absolute (1e-15) for values near 0. */
static int close_enough(double got, double want, double tol)
{
	return fabs(got - want) <= tol * fmax(fabs(want), 1e-6);
}

static void expect_close(const char *what, const char *name, double got, double want)
{
	if (!close_enough(got, want, 1e-9))
		fail_msg("%s: %s is %.17g, expected %.17g", name, what, got, want);
}

static int same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	if (!f)
		fail_msg("cannot open '%s' (tests run from the repository root)", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = 0;
	fclose(f);
	return buf;
}

static cJSON *read_oracle(const char *file, char **text)
{
	cJSON *root;

	*text = read_all(file);
	root = cJSON_Parse(*text);
	assert_non_null(root);
	return root;
}

static const cJSON *item(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!it)
		fail_msg("the oracle lacks '%s'", key);
	return it;
}

/* A deterministic generator for the test data (xorshift64*), apart from the one under test. */
static uint64_t rng_state = 88172645463325252ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static double uniform(void)
{
	return (double)(rng() >> 11) / 9007199254740992.0;
}

static int *all_metrics(void)
{
	static int want[MLG_M_COUNT];

	for (int m = 0; m < MLG_M_COUNT; m++)
		want[m] = m;
	return want;
}

static uint32_t *identity_rows(size_t n)
{
	uint32_t *rows = malloc((n + 1) * sizeof(*rows));

	assert_non_null(rows);
	for (size_t i = 0; i < n; i++)
		rows[i] = (uint32_t)i;
	return rows;
}

/*
 * The per-class orders a subset needs for ranking metrics, from the
 * subset's rows; free with free_sorted().
 */
static uint32_t **sort_subset(const struct mlg_cls_data *d, const uint32_t *rows, size_t n)
{
	size_t nrank = d->nclasses == 2 ? 1 : d->nclasses;
	uint32_t **sorted = calloc(nrank, sizeof(*sorted));

	assert_non_null(sorted);
	if (!d->score)
		return sorted; /* all NULL: nothing to rank by */
	for (size_t c = 0; c < nrank; c++) {
		sorted[c] = malloc((n + 1) * sizeof(uint32_t));
		assert_non_null(sorted[c]);
		memcpy(sorted[c], rows, n * sizeof(uint32_t));
		if (d->nclasses == 2)
			assert_int_equal(mlg_sort_scores(sorted[c], n, d->score, 1), 0);
		else
			assert_int_equal(mlg_sort_scores(sorted[c], n, d->score + c, d->nclasses), 0);
	}
	return sorted;
}

static void free_sorted(uint32_t **sorted, size_t nclasses)
{
	for (size_t c = 0; c < (nclasses == 2 ? 1 : nclasses); c++)
		free(sorted[c]);
	free(sorted);
}

static void expect_metric(const char *name, const char *metric, const struct mlg_metric_value *v,
			 double want)
{
	if (v->undefined)
		fail_msg("%s: %s is undefined (%s), expected %.17g", name, metric, v->undefined, want);
	expect_close(metric, name, v->value, want);
}

/* The oracle's name of a metric, as mlgate names it. */
static int oracle_metric(const char *key)
{
	if (!strcmp(key, "roc_auc_ovr_macro"))
		return MLG_M_ROC_AUC;
	return mlg_metric_lookup(key);
}

/*
 * Compares every expected value of one classification case; returns how
 * many were compared.
 */
static int check_cls_case(const char *name, const struct mlg_cls_data *d, size_t n,
			  const cJSON *expected)
{
	uint32_t *rows = identity_rows(n), **sorted = sort_subset(d, rows, n);
	struct mlg_subset s = { n, rows, (const uint32_t *const *)sorted, NULL };
	struct mlg_metric_value out[MLG_M_COUNT];
	const cJSON *e;
	int compared = 0;

	mlg_cls_metrics(d, &s, all_metrics(), MLG_M_COUNT, out);
	cJSON_ArrayForEach(e, expected) {
		const char *key = e->string;

		if (!strcmp(key, "confusion_matrix")) {
			size_t k = d->nclasses;
			uint64_t *cm = calloc(k * k, sizeof(*cm));
			const cJSON *line, *cell;
			size_t t = 0;

			assert_non_null(cm);
			mlg_confusion(d, &s, cm);
			assert_int_equal(cJSON_GetArraySize(e), k);
			cJSON_ArrayForEach(line, e) {
				size_t p = 0;

				assert_int_equal(cJSON_GetArraySize(line), k);
				cJSON_ArrayForEach(cell, line) {
					if (cm[t * k + p] != (uint64_t)cell->valuedouble)
						fail_msg("%s: confusion[%zu][%zu] is %llu, expected %g", name,
							 t, p, (unsigned long long)cm[t * k + p],
							 cell->valuedouble);
					p++;
				}
				t++;
			}
			free(cm);
		} else {
			int m = oracle_metric(key);

			if (m < 0)
				fail_msg("%s: the oracle has a metric this test does not know: %s", name,
					 key);
			if (cJSON_IsString(e)) {
				assert_string_equal(e->valuestring, "undefined");
				if (!out[m].undefined)
					fail_msg("%s: %s is %.17g, expected undefined", name, key,
						 out[m].value);
			} else {
				assert_true(cJSON_IsNumber(e));
				expect_metric(name, key, &out[m], e->valuedouble);
			}
		}
		compared++;
	}
	free_sorted(sorted, d->nclasses);
	free(rows);
	return compared;
}

static void test_oracle_binary(void **state)
{
	char *text;
	cJSON *root = read_oracle(ORACLE_DIR "classification.json", &text), *c;
	const cJSON *cases = item(root, "binary");
	int ncases = 0, nvalues = 0, nexpected = 0;

	(void)state;
	assert_true(cJSON_GetArraySize(cases) > 0);
	cJSON_ArrayForEach(c, cases) {
		const char *name = item(c, "name")->valuestring;
		const cJSON *y = item(c, "y_true"), *sc = item(c, "y_score"), *v;
		double threshold = item(c, "threshold")->valuedouble;
		size_t n = (size_t)cJSON_GetArraySize(y), i = 0;
		uint16_t *label = malloc(n * sizeof(*label)), *pred = malloc(n * sizeof(*pred));
		double *score = malloc(n * sizeof(*score));
		struct mlg_cls_data d = { 2, label, pred, score, 10 };

		assert_int_equal(cJSON_GetArraySize(sc), n);
		cJSON_ArrayForEach(v, y)
			label[i++] = (uint16_t)v->valueint;
		i = 0;
		cJSON_ArrayForEach(v, sc) {
			score[i] = v->valuedouble;
			pred[i] = score[i] >= threshold; /* as the oracle's notes say */
			i++;
		}
		nvalues += check_cls_case(name, &d, n, item(c, "expected"));
		nexpected += cJSON_GetArraySize(item(c, "expected"));
		free(label);
		free(pred);
		free(score);
		ncases++;
	}
	assert_int_equal(ncases, cJSON_GetArraySize(cases));
	assert_int_equal(nvalues, nexpected);
	assert_true(nvalues >= 50);
	cJSON_Delete(root);
	free(text);
}

static void test_oracle_multiclass(void **state)
{
	char *text;
	cJSON *root = read_oracle(ORACLE_DIR "classification.json", &text), *c;
	const cJSON *cases = item(root, "multiclass");
	int ncases = 0, nvalues = 0, nexpected = 0;

	(void)state;
	assert_true(cJSON_GetArraySize(cases) > 0);
	cJSON_ArrayForEach(c, cases) {
		const char *name = item(c, "name")->valuestring;
		const cJSON *y = item(c, "y_true"), *yp = item(c, "y_pred"), *prob = item(c, "y_prob");
		const cJSON *v, *r;
		size_t k = (size_t)cJSON_GetArraySize(item(c, "classes"));
		size_t n = (size_t)cJSON_GetArraySize(y), i = 0;
		uint16_t *label = malloc(n * sizeof(*label)), *pred = malloc(n * sizeof(*pred));
		double *score = malloc(n * k * sizeof(*score));
		struct mlg_cls_data d = { k, label, pred, score, 15 };

		assert_true(k > 2);
		assert_int_equal(cJSON_GetArraySize(yp), n);
		assert_int_equal(cJSON_GetArraySize(prob), n);
		cJSON_ArrayForEach(v, y)
			label[i++] = (uint16_t)v->valueint;
		i = 0;
		cJSON_ArrayForEach(v, yp)
			pred[i++] = (uint16_t)v->valueint;
		i = 0;
		cJSON_ArrayForEach(r, prob) {
			size_t j = 0, top = 0;

			assert_int_equal(cJSON_GetArraySize(r), k);
			cJSON_ArrayForEach(v, r) {
				score[i * k + j] = v->valuedouble;
				if (score[i * k + j] > score[i * k + top])
					top = j;
				j++;
			}
			/* the oracle's predictions are the argmax the kinds will compute */
			assert_int_equal(pred[i], top);
			i++;
		}
		nvalues += check_cls_case(name, &d, n, item(c, "expected"));
		nexpected += cJSON_GetArraySize(item(c, "expected"));
		free(label);
		free(pred);
		free(score);
		ncases++;
	}
	assert_int_equal(ncases, cJSON_GetArraySize(cases));
	assert_int_equal(nvalues, nexpected);
	assert_true(nvalues >= 20);
	cJSON_Delete(root);
	free(text);
}

static void test_oracle_regression(void **state)
{
	char *text;
	cJSON *root = read_oracle(ORACLE_DIR "regression.json", &text), *c;
	const cJSON *cases = item(root, "cases");
	int ncases = 0, nvalues = 0;

	(void)state;
	assert_true(cJSON_GetArraySize(cases) > 0);
	cJSON_ArrayForEach(c, cases) {
		const char *name = item(c, "name")->valuestring;
		const cJSON *y = item(c, "y_true"), *p = item(c, "y_pred"), *v, *e;
		size_t n = (size_t)cJSON_GetArraySize(y), i = 0;
		double *yt = malloc(n * sizeof(*yt)), *yp = malloc(n * sizeof(*yp));
		uint32_t *rows = identity_rows(n);
		struct mlg_reg_data d = { yt, yp };
		struct mlg_subset s = { n, rows, NULL, NULL };
		struct mlg_metric_value out[MLG_M_COUNT];

		assert_int_equal(cJSON_GetArraySize(p), n);
		cJSON_ArrayForEach(v, y)
			yt[i++] = v->valuedouble;
		i = 0;
		cJSON_ArrayForEach(v, p)
			yp[i++] = v->valuedouble;
		mlg_reg_metrics(&d, &s, all_metrics(), MLG_M_COUNT, out);
		cJSON_ArrayForEach(e, item(c, "expected")) {
			int m = mlg_metric_lookup(e->string);

			if (m < 0)
				fail_msg("%s: the oracle has a metric this test does not know: %s", name,
					 e->string);
			assert_true(mlg_metric_info(m)->flags & MLG_MF_REGRESSION);
			expect_metric(name, e->string, &out[m], e->valuedouble);
			nvalues++;
		}
		free(yt);
		free(yp);
		free(rows);
		ncases++;
	}
	assert_int_equal(ncases, cJSON_GetArraySize(cases));
	assert_int_equal(nvalues, ncases * 7);
	cJSON_Delete(root);
	free(text);
}

static void test_oracle_mcnemar(void **state)
{
	char *text;
	cJSON *root = read_oracle(ORACLE_DIR "significance.json", &text), *c;
	const cJSON *cases = item(root, "mcnemar");
	int ncases = 0;

	(void)state;
	assert_true(cJSON_GetArraySize(cases) > 0);
	cJSON_ArrayForEach(c, cases) {
		const char *name = item(c, "name")->valuestring;
		uint64_t b = (uint64_t)item(c, "baseline_right_candidate_wrong")->valuedouble;
		uint64_t cc = (uint64_t)item(c, "baseline_wrong_candidate_right")->valuedouble;
		const cJSON *e = item(c, "expected");
		struct mlg_mcnemar t;

		assert_int_equal(cJSON_GetArraySize(e), 3);
		mlg_mcnemar(b, cc, &t);
		assert_int_equal(t.b, b);
		assert_int_equal(t.c, cc);
		expect_close("exact_pvalue", name, t.exact_p, item(e, "exact_pvalue")->valuedouble);
		expect_close("chi2_corrected_statistic", name, t.chi2,
			     item(e, "chi2_corrected_statistic")->valuedouble);
		expect_close("chi2_corrected_pvalue", name, t.chi2_p,
			     item(e, "chi2_corrected_pvalue")->valuedouble);
		assert_int_equal(t.exact, b + cc < MLG_MCNEMAR_EXACT_BELOW);
		assert_true(same_bits(t.p, t.exact ? t.exact_p : t.chi2_p));
		ncases++;
	}
	assert_int_equal(ncases, 4);
	cJSON_Delete(root);
	free(text);
}

/*
 * Past the oracle: large counts, where the exact tail needs care, from
 * SciPy 1.10.1 (binomtest(min(b, c), b + c).pvalue and chi2.sf).
 */
static void test_mcnemar_more(void **state)
{
	static const struct {
		uint64_t b, c;
		double exact_p, chi2, chi2_p;
	} cases[] = {
		{ 500, 400, 0.0009564441369189373, 10.89, 0.0009668482847675553 },
		{ 700, 600, 0.006015793861044938, 7.53923076923077, 0.006036981097798615 },
		{ 5000, 4800, 0.04440414879984629, 4.040918367346939, 0.044409648402849236 },
		{ 12, 20, 0.21532714972272515, 1.53125, 0.21592493894013678 },
		{ 100000, 99000, 0.02512721768836082, 5.01508040201005, 0.02512746244231698 },
		{ 1, 30, 2.9802322387695312e-08, 25.29032258064516, 4.931769268078334e-07 },
		{ 400, 601, 2.2650733486610318e-10, 39.96003996003996, 2.59211792114396e-10 },
		{ 10, 14, 0.5412561893463135, 0.375, 0.5402913746074198 },
		{ 0, 1, 1.0, 0.0, 1.0 },
		{ 13, 12, 1.0, 0.0, 1.0 },
		{ 3, 1200, 0.0, 1189.0407315045718, 1.4691393363993542e-260 },
	};
	struct mlg_mcnemar t;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[64];

		snprintf(name, sizeof(name), "b=%llu c=%llu", (unsigned long long)cases[i].b,
			 (unsigned long long)cases[i].c);
		mlg_mcnemar(cases[i].b, cases[i].c, &t);
		if (cases[i].exact_p == 0)
			assert_true(t.exact_p < 1e-300);
		else
			expect_close("exact_p", name, t.exact_p, cases[i].exact_p);
		expect_close("chi2", name, t.chi2, cases[i].chi2);
		expect_close("chi2_p", name, t.chi2_p, cases[i].chi2_p);
		/* symmetric in b and c */
		{
			struct mlg_mcnemar u;

			mlg_mcnemar(cases[i].c, cases[i].b, &u);
			assert_true(same_bits(u.exact_p, t.exact_p));
			assert_true(same_bits(u.chi2_p, t.chi2_p));
		}
	}

	/* no discordant pairs: nothing to test, p = 1 */
	mlg_mcnemar(0, 0, &t);
	assert_true(t.exact_p == 1 && t.chi2 == 0 && t.chi2_p == 1 && t.p == 1);
	assert_int_equal(t.exact, 1);

	/* equal counts: the continuity correction stops at 0, not (0 - 1)^2 */
	mlg_mcnemar(40, 40, &t);
	assert_true(t.chi2 == 0 && t.chi2_p == 1 && t.p == 1);
	assert_int_equal(t.exact, 0);

	/* the switch to chi-square at b + c = 25 */
	mlg_mcnemar(5, 19, &t);
	assert_int_equal(t.exact, 1);
	assert_true(same_bits(t.p, t.exact_p));
	mlg_mcnemar(5, 20, &t);
	assert_int_equal(t.exact, 0);
	assert_true(same_bits(t.p, t.chi2_p));

	/*
	 * The two ways of summing the tail (2^-n upward up to n = 1000, from
	 * the saddle-point term downward past it) agree across the seam: the
	 * p-value of (k, n) moves smoothly from n = 1000 to 1001.
	 */
	{
		struct mlg_mcnemar u;

		mlg_mcnemar(470, 530, &t);  /* n = 1000 */
		mlg_mcnemar(470, 531, &u);  /* n = 1001 */
		assert_true(u.exact_p < t.exact_p && u.exact_p > 0.8 * t.exact_p);
		/* P(X <= 470) for n = 1000 and 1001: SciPy 1.10.1 binomtest */
		expect_close("exact_p", "b=470 c=530", t.exact_p, 0.06202319509836348);
		expect_close("exact_p", "b=470 c=531", u.exact_p, 0.057850522371686745);
	}
}

static void test_metric_table(void **state)
{
	(void)state;
	for (int m = 0; m < MLG_M_COUNT; m++) {
		const struct mlg_metric_info *info = mlg_metric_info(m);
		unsigned int kind;

		assert_non_null(info);
		assert_non_null(info->name);
		assert_non_null(info->doc);
		assert_true(strlen(info->doc) > 10);
		assert_null(strchr(info->doc, '\n'));
		assert_int_equal(mlg_metric_lookup(info->name), m);
		/* a metric is for regression, or for some classification */
		kind = info->flags & (MLG_MF_REGRESSION | MLG_MF_BINARY | MLG_MF_MULTICLASS);
		assert_true(kind == MLG_MF_REGRESSION || (kind && !(kind & MLG_MF_REGRESSION)));
		/* probabilities and ranks are kinds of scores */
		if (info->flags & (MLG_MF_PROBS | MLG_MF_RANKS))
			assert_true(info->flags & MLG_MF_SCORES);
		for (int o = 0; o < m; o++)
			assert_string_not_equal(mlg_metric_info(o)->name, info->name);
	}
	assert_int_equal(mlg_metric_lookup("roc_auc"), MLG_M_ROC_AUC);
	assert_int_equal(mlg_metric_lookup("f1_macro"), MLG_M_F1_MACRO);
	assert_int_equal(mlg_metric_lookup("median_absolute_error"), MLG_M_MEDIAN_ABSOLUTE_ERROR);
	assert_int_equal(mlg_metric_lookup("auc"), -1);
	assert_int_equal(mlg_metric_lookup(""), -1);
	assert_int_equal(mlg_metric_lookup(NULL), -1);
	assert_null(mlg_metric_info(MLG_M_COUNT));
	assert_true(mlg_metric_info(MLG_M_LOG_LOSS)->flags & MLG_MF_LOWER);
	assert_false(mlg_metric_info(MLG_M_ROC_AUC)->flags & MLG_MF_LOWER);
	assert_false(mlg_metric_info(MLG_M_BRIER)->flags & MLG_MF_MULTICLASS);
}

/* -------------------------------------------------------------------- */
/* Weights: a subset with multiplicities is the expanded rows            */
/* -------------------------------------------------------------------- */

struct cls_rows {
	size_t n, k;
	uint16_t *label, *pred;
	double *score;
};

static void cls_rows_alloc(struct cls_rows *r, size_t n, size_t k)
{
	r->n = n;
	r->k = k;
	r->label = malloc((n + 1) * sizeof(uint16_t));
	r->pred = malloc((n + 1) * sizeof(uint16_t));
	r->score = malloc((n + 1) * (k == 2 ? 1 : k) * sizeof(double));
	assert_true(r->label && r->pred && r->score);
}

static void cls_rows_free(struct cls_rows *r)
{
	free(r->label);
	free(r->pred);
	free(r->score);
}

/* Random rows with scores from a few levels (many ties) or continuous. */
static void random_cls(struct cls_rows *r, size_t n, size_t k, int levels)
{
	cls_rows_alloc(r, n, k);
	for (size_t i = 0; i < n; i++) {
		r->label[i] = (uint16_t)(rng() % k);
		if (k == 2) {
			double p = levels ? (double)(rng() % (uint64_t)(levels + 1)) / levels : uniform();

			/* scores lean toward the label, so metrics are far from chance */
			if (r->label[i] && rng() % 4)
				p = 1 - (1 - p) * 0.3;
			r->score[i] = p;
			r->pred[i] = p >= 0.5;
		} else {
			double sum = 0;
			size_t top = 0;

			for (size_t c = 0; c < k; c++) {
				double p = levels ? (double)(1 + rng() % (uint64_t)levels) : uniform() + 0.01;

				if (c == r->label[i])
					p *= 1.5;
				r->score[i * k + c] = p;
				sum += p;
			}
			for (size_t c = 0; c < k; c++) {
				r->score[i * k + c] /= sum;
				if (r->score[i * k + c] > r->score[i * k + top])
					top = c;
			}
			r->pred[i] = (uint16_t)top;
		}
	}
}

/* Compares two metric tables: count and rank metrics exactly, sums to 1e-12. */
static void expect_same_metrics(const char *what, const struct mlg_metric_value *a,
				const struct mlg_metric_value *b)
{
	for (int m = 0; m < MLG_M_COUNT; m++) {
		const char *name = mlg_metric_info(m)->name;

		if (!a[m].undefined != !b[m].undefined)
			fail_msg("%s: %s is %s in one and %s in the other", what, name,
				 a[m].undefined ? a[m].undefined : "defined",
				 b[m].undefined ? b[m].undefined : "defined");
		if (a[m].undefined) {
			assert_string_equal(a[m].undefined, b[m].undefined);
			continue;
		}
		switch (m) {
		case MLG_M_LOG_LOSS:
		case MLG_M_BRIER:
		case MLG_M_ECE:
		case MLG_M_RMSE:
		case MLG_M_MSE:
		case MLG_M_MAE:
		case MLG_M_MAPE:
		case MLG_M_R2:
			if (!close_enough(a[m].value, b[m].value, 1e-12))
				fail_msg("%s: %s is %.17g and %.17g", what, name, a[m].value,
					 b[m].value);
			break;
		default:
			if (!same_bits(a[m].value, b[m].value))
				fail_msg("%s: %s is %.17g and %.17g", what, name, a[m].value,
					 b[m].value);
		}
	}
}

/*
 * A random subset of the rows, each with a random multiplicity (some 0),
 * against a copy of the data in which each row appears that many times.
 * Rows outside the subset carry a large weight that must not be read.
 */
static void weighted_vs_expanded(size_t k, int levels)
{
	enum { N = 400 };
	struct cls_rows r, x;
	uint32_t *weight = malloc(N * sizeof(*weight)), *rows = malloc(N * sizeof(*rows));
	size_t nsub = 0, nx = 0;
	size_t stride = k == 2 ? 1 : k;

	assert_true(weight && rows);
	random_cls(&r, N, k, levels);
	cls_rows_alloc(&x, 4 * N, k);
	for (size_t i = 0; i < N; i++) {
		weight[i] = 1000000;
		if (rng() % 4 == 0)
			continue;
		rows[nsub++] = (uint32_t)i;
		weight[i] = (uint32_t)(rng() % 4);
		for (uint32_t t = 0; t < weight[i]; t++) {
			x.label[nx] = r.label[i];
			x.pred[nx] = r.pred[i];
			memcpy(&x.score[nx * stride], &r.score[i * stride], stride * sizeof(double));
			nx++;
		}
	}
	/* the subset's rows in a scrambled order: the metrics do not care */
	for (size_t i = nsub; i > 1; i--) {
		size_t j = rng() % i;
		uint32_t t = rows[i - 1];

		rows[i - 1] = rows[j];
		rows[j] = t;
	}
	{
		struct mlg_cls_data dw = { k, r.label, r.pred, r.score, 7 };
		struct mlg_cls_data dx = { k, x.label, x.pred, x.score, 7 };
		uint32_t **sw = sort_subset(&dw, rows, nsub), *xrows = identity_rows(nx);
		uint32_t **sx = sort_subset(&dx, xrows, nx);
		struct mlg_subset s = { nsub, rows, (const uint32_t *const *)sw, weight };
		struct mlg_subset e = { nx, xrows, (const uint32_t *const *)sx, NULL };
		struct mlg_metric_value ow[MLG_M_COUNT], ox[MLG_M_COUNT];
		uint64_t *cw = calloc(k * k, sizeof(uint64_t)), *cx = calloc(k * k, sizeof(uint64_t));
		uint64_t total = 0;

		assert_true(cw && cx);
		mlg_cls_metrics(&dw, &s, all_metrics(), MLG_M_COUNT, ow);
		mlg_cls_metrics(&dx, &e, all_metrics(), MLG_M_COUNT, ox);
		expect_same_metrics(k == 2 ? "binary weighted" : "multiclass weighted", ow, ox);
		mlg_confusion(&dw, &s, cw);
		mlg_confusion(&dx, &e, cx);
		for (size_t i = 0; i < k * k; i++)
			total += cw[i];
		assert_int_equal(total, nx);
		assert_memory_equal(cw, cx, k * k * sizeof(uint64_t));
		/* these were computed, not all undefined */
		assert_null(ow[MLG_M_ACCURACY].undefined);
		assert_null(ow[MLG_M_ROC_AUC].undefined);
		assert_null(ow[MLG_M_LOG_LOSS].undefined);
		if (ow[MLG_M_ROC_AUC].value <= 0.6)
			fail_msg("roc_auc %g: the test data should be better than chance",
				 ow[MLG_M_ROC_AUC].value);
		free(cw);
		free(cx);
		free_sorted(sw, k);
		free_sorted(sx, k);
		free(xrows);
	}
	cls_rows_free(&r);
	cls_rows_free(&x);
	free(weight);
	free(rows);
}

static void test_weights_binary(void **state)
{
	(void)state;
	for (int trial = 0; trial < 10; trial++)
		weighted_vs_expanded(2, trial & 1 ? 0 : 8);
}

static void test_weights_multiclass(void **state)
{
	(void)state;
	for (int trial = 0; trial < 10; trial++)
		weighted_vs_expanded(2 + 1 + (size_t)trial % 4, trial & 1 ? 0 : 5);
}

static void test_weights_regression(void **state)
{
	enum { N = 301 };
	double *y = malloc(N * sizeof(double)), *p = malloc(N * sizeof(double));
	double *xy = malloc(4 * N * sizeof(double)), *xp = malloc(4 * N * sizeof(double));
	uint32_t *weight = malloc(N * sizeof(uint32_t)), *rows = malloc(N * sizeof(uint32_t));

	(void)state;
	assert_true(y && p && xy && xp && weight && rows);
	for (int trial = 0; trial < 20; trial++) {
		size_t nsub = 0, nx = 0;
		struct mlg_metric_value ow[MLG_M_COUNT], ox[MLG_M_COUNT];

		for (size_t i = 0; i < N; i++) {
			/* coarse values: equal absolute errors, so the median lands on ties */
			y[i] = trial & 1 ? (double)(rng() % 20) - 5 : uniform() * 100 - 20;
			p[i] = y[i] + (trial & 1 ? (double)(rng() % 7) - 3 : uniform() * 10 - 5);
			weight[i] = 77777;
			if (rng() % 5 == 0)
				continue;
			rows[nsub++] = (uint32_t)i;
			weight[i] = (uint32_t)(rng() % 4);
			for (uint32_t t = 0; t < weight[i]; t++) {
				xy[nx] = y[i];
				xp[nx] = p[i];
				nx++;
			}
		}
		{
			struct mlg_reg_data dw = { y, p }, dx = { xy, xp };
			uint32_t *xrows = identity_rows(nx);
			struct mlg_subset s = { nsub, rows, NULL, weight }, e = { nx, xrows, NULL, NULL };

			mlg_reg_metrics(&dw, &s, all_metrics(), MLG_M_COUNT, ow);
			mlg_reg_metrics(&dx, &e, all_metrics(), MLG_M_COUNT, ox);
			expect_same_metrics("regression weighted", ow, ox);
			assert_null(ow[MLG_M_MEDIAN_ABSOLUTE_ERROR].undefined);
			assert_null(ow[MLG_M_R2].undefined);
			assert_string_equal(ow[MLG_M_ACCURACY].undefined, "not a regression metric");
			free(xrows);
		}
	}
	free(y);
	free(p);
	free(xy);
	free(xp);
	free(weight);
	free(rows);
}

/* -------------------------------------------------------------------- */
/* Groups: one call for a partition gives each group's own call's bits   */
/* -------------------------------------------------------------------- */

static void expect_identical(const char *what, size_t g, const struct mlg_metric_value *a,
			     const struct mlg_metric_value *b, size_t nwant)
{
	for (size_t i = 0; i < nwant; i++) {
		if (!a[i].undefined != !b[i].undefined ||
		    (a[i].undefined && strcmp(a[i].undefined, b[i].undefined)))
			fail_msg("%s, group %zu: %s is '%s' alone, '%s' by group", what, g,
				 mlg_metric_info((int)i)->name, a[i].undefined ? a[i].undefined : "defined",
				 b[i].undefined ? b[i].undefined : "defined");
		if (!a[i].undefined && !same_bits(a[i].value, b[i].value))
			fail_msg("%s, group %zu: %s is %.17g alone, %.17g by group", what, g,
				 mlg_metric_info((int)i)->name, a[i].value, b[i].value);
	}
}

/*
 * Rows of a random subset in G groups (group G - 1 left empty, some rows
 * in no group): each group's values from one grouped call equal, bit for
 * bit, those of a call on the group's rows alone (in the same order).
 */
static void groups_vs_alone(size_t k, int weighted)
{
	enum { N = 3000, G = 7 };
	struct cls_rows r;
	uint32_t *group = malloc(N * sizeof(*group)), *weight = malloc(N * sizeof(*weight));
	uint32_t *rows = malloc(N * sizeof(*rows)), *grows = malloc(N * sizeof(*grows));
	struct mlg_metric_value *by = malloc(G * MLG_M_COUNT * sizeof(*by)), alone[MLG_M_COUNT];
	size_t nsub = 0;

	assert_true(group && weight && rows && grows && by);
	random_cls(&r, N, k, 6);
	for (size_t i = 0; i < N; i++) {
		group[i] = (uint32_t)(rng() % (G - 1));
		if (rng() % 10 == 0)
			group[i] = rng() % 2 ? G : UINT32_MAX; /* in no group */
		weight[i] = (uint32_t)(rng() % 3);
		if (rng() % 5)
			rows[nsub++] = (uint32_t)i;
	}
	/* group 3: all one class, so some metrics are undefined there alone */
	for (size_t i = 0; i < N; i++)
		if (group[i] == 3)
			r.label[i] = 0;
	{
		struct mlg_cls_data d = { k, r.label, r.pred, r.score, 5 };
		uint32_t **sorted = sort_subset(&d, rows, nsub);
		struct mlg_subset s = { nsub, rows, (const uint32_t *const *)sorted,
					weighted ? weight : NULL };

		mlg_cls_metrics_by_group(&d, &s, group, G, all_metrics(), MLG_M_COUNT, by);
		for (uint32_t g = 0; g < G; g++) {
			size_t ng = 0;
			uint32_t **gs;

			for (size_t i = 0; i < nsub; i++)
				if (group[rows[i]] == g)
					grows[ng++] = rows[i];
			gs = sort_subset(&d, grows, ng);
			{
				struct mlg_subset sg = { ng, grows, (const uint32_t *const *)gs,
							 weighted ? weight : NULL };

				mlg_cls_metrics(&d, &sg, all_metrics(), MLG_M_COUNT, alone);
			}
			expect_identical(k == 2 ? "binary groups" : "multiclass groups", g, alone,
					 by + g * MLG_M_COUNT, MLG_M_COUNT);
			if (g == G - 1)
				assert_string_equal(by[g * MLG_M_COUNT + MLG_M_ACCURACY].undefined,
						    "the subset is empty");
			else
				assert_null(by[g * MLG_M_COUNT + MLG_M_LOG_LOSS].undefined);
			free_sorted(gs, k);
		}
		assert_string_equal(by[3 * MLG_M_COUNT + MLG_M_ROC_AUC].undefined,
				    "only one class is present");
		free_sorted(sorted, k);
	}
	cls_rows_free(&r);
	free(group);
	free(weight);
	free(rows);
	free(grows);
	free(by);
}

static void test_groups_classification(void **state)
{
	(void)state;
	groups_vs_alone(2, 0);
	groups_vs_alone(2, 1);
	groups_vs_alone(4, 0);
	groups_vs_alone(3, 1);
}

static void test_groups_regression(void **state)
{
	enum { N = 2000, G = 5 };
	double *y = malloc(N * sizeof(double)), *p = malloc(N * sizeof(double));
	uint32_t *group = malloc(N * sizeof(uint32_t)), *weight = malloc(N * sizeof(uint32_t));
	uint32_t *rows = malloc(N * sizeof(uint32_t)), *grows = malloc(N * sizeof(uint32_t));
	struct mlg_metric_value by[G * MLG_M_COUNT], alone[MLG_M_COUNT];
	struct mlg_reg_data d = { y, p };

	(void)state;
	assert_true(y && p && group && weight && rows && grows);
	for (int weighted = 0; weighted < 2; weighted++) {
		size_t nsub = 0;

		for (size_t i = 0; i < N; i++) {
			y[i] = (double)(rng() % 50) / 4;
			p[i] = y[i] + uniform() - 0.5;
			group[i] = (uint32_t)(rng() % (G - 1));
			if (group[i] == 2)
				y[i] = 7; /* constant: R^2 undefined there */
			if (rng() % 10 == 0)
				group[i] = G + 3;
			weight[i] = (uint32_t)(rng() % 3);
			if (rng() % 4)
				rows[nsub++] = (uint32_t)i;
		}
		{
			struct mlg_subset s = { nsub, rows, NULL, weighted ? weight : NULL };

			mlg_reg_metrics_by_group(&d, &s, group, G, all_metrics(), MLG_M_COUNT, by);
		}
		for (uint32_t g = 0; g < G; g++) {
			size_t ng = 0;

			for (size_t i = 0; i < nsub; i++)
				if (group[rows[i]] == g)
					grows[ng++] = rows[i];
			{
				struct mlg_subset sg = { ng, grows, NULL, weighted ? weight : NULL };

				mlg_reg_metrics(&d, &sg, all_metrics(), MLG_M_COUNT, alone);
			}
			expect_identical("regression groups", g, alone, by + g * MLG_M_COUNT, MLG_M_COUNT);
		}
		assert_null(by[0 * MLG_M_COUNT + MLG_M_MEDIAN_ABSOLUTE_ERROR].undefined);
		assert_string_equal(by[2 * MLG_M_COUNT + MLG_M_R2].undefined, "the true values are constant");
		assert_string_equal(by[(G - 1) * MLG_M_COUNT + MLG_M_MSE].undefined, "the subset is empty");
	}
	free(y);
	free(p);
	free(group);
	free(weight);
	free(rows);
	free(grows);
}

/* -------------------------------------------------------------------- */
/* Ranking metrics against brute force, on tied scores                   */
/* -------------------------------------------------------------------- */

/* 2 x the pairs (positive above negative), ties counting one (half of 2). */
static double brute_auc(const uint16_t *label, const double *score, size_t n, unsigned int pos)
{
	uint64_t good2 = 0, np = 0, nn = 0;

	for (size_t i = 0; i < n; i++) {
		if (label[i] == pos)
			np++;
		else
			nn++;
		if (label[i] != pos)
			continue;
		for (size_t j = 0; j < n; j++)
			if (label[j] != pos)
				good2 += score[i] > score[j] ? 2 : score[i] == score[j] ? 1 : 0;
	}
	return (double)good2 / (double)(2 * np * nn);
}

/* scikit-learn's average precision, written out: thresholds from the top. */
static double brute_ap(const uint16_t *label, const double *score, size_t n)
{
	double ap = 0, prev_recall = 0, done_above = INFINITY;
	uint64_t npos = 0;

	for (size_t i = 0; i < n; i++)
		npos += label[i] == 1;
	for (;;) {
		double t = -INFINITY;
		uint64_t tps = 0, fps = 0;

		/* the next distinct threshold below the last one */
		for (size_t i = 0; i < n; i++)
			if (score[i] < done_above && score[i] > t)
				t = score[i];
		if (t == -INFINITY)
			break;
		for (size_t i = 0; i < n; i++)
			if (score[i] >= t) {
				tps += label[i] == 1;
				fps += label[i] != 1;
			}
		ap += ((double)tps / (double)npos - prev_recall) * ((double)tps / (double)(tps + fps));
		prev_recall = (double)tps / (double)npos;
		done_above = t;
	}
	return ap;
}

static void test_ranks_against_brute_force(void **state)
{
	(void)state;
	for (int trial = 0; trial < 40; trial++) {
		size_t n = 5 + rng() % 300, k = trial % 3 ? 2 : 3 + rng() % 3;
		int levels = trial % 4 == 0 ? 0 : 1 + (int)(rng() % 10);
		struct cls_rows r;
		struct mlg_metric_value out[2];
		static const int want[] = { MLG_M_ROC_AUC, MLG_M_AVERAGE_PRECISION };

		random_cls(&r, n, k, levels);
		/* -0 and +0 must tie */
		if (k == 2)
			for (size_t i = 0; i < n; i++)
				if (r.score[i] == 0 && rng() % 2)
					r.score[i] = -0.0;
		{
			struct mlg_cls_data d = { k, r.label, r.pred, r.score, 10 };
			uint32_t *rows = identity_rows(n), **sorted = sort_subset(&d, rows, n);
			struct mlg_subset s = { n, rows, (const uint32_t *const *)sorted, NULL };

			mlg_cls_metrics(&d, &s, want, 2, out);
			if (k == 2) {
				int has[2] = { 0, 0 };

				for (size_t i = 0; i < n; i++)
					has[r.label[i]] = 1;
				if (!has[0] || !has[1]) {
					assert_string_equal(out[0].undefined, "only one class is present");
					assert_string_equal(out[1].undefined, "only one class is present");
				} else {
					assert_null(out[0].undefined);
					/* exact: both are one rounding of the same integers */
					assert_true(same_bits(out[0].value, brute_auc(r.label, r.score, n, 1)));
					expect_close("average_precision", "brute force", out[1].value,
						     brute_ap(r.label, r.score, n));
				}
			} else {
				double sum = 0;
				uint16_t *is_c = malloc(n * sizeof(*is_c));
				double *col = malloc(n * sizeof(*col));
				int absent = 0;

				assert_true(is_c && col);
				assert_string_equal(out[1].undefined, "defined for two classes only");
				for (size_t c = 0; c < k; c++) {
					size_t np = 0;

					for (size_t i = 0; i < n; i++) {
						col[i] = r.score[i * k + c];
						is_c[i] = r.label[i] == c;
						np += is_c[i];
					}
					if (!np)
						absent = 1;
					else
						sum += brute_auc(is_c, col, n, 1);
				}
				if (absent) {
					assert_non_null(out[0].undefined);
				} else {
					assert_null(out[0].undefined);
					expect_close("roc_auc", "multiclass brute force", out[0].value,
						     sum / (double)k);
				}
				free(is_c);
				free(col);
			}
			free_sorted(sorted, k);
			free(rows);
		}
		cls_rows_free(&r);
	}
}

/* Small cases worked by hand. */
static void test_hand_cases(void **state)
{
	/* scores: two tie groups; labels half positive in each */
	static const uint16_t label[] = { 0, 1, 0, 1, 1, 0 };
	static const uint16_t pred[] = { 0, 0, 1, 1, 1, 0 };
	static const double score[] = { 0.2, 0.2, 0.7, 0.7, 0.95, 0.05 };
	struct mlg_cls_data d = { 2, label, pred, score, 4 };
	uint32_t rows[] = { 0, 1, 2, 3, 4, 5 };
	uint32_t **sorted = sort_subset(&d, rows, 6);
	struct mlg_subset s = { 6, rows, (const uint32_t *const *)sorted, NULL };
	struct mlg_metric_value out[MLG_M_COUNT];

	(void)state;
	mlg_cls_metrics(&d, &s, all_metrics(), MLG_M_COUNT, out);
	/*
	 * pairs (positive, negative): 0.95 beats all 3; 0.7 beats 0.2 and
	 * 0.05, ties 0.7; 0.2 beats 0.05, ties 0.2, loses to 0.7:
	 * (3 + 2.5 + 1.5) / 9
	 */
	assert_true(same_bits(out[MLG_M_ROC_AUC].value, 7.0 / 9));
	/* thresholds 0.95: P=1 R=1/3; 0.7: P=2/3 R=2/3; 0.2: P=3/5 R=1; 0.05: no new positive */
	expect_close("average_precision", "hand", out[MLG_M_AVERAGE_PRECISION].value,
		     (1.0 + 2.0 / 3 + 3.0 / 5) / 3);
	/* tp=2 fp=1 fn=1 tn=2 */
	assert_true(out[MLG_M_ACCURACY].value == 4.0 / 6);
	assert_true(out[MLG_M_PRECISION].value == 2.0 / 3);
	assert_true(out[MLG_M_RECALL].value == 2.0 / 3);
	assert_true(out[MLG_M_F1].value == 4.0 / 6);
	assert_true(out[MLG_M_FPR].value == 1.0 / 3);
	assert_true(out[MLG_M_FNR].value == 1.0 / 3);
	assert_true(out[MLG_M_TNR].value == 2.0 / 3);
	assert_true(out[MLG_M_POSITIVE_RATE].value == 3.0 / 6);
	expect_close("mcc", "hand", out[MLG_M_MCC].value, (4.0 - 1.0) / 9);
	/* Brier: (0.2^2 + 0.8^2 + 0.7^2 + 0.3^2 + 0.05^2 + 0.05^2) / 6 */
	expect_close("brier", "hand", out[MLG_M_BRIER].value,
		     (0.04 + 0.64 + 0.49 + 0.09 + 0.0025 + 0.0025) / 6);
	/*
	 * ECE, 4 bins: [0, .25) holds 0.2, 0.2, 0.05 with one positive
	 * (|1 - 0.45|); [.5, .75) holds 0.7, 0.7 with one (|1 - 1.4|);
	 * [.75, 1] holds 0.95, a positive (|1 - 0.95|): (0.55 + 0.4 + 0.05) / 6
	 */
	expect_close("ece", "hand", out[MLG_M_ECE].value, (0.55 + 0.4 + 0.05) / 6);
	expect_close("log_loss", "hand", out[MLG_M_LOG_LOSS].value,
		     -(log(0.8) + log(0.2) + log(0.3) + log(0.7) + log(0.95) + log(0.95)) / 6);
	free_sorted(sorted, 2);

	/* scores of 0 and 1 are clipped to 1e-15 before the log */
	{
		static const uint16_t l2[] = { 1, 0, 1 };
		static const double s2[] = { 0.0, 1.0, 1.0 };
		struct mlg_cls_data d2 = { 2, l2, l2, s2, 1 };
		struct mlg_subset sub = { 3, rows, NULL, NULL };
		static const int want[] = { MLG_M_LOG_LOSS, MLG_M_ECE };
		struct mlg_metric_value v[2];

		mlg_cls_metrics(&d2, &sub, want, 2, v);
		/*
		 * as scikit-learn (23.026117462417186): 1 clips to 1 - 1e-15,
		 * whose complement is 1.11e-15 after rounding, not 1e-15
		 */
		expect_close("log_loss", "clipped", v[0].value,
			     (-log(1e-15) - log(1 - (1 - 1e-15)) - log(1 - 1e-15)) / 3);
		expect_close("log_loss", "clipped", v[0].value, 23.026117462417186);
		/* one bin: 2 positives against 2.0 of confidence */
		assert_true(v[1].value == 0);
	}
}

/* Multiclass by hand, with a class that never appears (left out of the averages). */
static void test_multiclass_hand(void **state)
{
	/* 4 classes; class 3 in neither labels nor predictions */
	static const uint16_t label[] = { 0, 0, 0, 1, 1, 2, 2, 2 };
	static const uint16_t pred[] = { 0, 0, 1, 1, 2, 2, 2, 0 };
	struct mlg_cls_data d = { 4, label, pred, NULL, 10 };
	uint32_t rows[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	struct mlg_subset s = { 8, rows, NULL, NULL };
	struct mlg_metric_value out[MLG_M_COUNT];
	/* per class: tp 2,1,2; truth 3,2,3; predicted 3,2,3 */
	double prec[] = { 2.0 / 3, 1.0 / 2, 2.0 / 3 }, rec[] = { 2.0 / 3, 1.0 / 2, 2.0 / 3 };
	double f1[3], mf1 = 0;

	(void)state;
	for (int c = 0; c < 3; c++) {
		f1[c] = 2 * prec[c] * rec[c] / (prec[c] + rec[c]);
		mf1 += f1[c] / 3;
	}
	mlg_cls_metrics(&d, &s, all_metrics(), MLG_M_COUNT, out);
	expect_close("accuracy", "multiclass hand", out[MLG_M_ACCURACY].value, 5.0 / 8);
	expect_close("f1_macro", "multiclass hand", out[MLG_M_F1_MACRO].value, mf1);
	expect_close("precision_macro", "multiclass hand", out[MLG_M_PRECISION_MACRO].value,
		     (2.0 / 3 + 0.5 + 2.0 / 3) / 3);
	expect_close("balanced_accuracy", "multiclass hand", out[MLG_M_BALANCED_ACCURACY].value,
		     (2.0 / 3 + 0.5 + 2.0 / 3) / 3);
	expect_close("f1_weighted", "multiclass hand", out[MLG_M_F1_WEIGHTED].value,
		     (3 * f1[0] + 2 * f1[1] + 3 * f1[2]) / 8);
	/* sklearn: n=8, correct=5, t=p=(3,2,3): (40 - 22) / (64 - 22) */
	expect_close("mcc", "multiclass hand", out[MLG_M_MCC].value, 18.0 / 42);
	assert_string_equal(out[MLG_M_ROC_AUC].undefined, "needs scores");
	assert_string_equal(out[MLG_M_F1].undefined, "defined for two classes only");
	assert_string_equal(out[MLG_M_FPR].undefined, "defined for two classes only");
	assert_string_equal(out[MLG_M_RMSE].undefined, "not a classification metric");
}

/* -------------------------------------------------------------------- */
/* Undefined values                                                      */
/* -------------------------------------------------------------------- */

static const char *undefined_of(const struct mlg_cls_data *d, size_t n, const uint32_t *weight,
				int m)
{
	static struct mlg_metric_value v;
	uint32_t *rows = identity_rows(n), **sorted = sort_subset(d, rows, n);
	struct mlg_subset s = { n, rows, (const uint32_t *const *)sorted, weight };

	mlg_cls_metrics(d, &s, &m, 1, &v);
	free_sorted(sorted, d->nclasses);
	free(rows);
	return v.undefined;
}

static void test_undefined(void **state)
{
	static const uint16_t zeros[] = { 0, 0, 0, 0 }, ones[] = { 1, 1, 1, 1 };
	static const uint16_t mixed[] = { 0, 1, 0, 1 };
	static const double score[] = { 0.1, 0.4, 0.35, 0.8 };
	struct mlg_cls_data all_neg = { 2, zeros, mixed, score, 10 };
	struct mlg_cls_data none_pred = { 2, mixed, zeros, score, 10 };
	struct mlg_cls_data nothing_pos = { 2, zeros, zeros, score, 10 };
	struct mlg_cls_data all_pos = { 2, ones, ones, score, 10 };
	struct mlg_cls_data fine = { 2, mixed, mixed, score, 10 };
	struct mlg_cls_data no_scores = { 2, mixed, mixed, NULL, 10 };
	static const uint32_t no_weight[] = { 0, 0, 0, 0 };

	(void)state;
	assert_string_equal(undefined_of(&all_neg, 4, NULL, MLG_M_ROC_AUC), "only one class is present");
	assert_string_equal(undefined_of(&all_pos, 4, NULL, MLG_M_ROC_AUC), "only one class is present");
	assert_string_equal(undefined_of(&all_neg, 4, NULL, MLG_M_AVERAGE_PRECISION),
			    "only one class is present");
	assert_string_equal(undefined_of(&all_neg, 4, NULL, MLG_M_RECALL), "no rows are truly positive");
	assert_string_equal(undefined_of(&all_neg, 4, NULL, MLG_M_FNR), "no rows are truly positive");
	assert_string_equal(undefined_of(&all_pos, 4, NULL, MLG_M_FPR), "no rows are truly negative");
	assert_string_equal(undefined_of(&all_pos, 4, NULL, MLG_M_TNR), "no rows are truly negative");
	assert_string_equal(undefined_of(&none_pred, 4, NULL, MLG_M_PRECISION),
			    "no rows were predicted positive");
	assert_string_equal(undefined_of(&nothing_pos, 4, NULL, MLG_M_F1),
			    "no rows are positive, truly or predicted");
	assert_string_equal(undefined_of(&none_pred, 4, NULL, MLG_M_MCC),
			    "the labels or the predictions hold a single class");
	assert_string_equal(undefined_of(&all_neg, 4, NULL, MLG_M_MCC),
			    "the labels or the predictions hold a single class");
	assert_string_equal(undefined_of(&none_pred, 4, NULL, MLG_M_PRECISION_MACRO),
			    "a class present in the labels was never predicted");
	assert_string_equal(undefined_of(&none_pred, 4, NULL, MLG_M_PRECISION_WEIGHTED),
			    "a class present in the labels was never predicted");
	assert_string_equal(undefined_of(&all_neg, 4, NULL, MLG_M_RECALL_MACRO),
			    "a class was predicted that is absent from the labels");
	assert_string_equal(undefined_of(&no_scores, 4, NULL, MLG_M_LOG_LOSS), "needs scores");
	assert_string_equal(undefined_of(&fine, 4, NULL, MLG_M_MAE), "not a classification metric");
	assert_string_equal(undefined_of(&fine, 4, NULL, MLG_M_COUNT), "not a metric");
	assert_string_equal(undefined_of(&fine, 4, NULL, -1), "not a metric");
	/* weights all 0, or no rows: empty */
	assert_string_equal(undefined_of(&fine, 4, no_weight, MLG_M_ACCURACY), "the subset is empty");
	assert_string_equal(undefined_of(&fine, 4, no_weight, MLG_M_ROC_AUC), "the subset is empty");
	assert_string_equal(undefined_of(&fine, 0, NULL, MLG_M_LOG_LOSS), "the subset is empty");
	assert_string_equal(undefined_of(&fine, 0, NULL, MLG_M_ECE), "the subset is empty");

	/* what stays defined: f1 with no predictions but true positives is 0 */
	assert_null(undefined_of(&none_pred, 4, NULL, MLG_M_F1));
	assert_null(undefined_of(&none_pred, 4, NULL, MLG_M_F1_MACRO));
	assert_null(undefined_of(&none_pred, 4, NULL, MLG_M_RECALL_WEIGHTED));
	assert_null(undefined_of(&all_neg, 4, NULL, MLG_M_ACCURACY));
	assert_null(undefined_of(&all_neg, 4, NULL, MLG_M_BALANCED_ACCURACY));
	assert_null(undefined_of(&all_neg, 4, NULL, MLG_M_LOG_LOSS));
	assert_null(undefined_of(&fine, 4, NULL, MLG_M_MCC));

	/* ranking without the order */
	{
		uint32_t rows[] = { 0, 1, 2, 3 };
		struct mlg_subset s = { 4, rows, NULL, NULL };
		int want[] = { MLG_M_ROC_AUC, MLG_M_ACCURACY };
		struct mlg_metric_value v[2];

		mlg_cls_metrics(&fine, &s, want, 2, v);
		assert_string_equal(v[0].undefined, "needs the rows in score order");
		assert_null(v[1].undefined);
		assert_true(v[1].value == 1);
	}

	/* multiclass one-vs-rest with a class absent from the labels */
	{
		static const uint16_t l3[] = { 0, 1, 0, 1 }, p3[] = { 0, 1, 2, 1 };
		static const double s3[] = { .5, .3, .2, .2, .6, .2, .3, .3, .4, .1, .8, .1 };
		struct mlg_cls_data d3 = { 3, l3, p3, s3, 10 };

		assert_string_equal(undefined_of(&d3, 4, NULL, MLG_M_ROC_AUC),
				    "a class is absent from the labels");
		assert_string_equal(undefined_of(&d3, 4, NULL, MLG_M_BRIER),
				    "defined for two classes only");
		assert_null(undefined_of(&d3, 4, NULL, MLG_M_LOG_LOSS));
		assert_null(undefined_of(&d3, 4, NULL, MLG_M_ECE));
	}

	/* regression */
	{
		static const double y[] = { 3, 3, 3 }, p[] = { 1, 2, 4 };
		struct mlg_reg_data d = { y, p };
		uint32_t rows[] = { 0, 1, 2 };
		struct mlg_subset s = { 3, rows, NULL, NULL }, empty = { 0, rows, NULL, NULL };
		int want[] = { MLG_M_R2, MLG_M_MAX_ERROR, MLG_M_MEDIAN_ABSOLUTE_ERROR, MLG_M_ROC_AUC };
		struct mlg_metric_value v[4];

		mlg_reg_metrics(&d, &s, want, 4, v);
		assert_string_equal(v[0].undefined, "the true values are constant");
		assert_true(v[1].value == 2);
		assert_true(v[2].value == 1);
		assert_string_equal(v[3].undefined, "not a regression metric");
		mlg_reg_metrics(&d, &empty, want, 3, v);
		for (int i = 0; i < 3; i++)
			assert_string_equal(v[i].undefined, "the subset is empty");
	}
}

static void test_regression_hand(void **state)
{
	static const double y[] = { 1, -2, 4, 0, 10 }, p[] = { 2, -2, 1, 0.5, 10 };
	struct mlg_reg_data d = { y, p };
	uint32_t rows[] = { 4, 2, 0, 3, 1 };
	struct mlg_subset s = { 5, rows, NULL, NULL };
	struct mlg_metric_value v[MLG_M_COUNT];

	(void)state;
	mlg_reg_metrics(&d, &s, all_metrics(), MLG_M_COUNT, v);
	/* |errors| 1, 0, 3, 0.5, 0 */
	assert_true(v[MLG_M_MEDIAN_ABSOLUTE_ERROR].value == 0.5);
	assert_true(v[MLG_M_MAX_ERROR].value == 3);
	expect_close("mae", "hand", v[MLG_M_MAE].value, 4.5 / 5);
	expect_close("mse", "hand", v[MLG_M_MSE].value, 10.25 / 5);
	expect_close("rmse", "hand", v[MLG_M_RMSE].value, sqrt(10.25 / 5));
	/* y = 0 divides by DBL_EPSILON, as scikit-learn */
	expect_close("mape", "hand", v[MLG_M_MAPE].value, (1.0 + 0 + 0.75 + 0.5 / DBL_EPSILON) / 5);
	/* mean y = 2.6; sum of squares 2.56 + 21.16 + 1.96 + 6.76 + 54.76 = 87.2 */
	expect_close("r2", "hand", v[MLG_M_R2].value, 1 - 10.25 / 87.2);

	/* an even count: the mean of the middle two */
	s.n = 4;
	mlg_reg_metrics(&d, &s, all_metrics(), MLG_M_COUNT, v);
	/* rows 4, 2, 0, 3: |errors| 0, 3, 1, 0.5 */
	assert_true(v[MLG_M_MEDIAN_ABSOLUTE_ERROR].value == 0.75);
}

/* -------------------------------------------------------------------- */
/* The generator and the bootstrap                                       */
/* -------------------------------------------------------------------- */

static void test_rng_known_values(void **state)
{
	struct mlg_rng r = { { 1, 2, 3, 4 } };

	(void)state;
	/* xoshiro256** from {1, 2, 3, 4}, the reference implementation's outputs */
	assert_true(mlg_rng_next(&r) == 11520u);
	assert_true(mlg_rng_next(&r) == 0u);
	assert_true(mlg_rng_next(&r) == 1509978240u);
	assert_true(mlg_rng_next(&r) == 1215971899390074240ull);

	/*
	 * The seeding recipe of the header, computed apart (Python); these
	 * values fix every bootstrap interval mlgate reports.
	 */
	mlg_rng_seed(&r, 0, 0, 0);
	assert_true(r.s[0] == 0x2130748aaac80268ull && r.s[1] == 0x0cc78fb979ce5090ull &&
		    r.s[2] == 0xab9aa3dafba6b4acull && r.s[3] == 0xb0c750a86b3b1dd2ull);
	assert_true(mlg_rng_next(&r) == 0x8a21cd34a214a917ull);
	assert_true(mlg_rng_next(&r) == 0x9c507e12243e64d0ull);
	assert_true(mlg_rng_next(&r) == 0xc3763b828e49dc84ull);
	mlg_rng_seed(&r, 42, 1, 7);
	assert_true(r.s[0] == 0x413ff7014e1b1f95ull && r.s[3] == 0xcd377575cbe87627ull);
	{
		static const uint64_t below10[] = { 5, 2, 1, 5, 5, 5, 3, 4, 6, 6, 6, 7 };

		for (size_t i = 0; i < 12; i++)
			assert_true(mlg_rng_below(&r, 10) == below10[i]);
	}
}

static void test_rng_streams_and_bounds(void **state)
{
	struct mlg_rng a, b;
	uint64_t hist[10] = { 0 };
	double chi2 = 0;

	(void)state;
	/* the same key, the same values; any part of the key changed, others */
	mlg_rng_seed(&a, 7, 3, 9);
	mlg_rng_seed(&b, 7, 3, 9);
	for (int i = 0; i < 100; i++)
		assert_true(mlg_rng_next(&a) == mlg_rng_next(&b));
	mlg_rng_seed(&a, 7, 3, 9);
	mlg_rng_seed(&b, 7, 3, 10);
	assert_true(mlg_rng_next(&a) != mlg_rng_next(&b));
	mlg_rng_seed(&b, 7, 4, 9);
	assert_true(mlg_rng_next(&a) != mlg_rng_next(&b));
	mlg_rng_seed(&b, 8, 3, 9);
	assert_true(mlg_rng_next(&a) != mlg_rng_next(&b));
	/* (stream, index) are not interchangeable */
	mlg_rng_seed(&a, 7, 9, 3);
	mlg_rng_seed(&b, 7, 3, 9);
	assert_true(mlg_rng_next(&a) != mlg_rng_next(&b));

	mlg_rng_seed(&a, 1, 2, 3);
	for (int i = 0; i < 1000; i++) {
		assert_true(mlg_rng_below(&a, 1) == 0);
		assert_true(mlg_rng_below(&a, 3) < 3);
		assert_true(mlg_rng_below(&a, (1ull << 63) + 1) <= (1ull << 63));
	}
	/* uniform: chi-square over 10 cells of 100000 draws, 9 dof, p < 1e-6 past 48 */
	for (int i = 0; i < 100000; i++)
		hist[mlg_rng_below(&a, 10)]++;
	for (int c = 0; c < 10; c++)
		chi2 += ((double)hist[c] - 10000) * ((double)hist[c] - 10000) / 10000;
	assert_true(chi2 < 48);
	/*
	 * n = 3 * 2^62: the top quarter of 64-bit values must be rejected, or
	 * [0, 2^62) would be drawn twice as often as [2^63, 3 * 2^62)
	 */
	{
		uint64_t low = 0, high = 0, n = 3ull << 62;

		for (int i = 0; i < 30000; i++) {
			uint64_t v = mlg_rng_below(&a, n);

			assert_true(v < n);
			low += v < (1ull << 62);
			high += v >= (1ull << 63);
		}
		assert_true(low > 9000 && low < 11000);
		assert_true(high > 9000 && high < 11000);
	}
}

static void test_bootstrap_draw(void **state)
{
	enum { N = 5000, SUB = 1234 };
	uint32_t *rows = malloc(SUB * sizeof(*rows));
	uint32_t *w1 = calloc(N, sizeof(*w1)), *w2 = calloc(N, sizeof(*w2));
	struct mlg_subset s = { SUB, rows, NULL, NULL };
	uint64_t total = 0, zeros = 0;

	(void)state;
	assert_true(rows && w1 && w2);
	for (size_t i = 0; i < SUB; i++)
		rows[i] = (uint32_t)(i * 4 + 1); /* every fourth row */
	mlg_bootstrap_draw(&s, 99, 5, 0, w1);
	mlg_bootstrap_draw(&s, 99, 5, 0, w2);
	assert_memory_equal(w1, w2, N * sizeof(*w1));
	for (size_t r = 0; r < N; r++) {
		total += w1[r];
		if (r % 4 != 1)
			assert_int_equal(w1[r], 0); /* only the subset's rows are drawn */
		else
			zeros += !w1[r];
	}
	assert_int_equal(total, SUB);
	/* about e^-1 of the rows are left out of a resample */
	assert_true(zeros > SUB * 0.30 && zeros < SUB * 0.44);

	/* another resample differs, and adds to what is there */
	mlg_bootstrap_draw(&s, 99, 5, 1, w2);
	total = 0;
	for (size_t r = 0; r < N; r++)
		total += w2[r];
	assert_int_equal(total, 2 * SUB);
	for (size_t r = 0; r < N; r++)
		w2[r] -= w1[r];
	assert_memory_not_equal(w1, w2, N * sizeof(*w1));
	free(rows);
	free(w1);
	free(w2);
}

/* -------------------------------------------------------------------- */
/* The sort                                                              */
/* -------------------------------------------------------------------- */

struct keyed {
	double key;
	size_t at;
	uint32_t row;
};

/* Stable by construction: equal keys by their position. */
static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->key < y->key)
		return -1;
	if (x->key > y->key)
		return 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/*
 * Sorts `rows` of `key` (stride) both ways and compares: the radix sort
 * must equal a stable qsort exactly.
 */
static void expect_sorted_like_qsort(uint32_t *rows, size_t n, const double *key, size_t stride)
{
	struct keyed *ref = malloc((n + 1) * sizeof(*ref));

	assert_non_null(ref);
	for (size_t i = 0; i < n; i++) {
		ref[i].key = key[(size_t)rows[i] * stride];
		ref[i].at = i;
		ref[i].row = rows[i];
	}
	qsort(ref, n, sizeof(*ref), cmp_keyed);
	assert_int_equal(mlg_sort_scores(rows, n, key, stride), 0);
	for (size_t i = 0; i < n; i++)
		if (rows[i] != ref[i].row)
			fail_msg("sort of %zu keys: position %zu holds row %u (key %.17g), expected %u (key %.17g)",
				 n, i, rows[i], key[(size_t)rows[i] * stride], ref[i].row, ref[i].key);
	free(ref);
}

static double sort_key(int kind)
{
	switch (kind) {
	case 0: /* probabilities: the top bytes shared */
		return uniform();
	case 1: /* both signs, every scale */
		return ldexp(uniform() - 0.5, (int)(rng() % 200) - 100);
	case 2: /* few values, zeros of both signs among them */
		switch (rng() % 5) {
		case 0:
			return -0.0;
		case 1:
			return 0.0;
		case 2:
			return -1.5;
		case 3:
			return 1e-300;
		default:
			return 2.0;
		}
	case 3: /* all equal */
		return 0.25;
	default: /* subnormals and huge values */
		return rng() % 2 ? ldexp(uniform(), -1070) * (rng() % 2 ? 1 : -1)
				 : (rng() % 2 ? DBL_MAX : -DBL_MAX) * uniform();
	}
}

static void test_sort_against_qsort(void **state)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 17, 64, 65, 100, 1000, 4097, 30000 };

	(void)state;
	for (int kind = 0; kind < 5; kind++)
		for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
			size_t n = sizes[si], nkeys = 2 * n + 3;
			double *key = malloc(nkeys * 3 * sizeof(*key));
			uint32_t *rows = malloc((n + 1) * sizeof(*rows));

			assert_true(key && rows);
			for (size_t i = 0; i < nkeys * 3; i++)
				key[i] = sort_key(kind);
			/* a scrambled subset of the rows */
			for (size_t i = 0; i < n; i++)
				rows[i] = (uint32_t)(rng() % nkeys);
			expect_sorted_like_qsort(rows, n, key, 1);
			/* class 2 of three scores per row */
			for (size_t i = 0; i < n; i++)
				rows[i] = (uint32_t)(rng() % nkeys);
			expect_sorted_like_qsort(rows, n, key + 2, 3);
			free(key);
			free(rows);
		}
}

/* -0 and +0 tie: their rows keep their order, on both paths (insertion and radix). */
static void test_sort_signed_zeros(void **state)
{
	static const size_t sizes[] = { 10, 1000 };

	(void)state;
	for (size_t si = 0; si < 2; si++) {
		size_t n = sizes[si];
		double *key = malloc(n * sizeof(*key));
		uint32_t *rows = identity_rows(n);

		assert_non_null(key);
		for (size_t i = 0; i < n; i++)
			key[i] = i % 3 == 0 ? -0.0 : i % 3 == 1 ? 0.0 : (i % 2 ? -1.0 : 1.0);
		assert_int_equal(mlg_sort_scores(rows, n, key, 1), 0);
		for (size_t i = 1; i < n; i++) {
			assert_true(key[rows[i - 1]] <= key[rows[i]]);
			if (key[rows[i - 1]] == key[rows[i]])
				assert_true(rows[i - 1] < rows[i]);
		}
		/* the zeros, both signs, are one run in row order */
		{
			size_t first = 0;

			while (key[rows[first]] != 0)
				first++;
			for (size_t i = first; i < n && key[rows[i]] == 0; i++)
				assert_true(i == first || rows[i] > rows[i - 1]);
			assert_true(signbit(key[rows[first]]) != 0); /* row 0 holds -0.0 */
			assert_int_equal(rows[first], 0);
		}
		free(key);
		free(rows);
	}
}

static void test_sort_million(void **state)
{
	enum { N = 1000000 };
	double *key = malloc(N * sizeof(*key));
	uint32_t *rows = identity_rows(N);

	(void)state;
	assert_non_null(key);
	for (size_t i = 0; i < N; i++)
		key[i] = i % 10 ? uniform() : (double)(rng() % 1000) / 1000; /* some ties */
	expect_sorted_like_qsort(rows, N, key, 1);
	free(key);
	free(rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metric_table),
		cmocka_unit_test(test_oracle_binary),
		cmocka_unit_test(test_oracle_multiclass),
		cmocka_unit_test(test_oracle_regression),
		cmocka_unit_test(test_oracle_mcnemar),
		cmocka_unit_test(test_mcnemar_more),
		cmocka_unit_test(test_weights_binary),
		cmocka_unit_test(test_weights_multiclass),
		cmocka_unit_test(test_weights_regression),
		cmocka_unit_test(test_groups_classification),
		cmocka_unit_test(test_groups_regression),
		cmocka_unit_test(test_ranks_against_brute_force),
		cmocka_unit_test(test_hand_cases),
		cmocka_unit_test(test_multiclass_hand),
		cmocka_unit_test(test_undefined),
		cmocka_unit_test(test_regression_hand),
		cmocka_unit_test(test_rng_known_values),
		cmocka_unit_test(test_rng_streams_and_bounds),
		cmocka_unit_test(test_bootstrap_draw),
		cmocka_unit_test(test_sort_against_qsort),
		cmocka_unit_test(test_sort_signed_zeros),
		cmocka_unit_test(test_sort_million),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
