/*
 * data.schema: the dataset has the declared columns, their values parse as
 * the declared types, and non-nullable columns have no nulls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/check.h"
#include "mlgate/error.h"
#include "mlgate/suite.h"
#include "mlgate/value.h"
#include "jsonc.h"
#include "util.h"

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "dataset to read" },
	{ "columns", MLG_PARAM_OBJECT, 1, NULL,
	  "column name -> type, or -> {\"type\": T, \"nullable\": false}; types: string, int, float, bool, date, timestamp" },
	{ "allow_extra", MLG_PARAM_BOOLEAN, 0, "true", "allow columns the schema does not declare" },
	{ "ordered", MLG_PARAM_BOOLEAN, 0, "false", "declared columns must appear in the declared order" },
	{ "forbidden", MLG_PARAM_STRINGS, 0, NULL, "columns that must not be there (ids, leaked labels, PII)" },
	{ "mostly", MLG_PARAM_FRACTION, 0, "1", "share of non-null values that must parse as the type, per column" },
	{ NULL, 0, 0, NULL, NULL }
};

struct column {
	const char *name;
	enum mlg_type type;
	int nullable;
	long index;        /* -1: missing from the data */
	char why[32];      /* "not int": the example reason, made once */
};

struct counts {
	uint64_t bad_type, nulls, non_null;
};

/* What the header says, found once before the rows. */
struct plan {
	struct column *cols;
	size_t n;
	cJSON *missing, *extra; /* lists for the observed values */
	cJSON *forbidden;       /* forbidden columns that are there */
	int order_wrong;
	size_t max_examples;
};

struct state {
	struct counts *counts;
	struct mlg_examples ex;
};

/* Reads one declared column; returns 0 or -1 with a message for the diag. */
static int parse_column(const cJSON *v, struct column *c, const char **why)
{
	const cJSON *t = v, *nl;

	c->nullable = 1;
	if (cJSON_IsObject(v)) {
		t = cJSON_GetObjectItemCaseSensitive(v, "type");
		nl = cJSON_GetObjectItemCaseSensitive(v, "nullable");
		if (nl && !cJSON_IsBool(nl)) {
			*why = "\"nullable\" must be true or false";
			return -1;
		}
		c->nullable = nl ? cJSON_IsTrue(nl) : 1;
		for (const cJSON *k = v->child; k; k = k->next)
			if (strcmp(k->string, "type") && strcmp(k->string, "nullable")) {
				*why = "a column object takes only \"type\" and \"nullable\"";
				return -1;
			}
	}
	if (!cJSON_IsString(t) || mlg_type_from_name(t->valuestring, &c->type) < 0) {
		*why = "expected a type name (string, int, float, bool, date, timestamp) or {\"type\": ..., \"nullable\": ...}";
		return -1;
	}
	return 0;
}

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	const cJSON *cols = mlg_check_param(check, "columns"), *it;

	if (!cJSON_GetArraySize(cols))
		mlg_diag_check(diag, check, "columns", "expected at least one column");
	cJSON_ArrayForEach(it, cols) {
		struct column c;
		const char *why;

		if (parse_column(it, &c, &why) < 0) {
			struct mlg_strbuf path = MLG_STRBUF_INIT;

			mlg_strbuf_addf(&path, "checks[%zu].columns", check->index);
			mlg_jsonpath_member(&path, it->string, strlen(it->string));
			mlg_diag_add(diag, path.buf, "column '%s': %s", it->string, why);
			mlg_strbuf_release(&path);
		}
	}
}

static void free_plan(void *p)
{
	struct plan *s = p;

	if (!s)
		return;
	free(s->cols);
	cJSON_Delete(s->missing);
	cJSON_Delete(s->extra);
	cJSON_Delete(s->forbidden);
	free(s);
}

static int prepare(void **out, const struct mlg_check *check, struct mlg_scan_setup *setup,
		   struct mlg_result *r)
{
	struct plan *s = mlg_xcalloc(1, sizeof(*s));
	const cJSON *decl = mlg_check_param(check, "columns"), *it;
	const char *const *columns = setup->columns;
	size_t ncolumns = setup->ncolumns;
	const char **forbidden;
	size_t nforbidden;
	long last = -1;

	*out = s;
	s->max_examples = setup->max_examples;
	s->cols = mlg_xcalloc((size_t)cJSON_GetArraySize(decl) + 1, sizeof(*s->cols));
	s->missing = cJSON_CreateArray();
	s->extra = cJSON_CreateArray();
	s->forbidden = cJSON_CreateArray();
	cJSON_ArrayForEach(it, decl) {
		struct column *c = &s->cols[s->n++];
		const char *why;

		c->name = it->string;
		parse_column(it, c, &why); /* validated at load time */
		snprintf(c->why, sizeof(c->why), "not %s", mlg_type_name(c->type));
		c->index = mlg_column_index(columns, ncolumns, c->name);
		/* a name the header gives twice never gets here: the reader refuses it */
		if (c->index < 0) {
			cJSON_AddItemToArray(s->missing, cJSON_CreateString(c->name));
			continue;
		}
		mlg_scan_use(setup, (size_t)c->index);
		if (c->index < last)
			s->order_wrong = 1;
		else
			last = c->index;
	}
	for (size_t i = 0; i < ncolumns; i++) {
		size_t k;

		if (!*columns[i])
			continue; /* hidden by the dataset's "columns" */
		for (k = 0; k < s->n; k++)
			if (!strcmp(s->cols[k].name, columns[i]))
				break;
		if (k == s->n)
			cJSON_AddItemToArray(s->extra, cJSON_CreateString(columns[i]));
	}
	if (mlg_check_strings(check, "forbidden", &forbidden, &nforbidden)) {
		for (size_t i = 0; i < nforbidden; i++)
			if (mlg_column_index(columns, ncolumns, forbidden[i]) >= 0)
				cJSON_AddItemToArray(s->forbidden, cJSON_CreateString(forbidden[i]));
		free(forbidden);
	}
	return 0;
}

static void *begin(const void *plan)
{
	const struct plan *p = plan;
	struct state *s = mlg_xcalloc(1, sizeof(*s));

	s->counts = mlg_xcalloc(p->n + 1, sizeof(*s->counts));
	mlg_examples_init(&s->ex, p->max_examples);
	return s;
}

static int batch(const void *plan, void *state, struct mlg_batch *b, char **error)
{
	const struct plan *p = plan;
	struct state *s = state;

	uint64_t failing = 0;

	for (size_t k = 0; k < p->n; k++) {
		const struct column *c = &p->cols[k];
		struct counts *n = &s->counts[k];
		const uint8_t *st;
		uint64_t nulls = 0, bad = 0;

		if (c->index < 0)
			continue;
		mlg_batch_typed(b, (size_t)c->index, c->type, &st);
		for (size_t i = 0; i < b->nrows; i++) {
			nulls += st[i] == MLG_VALUE_NULL;
			bad += st[i] == MLG_VALUE_BAD;
		}
		n->nulls += nulls;
		n->bad_type += bad;
		failing += bad + (c->nullable ? 0 : nulls);
	}
	if (!failing)
		return 0;
	/* examples in row order, across the columns */
	for (size_t i = 0; i < b->nrows && mlg_examples_want(&s->ex); i++) {
		for (size_t k = 0; k < p->n; k++) {
			const struct column *c = &p->cols[k];
			const uint8_t *st;
			const struct mlg_cell *cell;

			if (c->index < 0)
				continue;
			mlg_batch_typed(b, (size_t)c->index, c->type, &st);
			cell = &mlg_batch_cells(b, (size_t)c->index)[i];
			if (st[i] == MLG_VALUE_NULL && !c->nullable)
				mlg_examples_add(&s->ex, b->first_row + i, c->name, NULL, 0,
						 "null in a non-nullable column");
			else if (st[i] == MLG_VALUE_BAD)
				mlg_examples_add(&s->ex, b->first_row + i, c->name, cell->data, cell->len, c->why);
		}
	}
	return 0;
}

static void merge(const void *plan, void *into, void *from, uint64_t row_base)
{
	const struct plan *p = plan;
	struct state *a = into, *b = from;

	for (size_t k = 0; k < p->n; k++) {
		a->counts[k].nulls += b->counts[k].nulls;
		a->counts[k].bad_type += b->counts[k].bad_type;
	}
	mlg_examples_merge(&a->ex, &b->ex, row_base);
}

static void free_state(void *state)
{
	struct state *s = state;

	if (!s)
		return;
	free(s->counts);
	mlg_examples_release(&s->ex);
	free(s);
}

static void end(const struct mlg_check *check, const struct mlg_scan_input *in, size_t nin,
		struct mlg_result *r)
{
	const struct plan *s = in[0].plan;
	struct state *st = in[0].state;
	uint64_t nrows = in[0].nrows;
	int allow_extra = mlg_check_bool(check, "allow_extra", 1);
	int ordered = mlg_check_bool(check, "ordered", 0);
	double mostly = 1;
	struct mlg_strbuf msg = MLG_STRBUF_INIT;
	cJSON *types = cJSON_AddObjectToObject(r->expected, "columns");
	cJSON *bad = cJSON_AddObjectToObject(r->observed, "type_errors");
	cJSON *nulls = cJSON_AddObjectToObject(r->observed, "nulls");
	uint64_t bad_total = 0;
	char a[32], b[32];

	mlg_check_number(check, "mostly", &mostly);
	mlg_examples_emit(&st->ex, r);
	cJSON_AddNumberToObject(r->observed, "rows", (double)nrows);
	cJSON_AddItemToObject(r->observed, "missing_columns", cJSON_Duplicate(s->missing, 1));
	cJSON_AddItemToObject(r->observed, "extra_columns", cJSON_Duplicate(s->extra, 1));
	if (mlg_check_param(check, "forbidden"))
		cJSON_AddItemToObject(r->observed, "forbidden_columns", cJSON_Duplicate(s->forbidden, 1));
	cJSON_AddBoolToObject(r->expected, "allow_extra", allow_extra);
	cJSON_AddBoolToObject(r->expected, "ordered", ordered);
	cJSON_AddNumberToObject(r->expected, "mostly", mostly);

	for (size_t i = 0; i < s->n; i++) {
		const struct column *c = &s->cols[i];
		struct counts *n = &st->counts[i];
		double ok;

		if (c->nullable) {
			cJSON_AddStringToObject(types, c->name, mlg_type_name(c->type));
		} else {
			cJSON *o = cJSON_AddObjectToObject(types, c->name);

			cJSON_AddStringToObject(o, "type", mlg_type_name(c->type));
			cJSON_AddBoolToObject(o, "nullable", 0);
		}
		if (c->index < 0)
			continue;
		n->non_null = nrows - n->nulls;
		cJSON_AddNumberToObject(bad, c->name, (double)n->bad_type);
		cJSON_AddNumberToObject(nulls, c->name, (double)n->nulls);
		ok = n->non_null ? (double)(n->non_null - n->bad_type) / (double)n->non_null : 1.0;
		bad_total += n->bad_type;
		if (ok < mostly) {
			mlg_strbuf_addf(&msg, "%s%llu of %llu values of %s are not %s", msg.len ? "; " : "",
					(unsigned long long)n->bad_type, (unsigned long long)n->non_null,
					c->name, mlg_type_name(c->type));
			if (mostly < 1)
				mlg_strbuf_addf(&msg, " (%s%% are, expected at least %s%%)",
						mlg_format_share(ok * 100, a), mlg_format_share(mostly * 100, b));
		}
		if (!c->nullable && n->nulls)
			mlg_strbuf_addf(&msg, "%s%llu null%s in non-nullable column %s", msg.len ? "; " : "",
					(unsigned long long)n->nulls, mlg_plural(n->nulls), c->name);
	}
	{
		const cJSON *m = cJSON_GetObjectItem(r->observed, "missing_columns"), *it;
		const cJSON *x = cJSON_GetObjectItem(r->observed, "extra_columns");

		if (cJSON_GetArraySize(m)) {
			mlg_strbuf_addf(&msg, "%smissing column%s", msg.len ? "; " : "",
					cJSON_GetArraySize(m) > 1 ? "s" : "");
			cJSON_ArrayForEach(it, m)
				mlg_strbuf_addf(&msg, "%s %s", it == m->child ? "" : ",", it->valuestring);
		}
		if (!allow_extra && cJSON_GetArraySize(x)) {
			mlg_strbuf_addf(&msg, "%sundeclared column%s", msg.len ? "; " : "",
					cJSON_GetArraySize(x) > 1 ? "s" : "");
			cJSON_ArrayForEach(it, x)
				mlg_strbuf_addf(&msg, "%s %s", it == x->child ? "" : ",", it->valuestring);
		}
	}
	if (cJSON_GetArraySize(s->forbidden)) {
		const cJSON *it;

		mlg_strbuf_addf(&msg, "%sforbidden column%s present:", msg.len ? "; " : "",
				cJSON_GetArraySize(s->forbidden) > 1 ? "s" : "");
		cJSON_ArrayForEach(it, s->forbidden)
			mlg_strbuf_addf(&msg, "%s %s", it == s->forbidden->child ? "" : ",", it->valuestring);
	}
	if (ordered && s->order_wrong)
		mlg_strbuf_addf(&msg, "%scolumns are not in the declared order", msg.len ? "; " : "");
	{
		/* examples stop being offered once enough are kept: count them all here */
		uint64_t failing = 0;

		for (size_t i = 0; i < s->n; i++)
			if (s->cols[i].index >= 0)
				failing += st->counts[i].bad_type + (s->cols[i].nullable ? 0 : st->counts[i].nulls);
		r->nexamples = failing;
	}
	if (msg.len)
		mlg_result_set(r, MLG_STATUS_FAILED, "%s", msg.buf);
	else if (bad_total)
		mlg_result_set(r, MLG_STATUS_PASSED,
			       "%zu declared column%s present; %llu value%s not of the declared type, within mostly = %s",
			       s->n, mlg_plural(s->n), (unsigned long long)bad_total, mlg_plural(bad_total),
			       mlg_format_number(mostly, a));
	else
		mlg_result_set(r, MLG_STATUS_PASSED, "%zu declared column%s present and typed as declared in %llu row%s",
			       s->n, mlg_plural(s->n), (unsigned long long)nrows, mlg_plural(nrows));
	mlg_strbuf_release(&msg);
}

static const struct mlg_scan_ops scan = { prepare, begin, batch, merge, end, free_state, free_plan };

const struct mlg_check_kind mlg_kind_data_schema = {
	.abi = MLG_KIND_ABI,
	.name = "data.schema",
	.summary = "declared columns exist, their values parse as the declared types, non-nullable ones have no nulls",
	.params = params,
	.example = "{ \"kind\": \"data.schema\", \"dataset\": \"train\", \"columns\": { \"id\": { \"type\": \"int\", \"nullable\": false }, \"amount\": \"float\", \"ts\": \"timestamp\" } }",
	.validate = validate,
	.scan = &scan,
};
