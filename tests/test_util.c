/* Unit tests for the small helpers of runner/util.c: cutting text at a character. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util.h"

static void test_utf8_floor(void **state)
{
	/* "aé€😀": a (1 byte), é (2), € (3), 😀 (4): boundaries 0 1 3 6 10 */
	const char *s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
	const size_t want[] = { 0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10 };

	(void)state;
	for (size_t n = 0; n <= 10; n++)
		assert_int_equal(mlg_utf8_floor(s, n), want[n]);
	/* invalid UTF-8 is cut where it stands, never before the start */
	assert_int_equal(mlg_utf8_floor("\x80\x80\x80", 2), 0);
	assert_int_equal(mlg_utf8_floor("\xFF\xFE", 1), 1);
}

static void check_ellipsize(const char *text, size_t max, const char *want)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;

	mlg_strbuf_addstr(&sb, text);
	mlg_strbuf_ellipsize(&sb, max);
	assert_string_equal(mlg_strbuf_str(&sb), want);
	assert_int_equal(sb.len, strlen(want));
	mlg_strbuf_release(&sb);
}

static void test_strbuf_ellipsize(void **state)
{
	(void)state;
	check_ellipsize("", 0, "");
	check_ellipsize("abc", 3, "abc");
	check_ellipsize("abcd", 3, "abc...");
	check_ellipsize("ab\xE2\x82\xAC" "d", 3, "ab...");     /* not inside the euro sign */
	check_ellipsize("ab\xE2\x82\xAC" "d", 5, "ab\xE2\x82\xAC...");
	check_ellipsize("abc", 0, "...");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_floor),
		cmocka_unit_test(test_strbuf_ellipsize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
