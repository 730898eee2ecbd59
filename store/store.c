/*
 * store.c - the connection: open, identify, transactions, errors and the
 * statement cache.
 *
 * A badio database is an SQLite file in WAL mode whose header carries
 * PRAGMA application_id = STORE_APPLICATION_ID and PRAGMA user_version =
 * the number of schema migrations applied (schema.c).  Opening checks
 * both before anything is written, so a file that is not ours is never
 * touched:
 *
 *   - not an SQLite file, or an SQLite file with another (or no)
 *     application_id: -ENOTSUP, "not a badio database";
 *   - an SQLite file that SQLite finds damaged: -EBADMSG;
 *   - a user_version newer than schema_latest(): -EPROTO;
 *   - an older user_version: migrated by STORE_WRITE, refused (-EPROTO)
 *     by STORE_READ, which never writes.
 *
 * STORE_CREATE makes the file with O_EXCL (so -EEXIST is race-free),
 * then applies every migration in one transaction that also sets the
 * application_id.  A create interrupted before that commit leaves a
 * file with application_id 0, which the rules above refuse as not ours;
 * a create that fails with an error removes the file it made.
 *
 * Errors: every SQLite code is mapped to -errno by store_rc(), which also
 * saves sqlite3_errmsg() for store_errmsg().  A failed store_open() has
 * no struct store to hold its message, so it is kept per thread and
 * store_errmsg(NULL) returns it.
 *
 * Statements are prepared once, on first use, and cached by id in
 * struct store (Fossil's db_static_prepare()).  A callback of an
 * iteration may call back into the store, even the same iteration: when
 * the cached statement is still running, store_stmt() prepares a private
 * copy that store_stmt_done() finalizes.
 */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_int.h"

static _Thread_local char open_errmsg[STORE_ERRMSG_SIZE];

/* SQLite primary result codes and the errno each one becomes. */
static const struct {
	int	sqlite_rc;
	int	err;
} rc_map[] = {
	{ SQLITE_BUSY,		EBUSY },	/* locked by another process */
	{ SQLITE_LOCKED,	EBUSY },
	{ SQLITE_FULL,		ENOSPC },
	{ SQLITE_NOMEM,		ENOMEM },
	{ SQLITE_READONLY,	EROFS },
	{ SQLITE_PERM,		EACCES },
	{ SQLITE_AUTH,		EACCES },
	{ SQLITE_CORRUPT,	EBADMSG },
	{ SQLITE_NOTADB,	EBADMSG },
	{ SQLITE_TOOBIG,	EFBIG },	/* over SQLITE_MAX_LENGTH */
	{ SQLITE_CONSTRAINT,	EINVAL },	/* a value the schema refuses */
	{ SQLITE_MISMATCH,	EINVAL },
	{ SQLITE_RANGE,		EINVAL },
};

/*
 * Map an SQLite result code to -errno and keep SQLite's message.
 * SQLITE_CANTOPEN carries the errno of the failed system call.
 */
int
store_rc(struct store *s, int sqlite_rc)
{
	int primary = sqlite_rc & 0xff;
	int err = EIO;
	size_t i;

	if (primary == SQLITE_CANTOPEN) {
		err = s->db ? sqlite3_system_errno(s->db) : 0;
		if (err <= 0)
			err = ENOENT;
	}
	for (i = 0; i < sizeof(rc_map) / sizeof(rc_map[0]); i++)
		if (rc_map[i].sqlite_rc == primary)
			err = rc_map[i].err;
	/* a message cut at STORE_ERRMSG_SIZE is still the right message */
	snprintf(s->errmsg, sizeof(s->errmsg), "%s",
	    s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(sqlite_rc));
	return -err;
}

/* Record a message for an error found by the store itself; returns err. */
int
store_fail(struct store *s, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

static int
fail_errno(struct store *s, int err)
{
	return store_fail(s, -err, "%s", strerror(err));
}

const char *
store_errmsg(const struct store *s)
{
	if (!s)
		return open_errmsg;
	return s->errmsg;
}

char *
store_open_errmsg(void)
{
	return open_errmsg;
}

void
store_open_errmsg_set(const char *msg)
{
	snprintf(open_errmsg, sizeof(open_errmsg), "%s", msg);
}

/*
 * The cached statement for id, prepared on first use; a private copy if
 * the cached one is in the middle of an iteration.
 */
int
store_stmt(struct store *s, enum store_stmt_id id, const char *sql,
    sqlite3_stmt **stp)
{
	sqlite3_stmt *st = s->stmts[id];
	int rc;

	if (st && !sqlite3_stmt_busy(st)) {
		*stp = st;
		return 0;
	}
	rc = sqlite3_prepare_v3(s->db, sql, -1,
	    st ? 0 : SQLITE_PREPARE_PERSISTENT, stp, NULL);
	if (rc != SQLITE_OK)
		return store_rc(s, rc);
	if (!st)
		s->stmts[id] = *stp;
	return 0;
}

/* Reset the cached statement for the next use, or drop a private copy. */
void
store_stmt_done(struct store *s, enum store_stmt_id id, sqlite3_stmt *st)
{
	if (!st)
		return;
	if (st != s->stmts[id]) {
		sqlite3_finalize(st);
		return;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* 1: a row is ready; 0: done; -errno on error. */
int
store_step(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_rc(s, rc);
}

/*
 * Finish a statement run for one step: step it unless binding its
 * parameters failed (brc, see the binding helpers), then release it.
 */
int
store_step_once(struct store *s, enum store_stmt_id id, sqlite3_stmt *st,
    int brc)
{
	int rc = brc != SQLITE_OK ? store_rc(s, brc) : store_step(s, st);

	store_stmt_done(s, id, st);
	return rc;
}

/* Run constant SQL (pragmas, the schema); never used with values. */
int
store_exec(struct store *s, const char *sql)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : store_rc(s, rc);
}

/* A malloc'd copy of a text column; NULL stays NULL. */
int
store_text_dup(struct store *s, sqlite3_stmt *st, int col, char **out)
{
	const char *text = store_col_text(st, col);

	*out = NULL;
	if (!text) {
		if (sqlite3_column_type(st, col) != SQLITE_NULL)
			return store_fail(s, -ENOMEM, "out of memory");
		return 0;
	}
	*out = strdup(text);
	if (!*out)
		return store_fail(s, -ENOMEM, "out of memory");
	return 0;
}

/* Run a query whose single row and column is a JSON text; malloc'd copy. */
static int
json_query(struct store *s, enum store_stmt_id id, const char *sql,
    const char *p1, char **json)
{
	sqlite3_stmt *st;
	int brc = SQLITE_OK;
	int rc;

	*json = NULL;
	rc = store_stmt(s, id, sql, &st);
	if (rc < 0)
		return rc;
	if (p1)
		store_bind_text(st, 1, p1, &brc);
	rc = brc != SQLITE_OK ? store_rc(s, brc) : store_step(s, st);
	if (rc == 1)
		rc = store_text_dup(s, st, 0, json);
	else if (rc == 0)
		rc = store_fail(s, -EIO, "query returned no JSON");
	if (rc == 0 && !*json)
		rc = store_fail(s, -EIO, "query returned no JSON");
	store_stmt_done(s, id, st);
	return rc;
}

/*
 * Step a query whose rows are one text each (a JSON text, mostly) and
 * hand each to fn: a listing streamed row by row holds one row in memory,
 * not the whole (1M sites as one json_group_array took 1.2 GB).
 */
int
store_text_rows(struct store *s, enum store_stmt_id id, const char *sql,
    store_text_fn *fn, void *ctx)
{
	sqlite3_stmt *st;
	int rc;

	rc = store_stmt(s, id, sql, &st);
	if (rc < 0)
		return rc;
	while ((rc = store_step(s, st)) == 1) {
		const char *text = (const char *)sqlite3_column_text(st, 0);
		size_t len = (size_t)sqlite3_column_bytes(st, 0);

		rc = fn(ctx, text ? text : "null", text ? len : 4);
		if (rc != 0)
			break;
	}
	store_stmt_done(s, id, st);
	return rc;
}

int
store_json_query(struct store *s, enum store_stmt_id id, const char *sql,
    char **json)
{
	return json_query(s, id, sql, NULL, json);
}

int
store_json_query_text(struct store *s, enum store_stmt_id id,
    const char *sql, const char *p1, char **json)
{
	return json_query(s, id, sql, p1 ? p1 : "", json);
}

void
store_bind_i64(sqlite3_stmt *st, int i, int64_t v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_int64(st, i, v);
}

void
store_bind_i64_or_null(sqlite3_stmt *st, int i, int64_t v, bool null,
    int *rc)
{
	if (*rc != SQLITE_OK)
		return;
	if (null)
		*rc = sqlite3_bind_null(st, i);
	else
		*rc = sqlite3_bind_int64(st, i, v);
}

/* NULL binds SQL NULL. */
void
store_bind_text(sqlite3_stmt *st, int i, const char *v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

void
store_bind_blob(sqlite3_stmt *st, int i, const void *v, size_t len, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_blob64(st, i, v, len, SQLITE_STATIC);
}

int64_t
store_col_i64(sqlite3_stmt *st, int col, int64_t if_null)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return if_null;
	return sqlite3_column_int64(st, col);
}

const char *
store_col_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

/*
 * Refuse, before SQLite sees it, a path that is not a regular file or
 * whose first bytes are not SQLite's magic.  An empty file passes: it is
 * an empty database, refused later for its application_id of 0.
 */
static int
probe_file(struct store *s, const char *path)
{
	static const char magic[16] = "SQLite format 3"; /* and a NUL */
	char head[sizeof(magic)];
	struct stat st;
	ssize_t n;
	int err;
	int fd;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return fail_errno(s, errno);
	if (fstat(fd, &st) < 0) {
		err = errno;
		close(fd);
		return fail_errno(s, err);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		if (S_ISDIR(st.st_mode))
			return fail_errno(s, EISDIR);
		return store_fail(s, -ENOTSUP, "not a badio database");
	}
	n = read(fd, head, sizeof(head));
	close(fd);
	if (n < 0)
		return fail_errno(s, errno);
	if (n != 0 && (n != sizeof(head) || memcmp(head, magic, n) != 0))
		return store_fail(s, -ENOTSUP, "not a badio database");
	return 0;
}

/*
 * Best effort: remove a database this store_open() created and failed
 * to finish, with the WAL, shared-memory and journal files SQLite may
 * have made next to it.
 */
static void
remove_db_files(const char *path)
{
	static const char *const suffixes[] = {
		"", "-wal", "-shm", "-journal",
	};
	char name[PATH_MAX];
	size_t i;
	int n;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		n = snprintf(name, sizeof(name), "%s%s", path, suffixes[i]);
		if (n > 0 && (size_t)n < sizeof(name))
			unlink(name);
	}
}

/* Make the new, empty file; O_EXCL makes "exists" race-free. */
static int
create_file(struct store *s, const char *path)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		return fail_errno(s, errno);
	close(fd);
	return 0;
}

/*
 * "file:/abs/path?immutable=1": SQLite then takes no locks and needs no
 * -shm file, which is what reading a WAL database on read-only media
 * takes.  The path is made absolute and %, ? and # are escaped.
 */
static char *
immutable_uri(const char *path)
{
	char *abs = realpath(path, NULL);
	size_t size, at;
	char *uri;

	if (!abs)
		return NULL;
	size = strlen(abs) * 3 + sizeof("file://?immutable=1");
	uri = malloc(size);
	if (uri) {
		at = (size_t)snprintf(uri, size, "file://");
		for (const char *p = abs; *p; p++) {
			if (*p == '%' || *p == '?' || *p == '#')
				at += (size_t)snprintf(uri + at, size - at,
				    "%%%02X", (unsigned char)*p);
			else
				uri[at++] = *p;
		}
		snprintf(uri + at, size - at, "?immutable=1");
	}
	free(abs);
	return uri;
}

/*
 * SQLITE_OPEN_NOMUTEX: a struct store (its statement cache, its message)
 * is used by one thread at a time, so its connection needs no mutex of
 * its own; with one, every sqlite3_column_* call took and released it,
 * a fifth of the time of listing a million sites.
 */
static int
connect_db(struct store *s, const char *path)
{
	int flags = (s->mode == STORE_READ ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;
	char *uri = NULL;
	int rc;

	if (s->immutable) {
		uri = immutable_uri(path);
		if (!uri)
			return store_fail(s, -ENOMEM, "out of memory");
		flags |= SQLITE_OPEN_URI;
	}
	rc = sqlite3_open_v2(uri ? uri : path, &s->db, flags, NULL);
	free(uri);
	if (rc != SQLITE_OK)
		return store_rc(s, rc);
	rc = sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	if (rc != SQLITE_OK)
		return store_rc(s, rc);
	return store_exec(s, "PRAGMA foreign_keys = ON");
}

/*
 * WAL: readers never block the writer, and a commit is one append.
 * synchronous = NORMAL is durable in WAL mode except for the last
 * commits before a power loss, which never corrupts the file.
 */
static int
set_write_pragmas(struct store *s)
{
	int rc;

	rc = store_exec(s, "PRAGMA journal_mode = WAL");
	if (rc < 0)
		return rc;
	return store_exec(s, "PRAGMA synchronous = NORMAL");
}

static int
open_new(struct store *s, const char *path)
{
	int rc;

	rc = connect_db(s, path);
	if (rc < 0)
		return rc;
	rc = set_write_pragmas(s);
	if (rc < 0)
		return rc;
	return schema_migrate(s);
}

static void
close_db(struct store *s)
{
	size_t i;

	for (i = 0; i < STMT_COUNT; i++) {
		sqlite3_finalize(s->stmts[i]);
		s->stmts[i] = NULL;
	}
	sqlite3_close(s->db);
	s->db = NULL;
	store_strings_free(s);
	store_stats_free(s);
	/* only now: closing it first would drop SQLite's fcntl locks too */
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1;
}

/* The directory part of path, into buf. */
static void
dir_of(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(buf, size, ".");
	else if (slash == path)
		snprintf(buf, size, "/");
	else
		snprintf(buf, size, "%.*s", (int)(slash - path), path);
}

/*
 * Before opening for writing, say why that cannot work: SQLite only
 * says "unable to open database file" (or, worse, opens read-only).
 * Writing needs the file and, for the -wal and -shm files SQLite makes
 * beside it, its directory.
 */
static int
check_writable(struct store *s, const char *path)
{
	char dir[PATH_MAX];
	int err;

	if (access(path, W_OK) < 0) {
		err = errno;
		if (err == EROFS)
			return store_fail(s, -EROFS, "database '%s' is on a "
			    "read-only file system", path);
		return store_fail(s, -err, "database '%s' is not writable: %s",
		    path, strerror(err));
	}
	dir_of(path, dir, sizeof(dir));
	if (access(dir, W_OK | X_OK) < 0) {
		err = errno;
		if (err == EROFS)
			return store_fail(s, -EROFS, "database '%s' is on a "
			    "read-only file system", path);
		return store_fail(s, -err, "the directory '%s' of database "
		    "'%s' is not writable (SQLite keeps its -wal and -shm files "
		    "beside the database): %s", dir, path, strerror(err));
	}
	return 0;
}

/* A -wal file with content: commits not yet copied into the database. */
static bool
wal_pending(const char *path)
{
	char wal[PATH_MAX];
	struct stat st;
	int n = snprintf(wal, sizeof(wal), "%s-wal", path);

	if (n < 0 || (size_t)n >= sizeof(wal))
		return true;
	return stat(wal, &st) == 0 && st.st_size > 0;
}

/*
 * A WAL database can be read only with its -shm file, which SQLite
 * cannot create on read-only media or in a directory the user cannot
 * write.  Without a pending -wal the database file is complete, and
 * opening it immutable needs no -shm.  With a pending -wal, reading the
 * file alone would silently miss the last commits: refuse.
 */
static int
reopen_immutable(struct store *s, const char *path, int *version)
{
	int rc;

	if (wal_pending(path))
		return store_fail(s, -EROFS, "database '%s' cannot be read "
		    "here: its directory is read-only and '%s-wal' holds "
		    "changes not yet in the database; copy both files to a "
		    "writable directory and read it there", path, path);
	close_db(s);
	s->immutable = true;
	rc = connect_db(s, path);
	return rc < 0 ? rc : schema_identify(s, version);
}

static int
open_existing(struct store *s, const char *path)
{
	int version;
	int rc;

	rc = probe_file(s, path);
	if (rc < 0)
		return rc;
	if (s->mode == STORE_WRITE) {
		rc = check_writable(s, path);
		if (rc == 0)
			rc = store_lock_take(s, path);
		if (rc < 0)
			return rc;
	}
	rc = connect_db(s, path);
	if (rc == 0)
		rc = schema_identify(s, &version);
	if (rc < 0 && s->mode == STORE_READ && s->db &&
	    (sqlite3_errcode(s->db) & 0xff) == SQLITE_CANTOPEN)
		rc = reopen_immutable(s, path, &version);
	if (rc < 0)
		return rc;
	if (s->mode == STORE_READ) {
		if (version < schema_latest())
			return store_fail(s, -EPROTO, "database is from an "
			    "older badio (schema %d, now %d): open it for "
			    "writing to upgrade it", version, schema_latest());
		return 0;
	}
	rc = set_write_pragmas(s);
	if (rc < 0)
		return rc;
	return version < schema_latest() ? schema_migrate(s) : 0;
}


int
store_open(struct store **sp, const char *path, enum store_mode mode)
{
	struct store *s;
	int rc;

	*sp = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(open_errmsg, sizeof(open_errmsg), "out of memory");
		return -ENOMEM;
	}
	s->mode = mode;
	s->lock_fd = -1;
	if (!path || mode < STORE_CREATE || mode > STORE_READ) {
		rc = store_fail(s, -EINVAL, "invalid arguments");
		goto out_free;
	}
	if (mode == STORE_CREATE) {
		rc = create_file(s, path);
		if (rc < 0)
			goto out_free;
		rc = open_new(s, path);
	} else {
		rc = open_existing(s, path);
	}
	if (rc == 0)
		rc = store_locator_set(s, NULL, NULL);	/* badio_location() */
	if (rc < 0)
		goto out_close;
	*sp = s;
	return 0;

out_close:
	close_db(s);
	if (mode == STORE_CREATE)
		remove_db_files(path);	/* made by create_file() above */
out_free:
	snprintf(open_errmsg, sizeof(open_errmsg), "%s", s->errmsg);
	free(s);
	return rc;
}

void
store_close(struct store *s)
{
	if (!s)
		return;
	close_db(s);
	free(s);
}

/* Run a cached statement without parameters or rows (BEGIN, COMMIT...). */
static int
run_cached(struct store *s, enum store_stmt_id id, const char *sql)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, id, sql, &st);

	if (rc < 0)
		return rc;
	rc = store_step(s, st);
	store_stmt_done(s, id, st);
	return rc;
}

/* Transactions do not nest: begin inside one, or commit outside, is -EINVAL. */
int
store_begin(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		return store_fail(s, -EINVAL, "a transaction is already open");
	store_strings_forget(s);
	if (s->mode == STORE_READ)
		return run_cached(s, STMT_BEGIN_READ, "BEGIN");
	return run_cached(s, STMT_BEGIN, "BEGIN IMMEDIATE");
}

int
store_commit(struct store *s)
{
	if (sqlite3_get_autocommit(s->db))
		return store_fail(s, -EINVAL, "no transaction is open");
	return run_cached(s, STMT_COMMIT, "COMMIT");
}

/* Without an open transaction (SQLite may have rolled it back) this is 0. */
int
store_rollback(struct store *s)
{
	store_strings_forget(s);
	if (sqlite3_get_autocommit(s->db))
		return 0;
	return run_cached(s, STMT_ROLLBACK, "ROLLBACK");
}

int
store_meta_set(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt *st;
	int brc = SQLITE_OK;
	int rc;

	rc = store_stmt(s, STMT_META_SET,
	    "INSERT INTO meta (key, value) VALUES (?1, ?2) "
	    "ON CONFLICT (key) DO UPDATE SET value = excluded.value", &st);
	if (rc < 0)
		return rc;
	store_bind_text(st, 1, key, &brc);
	store_bind_text(st, 2, value, &brc);
	rc = store_step_once(s, STMT_META_SET, st, brc);
	return rc;
}

/* *value is malloc'd, or NULL when the key is absent or its value NULL. */
int
store_meta_get(struct store *s, const char *key, char **value)
{
	sqlite3_stmt *st;
	int brc = SQLITE_OK;
	int rc;

	*value = NULL;
	rc = store_stmt(s, STMT_META_GET,
	    "SELECT value FROM meta WHERE key = ?1", &st);
	if (rc < 0)
		return rc;
	store_bind_text(st, 1, key, &brc);
	rc = brc != SQLITE_OK ? store_rc(s, brc) : store_step(s, st);
	if (rc == 1)
		rc = store_text_dup(s, st, 0, value);
	store_stmt_done(s, STMT_META_GET, st);
	return rc;
}
