/*
 * divergence.c - did a re-run go the recording's way?  Each run's sites
 * are collected as they complete; the fault-free run is compared with
 * the recording as a multiset of replay keys (nondeterminism warning),
 * an experiment up to its fault (the "diverged" flag and the first
 * difference), and an experiment whose fault was never reached as a
 * whole, to say where it went astray.
 */
#include "explorer/explorer_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

	/* the first broken site is the target; a persistent fault's rule
	 * breaks later ones too */
	if (site->fault != REC_FAULT_NONE && sn->inj_seq == UINT64_MAX) {
		sn->inj_seq = site->seq;
		sn->inj_callsite = site->callsite;
	}
	if (!div_compared(sn->kinds, site->kind, site->path) || sn->err)
		return 0;
	sn->err = seen_add(sn, site->key, site->sc->name);
	if (sn->err == 0)
		sn->err = rsite_add(sn, site);
	return 0;
}

static int
cmp_rsite(const void *a, const void *b)
{
	return strcmp(((const struct rsite *)a)->key,
	    ((const struct rsite *)b)->key);
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

/*
 * In a worker: one job.  The run's sites are collected and compared
 * with the recording's: all of them for the baseline (nondeterminism
 * warning) and for an experiment whose fault was not injected (where did
 * it go astray?), those before the fault for the others (divergence).
 */
void
div_run_job(const struct bx_setup *su, const struct plan *p,
    const struct bx_job *job, struct bx_outcome *out, struct bx_divergence *dv)
{
	struct seen rec = { .kinds = p->kinds };
	struct seen run = { .kinds = p->kinds, .inj_seq = UINT64_MAX };
	struct bx_progress pr;
	size_t i;
	int rc = 0;

	dv->missing = dv->extra = 0;
	dv->diff[0] = '\0';
	bx_experiment_run(su, job, run_site, &run, out);
	if (out->err || out->aborted)
		goto out_release;
	if (job->fault != REC_FAULT_NONE && out->injected) {
		if (run.err) {
			out->err = run.err;
			out->fail = BX_FAIL_NONE;
		} else {
			compare_prefix(p, job, &run, dv->diff, sizeof(dv->diff));
		}
		goto out_release;
	}
	for (i = 0; i < p->nsites && rc == 0; i++) {
		const struct site_row *r = &p->sites[i];

		if (div_compared(p->kinds, r->kind, r->job.path))
			rc = seen_add(&rec, r->key, r->job.syscall);
	}
	if (rc == 0)
		rc = run.err;
	if (rc) {
		out->err = rc;
		out->fail = BX_FAIL_NONE;
		goto out_release;
	}
	memset(&pr, 0, sizeof(pr));
	compare_sites(&rec, &run, &pr, dv->diff, sizeof(dv->diff));
	dv->missing = pr.missing;
	dv->extra = pr.extra;
out_release:
	seen_release(&rec);
	seen_release(&run);
}
