/*
 * inject.c - breaking calls.  The target is named by its replay key;
 * what a fault does to it is a row of the table below, applied at the
 * seccomp stop (before the kernel runs the call) and finished at the
 * exit stop:
 *
 *   short    count (or the iovec vector) cut to about half; the kernel
 *            really writes that much and returns it.  For the copy calls
 *            the length argument is cut to half of what the source holds
 *            (copy.c clamps count to it: cp asks for 2^63 bytes, and half
 *            of that would copy everything)
 *   torn     the same cut, then the result is replaced by -EIO
 *   eio,     the syscall number becomes -1 so the kernel skips the call,
 *   enospc   and the result is set to -errno
 *   crash    SIGKILL to every traced process; the call never runs
 *   eio+,    as eio and enospc at the target, which also arms the fault's
 *   enospc+  rule (rule.c): from then on, the rule breaks the calls it
 *            covers on the target's file system
 *   power    as crash; rec_run then hands the undo journal to crash_cb
 *   lost-sync as eio, and the journal marks what the sync would have made
 *            durable lost (journal_sync.c); crash_cb at the program's end.
 *            Later sync calls on the other open file descriptions of
 *            what failed run and get the error once (errseq.c)
 *
 * A call that always takes effect (close releases its fd whatever it
 * returns) is run and then given the error instead of being skipped.
 * Whatever is changed in the tracee's memory (an iovec length) is put
 * back at the exit stop, before the program runs again.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/uio.h>

#include "recorder/recorder_int.h"

static const struct {
	enum how	how;
	int		err;
	bool		half;		/* keep about half of the count */
	bool		rule;		/* arms a rule (rule_model_of) */
} faults[REC_FAULT_COUNT] = {
	[REC_FAULT_SHORT]	= { HOW_CUT,	   0,	   true,  false },
	[REC_FAULT_TORN]	= { HOW_CUT_FAIL,  EIO,	   true,  false },
	[REC_FAULT_EIO]		= { HOW_SKIP_FAIL, EIO,	   false, false },
	[REC_FAULT_ENOSPC]	= { HOW_SKIP_FAIL, ENOSPC, false, false },
	[REC_FAULT_CRASH]	= { HOW_KILL,	   0,	   false, false },
	[REC_FAULT_EIO_DEV]	= { HOW_SKIP_FAIL, EIO,	   false, true },
	[REC_FAULT_ENOSPC_DEV]	= { HOW_SKIP_FAIL, ENOSPC, false, true },
	[REC_FAULT_POWER]	= { HOW_KILL,	   0,	   false, false },
	[REC_FAULT_LOST_SYNC]	= { HOW_SKIP_FAIL, EIO,	   false, false },
};

bool
rec_fault_persistent(enum rec_fault f)
{
	return f > REC_FAULT_NONE && f < REC_FAULT_COUNT && faults[f].rule;
}

static bool
is_target(struct tracer *tr, struct task *t)
{
	const struct rec_target *tg = tr->opts->target;
	const struct pending *p = &t->p;

	return tg && !tr->res->injected && tg->family == p->sc->pub.family &&
	    tg->ordinal == p->ordinal && strcmp(tg->path, p->path) == 0 &&
	    rec_fault_applies(tg->fault, &p->sc->pub, p->count);
}

static void
take(struct pending *p, const struct action *act)
{
	p->fault = act->fault;
	p->how = act->how;
	p->err = act->err;
	p->keep = act->keep;
	/* close releases the fd whatever it returns: run it, then fail */
	if ((p->sc->decode & D_CLOSE) && p->how == HOW_SKIP_FAIL)
		p->how = HOW_RUN_FAIL;
}

/*
 * At the seccomp stop of a site: is it broken, and how (into t->p)?
 * The target first; after it, the rules its fault armed.
 */
bool
inject_decide(struct tracer *tr, struct task *t)
{
	struct pending *p = &t->p;
	struct action act;

	if (is_target(tr, t)) {
		enum rec_fault f = tr->opts->target->fault;

		act = (struct action){ f, faults[f].how, faults[f].err,
		    faults[f].half ? (uint64_t)p->count / 2 : 0 };
		take(p, &act);
		p->target = true;
		tr->res->injected = true;
		/* crash_cb once all are gone (recorder.c); lost-sync: at the end */
		if (f == REC_FAULT_POWER || f == REC_FAULT_LOST_SYNC)
			tr->power = true;
		if (f == REC_FAULT_LOST_SYNC) {
			journal_lost(tr, t);
			errseq_lost(tr, t);	/* after: it asks what is lost */
		}
		if (faults[f].rule)
			rule_arm(tr, t, rule_model_of(f));
		return true;
	}
	/* after a lost-sync: the error the kernel never saw, reported */
	if (tr->errseq && p->sc->pub.family == REC_FAM_SYNC &&
	    errseq_report(tr, t, &act)) {
		take(p, &act);
		return true;
	}
	if (tr->nrules && rules_enter(tr, t, &act)) {
		take(p, &act);
		tr->res->rule_hits++;
		return true;
	}
	return false;
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

/* Apply the decision at the seccomp stop.  After a kill, do not resume. */
int
inject_enter(struct tracer *tr, struct task *t)
{
	struct pending *p = &t->p;
	int rc = 0;

	switch (p->how) {
	case HOW_CUT:
	case HOW_CUT_FAIL:
		rc = (p->sc->decode & D_IOV) ? cut_iov(t, p->keep) :
		    arch_set_arg(t->tid, p->sc->count, p->keep);
		break;
	case HOW_SKIP_FAIL:
		rc = arch_set_nr(t->tid, -1);
		if (rc == 0)
			rc = arch_set_return(t->tid, -p->err);
		break;
	case HOW_RUN_FAIL:
		break;			/* the kernel runs it; see inject_exit */
	case HOW_KILL:
		tracer_kill_all(tr, REC_CRASHED);
		break;
	default:
		rc = -EINVAL;
	}
	return rc;
}

/* Finish at the exit stop; returns the result the program sees. */
int64_t
inject_exit(struct tracer *tr, struct task *t, int64_t rval)
{
	struct pending *p = &t->p;

	if (p->iov_restore) {
		mem_write(t->tid, p->iov_addr + offsetof(struct iovec, iov_len),
		    &p->iov_len, sizeof(p->iov_len));
		p->iov_restore = false;
	}
	switch (p->how) {
	case HOW_CUT:
		if (p->target)
			tr->res->fault_bytes = rval >= 0 ? rval : 0;
		return rval;
	case HOW_CUT_FAIL:
		p->done = rval >= 0 ? rval : 0;	/* what reached the file */
		if (p->target)
			tr->res->fault_bytes = p->done;
		/* FALLTHROUGH */
	case HOW_SKIP_FAIL:
	case HOW_RUN_FAIL:
		if (arch_set_return(t->tid, -p->err) < 0)
			return rval;
		return -p->err;
	default:
		return rval;
	}
}
