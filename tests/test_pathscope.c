/*
 * Unit tests for the suite's folder as a boundary (runner/pathscope.c):
 * path resolution with and without symbolic links, and the suite errors
 * for paths that leave the folder. Each test works in a fresh temporary
 * folder (resolved, so /tmp being a link does not matter).
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
#include <sys/stat.h>
#include <unistd.h>

#include "mlgate/error.h"
#include "mlgate/suite.h"
#include "pathscope.h"
#include "util.h"

static char *tmp; /* the test's folder, resolved */

static int setup(void **state)
{
	char templ[] = "/tmp/mlgt-pathscope-XXXXXX";

	(void)state;
	if (!mkdtemp(templ))
		return -1;
	tmp = realpath(templ, NULL);
	return tmp ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd = mlg_xasprintf("rm -rf '%s'", tmp);
	int rc = system(cmd);

	(void)state;
	free(cmd);
	free(tmp);
	return rc == 0 ? 0 : -1;
}

/* Creates the folder or file `rel` under tmp (a trailing '/' makes a folder). */
static void make(const char *rel)
{
	char *p = mlg_xasprintf("%s/%s", tmp, rel);
	size_t n = strlen(p);

	if (p[n - 1] == '/') {
		p[n - 1] = '\0';
		assert_int_equal(mkdir(p, 0755), 0);
	} else {
		FILE *f = fopen(p, "w");

		assert_non_null(f);
		fclose(f);
	}
	free(p);
}

static void link_at(const char *target, const char *rel)
{
	char *p = mlg_xasprintf("%s/%s", tmp, rel);

	assert_int_equal(symlink(target, p), 0);
	free(p);
}

/* mlg_path_resolve(base, path) is tmp + want, or want without its '=' when it begins with one. */
static void resolves_to(const char *base, const char *path, enum mlg_path_links links,
			const char *want)
{
	char *got = mlg_path_resolve(base, path, links);
	char *full = want[0] == '=' ? mlg_xstrdup(want + 1) : mlg_xasprintf("%s%s", tmp, want);

	if (strcmp(got, full)) {
		print_error("resolve('%s', '%s'): got '%s', want '%s'\n", base, path, got, full);
		free(got);
		free(full);
		fail();
	}
	free(got);
	free(full);
}

static void test_resolve_lexical(void **state)
{
	(void)state;
	{
		static const struct { const char *base, *path, *want; } cases[] = {
			{ "/a/b", "c/d", "/a/b/c/d" },
			{ "/a/b", "c/../d", "/a/b/d" },
			{ "/a/b", "./c/./d/", "/a/b/c/d" },
			{ "/a/b", "..", "/a" },
			{ "/a/b", "../../..", "/" },
			{ "/a/b", "../../../../x", "/x" },
			{ "/a/b", "/etc//passwd", "/etc/passwd" },
			{ "/", ".", "/" },
			{ "/a/b", "", "/a/b" },
			{ "/a/b", "c//d", "/a/b/c/d" },
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			char *got = mlg_path_resolve(cases[i].base, cases[i].path, MLG_PATH_LINKS_NONE);

			if (strcmp(got, cases[i].want))
				print_error("'%s' + '%s': got '%s', want '%s'\n", cases[i].base, cases[i].path,
					    got, cases[i].want);
			assert_string_equal(got, cases[i].want);
			free(got);
		}
	}
}

static void test_resolve_links(void **state)
{
	(void)state;
	make("suite/");
	make("suite/data/");
	make("outside/");
	make("outside/x.csv");
	link_at("../../outside", "suite/data/shared");
	link_at("/etc", "suite/etc");
	link_at("in.csv", "suite/data/alias.csv");
	link_at("loop-b", "suite/loop-a");
	link_at("loop-a", "suite/loop-b");
	link_at("missing-target", "suite/dangling");

	char *suite = mlg_xasprintf("%s/suite", tmp);

	resolves_to(suite, "data/shared/x.csv", MLG_PATH_LINKS_ALL, "/outside/x.csv");
	/* ".." after a link is the parent of its target, as the kernel has it */
	resolves_to(suite, "data/shared/../suite/data", MLG_PATH_LINKS_ALL, "/suite/data");
	resolves_to(suite, "data/shared/../suite/data", MLG_PATH_LINKS_NONE, "/suite/data/suite/data");
	resolves_to(suite, "etc/passwd", MLG_PATH_LINKS_ALL, "=/etc/passwd");
	resolves_to(suite, "data/alias.csv", MLG_PATH_LINKS_ALL, "/suite/data/in.csv");
	/* the last component as written (a dataset at a git revision) */
	resolves_to(suite, "data/alias.csv", MLG_PATH_LINKS_BUT_LAST, "/suite/data/alias.csv");
	resolves_to(suite, "data/shared/x.csv", MLG_PATH_LINKS_BUT_LAST, "/outside/x.csv");
	/* a missing tail is taken lexically; a dangling link is followed */
	resolves_to(suite, "no/such/../file", MLG_PATH_LINKS_ALL, "/suite/no/file");
	resolves_to(suite, "dangling", MLG_PATH_LINKS_ALL, "/suite/missing-target");
	/* a loop ends (after 40 links) instead of hanging */
	{
		char *got = mlg_path_resolve(suite, "loop-a", MLG_PATH_LINKS_ALL);

		assert_true(mlg_path_is_under(got, suite));
		free(got);
	}
	free(suite);
}

static void test_is_under(void **state)
{
	(void)state;
	assert_true(mlg_path_is_under("/a/b", "/a/b"));
	assert_true(mlg_path_is_under("/a/b/c", "/a/b"));
	assert_true(mlg_path_is_under("/a/b/c", "/a/b/"));
	assert_false(mlg_path_is_under("/a/bc", "/a/b"));
	assert_false(mlg_path_is_under("/a", "/a/b"));
	assert_true(mlg_path_is_under("/anything", "/"));
}

/* Loads `text` as tmp/suite/mlgate.json; returns the diagnostics joined. */
static char *load(const char *text, int *rc)
{
	struct mlg_suite *suite = NULL;
	struct mlg_diag diag = MLG_DIAG_INIT;
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	char *file = mlg_xasprintf("%s/suite/mlgate.json", tmp);

	*rc = mlg_suite_load_text(&suite, file, text, strlen(text), &diag);
	for (size_t i = 0; i < diag.count; i++)
		mlg_strbuf_addf(&sb, "%d:%d: %s: %s\n", diag.items[i].line, diag.items[i].column,
				diag.items[i].path, diag.items[i].message);
	mlg_diag_release(&diag);
	mlg_suite_free(suite);
	free(file);
	return mlg_strbuf_detach(&sb);
}

static void has(const char *text, const char *part)
{
	if (!strstr(text, part)) {
		print_error("'%s' lacks '%s'\n", text, part);
		fail();
	}
}

static void test_suite_paths_inside_and_out(void **state)
{
	char *out, *want;
	int rc;

	(void)state;
	make("suite/");
	make("suite/data/");
	make("shared/");
	link_at("../../shared", "suite/data/shared");
	out = load("{ \"datasets\": { \"a\": { \"path\": \"data/x.csv\" },\n"
		   "  \"b\": { \"path\": \"data/../data/x.csv\" } },\n"
		   "  \"checks\": [ { \"kind\": \"model.metric\", \"file\": \"m.json\", \"path\": \"a\", \"min\": 0 } ] }",
		   &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(out, "");
	free(out);

	out = load("{ \"datasets\": { \"a\": { \"path\": \"../shared/x.csv\" } },\n"
		   "  \"checks\": [ { \"kind\": \"model.metric\", \"file\": \"data/shared/m.json\", \"path\": \"a\", \"min\": 0 },\n"
		   "    { \"kind\": \"infra.command\", \"run\": [\"true\"], \"cwd\": \"/\" } ] }",
		   &rc);
	assert_int_equal(rc, MLG_EINVALID);
	want = mlg_xasprintf("1:24: datasets.a.path: dataset 'a': '../shared/x.csv' leads outside the suite's folder "
			     "'%s/suite' (to '%s/shared/x.csv'); to allow it: \"paths\": {\"allow_outside\": [\"../shared\"]}",
			     tmp, tmp);
	has(out, want);
	free(want);
	want = mlg_xasprintf("2:41: checks[0].file: parameter of model.metric 'file': 'data/shared/m.json' leads "
			     "outside the suite's folder '%s/suite' through a symbolic link (to '%s/shared/m.json'); "
			     "to allow it: \"paths\": {\"allow_outside\": [\"%s/shared\"]}",
			     tmp, tmp, tmp);
	has(out, want);
	free(want);
	has(out, "3:49: checks[1].cwd: parameter of infra.command 'cwd': '/' leads outside");
	free(out);

	/* allowed: by a listed folder (relative or absolute), or by true */
	out = load("{ \"paths\": { \"allow_outside\": [\"../shared\", \"/\"] },\n"
		   "  \"datasets\": { \"a\": { \"path\": \"../shared/x.csv\" } },\n"
		   "  \"checks\": [ { \"kind\": \"model.metric\", \"file\": \"data/shared/m.json\", \"path\": \"a\", \"min\": 0 },\n"
		   "    { \"kind\": \"infra.command\", \"run\": [\"true\"], \"cwd\": \"/\" } ] }",
		   &rc);
	assert_string_equal(out, "");
	assert_int_equal(rc, 0);
	free(out);
	out = load("{ \"paths\": { \"allow_outside\": true },\n"
		   "  \"checks\": [ { \"kind\": \"infra.file\", \"path\": \"/etc/passwd\" } ] }",
		   &rc);
	assert_int_equal(rc, 0);
	free(out);
	/* a listed folder allows only itself: not its siblings */
	out = load("{ \"paths\": { \"allow_outside\": [\"../shared\"] },\n"
		   "  \"checks\": [ { \"kind\": \"infra.file\", \"path\": \"../shared-not/x\" } ] }",
		   &rc);
	assert_int_equal(rc, MLG_EINVALID);
	has(out, "'../shared-not/x' leads outside");
	free(out);
}

static void test_suite_paths_option_validated(void **state)
{
	char *out;
	int rc;

	(void)state;
	make("suite/");
	out = load("{ \"paths\": { \"allow_outsde\": true, \"allow_outside\": [\"\", 1] },\n"
		   "  \"checks\": [] }",
		   &rc);
	assert_int_equal(rc, MLG_EINVALID);
	has(out, "1:14: paths.allow_outsde: unknown paths option 'allow_outsde': did you mean \"allow_outside\"");
	has(out, "paths.allow_outside[0]: expected a folder path, found an empty string");
	has(out, "paths.allow_outside[1]: expected a folder path, found a number");
	free(out);
	out = load("{ \"paths\": { \"allow_outside\": \"..\" }, \"checks\": [] }", &rc);
	assert_int_equal(rc, MLG_EINVALID);
	has(out, "paths.allow_outside: expected true, false, or a non-empty list of folders");
	has(out, "found a string");
	free(out);
	out = load("{ \"paths\": true, \"checks\": [] }", &rc);
	assert_int_equal(rc, MLG_EINVALID);
	has(out, "paths: expected an object such as {\"allow_outside\": [\"../shared\"]}, found a boolean");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_lexical),
		cmocka_unit_test_setup_teardown(test_resolve_links, setup, teardown),
		cmocka_unit_test(test_is_under),
		cmocka_unit_test_setup_teardown(test_suite_paths_inside_and_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suite_paths_option_validated, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
