/*
 * journal_build_copy.c - the first step of a crash state (journal_build.c):
 * src copied into dest as it is, a reflink or the data ranges of each
 * regular file (holes kept), hard links kept as links, symlinks copied,
 * never followed; every entry noted in the tree by src's inodes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recorder/journal_int.h"
#include "recorder/recorder_int.h"

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

int
build_copy_file(int in, int destdir, const char *name, mode_t mode,
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

static int
copy_entry(struct copier *c, int srcdir, int destdir, const char *rel,
    uint64_t pino, const char *name);

int
build_copy_dir(struct copier *c, int srcdir, int destdir, const char *rel,
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
		    build_copy_dir(c, sub, dsub, path, (uint64_t)st.st_ino);
		if (sub >= 0)
			close(sub);
		if (dsub >= 0)
			close(dsub);
		if (rc == 0)
			rc = tree_mode_add(c->t, (uint64_t)st.st_ino, st.st_mode & 07777);
	} else if (type == JT_REG) {
		if ((rc = copy_hardlink(c, &st, destdir, name, path, &linked)) < 0)
			return rc;
		if (!linked) {
			in = openat(srcdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (in < 0)
				return -errno;
			rc = build_copy_file(in, destdir, name, st.st_mode, c->t->buf);
			close(in);
		}
	} else if (type == JT_LINK) {
		rc = copy_link(srcdir, name, destdir, name);
	} else if (S_ISFIFO(st.st_mode)) {
		rc = mkfifoat(destdir, name, st.st_mode & 07777) < 0 ? -errno : 0;
	} else {
		return 0;		/* sockets, devices: not copied */
	}
	return rc < 0 ? rc : tree_node_add(c->t, pino, name, (uint64_t)st.st_ino, type);
}
