/*
 * markup.c - see markup.h.
 */
#include "tools/markup.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * form, no surrogate, nothing above U+10FFFF), 1 to 4, or 0; *cp gets
 * the code point.
 */
static size_t
utf8_seq(const unsigned char *s, uint32_t *cp)
{
	size_t n, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;	/* also stops at the NUL */
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

static void
hex_byte(FILE *f, unsigned char b)
{
	fprintf(f, "\\x%02x", b);
}

static bool
xml_char(uint32_t c)
{
	return c == '\t' || c == '\n' || c == '\r' ||
	    (c >= 0x20 && c != 0xfffe && c != 0xffff);
}

void
markup_xml(FILE *f, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	uint32_t c;
	size_t n;

	while (s && *s) {
		n = utf8_seq(s, &c);
		if (n == 0 || !xml_char(c)) {
			/* a whole invalid character, byte by byte */
			for (size_t i = 0; i < (n ? n : 1); i++)
				hex_byte(f, s[i]);
			s += n ? n : 1;
			continue;
		}
		switch (c) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		case '\r': fputs("&#13;", f); break;	/* kept, not normalized */
		default: fwrite(s, 1, n, f); break;
		}
		s += n;
	}
}

void
markup_json(FILE *f, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	uint32_t c;
	size_t n;

	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	while (*s) {
		n = utf8_seq(s, &c);
		if (n == 0) {
			fputc('\\', f);		/* "\\x80": a backslash, then x80 */
			hex_byte(f, *s++);
			continue;
		}
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", (int)c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", (unsigned)c);
		else
			fwrite(s, 1, n, f);
		s += n;
	}
	fputc('"', f);
}

void
markup_json_uri(FILE *f, const char *path)
{
	static const char unreserved[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-._~/";
	const unsigned char *s = (const unsigned char *)path;

	fputc('"', f);
	if (*s == '/')
		fputs("file://", f);
	for (; *s; s++) {
		if (strchr(unreserved, *s))
			fputc(*s, f);
		else
			fprintf(f, "%%%02X", *s);
	}
	fputc('"', f);
}
