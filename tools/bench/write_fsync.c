/*
 * write_fsync [N]: N (default 1,000) pairs of a 4 KiB write(2) and an
 * fsync(2) to sync.out: a program that waits on the disk at every site.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	static char buf[4096];
	int n = argc > 1 ? atoi(argv[1]) : 1000, out, i;

	memset(buf, 's', sizeof(buf));
	out = open("sync.out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		perror("write_fsync: open");
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (write(out, buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
		    fsync(out) != 0) {
			perror("write_fsync");
			return 1;
		}
	}
	return close(out) == 0 ? 0 : 1;
}
