/*
 * exp_rows.c - the experiments of `badio report`, fast: experiments and
 * site_rows read directly (store_experiments_each, store_bugs_each).
 *
 * The view verdicts joins each experiment to the view sites (seven
 * joins of strings) and sorts a million rows by (seq, fault, state);
 * that was most of a report's time (docs/performance.md, "Reports of a
 * million experiments").  Here, when seq grows with id over all of
 * site_rows (the order is then total: no tie left to SQLite's choice):
 *
 *   - every experiment: the two unique indexes of experiments give the
 *     rows without a state in (site, fault) order and those with one
 *     in (site, fault, state) order, no sort; the two are merged here
 *     as ORDER BY merges them (SQLite's order of values: NULL, numbers,
 *     text by memcmp, blobs) and joined to site_rows read in id order,
 *     each site decoded once with listing.c's strings (loaded once;
 *     '<missing>' for an id strings lacks);
 *   - the bugs: one statement over the tables, sorted by SQLite by the
 *     view's own expressions of path and syscall, then seq, fault and
 *     state (a small share of the rows, and only two joins of strings);
 *   - the diverged ones (the table report shows them first): the table
 *     scanned, what diverged sorted by SQLite, each site looked up;
 *   - a site row that holds what the recorder never writes is read from
 *     the view sites by id, as listing.c does.
 *
 * Otherwise (seq not growing, strings too big to hold) the views are
 * read as before.  The experiment's own columns are read as the view
 * path reads them (store_experiment_read), so they are the same values.
 */
#include "store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

#define EXP_SELECT	"SELECT " STORE_EXP_COLUMNS("e.") " FROM experiments e "
#define BUG_FILTER	"e.verdict IN (SELECT name FROM verdict_codes WHERE bug)"

/* what the callers skip anyway; store_col_i64 reads it as CAST does */
#define DIVERGED	" AND CAST(e.diverged AS INTEGER) != 0"
#define NO_STATE	EXP_SELECT "WHERE e.state IS NULL"
#define NO_STATE_ORDER	" ORDER BY e.site, e.fault"
#define STATE		EXP_SELECT "WHERE e.state IS NOT NULL"
#define STATE_ORDER	" ORDER BY e.site, e.fault, e.state"
/*
 * The diverged ones, few as a rule: a scan of the table and a sort of
 * what it keeps beat the index's order, which visits every row; one
 * statement (the second stream is empty).
 */
static const char *const sql_no_state[] = {
	[STORE_ROWS_ALL] = NO_STATE NO_STATE_ORDER,
	[STORE_ROWS_DIVERGED] = "SELECT " STORE_EXP_COLUMNS("e.")
	    " FROM experiments e NOT INDEXED WHERE 1" DIVERGED
	    " ORDER BY e.site, e.fault, e.state",
};
static const char *const sql_state[] = {
	[STORE_ROWS_ALL] = STATE STATE_ORDER,
	[STORE_ROWS_DIVERGED] = EXP_SELECT "WHERE 0",
};
static const char sql_site_at[] =
	"SELECT " STORE_ROW_COLUMNS("") " FROM site_rows WHERE id = ?1";
static const char sql_sites[] =
	"SELECT " STORE_ROW_COLUMNS("") " FROM site_rows ORDER BY id";
/* the bugs view's order, by the sites view's expressions */
static const char sql_bugs[] =
	"SELECT " STORE_EXP_COLUMNS("e.") ", " STORE_ROW_COLUMNS("r.")
	" FROM experiments e JOIN site_rows r ON r.id = e.site"
	" LEFT JOIN strings p ON p.id = r.path"
	" LEFT JOIN strings sc ON sc.id = r.syscall"
	" WHERE " BUG_FILTER
	" ORDER BY iif(r.path IS NULL, NULL, coalesce(p.text, '<missing>')),"
	" coalesce(sc.text, '<missing>'), r.id + r.dseq, e.fault, e.state";
static const char sql_view_site[] =
	"SELECT " STORE_SITE_COLUMNS("") " FROM sites WHERE id = ?1";

/*
 * Does seq (id + dseq) strictly grow with id over every site?  1 yes,
 * 0 no (or a value there is not an integer), < 0 error.  One statement
 * when every dseq is 0, the recorder's usual case.
 */
static int
seq_grows(struct store *s)
{
	sqlite3_stmt *st;
	int64_t prev = 0;
	bool first = true;
	int rc, ok = 0;

	rc = sqlite3_prepare_v2(s->db, "SELECT NOT EXISTS (SELECT 1 FROM "
	    "site_rows WHERE dseq IS NOT 0)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_rc(s, rc);
	if ((rc = store_step(s, st)) == 1)
		ok = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc < 0 || ok)
		return rc < 0 ? rc : 1;
	rc = sqlite3_prepare_v2(s->db, "SELECT id, dseq FROM site_rows "
	    "ORDER BY id", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_rc(s, rc);
	ok = 1;
	while (ok && (rc = store_step(s, st)) == 1) {
		int64_t seq;

		if (sqlite3_column_type(st, 1) != SQLITE_INTEGER ||
		    __builtin_add_overflow(sqlite3_column_int64(st, 0),
		    sqlite3_column_int64(st, 1), &seq) ||
		    (!first && seq <= prev))
			ok = 0;
		prev = seq;
		first = false;
	}
	sqlite3_finalize(st);
	return rc < 0 ? rc : ok;
}

/* SQLite's order of two values (BINARY text): < 0, 0, > 0. */
static int
type_class(int type)
{
	switch (type) {
	case SQLITE_NULL:	return 0;
	case SQLITE_INTEGER:
	case SQLITE_FLOAT:	return 1;
	case SQLITE_TEXT:	return 2;
	default:		return 3;
	}
}

static int
value_cmp(sqlite3_value *a, sqlite3_value *b)
{
	int ta = sqlite3_value_type(a), tb = sqlite3_value_type(b);
	int ca = type_class(ta), cb = type_class(tb);

	if (ca != cb)
		return ca < cb ? -1 : 1;
	if (ca == 0)
		return 0;
	if (ca == 1) {
		if (ta == SQLITE_INTEGER && tb == SQLITE_INTEGER) {
			int64_t x = sqlite3_value_int64(a);
			int64_t y = sqlite3_value_int64(b);

			return x < y ? -1 : x > y;
		}
		double x = sqlite3_value_double(a), y = sqlite3_value_double(b);

		return x < y ? -1 : x > y;
	}
	{
		const void *x = ca == 2 ? (const void *)sqlite3_value_text(a) :
		    sqlite3_value_blob(a);
		const void *y = ca == 2 ? (const void *)sqlite3_value_text(b) :
		    sqlite3_value_blob(b);
		size_t lx = (size_t)sqlite3_value_bytes(a);
		size_t ly = (size_t)sqlite3_value_bytes(b);
		int c = lx && ly ? memcmp(x, y, lx < ly ? lx : ly) : 0;

		return c ? c : lx < ly ? -1 : lx > ly;
	}
}

/* Column numbers of the experiment columns the merge orders by. */
enum { E_SITE = 1, E_FAULT = 2, E_STATE = 16 };

/* Is a (no state) before b (a state)?  As ORDER BY site, fault, state. */
static bool
first_of(sqlite3_stmt *a, sqlite3_stmt *b)
{
	int c = value_cmp(sqlite3_column_value(a, E_SITE),
	    sqlite3_column_value(b, E_SITE));

	if (c == 0)
		c = value_cmp(sqlite3_column_value(a, E_FAULT),
		    sqlite3_column_value(b, E_FAULT));
	return c <= 0;		/* a's NULL state sorts first */
}

/* The site an experiment joins, read once per site. */
struct joiner {
	struct lister	l;
	sqlite3_stmt	*sites;		/* site_rows by id */
	sqlite3_stmt	*view;		/* a row the recorder never writes */
	sqlite3_stmt	*at;		/* site_rows by one id, or NULL */
	bool		more;		/* sites has a current row */
	bool		have;		/* site holds that row, decoded */
	struct raw	w;
	struct store_list_row row;
	const struct store_site *site;
	bool		plain;		/* site from row, not from the view */
};

/* Decode raw row w into j->site; 0 or < 0. */
static int
site_decode(struct joiner *j, const struct raw *w)
{
	int rc;

	j->plain = store_raw_plain(w);
	if (j->plain) {
		rc = store_raw_site(&j->l, w, &j->row);
		j->site = &j->row.site;
		return rc;
	}
	/* as the view shows it: its texts live until the next reset */
	sqlite3_reset(j->view);
	rc = sqlite3_bind_int64(j->view, 1, w->v[0]);
	if (rc != SQLITE_OK)
		return store_rc(j->l.s, rc);
	rc = store_step(j->l.s, j->view);
	if (rc < 0)
		return rc;
	j->site = NULL;
	if (rc == 1) {
		memset(&j->row, 0, sizeof(j->row));
		store_site_read(j->view, 0, &j->row.site);
		j->site = &j->row.site;
	}
	return 0;
}

/* The site of id looked up alone (a few rows of many sites). */
static const struct store_site *
site_at(struct joiner *j, int64_t want, int *rc)
{
	int r;

	sqlite3_reset(j->at);
	r = sqlite3_bind_int64(j->at, 1, want);
	if (r != SQLITE_OK) {
		*rc = store_rc(j->l.s, r);
		return NULL;
	}
	r = store_step(j->l.s, j->at);
	j->have = r == 1;
	if (r != 1) {
		*rc = r < 0 ? r : 0;
		return NULL;
	}
	store_raw_read(j->at, 0, &j->w);
	*rc = site_decode(j, &j->w);
	return *rc < 0 ? NULL : j->site;
}

/*
 * The site of id (site_rows read forward to it), or NULL when there is
 * none (the JOIN drops such an experiment); < 0 in *rc on an error.
 */
static const struct store_site *
site_of(struct joiner *j, sqlite3_value *id, int *rc)
{
	int64_t want;

	*rc = 0;
	if (sqlite3_value_type(id) != SQLITE_INTEGER)
		return NULL;
	want = sqlite3_value_int64(id);
	if (j->have && j->w.v[0] == want)
		return j->site;
	if (j->at)
		return site_at(j, want, rc);
	while (j->more && (!j->have || j->w.v[0] < want)) {
		int r = store_step(j->l.s, j->sites);

		if (r < 0) {
			*rc = r;
			return NULL;
		}
		j->more = r == 1;
		j->have = false;
		if (j->more)
			store_raw_read(j->sites, 0, &j->w);
		if (j->more && j->w.v[0] >= want) {
			j->have = true;
			break;
		}
	}
	if (!j->have || j->w.v[0] != want)
		return NULL;
	*rc = site_decode(j, &j->w);
	return *rc < 0 ? NULL : j->site;
}

static int
prepare(struct store *s, const char *sql, sqlite3_stmt **st)
{
	int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);

	return rc == SQLITE_OK ? 0 : store_rc(s, rc);
}

/* The current row of st with its site to fn; 0 if it joins none. */
static int
emit(struct joiner *j, sqlite3_stmt *st, store_exp_sink *fn, void *ctx)
{
	const struct store_site *site;
	int rc;

	site = site_of(j, sqlite3_column_value(st, E_SITE), &rc);
	if (!site)
		return rc;
	return fn(ctx, st, site, j->plain ? &j->row : NULL);
}

/* Every experiment (of which), as the view verdicts orders them. */
static int
merged(struct joiner *j, enum store_rows which, store_exp_sink *fn,
    void *ctx)
{
	struct store *s = j->l.s;
	sqlite3_stmt *a = NULL, *b = NULL;
	int ra, rb, rc;

	rc = prepare(s, sql_no_state[which], &a);
	if (rc == 0)
		rc = prepare(s, sql_state[which], &b);
	if (rc < 0)
		goto out;
	ra = store_step(s, a);
	rb = ra < 0 ? 0 : store_step(s, b);
	rc = ra < 0 ? ra : rb < 0 ? rb : 0;
	while (rc == 0 && (ra == 1 || rb == 1)) {
		bool take_a = ra == 1 && (rb != 1 || first_of(a, b));
		sqlite3_stmt *st = take_a ? a : b;

		rc = emit(j, st, fn, ctx);
		if (rc != 0)
			break;
		if (take_a)
			rc = ra = store_step(s, a);
		else
			rc = rb = store_step(s, b);
		rc = rc < 0 ? rc : 0;
	}
out:
	sqlite3_finalize(a);
	sqlite3_finalize(b);
	return rc;
}

/* The bugs, as the view bugs orders them; each row brings its site. */
static int
bugs(struct joiner *j, store_exp_sink *fn, void *ctx)
{
	struct store *s = j->l.s;
	sqlite3_stmt *st;
	struct raw w;
	int rc;

	rc = prepare(s, sql_bugs, &st);
	if (rc < 0)
		return rc;
	while ((rc = store_step(s, st)) == 1) {
		store_raw_read(st, STORE_EXP_NCOLUMNS, &w);
		rc = site_decode(j, &w);
		if (rc < 0)
			break;
		if (!j->site)
			continue;
		rc = fn(ctx, st, j->site, j->plain ? &j->row : NULL);
		if (rc != 0)
			break;
	}
	sqlite3_finalize(st);
	return rc;
}

int
store_exp_rows(struct store *s, enum store_rows which, store_exp_sink *fn,
    void *ctx, bool *done)
{
	struct joiner j = { .l = { .s = s } };
	int rc;

	*done = false;
	rc = seq_grows(s);
	if (rc == 1)
		rc = store_lister_texts(&j.l);
	if (rc != 1)			/* 0: the views' order, or < 0 */
		goto out;
	rc = prepare(s, sql_view_site, &j.view);
	if (rc == 0 && which == STORE_ROWS_ALL)
		rc = prepare(s, sql_sites, &j.sites);
	if (rc == 0 && which == STORE_ROWS_DIVERGED)
		rc = prepare(s, sql_site_at, &j.at);
	if (rc == 0) {
		*done = true;
		j.more = true;
		rc = which == STORE_ROWS_BUGS ? bugs(&j, fn, ctx) :
		    merged(&j, which, fn, ctx);
	}
out:
	sqlite3_finalize(j.sites);
	sqlite3_finalize(j.at);
	sqlite3_finalize(j.view);
	store_lister_free(&j.l);
	return rc < 0 || *done ? rc : 0;
}
