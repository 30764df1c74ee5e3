/*
 * Recognisers for kinds of text (see include/mlgate/textmatch.h).
 *
 * Hand-written rather than regular expressions: data checks run them on
 * every cell of large files, and a scanner that knows what it looks for
 * (the '@' of an email, the digits of a card) rejects most cells after a
 * glance. The rules lean towards missing an odd form rather than flagging
 * ids, amounts, dates and versions, because a PII check that cries wolf on
 * numeric columns gets switched off.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "mlgate/textmatch.h"

typedef unsigned char uchar;

static int is_digit(unsigned c)
{
	return c - '0' < 10;
}

static int is_alpha(unsigned c)
{
	return (c | 0x20) - 'a' < 26;
}

static int is_upper(unsigned c)
{
	return c - 'A' < 26;
}

static int is_alnum(unsigned c)
{
	return is_digit(c) || is_alpha(c);
}

static int is_hex(unsigned c)
{
	return is_digit(c) || (c | 0x20) - 'a' < 6;
}

/*
 * Classes of ASCII bytes, looked up once per byte on the hot paths:
 * C_ATEXT, what an RFC 5322 dot-atom local part is made of (letters,
 * digits, !#$%&'*+/=?^_`{|}~-); C_LOCAL, the local parts people write in
 * running text (letters, digits, ._%+-: no quotes or braces to swallow);
 * C_DOMAIN, letters, digits and '-'; then letters, digits, upper case, and
 * the marks that tell which scanners can find anything. Bytes from 128
 * are in no class.
 */
enum {
	C_ATEXT = 0x001, C_LOCAL = 0x002, C_DOMAIN = 0x004, C_ALPHA = 0x008, C_DIGIT = 0x010,
	C_UPPER = 0x020, C_AT = 0x040, C_COLON = 0x080, C_DOT = 0x100
};
static const uint16_t cls[256] = {
	0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,
	0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,
	0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,
	0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,
	0x000, 0x001, 0x000, 0x001, 0x001, 0x003, 0x001, 0x001,  /*  !"#$%&'()*+,-./ */
	0x000, 0x000, 0x001, 0x003, 0x000, 0x007, 0x102, 0x001,
	0x017, 0x017, 0x017, 0x017, 0x017, 0x017, 0x017, 0x017,  /* 0-9 :;<=>? */
	0x017, 0x017, 0x080, 0x000, 0x000, 0x001, 0x000, 0x001,
	0x040, 0x02f, 0x02f, 0x02f, 0x02f, 0x02f, 0x02f, 0x02f,  /* @A-O */
	0x02f, 0x02f, 0x02f, 0x02f, 0x02f, 0x02f, 0x02f, 0x02f,
	0x02f, 0x02f, 0x02f, 0x02f, 0x02f, 0x02f, 0x02f, 0x02f,  /* P-Z [\]^_ */
	0x02f, 0x02f, 0x02f, 0x000, 0x000, 0x000, 0x001, 0x003,
	0x001, 0x00f, 0x00f, 0x00f, 0x00f, 0x00f, 0x00f, 0x00f,  /* `a-o */
	0x00f, 0x00f, 0x00f, 0x00f, 0x00f, 0x00f, 0x00f, 0x00f,
	0x00f, 0x00f, 0x00f, 0x00f, 0x00f, 0x00f, 0x00f, 0x00f,  /* p-z {|}~ */
	0x00f, 0x00f, 0x00f, 0x001, 0x001, 0x001, 0x001, 0x000,
};

/* ---- UTF-8 ---- */

/* Length of the valid UTF-8 sequence at p (avail bytes there), or 0. */
static size_t utf8_sequence(const uchar *p, size_t avail)
{
	unsigned c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return avail >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (avail < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0))
			return 0; /* overlong, surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (avail < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
			return 0; /* overlong, above U+10FFFF */
		return 4;
	}
	return 0;
}

size_t mlg_textmatch_utf8_chars(const char *s, size_t len, size_t *invalid)
{
	const uchar *u = (const uchar *)s;
	size_t i = 0, chars = 0, bad = 0;
	uchar any = 0;

	/* cells are mostly ASCII: one branch-free pass says so */
	for (size_t k = 0; k < len; k++)
		any |= u[k];
	if (!(any & 0x80)) {
		if (invalid)
			*invalid = 0;
		return len;
	}
	while (i < len) {
		uint64_t w;
		size_t n;

		if (i + 8 <= len) {
			memcpy(&w, u + i, 8);
			if (!(w & 0x8080808080808080ull)) {
				i += 8;
				chars += 8;
				continue;
			}
		}
		n = utf8_sequence(u + i, len - i);
		if (!n) {
			bad++;
			n = 1;
		}
		i += n;
		chars++;
	}
	if (invalid)
		*invalid = bad;
	return chars;
}

/* ---- emails ---- */

/*
 * A domain of at least two labels of letters, digits and inner hyphens,
 * 1-63 bytes each, ending in an alphabetic top-level label of two letters
 * or more or a punycode one.
 */
static int domain_ok(const uchar *d, size_t n)
{
	size_t start = 0, labels = 0;
	unsigned alpha = C_ALPHA;

	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned c = cls[d[i]];

		if (c & C_DOMAIN) {
			alpha &= c;
			continue;
		}
		if (d[i] != '.' || i == start || i - start > 63 || d[start] == '-' || d[i - 1] == '-')
			return 0;
		labels++;
		start = i + 1;
		alpha = C_ALPHA;
	}
	if (!labels || n == start || n - start > 63 || d[start] == '-' || d[n - 1] == '-')
		return 0;
	if (n - start >= 5 && !memcmp(d + start, "xn--", 4))
		return 1;
	return alpha && n - start >= 2;
}

int mlg_textmatch_email(const char *s, size_t len)
{
	const uchar *u = (const uchar *)s;
	size_t at = 0;

	if (len < 6 || len > 254)
		return 0;
	/* the local part: atext with single dots inside */
	while (at < len && u[at] != '@') {
		if (u[at] == '.') {
			if (at == 0 || u[at - 1] == '.')
				return 0;
		} else if (!(cls[u[at]] & C_ATEXT)) {
			return 0;
		}
		at++;
	}
	if (at == 0 || at == len || at > 64 || u[at - 1] == '.')
		return 0;
	return domain_ok(u + at + 1, len - at - 1);
}

/*
 * The email around the '@' at `at` in running text, or 0; *start and *end
 * bound it. The local part is what [A-Za-z0-9._%+-] reaches to the left,
 * the domain what letters, digits, dots and hyphens reach to the right,
 * less a sentence's final dot.
 */
static int email_around(const uchar *u, size_t n, size_t at, size_t *start, size_t *end)
{
	size_t a = at, b = at + 1;

	/* a dot cannot start the local part nor be doubled: keep what follows */
	while (a > 0 && (cls[u[a - 1]] & C_LOCAL) && !(u[a - 1] == '.' && u[a] == '.'))
		a--;
	while (a < at && u[a] == '.')
		a++;
	if (a == at || at - a > 64 || u[at - 1] == '.')
		return 0;
	while (b < n && (cls[u[b]] & (C_DOMAIN | C_DOT)) && !(u[b] == '.' && u[b - 1] == '.'))
		b++;
	while (b > at + 1 && (u[b - 1] == '.' || u[b - 1] == '-'))
		b--;
	if (!domain_ok(u + at + 1, b - at - 1))
		return 0;
	*start = a;
	*end = b;
	return 1;
}

/* ---- UUIDs and dates ---- */

int mlg_textmatch_uuid(const char *s, size_t len)
{
	if (len != 36)
		return 0;
	for (size_t i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!is_hex((uchar)s[i])) {
			return 0;
		}
	}
	return 1;
}

int mlg_textmatch_iso_date(const char *s, size_t len)
{
	static const uchar days[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const uchar *u = (const uchar *)s;
	unsigned y, m, d;

	if (len != 10 || u[4] != '-' || u[7] != '-')
		return 0;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !is_digit(u[i]))
			return 0;
	y = (u[0] - '0') * 1000u + (u[1] - '0') * 100u + (u[2] - '0') * 10u + (u[3] - '0');
	m = (u[5] - '0') * 10u + (u[6] - '0');
	d = (u[8] - '0') * 10u + (u[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > days[m - 1])
		return 0;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 0;
	return 1;
}

/* ---- IP addresses ---- */

/*
 * Length of the dotted quad at u[0..n), or 0: four octets 0-255 without
 * leading zeros, each a whole run of digits.
 */
static size_t ipv4_prefix(const uchar *u, size_t n)
{
	size_t i = 0;

	for (int octet = 0; octet < 4; octet++) {
		size_t d = 0;
		unsigned v = 0;

		if (octet) {
			if (i >= n || u[i] != '.')
				return 0;
			i++;
		}
		while (i + d < n && is_digit(u[i + d])) {
			if (d == 3)
				return 0;
			v = v * 10 + (u[i + d] - '0');
			d++;
		}
		if (d == 0 || v > 255 || (d > 1 && u[i] == '0'))
			return 0;
		i += d;
	}
	return i;
}

int mlg_textmatch_ipv4(const char *s, size_t len)
{
	return len >= 7 && ipv4_prefix((const uchar *)s, len) == len;
}

/* Whether all of u[0..n) is an IPv6 address; *groups counts its 16-bit groups. */
static int ipv6_parse(const uchar *u, size_t n, int *groups, int *compressed)
{
	size_t i = 0;
	int g = 0, dc = 0;

	if (n < 2)
		return 0;
	if (u[0] == ':') {
		if (u[1] != ':')
			return 0;
		dc = 1;
		i = 2;
	}
	while (i < n) {
		size_t j = i;

		while (j < n && j - i < 5 && is_hex(u[j]))
			j++;
		if (j == i)
			return 0;
		if (j < n && u[j] == '.') {
			/* a dotted IPv4 tail: two groups, and the end */
			if (ipv4_prefix(u + i, n - i) != n - i)
				return 0;
			g += 2;
			i = n;
			break;
		}
		if (j - i > 4)
			return 0;
		g++;
		i = j;
		if (i == n)
			break;
		if (u[i] != ':' || ++i == n)
			return 0;
		if (u[i] == ':') {
			if (dc)
				return 0;
			dc = 1;
			i++;
		}
	}
	*groups = g;
	*compressed = dc;
	return dc ? g <= 7 : g == 8;
}

int mlg_textmatch_ipv6(const char *s, size_t len)
{
	int groups, compressed;

	return len <= 45 && ipv6_parse((const uchar *)s, len, &groups, &compressed);
}

/* ---- URLs ---- */

/* A host name: labels of letters, digits, inner hyphens and non-ASCII bytes (IDN). */
static int hostname_ok(const uchar *h, size_t n)
{
	size_t label = 0;
	int numeric = 1;

	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || h[i] == '.') {
			if (label == 0 || label > 63 || h[i - label] == '-' || h[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!is_alnum(h[i]) && h[i] != '-' && h[i] < 0x80)
			return 0;
		if (!is_digit(h[i]))
			numeric = 0;
		label++;
	}
	/* all digits and dots is meant as an IPv4 address, and must be one */
	return !numeric || ipv4_prefix(h, n) == n;
}

int mlg_textmatch_url(const char *s, size_t len)
{
	static const char *const schemes[] = { "http://", "https://", "ftp://" };
	const uchar *u = (const uchar *)s;
	size_t i = 0, auth, auth_end, host, host_end;

	for (size_t k = 0; k < sizeof(schemes) / sizeof(*schemes); k++) {
		size_t n = strlen(schemes[k]);

		if (len >= n && !strncasecmp(s, schemes[k], n)) {
			i = n;
			break;
		}
	}
	if (!i)
		return 0;
	auth = i;
	while (i < len && u[i] != '/' && u[i] != '?' && u[i] != '#')
		i++;
	auth_end = i;
	/* the path, query and fragment: no spaces or control characters */
	for (; i < len; i++)
		if (u[i] <= 0x20 || u[i] == 0x7f)
			return 0;
	host = auth;
	for (size_t k = auth; k < auth_end; k++) {
		if (u[k] <= 0x20 || u[k] == 0x7f)
			return 0;
		if (u[k] == '@')
			host = k + 1; /* after user info */
	}
	if (host < auth_end && u[host] == '[') {
		const uchar *close = memchr(u + host, ']', auth_end - host);
		int groups, compressed;

		if (!close || !ipv6_parse(u + host + 1, (size_t)(close - u) - host - 1, &groups, &compressed))
			return 0;
		host_end = (size_t)(close - u) + 1;
		if (host_end < auth_end && u[host_end] != ':')
			return 0;
	} else {
		host_end = host;
		while (host_end < auth_end && u[host_end] != ':')
			host_end++;
		if (!hostname_ok(u + host, host_end - host))
			return 0;
	}
	if (host_end < auth_end) {
		/* a port: 1-5 digits up to 65535 */
		size_t d = auth_end - host_end - 1;
		unsigned long port = 0;

		if (d == 0 || d > 5)
			return 0;
		for (size_t k = host_end + 1; k < auth_end; k++) {
			if (!is_digit(u[k]))
				return 0;
			port = port * 10 + (u[k] - '0');
		}
		if (port > 65535)
			return 0;
	}
	return 1;
}

/* ---- payment cards ---- */

int mlg_textmatch_luhn(const char *s, size_t len)
{
	unsigned sum = 0;

	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (uchar)s[len - 1 - i] - '0';

		if (d > 9)
			return 0;
		if (i & 1) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return sum % 10 == 0;
}

/* Whether nd digits have an issuer prefix known for that length, and pass Luhn. */
static int card_digits_ok(const char *d, size_t nd)
{
	unsigned p2 = (unsigned)(d[0] - '0') * 10 + (unsigned)(d[1] - '0');
	unsigned p3 = p2 * 10 + (unsigned)(d[2] - '0');
	unsigned p4 = p3 * 10 + (unsigned)(d[3] - '0');
	int known;

	if (nd < 13 || nd > 19)
		return 0;
	if (d[0] == '4')
		known = nd == 13 || nd == 16 || nd == 19;               /* Visa */
	else if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720))
		known = nd == 16;                                        /* Mastercard */
	else if (p2 == 34 || p2 == 37)
		known = nd == 15;                                        /* American Express */
	else if (p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649))
		known = nd >= 16;                                        /* Discover */
	else
		known = 0;
	return known && mlg_textmatch_luhn(d, nd);
}

/*
 * Reads the digit groups at u[i..n) (single ' ' or '-' between groups, one
 * kind of separator): at most 19 digits go to d, *nd counts them all (20
 * means "too many"), and the end of each group goes to ends[]. Returns the
 * number of groups and sets *stop to where reading ended.
 */
static size_t card_groups(const uchar *u, size_t n, size_t i, char d[20], size_t *nd,
			  size_t ends[20], size_t enddigits[20], size_t *stop)
{
	size_t groups = 0, count = 0;
	uchar sep = 0;

	for (;;) {
		while (i < n && is_digit(u[i])) {
			if (count < 19)
				d[count] = (char)u[i];
			if (count < 20)
				count++;
			i++;
		}
		if (groups < 20) {
			ends[groups] = i;
			enddigits[groups] = count;
			groups++;
		}
		if (i + 1 < n && (u[i] == ' ' || u[i] == '-') && is_digit(u[i + 1]) &&
		    (!sep || sep == u[i]) && count < 20) {
			sep = u[i];
			i++;
			continue;
		}
		break;
	}
	*nd = count;
	*stop = i;
	return groups;
}

int mlg_textmatch_card(const char *s, size_t len)
{
	const uchar *u = (const uchar *)s;
	char d[20];
	size_t nd, ends[20], enddigits[20], stop;

	if (len < 13 || !is_digit(u[0]))
		return 0;
	card_groups(u, len, 0, d, &nd, ends, enddigits, &stop);
	return stop == len && nd <= 19 && card_digits_ok(d, nd);
}

/* ---- IBANs ---- */

/* Countries of the IBAN registry and their IBAN lengths, sorted by code. */
static const struct {
	char code[3];
	uchar len;
} iban_countries[] = {
	{ "AD", 24 }, { "AE", 23 }, { "AL", 28 }, { "AT", 20 }, { "AZ", 28 }, { "BA", 20 },
	{ "BE", 16 }, { "BG", 22 }, { "BH", 22 }, { "BI", 27 }, { "BR", 29 }, { "BY", 28 },
	{ "CH", 21 }, { "CR", 22 }, { "CY", 28 }, { "CZ", 24 }, { "DE", 22 }, { "DJ", 27 },
	{ "DK", 18 }, { "DO", 28 }, { "EE", 20 }, { "EG", 29 }, { "ES", 24 }, { "FI", 18 },
	{ "FK", 18 }, { "FO", 18 }, { "FR", 27 }, { "GB", 22 }, { "GE", 22 }, { "GI", 23 },
	{ "GL", 18 }, { "GR", 27 }, { "GT", 28 }, { "HR", 21 }, { "HU", 28 }, { "IE", 22 },
	{ "IL", 23 }, { "IQ", 23 }, { "IS", 26 }, { "IT", 27 }, { "JO", 30 }, { "KW", 30 },
	{ "KZ", 20 }, { "LB", 28 }, { "LC", 32 }, { "LI", 21 }, { "LT", 20 }, { "LU", 20 },
	{ "LV", 21 }, { "LY", 25 }, { "MC", 27 }, { "MD", 24 }, { "ME", 22 }, { "MK", 19 },
	{ "MN", 20 }, { "MR", 27 }, { "MT", 31 }, { "MU", 30 }, { "NI", 28 }, { "NL", 18 },
	{ "NO", 15 }, { "OM", 23 }, { "PK", 24 }, { "PL", 28 }, { "PS", 29 }, { "PT", 25 },
	{ "QA", 29 }, { "RO", 24 }, { "RS", 22 }, { "RU", 33 }, { "SA", 24 }, { "SC", 31 },
	{ "SD", 18 }, { "SE", 24 }, { "SI", 19 }, { "SK", 24 }, { "SM", 27 }, { "SO", 23 },
	{ "ST", 25 }, { "SV", 28 }, { "TL", 23 }, { "TN", 24 }, { "TR", 26 }, { "UA", 29 },
	{ "VA", 22 }, { "VG", 24 }, { "XK", 20 }, { "YE", 30 },
};

/* The IBAN length of country code a b, or 0 when it has none. */
static size_t iban_length(uchar a, uchar b)
{
	size_t lo = 0, hi = sizeof(iban_countries) / sizeof(*iban_countries);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = (uchar)iban_countries[mid].code[0] - a;

		if (!c)
			c = (uchar)iban_countries[mid].code[1] - b;
		if (!c)
			return iban_countries[mid].len;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
 * The end of the IBAN starting at u[i], or 0: its country's length of
 * upper-case letters and digits, all in one piece or in groups of four
 * separated by single spaces, and the mod-97 check. The caller checks what
 * follows.
 */
static size_t iban_at(const uchar *u, size_t n, size_t i)
{
	char c[34];
	size_t want, count = 0, j = i;
	int spaced;
	unsigned rem = 0;

	if (n - i < 15 || !is_upper(u[i]) || !is_upper(u[i + 1]) || !is_digit(u[i + 2]) ||
	    !is_digit(u[i + 3]))
		return 0;
	want = iban_length(u[i], u[i + 1]);
	if (!want)
		return 0;
	spaced = u[i + 4] == ' ';
	while (count < want) {
		if (spaced && count && count % 4 == 0) {
			if (j >= n || u[j] != ' ')
				return 0;
			j++;
		}
		if (j >= n || !(is_upper(u[j]) || is_digit(u[j])))
			return 0;
		c[count++] = (char)u[j++];
	}
	/* the first four characters go to the end; letters count 10-35 */
	for (size_t k = 0; k < want; k++) {
		uchar x = (uchar)c[(k + 4) % want];

		if (is_digit(x))
			rem = (rem * 10 + (x - '0')) % 97;
		else
			rem = (rem * 100 + (x - 'A' + 10)) % 97;
	}
	return rem == 1 ? j : 0;
}

int mlg_textmatch_iban(const char *s, size_t len)
{
	return len >= 15 && iban_at((const uchar *)s, len, 0) == len;
}

/* ---- phone numbers ---- */

/* Ends a number-like match: not glued to letters, nor to more digits through . , : / - */
static int number_end_ok(const uchar *u, size_t n, size_t j)
{
	if (j >= n)
		return 1;
	if (is_alnum(u[j]) || u[j] == '_' || u[j] == '@')
		return 0;
	if ((u[j] == '.' || u[j] == ',' || u[j] == ':' || u[j] == '/' || u[j] == '-') && j + 1 < n &&
	    is_digit(u[j + 1]))
		return 0;
	return 1;
}

/* May a number-like match start after the byte c? */
static int number_start_ok(uchar c)
{
	return !is_alnum(c) && !(c && strchr("_.,+-/:@", c));
}

/*
 * The end of the phone number starting at u[i] (see the rule in the
 * header), or 0; *skip is where the caller may go on looking.
 */
static size_t phone_at(const uchar *u, size_t n, size_t i, size_t *skip)
{
	uchar lens[16], seps[16];
	size_t j = i, groups = 0, digits = 0, nsep = 0;
	int plus = 0, paren = 0, first = -1;

	if (u[j] == '+') {
		plus = 1;
		j++;
	}
	for (;;) {
		int in_paren = 0;
		size_t g0;

		if (j < n && u[j] == '(') {
			in_paren = 1;
			j++;
		}
		g0 = j;
		while (j < n && is_digit(u[j]))
			j++;
		if (j == g0 || (in_paren && (j >= n || u[j] != ')' || j - g0 > 5))) {
			/* "(555-123-4567)": the digits after a failed '(' may still start one */
			*skip = j > i && !(in_paren && groups == 0) ? j : i + 1;
			return 0;
		}
		if (first < 0)
			first = u[g0];
		if (in_paren) {
			j++;
			paren = 1;
		}
		digits += j - g0;
		if (groups < 16)
			lens[groups] = (uchar)(j - g0 > 255 ? 255 : j - g0);
		groups++;
		if (digits > 15)
			break;
		if (j + 1 < n && (u[j] == ' ' || u[j] == '-' || u[j] == '.') &&
		    (is_digit(u[j + 1]) || u[j + 1] == '(')) {
			if (nsep < 16)
				seps[nsep] = u[j];
			nsep++;
			j++;
			continue;
		}
		if (j < n && (u[j] == '(' || (in_paren && is_digit(u[j]))))
			continue;
		break;
	}
	*skip = j;
	if (digits < 8 || digits > 15 || groups > 16 || !number_end_ok(u, n, j))
		return 0;
	if (plus) {
		/* "+3.14159265" is a number */
		if (first == '0' || (groups == 2 && nsep == 1 && seps[0] == '.'))
			return 0;
		return j;
	}
	if (!paren && groups < 3)
		return 0;
	if (!paren) {
		int same = 1, threes = lens[0] <= 3;

		for (size_t k = 1; k < nsep; k++)
			same &= seps[k] == seps[0];
		for (size_t k = 1; k < groups; k++)
			threes &= lens[k] == 3;
		/* 12 345 678, 12.345.678 */
		if (same && threes && (seps[0] == ' ' || seps[0] == '.'))
			return 0;
		/* 2024-01-15, 15.01.2024, 2024-01-15 12 */
		if (((lens[0] == 4 && lens[1] == 2 && lens[2] == 2) ||
		     (lens[0] == 2 && lens[1] == 2 && lens[2] == 4)) &&
		    (groups == 3 || (seps[0] == seps[1] && seps[0] != ' ')))
			return 0;
		/* 10.20.30.40 */
		if (groups == 4 && same && seps[0] == '.' && lens[0] <= 3 && lens[1] <= 3 &&
		    lens[2] <= 3 && lens[3] <= 3)
			return 0;
	}
	return j;
}

int mlg_textmatch_phone(const char *s, size_t len)
{
	size_t skip;

	return len > 0 && phone_at((const uchar *)s, len, 0, &skip) == len;
}

/* ---- scanning for personal data ---- */

struct found {
	struct mlg_pii_match *out;
	size_t max, stored, total;
};

static int overlaps(const struct found *f, size_t a, size_t b)
{
	for (size_t k = 0; k < f->stored; k++)
		if (a < f->out[k].start + f->out[k].len && f->out[k].start < b)
			return 1;
	return 0;
}

/* Records s[a, b) as a match of `kind` unless an earlier kind holds any of it. */
static int add_match(struct found *f, enum mlg_pii_kind kind, size_t a, size_t b)
{
	if (overlaps(f, a, b))
		return 0;
	f->total++;
	if (f->stored < f->max) {
		f->out[f->stored].kind = kind;
		f->out[f->stored].start = a;
		f->out[f->stored].len = b - a;
		f->stored++;
	}
	return 1;
}

static void scan_emails(const uchar *u, size_t n, struct found *f)
{
	const uchar *p = u;

	while ((p = memchr(p, '@', n - (size_t)(p - u))) != NULL) {
		size_t at = (size_t)(p - u), a, b;

		if (email_around(u, n, at, &a, &b)) {
			add_match(f, MLG_PII_EMAIL, a, b);
			p = u + b;
		} else {
			p++;
		}
		if (p >= u + n)
			break;
	}
}

static void scan_ibans(const uchar *u, size_t n, struct found *f)
{
	for (size_t i = 0; i + 15 <= n; i++) {
		size_t end;

		if (!is_upper(u[i]) || (i > 0 && (is_alnum(u[i - 1]) || u[i - 1] == '_')))
			continue;
		end = iban_at(u, n, i);
		if (end && (end == n || (!is_alnum(u[end]) && u[end] != '_'))) {
			add_match(f, MLG_PII_IBAN, i, end);
			i = end;
		}
	}
}

static void scan_cards(const uchar *u, size_t n, struct found *f)
{
	size_t i = 0;

	while (i < n) {
		char d[20];
		size_t nd, ends[20], enddigits[20], stop, groups;

		if (!is_digit(u[i]) || (i > 0 && (!number_start_ok(u[i - 1]) || is_digit(u[i - 1])))) {
			i++;
			continue;
		}
		groups = card_groups(u, n, i, d, &nd, ends, enddigits, &stop);
		/* the whole run, or else its longest run of whole groups that is a card */
		for (size_t g = groups; g > 0; g--) {
			size_t end = ends[g - 1], cnt = enddigits[g - 1];

			if (cnt > 19 || cnt < 13)
				continue;
			if (g == groups ? !number_end_ok(u, n, end) : 0)
				continue;
			if (card_digits_ok(d, cnt) && add_match(f, MLG_PII_CARD, i, end)) {
				stop = end;
				break;
			}
		}
		i = stop > i ? stop : i + 1;
	}
}

static void scan_ips(const uchar *u, size_t n, struct found *f, int v4, int v6)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i, end;
		int groups, compressed;

		if (!is_hex(u[i]) && u[i] != ':') {
			i++;
			continue;
		}
		/* a run of what addresses are made of, at a word's start */
		while (j < n && (is_hex(u[j]) || u[j] == ':' || u[j] == '.'))
			j++;
		if (i > 0 && (is_alnum(u[i - 1]) || u[i - 1] == '_')) {
			i = j;
			continue;
		}
		end = j;
		while (end > i && u[end - 1] == '.')
			end--;
		if (v4 && is_digit(u[i])) {
			size_t k = ipv4_prefix(u + i, end - i);

			/* "10.0.0.1:8080" with its port */
			if (k && (number_end_ok(u, n, i + k) || u[i + k] == ':') &&
			    add_match(f, MLG_PII_IP, i, i + k)) {
				i += k;
				continue;
			}
		}
		if (v6) {
			if (end - i > 1 && u[end - 1] == ':' && u[end - 2] != ':')
				end--; /* "at fe80::1: ..." */
			/* eight groups, or "::" with two or more: "::1" and "a::b" are not worth it */
			if (end - i <= 45 && (end == n || (!is_alnum(u[end]) && u[end] != '_')) &&
			    ipv6_parse(u + i, end - i, &groups, &compressed) &&
			    (!compressed || groups >= 2)) {
				add_match(f, MLG_PII_IP, i, end);
			}
		}
		i = j;
	}
}

static void scan_phones(const uchar *u, size_t n, struct found *f)
{
	size_t i = 0;

	while (i < n) {
		size_t end, skip;
		uchar c = u[i];

		if (!(is_digit(c) || c == '+' || c == '(')) {
			i++;
			continue;
		}
		if (i > 0 && (c == '+' ? is_alnum(u[i - 1]) || u[i - 1] == '_' || u[i - 1] == '+'
				       : !number_start_ok(u[i - 1]))) {
			/* inside a word or a number: go past its digits */
			i++;
			while (i < n && is_digit(u[i]))
				i++;
			continue;
		}
		end = phone_at(u, n, i, &skip);
		if (end && add_match(f, MLG_PII_PHONE, i, end))
			i = end;
		else
			i = skip > i ? skip : i + 1;
	}
}

static size_t count_byte(const uchar *u, size_t len, uchar c)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += u[i] == c;
	return n;
}

size_t mlg_textmatch_pii(const char *s, size_t len, struct mlg_pii_match *out, size_t max)
{
	const uchar *u = (const uchar *)s;
	struct found f = { out, max, 0, 0 };
	size_t digits = 0;
	unsigned seen = 0;
	int v4, v6;

	/* one glance decides which scanners can find anything */
	for (size_t i = 0; i < len; i++) {
		unsigned c = cls[u[i]];

		seen |= c;
		digits += (c / C_DIGIT) & 1;
	}
	if (seen & C_AT)
		scan_emails(u, len, &f);
	if ((seen & C_UPPER) && digits >= 2 && len >= 15)
		scan_ibans(u, len, &f);
	if (digits >= 13)
		scan_cards(u, len, &f);
	v4 = (seen & C_DOT) && digits >= 4 && count_byte(u, len, '.') >= 3;
	v6 = (seen & C_COLON) && count_byte(u, len, ':') >= 2;
	if (v4 || v6)
		scan_ips(u, len, &f, v4, v6);
	if (digits >= 8)
		scan_phones(u, len, &f);
	/* in order of position: insertion sort of a handful */
	for (size_t i = 1; i < f.stored; i++) {
		struct mlg_pii_match m = out[i];
		size_t k = i;

		while (k > 0 && out[k - 1].start > m.start) {
			out[k] = out[k - 1];
			k--;
		}
		out[k] = m;
	}
	return f.total;
}

static const char *const pii_names[MLG_PII_KINDS] = { "email", "phone", "credit_card", "iban", "ip" };

const char *mlg_textmatch_pii_name(enum mlg_pii_kind kind)
{
	return (unsigned)kind < MLG_PII_KINDS ? pii_names[kind] : "?";
}

int mlg_textmatch_pii_from_name(const char *name)
{
	for (int k = 0; k < MLG_PII_KINDS; k++)
		if (!strcmp(name, pii_names[k]))
			return k;
	return -1;
}

/* ---- masking ---- */

struct out {
	char *buf;
	size_t size, n;
};

static void put(struct out *o, const char *s, size_t len)
{
	for (size_t i = 0; i < len && o->n + 1 < o->size; i++)
		o->buf[o->n++] = s[i];
}

/* Copies u with its digits (and letters) turned into '*', but for the last `keep_last`. */
static void put_masked(struct out *o, const uchar *u, size_t len, size_t keep_last, int letters)
{
	size_t total = 0, seen = 0;

	for (size_t i = 0; i < len; i++)
		total += is_digit(u[i]) || (letters && is_alpha(u[i]));
	for (size_t i = 0; i < len; i++) {
		int masked = is_digit(u[i]) || (letters && is_alpha(u[i]));

		if (masked && seen++ < total - (total < keep_last ? total : keep_last))
			put(o, "*", 1);
		else
			put(o, (const char *)u + i, 1);
	}
}

const char *mlg_textmatch_mask(enum mlg_pii_kind kind, const char *s, size_t len, char *buf,
			       size_t size)
{
	const uchar *u = (const uchar *)s;
	struct out o = { buf, size, 0 };

	if (!size)
		return buf;
	switch (kind) {
	case MLG_PII_EMAIL: {
		const char *at = memchr(s, '@', len);
		const char *dot = NULL;

		if (!at || at == s || at + 1 >= s + len) {
			put(&o, "***", 3);
			break;
		}
		for (const char *p = s + len; p > at; p--)
			if (p[-1] == '.') {
				dot = p - 1;
				break;
			}
		put(&o, s, 1);
		put(&o, "***@", 4);
		put(&o, at + 1, 1);
		put(&o, "***", 3);
		if (dot)
			put(&o, dot, (size_t)(s + len - dot));
		break;
	}
	case MLG_PII_CARD:
		put_masked(&o, u, len, 4, 0);
		break;
	case MLG_PII_PHONE:
		put_masked(&o, u, len, 2, 0);
		break;
	case MLG_PII_IBAN:
		/* the country stays: it says which check failed the data */
		put(&o, s, len < 2 ? len : 2);
		if (len > 2)
			put_masked(&o, u + 2, len - 2, 4, 1);
		break;
	case MLG_PII_IP: {
		size_t k = 0;

		if (memchr(s, ':', len)) {
			while (k < len && u[k] != ':')
				k++;
			put(&o, s, k);
			put(&o, k ? ":****" : "::****", k ? 5 : 6);
		} else {
			while (k < len && u[k] != '.')
				k++;
			put(&o, s, k);
			put(&o, ".*.*.*", 6);
		}
		break;
	}
	default:
		put(&o, "***", 3);
		break;
	}
	buf[o.n] = '\0';
	return buf;
}
