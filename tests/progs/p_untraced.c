/*
 * p_untraced MARKER: get away from the tracer.  A child made with
 * clone(CLONE_UNTRACED) is not traced even under PTRACE_O_TRACEFORK; it
 * leaves the session (setsid) and sleeps 1000 s, while p_untraced exits
 * 0 at once.  MARKER is only there for a test to find the child by its
 * command line.  A contained run (a cgroup) kills the child when the
 * run ends (issue 7, item 11).  Sites: none.
 */
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>

#include "progs.h"

int
main(int argc, char **argv)
{
	struct timespec ts = { 1000, 0 };
	long pid;

	if (argc != 2 || !*argv[1])
		fail("usage: p_untraced MARKER");
	pid = syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		fail("p_untraced: clone: %s", strerror(errno));
	if (pid == 0) {
		setsid();
		nanosleep(&ts, NULL);
		_exit(0);
	}
	return 0;
}
