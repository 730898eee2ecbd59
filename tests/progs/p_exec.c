/*
 * p_exec MODE: exec.
 *   exec            write pre.out ("pre\n"), then execve("p_exec after")
 *   thread-exec     write pre.out, then a second thread execs
 *                   "p_exec after" while the leader waits in pthread_join
 *   thread-exec-sh  the same, but the thread execs
 *                   /bin/sh -c 'echo x > sh.out'
 *   after           write post.out ("post\n")
 * After an exec from a non-leader thread, the process keeps its pid and
 * the exec'ing thread takes the leader's tid.
 */
#include <fcntl.h>
#include <pthread.h>

#include "progs.h"

extern char **environ;

static char self[4096];
static const char *mode;

static void
write_file(const char *name, const char *text)
{
	int fd;

	fd = CHECK(open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644));
	EXPECT(write(fd, text, strlen(text)), strlen(text));
	EXPECT(close(fd), 0);
}

static void
exec_next(void)
{
	char *after[] = { self, "after", NULL };
	char *sh[] = { "sh", "-c", "echo x > sh.out", NULL };

	if (!strcmp(mode, "thread-exec-sh"))
		execve("/bin/sh", sh, environ);
	else
		execve(self, after, environ);
	fail("p_exec: execve: %s", strerror(errno));
}

static void *
exec_thread(void *arg)
{
	(void)arg;
	exec_next();
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t tid;
	ssize_t n;

	if (argc != 2)
		fail("usage: p_exec exec|thread-exec|thread-exec-sh|after");
	mode = argv[1];
	n = CHECK(readlink("/proc/self/exe", self, sizeof(self) - 1));
	self[n] = '\0';
	if (!strcmp(mode, "after")) {
		write_file("post.out", "post\n");
		return 0;
	}
	write_file("pre.out", "pre\n");
	if (!strcmp(mode, "exec"))
		exec_next();
	EXPECT(pthread_create(&tid, NULL, exec_thread, NULL), 0);
	pthread_join(tid, NULL);
	fail("p_exec: the exec'ing thread returned");
}
