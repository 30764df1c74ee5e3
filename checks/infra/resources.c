/*
 * infra.resources: runs a command and bounds what it cost: peak resident
 * memory, CPU time (user + system) and wall time, as wait4() reports them
 * for the command and the descendants it waited for.
 *
 * The command is started through proc's measuring helper, so that its
 * peak memory is its own and not the size mlgate had when it forked (see
 * mlgate/proc.h). A run longer than max_wall is stopped there: the
 * verdict cannot change by waiting for it.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/check.h"
#include "mlgate/error.h"
#include "mlgate/proc.h"
#include "mlgate/runcmd.h"
#include "mlgate/suite.h"
#include "util.h"

static const struct mlg_param params[] = {
	MLG_RUNCMD_PARAMS,
	{ "exit_code", MLG_PARAM_INTEGER, 0, "0", "expected exit code; another one fails the check" },
	{ "max_memory", MLG_PARAM_SIZE, 0, NULL,
	  "largest peak resident memory: a size such as \"512MiB\" or \"2GB\", or bytes as a number" },
	{ "max_cpu", MLG_PARAM_DURATION, 0, NULL, "most CPU time, user plus system, e.g. \"90s\"" },
	{ "max_wall", MLG_PARAM_DURATION, 0, NULL,
	  "most wall-clock time, e.g. \"2m\"; the command is stopped once it has run that long" },
	{ "tail_lines", MLG_PARAM_INTEGER, 0, "20", "lines of stdout and stderr kept in the report" },
	{ NULL, 0, 0, NULL, NULL }
};

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	const cJSON *mem = mlg_check_param(check, "max_memory");
	uint64_t bytes;
	double n;

	mlg_runcmd_validate(check, diag);
	if (mlg_check_number(check, "exit_code", &n) && (n < 0 || n > 255))
		mlg_diag_check(diag, check, "exit_code", "expected an exit code from 0 to 255");
	if (mlg_check_size(check, "max_memory", &bytes) && !bytes)
		mlg_diag_check(diag, check, "max_memory", "expected a size above 0 bytes");
	if (!mem && !mlg_check_param(check, "max_cpu") && !mlg_check_param(check, "max_wall"))
		mlg_diag_check(diag, check, NULL,
			       "expected at least one bound: \"max_memory\", \"max_cpu\" or \"max_wall\"");
	if (mlg_check_param(check, "max_cpu") && !(mlg_check_duration(check, "max_cpu", 0) > 0))
		mlg_diag_check(diag, check, "max_cpu", "expected a duration above 0");
	if (mlg_check_param(check, "max_wall") && !(mlg_check_duration(check, "max_wall", 0) > 0))
		mlg_diag_check(diag, check, "max_wall", "expected a duration above 0");
}

/* Bytes for messages: "104.9 MB (100.0 MiB)" reads both ways people write sizes. */
static void format_bytes(struct mlg_strbuf *sb, double bytes)
{
	if (bytes >= 1e9)
		mlg_strbuf_addf(sb, "%.2f GB (%.2f GiB)", bytes / 1e9, bytes / 1073741824.0);
	else if (bytes >= 1e6)
		mlg_strbuf_addf(sb, "%.1f MB (%.1f MiB)", bytes / 1e6, bytes / 1048576.0);
	else
		mlg_strbuf_addf(sb, "%.0f kB (%.0f KiB)", bytes / 1e3, bytes / 1024.0);
}

static void add_observed(struct mlg_result *r, const struct mlg_proc_result *pr)
{
	if (pr->has_usage) {
		cJSON_AddNumberToObject(r->observed, "max_rss_bytes", (double)pr->max_rss_kb * 1024.0);
		cJSON_AddNumberToObject(r->observed, "cpu_s", pr->user_s + pr->sys_s);
		cJSON_AddNumberToObject(r->observed, "user_s", pr->user_s);
		cJSON_AddNumberToObject(r->observed, "sys_s", pr->sys_s);
	}
	cJSON_AddNumberToObject(r->observed, "wall_s", pr->wall_s);
	if (pr->exited)
		cJSON_AddNumberToObject(r->observed, "exit_code", pr->exit_code);
	else if (pr->signaled)
		cJSON_AddNumberToObject(r->observed, "signal", pr->signal);
}

static void run(const struct mlg_check_ctx *ctx, struct mlg_result *r)
{
	const struct mlg_check *check = ctx->check;
	struct mlg_proc_options opts = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result pr;
	struct mlg_runcmd cmd;
	struct mlg_strbuf over = MLG_STRBUF_INIT, within = MLG_STRBUF_INIT;
	uint64_t mem_bytes = 0;
	double expected = 0, tail = 20, max_mem = 0, rss, cpu;
	double max_cpu = mlg_check_duration(check, "max_cpu", 0);
	double max_wall = mlg_check_duration(check, "max_wall", 0);
	int wall_stop = 0;
	size_t nover = 0;
	char *text = NULL;

	memset(&pr, 0, sizeof(pr));
	mlg_runcmd_init(&cmd, check);
	mlg_check_number(check, "exit_code", &expected);
	mlg_check_number(check, "tail_lines", &tail);
	if (mlg_check_size(check, "max_memory", &mem_bytes))
		max_mem = (double)mem_bytes;

	cJSON_AddNumberToObject(r->expected, "exit_code", expected);
	if (max_mem > 0)
		cJSON_AddNumberToObject(r->expected, "max_memory_bytes", max_mem);
	if (max_cpu > 0)
		cJSON_AddNumberToObject(r->expected, "max_cpu_s", max_cpu);
	if (max_wall > 0)
		cJSON_AddNumberToObject(r->expected, "max_wall_s", max_wall);

	mlg_runcmd_options(&cmd, ctx, NULL, &opts);
	opts.measure = 1;
	/* Stop a run that is over max_wall already, a little past it so
	 * that its wall time shows it; the check's timeout still applies. */
	if (max_wall > 0 && (opts.timeout_s <= 0 || max_wall + 0.05 < opts.timeout_s)) {
		opts.timeout_s = max_wall + 0.05;
		wall_stop = 1;
	}
	if (mlg_proc_run(&pr, &opts) < 0) {
		text = mlg_runcmd_start_error(&cmd, cmd.cwd);
		mlg_result_set(r, MLG_STATUS_ERROR, "%s", text);
		goto done;
	}
	text = mlg_runcmd_output(&pr, opts.tail_bytes, (long)tail);
	if (text)
		mlg_result_set_details(r, text);
	free(text);
	text = NULL;
	add_observed(r, &pr);

	if (wall_stop && pr.timed_out) {
		mlg_result_set(r, MLG_STATUS_FAILED,
			       "`%s` ran longer than max_wall %g s: stopped after %.2f s", cmd.display,
			       max_wall, pr.wall_s);
		goto done;
	}
	text = mlg_runcmd_abnormal(&cmd, check, &pr);
	if (text) {
		mlg_result_set(r, MLG_STATUS_ERROR, "%s", text);
		goto done;
	}
	if (pr.exit_code != (int)expected) {
		mlg_result_set(r, MLG_STATUS_FAILED, "`%s` exited with code %d, expected %d", cmd.display,
			       pr.exit_code, (int)expected);
		goto done;
	}
	if (!pr.has_usage) {
		mlg_result_set(r, MLG_STATUS_ERROR, "the resources `%s` used are unknown", cmd.display);
		goto done;
	}

	rss = (double)pr.max_rss_kb * 1024.0;
	cpu = pr.user_s + pr.sys_s;
	if (max_mem > 0) {
		struct mlg_strbuf *sb = rss > max_mem ? &over : &within;

		nover += rss > max_mem;
		mlg_strbuf_addstr(sb, sb->len ? ", " : "");
		mlg_strbuf_addstr(sb, "peak memory ");
		format_bytes(sb, rss);
		mlg_strbuf_addstr(sb, rss > max_mem ? " > max_memory " : " <= ");
		format_bytes(sb, max_mem);
	}
	if (max_cpu > 0) {
		struct mlg_strbuf *sb = cpu > max_cpu ? &over : &within;

		nover += cpu > max_cpu;
		mlg_strbuf_addf(sb, "%sCPU %.2f s", sb->len ? ", " : "", cpu);
		if (cpu > max_cpu)
			mlg_strbuf_addf(sb, " (user %.2f + system %.2f) > max_cpu %g s", pr.user_s, pr.sys_s, max_cpu);
		else
			mlg_strbuf_addf(sb, " <= %g s", max_cpu);
	}
	if (max_wall > 0) {
		struct mlg_strbuf *sb = pr.wall_s > max_wall ? &over : &within;

		nover += pr.wall_s > max_wall;
		mlg_strbuf_addf(sb, "%swall %.2f s %s %g s", sb->len ? ", " : "", pr.wall_s,
				pr.wall_s > max_wall ? "> max_wall" : "<=", max_wall);
	}
	if (nover)
		mlg_result_set(r, MLG_STATUS_FAILED, "`%s` used too much: %s", cmd.display, over.buf);
	else
		mlg_result_set(r, MLG_STATUS_PASSED, "`%s` used %s", cmd.display, within.buf);
done:
	free(text);
	mlg_strbuf_release(&over);
	mlg_strbuf_release(&within);
	mlg_proc_result_release(&pr);
	mlg_runcmd_release(&cmd);
}

const struct mlg_check_kind mlg_kind_infra_resources = {
	.abi = MLG_KIND_ABI,
	.name = "infra.resources",
	.summary = "a command stays within bounds of peak memory, CPU time and wall time",
	.params = params,
	.example = "{ \"kind\": \"infra.resources\", \"name\": \"batch scoring cost\", \"run\": [\"python3\", \"score.py\", \"--sample\", \"10000\"], \"max_memory\": \"2GiB\", \"max_cpu\": \"5m\", \"max_wall\": \"2m\" }",
	.validate = validate,
	.target = mlg_runcmd_display,
	.run = run,
};
