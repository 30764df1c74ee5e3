/*
 * Suite loading and validation (see include/mlgate/suite.h).
 *
 * Validation never stops at the first problem: each one is added to the
 * diagnostics and loading carries on, so `mlgate validate` lists them all.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "expand.h"
#include "jsonc.h"
#include "mlgate/error.h"
#include "mlgate/promote.h"
#include "mlgate/registry.h"
#include "mlgate/suite.h"
#include "mlgate/value.h"
#include "pathscope.h"
#include "strmap.h"
#include "suggest.h"
#include "suite_internal.h"
#include "util.h"

void mlg_diag__add_at(struct mlg_diag *diag, const char *path, int line, int col, const char *msg);

#define DEFAULT_TIMEOUT_S 600.0

static const char *const top_keys[] = { "mlgate", "suite", "datasets", "defaults", "checks",
					"gate", "paths" };
static const char *const dataset_keys[] = { "path", "format", "delimiter", "quote", "header",
					    "null_values", "columns", "git_ref" };
static const char *const default_keys[] = { "severity", "timeout", "max_memory", "max_examples" };

#define DEFAULT_MAX_MEMORY (2ull << 30)

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void path_member(struct mlg_strbuf *sb, const char *base, const char *key)
{
	mlg_strbuf_reset(sb);
	mlg_strbuf_addstr(sb, base);
	mlg_jsonpath_member(sb, key, strlen(key));
}

static void join_names(struct mlg_strbuf *sb, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mlg_strbuf_addf(sb, "%s%s", i ? ", " : "", names[i]);
}

/* Reports members of `obj` not in `allowed`, suggesting the closest. */
static void check_keys(struct mlg_diag *diag, const cJSON *obj, const char *base,
		       const char *const *allowed, size_t n, const char *what)
{
	const cJSON *it;
	struct mlg_strbuf path = MLG_STRBUF_INIT, list = MLG_STRBUF_INIT;

	cJSON_ArrayForEach(it, obj) {
		size_t i;
		const char *near;

		for (i = 0; i < n; i++)
			if (!strcmp(it->string, allowed[i]))
				break;
		if (i < n)
			continue;
		path_member(&path, base, it->string);
		mlg_strbuf_reset(&list);
		join_names(&list, allowed, n);
		near = mlg_suggest(it->string, allowed, n);
		if (near)
			mlg_diag_add(diag, path.buf, "unknown %s '%s': did you mean '%s'? (expected one of %s)",
				     what, it->string, near, list.buf);
		else
			mlg_diag_add(diag, path.buf, "unknown %s '%s': expected one of %s", what,
				     it->string, list.buf);
	}
	mlg_strbuf_release(&path);
	mlg_strbuf_release(&list);
}

/* Expands ${VAR} in every string of the tree, in place. */
void mlg_suite__expand(cJSON *node, struct mlg_strbuf *path, struct mlg_diag *diag)
{
	size_t base = path->len;
	size_t i = 0;
	cJSON *it;

	if (cJSON_IsString(node)) {
		char *expanded;

		if (!strchr(node->valuestring, '$'))
			return;
		if (mlg_expand_vars(node->valuestring, &expanded) < 0) {
			mlg_diag_add(diag, mlg_strbuf_str(path), "%s", mlg_error_last());
			return;
		}
		cJSON_SetValuestring(node, expanded);
		free(expanded);
		return;
	}
	cJSON_ArrayForEach(it, node) {
		if (cJSON_IsObject(node))
			mlg_jsonpath_member(path, it->string, strlen(it->string));
		else
			mlg_jsonpath_index(path, i);
		mlg_suite__expand(it, path, diag);
		path->len = base;
		if (path->buf)
			path->buf[base] = '\0';
		i++;
	}
}

static char *resolve_path(const struct mlg_suite *suite, const char *p)
{
	if (p[0] == '/')
		return mlg_xstrdup(p);
	return mlg_xasprintf("%s/%s", suite->dir, p);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* A dataset option that is a list of strings (may be empty when allow_empty). */
static char **string_list(struct mlg_diag *diag, struct mlg_strbuf *sub, const char *base,
			  const cJSON *ds, const char *key, size_t *count, int allow_empty)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ds, key), *item;
	char **out;
	size_t n = 0;

	*count = 0;
	if (!v)
		return NULL;
	path_member(sub, base, key);
	if (!cJSON_IsArray(v) || (!allow_empty && !cJSON_GetArraySize(v))) {
		mlg_diag_add(diag, sub->buf, "expected a %slist of strings, found %s",
			     allow_empty ? "" : "non-empty ", mlg_json_describe(v));
		return NULL;
	}
	out = mlg_xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*out));
	cJSON_ArrayForEach(item, v) {
		if (!cJSON_IsString(item)) {
			mlg_diag_add(diag, sub->buf, "expected a list of strings, found %s in it",
				     mlg_json_describe(item));
			continue;
		}
		out[n++] = mlg_xstrdup(item->valuestring);
	}
	*count = n;
	return out;
}

/* "2GiB", "512 MB", "100k", or bytes as a number. */
static int parse_size_t(const cJSON *v, size_t *out)
{
	uint64_t bytes;

	if (mlg_parse_size(v, &bytes) < 0 || bytes > SIZE_MAX)
		return -1;
	*out = (size_t)bytes;
	return 0;
}

static void load_datasets(struct mlg_suite *suite, const cJSON *obj, struct mlg_diag *diag)
{
	struct mlg_strbuf path = MLG_STRBUF_INIT, sub = MLG_STRBUF_INIT;
	const cJSON *ds;
	char *why;

	if (!cJSON_IsObject(obj)) {
		mlg_diag_add(diag, "datasets", "expected an object of named datasets, found %s",
			     mlg_json_describe(obj));
		return;
	}
	suite->datasets = mlg_xcalloc((size_t)cJSON_GetArraySize(obj) + 1, sizeof(*suite->datasets));
	cJSON_ArrayForEach(ds, obj) {
		struct mlg_dataset *d = &suite->datasets[suite->ndatasets];
		const cJSON *v;

		path_member(&path, "datasets", ds->string);
		if (!cJSON_IsObject(ds)) {
			mlg_diag_add(diag, path.buf,
				     "expected an object such as {\"path\": \"data/train.csv\"}, found %s",
				     mlg_json_describe(ds));
			continue;
		}
		check_keys(diag, ds, path.buf, dataset_keys, COUNT(dataset_keys), "dataset option");
		suite->ndatasets++;
		d->name = mlg_xstrdup(ds->string);
		mlg_jsonpos_lookup(suite->positions, path.buf, &d->line, &d->column);
		d->delimiter = ',';
		d->quote = '"';
		d->header = 1;
		v = cJSON_GetObjectItemCaseSensitive(ds, "path");
		if (!cJSON_IsString(v) || !*v->valuestring) {
			path_member(&sub, path.buf, "path");
			mlg_diag_add(diag, sub.buf, "expected \"path\": a file path relative to the suite file, found %s",
				     v ? mlg_json_describe(v) : "nothing");
		} else {
			d->path = mlg_xstrdup(v->valuestring);
			d->abs_path = resolve_path(suite, v->valuestring);
		}
		v = cJSON_GetObjectItemCaseSensitive(ds, "format");
		if (v && (!cJSON_IsString(v) ||
			  (strcmp(v->valuestring, "csv") && strcmp(v->valuestring, "tsv") &&
			   strcmp(v->valuestring, "jsonl")))) {
			path_member(&sub, path.buf, "format");
			mlg_diag_add(diag, sub.buf, "unsupported format: expected \"csv\", \"tsv\" or \"jsonl\"");
		} else if (v && !strcmp(v->valuestring, "tsv")) {
			d->delimiter = '\t';
		}
		d->format = mlg_xstrdup(v && cJSON_IsString(v) && !strcmp(v->valuestring, "jsonl") ? "jsonl" : "csv");
		if (!v && d->path && (ends_with(d->path, ".jsonl") || ends_with(d->path, ".jsonl.gz") ||
				      ends_with(d->path, ".jsonl.zst") || ends_with(d->path, ".ndjson"))) {
			free(d->format);
			d->format = mlg_xstrdup("jsonl");
		} else if (!v && d->path && (ends_with(d->path, ".tsv") || ends_with(d->path, ".tsv.gz") ||
					     ends_with(d->path, ".tsv.zst"))) {
			d->delimiter = '\t';
		}
		d->null_values = string_list(diag, &sub, path.buf, ds, "null_values", &d->nnull_values, 1);
		d->columns = string_list(diag, &sub, path.buf, ds, "columns", &d->ncolumns, 0);
		v = cJSON_GetObjectItemCaseSensitive(ds, "git_ref");
		if (v) {
			path_member(&sub, path.buf, "git_ref");
			if (!cJSON_IsString(v) || !*v->valuestring)
				mlg_diag_add(diag, sub.buf, "expected a git revision such as \"origin/main\" or a commit id, found %s",
					     mlg_json_describe(v));
			else
				d->git_ref = mlg_xstrdup(v->valuestring);
		}
		v = cJSON_GetObjectItemCaseSensitive(ds, "delimiter");
		if (v) {
			path_member(&sub, path.buf, "delimiter");
			if (!cJSON_IsString(v) || strlen(v->valuestring) != 1 ||
			    strchr("\"\r\n", v->valuestring[0]))
				mlg_diag_add(diag, sub.buf, "expected a one-character string such as \",\", \";\" or \"\\t\"");
			else
				d->delimiter = v->valuestring[0];
		}
		v = cJSON_GetObjectItemCaseSensitive(ds, "quote");
		if (v) {
			path_member(&sub, path.buf, "quote");
			if (!cJSON_IsString(v) || strlen(v->valuestring) != 1 ||
			    strchr("\r\n", v->valuestring[0]))
				mlg_diag_add(diag, sub.buf, "expected a one-character string such as \"\\\"\" or \"'\"");
			else
				d->quote = v->valuestring[0];
		}
		v = cJSON_GetObjectItemCaseSensitive(ds, "header");
		if (v) {
			path_member(&sub, path.buf, "header");
			if (!cJSON_IsBool(v))
				mlg_diag_add(diag, sub.buf, "expected true or false, found %s", mlg_json_describe(v));
			else
				d->header = cJSON_IsTrue(v);
		}
		/* At a revision the on-disk file is not what is read: only its folders' links count. */
		if (d->path && mlg_pathscope_check(suite, d->path, d->git_ref ? MLG_PATH_LINKS_BUT_LAST
									       : MLG_PATH_LINKS_ALL,
						   &why) < 0) {
			path_member(&sub, path.buf, "path");
			mlg_diag_add(diag, sub.buf, "dataset '%s': %s", d->name, why);
			free(why);
		}
	}
	mlg_strbuf_release(&path);
	mlg_strbuf_release(&sub);
}

static int parse_severity(const cJSON *v, int *warn)
{
	if (!cJSON_IsString(v))
		return -1;
	if (!strcmp(v->valuestring, "error"))
		*warn = 0;
	else if (!strcmp(v->valuestring, "warn") || !strcmp(v->valuestring, "warning"))
		*warn = 1;
	else
		return -1;
	return 0;
}

static int parse_duration_value(const cJSON *v, double *out)
{
	if (cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble >= 0) {
		*out = v->valuedouble;
		return 0;
	}
	if (cJSON_IsString(v))
		return mlg_parse_duration(v->valuestring, out);
	mlg_error_code(MLG_EINVALID, "expected a duration such as \"30s\" or \"5m\", or seconds as a number");
	return MLG_EINVALID;
}

/* Checks one parameter value against its declared type. */
static void check_param_type(struct mlg_suite *suite, const struct mlg_param *p, const cJSON *v,
			     const char *path, const char *owner, struct mlg_diag *diag)
{
	const char *tn = mlg_param_type_name(p->type);
	double d;

	switch (p->type) {
	case MLG_PARAM_STRING:
	case MLG_PARAM_PATH:
		if (!cJSON_IsString(v))
			mlg_diag_add(diag, path, "expected %s (%s), found %s",
				     p->type == MLG_PARAM_PATH ? "a file path string" : "a string", p->doc,
				     mlg_json_describe(v));
		else if (p->type == MLG_PARAM_PATH && !*v->valuestring)
			mlg_diag_add(diag, path, "expected a file path, found an empty string");
		else if (p->type == MLG_PARAM_PATH) {
			char *why;

			if (mlg_pathscope_check(suite, v->valuestring, MLG_PATH_LINKS_ALL, &why) < 0) {
				mlg_diag_add(diag, path, "%s '%s': %s", owner, p->name, why);
				free(why);
			}
		}
		break;
	case MLG_PARAM_BOUND: {
		int64_t t;

		if (cJSON_IsString(v) &&
		    mlg_parse_timestamp(v->valuestring, strlen(v->valuestring), &t) < 0)
			mlg_diag_add(diag, path, "expected a number or an RFC 3339 date or time such as \"2024-01-31\" or \"2024-01-31T12:00:00Z\" (%s), found \"%s\"",
				     p->doc, v->valuestring);
		else if (!cJSON_IsString(v) && !cJSON_IsNumber(v))
			mlg_diag_add(diag, path, "expected a number or an RFC 3339 date or time (%s), found %s",
				     p->doc, mlg_json_describe(v));
		break;
	}
	case MLG_PARAM_NUMBER:
		if (!cJSON_IsNumber(v))
			mlg_diag_add(diag, path, "expected a number (%s), found %s", p->doc, mlg_json_describe(v));
		break;
	case MLG_PARAM_INTEGER:
		if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble))
			mlg_diag_add(diag, path, "expected a whole number (%s), found %s", p->doc,
				     cJSON_IsNumber(v) ? "a fraction" : mlg_json_describe(v));
		else if (fabs(v->valuedouble) > 9007199254740992.0)
			mlg_diag_add(diag, path, "expected a whole number (%s) of at most 2^53, found one too large",
				     p->doc);
		break;
	case MLG_PARAM_BOOLEAN:
		if (!cJSON_IsBool(v))
			mlg_diag_add(diag, path, "expected true or false (%s), found %s", p->doc,
				     mlg_json_describe(v));
		break;
	case MLG_PARAM_FRACTION:
		if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1)
			mlg_diag_add(diag, path, "expected a number from 0 to 1 (%s), found %s", p->doc,
				     cJSON_IsNumber(v) ? "a number outside [0, 1]" : mlg_json_describe(v));
		break;
	case MLG_PARAM_DURATION:
		if (parse_duration_value(v, &d) < 0)
			mlg_diag_add(diag, path, "%s", mlg_error_last());
		break;
	case MLG_PARAM_STRINGS: {
		const cJSON *it;
		int ok = cJSON_IsString(v) || (cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0);

		if (cJSON_IsArray(v))
			cJSON_ArrayForEach(it, v) if (!cJSON_IsString(it)) ok = 0;
		if (!ok)
			mlg_diag_add(diag, path, "expected a string or a non-empty list of strings (%s)",
				     p->doc);
		break;
	}
	case MLG_PARAM_SIZE: {
		uint64_t bytes;

		if (mlg_parse_size(v, &bytes) < 0)
			mlg_diag_add(diag, path, "expected a size such as \"512MiB\" or \"2GB\", or bytes as a number, found %s%s%s",
				     cJSON_IsString(v) ? "\"" : "", cJSON_IsString(v) ? v->valuestring : mlg_json_describe(v),
				     cJSON_IsString(v) ? "\"" : "");
		break;
	}
	case MLG_PARAM_INTEGERS: {
		const cJSON *it;
		size_t i = 0;

		if (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble))
			break;
		if (!cJSON_IsArray(v) || !cJSON_GetArraySize(v)) {
			mlg_diag_add(diag, path, "expected a whole number or a non-empty list of them (%s), found %s",
				     p->doc, cJSON_IsNumber(v) ? "a fraction" :
				     cJSON_IsArray(v) ? "an empty list" : mlg_json_describe(v));
			break;
		}
		cJSON_ArrayForEach(it, v) {
			if (!cJSON_IsNumber(it) || it->valuedouble != floor(it->valuedouble)) {
				char *sub = mlg_xasprintf("%s[%zu]", path, i);

				mlg_diag_add(diag, sub, "expected a whole number, found %s",
					     cJSON_IsNumber(it) ? "a fraction" : mlg_json_describe(it));
				free(sub);
			}
			i++;
		}
		break;
	}
	case MLG_PARAM_LIST:
		if (!cJSON_IsArray(v) || !cJSON_GetArraySize(v))
			mlg_diag_add(diag, path, "expected a non-empty list (%s), found %s", p->doc,
				     cJSON_IsArray(v) ? "an empty list" : mlg_json_describe(v));
		break;
	case MLG_PARAM_OBJECT:
		if (!cJSON_IsObject(v))
			mlg_diag_add(diag, path, "expected an object (%s), found %s", p->doc, mlg_json_describe(v));
		break;
	case MLG_PARAM_DATASET:
		if (!cJSON_IsString(v)) {
			mlg_diag_add(diag, path, "expected the name of a dataset, found %s", mlg_json_describe(v));
		} else if (!mlg_suite_dataset(suite, v->valuestring)) {
			struct mlg_strbuf list = MLG_STRBUF_INIT;

			for (size_t i = 0; i < suite->ndatasets; i++)
				mlg_strbuf_addf(&list, "%s'%s'", i ? ", " : "", suite->datasets[i].name);
			mlg_diag_add(diag, path, "dataset '%s' is not declared under \"datasets\" (%s%s)",
				     v->valuestring, suite->ndatasets ? "declared: " : "none is declared",
				     mlg_strbuf_str(&list));
			mlg_strbuf_release(&list);
		}
		break;
	}
	(void)tn;
}

/* The target part of a default id: dataset/column(s), file/path, or name. */
static char *default_target(const struct mlg_check *c)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	const char *s;
	const char **cols;
	size_t n;

	if (c->kind->target)
		return c->kind->target(c);
	if ((s = mlg_check_string(c, "dataset")))
		mlg_strbuf_addstr(&sb, s);
	if ((s = mlg_check_string(c, "file")) || (s = mlg_check_string(c, "path")))
		mlg_strbuf_addf(&sb, "%s%s", sb.len ? ":" : "", s);
	if ((s = mlg_check_string(c, "column"))) {
		mlg_strbuf_addf(&sb, "%s%s", sb.len ? "." : "", s);
	} else if (mlg_check_strings(c, "columns", &cols, &n)) {
		if (sb.len)
			mlg_strbuf_addch(&sb, '.');
		for (size_t i = 0; i < n; i++)
			mlg_strbuf_addf(&sb, "%s%s", i ? "+" : "", cols[i]);
		free(cols);
	}
	if (!sb.len && c->name)
		mlg_strbuf_addstr(&sb, c->name);
	if (!sb.len)
		mlg_strbuf_addf(&sb, "%zu", c->index + 1);
	return mlg_strbuf_detach(&sb);
}

/*
 * Validates the keys of `obj` (at JSON path `base`) against two parameter
 * tables: `common` only for which keys are allowed (the caller checks
 * their values), `params` for everything: unknown keys (with a
 * suggestion), required ones, types, and defaults added where absent.
 * `owner` names the object in messages ("parameter of data.range").
 */
void mlg_suite__check_params(struct mlg_suite *suite, cJSON *obj, const char *base,
			     const struct mlg_param *common, const struct mlg_param *params,
			     const char *owner, int unexpanded, struct mlg_diag *diag)
{
	struct mlg_strbuf sub = MLG_STRBUF_INIT;
	const struct mlg_param *p;
	const char **allowed;
	size_t nallowed = 0;
	const cJSON *v;

	for (p = common; p->name; p++)
		nallowed++;
	for (p = params; p->name; p++)
		nallowed++;
	allowed = mlg_xcalloc(nallowed + 1, sizeof(*allowed));
	nallowed = 0;
	for (p = common; p->name; p++)
		allowed[nallowed++] = p->name;
	for (p = params; p->name; p++)
		allowed[nallowed++] = p->name;
	check_keys(diag, obj, base, allowed, nallowed, owner);
	free(allowed);

	for (p = params; p->name; p++) {
		v = cJSON_GetObjectItemCaseSensitive(obj, p->name);
		path_member(&sub, base, p->name);
		if (v) {
			/* "${VAR}" not yet expanded: its type is checked once it is. */
			if (!(unexpanded && cJSON_IsString(v) && strstr(v->valuestring, "${")))
				check_param_type(suite, p, v, sub.buf, owner, diag);
		} else if (p->required) {
			const char *of = strstr(owner, " of ");

			mlg_diag_add(diag, base, "missing required parameter '%s'%s: expected %s (%s)",
				     p->name, of ? of : "", mlg_param_type_name(p->type), p->doc);
		} else if (p->default_json) {
			cJSON *def = cJSON_Parse(p->default_json);

			if (!def)
				mlg_die_oom();
			cJSON_AddItemToObject(obj, p->name, def);
		}
	}
	mlg_strbuf_release(&sub);
}

static void load_check(struct mlg_suite *suite, cJSON *obj, size_t index, int default_warn,
		       struct mlg_diag *diag)
{
	struct mlg_check *c = &suite->checks[suite->nchecks];
	struct mlg_strbuf path = MLG_STRBUF_INIT, sub = MLG_STRBUF_INIT, list = MLG_STRBUF_INIT;
	const cJSON *kind, *v, *it;

	mlg_strbuf_addf(&path, "checks[%zu]", index);
	if (!cJSON_IsObject(obj)) {
		mlg_diag_add(diag, path.buf, "expected a check object with a \"kind\", found %s",
			     mlg_json_describe(obj));
		goto done;
	}
	kind = cJSON_GetObjectItemCaseSensitive(obj, "kind");
	if (!kind) {
		mlg_diag_add(diag, path.buf, "missing \"kind\": expected a check kind such as \"data.range\" (see `mlgate kinds`)");
		goto done;
	}
	path_member(&sub, path.buf, "kind");
	if (!cJSON_IsString(kind)) {
		mlg_diag_add(diag, sub.buf, "expected a check kind string, found %s", mlg_json_describe(kind));
		goto done;
	}
	c->kind = mlg_registry_find(kind->valuestring);
	if (!c->kind) {
		size_t n = mlg_registry_count();
		const char **names = mlg_xcalloc(n, sizeof(*names));
		const char *near;

		for (size_t i = 0; i < n; i++)
			names[i] = mlg_registry_at(i)->name;
		near = mlg_suggest(kind->valuestring, names, n);
		join_names(&list, names, n);
		if (near)
			mlg_diag_add(diag, sub.buf, "unknown check kind '%s': did you mean '%s'? (known: %s)",
				     kind->valuestring, near, list.buf);
		else
			mlg_diag_add(diag, sub.buf, "unknown check kind '%s': expected one of %s",
				     kind->valuestring, list.buf);
		free(names);
		goto done;
	}

	suite->nchecks++;
	c->index = index;
	c->suite = suite;
	c->params = obj;
	c->severity_warn = default_warn;
	c->timeout_s = suite->default_timeout_s;
	mlg_jsonpos_lookup(suite->positions, path.buf, &c->line, &c->column);

	{
		char *owner = mlg_xasprintf("parameter of %s", c->kind->name);

		mlg_suite__check_params(suite, obj, path.buf, mlg_common_params, c->kind->params, owner,
					0, diag);
		free(owner);
	}
	if ((v = mlg_check_param(c, "dataset")) && cJSON_IsString(v))
		c->dataset = mlg_suite_dataset(suite, v->valuestring);

	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "severity"))) {
		path_member(&sub, path.buf, "severity");
		if (parse_severity(v, &c->severity_warn) < 0)
			mlg_diag_add(diag, sub.buf, "expected \"error\" or \"warn\"");
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "timeout"))) {
		path_member(&sub, path.buf, "timeout");
		if (parse_duration_value(v, &c->timeout_s) < 0)
			mlg_diag_add(diag, sub.buf, "%s", mlg_error_last());
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "name"))) {
		path_member(&sub, path.buf, "name");
		if (!cJSON_IsString(v) || !*v->valuestring)
			mlg_diag_add(diag, sub.buf, "expected a non-empty string");
		else
			c->name = mlg_xstrdup(v->valuestring);
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "id"))) {
		path_member(&sub, path.buf, "id");
		if (!cJSON_IsString(v) || !*v->valuestring)
			mlg_diag_add(diag, sub.buf, "expected a non-empty string");
		else
			c->id = mlg_xstrdup(v->valuestring);
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "description"))) {
		path_member(&sub, path.buf, "description");
		if (!cJSON_IsString(v))
			mlg_diag_add(diag, sub.buf, "expected a string");
		else
			c->description = mlg_xstrdup(v->valuestring);
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "tags"))) {
		path_member(&sub, path.buf, "tags");
		if (cJSON_IsString(v)) {
			c->tags = mlg_xcalloc(1, sizeof(char *));
			c->tags[c->ntags++] = mlg_xstrdup(v->valuestring);
		} else if (cJSON_IsArray(v)) {
			size_t k = 0;

			c->tags = mlg_xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(char *));
			cJSON_ArrayForEach(it, v) {
				if (cJSON_IsString(it)) {
					c->tags[c->ntags++] = mlg_xstrdup(it->valuestring);
				} else {
					size_t len = sub.len;

					mlg_jsonpath_index(&sub, k);
					mlg_diag_add(diag, sub.buf, "expected a tag string, found %s",
						     mlg_json_describe(it));
					sub.len = len;
					sub.buf[len] = '\0';
				}
				k++;
			}
		} else {
			mlg_diag_add(diag, sub.buf, "expected a string or a list of strings");
		}
	}

done:
	mlg_strbuf_release(&path);
	mlg_strbuf_release(&sub);
	mlg_strbuf_release(&list);
}

/*
 * Ids: explicit ones must be unique; derived ones get "#2", "#3"... A
 * derived id avoids every explicit id and every id derived before it.
 * With 10,000 checks, many on the same target, comparing each id with
 * every other was quadratic (and worse for a target repeated k times);
 * here the ids taken are a hash map, and each derived base remembers the
 * last suffix it reached: ids are only ever added, so every suffix below
 * that one is still taken and the search resumes there.
 */
static void assign_ids(struct mlg_suite *suite, struct mlg_diag *diag)
{
	struct mlg_strmap taken = MLG_STRMAP_INIT, next = MLG_STRMAP_INIT;
	struct mlg_strbuf id = MLG_STRBUF_INIT;

	for (size_t i = 0; i < suite->nchecks; i++) {
		struct mlg_check *c = &suite->checks[i];
		size_t *first;
		int added;

		if (!c->id)
			continue;
		first = mlg_strmap_add(&taken, c->id, i, &added);
		/* one problem per duplicate, naming the first holder (not every earlier one) */
		if (!added)
			mlg_diag_check(diag, c, "id", "duplicate id '%s': checks[%zu] has it too; ids must be unique",
				       c->id, suite->checks[*first].index);
	}
	for (size_t i = 0; i < suite->nchecks; i++) {
		struct mlg_check *c = &suite->checks[i];
		char *target;
		size_t *n, base_len;

		if (c->id)
			continue;
		target = default_target(c);
		mlg_strbuf_reset(&id);
		mlg_strbuf_addf(&id, "%s:%s", c->kind->name, target);
		free(target);
		base_len = id.len;
		/* 1: the bare base; n: base#n */
		n = mlg_strmap_add(&next, id.buf, 1, NULL);
		if (*n > 1)
			mlg_strbuf_addf(&id, "#%zu", *n);
		while (mlg_strmap_find(&taken, id.buf)) {
			id.len = base_len;
			id.buf[base_len] = '\0';
			mlg_strbuf_addf(&id, "#%zu", ++*n);
		}
		c->id = mlg_xstrdup(id.buf);
		mlg_strmap_add(&taken, c->id, i, NULL);
	}
	mlg_strbuf_release(&id);
	mlg_strmap_release(&taken);
	mlg_strmap_release(&next);
	for (size_t i = 0; i < suite->nchecks; i++)
		if (!suite->checks[i].name)
			suite->checks[i].name = mlg_xstrdup(suite->checks[i].id);
}

static int cmp_diag(const void *a, const void *b)
{
	const struct mlg_diag_item *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->column != y->column)
		return x->column < y->column ? -1 : 1;
	return strcmp(x->message, y->message);
}

/* Problems in file order, as a compiler lists them. */
static void sort_diag(struct mlg_diag *diag)
{
	qsort(diag->items, diag->count, sizeof(*diag->items), cmp_diag);
}

static char *absolute_dir(const char *file)
{
	char *copy = mlg_xstrdup(file);
	char *slash = strrchr(copy, '/');
	char *resolved;

	if (slash == copy)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else {
		free(copy);
		copy = mlg_xstrdup(".");
	}
	resolved = realpath(copy, NULL);
	free(copy);
	if (!resolved) {
		char cwd[PATH_MAX];

		return mlg_xstrdup(getcwd(cwd, sizeof(cwd)) ? cwd : ".");
	}
	/* realpath() allocates with malloc: hand it on as ours. */
	return resolved;
}

int mlg_suite_load_text(struct mlg_suite **out, const char *file, const char *text, size_t len,
			struct mlg_diag *diag)
{
	struct mlg_suite *suite = mlg_xcalloc(1, sizeof(*suite));
	const cJSON *v;
	cJSON *checks;
	int line = 0, col = 0, default_warn = 0;
	struct mlg_strbuf path = MLG_STRBUF_INIT;

	*out = NULL;
	suite->file = mlg_xstrdup(file);
	suite->dir = absolute_dir(file);
	suite->default_timeout_s = DEFAULT_TIMEOUT_S;
	suite->max_memory = DEFAULT_MAX_MEMORY;
	suite->max_examples = MLG_RESULT_MAX_EXAMPLES;
	mlg_sha256_hex(text, len, suite->sha256);
	diag->file = suite->file;

	if (mlg_jsonc_parse(text, len, &suite->root, &suite->positions, &line, &col) < 0) {
		mlg_diag__add_at(diag, "", line, col, mlg_error_last());
		goto fail;
	}
	diag->positions = suite->positions;
	for (size_t i = 0; i < mlg_jsonpos_duplicates(suite->positions); i++) {
		const char *dup = mlg_jsonpos_duplicate(suite->positions, i, &line, &col);

		mlg_diag__add_at(diag, dup, line, col,
				 "duplicate key: each key may appear once in an object");
	}
	if (!cJSON_IsObject(suite->root)) {
		mlg_diag_add(diag, "", "expected a JSON object at the top level, with \"checks\"");
		goto fail;
	}
	/* The gate is expanded only when a promotion is asked for, so that a
	 * plain run does not need the registry's variables. */
	{
		cJSON *gate = cJSON_DetachItemFromObjectCaseSensitive(suite->root, "gate");

		mlg_suite__expand(suite->root, &path, diag);
		if (gate)
			cJSON_AddItemToObject(suite->root, "gate", gate);
	}
	mlg_strbuf_release(&path);
	check_keys(diag, suite->root, "", top_keys, COUNT(top_keys), "top-level key");
	mlg_pathscope_validate(cJSON_GetObjectItemCaseSensitive(suite->root, "paths"), diag);

	v = cJSON_GetObjectItemCaseSensitive(suite->root, "mlgate");
	if (v && !(cJSON_IsNumber(v) && v->valuedouble == 1))
		mlg_diag_add(diag, "mlgate", "unsupported suite format version: this mlgate reads \"mlgate\": 1");
	v = cJSON_GetObjectItemCaseSensitive(suite->root, "suite");
	if (v && (!cJSON_IsString(v) || !*v->valuestring))
		mlg_diag_add(diag, "suite", "expected the suite's name as a non-empty string");
	if (cJSON_IsString(v) && *v->valuestring) {
		suite->name = mlg_xstrdup(v->valuestring);
	} else {
		const char *base = strrchr(file, '/');

		suite->name = mlg_xstrdup(base ? base + 1 : file);
	}
	mlg_gate_validate(suite, 0, diag);

	v = cJSON_GetObjectItemCaseSensitive(suite->root, "defaults");
	if (v) {
		const cJSON *d;

		if (!cJSON_IsObject(v)) {
			mlg_diag_add(diag, "defaults", "expected an object with \"severity\" and/or \"timeout\"");
		} else {
			check_keys(diag, v, "defaults", default_keys, COUNT(default_keys), "default");
			if ((d = cJSON_GetObjectItemCaseSensitive(v, "severity")) &&
			    parse_severity(d, &default_warn) < 0)
				mlg_diag_add(diag, "defaults.severity", "expected \"error\" or \"warn\"");
			if ((d = cJSON_GetObjectItemCaseSensitive(v, "timeout")) &&
			    parse_duration_value(d, &suite->default_timeout_s) < 0)
				mlg_diag_add(diag, "defaults.timeout", "%s", mlg_error_last());
			if ((d = cJSON_GetObjectItemCaseSensitive(v, "max_memory")) &&
			    parse_size_t(d, &suite->max_memory) < 0)
				mlg_diag_add(diag, "defaults.max_memory",
					     "expected a size such as \"2GiB\" or \"512MB\", or bytes as a number, found %s",
					     mlg_json_describe(d));
			if ((d = cJSON_GetObjectItemCaseSensitive(v, "max_examples")) &&
			    (!cJSON_IsNumber(d) || d->valuedouble < 0 || d->valuedouble > 10000 ||
			     d->valuedouble != (double)(int)d->valuedouble))
				mlg_diag_add(diag, "defaults.max_examples",
					     "expected a whole number from 0 to 10000, found %s", mlg_json_describe(d));
			else if (d)
				suite->max_examples = (unsigned)d->valuedouble;
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(suite->root, "datasets");
	if (v)
		load_datasets(suite, v, diag);

	checks = cJSON_GetObjectItemCaseSensitive(suite->root, "checks");
	if (!checks) {
		mlg_diag_add(diag, "", "missing \"checks\": expected a list of checks");
	} else if (!cJSON_IsArray(checks)) {
		mlg_diag_add(diag, "checks", "expected a list of checks, found %s", mlg_json_describe(checks));
	} else {
		size_t i = 0;
		cJSON *it;

		suite->checks = mlg_xcalloc((size_t)cJSON_GetArraySize(checks) + 1, sizeof(*suite->checks));
		cJSON_ArrayForEach(it, checks) {
			size_t before = diag->count, loaded = suite->nchecks;

			load_check(suite, it, i++, default_warn, diag);
			/* Kind-specific rules only for a check whose generic ones
			 * hold, so the kind sees values of the declared types. */
			if (suite->nchecks > loaded && diag->count == before &&
			    suite->checks[loaded].kind->validate)
				suite->checks[loaded].kind->validate(&suite->checks[loaded], diag);
		}
		assign_ids(suite, diag);
		mlg_suite__resolve_needs(suite, diag);
	}
	if (diag->count)
		goto fail;
	diag->positions = NULL;
	diag->file = NULL;
	*out = suite;
	return 0;

fail:
	sort_diag(diag);
	diag->positions = NULL;
	diag->file = NULL;
	mlg_suite_free(suite);
	return MLG_EINVALID;
}

int mlg_suite_load(struct mlg_suite **out, const char *path, struct mlg_diag *diag)
{
	char *text;
	size_t len;
	int error;

	*out = NULL;
	if ((error = mlg_read_file(path, &text, &len)) < 0)
		return error;
	error = mlg_suite_load_text(out, path, text, len, diag);
	free(text);
	return error;
}

const struct mlg_dataset *mlg_suite_dataset(const struct mlg_suite *suite, const char *name)
{
	for (size_t i = 0; i < suite->ndatasets; i++)
		if (!strcmp(suite->datasets[i].name, name))
			return &suite->datasets[i];
	return NULL;
}

void mlg_suite_free(struct mlg_suite *suite)
{
	if (!suite)
		return;
	for (size_t i = 0; i < suite->ndatasets; i++) {
		free(suite->datasets[i].name);
		free(suite->datasets[i].path);
		free(suite->datasets[i].abs_path);
		free(suite->datasets[i].format);
		for (size_t j = 0; j < suite->datasets[i].nnull_values; j++)
			free(suite->datasets[i].null_values[j]);
		free(suite->datasets[i].null_values);
		for (size_t j = 0; j < suite->datasets[i].ncolumns; j++)
			free(suite->datasets[i].columns[j]);
		free(suite->datasets[i].columns);
		free(suite->datasets[i].git_ref);
	}
	for (size_t i = 0; i < suite->nchecks; i++) {
		struct mlg_check *c = &suite->checks[i];

		free(c->id);
		free(c->name);
		free(c->description);
		for (size_t t = 0; t < c->ntags; t++)
			free(c->tags[t]);
		free(c->tags);
		free(c->needs);
	}
	free(suite->datasets);
	free(suite->checks);
	cJSON_Delete(suite->root);
	mlg_jsonpos_free(suite->positions);
	free(suite->file);
	free(suite->dir);
	free(suite->name);
	free(suite);
}
