/*
 * p_pwrite FILE N SIZE: create FILE and write it with N pwrite(2) calls
 * of SIZE bytes at consecutive offsets.  Sites: 1 openat + N pwrite64.
 */
#include <fcntl.h>

#include "progs.h"

int
main(int argc, char **argv)
{
	static char buf[1 << 16];
	long n, size, k;
	int fd;

	if (argc != 4)
		fail("usage: p_pwrite FILE N SIZE");
	n = atol(argv[2]);
	size = atol(argv[3]);
	if (size < 0 || size > (long)sizeof(buf))
		fail("p_pwrite: bad size");
	fd = CHECK(open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644));
	memset(buf, 'p', size);
	for (k = 0; k < n; k++)
		EXPECT(pwrite(fd, buf, size, k * size), size);
	EXPECT(close(fd), 0);
	return 0;
}
