/*
 * modelsrv: a test double of a TensorFlow Serving model server (REST API),
 * for mlgate's end-to-end tests of checks that call a served model
 * (latency, smoke predictions, error rates).
 *
 * It follows the published REST API shapes
 * (https://www.tensorflow.org/tfx/serving/api_rest):
 *   GET  /v1/models/NAME[/versions/1]           model status
 *   POST /v1/models/NAME[/versions/1]:predict   {"instances": [...]} ->
 *        {"predictions": [...]}, or {"inputs": ...} -> {"outputs": ...}
 * with errors as {"error": "..."} (400 bad request, 404 unknown model).
 * The model is linear: prediction = bias + sum(w_i * x_i), the weights
 * cycling when shorter than the instance.
 * Not TF Serving, for the tests:
 *   GET  /_stats   {"requests", "failed", "slow", "max_concurrent"} over the
 *                  predict requests (never logged)
 * Faults are deterministic by the predict request's sequence number n
 * (1-based, over every predict request): every one sleeps --delay-ms, or
 * --slow-ms when n % --slow-every == 0; it answers --fail-status when
 * n % --fail-every == 0. usage() has the command line.
 */
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
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <microhttpd.h>

#define MODELS_PREFIX "/v1/models/"
#define MAX_BODY (16u << 20)
#define MAX_WEIGHTS 4096

/* One request being received: MHD hands the body over in pieces. */
struct req {
	char *body;
	size_t len, cap;
	int too_big;
};

/* The answer to one request, built by the handlers and sent by finish(). */
struct reply {
	unsigned status;
	char *body; /* malloc'd JSON */
	long n; /* predict sequence number, 0 for other requests */
	long delay_ms; /* slept before answering */
};

/* Set once at startup. */
static const char *opt_model = "fraud";
static double weights[MAX_WEIGHTS] = { 1 };
static size_t nweights = 1;
static double opt_bias;
static long opt_delay_ms, opt_slow_every, opt_slow_ms, opt_fail_every;
static unsigned opt_fail_status = 500;
static FILE *log_file;

/* Shared by the connection threads: take `lock`. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake; /* on CLOCK_MONOTONIC, set up in main() */
static int stopping;
static long nrequests, nfailed, nslow, in_flight, max_in_flight;

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("modelsrv: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
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

/* ---- replies ---- */

/* Takes ownership of obj. */
static void reply_json(struct reply *rp, unsigned status, cJSON *obj)
{
	free(rp->body);
	rp->status = status;
	rp->body = obj ? cJSON_PrintUnformatted(obj) : NULL;
	cJSON_Delete(obj);
	if (!rp->body)
		die("out of memory");
}

/* TF Serving's error body: {"error": "message"}. */
static void reply_error(struct reply *rp, unsigned status, const char *fmt, ...)
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
	cJSON_AddStringToObject(obj, "error", msg);
	free(msg);
	reply_json(rp, status, obj);
}

/* Logs under the lock, flushed, so a client that got its answer always
 * finds its line already there. */
static void log_request(const char *method, const char *url, const struct reply *rp)
{
	cJSON *line;
	char *text;

	if (!log_file)
		return;
	line = cJSON_CreateObject();
	cJSON_AddStringToObject(line, "method", method);
	cJSON_AddStringToObject(line, "path", url);
	cJSON_AddNumberToObject(line, "status", rp->status);
	cJSON_AddNumberToObject(line, "delay_ms", (double)rp->delay_ms);
	if (rp->n)
		cJSON_AddNumberToObject(line, "n", (double)rp->n);
	text = cJSON_PrintUnformatted(line);
	cJSON_Delete(line);
	if (!text)
		die("out of memory");
	pthread_mutex_lock(&lock);
	fprintf(log_file, "%s\n", text);
	fflush(log_file);
	pthread_mutex_unlock(&lock);
	free(text);
}

/* ---- the model ---- */

static const char *json_type(const cJSON *v)
{
	if (cJSON_IsNumber(v))
		return "Number";
	if (cJSON_IsString(v))
		return "String";
	if (cJSON_IsBool(v))
		return "Bool";
	if (cJSON_IsNull(v))
		return "Null";
	if (cJSON_IsArray(v))
		return "Array";
	return "Object";
}

/*
 * One instance: a number, a list of numbers, or {"x": [...]} (a named
 * input). Returns 0 with *out set, or -1 with a message in err.
 */
static int predict_one(const cJSON *inst, double *out, char *err, size_t errlen)
{
	const cJSON *x = inst, *it;
	double sum = opt_bias;
	size_t i = 0;

	if (cJSON_IsObject(inst)) {
		x = cJSON_GetObjectItemCaseSensitive(inst, "x");
		if (!x) {
			snprintf(err, errlen, "Missing named input: x in instance object");
			return -1;
		}
	}
	if (cJSON_IsNumber(x)) {
		*out = opt_bias + weights[0] * x->valuedouble;
		return 0;
	}
	if (!cJSON_IsArray(x)) {
		snprintf(err, errlen, "Type: %s is not of expected type: float", json_type(x));
		return -1;
	}
	cJSON_ArrayForEach(it, x) {
		if (!cJSON_IsNumber(it)) {
			snprintf(err, errlen, "JSON Value at index %zu, Type: %s is not of expected type: float",
				 i, json_type(it));
			return -1;
		}
		sum += weights[i % nweights] * it->valuedouble;
		i++;
	}
	*out = sum;
	return 0;
}

/* Predictions for a batch (an array of instances). NULL and a 400 in rp on
 * a bad instance; the caller owns the array. */
static cJSON *predict_batch(const cJSON *batch, const char *what, struct reply *rp)
{
	cJSON *preds = cJSON_CreateArray();
	const cJSON *inst;
	int i = 0;

	cJSON_ArrayForEach(inst, batch) {
		char err[256];
		double y;

		if (predict_one(inst, &y, err, sizeof err) < 0) {
			reply_error(rp, 400, "Failed to process element: %d of '%s' list. Error: Invalid argument: %s",
				    i, what, err);
			cJSON_Delete(preds);
			return NULL;
		}
		cJSON_AddItemToArray(preds, cJSON_CreateNumber(y));
		i++;
	}
	return preds;
}

/* The predict body, as TF Serving checks it (same order, same messages). */
static void predict(const struct req *r, struct reply *rp)
{
	const char *end = NULL;
	cJSON *doc, *out = NULL;
	const cJSON *instances, *inputs;

	doc = cJSON_ParseWithLengthOpts(r->body ? r->body : "", r->len, &end, 0);
	if (!doc) {
		size_t at = r->body && end ? (size_t)(end - r->body) : 0;

		reply_error(rp, 400, "JSON Parse error: Invalid value. at offset: %zu", at);
		return;
	}
	if (!cJSON_IsObject(doc)) {
		reply_error(rp, 400, "JSON Parse error: The document root must be an object. at offset: 0");
		goto done;
	}
	instances = cJSON_GetObjectItemCaseSensitive(doc, "instances");
	inputs = cJSON_GetObjectItemCaseSensitive(doc, "inputs");
	if (instances && inputs) {
		reply_error(rp, 400,
			    "Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist");
	} else if (instances) {
		cJSON *preds;

		if (!cJSON_IsArray(instances)) {
			reply_error(rp, 400, "Excepting 'instances' to be an list/array");
		} else if (!cJSON_GetArraySize(instances)) {
			reply_error(rp, 400, "No values in 'instances' array");
		} else if ((preds = predict_batch(instances, "instances", rp))) {
			out = cJSON_CreateObject();
			cJSON_AddItemToObject(out, "predictions", preds);
		}
	} else if (inputs) {
		/* Columnar: the tensor itself or {"x": tensor}; a scalar answers
		 * a scalar, a list a list. */
		const cJSON *t = inputs;
		cJSON *outputs = NULL;
		char err[256];
		double y;

		if (cJSON_IsObject(inputs)) {
			t = cJSON_GetObjectItemCaseSensitive(inputs, "x");
			if (!t) {
				reply_error(rp, 400, "Missing named input: x in 'inputs' object.");
				goto done;
			}
		}
		if (cJSON_IsArray(t)) {
			outputs = predict_batch(t, "inputs", rp);
		} else if (predict_one(t, &y, err, sizeof err) == 0) {
			outputs = cJSON_CreateNumber(y);
		} else {
			reply_error(rp, 400, "Invalid argument: %s", err);
		}
		if (outputs) {
			out = cJSON_CreateObject();
			cJSON_AddItemToObject(out, "outputs", outputs);
		}
	} else {
		reply_error(rp, 400, "Missing 'inputs' or 'instances' key");
	}
	if (out)
		reply_json(rp, 200, out);
done:
	cJSON_Delete(doc);
}

/* ---- faults ---- */

/* Sleeps, but wakes early on shutdown so SIGTERM is never held up. */
static void sleep_ms(long ms)
{
	struct timespec until;

	if (ms <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&lock);
	while (!stopping && pthread_cond_timedwait(&wake, &lock, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&lock);
}

/* ---- routing ---- */

/*
 * Splits "/v1/models/NAME[/versions/V][:VERB]" into its parts (pointers
 * into buf, which is a copy of url). 0 when the path is not of that shape.
 */
static int parse_model_path(char *buf, char **name, char **version, char **verb)
{
	char *p, *colon;

	if (strncmp(buf, MODELS_PREFIX, strlen(MODELS_PREFIX)))
		return 0;
	*name = buf + strlen(MODELS_PREFIX);
	*version = NULL;
	*verb = NULL;
	colon = strrchr(*name, ':');
	if (colon) {
		*colon = '\0';
		*verb = colon + 1;
	}
	p = strchr(*name, '/');
	if (p) {
		*p++ = '\0';
		if (strncmp(p, "versions/", 9) || !p[9] || strchr(p + 9, '/'))
			return 0;
		*version = p + 9;
	}
	return **name != '\0';
}

/* 404 as TF Serving words it, with the servable request it looked for. */
static int check_servable(const char *name, const char *version, struct reply *rp)
{
	if (!strcmp(name, opt_model) && (!version || !strcmp(version, "1")))
		return 1;
	if (version)
		reply_error(rp, 404, "Servable not found for request: Specific(%s, %s)", name, version);
	else
		reply_error(rp, 404, "Servable not found for request: Latest(%s)", name);
	return 0;
}

static void serve_status(struct reply *rp)
{
	cJSON *out = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(out, "model_version_status");
	cJSON *v = cJSON_CreateObject();
	cJSON *st;

	cJSON_AddStringToObject(v, "version", "1");
	cJSON_AddStringToObject(v, "state", "AVAILABLE");
	st = cJSON_AddObjectToObject(v, "status");
	cJSON_AddStringToObject(st, "error_code", "OK");
	cJSON_AddStringToObject(st, "error_message", "");
	cJSON_AddItemToArray(list, v);
	reply_json(rp, 200, out);
}

/* Every predict request gets the next sequence number first, so the
 * faults are fixed by arrival order whatever the body holds. */
static void serve_predict(const char *name, const char *version, const struct req *r, struct reply *rp)
{
	long n, ms = opt_delay_ms;
	int fail, slow;

	pthread_mutex_lock(&lock);
	n = ++nrequests;
	slow = opt_slow_every > 0 && n % opt_slow_every == 0;
	fail = opt_fail_every > 0 && n % opt_fail_every == 0;
	nslow += slow;
	nfailed += fail;
	if (++in_flight > max_in_flight)
		max_in_flight = in_flight;
	pthread_mutex_unlock(&lock);

	if (slow)
		ms = opt_slow_ms;
	rp->n = n;
	rp->delay_ms = ms;
	sleep_ms(ms);
	if (fail)
		reply_error(rp, opt_fail_status, "injected failure");
	else if (r->too_big)
		reply_error(rp, 413, "request body too large");
	else if (check_servable(name, version, rp))
		predict(r, rp);

	pthread_mutex_lock(&lock);
	in_flight--;
	pthread_mutex_unlock(&lock);
}

static void serve_stats(struct reply *rp)
{
	cJSON *out = cJSON_CreateObject();

	pthread_mutex_lock(&lock);
	cJSON_AddNumberToObject(out, "requests", (double)nrequests);
	cJSON_AddNumberToObject(out, "failed", (double)nfailed);
	cJSON_AddNumberToObject(out, "slow", (double)nslow);
	cJSON_AddNumberToObject(out, "max_concurrent", (double)max_in_flight);
	pthread_mutex_unlock(&lock);
	reply_json(rp, 200, out);
}

static void route(const char *method, const char *url, const struct req *r, struct reply *rp)
{
	char *buf = strdup(url);
	char *name, *version, *verb;

	if (!buf)
		die("out of memory");
	if (!parse_model_path(buf, &name, &version, &verb)) {
		reply_error(rp, 404, "Malformed request: %s %s", method, url);
	} else if (!verb && !strcmp(method, "GET")) {
		if (check_servable(name, version, rp))
			serve_status(rp);
	} else if (verb && !strcmp(verb, "predict") && !strcmp(method, "POST")) {
		serve_predict(name, version, r, rp);
	} else {
		reply_error(rp, 404, "Malformed request: %s %s", method, url);
	}
	free(buf);
}

/* ---- MHD glue ---- */

static enum MHD_Result finish(struct MHD_Connection *c, struct reply *rp)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *body = rp->body;

	rp->body = NULL;
	resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	ret = MHD_queue_response(c, rp->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **ctx)
{
	struct req *r = *ctx;
	struct reply rp = { 0 };

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
	if (!strcmp(url, "/_stats") && !strcmp(method, "GET")) {
		serve_stats(&rp);
		return finish(c, &rp);
	}
	route(method, url, r, &rp);
	log_request(method, url, &rp);
	return finish(c, &rp);
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

/* ---- startup ---- */

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

static long parse_long(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		die("%s: expected an integer from %ld to %ld, got '%s'", opt, min, max, s);
	return v;
}

static double parse_double(const char *opt, const char *s, char **endp)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || (!endp && *end))
		die("%s: expected a number, got '%s'", opt, s);
	if (endp)
		*endp = end;
	return v;
}

static void parse_weights(const char *s)
{
	const char *p = s;

	nweights = 0;
	for (;;) {
		char *end;

		if (nweights == MAX_WEIGHTS)
			die("--weights: more than %d weights", MAX_WEIGHTS);
		weights[nweights++] = parse_double("--weights", p, &end);
		if (!*end)
			break;
		if (*end != ',')
			die("--weights: expected numbers separated by commas, got '%s'", s);
		p = end + 1;
	}
}

static void usage(void)
{
	fputs("usage: modelsrv --port-file FILE [--port N] [--log FILE] [--model NAME]\n"
	      "                [--weights W1,W2,...] [--bias B] [--delay-ms D]\n"
	      "                [--slow-every K --slow-ms S] [--fail-every K] [--fail-status CODE]\n"
	      "                [--die-with-parent]\n"
	      "A TensorFlow Serving REST double on 127.0.0.1 (port 0 = any free port; the\n"
	      "port is written to --port-file) serving one linear model (default 'fraud',\n"
	      "weights 1, bias 0), with deterministic delays and failures by predict request\n"
	      "number, GET /_stats, and a request log (--log, JSON lines).\n"
	      "Stops on SIGTERM or SIGINT.\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *port_file = NULL, *log_path = NULL;
	const union MHD_DaemonInfo *info;
	struct sockaddr_in addr;
	struct MHD_Daemon *d;
	pthread_condattr_t cattr;
	sigset_t sigs;
	long port = 0;
	int i, sig, die_with_parent = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--die-with-parent")) {
			die_with_parent = 1;
			continue;
		}
		if (!v || strncmp(a, "--", 2))
			usage();
		i++;
		if (!strcmp(a, "--port-file"))
			port_file = v;
		else if (!strcmp(a, "--port"))
			port = parse_long(a, v, 0, 65535);
		else if (!strcmp(a, "--log"))
			log_path = v;
		else if (!strcmp(a, "--model")) {
			if (!*v || strchr(v, '/') || strchr(v, ':'))
				die("--model: expected a name without '/' or ':', got '%s'", v);
			opt_model = v;
		} else if (!strcmp(a, "--weights"))
			parse_weights(v);
		else if (!strcmp(a, "--bias"))
			opt_bias = parse_double(a, v, NULL);
		else if (!strcmp(a, "--delay-ms"))
			opt_delay_ms = parse_long(a, v, 0, 3600000);
		else if (!strcmp(a, "--slow-every"))
			opt_slow_every = parse_long(a, v, 0, 1000000000);
		else if (!strcmp(a, "--slow-ms"))
			opt_slow_ms = parse_long(a, v, 0, 3600000);
		else if (!strcmp(a, "--fail-every"))
			opt_fail_every = parse_long(a, v, 0, 1000000000);
		else if (!strcmp(a, "--fail-status"))
			opt_fail_status = (unsigned)parse_long(a, v, 100, 599);
		else
			usage();
	}
	if (!port_file)
		usage();
	if (log_path) {
		log_file = fopen(log_path, "a");
		if (!log_file)
			die("%s: %s", log_path, strerror(errno));
	}
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&wake, &cattr);
	pthread_condattr_destroy(&cattr);

	/* Blocked before MHD starts its threads, so only sigwait() sees them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* A test that dies without stop_modelsrv must not leave us running. */
	if (die_with_parent && (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() == 1))
		die("parent gone");

	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* A thread per connection: a delayed request blocks only its own. */
	d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
			     0, NULL, NULL, on_request, NULL,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
			     MHD_OPTION_END);
	if (!d)
		die("cannot listen on 127.0.0.1:%ld", port);
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

	if (log_file)
		fclose(log_file);
	pthread_cond_destroy(&wake);
	return 0;
}
