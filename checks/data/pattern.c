/*
 * data.pattern: every non-null value of a column is, as a whole, a match of
 * a regular expression (PCRE2) or of a named format (email, uuid, url,
 * iso_date, ipv4, ipv6); with `invert`, none is.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/check.h"
#include "mlgate/suite.h"
#include "mlgate/textmatch.h"
#include "util.h"

static const struct mlg_param params[] = {
	{ "dataset", MLG_PARAM_DATASET, 1, NULL, "dataset to read" },
	{ "column", MLG_PARAM_STRING, 1, NULL, "column to check" },
	{ "regex", MLG_PARAM_STRING, 0, NULL,
	  "PCRE2 regular expression the whole value must match (UTF-8; no need for ^ and $)" },
	{ "format", MLG_PARAM_STRING, 0, NULL,
	  "a named format instead of a regex: email, uuid, url, iso_date, ipv4 or ipv6" },
	{ "invert", MLG_PARAM_BOOLEAN, 0, "false", "values must NOT match" },
	{ "mostly", MLG_PARAM_FRACTION, 0, "1", "share of non-null values that must pass" },
	{ NULL, 0, 0, NULL, NULL }
};

/*
 * The named formats are hand-written recognisers: on short cells they beat
 * even JIT-compiled regular expressions, and their rules (calendar dates,
 * octets up to 255, IPv6 compression) are awkward to write as regexes.
 */
static const struct {
	const char *name;
	int (*match)(const char *, size_t);
	const char *what; /* for messages: "values of x are not <what>" */
	const char *reason; /* for examples */
} formats[] = {
	{ "email", mlg_textmatch_email, "email addresses", "not an email address" },
	{ "uuid", mlg_textmatch_uuid, "UUIDs", "not a UUID" },
	{ "url", mlg_textmatch_url, "URLs", "not a URL" },
	{ "iso_date", mlg_textmatch_iso_date, "ISO dates (YYYY-MM-DD)", "not an ISO date" },
	{ "ipv4", mlg_textmatch_ipv4, "IPv4 addresses", "not an IPv4 address" },
	{ "ipv6", mlg_textmatch_ipv6, "IPv6 addresses", "not an IPv6 address" },
};
#define NFORMATS (sizeof(formats) / sizeof(*formats))

/*
 * Bounds on one match, so that a regex that backtracks catastrophically
 * (`(a|aa)+$`) ends with an error instead of hanging CI. Sane patterns on
 * cells of ordinary length stay far below them.
 */
#define MATCH_LIMIT 1000000
#define DEPTH_LIMIT 100000
#define JIT_STACK_MAX (1u << 20)

/* The whole value must match: the match is anchored at both ends. */
#define COMPILE_OPTIONS (PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED)

struct plan {
	const char *column;
	long index;
	int format;       /* index in formats[], or -1 for the regex */
	const char *regex;
	pcre2_code *code; /* shared read-only by the parts' states */
	int jit;          /* JIT compiled: match with pcre2_jit_match() */
	int invert;
	size_t max_examples;
	char *subject;    /* "format email", "regex '[A-Z]{3}'" */
};

struct state {
	uint64_t nulls, matching, not_matching, invalid_utf8;
	/* a match that hit a limit stops this part: the first, in file order */
	int stopped;
	uint64_t stop_row;
	int stop_code;
	struct mlg_examples ex;
	pcre2_match_data *md;
	pcre2_match_context *mc;
	pcre2_jit_stack *stack;
};

static int format_index(const char *name)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (!strcmp(formats[i].name, name))
			return (int)i;
	return -1;
}

/* Compiles the check's regex; NULL with the problem in msg when it is invalid. */
static pcre2_code *compile(const char *regex, char *msg, size_t size)
{
	int err;
	PCRE2_SIZE offset;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)regex, PCRE2_ZERO_TERMINATED, COMPILE_OPTIONS, &err,
					 &offset, NULL);

	if (!code) {
		PCRE2_UCHAR text[256];

		pcre2_get_error_message(err, text, sizeof(text));
		snprintf(msg, size, "invalid regex at offset %zu: %s", (size_t)offset, (const char *)text);
	}
	return code;
}

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	const char *regex = mlg_check_string(check, "regex");
	const char *format = mlg_check_string(check, "format");

	if (!regex && !format) {
		mlg_diag_check(diag, check, NULL, "data.pattern needs \"regex\" or \"format\"");
		return;
	}
	if (regex && format) {
		mlg_diag_check(diag, check, "format", "give \"regex\" or \"format\", not both");
		return;
	}
	if (format && format_index(format) < 0) {
		mlg_diag_check(diag, check, "format",
			       "unknown format '%s' (formats: email, uuid, url, iso_date, ipv4, ipv6)", format);
		return;
	}
	if (regex) {
		char msg[320];
		pcre2_code *code = compile(regex, msg, sizeof(msg));

		if (!code)
			mlg_diag_check(diag, check, "regex", "%s", msg);
		pcre2_code_free(code);
	}
}

static void free_plan(void *plan)
{
	struct plan *p = plan;

	if (!p)
		return;
	pcre2_code_free(p->code);
	free(p->subject);
	free(p);
}

static int prepare(void **out, const struct mlg_check *check, struct mlg_scan_setup *setup,
		   struct mlg_result *r)
{
	struct plan *p = mlg_xcalloc(1, sizeof(*p));
	const char *format = mlg_check_string(check, "format");

	*out = p;
	p->column = mlg_check_string(check, "column");
	p->invert = mlg_check_bool(check, "invert", 0);
	p->max_examples = setup->max_examples;
	p->format = format ? format_index(format) : -1;
	p->regex = mlg_check_string(check, "regex");
	if (p->format >= 0) {
		p->subject = mlg_xasprintf("format %s", formats[p->format].name);
	} else {
		char msg[320];

		p->subject = mlg_xasprintf("regex '%s'", p->regex);
		p->code = compile(p->regex, msg, sizeof(msg));
		if (!p->code) { /* validate() reported it at load time already */
			mlg_result_set(r, MLG_STATUS_ERROR, "%s", msg);
			return 1;
		}
		/* without JIT (an odd platform, no executable memory) the interpreter does */
		p->jit = pcre2_jit_compile(p->code, PCRE2_JIT_COMPLETE) == 0;
	}
	if ((p->index = mlg_scan_column(setup, check, p->column, r)) < 0)
		return 1;
	return 0;
}

static void *begin(const void *plan)
{
	const struct plan *p = plan;
	struct state *s = mlg_xcalloc(1, sizeof(*s));

	mlg_examples_init(&s->ex, p->max_examples);
	if (p->code) {
		/* match data, limits and JIT stack are per part: only the code is shared */
		s->md = pcre2_match_data_create_from_pattern(p->code, NULL);
		s->mc = pcre2_match_context_create(NULL);
		if (!s->md || !s->mc)
			mlg_die_oom();
		pcre2_set_match_limit(s->mc, MATCH_LIMIT);
		pcre2_set_depth_limit(s->mc, DEPTH_LIMIT);
		if (p->jit) {
			s->stack = pcre2_jit_stack_create(32 * 1024, JIT_STACK_MAX, NULL);
			if (!s->stack)
				mlg_die_oom();
			pcre2_jit_stack_assign(s->mc, NULL, s->stack);
		}
	}
	return s;
}

/* 1 when every byte is ASCII or part of a valid UTF-8 sequence. */
static int valid_utf8(const char *s, size_t len)
{
	size_t bad;

	mlg_textmatch_utf8_chars(s, len, &bad);
	return bad == 0;
}

static int batch(const void *plan, void *state, struct mlg_batch *b, char **error)
{
	const struct plan *p = plan;
	struct state *s = state;
	const struct mlg_cell *cells = mlg_batch_cells(b, (size_t)p->index);
	int (*match)(const char *, size_t) = p->format >= 0 ? formats[p->format].match : NULL;
	const char *fails = p->invert ? "matches" : match ? formats[p->format].reason : "does not match";

	if (s->stopped)
		return 0;
	for (size_t i = 0; i < b->nrows; i++) {
		const struct mlg_cell *c = &cells[i];
		int m;

		if (c->is_null) {
			s->nulls++;
			continue;
		}
		if (match) {
			m = match(c->data, c->len);
		} else if (!valid_utf8(c->data, c->len)) {
			/* the JIT fast path does not check UTF-8: never hand it bad bytes */
			s->invalid_utf8++;
			mlg_examples_add(&s->ex, b->first_row + i, p->column, c->data, c->len, "invalid UTF-8");
			continue;
		} else {
			int rc = p->jit ? pcre2_jit_match(p->code, (PCRE2_SPTR)c->data, c->len, 0, 0, s->md, s->mc)
					: pcre2_match(p->code, (PCRE2_SPTR)c->data, c->len, 0, PCRE2_NO_UTF_CHECK,
						      s->md, s->mc);

			if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
				s->stopped = 1;
				s->stop_row = b->first_row + i;
				s->stop_code = rc;
				return 0;
			}
			m = rc >= 0;
		}
		if (m)
			s->matching++;
		else
			s->not_matching++;
		if (m == p->invert)
			mlg_examples_add(&s->ex, b->first_row + i, p->column, c->data, c->len, fails);
	}
	return 0;
}

static void merge(const void *plan, void *into, void *from, uint64_t row_base)
{
	struct state *a = into, *b = from;

	if (a->stopped) {
		/* the first limit in file order is in `a`: what follows does not count */
		return;
	}
	a->nulls += b->nulls;
	a->matching += b->matching;
	a->not_matching += b->not_matching;
	a->invalid_utf8 += b->invalid_utf8;
	if (b->stopped) {
		a->stopped = 1;
		a->stop_row = b->stop_row + row_base;
		a->stop_code = b->stop_code;
	}
	mlg_examples_merge(&a->ex, &b->ex, row_base);
}

static void free_state(void *state)
{
	struct state *s = state;

	if (!s)
		return;
	mlg_examples_release(&s->ex);
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mc);
	pcre2_jit_stack_free(s->stack);
	free(s);
}

static void end(const struct mlg_check *check, const struct mlg_scan_input *in, size_t nin,
		struct mlg_result *r)
{
	const struct plan *p = in[0].plan;
	struct state *s = in[0].state;
	uint64_t nrows = in[0].nrows;
	const char *col = p->column;
	uint64_t non_null = s->matching + s->not_matching + s->invalid_utf8;
	uint64_t passing = p->invert ? s->not_matching : s->matching;
	uint64_t bad = non_null - passing;
	double mostly = 1, share = non_null ? (double)passing / (double)non_null : 1.0;
	char a[32], b[32];

	if (s->stopped) {
		PCRE2_UCHAR text[256];
		int limit = s->stop_code == PCRE2_ERROR_MATCHLIMIT || s->stop_code == PCRE2_ERROR_DEPTHLIMIT ||
			    s->stop_code == PCRE2_ERROR_HEAPLIMIT || s->stop_code == PCRE2_ERROR_JIT_STACKLIMIT;

		pcre2_get_error_message(s->stop_code, text, sizeof(text));
		if (limit)
			mlg_result_set(r, MLG_STATUS_ERROR,
				       "%s backtracks too much on row %llu of %s (%s): simplify it, e.g. no nested repeats like (a+)+",
				       p->subject, (unsigned long long)s->stop_row, col, (const char *)text);
		else
			mlg_result_set(r, MLG_STATUS_ERROR, "%s failed on row %llu of %s: %s", p->subject,
				       (unsigned long long)s->stop_row, col, (const char *)text);
		cJSON_AddNumberToObject(r->observed, "error_row", (double)s->stop_row);
		return;
	}
	mlg_check_number(check, "mostly", &mostly);
	mlg_examples_emit(&s->ex, r);
	cJSON_AddNumberToObject(r->observed, "rows", (double)nrows);
	cJSON_AddNumberToObject(r->observed, "nulls", (double)s->nulls);
	cJSON_AddNumberToObject(r->observed, "non_null", (double)non_null);
	cJSON_AddNumberToObject(r->observed, "matching", (double)s->matching);
	cJSON_AddNumberToObject(r->observed, "not_matching", (double)s->not_matching);
	if (s->invalid_utf8)
		cJSON_AddNumberToObject(r->observed, "invalid_utf8", (double)s->invalid_utf8);
	cJSON_AddNumberToObject(r->observed, "share", share);
	if (p->format >= 0)
		cJSON_AddStringToObject(r->expected, "format", formats[p->format].name);
	else
		cJSON_AddStringToObject(r->expected, "regex", p->regex);
	cJSON_AddBoolToObject(r->expected, "invert", p->invert);
	cJSON_AddNumberToObject(r->expected, "mostly", mostly);

	if (non_null == 0) {
		mlg_result_set(r, MLG_STATUS_PASSED, "no non-null values of %s to check (%llu row%s)", col,
			       (unsigned long long)nrows, mlg_plural(nrows));
		return;
	}
	if (share >= mostly) {
		if (bad)
			mlg_result_set(r, MLG_STATUS_PASSED, "%llu of %llu values of %s %s %s, within mostly = %s",
				       (unsigned long long)bad, (unsigned long long)non_null, col,
				       p->invert ? "match" : "do not match", p->subject, mlg_format_number(mostly, a));
		else if (p->invert)
			mlg_result_set(r, MLG_STATUS_PASSED, "none of %llu values of %s match %s",
				       (unsigned long long)non_null, col, p->subject);
		else
			mlg_result_set(r, MLG_STATUS_PASSED, "all %llu values of %s match %s",
				       (unsigned long long)non_null, col, p->subject);
		return;
	}
	{
		struct mlg_strbuf msg = MLG_STRBUF_INIT;

		if (p->format >= 0 && !p->invert)
			mlg_strbuf_addf(&msg, "%llu of %llu values of %s are not %s", (unsigned long long)bad,
					(unsigned long long)non_null, col, formats[p->format].what);
		else
			mlg_strbuf_addf(&msg, "%llu of %llu values of %s %s %s", (unsigned long long)bad,
					(unsigned long long)non_null, col, p->invert ? "match" : "do not match",
					p->subject);
		if (s->invalid_utf8)
			mlg_strbuf_addf(&msg, " (%llu not valid UTF-8)", (unsigned long long)s->invalid_utf8);
		if (mostly < 1)
			mlg_strbuf_addf(&msg, " (%s%% pass, expected at least %s%%)", mlg_format_share(share * 100, a),
					mlg_format_share(mostly * 100, b));
		mlg_result_set(r, MLG_STATUS_FAILED, "%s", msg.buf);
		mlg_strbuf_release(&msg);
	}
}

static const struct mlg_scan_ops scan = { prepare, begin, batch, merge, end, free_state, free_plan };

const struct mlg_check_kind mlg_kind_data_pattern = {
	.abi = MLG_KIND_ABI,
	.name = "data.pattern",
	.summary = "every non-null value of a column wholly matches a regex or a named format (email, uuid, url, ...)",
	.params = params,
	.example = "{ \"kind\": \"data.pattern\", \"dataset\": \"train\", \"column\": \"country\", \"regex\": \"[A-Z]{2}\" }",
	.validate = validate,
	.scan = &scan,
};
