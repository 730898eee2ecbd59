/*
 * checkpoint.c - experiments forked from one run (docs/design.md,
 * "Checkpointing").  x86-64.
 *
 * At the seccomp stop of a site the driver's task T (already decoded by
 * site_enter) is made to call clone(CLONE_PARENT | SIGCHLD) instead,
 * and both T and the new child C are put back before the syscall
 * instruction with the original call's number: each enters the call
 * again.  T's second entry is waited for here, so that the loop sees
 * one stop and the site once.  C, still at its first stop, is moved
 * onto a copy of the run directory by calls made in it (mmap for the
 * paths, chdir, openat/dup3/lseek/close per fd, munmap), given SIGSTOP
 * and detached; badio forks, and its copy PTRACE_SEIZEs C, takes over
 * T's task and process state under C's pid, waits for C's own entry of
 * the call and goes on as a re-run whose target is that site.  The
 * driver waits for the copy (one experiment at a time) and goes on.
 *
 * Where C could not be made exact, nothing is forked (REC_FORK_FALLBACK):
 * more than one traced task, a shared mapping ever seen, a mapping of a
 * run-directory file, a lock held, an open file without a name, an open
 * file of a kind we do not reopen, a cwd outside the run directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "recorder/recorder_int.h"

#define SYSCALL_INSN_LEN	2	/* x86-64 "syscall" */
#define CKPT_MAX_FDS		256	/* fds reopened in a child; more: fallback */
#define CKPT_ARENA		(64 * 1024)	/* the child's scratch for paths */

/* One fd of the driver and what the child gets instead. */
enum fd_how {
	FD_KEEP,		/* no state to share: /dev/null */
	FD_REOPEN,		/* the same path in the copy (or outside it) */
	FD_STDOUT,		/* the child's stdout FIFO */
	FD_STDERR,
};

struct ckfd {
	int		fd;
	enum fd_how	how;
	int		flags;
	int64_t		pos;
	char		path[PATH_MAX];	/* FD_REOPEN: as the child opens it */
};

struct ckplan {
	struct ckfd	*fds;
	size_t		n;
	char		cwd[PATH_MAX];	/* relative to the run directory */
};

/* --- what the driver has open: can a child get its own of each? --- */

static int
readlink_str(const char *link, char *buf, size_t size)
{
	ssize_t n = readlink(link, buf, size - 1);

	if (n < 0)
		return -errno;
	if ((size_t)n >= size - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}

/* path inside the run directory: the part after it ("" for itself) */
static const char *
under_root(const struct tracer *tr, const char *path)
{
	size_t n = tr->rootlen;

	if (n == 0 || strncmp(path, tr->root, n) != 0)
		return NULL;
	if (path[n] == '\0')
		return path + n;
	return path[n] == '/' ? path + n + 1 : NULL;
}

static bool
deleted(const char *path)
{
	size_t n = strlen(path);

	return n > 10 && strcmp(path + n - 10, " (deleted)") == 0;
}

static int
fdinfo(pid_t pid, int fd, int *flags, int64_t *pos)
{
	char name[64], line[256];
	FILE *f;
	int got = 0;

	snprintf(name, sizeof(name), "/proc/%d/fdinfo/%d", (int)pid, fd);
	f = fopen(name, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "pos:", 4) == 0) {
			*pos = strtoll(line + 4, NULL, 10);
			got |= 1;
		} else if (strncmp(line, "flags:", 6) == 0) {
			*flags = (int)strtol(line + 6, NULL, 8);
			got |= 2;
		}
	}
	fclose(f);
	return got == 3 ? 0 : -EIO;
}

static bool
same_file(const struct tracer *tr, int i, const struct stat *st)
{
	return tr->std[i].valid && tr->std[i].dev == (uint64_t)st->st_dev &&
	    tr->std[i].ino == (uint64_t)st->st_ino;
}

/* One fd: how the child gets its own, or why it cannot (NULL: it can). */
static const char *
plan_fd(const struct tracer *tr, pid_t pid, int fd, struct ckfd *c)
{
	char link[64], target[PATH_MAX];
	const char *rel;
	struct stat st;

	c->fd = fd;
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fd);
	if (readlink_str(link, target, sizeof(target)) < 0 ||
	    stat(link, &st) < 0 || fdinfo(pid, fd, &c->flags, &c->pos) < 0)
		return "an open file that cannot be read";
	if (same_file(tr, 1, &st) && !S_ISCHR(st.st_mode)) {
		c->how = FD_STDOUT;
		return NULL;
	}
	if (same_file(tr, 2, &st) && !S_ISCHR(st.st_mode)) {
		c->how = FD_STDERR;
		return NULL;
	}
	if (S_ISCHR(st.st_mode) && (strcmp(target, "/dev/null") == 0 ||
	    strcmp(target, "/dev/zero") == 0 || strcmp(target, "/dev/full") == 0)) {
		c->how = FD_KEEP;
		return NULL;
	}
	if (deleted(target)) {
		/* the recorded stdin: a memory file the child opens anew */
		if (fd == 0 && same_file(tr, 0, &st) && S_ISREG(st.st_mode)) {
			c->how = FD_REOPEN;
			c->flags &= ~O_ACCMODE;
			snprintf(c->path, sizeof(c->path), "/proc/self/fd/0");
			return NULL;
		}
		return "an open file without a name (unlinked, O_TMPFILE)";
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return "an open file of a kind a child cannot reopen";
	if (S_ISDIR(st.st_mode) && c->pos != 0)
		return "a directory read halfway";
	rel = under_root(tr, target);
	if (!rel) {
		/* outside: the same file, shared; only if nobody writes it */
		if ((c->flags & O_ACCMODE) != O_RDONLY)
			return "a file outside the run directory open for writing";
		c->how = FD_REOPEN;
		snprintf(c->path, sizeof(c->path), "%s", target);
		return NULL;
	}
	c->how = FD_REOPEN;
	/* relative to the child's new cwd: made absolute in ckpt_isolate */
	if (snprintf(c->path, sizeof(c->path), "%s", *rel ? rel : ".") >=
	    (int)sizeof(c->path))
		return "a path too long";
	return NULL;
}

static int
by_fd(const void *a, const void *b)
{
	return ((const struct ckfd *)a)->fd - ((const struct ckfd *)b)->fd;
}

/* Does a file of the run directory appear in the process's mappings? */
static bool
maps_run_dir(const struct tracer *tr, pid_t pid)
{
	char name[64], *line = NULL;
	size_t cap = 0;
	bool found = false;
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%d/maps", (int)pid);
	f = fopen(name, "re");
	if (!f)
		return true;
	while (!found && getline(&line, &cap, f) > 0) {
		char *p = strchr(line, '/');
		size_t n;

		if (!p)
			continue;
		n = strlen(p);
		if (n && p[n - 1] == '\n')
			p[n - 1] = '\0';
		found = under_root(tr, p) != NULL;
	}
	free(line);
	fclose(f);
	return found;
}

/* A POSIX, OFD or flock lock of pid's in /proc/locks. */
static bool
holds_lock(pid_t pid)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/locks", "re");

	if (!f)
		return true;
	while (!found && fgets(line, sizeof(line), f)) {
		long p;

		/* "1: POSIX  ADVISORY  WRITE 1234 08:01:5678 0 EOF" */
		if (sscanf(line, "%*s %*s %*s %*s %ld", &p) == 1 && p == pid)
			found = true;
	}
	fclose(f);
	return found;
}

/* NULL and *pl filled, or why the point cannot be forked exactly. */
static const char *
plan_child(struct tracer *tr, pid_t pid, struct ckplan *pl)
{
	char link[64], cwd[PATH_MAX];
	const char *rel, *why = NULL;
	struct dirent *de;
	DIR *d;

	if (tr->ntasks != 1)
		return "more than one traced thread or process";
	if (maps_seen(tr))
		return "a shared mapping of a file";
	if (maps_run_dir(tr, pid))
		return "a mapping of a file of the run directory";
	if (holds_lock(pid))
		return "a file lock";
	snprintf(link, sizeof(link), "/proc/%d/cwd", (int)pid);
	if (readlink_str(link, cwd, sizeof(cwd)) < 0 ||
	    !(rel = under_root(tr, cwd)))
		return "a working directory outside the run directory";
	snprintf(pl->cwd, sizeof(pl->cwd), "%s", *rel ? rel : ".");
	snprintf(link, sizeof(link), "/proc/%d/fd", (int)pid);
	d = opendir(link);
	if (!d)
		return "no list of open files";
	pl->fds = calloc(CKPT_MAX_FDS, sizeof(*pl->fds));
	pl->n = 0;
	if (!pl->fds) {
		closedir(d);
		return "no memory";
	}
	while (!why && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (pl->n == CKPT_MAX_FDS) {
			why = "too many open files";
			break;
		}
		why = plan_fd(tr, pid, atoi(de->d_name), &pl->fds[pl->n++]);
	}
	closedir(d);
	if (!why)
		qsort(pl->fds, pl->n, sizeof(*pl->fds), by_fd);
	return why;
}

/* --- registers and calls made in a stopped task --- */

/* saved, put back before its syscall instruction: it enters the call again */
static int
regs_reenter(pid_t tid, const struct user_regs_struct *saved)
{
	struct user_regs_struct r = *saved;

	r.rip -= SYSCALL_INSN_LEN;
	r.rax = saved->orig_rax;
	return ptrace(PTRACE_SETREGS, tid, 0, &r) < 0 ? -errno : 0;
}

/*
 * In tid, stopped at a stop where the ip may be set (an event stop, a
 * syscall-exit stop): the system call nr(args), run from the syscall
 * instruction at insn.  Its result, or -ESRCH/-EIO if the task did not
 * get there.  Entry and seccomp stops on the way are passed.
 */
static long
remote_call6(pid_t tid, const struct user_regs_struct *base, uint64_t insn,
    long nr, const uint64_t a[6])
{
	struct user_regs_struct r = *base;
	struct __ptrace_syscall_info si;
	int st;

	r.rip = insn;
	r.rax = (unsigned long long)nr;
	r.orig_rax = (unsigned long long)nr;
	r.rdi = a[0];
	r.rsi = a[1];
	r.rdx = a[2];
	r.r10 = a[3];
	r.r8 = a[4];
	r.r9 = a[5];
	if (ptrace(PTRACE_SETREGS, tid, 0, &r) < 0)
		return -ESRCH;
	for (;;) {
		if (ptrace(PTRACE_SYSCALL, tid, 0, 0) < 0)
			return -ESRCH;
		while (waitpid(tid, &st, __WALL) < 0)
			if (errno != EINTR)
				return -ESRCH;
		if (!WIFSTOPPED(st))
			return -ESRCH;
		if (WSTOPSIG(st) != (SIGTRAP | 0x80) && (unsigned)st >> 16 !=
		    PTRACE_EVENT_SECCOMP)
			return -EIO;	/* a signal: not ours to take */
		if (WSTOPSIG(st) != (SIGTRAP | 0x80))
			continue;
		if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof(si), &si) <= 0)
			return -ESRCH;
		if (si.op == PTRACE_SYSCALL_INFO_EXIT)
			return (long)si.exit.rval;
	}
}

static long
remote_call(pid_t tid, const struct user_regs_struct *base, uint64_t insn,
    long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	const uint64_t a[6] = { a0, a1, a2, a3, 0, 0 };

	return remote_call6(tid, base, insn, nr, a);
}

/* Wait for tid's next stop, st; -errno (ESRCH: it is gone). */
static int
wait_tid(pid_t tid, int *st)
{
	while (waitpid(tid, st, __WALL) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFSTOPPED(*st) ? 0 : -ESRCH;
}

/*
 * T enters the call again; its seccomp stop is waited for.  A signal on
 * the way is kept in *sig and sent again afterwards (it comes a little
 * later, as it may).
 */
static int
driver_reenter(pid_t tid, const struct user_regs_struct *saved, int *sig)
{
	int st;

	if (regs_reenter(tid, saved) < 0 || ptrace(PTRACE_CONT, tid, 0, 0) < 0)
		return -ESRCH;
	for (;;) {
		if (wait_tid(tid, &st) < 0)
			return -ESRCH;
		if ((unsigned)st >> 16 == PTRACE_EVENT_SECCOMP)
			return 0;
		if (!((unsigned)st >> 16) && WSTOPSIG(st) != SIGTRAP)
			*sig = WSTOPSIG(st);
		if (ptrace(PTRACE_CONT, tid, 0, 0) < 0)
			return -ESRCH;
	}
}

/*
 * T at its seccomp stop, registers saved: clone it.  The child's pid,
 * at its first stop; T back at the same seccomp stop.  -errno: no child.
 */
static pid_t
clone_driver(pid_t tid, const struct user_regs_struct *saved, int *sig)
{
	struct user_regs_struct r = *saved;
	unsigned long msg = 0;
	long rval;
	int st;

	r.orig_rax = __NR_clone;
	r.rdi = CLONE_PARENT | SIGCHLD;
	r.rsi = r.rdx = r.r10 = r.r8 = 0;
	if (ptrace(PTRACE_SETREGS, tid, 0, &r) < 0 ||
	    ptrace(PTRACE_SYSCALL, tid, 0, 0) < 0)
		return -ESRCH;
	for (;;) {
		if (wait_tid(tid, &st) < 0)
			return -ESRCH;
		if ((unsigned)st >> 16 == PTRACE_EVENT_FORK) {
			ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg);
		} else if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
			break;
		} else if (!((unsigned)st >> 16) && WSTOPSIG(st) != SIGTRAP) {
			*sig = WSTOPSIG(st);
		}
		if (ptrace(PTRACE_SYSCALL, tid, 0, 0) < 0)
			return -ESRCH;
	}
	if (ptrace(PTRACE_GETREGS, tid, 0, &r) < 0)
		return -ESRCH;
	rval = (long)r.rax;
	if (driver_reenter(tid, saved, sig) < 0)
		return -ESRCH;
	if (rval < 0)
		return (pid_t)rval;
	if (!msg)
		msg = (unsigned long)rval;
	/* its first stop (auto-attached): before it runs anything */
	if (wait_tid((pid_t)msg, &st) < 0)
		return -ESRCH;
	return (pid_t)msg;
}

static void
kill_child(pid_t c)
{
	kill(c, SIGKILL);
	ptrace(PTRACE_CONT, c, 0, 0);
	while (waitpid(c, NULL, __WALL) < 0 && errno == EINTR)
		;
}

/* Paths into the arena at addr (child memory); the address of each. */
struct arena {
	uint64_t	base;
	size_t		used;
	char		*buf;
};

static uint64_t
arena_put(struct arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	uint64_t at;

	if (a->used + n > CKPT_ARENA)
		return 0;
	memcpy(a->buf + a->used, s, n);
	at = a->base + a->used;
	a->used += n;
	return at;
}

/* One fd of the child onto its own open file; -errno. */
static int
reopen_fd(pid_t c, const struct user_regs_struct *r, uint64_t insn,
    uint64_t path, int fd, int flags, int64_t pos, bool seek)
{
	long nfd, rc;

	flags &= ~(O_CREAT | O_EXCL | O_TRUNC);
	nfd = remote_call(c, r, insn, __NR_openat, (uint64_t)AT_FDCWD, path,
	    (uint64_t)flags, 0);
	if (nfd < 0)
		return (int)nfd;
	if (nfd != fd) {
		rc = remote_call(c, r, insn, __NR_dup3, (uint64_t)nfd,
		    (uint64_t)fd, (uint64_t)(flags & O_CLOEXEC), 0);
		remote_call(c, r, insn, __NR_close, (uint64_t)nfd, 0, 0, 0);
		if (rc < 0)
			return (int)rc;
	}
	if (seek && pos > 0) {
		rc = remote_call(c, r, insn, __NR_lseek, (uint64_t)fd,
		    (uint64_t)pos, SEEK_SET, 0);
		if (rc < 0)
			return (int)rc;
	}
	return 0;
}

/*
 * A pipe made in the child: its write end onto each fd of kind how, its
 * read end taken into badio (*rd, non-blocking: output.c's drain) and
 * closed in the child.  The child's stdout is then a pipe, as a re-run's.
 */
static int
child_pipe(pid_t c, const struct user_regs_struct *r, uint64_t insn,
    uint64_t scratch, const struct ckplan *pl, enum fd_how how, int *rd)
{
	int fds[2], pidfd, rc = 0;
	bool any = false;

	for (size_t i = 0; i < pl->n; i++)
		any |= pl->fds[i].how == how;
	if (!any)
		return 0;
	rc = (int)remote_call(c, r, insn, __NR_pipe2, scratch, 0, 0, 0);
	if (rc < 0 || mem_read(c, scratch, fds, sizeof(fds)) != sizeof(fds))
		return rc < 0 ? rc : -EFAULT;
	pidfd = (int)syscall(SYS_pidfd_open, c, 0);
	*rd = pidfd >= 0 ? (int)syscall(SYS_pidfd_getfd, pidfd, fds[0], 0) : -1;
	if (pidfd >= 0)
		close(pidfd);
	if (*rd < 0 || fcntl(*rd, F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(*rd, F_SETFL, O_NONBLOCK) < 0)
		rc = -errno;
	for (size_t i = 0; rc >= 0 && i < pl->n; i++)
		if (pl->fds[i].how == how)
			rc = (int)remote_call(c, r, insn, __NR_dup3,
			    (uint64_t)fds[1], (uint64_t)pl->fds[i].fd,
			    (uint64_t)(pl->fds[i].flags & O_CLOEXEC), 0);
	remote_call(c, r, insn, __NR_close, (uint64_t)fds[0], 0, 0, 0);
	remote_call(c, r, insn, __NR_close, (uint64_t)fds[1], 0, 0, 0);
	return rc < 0 ? rc : 0;
}

/*
 * The child C, at its first stop with the driver's registers saved:
 * cwd and fds onto the copy f->dir, stdout and stderr onto pipes whose
 * read ends go to f->out_rd, f->err_rd.  Its registers are put back to
 * enter the call again.  0 or -errno.
 */
static int
isolate(pid_t c, const struct user_regs_struct *saved, const struct ckplan *pl,
    struct rec_fork *f)
{
	uint64_t insn = saved->rip - SYSCALL_INSN_LEN;
	char path[PATH_MAX * 2];
	struct arena a = { 0 };
	uint64_t at, scratch;
	long base;
	int rc = 0;

	a.buf = malloc(CKPT_ARENA);
	if (!a.buf)
		return -ENOMEM;
	base = remote_call6(c, saved, insn, __NR_mmap, (const uint64_t[6]){ 0,
	    CKPT_ARENA, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    (uint64_t)-1, 0 });
	if (base < 0 && base > -4096) {
		free(a.buf);
		return (int)base;
	}
	a.base = (uint64_t)base;
	scratch = arena_put(&a, "01234567");	/* pipe2's two ints */
	snprintf(path, sizeof(path), "%s/%s", f->dir, pl->cwd);
	at = arena_put(&a, path);
	for (size_t i = 0; i < pl->n; i++) {
		const struct ckfd *k = &pl->fds[i];

		if (k->how != FD_REOPEN)
			continue;
		if (k->path[0] == '/')
			snprintf(path, sizeof(path), "%s", k->path);
		else
			snprintf(path, sizeof(path), "%s/%s", f->dir, k->path);
		if (!arena_put(&a, path)) {
			rc = -ENAMETOOLONG;
			goto out;
		}
	}
	if (!at || !scratch || mem_write(c, a.base, a.buf, a.used) < 0) {
		rc = -EFAULT;
		goto out;
	}
	rc = (int)remote_call(c, saved, insn, __NR_chdir, at, 0, 0, 0);
	at += strlen(a.buf + (at - a.base)) + 1;
	for (size_t i = 0; rc >= 0 && i < pl->n; i++) {
		const struct ckfd *k = &pl->fds[i];

		if (k->how != FD_REOPEN)
			continue;
		rc = reopen_fd(c, saved, insn, at, k->fd, k->flags, k->pos, true);
		at += strlen(a.buf + (at - a.base)) + 1;
	}
	if (rc >= 0)
		rc = child_pipe(c, saved, insn, scratch, pl, FD_STDOUT,
		    &f->out_rd);
	if (rc >= 0)
		rc = child_pipe(c, saved, insn, scratch, pl, FD_STDERR,
		    &f->err_rd);
	remote_call(c, saved, insn, __NR_munmap, a.base, CKPT_ARENA, 0, 0);
out:
	free(a.buf);
	if (rc >= 0)
		rc = regs_reenter(c, saved);
	return rc < 0 ? rc : 0;
}

/* C stopped (SIGSTOP, group-stop) and detached: nobody runs it meanwhile. */
static int
stop_detach(pid_t c)
{
	int st;

	if (kill(c, SIGSTOP) < 0 || ptrace(PTRACE_CONT, c, 0, 0) < 0)
		return -ESRCH;
	for (;;) {
		if (wait_tid(c, &st) < 0)
			return -ESRCH;
		if (!((unsigned)st >> 16) && WSTOPSIG(st) == SIGSTOP)
			break;
		/* anything else on the way (none expected): on */
		if (ptrace(PTRACE_CONT, c, 0, 0) < 0)
			return -ESRCH;
	}
	return ptrace(PTRACE_DETACH, c, 0, (void *)(long)SIGSTOP) < 0 ?
	    -errno : 0;
}

/* --- the copy of badio: the child's tracer --- */

/*
 * Seize C and make the tables C's alone: T's task and process state
 * under C's pid, the driver's other state (the init, the feeder thread,
 * which this process does not have) forgotten.  Then C goes on into
 * its call.  0 with *t C's task at that seccomp stop, or -errno.
 */
static int
child_take(struct tracer *tr, struct task **tp, pid_t c, const struct rec_fork *f)
{
	struct task *t = *tp;
	pid_t from = t->tid;
	struct __ptrace_syscall_info si;
	int st;

	prctl(PR_SET_PDEATHSIG, SIGTERM);	/* the driver's end: ours */
	tr->self = getpid();
	tr->ckpt_child = true;
	tr->ckpt_opts = *tr->opts;
	tr->ckpt_opts.target = &tr->ckpt_opts_target;
	tr->ckpt_opts_target = f->target;
	tr->ckpt_opts.fork_cb = NULL;
	tr->opts = &tr->ckpt_opts;
	tr->feeder = NULL;		/* the driver's thread: not ours */
	tr->init_alive = false;		/* the driver's namespace: not ours */
	if (tr->rootlen && f->dir && realpath(f->dir, tr->root))
		tr->rootlen = strlen(tr->root);
	tracer_tick_again();
	if (ptrace(PTRACE_SEIZE, c, 0, (void *)(long)REC_TRACE_OPTIONS) < 0)
		return -errno;
	fdcache_flush(tr, from);
	proc_rekey(tr, from, c);
	task_rekey(tr, t, c);
	t->ns_read = false;
	tr->root_pid = c;
	tr->root_ns_pid = 0;
	/* the group-stop, then SIGCONT's delivery (kept from the program) */
	if (wait_tid(c, &st) < 0)
		return -ESRCH;
	kill(c, SIGCONT);
	for (;;) {
		if (ptrace(PTRACE_CONT, c, 0, 0) < 0 || wait_tid(c, &st) < 0)
			return -ESRCH;
		if ((unsigned)st >> 16 == PTRACE_EVENT_SECCOMP)
			break;
		if (!((unsigned)st >> 16) && WSTOPSIG(st) != SIGCONT &&
		    WSTOPSIG(st) != SIGTRAP)
			return -EIO;	/* a signal of the program's: not exact */
	}
	/* the call's registers, as at the driver's stop */
	t->regs_valid = false;
	if (arch_seccomp_regs(t, &si) < 0)
		return -ESRCH;
	*tp = t;
	return 0;
}

/* --- the driver --- */

static void
fds_close(struct rec_fork *f)
{
	if (f->out_rd >= 0)
		close(f->out_rd);
	if (f->err_rd >= 0)
		close(f->err_rd);
	f->out_rd = f->err_rd = -1;
}

/* The read ends are the copy's, not the driver's. */
static void
fds_close_parent(struct rec_fork *f, pid_t k)
{
	if (k != 0)
		fds_close(f);
}

/* A child's tracer running; what PARENT gets back. */
struct ckpt_kid {
	pid_t		k;
	pid_t		c;
	struct rec_fork	f;
};

static void
kid_done(struct tracer *tr, size_t i, int st)
{
	const struct rec_opts *o = tr->opts;
	struct ckpt_kid kd = tr->kids[i];

	tr->kids[i] = tr->kids[--tr->nkids];
	/* the driver's namespace outlived it for its children (loop.c) */
	if (!tr->nkids && !tr->ntasks && tr->init_alive && tr->root_pid)
		kill(tr->init_pid, SIGKILL);
	/* C is ours when there is no namespace (CLONE_PARENT): its zombie */
	while (waitpid(kd.c, NULL, __WALL | WNOHANG) < 0 && errno == EINTR)
		;
	kd.f.tracer = kd.k;
	kd.f.status = st;
	o->fork_cb(o->fork_ctx, REC_FORK_PARENT, NULL, &kd.f);
}

bool
ckpt_reaped(struct tracer *tr, pid_t tid, int st)
{
	for (size_t i = 0; i < tr->nkids; i++) {
		if (tr->kids[i].k == tid) {
			kid_done(tr, i, st);
			return true;
		}
	}
	return false;
}

void
ckpt_interrupt(struct tracer *tr)
{
	for (size_t i = 0; i < tr->nkids; i++)
		kill(tr->kids[i].k, SIGTERM);
}

/* Wait for the oldest child's tracer (or for all, all). */
static void
kids_wait(struct tracer *tr, bool all)
{
	while (tr->nkids) {
		int st;
		pid_t k = tr->kids[0].k;

		if (waitpid(k, &st, 0) == k) {
			kid_done(tr, 0, st);
			if (!all)
				return;
			continue;
		}
		if (errno == ECHILD) {
			kid_done(tr, 0, 0);	/* reaped elsewhere: so be it */
			continue;
		}
		if (loop_interrupted())
			ckpt_interrupt(tr);
	}
}

void
ckpt_wait_all(struct tracer *tr)
{
	kids_wait(tr, true);
}

/* The ones that ended meanwhile. */
static void
kids_poll(struct tracer *tr)
{
	for (size_t i = 0; i < tr->nkids;) {
		int st;

		if (waitpid(tr->kids[i].k, &st, WNOHANG) == tr->kids[i].k)
			kid_done(tr, i, st);
		else
			i++;
	}
}

static int
kid_add(struct tracer *tr, pid_t k, pid_t c, const struct rec_fork *f)
{
	struct ckpt_kid *v = realloc(tr->kids, (tr->nkids + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	tr->kids = v;
	v[tr->nkids++] = (struct ckpt_kid){ k, c, *f };
	return 0;
}

/* The first slot no running child has. */
static unsigned
free_slot(const struct tracer *tr)
{
	for (unsigned s = 0;; s++) {
		bool used = false;

		for (size_t i = 0; i < tr->nkids; i++)
			used |= tr->kids[i].f.slot == s;
		if (!used)
			return s;
	}
}

static void
pin_to(pid_t c, int cpu)
{
	cpu_set_t set;

	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	sched_setaffinity(c, sizeof(set), &set);
}

static void
fork_one(struct tracer *tr, struct task **tp, const struct rec_point *pt,
    const struct user_regs_struct *saved, const struct ckplan *pl,
    unsigned i, bool *stop, int *sig)
{
	const struct rec_opts *o = tr->opts;
	unsigned max = o->fork_max ? o->fork_max : 1;
	struct rec_fork f = { .i = i, .out_rd = -1, .err_rd = -1, .cpu = -1 };
	pid_t c, k;

	kids_poll(tr);
	if (tr->nkids >= max)
		kids_wait(tr, false);
	f.slot = free_slot(tr);
	if (o->fork_cb(o->fork_ctx, REC_FORK_PREPARE, pt, &f) < 0) {
		*stop = true;
		return;
	}
	c = clone_driver((*tp)->tid, saved, sig);
	if (c < 0 || isolate(c, saved, pl, &f) < 0 || stop_detach(c) < 0) {
		if (c > 0)
			kill_child(c);
		fds_close(&f);
		f.why = "the child could not be made";
		o->fork_cb(o->fork_ctx, REC_FORK_FALLBACK, pt, &f);
		*stop = true;
		return;
	}
	k = fork();
	if (k == 0) {
		free(tr->kids);		/* the driver's, not ours */
		tr->kids = NULL;
		tr->nkids = 0;
		if (o->pin)
			pin_to(c, f.cpu);
		if (child_take(tr, tp, c, &f) < 0) {
			kill(c, SIGKILL);
			_exit(3);
		}
		o->fork_cb(o->fork_ctx, REC_FORK_CHILD, pt, &f);
		return;
	}
	fds_close_parent(&f, k);
	if (k < 0 || kid_add(tr, k, c, &f) < 0) {
		if (k > 0) {
			kill(k, SIGKILL);	/* and C with it (EXITKILL) */
			while (waitpid(k, NULL, 0) < 0 && errno == EINTR)
				;
			kill(c, SIGKILL);
		} else {
			kill(c, SIGKILL);
			kill(c, SIGCONT);
		}
		*stop = true;
		f.why = "no fork";
		o->fork_cb(o->fork_ctx, REC_FORK_FALLBACK, pt, &f);
		return;
	}
	/* one experiment at a time: the driver waits (Ctrl-C: it too) */
	if (max <= 1)
		kids_wait(tr, true);
}

bool
ckpt_point(struct tracer *tr, struct task **tp)
{
	const struct rec_opts *o = tr->opts;
	struct task *t = *tp;
	const struct pending *p = &t->p;
	struct user_regs_struct saved;
	struct ckplan pl = { 0 };
	char key[PATH_CAP + 32];
	struct rec_point pt;
	struct rec_fork f = { 0 };
	int64_t t0;
	int n, sig = 0;
	bool stop = false;

	if (!o->fork_cb || tr->ckpt_child || tr->killing ||
	    p->seq <= tr->ckpt_seq)
		return false;
	tr->ckpt_seq = p->seq;
	if (rec_key_format(key, sizeof(key), p->sc->pub.family, p->path,
	    p->ordinal) < 0)
		return false;
	pt = (struct rec_point){ .seq = p->seq, .key = key,
	    .family = p->sc->pub.family, .path = p->path,
	    .ordinal = p->ordinal, .sc = &p->sc->pub };
	n = o->fork_cb(o->fork_ctx, REC_FORK_ASK, &pt, NULL);
	if (n <= 0)
		return false;
	t0 = now_ns();
	f.why = plan_child(tr, t->tid, &pl);
	if (!f.why && ptrace(PTRACE_GETREGS, t->tid, 0, &saved) < 0)
		f.why = "no registers";
	if (f.why) {
		o->fork_cb(o->fork_ctx, REC_FORK_FALLBACK, &pt, &f);
		free(pl.fds);
		tr->ckpt_wait_ns += now_ns() - t0;
		return false;
	}
	for (int i = 0; i < n && !stop; i++) {
		fork_one(tr, tp, &pt, &saved, &pl, (unsigned)i, &stop, &sig);
		if (tr->ckpt_child) {
			free(pl.fds);
			return true;
		}
		if (loop_interrupted())
			stop = true;
	}
	free(pl.fds);
	/* the driver's registers as they were at this stop */
	t->regs_valid = false;
	if (ptrace(PTRACE_SETREGS, t->tid, 0, &saved) == 0)
		memcpy(t->regs, &saved, sizeof(saved) <= sizeof(t->regs) ?
		    sizeof(saved) : sizeof(t->regs));
	t->regs_valid = ptrace(PTRACE_GETREGS, t->tid, 0, t->regs) == 0;
	if (sig)
		syscall(SYS_tgkill, task_tgid(t), t->tid, sig);
	tr->ckpt_wait_ns += now_ns() - t0;
	return false;
}
