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
