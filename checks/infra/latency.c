/*
 * infra.latency: a small load test of an HTTP endpoint, typically a model
 * server's predict route: `requests` measured requests with `concurrency`
 * of them in flight, after `warmup` unmeasured ones, and bounds on the
 * latency percentiles, the error rate and the throughput.
 *
 * One thread drives every request through libcurl's multi interface, as
 * curl itself does: `concurrency` easy handles, each sent again as soon as
 * its answer came. The server sees a closed loop of C clients that keep
 * their connections alive (wrk's model, without its threads), and the
 * check needs no locks: nothing here is shared with another thread.
 *
 * A request's latency is libcurl's CURLINFO_TOTAL_TIME_T for it, in
 * microseconds: from the moment libcurl starts the transfer to the last
 * byte of the answer, name lookup and connecting included when the
 * transfer opened a connection (the warm-up opens them). Our own loop's
 * bookkeeping is not in it. Statistics: see include/mlgate/latency.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "cancel.h"
#include "digest.h"
#include "jsonc.h"
#include "mlgate/check.h"
#include "mlgate/error.h"
#include "mlgate/http.h"
#include "mlgate/latency.h"
#include "mlgate/suite.h"
#include "util.h"

#define MAX_REQUESTS 10000000
#define MAX_CONCURRENCY 1000
#define MAX_REQUEST_TIMEOUT_S 3600.0

static const struct mlg_param params[] = {
	{ "url", MLG_PARAM_STRING, 1, NULL, "the endpoint, http:// or https://" },
	{ "method", MLG_PARAM_STRING, 0, NULL, "HTTP method; default GET, or POST when a body is given" },
	{ "headers", MLG_PARAM_OBJECT, 0, NULL, "extra request headers with literal values: name -> value" },
	{ "headers_env", MLG_PARAM_OBJECT, 0, NULL,
	  "headers whose secret values come from environment variables: name -> variable (never shown)" },
	{ "body", MLG_PARAM_OBJECT, 0, NULL, "JSON request body, sent with Content-Type: application/json" },
	{ "body_file", MLG_PARAM_PATH, 0, NULL, "file whose bytes are the request body (instead of body)" },
	{ "requests", MLG_PARAM_INTEGER, 0, "100", "measured requests, 1 to 10000000" },
	{ "concurrency", MLG_PARAM_INTEGER, 0, "1",
	  "requests in flight at once, each on its own kept-alive connection (at most requests)" },
	{ "warmup", MLG_PARAM_INTEGER, 0, "10", "requests sent first, at the same concurrency, and not measured" },
	{ "expect_status", MLG_PARAM_INTEGERS, 0, "200",
	  "HTTP status, or list of them, that counts as success, e.g. [200, 201]; any other is an error response" },
	{ "request_timeout", MLG_PARAM_DURATION, 0, "\"10s\"", "time allowed per request; a slower one is an error" },
	{ "p50", MLG_PARAM_DURATION, 0, NULL, "upper bound on the median latency, e.g. \"50ms\"" },
	{ "p95", MLG_PARAM_DURATION, 0, NULL, "upper bound on the 95th percentile latency" },
	{ "p99", MLG_PARAM_DURATION, 0, NULL, "upper bound on the 99th percentile latency" },
	{ "max", MLG_PARAM_DURATION, 0, NULL, "upper bound on the slowest successful request" },
	{ "max_error_rate", MLG_PARAM_FRACTION, 0, "0",
	  "largest share of requests that may fail (transport error, timeout, unexpected status)" },
	{ "min_throughput", MLG_PARAM_NUMBER, 0, NULL, "lower bound on requests per second over the measured requests" },
	{ NULL, 0, 0, NULL, NULL }
};

/* The latency bounds, in the order messages name them. */
static const struct {
	const char *param, *key;
} latency_bounds[] = {
	{ "p50", "p50_ms" }, { "p95", "p95_ms" }, { "p99", "p99_ms" }, { "max", "max_ms" },
};
#define NBOUNDS (sizeof(latency_bounds) / sizeof(latency_bounds[0]))

static int is_method(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < 'A' || *s > 'Z')
			return 0;
	return 1;
}

/* A header name as RFC 9110 allows it (a token), so that no value can
 * smuggle a second header or a line break into the request. */
static int is_header_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!strchr("!#$%&'*+-.^_`|~", *s) &&
		    !((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
			return 0;
	return 1;
}

static void validate_headers(const struct mlg_check *check, struct mlg_diag *diag, const char *param)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, mlg_check_param(check, param)) {
		struct mlg_strbuf path = MLG_STRBUF_INIT;
		const char *sub;

		/* a path of one character first, so that a plain key gets its dot */
		mlg_strbuf_addch(&path, '$');
		mlg_jsonpath_member(&path, it->string, strlen(it->string));
		sub = path.buf + 1;
		if (!is_header_name(it->string))
			mlg_diag_check_at(diag, check, param, sub,
					  "'%s' is not a valid header name", it->string);
		else if (!cJSON_IsString(it))
			mlg_diag_check_at(diag, check, param, sub, "expected a string%s, found %s",
					  strcmp(param, "headers_env") ? "" : " (the name of an environment variable)",
					  mlg_json_describe(it));
		else if (!strcmp(param, "headers_env") && !*it->valuestring)
			mlg_diag_check_at(diag, check, param, sub,
					  "expected the name of an environment variable, found an empty string");
		else if (strpbrk(it->valuestring, "\r\n"))
			mlg_diag_check_at(diag, check, param, sub, "a header value may not contain a line break");
		mlg_strbuf_release(&path);
	}
}

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	const char *url = mlg_check_string(check, "url"), *method = mlg_check_string(check, "method");
	const cJSON *statuses = mlg_check_param(check, "expect_status"), *it;
	double requests = 100, concurrency = 1, warmup = 10, v;
	size_t i = 0;

	if (url && strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
		mlg_diag_check(diag, check, "url", "expected a URL starting with http:// or https://");
	if (method && !is_method(method))
		mlg_diag_check(diag, check, "method",
			       "expected an HTTP method in capitals such as GET or POST, found \"%s\"", method);
	if (mlg_check_param(check, "body") && mlg_check_param(check, "body_file"))
		mlg_diag_check(diag, check, "body_file", "give either \"body\" or \"body_file\", not both");
	if (method && !strcmp(method, "HEAD") &&
	    (mlg_check_param(check, "body") || mlg_check_param(check, "body_file")))
		mlg_diag_check(diag, check, "method", "a HEAD request cannot carry a body");
	validate_headers(check, diag, "headers");
	validate_headers(check, diag, "headers_env");

	mlg_check_number(check, "requests", &requests);
	mlg_check_number(check, "concurrency", &concurrency);
	mlg_check_number(check, "warmup", &warmup);
	if (requests < 1 || requests > MAX_REQUESTS)
		mlg_diag_check(diag, check, "requests", "expected 1 to %d requests, found %.0f", MAX_REQUESTS,
			       requests);
	if (concurrency < 1 || concurrency > MAX_CONCURRENCY)
		mlg_diag_check(diag, check, "concurrency", "expected 1 to %d requests in flight, found %.0f",
			       MAX_CONCURRENCY, concurrency);
	else if (requests >= 1 && concurrency > requests)
		mlg_diag_check(diag, check, "concurrency",
			       "%.0f requests in flight is more than the %.0f requests to send; lower \"concurrency\" or raise \"requests\"",
			       concurrency, requests);
	if (warmup < 0 || warmup > MAX_REQUESTS)
		mlg_diag_check(diag, check, "warmup", "expected 0 to %d requests, found %.0f", MAX_REQUESTS, warmup);

	for (it = cJSON_IsArray(statuses) ? statuses->child : statuses; it;
	     it = cJSON_IsArray(statuses) ? it->next : NULL) {
		struct mlg_strbuf sub = MLG_STRBUF_INIT;
		char buf[32];

		if (cJSON_IsArray(statuses))
			mlg_jsonpath_index(&sub, i++);
		if (!cJSON_IsNumber(it) || it->valuedouble != floor(it->valuedouble) || it->valuedouble < 100 ||
		    it->valuedouble > 599)
			mlg_diag_check_at(diag, check, "expect_status", sub.len ? sub.buf : NULL,
					  "expected an HTTP status from 100 to 599, found %s",
					  cJSON_IsNumber(it) ? mlg_format_number(it->valuedouble, buf)
							     : mlg_json_describe(it));
		mlg_strbuf_release(&sub);
	}

	v = mlg_check_duration(check, "request_timeout", 10);
	if (v <= 0 || v > MAX_REQUEST_TIMEOUT_S)
		mlg_diag_check(diag, check, "request_timeout", "expected a duration above 0 and at most 1h");
	for (size_t b = 0; b < NBOUNDS; b++)
		if (mlg_check_param(check, latency_bounds[b].param) &&
		    mlg_check_duration(check, latency_bounds[b].param, 0) <= 0)
			mlg_diag_check(diag, check, latency_bounds[b].param,
				       "expected a duration above 0, such as \"200ms\"");
	if (mlg_check_number(check, "min_throughput", &v) && !(v > 0))
		mlg_diag_check(diag, check, "min_throughput", "expected a number of requests per second above 0");
}

/* Ids and names show the URL with credentials masked. Called on suites
 * with errors too: without a URL, the check's position. */
static char *target(const struct mlg_check *check)
{
	const char *url = mlg_check_string(check, "url");

	return url ? mlg_http_shown_url(url) : mlg_xasprintf("%zu", check->index + 1);
}

/* One easy handle: a client connection slot of the closed loop. */
struct slot {
	CURL *easy;
	size_t request;   /* 1-based number of its current request in the phase */
	int active;       /* added to the multi handle */
	char errbuf[CURL_ERROR_SIZE];
};

#define MAX_REASONS 8

/* Everything one run of the check holds; a phase reuses the handles. */
struct load {
	const struct mlg_check_ctx *ctx;
	struct mlg_result *r;
	CURLM *multi;
	struct slot *slots;
	size_t nslots;
	const long *statuses;
	size_t nstatuses;
	char *statuses_text;     /* "200", "200 or 204", "200, 201 or 204" */
	const char *const *secrets;
	size_t nsecrets;
	double request_timeout_s;

	/* the current phase */
	int measured;
	size_t started, done;
	size_t no_response;      /* requests that got no HTTP answer at all */
	char *first_failure;     /* why the phase's first failed request failed */
	char *first_detail;      /* libcurl's message for the first transport failure */
	const char *url, *shown_url;

	/* the measured phase */
	int64_t *latencies_us;
	size_t nlatencies, alloc;
	size_t errors;
	size_t connections;      /* opened by measured requests, not reused */
	char *reasons[MAX_REASONS + 1]; /* the last one is "other" */
	size_t reason_counts[MAX_REASONS + 1];
	size_t nreasons;
	char *first_error;
	double started_at, ended_at;
};

static size_t discard(char *ptr, size_t size, size_t n, void *payload)
{
	(void)ptr;
	(void)payload;
	return size * n;
}

/* `s` with each secret replaced by "***"; caller frees. */
static char *masked(const struct load *L, const char *s)
{
	char *out = mlg_str_replace(s, L->url, L->shown_url);

	for (size_t i = 0; i < L->nsecrets; i++) {
		char *next;

		if (!*L->secrets[i])
			continue;
		next = mlg_str_replace(out, L->secrets[i], "***");
		free(out);
		out = next;
	}
	return out;
}

/* Counts a failed measured request under its reason, keeping at most
 * MAX_REASONS distinct ones: a reason is a short fixed text ("HTTP 503",
 * "Couldn't connect to server"), never curl's message with timings. */
static void count_reason(struct load *L, const char *reason)
{
	size_t i;

	for (i = 0; i < L->nreasons; i++)
		if (!strcmp(L->reasons[i], reason))
			break;
	if (i == L->nreasons) {
		if (L->nreasons == MAX_REASONS) {
			if (!L->reasons[MAX_REASONS])
				L->reasons[MAX_REASONS] = mlg_xstrdup("other");
			i = MAX_REASONS;
		} else {
			L->reasons[L->nreasons++] = mlg_xstrdup(reason);
		}
	}
	L->reason_counts[i]++;
}

/* Takes the answer (or the failure) of a slot's finished request. */
static void finish(struct load *L, struct slot *s, CURLcode rc)
{
	char reason[96];
	long status = 0, connects = 0;

	if (L->measured && curl_easy_getinfo(s->easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK)
		L->connections += (size_t)connects;
	if (rc == CURLE_OK) {
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
		for (size_t i = 0; i < L->nstatuses; i++) {
			if (status == L->statuses[i]) {
				curl_off_t us = 0;

				if (!L->measured)
					return;
				curl_easy_getinfo(s->easy, CURLINFO_TOTAL_TIME_T, &us);
				MLG_ALLOC_GROW(L->latencies_us, L->nlatencies + 1, L->alloc);
				L->latencies_us[L->nlatencies++] = (int64_t)us;
				return;
			}
		}
		snprintf(reason, sizeof(reason), "HTTP %ld", status);
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		char buf[32];

		snprintf(reason, sizeof(reason), "no answer within %s s",
			 mlg_format_number(L->request_timeout_s, buf));
		L->no_response++;
	} else {
		snprintf(reason, sizeof(reason), "%s", curl_easy_strerror(rc));
		L->no_response++;
	}
	if (!L->first_failure) {
		L->first_failure = mlg_xstrdup(reason);
		if (rc != CURLE_OK && s->errbuf[0] && !L->first_detail)
			L->first_detail = masked(L, s->errbuf);
	}
	if (!L->measured)
		return;
	L->errors++;
	count_reason(L, reason);
	if (!L->first_error && status)
		L->first_error = mlg_xasprintf("request %zu: %s, expected %s", s->request, reason,
					       L->statuses_text);
	else if (!L->first_error)
		L->first_error = mlg_xasprintf("request %zu: %s", s->request, reason);
	L->r->nexamples++;
	if (L->r->nexamples <= L->r->max_examples) {
		cJSON *ex = cJSON_CreateObject();

		cJSON_AddNumberToObject(ex, "request", (double)s->request);
		cJSON_AddStringToObject(ex, "reason", reason);
		if (status)
			cJSON_AddNumberToObject(ex, "status", (double)status);
		if (rc != CURLE_OK && s->errbuf[0]) {
			char *detail = masked(L, s->errbuf);

			cJSON_AddStringToObject(ex, "detail", detail);
			free(detail);
		}
		cJSON_AddItemToArray(L->r->examples, ex);
	}
}

static int start(struct load *L, struct slot *s)
{
	s->request = ++L->started;
	s->errbuf[0] = '\0';
	if (curl_multi_add_handle(L->multi, s->easy) != CURLM_OK)
		return mlg_error_set("cannot start request %zu", s->request);
	s->active = 1;
	return 0;
}

static void stop_all(struct load *L)
{
	for (size_t i = 0; i < L->nslots; i++) {
		if (L->slots[i].active)
			curl_multi_remove_handle(L->multi, L->slots[i].easy);
		L->slots[i].active = 0;
	}
}

enum phase_end { PHASE_DONE, PHASE_INTERRUPTED, PHASE_TIMED_OUT, PHASE_FAILED };

/*
 * Sends `n` requests, at most one per slot at a time, each slot sent again
 * as soon as its answer came. Returns early when the run is interrupted or
 * the check's deadline passes (PHASE_FAILED when libcurl itself fails,
 * with the message set).
 */
static enum phase_end run_phase(struct load *L, size_t n, int measured)
{
	const struct mlg_check_ctx *ctx = L->ctx;
	enum phase_end end = PHASE_DONE;

	L->measured = measured;
	L->started = L->done = L->no_response = 0;
	free(L->first_failure);
	free(L->first_detail);
	L->first_failure = L->first_detail = NULL;
	if (measured)
		L->started_at = mlg_now();
	for (size_t i = 0; i < L->nslots && L->started < n; i++)
		if (start(L, &L->slots[i]) < 0)
			return PHASE_FAILED;
	while (L->done < n) {
		CURLMsg *msg;
		int running, left, wait_ms = 100;
		CURLMcode mc = curl_multi_perform(L->multi, &running);

		if (mc != CURLM_OK) {
			mlg_error_set("HTTP client failure: %s", curl_multi_strerror(mc));
			end = PHASE_FAILED;
			break;
		}
		while ((msg = curl_multi_info_read(L->multi, &left))) {
			struct slot *s;
			CURLcode rc = msg->data.result;
			CURL *easy = msg->easy_handle;
			char *priv = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
			s = (struct slot *)(void *)priv;
			finish(L, s, rc);
			/* msg is invalid from here on */
			curl_multi_remove_handle(L->multi, easy);
			s->active = 0;
			if (++L->done == n && measured)
				L->ended_at = mlg_now();
			if (L->started < n && start(L, s) < 0)
				end = PHASE_FAILED;
		}
		if (end != PHASE_DONE || L->done >= n)
			break;
		if (mlg_cancel_requested(ctx->cancel)) {
			end = PHASE_INTERRUPTED;
			break;
		}
		if (ctx->deadline > 0) {
			double left_s = ctx->deadline - mlg_now();

			if (left_s <= 0) {
				end = PHASE_TIMED_OUT;
				break;
			}
			if (left_s * 1000 < wait_ms)
				wait_ms = (int)(left_s * 1000) + 1;
		}
		/* Wakes on socket activity or libcurl's next timer; the cap keeps
		 * the cancel flag and the deadline looked at. */
		mc = curl_multi_poll(L->multi, NULL, 0, wait_ms, NULL);
		if (mc != CURLM_OK) {
			mlg_error_set("HTTP client failure: %s", curl_multi_strerror(mc));
			end = PHASE_FAILED;
			break;
		}
	}
	if (end != PHASE_DONE)
		stop_all(L);
	if (measured && end != PHASE_DONE)
		L->ended_at = mlg_now();
	return end;
}

/* Sets up the slots' handles, all alike. */
static void setup_slots(struct load *L, const char *url, const char *method, struct curl_slist *headers,
			const char *body, size_t body_len, int has_body)
{
	int post = has_body || !strcmp(method, "POST");

	for (size_t i = 0; i < L->nslots; i++) {
		struct slot *s = &L->slots[i];
		CURL *c = curl_easy_init();

		if (!c)
			mlg_die_oom();
		s->easy = c;
		curl_easy_setopt(c, CURLOPT_URL, url);
		if (post) {
			/* The body is shared by every handle; libcurl only reads it. */
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
		}
		if (!strcmp(method, "HEAD"))
			curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
		else if (strcmp(method, post ? "POST" : "GET"))
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->errbuf);
		curl_easy_setopt(c, CURLOPT_PRIVATE, (char *)s);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
		curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)ceil(L->request_timeout_s * 1000));
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
		curl_easy_setopt(c, CURLOPT_USERAGENT, "mlgate");
	}
}

/* The request headers: literal ones, secret ones from the environment,
 * the body's type unless given. NULL with *error set when a variable is
 * unset; the secret values go to L->secrets (borrowed from environ). */
static struct curl_slist *build_headers(const struct mlg_check *check, struct load *L, int json_body,
					const char ***secrets, char **error)
{
	struct curl_slist *list = NULL;
	const cJSON *it;
	int has_type = 0;
	size_t n = 0;

	*secrets = mlg_xcalloc((size_t)cJSON_GetArraySize(mlg_check_param(check, "headers_env")) + 1,
			       sizeof(char *));
	cJSON_ArrayForEach(it, mlg_check_param(check, "headers")) {
		char *line = mlg_xasprintf("%s: %s", it->string, it->valuestring);

		list = curl_slist_append(list, line);
		free(line);
		has_type |= !strcasecmp(it->string, "Content-Type");
	}
	cJSON_ArrayForEach(it, mlg_check_param(check, "headers_env")) {
		const char *value = getenv(it->valuestring);
		char *line;

		if (!value || !*value) {
			*error = mlg_xasprintf("environment variable '%s' (headers_env.%s) is not set",
					       it->valuestring, it->string);
			curl_slist_free_all(list);
			return NULL;
		}
		(*secrets)[n++] = value;
		line = mlg_xasprintf("%s: %s", it->string, value);
		list = curl_slist_append(list, line);
		free(line);
		has_type |= !strcasecmp(it->string, "Content-Type");
	}
	if (json_body && !has_type)
		list = curl_slist_append(list, "Content-Type: application/json");
	/* libcurl would add "Expect: 100-continue" to large bodies: a round
	 * trip per request that a real client does not make. */
	list = curl_slist_append(list, "Expect:");
	L->secrets = *secrets;
	L->nsecrets = n;
	return list;
}

/* The statistics of the measured requests, into observed. */
static void add_observed(struct load *L, const struct mlg_latency_summary *sum, double throughput)
{
	cJSON *o = L->r->observed, *hist, *bounds, *counts, *reasons;
	size_t measured = L->done;

	cJSON_AddNumberToObject(o, "requests", (double)measured);
	cJSON_AddNumberToObject(o, "errors", (double)L->errors);
	cJSON_AddNumberToObject(o, "error_rate", measured ? (double)L->errors / (double)measured : 0);
	cJSON_AddNumberToObject(o, "concurrency", (double)L->nslots);
	cJSON_AddNumberToObject(o, "connections_opened", (double)L->connections);
	cJSON_AddNumberToObject(o, "duration_s", L->ended_at - L->started_at);
	cJSON_AddNumberToObject(o, "throughput_rps", throughput);
	if (sum->count) {
		cJSON_AddNumberToObject(o, "p50_ms", (double)sum->p50_us / 1000.0);
		cJSON_AddNumberToObject(o, "p95_ms", (double)sum->p95_us / 1000.0);
		cJSON_AddNumberToObject(o, "p99_ms", (double)sum->p99_us / 1000.0);
		cJSON_AddNumberToObject(o, "max_ms", (double)sum->max_us / 1000.0);
		cJSON_AddNumberToObject(o, "min_ms", (double)sum->min_us / 1000.0);
		cJSON_AddNumberToObject(o, "mean_ms", round(sum->mean_us) / 1000.0);
	}
	hist = cJSON_AddObjectToObject(o, "histogram");
	bounds = cJSON_AddArrayToObject(hist, "buckets_ms");
	counts = cJSON_AddArrayToObject(hist, "counts");
	for (size_t i = 0; i < MLG_LATENCY_BUCKETS; i++) {
		if (i < MLG_LATENCY_BUCKETS - 1)
			cJSON_AddItemToArray(bounds, cJSON_CreateNumber((double)mlg_latency_bucket_le_us(i) / 1000.0));
		else
			cJSON_AddItemToArray(bounds, cJSON_CreateString("+Inf"));
		cJSON_AddItemToArray(counts, cJSON_CreateNumber((double)sum->buckets[i]));
	}
	if (L->errors) {
		reasons = cJSON_AddObjectToObject(o, "error_reasons");
		for (size_t i = 0; i <= MAX_REASONS; i++)
			if (L->reasons[i])
				cJSON_AddNumberToObject(reasons, L->reasons[i], (double)L->reason_counts[i]);
	}
}

/* A rate for messages: four significant digits, no exponent ("93.02", "11356"). */
static const char *format_rate(double v, char buf[32])
{
	snprintf(buf, 32, "%.*f", v >= 1000 ? 0 : v >= 100 ? 1 : v >= 10 ? 2 : 3, v);
	return buf;
}

/* "p50 20.51 ms, p95 201.2 ms, ..." for a passing message. */
static void add_figures(struct mlg_strbuf *sb, const struct mlg_latency_summary *sum)
{
	char b1[32], b2[32], b3[32], b4[32];

	mlg_strbuf_addf(sb, "p50 %s ms, p95 %s ms, p99 %s ms, max %s ms", mlg_latency_format_ms(sum->p50_us, b1),
			mlg_latency_format_ms(sum->p95_us, b2), mlg_latency_format_ms(sum->p99_us, b3),
			mlg_latency_format_ms(sum->max_us, b4));
}

/* The bounds, into expected: latencies in ms as observed shows them. */
static void add_expected(const struct mlg_check *check, struct mlg_result *r)
{
	double v;

	for (size_t b = 0; b < NBOUNDS; b++)
		if (mlg_check_param(check, latency_bounds[b].param))
			cJSON_AddNumberToObject(r->expected, latency_bounds[b].key,
						(double)llround(mlg_check_duration(check, latency_bounds[b].param, 0) * 1e6) /
							1000.0);
	v = 0;
	mlg_check_number(check, "max_error_rate", &v);
	cJSON_AddNumberToObject(r->expected, "max_error_rate", v);
	if (mlg_check_number(check, "min_throughput", &v))
		cJSON_AddNumberToObject(r->expected, "min_throughput_rps", v);
}

/* Judges the measured requests against the bounds and sets the result. */
static void judge(struct load *L, const struct mlg_latency_summary *sum, double throughput)
{
	const struct mlg_check *check = L->ctx->check;
	struct mlg_strbuf bad = MLG_STRBUF_INIT, ctxt = MLG_STRBUF_INIT;
	double rate = L->done ? (double)L->errors / (double)L->done : 0, max_rate = 0, min_rps;
	int64_t observed_us[NBOUNDS] = { sum->p50_us, sum->p95_us, sum->p99_us, sum->max_us };
	char b1[32], b2[32];

	mlg_strbuf_addf(&ctxt, "%zu request%s at concurrency %zu", L->done, mlg_plural(L->done), L->nslots);
	for (size_t b = 0; b < NBOUNDS; b++) {
		double bound_s;
		int64_t bound_us;

		if (!mlg_check_param(check, latency_bounds[b].param))
			continue;
		bound_s = mlg_check_duration(check, latency_bounds[b].param, 0);
		bound_us = llround(bound_s * 1e6);
		if (observed_us[b] > bound_us)
			mlg_strbuf_addf(&bad, "%s%s %s ms > %s ms", bad.len ? "; " : "", latency_bounds[b].param,
					mlg_latency_format_ms(observed_us[b], b1), mlg_latency_format_ms(bound_us, b2));
	}
	mlg_check_number(check, "max_error_rate", &max_rate);
	if (rate > max_rate)
		mlg_strbuf_addf(&bad, "%serror rate %s%% > %s%%", bad.len ? "; " : "",
				mlg_format_share(rate * 100, b1), mlg_format_share(max_rate * 100, b2));
	if (mlg_check_number(check, "min_throughput", &min_rps) && throughput < min_rps)
		mlg_strbuf_addf(&bad, "%sthroughput %s req/s < %s req/s", bad.len ? "; " : "",
				format_rate(throughput, b1), mlg_format_number(min_rps, b2));
	if (L->errors)
		mlg_strbuf_addf(&ctxt, "; %zu error%s, first %s", L->errors, mlg_plural(L->errors), L->first_error);
	if (bad.len) {
		mlg_result_set(L->r, MLG_STATUS_FAILED, "%s (%s)", bad.buf, ctxt.buf);
	} else {
		struct mlg_strbuf ok = MLG_STRBUF_INIT;

		mlg_strbuf_addf(&ok, "%zu request%s at concurrency %zu: ", L->done, mlg_plural(L->done), L->nslots);
		add_figures(&ok, sum);
		mlg_strbuf_addf(&ok, ", %s req/s, ", format_rate(throughput, b1));
		if (L->errors)
			mlg_strbuf_addf(&ok, "%zu error%s (%s%%)", L->errors, mlg_plural(L->errors),
					mlg_format_share(rate * 100, b1));
		else
			mlg_strbuf_addstr(&ok, "no errors");
		mlg_result_set(L->r, MLG_STATUS_PASSED, "%s", ok.buf);
		mlg_strbuf_release(&ok);
	}
	mlg_strbuf_release(&bad);
	mlg_strbuf_release(&ctxt);
}

/* The request body: `body` as compact JSON, or body_file's bytes (NULL,
 * *len 0 when neither is given). Caller frees; -1 with *error set. */
static int load_body(const struct mlg_check_ctx *ctx, char **out, size_t *len, char **error)
{
	const struct mlg_check *check = ctx->check;
	const cJSON *body = mlg_check_param(check, "body");
	char *abs;

	*out = NULL;
	*len = 0;
	if (body) {
		*out = cJSON_PrintUnformatted(body);
		if (!*out)
			mlg_die_oom();
		*len = strlen(*out);
		return 0;
	}
	abs = mlg_check_path(check, "body_file");
	if (!abs)
		return 0;
	if (mlg_read_file(abs, out, len) < 0) {
		*error = mlg_str_replace(mlg_error_last(), abs, mlg_check_string(check, "body_file"));
		free(abs);
		return -1;
	}
	mlg_check_ctx_input(ctx, abs);
	free(abs);
	return 0;
}

static void run(const struct mlg_check_ctx *ctx, struct mlg_result *r)
{
	const struct mlg_check *check = ctx->check;
	const char *url = mlg_check_string(check, "url"), *method = mlg_check_string(check, "method");
	struct load L;
	struct curl_slist *headers = NULL;
	struct mlg_latency_summary sum;
	const char **secrets = NULL;
	char *body = NULL, *error = NULL, *shown = mlg_http_shown_url(url), *cjson_body = NULL;
	size_t body_len = 0, n;
	double requests = 100, concurrency = 1, warmup = 10, throughput = 0;
	long *statuses;
	enum phase_end end;

	memset(&L, 0, sizeof(L));
	memset(&sum, 0, sizeof(sum));
	L.ctx = ctx;
	L.r = r;
	L.url = url;
	L.shown_url = shown;
	mlg_check_number(check, "requests", &requests);
	mlg_check_number(check, "concurrency", &concurrency);
	mlg_check_number(check, "warmup", &warmup);
	L.request_timeout_s = mlg_check_duration(check, "request_timeout", 10);
	n = (size_t)requests;
	mlg_check_integers(check, "expect_status", &statuses, &L.nstatuses);
	L.statuses = statuses;
	{
		cJSON *list = cJSON_AddArrayToObject(r->expected, "status");
		struct mlg_strbuf sb = MLG_STRBUF_INIT;

		for (size_t i = 0; i < L.nstatuses; i++) {
			cJSON_AddItemToArray(list, cJSON_CreateNumber((double)statuses[i]));
			mlg_strbuf_addf(&sb, "%s%ld", !i ? "" : i + 1 < L.nstatuses ? ", " : " or ", statuses[i]);
		}
		L.statuses_text = mlg_strbuf_detach(&sb);
	}
	add_expected(check, r);

	if (load_body(ctx, &body, &body_len, &error) < 0)
		goto fail;
	if (mlg_check_param(check, "body"))
		cjson_body = body; /* from cJSON_Print: freed with cJSON_free */
	if (!method)
		method = body || mlg_check_param(check, "body_file") ? "POST" : "GET";
	headers = build_headers(check, &L, mlg_check_param(check, "body") != NULL, &secrets, &error);
	if (!headers)
		goto fail;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	L.multi = curl_multi_init();
	if (!L.multi)
		mlg_die_oom();
	L.nslots = (size_t)concurrency;
	/* Keep one idle connection per client, so that each is reused. */
	curl_multi_setopt(L.multi, CURLMOPT_MAXCONNECTS, (long)L.nslots);
	L.slots = mlg_xcalloc(L.nslots, sizeof(*L.slots));
	setup_slots(&L, url, method, headers, body, body_len, body || mlg_check_param(check, "body_file"));

	if (warmup >= 1) {
		size_t w = (size_t)warmup;

		end = run_phase(&L, w, 0);
		if (end == PHASE_INTERRUPTED) {
			error = mlg_xasprintf("interrupted during the warm-up, after %zu of %zu requests", L.done, w);
			goto fail;
		}
		if (end == PHASE_TIMED_OUT) {
			error = mlg_xasprintf("timed out during the warm-up, after %zu of %zu requests (the check's timeout is %g s)",
					      L.done, w, check->timeout_s);
			goto fail;
		}
		if (end == PHASE_FAILED) {
			error = mlg_xstrdup(mlg_error_last());
			goto fail;
		}
		/* A server that is down answers nothing: measuring it would only
		 * count the same failure `requests` times. */
		if (L.no_response == w) {
			error = mlg_xasprintf("%s %s: no answer to any of %zu warm-up request%s: %s", method, shown, w,
					      mlg_plural(w), L.first_failure);
			goto fail;
		}
	}

	end = run_phase(&L, n, 1);
	if (end == PHASE_FAILED) {
		error = mlg_xstrdup(mlg_error_last());
		goto fail;
	}
	mlg_latency_summarize(&sum, L.latencies_us, L.nlatencies);
	if (L.ended_at > L.started_at)
		throughput = (double)L.done / (L.ended_at - L.started_at);
	add_observed(&L, &sum, throughput);
	if (end == PHASE_INTERRUPTED) {
		mlg_result_set(r, MLG_STATUS_ERROR, "interrupted after %zu of %zu requests", L.done, n);
	} else if (end == PHASE_TIMED_OUT) {
		mlg_result_set(r, MLG_STATUS_ERROR, "timed out after %zu of %zu requests (the check's timeout is %g s)",
			       L.done, n, check->timeout_s);
	} else if (!sum.count) {
		/* No latency to judge: this is not a measurement, whatever the bounds. */
		mlg_result_set(r, MLG_STATUS_ERROR, "%s %s: all %zu request%s failed, first %s", method, shown, n,
			       mlg_plural(n), L.first_error);
	} else {
		judge(&L, &sum, throughput);
	}
	goto done;
fail:
	mlg_result_set(r, MLG_STATUS_ERROR, "%s", error);
done:
	if (r->status == MLG_STATUS_ERROR && L.first_detail) {
		char *text = mlg_xasprintf("libcurl: %s\n", L.first_detail);

		mlg_result_set_details(r, text);
		free(text);
	}
	if (L.multi)
		stop_all(&L);
	for (size_t i = 0; i < L.nslots; i++)
		if (L.slots[i].easy)
			curl_easy_cleanup(L.slots[i].easy);
	if (L.multi)
		curl_multi_cleanup(L.multi);
	curl_slist_free_all(headers);
	free(L.slots);
	free(L.latencies_us);
	for (size_t i = 0; i <= MAX_REASONS; i++)
		free(L.reasons[i]);
	free(L.first_error);
	free(L.first_failure);
	free(L.first_detail);
	free(secrets);
	free(statuses);
	free(L.statuses_text);
	if (cjson_body)
		cJSON_free(cjson_body);
	else
		free(body);
	free(error);
	free(shown);
}

const struct mlg_check_kind mlg_kind_infra_latency = {
	.abi = MLG_KIND_ABI,
	.name = "infra.latency",
	.summary = "an HTTP endpoint answers N requests at concurrency C within latency percentile, error-rate and throughput bounds",
	.params = params,
	.example = "{ \"kind\": \"infra.latency\", \"url\": \"http://127.0.0.1:8501/v1/models/fraud:predict\", \"body_file\": \"request.json\", \"requests\": 500, \"concurrency\": 8, \"p50\": \"50ms\", \"p99\": \"200ms\", \"max_error_rate\": 0.01 }",
	.validate = validate,
	.target = target,
	.run = run,
};
