/*
 * infra.http: calls an HTTP endpoint (a model server, a health route) and
 * judges the answer: its status, its JSON values by path (equal within a
 * tolerance, approximately, matching a regex, within bounds, present or
 * absent), its response time, a text it must contain. With "cases", a
 * JSON Lines file of golden {request, expected} pairs: each request is
 * POSTed and each answer compared with its expected JSON, numbers within
 * the tolerance, as a serving test of a model (TensorFlow Serving's
 * :predict, KServe, Triton, a FastAPI app) before it is promoted.
 *
 * Header values from the environment are secrets: they are handed to the
 * HTTP layer as such and scrubbed from everything the result carries,
 * since a server may echo them back in its answer.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <pcre2.h>

#include "cancel.h"
#include "jsonc.h"
#include "mlgate/check.h"
#include "mlgate/error.h"
#include "mlgate/http.h"
#include "mlgate/jsonpath.h"
#include "mlgate/suite.h"
#include "mlgate/value.h"
#include "util.h"

static const struct mlg_param params[] = {
	{ "url", MLG_PARAM_STRING, 1, NULL, "the URL to call, http:// or https:// (TLS is always verified)" },
	{ "method", MLG_PARAM_STRING, 0, NULL,
	  "HTTP method in capitals (default GET, or POST with body, body_file or cases)" },
	{ "headers", MLG_PARAM_OBJECT, 0, NULL,
	  "request headers, name -> value (no secrets here: see headers_env)" },
	{ "headers_env", MLG_PARAM_OBJECT, 0, NULL,
	  "headers whose values are secrets read from the environment, name -> variable name, "
	  "e.g. {\"Authorization\": \"MODEL_API_AUTH\"}; never shown, unset or empty is an error" },
	{ "body", MLG_PARAM_OBJECT, 0, NULL,
	  "JSON object sent as the request body (application/json), e.g. {\"instances\": [[1.0, 2.0]]}" },
	{ "body_file", MLG_PARAM_PATH, 0, NULL,
	  "file sent as the request body, as is (for bodies that are not a JSON object)" },
	{ "content_type", MLG_PARAM_STRING, 0, NULL, "Content-Type of body_file (default application/json)" },
	{ "expect", MLG_PARAM_OBJECT, 0, NULL,
	  "what every answer must be: status (a code or a list of codes; default 200), json (path -> "
	  "value or matcher {equals | approx+tolerance | matches | min/max | exists}), max_time (a "
	  "duration), body_contains (text)" },
	{ "cases", MLG_PARAM_PATH, 0, NULL,
	  "JSON Lines of golden cases {\"request\": body, \"expected\": answer, \"name\": optional}: each "
	  "request is sent to url, each answer must contain expected (numbers within tolerance)" },
	{ "tolerance", MLG_PARAM_NUMBER, 0, "1e-06",
	  "largest absolute difference between a number and its expected value" },
	{ "relative_tolerance", MLG_PARAM_NUMBER, 0, "0",
	  "also allowed: this fraction of |expected| (as numpy.isclose: tolerance + relative * |expected|)" },
	{ "retries", MLG_PARAM_INTEGER, 0, "0",
	  "extra attempts after a connection error, 408, 429 or 5xx, with backoff (0: flakiness shows)" },
	{ "ca_file", MLG_PARAM_PATH, 0, NULL, "CA bundle (PEM) for a server with a private CA" },
	{ NULL, 0, 0, NULL, NULL }
};

/* Bytes of an answer's body kept in the details. */
#define BODY_SHOWN 2048
/* Bytes of JSON text of a value kept in an example or message. */
#define VALUE_SHOWN 200
#define TEXT_SHOWN 60
/* Bounds on one regex match, as data.pattern has: a catastrophic pattern errs, never hangs. */
#define MATCH_LIMIT 1000000
#define DEPTH_LIMIT 100000

static const char *const expect_keys[] = { "status", "json", "max_time", "body_contains" };
static const char *const matcher_keys[] = { "equals", "approx", "tolerance", "matches", "min", "max",
					    "exists" };
static const char *const case_keys[] = { "request", "expected", "name" };
#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

static int among(const char *key, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(key, keys[i]))
			return 1;
	return 0;
}

/* "a, b, c"; caller frees. */
static char *key_list(const char *const *keys, size_t n)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;

	for (size_t i = 0; i < n; i++)
		mlg_strbuf_addf(&sb, "%s%s", i ? ", " : "", keys[i]);
	return mlg_strbuf_detach(&sb);
}

/* ---- the parameters ---- */

/* One expectation on a JSON value of the answer: a plain value, or a matcher object. */
struct matcher {
	const char *path;     /* as written (borrowed from the suite) */
	const cJSON *spec;    /* the value or matcher as written */
	const cJSON *equals;  /* the plain value, or "equals" */
	int has_approx, has_tol, has_min, has_max, has_exists, exists;
	double approx, tol, min, max;
	const char *regex;
	pcre2_code *code;
};

/* The parameters, read once by validate() (problems reported) and again by run(). */
struct spec {
	const struct mlg_check *check;
	struct mlg_diag *diag; /* NULL: count problems only */
	int problems;
	const char *method;    /* resolved: given, or GET/POST */
	long statuses[16];
	size_t nstatuses;
	double max_time;       /* seconds; 0: none */
	const char *body_contains;
	struct matcher *m;
	size_t nm;
	double tol, rel;
};

static void problem(struct spec *s, const char *param, const char *sub, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void problem(struct spec *s, const char *param, const char *sub, const char *fmt, ...)
{
	struct mlg_strbuf msg = MLG_STRBUF_INIT;
	va_list ap;

	s->problems++;
	if (!s->diag)
		return;
	va_start(ap, fmt);
	mlg_strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	mlg_diag_check_at(s->diag, s->check, param, sub, "%s", msg.buf);
	mlg_strbuf_release(&msg);
}

/* ".json[\"$.x\"].min" for messages about a matcher's member (member may be NULL); caller frees. */
static char *matcher_sub(const char *path, const char *member)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;

	mlg_strbuf_addstr(&sb, ".json");
	mlg_jsonpath_member(&sb, path, strlen(path));
	if (member)
		mlg_jsonpath_member(&sb, member, strlen(member));
	return mlg_strbuf_detach(&sb);
}

/* ".key", or "[\"odd key\"]": the JSON path of a member of a parameter; caller frees. */
static char *member_sub(const char *key)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	char *out;

	mlg_strbuf_addch(&sb, '$'); /* so that a plain key gets its dot */
	mlg_jsonpath_member(&sb, key, strlen(key));
	out = mlg_xstrdup(sb.buf + 1);
	mlg_strbuf_release(&sb);
	return out;
}

/* Compiles a "matches" regex: searched for anywhere in the string, UTF-8. */
static pcre2_code *compile_regex(const char *regex, char *msg, size_t size)
{
	int err;
	PCRE2_SIZE offset;
	uint32_t options = PCRE2_UTF;
	pcre2_code *code;

#ifdef PCRE2_MATCH_INVALID_UTF
	options |= PCRE2_MATCH_INVALID_UTF; /* an answer's bytes need not be UTF-8 */
#endif
	code = pcre2_compile((PCRE2_SPTR)regex, PCRE2_ZERO_TERMINATED, options, &err, &offset, NULL);
	if (!code) {
		PCRE2_UCHAR text[256];

		pcre2_get_error_message(err, text, sizeof(text));
		snprintf(msg, size, "invalid regex at offset %zu: %s", (size_t)offset, (const char *)text);
	}
	return code;
}

/* A finite number member, or a problem; 1 when given and good. */
static int matcher_number(struct spec *s, const struct matcher *m, const cJSON *v, const char *what,
			  double *out)
{
	char *sub;

	if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) {
		*out = v->valuedouble;
		return 1;
	}
	sub = matcher_sub(m->path, v->string);
	problem(s, "expect", sub, "expected a number (%s), found %s", what, mlg_json_describe(v));
	free(sub);
	return 0;
}

/*
 * Reads one entry of expect.json. An object with a matcher key is a
 * matcher and must hold only matcher keys; any other value (an object
 * without one included) is a value the answer must equal.
 */
static void parse_matcher(struct spec *s, struct matcher *m, const cJSON *v, int compile)
{
	const cJSON *it;
	int is_matcher = 0, others = 0;
	char *sub;

	m->path = v->string;
	m->spec = v;
	if (!mlg_json_path_valid(m->path)) {
		sub = matcher_sub(m->path, NULL);
		problem(s, "expect", sub,
			"invalid path '%s': expected keys separated by dots, with [N] for list items and an optional "
			"leading $ (e.g. $.predictions[0], model_version_status[0].state)",
			m->path);
		free(sub);
	}
	if (cJSON_IsObject(v))
		cJSON_ArrayForEach(it, v)
			if (among(it->string, matcher_keys, NKEYS(matcher_keys)))
				is_matcher = 1;
	if (!is_matcher) {
		m->equals = v;
		return;
	}
	cJSON_ArrayForEach(it, v) {
		const char *k = it->string;

		sub = matcher_sub(m->path, k);
		if (!among(k, matcher_keys, NKEYS(matcher_keys))) {
			char *list = key_list(matcher_keys, NKEYS(matcher_keys));

			problem(s, "expect", sub,
				"unknown key '%s' in a matcher: expected one of %s (to expect an object holding "
				"it, write {\"equals\": {...}})",
				k, list);
			free(list);
		} else if (!strcmp(k, "equals")) {
			m->equals = it;
			others++;
		} else if (!strcmp(k, "approx")) {
			m->has_approx = matcher_number(s, m, it, "the value expected, within tolerance", &m->approx);
			others++;
		} else if (!strcmp(k, "tolerance")) {
			m->has_tol = matcher_number(s, m, it, "the largest difference allowed", &m->tol);
			if (m->has_tol && m->tol < 0)
				problem(s, "expect", sub, "expected a tolerance of 0 or more");
		} else if (!strcmp(k, "matches")) {
			others++;
			if (!cJSON_IsString(it)) {
				problem(s, "expect", sub, "expected a regex string, found %s", mlg_json_describe(it));
			} else {
				char msg[320];

				m->regex = it->valuestring;
				if (compile) {
					m->code = compile_regex(m->regex, msg, sizeof(msg));
					if (!m->code)
						problem(s, "expect", sub, "%s", msg);
				}
			}
		} else if (!strcmp(k, "min")) {
			m->has_min = matcher_number(s, m, it, "the lowest value allowed", &m->min);
			others++;
		} else if (!strcmp(k, "max")) {
			m->has_max = matcher_number(s, m, it, "the highest value allowed", &m->max);
			others++;
		} else if (!strcmp(k, "exists")) {
			if (!cJSON_IsBool(it))
				problem(s, "expect", sub, "expected true or false, found %s", mlg_json_describe(it));
			m->has_exists = 1;
			m->exists = cJSON_IsTrue(it);
		}
		free(sub);
	}
	sub = matcher_sub(m->path, NULL);
	if (cJSON_GetObjectItemCaseSensitive(v, "tolerance") && !cJSON_GetObjectItemCaseSensitive(v, "approx"))
		problem(s, "expect", sub, "\"tolerance\" goes with \"approx\": {\"approx\": 0.93, \"tolerance\": 0.01}");
	if (m->has_min && m->has_max && m->min > m->max) {
		char x[32], y[32];

		problem(s, "expect", sub, "\"min\" (%s) is greater than \"max\" (%s)", mlg_format_number(m->min, x),
			mlg_format_number(m->max, y));
	}
	if (m->has_exists && !m->exists && others)
		problem(s, "expect", sub, "\"exists\": false expects no value at '%s': nothing else can be checked there",
			m->path);
	free(sub);
}

/* A status code 100-599 at expect.status (or one of its items). */
static int status_code(struct spec *s, const cJSON *v, const char *sub, long *out)
{
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < 100 ||
	    v->valuedouble > 599) {
		problem(s, "expect", sub, "expected an HTTP status code from 100 to 599, found %s",
			cJSON_IsNumber(v) ? "a number out of that range" : mlg_json_describe(v));
		return 0;
	}
	*out = (long)v->valuedouble;
	return 1;
}

static void parse_expect(struct spec *s, const cJSON *expect, int compile)
{
	const cJSON *it, *v;

	s->statuses[0] = 200;
	s->nstatuses = 1;
	if (!expect)
		return;
	cJSON_ArrayForEach(it, expect) {
		if (!among(it->string, expect_keys, NKEYS(expect_keys))) {
			char *list = key_list(expect_keys, NKEYS(expect_keys)), *sub = member_sub(it->string);

			problem(s, "expect", sub, "unknown key '%s' in \"expect\": expected one of %s", it->string,
				list);
			free(list);
			free(sub);
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(expect, "status");
	if (cJSON_IsArray(v)) {
		size_t i = 0;

		s->nstatuses = 0;
		if (!cJSON_GetArraySize(v) || cJSON_GetArraySize(v) > (int)NKEYS(s->statuses))
			problem(s, "expect", ".status", "expected 1 to %zu status codes, found %d", NKEYS(s->statuses),
				cJSON_GetArraySize(v));
		cJSON_ArrayForEach(it, v) {
			char sub[40];
			long code;

			snprintf(sub, sizeof(sub), ".status[%zu]", i++);
			if (status_code(s, it, sub, &code) && s->nstatuses < NKEYS(s->statuses))
				s->statuses[s->nstatuses++] = code;
		}
		if (!s->nstatuses) {
			s->statuses[0] = 200;
			s->nstatuses = 1;
		}
	} else if (v) {
		status_code(s, v, ".status", &s->statuses[0]);
	}
	v = cJSON_GetObjectItemCaseSensitive(expect, "max_time");
	if (v) {
		double d = -1;

		if (cJSON_IsNumber(v) && isfinite(v->valuedouble))
			d = v->valuedouble;
		else if (cJSON_IsString(v) && mlg_parse_duration(v->valuestring, &d) < 0)
			d = -1;
		if (d <= 0)
			problem(s, "expect", ".max_time",
				"expected a duration above zero such as \"500ms\" or \"2s\", or seconds as a number, found %s",
				cJSON_IsString(v) ? "another string" : cJSON_IsNumber(v) ? "a number of 0 or less"
										: mlg_json_describe(v));
		else
			s->max_time = d;
	}
	v = cJSON_GetObjectItemCaseSensitive(expect, "body_contains");
	if (v && (!cJSON_IsString(v) || !*v->valuestring))
		problem(s, "expect", ".body_contains", "expected a non-empty string, found %s",
			cJSON_IsString(v) ? "an empty one" : mlg_json_describe(v));
	else if (v)
		s->body_contains = v->valuestring;
	v = cJSON_GetObjectItemCaseSensitive(expect, "json");
	if (v && !cJSON_IsObject(v)) {
		problem(s, "expect", ".json",
			"expected an object of path -> expected value, e.g. {\"$.predictions[0]\": {\"approx\": 0.93}}, "
			"found %s",
			mlg_json_describe(v));
	} else if (v) {
		s->m = mlg_xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*s->m));
		cJSON_ArrayForEach(it, v)
			parse_matcher(s, &s->m[s->nm++], it, compile);
	}
}

/* An HTTP token (RFC 9110 5.6.2): what a header name or a method may hold. */
static int is_token(const char *t)
{
	if (!*t)
		return 0;
	for (; *t; t++)
		if (!strchr("!#$%&'*+-.^_`|~", *t) && !(*t >= '0' && *t <= '9') && !(*t >= 'a' && *t <= 'z') &&
		    !(*t >= 'A' && *t <= 'Z'))
			return 0;
	return 1;
}

static int is_env_name(const char *t)
{
	if (!*t || (*t >= '0' && *t <= '9'))
		return 0;
	for (; *t; t++)
		if (!(*t == '_' || (*t >= '0' && *t <= '9') || (*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z')))
			return 0;
	return 1;
}

static void parse_headers(struct spec *s)
{
	const cJSON *headers = mlg_check_param(s->check, "headers");
	const cJSON *env = mlg_check_param(s->check, "headers_env"), *it, *o;

	cJSON_ArrayForEach(it, headers) {
		char *sub = member_sub(it->string);

		if (!is_token(it->string))
			problem(s, "headers", sub, "'%s' is not a header name (letters, digits and !#$%%&'*+-.^_`|~)",
				it->string);
		else if (!cJSON_IsString(it))
			problem(s, "headers", sub, "expected the header's value as a string, found %s",
				mlg_json_describe(it));
		else if (strpbrk(it->valuestring, "\r\n"))
			problem(s, "headers", sub, "a header value may not hold a line break");
		free(sub);
	}
	cJSON_ArrayForEach(it, env) {
		char *sub = member_sub(it->string);

		if (!is_token(it->string))
			problem(s, "headers_env", sub, "'%s' is not a header name (letters, digits and !#$%%&'*+-.^_`|~)",
				it->string);
		else if (!cJSON_IsString(it) || !is_env_name(it->valuestring))
			problem(s, "headers_env", sub,
				"expected the NAME of an environment variable holding the value (e.g. \"MODEL_API_AUTH\"), "
				"found %s",
				cJSON_IsString(it) ? "a string that is not a variable name" : mlg_json_describe(it));
		cJSON_ArrayForEach(o, headers)
			if (!strcasecmp(o->string, it->string))
				problem(s, "headers_env", sub, "header '%s' is in \"headers\" too: give it once",
					it->string);
		free(sub);
	}
}

static void spec_release(struct spec *s)
{
	for (size_t i = 0; i < s->nm; i++)
		pcre2_code_free(s->m[i].code);
	free(s->m);
	s->m = NULL;
	s->nm = 0;
}

/* Reads the parameters; returns the number of problems. Regexes are compiled when `compile`. */
static int parse_spec(struct spec *s, int compile)
{
	const struct mlg_check *check = s->check;
	const char *url = mlg_check_string(check, "url");
	const char *method = mlg_check_string(check, "method");
	const char *content_type = mlg_check_string(check, "content_type");
	const cJSON *expect = mlg_check_param(check, "expect");
	int nbodies = !!mlg_check_param(check, "body") + !!mlg_check_param(check, "body_file") +
		      !!mlg_check_param(check, "cases");
	double n;

	if (url && strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8))
		problem(s, "url", NULL, "expected an http:// or https:// URL, found '%s'", url);
	else if (url && !url[strncasecmp(url, "http://", 7) ? 8 : 7])
		problem(s, "url", NULL, "the URL has no host: expected e.g. \"http://127.0.0.1:8501/v1/models/fraud\"");
	if (nbodies > 1)
		problem(s, mlg_check_param(check, "cases") ? "cases" : "body_file", NULL,
			"give one of \"body\", \"body_file\" and \"cases\" (each case's request is its body)");
	s->method = method ? method : nbodies ? "POST" : "GET";
	if (method) {
		int upper = is_token(method);

		for (const char *p = method; *p; p++)
			if (!(*p >= 'A' && *p <= 'Z'))
				upper = 0;
		if (!upper)
			problem(s, "method", NULL, "expected an HTTP method in capitals such as \"GET\" or \"POST\", found '%s'",
				method);
	}
	if (content_type && !mlg_check_param(check, "body_file"))
		problem(s, "content_type", NULL,
			"\"content_type\" is for \"body_file\": \"body\" and \"cases\" are sent as application/json");
	else if (content_type && (!*content_type || strpbrk(content_type, "\r\n")))
		problem(s, "content_type", NULL, "expected a media type such as \"text/csv\"");
	parse_headers(s);
	parse_expect(s, expect, compile);
	if (!strcmp(s->method, "HEAD") && (s->nm || s->body_contains || mlg_check_param(check, "cases")))
		problem(s, "method", NULL, "an answer to HEAD has no body: JSON values, body_contains and cases need another method");
	s->tol = 1e-6;
	if (mlg_check_number(check, "tolerance", &s->tol) && (!(s->tol >= 0) || !isfinite(s->tol)))
		problem(s, "tolerance", NULL, "expected a tolerance of 0 or more");
	if (mlg_check_number(check, "relative_tolerance", &s->rel) && (!(s->rel >= 0) || !isfinite(s->rel)))
		problem(s, "relative_tolerance", NULL, "expected a fraction of 0 or more, such as 0.001");
	if (mlg_check_number(check, "retries", &n) && (n < 0 || n > 10))
		problem(s, "retries", NULL, "expected 0 to 10 retries");
	return s->problems;
}

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	struct spec s = { .check = check, .diag = diag };

	parse_spec(&s, 1);
	spec_release(&s);
}

/* "POST http://host/v1/models/fraud:predict" (GET goes unsaid), query secrets masked. */
static char *target(const struct mlg_check *check)
{
	const char *url = mlg_check_string(check, "url");
	struct spec s = { .check = check };
	char *shown, *out;

	if (!url)
		return mlg_xstrdup("");
	parse_spec(&s, 0);
	spec_release(&s);
	shown = mlg_http_shown_url(url);
	if (!strcmp(s.method, "GET"))
		return shown;
	out = mlg_xasprintf("%s %s", s.method, shown);
	free(shown);
	return out;
}

/* ---- comparing values ---- */

/* The JSON text of v for messages, cut after `max` bytes at a character boundary ("..."); caller frees. */
static char *value_text(const cJSON *v, size_t max)
{
	char buf[32], *text, *out;
	size_t cut;

	if (cJSON_IsNumber(v))
		return mlg_xstrdup(mlg_format_number(v->valuedouble, buf));
	text = cJSON_PrintUnformatted(v);
	if (!text)
		mlg_die_oom();
	if (strlen(text) > max) {
		cut = mlg_utf8_floor(text, max);
		out = mlg_xasprintf("%.*s...", (int)cut, text);
	} else {
		out = mlg_xstrdup(text);
	}
	cJSON_free(text);
	return out;
}

/* A value for an example's "got"/"expected": a copy when short, else its text cut; caller owns it. */
static cJSON *example_value(const cJSON *v)
{
	char *text = cJSON_PrintUnformatted(v);
	cJSON *out;

	if (!text)
		mlg_die_oom();
	if (strlen(text) <= VALUE_SHOWN) {
		out = cJSON_Duplicate(v, 1);
	} else {
		char *cut = value_text(v, VALUE_SHOWN);

		out = cJSON_CreateString(cut);
		free(cut);
	}
	cJSON_free(text);
	if (!out)
		mlg_die_oom();
	return out;
}

struct tolerance {
	double abs, rel;
};

/* numpy.isclose, plus a few units in the last place so that 0.71 - 0.7 is within 0.01. */
static int close_enough(double got, double want, const struct tolerance *t, double *allowed)
{
	double ulps = 4 * DBL_EPSILON * fmax(fabs(got), fabs(want));

	*allowed = t->abs + t->rel * fabs(want);
	return fabs(got - want) <= *allowed + ulps;
}

/* The first difference between an answer and what was expected, and how many there are. */
struct diff {
	size_t count;
	char *path;            /* where the first one is; allocated */
	char *why;             /* "is 0.71, expected 0.7 ± 1e-06"; allocated */
	cJSON *got, *expected; /* for the example; owned; got NULL when missing */
};

static void diff_release(struct diff *d)
{
	free(d->path);
	free(d->why);
	cJSON_Delete(d->got);
	cJSON_Delete(d->expected);
	memset(d, 0, sizeof(*d));
}

static void differ(struct diff *d, const struct mlg_strbuf *path, const cJSON *got, const cJSON *want,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void differ(struct diff *d, const struct mlg_strbuf *path, const cJSON *got, const cJSON *want,
		   const char *fmt, ...)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	va_list ap;

	if (d->count++)
		return;
	va_start(ap, fmt);
	mlg_strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	d->path = mlg_xstrdup(mlg_strbuf_str(path));
	d->why = mlg_strbuf_detach(&sb);
	d->got = got ? example_value(got) : NULL;
	d->expected = want ? example_value(want) : NULL;
}

/* "0.7 ± 1e-06", "\"cat\"", "[1,2]": what was expected, for messages; caller frees. */
static char *expected_text(const cJSON *want, const struct tolerance *t)
{
	char x[32];
	double allowed = t->abs + t->rel * fabs(want->valuedouble);

	/* the tolerance to 6 digits: 0.1 * 5.001 is not worth 0.5001000000000001 */
	if (cJSON_IsNumber(want) && allowed > 0)
		return mlg_xasprintf("%s ± %.6g", mlg_format_number(want->valuedouble, x), allowed);
	return value_text(want, TEXT_SHOWN);
}

/*
 * Compares an answer's value with the expected one: numbers within the
 * tolerance, other scalars exactly, lists item by item (same length),
 * objects by the expected keys only (the answer may hold more, such as a
 * model version). Every difference counts; the first is described.
 */
static void compare(const cJSON *got, const cJSON *want, struct mlg_strbuf *path, const struct tolerance *t,
		    struct diff *d)
{
	size_t len = path->len;
	char *g, *w;
	double allowed;

	if (cJSON_IsNumber(want) && cJSON_IsNumber(got)) {
		if (close_enough(got->valuedouble, want->valuedouble, t, &allowed))
			return;
		g = value_text(got, TEXT_SHOWN);
		w = expected_text(want, t);
		differ(d, path, got, want, "is %s, expected %s", g, w);
		free(g);
		free(w);
		return;
	}
	if (cJSON_IsArray(want) && cJSON_IsArray(got)) {
		int n = cJSON_GetArraySize(want), m = cJSON_GetArraySize(got);
		const cJSON *a = got->child, *b = want->child;

		if (n != m) {
			differ(d, path, got, want, "has %d item%s, expected %d", m, mlg_plural((unsigned long long)m), n);
			return;
		}
		for (size_t i = 0; a && b; i++, a = a->next, b = b->next) {
			mlg_jsonpath_index(path, i);
			compare(a, b, path, t, d);
			path->len = len;
			path->buf[len] = '\0';
		}
		return;
	}
	if (cJSON_IsObject(want) && cJSON_IsObject(got)) {
		const cJSON *b;

		cJSON_ArrayForEach(b, want) {
			const cJSON *a = cJSON_GetObjectItemCaseSensitive(got, b->string);

			mlg_jsonpath_member(path, b->string, strlen(b->string));
			if (!a) {
				w = expected_text(b, t);
				differ(d, path, NULL, b, "is missing, expected %s", w);
				free(w);
			} else {
				compare(a, b, path, t, d);
			}
			path->len = len;
			path->buf[len] = '\0';
		}
		return;
	}
	if ((cJSON_IsTrue(want) && cJSON_IsTrue(got)) || (cJSON_IsFalse(want) && cJSON_IsFalse(got)) ||
	    (cJSON_IsNull(want) && cJSON_IsNull(got)) ||
	    (cJSON_IsString(want) && cJSON_IsString(got) && !strcmp(want->valuestring, got->valuestring)))
		return;
	/* a different value, or a different kind of value */
	w = expected_text(want, t);
	if ((cJSON_IsArray(got) || cJSON_IsObject(got)) && !(cJSON_IsArray(want) || cJSON_IsObject(want))) {
		differ(d, path, got, want, "is %s, expected %s", mlg_json_describe(got), w);
	} else {
		g = value_text(got, TEXT_SHOWN);
		differ(d, path, got, want, "is %s, expected %s", g, w);
		free(g);
	}
	free(w);
}

/* ---- calling the server ---- */

/* What run() sets up once and every request uses. */
struct call {
	const struct mlg_check_ctx *ctx;
	const struct spec *spec;
	const char *url;
	char *shown;          /* the URL for messages */
	char **headers;       /* "Name: value"; owned */
	size_t nheaders;
	char **secrets;       /* header values from the environment; owned */
	size_t nsecrets;
	char *ca_file;
	int retries;
	struct tolerance tol;
};

static void call_release(struct call *c)
{
	for (size_t i = 0; i < c->nheaders; i++)
		free(c->headers[i]);
	for (size_t i = 0; i < c->nsecrets; i++)
		free(c->secrets[i]);
	free(c->headers);
	free(c->secrets);
	free(c->shown);
	free(c->ca_file);
}

/*
 * The request headers: "headers", then "headers_env" from the
 * environment (each value also kept as a secret), then Content-Type when
 * a body goes out and none was given. Returns 0, or -1 with *err
 * (allocated) naming the variable that is unset or empty, never a value.
 */
static int build_headers(struct call *c, const char *content_type, char **err)
{
	const struct mlg_check *check = c->ctx->check;
	const cJSON *headers = mlg_check_param(check, "headers");
	const cJSON *env = mlg_check_param(check, "headers_env"), *it;
	size_t max = (size_t)cJSON_GetArraySize(headers) + (size_t)cJSON_GetArraySize(env) + 1;
	int has_type = 0;

	c->headers = mlg_xcalloc(max, sizeof(*c->headers));
	c->secrets = mlg_xcalloc(max, sizeof(*c->secrets));
	cJSON_ArrayForEach(it, headers) {
		c->headers[c->nheaders++] = mlg_xasprintf("%s: %s", it->string, it->valuestring);
		has_type |= !strcasecmp(it->string, "Content-Type");
	}
	cJSON_ArrayForEach(it, env) {
		const char *value = getenv(it->valuestring);

		if (!value || !*value) {
			*err = mlg_xasprintf("environment variable '%s' (for header '%s' in \"headers_env\") is %s",
					     it->valuestring, it->string, value ? "empty" : "not set");
			return -1;
		}
		if (strpbrk(value, "\r\n")) {
			*err = mlg_xasprintf("environment variable '%s' (for header '%s') holds a line break",
					     it->valuestring, it->string);
			return -1;
		}
		c->secrets[c->nsecrets++] = mlg_xstrdup(value);
		c->headers[c->nheaders++] = mlg_xasprintf("%s: %s", it->string, value);
		has_type |= !strcasecmp(it->string, "Content-Type");
	}
	if (content_type && !has_type)
		c->headers[c->nheaders++] = mlg_xasprintf("Content-Type: %s", content_type);
	return 0;
}

/*
 * Sends one request with the check's remaining time as its budget.
 * Returns 0 when an answer came (any status, *res filled), or -1 with
 * *err (allocated) when none did: connection refused, timeout, TLS,
 * interrupted. *res is released by the caller either way.
 */
static int send_request(const struct call *c, const char *body, size_t len, struct mlg_http_response *res,
			char **err)
{
	struct mlg_http_request req = MLG_HTTP_REQUEST_INIT;
	const struct mlg_check_ctx *ctx = c->ctx;
	int rc;

	memset(res, 0, sizeof(*res));
	req.method = c->spec->method;
	req.url = c->url;
	req.headers = (const char *const *)c->headers;
	req.nheaders = c->nheaders;
	req.body = body;
	req.body_len = len;
	req.ca_file = c->ca_file;
	req.max_attempts = c->retries + 1;
	req.secrets = (const char *const *)c->secrets;
	req.nsecrets = c->nsecrets;
	req.cancel = ctx->cancel;
	if (ctx->deadline > 0) {
		double left = ctx->deadline - mlg_now();

		if (left < 0.002) {
			*err = mlg_xasprintf("%s %s: not sent: the check's timeout of %g s had passed",
					     c->spec->method, c->shown, ctx->check->timeout_s);
			return -1;
		}
		req.timeout_s = left;
		req.connect_timeout_s = left < 10 ? left : 10;
		/* backoff between retries stays within the check's time too */
		req.backoff_max_s = left / 4 > 0.01 ? left / 4 : 0.01;
	}
	rc = mlg_http_send(res, &req);
	if (rc == 0 || res->status)
		return 0; /* an answer, even a 5xx kept after the retries */
	if (rc == MLG_EINTR || mlg_cancel_requested(ctx->cancel))
		*err = mlg_xasprintf("interrupted: %s %s was stopped", c->spec->method, c->shown);
	else if (ctx->deadline > 0 && mlg_now() >= ctx->deadline - 0.005)
		*err = mlg_xasprintf("%s %s: no answer within the check's timeout of %g s", c->spec->method,
				     c->shown, ctx->check->timeout_s);
	else
		*err = mlg_xstrdup(mlg_error_last());
	/* without retries the attempt count says nothing */
	if (c->retries == 0 && strlen(*err) > 17 && !strcmp(*err + strlen(*err) - 17, " (attempt 1 of 1)"))
		(*err)[strlen(*err) - 17] = '\0';
	return -1;
}

/* An answer's body for the details: its start, control bytes made visible (\xNN). */
static void add_body(struct mlg_strbuf *sb, const char *title, const struct mlg_http_response *res)
{
	size_t len = res->body_len < BODY_SHOWN ? res->body_len : BODY_SHOWN;

	if (!res->body_len)
		return;
	if (len < res->body_len)
		len = mlg_utf8_floor(res->body, len);
	if (len < res->body_len)
		mlg_strbuf_addf(sb, "--- %s (%zu bytes; first %zu) ---\n", title, res->body_len, len);
	else
		mlg_strbuf_addf(sb, "--- %s (%zu bytes) ---\n", title, res->body_len);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)res->body[i];

		if (ch == '\r' && i + 1 < len && res->body[i + 1] == '\n')
			continue;
		if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7F)
			mlg_strbuf_addf(sb, "\\x%02X", ch);
		else
			mlg_strbuf_addch(sb, (char)ch);
	}
	if (sb->len && sb->buf[sb->len - 1] != '\n')
		mlg_strbuf_addch(sb, '\n');
}

/* What is wrong with one answer: the first problem described, all counted. */
struct verdict {
	int error;             /* could not be judged (not JSON): why holds it */
	size_t problems;
	char *why;             /* the first problem, as a message would say it; allocated */
	char *path;            /* where, for JSON values; allocated or NULL */
	cJSON *got, *expected; /* for the example; owned, may be NULL */
	cJSON *doc;            /* the answer parsed, when JSON was needed; owned */
	struct mlg_result *ex; /* gets an example per wrong JSON value; may be NULL */
};

static void verdict_release(struct verdict *v)
{
	free(v->why);
	free(v->path);
	cJSON_Delete(v->got);
	cJSON_Delete(v->expected);
	cJSON_Delete(v->doc);
	memset(v, 0, sizeof(*v));
}

/* An example object for one problem of an answer (line 0: no case). */
static void add_example(struct mlg_result *r, uint64_t line, const char *name, const char *path,
			const cJSON *got, const cJSON *expected, const char *reason)
{
	cJSON *ex;

	r->nexamples++;
	if (r->nexamples > r->max_examples)
		return;
	ex = cJSON_CreateObject();
	if (!ex)
		mlg_die_oom();
	if (line)
		cJSON_AddNumberToObject(ex, "line", (double)line);
	if (name)
		cJSON_AddStringToObject(ex, "name", name);
	if (path)
		cJSON_AddStringToObject(ex, "path", path);
	if (got)
		cJSON_AddItemToObject(ex, "got", cJSON_Duplicate(got, 1));
	if (expected)
		cJSON_AddItemToObject(ex, "expected", cJSON_Duplicate(expected, 1));
	cJSON_AddStringToObject(ex, "reason", reason);
	cJSON_AddItemToArray(r->examples, ex);
}

/* The answer cannot be judged (not JSON, a regex that ran out of steps): an error, whatever else was found. */
static void cannot_judge(struct verdict *v, char *why)
{
	v->error = 1;
	free(v->why);
	free(v->path);
	v->path = NULL;
	v->why = why;
}

/* Records a problem; the first is kept. Takes got and expected (may be NULL). */
static void found(struct verdict *v, const char *path, cJSON *got, cJSON *expected, char *why)
{
	if (v->ex && path)
		add_example(v->ex, 0, NULL, path, got, expected, why);
	if (v->problems++) {
		cJSON_Delete(got);
		cJSON_Delete(expected);
		free(why);
		return;
	}
	v->why = why;
	v->path = path ? mlg_xstrdup(path) : NULL;
	v->got = got;
	v->expected = expected;
}

/* Does one matcher of expect.json hold? On a problem calls found(). */
static void check_matcher(const struct call *c, const struct matcher *m, const cJSON *doc, struct verdict *v)
{
	char *why = NULL, x[32], y[32];
	const cJSON *got = mlg_json_path_get(doc, m->path, &why);
	struct tolerance t = c->tol;
	char *g;

	if (!got) {
		if (!(m->has_exists && !m->exists)) {
			char *text = mlg_xasprintf("%s is missing: %s", m->path, why);

			found(v, m->path, NULL, cJSON_Duplicate(m->spec, 1), text);
		}
		free(why);
		return;
	}
	if (m->has_exists && !m->exists) {
		g = value_text(got, TEXT_SHOWN);
		found(v, m->path, example_value(got), cJSON_Duplicate(m->spec, 1),
		      mlg_xasprintf("%s is %s, expected no value there", m->path, g));
		free(g);
		return;
	}
	if (m->equals) {
		struct diff d = { 0 };
		struct mlg_strbuf path = MLG_STRBUF_INIT;

		mlg_strbuf_addstr(&path, m->path);
		compare(got, m->equals, &path, &t, &d);
		if (d.count) {
			char more[64] = "";

			if (d.count > 1)
				snprintf(more, sizeof(more), " (%zu values differ)", d.count);
			found(v, d.path, d.got, d.expected, mlg_xasprintf("%s %s%s", d.path, d.why, more));
			d.got = d.expected = NULL;
		}
		diff_release(&d);
		mlg_strbuf_release(&path);
		if (d.count)
			return;
	}
	if (m->has_approx) {
		double allowed;

		t.abs = m->has_tol ? m->tol : c->tol.abs;
		t.rel = m->has_tol ? 0 : c->tol.rel;
		if (!cJSON_IsNumber(got)) {
			found(v, m->path, example_value(got), cJSON_Duplicate(m->spec, 1),
			      mlg_xasprintf("%s is %s, expected a number near %s", m->path, mlg_json_describe(got),
					    mlg_format_number(m->approx, x)));
			return;
		}
		if (!close_enough(got->valuedouble, m->approx, &t, &allowed)) {
			g = value_text(got, TEXT_SHOWN);
			found(v, m->path, example_value(got), cJSON_Duplicate(m->spec, 1),
			      mlg_xasprintf("%s is %s, expected %s ± %.6g", m->path, g, mlg_format_number(m->approx, x),
					    allowed));
			free(g);
			return;
		}
	}
	if (m->has_min || m->has_max) {
		const char *bound = NULL;
		double b = 0;

		if (!cJSON_IsNumber(got)) {
			found(v, m->path, example_value(got), cJSON_Duplicate(m->spec, 1),
			      mlg_xasprintf("%s is %s, expected a number", m->path, mlg_json_describe(got)));
			return;
		}
		if (m->has_min && got->valuedouble < m->min) {
			bound = "at least";
			b = m->min;
		} else if (m->has_max && got->valuedouble > m->max) {
			bound = "at most";
			b = m->max;
		}
		if (bound) {
			found(v, m->path, example_value(got), cJSON_Duplicate(m->spec, 1),
			      mlg_xasprintf("%s is %s, expected %s %s", m->path, mlg_format_number(got->valuedouble, x),
					    bound, mlg_format_number(b, y)));
			return;
		}
	}
	if (m->code) {
		pcre2_match_data *md;
		pcre2_match_context *mc;
		int rc;

		if (!cJSON_IsString(got)) {
			found(v, m->path, example_value(got), cJSON_Duplicate(m->spec, 1),
			      mlg_xasprintf("%s is %s, expected a string matching '%s'", m->path,
					    mlg_json_describe(got), m->regex));
			return;
		}
		md = pcre2_match_data_create_from_pattern(m->code, NULL);
		mc = pcre2_match_context_create(NULL);
		if (!md || !mc)
			mlg_die_oom();
		pcre2_set_match_limit(mc, MATCH_LIMIT);
		pcre2_set_depth_limit(mc, DEPTH_LIMIT);
		rc = pcre2_match(m->code, (PCRE2_SPTR)got->valuestring, strlen(got->valuestring), 0, 0, md, mc);
		pcre2_match_data_free(md);
		pcre2_match_context_free(mc);
		if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
			PCRE2_UCHAR text[256];

			pcre2_get_error_message(rc, text, sizeof(text));
			cannot_judge(v, mlg_xasprintf("%s: the regex '%s' could not be matched: %s", m->path, m->regex,
						      (const char *)text));
			return;
		}
		if (rc < 0) {
			g = value_text(got, TEXT_SHOWN);
			found(v, m->path, example_value(got), cJSON_Duplicate(m->spec, 1),
			      mlg_xasprintf("%s is %s, expected a match of '%s'", m->path, g, m->regex));
			free(g);
		}
	}
}

/*
 * Judges one answer against "expect" and, for a case, its expected JSON
 * (`want`, may be NULL). `ex`: the result of a one-request check, which
 * gets an example for every JSON value that is wrong; NULL for a case.
 */
static void judge(const struct call *c, const struct mlg_http_response *res, const cJSON *want,
		  struct verdict *v, struct mlg_result *ex)
{
	const struct spec *s = c->spec;
	int status_ok = 0;
	int line, col;

	memset(v, 0, sizeof(*v));
	v->ex = ex;
	for (size_t i = 0; i < s->nstatuses; i++)
		status_ok |= res->status == s->statuses[i];
	if (!status_ok) {
		struct mlg_strbuf sb = MLG_STRBUF_INIT;

		for (size_t i = 0; i < s->nstatuses; i++)
			mlg_strbuf_addf(&sb, "%s%ld", i == 0 ? "" : i + 1 == s->nstatuses ? " or " : ", ",
					s->statuses[i]);
		found(v, NULL, NULL, NULL,
		      mlg_xasprintf("answered HTTP %ld, expected %s", res->status, sb.buf));
		mlg_strbuf_release(&sb);
		return; /* an error page says nothing about the values */
	}
	if (s->max_time > 0 && res->time_s > s->max_time)
		found(v, NULL, NULL, NULL,
		      mlg_xasprintf("answered in %.0f ms, more than max_time %g ms", res->time_s * 1000,
				    s->max_time * 1000));
	if (s->body_contains && !memmem(res->body, res->body_len, s->body_contains, strlen(s->body_contains)))
		found(v, NULL, NULL, NULL, mlg_xasprintf("the answer does not contain '%s'", s->body_contains));
	if (!s->nm && !want)
		return;
	if (!res->body_len) {
		cannot_judge(v, mlg_xasprintf("the answer (HTTP %ld) has an empty body, not JSON", res->status));
		return;
	}
	if (mlg_json_parse_strict(res->body, res->body_len, &v->doc, &line, &col) < 0) {
		cannot_judge(v, mlg_xasprintf("the answer (HTTP %ld) is not JSON: %s (line %d, column %d)",
					      res->status, mlg_error_last(), line, col));
		return;
	}
	for (size_t i = 0; i < s->nm; i++)
		check_matcher(c, &s->m[i], v->doc, v);
	if (want) {
		struct diff d = { 0 };
		struct mlg_strbuf path = MLG_STRBUF_INIT;

		mlg_strbuf_addch(&path, '$');
		compare(v->doc, want, &path, &c->tol, &d);
		if (d.count) {
			char more[64] = "";

			if (d.count > 1)
				snprintf(more, sizeof(more), " (%zu values differ)", d.count);
			found(v, d.path, d.got, d.expected, mlg_xasprintf("%s %s%s", d.path, d.why, more));
			d.got = d.expected = NULL;
		}
		diff_release(&d);
		mlg_strbuf_release(&path);
	}
}

/* ---- files ---- */

/* Reads a whole file; -1 with *err (allocated, naming `shown`) when it cannot. */
static int read_whole(const char *abs, const char *shown, char **out, size_t *len, char **err)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	FILE *f = fopen(abs, "rb");
	char buf[65536];
	size_t n;

	if (!f) {
		*err = mlg_xasprintf("cannot open '%s': %s", shown, strerror(errno));
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		mlg_strbuf_add(&sb, buf, n);
	if (ferror(f)) {
		*err = mlg_xasprintf("cannot read '%s': %s", shown, strerror(errno));
		fclose(f);
		mlg_strbuf_release(&sb);
		return -1;
	}
	fclose(f);
	*len = sb.len;
	*out = sb.len ? mlg_strbuf_detach(&sb) : mlg_xstrdup("");
	mlg_strbuf_release(&sb);
	return 0;
}

/* One line of the cases file. */
struct gcase {
	uint64_t line;
	const char *name;      /* borrowed from doc; may be NULL */
	char *body;            /* the request as sent; allocated */
	const cJSON *expected; /* borrowed from doc */
	cJSON *doc;            /* the line; owned */
};

/*
 * Reads the cases file: one JSON object a line, blank lines skipped.
 * Returns the number of cases (*out allocated, release with
 * cases_free()), or -1 with *err (allocated) naming the line.
 */
static long read_cases(const char *abs, const char *shown, struct gcase **out, char **err)
{
	char *text = NULL;
	size_t len, ncases = 0, alloc = 0;
	struct gcase *cases = NULL;
	uint64_t lineno = 0;
	const char *next, *end;

	*out = NULL;
	if (read_whole(abs, shown, &text, &len, err) < 0)
		return -1;
	for (next = text, end = text + len; next < end;) {
		const char *p = next, *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
		const char *q = p;
		int line, col;
		cJSON *doc = NULL;
		const cJSON *it, *req, *exp, *name;
		struct gcase *gc;

		next = eol ? eol + 1 : end;
		lineno++;
		while (q < p + n && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		if (q == p + n)
			continue;
		if (memchr(p, '\0', n)) {
			*err = mlg_xasprintf("cases '%s' line %llu: a NUL byte is not allowed in JSON text", shown,
					     (unsigned long long)lineno);
			goto fail;
		}
		if (mlg_json_parse_strict(p, n, &doc, &line, &col) < 0) {
			*err = mlg_xasprintf("cases '%s' line %llu is not valid JSON: %s (column %d)", shown,
					     (unsigned long long)lineno, mlg_error_last(), col);
			goto fail;
		}
		if (!cJSON_IsObject(doc)) {
			*err = mlg_xasprintf("cases '%s' line %llu: expected an object {\"request\": ..., \"expected\": ...}, "
					     "found %s",
					     shown, (unsigned long long)lineno, mlg_json_describe(doc));
			cJSON_Delete(doc);
			goto fail;
		}
		cJSON_ArrayForEach(it, doc) {
			if (!among(it->string, case_keys, NKEYS(case_keys))) {
				*err = mlg_xasprintf("cases '%s' line %llu: unknown key '%s': expected request, expected "
						     "and optionally name",
						     shown, (unsigned long long)lineno, it->string);
				cJSON_Delete(doc);
				goto fail;
			}
		}
		req = cJSON_GetObjectItemCaseSensitive(doc, "request");
		exp = cJSON_GetObjectItemCaseSensitive(doc, "expected");
		name = cJSON_GetObjectItemCaseSensitive(doc, "name");
		if (!req || !exp || (name && !cJSON_IsString(name))) {
			*err = mlg_xasprintf("cases '%s' line %llu: %s", shown, (unsigned long long)lineno,
					     !req ? "no \"request\" (the JSON body to send)"
					     : !exp ? "no \"expected\" (the JSON the answer must hold)"
						    : "\"name\" must be a string");
			cJSON_Delete(doc);
			goto fail;
		}
		MLG_ALLOC_GROW(cases, ncases + 1, alloc);
		gc = &cases[ncases++];
		gc->line = lineno;
		gc->doc = doc;
		gc->name = name ? name->valuestring : NULL;
		gc->expected = exp;
		gc->body = cJSON_PrintUnformatted(req);
		if (!gc->body)
			mlg_die_oom();
	}
	free(text);
	if (!ncases) {
		*err = mlg_xasprintf("cases '%s' holds no cases: expected one {\"request\": ..., \"expected\": ...} a line",
				     shown);
		free(cases);
		return -1;
	}
	*out = cases;
	return (long)ncases;
fail:
	free(text);
	for (size_t i = 0; i < ncases; i++) {
		cJSON_free(cases[i].body);
		cJSON_Delete(cases[i].doc);
	}
	free(cases);
	return -1;
}

static void cases_free(struct gcase *cases, long n)
{
	for (long i = 0; i < n; i++) {
		cJSON_free(cases[i].body);
		cJSON_Delete(cases[i].doc);
	}
	free(cases);
}

/* ---- the result ---- */

/* Replaces each secret in s by "***": takes s (may be NULL) and returns the text to free instead. */
static char *scrub_text(char *s, const struct call *c)
{
	for (size_t i = 0; s && i < c->nsecrets; i++) {
		char *next;

		if (!strstr(s, c->secrets[i]))
			continue;
		next = mlg_str_replace(s, c->secrets[i], "***");
		free(s);
		s = next;
	}
	return s;
}

/* Scrubs every string value in v (keys are the suite's own paths and names). */
static void scrub_json(cJSON *v, const struct call *c)
{
	cJSON *it;

	if (!v)
		return;
	if (cJSON_IsString(v) && v->valuestring) {
		for (size_t i = 0; i < c->nsecrets; i++) {
			if (strstr(v->valuestring, c->secrets[i])) {
				char *clean = scrub_text(mlg_xstrdup(v->valuestring), c);

				cJSON_SetValuestring(v, clean);
				free(clean);
				break;
			}
		}
	}
	cJSON_ArrayForEach(it, v)
		scrub_json(it, c);
}

/* expected: the bounds, as the suite gave them. */
static void add_expected(struct mlg_result *r, const struct spec *s, int cases)
{
	const cJSON *json = cJSON_GetObjectItemCaseSensitive(mlg_check_param(s->check, "expect"), "json");

	if (s->nstatuses == 1) {
		cJSON_AddNumberToObject(r->expected, "status", (double)s->statuses[0]);
	} else {
		cJSON *list = cJSON_AddArrayToObject(r->expected, "status");

		for (size_t i = 0; i < s->nstatuses; i++)
			cJSON_AddItemToArray(list, cJSON_CreateNumber((double)s->statuses[i]));
	}
	if (s->max_time > 0)
		cJSON_AddNumberToObject(r->expected, "max_time_ms", s->max_time * 1000);
	if (s->body_contains)
		cJSON_AddStringToObject(r->expected, "body_contains", s->body_contains);
	if (json)
		cJSON_AddItemToObject(r->expected, "json", cJSON_Duplicate(json, 1));
	if (json || cases) {
		cJSON_AddNumberToObject(r->expected, "tolerance", s->tol);
		if (s->rel > 0)
			cJSON_AddNumberToObject(r->expected, "relative_tolerance", s->rel);
	}
	if (cases) {
		cJSON_AddNumberToObject(r->expected, "differ", 0);
		cJSON_AddNumberToObject(r->expected, "errors", 0);
	}
}

/* Milliseconds to the microsecond, for observed values. */
static double ms(double seconds)
{
	return round(seconds * 1e6) / 1e3;
}

/* One request, one answer, judged. */
static void run_single(const struct call *c, const char *body, size_t len, struct mlg_result *r)
{
	const struct spec *s = c->spec;
	struct mlg_http_response res;
	struct mlg_strbuf details = MLG_STRBUF_INIT;
	struct verdict v = { 0 };
	char *err = NULL;

	if (send_request(c, body, len, &res, &err) < 0) {
		mlg_result_set(r, MLG_STATUS_ERROR, "%s", err);
		if (res.attempts > 1)
			cJSON_AddNumberToObject(r->observed, "attempts", res.attempts);
		goto done;
	}
	cJSON_AddNumberToObject(r->observed, "status", (double)res.status);
	cJSON_AddNumberToObject(r->observed, "time_ms", ms(res.time_s));
	cJSON_AddNumberToObject(r->observed, "bytes", (double)res.body_len);
	if (res.attempts > 1)
		cJSON_AddNumberToObject(r->observed, "attempts", res.attempts);
	judge(c, &res, NULL, &v, r);
	if (v.doc && s->nm) {
		cJSON *values = cJSON_AddObjectToObject(r->observed, "json");

		for (size_t i = 0; i < s->nm; i++) {
			char *why = NULL;
			const cJSON *got = mlg_json_path_get(v.doc, s->m[i].path, &why);

			if (got && !cJSON_GetObjectItemCaseSensitive(values, s->m[i].path))
				cJSON_AddItemToObject(values, s->m[i].path, example_value(got));
			free(why);
		}
	}
	if (v.error || v.problems)
		add_body(&details, "answer", &res);
	if (v.error) {
		mlg_result_set(r, MLG_STATUS_ERROR, "%s %s: %s", s->method, c->shown, v.why);
	} else if (v.problems) {
		char more[64] = "";

		if (v.problems > 1)
			snprintf(more, sizeof(more), " (and %zu more problem%s)", v.problems - 1,
				 mlg_plural(v.problems - 1));
		if (v.path)
			mlg_result_set(r, MLG_STATUS_FAILED, "%s%s", v.why, more);
		else
			mlg_result_set(r, MLG_STATUS_FAILED, "%s %s: %s%s", s->method, c->shown, v.why, more);
	} else if (s->nm) {
		mlg_result_set(r, MLG_STATUS_PASSED, "%s %s answered HTTP %ld in %.0f ms; %zu JSON value%s as expected",
			       s->method, c->shown, res.status, res.time_s * 1000, s->nm, mlg_plural(s->nm));
	} else {
		mlg_result_set(r, MLG_STATUS_PASSED, "%s %s answered HTTP %ld in %.0f ms", s->method, c->shown,
			       res.status, res.time_s * 1000);
	}
done:
	if (details.len)
		mlg_result_set_details(r, details.buf);
	mlg_strbuf_release(&details);
	verdict_release(&v);
	mlg_http_response_release(&res);
	free(err);
}

/* "line 3" or "line 3 ('cat photo')": a case as messages name it; caller frees. */
static char *case_label(const struct gcase *gc)
{
	if (gc->name)
		return mlg_xasprintf("line %llu ('%s')", (unsigned long long)gc->line, gc->name);
	return mlg_xasprintf("line %llu", (unsigned long long)gc->line);
}

/*
 * Every golden case: its request sent, its answer judged. The first case
 * that gets no answer at all (refused, timed out) stops the run: the
 * server is gone, and each further case would only wait for its timeout.
 */
static void run_cases(const struct call *c, struct mlg_result *r)
{
	const struct mlg_check *check = c->ctx->check;
	const char *shown = mlg_check_string(check, "cases");
	char *abs = mlg_check_path(check, "cases"), *err = NULL;
	char *first_error = NULL, *first_differ = NULL;
	struct mlg_strbuf details = MLG_STRBUF_INIT;
	struct gcase *cases = NULL;
	size_t passed = 0, ndiffer = 0, errors = 0, sent = 0, bytes = 0, not_sent = 0;
	double slowest = 0;
	long n = read_cases(abs, shown, &cases, &err);

	if (n < 0) {
		mlg_result_set(r, MLG_STATUS_ERROR, "%s", err);
		goto done;
	}
	mlg_check_ctx_input(c->ctx, abs);
	for (long i = 0; i < n; i++) {
		const struct gcase *gc = &cases[i];
		struct mlg_http_response res;
		struct verdict v = { 0 };
		char *label = case_label(gc);

		if (send_request(c, gc->body, strlen(gc->body), &res, &err) < 0) {
			errors++;
			add_example(r, gc->line, gc->name, NULL, NULL, NULL, err);
			first_error = first_error ? first_error : mlg_xasprintf("%s of '%s': %s", label, shown, err);
			free(err);
			err = NULL;
			free(label);
			mlg_http_response_release(&res);
			not_sent = (size_t)(n - i - 1);
			break;
		}
		sent++;
		bytes += res.body_len;
		if (res.time_s > slowest)
			slowest = res.time_s;
		judge(c, &res, gc->expected, &v, NULL);
		if (v.error) {
			errors++;
			add_example(r, gc->line, gc->name, NULL, NULL, NULL, v.why);
			if (!first_error)
				first_error = mlg_xasprintf("%s of '%s': %s", label, shown, v.why);
		} else if (v.problems) {
			char *reason = v.problems > 1 ? mlg_xasprintf("%s (and %zu more problem%s)", v.why,
								     v.problems - 1, mlg_plural(v.problems - 1))
						      : mlg_xstrdup(v.why);

			ndiffer++;
			add_example(r, gc->line, gc->name, v.path, v.got, v.expected, reason);
			if (!first_differ)
				first_differ = mlg_xasprintf("%s: %s", label, reason);
			free(reason);
		} else {
			passed++;
		}
		if ((v.error || v.problems) && !details.len) {
			char *title = mlg_xasprintf("answer to %s", label);

			add_body(&details, title, &res);
			free(title);
		}
		verdict_release(&v);
		mlg_http_response_release(&res);
		free(label);
	}
	cJSON_AddNumberToObject(r->observed, "cases", (double)n);
	cJSON_AddNumberToObject(r->observed, "passed", (double)passed);
	cJSON_AddNumberToObject(r->observed, "differ", (double)ndiffer);
	cJSON_AddNumberToObject(r->observed, "errors", (double)errors);
	if (not_sent)
		cJSON_AddNumberToObject(r->observed, "not_sent", (double)not_sent);
	if (sent) {
		cJSON_AddNumberToObject(r->observed, "time_ms", ms(slowest));
		cJSON_AddNumberToObject(r->observed, "bytes", (double)bytes);
	}
	if (errors) {
		struct mlg_strbuf more = MLG_STRBUF_INIT;

		if (errors > 1)
			mlg_strbuf_addf(&more, "; %zu of %ld cases could not be judged", errors, n);
		if (ndiffer)
			mlg_strbuf_addf(&more, "; %zu of %ld differ", ndiffer, n);
		if (not_sent)
			mlg_strbuf_addf(&more, "; %zu of %ld not sent", not_sent, n);
		mlg_result_set(r, MLG_STATUS_ERROR, "%s%s", first_error, mlg_strbuf_str(&more));
		mlg_strbuf_release(&more);
	} else if (ndiffer) {
		mlg_result_set(r, MLG_STATUS_FAILED, "%zu of %ld case%s differ%s: %s", ndiffer, n,
			       mlg_plural((unsigned long long)n), ndiffer == 1 ? "s" : "", first_differ);
	} else {
		mlg_result_set(r, MLG_STATUS_PASSED, "%zu of %ld case%s match (%s %s; slowest answer %.0f ms)", passed,
			       n, mlg_plural((unsigned long long)n), c->spec->method, c->shown, slowest * 1000);
	}
done:
	if (details.len)
		mlg_result_set_details(r, details.buf);
	mlg_strbuf_release(&details);
	cases_free(cases, n);
	free(first_error);
	free(first_differ);
	free(abs);
	free(err);
}

static void run(const struct mlg_check_ctx *ctx, struct mlg_result *r)
{
	const struct mlg_check *check = ctx->check;
	struct spec s = { .check = check };
	struct call c = { .ctx = ctx, .spec = &s };
	const cJSON *json_body = mlg_check_param(check, "body");
	const char *content_type = NULL;
	char *body = NULL, *err = NULL;
	size_t len = 0;
	double retries = 0;

	if (parse_spec(&s, 1)) {
		/* validate() saw the same parameters; only a plugin host skipping it gets here */
		mlg_result_set(r, MLG_STATUS_ERROR, "invalid parameters: run `mlgate validate`");
		goto done;
	}
	c.url = mlg_check_string(check, "url");
	c.shown = mlg_http_shown_url(c.url);
	c.ca_file = mlg_check_path(check, "ca_file");
	mlg_check_number(check, "retries", &retries);
	c.retries = (int)retries;
	c.tol.abs = s.tol;
	c.tol.rel = s.rel;
	add_expected(r, &s, mlg_check_param(check, "cases") != NULL);

	if (json_body) {
		char *text = cJSON_PrintUnformatted(json_body);

		if (!text)
			mlg_die_oom();
		body = mlg_xstrdup(text);
		cJSON_free(text);
		len = strlen(body);
		content_type = "application/json";
	} else if (mlg_check_param(check, "body_file")) {
		char *abs = mlg_check_path(check, "body_file");
		int rc = read_whole(abs, mlg_check_string(check, "body_file"), &body, &len, &err);

		if (rc == 0)
			mlg_check_ctx_input(ctx, abs);
		free(abs);
		if (rc < 0) {
			mlg_result_set(r, MLG_STATUS_ERROR, "body_file: %s", err);
			goto done;
		}
		content_type = mlg_check_string(check, "content_type");
		if (!content_type)
			content_type = "application/json";
	} else if (mlg_check_param(check, "cases")) {
		content_type = "application/json";
	}
	if (build_headers(&c, content_type, &err) < 0) {
		mlg_result_set(r, MLG_STATUS_ERROR, "%s", err);
		goto done;
	}
	if (mlg_check_param(check, "cases"))
		run_cases(&c, r);
	else
		run_single(&c, body, len, r);
	/* a server may echo a header back: no secret leaves in the result */
	r->message = scrub_text(r->message, &c);
	r->details = scrub_text(r->details, &c);
	scrub_json(r->observed, &c);
	scrub_json(r->examples, &c);
done:
	spec_release(&s);
	call_release(&c);
	free(body);
	free(err);
}

const struct mlg_check_kind mlg_kind_infra_http = {
	.abi = MLG_KIND_ABI,
	.name = "infra.http",
	.summary = "an HTTP endpoint answers with the expected status, JSON values and response time; "
		   "golden cases sent to a model server come back within tolerance",
	.params = params,
	.example = "{ \"kind\": \"infra.http\", \"url\": \"http://127.0.0.1:8501/v1/models/fraud:predict\", "
		   "\"body\": { \"instances\": [[0.2, 1.5, 3.0]] }, \"expect\": { \"status\": 200, \"json\": "
		   "{ \"$.predictions[0]\": { \"approx\": 0.93, \"tolerance\": 0.01 } }, \"max_time\": \"500ms\" }, "
		   "\"timeout\": \"10s\" }",
	.validate = validate,
	.target = target,
	.run = run,
};
