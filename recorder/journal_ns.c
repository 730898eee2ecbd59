/*
 * journal_ns.c - the undo journal's namespace ops (journal.c): each
 * keeps the directory entries it changes, by inode (st_dev, st_ino); the
 * inode an unlink or a rename over would free is kept alive by a hard
 * link into opts->stash_dir made at the seccomp stop (or a held fd).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recorder/journal_int.h"
#include "recorder/recorder_int.h"

/* --- the stash ----------------------------------------------------------- */

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
	struct jinode *ji = journal_inode_get(j, (uint64_t)st->st_dev,
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

/* The stash holds files only (links of victims, a named spill file). */
void
journal_stash_empty(int fd)
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

/* --- entries ------------------------------------------------------------- */

enum jtype
jtype_of(mode_t m)
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

	if (!journal_inside(j, path, abs, sizeof(abs)))
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
		s->oldt = (unsigned char)jtype_of(st->st_mode);
		s->oldmode = st->st_mode & 07777;
	} else {
		memset(st, 0, sizeof(*st));
	}
	return true;
}

/* --- entry stops --------------------------------------------------------- */

static struct jop *
ns_op(struct rec_journal *j, struct pending *p)
{
	return jop_new(J_NS, p->seq, j->rootdev, 0);
}

/* unlink, rmdir: the entry goes; a file is stashed first. */
void
journal_ns_remove(struct rec_journal *j, struct task *t)
{
	struct pending *p = &t->p;
	char abs[PATH_CAP + PATH_MAX];
	struct jop *op = ns_op(j, p);
	struct stat st;

	if (!op || !slot_prepare(j, p->path, &op->slot[0], &st) ||
	    (op->nslots = 1, op->slot[0].oldv == 0)) {
		jop_free(j, op);
		return;
	}
	if (op->slot[0].oldt != JT_DIR && journal_inside(j, p->path, abs, sizeof(abs)))
		stash(j, abs, &st);
	p->jop = op;
}

/* mkdir, link, symlink, mknod, an O_CREAT open: a new entry. */
void
journal_ns_create(struct rec_journal *j, struct task *t)
{
	struct pending *p = &t->p;
	struct jop *op = ns_op(j, p);
	struct stat st;

	if (!op || !slot_prepare(j, p->path, &op->slot[0], &st) ||
	    (op->nslots = 1, op->slot[0].oldv != 0)) {
		jop_free(j, op);
		return;
	}
	op->slot[0].pending_new = true;
	p->jop = op;
}

void
journal_open_enter(struct rec_journal *j, struct task *t)
{
	struct pending *p = &t->p;
	uint64_t fl;
	int fd;

	if (!open_flags(t, p->sc, p->args, &fl) || (fl & O_TMPFILE) == O_TMPFILE)
		return;
	if (p->may_create) {
		journal_ns_create(j, t);
	} else if ((fl & O_TRUNC) && p->existed && p->kind == REC_KIND_REGULAR &&
	    (fd = journal_open_abs(j, p->path)) >= 0) {
		journal_trunc_enter(j, p, fd, 0);
		close(fd);
	}
}

/*
 * rename: path's entry moves to path2 (the file path2 held, if any, is
 * stashed); RENAME_EXCHANGE swaps the two entries.
 */
void
journal_ns_rename(struct rec_journal *j, struct task *t)
{
	struct pending *p = &t->p;
	uint64_t flags = p->sc->flags >= 0 ? p->args[(int)p->sc->flags] : 0;
	char abs[PATH_CAP + PATH_MAX];
	struct jop *op = ns_op(j, p);
	struct stat st0, st1;
	struct jslot a, b;
	bool in0, in1;

	if (!op || p->same_file) {
		jop_free(j, op);
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
		jop_free(j, op);
		return;
	}
	if (in0) {
		a.newv = (flags & RENAME_EXCHANGE) ? b.oldv : 0;
		a.newt = (flags & RENAME_EXCHANGE) ? b.oldt : JT_NONE;
		a.newmode = b.oldmode;
		if (!(flags & RENAME_EXCHANGE) && !in1 && a.oldt != JT_DIR &&
		    journal_inside(j, p->path, abs, sizeof(abs)))
			stash(j, abs, &st0);	/* moved out of the run directory */
		op->slot[op->nslots++] = a;
	}
	if (in1) {
		b.newv = (uint64_t)st0.st_ino;
		b.newt = (unsigned char)jtype_of(st0.st_mode);
		b.newmode = st0.st_mode & 07777;
		if (!(flags & RENAME_EXCHANGE) && b.oldv && b.oldt != JT_DIR &&
		    journal_inside(j, p->path2, abs, sizeof(abs)))
			stash(j, abs, &st1);	/* replaced */
		op->slot[op->nslots++] = b;
	}
	p->jop = op;
}

/* --- exit stops ---------------------------------------------------------- */

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
		if (!journal_inside(j, p->path, abs, sizeof(abs)) || lstat(abs, &st) < 0)
			return false;
		s->newv = (uint64_t)st.st_ino;
		s->newt = (unsigned char)jtype_of(st.st_mode);
		s->newmode = st.st_mode & 07777;
	}
	return true;
}

void
journal_ns_exit(struct rec_journal *j, struct pending *p, struct jop *op,
    int64_t rval, bool has_rval)
{
	char abs[PATH_CAP + PATH_MAX];
	struct stat st;

	if ((has_rval && rval < 0) || !ns_settle(j, p, op)) {
		jop_free(j, op);
		return;
	}
	/* the task died in the call: did it happen? */
	if (!has_rval && op->nslots && journal_inside(j, p->path, abs, sizeof(abs))) {
		uint64_t now = lstat(abs, &st) == 0 ? (uint64_t)st.st_ino : 0;

		if (now == op->slot[0].oldv && op->slot[0].newv != now) {
			jop_free(j, op);
			return;
		}
	}
	jop_append(j, op);
}
