/*
 * skipped.c - the skipped table (migration 3): the (site, fault) pairs
 * that `badio explore --per-callsite N` left out, so a report counts
 * them as "not explored" instead of letting them pass for clean.  A
 * trigger of the schema deletes a pair when its experiment is stored;
 * explore --redo empties the table with store_skipped_clear().
 */
#include "store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

int
store_skipped_put(struct store *s, int64_t site, const char *fault,
    const char *reason)
{
	sqlite3_stmt *st;
	int brc = SQLITE_OK;
	int rc;

	rc = store_stmt(s, STMT_SKIPPED_PUT,
	    "INSERT OR REPLACE INTO skipped (site, fault, reason) "
	    "VALUES (?1, ?2, ?3)", &st);
	if (rc < 0)
		return rc;
	store_bind_i64(st, 1, site, &brc);
	store_bind_text(st, 2, fault, &brc);
	store_bind_text(st, 3, reason, &brc);
	rc = store_step_once(s, STMT_SKIPPED_PUT, st, brc);
	return rc < 0 ? rc : 0;
}

int
store_skipped_clear(struct store *s)
{
	sqlite3_stmt *st;
	int rc;

	rc = store_stmt(s, STMT_SKIPPED_CLEAR, "DELETE FROM skipped", &st);
	if (rc < 0)
		return rc;
	rc = store_step(s, st);
	store_stmt_done(s, STMT_SKIPPED_CLEAR, st);
	return rc < 0 ? rc : 0;
}

int
store_skipped_count(struct store *s, int64_t *pairs, int64_t *sites)
{
	sqlite3_stmt *st;
	int rc;

	*pairs = *sites = 0;
	rc = store_stmt(s, STMT_SKIPPED_COUNT,
	    "SELECT count(*), count(DISTINCT site) FROM skipped", &st);
	if (rc < 0)
		return rc;
	rc = store_step(s, st);
	if (rc == 1) {
		*pairs = sqlite3_column_int64(st, 0);
		*sites = sqlite3_column_int64(st, 1);
		rc = 0;
	}
	store_stmt_done(s, STMT_SKIPPED_COUNT, st);
	return rc;
}

int
store_skipped_each(struct store *s, store_skipped_fn *fn, void *ctx)
{
	struct store_site site;
	sqlite3_stmt *st;
	int rc;

	rc = store_stmt(s, STMT_SKIPPED_EACH,
	    "SELECT k.fault, k.reason, " STORE_SITE_COLUMNS("s.")
	    " FROM skipped k JOIN sites s ON s.id = k.site "
	    "ORDER BY s.seq, k.fault", &st);
	if (rc < 0)
		return rc;
	while ((rc = store_step(s, st)) == 1) {
		store_site_read(st, 2, &site);
		rc = fn(ctx, &site, store_col_text(st, 0),
		    store_col_text(st, 1));
		if (rc != 0)
			break;
	}
	store_stmt_done(s, STMT_SKIPPED_EACH, st);
	return rc;
}

/*
 * store_skipped_each's rows one at a time, for a caller that reads them
 * beside another iteration (report --format junit merges them with the
 * experiments, both in seq order).
 */
struct store_skipped_cursor {
	struct store	*s;
	sqlite3_stmt	*st;
	struct store_site site;
};

int
store_skipped_open(struct store *s, struct store_skipped_cursor **cp)
{
	struct store_skipped_cursor *c = calloc(1, sizeof(*c));
	int rc;

	*cp = NULL;
	if (!c)
		return store_fail(s, -ENOMEM, "out of memory");
	c->s = s;
	rc = sqlite3_prepare_v2(s->db, "SELECT k.fault, k.reason, "
	    STORE_SITE_COLUMNS("s.") " FROM skipped k JOIN sites s "
	    "ON s.id = k.site ORDER BY s.seq, k.fault", -1, &c->st, NULL);
	if (rc != SQLITE_OK) {
		free(c);
		return store_rc(s, rc);
	}
	*cp = c;
	return 0;
}

int
store_skipped_next(struct store_skipped_cursor *c,
    const struct store_site **site, const char **fault, const char **reason)
{
	int rc = store_step(c->s, c->st);

	if (rc != 1)
		return rc;
	store_site_read(c->st, 2, &c->site);
	*site = &c->site;
	*fault = store_col_text(c->st, 0);
	*reason = store_col_text(c->st, 1);
	return 1;
}

void
store_skipped_close(struct store_skipped_cursor *c)
{
	if (!c)
		return;
	sqlite3_finalize(c->st);
	free(c);
}
