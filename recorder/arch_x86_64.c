/*
 * arch_x86_64.c - register access for x86-64.  Reading goes through
 * PTRACE_GET_SYSCALL_INFO (arch-neutral); only changes need registers.
 * A port adds arch_<name>.c with these three functions (docs/hacking.md).
 */
#include <errno.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#include "recorder/recorder_int.h"

#define REG(r)	offsetof(struct user_regs_struct, r)

static const size_t arg_regs[6] = {
	REG(rdi), REG(rsi), REG(rdx), REG(r10), REG(r8), REG(r9),
};

static int
poke(pid_t tid, size_t off, uint64_t v)
{
	if (ptrace(PTRACE_POKEUSER, tid, (void *)off, (void *)v) < 0)
		return -errno;
	return 0;
}

/* nr = -1 at a seccomp stop: the kernel skips the call. */
int
arch_set_nr(pid_t tid, long nr)
{
	return poke(tid, REG(orig_rax), (uint64_t)nr);
}

int
arch_set_arg(pid_t tid, int i, uint64_t v)
{
	if (i < 0 || i > 5)
		return -EINVAL;
	return poke(tid, arg_regs[i], v);
}

int
arch_set_return(pid_t tid, int64_t v)
{
	return poke(tid, REG(rax), (uint64_t)v);
}

/*
 * At a seccomp stop: skip the call and make rval its result (an
 * emulated call).
 */
int
arch_skip_call(pid_t tid, int64_t rval)
{
	int rc = arch_set_nr(tid, -1);

	return rc < 0 ? rc : arch_set_return(tid, rval);
}

/* The frame pointer (rbp), for the call-site walk of static binaries. */
int
arch_frame_pointer(pid_t tid, uint64_t *fp)
{
	long v;

	errno = 0;
	v = ptrace(PTRACE_PEEKUSER, tid, (void *)REG(rbp), NULL);
	if (v == -1 && errno)
		return -errno;
	*fp = (uint64_t)v;
	return 0;
}
