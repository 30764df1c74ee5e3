/*
 * HTTP calls that can be trusted with a promotion: bounded retries with
 * exponential backoff and jitter on connection errors, 408, 429 and 5xx
 * (honouring Retry-After), none on other 4xx; connect and total timeouts;
 * TLS verification on; redirects only when asked; secrets masked in every
 * message.
 */
#ifndef MLGATE_HTTP_H
#define MLGATE_HTTP_H

#include <signal.h>
#include <stddef.h>

struct mlg_http_request {
	unsigned int version;         /* MLG_HTTP_REQUEST_VERSION */
	const char *method;           /* "GET", "POST", "PUT" ... */
	const char *url;
	const char *const *headers;   /* "Name: value" lines */
	size_t nheaders;
	const char *body;             /* may be NULL */
	size_t body_len;
	const char *ca_file;          /* extra CA bundle for private CAs; NULL: system's */
	int follow_redirects;         /* 0: a 3xx is returned as is */
	double connect_timeout_s;     /* <= 0: 10 s */
	double timeout_s;             /* per attempt; <= 0: 30 s */
	int max_attempts;             /* <= 0: 5 */
	double backoff_s;             /* first delay; doubles each time; <= 0: 1 s */
	double backoff_max_s;         /* cap of a delay, Retry-After included; <= 0: 60 s */
	const char *const *secrets;   /* values never to appear in messages */
	size_t nsecrets;
	volatile sig_atomic_t *cancel; /* non-zero: abort the transfer and stop retrying */
};

#define MLG_HTTP_REQUEST_VERSION 1
#define MLG_HTTP_REQUEST_INIT { MLG_HTTP_REQUEST_VERSION, "GET", NULL, NULL, 0, NULL, 0, NULL, 0, 0, 0, 0, 0, 0, NULL, 0, NULL }

struct mlg_http_response {
	long status;      /* of the last attempt; 0 when no response came */
	char *body;       /* NUL-terminated; owned */
	size_t body_len;
	char *headers;    /* raw header block of the last response; owned */
	int attempts;     /* how many were made */
	double time_s;    /* the last attempt, from its start to its last byte (or its failure) */
};

/**
 * Sends the request, retrying as described above. Returns 0 when a
 * response that is not retryable came (any status: the caller judges it),
 * or MLG_ERROR when every attempt failed to connect or kept answering a
 * retryable status, or MLG_EINTR when req->cancel was set; *out is filled
 * either way and released with mlg_http_response_release(). The message
 * names the URL, never a secret (credentials in the URL are masked too).
 */
int mlg_http_send(struct mlg_http_response *out, const struct mlg_http_request *req);

/** The value of header `name` (case-insensitive) in the response, or NULL; caller frees. */
char *mlg_http_header(const struct mlg_http_response *res, const char *name);

void mlg_http_response_release(struct mlg_http_response *res);

/** A URL for messages: credentials and query values masked; caller frees. */
char *mlg_http_shown_url(const char *url);

/**
 * Seconds to wait as a Retry-After value says: delta-seconds or an
 * HTTP-date (relative to `now`, Unix seconds); -1 when it is neither.
 */
double mlg_http_retry_after(const char *value, double now);

#endif
