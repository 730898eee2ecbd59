/*
 * inject.c - breaking one site.  The target is named by its replay key;
 * the fault is applied at the seccomp stop (before the kernel runs the
 * call) and finished at the exit stop:
 *
 *   short   count (or the iovec vector) cut to about half; the kernel
 *           really writes that much and returns it.  For the copy calls
 *           the length argument is cut to half of what the source holds
 *           (copy.c clamps count to it: cp asks for 2^63 bytes, and half
 *           of that would copy everything)
 *   torn    the same cut, then the result is replaced by -EIO
 *   eio,    the syscall number becomes -1 so the kernel skips the call,
 *   enospc  and the result is set to -errno
 *   crash   SIGKILL to every traced process; the call never runs
 *
 * Whatever is changed in the tracee's memory (an iovec length) is put
 * back at the exit stop, before the program runs again.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/uio.h>

#include "recorder/recorder_int.h"

static const int fault_errno[REC_FAULT_COUNT] = {
	[REC_FAULT_TORN]	= EIO,
	[REC_FAULT_EIO]		= EIO,
	[REC_FAULT_ENOSPC]	= ENOSPC,
};

bool
inject_wanted(struct tracer *tr, struct task *t)
{
	const struct rec_target *tg = tr->opts->target;
	const struct pending *p = &t->p;

	return tg && !tr->res->injected && tg->family == p->sc->pub.family &&
	    tg->ordinal == p->ordinal && strcmp(tg->path, p->path) == 0 &&
	    rec_fault_applies(tg->fault, &p->sc->pub, p->count);
}

/* Cut an iovec vector to k bytes: fewer elements, the last one shorter. */
static int
cut_iov(struct task *t, uint64_t k)
{
	struct pending *p = &t->p;
	const struct sysent *sc = p->sc;
	uint64_t addr = p->args[(int)sc->buf], cnt = p->args[(int)sc->count];
	uint64_t cum = 0;
	struct iovec iov;

	for (uint64_t i = 0; i < cnt && i < IOV_MAX; i++) {
		uint64_t a = addr + i * sizeof(iov);

		if (mem_read(t->tid, a, &iov, sizeof(iov)) != sizeof(iov))
			return -EFAULT;
		if (cum + iov.iov_len < k) {
			cum += iov.iov_len;
			continue;
		}
		if (k - cum == iov.iov_len)
			return arch_set_arg(t->tid, sc->count, i + 1);
		p->iov_addr = a;
		p->iov_len = iov.iov_len;
		iov.iov_len = k - cum;
		if (mem_write(t->tid, a + offsetof(struct iovec, iov_len),
		    &iov.iov_len, sizeof(iov.iov_len)) < 0)
			return -EFAULT;
		p->iov_restore = true;
		return arch_set_arg(t->tid, sc->count, i + 1);
	}
	return -EINVAL;
}

/* Apply the fault at the seccomp stop.  After a crash, do not resume. */
int
inject_enter(struct tracer *tr, struct task *t)
{
	struct pending *p = &t->p;
	enum rec_fault f = tr->opts->target->fault;
	int rc = 0;

	p->fault = f;
	tr->res->injected = true;
	switch (f) {
	case REC_FAULT_SHORT:
	case REC_FAULT_TORN: {
		uint64_t k = (uint64_t)p->count / 2;

		rc = (p->sc->decode & D_IOV) ? cut_iov(t, k) :
		    arch_set_arg(t->tid, p->sc->count, k);
		break;
	}
	case REC_FAULT_EIO:
	case REC_FAULT_ENOSPC:
		rc = arch_set_nr(t->tid, -1);
		if (rc == 0)
			rc = arch_set_return(t->tid, -fault_errno[f]);
		break;
	case REC_FAULT_CRASH:
		tracer_kill_all(tr, REC_CRASHED);
		break;
	default:
		rc = -EINVAL;
	}
	return rc;
}

/* Finish the fault at the exit stop; returns the result the program sees. */
int64_t
inject_exit(struct tracer *tr, struct task *t, int64_t rval)
{
	struct pending *p = &t->p;

	if (p->iov_restore) {
		mem_write(t->tid, p->iov_addr + offsetof(struct iovec, iov_len),
		    &p->iov_len, sizeof(p->iov_len));
		p->iov_restore = false;
	}
	switch (p->fault) {
	case REC_FAULT_SHORT:
		tr->res->fault_bytes = rval >= 0 ? rval : 0;
		return rval;
	case REC_FAULT_TORN:
		tr->res->fault_bytes = rval >= 0 ? rval : 0;
		/* FALLTHROUGH */
	case REC_FAULT_EIO:
	case REC_FAULT_ENOSPC:
		if (arch_set_return(t->tid, -fault_errno[p->fault]) < 0)
			return rval;
		return -fault_errno[p->fault];
	default:
		return rval;
	}
}
