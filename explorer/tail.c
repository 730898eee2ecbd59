/*
 * tail.c - keep the last BX_TAIL_MAX bytes of a stream (PROG's output,
 * the oracle's output) in a fixed buffer, so an experiment's result is
 * a fixed-size record that a worker can send over a pipe.
 */
#include "explorer/explorer_int.h"

#include <string.h>

void
bx_tail_append(struct bx_tail *t, const char *p, size_t n)
{
	t->total += n;
	if (n >= BX_TAIL_MAX) {
		memcpy(t->buf, p + n - BX_TAIL_MAX, BX_TAIL_MAX);
		t->len = BX_TAIL_MAX;
		return;
	}
	if (t->len + n > BX_TAIL_MAX) {
		size_t drop = t->len + n - BX_TAIL_MAX;

		memmove(t->buf, t->buf + drop, t->len - drop);
		t->len -= drop;
	}
	memcpy(t->buf + t->len, p, n);
	t->len += n;
}

void
bx_tail_text(const struct bx_tail *t, char *out)
{
	size_t i;

	for (i = 0; i < t->len && i < BX_TAIL_MAX; i++)
		out[i] = t->buf[i] ? t->buf[i] : '.';
	out[i] = '\0';
}

/* Length of an escape sequence at p (ESC [ ... final, ESC ] ... BEL/ST,
 * ESC and one byte), 0 if p is no ESC. */
static size_t
escape_len(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *q = p + 1;

	if (*p != 0x1b)
		return 0;
	if (q < end && *q == '[') {
		for (q++; q < end && (*q < 0x40 || *q > 0x7e); q++)
			;
		return (size_t)(q < end ? q + 1 - p : end - p);
	}
	if (q < end && *q == ']') {
		for (q++; q < end && *q != 0x07 && *q != 0x1b; q++)
			;
		if (q < end && *q == 0x1b && q + 1 < end && q[1] == '\\')
			q++;
		return (size_t)(q < end ? q + 1 - p : end - p);
	}
	return q < end ? 2 : 1;
}

/* Length of the UTF-8 sequence at p, 0 if p starts none (or a C1). */
static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 :
	    (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;

	if (n == 0 || (size_t)(end - p) < n || (*p == 0xc2 && p[1] < 0xa0) ||
	    *p == 0xc0 || *p == 0xc1 || *p > 0xf4)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Line [p, end) cleaned into buf; its length. */
static size_t
clean_line(const unsigned char *p, const unsigned char *end,
    char buf[BX_LAST_LINE_MAX + 1])
{
	size_t len = 0;

	while (p < end && len < BX_LAST_LINE_MAX) {
		size_t n = escape_len(p, end);

		if (n) {
			p += n;
			continue;
		}
		n = utf8_len(p, end);
		if (n == 1 && (*p < 0x20 || *p == 0x7f)) {
			if (*p == '\t' && len > 0 && buf[len - 1] != ' ')
				buf[len++] = ' ';
			p++;
			continue;
		}
		if (n == 0) {		/* not UTF-8: dropped */
			p++;
			continue;
		}
		if (len + n > BX_LAST_LINE_MAX)
			break;
		if (!(len == 0 && *p == ' ')) {
			memcpy(buf + len, p, n);
			len += n;
		}
		p += n;
	}
	while (len > 0 && buf[len - 1] == ' ')
		len--;
	buf[len] = '\0';
	return len;
}

/*
 * A carriage return starts the line over (progress bars): the last
 * segment after one is what a terminal shows.  A line that cleans to
 * nothing (only escape sequences) does not count.
 */
void
bx_last_line(const char *text, char buf[BX_LAST_LINE_MAX + 1])
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	const unsigned char *end = s + strlen((const char *)s);
	const unsigned char *start;

	for (;;) {
		for (start = end; start > s && start[-1] != '\n' &&
		    start[-1] != '\r'; start--)
			;
		if (clean_line(start, end, buf) > 0 || start == s)
			return;
		end = start - 1;
	}
}
