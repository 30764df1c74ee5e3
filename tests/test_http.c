/*
 * Unit tests for HTTP with retries (runner/http.c).
 *
 * - mlg_http_retry_after and mlg_http_header, on values and on a
 *   hand-built response;
 * - mlg_http_send against a closed port (connection refused: retried,
 *   then a message naming the URL with its secrets masked) and against a
 *   tiny in-test server: a thread with a listening socket on 127.0.0.1:0
 *   that answers a scripted sequence of raw responses, one per
 *   connection, and records each request it saw.
 *
 * Backoffs are set to hundredths of a second, so the whole program runs
 * in well under a second.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "mlgate/error.h"
#include "mlgate/http.h"
#include "promote_internal.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- Retry-After ---- */

static void retry_after_is(const char *value, double now, double want)
{
	double got = mlg_http_retry_after(value, now);

	if (fabs(got - want) > 1e-9)
		fail_msg("Retry-After '%s' gives %g, want %g", value, got, want);
}

static void imf_fixdate(time_t t, char *buf, size_t size)
{
	struct tm tm;

	assert_non_null(gmtime_r(&t, &tm));
	assert_true(strftime(buf, size, "%a, %d %b %Y %H:%M:%S GMT", &tm) > 0);
}

static void test_retry_after_seconds(void **state)
{
	(void)state;
	retry_after_is("1", 0, 1);
	retry_after_is(" 30 ", 0, 30);
	retry_after_is("0", 0, 0);
	retry_after_is("120", 1e9, 120);
	retry_after_is("soon", 0, -1);
	retry_after_is("", 0, -1);
	retry_after_is("   ", 0, -1);
	retry_after_is("5s", 0, -1);
	retry_after_is("12 34", 0, -1);
	retry_after_is("-5", 0, -1);
	retry_after_is("+5", 0, -1);
}

static void test_retry_after_date(void **state)
{
	char date[64];
	time_t now = time(NULL);

	(void)state;
	imf_fixdate(now + 10, date, sizeof(date));
	retry_after_is(date, (double)now, 10);
	imf_fixdate(now + 3600, date, sizeof(date));
	retry_after_is(date, (double)now, 3600);
	/* A date in the past: no wait. */
	imf_fixdate(now - 100, date, sizeof(date));
	retry_after_is(date, (double)now, 0);
	imf_fixdate(now, date, sizeof(date));
	retry_after_is(date, (double)now, 0);
	/* A fixed one, and the obsolete formats HTTP still accepts. */
	retry_after_is("Sun, 06 Nov 1994 08:49:37 GMT", 784111777.0 - 7, 7);
	retry_after_is("Sunday, 06-Nov-94 08:49:37 GMT", 784111777.0 - 7, 7);
	retry_after_is("Sun Nov  6 08:49:37 1994", 784111777.0 - 7, 7);
}

/*
 * RFC 9110 section 10.2.3: Retry-After = HTTP-date / delay-seconds, and
 * delay-seconds = 1*DIGIT. The header says: -1 when it is neither.
 */
static void test_retry_after_not_delay_seconds(void **state)
{
	(void)state;
	retry_after_is("1.5", 0, -1);
	retry_after_is("1e3", 0, -1);
	retry_after_is("0x10", 0, -1);
}

/* ---- headers ---- */

static char header_block[] = "HTTP/1.1 200 OK\r\n"
			     "Content-Type: application/json\r\n"
			     "Retry-After:  5 \r\n"
			     "X-A: b\r\n"
			     "X-Empty:\r\n"
			     "\r\n";

static void header_is(const struct mlg_http_response *res, const char *name, const char *want)
{
	char *got = mlg_http_header(res, name);

	if (!want) {
		if (got) {
			char copy[256];

			snprintf(copy, sizeof(copy), "%s", got);
			free(got);
			fail_msg("header '%s' is '%s', want none", name, copy);
		}
		return;
	}
	if (!got)
		fail_msg("header '%s' not found, want '%s'", name, want);
	if (strcmp(got, want)) {
		char copy[256];

		snprintf(copy, sizeof(copy), "%s", got);
		free(got);
		fail_msg("header '%s' is '%s', want '%s'", name, copy, want);
	}
	free(got);
}

static void test_header_lookup(void **state)
{
	struct mlg_http_response res;

	(void)state;
	memset(&res, 0, sizeof(res));
	res.status = 200;
	res.headers = header_block;
	header_is(&res, "Content-Type", "application/json");
	header_is(&res, "content-type", "application/json");
	header_is(&res, "CONTENT-TYPE", "application/json");
	header_is(&res, "Retry-After", "5");
	header_is(&res, "retry-after", "5");
	header_is(&res, "X-A", "b");
	header_is(&res, "x-a", "b");
	header_is(&res, "X-Empty", "");
	/* Missing, and names that are only a prefix or an extension of one. */
	header_is(&res, "X-B", NULL);
	header_is(&res, "X", NULL);
	header_is(&res, "Content", NULL);
	header_is(&res, "X-AB", NULL);
	header_is(&res, "HTTP/1.1 200 OK", NULL);
	/* No header block at all. */
	res.headers = NULL;
	header_is(&res, "Content-Type", NULL);
}

/* RFC 9110 section 5.5: a field value excludes leading and trailing whitespace (SP and HTAB). */
static void test_header_trims_tabs(void **state)
{
	struct mlg_http_response res;
	char block[] = "HTTP/1.1 200 OK\r\nX-T:\t v \t\r\n\r\n";

	(void)state;
	memset(&res, 0, sizeof(res));
	res.headers = block;
	header_is(&res, "X-T", "v");
}

/* ---- sending: errors ---- */

/* A port on 127.0.0.1 where nothing listens (bound, read, closed). */
static int closed_port(void)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static void test_send_connection_refused(void **state)
{
	static const char *const secrets[] = { "SEKRET" };
	struct mlg_http_request req = MLG_HTTP_REQUEST_INIT;
	struct mlg_http_response res;
	char url[128], want[128];
	double t0;
	int rc;

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x?token=SEKRET", closed_port());
	req.url = url;
	req.max_attempts = 3;
	req.backoff_s = 0.01;
	req.backoff_max_s = 0.02;
	req.connect_timeout_s = 1;
	req.timeout_s = 2;
	req.secrets = secrets;
	req.nsecrets = 1;
	mlg_error_clear();
	t0 = now_s();
	rc = mlg_http_send(&res, &req);
	assert_true(now_s() - t0 < 1.0);
	assert_int_equal(rc, MLG_ERROR);
	assert_int_equal(res.attempts, 3);
	assert_int_equal(res.status, 0);
	mlg_http_response_release(&res);
	assert_null(res.body);
	assert_null(res.headers);

	snprintf(want, sizeof(want), "GET http://127.0.0.1:%d/x?token=", atoi(strrchr(url, ':') + 1));
	if (!strstr(mlg_error_last(), want))
		fail_msg("message '%s' lacks '%s'", mlg_error_last(), want);
	if (!strstr(mlg_error_last(), "attempt 3 of 3"))
		fail_msg("message '%s' lacks 'attempt 3 of 3'", mlg_error_last());
	if (strstr(mlg_error_last(), "SEKRET"))
		fail_msg("message '%s' shows the secret", mlg_error_last());

	/* max_attempts <= 0 means 5. */
	req.max_attempts = 0;
	req.backoff_s = 0.001;
	req.backoff_max_s = 0.002;
	rc = mlg_http_send(&res, &req);
	assert_int_equal(rc, MLG_ERROR);
	assert_int_equal(res.attempts, 5);
	assert_non_null(strstr(mlg_error_last(), "attempt 5 of 5"));
	mlg_http_response_release(&res);
}

static void test_send_bad_request(void **state)
{
	struct mlg_http_request req = MLG_HTTP_REQUEST_INIT;
	struct mlg_http_response res;
	char url[128];

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", closed_port());
	req.url = url;
	req.version = MLG_HTTP_REQUEST_VERSION + 1;
	memset(&res, 0x5a, sizeof(res));
	assert_int_equal(mlg_http_send(&res, &req), MLG_EINVALID);
	assert_int_equal(res.attempts, 0);
	assert_null(res.body);
	assert_null(res.headers);
	mlg_http_response_release(&res);
	assert_non_null(strstr(mlg_error_last(), "version"));

	/* A scheme other than http(s) is refused at once, never retried. */
	req.version = MLG_HTTP_REQUEST_VERSION;
	snprintf(url, sizeof(url), "ftp://127.0.0.1:%d/x", closed_port());
	req.max_attempts = 3;
	req.backoff_s = 0.01;
	assert_int_equal(mlg_http_send(&res, &req), MLG_ERROR);
	assert_int_equal(res.attempts, 1);
	assert_int_equal(res.status, 0);
	assert_non_null(strstr(mlg_error_last(), "ftp://127.0.0.1:"));
	mlg_http_response_release(&res);
}

/* ---- sending: an in-test server ---- */

#define MAX_CONN 8

struct server {
	int fd, port;
	pthread_t thread;
	const char *const *responses; /* one per connection */
	size_t nresponses;
	atomic_int stop;
	size_t served;
	char request[MAX_CONN][8192];
	size_t request_len[MAX_CONN];
};

/* Reads one request (headers, then Content-Length bytes of body) into buf. */
static size_t read_request(int c, char *buf, size_t size)
{
	size_t len = 0, want = 0;

	for (;;) {
		ssize_t n;
		char *end;

		if (len + 1 >= size)
			break;
		n = recv(c, buf + len, size - 1 - len, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end && !want) {
			const char *cl = strcasestr(buf, "\r\nContent-Length:");

			want = (size_t)(end + 4 - buf) + (cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
		}
		if (want && len >= want)
			break;
	}
	buf[len] = '\0';
	return len;
}

static void *serve(void *arg)
{
	struct server *s = arg;

	while (!atomic_load(&s->stop) && s->served < s->nresponses) {
		struct pollfd p = { s->fd, POLLIN, 0 };
		struct timeval tv = { 2, 0 };
		size_t i = s->served;
		int c;

		if (poll(&p, 1, 10) <= 0)
			continue;
		c = accept(s->fd, NULL, NULL);
		if (c < 0)
			continue;
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (i < MAX_CONN)
			s->request_len[i] = read_request(c, s->request[i], sizeof(s->request[i]));
		else
			(void)read_request(c, s->request[0], sizeof(s->request[0]));
		(void)!write(c, s->responses[i], strlen(s->responses[i]));
		shutdown(c, SHUT_WR);
		close(c);
		s->served++;
	}
	return NULL;
}

static struct server *server_start(const char *const *responses, size_t n)
{
	struct server *s = calloc(1, sizeof(*s));
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int one = 1;

	assert_non_null(s);
	s->responses = responses;
	s->nresponses = n;
	atomic_init(&s->stop, 0);
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->fd >= 0);
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->fd, 8), 0);
	assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &alen), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
	return s;
}

/* Stops the server; its records stay readable until server_free(). */
static void server_stop(struct server *s)
{
	atomic_store(&s->stop, 1);
	pthread_join(s->thread, NULL);
	close(s->fd);
}

/* The server of the running test, stopped and freed before a failure is reported. */
static struct server *live;

#define fail_live(...)                                                                             \
	do {                                                                                       \
		if (live) {                                                                        \
			for (size_t i_ = 0; i_ < live->served && i_ < MAX_CONN; i_++)              \
				print_message("request %zu:\n%s\n", i_, live->request[i_]);       \
			free(live);                                                                \
			live = NULL;                                                               \
		}                                                                                  \
		fail_msg(__VA_ARGS__);                                                             \
	} while (0)

/* Sends `req` (its url set to path on the server) and stops the server. */
static int send_to(const char *const *responses, size_t n, struct mlg_http_request *req, const char *path,
		   struct mlg_http_response *res, double *elapsed)
{
	char url[256];
	double t0;
	int rc;

	live = server_start(responses, n);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", live->port, path);
	req->url = url;
	if (!req->max_attempts)
		req->max_attempts = 3;
	if (!req->backoff_s)
		req->backoff_s = 0.01;
	if (!req->backoff_max_s)
		req->backoff_max_s = 0.02;
	req->connect_timeout_s = 1;
	req->timeout_s = 2;
	t0 = now_s();
	rc = mlg_http_send(res, req);
	if (elapsed)
		*elapsed = now_s() - t0;
	server_stop(live);
	req->url = NULL;
	return rc;
}

static int starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static void end_live(void)
{
	free(live);
	live = NULL;
}

static const char resp_503[] = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\n"
			       "Content-Length: 0\r\nConnection: close\r\n\r\n";
static const char resp_200[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
			       "Connection: close\r\n\r\nok";
static const char resp_404[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found";
static const char resp_429[] = "HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
static const char resp_408[] = "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
static const char resp_302[] = "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n"
			       "Connection: close\r\n\r\n";
static const char resp_503_long[] = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 100\r\n"
				    "Content-Length: 4\r\nConnection: close\r\n\r\nbusy";

static void test_send_retries_then_ok(void **state)
{
	static const char *const script[] = { resp_503, resp_200 };
	static const char *const headers[] = { "X-Custom: yes", "Content-Type: application/json" };
	struct mlg_http_request req = MLG_HTTP_REQUEST_INIT;
	struct mlg_http_response res;
	char *v;
	int rc;

	(void)state;
	req.method = "POST";
	req.headers = headers;
	req.nheaders = 2;
	req.body = "{\"a\":1}";
	req.body_len = 7;
	rc = send_to(script, 2, &req, "/api/v1/thing?x=1", &res, NULL);
	if (rc != 0)
		fail_live("rc %d (%s)", rc, mlg_error_last());
	if (live->served != 2)
		fail_live("the server answered %zu connections, want 2", live->served);
	assert_int_equal(res.attempts, 2);
	assert_int_equal(res.status, 200);
	assert_int_equal(res.body_len, 2);
	assert_string_equal(res.body, "ok");
	/* The headers are the last response's. */
	v = mlg_http_header(&res, "Content-Type");
	assert_non_null(v);
	assert_string_equal(v, "text/plain");
	free(v);
	v = mlg_http_header(&res, "Retry-After");
	assert_null(v);
	mlg_http_response_release(&res);

	/* Both attempts are the same request: method, path, headers, body. */
	for (size_t i = 0; i < 2; i++) {
		const char *r = live->request[i];

		if (!starts_with(r, "POST /api/v1/thing?x=1 HTTP/1.1\r\n"))
			fail_live("request %zu has the wrong request line", i);
		if (!strstr(r, "\r\nX-Custom: yes\r\n") || !strstr(r, "\r\nContent-Type: application/json\r\n"))
			fail_live("request %zu lacks a custom header", i);
		if (!strstr(r, "\r\nUser-Agent: mlgate\r\n"))
			fail_live("request %zu lacks the User-Agent", i);
		if (!strstr(r, "\r\nContent-Length: 7\r\n") || strcmp(strstr(r, "\r\n\r\n") + 4, "{\"a\":1}"))
			fail_live("request %zu lacks the body", i);
		if (strcasestr(r, "\r\nExpect:"))
			fail_live("request %zu has an Expect header", i);
	}
	end_live();
}

static void test_send_404_not_retried(void **state)
{
	static const char *const script[] = { resp_404, resp_200 };
	struct mlg_http_request req = MLG_HTTP_REQUEST_INIT;
	struct mlg_http_response res;
	int rc;

	(void)state;
	rc = send_to(script, 2, &req, "/missing", &res, NULL);
	if (rc != 0)
		fail_live("rc %d (%s)", rc, mlg_error_last());
	if (live->served != 1)
		fail_live("the server answered %zu connections, want 1", live->served);
	assert_int_equal(res.attempts, 1);
	assert_int_equal(res.status, 404);
	assert_string_equal(res.body, "not found");
	if (!starts_with(live->request[0], "GET /missing HTTP/1.1\r\n"))
		fail_live("wrong request line");
	mlg_http_response_release(&res);
	end_live();
}

static void test_send_408_429_retried(void **state)
{
	static const char *const script[] = { resp_429, resp_408, resp_200 };
	struct mlg_http_request req = MLG_HTTP_REQUEST_INIT;
	struct mlg_http_response res;
	double elapsed;
	int rc;

	(void)state;
	req.max_attempts = 5;
	rc = send_to(script, 3, &req, "/", &res, &elapsed);
	if (rc != 0)
		fail_live("rc %d (%s)", rc, mlg_error_last());
	if (live->served != 3)
		fail_live("the server answered %zu connections, want 3", live->served);
	assert_int_equal(res.attempts, 3);
	assert_int_equal(res.status, 200);
	assert_true(elapsed < 1.0);
	mlg_http_response_release(&res);
	end_live();
}

static void test_send_302_returned(void **state)
{
	static const char *const script[] = { resp_302, resp_200 };
	struct mlg_http_request req = MLG_HTTP_REQUEST_INIT;
	struct mlg_http_response res;
	char *loc;
	int rc;

	(void)state;
	req.follow_redirects = 0;
	rc = send_to(script, 2, &req, "/old", &res, NULL);
	if (rc != 0)
		fail_live("rc %d (%s)", rc, mlg_error_last());
	if (live->served != 1)
		fail_live("the server answered %zu connections, want 1", live->served);
	assert_int_equal(res.attempts, 1);
	assert_int_equal(res.status, 302);
	if (!starts_with(live->request[0], "GET /old HTTP/1.1\r\n"))
		fail_live("wrong request line");
	loc = mlg_http_header(&res, "Location");
	assert_non_null(loc);
	assert_string_equal(loc, "/elsewhere");
	free(loc);
	mlg_http_response_release(&res);
	end_live();
}

/* Always a retryable status: MLG_ERROR after max_attempts, the last status kept. */
static void test_send_retryable_exhausted(void **state)
{
	static const char *const secrets[] = { "SEKRET" };
	static const char *const script[] = { resp_503_long, resp_503_long, resp_503_long, resp_200 };
	struct mlg_http_request req = MLG_HTTP_REQUEST_INIT;
	struct mlg_http_response res;
	double elapsed;
	int rc;

	(void)state;
	req.secrets = secrets;
	req.nsecrets = 1;
	req.max_attempts = 3;
	req.backoff_max_s = 0.05; /* caps "Retry-After: 100" */
	rc = send_to(script, 4, &req, "/busy?token=SEKRET", &res, &elapsed);
	if (rc != MLG_ERROR)
		fail_live("rc %d, want MLG_ERROR", rc);
	if (live->served != 3)
		fail_live("the server answered %zu connections, want 3", live->served);
	assert_int_equal(res.attempts, 3);
	assert_int_equal(res.status, 503);
	assert_string_equal(res.body, "busy");
	assert_true(elapsed < 1.0);
	if (!strstr(mlg_error_last(), "HTTP 503 (attempt 3 of 3)") || !strstr(mlg_error_last(), "/busy?token="))
		fail_live("message '%s'", mlg_error_last());
	if (strstr(mlg_error_last(), "SEKRET"))
		fail_live("message '%s' shows the secret", mlg_error_last());
	/* The request itself carried the secret: masking is for messages only. */
	if (!starts_with(live->request[0], "GET /busy?token=SEKRET HTTP/1.1\r\n"))
		fail_live("wrong request line");
	mlg_http_response_release(&res);
	end_live();
}

static void excerpt_is(const char *body, size_t len, const char *want)
{
	struct mlg_http_response res;
	char *got;

	memset(&res, 0, sizeof(res));
	res.body = (char *)body;
	res.body_len = len;
	got = mlg_body_excerpt(&res);
	if (strcmp(got, want)) {
		print_error("mlg_body_excerpt: got '%s', want '%s'\n", got, want);
		free(got);
		fail();
	}
	free(got);
}

/* A registry's answer quoted in a message: one line, and nothing in it a
 * terminal or a CI log acts on (C0, DEL, C1 and bidirectional controls). */
static void test_body_excerpt_escapes_controls(void **state)
{
	static const char hostile[] = "<h1>\x1b[2Kbad\r::add-mask::x\n\x7f \xc2\x9b" "31m "
				      "\xe2\x80\xae" "exe.gnp \xe2\x81\xa6" "x\xe2\x81\xa9 \xe2\x80\xaa\xe2\x80\xac \xff\x00z";
	char big[300];

	(void)state;
	excerpt_is("", 0, "");
	excerpt_is("{\"error_code\": \"X\"}", 19, "{\"error_code\": \"X\"}");
	excerpt_is("caf\xc3\xa9\tok\r\n", 10, "caf\xc3\xa9 ok  ");
	excerpt_is(hostile, sizeof(hostile) - 1,
		   "<h1>\\x1B[2Kbad ::add-mask::x \\x7F \\u009B31m \\u202Eexe.gnp \\u2066x\\u2069 "
		   "\\u202A\\u202C \xef\xbf\xbd\\x00z");
	/* 200 bytes at most, cut between characters: 99 "é" and "..." */
	for (size_t i = 0; i + 1 < sizeof(big); i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	{
		struct mlg_strbuf want = MLG_STRBUF_INIT;

		for (int i = 0; i < 100; i++)
			mlg_strbuf_addstr(&want, "\xc3\xa9");
		mlg_strbuf_addstr(&want, "...");
		excerpt_is(big, sizeof(big), mlg_strbuf_str(&want));
		mlg_strbuf_release(&want);
		/* one byte later: the cut character is left out, not U+FFFD */
		want = (struct mlg_strbuf)MLG_STRBUF_INIT;
		mlg_strbuf_addstr(&want, "x");
		for (int i = 0; i < 99; i++)
			mlg_strbuf_addstr(&want, "\xc3\xa9");
		mlg_strbuf_addstr(&want, "...");
		big[0] = 'x';
		memmove(big + 1, big + 2, sizeof(big) - 2);
		excerpt_is(big, sizeof(big) - 1, mlg_strbuf_str(&want));
		mlg_strbuf_release(&want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retry_after_seconds),
		cmocka_unit_test(test_retry_after_date),
		cmocka_unit_test(test_retry_after_not_delay_seconds),
		cmocka_unit_test(test_header_lookup),
		cmocka_unit_test(test_header_trims_tabs),
		cmocka_unit_test(test_send_connection_refused),
		cmocka_unit_test(test_send_bad_request),
		cmocka_unit_test(test_send_retries_then_ok),
		cmocka_unit_test(test_send_404_not_retried),
		cmocka_unit_test(test_send_408_429_retried),
		cmocka_unit_test(test_send_302_returned),
		cmocka_unit_test(test_send_retryable_exhausted),
		cmocka_unit_test(test_body_excerpt_escapes_controls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
