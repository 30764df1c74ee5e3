/*
 * promstub: a scripted stand-in for a Prometheus-compatible query API
 * (a proxy in front of Prometheus, Thanos, Mimir...), for the answers a
 * real Prometheus will not give on demand: a refused POST, a 503 then a
 * success, a 200 that is not JSON, warnings, a native histogram.
 *
 *   promstub --port-file FILE --log FILE [--reply STATUS:FILE]... [--no-post]
 *            [--delay SECONDS] [--die-with-parent]
 *
 * Every request (any path) is answered with the next --reply in order, the
 * last one repeating; STATUS is the HTTP status and FILE the body, sent
 * as application/json. --no-post answers a POST with 405 and no reply
 * used, as a server that accepts only GET. --delay holds every answer
 * back that long (a slow query), after logging. Each request is logged as one
 * JSON line: method, path, args (URL query, decoded), headers (names in
 * lower case), body (raw), status. Stops on SIGTERM or SIGINT.
 */
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
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

#define MAX_BODY (1u << 20)
#define MAX_REPLIES 32

struct canned {
	unsigned status;
	char *body;
};

static struct canned replies[MAX_REPLIES];
static size_t nreplies, next_reply;
static int no_post;
static double delay_s;
static atomic_int stopping; /* set by main, polled by the connection threads */
static FILE *log_file;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* One request being received: MHD hands the body over in pieces. */
struct req {
	char *body;
	size_t len;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("promstub: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[4096];

	if (!f)
		die("%s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf = realloc(buf, len + n + 1);
		if (!buf)
			die("out of memory");
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (!buf && !(buf = calloc(1, 1)))
		die("out of memory");
	buf[len] = '\0';
	return buf;
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	char lower[256];
	size_t i;

	(void)kind;
	for (i = 0; key[i] && i + 1 < sizeof lower; i++)
		lower[i] = (char)tolower((unsigned char)key[i]);
	lower[i] = '\0';
	if (!cJSON_GetObjectItemCaseSensitive(cls, lower))
		cJSON_AddStringToObject(cls, lower, value ? value : "");
	return MHD_YES;
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	if (!cJSON_GetObjectItemCaseSensitive(cls, key))
		cJSON_AddStringToObject(cls, key, value ? value : "");
	return MHD_YES;
}

/* Logged (and flushed) before the answer goes out, so a client that got it finds its line. */
static void log_request(struct MHD_Connection *c, const char *method, const char *url, const struct req *r,
			unsigned status)
{
	cJSON *line = cJSON_CreateObject(), *args = cJSON_CreateObject(), *headers = cJSON_CreateObject();
	char *text;

	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, args);
	MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, headers);
	cJSON_AddStringToObject(line, "method", method);
	cJSON_AddStringToObject(line, "path", url);
	cJSON_AddItemToObject(line, "args", args);
	cJSON_AddItemToObject(line, "headers", headers);
	cJSON_AddStringToObject(line, "body", r->body ? r->body : "");
	cJSON_AddNumberToObject(line, "status", status);
	text = cJSON_PrintUnformatted(line);
	fprintf(log_file, "%s\n", text ? text : "{}");
	fflush(log_file);
	cJSON_free(text);
	cJSON_Delete(line);
}

static enum MHD_Result answer(struct MHD_Connection *c, const char *method, const char *url, struct req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	unsigned status;
	const char *body;

	pthread_mutex_lock(&lock);
	if (no_post && !strcmp(method, "POST")) {
		status = 405;
		body = "Method Not Allowed\n";
	} else {
		const struct canned *k = &replies[next_reply];

		if (next_reply + 1 < nreplies)
			next_reply++;
		status = k->status;
		body = k->body;
	}
	log_request(c, method, url, r, status);
	pthread_mutex_unlock(&lock);
	/* in slices, so that SIGTERM is never held up for long */
	for (double waited = 0; waited < delay_s && !atomic_load(&stopping); waited += 0.05)
		nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
	resp = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				status == 405 ? "text/plain" : "application/json");
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **ctx)
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
		char *b;

		*upload_size = 0;
		if (r->len + n > MAX_BODY)
			return MHD_NO;
		b = realloc(r->body, r->len + n + 1);
		if (!b)
			return MHD_NO;
		r->body = b;
		memcpy(r->body + r->len, upload, n);
		r->len += n;
		r->body[r->len] = '\0';
		return MHD_YES;
	}
	return answer(c, method, url, r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **ctx, enum MHD_RequestTerminationCode toe)
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
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		die("%s: %s", tmp, strerror(errno));
	fprintf(f, "%u\n", port);
	if (fclose(f) != 0)
		die("%s: %s", tmp, strerror(errno));
	/* Readers see either no file or the whole line. */
	if (rename(tmp, path) != 0)
		die("%s: %s", path, strerror(errno));
}

static void usage(void)
{
	fputs("usage: promstub --port-file FILE --log FILE [--reply STATUS:FILE]... [--no-post] [--delay SECONDS]\n"
	      "                [--die-with-parent]\n"
	      "Answers every request on 127.0.0.1 (ephemeral port written to --port-file) with the\n"
	      "next --reply (the last repeats); --no-post answers POST with 405; --delay holds each\n"
	      "answer back. Requests are logged\n"
	      "to --log as JSON lines. Stops on SIGTERM or SIGINT.\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *port_file = NULL, *log_path = NULL;
	const union MHD_DaemonInfo *info;
	struct sockaddr_in addr;
	struct MHD_Daemon *d;
	sigset_t sigs;
	int sig, die_with_parent = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--die-with-parent")) {
			die_with_parent = 1;
		} else if (!strcmp(a, "--no-post")) {
			no_post = 1;
		} else if (!v) {
			usage();
		} else if (!strcmp(a, "--port-file")) {
			port_file = argv[++i];
		} else if (!strcmp(a, "--delay")) {
			delay_s = strtod(argv[++i], NULL);
		} else if (!strcmp(a, "--log")) {
			log_path = argv[++i];
		} else if (!strcmp(a, "--reply")) {
			char *end;
			unsigned long status = strtoul(v, &end, 10);

			if (*end != ':' || status < 100 || status > 599 || nreplies == MAX_REPLIES)
				die("--reply wants STATUS:FILE (at most %d), got '%s'", MAX_REPLIES, v);
			replies[nreplies].status = (unsigned)status;
			replies[nreplies++].body = read_file(end + 1);
			i++;
		} else {
			usage();
		}
	}
	if (!port_file || !log_path || !nreplies)
		usage();
	log_file = fopen(log_path, "a");
	if (!log_file)
		die("%s: %s", log_path, strerror(errno));

	/* Blocked before MHD starts its threads, so only sigwait() sees them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* A test that dies before stopping us must not leave us running. */
	if (die_with_parent && (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() == 1))
		die("parent gone");

	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = 0;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0,
			     NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
			     (unsigned)30, MHD_OPTION_END);
	if (!d)
		die("cannot start the HTTP server on 127.0.0.1");
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (!info || !info->port)
		die("cannot read the bound port");
	write_port_file(port_file, info->port);

	while (sigwait(&sigs, &sig) != 0)
		;
	atomic_store(&stopping, 1);
	MHD_stop_daemon(d);
	fclose(log_file);
	for (size_t i = 0; i < nreplies; i++)
		free(replies[i].body);
	return 0;
}
