/*
 * Unit tests for ${VAR} expansion of suite strings (runner/expand.c).
 *
 * Every variable the tests use starts with MLGT_ so that nothing in the
 * environment the tests run in can interfere; each test sets or unsets
 * exactly the variables it reads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expand.h"
#include "mlgate/error.h"

static void expands_to(const char *in, const char *want)
{
	char *out = (char *)"untouched";
	int rc;

	mlg_error_clear();
	rc = mlg_expand_vars(in, &out);
	if (rc != 0)
		fail_msg("'%s' should expand: %s", in, mlg_error_last());
	assert_non_null(out);
	if (strcmp(out, want))
		fail_msg("'%s' expands to '%s', want '%s'", in, out, want);
	free(out);
}

/* Expects MLG_EINVALID, *out NULL, and a message containing each part. */
static void rejects(const char *in, const char *part1, const char *part2)
{
	char *out = (char *)"untouched";
	int rc;

	mlg_error_clear();
	rc = mlg_expand_vars(in, &out);
	if (rc != MLG_EINVALID) {
		if (rc == 0)
			free(out);
		fail_msg("'%s' should be rejected, got %d", in, rc);
	}
	assert_null(out);
	if (part1 && !strstr(mlg_error_last(), part1))
		fail_msg("'%s': message '%s' lacks '%s'", in, mlg_error_last(), part1);
	if (part2 && !strstr(mlg_error_last(), part2))
		fail_msg("'%s': message '%s' lacks '%s'", in, mlg_error_last(), part2);
}

static int setup_env(void **state)
{
	(void)state;
	setenv("MLGT_A", "hello", 1);
	setenv("MLGT_B", "x", 1);
	setenv("MLGT_EMPTY", "", 1);
	setenv("MLGT_SPACE", "a b", 1);
	setenv("MLGT_REF", "${MLGT_B}", 1);
	setenv("MLGT_REF_DEF", "${MLGT_UNSET:-d}", 1);
	setenv("MLGT_DOLLARS", "a$$b$", 1);
	setenv("MLGT_1", "one", 1);
	unsetenv("MLGT_UNSET");
	unsetenv("MLGT_UNSET2");
	return 0;
}

static int teardown_env(void **state)
{
	(void)state;
	unsetenv("MLGT_A");
	unsetenv("MLGT_B");
	unsetenv("MLGT_EMPTY");
	unsetenv("MLGT_SPACE");
	unsetenv("MLGT_REF");
	unsetenv("MLGT_REF_DEF");
	unsetenv("MLGT_DOLLARS");
	unsetenv("MLGT_1");
	return 0;
}

static void test_plain_text(void **state)
{
	(void)state;
	expands_to("", "");
	expands_to("no variables here", "no variables here");
	expands_to("{braces} and }", "{braces} and }");
	expands_to("caf\xc3\xa9", "caf\xc3\xa9");
}

static void test_simple_var(void **state)
{
	(void)state;
	expands_to("${MLGT_A}", "hello");
	expands_to("x${MLGT_A}y", "xhelloy");
	expands_to("${MLGT_A}${MLGT_B}", "hellox");
	expands_to("${MLGT_A}/${MLGT_A}", "hello/hello");
	expands_to("${MLGT_SPACE}", "a b");
	expands_to("${MLGT_1}", "one");
	/* set but empty, no default: the empty value */
	expands_to("[${MLGT_EMPTY}]", "[]");
}

static void test_default(void **state)
{
	(void)state;
	/* unset: the default */
	expands_to("${MLGT_UNSET:-def}", "def");
	expands_to("data/${MLGT_UNSET:-train}.csv", "data/train.csv");
	/* empty: the default too */
	expands_to("${MLGT_EMPTY:-def}", "def");
	/* set: the value */
	expands_to("${MLGT_A:-def}", "hello");
	/* an empty default */
	expands_to("<${MLGT_UNSET:-}>", "<>");
	/* defaults may hold spaces, colons, dashes, slashes and a '$' */
	expands_to("${MLGT_UNSET:-a b:-c/d}", "a b:-c/d");
	expands_to("${MLGT_UNSET:-5$}", "5$");
	/* several in a row */
	expands_to("${MLGT_UNSET:-1}${MLGT_UNSET2:-2}${MLGT_B:-3}", "12x");
}

static void test_dollar_dollar(void **state)
{
	(void)state;
	expands_to("$$", "$");
	expands_to("a$$b", "a$b");
	expands_to("$$$$", "$$");
	expands_to("$$$", "$$");
	/* $$ protects a reference */
	expands_to("$${MLGT_A}", "${MLGT_A}");
	expands_to("$${MLGT_UNSET}", "${MLGT_UNSET}");
	/* $$$ then a reference */
	expands_to("$$${MLGT_A}", "$hello");
}

static void test_lone_dollar(void **state)
{
	(void)state;
	expands_to("$", "$");
	expands_to("a$", "a$");
	expands_to("costs $5", "costs $5");
	expands_to("$MLGT_A", "$MLGT_A");
	expands_to("$ {MLGT_A}", "$ {MLGT_A}");
	expands_to("$(cmd)", "$(cmd)");
	expands_to("end $", "end $");
}

static void test_unset_is_error(void **state)
{
	(void)state;
	rejects("${MLGT_UNSET}", "'MLGT_UNSET'", "not set");
	rejects("prefix ${MLGT_A} then ${MLGT_UNSET2} suffix", "'MLGT_UNSET2'", "not set");
	/* the message tells how to give a default */
	rejects("${MLGT_UNSET}", "${MLGT_UNSET:-default}", NULL);
}

static void test_unclosed(void **state)
{
	(void)state;
	rejects("${MLGT_A", "not closed", NULL);
	rejects("abc ${", "not closed", NULL);
	rejects("${MLGT_UNSET:-x", "not closed", NULL);
	rejects("${MLGT_A} ${MLGT_B", "not closed", NULL);
}

static void test_invalid_names(void **state)
{
	(void)state;
	rejects("${}", "invalid variable reference '${}'", NULL);
	rejects("${1A}", "invalid variable reference '${1A}'", NULL);
	rejects("${A-B}", "invalid variable reference '${A-B}'", NULL);
	rejects("${A B}", "invalid variable reference '${A B}'", NULL);
	rejects("${A:B}", "invalid variable reference '${A:B}'", NULL);
	rejects("${A:=x}", "invalid variable reference '${A:=x}'", NULL);
	rejects("${-x}", "invalid variable reference '${-x}'", NULL);
	rejects("${A.B}", "invalid variable reference '${A.B}'", NULL);
	rejects("${caf\xc3\xa9}", "invalid variable reference", NULL);
	/* the message shows only the bad reference, not the rest */
	rejects("ok ${MLGT_A} ${bad name} tail", "'${bad name}'", NULL);
}

static void test_no_second_expansion(void **state)
{
	(void)state;
	/* MLGT_REF='${MLGT_B}' and MLGT_B=x: the value is not expanded again */
	expands_to("${MLGT_REF}", "${MLGT_B}");
	expands_to("[${MLGT_REF}]", "[${MLGT_B}]");
	/* nor when it names an unset variable */
	expands_to("${MLGT_REF_DEF}", "${MLGT_UNSET:-d}");
	/* $$ inside a value stays doubled */
	expands_to("${MLGT_DOLLARS}", "a$$b$");
	/* a value coming from a default is not looked at either */
	expands_to("${MLGT_UNSET:-$$}", "$$");
	/* and the text after a value is still expanded */
	expands_to("${MLGT_REF}${MLGT_A}", "${MLGT_B}hello");
	/* a reference inside a default is refused, not half-read ("${B" and a stray "}") */
	rejects("${MLGT_UNSET:-${MLGT_B}}", "'${MLGT_UNSET:-${MLGT_B}}'", "do not nest");
	rejects("${MLGT_A:-${MLGT_B}}", "cannot hold another reference", NULL);
	/* "$${" in a default is fine: defaults are taken as written */
	expands_to("${MLGT_UNSET:-$$x}", "$$x");
}

static void test_out_reset_on_error(void **state)
{
	char *out = (char *)"untouched";

	(void)state;
	assert_int_equal(mlg_expand_vars("${MLGT_UNSET}", &out), MLG_EINVALID);
	assert_null(out);
	out = (char *)"untouched";
	assert_int_equal(mlg_expand_vars("${", &out), MLG_EINVALID);
	assert_null(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text),
		cmocka_unit_test(test_simple_var),
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_dollar_dollar),
		cmocka_unit_test(test_lone_dollar),
		cmocka_unit_test(test_unset_is_error),
		cmocka_unit_test(test_unclosed),
		cmocka_unit_test(test_invalid_names),
		cmocka_unit_test(test_no_second_expansion),
		cmocka_unit_test(test_out_reset_on_error),
	};

	return cmocka_run_group_tests(tests, setup_env, teardown_env);
}
