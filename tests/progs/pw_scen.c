/*
 * pw_scen.c SCENARIO: the durability scenarios of DURABILITY_NOTES §5
 * (T1...T21), one per name, for the power tests (tests/live/test_power.c).
 * Run in a directory where the test made the baseline (A = "old", and
 * what else the scenario needs) before the program starts, so it is
 * durable.  Prints "ack" (or what the scenario promises) when done.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void
die(const char *what)
{
	fprintf(stderr, "pw_scen: %s: %s\n", what, strerror(errno));
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

static void
xfsync(int fd)
{
	if (fsync(fd) < 0)
		die("fsync");
}

static void
fsync_path(const char *path)
{
	int fd = xopen(path, O_RDONLY);

	xfsync(fd);
	close(fd);
}

/* write a new file whole (no fsync) */
static void
create(const char *path, const char *text)
{
	int fd = xopen(path, O_WRONLY | O_CREAT | O_TRUNC);

	put(fd, text);
	close(fd);
}

static void
t1(void)	/* the correct idiom */
{
	int fd = xopen("A.tmp", O_WRONLY | O_CREAT | O_TRUNC);

	put(fd, "new");
	xfsync(fd);
	close(fd);
	if (rename("A.tmp", "A") < 0)
		die("rename");
	fsync_path(".");
}

static void
t2(void)	/* T1 without the data's fsync */
{
	create("A.tmp", "new");
	if (rename("A.tmp", "A") < 0)
		die("rename");
	fsync_path(".");
}

static void
t3(void)	/* the file's fsync, not its directory's */
{
	int fd = xopen("F", O_WRONLY | O_CREAT | O_TRUNC);

	put(fd, "data");
	xfsync(fd);
	close(fd);
}

static void
t4(void)	/* the directory's fsync, not the file's */
{
	create("F", "data");
	fsync_path(".");
}

static void
t7(void)	/* B made durable, A unlinked; the unlink never synced */
{
	int fd = xopen("B", O_WRONLY | O_CREAT | O_TRUNC);

	put(fd, "bbb");
	xfsync(fd);
	close(fd);
	fsync_path(".");
	if (unlink("A") < 0)
		die("unlink");
}

static void
t8(void)	/* O_TRUNC, write, close: nothing synced */
{
	int fd = xopen("A", O_WRONLY | O_TRUNC);

	put(fd, "new");
	close(fd);
}

static void
t11(void)	/* rename across directories, only the target's synced */
{
	if (rename("d1/F", "d2/F") < 0)
		die("rename");
	fsync_path("d2");
}

static void
t12(int exit_on_eio)	/* fsync fails; retried, it says 0 */
{
	int fd = xopen("A", O_WRONLY | O_APPEND);

	put(fd, "rec");
	if (fsync(fd) < 0) {
		printf("fsync: %s\n", strerror(errno));
		if (exit_on_eio)
			exit(1);
		if (fsync(fd) < 0)
			die("fsync again");
	}
	close(fd);
	printf("committed\n");
}

static void
t16(int dirsync)	/* O_TMPFILE made visible with linkat */
{
	char proc[64];
	int fd = open(".", O_TMPFILE | O_WRONLY, 0644);

	if (fd < 0)
		die("O_TMPFILE");
	put(fd, "tmpdata");
	xfsync(fd);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, "A.new", AT_SYMLINK_FOLLOW) < 0)
		die("linkat");
	close(fd);
	if (dirsync)
		fsync_path(".");
}

static void
t18(void)	/* 4 KiB at 1 MiB in a new file */
{
	char block[4096];
	int fd = xopen("F", O_WRONLY | O_CREAT | O_TRUNC);

	memset(block, 'x', sizeof(block));
	if (pwrite(fd, block, sizeof(block), 1 << 20) != sizeof(block))
		die("pwrite");
	xfsync(fd);
	close(fd);
	fsync_path(".");
}

static void
t19(void)	/* a link, then the old name unlinked; only new/ synced */
{
	if (link("tmp/x", "new/x") < 0)
		die("link");
	if (unlink("tmp/x") < 0)
		die("unlink");
	fsync_path("new");
}

static void
t20(void)	/* data D unsynced; pointer P synced */
{
	int d = xopen("D", O_WRONLY), p = xopen("P", O_WRONLY);

	put(d, "data");
	put(p, "ptr");
	xfsync(p);
	close(d);
	close(p);
}

static void
t21(void)	/* append 7 bytes to A; fsync another file */
{
	int fd = xopen("A", O_WRONLY | O_APPEND);

	put(fd, "+7bytes");
	close(fd);
	fsync_path("U");
}

static void
t10(void)	/* mkdir D; D/F synced, D synced; D's own name is not */
{
	int fd;

	if (mkdir("D", 0750) < 0)
		die("mkdir");
	fd = xopen("D/F", O_WRONLY | O_CREAT | O_TRUNC);
	put(fd, "in D");
	xfsync(fd);
	close(fd);
	fsync_path("D");
}

static void
names(void)	/* a symlink, a swap, a rmdir, then all but the swap synced */
{
	if (symlink("A", "L") < 0)
		die("symlink");
	if (rmdir("E") < 0)
		die("rmdir");
	fsync_path(".");
	if (renameat2(AT_FDCWD, "X", AT_FDCWD, "Y", RENAME_EXCHANGE) < 0)
		die("renameat2");
}

static void
copy(void)	/* copy_file_range into a new file and over an old one */
{
	int in = xopen("S", O_RDONLY);
	int c = xopen("C", O_WRONLY | O_CREAT | O_TRUNC);
	int a = xopen("A", O_WRONLY);
	loff_t off = 0;

	if (copy_file_range(in, &off, c, NULL, 64, 0) != 10)
		die("copy_file_range C");
	xfsync(c);
	off = 0;
	if (copy_file_range(in, &off, a, NULL, 2, 0) != 2)
		die("copy_file_range A");
	close(in);
	close(c);
	close(a);
}

static void
big(void)	/* overwrite a 100 MiB file in place, 1 MiB at a time */
{
	static char chunk[1 << 20];
	int fd = xopen("BIG", O_WRONLY);

	memset(chunk, 'n', sizeof(chunk));
	for (int i = 0; i < 100; i++)
		if (pwrite(fd, chunk, sizeof(chunk), (off_t)i << 20) !=
		    sizeof(chunk))
			die("pwrite");
	close(fd);
}

static void
mapped(int sync)	/* T14 (msync(MS_SYNC)), T15 (none): a store through mmap */
{
	int fd = xopen("A", O_RDWR);
	char *p = mmap(NULL, 3, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		die("mmap");
	memcpy(p, "new", 3);
	if (sync && msync(p, 3, MS_SYNC) < 0)
		die("msync");
	munmap(p, 3);
	close(fd);
}

static void
t14(void)
{
	mapped(1);
}

static void
t15(void)
{
	mapped(0);
}

static void
syncs(void)	/* which calls are durability points: sync_file_range is not */
{
	int f1 = xopen("F1", O_WRONLY), f2 = xopen("F2", O_WRONLY | O_SYNC);
	int f3 = xopen("F3", O_WRONLY), f4 = xopen("F4", O_WRONLY | O_DSYNC);

	put(f1, "new1");
	if (sync_file_range(f1, 0, 0, SYNC_FILE_RANGE_WRITE |
	    SYNC_FILE_RANGE_WAIT_AFTER) < 0)
		die("sync_file_range");
	put(f2, "new2");		/* O_SYNC: durable when it returns */
	put(f3, "new3");
	if (fdatasync(f3) < 0)
		die("fdatasync");
	put(f4, "new4");		/* O_DSYNC */
	close(f1);
	close(f2);
	close(f3);
	close(f4);
}

static void
syncall(void)	/* sync() and syncfs() make everything durable */
{
	int fd;

	create("G", "gg");
	sync();
	fd = xopen("A", O_WRONLY | O_APPEND);
	put(fd, "+syncfs");
	if (syncfs(fd) < 0)
		die("syncfs");
	put(fd, "+late");
	close(fd);
}

static void
partial(void)	/* a rename synced on one side; its old name reused, synced */
{
	char name[32];
	int fd;

	if (rename("d1/F", "d2/F") < 0)
		die("rename");
	fd = xopen("d1/F", O_WRONLY | O_CREAT | O_TRUNC);
	put(fd, "z");
	xfsync(fd);
	close(fd);
	fsync_path("d1");
	/* enough durable ops for the journal to drop some */
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "d3/t%d", i);
		create(name, "");
	}
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "d3/t%d", i);
		if (unlink(name) < 0)
			die("unlink");
	}
	fsync_path("d3");
}

static void
dirmove(void)	/* a directory renamed, a file made in it; never synced */
{
	if (rename("d", "e") < 0)
		die("rename");
	create("e/g", "gg");
	if (unlink("e/f") < 0)
		die("unlink");
}

static void
rewrite(void)	/* overwrite twice, truncate, grow: no sync */
{
	int fd = xopen("A", O_RDWR);

	put(fd, "NE");			/* "NEd" */
	if (pwrite(fd, "x", 1, 1) != 1)	/* "Nxd" */
		die("pwrite");
	if (ftruncate(fd, 1) < 0)	/* "N" */
		die("ftruncate");
	if (pwrite(fd, "zz", 2, 4) != 2)	/* "N\0\0\0zz" */
		die("pwrite");
	close(fd);
}

int
main(int argc, char **argv)
{
	static const struct {
		const char	*name;
		void		(*fn)(void);
	} plain[] = {
		{ "T1", t1 }, { "T2", t2 }, { "T3", t3 }, { "T4", t4 },
		{ "T7", t7 }, { "T8", t8 }, { "T10", t10 }, { "T11", t11 },
		{ "T18", t18 }, { "T19", t19 }, { "T20", t20 }, { "T21", t21 },
		{ "names", names }, { "copy", copy }, { "big", big },
		{ "rewrite", rewrite }, { "T14", t14 }, { "T15", t15 },
		{ "dirmove", dirmove }, { "syncs", syncs },
		{ "syncall", syncall }, { "partial", partial },
	};

	if (argc != 2) {
		fprintf(stderr, "usage: pw_scen SCENARIO\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (strcmp(argv[1], plain[i].name) == 0) {
			plain[i].fn();
			printf("ack\n");
			return 0;
		}
	if (strcmp(argv[1], "T12") == 0 || strcmp(argv[1], "T12-exit") == 0)
		t12(argv[1][3] == '-');
	else if (strcmp(argv[1], "T16") == 0 || strcmp(argv[1], "T16-nodir") == 0)
		t16(argv[1][3] == '\0');
	else
		return 2;
	return 0;
}
