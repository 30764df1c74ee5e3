/* HTTP with retries over libcurl (see include/mlgate/http.h). */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/rand.h>

#include "cancel.h"
#include "mlgate/error.h"
#include "mlgate/http.h"
#include "util.h"

struct sink {
	struct mlg_strbuf data;
	size_t limit;
};

/* Responses are read whole but bounded: a registry answers in kilobytes. */
#define MAX_BODY (16u << 20)

static size_t on_data(char *ptr, size_t size, size_t n, void *payload)
{
	struct sink *s = payload;

	if (s->data.len + size * n > s->limit)
		return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
	mlg_strbuf_add(&s->data, ptr, size * n);
	return size * n;
}

static size_t on_header(char *ptr, size_t size, size_t n, void *payload)
{
	struct sink *s = payload;

	/* A new status line starts a new response (after 1xx or a redirect). */
	if (size * n >= 5 && !memcmp(ptr, "HTTP/", 5))
		mlg_strbuf_reset(&s->data);
	mlg_strbuf_add(&s->data, ptr, size * n);
	return size * n;
}

static int retryable_status(long status)
{
	return status == 408 || status == 429 || status >= 500;
}

static int retryable_curl(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/* Replaces each secret in `msg` by "***"; caller frees. */
static char *mask(const char *msg, const struct mlg_http_request *req)
{
	char *out = mlg_xstrdup(msg);

	for (size_t i = 0; i < req->nsecrets; i++) {
		char *next;

		if (!req->secrets[i] || !*req->secrets[i])
			continue;
		next = mlg_str_replace(out, req->secrets[i], "***");
		free(out);
		out = next;
	}
	return out;
}

double mlg_http_retry_after(const char *value, double now)
{
	char *end;
	double secs;
	time_t when;

	while (*value == ' ')
		value++;
	if (isdigit((unsigned char)*value)) {
		/* delta-seconds: digits only (RFC 9110 section 10.2.3) */
		secs = 0;
		for (end = (char *)value; isdigit((unsigned char)*end); end++)
			secs = secs * 10 + (*end - '0');
		while (*end == ' ' || *end == '\t')
			end++;
		return *end ? -1 : secs;
	}
	when = curl_getdate(value, NULL);
	if (when < 0)
		return -1;
	secs = (double)when - now;
	return secs < 0 ? 0 : secs;
}

char *mlg_http_header(const struct mlg_http_response *res, const char *name)
{
	const char *p = res->headers;
	size_t n = strlen(name);

	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if (len > n && p[n] == ':' && !strncasecmp(p, name, n)) {
			const char *v = p + n + 1;
			const char *e = p + len;

			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			while (e > v && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
				e--;
			return mlg_xstrndup(v, (size_t)(e - v));
		}
		p = eol ? eol + 1 : NULL;
	}
	return NULL;
}

/* A random fraction in [0, 1) for jitter, from the CSPRNG we already link. */
static double random_fraction(void)
{
	unsigned int r = 0;

	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = (unsigned int)time(NULL) * 2654435761u;
	return (double)r / 4294967296.0;
}

/* Sleeps `s` seconds in short slices, returning early once *cancel is set. */
static void sleep_s(double s, volatile sig_atomic_t *cancel)
{
	double end = mlg_now() + s;

	while (!mlg_cancel_requested(cancel)) {
		double left = end - mlg_now();
		struct timespec ts;

		if (left <= 0)
			return;
		if (left > 0.05)
			left = 0.05;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(left * 1e9);
		nanosleep(&ts, NULL);
	}
}

/* libcurl calls this often during a transfer: a non-zero return aborts it. */
static int on_progress(void *payload, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	volatile sig_atomic_t *cancel = payload;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return mlg_cancel_requested(cancel);
}

/* A query parameter name that usually carries a credential. */
static int secret_name(const char *name, size_t len)
{
	static const char *const words[] = { "token", "key", "secret", "pass", "pwd", "auth",
					     "sig", "credential", "session" };
	char lower[64];

	if (len >= sizeof(lower))
		return 1;
	for (size_t i = 0; i < len; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	lower[len] = '\0';
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(lower, words[i]))
			return 1;
	return 0;
}

/*
 * A URL as messages may show it: "user:password@" and the values of query
 * parameters named like credentials (token, key, secret...) are masked,
 * since people do put tokens there. Caller frees.
 */
static char *shown_url(const char *url)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	const char *scheme = strstr(url, "://"), *host, *at, *end, *q;

	host = scheme ? scheme + 3 : url;
	end = host + strcspn(host, "/?#");
	at = memchr(host, '@', (size_t)(end - host));
	mlg_strbuf_add(&sb, url, (size_t)(host - url));
	if (at) {
		mlg_strbuf_addstr(&sb, "****@");
		host = at + 1;
	}
	q = strchr(host, '?');
	if (!q) {
		mlg_strbuf_addstr(&sb, host);
		return mlg_strbuf_detach(&sb);
	}
	mlg_strbuf_add(&sb, host, (size_t)(q - host) + 1);
	for (const char *p = q + 1; *p;) {
		size_t n = strcspn(p, "&#");
		const char *eq = memchr(p, '=', n);

		mlg_strbuf_add(&sb, p, eq ? (size_t)(eq - p) + 1 : n);
		if (eq) {
			if (secret_name(p, (size_t)(eq - p)))
				mlg_strbuf_addstr(&sb, "****");
			else
				mlg_strbuf_add(&sb, eq + 1, n - (size_t)(eq - p) - 1);
		}
		p += n;
		if (*p == '&')
			mlg_strbuf_addch(&sb, *p++);
		else if (*p == '#')
			break;
	}
	return mlg_strbuf_detach(&sb);
}

char *mlg_http_shown_url(const char *url)
{
	return shown_url(url);
}

void mlg_http_response_release(struct mlg_http_response *res)
{
	free(res->body);
	free(res->headers);
	res->body = res->headers = NULL;
	res->body_len = 0;
}

int mlg_http_send(struct mlg_http_response *out, const struct mlg_http_request *req)
{
	int max = req->max_attempts > 0 ? req->max_attempts : 5;
	double backoff = req->backoff_s > 0 ? req->backoff_s : 1.0;
	double cap = req->backoff_max_s > 0 ? req->backoff_max_s : 60.0;
	struct curl_slist *headers = NULL;
	char errbuf[CURL_ERROR_SIZE];
	CURL *curl;
	int error = MLG_ERROR;

	memset(out, 0, sizeof(*out));
	if (req->version != MLG_HTTP_REQUEST_VERSION)
		return mlg_error_code(MLG_EINVALID, "http request version %u is not %u", req->version,
				      MLG_HTTP_REQUEST_VERSION);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	curl = curl_easy_init();
	if (!curl)
		return mlg_error_set("cannot start an HTTP client");
	for (size_t i = 0; i < req->nheaders; i++)
		headers = curl_slist_append(headers, req->headers[i]);
	/* libcurl would add "Expect: 100-continue" to large bodies: one more
	 * round trip, and some proxies mishandle it. */
	headers = curl_slist_append(headers, "Expect:");

	for (int attempt = 1; attempt <= max; attempt++) {
		struct sink body = { MLG_STRBUF_INIT, MAX_BODY }, head = { MLG_STRBUF_INIT, MAX_BODY };
		CURLcode rc;
		long status = 0;
		double delay = -1, started, finished;
		char *retry_after = NULL;

		curl_easy_reset(curl);
		errbuf[0] = '\0';
		curl_easy_setopt(curl, CURLOPT_URL, req->url);
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
		if (!strcmp(req->method, "GET"))
			curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
		else if (!strcmp(req->method, "HEAD"))
			curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
		if (req->body) {
			curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body);
			curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		}
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
		curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(curl, CURLOPT_HEADERDATA, &head);
		curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
		curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, req->follow_redirects ? 1L : 0L);
		curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
#if LIBCURL_VERSION_NUM >= 0x075500
		curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else /* Ubuntu 22.04's libcurl 7.81 */
		curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
		curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
		curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
				 (long)((req->connect_timeout_s > 0 ? req->connect_timeout_s : 10) * 1000));
		curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
				 (long)((req->timeout_s > 0 ? req->timeout_s : 30) * 1000));
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
		if (req->ca_file)
			curl_easy_setopt(curl, CURLOPT_CAINFO, req->ca_file);
		curl_easy_setopt(curl, CURLOPT_USERAGENT, "mlgate");
		if (req->cancel) {
			curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
			curl_easy_setopt(curl, CURLOPT_XFERINFODATA, (void *)req->cancel);
			curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
		}

		started = mlg_now();
		rc = curl_easy_perform(curl);
		finished = mlg_now();
		out->attempts = attempt;
		if (rc == CURLE_OK)
			curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
		mlg_http_response_release(out);
		out->status = status;
		out->time_s = finished - started;
		out->body_len = body.data.len;
		out->body = mlg_strbuf_detach(&body.data);
		out->headers = mlg_strbuf_detach(&head.data);

		if (rc == CURLE_OK && !retryable_status(status)) {
			error = 0;
			break;
		}
		if (mlg_cancel_requested(req->cancel)) {
			char *url = shown_url(req->url);

			mlg_error_code(MLG_EINTR, "%s %s: interrupted", req->method, url);
			free(url);
			error = MLG_EINTR;
			break;
		}
		if (rc != CURLE_OK) {
			char *msg = mask(*errbuf ? errbuf : curl_easy_strerror(rc), req);
			char *url0 = shown_url(req->url), *url = mask(url0, req);

			free(url0);

			mlg_error_set("%s %s: %s (attempt %d of %d)", req->method, url, msg, attempt, max);
			free(msg);
			free(url);
			out->status = 0;
			if (!retryable_curl(rc))
				break;
		} else {
			char *url0 = shown_url(req->url), *url = mask(url0, req);

			free(url0);
			mlg_error_set("%s %s: HTTP %ld (attempt %d of %d)", req->method, url, status,
				      attempt, max);
			free(url);
			retry_after = mlg_http_header(out, "Retry-After");
			if (retry_after)
				delay = mlg_http_retry_after(retry_after, (double)time(NULL));
			free(retry_after);
		}
		if (attempt == max)
			break;
		/* Exponential backoff with "equal jitter": half fixed, half random,
		 * so retrying clients spread out yet never retry at once. */
		if (delay < 0) {
			double d = backoff * pow(2, attempt - 1);

			if (d > cap)
				d = cap;
			delay = d / 2 + random_fraction() * d / 2;
		} else if (delay > cap) {
			delay = cap;
		}
		sleep_s(delay, req->cancel);
		if (mlg_cancel_requested(req->cancel)) {
			error = mlg_error_code(MLG_EINTR, "%s: interrupted before attempt %d", req->method,
					       attempt + 1);
			break;
		}
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return error;
}
