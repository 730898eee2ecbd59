/*
 * explore_said.c - writes out.txt and says what it did, for the report's
 * last output line (tests/cli/test_oracles.sh): a progress line redrawn
 * with carriage returns on stdout, then on stderr, coloured, how many
 * bytes write() returned (-1 when it failed, which it does not check).
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int
main(void)
{
	static const char data[] = "hello\n";
	ssize_t n;
	int fd;

	fd = open("out.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror("out.txt");
		return 1;
	}
	printf("saving out.txt\r 10%%\r100%%\n");
	fflush(stdout);
	n = write(fd, data, sizeof(data) - 1);
	fprintf(stderr, "\033[32msaved\033[0m\t%zd bytes \n\n", n);
	close(fd);
	return 0;
}
