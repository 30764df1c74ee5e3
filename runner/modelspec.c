/*
 * The declaration of a predictions check (model.classification,
 * model.regression, model.fairness), parsed and checked once for
 * `mlgate validate` and again when the check runs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jsonc.h"
#include "mlgate/modeleval.h"
#include "mlgate/suite.h"
#include "model_internal.h"
#include "suggest.h"
#include "util.h"

static enum model_task task_of(const struct mlg_check *check)
{
	const char *name = check->kind->name;

	if (!strcmp(name, "model.regression"))
		return MODEL_REG;
	if (!strcmp(name, "model.fairness"))
		return MODEL_FAIR;
	return MODEL_CLS;
}

/* Problems are counted even without a diag to report them to. */
struct sink {
	struct mlg_diag *diag;
	const struct mlg_check *check;
	int problems;
};

#define PROBLEM(s, param, sub, ...)                                                     \
	do {                                                                            \
		(s)->problems++;                                                        \
		if ((s)->diag)                                                          \
			mlg_diag_check_at((s)->diag, (s)->check, (param), (sub), __VA_ARGS__); \
	} while (0)

/* ".name" (quoted when it must be), for mlg_diag_check_at(). */
static char *member(const char *name)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	char *out;

	/* a path of one character first, so that a plain key gets its dot */
	mlg_strbuf_addch(&sb, '$');
	mlg_jsonpath_member(&sb, name, strlen(name));
	out = mlg_xstrdup(sb.buf + 1);
	mlg_strbuf_release(&sb);
	return out;
}

/* Every metric's name, into names[MLG_M_COUNT] (no static: checks validate in parallel). */
static const char *const *all_metric_names(const char **names)
{
	for (int m = 0; m < MLG_M_COUNT; m++)
		names[m] = mlg_metric_info(m)->name;
	return names;
}

/* Whether the kind's data can give metric m at all (known before reading). */
static const char *unfit(const struct model_spec *spec, int m)
{
	unsigned int f = mlg_metric_info(m)->flags;

	if (spec->task == MODEL_REG)
		return f & MLG_MF_REGRESSION ? NULL : "is a classification metric; model.regression computes rmse, mse, mae, mape, r2, max_error, median_absolute_error";
	if (f & MLG_MF_REGRESSION)
		return "is a regression metric: use model.regression";
	if ((f & MLG_MF_SCORES) && !spec->score && !spec->nclass_cols)
		return "needs scores: give \"score\" (binary) or \"scores\" (one column per class)";
	if (spec->nclass_cols > 2 && !(f & MLG_MF_MULTICLASS))
		return "is defined here for two classes only, and \"scores\" names more";
	if ((spec->score || spec->nclass_cols == 2) && !(f & MLG_MF_BINARY))
		return "is for more than two classes (use the plain name, e.g. f1, for a binary model)";
	return NULL;
}

static void parse_bound(struct sink *s, struct model_spec *spec, const cJSON *entry,
			struct model_bound *b)
{
	char *sub = member(entry->string);
	const cJSON *it;

	memset(b, 0, sizeof(*b));
	b->name = entry->string;
	b->metric = mlg_metric_lookup(entry->string);
	if (b->metric < 0) {
		const char *names[MLG_M_COUNT];
		const char *near = mlg_suggest(entry->string, all_metric_names(names), MLG_M_COUNT);

		PROBLEM(s, "metrics", sub, "unknown metric '%s'%s%s%s", entry->string,
			near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
		free(sub);
		return;
	} else {
		const char *why = unfit(spec, b->metric);

		if (why)
			PROBLEM(s, "metrics", sub, "'%s' %s", entry->string, why);
	}
	if (!cJSON_IsObject(entry)) {
		PROBLEM(s, "metrics", sub, "expected an object of bounds, e.g. {\"min\": 0.9}, or {} to report only");
		free(sub);
		return;
	}
	cJSON_ArrayForEach(it, entry) {
		const char *k = it->string;
		char *key = member(k);
		char *full = mlg_xasprintf("%s%s", sub, key);

		if (!strcmp(k, "on")) {
			if (cJSON_IsString(it) && !strcmp(it->valuestring, "value"))
				b->on = ON_VALUE;
			else if (cJSON_IsString(it) && !strcmp(it->valuestring, "ci_low"))
				b->on = ON_CI_LOW;
			else if (cJSON_IsString(it) && !strcmp(it->valuestring, "ci_high"))
				b->on = ON_CI_HIGH;
			else
				PROBLEM(s, "metrics", full, "expected \"value\", \"ci_low\" or \"ci_high\" (what min and max compare)");
		} else if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble)) {
			PROBLEM(s, "metrics", full, "expected a number");
		} else if (!strcmp(k, "min")) {
			b->has_min = 1, b->min = it->valuedouble;
		} else if (!strcmp(k, "max")) {
			b->has_max = 1, b->max = it->valuedouble;
		} else if (!strcmp(k, "max_drop")) {
			b->has_drop = 1, b->max_drop = it->valuedouble;
		} else if (!strcmp(k, "max_relative_drop")) {
			b->has_rel = 1, b->max_rel = it->valuedouble;
		} else if (!strcmp(k, "not_worse_than_baseline")) {
			if (!(it->valuedouble > 0 && it->valuedouble < 1))
				PROBLEM(s, "metrics", full, "expected a significance level between 0 and 1, e.g. 0.05");
			b->has_nwtb = 1, b->alpha = it->valuedouble;
		} else {
			PROBLEM(s, "metrics", full, "unknown bound '%s': expected min, max, max_drop, max_relative_drop, not_worse_than_baseline or on", k);
		}
		free(full);
		free(key);
	}
	if (b->has_min && b->has_max && b->min > b->max)
		PROBLEM(s, "metrics", sub, "min %g is above max %g", b->min, b->max);
	if ((b->has_drop || b->has_rel || b->has_nwtb) && !spec->baseline)
		PROBLEM(s, "metrics", sub, "max_drop, max_relative_drop and not_worse_than_baseline compare with a baseline: set \"baseline_dataset\"");
	if (b->on != ON_VALUE && !b->has_min && !b->has_max)
		PROBLEM(s, "metrics", sub, "\"on\" says what min and max compare, and neither is given");
	if (b->on != ON_VALUE || (b->has_nwtb && b->metric != MLG_M_ACCURACY))
		spec->bootstrap = 1;
	free(sub);
}

static size_t group_column(struct model_spec *spec, const char *name)
{
	for (size_t i = 0; i < spec->ngroupcols; i++)
		if (!strcmp(spec->groupcols[i], name))
			return i;
	MLG_ALLOC_GROW(spec->groupcols, spec->ngroupcols + 1, spec->ngroupcols_alloc);
	spec->groupcols[spec->ngroupcols] = name;
	return spec->ngroupcols++;
}

/* One slicing from a string or a list of strings; 0 or -1. */
static int add_slicing(struct sink *s, struct model_spec *spec, const cJSON *v, const char *param,
		       const char *sub)
{
	struct model_slicing *sl;
	const cJSON *it;
	size_t n = cJSON_IsArray(v) ? (size_t)cJSON_GetArraySize(v) : 1;

	if (cJSON_IsArray(v)) {
		int ok = n > 0;

		cJSON_ArrayForEach(it, v) if (!cJSON_IsString(it) || !*it->valuestring) ok = 0;
		if (!ok) {
			PROBLEM(s, param, sub, "expected a column name, or a non-empty list of column names (a cross)");
			return -1;
		}
	} else if (!cJSON_IsString(v) || !*v->valuestring) {
		PROBLEM(s, param, sub, "expected a column name, or a list of column names (a cross)");
		return -1;
	}
	spec->slicings = mlg_xrealloc(spec->slicings, (spec->nslicings + 1) * sizeof(*spec->slicings));
	sl = &spec->slicings[spec->nslicings++];
	sl->ncols = n;
	sl->cols = mlg_xcalloc(n, sizeof(*sl->cols));
	if (cJSON_IsArray(v)) {
		size_t i = 0;

		cJSON_ArrayForEach(it, v) sl->cols[i++] = group_column(spec, it->valuestring);
	} else {
		sl->cols[0] = group_column(spec, v->valuestring);
	}
	return 0;
}

static void parse_bootstrap(struct sink *s, struct model_spec *spec, const cJSON *v)
{
	const cJSON *it;

	spec->resamples = 1000;
	spec->seed = 1;
	spec->level = 0.95;
	if (!v)
		return;
	spec->bootstrap = 1;
	cJSON_ArrayForEach(it, v) {
		char *sub = member(it->string);
		double d = cJSON_IsNumber(it) ? it->valuedouble : NAN;

		if (!strcmp(it->string, "resamples")) {
			if (!(d >= 10 && d <= 100000 && d == floor(d)))
				PROBLEM(s, "bootstrap", sub, "expected a whole number of resamples from 10 to 100000");
			else
				spec->resamples = (unsigned int)d;
		} else if (!strcmp(it->string, "seed")) {
			if (!(d >= 0 && d <= 9007199254740992.0 && d == floor(d)))
				PROBLEM(s, "bootstrap", sub, "expected a whole number from 0 to 2^53");
			else
				spec->seed = (uint64_t)d;
		} else if (!strcmp(it->string, "level")) {
			if (!(d >= 0.5 && d < 1))
				PROBLEM(s, "bootstrap", sub, "expected a confidence level from 0.5 to below 1, e.g. 0.95");
			else
				spec->level = d;
		} else {
			PROBLEM(s, "bootstrap", sub, "unknown key '%s': expected resamples, seed or level", it->string);
		}
		free(sub);
	}
}

int model_spec_parse(const struct mlg_check *check, struct model_spec *spec, struct mlg_diag *diag)
{
	struct sink s = { diag, check, 0 };
	const cJSON *v, *it;
	double d;

	memset(spec, 0, sizeof(*spec));
	spec->task = task_of(check);
	spec->label = mlg_check_string(check, "label");
	spec->score = mlg_check_string(check, "score");
	spec->prediction = mlg_check_string(check, "prediction");
	spec->positive = mlg_check_string(check, "positive");
	spec->baseline = mlg_check_string(check, "baseline_dataset");
	spec->threshold = mlg_check_number(check, "threshold", &d) ? d : 0.5;
	spec->ece_bins = 10;
	if (mlg_check_number(check, "ece_bins", &d)) {
		if (d >= 1 && d <= 1000)
			spec->ece_bins = (unsigned int)d;
		else
			PROBLEM(&s, "ece_bins", NULL, "expected from 1 to 1000 bins");
	}
	spec->min_support = 30;
	if (mlg_check_number(check, "min_support", &d)) {
		if (d >= 0)
			spec->min_support = (uint64_t)d;
		else
			PROBLEM(&s, "min_support", NULL, "expected a number of rows, 0 or more");
	}
	if (!spec->positive)
		spec->positive = "1";

	v = mlg_check_param(check, "scores");
	if (v) {
		size_t n = (size_t)cJSON_GetArraySize(v);

		spec->class_names = mlg_xcalloc(n ? n : 1, sizeof(char *));
		spec->class_cols = mlg_xcalloc(n ? n : 1, sizeof(char *));
		cJSON_ArrayForEach(it, v) {
			char *sub = member(it->string);

			if (!cJSON_IsString(it) || !*it->valuestring)
				PROBLEM(&s, "scores", sub, "expected the name of the column holding the probability of class '%s'",
					it->string);
			else {
				spec->class_names[spec->nclass_cols] = it->string;
				spec->class_cols[spec->nclass_cols++] = it->valuestring;
			}
			free(sub);
		}
		if (n < 2)
			PROBLEM(&s, "scores", NULL, "expected one column per class, for two classes or more (for one score of the positive class, use \"score\")");
	}
	if (spec->task != MODEL_REG) {
		if (spec->score && v)
			PROBLEM(&s, "score", NULL, "give \"score\" (binary) or \"scores\" (per class), not both");
		if (!spec->score && !v && !spec->prediction)
			PROBLEM(&s, NULL, NULL, "expected \"score\" (binary), \"scores\" (per class) or \"prediction\" (predicted labels)");
		if (v && mlg_check_param(check, "threshold") && spec->nclass_cols > 2)
			PROBLEM(&s, "threshold", NULL, "a threshold turns a binary score into a label; with more than two classes the label is the most probable class");
	}

	v = mlg_check_param(check, "metrics");
	if (spec->task == MODEL_FAIR) {
		const char *name = mlg_check_string(check, "metric");

		spec->metrics = mlg_xcalloc(1, sizeof(*spec->metrics));
		spec->nmetrics = 1;
		spec->metrics[0].name = name;
		spec->metrics[0].metric = name ? mlg_metric_lookup(name) : -1;
		if (spec->metrics[0].metric < 0) {
			const char *names[MLG_M_COUNT];
			const char *near = name ? mlg_suggest(name, all_metric_names(names), MLG_M_COUNT) : NULL;

			PROBLEM(&s, "metric", NULL, "unknown metric '%s'%s%s%s", name ? name : "",
				near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
		} else {
			const char *why = unfit(spec, spec->metrics[0].metric);

			if (why)
				PROBLEM(&s, "metric", NULL, "'%s' %s", name, why);
		}
		spec->has_gap = mlg_check_number(check, "max_gap", &spec->max_gap);
		spec->has_ratio = mlg_check_number(check, "min_ratio", &spec->min_ratio);
		if (!spec->has_gap && !spec->has_ratio)
			PROBLEM(&s, NULL, NULL, "expected \"max_gap\" (largest difference between groups) and/or \"min_ratio\" (smallest group's value over the largest's)");
		if (spec->has_gap && spec->max_gap < 0)
			PROBLEM(&s, "max_gap", NULL, "expected a difference of 0 or more");
		v = mlg_check_param(check, "group");
		if (v)
			add_slicing(&s, spec, v, "group", NULL);
	} else if (v) {
		size_t n = (size_t)cJSON_GetArraySize(v);

		if (!n)
			PROBLEM(&s, "metrics", NULL, "expected at least one metric, e.g. {\"roc_auc\": {\"min\": 0.9}}");
		spec->metrics = mlg_xcalloc(n ? n : 1, sizeof(*spec->metrics));
		cJSON_ArrayForEach(it, v) parse_bound(&s, spec, it, &spec->metrics[spec->nmetrics++]);
	}

	v = mlg_check_param(check, "slices");
	if (v) {
		size_t i = 0;

		cJSON_ArrayForEach(it, v) {
			struct mlg_strbuf sub = MLG_STRBUF_INIT;

			mlg_jsonpath_index(&sub, i++);
			add_slicing(&s, spec, it, "slices", sub.buf);
			mlg_strbuf_release(&sub);
		}
	}
	parse_bootstrap(&s, spec, mlg_check_param(check, "bootstrap"));
	if (spec->baseline && check->dataset && !strcmp(spec->baseline, check->dataset->name))
		PROBLEM(&s, "baseline_dataset", NULL, "is the candidate's own dataset '%s': name the baseline model's predictions",
			spec->baseline);
	return s.problems;
}

void model_spec_release(struct model_spec *spec)
{
	for (size_t i = 0; i < spec->nslicings; i++)
		free(spec->slicings[i].cols);
	free(spec->slicings);
	free(spec->groupcols);
	free(spec->metrics);
	free(spec->class_names);
	free(spec->class_cols);
	memset(spec, 0, sizeof(*spec));
}

void mlg_model_validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	struct model_spec spec;

	model_spec_parse(check, &spec, diag);
	model_spec_release(&spec);
}

char *mlg_model_target(const struct mlg_check *check)
{
	const char *ds = mlg_check_string(check, "dataset");
	const cJSON *m = mlg_check_param(check, "metrics"), *it;
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	int k = 0;

	mlg_strbuf_addstr(&sb, ds ? ds : "?");
	if (mlg_check_string(check, "metric"))
		mlg_strbuf_addf(&sb, ".%s", mlg_check_string(check, "metric"));
	cJSON_ArrayForEach(it, m) mlg_strbuf_addf(&sb, "%c%s", k++ ? ',' : '.', it->string);
	return mlg_strbuf_detach(&sb);
}
