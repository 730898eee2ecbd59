/*
 * snapshot.c - the --init directory as one byte string, so that a
 * database is self-contained: explore recreates the starting directory
 * from the database, not from the user's directory as it is now.
 *
 * Format (all integers little-endian as on the machine that wrote it;
 * x86-64 and aarch64 agree):
 *   "BADIOSNAP1\n"
 *   entries: u8 type ('d' dir, 'f' file, 'l' symlink), u32 mode,
 *            i64 mtime_ns, u32 name length, name (relative, no NUL),
 *            u64 data length, data (file contents or link target)
 * Entries come in sorted pre-order, so a directory precedes its
 * contents.  Unpack checks every length and refuses names that would
 * leave the directory ("..", absolute paths).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "explorer/explorer.h"

#define SNAP_MAGIC	"BADIOSNAP1\n"
#define SNAP_MAGIC_LEN	(sizeof(SNAP_MAGIC) - 1)

struct buf {
	unsigned char	*p;
	size_t		len;
	size_t		cap;
};

static int
buf_put(struct buf *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		unsigned char *p;

		while (cap < b->len + len)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	return 0;
}

static int
put_header(struct buf *b, char type, const struct stat *st, const char *name,
    uint64_t datalen)
{
	uint32_t mode = st->st_mode & 07777, nlen = (uint32_t)strlen(name);
	int64_t mtime = (int64_t)st->st_mtim.tv_sec * 1000000000 +
	    st->st_mtim.tv_nsec;
	int rc = buf_put(b, &type, 1);

	if (rc == 0)
		rc = buf_put(b, &mode, sizeof(mode));
	if (rc == 0)
		rc = buf_put(b, &mtime, sizeof(mtime));
	if (rc == 0)
		rc = buf_put(b, &nlen, sizeof(nlen));
	if (rc == 0)
		rc = buf_put(b, name, nlen);
	if (rc == 0)
		rc = buf_put(b, &datalen, sizeof(datalen));
	return rc;
}

static int
pack_file(struct buf *b, int dfd, const char *name, const char *rel,
    const struct stat *st)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t start;
	int rc;

	if (fd < 0)
		return -errno;
	rc = put_header(b, 'f', st, rel, (uint64_t)st->st_size);
	start = b->len;
	while (rc == 0) {
		char chunk[65536];
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0)
			rc = -errno;
		if (n <= 0)
			break;
		rc = buf_put(b, chunk, (size_t)n);
	}
	close(fd);
	/* the file changed size while we read it */
	if (rc == 0 && b->len - start != (size_t)st->st_size)
		rc = -EAGAIN;
	return rc;
}

static int pack_dir(struct buf *b, int dfd, const char *rel);

static int
pack_entry(struct buf *b, int dfd, const char *name, const char *rel)
{
	struct stat st;
	char target[PATH_MAX];
	ssize_t n;
	int sub, rc;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISREG(st.st_mode))
		return pack_file(b, dfd, name, rel, &st);
	if (S_ISLNK(st.st_mode)) {
		n = readlinkat(dfd, name, target, sizeof(target));
		if (n < 0)
			return -errno;
		rc = put_header(b, 'l', &st, rel, (uint64_t)n);
		return rc ? rc : buf_put(b, target, (size_t)n);
	}
	if (!S_ISDIR(st.st_mode))
		return -ENOTSUP;	/* devices, fifos, sockets */
	rc = put_header(b, 'd', &st, rel, 0);
	if (rc)
		return rc;
	sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (sub < 0)
		return -errno;
	rc = pack_dir(b, sub, rel);
	close(sub);
	return rc;
}

static int
skip_dot(const struct dirent *d)
{
	return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

/* Entries of dfd in sorted order, each as rel/name. */
static int
pack_dir(struct buf *b, int dfd, const char *rel)
{
	struct dirent **ents;
	int n, rc = 0;

	n = scandirat(dfd, ".", &ents, skip_dot, alphasort);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		char *path = NULL;

		if (rc == 0 && asprintf(&path, "%s%s%s", rel, *rel ? "/" : "",
		    ents[i]->d_name) < 0)
			rc = -ENOMEM;
		if (rc == 0)
			rc = pack_entry(b, dfd, ents[i]->d_name, path);
		free(path);
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int
bx_snapshot_pack(const char *dir, void **out, size_t *len)
{
	struct buf b = { 0 };
	int dfd, rc;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	rc = buf_put(&b, SNAP_MAGIC, SNAP_MAGIC_LEN);
	if (rc == 0)
		rc = pack_dir(&b, dfd, "");
	close(dfd);
	if (rc < 0) {
		free(b.p);
		return rc;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}

struct reader {
	const unsigned char *p;
	size_t left;
};

static int
get(struct reader *r, void *dst, size_t len)
{
	if (len > r->left)
		return -EBADMSG;
	memcpy(dst, r->p, len);
	r->p += len;
	r->left -= len;
	return 0;
}

struct entry {
	char			type;
	uint32_t		mode;
	int64_t			mtime;
	char			name[PATH_MAX];
	const unsigned char	*data;
	size_t			len;
};

/* The next entry: 1, or 0 at the end, or -EBADMSG if malformed. */
static int
next_entry(struct reader *r, struct entry *e)
{
	uint32_t nlen;
	uint64_t dlen;

	if (r->left == 0)
		return 0;
	if (get(r, &e->type, 1) || get(r, &e->mode, 4) || get(r, &e->mtime, 8) ||
	    get(r, &nlen, 4) || nlen >= sizeof(e->name) ||
	    get(r, e->name, nlen))
		return -EBADMSG;
	e->name[nlen] = '\0';
	if (get(r, &dlen, 8) || dlen > r->left)
		return -EBADMSG;
	e->data = r->p;
	e->len = (size_t)dlen;
	r->p += dlen;
	r->left -= dlen;
	return 1;
}

static bool
name_is_safe(const char *name)
{
	const char *s = name;

	if (!*name || *name == '/')
		return false;
	while (*s) {
		size_t len = strcspn(s, "/");

		if ((len == 2 && s[0] == '.' && s[1] == '.') || len == 0)
			return false;
		s += len + (s[len] == '/');
	}
	return true;
}

static int
write_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
make_entry(int dfd, char type, uint32_t mode, const char *name,
    const unsigned char *data, size_t len)
{
	char *target;
	int fd, rc;

	switch (type) {
	case 'd':
		/* owner keeps rwx while we fill it; real mode set at the end */
		return mkdirat(dfd, name, 0700) < 0 ? -errno : 0;
	case 'l':
		target = strndup((const char *)data, len);
		if (!target)
			return -ENOMEM;
		rc = symlinkat(target, dfd, name) < 0 ? -errno : 0;
		free(target);
		return rc;
	case 'f':
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
		    O_NOFOLLOW, mode & 07777);
		if (fd < 0)
			return -errno;
		rc = write_all(fd, data, len);
		if (rc == 0 && fchmod(fd, mode & 07777) < 0)
			rc = -errno;
		close(fd);
		return rc;
	default:
		return -EBADMSG;
	}
}

static void
set_times(int dfd, const char *name, int64_t mtime_ns)
{
	struct timespec ts[2] = {
		{ 0, UTIME_OMIT },
		{ mtime_ns / 1000000000, mtime_ns % 1000000000 },
	};

	utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW);
}

/*
 * Second pass, once every entry exists: directory modes (a read-only
 * directory could not have been filled) and modification times (setting
 * a time does not touch the parent directory's, so order does not matter).
 */
static int
finish_dirs(int dfd, const void *buf, size_t len)
{
	struct reader r = { (const unsigned char *)buf + SNAP_MAGIC_LEN,
			    len - SNAP_MAGIC_LEN };

	struct entry e;
	int rc;

	while ((rc = next_entry(&r, &e)) > 0) {
		if (e.type == 'd')
			fchmodat(dfd, e.name, e.mode & 07777, 0);
		set_times(dfd, e.name, e.mtime);
	}
	return rc;
}

int
bx_snapshot_unpack(const void *buf, size_t len, const char *dir)
{
	struct reader r = { buf, len };
	char magic[SNAP_MAGIC_LEN];
	struct entry e;
	int dfd, rc = 0;

	if (get(&r, magic, SNAP_MAGIC_LEN) ||
	    memcmp(magic, SNAP_MAGIC, SNAP_MAGIC_LEN) != 0)
		return -EBADMSG;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	while ((rc = next_entry(&r, &e)) > 0) {
		rc = name_is_safe(e.name) ? make_entry(dfd, e.type, e.mode, e.name,
		    e.data, e.len) : -EBADMSG;
		if (rc < 0)
			break;
	}
	if (rc == 0)
		rc = finish_dirs(dfd, buf, len);
	close(dfd);
	return rc;
}
