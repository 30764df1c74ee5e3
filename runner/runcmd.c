/* A check's command (see mlgate/runcmd.h). */
#include <stdlib.h>
#include <string.h>

#include "mlgate/error.h"
#include "mlgate/runcmd.h"
#include "mlgate/suite.h"
#include "util.h"

void mlg_runcmd_validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	const cJSON *run = mlg_check_param(check, "run"), *env = mlg_check_param(check, "env"), *it;
	int shell = mlg_check_bool(check, "shell", 0);
	double n;

	if (cJSON_IsString(run) && !shell)
		mlg_diag_check(diag, check, "run",
			       "a command string needs \"shell\": true; or give the argv as a list, e.g. [\"make\", \"test\"]");
	if (cJSON_IsArray(run) && shell)
		mlg_diag_check(diag, check, "run", "with \"shell\": true give the command as one string");
	if ((cJSON_IsString(run) && !*run->valuestring) ||
	    (cJSON_IsArray(run) && cJSON_IsString(run->child) && !*run->child->valuestring))
		mlg_diag_check(diag, check, "run", "the command is empty: expected a program name first");
	cJSON_ArrayForEach(it, env)
		if (!cJSON_IsString(it))
			mlg_diag_check(diag, check, "env", "value of '%s' must be a string", it->string);
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

char *mlg_runcmd_display(const struct mlg_check *check)
{
	const char **argv;
	size_t n = 0;
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
	mlg_strbuf_ellipsize(&sb, DISPLAY_MAX);
	return mlg_strbuf_detach(&sb);
}

void mlg_runcmd_init(struct mlg_runcmd *cmd, const struct mlg_check *check)
{
	const cJSON *env = mlg_check_param(check, "env"), *it;
	size_t argc = 0, nenv = 0;

	memset(cmd, 0, sizeof(*cmd));
	mlg_check_strings(check, "run", &cmd->words_, &argc);
	cmd->argv = mlg_xcalloc(argc + 4, sizeof(char *));
	if (mlg_check_bool(check, "shell", 0) && argc) {
		cmd->argv[0] = (char *)"/bin/sh";
		cmd->argv[1] = (char *)"-c";
		cmd->argv[2] = (char *)cmd->words_[0];
	} else {
		for (size_t i = 0; i < argc; i++)
			cmd->argv[i] = (char *)cmd->words_[i];
	}
	cmd->env = mlg_xcalloc((size_t)cJSON_GetArraySize(env) + 1, sizeof(char *));
	cJSON_ArrayForEach(it, env)
		if (cJSON_IsString(it))
			cmd->env[nenv++] = mlg_xasprintf("%s=%s", it->string, it->valuestring);
	cmd->cwd = mlg_check_path(check, "cwd");
	cmd->cwd_param = mlg_check_string(check, "cwd");
	if (!cmd->cwd)
		cmd->cwd = mlg_xstrdup(check->suite->dir);
	cmd->display = mlg_runcmd_display(check);
}

void mlg_runcmd_release(struct mlg_runcmd *cmd)
{
	if (cmd->env)
		for (size_t i = 0; cmd->env[i]; i++)
			free(cmd->env[i]);
	free(cmd->env);
	free(cmd->argv);
	free(cmd->words_);
	free(cmd->cwd);
	free(cmd->display);
	memset(cmd, 0, sizeof(*cmd));
}

void mlg_runcmd_options(const struct mlg_runcmd *cmd, const struct mlg_check_ctx *ctx,
			const char *cwd, struct mlg_proc_options *opts)
{
	opts->argv = cmd->argv;
	opts->cwd = cwd ? cwd : cmd->cwd;
	opts->env = cmd->env;
	opts->cancel = ctx->cancel;
	opts->tail_bytes = MLG_RUNCMD_TAIL_BYTES;
	opts->timeout_s = 0;
	if (ctx->deadline > 0) {
		opts->timeout_s = ctx->deadline - mlg_now();
		if (opts->timeout_s <= 0.001)
			opts->timeout_s = 0.001;
	}
}

char *mlg_runcmd_start_error(const struct mlg_runcmd *cmd, const char *cwd)
{
	const char *msg = mlg_error_last();

	/* Name the folder as the suite does, not by its absolute path. */
	if (cwd && strcmp(cwd, cmd->cwd))
		return mlg_str_replace(msg, cwd, ".");
	if (cwd && cmd->cwd_param)
		return mlg_str_replace(msg, cwd, cmd->cwd_param);
	return mlg_xstrdup(msg);
}

char *mlg_runcmd_abnormal(const struct mlg_runcmd *cmd, const struct mlg_check *check,
			  const struct mlg_proc_result *pr)
{
	if (pr->cancelled)
		return mlg_xasprintf("interrupted: `%s` was stopped", cmd->display);
	if (pr->timed_out)
		return mlg_xasprintf("`%s` timed out after %g s and was killed with its process group",
				     cmd->display, check->timeout_s);
	if (pr->signaled)
		return mlg_xasprintf("`%s` crashed: killed by signal %d (%s)", cmd->display, pr->signal,
				     strsignal(pr->signal));
	if (!pr->exited)
		return mlg_xasprintf("`%s` ended without an exit status", cmd->display);
	return NULL;
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

	if (!total || lines <= 0 || !tail)
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

char *mlg_runcmd_output(const struct mlg_proc_result *pr, size_t tail_bytes, long lines)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;

	add_stream(&sb, "stdout", pr->out_tail, pr->out_bytes, tail_bytes, lines);
	add_stream(&sb, "stderr", pr->err_tail, pr->err_bytes, tail_bytes, lines);
	if (!sb.len)
		return NULL;
	return mlg_strbuf_detach(&sb);
}
