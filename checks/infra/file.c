/* infra.file: an artifact exists (or not), its size is bounded, its SHA-256 pinned. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "digest.h"
#include "mlgate/check.h"
#include "mlgate/error.h"
#include "mlgate/suite.h"
#include "util.h"

static const struct mlg_param params[] = {
	{ "path", MLG_PARAM_PATH, 1, NULL, "the file, relative to the suite file" },
	{ "exists", MLG_PARAM_BOOLEAN, 0, "true", "false: the file must not exist" },
	{ "min_bytes", MLG_PARAM_INTEGER, 0, NULL, "smallest allowed size in bytes" },
	{ "max_bytes", MLG_PARAM_INTEGER, 0, NULL, "largest allowed size in bytes" },
	{ "sha256", MLG_PARAM_STRING, 0, NULL, "expected SHA-256 of the content, 64 hex digits" },
	{ NULL, 0, 0, NULL, NULL }
};

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	const char *sha = mlg_check_string(check, "sha256");
	double lo, hi;
	int has_lo = mlg_check_number(check, "min_bytes", &lo);
	int has_hi = mlg_check_number(check, "max_bytes", &hi);

	if (sha) {
		size_t i;

		for (i = 0; sha[i] && isxdigit((unsigned char)sha[i]); i++)
			;
		if (i != 64 || sha[i])
			mlg_diag_check(diag, check, "sha256", "expected 64 hexadecimal digits");
	}
	if (has_lo && has_hi && lo > hi)
		mlg_diag_check(diag, check, "min_bytes", "\"min_bytes\" (%.0f) is greater than \"max_bytes\" (%.0f)",
			       lo, hi);
	if (!mlg_check_bool(check, "exists", 1) && (sha || has_lo || has_hi))
		mlg_diag_check(diag, check, "exists",
			       "\"exists\": false cannot be combined with size or sha256 expectations");
}

static void run(const struct mlg_check_ctx *ctx, struct mlg_result *r)
{
	const struct mlg_check *check = ctx->check;
	const char *path = mlg_check_string(check, "path");
	const char *want_sha = mlg_check_string(check, "sha256");
	char *abs = mlg_check_path(check, "path");
	int want = mlg_check_bool(check, "exists", 1);
	double lo = 0, hi = 0;
	int has_lo = mlg_check_number(check, "min_bytes", &lo);
	int has_hi = mlg_check_number(check, "max_bytes", &hi);
	struct stat st;
	int exists;
	char sha[65];
	uint64_t bytes;

	cJSON_AddBoolToObject(r->expected, "exists", want);
	if (has_lo)
		cJSON_AddNumberToObject(r->expected, "min_bytes", lo);
	if (has_hi)
		cJSON_AddNumberToObject(r->expected, "max_bytes", hi);
	if (want_sha)
		cJSON_AddStringToObject(r->expected, "sha256", want_sha);

	exists = stat(abs, &st) == 0;
	if (!exists && errno != ENOENT && errno != ENOTDIR) {
		mlg_result_set(r, MLG_STATUS_ERROR, "cannot stat '%s': %s", path, strerror(errno));
		goto done;
	}
	cJSON_AddBoolToObject(r->observed, "exists", exists);
	if (!exists) {
		if (want)
			mlg_result_set(r, MLG_STATUS_FAILED, "'%s' does not exist", path);
		else
			mlg_result_set(r, MLG_STATUS_PASSED, "'%s' does not exist, as expected", path);
		goto done;
	}
	if (!want) {
		mlg_result_set(r, MLG_STATUS_FAILED, "'%s' exists, expected it not to", path);
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		mlg_result_set(r, MLG_STATUS_ERROR, "'%s' is not a regular file", path);
		goto done;
	}
	bytes = (uint64_t)st.st_size;
	if (want_sha) {
		mlg_check_ctx_input(ctx, abs);
		if (mlg_sha256_file(abs, sha, &bytes) < 0) {
			mlg_result_set(r, MLG_STATUS_ERROR, "%s", mlg_error_last());
			goto done;
		}
		cJSON_AddStringToObject(r->observed, "sha256", sha);
	}
	cJSON_AddNumberToObject(r->observed, "bytes", (double)bytes);
	if (has_lo && (double)bytes < lo)
		mlg_result_set(r, MLG_STATUS_FAILED, "'%s' is %llu bytes, expected at least %.0f", path,
			       (unsigned long long)bytes, lo);
	else if (has_hi && (double)bytes > hi)
		mlg_result_set(r, MLG_STATUS_FAILED, "'%s' is %llu bytes, expected at most %.0f", path,
			       (unsigned long long)bytes, hi);
	else if (want_sha && strcasecmp(sha, want_sha))
		mlg_result_set(r, MLG_STATUS_FAILED, "'%s' has SHA-256 %s, expected %s", path, sha, want_sha);
	else
		mlg_result_set(r, MLG_STATUS_PASSED, "'%s' exists (%llu bytes)%s", path,
			       (unsigned long long)bytes, want_sha ? ", SHA-256 matches" : "");
done:
	free(abs);
}

const struct mlg_check_kind mlg_kind_infra_file = {
	.abi = MLG_KIND_ABI,
	.name = "infra.file",
	.summary = "an artifact exists (or must not), within size bounds, with a pinned SHA-256",
	.params = params,
	.example = "{ \"kind\": \"infra.file\", \"path\": \"model/model.onnx\", \"max_bytes\": 50000000 }",
	.validate = validate,
	.run = run,
};
