/*
 * data.pii: no column holds personal data (emails, phone numbers, payment
 * card numbers, IBANs, IP addresses) as or inside its values, or at most
 * max_share of a column's values do. The ML Test Score's privacy control:
 * training data should not carry what the model must not learn or leak.
 *
 * Reports never show the personal data it finds: examples carry masked
 * values ("j***@e***.com", "**** **** **** 1111").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/check.h"
#include "mlgate/suite.h"
#include "mlgate/textmatch.h"
#include "util.h"

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "dataset to read" },
	{ "columns", MLG_PARAM_STRINGS, 0, NULL, "columns to scan (default: every column)" },
	{ "allow", MLG_PARAM_STRINGS, 0, NULL, "columns allowed to hold personal data: not scanned" },
	{ "kinds", MLG_PARAM_STRINGS, 0, "[\"email\", \"phone\", \"credit_card\", \"iban\", \"ip\"]",
	  "what to look for: email, phone, credit_card, iban, ip" },
	{ "max_share", MLG_PARAM_FRACTION, 0, "0",
	  "largest share of a column's non-null values that may hold personal data" },
	{ NULL, 0, 0, NULL, NULL }
};

/* Matches looked at per value; a value holding more is counted up to this. */
#define MAX_MATCHES 32

static const char *const singular[MLG_PII_KINDS] = {
	[MLG_PII_EMAIL] = "email address", [MLG_PII_PHONE] = "phone number",
	[MLG_PII_CARD] = "credit card number", [MLG_PII_IBAN] = "IBAN", [MLG_PII_IP] = "IP address",
};
static const char *const plural[MLG_PII_KINDS] = {
	[MLG_PII_EMAIL] = "email addresses", [MLG_PII_PHONE] = "phone numbers",
	[MLG_PII_CARD] = "credit card numbers", [MLG_PII_IBAN] = "IBANs", [MLG_PII_IP] = "IP addresses",
};

struct column {
	const char *name;
	size_t index;
};

struct plan {
	struct column *cols;
	size_t n;
	unsigned kinds;   /* bit k: look for kind k */
	size_t max_examples;
};

struct counts {
	uint64_t found[MLG_PII_KINDS]; /* matches of each kind */
	uint64_t values;               /* values holding any */
	uint64_t non_null;
};

struct state {
	struct counts *counts;
	const struct mlg_cell **cells; /* scratch: the batch's cells per column */
	struct mlg_examples ex;
};

/* The duplicates of a list parameter and the names of `kinds`. */
static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	static const char *const lists[] = { "columns", "allow", "kinds" };
	const char **cols = NULL, **allow = NULL;
	size_t ncols = 0, nallow = 0;

	for (size_t l = 0; l < 3; l++) {
		const char **names;
		size_t n;

		if (!mlg_check_strings(check, lists[l], &names, &n))
			continue;
		for (size_t i = 0; i < n; i++) {
			for (size_t j = 0; j < i; j++)
				if (!strcmp(names[i], names[j])) {
					mlg_diag_check(diag, check, lists[l], "'%s' is listed twice", names[i]);
					break;
				}
			if (l == 2 && mlg_textmatch_pii_from_name(names[i]) < 0)
				mlg_diag_check(diag, check, "kinds",
					       "unknown kind '%s' (kinds: email, phone, credit_card, iban, ip)", names[i]);
		}
		free(names);
	}
	if (mlg_check_strings(check, "columns", &cols, &ncols) &&
	    mlg_check_strings(check, "allow", &allow, &nallow)) {
		for (size_t i = 0; i < ncols; i++)
			for (size_t j = 0; j < nallow; j++)
				if (!strcmp(cols[i], allow[j]))
					mlg_diag_check(diag, check, "allow", "column '%s' is both in \"columns\" and \"allow\"",
						       cols[i]);
	}
	free(cols);
	free(allow);
}

static void free_plan(void *plan)
{
	struct plan *p = plan;

	if (!p)
		return;
	free(p->cols);
	free(p);
}

static int listed(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return 1;
	return 0;
}

static int prepare(void **out, const struct mlg_check *check, struct mlg_scan_setup *setup,
		   struct mlg_result *r)
{
	struct plan *p = mlg_xcalloc(1, sizeof(*p));
	const char **names = NULL, **allow = NULL, **kinds = NULL;
	size_t nnames = 0, nallow = 0, nkinds = 0;
	int rc = 0;

	*out = p;
	p->max_examples = setup->max_examples;
	if (mlg_check_strings(check, "kinds", &kinds, &nkinds)) {
		for (size_t i = 0; i < nkinds; i++) {
			int k = mlg_textmatch_pii_from_name(kinds[i]);

			if (k >= 0)
				p->kinds |= 1u << k;
		}
	} else {
		p->kinds = (1u << MLG_PII_KINDS) - 1;
	}
	mlg_check_strings(check, "allow", &allow, &nallow);
	for (size_t i = 0; i < nallow; i++)
		if (mlg_column_index(setup->columns, setup->ncolumns, allow[i]) < 0) {
			/* a misspelt allowance would leave the real column reported: say so */
			mlg_result_no_column(r, check, allow[i], setup->columns, setup->ncolumns);
			rc = 1;
			goto done;
		}
	p->cols = mlg_xcalloc(setup->ncolumns + 1, sizeof(*p->cols));
	if (mlg_check_strings(check, "columns", &names, &nnames)) {
		for (size_t i = 0; i < nnames; i++) {
			long index = mlg_column_index(setup->columns, setup->ncolumns, names[i]);

			if (index < 0) {
				mlg_result_no_column(r, check, names[i], setup->columns, setup->ncolumns);
				rc = 1;
				goto done;
			}
			p->cols[p->n++] = (struct column){ names[i], (size_t)index };
		}
	} else {
		for (size_t i = 0; i < setup->ncolumns; i++)
			if (*setup->columns[i] && !listed(allow, nallow, setup->columns[i]))
				p->cols[p->n++] = (struct column){ setup->columns[i], i };
	}
	for (size_t i = 0; i < p->n; i++)
		mlg_scan_use(setup, p->cols[i].index);
done:
	free(names);
	free(allow);
	free(kinds);
	return rc;
}

static void *begin(const void *plan)
{
	const struct plan *p = plan;
	struct state *s = mlg_xcalloc(1, sizeof(*s));

	s->counts = mlg_xcalloc(p->n + 1, sizeof(*s->counts));
	s->cells = mlg_xcalloc(p->n + 1, sizeof(*s->cells));
	mlg_examples_init(&s->ex, p->max_examples);
	return s;
}

static int batch(const void *plan, void *state, struct mlg_batch *b, char **error)
{
	const struct plan *p = plan;
	struct state *s = state;
	struct mlg_pii_match m[MAX_MATCHES];

	for (size_t k = 0; k < p->n; k++)
		s->cells[k] = mlg_batch_cells(b, p->cols[k].index);
	/* row by row, so that examples come in row order across the columns */
	for (size_t i = 0; i < b->nrows; i++) {
		for (size_t k = 0; k < p->n; k++) {
			const struct mlg_cell *c = &s->cells[k][i];
			struct counts *n = &s->counts[k];
			size_t found;
			int any = 0;

			if (c->is_null)
				continue;
			n->non_null++;
			found = mlg_textmatch_pii(c->data, c->len, m, MAX_MATCHES);
			if (found > MAX_MATCHES)
				found = MAX_MATCHES;
			for (size_t j = 0; j < found; j++) {
				if (!(p->kinds & (1u << m[j].kind)))
					continue;
				n->found[m[j].kind]++;
				any = 1;
				if (mlg_examples_want(&s->ex)) {
					char masked[128];

					mlg_textmatch_mask(m[j].kind, c->data + m[j].start, m[j].len, masked,
							   sizeof(masked));
					mlg_examples_add(&s->ex, b->first_row + i, p->cols[k].name, masked,
							 strlen(masked), singular[m[j].kind]);
				}
			}
			n->values += any;
		}
	}
	return 0;
}

static void merge(const void *plan, void *into, void *from, uint64_t row_base)
{
	const struct plan *p = plan;
	struct state *a = into, *b = from;

	for (size_t k = 0; k < p->n; k++) {
		for (int j = 0; j < MLG_PII_KINDS; j++)
			a->counts[k].found[j] += b->counts[k].found[j];
		a->counts[k].values += b->counts[k].values;
		a->counts[k].non_null += b->counts[k].non_null;
	}
	mlg_examples_merge(&a->ex, &b->ex, row_base);
}

static void free_state(void *state)
{
	struct state *s = state;

	if (!s)
		return;
	free(s->counts);
	free(s->cells);
	mlg_examples_release(&s->ex);
	free(s);
}

/* "column notes holds 3 email addresses and 1 credit card number" */
static void describe(struct mlg_strbuf *msg, const char *name, const struct counts *c, unsigned kinds)
{
	int items = 0, done = 0;

	for (int j = 0; j < MLG_PII_KINDS; j++)
		items += (kinds & (1u << j)) && c->found[j];
	mlg_strbuf_addf(msg, "%scolumn %s holds ", msg->len ? "; " : "", name);
	for (int j = 0; j < MLG_PII_KINDS; j++) {
		if (!(kinds & (1u << j)) || !c->found[j])
			continue;
		done++;
		mlg_strbuf_addf(msg, "%s%llu %s", done == 1 ? "" : done == items ? " and " : ", ",
				(unsigned long long)c->found[j], c->found[j] == 1 ? singular[j] : plural[j]);
	}
}

static void end(const struct mlg_check *check, const struct mlg_scan_input *in, size_t nin,
		struct mlg_result *r)
{
	const struct plan *p = in[0].plan;
	struct state *s = in[0].state;
	uint64_t nrows = in[0].nrows, total = 0;
	double max_share = 0;
	cJSON *found, *values, *shares, *kinds;
	struct mlg_strbuf over = MLG_STRBUF_INIT, within = MLG_STRBUF_INIT;
	char a[32], b[32];

	mlg_check_number(check, "max_share", &max_share);
	mlg_examples_emit(&s->ex, r);
	cJSON_AddNumberToObject(r->observed, "rows", (double)nrows);
	cJSON_AddNumberToObject(r->observed, "columns_scanned", (double)p->n);
	found = cJSON_AddObjectToObject(r->observed, "found");
	values = cJSON_AddObjectToObject(r->observed, "values_with_pii");
	shares = cJSON_AddObjectToObject(r->observed, "share");
	kinds = cJSON_AddArrayToObject(r->expected, "kinds");
	for (int j = 0; j < MLG_PII_KINDS; j++)
		if (p->kinds & (1u << j))
			cJSON_AddItemToArray(kinds, cJSON_CreateString(mlg_textmatch_pii_name((enum mlg_pii_kind)j)));
	cJSON_AddNumberToObject(r->expected, "max_share", max_share);
	{
		const char **allow;
		size_t nallow;

		if (mlg_check_strings(check, "allow", &allow, &nallow)) {
			cJSON *list = cJSON_AddArrayToObject(r->expected, "allow");

			for (size_t i = 0; i < nallow; i++)
				cJSON_AddItemToArray(list, cJSON_CreateString(allow[i]));
			free(allow);
		}
	}

	for (size_t k = 0; k < p->n; k++) {
		const struct counts *c = &s->counts[k];
		double share;
		cJSON *o;

		if (!c->values)
			continue;
		share = (double)c->values / (double)c->non_null;
		o = cJSON_AddObjectToObject(found, p->cols[k].name);
		for (int j = 0; j < MLG_PII_KINDS; j++)
			if (c->found[j]) {
				cJSON_AddNumberToObject(o, mlg_textmatch_pii_name((enum mlg_pii_kind)j), (double)c->found[j]);
				total += c->found[j];
			}
		cJSON_AddNumberToObject(values, p->cols[k].name, (double)c->values);
		cJSON_AddNumberToObject(shares, p->cols[k].name, share);
		if (share > max_share) {
			describe(&over, p->cols[k].name, c, p->kinds);
			if (max_share > 0)
				mlg_strbuf_addf(&over, " (%s%% of its values, at most %s%% allowed)",
						mlg_format_share(share * 100, a), mlg_format_share(max_share * 100, b));
		} else {
			describe(&within, p->cols[k].name, c, p->kinds);
			mlg_strbuf_addf(&within, " (%s%% of its values)", mlg_format_share(share * 100, a));
		}
	}
	/* examples stop being offered once enough are kept: count them all here */
	r->nexamples = total;
	if (over.len) {
		mlg_result_set(r, MLG_STATUS_FAILED, "%s", over.buf);
	} else if (within.len) {
		mlg_result_set(r, MLG_STATUS_PASSED, "%s, within max_share = %s", within.buf,
			       mlg_format_number(max_share, a));
	} else {
		struct mlg_strbuf what = MLG_STRBUF_INIT;
		int n = 0, all = 0;

		for (int j = 0; j < MLG_PII_KINDS; j++)
			all += !!(p->kinds & (1u << j));
		for (int j = 0; j < MLG_PII_KINDS; j++)
			if (p->kinds & (1u << j)) {
				n++;
				mlg_strbuf_addf(&what, "%s%s", n == 1 ? "" : n == all ? " or " : ", ", plural[j]);
			}
		mlg_result_set(r, MLG_STATUS_PASSED, "no %s in %zu column%s of %llu row%s", what.buf, p->n,
			       mlg_plural(p->n), (unsigned long long)nrows, mlg_plural(nrows));
		mlg_strbuf_release(&what);
	}
	mlg_strbuf_release(&over);
	mlg_strbuf_release(&within);
}

static const struct mlg_scan_ops scan = { prepare, begin, batch, merge, end, free_state, free_plan };

const struct mlg_check_kind mlg_kind_data_pii = {
	.abi = MLG_KIND_ABI,
	.name = "data.pii",
	.summary = "no column holds emails, phone numbers, card numbers, IBANs or IP addresses (examples masked)",
	.params = params,
	.example = "{ \"kind\": \"data.pii\", \"dataset\": \"train\", \"allow\": [\"customer_email\"], \"kinds\": [\"email\", \"phone\", \"credit_card\"] }",
	.validate = validate,
	.scan = &scan,
};
