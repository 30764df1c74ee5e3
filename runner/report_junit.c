/*
 * JUnit XML (DESIGN.md section 5): one <testsuite> per category inside
 * <testsuites name="SUITE">, a <testcase> per check. Valid against the
 * Jenkins xunit junit-10 schema with the additions GitLab and the GitHub
 * reporters read (tests/data/spec/junit-mlgate.xsd).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonc.h"
#include "mlgate/error.h"
#include "mlgate/report.h"
#include "report_internal.h"
#include "text.h"
#include "util.h"

static const char *const categories[] = { "data", "model", "infra" };

/*
 * The document is written as text in one pass, byte for byte what
 * libxml2's xmlDocDumpFormatMemoryEnc(doc, "UTF-8", format 1) made of the
 * tree this file used to build: elements indented by two spaces a level
 * when all their children are elements, an element with text on one line,
 * an empty one as <x/>. Building the tree cost about ten nodes and
 * twenty allocations a check, its serialisation and its freeing as much
 * again: with 10,000 checks the report took more time than running the
 * checks and doubled the peak memory. Cells are cleaned as before
 * (mlg_text_clean: invalid UTF-8 as U+FFFD, control characters as \xNN),
 * then escaped as libxml2 escapes them.
 */
struct xml_out {
	struct mlg_strbuf sb;
};

/* Appends `s`, cleaned and escaped for an attribute value (`in_attr`) or
 * for text. Runs of bytes that need nothing are copied at once. */
static void escaped(struct mlg_strbuf *sb, const char *s, int in_attr)
{
	const unsigned char *p, *run;
	char *clean = NULL;

	if (!s)
		s = "";
	for (p = (const unsigned char *)s;
	     *p && *p < 0x80 && (*p >= 0x20 || *p == '\t' || *p == '\n' || *p == '\r'); p++)
		;
	/* printable ASCII needs no cleaning: mlg_text_clean() only for the rest */
	if (*p)
		s = clean = mlg_text_clean(s, 1);
	for (p = run = (const unsigned char *)s;; p++) {
		const char *rep;
		char hex[8];

		switch (*p) {
		case '\0':
			rep = NULL;
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '&':
			rep = "&amp;";
			break;
		case '\r':
			rep = "&#13;";
			break;
		case '"':
			if (!in_attr)
				continue;
			rep = "&quot;";
			break;
		case '\n':
			if (!in_attr)
				continue;
			rep = "&#10;";
			break;
		case '\t':
			if (!in_attr)
				continue;
			rep = "&#9;";
			break;
		default:
			if (*p >= 0x20)
				continue;
			/* mlg_text_clean() left none: never XML 1.0's forbidden bytes */
			snprintf(hex, sizeof(hex), "\\x%02X", (unsigned int)*p);
			rep = hex;
			break;
		}
		mlg_strbuf_add(sb, run, (size_t)(p - run));
		if (!rep)
			break;
		mlg_strbuf_addstr(sb, rep);
		run = p + 1;
	}
	free(clean);
}

/* Opens <name at `depth` (its attributes follow; end it with start_end()). */
static void start(struct xml_out *x, int depth, const char *name)
{
	for (int i = 0; i < depth; i++)
		mlg_strbuf_addstr(&x->sb, "  ");
	mlg_strbuf_addch(&x->sb, '<');
	mlg_strbuf_addstr(&x->sb, name);
}

static void attr(struct xml_out *x, const char *name, const char *value)
{
	mlg_strbuf_addch(&x->sb, ' ');
	mlg_strbuf_addstr(&x->sb, name);
	mlg_strbuf_addstr(&x->sb, "=\"");
	escaped(&x->sb, value, 1);
	mlg_strbuf_addch(&x->sb, '"');
}

static void attrf(struct xml_out *x, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void attrf(struct xml_out *x, const char *name, const char *fmt, ...)
{
	char buf[64];
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(buf, sizeof(buf), fmt, ap) < (int)sizeof(buf)) {
		attr(x, name, buf);
	} else {
		struct mlg_strbuf sb = MLG_STRBUF_INIT;

		va_end(ap);
		va_start(ap, fmt);
		mlg_strbuf_vaddf(&sb, fmt, ap);
		attr(x, name, sb.buf);
		mlg_strbuf_release(&sb);
	}
	va_end(ap);
}

/* Ends the start tag: children follow, one a line, then end(). */
static void start_end(struct xml_out *x)
{
	mlg_strbuf_addstr(&x->sb, ">\n");
}

/* Ends the start tag of an element without children: <name .../>. */
static void empty_end(struct xml_out *x)
{
	mlg_strbuf_addstr(&x->sb, "/>\n");
}

/* Ends the start tag with text for the only child, and closes the element. */
static void text_end(struct xml_out *x, const char *name, const char *text)
{
	mlg_strbuf_addch(&x->sb, '>');
	escaped(&x->sb, text, 0);
	mlg_strbuf_addf(&x->sb, "</%s>\n", name);
}

static void end(struct xml_out *x, int depth, const char *name)
{
	for (int i = 0; i < depth; i++)
		mlg_strbuf_addstr(&x->sb, "  ");
	mlg_strbuf_addf(&x->sb, "</%s>\n", name);
}

/* <name ...>text</name> at `depth`, with no attributes. */
static void text_element(struct xml_out *x, int depth, const char *name, const char *text)
{
	start(x, depth, name);
	text_end(x, name, text);
}

/* Rows of a metrics table in the text of a testcase, as in the terminal. */
#define JUNIT_METRIC_ROWS 20
/* Properties for the whole-dataset rows of a metrics table, at most. */
#define JUNIT_METRIC_PROPERTIES 20

#define PROPERTY_DEPTH 4

static void add_property(struct xml_out *x, const char *name, const char *value)
{
	start(x, PROPERTY_DEPTH, "property");
	attr(x, "name", name);
	attr(x, "value", value);
	empty_end(x);
}

/*
 * A metrics table (observed.metrics) as properties would be one property
 * holding the whole array as JSON, tens of kilobytes with slices: only the
 * whole-dataset rows become properties ("observed.metrics.roc_auc"); the
 * table goes into the testcase's text.
 */
static void add_metric_properties(struct xml_out *x, const cJSON *metrics)
{
	const cJSON *row;
	size_t n = 0;
	char buf[32];

	cJSON_ArrayForEach(row, metrics) {
		const cJSON *metric = cJSON_GetObjectItemCaseSensitive(row, "metric");
		const cJSON *value = cJSON_GetObjectItemCaseSensitive(row, "value");
		char *name;

		if (!cJSON_IsObject(row) || !cJSON_IsString(metric) || !mlg_report__metric_overall(row))
			continue;
		if (n++ == JUNIT_METRIC_PROPERTIES)
			break;
		name = mlg_xasprintf("observed.metrics.%s", metric->valuestring);
		add_property(x, name, cJSON_IsNumber(value) ? mlg_format_number(value->valuedouble, buf) : "n/a");
		free(name);
	}
}

/*
 * Observed and expected values flattened to name="observed.a.b"
 * properties; `name` holds the prefix ("observed"), and each level appends
 * ".key" to it and cuts it back.
 */
static void add_properties(struct xml_out *x, struct mlg_strbuf *name, const cJSON *v)
{
	char buf[32];

	if (cJSON_IsObject(v)) {
		const cJSON *it;
		size_t len = name->len;
		/* only at the top: a "metrics" deeper down is no table */
		const cJSON *table = memchr(name->buf, '.', len) ? NULL : mlg_report__metrics(v);

		cJSON_ArrayForEach(it, v) {
			if (table && it == table) {
				add_metric_properties(x, table);
				continue;
			}
			mlg_strbuf_addch(name, '.');
			mlg_strbuf_addstr(name, it->string);
			add_properties(x, name, it);
			name->len = len;
			name->buf[len] = '\0';
		}
		return;
	}
	if (cJSON_IsString(v)) {
		add_property(x, name->buf, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		add_property(x, name->buf, mlg_format_number(v->valuedouble, buf));
	} else {
		char *text = cJSON_PrintUnformatted(v);

		add_property(x, name->buf, text ? text : "null");
		cJSON_free(text);
	}
}

static void add_properties_of(struct xml_out *x, const char *prefix, const cJSON *v)
{
	struct mlg_strbuf name = MLG_STRBUF_INIT;

	mlg_strbuf_addstr(&name, prefix);
	add_properties(x, &name, v);
	mlg_strbuf_release(&name);
}

/* The failure body: message, observed vs expected, examples, details. */
static char *failure_body(const struct mlg_result *r)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	char *o = mlg_report__observed_text(r->observed), *e = cJSON_PrintUnformatted(r->expected);
	const cJSON *ex;

	mlg_strbuf_addf(&sb, "%s\nobserved: %s\nexpected: %s\n", r->message ? r->message : "",
			o ? o : "{}", e ? e : "{}");
	cJSON_free(o);
	cJSON_free(e);
	if (mlg_report__metrics(r->observed)) {
		mlg_strbuf_addstr(&sb, "metrics:\n");
		mlg_report__metrics_text(&sb, r->observed, "  ", 0, 0, JUNIT_METRIC_ROWS);
	}
	if (cJSON_GetArraySize(r->examples)) {
		mlg_strbuf_addf(&sb, "examples (%llu in all):\n", (unsigned long long)r->nexamples);
		cJSON_ArrayForEach(ex, r->examples) {
			char *t = cJSON_PrintUnformatted(ex);

			mlg_strbuf_addf(&sb, "  %s\n", t ? t : "");
			cJSON_free(t);
		}
	}
	if (r->details)
		mlg_strbuf_addf(&sb, "%s", r->details);
	return mlg_strbuf_detach(&sb);
}

static void add_testcase(struct xml_out *x, const struct mlg_run *run, size_t i)
{
	const struct mlg_check *c = &run->suite->checks[i];
	const struct mlg_result *r = &run->results[i];
	char *body;
	const char *msg = r->message ? r->message : "";

	start(x, 2, "testcase");
	attr(x, "classname", c->kind->name);
	attr(x, "name", c->name);
	attrf(x, "time", "%.3f", r->duration_s);
	attr(x, "file", run->suite->file);
	attrf(x, "line", "%d", c->line);
	start_end(x);

	start(x, 3, "properties");
	start_end(x);
	add_property(x, "id", c->id);
	add_property(x, "severity", c->severity_warn ? "warn" : "error");
	add_property(x, "status", mlg_status_name(r->status));
	add_properties_of(x, "observed", r->observed);
	add_properties_of(x, "expected", r->expected);
	end(x, 3, "properties");

	switch (r->status) {
	case MLG_STATUS_PASSED:
	case MLG_STATUS_SKIPPED:
		if (r->status == MLG_STATUS_SKIPPED) {
			start(x, 3, "skipped");
			attr(x, "message", msg);
			empty_end(x);
		}
		/* a passed model check's table: CI pages show a testcase's output */
		if (mlg_report__metrics(r->observed)) {
			struct mlg_strbuf sb = MLG_STRBUF_INIT;

			mlg_strbuf_addf(&sb, "%s\nmetrics:\n", msg);
			mlg_report__metrics_text(&sb, r->observed, "  ", 0, 0, JUNIT_METRIC_ROWS);
			text_element(x, 3, "system-out", sb.buf);
			mlg_strbuf_release(&sb);
		}
		break;
	case MLG_STATUS_FAILED:
	case MLG_STATUS_ERROR:
		body = failure_body(r);
		if (c->severity_warn) {
			/* A warning does not close the gate: not a JUnit failure,
			 * but visible in the test's output. */
			char *text = mlg_xasprintf("warning (%s): %s", mlg_status_name(r->status), body);

			text_element(x, 3, "system-out", text);
			free(text);
		} else {
			const char *el = r->status == MLG_STATUS_FAILED ? "failure" : "error";

			start(x, 3, el);
			attr(x, "message", msg);
			attr(x, "type", c->kind->name);
			text_end(x, el, body);
		}
		free(body);
		break;
	}
	end(x, 2, "testcase");
}

/*
 * The failing cases an infra.junit check imported (its kept examples), each
 * a testcase of its own named as the imported report named it, so that CI
 * pages list them beside mlgate's checks. They are failures only when the
 * check itself failed and gates; tolerated ones (within max_failures, or a
 * warn check) are shown as output. With `x` NULL, only counts: returns the
 * testcases and adds the failures and errors among them to *f / *e.
 */
static size_t imported(struct xml_out *x, const struct mlg_run *run, size_t i, size_t *f, size_t *e)
{
	const struct mlg_check *c = &run->suite->checks[i];
	const struct mlg_result *r = &run->results[i];
	int gating = !c->severity_warn && r->status == MLG_STATUS_FAILED;
	const cJSON *ex;
	size_t n = 0;

	if (strcmp(c->kind->name, "infra.junit"))
		return 0;
	cJSON_ArrayForEach(ex, r->examples) {
		const char *classname = mlg_json_string(ex, "classname"), *name = mlg_json_string(ex, "name");
		const char *status = mlg_json_string(ex, "status"), *message = mlg_json_string(ex, "message");
		const char *file = mlg_json_string(ex, "file"), *type = mlg_json_string(ex, "type");
		const cJSON *line = cJSON_GetObjectItemCaseSensitive(ex, "line");
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(ex, "time_s");
		int is_error = status && !strcmp(status, "error");

		if (!classname || !name)
			continue;
		n++;
		if (gating) {
			*e += is_error;
			*f += !is_error;
		}
		if (!x)
			continue;
		start(x, 2, "testcase");
		attr(x, "classname", classname);
		attr(x, "name", name);
		attrf(x, "time", "%.3f", cJSON_IsNumber(t) ? t->valuedouble : 0.0);
		attr(x, "file", file ? file : run->suite->file);
		attrf(x, "line", "%d", file && cJSON_IsNumber(line) ? (int)line->valuedouble : c->line);
		start_end(x);
		start(x, 3, "properties");
		start_end(x);
		add_property(x, "imported_by", c->id);
		end(x, 3, "properties");
		if (gating) {
			const char *el = is_error ? "error" : "failure";

			start(x, 3, el);
			attr(x, "message", message ? message : "");
			attr(x, "type", type ? type : status ? status : "failed");
			text_end(x, el, message ? message : "");
		} else {
			char *text = mlg_xasprintf("%s (tolerated by %s): %s", status ? status : "failed", c->id,
						   message ? message : "");

			text_element(x, 3, "system-out", text);
			free(text);
		}
		end(x, 2, "testcase");
	}
	return n;
}

static int counts_as(const struct mlg_run *run, size_t i, enum mlg_status st)
{
	return run->results[i].status == st && !run->suite->checks[i].severity_warn;
}

/* Counts of one category's checks (all categories: `category` NULL). */
struct junit_counts {
	size_t tests, failures, errors, skipped;
	double time_s;
};

static void count(const struct mlg_run *run, const char *category, struct junit_counts *n)
{
	char cat[32];

	memset(n, 0, sizeof(*n));
	for (size_t i = 0; i < run->suite->nchecks; i++) {
		if (category && strcmp(mlg_kind_category(run->suite->checks[i].kind, cat, sizeof(cat)), category))
			continue;
		n->tests++;
		n->tests += imported(NULL, run, i, &n->failures, &n->errors);
		n->failures += counts_as(run, i, MLG_STATUS_FAILED);
		n->errors += counts_as(run, i, MLG_STATUS_ERROR);
		n->skipped += run->results[i].status == MLG_STATUS_SKIPPED;
		n->time_s += run->results[i].duration_s;
	}
}

static void count_attrs(struct xml_out *x, const struct junit_counts *n)
{
	attrf(x, "tests", "%zu", n->tests);
	attrf(x, "failures", "%zu", n->failures);
	attrf(x, "errors", "%zu", n->errors);
	attrf(x, "skipped", "%zu", n->skipped);
}

char *mlg_report_junit(const struct mlg_run *run, size_t *len)
{
	struct xml_out x = { MLG_STRBUF_INIT };
	char when[32], cat[32];
	struct tm tm;
	struct junit_counts all, n;
	size_t k;

	gmtime_r(&run->started, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	mlg_strbuf_addstr(&x.sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	/* the root's counts are those of the checks in the three categories */
	memset(&all, 0, sizeof(all));
	for (k = 0; k < sizeof(categories) / sizeof(categories[0]); k++) {
		count(run, categories[k], &n);
		all.tests += n.tests;
		all.failures += n.failures;
		all.errors += n.errors;
		all.skipped += n.skipped;
	}
	start(&x, 0, "testsuites");
	attr(&x, "name", run->suite->name);
	count_attrs(&x, &all);
	attrf(&x, "time", "%.3f", run->duration_s);
	attr(&x, "timestamp", when);
	if (!all.tests) {
		empty_end(&x);
		goto done;
	}
	start_end(&x);
	for (k = 0; k < sizeof(categories) / sizeof(categories[0]); k++) {
		count(run, categories[k], &n);
		if (!n.tests)
			continue;
		start(&x, 1, "testsuite");
		attrf(&x, "name", "mlgate.%s", categories[k]);
		count_attrs(&x, &n);
		attrf(&x, "time", "%.3f", n.time_s);
		attr(&x, "timestamp", when);
		start_end(&x);
		for (size_t i = 0; i < run->suite->nchecks; i++)
			if (!strcmp(mlg_kind_category(run->suite->checks[i].kind, cat, sizeof(cat)), categories[k])) {
				size_t f = 0, e = 0;

				add_testcase(&x, run, i);
				imported(&x, run, i, &f, &e);
			}
		end(&x, 1, "testsuite");
	}
	end(&x, 0, "testsuites");
done:
	*len = x.sb.len;
	return mlg_strbuf_detach(&x.sb);
}

int mlg_report_write_junit(const struct mlg_run *run, const char *path)
{
	size_t len;
	char *xml = mlg_report_junit(run, &len);
	int error = mlg_write_atomic(path, xml, len);

	free(xml);
	return error;
}
