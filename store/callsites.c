/*
 * callsites.c - the callsites and callsite_frames tables (migration 2).
 * Rows are added once per distinct call site, inside the recording's
 * transaction; frames are read back when a stack is shown.
 */
#include "store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

static const char sql_callsite_add[] =
	"INSERT OR IGNORE INTO callsites (id, unwound, frames) VALUES (?1, ?2, ?3)";
static const char sql_frame_add[] =
	"INSERT OR IGNORE INTO callsite_frames (callsite, depth, module, offset) "
	"VALUES (?1, ?2, ?3, ?4)";
/*
 * Bounded, as everything read from a database (it may come from
 * elsewhere): STORE_FRAMES_MAX frames, module names of STORE_MODULE_MAX
 * bytes (longer ones name no file anyway).
 */
static const char sql_frames_get[] =
	"SELECT c.unwound, substr(f.module, 1, " STORE_MODULE_MAX_SQL "), "
	"f.offset FROM callsites c "
	"JOIN callsite_frames f ON f.callsite = c.id WHERE c.id = ?1 "
	"ORDER BY f.depth LIMIT " STORE_FRAMES_MAX_SQL;

static int
add_row(struct store *s, enum store_stmt_id id, const char *sql,
    int64_t a, int64_t b, const char *text, int64_t c)
{
	sqlite3_stmt *st;
	int brc = SQLITE_OK, rc;

	rc = store_stmt(s, id, sql, &st);
	if (rc < 0)
		return rc;
	store_bind_i64(st, 1, a, &brc);
	store_bind_i64(st, 2, b, &brc);
	if (text) {
		store_bind_text(st, 3, text, &brc);
		store_bind_i64(st, 4, c, &brc);
	} else {
		store_bind_i64(st, 3, c, &brc);
	}
	rc = store_step_once(s, id, st, brc);
	return rc;
}

int
store_callsite_add(struct store *s, int64_t id, const struct store_frame *frames,
    size_t n, bool unwound)
{
	int rc = add_row(s, STMT_CALLSITE_ADD, sql_callsite_add, id, unwound,
	    NULL, (int64_t)n);

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = add_row(s, STMT_FRAME_ADD, sql_frame_add, id, (int64_t)i,
		    frames[i].module, frames[i].offset);
	return rc;
}

void
store_frames_free(struct store_frame *frames, size_t n)
{
	for (size_t i = 0; frames && i < n; i++)
		free((char *)frames[i].module);
	free(frames);
}

int
store_callsite_get(struct store *s, int64_t id, struct store_frame **frames,
    size_t *n, bool *unwound)
{
	struct store_frame *v = NULL;
	sqlite3_stmt *st;
	size_t cap = 0;
	int brc = SQLITE_OK, rc;

	*frames = NULL;
	*n = 0;
	*unwound = false;
	rc = store_stmt(s, STMT_FRAMES_GET, sql_frames_get, &st);
	if (rc < 0)
		return rc;
	store_bind_i64(st, 1, id, &brc);
	while (brc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *m = (const char *)sqlite3_column_text(st, 1);

		if (*n == cap) {
			struct store_frame *nv;

			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*nv));
			if (!nv) {
				rc = -ENOMEM;
				goto out_fail;
			}
			v = nv;
		}
		*unwound = sqlite3_column_int(st, 0) != 0;
		v[*n].module = strdup(m ? m : "");
		v[*n].offset = sqlite3_column_int64(st, 2);
		if (!v[*n].module) {
			rc = -ENOMEM;
			goto out_fail;
		}
		(*n)++;
	}
	rc = brc != SQLITE_OK ? store_rc(s, brc) :
	    rc == SQLITE_DONE ? 0 : store_rc(s, rc);
	if (rc < 0)
		goto out_fail;
	store_stmt_done(s, STMT_FRAMES_GET, st);
	*frames = v;
	return 0;
out_fail:
	store_stmt_done(s, STMT_FRAMES_GET, st);
	store_frames_free(v, *n);
	*n = 0;
	return rc;
}
