/*
 * sweep.c - power experiments from one run (issue 9, "One run, every
 * crash point"; docs/explore.md, "Power loss").
 *
 * One worker runs PROG once with rec_opts.sweep_cb (recorder/sweep.c).
 * The plan's power jobs, in seq order, are matched to the run's points
 * with one cursor: a job is judged at the point that has its recorded
 * seq and replay key; from the first point that does not (the run
 * diverged: other calls, another interleaving of threads) the jobs left
 * go to re-runs (workers.c hands them out after the sweep), which check
 * divergence as ever, so none is lost or judged on another state.  At a
 * matched point, with the program stopped, each state is built from the
 * live run directory into a scratch directory of its own (same file
 * system, outside the run directory) and judged there with the oracle
 * environment of a re-run (bx_experiment_oracle; BADIO_STDOUT a copy of
 * what the program printed so far), then removed (or kept: --keep).
 * The oracles run inside the callback, the program waiting (its timeout
 * does not count that time: recorder/loop.c).  A site's verdicts need
 * only the oracle (the program is "killed" there): each job's result
 * goes to the parent at once, which stores it in its own transaction.
 * The end site's verdicts need the exit status: that result goes after
 * rec_run returns.
 */
#include "explorer/explorer_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct sweep {
	const struct bx_setup *su;
	const struct plan *p;
	int		fd;		/* to the parent */
	uint32_t	*order;		/* the power jobs, by seq */
	size_t		n, cur;
	struct bx_output *output;
	const char	*dir;		/* the live run directory */
	const char	*aux;
	int64_t		t0;
	unsigned	nstdout;	/* stdout copies made */
	struct wire	w;		/* a site's result, being sent */
	struct wire	end;		/* the end site's, held */
	bool		end_held;
	bool		diverged;	/* no job is judged any more */
	const struct site_row **keys;	/* the recorded sites, by key */
	struct bx_judge	judge;		/* who runs the oracles */
};

bool
bx_sweep_job(const struct bx_job *job)
{
	return job->fault == REC_FAULT_POWER && job->states != 0;
}

static const struct plan *sort_plan;

static int
by_seq(const void *a, const void *b)
{
	int64_t x = sort_plan->jobs[*(const uint32_t *)a].seq;
	int64_t y = sort_plan->jobs[*(const uint32_t *)b].seq;

	return x < y ? -1 : x > y;
}

static int
by_key(const void *a, const void *b)
{
	return strcmp((*(const struct site_row *const *)a)->key,
	    (*(const struct site_row *const *)b)->key);
}

/*
 * Every site the run reports: one the recording does not have under
 * its key, seq and count (an extra call, one made otherwise) means the
 * states from here on are not a re-run's.  A site is reported after its
 * call, so the check is one call late at worst: the point of the call
 * itself comes before it ran.  (Names the run created are mapped to the
 * recording's in creation order, recorder/namemap.c, so a call on a new
 * name can show up under a recorded key: that one this check sees only
 * where seq or count differ.)
 */
static int
on_site(void *ctx, const struct rec_site *site)
{
	struct sweep *sw = ctx;
	struct site_row want = { .key = (char *)site->key };
	const struct site_row *wp = &want, **hit;

	if (sw->diverged || !site->key)
		return 0;
	hit = bsearch(&wp, sw->keys, sw->p->nsites, sizeof(*sw->keys), by_key);
	if (!hit || (*hit)->job.seq != (int64_t)site->seq ||
	    (*hit)->count != site->count)
		sw->diverged = true;
	return 0;
}

static int
started(void *ctx, struct bx_output *o, const char *dir, const char *aux)
{
	struct sweep *sw = ctx;

	sw->output = o;
	sw->dir = dir;
	sw->aux = aux;
	sw->t0 = bx_now_ns();
	return 0;
}

/* What PROG printed up to now, as a file of its own in aux. */
static int
stdout_copy(struct sweep *sw, char *path, size_t size)
{
	struct stat st;
	int in, out, rc = 0;

	bx_output_sync(sw->output);
	if (snprintf(path, size, "%s/stdout-%u", sw->aux, sw->nstdout++) >=
	    (int)size)
		return -ENAMETOOLONG;
	in = open(sw->output->path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0 || fstat(in, &st) < 0 ||
	    bx_file_copy(in, out, st.st_size) < 0)
		rc = -errno;
	if (out >= 0)
		close(out);
	close(in);
	return rc;
}

/* Build state i into a scratch directory and judge it into *jd. */
static int
judge_state(struct sweep *sw, const struct bx_job *job,
    const struct rec_journal *j, unsigned i, const char *stdout_path,
    struct bx_outcome *out, struct bx_judged *jd)
{
	char *d = NULL;
	int rc;

	memset(jd, 0, sizeof(*jd));
	jd->verdict = BX_V_COUNT;
	rc = bx_state_name(i, jd->state, sizeof(jd->state));
	if (rc == 0)
		rc = bx_scratch_make("explore", &d);
	if (rc)
		return rc;
	rc = rec_journal_build(j, bx_rec_state_of(i), sw->dir, d);
	if (rc == 0) {
		bool aborted = false;

		rc = bx_judge_state(&sw->judge, (uint32_t)(job - sw->p->jobs),
		    jd->state, d, stdout_path, jd, &aborted);
		out->aborted |= aborted;
	}
	/* --keep: the first damaged state, as power.c keeps it */
	if (rc == 0 && sw->su->keep_dir && !out->left_dir[0] &&
	    !out->aborted && bx_oracle_judged(&jd->oracle) &&
	    jd->oracle.code != 0 && snprintf(out->left_dir,
	    sizeof(out->left_dir), "%s", d) < (int)sizeof(out->left_dir)) {
		snprintf(out->kept_state, sizeof(out->kept_state), "%s",
		    jd->state);
		free(d);
		return 0;
	}
	if (bx_tree_remove(d, NULL) < 0 && rc == 0)
		rc = -EBUSY;
	free(d);
	return rc;
}

static void
classify(const struct bx_job *job, struct bx_outcome *out)
{
	for (unsigned i = 0; i < out->njudged; i++) {
		out->judged[i].verdict = bx_verdict_classify(job->fault, true,
		    out->st, out->code, &out->judged[i].oracle);
		if (out->judged[i].verdict == BX_V_COUNT)
			out->aborted = true;
	}
	out->verdict = out->njudged ? out->judged[0].verdict : BX_V_UNREACHED;
}

/* Every state of job idx at this point; its result sent or held. */
static int
judge_point(struct sweep *sw, const struct rec_journal *j, uint32_t idx)
{
	const struct bx_job *job = &sw->p->jobs[idx];
	bool end = job->family == REC_FAM_END;
	struct wire *w = end ? &sw->end : &sw->w;
	struct bx_outcome *out = &w->out;
	char stdout_path[PATH_MAX];
	const char *key = NULL;
	unsigned k;
	int rc;

	memset(w, 0, sizeof(*w));
	w->idx = idx;
	out->fault_bytes = -1;
	out->injected = true;
	out->st = REC_CRASHED;
	out->code = SIGKILL;
	out->duration_ns = bx_now_ns() - sw->t0;
	k = rec_journal_pending(j);
	out->unsynced = k;
	if (rec_journal_last_sync(j, &key) && key)
		snprintf(out->last_sync, sizeof(out->last_sync), "%s", key);
	rc = stdout_copy(sw, stdout_path, sizeof(stdout_path));
	if (rc)
		return rc;
	out->prog = *sw->output->tail;
	for (unsigned i = 0; i < BX_STATES_MAX && rc == 0 && !bx_stop; i++) {
		if (!(job->states & ((uint64_t)1 << i)))
			continue;
		if (i >= 2 && i < BX_STATE_ZERO && i - 1 > k)
			continue;	/* prefix:N for N > k: no such state */
		rc = judge_state(sw, job, j, i, stdout_path, out,
		    &out->judged[out->njudged]);
		if (rc == 0 && !out->aborted)
			out->njudged++;
	}
	unlink(stdout_path);
	if (rc)
		return rc;
	if (bx_stop || out->aborted)
		return -EINTR;
	if (end) {
		sw->end_held = true;
		return 0;
	}
	classify(job, out);
	return bx_wire_io(sw->fd, w, sizeof(*w), true);
}

/*
 * A job is judged at the point with its recorded seq and key.  Its key
 * at another seq, another key at its seq, or its seq passed: the run
 * went otherwise than recorded (the states would not be the re-run's),
 * and this job and every later one are left to re-runs.
 */
static int
on_point(void *ctx, const struct rec_journal *j, const struct rec_point *pt)
{
	struct sweep *sw = ctx;
	const struct bx_job *job;
	char key[PATH_MAX + 32];
	bool same;

	if (bx_stop)
		return -EINTR;
	if (sw->diverged || sw->cur >= sw->n)
		return 0;
	job = &sw->p->jobs[sw->order[sw->cur]];
	same = rec_key_format(key, sizeof(key), job->family, job->key_path,
	    job->ordinal) >= 0 && strcmp(key, pt->key) == 0;
	if ((int64_t)pt->seq < job->seq && !same)
		return 0;
	if ((int64_t)pt->seq != job->seq || !same) {
		sw->diverged = true;
		return 0;
	}
	return judge_point(sw, j, sw->order[sw->cur++]);
}

void
bx_sweep_worker(const struct bx_setup *su, const struct plan *p, int fd,
    struct wire *w)
{
	static const struct bx_job none = { .fault = REC_FAULT_NONE };
	struct sweep *sw = calloc(1, sizeof(*sw));
	struct rec_result rr;
	struct bx_sweep_hook hook = { .cb = on_point, .started = started,
	    .rr = &rr };
	int rc;

	memset(w, 0, sizeof(*w));
	w->idx = SWEEP;
	if (!sw || !(sw->order = calloc(p->njobs + 1, sizeof(*sw->order))) ||
	    !(sw->keys = calloc(p->nsites + 1, sizeof(*sw->keys)))) {
		if (sw)
			free(sw->order);
		free(sw);
		w->out.err = -ENOMEM;
		return;
	}
	sw->su = su;
	sw->p = p;
	sw->fd = fd;
	for (size_t i = 0; i < p->njobs; i++)
		if (bx_sweep_job(&p->jobs[i]))
			sw->order[sw->n++] = (uint32_t)i;
	for (size_t i = 0; i < p->nsites; i++)
		sw->keys[i] = &p->sites[i];
	qsort(sw->keys, p->nsites, sizeof(*sw->keys), by_key);
	sort_plan = p;
	qsort(sw->order, sw->n, sizeof(*sw->order), by_seq);
	hook.ctx = sw;
	memset(&rr, 0, sizeof(rr));
	rc = bx_judge_start(su, p, &sw->judge);
	if (rc == 0)
		rc = bx_experiment_sweep(su, &none, on_site, sw, &hook, &w->out);
	bx_judge_stop(&sw->judge);
	if (rc == 0 && sw->end_held && !bx_stop &&
	    rr.status != REC_INTERRUPTED) {
		struct bx_outcome *out = &sw->end.out;

		out->st = rr.status;
		out->code = rr.code;
		out->duration_ns = rr.duration_ns;
		out->prog = w->out.prog;
		classify(&p->jobs[sw->end.idx], out);
		rc = bx_wire_io(fd, &sw->end, sizeof(sw->end), true);
	} else if (sw->end_held && sw->end.out.left_dir[0]) {
		bx_tree_remove(sw->end.out.left_dir, NULL);
	}
	w->out.err = rc;
	w->out.unsynced = (int64_t)rr.sweep_points;
	free(sw->keys);
	free(sw->order);
	free(sw);
}
