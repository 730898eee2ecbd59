/*
 * explore_inplace.c - rewrites data.txt in place: open with O_TRUNC,
 * write loop (short writes handled), fsync; exits 1 on any error.  It
 * reports every failure, yet a failed write leaves the file truncated:
 * the verdict for write faults is 'corruption' (reported but damaged).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char text[] = "inplace: the new version of data.txt\n";

int
main(void)
{
	const char *p = text;
	size_t n = sizeof(text) - 1;
	int fd;

	fd = open("data.txt", O_WRONLY | O_TRUNC);
	if (fd < 0) {
		perror("inplace: open data.txt");
		return 1;
	}
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0) {
			perror("inplace: write data.txt");
			return 1;
		}
		p += k;
		n -= (size_t)k;
	}
	if (fsync(fd) < 0) {
		perror("inplace: fsync data.txt");
		return 1;
	}
	return close(fd) < 0;
}
