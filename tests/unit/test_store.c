/*
 * test_store.c - unit tests of store/: opening and refusing files, the
 * schema and its version, sites, recordings, experiments, the views and
 * the JSON output.
 *
 * Each test gets a fresh directory (mkdtemp) with a new database in it.
 * What the store wrote is checked through a second, plain SQLite handle
 * on the same file, the way a user's `sqlite3 badio.db` would see it.
 */
#include "store/store.h"

/* The schema version this badio writes (store/schema.c). */
#define LATEST_VERSION	17

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <criterion/criterion.h>
#include <sqlite3.h>

#define BADIO_APPLICATION_ID	0x62616469

static char tmpdir[64];
static char dbpath[128];
static struct store *st;
static int64_t rec_id;

/* --- fixtures and helpers -------------------------------------------- */

static void
make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/badio-test-store.XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	snprintf(dbpath, sizeof(dbpath), "%s/badio.db", tmpdir);
}

static int
remove_entry(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
remove_tmpdir(void)
{
	nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* A path inside the test directory. */
static const char *
tmp_path(const char *name)
{
	static char path[160];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

static void
add_recording(void)
{
	static const char *const argv[] = { "prog", "--flag", NULL };
	static const char *const envp[] = { "A=1", NULL };
	struct store_recording r = {
		.exe = "/usr/bin/prog",
		.argv = (char **)argv,
		.envp = (char **)envp,
		.start_unix_ns = 1,
		.exit_code = 0,
		.version = "0.1.0",
	};

	cr_assert_eq(store_recording_add(st, &r, &rec_id), 0, "%s",
	    store_errmsg(st));
}

static void
open_new(void)
{
	make_tmpdir();
	cr_assert_eq(store_open(&st, dbpath, STORE_CREATE), 0, "%s",
	    store_errmsg(NULL));
}

static void
open_new_with_recording(void)
{
	open_new();
	add_recording();
}

static void
close_and_remove(void)
{
	store_close(st);
	st = NULL;
	remove_tmpdir();
}

/* Run constant SQL on the file through a separate connection. */
static void
raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;

	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* The first column of the first row of sql, as an integer or text. */
static int64_t
raw_int(const char *sql)
{
	sqlite3_stmt *stmt;
	sqlite3 *db;
	int64_t v;

	cr_assert_eq(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(stmt), SQLITE_ROW, "%s", sql);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

static char *
raw_text(const char *sql)
{
	sqlite3_stmt *stmt;
	sqlite3 *db;
	char *v;

	cr_assert_eq(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(stmt), SQLITE_ROW, "%s", sql);
	v = sqlite3_column_type(stmt, 0) == SQLITE_NULL ? NULL :
	    strdup((const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

/* Evaluate sql with ?1 bound to json on an in-memory database. */
static char *
json_eval(const char *json, const char *sql)
{
	sqlite3_stmt *stmt;
	sqlite3 *db;
	char *v;

	cr_assert_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_bind_text(stmt, 1, json, -1, SQLITE_STATIC);
	cr_assert_eq(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_type(stmt, 0) == SQLITE_NULL ? NULL :
	    strdup((const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

static void
assert_json(const char *json, const char *sql, const char *want)
{
	char *got = json_eval(json, sql);

	if (!want)
		cr_assert_null(got, "%s: %s", sql, got);
	else
		cr_assert_str_eq(got ? got : "(null)", want, "%s", sql);
	free(got);
}

static void
assert_json_valid(const char *json)
{
	assert_json(json, "SELECT json_valid(?1)", "1");
}

static void
write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

static void
assert_open_fails(const char *path, enum store_mode mode, int err,
    const char *msg)
{
	struct store *s = (struct store *)1;

	cr_assert_eq(store_open(&s, path, mode), err, "mode %d", mode);
	cr_assert_null(s);
	if (msg)
		cr_assert_not_null(strstr(store_errmsg(NULL), msg), "%s",
		    store_errmsg(NULL));
}

/* A site with every field set; seq n makes each one distinct. */
static struct store_site
full_site(int64_t n)
{
	struct store_site s = {
		.recording = rec_id,
		.seq = n,
		.pid = 100 + n,
		.tid = 200 + n,
		.syscall = "renameat2",
		.family = "namespace",
		.fd = 3,
		.path = "dir/a b.txt",
		.path2 = "dir/c'd\".txt",
		.kind = "regular",
		.offset = 4096,
		.count = 17,
		.result = -5,
		.has_result = true,
		.append = true,
		.t_ns = 123456789,
		.crc32 = 0xdeadbeef,
		.crc_bytes = 17,
		.key = "namespace:dir/a b.txt:1",
		.key_path = "dir/a b.txt",
		.ordinal = 1,
		.callsite = 42,
		.flags = "exchange,replaced",
		.offset2 = 8192,
		.process = 2,
		.thread = 3,
		.creates = "dir/c'd\".txt",
	};

	return s;
}

/* A write site with every nullable field absent. */
static struct store_site
bare_site(int64_t n, const char *path, int64_t ordinal)
{
	static char key[64];
	struct store_site s = {
		.recording = rec_id,
		.seq = n,
		.pid = 1,
		.tid = 1,
		.syscall = "write",
		.family = "write",
		.fd = -1,
		.path = path,
		.kind = "regular",
		.offset = -1,
		.count = -1,
		.crc_bytes = -1,
		.key_path = path,
		.ordinal = ordinal,
		.offset2 = -1,
	};

	snprintf(key, sizeof(key), "write:%s:%lld", path, (long long)ordinal);
	s.key = key;
	return s;
}

static void
assert_str_or_null(const char *got, const char *want, const char *what)
{
	if (!want)
		cr_assert_null(got, "%s: %s", what, got);
	else
		cr_assert_str_eq(got ? got : "(null)", want, "%s", what);
}

static void
assert_site_eq(const struct store_site *a, const struct store_site *b)
{
	cr_assert_eq(a->recording, b->recording);
	cr_assert_eq(a->seq, b->seq);
	cr_assert_eq(a->pid, b->pid);
	cr_assert_eq(a->tid, b->tid);
	assert_str_or_null(a->syscall, b->syscall, "syscall");
	assert_str_or_null(a->family, b->family, "family");
	cr_assert_eq(a->fd, b->fd);
	assert_str_or_null(a->path, b->path, "path");
	assert_str_or_null(a->path2, b->path2, "path2");
	assert_str_or_null(a->kind, b->kind, "kind");
	cr_assert_eq(a->offset, b->offset);
	cr_assert_eq(a->count, b->count);
	cr_assert_eq(a->has_result, b->has_result);
	cr_assert_eq(a->result, b->result);
	cr_assert_eq(a->append, b->append);
	cr_assert_eq(a->t_ns, b->t_ns);
	cr_assert_eq(a->crc_bytes, b->crc_bytes);
	cr_assert_eq(a->has_xxh3, b->has_xxh3);
	if (b->crc_bytes >= 0 && b->has_xxh3)
		cr_assert_eq(a->xxh3, b->xxh3);
	else if (b->crc_bytes >= 0)
		cr_assert_eq(a->crc32, b->crc32);
	assert_str_or_null(a->key, b->key, "key");
	assert_str_or_null(a->key_path, b->key_path, "key_path");
	cr_assert_eq(a->ordinal, b->ordinal);
	cr_assert_eq(a->callsite, b->callsite);
	assert_str_or_null(a->flags, b->flags, "flags");
	cr_assert_eq(a->offset2, b->offset2);
	cr_assert_eq(a->process, b->process);
	cr_assert_eq(a->thread, b->thread);
	assert_str_or_null(a->creates, b->creates, "creates");
}

/* Collects sites from store_sites_each(). */
struct site_list {
	struct store_site	sites[8];
	char			strs[8][8][64];	/* copies of the strings */
	int			n;
};

static const char *
keep(char *buf, const char *s)
{
	if (!s)
		return NULL;
	snprintf(buf, 64, "%s", s);
	return buf;
}

static int
collect_site(void *ctx, const struct store_site *site)
{
	struct site_list *l = ctx;
	struct store_site *c;

	cr_assert_lt(l->n, 8);
	c = &l->sites[l->n];
	*c = *site;
	c->syscall = keep(l->strs[l->n][0], site->syscall);
	c->family = keep(l->strs[l->n][1], site->family);
	c->path = keep(l->strs[l->n][2], site->path);
	c->path2 = keep(l->strs[l->n][3], site->path2);
	c->kind = keep(l->strs[l->n][4], site->kind);
	c->key = keep(l->strs[l->n][5], site->key);
	c->flags = keep(l->strs[l->n][6], site->flags);
	c->creates = keep(l->strs[l->n][7], site->creates);
	c->key_path = c->path && site->key_path &&
	    strcmp(site->key_path, site->path) == 0 ? c->path : NULL;
	l->n++;
	return 0;
}

static struct store_experiment
experiment(int64_t site, const char *fault, const char *verdict)
{
	struct store_experiment e = {
		.site = site,
		.fault = fault,
		.injected = true,
		.fault_bytes = -1,
		.status = "exit:0",
		.duration_ns = 1000,
		.oracle_exit = 0,
		.verdict = verdict,
	};

	return e;
}

/* Sites 1..3 (a.txt:1, a.txt:2, b.txt:1) and their ids. */
static void
add_three_sites(int64_t ids[3])
{
	struct store_site s;

	s = bare_site(1, "a.txt", 1);
	cr_assert_eq(store_site_add(st, &s), 0, "%s", store_errmsg(st));
	s = bare_site(2, "a.txt", 2);
	cr_assert_eq(store_site_add(st, &s), 0);
	s = bare_site(3, "b.txt", 1);
	s.syscall = "pwrite64";
	cr_assert_eq(store_site_add(st, &s), 0);
	ids[0] = raw_int("SELECT id FROM sites WHERE seq = 1");
	ids[1] = raw_int("SELECT id FROM sites WHERE seq = 2");
	ids[2] = raw_int("SELECT id FROM sites WHERE seq = 3");
}

/* --- opening, identity, versions --------------------------------------- */

Test(store_open, create_sets_identity_and_version, .init = open_new,
    .fini = close_and_remove)
{
	cr_assert_eq(access(dbpath, F_OK), 0);
	cr_assert_eq(raw_int("PRAGMA application_id"), BADIO_APPLICATION_ID);
	cr_assert_eq(raw_int("PRAGMA user_version"), LATEST_VERSION);
	cr_assert_eq(raw_int("SELECT count(*) FROM sqlite_schema WHERE "
	    "name IN ('recordings', 'sites', 'experiments', 'meta', "
	    "'verdict_codes', 'verdicts', 'bugs', 'fault_codes')"), 8);
	cr_assert_eq(raw_int("SELECT journal_mode = 'wal' FROM "
	    "pragma_journal_mode"), 1);
	cr_assert_eq(raw_int("SELECT count(*) FROM sqlite_schema WHERE "
	    "name = 'sites' AND type = 'view'"), 1);
	cr_assert_eq(raw_int("SELECT count(*) FROM sqlite_schema WHERE "
	    "type = 'index' AND tbl_name IN ('site_rows', 'strings') AND "
	    "sql IS NOT NULL"), 0);
	cr_assert_eq(raw_int("SELECT count(*) FROM "
	    "pragma_index_list('experiments') WHERE \"unique\" AND "
	    "name = 'experiments_site_fault'"), 1);
}

Test(store_open, create_refuses_existing_file, .init = open_new,
    .fini = close_and_remove)
{
	struct store *s2;

	assert_open_fails(dbpath, STORE_CREATE, -EEXIST, NULL);
	/* the existing database is untouched and still opens */
	store_close(st);
	st = NULL;
	cr_assert_eq(store_open(&s2, dbpath, STORE_WRITE), 0, "%s",
	    store_errmsg(NULL));
	store_close(s2);
}

Test(store_open, create_in_missing_directory, .init = make_tmpdir,
    .fini = remove_tmpdir)
{
	assert_open_fails(tmp_path("no/such/dir.db"), STORE_CREATE, -ENOENT,
	    NULL);
	cr_assert_neq(access(tmp_path("no"), F_OK), 0);
}

Test(store_open, failed_create_leaves_no_file, .init = make_tmpdir,
    .fini = remove_tmpdir)
{
	struct rlimit lim = { .rlim_cur = 1024, .rlim_max = 1024 };
	struct store *s;
	int rc;

	/* files may not grow past 1 KiB: SQLite's first page write fails */
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	rc = store_open(&s, dbpath, STORE_CREATE);
	cr_assert_lt(rc, 0);
	cr_assert_neq(rc, -EEXIST);
	cr_assert_null(s);
	cr_assert_str_neq(store_errmsg(NULL), "");
	cr_assert_neq(access(dbpath, F_OK), 0, "half-made database left");
	cr_assert_neq(access(tmp_path("badio.db-wal"), F_OK), 0);
	cr_assert_neq(access(tmp_path("badio.db-shm"), F_OK), 0);
	cr_assert_neq(access(tmp_path("badio.db-journal"), F_OK), 0);
}

Test(store_open, missing_file, .init = make_tmpdir, .fini = remove_tmpdir)
{
	assert_open_fails(dbpath, STORE_READ, -ENOENT, NULL);
	assert_open_fails(dbpath, STORE_WRITE, -ENOENT, NULL);
	cr_assert_neq(access(dbpath, F_OK), 0);
}

Test(store_open, refuses_directory, .init = make_tmpdir,
    .fini = remove_tmpdir)
{
	assert_open_fails(tmpdir, STORE_READ, -EISDIR, NULL);
}

Test(store_open, refuses_other_sqlite_database, .init = make_tmpdir,
    .fini = remove_tmpdir)
{
	raw_exec(dbpath, "CREATE TABLE notes (x); PRAGMA application_id = 7;");
	assert_open_fails(dbpath, STORE_WRITE, -ENOTSUP,
	    "not a badio database");
	assert_open_fails(dbpath, STORE_READ, -ENOTSUP,
	    "not a badio database");
	/* refused before anything was written: still not in WAL mode */
	cr_assert_eq(raw_int("SELECT journal_mode = 'delete' FROM "
	    "pragma_journal_mode"), 1);
	cr_assert_eq(raw_int("PRAGMA application_id"), 7);
}

Test(store_open, refuses_garbage_and_empty_files, .init = make_tmpdir,
    .fini = remove_tmpdir)
{
	static const char text[] = "this is not a database at all, "
	    "just some text that is long enough\n";

	write_file(dbpath, text, sizeof(text) - 1);
	assert_open_fails(dbpath, STORE_READ, -ENOTSUP,
	    "not a badio database");
	assert_open_fails(dbpath, STORE_WRITE, -ENOTSUP,
	    "not a badio database");
	write_file(dbpath, "SQL", 3);
	assert_open_fails(dbpath, STORE_READ, -ENOTSUP, NULL);
	write_file(dbpath, "", 0);
	assert_open_fails(dbpath, STORE_WRITE, -ENOTSUP,
	    "not a badio database");
}

Test(store_open, refuses_interrupted_create, .init = make_tmpdir,
    .fini = remove_tmpdir)
{
	/* what a create killed half-way would leave: tables, no identity */
	raw_exec(dbpath, "PRAGMA journal_mode = WAL; "
	    "CREATE TABLE recordings (id INTEGER PRIMARY KEY, exe TEXT); "
	    "CREATE TABLE sites (id INTEGER PRIMARY KEY);");
	assert_open_fails(dbpath, STORE_WRITE, -ENOTSUP,
	    "not a badio database");
	assert_open_fails(dbpath, STORE_READ, -ENOTSUP,
	    "not a badio database");
}

Test(store_open, refuses_corrupt_database, .init = open_new,
    .fini = remove_tmpdir)
{
	char junk[2048];
	int fd;

	store_close(st);
	st = NULL;
	/* keep the 100-byte header, wreck the schema's b-tree page */
	memset(junk, 0xa5, sizeof(junk));
	fd = open(dbpath, O_WRONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, junk, sizeof(junk), 100),
	    (ssize_t)sizeof(junk));
	close(fd);
	assert_open_fails(dbpath, STORE_READ, -EBADMSG, NULL);
	assert_open_fails(dbpath, STORE_WRITE, -EBADMSG, NULL);
}

Test(store_open, refuses_newer_version, .init = open_new,
    .fini = remove_tmpdir)
{
	store_close(st);
	st = NULL;
	raw_exec(dbpath, "PRAGMA user_version = 99;");
	assert_open_fails(dbpath, STORE_READ, -EPROTO,
	    "database is from a newer badio");
	assert_open_fails(dbpath, STORE_WRITE, -EPROTO,
	    "database is from a newer badio");
	cr_assert_eq(raw_int("PRAGMA user_version"), 99);
}

/* Replace the text of a table from the first `from` on by `to`. */
static void
schema_text_cut(sqlite3 *db, const char *table, const char *from,
    const char *to)
{
	sqlite3_stmt *stmt;

	cr_assert_eq(sqlite3_prepare_v2(db, "UPDATE sqlite_schema SET sql = "
	    "substr(sql, 1, instr(sql, ?1) - 1) || ?2 WHERE name = ?3 AND "
	    "instr(sql, ?1)", -1, &stmt, NULL), SQLITE_OK);
	sqlite3_bind_text(stmt, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, to, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, table, -1, SQLITE_STATIC);
	cr_assert_eq(sqlite3_step(stmt), SQLITE_DONE);
	cr_assert_eq(sqlite3_changes(db), 1, "%s has migration 9's text", table);
	sqlite3_finalize(stmt);
}

/* store/schema.c: the text of each migration (store_int.h, private) */
const char *schema_migration_sql(int version);

/* Back to version 16: recordings without clock_ns. */
static void
drop_v17(void)
{
	if (raw_int("PRAGMA user_version") < 17)
		return;		/* done already */
	raw_exec(dbpath, "ALTER TABLE recordings DROP COLUMN clock_ns; "
	    "PRAGMA user_version = 16;");
}

/*
 * Back to before migration 16: the sites table, its indexes and the
 * views exactly as migrations 1 to 15 make them (their text taken from
 * a database built by those migrations alone), holding the rows the
 * view sites shows; experiments and skipped refer to sites again.
 */
static void
drop_v16(void)
{
	static const char names[] = "SELECT sql FROM sqlite_schema WHERE name "
	    "IN ('sites', 'sites_key', 'sites_callsite', 'verdicts', 'bugs', "
	    "'not_explored') ORDER BY type = 'view', type = 'index', "
	    "name = 'bugs'";
	sqlite3_stmt *stmt;
	sqlite3 *mem, *db;

	drop_v17();
	if (raw_int("PRAGMA user_version") < 16)
		return;		/* done already */
	cr_assert_eq(sqlite3_open(":memory:", &mem), SQLITE_OK);
	for (int v = 1; v <= 15; v++)
		cr_assert_eq(sqlite3_exec(mem, schema_migration_sql(v), NULL,
		    NULL, NULL), SQLITE_OK, "migration %d: %s", v,
		    sqlite3_errmsg(mem));
	cr_assert_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "PRAGMA foreign_keys = OFF; BEGIN; "
	    "DROP VIEW not_explored; DROP VIEW bugs; DROP VIEW verdicts; "
	    "CREATE TEMP TABLE old_sites AS SELECT * FROM sites; "
	    "DROP VIEW sites; DROP TABLE site_rows; DROP TABLE strings;",
	    NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_prepare_v2(mem, names, -1, &stmt, NULL),
	    SQLITE_OK);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const char *sql = (const char *)sqlite3_column_text(stmt, 0);

		cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK,
		    "%s: %s", sql, sqlite3_errmsg(db));
	}
	sqlite3_finalize(stmt);
	sqlite3_close(mem);
	cr_assert_eq(sqlite3_exec(db, "INSERT INTO main.sites SELECT * FROM "
	    "old_sites; DROP TABLE old_sites; "
	    "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = "
	    "replace(sql, 'REFERENCES site_rows (id)', 'REFERENCES sites (id)') "
	    "WHERE name IN ('experiments', 'skipped'); PRAGMA writable_schema "
	    "= OFF; PRAGMA user_version = 15; COMMIT;", NULL, NULL, NULL),
	    SQLITE_OK, "%s", sqlite3_errmsg(db));
	sqlite3_close(db);
	raw_exec(dbpath, "VACUUM");
}

/*
 * Back to before migration 15: no states (their rows go), the old unique
 * key, no 'power' or 'lost-sync', no family 'end'; views as placeholders.
 */
static void
drop_v15(void)
{
	sqlite3 *db;

	drop_v16();
	raw_exec(dbpath, "DROP VIEW bugs; DROP VIEW verdicts; "
	    "DELETE FROM experiments WHERE state IS NOT NULL; "
	    "DROP INDEX experiments_site_fault_state; "
	    "DROP INDEX experiments_site_fault; "
	    "CREATE UNIQUE INDEX experiments_site_fault ON experiments "
	    "(site, fault); "
	    "DELETE FROM experiments WHERE fault IN ('power', 'lost-sync'); "
	    "DELETE FROM skipped WHERE fault IN ('power', 'lost-sync'); "
	    "DELETE FROM fault_codes WHERE name IN ('power', 'lost-sync'); "
	    "CREATE VIEW verdicts AS SELECT 1; CREATE VIEW bugs AS SELECT 1;");
	cr_assert_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "PRAGMA writable_schema = ON; "
	    "UPDATE sqlite_schema SET sql = replace(sql, ' OR family = ''end''', "
	    "'') WHERE name = 'sites'", NULL, NULL, NULL), SQLITE_OK);
	/* the text as migration 14 left it; VACUUM cuts the rows to it */
	schema_text_cut(db, "experiments", "  prog_last TEXT,", "  prog_last "
	    "TEXT              -- the program's last non-empty output line\n"
	    "                              -- (stdout or stderr), control bytes "
	    "removed,\n                              -- at most 200 bytes; NULL: "
	    "none or unknown\n)");
	cr_assert_eq(sqlite3_exec(db, "PRAGMA writable_schema = OFF", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	raw_exec(dbpath, "VACUUM; PRAGMA user_version = 14;");
}

/*
 * Back to before migration 14: meta 'oracle' again (the command of the
 * first experiment's oracle), no oracles table, and the experiments'
 * text as migration 13 left it, its rows cut to those columns (the text
 * edited, VACUUM rewrites every row by it: a column with REFERENCES
 * cannot be dropped); views as placeholders.
 */
static void
drop_v14(void)
{
	sqlite3 *db;

	raw_exec(dbpath, "INSERT OR REPLACE INTO meta (key, value) SELECT "
	    "'oracle', command FROM oracles WHERE id = (SELECT oracle_id FROM "
	    "experiments ORDER BY id LIMIT 1); "
	    "DROP VIEW bugs; DROP VIEW verdicts; DROP INDEX experiments_oracle; "
	    "DROP TABLE oracles;");
	cr_assert_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "PRAGMA writable_schema = ON", NULL, NULL,
	    NULL), SQLITE_OK);
	schema_text_cut(db, "experiments", "  created_ns INTEGER NOT NULL, --",
	    "  created_ns INTEGER NOT NULL -- when stored, ns since the Unix "
	    "epoch\n, divergence_kind TEXT\n  CHECK (divergence_kind = "
	    "'reordered' OR divergence_kind = 'diverged'))");
	schema_text_cut(db, "meta", "  key TEXT PRIMARY KEY,", "  key TEXT "
	    "PRIMARY KEY,       -- e.g. 'oracle'\n  value TEXT\n)");
	cr_assert_eq(sqlite3_exec(db, "PRAGMA writable_schema = OFF", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	raw_exec(dbpath, "VACUUM; CREATE VIEW verdicts AS SELECT 1; "
	    "CREATE VIEW bugs AS SELECT 1; PRAGMA user_version = 13;");
}

/*
 * Back to version 11: undo the migrations after it, newest first.  A new
 * migration adds its undoing here (and bumps LATEST_VERSION), so that
 * every older-version test below starts from what it expects.
 */
static void
drop_after_v11(void)
{
	drop_v16();
	drop_v15();
	drop_v14();
	raw_exec(dbpath, "ALTER TABLE sites DROP COLUMN xxh3; "
	    "DROP TABLE bundles; DROP TABLE bundle_files; "
	    "PRAGMA user_version = 11;");
}

/*
 * Back to before migrations 10 and 11: their columns (DROP COLUMN edits
 * the text back), and the views, which name them (placeholders:
 * migration 11 makes them anew).
 */
static void
drop_v10_v11(void)
{
	drop_after_v11();
	raw_exec(dbpath, "DROP VIEW bugs; DROP VIEW verdicts; "
	    "ALTER TABLE experiments DROP COLUMN divergence_kind; "
	    "ALTER TABLE verdict_codes DROP COLUMN judged; "
	    "ALTER TABLE sites DROP COLUMN process; "
	    "ALTER TABLE sites DROP COLUMN thread; "
	    "ALTER TABLE recordings DROP COLUMN callsite_scheme; "
	    "CREATE VIEW verdicts AS SELECT 1; CREATE VIEW bugs AS SELECT 1; "
	    "PRAGMA user_version = 9;");
}

/*
 * Back to before migration 9: the text of recordings and sites as ADD
 * COLUMN leaves it, then without seed, pidns and creates.
 */
static void
drop_v9_columns(void)
{
	static const char mapped[] =
	    "  mapped INTEGER NOT NULL DEFAULT 0 CHECK (mapped IN (0, 1))";
	static const char mapped_comment[] =
	    "                              -- 1: the file was mapped shared and\n"
	    "                              -- writable by a traced process (its "
	    "stores\n                              -- are not sites: "
	    "docs/manual.md)\n";
	char from[256], to[1024];
	sqlite3 *db;

	drop_v10_v11();
	cr_assert_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "PRAGMA writable_schema = ON", NULL, NULL,
	    NULL), SQLITE_OK);
	schema_text_cut(db, "recordings", "  CHECK (trace_close IN (0, 1)),",
	    "  CHECK (trace_close IN (0, 1)), seed INTEGER, pidns INTEGER CHECK "
	    "(pidns IN (0, 1)))");
	snprintf(from, sizeof(from), "%s,", mapped);
	snprintf(to, sizeof(to), "%s\n%s, creates TEXT)", mapped,
	    mapped_comment);
	schema_text_cut(db, "sites", from, to);
	cr_assert_eq(sqlite3_exec(db, "PRAGMA writable_schema = OFF", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	raw_exec(dbpath, "ALTER TABLE recordings DROP COLUMN seed; "
	    "ALTER TABLE recordings DROP COLUMN pidns; "
	    "ALTER TABLE sites DROP COLUMN creates; PRAGMA user_version = 8;");
}

/*
 * What migration 8 added, taken away again (its tables' CHECKs are not
 * put back: a test of the upgrade needs the rows and the columns).
 */
static const char undo_v8[] =
	"DROP VIEW not_explored; DROP VIEW bugs; "
	"DROP VIEW verdicts; DROP TRIGGER experiments_unskip; "
	"CREATE TABLE x AS SELECT * FROM skipped; DROP TABLE skipped; "
	"ALTER TABLE x RENAME TO skipped; "
	"CREATE TABLE y AS SELECT * FROM experiments; "
	"DROP TABLE experiments; ALTER TABLE y RENAME TO experiments; "
	"DROP TABLE fault_codes; "
	"ALTER TABLE recordings DROP COLUMN trace_close; "
	"ALTER TABLE sites DROP COLUMN mapped; "
	"CREATE VIEW verdicts AS SELECT 1; CREATE VIEW bugs AS SELECT 1; "
	"CREATE VIEW not_explored AS SELECT 1; "
	"CREATE TRIGGER experiments_unskip AFTER INSERT ON experiments "
	"BEGIN SELECT 1; END;";


/*
 * Back to before migration 7: the text of recordings as ADD COLUMN
 * leaves it, then without init_format (DROP COLUMN edits that text
 * back), init_blob's comment as it was.
 */
static void
drop_v7_column(void)
{
	static const char commented[] =
	    "  stdin_size INTEGER,         -- its uncompressed size in bytes\n"
	    "  init_format TEXT";
	static const char added[] =
	    "  stdin_size INTEGER          -- its uncompressed size in bytes\n"
	    ", init_format TEXT\n"
	    "  CHECK (init_format = 'tar' OR init_format = 'badio-snap1'))";
	sqlite3_stmt *stmt;
	sqlite3 *db;

	drop_v9_columns();
	raw_exec(dbpath, undo_v8);
	cr_assert_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "PRAGMA writable_schema = ON; "
	    "UPDATE sqlite_schema SET sql = replace(sql, '-- the snapshot of "
	    "DIR, as init_format\n                              -- says; NULL: "
	    "none', '-- zlib stream of the snapshot of DIR;\n"
	    "                              -- NULL: none') WHERE name = "
	    "'recordings'", NULL, NULL, NULL), SQLITE_OK, "%s",
	    sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_prepare_v2(db, "UPDATE sqlite_schema SET sql = "
	    "substr(sql, 1, instr(sql, ?1) - 1) || ?2 WHERE name = "
	    "'recordings' AND instr(sql, ?1)", -1, &stmt, NULL), SQLITE_OK);
	sqlite3_bind_text(stmt, 1, commented, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, added, -1, SQLITE_STATIC);
	cr_assert_eq(sqlite3_step(stmt), SQLITE_DONE);
	cr_assert_eq(sqlite3_changes(db), 1, "recordings has migration 7's "
	    "text");
	sqlite3_finalize(stmt);
	cr_assert_eq(sqlite3_exec(db, "PRAGMA writable_schema = OFF", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	raw_exec(dbpath, "ALTER TABLE recordings DROP COLUMN init_format; "
	    "PRAGMA user_version = 6;");
}

/*
 * Back to before migration 6 (and 7): the text of sites as ADD COLUMN
 * leaves it, then without the two columns (DROP COLUMN edits that text
 * back).
 */
static void
drop_v6_columns(void)
{
	static const char commented[] =
	    "  callsite INTEGER,           -- call-site id (callsites.id); "
	    "NULL: unknown\n  flags TEXT,";
	static const char added[] =
	    "  callsite INTEGER            -- call-site id (callsites.id); "
	    "NULL: unknown\n, flags TEXT, offset2 INTEGER)";
	sqlite3_stmt *stmt;
	sqlite3 *db;

	drop_v7_column();
	cr_assert_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "PRAGMA writable_schema = ON", NULL, NULL,
	    NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, "UPDATE sqlite_schema SET sql = "
	    "substr(sql, 1, instr(sql, ?1) - 1) || ?2 WHERE name = 'sites' AND "
	    "instr(sql, ?1)", -1, &stmt, NULL), SQLITE_OK);
	sqlite3_bind_text(stmt, 1, commented, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, added, -1, SQLITE_STATIC);
	cr_assert_eq(sqlite3_step(stmt), SQLITE_DONE);
	cr_assert_eq(sqlite3_changes(db), 1, "sites has migration 6's text");
	sqlite3_finalize(stmt);
	cr_assert_eq(sqlite3_exec(db, "PRAGMA writable_schema = OFF", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	raw_exec(dbpath, "ALTER TABLE sites DROP COLUMN flags; "
	    "ALTER TABLE sites DROP COLUMN offset2; PRAGMA user_version = 5;");
}

/* A version 1 database (before call sites) is upgraded by a write open. */
Test(store_open, migrates_version_1, .init = open_new,
    .fini = close_and_remove)
{
	store_close(st);
	st = NULL;
	drop_v6_columns();
	raw_exec(dbpath, "DROP VIEW not_explored; DROP TRIGGER "
	    "experiments_unskip; DROP TABLE skipped; "
	    "ALTER TABLE recordings DROP COLUMN stdin_blob; "
	    "ALTER TABLE recordings DROP COLUMN stdin_size; "
	    "DROP INDEX sites_callsite; DROP TABLE callsite_frames; "
	    "DROP TABLE callsites; PRAGMA user_version = 1;");
	assert_open_fails(dbpath, STORE_READ, -EPROTO, NULL);
	cr_assert_eq(store_open(&st, dbpath, STORE_WRITE), 0, "%s",
	    store_errmsg(NULL));
	cr_assert_eq(raw_int("PRAGMA user_version"), LATEST_VERSION);
	cr_assert_eq(raw_int("SELECT count(*) FROM sqlite_schema WHERE name IN "
	    "('callsites', 'callsite_frames', 'site_rows', 'skipped', "
	    "'experiments_unskip', 'not_explored')"), 6);
	cr_assert_eq(raw_int("SELECT count(*) FROM pragma_table_info("
	    "'recordings') WHERE name IN ('stdin_blob', 'stdin_size', 'seed', "
	    "'pidns', 'callsite_scheme')"), 5);
	cr_assert_eq(raw_int("SELECT count(*) FROM pragma_table_info("
	    "'sites') WHERE name IN ('flags', 'offset2', 'creates', 'process', "
	    "'thread')"), 5);
}

/*
 * A version 10 database (before threads and divergence kinds): its
 * diverged experiments become kind 'diverged', the others stay NULL,
 * and the views gain the new columns.
 */
Test(store_open, migrates_version_10_divergence_kinds,
    .init = open_new_with_recording, .fini = close_and_remove)
{
	struct store_experiment e;
	int64_t ids[3];

	add_three_sites(ids);
	e = experiment(ids[0], "eio", "ok");
	e.diverged = true;
	e.divergence = "missing site write:a.txt:1";
	e.divergence_kind = "diverged";
	cr_assert_eq(store_experiment_put(st, &e), 0, "%s", store_errmsg(st));
	e = experiment(ids[1], "eio", "ok");
	cr_assert_eq(store_experiment_put(st, &e), 0);
	store_close(st);
	st = NULL;
	drop_after_v11();
	raw_exec(dbpath, "DROP VIEW bugs; DROP VIEW verdicts; "
	    "ALTER TABLE experiments DROP COLUMN divergence_kind; "
	    "ALTER TABLE verdict_codes DROP COLUMN judged; "
	    "ALTER TABLE sites DROP COLUMN process; "
	    "ALTER TABLE sites DROP COLUMN thread; "
	    "CREATE VIEW verdicts AS SELECT 1; CREATE VIEW bugs AS SELECT 1; "
	    "PRAGMA user_version = 10;");
	cr_assert_eq(store_open(&st, dbpath, STORE_WRITE), 0, "%s",
	    store_errmsg(NULL));
	cr_assert_eq(raw_int("PRAGMA user_version"), LATEST_VERSION);
	cr_assert_eq(raw_int("SELECT count(*) FROM experiments WHERE "
	    "divergence_kind = 'diverged' AND diverged"), 1);
	cr_assert_eq(raw_int("SELECT count(*) FROM experiments WHERE "
	    "divergence_kind IS NULL AND NOT diverged"), 1);
	cr_assert_eq(raw_int("SELECT count(*) FROM verdicts WHERE "
	    "divergence_kind = 'diverged' AND process IS NULL AND mapped = 0"),
	    1);
}

/*
 * A version 5 database with sites (before flags and offset2) is upgraded
 * by a write open; its sites read back with neither.
 */
Test(store_open, migrates_version_5_keeping_sites,
    .init = open_new_with_recording, .fini = close_and_remove)
{
	struct store_site s = bare_site(1, "a.txt", 1);
	struct site_list l = { .n = 0 };

	cr_assert_eq(store_site_add(st, &s), 0, "%s", store_errmsg(st));
	store_close(st);
	st = NULL;
	drop_v6_columns();
	assert_open_fails(dbpath, STORE_READ, -EPROTO, NULL);
	cr_assert_eq(store_open(&st, dbpath, STORE_WRITE), 0);
	cr_assert_eq(raw_int("PRAGMA user_version"), LATEST_VERSION);
	cr_assert_eq(store_sites_each(st, NULL, collect_site, &l), 0);
	cr_assert_eq(l.n, 1);
	assert_site_eq(&l.sites[0], &s);
	s = bare_site(2, "a.txt", 2);
	s.flags = "osync";
	s.offset2 = 0;
	cr_assert_eq(store_site_add(st, &s), 0, "%s", store_errmsg(st));
	cr_assert_eq(raw_int("SELECT count(*) FROM sites WHERE flags = 'osync' "
	    "AND offset2 = 0"), 1);
}

/*
 * The comments `sqlite3 .schema` shows are current (migrations 5 to 7): none
 * says "reserved", migration 4's columns have theirs, and a version 4
 * file (its recordings and sites text exactly as badio 0.1.0 left them)
 * is upgraded to the same text as a new file.
 */
static const char v4_recordings[] =
"CREATE TABLE recordings (\n  id INTEGER PRIMARY KEY,\n"
"  exe TEXT NOT NULL,          -- resolved path of the program\n"
"  argv TEXT NOT NULL,         -- JSON array of strings: its argv\n"
"  env TEXT NOT NULL,          -- JSON array of 'NAME=value': its environ\n"
"  init_dir TEXT,              -- --init DIR as given; NULL: none\n"
"  init_blob BLOB,             -- zlib stream of the snapshot of DIR;\n"
"                              -- NULL: none\n"
"  init_size INTEGER,          -- bytes of the snapshot, uncompressed\n"
"  start_ns INTEGER NOT NULL,  -- start, ns since the Unix epoch\n"
"  duration_ns INTEGER,        -- wall time; NULL: never finished\n"
"  status TEXT,                -- 'exit:N', 'signal:NAME', 'interrupted';\n"
"                              -- NULL: never finished\n"
"  exit_code INTEGER,          -- badio record's exit status: N, 128+signal\n"
"  deterministic INTEGER NOT NULL CHECK (deterministic IN (0, 1)),\n"
"                              -- 1: ASLR off and fixed environment\n"
"  version TEXT NOT NULL,      -- badio version that recorded\n"
"  kernel TEXT,                -- uname -r\n"
"  sites INTEGER,              -- number of sites recorded\n"
"  files INTEGER               -- distinct regular-file paths touched\n"
", stdin_blob BLOB, stdin_size INTEGER)";


/* Put back the text of recordings and sites as a version 4 file has it. */
static void
set_v4_schema_text(void)
{
	sqlite3_stmt *stmt;
	sqlite3 *db;

	drop_v6_columns();
	cr_assert_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "PRAGMA writable_schema = ON", NULL, NULL,
	    NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, "UPDATE sqlite_schema SET sql = ?1 "
	    "WHERE name = 'recordings'", -1, &stmt, NULL), SQLITE_OK);
	sqlite3_bind_text(stmt, 1, v4_recordings, -1, SQLITE_STATIC);
	cr_assert_eq(sqlite3_step(stmt), SQLITE_DONE);
	sqlite3_finalize(stmt);
	cr_assert_eq(sqlite3_exec(db, "UPDATE sqlite_schema SET sql = "
	    "replace(sql, 'call-site id (callsites.id); NULL: unknown', "
	    "'reserved: call-site id; NULL: unknown') WHERE name = 'sites'; "
	    "PRAGMA writable_schema = OFF; PRAGMA user_version = 4;", NULL,
	    NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
	sqlite3_close(db);
}

Test(store_open, schema_comments_are_current, .init = open_new,
    .fini = close_and_remove)
{
	const char *all = "SELECT group_concat(sql, char(10)) FROM "
	    "(SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY name)";
	char *fresh, *fresh16, *upgraded, *old;

	fresh16 = raw_text(all);
	store_close(st);
	st = NULL;
	drop_v16();	/* the comments below are of the sites table */
	fresh = raw_text(all);
	cr_assert_null(strstr(fresh, "reserved"), "%s", fresh);
	cr_assert_not_null(strstr(fresh, "  stdin_blob BLOB,            -- what "
	    "PROG read on stdin, zlib-compressed;\n"), "%s", fresh);
	cr_assert_not_null(strstr(fresh, "  stdin_size INTEGER,         -- its "
	    "uncompressed size in bytes\n  init_format TEXT            -- what "
	    "init_blob holds: 'tar' (a pax tar\n"), "%s", fresh);
	cr_assert_not_null(strstr(fresh, "  init_blob BLOB,             -- the "
	    "snapshot of DIR, as init_format\n"), "%s", fresh);
	/* migration 8's column follows, without a comment (ADD COLUMN) */
	cr_assert_not_null(strstr(fresh, "badio-snap1')\n, trace_close "
	    "INTEGER"), "%s", fresh);
	cr_assert_not_null(strstr(fresh, "exe TEXT NOT NULL,          -- "
	    "canonical path of the program (realpath)\n"), "%s", fresh);
	cr_assert_not_null(strstr(fresh, "  callsite INTEGER,           -- "
	    "call-site id (callsites.id); NULL: unknown\n"), "%s", fresh);
	cr_assert_not_null(strstr(fresh, "  flags TEXT,                 -- "
	    "comma-separated words in a fixed order:\n"), "%s", fresh);
	cr_assert_not_null(strstr(fresh, "  offset2 INTEGER,            -- "
	    "copy calls: offset in path2 (the source)\n"
	    "                              -- before the call; NULL: none "
	    "(a pipe)\n  mapped INTEGER"), "%s", fresh);
	/* later migrations' columns come after the edited text, whole */
	cr_assert_not_null(strstr(fresh, "-- NULL: none\n, process INTEGER, "
	    "thread INTEGER, xxh3 INTEGER)"), "%s", fresh);
	cr_assert_not_null(strstr(fresh16, "-- could not make one; NULL: not "
	    "asked\n, callsite_scheme INTEGER, clock_ns INTEGER)"), "%s",
	    fresh16);
	cr_assert_not_null(strstr(fresh, "-- could not make one; NULL: not "
	    "asked\n, callsite_scheme INTEGER)"), "%s", fresh);
	cr_assert_not_null(strstr(fresh, "docs/manual.md)\n  creates TEXT      "
	    "          -- the name this call brought into\n"), "%s", fresh);
	cr_assert_not_null(strstr(fresh, "  seed INTEGER,               -- "
	    "64-bit seed of getrandom, AT_RANDOM and\n"), "%s", fresh);
	cr_assert_not_null(strstr(fresh, "'timeout'"), "%s", fresh);

	set_v4_schema_text();
	old = raw_text(all);
	cr_assert_not_null(strstr(old, "reserved"), "%s", old);
	free(old);
	cr_assert_eq(store_open(&st, dbpath, STORE_WRITE), 0);
	cr_assert_eq(raw_int("PRAGMA user_version"), LATEST_VERSION);
	upgraded = raw_text(all);
	cr_assert_str_eq(upgraded, fresh16);
	cr_assert_eq(raw_int("SELECT count(*) FROM pragma_integrity_check "
	    "WHERE integrity_check = 'ok'"), 1);
	free(fresh);
	free(fresh16);
	free(upgraded);
}

/*
 * A version 7 database with rows: version 8 rebuilds sites, experiments
 * and skipped (fault_codes instead of a CHECK list, families mmap and
 * close, sites.mapped) and keeps every row.
 */
Test(store_open, migrates_version_7_keeping_rows,
    .init = open_new_with_recording, .fini = close_and_remove)
{
	struct store_experiment e;
	int64_t ids[3];

	add_three_sites(ids);
	e = experiment(ids[1], "torn", "silent-corruption");
	cr_assert_eq(store_experiment_put(st, &e), 0, "%s", store_errmsg(st));
	cr_assert_eq(store_skipped_put(st, ids[2], "eio", "per-callsite"), 0);
	store_close(st);
	st = NULL;
	/* back to version 7's shape: no fault_codes, mapped, trace_close */
	drop_v9_columns();
	raw_exec(dbpath, undo_v8);
	raw_exec(dbpath, "PRAGMA user_version = 7;");
	cr_assert_eq(store_open(&st, dbpath, STORE_WRITE), 0, "%s",
	    store_errmsg(NULL));
	cr_assert_eq(raw_int("PRAGMA user_version"), LATEST_VERSION);
	cr_assert_eq(raw_int("SELECT count(*) FROM sites WHERE mapped = 0"), 3);
	cr_assert_eq(raw_int("SELECT count(*) FROM verdicts WHERE fault = "
	    "'torn' AND verdict = 'silent-corruption' AND site = (SELECT id "
	    "FROM sites WHERE seq = 2)"), 1);
	cr_assert_eq(raw_int("SELECT count(*) FROM not_explored WHERE fault = "
	    "'eio'"), 1);
	cr_assert_eq(raw_int("SELECT trace_close FROM recordings"), 0);
	cr_assert_eq(raw_int("SELECT group_concat(name || ':' || kind, ' ') = "
	    "'short:transient torn:transient eio:transient enospc:transient "
	    "crash:final eio+:persistent enospc+:persistent power:final "
	    "lost-sync:transient' FROM (SELECT * "
	    "FROM fault_codes ORDER BY rank)"), 1);
	/* the new faults are stored, unknown ones are not */
	e = experiment(ids[0], "eio+", "hang");
	cr_assert_eq(store_experiment_put(st, &e), 0, "%s", store_errmsg(st));
	e = experiment(ids[0], "eio++", "hang");
	cr_assert_eq(store_experiment_put(st, &e), -EINVAL);
	cr_assert_eq(raw_int("SELECT count(*) FROM experiments"), 2);
	/* the trigger is back: an experiment takes its pair off the list */
	e = experiment(ids[2], "eio", "ok");
	cr_assert_eq(store_experiment_put(st, &e), 0, "%s", store_errmsg(st));
	cr_assert_eq(raw_int("SELECT count(*) FROM skipped"), 0);
}

/*
 * A version 8 database (before determinism): its recording has no seed
 * (re-runs keep real randomness) and no namespace (not asked), its
 * sites created nothing known.
 */
Test(store_open, migrates_version_8, .init = open_new_with_recording,
    .fini = close_and_remove)
{
	struct store_recording got;
	struct store_site s = bare_site(1, "a.txt", 1);
	struct site_list l = { .n = 0 };

	cr_assert_eq(store_site_add(st, &s), 0);
	store_close(st);
	st = NULL;
	drop_v9_columns();
	assert_open_fails(dbpath, STORE_READ, -EPROTO, NULL);
	cr_assert_eq(store_open(&st, dbpath, STORE_WRITE), 0);
	cr_assert_eq(raw_int("PRAGMA user_version"), LATEST_VERSION);
	cr_assert_eq(store_recording_get(st, &got), 0, "%s", store_errmsg(st));
	cr_assert_not(got.has_seed);
	cr_assert_eq(got.pidns, -1);
	store_recording_release(&got);
	cr_assert_eq(store_sites_each(st, NULL, collect_site, &l), 0);
	cr_assert_eq(l.n, 1);
	cr_assert_null(l.sites[0].creates);
}

Test(store_callsite, round_trip, .init = open_new, .fini = close_and_remove)
{
	const struct store_frame in[3] = {
		{ "/usr/lib/x86_64-linux-gnu/libc.so.6", 1016719 },
		{ "/tmp/prog", 4588 },
		{ "[vdso]", 0 },
	};
	struct store_frame *out;
	size_t n;
	bool unwound;

	cr_assert_eq(store_begin(st), 0);
	cr_assert_eq(store_callsite_add(st, 42, in, 3, true), 0);
	/* the same id again changes nothing */
	cr_assert_eq(store_callsite_add(st, 42, in, 1, false), 0);
	cr_assert_eq(store_commit(st), 0);
	cr_assert_eq(store_callsite_get(st, 42, &out, &n, &unwound), 0);
	cr_assert_eq(n, 3);
	cr_assert(unwound);
	for (size_t i = 0; i < 3; i++) {
		cr_assert_str_eq(out[i].module, in[i].module);
		cr_assert_eq(out[i].offset, in[i].offset);
	}
	store_frames_free(out, n);
	cr_assert_eq(store_callsite_get(st, 7, &out, &n, &unwound), 0);
	cr_assert_eq(n, 0);
	cr_assert_null(out);
}

Test(store_open, refuses_identity_without_version, .init = make_tmpdir,
    .fini = remove_tmpdir)
{
	raw_exec(dbpath, "PRAGMA application_id = 1650549865;");
	assert_open_fails(dbpath, STORE_WRITE, -EBADMSG, NULL);
}

Test(store_open, reopen_read_and_write, .init = open_new_with_recording,
    .fini = close_and_remove)
{
	struct store *r;
	struct store_site s = bare_site(1, "x", 1);

	store_close(st);
	cr_assert_eq(store_open(&st, dbpath, STORE_WRITE), 0, "%s",
	    store_errmsg(NULL));
	cr_assert_eq(store_site_add(st, &s), 0, "%s", store_errmsg(st));
	cr_assert_eq(store_open(&r, dbpath, STORE_READ), 0, "%s",
	    store_errmsg(NULL));
	s.seq = 2;
	cr_assert_eq(store_site_add(r, &s), -EROFS);
	cr_assert_str_neq(store_errmsg(r), "");
	store_close(r);
	cr_assert_eq(raw_int("SELECT count(*) FROM sites"), 1);
}

Test(store_open, null_close_and_errmsg_are_safe)
{
	store_close(NULL);
	cr_assert_not_null(store_errmsg(NULL));
}

/* --- transactions and meta --------------------------------------------- */

Test(store_txn, begin_commit_rollback, .init = open_new_with_recording,
    .fini = close_and_remove)
{
	struct store_site s = bare_site(1, "a", 1);

	cr_assert_eq(store_commit(st), -EINVAL);
	cr_assert_eq(store_rollback(st), 0);
	cr_assert_eq(store_begin(st), 0);
	cr_assert_eq(store_begin(st), -EINVAL);
	cr_assert_eq(store_site_add(st, &s), 0);
	cr_assert_eq(store_rollback(st), 0);
	cr_assert_eq(raw_int("SELECT count(*) FROM sites"), 0);
	cr_assert_eq(store_begin(st), 0);
	cr_assert_eq(store_site_add(st, &s), 0);
	cr_assert_eq(store_commit(st), 0);
	cr_assert_eq(raw_int("SELECT count(*) FROM sites"), 1);
}

Test(store_meta, set_get_replace, .init = open_new, .fini = close_and_remove)
{
	char *v;

	cr_assert_eq(store_meta_get(st, "oracle", &v), 0);
	cr_assert_null(v);
	cr_assert_eq(store_meta_set(st, "oracle", "./check.sh 'x'"), 0);
	cr_assert_eq(store_meta_get(st, "oracle", &v), 0);
	cr_assert_str_eq(v, "./check.sh 'x'");
	free(v);
	cr_assert_eq(store_meta_set(st, "oracle", "true"), 0);
	cr_assert_eq(store_meta_get(st, "oracle", &v), 0);
	cr_assert_str_eq(v, "true");
	free(v);
	cr_assert_eq(raw_int("SELECT count(*) FROM meta"), 1);
}

/* --- sites --------------------------------------------------------------- */

Test(store_sites, round_trip_every_field, .init = open_new_with_recording,
    .fini = close_and_remove)
{
	struct store_site full = full_site(1);
	struct store_site bare = bare_site(2, "<stdout>", 1);
	struct site_list l = { .n = 0 };

	bare.kind = "tty";
	cr_assert_eq(store_site_add(st, &full), 0, "%s", store_errmsg(st));
	cr_assert_eq(store_site_add(st, &bare), 0, "%s", store_errmsg(st));
	cr_assert_eq(store_sites_each(st, NULL, collect_site, &l), 0);
	cr_assert_eq(l.n, 2);
	assert_site_eq(&l.sites[0], &full);
	assert_site_eq(&l.sites[1], &bare);
	cr_assert_gt(l.sites[0].id, 0);
	/* absent values are SQL NULL, not -1 or 0 */
	cr_assert_eq(raw_int("SELECT fd IS NULL AND path2 IS NULL AND "
	    "offset IS NULL AND count IS NULL AND result IS NULL AND "
	    "crc32 IS NULL AND crc_bytes IS NULL AND callsite IS NULL "
	    "AND process IS NULL AND thread IS NULL "
	    "AND flags IS NULL AND offset2 IS NULL AND creates IS NULL "
	    "FROM sites WHERE seq = 2"), 1);
	cr_assert_eq(raw_int("SELECT offset2 FROM sites WHERE seq = 1"), 8192);
	cr_assert_eq(raw_int("SELECT crc32 FROM sites WHERE seq = 1"),
	    0xdeadbeef);
	cr_assert_eq(raw_int("SELECT result FROM sites WHERE seq = 1"), -5);
}

/*
 * Since schema 13 a site's checksum is xxh3 (all 64 bits, the sign bit
 * too), and crc32 stays NULL; an older site's crc32 is kept as it was.
 */
Test(store_sites, xxh3_round_trip, .init = open_new_with_recording,
    .fini = close_and_remove)
{
	struct store_site s = bare_site(1, "x.bin", 1);
	struct site_list l = { .n = 0 };

	s.crc_bytes = 6;
	s.has_xxh3 = true;
	s.xxh3 = (int64_t)0x99fc819aaba2462aull;
	cr_assert_eq(store_site_add(st, &s), 0, "%s", store_errmsg(st));
	cr_assert_eq(store_sites_each(st, NULL, collect_site, &l), 0);
	cr_assert_eq(l.n, 1);
	assert_site_eq(&l.sites[0], &s);
	cr_assert_eq(raw_int("SELECT crc32 IS NULL AND crc_bytes = 6 AND "
	    "printf('%x', xxh3) = '99fc819aaba2462a' FROM sites"), 1);
}

/*
 * A database of schema 4 (tests/fixtures/v4-init.sqlite: `echo hello >
 * out.txt` recorded by badio 0.1.0) upgraded to this schema: its write
 * keeps its CRC-32 of "hello\n", with no xxh3, and compares as before.
 */
Test(store_sites, old_database_keeps_crc32, .init = make_tmpdir,
    .fini = remove_tmpdir)
{
	char cmd[256];
	struct store *s;
	struct site_list l = { .n = 0 };
	uint32_t want = (uint32_t)crc32(crc32(0L, Z_NULL, 0),
	    (const Bytef *)"hello\n", 6);

	snprintf(cmd, sizeof(cmd), "cp '%s/v4-init.sqlite' '%s'", FIXTURES_DIR,
	    dbpath);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(store_open(&s, dbpath, STORE_WRITE), 0, "%s",
	    store_errmsg(s));
	cr_assert_eq(store_sites_each(s, NULL, collect_site, &l), 0);
	store_close(s);
	cr_assert_eq(l.n, 2);
	cr_assert_str_eq(l.sites[1].syscall, "write");
	cr_assert_not(l.sites[1].has_xxh3);
	cr_assert_eq(l.sites[1].crc_bytes, 6);
	cr_assert_eq((uint32_t)l.sites[1].crc32, want);
	cr_assert_eq(raw_int("SELECT count(*) FROM sites WHERE xxh3 IS NULL"),
	    2);
	cr_assert_eq(raw_int("PRAGMA user_version"), LATEST_VERSION);
}

Test(store_sites, ordered_by_seq_and_filtered,
    .init = open_new_with_recording, .fini = close_and_remove)
{
	struct store_site_filter f = { 0 };
	struct site_list l = { .n = 0 };
	struct store_site s;
	int64_t ids[3];

	/* inserted out of seq order, as the recorder completes them */
	s = bare_site(3, "b.txt", 1);
	s.syscall = "pwrite64";
	cr_assert_eq(store_site_add(st, &s), 0);
	s = bare_site(1, "a.txt", 1);
	cr_assert_eq(store_site_add(st, &s), 0);
	s = bare_site(2, "a.txt", 2);
	s.family = "sync";
	s.syscall = "fsync";
	cr_assert_eq(store_site_add(st, &s), 0);
	ids[0] = raw_int("SELECT id FROM sites WHERE seq = 1");
	ids[2] = raw_int("SELECT id FROM sites WHERE seq = 3");

	cr_assert_eq(store_sites_each(st, &f, collect_site, &l), 0);
	cr_assert_eq(l.n, 3);
	cr_assert_eq(l.sites[0].seq, 1);
	cr_assert_eq(l.sites[1].seq, 2);
	cr_assert_eq(l.sites[2].seq, 3);

	l.n = 0;
	f.path_glob = "a.*";
	cr_assert_eq(store_sites_each(st, &f, collect_site, &l), 0);
	cr_assert_eq(l.n, 2);

	l.n = 0;
	f.family = "write";
	cr_assert_eq(store_sites_each(st, &f, collect_site, &l), 0);
	cr_assert_eq(l.n, 1);
	cr_assert_eq(l.sites[0].seq, 1);

	l.n = 0;
	f = (struct store_site_filter){ .syscall = "pwrite64" };
	cr_assert_eq(store_sites_each(st, &f, collect_site, &l), 0);
	cr_assert_eq(l.n, 1);
	cr_assert_eq(l.sites[0].seq, 3);

	l.n = 0;
	f = (struct store_site_filter){ .id_min = ids[2], .id_max = ids[0] };
	cr_assert_eq(store_sites_each(st, &f, collect_site, &l), 0);
	cr_assert_eq(l.n, 2);	/* ids 1..2 hold seq 3 and seq 1 */
	cr_assert_eq(l.sites[0].seq, 1);
	cr_assert_eq(l.sites[1].seq, 3);
}

static int
stop_at_second(void *ctx, const struct store_site *site)
{
	int *calls = ctx;

	(void)site;
	return ++*calls == 2 ? 7 : 0;
}

struct nested {
	int	outer;
	int	inner;
};

static int
count_inner(void *ctx, const struct store_site *site)
{
	struct nested *n = ctx;

	(void)site;
	n->inner++;
	return 0;
}

static int
iterate_again(void *ctx, const struct store_site *site)
{
	struct nested *n = ctx;

	(void)site;
	n->outer++;
	return store_sites_each(st, NULL, count_inner, n);
}

Test(store_sites, callback_stops_and_nests, .init = open_new_with_recording,
    .fini = close_and_remove)
{
	struct nested n = { 0, 0 };
	int64_t ids[3];
	int calls = 0;

	add_three_sites(ids);
	cr_assert_eq(store_sites_each(st, NULL, stop_at_second, &calls), 7);
	cr_assert_eq(calls, 2);
	/* a callback may iterate the same statement again */
	cr_assert_eq(store_sites_each(st, NULL, iterate_again, &n), 0);
	cr_assert_eq(n.outer, 3);
	cr_assert_eq(n.inner, 9);
}

Test(store_sites, refuses_bad_codes_and_references,
    .init = open_new_with_recording, .fini = close_and_remove)
{
	struct store_site s = bare_site(1, "a", 1);

	s.family = "read";
	cr_assert_eq(store_site_add(st, &s), -EINVAL);
	cr_assert_not_null(strstr(store_errmsg(st), "CHECK"), "%s",
	    store_errmsg(st));
	s = bare_site(1, "a", 1);
	s.kind = "fifo";
	cr_assert_eq(store_site_add(st, &s), -EINVAL);
	s = bare_site(1, "a", 1);
	s.recording = rec_id + 1;
	cr_assert_eq(store_site_add(st, &s), -EINVAL);
	cr_assert_not_null(strstr(store_errmsg(st), "FOREIGN KEY"));
	cr_assert_eq(raw_int("SELECT count(*) FROM sites"), 0);
}

/*
 * The recorder's budget: 100,000 inserts well under a second of CPU
 * (CPU time, so that other jobs on the machine do not count).  Under
 * AddressSanitizer every malloc of SQLite's goes through ASan's
 * allocator, which alone takes about a second, so only the count holds.
 */
#ifdef __SANITIZE_ADDRESS__
#define INSERT_100K_SECONDS	10.0
#else
#define INSERT_100K_SECONDS	1.0
#endif

Test(store_sites, hundred_thousand_in_one_transaction,
    .init = open_new_with_recording, .fini = close_and_remove)
{
	struct timespec t0, t1;
	struct store_site s;
	char path[32];
	char key[64];
	double secs;
	int64_t i;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	cr_assert_eq(store_begin(st), 0);
	for (i = 1; i <= 100000; i++) {
		snprintf(path, sizeof(path), "f%lld", (long long)(i % 10));
		snprintf(key, sizeof(key), "write:%s:%lld", path,
		    (long long)(i / 10 + 1));
		s = full_site(i);
		s.family = "write";
		s.syscall = "write";
		s.path = path;
		s.key_path = path;
		s.key = key;
		s.ordinal = i / 10 + 1;
		cr_assert_eq(store_site_add(st, &s), 0, "%s",
		    store_errmsg(st));
	}
	cr_assert_eq(store_commit(st), 0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_log_info("100000 sites in %.3f s of CPU", secs);
	cr_assert_lt(secs, INSERT_100K_SECONDS, "100000 inserts took %.3f s",
	    secs);
	cr_assert_eq(raw_int("SELECT count(*) FROM sites"), 100000);
	cr_assert_eq(raw_int("SELECT max(ordinal) FROM sites WHERE "
	    "key_path = 'f3'"), 10000);
}

/* The streamed rows of store_sites_json_each joined into one array. */
struct json_join {
	char	*buf;
	size_t	len;
	unsigned rows;
};

static int
join_row(void *ctx, const char *text, size_t len)
{
	struct json_join *j = ctx;
	char *n = realloc(j->buf, j->len + len + 3);

	cr_assert_not_null(n);
	j->buf = n;
	j->buf[j->len++] = j->rows++ ? ',' : '[';
	memcpy(j->buf + j->len, text, len);
	j->len += len;
	j->buf[j->len] = '\0';
	return 0;
}

static int
sites_json(bool stacks, char **json)
{
	struct json_join j = { NULL, 0, 0 };
	int rc = store_sites_json_each(st, stacks, join_row, &j);

	if (rc != 0) {
		free(j.buf);
		return rc;
	}
	if (!j.rows) {
		*json = strdup("[]");
		free(j.buf);
		return 0;
	}
	j.buf[j.len++] = ']';
	j.buf[j.len] = '\0';
	*json = j.buf;
	return 0;
}

/* --- schema 16: the compact sites ---------------------------------------- */

static const char verdicts_dump[] =
	"SELECT json_group_array(json_array(experiment, site, seq, pid, tid, "
	"process, thread, syscall, family, fd, path, path2, kind, offset, "
	"count, result, key, callsite, fault, verdict, mapped)) FROM verdicts";

/* Sites of every shape: the migration from 15 gives the same rows. */
Test(store_open, migrates_version_15_same_sites,
    .init = open_new_with_recording, .fini = close_and_remove)
{
	struct store_site full = full_site(3), bare = bare_site(1, "a.txt", 1);
	struct store_site end;
	struct store_experiment e;
	char *json, *json2, *verd, *verd2;

	cr_assert_eq(store_site_add(st, &full), 0, "%s", store_errmsg(st));
	cr_assert_eq(store_site_add(st, &bare), 0);
	bare = bare_site(2, "a.txt", 2);
	bare.crc32 = 77;
	bare.crc_bytes = 3;
	bare.key_path = "other";
	cr_assert_eq(store_site_add(st, &bare), 0);
	end = bare_site(4, "<end>", 1);
	end.family = "end";
	end.syscall = "exit";
	end.key = "end:1";
	cr_assert_eq(store_site_add(st, &end), 0, "%s", store_errmsg(st));
	e = experiment(1, "eio", "ok");
	cr_assert_eq(store_experiment_put(st, &e), 0, "%s", store_errmsg(st));
	e = experiment(2, "crash", "corruption");
	cr_assert_eq(store_experiment_put(st, &e), 0, "%s", store_errmsg(st));
	cr_assert_eq(sites_json(false, &json), 0);
	verd = raw_text(verdicts_dump);
	/* a repeated path is stored once; derived keys not at all */
	cr_assert_eq(raw_int("SELECT count(*) FROM strings WHERE text = "
	    "'a.txt'"), 1);
	cr_assert_str_eq(raw_text("SELECT group_concat(text, ' ') FROM strings "
	    "WHERE text GLOB '*:*'"), "write:a.txt:2 end:1");
	/* the key not of key_path other, and end:1 */
	cr_assert_eq(raw_int("SELECT count(*) FROM site_rows WHERE key IS NOT "
	    "NULL"), 2);
	store_close(st);
	st = NULL;
	drop_v16();
	cr_assert_eq(raw_int("SELECT count(*) FROM sqlite_schema WHERE "
	    "name = 'sites' AND type = 'table'"), 1);
	cr_assert_eq(raw_int("SELECT count(*) FROM sites"), 4);
	assert_open_fails(dbpath, STORE_READ, -EPROTO, NULL);
	cr_assert_eq(store_open(&st, dbpath, STORE_WRITE), 0, "%s",
	    store_errmsg(NULL));
	cr_assert_eq(raw_int("PRAGMA user_version"), LATEST_VERSION);
	cr_assert_eq(sites_json(false, &json2), 0);
	cr_assert_str_eq(json2, json);
	verd2 = raw_text(verdicts_dump);
	cr_assert_str_eq(verd2, verd);
	cr_assert_eq(raw_int("SELECT count(*) FROM strings WHERE text = "
	    "'a.txt'"), 1);
	cr_assert_eq(raw_int("SELECT count(*) FROM pragma_foreign_key_check"),
	    0);
	free(json);
	free(json2);
	free(verd);
	free(verd2);
}

/* The view has the documented columns, and writes through it work. */
Test(store_sites, view_columns_and_writes, .init = open_new_with_recording,
    .fini = close_and_remove)
{
	struct store_site bare = bare_site(1, "a.txt", 1);

	cr_assert_eq(store_site_add(st, &bare), 0);
	cr_assert_str_eq(raw_text("SELECT group_concat(name, ',') FROM "
	    "pragma_table_info('sites')"), "id,recording,seq,pid,tid,syscall,"
	    "family,fd,path,path2,kind,offset,count,result,append,t_ns,crc32,"
	    "crc_bytes,key,key_path,ordinal,callsite,flags,offset2,mapped,"
	    "creates,process,thread,xxh3");
	raw_exec(dbpath, "UPDATE sites SET path = 'b.txt', key_path = 'b.txt', "
	    "key = 'write:b.txt:1' WHERE id = 1");
	cr_assert_str_eq(raw_text("SELECT path || ' ' || key FROM sites"),
	    "b.txt write:b.txt:1");
	raw_exec(dbpath, "INSERT INTO sites (recording, seq, pid, tid, syscall, "
	    "family, path, kind, t_ns, key, key_path, ordinal) VALUES (1, 2, 5, "
	    "6, 'fsync', 'sync', 'b.txt', 'regular', 9, 'sync:b.txt:1', "
	    "'b.txt', 1)");
	cr_assert_str_eq(raw_text("SELECT group_concat(seq || tid || family || "
	    "key, ' ') FROM sites"), "11writewrite:b.txt:1 26syncsync:b.txt:1");
	cr_assert_eq(raw_int("SELECT count(*) FROM strings WHERE text = "
	    "'b.txt'"), 1);
	raw_exec(dbpath, "DELETE FROM sites WHERE id = 1");
	cr_assert_eq(raw_int("SELECT count(*) FROM site_rows"), 1);
}

/* A crafted string id that strings lacks reads as '<missing>'. */
Test(store_sites, dangling_string_id_reads_missing,
    .init = open_new_with_recording, .fini = close_and_remove)
{
	struct store_site bare = bare_site(1, "a.txt", 1);
	struct site_list l = { .n = 0 };
	char *json;

	cr_assert_eq(store_site_add(st, &bare), 0);
	raw_exec(dbpath, "PRAGMA ignore_check_constraints = ON; "
	    "UPDATE site_rows SET path = 999, syscall = 998, "
	    "family = 0, flags = 997");
	cr_assert_eq(store_sites_each(st, NULL, collect_site, &l), 0);
	cr_assert_eq(l.n, 1);
	cr_assert_str_eq(l.sites[0].path, "<missing>");
	cr_assert_str_eq(l.sites[0].syscall, "<missing>");
	cr_assert_str_eq(l.sites[0].family, "<missing>");
	cr_assert_str_eq(l.sites[0].flags, "<missing>");
	cr_assert_str_eq(l.sites[0].key, "<missing>:<missing>:1");
	cr_assert_eq(sites_json(false, &json), 0);
	assert_json_valid(json);
	free(json);
}

Test(store_sites, json_array_in_seq_order, .init = open_new_with_recording,
    .fini = close_and_remove)
{
	struct store_site full = full_site(2);
	struct store_site bare = bare_site(1, "a\"\n\xc3\xa9", 1);
	char *json;

	cr_assert_eq(sites_json(false, &json), 0);
	cr_assert_str_eq(json, "[]");
	free(json);
	cr_assert_eq(store_site_add(st, &full), 0);
	cr_assert_eq(store_site_add(st, &bare), 0);
	cr_assert_eq(sites_json(false, &json), 0, "%s", store_errmsg(st));
	assert_json_valid(json);
	assert_json(json, "SELECT json_array_length(?1)", "2");
	assert_json(json, "SELECT json_extract(?1, '$[0].path')",
	    "a\"\n\xc3\xa9");
	assert_json(json, "SELECT json_extract(?1, '$[0].fd')", NULL);
	assert_json(json, "SELECT json_type(?1, '$[0].fd')", "null");
	assert_json(json, "SELECT json_type(?1, '$[0].append')", "false");
	assert_json(json, "SELECT json_type(?1, '$[1].append')", "true");
	assert_json(json, "SELECT json_extract(?1, '$[1].seq')", "2");
	assert_json(json, "SELECT json_extract(?1, '$[1].crc32')",
	    "3735928559");
	assert_json(json, "SELECT json_extract(?1, '$[1].key')",
	    "namespace:dir/a b.txt:1");
	assert_json(json, "SELECT json_extract(?1, '$[1].path2')",
	    "dir/c'd\".txt");
	assert_json(json, "SELECT json_extract(?1, '$[1].flags')",
	    "exchange,replaced");
	assert_json(json, "SELECT json_extract(?1, '$[1].offset2')", "8192");
	assert_json(json, "SELECT json_type(?1, '$[0].flags')", "null");
	assert_json(json, "SELECT json_type(?1, '$[0].offset2')", "null");
	free(json);
}

/* --- recordings ---------------------------------------------------------- */

static void
assert_strv_eq(char **got, const char *const *want)
{
	size_t i;

	cr_assert_not_null(got);
	for (i = 0; want[i]; i++) {
		cr_assert_not_null(got[i], "element %zu missing", i);
		cr_assert_str_eq(got[i], want[i]);
	}
	cr_assert_null(got[i], "extra element %zu", i);
}

/* A temporary file of n bytes of a pattern, at offset n. */
static int
pattern_file(size_t n)
{
	char path[] = "/tmp/badio-test-store-blob-XXXXXX";
	unsigned char buf[4096];
	size_t i, k;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	unlink(path);
	for (i = 0; i < n; i += k) {
		k = n - i < sizeof(buf) ? n - i : sizeof(buf);
		for (size_t j = 0; j < k; j++)
			buf[j] = (unsigned char)((i + j) % 251 ^ ((i + j) >> 9));
		cr_assert_eq(write(fd, buf, k), (ssize_t)k);
	}
	return fd;
}

static void
assert_same_files(int a, int b, size_t n)
{
	char x[4096], y[4096];

	for (size_t off = 0; off < n; off += sizeof(x)) {
		ssize_t k = pread(a, x, sizeof(x), (off_t)off);

		cr_assert_gt(k, 0);
		cr_assert_eq(pread(b, y, (size_t)k, (off_t)off), k);
		cr_assert_eq(memcmp(x, y, (size_t)k), 0, "differ near %zu", off);
	}
	cr_assert_eq(lseek(b, 0, SEEK_END), (off_t)n);
}

Test(store_recording, round_trip_with_odd_strings_and_init,
    .init = open_new, .fini = close_and_remove)
{
	static const char *const argv[] = { "prog", "it's \"quoted\"",
	    "two\nlines", "tab\there", "back\\slash", "",
	    "\xc3\xa9t\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x92\xbe", "[1,2]",
	    "\x01\x7f", NULL };
	static const char *const envp[] = { "HOME=/root", "X=a=b=c",
	    "JSON={\"k\": [1]}", "EMPTY=", NULL };
	/* more than one chunk of the blob streaming, not a multiple of it */
	size_t blob_len = 3 * 256 * 1024 + 4321;
	int blob = pattern_file(blob_len);
	int back;
	struct store_recording r = {
		.exe = "/usr/bin/prog \xe2\x9c\x93",
		.argv = (char **)argv,
		.envp = (char **)envp,
		.init_dir = "in'it",
		.start_unix_ns = 1700000000123456789,
		.deterministic = true,
		.version = "0.1.0",
		.kernel = "6.1.0-13-amd64",
		.callsite_scheme = 2,
	};
	struct store_recording got;
	int64_t id;

	cr_assert_eq(store_recording_add(st, &r, &id), 0, "%s",
	    store_errmsg(st));
	cr_assert_gt(id, 0);
	cr_assert_eq(store_recording_init_put(st, id, "tar", blob, 9999999), 0,
	    "%s", store_errmsg(st));

	cr_assert_eq(store_recording_get(st, &got), 0, "%s", store_errmsg(st));
	cr_assert_eq(got.id, id);
	cr_assert_str_eq(got.exe, r.exe);
	assert_strv_eq(got.argv, argv);
	assert_strv_eq(got.envp, envp);
	cr_assert_str_eq(got.init_dir, "in'it");
	cr_assert_str_eq(got.init_format, "tar");
	cr_assert_eq(got.init_size, 9999999);
	cr_assert_eq(got.init_bytes, (int64_t)blob_len);
	cr_assert_eq(got.start_unix_ns, 1700000000123456789);
	cr_assert(got.deterministic);
	cr_assert_str_eq(got.version, "0.1.0");
	cr_assert_str_eq(got.kernel, "6.1.0-13-amd64");
	cr_assert_eq(got.callsite_scheme, 2);
	/* not finished yet */
	cr_assert_null(got.status);
	cr_assert_eq(got.exit_code, -1);
	store_recording_release(&got);
	cr_assert_null(got.argv);

	/* the blob comes back byte for byte, streamed into a file */
	back = pattern_file(0);
	cr_assert_eq(store_recording_init_get(st, id, back), 0, "%s",
	    store_errmsg(st));
	assert_same_files(blob, back, blob_len);
	close(back);
	close(blob);

	/* stored as it was given, argv as a JSON array users can query */
	cr_assert_eq(raw_int("SELECT length(init_blob) FROM recordings"),
	    (int64_t)blob_len);
	cr_assert_eq(raw_int("SELECT json_array_length(argv) FROM "
	    "recordings"), 9);
	cr_assert_eq(raw_int("SELECT status IS NULL AND duration_ns IS NULL "
	    "FROM recordings"), 1);
}

Test(store_recording, finish_and_no_init, .init = open_new,
    .fini = close_and_remove)
{
	static const char *const empty[] = { NULL };
	struct store_recording r = {
		.exe = "/bin/true",
		.argv = (char **)empty,
		.envp = NULL,
		.version = "0.1.0",
	};
	struct store_recording got;
	int64_t id;

	cr_assert_eq(store_recording_get(st, &got), -ENOENT);
	cr_assert_eq(store_recording_add(st, &r, &id), 0, "%s",
	    store_errmsg(st));
	cr_assert_eq(store_recording_finish(st, id, 5000, "signal:KILL", 137,
	    12, 3), 0);
	cr_assert_eq(store_recording_finish(st, id + 1, 1, "exit:0", 0, 0, 0),
	    -ENOENT);
	cr_assert_eq(store_recording_get(st, &got), 0, "%s", store_errmsg(st));
	cr_assert_null(got.init_format);
	cr_assert_eq(got.init_bytes, 0);
	cr_assert_null(got.init_dir);
	cr_assert_null(got.kernel);
	cr_assert_not_null(got.argv);
	cr_assert_null(got.argv[0]);
	cr_assert_null(got.envp[0]);
	cr_assert_str_eq(got.status, "signal:KILL");
	cr_assert_eq(got.exit_code, 137);
	cr_assert_eq(got.duration_ns, 5000);
	cr_assert_eq(got.sites, 12);
	cr_assert_eq(got.files, 3);
	cr_assert_eq(got.callsite_scheme, 0, "unknown: an older badio's ids");
	store_recording_release(&got);
	cr_assert_eq(raw_int("SELECT init_blob IS NULL AND init_size IS NULL "
	    "AND callsite_scheme IS NULL FROM recordings"), 1);
	cr_assert_not(got.has_stdin, "no stdin kept: explore gives /dev/null");
}

Test(store_recording, stdin_round_trip, .init = open_new,
    .fini = close_and_remove)
{
	static const char *const empty[] = { NULL };
	static const char input[] = "line\n\0binary\xff";
	struct store_recording r = {
		.exe = "/bin/cat", .argv = (char **)empty, .version = "0.1.0",
	};
	struct store_recording got;
	int64_t id;

	cr_assert_eq(store_recording_add(st, &r, &id), 0, "%s",
	    store_errmsg(st));
	cr_assert_eq(store_recording_set_stdin(st, id, input, sizeof(input)), 0,
	    "%s", store_errmsg(st));
	cr_assert_eq(store_recording_get(st, &got), 0, "%s", store_errmsg(st));
	cr_assert(got.has_stdin);
	cr_assert_eq(got.stdin_len, sizeof(input));
	cr_assert_eq(memcmp(got.stdin_data, input, sizeof(input)), 0);
	store_recording_release(&got);
	cr_assert_eq(raw_int("SELECT stdin_size FROM recordings"),
	    (long long)sizeof(input));
	/* an empty stdin is kept too: explore must give an empty file */
	cr_assert_eq(store_recording_set_stdin(st, id, "", 0), 0);
	cr_assert_eq(store_recording_get(st, &got), 0);
	cr_assert(got.has_stdin);
	cr_assert_eq(got.stdin_len, 0);
	store_recording_release(&got);
}

/* The seed keeps all 64 bits; pidns is NULL until set. */
Test(store_recording, seed_and_pidns_round_trip, .init = open_new,
    .fini = close_and_remove)
{
	static const char *const empty[] = { NULL };
	struct store_recording r = {
		.exe = "/bin/true", .argv = (char **)empty, .version = "0.1.0",
		.has_seed = true, .seed = 0xfedcba9876543210ull,
	};
	struct store_recording got;
	int64_t id;

	cr_assert_eq(store_recording_add(st, &r, &id), 0, "%s",
	    store_errmsg(st));
	cr_assert_eq(store_recording_get(st, &got), 0, "%s", store_errmsg(st));
	cr_assert(got.has_seed);
	cr_assert_eq(got.seed, 0xfedcba9876543210ull);
	cr_assert_eq(got.pidns, -1);
	store_recording_release(&got);
	cr_assert_eq(store_recording_set_pidns(st, id, true), 0);
	cr_assert_eq(store_recording_get(st, &got), 0);
	cr_assert_eq(got.pidns, 1);
	store_recording_release(&got);
	cr_assert_eq(store_recording_set_pidns(st, id, false), 0);
	cr_assert_eq(store_recording_get(st, &got), 0);
	cr_assert_eq(got.pidns, 0);
	store_recording_release(&got);
	cr_assert_eq(store_recording_set_pidns(st, id + 1, true), -ENOENT);
	/* stored as the same 64 bits in a signed SQLite integer */
	cr_assert_eq(raw_int("SELECT seed = -81985529216486896 FROM "
	    "recordings"), 1);
}

Test(store_recording, empty_init_and_damaged_blob, .init = open_new,
    .fini = close_and_remove)
{
	struct store_recording r = {
		.exe = "/bin/true",
		.init_dir = "empty",
		.version = "0.1.0",
	};
	struct store_recording got;
	int64_t id;
	int fd = pattern_file(0);

	cr_assert_eq(store_recording_add(st, &r, &id), 0, "%s",
	    store_errmsg(st));
	cr_assert_eq(store_recording_init_put(st, id, "tar", fd, 0), 0, "%s",
	    store_errmsg(st));
	cr_assert_eq(store_recording_get(st, &got), 0, "%s", store_errmsg(st));
	cr_assert_str_eq(got.init_format, "tar");
	cr_assert_eq(got.init_bytes, 0);
	store_recording_release(&got);
	cr_assert_eq(store_recording_init_get(st, id, fd), 0);
	cr_assert_eq(lseek(fd, 0, SEEK_END), 0);
	close(fd);
	/* no such recording */
	fd = pattern_file(10);
	cr_assert_eq(store_recording_init_put(st, id + 1, "tar", fd, 10),
	    -ENOENT);
	/* a format the schema does not know */
	cr_assert_eq(store_recording_init_put(st, id, "zip", fd, 10), -EINVAL);
	close(fd);

	/* a blob without a format, and a format without a blob */
	raw_exec(dbpath, "UPDATE recordings SET init_format = NULL");
	cr_assert_eq(store_recording_get(st, &got), -EBADMSG);
	cr_assert_null(got.exe);
	cr_assert_not_null(strstr(store_errmsg(st), "init_blob and init_format "
	    "disagree"));
	raw_exec(dbpath, "UPDATE recordings SET init_format = 'tar', "
	    "init_blob = NULL");
	cr_assert_eq(store_recording_get(st, &got), -EBADMSG);
}

/* Migration 7 marks the snapshots of older databases for conversion. */
Test(store_open, migration_7_marks_old_snapshots, .init = open_new,
    .fini = close_and_remove)
{
	struct store_recording r = { .exe = "/bin/true", .version = "0.1.0" };
	struct store_recording got;

	cr_assert_eq(store_recording_add(st, &r, NULL), 0);
	store_close(st);
	st = NULL;
	drop_v7_column();
	raw_exec(dbpath, "UPDATE recordings SET init_blob = x'789c0300000000', "
	    "init_size = 0");
	assert_open_fails(dbpath, STORE_READ, -EPROTO, NULL);
	cr_assert_eq(store_open(&st, dbpath, STORE_WRITE), 0);
	cr_assert_eq(raw_int("PRAGMA user_version"), LATEST_VERSION);
	cr_assert_eq(store_recording_get(st, &got), 0, "%s", store_errmsg(st));
	cr_assert_str_eq(got.init_format, "badio-snap1");
	cr_assert_eq(got.init_bytes, 7);
	store_recording_release(&got);
}

/* --- experiments, verdicts, report --------------------------------------- */

struct exp_list {
	int64_t		site[8];
	char		fault[8][16];
	char		verdict[8][32];
	char		path[8][16];
	int64_t		fault_bytes[8];
	int		oracle_exit[8];
	int		n;
};

static int
collect_experiment(void *ctx, const struct store_experiment *e,
    const struct store_site *site)
{
	struct exp_list *l = ctx;

	cr_assert_lt(l->n, 8);
	cr_assert_eq(e->site, site->id);
	l->site[l->n] = site->seq;
	snprintf(l->fault[l->n], 16, "%s", e->fault);
	snprintf(l->verdict[l->n], 32, "%s", e->verdict);
	snprintf(l->path[l->n], 16, "%s", site->path);
	l->fault_bytes[l->n] = e->fault_bytes;
	l->oracle_exit[l->n] = e->oracle_exit;
	l->n++;
	return 0;
}

Test(store_experiments, put_replace_done_clear,
    .init = open_new_with_recording, .fini = close_and_remove)
{
	struct store_experiment e;
	struct exp_list l = { .n = 0 };
	int64_t ids[3];
	bool done;

	add_three_sites(ids);
	cr_assert_eq(store_experiment_done(st, ids[0], "torn", &done), 0);
	cr_assert(!done);
	e = experiment(ids[0], "torn", "silent-corruption");
	e.fault_bytes = 3;
	e.prog_tail = "wrote\n";
	e.oracle_tail = "bad checksum";
	cr_assert_eq(store_experiment_put(st, &e), 0, "%s", store_errmsg(st));
	cr_assert_eq(store_experiment_done(st, ids[0], "torn", &done), 0);
	cr_assert(done);
	cr_assert_eq(store_experiment_done(st, ids[0], "eio", &done), 0);
	cr_assert(!done);

	/* the same (site, fault) replaces, never duplicates */
	e.verdict = "ok";
	e.oracle_exit = -1;
	e.diverged = true;
	e.divergence = "seq 2: write vs pwrite64";
	cr_assert_eq(store_experiment_put(st, &e), 0);
	cr_assert_eq(raw_int("SELECT count(*) FROM experiments"), 1);
	cr_assert_eq(raw_int("SELECT verdict = 'ok' AND oracle_exit IS NULL "
	    "AND diverged = 1 AND fault_bytes = 3 AND created_ns > 0 "
	    "FROM experiments"), 1);

	cr_assert_eq(store_experiments_each(st, collect_experiment, &l), 0);
	cr_assert_eq(l.n, 1);
	cr_assert_eq(l.site[0], 1);
	cr_assert_str_eq(l.verdict[0], "ok");
	cr_assert_eq(l.fault_bytes[0], 3);
	cr_assert_eq(l.oracle_exit[0], -1);

	cr_assert_eq(store_experiments_clear(st), 0);
	cr_assert_eq(store_experiment_done(st, ids[0], "torn", &done), 0);
	cr_assert(!done);
	cr_assert_eq(raw_int("SELECT count(*) FROM experiments"), 0);
}

Test(store_experiments, refuses_bad_codes, .init = open_new_with_recording,
    .fini = close_and_remove)
{
	struct store_experiment e;
	int64_t ids[3];

	add_three_sites(ids);
	e = experiment(ids[0], "bitflip", "ok");
	cr_assert_eq(store_experiment_put(st, &e), -EINVAL);
	e = experiment(ids[0], "eio", "fine");
	cr_assert_eq(store_experiment_put(st, &e), -EINVAL);
	e = experiment(ids[2] + 100, "eio", "ok");
	cr_assert_eq(store_experiment_put(st, &e), -EINVAL);
	cr_assert_eq(raw_int("SELECT count(*) FROM experiments"), 0);
}

/* Six experiments over three sites, with known verdicts. */
static void
add_experiments(int64_t ids[3])
{
	static const struct {
		int		site;
		const char	*fault;
		const char	*verdict;
	} rows[] = {
		{ 2, "torn", "silent-corruption" },
		{ 0, "short", "ok" },
		{ 0, "torn", "silent-corruption" },
		{ 0, "eio", "reported" },
		{ 2, "crash", "hang" },
		{ 1, "eio", "corruption" },
	};
	struct store_experiment e;
	size_t i;

	add_three_sites(ids);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		e = experiment(ids[rows[i].site], rows[i].fault,
		    rows[i].verdict);
		cr_assert_eq(store_experiment_put(st, &e), 0, "%s",
		    store_errmsg(st));
	}
}

Test(store_experiments, each_in_site_then_fault_order,
    .init = open_new_with_recording, .fini = close_and_remove)
{
	struct exp_list l = { .n = 0 };
	int64_t ids[3];

	add_experiments(ids);
	cr_assert_eq(store_experiments_each(st, collect_experiment, &l), 0);
	cr_assert_eq(l.n, 6);
	cr_assert_eq(l.site[0], 1);
	cr_assert_str_eq(l.fault[0], "eio");
	cr_assert_str_eq(l.fault[1], "short");
	cr_assert_str_eq(l.fault[2], "torn");
	cr_assert_eq(l.site[3], 2);
	cr_assert_eq(l.site[4], 3);
	cr_assert_str_eq(l.fault[4], "crash");
	cr_assert_str_eq(l.fault[5], "torn");
}

Test(store_experiments, bugs_by_path_syscall_seq_fault,
    .init = open_new_with_recording, .fini = close_and_remove)
{
	struct exp_list l = { .n = 0 };
	int64_t ids[3];

	add_experiments(ids);
	cr_assert_eq(store_bugs_each(st, collect_experiment, &l), 0);
	cr_assert_eq(l.n, 4);
	cr_assert_str_eq(l.path[0], "a.txt");
	cr_assert_eq(l.site[0], 1);
	cr_assert_str_eq(l.verdict[0], "silent-corruption");
	cr_assert_eq(l.site[1], 2);
	cr_assert_str_eq(l.verdict[1], "corruption");
	cr_assert_str_eq(l.path[2], "b.txt");
	cr_assert_str_eq(l.fault[2], "crash");
	cr_assert_str_eq(l.verdict[2], "hang");
	cr_assert_str_eq(l.fault[3], "torn");
}

Test(store_experiments, views_verdicts_and_bugs,
    .init = open_new_with_recording, .fini = close_and_remove)
{
	int64_t ids[3];
	char *text;

	add_experiments(ids);
	cr_assert_eq(raw_int("SELECT count(*) FROM verdicts"), 6);
	cr_assert_eq(raw_int("SELECT count(*) FROM bugs"), 4);
	/* every documented column is there */
	cr_assert_eq(raw_int("SELECT count(*) FROM (SELECT experiment, site, "
	    "seq, syscall, family, path, kind, offset, count, key, fault, "
	    "injected, fault_bytes, status, oracle_exit, verdict, diverged, "
	    "duration_ns, prog_tail, oracle_tail FROM verdicts)"), 6);
	text = raw_text("SELECT group_concat(seq || ':' || fault || ':' || "
	    "verdict, ' ') FROM verdicts");
	cr_assert_str_eq(text, "1:eio:reported 1:short:ok "
	    "1:torn:silent-corruption 2:eio:corruption 3:crash:hang "
	    "3:torn:silent-corruption");
	free(text);
	text = raw_text("SELECT group_concat(path || ':' || syscall || ':' || "
	    "fault || ':' || verdict, ' ') FROM bugs");
	cr_assert_str_eq(text, "a.txt:write:torn:silent-corruption "
	    "a.txt:write:eio:corruption b.txt:pwrite64:crash:hang "
	    "b.txt:pwrite64:torn:silent-corruption");
	free(text);
	text = raw_text("SELECT key FROM verdicts WHERE seq = 3 LIMIT 1");
	cr_assert_str_eq(text, "write:b.txt:1");
	free(text);
}

struct counts {
	char	names[10][32];
	int64_t	n[10];
	int	len;
};

static int
collect_count(void *ctx, const char *verdict, int64_t n)
{
	struct counts *c = ctx;

	cr_assert_lt(c->len, 10);
	snprintf(c->names[c->len], 32, "%s", verdict);
	c->n[c->len++] = n;
	return 0;
}

Test(store_experiments, verdict_counts_fixed_order_with_zeros,
    .init = open_new_with_recording, .fini = close_and_remove)
{
	static const char *const order[] = { "ok", "reported",
	    "silent-corruption", "corruption", "crashed", "hang",
	    "unreached", "oracle-error" };
	static const int64_t want[] = { 1, 1, 2, 1, 0, 1, 0, 0 };
	struct counts c = { .len = 0 };
	int64_t ids[3];
	int i;

	add_experiments(ids);
	cr_assert_eq(store_verdict_counts(st, collect_count, &c), 0);
	cr_assert_eq(c.len, 8);
	for (i = 0; i < 8; i++) {
		cr_assert_str_eq(c.names[i], order[i]);
		cr_assert_eq(c.n[i], want[i], "%s", order[i]);
	}
}

Test(store_experiments, count_verdicts_list,
    .init = open_new_with_recording, .fini = close_and_remove)
{
	int64_t ids[3];
	int64_t n;

	add_experiments(ids);
	cr_assert_eq(store_count_verdicts(st, "silent-corruption", &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(store_count_verdicts(st, "silent-corruption,hang", &n),
	    0);
	cr_assert_eq(n, 3);
	cr_assert_eq(store_count_verdicts(st, " ok , reported,ok", &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(store_count_verdicts(st, "crashed,unreached", &n), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(store_count_verdicts(st, "ok,bogus", &n), -EINVAL);
	cr_assert_not_null(strstr(store_errmsg(st), "'bogus'"), "%s",
	    store_errmsg(st));
	cr_assert_eq(store_count_verdicts(st, "ok,", &n), -EINVAL);
	cr_assert_eq(store_count_verdicts(st, "", &n), -EINVAL);
	cr_assert_eq(store_count_verdicts(st, "ok'; DROP TABLE sites; --",
	    &n), -EINVAL);
	cr_assert_eq(raw_int("SELECT count(*) FROM sites"), 3);
}

/*
 * Inconclusive experiments, each counted once: not injected (unreached),
 * injected but not judged (oracle-error), judged in a diverged run; a
 * reordered run and a diverged bug are counted where they belong.
 */
Test(store_experiments, inconclusive_counts,
    .init = open_new_with_recording, .fini = close_and_remove)
{
	struct store_inconclusive c;
	struct store_experiment e;
	int64_t ids[3];
	char *json;

	add_three_sites(ids);
	cr_assert_eq(store_inconclusive_get(st, &c), 0);
	cr_assert_eq(c.experiments + c.total + c.reordered, 0);

	e = experiment(ids[0], "eio", "unreached");
	e.injected = false;
	e.diverged = true;		/* where it went astray */
	e.divergence_kind = "diverged";
	e.divergence = "recorded but not seen again: write:a.txt:1 (write)";
	cr_assert_eq(store_experiment_put(st, &e), 0, "%s", store_errmsg(st));
	e = experiment(ids[0], "crash", "oracle-error");
	cr_assert_eq(store_experiment_put(st, &e), 0);
	e = experiment(ids[1], "eio", "silent-corruption");
	e.diverged = true;
	e.divergence_kind = "diverged";
	e.divergence = "extra site write:b.txt:1";
	cr_assert_eq(store_experiment_put(st, &e), 0);
	e = experiment(ids[1], "crash", "ok");
	e.divergence_kind = "reordered";
	e.divergence = "write:a.txt:2 made by thread 1.3 (recorded: thread 1.2)";
	cr_assert_eq(store_experiment_put(st, &e), 0);
	e = experiment(ids[2], "eio", "reported");
	cr_assert_eq(store_experiment_put(st, &e), 0);

	cr_assert_eq(store_inconclusive_get(st, &c), 0, "%s", store_errmsg(st));
	cr_assert_eq(c.experiments, 5);
	cr_assert_eq(c.total, 3);
	cr_assert_eq(c.unreached, 1);
	cr_assert_eq(c.not_judged, 1);
	cr_assert_eq(c.diverged, 1);
	cr_assert_eq(c.reordered, 1);
	cr_assert_eq(store_report_json(st, "9.9.9", &json), 0);
	cr_assert_not_null(strstr(json, "\"reordered\":1,\"inconclusive\":"
	    "{\"experiments\":5,\"total\":3,\"unreached\":1,"
	    "\"not_judged\":1,\"diverged\":1}"), "%s", json);
	free(json);
	/* the value CHECK of the kind column */
	e = experiment(ids[2], "crash", "ok");
	e.divergence_kind = "sideways";
	cr_assert_eq(store_experiment_put(st, &e), -EINVAL);
}

Test(store_experiments, json_outputs, .init = open_new_with_recording,
    .fini = close_and_remove)
{
	struct store_experiment e;
	int64_t ids[3];
	char *json;

	add_experiments(ids);
	e = experiment(ids[1], "torn", "crashed");
	e.status = "signal:SEGV";
	e.prog_tail = "Segmentation \"fault\"\n\xc3\xa9";
	e.fault_bytes = 2;
	cr_assert_eq(store_experiment_put(st, &e), 0);

	cr_assert_eq(store_experiments_json(st, true, &json), 0, "%s",
	    store_errmsg(st));
	assert_json_valid(json);
	assert_json(json, "SELECT json_array_length(?1)", "7");
	assert_json(json, "SELECT json_extract(?1, '$[0].fault') || "
	    "json_extract(?1, '$[0].verdict')", "eioreported");
	assert_json(json, "SELECT json_type(?1, '$[0].injected')", "true");
	free(json);

	cr_assert_eq(store_experiments_json(st, false, &json), 0);
	assert_json_valid(json);
	assert_json(json, "SELECT json_array_length(?1)", "5");
	assert_json(json, "SELECT json_extract(?1, '$[2].prog_tail')",
	    "Segmentation \"fault\"\n\xc3\xa9");
	assert_json(json, "SELECT json_extract(?1, '$[2].fault_bytes')", "2");
	assert_json(json, "SELECT json_extract(?1, '$[2].key')",
	    "write:a.txt:2");
	free(json);

	cr_assert_eq(store_report_json(st, "9.9.9", &json), 0, "%s", store_errmsg(st));
	assert_json_valid(json);
	assert_json(json, "SELECT group_concat(key || '=' || value, ',') "
	    "FROM json_each(?1, '$.counts')", "ok=1,reported=1,"
	    "silent-corruption=2,corruption=1,crashed=1,hang=1,unreached=0,"
	    "oracle-error=0");
	assert_json(json, "SELECT json_type(?1, '$.bugs')", "array");
	assert_json(json, "SELECT json_array_length(?1, '$.bugs')", "5");
	assert_json(json, "SELECT json_extract(?1, '$.bugs[0].path')",
	    "a.txt");
	assert_json(json, "SELECT json_type(?1, '$.experiments')", NULL);
	free(json);

	cr_assert_eq(store_report_all_json(st, "9.9.9", &json), 0, "%s",
	    store_errmsg(st));
	assert_json_valid(json);
	assert_json(json, "SELECT json_array_length(?1, '$.experiments')",
	    "7");
	assert_json(json, "SELECT json_array_length(?1, '$.bugs')", "5");
	free(json);
}

Test(store_experiments, json_of_empty_database, .init = open_new,
    .fini = close_and_remove)
{
	char *json;

	cr_assert_eq(store_report_all_json(st, "9.9.9", &json), 0, "%s",
	    store_errmsg(st));
	cr_assert_str_eq(json, "{\"version\":\"9.9.9\",\"oracles\":[],"
	    "\"mixed_oracles\":false,\"counts\":{\"ok\":0,"
	    "\"reported\":0,\"silent-corruption\":0,\"corruption\":0,"
	    "\"crashed\":0,\"hang\":0,\"unreached\":0,\"oracle-error\":0},"
	    "\"not_explored\":0,\"diverged\":0,\"reordered\":0,"
	    "\"inconclusive\":{\"experiments\":0,\"total\":0,"
	    "\"unreached\":0,\"not_judged\":0,\"diverged\":0},"
	    "\"groups\":[],\"bugs\":[],"
	    "\"experiments\":[],\"not_explored_experiments\":[]}");
	free(json);
	cr_assert_eq(store_experiments_json(st, false, &json), 0);
	cr_assert_str_eq(json, "[]");
	free(json);
}

/* --- migration 3: what explore --per-callsite left out ----------------- */

Test(store_skipped, stored_counted_and_removed_by_an_experiment,
    .init = open_new_with_recording, .fini = close_and_remove)
{
	struct store_experiment e = {
		.fault = "eio", .status = "exit:0", .verdict = "ok",
		.fault_bytes = -1, .oracle_exit = 0,
	};
	int64_t pairs, sites;
	int64_t ids[3];

	add_three_sites(ids);
	cr_assert_eq(store_skipped_put(st, ids[0], "eio", "per-callsite"), 0);
	cr_assert_eq(store_skipped_put(st, ids[0], "crash", "per-callsite"), 0);
	cr_assert_eq(store_skipped_put(st, ids[1], "eio", "per-callsite"), 0);
	/* the same pair again replaces it */
	cr_assert_eq(store_skipped_put(st, ids[1], "eio", "per-callsite"), 0);
	cr_assert_eq(store_skipped_put(st, ids[1], "eio", "bogus"), -EINVAL);
	cr_assert_eq(store_skipped_count(st, &pairs, &sites), 0);
	cr_assert_eq(pairs, 3);
	cr_assert_eq(sites, 2);
	/* an experiment for a pair takes it out (trigger) */
	e.site = ids[0];
	cr_assert_eq(store_experiment_put(st, &e), 0, "%s", store_errmsg(st));
	cr_assert_eq(store_skipped_count(st, &pairs, &sites), 0);
	cr_assert_eq(pairs, 2);
	cr_assert_eq(raw_int("SELECT count(*) FROM not_explored"), 2);
	cr_assert_eq(store_skipped_clear(st), 0);
	cr_assert_eq(store_skipped_count(st, &pairs, &sites), 0);
	cr_assert_eq(pairs, 0);
}

/*
 * One writer per database (issue 7: two explores both ran everything,
 * the last writer winning): a second STORE_WRITE is -EBUSY at once,
 * naming the holder, while readers go on; closing releases it.
 */
Test(store_lock, one_writer_many_readers, .init = open_new_with_recording,
    .fini = close_and_remove)
{
	struct store *w1, *w2, *r;
	char want[64];

	store_close(st);
	st = NULL;
	cr_assert_eq(store_open(&w1, dbpath, STORE_WRITE), 0, "%s",
	    store_errmsg(NULL));
	cr_assert_eq(store_open(&w2, dbpath, STORE_WRITE), -EBUSY);
	cr_assert_null(w2);
	/* the holder is this test, not a badio command: no command named */
	snprintf(want, sizeof(want), "is being written by another badio "
	    "(pid %d): wait", (int)getpid());
	cr_assert(strstr(store_errmsg(NULL), want), "%s", store_errmsg(NULL));
	cr_assert_eq(store_check_unlocked(dbpath), -EBUSY);
	cr_assert_eq(store_open(&r, dbpath, STORE_READ), 0, "%s",
	    store_errmsg(NULL));
	store_close(r);
	/* the lock's fd outlives SQLite's locks: the writer still writes */
	cr_assert_eq(store_meta_set(w1, "k", "v"), 0, "%s", store_errmsg(w1));
	store_close(w1);
	cr_assert_eq(store_check_unlocked(dbpath), 0);
	cr_assert_eq(store_open(&w2, dbpath, STORE_WRITE), 0, "%s",
	    store_errmsg(NULL));
	store_close(w2);
}

/* record --force: a database being written is not replaced. */
Test(store_lock, install_refuses_a_database_in_use,
    .init = open_new_with_recording, .fini = close_and_remove)
{
	struct store *w, *n;

	store_close(st);
	st = NULL;
	cr_assert_eq(store_open(&n, tmp_path("new.db"), STORE_CREATE), 0);
	store_close(n);
	cr_assert_eq(store_open(&w, dbpath, STORE_WRITE), 0);
	cr_assert_eq(store_install(tmp_path("new.db"), dbpath), -EBUSY);
	cr_assert_eq(access(tmp_path("new.db"), F_OK), 0);
	store_close(w);
	cr_assert_eq(store_install(tmp_path("new.db"), dbpath), 0, "%s",
	    store_errmsg(NULL));
	cr_assert_neq(access(tmp_path("new.db"), F_OK), 0);
	/* the installed database is the new, empty one */
	cr_assert_eq(store_open(&st, dbpath, STORE_READ), 0);
	cr_assert_eq(store_recording_get(st, &(struct store_recording){ 0 }),
	    -ENOENT);
}

/* --- oracles (migration 14) --------------------------------------------- */

/* raw_text(sql) is want (freed). */
static void
assert_raw_text(const char *sql, const char *want)
{
	char *got = raw_text(sql);

	cr_assert_str_eq(got, want, "%s", sql);
	free(got);
}

struct oracle_rows {
	int64_t		id[4];
	char		command[4][32];
	int64_t		n[4];
	size_t		count;
};

static int
collect_oracle(void *ctx, const struct store_oracle *o)
{
	struct oracle_rows *r = ctx;

	cr_assert_lt(r->count, 4);
	r->id[r->count] = o->id;
	snprintf(r->command[r->count], 32, "%s", o->command ? o->command : "-");
	r->n[r->count++] = o->experiments;
	return 0;
}

static int
collect_oracle_count(void *ctx, int64_t oracle, const char *verdict,
    int64_t n)
{
	char *out = ctx;

	size_t len = strlen(out);

	snprintf(out + len, 256 - len, "%" PRId64 ":%s=%" PRId64 " ", oracle,
	    verdict, n);
	return 0;
}

/*
 * An oracle is (command, sha256): the same pair is one row whatever the
 * file's path, another hash or none is another oracle; each experiment
 * keeps its own, and what the program last printed.
 */
Test(store_oracles, intern_keep_and_count, .init = open_new_with_recording,
    .fini = close_and_remove)
{
	struct store_oracle a = { .command = "./check.sh", .file = "/a/check.sh",
	    .sha256 = "aa" };
	struct store_oracle moved = { .command = "./check.sh",
	    .file = "/b/check.sh", .sha256 = "aa" };
	struct store_oracle changed = { .command = "./check.sh",
	    .file = "/a/check.sh", .sha256 = "bb" };
	struct store_oracle cmd = { .command = "true" };
	struct store_experiment e;
	struct oracle_rows r = { 0 };
	int64_t ids[3], ia, im, ic, it, again;
	char counts[256] = "";

	add_three_sites(ids);
	cr_assert_eq(store_oracle_intern(st, &a, &ia), 0, "%s", store_errmsg(st));
	cr_assert_eq(store_oracle_intern(st, &moved, &im), 0);
	cr_assert_eq(store_oracle_intern(st, &changed, &ic), 0);
	cr_assert_eq(store_oracle_intern(st, &cmd, &it), 0);
	cr_assert_eq(store_oracle_intern(st, &cmd, &again), 0);
	cr_assert_eq(im, ia);
	cr_assert_neq(ic, ia);
	cr_assert_eq(again, it);
	cr_assert_eq(raw_int("SELECT count(*) FROM oracles"), 3);
	assert_raw_text("SELECT file FROM oracles WHERE id = 1",
	    "/a/check.sh");

	e = experiment(ids[0], "eio", "ok");
	e.oracle_id = ia;
	e.prog_last = "saved 3 records";
	cr_assert_eq(store_experiment_put(st, &e), 0, "%s", store_errmsg(st));
	e = experiment(ids[1], "eio", "corruption");
	e.oracle_id = it;
	cr_assert_eq(store_experiment_put(st, &e), 0);
	e = experiment(ids[2], "eio", "ok");
	e.oracle_id = it;
	cr_assert_eq(store_experiment_put(st, &e), 0);
	cr_assert_eq(store_oracles_each(st, collect_oracle, &r), 0);
	cr_assert_eq(r.count, 2);
	cr_assert_eq(r.id[0], ia);
	cr_assert_str_eq(r.command[0], "./check.sh");
	cr_assert_eq(r.n[0], 1);
	cr_assert_eq(r.id[1], it);
	cr_assert_eq(r.n[1], 2);
	cr_assert_eq(store_verdict_counts_by_oracle(st, collect_oracle_count,
	    counts), 0);
	cr_assert_str_eq(counts, "1:ok=1 3:corruption=1 3:ok=1 ");
	assert_raw_text("SELECT group_concat(oracle || '|' || "
	    "coalesce(prog_last, '-'), ',') FROM (SELECT * FROM verdicts ORDER "
	    "BY site)", "./check.sh|saved 3 records,true|-,true|-");
}

/*
 * A database of migration 13 names its oracle in meta: migration 14 makes
 * that the oracle of every experiment, and meta 'oracle' goes.
 */
Test(store_oracles, migration_moves_meta_oracle, .init =
    open_new_with_recording, .fini = close_and_remove)
{
	struct store_oracle o = { .command = "./check.sh --strict" };
	struct store_experiment e;
	int64_t ids[3], id;

	add_three_sites(ids);
	cr_assert_eq(store_oracle_intern(st, &o, &id), 0);
	for (int i = 0; i < 3; i++) {
		e = experiment(ids[i], "eio", "ok");
		e.oracle_id = id;
		cr_assert_eq(store_experiment_put(st, &e), 0);
	}
	store_close(st);
	st = NULL;
	drop_v16();
	drop_v15();
	drop_v14();
	cr_assert_eq(raw_int("PRAGMA user_version"), 13);
	assert_raw_text("SELECT value FROM meta WHERE key = 'oracle'",
	    "./check.sh --strict");
	cr_assert_eq(raw_int("SELECT count(*) FROM pragma_table_info("
	    "'experiments') WHERE name = 'oracle_id'"), 0);
	cr_assert_eq(store_open(&st, dbpath, STORE_WRITE), 0, "%s",
	    store_errmsg(NULL));
	cr_assert_eq(raw_int("PRAGMA user_version"), LATEST_VERSION);
	cr_assert_eq(raw_int("SELECT count(*) FROM meta WHERE key = 'oracle'"), 0);
	assert_raw_text("SELECT id || ':' || command || ':' || "
	    "coalesce(file, 'NULL') || ':' || coalesce(sha256, 'NULL') FROM "
	    "oracles", "1:./check.sh --strict:NULL:NULL");
	cr_assert_eq(raw_int("SELECT count(*) FROM experiments WHERE "
	    "oracle_id = 1"), 3);
	cr_assert_eq(raw_int("SELECT count(*) FROM pragma_integrity_check "
	    "WHERE integrity_check = 'ok'"), 1);
}

/* --- crash states (migration 15) ----------------------------------------- */

struct state_list {
	size_t		n;
	char		text[8][64];	/* "state verdict unsynced" */
};

static int
collect_state(void *ctx, const char *state, const char *verdict,
    int64_t unsynced)
{
	struct state_list *l = ctx;

	cr_assert_lt(l->n, 8);
	snprintf(l->text[l->n++], sizeof(l->text[0]), "%s %s %lld", state,
	    verdict, (long long)unsynced);
	return 0;
}

/*
 * (site, fault, state) is the key: one row per state, replaced per
 * state; a stateless fault keeps its one row per (site, fault).
 */
Test(store_states, one_row_per_state, .init = open_new_with_recording,
    .fini = close_and_remove)
{
	struct state_list l = { .n = 0 };
	struct store_experiment e;
	char verdict[32];
	int64_t ids[3];

	add_three_sites(ids);
	e = experiment(ids[0], "power", "ok");
	e.state = "durable";
	e.last_sync = "sync:a.txt:1";
	e.unsynced = 2;
	cr_assert_eq(store_experiment_put(st, &e), 0, "%s", store_errmsg(st));
	e.state = "metadata";
	e.verdict = "corruption";
	cr_assert_eq(store_experiment_put(st, &e), 0);
	e.state = "prefix:1";
	e.verdict = "ok";
	e.last_sync = NULL;
	cr_assert_eq(store_experiment_put(st, &e), 0);
	/* again: replaced, not added */
	e.verdict = "corruption";
	cr_assert_eq(store_experiment_put(st, &e), 0);
	e = experiment(ids[0], "crash", "ok");
	cr_assert_eq(store_experiment_put(st, &e), 0);
	e.verdict = "corruption";
	cr_assert_eq(store_experiment_put(st, &e), 0);
	cr_assert_eq(raw_int("SELECT count(*) FROM experiments"), 4);
	cr_assert_eq(raw_int("SELECT count(*) FROM experiments WHERE "
	    "fault = 'crash' AND state IS NULL AND unsynced IS NULL AND "
	    "last_sync IS NULL AND verdict = 'corruption'"), 1);

	cr_assert_eq(store_experiment_verdict(st, ids[0], "power", "metadata",
	    verdict, sizeof(verdict)), 0);
	cr_assert_str_eq(verdict, "corruption");
	cr_assert_eq(store_experiment_verdict(st, ids[0], "power", NULL,
	    verdict, sizeof(verdict)), 0);
	cr_assert_str_eq(verdict, "");
	cr_assert_eq(store_experiment_verdict(st, ids[0], "crash", NULL,
	    verdict, sizeof(verdict)), 0);
	cr_assert_str_eq(verdict, "corruption");
	cr_assert_eq(store_experiment_verdict(st, ids[0], "power", "prefix:2",
	    verdict, sizeof(verdict)), 0);
	cr_assert_str_eq(verdict, "");

	cr_assert_eq(store_experiment_states(st, ids[0], "power",
	    collect_state, &l), 0);
	cr_assert_eq(l.n, 3);
	cr_assert_str_eq(l.text[0], "durable ok 2");
	cr_assert_str_eq(l.text[1], "metadata corruption 2");
	cr_assert_str_eq(l.text[2], "prefix:1 corruption 2");
	assert_raw_text("SELECT group_concat(state || '=' || "
	    "ifnull(last_sync, '-'), ' ') FROM (SELECT * FROM verdicts WHERE "
	    "fault = 'power')", "durable=sync:a.txt:1 metadata=sync:a.txt:1 "
	    "prefix:1=-");
	/* the state is in the report's experiment objects */
	cr_assert_eq(raw_int("SELECT count(*) FROM bugs WHERE state = "
	    "'metadata'"), 1);
}

/* A site of the family 'end' is stored (the CHECK gained it). */
Test(store_states, end_family, .init = open_new_with_recording,
    .fini = close_and_remove)
{
	struct store_site s = bare_site(4, "<end>", 1);

	s.syscall = "exit";
	s.family = "end";
	s.key = "end:1";
	s.key_path = "";
	s.kind = "other";
	cr_assert_eq(store_site_add(st, &s), 0, "%s", store_errmsg(st));
	s.seq = 5;
	s.family = "ending";
	cr_assert_neq(store_site_add(st, &s), 0);
	cr_assert_eq(raw_int("SELECT count(*) FROM sites WHERE family = "
	    "'end'"), 1);
}

/* From schema 14: rows kept, stateless, the new key and faults. */
Test(store_states, migrates_version_14, .init = open_new_with_recording,
    .fini = close_and_remove)
{
	struct store_experiment e;
	int64_t ids[3];

	add_three_sites(ids);
	e = experiment(ids[0], "crash", "corruption");
	cr_assert_eq(store_experiment_put(st, &e), 0);
	e = experiment(ids[1], "eio", "ok");
	cr_assert_eq(store_experiment_put(st, &e), 0);
	store_close(st);
	st = NULL;
	drop_v16();
	drop_v15();
	cr_assert_eq(raw_int("SELECT count(*) FROM pragma_table_info("
	    "'experiments') WHERE name = 'state'"), 0);
	cr_assert_eq(store_open(&st, dbpath, STORE_WRITE), 0, "%s",
	    store_errmsg(NULL));
	cr_assert_eq(raw_int("PRAGMA user_version"), LATEST_VERSION);
	cr_assert_eq(raw_int("SELECT count(*) FROM verdicts WHERE state IS "
	    "NULL AND last_sync IS NULL AND unsynced IS NULL"), 2);
	cr_assert_eq(raw_int("SELECT count(*) FROM bugs"), 1);
	/* the old pair is still one row per (site, fault) */
	e = experiment(ids[0], "crash", "ok");
	cr_assert_eq(store_experiment_put(st, &e), 0);
	cr_assert_eq(raw_int("SELECT count(*) FROM experiments"), 2);
	e = experiment(ids[0], "power", "ok");
	e.state = "durable";
	cr_assert_eq(store_experiment_put(st, &e), 0, "%s", store_errmsg(st));
	cr_assert_eq(raw_int("SELECT count(*) FROM experiments"), 3);
	/* the columns have their comments, the sites their family */
	cr_assert_eq(raw_int("SELECT instr(sql, 'state TEXT,                 "
	    "-- crash state judged') > 0 AND instr(sql, 'prog_last TEXT,') > 0 "
	    "FROM sqlite_schema WHERE name = 'experiments'"), 1);
	cr_assert_eq(raw_int("SELECT instr(sql, 'WHEN 6 THEN ''end''') > 0 "
	    "FROM sqlite_schema WHERE name = 'sites'"), 1);
}
