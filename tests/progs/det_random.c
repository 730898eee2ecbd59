/*
 * det_random: write the randomness the kernel gives into files, as hex,
 * one file per task, so that two runs can be compared file by file:
 *
 *   main.out        getrandom of 16, 16 and 1000 bytes, the 16 AT_RANDOM
 *                   bytes, 32 bytes of /dev/urandom and 16 of /dev/random,
 *                   then "pid P ppid Q"
 *   child-K.out     K = 1, 2: a forked child's getrandom (16 bytes) and
 *                   its pid; the two children run at the same time, and
 *   thread-K-T.out  T = 1, 2: two threads in each child, at the same
 *                   time too, getrandom (16 bytes) each
 *   exec.out        child 2 then execs det_random itself ("exec"): the
 *                   new image's AT_RANDOM bytes and a getrandom
 *
 * "det_random auxv" only appends its AT_RANDOM bytes, as hex, to
 * auxv.txt (one write).
 *
 * Under badio record (deterministic) every file is the same in every run
 * with the same seed, whatever the interleaving (the children start
 * once both are forked, so that their pids are the same too).
 */
#include <pthread.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <sys/wait.h>

#include "progs.h"

static void
hex(char *out, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static void
put(const char *name, const char *text)
{
	int fd = CHECK(open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644));

	EXPECT(write(fd, text, strlen(text)), (long)strlen(text));
	CHECK(close(fd));
}

/* One line of hex for n random bytes from getrandom. */
static void
random_line(char *out, size_t n)
{
	unsigned char b[1000];

	EXPECT(getrandom(b, n, 0), (long)n);
	hex(out, b, n);
	out[2 * n] = '\n';
	out[2 * n + 1] = '\0';
}

static void
read_dev(const char *dev, char *out, size_t n)
{
	unsigned char b[64];
	int fd = CHECK(open(dev, O_RDONLY));

	EXPECT(read(fd, b, n), (long)n);
	CHECK(close(fd));
	hex(out, b, n);
	out[2 * n] = '\n';
	out[2 * n + 1] = '\0';
}

static int child_no;

static void *
thread_main(void *arg)
{
	char name[32], line[64];

	random_line(line, 16);
	snprintf(name, sizeof(name), "thread-%d-%d.out", child_no,
	    (int)(long)arg);
	put(name, line);
	return NULL;
}

/*
 * Both children wait until the parent has forked them both: child 1's
 * threads would otherwise take pids before or after child 2, as the
 * kernel orders the two processes' creations (badio does not), and
 * child-2.out would name another pid under load.
 */
static int go[2] = { -1, -1 };

static void
child(int k)
{
	char name[32], text[128], c;
	pthread_t t[2];

	child_no = k;
	CHECK(close(go[1]));
	EXPECT(read(go[0], &c, 1), 0);
	CHECK(close(go[0]));
	random_line(text, 16);
	snprintf(text + strlen(text), sizeof(text) - strlen(text), "pid %d\n",
	    (int)getpid());
	snprintf(name, sizeof(name), "child-%d.out", k);
	put(name, text);
	for (long i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, thread_main, (void *)(i + 1)))
			fail("pthread_create");
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	if (k == 2) {
		char *argv[] = { (char *)"det_random", (char *)"exec", NULL };

		execv("/proc/self/exe", argv);
		fail("execv: %s", strerror(errno));
	}
	_exit(0);
}

/* The image child 2 execs: its AT_RANDOM and one getrandom. */
static int
exec_image(void)
{
	char text[128];

	hex(text, (const unsigned char *)getauxval(AT_RANDOM), 16);
	text[32] = '\n';
	random_line(text + 33, 16);
	put("exec.out", text);
	return 0;
}

int
main(int argc, char **argv)
{
	static char text[4096];
	size_t len;
	pid_t pids[2];
	int st;

	if (argc == 2 && strcmp(argv[1], "exec") == 0)
		return exec_image();
	if (argc == 2 && strcmp(argv[1], "auxv") == 0) {
		int fd = CHECK(open("auxv.txt", O_WRONLY | O_CREAT | O_APPEND,
		    0644));

		hex(text, (const unsigned char *)getauxval(AT_RANDOM), 16);
		text[32] = '\n';
		EXPECT(write(fd, text, 33), 33);
		return 0;
	}

	random_line(text, 16);
	random_line(text + strlen(text), 16);
	random_line(text + strlen(text), 1000);
	len = strlen(text);
	hex(text + len, (const unsigned char *)getauxval(AT_RANDOM), 16);
	snprintf(text + len + 32, sizeof(text) - len - 32, "\n");
	read_dev("/dev/urandom", text + strlen(text), 32);
	read_dev("/dev/random", text + strlen(text), 16);
	len = strlen(text);
	snprintf(text + len, sizeof(text) - len, "pid %d ppid %d\n",
	    (int)getpid(), (int)getppid());
	put("main.out", text);
	CHECK(pipe(go));
	for (int k = 0; k < 2; k++) {
		pids[k] = CHECK(fork());
		if (pids[k] == 0)
			child(k + 1);
	}
	CHECK(close(go[1]));
	CHECK(close(go[0]));
	for (int k = 0; k < 2; k++) {
		EXPECT(waitpid(pids[k], &st, 0), pids[k]);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fail("child %d failed", k + 1);
	}
	return 0;
}
