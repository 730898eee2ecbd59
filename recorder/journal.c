/*
 * journal.c - the undo journal: what a power failure would take away.
 *
 * With rec_opts.journal, every op on the run directory that is not yet
 * durable is kept, in program order, with what undoes it: a write keeps
 * the old bytes of the range it overwrites (the first overwrite of a
 * byte since its file's last sync only: appends cost nothing) and the
 * size before; a truncate the bytes it cuts; a namespace op the
 * directory entries it changes, by inode (st_dev, st_ino), the inode an
 * unlink or a rename over would free kept alive by a hard link into
 * opts->stash_dir made at the seccomp stop (or a held fd).  Durability
 * points (DURABILITY_NOTES §1.2) mark ops durable and drop what undoes
 * them: fsync or fdatasync of any fd of an inode (its data), fsync of a
 * directory (its entries), sync and syncfs (everything), writes on an
 * O_SYNC or O_DSYNC fd at once.  sync_file_range is not one.  Stores
 * through mappings are never seen: the map images (mapping.c) stand for
 * them.  Crash states are built from the journal in journal_build.c.
 *
 * The journal's files, by concern:
 *   journal.c        its entries (ops) and inodes, their life, the calls
 *                    each stop hands to the others
 *   journal_data.c   saved old bytes and sizes: writes, truncates,
 *                    fallocate; the spill file
 *   journal_ns.c     directory changes, and the stash of victim inodes
 *   journal_sync.c   what a sync makes durable, and what a lost-sync loses
 *   journal_build*.c crash states from it (journal_build.c)
 *
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "recorder/journal_int.h"
#include "recorder/recorder_int.h"

#define JOURNAL_MEM_DEFAULT	(64u << 20)

/* --- inodes ------------------------------------------------------------ */

static size_t
ihash_slot(const struct rec_journal *j, uint64_t dev, uint64_t ino)
{
	uint64_t h = (ino ^ (dev * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;

	return (size_t)(h >> 17) & (j->hcap - 1);
}

struct jinode *
journal_inode(const struct rec_journal *j, uint64_t dev, uint64_t ino)
{
	for (size_t i = j->hcap ? ihash_slot(j, dev, ino) : 0;
	    j->hcap && j->ihash[i]; i = (i + 1) & (j->hcap - 1)) {
		struct jinode *ji = &j->inodes[j->ihash[i] - 1];

		if (ji->ino == ino && ji->dev == dev)
			return ji;
	}
	return NULL;
}

static int
ihash_grow(struct rec_journal *j)
{
	size_t cap = j->hcap ? 2 * j->hcap : 64;
	uint32_t *h = calloc(cap, sizeof(*h));

	if (!h)
		return -ENOMEM;
	free(j->ihash);
	j->ihash = h;
	j->hcap = cap;
	for (size_t k = 0; k < j->ninodes; k++) {
		size_t i = ihash_slot(j, j->inodes[k].dev, j->inodes[k].ino);

		while (h[i])
			i = (i + 1) & (cap - 1);
		h[i] = (uint32_t)(k + 1);
	}
	return 0;
}

struct jinode *
journal_inode_get(struct rec_journal *j, uint64_t dev, uint64_t ino)
{
	struct jinode *ji = journal_inode(j, dev, ino);
	size_t i;

	if (ji)
		return ji;
	if (j->ninodes == j->icap) {
		size_t cap = j->icap ? 2 * j->icap : 32;
		struct jinode *v = realloc(j->inodes, cap * sizeof(*v));

		if (!v)
			return NULL;
		j->inodes = v;
		j->icap = cap;
	}
	if (2 * (j->ninodes + 1) >= j->hcap && ihash_grow(j) < 0)
		return NULL;
	ji = &j->inodes[j->ninodes++];
	*ji = (struct jinode){ .dev = dev, .ino = ino, .held = -1, .rfd = -1 };
	for (i = ihash_slot(j, dev, ino); j->ihash[i]; i = (i + 1) & (j->hcap - 1))
		;
	j->ihash[i] = (uint32_t)j->ninodes;
	return ji;
}

/* --- ops ---------------------------------------------------------------- */

void
jop_free(struct rec_journal *j, struct jop *op)
{
	if (!op)
		return;
	for (unsigned i = 0; i < op->npieces; i++)
		jpiece_free(j, &op->pieces[i]);
	free(op->pieces);
	for (unsigned i = 0; i < op->nslots; i++)
		free(op->slot[i].name);
	free(op);
}

struct jop *
jop_new(enum jkind kind, uint64_t seq, uint64_t dev, uint64_t ino)
{
	struct jop *op = calloc(1, sizeof(*op));

	if (op) {
		op->kind = kind;
		op->seq = seq;
		op->dev = dev;
		op->ino = ino;
	}
	return op;
}

void
jop_append(struct rec_journal *j, struct jop *op)
{
	if (j->nops == j->cap) {
		size_t cap = j->cap ? 2 * j->cap : 64;
		struct jop **v = realloc(j->ops, cap * sizeof(*v));

		if (!v) {
			jop_free(j, op);
			return;
		}
		j->ops = v;
		j->cap = cap;
	}
	j->ops[j->nops++] = op;
	j->entries++;
}

/*
 * Durable ops are never undone: drop them, once they are half the list.
 * A lost inode's stay (their ranges keep a lost op from being undone
 * over bytes written after it, journal_build.c).
 */
static bool
partly_synced(const struct jop *op)
{
	bool any = false;

	for (unsigned i = 0; op->kind == J_NS && !op->durable && i < op->nslots; i++)
		any |= op->slot[i].synced;
	return any;
}

/*
 * An entry's ops become durable in order, except behind a rename across
 * directories of which one is synced: a later durable op on one of its
 * entries must stay, so that it still wins over the rename's old
 * mapping (journal_build.c takes the last kept op's inode).
 */
static void
ops_compact(struct rec_journal *j)
{
	size_t k = 0, partial = SIZE_MAX;

	if (j->ndurable < 64 || 2 * j->ndurable < j->nops)
		return;
	for (size_t i = 0; i < j->nops && partial == SIZE_MAX; i++)
		if (partly_synced(j->ops[i]))
			partial = i;
	for (size_t i = 0; i < j->nops; i++) {
		struct jop *op = j->ops[i];
		const struct jinode *ji = op->kind == J_NS ? NULL :
		    journal_inode(j, op->dev, op->ino);

		if (op->durable && !(ji && ji->lost) &&
		    !(op->kind == J_NS && i > partial))
			jop_free(j, op);
		else
			j->ops[k++] = op;
	}
	j->nops = k;
	j->ndurable = 0;
	for (size_t i = 0; i < j->nops; i++)
		j->ndurable += j->ops[i]->durable;
}

/* --- paths -------------------------------------------------------------- */

/* A path of a site inside the run directory: into abs; false if not. */
bool
journal_inside(const struct rec_journal *j, const char *path, char *abs, size_t size)
{
	/* "<stdout>", "<too long>/x": no file of the run directory */
	if (!path[0] || path[0] == '/' || path[0] == '<')
		return false;
	return snprintf(abs, size, "%s/%s", j->root, path) < (int)size;
}

/* Is a written file's path one the journal follows? */
bool
journal_data_inside(const struct pending *p)
{
	const char *dir;

	if (rec_path_is_tmpfile(p->path)) {
		dir = p->path + 9;
		return dir[0] != '/';
	}
	return p->path[0] && p->path[0] != '/' && p->path[0] != '<';
}

/* --- stops --------------------------------------------------------------- */

/* What each namespace call does to the journal, by syscall number. */
static const struct {
	long	nr;
	void	(*enter)(struct rec_journal *j, struct task *t);
} ns_calls[] = {
	{ __NR_rename, journal_ns_rename }, { __NR_renameat, journal_ns_rename },
	{ __NR_renameat2, journal_ns_rename },
	{ __NR_unlink, journal_ns_remove }, { __NR_unlinkat, journal_ns_remove },
	{ __NR_rmdir, journal_ns_remove },
	{ __NR_mkdir, journal_ns_create }, { __NR_mkdirat, journal_ns_create },
	{ __NR_link, journal_ns_create }, { __NR_linkat, journal_ns_create },
	{ __NR_symlink, journal_ns_create }, { __NR_symlinkat, journal_ns_create },
	{ __NR_mknod, journal_ns_create }, { __NR_mknodat, journal_ns_create },
	{ __NR_open, journal_open_enter }, { __NR_openat, journal_open_enter },
	{ __NR_creat, journal_open_enter }, { __NR_openat2, journal_open_enter },
	{ __NR_truncate, journal_trunc_path }, { __NR_ftruncate, journal_trunc_fd },
	{ __NR_fallocate, journal_falloc_enter },
};

/*
 * At the seccomp stop of a site the kernel (or badio) will run: keep
 * what undoes it.  Called after inject_decide, before emulate_write.
 */
void
journal_enter(struct tracer *tr, struct task *t)
{
	struct rec_journal *j = tr->journal;
	struct pending *p = &t->p;

	p->jop = NULL;
	if (!j || p->how == HOW_KILL || p->how == HOW_SKIP_FAIL)
		return;
	if (p->sc->pub.family == REC_FAM_WRITE) {
		if (p->kind == REC_KIND_REGULAR && journal_data_inside(p))
			journal_write_enter(j, t);
		return;
	}
	if (p->sc->pub.family != REC_FAM_NAMESPACE)
		return;
	for (size_t i = 0; i < sizeof(ns_calls) / sizeof(ns_calls[0]); i++)
		if (ns_calls[i].nr == p->sc->pub.nr) {
			ns_calls[i].enter(j, t);
			return;
		}
}

/* At the exit stop (or the task's death in the call): settle the op. */
void
journal_exit(struct tracer *tr, struct task *t, int64_t rval, bool has_rval)
{
	struct rec_journal *j = tr->journal;
	struct pending *p = &t->p;
	struct jop *op = p->jop;

	if (!j)
		return;
	p->jop = NULL;
	if (op && op->kind == J_NS)
		journal_ns_exit(j, p, op, rval, has_rval);
	else if (op && op->kind == J_TRUNC)
		(has_rval && rval < 0) ? jop_free(j, op) : jop_append(j, op);
	else if (op)
		journal_write_exit(j, p, op, rval, has_rval);
	if (p->sc->pub.family == REC_FAM_SYNC && has_rval && rval == 0 &&
	    p->fault == REC_FAULT_NONE)
		journal_sync_exit(j, p);
	ops_compact(j);
}

/* --- life ---------------------------------------------------------------- */

int
journal_init(struct tracer *tr)
{
	const struct rec_opts *o = tr->opts;
	struct rec_journal *j;
	const char *tmp = getenv("TMPDIR");
	struct stat st;

	if (!o->journal)
		return 0;
	if (!(j = calloc(1, sizeof(*j))))
		return -ENOMEM;
	tr->journal = j;
	j->stashfd = -1;
	j->spillfd = -1;
	snprintf(j->root, sizeof(j->root), "%s", tr->root);
	if (stat(j->root, &st) < 0)
		return -errno;
	j->rootdev = (uint64_t)st.st_dev;
	j->rootino = (uint64_t)st.st_ino;
	j->mem_limit = o->journal_mem ? o->journal_mem : JOURNAL_MEM_DEFAULT;
	/*
	 * A directory of this run's own in the stash: a link left by an
	 * earlier run could name a reused inode number.  Removed with the
	 * journal.
	 */
	if (o->stash_dir) {
		if (snprintf(j->stashdir, sizeof(j->stashdir), "%s/run-XXXXXX",
		    o->stash_dir) >= (int)sizeof(j->stashdir))
			return -ENAMETOOLONG;
		if (!mkdtemp(j->stashdir))
			return -errno;
		j->stashfd = open(j->stashdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (j->stashfd < 0)
			return -errno;
	}
	snprintf(j->spilldir, sizeof(j->spilldir), "%s", o->stash_dir ?
	    j->stashdir : tmp && tmp[0] ? tmp : "/tmp");
	j->maps = o->map_copies ? tr->maps : NULL;
	return 0;
}

void
journal_free(struct tracer *tr)
{
	struct rec_journal *j = tr->journal;

	if (!j)
		return;
	tr->res->journal_peak_mem = j->mem_peak;
	tr->res->journal_peak_disk = j->disk_peak;
	tr->res->journal_entries = j->entries;
	for (size_t i = 0; i < j->nops; i++)
		jop_free(j, j->ops[i]);
	free(j->ops);
	for (size_t i = 0; i < j->ninodes; i++) {
		ivals_free(&j->inodes[i].saved);
		if (j->inodes[i].held >= 0)
			close(j->inodes[i].held);
		if (j->inodes[i].rfd >= 0)
			close(j->inodes[i].rfd);
	}
	free(j->inodes);
	free(j->ihash);
	if (j->stashfd >= 0) {
		journal_stash_empty(j->stashfd);
		close(j->stashfd);
		rmdir(j->stashdir);
	}
	if (j->spillfd >= 0)
		close(j->spillfd);
	free(j->last_key);
	free(j->buf);
	free(j);
	tr->journal = NULL;
}

/* --- public -------------------------------------------------------------- */

unsigned
rec_journal_pending(const struct rec_journal *j)
{
	unsigned n = 0;

	for (size_t i = 0; j && i < j->nops; i++)
		n += !j->ops[i]->durable && !j->ops[i]->lost;
	return n;
}

uint64_t
rec_journal_last_sync(const struct rec_journal *j, const char **key)
{
	if (key)
		*key = j && j->last_key ? j->last_key : NULL;
	return j ? j->last_seq : 0;
}

int
rec_state_parse(const char *s, struct rec_state *out)
{
	char *end;
	unsigned long n;

	if (strcmp(s, "durable") == 0) {
		*out = (struct rec_state){ REC_STATE_DURABLE, 0 };
		return 0;
	}
	if (strcmp(s, "metadata") == 0) {
		*out = (struct rec_state){ REC_STATE_METADATA, 0 };
		return 0;
	}
	if (strcmp(s, "durable-zero") == 0) {
		*out = (struct rec_state){ REC_STATE_DURABLE_ZERO, 0 };
		return 0;
	}
	if (strncmp(s, "prefix:", 7) != 0 || s[7] < '1' || s[7] > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(s + 7, &end, 10);
	if (errno || *end || n > UINT_MAX)
		return -EINVAL;
	*out = (struct rec_state){ REC_STATE_PREFIX, (unsigned)n };
	return 0;
}

int
rec_state_format(char *buf, size_t size, struct rec_state st)
{
	int n;

	switch (st.kind) {
	case REC_STATE_DURABLE:
		n = snprintf(buf, size, "durable");
		break;
	case REC_STATE_METADATA:
		n = snprintf(buf, size, "metadata");
		break;
	case REC_STATE_DURABLE_ZERO:
		n = snprintf(buf, size, "durable-zero");
		break;
	case REC_STATE_PREFIX:
		if (st.n == 0)
			return -EINVAL;
		n = snprintf(buf, size, "prefix:%u", st.n);
		break;
	default:
		return -EINVAL;
	}
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
