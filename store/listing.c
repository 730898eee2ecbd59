/*
 * listing.c - the sites of `badio sites`, fast: site_rows read directly.
 *
 * The view sites joins strings seven times and the listing sorts it by
 * (recording, seq); for a million sites that and SQLite's json_object
 * were most of the listing's time (docs/performance.md, "Big listings").
 * Here:
 *
 *   - the order: one pass over (recording, dseq) in id order checks that
 *     (recording, id + dseq) only grows (one SQL statement when every
 *     dseq is 0 in one recording); then id order is the sort's
 *     order exactly (the keys are distinct, so no tie is ordered by
 *     chance) and the rows are read without ORDER BY seq.  Otherwise, or
 *     when a value there is not an integer, the view is read as before;
 *   - the texts: strings is loaded once into an array by id, within
 *     LIST_IDS_MAX ids and LIST_BYTES_MAX bytes (strings are interned:
 *     a recording holds far fewer than it has sites).  A bigger table,
 *     or a text that is not plain text (a BLOB, a NUL inside), sends the
 *     whole listing to the view too;
 *   - a row: its integers, the texts looked up and the key made as the
 *     view makes them ('<missing>' for an id strings lacks).  A row whose
 *     columns hold what the recorder never writes (a text where an
 *     integer goes, a NULL in a NOT NULL column: a crafted file) is read
 *     again from the view by id, with its JSON from SQLite, so that it
 *     prints exactly as before.
 */
#include "store/store.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

#define LIST_IDS_MAX	(1 << 20)		/* string ids held */
#define LIST_BYTES_MAX	((size_t)16 << 20)	/* bytes of text held */

/* The columns of site_rows as this file reads them. */
enum {
	R_ID, R_RECORDING, R_DSEQ, R_PID, R_TID, R_PROCESS, R_THREAD,
	R_SYSCALL, R_FAMILY, R_FD, R_PATH, R_PATH2, R_KIND, R_OFFSET, R_COUNT,
	R_RESULT, R_APPEND, R_T_NS, R_CRC32, R_CRC_BYTES, R_XXH3, R_ORDINAL,
	R_CALLSITE, R_FLAGS, R_OFFSET2, R_MAPPED, R_CREATES, R_KEY_PATH, R_KEY,
	R_COUNT_COLUMNS
};
_Static_assert(R_COUNT_COLUMNS == STORE_ROW_NCOLUMNS, "STORE_ROW_COLUMNS");

static const char sql_rows[] =
	"SELECT " STORE_ROW_COLUMNS("") " FROM site_rows ORDER BY id";

/* Columns the schema declares NOT NULL: NULL there is a crafted row. */
static const bool not_null[R_COUNT_COLUMNS] = {
	[R_ID] = true, [R_RECORDING] = true, [R_DSEQ] = true, [R_PID] = true,
	[R_SYSCALL] = true, [R_FAMILY] = true, [R_KIND] = true,
	[R_APPEND] = true, [R_T_NS] = true, [R_ORDINAL] = true,
	[R_MAPPED] = true,
};

/* The NULLs of struct store_list_row.nulls, by the view's columns. */
static const struct { int col; unsigned bit; } null_bits[] = {
	{ R_PROCESS, STORE_NULL_PROCESS }, { R_THREAD, STORE_NULL_THREAD },
	{ R_FD, STORE_NULL_FD }, { R_OFFSET, STORE_NULL_OFFSET },
	{ R_COUNT, STORE_NULL_COUNT }, { R_RESULT, STORE_NULL_RESULT },
	{ R_CRC32, STORE_NULL_CRC32 }, { R_CRC_BYTES, STORE_NULL_CRC_BYTES },
	{ R_XXH3, STORE_NULL_XXH3 }, { R_CALLSITE, STORE_NULL_CALLSITE },
	{ R_OFFSET2, STORE_NULL_OFFSET2 },
};

static const char *const family_names[] = {
	NULL, "write", "sync", "namespace", "mmap", "close", "end",
};
static const char *const kind_names[] = {
	NULL, "regular", "dir", "pipe", "socket", "tty", "other",
};

static const char missing[] = "<missing>";

/*
 * The usual case in one statement, no row coming back to C: every dseq
 * is 0 and every site of the first site's recording (so (recording,
 * seq) is (that one, id)).  1 so, 0 not, < 0 error.
 */
static int
one_recording_in_order(struct store *s)
{
	static const char sql[] =
	    "SELECT NOT EXISTS (SELECT 1 FROM site_rows WHERE dseq IS NOT 0 "
	    "OR recording IS NOT (SELECT recording FROM site_rows "
	    "ORDER BY id LIMIT 1))";
	sqlite3_stmt *st;
	int rc, ok = 0;

	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_rc(s, rc);
	if ((rc = store_step(s, st)) == 1)
		ok = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc < 0 ? rc : ok;
}

/* Is id order the order of (recording, seq)?  1 yes, 0 no, < 0 error. */
static int
id_order_is_seq_order(struct store *s)
{
	static const char sql[] =
	    "SELECT id, recording, dseq FROM site_rows ORDER BY id";
	int64_t prev_rec = 0, prev_seq = 0;
	bool first = true;
	sqlite3_stmt *st;
	int rc, ok;

	if ((ok = one_recording_in_order(s)) != 0)
		return ok;
	ok = 1;
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_rc(s, rc);
	while (ok && (rc = store_step(s, st)) == 1) {
		int64_t rec, seq;

		if (sqlite3_column_type(st, 1) != SQLITE_INTEGER ||
		    sqlite3_column_type(st, 2) != SQLITE_INTEGER ||
		    __builtin_add_overflow(sqlite3_column_int64(st, 0),
		    sqlite3_column_int64(st, 2), &seq)) {
			ok = 0;
			break;
		}
		rec = sqlite3_column_int64(st, 1);
		if (!first && (rec < prev_rec ||
		    (rec == prev_rec && seq <= prev_seq)))
			ok = 0;
		prev_rec = rec;
		prev_seq = seq;
		first = false;
	}
	sqlite3_finalize(st);
	return rc < 0 ? rc : ok;
}

/*
 * strings into l->texts: 1 done, 0 too big or not plain text (read the
 * view), < 0 an error.
 */
int
store_lister_texts(struct lister *l)
{
	sqlite3_stmt *st;
	int64_t max = 0;
	size_t used = 0;
	int rc, ok = 1;

	rc = sqlite3_prepare_v2(l->s->db, "SELECT coalesce(max(id), 0) "
	    "FROM strings", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_rc(l->s, rc);
	if ((rc = store_step(l->s, st)) == 1)
		max = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc < 0)
		return rc;
	if (max < 0 || max >= LIST_IDS_MAX)
		return 0;
	l->ntexts = (size_t)max + 1;
	l->texts = calloc(l->ntexts, sizeof(*l->texts));
	l->arena = malloc(LIST_BYTES_MAX);
	if (!l->texts || !l->arena)
		return store_fail(l->s, -ENOMEM, "out of memory");
	rc = sqlite3_prepare_v2(l->s->db, "SELECT id, text FROM strings",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_rc(l->s, rc);
	while (ok && (rc = store_step(l->s, st)) == 1) {
		int64_t id = sqlite3_column_int64(st, 0);
		/* the type before any conversion (sqlite3_column_text's) */
		bool text = sqlite3_column_type(st, 1) == SQLITE_TEXT;
		const char *t = (const char *)sqlite3_column_text(st, 1);
		size_t n = (size_t)sqlite3_column_bytes(st, 1);

		if (id < 0 || (size_t)id >= l->ntexts || !t || !text ||
		    strlen(t) != n || n + 1 > LIST_BYTES_MAX - used) {
			ok = 0;
			break;
		}
		memcpy(l->arena + used, t, n + 1);
		l->texts[id] = (struct text){ l->arena + used, n };
		used += n + 1;
	}
	sqlite3_finalize(st);
	return rc < 0 ? rc : ok;
}

void
store_lister_free(struct lister *l)
{
	free(l->texts);
	free(l->arena);
	free(l->key);
}

void
store_raw_read(sqlite3_stmt *st, int col0, struct raw *w)
{
	for (int c = 0; c < R_COUNT_COLUMNS; c++) {
		sqlite3_value *val = sqlite3_column_value(st, col0 + c);

		w->type[c] = sqlite3_value_type(val);
		w->v[c] = sqlite3_value_int64(val);
	}
}

/* Written by the recorder: integers, and no NULL where the schema has none. */
bool
store_raw_plain(const struct raw *w)
{
	for (int c = 0; c < R_COUNT_COLUMNS; c++)
		if (w->type[c] != SQLITE_INTEGER &&
		    (w->type[c] != SQLITE_NULL || not_null[c]))
			return false;
	return true;
}

static bool
is_null(const struct raw *w, int col)
{
	return w->type[col] == SQLITE_NULL;
}

static int64_t
or_null(const struct raw *w, int col, int64_t if_null)
{
	return is_null(w, col) ? if_null : w->v[col];
}

/* The text of string id col: NULL if none there or none in strings. */
static const char *
found(const struct lister *l, const struct raw *w, int col)
{
	int64_t id = w->v[col];

	if (!is_null(w, col) && id >= 0 && (size_t)id < l->ntexts)
		return l->texts[id].p;
	return NULL;
}

/* The text of string id col as the view shows it: '<missing>' if none. */
static const char *
text_of(const struct lister *l, const struct raw *w, int col)
{
	const char *t = found(l, w, col);

	return t || is_null(w, col) ? t : missing;
}

static const char *
code_name(const char *const *names, size_t n, int64_t code)
{
	return code >= 1 && (size_t)code < n ? names[code] : missing;
}

/* v in decimal at out (room for 21 bytes), NUL-terminated. */
static void
decimal(char *out, int64_t v)
{
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	char tmp[24];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*out++ = '-';
	while (n)
		*out++ = tmp[--n];
	*out = '\0';
}

/* key = family:key_path:ordinal, as the view's || makes it. */
static int
make_key(struct lister *l, const char *family, const char *path,
    int64_t ordinal, const char **key)
{
	size_t lf = strlen(family), lp = strlen(path);
	size_t need = lf + lp + 24 + 3;
	char *k;

	if (need > l->keycap) {
		k = realloc(l->key, need);
		if (!k)
			return store_fail(l->s, -ENOMEM, "out of memory");
		l->key = k;
		l->keycap = need;
	}
	k = l->key;
	memcpy(k, family, lf);
	k[lf] = ':';
	memcpy(k + lf + 1, path, lp);
	k[lf + 1 + lp] = ':';
	decimal(k + lf + lp + 2, ordinal);
	*key = k;
	return 0;
}

static void
read_ints(const struct raw *w, struct store_list_row *r)
{
	struct store_site *x = &r->site;

	x->id = w->v[R_ID];
	x->recording = w->v[R_RECORDING];
	x->seq = x->id + w->v[R_DSEQ];
	x->pid = w->v[R_PID];
	x->tid = or_null(w, R_TID, x->pid);
	x->fd = or_null(w, R_FD, -1);
	x->offset = or_null(w, R_OFFSET, -1);
	x->count = or_null(w, R_COUNT, -1);
	x->has_result = !is_null(w, R_RESULT);
	x->result = or_null(w, R_RESULT, 0);
	x->append = w->v[R_APPEND] != 0;
	x->t_ns = w->v[R_T_NS];
	x->crc32 = or_null(w, R_CRC32, 0);
	x->crc_bytes = or_null(w, R_CRC_BYTES, -1);
	x->ordinal = w->v[R_ORDINAL];
	x->callsite = or_null(w, R_CALLSITE, 0);
	x->offset2 = or_null(w, R_OFFSET2, -1);
	x->mapped = w->v[R_MAPPED] != 0;
	x->process = or_null(w, R_PROCESS, 0);
	x->thread = or_null(w, R_THREAD, 0);
	x->has_xxh3 = !is_null(w, R_XXH3);
	x->xxh3 = or_null(w, R_XXH3, 0);
	r->nulls = 0;
	for (size_t i = 0; i < sizeof(null_bits) / sizeof(null_bits[0]); i++)
		if (is_null(w, null_bits[i].col))
			r->nulls |= null_bits[i].bit;
}

/* A plain row of site_rows as the view shows it. */
int
store_raw_site(struct lister *l, const struct raw *w, struct store_list_row *r)
{
	struct store_site *x = &r->site;
	const char *kp = found(l, w, R_KEY_PATH), *p = found(l, w, R_PATH);

	memset(r, 0, sizeof(*r));
	read_ints(w, r);
	x->syscall = text_of(l, w, R_SYSCALL);
	x->family = code_name(family_names, sizeof(family_names) /
	    sizeof(family_names[0]), w->v[R_FAMILY]);
	x->kind = code_name(kind_names, sizeof(kind_names) /
	    sizeof(kind_names[0]), w->v[R_KIND]);
	x->path = text_of(l, w, R_PATH);
	x->path2 = text_of(l, w, R_PATH2);
	x->flags = text_of(l, w, R_FLAGS);
	x->creates = text_of(l, w, R_CREATES);
	x->key_path = is_null(w, R_KEY_PATH) ? (p ? p : missing) :
	    (kp ? kp : missing);
	if (!is_null(w, R_KEY)) {
		x->key = text_of(l, w, R_KEY);
		return 0;
	}
	/* coalesce(kp.text, p.text, '<missing>'): kp's if found, else p's */
	return make_key(l, x->family, kp ? kp : p ? p : missing, x->ordinal,
	    &x->key);
}

/* The view's row of one site (and its JSON), for a row not plain. */
static const char sql_view_row[] =
	"SELECT " STORE_SITE_COLUMNS("") ", json_object(" STORE_SITE_JSON_FIELDS
	") FROM sites WHERE id = ?1";

static int
view_rows(struct store *s, int64_t id, bool all, bool json,
    store_list_fn *fn, void *ctx)
{
	static const char sql_all[] =
	    "SELECT " STORE_SITE_COLUMNS("") ", json_object("
	    STORE_SITE_JSON_FIELDS ") FROM sites ORDER BY recording, seq";
	struct store_list_row r;
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(s->db, all ? sql_all : sql_view_row, -1, &st,
	    NULL);
	if (rc != SQLITE_OK)
		return store_rc(s, rc);
	if (!all && (rc = sqlite3_bind_int64(st, 1, id)) != SQLITE_OK) {
		sqlite3_finalize(st);
		return store_rc(s, rc);
	}
	while ((rc = store_step(s, st)) == 1) {
		memset(&r, 0, sizeof(r));
		store_site_read(st, 0, &r.site);
		if (json) {
			r.json = (const char *)sqlite3_column_text(st, 29);
			r.json_len = (size_t)sqlite3_column_bytes(st, 29);
			if (!r.json)
				r.json = "null", r.json_len = 4;
		}
		rc = fn(ctx, &r);
		if (rc != 0)
			break;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
fast_rows(struct lister *l, bool json, store_list_fn *fn, void *ctx)
{
	struct store_list_row r;
	struct raw w;
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(l->s->db, sql_rows, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_rc(l->s, rc);
	while ((rc = store_step(l->s, st)) == 1) {
		store_raw_read(st, 0, &w);
		if (!store_raw_plain(&w))
			rc = view_rows(l->s, w.v[R_ID], false, json, fn, ctx);
		else if ((rc = store_raw_site(l, &w, &r)) == 0)
			rc = fn(ctx, &r);
		if (rc != 0)
			break;
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * STORE_LIST_THREAD: SQLite's half (stepping, decoding the record) in a
 * thread of its own, the caller's (the texts, fn: formatting, writing)
 * in the calling thread, batches of raw rows between them: on two CPUs
 * the halves overlap.  The connection is the reader's alone, but for a
 * row read again from the view: the reader ends its batch there and
 * waits until the caller has handled it, so the caller's statement
 * never runs beside the reader's (the connection has no mutex).
 */
#define PIPE_ROWS	256		/* raw rows per batch */
#define PIPE_BATCHES	4

struct batch {
	struct raw	rows[PIPE_ROWS];
	size_t		n;
};

struct pipe {
	struct lister	*l;
	sqlite3_stmt	*st;
	pthread_t	thread;
	pthread_mutex_t	lock;
	pthread_cond_t	cond;
	struct batch	b[PIPE_BATCHES];
	size_t		head, count;	/* filled, not yet released */
	bool		done, stop;
	int		rc;		/* the reader's: 0 or < 0 */
};

/* Hand batch b over; with drain, wait until every batch is handled. */
static bool
publish(struct pipe *p, bool drain)
{
	bool go;

	pthread_mutex_lock(&p->lock);
	p->count++;
	pthread_cond_broadcast(&p->cond);
	while (!p->stop && (p->count == PIPE_BATCHES || (drain && p->count)))
		pthread_cond_wait(&p->cond, &p->lock);
	go = !p->stop;
	pthread_mutex_unlock(&p->lock);
	return go;
}

static void *
reader_main(void *arg)
{
	struct pipe *p = arg;
	struct batch *b = &p->b[0];
	size_t slot = 0;
	int rc;

	b->n = 0;
	while ((rc = store_step(p->l->s, p->st)) == 1) {
		struct raw *w = &b->rows[b->n++];
		bool odd;

		store_raw_read(p->st, 0, w);
		odd = !store_raw_plain(w);
		if (b->n < PIPE_ROWS && !odd)
			continue;
		if (!publish(p, odd))
			break;
		slot = (slot + 1) % PIPE_BATCHES;
		b = &p->b[slot];
		b->n = 0;
	}
	pthread_mutex_lock(&p->lock);
	if (b->n && !p->stop)		/* the last rows, also before an error */
		p->count++;
	p->rc = rc < 0 ? rc : 0;
	p->done = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* The next batch to handle, or NULL when the reader is done. */
static struct batch *
next_batch(struct pipe *p)
{
	struct batch *b = NULL;

	pthread_mutex_lock(&p->lock);
	while (!p->count && !p->done)
		pthread_cond_wait(&p->cond, &p->lock);
	if (p->count)
		b = &p->b[p->head];
	pthread_mutex_unlock(&p->lock);
	return b;
}

static void
release(struct pipe *p, bool stop)
{
	pthread_mutex_lock(&p->lock);
	if (stop)
		p->stop = true;
	else {
		p->head = (p->head + 1) % PIPE_BATCHES;
		p->count--;
	}
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static int
handle(struct lister *l, const struct raw *w, bool json, store_list_fn *fn,
    void *ctx)
{
	struct store_list_row r;
	int rc;

	if (!store_raw_plain(w))
		return view_rows(l->s, w->v[R_ID], false, json, fn, ctx);
	rc = store_raw_site(l, w, &r);
	return rc == 0 ? fn(ctx, &r) : rc;
}

static int
piped_rows(struct lister *l, bool json, store_list_fn *fn, void *ctx)
{
	struct pipe *p = calloc(1, sizeof(*p));
	struct batch *b;
	int rc = 0, err;

	if (!p)
		return store_fail(l->s, -ENOMEM, "out of memory");
	p->l = l;
	err = sqlite3_prepare_v2(l->s->db, sql_rows, -1, &p->st, NULL);
	if (err != SQLITE_OK) {
		free(p);
		return store_rc(l->s, err);
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	err = pthread_create(&p->thread, NULL, reader_main, p);
	if (err) {
		rc = -err;
		goto out;
	}
	while (rc == 0 && (b = next_batch(p))) {
		for (size_t i = 0; i < b->n && rc == 0; i++)
			rc = handle(l, &b->rows[i], json, fn, ctx);
		release(p, rc != 0);
	}
	pthread_join(p->thread, NULL);
	if (rc == 0)
		rc = p->rc;
out:
	sqlite3_finalize(p->st);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
	return rc;
}

int
store_sites_list(struct store *s, unsigned flags, store_list_fn *fn,
    void *ctx)
{
	struct lister l = { .s = s };
	bool json = flags & STORE_LIST_JSON;
	int rc;

	rc = id_order_is_seq_order(s);
	if (rc == 1)
		rc = store_lister_texts(&l);
	if (rc == 1)
		rc = flags & STORE_LIST_THREAD ? piped_rows(&l, json, fn, ctx) :
		    fast_rows(&l, json, fn, ctx);
	else if (rc == 0)
		rc = view_rows(s, 0, true, json, fn, ctx);
	store_lister_free(&l);
	return rc;
}
