/*
 * p_vec: the vectored and positioned writes, as raw syscalls so the
 * syscall names are exact.  On vec.out, in order:
 *   openat   O_CREAT|O_TRUNC                     -> fd
 *   writev   {"hello ", "world\n"}               offset 0,   count 12
 *   pwrite64 "PW" at 100                          offset 100, count 2
 *   pwritev  {"pv"} at 200                        offset 200, count 2
 *   pwritev2 {"ab", "cd"} at 300, flags 0         offset 300, count 4
 *   pwritev2 {"zz"} at -1 (current position)      offset 12,  count 2
 *   write    "!"                                  offset 14,  count 1
 */
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "progs.h"

static void
check_content(int fd)
{
	char buf[512];

	EXPECT(pread(fd, buf, sizeof(buf), 0), 304);
	if (memcmp(buf, "hello world\nzz!", 15) != 0)
		fail("p_vec: head of vec.out is wrong");
	if (memcmp(buf + 100, "PW", 2) || memcmp(buf + 200, "pv", 2) ||
	    memcmp(buf + 300, "abcd", 4))
		fail("p_vec: positioned data is wrong");
}

int
main(void)
{
	struct iovec hw[2] = { { "hello ", 6 }, { "world\n", 6 } };
	struct iovec pv[1] = { { "pv", 2 } };
	struct iovec abcd[2] = { { "ab", 2 }, { "cd", 2 } };
	struct iovec zz[1] = { { "zz", 2 } };
	int fd;

	fd = CHECK(syscall(SYS_openat, AT_FDCWD, "vec.out",
			   O_RDWR | O_CREAT | O_TRUNC, 0644));
	EXPECT(syscall(SYS_writev, fd, hw, 2L), 12);
	EXPECT(syscall(SYS_pwrite64, fd, "PW", 2L, 100L), 2);
	EXPECT(syscall(SYS_pwritev, fd, pv, 1L, 200L, 0L), 2);
	EXPECT(syscall(SYS_pwritev2, fd, abcd, 2L, 300L, 0L, 0L), 4);
	EXPECT(syscall(SYS_pwritev2, fd, zz, 1L, -1L, -1L, 0L), 2);
	EXPECT(syscall(SYS_write, fd, "!", 1L), 1);
	check_content(fd);
	EXPECT(close(fd), 0);
	return 0;
}
