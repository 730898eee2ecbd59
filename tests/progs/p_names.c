/*
 * p_names: the calls that make, swap and remove names (issue 9), as raw
 * syscalls so the names are exact: mkdir, mkdirat, rmdir, link, linkat
 * (plain, of a symlink followed, and of two O_TMPFILE files: through
 * AT_EMPTY_PATH and through /proc/self/fd/N), symlink, symlinkat,
 * renameat2 with RENAME_EXCHANGE and RENAME_NOREPLACE, rename over an
 * existing name, mknod of a FIFO and mknodat of regular files, and an
 * fsync of a directory.  tests/live/test_record.c ("names") lists the
 * expected sites in the same order as the calls below.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "progs.h"

static void
dirs(void)
{
	int dfd;

	EXPECT(syscall(SYS_mkdir, "d", 0755), 0);
	EXPECT(syscall(SYS_mkdirat, AT_FDCWD, "d/e", 0755), 0);
	EXPECT(syscall(SYS_mkdir, "d", 0755), -1);
	EXPECT(errno, EEXIST);
	dfd = CHECK(open("d", O_RDONLY | O_DIRECTORY));	/* not a site */
	EXPECT(syscall(SYS_mkdirat, dfd, "f", 0700), 0);
	EXPECT(syscall(SYS_rmdir, "d/f"), 0);
	EXPECT(syscall(SYS_fsync, dfd), 0);
	EXPECT(close(dfd), 0);
}

static void
links(void)
{
	int fd;

	fd = CHECK(syscall(SYS_openat, AT_FDCWD, "a",
			   O_WRONLY | O_CREAT | O_EXCL, 0644));
	EXPECT(syscall(SYS_write, fd, "abc", 3L), 3);
	EXPECT(close(fd), 0);
	EXPECT(syscall(SYS_link, "a", "b"), 0);
	EXPECT(syscall(SYS_linkat, AT_FDCWD, "b", AT_FDCWD, "d/c", 0), 0);
	EXPECT(syscall(SYS_link, "a", "b"), -1);
	EXPECT(errno, EEXIST);
	EXPECT(syscall(SYS_symlink, "a", "s"), 0);
	EXPECT(syscall(SYS_symlinkat, "../x//y", AT_FDCWD, "d/s2"), 0);
	EXPECT(syscall(SYS_linkat, AT_FDCWD, "s", AT_FDCWD, "s.follow",
		       AT_SYMLINK_FOLLOW), 0);
}

/* Two unnamed files made visible, the two ways open(2) describes. */
static void
tmpfiles(void)
{
	char proc[64];
	int fd;

	fd = CHECK(open(".", O_TMPFILE | O_WRONLY, 0644));	/* not a site */
	EXPECT(syscall(SYS_write, fd, "tmp1", 4L), 4);
	EXPECT(syscall(SYS_linkat, fd, "", AT_FDCWD, "t1", AT_EMPTY_PATH), 0);
	EXPECT(close(fd), 0);
	fd = CHECK(open("d", O_TMPFILE | O_RDWR, 0600));
	EXPECT(syscall(SYS_write, fd, "tmp22", 5L), 5);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	EXPECT(syscall(SYS_linkat, AT_FDCWD, proc, AT_FDCWD, "d/t2",
		       AT_SYMLINK_FOLLOW), 0);
	EXPECT(close(fd), 0);
}

static void
renames(void)
{
	char buf[8];
	int fd;

	if (write_text("x", "X") < 0 || write_text("y", "Y") < 0)
		fail("write_text: %s", strerror(errno));
	EXPECT(syscall(SYS_renameat2, AT_FDCWD, "x", AT_FDCWD, "y",
		       RENAME_EXCHANGE), 0);
	EXPECT(syscall(SYS_renameat2, AT_FDCWD, "x", AT_FDCWD, "y",
		       RENAME_NOREPLACE), -1);
	EXPECT(errno, EEXIST);
	EXPECT(syscall(SYS_renameat2, AT_FDCWD, "x", AT_FDCWD, "z",
		       RENAME_NOREPLACE), 0);
	EXPECT(syscall(SYS_rename, "z", "y"), 0);
	fd = CHECK(open("y", O_RDONLY));
	EXPECT(read(fd, buf, sizeof(buf)), 1);
	EXPECT(buf[0], 'Y');		/* x had Y after the exchange */
	EXPECT(close(fd), 0);
}

static void
nodes(void)
{
	EXPECT(syscall(SYS_mknod, "fifo", S_IFIFO | 0644, 0), 0);
	EXPECT(syscall(SYS_mknodat, AT_FDCWD, "reg", S_IFREG | 0644, 0), 0);
	EXPECT(syscall(SYS_mknodat, AT_FDCWD, "reg0", 0644, 0), 0);
	EXPECT(syscall(SYS_unlink, "fifo"), 0);
}

int
main(void)
{
	dirs();
	links();
	tmpfiles();
	renames();
	nodes();
	return 0;
}
