/*
 * recorder_int.h - private to recorder/: the syscall table rows, the
 * per-thread state, and the functions the tracer's files share.
 */
#ifndef BADIO_RECORDER_RECORDER_INT_H
#define BADIO_RECORDER_RECORDER_INT_H

#include <limits.h>
#include <sys/ptrace.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "recorder/recorder.h"

/* The tags our filter puts in SECCOMP_RET_DATA, to tell our stops apart. */
#define REC_TAG		0xbad1		/* a site */
#define REC_TAG_RLIMIT	0xbad2		/* a file-size limit changes: no site */
#define REC_TAG_CRED	0xbad3		/* the user changes: no site (owner.c) */
#define REC_TAG_RANDOM	0xbad4		/* getrandom: answered from the seed */
#define REC_TAG_FLAGS	0xbad5		/* fcntl(F_SETFL): cached fd flags go stale */
#define REC_TAG_FILTER	0xbad6		/* seccomp(), prctl(PR_SET_SECCOMP): the
					 * program adds a filter of its own */
#define REC_TAG_CLOCK	0xbad7		/* the wall clock: answered (clock.c) */

#define REC_TRACE_OPTIONS	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACESECCOMP | \
			 PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | \
			 PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | \
			 PTRACE_O_EXITKILL)

/* How a syscall's arguments are decoded: flags of struct sysent. */
enum {
	D_IOV		= 1u << 0,	/* buf/count are an iovec array and its length */
	D_MSYNC		= 1u << 1,	/* arg 0 is an address in a mapped file */
	D_OPEN		= 1u << 2,	/* a site only with O_CREAT or O_TRUNC in flags */
	D_OPENHOW	= 1u << 3,	/* flags live in a struct open_how (openat2) */
	D_RMDIR_FLAG	= 1u << 4,	/* unlinkat: AT_REMOVEDIR in the flags arg */
	D_OFF_OR_CUR	= 1u << 5,	/* offset arg of -1 means the file position */
	D_ALL		= 1u << 6,	/* acts on every file system (sync) */
	D_FOLLOW	= 1u << 7,	/* the path is followed: the site's kind is
					 * what it names (open of /dev/null: other) */
	D_DIR		= 1u << 8,	/* path is a directory (mkdir, rmdir) */
	D_MKNOD		= 1u << 9,	/* the kind comes from the mode in flags */
	D_LINK		= 1u << 10,	/* linkat: path2 may be the fd dirfd2
					 * (AT_EMPTY_PATH) or /proc/self/fd/N */
	D_SYMLINK	= 1u << 11,	/* path2 is the link's text, not a path */
	D_COPY		= 1u << 12,	/* data comes from the file fd2, not memory */
	D_OFF_PTR	= 1u << 13,	/* offset/off2 args point to a loff_t;
					 * NULL: the file position */
	D_NEWNAME	= 1u << 14,	/* only adds a name: no open file's
					 * path changes */
	D_RENAME	= 1u << 15,	/* replaces path2 if it exists */
	D_IOCTL		= 1u << 16,	/* a site only for the commands in words
					 * (filtered in BPF, as D_OPEN) */
	D_MMAP		= 1u << 17,	/* a site only for a shared writable file
					 * mapping (mapping.c) */
	D_MUNMAP	= 1u << 18,	/* a site only over a tracked mapping */
	D_MREMAP	= 1u << 19,	/* the same, moving or resizing it */
	D_CLOSE		= 1u << 20,	/* the call always takes effect: a fault
					 * replaces its result; a site only for a
					 * written regular file */
};

/*
 * What the bits of a flags argument mean, for sites.flags: a word per
 * (mask, value) that matches, in table order, each match consuming its
 * mask's bits (O_SYNC contains O_DSYNC).  With all set, bits no word
 * names are written in hex, so nothing is lost.
 */
struct flag_word {
	unsigned long	mask;
	unsigned long	value;
	const char	*name;
};
struct flag_words {
	const struct flag_word *w;
	unsigned char	n;
	bool		all;
};

/*
 * One row of the syscall table.  Argument positions are 0..5, or -1
 * when the call has no such argument.  The public part comes first so a
 * struct sysent * is a struct rec_sysent *.
 */
struct sysent {
	struct rec_sysent pub;
	signed char	fd;		/* the file descriptor acted on */
	signed char	dirfd;		/* directory for a relative path */
	signed char	path;		/* path acted on */
	signed char	fd2;		/* source fd (copy calls) */
	signed char	dirfd2;		/* directory for path2 */
	signed char	path2;		/* second path: rename target, link
					 * source, symlink text */
	signed char	off2;		/* source offset (copy calls) */
	signed char	buf;		/* data written */
	signed char	count;		/* bytes, iovec count, or length */
	signed char	offset;		/* explicit file offset */
	signed char	flags;		/* open flags, unlinkat flags, mode... */
	const struct flag_words *words;	/* what the flags arg's bits mean */
	unsigned	decode;		/* D_* */
};

const struct sysent *sysent_find(long nr);
size_t		sysent_count(void);
const struct sysent *sysent_row(size_t i);

/*
 * The size of a pending site's path buffers: a file path is shorter than
 * PATH_MAX, a marker for a longer one ("<too long>/ARG") a little longer.
 */
#define PATH_CAP	(PATH_MAX + 64)

/* How a call is broken (inject.c), decided at its seccomp stop. */
enum how {
	HOW_NONE,
	HOW_CUT,		/* count cut to keep bytes: the kernel writes them */
	HOW_CUT_FAIL,		/* the same, then the result becomes -err */
	HOW_SKIP_FAIL,		/* not executed; the result is -err */
	HOW_RUN_FAIL,		/* executed (close always is), result then -err */
	HOW_KILL,		/* every traced process killed before the call */
};

struct action {
	enum rec_fault	fault;
	enum how	how;
	int		err;
	uint64_t	keep;		/* HOW_CUT, HOW_CUT_FAIL */
};

/* The per-thread state of a site between its seccomp stop and its exit. */
struct pending {
	bool		active;
	const struct sysent *sc;
	uint64_t	args[6];
	uint64_t	seq;
	int64_t		t_ns;
	int		fd;
	char		*path;		/* PATH_CAP bytes each, owned by the task */
	char		*path2;
	bool		has_path2;
	enum rec_kind	kind;
	int64_t		count;
	int64_t		offset;
	int64_t		pos;		/* file position at the seccomp stop, -1 */
	bool		append;		/* the fd has O_APPEND */
	bool		direct;		/* the fd has O_DIRECT */
	unsigned	fdflags;	/* the fd's status flags (F_GETFL) */
	bool		writable;	/* the fd is open for writing */
	int		dupfd;		/* badio's duplicate of fd (pidfd_getfd), -1 */
	bool		dup_cached;	/* dupfd is the fd cache's: borrowed for this
					 * stop only (site_hold makes it the site's) */
	bool		pos_known;	/* pos is read (lazily: pending_pos) */
	uint64_t	dev;		/* st_dev of the file (see dev_known) */
	uint64_t	ino;
	bool		dev_known;	/* dev and ino are the file's (site_dev) */
	bool		mapped;		/* rec_site.mapped */
	int		rule_exit;	/* 1 + the rule that wants the exit stop */
	int64_t		blocks;		/* space.c's note between enter and exit */
	uint64_t	victim;		/* the inode an unlink or rename removes */
	bool		existed;	/* path existed at the seccomp stop */
	bool		existed2;	/* path2 existed (rename: replaced) */
	/* copy calls: the source (path2) */
	int		fd2;
	int		dupfd2;		/* badio's duplicate of fd2, -1 */
	bool		dup2_cached;	/* as dup_cached */
	enum rec_kind	kind2;
	int64_t		offset2;	/* source offset before the call, -1 */
	bool		to_eof;		/* the data goes to the end of file whatever
					 * the offset argument says */
	bool		tmpfile;	/* linkat of a file without a name */
	bool		may_create;	/* an O_CREAT open of a path not there */
	bool		same_file;	/* rename of two links of one file */
	char		flags[160];	/* sites.flags: words, "" for none */
	bool		crc_done;	/* crc and crc_bytes already known */
	bool		data_ready;	/* tr->buf holds the call's data (count bytes) */
	uint64_t	crc;		/* the data's XXH3-64 */
	int64_t		crc_bytes;
	unsigned	ordinal;
	enum rec_fault	fault;
	enum how	how;		/* and how (inject.c) */
	int		err;
	uint64_t	keep;
	bool		target;		/* the target itself, not a rule's call */
	int64_t		done;		/* HOW_CUT_FAIL: bytes the kernel wrote */
	uint64_t	callsite;	/* call-site id, 0 unknown */
	struct rec_frame frames[REC_MAX_FRAMES];
	unsigned	nframes;	/* > 0 only at the first site of a call site */
	bool		unwound;	/* frames from libdw, not from the scan */
	/* names (namemap.c): which name the call creates, 1 path, 2 path2 */
	int		creates;
	uint32_t	name_token;	/* namemap_settle at the exit */
	bool		tmpfile_open;	/* an O_TMPFILE open: path is <tmpfile:..> */
	/* what inject_enter changed in memory, put back at the exit stop */
	bool		iov_restore;
	uint64_t	iov_addr;
	uint64_t	iov_len;
	struct jop	*jop;		/* journal.c: the op being undone, until
					 * the exit stop */
};

/* Room for one thread's registers (x86-64: struct user_regs_struct, 27). */
#define ARCH_REGS_WORDS	32

/* A syscall interrupted by a signal and restarted keeps its seq and ordinal. */
struct restart {
	bool		valid;
	long		nr;
	uint64_t	seq;
	unsigned	ordinal;
	char		*path;
};

struct task {
	pid_t		tid;
	pid_t		tgid;		/* 0 until known */
	unsigned	process;	/* creation numbers (tracee.c): the */
	unsigned	thread;		/* process's, and the thread's in it */
	struct task	*next;		/* hash chain */
	struct pending	p;
	struct restart	rs;
	bool		limits_exit;	/* stopped at a setrlimit: wait for its exit */
	bool		flags_exit;	/* stopped at an fcntl(F_SETFL): the same */
	bool		cred_exit;	/* stopped at a setuid: wait for its exit */
	bool		is_init;	/* the PID namespace's init (ns.c), not PROG */
	bool		suspended;	/* PTRACE_O_SUSPEND_SECCOMP set (suspend.c) */
	/*
	 * Identity for deterministic randomness (random.c): from the
	 * creator's identity and its count of clones.  Known once the
	 * creator's clone event is seen, which may come after the task's
	 * first stops: a stop that needs it waits (held) until then.
	 */
	bool		ident_known;
	uint64_t	ident;
	unsigned	nclones;	/* children and threads created so far */
	unsigned	nrandom;	/* getrandom calls answered */
	unsigned	nexec;		/* execs done */
	bool		held;		/* stopped, not resumed: waits for ident */
	int		held_st;	/* its waitpid status, dispatched again */
	bool		ns_read;	/* ns_tid, ns_tgid read from /proc */
	pid_t		ns_tid;		/* ids in PROG's PID namespace */
	pid_t		ns_tgid;
	/*
	 * The registers as read at this seccomp stop (arch_seccomp_regs),
	 * for a change written back in one call (arch_skip_call).
	 */
	bool		regs_valid;
	uint64_t	regs[ARCH_REGS_WORDS];
};

#define REAPED_RING	64

/* The tracer's whole state for one rec_run(). */
struct tracer {
	const struct rec_opts *opts;
	rec_site_fn	*fn;
	void		*ctx;
	struct rec_result *res;
	char		root[PATH_MAX];	/* realpath of opts->dir */
	size_t		rootlen;
	pid_t		root_pid;
	bool		root_exec_seen;
	int		root_status;
	int		killing;	/* 0, or the enum rec_status that made us kill */
	int		cb_error;
	uint64_t	next_seq;
	unsigned	nprocs;		/* processes numbered so far */
	pid_t		reaped[REAPED_RING];	/* the tids last reaped (tracee.c) */
	size_t		nreaped;
	int64_t		start_ns;
	struct task	**tasks;	/* hash by tid */
	size_t		ntasks;
	struct counter	**counters;	/* hash by family + path */
	struct fdcache_ent **fdcache;	/* hash by tgid + fd */
	unsigned	flags_gen;	/* bumped by every fcntl(F_SETFL) */
	pid_t		self;		/* getpid(), once (glibc does not cache it) */
	struct proc	**procs;	/* hash by tgid */
	struct fstype	*fstypes;	/* st_dev -> may emulate writes */
	size_t		nfstypes;
	bool		no_emulation;	/* opts or environment turned it off */
	bool		no_callsite;	/* BADIO_NO_CALLSITE: no call-site ids (to
					 * measure their cost) */
	struct {
		bool		valid;
		uint64_t	dev;
		uint64_t	ino;
		bool		chr;	/* a character device (/dev/null, a tty) */
		int		fd;	/* badio's fd of that open file */
	}		std[3];		/* the files PROG gets as fds 0, 1, 2 */
	struct module	*modules;	/* mapped files, see callsite.c */
	struct rule_slot *cfi_rules;	/* unwind rules by pc, see cfi.c */
	size_t		cfi_cap;
	size_t		cfi_nrules;
	uint64_t	*seen;		/* call-site ids seen (open addressing) */
	size_t		nseen;
	size_t		seen_cap;
	unsigned char	*buf;		/* scratch for data reads (emulation, checksums) */
	struct hasher	*hasher;	/* for data read in pieces */
	size_t		bufsize;
	struct rule	*rules;		/* armed persistent faults (rule.c) */
	size_t		nrules;
	struct rec_maps	*maps;		/* mapped files and their images (mapping.c) */
	struct inoset	*written;	/* inodes written, for close sites */
	/* determinism: randomness (random.c), namespaces (ns.c), names */
	bool		det_random;	/* opts->replay.random */
	uint64_t	seed;
	bool		clock;		/* opts->replay.clock (clock.c) */
	int64_t		clock_ns;
	struct feeder	*feeder;	/* /dev/urandom, or NULL */
	pid_t		init_pid;	/* the namespace's init, 0 without */
	bool		init_alive;	/* not reaped yet */
	unsigned	nheld;		/* tasks held for their identity */
	bool		force_ident;	/* give held tasks a fallback identity */
	bool		retrying;	/* in loop_retry_held */
	bool		retry_again;
	int64_t		last_event_ns;	/* the last stop reported */
	struct namemap	*names;		/* re-runs: recorded names (namemap.c) */
	struct tmpdir	*tmpdirs;	/* O_TMPFILE opens per directory */
	struct tmpname	*tmpnames;	/* O_TMPFILE files by (dev, ino) */
	int		cgfd;		/* opts->cgroup's cgroup.procs, or -1 */
	struct rec_journal *journal;	/* opts->journal (journal.c), or NULL */
	struct errseq	*errseq;	/* errors owed after a lost-sync, or NULL */
	bool		power;		/* power or lost-sync injected: crash_cb
					 * once every traced process is gone */
	pid_t		root_ns_pid;	/* PROG's pid as sites name it */
	/* sweep (sweep.c, loop.c): the last site swept; the tasks stopped
	 * for the point, and stops that came meanwhile, dispatched after */
	uint64_t	sweep_seq;
	struct stopped	*stopped;
	size_t		nstopped;
	size_t		stopped_cap;
	struct deferred	*deferred;
	size_t		ndeferred;
	size_t		deferred_next;
	size_t		deferred_cap;
	bool		regs_fast_ok;	/* badio itself runs under no filter */
	bool		full_rerun;	/* BADIO_FULL_RERUN: never fast */
	bool		fast;		/* past the fault: stops resumed at once
					 * (opts->fast_after_fault, loop.c) */
	bool		suspend;	/* and tasks' filters are suspended
					 * (opts->suspend_after_fault, suspend.c) */
	bool		no_suspend;	/* BADIO_NO_SUSPEND */
	bool		lite;		/* opts->sites_lite, where it may be */
	int		base_filters;	/* Seccomp_filters of a task under
					 * badio's filter alone (suspend.c) */
	/* checkpoints (checkpoint.c) */
	struct rec_opts	ckpt_opts;	/* a forked child's: opts with its target */
	struct rec_target ckpt_opts_target;
	bool		ckpt_child;	/* this is the copy of badio for one */
	uint64_t	ckpt_seq;	/* the last site asked about */
	int64_t		ckpt_wait_ns;	/* the program stopped for children */
	struct ckpt_kid	*kids;		/* the children's tracers running */
	size_t		nkids;
};

/* tracee.c: the tid table and the replay-key counters. */
int		tracer_tables_init(struct tracer *tr);
void		tracer_tables_free(struct tracer *tr);
struct task	*task_find(struct tracer *tr, pid_t tid);
struct task	*task_add(struct tracer *tr, pid_t tid);
struct task	*task_add_child(struct tracer *tr, pid_t tid);
void		task_reaped(struct tracer *tr, pid_t tid);
void		task_drop(struct tracer *tr, struct task *t);
void		task_rekey(struct tracer *tr, struct task *t, pid_t tid);
size_t		tasks_held(struct tracer *tr, pid_t *out, size_t max);
/* the tids of the tasks badio has resumed (not held, not the init, not skip) */
size_t		tasks_running(struct tracer *tr, pid_t skip, pid_t *out,
		    size_t max);
void		task_exec_renumber(struct tracer *tr, struct task *t);
void		task_number_root(struct tracer *tr, struct task *t);
pid_t		task_tgid(struct task *t);
void		task_ns_ids(struct tracer *tr, struct task *t, pid_t *pid,
		    pid_t *tid);
unsigned	counter_next(struct tracer *tr, enum rec_family f, const char *path);
void		tracer_kill_all(struct tracer *tr, int why);

/*
 * The path and kind of an fd, valid while its open file is the same;
 * for a regular file also badio's duplicate of that open file and its
 * status flags, so that the next call on the fd needs one kcmp to know
 * it is still the same open file (site.c, fd_open).
 */
struct fdcache_ent {
	struct fdcache_ent *next;
	pid_t		tgid;
	int		fd;
	uint64_t	dev;		/* st_dev, or mount id | 1 << 63 from fdinfo */
	uint64_t	ino;
	int		unlinked;	/* the file had no name: 1, 0, -1 unknown */
	enum rec_kind	kind;
	int		dupfd;		/* badio's duplicate (owned), -1 */
	unsigned	fl;		/* F_GETFL of dupfd, as of flags_gen flgen */
	unsigned	flgen;
	size_t		len;
	char		path[];
};
struct fdcache_ent *fdcache_find(struct tracer *tr, pid_t tgid, int fd);
const struct fdcache_ent *fdcache_get(struct tracer *tr, pid_t tgid, int fd,
		    uint64_t dev, uint64_t ino, int unlinked);
struct fdcache_ent *fdcache_put(struct tracer *tr, pid_t tgid, int fd,
		    uint64_t dev, uint64_t ino, int unlinked, enum rec_kind kind,
		    const char *path);
/* <tmpfile:DIR:N>: the next N for dir; all freed with the tracer */
unsigned	tmpdir_next(struct tracer *tr, const char *dir);
const char	*tmpname_find(struct tracer *tr, uint64_t dev, uint64_t ino);
void		tmpname_put(struct tracer *tr, uint64_t dev, uint64_t ino,
		    const char *name);
void		tmpdirs_free(struct tracer *tr);
/* Per process: a pidfd (for pidfd_getfd), and whether writes may be emulated. */
int		proc_pidfd(struct tracer *tr, pid_t tgid);
bool		proc_may_emulate(struct tracer *tr, pid_t tgid);
void		proc_forget(struct tracer *tr, pid_t tgid);
struct maps	*proc_maps(struct tracer *tr, pid_t tgid, bool reload);
void		proc_exec(struct tracer *tr, pid_t tgid);
void		proc_limits_changed(struct tracer *tr);
/* the traced processes' tgids, at most max of them, into out */
size_t		proc_tgids(struct tracer *tr, pid_t *out, size_t max);
/* Whether a process's seccomp stops can only be badio's (loop.c) */
bool		proc_regs_fast(struct tracer *tr, pid_t tgid);
void		proc_set_regs_fast(struct tracer *tr, pid_t tgid, bool fast);

/* callsite.c */
struct module {				/* a mapped file, interned for the run */
	struct module	*next;
	struct module_cfi *cfi;		/* cfi.c's, opened at first use */
	const char	*file;		/* the mapped file, to open */
	char		name[];		/* as recorded (rec_opts.module_root) */
};
struct maps	*maps_load(struct tracer *tr, pid_t pid);
void		maps_free(struct maps *m);
uint64_t	callsite_walk(struct tracer *tr, struct task *t, uint64_t ip,
		    uint64_t sp, struct rec_frame *frames, unsigned *n);
bool		callsite_first(struct tracer *tr, uint64_t id);
bool		callsite_frame(struct tracer *tr, pid_t tgid, uint64_t addr,
		    struct rec_frame *fr);
void		callsite_release(struct tracer *tr);

/* owner.c: the run directory follows the user the program becomes */
void		owner_follow(struct tracer *tr, struct task *t);

/* cfi.c: where a frame's caller is, from the module's .eh_frame */
enum cfa_base { CFA_NONE, CFA_SP, CFA_FP };	/* NONE: no usable CFI */
enum cfi_fp { CFI_FP_SAME, CFI_FP_SAVED, CFI_FP_LOST };
struct cfi_rule {
	unsigned char	cfa_base;	/* enum cfa_base: CFA = rsp or rbp + cfa_off */
	unsigned char	fp;		/* enum cfi_fp: the caller's rbp... */
	bool		outermost;	/* no caller (_start, a signal frame) */
	int32_t		cfa_off;
	int32_t		ra_off;		/* return address at CFA + ra_off */
	int32_t		fp_off;		/* ...saved at CFA + fp_off */
};
void		cfi_rule(struct tracer *tr, struct module *m, uint64_t off,
		    struct cfi_rule *r);
bool		cfi_call_before(struct tracer *tr, struct module *m, uint64_t off,
		    uint64_t *target);
bool		cfi_func_start(struct module *m, uint64_t off, uint64_t *start);
void		cfi_module_close(struct module *m);
void		cfi_release(struct tracer *tr);

/* unwind.c: full stacks with libdw (record --stacks) */
int		unwind_frames(struct tracer *tr, struct task *t,
		    struct rec_frame *frames, unsigned max, unsigned *n);
/* emulate.c */
bool		emulate_write(struct tracer *tr, struct task *t);
bool		emulate_lite(struct tracer *tr, struct task *t);
void		fdcache_flush(struct tracer *tr, pid_t tgid);	/* 0: all */
void		tracer_each_task(struct tracer *tr, void (*fn)(struct tracer *, struct task *));

/* site.c: decoding at the seccomp stop and at the exit stop. */
#define CRC_LIMIT_DEFAULT	(64u << 20)	/* bytes read per call for the checksum */
/*
 * The checksum of a site's data: XXH3-64 (libxxhash), ten times faster
 * than zlib's CRC-32 here, so hashing a 1 MiB write costs less than the
 * write (docs/performance.md).  Streaming, for data read in pieces.
 */
struct hasher;
struct hasher	*hasher_new(void);
void		hasher_free(struct hasher *h);
void		hasher_reset(struct hasher *h);
void		hasher_add(struct hasher *h, const void *p, size_t n);
uint64_t	hasher_digest(const struct hasher *h);
uint64_t	hash_bytes(const void *p, size_t n);
struct fdref {
	int		dupfd;		/* badio's duplicate, -1 (the caller closes
					 * it unless cached) */
	uint64_t	dev;		/* st_dev, 0 if unknown */
	uint64_t	ino;		/* st_ino, with dev */
	int64_t		pos;		/* file position of a regular file, -1 */
	bool		pos_known;	/* false: not read yet (fdref_pos) */
	bool		cached;		/* dupfd is the fd cache's (not the caller's) */
	unsigned	fl;		/* status flags (F_GETFL) */
};
int64_t		fdref_pos(struct fdref *r);
int64_t		pending_pos(struct pending *p);
void		site_hold(struct task *t);
void		fd_open(struct tracer *tr, struct task *t, int fd, struct fdref *r,
		    char *path, enum rec_kind *kind);
void		site_write_offset(struct task *t, int64_t done, bool has_rval);
int		site_enter(struct tracer *tr, struct task *t, const struct sysent *sc,
		    const uint64_t args[6], uint64_t ip, uint64_t sp);
void		site_exit(struct tracer *tr, struct task *t, int64_t rval, bool has_rval);
void		site_exit_lite(struct tracer *tr, struct task *t);
void		pending_release(struct pending *p);
int64_t		now_ns(void);
bool		path_store(const struct tracer *tr, char *p);

/* copy.c: copy_file_range, sendfile, splice (D_COPY) */
bool		ioctl_traced(const struct sysent *sc, const uint64_t *args);
void		copy_enter(struct tracer *tr, struct task *t);
int64_t		copy_crc(struct tracer *tr, struct task *t, int64_t done,
		    uint64_t *crc);
int64_t		mem_read_loff(pid_t tid, uint64_t addr);

/* flags.c: sites.flags */
bool		open_flags(struct task *t, const struct sysent *sc,
		    const uint64_t *args, uint64_t *flags);
void		flags_enter(struct task *t);
void		flags_exit(struct task *t, int64_t rval, bool has_rval);

/* mem.c-like helpers live in site.c too */
ssize_t		mem_read(pid_t tid, uint64_t addr, void *buf, size_t len);
int		mem_read_str(pid_t tid, uint64_t addr, char *buf, size_t size);
int		mem_write(pid_t tid, uint64_t addr, const void *buf, size_t len);

/* inject.c: decide at the seccomp stop, apply, finish at the exit stop */
bool		inject_decide(struct tracer *tr, struct task *t);
int		inject_enter(struct tracer *tr, struct task *t);
int64_t		inject_exit(struct tracer *tr, struct task *t, int64_t rval);

/*
 * rule.c: persistent faults.  A rule is armed at the target of a
 * persistent fault for the target's file system, and from then on looks
 * at every site (enter) and, if it asked, at its result (exit).  What a
 * rule does is its model: a table of them in rule.c (a dead device) and
 * space.c (a full file system).
 */
struct rule;
struct rule_model {
	enum rec_fault	fault;
	/* set up the rule for the target's file system; -errno: not armed */
	int		(*arm)(struct tracer *tr, struct rule *r, struct task *t);
	/* true: the call is broken as *act says */
	bool		(*enter)(struct tracer *tr, struct rule *r, struct task *t,
			    struct action *act);
	void		(*exit)(struct tracer *tr, struct rule *r, struct task *t,
			    int64_t rval);
	void		(*release)(struct rule *r);
};
struct rule {
	const struct rule_model *model;
	uint64_t	dev;		/* the file system it holds for */
	struct space	*space;		/* the full file system's state */
};
const struct rule_model *rule_model_of(enum rec_fault f);
void		rule_arm(struct tracer *tr, struct task *t,
		    const struct rule_model *m);
bool		rules_enter(struct tracer *tr, struct task *t, struct action *act);
void		rules_exit(struct tracer *tr, struct task *t, int64_t rval);
void		rules_release(struct tracer *tr);
/* The file system (st_dev) a pending site acts on; false if unknown. */
bool		site_dev(struct tracer *tr, struct task *t, uint64_t *dev);
/* The absolute path of a pending site's path (or path2), into buf. */
bool		site_abspath(const struct tracer *tr, const char *path, char *buf,
		    size_t size);
/* Does a traced process hold (dev, ino) open or mapped? */
bool		inode_held(struct tracer *tr, uint64_t dev, uint64_t ino);

/* space.c: the full file system of enospc+ */
extern const struct rule_model space_model;

/*
 * mapping.c: shared writable file mappings, per process, and the images
 * of the mapped files (struct rec_maps, recorder.h).
 */
struct mapset;
int		maps_init(struct tracer *tr);
void		maps_release(struct tracer *tr);
void		mapset_free(struct mapset *ms);
struct mapset	*mapset_copy(const struct mapset *ms);
/* site_enter of the mmap family and msync: 1 a site, 0 not */
int		mapping_enter(struct tracer *tr, struct task *t);
void		mapping_exit(struct tracer *tr, struct task *t, int64_t rval);
/* a sync made mapped data durable: refresh the images it covers */
void		mapping_synced(struct tracer *tr, struct task *t);
/* does (dev, ino) have a live mapping; its mapped range */
bool		mapping_of_file(struct tracer *tr, uint64_t dev, uint64_t ino,
		    int64_t *off, int64_t *len);
bool		mapping_holds(struct tracer *tr, uint64_t dev, uint64_t ino);
void		mapping_fork(struct tracer *tr, pid_t parent, pid_t child);
struct mapset	**proc_mapset(struct tracer *tr, pid_t tgid);
/* the process's count of clock answers (clock.c), NULL if no memory */
uint64_t	*proc_clock(struct tracer *tr, pid_t tgid);
void		proc_clock_fork(struct tracer *tr, pid_t parent, pid_t child);
void		proc_clock_exit(struct tracer *tr, pid_t tgid);

/* close sites (site.c): the inodes written by any traced process */
void		written_add(struct tracer *tr, uint64_t dev, uint64_t ino);
bool		written_has(struct tracer *tr, uint64_t dev, uint64_t ino);
void		written_free(struct tracer *tr);

/* filter.c: build in badio before fork, install in the child */
struct sock_fprog;
struct filter_opts {
	bool		allow_io_uring;
	bool		trace_close;
	bool		det_random;	/* getrandom stops (random.c) */
	bool		det_clock;	/* wall-clock calls stop (clock.c) */
};
int		filter_build(const struct filter_opts *fo, struct sock_fprog *prog);
void		filter_free(struct sock_fprog *prog);
int		filter_install(const struct sock_fprog *prog);
int		filter_get(const struct filter_opts *fo, const struct sock_fprog **prog);
unsigned	filter_tag(bool det_random, bool det_clock, long nr);

/*
 * The mapping window (mapping.c): the tracer places the shared writable
 * file mappings it follows at addresses whose bits 43..46 are 1100, so
 * the filter can stop munmap and mremap there only.  8 TiB, far from
 * the heap and from the top-down mmap area of an x86-64 process.
 */
#define MAP_WINDOW_LO	0x600000000000ull
#define MAP_WINDOW_HI	0x680000000000ull
#define MAP_WINDOW_MASK	0xfffff80000000000ull
#define MAP_UNMAP_HUGE	(1ull << 40)	/* an unmap this long may reach it */

/*
 * checkpoint.c: at a site's seccomp stop, after site_enter: fork the
 * experiments opts->fork_cb asks for.  True in the copy of badio made
 * for one (t is then the child's task, at the same stop, and the run
 * goes on as a re-run of it); false in the driver.
 */
bool		ckpt_point(struct tracer *tr, struct task **t);
/* mapping.c: a shared writable mapping of a file was ever seen */
bool		maps_seen(const struct tracer *tr);
/* checkpoint.c: tid was a child's tracer (then reaped here); all of them
 * told to stop (an interrupt); all of them waited for */
bool		ckpt_reaped(struct tracer *tr, pid_t tid, int st);
void		ckpt_interrupt(struct tracer *tr);
void		ckpt_wait_all(struct tracer *tr);
/* loop.c: rec_interrupt() was called */
bool		loop_interrupted(void);
/* recorder.c: the periodic SIGALRM again (a fork does not keep timers) */
void		tracer_tick_again(void);
/* tracee.c: a process's state under another tgid (a checkpoint's child) */
void		proc_rekey(struct tracer *tr, pid_t from, pid_t to);

/* arch_x86_64.c: register access one file per architecture */
int		arch_set_nr(pid_t tid, long nr);
int		arch_set_arg(pid_t tid, int i, uint64_t v);
int		arch_set_return(pid_t tid, int64_t v);
struct __ptrace_syscall_info;
int		arch_seccomp_regs(struct task *t, struct __ptrace_syscall_info *si);
int		arch_skip_call(struct task *t, int64_t rval);
int		arch_frame_pointer(pid_t tid, uint64_t *fp);
/* at an exec stop: the new stack's pointer; -ENOEXEC if not the native ABI */
int		arch_exec_stack(pid_t tid, uint64_t *sp);

/*
 * journal*.c: the undo journal of rec_opts.journal.  journal_enter at the
 * seccomp stop of a site that will run (after inject_decide, before
 * emulate_write), journal_exit when the site completes (site_exit),
 * journal_lost at a lost-sync target.
 */
int		journal_init(struct tracer *tr);
void		journal_free(struct tracer *tr);
void		journal_enter(struct tracer *tr, struct task *t);
void		journal_exit(struct tracer *tr, struct task *t, int64_t rval,
		    bool has_rval);
void		journal_lost(struct tracer *tr, struct task *t);
/* does the journal hold lost ops of inode (dev, ino)?  ino 0: of any on dev */
bool		journal_is_lost(const struct tracer *tr, uint64_t dev,
		    uint64_t ino);

/*
 * errseq.c: after a lost-sync, the error each other open file
 * description of what failed owes its next sync call.  errseq_lost at
 * the target (after journal_lost); errseq_report at another sync call's
 * seccomp stop: true and *act if the call is to fail.
 */
void		errseq_lost(struct tracer *tr, struct task *t);
bool		errseq_report(struct tracer *tr, struct task *t,
		    struct action *act);
void		errseq_free(struct tracer *tr);

/* sysent.c: the END site's row (not in the table) */
const struct rec_sysent *rec_sysent_end(void);
/* site.c: report the END site */
void		site_end(struct tracer *tr);

/* loop.c */
int		loop_run(struct tracer *tr);
/*
 * Sweep points: stop every traced task but cur (at its seccomp stop);
 * how many were stopped.  Then resume them.
 */
unsigned	loop_stop_others(struct tracer *tr, struct task *cur);
void		loop_resume_others(struct tracer *tr);
void		loop_release(struct tracer *tr);

/* sweep.c: at the seccomp stop of a site (after inject_decide), at the end */
void		sweep_point(struct tracer *tr, struct task *t);
void		sweep_end(struct tracer *tr);
void		loop_root_found(struct tracer *tr, struct task *t);

/* suspend.c: past the fault, filters suspended */
void		suspend_task(struct tracer *tr, struct task *t);
void		suspend_check_exec(struct tracer *tr, struct task *t);
void		loop_retry_held(struct tracer *tr);

/* recorder.c: the forked child before exec (raw system calls only) */
struct child_error {
	int	stage;
	int	err;
};
void		child_fail(int fd, enum rec_stage stage, int err)
		    __attribute__((noreturn));
int		child_fds(const struct rec_opts *o);
void		child_exec(const struct rec_opts *o, int errfd,
		    const struct sock_fprog *filter) __attribute__((noreturn));

/* ns.c: PID and mount namespaces */
int		ns_launch(struct tracer *tr, const struct sock_fprog *filter,
		    const sigset_t *mask, int *errfd, enum rec_stage *stage);
void		ns_init_forked(struct tracer *tr, struct task *init, pid_t prog);

/* random.c: randomness from the seed */
uint64_t	rnd_derive(uint64_t key, uint64_t domain, uint64_t n);
void		rnd_fill(uint64_t key, uint64_t pos, void *buf, size_t len);
uint64_t	rnd_root_ident(uint64_t seed);
uint64_t	rnd_child_ident(uint64_t parent, unsigned nth);
uint64_t	rnd_fallback_ident(uint64_t seed, pid_t tid);
void		random_getrandom(struct tracer *tr, struct task *t,
		    const uint64_t args[6]);
void		random_exec(struct tracer *tr, struct task *t);
int		urandom_feed(struct tracer *tr, int fd);
void		urandom_stop(struct tracer *tr);

/* clock.c: the wall clock from the recording's start */
extern const int clock_walls[];
extern const size_t clock_nwalls;
bool		clock_call(long nr);
void		clock_exec(struct tracer *tr, struct task *t);
void		clock_answer(struct tracer *tr, struct task *t, long nr,
		    const uint64_t args[6]);
void		clock_fork(struct tracer *tr, pid_t parent, pid_t child);
void		clock_gone(struct tracer *tr, pid_t tgid);

/*
 * namemap.c: a re-run's names to the recording's (pure logic).
 * namemap_create: path (PATH_CAP bytes) names an entry that does not
 * exist and that this call creates: it becomes the recorded name; the
 * token goes to namemap_settle once the call returned.
 */
struct namemap	*namemap_new(const struct rec_created *created, size_t ncreated,
		    const char *const *known, size_t nknown);
void		namemap_free(struct namemap *m);
void		namemap_translate(const struct namemap *m, char *path,
		    size_t size);
uint32_t	namemap_create(struct namemap *m, char *path, size_t size,
		    int64_t callsite);
void		namemap_settle(struct namemap *m, uint32_t token, bool created);

#endif /* BADIO_RECORDER_RECORDER_INT_H */
