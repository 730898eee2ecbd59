/*
 * recorder.h - the public contract of badio's tracer.
 *
 * The recorder runs one program under ptrace with a seccomp-bpf filter
 * that stops only on the syscalls in the syscall table (sysent), reports
 * every such call as a site to a callback, and can force one chosen site
 * to fail (fault injection).  It knows nothing of SQLite or of the CLI:
 * it never prints and never exits; every function returns 0 or -errno.
 *
 * Lifecycle:
 *   1. fill a struct rec_opts (argv, envp, dir; optionally a fault);
 *   2. rec_run(&opts, site_cb, ctx, &result) forks, traces and waits
 *      until every traced process is gone, calling site_cb once per
 *      completed site, in completion order;
 *   3. read struct rec_result (status of the program, injection outcome).
 * From a signal handler, rec_interrupt() makes a running rec_run() kill
 * the traced processes and return.  While it runs, rec_run() uses
 * SIGALRM and ITIMER_REAL (restored afterwards), and expects the caller's
 * own handlers (SIGINT...) to be installed without SA_RESTART.
 *
 * See docs/design.md for the site model (families, kinds, replay keys)
 * and docs/ptrace.md for the tracer's invariants.
 */
#ifndef BADIO_RECORDER_RECORDER_H
#define BADIO_RECORDER_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Syscall families: what a site does to the data. */
enum rec_family {
	REC_FAM_WRITE,		/* write, pwrite64, writev, pwritev, pwritev2,
				 * copy_file_range, sendfile, splice */
	REC_FAM_SYNC,		/* fsync, fdatasync, sync_file_range, msync, syncfs, sync */
	REC_FAM_NAMESPACE,	/* rename*, unlink*, rmdir, mkdir*, link*, symlink*,
				 * mknod*, truncate, ftruncate, fallocate,
				 * creating opens */
	REC_FAM_MMAP,		/* mmap (MAP_SHARED, PROT_WRITE, a file), munmap and
				 * mremap of such a mapping (recorder/mapping.c) */
	REC_FAM_CLOSE,		/* close of a written regular file, with
				 * rec_opts.trace_close only */
	REC_FAM_END,		/* the program's end (rec_opts.end_site): one
				 * site after every traced process is gone,
				 * syscall "exit", path "<end>", key "end:1" */
	REC_FAM_COUNT
};

/* What the file a site acts on is. */
enum rec_kind {
	REC_KIND_REGULAR,	/* regular file (or a path that will become one) */
	REC_KIND_DIR,		/* directory (fsync of a directory, rmdir) */
	REC_KIND_PIPE,		/* pipe or FIFO */
	REC_KIND_SOCKET,	/* socket */
	REC_KIND_TTY,		/* terminal */
	REC_KIND_OTHER,		/* anything else: /dev/null, eventfd, no file (sync) */
	REC_KIND_COUNT
};

/* Faults the recorder can inject at one site (names: rec_fault_name). */
enum rec_fault {
	REC_FAULT_NONE,
	REC_FAULT_SHORT,	/* write about half, return that count */
	REC_FAULT_TORN,		/* write about half, return -EIO */
	REC_FAULT_EIO,		/* do not execute, return -EIO */
	REC_FAULT_ENOSPC,	/* do not execute, return -ENOSPC */
	REC_FAULT_CRASH,	/* SIGKILL every traced process before the call */
	/*
	 * Persistent faults ("eio+", "enospc+"): the target call fails as
	 * with EIO or ENOSPC, and from it on a rule holds for its file system
	 * (st_dev) until the run ends (recorder/rule.c).
	 */
	REC_FAULT_EIO_DEV,	/* a dead device: every write, sync, namespace and
				 * close call on it fails with EIO */
	REC_FAULT_ENOSPC_DEV,	/* a full file system: calls that need new blocks
				 * fail with ENOSPC or are cut short; freed
				 * space can be used again (recorder/space.c) */
	/*
	 * Power loss (recorder/journal.c; need rec_opts.journal).  power:
	 * every traced process is killed before the call (as crash), then
	 * opts->crash_cb gets the undo journal; at the end site the program
	 * has exited and crash_cb is called then.  lost-sync (sync family,
	 * not sync_file_range): the call is not run and returns -EIO, and the
	 * inode's unsynced data is lost for good (a later fsync that succeeds
	 * does not save it); the next sync call of every other open file
	 * description of it returns -EIO once (recorder/errseq.c); the
	 * program runs on and crash_cb is called at its end.
	 */
	REC_FAULT_POWER,
	REC_FAULT_LOST_SYNC,
	REC_FAULT_COUNT
};

/* One row of the syscall table; see recorder/sysent.c. */
struct rec_sysent {
	const char	*name;		/* "pwrite64" */
	long		nr;		/* __NR_pwrite64 */
	enum rec_family	family;
	unsigned	faults;		/* bit (1u << enum rec_fault) per applicable fault */
};

/*
 * How call-site ids are made, as a number kept with a recording: ids of
 * two schemes never match.  2: the ip and the return addresses of the
 * innermost frames (recorder/callsite.c); 1 was a scan of stack words.
 */
#define REC_CALLSITE_SCHEME	2

/* A code address, normalised: module file and offset in it. */
#define REC_MAX_FRAMES	32
struct rec_frame {
	const char	*module;	/* path of the mapped file, or "[vdso]" */
	uint64_t	offset;		/* file offset of the address */
};

struct rec_maps;		/* the mapped files' durable images, below */

/* One completed traced call.  Strings live until the callback returns. */
struct rec_site {
	uint64_t	seq;		/* 1-based order in which the calls entered */
	pid_t		pid;		/* thread group id */
	pid_t		tid;
	unsigned	process;	/* 1-based: processes in the order they
					 * appeared (PROG is 1), 0 unknown */
	unsigned	thread;		/* 1-based: threads in the order they
					 * appeared in their process (the main
					 * thread is 1), 0 unknown */
	const struct rec_sysent *sc;
	int		fd;		/* -1 when the call takes no fd */
	const char	*path;		/* relative to the run directory when inside it
					 * ("./<x>" if it begins with '<'), absolute
					 * otherwise, or a name beginning with '<' that
					 * is never a file: "<stdout>", "<too long>/x"
					 * (docs/schema.md, "Paths") */
	const char	*path2;		/* rename target; link source; symlink
					 * text; copy source; or NULL */
	enum rec_kind	kind;
	int64_t		offset;		/* file offset before the call, -1 if none */
	int64_t		count;		/* requested bytes (length for truncate/fallocate/
					 * sync_file_range/msync; for copy calls
					 * clamped to what the source held), -1 if none */
	int64_t		offset2;	/* copy calls: source offset before the
					 * call, -1 if none (a pipe) */
	int64_t		result;		/* bytes, fd or 0; -errno on failure */
	bool		has_result;	/* false if the task died inside the call,
					 * or a lite site (rec_opts.sites_lite) */
	bool		append;		/* fd was opened with O_APPEND */
	const char	*flags;		/* comma-separated words (docs/schema.md,
					 * "flags"), or NULL */
	int64_t		t_ns;		/* time since the program started */
	uint64_t	xxh3;		/* XXH3-64 of the bytes written (libxxhash) */
	int64_t		crc_bytes;	/* how many bytes xxh3 covers; -1 if no data */
	unsigned	ordinal;	/* 1-based index among sites with this family+path */
	const char	*key;		/* replay key text: "write:data.txt:3" */
	int64_t		callsite;	/* call-site id (> 0), the same across runs;
					 * 0 when unknown */
	const struct rec_frame *frames;	/* set at the first site of each call
					 * site only (else NULL): its frames,
					 * innermost first */
	unsigned	nframes;
	bool		unwound;	/* frames from a full unwind (--stacks),
					 * else those the call-site id was made
					 * from */
	enum rec_fault	fault;		/* fault injected at this site (the target,
					 * or a call a persistent fault's rule
					 * broke), or NONE */
	bool		mapped;		/* the file has a shared writable mapping
					 * in a traced process (or this is one of
					 * the mmap family's calls on it) */
	const struct rec_maps *maps;	/* with rec_opts.map_copies: the mapped
					 * files' durable images (below), valid
					 * while the callback runs; else NULL */
	const char	*creates;	/* the name this call brought into
					 * existence (path, or path2 for a
					 * rename target that did not exist),
					 * or NULL */
};

/*
 * Which site to break, found by replay key (family, path, ordinal).  A
 * one-shot fault breaks that call only; a persistent one
 * (rec_fault_persistent) also arms its rule there, for the target's file
 * system, and every later call the rule covers is broken too.
 */
struct rec_target {
	enum rec_fault	fault;
	enum rec_family	family;
	const char	*path;
	unsigned	ordinal;
};

/*
 * A name the recording brought into existence, or tried to (struct
 * rec_site creates), in seq order: a re-run that creates a name the recording
 * does not have takes the recorded name created at the same point (same
 * directory, same order, same call site), so its replay keys follow the
 * file, not its random spelling (recorder/namemap.c).
 */
struct rec_created {
	const char	*path;		/* as recorded */
	int64_t		callsite;	/* 0: unknown */
	bool		failed;		/* the recorded call tried to create
					 * path and failed (ENOENT before a
					 * mkdir, EEXIST in a retry loop) */
};

/*
 * Determinism (docs/design.md "Determinism").  With random, getrandom(2),
 * the AT_RANDOM bytes of every exec and, in a mount namespace,
 * /dev/urandom and /dev/random answer from seed, the same in every run.
 * With namespaces, the program runs in its own PID and mount namespaces
 * when the kernel allows it (root, or an unprivileged user namespace):
 * the same pids in every run.  Re-runs also get the recording's creation
 * sequence (seq order) and every path its sites name (path and path2,
 * each once, any order); see struct rec_created.  NULL/0: names are taken
 * as they are.
 */
struct rec_replay {
	bool		random;
	uint64_t	seed;
	/*
	 * clock: the wall clock (clock_gettime of CLOCK_REALTIME,
	 * CLOCK_REALTIME_COARSE and CLOCK_TAI, gettimeofday, time) answers
	 * clock_ns + n ms, n the process's count of such calls so far (a
	 * new process goes on from its parent's), and the vDSO is hidden so
	 * that every such call reaches the kernel (recorder/clock.c).
	 */
	bool		clock;
	int64_t		clock_ns;
	bool		namespaces;
	const struct rec_created *created;
	size_t		ncreated;
	const char *const *known;
	size_t		nknown;
};

/*
 * Crash states (recorder/journal*.c, docs/design.md "Undo journal").
 * durable: every op that was not made durable is undone, and the data a
 * lost-sync lost has its old bytes and size (XFS, btrfs); metadata: every
 * namespace op and truncate kept, unsynced data undone; prefix:N: durable
 * plus the first N pending ops, each whole; durable-zero: durable, but
 * lost data as ext4 leaves it: the size as written, newly allocated
 * ranges zeros, overwritten ranges their old bytes (DURABILITY_NOTES
 * §2.2, §2.4 L3).
 */
enum rec_state_kind {
	REC_STATE_DURABLE, REC_STATE_METADATA, REC_STATE_PREFIX,
	REC_STATE_DURABLE_ZERO,
};
struct rec_state {
	enum rec_state_kind kind;
	unsigned	n;		/* PREFIX: 1..k */
};
/* "durable", "metadata", "prefix:3", "durable-zero"; -EINVAL */
int	rec_state_parse(const char *s, struct rec_state *out);
int	rec_state_format(char *buf, size_t size, struct rec_state st);

struct rec_journal;	/* opaque: what is not yet durable, in program order */
/* Ops not durable at the crash point (k of prefix:1..k); 0 = nothing to lose. */
unsigned rec_journal_pending(const struct rec_journal *j);
/* seq of the last site that was a durability point (0 if none), and its key */
uint64_t rec_journal_last_sync(const struct rec_journal *j, const char **key);
/*
 * Build crash state st of the run directory: src is the run directory as
 * the killed program left it (renamed by the caller, perhaps: its inodes
 * are what the journal knows), or, from a sweep_cb, the live run
 * directory with the program stopped; dest an empty directory on the same
 * file system, outside src, to fill: a copy of src (reflinks where
 * possible, holes kept, modes kept, symlinks copied as links, never
 * followed) with the journal's entries undone as st demands; mapped
 * files get their map images (rec_opts.map_copies).  0 or -errno:
 * -ESTALE if src is not the run directory's inode, -ENOTEMPTY if dest is
 * not empty, -EINVAL if dest is inside src.
 */
int	rec_journal_build(const struct rec_journal *j, struct rec_state st,
	    const char *src, const char *dest);
/*
 * Called with every traced process dead (or, for the end site, exited).
 * A non-zero return is returned by rec_run.  j is valid during the call.
 */
typedef int rec_crash_fn(void *ctx, const struct rec_journal *j);

/*
 * Sweep: every site a crash point in one run (rec_opts.sweep_cb;
 * recorder/sweep.c, docs/design.md "Undo journal").  At the seccomp stop
 * of every site, before the call runs, with every other traced task
 * stopped, and at the END site (with end_site) after the program has
 * exited, sweep_cb gets the journal as a power failure right there
 * would leave it, and the point.  While it runs, rec_journal_build(j,
 * st, opts->dir, dest) builds a crash state from the live run directory;
 * the state is the one a power re-run with the target {REC_FAULT_POWER,
 * family, path, ordinal} builds after its kill (tests/live/test_sweep.c).
 * A restarted call (after a signal handler) is one point, at its first
 * entry.  A non-zero return stops the run as rec_site_fn's does.
 */
struct rec_point {
	uint64_t	seq;		/* the site's rec_site.seq */
	const char	*key;		/* its replay key: "write:A:1", "end:1" */
	enum rec_family	family;		/* its replay key's parts: the power */
	const char	*path;		/*  target of the same crash point */
	unsigned	ordinal;
	const struct rec_sysent *sc;	/* the call ("exit" at the end) */
	unsigned	stopped;	/* other traced tasks stopped for it */
};
typedef int rec_point_fn(void *ctx, const struct rec_journal *j,
    const struct rec_point *pt);

/*
 * Checkpoints (rec_opts.fork_cb; recorder/checkpoint.c, docs/design.md
 * "Checkpointing").  In a run without a target (the driver), at the
 * seccomp stop of each site, before the call runs, fork_cb(REC_FORK_ASK)
 * says how many experiments to fork there (0: none).  Where the fork can
 * be exact (one traced task; every open file one the child can be given
 * its own of; no mapping of a run-directory file, no lock) each of them
 * is: fork_cb(REC_FORK_PREPARE) fills f (the copy of the run directory,
 * the target); the program is cloned there, the child's cwd and fds
 * moved onto the copy, its stdout and stderr onto pipes of its own; badio
 * forks, and in the copy of badio fork_cb(REC_FORK_CHILD) is called and
 * rec_run goes on as a run with f->target, of the child alone: it
 * returns when the child and all it started are gone, as a re-run's.
 * In the driver, the program then makes its call as without the fork,
 * while up to fork_max such copies run (0 or 1: the driver waits for
 * each); fork_cb(REC_FORK_PARENT) once a copy has ended, and rec_run
 * returns only when all have.  Where the fork
 * cannot be exact, fork_cb(REC_FORK_FALLBACK) with f->why, and nothing
 * is forked at that point.  A negative return of ASK or PREPARE forks
 * nothing more at that point.
 */
enum rec_fork_op {
	REC_FORK_ASK,
	REC_FORK_PREPARE,
	REC_FORK_CHILD,
	REC_FORK_PARENT,
	REC_FORK_FALLBACK,
};
struct rec_fork {
	unsigned	i;		/* which of the point's experiments */
	const char	*dir;		/* PREPARE: the copy of the run directory */
	int		out_rd;		/* CHILD: the read ends of the pipes the */
	int		err_rd;		/*  child's stdout and stderr are now, or
					 * -1 (the callback's to close) */
	struct rec_target target;	/* PREPARE: the child's fault */
	int		cpu;		/* PREPARE: the CPU the child and its
					 * tracer run on (with opts->pin), -1 */
	unsigned	slot;		/* which of the children at once */
	void		*priv;		/* PREPARE: the callback's, given back
					 * to CHILD, PARENT, FALLBACK */
	pid_t		tracer;		/* PARENT: the child's tracer, reaped */
	int		status;		/* PARENT: its wait status */
	const char	*why;		/* FALLBACK: why not here */
};
typedef int rec_fork_fn(void *ctx, enum rec_fork_op op,
    const struct rec_point *pt, struct rec_fork *f);

struct rec_opts {
	const char	*exe;		/* resolved executable, passed to execve */
	char *const	*argv;
	char *const	*envp;
	const char	*dir;		/* working directory of the program; paths inside
					 * it are reported relative to it */
	bool		no_aslr;	/* personality(ADDR_NO_RANDOMIZE) in the child */
	bool		allow_io_uring;	/* default: io_uring_setup fails with ENOSYS */
	int		stdin_fd;	/* fds the program gets as 0, 1, 2; -1 = inherit */
	int		stdout_fd;
	int		stderr_fd;
	int		timeout_ms;	/* kill the whole tree after this; 0 = none */
	bool		pin;		/* pin badio and the program to one CPU: a
					 * tracer round trip costs half on one CPU,
					 * and the CPU count is the same every run */
	int		cpu;		/* that CPU, when pin is set */
	const struct rec_target *target;	/* NULL: record only */
	size_t		crc_limit;	/* read at most this many bytes per call for
					 * the checksum (xxh3);
					 * 0 = default (64 MiB) */
	bool		stacks;		/* unwind each new call site fully (libdw) */
	const char	*cgroup;	/* cgroup v2 directory the program starts
					 * in (it joins before exec), so that the
					 * caller can kill all it starts; NULL:
					 * badio's own */
	bool		trace_close;	/* close of a written regular file is a site
					 * (family close): a stop at every close */
	bool		map_copies;	/* keep durable images of mapped files
					 * (rec_site.maps) */
	size_t		map_copy_mem;	/* bytes of images kept in memory before the
					 * rest goes to a temporary file;
					 * 0 = default (64 MiB) */
	struct rec_replay replay;	/* determinism: randomness, pids, names */
	const char	*module_root;	/* the program runs from a copy of its
					 * files under this directory (explore
					 * of a bundle): a mapped ROOT/x is
					 * named /x in frames and call-site
					 * ids, as it was recorded; NULL: none */
	bool		end_site;	/* report the END site when the program
					 * has exited (not killed by badio) */
	bool		journal;	/* keep the undo journal (power,
					 * lost-sync); off: no cost */
	const char	*stash_dir;	/* a directory on the run directory's file
					 * system, outside dir, where the journal
					 * makes one of its own for the run
					 * (victim inodes, spilled bytes; removed
					 * when rec_run returns); NULL: held fds
					 * and $TMPDIR */
	size_t		journal_mem;	/* old bytes kept in memory before the
					 * rest spills; 0 = 64 MiB */
	rec_crash_fn	*crash_cb;
	void		*crash_ctx;
	/*
	 * Once a one-shot fault (short, torn, eio, enospc) has been injected
	 * and its site reported, stop decoding: every later stop of the
	 * syscall table is resumed at once and the kernel runs the call (no
	 * site, no emulation); forks, execs, signals, the random answers and
	 * the timeout are handled as before (docs/ptrace.md, "Fast path after
	 * the fault").  For a caller that needs no site after the fault (the
	 * explorer; the END site, end_site, is still reported).  Ignored for
	 * the other faults, with journal, and when badio's environment has
	 * BADIO_FULL_RERUN.
	 */
	bool		fast_after_fault;
	/*
	 * With fast_after_fault taken: each task of a process under badio's
	 * filter alone runs on with its seccomp filters suspended
	 * (PTRACE_O_SUSPEND_SECCOMP), so its later calls do not stop at all;
	 * forks, execs, signals and deaths still reach the tracer.  Needs
	 * CAP_SYS_ADMIN (else the plain fast path, silently); never for a
	 * process with a filter of its own; off with BADIO_NO_SUSPEND in
	 * badio's environment (docs/ptrace.md, "Suspending the filter").
	 */
	bool		suspend_after_fault;
	/*
	 * The callback needs of a site before the fault only who made which
	 * call: its key, path, kind, syscall, count, call site, seq, process,
	 * thread and fault (the explorer's divergence check, which compares
	 * nothing else).  Then, until the target is broken, a write badio
	 * would emulate is left to the kernel at its seccomp stop, with no
	 * exit stop and nothing read back: its site has no result
	 * (has_result false), no offset for a write at the file position and
	 * no checksum (crc_bytes -1).  Off with journal, sweep_cb, trace_close
	 * and BADIO_FULL_RERUN (docs/ptrace.md, "What a re-run decodes").
	 */
	bool		sites_lite;
	rec_fork_fn	*fork_cb;	/* checkpoints (struct rec_fork): no
					 * target, no journal; NULL: none */
	void		*fork_ctx;
	unsigned	fork_max;	/* forked children running at once */
	rec_point_fn	*sweep_cb;	/* sweep (struct rec_point): needs
					 * journal and no target, else rec_run
					 * returns -EINVAL; NULL: no sweep */
	void		*sweep_ctx;
};

enum rec_status {
	REC_EXITED,			/* code is the exit status */
	REC_SIGNALED,			/* code is the signal number */
	REC_TIMEOUT,			/* killed by badio after timeout_ms */
	REC_INTERRUPTED,		/* killed by badio after rec_interrupt() */
	REC_CRASHED,			/* killed by badio for a crash fault */
};

struct rec_result {
	enum rec_status	status;
	int		code;
	uint64_t	sites;		/* sites reported */
	int64_t		duration_ns;
	bool		injected;	/* the target site was reached and broken */
	int64_t		fault_bytes;	/* bytes the kernel wrote at a short/torn site, else -1 */
	bool		foreign_filter;	/* a seccomp filter of the program's own hid a stop */
	uint64_t	suspended;	/* tasks whose filters were suspended after
					 * the fault (suspend_after_fault) */
	uint64_t	unsuspended;	/* and found at an exec with a filter
					 * of their own: lifted */
	bool		lingered;	/* PROG itself exited (root_code), but
					 * processes it started ran on until
					 * the timeout or interrupt */
	int		root_code;	/* then: PROG's own exit status */
	uint64_t	rule_hits;	/* calls after the target that a persistent
					 * fault's rule broke */
	uint64_t	map_images;	/* durable images taken (map_copies) */
	uint64_t	map_image_bytes; /* bytes copied into them */
	uint64_t	map_mem_peak;	/* most image bytes held in memory at once */
	uint64_t	map_disk_peak;	/* most image bytes in the temporary file */
	uint64_t	map_image_errors; /* images that could not be kept (the range
					 * is then marked lost, rec_mapimage.lost) */
	uint64_t	journal_peak_mem;	/* most old bytes in memory at once */
	uint64_t	journal_peak_disk;	/* most old bytes spilled at once */
	uint64_t	journal_entries;	/* ops journaled */
	uint64_t	sweep_points;	/* sweep_cb calls */
	uint64_t	sweep_stops;	/* tasks stopped for them, in all */
	int64_t		sweep_stop_ns;	/* time spent stopping and resuming them */
	int64_t		sweep_cb_ns;	/* time spent in sweep_cb */
	bool		pidns;		/* PROG ran in its own PID namespace: pids
					 * in sites are the namespace's */
	bool		urandom;	/* /dev/urandom and /dev/random were fed
					 * from the seed */
	int		ns_errno;	/* replay.namespaces but none: why */
	uint64_t	vdso_hidden;	/* execs whose vDSO was hidden (clock) */
	/*
	 * Stops by kind, to check the tracer's invariants (docs/ptrace.md):
	 * no syscall-entry stop ever, every exit stop reports op EXIT.
	 */
	struct {
		uint64_t	seccomp;	/* our seccomp stops */
		uint64_t	foreign;	/* seccomp stops of another filter */
		uint64_t	exit;		/* syscall-exit stops, op EXIT */
		uint64_t	unexpected;	/* syscall stops that were not op EXIT */
		uint64_t	signal;		/* signal-delivery stops (re-injected) */
		uint64_t	group;		/* group-stops (PTRACE_LISTEN) */
		uint64_t	emulated;	/* sites done at the seccomp stop */
		uint64_t	lite;		/* writes left to the kernel at it,
						 * their sites lite (sites_lite) */
		uint64_t	fd_cached;	/* fds found in the cache by one kcmp */
		uint64_t	random;		/* getrandom calls answered */
		uint64_t	clock;		/* wall-clock calls answered */
		uint64_t	held;		/* stops that waited for the
						 * creator's clone event (the
						 * task's identity, random.c) */
		uint64_t	fast;		/* stops of the syscall table after
						 * the fault, resumed at once
						 * (fast_after_fault; not in
						 * seccomp) */
	}		stops;
};

/*
 * Where rec_run() failed before the program ran.  With a negative return,
 * rec_run() fills *stage so the caller can name the likely cause.
 */
enum rec_stage {
	REC_STAGE_NONE,
	REC_STAGE_FORK,
	REC_STAGE_PTRACE,		/* PTRACE_SEIZE refused */
	REC_STAGE_SECCOMP,		/* the filter could not be built or loaded */
	REC_STAGE_CHDIR,
	REC_STAGE_EXEC,
	REC_STAGE_KERNEL,		/* PTRACE_GET_SYSCALL_INFO missing (< 5.3) */
	REC_STAGE_CGROUP,		/* could not join opts->cgroup */
	REC_STAGE_NAMESPACE,		/* the PID namespace's init failed */
};

/* Called once per completed site; a non-zero return stops the run. */
typedef int rec_site_fn(void *ctx, const struct rec_site *site);

int	rec_run(const struct rec_opts *opts, rec_site_fn *fn, void *ctx,
	    struct rec_result *res, enum rec_stage *stage);
/*
 * Async-signal-safe.  Sticky: every later rec_run() of the process stops
 * at once too (badio only interrupts to quit).
 */
void	rec_interrupt(void);

/* The syscall table. */
const struct rec_sysent *rec_sysent_by_nr(long nr);
const struct rec_sysent *rec_sysent_by_name(const char *name);
const struct rec_sysent *rec_sysent_at(size_t i);	/* NULL past the end */

/* Names used in the database and on the command line. */
const char	*rec_family_name(enum rec_family f);
const char	*rec_kind_name(enum rec_kind k);
const char	*rec_fault_name(enum rec_fault f);
int		rec_family_parse(const char *name);	/* -1 if unknown */
int		rec_kind_parse(const char *name);
int		rec_fault_parse(const char *name);
bool		rec_fault_applies(enum rec_fault f, const struct rec_sysent *sc,
		    int64_t count);
/* The target fails, and a rule holds for its file system from then on. */
bool		rec_fault_persistent(enum rec_fault f);

/*
 * Files written through shared writable mappings (recorder/mapping.c).
 * badio sees the mmap, msync, munmap and mremap calls, never the stores,
 * so what a power failure would leave of a mapped range is its content
 * at the last call that made it durable: msync(MS_SYNC) over it,
 * fsync/fdatasync of its file, syncfs of its file system, sync.  With
 * rec_opts.map_copies the recorder keeps that content, one image per
 * mapped range: taken when the range is mapped (not durable yet: synced
 * is false) and refreshed at each such call.  An image lives until its
 * file is synced whole after the last mapping of the range is gone.
 * A crash-state builder writes each image over its range in the state's
 * copy of the file (rec_mapimage_apply), after the file's own history.
 */
struct rec_mapimage {
	uint64_t	dev;		/* the file: st_dev, st_ino */
	uint64_t	ino;
	int64_t		offset;		/* the range of the file mapped */
	int64_t		len;
	int64_t		file_size;	/* the file's size when the image was taken */
	uint64_t	seq;		/* the site that took it last */
	bool		synced;		/* taken at a durability point (else at the
					 * mmap: what the file held then) */
	bool		mapped;		/* a traced process still maps it */
	bool		lost;		/* could not be kept: its content is unknown */
};
/* The images, in the order they were first taken; *out valid as maps. */
size_t	rec_maps_images(const struct rec_maps *m,
	    const struct rec_mapimage *const **out);
/* Up to len bytes of an image from off (relative to im->offset). */
ssize_t	rec_mapimage_read(const struct rec_maps *m,
	    const struct rec_mapimage *im, void *buf, size_t len, int64_t off);
/* Write the image over its range of fd (a copy of the file); -ENODATA if lost. */
int	rec_mapimage_apply(const struct rec_maps *m,
	    const struct rec_mapimage *im, int fd);

/*
 * Symbols for frames, looked up when shown, from the module file (and
 * its debug info where it exists), with a cache per module.
 */
struct rec_symbol {
	char		func[256];	/* function, "" if unknown */
	char		file[512];	/* source file, "" without debug info */
	int		line;		/* 0 if unknown */
};
struct rec_symbolizer;
struct rec_symbolizer *rec_symbolizer_new(void);
/* 0, or -ENOENT if the module cannot be read (fields then empty). */
int	rec_symbolize(struct rec_symbolizer *sz, const char *module,
	    uint64_t offset, struct rec_symbol *out);
void	rec_symbolizer_free(struct rec_symbolizer *sz);

/*
 * Is word one of the comma-separated words of flags (rec_site.flags,
 * sites.flags: "osync", "exchange"...)?  False for NULL flags.
 */
bool	rec_flags_has(const char *flags, const char *word);

/*
 * "<tmpfile:DIR:N>": the name sites give the N-th O_TMPFILE file made in
 * DIR, which has no path of its own (docs/schema.md, "Paths").
 */
bool	rec_path_is_tmpfile(const char *path);

/* Replay key text for a family, path and ordinal, into buf. */
int	rec_key_format(char *buf, size_t size, enum rec_family f,
	    const char *path, unsigned ordinal);

#endif /* BADIO_RECORDER_RECORDER_H */
