/*
 * ns.c - running the program in its own PID and mount namespaces, so
 * that its pids (and /dev/urandom, random.c) are the same in every run.
 *
 * badio clones an init process into a new PID namespace, a new mount
 * namespace and, when badio is not privileged, a new user namespace that
 * maps badio's own uid and gid (nothing else changes for the program).
 * The init is pid 1 there; it
 *
 *   1. makes every mount private, mounts the /dev/urandom FIFO over
 *      /dev/urandom and /dev/random (from a tmpfs set up and detached on
 *      /proc, so nothing is left on any disk), and a /proc of the new
 *      namespace over /proc, so /proc/self and getpid() agree;
 *   2. tells badio it is ready, and waits until badio has seized it;
 *   3. forks the program, which ptrace auto-attaches (PTRACE_O_TRACEFORK)
 *      before its first instruction: the program is pid 2 in every run,
 *      with ordinary signal semantics (pid 1 ignores signals it has no
 *      handler for);
 *   4. reaps every process of the namespace (orphans come to it) and
 *      exits when none is left, which ends the namespace.
 *
 * badio detaches from the init at its fork event (it has no seccomp
 * filter, so that is safe), and from then on it is an ordinary child of
 * badio: the tracer's loop ends at ECHILD once it is gone.  The init
 * and the program's child before exec make raw system calls only (a
 * raw clone leaves glibc's idea of the thread behind: no raise, no
 * malloc).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "recorder/recorder_int.h"

#define URANDOM_TMP	"/proc/urandom"
#define READY_URANDOM	1		/* child_error.err of the ready message */

struct ns_child {
	const struct rec_opts	*o;
	const struct sock_fprog	*filter;
	const sigset_t		*mask;
	int			errfd;		/* reports to badio (close-on-exec) */
	int			syncfd;		/* badio's "go" */
	int			cgfd;		/* cgroup.procs to join, or -1 */
	bool			userns;
	uid_t			uid;
	gid_t			gid;
	bool			urandom;
};

/* "N N 1\n" into buf (no stdio in the init). */
static void
id_map_line(char *buf, unsigned id)
{
	char digits[16];
	int n = 0, k = 0;

	do
		digits[n++] = (char)('0' + id % 10);
	while ((id /= 10) && n < (int)sizeof(digits));
	for (int rep = 0; rep < 2; rep++) {
		for (int i = n - 1; i >= 0; i--)
			buf[k++] = digits[i];
		buf[k++] = ' ';
	}
	buf[k++] = '1';
	buf[k++] = '\n';
	buf[k] = '\0';
}

static int
put_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* The new user namespace maps badio's uid and gid to themselves. */
static int
map_ids(uid_t uid, gid_t gid)
{
	char line[48];

	id_map_line(line, (unsigned)uid);
	if (put_file("/proc/self/uid_map", line) < 0)
		return -1;
	if (put_file("/proc/self/setgroups", "deny") < 0)
		return -1;
	id_map_line(line, (unsigned)gid);
	return put_file("/proc/self/gid_map", line);
}

/*
 * A FIFO on a tmpfs mounted on /proc for the moment, bind-mounted over
 * /dev/urandom and /dev/random; the tmpfs is then detached (the binds
 * keep it alive) and badio opens the FIFO through /proc/INIT/root.
 */
static int
urandom_mount(void)
{
	int rc = -1;

	if (mount("tmpfs", "/proc", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    "size=16k,mode=0755") < 0)
		return -1;
	if (mknod(URANDOM_TMP, S_IFIFO | 0600, 0) == 0 &&
	    mount(URANDOM_TMP, "/dev/urandom", NULL, MS_BIND, NULL) == 0) {
		rc = 0;
		if (mount(URANDOM_TMP, "/dev/random", NULL, MS_BIND, NULL) < 0) {
			umount2("/dev/urandom", MNT_DETACH);
			rc = -1;
		}
	}
	umount2("/proc", MNT_DETACH);
	return rc;
}

/* badio's handlers mean nothing here; the mask is the caller's. */
static void
signals_reset(const sigset_t *mask)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL);
	sigprocmask(SIG_SETMASK, mask, NULL);
}

/* Close every fd but 0, 1, 2, a and b (a pipe of badio's kept open here
 * would keep the program's stdin from ever seeing end-of-file). */
static void
close_others(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	if (lo > 3)
		syscall(SYS_close_range, 3, lo - 1, 0);
	if (hi > lo + 1)
		syscall(SYS_close_range, lo + 1, hi - 1, 0);
	syscall(SYS_close_range, hi + 1, ~0U, 0);
}

static void __attribute__((noreturn))
init_main(const struct ns_child *c)
{
	struct child_error ready = { REC_STAGE_NONE, 0 };
	pid_t prog;
	char go;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signals_reset(c->mask);
	/* "0" moves the writer: the init and all it forks are in the cgroup */
	if (c->cgfd >= 0 && write(c->cgfd, "0", 1) < 0)
		child_fail(c->errfd, REC_STAGE_CGROUP, errno);
	if (c->userns && map_ids(c->uid, c->gid) < 0)
		child_fail(c->errfd, REC_STAGE_NAMESPACE, errno);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		child_fail(c->errfd, REC_STAGE_NAMESPACE, errno);
	if (c->urandom && urandom_mount() == 0)
		ready.err = READY_URANDOM;
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    NULL) < 0)
		child_fail(c->errfd, REC_STAGE_NAMESPACE, errno);
	if (child_fds(c->o) < 0)
		child_fail(c->errfd, REC_STAGE_FORK, errno);
	close_others(c->errfd, c->syncfd);
	if (write(c->errfd, &ready, sizeof(ready)) != sizeof(ready) ||
	    read(c->syncfd, &go, 1) != 1)
		_exit(127);		/* badio is gone */
	close(c->syncfd);
	prog = (pid_t)syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL);
	if (prog == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		child_exec(c->o, c->errfd, c->filter);
	}
	if (prog < 0)
		child_fail(c->errfd, REC_STAGE_FORK, errno);
	close(c->errfd);
	/* pid 1: every orphan of the namespace is ours to reap */
	while (wait4(-1, NULL, __WALL, NULL) >= 0 || errno == EINTR)
		;
	_exit(0);
}

static pid_t
clone_init(const struct ns_child *c)
{
	unsigned long flags = CLONE_NEWPID | CLONE_NEWNS | SIGCHLD;
	pid_t pid;

	if (c->userns)
		flags |= CLONE_NEWUSER;
	pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
	if (pid == 0)
		init_main(c);
	return pid;
}

/*
 * Start the init: a new PID and mount namespace as root, with a user
 * namespace otherwise (or when root may not: a container).  On success
 * *init is its pid, *errfd the read end of its report pipe, *syncfd the
 * write end of its "go" pipe, *urandom whether the FIFO is mounted.
 * -errno if no namespace can be had.
 */
static int
init_start(const struct tracer *tr, const struct sock_fprog *filter,
    const sigset_t *mask, pid_t *init, int *errfd, int *syncfd, bool *urandom)
{
	int ep[2], sp[2], rc = -EPERM;
	struct child_error ready;
	struct ns_child c = {
		.o = tr->opts, .filter = filter, .mask = mask, .uid = geteuid(),
		.gid = getegid(), .urandom = tr->det_random, .cgfd = tr->cgfd,
	};

	for (int attempt = geteuid() == 0 ? 0 : 1; attempt < 2; attempt++) {
		if (pipe2(ep, O_CLOEXEC) < 0)
			return -errno;
		if (pipe2(sp, O_CLOEXEC) < 0) {
			rc = -errno;
			close(ep[0]);
			close(ep[1]);
			return rc;
		}
		c.errfd = ep[1];
		c.syncfd = sp[0];
		c.userns = attempt == 1;
		*init = clone_init(&c);
		rc = *init < 0 ? -errno : 0;
		close(ep[1]);
		close(sp[0]);
		if (rc == 0) {
			ssize_t n;

			while ((n = read(ep[0], &ready, sizeof(ready))) < 0 &&
			    errno == EINTR)
				;
			if (n == sizeof(ready) && ready.stage == REC_STAGE_NONE) {
				*errfd = ep[0];
				*syncfd = sp[1];
				*urandom = ready.err & READY_URANDOM;
				return 0;
			}
			rc = n == sizeof(ready) ? -ready.err : -ECHILD;
			kill(*init, SIGKILL);
			while (waitpid(*init, NULL, __WALL) < 0 && errno == EINTR)
				;
		}
		close(ep[0]);
		close(sp[1]);
	}
	return rc;
}

/*
 * The FIFO the init mounted, opened through its root (another mount
 * namespace), then made read-only for everyone: a program that writes
 * to /dev/urandom (to add entropy, as it may) gets EACCES rather than
 * mixing its bytes into the stream.  Root passes modes: its writes go
 * into the stream, and the feeder leaves room for them (random.c).
 */
static int
urandom_open(pid_t init)
{
	char path[64];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/root/dev/urandom", (int)init);
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode) || fchmod(fd, 0444) < 0) {
		close(fd);
		return -ENODEV;
	}
	return fd;
}

/*
 * Launch through an init in new namespaces, seize it and let it fork the
 * program.  0 with tr->init_pid set and *errfd the report pipe; -errno
 * with *stage NONE if no namespace could be had (the caller launches
 * without), or with *stage set for a real failure.
 */
int
ns_launch(struct tracer *tr, const struct sock_fprog *filter,
    const sigset_t *mask, int *errfd, enum rec_stage *stage)
{
	bool urandom = false;
	struct task *t = NULL;
	int syncfd = -1, rc, fd;
	pid_t init = 0;

	rc = init_start(tr, filter, mask, &init, errfd, &syncfd, &urandom);
	if (rc < 0)
		return rc;
	/* a FIFO over /dev/urandom that nobody feeds would block its readers */
	if (urandom) {
		fd = urandom_open(init);
		rc = fd < 0 ? fd : urandom_feed(tr, fd);
		if (rc < 0)
			goto out_kill;		/* *stage NONE: launched without */
		tr->res->urandom = true;
	}
	if (ptrace(PTRACE_SEIZE, init, 0, (void *)(long)REC_TRACE_OPTIONS) < 0) {
		rc = -errno;
		*stage = REC_STAGE_PTRACE;
		goto out_kill;
	}
	t = task_add(tr, init);
	if (!t) {
		rc = -ENOMEM;
		*stage = REC_STAGE_FORK;
		goto out_kill;
	}
	t->is_init = true;
	tr->init_pid = init;
	tr->init_alive = true;
	tr->res->pidns = true;
	if (write(syncfd, "g", 1) != 1) {
		rc = -errno;
		*stage = REC_STAGE_FORK;
		goto out_kill;
	}
	close(syncfd);
	return 0;
out_kill:
	close(syncfd);
	kill(init, SIGKILL);
	while (waitpid(init, NULL, __WALL) < 0 && errno == EINTR)
		;
	urandom_stop(tr);
	tr->res->urandom = false;
	tr->res->pidns = false;
	tr->init_pid = 0;
	tr->init_alive = false;
	if (t)
		task_drop(tr, t);
	close(*errfd);
	*errfd = -1;
	return rc;
}

/*
 * The init forked the program (its fork event): the program is the root;
 * the init is let go (it has no filter) and reaps on its own.
 */
void
ns_init_forked(struct tracer *tr, struct task *init, pid_t prog)
{
	struct task *t;

	ptrace(PTRACE_DETACH, init->tid, 0, 0);
	task_drop(tr, init);
	t = task_add(tr, prog);
	if (t)
		loop_root_found(tr, t);
}
