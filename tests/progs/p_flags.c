/*
 * p_flags: what makes a write durable, and the modes a crash-state builder
 * must know, as raw syscalls: writes through O_SYNC and O_DSYNC fds
 * (O_SYNC holds O_DSYNC's bit), pwritev2 with RWF_DSYNC and RWF_APPEND
 * (the data goes to the end whatever the offset), fallocate modes, msync
 * flags, sync_file_range flags.  tests/live/test_record.c ("flags") lists
 * the expected sites in the same order as the calls below.
 *
 * p_flags ZERO: ZERO is the result fallocate(FALLOC_FL_ZERO_RANGE) must
 * give here (0, or -EOPNOTSUPP on file systems without it, such as tmpfs),
 * as the test found it in the same directory.
 */
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "progs.h"

static void
sync_fds(void)
{
	struct iovec iov = { "dd", 2 };
	int fd;

	fd = CHECK(syscall(SYS_openat, AT_FDCWD, "os",
			   O_WRONLY | O_CREAT | O_TRUNC | O_SYNC, 0644));
	EXPECT(syscall(SYS_write, fd, "sync", 4L), 4);
	EXPECT(close(fd), 0);
	fd = CHECK(syscall(SYS_openat, AT_FDCWD, "ods",
			   O_WRONLY | O_CREAT | O_DSYNC, 0644));
	EXPECT(syscall(SYS_write, fd, "dsync", 5L), 5);
	/* F_SETFL changes O_APPEND; it cannot drop O_DSYNC */
	EXPECT(fcntl(fd, F_SETFL, O_APPEND), 0);
	EXPECT(syscall(SYS_pwrite64, fd, "+", 1L, 0L), 1);
	EXPECT(close(fd), 0);
	fd = CHECK(syscall(SYS_openat, AT_FDCWD, "plain", O_RDWR | O_CREAT,
			   0644));
	EXPECT(syscall(SYS_write, fd, "0123456789", 10L), 10);
	EXPECT(syscall(SYS_pwritev2, fd, &iov, 1, 0L, 0L, RWF_DSYNC), 2);
	EXPECT(syscall(SYS_pwritev2, fd, &iov, 1, 3L, 0L, RWF_APPEND), 2);
	EXPECT(lseek(fd, 0, SEEK_CUR), 10);	/* not moved by an offset */
	EXPECT(close(fd), 0);
}

static void
modes(long zero)
{
	char *map;
	int fd;

	fd = CHECK(syscall(SYS_openat, AT_FDCWD, "m", O_RDWR | O_CREAT, 0644));
	EXPECT(syscall(SYS_fallocate, fd, 0, 0L, 8192L), 0);
	EXPECT(syscall(SYS_fallocate, fd, FALLOC_FL_KEEP_SIZE, 8192L, 4096L),
	       0);
	EXPECT(syscall(SYS_fallocate, fd,
		       FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0L, 4096L), 0);
	EXPECT(syscall(SYS_fallocate, fd, FALLOC_FL_ZERO_RANGE, 4096L, 4096L),
	       zero < 0 ? -1 : 0);
	map = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	map[4096] = 'm';
	EXPECT(syscall(SYS_msync, map + 4096, 4096L, MS_SYNC), 0);
	EXPECT(syscall(SYS_msync, map, 8192L, MS_ASYNC | MS_INVALIDATE), 0);
	EXPECT(munmap(map, 8192), 0);
	EXPECT(syscall(SYS_sync_file_range, fd, 0L, 8192L,
		       SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
		       SYNC_FILE_RANGE_WAIT_AFTER), 0);
	EXPECT(syscall(SYS_fdatasync, fd), 0);
	EXPECT(close(fd), 0);
}

int
main(int argc, char **argv)
{
	if (argc != 2)
		fail("usage: p_flags ZERO");
	sync_fds();
	modes(atol(argv[1]));
	return 0;
}
