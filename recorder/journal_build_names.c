/*
 * journal_build_names.c - a crash state's directory entries
 * (journal_build.c): each entry an op touched takes the inode the last
 * kept op on it left there, or the one the first op found; the entries
 * that change are moved into a holding directory inside dest first, then
 * put where they belong, parents first; an inode the program freed comes
 * back from the stash.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recorder/journal_int.h"
#include "recorder/recorder_int.h"

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
int
build_hold_pick(struct tree *t)
{
	const struct rec_journal *j = t->j;

	for (unsigned n = 1; n < 1000; n++) {
		bool used = tree_node_at(t, t->rootino, t->hold) != NULL;

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
	struct node *nd = tree_node_at(t, w->pino, w->name);
	bool held;
	int rc;

	if (!nd || (nd->ino == w->ino && nd->t == w->t))
		return 0;
	if (tree_entry_path(t, w->pino, w->name, path, sizeof(path), &held) < 0)
		return 0;
	if ((rc = hold_make(t)) < 0)
		return rc;
	hold_name(t, hold, sizeof(hold), nd->t == JT_DIR ? 'd' : 'i', nd->ino);
	nd->live = false;
	if (nd->t != JT_DIR && ino_set_has(&t->held_files, nd->ino))
		return unlinkat(t->destfd, path, 0) < 0 ? -errno : 0;
	if (renameat(t->destfd, path, t->destfd, hold) < 0)
		return -errno;
	return ino_set_add(nd->t == JT_DIR ? &t->held_dirs : &t->held_files, nd->ino);
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
	rc = build_copy_file(fd, t->destfd, hold, w->mode, t->buf);
	close(fd);
	if (rc < 0)
		return rc;
	if ((out = build_open_rw(t->destfd, hold, &mode)) < 0)
		return out;
	return build_undo_close(out, mode, build_undo_data(t, w->ino, out));
}

/* Put the wanted inode at the entry; 1 done, 0 not yet (no parent). */
static int
attach(struct tree *t, struct want *w)
{
	char path[PATH_MAX], hold[64], src[PATH_MAX];
	struct node *cur = tree_node_at(t, w->pino, w->name), *other;
	bool held;
	int rc;

	if (w->ino == 0 || (cur && cur->ino == w->ino))
		return 1;
	if (tree_entry_path(t, w->pino, w->name, path, sizeof(path), &held) < 0 || held)
		return 0;
	if (w->t == JT_DIR) {
		hold_name(t, hold, sizeof(hold), 'd', w->ino);
		if (ino_set_has(&t->held_dirs, w->ino)) {
			if (renameat(t->destfd, hold, t->destfd, path) < 0)
				return -errno;
			ino_set_del(&t->held_dirs, w->ino);
		} else if (tree_node_of(t, w->ino, true)) {
			return 1;	/* it has its other name: one name only */
		} else {
			if (mkdirat(t->destfd, path, 0700) < 0)
				return -errno;
			if ((rc = tree_mode_add(t, w->ino, w->mode)) < 0)
				return rc;
		}
		return tree_node_add(t, w->pino, w->name, w->ino, JT_DIR) < 0 ? -ENOMEM : 1;
	}
	hold_name(t, hold, sizeof(hold), 'i', w->ino);
	if ((other = tree_node_of(t, w->ino, false)) && !ino_set_has(&t->held_files, w->ino)) {
		if ((rc = tree_entry_path(t, other->pino, other->name, src, sizeof(src),
		    &held)) < 0)
			return rc;
	} else {
		if (!ino_set_has(&t->held_files, w->ino)) {
			if ((rc = from_stash(t, w, hold)) == -ENOENT)
				return 1;	/* nowhere: the entry stays empty */
			if (rc < 0 || (rc = ino_set_add(&t->held_files, w->ino)) < 0)
				return rc;
		}
		snprintf(src, sizeof(src), "%s", hold);
	}
	if (linkat(t->destfd, src, t->destfd, path, 0) < 0)
		return -errno;
	return tree_node_add(t, w->pino, w->name, w->ino, w->t) < 0 ? -ENOMEM : 1;
}

int
build_names_undo(struct tree *t)
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
