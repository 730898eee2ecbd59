/*
 * recorder.c - starting the traced program and running the tracer.
 *
 * Launch sequence (strace's, docs/ptrace.md "launch"): fork; the child
 * joins the caller's cgroup if there is one, and stops itself with
 * SIGSTOP; the parent PTRACE_SEIZEs it with all the options and sends
 * SIGCONT; the child loads the seccomp filter and execs.  A child that fails never prints: it sends {stage, errno} over
 * a close-on-exec pipe and exits 127, and rec_run() returns -errno.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <linux/filter.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "recorder/recorder_int.h"

#define DATA_BUF_SIZE	(1u << 20)	/* data read per step; larger writes are not emulated */
#define TICK_US		100000		/* SIGALRM period while tracing */

void
child_fail(int fd, enum rec_stage stage, int err)
{
	struct child_error ce = { stage, err < 0 ? -err : err };

	if (write(fd, &ce, sizeof(ce)) < 0)
		_exit(127);
	_exit(127);
}

int
child_fds(const struct rec_opts *o)
{
	const int want[3] = { o->stdin_fd, o->stdout_fd, o->stderr_fd };

	for (int i = 0; i < 3; i++)
		if (want[i] >= 0 && want[i] != i && dup2(want[i], i) < 0)
			return -errno;
	return 0;
}

/* The child's last steps, in the run directory: the filter, then exec. */
void
child_exec(const struct rec_opts *o, int errfd, const struct sock_fprog *filter)
{
	int rc;

	if (chdir(o->dir) < 0)
		child_fail(errfd, REC_STAGE_CHDIR, errno);
	if (o->no_aslr)
		personality(ADDR_NO_RANDOMIZE);	/* EPERM in some containers: go on */
	rc = filter_install(filter);
	if (rc < 0)
		child_fail(errfd, REC_STAGE_SECCOMP, rc);
	execve(o->exe, o->argv, o->envp);
	child_fail(errfd, REC_STAGE_EXEC, errno);
}

/*
 * The child runs async-signal-safe calls only (badio may be threaded:
 * its allocator's locks may be held by a thread that fork did not copy).
 */
static void __attribute__((noreturn))
child_main(const struct rec_opts *o, int errfd, int cgfd, const sigset_t *mask,
    const struct sock_fprog *filter)
{
	sigprocmask(SIG_SETMASK, mask, NULL);
	/* if badio dies before PTRACE_SEIZE, do not stay stopped forever */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* "0" moves the writer: all the program forks starts in the cgroup */
	if (cgfd >= 0 && write(cgfd, "0", 1) < 0)
		child_fail(errfd, REC_STAGE_CGROUP, errno);
	if (child_fds(o) < 0)
		child_fail(errfd, REC_STAGE_FORK, errno);
	raise(SIGSTOP);
	child_exec(o, errfd, filter);
}

/* Wait for the child's SIGSTOP, then seize it with every option. */
static int
seize(pid_t pid, enum rec_stage *stage)
{
	int st;

	while (waitpid(pid, &st, WSTOPPED) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFSTOPPED(st)) {
		*stage = REC_STAGE_FORK;
		return -ECHILD;
	}
	if (ptrace(PTRACE_SEIZE, pid, 0, (void *)(long)REC_TRACE_OPTIONS) < 0) {
		*stage = REC_STAGE_PTRACE;
		return -errno;
	}
	return kill(pid, SIGCONT) < 0 ? -errno : 0;
}

static void
reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
}

static void
fill_result(struct tracer *tr)
{
	struct rec_result *res = tr->res;
	int st = tr->root_status;

	/* a checkpoint's child: the time the driver waited for others is not its */
	res->duration_ns = now_ns() - tr->start_ns - tr->ckpt_wait_ns;
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && tr->killing) {
		res->status = (enum rec_status)tr->killing;
		res->code = SIGKILL;
	} else if (WIFSIGNALED(st)) {
		res->status = REC_SIGNALED;
		res->code = WTERMSIG(st);
	} else {
		res->status = tr->killing == REC_TIMEOUT ||
		    tr->killing == REC_INTERRUPTED ? (enum rec_status)tr->killing :
		    REC_EXITED;
		res->code = WEXITSTATUS(st);
		/* exited by itself, yet badio had to kill: its children lingered */
		res->lingered = res->status != REC_EXITED;
		res->root_code = WEXITSTATUS(st);
	}
}

/* The child's report, if it failed before exec. */
static int
child_error(int fd, enum rec_stage *stage)
{
	struct child_error ce;

	if (read(fd, &ce, sizeof(ce)) != sizeof(ce))
		return 0;
	*stage = (enum rec_stage)ce.stage;
	return -ce.err;
}

/*
 * Remember which files the program gets as stdin, stdout and stderr:
 * a site on one of them is named "<stdout>"... whatever file it is, so
 * its key is the same when explore gives the program a pipe instead.
 * badio's fds stay open while the program runs (site.c compares open
 * files with kcmp).
 */
static void
std_identify(struct tracer *tr, const struct rec_opts *o)
{
	const int fds[3] = { o->stdin_fd, o->stdout_fd, o->stderr_fd };

	for (int i = 0; i < 3; i++) {
		int fd = fds[i] >= 0 ? fds[i] : i;
		struct stat st;

		if (fstat(fd, &st) < 0)
			continue;
		tr->std[i].valid = true;
		tr->std[i].dev = (uint64_t)st.st_dev;
		tr->std[i].ino = (uint64_t)st.st_ino;
		tr->std[i].chr = S_ISCHR(st.st_mode);
		tr->std[i].fd = fd;
	}
}

/*
 * Does badio itself run under a seccomp filter (a container's)?  Its
 * children inherit it, and a stop it caused could not be told from
 * badio's by the call's number alone (loop.c, seccomp_info).
 */
static bool
under_filter(void)
{
	char line[256];
	bool found = true;	/* unreadable: assume so */
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "Seccomp:", 8) == 0)
			found = strtol(line + 8, NULL, 10) != 0;
	if (f)
		fclose(f);
	return found;
}

static int
tracer_init(struct tracer *tr, const struct rec_opts *o, rec_site_fn *fn,
    void *ctx, struct rec_result *res)
{
	int rc;

	memset(tr, 0, sizeof(*tr));
	memset(res, 0, sizeof(*res));
	tr->cgfd = -1;
	res->fault_bytes = -1;
	tr->opts = o;
	tr->fn = fn;
	tr->ctx = ctx;
	tr->res = res;
	tr->self = getpid();
	if (!realpath(o->dir, tr->root))
		return -errno;
	tr->rootlen = strlen(tr->root);
	std_identify(tr, o);
	if (tr->rootlen == 1)
		tr->rootlen = 0;	/* "/" as run directory: keep paths absolute */
	tr->bufsize = DATA_BUF_SIZE;
	/* page-aligned, like the buffers O_DIRECT programs use */
	if (posix_memalign((void **)&tr->buf, 4096, tr->bufsize) != 0)
		return -ENOMEM;
	if (!(tr->hasher = hasher_new()))
		return -ENOMEM;
	tr->no_emulation = getenv("BADIO_NO_EMULATE") != NULL;
	tr->no_callsite = getenv("BADIO_NO_CALLSITE") != NULL;
	/* BADIO_FULL_RERUN: decode after the fault too (to rule it out) */
	tr->full_rerun = getenv("BADIO_FULL_RERUN") != NULL;
	tr->no_suspend = getenv("BADIO_NO_SUSPEND") != NULL;
	tr->lite = o->sites_lite && !tr->full_rerun && !o->journal &&
	    !o->sweep_cb && !o->trace_close;
	/* BADIO_NO_FAST_REGS: always PTRACE_GET_SYSCALL_INFO (to measure) */
	tr->regs_fast_ok = !getenv("BADIO_NO_FAST_REGS") && !under_filter();
	if (maps_init(tr) < 0)
		return -ENOMEM;
	rc = journal_init(tr);
	if (rc < 0)
		return rc;
	/* BADIO_NO_RANDOM: real randomness, to measure what it costs */
	tr->det_random = o->replay.random && !getenv("BADIO_NO_RANDOM");
	tr->seed = o->replay.seed;
	tr->clock = o->replay.clock;
	tr->clock_ns = o->replay.clock_ns;
	if (o->replay.ncreated) {
		tr->names = namemap_new(o->replay.created, o->replay.ncreated,
		    o->replay.known, o->replay.nknown);
		if (!tr->names)
			return -ENOMEM;
	}
	return tracer_tables_init(tr);
}

static void
tracer_release(struct tracer *tr)
{
	journal_free(tr);
	errseq_free(tr);
	loop_release(tr);
	free(tr->kids);
	tracer_tables_free(tr);
	maps_release(tr);
	rules_release(tr);
	written_free(tr);
	callsite_release(tr);
	urandom_stop(tr);
	namemap_free(tr->names);
	tmpdirs_free(tr);
	free(tr->fstypes);
	free(tr->buf);
	hasher_free(tr->hasher);
}

/*
 * The plain launch: fork, the child stops itself, PTRACE_SEIZE.  On
 * success the root task is in the tables and *errfd is the child's
 * report pipe.
 */
static int
launch_plain(struct tracer *tr, const struct sock_fprog *filter,
    const sigset_t *mask, int *errfd, enum rec_stage *stage)
{
	struct task *t;
	int pfd[2], rc, err;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		child_main(tr->opts, pfd[1], tr->cgfd, mask, filter);
	}
	close(pfd[1]);
	if (pid < 0) {
		rc = -errno;
		*stage = REC_STAGE_FORK;
		goto out_close;
	}
	rc = seize(pid, stage);
	if (rc < 0) {
		reap(pid);
		err = child_error(pfd[0], stage);
		rc = err < 0 ? err : rc;
		goto out_close;
	}
	t = task_add(tr, pid);
	if (!t) {
		reap(pid);
		rc = -ENOMEM;
		goto out_close;
	}
	loop_root_found(tr, t);
	*errfd = pfd[0];
	return 0;
out_close:
	close(pfd[0]);
	return rc;
}

/*
 * In new PID and mount namespaces when asked and possible (ns.c), else
 * plainly; res->pidns says which, res->ns_errno why not.
 */
static int
launch(struct tracer *tr, const struct sock_fprog *filter,
    const sigset_t *mask, int *errfd, enum rec_stage *stage)
{
	int rc;

	if (tr->opts->replay.namespaces) {
		if (getenv("BADIO_NO_NAMESPACES")) {
			tr->res->ns_errno = ECANCELED;
		} else {
			rc = ns_launch(tr, filter, mask, errfd, stage);
			if (rc == 0 || *stage != REC_STAGE_NONE)
				return rc;
			tr->res->ns_errno = -rc;
		}
	}
	return launch_plain(tr, filter, mask, errfd, stage);
}

static int
trace_run(struct tracer *tr, int errfd, enum rec_stage *stage)
{
	int rc, err;

	tr->start_ns = now_ns();
	rc = loop_run(tr);
	ckpt_wait_all(tr);	/* none is left when the loop ends: to be sure */
	urandom_stop(tr);
	if (rc == 0 && !tr->killing && tr->root_exec_seen && tr->opts->end_site) {
		site_end(tr);
		if (tr->opts->sweep_cb)
			sweep_end(tr);
	}
	/* power failed: every traced process is gone (crash_cb, recorder.h) */
	if (rc == 0 && tr->power && tr->journal && tr->opts->crash_cb &&
	    !tr->cb_error && (!tr->killing || tr->killing == REC_CRASHED))
		tr->cb_error = tr->opts->crash_cb(tr->opts->crash_ctx, tr->journal);
	err = child_error(errfd, stage);
	if (err < 0)
		return err;
	if (rc < 0)
		return rc;
	fill_result(tr);
	return tr->cb_error < 0 ? tr->cb_error : 0;
}

static void
on_tick(int sig)
{
	(void)sig;		/* only interrupts waitpid in loop_run */
}

/*
 * A periodic SIGALRM without SA_RESTART, so the blocking waitpid of the
 * loop returns EINTR at least every TICK_US to check the deadline.
 */
struct ticker {
	struct sigaction	old_act;
	struct itimerval	old_timer;
};

static void
ticker_start(struct ticker *tk)
{
	struct sigaction sa = { .sa_handler = on_tick };
	struct itimerval it = { { 0, TICK_US }, { 0, TICK_US } };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &tk->old_act);
	setitimer(ITIMER_REAL, &it, &tk->old_timer);
}

void
tracer_tick_again(void)
{
	struct itimerval it = { { 0, TICK_US }, { 0, TICK_US } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static void
ticker_stop(struct ticker *tk)
{
	setitimer(ITIMER_REAL, &tk->old_timer, NULL);
	sigaction(SIGALRM, &tk->old_act, NULL);
}

/* Pin badio and, through fork, the program to one CPU (docs/performance.md). */
static void
pin_cpu(bool pin, int cpu, cpu_set_t *old, bool *pinned)
{
	cpu_set_t set;

	*pinned = false;
	if (!pin || cpu < 0 || cpu >= CPU_SETSIZE ||
	    sched_getaffinity(0, sizeof(*old), old) < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	*pinned = sched_setaffinity(0, sizeof(set), &set) == 0;
}

/* The cgroup's cgroup.procs, opened before the fork (the child only writes). */
static int
open_cgroup(const struct rec_opts *o, int *fd)
{
	char path[PATH_MAX];

	*fd = -1;
	if (!o->cgroup)
		return 0;
	if (snprintf(path, sizeof(path), "%s/cgroup.procs", o->cgroup) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	*fd = open(path, O_WRONLY | O_CLOEXEC);
	return *fd < 0 ? -errno : 0;
}

int
rec_run(const struct rec_opts *o, rec_site_fn *fn, void *ctx,
    struct rec_result *res, enum rec_stage *stage)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old_chld;
	sigset_t block, old_mask;
	const struct sock_fprog *filter = NULL;
	struct ticker tk;
	struct tracer tr;
	cpu_set_t old_cpus;
	bool pinned;
	int errfd = -1, rc;

	*stage = REC_STAGE_NONE;
	/* a sweep needs the journal, and breaks nothing */
	if ((o->sweep_cb && (!o->journal || o->target)) ||
	    (o->fork_cb && (o->journal || o->target || o->sweep_cb))) {
		memset(res, 0, sizeof(*res));
		return -EINVAL;
	}
	rc = tracer_init(&tr, o, fn, ctx, res);
	if (rc < 0) {
		*stage = REC_STAGE_CHDIR;
		goto out_release;
	}
	rc = open_cgroup(o, &tr.cgfd);
	if (rc < 0) {
		*stage = REC_STAGE_CGROUP;
		goto out_release;
	}
	rc = filter_get(&(struct filter_opts){ .allow_io_uring = o->allow_io_uring,
	    .trace_close = o->trace_close, .det_random = tr.det_random,
	    .det_clock = tr.clock },
	    &filter);
	if (rc < 0) {
		*stage = REC_STAGE_SECCOMP;
		goto out_release;
	}
	/*
	 * SIGCHLD at its default, so children are reaped by waitpid; the
	 * child gets the caller's signal mask back before exec.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaction(SIGCHLD, &dfl, &old_chld);
	sigprocmask(SIG_UNBLOCK, &block, &old_mask);
	pin_cpu(o->pin, o->cpu, &old_cpus, &pinned);
	rc = launch(&tr, filter, &old_mask, &errfd, stage);
	if (rc == 0) {
		ticker_start(&tk);
		rc = trace_run(&tr, errfd, stage);
		ticker_stop(&tk);
		close(errfd);
	}
	if (pinned)
		sched_setaffinity(0, sizeof(old_cpus), &old_cpus);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(SIGCHLD, &old_chld, NULL);
out_release:
	if (tr.cgfd >= 0)
		close(tr.cgfd);
	tracer_release(&tr);
	return rc;
}
