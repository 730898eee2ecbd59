/*
 * p_ns: the namespace family, as raw syscalls so the names are exact.
 * The test (tests/live/test_record.c, "namespace") lists the expected
 * sites in the same order as the calls below; plain opens (no O_CREAT,
 * no O_TRUNC) must not be sites.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "progs.h"

static void
renames(void)
{
	int fd;

	fd = CHECK(syscall(SYS_openat, AT_FDCWD, "a.tmp",
			   O_WRONLY | O_CREAT | O_TRUNC, 0644));
	EXPECT(fd, 3);
	EXPECT(syscall(SYS_write, fd, "data\n", 5L), 5);
	EXPECT(close(fd), 0);
	EXPECT(syscall(SYS_rename, "a.tmp", "a.txt"), 0);
	EXPECT(syscall(SYS_renameat, AT_FDCWD, "a.txt", AT_FDCWD, "b.txt"), 0);
	EXPECT(syscall(SYS_renameat2, AT_FDCWD, "b.txt", AT_FDCWD, "c.txt",
		       0), 0);
	EXPECT(syscall(SYS_unlink, "c.txt"), 0);
}

static void
opens(void)
{
	int fd;

	fd = CHECK(syscall(SYS_creat, "d.txt", 0644));
	EXPECT(fd, 3);
	EXPECT(close(fd), 0);
	fd = CHECK(syscall(SYS_open, "d.txt", O_RDONLY));	/* not a site */
	EXPECT(close(fd), 0);
	fd = CHECK(syscall(SYS_open, "d.txt", O_WRONLY));	/* not a site */
	EXPECT(close(fd), 0);
	EXPECT(syscall(SYS_unlinkat, AT_FDCWD, "d.txt", 0), 0);
}

static void
truncates(void)
{
	char buf[16];
	struct stat st;
	int fd;

	memset(buf, 'e', sizeof(buf));
	fd = CHECK(syscall(SYS_open, "e.txt", O_WRONLY | O_CREAT, 0644));
	EXPECT(fd, 3);
	EXPECT(syscall(SYS_write, fd, buf, 16L), 16);
	EXPECT(syscall(SYS_ftruncate, fd, 5L), 0);
	EXPECT(syscall(SYS_fallocate, fd, 0, 0L, 8192L), 0);
	EXPECT(close(fd), 0);
	EXPECT(syscall(SYS_truncate, "e.txt", 10L), 0);
	fd = CHECK(syscall(SYS_openat, AT_FDCWD, "e.txt", O_WRONLY | O_TRUNC));
	EXPECT(fd, 3);
	EXPECT(syscall(SYS_write, fd, "new", 3L), 3);
	EXPECT(close(fd), 0);
	EXPECT(syscall(SYS_openat, AT_FDCWD, "e.txt",
		       O_WRONLY | O_CREAT | O_EXCL, 0644), -1);
	EXPECT(errno, EEXIST);
	CHECK(stat("e.txt", &st));
	EXPECT(st.st_size, 3);
}

static void
subdir(void)
{
	int dfd, fd;

	CHECK(mkdir("sub", 0755));
	dfd = CHECK(open("sub", O_RDONLY | O_DIRECTORY));	/* not a site */
	EXPECT(dfd, 3);
	fd = CHECK(syscall(SYS_openat, dfd, "f.txt", O_WRONLY | O_CREAT, 0644));
	EXPECT(fd, 4);
	EXPECT(close(fd), 0);
	EXPECT(syscall(SYS_unlinkat, dfd, "f.txt", 0), 0);
	EXPECT(close(dfd), 0);
	EXPECT(syscall(SYS_unlinkat, AT_FDCWD, "sub", AT_REMOVEDIR), 0);
}

int
main(void)
{
	renames();
	opens();
	truncates();
	subdir();
	return 0;
}
