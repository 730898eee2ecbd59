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
 * Old bytes past opts->journal_mem go to a spill file in stash_dir, and
 * are punched out of it when their op becomes durable.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "recorder/journal_int.h"
#include "recorder/recorder_int.h"

#define JOURNAL_MEM_DEFAULT	(64u << 20)
#define SPILL_CHUNK		(1u << 20)

/* --- interval sets ----------------------------------------------------- */

int
ivals_add(struct ivals *s, int64_t lo, int64_t hi)
{
	size_t i = 0, k;

	if (lo >= hi)
		return 0;
	while (i < s->n && s->v[i].hi < lo)
		i++;
	/* merge every range that touches [lo, hi) into slot i */
	k = i;
	while (k < s->n && s->v[k].lo <= hi) {
		if (s->v[k].lo < lo)
			lo = s->v[k].lo;
		if (s->v[k].hi > hi)
			hi = s->v[k].hi;
		k++;
	}
	if (k == i) {
		if (s->n == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 8;
			struct ival *v = realloc(s->v, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			s->v = v;
			s->cap = cap;
		}
		memmove(s->v + i + 1, s->v + i, (s->n - i) * sizeof(*s->v));
		s->n++;
	} else if (k > i + 1) {
		memmove(s->v + i + 1, s->v + k, (s->n - k) * sizeof(*s->v));
		s->n -= k - i - 1;
	}
	s->v[i] = (struct ival){ lo, hi };
	return 0;
}

int
ivals_gaps(const struct ivals *s, int64_t lo, int64_t hi, struct ivals *out)
{
	int rc = 0;

	*out = (struct ivals){ 0 };
	for (size_t i = 0; i < s->n && lo < hi && rc == 0; i++) {
		if (s->v[i].hi <= lo)
			continue;
		if (s->v[i].lo >= hi)
			break;
		if (s->v[i].lo > lo)
			rc = ivals_add(out, lo, s->v[i].lo);
		lo = s->v[i].hi;
	}
	if (rc == 0 && lo < hi)
		rc = ivals_add(out, lo, hi);
	return rc;
}

void
ivals_free(struct ivals *s)
{
	free(s->v);
	*s = (struct ivals){ 0 };
}

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

static struct jinode *
inode_get(struct rec_journal *j, uint64_t dev, uint64_t ino)
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

static void
stash_name(char *buf, size_t size, uint64_t dev, uint64_t ino)
{
	snprintf(buf, size, "%llx-%llx", (unsigned long long)dev,
	    (unsigned long long)ino);
}

/*
 * Keep the inode at abs (lstat *st) alive: the call about to run may
 * drop its last name.  A hard link in the stash, else an O_PATH fd.
 */
static void
stash(struct rec_journal *j, const char *abs, const struct stat *st)
{
	struct jinode *ji = inode_get(j, (uint64_t)st->st_dev,
	    (uint64_t)st->st_ino);
	char name[48];

	if (!ji || ji->stashed || ji->held >= 0)
		return;
	stash_name(name, sizeof(name), (uint64_t)st->st_dev,
	    (uint64_t)st->st_ino);
	if (j->stashfd >= 0 && (linkat(AT_FDCWD, abs, j->stashfd, name, 0) == 0 ||
	    errno == EEXIST)) {
		ji->stashed = true;
		return;
	}
	ji->held = open(abs, O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

int
journal_victim_fd(const struct rec_journal *j, uint64_t dev, uint64_t ino,
    int flags)
{
	const struct jinode *ji = journal_inode(j, dev, ino);
	char name[64];

	if (!ji)
		return -1;
	if (ji->stashed) {
		stash_name(name, sizeof(name), dev, ino);
		return openat(j->stashfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
	}
	if (ji->held >= 0) {
		if (flags & O_PATH)
			return fcntl(ji->held, F_DUPFD_CLOEXEC, 0);
		snprintf(name, sizeof(name), "/proc/self/fd/%d", ji->held);
		return open(name, flags | O_CLOEXEC);
	}
	if (ji->rfd >= 0)
		return fcntl(ji->rfd, F_DUPFD_CLOEXEC, 0);
	return -1;
}

/* --- old bytes --------------------------------------------------------- */

static void
account(struct rec_journal *j, const struct jpiece *pc, int sign)
{
	uint64_t *cur = pc->mem ? &j->mem : &j->disk;
	uint64_t *peak = pc->mem ? &j->mem_peak : &j->disk_peak;

	*cur += sign * (int64_t)pc->len;
	if (*cur > *peak)
		*peak = *cur;
}

static void
piece_free(struct rec_journal *j, struct jpiece *pc)
{
	account(j, pc, -1);
	if (pc->mem)
		free(pc->mem);
	else if (j->spillfd >= 0)
		fallocate(j->spillfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		    pc->spill, pc->len);
	pc->mem = NULL;
	pc->len = 0;
}

static int
spill_open(struct rec_journal *j)
{
	if (j->spillfd >= 0)
		return 0;
	j->spillfd = open(j->spilldir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (j->spillfd < 0) {
		/* no O_TMPFILE there: a named file, unlinked at once */
		char path[PATH_MAX + 32];

		if (snprintf(path, sizeof(path), "%s/spill-XXXXXX", j->spilldir) >=
		    (int)sizeof(path) || (j->spillfd = mkostemp(path, O_CLOEXEC)) < 0)
			return -errno;
		unlink(path);
	}
	if (!j->buf && !(j->buf = malloc(SPILL_CHUNK)))
		return -ENOMEM;
	return 0;
}

int
journal_io_full(int fd, void *buf, size_t n, int64_t off, bool out)
{
	size_t done = 0;

	while (done < n) {
		off_t at = (off_t)(off + (int64_t)done);
		ssize_t r = out ? pwrite(fd, (char *)buf + done, n - done, at) :
		    pread(fd, (char *)buf + done, n - done, at);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		done += (size_t)r;
	}
	return 0;
}

/* Old bytes [lo, hi) of fd into a new piece of op, in memory or spilled. */
static int
piece_take(struct rec_journal *j, struct jop *op, int fd, int64_t lo, int64_t hi)
{
	struct jpiece pc = { .off = lo, .len = hi - lo, .spill = -1 };
	struct jpiece *v;
	int rc;

	v = realloc(op->pieces, (op->npieces + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	op->pieces = v;
	if (j->mem + (uint64_t)pc.len <= j->mem_limit) {
		if (!(pc.mem = malloc((size_t)pc.len ? (size_t)pc.len : 1)))
			return -ENOMEM;
		rc = journal_io_full(fd, pc.mem, (size_t)pc.len, lo, false);
		if (rc < 0) {
			free(pc.mem);
			return rc;
		}
	} else {
		if ((rc = spill_open(j)) < 0)
			return rc;
		pc.spill = j->spill_end;
		for (int64_t at = 0; at < pc.len;) {
			size_t n = pc.len - at < SPILL_CHUNK ?
			    (size_t)(pc.len - at) : SPILL_CHUNK;

			if ((rc = journal_io_full(fd, j->buf, n, lo + at,
			    false)) < 0 ||
			    (rc = journal_io_full(j->spillfd, j->buf, n,
			    pc.spill + at, true)) < 0)
				return rc;
			at += (int64_t)n;
		}
		j->spill_end += pc.len;
	}
	op->pieces[op->npieces++] = pc;
	account(j, &pc, 1);
	return 0;
}

ssize_t
jpiece_read(const struct rec_journal *j, const struct jpiece *pc, void *buf,
    size_t n, int64_t at)
{
	if (at >= pc->len)
		return 0;
	if ((int64_t)n > pc->len - at)
		n = (size_t)(pc->len - at);
	if (pc->mem) {
		memcpy(buf, pc->mem + at, n);
		return (ssize_t)n;
	}
	return journal_io_full(j->spillfd, buf, n, pc->spill + at, false) < 0 ?
	    -1 : (ssize_t)n;
}

/*
 * Keep the old bytes of [lo, hi) that no op kept since the inode's last
 * sync.  fd reads the file.
 */
static int
save_range(struct rec_journal *j, struct jop *op, int fd, int64_t lo, int64_t hi)
{
	struct jinode *ji = inode_get(j, op->dev, op->ino);
	struct ivals gaps;
	int rc;

	if (!ji || lo >= hi)
		return ji ? 0 : -ENOMEM;
	if ((rc = ivals_gaps(&ji->saved, lo, hi, &gaps)) < 0)
		return rc;
	for (size_t i = 0; i < gaps.n && rc == 0; i++)
		rc = piece_take(j, op, fd, gaps.v[i].lo, gaps.v[i].hi);
	ivals_free(&gaps);
	return rc;
}

/* The pieces kept, now that the op is done: the inode's saved ranges. */
static void
mark_saved(struct rec_journal *j, const struct jop *op)
{
	struct jinode *ji = inode_get(j, op->dev, op->ino);

	for (unsigned i = 0; ji && i < op->npieces; i++)
		ivals_add(&ji->saved, op->pieces[i].off,
		    op->pieces[i].off + op->pieces[i].len);
}

/* Only the bytes a short write really overwrote. */
static void
pieces_trim(struct rec_journal *j, struct jop *op, int64_t end)
{
	unsigned k = 0;

	for (unsigned i = 0; i < op->npieces; i++) {
		struct jpiece *pc = &op->pieces[i];

		if (pc->off >= end) {
			piece_free(j, pc);
			continue;
		}
		if (pc->off + pc->len > end) {
			account(j, pc, -1);
			pc->len = end - pc->off;
			account(j, pc, 1);
		}
		op->pieces[k++] = *pc;
	}
	op->npieces = k;
}

/* --- ops ---------------------------------------------------------------- */

static void
op_free(struct rec_journal *j, struct jop *op)
{
	if (!op)
		return;
	for (unsigned i = 0; i < op->npieces; i++)
		piece_free(j, &op->pieces[i]);
	free(op->pieces);
	for (unsigned i = 0; i < op->nslots; i++)
		free(op->slot[i].name);
	free(op);
}

static struct jop *
op_new(enum jkind kind, uint64_t seq, uint64_t dev, uint64_t ino)
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

static void
op_append(struct rec_journal *j, struct jop *op)
{
	if (j->nops == j->cap) {
		size_t cap = j->cap ? 2 * j->cap : 64;
		struct jop **v = realloc(j->ops, cap * sizeof(*v));

		if (!v) {
			op_free(j, op);
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
			op_free(j, op);
		else
			j->ops[k++] = op;
	}
	j->nops = k;
	j->ndurable = 0;
	for (size_t i = 0; i < j->nops; i++)
		j->ndurable += j->ops[i]->durable;
}

static void
op_durable(struct rec_journal *j, struct jop *op)
{
	if (op->durable || op->lost)
		return;
	op->durable = true;
	j->ndurable++;
	for (unsigned i = 0; i < op->npieces; i++)
		piece_free(j, &op->pieces[i]);
	op->npieces = 0;
}

/* fsync or fdatasync of an inode: its data ops are durable. */
static void
inode_synced(struct rec_journal *j, uint64_t dev, uint64_t ino)
{
	struct jinode *ji = journal_inode(j, dev, ino);

	for (size_t i = 0; i < j->nops; i++)
		if (j->ops[i]->kind != J_NS && j->ops[i]->ino == ino &&
		    j->ops[i]->dev == dev)
			op_durable(j, j->ops[i]);
	if (ji) {
		ivals_free(&ji->saved);
		if (ji->rfd >= 0)
			close(ji->rfd);
		ji->rfd = -1;
	}
}

static bool
slots_synced(const struct jop *op)
{
	for (unsigned i = 0; i < op->nslots; i++)
		if (!op->slot[i].synced)
			return false;
	return true;
}

/* fsync of a directory: its entries are durable. */
static void
dir_synced(struct rec_journal *j, uint64_t dev, uint64_t ino)
{
	for (size_t i = 0; i < j->nops; i++) {
		struct jop *op = j->ops[i];

		if (op->kind != J_NS || op->dev != dev)
			continue;
		for (unsigned s = 0; s < op->nslots; s++)
			if (op->slot[s].pino == ino)
				op->slot[s].synced = true;
		if (slots_synced(op))
			op_durable(j, op);
	}
}

/* sync (all) or syncfs (one file system): everything on it. */
static void
all_synced(struct rec_journal *j, bool all, uint64_t dev)
{
	for (size_t i = 0; i < j->nops; i++)
		if (all || j->ops[i]->dev == dev)
			op_durable(j, j->ops[i]);
	for (size_t i = 0; i < j->ninodes; i++) {
		if (!all && j->inodes[i].dev != dev)
			continue;
		ivals_free(&j->inodes[i].saved);
		if (j->inodes[i].rfd >= 0)
			close(j->inodes[i].rfd);
		j->inodes[i].rfd = -1;
	}
}

/* --- paths -------------------------------------------------------------- */

/* A path of a site inside the run directory: into abs; false if not. */
static bool
inside(const struct rec_journal *j, const char *path, char *abs, size_t size)
{
	/* "<stdout>", "<too long>/x": no file of the run directory */
	if (!path[0] || path[0] == '/' || path[0] == '<')
		return false;
	return snprintf(abs, size, "%s/%s", j->root, path) < (int)size;
}

/* Is a written file's path one the journal follows? */
static bool
data_inside(const struct pending *p)
{
	const char *dir;

	if (rec_path_is_tmpfile(p->path)) {
		dir = p->path + 9;
		return dir[0] != '/';
	}
	return p->path[0] && p->path[0] != '/' && p->path[0] != '<';
}

static enum jtype
type_of(mode_t m)
{
	return S_ISREG(m) ? JT_REG : S_ISDIR(m) ? JT_DIR : S_ISLNK(m) ? JT_LINK :
	    JT_OTHER;
}

/*
 * The entry path names: its directory's inode, its name, what it holds
 * now.  False if it is not inside the run directory, or its directory
 * is on another file system (a mount inside the run directory).
 */
static bool
slot_prepare(struct rec_journal *j, const char *path, struct jslot *s,
    struct stat *st)
{
	char abs[PATH_CAP + PATH_MAX], dir[PATH_CAP + PATH_MAX];
	const char *base;
	struct stat dst;

	if (!inside(j, path, abs, sizeof(abs)))
		return false;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (!base[0] || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return false;
	snprintf(dir, sizeof(dir), "%s/%.*s", j->root, (int)(base - path), path);
	if (stat(dir, &dst) < 0 || !S_ISDIR(dst.st_mode) ||
	    (uint64_t)dst.st_dev != j->rootdev)
		return false;
	*s = (struct jslot){ .pino = (uint64_t)dst.st_ino };
	if (!(s->name = strdup(base)))
		return false;
	if (lstat(abs, st) == 0) {
		s->oldv = (uint64_t)st->st_ino;
		s->oldt = (unsigned char)type_of(st->st_mode);
		s->oldmode = st->st_mode & 07777;
	} else {
		memset(st, 0, sizeof(*st));
	}
	return true;
}

/* --- entry stops --------------------------------------------------------- */

/* A readable fd of the file p writes: its dup if readable, else a reopen. */
static int
readable_fd(struct pending *p, struct jinode *ji)
{
	char name[48];

	if ((p->fdflags & O_ACCMODE) == O_RDWR && p->dupfd >= 0)
		return p->dupfd;
	if (ji->rfd >= 0)
		return ji->rfd;
	if (p->dupfd < 0)
		return -1;
	snprintf(name, sizeof(name), "/proc/self/fd/%d", p->dupfd);
	ji->rfd = open(name, O_RDONLY | O_CLOEXEC);
	return ji->rfd;
}

static void
write_enter(struct rec_journal *j, struct task *t)
{
	struct pending *p = &t->p;
	int64_t off, count = p->count, size;
	struct jinode *ji;
	struct jop *op;
	struct stat st;
	int fd;

	if (p->dupfd < 0 || fstat(p->dupfd, &st) < 0 || !S_ISREG(st.st_mode))
		return;
	size = st.st_size;
	if (p->how == HOW_CUT || p->how == HOW_CUT_FAIL)
		count = (int64_t)p->keep;
	if (p->sc->decode & D_IOCTL) {	/* a reflink: all of it, at worst */
		off = 0;
		count = size;
	} else if (p->to_eof || (p->append && p->offset < 0)) {
		off = size;
	} else {
		off = p->offset >= 0 ? p->offset : pending_pos(p);
	}
	if (off < 0 || count < 0)
		return;
	if (!(op = op_new(J_WRITE, p->seq, (uint64_t)st.st_dev,
	    (uint64_t)st.st_ino)))
		return;
	op->off = off;
	op->len = count;
	op->size_before = size;
	ji = inode_get(j, op->dev, op->ino);
	if (off < size && count > 0 && ji) {
		fd = readable_fd(p, ji);
		if (fd < 0 || save_range(j, op, fd, off,
		    off + count < size ? off + count : size) < 0) {
			op_free(j, op);
			return;
		}
	}
	p->jop = op;
}

/* A truncate of the file open as fd (or at abs) to size n. */
static void
trunc_enter(struct rec_journal *j, struct pending *p, int fd, int64_t n)
{
	struct jinode *ji;
	struct jop *op;
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || n < 0)
		return;
	if (!(op = op_new(J_TRUNC, p->seq, (uint64_t)st.st_dev,
	    (uint64_t)st.st_ino)))
		return;
	op->off = n;
	op->size_before = st.st_size;
	ji = inode_get(j, op->dev, op->ino);
	if (!ji || (n < st.st_size && save_range(j, op, fd, n, st.st_size) < 0)) {
		op_free(j, op);
		return;
	}
	p->jop = op;
}

static int
open_abs(struct rec_journal *j, const char *path)
{
	char abs[PATH_CAP + PATH_MAX];

	return inside(j, path, abs, sizeof(abs)) ?
	    open(abs, O_RDONLY | O_CLOEXEC | O_NONBLOCK) : -1;
}

static void
trunc_path(struct rec_journal *j, struct task *t)
{
	struct pending *p = &t->p;
	int fd = open_abs(j, p->path);

	trunc_enter(j, p, fd, (int64_t)p->args[(int)p->sc->count]);
	if (fd >= 0)
		close(fd);
}

static void
trunc_fd(struct rec_journal *j, struct task *t)
{
	struct pending *p = &t->p;
	struct jinode *ji;
	struct stat st;
	int fd;

	if (!data_inside(p) || p->dupfd < 0 || fstat(p->dupfd, &st) < 0 ||
	    !(ji = inode_get(j, (uint64_t)st.st_dev, (uint64_t)st.st_ino)))
		return;
	fd = readable_fd(p, ji);
	trunc_enter(j, p, fd, (int64_t)p->args[(int)p->sc->count]);
}

/*
 * fallocate: punching or zeroing a range is a write of it; collapsing
 * or inserting, a write of everything from the offset on; a plain
 * allocation past the end, a growing truncate.
 */
static void
falloc_enter(struct rec_journal *j, struct task *t)
{
	struct pending *p = &t->p;
	uint64_t mode = p->args[(int)p->sc->flags];
	int64_t off = (int64_t)p->args[(int)p->sc->offset];
	int64_t len = (int64_t)p->args[(int)p->sc->count];
	struct jinode *ji;
	struct jop *op;
	struct stat st;
	int fd;

	if (!data_inside(p) || p->dupfd < 0 || fstat(p->dupfd, &st) < 0 ||
	    !S_ISREG(st.st_mode) || off < 0 || len <= 0 ||
	    !(ji = inode_get(j, (uint64_t)st.st_dev, (uint64_t)st.st_ino)))
		return;
	if (!(mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE |
	    FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE))) {
		if (!(mode & FALLOC_FL_KEEP_SIZE) && off + len > st.st_size)
			trunc_enter(j, p, p->dupfd, off + len);
		return;
	}
	if (mode & (FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE))
		len = st.st_size - off;
	if (!(op = op_new(J_WRITE, p->seq, (uint64_t)st.st_dev,
	    (uint64_t)st.st_ino)))
		return;
	op->off = off;
	op->len = len;
	op->size_before = st.st_size;
	fd = readable_fd(p, ji);
	if (off < st.st_size && (fd < 0 || save_range(j, op, fd, off,
	    off + len < st.st_size ? off + len : st.st_size) < 0)) {
		op_free(j, op);
		return;
	}
	p->jop = op;
}

static struct jop *
ns_op(struct rec_journal *j, struct pending *p)
{
	return op_new(J_NS, p->seq, j->rootdev, 0);
}

/* unlink, rmdir: the entry goes; a file is stashed first. */
static void
ns_remove(struct rec_journal *j, struct task *t)
{
	struct pending *p = &t->p;
	char abs[PATH_CAP + PATH_MAX];
	struct jop *op = ns_op(j, p);
	struct stat st;

	if (!op || !slot_prepare(j, p->path, &op->slot[0], &st) ||
	    (op->nslots = 1, op->slot[0].oldv == 0)) {
		op_free(j, op);
		return;
	}
	if (op->slot[0].oldt != JT_DIR && inside(j, p->path, abs, sizeof(abs)))
		stash(j, abs, &st);
	p->jop = op;
}

/* mkdir, link, symlink, mknod, an O_CREAT open: a new entry. */
static void
ns_create(struct rec_journal *j, struct task *t)
{
	struct pending *p = &t->p;
	struct jop *op = ns_op(j, p);
	struct stat st;

	if (!op || !slot_prepare(j, p->path, &op->slot[0], &st) ||
	    (op->nslots = 1, op->slot[0].oldv != 0)) {
		op_free(j, op);
		return;
	}
	op->slot[0].pending_new = true;
	p->jop = op;
}

static void
open_enter(struct rec_journal *j, struct task *t)
{
	struct pending *p = &t->p;
	uint64_t fl;
	int fd;

	if (!open_flags(t, p->sc, p->args, &fl) || (fl & O_TMPFILE) == O_TMPFILE)
		return;
	if (p->may_create) {
		ns_create(j, t);
	} else if ((fl & O_TRUNC) && p->existed && p->kind == REC_KIND_REGULAR &&
	    (fd = open_abs(j, p->path)) >= 0) {
		trunc_enter(j, p, fd, 0);
		close(fd);
	}
}

/*
 * rename: path's entry moves to path2 (the file path2 held, if any, is
 * stashed); RENAME_EXCHANGE swaps the two entries.
 */
static void
ns_rename(struct rec_journal *j, struct task *t)
{
	struct pending *p = &t->p;
	uint64_t flags = p->sc->flags >= 0 ? p->args[(int)p->sc->flags] : 0;
	char abs[PATH_CAP + PATH_MAX];
	struct jop *op = ns_op(j, p);
	struct stat st0, st1;
	struct jslot a, b;
	bool in0, in1;

	if (!op || p->same_file) {
		op_free(j, op);
		return;
	}
	in0 = slot_prepare(j, p->path, &a, &st0);
	in1 = slot_prepare(j, p->path2, &b, &st1);
	/* an exchange with the outside is not followed (docs/design.md) */
	if ((!in0 && lstat(p->path, &st0) < 0) || (!in0 && !in1) ||
	    ((flags & RENAME_EXCHANGE) && !(in0 && in1))) {
		if (in0)
			free(a.name);
		if (in1)
			free(b.name);
		op_free(j, op);
		return;
	}
	if (in0) {
		a.newv = (flags & RENAME_EXCHANGE) ? b.oldv : 0;
		a.newt = (flags & RENAME_EXCHANGE) ? b.oldt : JT_NONE;
		a.newmode = b.oldmode;
		if (!(flags & RENAME_EXCHANGE) && !in1 && a.oldt != JT_DIR &&
		    inside(j, p->path, abs, sizeof(abs)))
			stash(j, abs, &st0);	/* moved out of the run directory */
		op->slot[op->nslots++] = a;
	}
	if (in1) {
		b.newv = (uint64_t)st0.st_ino;
		b.newt = (unsigned char)type_of(st0.st_mode);
		b.newmode = st0.st_mode & 07777;
		if (!(flags & RENAME_EXCHANGE) && b.oldv && b.oldt != JT_DIR &&
		    inside(j, p->path2, abs, sizeof(abs)))
			stash(j, abs, &st1);	/* replaced */
		op->slot[op->nslots++] = b;
	}
	p->jop = op;
}

/* What each namespace call does to the journal, by syscall number. */
static const struct {
	long	nr;
	void	(*enter)(struct rec_journal *j, struct task *t);
} ns_calls[] = {
	{ __NR_rename, ns_rename }, { __NR_renameat, ns_rename },
	{ __NR_renameat2, ns_rename },
	{ __NR_unlink, ns_remove }, { __NR_unlinkat, ns_remove },
	{ __NR_rmdir, ns_remove },
	{ __NR_mkdir, ns_create }, { __NR_mkdirat, ns_create },
	{ __NR_link, ns_create }, { __NR_linkat, ns_create },
	{ __NR_symlink, ns_create }, { __NR_symlinkat, ns_create },
	{ __NR_mknod, ns_create }, { __NR_mknodat, ns_create },
	{ __NR_open, open_enter }, { __NR_openat, open_enter },
	{ __NR_creat, open_enter }, { __NR_openat2, open_enter },
	{ __NR_truncate, trunc_path }, { __NR_ftruncate, trunc_fd },
	{ __NR_fallocate, falloc_enter },
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
		if (p->kind == REC_KIND_REGULAR && data_inside(p))
			write_enter(j, t);
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

/* --- exit stops ---------------------------------------------------------- */

static void
durability_point(struct rec_journal *j, const struct pending *p)
{
	char key[PATH_CAP + 32];

	if (rec_key_format(key, sizeof(key), p->sc->pub.family, p->path,
	    p->ordinal) < 0)
		return;
	free(j->last_key);
	j->last_key = strdup(key);
	j->last_seq = p->seq;
}

static bool
osync_write(const struct pending *p)
{
	return (p->fdflags & O_DSYNC) || ((p->sc->decode & D_OFF_OR_CUR) &&
	    (p->args[5] & (RWF_SYNC | RWF_DSYNC)));
}

static void
write_exit(struct rec_journal *j, struct pending *p, struct jop *op,
    int64_t rval, bool has_rval)
{
	int64_t done = p->how == HOW_CUT_FAIL ? p->done : rval;
	struct stat st;

	if (has_rval && (p->sc->decode & D_IOCTL)) {
		if (rval < 0 || p->dupfd < 0 || fstat(p->dupfd, &st) < 0) {
			op_free(j, op);
			return;
		}
		op->len = st.st_size > op->size_before ? st.st_size :
		    op->size_before;
	} else if (has_rval) {
		if (done <= 0) {
			op_free(j, op);
			return;
		}
		op->len = done;
		pieces_trim(j, op, op->off + done);
	}
	mark_saved(j, op);
	op_append(j, op);
	if (has_rval && osync_write(p)) {
		inode_synced(j, op->dev, op->ino);
		durability_point(j, p);
	}
}

/* A new entry's inode, now that the call made it. */
static bool
ns_settle(struct rec_journal *j, struct pending *p, struct jop *op)
{
	char abs[PATH_CAP + PATH_MAX];
	struct stat st;

	for (unsigned i = 0; i < op->nslots; i++) {
		struct jslot *s = &op->slot[i];

		if (!s->pending_new)
			continue;
		s->pending_new = false;
		if (!inside(j, p->path, abs, sizeof(abs)) || lstat(abs, &st) < 0)
			return false;
		s->newv = (uint64_t)st.st_ino;
		s->newt = (unsigned char)type_of(st.st_mode);
		s->newmode = st.st_mode & 07777;
	}
	return true;
}

static void
ns_exit(struct rec_journal *j, struct pending *p, struct jop *op,
    int64_t rval, bool has_rval)
{
	char abs[PATH_CAP + PATH_MAX];
	struct stat st;

	if ((has_rval && rval < 0) || !ns_settle(j, p, op)) {
		op_free(j, op);
		return;
	}
	/* the task died in the call: did it happen? */
	if (!has_rval && op->nslots && inside(j, p->path, abs, sizeof(abs))) {
		uint64_t now = lstat(abs, &st) == 0 ? (uint64_t)st.st_ino : 0;

		if (now == op->slot[0].oldv && op->slot[0].newv != now) {
			op_free(j, op);
			return;
		}
	}
	op_append(j, op);
}

static void
sync_exit(struct rec_journal *j, struct pending *p)
{
	long nr = p->sc->pub.nr;

	if (nr == __NR_sync_file_range)
		return;			/* not a durability point */
	if (nr == __NR_msync) {
		if (!(p->args[2] & MS_SYNC))
			return;		/* the images are mapping.c's */
	} else if (nr == __NR_sync) {
		all_synced(j, true, 0);
	} else if (!p->dev_known) {
		return;
	} else if (nr == __NR_syncfs) {
		all_synced(j, false, p->dev);
	} else if (p->kind == REC_KIND_DIR) {
		dir_synced(j, p->dev, p->ino);
	} else {
		inode_synced(j, p->dev, p->ino);
	}
	durability_point(j, p);
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
		ns_exit(j, p, op, rval, has_rval);
	else if (op && op->kind == J_TRUNC)
		(has_rval && rval < 0) ? op_free(j, op) : op_append(j, op);
	else if (op)
		write_exit(j, p, op, rval, has_rval);
	if (p->sc->pub.family == REC_FAM_SYNC && has_rval && rval == 0 &&
	    p->fault == REC_FAULT_NONE)
		sync_exit(j, p);
	ops_compact(j);
}

/*
 * lost-sync at its target (the call is skipped): the data it would have
 * made durable is lost for good (DURABILITY_NOTES §2.4 L1, L2).  A
 * directory's entries just stay pending (L7).
 */
void
journal_lost(struct tracer *tr, struct task *t)
{
	struct rec_journal *j = tr->journal;
	struct pending *p = &t->p;
	bool all = p->sc->pub.nr == __NR_sync;
	bool fs = p->sc->pub.nr == __NR_syncfs;

	if (!j || (!all && !p->dev_known) || (!all && !fs &&
	    p->kind != REC_KIND_REGULAR))
		return;
	for (size_t i = 0; i < j->nops; i++) {
		struct jop *op = j->ops[i];
		struct jinode *ji;

		if (op->kind == J_NS || op->durable || (!all && op->dev != p->dev) ||
		    (!all && !fs && op->ino != p->ino))
			continue;
		op->lost = true;
		if ((ji = inode_get(j, op->dev, op->ino)))
			ji->lost = true;
	}
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

/* The stash holds files only (links of victims, a named spill file). */
static void
stash_empty(int fd)
{
	int d = dup(fd);
	DIR *dp = d >= 0 ? fdopendir(d) : NULL;
	struct dirent *de;

	if (!dp) {
		if (d >= 0)
			close(d);
		return;
	}
	while ((de = readdir(dp)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(fd, de->d_name, 0);
	closedir(dp);
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
		op_free(j, j->ops[i]);
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
		stash_empty(j->stashfd);
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
