/*
 * store_int.h - private to store/: the connection, the statement cache
 * and the helpers every .c file of store/ shares.  Nothing outside store/
 * includes this file.
 */
#ifndef BADIO_STORE_STORE_INT_H
#define BADIO_STORE_STORE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store/store.h"

/* PRAGMA application_id of every badio database: 0x62616469, "badi". */
#define STORE_APPLICATION_ID	1650549865
#define STORE_BUSY_TIMEOUT_MS	5000
#define STORE_ERRMSG_SIZE	512
/* Frames of one call site and bytes of a module name read back. */
#define STORE_FRAMES_MAX_SQL	"256"
#define STORE_MODULE_MAX_SQL	"4096"

/*
 * Cached statements, one per SQL text.  Each is prepared on first use by
 * store_stmt() and kept until store_close(); the SQL lives next to the
 * code that runs it.
 */
enum store_stmt_id {
	STMT_BEGIN,		/* BEGIN IMMEDIATE (read-write) */
	STMT_BEGIN_READ,	/* BEGIN (read-only) */
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_META_SET,
	STMT_META_GET,
	STMT_JSON_APPEND,	/* json_insert(array, '$[#]', value) */
	STMT_JSON_STRINGS,	/* json_each over a bound array */
	STMT_REC_ADD,
	STMT_REC_FINISH,
	STMT_REC_GET,
	STMT_REC_STDIN,
	STMT_INIT_PUT,		/* the --init snapshot (migration 7) */
	STMT_REC_PIDNS,		/* migration 9 */
	STMT_SITE_ADD,
	STMT_SITE_NEXT_ID,	/* strings.c (migration 16) */
	STMT_STRING_FIND,
	STMT_STRING_ADD,
	STMT_SITES_EACH,
	STMT_SITES_JSON,
	STMT_SITES_STACKS_JSON,
	STMT_EXP_PUT,
	STMT_EXP_DONE,
	STMT_EXP_VERDICT,
	STMT_EXP_VERDICT_STATE,	/* migration 15 */
	STMT_EXP_STATES,
	STMT_EXP_CLEAR,
	STMT_EXP_EACH,
	STMT_BUGS_EACH,
	STMT_EXP_JSON_ALL,
	STMT_EXP_JSON_BUGS,
	STMT_VERDICT_COUNTS,
	STMT_VERDICT_RANK,
	STMT_VERDICT_MASK,
	STMT_REPORT_HEAD_JSON,	/* the report's JSON, streamed */
	STMT_REPORT_BUGS_ROWS,
	STMT_REPORT_EXPS_ROWS,
	STMT_REPORT_SKIPPED_ROWS,
	STMT_INCONCLUSIVE,
	STMT_CALLSITE_ADD,
	STMT_FRAME_ADD,
	STMT_FRAMES_GET,
	STMT_SKIPPED_PUT,	/* skipped.c (migration 3) */
	STMT_SKIPPED_CLEAR,
	STMT_SKIPPED_COUNT,
	STMT_SKIPPED_EACH,
	STMT_HTML_SUMMARY,	/* html.c: the HTML report's data */
	STMT_HTML_STRINGS,
	STMT_HTML_SITES,
	STMT_HTML_EXPERIMENTS,
	STMT_HTML_CALLSITES,
	STMT_HTML_SKIPPED,
	STMT_BUNDLE_ADD,	/* bundle.c (migration 12) */
	STMT_BUNDLE_LIST,
	STMT_BUNDLE_RESERVE,
	STMT_CALLSITE_MODULES,
	STMT_ORACLE_FIND,	/* oracles.c (migration 14) */
	STMT_ORACLE_ADD,
	STMT_ORACLES_EACH,
	STMT_ORACLE_COUNTS,
	STMT_COUNT
};

struct store {
	sqlite3		*db;
	enum store_mode	mode;
	sqlite3_stmt	*stmts[STMT_COUNT];	/* cache, see store_stmt() */
	char		errmsg[STORE_ERRMSG_SIZE];	/* "" when none */
	bool		html_strings;	/* html.c made its TEMP table */
	int		lock_fd;	/* STORE_WRITE's flock (lock.c), or -1 */
	bool		immutable;	/* STORE_READ on read-only media */
	struct store_strings *strings;	/* strings.c's cache, or NULL */
	bool		views;		/* store_read_views(): no fast paths */
	struct store_stats *stats;	/* stats.c's counts, or NULL */
	bool		stats_failed;	/* the table is not as badio writes it */
};

/* store.c: errors */
int	store_rc(struct store *s, int sqlite_rc);
int	store_fail(struct store *s, int err, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* store.c: the message of a failure without a struct store */
char	*store_open_errmsg(void);	/* STORE_ERRMSG_SIZE bytes */
void	store_open_errmsg_set(const char *msg);

/* lock.c: the exclusive lock of STORE_WRITE, into s->lock_fd */
int	store_lock_take(struct store *s, const char *path);

/* store.c: statements */
int	store_stmt(struct store *s, enum store_stmt_id id, const char *sql,
	    sqlite3_stmt **stp);
void	store_stmt_done(struct store *s, enum store_stmt_id id,
	    sqlite3_stmt *st);
int	store_step(struct store *s, sqlite3_stmt *st);
int	store_step_once(struct store *s, enum store_stmt_id id, sqlite3_stmt *st,
	    int brc);
int	store_exec(struct store *s, const char *sql);
int	store_text_dup(struct store *s, sqlite3_stmt *st, int col, char **out);
int	store_text_rows(struct store *s, enum store_stmt_id id,
	    const char *sql, store_text_fn *fn, void *ctx);
int	store_json_query(struct store *s, enum store_stmt_id id,
	    const char *sql, char **json);
/* The same with ?1 bound to text. */
int	store_json_query_text(struct store *s, enum store_stmt_id id,
	    const char *sql, const char *p1, char **json);
/* A 64-bit id column as a JSON string (NULL stays null). */
#define STORE_JSON_ID(col)	"CAST(" col " AS TEXT)"

/*
 * Binding helpers: each does nothing once *rc is not SQLITE_OK, so a
 * run of binds is checked once at the end.  Text is bound SQLITE_STATIC:
 * the caller's strings must outlive the step, which they do because
 * store_stmt_done() clears the bindings.
 */
void	store_bind_i64(sqlite3_stmt *st, int i, int64_t v, int *rc);
void	store_bind_i64_or_null(sqlite3_stmt *st, int i, int64_t v, bool null,
	    int *rc);
void	store_bind_text(sqlite3_stmt *st, int i, const char *v, int *rc);
void	store_bind_blob(sqlite3_stmt *st, int i, const void *v, size_t len,
	    int *rc);

/* Column readers: NULL reads as the given default. */
int64_t	store_col_i64(sqlite3_stmt *st, int col, int64_t if_null);
const char *store_col_text(sqlite3_stmt *st, int col);

/* schema.c */
/* Large values (recordings.c): fd's bytes into a zeroblob, and out. */
int	store_blob_length(struct store *s, int fd, int64_t *len,
	    const char *what);
int	store_blob_fill(struct store *s, const char *table, const char *column,
	    int64_t rowid, int fd, int64_t len, const char *what);
int	store_blob_dump(struct store *s, const char *table, const char *column,
	    int64_t rowid, int fd, const char *what);

int	schema_latest(void);
const char *schema_migration_sql(int version);
int	schema_identify(struct store *s, int *version);
int	schema_migrate(struct store *s);

/* strings.c: string ids (migration 16) and the next site id */
int	store_string_id(struct store *s, const char *text, int64_t *id);
void	store_strings_forget(struct store *s);
void	store_strings_free(struct store *s);
int	store_site_next_id(struct store *s, int64_t *id);
void	store_site_added(struct store *s, bool ok);

/* sites.c: the site columns, in struct store_site order, and their reader */
#define STORE_SITE_COLUMNS(a)						\
	a "id, " a "recording, " a "seq, " a "pid, " a "tid, "		\
	a "syscall, " a "family, " a "fd, " a "path, " a "path2, "	\
	a "kind, " a "offset, " a "count, " a "result, " a "append, "	\
	a "t_ns, " a "crc32, " a "crc_bytes, " a "key, " a "key_path, "	\
	a "ordinal, " a "callsite, " a "flags, " a "offset2, " a "mapped, " \
	a "creates, " a "process, " a "thread, " a "xxh3"
void	store_site_read(sqlite3_stmt *st, int col, struct store_site *site);

/*
 * listing.c: site_rows read directly, its texts from strings loaded
 * once (see there); exp_rows.c reads experiments with it.
 */
#define STORE_ROW_COLUMNS(a)						\
	a "id, " a "recording, " a "dseq, " a "pid, " a "tid, "		\
	a "process, " a "thread, " a "syscall, " a "family, " a "fd, "	\
	a "path, " a "path2, " a "kind, " a "offset, " a "count, "	\
	a "result, " a "append, " a "t_ns, " a "crc32, " a "crc_bytes, " \
	a "xxh3, " a "ordinal, " a "callsite, " a "flags, " a "offset2, " \
	a "mapped, " a "creates, " a "key_path, " a "key"
#define STORE_ROW_NCOLUMNS	29
struct text {
	const char	*p;		/* NULL: no such id */
	size_t		len;
};
struct lister {
	struct store	*s;
	struct text	*texts;		/* by string id */
	size_t		ntexts;
	char		*arena;
	char		*key;		/* the key the view would make */
	size_t		keycap;
};
/* A row of site_rows: each column's type and integer, read once. */
struct raw {
	int		type[STORE_ROW_NCOLUMNS];
	int64_t		v[STORE_ROW_NCOLUMNS];
};
/* strings into l->texts: 1 done, 0 too big or not plain text, < 0 error */
int	store_lister_texts(struct lister *l);
void	store_lister_free(struct lister *l);
/* STORE_ROW_COLUMNS from column col0 of st */
void	store_raw_read(sqlite3_stmt *st, int col0, struct raw *w);
/* as the recorder writes it: else read the site from the view */
bool	store_raw_plain(const struct raw *w);
/* a plain row as the view shows it (texts valid until the next row) */
int	store_raw_site(struct lister *l, const struct raw *w,
	    struct store_list_row *r);
/* experiments.c: the columns of struct store_experiment, from column 0 */
#define STORE_EXP_COLUMNS(a)						\
	a "id, " a "site, " a "fault, " a "injected, " a "fault_bytes, " \
	a "status, " a "duration_ns, " a "oracle_exit, " a "verdict, "	\
	a "prog_tail, " a "oracle_tail, " a "diverged, " a "divergence, " \
	a "divergence_kind, " a "oracle_id, " a "prog_last, " a "state, " \
	a "last_sync, " a "unsynced"
#define STORE_EXP_NCOLUMNS	19
void	store_experiment_read(sqlite3_stmt *st, struct store_experiment *e);
/*
 * One row of the views verdicts and bugs as the report's JSON object
 * (tools/report_json.c makes the same in C).
 */
#define JSON_BOOL(col)	"json(CASE WHEN " col " THEN 'true' ELSE 'false' END)"
#define STORE_EXP_JSON							\
	"json_object('experiment', experiment, 'site', site, 'seq', seq, "\
	"'pid', pid, 'tid', tid, 'process', process, 'thread', thread, "\
	"'syscall', syscall, 'family', family, "				\
	"'fd', fd, 'path', path, 'path2', path2, 'kind', kind, "	\
	"'offset', offset, 'count', count, 'result', result, 'key', key, "\
	"'callsite', " STORE_JSON_ID("callsite") ", "			\
	"'location', badio_location(callsite), "			\
	"'fault', fault, 'injected', " JSON_BOOL("injected") ", "	\
	"'fault_bytes', fault_bytes, 'status', status, "		\
	"'duration_ns', duration_ns, 'oracle_exit', oracle_exit, "	\
	"'verdict', verdict, 'diverged', " JSON_BOOL("diverged") ", "	\
	"'divergence', divergence, 'divergence_kind', divergence_kind, "\
	"'prog_tail', prog_tail, 'prog_last', prog_last, "		\
	"'oracle_id', oracle_id, 'oracle', oracle, "			\
	"'oracle_tail', oracle_tail, 'state', state, "			\
	"'last_sync', last_sync, 'unsynced', unsynced)"

/*
 * stats.c: store_verdict_counts_by_oracle and store_inconclusive_get
 * from one scan of experiments, kept by a read-only handle; *done false
 * when the SQL must count.
 */
struct store_stats;
int	store_stats_by_oracle(struct store *s, store_oracle_count_fn *fn,
	    void *ctx, bool *done);
int	store_stats_inconclusive(struct store *s, struct store_inconclusive *c,
	    bool *done);
void	store_stats_free(struct store *s);

/*
 * exp_rows.c: store_experiments_each (bugs: store_bugs_each) from the
 * tables; *done false (and nothing given to fn) when only the views can
 * give their order.
 */
enum store_rows { STORE_ROWS_ALL, STORE_ROWS_DIVERGED, STORE_ROWS_BUGS };
/*
 * st's current row holds STORE_EXP_COLUMNS from column 0; its site,
 * and row: the site as site_rows holds it (NULL: read from the view).
 */
typedef int store_exp_sink(void *ctx, sqlite3_stmt *st,
	    const struct store_site *site, const struct store_list_row *row);
int	store_exp_rows(struct store *s, enum store_rows which,
	    store_exp_sink *fn, void *ctx, bool *done);

/*
 * sites.c, listing.c: one JSON object per site of the view sites.
 * Booleans are JSON true/false; absent values are null, as in the table.
 */
#define STORE_SITE_JSON_FIELDS						\
	"'id', id, 'seq', seq, 'pid', pid, 'tid', tid, 'process', process, " \
	"'thread', thread, 'syscall', syscall, "				\
	"'family', family, 'fd', fd, 'path', path, 'path2', path2, "	\
	"'kind', kind, 'offset', offset, 'count', count, 'result', result, " \
	"'append', json(CASE WHEN append THEN 'true' ELSE 'false' END), " \
	"'t_ns', t_ns, 'crc32', crc32, 'xxh3', xxh3, 'crc_bytes', crc_bytes, " \
	"'key', key, "							\
	"'callsite', " STORE_JSON_ID("callsite") ", 'flags', flags, "	\
	"'offset2', offset2, "						\
	"'mapped', json(CASE WHEN mapped THEN 'true' ELSE 'false' END), " \
	"'creates', creates"

/*
 * location.c: the bugs grouped by (call site, path, verdict, crash
 * state) as one JSON array, worst verdict first, for the report JSON.
 * Faults are listed in fault-table order, sites in seq order; last_sync
 * is that of the first site (min(seq) makes the bare column its row's).
 */
#define STORE_FAULT_RANK(col)						\
	"CASE " col " WHEN 'short' THEN 1 WHEN 'torn' THEN 2 "		\
	"WHEN 'eio' THEN 3 WHEN 'enospc' THEN 4 ELSE 5 END"
#define STORE_BUG_GROUPS_JSON						\
	"json_group_array(json_object('callsite', "			\
	STORE_JSON_ID("callsite") ", "					\
	"'location', badio_location(callsite), 'path', path, "		\
	"'verdict', verdict, 'faults', json(faults), 'state', state, "	\
	"'last_sync', last_sync, "					\
	"'sites', json(sites), 'experiments', n, 'diverged', nd)) FROM ("\
	"SELECT b.callsite AS callsite, b.path AS path, "		\
	"b.verdict AS verdict, json_group_array(DISTINCT b.fault) AS faults, "\
	"b.state AS state, b.last_sync AS last_sync, "			\
	"json_group_array(DISTINCT b.site) AS sites, count(*) AS n, "	\
	"sum(b.diverged) AS nd, min(b.seq) AS first, v.rank AS rank "	\
	"FROM (SELECT * FROM bugs ORDER BY " STORE_FAULT_RANK("fault")	\
	", seq) b JOIN verdict_codes v ON v.name = b.verdict "		\
	"GROUP BY b.callsite, b.path, b.verdict, b.state "		\
	"ORDER BY rank, first)"

/*
 * experiments.c: the experiments that tell nothing about their site
 * (struct store_inconclusive), as one JSON object for the report JSON
 * and the HTML summary.
 */
#define STORE_INCONCLUSIVE_SELECT					\
	"SELECT count(*) AS experiments, "				\
	"coalesce(sum(NOT e.injected OR NOT v.judged OR e.diverged), 0) "\
	"AS total, coalesce(sum(NOT e.injected), 0) AS unreached, "	\
	"coalesce(sum(e.injected AND NOT v.judged), 0) AS not_judged, "	\
	"coalesce(sum(e.injected AND v.judged AND e.diverged), 0) "	\
	"AS diverged, coalesce(sum(e.divergence_kind = 'reordered'), 0) "\
	"AS reordered FROM experiments e "				\
	"JOIN verdict_codes v ON v.name = e.verdict"
#define STORE_INCONCLUSIVE_JSON						\
	"(SELECT json_object('experiments', experiments, 'total', total, "\
	"'unreached', unreached, 'not_judged', not_judged, "		\
	"'diverged', diverged) FROM (" STORE_INCONCLUSIVE_SELECT "))"

#endif /* BADIO_STORE_STORE_INT_H */
