/*
 * arch_x86_64.c - register access for x86-64.  Reading goes through
 * PTRACE_GET_SYSCALL_INFO (arch-neutral); only changes need registers.
 * A port adds arch_<name>.c with these three functions (docs/hacking.md).
 */
#include <errno.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <linux/audit.h>
#include <string.h>
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

_Static_assert(sizeof(struct user_regs_struct) <= ARCH_REGS_WORDS * 8,
    "struct task's room for the registers");

/*
 * At a seccomp stop, what PTRACE_GET_SYSCALL_INFO would say, from
 * PTRACE_GETREGS, and the registers kept in t for arch_skip_call: one
 * call to read, one to write.  ret_data is the caller's (filter_tag).
 */
int
arch_seccomp_regs(struct task *t, struct __ptrace_syscall_info *si)
{
	struct user_regs_struct *r = (struct user_regs_struct *)t->regs;

	t->regs_valid = false;
	if (ptrace(PTRACE_GETREGS, t->tid, 0, r) < 0)
		return -errno;
	memset(si, 0, sizeof(*si));
	si->op = PTRACE_SYSCALL_INFO_SECCOMP;
	si->arch = AUDIT_ARCH_X86_64;
	si->instruction_pointer = r->rip;
	si->stack_pointer = r->rsp;
	si->seccomp.nr = r->orig_rax;
	si->seccomp.args[0] = r->rdi;
	si->seccomp.args[1] = r->rsi;
	si->seccomp.args[2] = r->rdx;
	si->seccomp.args[3] = r->r10;
	si->seccomp.args[4] = r->r8;
	si->seccomp.args[5] = r->r9;
	t->regs_valid = true;
	return 0;
}

/*
 * At a seccomp stop: skip the call and make rval its result (an
 * emulated call).  With the registers of this stop at hand, one
 * PTRACE_SETREGS; else two PTRACE_POKEUSERs.  Nothing else may have
 * changed a register since they were read (an injection never comes
 * here).
 */
int
arch_skip_call(struct task *t, int64_t rval)
{
	struct user_regs_struct *r = (struct user_regs_struct *)t->regs;
	int rc;

	if (t->regs_valid) {
		t->regs_valid = false;
		r->orig_rax = (unsigned long long)-1;
		r->rax = (unsigned long long)rval;
		return ptrace(PTRACE_SETREGS, t->tid, 0, r) < 0 ? -errno : 0;
	}
	rc = arch_set_nr(t->tid, -1);
	return rc < 0 ? rc : arch_set_return(t->tid, rval);
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

/*
 * At a PTRACE_EVENT_EXEC stop the registers are the new image's first:
 * rsp points at argc (clock.c walks the auxv from there).  A 32-bit
 * image (cs is not the 64-bit code segment) has another layout.
 */
int
arch_exec_stack(pid_t tid, uint64_t *sp)
{
	struct user_regs_struct r;

	if (ptrace(PTRACE_GETREGS, tid, 0, &r) < 0)
		return -errno;
	if (r.cs != 0x33)		/* __USER_CS */
		return -ENOEXEC;
	*sp = r.rsp;
	return 0;
}
