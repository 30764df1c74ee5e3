/*
 * Unit tests for making untrusted text safe to show (runner/text.c):
 * mlg_text_clean() for reports, mlg_text_one_line() for one line of a log.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "text.h"

static void one_line_is(const char *in, const char *want)
{
	char *got = mlg_text_one_line(in);

	if (strcmp(got, want)) {
		print_error("mlg_text_one_line: got '%s', want '%s'\n", got, want);
		free(got);
		fail();
	}
	free(got);
}

static void test_one_line_plain_text_unchanged(void **state)
{
	(void)state;
	one_line_is("", "");
	one_line_is(NULL, "");
	one_line_is("2 of 500 values of amount are above 1000000", "2 of 500 values of amount are above 1000000");
	/* text that is only dangerous as markup or as a workflow command at the
	 * start of a line stays as it is: on one line it is inert */
	one_line_is("::set-output name=gate::open <b>x</b> %0A $(touch x)",
		    "::set-output name=gate::open <b>x</b> %0A $(touch x)");
	one_line_is("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

static void test_one_line_escapes_line_breaks(void **state)
{
	(void)state;
	one_line_is("a\n::set-env name=X::1", "a\\n::set-env name=X::1");
	one_line_is("ok\rFAIL", "ok\\rFAIL");
	one_line_is("a\r\nb\tc", "a\\r\\nb\\tc");
	one_line_is("\n", "\\n");
}

static void test_one_line_escapes_controls(void **state)
{
	(void)state;
	/* ESC sequences recolour, move the cursor or clear the line */
	one_line_is("\x1b[31mred\x1b[0m", "\\x1B[31mred\\x1B[0m");
	one_line_is("\x1b[2K\x1b[1Gok", "\\x1B[2K\\x1B[1Gok");
	one_line_is("bell\a back\b del\x7f", "bell\\x07 back\\x08 del\\x7F");
	/* C1 controls (U+009B is a one-character CSI) and NEL */
	one_line_is("\xc2\x9b" "31m", "\\u009B31m");
	one_line_is("a\xc2\x85" "b", "a\\u0085b");
	/* bidirectional overrides reorder what the reader sees */
	one_line_is("abc\xe2\x80\xae" "fed", "abc\\u202Efed");
	one_line_is("\xe2\x81\xa6x\xe2\x81\xa9", "\\u2066x\\u2069");
}

static void test_one_line_invalid_utf8(void **state)
{
	(void)state;
	one_line_is("a\xff" "b", "a\xef\xbf\xbd" "b");
	/* overlong NUL and overlong '/', a surrogate, a sequence cut short */
	one_line_is("\xc0\x80", "\xef\xbf\xbd\xef\xbf\xbd");
	one_line_is("\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	one_line_is("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	one_line_is("x\xe2\x82", "x\xef\xbf\xbd\xef\xbf\xbd");
}

static void test_clean_keeps_valid_and_replaces_invalid(void **state)
{
	char *s;

	(void)state;
	s = mlg_text_clean("a\xc0\x80" "b\n", 0);
	assert_string_equal(s, "a\xef\xbf\xbd\xef\xbf\xbd" "b\n");
	free(s);
	/* for XML: forbidden controls visible, line breaks kept */
	s = mlg_text_clean("a\x1b" "b\n\x01", 1);
	assert_string_equal(s, "a\\x1Bb\n\\x01");
	free(s);
	assert_true(mlg_text_is_utf8("caf\xc3\xa9"));
	assert_false(mlg_text_is_utf8("\xe0\x80\x80"));
}

static void lines_is(const char *in, const char *want)
{
	char *got = mlg_text_lines(in);

	if (strcmp(got, want)) {
		print_error("mlg_text_lines: got '%s', want '%s'\n", got, want);
		free(got);
		fail();
	}
	free(got);
}

static void test_lines_keep_line_breaks_escape_the_rest(void **state)
{
	(void)state;
	lines_is(NULL, "");
	lines_is("a\nb\n", "a\nb\n");
	/* CRLF line ends read as line ends; a CR inside a line is shown */
	lines_is("a\r\nb\r", "a\nb");
	lines_is("ok\rFAIL\n", "ok\\rFAIL\n");
	lines_is("\x1b[2K\x1b[1Gok\n::add-mask::x\tz\x7f",
		 "\\x1B[2K\\x1B[1Gok\n::add-mask::x\\tz\\x7F");
	lines_is("\xc2\x9b" "31m \xe2\x80\xae" "cba\xff", "\\u009B31m \\u202Ecba\xef\xbf\xbd");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_line_plain_text_unchanged),
		cmocka_unit_test(test_one_line_escapes_line_breaks),
		cmocka_unit_test(test_one_line_escapes_controls),
		cmocka_unit_test(test_one_line_invalid_utf8),
		cmocka_unit_test(test_clean_keeps_valid_and_replaces_invalid),
		cmocka_unit_test(test_lines_keep_line_breaks_escape_the_rest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
