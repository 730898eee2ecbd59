/*
 * suspend.c - past the fault, tasks run on without their seccomp filters
 * (rec_opts.suspend_after_fault, docs/ptrace.md "Suspending the filter").
 *
 * The fast path (loop.c, fast_begin) resumes every stop after the fault
 * at once, but a stop is still two context switches.  With
 * PTRACE_O_SUSPEND_SECCOMP a task's filters are not run at all: its calls
 * do not stop, while the ptrace events (fork, clone, exec, exit) and
 * signals still come, so every task is still followed and reaped.  New
 * tasks inherit the tracer's options from their creator, the suspension
 * included.
 *
 * A process with a filter of its own keeps it: it is never suspended
 * (its REC_TAG_FILTER stop cleared regs_fast before the fault), and one
 * that installed a filter after the fault and then execs (the sandbox
 * pattern: filter, then exec) is found at its exec event, by its filter
 * count in /proc, and its suspension lifted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>

#include "recorder/recorder_int.h"

/* The "Seccomp_filters:" count of /proc/TID/status; -1 if unknown. */
static int
filter_count(pid_t tid)
{
	char path[64], line[256];
	FILE *f;
	int n = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	if (!(f = fopen(path, "re")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "Seccomp_filters:", 16) == 0) {
			n = atoi(line + 16);
			break;
		}
	fclose(f);
	return n;
}

static int
set_options(pid_t tid, bool suspend)
{
	long o = REC_TRACE_OPTIONS | (suspend ? PTRACE_O_SUSPEND_SECCOMP : 0);

	return (int)ptrace(PTRACE_SETOPTIONS, tid, 0, (void *)o);
}

/*
 * t is stopped after the fault: suspend its filters, once.  Not for a
 * process with a filter of its own, nor for the namespace's init.  The
 * kernel refuses without CAP_SYS_ADMIN (also when badio itself is under
 * a filter, or without CONFIG_CHECKPOINT_RESTORE): then no task is
 * suspended and the fast path goes on as without it.
 */
void
suspend_task(struct tracer *tr, struct task *t)
{
	if (!tr->suspend || t->suspended || t->is_init ||
	    !proc_regs_fast(tr, task_tgid(t)))
		return;
	/* the count a task under badio's filter alone has */
	if (tr->base_filters <= 0 && (tr->base_filters = filter_count(t->tid)) <= 0) {
		tr->suspend = false;	/* no count, no check at exec: never */
		return;
	}
	if (set_options(t->tid, true) < 0) {
		if (errno != ESRCH)
			tr->suspend = false;	/* EPERM, EINVAL: never */
		return;
	}
	t->suspended = true;
	tr->res->suspended++;
}

/*
 * t's exec event, past the fault: a process with more filters than
 * badio's installed one of its own meanwhile (unseen: its seccomp call
 * did not stop).  Its filters apply again from here, and the process
 * counts as one with a filter of its own (its stops are then asked
 * with PTRACE_GET_SYSCALL_INFO, loop.c).
 */
void
suspend_check_exec(struct tracer *tr, struct task *t)
{
	int n;

	if (!tr->suspend || (n = filter_count(t->tid)) < 0 ||
	    n <= tr->base_filters)
		return;
	if (set_options(t->tid, false) == 0) {
		t->suspended = false;
		tr->res->unsuspended++;
	}
	proc_set_regs_fast(tr, task_tgid(t), false);
}
