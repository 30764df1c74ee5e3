/* Helpers for the registry adapters: headers, sending, dry runs, env. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "mlgate/error.h"
#include "promote_internal.h"
#include "text.h"

void mlg_headers_add(struct mlg_headers *h, int sensitive, const char *fmt, ...)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	mlg_strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (h->count + 1 > h->alloc) {
		h->alloc = h->alloc ? h->alloc * 2 : 8;
		h->lines = mlg_xrealloc(h->lines, h->alloc * sizeof(*h->lines));
		h->sensitive = mlg_xrealloc(h->sensitive, h->alloc * sizeof(*h->sensitive));
	}
	h->lines[h->count] = mlg_strbuf_detach(&sb);
	h->sensitive[h->count] = sensitive;
	h->count++;
}

void mlg_headers_release(struct mlg_headers *h)
{
	for (size_t i = 0; i < h->count; i++)
		free(h->lines[i]);
	free(h->lines);
	free(h->sensitive);
	memset(h, 0, sizeof(*h));
}

const char *mlg_entry_env(const cJSON *entry, const char *key, const char *fallback_name,
			  const char **name)
{
	const char *var = mlg_json_string(entry, key);
	const char *value;

	*name = var ? var : fallback_name;
	if (!*name)
		return NULL;
	value = getenv(*name);
	return value && *value ? value : NULL;
}

char *mlg_base64(const unsigned char *data, size_t len)
{
	char *out = mlg_xmalloc(4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

char *mlg_mask(const char *s, const char *const *secrets, size_t n)
{
	char *out = mlg_xstrdup(s);

	for (size_t i = 0; i < n; i++) {
		char *next;

		if (!secrets[i] || !*secrets[i])
			continue;
		next = mlg_str_replace(out, secrets[i], "****");
		free(out);
		out = next;
	}
	return out;
}

/* Bytes of a response body quoted in a message. */
#define EXCERPT_MAX 200

char *mlg_body_excerpt(const struct mlg_http_response *res)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	size_t n = res->body_len < EXCERPT_MAX ? res->body_len : EXCERPT_MAX;
	char *shown;

	/* not inside a character: a cut one would show as U+FFFD */
	if (n < res->body_len)
		n = mlg_utf8_complete_end(res->body, 0, n);
	for (size_t i = 0; i < n; i++) {
		char c = res->body[i];

		if (!c)
			mlg_strbuf_addstr(&sb, "\\x00");
		else
			mlg_strbuf_addch(&sb, c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
	}
	if (res->body_len > n)
		mlg_strbuf_addstr(&sb, "...");
	/* One line a terminal, a CI log or a report shows as it is: C0 and C1
	 * controls, DEL and the bidirectional controls (U+202A-U+202E,
	 * U+2066-U+2069) escaped, bad UTF-8 as U+FFFD, a NUL as "\\x00". */
	shown = mlg_text_one_line(mlg_strbuf_str(&sb));
	mlg_strbuf_release(&sb);
	return shown;
}

int mlg_promote__send(const struct mlg_promote_call *call, const char *method, const char *url,
		      const struct mlg_headers *headers, const char *body, int follow_redirects,
		      const char *const *secrets, size_t nsecrets, struct mlg_http_response *res)
{
	struct mlg_http_request req = call->http;
	int error;

	memset(res, 0, sizeof(*res));
	if (call->dry_run) {
		char *plain = mlg_http_shown_url(url), *shown_url = mlg_mask(plain, secrets, nsecrets);
		char *shown_body = mlg_mask(body ? body : "", secrets, nsecrets);

		fprintf(call->out, "%s %s\n", method, shown_url);
		for (size_t i = 0; i < headers->count; i++) {
			const char *line = headers->lines[i], *colon = strchr(line, ':');

			if (headers->sensitive[i] && colon)
				fprintf(call->out, "  %.*s: ****\n", (int)(colon - line), line);
			else
				fprintf(call->out, "  %s\n", line);
		}
		if (body)
			fprintf(call->out, "\n%s\n", shown_body);
		fprintf(call->out, "\n");
		free(plain);
		free(shown_url);
		free(shown_body);
		return 1;
	}
	req.method = method;
	req.url = url;
	req.headers = (const char *const *)headers->lines;
	req.nheaders = headers->count;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.follow_redirects = follow_redirects;
	req.secrets = secrets;
	req.nsecrets = nsecrets;
	error = mlg_http_send(res, &req);
	if (res->attempts > 1) {
		char *shown = mlg_http_shown_url(url);

		fprintf(call->out, "mlgate: %s %s: %d attempts\n", method, shown, res->attempts);
		free(shown);
	}
	return error;
}
