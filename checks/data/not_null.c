/* data.not_null: the share of non-null values in columns, at least `mostly`. */
#include <stdlib.h>
#include <string.h>

#include "mlgate/check.h"
#include "mlgate/suite.h"
#include "util.h"

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "dataset to read" },
	{ "columns", MLG_PARAM_STRINGS, 1, NULL, "column or columns that must not be null" },
	{ "mostly", MLG_PARAM_FRACTION, 0, "1", "share of rows that must be non-null, per column" },
	{ NULL, 0, 0, NULL, NULL }
};

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	const char **names;
	size_t n;

	mlg_check_strings(check, "columns", &names, &n);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(names[i], names[j])) {
				mlg_diag_check(diag, check, "columns", "column '%s' is listed twice", names[i]);
				break;
			}
	free(names);
}

struct state {
	const struct mlg_check *check;
	const char **names;
	size_t n;
	long *index;
	uint64_t *nulls;
};

static void free_state(void *p)
{
	struct state *s = p;

	if (!s)
		return;
	free(s->names);
	free(s->index);
	free(s->nulls);
	free(s);
}

static int begin(void **out, const struct mlg_check *check, const char *const *columns,
		 size_t ncolumns, struct mlg_result *r)
{
	struct state *s = mlg_xcalloc(1, sizeof(*s));

	*out = s;
	s->check = check;
	mlg_check_strings(check, "columns", &s->names, &s->n);
	s->index = mlg_xcalloc(s->n, sizeof(*s->index));
	s->nulls = mlg_xcalloc(s->n, sizeof(*s->nulls));
	for (size_t i = 0; i < s->n; i++) {
		s->index[i] = mlg_column_index(columns, ncolumns, s->names[i]);
		if (s->index[i] < 0) {
			mlg_result_no_column(r, check, s->names[i], columns, ncolumns);
			return 1;
		}
	}
	return 0;
}

static int row(void *p, const struct mlg_row *row, struct mlg_result *r)
{
	struct state *s = p;

	for (size_t i = 0; i < s->n; i++) {
		if (row->fields[s->index[i]].is_null) {
			s->nulls[i]++;
			mlg_result_example(r, row->number, s->names[i], NULL, "null");
		}
	}
	return 0;
}

static void end(void *p, uint64_t nrows, struct mlg_result *r)
{
	struct state *s = p;
	double mostly = 1;
	cJSON *nulls = cJSON_AddObjectToObject(r->observed, "nulls");
	cJSON *share = cJSON_AddObjectToObject(r->observed, "non_null_share");
	struct mlg_strbuf msg = MLG_STRBUF_INIT;
	size_t bad = 0;
	char a[32], b[32];

	mlg_check_number(s->check, "mostly", &mostly);
	cJSON_AddNumberToObject(r->observed, "rows", (double)nrows);
	cJSON_AddNumberToObject(r->expected, "mostly", mostly);
	for (size_t i = 0; i < s->n; i++) {
		double ok = nrows ? (double)(nrows - s->nulls[i]) / (double)nrows : 1.0;

		cJSON_AddNumberToObject(nulls, s->names[i], (double)s->nulls[i]);
		cJSON_AddNumberToObject(share, s->names[i], ok);
		if (ok < mostly) {
			mlg_strbuf_addf(&msg, "%s%llu of %llu values of %s are null (%s%% non-null, expected at least %s%%)",
					bad++ ? "; " : "", (unsigned long long)s->nulls[i],
					(unsigned long long)nrows, s->names[i],
					mlg_format_share(ok * 100, a), mlg_format_share(mostly * 100, b));
		}
	}
	if (bad)
		mlg_result_set(r, MLG_STATUS_FAILED, "%s", msg.buf);
	else
		mlg_result_set(r, MLG_STATUS_PASSED, "no nulls beyond the allowed share in %zu column%s of %llu row%s",
			       s->n, mlg_plural(s->n), (unsigned long long)nrows, mlg_plural(nrows));
	mlg_strbuf_release(&msg);
}

static const struct mlg_scan_ops scan = { begin, row, end, free_state };

const struct mlg_check_kind mlg_kind_data_not_null = {
	.abi = MLG_KIND_ABI,
	.name = "data.not_null",
	.summary = "columns have no nulls (empty cells), or at most 1 - mostly of them",
	.params = params,
	.validate = validate,
	.example = "{ \"kind\": \"data.not_null\", \"dataset\": \"train\", \"columns\": [\"amount\", \"country\"], \"mostly\": 0.99 }",
	.scan = &scan,
};
