/*
 * experiments.c - experiments, verdicts and the report.
 *
 * An experiment is keyed by (site, fault, state), state NULL for the
 * faults that have no crash states (migration 15: two partial unique
 * indexes, as NULLs are distinct in one): store_experiment_put()
 * replaces an earlier one, so a resumed or redone explore never counts a
 * pair twice.  Outside a caller's transaction each put is its own
 * autocommit statement, durable when it returns.
 *
 * What a verdict means, its place in reports and whether it is a bug is
 * data, in the verdict_codes table (schema.c): the counts, the bug list
 * and the verdict-name check all read it, so no list of verdicts is
 * repeated here.
 */
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store_int.h"

static const char sql_exp_put[] =
	"INSERT OR REPLACE INTO experiments (site, fault, injected, "
	"fault_bytes, status, duration_ns, oracle_exit, verdict, prog_tail, "
	"oracle_tail, diverged, divergence, created_ns, divergence_kind, "
	"oracle_id, prog_last, state, last_sync, unsynced) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
	"?15, ?16, ?17, ?18, ?19)";

static int64_t
now_unix_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
bind_experiment(sqlite3_stmt *st, const struct store_experiment *e, int *rc)
{
	store_bind_i64(st, 1, e->site, rc);
	store_bind_text(st, 2, e->fault, rc);
	store_bind_i64(st, 3, e->injected, rc);
	store_bind_i64_or_null(st, 4, e->fault_bytes, e->fault_bytes < 0, rc);
	store_bind_text(st, 5, e->status, rc);
	store_bind_i64(st, 6, e->duration_ns, rc);
	store_bind_i64_or_null(st, 7, e->oracle_exit, e->oracle_exit < 0, rc);
	store_bind_text(st, 8, e->verdict, rc);
	store_bind_text(st, 9, e->prog_tail, rc);
	store_bind_text(st, 10, e->oracle_tail, rc);
	store_bind_i64(st, 11, e->diverged, rc);
	store_bind_text(st, 12, e->divergence, rc);
	store_bind_i64(st, 13, now_unix_ns(), rc);
	store_bind_text(st, 14, e->divergence_kind, rc);
	store_bind_i64_or_null(st, 15, e->oracle_id, e->oracle_id <= 0, rc);
	store_bind_text(st, 16, e->prog_last, rc);
	store_bind_text(st, 17, e->state, rc);
	store_bind_text(st, 18, e->state ? e->last_sync : NULL, rc);
	store_bind_i64_or_null(st, 19, e->unsynced,
	    !e->state || e->unsynced < 0, rc);
}

int
store_experiment_put(struct store *s, const struct store_experiment *e)
{
	sqlite3_stmt *st;
	int brc = SQLITE_OK;
	int rc;

	rc = store_stmt(s, STMT_EXP_PUT, sql_exp_put, &st);
	if (rc < 0)
		return rc;
	bind_experiment(st, e, &brc);
	rc = store_step_once(s, STMT_EXP_PUT, st, brc);
	return rc;
}

int
store_experiment_done(struct store *s, int64_t site, const char *fault,
    bool *done)
{
	sqlite3_stmt *st;
	int brc = SQLITE_OK;
	int rc;

	*done = false;
	rc = store_stmt(s, STMT_EXP_DONE,
	    "SELECT 1 FROM experiments WHERE site = ?1 AND fault = ?2 "
	    "AND state IS NULL", &st);
	if (rc < 0)
		return rc;
	store_bind_i64(st, 1, site, &brc);
	store_bind_text(st, 2, fault, &brc);
	rc = store_step_once(s, STMT_EXP_DONE, st, brc);
	if (rc < 0)
		return rc;
	*done = rc == 1;
	return 0;
}

/*
 * Two statements, not "state IS ?3": a partial index serves only a query
 * whose WHERE implies the index's (state IS NULL; state = ? implies
 * state IS NOT NULL), and the plan asks once per pair.
 */
int
store_experiment_verdict(struct store *s, int64_t site, const char *fault,
    const char *state, char *buf, size_t size)
{
	enum store_stmt_id id = state ? STMT_EXP_VERDICT_STATE :
	    STMT_EXP_VERDICT;
	sqlite3_stmt *st;
	int brc = SQLITE_OK;
	int rc;

	buf[0] = '\0';
	rc = store_stmt(s, id, state ? "SELECT verdict FROM experiments "
	    "WHERE site = ?1 AND fault = ?2 AND state = ?3" :
	    "SELECT verdict FROM experiments "
	    "WHERE site = ?1 AND fault = ?2 AND state IS NULL", &st);
	if (rc < 0)
		return rc;
	store_bind_i64(st, 1, site, &brc);
	store_bind_text(st, 2, fault, &brc);
	if (state)
		store_bind_text(st, 3, state, &brc);
	rc = brc != SQLITE_OK ? store_rc(s, brc) : store_step(s, st);
	if (rc == 1)
		snprintf(buf, size, "%s", store_col_text(st, 0) ?
		    store_col_text(st, 0) : "?");
	store_stmt_done(s, id, st);
	return rc < 0 ? rc : 0;
}

int
store_experiment_states(struct store *s, int64_t site, const char *fault,
    store_state_fn *fn, void *ctx)
{
	sqlite3_stmt *st;
	int brc = SQLITE_OK;
	int rc;

	rc = store_stmt(s, STMT_EXP_STATES, "SELECT state, verdict, unsynced "
	    "FROM experiments WHERE site = ?1 AND fault = ?2 AND "
	    "state IS NOT NULL ORDER BY id", &st);
	if (rc < 0)
		return rc;
	store_bind_i64(st, 1, site, &brc);
	store_bind_text(st, 2, fault, &brc);
	rc = brc != SQLITE_OK ? store_rc(s, brc) : 0;
	while (rc == 0 && (rc = store_step(s, st)) == 1)
		rc = fn(ctx, store_col_text(st, 0), store_col_text(st, 1),
		    store_col_i64(st, 2, -1));
	store_stmt_done(s, STMT_EXP_STATES, st);
	return rc < 0 ? rc : 0;
}

int
store_experiments_clear(struct store *s)
{
	sqlite3_stmt *st;
	int rc;

	rc = store_stmt(s, STMT_EXP_CLEAR, "DELETE FROM experiments", &st);
	if (rc < 0)
		return rc;
	rc = store_step(s, st);
	store_stmt_done(s, STMT_EXP_CLEAR, st);
	return rc;
}

/* The experiment columns, then STORE_SITE_COLUMNS from EXP_NCOLUMNS on. */
#define EXP_COLUMNS	STORE_EXP_COLUMNS("e.") ", " STORE_SITE_COLUMNS("s.")
#define EXP_NCOLUMNS	STORE_EXP_NCOLUMNS
#define EXP_FROM							\
	" FROM experiments e JOIN sites s ON s.id = e.site "

static const char sql_exp_each[] =
	"SELECT " EXP_COLUMNS EXP_FROM "ORDER BY s.seq, e.fault, e.state";

static const char sql_bugs_each[] =
	"SELECT " EXP_COLUMNS EXP_FROM
	"WHERE e.verdict IN (SELECT name FROM verdict_codes WHERE bug) "
	"ORDER BY s.path, s.syscall, s.seq, e.fault, e.state";

void
store_experiment_read(sqlite3_stmt *st, struct store_experiment *e)
{
	memset(e, 0, sizeof(*e));
	e->id = store_col_i64(st, 0, 0);
	e->site = store_col_i64(st, 1, 0);
	e->fault = store_col_text(st, 2);
	e->injected = store_col_i64(st, 3, 0) != 0;
	e->fault_bytes = store_col_i64(st, 4, -1);
	e->status = store_col_text(st, 5);
	e->duration_ns = store_col_i64(st, 6, 0);
	e->oracle_exit = (int)store_col_i64(st, 7, -1);
	e->verdict = store_col_text(st, 8);
	e->prog_tail = store_col_text(st, 9);
	e->oracle_tail = store_col_text(st, 10);
	e->diverged = store_col_i64(st, 11, 0) != 0;
	e->divergence = store_col_text(st, 12);
	e->divergence_kind = store_col_text(st, 13);
	e->oracle_id = store_col_i64(st, 14, 0);
	e->prog_last = store_col_text(st, 15);
	e->state = store_col_text(st, 16);
	e->last_sync = store_col_text(st, 17);
	e->unsynced = store_col_i64(st, 18, -1);
}

static int
experiments_iterate(struct store *s, enum store_stmt_id id, const char *sql,
    store_experiment_fn *fn, void *ctx)
{
	struct store_experiment e;
	struct store_site site;
	sqlite3_stmt *st;
	int rc;

	rc = store_stmt(s, id, sql, &st);
	if (rc < 0)
		return rc;
	while ((rc = store_step(s, st)) == 1) {
		store_experiment_read(st, &e);
		store_site_read(st, EXP_NCOLUMNS, &site);
		rc = fn(ctx, &e, &site);
		if (rc != 0)
			break;
	}
	store_stmt_done(s, id, st);
	return rc;
}

/* store_exp_rows' rows as experiments. */
struct exp_fn {
	store_experiment_fn *fn;
	void		*ctx;
};

static int
exp_sink(void *ctx, sqlite3_stmt *st, const struct store_site *site,
    const struct store_list_row *row)
{
	struct exp_fn *f = ctx;
	struct store_experiment e;

	(void)row;
	store_experiment_read(st, &e);
	return f->fn(f->ctx, &e, site);
}

static int
fast_rows(struct store *s, enum store_rows which, store_experiment_fn *fn,
    void *ctx, bool *done)
{
	struct exp_fn f = { fn, ctx };

	*done = false;
	return s->views ? 0 : store_exp_rows(s, which, exp_sink, &f, done);
}

int
store_experiments_each(struct store *s, store_experiment_fn *fn, void *ctx)
{
	bool done;
	int rc = fast_rows(s, STORE_ROWS_ALL, fn, ctx, &done);

	if (done || rc < 0)
		return rc;
	return experiments_iterate(s, STMT_EXP_EACH, sql_exp_each, fn, ctx);
}

/* The view's rows, the diverged ones only (a WHERE could order ties anew). */
struct only_diverged {
	store_experiment_fn *fn;
	void		*ctx;
};

static int
if_diverged(void *ctx, const struct store_experiment *e,
    const struct store_site *site)
{
	struct only_diverged *d = ctx;

	return e->diverged ? d->fn(d->ctx, e, site) : 0;
}

int
store_diverged_each(struct store *s, store_experiment_fn *fn, void *ctx)
{
	struct only_diverged d = { fn, ctx };
	bool done;
	int rc = fast_rows(s, STORE_ROWS_DIVERGED, if_diverged, &d, &done);

	if (done || rc < 0)
		return rc;
	return experiments_iterate(s, STMT_EXP_EACH, sql_exp_each, if_diverged,
	    &d);
}

int
store_bugs_each(struct store *s, store_experiment_fn *fn, void *ctx)
{
	bool done;
	int rc = fast_rows(s, STORE_ROWS_BUGS, fn, ctx, &done);

	if (done || rc < 0)
		return rc;
	return experiments_iterate(s, STMT_BUGS_EACH, sql_bugs_each, fn, ctx);
}

void
store_read_views(struct store *s, bool views)
{
	s->views = views;
}

/* Every verdict, in rank order, with its number of experiments. */
#define VERDICT_COUNTS							\
	"SELECT v.name AS name, count(e.id) AS n FROM verdict_codes v "	\
	"LEFT JOIN experiments e ON e.verdict = v.name "		\
	"GROUP BY v.name ORDER BY v.rank"

int
store_verdict_counts(struct store *s, store_count_fn *fn, void *ctx)
{
	sqlite3_stmt *st;
	int rc;

	rc = store_stmt(s, STMT_VERDICT_COUNTS, VERDICT_COUNTS, &st);
	if (rc < 0)
		return rc;
	while ((rc = store_step(s, st)) == 1) {
		rc = fn(ctx, store_col_text(st, 0),
		    sqlite3_column_int64(st, 1));
		if (rc != 0)
			break;
	}
	store_stmt_done(s, STMT_VERDICT_COUNTS, st);
	return rc;
}

int
store_inconclusive_get(struct store *s, struct store_inconclusive *c)
{
	sqlite3_stmt *st;
	bool done;
	int rc;

	memset(c, 0, sizeof(*c));
	rc = store_stats_inconclusive(s, c, &done);
	if (done || rc < 0)
		return rc;
	rc = store_stmt(s, STMT_INCONCLUSIVE, STORE_INCONCLUSIVE_SELECT, &st);
	if (rc < 0)
		return rc;
	rc = store_step(s, st);
	if (rc == 1) {
		c->experiments = sqlite3_column_int64(st, 0);
		c->total = sqlite3_column_int64(st, 1);
		c->unreached = sqlite3_column_int64(st, 2);
		c->not_judged = sqlite3_column_int64(st, 3);
		c->diverged = sqlite3_column_int64(st, 4);
		c->reordered = sqlite3_column_int64(st, 5);
		rc = 0;
	}
	store_stmt_done(s, STMT_INCONCLUSIVE, st);
	return rc;
}

/* The bit of one verdict name (1 << rank), or -EINVAL if unknown. */
static int
verdict_bit(struct store *s, const char *name, int64_t *bit)
{
	sqlite3_stmt *st;
	int brc = SQLITE_OK;
	int64_t rank = 0;
	int rc;

	rc = store_stmt(s, STMT_VERDICT_RANK,
	    "SELECT rank FROM verdict_codes WHERE name = ?1", &st);
	if (rc < 0)
		return rc;
	store_bind_text(st, 1, name, &brc);
	rc = brc != SQLITE_OK ? store_rc(s, brc) : store_step(s, st);
	if (rc == 1)
		rank = sqlite3_column_int64(st, 0);
	store_stmt_done(s, STMT_VERDICT_RANK, st);
	if (rc == 0)
		return store_fail(s, -EINVAL, "unknown verdict '%s'", name);
	if (rc < 0)
		return rc;
	if (rank < 0 || rank > 62)
		return store_fail(s, -EINVAL, "verdict '%s' has rank %lld",
		    name, (long long)rank);
	*bit = (int64_t)1 << rank;
	return 0;
}

/* Trim spaces around [*start, end) in place, NUL-terminating it. */
static char *
trim(char *start, char *end)
{
	while (start < end && *start == ' ')
		start++;
	while (end > start && end[-1] == ' ')
		end--;
	*end = '\0';
	return start;
}

/* The comma-separated verdict names in list as a bit mask. */
static int
verdict_mask(struct store *s, char *list, int64_t *mask)
{
	char *name;
	char *end;
	int64_t bit = 0;
	bool last;
	int rc;

	*mask = 0;
	for (;;) {
		end = strchr(list, ',');
		last = !end;
		if (last)
			end = list + strlen(list);
		name = trim(list, end);
		if (*name == '\0')
			return store_fail(s, -EINVAL, "empty verdict name");
		rc = verdict_bit(s, name, &bit);
		if (rc < 0)
			return rc;
		*mask |= bit;
		if (last)
			return 0;
		list = end + 1;
	}
}

int
store_count_verdicts(struct store *s, const char *verdicts, int64_t *n)
{
	sqlite3_stmt *st;
	int64_t mask;
	int brc = SQLITE_OK;
	char *list;
	int rc;

	*n = 0;
	list = strdup(verdicts ? verdicts : "");
	if (!list)
		return store_fail(s, -ENOMEM, "out of memory");
	rc = verdict_mask(s, list, &mask);
	free(list);
	if (rc < 0)
		return rc;
	rc = store_stmt(s, STMT_VERDICT_MASK,
	    "SELECT count(*) FROM experiments e "
	    "JOIN verdict_codes v ON v.name = e.verdict "
	    "WHERE (?1 >> v.rank) & 1", &st);
	if (rc < 0)
		return rc;
	store_bind_i64(st, 1, mask, &brc);
	rc = brc != SQLITE_OK ? store_rc(s, brc) : store_step(s, st);
	if (rc == 1) {
		*n = sqlite3_column_int64(st, 0);
		rc = 0;
	}
	store_stmt_done(s, STMT_VERDICT_MASK, st);
	return rc;
}

/*
 * JSON.  A value from a subquery loses its JSON subtype, so every nested
 * array or object goes through json() to stay JSON instead of becoming a
 * quoted string.  Call-site ids are 64-bit hashes, beyond the 2^53 a
 * JavaScript number holds: they are strings (STORE_JSON_ID).
 */
#define EXP_JSON	STORE_EXP_JSON
#define EXPS_JSON(view)	"SELECT json_group_array(" EXP_JSON ") FROM " view
#define COUNTS_JSON							\
	"SELECT json_group_object(name, n) FROM (" VERDICT_COUNTS ")"
#define ORACLES_JSON							\
	"SELECT json_group_array(json_object('id', o.id, 'command', "	\
	"o.command, 'file', o.file, 'sha256', o.sha256, 'experiments', "\
	"(SELECT count(*) FROM experiments e WHERE e.oracle_id = o.id))) "\
	"FROM (SELECT * FROM oracles ORDER BY id) o WHERE EXISTS "	\
	"(SELECT 1 FROM experiments e "					\
	"WHERE e.oracle_id = o.id)"
#define REPORT_HEAD_JSON						\
	"'version', ?1, "						\
	"'oracles', json((" ORACLES_JSON ")), "				\
	"'mixed_oracles', json(CASE WHEN (SELECT count(DISTINCT oracle_id) "\
	"FROM experiments) > 1 THEN 'true' ELSE 'false' END), "		\
	"'counts', json((" COUNTS_JSON ")), "				\
	"'not_explored', (SELECT count(*) FROM skipped), "		\
	"'diverged', (SELECT count(*) FROM experiments WHERE diverged), "\
	"'reordered', (SELECT count(*) FROM experiments "		\
	"WHERE divergence_kind = 'reordered'), "				\
	"'inconclusive', json(" STORE_INCONCLUSIVE_JSON "), "		\
	"'groups', json((SELECT " STORE_BUG_GROUPS_JSON "))"
#define SKIPPED_JSON							\
	"json_object('site', site, 'seq', seq, "				\
	"'syscall', syscall, 'path', path, 'key', key, "		\
	"'callsite', " STORE_JSON_ID("callsite") ", "			\
	"'location', badio_location(callsite), "			\
	"'fault', fault, 'reason', reason)"

/* all_rows: every experiment in site order; else only bugs, by file. */
int
store_experiments_json(struct store *s, bool all_rows, char **json)
{
	if (all_rows)
		return store_json_query(s, STMT_EXP_JSON_ALL,
		    EXPS_JSON("verdicts"), json);
	return store_json_query(s, STMT_EXP_JSON_BUGS, EXPS_JSON("bugs"),
	    json);
}

/* The rows of one array member of the report: ,"name":[row,row...] */
struct json_rows {
	store_text_fn	*fn;
	void		*ctx;
	uint64_t	n;
};

static int
json_row(void *ctx, const char *text, size_t len)
{
	struct json_rows *r = ctx;
	int rc = r->n++ ? r->fn(r->ctx, ",", 1) : 0;

	return rc ? rc : r->fn(r->ctx, text, len);
}

static int
json_text(store_text_fn *fn, void *ctx, const char *text)
{
	return fn(ctx, text, strlen(text));
}

static int
json_member_rows(struct store *s, const char *member, enum store_stmt_id id,
    const char *sql, store_text_fn *fn, void *ctx)
{
	struct json_rows r = { fn, ctx, 0 };
	int rc = json_text(fn, ctx, member);

	if (rc == 0)
		rc = store_text_rows(s, id, sql, json_row, &r);
	return rc ? rc : json_text(fn, ctx, "]");
}

/*
 * The report as one JSON object in pieces, each a few kilobytes at most
 * but for one row's: the summary first (everything but the arrays of
 * experiments, a few rows per call site), then one experiment per piece.
 * 1M experiments as one json_object took 1.9 GB (4.6 GB with all).
 */
int
store_report_json_head(struct store *s, const char *version, const char *lead,
    store_text_fn *fn, void *ctx)
{
	char *head;
	size_t len;
	int rc;

	rc = store_json_query_text(s, STMT_REPORT_HEAD_JSON,
	    "SELECT json_object(" REPORT_HEAD_JSON ")", version, &head);
	if (rc < 0)
		return rc;
	len = strlen(head);
	/* "{...}": the members go out without the closing brace */
	if (len < 2 || head[0] != '{' || head[len - 1] != '}')
		rc = store_fail(s, -EIO, "report summary is not an object");
	if (rc == 0)
		rc = json_text(fn, ctx, "{");
	if (rc == 0 && lead && *lead)
		rc = json_text(fn, ctx, lead);
	if (rc == 0)
		rc = fn(ctx, head + 1, len - 2);
	free(head);
	return rc;
}

int
store_report_json_skipped(struct store *s, store_text_fn *fn, void *ctx)
{
	return json_member_rows(s, ",\"not_explored_experiments\":[",
	    STMT_REPORT_SKIPPED_ROWS, "SELECT " SKIPPED_JSON
	    " FROM not_explored", fn, ctx);
}

int
store_report_json_each(struct store *s, const char *version, const char *lead,
    bool all, store_text_fn *fn, void *ctx)
{
	int rc = store_report_json_head(s, version, lead, fn, ctx);

	if (rc == 0)
		rc = json_member_rows(s, ",\"bugs\":[", STMT_REPORT_BUGS_ROWS,
		    "SELECT " EXP_JSON " FROM bugs", fn, ctx);
	if (rc == 0 && all)
		rc = json_member_rows(s, ",\"experiments\":[",
		    STMT_REPORT_EXPS_ROWS, "SELECT " EXP_JSON " FROM verdicts",
		    fn, ctx);
	if (rc == 0 && all)
		rc = store_report_json_skipped(s, fn, ctx);
	return rc ? rc : json_text(fn, ctx, "}");
}

/* The pieces gathered into one malloc'd text. */
struct json_gather {
	char	*p;
	size_t	len, cap;
};

static int
gather(void *ctx, const char *text, size_t len)
{
	struct json_gather *g = ctx;

	if (g->len + len + 1 > g->cap) {
		size_t cap = g->cap ? g->cap : 4096;
		char *p;

		while (cap < g->len + len + 1)
			cap *= 2;
		p = realloc(g->p, cap);
		if (!p)
			return -ENOMEM;
		g->p = p;
		g->cap = cap;
	}
	memcpy(g->p + g->len, text, len);
	g->len += len;
	g->p[g->len] = '\0';
	return 0;
}

static int
report_gathered(struct store *s, const char *version, bool all, char **json)
{
	struct json_gather g = { NULL, 0, 0 };
	int rc = store_report_json_each(s, version, NULL, all, gather, &g);

	if (rc == -ENOMEM)
		rc = store_fail(s, -ENOMEM, "out of memory");
	if (rc < 0) {
		free(g.p);
		g.p = NULL;
	}
	*json = g.p;
	return rc;
}

/* {"version", "counts": {verdict: n, ...}, ..., "bugs": [...]} */
int
store_report_json(struct store *s, const char *version, char **json)
{
	return report_gathered(s, version, false, json);
}

/* store_report_json() plus "experiments": every experiment. */
int
store_report_all_json(struct store *s, const char *version, char **json)
{
	return report_gathered(s, version, true, json);
}
