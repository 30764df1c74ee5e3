/*
 * Finding the first invalid UTF-8 byte (or NUL byte) in a large buffer.
 * Data files are mostly ASCII, so 32 bytes at a time are checked for any
 * high bit (or zero byte) first (AVX2 where the CPU has it, 8 at a time
 * otherwise) and only blocks with non-ASCII bytes are decoded.
 */
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_AVX2_PATH 1
#endif

#include "reader.h"
#include "text.h"

/* Length of the valid sequence at p (limit bytes available), or 0. */
static size_t sequence(const unsigned char *p, size_t avail)
{
	unsigned c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return avail >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (avail < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && p[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && p[1] >= 0xa0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (avail < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && p[1] < 0x90)
			return 0;
		if (c == 0xf4 && p[1] >= 0x90)
			return 0; /* above U+10FFFF */
		return 4;
	}
	return 0;
}

/*
 * 1 when the 8 bytes at p are ASCII; with `nul`, ASCII but not NUL. A zero
 * byte borrows into its own high bit in w - 0x01..01; a high bit is one.
 */
static inline int plain8(const char *p, int nul)
{
	uint64_t w;

	memcpy(&w, p, 8);
	if (nul)
		w |= w - 0x0101010101010101ull;
	return !(w & 0x8080808080808080ull);
}

#ifdef HAVE_AVX2_PATH
__attribute__((target("avx2"))) static size_t skip_plain_avx2(const char *buf, size_t i, size_t to,
							       int nul)
{
	const __m256i zero = _mm256_setzero_si256();

	while (i + 32 <= to) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(buf + i));

		if (nul)
			x = _mm256_or_si256(x, _mm256_cmpeq_epi8(x, zero));
		if (_mm256_movemask_epi8(x))
			break;
		i += 32;
	}
	return i;
}
#endif

/*
 * The first invalid byte in buf[from..to), and with `nul` the first NUL
 * too, in one pass: the NUL test costs one compare per 32 bytes (AVX2) or
 * a subtraction per 8, on the runs of ASCII that data files are made of.
 * Inlined into each caller with `nul` a constant.
 */
static inline __attribute__((always_inline)) size_t find_bad(const char *buf, size_t from,
							       size_t to, int nul)
{
	const unsigned char *u = (const unsigned char *)buf;
	size_t i = from;
#ifdef HAVE_AVX2_PATH
	int avx2 = strcmp(mlg_csvscan_simd(), "avx2") == 0;
#endif

	while (i < to) {
#ifdef HAVE_AVX2_PATH
		if (avx2)
			i = skip_plain_avx2(buf, i, to, nul);
#endif
		while (i + 8 <= to && plain8(buf + i, nul))
			i += 8;
		if (i >= to)
			break;
		if (u[i] < 0x80) {
			if (nul && !u[i])
				return i;
			i++;
			continue;
		}
		{
			size_t n = sequence(u + i, to - i);

			if (!n)
				return i;
			i += n;
		}
	}
	return to;
}

size_t mlg_utf8_find_invalid(const char *buf, size_t from, size_t to)
{
	return find_bad(buf, from, to, 0);
}

size_t mlg_utf8_find_invalid_or_nul(const char *buf, size_t from, size_t to)
{
	return find_bad(buf, from, to, 1);
}

size_t mlg_utf8_complete_end(const char *buf, size_t from, size_t to)
{
	const unsigned char *u = (const unsigned char *)buf;
	size_t i = to;

	/* back over at most 3 continuation bytes to a lead byte */
	while (i > from && to - i < 3 && (u[i - 1] & 0xc0) == 0x80)
		i--;
	if (i > from && u[i - 1] >= 0xc0) {
		unsigned c = u[i - 1];
		size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

		if (to - (i - 1) < need)
			return i - 1;
	}
	return to;
}
