/*
 * sysent.c - the syscall table: every syscall badio stops on, its family,
 * the faults that apply to it, and where its arguments are.  The seccomp
 * filter (filter.c), the decoder (site.c) and the CLI all read this one
 * table; adding a syscall means adding a row here (docs/hacking.md).
 *
 * Columns: name, number, family, faults, then the argument positions
 * (0..5, or -1 = none): fd, dirfd, path, fd2, dirfd2, path2, off2, buf,
 * count, offset, flags; then the words of the flags argument and the D_*
 * decode flags.  "2" is the second file: a rename's target, a link's
 * existing file (path is the new name), a symlink's text, a copy's source.
 */
#include "recorder/recorder.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "recorder/recorder_int.h"

#define F(x)	(1u << REC_FAULT_##x)
/* power fails before any call; lost-sync breaks a durability point */
#define WRITE_FAULTS	(F(SHORT) | F(TORN) | F(EIO) | F(ENOSPC) | F(CRASH) | \
			 F(EIO_DEV) | F(ENOSPC_DEV) | F(POWER))
#define PLAIN_FAULTS	(F(EIO) | F(CRASH) | F(EIO_DEV) | F(POWER))
#define SYNC_FAULTS	(PLAIN_FAULTS | F(LOST_SYNC))
#define SPACE_FAULTS	(F(EIO) | F(ENOSPC) | F(CRASH) | F(EIO_DEV) | F(ENOSPC_DEV) | \
			 F(POWER))
/* sync acts on every file system: no one device to declare dead */
#define ALL_FAULTS	(F(EIO) | F(CRASH) | F(POWER) | F(LOST_SYNC))
/* mapping calls do no I/O: the program can only be stopped there */
#define MAP_FAULTS	(F(CRASH) | F(POWER))
/* close always releases the fd: its faults replace the result (D_CLOSE) */
#define CLOSE_FAULTS	(F(EIO) | F(EIO_DEV) | F(POWER))

/*
 * The words of sites.flags (docs/schema.md): the constant's name in lower
 * case without its prefix, except where two families share a name
 * (O_SYNC, MS_SYNC, RWF_SYNC).
 */
#define WORD(bit, name)	{ (bit), (bit), name }
#define WORDS(arr, all)	{ arr, sizeof(arr) / sizeof(arr[0]), all }

static const struct flag_word open_w[] = {
	WORD(O_CREAT, "creat"), WORD(O_EXCL, "excl"), WORD(O_TRUNC, "trunc"),
	WORD(O_APPEND, "append"), WORD(O_SYNC, "osync"),
	WORD(O_DSYNC, "odsync"), WORD(O_DIRECT, "direct"),
	WORD(O_TMPFILE, "tmpfile"),	/* two bits: O_DIRECTORY with it */
};
static const struct flag_word unlink_w[] = {
	WORD(AT_REMOVEDIR, "removedir"),
};
static const struct flag_word rename_w[] = {
	WORD(RENAME_NOREPLACE, "noreplace"), WORD(RENAME_EXCHANGE, "exchange"),
	WORD(RENAME_WHITEOUT, "whiteout"),
};
static const struct flag_word link_w[] = {
	WORD(AT_SYMLINK_FOLLOW, "symlink_follow"),
	WORD(AT_EMPTY_PATH, "empty_path"),
};
static const struct flag_word falloc_w[] = {
	WORD(FALLOC_FL_KEEP_SIZE, "keep_size"),
	WORD(FALLOC_FL_PUNCH_HOLE, "punch_hole"),
	WORD(FALLOC_FL_NO_HIDE_STALE, "no_hide_stale"),
	WORD(FALLOC_FL_COLLAPSE_RANGE, "collapse_range"),
	WORD(FALLOC_FL_ZERO_RANGE, "zero_range"),
	WORD(FALLOC_FL_INSERT_RANGE, "insert_range"),
	WORD(FALLOC_FL_UNSHARE_RANGE, "unshare_range"),
};
static const struct flag_word msync_w[] = {
	WORD(MS_ASYNC, "ms_async"), WORD(MS_INVALIDATE, "ms_invalidate"),
	WORD(MS_SYNC, "ms_sync"),
};
static const struct flag_word sfr_w[] = {
	WORD(SYNC_FILE_RANGE_WAIT_BEFORE, "wait_before"),
	WORD(SYNC_FILE_RANGE_WRITE, "write"),
	WORD(SYNC_FILE_RANGE_WAIT_AFTER, "wait_after"),
};
static const struct flag_word rwf_w[] = {
	WORD(RWF_HIPRI, "rwf_hipri"), WORD(RWF_DSYNC, "rwf_dsync"),
	WORD(RWF_SYNC, "rwf_sync"), WORD(RWF_NOWAIT, "rwf_nowait"),
	WORD(RWF_APPEND, "rwf_append"),
};
static const struct flag_word splice_w[] = {
	WORD(SPLICE_F_MOVE, "move"), WORD(SPLICE_F_NONBLOCK, "nonblock"),
	WORD(SPLICE_F_MORE, "more"), WORD(SPLICE_F_GIFT, "gift"),
};
/* the ioctls that write a file: reflinks (cp's first try, on btrfs, XFS) */
static const struct flag_word ioctl_w[] = {
	{ 0xffffffffu, FICLONE, "ficlone" },
	{ 0xffffffffu, FICLONERANGE, "ficlonerange" },
};
/* the file type in a mknod mode; 0 means a regular file too */
static const struct flag_word mknod_w[] = {
	{ S_IFMT, S_IFIFO, "fifo" }, { S_IFMT, S_IFCHR, "chr" },
	{ S_IFMT, S_IFBLK, "blk" }, { S_IFMT, S_IFSOCK, "sock" },
	{ S_IFMT, S_IFREG, "reg" }, { S_IFMT, 0, "reg" },
};

static const struct flag_words OPEN = WORDS(open_w, false);
static const struct flag_words UNLINK = WORDS(unlink_w, false);
static const struct flag_words RENAME = WORDS(rename_w, true);
static const struct flag_words LINK = WORDS(link_w, true);
static const struct flag_words FALLOC = WORDS(falloc_w, true);
static const struct flag_words MSYNC = WORDS(msync_w, true);
static const struct flag_words SFR = WORDS(sfr_w, true);
static const struct flag_words RWF = WORDS(rwf_w, true);
static const struct flag_words SPLICE = WORDS(splice_w, true);
static const struct flag_words MKNOD = WORDS(mknod_w, false);
static const struct flag_words IOCTL = WORDS(ioctl_w, false);
static const struct flag_words NONE = { NULL, 0, true };	/* must be 0 */
#define NO	NULL

#define W	REC_FAM_WRITE
#define S	REC_FAM_SYNC
#define N	REC_FAM_NAMESPACE
#define M	REC_FAM_MMAP
#define C	REC_FAM_CLOSE
#define ROW(name, fam, faults, fd, dfd, p, fd2, dfd2, p2, off2, buf, cnt, \
	    off, fl, words, dec)					\
	{ { #name, __NR_##name, fam, faults }, fd, dfd, p, fd2, dfd2, p2, \
	  off2, buf, cnt, off, fl, words, dec }
#define NS_NEW	(D_NEWNAME)
#define COPY	(D_COPY | D_OFF_PTR)

static const struct sysent table[] = {
	/*   name           fam faults        fd dfd p fd2 dfd2 p2 off2 buf cnt off fl words  decode */
	ROW(write,           W, WRITE_FAULTS,  0, -1, -1, -1, -1, -1, -1,  1,  2, -1, -1, NO,     0),
	ROW(pwrite64,        W, WRITE_FAULTS,  0, -1, -1, -1, -1, -1, -1,  1,  2,  3, -1, NO,     0),
	ROW(writev,          W, WRITE_FAULTS,  0, -1, -1, -1, -1, -1, -1,  1,  2, -1, -1, NO,     D_IOV),
	ROW(pwritev,         W, WRITE_FAULTS,  0, -1, -1, -1, -1, -1, -1,  1,  2,  3, -1, NO,     D_IOV),
	ROW(pwritev2,        W, WRITE_FAULTS,  0, -1, -1, -1, -1, -1, -1,  1,  2,  3,  5, &RWF,   D_IOV | D_OFF_OR_CUR),
	ROW(copy_file_range, W, WRITE_FAULTS,  2, -1, -1,  0, -1, -1,  1, -1,  4,  3,  5, &NONE,  COPY),
	ROW(sendfile,        W, WRITE_FAULTS,  0, -1, -1,  1, -1, -1,  2, -1,  3, -1, -1, NO,     COPY),
	ROW(splice,          W, WRITE_FAULTS,  2, -1, -1,  0, -1, -1,  1, -1,  4,  3,  5, &SPLICE, COPY),
	/* FICLONE's fd2 is arg 2; FICLONERANGE's is in the struct at arg 2 */
	ROW(ioctl,           W, SPACE_FAULTS,  0, -1, -1, -1, -1, -1, -1, -1, -1, -1,  1, &IOCTL, D_COPY | D_IOCTL),
	ROW(fsync,           S, SYNC_FAULTS,   0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, NO,     0),
	ROW(fdatasync,       S, SYNC_FAULTS,   0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, NO,     0),
	ROW(sync_file_range, S, PLAIN_FAULTS,  0, -1, -1, -1, -1, -1, -1, -1,  2,  1,  3, &SFR,   0),
	ROW(msync,           S, SYNC_FAULTS,  -1, -1, -1, -1, -1, -1, -1, -1,  1, -1,  2, &MSYNC, D_MSYNC),
	ROW(syncfs,          S, SYNC_FAULTS,   0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, NO,     0),
	ROW(sync,            S, ALL_FAULTS,   -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, NO,     D_ALL),
	ROW(rename,          N, PLAIN_FAULTS, -1, -1,  0, -1, -1,  1, -1, -1, -1, -1, -1, NO,     D_RENAME),
	ROW(renameat,        N, PLAIN_FAULTS, -1,  0,  1, -1,  2,  3, -1, -1, -1, -1, -1, NO,     D_RENAME),
	ROW(renameat2,       N, PLAIN_FAULTS, -1,  0,  1, -1,  2,  3, -1, -1, -1, -1,  4, &RENAME, D_RENAME),
	ROW(unlink,          N, PLAIN_FAULTS, -1, -1,  0, -1, -1, -1, -1, -1, -1, -1, -1, NO,     0),
	ROW(unlinkat,        N, PLAIN_FAULTS, -1,  0,  1, -1, -1, -1, -1, -1, -1, -1,  2, &UNLINK, D_RMDIR_FLAG),
	ROW(rmdir,           N, PLAIN_FAULTS, -1, -1,  0, -1, -1, -1, -1, -1, -1, -1, -1, NO,     D_DIR),
	ROW(mkdir,           N, SPACE_FAULTS, -1, -1,  0, -1, -1, -1, -1, -1, -1, -1, -1, NO,     D_DIR | NS_NEW),
	ROW(mkdirat,         N, SPACE_FAULTS, -1,  0,  1, -1, -1, -1, -1, -1, -1, -1, -1, NO,     D_DIR | NS_NEW),
	ROW(link,            N, SPACE_FAULTS, -1, -1,  1, -1, -1,  0, -1, -1, -1, -1, -1, NO,     NS_NEW),
	ROW(linkat,          N, SPACE_FAULTS, -1,  2,  3, -1,  0,  1, -1, -1, -1, -1,  4, &LINK,  D_LINK | NS_NEW),
	ROW(symlink,         N, SPACE_FAULTS, -1, -1,  1, -1, -1,  0, -1, -1, -1, -1, -1, NO,     D_SYMLINK | NS_NEW),
	ROW(symlinkat,       N, SPACE_FAULTS, -1,  1,  2, -1, -1,  0, -1, -1, -1, -1, -1, NO,     D_SYMLINK | NS_NEW),
	ROW(mknod,           N, SPACE_FAULTS, -1, -1,  0, -1, -1, -1, -1, -1, -1, -1,  1, &MKNOD, D_MKNOD | NS_NEW),
	ROW(mknodat,         N, SPACE_FAULTS, -1,  0,  1, -1, -1, -1, -1, -1, -1, -1,  2, &MKNOD, D_MKNOD | NS_NEW),
	ROW(truncate,        N, PLAIN_FAULTS, -1, -1,  0, -1, -1, -1, -1, -1,  1, -1, -1, NO,     D_FOLLOW),
	ROW(ftruncate,       N, PLAIN_FAULTS,  0, -1, -1, -1, -1, -1, -1, -1,  1, -1, -1, NO,     0),
	ROW(fallocate,       N, SPACE_FAULTS,  0, -1, -1, -1, -1, -1, -1, -1,  3,  2,  1, &FALLOC, 0),
	ROW(open,            N, SPACE_FAULTS, -1, -1,  0, -1, -1, -1, -1, -1, -1, -1,  1, &OPEN,  D_OPEN | D_FOLLOW),
	ROW(openat,          N, SPACE_FAULTS, -1,  0,  1, -1, -1, -1, -1, -1, -1, -1,  2, &OPEN,  D_OPEN | D_FOLLOW),
	ROW(creat,           N, SPACE_FAULTS, -1, -1,  0, -1, -1, -1, -1, -1, -1, -1, -1, &OPEN,  D_OPEN | D_FOLLOW),
	ROW(openat2,         N, SPACE_FAULTS, -1,  0,  1, -1, -1, -1, -1, -1, -1, -1,  2, &OPEN,  D_OPEN | D_OPENHOW | D_FOLLOW),
	/* the filter stops only where a file mapping may be (filter.c) */
	ROW(mmap,            M, MAP_FAULTS,    4, -1, -1, -1, -1, -1, -1, -1,  1,  5,  3, NO,     D_MMAP),
	ROW(munmap,          M, MAP_FAULTS,   -1, -1, -1, -1, -1, -1, -1, -1,  1, -1, -1, NO,     D_MUNMAP),
	ROW(mremap,          M, MAP_FAULTS,   -1, -1, -1, -1, -1, -1, -1, -1,  2, -1,  3, NO,     D_MREMAP),
	/* with rec_opts.trace_close only */
	ROW(close,           C, CLOSE_FAULTS,  0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, NO,     D_CLOSE),
};

/*
 * The END site's row: not in the table (the filter never stops at exit),
 * found by name only, so that a recorded end site plans its faults.
 */
static const struct rec_sysent end_row = { "exit", __NR_exit, REC_FAM_END, F(POWER) };

const struct rec_sysent *
rec_sysent_end(void)
{
	return &end_row;
}

const struct sysent *
sysent_find(long nr)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].pub.nr == nr)
			return &table[i];
	return NULL;
}

size_t
sysent_count(void)
{
	return sizeof(table) / sizeof(table[0]);
}

const struct sysent *
sysent_row(size_t i)
{
	return i < sysent_count() ? &table[i] : NULL;
}

const struct rec_sysent *
rec_sysent_by_nr(long nr)
{
	const struct sysent *s = sysent_find(nr);

	return s ? &s->pub : NULL;
}

const struct rec_sysent *
rec_sysent_by_name(const char *name)
{
	for (size_t i = 0; i < sysent_count(); i++)
		if (strcmp(table[i].pub.name, name) == 0)
			return &table[i].pub;
	return strcmp(name, end_row.name) == 0 ? &end_row : NULL;
}

const struct rec_sysent *
rec_sysent_at(size_t i)
{
	const struct sysent *s = sysent_row(i);

	return s ? &s->pub : NULL;
}
