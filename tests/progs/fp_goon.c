/*
 * fp_goon.c N [fork] - a writer that goes on after errors: N one-line
 * write(2)s to log.txt ("line I\n"), counting those that fail instead of
 * stopping.  With "fork", it then forks a child that forks a grandchild
 * and exits at once; the grandchild, left to the tracer alone (nobody
 * waits for it), sleeps 200 ms and writes done.txt, 50 lines, one write
 * each.  Exits 3 if any write of its own failed, else 0.
 */
#include <sys/wait.h>
#include <time.h>

#include "progs.h"

static int
lines(const char *path, int n)
{
	char line[32];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), bad = 0;

	if (fd < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		int len = snprintf(line, sizeof(line), "line %d\n", i);

		bad += write(fd, line, (size_t)len) != len;
	}
	close(fd);
	return bad;
}

int
main(int argc, char **argv)
{
	struct timespec nap = { 0, 200 * 1000000 };
	int n = argc > 1 ? atoi(argv[1]) : 10, bad, status;
	pid_t pid;

	bad = lines("log.txt", n);
	if (bad < 0)
		fail("open log.txt: %s", strerror(errno));
	if (argc > 2 && strcmp(argv[2], "fork") == 0) {
		pid = CHECK(fork());
		if (pid == 0) {
			if (CHECK(fork()) > 0)
				_exit(0);
			nanosleep(&nap, NULL);
			_exit(lines("done.txt", 50) != 0);
		}
		EXPECT(waitpid(pid, &status, 0), pid);
		EXPECT(status, 0);
	}
	return bad ? 3 : 0;
}
