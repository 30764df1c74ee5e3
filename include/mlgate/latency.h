/*
 * Statistics of request latencies for load checks (infra.latency).
 *
 * Latencies are whole microseconds. Percentiles are exact, from the sorted
 * values, by the nearest-rank definition: the p-th percentile is the
 * smallest latency that at least p% of the requests did not exceed, i.e.
 * the value of rank ceil(p/100 * n) (1-based). That is what wrk and
 * HdrHistogram report, and it is always a latency that was observed
 * (unlike NumPy's default interpolation, used by mlgate/stats.h for data
 * columns): "p99 <= 200 ms" means 99% of the requests took 200 ms or less.
 *
 * The histogram has fixed, log-spaced buckets as Prometheus client
 * libraries use: upper bounds 1, 2, 5, 10, ... 10000 ms and +Inf. A
 * latency falls in the first bucket whose bound it does not exceed
 * (Prometheus' "le"); counts are per bucket, not cumulative.
 */
#ifndef MLGATE_LATENCY_H
#define MLGATE_LATENCY_H

#include <stddef.h>
#include <stdint.h>

/** Buckets of the histogram, the last one (+Inf) included. */
#define MLG_LATENCY_BUCKETS 14

/** What mlg_latency_summarize() computes. All zero when count is 0. */
struct mlg_latency_summary {
	size_t count;
	int64_t min_us, max_us;
	int64_t p50_us, p95_us, p99_us;
	double mean_us;
	uint64_t buckets[MLG_LATENCY_BUCKETS]; /* per bucket, not cumulative */
};

/**
 * The nearest-rank p-th percentile (0 <= p <= 100) of `n` (> 0) latencies
 * sorted in increasing order; p = 0 gives the smallest.
 */
int64_t mlg_latency_percentile(const int64_t *sorted, size_t n, double p);

/**
 * The inclusive upper bound of histogram bucket `i` in microseconds;
 * INT64_MAX for the last one (+Inf).
 */
int64_t mlg_latency_bucket_le_us(size_t i);

/** The histogram bucket a latency falls in. */
size_t mlg_latency_bucket(int64_t us);

/**
 * Sorts the `n` latencies in `us` in place and summarizes them into *out.
 * Allocates nothing.
 */
void mlg_latency_summarize(struct mlg_latency_summary *out, int64_t *us, size_t n);

/**
 * A latency in milliseconds for messages, into buf: four significant
 * digits at most, never more than microseconds, no exponent and no
 * trailing zeros ("20.51", "213.4", "200", "1235", "0.007").
 */
const char *mlg_latency_format_ms(int64_t us, char buf[32]);

#endif
