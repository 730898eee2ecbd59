/*
 * sysent.c - the syscall table: every syscall badio stops on, its family,
 * the faults that apply to it, and where its arguments are.  The seccomp
 * filter (filter.c), the decoder (site.c) and the CLI all read this one
 * table; adding a syscall means adding a row here (docs/hacking.md).
 *
 * Columns: name, number, family, faults, then the argument positions
 * (0..5, or -1 = none): fd, dirfd, path, dirfd2, path2, buf, count,
 * offset, flags; then the D_* decode flags.
 */
#include "recorder/recorder.h"

#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>

#include "recorder/recorder_int.h"

#define F(x)	(1u << REC_FAULT_##x)
#define WRITE_FAULTS	(F(SHORT) | F(TORN) | F(EIO) | F(ENOSPC) | F(CRASH))
#define PLAIN_FAULTS	(F(EIO) | F(CRASH))
#define SPACE_FAULTS	(F(EIO) | F(ENOSPC) | F(CRASH))

#define W	REC_FAM_WRITE
#define S	REC_FAM_SYNC
#define N	REC_FAM_NAMESPACE
#define ROW(name, fam, faults, fd, dfd, p, dfd2, p2, buf, cnt, off, fl, dec) \
	{ { #name, __NR_##name, fam, faults }, fd, dfd, p, dfd2, p2, buf, cnt, off, fl, dec }

static const struct sysent table[] = {
	/*   name             fam faults        fd dfd  p dfd2 p2 buf cnt off  fl decode */
	ROW(write,            W, WRITE_FAULTS,  0, -1, -1, -1, -1,  1,  2, -1, -1, 0),
	ROW(pwrite64,         W, WRITE_FAULTS,  0, -1, -1, -1, -1,  1,  2,  3, -1, 0),
	ROW(writev,           W, WRITE_FAULTS,  0, -1, -1, -1, -1,  1,  2, -1, -1, D_IOV),
	ROW(pwritev,          W, WRITE_FAULTS,  0, -1, -1, -1, -1,  1,  2,  3, -1, D_IOV),
	ROW(pwritev2,         W, WRITE_FAULTS,  0, -1, -1, -1, -1,  1,  2,  3, -1, D_IOV | D_OFF_OR_CUR),
	ROW(fsync,            S, PLAIN_FAULTS,  0, -1, -1, -1, -1, -1, -1, -1, -1, 0),
	ROW(fdatasync,        S, PLAIN_FAULTS,  0, -1, -1, -1, -1, -1, -1, -1, -1, 0),
	ROW(sync_file_range,  S, PLAIN_FAULTS,  0, -1, -1, -1, -1, -1,  2,  1, -1, 0),
	ROW(msync,            S, PLAIN_FAULTS, -1, -1, -1, -1, -1, -1,  1, -1, -1, D_MSYNC),
	ROW(syncfs,           S, PLAIN_FAULTS,  0, -1, -1, -1, -1, -1, -1, -1, -1, 0),
	ROW(sync,             S, PLAIN_FAULTS, -1, -1, -1, -1, -1, -1, -1, -1, -1, D_ALL),
	ROW(rename,           N, PLAIN_FAULTS, -1, -1,  0, -1,  1, -1, -1, -1, -1, 0),
	ROW(renameat,         N, PLAIN_FAULTS, -1,  0,  1,  2,  3, -1, -1, -1, -1, 0),
	ROW(renameat2,        N, PLAIN_FAULTS, -1,  0,  1,  2,  3, -1, -1, -1, -1, 0),
	ROW(unlink,           N, PLAIN_FAULTS, -1, -1,  0, -1, -1, -1, -1, -1, -1, 0),
	ROW(unlinkat,         N, PLAIN_FAULTS, -1,  0,  1, -1, -1, -1, -1, -1,  2, D_RMDIR_FLAG),
	ROW(truncate,         N, PLAIN_FAULTS, -1, -1,  0, -1, -1, -1,  1, -1, -1, D_FOLLOW),
	ROW(ftruncate,        N, PLAIN_FAULTS,  0, -1, -1, -1, -1, -1,  1, -1, -1, 0),
	ROW(fallocate,        N, SPACE_FAULTS,  0, -1, -1, -1, -1, -1,  3,  2, -1, 0),
	ROW(open,             N, SPACE_FAULTS, -1, -1,  0, -1, -1, -1, -1, -1,  1, D_OPEN | D_FOLLOW),
	ROW(openat,           N, SPACE_FAULTS, -1,  0,  1, -1, -1, -1, -1, -1,  2, D_OPEN | D_FOLLOW),
	ROW(creat,            N, SPACE_FAULTS, -1, -1,  0, -1, -1, -1, -1, -1, -1, D_OPEN | D_FOLLOW),
	ROW(openat2,          N, SPACE_FAULTS, -1,  0,  1, -1, -1, -1, -1, -1,  2, D_OPEN | D_OPENHOW | D_FOLLOW),
};

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
	return NULL;
}

const struct rec_sysent *
rec_sysent_at(size_t i)
{
	const struct sysent *s = sysent_row(i);

	return s ? &s->pub : NULL;
}
