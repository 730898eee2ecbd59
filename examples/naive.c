/*
 * naive.c - writes data.txt the naive way: one write(2), its result
 * ignored, exit 0 whatever happened.  badio finds that a failing or
 * short write leaves a damaged file behind a successful exit.
 *
 * Oracle: check_naive.sh (data.txt holds exactly TEXT).
 */
#include <fcntl.h>
#include <unistd.h>

static const char text[] =
	"badio example: every byte of this line must reach the disk.\n";

int
main(void)
{
	ssize_t n;
	int fd;

	fd = open("data.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	n = write(fd, text, sizeof(text) - 1);	/* the bug: n is ignored */
	(void)n;
	close(fd);
	return 0;
}
