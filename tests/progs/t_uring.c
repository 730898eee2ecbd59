/*
 * t_uring: asks for an io_uring with the raw syscall, as liburing does.
 * Prints "uring=ok" or "uring=ENOSYS" (or another errno name) and exits 0.
 */
#include <errno.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int
main(void)
{
	struct io_uring_params p;
	long fd;

	memset(&p, 0, sizeof(p));
	fd = syscall(__NR_io_uring_setup, 4, &p);
	if (fd >= 0) {
		puts("uring=ok");
		close((int)fd);
	} else {
		printf("uring=%s\n", errno == ENOSYS ? "ENOSYS" : strerror(errno));
	}
	return 0;
}
