/* Unit tests for a check's command (runner/runcmd.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlgate/error.h"
#include "mlgate/proc.h"
#include "mlgate/runcmd.h"
#include "mlgate/suite.h"
#include "util.h"

/* The suite's folder, made by main(), as realpath() spells it. */
static char suite_dir[PATH_MAX];

/* Loads a suite of infra.resources checks (`checks`: the JSON list's items). */
static struct mlg_suite *load(const char *checks, struct mlg_diag *diag)
{
	struct mlg_suite *suite = NULL;
	char *text = mlg_xasprintf("{ \"suite\": \"t\", \"checks\": [ %s ] }", checks);
	char *file = mlg_xasprintf("%s/mlgate.json", suite_dir);

	mlg_suite_load_text(&suite, file, text, strlen(text), diag);
	free(text);
	free(file);
	return suite;
}

/* `rest` after the suite's folder; the caller frees it. */
static char *in_dir(const char *rest)
{
	return mlg_xasprintf("%s%s", suite_dir, rest);
}

/* The problems of a suite that must not load, one per line. */
static char *problems(const char *checks)
{
	struct mlg_diag diag = MLG_DIAG_INIT;
	struct mlg_suite *suite = load(checks, &diag);
	struct mlg_strbuf sb = MLG_STRBUF_INIT;

	assert_null(suite);
	for (size_t i = 0; i < diag.count; i++)
		mlg_strbuf_addf(&sb, "%s: %s\n", diag.items[i].path, diag.items[i].message);
	mlg_diag_release(&diag);
	return mlg_strbuf_detach(&sb);
}

static void test_validate(void **state)
{
	char *p;

	p = problems("{ \"kind\": \"infra.resources\", \"run\": \"make test\", \"max_cpu\": 1 },"
		     "{ \"kind\": \"infra.resources\", \"run\": [\"make\"], \"shell\": true, \"max_cpu\": 1 },"
		     "{ \"kind\": \"infra.resources\", \"run\": [\"\"], \"max_cpu\": 1 },"
		     "{ \"kind\": \"infra.resources\", \"run\": [\"make\"], \"env\": { \"A\": 1 }, \"max_cpu\": 1 },"
		     "{ \"kind\": \"infra.resources\", \"run\": [\"make\"], \"tail_lines\": -1, \"max_cpu\": 1 }");
	assert_string_equal(p,
			    "checks[0].run: a command string needs \"shell\": true; or give the argv as a list, e.g. [\"make\", \"test\"]\n"
			    "checks[1].run: with \"shell\": true give the command as one string\n"
			    "checks[2].run: the command is empty: expected a program name first\n"
			    "checks[3].env: value of 'A' must be a string\n"
			    "checks[4].tail_lines: expected 0 to 10000 lines\n");
	free(p);
}

#define X6 "xxxxxx"
#define X54 X6 X6 X6 X6 X6 X6 X6 X6 X6

static void test_display(void **state)
{
	struct mlg_diag diag = MLG_DIAG_INIT;
	struct mlg_suite *suite = load(
		"{ \"kind\": \"infra.resources\", \"run\": [\"python3\", \"train.py\", \"--name\", \"my model\", \"it's\", \"\"], \"max_cpu\": 1 },"
		"{ \"kind\": \"infra.resources\", \"run\": \"make test | tee log\", \"shell\": true, \"max_cpu\": 1 },"
		/* "echo " and 54 x: the é takes bytes 59 and 60 */
		"{ \"kind\": \"infra.resources\", \"run\": [\"echo\", \"" X54 "été\"], \"max_cpu\": 1 }",
		&diag);
	char *d;

	assert_non_null(suite);
	d = mlg_runcmd_display(&suite->checks[0]);
	assert_string_equal(d, "python3 train.py --name 'my model' 'it'\\''s' ''");
	free(d);
	d = mlg_runcmd_display(&suite->checks[1]);
	assert_string_equal(d, "make test | tee log");
	free(d);
	/* cut after 60 bytes, not inside the é */
	d = mlg_runcmd_display(&suite->checks[2]);
	assert_string_equal(d, "echo " X54 "...");
	free(d);
	mlg_suite_free(suite);
}

static void test_init_and_options(void **state)
{
	struct mlg_diag diag = MLG_DIAG_INIT;
	struct mlg_suite *suite = load(
		"{ \"kind\": \"infra.resources\", \"run\": [\"make\", \"test\"], \"cwd\": \"sub\", \"env\": { \"A\": \"1\", \"B\": \"x y\" }, \"max_cpu\": 1 },"
		"{ \"kind\": \"infra.resources\", \"run\": \"make | tee\", \"shell\": true, \"max_cpu\": 1, \"timeout\": \"10s\" }",
		&diag);
	struct mlg_runcmd cmd;
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_check_ctx ctx;
	volatile sig_atomic_t flag = 0;
	char *sub = in_dir("/sub");

	assert_non_null(suite);
	mlg_runcmd_init(&cmd, &suite->checks[0]);
	assert_string_equal(cmd.argv[0], "make");
	assert_string_equal(cmd.argv[1], "test");
	assert_null(cmd.argv[2]);
	assert_string_equal(cmd.env[0], "A=1");
	assert_string_equal(cmd.env[1], "B=x y");
	assert_null(cmd.env[2]);
	assert_string_equal(cmd.cwd, sub);
	free(sub);
	assert_string_equal(cmd.cwd_param, "sub");
	assert_string_equal(cmd.display, "make test");

	memset(&ctx, 0, sizeof(ctx));
	ctx.check = &suite->checks[0];
	ctx.cancel = &flag;
	mlg_runcmd_options(&cmd, &ctx, NULL, &o);
	assert_ptr_equal(o.argv, cmd.argv);
	assert_string_equal(o.cwd, cmd.cwd);
	assert_ptr_equal(o.env, cmd.env);
	assert_ptr_equal(o.cancel, &flag);
	assert_int_equal(o.tail_bytes, MLG_RUNCMD_TAIL_BYTES);
	assert_true(o.timeout_s == 0);
	/* a deadline becomes the time left, never less than 1 ms */
	ctx.deadline = mlg_now() + 5;
	mlg_runcmd_options(&cmd, &ctx, "/elsewhere", &o);
	assert_string_equal(o.cwd, "/elsewhere");
	assert_true(o.timeout_s > 4 && o.timeout_s <= 5);
	ctx.deadline = mlg_now() - 1;
	mlg_runcmd_options(&cmd, &ctx, NULL, &o);
	assert_true(o.timeout_s == 0.001);
	mlg_runcmd_release(&cmd);
	mlg_runcmd_release(&cmd); /* twice is fine */

	mlg_runcmd_init(&cmd, &suite->checks[1]);
	assert_string_equal(cmd.argv[0], "/bin/sh");
	assert_string_equal(cmd.argv[1], "-c");
	assert_string_equal(cmd.argv[2], "make | tee");
	assert_null(cmd.argv[3]);
	assert_null(cmd.env[0]);
	assert_string_equal(cmd.cwd, suite_dir);
	assert_null(cmd.cwd_param);
	mlg_runcmd_release(&cmd);
	mlg_suite_free(suite);
}

static void test_abnormal_and_start_error(void **state)
{
	struct mlg_diag diag = MLG_DIAG_INIT;
	struct mlg_suite *suite = load(
		"{ \"kind\": \"infra.resources\", \"run\": [\"sleep\", \"9\"], \"cwd\": \"nowhere\", \"max_cpu\": 1, \"timeout\": \"1500ms\" }",
		&diag);
	struct mlg_runcmd cmd;
	struct mlg_proc_result pr;
	char *msg;

	assert_non_null(suite);
	mlg_runcmd_init(&cmd, &suite->checks[0]);
	memset(&pr, 0, sizeof(pr));
	pr.exited = 1;
	pr.exit_code = 4;
	assert_null(mlg_runcmd_abnormal(&cmd, &suite->checks[0], &pr));
	pr.exited = 0;
	pr.signaled = 1;
	pr.signal = SIGKILL;
	msg = mlg_runcmd_abnormal(&cmd, &suite->checks[0], &pr);
	assert_string_equal(msg, "`sleep 9` crashed: killed by signal 9 (Killed)");
	free(msg);
	pr.timed_out = 1;
	msg = mlg_runcmd_abnormal(&cmd, &suite->checks[0], &pr);
	assert_string_equal(msg, "`sleep 9` timed out after 1.5 s and was killed with its process group");
	free(msg);
	pr.cancelled = 1;
	msg = mlg_runcmd_abnormal(&cmd, &suite->checks[0], &pr);
	assert_string_equal(msg, "interrupted: `sleep 9` was stopped");
	free(msg);

	/* the folder is named as the suite spells it */
	mlg_error_set("cannot change to '%s/nowhere': No such file or directory", suite_dir);
	msg = mlg_runcmd_start_error(&cmd, cmd.cwd);
	assert_string_equal(msg, "cannot change to 'nowhere': No such file or directory");
	free(msg);
	mlg_error_set("cannot change to '/tmp/scratch-1': No such file or directory");
	msg = mlg_runcmd_start_error(&cmd, "/tmp/scratch-1");
	assert_string_equal(msg, "cannot change to '.': No such file or directory");
	free(msg);
	mlg_runcmd_release(&cmd);
	mlg_suite_free(suite);
}

static void test_output(void **state)
{
	struct mlg_proc_result pr;
	char *text;
	char out[] = "one\ntwo\r\nthree\x1b[31m\n";
	char err[] = "bad\0byte";

	memset(&pr, 0, sizeof(pr));
	assert_null(mlg_runcmd_output(&pr, 100, 20));
	pr.out_tail = out;
	pr.out_bytes = strlen(out);
	pr.err_tail = err;
	pr.err_bytes = sizeof(err) - 1;
	text = mlg_runcmd_output(&pr, 100, 20);
	assert_string_equal(text, "--- stdout (20 bytes) ---\none\ntwo\nthree\\x1B[31m\n"
				  "--- stderr (8 bytes) ---\nbad\\x00byte\n");
	free(text);
	/* the last 2 lines; more was written than kept */
	pr.out_bytes = 1000;
	pr.err_bytes = 0;
	text = mlg_runcmd_output(&pr, strlen(out), 2);
	assert_string_equal(text, "--- stdout (1000 bytes; last 2 lines) ---\ntwo\nthree\\x1B[31m\n");
	free(text);
	assert_null(mlg_runcmd_output(&pr, 100, 0));
}

int main(void)
{
	char made[] = "/tmp/mlgate-test-runcmd-XXXXXX";
	int rc;

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_display),
		cmocka_unit_test(test_init_and_options),
		cmocka_unit_test(test_abnormal_and_start_error),
		cmocka_unit_test(test_output),
	};

	if (!mkdtemp(made) || !realpath(made, suite_dir))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(made);
	return rc;
}
