/*
 * Recognising kinds of text in a cell: whole-value formats (an email
 * address, a UUID, a URL, an ISO date, an IP address), and personal data
 * contained anywhere in a value (emails, phone numbers, payment card
 * numbers, IBANs, IP addresses), with masking for reports.
 *
 * Every function takes `len` bytes at `s`: the text need not be
 * NUL-terminated and nothing past `len` is read. Nothing allocates.
 */
#ifndef MLGATE_TEXTMATCH_H
#define MLGATE_TEXTMATCH_H

#include <stddef.h>

/* ---- whole values: 1 when all of s is one, else 0 ---- */

/**
 * An email address: a dot-atom local part (letters, digits and
 * !#$%&'*+/=?^_`{|}~- with single dots inside, at most 64 bytes), '@', and
 * a domain of at least two labels (letters, digits, inner hyphens, at most
 * 63 each) whose last is alphabetic (two letters or more) or punycode
 * ("xn--..."); at most 254 bytes in all. ASCII only: no quoted local
 * parts, no IP-literal domains.
 */
int mlg_textmatch_email(const char *s, size_t len);

/** A UUID in its canonical 8-4-4-4-12 hexadecimal form, any case, any version. */
int mlg_textmatch_uuid(const char *s, size_t len);

/** A calendar date written YYYY-MM-DD (leap years counted). */
int mlg_textmatch_iso_date(const char *s, size_t len);

/**
 * An http, https or ftp URL with a host (a domain name, an IPv4 address or
 * a bracketed IPv6 address), an optional port, and an optional path, query
 * and fragment without spaces or control characters.
 */
int mlg_textmatch_url(const char *s, size_t len);

/** Dotted-quad IPv4: four decimal octets 0-255 without leading zeros. */
int mlg_textmatch_ipv4(const char *s, size_t len);

/** An IPv6 address in any RFC 4291 text form ("::" once, dotted IPv4 tail), no zone. */
int mlg_textmatch_ipv6(const char *s, size_t len);

/** The Luhn checksum of the digits in s (which holds only digits) is valid. */
int mlg_textmatch_luhn(const char *s, size_t len);

/**
 * A payment card number: 13-19 digits, in groups separated by single
 * spaces or single dashes (one kind), passing the Luhn check, with a
 * known issuer prefix for its length: Visa 4 (13, 16, 19 digits),
 * Mastercard 51-55 and 2221-2720 (16), American Express 34 and 37 (15),
 * Discover 6011, 644-649 and 65 (16-19).
 */
int mlg_textmatch_card(const char *s, size_t len);

/**
 * An IBAN, electronic ("GB82WEST12345698765432") or printed in groups of
 * four ("GB82 WEST 1234 5698 7654 32"): the country's registered length
 * and a mod-97 remainder of 1. Upper case only.
 */
int mlg_textmatch_iban(const char *s, size_t len);

/** A phone number by the rule of MLG_PII_PHONE below. */
int mlg_textmatch_phone(const char *s, size_t len);

/**
 * The number of characters (Unicode code points) of UTF-8 text. Each byte
 * that does not begin a valid sequence counts as one character (as it
 * would once replaced by U+FFFD); *invalid (may be NULL) gets their count.
 */
size_t mlg_textmatch_utf8_chars(const char *s, size_t len, size_t *invalid);

/* ---- personal data inside a value ---- */

/*
 * Phone numbers are found by this rule, so that ids, amounts, dates and
 * times do not count: a "+" then 8-15 digits, the first not 0, in groups
 * that single spaces, dashes, dots or parentheses may separate (E.164 as
 * written); or, without "+", 8-15 digits in at least three groups
 * separated by single spaces, dashes or dots, or with an area code in
 * parentheses ("(555) 123-4567", "020 7946 0958", "01 23 45 67 89").
 * Groupings that read as dates (2024-01-15, 15.01.2024), thousands
 * (12 345 678, 12.345.678) or IPv4-like dotted quads are not phone
 * numbers, nor is anything glued to letters or to other digits, dots,
 * commas, colons or slashes ("2024-01-15 12:30", "1.5e-07").
 */
enum mlg_pii_kind {
	MLG_PII_EMAIL,
	MLG_PII_PHONE,
	MLG_PII_CARD,
	MLG_PII_IBAN,
	MLG_PII_IP,
	MLG_PII_KINDS /* how many there are */
};

/** One piece of personal data found in a value: s[start, start + len). */
struct mlg_pii_match {
	enum mlg_pii_kind kind;
	size_t start, len;
};

/**
 * Finds the personal data in s, every kind at once, in order of position;
 * where kinds overlap the first of email, IBAN, card, IP, phone wins (the
 * digits of an IBAN or a card are not also a phone number). Stores the
 * first `max` matches in `out` and returns how many there are in all.
 */
size_t mlg_textmatch_pii(const char *s, size_t len, struct mlg_pii_match *out, size_t max);

/** The kind's name in suites: "email", "phone", "credit_card", "iban", "ip". */
const char *mlg_textmatch_pii_name(enum mlg_pii_kind kind);

/** The kind called `name`, or -1. */
int mlg_textmatch_pii_from_name(const char *name);

/**
 * A masked copy of a match of `kind` (s, len: the matched text) for
 * reports, NUL-terminated in buf (cut to size): "j***@e***.com",
 * "**** **** **** 1111", "GB** **** **** **** **54 32", "+** *** *** **71",
 * "192.*.*.*", "2001:****". Returns buf.
 */
const char *mlg_textmatch_mask(enum mlg_pii_kind kind, const char *s, size_t len, char *buf,
			       size_t size);

#endif
