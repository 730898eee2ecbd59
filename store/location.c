/*
 * location.c - the SQL function badio_location(callsite), which the
 * JSON reports call to name each call site ("writer.c:42 save_state").
 * Naming a call site needs the recorder's symbolizer, which the store
 * must not know: the caller hands in a function, and the store only
 * wraps it for SQLite.  Without one, badio_location() is NULL.  The
 * function exists on this connection only; the schema never uses it,
 * so the database stays readable by any sqlite3.
 */
#include "store/store.h"

#include <errno.h>
#include <stdlib.h>

#include "store/store_int.h"

struct locator {
	store_locate_fn	*fn;
	void		*ctx;
};

static void
sql_location(sqlite3_context *c, int argc, sqlite3_value **argv)
{
	struct locator *l = sqlite3_user_data(c);
	const char *text;

	(void)argc;
	if (!l->fn || sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(c);
		return;
	}
	text = l->fn(l->ctx, sqlite3_value_int64(argv[0]));
	if (text)
		sqlite3_result_text(c, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_result_null(c);
}

int
store_locator_set(struct store *s, store_locate_fn *fn, void *ctx)
{
	struct locator *l = malloc(sizeof(*l));
	int rc;

	if (!l)
		return store_fail(s, -ENOMEM, "out of memory");
	l->fn = fn;
	l->ctx = ctx;
	/* SQLite frees l (and an earlier one) through the destructor */
	rc = sqlite3_create_function_v2(s->db, "badio_location", 1,
	    SQLITE_UTF8, l, sql_location, NULL, NULL, free);
	return rc == SQLITE_OK ? 0 : store_rc(s, rc);
}

struct framer {
	store_frame_fn	*fn;
	void		*ctx;
};

static void
sql_frame(sqlite3_context *c, int argc, sqlite3_value **argv)
{
	struct framer *f = sqlite3_user_data(c);
	const unsigned char *module = sqlite3_value_text(argv[0]);
	const char *text;

	(void)argc;
	if (!f->fn || !module) {
		sqlite3_result_null(c);
		return;
	}
	text = f->fn(f->ctx, (const char *)module, sqlite3_value_int64(argv[1]));
	if (text)
		sqlite3_result_text(c, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_result_null(c);
}

int
store_framer_set(struct store *s, store_frame_fn *fn, void *ctx)
{
	struct framer *f = malloc(sizeof(*f));
	int rc;

	if (!f)
		return store_fail(s, -ENOMEM, "out of memory");
	f->fn = fn;
	f->ctx = ctx;
	rc = sqlite3_create_function_v2(s->db, "badio_frame", 2, SQLITE_UTF8,
	    f, sql_frame, NULL, NULL, free);
	return rc == SQLITE_OK ? 0 : store_rc(s, rc);
}
