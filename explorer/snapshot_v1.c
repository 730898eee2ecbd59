/*
 * snapshot_v1.c - the --init snapshot of databases before schema 7,
 * read once to convert it to the archive of snapshot.c, and the
 * snapshot's way in and out of the store.
 *
 * The old format, badio's own, was one zlib stream (init_size bytes
 * inflated) of
 *   "BADIOSNAP1\n"
 *   entries: u8 type ('d' dir, 'f' file, 'l' symlink), u32 mode,
 *            i64 mtime_ns, u32 name length, name (relative, no NUL),
 *            u64 data length, data (file contents or link target)
 * little-endian, directories before their contents.  It is read here
 * as a stream, every length checked against what is left, and each
 * entry written to the new archive as it comes; the names are not
 * judged here but when the archive is unpacked, by the same rules as
 * any other.  The converted snapshot replaces the old one in the
 * database (schema.c, migration 7: the store has no code for archive
 * formats, so the explorer converts, the first time it needs one).
 */
#include "explorer/explorer_int.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#define V1_MAGIC	"BADIOSNAP1\n"
#define V1_MAGIC_LEN	(sizeof(V1_MAGIC) - 1)
#define V1_SIZE_MAX	((int64_t)4 << 30)	/* what badio stored at most */
#define CHUNK		(64 * 1024)

/* The inflated stream, read in exact amounts. */
struct zin {
	int		fd;
	off_t		off;
	z_stream	z;
	unsigned char	in[CHUNK];
	int64_t		left;		/* inflated bytes still to come */
	bool		end;		/* Z_STREAM_END seen */
};

static int
zin_read(struct zin *zi, void *buf, size_t len)
{
	if ((int64_t)len > zi->left)
		return -EBADMSG;	/* past the size the database gave */
	zi->z.next_out = buf;
	zi->z.avail_out = (uInt)len;
	while (zi->z.avail_out) {
		int zrc;

		if (zi->end)
			return -EBADMSG;
		if (zi->z.avail_in == 0) {
			ssize_t n = pread(zi->fd, zi->in, sizeof(zi->in), zi->off);

			if (n < 0)
				return -errno;
			if (n == 0)
				return -EBADMSG;
			zi->off += n;
			zi->z.next_in = zi->in;
			zi->z.avail_in = (uInt)n;
		}
		zrc = inflate(&zi->z, Z_NO_FLUSH);
		if (zrc == Z_STREAM_END)
			zi->end = true;
		else if (zrc != Z_OK)
			return zrc == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
	}
	zi->left -= (int64_t)len;
	return 0;
}

struct v1_entry {
	unsigned char	type;
	uint32_t	mode;
	int64_t		mtime;
	char		name[PATH_MAX];
	uint64_t	len;
};

/* 1 and the next header, 0 at the end, or -errno. */
static int
next_header(struct zin *zi, struct v1_entry *e)
{
	uint32_t nlen;
	int rc;

	if (zi->left == 0)
		return 0;
	if ((rc = zin_read(zi, &e->type, 1)) < 0 ||
	    (rc = zin_read(zi, &e->mode, 4)) < 0 ||
	    (rc = zin_read(zi, &e->mtime, 8)) < 0 ||
	    (rc = zin_read(zi, &nlen, 4)) < 0)
		return rc;
	if (nlen == 0 || nlen >= sizeof(e->name))
		return -EBADMSG;
	if ((rc = zin_read(zi, e->name, nlen)) < 0)
		return rc;
	e->name[nlen] = '\0';
	if (memchr(e->name, '\0', nlen))
		return -EBADMSG;
	if ((rc = zin_read(zi, &e->len, 8)) < 0)
		return rc;
	return e->len > (uint64_t)zi->left ? -EBADMSG : 1;
}

static int
convert_entry(struct zin *zi, struct bx_snap_writer *w, struct v1_entry *e,
    char *buf)
{
	static const mode_t types[] = { ['d'] = S_IFDIR, ['f'] = S_IFREG,
	    ['l'] = S_IFLNK };
	mode_t mode = e->type < sizeof(types) / sizeof(types[0]) ?
	    types[e->type] : 0;
	uint64_t left = e->len;
	int rc;

	if (!mode || (mode == S_IFDIR && e->len) ||
	    (mode == S_IFLNK && (e->len == 0 || e->len >= PATH_MAX)))
		return -EBADMSG;
	mode |= e->mode & 07777;
	if (S_ISLNK(mode)) {
		rc = zin_read(zi, buf, (size_t)e->len);
		buf[rc == 0 ? e->len : 0] = '\0';
		return rc < 0 ? rc : bx_snap_writer_add(w, e->name, mode,
		    e->mtime, (int64_t)e->len, buf);
	}
	rc = bx_snap_writer_add(w, e->name, mode, e->mtime, (int64_t)e->len,
	    NULL);
	while (rc == 0 && left) {
		size_t n = left < CHUNK ? (size_t)left : CHUNK;

		rc = zin_read(zi, buf, n);
		if (rc == 0)
			rc = bx_snap_writer_data(w, e->name, buf, n);
		left -= n;
	}
	return rc;
}

int
bx_snapshot_v1_convert(int in, int64_t size, int out, int64_t *tar_size,
    char *err, size_t errsz)
{
	struct zin *zi = calloc(1, sizeof(*zi));
	char magic[V1_MAGIC_LEN], *buf = malloc(CHUNK > PATH_MAX ? CHUNK :
	    PATH_MAX);
	struct bx_snap_writer *w = NULL;
	struct v1_entry e;
	int rc;

	if (!zi || !buf || inflateInit(&zi->z) != Z_OK) {
		free(zi);
		free(buf);
		snprintf(err, errsz, "out of memory");
		return -ENOMEM;
	}
	zi->fd = in;
	zi->left = size;
	rc = size < (int64_t)V1_MAGIC_LEN || size > V1_SIZE_MAX ? -EBADMSG :
	    zin_read(zi, magic, V1_MAGIC_LEN);
	if (rc == 0 && memcmp(magic, V1_MAGIC, V1_MAGIC_LEN) != 0)
		rc = -EBADMSG;
	if (rc == 0)
		rc = bx_snap_writer_open(out, &w, err, errsz);
	while (rc == 0 && (rc = next_header(zi, &e)) > 0)
		rc = convert_entry(zi, w, &e, buf);
	if (rc == -EBADMSG)
		snprintf(err, errsz, "the old snapshot (badio-snap1) is "
		    "damaged");
	if (rc == 0)
		rc = bx_snap_writer_close(w, tar_size);
	else
		bx_snap_writer_abort(w);
	inflateEnd(&zi->z);
	free(zi);
	free(buf);
	return rc;
}

/* --- the snapshot, in and out of the store --- */

static int
store_failed(struct store *s, int rc, const char *what, char *err,
    size_t errsz)
{
	snprintf(err, errsz, "%s: %s", what, store_errmsg(s));
	return rc;
}

/* An old snapshot, converted, in place of it in the database. */
static int
convert(struct store *s, const struct store_recording *rec, int old, int *fdp,
    char *err, size_t errsz)
{
	int64_t tar_size = 0;
	int fd = bx_tmpfile();
	int rc;

	if (fd < 0) {
		snprintf(err, errsz, "cannot make a temporary file: %s",
		    strerror(-fd));
		return fd;
	}
	rc = bx_snapshot_v1_convert(old, rec->init_size, fd, &tar_size, err,
	    errsz);
	if (rc < 0) {
		if (!*err)
			snprintf(err, errsz, "cannot convert the old snapshot: "
			    "%s", strerror(-rc));
		goto out_close;
	}
	rc = store_begin(s);
	if (rc == 0)
		rc = store_recording_init_put(s, rec->id, "tar", fd, tar_size);
	if (rc == 0)
		rc = store_commit(s);
	if (rc < 0) {
		store_failed(s, rc, "cannot store the converted snapshot", err,
		    errsz);
		store_rollback(s);
		goto out_close;
	}
	*fdp = fd;
	return 0;
out_close:
	close(fd);
	return rc;
}

int
bx_snapshot_load(struct store *s, const struct store_recording *rec, int *fdp,
    char *err, size_t errsz)
{
	int fd, tar, rc;

	*fdp = -1;
	*err = '\0';
	if (!rec->init_format)
		return 0;
	fd = bx_tmpfile();
	if (fd < 0) {
		snprintf(err, errsz, "cannot make a temporary file: %s",
		    strerror(-fd));
		return fd;
	}
	rc = store_recording_init_get(s, rec->id, fd);
	if (rc < 0) {
		close(fd);
		return store_failed(s, rc, "cannot read the snapshot", err,
		    errsz);
	}
	if (strcmp(rec->init_format, "badio-snap1") == 0) {
		rc = convert(s, rec, fd, &tar, err, errsz);
		close(fd);
		if (rc < 0)
			return rc;
		fd = tar;
	} else if (strcmp(rec->init_format, "tar") != 0) {
		close(fd);
		snprintf(err, errsz, "unknown snapshot format");
		return -EPROTO;
	}
	/* inflated once here, not in each run */
	rc = bx_snapshot_expand(fd, fdp, err, errsz);
	close(fd);
	return rc;
}
