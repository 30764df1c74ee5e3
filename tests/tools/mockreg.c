/*
 * mockreg: a test double of the MLflow Model Registry REST API, for
 * mlgate's end-to-end tests of its promotion client.
 *
 * It follows the published MLflow 2.x REST API
 * (https://mlflow.org/docs/latest/rest-api.html): the same paths, request
 * fields, model_version / registered_model objects and error bodies
 * {"error_code": "...", "message": "..."}. Implemented endpoints (each also
 * under /api/2.0/preview/mlflow/, which MLflow serves as well):
 *   GET    /api/2.0/mlflow/model-versions/get
 *   POST   /api/2.0/mlflow/model-versions/set-tag
 *   POST   /api/2.0/mlflow/model-versions/transition-stage
 *   GET    /api/2.0/mlflow/registered-models/get
 *   GET    /api/2.0/mlflow/registered-models/alias
 *   POST   /api/2.0/mlflow/registered-models/alias
 *   DELETE /api/2.0/mlflow/registered-models/alias
 * Not MLflow, for the tests:
 *   POST   /hooks/<anything>  a webhook receiver: 200 "ok", no auth; counts
 *                             deliveries (attempts, faulted ones too) per
 *                             webhook-id header
 *   GET    /_state            the registry state as JSON (never logged or
 *                             scripted)
 * Every other request is logged as one JSON line (--log) and may be answered
 * by a fault rule from --script instead. usage() has the command line.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <microhttpd.h>

#define API_PREFIX "/api/2.0/mlflow/"
#define API_PREVIEW_PREFIX "/api/2.0/preview/mlflow/"
#define MAX_BODY (16u << 20)

enum action {
	A_STATUS,
	A_RETRY_AFTER,
	A_RETRY_AFTER_DATE,
	A_RESET,
	A_DELAY,
	A_INVALID_JSON,
	A_REDIRECT,
};

struct rule {
	char *method; /* or "*" */
	char *prefix;
	enum action action;
	unsigned code;
	char *arg; /* MLflow error code, Retry-After value or redirect URL */
	double seconds;
	int used;
};

/* One request being received: MHD hands the body over in pieces. */
struct req {
	char *body;
	size_t len, cap;
	int too_big;
};

/* The answer to one request, built by the handlers and sent by finish(). */
struct reply {
	unsigned status;
	const char *type;
	char *body; /* malloc'd */
	const char *hname;
	char hvalue[2048]; /* redirect URLs can be long */
};

/* Parameters of one API call: from the query or the JSON body. */
struct call {
	struct MHD_Connection *conn;
	int use_query;
	cJSON *json;
};

/* Everything below is shared by the connection threads: take `lock`. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static int stopping;
/* NAME -> {ctime, mtime, aliases: {ALIAS: "V"}, versions: {"V": {status,
 * current_stage, tags: {K: V}, ctime, mtime, source, run_id,
 * description}}}; /_state shows a subset of the same tree. */
static cJSON *models;
static cJSON *webhooks;
static long nrequests;
static FILE *log_file;
static struct rule *rules;
static size_t nrules;

/* Set once at startup. */
static const char *opt_token;
static char *basic_b64;

static const char *const stages[] = { "None", "Staging", "Production", "Archived" };

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("mockreg: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		die("out of memory");
	return d;
}

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("out of memory");
	return s;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)(ts.tv_nsec / 1000000);
}

/* Adds or replaces: cJSON_AddItemToObject would keep duplicate keys. */
static void set_item(cJSON *obj, const char *key, cJSON *item)
{
	if (cJSON_GetObjectItemCaseSensitive(obj, key))
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item);
	else
		cJSON_AddItemToObject(obj, key, item);
}

static const char *str_of(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(it) ? it->valuestring : "";
}

static char *base64(const char *in)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(in), i, o = 0;
	char *out = malloc(4 * ((n + 2) / 3) + 1);

	if (!out)
		die("out of memory");
	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)in[i] << 16;

		if (i + 1 < n)
			v |= (unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)in[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

/* MLflow versions are integers (it int()s them); keys are canonical. */
static int parse_version(const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s)
		return 0;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return 0;
	*out = v;
	return 1;
}

/* ---- replies ---- */

static void reply_text(struct reply *rp, unsigned status, const char *text)
{
	free(rp->body);
	rp->status = status;
	rp->type = "text/plain; charset=utf-8";
	rp->body = xstrdup(text);
}

/* Takes ownership of obj. */
static void reply_json(struct reply *rp, unsigned status, cJSON *obj)
{
	free(rp->body);
	rp->status = status;
	rp->type = "application/json";
	rp->body = cJSON_PrintUnformatted(obj);
	cJSON_Delete(obj);
	if (!rp->body)
		die("out of memory");
}

static void reply_error(struct reply *rp, unsigned status, const char *code, const char *fmt, ...)
{
	cJSON *obj = cJSON_CreateObject();
	va_list ap;
	char *msg;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("out of memory");
	cJSON_AddStringToObject(obj, "error_code", code);
	cJSON_AddStringToObject(obj, "message", msg);
	free(msg);
	reply_json(rp, status, obj);
}

static void reply_missing(struct reply *rp, const char *param)
{
	reply_error(rp, 400, "INVALID_PARAMETER_VALUE",
		"Missing value for required parameter '%s'. See the API docs for more information about request parameters.",
		param);
}

static void reply_no_model(struct reply *rp, const char *name)
{
	reply_error(rp, 404, "RESOURCE_DOES_NOT_EXIST", "Registered Model with name=%s not found", name);
}

static void reply_no_version(struct reply *rp, const char *name, const char *version)
{
	reply_error(rp, 404, "RESOURCE_DOES_NOT_EXIST", "Model Version (name=%s, version=%s) not found",
		name, version);
}

/* ---- request log ---- */

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *value)
{
	cJSON *obj = cls;
	cJSON *old;
	char *lower = xstrdup(key);
	char *p;

	(void)kind;
	for (p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	value = value ? value : "";
	old = cJSON_GetObjectItemCaseSensitive(obj, lower);
	if (old) {
		/* Repeated headers read as one comma-joined value (RFC 9110). */
		char *joined = xasprintf("%s, %s", old->valuestring, value);

		set_item(obj, lower, cJSON_CreateString(joined));
		free(joined);
	} else {
		cJSON_AddStringToObject(obj, lower, value);
	}
	free(lower);
	return MHD_YES;
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	(void)kind;
	set_item(cls, key, cJSON_CreateString(value ? value : ""));
	return MHD_YES;
}

/* Logs under the lock, flushed, so a client that got its answer always
 * finds its line already there. */
static void log_request(struct MHD_Connection *c, const char *method, const char *url,
			const struct req *r, unsigned status)
{
	cJSON *query = cJSON_CreateObject();
	cJSON *headers = cJSON_CreateObject();
	cJSON *line;
	char *text;

	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, query);
	MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, headers);
	pthread_mutex_lock(&lock);
	line = cJSON_CreateObject();
	cJSON_AddNumberToObject(line, "n", (double)++nrequests);
	cJSON_AddStringToObject(line, "method", method);
	cJSON_AddStringToObject(line, "path", url);
	cJSON_AddItemToObject(line, "query", query);
	cJSON_AddItemToObject(line, "headers", headers);
	cJSON_AddStringToObject(line, "body", r->body ? r->body : "");
	cJSON_AddNumberToObject(line, "status", status);
	text = cJSON_PrintUnformatted(line);
	if (text) {
		fprintf(log_file, "%s\n", text);
		fflush(log_file);
	}
	pthread_mutex_unlock(&lock);
	free(text);
	cJSON_Delete(line);
}

/* ---- registry state ---- */

static cJSON *find_model(const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(models, name);
}

static cJSON *find_version(cJSON *model, long v)
{
	char key[32];

	snprintf(key, sizeof key, "%ld", v);
	return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(model, "versions"), key);
}

/* A stable fake run id, so repeated runs log the same values. */
static void fake_run_id(const char *name, long version, char out[33])
{
	uint64_t h1 = 0xcbf29ce484222325u, h2 = 0x84222325cbf29ce4u;
	const char *p;

	for (p = name; *p; p++) {
		h1 = (h1 ^ (unsigned char)*p) * 0x100000001b3u;
		h2 = (h2 ^ (unsigned char)*p) * 0x100000001b3u;
	}
	h1 = (h1 ^ (uint64_t)version) * 0x100000001b3u;
	h2 = (h2 ^ ((uint64_t)version << 7)) * 0x100000001b3u;
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h1, (unsigned long long)h2);
}

static void seed_model(const char *spec)
{
	char *s = xstrdup(spec);
	char *status = strrchr(s, ':');
	char *ver, key[32], run_id[33], *source;
	cJSON *model, *versions, *v;
	long version;
	double t = now_ms();

	if (!status)
		die("--model %s: expected NAME:VERSION:STATUS", spec);
	*status++ = '\0';
	ver = strrchr(s, ':');
	if (!ver || ver == s)
		die("--model %s: expected NAME:VERSION:STATUS", spec);
	*ver++ = '\0';
	if (!parse_version(ver, &version) || version < 1)
		die("--model %s: version must be a positive integer", spec);
	if (strcmp(status, "READY") && strcmp(status, "PENDING_REGISTRATION") &&
	    strcmp(status, "FAILED_REGISTRATION"))
		die("--model %s: status must be READY, PENDING_REGISTRATION or FAILED_REGISTRATION", spec);
	model = find_model(s);
	if (!model) {
		model = cJSON_AddObjectToObject(models, s);
		cJSON_AddNumberToObject(model, "ctime", t);
		cJSON_AddNumberToObject(model, "mtime", t);
		cJSON_AddObjectToObject(model, "aliases");
		cJSON_AddObjectToObject(model, "versions");
	}
	versions = cJSON_GetObjectItemCaseSensitive(model, "versions");
	snprintf(key, sizeof key, "%ld", version);
	if (cJSON_GetObjectItemCaseSensitive(versions, key))
		die("--model %s: version given twice", spec);
	fake_run_id(s, version, run_id);
	source = xasprintf("mlflow-artifacts:/0/%s/artifacts/model", run_id);
	v = cJSON_AddObjectToObject(versions, key);
	cJSON_AddStringToObject(v, "status", status);
	cJSON_AddStringToObject(v, "current_stage", "None");
	cJSON_AddObjectToObject(v, "tags");
	cJSON_AddNumberToObject(v, "ctime", t);
	cJSON_AddNumberToObject(v, "mtime", t);
	cJSON_AddStringToObject(v, "source", source);
	cJSON_AddStringToObject(v, "run_id", run_id);
	cJSON_AddStringToObject(v, "description", "");
	free(source);
	free(s);
}

static cJSON *num_copy(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_CreateNumber(cJSON_IsNumber(it) ? it->valuedouble : 0);
}

/* The model_version object as MLflow 2.x serializes it. */
static cJSON *version_json(const cJSON *model, const cJSON *v)
{
	cJSON *out = cJSON_CreateObject();
	cJSON *tags = cJSON_CreateArray();
	cJSON *aliases = cJSON_CreateArray();
	const cJSON *it;

	cJSON_AddStringToObject(out, "name", model->string);
	cJSON_AddStringToObject(out, "version", v->string);
	cJSON_AddItemToObject(out, "creation_timestamp", num_copy(v, "ctime"));
	cJSON_AddItemToObject(out, "last_updated_timestamp", num_copy(v, "mtime"));
	cJSON_AddStringToObject(out, "current_stage", str_of(v, "current_stage"));
	cJSON_AddStringToObject(out, "description", str_of(v, "description"));
	cJSON_AddStringToObject(out, "source", str_of(v, "source"));
	cJSON_AddStringToObject(out, "run_id", str_of(v, "run_id"));
	cJSON_AddStringToObject(out, "status", str_of(v, "status"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(v, "tags")) {
		cJSON *tag = cJSON_CreateObject();

		cJSON_AddStringToObject(tag, "key", it->string);
		cJSON_AddStringToObject(tag, "value", it->valuestring);
		cJSON_AddItemToArray(tags, tag);
	}
	cJSON_AddItemToObject(out, "tags", tags);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(model, "aliases"))
		if (!strcmp(it->valuestring, v->string))
			cJSON_AddItemToArray(aliases, cJSON_CreateString(it->string));
	cJSON_AddItemToObject(out, "aliases", aliases);
	return out;
}

/* latest_versions: the highest version in each stage, as MLflow lists it. */
static cJSON *model_json(const cJSON *model)
{
	cJSON *out = cJSON_CreateObject();
	cJSON *latest = cJSON_CreateArray();
	cJSON *aliases = cJSON_CreateArray();
	const cJSON *best[4] = { NULL, NULL, NULL, NULL };
	long best_v[4] = { 0, 0, 0, 0 };
	const cJSON *it;
	size_t i;

	cJSON_AddStringToObject(out, "name", model->string);
	cJSON_AddItemToObject(out, "creation_timestamp", num_copy(model, "ctime"));
	cJSON_AddItemToObject(out, "last_updated_timestamp", num_copy(model, "mtime"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(model, "versions")) {
		long v = strtol(it->string, NULL, 10);

		for (i = 0; i < 4; i++)
			if (!strcmp(str_of(it, "current_stage"), stages[i]) && (!best[i] || v > best_v[i])) {
				best[i] = it;
				best_v[i] = v;
			}
	}
	for (i = 0; i < 4; i++)
		if (best[i])
			cJSON_AddItemToArray(latest, version_json(model, best[i]));
	cJSON_AddItemToObject(out, "latest_versions", latest);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(model, "aliases")) {
		cJSON *a = cJSON_CreateObject();

		cJSON_AddStringToObject(a, "alias", it->string);
		cJSON_AddStringToObject(a, "version", it->valuestring);
		cJSON_AddItemToArray(aliases, a);
	}
	cJSON_AddItemToObject(out, "aliases", aliases);
	cJSON_AddItemToObject(out, "tags", cJSON_CreateArray());
	return out;
}

static cJSON *state_json(void)
{
	cJSON *out = cJSON_CreateObject();
	cJSON *ms = cJSON_AddObjectToObject(out, "models");
	const cJSON *m, *v;

	cJSON_ArrayForEach(m, models) {
		cJSON *mo = cJSON_AddObjectToObject(ms, m->string);
		cJSON *vs;

		cJSON_AddItemToObject(mo, "aliases",
			cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(m, "aliases"), 1));
		vs = cJSON_AddObjectToObject(mo, "versions");
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(m, "versions")) {
			cJSON *vo = cJSON_AddObjectToObject(vs, v->string);

			cJSON_AddStringToObject(vo, "status", str_of(v, "status"));
			cJSON_AddStringToObject(vo, "current_stage", str_of(v, "current_stage"));
			cJSON_AddItemToObject(vo, "tags",
				cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(v, "tags"), 1));
		}
	}
	cJSON_AddItemToObject(out, "webhooks", cJSON_Duplicate(webhooks, 1));
	cJSON_AddNumberToObject(out, "requests", (double)nrequests);
	return out;
}

/* ---- API parameters ---- */

static const char *py_type(const cJSON *it)
{
	if (cJSON_IsString(it))
		return "str";
	if (cJSON_IsBool(it))
		return "bool";
	if (cJSON_IsNumber(it))
		return it->valuedouble == (double)(long long)it->valuedouble ? "int" : "float";
	if (cJSON_IsArray(it))
		return "list";
	return "dict";
}

/*
 * String parameters, checked as MLflow's handlers do (_assert_string): a
 * JSON value of another type is an invalid value (*bad set, rp filled);
 * absent or null gives NULL.
 */
static const char *param_opt(struct call *cl, const char *name, struct reply *rp, int *bad)
{
	const cJSON *it;

	*bad = 0;
	if (cl->use_query)
		return MHD_lookup_connection_value(cl->conn, MHD_GET_ARGUMENT_KIND, name);
	it = cJSON_GetObjectItemCaseSensitive(cl->json, name);
	if (!it || cJSON_IsNull(it))
		return NULL;
	if (!cJSON_IsString(it)) {
		char *shown = cJSON_PrintUnformatted(it);

		reply_error(rp, 400, "INVALID_PARAMETER_VALUE",
			"Invalid value %s for parameter '%s' supplied. Hint: Value was of type '%s'. See the API docs for more information about request parameters.",
			shown ? shown : "?", name, py_type(it));
		free(shown);
		*bad = 1;
		return NULL;
	}
	return it->valuestring;
}

/* A required one (_assert_required): "" is missing too. NULL once rp is
 * filled. */
static const char *param(struct call *cl, const char *name, struct reply *rp)
{
	int bad;
	const char *v = param_opt(cl, name, rp, &bad);

	if (bad)
		return NULL;
	if (!v || !*v) {
		reply_missing(rp, name);
		return NULL;
	}
	return v;
}

/* Version parameters must be integers (MLflow's _validate_model_version). */
static int version_param(struct call *cl, struct reply *rp, const char **text, long *v)
{
	*text = param(cl, "version", rp);
	if (!*text)
		return 0;
	if (!parse_version(*text, v)) {
		reply_error(rp, 400, "INVALID_PARAMETER_VALUE", "Model version must be an integer, got '%s'", *text);
		return 0;
	}
	return 1;
}

/* MLflow's _validate_model_alias_name. */
static int valid_alias(const char *alias, struct reply *rp)
{
	const char *p;

	if (strlen(alias) > 255) {
		reply_error(rp, 400, "INVALID_PARAMETER_VALUE",
			"Registered model alias name '%s' had length %zu, which exceeded length limit of 255",
			alias, strlen(alias));
		return 0;
	}
	for (p = alias; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-') {
			reply_error(rp, 400, "INVALID_PARAMETER_VALUE",
				"Invalid alias name: '%s'. Names may only contain alphanumerics, underscores (_), and dashes (-).",
				alias);
			return 0;
		}
	if (!strcasecmp(alias, "latest")) {
		reply_error(rp, 400, "INVALID_PARAMETER_VALUE",
			"'latest' alias name (case insensitive) is reserved.");
		return 0;
	}
	if ((alias[0] == 'v' || alias[0] == 'V') && alias[1] && strspn(alias + 1, "0123456789") == strlen(alias + 1)) {
		reply_error(rp, 400, "INVALID_PARAMETER_VALUE", "Version alias name '%s' is reserved.", alias);
		return 0;
	}
	return 1;
}

/* ---- endpoints (called with the lock held) ---- */

static void ep_version_get(struct call *cl, struct reply *rp)
{
	const char *name = param(cl, "name", rp), *vtext;
	cJSON *model, *v, *out;
	long version;

	if (!name || !version_param(cl, rp, &vtext, &version))
		return;
	model = find_model(name);
	v = model ? find_version(model, version) : NULL;
	if (!v) {
		reply_no_version(rp, name, vtext);
		return;
	}
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "model_version", version_json(model, v));
	reply_json(rp, 200, out);
}

static void ep_version_set_tag(struct call *cl, struct reply *rp)
{
	const char *name = param(cl, "name", rp), *vtext, *key, *value;
	cJSON *model, *v;
	long version;
	int bad;

	if (!name || !version_param(cl, rp, &vtext, &version) || !(key = param(cl, "key", rp)))
		return;
	value = param_opt(cl, "value", rp, &bad);
	if (bad)
		return;
	model = find_model(name);
	v = model ? find_version(model, version) : NULL;
	if (!v) {
		reply_no_version(rp, name, vtext);
		return;
	}
	set_item(cJSON_GetObjectItemCaseSensitive(v, "tags"), key, cJSON_CreateString(value ? value : ""));
	reply_json(rp, 200, cJSON_CreateObject());
}

static void ep_version_transition(struct call *cl, struct reply *rp)
{
	const char *name = param(cl, "name", rp), *vtext, *stage_in, *stage = NULL;
	cJSON *model, *v, *it, *out;
	long version;
	double t = now_ms();
	int archive;
	size_t i;

	if (!name || !version_param(cl, rp, &vtext, &version) || !(stage_in = param(cl, "stage", rp)))
		return;
	/* A POST: the parameters are always the JSON body. */
	it = cJSON_GetObjectItemCaseSensitive(cl->json, "archive_existing_versions");
	if (!it || cJSON_IsNull(it)) {
		reply_missing(rp, "archive_existing_versions");
		return;
	}
	if (!cJSON_IsBool(it)) {
		char *shown = cJSON_PrintUnformatted(it);

		reply_error(rp, 400, "INVALID_PARAMETER_VALUE",
			"Invalid value %s for parameter 'archive_existing_versions' supplied. Hint: Value was of type '%s'. See the API docs for more information about request parameters.",
			shown ? shown : "?", py_type(it));
		free(shown);
		return;
	}
	archive = cJSON_IsTrue(it);
	for (i = 0; i < 4; i++)
		if (!strcasecmp(stage_in, stages[i]))
			stage = stages[i];
	if (!stage) {
		reply_error(rp, 400, "INVALID_PARAMETER_VALUE",
			"Invalid Model Version stage: %s. Value must be one of None, Staging, Production, Archived.",
			stage_in);
		return;
	}
	if (archive && strcmp(stage, "Staging") && strcmp(stage, "Production")) {
		reply_error(rp, 400, "INVALID_PARAMETER_VALUE",
			"Model version transition cannot archive existing model versions because '%s' is not an Active stage. Valid stages are ['Staging', 'Production']",
			stage);
		return;
	}
	model = find_model(name);
	v = model ? find_version(model, version) : NULL;
	if (!v) {
		reply_no_version(rp, name, vtext);
		return;
	}
	if (archive)
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(model, "versions"))
			if (it != v && !strcmp(str_of(it, "current_stage"), stage)) {
				set_item(it, "current_stage", cJSON_CreateString("Archived"));
				set_item(it, "mtime", cJSON_CreateNumber(t));
			}
	set_item(v, "current_stage", cJSON_CreateString(stage));
	set_item(v, "mtime", cJSON_CreateNumber(t));
	set_item(model, "mtime", cJSON_CreateNumber(t));
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "model_version", version_json(model, v));
	reply_json(rp, 200, out);
}

static void ep_model_get(struct call *cl, struct reply *rp)
{
	const char *name = param(cl, "name", rp);
	cJSON *model, *out;

	if (!name)
		return;
	model = find_model(name);
	if (!model) {
		reply_no_model(rp, name);
		return;
	}
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "registered_model", model_json(model));
	reply_json(rp, 200, out);
}

static void ep_alias_get(struct call *cl, struct reply *rp)
{
	const char *name = param(cl, "name", rp), *alias;
	const cJSON *target;
	cJSON *model, *v = NULL, *out;
	long version;

	if (!name || !(alias = param(cl, "alias", rp)))
		return;
	model = find_model(name);
	target = model ? cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(model, "aliases"), alias) : NULL;
	if (target && parse_version(target->valuestring, &version))
		v = find_version(model, version);
	if (!v) {
		reply_error(rp, 404, "RESOURCE_DOES_NOT_EXIST", "Registered model alias %s not found.", alias);
		return;
	}
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "model_version", version_json(model, v));
	reply_json(rp, 200, out);
}

static void ep_alias_set(struct call *cl, struct reply *rp)
{
	const char *name = param(cl, "name", rp), *alias, *vtext;
	cJSON *model, *v;
	long version;

	if (!name || !(alias = param(cl, "alias", rp)) || !version_param(cl, rp, &vtext, &version))
		return;
	if (!valid_alias(alias, rp))
		return;
	model = find_model(name);
	if (!model) {
		reply_no_model(rp, name);
		return;
	}
	v = find_version(model, version);
	if (!v) {
		reply_no_version(rp, name, vtext);
		return;
	}
	set_item(cJSON_GetObjectItemCaseSensitive(model, "aliases"), alias, cJSON_CreateString(v->string));
	reply_json(rp, 200, cJSON_CreateObject());
}

static void ep_alias_delete(struct call *cl, struct reply *rp)
{
	const char *name = param(cl, "name", rp), *alias;
	cJSON *model;

	if (!name || !(alias = param(cl, "alias", rp)))
		return;
	if (!valid_alias(alias, rp))
		return;
	model = find_model(name);
	if (!model) {
		reply_no_model(rp, name);
		return;
	}
	/* Deleting an alias that is not set is not an error. */
	cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(model, "aliases"), alias);
	reply_json(rp, 200, cJSON_CreateObject());
}

static const struct endpoint {
	const char *path;
	const char *method;
	void (*fn)(struct call *, struct reply *);
} endpoints[] = {
	{ "model-versions/get", "GET", ep_version_get },
	{ "model-versions/set-tag", "POST", ep_version_set_tag },
	{ "model-versions/transition-stage", "POST", ep_version_transition },
	{ "registered-models/get", "GET", ep_model_get },
	{ "registered-models/alias", "GET", ep_alias_get },
	{ "registered-models/alias", "POST", ep_alias_set },
	{ "registered-models/alias", "DELETE", ep_alias_delete },
};

#define NENDPOINTS (sizeof endpoints / sizeof endpoints[0])

/* ---- normal behaviour ---- */

static int authorized(struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	size_t n;

	if (!opt_token && !basic_b64)
		return 1;
	if (!h)
		return 0;
	n = strcspn(h, " ");
	/* Auth schemes are case-insensitive (RFC 9110 11.1). */
	if (opt_token && n == 6 && !strncasecmp(h, "Bearer", 6) && !strcmp(h + n + strspn(h + n, " "), opt_token))
		return 1;
	if (basic_b64 && n == 5 && !strncasecmp(h, "Basic", 5) && !strcmp(h + n + strspn(h + n, " "), basic_b64))
		return 1;
	return 0;
}

static void handle_api(struct MHD_Connection *c, const char *method, const char *path,
		       struct req *r, struct reply *rp)
{
	const char *ep = path + strlen(API_PREFIX);
	const char *allowed[NENDPOINTS];
	size_t i, nallowed = 0;
	struct call cl = { c, 0, NULL };

	if (!authorized(c)) {
		reply_error(rp, 401, "UNAUTHENTICATED", "You are not authenticated. Please provide valid credentials.");
		rp->hname = MHD_HTTP_HEADER_WWW_AUTHENTICATE;
		snprintf(rp->hvalue, sizeof rp->hvalue, "%s", basic_b64 ? "Basic realm=\"mlflow\"" : "Bearer");
		return;
	}
	if (!strncmp(path, API_PREVIEW_PREFIX, strlen(API_PREVIEW_PREFIX)))
		ep = path + strlen(API_PREVIEW_PREFIX);
	else if (strncmp(path, API_PREFIX, strlen(API_PREFIX)))
		ep = NULL;
	for (i = 0; ep && i < NENDPOINTS; i++) {
		if (strcmp(ep, endpoints[i].path))
			continue;
		if (!strcmp(method, endpoints[i].method))
			break;
		allowed[nallowed++] = endpoints[i].method;
	}
	if (!ep || i == NENDPOINTS) {
		if (nallowed) {
			size_t k, off = 0;

			reply_text(rp, 405, "Method Not Allowed");
			rp->hname = MHD_HTTP_HEADER_ALLOW;
			for (k = 0; k < nallowed; k++)
				off += (size_t)snprintf(rp->hvalue + off, sizeof rp->hvalue - off, "%s%s",
							k ? ", " : "", allowed[k]);
			return;
		}
		reply_error(rp, 404, "ENDPOINT_NOT_FOUND", "No API endpoint found for %s %s", method, path);
		return;
	}
	/* MLflow reads the query string for GET (and DELETE) when there is one,
	 * else the JSON body. */
	if (strcmp(method, "POST") && MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, NULL, NULL) > 0) {
		cl.use_query = 1;
	} else {
		const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);

		/* MLflow's _validate_content_type, for POST. */
		if (!strcmp(method, "POST")) {
			if (!ct) {
				reply_error(rp, 400, "INVALID_PARAMETER_VALUE", "Bad Request. Content-Type header is missing.");
				return;
			}
			if (strncasecmp(ct, "application/json", 16) || (ct[16] && ct[16] != ';' && ct[16] != ' ')) {
				reply_error(rp, 400, "INVALID_PARAMETER_VALUE",
					"Bad Request. Content-Type must be one of ['application/json'].");
				return;
			}
		}
		/* Like MLflow: an unparsable body reads as {}; a JSON string holding
		 * JSON (old clients double-encode) is decoded again. */
		cl.json = cJSON_ParseWithLength(r->body ? r->body : "", r->len);
		if (cJSON_IsString(cl.json)) {
			cJSON *inner = cJSON_Parse(cl.json->valuestring);

			cJSON_Delete(cl.json);
			cl.json = inner;
		}
		if (!cJSON_IsObject(cl.json)) {
			cJSON_Delete(cl.json);
			cl.json = cJSON_CreateObject();
		}
	}
	pthread_mutex_lock(&lock);
	endpoints[i].fn(&cl, rp);
	pthread_mutex_unlock(&lock);
	cJSON_Delete(cl.json);
}

static void handle_normal(struct MHD_Connection *c, const char *method, const char *url,
			  struct req *r, struct reply *rp)
{
	if (r->too_big) {
		reply_text(rp, 413, "request body too large");
	} else if (!strncmp(url, "/api/", 5)) {
		handle_api(c, method, url, r, rp);
	} else if (!strncmp(url, "/hooks/", 7)) {
		if (strcmp(method, "POST")) {
			reply_text(rp, 405, "Method Not Allowed");
			rp->hname = MHD_HTTP_HEADER_ALLOW;
			snprintf(rp->hvalue, sizeof rp->hvalue, "POST");
			return;
		}
		reply_text(rp, 200, "ok");
	} else {
		reply_text(rp, 404, "not found");
	}
}

/* ---- fault script ---- */

static void parse_script(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0;

	if (!f)
		die("%s: %s", path, strerror(errno));
	while (getline(&line, &cap, f) >= 0) {
		char *tok[8], *p = line, empty[1] = "", *end = empty;
		size_t n = 0;
		struct rule *ru;

		lineno++;
		/* Tokens split on blanks; one starting with '#' starts a comment,
		 * so URLs may still hold a fragment. */
		while (n < 8) {
			p += strspn(p, " \t\r\n");
			if (!*p || *p == '#')
				break;
			tok[n++] = p;
			p += strcspn(p, " \t\r\n");
			if (*p)
				*p++ = '\0';
		}
		if (n == 0)
			continue;
		if (n < 3 || n == 8)
			die("%s:%d: expected METHOD PATH-PREFIX ACTION [ARGS...]", path, lineno);
		rules = realloc(rules, (nrules + 1) * sizeof *rules);
		if (!rules)
			die("out of memory");
		ru = &rules[nrules++];
		memset(ru, 0, sizeof *ru);
		ru->method = xstrdup(tok[0]);
		ru->prefix = xstrdup(tok[1]);
		if (!strcmp(tok[2], "status") && (n == 4 || (n == 6 && !strcmp(tok[4], "mlflow")))) {
			ru->action = A_STATUS;
			ru->code = (unsigned)strtoul(tok[3], &end, 10);
			if (n == 6)
				ru->arg = xstrdup(tok[5]);
		} else if (!strcmp(tok[2], "retry-after") && n == 5) {
			ru->action = A_RETRY_AFTER;
			ru->arg = xstrdup(tok[3]); /* sent verbatim, to test odd values */
			ru->code = (unsigned)strtoul(tok[4], &end, 10);
		} else if (!strcmp(tok[2], "retry-after-date") && n == 5) {
			ru->action = A_RETRY_AFTER_DATE;
			ru->seconds = strtod(tok[3], &end);
			if (*end || !isfinite(ru->seconds) || ru->seconds > 1e9 || ru->seconds < -1e9)
				die("%s:%d: bad SECONDS '%s'", path, lineno, tok[3]);
			ru->code = (unsigned)strtoul(tok[4], &end, 10);
		} else if (!strcmp(tok[2], "reset") && n == 3) {
			ru->action = A_RESET;
			ru->code = 200;
		} else if (!strcmp(tok[2], "delay") && n == 4) {
			ru->action = A_DELAY;
			ru->code = 200;
			ru->seconds = strtod(tok[3], &end);
			if (*end || !isfinite(ru->seconds) || ru->seconds < 0 || ru->seconds > 3600)
				die("%s:%d: bad SECONDS '%s'", path, lineno, tok[3]);
		} else if (!strcmp(tok[2], "invalid-json") && n == 3) {
			ru->action = A_INVALID_JSON;
			ru->code = 200;
		} else if (!strcmp(tok[2], "redirect") && n == 4) {
			ru->action = A_REDIRECT;
			ru->code = 302;
			ru->arg = xstrdup(tok[3]);
		} else {
			die("%s:%d: unknown action or wrong arguments: %s", path, lineno, tok[2]);
		}
		if (*end || ru->code < 100 || ru->code > 599)
			die("%s:%d: bad status code", path, lineno);
	}
	free(line);
	fclose(f);
}

/* The first unused matching rule, now used; NULL for normal behaviour. */
static const struct rule *take_rule(const char *method, const char *url)
{
	const struct rule *found = NULL;
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < nrules; i++) {
		struct rule *ru = &rules[i];

		if (ru->used || (strcmp(ru->method, "*") && strcmp(ru->method, method)) ||
		    strncmp(url, ru->prefix, strlen(ru->prefix)))
			continue;
		ru->used = 1;
		found = ru;
		break;
	}
	pthread_mutex_unlock(&lock);
	return found;
}

/* Sleeps, but wakes early on shutdown so SIGTERM is never held up. */
static void delay(double seconds)
{
	struct timespec until;
	time_t whole;

	clock_gettime(CLOCK_REALTIME, &until);
	seconds += (double)until.tv_nsec / 1e9;
	whole = (time_t)seconds;
	until.tv_sec += whole;
	until.tv_nsec = (long)((seconds - (double)whole) * 1e9);
	if (until.tv_nsec > 999999999)
		until.tv_nsec = 999999999;
	pthread_mutex_lock(&lock);
	while (!stopping && pthread_cond_timedwait(&wake, &lock, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&lock);
}

/* Sends a few bytes of the announced 100, then fails: MHD drops the
 * connection mid-body. */
static ssize_t reset_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	static const char part[] = "{\"model_version\": {\"name\"";
	size_t n = sizeof part - 1;

	(void)cls;
	if (pos > 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (n > max)
		n = max;
	memcpy(buf, part, n);
	return (ssize_t)n;
}

/* ---- MHD glue ---- */

static enum MHD_Result finish(struct MHD_Connection *c, const char *method, const char *url,
			      struct req *r, struct reply *rp, int logged)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *body = rp->body ? rp->body : xstrdup("");

	rp->body = NULL;
	resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	if (rp->type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rp->type);
	if (rp->hname)
		MHD_add_response_header(resp, rp->hname, rp->hvalue);
	if (logged)
		log_request(c, method, url, r, rp->status);
	ret = MHD_queue_response(c, rp->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result serve_state(struct MHD_Connection *c, const char *method)
{
	struct reply rp = { 0 };

	if (strcmp(method, "GET")) {
		reply_text(&rp, 405, "Method Not Allowed");
		rp.hname = MHD_HTTP_HEADER_ALLOW;
		snprintf(rp.hvalue, sizeof rp.hvalue, "GET");
	} else {
		cJSON *st;

		pthread_mutex_lock(&lock);
		st = state_json();
		pthread_mutex_unlock(&lock);
		reply_json(&rp, 200, st);
	}
	return finish(c, method, "/_state", NULL, &rp, 0);
}

/* Every delivery attempt counts, faulted ones too: a test sees retries
 * reuse their webhook-id. */
static void count_delivery(struct MHD_Connection *c)
{
	const char *id = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "webhook-id");
	cJSON *n;

	if (!id)
		return;
	pthread_mutex_lock(&lock);
	n = cJSON_GetObjectItemCaseSensitive(webhooks, id);
	if (n)
		cJSON_SetNumberValue(n, n->valuedouble + 1);
	else
		cJSON_AddNumberToObject(webhooks, id, 1);
	pthread_mutex_unlock(&lock);
}

static enum MHD_Result dispatch(struct MHD_Connection *c, const char *method, const char *url,
				struct req *r)
{
	const struct rule *ru;
	struct reply rp = { 0 };

	if (!strcmp(url, "/_state"))
		return serve_state(c, method);
	if (!strcmp(method, "POST") && !strncmp(url, "/hooks/", 7))
		count_delivery(c);
	ru = take_rule(method, url);
	if (!ru) {
		handle_normal(c, method, url, r, &rp);
		return finish(c, method, url, r, &rp, 1);
	}
	switch (ru->action) {
	case A_STATUS:
		if (ru->arg) {
			reply_error(&rp, ru->code, ru->arg, "injected %u", ru->code);
		} else {
			char text[32];

			snprintf(text, sizeof text, "injected %u", ru->code);
			reply_text(&rp, ru->code, text);
		}
		break;
	case A_RETRY_AFTER:
	case A_RETRY_AFTER_DATE: {
		char text[32];

		snprintf(text, sizeof text, "injected %u", ru->code);
		reply_text(&rp, ru->code, text);
		rp.hname = MHD_HTTP_HEADER_RETRY_AFTER;
		if (ru->action == A_RETRY_AFTER) {
			snprintf(rp.hvalue, sizeof rp.hvalue, "%s", ru->arg);
		} else {
			time_t when = time(NULL) + (time_t)ru->seconds;
			struct tm tm;

			gmtime_r(&when, &tm);
			strftime(rp.hvalue, sizeof rp.hvalue, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		}
		break;
	}
	case A_RESET: {
		struct MHD_Response *resp = MHD_create_response_from_callback(100, 1024, reset_reader, NULL, NULL);
		enum MHD_Result ret;

		if (!resp)
			return MHD_NO;
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
		log_request(c, method, url, r, 0);
		ret = MHD_queue_response(c, 200, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	case A_DELAY:
		delay(ru->seconds);
		handle_normal(c, method, url, r, &rp);
		break;
	case A_INVALID_JSON:
		reply_text(&rp, 200, "{\"model_version\": ");
		rp.type = "application/json";
		break;
	case A_REDIRECT:
		reply_text(&rp, 302, "injected 302");
		rp.hname = MHD_HTTP_HEADER_LOCATION;
		snprintf(rp.hvalue, sizeof rp.hvalue, "%s", ru->arg);
		break;
	}
	return finish(c, method, url, r, &rp, 1);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **ctx)
{
	struct req *r = *ctx;

	(void)cls;
	(void)version;
	if (!r) {
		r = calloc(1, sizeof *r);
		if (!r)
			return MHD_NO;
		*ctx = r;
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;

		*upload_size = 0;
		if (r->too_big || r->len + n > MAX_BODY) {
			/* Rejected with 413 and logged with an empty body. */
			r->too_big = 1;
			free(r->body);
			r->body = NULL;
			r->len = r->cap = 0;
			return MHD_YES;
		}
		if (r->len + n + 1 > r->cap) {
			size_t cap = (r->len + n + 1) * 2;
			char *b = realloc(r->body, cap);

			if (!b)
				return MHD_NO;
			r->body = b;
			r->cap = cap;
		}
		memcpy(r->body + r->len, upload, n);
		r->len += n;
		r->body[r->len] = '\0';
		return MHD_YES;
	}
	return dispatch(c, method, url, r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **ctx,
			 enum MHD_RequestTerminationCode toe)
{
	struct req *r = *ctx;

	(void)cls;
	(void)c;
	(void)toe;
	if (r) {
		free(r->body);
		free(r);
		*ctx = NULL;
	}
}

static void write_port_file(const char *path, unsigned port)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");

	if (!f)
		die("%s: %s", tmp, strerror(errno));
	fprintf(f, "%u\n", port);
	if (fclose(f) != 0)
		die("%s: %s", tmp, strerror(errno));
	/* Readers see either no file or the whole line. */
	if (rename(tmp, path) != 0)
		die("%s: %s", path, strerror(errno));
	free(tmp);
}

static void usage(void)
{
	fputs("usage: mockreg --port-file FILE --log FILE [--token TOKEN] [--basic USER:PASS]\n"
	      "               [--model NAME:VERSION:STATUS]... [--script FILE] [--die-with-parent]\n"
	      "A mock MLflow Model Registry on 127.0.0.1 (ephemeral port written to --port-file),\n"
	      "with a webhook receiver (POST /hooks/...), a request log (--log, JSON lines),\n"
	      "GET /_state, and fault rules (--script). Stops on SIGTERM or SIGINT.\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *port_file = NULL, *log_path = NULL, *script = NULL;
	const union MHD_DaemonInfo *info;
	struct sockaddr_in addr;
	struct MHD_Daemon *d;
	sigset_t sigs;
	size_t i;
	int sig, die_with_parent = 0;

	models = cJSON_CreateObject();
	webhooks = cJSON_CreateObject();
	for (i = 1; i < (size_t)argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < (size_t)argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--die-with-parent")) {
			die_with_parent = 1;
			continue;
		}
		if (!v || strncmp(a, "--", 2))
			usage();
		i++;
		if (!strcmp(a, "--port-file"))
			port_file = v;
		else if (!strcmp(a, "--log"))
			log_path = v;
		else if (!strcmp(a, "--token"))
			opt_token = v;
		else if (!strcmp(a, "--basic")) {
			if (!strchr(v, ':'))
				die("--basic wants USER:PASS");
			free(basic_b64);
			basic_b64 = base64(v);
		} else if (!strcmp(a, "--model"))
			seed_model(v);
		else if (!strcmp(a, "--script"))
			script = v;
		else
			usage();
	}
	if (!port_file || !log_path)
		usage();
	if (script)
		parse_script(script);
	log_file = fopen(log_path, "a");
	if (!log_file)
		die("%s: %s", log_path, strerror(errno));

	/* Blocked before MHD starts its threads, so only sigwait() sees them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* A test that dies without stop_mockreg must not leave us running. */
	if (die_with_parent && (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() == 1))
		die("parent gone");

	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = 0;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* A thread per connection: a delayed request blocks only its own. */
	d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
			     0, NULL, NULL, on_request, NULL,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
			     MHD_OPTION_END);
	if (!d)
		die("cannot start the HTTP server on 127.0.0.1");
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (!info || !info->port)
		die("cannot read the bound port");
	write_port_file(port_file, info->port);

	while (sigwait(&sigs, &sig) != 0)
		;
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);
	MHD_stop_daemon(d);

	fclose(log_file);
	cJSON_Delete(models);
	cJSON_Delete(webhooks);
	for (i = 0; i < nrules; i++) {
		free(rules[i].method);
		free(rules[i].prefix);
		free(rules[i].arg);
	}
	free(rules);
	free(basic_b64);
	return 0;
}
