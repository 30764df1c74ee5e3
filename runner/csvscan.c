/*
 * The CSV tokenizer of the scan engine: RFC 4180 records from memory into
 * batches of cells, with no allocation per row (cells point into the
 * input; only quoted cells with doubled quotes are copied).
 *
 * Most of the time goes into finding the next delimiter or line break of
 * an unquoted field. On x86-64 CPUs with AVX2 (picked at run time, so one
 * binary runs on every runner) 32 bytes are compared at once; elsewhere a
 * table lookup per byte does it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_AVX2_PATH 1
#endif

#include "reader.h"
#include "util.h"

/*
 * Positions of the bytes that end an unquoted field (delimiter, CR, LF) in
 * the 64 bytes from `base`, as a bit mask: computed once per 64 bytes and
 * consumed field after field.
 */
struct special_cache {
	size_t base;
	uint64_t mask;
};

static size_t next_special_scalar(const char *buf, size_t pos, size_t len, char delim)
{
	while (pos < len) {
		char c = buf[pos];

		if (c == delim || c == '\n' || c == '\r')
			break;
		pos++;
	}
	return pos;
}

static inline size_t next_special_generic(struct special_cache *cache, const char *buf, size_t pos,
					  size_t len, char delim)
{
	(void)cache;
	return next_special_scalar(buf, pos, len, delim);
}

#define SCAN_FN scan_generic
#define NEXT_SPECIAL next_special_generic
#define SCAN_ATTR
#include "csvscan_body.h"
#undef SCAN_FN
#undef NEXT_SPECIAL
#undef SCAN_ATTR

#ifdef HAVE_AVX2_PATH
__attribute__((target("avx2"))) static inline uint64_t special_mask_avx2(const char *p, char delim)
{
	const __m256i vd = _mm256_set1_epi8(delim);
	const __m256i vn = _mm256_set1_epi8('\n');
	const __m256i vr = _mm256_set1_epi8('\r');
	__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)p);
	__m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
	__m256i ma = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(a, vd), _mm256_cmpeq_epi8(a, vn)),
				     _mm256_cmpeq_epi8(a, vr));
	__m256i mb = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(b, vd), _mm256_cmpeq_epi8(b, vn)),
				     _mm256_cmpeq_epi8(b, vr));

	return (uint64_t)(uint32_t)_mm256_movemask_epi8(ma) |
	       ((uint64_t)(uint32_t)_mm256_movemask_epi8(mb) << 32);
}

__attribute__((target("avx2"))) static inline size_t
next_special_avx2(struct special_cache *cache, const char *buf, size_t pos, size_t len, char delim)
{
	uint64_t m;

	if (pos < cache->base || pos - cache->base >= 64) {
		/* out of the cached block (or none yet): start one at pos */
		if (pos + 64 > len)
			return next_special_scalar(buf, pos, len, delim);
		cache->base = pos;
		cache->mask = special_mask_avx2(buf + pos, delim);
	}
	m = cache->mask & (~0ull << (pos - cache->base));
	while (!m) {
		cache->base += 64;
		if (cache->base + 64 > len) {
			size_t from = cache->base;

			cache->base = (size_t)-1;
			return next_special_scalar(buf, from, len, delim);
		}
		cache->mask = m = special_mask_avx2(buf + cache->base, delim);
	}
	return cache->base + (size_t)__builtin_ctzll(m);
}

#define SCAN_FN scan_avx2
#define NEXT_SPECIAL next_special_avx2
#define SCAN_ATTR __attribute__((target("avx2")))
#include "csvscan_body.h"
#undef SCAN_FN
#undef NEXT_SPECIAL
#undef SCAN_ATTR
#endif

/*
 * Which splitter to use is asked once per part by every scanning thread, so
 * the answer is shared without a lock: the override is an atomic (tests set
 * and reset it), and the CPU is probed once (pthread_once) because
 * __builtin_cpu_init() writes libgcc's globals.
 */
static atomic_int force_generic = -1; /* -1: not decided yet (MLGATE_SIMD is read) */

void mlg_csvscan_force_generic(int on)
{
	atomic_store_explicit(&force_generic, on, memory_order_relaxed);
}

#ifdef HAVE_AVX2_PATH
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;
static int cpu_avx2;

static void probe_cpu(void)
{
	__builtin_cpu_init();
	cpu_avx2 = __builtin_cpu_supports("avx2");
}
#endif

static int use_avx2(void)
{
#ifdef HAVE_AVX2_PATH
	int force = atomic_load_explicit(&force_generic, memory_order_relaxed);

	if (force < 0) {
		const char *e = getenv("MLGATE_SIMD");
		int expected = -1;

		/* Threads that race here all read the same variable; the first
		 * store wins, and a concurrent force_generic() call is kept. */
		force = e && !strcmp(e, "generic");
		if (!atomic_compare_exchange_strong_explicit(&force_generic, &expected, force,
							     memory_order_relaxed, memory_order_relaxed))
			force = expected;
	}
	if (force)
		return 0;
	pthread_once(&cpu_once, probe_cpu);
	return cpu_avx2;
#else
	return 0;
#endif
}

const char *mlg_csvscan_simd(void)
{
	return use_avx2() ? "avx2" : "generic";
}

size_t mlg_csvscan(const struct mlg_csv_dialect *d, const char *buf, size_t len, size_t pos,
		   size_t stop, int final, uint64_t base, struct mlg_batch_impl *b,
		   mlg_batch_sink sink, void *payload, struct mlg_part_result *res)
{
#ifdef HAVE_AVX2_PATH
	if (use_avx2())
		return scan_avx2(d, buf, len, pos, stop, final, base, b, sink, payload, res);
#endif
	return scan_generic(d, buf, len, pos, stop, final, base, b, sink, payload, res);
}

uint64_t mlg_csvscan_count_quotes(char quote, const char *buf, size_t from, size_t to)
{
	uint64_t n = 0;
	const char *p = buf + from, *end = buf + to;

	/* quotes are rare in big files: memchr skips the rest at memory speed */
	while (p < end && (p = memchr(p, quote, (size_t)(end - p)))) {
		n++;
		p++;
	}
	return n;
}

size_t mlg_csvscan_boundary(const struct mlg_csv_dialect *d, const char *buf, size_t len,
			    size_t pos, int in_quotes)
{
	/* a record starts right after a line break that is outside quotes */
	while (pos < len) {
		char c = buf[pos];

		if (c == d->quote) {
			in_quotes = !in_quotes;
		} else if (!in_quotes && (c == '\n' || c == '\r')) {
			pos++;
			if (c == '\r' && pos < len && buf[pos] == '\n')
				pos++;
			return pos;
		}
		pos++;
	}
	return len;
}
