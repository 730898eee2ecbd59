/*
 * p_stdnames: real files whose names are the names badio gives streams.
 * In its working directory: writes "file\n" to a file named "<stdout>"
 * (open, write, fsync, close), writes "x\n" to "<pipe>/data" (in a
 * directory named "<pipe>", made with mkdir, which is not traced), writes
 * "stream\n" to its real stdout, and renames "<pipe>/data" to "<stderr>".
 * Exits 0 if every call returned what it should.
 */
#include <sys/stat.h>

#include "progs.h"

int
main(void)
{
	int fd;

	fd = CHECK(open("<stdout>", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	EXPECT(write(fd, "file\n", 5), 5);
	EXPECT(fsync(fd), 0);
	EXPECT(close(fd), 0);
	CHECK(mkdir("<pipe>", 0755));
	fd = CHECK(open("<pipe>/data", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	EXPECT(write(fd, "x\n", 2), 2);
	EXPECT(close(fd), 0);
	EXPECT(write(1, "stream\n", 7), 7);
	EXPECT(rename("<pipe>/data", "<stderr>"), 0);
	return 0;
}
