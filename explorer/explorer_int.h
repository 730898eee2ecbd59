/*
 * explorer_int.h - private to explorer/: one experiment and the pieces
 * it is made of.  Nothing outside explorer/ includes this file.
 */
#ifndef BADIO_EXPLORER_EXPLORER_INT_H
#define BADIO_EXPLORER_EXPLORER_INT_H

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "explorer/explorer.h"

/* The last BX_TAIL_MAX bytes of a stream. */
struct bx_tail {
	size_t		len;
	uint64_t	total;		/* bytes seen, kept or not */
	char		buf[BX_TAIL_MAX];
};

void	bx_tail_append(struct bx_tail *t, const char *p, size_t n);
/* As a C string (NUL bytes shown as '.'), into out[BX_TAIL_MAX + 1]. */
void	bx_tail_text(const struct bx_tail *t, char *out);

/*
 * PROG's stdout and stderr during one run (output.c): two pipes drained
 * by a thread into tail, stdout also into path (the oracle's
 * BADIO_STDOUT), a file in the experiment's aux directory.
 */
struct bx_output {
	int		out[2];		/* stdout pipe */
	int		errp[2];	/* stderr pipe */
	int		file;		/* path, for writing */
	struct bx_tail	*tail;
	pthread_t	thread;
	pthread_mutex_t	lock;		/* one reader of the pipes at a time
					 * (bx_output_sync) */
	bool		running;
	int		err;		/* the first -errno writing path */
	char		path[PATH_MAX];
};

int	bx_output_start(struct bx_output *o, const char *aux,
	    struct bx_tail *tail);
int	bx_output_adopt(struct bx_output *o, const char *aux,
	    struct bx_tail *tail, int outfd, int errfd);
/* Close the write ends, wait for the thread; its err.  Idempotent. */
int	bx_output_finish(struct bx_output *o);

/* Set by bx_interrupt(); workers set it from their own handler. */
extern volatile sig_atomic_t bx_stop;

/*
 * Run CMD through /bin/sh -c in dir (a simple command without sh, with
 * sh's result: oracle_spawn.c, struct bx_spawn), in its own process group and in
 * cg (NULL: none, see contain.c), with envp, stdin from /dev/null and
 * stdout+stderr into tail.  Everything it started is killed after
 * timeout_ms (0: none), when bx_stop is set (then -EINTR), and when sh
 * (or the program) exits.  0 otherwise, with res filled.
 */
int	bx_oracle_run(const char *cmd, const char *dir, char *const envp[],
	    int timeout_ms, struct bx_cgroup *cg, struct bx_oracle_result *res,
	    struct bx_tail *tail);

/* --- contain.c --- */

/* /proc/PID/stat from its third field (after "PID (COMM) "), or NULL. */
const char *bx_proc_stat(pid_t pid, char *buf, size_t size);
/* This process's stamp, "PID.START.PIDNS" (scratch names, cgroups). */
int	bx_owner_stamp(char *buf, size_t size);
/* True if the process a stamp names is gone (never for a foreign stamp). */
bool	bx_owner_gone(const char *stamp);
/* An fd open for writing on the cgroup's cgroup.procs ("0": join). */
int	bx_cgroup_procs_fd(const struct bx_cgroup *cg);
/* Remove the cgroups of owners that are gone; how many. */
unsigned bx_cgroup_sweep(void);
/*
 * Around a run that is not traced (the oracle): while started, orphans
 * of its processes become ours; stopping kills and reaps every child
 * this process has.
 */
int	bx_reaper_start(void);
void	bx_reaper_stop(void);

/* --- tree.c: the pieces, for the snapshot and for copies --- */

/* The mount id of dfd/name (name "": dfd itself). */
int	bx_mount_id(int dfd, const char *name, uint64_t *id);
/*
 * Open path beneath rootfd with flags (O_CLOEXEC added), "" for rootfd
 * itself, never through a symlink, "..", or a mount point: -ELOOP,
 * -EXDEV (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_XDEV; component by component before Linux 5.6).
 */
int	bx_open_beneath(int rootfd, const char *path, int flags);
/* Tests: take the component walk even where openat2 exists. */
void	bx_tree_force_walk(bool on);
/* in's size bytes into the empty file out: reflink, else extents. */
int	bx_file_copy(int in, int out, off_t size);
/* pwrite all of buf at off; -1 with errno. */
int	bx_write_full(int fd, const void *buf, size_t len, off_t off);

/* --- snapshot.c: writing an archive entry by entry (snapshot_v1.c) --- */

#define BX_SNAP_CHUNK	(256 * 1024)	/* bytes per read of a file or archive */

/* err = "'NAME': " (if name) and the message; returns rc. */
int	bx_snap_fail(char *err, size_t errsz, int rc, const char *name,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* A name fit for a message: control bytes become '?'. */
void	bx_snap_printable(char *out, size_t size, const char *name);

struct bx_snap_writer;
int	bx_snap_writer_open(int fd, struct bx_snap_writer **w, char *err,
	    size_t errsz);
/*
 * The header of one entry: mode has the type (S_IFREG, S_IFDIR,
 * S_IFLNK); a file's size bytes follow with bx_snap_writer_data, a
 * symlink's target is given here.
 */
int	bx_snap_writer_add(struct bx_snap_writer *w, const char *name,
	    mode_t mode, int64_t mtime_ns, int64_t size, const char *target);
int	bx_snap_writer_data(struct bx_snap_writer *w, const char *name,
	    const void *p, size_t n);
int	bx_snap_writer_close(struct bx_snap_writer *w, int64_t *tar_size);
void	bx_snap_writer_abort(struct bx_snap_writer *w);
/* The old format (zlib stream of size bytes, read from in) as an archive. */
int	bx_snapshot_v1_convert(int in, int64_t size, int out, int64_t *tar_size,
	    char *err, size_t errsz);

/* What every experiment of one explore shares (read-only after set-up). */
struct bx_setup {
	const char	*exe;
	char *const	*argv;
	char *const	*envp;		/* PROG's environment, as recorded */
	bool		deterministic;	/* ASLR off; pin to cpu */
	bool		trace_close;	/* close sites, as recorded */
	int		cpu;		/* the CPU this process runs PROG on */
	int		init_fd;	/* the snapshot (bx_snapshot_load), or -1 */
	struct bx_cgroup *cgroup;	/* this worker's, or NULL (contain.c) */
	const void	*stdin_data;	/* PROG's recorded stdin, or NULL */
	size_t		stdin_len;
	/* the recording's seed, namespaces and names */
	struct rec_replay replay;
	const char	*oracle;	/* resolved command */
	char		**oracle_env;	/* environ without BADIO_* */
	int		timeout_ms;
	int		oracle_timeout_ms;
	const char	*keep_dir;
	const char	*module_root;	/* the unpacked bundle PROG runs from */
	bool		end_site;	/* the recording has the end site: the
					 * runs report it too */
	bool		judge_once;	/* --judge-once: a sweep's states that
					 * look the same to the oracle are
					 * judged once (state_digest.c) */
};

/* One experiment to run: a site (by replay key) and a fault. */
struct bx_job {
	int64_t		site_id;	/* 0 for the baseline */
	int64_t		seq;
	enum rec_fault	fault;		/* REC_FAULT_NONE: the baseline */
	enum rec_family	family;
	char		*key_path;
	unsigned	ordinal;
	char		*syscall;
	char		*path;
	int64_t		callsite;	/* recorded call-site id, 0 unknown */
	/* a fault with crash states: the states to judge (state.c), and
	 * how many experiments the plan counted for them */
	uint64_t	states;
	unsigned	nstates;
};

/* The oracle's judgement of one crash state. */
struct bx_judged {
	char		state[BX_STATE_NAME_MAX];	/* "durable", "prefix:2" */
	struct bx_oracle_result oracle;
	enum bx_verdict	verdict;
	struct bx_tail	oracle_out;
	int64_t		same_as;	/* --judge-once: the site whose state,
					 * the same as this one, the oracle
					 * judged; 0: judged itself */
};

/*
 * --judge-once: what the oracle sees of a crash state, as one digest
 * (XXH3-128): the files under dir, the bytes of stdout_path, and the
 * fault, state and status it is told (state_digest.c).
 */
struct bx_digest {
	uint64_t	lo, hi;
};

struct bx_state_seen {
	const char	*fault;
	const char	*state;
	const char	*status;
	const char	*stdout_path;
	const char	*dir;
};

int	bx_state_digest(const struct bx_state_seen *seen, struct bx_digest *out);
/* BADIO_STATUS of a crash state of job: "crash", or "" when the program
 * runs on after it (the end site, lost-sync). */
const char *bx_state_status(const struct bx_job *job);

/* What came of it; plain data, sent as is from a worker to the parent. */
struct bx_outcome {
	int		err;		/* 0, or -errno: the run could not be made */
	enum bx_fail	fail;		/* where, when err != 0 */
	enum rec_stage	stage;
	bool		aborted;	/* interrupted: do not store */
	bool		injected;
	int64_t		fault_bytes;
	enum rec_status	st;
	int		code;
	int64_t		duration_ns;
	bool		pidns;		/* the run had its own PID namespace */
	bool		urandom;	/* and /dev/urandom from the seed */
	int		ns_errno;	/* why it had none */
	struct bx_oracle_result oracle;
	enum bx_verdict	verdict;
	struct bx_tail	prog;
	struct bx_tail	oracle_out;
	char		why[256];	/* err: one line of detail, or "" */
	/*
	 * For --keep: the run directory, left for the parent to keep if it
	 * takes the result (or remove if not: a result held while the
	 * baseline runs may be dropped); "" if removed.
	 */
	char		left_dir[PATH_MAX];
	/* A mount point the program left, keeping the directory; or "". */
	char		mount[PATH_MAX];
	int		left_err;	/* -EBUSY with mount, or why it stayed */
	/*
	 * A fault with crash states: one judgement per state (the oracle
	 * fields above are unused), the crash point's last durability
	 * point and how many operations were not durable there.
	 */
	unsigned	njudged;
	struct bx_judged judged[BX_STATES_MAX];
	char		last_sync[256];	/* replay key, "" for none */
	int64_t		unsynced;
	char		kept_state[BX_STATE_NAME_MAX];	/* the state in
					 * left_dir (--keep), or "" */
};

/*
 * Run one experiment: scratch directory with the init snapshot, PROG
 * under the tracer with the job's fault, the oracle (unless unreached),
 * the verdict, --keep.  fn (may be NULL) sees every site of the run.
 * Returns out->err.
 */
int	bx_experiment_run(const struct bx_setup *su, const struct bx_job *job,
	    rec_site_fn *fn, void *ctx, struct bx_outcome *out);

/*
 * A sweep run (sweep.c): bx_experiment_run with the journal, no target
 * and cb as rec_opts.sweep_cb; started is called before rec_run with the
 * run's output, run directory and aux directory; rec_run's result goes
 * to *rr; no oracle runs after it.
 */
struct bx_sweep_hook {
	rec_point_fn	*cb;
	void		*ctx;
	int		(*started)(void *ctx, struct bx_output *o,
			    const char *dir, const char *aux);
	struct rec_result *rr;
	/*
	 * Checkpoints (ckpt.c): the driver's rec_opts.fork_cb, no sweep.
	 * Set before rec_run: where the run's directory, aux directory and
	 * output are, for a child to take its own; set by the callback in
	 * a child: child (the run goes on as that experiment's re-run).
	 */
	rec_fork_fn	*fork_cb;
	unsigned	fork_max;	/* children at once (-j) */
	char		**dirp;
	char		**auxp;
	struct bx_output *output;
	bool		child;
};

int	bx_experiment_sweep(const struct bx_setup *su, const struct bx_job *job,
	    rec_site_fn *fn, void *ctx, struct bx_sweep_hook *hook,
	    struct bx_outcome *out);
/*
 * The oracle on dir (holding crash state state, or NULL) into res and
 * tail, with the environment docs/explore.md promises.  0, or -errno
 * with out->fail set; an interrupted oracle sets out->aborted.
 */
int	bx_experiment_oracle(const struct bx_setup *su, const struct bx_job *job,
	    const char *dir, const char *state, const char *stdout_path,
	    struct bx_outcome *out, struct bx_oracle_result *res,
	    struct bx_tail *tail);
/* State number i (state.c) as the recorder's struct rec_state. */
struct rec_state bx_rec_state_of(unsigned i);
/* Everything PROG wrote to its stdout pipe so far is in o->path. */
void	bx_output_sync(struct bx_output *o);

/*
 * A power experiment (power.c): bx_power_crash is the run's
 * rec_opts.crash_cb, judge runs the oracle on the state at dir.
 */
struct bx_power {
	const struct bx_setup *su;
	const struct bx_job *job;
	struct bx_outcome *out;
	struct bx_output *output;
	const char	*dir;		/* the run directory */
	const char	*aux;		/* the experiment's aux directory */
	int		(*judge)(struct bx_power *pc, struct bx_judged *jd);
	bool		called;		/* the crash point came */
	bool		failed;		/* its states could not be made:
					 * out->why says why */
};

int	bx_power_crash(void *ctx, const struct rec_journal *j);
/*
 * --keep: the state at dir goes to a scratch directory of its own, for
 * the parent to move to keep_dir/site-N-FAULT-STATE (explore_keep), as
 * out->left_dir and kept_state.  False, dir where it was, if out holds
 * one already or it could not be moved.
 */
bool	bx_state_keep(struct bx_outcome *out, const char *state,
	    const char *dir);
void	bx_power_verdicts(const struct bx_power *pc);

/* CLOCK_MONOTONIC in nanoseconds. */
static inline int64_t
bx_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* --- plan.c: what one explore runs --- */

/* A site as the plan and the baseline comparison need it. */
struct site_row {
	struct bx_job	job;		/* fault left NONE */
	char		*key;		/* replay key text */
	char		*path2;		/* rename target, or NULL */
	char		*creates;	/* the name it created (tried to, when
					 * failed), or NULL */
	bool		failed;		/* the call failed (result < 0) */
	int64_t		count;
	const struct rec_sysent *sc;
	int		kind;
	unsigned	process;	/* creation numbers; 0: unknown */
	unsigned	thread;
	bool		selected;	/* passes --sites and --callsite */
	bool		pruned;		/* left out by --per-callsite */
};

/* A (site, fault) pair --per-callsite left out. */
struct skip {
	int64_t		site;
	enum rec_fault	fault;
};

/*
 * A site the divergence check compares, recorded or re-run.  Strings
 * belong to the plan's site rows (recorded) or to the run.
 */
struct csite {
	const char	*key;		/* replay key text */
	const char	*key_path;	/* its path */
	const char	*syscall;
	int		family;		/* enum rec_family */
	int64_t		count;		/* -1: none */
	int64_t		callsite;	/* 0: unknown */
	int64_t		seq;
	unsigned	process;	/* creation numbers; 0: unknown */
	unsigned	thread;
	unsigned	tpos;		/* its place among its thread's (from 0) */
};

/* Sites, sorted by seq, indexed by key and by (process, thread, seq). */
struct div_index {
	struct csite	**by_key;
	struct csite	**by_thread;
	size_t		n;
	bool		threads_known;	/* every site has its thread */
	bool		threaded;	/* the sites come from several threads */
};

struct plan {
	struct site_row	*sites;
	size_t		nsites;
	size_t		cap;
	struct bx_job	*jobs;
	size_t		njobs;
	size_t		jcap;
	const struct bx_explore_opts *opts;
	const char	*rec_status;	/* PROG's status in the recording */
	unsigned	kinds;
	int		err;
	bool		callsite_seen;	/* opts->callsite names a site */
	bool		compare_callsites; /* the recording's ids are made the
					 * way this recorder makes them */
	struct skip	*skips;
	size_t		nskips;
	size_t		scap;
	struct csite	*rsites;	/* the recorded sites compared, by seq */
	size_t		nrsites;
	struct div_index compared;	/* their indexes */
	bool		worker_lost;	/* a worker died (signal, failure): its
					 * run directory is left to sweep */
	/* what a re-run needs for names (recorder/namemap.c) */
	struct rec_created *created;	/* the names sites created, seq order */
	size_t		ncreated;
	const char	**known;	/* every path and path2, sorted, once */
	size_t		nknown;
	bool		rec_pidns;	/* the recording had a PID namespace */
	size_t		filter_matched;	/* sites opts->sites matches, of any
					 * kind */
	struct store_oracle oracle;	/* opts->oracle, as the store keeps it */
	char		*oracle_file;	/* its file (bx_oracle_identify) */
	char		oracle_sha[65];
	int64_t		oracle_id;	/* oracles.id of it, once the baseline
					 * passed */
};

/* Load the recording's sites (p->opts and p->kinds set first). */
int	plan_load(struct store *s, struct plan *p);
/* The jobs: selected sites x applicable faults, minus those done. */
int	plan_jobs(struct store *s, struct plan *p, struct bx_explore_result *res);
/* Store the pairs --per-callsite left out, in one transaction. */
int	plan_skips_store(struct store *s, const struct plan *p);
/* The recorded sites on files outside the run directory, into res. */
int	plan_outside(const struct plan *p, struct bx_explore_result *res);
/* The recorded sites the divergence check compares, and their indexes. */
int	plan_compared_build(struct plan *p);
/* The creation sequence and the known names re-runs are given. */
int	plan_names_build(struct plan *p);
void	plan_release(struct plan *p);
/* The options that select the plan, as the text kept in meta 'plan'. */
int	plan_describe(const struct bx_explore_opts *o, char **text);

/* --- divergence.c: did a re-run follow the recording? --- */

/* What the comparison of a run with the recording found. */
enum bx_div_kind {
	BX_DIV_NONE,		/* the recording's calls, thread by thread */
	BX_DIV_REORDERED,	/* the same calls, interleaved otherwise */
	BX_DIV_DIVERGED,	/* a thread made other calls */
};

/* The comparisons of a run with the recording (divergence.c). */
enum div_comparison {
	DIV_FILES,		/* each file's calls, by replay key */
	DIV_THREADS,		/* each thread's calls, in order */
	DIV_CONTENT,		/* each call is the recorded call of its key */
	DIV_MOVED,		/* each key came from the same thread and point */
	DIV_COMPARISONS
};

#define DIV_TEXT_MAX	384

/* What the comparison of a run with the recording found. */
struct bx_divergence {
	enum bx_div_kind kind;
	uint64_t	missing;	/* whole runs: recorded sites not seen */
	uint64_t	extra;		/* whole runs: sites not recorded */
	char		diff[DIV_TEXT_MAX]; /* the difference that decided */
	char		calls_differ[DIV_TEXT_MAX]; /* whole runs: a call made
					 * otherwise than recorded, or "" */
};

/* Is a site of this kind and path part of the comparison? */
bool	div_compared(unsigned kinds, int kind, const char *path);
/* Sort v by seq and index it (numbers each site's place in its thread). */
int	div_index_build(struct csite *v, size_t n, struct div_index *ix);
void	div_index_release(struct div_index *ix);
/* In a worker: run one job (bx_experiment_run) and compare its sites. */
void	div_run_job(const struct bx_setup *su, const struct plan *p,
	    const struct bx_job *job, struct bx_outcome *out,
	    struct bx_divergence *dv);
/* The same with a hook (ckpt.c), and tap seeing every site first. */
void	div_run_job_hook(const struct bx_setup *su, const struct plan *p,
	    const struct bx_job *job, struct bx_sweep_hook *hook,
	    rec_site_fn *tap, void *tap_ctx, struct bx_outcome *out,
	    struct bx_divergence *dv);

/* --- workers.c and explore.c: the parent and its workers --- */

/* The wire format of one result: fixed size, sent as is. */
struct wire {
	uint32_t	idx;		/* job index, or BASELINE */
	struct bx_outcome out;
	struct bx_divergence dv;
};

/* Job index of the fault-free run. */
#define BASELINE	UINT32_MAX
/* Job index of the sweep run (sweep.c): its worker sends a wire per
 * power job it judged, then one with this index. */
#define SWEEP		(UINT32_MAX - 1)

/* Read (out false) or send n bytes whole; -errno, -EPIPE at EOF. */
int	bx_wire_io(int fd, void *buf, size_t n, bool out);
/* Job index of the checkpointed driver (ckpt.c): its children send a
 * wire per job, the driver one with this index at its end. */
#define CKPT		(UINT32_MAX - 2)
/* ckpt.c: a job a checkpoint's child can run; the driver's worker. */
bool	bx_ckpt_job(const struct bx_job *job);
/* BADIO_CHECKPOINT set (and not "0"): explore forks its experiments */
bool	bx_checkpointing(void);
void	bx_ckpt_worker(const struct bx_setup *su, const struct plan *p, int fd,
	    struct wire *w);
/* sweep.c: a job the sweep judges (power, with states). */
bool	bx_sweep_job(const struct bx_job *job);
/* --- oracle_spawn.c: how the oracle starts (oracle.c runs it) --- */

/* Characters after which the first word is not a plain path. */
#define BX_SHELL_SPECIAL	"\"'`$\\;|&<>()*?[]{}~=#!"

/* A builtin or reserved word of sh: never a file, never a PATH lookup. */
bool	bx_shell_word(const char *w);

/*
 * How the oracle starts.  A simple command (words of plain characters
 * and single-quoted strings, as bx_oracle_resolve writes a path; a first
 * word that is no builtin or reserved word) is what sh would run with
 * one more fork (dash does not exec the last command of -c): we execve
 * it ourselves, with the environment sh would give it (PWD, see
 * oracle_spawn.c sh_pwd).  A file without #! runs as /bin/sh FILE ARGS, as sh does on
 * ENOEXEC.  Any other failure of the direct execve falls back to
 * `sh -c CMD`, which fails the same way and says so in sh's words (126,
 * 127, "not found"), so errors read as they always did.  Everything
 * else is `sh -c CMD`.  Built by the parent; the child only reads it.
 */
struct bx_spawn {
	const char	*path;		/* execve's file */
	char		**run;		/* its argv: argv or sh_argv */
	char		**argv;		/* the words of a simple command */
	char		**envp;
	char		**script;	/* /bin/sh PATH ARGS, on ENOEXEC */
	char		*sh_argv[4];	/* sh -c CMD */
	char *const	*sh_envp;
	const char	*dir;
	int		out;
	int		errfd;
	int		cgfd;
	pid_t		parent;
	bool		direct;
	/* owned */
	char		*words;
	char		*pwd;
	char		*path_buf;
};

/* What to execve for cmd in dir: 0 or -ENOMEM (sp's parent, out, errfd
 * and cgfd are the caller's to set before bx_spawn_start). */
int	bx_spawn_prepare(struct bx_spawn *sp, const char *cmd, const char *dir,
	    char *const envp[]);
/* Start the child: its pid, or -errno. */
pid_t	bx_spawn_start(struct bx_spawn *sp);
void	bx_spawn_free(struct bx_spawn *sp);

/* explore.c: SIGINT and SIGTERM call bx_interrupt (workers, the judge). */
void	bx_catch_stop_signals(void);
/* sweep_judge.c: the process that runs the sweep's oracles. */
struct bx_judge {
	pid_t		pid;
	int		fd;
	int		pidfd;
};
int	bx_judge_start(const struct bx_setup *su, const struct plan *p,
	    struct bx_judge *jg);
/* The oracle on state at dir, stdout_path its BADIO_STDOUT: sent, then
 * its judgement received, in the order sent.  The judge removes dir,
 * but the first damaged state of a job with keep (*kept). */
int	bx_judge_send(struct bx_judge *jg, uint32_t idx, const char *state,
	    const char *dir, const char *stdout_path, bool keep);
int	bx_judge_recv(struct bx_judge *jg, struct bx_judged *jd,
	    bool *aborted, bool *kept);
void	bx_judge_stop(struct bx_judge *jg);
/* In a worker: the sweep run; w becomes its closing wire (idx SWEEP,
 * out.err: why it could not run). */
/*
 * Is there room on the memory file system for one more crash state
 * (sweep.c)?  avail and total its free and whole size, state_bytes the
 * most a state took so far: after it, at least half and 256 MiB free.
 */
bool	bx_memory_room(unsigned long long avail, unsigned long long total,
	    unsigned long long state_bytes);
void	bx_sweep_worker(const struct bx_setup *su, const struct plan *p,
	    int fd, struct wire *w);

/* Run the baseline then the plan's jobs on opts->jobs workers. */
int	workers_run(struct store *s, const struct bx_setup *su, struct plan *p,
	    struct bx_explore_result *res);
/* explore.c: what the parent does with the baseline and with a result. */
int	explore_judge_baseline(const struct wire *w, const struct plan *p,
	    struct bx_explore_result *res);
int	explore_baseline_passed(struct store *s, struct plan *p,
	    struct bx_explore_result *res, struct bx_progress *pr);
int	explore_take(struct store *s, struct plan *p, const struct wire *w,
	    struct bx_explore_result *res, struct bx_progress *pr, int64_t t0);
/*
 * left.c: --keep a bug run's directory as keep_dir/site-N-FAULT, a
 * crash state's (state not NULL) as keep_dir/site-N-FAULT-STATE.
 */
void	explore_keep(const struct bx_explore_opts *opts, const struct bx_job *job,
	    const char *state, const char *dir);
/* A result not taken: its run directory goes too. */
void	explore_drop(const struct plan *p, const struct wire *w);
/* Tell the caller of a directory that had to stay (BX_EV_LEFT). */
void	explore_left(const struct bx_explore_opts *opts, const char *dir,
	    const char *mount, int err);

/* cpu.c: of the allowed CPUs, the one /proc/interrupts text f says took
 * most of the interrupts irqs[0..n); -1 if none took any */
int	bx_busiest_cpu(FILE *f, const int *irqs, int n, const cpu_set_t *allowed);

#endif /* BADIO_EXPLORER_EXPLORER_INT_H */
