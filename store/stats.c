/*
 * stats.c - the report's counts of experiments in one scan of the table
 * (store_verdict_counts_by_oracle, store_inconclusive_get).  Their SQL
 * (a GROUP BY over the oracle index, a join of verdict_codes) read a
 * million experiments twice, about a second; the scan reads them once
 * in rowid order and counts in C.  The counts are made on first use and
 * kept by a read-only handle (a report); a handle that writes, or a
 * table holding what badio never writes (a verdict that is not text, an
 * integer column that is not an integer), or more than STATS_PAIRS
 * (oracle, verdict) pairs, runs the SQL as before.
 */
#include "store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

#define STATS_PAIRS	256
#define STATS_VERDICTS	64

struct stat_pair {
	int64_t		oracle;		/* coalesce(oracle_id, 0) */
	char		*verdict;	/* NULL: NULL */
	int64_t		n;
};

struct store_stats {
	struct stat_pair pair[STATS_PAIRS];
	size_t		npairs;
	struct store_inconclusive ic;
	struct {
		char	*name;
		bool	judged;
	} v[STATS_VERDICTS];		/* verdict_codes */
	size_t		nv;
};

static void
stats_free(struct store_stats *t)
{
	for (size_t i = 0; i < t->npairs; i++)
		free(t->pair[i].verdict);
	for (size_t i = 0; i < t->nv; i++)
		free(t->v[i].name);
	free(t);
}

/* verdict_codes into t: 1 done, 0 not as badio writes it, < 0 error */
static int
codes_load(struct store *s, struct store_stats *t)
{
	sqlite3_stmt *st;
	int rc, ok = 1;

	rc = sqlite3_prepare_v2(s->db, "SELECT name, judged FROM "
	    "verdict_codes", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_rc(s, rc);
	while (ok && (rc = store_step(s, st)) == 1) {
		const char *n = (const char *)sqlite3_column_text(st, 0);

		if (t->nv == STATS_VERDICTS || !n ||
		    sqlite3_column_type(st, 0) != SQLITE_TEXT ||
		    sqlite3_column_type(st, 1) != SQLITE_INTEGER ||
		    strlen(n) != (size_t)sqlite3_column_bytes(st, 0)) {
			ok = 0;
			break;
		}
		t->v[t->nv].judged = sqlite3_column_int64(st, 1) != 0;
		if (!(t->v[t->nv].name = strdup(n))) {
			rc = store_fail(s, -ENOMEM, "out of memory");
			break;
		}
		t->nv++;
	}
	sqlite3_finalize(st);
	return rc < 0 ? rc : ok;
}

/* The (oracle, verdict) pair's count, added; false: too many pairs. */
static int
pair_add(struct store *s, struct store_stats *t, int64_t oracle,
    const char *verdict)
{
	struct stat_pair *p;

	for (size_t i = t->npairs; i-- > 0;) {
		p = &t->pair[i];
		if (p->oracle == oracle && (p->verdict == verdict ||
		    (p->verdict && verdict && strcmp(p->verdict, verdict) == 0))) {
			p->n++;
			return 1;
		}
	}
	if (t->npairs == STATS_PAIRS)
		return 0;
	p = &t->pair[t->npairs];
	p->oracle = oracle;
	p->n = 1;
	p->verdict = verdict ? strdup(verdict) : NULL;
	if (verdict && !p->verdict)
		return store_fail(s, -ENOMEM, "out of memory");
	t->npairs++;
	return 1;
}

/* The row's verdict in verdict_codes (the JOIN's), or -1. */
static int
code_of(const struct store_stats *t, const char *verdict)
{
	for (size_t i = 0; verdict && i < t->nv; i++)
		if (strcmp(t->v[i].name, verdict) == 0)
			return (int)i;
	return -1;
}

/* One row: oracle_id, verdict, injected, diverged, divergence_kind. */
static int
row_count(struct store *s, struct store_stats *t, sqlite3_stmt *st)
{
	const char *verdict = (const char *)sqlite3_column_text(st, 1);
	int vt = sqlite3_column_type(st, 1);
	int k, rc;
	bool inj, div;

	if ((vt != SQLITE_TEXT && vt != SQLITE_NULL) || (verdict &&
	    strlen(verdict) != (size_t)sqlite3_column_bytes(st, 1)) ||
	    sqlite3_column_type(st, 2) != SQLITE_INTEGER ||
	    sqlite3_column_type(st, 3) != SQLITE_INTEGER)
		return 0;
	rc = pair_add(s, t, sqlite3_column_int64(st, 0), verdict);
	if (rc <= 0 || (k = code_of(t, verdict)) < 0)
		return rc;
	inj = sqlite3_column_int64(st, 2) != 0;
	div = sqlite3_column_int64(st, 3) != 0;
	t->ic.experiments++;
	t->ic.total += !inj || !t->v[k].judged || div;
	t->ic.unreached += !inj;
	t->ic.not_judged += inj && !t->v[k].judged;
	t->ic.diverged += inj && t->v[k].judged && div;
	t->ic.reordered += sqlite3_column_type(st, 4) == SQLITE_TEXT &&
	    sqlite3_column_bytes(st, 4) == 9 &&
	    memcmp(sqlite3_column_text(st, 4), "reordered", 9) == 0;
	return 1;
}

/* s->stats made: 1, or 0 (run the SQL), or < 0 an error. */
static int
stats_make(struct store *s)
{
	struct store_stats *t;
	sqlite3_stmt *st = NULL;
	int rc = SQLITE_OK, ok;

	if (s->stats)
		return 1;
	if (s->views || s->mode != STORE_READ || s->stats_failed)
		return 0;
	t = calloc(1, sizeof(*t));
	if (!t)
		return store_fail(s, -ENOMEM, "out of memory");
	ok = codes_load(s, t);
	rc = ok == 1 ? sqlite3_prepare_v2(s->db, "SELECT oracle_id, verdict, "
	    "injected, diverged, divergence_kind FROM experiments", -1, &st,
	    NULL) : SQLITE_OK;
	if (ok == 1 && rc != SQLITE_OK)
		ok = store_rc(s, rc);
	while (ok == 1 && (rc = store_step(s, st)) == 1)
		ok = row_count(s, t, st);
	if (ok == 1 && rc < 0)
		ok = rc;
	sqlite3_finalize(st);
	if (ok == 1) {
		s->stats = t;
		return 1;
	}
	stats_free(t);
	s->stats_failed = ok == 0;
	return ok;
}

void
store_stats_free(struct store *s)
{
	if (s->stats)
		stats_free(s->stats);
	s->stats = NULL;
}

int
store_stats_by_oracle(struct store *s, store_oracle_count_fn *fn, void *ctx,
    bool *done)
{
	int rc = stats_make(s);

	*done = rc == 1;
	if (rc != 1)
		return rc < 0 ? rc : 0;
	for (size_t i = 0; i < s->stats->npairs; i++) {
		const struct stat_pair *p = &s->stats->pair[i];

		rc = fn(ctx, p->oracle, p->verdict, p->n);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
store_stats_inconclusive(struct store *s, struct store_inconclusive *c,
    bool *done)
{
	int rc = stats_make(s);

	*done = rc == 1;
	if (rc == 1)
		*c = s->stats->ic;
	return rc < 0 ? rc : 0;
}
