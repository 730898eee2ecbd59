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
 * first N pending ops.  durable-zero is durable with lost data as ext4
 * leaves it after a writeback error: sizes as written, new ranges zeros,
 * overwritten ranges their old bytes.  Mapped files then get their map images
 * (rec_mapimage_apply), after their own history.
 *
 * dest is filled through file descriptors and names read from src or
 * from the journal (never containing '/'), with O_NOFOLLOW: a symlink in
 * src is copied as a link and never followed.
 *
 * The builder's files: journal_build.c (the tree of dest's entries, and
 * the whole), journal_build_copy.c (src into dest), journal_build_data.c
 * (file contents and sizes, map images), journal_build_names.c
 * (directory entries, the stash).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recorder/journal_int.h"
#include "recorder/recorder_int.h"

bool
ino_set_has(const struct ivals *s, uint64_t ino)
{
	for (size_t i = 0; i < s->n; i++)
		if ((uint64_t)s->v[i].lo <= ino && ino < (uint64_t)s->v[i].hi)
			return true;
	return false;
}

int
ino_set_add(struct ivals *s, uint64_t ino)
{
	return ivals_add(s, (int64_t)ino, (int64_t)ino + 1);
}

void
ino_set_del(struct ivals *s, uint64_t ino)
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

int
tree_node_add(struct tree *t, uint64_t pino, const char *name, uint64_t ino,
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

int
tree_mode_add(struct tree *t, uint64_t ino, mode_t mode)
{
	struct dirmode *v = realloc(t->modes, (t->nmodes + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	t->modes = v;
	v[t->nmodes++] = (struct dirmode){ ino, mode };
	return 0;
}

struct node *
tree_node_at(struct tree *t, uint64_t pino, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].live && t->v[i].pino == pino &&
		    strcmp(t->v[i].name, name) == 0)
			return &t->v[i];
	return NULL;
}

struct node *
tree_node_of(struct tree *t, uint64_t ino, bool dir)
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
int
tree_dir_path(struct tree *t, uint64_t ino, char *buf, size_t size, bool *held)
{
	const struct node *stack[MAX_DEPTH];
	size_t depth = 0, len;

	*held = false;
	while (ino != t->rootino) {
		const struct node *nd;

		if (ino_set_has(&t->held_dirs, ino)) {
			*held = true;
			break;
		}
		if (depth == MAX_DEPTH || !(nd = tree_node_of(t, ino, true)))
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

int
tree_entry_path(struct tree *t, uint64_t pino, const char *name, char *buf,
    size_t size, bool *held)
{
	size_t len;
	int rc = tree_dir_path(t, pino, buf, size, held);

	if (rc < 0)
		return rc;
	len = strlen(buf);
	return snprintf(buf + len, size - len, "/%s", name) < (int)(size - len) ?
	    0 : -ENAMETOOLONG;
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
		if (tree_dir_path(t, t->modes[i].ino, path, sizeof(path), &held) < 0 ||
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
 * Is directory fd journal_inside (or) the directory (dev, ino)?  Walked up by
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
	    (unsigned)st.kind > REC_STATE_DURABLE_ZERO)
		return -EINVAL;
	t.zero_lost = st.kind == REC_STATE_DURABLE_ZERO;
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
	/* on another file system (a memory one: explorer/sweep.c) it is not */
	if ((uint64_t)dst.st_dev == t.dev &&
	    dir_within(t.destfd, t.dev, t.rootino)) {
		rc = -EINVAL;
		goto out;
	}
	if ((rc = build_byino_make(&t)) < 0 ||
	    (rc = build_copy_dir(&c, srcfd, t.destfd, ".", t.rootino)) < 0 ||
	    (rc = build_hold_pick(&t)) < 0 ||
	    (rc = build_undo_copies(&t)) < 0 || (rc = build_names_undo(&t)) < 0)
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
