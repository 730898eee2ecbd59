/*
 * tracee.c - the tracer's tables: every traced thread by tid (strace's
 * tcb table), and the counters that give each site its replay-key
 * ordinal (per family and path, so that neither thread interleaving nor
 * pid and fd numbers change which site a key names).
 */
#include <errno.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <unistd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recorder/recorder_int.h"

#define TASK_SLOTS	1024		/* hash buckets for tids */
#define COUNTER_SLOTS	4096		/* hash buckets for family+path */
#define FDCACHE_SLOTS	1024		/* hash buckets for tgid+fd */
#define PROC_SLOTS	256		/* hash buckets for tgid */

struct proc {
	struct proc	*next;
	pid_t		tgid;
	unsigned	index;		/* 1-based, in creation order; 0 unknown */
	unsigned	nthreads;	/* threads numbered so far (the leader: 1) */
	int		pidfd;		/* -1 if pidfd_open failed */
	int		emulate;	/* -1 not yet known, 0 no, 1 yes */
	/*
	 * 1: known to run under badio's filter alone (the root, and what
	 * such a process forks, until one installs a filter of its own), so
	 * its stops' data is filter_tag's; 0 or -1 (not known yet: a child
	 * seen before its parent's fork event): ask the kernel.
	 */
	int		regs_fast;
	struct maps	*maps;		/* executable mappings, NULL until needed */
	struct mapset	*mapset;	/* shared writable file mappings (mapping.c) */
	uint64_t	clock;		/* clock answers so far (clock.c); kept
					 * across exec, a fork's copied */
	pid_t		clock_parent;	/* the process it was forked from, 0 */
};

struct tmpdir {
	struct tmpdir	*next;
	unsigned	n;
	char		dir[];
};

struct tmpname {
	struct tmpname	*next;
	uint64_t	dev;
	uint64_t	ino;
	char		name[];
};

struct counter {
	struct counter	*next;
	unsigned	n;
	enum rec_family	family;
	char		path[];
};

int
tracer_tables_init(struct tracer *tr)
{
	tr->tasks = calloc(TASK_SLOTS, sizeof(*tr->tasks));
	tr->counters = calloc(COUNTER_SLOTS, sizeof(*tr->counters));
	tr->fdcache = calloc(FDCACHE_SLOTS, sizeof(*tr->fdcache));
	tr->procs = calloc(PROC_SLOTS, sizeof(*tr->procs));
	if (!tr->tasks || !tr->counters || !tr->fdcache || !tr->procs)
		return -ENOMEM;
	return 0;
}

static void
task_free(struct task *t)
{
	pending_release(&t->p);
	free(t->p.path);
	free(t->p.path2);
	free(t->rs.path);
	free(t);
}

void
tracer_tables_free(struct tracer *tr)
{
	for (size_t i = 0; tr->tasks && i < TASK_SLOTS; i++) {
		while (tr->tasks[i]) {
			struct task *t = tr->tasks[i];

			tr->tasks[i] = t->next;
			task_free(t);
		}
	}
	for (size_t i = 0; tr->counters && i < COUNTER_SLOTS; i++) {
		while (tr->counters[i]) {
			struct counter *c = tr->counters[i];

			tr->counters[i] = c->next;
			free(c);
		}
	}
	if (tr->fdcache)
		fdcache_flush(tr, 0);
	for (size_t i = 0; tr->procs && i < PROC_SLOTS; i++)
		while (tr->procs[i])
			proc_forget(tr, tr->procs[i]->tgid);
	free(tr->procs);
	tr->procs = NULL;
	free(tr->tasks);
	free(tr->counters);
	free(tr->fdcache);
	tr->tasks = NULL;
	tr->counters = NULL;
	tr->fdcache = NULL;
}

static struct task **
task_slot(struct tracer *tr, pid_t tid)
{
	return &tr->tasks[(unsigned)tid % TASK_SLOTS];
}

struct task *
task_find(struct tracer *tr, pid_t tid)
{
	for (struct task *t = *task_slot(tr, tid); t; t = t->next)
		if (t->tid == tid)
			return t;
	return NULL;
}

static struct proc *proc_get(struct tracer *tr, pid_t tgid);

/*
 * Number a new task the way runs can compare: processes in the order
 * they appear (the program is 1), threads in the order they appear in
 * their process (its leader is 1).  badio meets a task first at its
 * creator's clone event or at its own first stop, whichever comes
 * first: for the threads one thread creates, in creation order.
 */
static void
task_number(struct tracer *tr, struct task *t)
{
	pid_t tgid = task_tgid(t);
	struct proc *pr = proc_get(tr, tgid);

	if (!pr)
		return;
	if (tgid == t->tid || pr->index == 0) {
		pr->index = ++tr->nprocs;
		pr->nthreads = 0;
	}
	t->process = pr->index;
	t->thread = ++pr->nthreads;
}

/*
 * The program itself is process 1, thread 1, even when a namespace's init
 * (ns.c) was met, and numbered, before it.
 */
void
task_number_root(struct tracer *tr, struct task *t)
{
	struct proc *pr = proc_get(tr, task_tgid(t));

	if (!pr)
		return;
	tr->nprocs = 1;
	pr->index = 1;
	pr->nthreads = 1;
	t->process = 1;
	t->thread = 1;
}

/* After an exec the process keeps its number; its one thread is 1 again. */
void
task_exec_renumber(struct tracer *tr, struct task *t)
{
	struct proc *pr = proc_get(tr, t->tgid);

	if (!pr)
		return;
	if (pr->index == 0)
		pr->index = ++tr->nprocs;
	pr->nthreads = 1;
	t->process = pr->index;
	t->thread = 1;
}

/*
 * A task whose death was reaped.  Its creator's clone event may still be
 * queued (the child stopped, ran and died first): that event must not
 * bring it back, numbered again, as a task that never goes.
 */
void
task_reaped(struct tracer *tr, pid_t tid)
{
	tr->reaped[tr->nreaped++ % REAPED_RING] = tid;
}

/* At a clone, fork or vfork event: the new task, unless it came and went. */
struct task *
task_add_child(struct tracer *tr, pid_t tid)
{
	for (size_t i = 0; i < REAPED_RING; i++)
		if (tr->reaped[i] == tid)
			return NULL;
	return task_add(tr, tid);
}

struct task *
task_add(struct tracer *tr, pid_t tid)
{
	struct task *t = task_find(tr, tid);
	struct task **slot;

	if (t)
		return t;
	/* a tid in use again: forget that it was reaped */
	for (size_t i = 0; i < REAPED_RING; i++)
		if (tr->reaped[i] == tid)
			tr->reaped[i] = 0;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->p.dupfd = -1;
	t->p.dupfd2 = -1;
	t->p.path = malloc(PATH_CAP);
	t->p.path2 = malloc(PATH_CAP);
	if (!t->p.path || !t->p.path2) {
		task_free(t);
		return NULL;
	}
	t->tid = tid;
	slot = task_slot(tr, tid);
	t->next = *slot;
	*slot = t;
	tr->ntasks++;
	task_number(tr, t);
	return t;
}

static void
task_unlink(struct tracer *tr, struct task *t)
{
	for (struct task **pp = task_slot(tr, t->tid); *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			tr->ntasks--;
			return;
		}
	}
}

void
task_drop(struct tracer *tr, struct task *t)
{
	if (t->held)
		tr->nheld--;
	task_unlink(tr, t);
	task_free(t);
}

/* The tids of the held tasks, at most max of them. */
size_t
tasks_held(struct tracer *tr, pid_t *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < TASK_SLOTS && n < max; i++)
		for (struct task *t = tr->tasks[i]; t && n < max; t = t->next)
			if (t->held)
				out[n++] = t->tid;
	return n;
}

size_t
tasks_running(struct tracer *tr, pid_t skip, pid_t *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < TASK_SLOTS && n < max; i++)
		for (struct task *t = tr->tasks[i]; t && n < max; t = t->next)
			if (!t->held && !t->is_init && t->tid != skip)
				out[n++] = t->tid;
	return n;
}

/* After an exec from a non-leader thread, the thread takes the leader's tid. */
void
task_rekey(struct tracer *tr, struct task *t, pid_t tid)
{
	struct task **slot;

	task_unlink(tr, t);
	t->tid = tid;
	t->tgid = tid;
	slot = task_slot(tr, tid);
	t->next = *slot;
	*slot = t;
	tr->ntasks++;
}

/* The thread group of a task, read once from /proc (threads and forks look alike). */
pid_t
task_tgid(struct task *t)
{
	char name[64], line[256];
	FILE *f;

	if (t->tgid)
		return t->tgid;
	snprintf(name, sizeof(name), "/proc/%d/status", (int)t->tid);
	f = fopen(name, "re");
	if (!f)
		return t->tid;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Tgid:", 5) == 0) {
			t->tgid = (pid_t)strtol(line + 5, NULL, 10);
			break;
		}
	}
	fclose(f);
	if (!t->tgid)
		t->tgid = t->tid;
	return t->tgid;
}

/*
 * The second number of a "NSpid:\t5012\t2" line: the pid one namespace
 * down from badio's, which is PROG's (a namespace PROG makes itself
 * adds fields after it); the first if there is only one.
 */
static pid_t
ns_field(const char *line)
{
	char *end;
	long first = strtol(line, &end, 10), second;
	char *p = end;

	second = strtol(p, &end, 10);
	return (pid_t)(end == p ? first : second);
}

/*
 * The ids a task has in PROG's PID namespace (what the program itself
 * sees, and what sites store), read once from /proc; the host's without
 * a namespace.
 */
void
task_ns_ids(struct tracer *tr, struct task *t, pid_t *pid, pid_t *tid)
{
	char name[64], line[256];
	FILE *f;

	*pid = task_tgid(t);
	*tid = t->tid;
	if (!tr->res->pidns)
		return;
	if (!t->ns_read) {
		t->ns_tgid = *pid;
		t->ns_tid = *tid;
		snprintf(name, sizeof(name), "/proc/%d/status", (int)t->tid);
		f = fopen(name, "re");
		while (f && fgets(line, sizeof(line), f)) {
			if (strncmp(line, "NStgid:", 7) == 0)
				t->ns_tgid = ns_field(line + 7);
			else if (strncmp(line, "NSpid:", 6) == 0)
				t->ns_tid = ns_field(line + 6);
		}
		if (f)
			fclose(f);
		t->ns_read = true;
	}
	*pid = t->ns_tgid;
	*tid = t->ns_tid;
}

static unsigned
hash_path(enum rec_family f, const char *s)
{
	unsigned h = 2166136261u ^ (unsigned)f;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* The next ordinal (1-based) for a family and path; 0 if out of memory. */
unsigned
counter_next(struct tracer *tr, enum rec_family f, const char *path)
{
	struct counter **slot = &tr->counters[hash_path(f, path) % COUNTER_SLOTS];
	struct counter *c;
	size_t len;

	for (c = *slot; c; c = c->next)
		if (c->family == f && strcmp(c->path, path) == 0)
			return ++c->n;
	len = strlen(path) + 1;
	c = malloc(sizeof(*c) + len);
	if (!c)
		return 0;
	memcpy(c->path, path, len);
	c->family = f;
	c->n = 1;
	c->next = *slot;
	*slot = c;
	return 1;
}

/* The next N (1-based) of <tmpfile:DIR:N>: O_TMPFILE opens in dir. */
unsigned
tmpdir_next(struct tracer *tr, const char *dir)
{
	struct tmpdir *d;
	size_t len;

	for (d = tr->tmpdirs; d; d = d->next)
		if (strcmp(d->dir, dir) == 0)
			return ++d->n;
	len = strlen(dir) + 1;
	d = malloc(sizeof(*d) + len);
	if (!d)
		return 0;
	memcpy(d->dir, dir, len);
	d->n = 1;
	d->next = tr->tmpdirs;
	tr->tmpdirs = d;
	return 1;
}

void
tmpdirs_free(struct tracer *tr)
{
	while (tr->tmpdirs) {
		struct tmpdir *d = tr->tmpdirs;

		tr->tmpdirs = d->next;
		free(d);
	}
	while (tr->tmpnames) {
		struct tmpname *n = tr->tmpnames;

		tr->tmpnames = n->next;
		free(n);
	}
}

/* The <tmpfile:...> name of the O_TMPFILE file (dev, ino), or NULL. */
const char *
tmpname_find(struct tracer *tr, uint64_t dev, uint64_t ino)
{
	for (struct tmpname *n = tr->tmpnames; n; n = n->next)
		if (n->dev == dev && n->ino == ino)
			return n->name;
	return NULL;
}

/* Its open names it; a reused inode number gets the new file's name. */
void
tmpname_put(struct tracer *tr, uint64_t dev, uint64_t ino, const char *name)
{
	size_t len = strlen(name) + 1;
	struct tmpname *n;

	for (struct tmpname **pp = &tr->tmpnames; *pp; pp = &(*pp)->next) {
		if ((*pp)->dev == dev && (*pp)->ino == ino) {
			n = *pp;
			*pp = n->next;
			free(n);
			break;
		}
	}
	n = malloc(sizeof(*n) + len);
	if (!n)
		return;
	n->dev = dev;
	n->ino = ino;
	memcpy(n->name, name, len);
	n->next = tr->tmpnames;
	tr->tmpnames = n;
}

void
tracer_each_task(struct tracer *tr, void (*fn)(struct tracer *, struct task *))
{
	for (size_t i = 0; i < TASK_SLOTS; i++) {
		struct task *t = tr->tasks[i];

		while (t) {
			struct task *next = t->next;

			fn(tr, t);
			t = next;
		}
	}
}

static void
kill_task(struct tracer *tr, struct task *t)
{
	(void)tr;
	kill(t->tid, SIGKILL);
}

/*
 * Kill every traced process.  SIGKILL wakes a thread even in a ptrace
 * stop; their deaths are reaped by the loop, which keeps killing any
 * task it has not seen before (a child forked just now).
 */
void
tracer_kill_all(struct tracer *tr, int why)
{
	if (!tr->killing)
		tr->killing = why;
	/* the namespace's init: its death ends every process in it */
	if (tr->init_alive)
		kill(tr->init_pid, SIGKILL);
	tracer_each_task(tr, kill_task);
}

static struct fdcache_ent **
fdcache_slot(struct tracer *tr, pid_t tgid, int fd)
{
	return &tr->fdcache[((unsigned)tgid * 31u + (unsigned)fd) % FDCACHE_SLOTS];
}

/* The cached entry of (tgid, fd), whatever file it names. */
struct fdcache_ent *
fdcache_find(struct tracer *tr, pid_t tgid, int fd)
{
	for (struct fdcache_ent *e = *fdcache_slot(tr, tgid, fd); e; e = e->next)
		if (e->tgid == tgid && e->fd == fd)
			return e;
	return NULL;
}

/*
 * The cached entry of (tgid, fd) if it still names the same file.
 * unlinked is whether the file has no name now (-1: unknown): a file
 * that gained or lost its last name is looked up again.
 */
const struct fdcache_ent *
fdcache_get(struct tracer *tr, pid_t tgid, int fd, uint64_t dev, uint64_t ino,
    int unlinked)
{
	const struct fdcache_ent *e = fdcache_find(tr, tgid, fd);

	return e && e->dev == dev && e->ino == ino && (unlinked < 0 ||
	    e->unlinked < 0 || e->unlinked == unlinked) ? e : NULL;
}

static void
fdcache_free(struct fdcache_ent *e)
{
	if (e->dupfd >= 0)
		close(e->dupfd);
	free(e);
}

/* The new entry (no duplicate yet), or NULL without memory. */
struct fdcache_ent *
fdcache_put(struct tracer *tr, pid_t tgid, int fd, uint64_t dev, uint64_t ino,
    int unlinked, enum rec_kind kind, const char *path)
{
	struct fdcache_ent **pp = fdcache_slot(tr, tgid, fd), *e;
	size_t len = strnlen(path, PATH_CAP);

	for (; *pp; pp = &(*pp)->next) {
		if ((*pp)->tgid == tgid && (*pp)->fd == fd) {
			e = *pp;
			*pp = e->next;
			fdcache_free(e);
			break;
		}
	}
	/* fdcache_get copies the path into a pending site's PATH_CAP */
	e = len < PATH_CAP ? malloc(sizeof(*e) + len + 1) : NULL;
	if (!e)
		return NULL;		/* no cache: resolved again next time */
	*e = (struct fdcache_ent){ .tgid = tgid, .fd = fd, .dev = dev,
				   .ino = ino, .unlinked = unlinked, .kind = kind,
				   .dupfd = -1, .len = len };
	memcpy(e->path, path, len + 1);
	pp = fdcache_slot(tr, tgid, fd);
	e->next = *pp;
	*pp = e;
	return e;
}

/* Forget the fds of one process (exec, exit), or of all (tgid 0: renames). */
void
fdcache_flush(struct tracer *tr, pid_t tgid)
{
	for (size_t i = 0; i < FDCACHE_SLOTS; i++) {
		struct fdcache_ent **pp = &tr->fdcache[i];

		while (*pp) {
			struct fdcache_ent *e = *pp;

			if (tgid && e->tgid != tgid) {
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			fdcache_free(e);
		}
	}
}

static struct proc *
proc_get(struct tracer *tr, pid_t tgid)
{
	struct proc **slot = &tr->procs[(unsigned)tgid % PROC_SLOTS], *pr;

	for (pr = *slot; pr; pr = pr->next)
		if (pr->tgid == tgid)
			return pr;
	pr = malloc(sizeof(*pr));
	if (!pr)
		return NULL;
	pr->tgid = tgid;
	pr->index = 0;
	pr->nthreads = 0;
	pr->pidfd = pidfd_open(tgid, 0);
	pr->emulate = -1;
	pr->regs_fast = -1;
	pr->maps = NULL;
	pr->mapset = NULL;
	pr->clock = 0;
	pr->clock_parent = 0;
	pr->next = *slot;
	*slot = pr;
	return pr;
}

int
proc_pidfd(struct tracer *tr, pid_t tgid)
{
	struct proc *pr = proc_get(tr, tgid);

	return pr ? pr->pidfd : -1;
}

/*
 * badio may do a process's regular-file writes for it only if the
 * process has no file-size limit of its own (the kernel would check
 * badio's limit, not the program's, and send SIGXFSZ to badio).
 */
bool
proc_may_emulate(struct tracer *tr, pid_t tgid)
{
	struct proc *pr = proc_get(tr, tgid);
	struct rlimit rl;

	if (!pr)
		return false;
	if (pr->emulate < 0)
		pr->emulate = prlimit(tgid, RLIMIT_FSIZE, NULL, &rl) == 0 &&
		    rl.rlim_cur == RLIM_INFINITY;
	return pr->emulate == 1;
}

bool
proc_regs_fast(struct tracer *tr, pid_t tgid)
{
	struct proc *pr;

	if (!tr->regs_fast_ok)
		return false;
	pr = proc_get(tr, tgid);
	return pr && pr->regs_fast == 1;
}

void
proc_set_regs_fast(struct tracer *tr, pid_t tgid, bool fast)
{
	struct proc *pr = proc_get(tr, tgid);

	if (pr)
		pr->regs_fast = fast;
}

void
proc_forget(struct tracer *tr, pid_t tgid)
{
	for (struct proc **pp = &tr->procs[(unsigned)tgid % PROC_SLOTS]; *pp;
	    pp = &(*pp)->next) {
		struct proc *pr = *pp;

		if (pr->tgid != tgid)
			continue;
		*pp = pr->next;
		if (pr->pidfd >= 0)
			close(pr->pidfd);
		maps_free(pr->maps);
		mapset_free(pr->mapset);
		free(pr);
		return;
	}
}

void
proc_rekey(struct tracer *tr, pid_t from, pid_t to)
{
	struct proc **pp, *pr = NULL, **slot;

	for (pp = &tr->procs[(unsigned)from % PROC_SLOTS]; *pp;
	    pp = &(*pp)->next) {
		if ((*pp)->tgid == from) {
			pr = *pp;
			*pp = pr->next;
			break;
		}
	}
	if (!pr)
		return;
	proc_forget(tr, to);
	if (pr->pidfd >= 0)
		close(pr->pidfd);
	pr->tgid = to;
	pr->pidfd = pidfd_open(to, 0);
	slot = &tr->procs[(unsigned)to % PROC_SLOTS];
	pr->next = *slot;
	*slot = pr;
}

/* The executable mappings of a process, read again when reload is set. */
struct maps *
proc_maps(struct tracer *tr, pid_t tgid, bool reload)
{
	struct proc *pr = proc_get(tr, tgid);

	if (!pr)
		return NULL;
	if (reload || !pr->maps) {
		maps_free(pr->maps);
		pr->maps = maps_load(tr, tgid);
	}
	return pr->maps;
}

/* After an exec: a new address space, and new limits. */
void
proc_exec(struct tracer *tr, pid_t tgid)
{
	struct proc *pr = proc_get(tr, tgid);

	if (!pr)
		return;
	maps_free(pr->maps);
	pr->maps = NULL;
	mapset_free(pr->mapset);	/* exec drops every mapping */
	pr->mapset = NULL;
	pr->emulate = -1;
}

uint64_t *
proc_clock(struct tracer *tr, pid_t tgid)
{
	struct proc *pr = proc_get(tr, tgid);

	return pr ? &pr->clock : NULL;
}

/* A process made by a fork of parent: its clock goes on from parent's. */
void
proc_clock_fork(struct tracer *tr, pid_t parent, pid_t child)
{
	struct proc *from = proc_get(tr, parent), *to = proc_get(tr, child);

	if (from && to) {
		to->clock = from->clock;
		to->clock_parent = parent;
	}
}

static struct proc *
proc_find(struct tracer *tr, pid_t tgid)
{
	for (struct proc *pr = tr->procs[(unsigned)tgid % PROC_SLOTS]; pr;
	    pr = pr->next)
		if (pr->tgid == tgid)
			return pr;
	return NULL;
}

/*
 * A process is gone: its parent's clock goes on from its count, if that
 * is later.  A parent that waits for it reads the clock after this (the
 * kernel shows a traced zombie to its real parent only once the tracer
 * has reaped it), so the order of their answers is the program's.
 */
void
proc_clock_exit(struct tracer *tr, pid_t tgid)
{
	struct proc *pr = proc_find(tr, tgid), *parent;

	if (!pr || !pr->clock_parent ||
	    !(parent = proc_find(tr, pr->clock_parent)))
		return;
	if (parent->clock < pr->clock)
		parent->clock = pr->clock;
}

/* The process's table of file mappings (mapping.c), NULL if no memory. */
struct mapset **
proc_mapset(struct tracer *tr, pid_t tgid)
{
	struct proc *pr = proc_get(tr, tgid);

	return pr ? &pr->mapset : NULL;
}

/*
 * The inodes written by a traced process, for close sites: an open
 * addressing set of (dev, ino), grown at half full.
 */
struct inoset {
	struct { uint64_t dev, ino; } *v;
	size_t		n;
	size_t		cap;
};

static size_t
ino_hash(uint64_t dev, uint64_t ino, size_t cap)
{
	return (size_t)((dev * 0x9e3779b97f4a7c15ull) ^ ino) % cap;
}

static bool
inoset_put(struct inoset *s, uint64_t dev, uint64_t ino)
{
	size_t i;

	for (i = ino_hash(dev, ino, s->cap); s->v[i].dev || s->v[i].ino;
	    i = (i + 1) % s->cap)
		if (s->v[i].dev == dev && s->v[i].ino == ino)
			return false;
	s->v[i].dev = dev;
	s->v[i].ino = ino;
	s->n++;
	return true;
}

void
written_add(struct tracer *tr, uint64_t dev, uint64_t ino)
{
	struct inoset *s = tr->written, grown;

	if (!s && !(s = tr->written = calloc(1, sizeof(*s))))
		return;
	if (2 * (s->n + 1) > s->cap) {
		grown.cap = s->cap ? 2 * s->cap : 64;
		grown.n = 0;
		if (!(grown.v = calloc(grown.cap, sizeof(*grown.v))))
			return;
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i].dev || s->v[i].ino)
				inoset_put(&grown, s->v[i].dev, s->v[i].ino);
		free(s->v);
		*s = grown;
	}
	inoset_put(s, dev, ino);
}

bool
written_has(struct tracer *tr, uint64_t dev, uint64_t ino)
{
	const struct inoset *s = tr->written;

	if (!s || !s->cap)
		return false;
	for (size_t i = ino_hash(dev, ino, s->cap); s->v[i].dev || s->v[i].ino;
	    i = (i + 1) % s->cap)
		if (s->v[i].dev == dev && s->v[i].ino == ino)
			return true;
	return false;
}

void
written_free(struct tracer *tr)
{
	if (tr->written)
		free(tr->written->v);
	free(tr->written);
	tr->written = NULL;
}

size_t
proc_tgids(struct tracer *tr, pid_t *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < PROC_SLOTS; i++)
		for (struct proc *pr = tr->procs[i]; pr && n < max; pr = pr->next)
			out[n++] = pr->tgid;
	return n;
}

/*
 * Some process set a file-size limit (setrlimit, prlimit64): whether a
 * process's writes may be emulated is looked up again at its next write.
 */
void
proc_limits_changed(struct tracer *tr)
{
	for (size_t i = 0; i < PROC_SLOTS; i++)
		for (struct proc *pr = tr->procs[i]; pr; pr = pr->next)
			pr->emulate = -1;
}
