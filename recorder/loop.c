/*
 * loop.c - the tracer's event loop: next_event and dispatch, as in
 * strace.  Each stop is classified once (enum stop) and handled by one
 * function.  The resume rule (docs/ptrace.md, "resume discipline"):
 * PTRACE_CONT everywhere, except PTRACE_SYSCALL from one of our seccomp
 * stops, so that the one following exit stop gives the result.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>

#include "recorder/recorder_int.h"


static volatile sig_atomic_t interrupted;

/* A task held for its identity longer than this gets a fallback one. */
#define HOLD_MAX_NS	(500 * 1000000ll)

static void dispatch(struct tracer *tr, pid_t tid, int st);

void
rec_interrupt(void)
{
	interrupted = 1;
}

bool
loop_interrupted(void)
{
	return interrupted != 0;
}

enum stop {
	STOP_GONE,		/* exited or killed: reap it */
	STOP_SECCOMP,		/* PTRACE_EVENT_SECCOMP: a traced syscall enters */
	STOP_SYSCALL_EXIT,	/* SIGTRAP|0x80 after our PTRACE_SYSCALL */
	STOP_NEW_CHILD,		/* PTRACE_EVENT_CLONE/FORK/VFORK in the parent */
	STOP_EXEC,		/* PTRACE_EVENT_EXEC, under the leader's tid */
	STOP_GROUP,		/* PTRACE_EVENT_STOP for a stop signal: group-stop */
	STOP_EVENT,		/* other PTRACE_EVENT_STOP: new task, interrupt */
	STOP_SIGNAL,		/* signal-delivery-stop: re-inject the signal */
};

static enum stop
classify(int st)
{
	int sig, ev;

	if (WIFEXITED(st) || WIFSIGNALED(st))
		return STOP_GONE;
	sig = WSTOPSIG(st);
	ev = (unsigned)st >> 16;
	switch (ev) {
	case PTRACE_EVENT_SECCOMP:
		return STOP_SECCOMP;
	case PTRACE_EVENT_CLONE:
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
		return STOP_NEW_CHILD;
	case PTRACE_EVENT_EXEC:
		return STOP_EXEC;
	case PTRACE_EVENT_STOP:
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN ||
		    sig == SIGTTOU)
			return STOP_GROUP;
		return STOP_EVENT;
	case 0:
		return sig == (SIGTRAP | 0x80) ? STOP_SYSCALL_EXIT : STOP_SIGNAL;
	default:
		return STOP_EVENT;
	}
}

/* A task stopped for a sweep point (loop_stop_others). */
struct stopped {
	pid_t		tid;
	bool		waiting;	/* its first stop has not come yet */
	bool		parked;		/* handled; resume it with req, sig */
	int		req;
	int		sig;
};

/* A stop that came during a sweep point, dispatched after it. */
struct deferred {
	pid_t		tid;
	int		st;
};

/* While set, resume() of park->tid is kept in *park instead. */
static struct stopped *park;

static void
resume(pid_t tid, int req, int sig)
{
	if (park && tid == park->tid) {
		park->parked = true;
		park->req = req;
		park->sig = sig;
		return;
	}
	/* ESRCH: the task was killed meanwhile; its death is reaped later */
	ptrace(req, tid, 0, (void *)(long)sig);
}

/*
 * Identities (random.c): the root's from the seed, every other task's
 * from its creator's, at the creator's clone event.  That event may be
 * reported after the new task's first stops; a stop that needs the
 * identity before then is held (not resumed) and dispatched again once
 * it is known.
 */
void
loop_root_found(struct tracer *tr, struct task *t)
{
	tr->root_pid = t->tid;
	/* the program runs under badio's filter alone (loop.c, seccomp_info) */
	proc_set_regs_fast(tr, task_tgid(t), true);
	t->ident = rnd_root_ident(tr->seed);
	t->ident_known = true;
	task_number_root(tr, t);
}

/* Whether t's identity is known now; else hold its stop st. */
static bool
ident_ready(struct tracer *tr, struct task *t, int st)
{
	if (t->ident_known)
		return true;
	if (tr->force_ident) {
		t->ident = rnd_fallback_ident(tr->seed, t->tid);
		t->ident_known = true;
		return true;
	}
	t->held = true;
	t->held_st = st;
	tr->nheld++;
	tr->res->stops.held++;
	return false;
}

static void
retry_pass(struct tracer *tr)
{
	size_t n = tr->nheld;
	pid_t *v = calloc(n, sizeof(*v));

	if (!v)
		return;
	n = tasks_held(tr, v, n);
	for (size_t i = 0; i < n; i++) {
		struct task *t = task_find(tr, v[i]);

		if (!t || !t->held)
			continue;
		t->held = false;
		tr->nheld--;
		dispatch(tr, t->tid, t->held_st);
	}
	free(v);
}

/* Dispatch the held stops again: an identity became known (or force). */
void
loop_retry_held(struct tracer *tr)
{
	if (!tr->nheld)
		return;
	if (tr->retrying) {
		tr->retry_again = true;
		return;
	}
	tr->retrying = true;
	do {
		tr->retry_again = false;
		retry_pass(tr);
	} while (tr->retry_again && tr->nheld);
	tr->retrying = false;
}

static void deferred_drop(struct tracer *tr, pid_t tid);

static void
on_gone(struct tracer *tr, struct task *t, pid_t tid, int st)
{
	if (!t && tr->nkids && ckpt_reaped(tr, tid, st))
		return;		/* a checkpoint's tracer, not a task */
	deferred_drop(tr, tid);
	if (t) {
		if (t->p.active)
			site_exit(tr, t, 0, false);
		task_drop(tr, t);
	}
	task_reaped(tr, tid);
	/*
	 * Per-process state is keyed by tgid, and a leader's exit is
	 * reported only once every thread is gone: if tid is a key, the
	 * process is gone (and its pid may be reused).
	 */
	fdcache_flush(tr, tid);
	clock_gone(tr, tid);
	proc_forget(tr, tid);
	if (tid == tr->root_pid)
		tr->root_status = st;
	if (tid == tr->init_pid)
		tr->init_alive = false;
	/*
	 * The last traced task is gone: what is left in the namespace
	 * escaped the tracer (CLONE_UNTRACED), and the init would wait for
	 * it forever.  Its death takes them all.
	 */
	if (tr->init_alive && tr->root_pid && tr->ntasks == 0 && !tr->nkids)
		kill(tr->init_pid, SIGKILL);	/* checkpoints: their last does */
}

/*
 * What the seccomp stop is.  A process under badio's filter alone gets
 * its stop's data from the call's number (filter_tag) and its registers
 * with PTRACE_GETREGS, kept for an emulated call's one write back
 * (arch_skip_call); any other asks PTRACE_GET_SYSCALL_INFO, which knows
 * which filter stopped it.  False: the task is gone (ESRCH).
 */
static bool
seccomp_info(struct tracer *tr, struct task *t, struct __ptrace_syscall_info *si)
{
	if (proc_regs_fast(tr, task_tgid(t)) && arch_seccomp_regs(t, si) == 0) {
		si->seccomp.ret_data = filter_tag(tr->det_random, tr->clock,
		    (long)si->seccomp.nr);
		return true;
	}
	return ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, sizeof(*si), si) > 0;
}

static void
on_seccomp(struct tracer *tr, struct task *t, int st)
{
	struct __ptrace_syscall_info si;
	const struct sysent *sc;
	bool broken;

	if (!seccomp_info(tr, t, &si))
		return;			/* ESRCH: dying, reaped later */
	if (si.op != PTRACE_SYSCALL_INFO_SECCOMP) {
		tr->res->stops.unexpected++;
		goto out_cont;
	}
	if (si.seccomp.ret_data == REC_TAG_RLIMIT) {
		/* again once the kernel has applied it (threads may write between) */
		proc_limits_changed(tr);
		t->limits_exit = true;
		resume(t->tid, PTRACE_SYSCALL, 0);
		return;
	}
	if (si.seccomp.ret_data == REC_TAG_FILTER) {
		/* its later stops may be another filter's: ask the kernel */
		proc_set_regs_fast(tr, task_tgid(t), false);
		goto out_cont;
	}
	if (si.seccomp.ret_data == REC_TAG_FLAGS) {
		t->flags_exit = true;	/* cached fd flags are stale once it ran */
		resume(t->tid, PTRACE_SYSCALL, 0);
		return;
	}
	if (si.seccomp.ret_data == REC_TAG_CRED) {
		t->cred_exit = true;	/* owner.c, once the kernel has done it */
		resume(t->tid, PTRACE_SYSCALL, 0);
		return;
	}
	if (si.seccomp.ret_data == REC_TAG_RANDOM) {
		if (!ident_ready(tr, t, st))
			return;		/* held: dispatched again */
		random_getrandom(tr, t, si.seccomp.args);
		goto out_cont;
	}
	if (si.seccomp.ret_data == REC_TAG_CLOCK) {
		/* a new process's count is its parent's: known with its ident */
		if (tr->det_random && !ident_ready(tr, t, st))
			return;
		clock_answer(tr, t, (long)si.seccomp.nr, si.seccomp.args);
		goto out_cont;
	}
	if (si.seccomp.ret_data != REC_TAG) {
		/*
		 * SECCOMP_RET_TRACE from a filter of the program's own (the
		 * kernel reports the most recent filter's data when several
		 * say TRACE).  Without a tracer such a call fails with ENOSYS
		 * and never runs (seccomp(2)); badio traces only for its own
		 * tags, so it does the same instead of letting the call run.
		 */
		tr->res->stops.foreign++;
		tr->res->foreign_filter = true;
		if (arch_set_nr(t->tid, -1) == 0)
			arch_set_return(t->tid, -ENOSYS);
		goto out_cont;
	}
	if (tr->fast) {
		tr->res->stops.fast++;
		suspend_task(tr, t);	/* its later calls do not stop */
		goto out_cont;		/* past the fault: the kernel runs it */
	}
	tr->res->stops.seccomp++;
	/* before the first exec: badio's own child reporting an error */
	if (!tr->root_exec_seen)
		goto out_cont;
	sc = sysent_find((long)si.seccomp.nr);
	if (!sc || !site_enter(tr, t, sc, si.seccomp.args,
	    si.instruction_pointer, si.stack_pointer))
		goto out_cont;
	/* checkpoints: in the copy of badio made for one, t is its child's */
	if (tr->opts->fork_cb && !tr->ckpt_child && ckpt_point(tr, &t))
		tr->res->stops.seccomp++;
	broken = inject_decide(tr, t);
	if (tr->opts->sweep_cb)
		sweep_point(tr, t);	/* before the journal sees the call */
	if (tr->journal)
		journal_enter(tr, t);	/* before the call runs (or is emulated) */
	if (broken) {
		inject_enter(tr, t);
		if (t->p.how == HOW_KILL) {
			site_exit(tr, t, 0, false);
			return;		/* killed: never resumed */
		}
	} else if (emulate_lite(tr, t)) {
		tr->res->stops.lite++;
		goto out_cont;		/* the kernel does it: no exit stop */
	} else if (emulate_write(tr, t)) {
		tr->res->stops.emulated++;
		goto out_cont;		/* done by badio: no exit stop needed */
	}
	site_hold(t);
	resume(t->tid, PTRACE_SYSCALL, 0);
	return;
out_cont:
	resume(t->tid, PTRACE_CONT, 0);
}

/* ERESTARTSYS..ERESTART_RESTARTBLOCK: the kernel will run the call again. */
static bool
is_restart(int64_t rval)
{
	return rval <= -512 && rval >= -516;
}

/*
 * The target's site is reported: with opts->fast_after_fault and a
 * one-shot fault, nothing after it needs decoding (no later crash point,
 * no rule, no journal), so the later stops are resumed at once.  Calls
 * other threads had entered before are finished as usual (their exit
 * stops).  Forks, execs, signals and the random answers are not stops
 * of REC_TAG and go on as before: every process is still followed and
 * waited for.
 */
static void
fast_begin(struct tracer *tr, struct task *t)
{
	const struct rec_opts *o = tr->opts;
	enum rec_fault f = o->target ? o->target->fault : REC_FAULT_NONE;

	if (!o->fast_after_fault || tr->full_rerun || o->journal || tr->nrules)
		return;
	tr->fast = f == REC_FAULT_SHORT || f == REC_FAULT_TORN ||
	    f == REC_FAULT_EIO || f == REC_FAULT_ENOSPC;
	tr->suspend = tr->fast && o->suspend_after_fault && !tr->no_suspend;
	suspend_task(tr, t);
}

static void
on_syscall_exit(struct tracer *tr, struct task *t)
{
	struct __ptrace_syscall_info si;
	int64_t rval;
	bool target;

	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, sizeof(si), &si) <= 0)
		return;
	if (t->limits_exit && si.op == PTRACE_SYSCALL_INFO_EXIT) {
		t->limits_exit = false;
		proc_limits_changed(tr);
		goto out_cont;
	}
	if (t->flags_exit && si.op == PTRACE_SYSCALL_INFO_EXIT) {
		t->flags_exit = false;
		tr->flags_gen++;
		goto out_cont;
	}
	if (t->cred_exit && si.op == PTRACE_SYSCALL_INFO_EXIT) {
		t->cred_exit = false;
		owner_follow(tr, t);
		goto out_cont;
	}
	if (si.op != PTRACE_SYSCALL_INFO_EXIT || !t->p.active) {
		tr->res->stops.unexpected++;
		goto out_cont;
	}
	tr->res->stops.exit++;
	rval = si.exit.rval;
	if (is_restart(rval) && t->p.how == HOW_NONE) {
		free(t->rs.path);
		t->rs.path = strdup(t->p.path);
		t->rs.valid = t->rs.path != NULL;
		t->rs.nr = t->p.sc->pub.nr;
		t->rs.seq = t->p.seq;
		t->rs.ordinal = t->p.ordinal;
		if (tr->journal)
			journal_exit(tr, t, rval, true);	/* not done: dropped */
		pending_release(&t->p);
		t->p.active = false;
		goto out_cont;
	}
	if (t->p.how != HOW_NONE)
		rval = inject_exit(tr, t, rval);
	target = t->p.target;
	rules_exit(tr, t, rval);
	site_exit(tr, t, rval, true);
	if (target)
		fast_begin(tr, t);
out_cont:
	resume(t->tid, PTRACE_CONT, 0);
}

/* The thread group of a task that has just been created. */
static pid_t
tgid_of(pid_t tid)
{
	struct task probe = { .tid = tid };

	return task_tgid(&probe);
}

static void
on_new_child(struct tracer *tr, struct task *t, int st)
{
	int ev = (unsigned)st >> 16;
	unsigned long msg;
	pid_t parent = task_tgid(t);
	struct task *child;

	if (ptrace(PTRACE_GETEVENTMSG, t->tid, 0, &msg) < 0) {
		resume(t->tid, PTRACE_CONT, 0);
		return;
	}
	if (t->is_init) {
		ns_init_forked(tr, t, (pid_t)msg);	/* the program: the root */
		loop_retry_held(tr);
		return;
	}
	if (tr->det_random && !ident_ready(tr, t, st))
		return;			/* held until the creator's own event */
	/*
	 * Without memory now, the task is added at its first stop; a child
	 * already reaped (it stopped, ran and died first) is not brought back.
	 */
	child = task_add_child(tr, (pid_t)msg);
	t->nclones++;
	if (child && !child->ident_known) {
		child->ident = rnd_child_ident(t->ident, t->nclones);
		child->ident_known = true;
	}
	/* a new process has its parent's mappings, and its filters */
	if (child && (ev != PTRACE_EVENT_CLONE ||
	    tgid_of((pid_t)msg) != parent)) {
		mapping_fork(tr, parent, (pid_t)msg);
		proc_set_regs_fast(tr, (pid_t)msg, proc_regs_fast(tr, parent));
		clock_fork(tr, parent, (pid_t)msg);
	}
	resume(t->tid, PTRACE_CONT, 0);
	loop_retry_held(tr);
}

/*
 * exec from a non-leader thread: the thread takes the leader's tid and
 * the old leader vanishes without an exit status (ptrace(2), "execve(2)
 * under ptrace").
 */
static void
on_exec(struct tracer *tr, struct task *t, int st)
{
	unsigned long old;
	struct task *from = NULL;

	if (ptrace(PTRACE_GETEVENTMSG, t->tid, 0, &old) == 0 &&
	    (pid_t)old != t->tid)
		from = task_find(tr, (pid_t)old);
	/* the new image's AT_RANDOM comes from the exec'ing thread's stream */
	if (tr->det_random && !ident_ready(tr, from ? from : t, st)) {
		if (from && from->held) {	/* the stop is the leader's */
			from->held = false;
			t->held = true;
			t->held_st = st;
		}
		return;
	}
	if (from) {
		pid_t leader = t->tid;

		task_drop(tr, t);
		task_rekey(tr, from, leader);
		t = from;
	}
	t->tgid = t->tid;
	t->ns_read = false;
	fdcache_flush(tr, t->tid);
	proc_exec(tr, t->tid);
	task_exec_renumber(tr, t);
	pending_release(&t->p);
	t->p.active = false;
	t->rs.valid = false;
	if (t->tid == tr->root_pid)
		tr->root_exec_seen = true;
	if (tr->det_random)
		random_exec(tr, t);
	clock_exec(tr, t);
	suspend_check_exec(tr, t);	/* a filter of its own meanwhile */
	resume(t->tid, PTRACE_CONT, 0);
}

static void
dispatch(struct tracer *tr, pid_t tid, int st)
{
	enum stop kind = classify(st);
	struct task *t = task_find(tr, tid);

	if (kind == STOP_GONE) {
		on_gone(tr, t, tid, st);
		return;
	}
	/* a new task's first stop often comes before its parent's event */
	if (!t && !(t = task_add(tr, tid))) {
		resume(tid, PTRACE_CONT, 0);
		return;
	}
	/* in a namespace, the first task that is not the init is PROG */
	if (tr->init_pid && !tr->root_pid && !t->is_init)
		loop_root_found(tr, t);
	t->regs_valid = false;		/* read again at this stop, if needed */
	if (tr->killing) {
		kill(tid, SIGKILL);
		resume(tid, PTRACE_CONT, 0);
		return;
	}
	switch (kind) {
	case STOP_SECCOMP:
		on_seccomp(tr, t, st);
		break;
	case STOP_SYSCALL_EXIT:
		on_syscall_exit(tr, t);
		break;
	case STOP_NEW_CHILD:
		on_new_child(tr, t, st);
		break;
	case STOP_EXEC:
		on_exec(tr, t, st);
		break;
	case STOP_GROUP:
		tr->res->stops.group++;
		ptrace(PTRACE_LISTEN, tid, 0, 0);
		break;
	case STOP_SIGNAL:
		tr->res->stops.signal++;
		resume(tid, PTRACE_CONT, WSTOPSIG(st));
		break;
	case STOP_EVENT:
	default:
		resume(tid, PTRACE_CONT, 0);
		break;
	}
}

/*
 * A held task whose creator never reports its clone (killed in between)
 * would wait forever: after a while without any stop, it gets a fallback
 * identity (not the same in every run, but the program goes on).
 */
static void
check_held(struct tracer *tr)
{
	if (!tr->nheld || now_ns() - tr->last_event_ns < HOLD_MAX_NS)
		return;
	tr->force_ident = true;
	loop_retry_held(tr);
	tr->force_ident = false;
}

static void
check_limits(struct tracer *tr, int64_t deadline)
{
	if (tr->killing)
		return;
	if (interrupted) {
		tracer_kill_all(tr, REC_INTERRUPTED);
		ckpt_interrupt(tr);
	}
	else if (deadline && now_ns() >= deadline)
		tracer_kill_all(tr, REC_TIMEOUT);
}

/* --- sweep points --------------------------------------------------------- */

static int
deferred_push(struct tracer *tr, pid_t tid, int st)
{
	if (tr->ndeferred == tr->deferred_cap) {
		size_t cap = tr->deferred_cap ? 2 * tr->deferred_cap : 16;
		struct deferred *v = realloc(tr->deferred, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		tr->deferred = v;
		tr->deferred_cap = cap;
	}
	tr->deferred[tr->ndeferred++] = (struct deferred){ tid, st };
	return 0;
}

static bool
deferred_has(const struct tracer *tr, pid_t tid)
{
	for (size_t i = tr->deferred_next; i < tr->ndeferred; i++)
		if (tr->deferred[i].tid == tid)
			return true;
	return false;
}

/* A task's death: its deferred stop (if any) is void. */
static void
deferred_drop(struct tracer *tr, pid_t tid)
{
	for (size_t i = tr->deferred_next; i < tr->ndeferred; i++)
		if (tr->deferred[i].tid == tid)
			tr->deferred[i].tid = 0;
}

/* The next deferred stop, if any. */
static bool
deferred_pop(struct tracer *tr, pid_t *tid, int *st)
{
	while (tr->deferred_next < tr->ndeferred) {
		struct deferred d = tr->deferred[tr->deferred_next++];

		if (tr->deferred_next == tr->ndeferred)
			tr->deferred_next = tr->ndeferred = 0;
		if (d.tid) {
			*tid = d.tid;
			*st = d.st;
			return true;
		}
	}
	return false;
}

static struct stopped *
stopped_find(struct tracer *tr, pid_t tid)
{
	for (size_t i = 0; i < tr->nstopped; i++)
		if (tr->stopped[i].tid == tid)
			return &tr->stopped[i];
	return NULL;
}

/* PTRACE_INTERRUPT every task badio let run; into tr->stopped. */
static size_t
interrupt_all(struct tracer *tr, struct task *cur)
{
	size_t n, k = 0;
	pid_t *v;

	if (tr->stopped_cap < tr->ntasks) {
		struct stopped *s = realloc(tr->stopped,
		    tr->ntasks * sizeof(*s));

		if (!s)
			return 0;
		tr->stopped = s;
		tr->stopped_cap = tr->ntasks;
	}
	if (!(v = calloc(tr->ntasks, sizeof(*v))))
		return 0;
	n = tasks_running(tr, cur->tid, v, tr->ntasks);
	for (size_t i = 0; i < n; i++)
		if (!deferred_has(tr, v[i]) &&
		    ptrace(PTRACE_INTERRUPT, v[i], 0, 0) == 0)
			tr->stopped[k++] = (struct stopped){ v[i], true, false,
			    0, 0 };
	free(v);
	tr->nstopped = k;
	return k;
}

/*
 * One stop while tasks are being stopped.  An interrupt is reported by
 * whatever stop comes first (ptrace(2), PTRACE_INTERRUPT): that stop is
 * where the task holds.  A syscall-exit stop is handled now, its resume
 * parked: the call is done and the directory shows it, so the journal
 * must know it.  A death is handled.  Any other stop (seccomp, signal,
 * event, a new child's first stop) is deferred as it is.
 */
static void
stop_one(struct tracer *tr, struct task *cur, pid_t tid, int st,
    size_t *waiting)
{
	struct stopped *s = stopped_find(tr, tid);
	enum stop kind = classify(st);

	if (s && s->waiting) {
		s->waiting = false;
		(*waiting)--;
	}
	/* cur's death (a SIGKILL from outside) waits: on_seccomp still uses it */
	if (kind == STOP_GONE && tid != cur->tid) {
		dispatch(tr, tid, st);
	} else if (kind == STOP_SYSCALL_EXIT && s) {
		park = s;
		dispatch(tr, tid, st);
		park = NULL;
	} else if (deferred_push(tr, tid, st) < 0) {
		dispatch(tr, tid, st);	/* no memory: as without a sweep */
	}
}

unsigned
loop_stop_others(struct tracer *tr, struct task *cur)
{
	size_t waiting, n;

	tr->nstopped = 0;
	if (tr->ntasks <= 1)
		return 0;
	waiting = n = interrupt_all(tr, cur);
	while (waiting && !tr->killing) {
		int st;
		pid_t tid = waitpid(-1, &st, __WALL);

		if (tid > 0)
			stop_one(tr, cur, tid, st, &waiting);
		else if (errno == EINTR && interrupted)
			tracer_kill_all(tr, REC_INTERRUPTED);
		else if (errno != EINTR)
			break;
	}
	tr->res->sweep_stops += n;
	return (unsigned)n;
}

/* The parked tasks go on; deferred stops are the loop's (loop_run). */
void
loop_resume_others(struct tracer *tr)
{
	for (size_t i = 0; i < tr->nstopped; i++)
		if (tr->stopped[i].parked)
			ptrace(tr->stopped[i].req, tr->stopped[i].tid, 0,
			    (void *)(long)tr->stopped[i].sig);
	tr->nstopped = 0;
}

void
loop_release(struct tracer *tr)
{
	free(tr->stopped);
	free(tr->deferred);
	tr->stopped = NULL;
	tr->deferred = NULL;
}

int
loop_run(struct tracer *tr)
{
	int64_t deadline = tr->opts->timeout_ms > 0 ?
	    tr->start_ns + (int64_t)tr->opts->timeout_ms * 1000000 : 0;

	/*
	 * waitpid blocks; the periodic SIGALRM of recorder.c (and the
	 * caller's SIGINT handler) interrupt it so that the deadline and
	 * rec_interrupt() are noticed even when no tracee stops.
	 */
	for (;;) {
		int st;
		pid_t tid;

		/* the time the program waited for sweep_cb is not its own */
		check_limits(tr, deadline ? deadline + tr->res->sweep_cb_ns +
		    tr->ckpt_wait_ns : 0);
		if (deferred_pop(tr, &tid, &st)) {	/* after a sweep point */
			dispatch(tr, tid, st);
			continue;
		}
		tid = waitpid(-1, &st, __WALL);
		if (tid > 0) {
			tr->last_event_ns = now_ns();
			dispatch(tr, tid, st);
			continue;
		}
		if (errno == ECHILD)
			return 0;
		if (errno != EINTR)
			return -errno;
		check_held(tr);
	}
}
