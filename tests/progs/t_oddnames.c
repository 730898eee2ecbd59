/*
 * t_oddnames: create and write files whose names are hostile to output
 * formats (tests/cli/test_attacks.sh): bytes that are not UTF-8, a
 * newline, a terminal escape sequence, a tab and a backslash, a quote
 * and a comma, a C1 control (U+009B, CSI on some terminals), and
 * valid non-ASCII UTF-8 that must be kept.  Sites: 2 per file (the
 * creating open, one write of "x\n").
 */
#include "progs.h"

static const char *const names[] = {
	"bad\xff\xfe.txt",		/* not UTF-8 */
	"new\nline.txt",
	"esc\x1b[31mred\x1b[0m.txt",	/* would colour a terminal */
	"tab\tand\\back.txt",
	"quote\"and,comma.txt",
	"csi\xc2\x9b" "2J.txt",		/* C1 CSI: "clear screen" */
	"caf\xc3\xa9.txt",		/* valid UTF-8: shown as it is */
};

int
main(void)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (write_text(names[i], "x\n") < 0)
			fail("t_oddnames: %s", strerror(errno));
	return 0;
}
