/*
 * p_fdreuse MODE: an fd number that names another open file between two
 * writes, for badio's cache of fd duplicates (recorder/site.c, fd_open),
 * which must notice every such change.  Each mode checks the contents
 * it wrote by reading the files back.
 *
 *   reuse: write a.txt on fd 3; close 3; open b.txt (fd 3 again), write;
 *          open c.txt (fd 4), dup2(4, 3), write fd 3; lseek fd 3 to 0
 *          (untraced), write "x" over c.txt's first byte; fcntl(F_SETFL,
 *          O_APPEND), write "y" (at the end).  a.txt "A1", b.txt "B1",
 *          c.txt "x1y".
 *   fork:  write f.txt "P1" on fd 3; the child closes fd 3, opens g.txt
 *          (fd 3), writes "G1" and exits; the parent writes "P2" on its
 *          fd 3.  f.txt "P1P2", g.txt "G1".
 *   exec:  open e.txt O_CLOEXEC (fd 3), write "E1", exec itself as
 *          "exec2", which opens h.txt (fd 3 again) and writes "H1".
 */
#include <fcntl.h>
#include <sys/wait.h>

#include "progs.h"

static void
expect_file(const char *path, const char *want)
{
	char buf[64];
	int fd = CHECK(open(path, O_RDONLY));
	ssize_t n = read(fd, buf, sizeof(buf));

	EXPECT(n, (ssize_t)strlen(want));
	if (memcmp(buf, want, strlen(want)) != 0)
		fail("p_fdreuse: %s holds %.*s, want %s", path, (int)n, buf,
		    want);
	EXPECT(close(fd), 0);
}

static int
create(const char *path, int flags)
{
	return CHECK(open(path, O_WRONLY | O_CREAT | O_TRUNC | flags, 0644));
}

static void
reuse(void)
{
	EXPECT(create("a.txt", 0), 3);
	EXPECT(write(3, "A1", 2), 2);
	EXPECT(close(3), 0);
	EXPECT(create("b.txt", 0), 3);
	EXPECT(write(3, "B1", 2), 2);
	EXPECT(create("c.txt", 0), 4);
	EXPECT(dup2(4, 3), 3);
	EXPECT(write(3, "C1", 2), 2);
	EXPECT(lseek(3, 0, SEEK_SET), 0);
	EXPECT(write(3, "x", 1), 1);
	EXPECT(fcntl(3, F_SETFL, O_APPEND), 0);
	EXPECT(write(3, "y", 1), 1);
	expect_file("a.txt", "A1");
	expect_file("b.txt", "B1");
	expect_file("c.txt", "x1y");
}

static void
forked(void)
{
	int st;
	pid_t pid;

	EXPECT(create("f.txt", 0), 3);
	EXPECT(write(3, "P1", 2), 2);
	pid = CHECK(fork());
	if (pid == 0) {
		EXPECT(close(3), 0);
		EXPECT(create("g.txt", 0), 3);
		EXPECT(write(3, "G1", 2), 2);
		_exit(0);
	}
	EXPECT(waitpid(pid, &st, 0), pid);
	EXPECT(st, 0);
	EXPECT(write(3, "P2", 2), 2);
	expect_file("f.txt", "P1P2");
	expect_file("g.txt", "G1");
}

int
main(int argc, char **argv)
{
	if (argc != 2)
		fail("usage: p_fdreuse reuse|fork|exec");
	if (strcmp(argv[1], "reuse") == 0) {
		reuse();
	} else if (strcmp(argv[1], "fork") == 0) {
		forked();
	} else if (strcmp(argv[1], "exec") == 0) {
		char *again[] = { argv[0], "exec2", NULL };

		EXPECT(create("e.txt", O_CLOEXEC), 3);
		EXPECT(write(3, "E1", 2), 2);
		execv(argv[0], again);
		fail("p_fdreuse: exec: errno %d", errno);
	} else if (strcmp(argv[1], "exec2") == 0) {
		EXPECT(create("h.txt", 0), 3);
		EXPECT(write(3, "H1", 2), 2);
		expect_file("e.txt", "E1");
		expect_file("h.txt", "H1");
	} else {
		fail("p_fdreuse: unknown mode %s", argv[1]);
	}
	return 0;
}
