/*
 * The evaluation of a predictions check, once every row is read: classes,
 * one sort per class, slices cut from it, metrics per slice, the baseline
 * model's metrics on the same rows, paired tests, bootstrap intervals, and
 * the table of it all in the result.
 *
 * Everything here runs on the merged state, in file order, on one thread:
 * the same rows give the same numbers, bit for bit, whatever -j was.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/batch.h"
#include "mlgate/modeleval.h"
#include "mlgate/stats.h"
#include "mlgate/suite.h"
#include "model_internal.h"
#include "util.h"

/* Slices below min_support listed in the table; the rest are counted. */
#define MAX_SKIPPED_LISTED 100

/* Resampled rows a check may evaluate before it refuses: minutes of work. */
#define MAX_BOOTSTRAP_ROWS 4e9

/* One dataset (candidate or baseline) ready for the arithmetic. */
struct side {
	const struct mlg_scan_input *in;
	const struct model_state *st;
	uint64_t n;
	struct mlg_cls_data cls;
	struct mlg_reg_data reg;
	uint16_t *label, *pred;  /* class indices, owned */
	double *score2;          /* binary from a two-class "scores": the positive column, owned */
	uint32_t **sorted;       /* per class: every row by ascending score, owned */
	size_t nsorted;
};

/* One group of rows: the whole dataset, or one slice. */
struct group {
	char *name;              /* NULL for the whole dataset */
	size_t n;
	uint32_t *rows;          /* borrowed or owned, see eval */
	uint32_t **sorted;       /* candidate, per class */
	uint32_t **bsorted;      /* baseline, per class */
};

/* What one (metric, group) came to. */
struct cell {
	struct mlg_metric_value v, b;
	int has_base, has_ci, has_p;
	double ci_low, ci_high, p;
	enum mlg_status status;
	char *why;
};

struct eval {
	const struct mlg_check *check;
	struct model_spec spec;
	struct side cand, base;
	int has_base;
	size_t nclasses;
	char **class_names;      /* owned */
	int need_ranks;
	uint32_t **gcol;         /* per group column: the rows' ids */
	int *want;               /* metric ids of spec.metrics */
	struct mlg_result *out;
	cJSON *table;
	size_t nrows_gated, nrows_failed, nrows_error, nskipped_support;
	uint32_t *weight;        /* the bootstrap's multiplicities, all 0 between resamples */
	const char *first_error;
	char *message_error;     /* owned */
	/* the worst failing row, for the message */
	char *worst;
	double worst_excess;
	int worst_metric;
};

static int lower_is_better(int m)
{
	return (mlg_metric_info(m)->flags & MLG_MF_LOWER) != 0;
}

static const char *fmt(double v, char buf[32])
{
	return mlg_format_number(v, buf);
}

/* A number to about 4 significant digits, for messages. */
static const char *short_num(double v, char buf[32])
{
	char t[32];

	snprintf(t, sizeof(t), "%.4g", v);
	memcpy(buf, t, sizeof(t));
	return buf;
}

/* ---- reading problems ---------------------------------------------------- */

static int wants_probabilities(const struct model_spec *spec)
{
	for (size_t i = 0; i < spec->nmetrics; i++)
		if (spec->metrics[i].metric >= 0 &&
		    (mlg_metric_info(spec->metrics[i].metric)->flags & MLG_MF_PROBS))
			return 1;
	return 0;
}

/* An error for the first problem met while reading `side`; 0 when none. */
static int reading_problems(struct eval *e, const struct side *s)
{
	const struct model_plan *plan = s->in->plan;
	const char *ds = s->in->dataset ? s->in->dataset->name : "?";
	static const char *const what[ISSUE_COUNT] = {
		[ISSUE_NULL_LABEL] = "no label",
		[ISSUE_BAD_LABEL] = "a label that is not a finite number",
		[ISSUE_NULL_SCORE] = "no score",
		[ISSUE_BAD_SCORE] = "a score that is not a finite number",
		[ISSUE_SCORE_RANGE] = "a score outside [0, 1], which a probability metric cannot use",
		[ISSUE_NULL_PRED] = "no prediction",
		[ISSUE_BAD_PRED] = "a prediction that is not a finite number",
	};

	if (s->st->n == UINT64_MAX && s->st->too_many) {
		mlg_result_set(e->out, MLG_STATUS_ERROR,
			       "%s: the labels%s hold more than %d distinct values: is '%s' the label column? (classification labels are compared as text)",
			       ds, plan->pred >= 0 ? " and predictions" : "", MODEL_MAX_CLASSES,
			       plan->columns[plan->label]);
		return -1;
	}
	if (s->st->n == UINT64_MAX) {
		mlg_result_set(e->out, MLG_STATUS_ERROR, "%s: %s", ds, mlg_mem_message(plan->mem));
		return -1;
	}
	for (int w = 0; w < ISSUE_COUNT; w++) {
		const struct model_issue_seen *is = &s->st->issue[w];

		if (!is->count || (w == ISSUE_SCORE_RANGE && !wants_probabilities(&e->spec)))
			continue;
		mlg_result_set(e->out, MLG_STATUS_ERROR,
			       "%llu row%s of %s %s %s (first: row %llu, column '%s'%s%s%s)",
			       (unsigned long long)is->count, mlg_plural(is->count), ds,
			       is->count == 1 ? "has" : "have", what[w], (unsigned long long)is->row,
			       plan->columns[is->col], is->value[0] ? ", value '" : "", is->value,
			       is->value[0] ? "'" : "");
		cJSON_AddNumberToObject(e->out->observed, "problem_rows", (double)is->count);
		cJSON_AddNumberToObject(e->out->observed, "first_problem_row", (double)is->row);
		return -1;
	}
	return 0;
}

/* ---- classes --------------------------------------------------------------- */

static int all_numeric(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *end;

		if (!*names[i])
			return 0;
		strtod(names[i], &end);
		if (*end)
			return 0;
	}
	return 1;
}

static int cmp_num(const void *a, const void *b)
{
	double x = strtod(*(char *const *)a, NULL), y = strtod(*(char *const *)b, NULL);

	return x < y ? -1 : x > y ? 1 : strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static long class_of(const struct eval *e, const char *text, size_t len)
{
	for (size_t c = 0; c < e->nclasses; c++)
		if (strlen(e->class_names[c]) == len && !memcmp(e->class_names[c], text, len))
			return (long)c;
	return -1;
}

static void add_class(struct eval *e, const char *text, size_t len)
{
	if (class_of(e, text, len) >= 0)
		return;
	e->class_names = mlg_xrealloc(e->class_names, (e->nclasses + 1) * sizeof(char *));
	e->class_names[e->nclasses++] = mlg_xstrndup(text, len);
}

/* The index of a value in a side's table of label texts, or -1. */
static long class_of_in(const struct side *s, const char *text)
{
	size_t len = strlen(text);

	return mlg_strcount_find(&s->st->values, text, len, mlg_strcount_hash(text, len, 0));
}

/*
 * Decides the classes and their order: the "scores" columns' order; for a
 * binary score the other label then the positive one; otherwise every
 * label and predicted label seen, sorted (as numbers when all are).
 */
static int decide_classes(struct eval *e)
{
	const struct model_spec *spec = &e->spec;
	const struct side *sides[2] = { &e->cand, e->has_base ? &e->base : NULL };

	if (spec->nclass_cols) {
		for (size_t c = 0; c < spec->nclass_cols; c++)
			add_class(e, spec->class_names[c], strlen(spec->class_names[c]));
		if (e->nclasses == 2) {
			long pos = class_of(e, spec->positive, strlen(spec->positive));
			if (pos < 0) {
				mlg_result_set(e->out, MLG_STATUS_ERROR,
					       "the positive class '%s' is not a key of \"scores\" ('%s', '%s'): set \"positive\"",
					       spec->positive, e->class_names[0], e->class_names[1]);
				return -1;
			}
			if (pos == 0) { /* the positive class is index 1 */
				char *t = e->class_names[0];

				e->class_names[0] = e->class_names[1];
				e->class_names[1] = t;
			}
		}
		return 0;
	}
	for (int k = 0; k < 2; k++) {
		if (!sides[k])
			continue;
		for (size_t i = 0; i < sides[k]->st->values.n; i++) {
			const struct mlg_strcount_entry *en = &sides[k]->st->values.entries[i];

			add_class(e, en->text, en->len);
		}
	}
	if (spec->score || e->nclasses <= 2) {
		long pos = class_of(e, spec->positive, strlen(spec->positive));

		if (e->nclasses > 2) {
			/* name the third value where it first appears: the candidate's
			 * values come first (class_names in order), then the baseline's */
			const struct side *s = &e->cand;
			long idx = -1;

			/* the earliest row holding a value beyond the first two (labels
			 * and predictions are interned column by column in a batch) */
			for (int k = 0; k < 2 && idx < 0; k++) {
				if (k && !e->has_base)
					break;
				s = k ? &e->base : &e->cand;
				for (size_t c = 2; c < e->nclasses; c++) {
					long i = class_of_in(s, e->class_names[c]);

					if (i >= 0 && (idx < 0 || s->st->value_row[i] < s->st->value_row[idx]))
						idx = i;
				}
			}
			mlg_result_set(e->out, MLG_STATUS_ERROR,
				       "%s row %llu has a third %s '%s' (after '%s' and '%s'): a binary score needs two classes%s",
				       s->in->dataset->name, (unsigned long long)(idx >= 0 ? s->st->value_row[idx] : 0),
				       spec->prediction ? "label or prediction" : "label",
				       idx >= 0 ? s->st->values.entries[idx].text : e->class_names[2],
				       e->class_names[0], e->class_names[1],
				       spec->prediction ? "" : "; for more, use \"scores\" (one column per class) or \"prediction\"");
			return -1;
		}
		if (pos < 0 && e->nclasses == 2) {
			mlg_result_set(e->out, MLG_STATUS_ERROR,
				       "the positive class '%s' is not among the labels ('%s', '%s'): set \"positive\"",
				       spec->positive, e->class_names[0], e->class_names[1]);
			return -1;
		}
		if (pos < 0) /* one label, not the positive one: it is the negative class */
			add_class(e, spec->positive, strlen(spec->positive));
		else if (e->nclasses == 1)
			add_class(e, "", 0), pos = 0;
		if (pos == 0) {
			char *t = e->class_names[0];

			e->class_names[0] = e->class_names[1];
			e->class_names[1] = t;
		}
		if (e->nclasses == 2 && !*e->class_names[0] && pos == 0) {
			/* only positives were seen: name the other class for the report */
			free(e->class_names[0]);
			e->class_names[0] = mlg_xstrdup("(other)");
		}
		return 0;
	}
	qsort(e->class_names, e->nclasses, sizeof(char *),
	      all_numeric(e->class_names, e->nclasses) ? cmp_num : cmp_text);
	return 0;
}

/* Class indices of `side`'s labels and predictions; -1 with the result set. */
static int map_classes(struct eval *e, struct side *s)
{
	const struct model_state *st = s->st;
	const struct model_plan *plan = s->in->plan;
	const char *ds = s->in->dataset ? s->in->dataset->name : "?";
	long *map = mlg_xcalloc(st->values.n + 1, sizeof(long));
	size_t k = e->spec.nclass_cols;
	int rc = -1;

	for (size_t i = 0; i < st->values.n; i++) {
		const struct mlg_strcount_entry *en = &st->values.entries[i];

		map[i] = class_of(e, en->text, en->len);
		if (map[i] < 0) {
			mlg_result_set(e->out, MLG_STATUS_ERROR,
				       "%s row %llu has the %s '%s', which is not a class of \"scores\" (%s%s%s%s)",
				       ds, (unsigned long long)st->value_row[i],
				       plan->pred >= 0 ? "label or prediction" : "label", en->text, e->class_names[0],
				       ", ", e->class_names[1], e->nclasses > 2 ? ", ..." : "");
			goto done;
		}
	}
	s->n = st->n;
	s->label = mlg_xmalloc((s->n + 1) * sizeof(uint16_t));
	s->pred = mlg_xmalloc((s->n + 1) * sizeof(uint16_t));
	for (uint64_t r = 0; r < s->n; r++)
		s->label[r] = (uint16_t)map[st->label[r]];
	if (plan->pred >= 0) {
		for (uint64_t r = 0; r < s->n; r++)
			s->pred[r] = (uint16_t)map[st->pred[r]];
	} else if (k > 2) {
		for (uint64_t r = 0; r < s->n; r++) {
			const double *p = st->score + r * k;
			size_t best = 0;

			for (size_t c = 1; c < k; c++)
				if (p[c] > p[best])
					best = c;
			s->pred[r] = (uint16_t)best;
		}
	}
	if (k == 2) {
		/* the positive class's column, wherever it was declared */
		size_t col = strcmp(e->spec.class_names[0], e->class_names[1]) ? 1 : 0;

		s->score2 = mlg_xmalloc((s->n + 1) * sizeof(double));
		for (uint64_t r = 0; r < s->n; r++)
			s->score2[r] = st->score[r * 2 + col];
	}
	s->cls.nclasses = e->nclasses;
	s->cls.label = s->label;
	s->cls.pred = s->pred;
	s->cls.score = s->score2 ? s->score2 : st->score;
	s->cls.ece_bins = e->spec.ece_bins;
	if (plan->pred < 0 && k <= 2)
		for (uint64_t r = 0; r < s->n; r++)
			s->pred[r] = s->cls.score[r] >= e->spec.threshold;
	rc = 0;
done:
	free(map);
	return rc;
}

/* ---- sorting and slicing --------------------------------------------------- */

static int sort_side(struct eval *e, struct side *s)
{
	size_t k = e->nclasses > 2 ? e->nclasses : 1;

	if (!e->need_ranks || !s->cls.score)
		return 0;
	s->nsorted = k;
	s->sorted = mlg_xcalloc(k, sizeof(*s->sorted));
	for (size_t c = 0; c < k; c++) {
		s->sorted[c] = mlg_xmalloc((s->n + 1) * sizeof(uint32_t));
		for (uint64_t r = 0; r < s->n; r++)
			s->sorted[c][r] = (uint32_t)r;
		if (mlg_sort_scores(s->sorted[c], s->n, s->cls.score + (k > 1 ? c : 0), k) < 0) {
			mlg_result_set(e->out, MLG_STATUS_ERROR, "out of memory sorting %llu scores",
				       (unsigned long long)s->n);
			return -1;
		}
	}
	return 0;
}

/* The rows of `order` (n of them) that belong to each group, stably: out[g] points into buf. */
static void split_stable(const uint32_t *order, size_t n, const uint32_t *gid, size_t ngroups,
			 const size_t *start, uint32_t *buf)
{
	size_t *at = mlg_xmalloc((ngroups + 1) * sizeof(size_t));

	memcpy(at, start, ngroups * sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		buf[at[gid[order[i]]]++] = order[i];
	free(at);
}

struct slicing_groups {
	size_t ngroups;
	uint32_t *gid;        /* per row; owned when `own_gid` */
	int own_gid;
	char **names;         /* per group, owned */
	size_t *start, *count;
	uint32_t *rows;       /* grouped, owned */
	uint32_t **sorted;    /* per class: grouped in score order, owned */
	uint32_t **bsorted;
	size_t *order;        /* groups by name */
};

static void group_text(struct mlg_strbuf *sb, const struct mlg_strcount *t, uint32_t id)
{
	const struct mlg_strcount_entry *en = &t->entries[id];

	if (en->len == 1 && en->text[0] == '\0')
		mlg_strbuf_addstr(sb, "null");
	else
		mlg_strbuf_add(sb, en->text, en->len);
}

/* A group's name beside its index, so that sorting needs no global (checks end in parallel). */
struct named {
	const char *name;
	size_t index;
};

static int cmp_group(const void *a, const void *b)
{
	return strcmp(((const struct named *)a)->name, ((const struct named *)b)->name);
}

static int cut_slicing(struct eval *e, const struct model_slicing *sl, struct slicing_groups *g)
{
	const struct model_state *st = e->cand.st;
	uint64_t n = e->cand.n;

	memset(g, 0, sizeof(*g));
	if (sl->ncols == 1) {
		g->gid = e->gcol[sl->cols[0]];
		g->ngroups = st->groups[sl->cols[0]].n;
		g->names = mlg_xcalloc(g->ngroups + 1, sizeof(char *));
		for (size_t i = 0; i < g->ngroups; i++) {
			struct mlg_strbuf sb = MLG_STRBUF_INIT;

			mlg_strbuf_addf(&sb, "%s=", e->spec.groupcols[sl->cols[0]]);
			group_text(&sb, &st->groups[sl->cols[0]], (uint32_t)i);
			g->names[i] = mlg_strbuf_detach(&sb);
		}
	} else {
		/* a cross: the tuple of ids is the key of a table of groups */
		struct mlg_strcount t;
		uint32_t *key = mlg_xcalloc(sl->ncols, sizeof(uint32_t));

		mlg_strcount_init(&t, NULL, 0);
		g->gid = mlg_xmalloc((n + 1) * sizeof(uint32_t));
		g->own_gid = 1;
		for (uint64_t r = 0; r < n; r++) {
			size_t idx;

			for (size_t c = 0; c < sl->ncols; c++)
				key[c] = e->gcol[sl->cols[c]][r];
			mlg_strcount_add(&t, (const char *)key, sl->ncols * sizeof(uint32_t),
					 mlg_strcount_hash((const char *)key, sl->ncols * sizeof(uint32_t), 0),
					 1, &idx);
			g->gid[r] = (uint32_t)idx;
		}
		g->ngroups = t.n;
		g->names = mlg_xcalloc(g->ngroups + 1, sizeof(char *));
		for (size_t i = 0; i < g->ngroups; i++) {
			struct mlg_strbuf sb = MLG_STRBUF_INIT;

			memcpy(key, t.entries[i].text, sl->ncols * sizeof(uint32_t));
			for (size_t c = 0; c < sl->ncols; c++) {
				mlg_strbuf_addf(&sb, "%s%s=", c ? ", " : "", e->spec.groupcols[sl->cols[c]]);
				group_text(&sb, &st->groups[sl->cols[c]], key[c]);
			}
			g->names[i] = mlg_strbuf_detach(&sb);
		}
		mlg_strcount_release(&t);
		free(key);
	}
	g->start = mlg_xcalloc(g->ngroups + 1, sizeof(size_t));
	g->count = mlg_xcalloc(g->ngroups + 1, sizeof(size_t));
	for (uint64_t r = 0; r < n; r++)
		g->count[g->gid[r]]++;
	for (size_t i = 1; i < g->ngroups; i++)
		g->start[i] = g->start[i - 1] + g->count[i - 1];
	g->rows = mlg_xmalloc((n + 1) * sizeof(uint32_t));
	{
		size_t *at = mlg_xmalloc((g->ngroups + 1) * sizeof(size_t));

		memcpy(at, g->start, g->ngroups * sizeof(size_t));
		for (uint64_t r = 0; r < n; r++)
			g->rows[at[g->gid[r]]++] = (uint32_t)r;
		free(at);
	}
	/* grouped calls read each group's order off the whole order: the
	 * bootstrap alone needs each group's rows in score order */
	if (e->spec.bootstrap && e->cand.sorted) {
		g->sorted = mlg_xcalloc(e->cand.nsorted, sizeof(uint32_t *));
		for (size_t c = 0; c < e->cand.nsorted; c++) {
			g->sorted[c] = mlg_xmalloc((n + 1) * sizeof(uint32_t));
			split_stable(e->cand.sorted[c], n, g->gid, g->ngroups, g->start, g->sorted[c]);
		}
	}
	if (e->spec.bootstrap && e->has_base && e->base.sorted) {
		g->bsorted = mlg_xcalloc(e->base.nsorted, sizeof(uint32_t *));
		for (size_t c = 0; c < e->base.nsorted; c++) {
			g->bsorted[c] = mlg_xmalloc((n + 1) * sizeof(uint32_t));
			split_stable(e->base.sorted[c], n, g->gid, g->ngroups, g->start, g->bsorted[c]);
		}
	}
	{
		struct named *by = mlg_xmalloc((g->ngroups + 1) * sizeof(*by));

		for (size_t i = 0; i < g->ngroups; i++)
			by[i].name = g->names[i], by[i].index = i;
		qsort(by, g->ngroups, sizeof(*by), cmp_group);
		g->order = mlg_xmalloc((g->ngroups + 1) * sizeof(size_t));
		for (size_t i = 0; i < g->ngroups; i++)
			g->order[i] = by[i].index;
		free(by);
	}
	return 0;
}

static void free_slicing(struct slicing_groups *g, size_t ksorted, size_t kbsorted)
{
	if (g->own_gid)
		free(g->gid);
	for (size_t i = 0; i < g->ngroups; i++)
		free(g->names[i]);
	free(g->names);
	free(g->start);
	free(g->count);
	free(g->rows);
	for (size_t c = 0; g->sorted && c < ksorted; c++)
		free(g->sorted[c]);
	free(g->sorted);
	for (size_t c = 0; g->bsorted && c < kbsorted; c++)
		free(g->bsorted[c]);
	free(g->bsorted);
	free(g->order);
}

/* ---- metrics of a group ---------------------------------------------------- */

static void metrics_of(const struct eval *e, const struct side *s, const struct group *g,
		       uint32_t *const *sorted, const uint32_t *weight, struct mlg_metric_value *out)
{
	struct mlg_subset sub = { g->n, g->rows, (const uint32_t *const *)sorted, weight };

	if (e->spec.task == MODEL_REG)
		mlg_reg_metrics(&s->reg, &sub, e->want, e->spec.nmetrics, out);
	else
		mlg_cls_metrics(&s->cls, &sub, e->want, e->spec.nmetrics, out);
}

/* One-sided p of "the candidate is not worse", from paired resampled deltas (better > 0). */
static double bootstrap_p(const double *better, size_t n)
{
	size_t not_worse = 0;

	for (size_t i = 0; i < n; i++)
		not_worse += better[i] >= 0;
	return (double)(1 + not_worse) / (double)(n + 1);
}

/*
 * Resamples the group: intervals for every metric and, with a baseline,
 * the paired p-value of each metric's delta. Resample r of group `stream`
 * draws the same rows for both models.
 */
static void bootstrap(struct eval *e, const struct group *g, uint64_t stream, struct cell *cells)
{
	size_t nm = e->spec.nmetrics, B = e->spec.resamples, ok;
	uint32_t *weight;
	double *vals = mlg_xmalloc(nm * B * sizeof(double)), *better = mlg_xmalloc(nm * B * sizeof(double));
	size_t *nv = mlg_xcalloc(nm, sizeof(size_t)), *nb = mlg_xcalloc(nm, sizeof(size_t));
	struct mlg_metric_value *v = mlg_xcalloc(nm, sizeof(*v)), *b = mlg_xcalloc(nm, sizeof(*b));
	struct mlg_subset sub = { g->n, g->rows, NULL, NULL };

	/* one array for every group: a slice's resamples touch its rows only */
	if (!e->weight)
		e->weight = mlg_xcalloc(e->cand.n + 1, sizeof(uint32_t));
	weight = e->weight;
	for (size_t r = 0; r < B; r++) {
		mlg_bootstrap_draw(&sub, e->spec.seed, stream, r, weight);
		metrics_of(e, &e->cand, g, g->sorted, weight, v);
		if (e->has_base)
			metrics_of(e, &e->base, g, g->bsorted, weight, b);
		for (size_t m = 0; m < nm; m++) {
			if (v[m].undefined)
				continue;
			vals[m * B + nv[m]++] = v[m].value;
			if (e->has_base && !b[m].undefined) {
				double d = v[m].value - b[m].value;

				better[m * B + nb[m]++] = lower_is_better(e->want[m]) ? -d : d;
			}
		}
		for (size_t i = 0; i < g->n; i++)
			weight[g->rows[i]] = 0;
	}
	for (size_t m = 0; m < nm; m++) {
		double q[2] = { (1 - e->spec.level) / 2, 1 - (1 - e->spec.level) / 2 }, lim[2];

		/* an interval from resamples where the metric was mostly undefined would lie */
		ok = nv[m] >= B * 9 / 10;
		if (ok) {
			mlg_stats_quantiles(vals + m * B, nv[m], q, 2, lim);
			cells[m].has_ci = 1;
			cells[m].ci_low = lim[0];
			cells[m].ci_high = lim[1];
		}
		if (e->has_base && nb[m] >= B * 9 / 10 && e->want[m] != MLG_M_ACCURACY) {
			cells[m].has_p = 1;
			cells[m].p = bootstrap_p(better + m * B, nb[m]);
		}
	}
	free(vals);
	free(better);
	free(nv);
	free(nb);
	free(v);
	free(b);
}

static void mcnemar_cell(const struct eval *e, const struct group *g, struct cell *c)
{
	uint64_t b = 0, cc = 0;
	struct mlg_mcnemar t;

	for (size_t i = 0; i < g->n; i++) {
		uint32_t r = g->rows[i];
		int cand_right = e->cand.pred[r] == e->cand.label[r];
		int base_right = e->base.pred[r] == e->base.label[r];

		b += base_right && !cand_right;
		cc += !base_right && cand_right;
	}
	mlg_mcnemar(b, cc, &t);
	c->has_p = 1;
	c->p = t.p;
}

/* ---- judging a cell -------------------------------------------------------- */

static int gates(const struct model_bound *b)
{
	return b->has_min || b->has_max || b->has_drop || b->has_rel || b->has_nwtb;
}

static void bound_text(const struct model_bound *b, struct mlg_strbuf *sb)
{
	char x[32];
	const char *on = b->on == ON_CI_LOW ? "ci_low " : b->on == ON_CI_HIGH ? "ci_high " : "";

	if (b->has_min)
		mlg_strbuf_addf(sb, "%s%s>= %s", sb->len ? ", " : "", on, fmt(b->min, x));
	if (b->has_max)
		mlg_strbuf_addf(sb, "%s%s<= %s", sb->len ? ", " : "", on, fmt(b->max, x));
	if (b->has_drop)
		mlg_strbuf_addf(sb, "%sdrop <= %s", sb->len ? ", " : "", fmt(b->max_drop, x));
	if (b->has_rel)
		mlg_strbuf_addf(sb, "%srelative drop <= %s", sb->len ? ", " : "", fmt(b->max_rel, x));
	if (b->has_nwtb)
		mlg_strbuf_addf(sb, "%snot worse (p < %s)", sb->len ? ", " : "", fmt(b->alpha, x));
}

/* Sets c->status and c->why; returns how far past its bound the value is (for "worst"). */
static double judge(const struct model_bound *b, struct cell *c)
{
	char x[32], y[32], z[32], w[32];
	double v = c->v.value, drop;

	c->status = MLG_STATUS_PASSED;
	if (c->v.undefined) {
		c->status = gates(b) ? MLG_STATUS_ERROR : MLG_STATUS_SKIPPED;
		c->why = mlg_xasprintf("is undefined: %s", c->v.undefined);
		return 0;
	}
	if (b->has_min || b->has_max) {
		double at = b->on == ON_CI_LOW ? c->ci_low : b->on == ON_CI_HIGH ? c->ci_high : v;
		const char *what = b->on == ON_CI_LOW ? "the interval's low end " :
				   b->on == ON_CI_HIGH ? "the interval's high end " : "";

		if (b->on != ON_VALUE && !c->has_ci) {
			c->status = MLG_STATUS_ERROR;
			c->why = mlg_xstrdup("no bootstrap interval: the metric is undefined in most resamples");
			return 0;
		}
		if (b->has_min && at < b->min) {
			c->status = MLG_STATUS_FAILED;
			c->why = mlg_xasprintf("%s%s is below min %s", what, short_num(at, x), fmt(b->min, y));
			return (b->min - at) / fmax(fabs(b->min), 1e-12);
		}
		if (b->has_max && at > b->max) {
			c->status = MLG_STATUS_FAILED;
			c->why = mlg_xasprintf("%s%s is above max %s", what, short_num(at, x), fmt(b->max, y));
			return (at - b->max) / fmax(fabs(b->max), 1e-12);
		}
	}
	if (!(b->has_drop || b->has_rel || b->has_nwtb))
		return 0;
	if (!c->has_base || c->b.undefined) {
		c->status = MLG_STATUS_ERROR;
		c->why = mlg_xasprintf("the baseline's value is undefined: %s",
				       c->b.undefined ? c->b.undefined : "no baseline");
		return 0;
	}
	drop = lower_is_better(b->metric) ? v - c->b.value : c->b.value - v;
	if (b->has_drop && drop > b->max_drop) {
		c->status = MLG_STATUS_FAILED;
		c->why = mlg_xasprintf("%s against baseline %s: dropped %s, more than max_drop %s",
				       short_num(v, x), short_num(c->b.value, y), short_num(drop, z),
				       fmt(b->max_drop, w));
		return drop - b->max_drop;
	}
	if (b->has_rel && drop > b->max_rel * fabs(c->b.value)) {
		c->status = MLG_STATUS_FAILED;
		c->why = mlg_xasprintf("%s against baseline %s: dropped %s%%, more than max_relative_drop %s",
				       short_num(v, x), short_num(c->b.value, y),
				       short_num(100 * drop / fabs(c->b.value), z), fmt(b->max_rel, w));
		return drop - b->max_rel * fabs(c->b.value);
	}
	if (b->has_nwtb) {
		if (!c->has_p) {
			c->status = MLG_STATUS_ERROR;
			c->why = mlg_xstrdup("no paired test: the metric is undefined in most resamples");
			return 0;
		}
		if (drop > 0 && c->p < b->alpha) {
			c->status = MLG_STATUS_FAILED;
			c->why = mlg_xasprintf("worse than the baseline (%s against %s, p = %s < %s)",
					       short_num(v, x), short_num(c->b.value, y), short_num(c->p, z),
					       fmt(b->alpha, w));
			return b->alpha - c->p;
		}
	}
	return 0;
}

static void add_row(struct eval *e, const struct model_bound *b, const struct group *g,
		    const struct cell *c)
{
	cJSON *row = cJSON_CreateObject();
	struct mlg_strbuf sb = MLG_STRBUF_INIT;

	cJSON_AddStringToObject(row, "metric", b->name);
	cJSON_AddStringToObject(row, "slice", g->name ? g->name : "all");
	cJSON_AddNumberToObject(row, "rows", (double)g->n);
	if (!c->v.undefined)
		cJSON_AddNumberToObject(row, "value", c->v.value);
	if (c->has_base && !c->b.undefined) {
		cJSON_AddNumberToObject(row, "baseline", c->b.value);
		if (!c->v.undefined)
			cJSON_AddNumberToObject(row, "delta", c->v.value - c->b.value);
	}
	if (c->has_ci) {
		cJSON_AddNumberToObject(row, "ci_low", c->ci_low);
		cJSON_AddNumberToObject(row, "ci_high", c->ci_high);
	}
	if (c->has_p)
		cJSON_AddNumberToObject(row, "p_value", c->p);
	bound_text(b, &sb);
	if (sb.len)
		cJSON_AddStringToObject(row, "bound", sb.buf);
	mlg_strbuf_release(&sb);
	cJSON_AddStringToObject(row, "status", mlg_status_name(c->status));
	if (c->why)
		cJSON_AddStringToObject(row, "why", c->why);
	cJSON_AddItemToArray(e->table, row);
}

static void note_outcome(struct eval *e, size_t m, const struct group *g, struct cell *c,
			 double excess)
{
	const struct model_bound *b = &e->spec.metrics[m];

	if (gates(b))
		e->nrows_gated++;
	if (c->status == MLG_STATUS_ERROR) {
		e->nrows_error++;
		if (!e->message_error)
			e->message_error = mlg_xasprintf("%s%s%s%s%s", b->name, g->name ? " on " : "",
							 g->name ? g->name : "",
							 c->v.undefined ? " " : ": ", c->why);
	} else if (c->status == MLG_STATUS_FAILED) {
		e->nrows_failed++;
		/* the worst row of the first metric that failed */
		if (!e->worst || ((int)m == e->worst_metric && excess > e->worst_excess)) {
			free(e->worst);
			e->worst = mlg_xasprintf("%s%s%s (%zu rows): %s", b->name,
						 g->name ? " on " : "", g->name ? g->name : "", g->n, c->why);
			e->worst_excess = excess;
			e->worst_metric = (int)m;
		}
	}
}

/*
 * Every metric of one group: values (computed here, or given by a grouped
 * call in pv/pb), baseline, tests, verdicts, table rows.
 */
static void evaluate_group(struct eval *e, const struct group *g, uint64_t stream,
			   const struct mlg_metric_value *pv, const struct mlg_metric_value *pb)
{
	size_t nm = e->spec.nmetrics;
	struct cell *cells = mlg_xcalloc(nm, sizeof(*cells));
	struct mlg_metric_value *v = mlg_xcalloc(nm, sizeof(*v)), *b = mlg_xcalloc(nm, sizeof(*b));

	if (pv)
		memcpy(v, pv, nm * sizeof(*v));
	else
		metrics_of(e, &e->cand, g, g->sorted, NULL, v);
	if (e->has_base && pb)
		memcpy(b, pb, nm * sizeof(*b));
	else if (e->has_base)
		metrics_of(e, &e->base, g, g->bsorted, NULL, b);
	if (e->spec.bootstrap)
		bootstrap(e, g, stream, cells);
	for (size_t m = 0; m < nm; m++) {
		double excess;

		cells[m].v = v[m];
		if (e->has_base) {
			cells[m].has_base = 1;
			cells[m].b = b[m];
			if (e->want[m] == MLG_M_ACCURACY)
				mcnemar_cell(e, g, &cells[m]);
		}
		excess = judge(&e->spec.metrics[m], &cells[m]);
		note_outcome(e, m, g, &cells[m], excess);
		add_row(e, &e->spec.metrics[m], g, &cells[m]);
		free(cells[m].why);
	}
	free(cells);
	free(v);
	free(b);
}

/*
 * The metrics of every group of a slicing in one grouped call per model
 * (one pass over the rows, one down the score order): out[g * nmetrics + m].
 */
static void metrics_by_group(const struct eval *e, const struct side *s, uint32_t *const *sorted,
			     const struct slicing_groups *sg, struct mlg_metric_value *out)
{
	uint32_t *rows = NULL;
	struct mlg_subset all = { s->n, NULL, (const uint32_t *const *)sorted, NULL };

	rows = mlg_xmalloc((s->n + 1) * sizeof(uint32_t));
	for (uint64_t r = 0; r < s->n; r++)
		rows[r] = (uint32_t)r;
	all.rows = rows;
	if (e->spec.task == MODEL_REG)
		mlg_reg_metrics_by_group(&s->reg, &all, sg->gid, sg->ngroups, e->want, e->spec.nmetrics, out);
	else
		mlg_cls_metrics_by_group(&s->cls, &all, sg->gid, sg->ngroups, e->want, e->spec.nmetrics, out);
	free(rows);
}

/* The whole dataset's values, computed beside the slices' grouped calls. */
struct overall_job {
	const struct eval *e;
	const struct group *g;
	struct mlg_metric_value *v, *b;
};

static void *overall_values(void *arg)
{
	struct overall_job *j = arg;

	metrics_of(j->e, &j->e->cand, j->g, j->g->sorted, NULL, j->v);
	if (j->e->has_base)
		metrics_of(j->e, &j->e->base, j->g, j->g->bsorted, NULL, j->b);
	return NULL;
}

/* ---- model.fairness ---------------------------------------------------------- */

static void evaluate_fairness(struct eval *e, struct slicing_groups *sg)
{
	const struct model_bound *b = &e->spec.metrics[0];
	struct mlg_metric_value v, *all = mlg_xcalloc(sg->ngroups + 1, sizeof(*all));
	double lo = INFINITY, hi = -INFINITY;
	size_t ilo = 0, ihi = 0, used = 0;
	char x[32], y[32], z[32], w[32];

	metrics_by_group(e, &e->cand, e->cand.sorted, sg, all);
	for (size_t k = 0; k < sg->ngroups; k++) {
		size_t i = sg->order[k];
		struct group g = { sg->names[i], sg->count[i], sg->rows + sg->start[i], NULL, NULL };
		cJSON *row = cJSON_CreateObject();

		cJSON_AddStringToObject(row, "metric", b->name);
		cJSON_AddStringToObject(row, "slice", g.name);
		cJSON_AddNumberToObject(row, "rows", (double)g.n);
		cJSON_AddItemToArray(e->table, row);
		if (g.n < e->spec.min_support) {
			e->nskipped_support++;
			cJSON_AddStringToObject(row, "status", "skipped");
			cJSON_AddStringToObject(row, "why", "fewer rows than min_support");
			continue;
		}
		v = all[i];
		if (v.undefined) {
			char *why = mlg_xasprintf("is undefined: %s", v.undefined);

			cJSON_AddStringToObject(row, "status", "error");
			cJSON_AddStringToObject(row, "why", why);
			if (!e->message_error)
				e->message_error = mlg_xasprintf("%s on %s %s", b->name, g.name, why);
			e->nrows_error++;
			free(why);
			continue;
		}
		cJSON_AddNumberToObject(row, "value", v.value);
		cJSON_AddStringToObject(row, "status", "passed");
		used++;
		if (v.value < lo)
			lo = v.value, ilo = i;
		if (v.value > hi)
			hi = v.value, ihi = i;
	}
	free(all);
	if (e->nrows_error)
		return;
	if (used < 2) {
		struct mlg_strbuf cols = MLG_STRBUF_INIT;

		for (size_t c = 0; c < e->spec.ngroupcols; c++)
			mlg_strbuf_addf(&cols, "%s%s", c ? " x " : "", e->spec.groupcols[c]);
		e->message_error = mlg_xasprintf("%zu group%s of %s reach%s min_support %llu: a gap needs two",
						 used, used == 1 ? "" : "s", cols.buf, used == 1 ? "es" : "",
						 (unsigned long long)e->spec.min_support);
		mlg_strbuf_release(&cols);
		e->nrows_error = 1;
		return;
	}
	cJSON_AddNumberToObject(e->out->observed, "gap", hi - lo);
	if (hi > 0)
		cJSON_AddNumberToObject(e->out->observed, "ratio", lo / hi);
	cJSON_AddStringToObject(e->out->observed, "lowest", sg->names[ilo]);
	cJSON_AddStringToObject(e->out->observed, "highest", sg->names[ihi]);
	if (e->spec.has_gap && hi - lo > e->spec.max_gap) {
		e->nrows_failed = 1;
		e->worst = mlg_xasprintf("%s ranges from %s (%s) to %s (%s): gap %s is above max_gap %s",
					 b->name, short_num(lo, x), sg->names[ilo], short_num(hi, y),
					 sg->names[ihi], short_num(hi - lo, z), fmt(e->spec.max_gap, w));
	} else if (e->spec.has_ratio && hi > 0 && lo / hi < e->spec.min_ratio) {
		e->nrows_failed = 1;
		e->worst = mlg_xasprintf("%s ranges from %s (%s) to %s (%s): ratio %s is below min_ratio %s",
					 b->name, short_num(lo, x), sg->names[ilo], short_num(hi, y),
					 sg->names[ihi], short_num(lo / hi, z), fmt(e->spec.min_ratio, w));
	} else if (lo == hi) {
		e->worst = mlg_xasprintf("%s is %s in each of the %zu groups", b->name, short_num(lo, x), used);
	} else {
		e->worst = mlg_xasprintf("%s ranges from %s (%s) to %s (%s) over %zu groups: gap %s",
					 b->name, short_num(lo, x), sg->names[ilo], short_num(hi, y),
					 sg->names[ihi], used, short_num(hi - lo, z));
	}
}

/* ---- the whole ------------------------------------------------------------- */

static const struct mlg_scan_input *input(const struct mlg_scan_input *in, size_t nin,
					  const char *param)
{
	for (size_t i = 0; i < nin; i++)
		if (!strcmp(in[i].param, param))
			return &in[i];
	return NULL;
}

static int prepare_side(struct eval *e, struct side *s, const struct mlg_scan_input *in)
{
	s->in = in;
	s->st = in->state;
	s->n = s->st->n;
	if (reading_problems(e, s) < 0)
		return -1;
	if (e->spec.task == MODEL_REG) {
		s->reg.y = s->st->y;
		s->reg.pred = s->st->p;
	}
	return 0;
}

/* The baseline must score the same examples: same count, same labels, row by row. */
static int same_rows(struct eval *e)
{
	const char *cn = e->cand.in->dataset->name, *bn = e->base.in->dataset->name;

	if (e->cand.n != e->base.n) {
		mlg_result_set(e->out, MLG_STATUS_ERROR,
			       "baseline_dataset '%s' has %llu rows and '%s' %llu: a paired comparison needs the same examples in the same order",
			       bn, (unsigned long long)e->base.n, cn, (unsigned long long)e->cand.n);
		return -1;
	}
	for (uint64_t r = 0; r < e->cand.n; r++) {
		int differ = e->spec.task == MODEL_REG ? e->cand.reg.y[r] != e->base.reg.y[r]
						       : e->cand.label[r] != e->base.label[r];

		if (differ) {
			char a[32], b[32];

			mlg_result_set(e->out, MLG_STATUS_ERROR,
				       "baseline_dataset '%s' is not on the same examples: row %llu has the label '%s' there and '%s' in '%s'",
				       bn, (unsigned long long)r + 1,
				       e->spec.task == MODEL_REG ? fmt(e->base.reg.y[r], a) : e->class_names[e->base.label[r]],
				       e->spec.task == MODEL_REG ? fmt(e->cand.reg.y[r], b) : e->class_names[e->cand.label[r]],
				       cn);
			return -1;
		}
	}
	return 0;
}

static void free_side(struct side *s)
{
	free(s->label);
	free(s->pred);
	free(s->score2);
	for (size_t c = 0; c < s->nsorted; c++)
		free(s->sorted[c]);
	free(s->sorted);
}

static void observe_overall(struct eval *e)
{
	cJSON *o = e->out->observed;

	cJSON_AddNumberToObject(o, "rows", (double)e->cand.n);
	if (e->spec.task == MODEL_REG)
		return;
	{
		cJSON *names = cJSON_CreateArray(), *cm = cJSON_CreateArray();
		uint64_t *counts = mlg_xcalloc(e->nclasses * e->nclasses, sizeof(uint64_t));
		uint32_t *rows = NULL;
		struct mlg_subset all = { e->cand.n, NULL, NULL, NULL };

		for (size_t c = 0; c < e->nclasses; c++)
			cJSON_AddItemToArray(names, cJSON_CreateString(e->class_names[c]));
		cJSON_AddItemToObject(o, "classes", names);
		if (e->nclasses <= 50) {
			rows = mlg_xmalloc((e->cand.n + 1) * sizeof(uint32_t));
			for (uint64_t r = 0; r < e->cand.n; r++)
				rows[r] = (uint32_t)r;
			all.rows = rows;
			mlg_confusion(&e->cand.cls, &all, counts);
			for (size_t t = 0; t < e->nclasses; t++) {
				cJSON *line = cJSON_CreateArray();

				for (size_t p = 0; p < e->nclasses; p++)
					cJSON_AddItemToArray(line, cJSON_CreateNumber((double)counts[t * e->nclasses + p]));
				cJSON_AddItemToArray(cm, line);
			}
			cJSON_AddItemToObject(o, "confusion_matrix", cm);
		} else {
			cJSON_Delete(cm);
		}
		free(rows);
		free(counts);
	}
}

/* The message of a passing check: the overall values, and the worst slice. */
static char *passing_message(struct eval *e)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	const cJSON *row;
	int k = 0;
	char x[32];

	cJSON_ArrayForEach(row, e->table) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, "value");
		const char *sl = cJSON_GetObjectItemCaseSensitive(row, "slice")->valuestring;

		if (strcmp(sl, "all") || k >= 6)
			continue;
		const cJSON *base = cJSON_GetObjectItemCaseSensitive(row, "baseline");
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(row, "delta");
		const cJSON *pv = cJSON_GetObjectItemCaseSensitive(row, "p_value");
		char y[32], z[32];

		mlg_strbuf_addf(&sb, "%s%s %s", k++ ? ", " : "",
				cJSON_GetObjectItemCaseSensitive(row, "metric")->valuestring,
				v ? short_num(v->valuedouble, x) : "undefined");
		if (base && d)
			mlg_strbuf_addf(&sb, " (baseline %s, %s%s%s%s)", short_num(base->valuedouble, y),
					d->valuedouble >= 0 ? "+" : "", short_num(d->valuedouble, z),
					pv ? ", p = " : "", pv ? short_num(pv->valuedouble, x) : "");
	}
	mlg_strbuf_addf(&sb, " on %llu row%s", (unsigned long long)e->cand.n, mlg_plural(e->cand.n));
	if (e->spec.nslicings) {
		/* the slice with the lowest (or highest, lower-is-better) value of the first gated metric */
		const struct model_bound *b = NULL;
		const cJSON *worst = NULL;

		for (size_t m = 0; m < e->spec.nmetrics && !b; m++)
			if (gates(&e->spec.metrics[m]))
				b = &e->spec.metrics[m];
		if (!b)
			b = &e->spec.metrics[0];
		cJSON_ArrayForEach(row, e->table) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, "value");
			const char *sl = cJSON_GetObjectItemCaseSensitive(row, "slice")->valuestring;

			if (!v || !strcmp(sl, "all") ||
			    strcmp(cJSON_GetObjectItemCaseSensitive(row, "metric")->valuestring, b->name))
				continue;
			if (!worst || (lower_is_better(b->metric)
					       ? v->valuedouble > cJSON_GetObjectItemCaseSensitive(worst, "value")->valuedouble
					       : v->valuedouble < cJSON_GetObjectItemCaseSensitive(worst, "value")->valuedouble))
				worst = row;
		}
		if (worst)
			mlg_strbuf_addf(&sb, "; worst slice for %s: %s %s (%d rows)", b->name,
					cJSON_GetObjectItemCaseSensitive(worst, "slice")->valuestring,
					short_num(cJSON_GetObjectItemCaseSensitive(worst, "value")->valuedouble, x),
					(int)cJSON_GetObjectItemCaseSensitive(worst, "rows")->valuedouble);
	}
	if (e->nskipped_support)
		mlg_strbuf_addf(&sb, "; %zu slice%s below min_support %llu not gated", e->nskipped_support,
				e->nskipped_support == 1 ? "" : "s", (unsigned long long)e->spec.min_support);
	return mlg_strbuf_detach(&sb);
}

static void expected_of(struct eval *e)
{
	cJSON *x = e->out->expected;
	const cJSON *m = mlg_check_param(e->check, "metrics");

	if (m)
		cJSON_AddItemToObject(x, "metrics", cJSON_Duplicate(m, 1));
	if (e->spec.task == MODEL_FAIR) {
		cJSON_AddStringToObject(x, "metric", e->spec.metrics[0].name);
		if (e->spec.has_gap)
			cJSON_AddNumberToObject(x, "max_gap", e->spec.max_gap);
		if (e->spec.has_ratio)
			cJSON_AddNumberToObject(x, "min_ratio", e->spec.min_ratio);
	}
	if (e->spec.nslicings || e->spec.task == MODEL_FAIR)
		cJSON_AddNumberToObject(x, "min_support", (double)e->spec.min_support);
}

void model_evaluate(const struct mlg_check *check, const struct mlg_scan_input *in, size_t nin,
		    struct mlg_result *out)
{
	struct eval e;
	const struct mlg_scan_input *bin = input(in, nin, "baseline_dataset");
	struct slicing_groups *sg = NULL;
	struct group all = { NULL, 0, NULL, NULL, NULL };
	uint32_t *identity = NULL;
	struct mlg_metric_value **gvals = NULL, **bvals = NULL;

	memset(&e, 0, sizeof(e));
	e.check = check;
	e.out = out;
	e.worst_metric = -1;
	model_spec_parse(check, &e.spec, NULL);
	e.want = mlg_xcalloc(e.spec.nmetrics + 1, sizeof(int));
	for (size_t m = 0; m < e.spec.nmetrics; m++) {
		e.want[m] = e.spec.metrics[m].metric;
		if (mlg_metric_info(e.want[m])->flags & MLG_MF_RANKS)
			e.need_ranks = 1;
	}
	e.has_base = bin != NULL;
	expected_of(&e);
	if (prepare_side(&e, &e.cand, &in[0]) < 0 || (bin && prepare_side(&e, &e.base, bin) < 0))
		goto done;
	if (!e.cand.n) {
		mlg_result_set(out, MLG_STATUS_ERROR, "%s has no rows: no metric can be computed",
			       in[0].dataset->name);
		goto done;
	}
	if (e.cand.n > UINT32_MAX) {
		mlg_result_set(out, MLG_STATUS_ERROR, "%s has more than 2^32 rows, more than model checks handle",
			       in[0].dataset->name);
		goto done;
	}
	if (e.spec.task != MODEL_REG) {
		if (decide_classes(&e) < 0 || map_classes(&e, &e.cand) < 0 ||
		    (e.has_base && map_classes(&e, &e.base) < 0))
			goto done;
	}
	if (e.has_base && same_rows(&e) < 0)
		goto done;
	if (e.spec.bootstrap &&
	    (double)e.spec.resamples * (double)e.cand.n * (1.0 + (double)e.spec.nslicings) > MAX_BOOTSTRAP_ROWS) {
		mlg_result_set(out, MLG_STATUS_ERROR,
			       "%u bootstrap resamples of %llu rows (and their slices) are too many to compute in a CI job: lower \"bootstrap\": {\"resamples\"}",
			       e.spec.resamples, (unsigned long long)e.cand.n);
		goto done;
	}
	e.gcol = mlg_xcalloc(e.spec.ngroupcols + 1, sizeof(*e.gcol));
	for (size_t g = 0; g < e.spec.ngroupcols; g++)
		e.gcol[g] = e.cand.st->group[g];
	if (sort_side(&e, &e.cand) < 0)
		goto done;
	if (e.has_base && sort_side(&e, &e.base) < 0)
		goto done;
	observe_overall(&e);
	e.table = cJSON_AddArrayToObject(out->observed, "metrics");

	sg = mlg_xcalloc(e.spec.nslicings + 1, sizeof(*sg));
	for (size_t i = 0; i < e.spec.nslicings; i++)
		cut_slicing(&e, &e.spec.slicings[i], &sg[i]);

	if (e.spec.task == MODEL_FAIR) {
		evaluate_fairness(&e, &sg[0]);
	} else {
		identity = mlg_xmalloc((e.cand.n + 1) * sizeof(uint32_t));
		for (uint64_t r = 0; r < e.cand.n; r++)
			identity[r] = (uint32_t)r;
		size_t nm = e.spec.nmetrics;
		struct mlg_metric_value *av = mlg_xcalloc(nm + 1, sizeof(*av)), *ab = mlg_xcalloc(nm + 1, sizeof(*ab));
		struct overall_job job = { &e, &all, av, ab };
		pthread_t th;
		int threaded;

		all.rows = identity;
		all.n = e.cand.n;
		all.sorted = e.cand.sorted;
		all.bsorted = e.has_base ? e.base.sorted : NULL;
		/* the overall values and the slices' are independent: with -j2 or
		 * more, compute them at once (each into its own memory) */
		threaded = in[0].jobs > 1 && e.spec.nslicings &&
			   pthread_create(&th, NULL, overall_values, &job) == 0;
		gvals = mlg_xcalloc(e.spec.nslicings + 1, sizeof(*gvals));
		bvals = mlg_xcalloc(e.spec.nslicings + 1, sizeof(*bvals));
		for (size_t i = 0; i < e.spec.nslicings; i++) {
			gvals[i] = mlg_xcalloc(sg[i].ngroups * nm + 1, sizeof(**gvals));
			metrics_by_group(&e, &e.cand, e.cand.sorted, &sg[i], gvals[i]);
			if (e.has_base) {
				bvals[i] = mlg_xcalloc(sg[i].ngroups * nm + 1, sizeof(**bvals));
				metrics_by_group(&e, &e.base, e.base.sorted, &sg[i], bvals[i]);
			}
		}
		if (threaded)
			pthread_join(th, NULL);
		else
			overall_values(&job);
		evaluate_group(&e, &all, 0, av, e.has_base ? ab : NULL);
		free(av);
		free(ab);
		for (size_t i = 0; i < e.spec.nslicings; i++) {
			struct mlg_metric_value *gv = gvals[i], *gb = bvals[i];

			for (size_t k = 0; k < sg[i].ngroups; k++) {
				size_t gi = sg[i].order[k];
				struct group g = { sg[i].names[gi], sg[i].count[gi], sg[i].rows + sg[i].start[gi],
						   NULL, NULL };
				uint32_t **srt = NULL, **bsrt = NULL;

				if (g.n < e.spec.min_support) {
					/* listed (a row per metric) up to a point: a column of
					 * ids as a slice must not make a report of megabytes */
					for (size_t m = 0; e.nskipped_support < MAX_SKIPPED_LISTED && m < nm; m++) {
						cJSON *row = cJSON_CreateObject();

						cJSON_AddStringToObject(row, "metric", e.spec.metrics[m].name);
						cJSON_AddStringToObject(row, "slice", g.name);
						cJSON_AddNumberToObject(row, "rows", (double)g.n);
						cJSON_AddStringToObject(row, "status", "skipped");
						cJSON_AddStringToObject(row, "why", "fewer rows than min_support");
						cJSON_AddItemToArray(e.table, row);
					}
					e.nskipped_support++;
					continue;
				}
				if (sg[i].sorted) {
					srt = mlg_xcalloc(e.cand.nsorted, sizeof(*srt));
					for (size_t c = 0; c < e.cand.nsorted; c++)
						srt[c] = sg[i].sorted[c] + sg[i].start[gi];
				}
				if (sg[i].bsorted) {
					bsrt = mlg_xcalloc(e.base.nsorted, sizeof(*bsrt));
					for (size_t c = 0; c < e.base.nsorted; c++)
						bsrt[c] = sg[i].bsorted[c] + sg[i].start[gi];
				}
				g.sorted = srt;
				g.bsorted = bsrt;
				evaluate_group(&e, &g, ((uint64_t)(i + 1) << 32) | gi, gv + gi * nm,
					       gb ? gb + gi * nm : NULL);
				free(srt);
				free(bsrt);
			}
		}
	}

	if (e.nskipped_support)
		cJSON_AddNumberToObject(out->observed, "slices_below_min_support", (double)e.nskipped_support);
	if (e.nrows_error) {
		mlg_result_set(out, MLG_STATUS_ERROR, "%s", e.message_error ? e.message_error : "a metric could not be evaluated");
	} else if (e.nrows_failed) {
		if (e.spec.task == MODEL_FAIR)
			mlg_result_set(out, MLG_STATUS_FAILED, "%s", e.worst);
		else {
			char skipped[96] = "";

			if (e.nskipped_support)
				snprintf(skipped, sizeof(skipped), "; %zu slice%s below min_support %llu not gated",
					 e.nskipped_support, e.nskipped_support == 1 ? "" : "s",
					 (unsigned long long)e.spec.min_support);
			if (e.nrows_failed > 1)
				mlg_result_set(out, MLG_STATUS_FAILED, "%s; %zu of %zu gated values failed%s",
					       e.worst, e.nrows_failed, e.nrows_gated, skipped);
			else
				mlg_result_set(out, MLG_STATUS_FAILED, "%s%s", e.worst, skipped);
		}
	} else if (e.spec.task == MODEL_FAIR) {
		mlg_result_set(out, MLG_STATUS_PASSED, "%s", e.worst);
	} else {
		char *msg = passing_message(&e);

		mlg_result_set(out, MLG_STATUS_PASSED, "%s", msg);
		free(msg);
	}
done:
	for (size_t i = 0; sg && i < e.spec.nslicings; i++)
		free_slicing(&sg[i], e.cand.nsorted, e.base.nsorted);
	for (size_t i = 0; gvals && i < e.spec.nslicings; i++) {
		free(gvals[i]);
		free(bvals[i]);
	}
	free(gvals);
	free(bvals);
	free(sg);
	free(identity);
	free(e.gcol);
	free_side(&e.cand);
	free_side(&e.base);
	for (size_t c = 0; c < e.nclasses; c++)
		free(e.class_names[c]);
	free(e.class_names);
	free(e.want);
	free(e.weight);
	free(e.worst);
	free(e.message_error);
	model_spec_release(&e.spec);
}
