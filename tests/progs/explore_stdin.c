/*
 * explore_stdin.c - copies its stdin into copy.txt, checking every call:
 * a program whose files depend on its input, for the tests of stdin
 * replay (badio record keeps stdin; explore feeds it to every re-run).
 * Exits 1 on any failed or short write.
 */
#include <fcntl.h>
#include <unistd.h>

int
main(void)
{
	char buf[4096];
	ssize_t n;
	int fd = open("copy.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);

	if (fd < 0)
		return 1;
	while ((n = read(0, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			return 1;
	return n < 0 || close(fd) != 0;
}
