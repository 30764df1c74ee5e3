/*
 * Unit tests for the fatal paths of report writing: the temporary-file
 * registry (runner/atomic.c), the out-of-memory exit and allocation
 * failure injection (runner/util.c). What must die dies in a forked
 * child; the parent checks how it ended and what it left on disk.
 * (The ordinary paths of mlg_write_atomic() are in test_report.c.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <libxml/tree.h>

#include "atomic.h"
#include "util.h"
#include "mlgate/error.h"
#include "mlgate/report.h"

static char tmpdir[] = "/tmp/mlgate-test-atomic-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[sizeof(tmpdir) + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A fresh empty folder under tmpdir; the caller frees the name. */
static char *fresh_dir(const char *name)
{
	char *dir = mlg_xasprintf("%s/%s", tmpdir, name);

	assert_int_equal(mkdir(dir, 0755), 0);
	return dir;
}

/* The names in `dir` other than . and .., joined by '|', sorted as read. */
static char *names_in(const char *dir)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	DIR *d = opendir(dir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (sb.len)
			mlg_strbuf_addch(&sb, '|');
		mlg_strbuf_addstr(&sb, e->d_name);
	}
	closedir(d);
	return mlg_strbuf_detach(&sb);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *read_text(const char *path)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		mlg_strbuf_add(&sb, buf, n);
	fclose(f);
	return mlg_strbuf_detach(&sb);
}

/* Waits for `pid`; returns its wait status. */
static int wait_for(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/*
 * A child that writes a 64 KiB report over `dir`/r.json with a file size
 * limit of 1 KiB: the kernel sends SIGXFSZ in the middle of the write,
 * the way a SIGKILL or a crash would stop it. With `catch` the child
 * has mlgate's handlers (mlg_tempfile_catch_signals).
 */
static pid_t write_until_killed(const char *dir, int catch)
{
	pid_t pid;

	fflush(NULL); /* or the child's exit would print cmocka's output twice */
	pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 1024, 1024 };
		char *path = mlg_xasprintf("%s/r.json", dir);
		size_t len = 64 * 1024;
		char *data = mlg_xmalloc(len);

		memset(data, ' ', len);
		if (catch)
			mlg_tempfile_catch_signals();
		setrlimit(RLIMIT_FSIZE, &rl);
		mlg_write_atomic(path, data, len);
		_exit(0); /* not reached: SIGXFSZ ends it */
	}
	return pid;
}

/* Killed in the middle: the old report is intact and the leftover is a
 * hidden temporary named after the report and the writer's pid. */
static void test_killed_writer_leaves_old_report_and_named_temp(void **state)
{
	char *dir = fresh_dir("killed"), *old_path = mlg_xasprintf("%s/r.json", dir);
	char *names, *text, *prefix;
	pid_t pid;
	int status;

	(void)state;
	write_file(old_path, "{\"old\": true}\n");
	pid = write_until_killed(dir, 0);
	status = wait_for(pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGXFSZ);
	text = read_text(old_path);
	assert_string_equal(text, "{\"old\": true}\n");
	free(text);
	names = names_in(dir);
	prefix = mlg_xasprintf(".r.json.tmp.%ld.", (long)pid);
	/* "r.json" and ".r.json.tmp.PID.XXXXXX", in either order */
	assert_non_null(strstr(names, prefix));
	assert_int_equal(strlen(names), strlen("r.json|") + strlen(prefix) + 6);
	free(prefix);
	free(names);
	free(old_path);
	free(dir);
}

/* With the handlers, the same signal removes the temporary file and the
 * process still ends by that signal. */
static void test_fatal_signal_removes_temp(void **state)
{
	char *dir = fresh_dir("caught"), *old_path = mlg_xasprintf("%s/r.json", dir);
	char *names, *text;
	int status;

	(void)state;
	write_file(old_path, "{\"old\": true}\n");
	status = wait_for(write_until_killed(dir, 1));
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGXFSZ);
	text = read_text(old_path);
	assert_string_equal(text, "{\"old\": true}\n");
	free(text);
	names = names_in(dir);
	assert_string_equal(names, "r.json");
	free(names);
	free(old_path);
	free(dir);
}

static void test_registry(void **state)
{
	char *dir = fresh_dir("registry"), *a = mlg_xasprintf("%s/a", dir), *b = mlg_xasprintf("%s/b", dir);
	char *names, *too_long;
	int slots[64], sa, sb, n = 0;

	(void)state;
	write_file(a, "a");
	write_file(b, "b");
	sa = mlg_tempfile_register(a);
	sb = mlg_tempfile_register(b);
	assert_true(sa >= 0 && sb >= 0 && sa != sb);
	mlg_tempfile_unregister(sb);
	mlg_tempfile_remove_all();
	mlg_tempfile_unregister(sa);
	names = names_in(dir);
	assert_string_equal(names, "b");
	free(names);
	/* a path that does not fit is refused, not cut */
	too_long = mlg_xmalloc(8192);
	memset(too_long, 'x', 8191);
	too_long[8191] = '\0';
	assert_int_equal(mlg_tempfile_register(too_long), -1);
	free(too_long);
	/* full: -1, and the slots come back */
	while (n < 64 && (slots[n] = mlg_tempfile_register("/nonexistent/mlgate")) >= 0)
		n++;
	assert_true(n > 0 && n < 64);
	for (int i = 0; i < n; i++)
		mlg_tempfile_unregister(slots[i]);
	mlg_tempfile_unregister(-1);
	sa = mlg_tempfile_register(a);
	assert_true(sa >= 0);
	mlg_tempfile_unregister(sa);
	free(a);
	free(b);
	free(dir);
}

/*
 * Runs `fn` in a child with stderr to `dir`/stderr.txt and the
 * environment variable `name`=`value` (when name is not NULL). Returns
 * the wait status; *err gets the stderr text (caller frees).
 */
static int in_child(const char *dir, const char *name, const char *value, void (*fn)(const char *),
		    char **err)
{
	char *err_path = mlg_xasprintf("%s/stderr.txt", dir);
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(99);
		if (name)
			setenv(name, value, 1);
		fn(dir);
		_exit(0);
	}
	status = wait_for(pid);
	*err = read_text(err_path);
	unlink(err_path);
	free(err_path);
	return status;
}

static void oom_with_a_temp(const char *dir)
{
	char *tmp = mlg_xasprintf("%s/.r.json.tmp.1.abcdef", dir);

	write_file(tmp, "{\"half\": ");
	mlg_tempfile_register(tmp);
	mlg_die_oom();
}

static void test_out_of_memory_removes_temps(void **state)
{
	char *dir = fresh_dir("oom"), *err, *names;
	int status;

	(void)state;
	status = in_child(dir, NULL, NULL, oom_with_a_temp, &err);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 3);
	assert_string_equal(err, "mlgate: out of memory\n");
	free(err);
	names = names_in(dir);
	assert_string_equal(names, "");
	free(names);
	free(dir);
}

/* Two allocations succeed, a line is printed, the third fails. */
static void third_allocation(const char *dir)
{
	(void)dir;
	mlg_alloc_setup();
	if (getenv("MLGATE_FAIL_ALLOC"))
		fputs("still set\n", stderr);
	free(mlg_xmalloc(10));
	free(mlg_xstrdup("x"));
	fputs("two done\n", stderr);
	free(mlg_xcalloc(1, 10));
	fputs("third did not fail\n", stderr);
}

static void cjson_first(const char *dir)
{
	(void)dir;
	mlg_alloc_setup();
	cJSON_Delete(cJSON_CreateObject());
	fputs("cJSON did not fail\n", stderr);
}

static void libxml2_first(const char *dir)
{
	(void)dir;
	mlg_alloc_setup();
	xmlFreeDoc(xmlNewDoc(BAD_CAST "1.0"));
	fputs("libxml2 did not fail\n", stderr);
}

static void five_allocations(const char *dir)
{
	cJSON *o;

	(void)dir;
	mlg_alloc_setup();
	free(mlg_xmalloc(1));
	free(mlg_xrealloc(NULL, 2));
	o = cJSON_CreateObject(); /* one: the node */
	cJSON_AddNullToObject(o, "k"); /* two: the node and its key */
	cJSON_Delete(o);
	exit(0); /* through atexit, which prints the count */
}

static void test_fail_allocation_k(void **state)
{
	char *dir = fresh_dir("failk"), *err;
	int status;

	(void)state;
	status = in_child(dir, "MLGATE_FAIL_ALLOC", "3", third_allocation, &err);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 3);
	assert_string_equal(err, "two done\nmlgate: out of memory\n");
	free(err);
	/* cJSON and libxml2 allocate through the same counter, and die */
	status = in_child(dir, "MLGATE_FAIL_ALLOC", "1", cjson_first, &err);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	assert_string_equal(err, "mlgate: out of memory\n");
	free(err);
	status = in_child(dir, "MLGATE_FAIL_ALLOC", "1", libxml2_first, &err);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	assert_string_equal(err, "mlgate: out of memory\n");
	free(err);
	/* not a number, or 0: nothing fails */
	status = in_child(dir, "MLGATE_FAIL_ALLOC", "x", third_allocation, &err);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_string_equal(err, "two done\nthird did not fail\n");
	free(err);
	status = in_child(dir, "MLGATE_COUNT_ALLOC", "1", five_allocations, &err);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_string_equal(err, "mlgate: allocations: 5\n");
	free(err);
	free(dir);
}

/* A device is written in place: /dev/null stays a device, /dev/full is a
 * clear error naming it. */
static void test_devices(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(mlg_write_atomic("/dev/null", "x", 1), 0);
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	if (access("/dev/full", W_OK) == 0) {
		assert_true(mlg_write_atomic("/dev/full", "x", 1) < 0);
		assert_string_equal(mlg_error_last(), "cannot write '/dev/full': No space left on device");
	}
}

/* A name too long to take the temporary suffix is still written. */
static void test_long_name(void **state)
{
	char *dir = fresh_dir("long"), *path, *text, *names;
	char base[NAME_MAX + 1];

	(void)state;
	memset(base, 'r', NAME_MAX - 5);
	strcpy(base + NAME_MAX - 5, ".json");
	path = mlg_xasprintf("%s/%s", dir, base);
	assert_int_equal(mlg_write_atomic(path, "{}\n", 3), 0);
	text = read_text(path);
	assert_string_equal(text, "{}\n");
	free(text);
	names = names_in(dir);
	assert_string_equal(names, base);
	free(names);
	free(path);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_killed_writer_leaves_old_report_and_named_temp),
		cmocka_unit_test(test_fatal_signal_removes_temp),
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_out_of_memory_removes_temps),
		cmocka_unit_test(test_fail_allocation_k),
		cmocka_unit_test(test_devices),
		cmocka_unit_test(test_long_name),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
