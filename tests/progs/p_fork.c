/*
 * p_fork MODE: processes.
 *   fork      child writes child.out (3 x 8 bytes 'c'), exits; then the
 *             parent writes parent.out (2 x 8 bytes 'p')
 *   vfork     vfork + exec of "p_fork child vfork.out"
 *   spawn     posix_spawn of "p_fork child spawn.out"
 *   forkexec  the parent appends "parent\n" to lines.out, then 2 forks
 *             and 1 vfork each exec /bin/sh -c 'echo fork >> lines.out',
 *             one after the other: 4 lines, offsets 0, 7, 12, 17
 *   tree N    N threads each fork a child that writes tree-K.out once
 *   pipe      the parent writes "data\n" 3 times into a pipe, closes it
 *             and waits for its child, which reads until EOF (a tracer
 *             that keeps a copy of the write end makes this hang)
 *   child F   write F (3 x 8 bytes 'c')
 */
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "progs.h"

extern char **environ;

static char self[4096];

static void
write_file(const char *name, char c, int n)
{
	char buf[8];
	int fd, i;

	memset(buf, c, sizeof(buf));
	fd = CHECK(open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644));
	for (i = 0; i < n; i++)
		EXPECT(write(fd, buf, sizeof(buf)), sizeof(buf));
	EXPECT(close(fd), 0);
}

static void
wait_ok(pid_t pid)
{
	int st;

	EXPECT(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail("p_fork: child %d failed (status 0x%x)", (int)pid, st);
}

static void
check_size(const char *name, off_t size)
{
	struct stat st;

	CHECK(stat(name, &st));
	EXPECT(st.st_size, size);
}

static void
do_fork(void)
{
	pid_t pid;

	pid = CHECK(fork());
	if (pid == 0) {
		write_file("child.out", 'c', 3);
		_exit(0);
	}
	wait_ok(pid);
	write_file("parent.out", 'p', 2);
}

static void
do_vfork(void)
{
	char *argv[] = { self, "child", "vfork.out", NULL };
	pid_t pid;

	pid = vfork();
	if (pid == 0) {
		execve(self, argv, environ);
		_exit(127);
	}
	CHECK(pid);
	wait_ok(pid);
	check_size("vfork.out", 24);
}

static void
do_spawn(void)
{
	char *argv[] = { self, "child", "spawn.out", NULL };
	pid_t pid;

	EXPECT(posix_spawn(&pid, self, NULL, NULL, argv, environ), 0);
	wait_ok(pid);
	check_size("spawn.out", 24);
}

static void
do_forkexec(void)
{
	char *argv[] = { "sh", "-c", "echo fork >> lines.out", NULL };
	pid_t pid;
	int fd, i;

	fd = CHECK(open("lines.out", O_WRONLY | O_CREAT | O_APPEND, 0644));
	EXPECT(write(fd, "parent\n", 7), 7);
	EXPECT(close(fd), 0);
	for (i = 0; i < 3; i++) {
		pid = i < 2 ? fork() : vfork();
		if (pid == 0) {
			execve("/bin/sh", argv, environ);
			_exit(127);
		}
		CHECK(pid);
		wait_ok(pid);
	}
	check_size("lines.out", 7 + 3 * 5);
}

static void *
tree_thread(void *arg)
{
	char name[32];
	pid_t pid;

	snprintf(name, sizeof(name), "tree-%ld.out", (long)arg);
	pid = CHECK(fork());
	if (pid == 0) {
		write_file(name, 't', 1);
		_exit(0);
	}
	wait_ok(pid);
	return NULL;
}

static void
do_tree(long n)
{
	pthread_t tid[64];
	long k;

	if (n < 1 || n > 64)
		fail("p_fork: bad tree size");
	for (k = 0; k < n; k++)
		EXPECT(pthread_create(&tid[k], NULL, tree_thread, (void *)k), 0);
	for (k = 0; k < n; k++)
		EXPECT(pthread_join(tid[k], NULL), 0);
}

static void
do_pipe(void)
{
	char buf[64];
	ssize_t n, total = 0;
	int p[2], i;
	pid_t pid;

	CHECK(pipe(p));
	pid = CHECK(fork());
	if (pid == 0) {
		close(p[1]);
		while ((n = read(p[0], buf, sizeof(buf))) > 0)
			total += n;
		_exit(n == 0 && total == 15 ? 0 : 1);
	}
	close(p[0]);
	for (i = 0; i < 3; i++)
		EXPECT(write(p[1], "data\n", 5), 5);
	EXPECT(close(p[1]), 0);
	wait_ok(pid);
}

int
main(int argc, char **argv)
{
	ssize_t n;

	if (argc < 2)
		fail("usage: p_fork fork|vfork|spawn|forkexec|pipe|tree N|child F");
	n = CHECK(readlink("/proc/self/exe", self, sizeof(self) - 1));
	self[n] = '\0';
	if (!strcmp(argv[1], "fork"))
		do_fork();
	else if (!strcmp(argv[1], "vfork"))
		do_vfork();
	else if (!strcmp(argv[1], "spawn"))
		do_spawn();
	else if (!strcmp(argv[1], "forkexec"))
		do_forkexec();
	else if (!strcmp(argv[1], "pipe"))
		do_pipe();
	else if (!strcmp(argv[1], "tree") && argc == 3)
		do_tree(atol(argv[2]));
	else if (!strcmp(argv[1], "child") && argc == 3)
		write_file(argv[2], 'c', 3);
	else
		fail("p_fork: bad mode '%s'", argv[1]);
	return 0;
}
