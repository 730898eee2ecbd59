/*
 * sites.c - the sites table: insert, iterate, JSON.
 *
 * store_site_add() is the recorder's hot path: one cached INSERT, text
 * bound without copying, called inside the caller's transaction.  The
 * struct's "none" values (-1, 0, has_result false) become SQL NULL here
 * and come back as the same values from store_site_read().
 */
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

/*
 * Migration 16's site_rows: the texts as string ids, family and kind as
 * codes, seq as seq - id, tid NULL when it is pid, key_path and key NULL
 * when they are what the other columns make (the view sites puts them
 * back).
 */
static const char sql_site_add[] =
	"INSERT INTO site_rows (id, recording, dseq, pid, tid, process, "
	"thread, syscall, family, fd, path, path2, kind, offset, count, "
	"result, append, t_ns, crc32, crc_bytes, xxh3, ordinal, callsite, "
	"flags, offset2, mapped, creates, key_path, key) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
	"?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, "
	"?29)";

/* The codes of site_rows.family and .kind (schema.c), 0: none of them. */
static const char *const family_names[] = {
	NULL, "write", "sync", "namespace", "mmap", "close", "end",
};
static const char *const kind_names[] = {
	NULL, "regular", "dir", "pipe", "socket", "tty", "other",
};

static int64_t
code_of(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 1; name && i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int64_t)i;
	return 0;
}

/* Is key family:key_path:ordinal, as the view makes it? */
static bool
key_is_derived(const struct store_site *site)
{
	size_t lf = strlen(site->family), lp = strlen(site->key_path);
	const char *k = site->key;
	char num[24];

	if (strncmp(k, site->family, lf) != 0 || k[lf] != ':')
		return false;
	k += lf + 1;
	if (strncmp(k, site->key_path, lp) != 0 || k[lp] != ':')
		return false;
	snprintf(num, sizeof(num), "%lld", (long long)site->ordinal);
	return strcmp(k + lp + 1, num) == 0;
}

/* The string ids of a site's texts, in this order. */
enum { SID_SYSCALL, SID_PATH, SID_PATH2, SID_FLAGS, SID_CREATES,
	SID_KEY_PATH, SID_KEY, SID_COUNT };

static int
site_string_ids(struct store *s, const struct store_site *site,
    int64_t ids[SID_COUNT])
{
	const char *texts[SID_COUNT] = {
		site->syscall, site->path, site->path2, site->flags,
		site->creates,
	};
	int rc = 0;

	if (!site->syscall || !site->family || !site->kind || !site->key ||
	    !site->key_path)
		return store_fail(s, -EINVAL, "NOT NULL constraint failed: a "
		    "site without syscall, family, kind or key");
	if (!site->path || strcmp(site->key_path, site->path) != 0)
		texts[SID_KEY_PATH] = site->key_path;
	if (!key_is_derived(site))
		texts[SID_KEY] = site->key;
	for (int i = 0; i < SID_COUNT && rc == 0; i++)
		rc = store_string_id(s, texts[i], &ids[i]);
	return rc;
}

static void
bind_site(sqlite3_stmt *st, const struct store_site *site, int64_t id,
    const int64_t sid[SID_COUNT], int *rc)
{
	bool no_crc = site->crc_bytes < 0;

	store_bind_i64(st, 1, id, rc);
	store_bind_i64(st, 2, site->recording, rc);
	store_bind_i64(st, 3, site->seq - id, rc);
	store_bind_i64(st, 4, site->pid, rc);
	store_bind_i64_or_null(st, 5, site->tid, site->tid == site->pid, rc);
	store_bind_i64_or_null(st, 6, site->process, site->process <= 0, rc);
	store_bind_i64_or_null(st, 7, site->thread, site->thread <= 0, rc);
	store_bind_i64(st, 8, sid[SID_SYSCALL], rc);
	store_bind_i64(st, 9, code_of(family_names, sizeof(family_names) /
	    sizeof(family_names[0]), site->family), rc);
	store_bind_i64_or_null(st, 10, site->fd, site->fd < 0, rc);
	store_bind_i64_or_null(st, 11, sid[SID_PATH], !sid[SID_PATH], rc);
	store_bind_i64_or_null(st, 12, sid[SID_PATH2], !sid[SID_PATH2], rc);
	store_bind_i64(st, 13, code_of(kind_names, sizeof(kind_names) /
	    sizeof(kind_names[0]), site->kind), rc);
	store_bind_i64_or_null(st, 14, site->offset, site->offset < 0, rc);
	store_bind_i64_or_null(st, 15, site->count, site->count < 0, rc);
	store_bind_i64_or_null(st, 16, site->result, !site->has_result, rc);
	store_bind_i64(st, 17, site->append, rc);
	store_bind_i64(st, 18, site->t_ns, rc);
	store_bind_i64_or_null(st, 19, site->crc32, no_crc || site->has_xxh3, rc);
	store_bind_i64_or_null(st, 20, site->crc_bytes, no_crc, rc);
	store_bind_i64_or_null(st, 21, site->xxh3, no_crc || !site->has_xxh3, rc);
	store_bind_i64(st, 22, site->ordinal, rc);
	store_bind_i64_or_null(st, 23, site->callsite, site->callsite == 0, rc);
	store_bind_i64_or_null(st, 24, sid[SID_FLAGS], !sid[SID_FLAGS], rc);
	store_bind_i64_or_null(st, 25, site->offset2, site->offset2 < 0, rc);
	store_bind_i64(st, 26, site->mapped, rc);
	store_bind_i64_or_null(st, 27, sid[SID_CREATES], !sid[SID_CREATES], rc);
	store_bind_i64_or_null(st, 28, sid[SID_KEY_PATH], !sid[SID_KEY_PATH],
	    rc);
	store_bind_i64_or_null(st, 29, sid[SID_KEY], !sid[SID_KEY], rc);
}

int
store_site_add(struct store *s, const struct store_site *site)
{
	int64_t sid[SID_COUNT] = { 0 };
	sqlite3_stmt *st;
	int brc = SQLITE_OK;
	int64_t id;
	int rc;

	rc = site_string_ids(s, site, sid);
	if (rc == 0)
		rc = store_site_next_id(s, &id);
	if (rc == 0)
		rc = store_stmt(s, STMT_SITE_ADD, sql_site_add, &st);
	if (rc < 0) {
		store_site_added(s, false);
		return rc;
	}
	bind_site(st, site, id, sid, &brc);
	rc = store_step_once(s, STMT_SITE_ADD, st, brc);
	store_site_added(s, rc == 0);
	return rc;
}

/* Fill *site from STORE_SITE_COLUMNS starting at column col. */
void
store_site_read(sqlite3_stmt *st, int col, struct store_site *site)
{
	memset(site, 0, sizeof(*site));
	site->id = store_col_i64(st, col + 0, 0);
	site->recording = store_col_i64(st, col + 1, 0);
	site->seq = store_col_i64(st, col + 2, 0);
	site->pid = store_col_i64(st, col + 3, 0);
	site->tid = store_col_i64(st, col + 4, 0);
	site->syscall = store_col_text(st, col + 5);
	site->family = store_col_text(st, col + 6);
	site->fd = store_col_i64(st, col + 7, -1);
	site->path = store_col_text(st, col + 8);
	site->path2 = store_col_text(st, col + 9);
	site->kind = store_col_text(st, col + 10);
	site->offset = store_col_i64(st, col + 11, -1);
	site->count = store_col_i64(st, col + 12, -1);
	site->has_result = sqlite3_column_type(st, col + 13) != SQLITE_NULL;
	site->result = store_col_i64(st, col + 13, 0);
	site->append = store_col_i64(st, col + 14, 0) != 0;
	site->t_ns = store_col_i64(st, col + 15, 0);
	site->crc32 = store_col_i64(st, col + 16, 0);
	site->crc_bytes = store_col_i64(st, col + 17, -1);
	site->key = store_col_text(st, col + 18);
	site->key_path = store_col_text(st, col + 19);
	site->ordinal = store_col_i64(st, col + 20, 0);
	site->callsite = store_col_i64(st, col + 21, 0);
	site->flags = store_col_text(st, col + 22);
	site->offset2 = store_col_i64(st, col + 23, -1);
	site->mapped = store_col_i64(st, col + 24, 0) != 0;
	site->creates = store_col_text(st, col + 25);
	site->process = store_col_i64(st, col + 26, 0);
	site->thread = store_col_i64(st, col + 27, 0);
	site->has_xxh3 = sqlite3_column_type(st, col + 28) != SQLITE_NULL;
	site->xxh3 = store_col_i64(st, col + 28, 0);
}

/* Zero bounds and NULL strings match everything. */
static const char sql_sites_each[] =
	"SELECT " STORE_SITE_COLUMNS("") " FROM sites "
	"WHERE (?1 = 0 OR id >= ?1) AND (?2 = 0 OR id <= ?2) "
	"AND (?3 IS NULL OR syscall = ?3) AND (?4 IS NULL OR family = ?4) "
	"AND (?5 IS NULL OR path GLOB ?5) "
	"ORDER BY recording, seq";

static void
bind_filter(sqlite3_stmt *st, const struct store_site_filter *f, int *rc)
{
	static const struct store_site_filter any;

	if (!f)
		f = &any;
	store_bind_i64(st, 1, f->id_min, rc);
	store_bind_i64(st, 2, f->id_max, rc);
	store_bind_text(st, 3, f->syscall, rc);
	store_bind_text(st, 4, f->family, rc);
	store_bind_text(st, 5, f->path_glob, rc);
}

int
store_sites_each(struct store *s, const struct store_site_filter *f,
    store_site_fn *fn, void *ctx)
{
	struct store_site site;
	sqlite3_stmt *st;
	int brc = SQLITE_OK;
	int rc;

	rc = store_stmt(s, STMT_SITES_EACH, sql_sites_each, &st);
	if (rc < 0)
		return rc;
	bind_filter(st, f, &brc);
	if (brc != SQLITE_OK) {
		rc = store_rc(s, brc);
		goto out_done;
	}
	while ((rc = store_step(s, st)) == 1) {
		store_site_read(st, 0, &site);
		rc = fn(ctx, &site);
		if (rc != 0)
			break;
	}
out_done:
	store_stmt_done(s, STMT_SITES_EACH, st);
	return rc;
}

static const char sql_sites_json[] =
	"SELECT json_object(" STORE_SITE_JSON_FIELDS ") "
	"FROM sites ORDER BY recording, seq";

static const char sql_sites_stacks_json[] =
	"SELECT json_object(" STORE_SITE_JSON_FIELDS ", "
	"'location', badio_location(callsite), "
	"'stack', (SELECT json_group_array(json_object('module', f.module, "
	"'offset', f.offset, 'frame', badio_frame(f.module, f.offset))) "
	"FROM (SELECT * FROM callsite_frames WHERE callsite = s.callsite "
	"ORDER BY depth LIMIT " STORE_FRAMES_MAX_SQL ") f)) "
	"FROM sites s ORDER BY s.recording, s.seq";

int
store_sites_json_each(struct store *s, bool stacks, store_text_fn *fn,
    void *ctx)
{
	return stacks ?
	    store_text_rows(s, STMT_SITES_STACKS_JSON, sql_sites_stacks_json,
	    fn, ctx) :
	    store_text_rows(s, STMT_SITES_JSON, sql_sites_json, fn, ctx);
}
