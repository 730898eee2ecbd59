/*
 * test_text.c - tools/text.c: the escaping of tables and CSV, and valid
 * UTF-8 JSON from SQLite's (issue 7: file names that are not UTF-8
 * made the JSON invalid; newlines and terminal escapes reached tables).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tools/text.h"

static void
assert_escape(const char *in, const char *want)
{
	char *got = cli_escape(in);

	cr_assert_not_null(got);
	cr_assert_str_eq(got, want, "escape of %s", want);
	cr_assert_eq(cli_text_plain(in), strcmp(in, want) == 0);
	free(got);
}

Test(escape, control_bytes_backslash_and_bad_utf8)
{
	assert_escape("data.txt", "data.txt");
	assert_escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	assert_escape("a\nb\rc\td", "a\\nb\\rc\\td");
	assert_escape("a\\n", "a\\\\n");
	assert_escape("\x1b[31mred", "\\x1b[31mred");
	assert_escape("\x01\x7f", "\\x01\\x7f");
	assert_escape("bad\xff\xfe", "bad\\xff\\xfe");
	/* C1 controls, byte by byte: U+009B is CSI on some terminals */
	assert_escape("\xc2\x9b" "2J", "\\xc2\\x9b2J");
	assert_escape("\xc2\xa0", "\xc2\xa0");		/* U+00A0 is text */
	/* overlong, surrogate, above U+10FFFF, truncated */
	assert_escape("\xc0\xaf", "\\xc0\\xaf");
	assert_escape("\xe0\x80\xaf", "\\xe0\\x80\\xaf");
	assert_escape("\xed\xa0\x80", "\\xed\\xa0\\x80");
	assert_escape("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	assert_escape("\xe2\x82", "\\xe2\\x82");
	assert_escape("", "");
	cr_assert_null(cli_escape(NULL));
}

Test(escape, buffer_cut_at_a_whole_escape)
{
	char buf[8];

	cr_assert_str_eq(cli_escape_buf(buf, sizeof(buf), "ab\ncd"), "ab\\ncd");
	cr_assert_str_eq(cli_escape_buf(buf, sizeof(buf), "abcde\x1b"), "abcde");
	cr_assert_str_eq(cli_escape_buf(buf, 1, "abc"), "");
}

static void
assert_clean(const char *in, const char *want)
{
	char *got = cli_json_clean(in);

	cr_assert_not_null(got);
	cr_assert_str_eq(got, want);
	free(got);
}

Test(json, valid_json_is_unchanged)
{
	assert_clean("[]", "[]");
	assert_clean("{\"path\":\"caf\xc3\xa9\\n\\u001b\",\"n\":[1,2]}",
	    "{\"path\":\"caf\xc3\xa9\\n\\u001b\",\"n\":[1,2]}");
	assert_clean("{ \"a\" : \"x\" , \"b\" : null }",
	    "{ \"a\" : \"x\" , \"b\" : null }");
}

Test(json, bad_bytes_become_fffd_with_the_exact_bytes_in_hex)
{
	/* the escapes count in the hex as the bytes they stand for */
	assert_clean("{\"path\":\"a\xff\\n\\\"\\u001b\\\\\",\"kind\":\"regular\"}",
	    "{\"path\":\"a\xef\xbf\xbd\\n\\\"\\u001b\\\\\","
	    "\"path_hex\":\"61ff0a221b5c\",\"kind\":\"regular\"}");
	/* nested objects, several members */
	assert_clean("[{\"key\":\"w:\xfe:1\",\"o\":{\"m\":\"\xc3\"}}]",
	    "[{\"key\":\"w:\xef\xbf\xbd:1\",\"key_hex\":\"773afe3a31\","
	    "\"o\":{\"m\":\"\xef\xbf\xbd\",\"m_hex\":\"c3\"}}]");
	/* in an array there is no member to add: the replacement only */
	assert_clean("[\"\xff\"]", "[\"\xef\xbf\xbd\"]");
	/* a \u escape beyond ASCII, and a surrogate pair, as UTF-8 */
	assert_clean("{\"p\":\"\\u00e9\\ud83d\\ude00\xff\"}",
	    "{\"p\":\"\\u00e9\\ud83d\\ude00\xef\xbf\xbd\","
	    "\"p_hex\":\"c3a9f09f9880ff\"}");
}

/* Linear in the text: a 4 MiB string (a crafted path) took hours. */
Test(json, long_strings_in_linear_time)
{
	size_t n = 4 << 20;
	char *in = malloc(n + 16), *out;

	cr_assert_not_null(in);
	memcpy(in, "{\"p\":\"", 6);
	memset(in + 6, 'x', n);
	in[6 + n / 2] = '\xff';
	memcpy(in + 6 + n, "\"}", 3);
	out = cli_json_clean(in);
	cr_assert_not_null(out);
	/* {"p":" + n - 1 bytes + U+FFFD + ","p_hex":" + 2n digits + "} */
	cr_assert_eq(strlen(out), 6 + (n - 1) + 3 + 11 + 2 * n + 2);
	free(in);
	free(out);
}

/* --- tools/outbuf.c: the listing's fast text, byte for byte the slow one --- */

#include <inttypes.h>
#include <stdio.h>

#include "tools/outbuf.h"

/* cli_human_size as it was (doubles and printf): the reference. */
static void
human_size_printf(char *buf, size_t size, int64_t n)
{
	static const char units[] = "KMGTPE";
	double v = (double)n;
	int u = -1;

	if (n < 1024 && n > -1024) {
		snprintf(buf, size, "%lld", (long long)n);
		return;
	}
	while ((v >= 1024 || v <= -1024) && u < 5) {
		v /= 1024;
		u++;
	}
	if (v < 10 && v > -10)
		snprintf(buf, size, "%.1f%c", v, units[u]);
	else
		snprintf(buf, size, "%.0f%c", v, units[u]);
}

static void
assert_size(int64_t n)
{
	char got[32], want[32];

	human_size_printf(want, sizeof(want), n);
	if (n > (int64_t)1 << 53) {
		cr_assert_eq(cli_size_text(got, n), 0, "size %" PRId64, n);
		return;
	}
	cr_assert_neq(cli_size_text(got, n), 0, "size %" PRId64, n);
	cr_assert_str_eq(got, want, "size %" PRId64, n);
}

Test(outbuf, sizes_as_printf_makes_them)
{
	uint64_t x = 88172645463325252ull;

	/* every value to 3 MiB: each rounding of %.1f and %.0f, ties too */
	for (int64_t n = -1023; n < 3 << 20; n++)
		assert_size(n);
	/* ties and their neighbours at every unit, and random values */
	for (unsigned s = 10; s <= 60; s += 10)
		for (int64_t k = 1; k < 20000; k++) {
			unsigned __int128 t = ((unsigned __int128)k << s) / 20;
			int64_t m = (int64_t)t;

			if (t >= INT64_MAX)
				break;
			assert_size(m - 1);
			assert_size(m);
			assert_size(m + 1);
		}
	for (int i = 0; i < 1000000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		assert_size((int64_t)(x >> (x & 63)) & INT64_MAX);
		assert_size((int64_t)(x >> (11 + (x & 63) % 53)));
	}
	assert_size(INT64_MAX);
	cr_assert_eq(cli_size_text((char[32]){ 0 }, -1024), 0);
}

Test(outbuf, integers_as_printf_makes_them)
{
	static const int64_t v[] = {
		0, 1, -1, 9, 10, 99, 100, 101, 12345, -98765, INT64_MAX,
		INT64_MIN, INT64_MIN + 1, 1000000000000000000,
	};
	char got[24], want[24];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(want, sizeof(want), "%" PRId64, v[i]);
		cr_assert_eq(cli_i64_text(got, v[i]), strlen(want));
		cr_assert_str_eq(got, want);
	}
}

/* The text a struct cli_outbuf gathered (its FILE is a memory stream). */
struct captured {
	char		*text;
	size_t		len;
	FILE		*f;
	struct cli_outbuf *o;
};

static void
capture_start(struct captured *c)
{
	c->f = open_memstream(&c->text, &c->len);
	c->o = calloc(1, sizeof(*c->o));
	cr_assert(c->f && c->o);
	c->o->f = c->f;
}

static char *
capture_end(struct captured *c)
{
	cli_out_flush(c->o);
	fclose(c->f);
	free(c->o);
	return c->text;
}

/* json_object's member as SQLite 3.40 writes it, through cli_json_clean. */
static void
assert_json_value(const char *value, const char *sqlite_text)
{
	struct captured c;
	char *want = cli_json_clean(sqlite_text), *got;

	capture_start(&c);
	cli_out_put(c.o, "{\"path\":", 8);
	cli_out_json_value(c.o, "path", 4, value);
	cli_out_put(c.o, "}", 1);
	got = capture_end(&c);
	cr_assert_str_eq(got, want, "json of %s", sqlite_text);
	free(got);
	free(want);
}

Test(outbuf, json_values_as_sqlite_and_the_mender_make_them)
{
	assert_json_value("log.txt", "{\"path\":\"log.txt\"}");
	assert_json_value(NULL, "{\"path\":null}");
	assert_json_value("", "{\"path\":\"\"}");
	assert_json_value("q\"b\\s/", "{\"path\":\"q\\\"b\\\\s/\"}");
	assert_json_value("\b\f\n\r\t\x01\x0b\x1f\x7f",
	    "{\"path\":\"\\b\\f\\n\\r\\t\\u0001\\u000b\\u001f\x7f\"}");
	assert_json_value("caf\xc3\xa9", "{\"path\":\"caf\xc3\xa9\"}");
	/* not UTF-8: U+FFFD and path_hex, the bytes exactly */
	assert_json_value("bad\xff\xfe.txt", "{\"path\":\"bad\xff\xfe.txt\"}");
	assert_json_value("n\nl\xc3", "{\"path\":\"n\\nl\xc3\"}");
	assert_json_value("\xc3\"", "{\"path\":\"\xc3\\\"\"}");
	assert_json_value("\xe2\x82", "{\"path\":\"\xe2\x82\"}");
	assert_json_value("csi\xc2\x9b" "2J", "{\"path\":\"csi\xc2\x9b" "2J\"}");
}

static void
assert_csv(const char *value, const char *want)
{
	struct captured c;
	char *got;

	capture_start(&c);
	cli_out_csv(c.o, value, false);
	cli_out_csv(c.o, value, true);
	got = capture_end(&c);
	cr_assert_str_eq(got, want, "csv of %s", want);
	free(got);
}

Test(outbuf, csv_fields_as_cli_csv_field_writes_them)
{
	assert_csv(NULL, ",\n");
	assert_csv("", ",\n");
	assert_csv("a b", "a b,a b\n");
	assert_csv("a,b", "\"a,b\",\"a,b\"\n");
	assert_csv("q\"", "\"q\"\"\",\"q\"\"\"\n");
	assert_csv("n\nl,\"", "\"n\\nl,\"\"\",\"n\\nl,\"\"\"\n");
	assert_csv("back\\slash", "back\\\\slash,back\\\\slash\n");
	assert_csv("bad\xff", "bad\\xff,bad\\xff\n");
	assert_csv("caf\xc3\xa9", "caf\xc3\xa9,caf\xc3\xa9\n");
}
