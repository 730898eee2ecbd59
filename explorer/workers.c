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

static int
io_full(int fd, void *buf, size_t n, bool out)
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

static void
worker_signal(int sig)
{
	(void)sig;
	bx_interrupt();
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
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = worker_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	/* worker n on the n-th CPU from the one the scratch disk's I/O ends on */
	su.cpu = bx_run_cpu(bx_scratch_dir(), (int)nth);
	if (bx_cgroup_open(&su.cgroup) < 0)
		su.cgroup = NULL;	/* the fallback: contain.c */
	for (;;) {
		if (io_full(fd, &w.idx, sizeof(w.idx), false) < 0)
			worker_exit(&su, 0);
		if (w.idx != BASELINE && w.idx >= p->njobs)
			worker_exit(&su, 1);
		div_run_job(&su, p, w.idx == BASELINE ? &baseline :
		    &p->jobs[w.idx], &w.out, &w.dv);
		if (bx_stop)
			w.out.aborted = true;
		if (io_full(fd, &w, sizeof(w), true) < 0 || bx_stop) {
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

/*
 * Give an idle worker its next job: the fault-free run first, then the
 * plan in order.  0, also when there is nothing left; -EPIPE if the
 * worker is gone.
 */
static int
hand_out(struct worker *wk, const struct plan *p, bool *baseline_sent,
    size_t *next, unsigned *busy)
{
	uint32_t idx;

	if (wk->busy || wk->held)
		return 0;
	if (!*baseline_sent)
		idx = BASELINE;
	else if (*next < p->njobs)
		idx = (uint32_t)(*next)++;
	else
		return 0;
	*baseline_sent = true;
	if (io_full(wk->fd, &idx, sizeof(idx), true) < 0)
		return -EPIPE;
	wk->busy = true;
	wk->idx = idx;
	(*busy)++;
	return 0;
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
	size_t next = 0;
	unsigned busy = 0;
	unsigned i, k;
	int rc = 0;

	if (n > p->njobs + 1)
		n = p->njobs + 1;
	ws = calloc(n, sizeof(*ws));
	pfd = calloc(n, sizeof(*pfd));
	w = calloc(n, sizeof(*w));
	if (!ws || !pfd || !w) {
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
			rc = hand_out(&ws[i], p, &baseline_sent, &next, &busy);
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
			if (io_full(ws[i].fd, &w[i], sizeof(w[i]), false) < 0 ||
			    w[i].idx != ws[i].idx) {
				rc = bx_stop ? -EINTR : -EPIPE;
				res->fail = bx_stop ? BX_FAIL_INTERRUPTED :
				    BX_FAIL_WORKER;
				goto out_stop;
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
			    &next, &busy);
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
	free(w);
	free(pfd);
	free(ws);
	return rc;
}
