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

/** 1 when `s` is valid UTF-8 (what mlg_text_clean(s, 0) would not change). */
int mlg_text_is_utf8(const char *s);

#endif
