/*
 * journal_build.c - a crash state from the undo journal (journal.c).
 *
 * The run directory as the killed program left it (src: the page cache's
 * view) is copied into dest, then every op the state does not keep is
 * undone, by inode:
 *
 *   data   each file's ops are walked back from the last one; an op not
 *          kept gets its old bytes and its size back, except over bytes a
 *          later kept op wrote (those stay; a lost op's growth under them
 *          reads as zeros, as on ext4 after a writeback error)
 *   names  each directory entry an op touched takes the inode the last
 *          kept op on it left there, or the one the first op found; the
 *          entries that change are moved into a holding directory inside
 *          dest first, then put where they belong, parents first; an
 *          inode the program freed comes back from the stash
 *
 * Which ops are kept (struct rec_state): durable ones always, lost ones
 * never; metadata keeps every namespace op and truncate; prefix:N the
 * first N pending ops.  Mapped files then get their map images
 * (rec_mapimage_apply), after their own history.
 *
 * dest is filled through file descriptors and names read from src or
 * from the journal (never containing '/'), with O_NOFOLLOW: a symlink in
 * src is copied as a link and never followed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recorder/journal_int.h"
#include "recorder/recorder_int.h"

#define MAX_DEPTH	512
#define COPY_CHUNK	(1u << 20)

/* A directory entry of dest, by the inodes of src. */
struct node {
	uint64_t	pino;
	char		*name;
	uint64_t	ino;
	enum jtype	t;
	bool		live;		/* false: moved into the holding directory */
};

struct dirmode {
	uint64_t	ino;
	mode_t		mode;
};

/* A data op of the journal, by inode (sorted: ino, then program order). */
struct opref {
	uint64_t	ino;
	size_t		i;
};

struct tree {
	const struct rec_journal *j;
	struct opref	*byino;
	size_t		nbyino;
	const bool	*kept;		/* per op of j */
	struct node	*v;
	size_t		n;
	size_t		cap;
	uint64_t	dev;		/* src's file system */
	uint64_t	rootino;
	int		destfd;
	char		hold[32];	/* the holding directory: a name src lacks */
	bool		hold_made;
	struct ivals	held_dirs;	/* inode numbers, as [ino, ino + 1) */
	struct ivals	held_files;
	struct ivals	fixed;		/* inodes whose data is undone */
	struct dirmode	*modes;
	size_t		nmodes;
	unsigned char	*buf;
};

static bool
in_set(const struct ivals *s, uint64_t ino)
{
	for (size_t i = 0; i < s->n; i++)
		if ((uint64_t)s->v[i].lo <= ino && ino < (uint64_t)s->v[i].hi)
			return true;
	return false;
}

static int
set_add(struct ivals *s, uint64_t ino)
{
	return ivals_add(s, (int64_t)ino, (int64_t)ino + 1);
}

static void
set_del(struct ivals *s, uint64_t ino)
{
	struct ivals keep = { 0 };

	for (size_t i = 0; i < s->n; i++) {
		if ((uint64_t)s->v[i].lo < ino)
			ivals_add(&keep, s->v[i].lo, (int64_t)ino < s->v[i].hi ?
			    (int64_t)ino : s->v[i].hi);
		if ((uint64_t)s->v[i].hi > ino + 1)
			ivals_add(&keep, (int64_t)ino + 1 > s->v[i].lo ?
			    (int64_t)ino + 1 : s->v[i].lo, s->v[i].hi);
	}
	ivals_free(s);
	*s = keep;
}

static int
node_add(struct tree *t, uint64_t pino, const char *name, uint64_t ino,
    enum jtype type)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct node *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n] = (struct node){ pino, strdup(name), ino, type, true };
	if (!t->v[t->n].name)
		return -ENOMEM;
	t->n++;
	return 0;
}

static int
mode_add(struct tree *t, uint64_t ino, mode_t mode)
{
	struct dirmode *v = realloc(t->modes, (t->nmodes + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	t->modes = v;
	v[t->nmodes++] = (struct dirmode){ ino, mode };
	return 0;
}

static struct node *
node_at(struct tree *t, uint64_t pino, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].live && t->v[i].pino == pino &&
		    strcmp(t->v[i].name, name) == 0)
			return &t->v[i];
	return NULL;
}

static struct node *
node_of(struct tree *t, uint64_t ino, bool dir)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].live && t->v[i].ino == ino &&
		    (t->v[i].t == JT_DIR) == dir)
			return &t->v[i];
	return NULL;
}

/*
 * dest-relative path of directory ino into buf; *held: it is inside the
 * holding directory.  -ENOENT if it is nowhere.
 */
static int
dir_path(struct tree *t, uint64_t ino, char *buf, size_t size, bool *held)
{
	const struct node *stack[MAX_DEPTH];
	size_t depth = 0, len;

	*held = false;
	while (ino != t->rootino) {
		const struct node *nd;

		if (in_set(&t->held_dirs, ino)) {
			*held = true;
			break;
		}
		if (depth == MAX_DEPTH || !(nd = node_of(t, ino, true)))
			return -ENOENT;
		stack[depth++] = nd;
		ino = nd->pino;
	}
	if (*held)
		len = (size_t)snprintf(buf, size, "%s/d%llx", t->hold,
		    (unsigned long long)ino);
	else
		len = (size_t)snprintf(buf, size, ".");
	while (depth > 0 && len < size)
		len += (size_t)snprintf(buf + len, size - len, "/%s",
		    stack[--depth]->name);
	return len < size ? 0 : -ENAMETOOLONG;
}

static int
entry_path(struct tree *t, uint64_t pino, const char *name, char *buf,
    size_t size, bool *held)
{
	size_t len;
	int rc = dir_path(t, pino, buf, size, held);

	if (rc < 0)
		return rc;
	len = strlen(buf);
	return snprintf(buf + len, size - len, "/%s", name) < (int)(size - len) ?
	    0 : -ENAMETOOLONG;
}

/* --- copying ------------------------------------------------------------ */

static int
copy_range(int in, int out, int64_t lo, int64_t hi, unsigned char *buf)
{
	int rc;

	while (lo < hi) {
		size_t n = hi - lo < COPY_CHUNK ? (size_t)(hi - lo) : COPY_CHUNK;
		ssize_t r = pread(in, buf, n, (off_t)lo);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : 0;	/* shorter than it said */
		if ((rc = journal_io_full(out, buf, (size_t)r, lo, true)) < 0)
			return rc;
		lo += r;
	}
	return 0;
}

/* A regular file's bytes: a reflink, else its data ranges (holes kept). */
static int
copy_data(int in, int out, unsigned char *buf)
{
	struct stat st;
	off_t data, hole = 0;
	int rc;

	if (ioctl(out, FICLONE, in) == 0)
		return 0;
	if (fstat(in, &st) < 0)
		return -errno;
	if (ftruncate(out, st.st_size) < 0)
		return -errno;
	for (;;) {
		data = lseek(in, hole, SEEK_DATA);
		if (data < 0)
			return errno == ENXIO ? 0 : -errno;
		hole = lseek(in, data, SEEK_HOLE);
		if (hole < 0)
			return -errno;
		if ((rc = copy_range(in, out, data, hole, buf)) < 0)
			return rc;
	}
}

static int
copy_file(int in, int destdir, const char *name, mode_t mode,
    unsigned char *buf)
{
	int out = openat(destdir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	int rc;

	if (out < 0)
		return -errno;
	rc = copy_data(in, out, buf);
	if (rc == 0 && fchmod(out, mode & 07777) < 0)
		rc = -errno;
	close(out);
	return rc;
}

static int
copy_link(int srcdir, const char *name, int destdir, const char *dname)
{
	char text[PATH_MAX];
	ssize_t n = readlinkat(srcdir, name, text, sizeof(text) - 1);

	if (n < 0)
		return -errno;
	text[n] = '\0';
	return symlinkat(text, destdir, dname) < 0 ? -errno : 0;
}

/* First dest path of each src inode with more than one name. */
struct linkmap {
	uint64_t	ino;
	char		*path;
};

struct copier {
	struct tree	*t;
	struct linkmap	*links;
	size_t		nlinks;
};

static int
copy_entry(struct copier *c, int srcdir, int destdir, const char *rel,
    uint64_t pino, const char *name);

static int
copy_dir(struct copier *c, int srcdir, int destdir, const char *rel,
    uint64_t ino)
{
	int sfd = dup(srcdir), rc = 0;
	DIR *d = sfd >= 0 ? fdopendir(sfd) : NULL;
	struct dirent *de;

	if (!d) {
		if (sfd >= 0)
			close(sfd);
		return -errno;
	}
	while (rc == 0 && (errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		rc = copy_entry(c, srcdir, destdir, rel, ino, de->d_name);
	}
	if (rc == 0 && errno)
		rc = -errno;
	closedir(d);
	return rc;
}

static int
copy_hardlink(struct copier *c, struct stat *st, int destdir, const char *name,
    const char *path, bool *done)
{
	struct linkmap *v;

	*done = false;
	if (st->st_nlink < 2)
		return 0;
	for (size_t i = 0; i < c->nlinks; i++)
		if (c->links[i].ino == (uint64_t)st->st_ino) {
			*done = true;
			return linkat(c->t->destfd, c->links[i].path, destdir, name,
			    0) < 0 ? -errno : 0;
		}
	v = realloc(c->links, (c->nlinks + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->links = v;
	v[c->nlinks] = (struct linkmap){ (uint64_t)st->st_ino, strdup(path) };
	if (!v[c->nlinks].path)
		return -ENOMEM;
	c->nlinks++;
	return 0;
}

static int
copy_entry(struct copier *c, int srcdir, int destdir, const char *rel,
    uint64_t pino, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	enum jtype type;
	bool linked;
	int in, sub, dsub, rc;

	if (fstatat(srcdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (snprintf(path, sizeof(path), "%s/%s", rel, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	type = S_ISREG(st.st_mode) ? JT_REG : S_ISDIR(st.st_mode) ? JT_DIR :
	    S_ISLNK(st.st_mode) ? JT_LINK : JT_OTHER;
	if ((uint64_t)st.st_dev != c->t->dev)
		return 0;		/* a mount inside: not ours to copy */
	if (type == JT_DIR) {
		if (mkdirat(destdir, name, 0700) < 0)
			return -errno;
		sub = openat(srcdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		dsub = openat(destdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		rc = sub < 0 || dsub < 0 ? -errno :
		    copy_dir(c, sub, dsub, path, (uint64_t)st.st_ino);
		if (sub >= 0)
			close(sub);
		if (dsub >= 0)
			close(dsub);
		if (rc == 0)
			rc = mode_add(c->t, (uint64_t)st.st_ino, st.st_mode & 07777);
	} else if (type == JT_REG) {
		if ((rc = copy_hardlink(c, &st, destdir, name, path, &linked)) < 0)
			return rc;
		if (!linked) {
			in = openat(srcdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (in < 0)
				return -errno;
			rc = copy_file(in, destdir, name, st.st_mode, c->t->buf);
			close(in);
		}
	} else if (type == JT_LINK) {
		rc = copy_link(srcdir, name, destdir, name);
	} else if (S_ISFIFO(st.st_mode)) {
		rc = mkfifoat(destdir, name, st.st_mode & 07777) < 0 ? -errno : 0;
	} else {
		return 0;		/* sockets, devices: not copied */
	}
	return rc < 0 ? rc : node_add(c->t, pino, name, (uint64_t)st.st_ino, type);
}

/* --- data --------------------------------------------------------------- */

/* Write pc's bytes over fd, except where prot says and past size. */
static int
restore_piece(struct tree *t, int fd, const struct jpiece *pc,
    const struct ivals *prot, int64_t size)
{
	int64_t hi = pc->off + pc->len < size ? pc->off + pc->len : size;
	struct ivals gaps;
	int rc = ivals_gaps(prot, pc->off, hi, &gaps);

	for (size_t i = 0; rc == 0 && i < gaps.n; i++) {
		for (int64_t at = gaps.v[i].lo; rc == 0 && at < gaps.v[i].hi;) {
			size_t n = gaps.v[i].hi - at < COPY_CHUNK ?
			    (size_t)(gaps.v[i].hi - at) : COPY_CHUNK;
			ssize_t r = jpiece_read(t->j, pc, t->buf, n, at - pc->off);

			if (r <= 0 || pwrite(fd, t->buf, (size_t)r, (off_t)at) != r)
				rc = -EIO;
			at += r > 0 ? r : 0;
		}
	}
	ivals_free(&gaps);
	return rc;
}

/* Zeros over [lo, hi) but where prot says. */
static int
zero_range(struct tree *t, int fd, int64_t lo, int64_t hi,
    const struct ivals *prot)
{
	struct ivals gaps;
	int rc = ivals_gaps(prot, lo, hi, &gaps);

	memset(t->buf, 0, COPY_CHUNK);
	for (size_t i = 0; rc == 0 && i < gaps.n; i++)
		for (int64_t at = gaps.v[i].lo; rc == 0 && at < gaps.v[i].hi;) {
			size_t n = gaps.v[i].hi - at < COPY_CHUNK ?
			    (size_t)(gaps.v[i].hi - at) : COPY_CHUNK;

			if (pwrite(fd, t->buf, n, (off_t)at) != (ssize_t)n)
				rc = -EIO;
			at += (int64_t)n;
		}
	ivals_free(&gaps);
	return rc;
}

/*
 * Undo one op.  Without a kept op after it, the size becomes the one
 * before it (set once at the end: *size is what the file will be; every
 * byte below a size before is restored by some op's piece).
 */
static int
undo_op(struct tree *t, int fd, const struct jop *op, const struct ivals *prot,
    bool kept_after, int64_t *size)
{
	int rc = 0;

	if (!kept_after)
		*size = op->size_before;
	for (unsigned i = 0; rc == 0 && i < op->npieces; i++)
		rc = restore_piece(t, fd, &op->pieces[i], prot, *size);
	if (rc == 0 && kept_after && op->kind == J_WRITE) {
		int64_t lo = op->off > op->size_before ? op->off : op->size_before;
		int64_t hi = op->off + op->len < *size ? op->off + op->len : *size;

		if (lo < hi)
			rc = zero_range(t, fd, lo, hi, prot);
	}
	return rc;
}

/* The data ops of an inode, in order: [*first, *end) of t->byino. */
static bool
ops_of(const struct tree *t, uint64_t ino, size_t *first, size_t *end)
{
	size_t lo = 0, hi = t->nbyino;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->byino[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (lo < t->nbyino && t->byino[lo].ino == ino)
		lo++;
	*end = lo;
	return *end > *first;
}

static int
byino_cmp(const void *a, const void *b)
{
	const struct opref *x = a, *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Index the data ops of src's file system by inode. */
static int
byino_make(struct tree *t)
{
	const struct rec_journal *j = t->j;

	t->byino = calloc(j->nops ? j->nops : 1, sizeof(*t->byino));
	if (!t->byino)
		return -ENOMEM;
	for (size_t i = 0; i < j->nops; i++)
		if (j->ops[i]->kind != J_NS && j->ops[i]->dev == t->dev)
			t->byino[t->nbyino++] = (struct opref){ j->ops[i]->ino, i };
	qsort(t->byino, t->nbyino, sizeof(*t->byino), byino_cmp);
	return 0;
}

/* Walk an inode's ops back from the last, undoing those not kept. */
static int
undo_data(struct tree *t, uint64_t ino, int fd)
{
	const struct rec_journal *j = t->j;
	const struct rec_mapimage *const *ims;
	struct ivals prot = { 0 };
	bool kept_after = false;
	size_t first, end, n;
	struct stat st;
	int64_t size;
	int rc = 0;

	if (in_set(&t->fixed, ino))
		return 0;
	if ((rc = set_add(&t->fixed, ino)) < 0 || fstat(fd, &st) < 0)
		return rc < 0 ? rc : -errno;
	size = st.st_size;
	ops_of(t, ino, &first, &end);
	for (size_t k = end; rc == 0 && k-- > first;) {
		size_t i = t->byino[k].i;
		const struct jop *op = j->ops[i];

		if (t->kept[i]) {
			if (op->kind == J_WRITE)
				rc = ivals_add(&prot, op->off, op->off + op->len);
			kept_after = true;
			continue;
		}
		rc = undo_op(t, fd, op, &prot, kept_after, &size);
	}
	ivals_free(&prot);
	if (rc == 0 && size != st.st_size && ftruncate(fd, size) < 0)
		rc = -errno;
	n = j->maps ? rec_maps_images(j->maps, &ims) : 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (ims[i]->ino == ino && ims[i]->dev == t->dev && !ims[i]->lost)
			rc = rec_mapimage_apply(j->maps, ims[i], fd);
	return rc;
}

static bool
has_data(const struct tree *t, uint64_t ino)
{
	const struct rec_mapimage *const *ims;
	size_t n = t->j->maps ? rec_maps_images(t->j->maps, &ims) : 0;
	size_t first, end;

	if (ops_of(t, ino, &first, &end))
		return true;
	for (size_t i = 0; i < n; i++)
		if (ims[i]->ino == ino && ims[i]->dev == t->dev)
			return true;
	return false;
}

/*
 * A copy to undo, open for writing: a read-only one is made writable
 * for the while (*mode, then restored by undo_close; -1: untouched).
 */
static int
open_rw(int dirfd, const char *path, int *mode)
{
	int fd = openat(dirfd, path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	*mode = -1;
	if (fd >= 0 || errno != EACCES)
		return fd < 0 ? -errno : fd;
	if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode) ||
	    fchmodat(dirfd, path, (st.st_mode & 07777) | 0600, 0) < 0)
		return -EACCES;
	*mode = (int)(st.st_mode & 07777);
	fd = openat(dirfd, path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int
undo_close(int fd, int mode, int rc)
{
	if (mode >= 0 && fchmod(fd, (mode_t)mode) < 0 && rc == 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* Every regular file of the copy the journal has ops (or images) for. */
static int
undo_copies(struct tree *t)
{
	char path[PATH_MAX];
	bool held;
	int rc = 0, fd, mode;

	for (size_t i = 0; rc == 0 && i < t->n; i++) {
		struct node *nd = &t->v[i];

		if (!nd->live || nd->t != JT_REG || in_set(&t->fixed, nd->ino) ||
		    !has_data(t, nd->ino))
			continue;
		if ((rc = entry_path(t, nd->pino, nd->name, path, sizeof(path),
		    &held)) < 0)
			return rc;
		if ((fd = open_rw(t->destfd, path, &mode)) < 0)
			return fd;
		rc = undo_close(fd, mode, undo_data(t, nd->ino, fd));
	}
	return rc;
}

/* --- names -------------------------------------------------------------- */

struct want {
	uint64_t	pino;
	const char	*name;
	uint64_t	ino;		/* 0: no entry */
	enum jtype	t;
	mode_t		mode;
	bool		done;
};

/* Each touched entry and the inode the state puts there. */
static int
wants_collect(struct tree *t, struct want **out, size_t *nout)
{
	const struct rec_journal *j = t->j;
	struct want *w = NULL;
	size_t n = 0;

	for (size_t i = 0; i < j->nops; i++) {
		const struct jop *op = j->ops[i];

		for (unsigned s = 0; op->kind == J_NS && s < op->nslots; s++) {
			const struct jslot *sl = &op->slot[s];
			size_t k;

			for (k = 0; k < n; k++)
				if (w[k].pino == sl->pino &&
				    strcmp(w[k].name, sl->name) == 0)
					break;
			if (k == n) {
				struct want *v = realloc(w, (n + 1) * sizeof(*v));

				if (!v) {
					free(w);
					return -ENOMEM;
				}
				w = v;
				w[n++] = (struct want){ sl->pino, sl->name, sl->oldv,
				    (enum jtype)sl->oldt, sl->oldmode, false };
			}
			if (t->kept[i]) {
				w[k].ino = sl->newv;
				w[k].t = (enum jtype)sl->newt;
				w[k].mode = sl->newmode;
			}
		}
	}
	*out = w;
	*nout = n;
	return 0;
}

/* A name for the holding directory that no entry of src or the journal has. */
static int
hold_pick(struct tree *t)
{
	const struct rec_journal *j = t->j;

	for (unsigned n = 1; n < 1000; n++) {
		bool used = node_at(t, t->rootino, t->hold) != NULL;

		for (size_t i = 0; !used && i < j->nops; i++)
			for (unsigned s = 0; s < j->ops[i]->nslots; s++)
				used |= j->ops[i]->slot[s].pino == t->rootino &&
				    strcmp(j->ops[i]->slot[s].name, t->hold) == 0;
		if (!used)
			return 0;
		snprintf(t->hold, sizeof(t->hold), ".badio-hold.%u", n);
	}
	return -EEXIST;
}

static int
hold_make(struct tree *t)
{
	if (t->hold_made)
		return 0;
	if (mkdirat(t->destfd, t->hold, 0700) < 0)
		return -errno;
	t->hold_made = true;
	return 0;
}

static void
hold_name(const struct tree *t, char *buf, size_t size, char kind, uint64_t ino)
{
	snprintf(buf, size, "%s/%c%llx", t->hold, kind, (unsigned long long)ino);
}

/* Move what an entry holds now out of the way, if the state wants else. */
static int
detach(struct tree *t, struct want *w)
{
	char path[PATH_MAX], hold[64];
	struct node *nd = node_at(t, w->pino, w->name);
	bool held;
	int rc;

	if (!nd || (nd->ino == w->ino && nd->t == w->t))
		return 0;
	if (entry_path(t, w->pino, w->name, path, sizeof(path), &held) < 0)
		return 0;
	if ((rc = hold_make(t)) < 0)
		return rc;
	hold_name(t, hold, sizeof(hold), nd->t == JT_DIR ? 'd' : 'i', nd->ino);
	nd->live = false;
	if (nd->t != JT_DIR && in_set(&t->held_files, nd->ino))
		return unlinkat(t->destfd, path, 0) < 0 ? -errno : 0;
	if (renameat(t->destfd, path, t->destfd, hold) < 0)
		return -errno;
	return set_add(nd->t == JT_DIR ? &t->held_dirs : &t->held_files, nd->ino);
}

/* An inode only the stash has: copied into the holding directory. */
static int
from_stash(struct tree *t, const struct want *w, const char *hold)
{
	int fd, out, rc, mode;

	if ((rc = hold_make(t)) < 0)
		return rc;
	if (w->t == JT_LINK) {
		char text[PATH_MAX];
		ssize_t n;

		fd = journal_victim_fd(t->j, t->dev, w->ino, O_PATH);
		if (fd < 0)
			return -ENOENT;
		n = readlinkat(fd, "", text, sizeof(text) - 1);
		close(fd);
		if (n < 0)
			return -errno;
		text[n] = '\0';
		return symlinkat(text, t->destfd, hold) < 0 ? -errno : 0;
	}
	if (w->t == JT_OTHER)
		return mkfifoat(t->destfd, hold, w->mode) < 0 ? -errno : 0;
	fd = journal_victim_fd(t->j, t->dev, w->ino, O_RDONLY);
	if (fd < 0)
		return -ENOENT;
	rc = copy_file(fd, t->destfd, hold, w->mode, t->buf);
	close(fd);
	if (rc < 0)
		return rc;
	if ((out = open_rw(t->destfd, hold, &mode)) < 0)
		return out;
	return undo_close(out, mode, undo_data(t, w->ino, out));
}

/* Put the wanted inode at the entry; 1 done, 0 not yet (no parent). */
static int
attach(struct tree *t, struct want *w)
{
	char path[PATH_MAX], hold[64], src[PATH_MAX];
	struct node *cur = node_at(t, w->pino, w->name), *other;
	bool held;
	int rc;

	if (w->ino == 0 || (cur && cur->ino == w->ino))
		return 1;
	if (entry_path(t, w->pino, w->name, path, sizeof(path), &held) < 0 || held)
		return 0;
	if (w->t == JT_DIR) {
		hold_name(t, hold, sizeof(hold), 'd', w->ino);
		if (in_set(&t->held_dirs, w->ino)) {
			if (renameat(t->destfd, hold, t->destfd, path) < 0)
				return -errno;
			set_del(&t->held_dirs, w->ino);
		} else if (node_of(t, w->ino, true)) {
			return 1;	/* it has its other name: one name only */
		} else {
			if (mkdirat(t->destfd, path, 0700) < 0)
				return -errno;
			if ((rc = mode_add(t, w->ino, w->mode)) < 0)
				return rc;
		}
		return node_add(t, w->pino, w->name, w->ino, JT_DIR) < 0 ? -ENOMEM : 1;
	}
	hold_name(t, hold, sizeof(hold), 'i', w->ino);
	if ((other = node_of(t, w->ino, false)) && !in_set(&t->held_files, w->ino)) {
		if ((rc = entry_path(t, other->pino, other->name, src, sizeof(src),
		    &held)) < 0)
			return rc;
	} else {
		if (!in_set(&t->held_files, w->ino)) {
			if ((rc = from_stash(t, w, hold)) == -ENOENT)
				return 1;	/* nowhere: the entry stays empty */
			if (rc < 0 || (rc = set_add(&t->held_files, w->ino)) < 0)
				return rc;
		}
		snprintf(src, sizeof(src), "%s", hold);
	}
	if (linkat(t->destfd, src, t->destfd, path, 0) < 0)
		return -errno;
	return node_add(t, w->pino, w->name, w->ino, w->t) < 0 ? -ENOMEM : 1;
}

static int
names_undo(struct tree *t)
{
	struct want *w = NULL;
	size_t n = 0;
	bool progress = true;
	int rc = wants_collect(t, &w, &n);

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = detach(t, &w[i]);
	while (rc == 0 && progress) {
		progress = false;
		for (size_t i = 0; rc >= 0 && i < n; i++) {
			if (w[i].done)
				continue;
			rc = attach(t, &w[i]);
			if (rc == 1) {
				w[i].done = true;
				progress = true;
				rc = 0;
			}
		}
	}
	free(w);
	return rc < 0 ? rc : 0;
}

/* --- the whole ----------------------------------------------------------- */

static int
remove_tree(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	int rc = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return unlinkat(dirfd, name, 0) < 0 ? -errno : 0;
	}
	while ((de = readdir(d))) {
		int r = 0;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    unlinkat(fd, de->d_name, 0) == 0)
			continue;
		r = errno == EISDIR ? remove_tree(fd, de->d_name) : -errno;
		if (r < 0 && rc == 0)
			rc = r;
	}
	closedir(d);
	return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 ? -errno : rc;
}

/* Directory modes last: a read-only directory is filled first. */
static int
modes_apply(struct tree *t)
{
	char path[PATH_MAX];
	bool held;

	for (size_t i = 0; i < t->nmodes; i++) {
		if (dir_path(t, t->modes[i].ino, path, sizeof(path), &held) < 0 ||
		    held)
			continue;
		if (fchmodat(t->destfd, path, t->modes[i].mode, 0) < 0)
			return -errno;
	}
	return 0;
}

static bool *
kept_ops(const struct rec_journal *j, struct rec_state st)
{
	bool *kept = calloc(j->nops ? j->nops : 1, sizeof(*kept));
	unsigned idx = 0;

	for (size_t i = 0; kept && i < j->nops; i++) {
		const struct jop *op = j->ops[i];

		if (op->lost)
			continue;
		if (op->durable) {
			kept[i] = true;
			continue;
		}
		kept[i] = st.kind == REC_STATE_METADATA ? op->kind != J_WRITE :
		    st.kind == REC_STATE_PREFIX ? idx < st.n : false;
		idx++;
	}
	return kept;
}

static bool
dir_empty(int fd)
{
	int d = dup(fd);
	DIR *dp = d >= 0 ? fdopendir(d) : NULL;
	struct dirent *de;
	bool empty = true;

	if (!dp) {
		if (d >= 0)
			close(d);
		return false;
	}
	while ((de = readdir(dp)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = false;
	closedir(dp);
	return empty;
}

/*
 * Is directory fd inside (or) the directory (dev, ino)?  Walked up by
 * "..": a sweep builds from the live run directory, and a dest inside it
 * would be copied into itself.
 */
static bool
dir_within(int fd, uint64_t dev, uint64_t ino)
{
	struct stat st, up;
	int cur = dup(fd), next;
	bool in = false;

	for (int depth = 0; cur >= 0 && depth < MAX_DEPTH; depth++) {
		if (fstat(cur, &st) < 0)
			break;
		if ((uint64_t)st.st_dev == dev && (uint64_t)st.st_ino == ino) {
			in = true;
			break;
		}
		next = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (next < 0 || fstat(next, &up) < 0 ||
		    (up.st_dev == st.st_dev && up.st_ino == st.st_ino)) {
			if (next >= 0)
				close(next);
			break;		/* the root */
		}
		close(cur);
		cur = next;
	}
	if (cur >= 0)
		close(cur);
	return in;
}

static void
tree_release(struct tree *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	ivals_free(&t->held_dirs);
	ivals_free(&t->held_files);
	ivals_free(&t->fixed);
	free(t->modes);
	free(t->buf);
	free(t->byino);
	free((void *)t->kept);
}

int
rec_journal_build(const struct rec_journal *j, struct rec_state st,
    const char *src, const char *dest)
{
	struct tree t = { .j = j, .destfd = -1, .hold = ".badio-hold" };
	struct copier c = { .t = &t };
	struct stat sst, dst;
	int srcfd = -1, rc;

	if (!j || (st.kind == REC_STATE_PREFIX && st.n == 0) ||
	    (unsigned)st.kind > REC_STATE_PREFIX)
		return -EINVAL;
	t.kept = kept_ops(j, st);
	t.buf = malloc(COPY_CHUNK);
	if (!t.kept || !t.buf) {
		rc = -ENOMEM;
		goto out;
	}
	srcfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	t.destfd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (srcfd < 0 || t.destfd < 0 || fstat(srcfd, &sst) < 0 ||
	    fstat(t.destfd, &dst) < 0) {
		rc = -errno;
		goto out;
	}
	if (!dir_empty(t.destfd)) {
		rc = -ENOTEMPTY;
		goto out;
	}
	t.dev = (uint64_t)sst.st_dev;
	/* the journal's run directory, whatever src is called now */
	t.rootino = j->rootino;
	if ((uint64_t)sst.st_ino != j->rootino || t.dev != j->rootdev) {
		rc = -ESTALE;
		goto out;
	}
	if (dir_within(t.destfd, t.dev, t.rootino)) {
		rc = -EINVAL;
		goto out;
	}
	if ((rc = byino_make(&t)) < 0 ||
	    (rc = copy_dir(&c, srcfd, t.destfd, ".", t.rootino)) < 0 ||
	    (rc = hold_pick(&t)) < 0 ||
	    (rc = undo_copies(&t)) < 0 || (rc = names_undo(&t)) < 0)
		goto out;
	if (t.hold_made && (rc = remove_tree(t.destfd, t.hold)) < 0)
		goto out;
	t.hold_made = false;
	rc = modes_apply(&t);
	if (rc == 0 && fchmod(t.destfd, sst.st_mode & 07777) < 0)
		rc = -errno;
out:
	if (t.hold_made)
		remove_tree(t.destfd, t.hold);
	for (size_t i = 0; i < c.nlinks; i++)
		free(c.links[i].path);
	free(c.links);
	if (srcfd >= 0)
		close(srcfd);
	if (t.destfd >= 0)
		close(t.destfd);
	tree_release(&t);
	return rc;
}
