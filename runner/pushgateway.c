/*
 * Pushing the run's metrics to a Prometheus Pushgateway, grouped by job
 * "mlgate" and the suite's name, so that Grafana can chart model quality
 * and data health run after run.
 */
#include <stdlib.h>
#include <string.h>

#include "mlgate/error.h"
#include "mlgate/http.h"
#include "mlgate/report.h"
#include "util.h"

/* base64url without padding: the Pushgateway's "@base64" label encoding,
 * which carries any suite name (slashes included) in a URL path. */
static char *base64url(const char *s)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	struct mlg_strbuf sb = MLG_STRBUF_INIT;

	for (size_t i = 0; i < n; i += 3) {
		unsigned long v = (unsigned long)p[i] << 16;

		if (i + 1 < n)
			v |= (unsigned long)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		mlg_strbuf_addch(&sb, abc[(v >> 18) & 63]);
		mlg_strbuf_addch(&sb, abc[(v >> 12) & 63]);
		if (i + 1 < n)
			mlg_strbuf_addch(&sb, abc[(v >> 6) & 63]);
		if (i + 2 < n)
			mlg_strbuf_addch(&sb, abc[v & 63]);
	}
	if (!n)
		mlg_strbuf_addch(&sb, '=');
	return mlg_strbuf_detach(&sb);
}

int mlg_report_push_metrics(const struct mlg_run *run, const char *gateway)
{
	struct mlg_http_request req = MLG_HTTP_REQUEST_INIT;
	struct mlg_http_response res;
	static const char *const headers[] = { "Content-Type: text/plain; version=0.0.4" };
	char *body = mlg_report_metrics(run), *suite = base64url(run->suite->name), *url;
	size_t n = strlen(gateway);
	int error = 0;

	while (n && gateway[n - 1] == '/')
		n--;
	url = mlg_xasprintf("%.*s/metrics/job/mlgate/suite@base64/%s", (int)n, gateway, suite);
	req.method = "PUT"; /* replaces the group: no stale series from a previous run */
	req.url = url;
	req.headers = headers;
	req.nheaders = 1;
	req.body = body;
	req.body_len = strlen(body);
	req.max_attempts = 3;
	req.timeout_s = 10;
	if (mlg_http_send(&res, &req) < 0)
		error = MLG_ERROR;
	else if (res.status < 200 || res.status > 299)
		error = mlg_error_set("PUT %s: HTTP %ld: %.200s", url, res.status, res.body ? res.body : "");
	mlg_http_response_release(&res);
	free(url);
	free(suite);
	free(body);
	return error;
}
