/*
 * rand_heavy: a workload of tools/bench-determinism.sh.  20,000
 * getrandom(2) calls of 16 bytes, then one write of their XOR to
 * bench.out: under badio every call is one seccomp stop answered from
 * the recording's seed, so this measures the cost per call.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/random.h>
#include <unistd.h>

#define CALLS	20000

int
main(void)
{
	unsigned char b[16], x[16] = { 0 };
	int out, i, j;

	for (i = 0; i < CALLS; i++) {
		if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
			perror("rand_heavy: getrandom");
			return 1;
		}
		for (j = 0; j < 16; j++)
			x[j] ^= b[j];
	}
	out = open("bench.out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0 || write(out, x, sizeof(x)) != (ssize_t)sizeof(x)) {
		perror("rand_heavy: bench.out");
		return 1;
	}
	return close(out) == 0 ? 0 : 1;
}
