/*
 * divergence.c - did a re-run go the recording's way?  Each run's sites
 * are collected as they complete and compared with the recording's
 * (docs/explore.md, "Divergence").
 *
 * The fault-free run, and an experiment whose fault was never reached,
 * are compared whole, as multisets of replay keys (the nondeterminism
 * warning; where it went astray).  An experiment is compared up to its
 * fault four ways:
 *
 *   files:    each file's calls, by replay key (family, path, ordinal),
 *             are the recording's up to the target, with the same
 *             syscall, count and call site;
 *   threads:  each thread (numbered by creation order) made a prefix of
 *             its recorded calls: same file, syscall, count, call site,
 *             one after the other (a thread may be slower to get there);
 *   content:  each call has a recorded call with its key, and is that
 *             call (wherever the recording made it);
 *   moved:    each key was made by the thread, and at the point of it,
 *             that made it in the recording.
 *
 * "diverged" is a call the recording does not have: in a program with
 * one thread, when neither the files nor the thread agree; with several,
 * when the content does not either (a thread that was merely slower, or
 * a goroutine that ran on another OS thread, looks like a thread that
 * skipped a call; only a call the recording never made, or made
 * otherwise, tells them apart).  "reordered" is any other difference:
 * the same calls, interleaved otherwise; informational, the verdict
 * stands.
 */
#include "explorer/explorer_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The sites of one run, as they complete. */
struct run {
	struct csite	*v;
	size_t		n;
	size_t		cap;
	unsigned	kinds;
	int		err;
	int64_t		inj_seq;	/* seq of the broken site; INT64_MAX: none */
	rec_site_fn	*tap;		/* sees every site first, or NULL */
	void		*tap_ctx;
};

/*
 * Sites the comparison looks at: those of the explored kinds, on named
 * files and O_TMPFILE files ("<tmpfile:.:1>").  "<stdout>" and friends
 * are left out: explore gives PROG a pipe
 * where the recording may have had a terminal, and stdio buffers
 * differently on each.
 */
bool
div_compared(unsigned kinds, int kind, const char *path)
{
	return kind >= 0 && (kinds & (1u << kind)) && path &&
	    (path[0] != '<' || rec_path_is_tmpfile(path));
}

static int
run_add(struct run *r, const struct rec_site *site)
{
	struct csite *c;

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		struct csite *v = reallocarray(r->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	c = &r->v[r->n];
	memset(c, 0, sizeof(*c));
	/*
	 * Only the site's identity: the re-runs report lite sites
	 * (rec_opts.sites_lite, experiment.c), without result, offset or
	 * checksum; comparing any of those needs it off.
	 */
	c->key = strdup(site->key);
	c->key_path = c->key ? strdup(site->path) : NULL;
	if (!c->key_path) {
		free((char *)c->key);
		return -ENOMEM;
	}
	c->syscall = site->sc->name;
	c->family = (int)site->sc->family;
	c->count = site->count;
	c->callsite = site->callsite;
	c->seq = (int64_t)site->seq;
	c->process = site->process;
	c->thread = site->thread;
	r->n++;
	return 0;
}

/* Every site of a run: the compared ones are kept, the broken one noted. */
static int
run_site(void *ctx, const struct rec_site *site)
{
	struct run *r = ctx;

	if (r->tap)
		r->tap(r->tap_ctx, site);
	/* the first broken site is the target; a persistent fault's rule
	 * breaks later ones too */
	if (site->fault != REC_FAULT_NONE && r->inj_seq == INT64_MAX)
		r->inj_seq = (int64_t)site->seq;
	if (div_compared(r->kinds, site->kind, site->path) && !r->err)
		r->err = run_add(r, site);
	return 0;
}

static void
run_release(struct run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free((char *)r->v[i].key);
		free((char *)r->v[i].key_path);
	}
	free(r->v);
}

/* --- indexes: by key, by thread ---------------------------------------- */

static int
cmp_seq(const void *a, const void *b)
{
	const struct csite *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
cmp_key(const void *a, const void *b)
{
	return strcmp((*(struct csite *const *)a)->key,
	    (*(struct csite *const *)b)->key);
}

static int
cmp_thread(const void *a, const void *b)
{
	const struct csite *x = *(struct csite *const *)a;
	const struct csite *y = *(struct csite *const *)b;

	if (x->process != y->process)
		return x->process < y->process ? -1 : 1;
	if (x->thread != y->thread)
		return x->thread < y->thread ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
div_index_release(struct div_index *ix)
{
	free(ix->by_key);
	free(ix->by_thread);
	memset(ix, 0, sizeof(*ix));
}

/*
 * Index the sites v[0..n) (sorted by seq here): by key, and by thread,
 * which also numbers each site's place among its thread's (tpos).
 * threads_known is false if a site has no thread (an older recording).
 */
int
div_index_build(struct csite *v, size_t n, struct div_index *ix)
{
	size_t i;

	memset(ix, 0, sizeof(*ix));
	for (i = 1; i < n && cmp_seq(&v[i - 1], &v[i]) <= 0; i++)
		;
	/* qsort's array must not be NULL, even of none; a single thread's
	 * sites come in seq order (and a checkpoint's child would copy
	 * every page the sort writes) */
	if (n && i < n)
		qsort(v, n, sizeof(*v), cmp_seq);
	ix->by_key = calloc(n ? n : 1, sizeof(*ix->by_key));
	ix->by_thread = calloc(n ? n : 1, sizeof(*ix->by_thread));
	if (!ix->by_key || !ix->by_thread) {
		div_index_release(ix);
		return -ENOMEM;
	}
	ix->n = n;
	ix->threads_known = true;
	for (i = 0; i < n; i++) {
		ix->by_key[i] = ix->by_thread[i] = &v[i];
		if (!v[i].process || !v[i].thread)
			ix->threads_known = false;
	}
	qsort(ix->by_key, n, sizeof(*ix->by_key), cmp_key);
	qsort(ix->by_thread, n, sizeof(*ix->by_thread), cmp_thread);
	for (i = 0; i < n; i++) {
		struct csite *c = ix->by_thread[i];
		const struct csite *prev = i ? ix->by_thread[i - 1] : NULL;

		c->tpos = prev && prev->process == c->process &&
		    prev->thread == c->thread ? prev->tpos + 1 : 0;
		if (prev && c->tpos == 0)
			ix->threaded = true;
	}
	return 0;
}

static const struct csite *
find_key(const struct div_index *ix, const char *key)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(ix->by_key[mid]->key, key);

		if (c == 0)
			return ix->by_key[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The tpos-th site of a thread in ix, or NULL. */
static const struct csite *
find_thread_site(const struct div_index *ix, unsigned process,
    unsigned thread, unsigned tpos)
{
	size_t lo = 0, hi = ix->n;

	/* the first site of the thread */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct csite *c = ix->by_thread[mid];

		if (c->process < process ||
		    (c->process == process && c->thread < thread))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo + tpos >= ix->n)
		return NULL;
	if (ix->by_thread[lo + tpos]->process != process ||
	    ix->by_thread[lo + tpos]->thread != thread)
		return NULL;
	return ix->by_thread[lo + tpos];
}

/* --- differences ------------------------------------------------------- */

/* The differences found, and the text of the earliest one (by seq). */
struct firstdiff {
	uint64_t	n;
	int64_t		seq;
	char		text[DIV_TEXT_MAX];
};

/* What the comparisons of a run found: the earliest text of each. */
struct facts {
	unsigned	differs;	/* 1u << enum div_comparison */
	bool		threads_known;	/* both sides numbered their threads */
	char		text[DIV_COMPARISONS][DIV_TEXT_MAX];
};

static void __attribute__((format(printf, 3, 4)))
note_diff(struct firstdiff *d, int64_t seq, const char *fmt, ...)
{
	va_list ap;

	if (d->n++ > 0 && seq >= d->seq)
		return;
	d->seq = seq;
	va_start(ap, fmt);
	vsnprintf(d->text, sizeof(d->text), fmt, ap);
	va_end(ap);
}

/* Keep the earliest difference of a comparison, with "(+N more)". */
static void
fact(struct facts *fx, enum div_comparison c, const struct firstdiff *d)
{
	char *text = fx->text[c];
	size_t len;

	if (!d->n)
		return;
	fx->differs |= 1u << c;
	snprintf(text, DIV_TEXT_MAX, "%s", d->text);
	len = strlen(text);
	if (d->n > 1 && len + 1 < DIV_TEXT_MAX)
		snprintf(text + len, DIV_TEXT_MAX - len, " (+%" PRIu64 " more)",
		    d->n - 1);
}

/*
 * Is b the call a was (syscall, count, call site)?  If not, says how into
 * why.  Call sites are compared only when both are known and made the
 * same way.
 */
static bool
same_call(const struct csite *a, const struct csite *b, bool callsites,
    char *why, size_t size)
{
	if (strcmp(a->syscall, b->syscall) != 0) {
		snprintf(why, size, "syscall %s != recorded %s", b->syscall,
		    a->syscall);
		return false;
	}
	if (a->count != b->count) {
		snprintf(why, size, "count %" PRId64 " != recorded %" PRId64,
		    b->count, a->count);
		return false;
	}
	if (callsites && a->callsite && b->callsite &&
	    a->callsite != b->callsite) {
		snprintf(why, size, "call site %#" PRIx64 " != recorded %#"
		    PRIx64, (uint64_t)b->callsite, (uint64_t)a->callsite);
		return false;
	}
	return true;
}

/*
 * Files: the recording's sites up to the target (seq <= rec_seq) and
 * the run's up to the broken one, matched by replay key.
 */
static void
compare_files(const struct plan *p, int64_t rec_seq,
    const struct div_index *run, int64_t run_seq, struct firstdiff *d)
{
	const struct div_index *rec = &p->compared;
	size_t i = 0, j = 0;
	char why[256];

	for (;;) {
		const struct csite *a, *b;
		int c;

		while (i < rec->n && rec->by_key[i]->seq > rec_seq)
			i++;
		while (j < run->n && run->by_key[j]->seq > run_seq)
			j++;
		if (i == rec->n && j == run->n)
			break;
		a = i < rec->n ? rec->by_key[i] : NULL;
		b = j < run->n ? run->by_key[j] : NULL;
		c = !a ? 1 : !b ? -1 : strcmp(a->key, b->key);
		if (c < 0) {
			note_diff(d, a->seq, "missing site %s", a->key);
			i++;
		} else if (c > 0) {
			note_diff(d, b->seq, "extra site %s", b->key);
			j++;
		} else {
			if (!same_call(a, b, p->compare_callsites, why,
			    sizeof(why)))
				note_diff(d, a->seq, "%s %s", a->key, why);
			i++;
			j++;
		}
	}
}

/* The thread's call at the recorded position: NULL and note if not. */
static void
compare_thread_call(const struct plan *p, const struct csite *a,
    const struct csite *b, struct firstdiff *d)
{
	char why[256];

	if (!a)
		note_diff(d, b->seq, "thread %u.%u made %s, more calls than "
		    "recorded", b->process, b->thread, b->key);
	else if (a->family != b->family || strcmp(a->key_path, b->key_path) != 0)
		note_diff(d, b->seq, "thread %u.%u made %s where the recording "
		    "has %s", b->process, b->thread, b->key, a->key);
	else if (!same_call(a, b, p->compare_callsites, why, sizeof(why)))
		note_diff(d, b->seq, "thread %u.%u made %s %s", b->process,
		    b->thread, b->key, why);
}

/*
 * Threads: each run site up to the broken one is the next call of its
 * thread's recorded sequence (a thread may stop short of the recording:
 * it was slower to get there when the fault came).  Keys made by another
 * thread, or at another point of it, go to moved.
 */
static void
compare_threads(const struct plan *p, const struct div_index *run,
    int64_t run_seq, struct firstdiff *d, struct firstdiff *moved)
{
	const struct div_index *rec = &p->compared;

	for (size_t k = 0; k < run->n; k++) {
		const struct csite *b = run->by_thread[k], *r;

		if (b->seq > run_seq)
			continue;
		compare_thread_call(p, find_thread_site(rec, b->process,
		    b->thread, b->tpos), b, d);
		r = find_key(rec, b->key);
		if (r && (r->process != b->process || r->thread != b->thread ||
		    r->tpos != b->tpos))
			note_diff(moved, b->seq, "%s made by thread %u.%u "
			    "(recorded: thread %u.%u)", b->key, b->process,
			    b->thread, r->process, r->thread);
	}
}

/*
 * Content: each run site up to the broken one is the recorded call of
 * its key, wherever that came in the recording.
 */
static void
compare_content(const struct plan *p, const struct div_index *run,
    int64_t run_seq, struct firstdiff *d)
{
	char why[256];

	for (size_t k = 0; k < run->n; k++) {
		const struct csite *b = run->by_key[k], *a;

		if (b->seq > run_seq)
			continue;
		a = find_key(&p->compared, b->key);
		if (!a)
			note_diff(d, b->seq, "extra site %s, never recorded",
			    b->key);
		else if (!same_call(a, b, p->compare_callsites, why,
		    sizeof(why)))
			note_diff(d, b->seq, "%s %s", b->key, why);
	}
}

/* An experiment's run up to its fault, the four ways. */
static void
compare_prefix(const struct plan *p, const struct bx_job *job,
    const struct div_index *run, int64_t inj_seq, struct facts *fx)
{
	struct firstdiff files = { 0 }, threads = { 0 }, content = { 0 };
	struct firstdiff moved = { 0 };

	fx->threads_known = p->compared.threads_known && run->threads_known;
	compare_files(p, job->seq, run, inj_seq, &files);
	compare_content(p, run, inj_seq, &content);
	if (fx->threads_known)
		compare_threads(p, run, inj_seq, &threads, &moved);
	fact(fx, DIV_FILES, &files);
	fact(fx, DIV_THREADS, &threads);
	fact(fx, DIV_CONTENT, &content);
	fact(fx, DIV_MOVED, &moved);
}

/* Whole runs, thread by thread: the recorded thread's calls, one for one. */
static void
compare_whole_threads(const struct plan *p, const struct div_index *run,
    struct firstdiff *d)
{
	const struct div_index *rec = &p->compared;
	size_t i = 0, j = 0;

	while (i < rec->n || j < run->n) {
		const struct csite *a = i < rec->n ? rec->by_thread[i] : NULL;
		const struct csite *b = j < run->n ? run->by_thread[j] : NULL;
		int c = !a ? 1 : !b ? -1 : a->process != b->process ?
		    (a->process < b->process ? -1 : 1) : a->thread != b->thread ?
		    (a->thread < b->thread ? -1 : 1) :
		    a->tpos != b->tpos ? (a->tpos < b->tpos ? -1 : 1) : 0;

		if (c < 0) {
			note_diff(d, a->seq, "thread %u.%u did not make %s",
			    a->process, a->thread, a->key);
			i++;
		} else if (c > 0) {
			compare_thread_call(p, NULL, b, d);
			j++;
		} else {
			compare_thread_call(p, a, b, d);
			i++;
			j++;
		}
	}
}

/*
 * A whole run against the whole recording, as multisets of
 * "key (syscall)": threads may interleave differently from run to run,
 * but each replay key must come back.  Counts what is missing and extra
 * (DIV_FILES, with the first difference); then whether each call is the
 * recorded call of its key (DIV_CONTENT), and thread by thread
 * (DIV_THREADS), when both sides number their threads.
 */
static void
compare_whole(const struct plan *p, const struct div_index *run,
    struct bx_divergence *dv, struct facts *fx)
{
	const struct div_index *rec = &p->compared;
	struct firstdiff files = { 0 }, threads = { 0 }, content = { 0 };
	size_t i = 0, j = 0;

	while (i < rec->n || j < run->n) {
		const struct csite *a = i < rec->n ? rec->by_key[i] : NULL;
		const struct csite *b = j < run->n ? run->by_key[j] : NULL;
		int c = !a ? 1 : !b ? -1 : strcmp(a->key, b->key);

		if (c == 0)
			c = strcmp(a->syscall, b->syscall);
		if (c == 0) {
			i++;
			j++;
			continue;
		}
		if (!files.n)
			snprintf(files.text, sizeof(files.text), "%s %s (%s)",
			    c < 0 ? "recorded but not seen again:" :
			    "seen but not recorded:", c < 0 ? a->key : b->key,
			    c < 0 ? a->syscall : b->syscall);
		files.n = 1;
		if (c < 0) {
			dv->missing++;
			i++;
		} else {
			dv->extra++;
			j++;
		}
	}
	fact(fx, DIV_FILES, &files);
	compare_content(p, run, INT64_MAX, &content);
	fact(fx, DIV_CONTENT, &content);
	fx->threads_known = rec->threads_known && run->threads_known;
	if (fx->threads_known)
		compare_whole_threads(p, run, &threads);
	fact(fx, DIV_THREADS, &threads);
}

/*
 * What the comparisons mean (see the top): dv->kind, and in dv->diff the
 * difference that decided.  A whole run (baseline, unreached) diverged
 * if its files' keys differ; its calls_differ names a call made
 * otherwise, unless each thread made its recorded calls (then a shared
 * file's keys only went to other threads).
 */
static void
classify(const struct plan *p, bool whole, const struct facts *fx,
    struct bx_divergence *dv)
{
	unsigned f = fx->differs;
	bool files = f & (1u << DIV_FILES), threads = f & (1u << DIV_THREADS);
	bool content = f & (1u << DIV_CONTENT), moved = f & (1u << DIV_MOVED);
	int text = DIV_FILES;

	if (whole || !fx->threads_known) {
		dv->kind = files ? BX_DIV_DIVERGED : BX_DIV_NONE;
		if (content && (!fx->threads_known || threads))
			snprintf(dv->calls_differ, sizeof(dv->calls_differ),
			    "%s", fx->text[DIV_CONTENT]);
	} else if (files && threads && (content || !p->compared.threaded)) {
		dv->kind = BX_DIV_DIVERGED;
		text = content ? DIV_CONTENT : DIV_FILES;
	} else if (f) {
		dv->kind = BX_DIV_REORDERED;
		text = moved ? DIV_MOVED : files ? DIV_FILES : threads ?
		    DIV_THREADS : DIV_CONTENT;
	} else {
		dv->kind = BX_DIV_NONE;
	}
	snprintf(dv->diff, sizeof(dv->diff), "%s",
	    dv->kind == BX_DIV_NONE ? "" : fx->text[text]);
}

/*
 * In a worker: one job.  The run's sites are collected and compared
 * with the recording's: all of them for the baseline (nondeterminism
 * warning) and for an experiment whose fault was not injected (where did
 * it go astray?), those up to the fault for the others (divergence).
 */
void
div_run_job(const struct bx_setup *su, const struct plan *p,
    const struct bx_job *job, struct bx_outcome *out, struct bx_divergence *dv)
{
	div_run_job_hook(su, p, job, NULL, NULL, NULL, out, dv);
}

void
div_run_job_hook(const struct bx_setup *su, const struct plan *p,
    const struct bx_job *job, struct bx_sweep_hook *hook, rec_site_fn *tap,
    void *tap_ctx, struct bx_outcome *out, struct bx_divergence *dv)
{
	struct run run = { .kinds = p->kinds, .inj_seq = INT64_MAX,
	    .tap = tap, .tap_ctx = tap_ctx };
	struct div_index ix = { 0 };
	struct facts fx = { 0 };
	bool whole;
	int rc;

	memset(dv, 0, sizeof(*dv));
	bx_experiment_sweep(su, job, run_site, &run, hook, out);
	if (out->err || out->aborted)
		goto out_release;
	rc = run.err ? run.err : div_index_build(run.v, run.n, &ix);
	if (rc) {
		out->err = rc;
		out->fail = BX_FAIL_NONE;
		goto out_release;
	}
	whole = job->fault == REC_FAULT_NONE || !out->injected;
	if (whole)
		compare_whole(p, &ix, dv, &fx);
	else
		compare_prefix(p, job, &ix, run.inj_seq, &fx);
	classify(p, whole, &fx, dv);
out_release:
	/* a checkpoint's child ends with its process: freeing would copy
	 * the driver's pages it shares first */
	if (hook && hook->child)
		return;
	div_index_release(&ix);
	run_release(&run);
}
