/*
 * data.conflicting_labels: rows with identical features do not carry
 * different labels (Deepchecks' "conflicting labels"; the ML Test Score's
 * data tests). Such rows teach a model two answers to one question: a
 * labelling error, or features that miss what decides the label.
 *
 * Every row's features (as a key) and label (as its value) go into a key
 * set (mlgate/keyset.h); groups are formed once the file was read. Exact.
 */
#include <stdlib.h>
#include <string.h>

#include "mlgate/check.h"
#include "mlgate/keyset.h"
#include "mlgate/suite.h"
#include "util.h"

#define EXAMPLE_TEXT_MAX 200
#define REASON_LABEL_MAX 60

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "dataset to read" },
	{ "features", MLG_PARAM_STRINGS, 1, NULL, "the feature columns; rows equal in all of them form a group" },
	{ "label", MLG_PARAM_STRING, 1, NULL, "the label column; rows with a null label are left out" },
	{ "max_share", MLG_PARAM_FRACTION, 0, "0",
	  "highest share of labelled rows allowed in groups whose labels differ" },
	{ NULL, 0, 0, NULL, NULL }
};

struct plan {
	const char **features;
	size_t n;
	long *index;
	const char *label;
	long label_index;
	struct mlg_mem *mem;
	size_t max_examples;
};

struct state {
	struct mlg_keyset *rows;
	uint64_t unlabelled;
	struct mlg_keyset_batch pending;
	const struct mlg_cell **cells;
};

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	const char *label = mlg_check_string(check, "label");
	const char **names;
	size_t n;

	mlg_check_strings(check, "features", &names, &n);
	for (size_t i = 0; i < n; i++) {
		if (label && !strcmp(names[i], label))
			mlg_diag_check(diag, check, "features", "the label '%s' cannot be a feature too", label);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(names[i], names[j])) {
				mlg_diag_check(diag, check, "features", "column '%s' is listed twice", names[i]);
				break;
			}
	}
	free(names);
}

static void free_plan(void *plan)
{
	struct plan *p = plan;

	if (!p)
		return;
	free(p->features);
	free(p->index);
	free(p);
}

static int prepare(void **out, const struct mlg_check *check, struct mlg_scan_setup *setup,
		   struct mlg_result *r)
{
	struct plan *p = mlg_xcalloc(1, sizeof(*p));

	*out = p;
	mlg_check_strings(check, "features", &p->features, &p->n);
	p->label = mlg_check_string(check, "label");
	p->mem = setup->mem;
	p->max_examples = setup->max_examples;
	p->index = mlg_xcalloc(p->n + 1, sizeof(*p->index));
	for (size_t i = 0; i < p->n; i++) {
		if ((p->index[i] = mlg_scan_column(setup, check, p->features[i], r)) < 0)
			return 1;
	}
	if ((p->label_index = mlg_scan_column(setup, check, p->label, r)) < 0)
		return 1;
	return 0;
}

static void *begin(const void *plan)
{
	const struct plan *p = plan;
	struct state *s = mlg_xcalloc(1, sizeof(*s));

	s->rows = mlg_keyset_new(p->mem, MLG_KEYSET_ROWS | MLG_KEYSET_VALUES);
	s->cells = mlg_xcalloc(p->n + 1, sizeof(*s->cells));
	return s;
}

static int batch(const void *plan, void *state, struct mlg_batch *b, char **error)
{
	const struct plan *p = plan;
	struct state *s = state;
	const struct mlg_cell *labels = mlg_batch_cells(b, (size_t)p->label_index);

	for (size_t k = 0; k < p->n; k++)
		s->cells[k] = mlg_batch_cells(b, (size_t)p->index[k]);
	for (size_t i = 0; i < b->nrows; i++) {
		if (labels[i].is_null) {
			s->unlabelled++;
			continue;
		}
		/* a null feature is a value here: two rows both missing it look alike to a model */
		mlg_keyset_batch_add_cells(&s->pending, s->cells, p->n, i, labels[i].data, labels[i].len,
					   b->first_row + i, MLG_KEYSET_NULLS_KEEP);
	}
	if (mlg_keyset_batch_flush(&s->pending, s->rows) < 0) {
		*error = mlg_xstrdup(mlg_mem_message(p->mem));
		return 1;
	}
	return 0;
}

static void merge(const void *plan, void *into, void *from, uint64_t row_base)
{
	struct state *a = into, *b = from;

	mlg_keyset_merge(a->rows, b->rows, row_base);
	a->unlabelled += b->unlabelled;
}

static void free_state(void *state)
{
	struct state *s = state;

	if (!s)
		return;
	mlg_keyset_free(s->rows);
	mlg_keyset_batch_release(&s->pending);
	free(s->cells);
	free(s);
}

static void end(const struct mlg_check *check, const struct mlg_scan_input *in, size_t nin,
		struct mlg_result *r)
{
	const struct plan *p = in[0].plan;
	struct state *s = in[0].state;
	struct mlg_keyset_conflicts c;
	struct mlg_keyset_examples ex;
	double max_share = 0, share;
	char a[32], b[32];

	mlg_check_number(check, "max_share", &max_share);
	mlg_keyset_examples_init(&ex, p->max_examples);
	if (mlg_keyset_conflicts(s->rows, &c, mlg_keyset_examples_offer, &ex) < 0) {
		mlg_keyset_examples_release(&ex);
		mlg_result_set(r, MLG_STATUS_ERROR, "%s", mlg_mem_message(p->mem));
		return;
	}
	share = c.keys ? (double)c.rows / (double)c.keys : 0;
	cJSON_AddNumberToObject(r->observed, "rows", (double)in[0].nrows);
	cJSON_AddNumberToObject(r->observed, "unlabelled", (double)s->unlabelled);
	cJSON_AddNumberToObject(r->observed, "groups", (double)c.groups);
	cJSON_AddNumberToObject(r->observed, "conflicting_groups", (double)c.conflicting);
	cJSON_AddNumberToObject(r->observed, "conflicting_rows", (double)c.rows);
	cJSON_AddNumberToObject(r->observed, "conflicting_share", share);
	cJSON_AddNumberToObject(r->expected, "max_share", max_share);

	mlg_keyset_examples_sort(&ex);
	for (size_t i = 0; i < ex.n; i++) {
		const struct mlg_keyset_example *e = &ex.items[i];
		char *value = mlg_keyset_key_text(e->value, e->value_len, 0, EXAMPLE_TEXT_MAX);
		char *other = mlg_keyset_key_text(e->other_value, e->other_value_len, 0, REASON_LABEL_MAX);
		char *why = mlg_xasprintf("same features as row %llu, labelled '%s' there",
					  (unsigned long long)e->other_row, other);

		mlg_result_example(r, e->row, p->label, value, why);
		free(value);
		free(other);
		free(why);
	}
	r->nexamples = c.rows;
	mlg_keyset_examples_release(&ex);

	if (!c.rows) {
		mlg_result_set(r, MLG_STATUS_PASSED,
			       "no rows with identical features have different labels (%llu labelled row%s in %llu group%s)",
			       (unsigned long long)c.keys, mlg_plural(c.keys), (unsigned long long)c.groups,
			       mlg_plural(c.groups));
		return;
	}
	if (share <= max_share) {
		mlg_result_set(r, MLG_STATUS_PASSED,
			       "%llu of %llu labelled rows are in %llu group%s with identical features but different labels, within max_share = %s",
			       (unsigned long long)c.rows, (unsigned long long)c.keys,
			       (unsigned long long)c.conflicting, mlg_plural(c.conflicting),
			       mlg_format_number(max_share, a));
		return;
	}
	if (max_share > 0)
		mlg_result_set(r, MLG_STATUS_FAILED,
			       "%llu of %llu labelled rows are in %llu group%s with identical features but different labels (%s%%, expected at most %s%%)",
			       (unsigned long long)c.rows, (unsigned long long)c.keys,
			       (unsigned long long)c.conflicting, mlg_plural(c.conflicting),
			       mlg_format_share(share * 100, a), mlg_format_share(max_share * 100, b));
	else
		mlg_result_set(r, MLG_STATUS_FAILED,
			       "%llu of %llu labelled rows are in %llu group%s with identical features but different labels",
			       (unsigned long long)c.rows, (unsigned long long)c.keys,
			       (unsigned long long)c.conflicting, mlg_plural(c.conflicting));
}

/* "train.label": the default id names the label, which the engine cannot guess */
static char *target(const struct mlg_check *check)
{
	const char *dataset = mlg_check_string(check, "dataset"), *label = mlg_check_string(check, "label");

	return mlg_xasprintf("%s.%s", dataset ? dataset : "?", label ? label : "?");
}

static const struct mlg_scan_ops scan = { prepare, begin, batch, merge, end, free_state, free_plan };

const struct mlg_check_kind mlg_kind_data_conflicting_labels = {
	.abi = MLG_KIND_ABI,
	.name = "data.conflicting_labels",
	.summary = "rows with identical features do not have different labels (exact, with the rows that disagree)",
	.params = params,
	.example = "{ \"kind\": \"data.conflicting_labels\", \"dataset\": \"train\", \"features\": [\"age\", \"income\", \"country\"], \"label\": \"churned\" }",
	.validate = validate,
	.target = target,
	.scan = &scan,
};
