/*
 * Unit tests for suite loading and validation (runner/suite.c, diag.c).
 *
 * Suites are given as text, one string literal per line with its line
 * number in a comment, so that the expected line of each problem can be
 * read off the source. Every problem is checked for its JSON path, its
 * line (and where it matters its column) and the words of its message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "mlgate/error.h"
#include "mlgate/registry.h"
#include "mlgate/suite.h"

#define FILE_NAME "mlgate.json"

static int load(const char *file, const char *text, struct mlg_suite **suite,
		struct mlg_diag *diag)
{
	size_t len = strlen(text);
	char *copy = malloc(len ? len : 1); /* exact length, no NUL: ASan sees overreads */
	int rc;

	assert_non_null(copy);
	memcpy(copy, text, len);
	*suite = (struct mlg_suite *)diag; /* must be reset */
	rc = mlg_suite_load_text(suite, file, copy, len, diag);
	free(copy);
	return rc;
}

static void dump_diag(const struct mlg_diag *d)
{
	for (size_t i = 0; i < d->count; i++)
		print_message("  [%zu] %s:%d:%d %s: %s\n", i, d->items[i].file, d->items[i].line,
			      d->items[i].column, d->items[i].path, d->items[i].message);
}

static struct mlg_suite *load_ok_as(const char *file, const char *text)
{
	struct mlg_diag d = MLG_DIAG_INIT;
	struct mlg_suite *s;
	int rc = load(file, text, &s, &d);

	if (rc != 0 || d.count) {
		dump_diag(&d);
		mlg_diag_release(&d);
		fail_msg("suite should load (rc %d, %zu problems)", rc, d.count);
	}
	assert_non_null(s);
	mlg_diag_release(&d);
	return s;
}

static struct mlg_suite *load_ok(const char *text)
{
	return load_ok_as(FILE_NAME, text);
}

/* Loads a suite that must be rejected with exactly `n` problems. */
static void load_bad(const char *text, size_t n, struct mlg_diag *d)
{
	struct mlg_suite *s;
	int rc;

	*d = (struct mlg_diag)MLG_DIAG_INIT;
	rc = load(FILE_NAME, text, &s, d);
	if (rc != MLG_EINVALID || d->count != n) {
		size_t got = d->count;

		dump_diag(d);
		mlg_diag_release(d);
		if (rc == 0)
			mlg_suite_free(s);
		fail_msg("want MLG_EINVALID with %zu problems, got rc %d with %zu", n, rc, got);
	}
	assert_null(s);
}

/*
 * Checks problem `i`: path, line, column (0: not checked) and message
 * parts. On a mismatch the diagnostics are released before failing, so a
 * failing test leaks nothing.
 */
static void item_is(struct mlg_diag *d, size_t i, const char *path, int line, int col,
		    const char *part1, const char *part2)
{
	const struct mlg_diag_item *it;
	char why[1024] = "";

	assert_true(i < d->count);
	it = &d->items[i];
	if (strcmp(it->path, path))
		snprintf(why, sizeof(why), "problem %zu: path '%s', want '%s'", i, it->path, path);
	else if (it->line != line || (col && it->column != col))
		snprintf(why, sizeof(why), "problem %zu (%s): at %d:%d, want %d:%d", i, path, it->line,
			 it->column, line, col);
	else if (strcmp(it->file, FILE_NAME))
		snprintf(why, sizeof(why), "problem %zu: file '%s', want '%s'", i, it->file, FILE_NAME);
	else if (part1 && !strstr(it->message, part1))
		snprintf(why, sizeof(why), "problem %zu (%s): message '%s' lacks '%s'", i, path,
			 it->message, part1);
	else if (part2 && !strstr(it->message, part2))
		snprintf(why, sizeof(why), "problem %zu (%s): message '%s' lacks '%s'", i, path,
			 it->message, part2);
	if (why[0]) {
		dump_diag(d);
		mlg_diag_release(d);
		fail_msg("%s", why);
	}
}

/* A one-problem suite: loads, checks the problem, releases. */
static void one_problem(const char *text, const char *path, int line, int col, const char *part1,
			const char *part2)
{
	struct mlg_diag d;

	load_bad(text, 1, &d);
	item_is(&d, 0, path, line, col, part1, part2);
	mlg_diag_release(&d);
}

/* ---- valid suites ---- */

static char tmpdir[PATH_MAX];

static int setup_tmp(void **state)
{
	char tmpl[] = "/tmp/mlgate-test-suite-XXXXXX";
	char *real;

	(void)state;
	if (!mkdtemp(tmpl))
		return -1;
	real = realpath(tmpl, NULL);
	if (!real)
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "%s", real);
	free(real);
	return 0;
}

static int teardown_tmp(void **state)
{
	char path[PATH_MAX + 32];

	(void)state;
	snprintf(path, sizeof(path), "%s/mlgate.json", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	return 0;
}

static const char valid_suite[] =
	"{\n"                                                                  /* 1 */
	"  \"mlgate\": 1, \"paths\": {\"allow_outside\": [\"/srv\"]},\n"       /* 2 */
	"  \"suite\": \"unit\",\n"                                             /* 3 */
	"  \"defaults\": {\"timeout\": \"5m\"},\n"                             /* 4 */
	"  \"datasets\": {\n"                                                  /* 5 */
	"    \"train\": {\"path\": \"${MLGT_SUITE_DIR:-data}/train.csv\"},\n"  /* 6 */
	"    \"abs\": {\"path\": \"/srv/x.tsv\", \"format\": \"tsv\", \"header\": false},\n" /* 7 */
	"    \"semi\": {\"path\": \"s.csv\", \"delimiter\": \";\", \"quote\": \"'\"}\n" /* 8 */
	"  },\n"                                                               /* 9 */
	"  \"checks\": [\n"                                                    /* 10 */
	"    {\"kind\": \"data.range\", \"dataset\": \"train\", \"column\": \"amount\", \"min\": 0},\n" /* 11 */
	"    {\"kind\": \"data.range\", \"dataset\": \"train\", \"column\": \"amount\", \"max\": 10,\n" /* 12 */
	"     \"severity\": \"warn\", \"timeout\": \"30s\", \"tags\": [\"fast\", \"money\"], \"strict\": true},\n" /* 13 */
	"    {\"kind\": \"model.metric\", \"file\": \"metrics.json\", \"path\": \"test.auc\", \"min\": 0.8},\n" /* 14 */
	"      {\"kind\": \"infra.file\", \"path\": \"model.bin\", \"id\": \"model-file\", \"name\": \"Model file\"},\n" /* 15 */
	"    {\"kind\": \"data.row_count\", \"dataset\": \"abs\", \"min\": 1, \"tags\": \"t1\",\n" /* 16 */
	"     \"description\": \"rows\", \"severity\": \"error\", \"timeout\": 12.5},\n" /* 17 */
	"    {\"kind\": \"data.range\", \"dataset\": \"train\", \"column\": \"amount\", \"min\": -1}\n" /* 18 */
	"  ]\n"                                                                /* 19 */
	"}\n";                                                                 /* 20 */

static void test_valid_suite(void **state)
{
	char file[PATH_MAX + 32], want[PATH_MAX + 64], sha[65];
	struct mlg_suite *s;
	const struct mlg_check *c;
	const cJSON *v;

	(void)state;
	unsetenv("MLGT_SUITE_DIR");
	snprintf(file, sizeof(file), "%s/mlgate.json", tmpdir);
	s = load_ok_as(file, valid_suite);

	assert_string_equal(s->file, file);
	assert_string_equal(s->dir, tmpdir);
	assert_string_equal(s->name, "unit");
	mlg_sha256_hex(valid_suite, strlen(valid_suite), sha);
	assert_string_equal(s->sha256, sha);
	assert_true(s->default_timeout_s == 300.0);

	/* datasets, in file order, resolved against the suite's folder */
	assert_int_equal(s->ndatasets, 3);
	assert_string_equal(s->datasets[0].name, "train");
	assert_string_equal(s->datasets[0].path, "data/train.csv");
	snprintf(want, sizeof(want), "%s/data/train.csv", tmpdir);
	assert_string_equal(s->datasets[0].abs_path, want);
	assert_string_equal(s->datasets[0].format, "csv");
	assert_int_equal(s->datasets[0].delimiter, ',');
	assert_int_equal(s->datasets[0].quote, '"');
	assert_int_equal(s->datasets[0].header, 1);
	assert_int_equal(s->datasets[0].line, 6);
	assert_int_equal(s->datasets[0].column, 5);
	assert_string_equal(s->datasets[1].name, "abs");
	assert_string_equal(s->datasets[1].abs_path, "/srv/x.tsv");
	assert_int_equal(s->datasets[1].delimiter, '\t');
	assert_int_equal(s->datasets[1].header, 0);
	assert_int_equal(s->datasets[1].line, 7);
	assert_int_equal(s->datasets[2].delimiter, ';');
	assert_int_equal(s->datasets[2].quote, '\'');
	assert_ptr_equal(mlg_suite_dataset(s, "abs"), &s->datasets[1]);
	assert_null(mlg_suite_dataset(s, "nope"));

	assert_int_equal(s->nchecks, 6);
	for (size_t i = 0; i < s->nchecks; i++) {
		assert_int_equal(s->checks[i].index, i);
		assert_ptr_equal(s->checks[i].suite, s);
	}

	/* checks[0]: defaults applied */
	c = &s->checks[0];
	assert_string_equal(c->kind->name, "data.range");
	assert_ptr_equal(c->kind, mlg_registry_find("data.range"));
	assert_string_equal(c->id, "data.range:train.amount");
	assert_string_equal(c->name, "data.range:train.amount");
	assert_null(c->description);
	assert_int_equal(c->severity_warn, 0);
	assert_true(c->timeout_s == 300.0);
	assert_int_equal(c->ntags, 0);
	assert_ptr_equal(c->dataset, &s->datasets[0]);
	assert_int_equal(c->line, 11);
	assert_int_equal(c->column, 5);
	v = mlg_check_param(c, "strict");
	assert_non_null(v);
	assert_true(cJSON_IsFalse(v));
	assert_int_equal(mlg_check_bool(c, "strict", 1), 0);
	v = mlg_check_param(c, "mostly");
	assert_true(cJSON_IsNumber(v) && v->valuedouble == 1.0);
	assert_null(mlg_check_param(c, "max"));
	assert_string_equal(mlg_check_string(c, "column"), "amount");

	/* checks[1]: its own severity, timeout, tags, and strict kept */
	c = &s->checks[1];
	assert_string_equal(c->id, "data.range:train.amount#2");
	assert_string_equal(c->name, "data.range:train.amount#2");
	assert_int_equal(c->severity_warn, 1);
	assert_true(c->timeout_s == 30.0);
	assert_int_equal(c->ntags, 2);
	assert_string_equal(c->tags[0], "fast");
	assert_string_equal(c->tags[1], "money");
	assert_true(cJSON_IsTrue(mlg_check_param(c, "strict")));
	assert_int_equal(c->line, 12);

	/* checks[2]: the kind's own target */
	c = &s->checks[2];
	assert_string_equal(c->id, "model.metric:metrics.json:test.auc");
	assert_null(c->dataset);
	assert_int_equal(c->line, 14);
	assert_int_equal(c->column, 5);
	{
		char *p = mlg_check_path(c, "file");

		snprintf(want, sizeof(want), "%s/metrics.json", tmpdir);
		assert_string_equal(p, want);
		free(p);
	}

	/* checks[3]: explicit id and name */
	c = &s->checks[3];
	assert_string_equal(c->id, "model-file");
	assert_string_equal(c->name, "Model file");
	assert_int_equal(c->line, 15);
	assert_int_equal(c->column, 7);

	/* checks[4]: a single tag string, a description, a number timeout */
	c = &s->checks[4];
	assert_string_equal(c->id, "data.row_count:abs");
	assert_int_equal(c->ntags, 1);
	assert_string_equal(c->tags[0], "t1");
	assert_string_equal(c->description, "rows");
	assert_int_equal(c->severity_warn, 0);
	assert_true(c->timeout_s == 12.5);
	assert_ptr_equal(c->dataset, &s->datasets[1]);

	/* checks[5]: a third derived id on the same target */
	assert_string_equal(s->checks[5].id, "data.range:train.amount#3");
	mlg_suite_free(s);
}

static void test_default_timeout_and_severity(void **state)
{
	struct mlg_suite *s;

	(void)state;
	/* without defaults: 600 s and "error" */
	s = load_ok("{\"checks\": [{\"kind\": \"infra.file\", \"path\": \"a\"}]}");
	assert_true(s->default_timeout_s == 600.0);
	assert_true(s->checks[0].timeout_s == 600.0);
	assert_int_equal(s->checks[0].severity_warn, 0);
	/* the name defaults to the file name */
	assert_string_equal(s->name, FILE_NAME);
	assert_string_equal(s->checks[0].id, "infra.file:a");
	mlg_suite_free(s);

	/* defaults.severity "warn" applies unless a check says otherwise */
	s = load_ok("{\"defaults\": {\"severity\": \"warn\", \"timeout\": 90},\n"
		    " \"checks\": [{\"kind\": \"infra.file\", \"path\": \"a\"},\n"
		    "  {\"kind\": \"infra.file\", \"path\": \"b\", \"severity\": \"error\"},\n"
		    "  {\"kind\": \"infra.file\", \"path\": \"c\", \"severity\": \"warning\", \"timeout\": \"1h30m\"}]}");
	assert_int_equal(s->checks[0].severity_warn, 1);
	assert_int_equal(s->checks[1].severity_warn, 0);
	assert_int_equal(s->checks[2].severity_warn, 1);
	assert_true(s->checks[0].timeout_s == 90.0);
	assert_true(s->checks[2].timeout_s == 5400.0);
	mlg_suite_free(s);
}

static void test_relative_file_dir(void **state)
{
	struct mlg_suite *s;
	char cwd[PATH_MAX], want[PATH_MAX + 32];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	s = load_ok("{\"datasets\": {\"t\": {\"path\": \"t.csv\"}}, \"checks\": []}");
	assert_string_equal(s->dir, cwd);
	snprintf(want, sizeof(want), "%s/t.csv", cwd);
	assert_string_equal(s->datasets[0].abs_path, want);
	assert_int_equal(s->nchecks, 0);
	mlg_suite_free(s);
}

static void test_env_expansion(void **state)
{
	struct mlg_suite *s;

	(void)state;
	setenv("MLGT_SUITE_COL", "price", 1);
	s = load_ok("{\"datasets\": {\"t\": {\"path\": \"${MLGT_SUITE_COL}.csv\"}},\n"
		    " \"checks\": [{\"kind\": \"data.range\", \"dataset\": \"t\",\n"
		    "   \"column\": \"${MLGT_SUITE_COL}\", \"min\": 0, \"name\": \"$$ ${MLGT_SUITE_COL}\"}]}");
	assert_string_equal(s->datasets[0].path, "price.csv");
	assert_string_equal(mlg_check_string(&s->checks[0], "column"), "price");
	assert_string_equal(s->checks[0].name, "$ price");
	assert_string_equal(s->checks[0].id, "data.range:t.price");
	mlg_suite_free(s);
	unsetenv("MLGT_SUITE_COL");
}

static void test_derived_ids(void **state)
{
	struct mlg_suite *s;

	(void)state;
	s = load_ok(
		"{\"datasets\": {\"t\": {\"path\": \"t.csv\"}}, \"checks\": [\n"
		" {\"kind\": \"data.not_null\", \"dataset\": \"t\", \"columns\": [\"a\", \"b\"]},\n"
		" {\"kind\": \"data.not_null\", \"dataset\": \"t\", \"columns\": \"a\"},\n"
		" {\"kind\": \"data.row_count\", \"dataset\": \"t\", \"min\": 1},\n"
		" {\"kind\": \"data.row_count\", \"dataset\": \"t\", \"max\": 9},\n"
		" {\"kind\": \"data.row_count\", \"dataset\": \"t\", \"max\": 8, \"id\": \"data.row_count:t#2\"},\n"
		" {\"kind\": \"infra.command\", \"run\": [\"make\", \"test\"]},\n"
		" {\"kind\": \"infra.file\", \"path\": \"m.bin\", \"id\": \"infra.file:m.bin\"},\n"
		" {\"kind\": \"infra.file\", \"path\": \"m.bin\"}\n"
		"]}");
	assert_int_equal(s->nchecks, 8);
	assert_string_equal(s->checks[0].id, "data.not_null:t.a+b");
	assert_string_equal(s->checks[1].id, "data.not_null:t.a");
	assert_string_equal(s->checks[2].id, "data.row_count:t");
	/* "#2" is taken by an explicit id: the next free number */
	assert_string_equal(s->checks[3].id, "data.row_count:t#3");
	assert_string_equal(s->checks[4].id, "data.row_count:t#2");
	assert_string_equal(s->checks[5].id, "infra.command:make test");
	assert_string_equal(s->checks[6].id, "infra.file:m.bin");
	assert_string_equal(s->checks[7].id, "infra.file:m.bin#2");
	/* ids are unique */
	for (size_t i = 0; i < s->nchecks; i++)
		for (size_t j = i + 1; j < s->nchecks; j++)
			if (!strcmp(s->checks[i].id, s->checks[j].id))
				fail_msg("checks %zu and %zu share id '%s'", i, j, s->checks[i].id);
	mlg_suite_free(s);
}

/* ---- problems: ids ---- */

static void test_duplicate_explicit_id(void **state)
{
	struct mlg_diag d;

	(void)state;
	load_bad("{\"checks\": [\n"                                            /* 1 */
		 "  {\"kind\": \"infra.file\", \"path\": \"a\", \"id\": \"x\"},\n" /* 2 */
		 "  {\"kind\": \"infra.file\", \"path\": \"b\",\n"                 /* 3 */
		 "   \"id\": \"x\"}\n"                                              /* 4 */
		 "]}",
		 1, &d);
	item_is(&d, 0, "checks[1].id", 4, 4, "duplicate id 'x'", "checks[0]");
	mlg_diag_release(&d);
}

/* "needs": ids resolve to indices, sorted, duplicates dropped; derived ids too. */
static void test_needs_resolved(void **state)
{
	struct mlg_suite *suite;
	struct mlg_diag d = MLG_DIAG_INIT;

	(void)state;
	assert_int_equal(load("s.json",
			      "{\"checks\": [\n"
			      "  {\"kind\": \"infra.file\", \"path\": \"a\", \"needs\": [\"c\", \"infra.file:b\", \"c\"]},\n"
			      "  {\"kind\": \"infra.file\", \"path\": \"b\"},\n"
			      "  {\"kind\": \"infra.file\", \"path\": \"c\", \"id\": \"c\", \"needs\": \"infra.file:b\"}\n"
			      "]}",
			      &suite, &d),
			 0);
	assert_int_equal(suite->checks[0].nneeds, 2);
	assert_int_equal(suite->checks[0].needs[0], 1);
	assert_int_equal(suite->checks[0].needs[1], 2);
	assert_int_equal(suite->checks[1].nneeds, 0);
	assert_null(suite->checks[1].needs);
	assert_int_equal(suite->checks[2].nneeds, 1);
	assert_int_equal(suite->checks[2].needs[0], 1);
	mlg_suite_free(suite);
}

static void test_needs_problems(void **state)
{
	struct mlg_diag d;

	(void)state;
	load_bad("{\"checks\": [\n"                                                    /* 1 */
		 "  {\"kind\": \"infra.file\", \"path\": \"a\", \"id\": \"a\", \"needs\": \"b\"},\n" /* 2 */
		 "  {\"kind\": \"infra.file\", \"path\": \"b\", \"id\": \"b\", \"needs\": [\"a\"]}\n" /* 3 */
		 "]}",
		 1, &d);
	item_is(&d, 0, "checks[1].needs", 3, 0, "dependency cycle: 'a' (checks[0]) needs 'b' (checks[1]) needs 'a' (checks[0])", NULL);
	mlg_diag_release(&d);
	load_bad("{\"checks\": [\n"
		 "  {\"kind\": \"infra.file\", \"path\": \"a\", \"needs\": {}},\n"
		 "  {\"kind\": \"infra.file\", \"path\": \"b\", \"needs\": []},\n"
		 "  {\"kind\": \"infra.file\", \"path\": \"c\", \"needs\": [\"nope\"]}\n"
		 "]}",
		 3, &d);
	item_is(&d, 0, "checks[0].needs", 2, 0, "expected a check id or a non-empty list of check ids, found an object", NULL);
	item_is(&d, 1, "checks[1].needs", 3, 0, "expected a check id or a non-empty list", NULL);
	item_is(&d, 2, "checks[2].needs[0]", 4, 0, "no check has the id 'nope'", NULL);
	mlg_diag_release(&d);
}

static void test_parse_size(void **state)
{
	static const struct { const char *json; int ok; uint64_t bytes; } cases[] = {
		{ "300000000", 1, 300000000 }, { "\"512MiB\"", 1, 536870912 }, { "\"2GB\"", 1, 2000000000 },
		{ "\"1.5 KiB\"", 1, 1536 }, { "\"100k\"", 1, 100000 }, { "\"7\"", 1, 7 }, { "0", 1, 0 },
		{ "\"12Q\"", 0, 0 }, { "\" 5MB\"", 0, 0 }, { "\"inf\"", 0, 0 }, { "-1", 0, 0 },
		{ "\"0x10\"", 0, 0 }, { "true", 0, 0 }, { "1e19", 0, 0 }, { "\"\"", 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *v = cJSON_Parse(cases[i].json);
		uint64_t bytes = 0;

		assert_non_null(v);
		assert_int_equal(mlg_parse_size(v, &bytes) == 0, cases[i].ok);
		if (cases[i].ok)
			assert_int_equal(bytes, cases[i].bytes);
		cJSON_Delete(v);
	}
}

/* ---- problems: kinds and parameters ---- */

static void test_unknown_kind(void **state)
{
	(void)state;
	one_problem("{\"checks\": [\n"
		    "  {\"kind\": \"data.rnage\", \"dataset\": \"t\"}\n"
		    "]}",
		    "checks[0].kind", 2, 4, "unknown check kind 'data.rnage'",
		    "did you mean 'data.range'?");
	/* nothing close: the list of kinds */
	one_problem("{\"checks\": [{\"kind\": \"zzzzzzzz\"}]}", "checks[0].kind", 1, 14,
		    "unknown check kind 'zzzzzzzz'", "data.not_null");
	/* a kind that is not a string */
	one_problem("{\"checks\": [{\"kind\": 3}]}", "checks[0].kind", 1, 14, "expected a check kind string",
		    "found a number");
	/* no kind at all */
	one_problem("{\"checks\": [\n  {\"path\": \"a\"}\n]}", "checks[0]", 2, 3, "missing \"kind\"",
		    NULL);
	/* a check that is not an object */
	one_problem("{\"checks\": [\n  \"infra.file\"\n]}", "checks[0]", 2, 3,
		    "expected a check object", "found a string");
}

static void test_unknown_parameter(void **state)
{
	(void)state;
	one_problem("{\"datasets\": {\"t\": {\"path\": \"t.csv\"}}, \"checks\": [\n"
		    "  {\"kind\": \"data.range\", \"dataset\": \"t\", \"column\": \"c\",\n"
		    "   \"mni\": 0}\n"
		    "]}",
		    "checks[0].mni", 3, 4, "unknown parameter of data.range 'mni'",
		    "did you mean 'min'?");
	/* a common parameter misspelt */
	one_problem("{\"checks\": [{\"kind\": \"infra.file\", \"path\": \"a\",\n \"severty\": \"warn\"}]}",
		    "checks[0].severty", 2, 2, "'severty'", "did you mean 'severity'?");
	/* nothing close: no suggestion, the list */
	one_problem("{\"checks\": [{\"kind\": \"infra.file\", \"path\": \"a\", \"qqqqqqqqqq\": 1}]}",
		    "checks[0].qqqqqqqqqq", 1, 49, "unknown parameter of infra.file 'qqqqqqqqqq'",
		    "min_bytes");
}

/* The prefix of every single-check suite below: dataset "t" declared. */
#define DS "{\"datasets\": {\"t\": {\"path\": \"t.csv\"}}, \"checks\": [\n"

static void test_wrong_types(void **state)
{
	(void)state;
	/* string */
	one_problem(DS "{\"kind\": \"data.range\", \"dataset\": \"t\", \"min\": 0,\n"
		       " \"column\": 5}]}",
		    "checks[0].column", 3, 2, "expected a string", "found a number");
	/* number */
	one_problem(DS "{\"kind\": \"data.range\", \"dataset\": \"t\", \"column\": \"c\",\n"
		       " \"min\": \"0\"}]}",
		    "checks[0].min", 3, 2, "expected a number or an RFC 3339 date or time", "found \"0\"");
	/* integer with a fraction */
	one_problem(DS "{\"kind\": \"data.row_count\", \"dataset\": \"t\",\n"
		       " \"min\": 1.5}]}",
		    "checks[0].min", 3, 2, "expected a whole number", "found a fraction");
	/* integer given as a string */
	one_problem(DS "{\"kind\": \"data.row_count\", \"dataset\": \"t\",\n"
		       " \"min\": \"10\"}]}",
		    "checks[0].min", 3, 2, "expected a whole number", "found a string");
	/* boolean */
	one_problem(DS "{\"kind\": \"data.range\", \"dataset\": \"t\", \"column\": \"c\", \"min\": 0,\n"
		       " \"strict\": \"yes\"}]}",
		    "checks[0].strict", 3, 2, "expected true or false", "found a string");
	/* fraction above 1, below 0, not a number */
	one_problem(DS "{\"kind\": \"data.range\", \"dataset\": \"t\", \"column\": \"c\", \"min\": 0,\n"
		       " \"mostly\": 1.5}]}",
		    "checks[0].mostly", 3, 2, "expected a number from 0 to 1", "outside [0, 1]");
	one_problem(DS "{\"kind\": \"data.not_null\", \"dataset\": \"t\", \"columns\": \"c\",\n"
		       " \"mostly\": -0.01}]}",
		    "checks[0].mostly", 3, 2, "expected a number from 0 to 1", "outside [0, 1]");
	one_problem(DS "{\"kind\": \"data.not_null\", \"dataset\": \"t\", \"columns\": \"c\",\n"
		       " \"mostly\": \"0.5\"}]}",
		    "checks[0].mostly", 3, 2, "expected a number from 0 to 1", "found a string");
	/* duration */
	one_problem(DS "{\"kind\": \"infra.file\", \"path\": \"a\",\n"
		       " \"timeout\": \"5x\"}]}",
		    "checks[0].timeout", 3, 2, "'5x'", "ms, s, m, h or d");
	one_problem(DS "{\"kind\": \"infra.file\", \"path\": \"a\",\n"
		       " \"timeout\": true}]}",
		    "checks[0].timeout", 3, 2, "expected a duration", NULL);
	/* strings: a list with a number inside, an empty list, a number */
	one_problem(DS "{\"kind\": \"data.not_null\", \"dataset\": \"t\",\n"
		       " \"columns\": [\"a\", 1]}]}",
		    "checks[0].columns", 3, 2, "expected a string or a non-empty list of strings",
		    NULL);
	one_problem(DS "{\"kind\": \"data.not_null\", \"dataset\": \"t\",\n"
		       " \"columns\": []}]}",
		    "checks[0].columns", 3, 2, "non-empty list", NULL);
	one_problem(DS "{\"kind\": \"data.not_null\", \"dataset\": \"t\",\n"
		       " \"columns\": 4}]}",
		    "checks[0].columns", 3, 2, "expected a string or a non-empty list of strings",
		    NULL);
	/* object */
	one_problem(DS "{\"kind\": \"data.schema\", \"dataset\": \"t\",\n"
		       " \"columns\": [\"a\"]}]}",
		    "checks[0].columns", 3, 2, "expected an object", "found a list");
	/* undeclared dataset */
	one_problem(DS "{\"kind\": \"data.row_count\", \"min\": 1,\n"
		       " \"dataset\": \"nope\"}]}",
		    "checks[0].dataset", 3, 2, "dataset 'nope' is not declared", "declared: 't'");
	one_problem("{\"checks\": [{\"kind\": \"data.row_count\", \"min\": 1,\n"
		    " \"dataset\": \"nope\"}]}",
		    "checks[0].dataset", 2, 2, "dataset 'nope' is not declared", "none is declared");
	one_problem(DS "{\"kind\": \"data.row_count\", \"min\": 1,\n"
		       " \"dataset\": 1}]}",
		    "checks[0].dataset", 3, 2, "expected the name of a dataset", "found a number");
	/* empty path; a path that is not a string */
	one_problem(DS "{\"kind\": \"infra.file\",\n"
		       " \"path\": \"\"}]}",
		    "checks[0].path", 3, 2, "expected a file path", "empty string");
	one_problem(DS "{\"kind\": \"model.metric\", \"path\": \"a.b\", \"min\": 0,\n"
		       " \"file\": null}]}",
		    "checks[0].file", 3, 2, "expected a file path string", "found null");
	/* name and id must be non-empty strings */
	one_problem(DS "{\"kind\": \"infra.file\", \"path\": \"a\",\n"
		       " \"name\": \"\"}]}",
		    "checks[0].name", 3, 2, "non-empty string", NULL);
	one_problem(DS "{\"kind\": \"infra.file\", \"path\": \"a\",\n"
		       " \"id\": 7}]}",
		    "checks[0].id", 3, 2, "non-empty string", NULL);
}

static void test_missing_required(void **state)
{
	(void)state;
	one_problem(DS "  {\"kind\": \"data.range\", \"dataset\": \"t\", \"min\": 0}\n]}", "checks[0]", 2,
		    3, "missing required parameter 'column' of data.range", "expected string");
	one_problem(DS "{\"kind\": \"model.metric\", \"file\": \"m.json\", \"min\": 0}]}", "checks[0]",
		    2, 1, "missing required parameter 'path'", "expected string");
	one_problem(DS "\n {\"kind\": \"infra.file\"}]}", "checks[0]", 3, 2,
		    "missing required parameter 'path' of infra.file", "expected path");
	one_problem(DS "{\"kind\": \"data.not_null\", \"dataset\": \"t\"}]}", "checks[0]", 2, 1,
		    "missing required parameter 'columns'", "expected string or list");
}

static void test_kind_rules_after_generic(void **state)
{
	(void)state;
	/* the kind's validate() runs on type-correct checks */
	one_problem(DS "{\"kind\": \"data.range\", \"dataset\": \"t\", \"column\": \"c\"}]}",
		    "checks[0]", 2, 1, "needs \"min\", \"max\" or both", NULL);
	one_problem(DS "{\"kind\": \"data.range\", \"dataset\": \"t\", \"column\": \"c\",\n"
		       "  \"min\": 5, \"max\": 1}]}",
		    "checks[0].min", 3, 3, "greater than", NULL);
}

static void test_five_errors(void **state)
{
	struct mlg_diag d;
	const char *text =
		"{\n"                                                                            /* 1 */
		"  \"datasets\": {\"t\": {\"path\": \"t.csv\"}},\n"                               /* 2 */
		"  \"checks\": [\n"                                                              /* 3 */
		"    {\"kind\": \"data.range\", \"dataset\": \"t\", \"column\": \"a\", \"min\": \"x\"},\n" /* 4 */
		"    {\"kind\": \"data.rnage\", \"dataset\": \"t\"},\n"                          /* 5 */
		"    {\n"                                                                        /* 6 */
		"      \"kind\": \"infra.file\",\n"                                              /* 7 */
		"      \"path\": 7\n"                                                            /* 8 */
		"    },\n"                                                                       /* 9 */
		"    {\"kind\": \"data.not_null\", \"dataset\": \"missing\", \"columns\": \"a\"},\n" /* 10 */
		"    {\"kind\": \"model.metric\", \"file\": \"m.json\"}\n"                       /* 11 */
		"  ]\n"                                                                          /* 12 */
		"}\n";

	(void)state;
	load_bad(text, 5, &d);
	item_is(&d, 0, "checks[0].min", 4, 59, "expected a number or an RFC 3339 date", "found \"x\"");
	item_is(&d, 1, "checks[1].kind", 5, 6, "unknown check kind 'data.rnage'", "data.range");
	item_is(&d, 2, "checks[2].path", 8, 7, "expected a file path string", "found a number");
	item_is(&d, 3, "checks[3].dataset", 10, 31, "dataset 'missing' is not declared", NULL);
	item_is(&d, 4, "checks[4]", 11, 5, "missing required parameter 'path' of model.metric",
		NULL);
	mlg_diag_release(&d);
}

/* ---- problems: the file's structure ---- */

static void test_top_level(void **state)
{
	struct mlg_diag d;

	(void)state;
	/* not an object */
	one_problem("\n  [1, 2]", "", 2, 3, "expected a JSON object at the top level", NULL);
	one_problem("\"checks\"", "", 1, 1, "expected a JSON object at the top level", NULL);
	/* unknown key, with a suggestion */
	one_problem("{\"checks\": [],\n \"dataset\": {}}", "dataset", 2, 2,
		    "unknown top-level key 'dataset'", "did you mean 'datasets'?");
	/* a misspelt "checks": unknown, and "checks" missing */
	load_bad("{\n  \"chekcs\": []\n}", 2, &d);
	/* problems come in file order */
	item_is(&d, 0, "", 1, 1, "missing \"checks\"", NULL);
	item_is(&d, 1, "chekcs", 2, 3, "unknown top-level key 'chekcs'", "did you mean 'checks'?");
	mlg_diag_release(&d);
	/* checks not a list */
	one_problem("{\n  \"checks\": {\"kind\": \"infra.file\"}\n}", "checks", 2, 3,
		    "expected a list of checks", "found an object");
	/* unsupported format version */
	one_problem("{\"checks\": [],\n  \"mlgate\": 2}", "mlgate", 2, 3,
		    "unsupported suite format version", "\"mlgate\": 1");
	one_problem("{\"checks\": [],\n  \"mlgate\": \"1\"}", "mlgate", 2, 3,
		    "unsupported suite format version", NULL);
	/* suite name */
	one_problem("{\"checks\": [],\n  \"suite\": 5}", "suite", 2, 3, "non-empty string", NULL);
	/* gate */
	one_problem("{\"checks\": [],\n  \"gate\": []}", "gate", 2, 3, "expected an object", NULL);
}

static void test_defaults_problems(void **state)
{
	(void)state;
	one_problem("{\"checks\": [],\n \"defaults\": {\"severity\": \"fatal\"}}", "defaults.severity",
		    2, 15, "expected \"error\" or \"warn\"", NULL);
	one_problem("{\"checks\": [],\n \"defaults\": {\"timeout\": \"5x\"}}", "defaults.timeout", 2,
		    15, "'5x'", NULL);
	one_problem("{\"checks\": [],\n \"defaults\": {\"retries\": 3}}", "defaults.retries", 2, 15,
		    "unknown default 'retries'", NULL);
	one_problem("{\"checks\": [],\n \"defaults\": 3}", "defaults", 2, 2, "expected an object",
		    NULL);
}

static void test_dataset_problems(void **state)
{
	(void)state;
	one_problem("{\"checks\": [],\n \"datasets\": {\"t\": {\"path\": \"t.csv\",\n"
		    "   \"delimiter\": \";;\"}}}",
		    "datasets.t.delimiter", 3, 4, "one-character string", NULL);
	one_problem("{\"checks\": [],\n \"datasets\": {\"t\": {\"path\": \"t.csv\",\n"
		    "   \"delimiter\": \"\\\"\"}}}",
		    "datasets.t.delimiter", 3, 4, "one-character string", NULL);
	one_problem("{\"checks\": [],\n \"datasets\": {\"t\": {\"path\": \"t.csv\",\n"
		    "   \"delimiter\": 9}}}",
		    "datasets.t.delimiter", 3, 4, "one-character string", NULL);
	one_problem("{\"checks\": [],\n \"datasets\": {\"t\": {\"path\": \"t.csv\",\n"
		    "   \"format\": \"parquet\"}}}",
		    "datasets.t.format", 3, 4, "unsupported format", NULL);
	one_problem("{\"checks\": [],\n \"datasets\": {\"t\": {\"path\": \"t.csv\",\n"
		    "   \"header\": \"yes\"}}}",
		    "datasets.t.header", 3, 4, "expected true or false", "found a string");
	one_problem("{\"checks\": [],\n \"datasets\": {\"t\": {\"path\": \"t.csv\",\n"
		    "   \"pth\": \"x\"}}}",
		    "datasets.t.pth", 3, 4, "unknown dataset option 'pth'", "did you mean 'path'?");
	one_problem("{\"checks\": [],\n \"datasets\": {\"t\": {\"path\": \"\"}}}", "datasets.t.path",
		    2, 21, "expected \"path\"", NULL);
	one_problem("{\"checks\": [],\n \"datasets\": {\"t\": {}}}", "datasets.t.path", 2, 15,
		    "expected \"path\"", "found nothing");
	one_problem("{\"checks\": [],\n \"datasets\": {\"my set\": \"t.csv\"}}",
		    "datasets[\"my set\"]", 2, 15, "expected an object", "found a string");
	one_problem("{\"checks\": [],\n \"datasets\": [\"t.csv\"]}", "datasets", 2, 2,
		    "expected an object of named datasets", "found a list");
}

static void test_severity_and_tags(void **state)
{
	(void)state;
	one_problem("{\"checks\": [{\"kind\": \"infra.file\", \"path\": \"a\",\n"
		    "  \"severity\": \"fatal\"}]}",
		    "checks[0].severity", 2, 3, "expected \"error\" or \"warn\"", NULL);
	one_problem("{\"checks\": [{\"kind\": \"infra.file\", \"path\": \"a\",\n"
		    "  \"tags\": 3}]}",
		    "checks[0].tags", 2, 3, "expected a string or a list of strings", NULL);
	one_problem("{\"checks\": [{\"kind\": \"infra.file\", \"path\": \"a\",\n"
		    "  \"description\": 3}]}",
		    "checks[0].description", 2, 3, "expected a string", NULL);
}

/* One missing parameter is one problem, not two. */
static void test_missing_dataset_once(void **state)
{
	(void)state;
	one_problem(DS "{\"kind\": \"data.range\", \"column\": \"c\", \"min\": 0}]}", "checks[0]", 2,
		    1, "missing required parameter 'dataset' of data.range", "expected dataset");
}

/* Each bad item of a list is reported at its own path. */
static void test_tags_bad_items(void **state)
{
	struct mlg_diag d;

	(void)state;
	load_bad("{\"checks\": [{\"kind\": \"infra.file\", \"path\": \"a\",\n"
		 "  \"tags\": [\"x\", 1,\n"
		 "           null]}]}",
		 2, &d);
	item_is(&d, 0, "checks[0].tags[1]", 2, 17, "string", NULL);
	item_is(&d, 1, "checks[0].tags[2]", 3, 12, "string", NULL);
	mlg_diag_release(&d);
}

/* A whole number too large for exact integers is not "a fraction". */
static void test_integer_too_large(void **state)
{
	struct mlg_diag d;

	(void)state;
	load_bad(DS "{\"kind\": \"data.row_count\", \"dataset\": \"t\",\n"
		    " \"min\": 1e300}]}",
		 1, &d);
	item_is(&d, 0, "checks[0].min", 3, 2, "whole number", NULL);
	if (strstr(d.items[0].message, "fraction")) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", d.items[0].message);
		mlg_diag_release(&d);
		fail_msg("1e300 is a whole number, message says: %s", msg);
	}
	mlg_diag_release(&d);
}

static void test_env_problem(void **state)
{
	(void)state;
	unsetenv("MLGT_SUITE_UNSET");
	one_problem(DS "{\"kind\": \"data.range\", \"dataset\": \"t\", \"min\": 0,\n"
		       "  \"column\": \"${MLGT_SUITE_UNSET}\"}]}",
		    "checks[0].column", 3, 3, "'MLGT_SUITE_UNSET' is not set", NULL);
}

static void test_syntax_error(void **state)
{
	(void)state;
	one_problem("{\n  \"checks\": [\n    {\"kind\": \"infra.file\",}\n  ]\n}", "", 3, 27,
		    "trailing comma", NULL);
	one_problem("{\"checks\": []} /* open", "", 1, 16, "comment is not closed", NULL);
}

static void test_duplicate_key(void **state)
{
	(void)state;
	/* The problem points at the second occurrence, the one to remove. */
	one_problem("{\n"
		    "  \"checks\": [],\n"
		    "  \"checks\": []\n"
		    "}",
		    "checks", 3, 3, "duplicate key", NULL);
	one_problem("{\"checks\": [\n"
		    "  {\"kind\": \"infra.file\", \"path\": \"a\",\n"
		    "   \"path\": \"b\"}\n"
		    "]}",
		    "checks[0].path", 3, 4, "duplicate key", NULL);
}

static void test_load_missing_file(void **state)
{
	struct mlg_diag d = MLG_DIAG_INIT;
	struct mlg_suite *s = (struct mlg_suite *)&d;

	(void)state;
	mlg_error_clear();
	assert_int_equal(mlg_suite_load(&s, "/nonexistent/mlgate-test/mlgate.json", &d),
			 MLG_ENOTFOUND);
	assert_null(s);
	assert_int_equal(d.count, 0);
	assert_non_null(strstr(mlg_error_last(), "/nonexistent/mlgate-test/mlgate.json"));
	mlg_diag_release(&d);
}

static void test_load_file(void **state)
{
	char file[PATH_MAX + 32], sha[65];
	const char *text = "{\"suite\": \"from file\", \"checks\": [{\"kind\": \"infra.file\", \"path\": \"x\"}]}\n";
	struct mlg_diag d = MLG_DIAG_INIT;
	struct mlg_suite *s = NULL;
	FILE *f;

	(void)state;
	snprintf(file, sizeof(file), "%s/mlgate.json", tmpdir);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(mlg_suite_load(&s, file, &d), 0);
	assert_non_null(s);
	assert_int_equal(d.count, 0);
	assert_string_equal(s->file, file);
	assert_string_equal(s->dir, tmpdir);
	assert_string_equal(s->name, "from file");
	mlg_sha256_hex(text, strlen(text), sha);
	assert_string_equal(s->sha256, sha);
	mlg_suite_free(s);
	mlg_diag_release(&d);
	unlink(file);

	/* a folder is not a suite */
	assert_int_equal(mlg_suite_load(&s, tmpdir, &d), MLG_ENOTFOUND);
	assert_null(s);
	assert_int_equal(d.count, 0);
}

static void test_free_null(void **state)
{
	struct mlg_diag d = MLG_DIAG_INIT;

	(void)state;
	mlg_suite_free(NULL);
	mlg_diag_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_suite),
		cmocka_unit_test(test_default_timeout_and_severity),
		cmocka_unit_test(test_relative_file_dir),
		cmocka_unit_test(test_env_expansion),
		cmocka_unit_test(test_derived_ids),
		cmocka_unit_test(test_duplicate_explicit_id),
		cmocka_unit_test(test_unknown_kind),
		cmocka_unit_test(test_unknown_parameter),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_kind_rules_after_generic),
		cmocka_unit_test(test_five_errors),
		cmocka_unit_test(test_top_level),
		cmocka_unit_test(test_defaults_problems),
		cmocka_unit_test(test_dataset_problems),
		cmocka_unit_test(test_severity_and_tags),
		cmocka_unit_test(test_missing_dataset_once),
		cmocka_unit_test(test_tags_bad_items),
		cmocka_unit_test(test_needs_resolved),
		cmocka_unit_test(test_needs_problems),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_integer_too_large),
		cmocka_unit_test(test_env_problem),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
