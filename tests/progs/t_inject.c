/*
 * t_inject: a fixed sequence for the recorder's own tests
 * (tests/live/test_tracer.c).  In the current directory:
 *   openat out.txt (O_CREAT|O_TRUNC); write "0123456789abcdef" (16);
 *   writev {"AAAA", "BBBBBBBB", "CCCC"} (16); fsync; close.
 * Prints one line per call, "write=R errno=E" (E is 0 on success), and
 * the iovec lengths after the writev ("iov=4,8,4": badio must put back
 * what a short fault changed).  Exits 0 whatever the calls returned.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/uio.h>
#include <unistd.h>

static void
show(const char *what, long r)
{
	printf("%s=%ld errno=%d\n", what, r, r < 0 ? errno : 0);
}

int
main(void)
{
	char a[] = "AAAA", b[] = "BBBBBBBB", c[] = "CCCC";
	struct iovec v[3] = { { a, 4 }, { b, 8 }, { c, 4 } };
	int fd = open("out.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);

	show("open", fd < 0 ? -1 : 0);
	show("write", (long)write(fd, "0123456789abcdef", 16));
	show("writev", (long)writev(fd, v, 3));
	printf("iov=%zu,%zu,%zu\n", v[0].iov_len, v[1].iov_len, v[2].iov_len);
	show("fsync", fsync(fd));
	close(fd);
	return 0;
}
