/*
 * ck_lines.c N: N write(2)s of one line each to log.txt, at the shared
 * file position, going on after a failed one (tools/bench/sites_n.c's
 * "goon"), then exit 1 if one failed.  For tests/cli/test_checkpoint.sh:
 * a checkpoint's child writes on after its fault; the driver's offset
 * must not move.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20, fd, i, len, bad = 0;
	char line[32];

	fd = open("log.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return 1;
	for (i = 0; i < n; i++) {
		len = snprintf(line, sizeof(line), "line %d\n", i);
		if (write(fd, line, (size_t)len) != len)
			bad = 1;
	}
	printf("wrote %d lines\n", n);
	return close(fd) == 0 && !bad ? 0 : 1;
}
