/*
 * f_retry: writes "saved\n" to out.txt and makes it durable, retrying
 * every failed call until it works (with 1 ms between tries), as a
 * program does that takes errors for passing trouble.  Against a disk
 * that failed once (eio) it succeeds; against a dead one (eio+) it never
 * ends (tests/live/test_faults.c).
 */
#include <time.h>

#include "progs.h"

static void
pause_1ms(void)
{
	struct timespec ts = { 0, 1000000 };

	nanosleep(&ts, NULL);
}

int
main(void)
{
	const char text[] = "saved\n";
	size_t done = 0;
	int fd;

	while ((fd = open("out.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		pause_1ms();
	while (done < sizeof(text) - 1) {
		ssize_t n = write(fd, text + done, sizeof(text) - 1 - done);

		if (n > 0)
			done += (size_t)n;
		else
			pause_1ms();
	}
	while (fsync(fd) < 0)
		pause_1ms();
	close(fd);
	return 0;
}
