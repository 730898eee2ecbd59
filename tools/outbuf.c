/*
 * outbuf.c - see outbuf.h.
 */
#include "tools/outbuf.h"

#include <string.h>

#include "tools/text.h"

void
cli_out_flush(struct cli_outbuf *o)
{
	if (o->len)
		fwrite_unlocked(o->buf, 1, o->len, o->f);
	o->len = 0;
}

void
cli_out_big(struct cli_outbuf *o, const void *p, size_t n)
{
	cli_out_flush(o);
	if (n > sizeof(o->buf)) {
		fwrite_unlocked(p, 1, n, o->f);
		return;
	}
	memcpy(o->buf, p, n);
	o->len = n;
}

/* Two digits at a time, from the end (a division per pair, not per digit). */
size_t
cli_i64_text(char *buf, int64_t v)
{
	static const char pairs[] =
	    "00010203040506070809101112131415161718192021222324252627282930"
	    "31323334353637383940414243444546474849505152535455565758596061"
	    "62636465666768697071727374757677787980818283848586878889909192"
	    "93949596979899";
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	char tmp[24], *end = tmp + sizeof(tmp), *p = end;
	size_t len;

	while (u >= 100) {
		p -= 2;
		memcpy(p, pairs + 2 * (u % 100), 2);
		u /= 100;
	}
	if (u >= 10) {
		p -= 2;
		memcpy(p, pairs + 2 * u, 2);
	} else {
		*--p = (char)('0' + u);
	}
	if (v < 0)
		*--p = '-';
	len = (size_t)(end - p);
	memcpy(buf, p, len);
	buf[len] = '\0';
	return len;
}

void
cli_out_i64(struct cli_outbuf *o, int64_t v)
{
	char buf[24];

	cli_out_put(o, buf, cli_i64_text(buf, v));
}

/* Printable ASCII but for the quote and the backslash: JSON as it is. */
static size_t
json_plain_len(const unsigned char *p)
{
	const unsigned char *q = p;

	while (*q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\')
		q++;
	return (size_t)(q - p);
}

/* SQLite's escape of an ASCII byte (json_quote, 3.40). */
static void
json_ascii(struct cli_outbuf *o, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e[6] = { '\\', (char)c };
	size_t n = 2;

	switch (c) {
	case '"': case '\\': break;
	case '\b': e[1] = 'b'; break;
	case '\f': e[1] = 'f'; break;
	case '\n': e[1] = 'n'; break;
	case '\r': e[1] = 'r'; break;
	case '\t': e[1] = 't'; break;
	default:
		if (c >= 0x20) {
			cli_out_put(o, &c, 1);
			return;
		}
		memcpy(e + 1, "u00", 3);
		e[4] = hex[c >> 4];
		e[5] = hex[c & 15];
		n = 6;
	}
	cli_out_put(o, e, n);
}

void
cli_out_json_value(struct cli_outbuf *o, const char *key, size_t keylen,
    const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t n, plain;
	bool lossy = false;

	if (!s) {
		CLI_OUT_LIT(o, "null");
		return;
	}
	plain = json_plain_len(p);
	if (!p[plain]) {		/* the usual case: nothing to escape */
		cli_out_put(o, "\"", 1);
		cli_out_put(o, p, plain);
		cli_out_put(o, "\"", 1);
		return;
	}
	n = plain + strlen(s + plain);
	cli_out_put(o, "\"", 1);
	cli_out_put(o, p, plain);
	for (size_t i = plain; i < n;) {
		size_t len;

		if (p[i] < 0x80) {
			json_ascii(o, p[i++]);
			continue;
		}
		len = cli_utf8_len(p + i, n - i);
		if (len == 0) {
			cli_out_put(o, "\xef\xbf\xbd", 3);
			lossy = true;
			i++;
			continue;
		}
		cli_out_put(o, p + i, len);
		i += len;
	}
	cli_out_put(o, "\"", 1);
	if (!lossy)
		return;
	cli_out_put(o, ",\"", 2);
	cli_out_put(o, key, keylen);
	cli_out_put(o, "_hex\":\"", 7);
	for (size_t i = 0; i < n; i++) {
		char h[2] = { hex[p[i] >> 4], hex[p[i] & 15] };

		cli_out_put(o, h, 2);
	}
	cli_out_put(o, "\"", 1);
}

void
cli_out_json_int(struct cli_outbuf *o, const char *member, size_t len,
    int64_t v, bool null)
{
	cli_out_put(o, member, len);
	if (null)
		CLI_OUT_LIT(o, "null");
	else
		cli_out_i64(o, v);
}

/* Printable ASCII but for the backslash: CSV as it is (quotes doubled). */
static bool
csv_plain(const unsigned char *p, bool *quote)
{
	for (; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '\\')
			return false;
		if (*p == ',' || *p == '"')
			*quote = true;
	}
	return true;
}

void
cli_out_csv(struct cli_outbuf *o, const char *s, bool last)
{
	const unsigned char *p = (const unsigned char *)s;
	bool quote = false;

	if (!s) {
		cli_out_put(o, last ? "\n" : ",", 1);
		return;
	}
	if (!csv_plain(p, &quote)) {	/* cli_csv_field's way, on f */
		quote = s[strcspn(s, ",\"")] != '\0';
		if (quote)
			cli_out_put(o, "\"", 1);
		cli_out_flush(o);
		cli_escape_write(o->f, s, true);
		if (quote)
			cli_out_put(o, "\"", 1);
		cli_out_put(o, last ? "\n" : ",", 1);
		return;
	}
	if (!quote) {
		cli_out_str(o, s);
		cli_out_put(o, last ? "\n" : ",", 1);
		return;
	}
	cli_out_put(o, "\"", 1);
	for (const char *q = s; *q;) {
		size_t k = strcspn(q, "\"");

		cli_out_put(o, q, k);
		q += k;
		if (*q == '"') {
			cli_out_put(o, "\"\"", 2);
			q++;
		}
	}
	cli_out_put(o, "\"", 1);
	cli_out_put(o, last ? "\n" : ",", 1);
}

/*
 * cli_human_size's text of n >= 1024 without floating point: n / 1024^k
 * is exact in binary (for n up to 2^53, where (double)n is n), and
 * printf rounds an exact value to the nearest, a tie to even; so do the
 * integers here.
 */
static uint64_t
round_shift(unsigned __int128 x, unsigned shift)
{
	unsigned __int128 mask = ((unsigned __int128)1 << shift) - 1;
	unsigned __int128 q = x >> shift, rem = x & mask;
	unsigned __int128 half = (unsigned __int128)1 << (shift - 1);

	if (rem > half || (rem == half && (q & 1)))
		q++;
	return (uint64_t)q;
}

size_t
cli_size_text(char *buf, int64_t n)
{
	static const char units[] = "KMGTPE";
	unsigned u = 0, shift;
	uint64_t q;
	size_t len;

	if (n < 1024 && n > -1024)
		return cli_i64_text(buf, n);
	if (n < 0 || n > (int64_t)1 << 53)	/* (double)n is not n */
		return 0;
	while (u < 5 && (uint64_t)n >= (uint64_t)1 << (10 * (u + 2)))
		u++;
	shift = 10 * (u + 1);
	if ((uint64_t)n < (uint64_t)10 << shift) {	/* v < 10: one decimal */
		q = round_shift((unsigned __int128)n * 10, shift);
		len = cli_i64_text(buf, (int64_t)(q / 10));
		buf[len++] = '.';
		buf[len++] = (char)('0' + q % 10);
	} else {
		q = round_shift((unsigned __int128)n, shift);
		len = cli_i64_text(buf, (int64_t)q);
	}
	buf[len++] = units[u];
	buf[len] = '\0';
	return len;
}
