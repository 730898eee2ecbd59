/*
 * recordings.c - the recording row: how the program was run.
 *
 * argv and the environment are stored as JSON arrays of strings, built
 * and read back by SQLite's json functions (json_insert, json_each), so
 * quotes, newlines and UTF-8 survive and users can query them with
 * json_each too.  stdin is compressed with zlib's compress2() and
 * stored with its uncompressed size, which store_recording_get() checks
 * before and after inflating.
 *
 * The --init snapshot is an archive the explorer makes and reads (the
 * store knows nothing of its format but its name): it is moved between
 * a file and the init_blob column in chunks, with SQLite's incremental
 * blob I/O, so that neither record nor explore holds it whole in memory.
 */
#include "store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "store/store_int.h"

/* Largest stdin we store or inflate: anything bigger is damage. */
#define STDIN_SIZE_MAX	((int64_t)4 << 30)
/* Bytes moved per sqlite3_blob_read or _write. */
#define BLOB_CHUNK	(256 * 1024)

/* Append one string to a JSON array text; *json is replaced. */
static int
json_append(struct store *s, char **json, const char *value)
{
	sqlite3_stmt *st;
	char *next = NULL;
	int brc = SQLITE_OK;
	int rc;

	rc = store_stmt(s, STMT_JSON_APPEND,
	    "SELECT json_insert(?1, '$[#]', ?2)", &st);
	if (rc < 0)
		return rc;
	store_bind_text(st, 1, *json, &brc);
	store_bind_text(st, 2, value, &brc);
	rc = brc != SQLITE_OK ? store_rc(s, brc) : store_step(s, st);
	if (rc == 1)
		rc = store_text_dup(s, st, 0, &next);
	store_stmt_done(s, STMT_JSON_APPEND, st);
	if (rc == 0 && !next)
		rc = store_fail(s, -EIO, "json_insert returned NULL");
	if (rc < 0)
		return rc;
	free(*json);
	*json = next;
	return 0;
}

/* A NULL-terminated vector as a malloc'd JSON array; NULL gives "[]". */
static int
strv_to_json(struct store *s, char *const *v, char **json)
{
	int rc;

	*json = strdup("[]");
	if (!*json)
		return store_fail(s, -ENOMEM, "out of memory");
	for (; v && *v; v++) {
		rc = json_append(s, json, *v);
		if (rc < 0) {
			free(*json);
			*json = NULL;
			return rc;
		}
	}
	return 0;
}

static void
strv_free(char **v)
{
	char **p;

	for (p = v; p && *p; p++)
		free(*p);
	free(v);
}

static int
strv_push(struct store *s, char ***v, size_t *n, const char *str)
{
	char **grown;

	grown = reallocarray(*v, *n + 2, sizeof(**v));
	if (!grown)
		return store_fail(s, -ENOMEM, "out of memory");
	*v = grown;
	grown[*n] = strdup(str);
	if (!grown[*n])
		return store_fail(s, -ENOMEM, "out of memory");
	grown[++*n] = NULL;
	return 0;
}

static int
json_to_strv_rows(struct store *s, sqlite3_stmt *st, char ***v)
{
	size_t n = 0;
	int rc;

	while ((rc = store_step(s, st)) == 1) {
		if (strcmp(store_col_text(st, 2), "array") != 0 ||
		    strcmp(store_col_text(st, 1), "text") != 0)
			return store_fail(s, -EBADMSG,
			    "argv or env is not an array of strings");
		rc = strv_push(s, v, &n, store_col_text(st, 0));
		if (rc < 0)
			return rc;
	}
	if (rc == 0 && !*v) {
		*v = calloc(1, sizeof(**v));	/* an empty vector */
		if (!*v)
			rc = store_fail(s, -ENOMEM, "out of memory");
	}
	return rc;
}

/* A JSON array of strings as a malloc'd NULL-terminated vector. */
static int
json_to_strv(struct store *s, const char *json, char ***v)
{
	sqlite3_stmt *st;
	int brc = SQLITE_OK;
	int rc;

	*v = NULL;
	rc = store_stmt(s, STMT_JSON_STRINGS,
	    "SELECT j.value, j.type, json_type(?1) FROM json_each(?1) AS j "
	    "ORDER BY j.key", &st);
	if (rc < 0)
		return rc;
	store_bind_text(st, 1, json, &brc);
	rc = brc != SQLITE_OK ? store_rc(s, brc) : json_to_strv_rows(s, st, v);
	store_stmt_done(s, STMT_JSON_STRINGS, st);
	if (rc < 0) {
		strv_free(*v);
		*v = NULL;
	}
	return rc;
}

/* zlib stream of PROG's stdin, malloc'd. */
static int
stdin_compress(struct store *s, const void *data, size_t len, void **out,
    size_t *out_len)
{
	uLongf zlen = compressBound(len);
	int zrc;

	*out = NULL;
	if ((int64_t)len > STDIN_SIZE_MAX)
		return store_fail(s, -EFBIG, "stdin is over 4 GiB");
	*out = malloc(zlen);
	if (!*out)
		return store_fail(s, -ENOMEM, "out of memory");
	zrc = compress2(*out, &zlen, data, len, Z_DEFAULT_COMPRESSION);
	if (zrc != Z_OK) {
		free(*out);
		*out = NULL;
		return store_fail(s, zrc == Z_MEM_ERROR ? -ENOMEM : -EIO,
		    "cannot compress stdin: %s", zError(zrc));
	}
	*out_len = zlen;
	return 0;
}

static const char sql_rec_add[] =
	"INSERT INTO recordings (exe, argv, env, init_dir, "
	"start_ns, duration_ns, status, exit_code, deterministic, "
	"version, kernel, sites, files, trace_close, seed, callsite_scheme, "
	"clock_ns) "
	"VALUES (?1, ?2, ?3, ?4, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
	"?17, ?18, ?19)";

/* Status fields are NULL until the recording finishes (status set). */
static void
bind_recording(sqlite3_stmt *st, const struct store_recording *r,
    const char *argv, const char *env, int *rc)
{
	bool open = !r->status;

	store_bind_text(st, 1, r->exe, rc);
	store_bind_text(st, 2, argv, rc);
	store_bind_text(st, 3, env, rc);
	store_bind_text(st, 4, r->init_dir, rc);
	store_bind_i64(st, 7, r->start_unix_ns, rc);
	store_bind_i64_or_null(st, 8, r->duration_ns, open, rc);
	store_bind_text(st, 9, r->status, rc);
	store_bind_i64_or_null(st, 10, r->exit_code, open, rc);
	store_bind_i64(st, 11, r->deterministic, rc);
	store_bind_text(st, 12, r->version, rc);
	store_bind_text(st, 13, r->kernel, rc);
	store_bind_i64_or_null(st, 14, r->sites, open, rc);
	store_bind_i64_or_null(st, 15, r->files, open, rc);
	store_bind_i64(st, 16, r->trace_close, rc);
	/* the seed's 64 bits as SQLite's signed integer */
	store_bind_i64_or_null(st, 17, (int64_t)r->seed, !r->has_seed, rc);
	store_bind_i64_or_null(st, 18, r->callsite_scheme,
	    r->callsite_scheme <= 0, rc);
	store_bind_i64_or_null(st, 19, r->clock_ns, !r->has_clock, rc);
}

static int
insert_recording(struct store *s, const struct store_recording *r,
    const char *argv, const char *env)
{
	sqlite3_stmt *st;
	int brc = SQLITE_OK;
	int rc;

	rc = store_stmt(s, STMT_REC_ADD, sql_rec_add, &st);
	if (rc < 0)
		return rc;
	bind_recording(st, r, argv, env, &brc);
	rc = store_step_once(s, STMT_REC_ADD, st, brc);
	return rc;
}

int
store_recording_add(struct store *s, const struct store_recording *r,
    int64_t *id)
{
	char *argv = NULL;
	char *env = NULL;
	int rc;

	rc = strv_to_json(s, r->argv, &argv);
	if (rc < 0)
		return rc;
	rc = strv_to_json(s, r->envp, &env);
	if (rc < 0)
		goto out_free_argv;
	rc = insert_recording(s, r, argv, env);
	if (rc == 0 && id)
		*id = sqlite3_last_insert_rowid(s->db);
	free(env);
out_free_argv:
	free(argv);
	return rc;
}

int
store_recording_finish(struct store *s, int64_t id, int64_t duration_ns,
    const char *status, int exit_code, int64_t sites, int64_t files)
{
	sqlite3_stmt *st;
	int brc = SQLITE_OK;
	int rc;

	rc = store_stmt(s, STMT_REC_FINISH,
	    "UPDATE recordings SET duration_ns = ?2, status = ?3, "
	    "exit_code = ?4, sites = ?5, files = ?6 WHERE id = ?1", &st);
	if (rc < 0)
		return rc;
	store_bind_i64(st, 1, id, &brc);
	store_bind_i64(st, 2, duration_ns, &brc);
	store_bind_text(st, 3, status, &brc);
	store_bind_i64(st, 4, exit_code, &brc);
	store_bind_i64(st, 5, sites, &brc);
	store_bind_i64(st, 6, files, &brc);
	rc = store_step_once(s, STMT_REC_FINISH, st, brc);
	if (rc == 0 && sqlite3_changes(s->db) == 0)
		rc = store_fail(s, -ENOENT, "no recording %lld",
		    (long long)id);
	return rc;
}

/*
 * Inflate a compressed column (col) whose size is in column col + 1;
 * *out stays NULL when the column is NULL.
 */
static int
blob_inflate(struct store *s, sqlite3_stmt *st, int col, const char *what,
    const void **out, size_t *out_len)
{
	int64_t size = store_col_i64(st, col + 1, -1);
	const void *blob = sqlite3_column_blob(st, col);
	int blob_len = sqlite3_column_bytes(st, col);
	uLongf len = (uLongf)size;
	void *buf;
	int zrc;

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return 0;
	if (size < 0 || size > STDIN_SIZE_MAX)
		return store_fail(s, -EBADMSG, "%s size %lld is out of range",
		    what, (long long)size);
	buf = malloc(size ? (size_t)size : 1);
	if (!buf)
		return store_fail(s, -ENOMEM, "out of memory");
	zrc = uncompress(buf, &len, blob, (uLong)blob_len);
	if (zrc != Z_OK || len != (uLongf)size) {
		free(buf);
		if (zrc == Z_MEM_ERROR)
			return store_fail(s, -ENOMEM, "out of memory");
		return store_fail(s, -EBADMSG, "%s is damaged", what);
	}
	*out = buf;
	*out_len = (size_t)size;
	return 0;
}

static const char sql_rec_get[] =
	"SELECT id, exe, argv, env, init_dir, init_format, init_size, start_ns, "
	"duration_ns, status, exit_code, deterministic, version, kernel, "
	"sites, files, stdin_blob, stdin_size, length(init_blob), "
	"trace_close, seed, pidns, callsite_scheme, clock_ns FROM recordings "
	"ORDER BY id "
	"LIMIT 1";

static int
dup_field(struct store *s, sqlite3_stmt *st, int col, const char **field)
{
	char *copy;
	int rc;

	rc = store_text_dup(s, st, col, &copy);
	*field = copy;
	return rc;
}

static int
read_recording(struct store *s, sqlite3_stmt *st, struct store_recording *r)
{
	int rc;

	r->id = sqlite3_column_int64(st, 0);
	r->start_unix_ns = store_col_i64(st, 7, 0);
	r->duration_ns = store_col_i64(st, 8, 0);
	r->exit_code = (int)store_col_i64(st, 10, -1);
	r->deterministic = store_col_i64(st, 11, 0) != 0;
	r->sites = store_col_i64(st, 14, 0);
	r->files = store_col_i64(st, 15, 0);
	r->init_size = store_col_i64(st, 6, 0);
	r->init_bytes = store_col_i64(st, 18, 0);
	r->trace_close = store_col_i64(st, 19, 0) != 0;
	r->has_seed = sqlite3_column_type(st, 20) != SQLITE_NULL;
	r->seed = (uint64_t)store_col_i64(st, 20, 0);
	r->pidns = (int)store_col_i64(st, 21, -1);
	r->callsite_scheme = (int)store_col_i64(st, 22, 0);
	r->has_clock = sqlite3_column_type(st, 23) != SQLITE_NULL;
	r->clock_ns = store_col_i64(st, 23, 0);
	if ((rc = dup_field(s, st, 1, &r->exe)) < 0 ||
	    (rc = dup_field(s, st, 4, &r->init_dir)) < 0 ||
	    (rc = dup_field(s, st, 5, &r->init_format)) < 0 ||
	    (rc = dup_field(s, st, 9, &r->status)) < 0 ||
	    (rc = dup_field(s, st, 12, &r->version)) < 0 ||
	    (rc = dup_field(s, st, 13, &r->kernel)) < 0)
		return rc;
	rc = json_to_strv(s, store_col_text(st, 2), &r->argv);
	if (rc < 0)
		return rc;
	rc = json_to_strv(s, store_col_text(st, 3), &r->envp);
	if (rc < 0)
		return rc;
	if (!r->init_format != (sqlite3_column_type(st, 18) == SQLITE_NULL))
		return store_fail(s, -EBADMSG, "init_blob and init_format "
		    "disagree");
	rc = blob_inflate(s, st, 16, "stdin", &r->stdin_data, &r->stdin_len);
	r->has_stdin = r->stdin_data != NULL;
	return rc;
}

int
store_recording_get(struct store *s, struct store_recording *r)
{
	sqlite3_stmt *st;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = store_stmt(s, STMT_REC_GET, sql_rec_get, &st);
	if (rc < 0)
		return rc;
	rc = store_step(s, st);
	if (rc == 1)
		rc = read_recording(s, st, r);
	else if (rc == 0)
		rc = store_fail(s, -ENOENT, "no recording in the database");
	store_stmt_done(s, STMT_REC_GET, st);
	if (rc < 0)
		store_recording_release(r);
	return rc;
}

void
store_recording_release(struct store_recording *r)
{
	free((void *)r->exe);
	free((void *)r->init_dir);
	free((void *)r->init_format);
	free((void *)r->status);
	free((void *)r->version);
	free((void *)r->kernel);
	free((void *)r->stdin_data);
	strv_free(r->argv);
	strv_free(r->envp);
	memset(r, 0, sizeof(*r));
}

static const char sql_rec_stdin[] =
	"UPDATE recordings SET stdin_blob = ?1, stdin_size = ?2 WHERE id = ?3";

int
store_recording_set_stdin(struct store *s, int64_t id, const void *data,
    size_t len)
{
	sqlite3_stmt *st;
	void *blob = NULL;
	size_t blob_len = 0;
	int brc = SQLITE_OK;
	int rc;

	rc = stdin_compress(s, data, len, &blob, &blob_len);
	if (rc < 0)
		return rc;
	rc = store_stmt(s, STMT_REC_STDIN, sql_rec_stdin, &st);
	if (rc < 0)
		goto out_free;
	store_bind_blob(st, 1, blob, blob_len, &brc);
	store_bind_i64(st, 2, (int64_t)len, &brc);
	store_bind_i64(st, 3, id, &brc);
	rc = store_step_once(s, STMT_REC_STDIN, st, brc);
out_free:
	free(blob);
	return rc;
}

/* --- the --init snapshot, streamed --- */

static int
read_full(int fd, void *buf, size_t len, int64_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;	/* shorter than fstat said */
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

static int
write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static const char sql_init_put[] =
	"UPDATE recordings SET init_blob = ?1, init_format = ?2, "
	"init_size = ?3 WHERE id = ?4";

/* Make room: a zeroblob of len bytes, filled by copy_into_blob(). */
static int
init_reserve(struct store *s, int64_t id, const char *format, int64_t len,
    int64_t size)
{
	sqlite3_stmt *st;
	int brc = SQLITE_OK;
	int rc;

	rc = store_stmt(s, STMT_INIT_PUT, sql_init_put, &st);
	if (rc < 0)
		return rc;
	brc = sqlite3_bind_zeroblob64(st, 1, (sqlite3_uint64)len);
	store_bind_text(st, 2, format, &brc);
	store_bind_i64(st, 3, size, &brc);
	store_bind_i64(st, 4, id, &brc);
	rc = store_step_once(s, STMT_INIT_PUT, st, brc);
	if (rc == 0 && sqlite3_changes(s->db) == 0)
		rc = store_fail(s, -ENOENT, "no recording %lld",
		    (long long)id);
	return rc;
}

/*
 * Copy len bytes of fd (from offset 0) into table.column of rowid, which
 * holds a zeroblob of that length already; what names it in errors.
 */
int
store_blob_fill(struct store *s, const char *table, const char *column,
    int64_t rowid, int fd, int64_t len, const char *what)
{
	sqlite3_blob *blob;
	char *buf;
	int64_t off = 0;
	int rc;

	rc = sqlite3_blob_open(s->db, "main", table, column, rowid, 1, &blob);
	if (rc != SQLITE_OK)
		return store_rc(s, rc);
	buf = malloc(BLOB_CHUNK);
	rc = buf ? 0 : store_fail(s, -ENOMEM, "out of memory");
	while (rc == 0 && off < len) {
		int n = len - off < BLOB_CHUNK ? (int)(len - off) : BLOB_CHUNK;

		rc = read_full(fd, buf, (size_t)n, off);
		if (rc < 0) {
			rc = store_fail(s, rc, "cannot read %s: %s", what,
			    strerror(-rc));
			break;
		}
		rc = sqlite3_blob_write(blob, buf, n, (int)off);
		rc = rc == SQLITE_OK ? 0 : store_rc(s, rc);
		off += n;
	}
	free(buf);
	if (sqlite3_blob_close(blob) != SQLITE_OK && rc == 0)
		rc = store_rc(s, sqlite3_errcode(s->db));
	return rc;
}

/* The length of fd, if SQLite can hold that many bytes in one value. */
int
store_blob_length(struct store *s, int fd, int64_t *len, const char *what)
{
	struct stat stt;

	if (fstat(fd, &stt) < 0)
		return store_fail(s, -errno, "cannot read %s: %s", what,
		    strerror(errno));
	*len = (int64_t)stt.st_size;
	if (*len > sqlite3_limit(s->db, SQLITE_LIMIT_LENGTH, -1))
		return store_fail(s, -EFBIG, "%s is %lld bytes compressed; "
		    "SQLite stores at most %d in a value", what,
		    (long long)*len, sqlite3_limit(s->db, SQLITE_LIMIT_LENGTH, -1));
	return 0;
}

int
store_recording_init_put(struct store *s, int64_t id, const char *format,
    int fd, int64_t size)
{
	int64_t len;
	int rc;

	rc = store_blob_length(s, fd, &len, "the init snapshot");
	if (rc == 0)
		rc = init_reserve(s, id, format, len, size);
	if (rc == 0)
		rc = store_blob_fill(s, "recordings", "init_blob", id, fd, len,
		    "the init snapshot");
	return rc;
}

/* Append all of table.column of rowid to fd. */
int
store_blob_dump(struct store *s, const char *table, const char *column,
    int64_t rowid, int fd, const char *what)
{
	sqlite3_blob *blob;
	int64_t len, off;
	char *buf;
	int rc;

	rc = sqlite3_blob_open(s->db, "main", table, column, rowid, 0, &blob);
	if (rc != SQLITE_OK)
		return store_rc(s, rc);
	buf = malloc(BLOB_CHUNK);
	if (!buf) {
		sqlite3_blob_close(blob);
		return store_fail(s, -ENOMEM, "out of memory");
	}
	len = sqlite3_blob_bytes(blob);
	for (off = 0, rc = 0; rc == 0 && off < len; ) {
		int n = len - off < BLOB_CHUNK ? (int)(len - off) : BLOB_CHUNK;

		rc = sqlite3_blob_read(blob, buf, n, (int)off);
		if (rc != SQLITE_OK) {
			rc = store_rc(s, rc);
			break;
		}
		rc = write_full(fd, buf, (size_t)n);
		if (rc < 0)
			rc = store_fail(s, rc, "cannot copy %s out: %s", what,
			    strerror(-rc));
		off += n;
	}
	free(buf);
	sqlite3_blob_close(blob);
	return rc;
}

int
store_recording_init_get(struct store *s, int64_t id, int fd)
{
	return store_blob_dump(s, "recordings", "init_blob", id, fd,
	    "the init snapshot");
}

int
store_recording_set_pidns(struct store *s, int64_t id, bool pidns)
{
	sqlite3_stmt *st;
	int brc = SQLITE_OK;
	int rc;

	rc = store_stmt(s, STMT_REC_PIDNS,
	    "UPDATE recordings SET pidns = ?2 WHERE id = ?1", &st);
	if (rc < 0)
		return rc;
	store_bind_i64(st, 1, id, &brc);
	store_bind_i64(st, 2, pidns, &brc);
	rc = store_step_once(s, STMT_REC_PIDNS, st, brc);
	if (rc == 0 && sqlite3_changes(s->db) == 0)
		rc = store_fail(s, -ENOENT, "no recording %lld", (long long)id);
	return rc;
}
