/* Unit tests for the command runner (runner/proc.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cancel.h"
#include "mlgate/error.h"
#include "mlgate/proc.h"
#include "util.h"

static void sleep_s(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Runs argv with the given options filled in; returns mlg_proc_run's code. */
static int run_cmd(struct mlg_proc_result *r, struct mlg_proc_options *o,
		   const char *const *argv)
{
	o->argv = (char *const *)argv;
	return mlg_proc_run(r, o);
}

#define TEMP_TEMPLATE "/tmp/mlgate-test-proc-XXXXXX"

/* Makes an empty temp file for a command to write a pid into. */
static void make_temp(char *path)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
}

/* Reads the pid and removes the file (first, so a failure leaves none). */
static pid_t read_pid(const char *path)
{
	FILE *f = fopen(path, "r");
	long pid = 0;

	unlink(path);
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld", &pid), 1);
	fclose(f);
	assert_true(pid > 1);
	return (pid_t)pid;
}

/*
 * True once pid is gone. The test process is a child subreaper (see
 * main), so orphaned grandchildren become our children and are reaped
 * here; otherwise a non-reaping PID 1 in a container would leave them
 * zombies that kill(pid, 0) still finds.
 */
static int gone_within(pid_t pid, double s)
{
	double end = mlg_now() + s;

	for (;;) {
		int status;

		waitpid(pid, &status, WNOHANG);
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return 1;
		if (mlg_now() >= end)
			return 0;
		sleep_s(0.02);
	}
}

static void test_exit_zero_stdout(void **state)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result r;
	const char *argv[] = { "printf", "hello\\n", NULL };

	assert_int_equal(run_cmd(&r, &o, argv), 0);
	assert_int_equal(r.exited, 1);
	assert_int_equal(r.exit_code, 0);
	assert_int_equal(r.signaled, 0);
	assert_int_equal(r.timed_out, 0);
	assert_int_equal(r.cancelled, 0);
	assert_string_equal(r.out_tail, "hello\n");
	assert_string_equal(r.err_tail, "");
	assert_int_equal(r.out_bytes, 6);
	assert_int_equal(r.err_bytes, 0);
	assert_true(r.wall_s >= 0 && r.wall_s < 2.0);
	mlg_proc_result_release(&r);
	assert_null(r.out_tail);
	assert_null(r.err_tail);
	mlg_proc_result_release(&r); /* twice is fine */
}

static void test_nonzero_exit(void **state)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result r;
	const char *argv[] = { "sh", "-c", "exit 3", NULL };

	assert_int_equal(run_cmd(&r, &o, argv), 0);
	assert_int_equal(r.exited, 1);
	assert_int_equal(r.exit_code, 3);
	assert_int_equal(r.signaled, 0);
	mlg_proc_result_release(&r);
}

static void test_stderr_separate(void **state)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result r;
	const char *argv[] = { "sh", "-c",
			       "printf out1; printf err22 >&2; printf out3",
			       NULL };

	assert_int_equal(run_cmd(&r, &o, argv), 0);
	assert_string_equal(r.out_tail, "out1out3");
	assert_string_equal(r.err_tail, "err22");
	assert_int_equal(r.out_bytes, 8);
	assert_int_equal(r.err_bytes, 5);
	mlg_proc_result_release(&r);
}

static void test_stdin_is_dev_null(void **state)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result r;
	const char *argv[] = { "readlink", "/proc/self/fd/0", NULL };

	assert_int_equal(run_cmd(&r, &o, argv), 0);
	assert_int_equal(r.exit_code, 0);
	assert_string_equal(r.out_tail, "/dev/null\n");
	mlg_proc_result_release(&r);
}

/* seq -f %09g 0 9999 prints 10000 lines of 10 bytes: 100000 bytes. */
static void test_tail_truncation(void **state)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result r;
	const char *argv[] = { "seq", "-f", "%09g", "0", "9999", NULL };
	char expect[101];
	size_t len = 0;
	int i;

	for (i = 9990; i <= 9999; i++)
		len += (size_t)snprintf(expect + len, sizeof(expect) - len,
					"%09d\n", i);
	assert_int_equal(len, 100);

	o.tail_bytes = 100;
	assert_int_equal(run_cmd(&r, &o, argv), 0);
	assert_int_equal(r.exit_code, 0);
	assert_int_equal(r.out_bytes, 100000);
	assert_int_equal(strlen(r.out_tail), 100);
	assert_string_equal(r.out_tail, expect);
	mlg_proc_result_release(&r);
}

/* Many small writes, so the ring wraps at arbitrary offsets. */
static void test_tail_ring_small_writes(void **state)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result r;
	const char *argv[] = { "sh", "-c",
			       "i=1; while [ $i -le 300 ]; do "
			       "printf '%05d\\n' $i; "
			       "i=$((i+1)); done",
			       NULL };
	char all[1801];
	size_t len = 0;
	int i;

	for (i = 1; i <= 300; i++)
		len += (size_t)snprintf(all + len, sizeof(all) - len,
					"%05d\n", i);
	assert_int_equal(len, 1800);

	o.tail_bytes = 1000;
	assert_int_equal(run_cmd(&r, &o, argv), 0);
	assert_int_equal(r.out_bytes, 1800);
	assert_string_equal(r.out_tail, all + 800);
	mlg_proc_result_release(&r);
}

/*
 * Paced writes so that each arrives in its own read: fill part of the
 * 10-byte tail, fill it and wrap, write inside the ring, then write
 * across its end.
 */
static void test_tail_ring_wraps(void **state)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result r;
	const char *argv[] = { "sh", "-c",
			       "printf abcdefg; sleep 0.05; "
			       "printf hijklmn; sleep 0.05; "
			       "printf opq; sleep 0.05; printf rstuv",
			       NULL };

	o.tail_bytes = 10;
	assert_int_equal(run_cmd(&r, &o, argv), 0);
	assert_int_equal(r.out_bytes, 22);
	assert_string_equal(r.out_tail, "mnopqrstuv");
	mlg_proc_result_release(&r);
}

/*
 * 1 MB on stderr before 10 MB on stdout: a reader that drained stdout
 * first would deadlock with the child blocked on a full stderr pipe.
 * Also checks the default tail of 4096 bytes.
 */
static void test_large_output(void **state)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result r;
	const char *argv[] = { "sh", "-c",
			       "head -c 1000000 /dev/zero >&2; "
			       "head -c 10000000 /dev/zero",
			       NULL };
	static const char zeros[4096];

	o.timeout_s = 20;
	assert_int_equal(run_cmd(&r, &o, argv), 0);
	assert_int_equal(r.timed_out, 0);
	assert_int_equal(r.exited, 1);
	assert_int_equal(r.exit_code, 0);
	assert_int_equal(r.out_bytes, 10000000);
	assert_int_equal(r.err_bytes, 1000000);
	assert_memory_equal(r.out_tail, zeros, sizeof(zeros));
	assert_memory_equal(r.err_tail, zeros, sizeof(zeros));
	assert_int_equal(r.out_tail[4096], '\0');
	mlg_proc_result_release(&r);
}

static void test_missing_program(void **state)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result r;
	const char *argv[] = { "mlgate-no-such-prog", "x", NULL };

	assert_int_equal(run_cmd(&r, &o, argv), MLG_ENOTFOUND);
	assert_string_equal(mlg_error_last(),
			    "cannot run 'mlgate-no-such-prog': No such file or directory");
	assert_null(r.out_tail);
	assert_null(r.err_tail);
	assert_int_equal(r.exited, 0);
	assert_int_equal(r.exit_code, 0);
	mlg_proc_result_release(&r);
}

/* Decision: every exec failure, not only ENOENT, is MLG_ENOTFOUND. */
static void test_not_executable(void **state)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result r;
	const char *argv[] = { "/etc/passwd", NULL };

	assert_int_equal(run_cmd(&r, &o, argv), MLG_ENOTFOUND);
	assert_string_equal(mlg_error_last(),
			    "cannot run '/etc/passwd': Permission denied");
}

static void test_bad_cwd(void **state)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result r;
	const char *argv[] = { "true", NULL };

	o.cwd = "/nonexistent-mlgate-dir";
	assert_int_equal(run_cmd(&r, &o, argv), MLG_ENOTFOUND);
	assert_string_equal(mlg_error_last(),
			    "cannot change to '/nonexistent-mlgate-dir': No such file or directory");
	assert_null(r.out_tail);
}

static void test_cwd(void **state)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result r;
	const char *argv[] = { "pwd", NULL };
	char dir[] = "/tmp/mlgate-test-cwd-XXXXXX";
	char real[PATH_MAX];
	char *expect;

	assert_non_null(mkdtemp(dir));
	assert_non_null(realpath(dir, real));
	expect = mlg_xasprintf("%s\n", real);
	o.cwd = dir;
	assert_int_equal(run_cmd(&r, &o, argv), 0);
	assert_int_equal(r.exit_code, 0);
	assert_string_equal(r.out_tail, expect);
	mlg_proc_result_release(&r);
	free(expect);
	assert_int_equal(rmdir(dir), 0);
}

/*
 * Entries add or override variables; the later of two entries for one
 * name wins; "NAME" without '=' removes NAME. The caller's own
 * environment is left untouched.
 */
static void test_env(void **state)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result r;
	const char *argv[] = { "sh", "-c",
			       "printf '%s|%s|%s|%s' \"$FOO\" \"$MLG_T_OLD\" "
			       "\"${MLG_T_GONE-unset}\" \"$MLG_T_KEEP\"",
			       NULL };
	const char *env[] = { "FOO=bar baz", "MLG_T_OLD=first", "MLG_T_OLD=new",
			"MLG_T_GONE", NULL };

	assert_int_equal(setenv("MLG_T_OLD", "old", 1), 0);
	assert_int_equal(setenv("MLG_T_GONE", "here", 1), 0);
	assert_int_equal(setenv("MLG_T_KEEP", "kept", 1), 0);
	o.env = (char *const *)env;
	assert_int_equal(run_cmd(&r, &o, argv), 0);
	assert_int_equal(r.exit_code, 0);
	assert_string_equal(r.out_tail, "bar baz|new|unset|kept");
	mlg_proc_result_release(&r);
	assert_string_equal(getenv("MLG_T_OLD"), "old");
	assert_string_equal(getenv("MLG_T_GONE"), "here");
	unsetenv("MLG_T_OLD");
	unsetenv("MLG_T_GONE");
	unsetenv("MLG_T_KEEP");
}

/* A PATH in opts->env is used to find argv[0], as with env(1). */
static void test_env_path_lookup(void **state)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result r;
	const char *argv[] = { "sh", "-c", "true", NULL };
	const char *env[] = { "PATH=/nonexistent-mlgate-dir", NULL };

	o.env = (char *const *)env;
	assert_int_equal(run_cmd(&r, &o, argv), MLG_ENOTFOUND);
	assert_string_equal(mlg_error_last(),
			    "cannot run 'sh': No such file or directory");
}

static void test_timeout_kills_group(void **state)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result r;
	char path[] = TEMP_TEMPLATE;
	const char *argv[] = { "sh", "-c",
			       "sleep 30 & echo $! > \"$1\"; sleep 30",
			       "sh", path, NULL };
	double t0, took;
	pid_t bg;

	make_temp(path);
	o.timeout_s = 0.3;
	t0 = mlg_now();
	assert_int_equal(run_cmd(&r, &o, argv), 0);
	took = mlg_now() - t0;
	bg = read_pid(path);
	assert_int_equal(r.timed_out, 1);
	assert_int_equal(r.cancelled, 0);
	assert_int_equal(r.exited, 0);
	assert_int_equal(r.signaled, 1);
	assert_int_equal(r.signal, SIGTERM);
	assert_true(r.wall_s >= 0.3);
	assert_true(took < 1.5);
	mlg_proc_result_release(&r);
	assert_true(gone_within(bg, 1.0));
}

/* A group that ignores SIGTERM gets SIGKILL after the 2 s grace. */
static void test_timeout_sigkill_after_grace(void **state)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result r;
	const char *argv[] = { "sh", "-c",
			       "trap '' TERM; printf started; sleep 30; "
			       "printf survived",
			       NULL };
	double t0 = mlg_now(), took;

	o.timeout_s = 0.2;
	assert_int_equal(run_cmd(&r, &o, argv), 0);
	took = mlg_now() - t0;
	assert_int_equal(r.timed_out, 1);
	assert_int_equal(r.signaled, 1);
	assert_int_equal(r.signal, SIGKILL);
	assert_string_equal(r.out_tail, "started");
	assert_true(took >= 2.1);
	assert_true(took < 3.5);
	mlg_proc_result_release(&r);
}

/*
 * The child exits at once but leaves a background process holding the
 * output pipes: the run ends after the short drain, the exit status is
 * the child's, and the leftover is killed.
 */
static void test_background_holding_pipes(void **state)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result r;
	char path[] = TEMP_TEMPLATE;
	const char *argv[] = { "sh", "-c",
			       "sleep 30 & echo $! > \"$1\"; "
			       "printf done; exit 4",
			       "sh", path, NULL };
	double t0, took;
	pid_t bg;

	make_temp(path);
	t0 = mlg_now();
	assert_int_equal(run_cmd(&r, &o, argv), 0);
	took = mlg_now() - t0;
	bg = read_pid(path);
	assert_int_equal(r.exited, 1);
	assert_int_equal(r.exit_code, 4);
	assert_int_equal(r.timed_out, 0);
	assert_string_equal(r.out_tail, "done");
	assert_true(took < 1.5);
	mlg_proc_result_release(&r);
	assert_true(gone_within(bg, 1.0));
}

struct canceller {
	volatile sig_atomic_t *flag;
	double after_s;
};

static void *cancel_later(void *arg)
{
	struct canceller *c = arg;

	sleep_s(c->after_s);
	mlg_cancel_request(c->flag); /* atomic: the runner polls it from another thread */
	return NULL;
}

static void test_cancel(void **state)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result r;
	const char *argv[] = { "sleep", "30", NULL };
	volatile sig_atomic_t flag = 0;
	struct canceller c = { &flag, 0.2 };
	pthread_t th;
	double t0 = mlg_now(), took;

	o.cancel = &flag;
	o.timeout_s = 20;
	assert_int_equal(pthread_create(&th, NULL, cancel_later, &c), 0);
	assert_int_equal(run_cmd(&r, &o, argv), 0);
	took = mlg_now() - t0;
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(r.cancelled, 1);
	assert_int_equal(r.timed_out, 0);
	assert_int_equal(r.signaled, 1);
	assert_int_equal(r.signal, SIGTERM);
	assert_true(took >= 0.2);
	assert_true(took < 1.5);
	mlg_proc_result_release(&r);
}

static void test_killed_by_signal(void **state)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result r;
	const char *argv[] = { "sh", "-c", "kill -9 $$", NULL };

	assert_int_equal(run_cmd(&r, &o, argv), 0);
	assert_int_equal(r.exited, 0);
	assert_int_equal(r.signaled, 1);
	assert_int_equal(r.signal, 9);
	assert_int_equal(r.timed_out, 0);
	assert_int_equal(r.cancelled, 0);
	mlg_proc_result_release(&r);
}

static void test_bad_options(void **state)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result r;
	const char *empty[] = { NULL };

	assert_int_equal(mlg_proc_run(&r, &o), MLG_ERROR);
	assert_string_equal(mlg_error_last(), "no command to run");
	assert_null(r.out_tail);
	assert_int_equal(run_cmd(&r, &o, empty), MLG_ERROR);
	o.version = 99;
	assert_int_equal(mlg_proc_run(&r, &o), MLG_ERROR);
	assert_string_equal(mlg_error_last(),
			    "unsupported proc options version 99");
}

struct worker {
	const char *word;
	int failures;
	char error[256];
};

/* Several runs in a row, the first overlapping with the other thread's. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	static const char slow[] = "sleep 0.2; printf '%s' \"$1\"";
	static const char fast[] = "printf '%s' \"$1\"";
	int i;

	for (i = 0; i < 5; i++) {
		struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
		struct mlg_proc_result r;
		const char *argv[] = { "sh", "-c", i ? fast : slow, "sh",
				       w->word, NULL };

		o.argv = (char *const *)argv;
		o.timeout_s = 10;
		if (mlg_proc_run(&r, &o)) {
			snprintf(w->error, sizeof(w->error), "%s",
				 mlg_error_last());
			w->failures++;
			continue;
		}
		if (!r.exited || r.exit_code || strcmp(r.out_tail, w->word) ||
		    r.err_bytes)
			w->failures++;
		mlg_proc_result_release(&r);
	}
	return NULL;
}

static void test_concurrent(void **state)
{
	struct worker w[2] = { { "alpha", 0, "" }, { "beta", 0, "" } };
	pthread_t th[2];
	double t0 = mlg_now();
	int i;

	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, worker_main,
						&w[i]), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_string_equal(w[0].error, "");
	assert_string_equal(w[1].error, "");
	assert_int_equal(w[0].failures, 0);
	assert_int_equal(w[1].failures, 0);
	/* A sanity bound: nothing waited for a timeout. */
	assert_true(mlg_now() - t0 < 2.0);
}

/*
 * The test binary doubles as a command that uses resources: run as
 * `test_proc --hog MB CPU_S` it touches MB MiB and spins for CPU_S
 * seconds of user time (see main).
 */
static void hog(long mb, double cpu_s)
{
	size_t n = (size_t)mb << 20;
	volatile char *p = malloc(n ? n : 1);
	volatile unsigned long spin = 0;
	struct rusage ru;

	if (!p)
		exit(2);
	for (size_t i = 0; i < n; i += 4096)
		p[i] = 1;
	do {
		for (int i = 0; i < 1000000; i++)
			spin++;
		getrusage(RUSAGE_SELF, &ru);
	} while ((double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 < cpu_s);
	free((void *)p);
	exit(0);
}

static char self_exe[PATH_MAX];

static int run_hog(struct mlg_proc_result *r, int measure, const char *mb,
		   const char *cpu_s)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	const char *argv[] = { self_exe, "--hog", mb, cpu_s, NULL };

	o.measure = measure;
	o.timeout_s = 60;
	return run_cmd(r, &o, argv);
}

static void test_usage_memory(void **state)
{
	struct mlg_proc_result r;

	assert_int_equal(run_hog(&r, 0, "64", "0"), 0);
	assert_int_equal(r.exit_code, 0);
	assert_int_equal(r.has_usage, 1);
	assert_true(r.max_rss_kb >= 64 * 1024);
	assert_true(r.max_rss_kb < 1024 * 1024);
	mlg_proc_result_release(&r);
}

static void test_usage_cpu(void **state)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result r;
	const char *argv[] = { "sh", "-c",
			       "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done",
			       NULL };

	assert_int_equal(run_cmd(&r, &o, argv), 0);
	assert_int_equal(r.exit_code, 0);
	assert_int_equal(r.has_usage, 1);
	assert_true(r.user_s > 0);
	assert_true(r.sys_s >= 0);
	assert_true(r.user_s + r.sys_s <= r.wall_s + 0.05);
	mlg_proc_result_release(&r);
	/* the shell's children are counted: the loop runs in a subshell */
	argv[2] = "(i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done); true";
	assert_int_equal(run_cmd(&r, &o, argv), 0);
	assert_true(r.user_s > 0);
	mlg_proc_result_release(&r);
}

static void test_usage_hog_cpu(void **state)
{
	struct mlg_proc_result r;

	assert_int_equal(run_hog(&r, 1, "0", "0.3"), 0);
	assert_int_equal(r.exit_code, 0);
	assert_int_equal(r.has_usage, 1);
	assert_true(r.user_s >= 0.3);
	assert_true(r.max_rss_kb < 64 * 1024);
	mlg_proc_result_release(&r);
}

/*
 * While this process holds 256 MiB, a plain child's ru_maxrss cannot be
 * below that (the fork floor); a measured one reports its own 64 MiB.
 */
static void test_measure_ignores_our_size(void **state)
{
	size_t n = (size_t)256 << 20;
	volatile char *big = malloc(n);
	struct mlg_proc_result r;

	assert_non_null((void *)big);
	for (size_t i = 0; i < n; i += 4096)
		big[i] = 1;
	assert_int_equal(run_hog(&r, 0, "64", "0"), 0);
	assert_true(r.max_rss_kb >= 256 * 1024);
	mlg_proc_result_release(&r);

	assert_int_equal(run_hog(&r, 1, "64", "0"), 0);
	assert_int_equal(r.exited, 1);
	assert_int_equal(r.exit_code, 0);
	assert_int_equal(r.has_usage, 1);
	assert_true(r.max_rss_kb >= 64 * 1024);
	assert_true(r.max_rss_kb < 160 * 1024);
	mlg_proc_result_release(&r);
	free((void *)big);
}

/* Through the helper, a command ends, fails and is stopped as without it. */
static void test_measure_keeps_behaviour(void **state)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result r;
	const char *exit3[] = { "sh", "-c", "printf out; printf err >&2; exit 3", NULL };
	const char *killed[] = { "sh", "-c", "kill -9 $$", NULL };
	const char *missing[] = { "mlgate-no-such-prog", NULL };
	const char *sleepy[] = { "sleep", "30", NULL };
	const char *stubborn[] = { "sh", "-c", "trap '' TERM; sleep 30", NULL };
	const char *env[] = { "MLG_T_MEASURE=yes", NULL };
	const char *show_env[] = { "sh", "-c", "printf %s \"$MLG_T_MEASURE\"", NULL };

	o.measure = 1;
	assert_int_equal(run_cmd(&r, &o, exit3), 0);
	assert_int_equal(r.exited, 1);
	assert_int_equal(r.exit_code, 3);
	assert_string_equal(r.out_tail, "out");
	assert_string_equal(r.err_tail, "err");
	assert_int_equal(r.has_usage, 1);
	mlg_proc_result_release(&r);

	assert_int_equal(run_cmd(&r, &o, killed), 0);
	assert_int_equal(r.signaled, 1);
	assert_int_equal(r.signal, 9);
	assert_int_equal(r.has_usage, 1);
	mlg_proc_result_release(&r);

	assert_int_equal(run_cmd(&r, &o, missing), MLG_ENOTFOUND);
	assert_string_equal(mlg_error_last(),
			    "cannot run 'mlgate-no-such-prog': No such file or directory");

	o.env = (char *const *)env;
	o.cwd = "/";
	assert_int_equal(run_cmd(&r, &o, show_env), 0);
	assert_string_equal(r.out_tail, "yes");
	mlg_proc_result_release(&r);
	o.env = NULL;
	o.cwd = NULL;

	/* SIGTERM ends the command; the helper reports and ends alike */
	o.timeout_s = 0.3;
	assert_int_equal(run_cmd(&r, &o, sleepy), 0);
	assert_int_equal(r.timed_out, 1);
	assert_int_equal(r.signaled, 1);
	assert_int_equal(r.signal, SIGTERM);
	assert_int_equal(r.has_usage, 1);
	assert_true(r.wall_s < 1.5);
	mlg_proc_result_release(&r);

	/* SIGKILL after the grace ends both: no report */
	o.timeout_s = 0.2;
	assert_int_equal(run_cmd(&r, &o, stubborn), 0);
	assert_int_equal(r.timed_out, 1);
	assert_int_equal(r.signal, SIGKILL);
	assert_int_equal(r.has_usage, 0);
	mlg_proc_result_release(&r);
}

/* Version 1 options (without `measure`) are still accepted. */
static void test_options_version_1(void **state)
{
	struct mlg_proc_options o = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result r;
	const char *argv[] = { "true", NULL };

	o.version = 1;
	o.measure = 1; /* not read for version 1 */
	assert_int_equal(run_cmd(&r, &o, argv), 0);
	assert_int_equal(r.exit_code, 0);
	mlg_proc_result_release(&r);
}

int main(int argc, char **argv)
{
	ssize_t len;

	if (argc == 4 && !strcmp(argv[1], "--hog"))
		hog(atol(argv[2]), atof(argv[3]));
	len = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (len <= 0)
		return 1;
	self_exe[len] = '\0';
	{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_zero_stdout),
		cmocka_unit_test(test_nonzero_exit),
		cmocka_unit_test(test_stderr_separate),
		cmocka_unit_test(test_stdin_is_dev_null),
		cmocka_unit_test(test_tail_truncation),
		cmocka_unit_test(test_tail_ring_small_writes),
		cmocka_unit_test(test_tail_ring_wraps),
		cmocka_unit_test(test_large_output),
		cmocka_unit_test(test_missing_program),
		cmocka_unit_test(test_not_executable),
		cmocka_unit_test(test_bad_cwd),
		cmocka_unit_test(test_cwd),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_env_path_lookup),
		cmocka_unit_test(test_timeout_kills_group),
		cmocka_unit_test(test_timeout_sigkill_after_grace),
		cmocka_unit_test(test_background_holding_pipes),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_killed_by_signal),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_usage_memory),
		cmocka_unit_test(test_usage_cpu),
		cmocka_unit_test(test_usage_hog_cpu),
		cmocka_unit_test(test_measure_ignores_our_size),
		cmocka_unit_test(test_measure_keeps_behaviour),
		cmocka_unit_test(test_options_version_1),
	};

	/* Orphaned grandchildren come to us, so gone_within() can reap them. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
	}
}
