/*
 * Unit tests for check ids at scale (runner/suite.c, assign_ids()): the
 * hash-map assignment gives exactly the ids of the plain definition (each
 * derived id is the first of "base", "base#2", "base#3"... that no
 * explicit id and no earlier derived id has), on suites where targets
 * repeat hundreds of times and explicit ids take numbers in between; and
 * a suite of 20,000 checks of one target loads (quadratic assignment took
 * minutes there).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/error.h"
#include "mlgate/suite.h"
#include "util.h"

/* The suite of infra.file checks on paths[i], with ids[i] when not NULL. */
static char *suite_text(const char *const *paths, const char *const *ids, size_t n)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;

	mlg_strbuf_addstr(&sb, "{\"checks\": [\n");
	for (size_t i = 0; i < n; i++) {
		mlg_strbuf_addf(&sb, " {\"kind\": \"infra.file\", \"path\": \"%s\"", paths[i]);
		if (ids[i])
			mlg_strbuf_addf(&sb, ", \"id\": \"%s\"", ids[i]);
		mlg_strbuf_addf(&sb, "}%s\n", i + 1 < n ? "," : "");
	}
	mlg_strbuf_addstr(&sb, "]}\n");
	return mlg_strbuf_detach(&sb);
}

static struct mlg_suite *load_ok(const char *text)
{
	struct mlg_diag d = MLG_DIAG_INIT;
	struct mlg_suite *s = NULL;
	int rc = mlg_suite_load_text(&s, "mlgate.json", text, strlen(text), &d);

	for (size_t i = 0; i < d.count && i < 5; i++)
		print_message("  %d:%d %s: %s\n", d.items[i].line, d.items[i].column, d.items[i].path,
			      d.items[i].message);
	assert_int_equal(rc, 0);
	assert_int_equal(d.count, 0);
	mlg_diag_release(&d);
	return s;
}

/* The definition, quadratic: what assign_ids() must give. */
static char **reference_ids(const char *const *paths, const char *const *ids, size_t n)
{
	char **out = calloc(n, sizeof(*out));

	assert_non_null(out);
	for (size_t i = 0; i < n; i++)
		if (ids[i])
			out[i] = mlg_xstrdup(ids[i]);
	for (size_t i = 0; i < n; i++) {
		char *base, *cand;
		int k = 1, clash;

		if (out[i])
			continue;
		base = mlg_xasprintf("infra.file:%s", paths[i]);
		cand = mlg_xstrdup(base);
		do {
			clash = 0;
			for (size_t j = 0; j < n && !clash; j++)
				clash = j != i && out[j] && !strcmp(out[j], cand);
			if (clash) {
				free(cand);
				cand = mlg_xasprintf("%s#%d", base, ++k);
			}
		} while (clash);
		out[i] = cand;
		free(base);
	}
	return out;
}

static void test_ids_match_the_definition(void **state)
{
	enum { N = 700 };
	const char *paths[N], *ids[N];
	char *explicit_ids[N] = { 0 };
	char **want, *text;
	struct mlg_suite *s;

	(void)state;
	for (size_t i = 0; i < N; i++) {
		/* five targets, one of them looking like another's derived id */
		static const char *const targets[] = { "a", "b", "a#2", "c", "a#3" };

		paths[i] = targets[i % 5];
		ids[i] = NULL;
		/* explicit ids that take numbers the derived ones would get, some
		 * late in the file (explicit ids are taken before any is derived) */
		if (i % 37 == 5) {
			explicit_ids[i] = mlg_xasprintf("infra.file:a#%zu", 2 + (i * 7) % 150);
			ids[i] = explicit_ids[i];
		} else if (i % 53 == 7) {
			explicit_ids[i] = mlg_xasprintf("infra.file:a#2#%zu", 1 + i % 9);
			ids[i] = explicit_ids[i];
		}
	}
	/* explicit ids must be unique: drop repeats */
	for (size_t i = 0; i < N; i++)
		for (size_t j = 0; j < i && ids[i]; j++)
			if (ids[j] && !strcmp(ids[i], ids[j]))
				ids[i] = NULL;
	text = suite_text(paths, ids, N);
	s = load_ok(text);
	want = reference_ids(paths, ids, N);
	assert_int_equal(s->nchecks, N);
	for (size_t i = 0; i < N; i++) {
		if (strcmp(s->checks[i].id, want[i]))
			fail_msg("checks[%zu]: id '%s', expected '%s'", i, s->checks[i].id, want[i]);
		assert_string_equal(s->checks[i].name, want[i]);
		free(want[i]);
		free(explicit_ids[i]);
	}
	free(want);
	free(text);
	mlg_suite_free(s);
}

static void test_one_target_many_times(void **state)
{
	enum { N = 20000 };
	const char **paths = calloc(N, sizeof(*paths)), **ids = calloc(N, sizeof(*ids));
	char *text;
	struct mlg_suite *s;

	(void)state;
	assert_non_null(paths);
	assert_non_null(ids);
	for (size_t i = 0; i < N; i++)
		paths[i] = "model.bin";
	ids[N / 2] = "infra.file:model.bin#3";
	text = suite_text(paths, ids, N);
	s = load_ok(text);
	assert_string_equal(s->checks[0].id, "infra.file:model.bin");
	assert_string_equal(s->checks[1].id, "infra.file:model.bin#2");
	assert_string_equal(s->checks[2].id, "infra.file:model.bin#4");
	assert_string_equal(s->checks[N / 2].id, "infra.file:model.bin#3");
	assert_string_equal(s->checks[N - 1].id, "infra.file:model.bin#20000");
	free(text);
	free(paths);
	free(ids);
	mlg_suite_free(s);
}

/* Each repeat of an explicit id is one problem naming the first check with it. */
static void test_duplicates_name_the_first(void **state)
{
	const char *paths[] = { "a", "b", "c", "d", "e" };
	const char *ids[] = { "x", "y", "x", "x", "y" };
	char *text = suite_text(paths, ids, 5);
	struct mlg_diag d = MLG_DIAG_INIT;
	struct mlg_suite *s = NULL;

	(void)state;
	assert_int_equal(mlg_suite_load_text(&s, "mlgate.json", text, strlen(text), &d), MLG_EINVALID);
	assert_null(s);
	assert_int_equal(d.count, 3);
	/* in file order */
	assert_string_equal(d.items[0].path, "checks[2].id");
	assert_non_null(strstr(d.items[0].message, "duplicate id 'x': checks[0] has it too"));
	assert_string_equal(d.items[1].path, "checks[3].id");
	assert_non_null(strstr(d.items[1].message, "duplicate id 'x': checks[0] has it too"));
	assert_string_equal(d.items[2].path, "checks[4].id");
	assert_non_null(strstr(d.items[2].message, "duplicate id 'y': checks[1] has it too"));
	mlg_diag_release(&d);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids_match_the_definition),
		cmocka_unit_test(test_one_target_many_times),
		cmocka_unit_test(test_duplicates_name_the_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
