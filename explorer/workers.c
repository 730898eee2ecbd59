/*
 * workers.c - the worker processes of one explore and the parent's loop
 * that feeds them.
 *
 * Each worker has one stream socket to the parent: it reads a job index
 * (the plan is in its memory since the fork), runs the experiment and
 * writes back a fixed-size struct wire.  The first job is the fault-free
 * baseline; the other workers meanwhile run one experiment each, whose
 * results wait until the baseline passed (and are dropped if it did
 * not).  What the parent does with a result is explore.c's business
 * (explore_judge_baseline, explore_baseline_passed, explore_take).
 *
 * Stopping: bx_interrupt() (the CLI's SIGINT handler) sets bx_stop; the
 * parent then sends SIGTERM to the workers, whose handler interrupts the
 * tracer (PROG dies, EXITKILL) and whose oracle loop kills the oracle's
 * process group; results that arrive after that are dropped.  If the
 * parent is killed outright, PR_SET_PDEATHSIG delivers the same SIGTERM.
 */
#include "explorer/explorer_int.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct worker {
	pid_t		pid;
	int		fd;		/* parent's end of the socket */
	bool		busy;
	bool		held;		/* result kept until the baseline passed */
	uint32_t	idx;		/* job in flight */
};

int
bx_wire_io(int fd, void *buf, size_t n, bool out)
{
	char *p = buf;

	while (n) {
		ssize_t k = out ? send(fd, p, n, MSG_NOSIGNAL) : read(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return -EPIPE;
		p += k;
		n -= k;
	}
	return 0;
}

static void __attribute__((noreturn))
worker_exit(struct bx_setup *su, int code)
{
	bx_cgroup_close(su->cgroup);
	_exit(code);
}

/*
 * A worker's life: jobs in, outcomes out, until EOF.  Never returns.
 * Its runs happen in a cgroup of its own (contain.c) where there is one.
 */
static void
worker_main(int fd, pid_t parent, const struct bx_setup *setup,
    const struct plan *p, unsigned nth)
{
	static const struct bx_job baseline = { .fault = REC_FAULT_NONE };
	static struct wire w;
	struct bx_setup su = *setup;

	bx_catch_stop_signals();
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	/* worker n on the n-th CPU from the one the scratch disk's I/O ends on */
	su.cpu = bx_run_cpu(bx_scratch_dir(), (int)nth);
	if (bx_cgroup_open(&su.cgroup) < 0)
		su.cgroup = NULL;	/* the fallback: contain.c */
	for (;;) {
		if (bx_wire_io(fd, &w.idx, sizeof(w.idx), false) < 0)
			worker_exit(&su, 0);
		if (w.idx != BASELINE && w.idx != SWEEP && w.idx != CKPT &&
		    w.idx >= p->njobs)
			worker_exit(&su, 1);
		if (w.idx == SWEEP)
			bx_sweep_worker(&su, p, fd, &w);
		else if (w.idx == CKPT)
			bx_ckpt_worker(&su, p, fd, &w);
		else
			div_run_job(&su, p, w.idx == BASELINE ? &baseline :
		    &p->jobs[w.idx], &w.out, &w.dv);
		if (bx_stop)
			w.out.aborted = true;
		if (bx_wire_io(fd, &w, sizeof(w), true) < 0 || bx_stop) {
			/* never to be taken: its directory is ours to remove */
			if (w.out.left_dir[0] && !w.out.left_err)
				bx_tree_remove(w.out.left_dir, NULL);
			worker_exit(&su, 0);
		}
	}
}

static int
workers_start(struct worker *ws, unsigned n, const struct bx_setup *su,
    struct plan *p)
{
	pid_t parent = getpid();
	unsigned i, k;
	int sv[2];

	for (i = 0; i < n; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			return -errno;
		ws[i].pid = fork();
		if (ws[i].pid < 0) {
			close(sv[0]);
			close(sv[1]);
			return -errno;
		}
		if (ws[i].pid == 0) {
			/* keep only our own end: EOF must reach each worker */
			for (k = 0; k < i; k++)
				close(ws[k].fd);
			close(sv[0]);
			worker_main(sv[1], parent, su, p, i);
		}
		close(sv[1]);
		ws[i].fd = sv[0];
		ws[i].busy = false;
	}
	return 0;
}

/* Stop every worker still running and reap them all; true if one died. */
static bool
workers_stop(struct worker *ws, unsigned n, bool force)
{
	bool lost = false;
	int st;
	int64_t deadline = bx_now_ns() + 3 * (int64_t)1000000000;
	unsigned i;
	bool left;

	for (i = 0; i < n; i++) {
		if (ws[i].fd >= 0) {
			close(ws[i].fd);	/* EOF: an idle worker leaves */
			ws[i].fd = -1;
		}
		if (force && ws[i].pid > 0)
			kill(ws[i].pid, SIGTERM);
	}
	do {
		left = false;
		for (i = 0; i < n; i++) {
			if (ws[i].pid <= 0)
				continue;
			if (waitpid(ws[i].pid, &st, WNOHANG) == ws[i].pid) {
				ws[i].pid = 0;
				lost |= !WIFEXITED(st) || WEXITSTATUS(st) != 0;
			} else {
				left = true;
			}
		}
		if (left) {
			if (bx_now_ns() > deadline) {
				for (i = 0; i < n; i++)
					if (ws[i].pid > 0)
						kill(ws[i].pid, SIGKILL);
				deadline = INT64_MAX;
			}
			usleep(10000);
		}
	} while (left);
	return lost;
}

/* Where the sweep run (sweep.c) is. */
enum sweep_phase {
	SW_OFF,		/* no power job, or --no-sweep */
	SW_WAIT,	/* for the baseline to pass */
	SW_RUNNING,
	SW_DONE,	/* what it did not judge goes to re-runs */
};

/* What is handed out: each job once, by the sweep, a checkpoint's
 * child (ckpt.c; the same phases) or a re-run. */
struct sched {
	bool		*taken;
	size_t		first;		/* no job before it is left */
	enum sweep_phase sweep;
	enum sweep_phase ckpt;
	bool		passed;
};

/* A job the sweep or the driver may still take: not for a re-run yet. */
static bool
held_back(const struct sched *sc, const struct bx_job *job)
{
	return ((sc->sweep == SW_WAIT || sc->sweep == SW_RUNNING) &&
	    bx_sweep_job(job)) || ((sc->ckpt == SW_WAIT ||
	    sc->ckpt == SW_RUNNING) && bx_ckpt_job(job));
}

/* The next job to hand out, or false. */
static bool
next_job(struct sched *sc, const struct plan *p, uint32_t *idx)
{
	while (sc->first < p->njobs && sc->taken[sc->first])
		sc->first++;
	for (size_t i = sc->first; i < p->njobs; i++) {
		if (sc->taken[i] || held_back(sc, &p->jobs[i]))
			continue;
		sc->taken[i] = true;
		*idx = (uint32_t)i;
		return true;
	}
	return false;
}

/*
 * Give an idle worker its next job: the fault-free run first, then the
 * sweep once the baseline passed, then the plan in order (power jobs
 * after the sweep: those it left).  0, also when there is nothing left;
 * -EPIPE if the worker is gone.
 */
static int
hand_out(struct worker *wk, const struct plan *p, bool *baseline_sent,
    struct sched *sc, unsigned *busy, struct bx_explore_result *res)
{
	uint32_t idx;

	if (wk->busy || wk->held)
		return 0;
	if (!*baseline_sent) {
		idx = BASELINE;
	} else if (sc->passed && sc->sweep == SW_WAIT) {
		idx = SWEEP;
		sc->sweep = SW_RUNNING;
		res->sweep_runs++;
	} else if (sc->passed && sc->ckpt == SW_WAIT) {
		idx = CKPT;
		sc->ckpt = SW_RUNNING;
		res->ckpt_runs++;
	} else if (next_job(sc, p, &idx)) {
		if (sc->sweep != SW_OFF && bx_sweep_job(&p->jobs[idx]))
			res->sweep_left++;
	} else {
		return 0;
	}
	*baseline_sent = true;
	if (bx_wire_io(wk->fd, &idx, sizeof(idx), true) < 0)
		return -EPIPE;
	wk->busy = true;
	wk->idx = idx;
	(*busy)++;
	return 0;
}

/*
 * A wire from the sweep's worker: a power job's result (stored unless a
 * re-run took the job first), or the end of the sweep, whose failure
 * (the recorder refused, a state could not be built) only means that
 * re-runs judge what it left.
 */
static int
sweep_result(struct store *s, struct plan *p, struct sched *sc,
    const struct wire *w, struct bx_explore_result *res,
    struct bx_progress *pr, int64_t t0)
{
	if (w->idx == SWEEP) {
		sc->sweep = SW_DONE;
		res->sweep_points += (uint64_t)w->out.unsynced;
		return 0;
	}
	if (sc->taken[w->idx] || w->out.aborted) {
		explore_drop(p, w);
		return 0;
	}
	sc->taken[w->idx] = true;
	res->swept += w->out.njudged;
	for (unsigned i = 0; i < w->out.njudged; i++)
		res->same_states += w->out.judged[i].same_as != 0;
	return explore_take(s, p, w, res, pr, t0);
}

/* A wire from the driver's worker: a child's result, or the driver's end. */
static int
ckpt_result(struct store *s, struct plan *p, struct sched *sc,
    const struct wire *w, struct bx_explore_result *res,
    struct bx_progress *pr, int64_t t0)
{
	if (w->idx == CKPT) {
		sc->ckpt = SW_DONE;
		for (size_t j = 0; j < p->njobs; j++)
			res->ckpt_left += !sc->taken[j] && bx_ckpt_job(&p->jobs[j]);
		snprintf(res->ckpt_why, sizeof(res->ckpt_why), "%s", w->out.why);
		return 0;
	}
	if (sc->taken[w->idx] || w->out.aborted) {
		explore_drop(p, w);
		return 0;
	}
	sc->taken[w->idx] = true;
	res->ckpt_forked++;
	return explore_take(s, p, w, res, pr, t0);
}

/*
 * Hand out the baseline first, then the jobs.  While the baseline runs,
 * the other workers start one experiment each, whose results are held
 * until it passes (and dropped if it does not): a small explore at -j 2
 * does not wait for the baseline alone.
 */
int
workers_run(struct store *s, const struct bx_setup *su, struct plan *p,
    struct bx_explore_result *res)
{
	const struct bx_explore_opts *opts = p->opts;
	unsigned n = opts->jobs ? opts->jobs : 1;
	bool baseline_sent = false;
	bool passed = false;
	struct worker *ws;
	struct pollfd *pfd;
	struct bx_progress pr;
	struct wire *w;		/* one receive buffer per worker */
	int64_t t0 = bx_now_ns();
	struct sched sc = { .sweep = SW_OFF };
	unsigned busy = 0;
	unsigned i, k;
	int rc = 0;

	if (n > p->njobs + 1)
		n = p->njobs + 1;
	for (size_t j = 0; j < p->njobs && !opts->no_sweep; j++)
		if (bx_sweep_job(&p->jobs[j]))
			sc.sweep = SW_WAIT;
	for (size_t j = 0; j < p->njobs && bx_checkpointing(); j++)
		if (bx_ckpt_job(&p->jobs[j]))
			sc.ckpt = SW_WAIT;
	ws = calloc(n, sizeof(*ws));
	pfd = calloc(n, sizeof(*pfd));
	w = calloc(n, sizeof(*w));
	sc.taken = calloc(p->njobs + 1, sizeof(*sc.taken));
	if (!ws || !pfd || !w || !sc.taken) {
		rc = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < n; i++)
		ws[i].fd = -1;
	memset(&pr, 0, sizeof(pr));

	rc = workers_start(ws, n, su, p);
	if (rc) {
		res->fail = BX_FAIL_WORKER;
		goto out_stop;
	}
	for (;;) {
		/* hand out work to idle workers */
		for (i = 0; i < n && !bx_stop; i++) {
			rc = hand_out(&ws[i], p, &baseline_sent, &sc, &busy, res);
			if (rc) {
				res->fail = BX_FAIL_WORKER;
				goto out_stop;
			}
		}
		if (bx_stop) {
			rc = -EINTR;
			res->fail = BX_FAIL_INTERRUPTED;
			goto out_stop;
		}
		if (busy == 0)
			break;
		for (i = 0; i < n; i++) {
			pfd[i].fd = ws[i].busy ? ws[i].fd : -1;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		if (poll(pfd, n, 100) < 0 && errno != EINTR) {
			rc = -errno;
			res->fail = BX_FAIL_WORKER;
			goto out_stop;
		}
		for (i = 0; i < n; i++) {
			if (!pfd[i].revents || bx_stop)
				continue;
			if (bx_wire_io(ws[i].fd, &w[i], sizeof(w[i]), false) < 0 ||
			    (w[i].idx != ws[i].idx && !(ws[i].idx == SWEEP &&
			    w[i].idx < p->njobs &&
			    bx_sweep_job(&p->jobs[w[i].idx])) &&
			    !(ws[i].idx == CKPT && w[i].idx < p->njobs &&
			    bx_ckpt_job(&p->jobs[w[i].idx])))) {
				rc = bx_stop ? -EINTR : -EPIPE;
				res->fail = bx_stop ? BX_FAIL_INTERRUPTED :
				    BX_FAIL_WORKER;
				goto out_stop;
			}
			if (ws[i].idx == CKPT) {
				rc = ckpt_result(s, p, &sc, &w[i], res, &pr, t0);
				if (rc)
					goto out_stop;
				if (w[i].idx != CKPT)
					continue;
				ws[i].busy = false;
				busy--;
				continue;
			}
			if (ws[i].idx == SWEEP) {
				rc = sweep_result(s, p, &sc, &w[i], res, &pr, t0);
				if (rc)
					goto out_stop;
				if (w[i].idx != SWEEP)
					continue;
				ws[i].busy = false;
				busy--;
				continue;
			}
			ws[i].busy = false;
			busy--;
			if (w[i].idx == BASELINE) {
				rc = explore_judge_baseline(&w[i], p, res);
				if (rc == 0)
					rc = explore_baseline_passed(s, p, res, &pr);
				if (rc)
					goto out_stop;
				passed = true;
				sc.passed = true;
				t0 = bx_now_ns();
				for (k = 0; k < n && rc == 0; k++) {
					if (!ws[k].held)
						continue;
					ws[k].held = false;
					rc = explore_take(s, p, &w[k], res, &pr, t0);
				}
				if (rc)
					goto out_stop;
				continue;
			}
			if (w[i].out.err) {
				rc = w[i].out.err;
				res->fail = w[i].out.fail;
				res->stage = w[i].out.stage;
				snprintf(res->detail, sizeof(res->detail), "%s",
				    w[i].out.why);
				explore_drop(p, &w[i]);
				goto out_stop;
			}
			if (!passed) {
				ws[i].held = true;
				continue;
			}
			/* the worker starts its next run while we commit this one */
			rc = bx_stop ? 0 : hand_out(&ws[i], p, &baseline_sent,
			    &sc, &busy, res);
			if (rc) {
				res->fail = BX_FAIL_WORKER;
				goto out_stop;
			}
			rc = explore_take(s, p, &w[i], res, &pr, t0);
			if (rc)
				goto out_stop;
		}
	}
out_stop:
	p->worker_lost = workers_stop(ws, n, rc != 0);
	/* results held for a baseline that failed, or an interrupt */
	for (i = 0; i < n; i++)
		if (ws[i].held)
			explore_drop(p, &w[i]);
out_free:
	free(sc.taken);
	free(w);
	free(pfd);
	free(ws);
	return rc;
}
