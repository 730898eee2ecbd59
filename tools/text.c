/*
 * text.c - see text.h.
 */
#include "tools/text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t
cli_utf8_len(const unsigned char *s, size_t n)
{
	/* the second byte's range for each lead byte (RFC 3629, table 6) */
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;		/* no overlong 3-byte forms */
	else if (s[0] == 0xed)
		hi = 0x9f;		/* no surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90;		/* no overlong 4-byte forms */
	else if (s[0] == 0xf4)
		hi = 0x8f;		/* nothing above U+10FFFF */
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/*
 * How many bytes at s are shown as they are (a printable character),
 * or 0 if s[0] must be escaped.
 */
static size_t
plain_len(const unsigned char *s, size_t n)
{
	size_t len;

	if (s[0] == '\\' || s[0] < 0x20 || s[0] == 0x7f)
		return 0;
	len = cli_utf8_len(s, n);
	if (len == 2 && s[0] == 0xc2 && s[1] < 0xa0)
		return 0;		/* C1 control, U+0080-U+009F */
	return len;
}

bool
cli_text_plain(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	while (n) {
		size_t len = plain_len(p, n);

		if (!len)
			return false;
		p += len;
		n -= len;
	}
	return true;
}

/* The escape for the byte c, into out (at most 5 bytes); its length. */
static size_t
escape_byte(unsigned char c, char *out)
{
	switch (c) {
	case '\\': memcpy(out, "\\\\", 2); return 2;
	case '\n': memcpy(out, "\\n", 2); return 2;
	case '\r': memcpy(out, "\\r", 2); return 2;
	case '\t': memcpy(out, "\\t", 2); return 2;
	default:
		snprintf(out, 5, "\\x%02x", c);
		return 4;
	}
}

char *
cli_escape_buf(char *buf, size_t size, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), at = 0;

	if (size == 0)
		return buf;
	while (n) {
		size_t take = plain_len(p, n);	/* bytes of s consumed */
		size_t len = take;		/* bytes of output */
		char esc[5];

		if (take == 0) {
			len = escape_byte(*p, esc);
			take = 1;
		} else {
			memcpy(esc, p, take);
		}
		if (at + len >= size)
			break;
		memcpy(buf + at, esc, len);
		at += len;
		p += take;
		n -= take;
	}
	buf[at] = '\0';
	return buf;
}

void
cli_escape_write(FILE *f, const char *s, bool csv_quotes)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	while (n) {
		size_t len = plain_len(p, n);
		char esc[5];

		if (len == 0) {
			fwrite(esc, 1, escape_byte(*p, esc), f);
			len = 1;
		} else if (csv_quotes && *p == '"') {
			fputs("\"\"", f);
		} else {
			fwrite(p, 1, len, f);
		}
		p += len;
		n -= len;
	}
}

char *
cli_escape(const char *s)
{
	size_t size;
	char *out;

	if (!s)
		return NULL;
	size = strlen(s) * 4 + 1;	/* "\xHH" for every byte at most */
	out = malloc(size);
	return out ? cli_escape_buf(out, size, s) : NULL;
}

/* --- shell words --- */

static bool
shell_safe(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("_@%+=:,./-", *s)))
			return false;
	return true;
}

/* Printable throughout (a backslash is, inside single quotes). */
static bool
shell_printable(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	while (n) {
		size_t len = *p == '\\' ? 1 : plain_len(p, n);

		if (!len)
			return false;
		p += len;
		n -= len;
	}
	return true;
}

char *
cli_shell_quote(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), at = 0;
	bool printable = shell_printable(s);
	char *out;

	if (shell_safe(s))
		return strdup(s);
	out = malloc(n * 4 + 4);	/* "\xHH" per byte, $' and ' */
	if (!out)
		return NULL;
	if (!printable)
		out[at++] = '$';
	out[at++] = '\'';
	while (n) {
		/* printable: byte by byte; else a character, or 0 to escape */
		size_t len = printable ? 1 : plain_len(p, n);

		if (*p == '\'') {
			const char *q = printable ? "'\\''" : "\\'";

			memcpy(out + at, q, strlen(q));
			at += strlen(q);
		} else if (len) {
			memcpy(out + at, p, len);
			at += len;
		} else {
			at += escape_byte(*p, out + at);
			len = 1;
		}
		p += len;
		n -= len;
	}
	out[at++] = '\'';
	out[at] = '\0';
	return out;
}

/* --- JSON --- */

struct buf {
	char	*p;
	size_t	len, cap;
	bool	oom;
};

static void
put(struct buf *b, const void *data, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
put_hex(struct buf *b, const unsigned char *data, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		char h[2] = { digits[data[i] >> 4], digits[data[i] & 15] };

		put(b, h, 2);
	}
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The code unit of "\uXXXX" at s (s[0] == 'u'), or -1. */
static long
unit_at(const char *s)
{
	long v = 0;

	for (int i = 1; i <= 4; i++) {
		int d = hex_digit(s[i]);

		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* The code point c as UTF-8 into out; its length. */
static size_t
utf8_put(uint32_t c, unsigned char *out)
{
	if (c < 0x80) {
		out[0] = (unsigned char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (unsigned char)(0xc0 | c >> 6);
		out[1] = (unsigned char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (unsigned char)(0xe0 | c >> 12);
		out[1] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		out[2] = (unsigned char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | c >> 18);
	out[1] = (unsigned char)(0x80 | (c >> 12 & 0x3f));
	out[2] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
	out[3] = (unsigned char)(0x80 | (c & 0x3f));
	return 4;
}

/*
 * The JSON escape at s (s[0] == '\\'): its length in the text, and the
 * bytes it stands for in raw (*rawlen of them).
 */
static size_t
unescape(const char *s, unsigned char *raw, size_t *rawlen)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *k = s[1] ? strchr(from, s[1]) : NULL;
	long u, lo;

	if (k) {
		raw[0] = (unsigned char)to[k - from];
		*rawlen = 1;
		return 2;
	}
	if (s[1] != 'u' || (u = unit_at(s + 1)) < 0) {
		*rawlen = 0;		/* not JSON; keep the backslash */
		return 1;
	}
	if (u >= 0xd800 && u < 0xdc00 && s[6] == '\\' && s[7] == 'u' &&
	    (lo = unit_at(s + 7)) >= 0xdc00 && lo < 0xe000) {
		*rawlen = utf8_put(0x10000 + ((uint32_t)(u - 0xd800) << 10) +
		    (uint32_t)(lo - 0xdc00), raw);
		return 12;
	}
	*rawlen = utf8_put((uint32_t)u, raw);
	return 6;
}

/*
 * Copy the string token at *sp (at its opening quote) to out, invalid
 * bytes replaced; its exact bytes go to raw.  Returns true if any byte
 * was replaced.  *sp is left after the closing quote.
 */
static bool
clean_string(const char **sp, struct buf *out, struct buf *raw)
{
	static const char fffd[] = "\xef\xbf\xbd";
	const unsigned char *p = (const unsigned char *)*sp + 1;
	bool lossy = false;

	raw->len = 0;
	put(out, "\"", 1);
	while (*p && *p != '"') {
		unsigned char bytes[4];
		size_t n, len;

		if (*p == '\\') {
			n = unescape((const char *)p, bytes, &len);
			put(out, p, n);
			put(raw, bytes, len);
			p += n;
			continue;
		}
		/* 4: a NUL ends any sequence (it is no continuation byte) */
		len = cli_utf8_len(p, 4);
		if (len == 0) {
			put(out, fffd, 3);
			put(raw, p, 1);
			lossy = true;
			p++;
			continue;
		}
		put(out, p, len);
		put(raw, p, len);
		p += len;
	}
	if (*p == '"')
		p++;
	put(out, "\"", 1);
	*sp = (const char *)p;
	return lossy;
}

char *
cli_json_clean(const char *json)
{
	struct buf out = { 0 }, raw = { 0 }, key = { 0 };
	const char *s = json;
	char prev = 0;			/* the last character outside strings */

	put(&key, "", 0);
	while (*s) {
		const char *start = s;
		bool lossy, is_key;
		const char *next;

		if (*s != '"') {
			if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
				prev = *s;
			put(&out, s++, 1);
			continue;
		}
		lossy = clean_string(&s, &out, &raw);
		for (next = s; *next == ' ' || *next == '\t' || *next == '\n' ||
		    *next == '\r'; next++)
			;
		is_key = *next == ':';
		if (is_key) {
			key.len = 0;
			put(&key, start + 1, (size_t)(s - start) - 2);
		} else if (lossy && prev == ':' && key.p) {
			put(&out, ",\"", 2);
			put(&out, key.p, key.len);
			put(&out, "_hex\":\"", 7);
			put_hex(&out, (const unsigned char *)raw.p, raw.len);
			put(&out, "\"", 1);
		}
		prev = '"';
	}
	put(&out, "", 0);
	free(raw.p);
	free(key.p);
	if (out.oom || raw.oom || key.oom) {
		free(out.p);
		return NULL;
	}
	return out.p;
}
