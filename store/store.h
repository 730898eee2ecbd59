/*
 * store.h - the public contract of badio's database.
 *
 * The store is the only code that speaks SQL.  It knows nothing of ptrace
 * or of the CLI: it defines its own row structs, returns 0 or -errno, and
 * keeps the last SQLite message for store_errmsg().  All writes go through
 * prepared statements with bound parameters, in WAL mode; the schema is
 * created and migrated through PRAGMA user_version and identified by
 * PRAGMA application_id (docs/schema.md documents every table).
 *
 * Lifecycle:
 *   1. store_open(&s, path, mode): STORE_CREATE makes a new database
 *      (-EEXIST if the file exists; the caller removes it for --force),
 *      STORE_WRITE and STORE_READ open an existing one and refuse a file
 *      that is not badio's (-ENOTSUP) or is corrupt (-EBADMSG).
 *      STORE_WRITE is exclusive: one writer per database, held until
 *      store_close() (an flock, store/lock.c), -EBUSY for a second one.
 *      STORE_READ works on read-only media too;
 *   2. store_begin / store_commit / store_rollback group writes;
 *   3. store_close(s).
 *
 * Errors: functions return 0 or -errno, never print and never exit.
 * store_errmsg(s) is a one-line detail of the last failure (SQLite's
 * message or the store's own).  A failed store_open() sets *sp to NULL;
 * store_errmsg(NULL) then returns that failure's detail (kept per
 * thread), as for the functions that take no struct store
 * (store_install, store_check_unlocked).  Errnos with a fixed meaning:
 *   -EEXIST	STORE_CREATE and the file exists
 *   -ENOTSUP	not a badio database ("not a badio database")
 *   -EBADMSG	a badio/SQLite file that SQLite finds damaged
 *   -EPROTO	written by a newer badio (or, for STORE_READ, by an older
 *		one: only STORE_WRITE migrates)
 *   -EBUSY	STORE_WRITE (or store_install) while another process
 *		holds the database for writing (the message names its pid);
 *		or locked by another process beyond the 5 s busy timeout
 *   -EROFS	STORE_WRITE of a database on a read-only file system (the
 *		messages say which file or directory cannot be written)
 *   -EINVAL	a value the schema refuses (unknown code, missing site),
 *		or a transaction misuse (begin inside one, commit outside)
 *   -ENOSPC, -EROFS, -EACCES, -ENOENT, -ENOMEM, -EIO as usual
 * Transactions do not nest; writes outside one commit one by one.
 */
#ifndef BADIO_STORE_STORE_H
#define BADIO_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A text handed out row by row: len bytes, not NUL-terminated beyond them. */
typedef int store_text_fn(void *ctx, const char *text, size_t len);

struct store;

enum store_mode {
	STORE_CREATE,		/* new file; fails with -EEXIST if it exists */
	STORE_WRITE,		/* existing badio database, read-write */
	STORE_READ,		/* existing badio database, read-only */
};

int		store_open(struct store **sp, const char *path, enum store_mode mode);
/*
 * Put the database made under the name tmp in place of db (rename),
 * removing db's old -wal and -shm first.  -EBUSY, db untouched, while
 * another process has db open with STORE_WRITE.
 */
int		store_install(const char *tmp, const char *db);
/* 0 if db is absent or not opened with STORE_WRITE by anyone; -EBUSY. */
int		store_check_unlocked(const char *db);
void		store_close(struct store *s);
const char	*store_errmsg(const struct store *s);	/* detail of the last error */
int		store_begin(struct store *s);
int		store_commit(struct store *s);
int		store_rollback(struct store *s);

/* One recording: how the program was run.  A database holds one. */
struct store_recording {
	int64_t		id;
	const char	*exe;		/* resolved executable */
	char		**argv;		/* NULL-terminated */
	char		**envp;		/* NULL-terminated: the environment PROG got */
	const char	*init_dir;	/* --init DIR as given, or NULL */
	/*
	 * The snapshot of DIR (store_recording_init_put/_get; ignored by
	 * store_recording_add): its format, "tar" or "badio-snap1" (badio's
	 * own, before schema 7: the explorer converts it), NULL if none;
	 * its size uncompressed and as stored.
	 */
	const char	*init_format;
	int64_t		init_size;
	int64_t		init_bytes;
	int64_t		start_unix_ns;
	/* Until store_recording_finish(), status is NULL, exit_code -1, and
	 * duration_ns, sites and files 0 (the columns are NULL). */
	int64_t		duration_ns;
	const char	*status;	/* "exit:N", "signal:NAME", "interrupted" */
	int		exit_code;	/* badio's exit status for this run (N or 128+sig) */
	bool		deterministic;	/* ASLR off + fixed environment */
	bool		trace_close;	/* close sites were recorded (record --close) */
	const char	*version;	/* badio version */
	const char	*kernel;	/* uname -r */
	int64_t		sites;		/* number of sites */
	int64_t		files;		/* distinct regular-file paths touched */
	const void	*stdin_data;	/* what PROG read on stdin, if captured */
	size_t		stdin_len;
	bool		has_stdin;	/* false: explore gives /dev/null */
	/* determinism (migration 9) */
	bool		has_seed;	/* false: real randomness (seed NULL) */
	uint64_t	seed;
	int		pidns;		/* read only: 1, 0, or -1 not asked (NULL);
					 * see store_recording_set_pidns() */
	bool		has_clock;	/* false: real time (clock_ns NULL) */
	int64_t		clock_ns;	/* the virtual clock's start (migration 16) */
	int		callsite_scheme; /* how sites.callsite was made (the
					 * recorder's REC_CALLSITE_SCHEME); 0:
					 * unknown, an older badio's */
};

/*
 * Add the recording row; *id (if not NULL) gets its id.  With status
 * NULL the status fields are left NULL for store_recording_finish() to
 * fill.  The --init snapshot is stored apart, store_recording_init_put.
 */
int	store_recording_add(struct store *s, const struct store_recording *r,
	    int64_t *id);
int	store_recording_finish(struct store *s, int64_t id, int64_t duration_ns,
	    const char *status, int exit_code, int64_t sites, int64_t files);
/*
 * Load the recording (not its snapshot: store_recording_init_get).
 * Strings, argv, envp and stdin are owned by the store until
 * store_recording_release().
 */
int	store_recording_get(struct store *s, struct store_recording *r);
/* Whether PROG ran in its own PID namespace (recordings.pidns). */
int	store_recording_set_pidns(struct store *s, int64_t id, bool pidns);
/* Keep PROG's stdin (compressed) with the recording. */
int	store_recording_set_stdin(struct store *s, int64_t id, const void *data,
	    size_t len);
void	store_recording_release(struct store_recording *r);
/*
 * The --init snapshot, an archive the explorer makes and reads: the
 * store only names its format and moves its bytes, in chunks (SQLite
 * incremental blob I/O), never holding it whole.  _put stores the
 * bytes of fd, from offset 0 to its size, as recording id's snapshot
 * (format "tar"; size: uncompressed, for information), replacing any;
 * -EFBIG over SQLite's value limit (1 GB by default).  _get appends
 * them to fd at its offset.
 */
int	store_recording_init_put(struct store *s, int64_t id, const char *format,
	    int fd, int64_t size);
int	store_recording_init_get(struct store *s, int64_t id, int fd);

/*
 * The program's own files (record --bundle; store/bundle.c): the
 * manifest, one row per file, and the archive of those stored (an
 * explorer format, like the init snapshot).  role: "exe" (PROG), "interp"
 * (its ELF interpreter), "lib" (a shared library it loaded), "needed"
 * (not stored: must be installed where explore runs; size -1).  soname:
 * the name a library is loaded by when it is not its file's, or NULL.
 * Listing copies at most 4096 rows, each text cut at 4096 bytes.
 */
struct store_bundle_file {
	const char	*path;		/* absolute, canonical, as recorded */
	const char	*role;
	const char	*soname;
	int64_t		size;		/* -1: not stored */
	uint32_t	crc32;		/* zlib crc32 of the bytes */
};
int	store_bundle_add(struct store *s, int64_t rec,
	    const struct store_bundle_file *f);
int	store_bundle_list(struct store *s, int64_t rec,
	    struct store_bundle_file **v, size_t *n);	/* *n = 0: none */
void	store_bundle_free(struct store_bundle_file *v, size_t n);
/* The archive (fd's bytes from offset 0; size uncompressed), and out. */
int	store_bundle_put(struct store *s, int64_t rec, int fd, int64_t size);
int	store_bundle_get(struct store *s, int64_t rec, int fd);
/* The distinct files named by call-site frames, NULL-terminated. */
int	store_callsite_modules(struct store *s, char ***modules, size_t *n);

/* One site, as the recorder saw it.  Text codes are the recorder's names. */
struct store_site {
	int64_t		id;		/* set by the store */
	int64_t		recording;
	int64_t		seq;
	int64_t		pid;
	int64_t		tid;
	const char	*syscall;	/* "write" */
	const char	*family;	/* "write", "sync", "namespace" */
	int64_t		fd;		/* -1: none (stored as NULL) */
	const char	*path;
	const char	*path2;		/* rename target, link source, symlink
					 * text, copy source; else NULL */
	const char	*kind;		/* "regular", "dir", "pipe", ... */
	int64_t		offset;		/* -1: none (NULL) */
	int64_t		count;		/* -1: none (NULL) */
	int64_t		result;
	bool		has_result;	/* false: result is NULL */
	bool		append;
	int64_t		t_ns;
	int64_t		crc32;		/* an older badio's CRC-32: meaningful when
					 * crc_bytes >= 0 and !has_xxh3 */
	int64_t		crc_bytes;	/* -1: no data (NULL crc32 and xxh3) */
	int64_t		xxh3;		/* XXH3-64 (the same 64 bits, signed) */
	bool		has_xxh3;	/* xxh3 is the checksum (schema 13 on) */
	const char	*key;		/* replay key text */
	const char	*key_path;	/* path part of the key */
	int64_t		ordinal;	/* ordinal part of the key */
	int64_t		callsite;	/* 0: unknown (NULL) */
	const char	*flags;		/* NULL: none */
	int64_t		offset2;	/* -1: none (NULL) */
	bool		mapped;		/* the file was mapped shared and writable */
	const char	*creates;	/* the name the call brought into
					 * existence, or NULL (migration 9) */
	int64_t		process;	/* creation number of the process, 1-based;
					 * 0: unknown (NULL) */
	int64_t		thread;		/* of the thread in its process; 0: NULL */
};

int	store_site_add(struct store *s, const struct store_site *site);

/*
 * Iterate sites in seq order.  The filter is NULL (all) or a
 * struct store_site_filter; fn gets rows whose strings live until it
 * returns.  A non-zero return from fn stops and is returned.
 */
struct store_site_filter {
	int64_t		id_min, id_max;	/* 0, 0 = any */
	const char	*syscall;	/* NULL = any */
	const char	*family;
	const char	*path_glob;	/* SQLite GLOB */
};
typedef int store_site_fn(void *ctx, const struct store_site *site);
int	store_sites_each(struct store *s, const struct store_site_filter *f,
	    store_site_fn *fn, void *ctx);

/*
 * The listing of `badio sites` (store/listing.c): every site in seq
 * order, as store_sites_each gives them, read from site_rows directly
 * where it can (much faster for big recordings; the same rows and
 * values).  nulls says which of the view's nullable integer columns are
 * NULL (the JSON prints null there, where struct store_site has -1 or
 * 0).  json is NULL, or (asked with STORE_LIST_JSON, for a row the store read
 * through the view because its columns hold what badio never writes)
 * the row's JSON object as SQLite made it: print that instead.
 */
#define STORE_NULL_PROCESS	(1u << 0)
#define STORE_NULL_THREAD	(1u << 1)
#define STORE_NULL_FD		(1u << 2)
#define STORE_NULL_OFFSET	(1u << 3)
#define STORE_NULL_COUNT	(1u << 4)
#define STORE_NULL_RESULT	(1u << 5)
#define STORE_NULL_CRC32	(1u << 6)
#define STORE_NULL_CRC_BYTES	(1u << 7)
#define STORE_NULL_XXH3		(1u << 8)
#define STORE_NULL_CALLSITE	(1u << 9)
#define STORE_NULL_OFFSET2	(1u << 10)
struct store_list_row {
	struct store_site site;
	unsigned	nulls;		/* STORE_NULL_* */
	const char	*json;		/* NULL: make it from site and nulls */
	size_t		json_len;
};
typedef int store_list_fn(void *ctx, const struct store_list_row *row);
#define STORE_LIST_JSON		1u	/* rows read through the view: json */
#define STORE_LIST_THREAD	2u	/* fn never calls the store: the rows
					 * may be read in a thread of their own */
int	store_sites_list(struct store *s, unsigned flags, store_list_fn *fn,
	    void *ctx);


/* One experiment: a re-run with one fault at one site, and its verdict. */
struct store_experiment {
	int64_t		id;
	int64_t		site;		/* sites.id */
	const char	*fault;		/* "short", "torn", "eio", "enospc", "crash" */
	bool		injected;
	int64_t		fault_bytes;	/* bytes written by a short/torn fault, -1: NULL */
	const char	*status;	/* "exit:N", "signal:NAME", "timeout", "crash" */
	int64_t		duration_ns;
	int		oracle_exit;	/* -1: the oracle did not run (NULL) */
	const char	*verdict;	/* "ok", "reported", "silent-corruption", ... */
	const char	*prog_tail;	/* last bytes of PROG's stdout+stderr */
	const char	*oracle_tail;	/* last bytes of the oracle's output */
	bool		diverged;	/* the re-run's sites differed before the fault */
	const char	*divergence;	/* where it first differed, or NULL */
	const char	*divergence_kind; /* "diverged" (diverged is set),
					 * "reordered" (threads interleaved
					 * otherwise, each made the same calls:
					 * informational), NULL: the same */
	int64_t		oracle_id;	/* oracles.id that judged it; 0: unknown
					 * (NULL) */
	const char	*prog_last;	/* the program's last output line,
					 * cleaned (bx), or NULL */
	const char	*state;		/* crash state judged ("durable",
					 * "metadata", "prefix:N"), NULL for a
					 * fault without states */
	const char	*last_sync;	/* with a state: replay key of the last
					 * durability point before the crash,
					 * or NULL */
	int64_t		unsynced;	/* with a state: operations not yet
					 * durable at the crash point; -1: NULL */
};

/* Insert or replace the experiment for (site, fault, state), committed alone. */
int	store_experiment_put(struct store *s, const struct store_experiment *e);
/* *done = true if (site, fault) already has an experiment without a state. */
int	store_experiment_done(struct store *s, int64_t site, const char *fault,
	    bool *done);
/*
 * The verdict of (site, fault, state) into buf, "" if it has no
 * experiment; state NULL: the experiment without a state.
 */
int	store_experiment_verdict(struct store *s, int64_t site,
	    const char *fault, const char *state, char *buf, size_t size);
/* Each experiment of (site, fault) with a state, in id order: fn(ctx,
 * state, verdict, unsynced (-1: NULL)); a non-zero return stops. */
typedef int store_state_fn(void *ctx, const char *state, const char *verdict,
	    int64_t unsynced);
int	store_experiment_states(struct store *s, int64_t site,
	    const char *fault, store_state_fn *fn, void *ctx);
int	store_experiments_clear(struct store *s);	/* for explore --redo */

typedef int store_experiment_fn(void *ctx, const struct store_experiment *e,
	    const struct store_site *site);
/*
 * Experiments joined with their site, ordered by site seq then fault
 * and state, as the view verdicts gives them; read from the tables
 * directly when seq grows with the site id (store/exp_rows.c: the same
 * rows and values, much faster for a million).
 */
int	store_experiments_each(struct store *s, store_experiment_fn *fn, void *ctx);
/* Of those, the ones that diverged (diverged set), in the same order. */
int	store_diverged_each(struct store *s, store_experiment_fn *fn,
	    void *ctx);
/*
 * views: store_experiments_each and store_bugs_each read the views
 * verdicts and bugs, as they did before their fast paths (the tests
 * compare the two; BADIO_REPORT_VIEW=1).
 */
void	store_read_views(struct store *s, bool views);

/* Verdict counts: fn(ctx, verdict, count) in a fixed verdict order. */
typedef int store_count_fn(void *ctx, const char *verdict, int64_t n);
int	store_verdict_counts(struct store *s, store_count_fn *fn, void *ctx);
/* The same per oracle: fn(ctx, oracle id (0: unknown), verdict, n), n > 0. */
typedef int store_oracle_count_fn(void *ctx, int64_t oracle, const char *verdict,
	    int64_t n);
int	store_verdict_counts_by_oracle(struct store *s, store_oracle_count_fn *fn,
	    void *ctx);
/*
 * How many experiments have one of the comma-separated verdicts (spaces
 * around names allowed).  An unknown or empty name is -EINVAL, with the
 * name in store_errmsg().
 */
int	store_count_verdicts(struct store *s, const char *verdicts, int64_t *n);
/*
 * The experiments that tell nothing about their site: a report that
 * counted them as passing would mislead.  Each is counted once, under
 * the first that holds: the fault was never injected (unreached), the
 * oracle could not judge (verdict_codes.judged = 0: oracle-error), the
 * run diverged from the recording before the fault.
 */
struct store_inconclusive {
	int64_t		experiments;	/* all experiments */
	int64_t		total;		/* inconclusive: the next three */
	int64_t		unreached;
	int64_t		not_judged;
	int64_t		diverged;
	int64_t		reordered;	/* informational, not inconclusive */
};
int	store_inconclusive_get(struct store *s, struct store_inconclusive *c);
/* Bug experiments (verdict_codes.bug) by path, syscall, site seq, fault. */
int	store_bugs_each(struct store *s, store_experiment_fn *fn, void *ctx);

/*
 * JSON built by SQLite's json functions, malloc'd in *json; the caller
 * frees it.  Experiments are objects with the columns of the verdicts
 * view (docs/schema.md): all_rows gives every experiment in site order,
 * otherwise only the bugs, in store_bugs_each() order.  Call-site ids
 * (64-bit hashes) are strings.  The report is {"version": version,
 * "counts": {verdict: n, ...}, "not_explored", "diverged", "groups":
 * [...], "bugs": [...]}, counts in the order of
 * store_verdict_counts(); store_report_all_json() adds "experiments":
 * [...] with every experiment.  version names the badio that reports.
 */
int	store_experiments_json(struct store *s, bool all_rows, char **json);
int	store_report_json(struct store *s, const char *version, char **json);
int	store_report_all_json(struct store *s, const char *version,
	    char **json);
/*
 * The same object streamed: fn gets texts that concatenate to it (the
 * summary, then one experiment per text), so that a report of a million
 * experiments is never held whole.  lead, if not NULL, is put right
 * after the opening brace (members of the caller's own: "\"a\":1,").
 */
int	store_report_json_each(struct store *s, const char *version,
	    const char *lead, bool all, store_text_fn *fn, void *ctx);
/*
 * Its pieces, for a caller that makes the rows itself: the opening
 * brace, lead and the summary's members (no closing brace); then the
 * member ,"not_explored_experiments":[...] of --all.
 */
int	store_report_json_head(struct store *s, const char *version,
	    const char *lead, store_text_fn *fn, void *ctx);
int	store_report_json_skipped(struct store *s, store_text_fn *fn,
	    void *ctx);
/*
 * The rows of its "bugs" (bugs) or "experiments" array, in that order
 * (store/report_rows.c): an experiment and its site as values, for the
 * caller to make the object the view's json_object makes (site_nulls:
 * STORE_NULL_* of the site's nullable columns; oracle: the command of
 * e->oracle_id, NULL: none), or json: the object as SQLite made it, for
 * a row that holds what badio never writes (print it as it is).
 */
struct store_report_row {
	const struct store_experiment *e;	/* NULL with json */
	const struct store_site *site;
	unsigned	site_nulls;
	const char	*oracle;
	const char	*json;
	size_t		json_len;
};
typedef int store_report_row_fn(void *ctx, const struct store_report_row *r);
int	store_report_rows(struct store *s, bool bugs, store_report_row_fn *fn,
	    void *ctx);

/*
 * Call sites: the frames of each distinct call site, innermost first,
 * as module file + offset.  Adding an id that exists does nothing.
 */
struct store_frame {
	const char	*module;
	int64_t		offset;
};
int	store_callsite_add(struct store *s, int64_t id,
	    const struct store_frame *frames, size_t n, bool unwound);
/*
 * The frames of a call site, malloc'd (free with store_frames_free);
 * *n = 0 if the id is unknown.  At most 256 frames, module names cut at
 * 4096 bytes: a database may come from elsewhere.
 */
int	store_callsite_get(struct store *s, int64_t id, struct store_frame **frames,
	    size_t *n, bool *unwound);
void	store_frames_free(struct store_frame *frames, size_t n);

/*
 * Oracles (migration 14): the --oracle command as given, and when its
 * first word names a file, the file (absolute) and its SHA-256 in
 * lower-case hex (else both NULL).  One oracle is (command, sha256):
 * the same script elsewhere is the same oracle.  _intern finds or adds
 * it; _each gives the oracles that judged experiments, by id, with
 * experiments set to how many, then (id 0, command NULL) those of no
 * known oracle.
 */
struct store_oracle {
	int64_t		id;
	const char	*command;
	const char	*file;		/* NULL: not a file */
	const char	*sha256;	/* NULL: not a file */
	int64_t		experiments;	/* store_oracles_each */
};
int	store_oracle_intern(struct store *s, const struct store_oracle *o,
	    int64_t *id);
typedef int store_oracle_fn(void *ctx, const struct store_oracle *o);
int	store_oracles_each(struct store *s, store_oracle_fn *fn, void *ctx);

/* Key/value metadata ('plan', 'shard'). */
int	store_meta_set(struct store *s, const char *key, const char *value);
int	store_meta_get(struct store *s, const char *key, char **value); /* malloc'd or NULL */

/*
 * Sites left out of an explore (migration 3, table skipped): explore
 * --per-callsite N stores each (site, fault) pair it did not run, and a
 * report counts them as "not explored", never as passing.  Storing an
 * experiment for a pair removes it (a trigger); store_skipped_clear()
 * is for explore --redo.  reason is 'per-callsite'.
 */
int	store_skipped_put(struct store *s, int64_t site, const char *fault,
	    const char *reason);
int	store_skipped_clear(struct store *s);
/* Pairs left out, and the distinct sites among them. */
int	store_skipped_count(struct store *s, int64_t *pairs, int64_t *sites);
typedef int store_skipped_fn(void *ctx, const struct store_site *site,
	    const char *fault, const char *reason);
/* In site seq order, then fault. */
int	store_skipped_each(struct store *s, store_skipped_fn *fn, void *ctx);
/*
 * The same rows one at a time: next gives 1 and the row (valid until
 * the next call), 0 at the end, or -errno.
 */
struct store_skipped_cursor;
int	store_skipped_open(struct store *s, struct store_skipped_cursor **c);
int	store_skipped_next(struct store_skipped_cursor *c,
	    const struct store_site **site, const char **fault,
	    const char **reason);
void	store_skipped_close(struct store_skipped_cursor *c);

/*
 * Naming call sites in JSON: the reports' experiment objects carry
 * "callsite" and "location", the latter from the SQL function
 * badio_location(callsite) of this connection, which calls fn (a
 * string valid until the next call, or NULL).  Without a locator the
 * location is null.  store_open() installs none.
 */
typedef const char *store_locate_fn(void *ctx, int64_t callsite);
int	store_locator_set(struct store *s, store_locate_fn *fn, void *ctx);
/*
 * Naming frames in JSON, likewise: badio_frame(module, offset) calls fn
 * for text such as "save (db.c:42)".
 */
typedef const char *store_frame_fn(void *ctx, const char *module,
	    int64_t offset);
int	store_framer_set(struct store *s, store_frame_fn *fn, void *ctx);

/*
 * The data of the HTML report, streamed: fn gets one JSON text per row
 * (len bytes, not NUL-terminated beyond them), in the order and with the
 * columns store/html.c documents for each part.  STORE_HTML_SUMMARY is
 * one object, STORE_HTML_STRINGS one string per row, the other parts one
 * array per row, whose texts are indexes into the strings (-1: NULL).
 * A non-zero return from fn stops and is returned.
 */
enum store_html_part {
	STORE_HTML_SUMMARY,	/* recording, oracle, verdict table, counts, groups */
	STORE_HTML_STRINGS,	/* the string table the rows refer to */
	STORE_HTML_SITES,	/* every site, in seq order */
	STORE_HTML_EXPERIMENTS,	/* every experiment, by site then fault */
	STORE_HTML_CALLSITES,	/* location and symbolized frames per call site */
	STORE_HTML_SKIPPED,	/* (site, fault) pairs left out */
};
int	store_html_each(struct store *s, enum store_html_part part,
	    store_text_fn *fn, void *ctx);

/*
 * The sites listing as JSON, streamed: fn gets one object per site (built
 * by SQLite's json functions), in seq order.  With stacks, each has its
 * "location" (badio_location) and "stack": [{"module", "offset",
 * "frame"}...], innermost first.  A non-zero return from fn stops and
 * is returned.
 */
int	store_sites_json_each(struct store *s, bool stacks, store_text_fn *fn,
	    void *ctx);

/*
 * Shards (store/merge.c).  store_copy_to() writes a consistent copy of
 * the database to path (VACUUM INTO; path must not exist): a shard's own
 * database.  store_merge_from() adds the experiments and skipped pairs
 * of the shard database at path that s lacks, in one transaction, after
 * checking it is a copy of the same recording (-EXDEV if not), of this
 * schema version (-EPROTO), explored with the same oracle (-EINVAL), a
 * badio database at all (-ENOTSUP); merging a shard twice adds nothing.
 */
struct store_merge_stats {
	int64_t		added;		/* experiments added */
	int64_t		already;	/* already here (the same pair) */
	int64_t		conflicts;	/* of those, with another verdict here */
	int64_t		skipped;	/* left-out pairs added */
};
int	store_copy_to(struct store *s, const char *path);
int	store_merge_from(struct store *s, const char *path,
	    struct store_merge_stats *ms);

#endif /* BADIO_STORE_STORE_H */
