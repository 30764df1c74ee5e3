/*
 * infra.command: runs a command (an argv, or a shell line with
 * "shell": true) and expects an exit code. The check's timeout kills the
 * command's whole process group.
 */
#include <stdlib.h>
#include <string.h>

#include "mlgate/check.h"
#include "mlgate/error.h"
#include "mlgate/proc.h"
#include "mlgate/suite.h"
#include "util.h"

static const struct mlg_param params[] = {
	{ "run", MLG_PARAM_STRINGS, 1, NULL, "argv list, e.g. [\"python3\", \"train.py\"]; a string needs \"shell\": true" },
	{ "shell", MLG_PARAM_BOOLEAN, 0, "false", "run `run` (a string) with /bin/sh -c" },
	{ "cwd", MLG_PARAM_PATH, 0, NULL, "working directory (default: the suite file's folder)" },
	{ "env", MLG_PARAM_OBJECT, 0, NULL, "extra environment variables, name -> string value" },
	{ "exit_code", MLG_PARAM_INTEGER, 0, "0", "expected exit code" },
	{ "tail_lines", MLG_PARAM_INTEGER, 0, "20", "lines of stdout and stderr kept in the report" },
	{ NULL, 0, 0, NULL, NULL }
};

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	const cJSON *run = mlg_check_param(check, "run"), *env = mlg_check_param(check, "env"), *it;
	int shell = mlg_check_bool(check, "shell", 0);
	double n;

	if (cJSON_IsString(run) && !shell)
		mlg_diag_check(diag, check, "run",
			       "a command string needs \"shell\": true; or give the argv as a list, e.g. [\"make\", \"test\"]");
	if (cJSON_IsArray(run) && shell)
		mlg_diag_check(diag, check, "run",
			       "with \"shell\": true give the command as one string");
	if ((cJSON_IsString(run) && !*run->valuestring) ||
	    (cJSON_IsArray(run) && cJSON_IsString(run->child) && !*run->child->valuestring))
		mlg_diag_check(diag, check, "run", "the command is empty: expected a program name first");
	cJSON_ArrayForEach(it, env)
		if (!cJSON_IsString(it))
			mlg_diag_check(diag, check, "env", "value of '%s' must be a string", it->string);
	if (mlg_check_number(check, "exit_code", &n) && (n < 0 || n > 255))
		mlg_diag_check(diag, check, "exit_code", "expected an exit code from 0 to 255");
	if (mlg_check_number(check, "tail_lines", &n) && (n < 0 || n > 10000))
		mlg_diag_check(diag, check, "tail_lines", "expected 0 to 10000 lines");
}

/* Appends `arg` quoted as a shell would need it, so the line reads back. */
static void add_quoted(struct mlg_strbuf *sb, const char *arg)
{
	if (*arg && !arg[strcspn(arg, " \t\n'\"\\$`;&|<>()*?[]{}~#!")]) {
		mlg_strbuf_addstr(sb, arg);
		return;
	}
	mlg_strbuf_addch(sb, '\'');
	for (; *arg; arg++) {
		if (*arg == '\'')
			mlg_strbuf_addstr(sb, "'\\''");
		else
			mlg_strbuf_addch(sb, *arg);
	}
	mlg_strbuf_addch(sb, '\'');
}

#define DISPLAY_MAX 60

/* The command line as ids, names and messages show it: shell-quoted, and
 * cut after DISPLAY_MAX bytes at a character boundary, marked by "...". */
static char *target(const struct mlg_check *check)
{
	const char **argv;
	size_t n, cut;
	struct mlg_strbuf sb = MLG_STRBUF_INIT;

	mlg_check_strings(check, "run", &argv, &n);
	for (size_t i = 0; i < n; i++) {
		if (i)
			mlg_strbuf_addch(&sb, ' ');
		if (mlg_check_bool(check, "shell", 0))
			mlg_strbuf_addstr(&sb, argv[i]);
		else
			add_quoted(&sb, argv[i]);
	}
	free(argv);
	if (sb.len > DISPLAY_MAX) {
		cut = DISPLAY_MAX;
		while (cut > 0 && ((unsigned char)sb.buf[cut] & 0xC0) == 0x80)
			cut--;
		sb.len = cut;
		sb.buf[cut] = '\0';
		mlg_strbuf_addstr(&sb, "...");
	}
	return mlg_strbuf_detach(&sb);
}

/*
 * Command output as the report shows it: the last `lines` lines of the
 * tail, with NUL and terminal control bytes made visible (\xNN) so that
 * output can neither hide text nor drive the reader's terminal.
 */
static void add_stream(struct mlg_strbuf *sb, const char *name, const char *tail, size_t total,
		       size_t tail_bytes, long lines)
{
	size_t len = total < tail_bytes ? total : tail_bytes;
	size_t start = len, shown = 0;

	if (!total || lines == 0)
		return;
	if (len && tail[len - 1] == '\n')
		start--;
	while (start > 0) {
		if (tail[start - 1] == '\n' && ++shown == (size_t)lines)
			break;
		start--;
	}
	if (start == 0)
		shown++;
	if (start > 0 || total > len)
		mlg_strbuf_addf(sb, "--- %s (%zu bytes; last %zu line%s) ---\n", name, total, shown,
				shown == 1 ? "" : "s");
	else
		mlg_strbuf_addf(sb, "--- %s (%zu bytes) ---\n", name, total);
	for (size_t i = start; i < len; i++) {
		unsigned char c = (unsigned char)tail[i];

		if (c == '\r' && i + 1 < len && tail[i + 1] == '\n')
			continue;
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F)
			mlg_strbuf_addf(sb, "\\x%02X", c);
		else
			mlg_strbuf_addch(sb, (char)c);
	}
	if (sb->len && sb->buf[sb->len - 1] != '\n')
		mlg_strbuf_addch(sb, '\n');
}

static void run(const struct mlg_check_ctx *ctx, struct mlg_result *r)
{
	const struct mlg_check *check = ctx->check;
	struct mlg_proc_options opts = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result pr;
	const cJSON *env = mlg_check_param(check, "env"), *it;
	const char **argv = NULL;
	char **full_argv = NULL, **envv = NULL, *cwd = NULL;
	size_t argc = 0, nenv = 0;
	double expected = 0, tail = 20;
	struct mlg_strbuf details = MLG_STRBUF_INIT;
	char *cmdline = target(check);

	memset(&pr, 0, sizeof(pr));
	mlg_check_number(check, "exit_code", &expected);
	mlg_check_number(check, "tail_lines", &tail);
	mlg_check_strings(check, "run", &argv, &argc);
	full_argv = mlg_xcalloc(argc + 4, sizeof(char *));
	if (mlg_check_bool(check, "shell", 0)) {
		full_argv[0] = (char *)"/bin/sh";
		full_argv[1] = (char *)"-c";
		full_argv[2] = (char *)argv[0];
	} else {
		for (size_t i = 0; i < argc; i++)
			full_argv[i] = (char *)argv[i];
	}
	envv = mlg_xcalloc((size_t)cJSON_GetArraySize(env) + 1, sizeof(char *));
	cJSON_ArrayForEach(it, env)
		envv[nenv++] = mlg_xasprintf("%s=%s", it->string, it->valuestring);
	cwd = mlg_check_path(check, "cwd");

	opts.argv = full_argv;
	opts.cwd = cwd ? cwd : check->suite->dir;
	opts.env = envv;
	opts.cancel = ctx->cancel;
	opts.tail_bytes = 16384;
	if (ctx->deadline > 0) {
		opts.timeout_s = ctx->deadline - mlg_now();
		if (opts.timeout_s <= 0.001)
			opts.timeout_s = 0.001;
	}
	cJSON_AddNumberToObject(r->expected, "exit_code", expected);

	if (mlg_proc_run(&pr, &opts) < 0) {
		/* Name the folder as the suite does, not by its absolute path. */
		char *msg = cwd ? mlg_str_replace(mlg_error_last(), cwd, mlg_check_string(check, "cwd"))
				: mlg_xstrdup(mlg_error_last());

		mlg_result_set(r, MLG_STATUS_ERROR, "%s", msg);
		free(msg);
		goto done;
	}
	add_stream(&details, "stdout", pr.out_tail, pr.out_bytes, opts.tail_bytes, (long)tail);
	add_stream(&details, "stderr", pr.err_tail, pr.err_bytes, opts.tail_bytes, (long)tail);
	if (details.len)
		mlg_result_set_details(r, details.buf);
	cJSON_AddNumberToObject(r->observed, "stdout_bytes", (double)pr.out_bytes);
	cJSON_AddNumberToObject(r->observed, "stderr_bytes", (double)pr.err_bytes);
	if (pr.exited)
		cJSON_AddNumberToObject(r->observed, "exit_code", pr.exit_code);
	else if (pr.signaled)
		cJSON_AddNumberToObject(r->observed, "signal", pr.signal);

	if (pr.cancelled)
		mlg_result_set(r, MLG_STATUS_ERROR, "interrupted: `%s` was stopped", cmdline);
	else if (pr.timed_out)
		mlg_result_set(r, MLG_STATUS_ERROR, "`%s` timed out after %g s and was killed with its process group",
			       cmdline, check->timeout_s);
	else if (pr.signaled)
		mlg_result_set(r, MLG_STATUS_ERROR, "`%s` crashed: killed by signal %d (%s)", cmdline,
			       pr.signal, strsignal(pr.signal));
	else if (pr.exit_code != (int)expected)
		mlg_result_set(r, MLG_STATUS_FAILED, "`%s` exited with code %d, expected %d", cmdline,
			       pr.exit_code, (int)expected);
	else
		mlg_result_set(r, MLG_STATUS_PASSED, "`%s` exited with code %d", cmdline, pr.exit_code);
done:
	mlg_proc_result_release(&pr);
	mlg_strbuf_release(&details);
	for (size_t i = 0; i < nenv; i++)
		free(envv[i]);
	free(envv);
	free(full_argv);
	free(argv);
	free(cwd);
	free(cmdline);
}

const struct mlg_check_kind mlg_kind_infra_command = {
	.abi = MLG_KIND_ABI,
	.name = "infra.command",
	.summary = "a command exits with the expected code within the check's timeout",
	.params = params,
	.example = "{ \"kind\": \"infra.command\", \"name\": \"training smoke test\", \"run\": [\"python3\", \"train.py\", \"--smoke\"], \"timeout\": \"2m\" }",
	.validate = validate,
	.target = target,
	.run = run,
};
