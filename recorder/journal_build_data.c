/*
 * journal_build_data.c - a crash state's file contents (journal_build.c):
 * each file's data ops walked back from the last one; an op not kept gets
 * its old bytes and its size back, except over bytes a later kept op
 * wrote (durable-zero: a lost op keeps its size, its growth reads as
 * zeros); then the file's map images.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recorder/journal_int.h"
#include "recorder/recorder_int.h"

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
int
build_byino_make(struct tree *t)
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
int
build_undo_data(struct tree *t, uint64_t ino, int fd)
{
	const struct rec_journal *j = t->j;
	const struct rec_mapimage *const *ims;
	struct ivals prot = { 0 };
	bool kept_after = false;
	size_t first, end, n;
	struct stat st;
	int64_t size;
	int rc = 0;

	if (ino_set_has(&t->fixed, ino))
		return 0;
	if ((rc = ino_set_add(&t->fixed, ino)) < 0 || fstat(fd, &st) < 0)
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
		if (t->zero_lost && op->lost) {
			/*
			 * ext4 after a writeback error: the size stays as
			 * written (a truncate too), the new blocks read as
			 * zeros, overwritten ones keep their old bytes.
			 */
			if (op->kind != J_TRUNC)
				rc = undo_op(t, fd, op, &prot, true, &size);
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
int
build_open_rw(int dirfd, const char *path, int *mode)
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

int
build_undo_close(int fd, int mode, int rc)
{
	if (mode >= 0 && fchmod(fd, (mode_t)mode) < 0 && rc == 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* Every regular file of the copy the journal has ops (or images) for. */
int
build_undo_copies(struct tree *t)
{
	char path[PATH_MAX];
	bool held;
	int rc = 0, fd, mode;

	for (size_t i = 0; rc == 0 && i < t->n; i++) {
		struct node *nd = &t->v[i];

		if (!nd->live || nd->t != JT_REG || ino_set_has(&t->fixed, nd->ino) ||
		    !has_data(t, nd->ino))
			continue;
		if ((rc = tree_entry_path(t, nd->pino, nd->name, path, sizeof(path),
		    &held)) < 0)
			return rc;
		if ((fd = build_open_rw(t->destfd, path, &mode)) < 0)
			return fd;
		rc = build_undo_close(fd, mode, build_undo_data(t, nd->ino, fd));
	}
	return rc;
}
