/*
 * big_writes: 1,000 write(2)s of 1 MiB to big.out, over a 64 MiB
 * window (back to its start every 64 writes, so the page cache holds
 * the file and the disk's write-back does not set the pace): the cost
 * of the data itself (reading it out of the program, the checksum).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WRITES	1000
#define SIZE	(1 << 20)

int
main(void)
{
	char *buf = malloc(SIZE);
	int out, i;

	if (!buf)
		return 1;
	memset(buf, 'b', SIZE);
	out = open("big.out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		perror("big_writes: open");
		return 1;
	}
	for (i = 0; i < WRITES; i++) {
		if (i % 64 == 0 && lseek(out, 0, SEEK_SET) != 0)
			return 1;
		buf[0] = (char)i;
		if (write(out, buf, SIZE) != SIZE) {
			perror("big_writes: write");
			return 1;
		}
	}
	free(buf);
	return close(out) == 0 ? 0 : 1;
}
