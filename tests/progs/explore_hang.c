/*
 * explore_hang.c - writes data.txt and, when the open or the write
 * fails or is short, waits forever instead of exiting: 'hang'.
 */
#include <fcntl.h>
#include <unistd.h>

static const char text[] = "hang: written once\n";

int
main(void)
{
	int fd;

	fd = open("data.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		for (;;)
			pause();
	if (write(fd, text, sizeof(text) - 1) != sizeof(text) - 1)
		for (;;)
			pause();
	return close(fd) < 0;
}
