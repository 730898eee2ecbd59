/*
 * report_rows.c - the experiments of the report's JSON, for the caller
 * to make in C what SQLite's json_object made of the views' rows (1M
 * rows of json_object over the views took 11 s; docs/performance.md,
 * "Reports of a million experiments").
 *
 * The rows come from exp_rows.c.  A row whose values are what badio
 * writes (integers where integers go, texts without a NUL, no value
 * that reads as another's NULL: a fault_bytes of -1) goes to the caller
 * as values; any other row (a crafted file) goes as the JSON SQLite
 * makes of the view's row, by experiment id, and so does every row when
 * exp_rows.c cannot give the views' order.  The oracle's command is
 * looked up in the oracles table, loaded once.
 */
#include "store/store.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

#define ORACLES_MAX	4096		/* held; more: each row from the view */

struct oracle {
	int64_t		id;
	char		*command;	/* NULL: not plain text (the view's) */
};

struct rows {
	struct store	*s;
	store_report_row_fn *fn;
	void		*ctx;
	struct oracle	*o;
	size_t		no;
	bool		all_view;	/* too many oracles: the view's JSON */
	sqlite3_stmt	*one;		/* one row's JSON from the view */
};

static const char sql_one[] =
	"SELECT " STORE_EXP_JSON " FROM verdicts WHERE experiment = ?1";

static int
oracles_load(struct rows *r)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(r->s->db, "SELECT id, command FROM oracles "
	    "ORDER BY id", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_rc(r->s, rc);
	while ((rc = store_step(r->s, st)) == 1) {
		const char *t = (const char *)sqlite3_column_text(st, 1);
		size_t n = (size_t)sqlite3_column_bytes(st, 1);
		struct oracle *o;

		if (sqlite3_column_type(st, 0) != SQLITE_INTEGER)
			continue;		/* joins no integer oracle_id */
		if (r->no == ORACLES_MAX) {
			r->all_view = true;
			break;
		}
		o = reallocarray(r->o, r->no + 1, sizeof(*o));
		if (!o) {
			rc = store_fail(r->s, -ENOMEM, "out of memory");
			break;
		}
		r->o = o;
		o = &r->o[r->no++];
		o->id = sqlite3_column_int64(st, 0);
		o->command = NULL;
		if (sqlite3_column_type(st, 1) == SQLITE_TEXT && t &&
		    strlen(t) == n && !(o->command = strdup(t))) {
			rc = store_fail(r->s, -ENOMEM, "out of memory");
			break;
		}
	}
	sqlite3_finalize(st);
	return rc < 0 ? rc : 0;
}

/* The oracle of id; NULL if none has it (the JOIN's NULL). */
static const struct oracle *
oracle_find(const struct rows *r, int64_t id)
{
	size_t lo = 0, hi = r->no;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->o[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->no && r->o[lo].id == id ? &r->o[lo] : NULL;
}

/* Integer columns: may it be NULL, and what struct store_experiment reads NULL as. */
static const struct {
	int	col;
	bool	null_ok;
	int64_t	if_null;
} int_cols[] = {
	{ 0, false, 0 },	/* id */
	{ 1, false, 0 },	/* site */
	{ 3, false, 0 },	/* injected */
	{ 4, true, -1 },	/* fault_bytes */
	{ 6, false, 0 },	/* duration_ns */
	{ 7, true, -1 },	/* oracle_exit (an int) */
	{ 11, false, 0 },	/* diverged */
	{ 14, true, 0 },	/* oracle_id */
	{ 18, true, -1 },	/* unsynced */
};
static const int text_cols[] = { 2, 5, 8, 9, 10, 12, 13, 15, 16, 17 };

/* Are st's experiment columns what badio writes, each value its own? */
static bool
exp_plain(sqlite3_stmt *st)
{
	for (size_t i = 0; i < sizeof(int_cols) / sizeof(int_cols[0]); i++) {
		int t = sqlite3_column_type(st, int_cols[i].col);
		int64_t v;

		if (t == SQLITE_NULL) {
			if (!int_cols[i].null_ok)
				return false;
			continue;
		}
		if (t != SQLITE_INTEGER)
			return false;
		v = sqlite3_column_int64(st, int_cols[i].col);
		if (int_cols[i].null_ok && v == int_cols[i].if_null)
			return false;
		if (int_cols[i].col == 7 && (v < INT_MIN || v > INT_MAX))
			return false;
	}
	for (size_t i = 0; i < sizeof(text_cols) / sizeof(text_cols[0]); i++) {
		int c = text_cols[i], t = sqlite3_column_type(st, c);
		const char *p;

		if (t == SQLITE_NULL)
			continue;
		if (t != SQLITE_TEXT)
			return false;
		p = (const char *)sqlite3_column_text(st, c);
		if (!p || strlen(p) != (size_t)sqlite3_column_bytes(st, c))
			return false;
	}
	return true;
}

/* The view's JSON of experiment id to fn. */
static int
view_row(struct rows *r, int64_t id)
{
	struct store_report_row row = { 0 };
	int rc;

	if (!r->one) {
		rc = sqlite3_prepare_v2(r->s->db, sql_one, -1, &r->one, NULL);
		if (rc != SQLITE_OK)
			return store_rc(r->s, rc);
	}
	sqlite3_reset(r->one);
	rc = sqlite3_bind_int64(r->one, 1, id);
	if (rc != SQLITE_OK)
		return store_rc(r->s, rc);
	rc = store_step(r->s, r->one);
	if (rc <= 0)
		return rc;
	row.json = (const char *)sqlite3_column_text(r->one, 0);
	row.json_len = (size_t)sqlite3_column_bytes(r->one, 0);
	if (!row.json)
		row.json = "null", row.json_len = 4;
	return r->fn(r->ctx, &row);
}

static int
row_sink(void *ctx, sqlite3_stmt *st, const struct store_site *site,
    const struct store_list_row *plain)
{
	struct rows *r = ctx;
	struct store_report_row row = { 0 };
	const struct oracle *o = NULL;
	struct store_experiment e;

	if (!plain || r->all_view || !exp_plain(st))
		return view_row(r, sqlite3_column_int64(st, 0));
	store_experiment_read(st, &e);
	if (sqlite3_column_type(st, 14) != SQLITE_NULL) {
		o = oracle_find(r, e.oracle_id);
		if (o && !o->command)
			return view_row(r, e.id);
	}
	row.e = &e;
	row.site = site;
	row.site_nulls = plain->nulls;
	row.oracle = o ? o->command : NULL;
	return r->fn(r->ctx, &row);
}

/* Every row as the view's JSON (exp_rows.c cannot give the order). */
static int
view_rows(struct rows *r, bool bugs)
{
	struct store_report_row row = { 0 };
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(r->s->db, bugs ?
	    "SELECT " STORE_EXP_JSON " FROM bugs" :
	    "SELECT " STORE_EXP_JSON " FROM verdicts", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_rc(r->s, rc);
	while ((rc = store_step(r->s, st)) == 1) {
		row.json = (const char *)sqlite3_column_text(st, 0);
		row.json_len = (size_t)sqlite3_column_bytes(st, 0);
		if (!row.json)
			row.json = "null", row.json_len = 4;
		rc = r->fn(r->ctx, &row);
		if (rc != 0)
			break;
	}
	sqlite3_finalize(st);
	return rc;
}

int
store_report_rows(struct store *s, bool bugs, store_report_row_fn *fn,
    void *ctx)
{
	struct rows r = { .s = s, .fn = fn, .ctx = ctx };
	bool done = false;
	int rc = s->views ? 0 : oracles_load(&r);

	if (rc == 0 && !s->views)
		rc = store_exp_rows(s, bugs ? STORE_ROWS_BUGS : STORE_ROWS_ALL,
		    row_sink, &r, &done);
	if (rc == 0 && !done)
		rc = view_rows(&r, bugs);
	sqlite3_finalize(r.one);
	for (size_t i = 0; i < r.no; i++)
		free(r.o[i].command);
	free(r.o);
	return rc;
}
