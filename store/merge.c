/*
 * merge.c - shards: copying a database for one shard of an explore, and
 * merging the shards' experiments back into one database (badio merge).
 *
 * A shard database is a copy of the recorded database (VACUUM INTO), so
 * its recording, sites and call sites are those of every other shard and
 * site ids agree; merging therefore copies experiments and skipped pairs
 * only, after checking that the shard really is a copy of the same
 * recording: same schema version, the same recording row, the very same
 * sites (joined by id on seq and replay key), the same plan, and no
 * verdicts of another oracle (check_oracles).  Each experiment keeps
 * the oracle that judged it: the shard's oracles are added here and its
 * oracle ids translated.
 *
 * The shard is ATTACHed read-only (a file: URI with mode=ro) and read
 * with trusted_schema off, so a crafted shard's views and triggers run no
 * function with side effects.  Each shard is merged in one transaction:
 * an interrupted merge leaves whole shards merged, and merging a shard
 * again adds nothing (INSERT OR IGNORE on the experiments' unique key).
 * A pair present on both sides with another verdict is counted as a
 * conflict and the target's experiment kept.  The experiment columns are
 * read from the schema (PRAGMA table_info), so new columns travel too.
 */
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

/* VACUUM INTO: a consistent, compact copy, even while others read. */
int
store_copy_to(struct store *s, const char *path)
{
	sqlite3_stmt *st;
	int brc = SQLITE_OK;
	int rc;

	rc = sqlite3_prepare_v2(s->db, "VACUUM INTO ?1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_rc(s, rc);
	store_bind_text(st, 1, path, &brc);
	rc = brc == SQLITE_OK ? sqlite3_step(st) : brc;
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_rc(s, rc);
}

/* A file: URI for path, opened read-only: every byte that is not
 * unreserved or '/' percent-encoded. */
static char *
ro_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path);
	char *u = malloc(3 * n + sizeof("file:?mode=ro"));
	char *p = u;

	if (!u)
		return NULL;
	memcpy(p, "file:", 5);
	p += 5;
	for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr("/-._~", *c)) {
			*p++ = (char)*c;
		} else {
			*p++ = '%';
			*p++ = hex[*c >> 4];
			*p++ = hex[*c & 15];
		}
	}
	memcpy(p, "?mode=ro", sizeof("?mode=ro"));
	return u;
}

/* One integer from a query without parameters. */
static int
query_i64(struct store *s, const char *sql, int64_t *v)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_rc(s, rc);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? store_fail(s, -EIO, "no row") :
	    store_rc(s, rc);
}

/* The shard is a badio database of this schema version. */
static int
check_version(struct store *s, const char *path)
{
	int64_t app = 0, ver = 0;
	int rc;

	rc = query_i64(s, "PRAGMA shard.application_id", &app);
	if (rc == 0)
		rc = query_i64(s, "PRAGMA shard.user_version", &ver);
	if (rc < 0)
		return rc;
	if (app != STORE_APPLICATION_ID)
		return store_fail(s, -ENOTSUP, "'%s' is not a badio database",
		    path);
	if (ver != schema_latest())
		return store_fail(s, -EPROTO, "'%s' has schema %lld, this "
		    "badio %d: run 'badio report -d' on it with the badio "
		    "that made it, or upgrade it by opening it for writing "
		    "(e.g. badio explore --shard again)", path,
		    (long long)ver, schema_latest());
	return 0;
}

/*
 * The same recording: the recording rows agree in every column that
 * says how and when the program ran (not the snapshot's format: one
 * copy may have converted an old snapshot on its first explore, the
 * other not), and the sites are the same rows (id, seq, key) on both
 * sides.
 */
static int
check_recording(struct store *s, const char *path)
{
	int64_t same = 0;
	int rc;

	rc = query_i64(s, "SELECT (SELECT count(*) FROM main.recordings) = 1 "
	    "AND (SELECT count(*) FROM shard.recordings) = 1 AND (SELECT "
	    "count(*) FROM main.recordings a JOIN shard.recordings b ON "
	    "a.id = b.id AND a.exe IS b.exe AND a.argv IS b.argv AND "
	    "a.env IS b.env AND a.start_ns IS b.start_ns AND "
	    "a.sites IS b.sites) = 1", &same);
	if (rc < 0)
		return rc;
	if (!same)
		return store_fail(s, -EXDEV, "'%s' is not a shard of this "
		    "recording (another program, run or database)", path);
	rc = query_i64(s, "SELECT (SELECT count(*) FROM main.sites) = "
	    "(SELECT count(*) FROM shard.sites) AND (SELECT count(*) FROM "
	    "main.sites) = (SELECT count(*) FROM main.sites a JOIN "
	    "shard.sites b ON a.id = b.id AND a.seq = b.seq AND "
	    "a.key = b.key)", &same);
	if (rc < 0)
		return rc;
	if (!same)
		return store_fail(s, -EXDEV, "'%s' has other sites than this "
		    "recording: not a shard of it", path);
	return 0;
}

/*
 * Both sides explored with the same plan (the options that select
 * experiments, meta 'plan', written by the explorer), or one side not
 * at all.
 */
static int
check_explore(struct store *s, const char *path)
{
	int64_t differ = 0;
	int rc;

	rc = query_i64(s, "SELECT count(*) FROM main.meta a JOIN shard.meta b "
	    "ON a.key = b.key WHERE a.key = 'plan' AND a.value IS NOT b.value "
	    "AND EXISTS (SELECT 1 FROM main.experiments) AND EXISTS (SELECT 1 "
	    "FROM shard.experiments)", &differ);
	if (rc < 0)
		return rc;
	if (differ)
		return store_fail(s, -EINVAL, "'%s' was explored with other "
		    "options (--faults, --sites, ...): merge only the shards of "
		    "one explore", path);
	return 0;
}

/*
 * The oracles (command, sha256) that judged experiments on one side and
 * not on the other.  A shard may add an oracle (it was explored with
 * --reuse-verdicts on top of this database's verdicts: it holds them
 * too), but a shard that lacks one of ours while bringing another was
 * judged otherwise: merging would mix verdicts of two oracles silently.
 */
#define ORACLES_OF(db)							\
	"SELECT o.command AS command, o.sha256 AS sha256 FROM " db	\
	".oracles o WHERE EXISTS (SELECT 1 FROM " db ".experiments e "	\
	"WHERE e.oracle_id = o.id)"
#define ORACLES_ONLY_IN(a, b)						\
	"SELECT x.command FROM (" ORACLES_OF(a) ") x WHERE NOT EXISTS "	\
	"(SELECT 1 FROM (" ORACLES_OF(b) ") y WHERE y.command = x.command "\
	"AND y.sha256 IS x.sha256) ORDER BY x.command LIMIT 1"

static int
one_text(struct store *s, const char *sql, char *buf, size_t size)
{
	sqlite3_stmt *st;
	int rc;

	buf[0] = '\0';
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_rc(s, rc);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st,
		    0) ? (const char *)sqlite3_column_text(st, 0) : "");
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_rc(s, rc);
}

static int
check_oracles(struct store *s, const char *path)
{
	char ours[512], theirs[512];
	int rc, rc2;

	rc = one_text(s, ORACLES_ONLY_IN("main", "shard"), ours, sizeof(ours));
	if (rc <= 0)
		return rc;
	rc2 = one_text(s, ORACLES_ONLY_IN("shard", "main"), theirs,
	    sizeof(theirs));
	if (rc2 <= 0)
		return rc2;
	return store_fail(s, -EINVAL, "'%s' was judged with oracle '%s', this "
	    "database with '%s' (or the same script changed): merge only the "
	    "shards of one explore, or explore them again with one oracle",
	    path, theirs, ours);
}

/*
 * "site, fault, ..." : the experiments columns but id, from the schema;
 * and "a.site = b.site AND ..." over the columns of its unique index.
 */
static int
experiment_columns(struct store *s, char **cols, char **on)
{
	sqlite3_stmt *st;
	size_t clen = 0, olen = 0;
	int rc;

	*cols = calloc(1, 4096);
	*on = calloc(1, 1024);
	if (!*cols || !*on)
		return store_fail(s, -ENOMEM, "out of memory");
	rc = sqlite3_prepare_v2(s->db, "SELECT name FROM pragma_table_info("
	    "'experiments', 'main') WHERE name != 'id' ORDER BY cid", -1, &st,
	    NULL);
	if (rc != SQLITE_OK)
		return store_rc(s, rc);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);
		int k = snprintf(*cols + clen, 4096 - clen, "%s%s",
		    clen ? ", " : "", c);

		if (k < 0 || (size_t)k >= 4096 - clen) {
			sqlite3_finalize(st);
			return store_fail(s, -E2BIG, "too many columns");
		}
		clen += (size_t)k;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_rc(s, rc);
	rc = sqlite3_prepare_v2(s->db, "SELECT i.name FROM pragma_index_list("
	    "'experiments', 'main') l, pragma_index_info(l.name, 'main') i "
	    "WHERE l.\"unique\" AND l.origin = 'c' ORDER BY i.seqno", -1, &st,
	    NULL);
	if (rc != SQLITE_OK)
		return store_rc(s, rc);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);
		int k = snprintf(*on + olen, 1024 - olen, "%sa.%s IS b.%s",
		    olen ? " AND " : "", c, c);

		if (k < 0 || (size_t)k >= 1024 - olen) {
			sqlite3_finalize(st);
			return store_fail(s, -E2BIG, "too many key columns");
		}
		olen += (size_t)k;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_rc(s, rc);
	if (!olen)
		return store_fail(s, -EIO, "experiments has no unique key");
	return 0;
}

/*
 * The select list for cols from shard.experiments b: each column as is,
 * but oracle_id, which becomes the id of the same oracle here (ids are
 * each database's own).
 */
#define ORACLE_HERE							\
	"(SELECT a.id FROM main.oracles a JOIN shard.oracles o ON "	\
	"a.command = o.command AND a.sha256 IS o.sha256 WHERE "		\
	"o.id = b.oracle_id)"

static char *
select_list(const char *cols)
{
	size_t size = 2 * (strlen(cols) + sizeof(ORACLE_HERE)) + 8;
	char *sel = malloc(size);
	const char *p = cols;
	size_t len = 0;

	if (!sel)
		return NULL;
	sel[0] = '\0';
	while (*p) {
		size_t w = strcspn(p, ",");
		bool oracle = w == strlen("oracle_id") &&
		    strncmp(p, "oracle_id", w) == 0;

		len += (size_t)snprintf(sel + len, size - len, "%s%s%.*s",
		    len ? ", " : "", oracle ? ORACLE_HERE : "b.",
		    oracle ? 0 : (int)w, p);
		p += w;
		p += strspn(p, ", ");
	}
	return sel;
}

/* The shard's oracles of its experiments that this database lacks. */
static int
add_oracles(struct store *s)
{
	return store_exec(s, "INSERT INTO main.oracles (command, file, sha256) "
	    "SELECT b.command, b.file, b.sha256 FROM shard.oracles b WHERE "
	    "EXISTS (SELECT 1 FROM shard.experiments e WHERE e.oracle_id = "
	    "b.id) AND NOT EXISTS (SELECT 1 FROM main.oracles a WHERE "
	    "a.command = b.command AND a.sha256 IS b.sha256) ORDER BY b.id");
}

/* Run sql (no parameters) and count the rows it changed. */
static int
exec_changes(struct store *s, const char *sql, int64_t *changes)
{
	int rc = store_exec(s, sql);

	if (rc == 0 && changes)
		*changes = sqlite3_changes64(s->db);
	return rc;
}

static int
merge_rows(struct store *s, struct store_merge_stats *ms)
{
	char *cols = NULL, *on = NULL, *sql = NULL, *sel = NULL;
	int64_t theirs = 0;
	int rc;

	rc = experiment_columns(s, &cols, &on);
	if (rc < 0)
		goto out_free;
	rc = query_i64(s, "SELECT count(*) FROM shard.experiments", &theirs);
	if (rc < 0)
		goto out_free;
	if (asprintf(&sql, "SELECT count(*) FROM shard.experiments b JOIN "
	    "main.experiments a ON %s WHERE a.verdict IS NOT b.verdict", on) < 0) {
		sql = NULL;
		rc = store_fail(s, -ENOMEM, "out of memory");
		goto out_free;
	}
	rc = query_i64(s, sql, &ms->conflicts);
	free(sql);
	sql = NULL;
	if (rc < 0)
		goto out_free;
	sel = select_list(cols);
	if (!sel || asprintf(&sql, "INSERT OR IGNORE INTO main.experiments "
	    "(%s) SELECT %s FROM shard.experiments b ORDER BY b.id", cols,
	    sel) < 0) {
		sql = NULL;
		rc = store_fail(s, -ENOMEM, "out of memory");
		goto out_free;
	}
	rc = add_oracles(s);
	if (rc < 0)
		goto out_free;
	rc = exec_changes(s, sql, &ms->added);
	if (rc < 0)
		goto out_free;
	ms->already = theirs - ms->added;
	/* pairs left out there and not run here (the trigger keeps
	 * skipped free of pairs that have an experiment) */
	rc = exec_changes(s, "INSERT OR IGNORE INTO main.skipped (site, fault, "
	    "reason) SELECT k.site, k.fault, k.reason FROM shard.skipped k "
	    "WHERE NOT EXISTS (SELECT 1 FROM main.experiments e WHERE "
	    "e.site = k.site AND e.fault = k.fault)", &ms->skipped);
	if (rc == 0)
		rc = store_exec(s, "INSERT OR IGNORE INTO main.meta (key, value) "
		    "SELECT key, value FROM shard.meta WHERE key = 'plan'");
out_free:
	free(sel);
	free(sql);
	free(cols);
	free(on);
	return rc;
}

int
store_merge_from(struct store *s, const char *path,
    struct store_merge_stats *ms)
{
	sqlite3_stmt *st;
	char *uri;
	int brc = SQLITE_OK;
	int rc;

	memset(ms, 0, sizeof(*ms));
	if (s->mode == STORE_READ)
		return store_fail(s, -EINVAL, "merge into a read-only store");
	uri = ro_uri(path);
	if (!uri)
		return store_fail(s, -ENOMEM, "out of memory");
	rc = store_exec(s, "PRAGMA trusted_schema = OFF");
	if (rc == 0)
		rc = sqlite3_prepare_v2(s->db, "ATTACH ?1 AS shard", -1, &st,
		    NULL) == SQLITE_OK ? 0 : store_rc(s, sqlite3_errcode(s->db));
	if (rc < 0) {
		free(uri);
		return rc;
	}
	store_bind_text(st, 1, uri, &brc);
	rc = brc == SQLITE_OK ? sqlite3_step(st) : brc;
	sqlite3_finalize(st);
	free(uri);
	if (rc != SQLITE_DONE)
		return store_fail(s, -ENOENT, "cannot open '%s': %s", path,
		    sqlite3_errmsg(s->db));
	rc = check_version(s, path);
	if (rc == 0)
		rc = check_recording(s, path);
	if (rc == 0)
		rc = check_explore(s, path);
	if (rc == 0)
		rc = check_oracles(s, path);
	if (rc == 0)
		rc = store_begin(s);
	if (rc == 0) {
		rc = merge_rows(s, ms);
		if (rc == 0)
			rc = store_commit(s);
		else
			store_rollback(s);
	}
	/* DETACH may fail only while a statement is open: none is */
	store_exec(s, "DETACH shard");
	return rc;
}
