/*
 * cs_swap.c MARKER - writes "x\n" three times to data.txt, from
 * write_first() the first time it runs (when MARKER does not exist: it
 * creates it) and from write_again() on every later run.  The replay
 * keys are the same in every run; the call site is not: explore must
 * inject anyway and mark the experiments diverged.
 */
#include <fcntl.h>
#include <unistd.h>

static int fd;

__attribute__((noinline)) static int
write_first(void)
{
	return write(fd, "x\n", 2) == 2 ? 0 : 1;
}

__attribute__((noinline)) static int
write_again(void)
{
	return write(fd, "x\n", 2) == 2 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	int (*w)(void) = write_again;
	int marker, i, rc = 0;

	if (argc != 2)
		return 2;
	marker = open(argv[1], O_CREAT | O_EXCL | O_WRONLY, 0644);
	if (marker >= 0) {
		close(marker);
		w = write_first;
	}
	fd = open("data.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	for (i = 0; i < 3 && fd >= 0; i++)
		rc |= w();
	return fd < 0 || rc;
}
