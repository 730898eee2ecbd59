/*
 * craft.h - archives as an attacker writes them, for the tests of
 * crafted snapshots (tests/unit/test_snapshot.c, tests/live/
 * test_crafted.c): entry by entry with libarchive (pax, zstd: what
 * badio stores), or byte by byte where libarchive will not write the
 * lie.  Each returns an fd of an anonymous file holding the archive.
 */
#ifndef BADIO_TESTS_CRAFT_H
#define BADIO_TESTS_CRAFT_H

#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "explorer/explorer.h"

struct craft {
	struct archive	*a;
	int		fd;
};

static inline void
craft_begin(struct craft *c)
{
	c->fd = bx_tmpfile();
	cr_assert_geq(c->fd, 0);
	c->a = archive_write_new();
	cr_assert_eq(archive_write_set_format_pax(c->a), ARCHIVE_OK);
	cr_assert_eq(archive_write_add_filter_zstd(c->a), ARCHIVE_OK);
	cr_assert_eq(archive_write_open_fd(c->a, c->fd), ARCHIVE_OK);
}

static inline void
craft(struct craft *c, const char *name, mode_t mode, const char *data,
    const char *link, const char *hardlink)
{
	struct archive_entry *e = archive_entry_new();
	size_t len = data ? strlen(data) : 0;

	archive_entry_copy_pathname(e, name);
	archive_entry_set_mode(e, mode);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, 1000000000, 0);
	if (link)
		archive_entry_copy_symlink(e, link);
	if (hardlink)
		archive_entry_copy_hardlink(e, hardlink);
	cr_assert_geq(archive_write_header(c->a, e), ARCHIVE_WARN, "%s",
	    archive_error_string(c->a));
	if (len)
		cr_assert_eq(archive_write_data(c->a, data, len), (la_ssize_t)len);
	archive_entry_free(e);
}

static inline int
craft_end(struct craft *c)
{
	cr_assert_eq(archive_write_close(c->a), ARCHIVE_OK);
	archive_write_free(c->a);
	return c->fd;
}

/* One ustar header, its checksum computed, for lies libarchive won't write. */
static inline void
ustar_header(unsigned char h[512], const char *name, char type,
    const char *size_octal, const char *link)
{
	unsigned sum = 0;

	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", name);
	if (link)
		snprintf((char *)h + 157, 100, "%s", link);
	memcpy(h + 100, "0000644", 8);
	memcpy(h + 108, "0000000", 8);
	memcpy(h + 116, "0000000", 8);
	snprintf((char *)h + 124, 12, "%s", size_octal);
	memcpy(h + 136, "00000000000", 12);
	h[156] = (unsigned char)type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

struct raw_entry {
	const char	*name;
	char		type;		/* '0' file, '1' hard link, 'x' pax */
	const char	*link;
	const char	*data;
};

/* An uncompressed tar of the entries, data blocks and end blocks. */
static inline int
raw_archive(const struct raw_entry *e)
{
	unsigned char h[512], zero[1024] = { 0 };
	char size[12];
	int fd = bx_tmpfile();

	cr_assert_geq(fd, 0);
	for (; e->name; e++) {
		size_t len = e->data ? strlen(e->data) : 0;

		snprintf(size, sizeof(size), "%011o", (unsigned)len);
		ustar_header(h, e->name, e->type, size, e->link);
		cr_assert_eq(write(fd, h, 512), 512);
		if (len) {
			memset(h, 0, sizeof(h));
			memcpy(h, e->data, len);
			cr_assert_eq(write(fd, h, 512), 512);
		}
	}
	cr_assert_eq(write(fd, zero, sizeof(zero)), (ssize_t)sizeof(zero));
	return fd;
}

#endif /* BADIO_TESTS_CRAFT_H */
