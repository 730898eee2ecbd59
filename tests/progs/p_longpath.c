/*
 * p_longpath: paths longer than PATH_MAX, which the kernel cannot name
 * in one string but a program reaches with chdir and directory fds.
 * Makes 21 levels of 200-character directories "ddd...d" (mkdir and
 * chdir), so that from level 21 on the working directory's own path,
 * even relative to the run directory, is longer than PATH_MAX, then:
 *
 *   at level 15: creates "near" and writes "near\n" (an exact path)
 *   keeps a directory fd of level 10
 *   at level 21: creates "far", writes "far\n", fsyncs, renames it to
 *                "far2" (the cwd has no readable path)
 *   openat(level-10 fd, "ddd...d/ x 11 /via"): the directory's path
 *                plus the argument are longer than PATH_MAX
 *   open() of an argument of PATH_MAX + 100 bytes: ENAMETOOLONG
 *   then unlinks far2, via and near and removes the directories (rmdir),
 *   leaving the directory as it found it
 *
 * Run as `p_longpath` in an empty directory; exits 0 if every call
 * returned what it should.
 */
#include <limits.h>
#include <sys/stat.h>

#include "progs.h"

#define NAME_LEN	200
#define LEVELS		21

static char name[NAME_LEN + 1];

static void
down(void)
{
	CHECK(mkdir(name, 0755));
	CHECK(chdir(name));
}

static void
write_fd(int fd, const char *text)
{
	EXPECT(write(fd, text, strlen(text)), (long long)strlen(text));
}

int
main(void)
{
	static char via[11 * (NAME_LEN + 1) + 4], huge[PATH_MAX + 100];
	int level, fd, dir10 = -1;
	char *p = via;

	memset(name, 'd', NAME_LEN);
	for (level = 1; level <= LEVELS; level++) {
		down();
		if (level == 10)
			dir10 = CHECK(open(".", O_RDONLY | O_DIRECTORY));
		if (level == 15) {
			fd = CHECK(open("near", O_WRONLY | O_CREAT | O_TRUNC, 0644));
			write_fd(fd, "near\n");
			EXPECT(close(fd), 0);
		}
	}
	fd = CHECK(open("far", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	write_fd(fd, "far\n");
	EXPECT(fsync(fd), 0);
	EXPECT(close(fd), 0);
	EXPECT(rename("far", "far2"), 0);

	for (level = 11; level <= LEVELS; level++) {
		memcpy(p, name, NAME_LEN);
		p[NAME_LEN] = '/';
		p += NAME_LEN + 1;
	}
	memcpy(p, "via", 4);
	fd = CHECK(openat(dir10, via, O_WRONLY | O_CREAT | O_TRUNC, 0644));
	EXPECT(close(fd), 0);

	memset(huge, 'h', sizeof(huge) - 1);
	EXPECT(open(huge, O_WRONLY | O_CREAT, 0644), -1);
	EXPECT(errno, ENAMETOOLONG);
	EXPECT(close(dir10), 0);

	EXPECT(unlink("far2"), 0);
	EXPECT(unlink("via"), 0);
	for (level = LEVELS; level >= 1; level--) {
		if (level == 15)
			EXPECT(unlink("near"), 0);
		CHECK(chdir(".."));
		CHECK(rmdir(name));
	}
	return 0;
}
