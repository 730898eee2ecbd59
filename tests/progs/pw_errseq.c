/*
 * pw_errseq.c - what later syncs return after a failed fsync (issue 9,
 * DURABILITY_NOTES §2.1, §5 T13), for tests/live/test_power.c.  Every
 * sync call prints "CALL(NAME)=RESULT" (0 or the errno's name), one a
 * line, written at once so that a child's lines come where it ran.
 *
 *   T13    fd1, fd2 open on A; write; fsync(fd1) (the test breaks it);
 *          fsync(fd2), fsync(fd1); fd3 opened; fsync(fd3)
 *   shared fd1 and its dup fd2, fd4 another open of A, a child forked
 *          with fd1 that opens fd5 of its own: fsync(fd1) broken; then
 *          fsync(fd2), fdatasync(fd4) twice, the child's fsync(fd1) and
 *          fsync(fd5) twice, syncfs of fd1, fd2, fd4, fd6 (opened after),
 *          fsync(fd6), the child's syncfs(fd5)
 *   range  fd1, fd7 open on A; fsync(fd1) broken; sync_file_range of
 *          fd7: WRITE alone (no report), WAIT_AFTER twice
 *   syncfs fd1, fd2 open on A, fdc on C (clean); write A; syncfs(fd1)
 *          broken; fsync(fd1), fsync(fd2), fsync(fdc), syncfs(fd1),
 *          syncfs(fd2), syncfs(fdc), fsync(fd1)
 *   zero   A ("old", 3 bytes) overwritten at 1 with "XY" and grown by
 *          "tail"; fsync broken; the program goes on: B written, fsynced
 *   zero-trunc A ("old") truncated to 1, "abcdef" written at 2; fsync
 *          broken; "Q" written at 8, fsynced
 *   dirs   d1/F and d2/G made, written, fsynced; fsync(d1) broken;
 *          fsync(d2); dirs-retry: then fsync(d1) again
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void
die(const char *what)
{
	dprintf(1, "%s: %s\n", what, strerror(errno));
	exit(2);
}

static int
xopen(const char *path, int flags)
{
	int fd = open(path, flags, 0644);

	if (fd < 0)
		die(path);
	return fd;
}

static void
put(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		die("write");
}

/* One sync call and what it returned. */
static void
said(const char *call, const char *name, int rc)
{
	dprintf(1, "%s(%s)=%s\n", call, name, rc == 0 ? "0" :
	    errno == EIO ? "EIO" : errno == ENOSPC ? "ENOSPC" : strerror(errno));
}

#define FSYNC(fd)	said("fsync", #fd, fsync(fd))
#define FDATASYNC(fd)	said("fdatasync", #fd, fdatasync(fd))
#define SYNCFS(fd)	said("syncfs", #fd, syncfs(fd))

static void
t13(void)
{
	int fd1 = xopen("A", O_RDWR), fd2 = xopen("A", O_RDWR), fd3;

	put(fd1, "new");
	FSYNC(fd1);			/* broken: EIO */
	FSYNC(fd2);			/* EIO: open at the failure */
	FSYNC(fd1);			/* 0: it saw the error */
	fd3 = xopen("A", O_RDWR);
	FSYNC(fd3);			/* 0: opened after */
}

static void
shared(void)
{
	int fd1 = xopen("A", O_RDWR), fd2 = dup(fd1), fd4, fd6;
	int go[2], done[2];
	pid_t pid;
	char c;

	fd4 = xopen("A", O_RDONLY);
	if (fd2 < 0 || pipe(go) < 0 || pipe(done) < 0)
		die("dup, pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int fd5 = xopen("A", O_RDONLY);

		if (write(done[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			die("child pipe");
		FSYNC(fd1);		/* 0: the parent's description */
		FSYNC(fd5);		/* EIO: its own */
		FSYNC(fd5);		/* 0 */
		if (write(done[1], "d", 1) != 1 || read(go[0], &c, 1) != 1)
			die("child pipe");
		SYNCFS(fd5);		/* EIO: the file system's, once */
		_exit(0);
	}
	if (read(done[0], &c, 1) != 1)	/* fd5 is open */
		die("pipe");
	put(fd1, "new");
	FSYNC(fd1);			/* broken: EIO */
	FSYNC(fd2);			/* 0: fd1's description, dup'd */
	FDATASYNC(fd4);			/* EIO */
	FDATASYNC(fd4);			/* 0 */
	if (write(go[1], "g", 1) != 1 || read(done[0], &c, 1) != 1)
		die("pipe");
	SYNCFS(fd1);			/* EIO: an fsync does not consume it */
	SYNCFS(fd2);			/* 0 */
	SYNCFS(fd4);			/* EIO */
	fd6 = xopen("A", O_RDONLY);
	SYNCFS(fd6);			/* 0: opened after */
	FSYNC(fd6);			/* 0 */
	if (write(go[1], "g", 1) != 1 || waitpid(pid, NULL, 0) != pid)
		die("wait");
}

static void
range(void)
{
	int fd1 = xopen("A", O_RDWR), fd7 = xopen("A", O_RDONLY);

	put(fd1, "new");
	FSYNC(fd1);			/* broken */
	said("sync_file_range", "fd7,WRITE", sync_file_range(fd7, 0, 0,
	    SYNC_FILE_RANGE_WRITE));	/* 0: no wait, no report */
	said("sync_file_range", "fd7,WAIT_AFTER", sync_file_range(fd7, 0, 0,
	    SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER));	/* EIO */
	said("sync_file_range", "fd7,WAIT_AFTER", sync_file_range(fd7, 0, 0,
	    SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER));	/* 0 */
}

static void
syncfs_target(void)
{
	int fd1 = xopen("A", O_RDWR), fd2 = xopen("A", O_RDONLY);
	int fdc = xopen("C", O_RDONLY);

	put(fd1, "new");
	SYNCFS(fd1);			/* broken */
	FSYNC(fd1);			/* EIO: the file's error, not yet seen */
	FSYNC(fd2);			/* EIO */
	FSYNC(fdc);			/* 0: C had nothing to lose */
	SYNCFS(fd1);			/* 0: it saw the file system's */
	SYNCFS(fd2);			/* EIO */
	SYNCFS(fdc);			/* EIO: the same file system */
	FSYNC(fd1);			/* 0 */
}

static void
zero(void)
{
	int fd = xopen("A", O_RDWR), b;

	if (pwrite(fd, "XY", 2, 1) != 2 || pwrite(fd, "tail", 4, 3) != 4)
		die("pwrite");
	FSYNC(fd);			/* broken: the bytes are lost */
	b = xopen("B", O_WRONLY | O_CREAT | O_TRUNC);
	put(b, "bee");
	FSYNC(b);
	FSYNC(fd);			/* 0: the data stays lost */
}

static void
zero_trunc(void)
{
	int fd = xopen("A", O_RDWR);

	if (ftruncate(fd, 1) < 0 || pwrite(fd, "abcdef", 6, 2) != 6)
		die("ftruncate, pwrite");
	FSYNC(fd);			/* broken */
	if (pwrite(fd, "Q", 1, 8) != 1)
		die("pwrite");
	FSYNC(fd);			/* 0: Q is durable, the rest lost */
}

static void
dirs(bool retry)
{
	int f = xopen("d1/F", O_WRONLY | O_CREAT | O_EXCL);
	int g = xopen("d2/G", O_WRONLY | O_CREAT | O_EXCL);
	int d1 = xopen("d1", O_RDONLY | O_DIRECTORY);
	int d2 = xopen("d2", O_RDONLY | O_DIRECTORY);

	put(f, "eff");
	put(g, "gee");
	FSYNC(f);
	FSYNC(g);
	FSYNC(d1);			/* broken: its new entry is not durable */
	FSYNC(d2);			/* 0: another directory */
	if (retry)
		FSYNC(d1);		/* 0: now it is */
}

int
main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	if (strcmp(argv[1], "T13") == 0)
		t13();
	else if (strcmp(argv[1], "shared") == 0)
		shared();
	else if (strcmp(argv[1], "range") == 0)
		range();
	else if (strcmp(argv[1], "syncfs") == 0)
		syncfs_target();
	else if (strcmp(argv[1], "zero") == 0)
		zero();
	else if (strcmp(argv[1], "zero-trunc") == 0)
		zero_trunc();
	else if (strcmp(argv[1], "dirs") == 0 || strcmp(argv[1], "dirs-retry") == 0)
		dirs(argv[1][4] == '-');
	else
		return 2;
	return 0;
}
