/*
 * infra.prometheus: an instant query against a Prometheus server's HTTP
 * API (/api/v1/query) and a condition on the value, the way Argo Rollouts'
 * analysis and Flagger's metric checks judge a canary. An empty result or
 * NaN (0/0: no traffic) never passes: nothing measured is no evidence.
 *
 * The query goes out as a POST form, as Prometheus's own Go client sends
 * it: a long PromQL expression meets no URL length limit and stays out of
 * access logs. A server that refuses POST (405, 501) is asked again by GET.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jsonc.h"
#include "mlgate/check.h"
#include "mlgate/error.h"
#include "mlgate/http.h"
#include "mlgate/suite.h"
#include "mlgate/value.h"
#include "util.h"

static const struct mlg_param params[] = {
	{ "url", MLG_PARAM_STRING, 1, NULL,
	  "the server's base URL, e.g. http://prometheus:9090 (a path prefix such as /prometheus is kept)" },
	{ "query", MLG_PARAM_STRING, 1, NULL, "PromQL expression, evaluated as an instant query" },
	{ "time", MLG_PARAM_BOUND, 0, NULL, "evaluation time, RFC 3339 or Unix seconds; default: now on the server" },
	{ "min", MLG_PARAM_NUMBER, 0, NULL, "lowest acceptable value, inclusive" },
	{ "max", MLG_PARAM_NUMBER, 0, NULL, "highest acceptable value, inclusive" },
	{ "equals", MLG_PARAM_NUMBER, 0, NULL, "the exact value expected (instead of min and max)" },
	{ "all_series", MLG_PARAM_BOOLEAN, 0, "true",
	  "true: every series of a vector must meet the condition; false: exactly one series is expected" },
	{ "on_empty", MLG_PARAM_STRING, 0, "\"fail\"", "fail or error, when the query returns no series" },
	{ "on_nan", MLG_PARAM_STRING, 0, "\"fail\"", "fail or error, when a value is NaN (0/0: no traffic)" },
	{ "headers", MLG_PARAM_OBJECT, 0, NULL,
	  "extra request headers with literal values, e.g. {\"X-Scope-OrgID\": \"team-a\"}" },
	{ "headers_env", MLG_PARAM_OBJECT, 0, NULL,
	  "extra headers whose values come from environment variables (secrets, never shown): name -> variable" },
	{ "ca_file", MLG_PARAM_PATH, 0, NULL, "CA bundle (PEM) for a server whose certificate a private CA signed" },
	{ "retries", MLG_PARAM_INTEGER, 0, "2",
	  "retries after a connection error, 408, 429 or 5xx, with backoff; all attempts share the check's timeout" },
	{ NULL, 0, 0, NULL, NULL }
};

#define API_PATH "/api/v1/query"
#define QUERY_SHOWN_MAX 60  /* bytes of the query in ids and messages */
#define SERIES_SHOWN_MAX 160 /* bytes of a series' name in a message */
/* A query over every pod can return thousands of series: observed lists
 * the first ones; series_count, lowest and highest stay exact. */
#define OBSERVED_SERIES_MAX 50
#define EXCERPT_MAX 200 /* bytes of an unexpected body quoted in a message */
#define MAX_SECRETS 64

/* RFC 9110 token characters: what a header name may hold. */
static int header_name_valid(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      strchr("!#$%&'*+-.^_`|~", *s)))
			return 0;
	return 1;
}

/* The headers the check sets itself, so a duplicate would garble the request. */
static int header_reserved(const char *name)
{
	return !strcasecmp(name, "Content-Type") || !strcasecmp(name, "Content-Length") ||
	       !strcasecmp(name, "Host");
}

static void validate_headers(const struct mlg_check *check, struct mlg_diag *diag, const char *param)
{
	const cJSON *it;
	int env = !strcmp(param, "headers_env");

	cJSON_ArrayForEach(it, mlg_check_param(check, param)) {
		struct mlg_strbuf sub = MLG_STRBUF_INIT;

		/* a non-empty path gets ".name" (or ["odd name"]); the mark is skipped below */
		mlg_strbuf_addch(&sub, '@');
		mlg_jsonpath_member(&sub, it->string, strlen(it->string));
		if (!header_name_valid(it->string))
			mlg_diag_check_at(diag, check, param, sub.buf + 1, "'%s' is not a valid header name", it->string);
		else if (header_reserved(it->string))
			mlg_diag_check_at(diag, check, param, sub.buf + 1, "header '%s' is set by the check itself",
					  it->string);
		if (!cJSON_IsString(it) || (env && !*it->valuestring))
			mlg_diag_check_at(diag, check, param, sub.buf + 1,
					  env ? "expected the name of an environment variable, found %s"
					      : "expected a string, found %s",
					  cJSON_IsString(it) ? "\"\"" : mlg_json_describe(it));
		else if (strpbrk(it->valuestring, "\r\n"))
			mlg_diag_check_at(diag, check, param, sub.buf + 1, "the value has a line break");
		mlg_strbuf_release(&sub);
	}
}

static int choice_valid(const char *s)
{
	return s && (!strcmp(s, "fail") || !strcmp(s, "error"));
}

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	const char *url = mlg_check_string(check, "url"), *query = mlg_check_string(check, "query");
	double lo, hi, eq, n;
	int has_lo = mlg_check_number(check, "min", &lo), has_hi = mlg_check_number(check, "max", &hi);
	int has_eq = mlg_check_number(check, "equals", &eq);
	char a[32], b[32];

	if (url) {
		size_t len = strlen(url);

		while (len && url[len - 1] == '/')
			len--;
		if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
			mlg_diag_check(diag, check, "url", "expected an http:// or https:// URL, found \"%s\"", url);
		else if (strpbrk(url, "?#"))
			mlg_diag_check(diag, check, "url",
				       "expected the server's base URL without a query or fragment, e.g. http://prometheus:9090");
		else if (len >= strlen(API_PATH) && !strncmp(url + len - strlen(API_PATH), API_PATH, strlen(API_PATH)))
			mlg_diag_check(diag, check, "url",
				       "expected the server's base URL: the check appends %s itself", API_PATH);
	}
	if (query && !query[strspn(query, " \t\r\n")])
		mlg_diag_check(diag, check, "query", "the query is empty: expected a PromQL expression");
	if (!has_lo && !has_hi && !has_eq)
		mlg_diag_check(diag, check, NULL, "infra.prometheus needs \"min\", \"max\" or \"equals\"");
	else if (has_eq && (has_lo || has_hi))
		mlg_diag_check(diag, check, "equals", "\"equals\" cannot be combined with \"min\" or \"max\"");
	else if (has_lo && has_hi && lo > hi)
		mlg_diag_check(diag, check, "min", "\"min\" (%s) is greater than \"max\" (%s)",
			       mlg_format_number(lo, a), mlg_format_number(hi, b));
	if (!choice_valid(mlg_check_string(check, "on_empty")))
		mlg_diag_check(diag, check, "on_empty", "expected \"fail\" or \"error\"");
	if (!choice_valid(mlg_check_string(check, "on_nan")))
		mlg_diag_check(diag, check, "on_nan", "expected \"fail\" or \"error\"");
	if (mlg_check_number(check, "retries", &n) && (n < 0 || n > 10))
		mlg_diag_check(diag, check, "retries", "expected 0 to 10 retries");
	validate_headers(check, diag, "headers");
	validate_headers(check, diag, "headers_env");
}

/* The query on one line (white space runs made one space), cut after `max` bytes at a character boundary. */
static char *shown_query(const char *query, size_t max)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	int space = 0;

	for (const char *p = query; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			space = 1;
			continue;
		}
		if (space && sb.len)
			mlg_strbuf_addch(&sb, ' ');
		space = 0;
		mlg_strbuf_addch(&sb, (unsigned char)*p < 0x20 || *p == 0x7F ? ' ' : *p);
	}
	mlg_strbuf_ellipsize(&sb, max);
	return mlg_strbuf_detach(&sb);
}

/* The default id's target: the query as messages show it. Caller frees. */
static char *target(const struct mlg_check *check)
{
	const char *query = mlg_check_string(check, "query");

	return shown_query(query ? query : "", QUERY_SHOWN_MAX);
}

/* The condition on a value. */
struct cond {
	double min, max, equals;
	int has_min, has_max, has_equals;
};

static int cond_met(const struct cond *c, double v)
{
	if (c->has_equals)
		return v == c->equals;
	return !(c->has_min && v < c->min) && !(c->has_max && v > c->max);
}

/* The whole condition in words: "at least 1", "from 0 to 0.01", "exactly 1". */
static void cond_text(struct mlg_strbuf *sb, const struct cond *c)
{
	char a[32], b[32];

	if (c->has_equals)
		mlg_strbuf_addf(sb, "exactly %s", mlg_format_number(c->equals, a));
	else if (c->has_min && c->has_max)
		mlg_strbuf_addf(sb, "from %s to %s", mlg_format_number(c->min, a), mlg_format_number(c->max, b));
	else if (c->has_min)
		mlg_strbuf_addf(sb, "at least %s", mlg_format_number(c->min, a));
	else
		mlg_strbuf_addf(sb, "at most %s", mlg_format_number(c->max, a));
}

/* The part of the condition that `v` breaks, in words ("at least 2"); NaN breaks all of it. */
static void broken_text(struct mlg_strbuf *sb, const struct cond *c, double v)
{
	char a[32];

	if (!isnan(v) && !c->has_equals && c->has_min && v < c->min)
		mlg_strbuf_addf(sb, "at least %s", mlg_format_number(c->min, a));
	else if (!isnan(v) && !c->has_equals && c->has_max && v > c->max)
		mlg_strbuf_addf(sb, "at most %s", mlg_format_number(c->max, a));
	else
		cond_text(sb, c);
}

/* A short reason for an example: "below 2", "above 0.01", "not 1", "NaN". */
static char *reason(const struct cond *c, double v)
{
	char a[32];

	if (isnan(v))
		return mlg_xstrdup("NaN");
	if (c->has_equals)
		return mlg_xasprintf("not %s", mlg_format_number(c->equals, a));
	if (c->has_min && v < c->min)
		return mlg_xasprintf("below %s", mlg_format_number(c->min, a));
	return mlg_xasprintf("above %s", mlg_format_number(c->max, a));
}

/*
 * Text that came from the server, made fit for a one-line message: each
 * secret replaced by "***", control bytes by spaces, cut after `max`
 * bytes. Caller frees.
 */
static char *clean_text(const char *s, size_t len, size_t max, const char *const *secrets, size_t nsecrets)
{
	char *out = mlg_xstrndup(s, len), *next;
	size_t n;

	for (size_t i = 0; i < nsecrets; i++) {
		if (!*secrets[i])
			continue;
		next = mlg_str_replace(out, secrets[i], "***");
		free(out);
		out = next;
	}
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7F)
			*p = ' ';
	n = strlen(out);
	while (n && out[n - 1] == ' ')
		out[--n] = '\0';
	if (n > max) {
		out[mlg_utf8_floor(out, max)] = '\0';
		next = mlg_xasprintf("%s...", out);
		free(out);
		out = next;
	}
	return out;
}

/* Appends s percent-encoded for a form (RFC 3986 unreserved characters kept). */
static void add_encoded(struct mlg_strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '.' || ch == '_' || ch == '~') {
			mlg_strbuf_addch(sb, ch);
		} else {
			mlg_strbuf_addch(sb, '%');
			mlg_strbuf_addch(sb, hex[ch >> 4]);
			mlg_strbuf_addch(sb, hex[ch & 15]);
		}
	}
}

/* Appends a label value as PromQL quotes it, with control bytes escaped so they cannot reach a terminal. */
static void add_label_value(struct mlg_strbuf *sb, const char *v)
{
	mlg_strbuf_addch(sb, '"');
	for (; *v; v++) {
		unsigned char ch = (unsigned char)*v;

		if (ch == '"' || ch == '\\')
			mlg_strbuf_addf(sb, "\\%c", ch);
		else if (ch == '\n')
			mlg_strbuf_addstr(sb, "\\n");
		else if (ch < 0x20 || ch == 0x7F)
			mlg_strbuf_addf(sb, "\\x%02X", ch);
		else
			mlg_strbuf_addch(sb, ch);
	}
	mlg_strbuf_addch(sb, '"');
}

/* A name PromQL writes bare: [a-zA-Z_][a-zA-Z0-9_]*, and ':' too in a metric name. */
static int plain_name(const char *s, int metric)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || (metric && *s == ':')))
			return 0;
	return 1;
}

/*
 * A series as Prometheus prints it: up{instance="host:9090", job="prometheus"}
 * (names outside the classic character set quoted, as Prometheus 3 does:
 * {"my.metric", "a.b"="c"}). A series without labels (a scalar, sum(...))
 * is named by its query in backquotes. Cut after `max` bytes. Caller frees.
 */
static char *series_name(const cJSON *labels, const char *query, size_t max)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(labels, "__name__"), *it;
	int items = 0;

	if (!labels || !labels->child)
		return mlg_xasprintf("`%s`", query);
	if (cJSON_IsString(name) && plain_name(name->valuestring, 1))
		mlg_strbuf_addstr(&sb, name->valuestring);
	mlg_strbuf_addch(&sb, '{');
	if (cJSON_IsString(name) && !plain_name(name->valuestring, 1)) {
		add_label_value(&sb, name->valuestring);
		items++;
	}
	cJSON_ArrayForEach(it, labels) {
		if (!strcmp(it->string, "__name__"))
			continue;
		if (items++)
			mlg_strbuf_addstr(&sb, ", ");
		if (plain_name(it->string, 0))
			mlg_strbuf_addstr(&sb, it->string);
		else
			add_label_value(&sb, it->string);
		mlg_strbuf_addch(&sb, '=');
		add_label_value(&sb, cJSON_IsString(it) ? it->valuestring : "");
	}
	if (!items) {
		sb.len--; /* "up", not "up{}" */
		sb.buf[sb.len] = '\0';
	} else {
		mlg_strbuf_addch(&sb, '}');
	}
	mlg_strbuf_ellipsize(&sb, max);
	return mlg_strbuf_detach(&sb);
}

/*
 * A sample value as the API writes it: a decimal number, "NaN", "+Inf"
 * or "-Inf" (JSON has no such numbers, hence strings). Anything else is
 * a malformed response: -1.
 */
static int parse_sample(const char *s, double *out)
{
	size_t len = strlen(s);

	if (!strcmp(s, "NaN")) {
		*out = NAN;
		return 0;
	}
	if (!strcmp(s, "+Inf") || !strcmp(s, "Inf") || !strcmp(s, "-Inf")) {
		*out = *s == '-' ? -INFINITY : INFINITY;
		return 0;
	}
	if (!len || len > 64 || s[strspn(s, "0123456789.eE+-")])
		return -1;
	return mlg_parse_float(s, len, out) < 0 ? -1 : 0;
}

/* A value for observed/examples: a JSON number when finite, else as the API spells it ("NaN", "+Inf"). */
static cJSON *value_json(double v)
{
	if (isfinite(v))
		return cJSON_CreateNumber(v);
	return cJSON_CreateString(isnan(v) ? "NaN" : v < 0 ? "-Inf" : "+Inf");
}

/* One sample of the result. */
struct sample {
	const cJSON *labels; /* NULL for a scalar */
	const char *text;    /* the value as the API wrote it */
	double value;
	double time;         /* evaluation time, Unix seconds */
};

/* Everything a run needs, freed in one place. */
struct query_run {
	const struct mlg_check_ctx *ctx;
	const char *query;
	char *shown;        /* query for messages */
	char *api_url;
	char *shown_url;    /* credentials masked */
	char *form;         /* query=...&time=...&timeout=... */
	char **headers;
	size_t nheaders;
	const char *secrets[MAX_SECRETS];
	size_t nsecrets;
	struct cond cond;
	int all_series, empty_error, nan_error;
};

static void query_run_release(struct query_run *q)
{
	free(q->shown);
	free(q->api_url);
	free(q->shown_url);
	free(q->form);
	for (size_t i = 0; i < q->nheaders; i++)
		free(q->headers[i]);
	free(q->headers);
}

static void add_secret(struct query_run *q, const char *s)
{
	if (s && *s && q->nsecrets < MAX_SECRETS)
		q->secrets[q->nsecrets++] = s;
}

/*
 * The request headers, "Name: value" lines. A value from headers_env is a
 * secret: masked wherever server text is shown, and so is its part after
 * the scheme ("Bearer <token>"), which a server might echo alone.
 * Returns -1 with the result set when a variable is unset.
 */
static int build_headers(struct query_run *q, const struct mlg_check *check, struct mlg_result *r)
{
	const cJSON *lit = mlg_check_param(check, "headers"), *env = mlg_check_param(check, "headers_env"), *it;
	size_t n = (size_t)cJSON_GetArraySize(lit) + (size_t)cJSON_GetArraySize(env) + 1;

	q->headers = mlg_xcalloc(n, sizeof(char *));
	q->headers[q->nheaders++] = mlg_xstrdup("Accept: application/json");
	cJSON_ArrayForEach(it, lit)
		q->headers[q->nheaders++] = mlg_xasprintf("%s: %s", it->string, it->valuestring);
	cJSON_ArrayForEach(it, env) {
		const char *v = getenv(it->valuestring), *space;

		if (!v) {
			mlg_result_set(r, MLG_STATUS_ERROR,
				       "environment variable '%s' (headers_env.%s) is not set", it->valuestring,
				       it->string);
			return -1;
		}
		if (strpbrk(v, "\r\n")) {
			mlg_result_set(r, MLG_STATUS_ERROR,
				       "environment variable '%s' (headers_env.%s) holds a line break", it->valuestring,
				       it->string);
			return -1;
		}
		add_secret(q, v);
		space = strchr(v, ' ');
		if (space && strlen(space + 1) >= 8)
			add_secret(q, space + 1);
		q->headers[q->nheaders++] = mlg_xasprintf("%s: %s", it->string, v);
	}
	return 0;
}

/* The form fields: query, time (when given), and the server-side timeout. */
static void build_form(struct query_run *q, const struct mlg_check *check, double attempt_s)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	double t;
	int64_t micros;
	char buf[32];

	mlg_strbuf_addstr(&sb, "query=");
	add_encoded(&sb, q->query);
	if (mlg_check_time(check, "time", &micros))
		mlg_strbuf_addf(&sb, "&time=%s", mlg_format_number((double)micros / 1e6, buf));
	else if (mlg_check_number(check, "time", &t))
		mlg_strbuf_addf(&sb, "&time=%s", mlg_format_number(t, buf));
	/* The server gives up a little before we do, so that a slow query
	 * ends with Prometheus's own "query timed out" rather than ours. */
	mlg_strbuf_addf(&sb, "&timeout=%.3f", attempt_s * 0.9 > 0.001 ? attempt_s * 0.9 : 0.001);
	q->form = mlg_strbuf_detach(&sb);
}

/* Seconds for each of `attempts` attempts: the check's timeout bounds them all, in equal shares. */
static double attempt_share(const struct mlg_check_ctx *ctx, int attempts)
{
	double s;

	if (ctx->deadline <= 0)
		return 30;
	s = (ctx->deadline - mlg_now()) / attempts;
	return s < 0.05 ? 0.05 : s;
}

/*
 * Sends the query: POST, then GET when the server refuses POST. Returns
 * mlg_http_send's code with *res filled either way (release it).
 */
static int send_query(struct query_run *q, struct mlg_http_response *res, const struct mlg_check *check,
		      const char **method)
{
	struct mlg_http_request req = MLG_HTTP_REQUEST_INIT;
	double retries = 2, attempt_s;
	char *ca_file = mlg_check_path(check, "ca_file"), *get_url;
	int rc;

	mlg_check_number(check, "retries", &retries);
	req.max_attempts = (int)retries + 1;
	attempt_s = attempt_share(q->ctx, req.max_attempts);
	build_form(q, check, attempt_s);
	req.method = "POST";
	req.url = q->api_url;
	req.headers = (const char *const *)q->headers;
	req.nheaders = q->nheaders;
	req.body = q->form;
	req.body_len = strlen(q->form);
	req.ca_file = ca_file;
	req.timeout_s = attempt_s;
	req.connect_timeout_s = attempt_s < 10 ? attempt_s : 10;
	req.backoff_s = 0.5;
	req.backoff_max_s = 4;
	req.secrets = q->secrets;
	req.nsecrets = q->nsecrets;
	req.cancel = q->ctx->cancel;

	*method = "POST";
	rc = mlg_http_send(res, &req);
	if (rc != MLG_EINTR && (res->status == 405 || res->status == 501)) {
		mlg_http_response_release(res);
		get_url = mlg_xasprintf("%s?%s", q->api_url, q->form);
		req.method = "GET";
		req.url = get_url;
		req.body = NULL;
		req.body_len = 0;
		req.timeout_s = attempt_share(q->ctx, req.max_attempts);
		req.connect_timeout_s = req.timeout_s < 10 ? req.timeout_s : 10;
		*method = "GET";
		rc = mlg_http_send(res, &req);
		free(get_url);
	}
	free(ca_file);
	return rc;
}

/* Sets r to an error that quotes the start of the body: the answer was not what the API sends. */
static void bad_response(struct query_run *q, struct mlg_result *r, const struct mlg_http_response *res,
			 const char *method, const char *why)
{
	char *excerpt = clean_text(res->body ? res->body : "", res->body_len, EXCERPT_MAX, q->secrets,
				   q->nsecrets);

	mlg_result_set(r, MLG_STATUS_ERROR, "%s %s: HTTP %ld, %s%s%s", method, q->shown_url, res->status, why,
		       *excerpt ? ": " : "", excerpt);
	free(excerpt);
}

/*
 * Reads the samples of a vector or scalar result into *out (allocated,
 * caller frees; labels borrowed from `result`). Returns the count, or -1
 * with r set when the result is not what the API documents.
 */
static long read_samples(struct query_run *q, struct mlg_result *r, const char *type, const cJSON *result,
			 struct sample **out)
{
	struct sample *s;
	const cJSON *it;
	long n = 0;

	*out = NULL;
	if (!strcmp(type, "scalar")) {
		const cJSON *t = cJSON_GetArrayItem(result, 0), *v = cJSON_GetArrayItem(result, 1);

		s = mlg_xcalloc(1, sizeof(*s));
		*out = s;
		if (cJSON_GetArraySize(result) != 2 || !cJSON_IsNumber(t) || !cJSON_IsString(v) ||
		    parse_sample(v->valuestring, &s->value) < 0) {
			mlg_result_set(r, MLG_STATUS_ERROR, "%s: malformed scalar result", q->shown_url);
			return -1;
		}
		s->text = v->valuestring;
		s->time = t->valuedouble;
		return 1;
	}
	if (!cJSON_IsArray(result)) {
		mlg_result_set(r, MLG_STATUS_ERROR, "%s: malformed vector result: \"result\" is %s, expected a list",
			       q->shown_url, cJSON_IsObject(result) ? "an object" : "not a list");
		return -1;
	}
	s = mlg_xcalloc((size_t)cJSON_GetArraySize(result) + 1, sizeof(*s));
	*out = s;
	cJSON_ArrayForEach(it, result) {
		const cJSON *labels = cJSON_GetObjectItemCaseSensitive(it, "metric");
		const cJSON *value = cJSON_GetObjectItemCaseSensitive(it, "value");
		const cJSON *t = cJSON_GetArrayItem(value, 0), *v = cJSON_GetArrayItem(value, 1);

		if (cJSON_IsObject(labels) && !value && cJSON_GetObjectItemCaseSensitive(it, "histogram")) {
			char *name = series_name(labels, q->shown, SERIES_SHOWN_MAX);

			mlg_result_set(r, MLG_STATUS_ERROR,
				       "%s is a native histogram, not a number: query one from it, e.g. histogram_quantile(0.99, ...) or histogram_count(...)",
				       name);
			free(name);
			return -1;
		}
		if (!cJSON_IsObject(labels) || !cJSON_IsArray(value) || cJSON_GetArraySize(value) != 2 ||
		    !cJSON_IsNumber(t) || !cJSON_IsString(v) || parse_sample(v->valuestring, &s[n].value) < 0) {
			mlg_result_set(r, MLG_STATUS_ERROR, "%s: malformed sample %ld of the vector result",
				       q->shown_url, n + 1);
			return -1;
		}
		s[n].labels = labels;
		s[n].text = v->valuestring;
		s[n].time = t->valuedouble;
		n++;
	}
	return n;
}

/* Adds an example for a sample: its series, labels, value and why (NULL: the condition it breaks). */
static void add_example(struct query_run *q, struct mlg_result *r, const struct sample *s, const char *why_given)
{
	cJSON *ex;
	char *name, *why;

	r->nexamples++;
	if (r->nexamples > r->max_examples)
		return;
	ex = cJSON_CreateObject();
	name = series_name(s->labels, q->shown, SERIES_SHOWN_MAX);
	cJSON_AddStringToObject(ex, "series", name);
	cJSON_AddItemToObject(ex, "labels", s->labels ? cJSON_Duplicate(s->labels, 1) : cJSON_CreateObject());
	cJSON_AddItemToObject(ex, "value", value_json(s->value));
	why = why_given ? mlg_xstrdup(why_given) : reason(&q->cond, s->value);
	cJSON_AddStringToObject(ex, "reason", why);
	cJSON_AddItemToArray(r->examples, ex);
	free(name);
	free(why);
}

/*
 * observed: result_type, series_count, value (one sample) or series,
 * lowest and highest, time. *lowest and *highest: those samples (NULL
 * when every value is NaN).
 */
static void observe(struct mlg_result *r, const char *type, const struct sample *s, long n,
		    const struct sample **lowest, const struct sample **highest)
{
	double lo = NAN, hi = NAN;
	const struct sample *lo_s = NULL, *hi_s = NULL;
	char when[40];

	cJSON_AddStringToObject(r->observed, "result_type", type);
	cJSON_AddNumberToObject(r->observed, "series_count", (double)n);
	if (n == 1) {
		cJSON_AddItemToObject(r->observed, "value", value_json(s[0].value));
		if (s[0].labels)
			cJSON_AddItemToObject(r->observed, "labels", cJSON_Duplicate(s[0].labels, 1));
	} else if (n > 1) {
		cJSON *list = cJSON_AddArrayToObject(r->observed, "series");

		for (long i = 0; i < n; i++) {
			if (i < OBSERVED_SERIES_MAX) {
				cJSON *o = cJSON_CreateObject();

				cJSON_AddItemToObject(o, "labels", cJSON_Duplicate(s[i].labels, 1));
				cJSON_AddItemToObject(o, "value", value_json(s[i].value));
				cJSON_AddItemToArray(list, o);
			}
			if (isnan(s[i].value))
				continue;
			if (!lo_s || s[i].value < lo) {
				lo = s[i].value;
				lo_s = &s[i];
			}
			if (!hi_s || s[i].value > hi) {
				hi = s[i].value;
				hi_s = &s[i];
			}
		}
		if (lo_s) {
			cJSON_AddItemToObject(r->observed, "lowest", value_json(lo));
			cJSON_AddItemToObject(r->observed, "highest", value_json(hi));
		}
	}
	if (n > 0)
		cJSON_AddStringToObject(r->observed, "time", mlg_format_time((int64_t)llround(s[0].time * 1e6), when));
	*lowest = lo_s;
	*highest = hi_s;
}

/* Judges the samples against the condition and sets the result. */
static void judge(struct query_run *q, struct mlg_result *r, const char *type, const struct sample *s, long n)
{
	struct mlg_strbuf cond = MLG_STRBUF_INIT, broken = MLG_STRBUF_INIT;
	const struct sample *first_nan = NULL, *first_bad = NULL, *lowest, *highest;
	long nans = 0, bad = 0;
	char *name = NULL;

	observe(r, type, s, n, &lowest, &highest);
	cond_text(&cond, &q->cond);
	if (n == 0) {
		mlg_result_set(r, q->empty_error ? MLG_STATUS_ERROR : MLG_STATUS_FAILED,
			       "`%s` returned no series%s, expected a value %s", q->shown,
			       q->empty_error ? " (\"on_empty\": \"error\")" : "", cond.buf);
		mlg_result_set_details(r, "An empty result means that no series matched: the metric may not exist "
					  "(yet), its labels may differ, or the selector may hold no recent sample.");
		goto done;
	}
	if (n > 1 && !q->all_series) {
		for (long i = 0; i < n; i++)
			add_example(q, r, &s[i], "one of several series");
		mlg_result_set(r, MLG_STATUS_ERROR,
			       "`%s` returned %ld series, expected one (\"all_series\": false): aggregate them, e.g. with sum or max, or set \"all_series\": true",
			       q->shown, n);
		goto done;
	}
	for (long i = 0; i < n; i++) {
		if (isnan(s[i].value)) {
			nans++;
			if (!first_nan)
				first_nan = &s[i];
		} else if (!cond_met(&q->cond, s[i].value)) {
			bad++;
			if (!first_bad)
				first_bad = &s[i];
		}
	}
	if (nans && q->nan_error) {
		name = series_name(first_nan->labels, q->shown, SERIES_SHOWN_MAX);
		for (long i = 0; i < n; i++)
			if (isnan(s[i].value))
				add_example(q, r, &s[i], NULL);
		if (n == 1)
			mlg_result_set(r, MLG_STATUS_ERROR, "%s = NaN (\"on_nan\": \"error\"), expected %s", name,
				       cond.buf);
		else
			mlg_result_set(r, MLG_STATUS_ERROR, "%ld of %ld series are NaN (\"on_nan\": \"error\"), e.g. %s",
				       nans, n, name);
		goto done;
	}
	if (nans + bad) {
		/* Name the first failing series in the order Prometheus returned them. */
		const struct sample *first = !first_bad || (first_nan && first_nan < first_bad) ? first_nan : first_bad;

		for (long i = 0; i < n; i++)
			if (isnan(s[i].value) || !cond_met(&q->cond, s[i].value))
				add_example(q, r, &s[i], NULL);
		name = series_name(first->labels, q->shown, SERIES_SHOWN_MAX);
		broken_text(&broken, &q->cond, first->value);
		if (n == 1)
			mlg_result_set(r, MLG_STATUS_FAILED, "%s = %s, expected %s%s", name, first->text, broken.buf,
				       isnan(first->value) ? " (NaN never passes)" : "");
		else
			mlg_result_set(r, MLG_STATUS_FAILED, "%ld of %ld series out of bounds, e.g. %s = %s, expected %s",
				       nans + bad, n, name, first->text, broken.buf);
		goto done;
	}
	if (n == 1) {
		name = series_name(s[0].labels, q->shown, SERIES_SHOWN_MAX);
		mlg_result_set(r, MLG_STATUS_PASSED, "%s = %s (%s)", name, s[0].text, cond.buf);
	} else {
		mlg_result_set(r, MLG_STATUS_PASSED, "all %ld series of `%s` are %s (lowest %s, highest %s)", n,
			       q->shown, cond.buf, lowest->text, highest->text);
	}
done:
	free(name);
	mlg_strbuf_release(&cond);
	mlg_strbuf_release(&broken);
}

/* Adds Prometheus's warnings (and infos) to observed and details, cleaned; the first also to the message. */
static void add_warnings(struct query_run *q, struct mlg_result *r, const cJSON *doc)
{
	static const char *const keys[] = { "warnings", "infos" };
	struct mlg_strbuf details = MLG_STRBUF_INIT;
	char *first = NULL;

	for (size_t k = 0; k < 2; k++) {
		const cJSON *list = cJSON_GetObjectItemCaseSensitive(doc, keys[k]), *it;
		cJSON *out = NULL;

		cJSON_ArrayForEach(it, list) {
			char *text;

			if (!cJSON_IsString(it))
				continue;
			text = clean_text(it->valuestring, strlen(it->valuestring), 500, q->secrets, q->nsecrets);
			if (!out)
				out = cJSON_AddArrayToObject(r->observed, keys[k]);
			cJSON_AddItemToArray(out, cJSON_CreateString(text));
			mlg_strbuf_addf(&details, "Prometheus %s: %s\n", k ? "info" : "warning", text);
			if (!first && !k)
				first = mlg_xstrdup(text);
			free(text);
		}
	}
	if (details.len) {
		if (r->details) {
			mlg_strbuf_addstr(&details, r->details);
		}
		mlg_result_set_details(r, details.buf);
	}
	if (first) {
		char *msg = mlg_xasprintf("%s; Prometheus warns: %s", r->message, first);

		mlg_result_set(r, r->status, "%s", msg);
		free(msg);
	}
	free(first);
	mlg_strbuf_release(&details);
}

/* Judges the HTTP answer: a Prometheus error, a malformed body, or the data. */
static void interpret(struct query_run *q, struct mlg_result *r, int rc, const struct mlg_http_response *res,
		      const char *method)
{
	cJSON *doc = NULL;
	const cJSON *status, *data, *type, *result;
	struct sample *samples = NULL;
	long n;

	if (rc == MLG_EINTR) {
		mlg_result_set(r, MLG_STATUS_ERROR, "interrupted: the query to %s was stopped", q->shown_url);
		return;
	}
	if (res->status == 0) {
		if (mlg_check_ctx_expired(q->ctx))
			mlg_result_set(r, MLG_STATUS_ERROR, "cannot query Prometheus: %s; the check's timeout (%g s) is spent",
				       mlg_error_last(), q->ctx->check->timeout_s);
		else
			mlg_result_set(r, MLG_STATUS_ERROR, "cannot query Prometheus: %s", mlg_error_last());
		return;
	}
	doc = res->body ? cJSON_ParseWithLength(res->body, res->body_len) : NULL;
	status = cJSON_GetObjectItemCaseSensitive(doc, "status");
	if (cJSON_IsString(status) && !strcmp(status->valuestring, "error")) {
		const char *kind = mlg_json_string(doc, "errorType"), *msg = mlg_json_string(doc, "error");
		char *k, *m;

		if (!kind)
			kind = "error";
		if (!msg)
			msg = "(no message)";
		k = clean_text(kind, strlen(kind), 60, q->secrets, q->nsecrets);
		m = clean_text(msg, strlen(msg), 1000, q->secrets, q->nsecrets);

		/* A bad query is the suite's fault, not the service's: an error, never a failure. */
		if (res->attempts > 1)
			mlg_result_set(r, MLG_STATUS_ERROR, "Prometheus returned an error (%s, HTTP %ld, %d attempts): %s",
				       k, res->status, res->attempts, m);
		else
			mlg_result_set(r, MLG_STATUS_ERROR, "Prometheus returned an error (%s, HTTP %ld): %s", k,
				       res->status, m);
		free(k);
		free(m);
		goto done;
	}
	if (rc < 0) {
		/* every attempt met a retryable status; the message says which */
		char *excerpt = clean_text(res->body ? res->body : "", res->body_len, EXCERPT_MAX, q->secrets,
					   q->nsecrets);

		mlg_result_set(r, MLG_STATUS_ERROR, "cannot query Prometheus: %s%s%s", mlg_error_last(),
			       *excerpt ? ": " : "", excerpt);
		free(excerpt);
		goto done;
	}
	if (res->status >= 300 && res->status < 400) {
		bad_response(q, r, res, method, "a redirect (not followed: give the final URL)");
		goto done;
	}
	if (res->status == 404) {
		bad_response(q, r, res, method, "not found (is \"url\" the server's base URL? the check appends " API_PATH ")");
		goto done;
	}
	if (res->status != 200) {
		bad_response(q, r, res, method, "expected 200");
		goto done;
	}
	if (!cJSON_IsObject(doc) || !cJSON_IsString(status) || strcmp(status->valuestring, "success")) {
		bad_response(q, r, res, method, "not a Prometheus API response (JSON with \"status\": \"success\")");
		goto done;
	}
	data = cJSON_GetObjectItemCaseSensitive(doc, "data");
	type = cJSON_GetObjectItemCaseSensitive(data, "resultType");
	result = cJSON_GetObjectItemCaseSensitive(data, "result");
	if (!cJSON_IsString(type) || !result) {
		bad_response(q, r, res, method, "no \"data.resultType\" and \"data.result\" in the answer");
		goto done;
	}
	if (!strcmp(type->valuestring, "matrix")) {
		cJSON_AddStringToObject(r->observed, "result_type", "matrix");
		mlg_result_set(r, MLG_STATUS_ERROR,
			       "`%s` returned a range vector (matrix): the check needs an instant vector or a scalar, e.g. drop the [range] or aggregate it with max_over_time(...)",
			       q->shown);
		goto done;
	}
	if (!strcmp(type->valuestring, "string")) {
		cJSON_AddStringToObject(r->observed, "result_type", "string");
		mlg_result_set(r, MLG_STATUS_ERROR, "`%s` returned a string, expected a number", q->shown);
		goto done;
	}
	if (strcmp(type->valuestring, "vector") && strcmp(type->valuestring, "scalar")) {
		char *t = clean_text(type->valuestring, strlen(type->valuestring), 40, q->secrets, q->nsecrets);

		mlg_result_set(r, MLG_STATUS_ERROR, "%s: unknown result type '%s'", q->shown_url, t);
		free(t);
		goto done;
	}
	n = read_samples(q, r, type->valuestring, result, &samples);
	if (n < 0)
		goto done;
	judge(q, r, type->valuestring, samples, n);
	add_warnings(q, r, doc);
done:
	free(samples);
	cJSON_Delete(doc);
}

static void run(const struct mlg_check_ctx *ctx, struct mlg_result *r)
{
	const struct mlg_check *check = ctx->check;
	struct query_run q;
	struct mlg_http_response res;
	const char *url = mlg_check_string(check, "url"), *method = "POST";
	size_t len = strlen(url);
	int rc;

	memset(&q, 0, sizeof(q));
	memset(&res, 0, sizeof(res));
	q.ctx = ctx;
	q.query = mlg_check_string(check, "query");
	q.shown = shown_query(q.query, QUERY_SHOWN_MAX);
	q.cond.has_min = mlg_check_number(check, "min", &q.cond.min);
	q.cond.has_max = mlg_check_number(check, "max", &q.cond.max);
	q.cond.has_equals = mlg_check_number(check, "equals", &q.cond.equals);
	q.all_series = mlg_check_bool(check, "all_series", 1);
	q.empty_error = !strcmp(mlg_check_string(check, "on_empty"), "error");
	q.nan_error = !strcmp(mlg_check_string(check, "on_nan"), "error");
	if (q.cond.has_min)
		cJSON_AddNumberToObject(r->expected, "min", q.cond.min);
	if (q.cond.has_max)
		cJSON_AddNumberToObject(r->expected, "max", q.cond.max);
	if (q.cond.has_equals)
		cJSON_AddNumberToObject(r->expected, "equals", q.cond.equals);

	while (len && url[len - 1] == '/')
		len--;
	q.api_url = mlg_xasprintf("%.*s%s", (int)len, url, API_PATH);
	q.shown_url = mlg_http_shown_url(q.api_url);
	if (build_headers(&q, check, r) < 0)
		goto done;
	if (mlg_check_ctx_expired(ctx)) {
		mlg_result_set(r, MLG_STATUS_ERROR, "timed out before the query was sent to %s", q.shown_url);
		goto done;
	}
	rc = send_query(&q, &res, check, &method);
	interpret(&q, r, rc, &res, method);
done:
	mlg_http_response_release(&res);
	query_run_release(&q);
}

const struct mlg_check_kind mlg_kind_infra_prometheus = {
	.abi = MLG_KIND_ABI,
	.name = "infra.prometheus",
	.summary = "a Prometheus instant query returns a value within bounds (a canary's error rate, a service's up)",
	.params = params,
	.example = "{ \"kind\": \"infra.prometheus\", \"name\": \"canary error rate below 1%\", "
		   "\"url\": \"http://prometheus:9090\", "
		   "\"query\": \"sum(rate(http_requests_total{track=\\\"canary\\\",code=~\\\"5..\\\"}[5m])) / sum(rate(http_requests_total{track=\\\"canary\\\"}[5m]))\", "
		   "\"max\": 0.01 }",
	.validate = validate,
	.target = target,
	.run = run,
};
