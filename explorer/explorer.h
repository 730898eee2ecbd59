/*
 * explorer.h - the public contract of badio's explorer: everything that
 * turns a recording into experiments, plus the pieces record and explore
 * share (the run set-up: program lookup, deterministic environment,
 * scratch directories and trees, the cgroup of a run, the snapshot of
 * the --init directory).
 *
 * The explorer drives the recorder and the store; it never prints and
 * never exits: functions return 0 or -errno.
 */
#ifndef BADIO_EXPLORER_EXPLORER_H
#define BADIO_EXPLORER_EXPLORER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "recorder/recorder.h"
#include "store/store.h"

/* --- run set-up shared by record and explore (explorer/setup.c) --- */

/*
 * Resolve PROG as execvp would: a name with a slash against the current
 * directory, otherwise through PATH.  *path is malloc'd and canonical
 * (realpath(3): absolute, symlinks resolved, as /proc/PID/maps names it).
 * -ENOENT: not found; -EACCES: found but not executable.
 */
int	bx_resolve_prog(const char *prog, char **path);

/*
 * What a recording keeps of the environment (explorer/env.c): the
 * allow-list of docs/manual.md plus the names or fnmatch(3) globs in
 * keep ("GIT_*"), or everything if all.  A malloc'd NULL-terminated
 * vector of copies; *dropped counts the variables left out.
 */
char	**bx_env_select(char *const *env, const char *const *keep,
	    size_t nkeep, bool all, size_t *dropped);
/* The allow-list, one name or glob at a time; NULL past the end. */
const char *bx_env_default_at(size_t i);
/* A name or glob --keep-env accepts: letters, digits, _ and * ? [ ] ! -. */
bool	bx_env_pattern_valid(const char *pattern);
/* Some NAME=value of env has a NAME that pattern matches. */
bool	bx_env_matches(char *const *env, const char *pattern);
/* The value of name in env ("NAME=value"), or NULL. */
const char *bx_env_get(char *const *env, const char *name);

/*
 * The environment PROG runs with: environ plus the determinism settings
 * (docs/manual.md, "Determinism") unless deterministic is false.
 * Returns a malloc'd NULL-terminated vector of malloc'd strings.
 */
char	**bx_environment(char *const *environ_in, bool deterministic);
void	bx_strv_free(char **v);
/* A copy of env with NAME=value set (replacing NAME), e.g. PWD. */
char	**bx_env_with(char *const *env, const char *name, const char *value);

/*
 * CPU pinning for deterministic runs (struct rec_opts pin/cpu): record
 * pins to the first allowed CPU (n = 0), explore's worker n to the n-th.
 */
/*
 * "<stdin>", "<stdout>", "<stderr>": explored only with --include-stdio.
 * A file of such a name is "./<stdout>" (docs/schema.md, "Paths").
 */
bool	bx_path_is_stdio(const char *path);
int	bx_nth_cpu(int n);
/*
 * The same, counting from the CPU that services the interrupts of dir's
 * disk (explorer/cpu.c): I/O completes there, so a program that waits
 * on it is not slowed down by the pinning.
 */
int	bx_run_cpu(const char *dir, int n);

/*
 * The sites --per-callsite N keeps of a group of m sites in seq order:
 * the first, the last, and the others spread evenly.  Sets keep[0..m-1];
 * returns how many are kept (min(m, n); n = 0 keeps all).
 */
size_t	bx_prune_pick(size_t m, unsigned n, bool *keep);

/* --- scratch directories (explorer/scratch.c) --- */

/*
 * A fresh scratch directory $TMPDIR/badio-TAG-OWNER-XXXXXX (mkdtemp),
 * malloc'd path.  OWNER names this process (pid, start time, pid
 * namespace), so that bx_sweep() can tell when its owner is gone.
 */
int	bx_scratch_make(const char *tag, char **dir);
/* The same in base instead of bx_scratch_dir(). */
int	bx_scratch_make_in(const char *base, const char *tag, char **dir);
const char *bx_scratch_dir(void);	/* $TMPDIR, else /tmp */
/* A memory file system for crash states (/dev/shm, BADIO_STATES_DIR), or
 * NULL: none. */
const char *bx_memory_dir(void);
/*
 * Rename a scratch directory so that no sweep removes it (record
 * --keep): badio-TAG-kept-XXXXXX; *dir is replaced.
 */
int	bx_scratch_keep(char **dir);
/* An anonymous file in $TMPDIR (O_TMPFILE), read-write; fd or -errno. */
int	bx_tmpfile(void);

/* What a tree walk left in place: mounts are never entered or removed. */
struct bx_tree_report {
	unsigned	mounts;		/* mount points found and left */
	unsigned	skipped;	/* bx_tree_copy: sockets, devices */
	char		mount[4096];	/* the first mount point's path */
};

/*
 * Remove a directory tree through directory fds, never following a
 * symlink and never crossing a mount point of any kind: a mount point
 * and the directories that lead to it stay, and the call returns -EBUSY
 * with rep (may be NULL) naming it.  Other errors: the first -errno,
 * after removing what could be.  A missing dir is 0.
 */
int	bx_tree_remove(const char *dir, struct bx_tree_report *rep);
/*
 * Copy the tree from into to (made, must not exist): files (a reflink
 * where the file system shares extents, else their data extents, holes
 * kept), hard links, directories, symlinks (never followed), FIFOs,
 * with modes and modification times; set-id bits are dropped; sockets,
 * devices and mount points are skipped (counted in rep).  The first
 * -errno after copying what could be.
 */
int	bx_tree_copy(const char *from, const char *to, struct bx_tree_report *rep);

/*
 * Sweep (explorer/scratch.c): remove the scratch directories, files and
 * cgroups that badio processes now gone left behind (kill -9, a worker
 * that died), never one of a live process or of another user, never
 * across a mount.  fn (may be NULL) hears of each directory that had to
 * stay, with the -errno and what was left.  Returns how many were
 * removed.
 */
typedef void bx_sweep_fn(void *ctx, const char *dir,
	    const struct bx_tree_report *rep, int err);
int	bx_sweep(bx_sweep_fn *fn, void *ctx);

/*
 * Containing a run (explorer/contain.c): a cgroup v2 of this process's
 * own, "badio-OWNER" under the one it runs in, for every process its
 * runs start.  bx_cgroup_open fails (-errno; callers go on without:
 * docs/design.md, "Leaving nothing behind") where there is no cgroup v2
 * badio may write to, or with BADIO_NO_CGROUP=1.  bx_cgroup_kill kills
 * everything in it and waits until it is empty; bx_cgroup_close kills,
 * removes and frees.  All accept NULL.
 */
struct bx_cgroup;
int	bx_cgroup_open(struct bx_cgroup **cg);
const char *bx_cgroup_path(const struct bx_cgroup *cg);	/* rec_opts.cgroup */
int	bx_cgroup_kill(struct bx_cgroup *cg);
void	bx_cgroup_close(struct bx_cgroup *cg);

/*
 * Snapshot of the --init directory (explorer/snapshot.c): a pax tar
 * archive, zstd-compressed, of its files (holes and hard links kept),
 * directories and symlinks with their modes and modification times, as
 * the store keeps it (format "tar").  Both stream: pack writes the
 * archive to fd (at its offset; *tar_size, may be NULL, gets the size
 * before compression), unpack reads it from fd (pread from offset 0)
 * into dir, an existing empty directory, refusing whatever could reach
 * outside dir (explorer/snapshot_unpack.c).  On failure err gets one
 * line naming the entry and the problem.
 */
#define BX_SNAPSHOT_DATA_MAX	((int64_t)4 << 30)	/* bytes of file data */
#define BX_SNAPSHOT_FILE_MAX	((int64_t)1 << 40)	/* size of one file */
#define BX_SNAPSHOT_ENTRIES_MAX	1000000
int	bx_snapshot_pack(const char *dir, int fd, int64_t *tar_size, char *err,
	    size_t errsz);
int	bx_snapshot_unpack(int fd, const char *dir, char *err, size_t errsz);
/*
 * The archive of fd, decompressed, in a new anonymous file (*out): an
 * explore inflates once, and each run unpacks the plain tar.
 */
int	bx_snapshot_expand(int fd, int *out, char *err, size_t errsz);
/*
 * The recording's snapshot, decompressed (bx_snapshot_expand), in an
 * anonymous file (*fd, -1 without --init), for bx_snapshot_unpack.  An
 * old snapshot (format "badio-snap1", before schema 7) is converted,
 * and the database updated, first (explorer/snapshot_v1.c).
 */
int	bx_snapshot_load(struct store *s, const struct store_recording *rec,
	    int *fd, char *err, size_t errsz);

/*
 * The program's files (record --bundle; explorer/bundle.c): PROG, its
 * ELF interpreter and the shared libraries it loads (as ld.so --list
 * with envp says, and those call-site frames name), stored in recording
 * rec of s; programs it executes and a script's interpreter are listed
 * as needed, not stored.  On failure err gets one line.
 */
#define BX_BUNDLE_SHOWN	4
struct bx_bundle_info {
	unsigned	files;		/* stored */
	unsigned	needed;		/* listed, not stored */
	int64_t		bytes;		/* of the stored files */
	int64_t		archive_bytes;	/* compressed, in the database */
	unsigned	nshown;		/* the first needed ones: */
	char		shown[BX_BUNDLE_SHOWN][PATH_MAX];
};
int	bx_bundle_make(struct store *s, int64_t rec, const char *exe,
	    char *const *envp, struct bx_bundle_info *info, char *err,
	    size_t errsz);

/*
 * Running from a bundle (explorer/bundle_run.c).  AUTO: when a stored
 * file is absent here or differs (size, crc32); ALWAYS: whenever the
 * recording has one (an error if not); NEVER: never.  dir NULL: PROG
 * runs from this machine's files.
 */
enum bx_bundle_use { BX_BUNDLE_AUTO, BX_BUNDLE_ALWAYS, BX_BUNDLE_NEVER };
struct bx_bundle_run {
	char	*dir;		/* the unpacked bundle (rec_opts.module_root) */
	char	*exe_run;	/* what each run executes: the bundled loader,
				 * or exe_in_bundle */
	char	*exe_in_bundle;	/* dir + PROG's recorded path */
	char	**argv;		/* and its argv */
	char	*why;		/* "/usr/lib/libz.so.1 is absent here" */
	char	**missing;	/* needed files absent here, NULL-terminated,
				 * or NULL (set also when dir is NULL) */
};
int	bx_bundle_prepare(struct store *s, const struct store_recording *rec,
	    enum bx_bundle_use when, struct bx_bundle_run *br, char *err,
	    size_t errsz);
void	bx_bundle_release(struct bx_bundle_run *br);

/* --- the explorer: experiments, verdicts (explorer/explore.c and friends) --- */

/*
 * How `badio explore` works, step by step (docs/explore.md):
 *   1. bx_explore() loads the recording and its sites from the store;
 *   2. one fault-free run of PROG plus the oracle (the baseline) must pass,
 *      and its sites are compared with the recording (nondeterminism);
 *   3. the plan: every selected site times every selected fault that
 *      applies to it (bx_fault table), minus what the store already holds;
 *   4. N worker processes run the experiments (fresh scratch directory,
 *      PROG under the tracer with the fault, then the oracle) and send a
 *      fixed-size result back over a pipe; only the parent touches the
 *      store, committing each experiment alone, so an interrupted explore
 *      resumes where it stopped;
 *   5. progress and the baseline's findings reach the caller through a
 *      callback; the explorer itself never prints.
 */

/* Bytes of PROG's and of the oracle's output kept per experiment. */
#define BX_TAIL_MAX	4096

/*
 * The fault table (explorer/fault.c): one row per fault explore knows,
 * in the order experiments run for one site.  The explorer loops over
 * the rows; where a fault applies is the recorder's rec_fault_applies().
 */
enum bx_fault_kind {
	BX_FAULT_TRANSIENT,		/* the call fails once, later calls work */
	BX_FAULT_PERSISTENT,		/* from the call on, its file system keeps
					 * failing (rec_fault_persistent) */
	BX_FAULT_FINAL,			/* the program is gone (crash) */
};

/* Which crash states the oracle judges after a fault (state.c). */
enum bx_fault_states {
	BX_STATES_NONE,			/* none: the run directory as left */
	BX_STATES_CHOSEN,		/* those of --power-states (power) */
	BX_STATES_LOST,			/* durable and durable-zero (lost-sync) */
};

struct bx_fault {
	const char	*name;		/* interface name: "torn", "eio+" */
	enum rec_fault	fault;
	enum bx_fault_kind kind;
	bool		dflt_write;	/* in the default set for the write family */
	bool		dflt_other;	/* in the default set for the others */
	bool		dflt_sync;	/* ...and in that of the sync family */
	enum bx_fault_states states;
	const char	*what;		/* one line for help and docs */
};

const struct bx_fault *bx_fault_at(size_t i);		/* NULL past the end */
/* "transient", "persistent", "final" (fault_codes.kind) */
const char	*bx_fault_kind_name(enum bx_fault_kind k);
const struct bx_fault *bx_fault_by_name(const char *name);
const struct bx_fault *bx_fault_by_code(enum rec_fault f);
/*
 * Parse a comma-separated fault list into a mask of (1u << enum rec_fault).
 * -EINVAL with a message in err (e.g. "unknown fault 'x'") if malformed.
 */
int	bx_faults_parse(const char *list, unsigned *mask, char *err,
	    size_t errsz);
/*
 * The faults to try at a site: the selected mask (0 = the default set of
 * the site's family) restricted to those that apply, as a mask.
 */
unsigned bx_faults_for_site(unsigned selected, const struct rec_sysent *sc,
	    int64_t count);

/*
 * Crash states (explorer/state.c): numbered 0 durable, 1 metadata,
 * 1 + N prefix:N (N = 1 .. BX_POWER_PREFIX_MAX), then durable-zero
 * (BX_STATE_ZERO: lost-sync only); a set is a mask of (1 << number).
 * --power-states names kinds: a mask of (1u << kind).
 */
enum bx_state_kind {
	BX_STATE_DURABLE,		/* only what was made durable */
	BX_STATE_METADATA,		/* every directory change, no unsynced data */
	BX_STATE_PREFIX,		/* prefix:1 .. prefix:min(k, K) */
	BX_STATE_KINDS
};
#define BX_STATES_DEFAULT	((1u << BX_STATE_DURABLE) | (1u << BX_STATE_METADATA))
#define BX_POWER_PREFIXES_DEFAULT 8
#define BX_POWER_PREFIX_MAX	32
/* durable-zero: durable, lost data as ext4 keeps it (lost-sync only) */
#define BX_STATE_ZERO		(2 + BX_POWER_PREFIX_MAX)
#define BX_STATES_MAX		(BX_STATE_ZERO + 1)
/* what a lost-sync experiment judges: durable and durable-zero */
#define BX_STATES_LOST_SET	(1 | (uint64_t)1 << BX_STATE_ZERO)
#define BX_STATE_NAME_MAX	16	/* "durable-zero", "prefix:32" and a NUL */
/* "durable,metadata,prefix" into a mask of kinds; -EINVAL with err. */
int	bx_states_parse(const char *list, unsigned *kinds, char *err,
	    size_t errsz);
/*
 * The states of a crash point where unsynced operations were not yet
 * durable (UINT64_MAX: not known yet), for kinds (0: the default) and
 * prefixes (--power-prefixes K, 0: the default; at most
 * BX_POWER_PREFIX_MAX).
 */
uint64_t bx_states_of(unsigned kinds, unsigned prefixes, uint64_t unsynced);
/* "durable", "metadata", "prefix:N", "durable-zero" of state number i. */
int	bx_state_name(unsigned i, char *buf, size_t size);
/* The number of a state name, -1 if it names none. */
int	bx_state_index(const char *name);

/*
 * Site filter (explorer/filter.c): --sites "id=3-9,family=write,path=*.db".
 * Every term must hold.  Each key may appear once.
 */
struct bx_filter {
	int64_t		id_min;		/* 0 = no lower bound */
	int64_t		id_max;		/* 0 = no upper bound */
	char		*syscall;	/* NULL = any */
	char		*family;	/* NULL = any */
	char		*path_glob;	/* fnmatch(3) pattern, '*' matches '/'; NULL = any */
};

/* -EINVAL with a message in err if malformed; release with bx_filter_release. */
int	bx_filter_parse(const char *text, struct bx_filter *f, char *err,
	    size_t errsz);
void	bx_filter_release(struct bx_filter *f);
bool	bx_filter_match(const struct bx_filter *f, const struct store_site *site);

/* Verdicts (explorer/verdict.c); the names are part of the interface. */
enum bx_verdict {
	BX_V_OK,		/* exited 0 (or crash fault), files intact */
	BX_V_REPORTED,		/* exited non-zero, files intact */
	BX_V_SILENT_CORRUPTION,	/* exited 0, files damaged */
	BX_V_CORRUPTION,	/* failed or crashed, files damaged */
	BX_V_CRASHED,		/* died of a signal the fault did not send */
	BX_V_HANG,		/* PROG hit the timeout */
	BX_V_UNREACHED,		/* the site was not found in the re-run */
	BX_V_ORACLE_ERROR,	/* the oracle could not judge the run */
	BX_V_COUNT
};

/* What became of the oracle. */
enum bx_oracle_state {
	BX_ORACLE_NOT_RUN,	/* not run (unreached, interrupted) */
	BX_ORACLE_EXITED,	/* code is its exit status */
	BX_ORACLE_SIGNALED,	/* code is the signal */
	BX_ORACLE_TIMEOUT,	/* killed after the oracle timeout */
	BX_ORACLE_FAILED,	/* could not start; code is the errno */
};

struct bx_oracle_result {
	enum bx_oracle_state state;
	int		code;
};

const char	*bx_verdict_name(enum bx_verdict v);
int		bx_verdict_parse(const char *name);		/* -1 if unknown */
bool		bx_verdict_is_bug(enum bx_verdict v);
/*
 * --fail-on VERDICTS, of explore and report: comma-separated verdict
 * names and the aliases "bugs" (every verdict that is a bug) and
 * "inconclusive" (the bit BX_VERDICTS_INCONCLUSIVE: every experiment
 * unreached, not judged or diverged, as store_inconclusive_get counts
 * them), into a mask of (1u << enum bx_verdict).  -EINVAL with a message
 * in err for an unknown or empty name.  bx_verdicts_check only validates.
 */
#define BX_VERDICTS_INCONCLUSIVE	(1u << BX_V_COUNT)
int		bx_verdicts_parse(const char *list, unsigned *mask, char *err,
		    size_t errsz);
int		bx_verdicts_check(const char *list, char *err, size_t errsz);
/* True if the oracle gave an answer (0 intact, other damaged). */
bool		bx_oracle_judged(const struct bx_oracle_result *o);
/*
 * The verdict table of docs/explore.md.  Returns BX_V_COUNT for a run
 * that must not be stored (interrupted).
 */
enum bx_verdict	bx_verdict_classify(enum rec_fault fault, bool injected,
		    enum rec_status st, int code,
		    const struct bx_oracle_result *o);
/* "exit:N", "signal:NAME", "timeout", "crash", "interrupted" into buf. */
int		bx_status_format(char *buf, size_t size, enum rec_status st,
		    int code);

/*
 * The oracle command (explorer/oracle.c).  bx_oracle_resolve makes the
 * command independent of the run directory: a first word with a slash
 * names a file, and a relative one becomes an absolute, shell-quoted
 * path (-ENOENT if it names nothing).  A first word without a slash is
 * a command for sh (a builtin or a program in PATH) and is left alone,
 * even if the current directory has a file of that name; -ENOEXEC when
 * it is neither a builtin nor in PATH but is such a file (the user
 * meant ./WORD).  *out is malloc'd.
 */
int	bx_oracle_resolve(const char *cmd, char **out);
/*
 * Which oracle cmd is, for the store (struct store_oracle): when its
 * first word names a file (as bx_oracle_resolve decides), *file gets
 * its canonical path (malloc'd) and sha256 the file's SHA-256 in hex;
 * otherwise *file is NULL and sha256 "".  -errno if the file cannot be
 * read.
 */
int	bx_oracle_identify(const char *cmd, char **file, char sha256[65]);
/*
 * The last non-empty line of text (a program's output tail), cleaned for
 * the store: escape sequences and control bytes removed, tabs made
 * spaces, spaces trimmed, at most BX_LAST_LINE_MAX bytes cut at a UTF-8
 * boundary.  buf is "" when there is none.
 */
#define BX_LAST_LINE_MAX	200
void	bx_last_line(const char *text, char buf[BX_LAST_LINE_MAX + 1]);

/* What the caller hears about (progress callback). */
enum bx_event {
	BX_EV_COMMAND,		/* the program is about to run: command fields
				 * set (a database is a program: say what it
				 * runs before the fault-free run) */
	BX_EV_BASELINE,		/* the fault-free run passed; diff fields set */
	BX_EV_PLANNED,		/* total and done known, experiments start */
	BX_EV_RESULT,		/* one experiment committed */
	BX_EV_LEFT,		/* a directory had to stay: dir, mount, err */
};

struct bx_progress {
	enum bx_event	event;
	uint64_t	total;		/* experiments selected, done or not */
	uint64_t	done;		/* of those, in the store (earlier runs too) */
	uint64_t	planned;	/* to run in this call */
	uint64_t	bugs;		/* bug verdicts among done */
	uint64_t	skipped;	/* (site, fault) pairs left out by
					 * per_callsite (not in total) */
	uint64_t	skipped_sites;	/* the sites among them */
	int64_t		elapsed_ns;	/* since the first experiment started */
	/* BX_EV_BASELINE: the baseline's sites against the recording's */
	const char	*status;	/* PROG's status in the baseline */
	const char	*rec_status;	/* PROG's status in the recording */
	uint64_t	missing;	/* recorded sites the baseline lacks */
	uint64_t	extra;		/* baseline sites the recording lacks */
	const char	*first_diff;	/* "-write:a.txt:2 (write)" or NULL */
	bool		rec_pidns;	/* the recording had a PID namespace... */
	bool		pidns;		/* ...and the baseline had one */
	bool		urandom;	/* its /dev/urandom came from the seed */
	int		ns_errno;	/* why it had no namespace */
	const char	*calls_differ;	/* a key made with another syscall, count
					 * or call site, or NULL */
	/* BX_EV_RESULT */
	const struct store_experiment *exp;
	/*
	 * BX_EV_LEFT: a run directory (or a stale one being swept) that
	 * could not be removed: the program left a mount point in it
	 * (mount, and err -EBUSY), or removing failed (err).
	 */
	const char	*dir;
	const char	*mount;
	int		err;
	/* BX_EV_COMMAND: what every run executes, from the database */
	const char	*exe;		/* the file executed */
	char *const	*argv;		/* its argv, argv[0] included */
	char *const	*envp;		/* its whole environment (PWD is then
					 * set to each run's directory) */
	const char	*bundle_why;	/* it runs from the recording's bundle
					 * because of this, or NULL */
	char *const	*needed;	/* files the bundle says PROG needs,
					 * absent here, or NULL */
};

typedef void bx_progress_fn(void *ctx, const struct bx_progress *p);

struct bx_explore_opts {
	const char	*oracle;	/* shell command (see bx_oracle_resolve) */
	unsigned	faults;		/* mask of (1u << enum rec_fault); 0 = defaults */
	const struct bx_filter *sites;	/* NULL = all */
	const char	*sites_text;	/* its text as given, kept with the
					 * plan (bx_pending); NULL = all */
	unsigned	kinds;		/* mask of (1u << enum rec_kind); 0 = regular, dir */
	bool		include_stdio;	/* also the program's own stdin, stdout, stderr
					 * (paths "<stdin>", "<stdout>", "<stderr>"),
					 * whatever file they are */
	unsigned	jobs;		/* worker processes; 0 = 1 */
	int		timeout_ms;	/* per run of PROG; 0 = none */
	int		oracle_timeout_ms; /* per oracle run; 0 = none */
	const char	*keep_dir;	/* keep bug runs' directories here, or NULL */
	bool		redo;		/* drop earlier experiments first */
	bool		no_sweep;	/* power experiments by re-runs only,
					 * no sweep run (sweep.c) */
	bool		judge_once;	/* a sweep judges the states that look
					 * the same to the oracle once
					 * (state_digest.c) */
	bool		reuse_verdicts;	/* keep the verdicts of another oracle,
					 * judge only new pairs with this one */
	unsigned	per_callsite;	/* at most this many sites per (call
					 * site, path), first and last
					 * included; 0 = all */
	int64_t		callsite;	/* only this call site; 0 = any */
	enum bx_bundle_use bundle;	/* run PROG from the recording's
					 * bundle: auto (default), always, never */
	unsigned	power_states;	/* --power-states: mask of (1u << enum
					 * bx_state_kind); 0 = durable,metadata */
	unsigned	power_prefixes;	/* --power-prefixes K; 0 = 8 */
	unsigned	shard;		/* with nshards: run only pair i of the
					 * plan where i mod nshards == shard */
	unsigned	nshards;	/* 0: no sharding */
	bx_progress_fn	*progress;
	void		*ctx;
};

/* Why bx_explore() failed (with its -errno). */
enum bx_fail {
	BX_FAIL_NONE,
	BX_FAIL_STORE,		/* the store failed: store_errmsg() */
	BX_FAIL_RECORDING,	/* no recording in the database */
	BX_FAIL_PROG,		/* PROG could not be run (rec_stage in stage) */
	BX_FAIL_SCRATCH,	/* scratch directory or snapshot */
	BX_FAIL_ORACLE_MISSING,	/* the oracle script does not exist */
	BX_FAIL_ORACLE_BARE,	/* its first word names a file here but has
				 * no slash: a command, not in PATH */
	BX_FAIL_BASELINE,	/* the oracle rejected the fault-free run */
	BX_FAIL_BASELINE_HANG,	/* PROG hit the timeout in the fault-free run */
	BX_FAIL_KEEP,		/* --keep directory */
	BX_FAIL_WORKER,		/* a worker process died or failed */
	BX_FAIL_INTERRUPTED,	/* bx_interrupt() was called */
	BX_FAIL_CALLSITE,	/* opts->callsite names no recorded site */
	BX_FAIL_SNAPSHOT,	/* the --init snapshot is damaged or unsafe:
				 * detail says which entry and why */
	BX_FAIL_BUNDLE,		/* the recording's bundle cannot be used:
				 * detail says why */
	BX_FAIL_ORACLE_CHANGED,	/* the database's experiments were judged
				 * by another oracle (old_oracle; same
				 * command: its file changed) and neither
				 * redo nor reuse_verdicts */
	BX_FAIL_ORACLE_FILE,	/* the oracle's file cannot be read */
	BX_FAIL_NO_SITES,	/* opts->sites matches no recorded site */
};

/* How many of the files outside the run directory a result names. */
#define BX_OUTSIDE_NAMED	3

struct bx_explore_result {
	enum bx_fail	fail;
	enum rec_stage	stage;		/* BX_FAIL_PROG */
	char		status[32];	/* baseline PROG status */
	struct bx_oracle_result oracle;	/* baseline oracle */
	char		oracle_tail[BX_TAIL_MAX + 1];	/* baseline oracle output */
	char		prog_tail[BX_TAIL_MAX + 1];	/* baseline PROG output */
	uint64_t	total, done, planned, ran, bugs;
	uint64_t	skipped;	/* pairs left out by per_callsite */
	uint64_t	skipped_sites;
	uint64_t	diverged;	/* experiments run now that diverged */
	uint64_t	reordered;	/* ...whose threads interleaved otherwise */
	uint64_t	sweep_runs;	/* sweep runs made (0 or 1) */
	uint64_t	sweep_points;	/* crash points they met */
	uint64_t	swept;		/* power experiments they judged */
	uint64_t	same_states;	/* ...of those, judged as a state the
					 * oracle had judged (--judge-once) */
	uint64_t	sweep_left;	/* power crash points they left to
					 * re-runs (diverged, unmatched) */
	/* BADIO_CHECKPOINT (explorer/ckpt.c) */
	uint64_t	ckpt_runs;	/* driver runs made (0 or 1) */
	uint64_t	ckpt_forked;	/* experiments forked from it */
	uint64_t	ckpt_left;	/* jobs it left to re-runs */
	char		ckpt_why[128];	/* the first fallback's reason, or "" */
	/*
	 * Recorded sites on regular files outside the run directory (absolute
	 * paths): such files are not reset between runs, so each run finds
	 * what the runs before it left there.  The files, distinct, and the
	 * first few of them in the order the recording met them.
	 */
	uint64_t	outside_sites;
	uint64_t	outside_files;
	char		outside[BX_OUTSIDE_NAMED][PATH_MAX];
	uint64_t	other_shards;	/* pairs left to the other shards */
	uint64_t	verdicts[BX_V_COUNT];	/* the selected pairs (total) that
					 * have an experiment, by verdict */
	uint64_t	recorded_sites;	/* sites in the recording */
	uint64_t	selected_sites;	/* of those, selected by the options */
	char		old_oracle[512]; /* BX_FAIL_ORACLE_CHANGED: the other
					 * oracle's command */
	bool		oracle_file_changed; /* ...the same command: its file
					 * is another now */
	char		detail[256];	/* BX_FAIL_SNAPSHOT, _SCRATCH, _BUNDLE:
					 * one line, or "" */
};

/* 0, or -errno with res->fail saying where. */
int	bx_explore(struct store *s, const struct bx_explore_opts *opts,
	    struct bx_explore_result *res);
/*
 * What the last explore planned and what of it is not run yet: its plan
 * (the selecting options, kept in the database by every explore whose
 * baseline passed, the same for all shards of one explore) against the
 * experiments the database holds.  known is false, and the counts 0,
 * when no explore stored a plan.  Used by report and merge.
 */
struct bx_pending {
	bool		known;
	uint64_t	total;		/* pairs the plan selects */
	uint64_t	done;		/* of those, with an experiment */
	uint64_t	pending;	/* total - done: not run yet */
	uint64_t	skipped;	/* left out by --per-callsite */
};
int	bx_pending(struct store *s, struct bx_pending *out);

/* From a signal handler: stop handing out work, end the runs, return. */
void	bx_interrupt(void);

#endif /* BADIO_EXPLORER_EXPLORER_H */
