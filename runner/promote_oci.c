/*
 * Promotion by retag in an OCI registry (models stored as OCI artifacts,
 * as KitOps and ModelPack do): fetch the candidate tag's manifest, PUT the
 * very same bytes under the promoted tag, and check the registry reports
 * the same digest, so the promoted tag names exactly what was tested.
 */
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "mlgate/error.h"
#include "promote_internal.h"

static const struct mlg_param params[] = {
	{ "url", MLG_PARAM_STRING, 1, NULL, "registry base URL, e.g. https://registry.example.com" },
	{ "repository", MLG_PARAM_STRING, 1, NULL, "repository, e.g. models/fraud" },
	{ "tag", MLG_PARAM_STRING, 1, NULL, "the candidate's tag (what was tested), e.g. ${CI_COMMIT_SHA}" },
	{ "promote_tag", MLG_PARAM_STRING, 1, NULL, "the tag to point at it, e.g. champion" },
	{ "username_env", MLG_PARAM_STRING, 0, NULL, "variable holding the basic-auth user" },
	{ "password_env", MLG_PARAM_STRING, 0, NULL, "variable holding the basic-auth password" },
	{ "token_env", MLG_PARAM_STRING, 0, NULL, "variable holding a bearer token (instead of basic auth)" },
	{ NULL, 0, 0, NULL, NULL }
};

/* Manifest types a model artifact may be stored as. */
static const char accept[] =
	"Accept: application/vnd.oci.image.manifest.v1+json, "
	"application/vnd.oci.image.index.v1+json, "
	"application/vnd.docker.distribution.manifest.v2+json, "
	"application/vnd.docker.distribution.manifest.list.v2+json";

static int valid_tag(const char *t)
{
	size_t n = strlen(t);

	if (!n || n > 128 || t[0] == '.' || t[0] == '-')
		return 0;
	return strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static void validate(const cJSON *entry, const char *path, struct mlg_diag *diag)
{
	const char *tag = mlg_json_string(entry, "tag"), *to = mlg_json_string(entry, "promote_tag");

	if (tag && !strstr(tag, "${") && !valid_tag(tag))
		mlg_diag_add(diag, path, "tag '%s' is not a valid OCI tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127})", tag);
	if (to && !strstr(to, "${") && !valid_tag(to))
		mlg_diag_add(diag, path, "promote_tag '%s' is not a valid OCI tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127})", to);
	if (tag && to && !strcmp(tag, to))
		mlg_diag_add(diag, path, "\"tag\" and \"promote_tag\" are the same");
}

static int promote(const struct mlg_promote_call *call)
{
	const char *base = mlg_json_string(call->entry, "url");
	const char *repo = mlg_json_string(call->entry, "repository");
	const char *tag = mlg_json_string(call->entry, "tag");
	const char *to = mlg_json_string(call->entry, "promote_tag");
	const char *token, *user, *pass, *var, *secrets[2];
	struct mlg_headers get = { 0 }, put = { 0 };
	struct mlg_http_response res;
	char *url = NULL, *manifest = NULL, *type = NULL, *digest = NULL, *got = NULL, hex[65];
	size_t nsecrets = 0, n = strlen(base);
	int rc, error = 0;

	if (strcmp(call->facts->verdict, "approved"))
		return 0; /* a registry of artifacts has no place for a verdict */
	while (n && base[n - 1] == '/')
		n--;
	token = mlg_entry_env(call->entry, "token_env", NULL, &var);
	user = mlg_entry_env(call->entry, "username_env", NULL, &var);
	pass = mlg_entry_env(call->entry, "password_env", NULL, &var);
	for (int i = 0; i < 2; i++) {
		struct mlg_headers *h = i ? &put : &get;

		if (token) {
			mlg_headers_add(h, 1, "Authorization: Bearer %s", token);
		} else if (user && pass) {
			char *pair = mlg_xasprintf("%s:%s", user, pass);
			char *b64 = mlg_base64((const unsigned char *)pair, strlen(pair));

			mlg_headers_add(h, 1, "Authorization: Basic %s", b64);
			free(pair);
			free(b64);
		}
	}
	if (token)
		secrets[nsecrets++] = token;
	if (pass)
		secrets[nsecrets++] = pass;
	mlg_headers_add(&get, 0, "%s", accept);

	url = mlg_xasprintf("%.*s/v2/%s/manifests/%s", (int)n, base, repo, tag);
	rc = mlg_promote__send(call, "GET", url, &get, NULL, 1, secrets, nsecrets, &res);
	if (rc == 1) {
		free(url);
		url = mlg_xasprintf("%.*s/v2/%s/manifests/%s", (int)n, base, repo, to);
		mlg_headers_add(&put, 0, "Content-Type: <the candidate manifest's media type>");
		mlg_promote__send(call, "PUT", url, &put, "<the candidate manifest's bytes, unchanged>", 0,
				  secrets, nsecrets, &res);
		goto done;
	}
	if (rc < 0) {
		mlg_http_response_release(&res);
		error = MLG_ERROR;
		goto done;
	}
	if (res.status != 200) {
		char *excerpt = mlg_body_excerpt(&res);

		error = mlg_error_set("GET %s: HTTP %ld%s%s", url, res.status, *excerpt ? ": " : "", excerpt);
		free(excerpt);
		mlg_http_response_release(&res);
		goto done;
	}
	manifest = mlg_xstrndup(res.body, res.body_len);
	if (strlen(manifest) != res.body_len) {
		error = mlg_error_set("GET %s: the manifest holds a NUL byte", url);
		mlg_http_response_release(&res);
		goto done;
	}
	type = mlg_http_header(&res, "Content-Type");
	got = mlg_http_header(&res, "Docker-Content-Digest");
	mlg_sha256_hex(res.body, res.body_len, hex);
	digest = mlg_xasprintf("sha256:%s", hex);
	mlg_http_response_release(&res);
	if (!type) {
		error = mlg_error_set("GET %s: the registry gave no Content-Type for the manifest", url);
		goto done;
	}
	if (got && strcmp(got, digest)) {
		error = mlg_error_set("GET %s: the registry says the manifest is %s, its bytes hash to %s", url,
				      got, digest);
		goto done;
	}
	free(got);
	got = NULL;

	free(url);
	url = mlg_xasprintf("%.*s/v2/%s/manifests/%s", (int)n, base, repo, to);
	mlg_headers_add(&put, 0, "Content-Type: %s", type);
	rc = mlg_promote__send(call, "PUT", url, &put, manifest, 0, secrets, nsecrets, &res);
	if (rc < 0) {
		mlg_http_response_release(&res);
		error = MLG_ERROR;
		goto done;
	}
	if (res.status != 201 && res.status != 200) {
		char *excerpt = mlg_body_excerpt(&res);

		error = mlg_error_set("PUT %s: HTTP %ld%s%s", url, res.status, *excerpt ? ": " : "", excerpt);
		free(excerpt);
		mlg_http_response_release(&res);
		goto done;
	}
	got = mlg_http_header(&res, "Docker-Content-Digest");
	mlg_http_response_release(&res);
	if (got && strcmp(got, digest)) {
		error = mlg_error_set("PUT %s: the registry stored %s, expected %s", url, got, digest);
		goto done;
	}
	fprintf(call->out, "mlgate: %s: %s:%s -> %s (%s)\n", call->path, repo, tag, to, digest);
done:
	mlg_headers_release(&get);
	mlg_headers_release(&put);
	free(url);
	free(manifest);
	free(type);
	free(digest);
	free(got);
	return error;
}

const struct mlg_promoter mlg_promoter_oci = {
	.name = "oci",
	.summary = "OCI registry: retag the tested manifest (same bytes, same digest) as the promoted tag",
	.params = params,
	.default_on = "[\"approved\"]",
	.validate = validate,
	.promote = promote,
};
