/*
 * p_signals MODE: signals must reach the program as without a tracer.
 *   usr1 N      a SIGUSR1 handler writes "s" to sig.out; the program
 *               sends itself SIGUSR1 N times: N write sites, count N
 *   stop        stops itself with SIGSTOP; a helper child waits until it
 *               is stopped, sends SIGCONT; then it writes resumed.out
 *   stopchild   SIGSTOP a writer child: waitpid(WUNTRACED) sees the
 *               stop, w.out does not grow while stopped, SIGCONT resumes
 *               it (WCONTINUED), SIGTERM kills it
 *   sigwrite N  N writes of 10 bytes to sigw.out under a 2 ms SA_RESTART
 *               SIGALRM interval timer; at least one alarm must arrive
 *   restart     one blocking write of 100 bytes on a full pipe,
 *               interrupted and restarted by an SA_RESTART SIGALRM:
 *               pipe sites are 4096 (ok), 1 (-EAGAIN), 100 (ok)
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include "progs.h"

static volatile sig_atomic_t hits;
static int sig_fd = -1;

static void
on_signal(int sig)
{
	(void)sig;
	hits++;
	if (sig_fd >= 0 && write(sig_fd, "s", 1) != 1)
		_exit(2);
}

static void
handle(int sig, int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(sig, &sa, NULL));
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void
do_usr1(long n)
{
	long i;

	sig_fd = CHECK(open("sig.out", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	handle(SIGUSR1, SA_RESTART);
	for (i = 0; i < n; i++)
		EXPECT(kill(getpid(), SIGUSR1), 0);
	EXPECT(hits, n);
}

/* State letter of a process from /proc/PID/stat, or 0. */
static char
proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

static void
do_stop(void)
{
	pid_t parent = getpid(), pid;
	int i, st, fd;

	pid = CHECK(fork());
	if (pid == 0) {
		/* 't' (tracing stop) is what a stopped tracee shows */
		for (i = 0; i < 10000; i++) {
			char s = proc_state(parent);

			if (s == 'T' || s == 't')
				break;
			sleep_ms(1);
		}
		sleep_ms(20);
		kill(parent, SIGCONT);
		_exit(i < 10000 ? 0 : 1);
	}
	EXPECT(raise(SIGSTOP), 0);
	fd = CHECK(open("resumed.out", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	EXPECT(write(fd, "resumed\n", 8), 8);
	EXPECT(close(fd), 0);
	EXPECT(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail("p_signals: the helper never saw the program stopped");
}

static off_t
file_size(const char *name)
{
	struct stat st;

	if (stat(name, &st) < 0)
		return -1;
	return st.st_size;
}

static off_t
wait_growth(const char *name, off_t than)
{
	int i;

	for (i = 0; i < 10000; i++) {
		if (file_size(name) > than)
			return file_size(name);
		sleep_ms(1);
	}
	fail("p_signals: %s did not grow past %lld", name, (long long)than);
}

static void
writer_child(void)
{
	int fd;

	fd = CHECK(open("w.out", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	for (;;) {
		EXPECT(write(fd, "w", 1), 1);
		sleep_ms(1);
	}
}

static void
do_stopchild(void)
{
	off_t s1, s2;
	pid_t pid;
	int st;

	pid = CHECK(fork());
	if (pid == 0)
		writer_child();
	wait_growth("w.out", 0);
	EXPECT(kill(pid, SIGSTOP), 0);
	EXPECT(waitpid(pid, &st, WUNTRACED), pid);
	if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP)
		fail("p_signals: child not reported stopped (0x%x)", st);
	s1 = file_size("w.out");
	sleep_ms(100);
	s2 = file_size("w.out");
	if (s1 != s2)
		fail("p_signals: stopped child wrote %lld bytes",
		     (long long)(s2 - s1));
	EXPECT(kill(pid, SIGCONT), 0);
	EXPECT(waitpid(pid, &st, WCONTINUED), pid);
	if (!WIFCONTINUED(st))
		fail("p_signals: child not reported continued (0x%x)", st);
	wait_growth("w.out", s2);
	EXPECT(kill(pid, SIGTERM), 0);
	EXPECT(waitpid(pid, &st, 0), pid);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGTERM)
		fail("p_signals: SIGTERM did not kill the child (0x%x)", st);
}

static void
spin_us(long us)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000L +
	       (b.tv_nsec - a.tv_nsec) / 1000 < us);
}

static void
do_sigwrite(long n)
{
	struct itimerval it = { { 0, 2000 }, { 0, 2000 } };
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	char buf[10];
	long i;
	int fd;

	memset(buf, 'w', sizeof(buf));
	fd = CHECK(open("sigw.out", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	handle(SIGALRM, SA_RESTART);
	CHECK(setitimer(ITIMER_REAL, &it, NULL));
	for (i = 0; i < n; i++) {
		EXPECT(write(fd, buf, sizeof(buf)), sizeof(buf));
		spin_us(20);
	}
	CHECK(setitimer(ITIMER_REAL, &off, NULL));
	EXPECT(close(fd), 0);
	if (hits == 0)
		fail("p_signals: no SIGALRM arrived");
	EXPECT(file_size("sigw.out"), 10 * n);
}

static void
drain_child(int rfd)
{
	char buf[8192];
	ssize_t n;
	int queued = 0;

	/*
	 * Not before the parent has filled the pipe (its 4096 and its
	 * EAGAIN must come first however slow it is to start), then late
	 * enough for the SIGALRM to interrupt its blocking write.
	 */
	while (ioctl(rfd, FIONREAD, &queued) == 0 && queued < 4096)
		sleep_ms(5);
	sleep_ms(300);
	while ((n = read(rfd, buf, sizeof(buf))) > 0)
		;
	_exit(n == 0 ? 0 : 1);
}

static void
do_restart(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 50000 } };
	static char buf[4096];
	int p[2], st;
	pid_t pid;

	CHECK(pipe(p));
	EXPECT(fcntl(p[1], F_SETPIPE_SZ, 4096), 4096);
	pid = CHECK(fork());
	if (pid == 0) {
		close(p[1]);
		drain_child(p[0]);
	}
	close(p[0]);
	CHECK(fcntl(p[1], F_SETFL, O_NONBLOCK));
	EXPECT(write(p[1], buf, 4096), 4096);
	EXPECT(write(p[1], buf, 1), -1);
	EXPECT(errno, EAGAIN);
	CHECK(fcntl(p[1], F_SETFL, 0));
	handle(SIGALRM, SA_RESTART);
	CHECK(setitimer(ITIMER_REAL, &it, NULL));
	EXPECT(write(p[1], buf, 100), 100);
	EXPECT(hits, 1);
	EXPECT(close(p[1]), 0);
	EXPECT(waitpid(pid, &st, 0), pid);
	EXPECT(st, 0);
}

int
main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";

	if (!strcmp(m, "usr1") && argc == 3)
		do_usr1(atol(argv[2]));
	else if (!strcmp(m, "stop"))
		do_stop();
	else if (!strcmp(m, "stopchild"))
		do_stopchild();
	else if (!strcmp(m, "sigwrite") && argc == 3)
		do_sigwrite(atol(argv[2]));
	else if (!strcmp(m, "restart"))
		do_restart();
	else
		fail("usage: p_signals usr1 N|stop|stopchild|sigwrite N|restart");
	return 0;
}
