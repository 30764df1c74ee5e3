/*
 * The engine behind data.drift and data.drift_share: both datasets are
 * read in the shared pass; each named column keeps its numbers (for the
 * exact KS and Wasserstein: sorted samples, not sketches) and its
 * categories' counts; at the end each column is typed, a method chosen
 * (or taken from the suite), and the statistic compared with its threshold.
 *
 * Memory: 8 bytes per non-null numeric value of each column in both
 * datasets, counted against max_memory, plus the counts of at most
 * max_categories categories per column.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/batch.h"
#include "mlgate/drift.h"
#include "mlgate/driftcheck.h"
#include "mlgate/strcount.h"
#include "mlgate/suite.h"
#include "digest.h"
#include "engine_adhoc.h"
#include "mlgate/error.h"
#include "mlgate/report.h"
#include "util.h"

enum method {
	M_AUTO, M_KS, M_WASSERSTEIN, M_WASSERSTEIN_NORMED, M_PSI, M_JS, M_CHI2, M_LINF, M_ZTEST, M_NMETHODS
};

static const struct {
	const char *name;
	int pvalue;          /* drift when p < threshold; else when the distance >= threshold */
	double threshold;    /* default; NAN: must be given */
	int numeric, categorical;
} methods[M_NMETHODS] = {
	[M_AUTO] = { "auto", 0, NAN, 1, 1 },
	[M_KS] = { "ks", 1, 0.05, 1, 0 },
	[M_WASSERSTEIN] = { "wasserstein", 0, NAN, 1, 0 },
	[M_WASSERSTEIN_NORMED] = { "wasserstein_normed", 0, 0.1, 1, 0 },
	[M_PSI] = { "psi", 0, 0.1, 1, 1 },
	[M_JS] = { "jensen_shannon", 0, 0.1, 1, 1 },
	[M_CHI2] = { "chi2", 1, 0.05, 0, 1 },
	[M_LINF] = { "l_infinity", 0, 0.1, 0, 1 },
	[M_ZTEST] = { "z", 1, 0.05, 0, 1 },
};

/* Evidently's size limit for the tests on small references. */
#define SMALL_REFERENCE 1000
/* Numeric columns with at most this many distinct values are categorical for "auto". */
#define FEW_VALUES 5

static int method_of(const char *name)
{
	for (int m = 0; m < M_NMETHODS; m++)
		if (!strcmp(methods[m].name, name))
			return m;
	return -1;
}

struct plan {
	size_t ncols;
	long *col;            /* per column: index in this dataset */
	char **names;         /* per column; owned */
	size_t max_categories;
	struct mlg_mem *mem;
};

struct colstate {
	double *v;
	uint64_t n, alloc;    /* numbers kept: all of them while the column may be numeric */
	uint64_t nnum;        /* numbers seen */
	uint64_t nulls, nonnum;
	uint64_t first_nonnum; /* row, within the part until merged */
	char nonnum_text[40];
	struct mlg_strcount cats;
	int cats_overflow;
};

struct state {
	const struct plan *plan;
	struct colstate *c;
	size_t charged;
	int out_of_memory;
};

static void free_plan(void *p)
{
	struct plan *plan = p;

	if (!plan)
		return;
	for (size_t i = 0; i < plan->ncols; i++)
		free(plan->names[i]);
	free(plan->names);
	free(plan->col);
	free(plan);
}

/* The column names a check reads: its list, or every visible column of the dataset. */
static char **column_list(const struct mlg_check *check, const struct mlg_scan_setup *setup, size_t *n)
{
	const char **cols;
	size_t k;
	char **out;

	if (mlg_check_strings(check, "columns", &cols, &k) && !(k == 1 && !strcmp(cols[0], "*"))) {
		out = mlg_xcalloc(k + 1, sizeof(char *));
		for (size_t i = 0; i < k; i++)
			out[i] = mlg_xstrdup(cols[i]);
		free(cols);
		*n = k;
		return out;
	}
	free(cols);
	out = mlg_xcalloc(setup->ncolumns + 1, sizeof(char *));
	k = 0;
	for (size_t i = 0; i < setup->ncolumns; i++)
		if (*setup->columns[i])
			out[k++] = mlg_xstrdup(setup->columns[i]);
	*n = k;
	return out;
}

static int prepare(void **out, const struct mlg_check *check, struct mlg_scan_setup *setup,
		   struct mlg_result *r)
{
	struct plan *plan = mlg_xcalloc(1, sizeof(*plan));
	double d;

	*out = plan;
	plan->mem = setup->mem;
	plan->max_categories = mlg_check_number(check, "max_categories", &d) ? (size_t)d : 1000;
	if (!strcmp(setup->param, "dataset")) {
		plan->names = column_list(check, setup, &plan->ncols);
	} else {
		/* the reference is read for the current dataset's columns: they
		 * are named in the suite, or "*" means the current dataset's */
		const struct mlg_dataset *cur = check->dataset;
		const char **cols;
		size_t k;

		(void)cur;
		if (mlg_check_strings(check, "columns", &cols, &k) && !(k == 1 && !strcmp(cols[0], "*"))) {
			plan->names = mlg_xcalloc(k + 1, sizeof(char *));
			for (size_t i = 0; i < k; i++)
				plan->names[i] = mlg_xstrdup(cols[i]);
			plan->ncols = k;
		} else {
			plan->names = column_list(check, setup, &plan->ncols);
		}
		free(cols);
	}
	if (!plan->ncols) {
		mlg_result_set(r, MLG_STATUS_ERROR, "%s has no columns to compare", setup->dataset->name);
		return -1;
	}
	plan->col = mlg_xcalloc(plan->ncols, sizeof(long));
	for (size_t i = 0; i < plan->ncols; i++)
		if ((plan->col[i] = mlg_scan_column(setup, check, plan->names[i], r)) < 0)
			return -1;
	return 0;
}

static void *begin(const void *p)
{
	const struct plan *plan = p;
	struct state *st = mlg_xcalloc(1, sizeof(*st));

	st->plan = plan;
	st->c = mlg_xcalloc(plan->ncols, sizeof(*st->c));
	for (size_t i = 0; i < plan->ncols; i++)
		mlg_strcount_init(&st->c[i].cats, plan->mem, 0);
	return st;
}

static void free_state(void *p)
{
	struct state *st = p;

	if (!st)
		return;
	for (size_t i = 0; i < st->plan->ncols; i++) {
		free(st->c[i].v);
		mlg_strcount_release(&st->c[i].cats);
	}
	mlg_mem_uncharge(st->plan->mem, st->charged);
	free(st->c);
	free(st);
}

static int grow(struct state *st, struct colstate *c, uint64_t more)
{
	uint64_t alloc;

	if (c->n + more <= c->alloc)
		return 0;
	/* past a million values grow by a quarter: the budget is charged for
	 * what is allocated, and large reallocations move pages, not bytes */
	alloc = c->alloc ? (c->alloc < (1u << 20) ? c->alloc * 2 : c->alloc + c->alloc / 4) : 1024;
	if (alloc < c->n + more)
		alloc = c->n + more;
	if (mlg_mem_charge(st->plan->mem, (alloc - c->alloc) * sizeof(double)) < 0)
		return -1;
	st->charged += (alloc - c->alloc) * sizeof(double);
	c->v = mlg_xrealloc(c->v, alloc * sizeof(double));
	c->alloc = alloc;
	return 0;
}

/* Counts a category; past max_categories the column stops counting (it is not categorical). */
static int count_category(struct state *st, struct colstate *c, const char *s, size_t len, uint64_t n)
{
	uint64_t h;
	long i;

	if (c->cats_overflow)
		return 0;
	h = mlg_strcount_hash(s, len, 0);
	i = mlg_strcount_find(&c->cats, s, len, h);
	if (i >= 0) {
		c->cats.entries[i].count += n;
		return 0;
	}
	if (c->cats.n >= st->plan->max_categories) {
		c->cats_overflow = 1;
		return 0;
	}
	return mlg_strcount_add(&c->cats, s, len, h, n, NULL);
}

static int batch(const void *p, void *s, struct mlg_batch *b, char **error)
{
	const struct plan *plan = p;
	struct state *st = s;

	for (size_t k = 0; k < plan->ncols; k++) {
		struct colstate *c = &st->c[k];
		const uint8_t *status;
		const double *v = mlg_batch_floats(b, (size_t)plan->col[k], &status);
		const struct mlg_cell *cell = mlg_batch_cells(b, (size_t)plan->col[k]);

		/* a column with a non-number is categorical: its numbers are not needed */
		if (!c->nonnum && grow(st, c, b->nrows) < 0)
			goto oom;
		for (size_t i = 0; i < b->nrows; i++) {
			if (status[i] == MLG_VALUE_NULL) {
				c->nulls++;
				continue;
			}
			if (status[i] == MLG_VALUE_OK && isfinite(v[i])) {
				c->nnum++;
				if (!c->nonnum)
					c->v[c->n++] = v[i] == 0 ? 0.0 : v[i]; /* -0 is 0 */
			} else if (!c->nonnum++) {
				size_t len = cell[i].len < sizeof(c->nonnum_text) - 1 ? cell[i].len
										 : sizeof(c->nonnum_text) - 1;

				c->first_nonnum = b->first_row + i;
				memcpy(c->nonnum_text, cell[i].data, len);
				c->nonnum_text[len] = '\0';
			}
			if (count_category(st, c, cell[i].data, cell[i].len, 1) < 0)
				goto oom;
		}
	}
	return 0;
oom:
	*error = mlg_xstrdup(mlg_mem_message(plan->mem));
	return -1;
}

static void merge(const void *p, void *i, void *f, uint64_t row_base)
{
	const struct plan *plan = p;
	struct state *into = i, *from = f;

	for (size_t k = 0; k < plan->ncols; k++) {
		struct colstate *a = &into->c[k], *b = &from->c[k];

		if (into->out_of_memory || (!a->nonnum && !b->nonnum && grow(into, a, b->n) < 0)) {
			into->out_of_memory = 1;
			return;
		}
		if (!a->nonnum && !b->nonnum) {
			memcpy(a->v + a->n, b->v, b->n * sizeof(double));
			a->n += b->n;
		}
		a->nnum += b->nnum;
		a->nulls += b->nulls;
		if (b->nonnum && !a->nonnum) {
			a->first_nonnum = b->first_nonnum + row_base;
			memcpy(a->nonnum_text, b->nonnum_text, sizeof(a->nonnum_text));
		}
		a->nonnum += b->nonnum;
		a->cats_overflow |= b->cats_overflow;
		for (size_t e = 0; e < b->cats.n && !a->cats_overflow; e++)
			if (count_category(into, a, b->cats.entries[e].text, b->cats.entries[e].len,
					   b->cats.entries[e].count) < 0) {
				into->out_of_memory = 1;
				return;
			}
	}
}

/* ---- sorting ----------------------------------------------------------------- */

/*
 * Sorts finite doubles ascending in place: LSD radix on 11-bit digits of
 * order-preserving keys, every digit's histogram from one read pass, digits
 * that are the same in every key skipped. `scratch` holds n keys (the
 * caller's, reused from sample to sample: fresh pages per sample cost
 * more than the sort).
 */
static void sort_doubles(double *v, uint64_t n, uint64_t *scratch)
{
	enum { BITS = 11, DIGITS = 6, SIZE = 1 << BITS };
	uint64_t *a = (uint64_t *)(void *)v, *b = scratch, *t;
	size_t (*count)[SIZE];
	uint64_t or_all = 0, and_all = ~0ull;

	if (n < 2)
		return;
	count = mlg_xcalloc(DIGITS, sizeof(*count));
	for (uint64_t i = 0; i < n; i++) {
		uint64_t u;

		memcpy(&u, &v[i], sizeof(u));
		u = u & 0x8000000000000000ull ? ~u : u | 0x8000000000000000ull;
		a[i] = u;
		or_all |= u;
		and_all &= u;
		for (int d = 0; d < DIGITS; d++)
			count[d][(u >> (d * BITS)) & (SIZE - 1)]++;
	}
	for (int d = 0; d < DIGITS; d++) {
		size_t sum = 0;

		if (!(((or_all ^ and_all) >> (d * BITS)) & (SIZE - 1)))
			continue; /* every key has the same digit here */
		for (size_t k = 0; k < SIZE; k++) {
			size_t c = count[d][k];

			count[d][k] = sum;
			sum += c;
		}
		for (uint64_t i = 0; i < n; i++)
			b[count[d][(a[i] >> (d * BITS)) & (SIZE - 1)]++] = a[i];
		t = a, a = b, b = t;
	}
	if (a != (uint64_t *)(void *)v)
		memcpy(v, a, n * sizeof(uint64_t));
	for (uint64_t i = 0; i < n; i++) {
		uint64_t u;

		memcpy(&u, &v[i], sizeof(u));
		u = u & 0x8000000000000000ull ? u & ~0x8000000000000000ull : ~u;
		memcpy(&v[i], &u, sizeof(u));
	}
	free(count);
}

struct sort_job {
	double **v;
	uint64_t *n;
	size_t count, next;
	int failed;
	struct mlg_mem *mem;
	pthread_mutex_t lock;
};

static void *sort_worker(void *arg)
{
	struct sort_job *j = arg;
	uint64_t *scratch = NULL, have = 0;

	for (;;) {
		size_t k;

		pthread_mutex_lock(&j->lock);
		k = j->next++;
		pthread_mutex_unlock(&j->lock);
		if (k >= j->count)
			break;
		if (j->n[k] > have) {
			/* the scratch is state that grows with the data: charged */
			if (mlg_mem_charge(j->mem, (j->n[k] - have) * sizeof(uint64_t)) < 0) {
				pthread_mutex_lock(&j->lock);
				j->failed = 1;
				pthread_mutex_unlock(&j->lock);
				continue;
			}
			free(scratch);
			scratch = mlg_xmalloc(j->n[k] * sizeof(uint64_t));
			have = j->n[k];
		}
		sort_doubles(j->v[k], j->n[k], scratch);
	}
	free(scratch);
	mlg_mem_uncharge(j->mem, have * sizeof(uint64_t));
	return NULL;
}

/*
 * Sorts every sample, on up to `jobs` threads (the order of
 * work does not change the result); -1 when the scratch would pass max_memory.
 */
static int sort_all(double **v, uint64_t *n, size_t count, unsigned int jobs, struct mlg_mem *mem)
{
	struct sort_job j = { v, n, count, 0, 0, mem, PTHREAD_MUTEX_INITIALIZER };
	pthread_t th[16];
	size_t nth = 0;

	if (jobs > 16)
		jobs = 16;
	while (nth + 1 < jobs && nth + 1 < count && pthread_create(&th[nth], NULL, sort_worker, &j) == 0)
		nth++;
	sort_worker(&j);
	for (size_t i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	return j.failed ? -1 : 0;
}

/* ---- deciding ------------------------------------------------------------------ */

struct column_result {
	const char *name;
	int numeric, method;
	const char *why_method;
	double statistic, pvalue, threshold;
	int has_p, drifted;
	char *error;
	cJSON *hist;
};

/* Categories of both sides, sorted, with their counts. */
struct cats {
	char **names;
	uint64_t *ref, *cur;
	size_t k;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void cats_from_tables(struct cats *c, const struct mlg_strcount *ref, const struct mlg_strcount *cur)
{
	struct mlg_strcount all;

	mlg_strcount_init(&all, NULL, 0);
	for (size_t i = 0; i < ref->n; i++)
		mlg_strcount_add(&all, ref->entries[i].text, ref->entries[i].len, ref->entries[i].hash, 0, NULL);
	for (size_t i = 0; i < cur->n; i++)
		mlg_strcount_add(&all, cur->entries[i].text, cur->entries[i].len, cur->entries[i].hash, 0, NULL);
	c->k = all.n;
	c->names = mlg_xcalloc(c->k + 1, sizeof(char *));
	for (size_t i = 0; i < c->k; i++)
		c->names[i] = mlg_xstrdup(all.entries[i].text);
	qsort(c->names, c->k, sizeof(char *), cmp_str);
	c->ref = mlg_xcalloc(c->k + 1, sizeof(uint64_t));
	c->cur = mlg_xcalloc(c->k + 1, sizeof(uint64_t));
	for (size_t i = 0; i < c->k; i++) {
		size_t len = strlen(c->names[i]);
		uint64_t h = mlg_strcount_hash(c->names[i], len, 0);
		long a = mlg_strcount_find(ref, c->names[i], len, h), b = mlg_strcount_find(cur, c->names[i], len, h);

		c->ref[i] = a >= 0 ? ref->entries[a].count : 0;
		c->cur[i] = b >= 0 ? cur->entries[b].count : 0;
	}
	mlg_strcount_release(&all);
}

/* The distinct values of two sorted samples as categories ("few-valued" numeric columns). */
static void cats_from_values(struct cats *c, const double *r, uint64_t nr, const double *u, uint64_t nu)
{
	uint64_t i = 0, j = 0;
	size_t alloc = 0;
	char buf[32];

	memset(c, 0, sizeof(*c));
	while (i < nr || j < nu) {
		double x = j >= nu || (i < nr && r[i] <= u[j]) ? r[i] : u[j];
		uint64_t a = 0, b = 0;

		while (i < nr && r[i] == x)
			i++, a++;
		while (j < nu && u[j] == x)
			j++, b++;
		MLG_ALLOC_GROW(c->names, c->k + 1, alloc);
		c->ref = mlg_xrealloc(c->ref, alloc * sizeof(uint64_t));
		c->cur = mlg_xrealloc(c->cur, alloc * sizeof(uint64_t));
		c->names[c->k] = mlg_xstrdup(mlg_format_number(x, buf));
		c->ref[c->k] = a;
		c->cur[c->k++] = b;
	}
}

static void cats_release(struct cats *c)
{
	for (size_t i = 0; i < c->k; i++)
		free(c->names[i]);
	free(c->names);
	free(c->ref);
	free(c->cur);
}

static size_t distinct_at_most(const double *v, uint64_t n, size_t limit)
{
	size_t d = 0;

	for (uint64_t i = 0; i < n && d <= limit; i++)
		d += i == 0 || v[i] != v[i - 1];
	return d;
}

static cJSON *counts_json(const uint64_t *c, size_t k)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < k; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber((double)c[i]));
	return a;
}

/* The histogram both sides share: categories (the 20 largest in the reference... all up to 50) or bins. */
static cJSON *hist_of_cats(const struct cats *c)
{
	cJSON *h = cJSON_CreateObject(), *names = cJSON_CreateArray();
	size_t k = c->k < 50 ? c->k : 50;

	for (size_t i = 0; i < k; i++)
		cJSON_AddItemToArray(names, cJSON_CreateString(c->names[i]));
	cJSON_AddItemToObject(h, "categories", names);
	cJSON_AddItemToObject(h, "reference", counts_json(c->ref, k));
	cJSON_AddItemToObject(h, "current", counts_json(c->cur, k));
	if (k < c->k)
		cJSON_AddNumberToObject(h, "categories_not_shown", (double)(c->k - k));
	return h;
}

static cJSON *hist_of_bins(const struct mlg_bins *b, const uint64_t *ref, const uint64_t *cur)
{
	cJSON *h = cJSON_CreateObject(), *edges = cJSON_CreateArray();

	for (size_t i = 0; i < b->nedges; i++)
		cJSON_AddItemToArray(edges, cJSON_CreateNumber(b->edges[i]));
	cJSON_AddItemToObject(h, "edges", edges);
	cJSON_AddItemToObject(h, "reference", counts_json(ref, b->nedges + 1));
	cJSON_AddItemToObject(h, "current", counts_json(cur, b->nedges + 1));
	return h;
}

static void categorical(struct column_result *cr, int method, const struct cats *c)
{
	struct mlg_chi2 chi;

	switch (method) {
	case M_CHI2:
		if (mlg_chi2_vs_reference(c->ref, c->cur, c->k, &chi) < 0) {
			cr->error = mlg_xstrdup("chi-square needs two categories or more on each side");
			return;
		}
		cr->statistic = chi.statistic, cr->pvalue = chi.pvalue, cr->has_p = 1;
		break;
	case M_ZTEST: {
		uint64_t n1 = c->ref[0] + (c->k > 1 ? c->ref[1] : 0), n2 = c->cur[0] + (c->k > 1 ? c->cur[1] : 0);
		double z;

		cr->pvalue = mlg_proportion_ztest(c->ref[0], n1, c->cur[0], n2, &z);
		cr->statistic = z, cr->has_p = 1;
		break;
	}
	case M_JS:
		cr->statistic = mlg_jensen_shannon(c->ref, c->cur, c->k, M_E);
		break;
	case M_LINF:
		cr->statistic = mlg_l_infinity(c->ref, c->cur, c->k);
		break;
	case M_PSI:
		cr->statistic = mlg_psi(c->ref, c->cur, c->k, 1e-4);
		break;
	}
	cr->hist = hist_of_cats(c);
}

static void numeric(struct column_result *cr, int method, const double *r, uint64_t nr, const double *u,
		    uint64_t nu, unsigned int nbins)
{
	struct mlg_bins b;
	uint64_t *rc, *uc;

	mlg_bins_quantile(&b, r, nr, nbins);
	rc = mlg_xcalloc(b.nedges + 1, sizeof(uint64_t));
	uc = mlg_xcalloc(b.nedges + 1, sizeof(uint64_t));
	mlg_bins_count(&b, r, nr, rc);
	mlg_bins_count(&b, u, nu, uc);
	switch (method) {
	case M_KS: {
		struct mlg_ks ks;

		mlg_ks_2samp(r, nr, u, nu, MLG_KS_AUTO, &ks);
		cr->statistic = ks.statistic, cr->pvalue = ks.pvalue, cr->has_p = 1;
		break;
	}
	case M_WASSERSTEIN:
		cr->statistic = mlg_wasserstein(r, nr, u, nu);
		break;
	case M_WASSERSTEIN_NORMED: {
		double sd = mlg_std_population(r, nr);

		if (!(sd > 0)) {
			cr->error = mlg_xstrdup("the reference is constant: a normed Wasserstein distance divides by its standard deviation");
			break;
		}
		cr->statistic = mlg_wasserstein(r, nr, u, nu) / sd;
		break;
	}
	case M_PSI:
		cr->statistic = mlg_psi(rc, uc, b.nedges + 1, 1e-4);
		break;
	case M_JS:
		cr->statistic = mlg_jensen_shannon(rc, uc, b.nedges + 1, M_E);
		break;
	}
	cr->hist = hist_of_bins(&b, rc, uc);
	free(rc);
	free(uc);
	mlg_bins_release(&b);
}

/* Evidently's choice, and why. */
static int auto_method(int is_numeric, size_t distinct, uint64_t nref, const char **why)
{
	if (nref <= SMALL_REFERENCE) {
		if (is_numeric && distinct > FEW_VALUES) {
			*why = "numeric, reference of at most 1000 rows: Kolmogorov-Smirnov";
			return M_KS;
		}
		if (distinct == 2) {
			*why = "binary, reference of at most 1000 rows: proportion z-test";
			return M_ZTEST;
		}
		*why = is_numeric ? "numeric with at most 5 values, reference of at most 1000 rows: chi-square"
				  : "categorical, reference of at most 1000 rows: chi-square";
		return M_CHI2;
	}
	if (is_numeric && distinct > FEW_VALUES) {
		*why = "numeric, reference of more than 1000 rows: normed Wasserstein";
		return M_WASSERSTEIN_NORMED;
	}
	*why = is_numeric ? "numeric with at most 5 values, reference of more than 1000 rows: Jensen-Shannon"
			  : "categorical, reference of more than 1000 rows: Jensen-Shannon";
	return M_JS;
}

static void decide_column(const struct mlg_check *check, struct colstate *cur, struct colstate *ref,
			  struct column_result *cr)
{
	const char *mname = mlg_check_string(check, "method");
	int method = method_of(mname ? mname : "auto");
	double th, d;
	unsigned int nbins = mlg_check_number(check, "bins", &d) ? (unsigned int)d : 10;
	int is_numeric = cur->nonnum == 0 && ref->nonnum == 0 && cur->nnum && ref->nnum;
	size_t distinct = 0;
	int as_cats;
	struct cats c = { 0 };

	if (!ref->nnum && !ref->nonnum) {
		cr->error = mlg_xstrdup("the reference has no values");
		return;
	}
	if (!cur->nnum && !cur->nonnum) {
		cr->error = mlg_xstrdup("the current dataset has no values");
		return;
	}
	if (is_numeric) {
		distinct = distinct_at_most(ref->v, ref->n, FEW_VALUES);
		if (distinct <= FEW_VALUES) {
			size_t dc = distinct_at_most(cur->v, cur->n, FEW_VALUES);

			if (dc > distinct)
				distinct = dc;
		}
	} else if (ref->cats_overflow || cur->cats_overflow) {
		struct colstate *bad = cur->nonnum ? cur : ref;

		cr->error = mlg_xasprintf("neither numeric ('%s' at row %llu of the %s is not a number) nor categorical (more than %zu distinct values)",
					  bad->nonnum_text, (unsigned long long)bad->first_nonnum,
					  bad == cur ? "current dataset" : "reference",
					  (size_t)(ref->cats.n > cur->cats.n ? ref->cats.n : cur->cats.n));
		return;
	}
	cr->numeric = is_numeric;
	if (method == M_AUTO) {
		if (!is_numeric) {
			cats_from_tables(&c, &ref->cats, &cur->cats);
			distinct = c.k;
		}
		method = auto_method(is_numeric, distinct, ref->nnum + ref->nonnum, &cr->why_method);
		/* few-valued numbers are compared as categories */
		as_cats = !is_numeric || distinct <= FEW_VALUES;
	} else if (!is_numeric && !methods[method].categorical) {
		const struct colstate *bad = cur->nonnum ? cur : ref;

		cr->error = mlg_xasprintf("%s compares numbers, and the column is not numeric ('%s' at row %llu of the %s)",
					  methods[method].name, bad->nonnum_text,
					  (unsigned long long)bad->first_nonnum,
					  bad == cur ? "current dataset" : "reference");
		return;
	} else {
		/* a categorical method on a numeric column: its values are the categories */
		as_cats = !is_numeric || !methods[method].numeric;
	}
	cr->method = method;
	th = mlg_check_number(check, "threshold", &d) ? d : methods[method].threshold;
	if (isnan(th)) {
		cr->error = mlg_xasprintf("%s has no default threshold: set \"threshold\"", methods[method].name);
		cats_release(&c);
		return;
	}
	cr->threshold = th;
	if (!as_cats) {
		numeric(cr, method, ref->v, ref->n, cur->v, cur->n, nbins);
	} else {
		if (is_numeric) {
			cats_release(&c);
			cats_from_values(&c, ref->v, ref->n, cur->v, cur->n);
		} else if (!c.k) {
			cats_from_tables(&c, &ref->cats, &cur->cats);
		}
		if (method == M_ZTEST && c.k > 2) {
			cr->error = mlg_xasprintf("the z-test compares two proportions, and the column has %zu values", c.k);
			cats_release(&c);
			return;
		}
		categorical(cr, method, &c);
	}
	cats_release(&c);
	if (cr->error)
		return;
	cr->drifted = methods[method].pvalue ? cr->pvalue < th : cr->statistic >= th;
}

static int load_profile(const struct mlg_check *check, struct mlg_mem *mem, struct plan **pplan,
			struct state **pstate, struct mlg_result *out);

static void drift_end(const struct mlg_check *check, const struct mlg_scan_input *in, size_t nin,
		      struct mlg_result *out)
{
	const struct mlg_scan_input *ri = nin > 1 ? &in[1] : NULL;
	const struct plan *plan = in[0].plan, *rplan = ri ? ri->plan : NULL;
	struct state *cur = in[0].state, *ref = ri ? ri->state : NULL;
	struct plan *pplan = NULL;
	struct state *pstate = NULL;
	const char *ref_name = ri ? ri->dataset->name : mlg_check_string(check, "reference_profile");
	long *rk;
	struct column_result *cr;
	size_t ndrift = 0, nerr = 0, first_drift = (size_t)-1, first_err = (size_t)-1;
	double **samples;
	uint64_t *sizes;
	cJSON *cols;
	int share = !strcmp(check->kind->name, "data.drift_share");
	double max_share = 1.0 / 3, d;
	char a[32], b[32], c[32];

	if (!ref && mlg_check_param(check, "reference_profile")) {
		if (load_profile(check, plan->mem, &pplan, &pstate, out) < 0)
			goto done;
		rplan = pplan;
		ref = pstate;
	}
	if (!ref) {
		mlg_result_set(out, MLG_STATUS_ERROR, "the reference was not read");
		return;
	}
	if (cur->out_of_memory || ref->out_of_memory) {
		mlg_result_set(out, MLG_STATUS_ERROR, "%s", mlg_mem_message(plan->mem));
		goto done;
	}
	/* the reference's column of each current column, by name ("*" lists each dataset's own) */
	rk = mlg_xcalloc(plan->ncols + 1, sizeof(long));
	for (size_t k = 0; k < plan->ncols; k++) {
		rk[k] = -1;
		for (size_t j = 0; j < rplan->ncols; j++)
			if (!strcmp(plan->names[k], rplan->names[j]))
				rk[k] = (long)j;
	}
	/* sort every numeric sample, both sides, on -j threads */
	samples = mlg_xcalloc(2 * plan->ncols + 1, sizeof(double *));
	sizes = mlg_xcalloc(2 * plan->ncols + 1, sizeof(uint64_t));
	for (size_t k = 0; k < plan->ncols; k++) {
		const struct colstate *cc = &cur->c[k], *rc = rk[k] >= 0 ? &ref->c[rk[k]] : NULL;
		int numeric = !cc->nonnum && rc && !rc->nonnum;

		samples[2 * k] = cc->v, sizes[2 * k] = numeric ? cc->n : 0;
		if (rc)
			samples[2 * k + 1] = rc->v, sizes[2 * k + 1] = numeric ? rc->n : 0;
	}
	if (sort_all(samples, sizes, 2 * plan->ncols, in[0].jobs, plan->mem) < 0) {
		mlg_result_set(out, MLG_STATUS_ERROR, "sorting the samples: %s", mlg_mem_message(plan->mem));
		free(samples);
		free(sizes);
		free(rk);
		goto done;
	}
	free(samples);
	free(sizes);
	cr = mlg_xcalloc(plan->ncols, sizeof(*cr));
	cols = cJSON_AddArrayToObject(out->observed, "columns");
	for (size_t k = 0; k < plan->ncols; k++) {
		cJSON *o = cJSON_CreateObject();

		cr[k].name = plan->names[k];
		if (rk[k] < 0)
			cr[k].error = mlg_xasprintf("not a column of the reference '%s'", ref_name);
		else
			decide_column(check, &cur->c[k], &ref->c[rk[k]], &cr[k]);
		cJSON_AddStringToObject(o, "column", cr[k].name);
		if (cr[k].error) {
			nerr++;
			if (first_err == (size_t)-1)
				first_err = k;
			cJSON_AddStringToObject(o, "error", cr[k].error);
		} else {
			cJSON_AddStringToObject(o, "type", cr[k].numeric ? "numeric" : "categorical");
			cJSON_AddStringToObject(o, "method", methods[cr[k].method].name);
			if (cr[k].why_method)
				cJSON_AddStringToObject(o, "method_why", cr[k].why_method);
			cJSON_AddNumberToObject(o, "statistic", cr[k].statistic);
			if (cr[k].has_p)
				cJSON_AddNumberToObject(o, "p_value", cr[k].pvalue);
			cJSON_AddNumberToObject(o, "threshold", cr[k].threshold);
			cJSON_AddBoolToObject(o, "drifted", cr[k].drifted);
			cJSON_AddNumberToObject(o, "reference_values",
						(double)(ref->c[rk[k]].nnum + ref->c[rk[k]].nonnum));
			cJSON_AddNumberToObject(o, "current_values", (double)(cur->c[k].nnum + cur->c[k].nonnum));
			if (cr[k].hist)
				cJSON_AddItemToObject(o, "histogram", cr[k].hist), cr[k].hist = NULL;
			if (cr[k].drifted) {
				ndrift++;
				if (first_drift == (size_t)-1)
					first_drift = k;
			}
		}
		cJSON_AddItemToArray(cols, o);
	}
	cJSON_AddNumberToObject(out->observed, "drifted", (double)ndrift);
	cJSON_AddNumberToObject(out->observed, "compared", (double)(plan->ncols - nerr));
	cJSON_AddNumberToObject(out->observed, "share", plan->ncols > nerr ? (double)ndrift / (double)(plan->ncols - nerr) : 0);
	if (share) {
		if (mlg_check_number(check, "max_share", &d))
			max_share = d;
		cJSON_AddNumberToObject(out->expected, "max_share", max_share);
	}
	if (nerr) {
		mlg_result_set(out, MLG_STATUS_ERROR, "column '%s': %s", cr[first_err].name, cr[first_err].error);
	} else if (share) {
		double sh = (double)ndrift / (double)plan->ncols;

		mlg_result_set(out, sh > max_share ? MLG_STATUS_FAILED : MLG_STATUS_PASSED,
			       "%zu of %zu columns drifted (%s%%), %s max_share %s%%", ndrift, plan->ncols,
			       mlg_format_share(100 * sh, a), sh > max_share ? "above" : "within",
			       mlg_format_share(100 * max_share, b));
	} else if (ndrift) {
		struct column_result *x = &cr[first_drift];

		if (x->has_p)
			mlg_result_set(out, MLG_STATUS_FAILED,
				       "%s drifted: %s p = %.4g < %s (statistic %.4g)%s%s%s", x->name,
				       methods[x->method].name, x->pvalue, mlg_format_number(x->threshold, a),
				       x->statistic, ndrift > 1 ? "; " : "",
				       ndrift > 1 ? mlg_format_number((double)ndrift, c) : "",
				       ndrift > 1 ? " columns drifted" : "");
		else
			mlg_result_set(out, MLG_STATUS_FAILED, "%s drifted: %s = %.4g >= %s%s%s%s", x->name,
				       methods[x->method].name, x->statistic, mlg_format_number(x->threshold, a),
				       ndrift > 1 ? "; " : "", ndrift > 1 ? mlg_format_number((double)ndrift, c) : "",
				       ndrift > 1 ? " columns drifted" : "");
	} else {
		mlg_result_set(out, MLG_STATUS_PASSED, "no drift in %zu column%s", plan->ncols,
			       plan->ncols == 1 ? "" : "s");
	}
	for (size_t k = 0; k < plan->ncols; k++) {
		free(cr[k].error);
		cJSON_Delete(cr[k].hist);
	}
	free(cr);
	free(rk);
done:
	if (pplan) {
		free_state(pstate);
		free_plan(pplan);
	}
}

void mlg_drift_validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	const char *m = mlg_check_string(check, "method");
	double d;

	if (m && method_of(m) < 0) {
		struct mlg_strbuf sb = MLG_STRBUF_INIT;

		for (int k = 0; k < M_NMETHODS; k++)
			mlg_strbuf_addf(&sb, "%s%s", k ? ", " : "", methods[k].name);
		mlg_diag_check(diag, check, "method", "unknown method '%s': expected one of %s", m, sb.buf);
		mlg_strbuf_release(&sb);
	}
	if (!mlg_check_param(check, "reference") == !mlg_check_param(check, "reference_profile"))
		mlg_diag_check(diag, check, "reference",
			       "give \"reference\" (a dataset) or \"reference_profile\" (a file made by `mlgate profile --reference`), one of them");
	if (m && method_of(m) == M_WASSERSTEIN && !mlg_check_param(check, "threshold"))
		mlg_diag_check(diag, check, "threshold",
			       "wasserstein is in the column's own units: it needs a \"threshold\" (or use wasserstein_normed)");
	if (mlg_check_number(check, "threshold", &d) && !(d >= 0))
		mlg_diag_check(diag, check, "threshold", "expected a number of 0 or more");
	if (mlg_check_number(check, "bins", &d) && !(d >= 2 && d <= 1000))
		mlg_diag_check(diag, check, "bins", "expected from 2 to 1000 bins");
	if (mlg_check_number(check, "max_categories", &d) && !(d >= 2 && d <= 1000000))
		mlg_diag_check(diag, check, "max_categories", "expected from 2 to 1000000");
}

/* ---- reference profiles ------------------------------------------------------ */

#define PROFILE_SCHEMA "mlgate.reference_profile/v1"

/* One column of a reference, as a profile stores it. */
static cJSON *profile_column(const struct colstate *c, unsigned int points)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "numbers", (double)c->nnum);
	cJSON_AddNumberToObject(o, "non_numbers", (double)c->nonnum);
	cJSON_AddNumberToObject(o, "nulls", (double)c->nulls);
	if (c->nonnum) {
		cJSON *f = cJSON_AddObjectToObject(o, "first_non_number");

		cJSON_AddNumberToObject(f, "row", (double)c->first_nonnum);
		cJSON_AddStringToObject(f, "value", c->nonnum_text);
	}
	if (c->cats_overflow) {
		cJSON_AddTrueToObject(o, "categories_overflow");
	} else {
		cJSON *cats = cJSON_AddObjectToObject(o, "categories");
		char **names = mlg_xcalloc(c->cats.n + 1, sizeof(char *));

		for (size_t i = 0; i < c->cats.n; i++)
			names[i] = c->cats.entries[i].text;
		qsort(names, c->cats.n, sizeof(char *), cmp_str);
		for (size_t i = 0; i < c->cats.n; i++) {
			size_t len = strlen(names[i]);
			long e = mlg_strcount_find(&c->cats, names[i], len, mlg_strcount_hash(names[i], len, 0));

			cJSON_AddNumberToObject(cats, names[i], (double)c->cats.entries[e].count);
		}
		free(names);
	}
	if (!c->nonnum && c->n) {
		size_t distinct = distinct_at_most(c->v, c->n, points);

		if (distinct <= points) {
			/* exact: every distinct value with its count */
			cJSON *vals = cJSON_AddArrayToObject(o, "values"), *counts = cJSON_AddArrayToObject(o, "counts");

			for (uint64_t i = 0; i < c->n;) {
				uint64_t j = i;

				while (j < c->n && c->v[j] == c->v[i])
					j++;
				cJSON_AddItemToArray(vals, cJSON_CreateNumber(c->v[i]));
				cJSON_AddItemToArray(counts, cJSON_CreateNumber((double)(j - i)));
				i = j;
			}
		} else {
			/* a sketch: the middle value of each of `points` equal blocks of the sorted sample */
			cJSON *pts = cJSON_AddArrayToObject(o, "sketch");

			for (unsigned int k = 0; k < points; k++) {
				uint64_t lo = (uint64_t)((long double)c->n * k / points);
				uint64_t hi = (uint64_t)((long double)c->n * (k + 1) / points);

				cJSON_AddItemToArray(pts, cJSON_CreateNumber(c->v[lo + (hi - lo) / 2]));
			}
		}
	}
	return o;
}

struct profile_payload {
	unsigned int points;
	char *text;           /* the profile JSON; owned */
	uint64_t rows;
};

/* The end() of `mlgate profile --reference`: the columns, sorted, as a profile. */
static void profile_end(const struct mlg_check *check, const struct mlg_scan_input *in, size_t nin,
			struct mlg_result *out)
{
	struct profile_payload *pp = mlg_engine_adhoc_payload(check);
	const struct plan *plan = in[0].plan;
	struct state *st = in[0].state;
	double **samples;
	uint64_t *sizes;
	cJSON *root, *cols;

	(void)nin;
	if (st->out_of_memory) {
		mlg_result_set(out, MLG_STATUS_ERROR, "%s", mlg_mem_message(plan->mem));
		return;
	}
	samples = mlg_xcalloc(plan->ncols + 1, sizeof(double *));
	sizes = mlg_xcalloc(plan->ncols + 1, sizeof(uint64_t));
	for (size_t k = 0; k < plan->ncols; k++)
		samples[k] = st->c[k].v, sizes[k] = st->c[k].nonnum ? 0 : st->c[k].n;
	if (sort_all(samples, sizes, plan->ncols, in[0].jobs, plan->mem) < 0) {
		mlg_result_set(out, MLG_STATUS_ERROR, "sorting the samples: %s", mlg_mem_message(plan->mem));
		free(samples);
		free(sizes);
		return;
	}
	free(samples);
	free(sizes);
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "schema", PROFILE_SCHEMA);
	cJSON_AddNumberToObject(root, "rows", (double)in[0].nrows);
	cJSON_AddNumberToObject(root, "sketch_points", pp->points);
	cols = cJSON_AddObjectToObject(root, "columns");
	for (size_t k = 0; k < plan->ncols; k++)
		cJSON_AddItemToObject(cols, plan->names[k], profile_column(&st->c[k], pp->points));
	pp->text = cJSON_Print(root);
	pp->rows = in[0].nrows;
	cJSON_Delete(root);
	mlg_result_set(out, MLG_STATUS_PASSED, "profiled %zu columns", plan->ncols);
}

static const struct mlg_param profile_params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "the reference" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct mlg_scan_ops profile_scan = {
	.prepare = prepare,
	.begin = begin,
	.batch = batch,
	.merge = merge,
	.end = profile_end,
	.free_state = free_state,
	.free_plan = free_plan,
};

static const struct mlg_check_kind profile_kind = {
	.abi = MLG_KIND_ABI,
	.name = "data.reference_profile",
	.summary = "a reference profile for data.drift",
	.params = profile_params,
	.example = "{}",
	.scan = &profile_scan,
};

int mlg_drift_profile(const struct mlg_suite *suite, const struct mlg_dataset *dataset, int jobs,
		      unsigned int points, const char *path, uint64_t *rows, size_t *ncolumns)
{
	struct profile_payload pp = { points, NULL, 0 };
	struct mlg_adhoc_options opts = MLG_ADHOC_OPTIONS_INIT;
	struct mlg_result r;
	struct mlg_input input;
	int rc;

	opts.jobs = jobs;
	opts.payload = &pp;
	memset(&input, 0, sizeof(input));
	if (mlg_engine_scan_adhoc(&r, &input, suite, dataset, &profile_kind, &opts) < 0)
		return mlg_error_set("cannot read '%s'", dataset->path);
	if (r.status != MLG_STATUS_PASSED || !pp.text) {
		rc = mlg_error_set("%s", r.message ? r.message : "the data could not be read");
	} else {
		cJSON *doc = cJSON_Parse(pp.text), *src;
		char *text;

		if (!doc)
			mlg_die_oom();
		/* what the profile was made from, so that a stale one can be told */
		src = cJSON_CreateObject();
		cJSON_AddStringToObject(src, "path", dataset->path);
		cJSON_AddNumberToObject(src, "bytes", (double)input.bytes);
		cJSON_AddStringToObject(src, "sha256", input.sha256);
		cJSON_AddItemToObject(doc, "source", src);
		*ncolumns = (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "columns"));
		*rows = pp.rows;
		text = cJSON_Print(doc);
		rc = mlg_write_atomic(path, text, strlen(text));
		cJSON_free(text);
		cJSON_Delete(doc);
	}
	mlg_result_release(&r);
	free(input.path);
	free(pp.text);
	return rc;
}

/* A number at `key` of `o`, whole and >= 0; -1 with *why set otherwise. */
static int count_at(const cJSON *o, const char *key, uint64_t *out, int required)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v && !required) {
		*out = 0;
		return 0;
	}
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble != floor(v->valuedouble))
		return -1;
	*out = (uint64_t)v->valuedouble;
	return 0;
}

/* One column of a profile into c (values expanded, sorted); NULL, or what is wrong. */
static char *load_column(const cJSON *o, struct colstate *c, struct mlg_mem *mem)
{
	const cJSON *vals = cJSON_GetObjectItemCaseSensitive(o, "values");
	const cJSON *counts = cJSON_GetObjectItemCaseSensitive(o, "counts");
	const cJSON *sketch = cJSON_GetObjectItemCaseSensitive(o, "sketch");
	const cJSON *cats = cJSON_GetObjectItemCaseSensitive(o, "categories");
	const cJSON *first = cJSON_GetObjectItemCaseSensitive(o, "first_non_number");
	const cJSON *it;

	if (!cJSON_IsObject(o))
		return mlg_xstrdup("expected an object");
	if (count_at(o, "numbers", &c->nnum, 1) < 0 || count_at(o, "non_numbers", &c->nonnum, 1) < 0 ||
	    count_at(o, "nulls", &c->nulls, 0) < 0)
		return mlg_xstrdup("\"numbers\", \"non_numbers\" and \"nulls\" must be counts");
	if (first) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(first, "value");
		uint64_t row;

		if (count_at(first, "row", &row, 1) < 0 || !cJSON_IsString(v))
			return mlg_xstrdup("\"first_non_number\" must be {\"row\": N, \"value\": \"...\"}");
		c->first_nonnum = row;
		snprintf(c->nonnum_text, sizeof(c->nonnum_text), "%s", v->valuestring);
	}
	mlg_strcount_init(&c->cats, mem, 0);
	c->cats_overflow = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "categories_overflow"));
	cJSON_ArrayForEach(it, cats) {
		uint64_t n;

		if (!cJSON_IsNumber(it) || it->valuedouble < 0)
			return mlg_xasprintf("category '%s': expected a count", it->string);
		n = (uint64_t)it->valuedouble;
		if (mlg_strcount_add(&c->cats, it->string, strlen(it->string),
				     mlg_strcount_hash(it->string, strlen(it->string), 0), n, NULL) < 0)
			return mlg_xstrdup("the categories exceed max_memory");
	}
	if (c->nonnum || !c->nnum)
		return NULL;
	if (mlg_mem_charge(mem, c->nnum * sizeof(double)) < 0)
		return mlg_xasprintf("%llu numbers exceed max_memory", (unsigned long long)c->nnum);
	c->v = mlg_xmalloc(c->nnum * sizeof(double) + 1);
	c->alloc = c->nnum;
	if (cJSON_IsArray(vals) && cJSON_IsArray(counts) && cJSON_GetArraySize(vals) == cJSON_GetArraySize(counts)) {
		const cJSON *cn = counts->child;

		cJSON_ArrayForEach(it, vals) {
			uint64_t k = cJSON_IsNumber(cn) && cn->valuedouble >= 0 ? (uint64_t)cn->valuedouble : 0;

			if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) || c->n + k > c->nnum)
				return mlg_xstrdup("\"values\" and \"counts\" must be numbers whose counts add up to \"numbers\"");
			for (uint64_t j = 0; j < k; j++)
				c->v[c->n++] = it->valuedouble;
			cn = cn->next;
		}
	} else if (cJSON_IsArray(sketch) && cJSON_GetArraySize(sketch) > 0) {
		uint64_t K = (uint64_t)cJSON_GetArraySize(sketch), k = 0;

		/* each point stands for its block of the sorted sample */
		cJSON_ArrayForEach(it, sketch) {
			uint64_t lo = (uint64_t)((long double)c->nnum * k / K);
			uint64_t hi = (uint64_t)((long double)c->nnum * (k + 1) / K);

			if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
				return mlg_xstrdup("\"sketch\" must hold numbers");
			for (uint64_t j = lo; j < hi; j++)
				c->v[c->n++] = it->valuedouble;
			k++;
		}
	} else {
		return mlg_xstrdup("a numeric column needs \"values\" with \"counts\", or a \"sketch\"");
	}
	if (c->n != c->nnum)
		return mlg_xstrdup("\"counts\" do not add up to \"numbers\"");
	return NULL;
}

/* The reference as read from a profile: a plan and a state like a scan's; -1 with out set. */
static int load_profile(const struct mlg_check *check, struct mlg_mem *mem, struct plan **pplan,
			struct state **pstate, struct mlg_result *out)
{
	char *abs = mlg_check_path(check, "reference_profile"), *text = NULL, *why = NULL;
	const char *shown = mlg_check_string(check, "reference_profile");
	size_t len, k = 0;
	cJSON *doc = NULL;
	const cJSON *cols, *it, *schema;
	struct plan *plan = mlg_xcalloc(1, sizeof(*plan));
	struct state *st = mlg_xcalloc(1, sizeof(*st));
	int rc = -1;

	*pplan = plan;
	*pstate = st;
	st->plan = plan;
	plan->mem = mem;
	if (mlg_read_file(abs, &text, &len) < 0) {
		mlg_result_set(out, MLG_STATUS_ERROR, "reference_profile '%s': %s", shown, mlg_error_last());
		goto done;
	}
	if (!(doc = cJSON_ParseWithLength(text, len))) {
		mlg_result_set(out, MLG_STATUS_ERROR, "reference_profile '%s' is not valid JSON", shown);
		goto done;
	}
	schema = cJSON_GetObjectItemCaseSensitive(doc, "schema");
	if (!cJSON_IsString(schema) || strcmp(schema->valuestring, PROFILE_SCHEMA)) {
		mlg_result_set(out, MLG_STATUS_ERROR,
			       "reference_profile '%s' is not a reference profile (\"schema\" must be \"%s\"; make one with `mlgate profile --reference DATA -o FILE`)",
			       shown, PROFILE_SCHEMA);
		goto done;
	}
	cols = cJSON_GetObjectItemCaseSensitive(doc, "columns");
	plan->ncols = (size_t)cJSON_GetArraySize(cols);
	plan->names = mlg_xcalloc(plan->ncols + 1, sizeof(char *));
	plan->col = mlg_xcalloc(plan->ncols + 1, sizeof(long));
	st->c = mlg_xcalloc(plan->ncols + 1, sizeof(*st->c));
	cJSON_ArrayForEach(it, cols) {
		plan->names[k] = mlg_xstrdup(it->string);
		why = load_column(it, &st->c[k], mem);
		st->charged += st->c[k].n * sizeof(double);
		k++;
		if (why) {
			plan->ncols = k;
			mlg_result_set(out, MLG_STATUS_ERROR, "reference_profile '%s' at columns.%s: %s", shown,
				       it->string, why);
			goto done;
		}
	}
	rc = 0;
done:
	free(why);
	free(text);
	free(abs);
	cJSON_Delete(doc);
	return rc;
}

const struct mlg_scan_ops mlg_drift_scan = {
	.prepare = prepare,
	.begin = begin,
	.batch = batch,
	.merge = merge,
	.end = drift_end,
	.free_state = free_state,
	.free_plan = free_plan,
};
