/*
 * Unit tests for the reports of a run (runner/report_junit.c,
 * report_json.c, atomic.c), on a real run of the engine, and for the
 * metrics tables of model checks in the terminal report, the Markdown
 * summary and JUnit (report_term.c, report_summary.c; section f).
 *
 * The group setup writes a small CSV and a metrics file in a fresh folder
 * under /tmp, loads a suite of nine checks over them (passing, failing,
 * erroring, deselected, and a warn-severity failure) and runs it once with
 * one thread. The folder is removed at the end.
 *
 * Tests run from the repository root: the JUnit schema is read from
 * tests/data/spec/junit-mlgate.xsd.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "digest.h"
#include "report_internal.h"
#include "text.h"
#include "util.h"
#include "mlgate/engine.h"
#include "mlgate/error.h"
#include "mlgate/report.h"
#include "mlgate/suite.h"

#define XSD_PATH "tests/data/spec/junit-mlgate.xsd"

/* Characters XML cannot carry as they are: two control characters and the
 * noncharacter U+FFFE. (A suite cannot carry invalid UTF-8, overlongs or
 * encoded surrogates any more: the suite parser refuses them.) */
#define BAD_BYTES "\x01" "\x1b" "\xef\xbf\xbe"
/* Bytes that are valid UTF-8 in a data file but not in XML: the reader
 * rejects invalid UTF-8, so a data value can carry only these. */
#define BAD_CONTROL "\x01" "\x1b" "\xef\xbf\xbe"
/* The same in a JSON string of the suite: control characters escaped. */
#define BAD_JSON "\\u0001\\u001b" "\xef\xbf\xbe"

static const char csv_text[] = "id,amount,country\n"
			       "1,10,FR\n"
			       "2,-5,DE\n"
			       "3,\"" BAD_CONTROL "\",US\n"
			       "4,20,\n";

static const char metrics_text[] = "{\"test\": {\"auc\": 0.91, \"f1\": 0.5}}\n";

static const char suite_text[] =
	"{\n"                                                                              /* 1 */
	"  \"suite\": \"report-unit\",\n"                                                  /* 2 */
	"  \"datasets\": {\"train\": {\"path\": \"train.csv\"}},\n"                        /* 3 */
	"  \"checks\": [\n"                                                                /* 4 */
	"    {\"kind\": \"data.range\", \"id\": \"amount-range\", \"dataset\": \"train\", \"column\": \"amount\", \"min\": 0, \"max\": 100},\n" /* 5 */
	"    {\"kind\": \"data.not_null\", \"id\": \"id-not-null\", \"dataset\": \"train\", \"columns\": \"id\"},\n" /* 6 */
	"    {\"kind\": \"data.not_null\", \"id\": \"country-not-null\", \"dataset\": \"train\", \"columns\": \"country\", \"severity\": \"warn\"},\n" /* 7 */
	"    {\"kind\": \"data.row_count\", \"id\": \"rows-deselected\", \"dataset\": \"train\", \"min\": 1},\n" /* 8 */
	"    {\"kind\": \"model.metric\", \"id\": \"auc\", \"file\": \"metrics.json\", \"path\": \"test.auc\", \"min\": 0.9},\n" /* 9 */
	"    {\"kind\": \"model.metric\", \"id\": \"f1\", \"file\": \"metrics.json\", \"path\": \"test.f1\", \"min\": 0.8},\n" /* 10 */
	"    {\"kind\": \"model.metric\", \"file\": \"metrics.json\", \"path\": \"test." BAD_JSON "\", \"min\": 0},\n" /* 11 */
	"    {\"kind\": \"infra.file\", \"id\": \"metrics-file\", \"path\": \"metrics.json\", \"min_bytes\": 1},\n" /* 12 */
	"    {\"kind\": \"infra.file\", \"id\": \"model-file\", \"path\": \"model.bin\"}\n" /* 13 */
	"  ]\n"
	"}\n";

#define NCHECKS 9
static const char *const want_ids[NCHECKS] = {
	"amount-range", "id-not-null", "country-not-null", "rows-deselected", "auc", "f1",
	"model.metric:metrics.json:test." BAD_BYTES, "metrics-file", "model-file",
};
static const char *const want_status[NCHECKS] = {
	"failed", "passed", "failed", "skipped", "passed", "failed", "error", "passed", "failed",
};
static const int want_line[NCHECKS] = { 5, 6, 7, 8, 9, 10, 11, 12, 13 };

/* Every check but "rows-deselected". */
static const char *const patterns[] = { "amount-*", "*-not-null", "auc", "f1", "model.metric:*",
					"metrics-file", "model-file" };

static char tmpdir[PATH_MAX];
/* the run of the metrics table tests (section f), made on first use */
static struct mlg_suite *table_suite;
static struct mlg_run *table_run;
static char suite_file[PATH_MAX + 32];
static struct mlg_suite *suite;
static struct mlg_run *run1;

static void write_text(const char *name, const char *text, size_t len)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static int run_suite(struct mlg_run **out, int jobs)
{
	struct mlg_run_options opts = MLG_RUN_OPTIONS_INIT;

	opts.jobs = jobs;
	opts.patterns = patterns;
	opts.npatterns = sizeof(patterns) / sizeof(patterns[0]);
	return mlg_engine_run(out, suite, &opts);
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/mlgate-test-report-XXXXXX";
	char *real;
	struct mlg_diag d = MLG_DIAG_INIT;

	(void)state;
	if (!mkdtemp(tmpl))
		return -1;
	real = realpath(tmpl, NULL);
	if (!real)
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "%s", real);
	free(real);
	write_text("train.csv", csv_text, sizeof(csv_text) - 1);
	write_text("metrics.json", metrics_text, sizeof(metrics_text) - 1);
	snprintf(suite_file, sizeof(suite_file), "%s/mlgate.json", tmpdir);
	if (mlg_suite_load_text(&suite, suite_file, suite_text, sizeof(suite_text) - 1, &d) < 0) {
		for (size_t i = 0; i < d.count; i++)
			fprintf(stderr, "suite: %d:%d %s: %s\n", d.items[i].line, d.items[i].column,
				d.items[i].path, d.items[i].message);
		mlg_diag_release(&d);
		return -1;
	}
	mlg_diag_release(&d);
	if (suite->nchecks != NCHECKS)
		return -1;
	if (run_suite(&run1, 1) < 0)
		return -1;
	return 0;
}

/* Removes every file in tmpdir (the tests may leave some), then tmpdir. */
static int teardown(void **state)
{
	DIR *dir;
	struct dirent *e;

	(void)state;
	mlg_run_free(run1);
	mlg_suite_free(suite);
	mlg_run_free(table_run);
	mlg_suite_free(table_suite);
	dir = opendir(tmpdir);
	if (dir) {
		while ((e = readdir(dir))) {
			char path[PATH_MAX + 300];

			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
			if (unlink(path) < 0 && errno == EISDIR)
				rmdir(path);
			else if (errno == EPERM)
				rmdir(path);
		}
		closedir(dir);
	}
	rmdir(tmpdir);
	xmlCleanupParser();
	return 0;
}

/* ---- byte-level checks ---- */

/*
 * 0 when `s` is strict UTF-8 (no overlong forms, no surrogates, nothing
 * above U+10FFFF) and, with xml set, holds only characters XML 1.0 allows
 * (no C0 controls but tab, LF and CR; no U+FFFE or U+FFFF). Otherwise the
 * offset of the first bad byte, plus one.
 */
static size_t first_bad_byte(const unsigned char *s, size_t len, int xml)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		unsigned long cp;

		if (c < 0x80) {
			if (xml && c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				return i + 1;
			i++;
			continue;
		}
		if ((c & 0xE0) == 0xC0) {
			n = 2;
			cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			n = 3;
			cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			n = 4;
			cp = c & 0x07;
		} else {
			return i + 1;
		}
		if (i + n > len)
			return i + 1;
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return i + 1;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			return i + 1;
		if (xml && (cp == 0xFFFE || cp == 0xFFFF))
			return i + 1;
		i += n;
	}
	return 0;
}

/* ---- JUnit helpers ---- */

static xmlNodePtr nth_child(xmlNodePtr parent, const char *name, int nth)
{
	for (xmlNodePtr n = parent->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, name))
			continue;
		if (nth-- == 0)
			return n;
	}
	return NULL;
}

static int count_children(xmlNodePtr parent, const char *name)
{
	int k = 0;

	for (xmlNodePtr n = parent->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name))
			k++;
	return k;
}

/* The attribute's value, copied into a static buffer ("" when absent). */
static const char *attr(xmlNodePtr n, const char *name)
{
	static char buf[4096];
	xmlChar *v = xmlGetProp(n, BAD_CAST name);

	if (!v)
		fail_msg("<%s> has no attribute '%s'", n->name, name);
	snprintf(buf, sizeof(buf), "%s", (const char *)v);
	xmlFree(v);
	return buf;
}

static void attr_is(xmlNodePtr n, const char *name, const char *want)
{
	const char *got = attr(n, name);

	if (strcmp(got, want))
		fail_msg("<%s %s=\"%s\">, want \"%s\"", n->name, name, got, want);
}

/* "SUREFIRE_TIME" as mlgate writes it: digits, a dot, at most 3 decimals. */
static void time_ok(xmlNodePtr n)
{
	const char *t = attr(n, "time");
	const char *dot = strchr(t, '.');
	size_t i = 0;

	while (t[i] >= '0' && t[i] <= '9')
		i++;
	if (i == 0 || (t[i] && t[i] != '.'))
		fail_msg("<%s time=\"%s\">: not a plain decimal", n->name, t);
	if (dot) {
		size_t dec = strspn(dot + 1, "0123456789");

		if (dot[1 + dec] || dec > 3)
			fail_msg("<%s time=\"%s\">: more than 3 decimals", n->name, t);
	}
}

static xmlDocPtr junit_doc(const struct mlg_run *run, char **text_out, size_t *len_out)
{
	size_t len = 0;
	char *text = mlg_report_junit(run, &len);
	xmlDocPtr doc;

	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	doc = xmlReadMemory(text, (int)len, "junit.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
	if (!doc)
		fail_msg("JUnit output does not parse as XML:\n%s", text);
	if (text_out) {
		*text_out = text;
		*len_out = len;
	} else {
		free(text);
	}
	return doc;
}

/* 0 when `doc` is valid against the schema. */
static int validate(xmlDocPtr doc)
{
	xmlSchemaParserCtxtPtr pctx = xmlSchemaNewParserCtxt(XSD_PATH);
	xmlSchemaPtr schema;
	xmlSchemaValidCtxtPtr vctx;
	int rc;

	assert_non_null(pctx);
	schema = xmlSchemaParse(pctx);
	xmlSchemaFreeParserCtxt(pctx);
	if (!schema)
		fail_msg("cannot read %s (run the tests from the repository root)", XSD_PATH);
	vctx = xmlSchemaNewValidCtxt(schema);
	assert_non_null(vctx);
	rc = xmlSchemaValidateDoc(vctx, doc);
	xmlSchemaFreeValidCtxt(vctx);
	xmlSchemaFree(schema);
	return rc;
}

/* The property called `name` of a testcase, or NULL. */
static const char *property(xmlNodePtr tc, const char *name)
{
	static char buf[4096];
	xmlNodePtr props = nth_child(tc, "properties", 0);

	if (!props)
		return NULL;
	for (xmlNodePtr p = props->children; p; p = p->next) {
		xmlChar *n, *v;

		if (p->type != XML_ELEMENT_NODE)
			continue;
		n = xmlGetProp(p, BAD_CAST "name");
		if (n && !strcmp((const char *)n, name)) {
			v = xmlGetProp(p, BAD_CAST "value");
			snprintf(buf, sizeof(buf), "%s", v ? (const char *)v : "");
			xmlFree(v);
			xmlFree(n);
			return buf;
		}
		xmlFree(n);
	}
	return NULL;
}

static void property_is(xmlNodePtr tc, const char *name, const char *want)
{
	const char *got = property(tc, name);

	if (!got)
		fail_msg("testcase '%s' has no property '%s'", attr(tc, "name"), name);
	if (strcmp(got, want))
		fail_msg("testcase property %s = \"%s\", want \"%s\"", name, got, want);
}

/* ---- (a) JUnit: structure, counts, schema ---- */

static void test_junit_validates(void **state)
{
	xmlDocPtr doc;

	(void)state;
	doc = junit_doc(run1, NULL, NULL);
	if (validate(doc) != 0)
		fail_msg("JUnit output is not valid against %s", XSD_PATH);
	xmlFreeDoc(doc);
}

static void test_junit_counts(void **state)
{
	xmlDocPtr doc;
	xmlNodePtr root, ts;
	static const struct {
		const char *name;
		const char *tests, *failures, *errors, *skipped;
	} want[] = {
		{ "mlgate.data", "4", "1", "0", "1" },
		{ "mlgate.model", "3", "1", "1", "0" },
		{ "mlgate.infra", "2", "1", "0", "0" },
	};

	(void)state;
	doc = junit_doc(run1, NULL, NULL);
	root = xmlDocGetRootElement(doc);
	assert_string_equal((const char *)root->name, "testsuites");
	attr_is(root, "name", "report-unit");
	attr_is(root, "tests", "9");
	/* the warn-severity failure is not counted */
	attr_is(root, "failures", "3");
	attr_is(root, "errors", "1");
	attr_is(root, "skipped", "1");
	time_ok(root);
	assert_int_equal(strlen(attr(root, "timestamp")), 19);
	assert_int_equal(count_children(root, "testsuite"), 3);
	for (int k = 0; k < 3; k++) {
		ts = nth_child(root, "testsuite", k);
		assert_non_null(ts);
		attr_is(ts, "name", want[k].name);
		attr_is(ts, "tests", want[k].tests);
		attr_is(ts, "failures", want[k].failures);
		attr_is(ts, "errors", want[k].errors);
		attr_is(ts, "skipped", want[k].skipped);
		time_ok(ts);
		assert_int_equal(count_children(ts, "testcase"), atoi(want[k].tests));
		/* the counts agree with the elements */
		{
			int f = 0, e = 0, s = 0;
			xmlNodePtr tc;

			for (int i = 0; (tc = nth_child(ts, "testcase", i)); i++) {
				f += count_children(tc, "failure");
				e += count_children(tc, "error");
				s += count_children(tc, "skipped");
			}
			assert_int_equal(f, atoi(want[k].failures));
			assert_int_equal(e, atoi(want[k].errors));
			assert_int_equal(s, atoi(want[k].skipped));
		}
	}
	xmlFreeDoc(doc);
}

static void test_junit_testcases(void **state)
{
	xmlDocPtr doc;
	xmlNodePtr root, tc;
	static const char *const kinds[NCHECKS] = {
		"data.range",   "data.not_null", "data.not_null", "data.row_count", "model.metric",
		"model.metric", "model.metric",  "infra.file",    "infra.file",
	};
	static const int suite_of[NCHECKS] = { 0, 0, 0, 0, 1, 1, 1, 2, 2 };
	static const int pos_in[NCHECKS] = { 0, 1, 2, 3, 0, 1, 2, 0, 1 };
	char line[16];

	(void)state;
	doc = junit_doc(run1, NULL, NULL);
	root = xmlDocGetRootElement(doc);
	for (int i = 0; i < NCHECKS; i++) {
		tc = nth_child(nth_child(root, "testsuite", suite_of[i]), "testcase", pos_in[i]);
		assert_non_null(tc);
		attr_is(tc, "classname", kinds[i]);
		attr_is(tc, "file", suite_file);
		snprintf(line, sizeof(line), "%d", want_line[i]);
		attr_is(tc, "line", line);
		time_ok(tc);
		if (i != 6) {
			attr_is(tc, "name", want_ids[i]);
			property_is(tc, "id", want_ids[i]);
		}
		property_is(tc, "severity", i == 2 ? "warn" : "error");
		property_is(tc, "status", want_status[i]);
	}

	/* a failure: <failure message type> with the details in its text */
	tc = nth_child(nth_child(root, "testsuite", 0), "testcase", 0);
	{
		xmlNodePtr f = nth_child(tc, "failure", 0);
		xmlChar *body;

		assert_non_null(f);
		attr_is(f, "type", "data.range");
		attr_is(f, "message",
			"1 of 4 values of amount are below 0; 1 of 4 values of amount are not numbers");
		body = xmlNodeGetContent(f);
		assert_non_null(strstr((const char *)body, "observed: {"));
		assert_non_null(strstr((const char *)body, "examples (2 in all):"));
		assert_non_null(strstr((const char *)body, "\"row\":2"));
		assert_non_null(strstr((const char *)body, "\"row\":3"));
		xmlFree(body);
		property_is(tc, "observed.rows", "4");
		property_is(tc, "observed.below_min", "1");
		property_is(tc, "observed.not_numeric", "1");
		property_is(tc, "expected.min", "0");
		property_is(tc, "expected.max", "100");
		property_is(tc, "expected.strict", "false");
	}

	/* the warn-severity failure: not a <failure>, but in <system-out> */
	tc = nth_child(nth_child(root, "testsuite", 0), "testcase", 2);
	assert_int_equal(count_children(tc, "failure"), 0);
	assert_int_equal(count_children(tc, "error"), 0);
	assert_int_equal(count_children(tc, "system-out"), 1);
	{
		xmlChar *out = xmlNodeGetContent(nth_child(tc, "system-out", 0));

		assert_true(!strncmp((const char *)out, "warning (failed): 1 of 4 values of country are null",
				     strlen("warning (failed): 1 of 4 values of country are null")));
		xmlFree(out);
	}

	/* the deselected check: <skipped message> */
	tc = nth_child(nth_child(root, "testsuite", 0), "testcase", 3);
	assert_int_equal(count_children(tc, "skipped"), 1);
	attr_is(nth_child(tc, "skipped", 0), "message", "deselected by -k/--tag");

	/* passed: no failure, error, skipped or output */
	tc = nth_child(nth_child(root, "testsuite", 1), "testcase", 0);
	assert_int_equal(count_children(tc, "failure") + count_children(tc, "error") +
				 count_children(tc, "skipped") + count_children(tc, "system-out"),
			 0);

	/* an error: <error> */
	tc = nth_child(nth_child(root, "testsuite", 1), "testcase", 2);
	assert_int_equal(count_children(tc, "error"), 1);
	assert_int_equal(count_children(tc, "failure"), 0);
	attr_is(nth_child(tc, "error", 0), "type", "model.metric");

	/* an infra failure */
	tc = nth_child(nth_child(root, "testsuite", 2), "testcase", 1);
	attr_is(nth_child(tc, "failure", 0), "message", "'model.bin' does not exist");
	xmlFreeDoc(doc);
}

/* ---- (b) JUnit: bytes XML cannot carry ---- */

static void test_junit_bad_bytes(void **state)
{
	xmlDocPtr doc;
	xmlNodePtr root, tc, err;
	char *text;
	size_t len, bad;
	const char *msg;
	static const char prefix[] = "'metrics.json' has no value at 'test.\\x01\\x1B\xef\xbf\xbd";

	(void)state;
	doc = junit_doc(run1, &text, &len);
	/* no raw forbidden byte anywhere in the document */
	bad = first_bad_byte((const unsigned char *)text, len, 1);
	if (bad)
		fail_msg("forbidden byte 0x%02x at offset %zu of the JUnit XML: ...%.40s",
			 (unsigned char)text[bad - 1], bad - 1, text + (bad > 20 ? bad - 20 : 0));
	/* U+FFFE and the surrogate never appear, even escaped */
	assert_null(strstr(text, "\xef\xbf\xbe"));
	assert_null(strstr(text, "&#xFFFE;"));
	assert_null(strstr(text, "&#65534;"));
	assert_null(strstr(text, "&#x1;"));
	assert_null(strstr(text, "&#1;"));
	if (validate(doc) != 0)
		fail_msg("JUnit output with odd bytes is not valid against %s", XSD_PATH);

	root = xmlDocGetRootElement(doc);
	tc = nth_child(nth_child(root, "testsuite", 1), "testcase", 2);
	assert_non_null(tc);
	/* control characters become a visible \xNN; U+FFFE U+FFFD */
	msg = attr(tc, "name");
	assert_true(!strncmp(msg, "model.metric:metrics.json:test.\\x01\\x1B\xef\xbf\xbd",
			     strlen("model.metric:metrics.json:test.\\x01\\x1B\xef\xbf\xbd")));
	err = nth_child(tc, "error", 0);
	assert_non_null(err);
	msg = attr(err, "message");
	if (strncmp(msg, prefix, strlen(prefix)))
		fail_msg("error message '%s' does not start with '%s'", msg, prefix);
	assert_non_null(strstr(msg, "' in 'test' (keys: auc, f1)"));
	free(text);
	xmlFreeDoc(doc);
}

/* ---- (c) JSON results ---- */

static const cJSON *get(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v)
		fail_msg("no \"%s\" in the JSON results", key);
	return v;
}

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = get(o, key);

	if (!cJSON_IsNumber(v))
		fail_msg("\"%s\" is not a number", key);
	return v->valuedouble;
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = get(o, key);

	if (!cJSON_IsString(v))
		fail_msg("\"%s\" is not a string", key);
	return v->valuestring;
}

static void test_json_report(void **state)
{
	cJSON *doc;
	const cJSON *sum, *checks, *c, *ex, *inputs, *in;
	char sha[65];

	(void)state;
	doc = mlg_report_json(run1);
	assert_non_null(doc);
	assert_string_equal(str(doc, "schema"), "mlgate.results/v1");
	assert_string_equal(str(doc, "suite"), "report-unit");
	assert_int_equal(strlen(str(doc, "started")), 20);
	assert_true(num(doc, "duration_s") >= 0);
	assert_string_equal(str(doc, "gate"), "closed");
	assert_true(cJSON_IsFalse(get(doc, "complete")));
	assert_null(cJSON_GetObjectItemCaseSensitive(doc, "interrupted"));
	assert_string_equal(str(get(doc, "suite_file"), "path"), suite_file);
	mlg_sha256_hex(suite_text, sizeof(suite_text) - 1, sha);
	assert_string_equal(str(get(doc, "suite_file"), "sha256"), sha);

	sum = get(doc, "summary");
	assert_int_equal((int)num(sum, "total"), 9);
	assert_int_equal((int)num(sum, "selected"), 8);
	assert_int_equal((int)num(sum, "passed"), 3);
	assert_int_equal((int)num(sum, "failed"), 3);
	assert_int_equal((int)num(sum, "errors"), 1);
	assert_int_equal((int)num(sum, "skipped"), 1);
	assert_int_equal((int)num(sum, "warnings"), 1);

	/* inputs: the files read, sorted, relative to the suite, with digests */
	inputs = get(doc, "inputs");
	assert_int_equal(cJSON_GetArraySize(inputs), 2);
	in = cJSON_GetArrayItem(inputs, 0);
	assert_string_equal(str(in, "path"), "metrics.json");
	assert_int_equal((int)num(in, "bytes"), (int)sizeof(metrics_text) - 1);
	mlg_sha256_hex(metrics_text, sizeof(metrics_text) - 1, sha);
	assert_string_equal(str(in, "sha256"), sha);
	in = cJSON_GetArrayItem(inputs, 1);
	assert_string_equal(str(in, "path"), "train.csv");
	assert_int_equal((int)num(in, "bytes"), (int)sizeof(csv_text) - 1);
	mlg_sha256_hex(csv_text, sizeof(csv_text) - 1, sha);
	assert_string_equal(str(in, "sha256"), sha);

	/* checks in suite order */
	checks = get(doc, "checks");
	assert_int_equal(cJSON_GetArraySize(checks), NCHECKS);
	for (int i = 0; i < NCHECKS; i++) {
		c = cJSON_GetArrayItem(checks, i);
		{
			/* JSON must be UTF-8: any invalid bytes would come out as U+FFFD */
			char *want = mlg_text_clean(want_ids[i], 0);

			assert_string_equal(str(c, "id"), want);
			free(want);
		}
		assert_string_equal(str(c, "status"), want_status[i]);
		assert_string_equal(str(c, "severity"), i == 2 ? "warn" : "error");
		assert_string_equal(str(get(c, "source"), "file"), suite_file);
		assert_int_equal((int)num(get(c, "source"), "line"), want_line[i]);
		assert_true(cJSON_IsObject(get(c, "observed")));
		assert_true(cJSON_IsObject(get(c, "expected")));
		assert_true(num(c, "duration_s") >= 0);
	}
	assert_string_equal(str(cJSON_GetArrayItem(checks, 0), "category"), "data");
	assert_string_equal(str(cJSON_GetArrayItem(checks, 4), "category"), "model");
	assert_string_equal(str(cJSON_GetArrayItem(checks, 8), "category"), "infra");
	assert_string_equal(str(cJSON_GetArrayItem(checks, 0), "kind"), "data.range");

	/* the range check: observed values and examples with row numbers */
	c = cJSON_GetArrayItem(checks, 0);
	assert_string_equal(str(c, "message"),
			    "1 of 4 values of amount are below 0; 1 of 4 values of amount are not numbers");
	assert_int_equal((int)num(get(c, "observed"), "rows"), 4);
	assert_int_equal((int)num(get(c, "observed"), "below_min"), 1);
	assert_int_equal((int)num(get(c, "observed"), "not_numeric"), 1);
	assert_true(num(get(c, "observed"), "in_range_share") == 0.5);
	assert_true(num(get(c, "expected"), "max") == 100);
	assert_int_equal((int)num(c, "examples_total"), 2);
	ex = get(c, "examples");
	assert_int_equal(cJSON_GetArraySize(ex), 2);
	assert_int_equal((int)num(cJSON_GetArrayItem(ex, 0), "row"), 2);
	assert_string_equal(str(cJSON_GetArrayItem(ex, 0), "column"), "amount");
	assert_string_equal(str(cJSON_GetArrayItem(ex, 0), "value"), "-5");
	assert_string_equal(str(cJSON_GetArrayItem(ex, 0), "reason"), "below min");
	assert_int_equal((int)num(cJSON_GetArrayItem(ex, 1), "row"), 3);
	{
		char *want = mlg_text_clean(BAD_CONTROL, 0);

		assert_string_equal(str(cJSON_GetArrayItem(ex, 1), "value"), want);
		free(want);
	}
	assert_string_equal(str(cJSON_GetArrayItem(ex, 1), "reason"), "not a number");

	/* the warn-severity null check: a null example on row 4 */
	c = cJSON_GetArrayItem(checks, 2);
	ex = get(c, "examples");
	assert_int_equal(cJSON_GetArraySize(ex), 1);
	assert_int_equal((int)num(cJSON_GetArrayItem(ex, 0), "row"), 4);
	assert_true(cJSON_IsNull(get(cJSON_GetArrayItem(ex, 0), "value")));

	/* the deselected check */
	c = cJSON_GetArrayItem(checks, 3);
	assert_string_equal(str(c, "message"), "deselected by -k/--tag");
	assert_null(cJSON_GetObjectItemCaseSensitive(c, "examples"));

	/* the failing metric: observed and expected as numbers */
	c = cJSON_GetArrayItem(checks, 5);
	assert_string_equal(str(c, "message"), "test.f1 = 0.5, expected at least 0.8");
	assert_true(num(get(c, "observed"), "value") == 0.5);
	assert_true(num(get(c, "expected"), "min") == 0.8);
	cJSON_Delete(doc);
}

/* The results file is UTF-8 JSON (RFC 8259 8.1), whatever bytes a data
 * value or a suite string held. */
static void test_json_report_is_utf8(void **state)
{
	cJSON *doc;
	char *text;
	size_t bad;

	(void)state;
	doc = mlg_report_json(run1);
	text = cJSON_PrintUnformatted(doc);
	assert_non_null(text);
	bad = first_bad_byte((const unsigned char *)text, strlen(text), 0);
	if (bad) {
		size_t at = bad - 1;
		unsigned int byte = (unsigned char)text[at];

		cJSON_free(text);
		cJSON_Delete(doc);
		fail_msg("the JSON results are not valid UTF-8: byte 0x%02x at offset %zu", byte, at);
	}
	cJSON_free(text);
	cJSON_Delete(doc);
}

/* ---- (d) the same report whatever the number of threads ---- */

static char *normalized_json(const struct mlg_run *run)
{
	cJSON *doc = mlg_report_json(run), *c;
	char *text;

	cJSON_DeleteItemFromObjectCaseSensitive(doc, "started");
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "duration_s");
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(doc, "checks"))
		cJSON_DeleteItemFromObjectCaseSensitive(c, "duration_s");
	text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	assert_non_null(text);
	return text;
}

static void test_jobs_do_not_change_results(void **state)
{
	struct mlg_run *run4 = NULL, *runauto = NULL;
	char *a, *b, *c;

	(void)state;
	assert_int_equal(run_suite(&run4, 4), 0);
	assert_int_equal(run_suite(&runauto, 0), 0);
	a = normalized_json(run1);
	b = normalized_json(run4);
	c = normalized_json(runauto);
	if (strcmp(a, b))
		fail_msg("-j1 and -j4 differ:\n%s\n%s", a, b);
	if (strcmp(a, c))
		fail_msg("-j1 and -j(auto) differ:\n%s\n%s", a, c);
	cJSON_free(a);
	cJSON_free(b);
	cJSON_free(c);
	mlg_run_free(run4);
	mlg_run_free(runauto);
}

/* ---- edge runs: an empty suite, an interrupted run ---- */

static void test_empty_suite_reports(void **state)
{
	struct mlg_suite *empty = NULL;
	struct mlg_diag d = MLG_DIAG_INIT;
	struct mlg_run_options opts = MLG_RUN_OPTIONS_INIT;
	struct mlg_run *run = NULL;
	const char *text = "{\"suite\": \"empty\", \"checks\": []}";
	xmlDocPtr doc;
	xmlNodePtr root;
	cJSON *json;

	(void)state;
	assert_int_equal(mlg_suite_load_text(&empty, suite_file, text, strlen(text), &d), 0);
	mlg_diag_release(&d);
	assert_int_equal(mlg_engine_run(&run, empty, &opts), 0);
	doc = junit_doc(run, NULL, NULL);
	root = xmlDocGetRootElement(doc);
	attr_is(root, "tests", "0");
	attr_is(root, "failures", "0");
	assert_int_equal(count_children(root, "testsuite"), 0);
	if (validate(doc) != 0)
		fail_msg("JUnit of an empty suite is not valid");
	xmlFreeDoc(doc);
	json = mlg_report_json(run);
	assert_string_equal(str(json, "gate"), "open");
	assert_true(cJSON_IsTrue(get(json, "complete")));
	assert_int_equal(cJSON_GetArraySize(get(json, "checks")), 0);
	assert_int_equal((int)num(get(json, "summary"), "total"), 0);
	cJSON_Delete(json);
	assert_int_equal(mlg_run_exit_code(run), 0);
	mlg_run_free(run);
	mlg_suite_free(empty);
}

static void test_interrupted_run_reports(void **state)
{
	volatile sig_atomic_t cancel = 1;
	struct mlg_run_options opts = MLG_RUN_OPTIONS_INIT;
	struct mlg_run *run = NULL;
	xmlDocPtr doc;
	xmlNodePtr root;
	cJSON *json;
	const cJSON *c;

	(void)state;
	opts.jobs = 2;
	opts.patterns = patterns;
	opts.npatterns = sizeof(patterns) / sizeof(patterns[0]);
	opts.cancel = &cancel;
	assert_int_equal(mlg_engine_run(&run, suite, &opts), 0);
	assert_int_equal(run->interrupted, 1);
	assert_int_equal(mlg_run_exit_code(run), 130);
	doc = junit_doc(run, NULL, NULL);
	root = xmlDocGetRootElement(doc);
	attr_is(root, "tests", "9");
	/* eight selected checks never ran: errors, but the warn one is not counted */
	attr_is(root, "errors", "7");
	attr_is(root, "failures", "0");
	attr_is(root, "skipped", "1");
	if (validate(doc) != 0)
		fail_msg("JUnit of an interrupted run is not valid");
	xmlFreeDoc(doc);
	json = mlg_report_json(run);
	assert_true(cJSON_IsTrue(get(json, "interrupted")));
	assert_string_equal(str(json, "gate"), "closed");
	assert_true(cJSON_IsFalse(get(json, "complete")));
	c = cJSON_GetArrayItem(get(json, "checks"), 0);
	assert_string_equal(str(c, "status"), "error");
	assert_string_equal(str(c, "message"), "interrupted before it ran");
	c = cJSON_GetArrayItem(get(json, "checks"), 3);
	assert_string_equal(str(c, "status"), "skipped");
	assert_int_equal((int)num(get(json, "summary"), "errors"), 7);
	assert_int_equal((int)num(get(json, "summary"), "warnings"), 1);
	cJSON_Delete(json);
	mlg_run_free(run);
}

/* ---- (e) atomic writes ---- */

/* Number of entries of `dir` whose name contains ".tmp.". */
static int temp_files_in(const char *dir_path)
{
	DIR *dir = opendir(dir_path);
	struct dirent *e;
	int n = 0;

	assert_non_null(dir);
	while ((e = readdir(dir)))
		if (strstr(e->d_name, ".tmp."))
			n++;
	closedir(dir);
	return n;
}

static char *read_back(const char *path, size_t *len)
{
	char *text = NULL;

	if (mlg_read_file(path, &text, len) < 0)
		fail_msg("cannot read back %s: %s", path, mlg_error_last());
	return text;
}

static void test_write_atomic_ok(void **state)
{
	char path[PATH_MAX + 64];
	char *back;
	size_t len;
	struct stat st;
	mode_t old;

	(void)state;
	old = umask(022);
	snprintf(path, sizeof(path), "%s/out.xml", tmpdir);
	assert_int_equal(mlg_write_atomic(path, "first", 5), 0);
	back = read_back(path, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(back, "first", 5);
	free(back);
	assert_int_equal(temp_files_in(tmpdir), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	/* replacing an existing file, with bytes including a NUL */
	assert_int_equal(mlg_write_atomic(path, "a\0b", 3), 0);
	back = read_back(path, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(back, "a\0b", 3);
	free(back);
	/* an empty report */
	assert_int_equal(mlg_write_atomic(path, "", 0), 0);
	back = read_back(path, &len);
	assert_int_equal(len, 0);
	free(back);
	assert_int_equal(temp_files_in(tmpdir), 0);
	unlink(path);
	umask(old);
}

static void test_write_reports(void **state)
{
	char path[PATH_MAX + 64];
	char *back, *xml;
	size_t len, xlen;

	(void)state;
	snprintf(path, sizeof(path), "%s/junit.xml", tmpdir);
	assert_int_equal(mlg_report_write_junit(run1, path), 0);
	back = read_back(path, &len);
	xml = mlg_report_junit(run1, &xlen);
	/* the time stamps may not differ: the same run */
	assert_int_equal(len, xlen);
	assert_memory_equal(back, xml, len);
	free(back);
	free(xml);
	unlink(path);

	snprintf(path, sizeof(path), "%s/results.json", tmpdir);
	assert_int_equal(mlg_report_write_json(run1, path), 0);
	back = read_back(path, &len);
	assert_true(len > 0 && back[len - 1] == '\n');
	{
		cJSON *doc = cJSON_Parse(back);

		assert_non_null(doc);
		assert_string_equal(cJSON_GetObjectItemCaseSensitive(doc, "schema")->valuestring,
				    "mlgate.results/v1");
		cJSON_Delete(doc);
	}
	free(back);
	unlink(path);
	assert_int_equal(temp_files_in(tmpdir), 0);
}

static void test_write_atomic_missing_folder(void **state)
{
	char path[PATH_MAX + 64], folder[PATH_MAX + 32];
	struct stat st;

	(void)state;
	snprintf(folder, sizeof(folder), "%s/no-such-folder", tmpdir);
	snprintf(path, sizeof(path), "%s/out.json", folder);
	mlg_error_clear();
	assert_int_equal(mlg_write_atomic(path, "x", 1), MLG_ERROR);
	assert_non_null(strstr(mlg_error_last(), path));
	assert_int_equal(stat(folder, &st), -1);
	assert_int_equal(temp_files_in(tmpdir), 0);
}

static void test_write_atomic_onto_folder(void **state)
{
	char path[PATH_MAX + 64];
	struct stat st;

	(void)state;
	/* the target is a folder: the rename fails, the temp file goes */
	snprintf(path, sizeof(path), "%s/a-folder", tmpdir);
	assert_int_equal(mkdir(path, 0755), 0);
	mlg_error_clear();
	assert_int_equal(mlg_write_atomic(path, "x", 1), MLG_ERROR);
	assert_non_null(strstr(mlg_error_last(), path));
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(temp_files_in(tmpdir), 0);
	assert_int_equal(rmdir(path), 0);
}

static void test_write_atomic_read_only_folder(void **state)
{
	char folder[PATH_MAX + 32], path[PATH_MAX + 64];

	(void)state;
	if (geteuid() == 0) {
		print_message("skipping the read-only folder case: running as root\n");
		skip();
	}
	snprintf(folder, sizeof(folder), "%s/read-only", tmpdir);
	assert_int_equal(mkdir(folder, 0555), 0);
	snprintf(path, sizeof(path), "%s/out.json", folder);
	mlg_error_clear();
	assert_int_equal(mlg_write_atomic(path, "x", 1), MLG_ERROR);
	assert_non_null(strstr(mlg_error_last(), path));
	assert_int_equal(temp_files_in(folder), 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(rmdir(folder), 0);
}

/* ---- (f) metrics tables of model checks (observed.metrics) ---- */

/*
 * Model kinds put a table in observed.metrics (one object per metric and
 * slice). These tests run model.metric checks, then give their results
 * hand-built tables, as the model kinds will.
 */
static const char table_suite_text[] =
	"{\"suite\": \"metric-tables\", \"checks\": [\n"
	"  {\"kind\": \"model.metric\", \"id\": \"small\", \"file\": \"metrics.json\", \"path\": \"test.auc\", \"min\": 0},\n"
	"  {\"kind\": \"model.metric\", \"id\": \"sliced\", \"file\": \"metrics.json\", \"path\": \"test.auc\", \"min\": 0},\n"
	"  {\"kind\": \"model.metric\", \"id\": \"big\", \"file\": \"metrics.json\", \"path\": \"test.auc\", \"min\": 0},\n"
	"  {\"kind\": \"model.metric\", \"id\": \"hostile\", \"file\": \"metrics.json\", \"path\": \"test.auc\", \"min\": 0}\n"
	"]}\n";

enum { T_SMALL, T_SLICED, T_BIG, T_HOSTILE, T_NCHECKS };

static const char small_table[] =
	"[{\"metric\": \"accuracy\", \"rows\": 1000, \"value\": 0.8123456, \"bound\": \">= 0.5\", \"status\": \"passed\"},"
	" {\"metric\": \"roc_auc\", \"rows\": 1000, \"value\": 0.9123, \"baseline\": 0.92, \"delta\": -0.0077,"
	"  \"ci_low\": 0.9, \"ci_high\": 0.93, \"p_value\": 0.031, \"bound\": \">= 0.9\", \"status\": \"passed\"},"
	" {\"metric\": \"log_loss\", \"slice\": \"segment=s07\", \"rows\": 87, \"value\": 1.25, \"baseline\": 1.2,"
	"  \"delta\": 0.05, \"bound\": \"<= 1\", \"status\": \"failed\", \"why\": \"1.25 is above max 1\"}]";

static const char *const small_term =
	"FAIL  small  log_loss 1.25 is above max 1 in slice segment=s07 (0.00s)\n"
	"      metric    slice        rows   value  bound   baseline    delta  CI               p  status  why\n"
	"      accuracy  all          1000  0.8123  >= 0.5                                         passed\n"
	"      roc_auc   all          1000  0.9123  >= 0.9      0.92  -0.0077  [0.9, 0.93]  0.031  passed\n"
	"      log_loss  segment=s07    87    1.25  <= 1         1.2    +0.05                      failed  1.25 is above max 1\n";

/*
 * Slice values come from data: a terminal escape, a line break, a
 * right-to-left override, a pipe, wide characters, and one too long for
 * a column. The value of the error row is undefined.
 */
static const char hostile_table[] =
	"[{\"metric\": \"recall\", \"slice\": \"name=\\u001b[2Jx\\ny\", \"rows\": 3, \"value\": 0.5, \"status\": \"failed\", \"why\": \"0.5 is below min 0.9\"},"
	" {\"metric\": \"recall\", \"slice\": \"name=a|b\\u202etxt.exe\", \"rows\": 4, \"value\": 1, \"status\": \"failed\", \"why\": \"bidi\"},"
	" {\"metric\": \"recall\", \"slice\": \"city=\\u6771\\u4eac\", \"rows\": 5, \"value\": 0.25, \"status\": \"failed\", \"why\": \"wide\"},"
	" {\"metric\": \"recall\", \"slice\": \"city=Z\\u00fcrich\", \"rows\": 6, \"value\": 0.125, \"status\": \"failed\", \"why\": \"accent\"},"
	" {\"metric\": \"recall\", \"slice\": \"id=0123456789012345678901234567890123456789012345678901234567890123456789\", \"rows\": 1, \"value\": 0, \"status\": \"failed\"},"
	" {\"metric\": \"roc_auc\", \"slice\": \"city=Bern\", \"rows\": 2, \"status\": \"error\", \"why\": \"roc_auc is undefined: only one class in 'label'\"}]";

/* The slice column is 48 columns wide: 東京 takes 4 of them. */
static const char *const hostile_term =
	"FAIL  hostile  6 slices fail (0.00s)\n"
	"      metric   slice                                             rows  value  status  why\n"
	"      recall   name=\\x1B[2Jx y                                      3    0.5  failed  0.5 is below min 0.9\n"
	"      recall   name=a|b\\u202Etxt.exe                                4      1  failed  bidi\n"
	"      recall   city=\xe6\x9d\xb1\xe4\xba\xac                                            5   0.25  failed  wide\n"
	"      recall   city=Z\xc3\xbcrich                                          6  0.125  failed  accent\n"
	"      recall   id=01234567890123456789012345678901234567890123\xe2\x80\xa6     1      0  failed\n"
	"      roc_auc  city=Bern                                            2    n/a  error   roc_auc is undefined: only one class in 'label'\n";

/* Gives result `i` of table_run the status, message and table (JSON text). */
static void set_table(size_t i, enum mlg_status st, const char *message, cJSON *table)
{
	struct mlg_result *r = &table_run->results[i];

	assert_non_null(table);
	mlg_result_set(r, st, "%s", message);
	r->duration_s = 0;
	cJSON_DeleteItemFromObjectCaseSensitive(r->observed, "metrics");
	cJSON_AddItemToObject(r->observed, "metrics", table);
}

/* `n` rows of `metric` over slices segment=s00.., the first `failing` of them failed. */
static void add_slice_rows(cJSON *table, const char *metric, int n, int failing)
{
	for (int k = 0; k < n; k++) {
		cJSON *row = cJSON_CreateObject();
		char slice[32];

		snprintf(slice, sizeof(slice), "segment=s%02d", k);
		cJSON_AddStringToObject(row, "metric", metric);
		cJSON_AddStringToObject(row, "slice", slice);
		cJSON_AddNumberToObject(row, "rows", 1000 + k);
		cJSON_AddNumberToObject(row, "value", k < failing ? 0.5 : 0.95);
		cJSON_AddStringToObject(row, "bound", ">= 0.9");
		cJSON_AddStringToObject(row, "status", k < failing ? "failed" : "passed");
		if (k < failing)
			cJSON_AddStringToObject(row, "why", "0.5 is below min 0.9");
		cJSON_AddItemToArray(table, row);
	}
}

static void add_overall_row(cJSON *table, const char *metric, double value)
{
	cJSON *row = cJSON_CreateObject();

	cJSON_AddStringToObject(row, "metric", metric);
	cJSON_AddNumberToObject(row, "rows", 100000);
	cJSON_AddNumberToObject(row, "value", value);
	cJSON_AddStringToObject(row, "status", "passed");
	cJSON_AddItemToArray(table, row);
}

static void table_setup(void)
{
	struct mlg_diag d = MLG_DIAG_INIT;
	struct mlg_run_options opts = MLG_RUN_OPTIONS_INIT;
	cJSON *t;
	char long_why[320];

	if (table_run)
		return;
	if (mlg_suite_load_text(&table_suite, suite_file, table_suite_text, sizeof(table_suite_text) - 1,
				&d) < 0)
		fail_msg("cannot load the metric tables suite");
	mlg_diag_release(&d);
	opts.jobs = 1;
	assert_int_equal(mlg_engine_run(&table_run, table_suite, &opts), 0);
	assert_int_equal(table_suite->nchecks, T_NCHECKS);

	set_table(T_SMALL, MLG_STATUS_FAILED, "log_loss 1.25 is above max 1 in slice segment=s07",
		  cJSON_Parse(small_table));

	/* passed: 4 whole-dataset rows and 20 passed slices */
	t = cJSON_CreateArray();
	add_overall_row(t, "accuracy", 0.91);
	add_overall_row(t, "f1", 0.8);
	add_overall_row(t, "roc_auc", 0.95);
	add_overall_row(t, "log_loss", 0.3);
	add_slice_rows(t, "accuracy", 10, 0);
	add_slice_rows(t, "roc_auc", 10, 0);
	{
		/* a pipe in a slice value must not split the Markdown cell */
		cJSON *row = cJSON_GetArrayItem(t, 4);

		cJSON_ReplaceItemInObjectCaseSensitive(row, "slice", cJSON_CreateString("segment=a|b"));
		/* a long text cut where a two-byte character straddles the limit (300 bytes) */
		memset(long_why, 'a', 299);
		snprintf(long_why + 299, sizeof(long_why) - 299, "\xc3\xa9 and more");
		cJSON_AddStringToObject(row, "why", long_why);
	}
	set_table(T_SLICED, MLG_STATUS_PASSED, "4 metrics pass on the whole dataset and 20 slices", t);

	/* failed: 2 whole-dataset rows, 30 failed and 30 passed slices (62 rows) */
	t = cJSON_CreateArray();
	add_overall_row(t, "accuracy", 0.91);
	add_overall_row(t, "roc_auc", 0.95);
	add_slice_rows(t, "roc_auc", 60, 30);
	set_table(T_BIG, MLG_STATUS_FAILED, "roc_auc 0.5 is below min 0.9 in 30 slices", t);

	set_table(T_HOSTILE, MLG_STATUS_FAILED, "6 slices fail", cJSON_Parse(hostile_table));
}

/* The terminal line of check i, with its table. Caller frees. */
static char *term_line_of(size_t i, int color, int quiet)
{
	struct mlg_term_options opts = MLG_TERM_OPTIONS_INIT;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	opts.color = color;
	opts.quiet = quiet;
	mlg_report_term_line(f, &table_suite->checks[i], &table_run->results[i], &opts);
	assert_int_equal(fclose(f), 0);
	return text;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_term_metrics_table(void **state)
{
	char *text;

	(void)state;
	table_setup();
	text = term_line_of(T_SMALL, 0, 0);
	if (strcmp(text, small_term))
		fail_msg("terminal table:\n%s\nwant:\n%s", text, small_term);
	free(text);
	/* --quiet shows a failed check with its table */
	text = term_line_of(T_SMALL, 0, 1);
	assert_string_equal(text, small_term);
	free(text);
}

static void test_term_metrics_rows_shown(void **state)
{
	char *text;

	(void)state;
	table_setup();
	/* a passed check: its whole-dataset rows; no slice column, since none is shown */
	text = term_line_of(T_SLICED, 0, 0);
	assert_int_equal(count_lines(text), 1 + 1 + 4 + 1);
	assert_non_null(strstr(text, "\n      metric      rows  value  status\n"));
	assert_non_null(strstr(text, "\n      … 20 more rows in the JSON report\n"));
	free(text);
	/* and nothing under --quiet */
	text = term_line_of(T_SLICED, 0, 1);
	assert_string_equal(text, "");
	free(text);
	/* a failed one: whole-dataset rows, then failed slices, 20 rows at most */
	text = term_line_of(T_BIG, 0, 0);
	assert_int_equal(count_lines(text), 1 + 1 + 20 + 1);
	assert_non_null(strstr(text, "segment=s17"));
	assert_null(strstr(text, "segment=s18"));
	assert_null(strstr(text, "passed  \n"));
	assert_non_null(strstr(text, "\n      … 42 more rows in the JSON report (12 not passed)\n"));
	free(text);
}

static void test_term_metrics_hostile_text(void **state)
{
	char *text;

	(void)state;
	table_setup();
	text = term_line_of(T_HOSTILE, 0, 0);
	if (strcmp(text, hostile_term))
		fail_msg("terminal table:\n%s\nwant:\n%s", text, hostile_term);
	assert_null(strchr(text, '\033'));
	assert_null(strstr(text, "\xe2\x80\xae"));
	free(text);
}

static void test_term_metrics_colour(void **state)
{
	char *text;

	(void)state;
	table_setup();
	text = term_line_of(T_SMALL, 1, 0);
	assert_non_null(strstr(text, "\033[32mpassed\033[0m"));
	assert_non_null(strstr(text, "\033[31mfailed\033[0m"));
	/* colour codes take no room: the columns line up as without them */
	assert_non_null(strstr(text, "\n      \033[2mmetric    slice        rows   value  bound   baseline"));
	assert_non_null(strstr(text, "  \033[2mmetric    slice        rows   value  bound   baseline"));
	assert_non_null(strstr(text, "status  why\033[0m\n"));
	assert_non_null(strstr(text, "\n      accuracy  all          1000  0.8123  >= 0.5                                         \033[32mpassed\033[0m\n"));
	free(text);
	text = term_line_of(T_BIG, 0, 0);
	assert_null(strchr(text, '\033'));
	free(text);
}

static void test_term_summary_with_metrics(void **state)
{
	struct mlg_term_options opts = MLG_TERM_OPTIONS_INIT;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	table_setup();
	assert_non_null(f);
	mlg_report_term_summary(f, table_run, &opts);
	assert_int_equal(fclose(f), 0);
	/* observed without the table, which is under the check's line */
	assert_null(strstr(text, "\"metrics\""));
	assert_non_null(strstr(text, "   observed: {\"value\":0.91}\n   metrics: 62 rows, in the table under the check's line above\n"));
	free(text);
}

static void test_summary_metrics_tables(void **state)
{
	char *md;
	const char *p, *big, *sliced;
	int rows = 0;

	(void)state;
	table_setup();
	md = mlg_report_summary(table_run, 0);
	/* a problem: observed without the table, then the table */
	assert_non_null(strstr(md, "observed: {\"value\"&#58;0.91}  \n"));
	big = strstr(md, "**big**");
	assert_non_null(big);
	/* only the columns some row fills; numbers aligned right; 50 rows, then a note */
	p = strstr(big, "\n\n| metric | slice | rows | value | bound | status | why |\n"
			"|---|---|--:|--:|---|---|---|\n");
	assert_non_null(p);
	p = strstr(p, "---|\n") + strlen("---|\n");
	for (; !strncmp(p, "| ", 2); p = strchr(p, '\n') + 1)
		rows++;
	assert_int_equal(rows, 50);
	assert_true(!strncmp(p, "\n_… 12 more rows in the JSON results_\n",
			     strlen("\n_… 12 more rows in the JSON results_\n")));
	assert_non_null(strstr(big, "| roc&#95;auc | segment=s00 | 1000 | 0.5 | &gt;= 0.9 | ❌ failed | 0.5 is below min 0.9 |\n"));
	/* a passed check's table, folded as it is long */
	p = strstr(md, "### Model metrics\n\n");
	assert_non_null(p);
	sliced = strstr(p, "<details><summary>✅ sliced: 24 rows</summary>\n\n");
	assert_non_null(sliced);
	/* the pipe stays inside its cell */
	assert_non_null(strstr(sliced, "| accuracy | segment=a&#124;b | 1000 | 0.95 | &gt;= 0.9 | ✅ passed | aaaa"));
	/* cut after the character, not inside it */
	assert_non_null(strstr(sliced, "aaaa\xc3\xa9… |\n"));
	assert_int_equal(first_bad_byte((const unsigned char *)md, strlen(md), 0), 0);
	assert_non_null(strstr(sliced, "\n</details>\n"));
	/* hostile text is escaped: no terminal escape, a visible bidi override */
	assert_null(strchr(md, '\033'));
	assert_null(strstr(md, "\xe2\x80\xae"));
	assert_non_null(strstr(md, "| name=a&#124;b&#92;u202Etxt.exe |"));
	assert_non_null(strstr(md, "| roc&#95;auc | city=Bern | 2 | n/a | 💥 error | roc&#95;auc is undefined&#58; only one class in 'label' |\n"));
	free(md);
}

/* The testcase named `name`, anywhere in the JUnit document. */
static xmlNodePtr testcase_named(xmlDocPtr doc, const char *name)
{
	for (xmlNodePtr ts = xmlDocGetRootElement(doc)->children; ts; ts = ts->next)
		for (xmlNodePtr tc = ts->children; tc; tc = tc->next)
			if (tc->type == XML_ELEMENT_NODE && !strcmp(attr(tc, "name"), name))
				return tc;
	fail_msg("no testcase '%s'", name);
	return NULL;
}

static char *node_text(xmlNodePtr n)
{
	xmlChar *t = xmlNodeGetContent(n);
	char *copy = strdup(t ? (const char *)t : "");

	xmlFree(t);
	return copy;
}

static void test_junit_metrics_tables(void **state)
{
	xmlDocPtr doc;
	xmlNodePtr tc, props, el;
	char *text;
	int nprops = 0;

	(void)state;
	table_setup();
	doc = junit_doc(table_run, NULL, NULL);
	if (validate(doc) != 0)
		fail_msg("JUnit with metrics tables is not valid against %s", XSD_PATH);

	/* whole-dataset rows as properties; not the array as one huge property */
	tc = testcase_named(doc, "big");
	property_is(tc, "observed.metrics.accuracy", "0.91");
	property_is(tc, "observed.metrics.roc_auc", "0.95");
	property_is(tc, "observed.value", "0.91");
	assert_null(property(tc, "observed.metrics"));
	props = nth_child(tc, "properties", 0);
	for (xmlNodePtr p = props->children; p; p = p->next)
		nprops += p->type == XML_ELEMENT_NODE;
	assert_true(nprops < 10);
	/* the table in the failure text, as in the terminal */
	el = nth_child(tc, "failure", 0);
	assert_non_null(el);
	text = node_text(el);
	assert_null(strstr(text, "\"metrics\""));
	assert_non_null(strstr(text, "\nmetrics:\n  metric    slice          rows  value  bound   status  why\n"));
	assert_non_null(strstr(text, "  … 42 more rows in the JSON report (12 not passed)\n"));
	free(text);

	/* a passed check: its table as the testcase's output */
	tc = testcase_named(doc, "sliced");
	el = nth_child(tc, "system-out", 0);
	assert_non_null(el);
	text = node_text(el);
	assert_non_null(strstr(text, "metrics:\n  metric      rows  value  status\n  accuracy  100000   0.91  passed\n"));
	free(text);

	/* the hostile slice values are XML-safe */
	tc = testcase_named(doc, "hostile");
	text = node_text(nth_child(tc, "failure", 0));
	assert_non_null(strstr(text, "name=\\x1B[2Jx y"));
	free(text);
	xmlFreeDoc(doc);
}

/* Rows not as the format says: shown as they are, never a crash; non-objects skipped. */
static void test_metrics_text_malformed_rows(void **state)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	cJSON *observed = cJSON_Parse("{\"metrics\": [{\"metric\": 5, \"value\": \"x\"}, 7,"
				      " {\"status\": \"passed\", \"slice\": null}]}");
	char *text;

	(void)state;
	assert_non_null(observed);
	mlg_report__metrics_text(&sb, observed, "  ", 0, 0, 20);
	assert_string_equal(mlg_strbuf_str(&sb), "  metric  value  status\n"
						 "  5         n/a  ?\n"
						 "  ?         n/a  passed\n");
	mlg_strbuf_release(&sb);
	text = mlg_report__observed_text(observed);
	assert_string_equal(text, "{}");
	cJSON_free(text);
	cJSON_Delete(observed);
	/* an empty table is no table: observed is shown as it is */
	observed = cJSON_Parse("{\"rows\": 3, \"metrics\": []}");
	mlg_report__metrics_text(&sb, observed, "  ", 0, 0, 20);
	assert_string_equal(mlg_strbuf_str(&sb), "");
	text = mlg_report__observed_text(observed);
	assert_string_equal(text, "{\"rows\":3,\"metrics\":[]}");
	cJSON_free(text);
	cJSON_Delete(observed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_junit_validates),
		cmocka_unit_test(test_junit_counts),
		cmocka_unit_test(test_junit_testcases),
		cmocka_unit_test(test_junit_bad_bytes),
		cmocka_unit_test(test_json_report),
		cmocka_unit_test(test_json_report_is_utf8),
		cmocka_unit_test(test_jobs_do_not_change_results),
		cmocka_unit_test(test_empty_suite_reports),
		cmocka_unit_test(test_interrupted_run_reports),
		cmocka_unit_test(test_write_atomic_ok),
		cmocka_unit_test(test_write_reports),
		cmocka_unit_test(test_write_atomic_missing_folder),
		cmocka_unit_test(test_write_atomic_onto_folder),
		cmocka_unit_test(test_write_atomic_read_only_folder),
		cmocka_unit_test(test_term_metrics_table),
		cmocka_unit_test(test_term_metrics_rows_shown),
		cmocka_unit_test(test_term_metrics_hostile_text),
		cmocka_unit_test(test_term_metrics_colour),
		cmocka_unit_test(test_term_summary_with_metrics),
		cmocka_unit_test(test_summary_metrics_tables),
		cmocka_unit_test(test_junit_metrics_tables),
		cmocka_unit_test(test_metrics_text_malformed_rows),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
