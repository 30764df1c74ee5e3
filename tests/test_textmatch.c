/*
 * Unit tests for the text recognisers (runner/textmatch.c).
 *
 * Every input goes through a heap copy of exactly its length, without a
 * NUL after it, so that under ASan a read past `len` is reported.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/textmatch.h"

typedef int (*matcher)(const char *, size_t);

/* m(s) on an exact-length copy of s. */
static int run(matcher m, const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n ? n : 1);
	int r;

	assert_non_null(p);
	memcpy(p, s, n);
	r = m(p, n);
	free(p);
	return r;
}

static void expect_all(matcher m, const char *const *yes, const char *const *no, const char *what)
{
	for (size_t i = 0; yes[i]; i++)
		if (!run(m, yes[i]))
			fail_msg("%s: '%s' should match", what, yes[i]);
	for (size_t i = 0; no[i]; i++)
		if (run(m, no[i]))
			fail_msg("%s: '%s' should not match", what, no[i]);
}

static void test_email(void **state)
{
	static const char *const yes[] = {
		"john@example.com", "john.smith+tag@mail.example.co.uk", "a_b-c@x-y.org",
		"o'brien@example.ie", "user%host@example.com", "x@example.xn--p1ai", "1@2.io", NULL
	};
	static const char *const no[] = {
		"", "john", "john@", "@example.com", "john@example", "john@@example.com",
		"john..smith@example.com", ".john@example.com", "john.@example.com",
		"john@-example.com", "john@example-.com", "john@example..com", "john@example.c",
		"john@example.c0m", "john smith@example.com", "john@exa mple.com", "john@[1.2.3.4]",
		"\"john\"@example.com", "jöhn@example.com", "john@example.com.", NULL
	};

	(void)state;
	expect_all(mlg_textmatch_email, yes, no, "email");
	{
		/* 64 bytes of local part at most */
		char local[80];

		memset(local, 'a', 65);
		memcpy(local + 65, "@ex.com", 8);
		assert_false(run(mlg_textmatch_email, local));
		assert_true(run(mlg_textmatch_email, local + 1));
	}
}

static void test_uuid_and_date(void **state)
{
	static const char *const uuids[] = { "123e4567-e89b-12d3-a456-426614174000",
					     "00000000-0000-0000-0000-000000000000",
					     "123E4567-E89B-12D3-A456-426614174000", NULL };
	static const char *const not_uuids[] = { "123e4567e89b12d3a456426614174000",
						 "123e4567-e89b-12d3-a456-42661417400",
						 "123e4567-e89b-12d3-a456-4266141740000",
						 "123e4567-e89b-12d3-a456_426614174000",
						 "g23e4567-e89b-12d3-a456-426614174000", NULL };
	static const char *const dates[] = { "2024-01-15", "2024-02-29", "2000-02-29", "1999-12-31",
					     "0001-01-01", NULL };
	static const char *const not_dates[] = { "2023-02-29", "1900-02-29", "2024-13-01", "2024-00-10",
						 "2024-04-31", "2024-1-15", "2024/01/15", "2024-01-15T00:00:00",
						 "15-01-2024", "", NULL };

	(void)state;
	expect_all(mlg_textmatch_uuid, uuids, not_uuids, "uuid");
	expect_all(mlg_textmatch_iso_date, dates, not_dates, "iso_date");
}

static void test_url(void **state)
{
	static const char *const yes[] = {
		"http://example.com", "https://example.com/", "HTTPS://Example.COM/a/b?c=d#e",
		"ftp://files.example.org/pub/x.tar.gz", "http://localhost:8080/health",
		"http://user:pw@example.com/", "http://192.168.0.1/", "http://[2001:db8::1]:443/x",
		"https://bücher.example/", "http://example.com?q=1", NULL
	};
	static const char *const no[] = {
		"example.com", "mailto:john@example.com", "http://", "http:///path", "http://exa mple.com",
		"http://example.com/a b", "http://-example.com/", "http://example.com:/",
		"http://example.com:99999/", "http://example.com:8o/", "http://256.1.1.1/",
		"http://[2001:db8::g]/", "file:///etc/passwd", "https//example.com", NULL
	};

	(void)state;
	expect_all(mlg_textmatch_url, yes, no, "url");
}

static void test_ip(void **state)
{
	static const char *const v4[] = { "0.0.0.0", "192.168.1.1", "255.255.255.255", "10.0.0.254", NULL };
	static const char *const not_v4[] = { "256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.",
					      "1..2.3", "a.b.c.d", "1.2.3.4 ", "1234.1.1.1", NULL };
	static const char *const v6[] = { "2001:db8::1", "::", "::1", "fe80::1ff:fe23:4567:890a",
					  "2001:0db8:0000:0000:0000:ff00:0042:8329",
					  "::ffff:192.168.0.1", "64:ff9b::192.0.2.33", "1::", NULL };
	static const char *const not_v6[] = { "2001:db8:::1", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9",
					      "12345::1", "2001:db8::1::2", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:",
					      "g::1", "::ffff:999.1.1.1", "12:30:45", "", NULL };

	(void)state;
	expect_all(mlg_textmatch_ipv4, v4, not_v4, "ipv4");
	expect_all(mlg_textmatch_ipv6, v6, not_v6, "ipv6");
}

static void test_cards(void **state)
{
	/* the networks' published test numbers */
	static const char *const yes[] = {
		"4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "4012888888881881",
		"4222222222222",       /* Visa, 13 digits */
		"5555555555554444", "5105105105105100", "2223003122003222", /* Mastercard */
		"378282246310005", "3782 822463 10005", "371449635398431",  /* Amex */
		"6011111111111117", "6011000990139424", "6500000000000002", /* Discover */
		NULL
	};
	static const char *const no[] = {
		"4111111111111112",                       /* Luhn */
		"4111 1111-1111 1111",                    /* mixed separators */
		"4111  1111 1111 1111",                   /* double space */
		"411111111111",                           /* 12 digits */
		"1234567812345670",                       /* Luhn-valid, unknown prefix */
		"5555555555554",                          /* Mastercard is 16 digits */
		"378282246310005 ", "4111111111111111x", "", NULL
	};

	(void)state;
	expect_all(mlg_textmatch_card, yes, no, "card");
	assert_true(run(mlg_textmatch_luhn, "79927398713"));
	assert_false(run(mlg_textmatch_luhn, "79927398710"));
	assert_false(run(mlg_textmatch_luhn, "7992 7398 713"));
	assert_false(run(mlg_textmatch_luhn, ""));
}

static void test_iban(void **state)
{
	/* the examples of the IBAN registry */
	static const char *const yes[] = {
		"GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432", "DE89 3704 0044 0532 0130 00",
		"DE89370400440532013000", "FR14 2004 1010 0505 0001 3M02 606", "NL91 ABNA 0417 1643 00",
		"BE68 5390 0754 7034", "CH93 0076 2011 6238 5295 7", "NO93 8601 1117 947",
		"IT60 X054 2811 1010 0000 0123 456", "ES91 2100 0418 4502 0005 1332",
		"AT61 1904 3002 3457 3201", "MT84 MALT 0110 0001 2345 MTLC AST0 01S", NULL
	};
	static const char *const no[] = {
		"GB82 WEST 1234 5698 7654 33",            /* check digits */
		"GB83WEST12345698765432",
		"GB82 WEST 1234 5698 7654",               /* too short for GB */
		"GB82 WEST 1234 5698 7654 321",           /* too long */
		"GB82WE ST12345698765432",                /* a space out of place */
		"gb82west12345698765432",                 /* lower case */
		"XX82WEST12345698765432",                 /* no such country */
		"", NULL
	};

	(void)state;
	expect_all(mlg_textmatch_iban, yes, no, "iban");
}

static void test_phone(void **state)
{
	static const char *const yes[] = {
		"+14155552671", "+1 415 555 2671", "+44 20 7946 0958", "+44 (0)20 7946 0958",
		"+33 1 23 45 67 89", "+1-415-555-2671", "(555) 123-4567", "555-123-4567",
		"020 7946 0958", "01 23 45 67 89", "555.123.4567", NULL
	};
	static const char *const no[] = {
		"12345678",                /* a plain number */
		"1234567890123",           /* an id */
		"+1234567",                /* 7 digits */
		"+1234567890123456",       /* 16 digits */
		"+0123456789",             /* no country starts with 0 */
		"+3.14159265",             /* a decimal */
		"2024-01-15", "15.01.2024", "12 345 678", "12.345.678", "1 234 567 890",
		"10.20.30.40", "555-1234", "555 1234567", "2024-01-15 12", "1.5e-07", "", NULL
	};

	(void)state;
	expect_all(mlg_textmatch_phone, yes, no, "phone");
}

/* The kinds found in s, as "kind:text kind:text". */
static void found(const char *s, char *buf, size_t size)
{
	struct mlg_pii_match m[16];
	size_t n = strlen(s), total;
	char *p = malloc(n ? n : 1);

	assert_non_null(p);
	memcpy(p, s, n);
	total = mlg_textmatch_pii(p, n, m, 16);
	buf[0] = '\0';
	for (size_t i = 0; i < total && i < 16; i++) {
		size_t at = strlen(buf);

		snprintf(buf + at, size - at, "%s%s:%.*s", i ? " " : "", mlg_textmatch_pii_name(m[i].kind),
			 (int)m[i].len, p + m[i].start);
	}
	free(p);
}

static void expect_found(const char *s, const char *want)
{
	char got[512];

	found(s, got, sizeof(got));
	if (strcmp(got, want))
		fail_msg("in '%s': found '%s', expected '%s'", s, got, want);
}

static void test_pii_in_text(void **state)
{
	(void)state;
	expect_found("contact john.smith@example.com today.", "email:john.smith@example.com");
	expect_found("mail: <a@b.io>, (c@d.org)", "email:a@b.io email:c@d.org");
	expect_found("card 4111 1111 1111 1111 exp 12/25", "credit_card:4111 1111 1111 1111");
	expect_found("pan=4111111111111111;", "credit_card:4111111111111111");
	expect_found("amex 3782 822463 10005", "credit_card:3782 822463 10005");
	expect_found("pay to GB82 WEST 1234 5698 7654 32 now", "iban:GB82 WEST 1234 5698 7654 32");
	expect_found("iban:DE89370400440532013000", "iban:DE89370400440532013000");
	expect_found("from 192.168.1.20 and 2001:db8::1.", "ip:192.168.1.20 ip:2001:db8::1");
	expect_found("host 10.0.0.1:8080 up", "ip:10.0.0.1");
	expect_found("call +1 415 555 2671 or (555) 123-4567", "phone:+1 415 555 2671 phone:(555) 123-4567");
	expect_found("tel:+442079460958", "phone:+442079460958");
	expect_found("x (555-123-4567) y", "phone:555-123-4567");
	expect_found("a@b.com 4111111111111111 +14155552671",
		     "email:a@b.com credit_card:4111111111111111 phone:+14155552671");
	/* what must not trip it */
	expect_found("12345678", "");
	expect_found("1234567890123456", "");
	expect_found("4111111111111112", "");
	expect_found("0.4111111111111111", "");
	expect_found("-4111111111111111", "");
	expect_found("4111111111111111.5", "");
	expect_found("1.2345678901234567e-05", "");
	expect_found("2024-01-15 12:30:45", "");
	expect_found("2024-01-15T12:30:45Z", "");
	expect_found("123e4567-e89b-12d3-a456-426614174000", "");
	expect_found("12:30:45", "");
	expect_found("00:1a:2b:3c:4d:5e", "");
	expect_found("std::vector<int>", "");
	expect_found("1,234,567.89", "");
	expect_found("12 345 678", "");
	expect_found("v1.2.3", "");
	expect_found("user@localhost", "");
	expect_found("ABCD1234EFGH5678IJKL", "");
	expect_found("", "");
}

static void test_pii_counts_beyond_max(void **state)
{
	const char *s = "a@b.com c@d.com e@f.com";
	struct mlg_pii_match m[2];

	(void)state;
	assert_int_equal(mlg_textmatch_pii(s, strlen(s), m, 2), 3);
	assert_int_equal(m[0].start, 0);
	assert_int_equal(m[1].start, 8);
	assert_int_equal(mlg_textmatch_pii(s, strlen(s), NULL, 0), 3);
}

static void expect_mask(enum mlg_pii_kind k, const char *s, const char *want)
{
	char buf[64];

	mlg_textmatch_mask(k, s, strlen(s), buf, sizeof(buf));
	if (strcmp(buf, want))
		fail_msg("mask of '%s': '%s', expected '%s'", s, buf, want);
}

static void test_mask(void **state)
{
	char small[6];

	(void)state;
	expect_mask(MLG_PII_EMAIL, "john@example.com", "j***@e***.com");
	expect_mask(MLG_PII_CARD, "4111 1111 1111 1111", "**** **** **** 1111");
	expect_mask(MLG_PII_CARD, "4111111111111111", "************1111");
	expect_mask(MLG_PII_IBAN, "GB82 WEST 1234 5698 7654 32", "GB** **** **** **** **54 32");
	expect_mask(MLG_PII_PHONE, "+1 415 555 2671", "+* *** *** **71");
	expect_mask(MLG_PII_IP, "192.168.1.20", "192.*.*.*");
	expect_mask(MLG_PII_IP, "2001:db8::1", "2001:****");
	expect_mask(MLG_PII_IP, "::ffff:10.0.0.1", "::****");
	/* cut to the buffer, still terminated */
	mlg_textmatch_mask(MLG_PII_CARD, "4111 1111 1111 1111", 19, small, sizeof(small));
	assert_string_equal(small, "**** ");
}

static void test_names(void **state)
{
	(void)state;
	for (int k = 0; k < MLG_PII_KINDS; k++)
		assert_int_equal(mlg_textmatch_pii_from_name(mlg_textmatch_pii_name((enum mlg_pii_kind)k)), k);
	assert_int_equal(mlg_textmatch_pii_from_name("ssn"), -1);
	assert_string_equal(mlg_textmatch_pii_name(MLG_PII_CARD), "credit_card");
}

static void test_utf8_chars(void **state)
{
	size_t bad;

	(void)state;
	assert_int_equal(mlg_textmatch_utf8_chars("", 0, &bad), 0);
	assert_int_equal(mlg_textmatch_utf8_chars("hello world, long ascii", 23, &bad), 23);
	assert_int_equal(bad, 0);
	assert_int_equal(mlg_textmatch_utf8_chars("h\xc3\xa9llo", 6, &bad), 5);          /* é */
	assert_int_equal(mlg_textmatch_utf8_chars("\xe6\x97\xa5\xe6\x9c\xac", 6, NULL), 2); /* 日本 */
	assert_int_equal(mlg_textmatch_utf8_chars("\xf0\x9f\x98\x80 smile, ascii after", 21, &bad), 18);
	assert_int_equal(bad, 0);
	/* invalid bytes count one each */
	assert_int_equal(mlg_textmatch_utf8_chars("a\xff" "b\xc3", 4, &bad), 4);
	assert_int_equal(bad, 2);
	assert_int_equal(mlg_textmatch_utf8_chars("\xed\xa0\x80", 3, &bad), 3); /* a surrogate */
	assert_int_equal(bad, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_uuid_and_date),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_ip),
		cmocka_unit_test(test_cards),
		cmocka_unit_test(test_iban),
		cmocka_unit_test(test_phone),
		cmocka_unit_test(test_pii_in_text),
		cmocka_unit_test(test_pii_counts_beyond_max),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_utf8_chars),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
