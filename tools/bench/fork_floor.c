/*
 * fork_floor PROG [ARG...]: what checkpointing would cost (docs/design.md,
 * "Checkpointing (not built)"), measured on a real program.  A prototype
 * to measure, not badio's code: x86-64 only, one process, one thread, no
 * isolation of the files (use a program that stops at its first failed
 * write, as tools/bench/sites_n.c does, so that no child writes).
 *
 * PROG runs under a filter that traces write(2) alone.  At the seccomp
 * stop of each write the tracer turns the call into a clone(2) (orig_rax
 * and the arguments: CLONE_PARENT | SIGCHLD) in the "driver", lets it run
 * to its exit stop, and in parent and
 * child restores the saved registers with the instruction pointer back
 * over the 2-byte syscall instruction: both enter the write again.  The
 * child's write is failed with EIO (skipped, rax = -EIO), its filter
 * suspended (PTRACE_O_SUSPEND_SECCOMP, root only), and it runs to its end
 * and is reaped; then the parent's write, stopped again, runs.  So every
 * write of PROG gets an experiment, "eio here", with no prefix re-run.
 *
 * Prints the experiments, the seconds and the microseconds per
 * experiment; checks that every child saw its write fail (the exit
 * status PROG gives then) and that the driver ran to its own end.
 * Build: cc -O2 -o fork_floor tools/bench/fork_floor.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OPTS	(PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK | \
		 PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)

static void
die(const char *what)
{
	fprintf(stderr, "fork_floor: %s: %s\n", what, strerror(errno));
	exit(2);
}

static pid_t
start(char **argv)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_write, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };
	pid_t pid = fork();
	int st;

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0)
			_exit(126);
		raise(SIGSTOP);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st))
		die("first stop");
	if (ptrace(PTRACE_SETOPTIONS, pid, 0, (void *)(long)OPTS) < 0)
		die("PTRACE_SETOPTIONS");
	if (ptrace(PTRACE_CONT, pid, 0, 0) < 0)
		die("PTRACE_CONT");
	return pid;
}

/* The next stop of tid (its children's stops are not expected here). */
static int
stop_of(pid_t tid)
{
	int st;

	if (waitpid(tid, &st, __WALL) != tid)
		die("waitpid");
	return st;
}

static int
event(int st)
{
	return (unsigned)st >> 16;
}

/* regs of the call before it ran, with the IP on its syscall instruction */
static void
reenter(pid_t tid, const struct user_regs_struct *saved)
{
	struct user_regs_struct r = *saved;

	r.rip -= 2;
	r.rax = saved->orig_rax;
	if (ptrace(PTRACE_SETREGS, tid, 0, &r) < 0)
		die("PTRACE_SETREGS (re-enter)");
}

/* The child: its write fails with EIO, it runs on unstopped and ends. */
static int
experiment(pid_t child, const struct user_regs_struct *saved)
{
	struct user_regs_struct r;
	int st = stop_of(child);	/* its first stop: SIGSTOP */

	reenter(child, saved);
	if (ptrace(PTRACE_CONT, child, 0, 0) < 0)
		die("PTRACE_CONT child");
	st = stop_of(child);
	if (!WIFSTOPPED(st) || event(st) != PTRACE_EVENT_SECCOMP)
		die("child's seccomp stop");
	if (ptrace(PTRACE_GETREGS, child, 0, &r) < 0)
		die("PTRACE_GETREGS child");
	r.orig_rax = -1;
	r.rax = -EIO;
	if (ptrace(PTRACE_SETREGS, child, 0, &r) < 0 ||
	    ptrace(PTRACE_SETOPTIONS, child, 0,
	    (void *)(long)(OPTS | PTRACE_O_SUSPEND_SECCOMP)) < 0 ||
	    ptrace(PTRACE_CONT, child, 0, 0) < 0)
		die("child's fault");
	for (;;) {
		st = stop_of(child);
		if (WIFEXITED(st))
			return WEXITSTATUS(st);
		if (WIFSIGNALED(st))
			return 128 + WTERMSIG(st);
		ptrace(PTRACE_CONT, child, 0, 0);
	}
}

/* At pid's seccomp stop of a write: one checkpointed experiment. */
static int
checkpoint(pid_t pid)
{
	struct user_regs_struct saved, r;
	unsigned long msg;
	int st, code;

	if (ptrace(PTRACE_GETREGS, pid, 0, &saved) < 0)
		die("PTRACE_GETREGS");
	/*
	 * clone(CLONE_PARENT | SIGCHLD): the child is the tracer's, not
	 * PROG's: PROG gets no SIGCHLD and its wait() finds no child it
	 * never made; the same stack (rsi 0), a copy of it
	 */
	r = saved;
	r.orig_rax = __NR_clone;
	r.rdi = CLONE_PARENT | SIGCHLD;
	r.rsi = r.rdx = r.r10 = r.r8 = 0;
	if (ptrace(PTRACE_SETREGS, pid, 0, &r) < 0 ||
	    ptrace(PTRACE_SYSCALL, pid, 0, 0) < 0)
		die("inject fork");
	st = stop_of(pid);
	if (event(st) != PTRACE_EVENT_FORK ||
	    ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg) < 0)
		die("fork event");
	if (ptrace(PTRACE_SYSCALL, pid, 0, 0) < 0)
		die("PTRACE_SYSCALL");
	st = stop_of(pid);
	if (!WIFSTOPPED(st) || WSTOPSIG(st) != (SIGTRAP | 0x80))
		die("fork's exit stop");
	code = experiment((pid_t)msg, &saved);
	/* the driver enters its write again: the same seccomp stop */
	reenter(pid, &saved);
	if (ptrace(PTRACE_CONT, pid, 0, 0) < 0)
		die("PTRACE_CONT driver");
	st = stop_of(pid);
	if (event(st) != PTRACE_EVENT_SECCOMP)
		die("driver's second seccomp stop");
	return code;
}

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	unsigned long n = 0, failed_as_wanted = 0;
	int code = -1, st;
	pid_t pid;
	double s;

	if (argc < 2) {
		fprintf(stderr, "usage: fork_floor PROG [ARG...]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = start(argv + 1);
	for (;;) {
		st = stop_of(pid);
		if (WIFEXITED(st)) {
			code = WEXITSTATUS(st);
			break;
		}
		if (WIFSIGNALED(st))
			break;
		if (event(st) == PTRACE_EVENT_SECCOMP) {
			n++;
			failed_as_wanted += checkpoint(pid) == 1;
		}
		/* the write itself: the kernel does it */
		ptrace(PTRACE_CONT, pid, 0,
		    (void *)(long)(event(st) || WSTOPSIG(st) == SIGTRAP ? 0 :
		    WSTOPSIG(st)));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("fork_floor: %lu experiments, %lu exited 1 (their write failed), "
	    "driver exit %d, %.3f s, %.1f us per experiment\n", n,
	    failed_as_wanted, code, s, n ? s * 1e6 / (double)n : 0.0);
	return failed_as_wanted == n && code == 0 ? 0 : 1;
}
