/*
 * explore_fork.c - the parent forks a child that writes child.txt, then
 * writes parent.txt itself and waits; exits 1 if either failed.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int
write_file(const char *name, const char *text)
{
	size_t n = strlen(text);
	int fd;

	fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	while (n > 0) {
		ssize_t k = write(fd, text, n);

		if (k < 0) {
			close(fd);
			return -1;
		}
		text += k;
		n -= (size_t)k;
	}
	return close(fd);
}

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
		_exit(write_file("child.txt", "the child wrote this line\n") < 0);
	rc = write_file("parent.txt", "the parent wrote this line\n");
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return 1;
	return rc < 0;
}
