/*
 * f_close: writes "hello\n" to data.txt and closes it, checking close's
 * result (exit 1 if it failed) unless argv[1] is "ignore"; then closes
 * fds that are not sites: data.txt opened read-only, other.txt created
 * but never written.  Prints "close=R errno=E" for data.txt's close and
 * "after=E": the errno of F_GETFD on the closed fd (EBADF: a failed
 * close still releases it, as on Linux).  With record --close, one
 * close site (tests/live/test_faults.c).
 */
#include "progs.h"

int
main(int argc, char **argv)
{
	bool ignore = argc > 1 && strcmp(argv[1], "ignore") == 0;
	int fd = CHECK(open("data.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	int rc, e, ro, other;

	EXPECT(write(fd, "hello\n", 6), 6);
	rc = close(fd);
	e = rc < 0 ? errno : 0;
	printf("close=%d errno=%d\n", rc, e);
	printf("after=%d\n", fcntl(fd, F_GETFD) < 0 ? errno : 0);
	ro = CHECK(open("data.txt", O_RDONLY));
	other = CHECK(open("other.txt", O_WRONLY | O_CREAT, 0644));
	CHECK(close(ro));
	CHECK(close(other));
	fflush(stdout);
	if (rc < 0 && !ignore)
		fail("close data.txt: %s", strerror(e));
	return 0;
}
