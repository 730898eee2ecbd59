/*
 * outbuf.h - a buffered writer for big listings (badio sites): bytes
 * gathered in 64 KiB and written with one fwrite, integers formatted
 * without printf, and the JSON and CSV text of a field the way the
 * slower paths made it (SQLite's json_quote then cli_json_clean;
 * cli_csv_field), with a fast path for printable ASCII.
 */
#ifndef BADIO_TOOLS_OUTBUF_H
#define BADIO_TOOLS_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define CLI_OUTBUF_SIZE	65536

struct cli_outbuf {
	FILE		*f;
	size_t		len;
	char		buf[CLI_OUTBUF_SIZE];
};

/* Write what is held to f. */
void	cli_out_flush(struct cli_outbuf *o);
/* n bytes that do not fit: flush, then hold them or write them through */
void	cli_out_big(struct cli_outbuf *o, const void *p, size_t n);

/* Inline: a listing puts some 60 short pieces per row. */
static inline void
cli_out_put(struct cli_outbuf *o, const void *p, size_t n)
{
	if (o->len + n > sizeof(o->buf)) {
		cli_out_big(o, p, n);
		return;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static inline void
cli_out_str(struct cli_outbuf *o, const char *s)
{
	cli_out_put(o, s, strlen(s));
}

/* A string literal, its length known when compiling. */
#define CLI_OUT_LIT(o, lit)	cli_out_put((o), (lit), sizeof(lit) - 1)

void	cli_out_i64(struct cli_outbuf *o, int64_t v);
/* v in decimal into buf (at least 21 bytes, NUL-terminated); its length. */
size_t	cli_i64_text(char *buf, int64_t v);
/*
 * cli_human_size's text of n into buf (at least 24 bytes): "512", "7.0K",
 * "12M"; its length, or 0 (nothing written) for n <= -1024 and above
 * 2^53 (leave those to cli_human_size's doubles).
 */
size_t	cli_size_text(char *buf, int64_t n);

/*
 * The value s (NULL: null) of the JSON object member "key", written
 * after its "key": by the caller: the bytes json_object gives, mended as
 * cli_json_clean mends them (U+FFFD for bytes that are not UTF-8, then a
 * member "key_hex" with the bytes in hex).
 */
void	cli_out_json_value(struct cli_outbuf *o, const char *key,
	    size_t keylen, const char *s);
/* ,"key":v, or ,"key":null when the bit is in nulls (json_object's) */
#define CLI_JSON_INT(b, key, v, nulls, bit)				\
	cli_out_json_int((b), ",\"" key "\":", sizeof(",\"" key "\":") - 1, \
	    (v), (nulls) & (bit))
#define CLI_JSON_STR(b, key, s)						\
	(CLI_OUT_LIT((b), ",\"" key "\":"),				\
	    cli_out_json_value((b), key, sizeof(key) - 1, (s)))
#define CLI_JSON_BOOL(b, key, v)					\
	((v) ? CLI_OUT_LIT((b), ",\"" key "\":true") :			\
	    CLI_OUT_LIT((b), ",\"" key "\":false"))
void	cli_out_json_int(struct cli_outbuf *o, const char *member, size_t len,
	    int64_t v, bool null);
/* A CSV field as cli_csv_field writes it, then ',' or (last) '\n'. */
void	cli_out_csv(struct cli_outbuf *o, const char *s, bool last);

#endif /* BADIO_TOOLS_OUTBUF_H */
