/* Making untrusted text (data values, command output) safe to embed. */
#ifndef MLG_TEXT_H
#define MLG_TEXT_H

/**
 * A copy of `s` that is valid UTF-8: each byte of an invalid, overlong or
 * surrogate sequence becomes U+FFFD. With `xml`, the control characters
 * XML 1.0 forbids become a visible "\xNN" and U+FFFE/U+FFFF become U+FFFD
 * too. NULL reads as "". The caller frees the result.
 */
char *mlg_text_clean(const char *s, int xml);

/**
 * A copy of `s` fit for one line of a log or terminal: valid UTF-8 (bad
 * bytes become U+FFFD), and every character that could move the cursor,
 * recolour, end the line or reorder text shown as a visible escape: "\n",
 * "\r", "\t", "\x1B" for the other C0 controls and DEL, "\u0085" for C1
 * controls and bidirectional controls. So a data value cannot forge a
 * line of the report (or a workflow command at the start of one). NULL
 * reads as "". The caller frees the result.
 */
char *mlg_text_one_line(const char *s);

/**
 * mlg_text_one_line() for text of several lines (command output): each
 * "\n" stays a line break (a CR just before one, or at the end, is
 * dropped); everything else that acts on a terminal is escaped within its
 * line. So a line may begin with anything the text says, but never with a
 * cursor movement or a CR that overwrites it. NULL reads as "". The caller
 * frees the result.
 */
char *mlg_text_lines(const char *s);

/** 1 when `s` is valid UTF-8 (what mlg_text_clean(s, 0) would not change). */
int mlg_text_is_utf8(const char *s);

#include <stddef.h>

/**
 * Index of the first byte in buf[from..to) that does not begin a valid
 * UTF-8 sequence (overlongs, surrogates and sequences cut by `to` are
 * invalid), or `to` when all is valid.
 */
size_t mlg_utf8_find_invalid(const char *buf, size_t from, size_t to);

/**
 * As mlg_utf8_find_invalid(), but a NUL byte is bad too (valid UTF-8, never
 * text): the scan's check of CSV bytes, in the same loop.
 */
size_t mlg_utf8_find_invalid_or_nul(const char *buf, size_t from, size_t to);

/** `to`, or less so that buf[..to) does not end inside a multi-byte sequence. */
size_t mlg_utf8_complete_end(const char *buf, size_t from, size_t to);

#endif
