/*
 * write_heavy: workload B of tools/bench-record.sh.  100,000 write(2)s
 * of 16 bytes to bench.out in the current directory: every call is a
 * traced site, so this measures badio's cost per site.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#define WRITES	100000

int
main(void)
{
	static const char buf[16] = "0123456789abcde\n";
	int out, i;

	out = open("bench.out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		perror("write_heavy: open");
		return 1;
	}
	for (i = 0; i < WRITES; i++) {
		if (write(out, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			perror("write_heavy: write");
			return 1;
		}
	}
	return close(out) == 0 ? 0 : 1;
}
