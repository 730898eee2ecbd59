/*
 * tree.c - directory trees through file descriptors: opening a name
 * beneath a root, removing a tree, copying one.
 *
 * A run directory belongs to the program under test, which may fill it
 * with symlinks to anywhere, take the permissions off its directories,
 * or leave a bind mount in it (issue 7).  So nothing here resolves a
 * long path from the top: each step is an *at() call on the directory
 * fd of the level above, with O_NOFOLLOW, and every directory is
 * compared with the top by mount id after it is opened (so a mount
 * placed meanwhile is seen too).  A mount point is never entered,
 * changed or removed: it is counted in struct bx_tree_report, and the
 * directories that lead to it stay.
 *
 * Mount ids come from statx(STATX_MNT_ID) (Linux 5.8), else from
 * name_to_handle_at(), which reports the mount id of any path since
 * 2.6.39.  Comparing st_dev is not enough: a bind mount of a directory
 * of the same file system has the same st_dev (nftw's FTW_MOUNT, which
 * badio used before, let "mount --bind DIR m" in a run empty DIR).
 *
 * Depth: each level of a walk holds two fds (the directory and its
 * readdir stream), so bx_tree_remove() flattens a tree deeper than
 * TREE_DEPTH_MAX as it goes: the directory at that depth is renamed to
 * the top level, which a later pass removes.  A program cannot make
 * badio leave its tree behind by nesting it deeply.
 */
#include "explorer/explorer_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/fs.h>
#include <linux/openat2.h>

#define TREE_DEPTH_MAX	48
#define DEEP_PREFIX	".badio-deep-"

/* --- mount ids --- */

/* The mount id of dfd/name, or of dfd itself when name is "". */
int
bx_mount_id(int dfd, const char *name, uint64_t *id)
{
	int at = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT |
	    (*name ? 0 : AT_EMPTY_PATH);
	struct {
		struct file_handle fh;
		unsigned char	space[MAX_HANDLE_SZ];
	} h;
	struct statx stx;
	int mnt;

	if (statx(dfd, name, at, STATX_MNT_ID, &stx) < 0)
		return -errno;
	if (stx.stx_mask & STATX_MNT_ID) {
		*id = stx.stx_mnt_id;
		return 0;
	}
	/* before Linux 5.8: the mount id comes with a file handle */
	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(dfd, name, &h.fh, &mnt, *name ? 0 :
	    AT_EMPTY_PATH) < 0 && errno != EOVERFLOW)
		return -errno;
	*id = (uint64_t)mnt;
	return 0;
}

/* --- opening beneath a root --- */

static bool no_openat2;

/* Component by component, for kernels without openat2 (before 5.6). */
static int
open_walk(int rootfd, const char *path, int flags, uint64_t root_mnt)
{
	char comp[NAME_MAX + 1];
	int fd = -1;
	int next;
	uint64_t mnt;
	int rc;

	fd = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (*path) {
		size_t len = strcspn(path, "/");
		bool last = path[len] == '\0';

		if (len == 0 || len > NAME_MAX || (len == 2 &&
		    memcmp(path, "..", 2) == 0)) {
			close(fd);
			return len > NAME_MAX ? -ENAMETOOLONG : -EXDEV;
		}
		memcpy(comp, path, len);
		comp[len] = '\0';
		next = openat(fd, comp, (last ? flags : O_PATH | O_DIRECTORY) |
		    O_NOFOLLOW | O_CLOEXEC);
		rc = next < 0 ? -errno : 0;
		if (rc == -ENOTDIR) {
			struct stat st;

			if (fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode))
				rc = -ELOOP;
		}
		close(fd);
		if (rc < 0) {
			if (next >= 0)
				close(next);
			return rc;
		}
		fd = next;
		rc = bx_mount_id(fd, "", &mnt);
		if (rc == 0 && mnt != root_mnt)
			rc = -EXDEV;
		if (rc < 0) {
			close(fd);
			return rc;
		}
		path += len + !last;
	}
	return fd;
}

int
bx_open_beneath(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
		    RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	uint64_t root_mnt;
	long fd;
	int rc;

	if (!*path)
		path = ".";
	if (!no_openat2) {
		fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		/* ENOSYS before 5.6; EPERM from an older container's seccomp */
		if (errno != ENOSYS && errno != EPERM)
			return -errno;
		no_openat2 = true;
	}
	rc = bx_mount_id(rootfd, "", &root_mnt);
	if (rc < 0)
		return rc;
	return open_walk(rootfd, strcmp(path, ".") == 0 ? "" : path, flags,
	    root_mnt);
}

void
bx_tree_force_walk(bool on)
{
	no_openat2 = on;
}

/* --- walks: the path so far, for reports --- */

struct walk {
	char		top[PATH_MAX];	/* as given */
	char		rel[PATH_MAX];	/* of the current directory, "" at the top */
	size_t		len;
	uint64_t	mnt;		/* the top's mount id */
	struct bx_tree_report *rep;
	int		err;		/* the first error but mounts */
	unsigned	failures;	/* errors and mounts: what stays */
	int		topfd;		/* bx_tree_remove: where deep ones go */
	unsigned	moved;		/* ... and how many went there this pass */
	unsigned	deep_seq;
};

static size_t
walk_push(struct walk *w, const char *name)
{
	size_t old = w->len;
	int n = snprintf(w->rel + w->len, sizeof(w->rel) - w->len, "%s%s",
	    w->len ? "/" : "", name);

	if (n < 0 || (size_t)n >= sizeof(w->rel) - w->len)
		w->len = sizeof(w->rel) - 1;	/* cut: reports only */
	else
		w->len += (size_t)n;
	return old;
}

static void
walk_pop(struct walk *w, size_t old)
{
	w->len = old;
	w->rel[old] = '\0';
}

static void
note_error(struct walk *w, int err)
{
	w->failures++;
	if (w->err == 0)
		w->err = err;
}

/* dfd/name is a mount point: count it, keep the first one's path. */
static void
note_mount(struct walk *w, const char *name)
{
	struct bx_tree_report *rep = w->rep;
	size_t old = walk_push(w, name);

	w->failures++;
	if (rep && rep->mounts++ == 0) {
		int n = snprintf(rep->mount, sizeof(rep->mount), "%s/%s",
		    w->top, w->rel);

		if (n < 0 || (size_t)n >= sizeof(rep->mount))	/* marked cut */
			memcpy(rep->mount + sizeof(rep->mount) - 4, "...", 4);
	}
	walk_pop(w, old);
}

/*
 * Open the directory dfd/name for reading and make it ours to empty
 * (u+rwx), unless it is a symlink now or on another mount: then -ELOOP
 * (or -ENOTDIR) or -EXDEV, and nothing changed.  A directory without
 * read or search permission is opened as O_PATH first, checked, and
 * given its permissions back through /proc/self/fd (fchmod needs a
 * real fd, and chmod by name would follow a symlink put there since).
 */
static int
open_subdir(struct walk *w, int dfd, const char *name, bool fix)
{
	char proc[64];
	struct stat st;
	uint64_t mnt;
	int fd, pfd, rc;

	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && (errno != EACCES || !fix))
		return -errno;
	if (fd < 0) {
		pfd = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (pfd < 0)
			return -errno;
		rc = bx_mount_id(pfd, "", &mnt);
		if (rc == 0 && mnt != w->mnt)
			rc = -EXDEV;
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
		if (rc == 0 && (fstat(pfd, &st) < 0 ||
		    chmod(proc, (st.st_mode & 07777) | S_IRWXU) < 0))
			rc = -errno;
		if (rc == 0) {
			fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			rc = fd < 0 ? -errno : fd;
		}
		close(pfd);
		return rc;
	}
	rc = bx_mount_id(fd, "", &mnt);
	if (rc == 0 && mnt != w->mnt)
		rc = -EXDEV;
	if (rc == 0 && fix && fstat(fd, &st) == 0 &&
	    (st.st_mode & S_IRWXU) != S_IRWXU &&
	    fchmod(fd, (st.st_mode & 07777) | S_IRWXU) < 0)
		rc = -errno;
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

/* --- removal --- */

static int remove_contents(struct walk *w, int dfd, unsigned depth);

/*
 * Too deep to hold more fds: move dfd/name to the top level, where the
 * next pass of bx_tree_remove() finds it.
 */
static int
move_to_top(struct walk *w, int dfd, const char *name)
{
	char to[64];

	for (;;) {
		snprintf(to, sizeof(to), DEEP_PREFIX "%u", w->deep_seq++);
		if (renameat2(dfd, name, w->topfd, to, RENAME_NOREPLACE) == 0) {
			w->moved++;
			return 0;
		}
		if (errno != EEXIST)
			return -errno;
	}
}

/* Remove dfd/name, a directory: its contents, then itself. */
static void
remove_dir(struct walk *w, int dfd, const char *name, unsigned depth)
{
	size_t old;
	int fd, rc;

	fd = open_subdir(w, dfd, name, true);
	if (fd == -EXDEV) {
		note_mount(w, name);
		return;
	}
	if (fd == -ELOOP || fd == -ENOTDIR) {
		/* it became a symlink or file meanwhile: that we can unlink */
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
			note_error(w, -errno);
		return;
	}
	if (fd < 0) {
		if (fd != -ENOENT)
			note_error(w, fd);
		return;
	}
	if (depth >= TREE_DEPTH_MAX) {
		close(fd);
		rc = move_to_top(w, dfd, name);
		if (rc < 0)
			note_error(w, rc);
		return;
	}
	old = walk_push(w, name);
	rc = remove_contents(w, fd, depth + 1);
	walk_pop(w, old);
	close(fd);
	if (rc == 0 && unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		note_error(w, -errno);
}

/*
 * Remove everything in dfd.  1 if something had to stay (a mount point
 * or what leads to one), 0 if it is empty now; errors go to w->err.
 */
static int
remove_contents(struct walk *w, int dfd, unsigned depth)
{
	unsigned failures = w->failures;
	struct dirent *d;
	DIR *dir;
	int fd;

	/* a new open file: a dup would share (and start at) dfd's offset */
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(dir = fdopendir(fd))) {
		note_error(w, -errno);
		if (fd >= 0)
			close(fd);
		return 1;
	}
	while ((d = readdir(dir))) {
		const char *name = d->d_name;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		/* unlink says EISDIR for a directory (DT_UNKNOWN too) */
		if (d->d_type != DT_DIR) {
			if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
				continue;
			if (errno == EBUSY) {
				note_mount(w, name);	/* a file bind mount */
				continue;
			}
			if (errno != EISDIR) {
				note_error(w, -errno);
				continue;
			}
		}
		remove_dir(w, dfd, name, depth);
	}
	closedir(dir);
	return w->failures != failures;
}

/* The parent directory of path, and its last component in *base. */
static int
open_parent(const char *path, char *buf, size_t size, const char **base)
{
	char *slash;
	int fd;

	if (snprintf(buf, size, "%s", path) >= (int)size)
		return -ENAMETOOLONG;
	while (strlen(buf) > 1 && buf[strlen(buf) - 1] == '/')
		buf[strlen(buf) - 1] = '\0';
	slash = strrchr(buf, '/');
	if (!slash) {
		*base = buf;
		fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	} else {
		*slash = '\0';
		*base = slash + 1;
		fd = open(slash == buf ? "/" : buf, O_PATH | O_DIRECTORY |
		    O_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	if (!**base || strcmp(*base, ".") == 0 || strcmp(*base, "..") == 0) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

int
bx_tree_remove(const char *dir, struct bx_tree_report *rep)
{
	char buf[PATH_MAX];
	const char *base;
	struct walk w;
	uint64_t pmnt;
	int pfd, fd, rc;

	if (rep)
		memset(rep, 0, sizeof(*rep));
	memset(&w, 0, sizeof(w));
	w.rep = rep;
	snprintf(w.top, sizeof(w.top), "%s", dir);
	pfd = open_parent(dir, buf, sizeof(buf), &base);
	if (pfd < 0)
		return pfd == -ENOENT ? 0 : pfd;
	rc = bx_mount_id(pfd, "", &pmnt);
	if (rc < 0)
		goto out_close_parent;
	w.mnt = pmnt;
	fd = open_subdir(&w, pfd, base, true);
	if (fd == -ELOOP || fd == -ENOTDIR) {
		/* a symlink or a file: remove just that */
		rc = unlinkat(pfd, base, 0) < 0 && errno != ENOENT ? -errno : 0;
		goto out_close_parent;
	}
	if (fd == -EXDEV) {
		/* the directory itself is a mount point: leave it whole */
		if (rep && rep->mounts++ == 0)
			snprintf(rep->mount, sizeof(rep->mount), "%s", dir);
		rc = -EBUSY;
		goto out_close_parent;
	}
	if (fd < 0) {
		rc = fd == -ENOENT ? 0 : fd;
		goto out_close_parent;
	}
	w.topfd = fd;
	/* passes: the first removes all it can, later ones what was too deep */
	do {
		w.moved = 0;
		rc = remove_contents(&w, fd, 0);
	} while (w.moved);
	close(fd);
	if (rc == 0 && unlinkat(pfd, base, AT_REMOVEDIR) < 0 && errno != ENOENT)
		note_error(&w, -errno);
	rc = rep && rep->mounts ? -EBUSY : w.err;
out_close_parent:
	close(pfd);
	return rc;
}

/* --- copying --- */

/* Files with more than one link, by inode: where the first copy went. */
struct link_seen {
	dev_t		dev;
	ino_t		ino;
	char		*rel;		/* in the copy, from its top */
};

struct links {
	struct link_seen *v;
	size_t		n;
	size_t		cap;		/* a power of two, or 0 */
};

static size_t
link_slot(const struct links *l, dev_t dev, ino_t ino)
{
	size_t i = (size_t)((ino * 0x9e3779b97f4a7c15ull) ^ dev) & (l->cap - 1);

	while (l->v[i].rel && (l->v[i].dev != dev || l->v[i].ino != ino))
		i = (i + 1) & (l->cap - 1);
	return i;
}

static const char *
links_find(const struct links *l, dev_t dev, ino_t ino)
{
	return l->cap ? l->v[link_slot(l, dev, ino)].rel : NULL;
}

static int
links_add(struct links *l, dev_t dev, ino_t ino, const char *rel)
{
	size_t i;

	if (2 * (l->n + 1) > l->cap) {
		struct links bigger = { .cap = l->cap ? 2 * l->cap : 64 };

		bigger.v = calloc(bigger.cap, sizeof(*bigger.v));
		if (!bigger.v)
			return -ENOMEM;
		for (i = 0; i < l->cap; i++)
			if (l->v[i].rel)
				bigger.v[link_slot(&bigger, l->v[i].dev,
				    l->v[i].ino)] = l->v[i];
		bigger.n = l->n;
		free(l->v);
		*l = bigger;
	}
	i = link_slot(l, dev, ino);
	l->v[i].dev = dev;
	l->v[i].ino = ino;
	l->v[i].rel = strdup(rel);
	if (!l->v[i].rel)
		return -ENOMEM;
	l->n++;
	return 0;
}

static void
links_release(struct links *l)
{
	for (size_t i = 0; i < l->cap; i++)
		free(l->v[i].rel);
	free(l->v);
}

/* Bytes [from, to) of in into out at the same offsets. */
static int
copy_range(int in, int out, off_t from, off_t to)
{
	char buf[1 << 16];
	off_t oin = from, oout = from;

	while (oin < to) {
		ssize_t n = copy_file_range(in, &oin, out, &oout,
		    (size_t)(to - oin), 0);

		if (n > 0)
			continue;
		if (n == 0)
			return 0;	/* the file shrank */
		if (errno == EINTR)
			continue;
		if (errno != EXDEV && errno != ENOSYS && errno != EINVAL &&
		    errno != EOPNOTSUPP && errno != EPERM)
			return -errno;
		break;
	}
	while (oin < to) {
		size_t want = (size_t)(to - oin) < sizeof(buf) ?
		    (size_t)(to - oin) : sizeof(buf);
		ssize_t n = pread(in, buf, want, oin);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : 0;
		if (bx_write_full(out, buf, (size_t)n, oin) < 0)
			return -errno;
		oin += n;
	}
	return 0;
}

/*
 * The contents of in into the empty file out: a reflink where the file
 * system shares extents (btrfs, XFS), else the data extents one by one
 * (holes stay holes), with copy_file_range where it works.
 */
int
bx_file_copy(int in, int out, off_t size)
{
	off_t pos = 0;
	int rc;

	if (ioctl(out, FICLONE, in) == 0)
		return 0;
	while (pos < size) {
		off_t data = lseek(in, pos, SEEK_DATA);
		off_t hole;

		if (data < 0 && errno == ENXIO)
			break;			/* a hole up to the end */
		if (data < 0)
			data = pos;		/* no SEEK_DATA: all data */
		hole = lseek(in, data, SEEK_HOLE);
		if (hole < 0 || hole > size)
			hole = size;
		rc = copy_range(in, out, data, hole);
		if (rc < 0)
			return rc;
		pos = hole;
	}
	return ftruncate(out, size) < 0 ? -errno : 0;
}

/* pwrite all of buf at off; -1 with errno. */
int
bx_write_full(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

struct copy {
	struct walk	w;
	int		dst_top;
	struct links	links;
};

static void
set_mtime(int fd, const char *name, const struct stat *st, int flags)
{
	struct timespec ts[2] = { { 0, UTIME_OMIT }, st->st_mtim };

	utimensat(fd, name, ts, flags);
}

static int
copy_file(struct copy *c, int sdfd, int ddfd, const char *name,
    const struct stat *st)
{
	const char *first = NULL;
	int in, out, rc;

	if (st->st_nlink > 1)
		first = links_find(&c->links, st->st_dev, st->st_ino);
	if (first)
		return linkat(c->dst_top, first, ddfd, name, 0) < 0 ? -errno : 0;
	in = openat(sdfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (in < 0)
		return -errno;
	out = openat(ddfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (out < 0) {
		close(in);
		return -errno;
	}
	rc = bx_file_copy(in, out, st->st_size);
	/* set-id bits are not copied: a copy is data, not a program to trust */
	if (rc == 0 && fchmod(out, st->st_mode & 01777) < 0)
		rc = -errno;
	if (rc == 0)
		set_mtime(out, "", st, AT_EMPTY_PATH);
	close(out);
	close(in);
	if (rc == 0 && st->st_nlink > 1) {
		size_t old = walk_push(&c->w, name);

		rc = links_add(&c->links, st->st_dev, st->st_ino, c->w.rel);
		walk_pop(&c->w, old);
	}
	return rc;
}

static int
copy_symlink(int sdfd, int ddfd, const char *name, const struct stat *st)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(sdfd, name, target, sizeof(target));

	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(target))
		return -ENAMETOOLONG;
	target[n] = '\0';
	if (symlinkat(target, ddfd, name) < 0)
		return -errno;
	set_mtime(ddfd, name, st, AT_SYMLINK_NOFOLLOW);
	return 0;
}

static void copy_contents(struct copy *c, int sdfd, int ddfd);

static int
copy_dir(struct copy *c, int sdfd, int ddfd, const char *name,
    const struct stat *st)
{
	int sfd, dfd;
	size_t old;

	sfd = open_subdir(&c->w, sdfd, name, false);
	if (sfd == -EXDEV) {
		note_mount(&c->w, name);
		return 0;
	}
	if (sfd < 0)
		return sfd;
	if (mkdirat(ddfd, name, 0700) < 0 ||
	    (dfd = openat(ddfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0) {
		int rc = -errno;

		close(sfd);
		return rc;
	}
	old = walk_push(&c->w, name);
	copy_contents(c, sfd, dfd);
	walk_pop(&c->w, old);
	/* after the contents, which would change the time and need rwx */
	fchmod(dfd, st->st_mode & 07777);
	set_mtime(dfd, "", st, AT_EMPTY_PATH);
	close(dfd);
	close(sfd);
	return 0;
}

static int
copy_entry(struct copy *c, int sdfd, int ddfd, const char *name)
{
	struct stat st;

	if (fstatat(sdfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		return copy_file(c, sdfd, ddfd, name, &st);
	case S_IFLNK:
		return copy_symlink(sdfd, ddfd, name, &st);
	case S_IFDIR:
		return copy_dir(c, sdfd, ddfd, name, &st);
	case S_IFIFO:
		if (mkfifoat(ddfd, name, st.st_mode & 0777) < 0)
			return -errno;
		set_mtime(ddfd, name, &st, AT_SYMLINK_NOFOLLOW);
		return 0;
	default:
		/* sockets and devices: not something to copy */
		if (c->w.rep)
			c->w.rep->skipped++;
		return 0;
	}
}

static void
copy_contents(struct copy *c, int sdfd, int ddfd)
{
	struct dirent *d;
	DIR *dir;
	int fd, rc;

	fd = openat(sdfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(dir = fdopendir(fd))) {
		note_error(&c->w, -errno);
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((d = readdir(dir))) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		rc = copy_entry(c, sdfd, ddfd, d->d_name);
		if (rc < 0)
			note_error(&c->w, rc);
	}
	closedir(dir);
}

int
bx_tree_copy(const char *from, const char *to, struct bx_tree_report *rep)
{
	struct copy c;
	struct stat st;
	int sfd, dfd, rc;

	if (rep)
		memset(rep, 0, sizeof(*rep));
	memset(&c, 0, sizeof(c));
	c.w.rep = rep;
	snprintf(c.w.top, sizeof(c.w.top), "%s", from);
	sfd = open(from, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return -errno;
	rc = bx_mount_id(sfd, "", &c.w.mnt);
	if (rc == 0 && fstat(sfd, &st) < 0)
		rc = -errno;
	if (rc == 0 && mkdir(to, 0700) < 0)
		rc = -errno;
	if (rc < 0) {
		close(sfd);
		return rc;
	}
	dfd = open(to, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		rc = -errno;
		close(sfd);
		return rc;
	}
	c.dst_top = dfd;
	copy_contents(&c, sfd, dfd);
	fchmod(dfd, st.st_mode & 07777);
	set_mtime(dfd, "", &st, AT_EMPTY_PATH);
	links_release(&c.links);
	close(dfd);
	close(sfd);
	return c.w.err;
}
