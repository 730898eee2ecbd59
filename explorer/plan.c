/*
 * plan.c - what one explore runs: the recorded sites, which of them
 * the options select, --per-callsite pruning, and the jobs (site x
 * fault, in site order then fault-table order) minus those the store
 * already holds.  Pairs left out by pruning are kept so the report can
 * count them as "not explored".
 */
#include "explorer/explorer_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	if (site->path2 && !(r->path2 = strdup(site->path2)))
		return -ENOMEM;
	if (site->creates && !(r->creates = strdup(site->creates)))
		return -ENOMEM;
	r->count = site->count;
	r->failed = site->has_result && site->result < 0;
	r->process = site->process > 0 && site->process <= UINT32_MAX ?
	    (unsigned)site->process : 0;
	r->thread = site->thread > 0 && site->thread <= UINT32_MAX ?
	    (unsigned)site->thread : 0;
	r->sc = rec_sysent_by_name(site->syscall);
	r->kind = rec_kind_parse(site->kind);
	/* the program's end is no file: every explore has it */
	r->selected = r->sc && (int)r->job.family >= 0 && r->kind >= 0 &&
	    (strcmp(site->family, "end") == 0 ||
	    (bx_path_is_stdio(r->job.path) ? p->opts->include_stdio :
	    (p->kinds & (1u << r->kind)) != 0)) &&
	    bx_filter_match(p->opts->sites, site) &&
	    (!p->opts->callsite || site->callsite == p->opts->callsite);
	if (p->opts->callsite && site->callsite == p->opts->callsite)
		p->callsite_seen = true;
	if (p->opts->sites && bx_filter_match(p->opts->sites, site))
		p->filter_matched++;
	return 0;
}

/* Load the recording's sites into p (p->opts and p->kinds set). */
int
plan_load(struct store *s, struct plan *p)
{
	return store_sites_each(s, NULL, collect_site, p);
}

/* Outside sites by (path, seq), so that one file's sites are together. */
static int
cmp_path_seq(const void *a, const void *b)
{
	const struct site_row *x = *(struct site_row *const *)a;
	const struct site_row *y = *(struct site_row *const *)b;
	int c = strcmp(x->job.path, y->job.path);

	if (c)
		return c;
	return x->job.seq < y->job.seq ? -1 : x->job.seq > y->job.seq;
}

/* By seq alone: the order in which the recording met the files. */
static int
cmp_seq(const void *a, const void *b)
{
	const struct site_row *x = *(struct site_row *const *)a;
	const struct site_row *y = *(struct site_row *const *)b;

	return x->job.seq < y->job.seq ? -1 : x->job.seq > y->job.seq;
}

/*
 * The recorded sites on regular files outside the run directory, as
 * record counts them (absolute paths; docs/schema.md, "Paths"), into res.
 * Every run of explore finds these files as the runs before it left them.
 */
int
plan_outside(const struct plan *p, struct bx_explore_result *res)
{
	struct site_row **v = calloc(p->nsites ? p->nsites : 1, sizeof(*v));
	size_t n = 0, files = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < p->nsites; i++)
		if (p->sites[i].kind == REC_KIND_REGULAR &&
		    p->sites[i].job.path[0] == '/')
			v[n++] = &p->sites[i];
	res->outside_sites = n;
	/* one row per file (its first site), then in order of first site */
	qsort(v, n, sizeof(*v), cmp_path_seq);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(v[i]->job.path, v[files - 1]->job.path) != 0)
			v[files++] = v[i];
	qsort(v, files, sizeof(*v), cmp_seq);
	res->outside_files = files;
	for (size_t i = 0; i < files && i < BX_OUTSIDE_NAMED; i++)
		snprintf(res->outside[i], sizeof(res->outside[i]), "%s",
		    v[i]->job.path);
	free(v);
	return 0;
}

void
plan_release(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->nsites; i++) {
		free(p->sites[i].job.key_path);
		free(p->sites[i].job.syscall);
		free(p->sites[i].job.path);
		free(p->sites[i].key);
		free(p->sites[i].path2);
		free(p->sites[i].creates);
	}
	free(p->sites);
	free(p->created);
	free(p->known);
	free(p->jobs);	/* their strings belong to the sites */
	free(p->skips);
	div_index_release(&p->compared);
	free(p->rsites);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * What a re-run needs to give randomly named files their recorded
 * names: the names the recording's sites created, in seq order with
 * their call sites, and every path the sites name, once.
 */
int
plan_names_build(struct plan *p)
{
	size_t n = 0, k = 0;

	p->created = calloc(p->nsites ? p->nsites : 1, sizeof(*p->created));
	p->known = calloc(2 * p->nsites + 1, sizeof(*p->known));
	if (!p->created || !p->known)
		return -ENOMEM;
	for (size_t i = 0; i < p->nsites; i++) {
		const struct site_row *r = &p->sites[i];

		if (r->creates)
			p->created[n++] = (struct rec_created){ r->creates,
			    r->job.callsite, r->failed };
		p->known[k++] = r->job.path;
		if (r->path2)
			p->known[k++] = r->path2;
	}
	qsort(p->known, k, sizeof(*p->known), cmp_str);
	p->nknown = 0;
	for (size_t i = 0; i < k; i++)
		if (!p->nknown || strcmp(p->known[p->nknown - 1], p->known[i]))
			p->known[p->nknown++] = p->known[i];
	p->ncreated = n;
	return 0;
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
int
plan_skips_store(struct store *s, const struct plan *p)
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

/* The experiments with a state that a (site, fault) pair has. */
struct have {
	uint64_t	states;		/* their numbers */
	int64_t		unsynced;	/* of the crash point; -1: unknown */
	signed char	verdict[BX_STATES_MAX];	/* of each, -1: unknown */
};

static int
have_state(void *ctx, const char *state, const char *verdict,
    int64_t unsynced)
{
	struct have *h = ctx;
	int i = bx_state_index(state ? state : "");
	int v = bx_verdict_parse(verdict ? verdict : "");

	if (i < 0)
		return 0;	/* a state this badio does not know */
	h->states |= (uint64_t)1 << i;
	if (unsynced >= 0)
		h->unsynced = unsynced;
	h->verdict[i] = (signed char)v;
	return 0;
}

static unsigned
popcount64(uint64_t v)
{
	return (unsigned)__builtin_popcountll(v);
}

/* What the store holds of a pair with crash states. */
struct held {
	uint64_t	done;		/* experiments of the states wanted */
	uint64_t	verdicts[BX_V_COUNT];
};

/*
 * A pair whose fault has crash states: which states the options want
 * and which of them the store lacks (*todo, 0: done); *want counts the
 * experiments, those of a crash point not run yet as many as it may
 * have (its k is known once it ran).
 */
static int
pair_states(struct store *s, const struct plan *p, const struct site_row *r,
    const struct bx_fault *f, uint64_t *todo, unsigned *want,
    struct held *held)
{
	struct have h = { .unsynced = -1 };
	uint64_t all;
	int rc;

	rc = p->opts->redo ? 0 : store_experiment_states(s, r->job.site_id,
	    f->name, have_state, &h);
	if (rc)
		return rc;
	all = f->states == BX_STATES_LOST ? BX_STATES_LOST_SET :
	    bx_states_of(p->opts->power_states, p->opts->power_prefixes,
	    h.states && h.unsynced >= 0 ? (uint64_t)h.unsynced : UINT64_MAX);
	*todo = all & ~h.states;
	*want = popcount64(all);
	for (unsigned i = 0; i < BX_STATES_MAX; i++)
		if ((all & h.states & ((uint64_t)1 << i)) && h.verdict[i] >= 0)
			held->verdicts[(int)h.verdict[i]]++;
	held->done = popcount64(all & h.states);
	return 0;
}

static int
job_add(struct plan *p, const struct site_row *r, const struct bx_fault *f,
    uint64_t states, unsigned nstates)
{
	if (p->njobs == p->jcap) {
		size_t cap = p->jcap ? 2 * p->jcap : 64;
		struct bx_job *n = reallocarray(p->jobs, cap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->jobs = n;
		p->jcap = cap;
	}
	p->jobs[p->njobs] = r->job;
	p->jobs[p->njobs].fault = f->fault;
	p->jobs[p->njobs].states = states;
	p->jobs[p->njobs].nstates = nstates;
	p->njobs++;
	return 0;
}

/*
 * One (site, fault) pair: done (counted), left out by --per-callsite, or
 * a job.  Counts are of experiments: a pair with crash states is one
 * per state.
 */
static int
plan_pair(struct store *s, struct plan *p, const struct site_row *r,
    const struct bx_fault *f, bool *left_out, struct bx_explore_result *res)
{
	char verdict[32];
	uint64_t todo = 0;
	unsigned want = 1;
	bool done;
	int rc;

	if (f->states != BX_STATES_NONE) {
		struct held held = { 0 };

		rc = pair_states(s, p, r, f, &todo, &want, &held);
		if (rc)
			return rc;
		if (r->pruned && !held.done)
			goto skip;
		/* left out by --per-callsite: what it holds counts, no more */
		if (r->pruned) {
			todo = 0;
			want = (unsigned)held.done;
		}
		res->total += want;
		res->done += held.done;
		for (int v = 0; v < BX_V_COUNT; v++)
			res->verdicts[v] += held.verdicts[v];
		if (todo == 0)
			return 0;
		res->planned += popcount64(todo);
		return job_add(p, r, f, todo, popcount64(todo));
	}
	verdict[0] = '\0';
	rc = p->opts->redo ? 0 : store_experiment_verdict(s, r->job.site_id,
	    f->name, NULL, verdict, sizeof(verdict));
	if (rc)
		return rc;
	done = verdict[0] != '\0';
	if (r->pruned && !done)
		goto skip;
	res->total++;
	if (done) {
		int v = bx_verdict_parse(verdict);

		if (v >= 0)
			res->verdicts[v]++;
		res->done++;
		return 0;
	}
	res->planned++;
	return job_add(p, r, f, 0, 1);
skip:
	rc = skip_add(p, r->job.site_id, f->fault);
	if (rc)
		return rc;
	res->skipped++;
	*left_out = true;
	return 0;
}

/* Jobs: selected sites x applicable faults, minus those already done. */
int
plan_jobs(struct store *s, struct plan *p, struct bx_explore_result *res)
{
	uint64_t pos = 0;	/* index of a (site, fault) pair in the whole plan */
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
		res->selected_sites++;
		mask = bx_faults_for_site(p->opts->faults, r->sc, r->count);
		for (k = 0; bx_fault_at(k); k++) {
			const struct bx_fault *f = bx_fault_at(k);

			if (!(mask & (1u << f->fault)))
				continue;
			/*
			 * --shard K/N: pair i of the whole plan belongs to shard
			 * i mod N.  The plan's order depends only on the
			 * recording and the options, never on what is done,
			 * so every shard and every resume cuts it the same way.
			 */
			if (!r->pruned && p->opts->nshards &&
			    pos++ % p->opts->nshards != p->opts->shard) {
				res->other_shards++;
				continue;
			}
			rc = plan_pair(s, p, r, f, &left_out, res);
			if (rc)
				return rc;
		}
		if (left_out)
			res->skipped_sites++;
	}
	return 0;
}

/* The recorded sites the divergence check compares, and their indexes. */
int
plan_compared_build(struct plan *p)
{
	size_t i;

	p->rsites = calloc(p->nsites ? p->nsites : 1, sizeof(*p->rsites));
	if (!p->rsites)
		return -ENOMEM;
	for (i = 0; i < p->nsites; i++) {
		const struct site_row *r = &p->sites[i];
		struct csite *c = &p->rsites[p->nrsites];

		if (!div_compared(p->kinds, r->kind, r->job.path))
			continue;
		c->key = r->key;
		c->key_path = r->job.key_path;
		c->syscall = r->job.syscall;
		c->family = (int)r->job.family;
		c->count = r->count;
		c->callsite = r->job.callsite;
		c->seq = r->job.seq;
		c->process = r->process;
		c->thread = r->thread;
		p->nrsites++;
	}
	return div_index_build(p->rsites, p->nrsites, &p->compared);
}
