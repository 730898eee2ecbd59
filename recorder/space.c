/*
 * space.c - the full file system of enospc+.  From the target on, the
 * file system (the target's st_dev) has no free blocks.  The model
 * counts blocks of the file system's st_blksize:
 *
 *   free space   0 at the target; grows by what a call frees (below) and
 *                shrinks by what a call then allocates
 *   writes       a write needs a block for each block of its range that
 *                the file has not allocated: past the end of file, or in
 *                a hole (FIEMAP on a new open of the file, else
 *                SEEK_DATA/SEEK_HOLE, else "below the size is
 *                allocated").  With enough free blocks it works and uses
 *                them; else it is cut short where the free blocks end (a
 *                short write), or fails with ENOSPC when not one byte
 *                fits.  Overwrites of allocated blocks always work.
 *   fallocate    allocating modes need the blocks of the range the file
 *                lacks, all or nothing (ENOSPC); punching or collapsing
 *                a range frees what it frees
 *   new names    an O_CREAT open of a path that does not exist, mkdir,
 *                link, symlink, mknod need one block (an inode and a
 *                directory entry), else ENOSPC
 *   frees        truncate, ftruncate and O_TRUNC opens free the blocks
 *                the file loses (st_blocks before and after); unlink, or
 *                a rename over it, of a file's last name frees all its
 *                blocks, once no traced process has it open or mapped
 *                (looked at again when space runs out)
 *
 * Writes through mmap are not seen, so a store into a hole of a full
 * file system (SIGBUS on a real one) is not modelled.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "recorder/recorder_int.h"

#define FIEMAP_BATCH	64
#define EXTENTS_MAX	4096

struct orphan {
	uint64_t	ino;
	int64_t		blocks;		/* st_blocks, 512-byte units */
};

struct space {
	int64_t		blksize;
	int64_t		free;		/* blocks of blksize */
	struct orphan	*orphans;	/* unlinked while still open or mapped */
	size_t		norphans;
	size_t		cap;
};

/* What a call does to the space, by syscall (the write family by family). */
enum use {
	USE_NONE,
	USE_WRITE,		/* may need blocks */
	USE_ALLOC,		/* fallocate */
	USE_OPEN,		/* a creating open: a new name, or a truncation */
	USE_NAME,		/* a new name */
	USE_TRUNCATE,		/* frees what the file loses */
	USE_UNLINK,		/* frees the file, if its last name */
	USE_RENAME,		/* frees the file it replaces, if its last name */
};

static const struct {
	long		nr;
	enum use	use;
} uses[] = {
	{ __NR_fallocate, USE_ALLOC },
	{ __NR_truncate, USE_TRUNCATE },	{ __NR_ftruncate, USE_TRUNCATE },
	{ __NR_unlink, USE_UNLINK },		{ __NR_unlinkat, USE_UNLINK },
	{ __NR_rename, USE_RENAME },		{ __NR_renameat, USE_RENAME },
	{ __NR_renameat2, USE_RENAME },
	{ __NR_mkdir, USE_NAME },		{ __NR_mkdirat, USE_NAME },
	{ __NR_link, USE_NAME },		{ __NR_linkat, USE_NAME },
	{ __NR_symlink, USE_NAME },		{ __NR_symlinkat, USE_NAME },
	{ __NR_mknod, USE_NAME },		{ __NR_mknodat, USE_NAME },
};

static enum use
use_of(const struct sysent *sc)
{
	if (sc->pub.family == REC_FAM_WRITE)
		return USE_WRITE;
	if (sc->decode & D_OPEN)
		return USE_OPEN;
	for (size_t i = 0; i < sizeof(uses) / sizeof(uses[0]); i++)
		if (uses[i].nr == sc->pub.nr)
			return uses[i].use;
	return USE_NONE;
}

static int64_t
to_blocks(const struct space *sp, int64_t st_blocks)
{
	return (st_blocks * 512 + sp->blksize - 1) / sp->blksize;
}

static void
credit(struct space *sp, int64_t st_blocks)
{
	if (st_blocks > 0)
		sp->free += to_blocks(sp, st_blocks);
}

struct ext {
	int64_t		lo;
	int64_t		hi;
};

/* Allocated ranges of fd within [lo, hi), sorted, by FIEMAP. */
static int
extents_fiemap(int fd, int64_t lo, int64_t hi, struct ext *v, size_t *n)
{
	struct {
		struct fiemap		fm;
		struct fiemap_extent	ext[FIEMAP_BATCH];
	} b;
	int64_t pos = lo;

	*n = 0;
	while (pos < hi) {
		memset(&b, 0, sizeof(b));
		b.fm.fm_start = (uint64_t)pos;
		b.fm.fm_length = (uint64_t)(hi - pos);
		b.fm.fm_extent_count = FIEMAP_BATCH;
		if (ioctl(fd, FS_IOC_FIEMAP, &b.fm) < 0)
			return -errno;
		if (b.fm.fm_mapped_extents == 0)
			return 0;
		for (unsigned i = 0; i < b.fm.fm_mapped_extents; i++) {
			const struct fiemap_extent *e = &b.ext[i];

			if (*n == EXTENTS_MAX)
				return 0;
			v[(*n)++] = (struct ext){ (int64_t)e->fe_logical,
			    (int64_t)(e->fe_logical + e->fe_length) };
			pos = (int64_t)(e->fe_logical + e->fe_length);
			if (e->fe_flags & FIEMAP_EXTENT_LAST)
				return 0;
		}
	}
	return 0;
}

/* The same by SEEK_DATA and SEEK_HOLE (tmpfs has no FIEMAP). */
static int
extents_seek(int fd, int64_t lo, int64_t hi, struct ext *v, size_t *n)
{
	int64_t pos = lo;

	*n = 0;
	while (pos < hi && *n < EXTENTS_MAX) {
		off_t d = lseek(fd, pos, SEEK_DATA), h;

		if (d < 0)
			return errno == ENXIO ? 0 : -errno;
		if (d >= hi)
			return 0;
		h = lseek(fd, d, SEEK_HOLE);
		if (h < 0)
			return -errno;
		v[(*n)++] = (struct ext){ d, h < hi ? h : hi };
		pos = h;
	}
	return 0;
}

/*
 * How many blocks of blksize [off, off + len) of fd needs, and how many
 * bytes from off fit in avail new blocks (*fit; len when all do).
 */
static int64_t
blocks_needed(const struct space *sp, int fd, int64_t off, int64_t len,
    int64_t avail, int64_t *fit)
{
	int64_t bs = sp->blksize, lo = off / bs * bs, hi = off + len, need = 0;
	struct ext *v = malloc(EXTENTS_MAX * sizeof(*v));
	size_t n = 0, k = 0;
	struct stat st;

	*fit = len;
	if (!v)
		return 0;
	if (extents_fiemap(fd, lo, hi, v, &n) < 0 &&
	    extents_seek(fd, lo, hi, v, &n) < 0) {
		/* no way to see holes: below the size is allocated */
		n = 0;
		if (fstat(fd, &st) == 0 && st.st_size > lo)
			v[n++] = (struct ext){ lo, st.st_size };
	}
	for (int64_t b = lo; b < hi; b += bs) {
		bool allocated;

		while (k < n && v[k].hi <= b)
			k++;
		allocated = k < n && v[k].lo < b + bs;
		if (allocated)
			continue;
		if (need == avail && *fit == len)
			*fit = b > off ? b - off : 0;
		need++;
	}
	free(v);
	return need;
}

/* A new open file description of the pending fd's file: seeks are ours. */
static int
reopen(const struct pending *p)
{
	char name[64];

	if (p->dupfd < 0)
		return -1;
	snprintf(name, sizeof(name), "/proc/self/fd/%d", p->dupfd);
	return open(name, O_RDONLY | O_CLOEXEC);
}

static int64_t
write_offset(struct pending *p)
{
	struct stat st;

	if (p->offset >= 0)
		return p->offset;
	if (p->append)
		return fstat(p->dupfd, &st) == 0 ? st.st_size : -1;
	return pending_pos(p);
}

/* Inodes unlinked while held: free their blocks once nobody holds them. */
static void
reclaim(struct tracer *tr, struct rule *r)
{
	struct space *sp = r->space;
	size_t i = 0;

	while (i < sp->norphans) {
		if (inode_held(tr, r->dev, sp->orphans[i].ino)) {
			i++;
			continue;
		}
		credit(sp, sp->orphans[i].blocks);
		sp->orphans[i] = sp->orphans[--sp->norphans];
	}
}

/* Blocks for [off, off + len) of the pending fd's file; false: no room. */
static bool
take_blocks(struct tracer *tr, struct rule *r, struct pending *p, int64_t off,
    int64_t len, bool partial, int64_t *fit)
{
	struct space *sp = r->space;
	int fd = reopen(p);
	int64_t need;

	*fit = len;
	if (fd < 0)
		return true;		/* cannot tell: let it through */
	need = blocks_needed(sp, fd, off, len, sp->free, fit);
	if (need > sp->free && sp->norphans) {
		reclaim(tr, r);
		need = blocks_needed(sp, fd, off, len, sp->free, fit);
	}
	close(fd);
	if (need <= sp->free) {
		sp->free -= need;
		return true;
	}
	if (partial && *fit > 0)
		sp->free = 0;		/* the cut write uses what is left */
	else
		*fit = 0;
	return false;
}

static bool
take_name(struct tracer *tr, struct rule *r)
{
	struct space *sp = r->space;

	if (sp->free < 1 && sp->norphans)
		reclaim(tr, r);
	if (sp->free < 1)
		return false;
	sp->free--;
	return true;
}

static bool
enospc(struct action *act, uint64_t keep)
{
	*act = keep ? (struct action){ REC_FAULT_ENOSPC_DEV, HOW_CUT, 0, keep } :
	    (struct action){ REC_FAULT_ENOSPC_DEV, HOW_SKIP_FAIL, ENOSPC, 0 };
	return true;
}

static void
want_exit(struct tracer *tr, struct rule *r, struct pending *p, int64_t blocks)
{
	p->rule_exit = (int)(r - tr->rules) + 1;
	p->blocks = blocks;
}

static bool
open_enter(struct tracer *tr, struct rule *r, struct task *t,
    struct action *act)
{
	struct pending *p = &t->p;
	char abs[PATH_CAP];
	struct stat st;
	uint64_t flags;

	if (!open_flags(t, p->sc, p->args, &flags))
		return false;

	if (!site_abspath(tr, p->path, abs, sizeof(abs)))
		return false;
	if (lstat(abs, &st) < 0)
		return (flags & O_CREAT) && !take_name(tr, r) && enospc(act, 0);
	if ((flags & O_TRUNC) && S_ISREG(st.st_mode))
		want_exit(tr, r, p, (int64_t)st.st_blocks);
	return false;
}

/* A victim of unlink or rename: its last name goes; note its blocks. */
static void
victim_enter(struct tracer *tr, struct rule *r, struct task *t,
    const char *path)
{
	struct pending *p = &t->p;
	char abs[PATH_CAP];
	struct stat st;

	if (!site_abspath(tr, path, abs, sizeof(abs)) || lstat(abs, &st) < 0 ||
	    !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    (uint64_t)st.st_dev != r->dev)
		return;
	p->victim = (uint64_t)st.st_ino;
	want_exit(tr, r, p, (int64_t)st.st_blocks);
}

static int64_t
blocks_of(struct tracer *tr, struct pending *p)
{
	char abs[PATH_CAP];
	struct stat st;

	if (p->dupfd >= 0)
		return fstat(p->dupfd, &st) == 0 ? (int64_t)st.st_blocks : -1;
	if (!site_abspath(tr, p->path, abs, sizeof(abs)) || stat(abs, &st) < 0)
		return -1;
	return (int64_t)st.st_blocks;
}

static bool
space_enter(struct tracer *tr, struct rule *r, struct task *t,
    struct action *act)
{
	struct pending *p = &t->p;
	enum use use = use_of(p->sc);
	int64_t fit, mode, off;
	uint64_t dev;

	if (use == USE_NONE || !site_dev(tr, t, &dev) || dev != r->dev)
		return false;
	switch (use) {
	case USE_WRITE:
		if (p->kind != REC_KIND_REGULAR || p->dupfd < 0 || p->count <= 0 ||
		    (off = write_offset(p)) < 0)
			return false;
		return !take_blocks(tr, r, p, off, p->count, true, &fit) &&
		    enospc(act, (uint64_t)fit);
	case USE_ALLOC:
		mode = (int64_t)p->args[1];
		if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_COLLAPSE_RANGE)) {
			want_exit(tr, r, p, blocks_of(tr, p));
			return false;
		}
		if (mode & FALLOC_FL_INSERT_RANGE)
			return !take_blocks(tr, r, p, INT64_MAX / 2, p->count,
			    false, &fit) && enospc(act, 0);
		return p->offset >= 0 && p->count > 0 &&
		    !take_blocks(tr, r, p, p->offset, p->count, false, &fit) &&
		    enospc(act, 0);
	case USE_OPEN:
		return open_enter(tr, r, t, act);
	case USE_NAME:
		return !take_name(tr, r) && enospc(act, 0);
	case USE_TRUNCATE:
		want_exit(tr, r, p, blocks_of(tr, p));
		return false;
	case USE_UNLINK:
		if (!((p->sc->decode & D_RMDIR_FLAG) &&
		    (p->args[(int)p->sc->flags] & AT_REMOVEDIR)))
			victim_enter(tr, r, t, p->path);
		return false;
	case USE_RENAME:
		if (!(p->sc->pub.nr == __NR_renameat2 &&
		    (p->args[4] & RENAME_EXCHANGE)) && p->has_path2)
			victim_enter(tr, r, t, p->path2);
		return false;
	default:
		return false;
	}
}

static void
orphan_add(struct space *sp, uint64_t ino, int64_t blocks)
{
	if (sp->norphans == sp->cap) {
		size_t cap = sp->cap ? 2 * sp->cap : 8;
		struct orphan *n = reallocarray(sp->orphans, cap, sizeof(*n));

		if (!n)
			return;		/* its space is never given back */
		sp->orphans = n;
		sp->cap = cap;
	}
	sp->orphans[sp->norphans++] = (struct orphan){ ino, blocks };
}

static void
space_exit(struct tracer *tr, struct rule *r, struct task *t, int64_t rval)
{
	struct pending *p = &t->p;
	int64_t after;

	if (rval < 0 || p->blocks < 0)
		return;
	switch (use_of(p->sc)) {
	case USE_UNLINK:
	case USE_RENAME:
		if (inode_held(tr, r->dev, p->victim))
			orphan_add(r->space, p->victim, p->blocks);
		else
			credit(r->space, p->blocks);
		break;
	default:		/* truncations, punched holes */
		after = blocks_of(tr, p);
		if (after >= 0 && after < p->blocks)
			credit(r->space, p->blocks - after);
		break;
	}
}

static int
space_arm(struct tracer *tr, struct rule *r, struct task *t)
{
	char abs[PATH_CAP];
	struct stat st;
	int64_t bs = 0;

	if (!site_dev(tr, t, &r->dev))
		return -ENODEV;
	if (t->p.dupfd >= 0 && fstat(t->p.dupfd, &st) == 0)
		bs = st.st_blksize;
	else if (site_abspath(tr, t->p.path, abs, sizeof(abs)) &&
	    stat(abs, &st) == 0)
		bs = st.st_blksize;
	r->space = calloc(1, sizeof(*r->space));
	if (!r->space)
		return -ENOMEM;
	r->space->blksize = bs > 0 ? bs : 4096;
	return 0;
}

static void
space_release(struct rule *r)
{
	if (r->space)
		free(r->space->orphans);
	free(r->space);
	r->space = NULL;
}

const struct rule_model space_model = {
	.fault = REC_FAULT_ENOSPC_DEV,
	.arm = space_arm,
	.enter = space_enter,
	.exit = space_exit,
	.release = space_release,
};
