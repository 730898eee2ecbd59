/*
 * bundle.c - the program's own files, kept with its recording (record
 * --bundle, migration 12): a manifest (table bundle_files, one row per
 * file, which a user can query) and the files themselves as one archive
 * (table bundles), made and read by the explorer (explorer/bundle.c).
 */
#include "store/store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BUNDLE_FILES_MAX	4096	/* a database may come from elsewhere */
#define BUNDLE_TEXT_MAX		4096

static const char sql_bundle_add[] =
	"INSERT INTO bundle_files (recording, path, role, soname, size, crc32) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

int
store_bundle_add(struct store *s, int64_t rec, const struct store_bundle_file *f)
{
	sqlite3_stmt *st;
	int brc = SQLITE_OK;
	int rc;

	rc = store_stmt(s, STMT_BUNDLE_ADD, sql_bundle_add, &st);
	if (rc < 0)
		return rc;
	store_bind_i64(st, 1, rec, &brc);
	store_bind_text(st, 2, f->path, &brc);
	store_bind_text(st, 3, f->role, &brc);
	store_bind_text(st, 4, f->soname, &brc);
	store_bind_i64_or_null(st, 5, f->size, f->size < 0, &brc);
	store_bind_i64_or_null(st, 6, (int64_t)f->crc32, f->size < 0, &brc);
	return store_step_once(s, STMT_BUNDLE_ADD, st, brc);
}

void
store_bundle_free(struct store_bundle_file *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free((char *)v[i].path);
		free((char *)v[i].role);
		free((char *)v[i].soname);
	}
	free(v);
}

/* A text column, NULL kept, cut at BUNDLE_TEXT_MAX bytes. */
static int
bounded_text(sqlite3_stmt *st, int col, const char **out)
{
	const char *t = (const char *)sqlite3_column_text(st, col);

	*out = NULL;
	if (!t)
		return 0;
	*out = strndup(t, BUNDLE_TEXT_MAX);
	return *out ? 0 : -ENOMEM;
}

static int
read_row(sqlite3_stmt *st, struct store_bundle_file *f)
{
	int rc;

	memset(f, 0, sizeof(*f));
	f->size = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(st, 3);
	f->crc32 = (uint32_t)sqlite3_column_int64(st, 4);
	rc = bounded_text(st, 0, &f->path);
	if (rc == 0)
		rc = bounded_text(st, 1, &f->role);
	if (rc == 0)
		rc = bounded_text(st, 2, &f->soname);
	if (rc == 0 && (!f->path || !f->role))
		rc = -EBADMSG;
	return rc;
}

static const char sql_bundle_list[] =
	"SELECT path, role, soname, size, crc32 FROM bundle_files "
	"WHERE recording = ?1 ORDER BY path";

int
store_bundle_list(struct store *s, int64_t rec, struct store_bundle_file **out,
    size_t *n)
{
	struct store_bundle_file *v = NULL;
	sqlite3_stmt *st;
	int brc = SQLITE_OK, rc;

	*out = NULL;
	*n = 0;
	rc = store_stmt(s, STMT_BUNDLE_LIST, sql_bundle_list, &st);
	if (rc < 0)
		return rc;
	store_bind_i64(st, 1, rec, &brc);
	while (brc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_bundle_file *nv;

		if (*n == BUNDLE_FILES_MAX) {
			rc = store_fail(s, -EFBIG, "the bundle lists more than "
			    "%d files", BUNDLE_FILES_MAX);
			goto out_fail;
		}
		nv = realloc(v, (*n + 1) * sizeof(*nv));
		if (!nv) {
			rc = -ENOMEM;
			goto out_fail;
		}
		v = nv;
		rc = read_row(st, &v[*n]);
		(*n)++;
		if (rc < 0) {
			if (rc == -EBADMSG)
				rc = store_fail(s, rc, "a bundle_files row "
				    "without path or role");
			goto out_fail;
		}
	}
	rc = brc != SQLITE_OK ? store_rc(s, brc) :
	    rc == SQLITE_DONE ? 0 : store_rc(s, rc);
	if (rc < 0)
		goto out_fail;
	store_stmt_done(s, STMT_BUNDLE_LIST, st);
	*out = v;
	return 0;
out_fail:
	store_stmt_done(s, STMT_BUNDLE_LIST, st);
	store_bundle_free(v, *n);
	*n = 0;
	return rc;
}

static const char sql_bundle_reserve[] =
	"INSERT OR REPLACE INTO bundles (recording, archive, size) "
	"VALUES (?1, ?2, ?3)";

int
store_bundle_put(struct store *s, int64_t rec, int fd, int64_t size)
{
	sqlite3_stmt *st;
	int brc = SQLITE_OK;
	int64_t len;
	int rc;

	rc = store_blob_length(s, fd, &len, "the bundle");
	if (rc < 0)
		return rc;
	rc = store_stmt(s, STMT_BUNDLE_RESERVE, sql_bundle_reserve, &st);
	if (rc < 0)
		return rc;
	store_bind_i64(st, 1, rec, &brc);
	if (brc == SQLITE_OK)
		brc = sqlite3_bind_zeroblob64(st, 2, (sqlite3_uint64)len);
	store_bind_i64(st, 3, size, &brc);
	rc = store_step_once(s, STMT_BUNDLE_RESERVE, st, brc);
	if (rc == 0)
		rc = store_blob_fill(s, "bundles", "archive", rec, fd, len,
		    "the bundle");
	return rc;
}

int
store_bundle_get(struct store *s, int64_t rec, int fd)
{
	return store_blob_dump(s, "bundles", "archive", rec, fd, "the bundle");
}

static const char sql_callsite_modules[] =
	"SELECT DISTINCT module FROM callsite_frames WHERE module LIKE '/%' "
	"ORDER BY module";

int
store_callsite_modules(struct store *s, char ***out, size_t *n)
{
	char **v = NULL;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	rc = store_stmt(s, STMT_CALLSITE_MODULES, sql_callsite_modules, &st);
	if (rc < 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *m = (const char *)sqlite3_column_text(st, 0);
		char **nv = realloc(v, (*n + 2) * sizeof(*nv));

		if (!nv) {
			rc = -ENOMEM;
			break;
		}
		v = nv;
		v[*n] = strndup(m ? m : "", BUNDLE_TEXT_MAX);
		if (!v[*n]) {
			rc = -ENOMEM;
			break;
		}
		v[++*n] = NULL;
	}
	rc = rc == SQLITE_DONE ? 0 : rc < 0 ? rc : store_rc(s, rc);
	store_stmt_done(s, STMT_CALLSITE_MODULES, st);
	if (rc < 0) {
		for (size_t i = 0; v && i < *n; i++)
			free(v[i]);
		free(v);
		*n = 0;
		return rc;
	}
	*out = v;
	return 0;
}
