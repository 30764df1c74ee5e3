/*
 * infra.command: runs a command (an argv, or a shell line with
 * "shell": true) and expects an exit code. The check's timeout kills the
 * command's whole process group. The command's parameters, messages and
 * output are mlg_runcmd's, shared with the other kinds that run one.
 */
#include <stdlib.h>
#include <string.h>

#include "mlgate/check.h"
#include "mlgate/proc.h"
#include "mlgate/runcmd.h"
#include "mlgate/suite.h"

static const struct mlg_param params[] = {
	MLG_RUNCMD_PARAMS,
	{ "exit_code", MLG_PARAM_INTEGER, 0, "0", "expected exit code" },
	{ "tail_lines", MLG_PARAM_INTEGER, 0, "20", "lines of stdout and stderr kept in the report" },
	{ NULL, 0, 0, NULL, NULL }
};

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	double n;

	mlg_runcmd_validate(check, diag);
	if (mlg_check_number(check, "exit_code", &n) && (n < 0 || n > 255))
		mlg_diag_check(diag, check, "exit_code", "expected an exit code from 0 to 255");
}

static void run(const struct mlg_check_ctx *ctx, struct mlg_result *r)
{
	const struct mlg_check *check = ctx->check;
	struct mlg_proc_options opts = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result pr;
	struct mlg_runcmd cmd;
	double expected = 0, tail = 20;
	char *text;

	memset(&pr, 0, sizeof(pr));
	mlg_check_number(check, "exit_code", &expected);
	mlg_check_number(check, "tail_lines", &tail);
	mlg_runcmd_init(&cmd, check);
	mlg_runcmd_options(&cmd, ctx, NULL, &opts);
	cJSON_AddNumberToObject(r->expected, "exit_code", expected);

	if (mlg_proc_run(&pr, &opts) < 0) {
		text = mlg_runcmd_start_error(&cmd, cmd.cwd_param ? cmd.cwd : NULL);
		mlg_result_set(r, MLG_STATUS_ERROR, "%s", text);
		free(text);
		goto done;
	}
	if ((text = mlg_runcmd_output(&pr, opts.tail_bytes, (long)tail))) {
		mlg_result_set_details(r, text);
		free(text);
	}
	cJSON_AddNumberToObject(r->observed, "stdout_bytes", (double)pr.out_bytes);
	cJSON_AddNumberToObject(r->observed, "stderr_bytes", (double)pr.err_bytes);
	if (pr.exited)
		cJSON_AddNumberToObject(r->observed, "exit_code", pr.exit_code);
	else if (pr.signaled)
		cJSON_AddNumberToObject(r->observed, "signal", pr.signal);

	if ((text = mlg_runcmd_abnormal(&cmd, check, &pr))) {
		mlg_result_set(r, MLG_STATUS_ERROR, "%s", text);
		free(text);
	} else if (pr.exit_code != (int)expected) {
		mlg_result_set(r, MLG_STATUS_FAILED, "`%s` exited with code %d, expected %d", cmd.display,
			       pr.exit_code, (int)expected);
	} else {
		mlg_result_set(r, MLG_STATUS_PASSED, "`%s` exited with code %d", cmd.display, pr.exit_code);
	}
done:
	mlg_proc_result_release(&pr);
	mlg_runcmd_release(&cmd);
}

const struct mlg_check_kind mlg_kind_infra_command = {
	.abi = MLG_KIND_ABI,
	.name = "infra.command",
	.summary = "a command exits with the expected code within the check's timeout",
	.params = params,
	.example = "{ \"kind\": \"infra.command\", \"name\": \"training smoke test\", \"run\": [\"python3\", \"train.py\", \"--smoke\"], \"timeout\": \"2m\" }",
	.validate = validate,
	.target = mlg_runcmd_display,
	.run = run,
};
