/*
 * cs_random.c - writes five files f0.txt .. f4.txt, one open and one
 * write(2) each, in an order drawn from the time and the pid: no two
 * runs go the same way, so explore must flag its experiments as
 * diverged instead of judging them as if they had replayed the
 * recording.  Exits 1 on any failed write.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NFILES	5

int
main(void)
{
	struct timespec ts;
	int order[NFILES];
	int i, k, t, fd;
	char name[16];

	clock_gettime(CLOCK_REALTIME, &ts);
	srand((unsigned)(ts.tv_sec ^ ts.tv_nsec ^ getpid()));
	for (i = 0; i < NFILES; i++)
		order[i] = i;
	for (i = NFILES - 1; i > 0; i--) {
		k = rand() % (i + 1);
		t = order[i];
		order[i] = order[k];
		order[k] = t;
	}
	for (i = 0; i < NFILES; i++) {
		snprintf(name, sizeof(name), "f%d.txt", order[i]);
		fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, name, strlen(name)) != (ssize_t)strlen(name))
			return 1;
		close(fd);
	}
	return 0;
}
