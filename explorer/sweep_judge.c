/*
 * sweep_judge.c - the sweep's oracle runner (sweep.c).
 *
 * The sweep's oracles cannot run in the worker that traces PROG: an
 * oracle run kills and reaps every child of its runner (bx_reaper_stop)
 * and everything in its cgroup, which is where PROG is, and the tracer's
 * waitpid(-1) must see no child but PROG's.  So the worker starts a
 * judge before rec_run, detached by a double fork (not its child), in a
 * cgroup of its own; the sweep callback sends it one state at a time
 * (job, state, directory, stdout file) and waits for the judgement.
 * The judge leaves at EOF of its socket; SIGTERM (sent by the worker
 * when it is interrupted) kills its oracle as a worker's does.
 *
 * Requests are judged one at a time, in the order sent, and answered in
 * that order: the worker sends a state and lets the program go on while
 * the judge works (sweep.c keeps a window of states in flight).  The
 * judge removes each state directory once judged, but under --keep the
 * first damaged state of each job, which it leaves for the worker to
 * hand on (rep.kept).
 */
#include "explorer/explorer_int.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct judge_req {
	uint32_t	idx;
	bool		keep;		/* --keep: may leave a damaged state */
	char		state[BX_STATE_NAME_MAX];
	char		dir[PATH_MAX];
	char		stdout_path[PATH_MAX];
};

struct judge_rep {
	int		rc;
	bool		aborted;
	bool		kept;		/* the directory is left (--keep) */
	struct bx_judged jd;
};

/*
 * --judge-once: judgements by the digest of what the oracle saw
 * (state_digest.c).  Consecutive crash points mostly leave the state of
 * the one before, and a program that goes back to an earlier state
 * (a temporary file made and removed) finds it here too; a slot taken
 * by another digest is overwritten.  Only a judgement the oracle made
 * (it exited, with a code that judges) is remembered: a timeout or a
 * signal may not come again.
 */
#define SEEN_SLOTS	256

struct seen {
	bool		used;
	struct bx_digest key;
	int64_t		site;		/* the site the oracle judged it for */
	struct bx_oracle_result oracle;
	struct bx_tail	oracle_out;
};

static struct seen seen[SEEN_SLOTS];

static bool
digest_of(const struct judge_req *rq, const struct bx_job *job,
    struct bx_digest *key)
{
	const struct bx_fault *f = bx_fault_by_code(job->fault);
	struct bx_state_seen what = {
		.fault = f ? f->name : "",
		.state = rq->state,
		.status = bx_state_status(job),
		.stdout_path = rq->stdout_path,
		.dir = rq->dir,
	};

	return bx_state_digest(&what, key) == 0;
}

static struct seen *
seen_slot(const struct bx_digest *key)
{
	return &seen[key->lo % SEEN_SLOTS];
}

/* The judgement of a state seen before, into rp; false if none. */
static bool
seen_before(const struct bx_digest *key, struct judge_rep *rp)
{
	const struct seen *sn = seen_slot(key);

	if (!sn->used || sn->key.lo != key->lo || sn->key.hi != key->hi)
		return false;
	rp->jd.oracle = sn->oracle;
	rp->jd.oracle_out = sn->oracle_out;
	rp->jd.same_as = sn->site;
	return true;
}

static void
remember(const struct bx_digest *key, const struct bx_job *job,
    const struct judge_rep *rp)
{
	struct seen *sn = seen_slot(key);

	if (rp->rc != 0 || rp->aborted || !bx_oracle_judged(&rp->jd.oracle))
		return;
	sn->used = true;
	sn->key = *key;
	sn->site = job->site_id;
	sn->oracle = rp->jd.oracle;
	sn->oracle_out = rp->jd.oracle_out;
}

/* Judge the state of rq: the oracle, or what it said of the same state. */
static void
judge(const struct bx_setup *su, const struct bx_job *job,
    const struct judge_req *rq, struct judge_rep *rp)
{
	static struct bx_outcome out;
	struct bx_digest key;
	bool keyed;

	memset(&out, 0, sizeof(out));
	keyed = su->judge_once && digest_of(rq, job, &key);
	if (keyed && seen_before(&key, rp))
		return;
	rp->rc = bx_experiment_oracle(su, job, rq->dir, rq->state,
	    rq->stdout_path, &out, &rp->jd.oracle, &rp->jd.oracle_out);
	rp->aborted = out.aborted || bx_stop;
	if (keyed)
		remember(&key, job, rp);
}

/* The first damaged state of each job is kept; states come in order. */
static bool
keep_state(const struct judge_req *rq, const struct judge_rep *rp,
    uint32_t *kept_idx)
{
	if (!rq->keep || rp->rc != 0 || rp->aborted ||
	    !bx_oracle_judged(&rp->jd.oracle) || rp->jd.oracle.code == 0 ||
	    *kept_idx == rq->idx)
		return false;
	*kept_idx = rq->idx;
	return true;
}

static void __attribute__((noreturn))
judge_main(int fd, const struct bx_setup *setup, const struct plan *p)
{
	static struct judge_req rq;
	static struct judge_rep rp;
	struct bx_setup su = *setup;
	uint32_t kept_idx = UINT32_MAX;

	bx_catch_stop_signals();
	if (bx_cgroup_open(&su.cgroup) < 0)
		su.cgroup = NULL;
	while (bx_wire_io(fd, &rq, sizeof(rq), false) == 0 &&
	    rq.idx < p->njobs) {
		memset(&rp, 0, sizeof(rp));
		rq.state[sizeof(rq.state) - 1] = '\0';
		rq.dir[sizeof(rq.dir) - 1] = '\0';
		rq.stdout_path[sizeof(rq.stdout_path) - 1] = '\0';
		memcpy(rp.jd.state, rq.state, sizeof(rp.jd.state));
		judge(&su, &p->jobs[rq.idx], &rq, &rp);
		rp.kept = keep_state(&rq, &rp, &kept_idx);
		if (!rp.kept && bx_tree_remove(rq.dir, NULL) < 0 && rp.rc == 0)
			rp.rc = -EBUSY;
		if (bx_wire_io(fd, &rp, sizeof(rp), true) < 0)
			break;
	}
	bx_cgroup_close(su.cgroup);
	_exit(0);
}

/*
 * Off the CPU the program is pinned to, when there is another: an
 * oracle there preempts the tracer's stop-and-go with the program.
 */
static void
away_from(int cpu)
{
	cpu_set_t set;

	if (cpu < 0 || sched_getaffinity(0, sizeof(set), &set) < 0 ||
	    !CPU_ISSET(cpu, &set) || CPU_COUNT(&set) < 2)
		return;
	CPU_CLR(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

int
bx_judge_start(const struct bx_setup *su, const struct plan *p,
    struct bx_judge *jg)
{
	int sv[2], st;
	pid_t mid;

	jg->fd = jg->pidfd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	mid = fork();
	if (mid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (mid == 0) {
		pid_t pid;

		close(sv[0]);
		pid = fork();
		if (pid == 0) {
			away_from(su->cpu);
			judge_main(sv[1], su, p);
		}
		_exit(pid < 0 || write(sv[1], &pid, sizeof(pid)) !=
		    sizeof(pid));
	}
	close(sv[1]);
	while (waitpid(mid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 ||
	    bx_wire_io(sv[0], &jg->pid, sizeof(jg->pid), false) < 0) {
		close(sv[0]);
		return -ECHILD;
	}
	jg->fd = sv[0];
	jg->pidfd = (int)syscall(SYS_pidfd_open, jg->pid, 0);
	return 0;
}

/* Send the state at dir (of job idx) to be judged; the answer comes
 * with bx_judge_recv, in the order sent. */
int
bx_judge_send(struct bx_judge *jg, uint32_t idx, const char *state,
    const char *dir, const char *stdout_path, bool keep)
{
	static struct judge_req rq;

	memset(&rq, 0, sizeof(rq));
	rq.idx = idx;
	rq.keep = keep;
	snprintf(rq.state, sizeof(rq.state), "%s", state);
	if (snprintf(rq.dir, sizeof(rq.dir), "%s", dir) >= (int)sizeof(rq.dir) ||
	    snprintf(rq.stdout_path, sizeof(rq.stdout_path), "%s",
	    stdout_path) >= (int)sizeof(rq.stdout_path))
		return -ENAMETOOLONG;
	return bx_wire_io(jg->fd, &rq, sizeof(rq), true);
}

/* The judgement of the oldest state sent, into *jd. */
int
bx_judge_recv(struct bx_judge *jg, struct bx_judged *jd, bool *aborted,
    bool *kept)
{
	static struct judge_rep rp;
	struct pollfd pf = { .fd = jg->fd, .events = POLLIN };
	bool told = false;
	int rc;

	/* an interrupt reaches the judge's oracle too */
	while (poll(&pf, 1, 100) <= 0)
		if (bx_stop && !told) {
			kill(jg->pid, SIGTERM);
			told = true;
		}
	rc = bx_wire_io(jg->fd, &rp, sizeof(rp), false);
	if (rc)
		return rc;
	*jd = rp.jd;
	*aborted = rp.aborted;
	*kept = rp.kept;
	return rp.rc;
}

/* EOF: the judge leaves; wait for it (3 s, then SIGKILL). */
void
bx_judge_stop(struct bx_judge *jg)
{
	struct pollfd pf = { .fd = jg->pidfd, .events = POLLIN };

	if (jg->fd >= 0)
		close(jg->fd);
	jg->fd = -1;
	if (jg->pidfd < 0)
		return;
	if (bx_stop)
		kill(jg->pid, SIGTERM);
	if (poll(&pf, 1, 3000) <= 0) {
		kill(jg->pid, SIGKILL);
		poll(&pf, 1, 3000);
	}
	close(jg->pidfd);
	jg->pidfd = -1;
}
