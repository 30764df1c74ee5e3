/*
 * The generic webhook: a JSON event signed as Standard Webhooks specify
 * (webhook-id, webhook-timestamp, webhook-signature: v1,<base64 HMAC-SHA256
 * of "id.timestamp.body">), optionally also GitHub's X-Hub-Signature-256.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "mlgate/error.h"
#include "promote_internal.h"

static const struct mlg_param params[] = {
	{ "url", MLG_PARAM_STRING, 1, NULL, "where to POST the event" },
	{ "secret_env", MLG_PARAM_STRING, 1, NULL,
	  "environment variable holding the signing secret (a whsec_ prefix means base64)" },
	{ "model", MLG_PARAM_STRING, 0, NULL, "model name carried in the event" },
	{ "version", MLG_PARAM_STRING, 0, NULL, "model version carried in the event" },
	{ "github_signature", MLG_PARAM_BOOLEAN, 0, "false", "also send X-Hub-Signature-256 as GitHub does" },
	{ "headers", MLG_PARAM_OBJECT, 0, NULL, "extra headers with literal values" },
	{ "headers_env", MLG_PARAM_OBJECT, 0, NULL, "extra headers whose values come from environment variables: name -> variable" },
	{ NULL, 0, 0, NULL, NULL }
};

static void validate(const cJSON *entry, const char *path, struct mlg_diag *diag)
{
	const char *url = mlg_json_string(entry, "url");
	const cJSON *it;

	if (url && strncmp(url, "http://", 7) && strncmp(url, "https://", 8) && !strstr(url, "${"))
		mlg_diag_add(diag, path, "\"url\" must start with http:// or https://");
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(entry, "headers"))
		if (!cJSON_IsString(it))
			mlg_diag_add(diag, path, "header '%s' in \"headers\" must be a string", it->string);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(entry, "headers_env"))
		if (!cJSON_IsString(it))
			mlg_diag_add(diag, path, "header '%s' in \"headers_env\" must name a variable", it->string);
}

/* The signing key: a Standard Webhooks "whsec_" secret is base64 after the prefix. */
static unsigned char *signing_key(const char *secret, size_t *len)
{
	unsigned char *key;

	if (strncmp(secret, "whsec_", 6)) {
		*len = strlen(secret);
		key = mlg_xmalloc(*len + 1);
		memcpy(key, secret, *len);
		return key;
	}
	{
		const char *b64 = secret + 6;
		size_t n = strlen(b64);
		int got;

		key = mlg_xmalloc(n + 1);
		got = EVP_DecodeBlock(key, (const unsigned char *)b64, (int)n);
		if (got < 0) {
			free(key);
			return NULL;
		}
		/* EVP_DecodeBlock counts padding as zero bytes. */
		while (n && b64[n - 1] == '=') {
			n--;
			got--;
		}
		*len = (size_t)got;
		return key;
	}
}

static char *event_body(const struct mlg_promote_call *call, time_t now)
{
	const struct mlg_promotion *f = call->facts;
	cJSON *doc = cJSON_CreateObject(), *data;
	char when[32], *text;
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(doc, "type", !strcmp(f->verdict, "approved")
					       ? "model.promotion.approved"
					       : "model.promotion.rejected");
	cJSON_AddStringToObject(doc, "timestamp", when);
	data = cJSON_AddObjectToObject(doc, "data");
	cJSON_AddStringToObject(data, "suite", f->suite);
	if (mlg_json_string(call->entry, "model"))
		cJSON_AddStringToObject(data, "model", mlg_json_string(call->entry, "model"));
	if (mlg_json_string(call->entry, "version"))
		cJSON_AddStringToObject(data, "version", mlg_json_string(call->entry, "version"));
	cJSON_AddStringToObject(data, "verdict", f->verdict);
	if (f->reason)
		cJSON_AddStringToObject(data, "reason", f->reason);
	if (f->commit)
		cJSON_AddStringToObject(data, "commit", f->commit);
	if (f->branch)
		cJSON_AddStringToObject(data, "branch", f->branch);
	if (f->ci_job_url)
		cJSON_AddStringToObject(data, "ci_job_url", f->ci_job_url);
	cJSON_AddStringToObject(data, "results_digest", f->results_digest);
	cJSON_AddStringToObject(data, "idempotency_key", call->idempotency_key);
	if (f->summary)
		cJSON_AddItemToObject(data, "summary", cJSON_Duplicate(f->summary, 1));
	if (strcmp(f->verdict, "approved") && f->failed)
		cJSON_AddItemToObject(data, "failed_checks", cJSON_Duplicate(f->failed, 1));
	text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	if (!text)
		mlg_die_oom();
	{
		char *copy = mlg_xstrdup(text);

		cJSON_free(text);
		return copy;
	}
}

static int promote(const struct mlg_promote_call *call)
{
	const char *url = mlg_json_string(call->entry, "url"), *var, *secret;
	struct mlg_headers h = { 0 };
	struct mlg_http_response res;
	unsigned char *key = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t keylen = 0;
	time_t now = time(NULL);
	char *body = NULL, *signed_text = NULL, *sig = NULL;
	const char *secrets[64];
	size_t nsecrets = 0;
	const cJSON *it;
	int error = 0, rc;

	secret = mlg_entry_env(call->entry, "secret_env", NULL, &var);
	if (!secret)
		return mlg_error_set("%s: environment variable '%s' (secret_env) is not set", call->path, var);
	key = signing_key(secret, &keylen);
	if (!key)
		return mlg_error_set("%s: the secret in '%s' starts with whsec_ but is not base64", call->path, var);
	secrets[nsecrets++] = secret;

	body = event_body(call, now);
	/* Standard Webhooks: sign "<id>.<timestamp>.<body>". The same id and
	 * timestamp go out on every retry, so the receiver can deduplicate. */
	signed_text = mlg_xasprintf("%s.%lld.%s", call->idempotency_key, (long long)now, body);
	HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)signed_text, strlen(signed_text), md,
	     &mdlen);
	sig = mlg_base64(md, mdlen);

	mlg_headers_add(&h, 0, "Content-Type: application/json");
	mlg_headers_add(&h, 0, "webhook-id: %s", call->idempotency_key);
	mlg_headers_add(&h, 0, "webhook-timestamp: %lld", (long long)now);
	mlg_headers_add(&h, 1, "webhook-signature: v1,%s", sig);
	mlg_headers_add(&h, 0, "Idempotency-Key: %s", call->idempotency_key);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(call->entry, "github_signature"))) {
		struct mlg_strbuf hex = MLG_STRBUF_INIT;

		HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)body, strlen(body), md, &mdlen);
		for (unsigned int i = 0; i < mdlen; i++)
			mlg_strbuf_addf(&hex, "%02x", md[i]);
		mlg_headers_add(&h, 1, "X-Hub-Signature-256: sha256=%s", hex.buf);
		mlg_strbuf_release(&hex);
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(call->entry, "headers"))
		if (cJSON_IsString(it))
			mlg_headers_add(&h, 0, "%s: %s", it->string, it->valuestring);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(call->entry, "headers_env")) {
		const char *v = cJSON_IsString(it) ? getenv(it->valuestring) : NULL;

		if (!v) {
			error = mlg_error_set("%s: environment variable '%s' (headers_env.%s) is not set",
					      call->path, cJSON_IsString(it) ? it->valuestring : "?",
					      it->string);
			goto done;
		}
		if (nsecrets < sizeof(secrets) / sizeof(secrets[0]))
			secrets[nsecrets++] = v;
		mlg_headers_add(&h, 1, "%s: %s", it->string, v);
	}

	/* Webhooks follow no redirect: a signed event goes only where named. */
	rc = mlg_promote__send(call, "POST", url, &h, body, 0, secrets, nsecrets, &res);
	if (rc == 1)
		goto done;
	if (rc < 0) {
		error = MLG_ERROR; /* the message is mlg_http_send's */
	} else if (res.status < 200 || res.status > 299) {
		char *excerpt = mlg_body_excerpt(&res);
		char *masked = mlg_mask(excerpt, secrets, nsecrets);

		error = mlg_error_set("POST %s: HTTP %ld%s%s%s", url, res.status,
				      res.status >= 300 && res.status < 400 ? " (redirects are not followed for webhooks)" : "",
				      *masked ? ": " : "", masked);
		free(excerpt);
		free(masked);
	}
	mlg_http_response_release(&res);
done:
	mlg_headers_release(&h);
	if (key)
		memset(key, 0, keylen);
	free(key);
	free(body);
	free(signed_text);
	free(sig);
	return error;
}

const struct mlg_promoter mlg_promoter_webhook = {
	.name = "webhook",
	.summary = "POST a signed JSON event (Standard Webhooks; optionally GitHub's signature)",
	.params = params,
	.default_on = "[\"approved\"]",
	.validate = validate,
	.promote = promote,
};
