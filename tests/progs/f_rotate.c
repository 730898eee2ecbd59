/*
 * f_rotate: a log writer that frees space when the disk is full.  It
 * writes new.log (16 KiB in 4 KiB writes); when a call fails with ENOSPC
 * it deletes the oldest of old.1 .. old.3 (from the --init directory)
 * and tries again, and gives up (exit 1) only when none is left.  Any
 * other error: exit 1.  With "naive" as argv[1] it gives up at once.
 * Under enospc+ (a full file system until something is freed) the
 * rotating writer ends with a complete new.log (tests/live/test_faults.c).
 */
#include "progs.h"

static int oldest = 1;
static int naive;

/* ENOSPC: make room, or say why not. */
static void
make_room(const char *what)
{
	char name[16];

	if (errno != ENOSPC || naive)
		fail("%s: %s", what, strerror(errno));
	for (; oldest <= 3; oldest++) {
		snprintf(name, sizeof(name), "old.%d", oldest);
		if (unlink(name) == 0) {
			oldest++;
			return;
		}
	}
	fail("%s: disk full and nothing left to delete", what);
}

int
main(int argc, char **argv)
{
	char chunk[4096];
	int fd;

	naive = argc > 1 && strcmp(argv[1], "naive") == 0;
	while ((fd = open("new.log", O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		make_room("open");
	for (int i = 0; i < 4; i++) {
		size_t done = 0;

		memset(chunk, 'a' + i, sizeof(chunk));
		while (done < sizeof(chunk)) {
			ssize_t n = write(fd, chunk + done, sizeof(chunk) - done);

			if (n < 0)
				make_room("write");
			else
				done += (size_t)n;
		}
	}
	if (fsync(fd) < 0 || close(fd) < 0)
		fail("fsync: %s", strerror(errno));
	return 0;
}
