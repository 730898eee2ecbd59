/*
 * report_groups.c - the bug experiments grouped by (call site, path,
 * verdict, oracle, crash state): one line of the report's "bugs by call
 * site", one SARIF result.  Groups come in verdict order (worst first), then in the
 * order of their first site.
 */
#include "tools/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "explorer/explorer.h"
#include "recorder/recorder.h"

static bool
same_state(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static struct report_group *
group_find(struct report_groups *gs, int64_t callsite, const char *path,
    int verdict, int64_t oracle, const char *state)
{
	struct report_group *g;
	size_t i;

	for (i = 0; i < gs->n; i++) {
		g = &gs->v[i];
		if (g->callsite == callsite && g->verdict == verdict &&
		    g->oracle == oracle && strcmp(g->path, path) == 0 &&
		    same_state(g->state, state))
			return g;
	}
	if (gs->n == gs->cap) {
		size_t cap = gs->cap ? 2 * gs->cap : 16;
		struct report_group *n = reallocarray(gs->v, cap, sizeof(*n));

		if (!n)
			return NULL;
		gs->v = n;
		gs->cap = cap;
	}
	g = &gs->v[gs->n];
	memset(g, 0, sizeof(*g));
	g->path = strdup(path);
	g->state = state ? strdup(state) : NULL;
	if (!g->path || (state && !g->state)) {
		free(g->path);
		free(g->state);
		return NULL;
	}
	g->callsite = callsite;
	g->verdict = verdict;
	g->oracle = oracle;
	g->prog_last_seq = INT64_MAX;
	g->first_seq = INT64_MAX;
	gs->n++;
	return g;
}

static int
group_first_site(struct report_group *g, const struct store_experiment *e,
    const struct store_site *s)
{
	char *syscall = strdup(s->syscall), *key = strdup(s->key ? s->key : "");
	char *sync = e->last_sync ? strdup(e->last_sync) : NULL;

	if (!syscall || !key || (e->last_sync && !sync)) {
		free(syscall);
		free(key);
		free(sync);
		return -ENOMEM;
	}
	free(g->syscall);
	free(g->key);
	free(g->last_sync);
	g->syscall = syscall;
	g->key = key;
	g->last_sync = sync;
	g->first_seq = s->seq;
	return 0;
}

static int
group_add(void *ctx, const struct store_experiment *e,
    const struct store_site *s)
{
	struct report_groups *gs = ctx;
	struct report_group *g;
	int f = rec_fault_parse(e->fault);
	size_t i;

	if (gs->sites && !bx_filter_match(gs->sites, s))
		return 0;
	g = group_find(gs, s->callsite, s->path ? s->path : "",
	    bx_verdict_parse(e->verdict), e->oracle_id, e->state);
	if (!g)
		return -ENOMEM;
	if (e->prog_last && *e->prog_last && s->seq < g->prog_last_seq) {
		char *last = strdup(e->prog_last);

		if (!last)
			return -ENOMEM;
		free(g->prog_last);
		g->prog_last = last;
		g->prog_last_seq = s->seq;
	}
	if (f >= 0)
		g->faults |= 1u << f;
	g->nexp++;
	g->ndiverged += e->diverged;
	g->mapped |= s->mapped;
	if (s->seq < g->first_seq && group_first_site(g, e, s) < 0)
		return -ENOMEM;
	for (i = 0; i < g->nids && g->ids[i] != s->id; i++)
		;
	if (i < g->nids)
		return 0;
	if (g->nids == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 8;
		int64_t *n = reallocarray(g->ids, cap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		g->ids = n;
		g->cap = cap;
	}
	g->ids[g->nids++] = s->id;
	return 0;
}

static int
cmp_group(const void *a, const void *b)
{
	const struct report_group *x = a, *y = b;

	if (x->verdict != y->verdict)
		return x->verdict < y->verdict ? -1 : 1;
	if (x->first_seq == y->first_seq && x->oracle != y->oracle)
		return x->oracle < y->oracle ? -1 : 1;
	return x->first_seq < y->first_seq ? -1 : x->first_seq > y->first_seq;
}

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int
report_groups_load(struct store *s, struct report_groups *gs)
{
	int rc = store_bugs_each(s, group_add, gs);

	if (rc < 0 || gs->n == 0)
		return rc;		/* qsort wants an array, even of none */
	qsort(gs->v, gs->n, sizeof(*gs->v), cmp_group);
	for (size_t i = 0; i < gs->n; i++)
		qsort(gs->v[i].ids, gs->v[i].nids, sizeof(*gs->v[i].ids),
		    cmp_id);
	return 0;
}

void
report_groups_free(struct report_groups *gs)
{
	const struct bx_filter *sites = gs->sites;

	for (size_t i = 0; i < gs->n; i++) {
		free(gs->v[i].path);
		free(gs->v[i].ids);
		free(gs->v[i].syscall);
		free(gs->v[i].key);
		free(gs->v[i].prog_last);
		free(gs->v[i].state);
		free(gs->v[i].last_sync);
	}
	free(gs->v);
	memset(gs, 0, sizeof(*gs));
	gs->sites = sites;
}

void
report_group_faults(const struct report_group *g, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int f = 0; f < REC_FAULT_COUNT && len < size; f++) {
		if (!(g->faults & (1u << f)))
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    len ? ", " : "", rec_fault_name(f));
	}
	if (g->state && len < size)
		snprintf(buf + len, size - len, " (%s)", g->state);
}
