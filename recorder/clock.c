/*
 * clock.c - the same wall clock in every run (docs/design.md,
 * "Determinism").
 *
 * A program reads the time of day without entering the kernel, through
 * the vDSO, so badio would never see it.  At every exec stop badio hides
 * the vDSO from the new image: the AT_SYSINFO_EHDR entry of the auxv on
 * its stack becomes AT_IGNORE, and glibc (dynamic and static), musl and
 * Go then make real system calls for the time (the kernel still maps the
 * vDSO; /proc/PID/auxv, a copy the kernel keeps, still names it).  The
 * filter stops clock_gettime for the wall clocks only (CLOCK_REALTIME,
 * CLOCK_REALTIME_COARSE, CLOCK_TAI: arg 0 in BPF), gettimeofday and
 * time (tag REC_TAG_CLOCK); badio writes the answer and skips the call:
 * one stop.  CLOCK_MONOTONIC and the others run in the kernel, real.
 *
 * The answer: base + n ms, base the recording's start (rec_replay), n
 * the count of answers of the process so far, the first 1.  A new
 * process starts from its parent's count at the fork (it is later than
 * its parent's last answer), and when it is gone its parent goes on
 * from its count if that is later (so a shell's commands one after the
 * other read later and later times); the threads of a process share its
 * count.  So a process's times depend on its own calls and on the
 * processes it waited for, not on how it interleaves with others that
 * run at the same time, and never go back within it.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>

#include "recorder/recorder_int.h"

#define MS		1000000ll
#define TAI_OFFSET_NS	(37 * 1000000000ll)	/* TAI - UTC since 2017 */
#ifndef CLOCK_TAI
#define CLOCK_TAI	11
#endif

/* --- the vDSO, hidden at exec ------------------------------------------ */

#define AT_NULL_		0
#define AT_IGNORE_		1
#define AT_SYSINFO_EHDR_	33
#define WALK_CHUNK	512		/* words read at a time */
#define WALK_MAX	(1u << 22)	/* words of argv + envp + auxv: 32 MiB */
#define AUXV_MAX	256		/* pairs; the kernel writes ~25 */

struct walk {
	pid_t		tid;
	uint64_t	base;		/* the address of word 0 (argc) */
	uint64_t	words[WALK_CHUNK];
	uint64_t	first;		/* index of words[0] */
	size_t		n;		/* words in the chunk */
};

/* Word i of the new stack; false if it cannot be read or is past the bound. */
static bool
walk_word(struct walk *w, uint64_t i, uint64_t *v)
{
	if (i >= WALK_MAX)
		return false;
	if (i < w->first || i >= w->first + w->n) {
		struct iovec local = { w->words, sizeof(w->words) };
		struct iovec remote = { (void *)(uintptr_t)(w->base + 8 * i),
		    sizeof(w->words) };
		ssize_t got = process_vm_readv(w->tid, &local, 1, &remote, 1, 0);

		if (got < 8) {		/* the end of the stack: one word */
			local.iov_len = remote.iov_len = 8;
			got = process_vm_readv(w->tid, &local, 1, &remote, 1, 0);
		}
		if (got < 8)
			return false;
		w->first = i;
		w->n = (size_t)got / 8;
	}
	*v = w->words[i - w->first];
	return true;
}

/*
 * The index of the auxv's first word: past argc, argv[argc + 1] and the
 * environment up to its NULL.  0 if the stack does not look like one.
 */
static uint64_t
auxv_start(struct walk *w)
{
	uint64_t argc, v, i;

	if (!walk_word(w, 0, &argc) || argc >= WALK_MAX)
		return 0;
	i = argc + 1;
	if (!walk_word(w, i, &v) || v != 0)	/* argv's NULL */
		return 0;
	do {
		if (!walk_word(w, ++i, &v))
			return 0;
	} while (v != 0);
	return i + 1;
}

/*
 * At an exec stop: the new image's AT_SYSINFO_EHDR becomes AT_IGNORE.
 * Only for the native 64-bit ABI (arch_exec_stack); a 32-bit program
 * keeps its vDSO, and its clock, which the filter does not stop either.
 */
void
clock_exec(struct tracer *tr, struct task *t)
{
	struct walk w = { .tid = t->tid };
	uint64_t at, type, ignore = AT_IGNORE_;

	if (!tr->clock || arch_exec_stack(t->tid, &w.base) < 0)
		return;
	at = auxv_start(&w);
	for (unsigned k = 0; at && k < AUXV_MAX; k++, at += 2) {
		if (!walk_word(&w, at, &type) || type == AT_NULL_)
			return;
		if (type == AT_SYSINFO_EHDR_) {
			struct iovec local = { &ignore, 8 };
			struct iovec remote = {
			    (void *)(uintptr_t)(w.base + 8 * at), 8 };

			if (process_vm_writev(t->tid, &local, 1, &remote, 1,
			    0) == 8)
				tr->res->vdso_hidden++;
			return;
		}
	}
}

/* --- the answers --------------------------------------------------------- */

/* Write len bytes at addr as the kernel's copy_to_user would: 0 or -EFAULT. */
static int
put_user(pid_t tid, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = { (void *)buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };

	if (!addr)
		return -EFAULT;
	/* process_vm_writev respects page protections, as the kernel does */
	return process_vm_writev(tid, &local, 1, &remote, 1, 0) ==
	    (ssize_t)len ? 0 : -EFAULT;
}

static int64_t
answer_clock_gettime(pid_t tid, const uint64_t args[6], int64_t ns)
{
	struct timespec ts;

	if ((int)args[0] == CLOCK_TAI)
		ns += TAI_OFFSET_NS;
	ts.tv_sec = ns / 1000000000;
	ts.tv_nsec = ns % 1000000000;
	return put_user(tid, args[1], &ts, sizeof(ts));
}

static int64_t
answer_gettimeofday(pid_t tid, const uint64_t args[6], int64_t ns)
{
	struct { int64_t sec, usec; } tv = { ns / 1000000000,
	    ns % 1000000000 / 1000 };
	struct { int minuteswest, dsttime; } tz = { 0, 0 };
	int rc = 0;

	if (args[0])
		rc = put_user(tid, args[0], &tv, sizeof(tv));
	if (rc == 0 && args[1])
		rc = put_user(tid, args[1], &tz, sizeof(tz));
	return rc;
}

static int64_t
answer_time(pid_t tid, const uint64_t args[6], int64_t ns)
{
	int64_t sec = ns / 1000000000;

	if (args[0] && put_user(tid, args[0], &sec, sizeof(sec)) < 0)
		return -EFAULT;
	return sec;
}

static const struct {
	long		nr;
	int64_t		(*answer)(pid_t, const uint64_t *, int64_t);
} calls[] = {
	{ SYS_clock_gettime,	answer_clock_gettime },
	{ SYS_gettimeofday,	answer_gettimeofday },
	{ SYS_time,		answer_time },
};

/* The wall clocks the filter stops clock_gettime for (filter.c). */
const int clock_walls[] = { CLOCK_REALTIME, CLOCK_REALTIME_COARSE, CLOCK_TAI };
const size_t clock_nwalls = sizeof(clock_walls) / sizeof(clock_walls[0]);

bool
clock_call(long nr)
{
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (calls[i].nr == nr)
			return true;
	return false;
}

/* At a REC_TAG_CLOCK stop: the answer written, the call skipped. */
void
clock_answer(struct tracer *tr, struct task *t, long nr, const uint64_t args[6])
{
	uint64_t *n = proc_clock(tr, task_tgid(t));
	int64_t ns = tr->clock_ns + (int64_t)(n ? ++*n : 0) * MS;
	int64_t r = -ENOSYS;

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (calls[i].nr == nr)
			r = calls[i].answer(t->tid, args, ns);
	tr->res->stops.clock++;
	arch_skip_call(t, r);
}

/* A new process: its clock goes on from its parent's. */
void
clock_fork(struct tracer *tr, pid_t parent, pid_t child)
{
	if (tr->clock)
		proc_clock_fork(tr, parent, child);
}

/* A process is gone (tgid, or a thread's tid: nothing to do). */
void
clock_gone(struct tracer *tr, pid_t tgid)
{
	if (tr->clock)
		proc_clock_exit(tr, tgid);
}
