/*
 * strings.c - the strings table (migration 16): each text of a site
 * (syscall, path, path2, flags, creates, and a key or key path that is
 * not the usual one) stored once, and referred to by id.
 *
 * The recorder inserts a site per call, most of them naming the same few
 * texts: a cache of text -> id in memory saves the two statements a miss
 * costs (find, then add).  It is valid while this connection holds its
 * write transaction, since no other writer can add or remove strings
 * meanwhile and a rollback is seen here: it is emptied at every BEGIN and
 * ROLLBACK, after a failed statement, and not used outside a
 * transaction.  It is bounded (entries and bytes) and emptied whole when
 * full: a recording of a million different paths gains nothing from it.
 */
#include "store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

#define CACHE_SLOTS_MIN		256
#define CACHE_ENTRIES_MAX	65536		/* half the slots at most */
#define CACHE_TEXT_MAX		4096		/* longer texts are not cached */
#define CACHE_BYTES_MAX		(16u << 20)

struct string_entry {
	uint64_t	hash;
	int64_t		id;		/* 0: empty slot */
	size_t		len;
	char		*text;
};

struct store_strings {
	struct string_entry	*slots;
	size_t			cap;	/* a power of two, or 0 */
	size_t			n;
	size_t			bytes;
	int64_t			next_site;	/* site_rows' next id; 0: unknown */
};

/* FNV-1a, 64 bits: the texts are short and the table is ours. */
static uint64_t
text_hash(const char *t, size_t len)
{
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)t[i];
		h *= 1099511628211ull;
	}
	return h;
}

void
store_strings_forget(struct store *s)
{
	struct store_strings *c = s->strings;

	if (!c)
		return;
	for (size_t i = 0; i < c->cap; i++)
		free(c->slots[i].text);
	free(c->slots);
	c->slots = NULL;
	c->cap = c->n = c->bytes = 0;
	c->next_site = 0;
}

void
store_strings_free(struct store *s)
{
	store_strings_forget(s);
	free(s->strings);
	s->strings = NULL;
}

static struct string_entry *
cache_slot(struct store_strings *c, const char *t, size_t len, uint64_t h)
{
	size_t mask = c->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct string_entry *e = &c->slots[i];

		if (e->id == 0 || (e->hash == h && e->len == len &&
		    memcmp(e->text, t, len) == 0))
			return e;
	}
}

static int
cache_grow(struct store_strings *c)
{
	size_t cap = c->cap ? c->cap * 2 : CACHE_SLOTS_MIN;
	struct string_entry *old = c->slots, *v = calloc(cap, sizeof(*v));

	if (!v)
		return -ENOMEM;
	c->slots = v;
	for (size_t i = 0; i < c->cap; i++)
		if (old[i].id)
			*cache_slot(&(struct store_strings){ .slots = v,
			    .cap = cap }, old[i].text, old[i].len,
			    old[i].hash) = old[i];
	free(old);
	c->cap = cap;
	return 0;
}

/* Remember text -> id; a cache that cannot grow is emptied (no error). */
static void
cache_put(struct store *s, const char *t, size_t len, uint64_t h, int64_t id)
{
	struct store_strings *c = s->strings;
	struct string_entry *e;
	char *copy;

	if (len > CACHE_TEXT_MAX)
		return;
	if (c->n >= CACHE_ENTRIES_MAX || c->bytes + len > CACHE_BYTES_MAX) {
		int64_t next = c->next_site;

		store_strings_forget(s);
		c->next_site = next;
	}
	if ((c->n + 1) * 2 > c->cap && cache_grow(c) < 0)
		return;
	copy = malloc(len + 1);
	if (!copy)
		return;
	memcpy(copy, t, len + 1);
	e = cache_slot(c, t, len, h);
	*e = (struct string_entry){ .hash = h, .id = id, .len = len,
	    .text = copy };
	c->n++;
	c->bytes += len;
}

/* The id of text in strings, without the cache. */
static int
string_find_or_add(struct store *s, const char *text, int64_t *id)
{
	sqlite3_stmt *st;
	int brc = SQLITE_OK;
	int rc;

	rc = store_stmt(s, STMT_STRING_FIND,
	    "SELECT id FROM strings WHERE text = ?1", &st);
	if (rc < 0)
		return rc;
	store_bind_text(st, 1, text, &brc);
	rc = brc != SQLITE_OK ? store_rc(s, brc) : store_step(s, st);
	if (rc == 1)
		*id = sqlite3_column_int64(st, 0);
	store_stmt_done(s, STMT_STRING_FIND, st);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	rc = store_stmt(s, STMT_STRING_ADD,
	    "INSERT INTO strings (text) VALUES (?1)", &st);
	if (rc < 0)
		return rc;
	store_bind_text(st, 1, text, &brc);
	rc = store_step_once(s, STMT_STRING_ADD, st, brc);
	if (rc == 0)
		*id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

/*
 * The id of text (added when new); NULL text is id 0, stored as NULL.
 * Inside a write transaction answers come from the cache when they can.
 */
int
store_string_id(struct store *s, const char *text, int64_t *id)
{
	bool cached = !sqlite3_get_autocommit(s->db);
	struct string_entry *e;
	size_t len;
	uint64_t h;
	int rc;

	*id = 0;
	if (!text)
		return 0;
	if (!s->strings) {
		s->strings = calloc(1, sizeof(*s->strings));
		if (!s->strings)
			return store_fail(s, -ENOMEM, "out of memory");
	}
	len = strlen(text);
	h = text_hash(text, len);
	if (cached && s->strings->cap) {
		e = cache_slot(s->strings, text, len, h);
		if (e->id) {
			*id = e->id;
			return 0;
		}
	}
	rc = string_find_or_add(s, text, id);
	if (rc < 0) {
		store_strings_forget(s);
		return rc;
	}
	if (cached)
		cache_put(s, text, len, h, *id);
	return 0;
}

/*
 * The id the next site gets: max(id) + 1 once per transaction, then
 * counted (store_site_added), so the row can store seq - id.
 */
int
store_site_next_id(struct store *s, int64_t *id)
{
	sqlite3_stmt *st;
	int rc;

	if (!s->strings) {
		s->strings = calloc(1, sizeof(*s->strings));
		if (!s->strings)
			return store_fail(s, -ENOMEM, "out of memory");
	}
	if (s->strings->next_site && !sqlite3_get_autocommit(s->db)) {
		*id = s->strings->next_site;
		return 0;
	}
	rc = store_stmt(s, STMT_SITE_NEXT_ID,
	    "SELECT coalesce(max(id), 0) + 1 FROM site_rows", &st);
	if (rc < 0)
		return rc;
	rc = store_step(s, st);
	if (rc == 1 && sqlite3_column_type(st, 0) != SQLITE_INTEGER)
		rc = 2;			/* max(id) + 1 overflowed to a REAL */
	if (rc == 1)
		*id = sqlite3_column_int64(st, 0);
	store_stmt_done(s, STMT_SITE_NEXT_ID, st);
	if (rc == 0)
		rc = store_fail(s, -EIO, "max(id) of site_rows returned no row");
	if (rc < 0)
		return rc;
	if (rc == 2 || *id <= 0)
		return store_fail(s, -EOVERFLOW, "site ids are exhausted");
	s->strings->next_site = *id;
	return 0;
}

/* The site store_site_next_id() named was stored (or not: forget). */
void
store_site_added(struct store *s, bool ok)
{
	if (!ok || sqlite3_get_autocommit(s->db)) {
		store_strings_forget(s);
		return;
	}
	s->strings->next_site++;
}
