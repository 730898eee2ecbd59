/*
 * det_save MODE: replace data.txt with "det_save: version 2\n" the
 * atomic way (write loop, fsync, rename, fsync of the directory; exit 1
 * on any error), through a temporary file named as MODE says:
 *
 *   mkstemp       data.txt.XXXXXX from mkstemp(3): a new random name in
 *                 every run (glibc takes it from the clock)
 *   pid           data.txt.PID.tmp, the pid in the name
 *   tmpfile-link  an O_TMPFILE in ".", given the name data.txt.tmp with
 *                 linkat(2) once written
 *   tmpfile-anon  the new text goes through an O_TMPFILE scratch file
 *                 (written, read back) that never gets a name, then to
 *                 data.txt.new
 *   mkstemp-subdir  mkstemp(3) of sub/data.txt.XXXXXX, which fails with
 *                 ENOENT (sub is not there yet), then mkdir("sub") and
 *                 mkstemp again, as git does for a new objects/XX: the
 *                 failed attempt's name is new in every run too
 *   mkdtemp       a directory from mkdtemp(3) (a name from the clock),
 *                 the new text written to DIR/data.new there, renamed
 *                 over data.txt, the directory removed
 *
 * Sites (mkstemp, pid): openat (create), write, fsync, rename, fsync of
 * ".".  The tests in tests/live/test_determinism.c explore each.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "progs.h"

static const char text[] = "det_save: version 2\n";

static void
sync_dir(void)
{
	int fd = CHECK(open(".", O_RDONLY | O_DIRECTORY));

	CHECK(fsync(fd));
	CHECK(close(fd));
}

/* Write, fsync and close fd, then rename tmp over data.txt. */
static void
finish(int fd, const char *tmp, const char *p, size_t n)
{
	if (write_all(fd, p, n) < 0)
		fail("write %s: %s", tmp, strerror(errno));
	CHECK(fsync(fd));
	CHECK(close(fd));
	CHECK(rename(tmp, "data.txt"));
	sync_dir();
}

static void
via_tmpfile_link(void)
{
	char proc[64];
	int fd = CHECK(open(".", O_TMPFILE | O_WRONLY, 0644));

	if (write_all(fd, text, sizeof(text) - 1) < 0)
		fail("write: %s", strerror(errno));
	CHECK(fsync(fd));
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	CHECK(linkat(AT_FDCWD, proc, AT_FDCWD, "data.txt.tmp",
	    AT_SYMLINK_FOLLOW));
	CHECK(close(fd));
	CHECK(rename("data.txt.tmp", "data.txt"));
	sync_dir();
}

static void
via_tmpfile_anon(void)
{
	char back[sizeof(text)];
	int scratch = CHECK(open(".", O_TMPFILE | O_RDWR, 0600));
	int fd;

	if (write_all(scratch, text, sizeof(text) - 1) < 0)
		fail("write scratch: %s", strerror(errno));
	EXPECT(pread(scratch, back, sizeof(text) - 1, 0), sizeof(text) - 1);
	CHECK(close(scratch));
	fd = CHECK(open("data.txt.new", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	finish(fd, "data.txt.new", back, sizeof(text) - 1);
}

int
main(int argc, char **argv)
{
	char tmp[64];
	int fd;

	if (argc != 2)
		fail("usage: det_save mkstemp|mkstemp-subdir|pid|tmpfile-link|"
		    "tmpfile-anon|mkdtemp");
	if (strcmp(argv[1], "mkstemp") == 0) {
		snprintf(tmp, sizeof(tmp), "data.txt.XXXXXX");
		fd = CHECK(mkstemp(tmp));
		finish(fd, tmp, text, sizeof(text) - 1);
	} else if (strcmp(argv[1], "mkstemp-subdir") == 0) {
		snprintf(tmp, sizeof(tmp), "sub/data.txt.XXXXXX");
		if (mkstemp(tmp) >= 0 || errno != ENOENT)
			fail("mkstemp in a missing directory: %s", strerror(errno));
		CHECK(mkdir("sub", 0755));
		snprintf(tmp, sizeof(tmp), "sub/data.txt.XXXXXX");
		fd = CHECK(mkstemp(tmp));
		finish(fd, tmp, text, sizeof(text) - 1);
		CHECK(rmdir("sub"));
	} else if (strcmp(argv[1], "pid") == 0) {
		snprintf(tmp, sizeof(tmp), "data.txt.%d.tmp", (int)getpid());
		fd = CHECK(open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644));
		finish(fd, tmp, text, sizeof(text) - 1);
	} else if (strcmp(argv[1], "tmpfile-link") == 0) {
		via_tmpfile_link();
	} else if (strcmp(argv[1], "tmpfile-anon") == 0) {
		via_tmpfile_anon();
	} else if (strcmp(argv[1], "mkdtemp") == 0) {
		char dir[] = "tmp.XXXXXX";

		if (!mkdtemp(dir))
			fail("mkdtemp: %s", strerror(errno));
		snprintf(tmp, sizeof(tmp), "%s/data.new", dir);
		fd = CHECK(open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644));
		finish(fd, tmp, text, sizeof(text) - 1);
		CHECK(rmdir(dir));
	} else {
		fail("det_save: unknown mode %s", argv[1]);
	}
	return 0;
}
