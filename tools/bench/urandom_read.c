/*
 * urandom_read: a workload of tools/bench-determinism.sh.  64 MiB read
 * from /dev/urandom in 64 KiB reads, then one write of their XOR to
 * bench.out: under badio, in its mount namespace, /dev/urandom is a FIFO
 * that badio keeps full from the seed, and reads are not traced.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#define CHUNK	(64 * 1024)
#define TOTAL	(64 * 1024 * 1024)

int
main(void)
{
	static unsigned char b[CHUNK];
	unsigned char x = 0;
	long done = 0;
	int in, out;

	in = open("/dev/urandom", O_RDONLY);
	if (in < 0) {
		perror("urandom_read: /dev/urandom");
		return 1;
	}
	while (done < TOTAL) {
		ssize_t n = read(in, b, sizeof(b));

		if (n <= 0) {
			perror("urandom_read: read");
			return 1;
		}
		for (ssize_t i = 0; i < n; i += 4096)
			x ^= b[i];
		done += n;
	}
	out = open("bench.out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0 || write(out, &x, 1) != 1) {
		perror("urandom_read: bench.out");
		return 1;
	}
	return close(out) == 0 ? 0 : 1;
}
