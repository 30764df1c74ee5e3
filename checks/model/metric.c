/*
 * model.metric: numbers read from a JSON metrics file by path lie within
 * [min, max] and, against a baseline (the same file at the merge base of
 * HEAD and a git ref, or another file), drop no more than max_drop or
 * max_relative_drop: TFX's value and change thresholds, MLflow's
 * MetricThreshold (threshold, min_absolute_change, min_relative_change,
 * greater_is_better).
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "digest.h"
#include "jsonc.h"
#include "mlgate/check.h"
#include "mlgate/error.h"
#include "mlgate/jsonpath.h"
#include "mlgate/source.h"
#include "mlgate/suite.h"
#include "pathscope.h"
#include "suggest.h"
#include "util.h"

static const struct mlg_param params[] = {
	{ "file", MLG_PARAM_PATH, 1, NULL, "JSON file holding the metrics" },
	{ "path", MLG_PARAM_STRING, 0, NULL,
	  "dotted path to one number, e.g. test.auc or slices[2].f1 (give \"path\" or \"metrics\")" },
	{ "metrics", MLG_PARAM_OBJECT, 0, NULL,
	  "several numbers of the file, each with its bounds: {\"test.auc\": {\"min\": 0.85, \"max_drop\": 0.01}, "
	  "\"test.log_loss\": {\"direction\": \"lower_is_better\", \"max_relative_drop\": 0.05}}; keys min, max, "
	  "max_drop and max_relative_drop (a metric giving either replaces both of the baseline's), direction" },
	{ "min", MLG_PARAM_NUMBER, 0, NULL, "lowest acceptable value (with \"path\")" },
	{ "max", MLG_PARAM_NUMBER, 0, NULL, "highest acceptable value (with \"path\")" },
	{ "direction", MLG_PARAM_STRING, 0, "\"higher_is_better\"",
	  "higher_is_better or lower_is_better (losses, errors): which way is a drop" },
	{ "baseline", MLG_PARAM_OBJECT, 0, NULL,
	  "what to compare with: {\"git_ref\": \"origin/main\"} (the same file at the merge base of HEAD and "
	  "that ref, read from git without a checkout) or {\"file\": \"baseline.json\"} (from the suite's "
	  "folder), with \"max_drop\" (largest drop allowed, in the metric's units; a negative one demands "
	  "an improvement, as MLflow's min_absolute_change) and/or \"max_relative_drop\" (a fraction of "
	  "|baseline|)" },
	{ "on_missing_baseline", MLG_PARAM_STRING, 0, "\"pass\"",
	  "pass (with a note) or error, when the baseline file or a value in it is absent (a new metric, "
	  "a first run)" },
	{ NULL, 0, 0, NULL, NULL }
};

/* What one metric must satisfy. */
struct bounds {
	double min, max, max_drop, max_rel;
	int has_min, has_max, has_drop, has_rel;
	int lower; /* lower_is_better: a drop is a rise */
};

/* One metric of the check, and what became of it. */
struct metric {
	const char *path; /* borrowed from the suite */
	struct bounds b;
	enum mlg_status status;
	int has_value, has_base;
	double value, base;
	char *why;     /* the table's why: a failure, an error, or the missing-baseline note */
	char *message; /* the check's message when this metric names it */
	int noted;     /* passed without a baseline: why holds the note */
};

/* The parameters, read once for validate() (problems reported) and again for run(). */
struct spec {
	const struct mlg_check *check;
	struct mlg_diag *diag; /* NULL: count problems only */
	int problems;
	struct metric *metrics;
	size_t n;
	int multi;              /* "metrics" rather than "path" */
	const cJSON *baseline;  /* the object, or NULL */
	const char *git_ref;    /* in baseline */
	const char *base_file;  /* in baseline */
	int on_missing_error;
};

static const char *const metric_keys[] = { "min", "max", "max_drop", "max_relative_drop", "direction" };
static const char *const baseline_keys[] = { "git_ref", "file", "max_drop", "max_relative_drop" };
#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Reports a problem at checks[i].<param>.<key>.<member> (each part may be
 * NULL), keys quoted when they are not plain names ("metrics[\"test.auc\"]").
 */
static void problem(struct spec *s, const char *param, const char *key, const char *member,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void problem(struct spec *s, const char *param, const char *key, const char *member,
		    const char *fmt, ...)
{
	struct mlg_strbuf path = MLG_STRBUF_INIT, msg = MLG_STRBUF_INIT;
	va_list ap;

	s->problems++;
	if (!s->diag)
		return;
	mlg_strbuf_addf(&path, "checks[%zu]", s->check->index);
	if (param)
		mlg_jsonpath_member(&path, param, strlen(param));
	if (key)
		mlg_jsonpath_member(&path, key, strlen(key));
	if (member)
		mlg_jsonpath_member(&path, member, strlen(member));
	va_start(ap, fmt);
	mlg_strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	mlg_diag_add(s->diag, path.buf, "%s", msg.buf);
	mlg_strbuf_release(&path);
	mlg_strbuf_release(&msg);
}

static int parse_direction(const char *s, int *lower)
{
	if (!strcmp(s, "higher_is_better"))
		*lower = 0;
	else if (!strcmp(s, "lower_is_better"))
		*lower = 1;
	else
		return -1;
	return 0;
}

/* Unknown keys of a nested object, with a suggestion, as the suite loader words them. */
static void unknown_keys(struct spec *s, const cJSON *obj, const char *param, const char *key,
			 const char *const *allowed, size_t n, const char *what)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, obj) {
		struct mlg_strbuf list = MLG_STRBUF_INIT;
		const char *near;
		size_t i;

		for (i = 0; i < n; i++)
			if (!strcmp(it->string, allowed[i]))
				break;
		if (i < n)
			continue;
		for (i = 0; i < n; i++)
			mlg_strbuf_addf(&list, "%s%s", i ? ", " : "", allowed[i]);
		near = mlg_suggest(it->string, allowed, n);
		if (near)
			problem(s, param, key, it->string, "unknown key '%s' in %s: did you mean '%s'? (expected one of %s)",
				it->string, what, near, list.buf);
		else
			problem(s, param, key, it->string, "unknown key '%s' in %s: expected one of %s",
				it->string, what, list.buf);
		mlg_strbuf_release(&list);
	}
}

/* A number member of a nested object: 1 and *out when given, 0 when absent or wrong (reported). */
static int member_number(struct spec *s, const cJSON *obj, const char *param, const char *key,
			 const char *name, const char *doc, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
		problem(s, param, key, name, "expected a number (%s), found %s", doc,
			cJSON_IsNumber(v) ? "one out of range" : mlg_json_describe(v));
		return 0;
	}
	*out = v->valuedouble;
	return 1;
}

static const char max_drop_doc[] =
	"the largest drop allowed, in the metric's units; negative: the improvement required";
static const char max_rel_doc[] = "the largest drop allowed, as a fraction of |baseline|";

static void parse_baseline(struct spec *s, double *max_drop, int *has_drop, double *max_rel,
			   int *has_rel)
{
	const cJSON *b = s->baseline, *ref, *file;

	*has_drop = *has_rel = 0;
	if (!b)
		return;
	unknown_keys(s, b, "baseline", NULL, baseline_keys, NKEYS(baseline_keys), "\"baseline\"");
	ref = cJSON_GetObjectItemCaseSensitive(b, "git_ref");
	file = cJSON_GetObjectItemCaseSensitive(b, "file");
	if (ref && file)
		problem(s, "baseline", NULL, "file",
			"give \"git_ref\" (the same file in git) or \"file\" (another file), not both");
	else if (!ref && !file)
		problem(s, "baseline", NULL, NULL,
			"expected \"git_ref\" (e.g. \"origin/main\": the same file at the merge base of HEAD and that ref) "
			"or \"file\" (a baseline metrics file)");
	if (ref && (!cJSON_IsString(ref) || !*ref->valuestring))
		problem(s, "baseline", NULL, "git_ref", "expected a git revision such as \"origin/main\", found %s",
			cJSON_IsString(ref) ? "an empty string" : mlg_json_describe(ref));
	else if (ref)
		s->git_ref = ref->valuestring;
	if (file && (!cJSON_IsString(file) || !*file->valuestring))
		problem(s, "baseline", NULL, "file",
			"expected a file path, relative to the suite file's folder, found %s",
			cJSON_IsString(file) ? "an empty string" : mlg_json_describe(file));
	else if (file)
		s->base_file = file->valuestring;
	if (s->base_file) {
		/* nested in an object, so the loader's check of path parameters does not see it */
		char *why;

		if (mlg_pathscope_check(s->check->suite, s->base_file, MLG_PATH_LINKS_ALL, &why) < 0) {
			problem(s, "baseline", NULL, "file", "%s", why);
			free(why);
		}
	}
	*has_drop = member_number(s, b, "baseline", NULL, "max_drop", max_drop_doc, max_drop);
	*has_rel = member_number(s, b, "baseline", NULL, "max_relative_drop", max_rel_doc, max_rel);
}

/* Problems shared by both forms: bounds in order, and something to check. */
static void check_bounds(struct spec *s, const struct bounds *b, const char *param, const char *key)
{
	char x[32], y[32];

	if (b->has_min && b->has_max && b->min > b->max)
		problem(s, param, key, key ? "min" : NULL, "\"min\" (%s) is greater than \"max\" (%s)",
			mlg_format_number(b->min, x), mlg_format_number(b->max, y));
	if ((b->has_drop || b->has_rel) && !s->baseline) {
		if (key)
			problem(s, param, key, b->has_drop ? "max_drop" : "max_relative_drop",
				"\"%s\" needs a \"baseline\" to compare with, e.g. {\"git_ref\": \"origin/main\"}",
				b->has_drop ? "max_drop" : "max_relative_drop");
	} else if (!b->has_min && !b->has_max && !b->has_drop && !b->has_rel) {
		/* a lone path with a baseline: the baseline's own problem says it */
		if (!key && s->baseline)
			return;
		if (key)
			problem(s, param, key, NULL,
				"metric '%s' has no bound: give \"min\", \"max\", \"max_drop\" or \"max_relative_drop\"",
				key);
		else
			problem(s, NULL, NULL, NULL,
				"model.metric needs \"min\", \"max\", or a \"baseline\" with \"max_drop\" or \"max_relative_drop\"");
	}
}

static void spec_release(struct spec *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->metrics[i].why);
		free(s->metrics[i].message);
	}
	free(s->metrics);
	s->metrics = NULL;
	s->n = 0;
}

/* Reads the parameters into s->metrics; returns the number of problems. */
static int parse_spec(struct spec *s)
{
	const struct mlg_check *check = s->check;
	const char *path = mlg_check_string(check, "path");
	const cJSON *metrics = mlg_check_param(check, "metrics"), *it;
	const char *dir = mlg_check_string(check, "direction");
	const char *missing = mlg_check_string(check, "on_missing_baseline");
	double max_drop = 0, max_rel = 0, lo = 0, hi = 0;
	int has_drop, has_rel, lower = 0, any_drop = 0;
	int has_lo = mlg_check_number(check, "min", &lo);
	int has_hi = mlg_check_number(check, "max", &hi);

	s->baseline = mlg_check_param(check, "baseline");
	if (dir && parse_direction(dir, &lower) < 0)
		problem(s, "direction", NULL, NULL, "expected \"higher_is_better\" or \"lower_is_better\", found '%s'",
			dir);
	if (missing && strcmp(missing, "pass") && strcmp(missing, "error"))
		problem(s, "on_missing_baseline", NULL, NULL, "expected \"pass\" or \"error\", found '%s'", missing);
	s->on_missing_error = missing && !strcmp(missing, "error");
	if (s->on_missing_error && !s->baseline)
		problem(s, "on_missing_baseline", NULL, NULL, "there is no \"baseline\" to miss");
	parse_baseline(s, &max_drop, &has_drop, &max_rel, &has_rel);

	if (path && metrics) {
		problem(s, "metrics", NULL, NULL, "give \"path\" (one number) or \"metrics\" (several), not both");
		return s->problems;
	}
	if (!path && !metrics) {
		/* worded as the loader words a missing parameter: "path" was required before "metrics" */
		problem(s, NULL, NULL, NULL,
			"missing required parameter 'path' of model.metric: expected string (a dotted path to one number, "
			"e.g. \"test.auc\"), or \"metrics\" for several, each with its bounds");
		return s->problems;
	}
	if (path) {
		struct bounds *b;

		s->metrics = mlg_xcalloc(1, sizeof(*s->metrics));
		s->n = 1;
		s->metrics[0].path = path;
		b = &s->metrics[0].b;
		b->has_min = has_lo;
		b->min = lo;
		b->has_max = has_hi;
		b->max = hi;
		b->lower = lower;
		b->has_drop = has_drop;
		b->max_drop = max_drop;
		b->has_rel = has_rel;
		b->max_rel = max_rel;
		any_drop = has_drop || has_rel;
		if (!mlg_json_path_valid(path))
			problem(s, "path", NULL, NULL,
				"invalid path '%s': expected keys separated by dots, with [N] for list items (e.g. test.auc, slices[2].f1)",
				path);
		check_bounds(s, b, NULL, NULL);
	} else {
		s->multi = 1;
		if (has_lo || has_hi)
			problem(s, has_lo ? "min" : "max", NULL, NULL,
				"with \"metrics\", give \"min\" and \"max\" to each metric: {\"%s\": {\"%s\": ...}}",
				metrics->child ? metrics->child->string : "test.auc", has_lo ? "min" : "max");
		if (!metrics->child)
			problem(s, "metrics", NULL, NULL,
				"expected at least one metric, e.g. {\"test.auc\": {\"min\": 0.85}}");
		s->metrics = mlg_xcalloc((size_t)cJSON_GetArraySize(metrics) + 1, sizeof(*s->metrics));
		cJSON_ArrayForEach(it, metrics) {
			struct metric *m = &s->metrics[s->n++];
			struct bounds *b = &m->b;
			const cJSON *d;

			m->path = it->string;
			*b = (struct bounds){ .lower = lower, .has_drop = has_drop, .max_drop = max_drop,
					      .has_rel = has_rel, .max_rel = max_rel };
			if (!mlg_json_path_valid(it->string))
				problem(s, "metrics", it->string, NULL,
					"invalid path '%s': expected keys separated by dots, with [N] for list items (e.g. test.auc, slices[2].f1)",
					it->string);
			if (!cJSON_IsObject(it)) {
				problem(s, "metrics", it->string, NULL,
					"expected an object of bounds, e.g. {\"min\": 0.85, \"max_drop\": 0.01}, found %s",
					mlg_json_describe(it));
				continue;
			}
			unknown_keys(s, it, "metrics", it->string, metric_keys, NKEYS(metric_keys),
				     "a metric's bounds");
			b->has_min = member_number(s, it, "metrics", it->string, "min", "lowest acceptable value",
						   &b->min);
			b->has_max = member_number(s, it, "metrics", it->string, "max", "highest acceptable value",
						   &b->max);
			/* Its own drop bounds replace both of the baseline's: an absolute
			 * max_drop in AUC units means nothing for a loss given a relative one. */
			if (cJSON_GetObjectItemCaseSensitive(it, "max_drop") ||
			    cJSON_GetObjectItemCaseSensitive(it, "max_relative_drop")) {
				b->has_drop = member_number(s, it, "metrics", it->string, "max_drop",
							    max_drop_doc, &b->max_drop);
				b->has_rel = member_number(s, it, "metrics", it->string, "max_relative_drop",
							   max_rel_doc, &b->max_rel);
			}
			d = cJSON_GetObjectItemCaseSensitive(it, "direction");
			if (d && (!cJSON_IsString(d) || parse_direction(d->valuestring, &b->lower) < 0))
				problem(s, "metrics", it->string, "direction",
					"expected \"higher_is_better\" or \"lower_is_better\", found %s%s%s",
					cJSON_IsString(d) ? "'" : "", cJSON_IsString(d) ? d->valuestring : mlg_json_describe(d),
					cJSON_IsString(d) ? "'" : "");
			any_drop |= b->has_drop || b->has_rel;
			check_bounds(s, b, "metrics", it->string);
		}
	}
	/* (a drop bound of the wrong type was reported already) */
	if (s->baseline && !any_drop && !cJSON_GetObjectItemCaseSensitive(s->baseline, "max_drop") &&
	    !cJSON_GetObjectItemCaseSensitive(s->baseline, "max_relative_drop"))
		problem(s, "baseline", NULL, NULL,
			"expected \"max_drop\" or \"max_relative_drop\"%s: without one nothing is compared with the baseline",
			s->multi ? " (here, or in the metrics to compare)" : "");
	return s->problems;
}

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	struct spec s = { .check = check, .diag = diag };

	parse_spec(&s);
	spec_release(&s);
}

/* "metrics.json:test.auc" (or "metrics.json:test.auc+test.f1"): the file alone would not tell checks apart. */
static char *target(const struct mlg_check *check)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	const cJSON *metrics = mlg_check_param(check, "metrics"), *it;
	const char *path = mlg_check_string(check, "path");

	mlg_strbuf_addf(&sb, "%s:", mlg_check_string(check, "file"));
	if (path || !cJSON_IsObject(metrics)) {
		mlg_strbuf_addstr(&sb, path ? path : "");
	} else {
		cJSON_ArrayForEach(it, metrics)
			mlg_strbuf_addf(&sb, "%s%s", it == metrics->child ? "" : "+", it->string);
	}
	return mlg_strbuf_detach(&sb);
}

/*
 * Parses a metrics file's text, refusing duplicate keys: JSON readers
 * disagree on which wins (cJSON the first, Python the last), so the value
 * is not known. `name` is how messages call the file ("'metrics.json'").
 * Returns the document, or NULL with *err set (allocated).
 */
static cJSON *parse_metrics(const char *text, size_t len, const char *name, char **err)
{
	cJSON *doc = NULL, *again = NULL;
	struct mlg_jsonpos *pos = NULL;
	int line, col;

	if (mlg_json_parse_strict(text, len, &doc, &line, &col) < 0) {
		*err = mlg_xasprintf("%s is not valid JSON: %s (line %d, column %d)", name, mlg_error_last(),
				     line, col);
		return NULL;
	}
	if (mlg_jsonc_parse(text, len, &again, &pos, &line, &col) == 0 && mlg_jsonpos_duplicates(pos)) {
		const char *dup = mlg_jsonpos_duplicate(pos, 0, &line, &col);

		*err = mlg_xasprintf("%s has the key '%s' twice (line %d, column %d): which value counts is not defined",
				     name, dup, line, col);
		cJSON_Delete(doc);
		doc = NULL;
	}
	cJSON_Delete(again);
	mlg_jsonpos_free(pos);
	return doc;
}

/* The baseline file, once read. */
struct baseline {
	cJSON *doc;
	char *source;  /* observed.baseline_source: "origin/main@1a2b3c4", or the file as given */
	char *where;   /* for messages: " at origin/main (merge base 1a2b3c4)", " in base.json" */
	char *name;    /* for messages about its values: "baseline 'metrics.json' at ..." */
	char *missing; /* why there is no baseline file (a note or an error), or NULL */
};

static void baseline_release(struct baseline *b)
{
	cJSON_Delete(b->doc);
	free(b->source);
	free(b->where);
	free(b->name);
	free(b->missing);
}

/*
 * The metrics file at the merge base of HEAD and git_ref. A file that is
 * not there is a missing baseline; a repository, revision or merge base
 * that is not there is an error. Returns 0, or -1 with *err allocated.
 */
static int read_git_baseline(const struct spec *s, struct baseline *bl, char **err)
{
	const struct mlg_check *check = s->check;
	const char *file = mlg_check_string(check, "file");
	struct mlg_source_options so = MLG_SOURCE_OPTIONS_INIT;
	struct mlg_source *src = NULL;
	struct mlg_strbuf text = MLG_STRBUF_INIT;
	char commit[MLG_SOURCE_COMMIT_SIZE];
	char *abs = mlg_check_path(check, "file");
	ssize_t got;
	int rc;

	so.git_ref = s->git_ref;
	so.repo_dir = check->suite->dir;
	so.shown = file;
	so.merge_base = 1;
	so.commit = commit;
	rc = mlg_source_open(&src, abs, &so);
	free(abs);
	if (commit[0]) {
		bl->source = mlg_xasprintf("%s@%.7s", s->git_ref, commit);
		bl->where = mlg_xasprintf(" at %s (merge base %.7s)", s->git_ref, commit);
	}
	if (rc < 0) {
		if (rc == MLG_ENOTFOUND && commit[0]) {
			bl->missing = mlg_xstrdup(mlg_error_last());
			return 0;
		}
		*err = mlg_xasprintf("baseline: %s", mlg_error_last());
		return -1;
	}
	bl->name = mlg_xasprintf("baseline '%s'%s", file, bl->where);
	for (;;) {
		mlg_strbuf_grow(&text, 65536);
		got = mlg_source_read(src, text.buf + text.len, text.alloc - text.len - 1);
		if (got <= 0)
			break;
		text.len += (size_t)got;
		text.buf[text.len] = '\0';
	}
	if (got < 0)
		*err = mlg_xasprintf("baseline: %s", mlg_error_last());
	else
		bl->doc = parse_metrics(mlg_strbuf_str(&text), text.len, bl->name, err);
	mlg_strbuf_release(&text);
	mlg_source_free(src);
	return bl->doc ? 0 : -1;
}

/* A baseline metrics file (relative to the suite's folder). */
static int read_file_baseline(const struct mlg_check_ctx *ctx, const struct spec *s,
			      struct baseline *bl, char **err)
{
	const char *file = s->base_file;
	char *abs = file[0] == '/' ? mlg_xstrdup(file) : mlg_xasprintf("%s/%s", s->check->suite->dir, file);
	char *text = NULL;
	size_t len;
	struct stat st;

	bl->source = mlg_xstrdup(file);
	bl->where = mlg_xasprintf(" in %s", file);
	bl->name = mlg_xasprintf("baseline '%s'", file);
	/* A first run has no baseline yet; a folder in the way is a mistake. */
	if (stat(abs, &st) < 0 && (errno == ENOENT || errno == ENOTDIR)) {
		bl->missing = mlg_xasprintf("'%s' does not exist", file);
		free(abs);
		return 0;
	}
	if (mlg_read_file(abs, &text, &len) < 0) {
		char *msg = mlg_str_replace(mlg_error_last(), abs, file);

		*err = mlg_xasprintf("baseline: %s", msg);
		free(msg);
		free(abs);
		return -1;
	}
	mlg_check_ctx_input(ctx, abs);
	bl->doc = parse_metrics(text, len, bl->name, err);
	free(text);
	free(abs);
	return bl->doc ? 0 : -1;
}

/* Computed differences, for messages: 15 digits hide the rounding of 0.86 - 0.84. */
static const char *format_diff(double v, char buf[32])
{
	snprintf(buf, 32, "%.15g", v == 0 ? 0.0 : v); /* never "-0" */
	return buf;
}

/* "dropped 0.02", "rose 0.05" (lower is better), "improved 0.01", "unchanged". */
static void add_change(struct mlg_strbuf *sb, double drop, double tol, int lower)
{
	char d[32];

	if (drop > tol)
		mlg_strbuf_addf(sb, "%s %s", lower ? "rose" : "dropped", format_diff(drop, d));
	else if (drop < -tol)
		mlg_strbuf_addf(sb, "improved %s", format_diff(-drop, d));
	else
		mlg_strbuf_addstr(sb, "unchanged");
}

/* The bound column of the table: ">= 0.85, drop <= 0.005, drop <= 1% of baseline". */
static char *bound_text(const struct bounds *b)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	const char *word = b->lower ? "rise" : "drop";
	char x[32];

	if (b->has_min)
		mlg_strbuf_addf(&sb, ">= %s", mlg_format_number(b->min, x));
	if (b->has_max)
		mlg_strbuf_addf(&sb, "%s<= %s", sb.len ? ", " : "", mlg_format_number(b->max, x));
	if (b->has_drop && b->max_drop >= 0)
		mlg_strbuf_addf(&sb, "%s%s <= %s", sb.len ? ", " : "", word, mlg_format_number(b->max_drop, x));
	else if (b->has_drop)
		mlg_strbuf_addf(&sb, "%simprovement >= %s", sb.len ? ", " : "",
				mlg_format_number(-b->max_drop, x));
	if (b->has_rel && b->max_rel >= 0)
		mlg_strbuf_addf(&sb, "%s%s <= %s%% of baseline", sb.len ? ", " : "", word,
				format_diff(b->max_rel * 100, x));
	else if (b->has_rel)
		mlg_strbuf_addf(&sb, "%simprovement >= %s%% of baseline", sb.len ? ", " : "",
				format_diff(-b->max_rel * 100, x));
	return mlg_strbuf_detach(&sb);
}

/*
 * Decides one metric: its value in `doc` (the candidate), against min and
 * max, then against its value in the baseline. Sets m->status, m->message
 * and m->why.
 */
static void evaluate(const struct spec *s, struct metric *m, const cJSON *doc, const char *file,
		     const struct baseline *bl)
{
	const struct bounds *b = &m->b;
	const cJSON *v;
	char *why = NULL, x[32], y[32], z[32];
	char *note = NULL;
	struct mlg_strbuf head = MLG_STRBUF_INIT, change = MLG_STRBUF_INIT;
	double drop = 0, tol = 0;

	m->status = MLG_STATUS_PASSED;
	v = mlg_json_path_get(doc, m->path, &why);
	if (!v) {
		m->message = mlg_xasprintf("'%s' has no value at '%s': %s", file, m->path, why);
		goto error;
	}
	if (!cJSON_IsNumber(v)) {
		m->message = mlg_xasprintf("'%s' at '%s' is not a number", file, m->path);
		goto error;
	}
	if (!isfinite(v->valuedouble)) {
		m->message = mlg_xasprintf("'%s' at '%s' is not a finite number (%s)", file, m->path,
					   v->valuedouble > 0 ? "too large" : "too small");
		goto error;
	}
	m->value = v->valuedouble;
	m->has_value = 1;

	if (s->baseline && bl->missing) {
		note = mlg_xasprintf("no baseline for %s: %s", m->path, bl->missing);
	} else if (s->baseline) {
		const cJSON *bv = mlg_json_path_get(bl->doc, m->path, &why);

		if (!bv) {
			note = mlg_xasprintf("no baseline for %s%s: %s", m->path, bl->where, why);
		} else if (!cJSON_IsNumber(bv)) {
			m->message = mlg_xasprintf("%s at '%s' is not a number (found %s)", bl->name, m->path,
						   mlg_json_describe(bv));
			goto error;
		} else if (!isfinite(bv->valuedouble)) {
			m->message = mlg_xasprintf("%s at '%s' is not a finite number (%s)", bl->name, m->path,
						   bv->valuedouble > 0 ? "too large" : "too small");
			goto error;
		} else {
			m->base = bv->valuedouble;
			m->has_base = 1;
			/* drop: how much worse the candidate is; positive is worse */
			drop = b->lower ? m->value - m->base : m->base - m->value;
			/* a few units in the last place: 0.86 - 0.84 is not above 0.02 */
			tol = 4 * DBL_EPSILON * fmax(fabs(m->value), fabs(m->base));
		}
	}

	mlg_strbuf_addf(&head, "%s = %s", m->path, mlg_format_number(m->value, x));
	if (m->has_base) {
		mlg_strbuf_addf(&head, ", baseline %s%s", mlg_format_number(m->base, y), bl->where);
		add_change(&change, drop, tol, b->lower);
	}

	if (b->has_min && m->value < b->min) {
		m->status = MLG_STATUS_FAILED;
		m->message = mlg_xasprintf("%s = %s, expected at least %s", m->path, x, mlg_format_number(b->min, y));
		m->why = mlg_xasprintf("%s is below min %s", x, y);
	} else if (b->has_max && m->value > b->max) {
		m->status = MLG_STATUS_FAILED;
		m->message = mlg_xasprintf("%s = %s, expected at most %s", m->path, x, mlg_format_number(b->max, y));
		m->why = mlg_xasprintf("%s is above max %s", x, y);
	} else if (note && s->on_missing_error && (b->has_drop || b->has_rel)) {
		m->message = mlg_xasprintf("%s; on_missing_baseline is \"error\"", note);
		goto error;
	} else if (m->has_base && b->has_drop && drop > b->max_drop + tol) {
		m->status = MLG_STATUS_FAILED;
		if (b->max_drop >= 0)
			m->why = mlg_xasprintf("%s, more than max_drop %s", change.buf,
					       mlg_format_number(b->max_drop, y));
		else
			m->why = mlg_xasprintf("%s, short of the improvement of at least %s that max_drop %s demands",
					       change.buf, mlg_format_number(-b->max_drop, y),
					       mlg_format_number(b->max_drop, z));
	} else if (m->has_base && b->has_rel && drop > b->max_rel * fabs(m->base) + tol) {
		double limit = b->max_rel * fabs(m->base);

		m->status = MLG_STATUS_FAILED;
		if (b->max_rel >= 0)
			m->why = mlg_xasprintf("%s, more than max_relative_drop %s of the baseline (%s)", change.buf,
					       mlg_format_number(b->max_rel, y), format_diff(limit, z));
		else
			m->why = mlg_xasprintf("%s, short of the improvement of at least %s (max_relative_drop %s of the baseline)",
					       change.buf, format_diff(-limit, z), mlg_format_number(b->max_rel, y));
	}
	if (m->status == MLG_STATUS_FAILED && !m->message)
		m->message = mlg_xasprintf("%s: %s", head.buf, m->why);
	if (m->status == MLG_STATUS_PASSED) {
		if (note) {
			m->message = mlg_xasprintf("%s; %s", head.buf, note);
			m->why = note;
			m->noted = 1;
			note = NULL;
		} else if (m->has_base) {
			m->message = mlg_xasprintf("%s: %s", head.buf, change.buf);
		} else {
			m->message = mlg_strbuf_detach(&head);
		}
	}
	goto done;
error:
	m->status = MLG_STATUS_ERROR;
	m->why = mlg_xstrdup(m->message);
done:
	free(note);
	free(why);
	mlg_strbuf_release(&head);
	mlg_strbuf_release(&change);
}

static void add_bounds(cJSON *obj, const struct bounds *b)
{
	if (b->has_min)
		cJSON_AddNumberToObject(obj, "min", b->min);
	if (b->has_max)
		cJSON_AddNumberToObject(obj, "max", b->max);
	if (b->has_drop)
		cJSON_AddNumberToObject(obj, "max_drop", b->max_drop);
	if (b->has_rel)
		cJSON_AddNumberToObject(obj, "max_relative_drop", b->max_rel);
	cJSON_AddStringToObject(obj, "direction", b->lower ? "lower_is_better" : "higher_is_better");
}

/* observed.metrics: one row per metric (see the model-kinds conventions). */
static void add_table(cJSON *observed, const struct spec *s)
{
	cJSON *rows = cJSON_AddArrayToObject(observed, "metrics");

	for (size_t i = 0; i < s->n; i++) {
		const struct metric *m = &s->metrics[i];
		cJSON *row = cJSON_CreateObject();
		char *bound = bound_text(&m->b);

		if (!row)
			mlg_die_oom();
		cJSON_AddStringToObject(row, "metric", m->path);
		if (m->has_value)
			cJSON_AddNumberToObject(row, "value", m->value);
		if (m->has_base) {
			cJSON_AddNumberToObject(row, "baseline", m->base);
			cJSON_AddNumberToObject(row, "delta", m->value - m->base);
		}
		if (*bound)
			cJSON_AddStringToObject(row, "bound", bound);
		cJSON_AddStringToObject(row, "status", mlg_status_name(m->status));
		if (m->why)
			cJSON_AddStringToObject(row, "why", m->why);
		cJSON_AddItemToArray(rows, row);
		free(bound);
	}
}

/* The check's status and message from its metrics: an error first, then a failure. */
static void conclude(const struct spec *s, const struct baseline *bl, struct mlg_result *r)
{
	const struct metric *first[3] = { NULL, NULL, NULL }; /* error, failed, noted */
	size_t nerror = 0, nfailed = 0, nnoted = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct metric *m = &s->metrics[i];

		if (m->status == MLG_STATUS_ERROR && !nerror++)
			first[0] = m;
		if (m->status == MLG_STATUS_FAILED && !nfailed++)
			first[1] = m;
		if (m->noted && !nnoted++)
			first[2] = m;
	}
	if (!s->multi) {
		mlg_result_set(r, s->metrics[0].status, "%s", s->metrics[0].message);
	} else if (nerror) {
		char more[80] = "";

		if (nerror > 1)
			snprintf(more, sizeof(more), " (%zu of %zu metrics could not be evaluated)", nerror, s->n);
		mlg_result_set(r, MLG_STATUS_ERROR, "%s%s", first[0]->message, more);
	} else if (nfailed) {
		char more[64] = "";

		if (nfailed > 1)
			snprintf(more, sizeof(more), " (%zu of %zu metrics failed)", nfailed, s->n);
		mlg_result_set(r, MLG_STATUS_FAILED, "%s%s", first[1]->message, more);
	} else if (nnoted && bl->missing) {
		mlg_result_set(r, MLG_STATUS_PASSED, "%zu metric%s within bounds; no baseline: %s", s->n,
			       mlg_plural(s->n), bl->missing);
	} else if (nnoted) {
		mlg_result_set(r, MLG_STATUS_PASSED, "%zu metric%s within bounds; %s%s", s->n, mlg_plural(s->n),
			       first[2]->why, nnoted > 1 ? " (and more)" : "");
	} else {
		mlg_result_set(r, MLG_STATUS_PASSED, "%zu metric%s within bounds", s->n, mlg_plural(s->n));
	}
}

static void run(const struct mlg_check_ctx *ctx, struct mlg_result *r)
{
	const struct mlg_check *check = ctx->check;
	const char *file = mlg_check_string(check, "file");
	char *abs = mlg_check_path(check, "file");
	char *text = NULL, *err = NULL, *name = NULL;
	struct spec s = { .check = check };
	struct baseline bl = { 0 };
	size_t len;
	cJSON *doc = NULL;

	if (parse_spec(&s)) {
		/* validate() saw the same parameters; only a plugin host skipping it gets here */
		mlg_result_set(r, MLG_STATUS_ERROR, "invalid parameters: run `mlgate validate`");
		goto done;
	}
	if (!s.multi) {
		const struct bounds *b = &s.metrics[0].b;

		if (b->has_min)
			cJSON_AddNumberToObject(r->expected, "min", b->min);
		if (b->has_max)
			cJSON_AddNumberToObject(r->expected, "max", b->max);
		if (b->has_drop)
			cJSON_AddNumberToObject(r->expected, "max_drop", b->max_drop);
		if (b->has_rel)
			cJSON_AddNumberToObject(r->expected, "max_relative_drop", b->max_rel);
		if (s.baseline)
			cJSON_AddStringToObject(r->expected, "direction",
						b->lower ? "lower_is_better" : "higher_is_better");
	} else {
		cJSON *per = cJSON_AddObjectToObject(r->expected, "metrics");

		for (size_t i = 0; i < s.n; i++) {
			cJSON *o = cJSON_AddObjectToObject(per, s.metrics[i].path);

			if (!o)
				mlg_die_oom();
			add_bounds(o, &s.metrics[i].b);
		}
	}

	if (mlg_read_file(abs, &text, &len) < 0) {
		char *msg = mlg_str_replace(mlg_error_last(), abs, file);

		mlg_result_set(r, MLG_STATUS_ERROR, "metrics file: %s", msg);
		free(msg);
		goto done;
	}
	mlg_check_ctx_input(ctx, abs);
	name = mlg_xasprintf("'%s'", file);
	doc = parse_metrics(text, len, name, &err);
	if (!doc) {
		mlg_result_set(r, MLG_STATUS_ERROR, "%s", err);
		goto done;
	}
	if (s.baseline) {
		int rc = s.git_ref ? read_git_baseline(&s, &bl, &err) : read_file_baseline(ctx, &s, &bl, &err);

		if (bl.source)
			cJSON_AddStringToObject(r->observed, "baseline_source", bl.source);
		if (rc < 0) {
			mlg_result_set(r, MLG_STATUS_ERROR, "%s", err);
			goto done;
		}
		if (bl.missing)
			cJSON_AddStringToObject(r->observed, "baseline_missing", bl.missing);
	}
	for (size_t i = 0; i < s.n; i++)
		evaluate(&s, &s.metrics[i], doc, file, &bl);
	if (!s.multi) {
		const struct metric *m = &s.metrics[0];

		if (m->has_value)
			cJSON_AddNumberToObject(r->observed, "value", m->value);
		if (m->has_base) {
			cJSON_AddNumberToObject(r->observed, "baseline", m->base);
			cJSON_AddNumberToObject(r->observed, "delta", m->value - m->base);
		}
	}
	/* A lone number against min/max needs no table: the message says it all. */
	if (s.multi || s.baseline)
		add_table(r->observed, &s);
	conclude(&s, &bl, r);
done:
	baseline_release(&bl);
	spec_release(&s);
	free(name);
	free(err);
	free(text);
	free(abs);
	cJSON_Delete(doc);
}

const struct mlg_check_kind mlg_kind_model_metric = {
	.abi = MLG_KIND_ABI,
	.name = "model.metric",
	.summary = "numbers in a JSON metrics file lie within [min, max] and drop no more than "
		   "allowed from a baseline (the same file at the merge base with a git ref, or another file)",
	.params = params,
	.example = "{ \"kind\": \"model.metric\", \"file\": \"metrics.json\", \"metrics\": { "
		   "\"test.auc\": { \"min\": 0.85 }, \"test.log_loss\": { \"direction\": \"lower_is_better\", "
		   "\"max_relative_drop\": 0.05 } }, \"baseline\": { \"git_ref\": \"origin/main\", "
		   "\"max_drop\": 0.01 } }",
	.validate = validate,
	.target = target,
	.run = run,
};
