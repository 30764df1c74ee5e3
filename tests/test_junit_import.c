/* Unit tests for the JUnit report importer (runner/junit_import.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/globals.h>
#include <libxml/xmlerror.h>

#include "mlgate/error.h"
#include "mlgate/junit_import.h"
#include "util.h"

/* A copy of one case, as a caller that keeps cases would make. */
struct kept {
	char *suite, *classname, *name, *file, *message, *type;
	long line;
	double time_s;
	enum mlg_junit_status status;
	int flaky;
};

/* What the tests' callback keeps: every case up to `max`, all counted. */
struct cases {
	struct kept *v;
	size_t n, max;
	uint64_t seen;
	size_t longest;   /* longest string handed over */
	int stop_after;   /* non-zero: return 42 after this many cases */
	const char *must_not_contain;
	int contained;
};

static void note_len(struct cases *c, const char *s)
{
	size_t n = strlen(s);

	if (n > c->longest)
		c->longest = n;
	if (c->must_not_contain && strstr(s, c->must_not_contain))
		c->contained = 1;
}

static int keep(const struct mlg_junit_case *tc, void *payload)
{
	struct cases *c = payload;
	struct kept *k;

	c->seen++;
	note_len(c, tc->suite);
	note_len(c, tc->classname);
	note_len(c, tc->name);
	note_len(c, tc->file);
	note_len(c, tc->message);
	note_len(c, tc->type);
	if (c->n < c->max) {
		k = &c->v[c->n++];
		k->suite = mlg_xstrdup(tc->suite);
		k->classname = mlg_xstrdup(tc->classname);
		k->name = mlg_xstrdup(tc->name);
		k->file = mlg_xstrdup(tc->file);
		k->message = mlg_xstrdup(tc->message);
		k->type = mlg_xstrdup(tc->type);
		k->line = tc->line;
		k->time_s = tc->time_s;
		k->status = tc->status;
		k->flaky = tc->flaky;
	}
	if (c->stop_after && c->seen == (uint64_t)c->stop_after)
		return 42;
	return 0;
}

static void cases_init(struct cases *c, size_t max)
{
	memset(c, 0, sizeof(*c));
	c->max = max;
	c->v = mlg_xcalloc(max ? max : 1, sizeof(*c->v));
}

static void cases_release(struct cases *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].suite);
		free(c->v[i].classname);
		free(c->v[i].name);
		free(c->v[i].file);
		free(c->v[i].message);
		free(c->v[i].type);
	}
	free(c->v);
}

/* Imports `xml` from memory into *t and *c (kept up to 64 cases). */
static int import_text(const char *xml, struct mlg_junit_totals *t, struct cases *c)
{
	struct mlg_junit_options o = MLG_JUNIT_OPTIONS_INIT;

	o.name = "junit.xml";
	o.on_case = keep;
	o.payload = c;
	return mlg_junit_import_memory(t, xml, strlen(xml), &o);
}

/* Verbatim in form from pytest 8's --junitxml (junit_family xunit2). */
static const char pytest_xml[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?><testsuites name=\"pytest tests\"><testsuite name=\"pytest\" "
	"errors=\"1\" failures=\"1\" skipped=\"2\" tests=\"5\" time=\"0.087\" timestamp=\"2025-03-04T10:11:12.345678+00:00\" "
	"hostname=\"ci-runner\"><testcase classname=\"tests.test_features\" name=\"test_scaler\" time=\"0.003\">"
	"<failure message=\"assert 0.5 == 0.25&#10; +  where 0.5 = scale(1)\">def test_scaler():\n"
	"&gt;       assert scale(1) == 0.25\nE       assert 0.5 == 0.25\n\ntests/test_features.py:12: AssertionError"
	"</failure></testcase>"
	"<testcase classname=\"tests.test_features\" name=\"test_encoder[a-1]\" time=\"0.001\" />"
	"<testcase classname=\"tests.test_features\" name=\"test_gpu\" time=\"0.000\"><skipped type=\"pytest.skip\" "
	"message=\"no GPU\">/repo/tests/test_features.py:30: no GPU</skipped></testcase>"
	"<testcase classname=\"tests.test_features\" name=\"test_known_bug\" time=\"0.001\"><skipped type=\"pytest.xfail\" "
	"message=\"issue 12\" /></testcase>"
	"<testcase classname=\"tests.test_features\" name=\"test_db\" time=\"0.010\"><error message=\"failed on setup "
	"with &quot;ConnectionError: refused&quot;\">fixture 'db' ...</error></testcase>"
	"</testsuite></testsuites>";

static void test_pytest(void **state)
{
	struct mlg_junit_totals t;
	struct cases c;

	(void)state;
	cases_init(&c, 64);
	assert_int_equal(import_text(pytest_xml, &t, &c), 0);
	assert_int_equal(t.tests, 5);
	assert_int_equal(t.passed, 1);
	assert_int_equal(t.failed, 1);
	assert_int_equal(t.errors, 1);
	assert_int_equal(t.skipped, 2);
	assert_int_equal(t.flaky, 0);
	assert_int_equal(t.suites, 1);
	assert_true(fabs(t.time_s - 0.015) < 1e-9);
	assert_int_equal(c.n, 5);
	assert_string_equal(c.v[0].suite, "pytest");
	assert_string_equal(c.v[0].classname, "tests.test_features");
	assert_string_equal(c.v[0].name, "test_scaler");
	assert_int_equal(c.v[0].status, MLG_JUNIT_FAILED);
	/* the first line of the message attribute (&#10; is a newline) */
	assert_string_equal(c.v[0].message, "assert 0.5 == 0.25");
	assert_true(fabs(c.v[0].time_s - 0.003) < 1e-12);
	assert_string_equal(c.v[1].name, "test_encoder[a-1]");
	assert_int_equal(c.v[1].status, MLG_JUNIT_PASSED);
	assert_string_equal(c.v[1].message, "");
	assert_int_equal(c.v[2].status, MLG_JUNIT_SKIPPED);
	assert_string_equal(c.v[2].message, "no GPU");
	assert_string_equal(c.v[2].type, "pytest.skip");
	assert_int_equal(c.v[3].status, MLG_JUNIT_SKIPPED);
	assert_string_equal(c.v[3].message, "issue 12");
	assert_int_equal(c.v[4].status, MLG_JUNIT_ERROR);
	assert_string_equal(c.v[4].message, "failed on setup with \"ConnectionError: refused\"");
	cases_release(&c);
}

/* Maven Surefire 3 with rerunFailingTestsCount: a flaky test and one that kept failing. */
static const char surefire_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<testsuite xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
	"xsi:noNamespaceSchemaLocation=\"https://maven.apache.org/surefire/maven-surefire-plugin/xsd/surefire-test-report-3.0.xsd\" "
	"version=\"3.0\" name=\"com.example.FeatureTest\" time=\"1,234.5\" tests=\"5\" errors=\"1\" skipped=\"1\" failures=\"1\">\n"
	"  <properties>\n    <property name=\"java.version\" value=\"17.0.9\"/>\n  </properties>\n"
	"  <testcase name=\"scales\" classname=\"com.example.FeatureTest\" time=\"1,234.5\"/>\n"
	"  <testcase name=\"encodes\" classname=\"com.example.FeatureTest\" time=\"0.02\">\n"
	"    <flakyFailure message=\"expected: &lt;1&gt; but was: &lt;2&gt;\" type=\"org.opentest4j.AssertionFailedError\">\n"
	"      <stackTrace><![CDATA[org.opentest4j.AssertionFailedError: expected: <1> but was: <2>\n\tat x]]></stackTrace>\n"
	"      <system-out><![CDATA[run 1]]></system-out>\n"
	"    </flakyFailure>\n"
	"  </testcase>\n"
	"  <testcase name=\"joins\" classname=\"com.example.FeatureTest\" time=\"0.01\">\n"
	"    <failure message=\"expected: &lt;3&gt; but was: &lt;4&gt;\" type=\"org.opentest4j.AssertionFailedError\"><![CDATA[trace]]></failure>\n"
	"    <rerunFailure message=\"expected: &lt;3&gt; but was: &lt;4&gt;\" type=\"org.opentest4j.AssertionFailedError\">\n"
	"      <stackTrace><![CDATA[trace]]></stackTrace>\n"
	"    </rerunFailure>\n"
	"  </testcase>\n"
	"  <testcase name=\"loads\" classname=\"com.example.FeatureTest\" time=\"0\">\n"
	"    <error type=\"java.lang.IllegalStateException\"><![CDATA[\n\n  java.lang.IllegalStateException: no model\n"
	"\tat com.example.FeatureTest.loads(FeatureTest.java:40)\n]]></error>\n"
	"    <system-out><![CDATA[loading...]]></system-out>\n"
	"  </testcase>\n"
	"  <testcase name=\"later\" classname=\"com.example.FeatureTest\" time=\"0\">\n"
	"    <skipped message=\"not yet\"/>\n"
	"  </testcase>\n"
	"</testsuite>\n";

static void test_surefire(void **state)
{
	struct mlg_junit_totals t;
	struct cases c;

	(void)state;
	cases_init(&c, 64);
	assert_int_equal(import_text(surefire_xml, &t, &c), 0);
	assert_int_equal(t.tests, 5);
	assert_int_equal(t.passed, 2);
	assert_int_equal(t.flaky, 1);
	assert_int_equal(t.failed, 1);
	assert_int_equal(t.errors, 1);
	assert_int_equal(t.skipped, 1);
	assert_int_equal(t.suites, 1);
	assert_string_equal(c.v[0].suite, "com.example.FeatureTest");
	/* "1,234.5": Surefire's grouping comma */
	assert_true(fabs(c.v[0].time_s - 1234.5) < 1e-9);
	assert_int_equal(c.v[1].status, MLG_JUNIT_PASSED);
	assert_int_equal(c.v[1].flaky, 1);
	assert_string_equal(c.v[1].message, "");
	assert_int_equal(c.v[2].status, MLG_JUNIT_FAILED);
	assert_int_equal(c.v[2].flaky, 0);
	assert_string_equal(c.v[2].message, "expected: <3> but was: <4>");
	assert_string_equal(c.v[2].type, "org.opentest4j.AssertionFailedError");
	/* no message attribute: the first line of the text */
	assert_int_equal(c.v[3].status, MLG_JUNIT_ERROR);
	assert_string_equal(c.v[3].message, "java.lang.IllegalStateException: no model");
	assert_int_equal(c.v[4].status, MLG_JUNIT_SKIPPED);
	assert_string_equal(c.v[4].message, "not yet");
	cases_release(&c);
}

static void test_nested_suites(void **state)
{
	static const char xml[] =
		"<testsuites>\n"
		" <testsuite name=\"all\">\n"
		"  <testsuite name=\"unit\">\n"
		"   <testsuite name=\"unit.features\"><testcase name=\"a\"/></testsuite>\n"
		"   <testcase name=\"b\"/>\n"
		"  </testsuite>\n"
		"  <testsuite name=\"empty\"/>\n"
		"  <testcase name=\"c\"/>\n"
		" </testsuite>\n"
		" <testcase name=\"d\"><system-out>x</system-out></testcase>\n"
		" <testsuites name=\"more\"><testsuite><testcase name=\"e\"/></testsuite></testsuites>\n"
		" <properties><testcase name=\"f\"/></properties>\n"
		"</testsuites>\n";
	struct mlg_junit_totals t;
	struct cases c;

	(void)state;
	cases_init(&c, 64);
	assert_int_equal(import_text(xml, &t, &c), 0);
	assert_int_equal(t.tests, 6);
	assert_int_equal(t.passed, 6);
	assert_int_equal(t.suites, 5);
	assert_string_equal(c.v[0].suite, "unit.features");
	assert_string_equal(c.v[1].suite, "unit");
	assert_string_equal(c.v[2].suite, "all");
	assert_string_equal(c.v[3].suite, "");
	assert_string_equal(c.v[3].name, "d");
	assert_string_equal(c.v[4].suite, "");
	/* a case is counted wherever it stands, so none can hide */
	assert_string_equal(c.v[5].name, "f");
	cases_release(&c);
}

static void test_missing_attributes(void **state)
{
	static const char xml[] =
		"<testsuite>"
		"<testcase/>"
		"<testcase name=\"t\" time=\"soon\" line=\"-3\"><failure/></testcase>"
		"<testcase name=\"u\" time=\"-1\"><failure type=\"AssertionError\"></failure></testcase>"
		"<testcase name=\"v\" time=\"0,25\" file=\"t.py\" line=\"7\"><error message=\"\">\n  \n</error></testcase>"
		"<testcase name=\"w\" status=\"notrun\"/>"
		"<testcase name=\"x\" status=\"run\" result=\"suppressed\"/>"
		"<testcase name=\"y\"><skipped/><failure message=\"worse\"/><skipped message=\"not better\"/></testcase>"
		"</testsuite>";
	struct mlg_junit_totals t;
	struct cases c;

	(void)state;
	cases_init(&c, 64);
	assert_int_equal(import_text(xml, &t, &c), 0);
	assert_int_equal(t.tests, 7);
	assert_int_equal(t.suites, 1);
	assert_string_equal(c.v[0].suite, "");
	assert_string_equal(c.v[0].classname, "");
	assert_string_equal(c.v[0].name, "");
	assert_int_equal(c.v[0].status, MLG_JUNIT_PASSED);
	assert_true(c.v[0].time_s == 0);
	assert_int_equal(c.v[1].status, MLG_JUNIT_FAILED);
	assert_string_equal(c.v[1].message, "");
	assert_true(c.v[1].time_s == 0);
	assert_int_equal(c.v[1].line, 0);
	/* no message, no text: the type says what failed */
	assert_string_equal(c.v[2].message, "AssertionError");
	assert_true(c.v[2].time_s == 0);
	/* a decimal comma */
	assert_true(fabs(c.v[3].time_s - 0.25) < 1e-12);
	assert_int_equal(c.v[3].status, MLG_JUNIT_ERROR);
	assert_string_equal(c.v[3].message, "");
	assert_string_equal(c.v[3].file, "t.py");
	assert_int_equal(c.v[3].line, 7);
	assert_int_equal(c.v[4].status, MLG_JUNIT_SKIPPED);
	assert_int_equal(c.v[5].status, MLG_JUNIT_SKIPPED);
	/* the worst child decides and gives the message */
	assert_int_equal(c.v[6].status, MLG_JUNIT_FAILED);
	assert_string_equal(c.v[6].message, "worse");
	assert_int_equal(t.passed, 1);
	assert_int_equal(t.failed, 3);
	assert_int_equal(t.errors, 1);
	assert_int_equal(t.skipped, 2);
	cases_release(&c);
}

static void test_long_strings_are_cut(void **state)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	struct mlg_junit_totals t;
	struct cases c;

	(void)state;
	cases_init(&c, 4);
	mlg_strbuf_addstr(&sb, "<testsuite name=\"");
	for (int i = 0; i < 3000; i++)
		mlg_strbuf_addstr(&sb, "s");
	mlg_strbuf_addstr(&sb, "\"><testcase name=\"");
	for (int i = 0; i < 5000; i++)
		mlg_strbuf_addstr(&sb, "n");
	mlg_strbuf_addstr(&sb, "\"><failure>\tfirst\tline ");
	/* "é" is two bytes: the cut must not split one */
	for (int i = 0; i < 1000; i++)
		mlg_strbuf_addstr(&sb, "é");
	mlg_strbuf_addstr(&sb, "\nsecond line</failure></testcase></testsuite>");
	assert_int_equal(import_text(sb.buf, &t, &c), 0);
	assert_int_equal(strlen(c.v[0].suite), MLG_JUNIT_NAME_MAX + 3);
	assert_int_equal(strlen(c.v[0].name), MLG_JUNIT_NAME_MAX + 3);
	assert_string_equal(c.v[0].name + MLG_JUNIT_NAME_MAX, "...");
	assert_true(strncmp(c.v[0].message, "first line éé", strlen("first line éé")) == 0);
	assert_true(strlen(c.v[0].message) <= MLG_JUNIT_MESSAGE_MAX + 3);
	assert_true(strlen(c.v[0].message) >= MLG_JUNIT_MESSAGE_MAX + 3 - 1);
	assert_string_equal(c.v[0].message + strlen(c.v[0].message) - 3, "...");
	assert_null(strstr(c.v[0].message, "second"));
	/* valid UTF-8: "é" is whole before the "..." */
	assert_true(strstr(c.v[0].message, "é...") != NULL);
	mlg_strbuf_release(&sb);
	cases_release(&c);
}

static void test_malformed(void **state)
{
	static const char xml[] =
		"<?xml version=\"1.0\"?>\n"
		"<testsuite name=\"s\">\n"
		"  <testcase name=\"a\">\n"
		"  </testsuite>\n";
	struct mlg_junit_totals t;
	struct cases c;

	(void)state;
	cases_init(&c, 4);
	assert_int_equal(import_text(xml, &t, &c), MLG_EINVALID);
	assert_string_equal(mlg_error_last(),
			    "'junit.xml' is not well-formed XML: opening and ending tag mismatch: testcase line 3 and testsuite (line 4, column 15)");
	/* truncated, as a runner killed while writing leaves it */
	assert_int_equal(import_text("<testsuites><testsuite name=\"s\"><testcase name=\"a\"/><testca", &t, &c),
			 MLG_EINVALID);
	assert_non_null(strstr(mlg_error_last(), "'junit.xml' is not well-formed XML: "));
	assert_non_null(strstr(mlg_error_last(), "(line 1, column "));
	assert_int_equal(import_text("<testsuites>\n<testsuite name=\"s\">\n<testcase name=\"a\"/>\n", &t, &c),
			 MLG_EINVALID);
	assert_string_equal(mlg_error_last(),
			    "'junit.xml' ends before its root element <testsuites> is closed (line 3, column 21): the file is cut short");
	/* not XML at all */
	assert_int_equal(import_text("{\"tests\": 3}", &t, &c), MLG_EINVALID);
	assert_string_equal(mlg_error_last(), "'junit.xml' is not XML: it does not begin with '<'");
	assert_int_equal(import_text("", &t, &c), MLG_EINVALID);
	assert_string_equal(mlg_error_last(), "'junit.xml' is empty, expected a JUnit XML report");
	assert_int_equal(import_text("  \n", &t, &c), MLG_EINVALID);
	assert_string_equal(mlg_error_last(), "'junit.xml' has no root element, expected <testsuites> or <testsuite>");
	assert_int_equal(import_text("<?xml version=\"1.0\"?>\n<!-- none -->\n", &t, &c), MLG_EINVALID);
	assert_string_equal(mlg_error_last(), "'junit.xml' has no root element, expected <testsuites> or <testsuite>");
	assert_int_equal(import_text("<testsuites/><testsuites/>", &t, &c), MLG_EINVALID);
	assert_string_equal(mlg_error_last(),
			    "'junit.xml' is not well-formed XML: extra content at the end of the document (line 1, column 14)");
	/* binary */
	assert_int_equal(mlg_junit_import_memory(&t, "\x00\xff\xfe\x01<", 5, NULL), MLG_EINVALID);
	assert_string_equal(mlg_error_last(), "'the JUnit report' is not XML: it does not begin with '<'");
	cases_release(&c);
}

static void test_not_junit(void **state)
{
	struct mlg_junit_totals t;
	struct cases c;

	(void)state;
	cases_init(&c, 4);
	assert_int_equal(import_text("<?xml version=\"1.0\"?>\n<!-- hi -->\n<html><body/></html>", &t, &c),
			 MLG_EINVALID);
	assert_string_equal(mlg_error_last(),
			    "'junit.xml' is not a JUnit report: expected <testsuites> or <testsuite> as the root element, found <html> (line 3)");
	assert_int_equal(import_text("<x:testrun xmlns:x=\"urn:x\"/>", &t, &c), MLG_EINVALID);
	assert_non_null(strstr(mlg_error_last(), "found <x:testrun> (line 1)"));
	assert_int_equal(import_text("<testsuite>\n<testcase name=\"a\">\n<testcase name=\"b\"/></testcase></testsuite>",
				     &t, &c), MLG_EINVALID);
	assert_string_equal(mlg_error_last(), "'junit.xml' is not a JUnit report: <testcase> at line 3 is inside a <testcase>");
	/* a 5000-byte element name is cut in the message */
	{
		struct mlg_strbuf sb = MLG_STRBUF_INIT;

		mlg_strbuf_addch(&sb, '<');
		for (int i = 0; i < 5000; i++)
			mlg_strbuf_addch(&sb, 'h');
		mlg_strbuf_addstr(&sb, "/>");
		assert_int_equal(import_text(sb.buf, &t, &c), MLG_EINVALID);
		assert_true(strlen(mlg_error_last()) < 250);
		assert_non_null(strstr(mlg_error_last(), "hhh...> (line 1)"));
		mlg_strbuf_release(&sb);
	}
	/* a namespace on the elements is read past */
	assert_int_equal(import_text("<j:testsuite xmlns:j=\"urn:j\"><j:testcase name=\"a\"/></j:testsuite>", &t, &c), 0);
	assert_int_equal(t.tests, 1);
	cases_release(&c);
}

static void test_deep_nesting_refused(void **state)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	struct mlg_junit_totals t;

	(void)state;
	mlg_strbuf_addstr(&sb, "<testsuites>");
	for (int i = 0; i < 5000; i++)
		mlg_strbuf_addstr(&sb, "<testsuite name=\"s\">");
	assert_int_equal(mlg_junit_import_memory(&t, sb.buf, sb.len, NULL), MLG_EINVALID);
	assert_non_null(strstr(mlg_error_last(), "excessive depth in document: 256"));
	assert_null(strstr(mlg_error_last(), "HUGE"));
	mlg_strbuf_release(&sb);
}

static double elapsed_since(double t0)
{
	return mlg_now() - t0;
}

static void test_billion_laughs(void **state)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	struct mlg_junit_totals t;
	struct cases c;
	double t0;

	(void)state;
	cases_init(&c, 4);
	mlg_strbuf_addstr(&sb, "<?xml version=\"1.0\"?>\n<!DOCTYPE testsuite [\n <!ENTITY lol0 \"lol\">\n");
	for (int i = 1; i <= 9; i++) {
		mlg_strbuf_addf(&sb, " <!ENTITY lol%d \"", i);
		for (int k = 0; k < 10; k++)
			mlg_strbuf_addf(&sb, "&lol%d;", i - 1);
		mlg_strbuf_addstr(&sb, "\">\n");
	}
	mlg_strbuf_addstr(&sb, "]>\n<testsuite name=\"&lol9;\"><testcase name=\"a\"><failure message=\"&lol9;\">&lol9;</failure>"
			  "</testcase></testsuite>\n");
	t0 = mlg_now();
	assert_int_equal(import_text(sb.buf, &t, &c), MLG_EINVALID);
	assert_true(elapsed_since(t0) < 5);
	assert_int_equal(c.seen, 0);
	assert_non_null(strstr(mlg_error_last(), "declares XML entities"));
	mlg_strbuf_release(&sb);
	cases_release(&c);
}

/* UTF-16 hides "<!ENTITY" from the byte scan: the reader's own check refuses it. */
static void test_entities_refused_in_utf16(void **state)
{
	static const char text[] =
		"<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<!DOCTYPE t [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
		"<testsuite><testcase name=\"a\"><failure>&x;</failure></testcase></testsuite>\n";
	static const char plain[] = "<testsuite><testcase name=\"a\"/></testsuite>";
	char buf[2 * sizeof(text) + 2];
	struct mlg_junit_totals t;
	size_t n = 0;

	(void)state;
	buf[n++] = (char)0xFF;
	buf[n++] = (char)0xFE;
	for (size_t i = 0; text[i]; i++) {
		buf[n++] = text[i];
		buf[n++] = 0;
	}
	assert_int_equal(mlg_junit_import_memory(&t, buf, n, NULL), MLG_EINVALID);
	assert_non_null(strstr(mlg_error_last(), "declares XML entities"));
	assert_int_equal(t.tests, 0);
	/* and UTF-16 without entities reads */
	n = 2;
	for (size_t i = 0; plain[i]; i++) {
		buf[n++] = plain[i];
		buf[n++] = 0;
	}
	assert_int_equal(mlg_junit_import_memory(&t, buf, n, NULL), 0);
	assert_int_equal(t.tests, 1);
}

/* The byte scan stops at the root element: "<!ENTITY" in a report's text is data. */
static void test_entity_text_in_body_is_data(void **state)
{
	static const char xml[] =
		"<?xml version=\"1.0\"?>\n<!-- written by a tool -->\n<testsuite><testcase name=\"a\">"
		"<failure message=\"bad DTD\"><![CDATA[parsed <!ENTITY x \"y\"> in the fixture]]></failure>"
		"</testcase></testsuite>";
	struct mlg_junit_totals t;
	struct cases c;

	(void)state;
	cases_init(&c, 4);
	assert_int_equal(import_text(xml, &t, &c), 0);
	assert_int_equal(t.failed, 1);
	assert_string_equal(c.v[0].message, "bad DTD");
	cases_release(&c);
}

/* A large entity used many times (quadratic blowup) and a harmless-looking one: refused alike. */
static void test_entities_refused(void **state)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	struct mlg_junit_totals t;
	struct cases c;
	double t0;

	(void)state;
	cases_init(&c, 4);
	mlg_strbuf_addstr(&sb, "<!DOCTYPE testsuite [<!ENTITY big \"");
	for (int i = 0; i < 100000; i++)
		mlg_strbuf_addch(&sb, 'x');
	mlg_strbuf_addstr(&sb, "\">]>\n<testsuite><testcase name=\"a\"><failure>");
	for (int i = 0; i < 100000; i++)
		mlg_strbuf_addstr(&sb, "&big;");
	mlg_strbuf_addstr(&sb, "</failure></testcase></testsuite>");
	t0 = mlg_now();
	assert_int_equal(import_text(sb.buf, &t, &c), MLG_EINVALID);
	assert_true(elapsed_since(t0) < 5);
	assert_string_equal(mlg_error_last(),
			    "'junit.xml' declares XML entities in its DOCTYPE: refused, as a JUnit report has no use for them and they could expand without bound or read other files");
	assert_int_equal(import_text("<!DOCTYPE testsuite [<!ENTITY v \"1.0\">]><testsuite><testcase name=\"&v;\"/></testsuite>",
				     &t, &c), MLG_EINVALID);
	assert_non_null(strstr(mlg_error_last(), "declares XML entities"));
	/* a DOCTYPE without entities is harmless */
	assert_int_equal(import_text("<!DOCTYPE testsuites><testsuites><testsuite><testcase name=\"a\"/></testsuite></testsuites>",
				     &t, &c), 0);
	assert_int_equal(t.tests, 1);
	/* an undeclared entity is an XML error */
	assert_int_equal(import_text("<testsuite><testcase name=\"&x;\"/></testsuite>", &t, &c), MLG_EINVALID);
	assert_non_null(strstr(mlg_error_last(), "entity 'x' not defined"));
	mlg_strbuf_release(&sb);
	cases_release(&c);
}

/*
 * External entities must never be read. The entity names a FIFO: opening
 * it for reading blocks until a writer comes, so a watcher thread keeps
 * trying to open it for writing, which succeeds only once a reader has it
 * open. If the importer ever opened it, the watcher sees it (and its
 * write lets the importer go on, so the test cannot hang).
 */
struct watch {
	const char *path;
	atomic_int stop;   /* set by the test thread, polled by the watcher */
	int opened;
};

static void *watch_fifo(void *arg)
{
	struct watch *w = arg;

	while (!atomic_load(&w->stop)) {
		int fd = open(w->path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

		if (fd >= 0) {
			w->opened = 1;
			if (write(fd, "SECRET-FROM-FIFO", 16) < 0)
				w->opened = 2;
			close(fd);
		} else {
			struct timespec ts = { 0, 1000000 };

			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

static void test_external_entities_never_read(void **state)
{
	char dir[] = "/tmp/mlgate-test-junit-XXXXXX", fifo[64], secret[64];
	const char *forms[] = {
		"<!DOCTYPE t [<!ENTITY x SYSTEM \"file://%s\">]>\n<testsuite><testcase name=\"a\"><failure>&x;</failure></testcase></testsuite>",
		"<!DOCTYPE t [<!ENTITY x SYSTEM \"%s\">]>\n<testsuite><testcase name=\"&x;\"/></testsuite>",
		"<!DOCTYPE t [<!ENTITY %% p SYSTEM \"file://%s\"> %%p;]>\n<testsuite><testcase name=\"a\"/></testsuite>",
		"<!DOCTYPE testsuite SYSTEM \"file://%s\">\n<testsuite><testcase name=\"a\"/></testsuite>",
		"<!DOCTYPE t [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<testsuite><testcase name=\"a\"><failure>&x;</failure></testcase></testsuite>",
	};
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(secret, sizeof(secret), "%s/secret", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	f = fopen(secret, "w");
	assert_non_null(f);
	fputs("root:x:0:0:SECRET-FROM-FILE\n", f);
	fclose(f);
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		for (int use_fifo = 0; use_fifo < 2; use_fifo++) {
			struct watch w = { .path = fifo };
			struct mlg_strbuf xml = MLG_STRBUF_INIT;
			struct mlg_junit_totals t;
			struct cases c;
			pthread_t th;
			int rc;

			cases_init(&c, 4);
			c.must_not_contain = "SECRET";
			mlg_strbuf_addf(&xml, forms[i], use_fifo ? fifo : secret);
			assert_int_equal(pthread_create(&th, NULL, watch_fifo, &w), 0);
			rc = import_text(xml.buf, &t, &c);
			atomic_store(&w.stop, 1);
			pthread_join(th, NULL);
			assert_int_equal(w.opened, 0);
			assert_int_equal(c.contained, 0);
			assert_null(strstr(mlg_error_last(), "SECRET"));
			assert_null(strstr(mlg_error_last(), "root:"));
			/* entity declarations are refused; a bare external DTD is not loaded */
			if (strstr(forms[i], "ENTITY"))
				assert_int_equal(rc, MLG_EINVALID);
			else
				assert_int_equal(rc, 0);
			mlg_strbuf_release(&xml);
			cases_release(&c);
		}
	}
	unlink(fifo);
	unlink(secret);
	rmdir(dir);
}

/* 200,000 cases, every tenth failing: counts exact, what is kept is the caller's cap. */
static void test_many_cases_bounded(void **state)
{
	enum { N = 200000, KEEP = 5 };
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	struct mlg_junit_totals t;
	struct cases c;
	struct mlg_junit_options o = MLG_JUNIT_OPTIONS_INIT;

	(void)state;
	cases_init(&c, KEEP);
	mlg_strbuf_addstr(&sb, "<?xml version=\"1.0\"?>\n<testsuites>\n<testsuite name=\"big\">\n");
	for (int i = 0; i < N; i++) {
		if (i % 10 == 3)
			mlg_strbuf_addf(&sb, "<testcase classname=\"tests.test_big\" name=\"test_%d\" time=\"0.001\">"
					"<failure message=\"assert %d == 0\">trace</failure></testcase>\n", i, i);
		else
			mlg_strbuf_addf(&sb, "<testcase classname=\"tests.test_big\" name=\"test_%d\" time=\"0.001\"/>\n", i);
	}
	mlg_strbuf_addstr(&sb, "</testsuite>\n</testsuites>\n");
	o.on_case = keep;
	o.payload = &c;
	assert_int_equal(mlg_junit_import_memory(&t, sb.buf, sb.len, &o), 0);
	assert_int_equal(t.tests, N);
	assert_int_equal(t.failed, N / 10);
	assert_int_equal(t.passed, N - N / 10);
	assert_int_equal(c.seen, N);
	assert_int_equal(c.n, KEEP);
	assert_true(fabs(t.time_s - N * 0.001) < 1e-6);
	assert_string_equal(c.v[3].name, "test_3");
	assert_string_equal(c.v[3].message, "assert 3 == 0");
	mlg_strbuf_release(&sb);
	cases_release(&c);
}

static void test_callback_stops(void **state)
{
	struct mlg_junit_totals t;
	struct cases c;

	(void)state;
	cases_init(&c, 8);
	c.stop_after = 2;
	assert_int_equal(import_text(pytest_xml, &t, &c), 42);
	assert_int_equal(c.seen, 2);
	assert_int_equal(t.tests, 2);
	cases_release(&c);
}

static void test_cancel_and_deadline(void **state)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	struct mlg_junit_options o = MLG_JUNIT_OPTIONS_INIT;
	struct mlg_junit_totals t;
	volatile sig_atomic_t cancel = 1;

	(void)state;
	mlg_strbuf_addstr(&sb, "<testsuite>");
	for (int i = 0; i < 5000; i++)
		mlg_strbuf_addstr(&sb, "<testcase name=\"a\"/>");
	mlg_strbuf_addstr(&sb, "</testsuite>");
	o.name = "big.xml";
	o.cancel = &cancel;
	assert_int_equal(mlg_junit_import_memory(&t, sb.buf, sb.len, &o), MLG_EINTR);
	assert_string_equal(mlg_error_last(), "interrupted while reading 'big.xml'");
	assert_true(t.tests < 5000);
	cancel = 0;
	o.deadline = mlg_now() - 1;
	assert_int_equal(mlg_junit_import_memory(&t, sb.buf, sb.len, &o), MLG_ETIMEOUT);
	o.deadline = mlg_now() + 3600;
	assert_int_equal(mlg_junit_import_memory(&t, sb.buf, sb.len, &o), 0);
	assert_int_equal(t.tests, 5000);
	mlg_strbuf_release(&sb);
}

static void test_files(void **state)
{
	char dir[] = "/tmp/mlgate-test-junit-XXXXXX", path[64];
	struct mlg_junit_options o = MLG_JUNIT_OPTIONS_INIT;
	struct mlg_junit_totals t;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/junit.xml", dir);
	assert_int_equal(mlg_junit_import_file(&t, path, NULL), MLG_ENOTFOUND);
	assert_non_null(strstr(mlg_error_last(), "junit.xml': No such file or directory"));
	o.name = "reports/junit.xml";
	assert_int_equal(mlg_junit_import_file(&t, path, &o), MLG_ENOTFOUND);
	assert_string_equal(mlg_error_last(), "cannot open 'reports/junit.xml': No such file or directory");
	assert_int_equal(mlg_junit_import_file(&t, dir, &o), MLG_ERROR);
	assert_string_equal(mlg_error_last(), "cannot read 'reports/junit.xml': Is a directory");
	/* Latin-1, as a declaration says: read as UTF-8 */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<testsuite><testcase name=\"caf\xe9\"/></testsuite>\n", f);
	fclose(f);
	{
		struct cases c;

		cases_init(&c, 4);
		o.on_case = keep;
		o.payload = &c;
		assert_int_equal(mlg_junit_import_file(&t, path, &o), 0);
		assert_int_equal(t.tests, 1);
		assert_string_equal(c.v[0].name, "café");
		cases_release(&c);
	}
	unlink(path);
	rmdir(dir);
}

/* Any bytes: never a crash, always 0 or an error with a message (a poor man's fuzzer). */
static void test_random_mutations(void **state)
{
	static const char *const seeds[] = { pytest_xml, surefire_xml };
	unsigned int seed = 12345;

	(void)state;
	for (size_t s = 0; s < 2; s++) {
		size_t len = strlen(seeds[s]);
		char *buf = mlg_xmalloc(len);

		for (int round = 0; round < 400; round++) {
			struct mlg_junit_totals t;
			struct cases c;
			int rc;

			memcpy(buf, seeds[s], len);
			for (int k = 0; k < 1 + round % 8; k++) {
				size_t at = (size_t)rand_r(&seed) % len;

				buf[at] = "<>/\"&;=x \n\0\xff"[rand_r(&seed) % 13];
			}
			cases_init(&c, 2);
			{
				struct mlg_junit_options o = MLG_JUNIT_OPTIONS_INIT;

				o.on_case = keep;
				o.payload = &c;
				rc = mlg_junit_import_memory(&t, buf, (size_t)rand_r(&seed) % (len + 1), &o);
			}
			assert_true(rc == 0 || rc == MLG_EINVALID);
			if (rc)
				assert_true(*mlg_error_last() != '\0');
			assert_true(t.tests == t.passed + t.failed + t.errors + t.skipped);
			assert_true(c.longest <= MLG_JUNIT_NAME_MAX + 3);
			cases_release(&c);
		}
		free(buf);
	}
}

static void test_options_version(void **state)
{
	struct mlg_junit_options o = MLG_JUNIT_OPTIONS_INIT;
	struct mlg_junit_totals t;

	(void)state;
	o.version = 99;
	assert_int_equal(mlg_junit_import_memory(&t, "<testsuite/>", 12, &o), MLG_ERROR);
	assert_string_equal(mlg_error_last(), "unsupported JUnit import options version 99");
	o.version = MLG_JUNIT_OPTIONS_VERSION;
	assert_int_equal(mlg_junit_import_memory(&t, "<testsuite/>", 12, &o), 0);
	assert_int_equal(t.suites, 1);
	assert_int_equal(t.tests, 0);
}

static void test_status_names(void **state)
{
	(void)state;
	assert_string_equal(mlg_junit_status_name(MLG_JUNIT_PASSED), "passed");
	assert_string_equal(mlg_junit_status_name(MLG_JUNIT_FAILED), "failed");
	assert_string_equal(mlg_junit_status_name(MLG_JUNIT_ERROR), "error");
	assert_string_equal(mlg_junit_status_name(MLG_JUNIT_SKIPPED), "skipped");
}

/* libxml2's handlers of the calling thread, to see them restored. */
static int seen_structured, seen_generic;

#if LIBXML_VERSION >= 21200
static void test_structured(void *ctx, const xmlError *e)
#else
static void test_structured(void *ctx, xmlErrorPtr e)
#endif
{
	(void)ctx;
	(void)e;
	seen_structured++;
}

static void test_generic(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
	seen_generic++;
}

/*
 * A byte the declared encoding cannot convert is raised by libxml2's
 * encoding layer with no parser context, to the thread's global handlers
 * (stderr by default): it is the import's message, the caller's handlers
 * see nothing and are theirs again afterwards.
 */
static void test_encoding_error_kept_and_handlers_restored(void **state)
{
	static const char xml[] = "<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>\n"
				  "<testsuite name=\"s\x82\" tests=\"1\"><testcase name=\"t\" classname=\"c\"/></testsuite>\n";
	struct mlg_junit_totals t;

	(void)state;
	xmlSetStructuredErrorFunc(&seen_structured, test_structured);
	xmlSetGenericErrorFunc(&seen_generic, test_generic);
	seen_structured = seen_generic = 0;
	assert_int_equal(mlg_junit_import_memory(&t, xml, sizeof(xml) - 1, NULL), MLG_EINVALID);
	if (!strstr(mlg_error_last(), "is not well-formed XML: input conversion failed"))
		fail_msg("message: %s", mlg_error_last());
	assert_int_equal(seen_structured, 0);
	assert_int_equal(seen_generic, 0);
	assert_ptr_equal(xmlStructuredError, test_structured);
	assert_ptr_equal(xmlStructuredErrorContext, &seen_structured);
	assert_ptr_equal(xmlGenericError, test_generic);
	assert_ptr_equal(xmlGenericErrorContext, &seen_generic);
	xmlSetStructuredErrorFunc(NULL, NULL);
	xmlSetGenericErrorFunc(NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pytest),
		cmocka_unit_test(test_surefire),
		cmocka_unit_test(test_nested_suites),
		cmocka_unit_test(test_missing_attributes),
		cmocka_unit_test(test_long_strings_are_cut),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_not_junit),
		cmocka_unit_test(test_deep_nesting_refused),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_entities_refused),
		cmocka_unit_test(test_entities_refused_in_utf16),
		cmocka_unit_test(test_entity_text_in_body_is_data),
		cmocka_unit_test(test_external_entities_never_read),
		cmocka_unit_test(test_many_cases_bounded),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_cancel_and_deadline),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_random_mutations),
		cmocka_unit_test(test_options_version),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_encoding_error_kept_and_handlers_restored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
