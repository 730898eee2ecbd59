/*
 * atomic.c - replaces data.txt atomically: write a temporary file with a
 * loop that handles short writes and errors, fsync it, rename it over
 * data.txt, fsync the directory.  Any error makes it exit 1, and at any
 * point data.txt is either the old version or the new one.
 *
 * Oracle: check_atomic.sh (data.txt is the old or the new version;
 * the old one comes from atomic-init/, given to badio record --init).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char text[] =
	"badio example: version 2 of this file, replaced atomically.\n";

static int
fail(const char *what)
{
	fprintf(stderr, "atomic: %s: %s\n", what, strerror(errno));
	return 1;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int
main(void)
{
	int fd;

	fd = open("data.txt.tmp", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return fail("open data.txt.tmp");
	if (write_all(fd, text, sizeof(text) - 1) < 0)
		return fail("write data.txt.tmp");
	if (fsync(fd) < 0)
		return fail("fsync data.txt.tmp");
	if (close(fd) < 0)
		return fail("close data.txt.tmp");
	if (rename("data.txt.tmp", "data.txt") < 0)
		return fail("rename data.txt.tmp to data.txt");
	fd = open(".", O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fail("open .");
	if (fsync(fd) < 0)
		return fail("fsync .");
	close(fd);
	return 0;
}
