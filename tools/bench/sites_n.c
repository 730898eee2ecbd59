/*
 * sites_n N [goon]: N write(2)s of one line each to log.txt (N sites), then
 * exit 0: the 10,000-site program of issue 11.  It stops at the first
 * write that fails (exit 1), unless goon: then it goes on with the next
 * line and exits 1 at the end (what the fast path after a fault is for,
 * tools/bench/explore-scale.sh).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10000, fd, i, len, bad = 0;
	int goon = argc > 2 && strcmp(argv[2], "goon") == 0;
	char line[32];

	fd = open("log.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return 1;
	for (i = 0; i < n; i++) {
		len = snprintf(line, sizeof(line), "line %d\n", i);
		if (write(fd, line, (size_t)len) != len && !(bad = goon))
			return 1;
	}
	return close(fd) == 0 && !bad ? 0 : 1;
}
