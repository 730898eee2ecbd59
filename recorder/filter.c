/*
 * filter.c - the seccomp-bpf filter, generated from the syscall table.
 *
 * Every syscall in the table returns SECCOMP_RET_TRACE with our tag, so
 * the kernel stops the thread for us; everything else is allowed and runs
 * at native speed.  Opens are filtered on their flags in BPF, so only
 * opens that create or truncate stop.  io_uring_setup fails with ENOSYS
 * by default: io_uring's I/O never passes through syscalls ptrace can
 * see, and programs fall back to plain syscalls (docs/ptrace.md).
 *
 * This runs in the forked child before execve: it must not print.
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdbool.h>
#include <sys/prctl.h>

#include "recorder/recorder_int.h"

static int
add_open_rules(scmp_filter_ctx ctx, const struct sysent *s)
{
	uint32_t act = SCMP_ACT_TRACE(REC_TAG);
	static const int bits[] = { O_CREAT, O_TRUNC };
	int rc;

	if (s->flags < 0 || (s->decode & D_OPENHOW))
		return seccomp_rule_add(ctx, act, s->pub.nr, 0);
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		struct scmp_arg_cmp cmp = SCMP_CMP((unsigned)s->flags,
		    SCMP_CMP_MASKED_EQ, bits[i], bits[i]);

		rc = seccomp_rule_add_array(ctx, act, s->pub.nr, 1, &cmp);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
add_rules(scmp_filter_ctx ctx, bool allow_io_uring)
{
	int rc;

	for (size_t i = 0; i < sysent_count(); i++) {
		const struct sysent *s = sysent_row(i);

		if (s->decode & D_OPEN)
			rc = add_open_rules(ctx, s);
		else
			rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(REC_TAG),
			    s->pub.nr, 0);
		if (rc < 0)
			return rc;
	}
	if (!allow_io_uring)
		return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
		    SCMP_SYS(io_uring_setup), 0);
	return 0;
}

/*
 * Load without no_new_privs first, as strace does, so that a privileged
 * badio keeps setuid programs working inside the target; fall back to
 * no_new_privs when the kernel asks for it (EACCES: no CAP_SYS_ADMIN).
 */
int
filter_load(bool allow_io_uring)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc;

	if (!ctx)
		return -ENOMEM;
	/* other architectures' syscalls (int 0x80) pass untraced, never killed */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* the kernel's errno, not -ECANCELED, so EACCES can be told apart */
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	if (rc == 0)
		rc = add_rules(ctx, allow_io_uring);
	if (rc == 0) {
		rc = seccomp_load(ctx);
		if (rc == -EACCES) {
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
				rc = -errno;
			else
				rc = seccomp_load(ctx);
		}
	}
	seccomp_release(ctx);
	return rc;
}
