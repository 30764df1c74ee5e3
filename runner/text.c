/* UTF-8 validation and cleaning for reports (see text.h). */
#include <string.h>

#include "text.h"
#include "util.h"

/* Length of the valid UTF-8 sequence at p (1-4), or 0; its code point in *cp. */
static size_t utf8_sequence(const unsigned char *p, unsigned long *cp)
{
	size_t n;
	unsigned long c;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xE0) == 0xC0) {
		n = 2;
		c = p[0] & 0x1F;
	} else if ((p[0] & 0xF0) == 0xE0) {
		n = 3;
		c = p[0] & 0x0F;
	} else if ((p[0] & 0xF8) == 0xF0) {
		n = 4;
		c = p[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3F);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
		return 0;
	*cp = c;
	return n;
}

char *mlg_text_clean(const char *s, int xml)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		unsigned long cp;
		size_t n = utf8_sequence(p, &cp);

		if (!n || (xml && (cp == 0xFFFE || cp == 0xFFFF))) {
			mlg_strbuf_addstr(&sb, "\xEF\xBF\xBD");
			p++;
		} else if (xml && cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') {
			mlg_strbuf_addf(&sb, "\\x%02X", (unsigned int)cp);
			p++;
		} else {
			mlg_strbuf_add(&sb, p, n);
			p += n;
		}
	}
	return mlg_strbuf_detach(&sb);
}

int mlg_text_is_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;

	while (*p) {
		size_t n = utf8_sequence(p, &cp);

		if (!n)
			return 0;
		p += n;
	}
	return 1;
}

/* Characters that reorder the text around them (Trojan Source). */
static int is_bidi_control(unsigned long cp)
{
	return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* mlg_text_one_line(), or with `lines` mlg_text_lines(). */
static char *escape_controls(const char *s, int lines)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		unsigned long cp;
		size_t n = utf8_sequence(p, &cp);

		if (!n) {
			mlg_strbuf_addstr(&sb, "\xEF\xBF\xBD");
			p++;
			continue;
		}
		if (lines && cp == '\n')
			mlg_strbuf_addch(&sb, '\n');
		else if (lines && cp == '\r' && (p[1] == '\n' || !p[1]))
			; /* a CRLF line end: the line ends all the same */
		else if (cp == '\n')
			mlg_strbuf_addstr(&sb, "\\n");
		else if (cp == '\r')
			mlg_strbuf_addstr(&sb, "\\r");
		else if (cp == '\t')
			mlg_strbuf_addstr(&sb, "\\t");
		else if (cp < 0x20 || cp == 0x7F)
			mlg_strbuf_addf(&sb, "\\x%02lX", cp);
		else if ((cp >= 0x80 && cp <= 0x9F) || is_bidi_control(cp))
			mlg_strbuf_addf(&sb, "\\u%04lX", cp);
		else
			mlg_strbuf_add(&sb, p, n);
		p += n;
	}
	return mlg_strbuf_detach(&sb);
}

char *mlg_text_one_line(const char *s)
{
	return escape_controls(s, 0);
}

char *mlg_text_lines(const char *s)
{
	return escape_controls(s, 1);
}
