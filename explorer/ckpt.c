/*
 * ckpt.c - checkpointed experiments (BADIO_CHECKPOINT=1; issue 11 goal
 * 3, docs/design.md "Checkpointing").
 *
 * One worker runs PROG once without a fault, as a *driver*, with
 * rec_opts.fork_cb.  The plan's jobs a child can run (bx_ckpt_job), in
 * seq order, are matched to the driver's sites with one cursor: at the
 * seccomp stop of a site with a job's recorded seq and replay key, the
 * recorder forks one child per job there (recorder/checkpoint.c).  Each
 * child gets a copy of the run directory made here (the program is
 * stopped) and an aux directory with what the driver printed so far
 * (its stdout and stderr are pipes of its own, made in it); in the copy of this worker that
 * traces it (REC_FORK_CHILD) the job becomes the run's and
 * bx_experiment_sweep goes on as that job's re-run: oracle, verdict,
 * divergence check over the driver's sites before the fork and the
 * child's own, a wire to the parent, _exit.  The driver waits for a
 * child only when -j of them run already: it goes on meanwhile (each
 * child's files are its own), the children on the CPUs after the
 * driver's; their wires share the worker's socket under a lock.
 *
 * From the first site of the driver's that the recording does not have
 * under its key, seq and count, nothing is forked; where the recorder
 * says a fork cannot be exact (REC_FORK_FALLBACK), those jobs are not
 * done either: the parent hands every job no child sent a result for
 * to ordinary re-runs once the driver is done (workers.c).
 */
#include "explorer/explorer_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The children at once: -j, at most this. */
#define BX_CKPT_SLOTS	64

/* One child: its job, its directories (PREPARE .. PARENT). */
struct kid {
	uint32_t	idx;
	char		*dir, *aux;
};

struct ckpt {
	const struct plan *p;
	struct bx_setup	su;		/* the children's: no cgroup */
	int		fd;		/* to the parent */
	struct wire	*w;
	uint32_t	*order;		/* the jobs, by seq */
	size_t		n, cur;
	size_t		first;		/* ASK: the point's first job in order */
	const struct site_row **keys;	/* the recorded sites, by key */
	bool		diverged;
	struct bx_job	job;		/* the run's: NONE, or a child's */
	struct bx_sweep_hook hook;
	struct kid	*kid;		/* in a child's tracer: its own */
	bool		child;
	pthread_mutex_t	*send_lock;	/* shared by the children's tracers */
	int		cpus[BX_CKPT_SLOTS];	/* CPU of each slot, -1 */
	uint64_t	forked, fallbacks;
	char		why[128];	/* the first fallback's */
};

bool
bx_ckpt_job(const struct bx_job *job)
{
	switch (job->fault) {
	case REC_FAULT_SHORT:
	case REC_FAULT_TORN:
	case REC_FAULT_EIO:
	case REC_FAULT_ENOSPC:
	case REC_FAULT_CRASH:
	case REC_FAULT_EIO_DEV:
	case REC_FAULT_ENOSPC_DEV:
		return job->family != REC_FAM_END;
	default:
		return false;
	}
}

bool
bx_checkpointing(void)
{
	const char *v = getenv("BADIO_CHECKPOINT");

	return v && *v && strcmp(v, "0") != 0;
}

static const struct plan *sort_plan;

static int
by_seq(const void *a, const void *b)
{
	const struct bx_job *x = &sort_plan->jobs[*(const uint32_t *)a];
	const struct bx_job *y = &sort_plan->jobs[*(const uint32_t *)b];

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

static int
by_key(const void *a, const void *b)
{
	return strcmp((*(const struct site_row *const *)a)->key,
	    (*(const struct site_row *const *)b)->key);
}

/* Every site of the driver: one the recording does not have ends forking. */
static int
on_site(void *ctx, const struct rec_site *site)
{
	struct ckpt *ck = ctx;
	struct site_row want = { .key = (char *)site->key };
	const struct site_row *wp = &want, **hit;

	if (ck->child || ck->diverged || !site->key ||
	    site->sc->family == REC_FAM_END)
		return 0;
	hit = bsearch(&wp, ck->keys, ck->p->nsites, sizeof(*ck->keys), by_key);
	if (!hit || (*hit)->job.seq != (int64_t)site->seq ||
	    (*hit)->count != site->count)
		ck->diverged = true;
	return 0;
}

static bool
job_at(const struct bx_job *j, const struct rec_point *pt)
{
	return j->family == pt->family && j->ordinal == pt->ordinal &&
	    j->key_path && strcmp(j->key_path, pt->path) == 0;
}

/* How many jobs at this point; 0 after a divergence. */
static int
ask(struct ckpt *ck, const struct rec_point *pt)
{
	const struct plan *p = ck->p;
	size_t k;

	if (ck->diverged || bx_stop)
		return 0;
	while (ck->cur < ck->n &&
	    p->jobs[ck->order[ck->cur]].seq < (int64_t)pt->seq)
		ck->cur++;
	ck->first = ck->cur;
	for (k = ck->cur; k < ck->n &&
	    p->jobs[ck->order[k]].seq == (int64_t)pt->seq; k++) {
		if (!job_at(&p->jobs[ck->order[k]], pt)) {
			ck->diverged = true;
			return 0;
		}
	}
	ck->cur = k;
	return (int)(k - ck->first);
}

static void
kid_drop(struct kid *kd, bool remove)
{
	if (!kd)
		return;
	if (remove && kd->dir)
		bx_tree_remove(kd->dir, NULL);
	if (remove && kd->aux)
		bx_tree_remove(kd->aux, NULL);
	free(kd->dir);
	free(kd->aux);
	free(kd);
}

/* What the driver printed so far, as the child's aux/stdout. */
static int
stdout_copy(struct bx_output *o, const char *aux)
{
	char path[PATH_MAX];
	struct stat st;
	int in, out, rc = 0;

	bx_output_sync(o);
	if (snprintf(path, sizeof(path), "%s/stdout", aux) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	in = open(o->path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0 || fstat(in, &st) < 0 || bx_file_copy(in, out, st.st_size) < 0)
		rc = -errno;
	if (out >= 0)
		close(out);
	close(in);
	return rc;
}

/* The program is stopped at pt: the child's directories. */
static int
prepare(struct ckpt *ck, struct rec_fork *f)
{
	const struct bx_job *job;
	struct kid *kd = calloc(1, sizeof(*kd));
	int rc;

	if (!kd)
		return -ENOMEM;
	kd->idx = ck->order[ck->first + f->i];
	job = &ck->p->jobs[kd->idx];
	rc = bx_scratch_make("explore", &kd->dir);
	if (rc == 0 && rmdir(kd->dir) < 0)
		rc = -errno;
	if (rc == 0)
		rc = bx_tree_copy(*ck->hook.dirp, kd->dir, NULL);
	if (rc == 0)
		rc = bx_scratch_make("aux", &kd->aux);
	if (rc == 0)
		rc = stdout_copy(ck->hook.output, kd->aux);
	if (rc) {
		kid_drop(kd, true);
		return rc;
	}
	f->priv = kd;
	f->dir = kd->dir;
	f->cpu = f->slot < BX_CKPT_SLOTS ? ck->cpus[f->slot] : -1;
	f->target = (struct rec_target){ .fault = job->fault,
	    .family = job->family, .path = job->key_path,
	    .ordinal = job->ordinal };
	return 0;
}

/* In the copy of this worker that traces the child: the job is the run's. */
static int
become_child(struct ckpt *ck, struct rec_fork *f)
{
	struct bx_output *o = ck->hook.output;
	int fds[5] = { o->out[0], o->out[1], o->errp[0], o->errp[1], o->file };
	struct kid *kd = f->priv;

	ck->child = true;
	ck->kid = kd;
	ck->hook.child = true;
	ck->su.cgroup = NULL;	/* the driver's: its kill would take it */
	ck->job = ck->p->jobs[kd->idx];
	/* the driver's pipes and its thread (not copied by fork) */
	for (int i = 0; i < 5; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(*ck->hook.dirp);
	free(*ck->hook.auxp);
	*ck->hook.dirp = kd->dir;
	*ck->hook.auxp = kd->aux;
	kd->dir = kd->aux = NULL;
	return bx_output_adopt(o, *ck->hook.auxp, o->tail, f->out_rd,
	    f->err_rd) < 0 ? -1 : 0;
}

static int
on_fork(void *ctx, enum rec_fork_op op, const struct rec_point *pt,
    struct rec_fork *f)
{
	struct ckpt *ck = ctx;

	switch (op) {
	case REC_FORK_ASK:
		return ask(ck, pt);
	case REC_FORK_PREPARE:
		return bx_stop ? -EINTR : prepare(ck, f);
	case REC_FORK_CHILD:
		return become_child(ck, f);
	case REC_FORK_PARENT:
		ck->forked++;
		/* a child that did not end well leaves its directories */
		kid_drop(f->priv, !WIFEXITED(f->status) ||
		    WEXITSTATUS(f->status) != 0);
		return 0;
	case REC_FORK_FALLBACK:
		if (!ck->fallbacks++ && f->why)
			snprintf(ck->why, sizeof(ck->why), "%s", f->why);
		kid_drop(f->priv, true);
		f->priv = NULL;
		return 0;
	}
	return 0;
}

/* One wire at a time on the socket the children share. */
static pthread_mutex_t *
send_lock_make(void)
{
	pthread_mutexattr_t at;
	pthread_mutex_t *m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return NULL;
	pthread_mutexattr_init(&at);
	pthread_mutexattr_setpshared(&at, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(m, &at);
	pthread_mutexattr_destroy(&at);
	return m;
}

static void
send_locked(struct ckpt *ck, bool lock)
{
	if (!ck->send_lock)
		return;
	if (!lock) {
		pthread_mutex_unlock(ck->send_lock);
		return;
	}
	/* a child's tracer killed holding it: the lock is ours, and good */
	if (pthread_mutex_lock(ck->send_lock) == EOWNERDEAD)
		pthread_mutex_consistent(ck->send_lock);
}

/* The CPUs of the slots: the ones after this worker's, wrapping. */
static void
slot_cpus(struct ckpt *ck, const struct bx_setup *su)
{
	int nth = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	for (int n = 0; n < 64; n++) {
		if (bx_run_cpu(bx_scratch_dir(), n) == su->cpu) {
			nth = n;
			break;
		}
	}
	for (int s = 0; s < BX_CKPT_SLOTS; s++)
		ck->cpus[s] = su->deterministic && ncpu > 1 ?
		    bx_run_cpu(bx_scratch_dir(), nth + 1 + s) : -1;
}

static void __attribute__((noreturn))
child_end(struct ckpt *ck)
{
	struct wire *w = ck->w;

	int rc;

	w->idx = ck->kid->idx;
	if (bx_stop)
		w->out.aborted = true;
	send_locked(ck, true);
	rc = bx_wire_io(ck->fd, w, sizeof(*w), true);
	send_locked(ck, false);
	if (rc < 0 || bx_stop) {
		if (w->out.left_dir[0] && !w->out.left_err)
			bx_tree_remove(w->out.left_dir, NULL);
	}
	_exit(0);
}

void
bx_ckpt_worker(const struct bx_setup *su, const struct plan *p, int fd,
    struct wire *w)
{
	struct ckpt *ck = calloc(1, sizeof(*ck));

	memset(w, 0, sizeof(*w));
	w->idx = CKPT;
	if (!ck || !(ck->order = calloc(p->njobs + 1, sizeof(*ck->order))) ||
	    !(ck->keys = calloc(p->nsites + 1, sizeof(*ck->keys)))) {
		if (ck)
			free(ck->order);
		free(ck);
		w->out.err = -ENOMEM;
		return;
	}
	ck->p = p;
	ck->su = *su;
	ck->fd = fd;
	ck->w = w;
	ck->job = (struct bx_job){ .fault = REC_FAULT_NONE };
	for (size_t i = 0; i < p->njobs; i++)
		if (bx_ckpt_job(&p->jobs[i]))
			ck->order[ck->n++] = (uint32_t)i;
	for (size_t i = 0; i < p->nsites; i++)
		ck->keys[i] = &p->sites[i];
	if (p->nsites)
		qsort(ck->keys, p->nsites, sizeof(*ck->keys), by_key);
	sort_plan = p;
	if (ck->n)
		qsort(ck->order, ck->n, sizeof(*ck->order), by_seq);
	ck->send_lock = send_lock_make();
	slot_cpus(ck, su);
	ck->hook.fork_cb = on_fork;
	ck->hook.fork_max = p->opts->jobs > 1 ? p->opts->jobs : 1;
	if (ck->hook.fork_max > BX_CKPT_SLOTS)
		ck->hook.fork_max = BX_CKPT_SLOTS;
	ck->hook.ctx = ck;
	div_run_job_hook(&ck->su, p, &ck->job, &ck->hook, on_site, ck,
	    &w->out, &w->dv);
	if (ck->child)
		child_end(ck);
	w->idx = CKPT;
	/* the driver's own result is not an experiment */
	if (w->out.left_dir[0] && !w->out.left_err)
		bx_tree_remove(w->out.left_dir, NULL);
	w->out.left_dir[0] = '\0';
	w->out.unsynced = (int64_t)ck->forked;
	w->out.fault_bytes = (int64_t)ck->fallbacks;
	if (ck->why[0])
		snprintf(w->out.why, sizeof(w->out.why), "%s", ck->why);
	else if (ck->diverged)
		snprintf(w->out.why, sizeof(w->out.why), "the run diverged");
	if (ck->send_lock)
		munmap(ck->send_lock, sizeof(*ck->send_lock));
	free(ck->order);
	free(ck->keys);
	free(ck);
}
