/*
 * p_setuid: a program started as root that drops to another user, as
 * daemons do, and then writes in its working directory.  Creates
 * root.txt ("root\n") as root, then setgroups(0), setgid(65534),
 * setuid(65534), and creates nobody.txt ("nobody\n"), fsyncs and closes
 * it.  Exits 0 if every call returned what it should, 1 otherwise
 * (including when it does not start as root).
 */
#include <grp.h>

#include "progs.h"

int
main(void)
{
	int fd;

	if (geteuid() != 0)
		fail("p_setuid: must start as root");
	EXPECT(write_text("root.txt", "root\n"), 0);
	CHECK(setgroups(0, NULL));
	CHECK(setgid(65534));
	CHECK(setuid(65534));
	EXPECT(geteuid(), 65534);
	fd = CHECK(open("nobody.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	EXPECT(write(fd, "nobody\n", 7), 7);
	EXPECT(fsync(fd), 0);
	EXPECT(close(fd), 0);
	return 0;
}
