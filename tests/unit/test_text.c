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
