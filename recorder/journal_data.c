/*
 * journal_data.c - the undo journal's data ops (journal.c): a write
 * keeps the old bytes of the range it overwrites (the first overwrite of
 * a byte since its file's last sync only: appends cost nothing) and the
 * size before; a truncate the bytes it cuts; fallocate one or the other.
 *
 * Old bytes past opts->journal_mem go to a spill file in stash_dir, and
 * are punched out of it when their op becomes durable.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recorder/journal_int.h"
#include "recorder/recorder_int.h"

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

void
jpiece_free(struct rec_journal *j, struct jpiece *pc)
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
	struct jinode *ji = journal_inode_get(j, op->dev, op->ino);
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
	struct jinode *ji = journal_inode_get(j, op->dev, op->ino);

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
			jpiece_free(j, pc);
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

void
journal_write_enter(struct rec_journal *j, struct task *t)
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
	if (!(op = jop_new(J_WRITE, p->seq, (uint64_t)st.st_dev,
	    (uint64_t)st.st_ino)))
		return;
	op->off = off;
	op->len = count;
	op->size_before = size;
	ji = journal_inode_get(j, op->dev, op->ino);
	if (off < size && count > 0 && ji) {
		fd = readable_fd(p, ji);
		if (fd < 0 || save_range(j, op, fd, off,
		    off + count < size ? off + count : size) < 0) {
			jop_free(j, op);
			return;
		}
	}
	p->jop = op;
}

/* A truncate of the file open as fd (or at abs) to size n. */
void
journal_trunc_enter(struct rec_journal *j, struct pending *p, int fd, int64_t n)
{
	struct jinode *ji;
	struct jop *op;
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || n < 0)
		return;
	if (!(op = jop_new(J_TRUNC, p->seq, (uint64_t)st.st_dev,
	    (uint64_t)st.st_ino)))
		return;
	op->off = n;
	op->size_before = st.st_size;
	ji = journal_inode_get(j, op->dev, op->ino);
	if (!ji || (n < st.st_size && save_range(j, op, fd, n, st.st_size) < 0)) {
		jop_free(j, op);
		return;
	}
	p->jop = op;
}

int
journal_open_abs(struct rec_journal *j, const char *path)
{
	char abs[PATH_CAP + PATH_MAX];

	return journal_inside(j, path, abs, sizeof(abs)) ?
	    open(abs, O_RDONLY | O_CLOEXEC | O_NONBLOCK) : -1;
}

void
journal_trunc_path(struct rec_journal *j, struct task *t)
{
	struct pending *p = &t->p;
	int fd = journal_open_abs(j, p->path);

	journal_trunc_enter(j, p, fd, (int64_t)p->args[(int)p->sc->count]);
	if (fd >= 0)
		close(fd);
}

void
journal_trunc_fd(struct rec_journal *j, struct task *t)
{
	struct pending *p = &t->p;
	struct jinode *ji;
	struct stat st;
	int fd;

	if (!journal_data_inside(p) || p->dupfd < 0 || fstat(p->dupfd, &st) < 0 ||
	    !(ji = journal_inode_get(j, (uint64_t)st.st_dev, (uint64_t)st.st_ino)))
		return;
	fd = readable_fd(p, ji);
	journal_trunc_enter(j, p, fd, (int64_t)p->args[(int)p->sc->count]);
}

/*
 * fallocate: punching or zeroing a range is a write of it; collapsing
 * or inserting, a write of everything from the offset on; a plain
 * allocation past the end, a growing truncate.
 */
void
journal_falloc_enter(struct rec_journal *j, struct task *t)
{
	struct pending *p = &t->p;
	uint64_t mode = p->args[(int)p->sc->flags];
	int64_t off = (int64_t)p->args[(int)p->sc->offset];
	int64_t len = (int64_t)p->args[(int)p->sc->count];
	struct jinode *ji;
	struct jop *op;
	struct stat st;
	int fd;

	if (!journal_data_inside(p) || p->dupfd < 0 || fstat(p->dupfd, &st) < 0 ||
	    !S_ISREG(st.st_mode) || off < 0 || len <= 0 ||
	    !(ji = journal_inode_get(j, (uint64_t)st.st_dev, (uint64_t)st.st_ino)))
		return;
	if (!(mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE |
	    FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE))) {
		if (!(mode & FALLOC_FL_KEEP_SIZE) && off + len > st.st_size)
			journal_trunc_enter(j, p, p->dupfd, off + len);
		return;
	}
	if (mode & (FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE))
		len = st.st_size - off;
	if (!(op = jop_new(J_WRITE, p->seq, (uint64_t)st.st_dev,
	    (uint64_t)st.st_ino)))
		return;
	op->off = off;
	op->len = len;
	op->size_before = st.st_size;
	fd = readable_fd(p, ji);
	if (off < st.st_size && (fd < 0 || save_range(j, op, fd, off,
	    off + len < st.st_size ? off + len : st.st_size) < 0)) {
		jop_free(j, op);
		return;
	}
	p->jop = op;
}

/* --- exit stops ---------------------------------------------------------- */

static bool
osync_write(const struct pending *p)
{
	return (p->fdflags & O_DSYNC) || ((p->sc->decode & D_OFF_OR_CUR) &&
	    (p->args[5] & (RWF_SYNC | RWF_DSYNC)));
}

void
journal_write_exit(struct rec_journal *j, struct pending *p, struct jop *op,
    int64_t rval, bool has_rval)
{
	int64_t done = p->how == HOW_CUT_FAIL ? p->done : rval;
	struct stat st;

	if (has_rval && (p->sc->decode & D_IOCTL)) {
		if (rval < 0 || p->dupfd < 0 || fstat(p->dupfd, &st) < 0) {
			jop_free(j, op);
			return;
		}
		op->len = st.st_size > op->size_before ? st.st_size :
		    op->size_before;
	} else if (has_rval) {
		if (done <= 0) {
			jop_free(j, op);
			return;
		}
		op->len = done;
		pieces_trim(j, op, op->off + done);
	}
	mark_saved(j, op);
	jop_append(j, op);
	if (has_rval && osync_write(p)) {
		journal_inode_synced(j, op->dev, op->ino);
		journal_durability_point(j, p);
	}
}
