/*
 * explore.c - bx_explore(): the plan, the baseline, the workers.
 *
 * The parent process owns the store.  It loads the recording and the
 * sites, builds the plan (site x fault, in site order then fault-table
 * order, minus what the store already holds), then forks N workers.
 * Each worker has one stream socket to the parent: it reads a job index
 * (the plan is in its memory since the fork), runs the experiment and
 * writes back a fixed-size struct wire.  The first job is the fault-free
 * baseline; the other workers meanwhile run one experiment each, whose
 * results wait until the baseline passed (and are dropped if it did
 * not).  The parent commits each result alone, so a kill at any point
 * leaves a consistent database and a re-run continues.
 *
 * Stopping: bx_interrupt() (the CLI's SIGINT handler) sets bx_stop; the
 * parent then sends SIGTERM to the workers, whose handler interrupts the
 * tracer (PROG dies, EXITKILL) and whose oracle loop kills the oracle's
 * process group; results that arrive after that are dropped.  If the
 * parent is killed outright, PR_SET_PDEATHSIG delivers the same SIGTERM.
 */
#include "explorer/explorer_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

volatile sig_atomic_t bx_stop;

void
bx_interrupt(void)
{
	bx_stop = 1;
	rec_interrupt();
}

/* The bug verdicts, as store_count_verdicts wants them. */
#define BUG_VERDICTS	"silent-corruption,corruption,crashed,hang"

/* A site as the plan and the baseline comparison need it. */
struct site_row {
	struct bx_job	job;		/* fault left NONE */
	char		*key;		/* replay key text */
	int64_t		count;
	const struct rec_sysent *sc;
	int		kind;
	bool		selected;	/* passes --sites and --callsite */
	bool		pruned;		/* left out by --per-callsite */
};

/* A (site, fault) pair --per-callsite left out. */
struct skip {
	int64_t		site;
	enum rec_fault	fault;
};

/*
 * A recorded site the divergence check compares, by replay key (the
 * array is sorted by key; the strings belong to the site rows).
 */
struct rkey {
	const char	*key;
	int64_t		seq;
	int64_t		callsite;
};

struct plan {
	struct site_row	*sites;
	size_t		nsites;
	size_t		cap;
	struct bx_job	*jobs;
	size_t		njobs;
	size_t		jcap;
	const struct bx_explore_opts *opts;
	const char	*rec_status;	/* PROG's status in the recording */
	unsigned	kinds;
	int		err;
	bool		callsite_seen;	/* opts->callsite names a site */
	struct skip	*skips;
	size_t		nskips;
	size_t		scap;
	struct rkey	*rkeys;		/* compared recorded sites, by key */
	size_t		nrkeys;
};

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
collect_site(void *ctx, const struct store_site *site)
{
	struct plan *p = ctx;
	struct site_row *r;

	if (p->nsites == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		struct site_row *n = reallocarray(p->sites, cap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->sites = n;
		p->cap = cap;
	}
	r = &p->sites[p->nsites];
	memset(r, 0, sizeof(*r));
	r->job.site_id = site->id;
	r->job.seq = site->seq;
	r->job.family = rec_family_parse(site->family);
	r->job.ordinal = site->ordinal;
	r->job.key_path = strdup(site->key_path ? site->key_path : "");
	r->job.syscall = strdup(site->syscall);
	r->job.path = strdup(site->path ? site->path : "");
	r->key = strdup(site->key ? site->key : "");
	r->job.callsite = site->callsite;
	p->nsites++;
	if (!r->job.key_path || !r->job.syscall || !r->job.path || !r->key)
		return -ENOMEM;
	r->count = site->count;
	r->sc = rec_sysent_by_name(site->syscall);
	r->kind = rec_kind_parse(site->kind);
	r->selected = r->sc && (int)r->job.family >= 0 && r->kind >= 0 &&
	    (bx_path_is_stdio(r->job.path) ? p->opts->include_stdio :
	    (p->kinds & (1u << r->kind)) != 0) &&
	    bx_filter_match(p->opts->sites, site) &&
	    (!p->opts->callsite || site->callsite == p->opts->callsite);
	if (p->opts->callsite && site->callsite == p->opts->callsite)
		p->callsite_seen = true;
	return 0;
}

static void
plan_release(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->nsites; i++) {
		free(p->sites[i].job.key_path);
		free(p->sites[i].job.syscall);
		free(p->sites[i].job.path);
		free(p->sites[i].key);
	}
	free(p->sites);
	free(p->jobs);	/* their strings belong to the sites */
	free(p->skips);
	free(p->rkeys);
}

/* Sites in (call site, key path, seq) order: the --per-callsite groups. */
static int
cmp_group(const void *a, const void *b)
{
	const struct site_row *x = *(struct site_row *const *)a;
	const struct site_row *y = *(struct site_row *const *)b;
	int c;

	if (x->job.callsite != y->job.callsite)
		return x->job.callsite < y->job.callsite ? -1 : 1;
	c = strcmp(x->job.key_path, y->job.key_path);
	if (c)
		return c;
	return x->job.seq < y->job.seq ? -1 : x->job.seq > y->job.seq;
}

/*
 * --per-callsite N: group the selected sites by (call site, key path),
 * sites without a call-site id by path alone, and mark all but N of
 * each group as pruned (bx_prune_pick).
 */
static int
prune(struct plan *p, unsigned n)
{
	struct site_row **v;
	size_t nsel = 0;
	size_t i, a, b;
	bool *keep;

	v = calloc(p->nsites ? p->nsites : 1, sizeof(*v));
	keep = calloc(p->nsites ? p->nsites : 1, sizeof(*keep));
	if (!v || !keep) {
		free(v);
		free(keep);
		return -ENOMEM;
	}
	for (i = 0; i < p->nsites; i++)
		if (p->sites[i].selected)
			v[nsel++] = &p->sites[i];
	qsort(v, nsel, sizeof(*v), cmp_group);
	for (a = 0; a < nsel; a = b) {
		for (b = a + 1; b < nsel && v[b]->job.callsite ==
		    v[a]->job.callsite && strcmp(v[b]->job.key_path,
		    v[a]->job.key_path) == 0; b++)
			;
		bx_prune_pick(b - a, n, keep);
		for (i = a; i < b; i++)
			v[i]->pruned = !keep[i - a];
	}
	free(keep);
	free(v);
	return 0;
}

static int
skip_add(struct plan *p, int64_t site, enum rec_fault fault)
{
	if (p->nskips == p->scap) {
		size_t cap = p->scap ? 2 * p->scap : 64;
		struct skip *n = reallocarray(p->skips, cap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->skips = n;
		p->scap = cap;
	}
	p->skips[p->nskips].site = site;
	p->skips[p->nskips].fault = fault;
	p->nskips++;
	return 0;
}

/* Store the pairs --per-callsite left out, in one transaction. */
static int
skips_store(struct store *s, const struct plan *p)
{
	size_t i;
	int rc;

	if (p->nskips == 0)
		return 0;
	rc = store_begin(s);
	for (i = 0; rc == 0 && i < p->nskips; i++)
		rc = store_skipped_put(s, p->skips[i].site,
		    bx_fault_by_code(p->skips[i].fault)->name, "per-callsite");
	if (rc == 0)
		return store_commit(s);
	store_rollback(s);
	return rc;
}

/* Jobs: selected sites x applicable faults, minus those already done. */
static int
plan_jobs(struct store *s, struct plan *p, struct bx_explore_result *res)
{
	size_t i, k;
	int rc;

	if (p->opts->per_callsite) {
		rc = prune(p, p->opts->per_callsite);
		if (rc)
			return rc;
	}
	for (i = 0; i < p->nsites; i++) {
		struct site_row *r = &p->sites[i];
		bool left_out = false;
		unsigned mask;

		if (!r->selected)
			continue;
		mask = bx_faults_for_site(p->opts->faults, r->sc, r->count);
		for (k = 0; bx_fault_at(k); k++) {
			const struct bx_fault *f = bx_fault_at(k);
			bool done;

			if (!(mask & (1u << f->fault)))
				continue;
			done = false;
			rc = p->opts->redo ? 0 : store_experiment_done(s,
			    r->job.site_id, f->name, &done);
			if (rc)
				return rc;
			if (r->pruned && !done) {
				rc = skip_add(p, r->job.site_id, f->fault);
				if (rc)
					return rc;
				res->skipped++;
				left_out = true;
				continue;
			}
			res->total++;
			if (done) {
				res->done++;
				continue;
			}
			if (p->njobs == p->jcap) {
				size_t cap = p->jcap ? 2 * p->jcap : 64;
				struct bx_job *n = reallocarray(p->jobs, cap,
				    sizeof(*n));

				if (!n)
					return -ENOMEM;
				p->jobs = n;
				p->jcap = cap;
			}
			p->jobs[p->njobs] = r->job;
			p->jobs[p->njobs].fault = f->fault;
			p->njobs++;
		}
		if (left_out)
			res->skipped_sites++;
	}
	res->planned = p->njobs;
	return 0;
}

/* --- the baseline --- */

/* A site of a re-run, for the divergence check. */
struct rsite {
	char		*key;
	uint64_t	seq;
	int64_t		callsite;
};

struct seen {
	char		**v;		/* "key (syscall)" */
	size_t		n;
	size_t		cap;
	unsigned	kinds;
	int		err;
	struct rsite	*r;		/* the same sites with seq and call site */
	size_t		nr;
	size_t		rcap;
	uint64_t	inj_seq;	/* seq of the broken site; UINT64_MAX: none */
	int64_t		inj_callsite;
};

static int
seen_add(struct seen *sn, const char *key, const char *syscall)
{
	char *s;

	if (sn->n == sn->cap) {
		size_t cap = sn->cap ? 2 * sn->cap : 64;
		char **n = reallocarray(sn->v, cap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		sn->v = n;
		sn->cap = cap;
	}
	if (asprintf(&s, "%s (%s)", key, syscall) < 0)
		return -ENOMEM;
	sn->v[sn->n++] = s;
	return 0;
}

/*
 * Sites the comparison looks at: those of the explored kinds, on named
 * files.  "<stdout>" and friends are left out: explore gives PROG a pipe
 * where the recording may have had a terminal, and stdio buffers
 * differently on each.
 */
static bool
compared(unsigned kinds, int kind, const char *path)
{
	return kind >= 0 && (kinds & (1u << kind)) && path && path[0] != '<';
}

static int
rsite_add(struct seen *sn, const struct rec_site *site)
{
	struct rsite *r;

	if (sn->nr == sn->rcap) {
		size_t cap = sn->rcap ? 2 * sn->rcap : 64;
		struct rsite *n = reallocarray(sn->r, cap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		sn->r = n;
		sn->rcap = cap;
	}
	r = &sn->r[sn->nr];
	r->key = strdup(site->key);
	if (!r->key)
		return -ENOMEM;
	r->seq = site->seq;
	r->callsite = site->callsite;
	sn->nr++;
	return 0;
}

/* Every site of a run: the compared ones are kept, the broken one noted. */
static int
run_site(void *ctx, const struct rec_site *site)
{
	struct seen *sn = ctx;

	if (site->fault != REC_FAULT_NONE) {
		sn->inj_seq = site->seq;
		sn->inj_callsite = site->callsite;
	}
	if (!compared(sn->kinds, site->kind, site->path) || sn->err)
		return 0;
	sn->err = seen_add(sn, site->key, site->sc->name);
	if (sn->err == 0)
		sn->err = rsite_add(sn, site);
	return 0;
}

static int
cmp_rkey(const void *a, const void *b)
{
	return strcmp(((const struct rkey *)a)->key,
	    ((const struct rkey *)b)->key);
}

static int
cmp_rsite(const void *a, const void *b)
{
	return strcmp(((const struct rsite *)a)->key,
	    ((const struct rsite *)b)->key);
}

/* The recorded sites the divergence check compares, sorted by key. */
static int
rkeys_build(struct plan *p)
{
	size_t i;

	p->rkeys = calloc(p->nsites ? p->nsites : 1, sizeof(*p->rkeys));
	if (!p->rkeys)
		return -ENOMEM;
	for (i = 0; i < p->nsites; i++) {
		const struct site_row *r = &p->sites[i];

		if (!compared(p->kinds, r->kind, r->job.path))
			continue;
		p->rkeys[p->nrkeys].key = r->key;
		p->rkeys[p->nrkeys].seq = r->job.seq;
		p->rkeys[p->nrkeys].callsite = r->job.callsite;
		p->nrkeys++;
	}
	qsort(p->rkeys, p->nrkeys, sizeof(*p->rkeys), cmp_rkey);
	return 0;
}

/* The differences found, and the text of the earliest one (by seq). */
struct firstdiff {
	uint64_t	n;
	int64_t		seq;
	char		*buf;
	size_t		size;
};

static void __attribute__((format(printf, 3, 4)))
note_diff(struct firstdiff *d, int64_t seq, const char *fmt, ...)
{
	va_list ap;

	if (d->n++ > 0 && seq >= d->seq)
		return;
	d->seq = seq;
	va_start(ap, fmt);
	vsnprintf(d->buf, d->size, fmt, ap);
	va_end(ap);
}

/*
 * Did the re-run of an experiment go the recording's way up to the
 * fault?  The recording's compared sites with seq below the target's
 * and the re-run's with seq below the broken one's are matched by replay
 * key (so the interleaving of threads writing different files does not
 * count): a key on one side only, or the same key made from another
 * call site, is a divergence, and so is a target reached from another
 * call site.  The earliest difference goes to diff, "" if none.
 */
static void
compare_prefix(const struct plan *p, const struct bx_job *job,
    struct seen *run, char *diff, size_t diffsz)
{
	struct firstdiff d = { .buf = diff, .size = diffsz };
	size_t i = 0, j = 0;
	size_t len;

	diff[0] = '\0';
	qsort(run->r, run->nr, sizeof(*run->r), cmp_rsite);
	for (;;) {
		const struct rkey *a;
		const struct rsite *b;
		int c;

		while (i < p->nrkeys && p->rkeys[i].seq >= job->seq)
			i++;
		while (j < run->nr && run->r[j].seq >= run->inj_seq)
			j++;
		if (i == p->nrkeys && j == run->nr)
			break;
		a = i < p->nrkeys ? &p->rkeys[i] : NULL;
		b = j < run->nr ? &run->r[j] : NULL;
		c = !a ? 1 : !b ? -1 : strcmp(a->key, b->key);
		if (c < 0) {
			note_diff(&d, a->seq, "missing site %s", a->key);
			i++;
		} else if (c > 0) {
			note_diff(&d, (int64_t)b->seq, "extra site %s", b->key);
			j++;
		} else {
			if (a->callsite && b->callsite &&
			    a->callsite != b->callsite)
				note_diff(&d, a->seq, "%s call site %#" PRIx64
				    " != recorded %#" PRIx64, a->key,
				    (uint64_t)b->callsite,
				    (uint64_t)a->callsite);
			i++;
			j++;
		}
	}
	if (job->callsite && run->inj_callsite &&
	    job->callsite != run->inj_callsite) {
		char key[512];

		rec_key_format(key, sizeof(key), job->family, job->key_path,
		    job->ordinal);
		note_diff(&d, job->seq, "%s call site %#" PRIx64 " != recorded "
		    "%#" PRIx64, key, (uint64_t)run->inj_callsite,
		    (uint64_t)job->callsite);
	}
	len = strlen(diff);
	if (d.n > 1 && len + 1 < diffsz)
		snprintf(diff + len, diffsz - len, " (+%" PRIu64 " more)",
		    d.n - 1);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
seen_release(struct seen *sn)
{
	size_t i;

	for (i = 0; i < sn->n; i++)
		free(sn->v[i]);
	free(sn->v);
	for (i = 0; i < sn->nr; i++)
		free(sn->r[i].key);
	free(sn->r);
}

/*
 * Compare the baseline's sites with the recording's as multisets of
 * "key (syscall)": threads may interleave differently from run to run,
 * but each replay key must come back.
 */
static void
compare_sites(struct seen *rec, struct seen *base, struct bx_progress *pr,
    char *diff, size_t diffsz)
{
	size_t i = 0, j = 0;

	qsort(rec->v, rec->n, sizeof(char *), cmp_str);
	qsort(base->v, base->n, sizeof(char *), cmp_str);
	while (i < rec->n || j < base->n) {
		int c;

		if (i == rec->n)
			c = 1;
		else if (j == base->n)
			c = -1;
		else
			c = strcmp(rec->v[i], base->v[j]);
		if (c == 0) {
			i++;
			j++;
			continue;
		}
		if (!pr->first_diff) {
			snprintf(diff, diffsz, "%s %s", c < 0 ?
			    "recorded but not seen again:" :
			    "seen but not recorded:",
			    c < 0 ? rec->v[i] : base->v[j]);
			pr->first_diff = diff;
		}
		if (c < 0) {
			pr->missing++;
			i++;
		} else {
			pr->extra++;
			j++;
		}
	}
}

/* The wire format of one result: fixed size, sent as is. */
struct wire {
	uint32_t	idx;		/* job index, or BASELINE */
	struct bx_outcome out;
	/* the baseline only: its sites against the recording's */
	uint64_t	missing;
	uint64_t	extra;
	char		diff[512];
};

/* Job index of the fault-free run. */
#define BASELINE	UINT32_MAX

/*
 * In a worker: one job.  The run's sites are collected and compared
 * with the recording's: all of them for the baseline (nondeterminism
 * warning) and for an experiment whose fault was not injected (where did
 * it go astray?), those before the fault for the others (divergence).
 */
static void
run_job(const struct bx_setup *su, const struct plan *p, uint32_t idx,
    struct wire *w)
{
	static const struct bx_job baseline = { .fault = REC_FAULT_NONE };
	const struct bx_job *job = idx == BASELINE ? &baseline : &p->jobs[idx];
	struct seen rec = { .kinds = p->kinds };
	struct seen run = { .kinds = p->kinds, .inj_seq = UINT64_MAX };
	struct bx_progress pr;
	size_t i;
	int rc = 0;

	w->missing = w->extra = 0;
	w->diff[0] = '\0';
	bx_experiment_run(su, job, run_site, &run, &w->out);
	if (w->out.err || w->out.aborted)
		goto out_release;
	if (job->fault != REC_FAULT_NONE && w->out.injected) {
		if (run.err) {
			w->out.err = run.err;
			w->out.fail = BX_FAIL_NONE;
		} else {
			compare_prefix(p, job, &run, w->diff, sizeof(w->diff));
		}
		goto out_release;
	}
	for (i = 0; i < p->nsites && rc == 0; i++) {
		const struct site_row *r = &p->sites[i];

		if (compared(p->kinds, r->kind, r->job.path))
			rc = seen_add(&rec, r->key, r->job.syscall);
	}
	if (rc == 0)
		rc = run.err;
	if (rc) {
		w->out.err = rc;
		w->out.fail = BX_FAIL_NONE;
		goto out_release;
	}
	memset(&pr, 0, sizeof(pr));
	compare_sites(&rec, &run, &pr, w->diff, sizeof(w->diff));
	w->missing = pr.missing;
	w->extra = pr.extra;
out_release:
	seen_release(&rec);
	seen_release(&run);
}

/*
 * In the parent: does the baseline let explore go on?  0, or -errno
 * with res->fail set; on success the caller hears BX_EV_BASELINE.
 */
static int
judge_baseline(const struct wire *w, const struct plan *p,
    struct bx_explore_result *res)
{
	const struct bx_outcome *out = &w->out;
	struct bx_progress pr;

	bx_status_format(res->status, sizeof(res->status), out->st, out->code);
	res->oracle = out->oracle;
	bx_tail_text(&out->oracle_out, res->oracle_tail);
	bx_tail_text(&out->prog, res->prog_tail);
	if (out->err) {
		res->fail = out->fail;
		res->stage = out->stage;
		return out->err;
	}
	if (out->aborted || bx_stop) {
		res->fail = BX_FAIL_INTERRUPTED;
		return -EINTR;
	}
	if (out->st == REC_TIMEOUT) {
		res->fail = BX_FAIL_BASELINE_HANG;
		return -ETIMEDOUT;
	}
	if (out->oracle.state != BX_ORACLE_EXITED || out->oracle.code != 0) {
		res->fail = BX_FAIL_BASELINE;
		return -EPROTO;
	}
	memset(&pr, 0, sizeof(pr));
	pr.event = BX_EV_BASELINE;
	pr.total = res->total;
	pr.done = res->done;
	pr.planned = res->planned;
	pr.status = res->status;
	pr.rec_status = p->rec_status;
	pr.missing = w->missing;
	pr.extra = w->extra;
	pr.first_diff = w->diff[0] ? w->diff : NULL;
	if (p->opts->progress)
		p->opts->progress(p->opts->ctx, &pr);
	return 0;
}

/* --- workers --- */

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

/* A worker's life: jobs in, outcomes out, until EOF.  Never returns. */
static void
worker_main(int fd, pid_t parent, const struct bx_setup *setup,
    const struct plan *p, unsigned nth)
{
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
	su.cpu = bx_nth_cpu((int)nth);	/* worker n runs on the n-th CPU */
	for (;;) {
		if (io_full(fd, &w.idx, sizeof(w.idx), false) < 0)
			_exit(0);
		if (w.idx != BASELINE && w.idx >= p->njobs)
			_exit(1);
		run_job(&su, p, w.idx, &w);
		if (bx_stop)
			w.out.aborted = true;
		if (io_full(fd, &w, sizeof(w), true) < 0 || bx_stop)
			_exit(0);
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

/* Stop every worker still running and reap them all. */
static void
workers_stop(struct worker *ws, unsigned n, bool force)
{
	int64_t deadline = now_ns() + 3 * (int64_t)1000000000;
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
			if (waitpid(ws[i].pid, NULL, WNOHANG) == ws[i].pid)
				ws[i].pid = 0;
			else
				left = true;
		}
		if (left) {
			if (now_ns() > deadline) {
				for (i = 0; i < n; i++)
					if (ws[i].pid > 0)
						kill(ws[i].pid, SIGKILL);
				deadline = INT64_MAX;
			}
			usleep(10000);
		}
	} while (left);
}

static int
commit(struct store *s, const struct bx_job *job, const struct wire *w,
    struct bx_explore_result *res, struct bx_progress *pr,
    const struct bx_explore_opts *opts)
{
	const struct bx_outcome *o = &w->out;
	char prog_tail[BX_TAIL_MAX + 1];
	char oracle_tail[BX_TAIL_MAX + 1];
	struct store_experiment e;
	char status[32];
	int rc;

	bx_status_format(status, sizeof(status), o->st, o->code);
	bx_tail_text(&o->prog, prog_tail);
	bx_tail_text(&o->oracle_out, oracle_tail);
	memset(&e, 0, sizeof(e));
	e.site = job->site_id;
	e.fault = bx_fault_by_code(job->fault)->name;
	e.injected = o->injected;
	e.fault_bytes = o->fault_bytes;
	e.status = status;
	e.duration_ns = o->duration_ns;
	e.oracle_exit = o->oracle.state == BX_ORACLE_EXITED ? o->oracle.code : -1;
	e.verdict = bx_verdict_name(o->verdict);
	e.prog_tail = prog_tail;
	e.oracle_tail = oracle_tail;
	e.diverged = w->diff[0] != '\0';
	e.divergence = e.diverged ? w->diff : NULL;
	rc = store_experiment_put(s, &e);
	if (rc)
		return rc;
	res->ran++;
	res->done++;
	if (e.diverged)
		res->diverged++;
	if (bx_verdict_is_bug(o->verdict))
		res->bugs++;
	if (opts->progress) {
		pr->event = BX_EV_RESULT;
		pr->done = res->done;
		pr->bugs = res->bugs;
		pr->exp = &e;
		opts->progress(opts->ctx, pr);
		pr->exp = NULL;
	}
	return 0;
}

/* Store a result unless it was interrupted. */
static int
take(struct store *s, struct plan *p, const struct wire *w,
    struct bx_explore_result *res, struct bx_progress *pr, int64_t t0)
{
	int rc;

	if (w->out.aborted || bx_stop)
		return 0;
	pr->elapsed_ns = now_ns() - t0;
	rc = commit(s, &p->jobs[w->idx], w, res, pr, p->opts);
	if (rc)
		res->fail = BX_FAIL_STORE;
	return rc;
}

/*
 * The baseline passed: forget old results for --redo, note the oracle,
 * tell the caller how many experiments there are.
 */
static int
baseline_passed(struct store *s, struct plan *p, struct bx_explore_result *res,
    struct bx_progress *pr)
{
	const struct bx_explore_opts *opts = p->opts;
	int rc;

	rc = opts->redo ? store_experiments_clear(s) : 0;
	if (rc == 0 && opts->redo)
		rc = store_skipped_clear(s);
	if (rc == 0)
		rc = skips_store(s, p);
	if (rc == 0)
		rc = store_meta_set(s, "oracle", opts->oracle);
	if (rc) {
		res->fail = BX_FAIL_STORE;
		return rc;
	}
	pr->event = BX_EV_PLANNED;
	pr->total = res->total;
	pr->done = res->done;
	pr->planned = res->planned;
	pr->bugs = res->bugs;
	pr->skipped = res->skipped;
	pr->skipped_sites = res->skipped_sites;
	if (opts->progress)
		opts->progress(opts->ctx, pr);
	return 0;
}

/*
 * Hand out the baseline first, then the jobs.  While the baseline runs,
 * the other workers start one experiment each, whose results are held
 * until it passes (and dropped if it does not): a small explore at -j 2
 * does not wait for the baseline alone.
 */
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

static int
run_workers(struct store *s, const struct bx_setup *su, struct plan *p,
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
	int64_t t0 = now_ns();
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
				rc = judge_baseline(&w[i], p, res);
				if (rc == 0)
					rc = baseline_passed(s, p, res, &pr);
				if (rc)
					goto out_stop;
				passed = true;
				t0 = now_ns();
				for (k = 0; k < n && rc == 0; k++) {
					if (!ws[k].held)
						continue;
					ws[k].held = false;
					rc = take(s, p, &w[k], res, &pr, t0);
				}
				if (rc)
					goto out_stop;
				continue;
			}
			if (w[i].out.err) {
				rc = w[i].out.err;
				res->fail = w[i].out.fail;
				res->stage = w[i].out.stage;
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
			rc = take(s, p, &w[i], res, &pr, t0);
			if (rc)
				goto out_stop;
		}
	}
out_stop:
	workers_stop(ws, n, rc != 0);
out_free:
	free(w);
	free(pfd);
	free(ws);
	return rc;
}

/* environ without BADIO_* (the oracle gets fresh ones); a shallow copy. */
static char **
environ_without_badio(void)
{
	size_t n = 0;
	size_t i, k = 0;
	char **v;

	while (environ[n])
		n++;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return NULL;
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "BADIO_", 6) != 0)
			v[k++] = environ[i];
	return v;
}

int
bx_explore(struct store *s, const struct bx_explore_opts *opts,
    struct bx_explore_result *res)
{
	struct store_recording rec;
	struct bx_setup su;
	struct plan p;
	char *oracle = NULL;
	int64_t bugs = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&p, 0, sizeof(p));
	memset(&su, 0, sizeof(su));
	p.opts = opts;
	p.kinds = opts->kinds ? opts->kinds :
	    (1u << REC_KIND_REGULAR) | (1u << REC_KIND_DIR);

	rc = bx_oracle_resolve(opts->oracle, &oracle);
	if (rc) {
		res->fail = rc == -ENOENT ? BX_FAIL_ORACLE_MISSING :
		    BX_FAIL_STORE;
		return rc;
	}
	rc = store_recording_get(s, &rec);
	if (rc) {
		res->fail = rc == -ENOENT ? BX_FAIL_RECORDING : BX_FAIL_STORE;
		goto out_free_oracle;
	}
	rc = store_sites_each(s, NULL, collect_site, &p);
	if (rc) {
		res->fail = rc == -ENOMEM ? BX_FAIL_NONE : BX_FAIL_STORE;
		goto out_release_plan;
	}
	if (opts->callsite && !p.callsite_seen) {
		rc = -ENOENT;
		res->fail = BX_FAIL_CALLSITE;
		goto out_release_plan;
	}
	rc = plan_jobs(s, &p, res);
	if (rc == 0)
		rc = rkeys_build(&p);
	if (rc) {
		res->fail = BX_FAIL_STORE;
		goto out_release_plan;
	}
	rc = opts->redo ? 0 : store_count_verdicts(s, BUG_VERDICTS, &bugs);
	if (rc) {
		res->fail = BX_FAIL_STORE;
		goto out_release_plan;
	}
	res->bugs = bugs;
	if (p.njobs == 0 && !opts->redo) {
		/* nothing left to run; what was left out is still noted */
		rc = skips_store(s, &p);
		if (rc)
			res->fail = BX_FAIL_STORE;
		goto out_release_plan;
	}
	if (opts->keep_dir && mkdir(opts->keep_dir, 0777) < 0 &&
	    errno != EEXIST) {
		rc = -errno;
		res->fail = BX_FAIL_KEEP;
		goto out_release_plan;
	}
	p.rec_status = rec.status;
	su.exe = rec.exe;
	su.argv = rec.argv;
	su.envp = rec.envp;
	su.deterministic = rec.deterministic;
	su.init_tar = rec.init_tar;
	su.init_tar_len = rec.init_tar_len;
	su.stdin_data = rec.has_stdin ? rec.stdin_data : NULL;
	su.stdin_len = rec.stdin_len;
	su.oracle = oracle;
	su.oracle_env = environ_without_badio();
	su.timeout_ms = opts->timeout_ms;
	su.oracle_timeout_ms = opts->oracle_timeout_ms;
	su.keep_dir = opts->keep_dir;
	if (!su.oracle_env) {
		rc = -ENOMEM;
		goto out_release_plan;
	}
	/* the baseline runs first (run_workers); --redo forgets only then */
	rc = run_workers(s, &su, &p, res);
	free(su.oracle_env);
out_release_plan:
	plan_release(&p);
	store_recording_release(&rec);
out_free_oracle:
	free(oracle);
	if (rc == 0 && bx_stop) {
		res->fail = BX_FAIL_INTERRUPTED;
		rc = -EINTR;
	}
	return rc;
}
