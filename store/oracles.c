/*
 * oracles.c - which oracle judged each experiment (migration 14).
 *
 * An oracle is the --oracle command as given and, when its first word
 * names a file, that file's SHA-256 (and path, for people): two explores
 * used the same oracle when both agree, wherever the script lay.  The
 * explorer resolves and hashes; the store keeps one row per distinct
 * oracle and experiments.oracle_id points at it.
 */
#include "store/store.h"

#include <errno.h>
#include <string.h>

#include "store/store_int.h"

int
store_oracle_intern(struct store *s, const struct store_oracle *o,
    int64_t *id)
{
	sqlite3_stmt *st;
	int brc = SQLITE_OK;
	int rc;

	*id = 0;
	if (!o->command)
		return store_fail(s, -EINVAL, "an oracle without a command");
	rc = store_stmt(s, STMT_ORACLE_FIND, "SELECT id FROM oracles WHERE "
	    "command = ?1 AND sha256 IS ?2", &st);
	if (rc < 0)
		return rc;
	store_bind_text(st, 1, o->command, &brc);
	store_bind_text(st, 2, o->sha256, &brc);
	rc = brc != SQLITE_OK ? store_rc(s, brc) : store_step(s, st);
	if (rc == 1)
		*id = sqlite3_column_int64(st, 0);
	store_stmt_done(s, STMT_ORACLE_FIND, st);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	rc = store_stmt(s, STMT_ORACLE_ADD, "INSERT INTO oracles (command, "
	    "file, sha256) VALUES (?1, ?2, ?3)", &st);
	if (rc < 0)
		return rc;
	store_bind_text(st, 1, o->command, &brc);
	store_bind_text(st, 2, o->file, &brc);
	store_bind_text(st, 3, o->sha256, &brc);
	rc = store_step_once(s, STMT_ORACLE_ADD, st, brc);
	if (rc < 0)
		return rc;
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/*
 * The oracles of the experiments, by id, with their counts; the
 * experiments of no known oracle (NULL) last, as id 0.
 */
#define ORACLES_USED							\
	"SELECT e.oracle_id, o.command, o.file, o.sha256, count(*) "	\
	"FROM experiments e LEFT JOIN oracles o ON o.id = e.oracle_id "	\
	"GROUP BY e.oracle_id ORDER BY e.oracle_id IS NULL, e.oracle_id"

int
store_oracles_each(struct store *s, store_oracle_fn *fn, void *ctx)
{
	struct store_oracle o;
	sqlite3_stmt *st;
	int rc;

	rc = store_stmt(s, STMT_ORACLES_EACH, ORACLES_USED, &st);
	if (rc < 0)
		return rc;
	while ((rc = store_step(s, st)) == 1) {
		memset(&o, 0, sizeof(o));
		o.id = store_col_i64(st, 0, 0);
		o.command = store_col_text(st, 1);
		o.file = store_col_text(st, 2);
		o.sha256 = store_col_text(st, 3);
		o.experiments = sqlite3_column_int64(st, 4);
		rc = fn(ctx, &o);
		if (rc != 0)
			break;
	}
	store_stmt_done(s, STMT_ORACLES_EACH, st);
	return rc;
}

int
store_verdict_counts_by_oracle(struct store *s, store_oracle_count_fn *fn,
    void *ctx)
{
	sqlite3_stmt *st;
	bool done;
	int rc = store_stats_by_oracle(s, fn, ctx, &done);

	if (done || rc < 0)
		return rc;
	rc = store_stmt(s, STMT_ORACLE_COUNTS, "SELECT coalesce(e.oracle_id, "
	    "0), e.verdict, count(*) FROM experiments e GROUP BY "
	    "e.oracle_id, e.verdict", &st);
	if (rc < 0)
		return rc;
	while ((rc = store_step(s, st)) == 1) {
		rc = fn(ctx, sqlite3_column_int64(st, 0), store_col_text(st, 1),
		    sqlite3_column_int64(st, 2));
		if (rc != 0)
			break;
	}
	store_stmt_done(s, STMT_ORACLE_COUNTS, st);
	return rc;
}
