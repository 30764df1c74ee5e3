/*
 * Unit tests for the JUnit writer's text (runner/report_junit.c). The
 * writer prints the document itself, and promises the bytes libxml2's
 * serialiser made of the tree it used to build: so its output, parsed by
 * libxml2 (blank text between elements dropped) and serialised again with
 * xmlDocDumpFormatMemoryEnc(doc, "UTF-8", 1), must come back byte for byte.
 * The run holds what escaping and layout must survive: every ASCII control
 * character, quotes, markup characters and multi-byte characters in
 * names, messages, examples and observed values, invalid UTF-8 in a
 * command's output; failures,
 * errors, warnings, skips, a metrics table as properties and text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "mlgate/engine.h"
#include "mlgate/report.h"
#include "mlgate/suite.h"

static char tmpdir[PATH_MAX];

/* Values with every ASCII control character, markup, quotes, a character
 * of each UTF-8 length and a byte that is not UTF-8. */
static const char csv_text[] =
	"id,name,amount\n"
	"1,\"a<b>&c\"\"d'e\",5\n"
	"2,\"tab\there\",7\n"
	"3,\"cr\rlf\nend\",9\n"
	"4,\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x1f\x7f,11\n"
	"5,Zo\xc3\xab \xe2\x9c\x93 \xf0\x9f\x99\x82,13\n"
	"6,]]>,15\n";

static const char metrics_text[] = "{\"test\": {\"auc\": 0.91, \"f1\": 0.5}}\n";
static const char baseline_text[] = "{\"test\": {\"auc\": 0.9, \"f1\": 0.6}}\n";

static const char suite_text[] =
	"{\"suite\": \"junit <&> \\\"text\\\" Gr\\u00f6\\u00dfe\",\n"
	" \"datasets\": {\"t\": {\"path\": \"t.csv\"}, \"gone\": {\"path\": \"gone <&>.csv\"}},\n"
	" \"checks\": [\n"
	"  {\"kind\": \"data.allowed_values\", \"dataset\": \"t\", \"column\": \"name\", \"values\": [\"x\"],\n"
	"   \"name\": \"all \\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u001f\\u007f <&>\\\"' \\u00e9\\u2713\"},\n"
	"  {\"kind\": \"data.allowed_values\", \"dataset\": \"t\", \"column\": \"name\", \"values\": [\"x\"],\n"
	"   \"severity\": \"warn\"},\n"
	"  {\"kind\": \"data.range\", \"dataset\": \"t\", \"column\": \"amount\", \"max\": 10},\n"
	"  {\"kind\": \"data.length\", \"dataset\": \"t\", \"column\": \"name\", \"max\": 40},\n"
	"  {\"kind\": \"infra.file\", \"path\": \"missing <&>.bin\"},\n"
	"  {\"kind\": \"data.row_count\", \"dataset\": \"t\", \"min\": 1, \"id\": \"deselected\"},\n"
	"  {\"kind\": \"model.metric\", \"id\": \"table\", \"file\": \"metrics.json\",\n"
	"   \"metrics\": {\"test.auc\": {\"min\": 0.9}, \"test.f1\": {\"min\": 0.55}},\n"
	"   \"baseline\": {\"file\": \"baseline.json\", \"max_drop\": 0.02}},\n"
	"  {\"kind\": \"model.metric\", \"id\": \"passing table\", \"file\": \"metrics.json\",\n"
	"   \"metrics\": {\"test.auc\": {\"min\": 0.5}}},\n"
	/* output that is not UTF-8, in the failure's text */
	"  {\"kind\": \"infra.command\", \"id\": \"cmd\",\n"
	"   \"run\": [\"sh\", \"-c\", \"printf 'bad \\\\377\\\\376 <&> \\\\001 end\\\\n'; exit 1\"]},\n"
	/* a dataset that is not there: an error */
	"  {\"kind\": \"data.row_count\", \"dataset\": \"gone\", \"min\": 1}\n"
	" ]}\n";

static const char *const patterns[] = { "data.*", "infra.*", "table", "passing table", "cmd" };

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

static void test_libxml2_round_trip(void **state)
{
	char tmpl[] = "/tmp/mlgate-test-junit-XXXXXX", suite_file[PATH_MAX + 32];
	struct mlg_diag d = MLG_DIAG_INIT;
	struct mlg_run_options opts = MLG_RUN_OPTIONS_INIT;
	struct mlg_suite *suite = NULL;
	struct mlg_run *run = NULL;
	xmlDocPtr doc;
	xmlChar *again = NULL;
	int again_len = 0;
	size_t len, i;
	char *xml;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	snprintf(tmpdir, sizeof(tmpdir), "%s", tmpl);
	write_text("t.csv", csv_text, sizeof(csv_text) - 1);
	write_text("metrics.json", metrics_text, sizeof(metrics_text) - 1);
	write_text("baseline.json", baseline_text, sizeof(baseline_text) - 1);
	snprintf(suite_file, sizeof(suite_file), "%s/mlgate.json", tmpdir);
	if (mlg_suite_load_text(&suite, suite_file, suite_text, sizeof(suite_text) - 1, &d) < 0) {
		for (i = 0; i < d.count; i++)
			print_message("%d:%d %s: %s\n", d.items[i].line, d.items[i].column, d.items[i].path,
				      d.items[i].message);
		fail_msg("the suite does not load");
	}
	mlg_diag_release(&d);
	opts.jobs = 2;
	opts.patterns = patterns;
	opts.npatterns = sizeof(patterns) / sizeof(patterns[0]);
	assert_int_equal(mlg_engine_run(&run, suite, &opts), 0);
	/* every kind of outcome is there */
	assert_int_equal(run->results[0].status, MLG_STATUS_FAILED);
	assert_int_equal(run->results[4].status, MLG_STATUS_FAILED);
	assert_int_equal(run->results[9].status, MLG_STATUS_ERROR);
	assert_int_equal(run->results[5].status, MLG_STATUS_SKIPPED);
	assert_int_equal(run->results[7].status, MLG_STATUS_PASSED);
	assert_int_equal(run->results[8].status, MLG_STATUS_FAILED);

	xml = mlg_report_junit(run, &len);
	assert_int_equal(strlen(xml), len);
	doc = xmlReadMemory(xml, (int)len, "junit.xml", NULL, XML_PARSE_NOBLANKS | XML_PARSE_NONET);
	assert_non_null(doc);
	xmlDocDumpFormatMemoryEnc(doc, &again, &again_len, "UTF-8", 1);
	assert_non_null(again);
	if ((size_t)again_len != len || memcmp(again, xml, len)) {
		for (i = 0; i < len && i < (size_t)again_len && xml[i] == (char)again[i]; i++)
			;
		fail_msg("libxml2 writes it otherwise from byte %zu:\n--- mlgate:\n%.200s\n--- libxml2:\n%.200s", i,
			 xml + (i > 80 ? i - 80 : 0), (const char *)again + (i > 80 ? i - 80 : 0));
	}
	/* the hostile characters made it through, escaped */
	assert_non_null(strstr(xml, "name=\"all \\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08&#9;&#10;\\x0B\\x0C&#13;"
				    "\\x0E\\x1F\x7f &lt;&amp;&gt;&quot;' \xc3\xa9\xe2\x9c\x93\""));
	assert_non_null(strstr(xml, "]]&gt;"));
	assert_non_null(strstr(xml, "<error message=\""));
	assert_non_null(strstr(xml, "bad \xef\xbf\xbd\xef\xbf\xbd &lt;&amp;&gt; \\x01 end"));
	xmlFree(again);
	xmlFreeDoc(doc);
	free(xml);
	mlg_run_free(run);
	mlg_suite_free(suite);

	{
		DIR *dir = opendir(tmpdir);
		struct dirent *e;

		while (dir && (e = readdir(dir))) {
			char path[PATH_MAX + 300];

			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
			unlink(path);
		}
		if (dir)
			closedir(dir);
		rmdir(tmpdir);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libxml2_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
