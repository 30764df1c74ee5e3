/*
 * data.compare: a relation between two columns of the same row holds
 * ("end >= start"), compared as numbers, integers, dates, times or
 * strings.
 *
 * Every outcome is a count and values are compared exactly (int64,
 * doubles as parsed, bytes), so the result is the same for any cut of
 * the file.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/check.h"
#include "mlgate/suite.h"
#include "mlgate/value.h"
#include "util.h"

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "dataset to read" },
	{ "left", MLG_PARAM_STRING, 1, NULL, "column on the left of the relation" },
	{ "op", MLG_PARAM_STRING, 1, NULL, "the relation: <, <=, ==, !=, >= or >" },
	{ "right", MLG_PARAM_STRING, 1, NULL, "column on the right of the relation" },
	{ "type", MLG_PARAM_STRING, 0, "\"float\"", "how values compare: float, int, date, timestamp or string (bytes)" },
	{ "mostly", MLG_PARAM_FRACTION, 0, "1", "share of rows with both values non-null where the relation must hold" },
	{ NULL, 0, 0, NULL, NULL }
};

enum op { OP_LT, OP_LE, OP_EQ, OP_NE, OP_GE, OP_GT };

/* Indexed by enum op; `negation` is what a violating row shows. */
static const struct {
	const char *text, *negation;
} ops[] = {
	{ "<", ">=" }, { "<=", ">" }, { "==", "!=" }, { "!=", "==" }, { ">=", "<" }, { ">", "<=" },
};

/* A value that is not of the type, for messages: "not a date". */
static const char *type_noun(enum mlg_type t)
{
	switch (t) {
	case MLG_TYPE_INT:
		return "an integer";
	case MLG_TYPE_DATE:
		return "a date";
	case MLG_TYPE_TIMESTAMP:
		return "a timestamp";
	default:
		return "a number";
	}
}

struct plan {
	const char *left, *right;
	long li, ri;
	enum op op;
	enum mlg_type type;
	char not_parsed[32];  /* example reason: "not a date" */
	size_t max_examples;
};

struct state {
	uint64_t checked;     /* rows with both values non-null */
	uint64_t nulls;       /* rows with a null on either side */
	uint64_t not_parsed;  /* of the checked: a value not of the type, or NaN */
	uint64_t violations;  /* of the compared: the relation does not hold */
	struct mlg_examples ex;
};

static int op_from_text(const char *s, enum op *out)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(s, ops[i].text)) {
			*out = (enum op)i;
			return 0;
		}
	return -1;
}

/* The comparable types; bool has no order worth checking. */
static int type_from_text(const char *s, enum mlg_type *out)
{
	return mlg_type_from_name(s, out) < 0 || *out == MLG_TYPE_BOOL ? -1 : 0;
}

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	const char *op = mlg_check_string(check, "op"), *type = mlg_check_string(check, "type");
	const char *left = mlg_check_string(check, "left"), *right = mlg_check_string(check, "right");
	enum op o;
	enum mlg_type t;

	if (op && op_from_text(op, &o) < 0)
		mlg_diag_check(diag, check, "op", "expected one of <, <=, ==, !=, >=, >, found '%s'%s", op,
			       !strcmp(op, "=") ? " (did you mean ==?)" : !strcmp(op, "<>") ? " (did you mean !=?)" : "");
	if (type && type_from_text(type, &t) < 0)
		mlg_diag_check(diag, check, "type", "expected float, int, date, timestamp or string, found '%s'",
			       type);
	if (left && right && !strcmp(left, right))
		mlg_diag_check(diag, check, "right", "\"left\" and \"right\" name the same column '%s'", left);
}

static char *target(const struct mlg_check *check)
{
	const char *d = mlg_check_string(check, "dataset"), *op = mlg_check_string(check, "op");
	const char *l = mlg_check_string(check, "left"), *r = mlg_check_string(check, "right");

	return mlg_xasprintf("%s.%s%s%s", d ? d : "", l ? l : "", op ? op : "", r ? r : "");
}

static int prepare(void **out, const struct mlg_check *check, struct mlg_scan_setup *setup,
		   struct mlg_result *r)
{
	struct plan *p = mlg_xcalloc(1, sizeof(*p));
	const char *type = mlg_check_string(check, "type");

	*out = p;
	p->left = mlg_check_string(check, "left");
	p->right = mlg_check_string(check, "right");
	op_from_text(mlg_check_string(check, "op"), &p->op); /* validated at load time */
	p->type = MLG_TYPE_FLOAT;
	if (type)
		type_from_text(type, &p->type);
	snprintf(p->not_parsed, sizeof(p->not_parsed), "not %s", type_noun(p->type));
	p->max_examples = setup->max_examples;
	/* "" would find a column hidden by the dataset's "columns" */
	p->li = *p->left ? mlg_column_index(setup->columns, setup->ncolumns, p->left) : -1;
	p->ri = *p->right ? mlg_column_index(setup->columns, setup->ncolumns, p->right) : -1;
	if (p->li < 0 || p->ri < 0) {
		const char *missing = p->li < 0 ? p->left : p->right;

		mlg_result_no_column(r, check, missing, setup->columns, setup->ncolumns);
		return 1;
	}
	mlg_scan_use(setup, (size_t)p->li);
	mlg_scan_use(setup, (size_t)p->ri);
	return 0;
}

static void *begin(const void *plan)
{
	const struct plan *p = plan;
	struct state *s = mlg_xcalloc(1, sizeof(*s));

	mlg_examples_init(&s->ex, p->max_examples);
	return s;
}

static int holds(enum op op, int cmp)
{
	switch (op) {
	case OP_LT:
		return cmp < 0;
	case OP_LE:
		return cmp <= 0;
	case OP_EQ:
		return cmp == 0;
	case OP_NE:
		return cmp != 0;
	case OP_GE:
		return cmp >= 0;
	case OP_GT:
		return cmp > 0;
	}
	return 0;
}

static int cmp_bytes(const struct mlg_cell *a, const struct mlg_cell *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->data, b->data, n);

	if (c)
		return c < 0 ? -1 : 1;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* How much of a value an example shows: at most `max` bytes, cut at a character. */
static size_t clip(const struct mlg_cell *c, size_t max)
{
	size_t n = c->len;

	if (n <= max)
		return n;
	return mlg_utf8_floor(c->data, max);
}

#define SHOWN_VALUE_MAX 60

/* "end=2024-01-01 < start=2024-02-01": both values and what holds between them. */
static void add_violation(const struct plan *p, struct state *s, uint64_t row, const struct mlg_cell *l,
			  const struct mlg_cell *r)
{
	char text[2 * SHOWN_VALUE_MAX + 64], why[16];
	size_t ln = clip(l, SHOWN_VALUE_MAX), rn = clip(r, SHOWN_VALUE_MAX);

	snprintf(text, sizeof(text), "%s=%.*s%s %s %s=%.*s%s", p->left, (int)ln, l->data,
		 ln < l->len ? "..." : "", ops[p->op].negation, p->right, (int)rn, r->data,
		 rn < r->len ? "..." : "");
	snprintf(why, sizeof(why), "expected %s", ops[p->op].text);
	mlg_examples_add(&s->ex, row, NULL, text, strlen(text), why);
}

static int batch(const void *plan, void *state, struct mlg_batch *b, char **error)
{
	const struct plan *p = plan;
	struct state *s = state;
	const struct mlg_cell *lc = mlg_batch_cells(b, (size_t)p->li);
	const struct mlg_cell *rc = mlg_batch_cells(b, (size_t)p->ri);
	const uint8_t *ls, *rs;
	const void *lv = mlg_batch_typed(b, (size_t)p->li, p->type, &ls);
	const void *rv = mlg_batch_typed(b, (size_t)p->ri, p->type, &rs);

	for (size_t i = 0; i < b->nrows; i++) {
		uint64_t row = b->first_row + i;
		int cmp;

		if (ls[i] == MLG_VALUE_NULL || rs[i] == MLG_VALUE_NULL) {
			s->nulls++;
			continue;
		}
		s->checked++;
		if (ls[i] != MLG_VALUE_OK || rs[i] != MLG_VALUE_OK) {
			int left_bad = ls[i] != MLG_VALUE_OK;
			const struct mlg_cell *c = left_bad ? &lc[i] : &rc[i];

			s->not_parsed++;
			mlg_examples_add(&s->ex, row, left_bad ? p->left : p->right, c->data, c->len,
					 p->not_parsed);
			continue;
		}
		switch (p->type) {
		case MLG_TYPE_FLOAT: {
			double x = ((const double *)lv)[i], y = ((const double *)rv)[i];

			/* NaN has no order: no relation can hold or fail for it */
			if (isnan(x) || isnan(y)) {
				s->not_parsed++;
				mlg_examples_add(&s->ex, row, isnan(x) ? p->left : p->right,
						 isnan(x) ? lc[i].data : rc[i].data,
						 isnan(x) ? lc[i].len : rc[i].len, "NaN cannot be compared");
				continue;
			}
			cmp = (x > y) - (x < y);
			break;
		}
		case MLG_TYPE_STRING:
			cmp = cmp_bytes(&lc[i], &rc[i]);
			break;
		default: {
			int64_t x = ((const int64_t *)lv)[i], y = ((const int64_t *)rv)[i];

			cmp = (x > y) - (x < y);
			break;
		}
		}
		if (!holds(p->op, cmp)) {
			s->violations++;
			if (mlg_examples_want(&s->ex))
				add_violation(p, s, row, &lc[i], &rc[i]);
		}
	}
	return 0;
}

static void merge(const void *plan, void *into, void *from, uint64_t row_base)
{
	struct state *a = into, *b = from;

	a->checked += b->checked;
	a->nulls += b->nulls;
	a->not_parsed += b->not_parsed;
	a->violations += b->violations;
	mlg_examples_merge(&a->ex, &b->ex, row_base);
}

static void free_state(void *state)
{
	struct state *s = state;

	if (!s)
		return;
	mlg_examples_release(&s->ex);
	free(s);
}

static void end(const struct mlg_check *check, const struct mlg_scan_input *in, size_t nin,
		struct mlg_result *r)
{
	const struct plan *p = in[0].plan;
	struct state *s = in[0].state;
	uint64_t nrows = in[0].nrows, bad = s->violations + s->not_parsed;
	double mostly = 1, share = s->checked ? (double)(s->checked - bad) / (double)s->checked : 1.0;
	struct mlg_strbuf msg = MLG_STRBUF_INIT;
	char *relation = mlg_xasprintf("%s %s %s", p->left, ops[p->op].text, p->right);
	char a[32], b[32];

	mlg_check_number(check, "mostly", &mostly);
	mlg_examples_emit(&s->ex, r);
	/* violations stop being offered once enough are kept: count them all here */
	r->nexamples = bad;
	cJSON_AddNumberToObject(r->observed, "rows", (double)nrows);
	cJSON_AddNumberToObject(r->observed, "compared", (double)(s->checked - s->not_parsed));
	cJSON_AddNumberToObject(r->observed, "violations", (double)s->violations);
	cJSON_AddNumberToObject(r->observed, "nulls", (double)s->nulls);
	cJSON_AddNumberToObject(r->observed, "not_parsed", (double)s->not_parsed);
	cJSON_AddNumberToObject(r->observed, "holds_share", share);
	cJSON_AddStringToObject(r->expected, "relation", relation);
	cJSON_AddStringToObject(r->expected, "type", mlg_type_name(p->type));
	cJSON_AddNumberToObject(r->expected, "mostly", mostly);

	if (s->checked == 0) {
		mlg_result_set(r, MLG_STATUS_PASSED, "no rows with both %s and %s non-null to compare (%llu row%s)",
			       p->left, p->right, (unsigned long long)nrows, mlg_plural(nrows));
		goto done;
	}
	if (share >= mostly) {
		if (bad)
			mlg_result_set(r, MLG_STATUS_PASSED, "%s fails in %llu of %llu row%s, within mostly = %s",
				       relation, (unsigned long long)bad, (unsigned long long)s->checked,
				       mlg_plural(s->checked), mlg_format_number(mostly, a));
		else if (s->nulls)
			mlg_result_set(r, MLG_STATUS_PASSED, "%s holds in every row (%llu compared, %llu with a null skipped)",
				       relation, (unsigned long long)s->checked, (unsigned long long)s->nulls);
		else
			mlg_result_set(r, MLG_STATUS_PASSED, "%s holds in every row (%llu compared)", relation,
				       (unsigned long long)s->checked);
		goto done;
	}
	if (s->violations)
		mlg_strbuf_addf(&msg, "%s fails in %llu of %llu row%s", relation, (unsigned long long)s->violations,
				(unsigned long long)s->checked, mlg_plural(s->checked));
	if (s->not_parsed) {
		mlg_strbuf_addf(&msg, "%s%s or %s is not %s in %llu of %llu row%s", msg.len ? "; " : "", p->left,
				p->right, type_noun(p->type), (unsigned long long)s->not_parsed,
				(unsigned long long)s->checked, mlg_plural(s->checked));
		/* dates compared as the default type all fail: say where to look */
		if (s->not_parsed == s->checked && p->type == MLG_TYPE_FLOAT)
			mlg_strbuf_addstr(&msg, " (compared as float: set \"type\" for dates, times or strings)");
	}
	if (mostly < 1)
		mlg_strbuf_addf(&msg, " (%s%% hold, expected at least %s%%)", mlg_format_share(share * 100, a),
				mlg_format_share(mostly * 100, b));
	mlg_result_set(r, MLG_STATUS_FAILED, "%s", msg.buf);
	mlg_strbuf_release(&msg);
done:
	free(relation);
}

static const struct mlg_scan_ops scan = { prepare, begin, batch, merge, end, free_state, free };

const struct mlg_check_kind mlg_kind_data_compare = {
	.abi = MLG_KIND_ABI,
	.name = "data.compare",
	.summary = "a relation between two columns (end >= start) holds in every row, or in a share mostly; rows with a null are skipped",
	.params = params,
	.example = "{ \"kind\": \"data.compare\", \"dataset\": \"train\", \"left\": \"check_out\", \"op\": \">=\", \"right\": \"check_in\", \"type\": \"date\" }",
	.validate = validate,
	.target = target,
	.scan = &scan,
};
