/*
 * explore_fork.c - the parent forks a child that writes child.txt, then
 * writes parent.txt itself and waits; exits 1 if either failed.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "progs.h"

int
main(void)
{
	int status;
	pid_t pid;
	int rc;

	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0)
		_exit(write_text("child.txt", "the child wrote this line\n") < 0);
	rc = write_text("parent.txt", "the parent wrote this line\n");
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return 1;
	return rc < 0;
}
