/*
 * read_heavy: workload A of tools/bench-record.sh.  200,000 read(2)s of
 * 4 KiB from /dev/zero (untraced: they must cost nothing under badio)
 * and 2,000 write(2)s of 4 KiB to bench.out in the current directory.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define READS	200000
#define WRITES	2000
#define CHUNK	4096

int
main(void)
{
	static char buf[CHUNK];
	int in, out, i;

	in = open("/dev/zero", O_RDONLY);
	out = open("bench.out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (in < 0 || out < 0) {
		perror("read_heavy: open");
		return 1;
	}
	for (i = 0; i < READS; i++) {
		if (read(in, buf, CHUNK) != CHUNK) {
			perror("read_heavy: read");
			return 1;
		}
		if (i % (READS / WRITES) == 0 &&
		    write(out, buf, CHUNK) != CHUNK) {
			perror("read_heavy: write");
			return 1;
		}
	}
	close(in);
	return close(out) == 0 ? 0 : 1;
}
