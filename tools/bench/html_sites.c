/*
 * html_sites.c - the HTML report benchmark's program (tools/bench-html.sh):
 * N small writes spread over F files, an fsync of the file every 50th
 * write, so a recording has about N * 1.02 sites on F + 1 rows.
 *
 * Usage: html_sites N F
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	int nf = argc > 2 ? atoi(argv[2]) : 8;
	int fd[256];
	char name[32];

	if (nf < 1 || nf > 256)
		return 2;
	for (int i = 0; i < nf; i++) {
		snprintf(name, sizeof(name), "file%03d.dat", i);
		fd[i] = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd[i] < 0)
			return 1;
	}
	for (long k = 0; k < n; k++) {
		int f = (int)(k % nf);

		if (write(fd[f], "0123456789abcdef", 16) != 16)
			return 1;
		if (k % 50 == 49 && fsync(fd[f]) < 0)
			return 1;
	}
	return 0;
}
