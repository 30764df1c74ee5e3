/*
 * MLflow Model Registry, through its REST API (/api/2.0/mlflow/...):
 * the version must exist and be READY; the verdict is recorded as
 * model-version tags; an approved version gets the alias (and, if asked,
 * the legacy stage, which MLflow has deprecated). A rejection sets the
 * tags only.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "mlgate/error.h"
#include "promote_internal.h"

static const struct mlg_param params[] = {
	{ "url", MLG_PARAM_STRING, 1, NULL, "MLflow tracking server, e.g. ${MLFLOW_TRACKING_URI}" },
	{ "model", MLG_PARAM_STRING, 1, NULL, "registered model name" },
	{ "version", MLG_PARAM_STRING, 1, NULL, "model version to promote, e.g. ${MODEL_VERSION}" },
	{ "alias", MLG_PARAM_STRING, 0, NULL, "alias to point at the version, e.g. champion" },
	{ "stage", MLG_PARAM_STRING, 0, NULL, "deprecated by MLflow: legacy stage Staging, Production or Archived" },
	{ "archive_existing_versions", MLG_PARAM_BOOLEAN, 0, "false", "with stage: archive other versions in that stage" },
	/* No defaults here: a variable the entry names must be set, while
	 * MLflow's own MLFLOW_TRACKING_* variables are used when set. */
	{ "token_env", MLG_PARAM_STRING, 0, NULL, "variable holding a bearer token (else MLFLOW_TRACKING_TOKEN when set)" },
	{ "username_env", MLG_PARAM_STRING, 0, NULL, "variable holding the basic-auth user (else MLFLOW_TRACKING_USERNAME when set)" },
	{ "password_env", MLG_PARAM_STRING, 0, NULL, "variable holding the basic-auth password (else MLFLOW_TRACKING_PASSWORD when set)" },
	{ "tag_prefix", MLG_PARAM_STRING, 0, "\"mlgate.\"", "prefix of the model-version tags written" },
	{ NULL, 0, 0, NULL, NULL }
};

static void validate(const cJSON *entry, const char *path, struct mlg_diag *diag)
{
	const char *alias = mlg_json_string(entry, "alias"), *stage = mlg_json_string(entry, "stage");
	const char *url = mlg_json_string(entry, "url");

	if (!alias && !stage)
		mlg_diag_add(diag, path, "an mlflow entry needs \"alias\" (or the deprecated \"stage\") to promote to");
	if (alias && (!strcasecmp(alias, "latest") ||
		      ((alias[0] == 'v' || alias[0] == 'V') && alias[1] &&
		       strspn(alias + 1, "0123456789") == strlen(alias + 1))))
		mlg_diag_add(diag, path, "alias '%s' is reserved by MLflow ('latest' and v<number>)", alias);
	if (stage && !strstr(stage, "${") && strcasecmp(stage, "Staging") && strcasecmp(stage, "Production") &&
	    strcasecmp(stage, "Archived") && strcasecmp(stage, "None"))
		mlg_diag_add(diag, path, "stage '%s': expected Staging, Production, Archived or None", stage);
	if (url && strncmp(url, "http://", 7) && strncmp(url, "https://", 8) && !strstr(url, "${"))
		mlg_diag_add(diag, path, "\"url\" must start with http:// or https://");
}

struct mlflow {
	const struct mlg_promote_call *call;
	char *base;               /* url without a trailing slash */
	struct mlg_headers headers;
	const char *secrets[3];
	size_t nsecrets;
};

static char *escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	char *out;

	if (!e)
		mlg_die_oom();
	out = mlg_xstrdup(e);
	curl_free(e);
	return out;
}

/*
 * One API call. MLflow's errors ({"error_code", "message"}) are shown as
 * they are. Returns 0 and *json (caller deletes; NULL in a dry run), or
 * MLG_ERROR.
 */
static int api(struct mlflow *m, const char *method, const char *endpoint, const char *query,
	       cJSON *body, cJSON **json)
{
	char *url = mlg_xasprintf("%s/api/2.0/mlflow/%s%s%s", m->base, endpoint, query ? "?" : "", query ? query : "");
	char *text = body ? cJSON_PrintUnformatted(body) : NULL;
	struct mlg_http_response res;
	int rc, error = 0;

	*json = NULL;
	rc = mlg_promote__send(m->call, method, url, &m->headers, text, 0, m->secrets, m->nsecrets, &res);
	if (rc == 1)
		goto done;
	if (rc < 0) {
		mlg_http_response_release(&res);
		error = MLG_ERROR;
		goto done;
	}
	*json = cJSON_ParseWithLength(res.body, res.body_len);
	if (res.status < 200 || res.status > 299) {
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(*json, "error_code");
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(*json, "message");
		char *excerpt = mlg_body_excerpt(&res), *shown;

		if (cJSON_IsString(code))
			shown = mlg_xasprintf("%s: %s", code->valuestring,
					      cJSON_IsString(msg) ? msg->valuestring : "");
		else
			shown = mlg_xstrdup(excerpt);
		{
			char *masked = mlg_mask(shown, m->secrets, m->nsecrets);

			error = mlg_error_set("%s %s: HTTP %ld from MLflow: %s", method, url, res.status, masked);
			free(masked);
		}
		free(shown);
		free(excerpt);
		cJSON_Delete(*json);
		*json = NULL;
	} else if (!*json) {
		error = mlg_error_set("%s %s: MLflow answered HTTP %ld with a body that is not JSON", method,
				      url, res.status);
	}
	mlg_http_response_release(&res);
done:
	free(url);
	if (text)
		cJSON_free(text);
	return error;
}

static int set_tag(struct mlflow *m, const char *key, const char *value)
{
	cJSON *body = cJSON_CreateObject(), *json = NULL;
	const char *prefix = mlg_json_string(m->call->entry, "tag_prefix");
	char *full = mlg_xasprintf("%s%s", prefix ? prefix : "mlgate.", key);
	int error;

	cJSON_AddStringToObject(body, "name", mlg_json_string(m->call->entry, "model"));
	cJSON_AddStringToObject(body, "version", mlg_json_string(m->call->entry, "version"));
	cJSON_AddStringToObject(body, "key", full);
	cJSON_AddStringToObject(body, "value", value);
	error = api(m, "POST", "model-versions/set-tag", NULL, body, &json);
	cJSON_Delete(body);
	cJSON_Delete(json);
	free(full);
	return error;
}

static int promote(const struct mlg_promote_call *call)
{
	const struct mlg_promotion *f = call->facts;
	const char *model = mlg_json_string(call->entry, "model");
	const char *version = mlg_json_string(call->entry, "version");
	const char *alias = mlg_json_string(call->entry, "alias");
	const char *stage = mlg_json_string(call->entry, "stage");
	const char *token, *user, *pass, *var;
	int approved = !strcmp(f->verdict, "approved"), error = 0;
	struct mlflow m;
	cJSON *json = NULL, *body;
	char *query, *em, *ev;
	size_t n;

	memset(&m, 0, sizeof(m));
	m.call = call;
	m.base = mlg_xstrdup(mlg_json_string(call->entry, "url"));
	n = strlen(m.base);
	while (n && m.base[n - 1] == '/')
		m.base[--n] = '\0';
	mlg_headers_add(&m.headers, 0, "Content-Type: application/json");
	mlg_headers_add(&m.headers, 0, "Idempotency-Key: %s", call->idempotency_key);
	token = mlg_entry_env(call->entry, "token_env", "MLFLOW_TRACKING_TOKEN", &var);
	user = mlg_entry_env(call->entry, "username_env", "MLFLOW_TRACKING_USERNAME", &var);
	pass = mlg_entry_env(call->entry, "password_env", "MLFLOW_TRACKING_PASSWORD", &var);
	if (token) {
		mlg_headers_add(&m.headers, 1, "Authorization: Bearer %s", token);
		m.secrets[m.nsecrets++] = token;
	} else if (user && pass) {
		char *pair = mlg_xasprintf("%s:%s", user, pass);
		char *b64 = mlg_base64((const unsigned char *)pair, strlen(pair));

		mlg_headers_add(&m.headers, 1, "Authorization: Basic %s", b64);
		m.secrets[m.nsecrets++] = pass;
		memset(pair, 0, strlen(pair));
		free(pair);
		free(b64);
	}

	/* The candidate must exist and be READY before anything points at it. */
	em = escape(model);
	ev = escape(version);
	query = mlg_xasprintf("name=%s&version=%s", em, ev);
	free(em);
	free(ev);
	error = api(&m, "GET", "model-versions/get", query, NULL, &json);
	free(query);
	if (error)
		goto done;
	if (json) {
		const cJSON *mv = cJSON_GetObjectItemCaseSensitive(json, "model_version");
		const cJSON *status = cJSON_GetObjectItemCaseSensitive(mv, "status");

		if (!cJSON_IsObject(mv)) {
			error = mlg_error_set("MLflow's answer for %s version %s has no model_version", model, version);
			goto done;
		}
		if (approved && (!cJSON_IsString(status) || strcmp(status->valuestring, "READY"))) {
			error = mlg_error_set("%s version %s is %s, not READY: not promoted", model, version,
					      cJSON_IsString(status) ? status->valuestring : "of unknown status");
			goto done;
		}
	}

	if ((error = set_tag(&m, "gate", f->verdict)) ||
	    (f->commit && (error = set_tag(&m, "commit", f->commit))) ||
	    (error = set_tag(&m, "results_digest", f->results_digest)) ||
	    (f->ci_job_url && (error = set_tag(&m, "ci_job_url", f->ci_job_url))) ||
	    (!approved && f->reason && (error = set_tag(&m, "reason", f->reason))))
		goto done;
	if (!approved)
		goto done;

	if (alias) {
		body = cJSON_CreateObject();
		cJSON_AddStringToObject(body, "name", model);
		cJSON_AddStringToObject(body, "alias", alias);
		cJSON_AddStringToObject(body, "version", version);
		cJSON_Delete(json);
		error = api(&m, "POST", "registered-models/alias", NULL, body, &json);
		cJSON_Delete(body);
		if (error)
			goto done;
	}
	if (stage) {
		fprintf(call->out, "mlgate: %s: \"stage\" is deprecated in MLflow; prefer an alias\n", call->path);
		body = cJSON_CreateObject();
		cJSON_AddStringToObject(body, "name", model);
		cJSON_AddStringToObject(body, "version", version);
		cJSON_AddStringToObject(body, "stage", stage);
		cJSON_AddBoolToObject(body, "archive_existing_versions",
				      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(call->entry, "archive_existing_versions")));
		cJSON_Delete(json);
		error = api(&m, "POST", "model-versions/transition-stage", NULL, body, &json);
		cJSON_Delete(body);
	}
done:
	cJSON_Delete(json);
	mlg_headers_release(&m.headers);
	free(m.base);
	return error;
}

const struct mlg_promoter mlg_promoter_mlflow = {
	.name = "mlflow",
	.summary = "MLflow Model Registry: check the version is READY, tag the verdict, set the alias",
	.params = params,
	.default_on = "[\"approved\", \"rejected\"]",
	.validate = validate,
	.promote = promote,
};
