/* Latency statistics: nearest-rank percentiles and a histogram (see include/mlgate/latency.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/latency.h"

/* Upper bounds of the finite buckets, in ms: 1-2-5 steps, as Prometheus'
 * exponential defaults, from 1 ms (a local call) to 10 s (a timeout). */
static const int64_t bucket_le_ms[MLG_LATENCY_BUCKETS - 1] = {
	1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000
};

int64_t mlg_latency_bucket_le_us(size_t i)
{
	return i < MLG_LATENCY_BUCKETS - 1 ? bucket_le_ms[i] * 1000 : INT64_MAX;
}

size_t mlg_latency_bucket(int64_t us)
{
	size_t i = 0;

	while (i < MLG_LATENCY_BUCKETS - 1 && us > bucket_le_ms[i] * 1000)
		i++;
	return i;
}

int64_t mlg_latency_percentile(const int64_t *sorted, size_t n, double p)
{
	double k = p * (double)n / 100.0;
	size_t rank;

	/* p * n / 100 is exact for whole percents; the slack only keeps a
	 * decimal p (99.9) that lands a hair above a whole rank from moving
	 * one rank up. */
	k = ceil(k - k * 1e-12);
	rank = k < 1 ? 1 : k > (double)n ? n : (size_t)k;
	return sorted[rank - 1];
}

static int cmp_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

void mlg_latency_summarize(struct mlg_latency_summary *out, int64_t *us, size_t n)
{
	int64_t sum = 0;

	memset(out, 0, sizeof(*out));
	if (!n)
		return;
	qsort(us, n, sizeof(*us), cmp_int64);
	for (size_t i = 0; i < n; i++) {
		/* At most 10^7 requests of at most days each: no overflow. */
		sum += us[i];
		out->buckets[mlg_latency_bucket(us[i])]++;
	}
	out->count = n;
	out->min_us = us[0];
	out->max_us = us[n - 1];
	out->p50_us = mlg_latency_percentile(us, n, 50);
	out->p95_us = mlg_latency_percentile(us, n, 95);
	out->p99_us = mlg_latency_percentile(us, n, 99);
	out->mean_us = (double)sum / (double)n;
}

const char *mlg_latency_format_ms(int64_t us, char buf[32])
{
	double ms = (double)us / 1000.0;
	int decimals = ms >= 1000 ? 0 : ms >= 100 ? 1 : ms >= 10 ? 2 : 3;
	char *dot;
	size_t len;

	snprintf(buf, 32, "%.*f", decimals, ms);
	dot = strchr(buf, '.');
	if (dot) {
		len = strlen(buf);
		while (len > 0 && buf[len - 1] == '0')
			buf[--len] = '\0';
		if (buf[len - 1] == '.')
			buf[--len] = '\0';
	}
	return buf;
}
