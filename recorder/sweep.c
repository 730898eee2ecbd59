/*
 * sweep.c - every site a crash point in one run (rec_opts.sweep_cb).
 *
 * A power re-run killed at site N leaves the run directory as the calls
 * before N made it, and its journal knows exactly those calls: the
 * state before N is the same in every replay.  So one run can stop at
 * the seccomp stop of each site, before the call runs and before the
 * journal sees it (journal_enter), hold every other traced task still
 * (loop_stop_others: a thread or process must not change the directory
 * while states are built), and hand the journal to the caller, who
 * builds the states from the live run directory (rec_journal_build).
 * The end site's point comes after the program has exited, as the
 * power re-run's crash_cb does (recorder.c).
 */
#include <string.h>

#include "recorder/recorder_int.h"

static void
point_call(struct tracer *tr, const struct rec_point *pt, struct task *cur)
{
	const struct rec_opts *o = tr->opts;
	struct rec_point p = *pt;
	int64_t t0 = now_ns(), t1, t2;
	int rc;

	p.stopped = cur ? loop_stop_others(tr, cur) : 0;
	t1 = now_ns();
	if (!tr->killing && !tr->cb_error) {
		rc = o->sweep_cb(o->sweep_ctx, tr->journal, &p);
		tr->res->sweep_points++;
		if (rc) {
			tr->cb_error = rc;
			tracer_kill_all(tr, REC_INTERRUPTED);
		}
	}
	t2 = now_ns();
	if (cur)
		loop_resume_others(tr);
	tr->res->sweep_cb_ns += t2 - t1;
	tr->res->sweep_stop_ns += (t1 - t0) + (now_ns() - t2);
}

/*
 * At the seccomp stop of a site, after inject_decide (a sweep has no
 * target: nothing is broken), before journal_enter.  A call restarted
 * after a signal handler keeps its seq: one point, at its first entry.
 */
void
sweep_point(struct tracer *tr, struct task *t)
{
	const struct pending *p = &t->p;
	char key[PATH_CAP + 32];

	if (!tr->journal || tr->killing || tr->cb_error || p->seq <= tr->sweep_seq ||
	    !rec_fault_applies(REC_FAULT_POWER, &p->sc->pub, p->count))
		return;
	tr->sweep_seq = p->seq;
	if (rec_key_format(key, sizeof(key), p->sc->pub.family, p->path,
	    p->ordinal) < 0)
		return;
	point_call(tr, &(struct rec_point){ .seq = p->seq, .key = key,
	    .family = p->sc->pub.family, .path = p->path,
	    .ordinal = p->ordinal, .sc = &p->sc->pub }, t);
}

/* After site_end: every traced process is gone. */
void
sweep_end(struct tracer *tr)
{
	char key[32];

	if (!tr->journal || tr->killing || tr->cb_error)
		return;
	rec_key_format(key, sizeof(key), REC_FAM_END, "<end>", 1);
	point_call(tr, &(struct rec_point){ .seq = tr->next_seq, .key = key,
	    .family = REC_FAM_END, .path = "<end>", .ordinal = 1,
	    .sc = rec_sysent_end() }, NULL);
}
