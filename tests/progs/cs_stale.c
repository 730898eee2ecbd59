/*
 * cs_stale.c [N] - two write call sites reached over different stack
 * garbage.  Before each write, smear() recurses to some depth and leaves
 * its return addresses on the stack; the writing function's large local
 * buffer is mostly left uninitialised, so those stale words lie just above
 * the stack pointer at the write, where a stack scan would take them for
 * callers.
 *
 *   put_line() writes "line I" N times (default 8), after smear(I % 4);
 *   put_tail() writes "tail" once, after smear(1 + the environment's size
 *   % 4): the environment holds PWD, the run directory, so a longer
 *   TMPDIR or a larger environment leaves other garbage.
 *
 * Two code locations: data.txt must get exactly two call-site ids, the
 * same in every run whatever TMPDIR and the environment.  Built with and
 * without frame pointers (tests/CMakeLists.txt).  Exits 1 on an error.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static int fd;

__attribute__((noinline)) static int
smear(int depth)
{
	volatile char pad[40];

	pad[0] = (char)depth;
	if (depth <= 0)
		return pad[0];
	return smear(depth - 1) + pad[0];
}

__attribute__((noinline)) static int
put_line(int i)
{
	char buf[768];			/* only the first bytes are written */
	int len = snprintf(buf, 32, "line %d\n", i);

	return write(fd, buf, (size_t)len) == len ? 0 : -1;
}

__attribute__((noinline)) static int
put_tail(void)
{
	char buf[768];

	memcpy(buf, "tail\n", 5);
	return write(fd, buf, 5) == 5 ? 0 : -1;
}

static size_t
environment_size(void)
{
	size_t n = 0;

	for (char **e = environ; *e; e++)
		n += strlen(*e) + 1;
	return n;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 8;
	int i, rc = 0;

	fd = open("data.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return 1;
	for (i = 0; i < n; i++) {
		smear(i % 4);
		rc |= put_line(i);
	}
	smear(1 + (int)(environment_size() % 4));
	rc |= put_tail();
	return rc || close(fd) < 0;
}
