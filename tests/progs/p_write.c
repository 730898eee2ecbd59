/*
 * p_write FILE N SIZE: create FILE (openat O_CREAT|O_TRUNC) and write it
 * with N write(2) calls of SIZE bytes; chunk k (0-based) is SIZE copies
 * of the byte 'a' + k % 26.  Sites: 1 openat + N writes.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "progs.h"

int
main(int argc, char **argv)
{
	static char buf[1 << 16];
	long n, size, k;
	int fd;

	if (argc != 4)
		fail("usage: p_write FILE N SIZE");
	n = atol(argv[2]);
	size = atol(argv[3]);
	if (size < 0 || size > (long)sizeof(buf))
		fail("p_write: bad size");
	fd = CHECK(open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644));
	for (k = 0; k < n; k++) {
		memset(buf, 'a' + k % 26, size);
		EXPECT(write(fd, buf, size), size);
	}
	EXPECT(close(fd), 0);
	return 0;
}
