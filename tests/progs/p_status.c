/*
 * p_status exit N | kill | segv: write "x" to status.out, then exit
 * with status N, or kill itself with SIGKILL, or with SIGSEGV.
 * badio must pass the status through (N, 137, 139).
 */
#include <fcntl.h>
#include <signal.h>

#include "progs.h"

int
main(int argc, char **argv)
{
	int fd;

	if (argc < 2)
		fail("usage: p_status exit N | kill | segv");
	fd = CHECK(open("status.out", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	EXPECT(write(fd, "x", 1), 1);
	if (!strcmp(argv[1], "exit") && argc == 3)
		_exit(atoi(argv[2]));
	if (!strcmp(argv[1], "kill"))
		raise(SIGKILL);
	if (!strcmp(argv[1], "segv"))
		raise(SIGSEGV);
	fail("p_status: bad mode '%s'", argv[1]);
}
