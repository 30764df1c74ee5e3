/*
 * libFuzzer target for the text recognisers of data.pattern and data.pii
 * (runner/textmatch.c) and the UTF-8 scanning of runner/utf8scan.c and
 * runner/text.c. Cells are data nobody checked, so every function runs on
 * the whole input, never NUL-terminated, and is checked against a plain
 * reference where one is short to write:
 *  - UTF-8: characters and invalid bytes counted by a decoder written
 *    from the Unicode standard's definition (code point ranges, not byte
 *    tables); the first invalid byte; mlg_text_is_utf8();
 *  - UUIDs, Luhn, dotted-quad IPv4 and IPv6 (glibc's inet_pton), ISO dates
 *    (mlg_parse_date) against references;
 *  - personal data: matches in order, inside the text, not overlapping;
 *    each one recognised on its own by the whole-value function of its
 *    kind; its mask NUL-terminated in the size given and, for a match of
 *    6 bytes or more, not the match itself.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/textmatch.h"
#include "mlgate/value.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MATCHES 64

/* The valid UTF-8 sequence at s[0..n): its length, or 0 (Unicode 3.9, D92). */
static size_t ref_sequence(const uint8_t *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000))
		return 0; /* overlong */
	if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

static void check_utf8(const uint8_t *s, size_t n)
{
	size_t chars = 0, invalid = 0, first_bad = n, got_invalid = 0;

	for (size_t i = 0; i < n;) {
		size_t k = ref_sequence(s + i, n - i);

		chars++;
		if (!k) {
			if (first_bad == n)
				first_bad = i;
			invalid++;
			k = 1;
		}
		i += k;
	}
	if (mlg_textmatch_utf8_chars((const char *)s, n, &got_invalid) != chars || got_invalid != invalid)
		abort();
	if (mlg_utf8_find_invalid((const char *)s, 0, n) != first_bad)
		abort();
	{
		size_t end = mlg_utf8_complete_end((const char *)s, 0, n);

		if (end > n || n - end > 3)
			abort();
	}
	if (!memchr(s, 0, n)) {
		char *copy = malloc(n + 1);

		if (!copy)
			return;
		memcpy(copy, s, n);
		copy[n] = '\0';
		if (mlg_text_is_utf8(copy) != (first_bad == n))
			abort();
		free(copy);
	}
}

static int hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int ref_uuid(const char *s, size_t n)
{
	if (n != 36)
		return 0;
	for (size_t i = 0; i < 36; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-' : !hex(s[i]))
			return 0;
	return 1;
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int ref_luhn(const char *s, size_t n)
{
	unsigned sum = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[n - 1 - i] - '0');

		if (i % 2)
			d = d * 2 > 9 ? d * 2 - 9 : d * 2;
		sum += d;
	}
	return sum % 10 == 0;
}

/* inet_pton on a C-string copy; -1 when the text holds a NUL (no answer). */
static int ref_inet(int af, const char *s, size_t n)
{
	unsigned char addr[16];
	char buf[64];

	if (n >= sizeof(buf) || memchr(s, 0, n))
		return n >= sizeof(buf) ? 0 : -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(af, buf, addr) == 1;
}

static int whole(enum mlg_pii_kind kind, const char *s, size_t n)
{
	switch (kind) {
	case MLG_PII_EMAIL:
		return mlg_textmatch_email(s, n);
	case MLG_PII_PHONE:
		return mlg_textmatch_phone(s, n);
	case MLG_PII_CARD:
		return mlg_textmatch_card(s, n);
	case MLG_PII_IBAN:
		return mlg_textmatch_iban(s, n);
	case MLG_PII_IP:
		return mlg_textmatch_ipv4(s, n) || mlg_textmatch_ipv6(s, n);
	default:
		return 0;
	}
}

static void check_pii(const char *s, size_t n)
{
	struct mlg_pii_match m[MAX_MATCHES];
	size_t count = mlg_textmatch_pii(s, n, m, MAX_MATCHES), end = 0;

	for (size_t i = 0; i < count && i < MAX_MATCHES; i++) {
		char mask[64], tiny[4];
		char *match;

		if ((int)m[i].kind < 0 || m[i].kind >= MLG_PII_KINDS || !m[i].len ||
		    m[i].start < end || m[i].start + m[i].len > n)
			abort(); /* out of order, overlapping or outside */
		end = m[i].start + m[i].len;
		if (!whole(m[i].kind, s + m[i].start, m[i].len))
			abort(); /* found inside, not recognised alone */
		if (mlg_textmatch_pii_from_name(mlg_textmatch_pii_name(m[i].kind)) != (int)m[i].kind)
			abort();
		mlg_textmatch_mask(m[i].kind, s + m[i].start, m[i].len, mask, sizeof(mask));
		mlg_textmatch_mask(m[i].kind, s + m[i].start, m[i].len, tiny, sizeof(tiny));
		if (!memchr(mask, 0, sizeof(mask)) || !memchr(tiny, 0, sizeof(tiny)))
			abort();
		match = malloc(m[i].len + 1);
		if (!match)
			abort();
		memcpy(match, s + m[i].start, m[i].len);
		match[m[i].len] = '\0';
		if (m[i].len >= 6 && !memchr(match, 0, m[i].len) && strstr(mask, match))
			abort(); /* the mask shows it all */
		free(match);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	int64_t days;
	int ref;

	check_utf8(data, size);
	if (mlg_textmatch_uuid(s, size) != ref_uuid(s, size))
		abort();
	if (size && all_digits(s, size) && mlg_textmatch_luhn(s, size) != ref_luhn(s, size))
		abort();
	if ((ref = ref_inet(AF_INET, s, size)) >= 0 && mlg_textmatch_ipv4(s, size) != ref)
		abort();
	if ((ref = ref_inet(AF_INET6, s, size)) >= 0 && mlg_textmatch_ipv6(s, size) != ref)
		abort();
	if (mlg_textmatch_iso_date(s, size) != (mlg_parse_date(s, size, &days) == 0))
		abort();
	mlg_textmatch_email(s, size);
	mlg_textmatch_url(s, size);
	mlg_textmatch_card(s, size);
	mlg_textmatch_iban(s, size);
	mlg_textmatch_phone(s, size);
	check_pii(s, size);
	return 0;
}
