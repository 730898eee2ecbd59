/*
 * snapshot_unpack.c - an --init snapshot back into a run directory,
 * read as it streams from a file (pread: forked workers share the fd).
 *
 * This is where a crafted database attacks (issue 7: a symlink entry
 * followed by "lnk/file" wrote wherever the user could), so nothing in
 * the archive is trusted:
 *   - names: relative, no "..", "." or empty component, shorter than
 *     PATH_MAX (a leading "./" and a trailing "/" are allowed, as tar
 *     writes them);
 *   - an entry's directory is opened beneath the run directory with
 *     openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV)
 *     (bx_open_beneath), so no symlink is ever followed, from the
 *     archive or already on disk, and a directory must come before its
 *     entries;
 *   - entries are made with mkdirat, O_CREAT | O_EXCL, symlinkat and
 *     linkat, which never replace anything: a second entry of a name
 *     (a symlink over an extracted directory, a file over a file) is
 *     refused;
 *   - a hard link must name a regular file extracted before it, beneath
 *     the run directory, and carry no data of its own;
 *   - no setuid file and no setgid file (a setgid directory is fine),
 *     no devices, FIFOs or sockets;
 *   - data goes only inside the entry's size, and the total is bounded
 *     (BX_SNAPSHOT_DATA_MAX); the archive's framing (a size that runs
 *     past the end, a damaged header) is libarchive's to refuse;
 *   - directories get their modes and times last, innermost first,
 *     through an fd opened the same way (never a path that a later
 *     entry could have redirected).
 * These are the policies of libarchive's ARCHIVE_EXTRACT_SECURE_SYMLINKS,
 * _SECURE_NODOTDOT and _SECURE_NOABSOLUTEPATHS, and more; libarchive's
 * extractor (archive_write_disk) is not used, because it resolves each
 * name from the process's current directory and checks the components
 * with lstat before it opens them, where here the kernel checks during
 * the very lookup that makes the entry, relative to the run directory's
 * fd, and no chdir is needed.  libarchive reads: tar only (no other
 * format it knows is enabled), zstd, gzip or no compression.
 */
#include "explorer/explorer_int.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A directory whose mode and time are set once everything is in it. */
struct fixup {
	char		*name;
	mode_t		mode;
	struct timespec	mtime;
};

struct unpack {
	struct archive	*a;
	int		fd;		/* the archive, read with pread */
	off_t		off;
	char		*buf;		/* BX_SNAP_CHUNK */
	int		root;		/* the run directory */
	char		*err;
	size_t		errsz;
	/* the directory of the last entry, kept open for the next */
	char		pdir[PATH_MAX];
	int		pfd;
	struct fixup	*fix;
	size_t		nfix;
	size_t		capfix;
	uint64_t	entries;
	int64_t		data;
};

/* libarchive's failure as -errno (its errno, else EIO). */
static int
archive_rc(struct archive *a)
{
	int e = archive_errno(a);

	return e > 0 ? -e : -EIO;
}

static la_ssize_t
read_archive(struct archive *a, void *ctx, const void **buf)
{
	struct unpack *u = ctx;
	ssize_t n;

	do
		n = pread(u->fd, u->buf, BX_SNAP_CHUNK, u->off);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "cannot read the snapshot: %s",
		    strerror(errno));
		return -1;
	}
	u->off += n;
	*buf = u->buf;
	return n;
}

/*
 * The name the archive gives, made canonical into out ("./" in front
 * and "/" behind dropped): 1 to extract, 0 for the top directory
 * itself, -EPERM (message in u->err, about entry who, what prefixed)
 * for a name that could leave it.
 */
static int
clean_name(struct unpack *u, const char *raw, const char *who,
    const char *what, char *out, size_t size)
{
	const char *p = raw;
	size_t len;

	if (!raw)
		return bx_snap_fail(u->err, u->errsz, -EBADMSG, who, "%sno name",
		    what);
	if (*p == '/')
		return bx_snap_fail(u->err, u->errsz, -EPERM, who, "%sabsolute "
		    "name", what);
	while (p[0] == '.' && p[1] == '/')
		for (p += 2; *p == '/'; p++)
			;
	len = strlen(p);
	while (len && p[len - 1] == '/')
		len--;
	if (len == 0 || (len == 1 && p[0] == '.'))
		return 0;
	if (len >= size)
		return bx_snap_fail(u->err, u->errsz, -ENAMETOOLONG, who,
		    "%sname too long", what);
	memcpy(out, p, len);
	out[len] = '\0';
	for (p = out; *p; ) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.'))
			return bx_snap_fail(u->err, u->errsz, -EPERM, who,
			    "%sempty or '.' component in the name", what);
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return bx_snap_fail(u->err, u->errsz, -EPERM, who,
			    "%s'..' in the name", what);
		if (n > NAME_MAX)
			return bx_snap_fail(u->err, u->errsz, -ENAMETOOLONG, who,
			    "%sname too long", what);
		p += n + (p[n] == '/');
	}
	return 1;
}

/* Why the directory of an entry could not be opened, as a message. */
static int
parent_failed(struct unpack *u, const char *name, const char *dir, int rc)
{
	char shown[256];

	bx_snap_printable(shown, sizeof(shown), *dir ? dir : ".");
	switch (rc) {
	case -ELOOP:
		return bx_snap_fail(u->err, u->errsz, -EPERM, name, "its directory "
		    "'%s' is, or passes through, a symlink", shown);
	case -EXDEV:
		return bx_snap_fail(u->err, u->errsz, -EPERM, name, "its directory "
		    "'%s' leaves the run directory", shown);
	case -ENOENT:
		return bx_snap_fail(u->err, u->errsz, -EBADMSG, name, "its directory "
		    "'%s' is not in the snapshot before it", shown);
	case -ENOTDIR:
		return bx_snap_fail(u->err, u->errsz, -EBADMSG, name, "'%s' on its "
		    "path is not a directory", shown);
	default:
		return bx_snap_fail(u->err, u->errsz, rc, name, "cannot open its "
		    "directory '%s': %s", shown, strerror(-rc));
	}
}

/*
 * Open the directory of the entry at path ("a/b" of "a/b/c"), which
 * this cuts there; *base is the last part.  name is for messages.
 */
static int
open_dir_of(struct unpack *u, const char *name, char *path, const char **base)
{
	char *slash = strrchr(path, '/');
	int fd;

	if (slash)
		*slash = '\0';
	*base = slash ? slash + 1 : path;
	fd = bx_open_beneath(u->root, slash ? path : "", O_PATH | O_DIRECTORY);
	return fd < 0 ? parent_failed(u, name, slash ? path : "", fd) : fd;
}

/* The same for the entry being made, the last directory kept open. */
static int
entry_dir(struct unpack *u, const char *name, char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	int fd;

	if (u->pfd >= 0 && strlen(u->pdir) == dlen &&
	    memcmp(u->pdir, path, dlen) == 0) {
		*base = slash ? slash + 1 : path;
		return u->pfd;
	}
	fd = open_dir_of(u, name, path, base);
	if (fd < 0)
		return fd;
	if (u->pfd >= 0)
		close(u->pfd);
	u->pfd = fd;
	memcpy(u->pdir, path, dlen);	/* shorter than PATH_MAX: checked */
	u->pdir[dlen] = '\0';
	return fd;
}

static int
made(struct unpack *u, const char *name, int rc)
{
	if (rc == -EEXIST)
		return bx_snap_fail(u->err, u->errsz, -EPERM, name, "a second entry of "
		    "this name (an archive must not replace what it made)");
	if (rc < 0)
		return bx_snap_fail(u->err, u->errsz, rc, name, "%s", strerror(-rc));
	return 0;
}

static int
add_fixup(struct unpack *u, const char *name, mode_t mode,
    const struct timespec *mtime)
{
	if (u->nfix == u->capfix) {
		size_t cap = u->capfix ? 2 * u->capfix : 64;
		struct fixup *n = reallocarray(u->fix, cap, sizeof(*n));

		if (!n)
			return bx_snap_fail(u->err, u->errsz, -ENOMEM, NULL, "out of "
			    "memory");
		u->fix = n;
		u->capfix = cap;
	}
	u->fix[u->nfix].name = strdup(name);
	if (!u->fix[u->nfix].name)
		return bx_snap_fail(u->err, u->errsz, -ENOMEM, NULL, "out of memory");
	u->fix[u->nfix].mode = mode;
	u->fix[u->nfix].mtime = *mtime;
	u->nfix++;
	return 0;
}

/* The file's data, where the archive says, inside its size. */
static int
write_data(struct unpack *u, struct archive_entry *e, const char *name, int fd)
{
	int64_t size = archive_entry_size(e), end = 0;
	const void *buf;
	size_t n;
	la_int64_t off;
	int r;

	while ((r = archive_read_data_block(u->a, &buf, &n, &off)) ==
	    ARCHIVE_OK) {
		if (off < 0 || (int64_t)n > size || off > size - (int64_t)n)
			return bx_snap_fail(u->err, u->errsz, -EBADMSG, name, "data "
			    "beyond the size of the entry");
		if (off + (int64_t)n > end)
			end = off + (int64_t)n;
		u->data += (int64_t)n;
		if (u->data > BX_SNAPSHOT_DATA_MAX)
			return bx_snap_fail(u->err, u->errsz, -EFBIG, NULL, "more than "
			    "%" PRId64 " bytes of file data",
			    (int64_t)BX_SNAPSHOT_DATA_MAX);
		if (bx_write_full(fd, buf, n, (off_t)off) < 0)
			return bx_snap_fail(u->err, u->errsz, -errno, name, "%s",
			    strerror(errno));
	}
	if (r != ARCHIVE_EOF)
		return bx_snap_fail(u->err, u->errsz, r == ARCHIVE_FATAL ? -EBADMSG :
		    archive_rc(u->a), name, "%s", archive_error_string(u->a));
	/* holes at the end, and files whose data is all hole */
	if (end < size && ftruncate(fd, (off_t)size) < 0)
		return bx_snap_fail(u->err, u->errsz, -errno, name, "%s",
		    strerror(errno));
	return 0;
}

static int
make_file(struct unpack *u, struct archive_entry *e, const char *name,
    int dfd, const char *base)
{
	struct timespec ts[2] = { { 0, UTIME_OMIT },
	    { archive_entry_mtime(e), archive_entry_mtime_nsec(e) } };
	int64_t size = archive_entry_size(e);
	int fd, rc;

	if (size < 0 || size > BX_SNAPSHOT_FILE_MAX)
		return bx_snap_fail(u->err, u->errsz, -EBADMSG, name, "size %" PRId64
		    " out of range", size);
	fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0)
		return made(u, name, -errno);
	rc = write_data(u, e, name, fd);
	/* fchmod sets the mode exactly, whatever the umask */
	if (rc == 0 && (fchmod(fd, archive_entry_perm(e)) < 0 ||
	    futimens(fd, ts) < 0))
		rc = made(u, name, -errno);
	close(fd);
	return rc;
}

static int
make_link(struct unpack *u, struct archive_entry *e, const char *name,
    int dfd, const char *base)
{
	char target[PATH_MAX];
	const char *tbase;
	struct stat st;
	int tfd, rc;

	if (archive_entry_size(e) != 0)
		return bx_snap_fail(u->err, u->errsz, -EPERM, name, "a hard link with "
		    "data of its own");
	rc = clean_name(u, archive_entry_hardlink(e), name, "hard link target: ",
	    target, sizeof(target));
	if (rc == 0)
		return bx_snap_fail(u->err, u->errsz, -EPERM, name, "a hard link to the "
		    "top directory");
	if (rc < 0)
		return rc;
	tfd = open_dir_of(u, name, target, &tbase);
	if (tfd < 0)
		return tfd;
	rc = 0;
	if (fstatat(tfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode))
		rc = bx_snap_fail(u->err, u->errsz, -EPERM, name, "a hard link to "
		    "something that is not a file extracted before it");
	else if (linkat(tfd, tbase, dfd, base, 0) < 0)
		rc = made(u, name, -errno);
	close(tfd);
	return rc;
}

static int
make_symlink(struct unpack *u, struct archive_entry *e, const char *name,
    int dfd, const char *base)
{
	struct timespec ts[2] = { { 0, UTIME_OMIT },
	    { archive_entry_mtime(e), archive_entry_mtime_nsec(e) } };
	const char *target = archive_entry_symlink(e);

	/* where it points is the program's business: never followed here */
	if (!target || !*target || strlen(target) >= PATH_MAX)
		return bx_snap_fail(u->err, u->errsz, -EBADMSG, name, "a symlink "
		    "without a valid target");
	if (symlinkat(target, dfd, base) < 0)
		return made(u, name, -errno);
	utimensat(dfd, base, ts, AT_SYMLINK_NOFOLLOW);
	return 0;
}

static int
make_dir(struct unpack *u, struct archive_entry *e, const char *name,
    int dfd, const char *base)
{
	struct timespec mtime = { archive_entry_mtime(e),
	    archive_entry_mtime_nsec(e) };

	/* rwx for us while it fills; its own mode once all is in */
	if (mkdirat(dfd, base, 0700) < 0)
		return made(u, name, -errno);
	return add_fixup(u, name, archive_entry_perm(e), &mtime);
}

static int
unpack_entry(struct unpack *u, struct archive_entry *e)
{
	const char *raw = archive_entry_pathname(e);
	mode_t type = archive_entry_filetype(e);
	mode_t perm = archive_entry_perm(e);
	char name[PATH_MAX], path[PATH_MAX];
	const char *base;
	int dfd, rc;

	rc = clean_name(u, raw, raw, "", name, sizeof(name));
	if (rc <= 0)
		return rc;
	if (++u->entries > BX_SNAPSHOT_ENTRIES_MAX)
		return bx_snap_fail(u->err, u->errsz, -EFBIG, NULL, "more than %d "
		    "entries", BX_SNAPSHOT_ENTRIES_MAX);
	if ((perm & S_ISUID) || ((perm & S_ISGID) && type != AE_IFDIR))
		return bx_snap_fail(u->err, u->errsz, -EPERM, name, "setuid or setgid");
	memcpy(path, name, strlen(name) + 1);
	dfd = entry_dir(u, name, path, &base);
	if (dfd < 0)
		return dfd;
	if (archive_entry_hardlink(e))
		return make_link(u, e, name, dfd, base);
	switch (type) {
	case AE_IFREG:
		return make_file(u, e, name, dfd, base);
	case AE_IFDIR:
		return make_dir(u, e, name, dfd, base);
	case AE_IFLNK:
		return make_symlink(u, e, name, dfd, base);
	default:
		return bx_snap_fail(u->err, u->errsz, -EPERM, name, "neither a file, "
		    "a directory nor a symlink");
	}
}

/* Directory modes and times, innermost first (a parent may be 0500). */
static int
apply_fixups(struct unpack *u)
{
	int rc = 0;

	while (u->nfix) {
		struct fixup *f = &u->fix[--u->nfix];
		struct timespec ts[2] = { { 0, UTIME_OMIT }, f->mtime };
		int fd = bx_open_beneath(u->root, f->name, O_RDONLY | O_DIRECTORY);
		int err = fd < 0 ? fd : 0;

		if (fd >= 0 && (fchmod(fd, f->mode) < 0 || futimens(fd, ts) < 0))
			err = -errno;
		if (err && rc == 0)
			rc = bx_snap_fail(u->err, u->errsz, err, f->name, "cannot set its "
			    "mode and time: %s", strerror(-err));
		if (fd >= 0)
			close(fd);
		free(f->name);
	}
	return rc;
}

static void
unpack_release(struct unpack *u)
{
	while (u->nfix)
		free(u->fix[--u->nfix].name);
	free(u->fix);
	free(u->buf);
	if (u->pfd >= 0)
		close(u->pfd);
	if (u->root >= 0)
		close(u->root);
	if (u->a)
		archive_read_free(u->a);
}

static int
unpack_all(struct unpack *u)
{
	struct archive_entry *e;
	int r, rc = 0;

	while (rc == 0) {
		r = archive_read_next_header(u->a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return bx_snap_fail(u->err, u->errsz, -EBADMSG, NULL, "damaged "
			    "archive: %s", archive_error_string(u->a));
		rc = unpack_entry(u, e);
	}
	return rc == 0 ? apply_fixups(u) : rc;
}

int
bx_snapshot_unpack(int fd, const char *dir, char *err, size_t errsz)
{
	struct unpack u = { .fd = fd, .root = -1, .pfd = -1, .err = err,
	    .errsz = errsz };
	int rc;

	u.root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (u.root < 0)
		return bx_snap_fail(err, errsz, -errno, NULL, "%s", strerror(errno));
	u.buf = malloc(BX_SNAP_CHUNK);
	u.a = archive_read_new();
	if (!u.buf || !u.a) {
		unpack_release(&u);
		return bx_snap_fail(err, errsz, -ENOMEM, NULL, "out of memory");
	}
	archive_read_support_format_tar(u.a);
	archive_read_support_filter_zstd(u.a);
	archive_read_support_filter_gzip(u.a);
	if (archive_read_open(u.a, &u, NULL, read_archive, NULL) != ARCHIVE_OK)
		rc = bx_snap_fail(err, errsz, -EBADMSG, NULL, "not a snapshot: %s",
		    archive_error_string(u.a));
	else
		rc = unpack_all(&u);
	unpack_release(&u);
	return rc;
}

/*
 * The tar inside a compressed snapshot, into a new anonymous file: done
 * once per explore (bx_snapshot_load), so that each run only reads tar
 * and writes files.  Bounded: a small blob that inflates without end is
 * refused.
 */
#define EXPANDED_MAX	(BX_SNAPSHOT_DATA_MAX + (int64_t)BX_SNAPSHOT_ENTRIES_MAX * 4096)

static int
copy_out(struct unpack *u, int out)
{
	struct archive_entry *e;
	int64_t total = 0;
	const void *buf;
	size_t n;
	la_int64_t off;
	int r;

	r = archive_read_next_header(u->a, &e);
	if (r != ARCHIVE_OK)
		return bx_snap_fail(u->err, u->errsz, -EBADMSG, NULL, "not a "
		    "snapshot: %s", archive_error_string(u->a));
	while ((r = archive_read_data_block(u->a, &buf, &n, &off)) ==
	    ARCHIVE_OK) {
		total += (int64_t)n;
		if (total > EXPANDED_MAX)
			return bx_snap_fail(u->err, u->errsz, -EFBIG, NULL, "it "
			    "inflates to more than %lld bytes",
			    (long long)EXPANDED_MAX);
		if (bx_write_full(out, buf, n, (off_t)off) < 0)
			return bx_snap_fail(u->err, u->errsz, -errno, NULL,
			    "cannot write a temporary file: %s",
			    strerror(errno));
	}
	if (r != ARCHIVE_EOF)
		return bx_snap_fail(u->err, u->errsz, -EBADMSG, NULL, "damaged "
		    "archive: %s", archive_error_string(u->a));
	return 0;
}

int
bx_snapshot_expand(int fd, int *out, char *err, size_t errsz)
{
	struct unpack u = { .fd = fd, .root = -1, .pfd = -1, .err = err,
	    .errsz = errsz };
	int rc;

	*out = bx_tmpfile();
	if (*out < 0)
		return bx_snap_fail(err, errsz, *out, NULL, "cannot make a "
		    "temporary file: %s", strerror(-*out));
	u.buf = malloc(BX_SNAP_CHUNK);
	u.a = archive_read_new();
	if (!u.buf || !u.a) {
		rc = bx_snap_fail(err, errsz, -ENOMEM, NULL, "out of memory");
		goto out_release;
	}
	/* the decompressed stream as one "file": raw, whatever is inside */
	archive_read_support_format_raw(u.a);
	archive_read_support_filter_zstd(u.a);
	archive_read_support_filter_gzip(u.a);
	rc = archive_read_open(u.a, &u, NULL, read_archive, NULL) != ARCHIVE_OK ?
	    bx_snap_fail(err, errsz, -EBADMSG, NULL, "not a snapshot: %s",
	    archive_error_string(u.a)) : copy_out(&u, *out);
out_release:
	unpack_release(&u);
	if (rc < 0) {
		close(*out);
		*out = -1;
	}
	return rc;
}
