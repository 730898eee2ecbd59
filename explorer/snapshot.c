/*
 * snapshot.c - the --init directory as an archive kept in the database,
 * so that a database is self-contained: every run starts from the
 * directory as it was at record time, not as it is now.  This file
 * writes archives; snapshot_unpack.c reads them back, trusting nothing
 * in them; snapshot_v1.c converts the format of older databases.
 *
 * The archive is a pax tar (POSIX.1-2001) compressed with zstd, made
 * and read with libarchive, so that `tar -tvf` lists it too
 * (docs/schema.md).  It holds regular files (holes kept as holes, hard
 * links as tar hard links), directories and symlinks, with their modes
 * and modification times to the nanosecond.  Owners are for `tar -tv`
 * only: everything unpacks as the user running badio.  Packing reads
 * the tree through directory fds in name order (the same tree makes the
 * same archive) and streams into a file; neither the archive nor a file
 * is ever held whole in memory.  What unpacking would refuse (set-id
 * files, FIFOs, devices, sockets, names too long, too much data) is
 * refused here already, with the name.
 */
#include "explorer/explorer_int.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- errors --- */

/* A name fit to print: control bytes shown as '?'. */
void
bx_snap_printable(char *out, size_t size, const char *name)
{
	size_t i;

	snprintf(out, size, "%s", name ? name : "(none)");
	for (i = 0; out[i]; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = '?';
}

int
bx_snap_fail(char *err, size_t errsz, int rc, const char *name,
    const char *fmt, ...)
{
	char shown[256];
	size_t n = 0;
	va_list ap;

	if (!err || !errsz)
		return rc;
	if (name) {
		bx_snap_printable(shown, sizeof(shown), name);
		n = (size_t)snprintf(err, errsz, "'%s': ", shown);
		if (n >= errsz)
			return rc;
	}
	va_start(ap, fmt);
	vsnprintf(err + n, errsz - n, fmt, ap);
	va_end(ap);
	return rc;
}

/* libarchive's failure as -errno (its errno, else EIO). */
static int
archive_rc(struct archive *a)
{
	int e = archive_errno(a);

	return e > 0 ? -e : -EIO;
}

/* --- writing (record, and the conversion of old snapshots) --- */

struct bx_snap_writer {
	struct archive	*a;
	struct archive_entry_linkresolver *links;
	char		*err;
	size_t		errsz;
	uint64_t	entries;
	int64_t		data;		/* bytes of file data */
};

int
bx_snap_writer_open(int fd, struct bx_snap_writer **wp, char *err,
    size_t errsz)
{
	struct bx_snap_writer *w = calloc(1, sizeof(*w));

	*wp = NULL;
	if (!w)
		return bx_snap_fail(err, errsz, -ENOMEM, NULL, "out of memory");
	w->err = err;
	w->errsz = errsz;
	w->a = archive_write_new();
	w->links = archive_entry_linkresolver_new();
	if (!w->a || !w->links) {
		bx_snap_writer_abort(w);
		return bx_snap_fail(err, errsz, -ENOMEM, NULL, "out of memory");
	}
	if (archive_write_set_format_pax(w->a) != ARCHIVE_OK ||
	    archive_write_add_filter_zstd(w->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(w->a, BX_SNAP_CHUNK) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(w->a, fd) != ARCHIVE_OK) {
		int rc = bx_snap_fail(err, errsz, archive_rc(w->a), NULL, "%s",
		    archive_error_string(w->a));

		bx_snap_writer_abort(w);
		return rc;
	}
	archive_entry_linkresolver_set_strategy(w->links, archive_format(w->a));
	*wp = w;
	return 0;
}

void
bx_snap_writer_abort(struct bx_snap_writer *w)
{
	if (!w)
		return;
	if (w->a)
		archive_write_free(w->a);
	if (w->links)
		archive_entry_linkresolver_free(w->links);
	free(w);
}

int
bx_snap_writer_close(struct bx_snap_writer *w, int64_t *tar_size)
{
	int rc = 0;

	if (archive_write_close(w->a) != ARCHIVE_OK)
		rc = bx_snap_fail(w->err, w->errsz, archive_rc(w->a), NULL, "%s",
		    archive_error_string(w->a));
	if (tar_size)
		*tar_size = archive_filter_bytes(w->a, 0);
	bx_snap_writer_abort(w);
	return rc;
}

/* A name and mode the unpacker would refuse are refused here already. */
static int
check_member(struct bx_snap_writer *w, const char *name, mode_t mode,
    int64_t size)
{
	if (strlen(name) >= PATH_MAX)
		return bx_snap_fail(w->err, w->errsz, -ENAMETOOLONG, name,
		    "name too long");
	if (!S_ISREG(mode) && !S_ISDIR(mode) && !S_ISLNK(mode))
		return bx_snap_fail(w->err, w->errsz, -ENOTSUP, name, "is a %s: a "
		    "snapshot holds files, directories and symlinks only",
		    S_ISFIFO(mode) ? "FIFO" : S_ISSOCK(mode) ? "socket" :
		    "device");
	if ((mode & S_ISUID) || (S_ISREG(mode) && (mode & S_ISGID)))
		return bx_snap_fail(w->err, w->errsz, -EPERM, name, "is setuid or "
		    "setgid: badio does not store such files (chmod u-s,g-s)");
	if (++w->entries > BX_SNAPSHOT_ENTRIES_MAX)
		return bx_snap_fail(w->err, w->errsz, -EFBIG, NULL, "more than %d "
		    "entries", BX_SNAPSHOT_ENTRIES_MAX);
	if (size > BX_SNAPSHOT_FILE_MAX)
		return bx_snap_fail(w->err, w->errsz, -EFBIG, name, "larger than "
		    "%" PRId64 " bytes", (int64_t)BX_SNAPSHOT_FILE_MAX);
	return 0;
}

/*
 * Write e's header, after the link resolver saw it: a later name of a
 * file with several links becomes a hard link entry without data
 * (*data set false).
 */
static int
put_header(struct bx_snap_writer *w, struct archive_entry **e, bool *data)
{
	struct archive_entry *spare = NULL;
	int r;

	archive_entry_linkify(w->links, e, &spare);
	if (spare)	/* only the cpio strategies give one */
		archive_entry_free(spare);
	*data = archive_entry_hardlink(*e) == NULL &&
	    archive_entry_filetype(*e) == AE_IFREG;
	r = archive_write_header(w->a, *e);
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
		return bx_snap_fail(w->err, w->errsz, archive_rc(w->a),
		    archive_entry_pathname(*e), "%s",
		    archive_error_string(w->a));
	return 0;
}

static int
put_data(struct bx_snap_writer *w, const char *name, const void *p, size_t n)
{
	if (n && archive_write_data(w->a, p, n) != (la_ssize_t)n)
		return bx_snap_fail(w->err, w->errsz, archive_rc(w->a), name, "%s",
		    archive_error_string(w->a));
	return 0;
}

static struct archive_entry *
new_entry(const char *name, const struct stat *st)
{
	struct archive_entry *e = archive_entry_new();

	if (!e)
		return NULL;
	archive_entry_copy_pathname(e, name);
	archive_entry_set_mode(e, st->st_mode);
	archive_entry_set_uid(e, st->st_uid);
	archive_entry_set_gid(e, st->st_gid);
	archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	archive_entry_set_nlink(e, (unsigned)st->st_nlink);
	archive_entry_set_dev(e, st->st_dev);
	archive_entry_set_ino64(e, (la_int64_t)st->st_ino);
	archive_entry_set_size(e, S_ISREG(st->st_mode) ? st->st_size : 0);
	return e;
}

int
bx_snap_writer_add(struct bx_snap_writer *w, const char *name, mode_t mode,
    int64_t mtime_ns, int64_t size, const char *target)
{
	struct stat st = {
		.st_mode = mode,
		.st_nlink = 1,
		.st_size = S_ISREG(mode) ? (off_t)size : 0,
		.st_mtim = { mtime_ns / 1000000000, mtime_ns % 1000000000 },
		.st_uid = getuid(),
		.st_gid = getgid(),
	};
	struct archive_entry *e;
	bool with_data;
	int rc;

	if (st.st_mtim.tv_nsec < 0) {
		st.st_mtim.tv_sec--;
		st.st_mtim.tv_nsec += 1000000000;
	}
	rc = check_member(w, name, mode, st.st_size);
	if (rc < 0)
		return rc;
	if (S_ISREG(mode) && (w->data += size) > BX_SNAPSHOT_DATA_MAX)
		return bx_snap_fail(w->err, w->errsz, -EFBIG, NULL, "more than %" PRId64
		    " bytes of file data", (int64_t)BX_SNAPSHOT_DATA_MAX);
	if (S_ISLNK(mode) && (!target || !*target))
		return bx_snap_fail(w->err, w->errsz, -EINVAL, name, "a symlink "
		    "without a target");
	e = new_entry(name, &st);
	if (e && S_ISLNK(mode))
		archive_entry_copy_symlink(e, target);
	if (!e || (S_ISLNK(mode) && !archive_entry_symlink(e))) {
		archive_entry_free(e);
		return bx_snap_fail(w->err, w->errsz, -ENOMEM, NULL, "out of memory");
	}
	rc = put_header(w, &e, &with_data);
	archive_entry_free(e);
	return rc;
}

int
bx_snap_writer_data(struct bx_snap_writer *w, const char *name,
    const void *p, size_t n)
{
	return put_data(w, name, p, n);
}

/* --- packing a directory --- */

struct pack {
	struct bx_snap_writer *w;
	char		*buf;		/* BX_SNAP_CHUNK */
};

/*
 * The data extents of a file with holes, into the entry; false (and no
 * map) where the file system cannot tell them (no SEEK_DATA).
 */
static bool
add_sparse_map(struct archive_entry *e, int fd, off_t size)
{
	off_t pos = 0;

	while (pos < size) {
		off_t data = lseek(fd, pos, SEEK_DATA);
		off_t hole;

		if (data < 0 && errno == ENXIO)
			break;			/* a hole to the end */
		if (data < 0) {
			archive_entry_sparse_clear(e);
			return false;
		}
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0 || hole > size)
			hole = size;
		archive_entry_sparse_add_entry(e, data, hole - data);
		pos = hole;
	}
	if (archive_entry_sparse_count(e) == 0)
		archive_entry_sparse_add_entry(e, size, 0);	/* all hole */
	return true;
}

/*
 * A file's contents, in order: the pax writer takes the whole logical
 * file and drops what falls in the holes of the sparse map, so holes
 * are passed as zeros (from a static page, never read from disk).
 */
static int
pack_data(struct pack *pk, int fd, const char *name, off_t size, bool sparse)
{
	static const char zeros[BX_SNAP_CHUNK];
	off_t pos = 0;
	int rc = 0;

	while (rc == 0 && pos < size) {
		off_t data = sparse ? lseek(fd, pos, SEEK_DATA) : pos;
		off_t end;

		if (data < 0)
			data = errno == ENXIO ? size : pos;	/* ENXIO: hole */
		for (; rc == 0 && pos < data; ) {
			size_t n = data - pos < BX_SNAP_CHUNK ? (size_t)(data - pos) :
			    BX_SNAP_CHUNK;

			rc = put_data(pk->w, name, zeros, n);
			pos += (off_t)n;
		}
		end = sparse ? lseek(fd, pos, SEEK_HOLE) : size;
		if (end < 0 || end > size)
			end = size;
		while (rc == 0 && pos < end) {
			size_t want = end - pos < BX_SNAP_CHUNK ? (size_t)(end - pos) :
			    BX_SNAP_CHUNK;
			ssize_t n = pread(fd, pk->buf, want, pos);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return n < 0 ? bx_snap_fail(pk->w->err, pk->w->errsz,
				    -errno, name, "%s", strerror(errno)) :
				    bx_snap_fail(pk->w->err, pk->w->errsz, -EAGAIN, name,
				    "changed while it was read");
			rc = put_data(pk->w, name, pk->buf, (size_t)n);
			pos += n;
		}
	}
	return rc;
}

static int
pack_file(struct pack *pk, int dfd, const char *name, const char *rel)
{
	struct archive_entry *e;
	struct stat st;
	bool with_data, sparse;
	int fd, rc;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return bx_snap_fail(pk->w->err, pk->w->errsz, -errno, rel, "%s",
		    strerror(errno));
	if (fstat(fd, &st) < 0) {
		rc = bx_snap_fail(pk->w->err, pk->w->errsz, -errno, rel, "%s",
		    strerror(errno));
		goto out_close;
	}
	rc = check_member(pk->w, rel, st.st_mode, st.st_size);
	if (rc < 0)
		goto out_close;
	e = new_entry(rel, &st);
	if (!e) {
		rc = bx_snap_fail(pk->w->err, pk->w->errsz, -ENOMEM, NULL, "out of memory");
		goto out_close;
	}
	sparse = (int64_t)st.st_blocks * 512 < (int64_t)st.st_size &&
	    add_sparse_map(e, fd, st.st_size);
	rc = put_header(pk->w, &e, &with_data);
	if (rc == 0 && with_data) {
		pk->w->data += st.st_size;
		if (pk->w->data > BX_SNAPSHOT_DATA_MAX)
			rc = bx_snap_fail(pk->w->err, pk->w->errsz, -EFBIG, NULL, "more "
			    "than %" PRId64 " bytes of file data",
			    (int64_t)BX_SNAPSHOT_DATA_MAX);
	}
	if (rc == 0 && with_data)
		rc = pack_data(pk, fd, rel, st.st_size, sparse);
	archive_entry_free(e);
out_close:
	close(fd);
	return rc;
}

static int
pack_symlink(struct pack *pk, int dfd, const char *name, const char *rel,
    const struct stat *st)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(dfd, name, target, sizeof(target));

	if (n < 0)
		return bx_snap_fail(pk->w->err, pk->w->errsz, -errno, rel, "%s",
		    strerror(errno));
	if ((size_t)n >= sizeof(target) || n == 0)
		return bx_snap_fail(pk->w->err, pk->w->errsz, -ENAMETOOLONG, rel,
		    "symlink target too long");
	target[n] = '\0';
	return bx_snap_writer_add(pk->w, rel, st->st_mode,
	    (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec, 0,
	    target);
}

static int pack_dir(struct pack *pk, int dfd, const char *rel);

static int
pack_entry(struct pack *pk, int dfd, const char *name, const char *rel)
{
	struct stat st;
	int sub, rc;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return bx_snap_fail(pk->w->err, pk->w->errsz, -errno, rel, "%s",
		    strerror(errno));
	if (S_ISREG(st.st_mode))
		return pack_file(pk, dfd, name, rel);
	if (S_ISLNK(st.st_mode))
		return pack_symlink(pk, dfd, name, rel, &st);
	if (!S_ISDIR(st.st_mode))
		return check_member(pk->w, rel, st.st_mode, 0);	/* refuses */
	rc = bx_snap_writer_add(pk->w, rel, st.st_mode,
	    (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec, 0,
	    NULL);
	if (rc < 0)
		return rc;
	sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0)
		return bx_snap_fail(pk->w->err, pk->w->errsz, -errno, rel, "%s",
		    strerror(errno));
	rc = pack_dir(pk, sub, rel);
	close(sub);
	return rc;
}

static int
skip_dots(const struct dirent *d)
{
	return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

/* Byte order, not the locale's: the same tree makes the same archive. */
static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
pack_dir(struct pack *pk, int dfd, const char *rel)
{
	struct dirent **ents;
	int n, i, rc = 0;

	n = scandirat(dfd, ".", &ents, skip_dots, by_name);
	if (n < 0)
		return bx_snap_fail(pk->w->err, pk->w->errsz, -errno, *rel ? rel : ".",
		    "%s", strerror(errno));
	for (i = 0; i < n; i++) {
		char path[PATH_MAX];
		int len = snprintf(path, sizeof(path), "%s%s%s", rel,
		    *rel ? "/" : "", ents[i]->d_name);

		if (rc == 0 && (len < 0 || (size_t)len >= sizeof(path)))
			rc = bx_snap_fail(pk->w->err, pk->w->errsz, -ENAMETOOLONG, rel,
			    "a name inside is too long");
		if (rc == 0)
			rc = pack_entry(pk, dfd, ents[i]->d_name, path);
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int
bx_snapshot_pack(const char *dir, int fd, int64_t *tar_size, char *err,
    size_t errsz)
{
	struct pack pk = { 0 };
	int dfd, rc;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return bx_snap_fail(err, errsz, -errno, NULL, "%s", strerror(errno));
	pk.buf = malloc(BX_SNAP_CHUNK);
	rc = pk.buf ? bx_snap_writer_open(fd, &pk.w, err, errsz) :
	    bx_snap_fail(err, errsz, -ENOMEM, NULL, "out of memory");
	if (rc == 0) {
		rc = pack_dir(&pk, dfd, "");
		if (rc == 0)
			rc = bx_snap_writer_close(pk.w, tar_size);
		else
			bx_snap_writer_abort(pk.w);
	}
	free(pk.buf);
	close(dfd);
	return rc;
}

