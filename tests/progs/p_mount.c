/*
 * p_mount DIR [FILE]: leave a bind mount of DIR in the run directory,
 * as "m" (mkdir + mount(MS_BIND)), then write "data" to FILE (default
 * out.txt) in the run directory.  The mount is not undone: removing the
 * run directory must not empty DIR through it (issue 7, item 4).
 * Needs CAP_SYS_ADMIN in its mount namespace.  Sites: 1 openat + 1 write.
 */
#include <sys/mount.h>
#include <sys/stat.h>

#include "progs.h"

int
main(int argc, char **argv)
{
	int fd;

	if (argc != 2 && argc != 3)
		fail("usage: p_mount DIR [FILE]");
	if (mkdir("m", 0755) < 0 && errno != EEXIST)
		fail("p_mount: mkdir m: %s", strerror(errno));
	if (mount(argv[1], "m", NULL, MS_BIND, NULL) < 0)
		fail("p_mount: mount --bind %s m: %s", argv[1], strerror(errno));
	fd = CHECK(open(argc == 3 ? argv[2] : "out.txt",
	    O_WRONLY | O_CREAT | O_TRUNC, 0644));
	EXPECT(write(fd, "data", 4), 4);
	EXPECT(close(fd), 0);
	return 0;
}
