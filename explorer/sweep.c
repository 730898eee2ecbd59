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
 * The states are built inside the callback, the program stopped; they
 * are judged by a judge process (sweep_judge.c) while the program goes
 * on: at most SWEEP_WINDOW states are built and not yet judged (each is
 * a copy of the run directory: the window bounds the space they take),
 * and the callback waits for a judgement when the window is full (the
 * program's timeout does not count that time: recorder/loop.c).  A
 * site's verdicts need only the oracle (the program is "killed" there):
 * a job's result goes to the parent as soon as its last state is
 * judged, and the parent stores it in its own transaction.  The end
 * site's verdicts need the exit status: that result goes after rec_run
 * returns and every state is judged.
 */
#include "explorer/explorer_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/*
 * States built and not yet judged.  Two keep the judge busy while the
 * worker builds the next (the judge runs one oracle at a time).
 */
#define SWEEP_WINDOW	2

/* A job whose states are being judged, with its result. */
struct slot {
	bool		used;
	bool		all_sent;	/* every state of the job is sent */
	unsigned	left;		/* states sent, not yet judged */
	char		stdout_path[PATH_MAX];	/* its BADIO_STDOUT */
	struct wire	w;
};

/* A state sent to the judge: its job and its directory. */
struct flight {
	struct slot	*sl;
	char		dir[PATH_MAX];
};

/* The slots: the window's jobs, the one being built, the end's. */
#define SWEEP_SLOTS	(SWEEP_WINDOW + 2)

struct sweep {
	const struct bx_setup *su;
	const struct plan *p;
	int		fd;		/* to the parent */
	uint32_t	*order;		/* the power jobs, by seq */
	size_t		n, cur;
	struct bx_output *output;
	const char	*dir;		/* the live run directory */
	int64_t		t0;
	unsigned	nstdout;	/* stdout copies made */
	off_t		held_size;	/* of the last one, -1: none */
	unsigned	nstates;	/* state directories made */
	char		*states;	/* where they are made now: mem or disk */
	char		*mem;		/* on a memory file system, or NULL */
	char		*disk;		/* in $TMPDIR, or NULL: not made yet */
	unsigned long long state_bytes;	/* the most a state took in mem */
	struct slot	*slots;		/* SWEEP_SLOTS */
	struct flight	fifo[SWEEP_WINDOW];	/* oldest first */
	unsigned	head, inflight;
	struct slot	*end;		/* the end site's result, held */
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
	(void)aux;	/* removed when rec_run returns: states outlive it */
	sw->t0 = bx_now_ns();
	return 0;
}

/*
 * What PROG printed up to now, as a file of its own in sw->states.
 * Most programs print little and seldom: when nothing came since the
 * last copy, the new one is a hard link to it (no bytes copied; the
 * oracle reads BADIO_STDOUT, as the states of one point share it).  The
 * sweep holds the last copy under a name of its own, "stdout-held", so
 * that it outlives the jobs that used it.
 */
static int
stdout_copy(struct sweep *sw, char *path, size_t size)
{
	char held[PATH_MAX];
	struct stat st;
	int in, out, rc = 0;

	bx_output_sync(sw->output);
	if (snprintf(path, size, "%s/stdout-%u", sw->states, sw->nstdout++) >=
	    (int)size || snprintf(held, sizeof(held), "%s/stdout-held",
	    sw->states) >= (int)sizeof(held))
		return -ENAMETOOLONG;
	in = open(sw->output->path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	if (fstat(in, &st) < 0) {
		rc = -errno;
		close(in);
		return rc;
	}
	if (st.st_size == sw->held_size && link(held, path) == 0) {
		close(in);
		return 0;
	}
	out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0 || bx_file_copy(in, out, st.st_size) < 0)
		rc = -errno;
	if (out >= 0)
		close(out);
	close(in);
	sw->held_size = -1;
	if (rc == 0 && (unlink(held) == 0 || errno == ENOENT) &&
	    link(path, held) == 0)
		sw->held_size = st.st_size;
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

/* The job's states are all judged: its result to the parent, or held. */
static int
job_done(struct sweep *sw, struct slot *sl)
{
	const struct bx_job *job = &sw->p->jobs[sl->w.idx];
	struct bx_outcome *out = &sl->w.out;
	int rc = 0;

	unlink(sl->stdout_path);
	if (out->aborted || bx_stop) {
		if (out->left_dir[0])
			bx_tree_remove(out->left_dir, NULL);
		sl->used = false;
		return -EINTR;
	}
	if (job->family == REC_FAM_END) {
		sw->end = sl;
		return 0;
	}
	classify(job, out);
	rc = bx_wire_io(sw->fd, &sl->w, sizeof(sl->w), true);
	sl->used = false;
	return rc;
}

/* The oldest judgement: into its job, which may be done with it. */
static int
take_judgement(struct sweep *sw)
{
	struct flight *f = &sw->fifo[sw->head];
	struct slot *sl = f->sl;
	struct bx_outcome *out = &sl->w.out;
	struct bx_judged *jd = &out->judged[out->njudged];
	bool aborted = false, kept = false;
	int rc;

	sw->head = (sw->head + 1) % SWEEP_WINDOW;
	sw->inflight--;
	sl->left--;
	rc = bx_judge_recv(&sw->judge, jd, &aborted, &kept);
	/* --keep: the judge left the state; out of sw->states with it */
	if (kept && !bx_state_keep(out, jd->state, f->dir))
		bx_tree_remove(f->dir, NULL);
	out->aborted |= aborted;
	if (rc == 0 && !out->aborted)
		out->njudged++;
	if (rc)
		return rc;
	return sl->left == 0 && sl->all_sent ? job_done(sw, sl) : 0;
}

/* Wait for judgements until at most n states are in flight. */
static int
drain(struct sweep *sw, unsigned n)
{
	int rc = 0;

	while (sw->inflight > n && rc == 0)
		rc = take_judgement(sw);
	return rc;
}

/*
 * Crash states are built on a memory file system while it has room
 * (bx_memory_dir): after one more state as big as the biggest so far
 * (measured by the space each build took), at least half of it and
 * MEM_FREE_MIN must be left free, so that the copies never crowd out
 * the machine's memory or the file system's other users.  When it has
 * not (or a build there fails with ENOSPC), this and every later state
 * go to $TMPDIR.
 */
#define MEM_FREE_MIN	(256ull << 20)

/* Free bytes of the file system of dir, and its size; false: unknown. */
static bool
space_of(const char *dir, unsigned long long *avail, unsigned long long *total)
{
	struct statvfs fs;

	if (statvfs(dir, &fs) < 0)
		return false;
	*avail = (unsigned long long)fs.f_bavail * fs.f_frsize;
	*total = (unsigned long long)fs.f_blocks * fs.f_frsize;
	return true;
}

bool
bx_memory_room(unsigned long long avail, unsigned long long total,
    unsigned long long state_bytes)
{
	unsigned long long left = avail > state_bytes ? avail - state_bytes : 0;

	return left >= MEM_FREE_MIN && left >= total / 2;
}

static bool
memory_has_room(const struct sweep *sw, unsigned long long *avail)
{
	unsigned long long total;

	return space_of(sw->mem, avail, &total) &&
	    bx_memory_room(*avail, total, sw->state_bytes);
}

static int
to_disk(struct sweep *sw)
{
	int rc = 0;

	if (!sw->disk)
		rc = bx_scratch_make("explore", &sw->disk);
	if (rc == 0)
		sw->states = sw->disk;
	return rc;
}

/* A new directory for a state, in f->dir; *avail: the memory's before. */
static int
state_dir(struct sweep *sw, struct flight *f, unsigned long long *avail)
{
	int rc;

	if (sw->states == sw->mem && !memory_has_room(sw, avail) &&
	    (rc = to_disk(sw)) < 0)
		return rc;
	if (snprintf(f->dir, sizeof(f->dir), "%s/s%u", sw->states,
	    sw->nstates++) >= (int)sizeof(f->dir))
		return -ENAMETOOLONG;
	return mkdir(f->dir, 0700) < 0 ? -errno : 0;
}

/* What a state just built in memory took: the biggest so far is kept. */
static void
took(struct sweep *sw, unsigned long long before)
{
	unsigned long long after, total;

	if (space_of(sw->mem, &after, &total) && before > after &&
	    before - after > sw->state_bytes)
		sw->state_bytes = before - after;
}

/* State i of the journal into a new directory f->dir. */
static int
build_state(struct sweep *sw, struct flight *f, const struct rec_journal *j,
    unsigned i)
{
	unsigned long long avail = 0;
	int rc = state_dir(sw, f, &avail);

	if (rc == 0)
		rc = rec_journal_build(j, bx_rec_state_of(i), sw->dir, f->dir);
	if (rc == 0 && sw->states == sw->mem)
		took(sw, avail);
	if (rc == -ENOSPC && sw->states == sw->mem) {
		bx_tree_remove(f->dir, NULL);
		rc = to_disk(sw);
		if (rc == 0)
			rc = build_state(sw, f, j, i);
	}
	return rc;
}

/* Build state i of the job in slot sl and send it to the judge. */
static int
send_state(struct sweep *sw, struct slot *sl, const struct rec_journal *j,
    unsigned i)
{
	struct bx_judged *jd = &sl->w.out.judged[sl->w.out.njudged + sl->left];
	struct flight *f;
	int rc;

	rc = drain(sw, SWEEP_WINDOW - 1);
	if (rc)
		return rc;
	memset(jd, 0, sizeof(*jd));
	jd->verdict = BX_V_COUNT;
	rc = bx_state_name(i, jd->state, sizeof(jd->state));
	if (rc)
		return rc;
	f = &sw->fifo[(sw->head + sw->inflight) % SWEEP_WINDOW];
	f->sl = sl;
	f->dir[0] = '\0';
	rc = build_state(sw, f, j, i);
	if (rc == 0)
		rc = bx_judge_send(&sw->judge, sl->w.idx, jd->state, f->dir,
		    sl->stdout_path, sw->su->keep_dir != NULL);
	if (rc) {
		if (f->dir[0])
			bx_tree_remove(f->dir, NULL);
		return rc;
	}
	sw->inflight++;
	sl->left++;
	return 0;
}

static struct slot *
free_slot(struct sweep *sw)
{
	for (unsigned i = 0; i < SWEEP_SLOTS; i++)
		if (!sw->slots[i].used)
			return &sw->slots[i];
	return NULL;
}

/* Every state of job idx at this point sent; its result follows. */
static int
judge_point(struct sweep *sw, const struct rec_journal *j, uint32_t idx)
{
	const struct bx_job *job = &sw->p->jobs[idx];
	const char *key = NULL;
	struct bx_outcome *out;
	struct slot *sl;
	unsigned k;
	int rc = 0;

	while (!(sl = free_slot(sw)) && sw->inflight && rc == 0)
		rc = take_judgement(sw);
	if (rc || !sl)
		return rc ? rc : -EAGAIN;
	memset(sl, 0, sizeof(*sl));
	sl->used = true;
	sl->w.idx = idx;
	out = &sl->w.out;
	out->fault_bytes = -1;
	out->injected = true;
	out->st = REC_CRASHED;
	out->code = SIGKILL;
	out->duration_ns = bx_now_ns() - sw->t0;
	k = rec_journal_pending(j);
	out->unsynced = k;
	if (rec_journal_last_sync(j, &key) && key)
		snprintf(out->last_sync, sizeof(out->last_sync), "%s", key);
	rc = stdout_copy(sw, sl->stdout_path, sizeof(sl->stdout_path));
	if (rc) {
		sl->used = false;
		return rc;
	}
	out->prog = *sw->output->tail;
	for (unsigned i = 0; i < BX_STATES_MAX && rc == 0 && !bx_stop; i++) {
		if (!(job->states & ((uint64_t)1 << i)))
			continue;
		if (i >= 2 && i < BX_STATE_ZERO && i - 1 > k)
			continue;	/* prefix:N for N > k: no such state */
		rc = send_state(sw, sl, j, i);
	}
	if (rc || bx_stop)
		return rc ? rc : -EINTR;	/* the slot waits for the drain */
	sl->all_sent = true;
	return sl->left == 0 ? job_done(sw, sl) : 0;
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

/*
 * After the run: every state in flight judged (a failure stops the
 * judging: those jobs go to re-runs), the end site's result sent with
 * the exit status, and what is left of jobs not done dropped.
 */
static int
sweep_finish(struct sweep *sw, const struct rec_result *rr,
    const struct bx_outcome *run, int rc)
{
	int rc2 = drain(sw, 0);

	if (rc == 0)
		rc = rc2;
	if (rc == 0 && sw->end && !bx_stop && rr->status != REC_INTERRUPTED) {
		struct bx_outcome *out = &sw->end->w.out;

		out->st = rr->status;
		out->code = rr->code;
		out->duration_ns = rr->duration_ns;
		out->prog = run->prog;
		classify(&sw->p->jobs[sw->end->w.idx], out);
		rc = bx_wire_io(sw->fd, &sw->end->w, sizeof(sw->end->w), true);
		sw->end->used = false;
	}
	for (unsigned i = 0; i < SWEEP_SLOTS; i++) {
		struct slot *sl = &sw->slots[i];

		if (!sl->used)
			continue;
		unlink(sl->stdout_path);
		if (sl->w.out.left_dir[0])
			bx_tree_remove(sl->w.out.left_dir, NULL);
	}
	return rc;
}

/* The first place for states: memory if there is one, else $TMPDIR. */
static int
states_dir(struct sweep *sw)
{
	const char *mem = bx_memory_dir();

	if (mem && bx_scratch_make_in(mem, "explore", &sw->mem) == 0) {
		sw->states = sw->mem;
		return 0;
	}
	return to_disk(sw);
}

static void
sweep_free(struct sweep *sw)
{
	if (sw->mem) {
		bx_tree_remove(sw->mem, NULL);
		free(sw->mem);
	}
	if (sw->disk) {
		bx_tree_remove(sw->disk, NULL);
		free(sw->disk);
	}
	free(sw->slots);
	free(sw->keys);
	free(sw->order);
	free(sw);
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
	    !(sw->keys = calloc(p->nsites + 1, sizeof(*sw->keys))) ||
	    !(sw->slots = calloc(SWEEP_SLOTS, sizeof(*sw->slots)))) {
		if (sw)
			sweep_free(sw);
		w->out.err = -ENOMEM;
		return;
	}
	sw->su = su;
	sw->p = p;
	sw->fd = fd;
	sw->judge.fd = sw->judge.pidfd = -1;
	sw->held_size = -1;
	for (size_t i = 0; i < p->njobs; i++)
		if (bx_sweep_job(&p->jobs[i]))
			sw->order[sw->n++] = (uint32_t)i;
	for (size_t i = 0; i < p->nsites; i++)
		sw->keys[i] = &p->sites[i];
	if (p->nsites)
		qsort(sw->keys, p->nsites, sizeof(*sw->keys), by_key);
	sort_plan = p;
	if (sw->n)
		qsort(sw->order, sw->n, sizeof(*sw->order), by_seq);
	hook.ctx = sw;
	memset(&rr, 0, sizeof(rr));
	rc = states_dir(sw);
	if (rc == 0)
		rc = bx_judge_start(su, p, &sw->judge);
	if (rc == 0)
		rc = bx_experiment_sweep(su, &none, on_site, sw, &hook, &w->out);
	if (sw->judge.fd >= 0)
		rc = sweep_finish(sw, &rr, &w->out, rc);
	bx_judge_stop(&sw->judge);
	w->out.err = rc;
	w->out.unsynced = (int64_t)rr.sweep_points;
	sweep_free(sw);
}
