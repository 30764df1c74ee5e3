/*
 * JUnit XML, written with libxml2 (DESIGN.md section 5): one <testsuite>
 * per category inside <testsuites name="SUITE">, a <testcase> per check.
 * Valid against the Jenkins xunit junit-10 schema with the additions
 * GitLab and the GitHub reporters read (tests/data/spec/junit-mlgate.xsd).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include "jsonc.h"
#include "mlgate/error.h"
#include "mlgate/report.h"
#include "report_internal.h"
#include "text.h"
#include "util.h"

static const char *const categories[] = { "data", "model", "infra" };

static void set_prop(xmlNodePtr node, const char *name, const char *value)
{
	char *clean = mlg_text_clean(value, 1);

	xmlNewProp(node, BAD_CAST name, BAD_CAST clean);
	free(clean);
}

static void set_propf(xmlNodePtr node, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_propf(xmlNodePtr node, const char *name, const char *fmt, ...)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	mlg_strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	set_prop(node, name, sb.buf);
	mlg_strbuf_release(&sb);
}

static xmlNodePtr add_text_child(xmlNodePtr parent, const char *name, const char *text)
{
	char *clean = mlg_text_clean(text, 1);
	xmlNodePtr n = xmlNewTextChild(parent, NULL, BAD_CAST name, BAD_CAST clean);

	free(clean);
	return n;
}

/* Rows of a metrics table in the text of a testcase, as in the terminal. */
#define JUNIT_METRIC_ROWS 20
/* Properties for the whole-dataset rows of a metrics table, at most. */
#define JUNIT_METRIC_PROPERTIES 20

static void add_property(xmlNodePtr props, const char *name, const char *value)
{
	xmlNodePtr p = xmlNewChild(props, NULL, BAD_CAST "property", NULL);

	set_prop(p, "name", name);
	set_prop(p, "value", value);
}

/*
 * A metrics table (observed.metrics) as properties would be one property
 * holding the whole array as JSON, tens of kilobytes with slices: only the
 * whole-dataset rows become properties ("observed.metrics.roc_auc"); the
 * table goes into the testcase's text.
 */
static void add_metric_properties(xmlNodePtr props, const cJSON *metrics)
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
		add_property(props, name,
			     cJSON_IsNumber(value) ? mlg_format_number(value->valuedouble, buf) : "n/a");
		free(name);
	}
}

/* Observed and expected values flattened to name="observed.a.b" properties. */
static void add_properties(xmlNodePtr props, const char *prefix, const cJSON *v)
{
	char buf[32];

	if (cJSON_IsObject(v)) {
		const cJSON *it;
		/* only at the top: a "metrics" deeper down is no table */
		const cJSON *table = strchr(prefix, '.') ? NULL : mlg_report__metrics(v);

		cJSON_ArrayForEach(it, v) {
			char *name;

			if (table && it == table) {
				add_metric_properties(props, table);
				continue;
			}
			name = mlg_xasprintf("%s.%s", prefix, it->string);

			add_properties(props, name, it);
			free(name);
		}
		return;
	}
	{
		xmlNodePtr p = xmlNewChild(props, NULL, BAD_CAST "property", NULL);
		char *text = NULL;

		set_prop(p, "name", prefix);
		if (cJSON_IsString(v)) {
			set_prop(p, "value", v->valuestring);
		} else if (cJSON_IsNumber(v)) {
			set_prop(p, "value", mlg_format_number(v->valuedouble, buf));
		} else {
			text = cJSON_PrintUnformatted(v);
			set_prop(p, "value", text ? text : "null");
			cJSON_free(text);
		}
	}
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

static void add_testcase(xmlNodePtr suite_node, const struct mlg_run *run, size_t i)
{
	const struct mlg_check *c = &run->suite->checks[i];
	const struct mlg_result *r = &run->results[i];
	xmlNodePtr tc = xmlNewChild(suite_node, NULL, BAD_CAST "testcase", NULL), props, el;
	char *body;
	const char *msg = r->message ? r->message : "";

	set_prop(tc, "classname", c->kind->name);
	set_prop(tc, "name", c->name);
	set_propf(tc, "time", "%.3f", r->duration_s);
	set_prop(tc, "file", run->suite->file);
	set_propf(tc, "line", "%d", c->line);

	props = xmlNewChild(tc, NULL, BAD_CAST "properties", NULL);
	{
		xmlNodePtr p = xmlNewChild(props, NULL, BAD_CAST "property", NULL);

		set_prop(p, "name", "id");
		set_prop(p, "value", c->id);
		p = xmlNewChild(props, NULL, BAD_CAST "property", NULL);
		set_prop(p, "name", "severity");
		set_prop(p, "value", c->severity_warn ? "warn" : "error");
		p = xmlNewChild(props, NULL, BAD_CAST "property", NULL);
		set_prop(p, "name", "status");
		set_prop(p, "value", mlg_status_name(r->status));
	}
	add_properties(props, "observed", r->observed);
	add_properties(props, "expected", r->expected);

	switch (r->status) {
	case MLG_STATUS_PASSED:
	case MLG_STATUS_SKIPPED:
		if (r->status == MLG_STATUS_SKIPPED) {
			el = xmlNewChild(tc, NULL, BAD_CAST "skipped", NULL);
			set_prop(el, "message", msg);
		}
		/* a passed model check's table: CI pages show a testcase's output */
		if (mlg_report__metrics(r->observed)) {
			struct mlg_strbuf sb = MLG_STRBUF_INIT;

			mlg_strbuf_addf(&sb, "%s\nmetrics:\n", msg);
			mlg_report__metrics_text(&sb, r->observed, "  ", 0, 0, JUNIT_METRIC_ROWS);
			add_text_child(tc, "system-out", sb.buf);
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

			add_text_child(tc, "system-out", text);
			free(text);
		} else {
			el = add_text_child(tc, r->status == MLG_STATUS_FAILED ? "failure" : "error", body);
			set_prop(el, "message", msg);
			set_prop(el, "type", c->kind->name);
		}
		free(body);
		break;
	}
}

/*
 * The failing cases an infra.junit check imported, each as a testcase of
 * its own (named as the imported report named it), so that CI pages list
 * them beside mlgate's checks. They are failures only when the check
 * itself failed and gates; tolerated ones (within max_failures, or a warn
 * check) are shown as output. Returns how many testcases were added and
 * adds to *f / *e the failures and errors among them.
 */
static size_t add_imported(xmlNodePtr suite_node, const struct mlg_run *run, size_t i, size_t *f,
			   size_t *e)
{
	const struct mlg_check *c = &run->suite->checks[i];
	const struct mlg_result *r = &run->results[i];
	int gating = !c->severity_warn && (r->status == MLG_STATUS_FAILED);
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
		xmlNodePtr tc, props, p, el;

		if (!classname || !name)
			continue;
		tc = xmlNewChild(suite_node, NULL, BAD_CAST "testcase", NULL);
		set_prop(tc, "classname", classname);
		set_prop(tc, "name", name);
		set_propf(tc, "time", "%.3f", cJSON_IsNumber(t) ? t->valuedouble : 0.0);
		set_prop(tc, "file", file ? file : run->suite->file);
		set_propf(tc, "line", "%d", file && cJSON_IsNumber(line) ? (int)line->valuedouble : c->line);
		props = xmlNewChild(tc, NULL, BAD_CAST "properties", NULL);
		p = xmlNewChild(props, NULL, BAD_CAST "property", NULL);
		set_prop(p, "name", "imported_by");
		set_prop(p, "value", c->id);
		if (gating) {
			el = add_text_child(tc, is_error ? "error" : "failure", message ? message : "");
			set_prop(el, "message", message ? message : "");
			set_prop(el, "type", type ? type : status ? status : "failed");
			*e += is_error;
			*f += !is_error;
		} else {
			char *text = mlg_xasprintf("%s (tolerated by %s): %s", status ? status : "failed", c->id,
						   message ? message : "");

			add_text_child(tc, "system-out", text);
			free(text);
		}
		n++;
	}
	return n;
}

static int counts_as(const struct mlg_run *run, size_t i, enum mlg_status st)
{
	return run->results[i].status == st && !run->suite->checks[i].severity_warn;
}

char *mlg_report_junit(const struct mlg_run *run, size_t *len)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "testsuites");
	xmlChar *mem = NULL;
	int size = 0;
	char when[32], *out;
	struct tm tm;
	size_t tests = 0, failures = 0, errors = 0, skipped = 0;

	gmtime_r(&run->started, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	xmlDocSetRootElement(doc, root);
	set_prop(root, "name", run->suite->name);
	for (size_t k = 0; k < sizeof(categories) / sizeof(categories[0]); k++) {
		xmlNodePtr ts = NULL;
		size_t t = 0, f = 0, e = 0, s = 0;
		double time_s = 0;
		char cat[32];

		for (size_t i = 0; i < run->suite->nchecks; i++) {
			if (strcmp(mlg_kind_category(run->suite->checks[i].kind, cat, sizeof(cat)),
				   categories[k]))
				continue;
			if (!ts) {
				ts = xmlNewChild(root, NULL, BAD_CAST "testsuite", NULL);
				set_propf(ts, "name", "mlgate.%s", categories[k]);
			}
			add_testcase(ts, run, i);
			t++;
			t += add_imported(ts, run, i, &f, &e);
			f += counts_as(run, i, MLG_STATUS_FAILED);
			e += counts_as(run, i, MLG_STATUS_ERROR);
			s += run->results[i].status == MLG_STATUS_SKIPPED;
			time_s += run->results[i].duration_s;
		}
		if (!ts)
			continue;
		set_propf(ts, "tests", "%zu", t);
		set_propf(ts, "failures", "%zu", f);
		set_propf(ts, "errors", "%zu", e);
		set_propf(ts, "skipped", "%zu", s);
		set_propf(ts, "time", "%.3f", time_s);
		set_prop(ts, "timestamp", when);
		tests += t;
		failures += f;
		errors += e;
		skipped += s;
	}
	set_propf(root, "tests", "%zu", tests);
	set_propf(root, "failures", "%zu", failures);
	set_propf(root, "errors", "%zu", errors);
	set_propf(root, "skipped", "%zu", skipped);
	set_propf(root, "time", "%.3f", run->duration_s);
	set_prop(root, "timestamp", when);

	xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
	xmlFreeDoc(doc);
	if (!mem)
		mlg_die_oom();
	out = mlg_xstrndup((const char *)mem, (size_t)size);
	*len = (size_t)size;
	xmlFree(mem);
	return out;
}

int mlg_report_write_junit(const struct mlg_run *run, const char *path)
{
	size_t len;
	char *xml = mlg_report_junit(run, &len);
	int error = mlg_write_atomic(path, xml, len);

	free(xml);
	return error;
}
