/*
 * explore_many.c [N] - writes N lines (default 10) to log.txt, one
 * write(2) each, and exits 1 on any failed or short write: many sites,
 * for the resume and -j tests.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10;
	char line[32];
	int fd, i, len;

	fd = open("log.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return 1;
	for (i = 0; i < n; i++) {
		len = snprintf(line, sizeof(line), "line %03d\n", i);
		if (write(fd, line, (size_t)len) != len)
			return 1;
	}
	return close(fd) < 0;
}
