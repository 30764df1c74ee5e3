/*
 * libFuzzer target for what mlgate does with an HTTP response it did not
 * choose: header lookup (mlg_http_header), Retry-After (delta-seconds or an
 * HTTP-date, mlg_http_retry_after), the excerpt of a body shown in
 * messages (mlg_body_excerpt), secret masking (mlg_mask), and URLs shown in
 * messages (mlg_http_shown_url). runner/http.c itself is exercised without
 * a network.
 *
 * MLflow's error bodies ({"error_code", "message"}) are read by a static
 * function of runner/promote_mlflow.c, api(), that no header reaches: this
 * target does what it does with the body (cJSON, then the message masked)
 * so that the pieces it uses see hostile bodies, but it cannot call api().
 *
 * The input is a raw header block, a NUL byte, then the body (no NUL: all
 * headers, no body). Checked: a header value is trimmed and one line;
 * Retry-After is -1 or a wait >= 0; an excerpt is valid UTF-8 with no
 * control character; a secret never survives masking, nor a password or a
 * token=... query value mlg_http_shown_url() is given.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mlgate/http.h"
#include "promote_internal.h"
#include "text.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "s3cr3t-T0ken"
#define NOW 1700000000.0

static void check_wait(double w)
{
	if (isnan(w) || (w != -1 && w < 0))
		abort();
}

static void check_header(const struct mlg_http_response *res, const char *name)
{
	char *v = mlg_http_header(res, name);
	size_t n;

	if (!v)
		return;
	n = strlen(v);
	if (strchr(v, '\n') || (n && (v[0] == ' ' || v[0] == '\t' || v[n - 1] == ' ' || v[n - 1] == '\t' ||
				      v[n - 1] == '\r')))
		abort();
	check_wait(mlg_http_retry_after(v, NOW));
	free(v);
}

/* The secret must be gone from what messages show. */
static void check_masked(const char *shown)
{
	if (strstr(shown, SECRET))
		abort();
}

/* What api() in promote_mlflow.c shows for an MLflow error. */
static void mlflow_error(const struct mlg_http_response *res)
{
	static const char *const secrets[] = { SECRET, "" };
	cJSON *json = cJSON_ParseWithLength(res->body, res->body_len);
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(json, "error_code");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(json, "message");
	char *excerpt = mlg_body_excerpt(res), *shown, *masked;

	/* The excerpt is one line of valid UTF-8, however odd the body. */
	if (!mlg_text_is_utf8(excerpt) || strlen(excerpt) > 4 * 203)
		abort();
	for (const char *p = excerpt; *p; p++)
		if ((unsigned char)*p < 0x20)
			abort();
	if (cJSON_IsString(code))
		shown = mlg_xasprintf("%s: %s", code->valuestring, cJSON_IsString(msg) ? msg->valuestring : "");
	else
		shown = mlg_xstrdup(excerpt);
	masked = mlg_mask(shown, secrets, 2);
	check_masked(masked);
	free(masked);
	free(shown);
	free(excerpt);
	cJSON_Delete(json);
}

static void urls(const char *tail)
{
	char *u, *shown;

	if (strstr(tail, SECRET))
		return; /* the tail may show it: only ours must go */
	u = mlg_xasprintf("https://user:" SECRET "@%s", tail);
	shown = mlg_http_shown_url(u);
	check_masked(shown);
	free(shown);
	free(u);
	u = mlg_xasprintf("https://registry.example/api?access_token=" SECRET "&%s", tail);
	shown = mlg_http_shown_url(u);
	check_masked(shown);
	free(shown);
	free(u);
	free(mlg_http_shown_url(tail));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "Retry-After", "retry-after", "Content-Type", "Location",
					     "X-Request-Id", "Set-Cookie", "" };
	const uint8_t *nul = memchr(data, 0, size);
	size_t head_len = nul ? (size_t)(nul - data) : size;
	struct mlg_http_response res;

	memset(&res, 0, sizeof(res));
	res.status = 503;
	res.headers = mlg_xstrndup((const char *)data, head_len);
	res.body_len = nul ? size - head_len - 1 : 0;
	res.body = mlg_xmalloc(res.body_len + 1);
	if (res.body_len)
		memcpy(res.body, nul + 1, res.body_len);
	res.body[res.body_len] = '\0';

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		check_header(&res, names[i]);
	check_wait(mlg_http_retry_after(res.headers, NOW));
	check_wait(mlg_http_retry_after(res.body, NOW));
	mlflow_error(&res);
	urls(res.headers);
	mlg_http_response_release(&res);
	return 0;
}
