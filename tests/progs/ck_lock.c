/*
 * ck_lock.c: two lines written to data.txt while holding a flock(2)
 * lock on it, then a third after the unlock (tests/cli/test_checkpoint.sh:
 * a forked child would hold no such lock of its own, so those sites fall
 * back to re-runs; the one after the unlock is forked).
 */
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static int
line(int fd, const char *s)
{
	return write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : 1;
}

int
main(void)
{
	int fd = open("data.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int bad = 0;

	if (fd < 0 || flock(fd, LOCK_EX) < 0)
		return 1;
	bad |= line(fd, "locked 1\n");
	bad |= line(fd, "locked 2\n");
	if (flock(fd, LOCK_UN) < 0)
		return 1;
	bad |= line(fd, "unlocked\n");
	return close(fd) < 0 || bad;
}
