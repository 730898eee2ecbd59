/*
 * p_devnull: what a program's /dev/null is.  It opens /dev/null with
 * O_CREAT | O_TRUNC (a creating open, as shells' "> /dev/null" does),
 * writes to it, and writes data.txt.  Run with stdin on /dev/null (the
 * live tests do, and explore does when no stdin was kept): the fresh
 * /dev/null is not the program's stdin and must not be named <stdin>,
 * and it is kind "other", so explore leaves it alone by default.
 */
#include "progs.h"

int
main(void)
{
	int fd = (int)CHECK(open("/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644));

	EXPECT(write(fd, "discard\n", 8), 8);
	EXPECT(close(fd), 0);
	EXPECT(write_text("data.txt", "kept\n"), 0);
	return 0;
}
