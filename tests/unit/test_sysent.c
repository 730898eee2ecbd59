/*
 * test_sysent.c - unit tests of the syscall table and the names in
 * recorder/recorder.h: lookups by name and number for every traced
 * syscall, its family, which faults apply, replay key text, and the
 * name <-> enum round trips used in the database and on the command line.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>

#include "recorder/recorder.h"

struct want {
	const char	*name;
	long		nr;
	enum rec_family	family;
};

/* Every syscall issues 2 and 9 say badio traces, with its family. */
static const struct want traced[] = {
	{ "write",		__NR_write,		REC_FAM_WRITE },
	{ "pwrite64",		__NR_pwrite64,		REC_FAM_WRITE },
	{ "writev",		__NR_writev,		REC_FAM_WRITE },
	{ "pwritev",		__NR_pwritev,		REC_FAM_WRITE },
	{ "pwritev2",		__NR_pwritev2,		REC_FAM_WRITE },
	{ "copy_file_range",	__NR_copy_file_range,	REC_FAM_WRITE },
	{ "sendfile",		__NR_sendfile,		REC_FAM_WRITE },
	{ "splice",		__NR_splice,		REC_FAM_WRITE },
	{ "ioctl",		__NR_ioctl,		REC_FAM_WRITE },	/* FICLONE */
	{ "fsync",		__NR_fsync,		REC_FAM_SYNC },
	{ "fdatasync",		__NR_fdatasync,		REC_FAM_SYNC },
	{ "sync_file_range",	__NR_sync_file_range,	REC_FAM_SYNC },
	{ "msync",		__NR_msync,		REC_FAM_SYNC },
	{ "syncfs",		__NR_syncfs,		REC_FAM_SYNC },
	{ "sync",		__NR_sync,		REC_FAM_SYNC },
	{ "rename",		__NR_rename,		REC_FAM_NAMESPACE },
	{ "renameat",		__NR_renameat,		REC_FAM_NAMESPACE },
	{ "renameat2",		__NR_renameat2,		REC_FAM_NAMESPACE },
	{ "unlink",		__NR_unlink,		REC_FAM_NAMESPACE },
	{ "unlinkat",		__NR_unlinkat,		REC_FAM_NAMESPACE },
	{ "rmdir",		__NR_rmdir,		REC_FAM_NAMESPACE },
	{ "mkdir",		__NR_mkdir,		REC_FAM_NAMESPACE },
	{ "mkdirat",		__NR_mkdirat,		REC_FAM_NAMESPACE },
	{ "link",		__NR_link,		REC_FAM_NAMESPACE },
	{ "linkat",		__NR_linkat,		REC_FAM_NAMESPACE },
	{ "symlink",		__NR_symlink,		REC_FAM_NAMESPACE },
	{ "symlinkat",		__NR_symlinkat,		REC_FAM_NAMESPACE },
	{ "mknod",		__NR_mknod,		REC_FAM_NAMESPACE },
	{ "mknodat",		__NR_mknodat,		REC_FAM_NAMESPACE },
	{ "truncate",		__NR_truncate,		REC_FAM_NAMESPACE },
	{ "ftruncate",		__NR_ftruncate,		REC_FAM_NAMESPACE },
	{ "fallocate",		__NR_fallocate,		REC_FAM_NAMESPACE },
	{ "open",		__NR_open,		REC_FAM_NAMESPACE },
	{ "openat",		__NR_openat,		REC_FAM_NAMESPACE },
	{ "creat",		__NR_creat,		REC_FAM_NAMESPACE },
	{ "mmap",		__NR_mmap,		REC_FAM_MMAP },
	{ "munmap",		__NR_munmap,		REC_FAM_MMAP },
	{ "mremap",		__NR_mremap,		REC_FAM_MMAP },
	{ "close",		__NR_close,		REC_FAM_CLOSE },
};

#define NTRACED (sizeof(traced) / sizeof(traced[0]))

static const char *const untraced[] = {
	"read", "mprotect", "execve", "clone", "dup2", "", "WRITE",
	"write ", "openat2x", "tee", "vmsplice", "chmod", "utimensat",
};

Test(sysent, every_traced_syscall_by_name_and_number)
{
	const struct rec_sysent *e;
	size_t i;

	for (i = 0; i < NTRACED; i++) {
		e = rec_sysent_by_name(traced[i].name);
		cr_assert_not_null(e, "%s missing", traced[i].name);
		cr_assert_str_eq(e->name, traced[i].name);
		cr_assert_eq(e->nr, traced[i].nr, "%s: nr", traced[i].name);
		cr_assert_eq(e->family, traced[i].family, "%s: family",
			     traced[i].name);
		cr_assert_eq(rec_sysent_by_nr(traced[i].nr), e, "%s: by_nr",
			     traced[i].name);
	}
}

Test(sysent, untraced_syscalls_are_not_in_the_table)
{
	size_t i;

	for (i = 0; i < sizeof(untraced) / sizeof(untraced[0]); i++)
		cr_assert_null(rec_sysent_by_name(untraced[i]), "'%s'",
			       untraced[i]);
	cr_assert_null(rec_sysent_by_nr(__NR_read));
	cr_assert_null(rec_sysent_by_nr(__NR_mprotect));
	cr_assert_null(rec_sysent_by_nr(-1));
	cr_assert_null(rec_sysent_by_nr(100000));
}

static bool
expected(const char *name)
{
	size_t i;

	for (i = 0; i < NTRACED; i++)
		if (!strcmp(traced[i].name, name))
			return true;
	return !strcmp(name, "openat2");	/* allowed extra */
}

Test(sysent, table_rows_are_consistent)
{
	const struct rec_sysent *e, *f;
	size_t i, j, n = 0;

	for (i = 0; (e = rec_sysent_at(i)); i++, n++) {
		cr_assert_not_null(e->name);
		cr_assert(expected(e->name), "unexpected row '%s'", e->name);
		cr_assert_lt((int)e->family, REC_FAM_COUNT, "%s", e->name);
		cr_assert_eq(rec_sysent_by_name(e->name), e, "%s", e->name);
		cr_assert_eq(rec_sysent_by_nr(e->nr), e, "%s", e->name);
		for (j = 0; j < i; j++) {
			f = rec_sysent_at(j);
			cr_assert_str_neq(e->name, f->name, "duplicate name");
			cr_assert_neq(e->nr, f->nr, "duplicate nr %ld", e->nr);
		}
	}
	cr_assert_geq(n, NTRACED, "table has %zu rows", n);
	cr_assert_leq(n, NTRACED + 1, "table has %zu rows", n);
	cr_assert_null(rec_sysent_at(n + 1));
	cr_assert_null(rec_sysent_at((size_t)-1));
}

static const struct rec_sysent *
sc(const char *name)
{
	const struct rec_sysent *e = rec_sysent_by_name(name);

	cr_assert_not_null(e, "%s missing", name);
	return e;
}

/* The copy calls are writes: short and torn halve their length. */
Test(sysent, short_and_torn_only_for_writes_of_two_bytes_or_more)
{
	static const char *const writes[] = {
		"write", "pwrite64", "writev", "pwritev", "pwritev2",
		"copy_file_range", "sendfile", "splice",
	};
	static const char *const others[] = {
		"fsync", "fdatasync", "sync_file_range", "msync", "syncfs",
		"sync", "rename", "renameat", "renameat2", "unlink", "unlinkat",
		"truncate", "ftruncate", "fallocate", "open", "openat", "creat",
		"rmdir", "mkdir", "mkdirat", "link", "linkat", "symlink",
		"symlinkat", "mknod", "mknodat",
		"ioctl",	/* a reflink is whole or nothing */
		"mmap", "munmap", "mremap", "close",
	};
	enum rec_fault f;
	size_t i;

	for (f = REC_FAULT_SHORT; f <= REC_FAULT_TORN; f++) {
		for (i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
			cr_assert(rec_fault_applies(f, sc(writes[i]), 2),
				  "%s %s 2", rec_fault_name(f), writes[i]);
			cr_assert(rec_fault_applies(f, sc(writes[i]), 4096));
			cr_assert(!rec_fault_applies(f, sc(writes[i]), 1),
				  "%s %s 1", rec_fault_name(f), writes[i]);
			cr_assert(!rec_fault_applies(f, sc(writes[i]), 0));
		}
		for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
			cr_assert(!rec_fault_applies(f, sc(others[i]), 4096),
				  "%s %s", rec_fault_name(f), others[i]);
	}
}

/* ENOSPC wherever space is taken: data, allocation, new names. */
Test(sysent, enospc_for_writes_fallocate_and_new_names)
{
	static const char *const yes[] = {
		"write", "pwrite64", "writev", "pwritev", "pwritev2",
		"copy_file_range", "sendfile", "splice", "ioctl",
		"fallocate", "open", "openat", "creat", "mkdir", "mkdirat",
		"link", "linkat", "symlink", "symlinkat", "mknod", "mknodat",
	};
	static const char *const no[] = {
		"fsync", "fdatasync", "sync_file_range", "msync", "syncfs",
		"sync", "rename", "renameat", "renameat2", "unlink", "unlinkat",
		"truncate", "ftruncate", "rmdir", "mmap", "munmap", "mremap",
		"close",
	};
	size_t i;

	/* enospc+ goes where enospc does: the calls that need space */
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		cr_assert(rec_fault_applies(REC_FAULT_ENOSPC, sc(yes[i]), 16),
			  "enospc %s", yes[i]);
		cr_assert(rec_fault_applies(REC_FAULT_ENOSPC_DEV, sc(yes[i]), 16),
			  "enospc+ %s", yes[i]);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		cr_assert(!rec_fault_applies(REC_FAULT_ENOSPC, sc(no[i]), 16),
			  "enospc %s", no[i]);
		cr_assert(!rec_fault_applies(REC_FAULT_ENOSPC_DEV, sc(no[i]), 16),
			  "enospc+ %s", no[i]);
	}
	if (rec_sysent_by_name("openat2"))
		cr_assert(rec_fault_applies(REC_FAULT_ENOSPC, sc("openat2"),
					    -1));
}

/*
 * eio and crash apply to every call that does I/O, eio+ to every one on
 * a file system (not sync, which acts on all); the mmap family does no
 * I/O (crash only); close always releases its fd (eio, eio+, no crash).
 */
Test(sysent, eio_and_crash_apply_everywhere)
{
	const struct rec_sysent *e;
	size_t i;

	for (i = 0; (e = rec_sysent_at(i)); i++) {
		bool io = e->family != REC_FAM_MMAP;
		bool fs = io && strcmp(e->name, "sync") != 0;
		bool crash = e->family != REC_FAM_CLOSE;

		cr_assert_eq(rec_fault_applies(REC_FAULT_EIO, e, 16), io, "%s",
			  e->name);
		cr_assert_eq(rec_fault_applies(REC_FAULT_EIO, e, 1), io, "%s",
			  e->name);
		cr_assert_eq(rec_fault_applies(REC_FAULT_EIO_DEV, e, 16), fs,
			  "%s", e->name);
		cr_assert_eq(rec_fault_applies(REC_FAULT_CRASH, e, 16), crash,
			  "%s", e->name);
		cr_assert_eq(rec_fault_applies(REC_FAULT_CRASH, e, 1), crash,
			  "%s", e->name);
	}
}

Test(sysent, persistent_faults)
{
	for (int f = REC_FAULT_SHORT; f < REC_FAULT_COUNT; f++)
		cr_assert_eq(rec_fault_persistent(f),
			  f == REC_FAULT_EIO_DEV || f == REC_FAULT_ENOSPC_DEV,
			  "%s", rec_fault_name(f));
	cr_assert(!rec_fault_persistent(REC_FAULT_NONE));
	cr_assert(!rec_fault_persistent(REC_FAULT_COUNT));
}

Test(sysent, faults_bitmask_matches_fault_applies)
{
	const struct rec_sysent *e;
	enum rec_fault f;
	size_t i;

	for (i = 0; (e = rec_sysent_at(i)); i++)
		for (f = REC_FAULT_SHORT; f < REC_FAULT_COUNT; f++)
			cr_assert_eq(!!(e->faults & (1u << f)),
				     rec_fault_applies(f, e, 4096),
				     "%s %s", e->name, rec_fault_name(f));
}

Test(sysent, key_format)
{
	char buf[64];

	cr_assert_geq(rec_key_format(buf, sizeof(buf), REC_FAM_WRITE,
				     "data.txt", 3), 0);
	cr_assert_str_eq(buf, "write:data.txt:3");
	cr_assert_geq(rec_key_format(buf, sizeof(buf), REC_FAM_SYNC,
				     "dir/a b.txt", 1), 0);
	cr_assert_str_eq(buf, "sync:dir/a b.txt:1");
	cr_assert_geq(rec_key_format(buf, sizeof(buf), REC_FAM_NAMESPACE,
				     "<stdout>", 12), 0);
	cr_assert_str_eq(buf, "namespace:<stdout>:12");
	cr_assert_geq(rec_key_format(buf, sizeof(buf), REC_FAM_WRITE,
				     "/abs/x:y", 4294967295u), 0);
	cr_assert_str_eq(buf, "write:/abs/x:y:4294967295");
}

Test(sysent, key_format_reports_truncation)
{
	char buf[8];

	memset(buf, 'Z', sizeof(buf));
	cr_assert_lt(rec_key_format(buf, sizeof(buf), REC_FAM_WRITE,
				    "data.txt", 3), 0,
		     "a key that does not fit is an error, not a cut key");
}

Test(sysent, family_names_round_trip)
{
	static const char *const names[] = {
		"write", "sync", "namespace", "mmap", "close", "end",
	};
	int f;

	cr_assert_eq(REC_FAM_COUNT, 6);
	for (f = 0; f < REC_FAM_COUNT; f++) {
		cr_assert_str_eq(rec_family_name(f), names[f]);
		cr_assert_eq(rec_family_parse(names[f]), f);
	}
	cr_assert_eq(rec_family_parse("bogus"), -1);
	cr_assert_eq(rec_family_parse(""), -1);
}

Test(sysent, kind_names_round_trip)
{
	static const char *const names[] = {
		"regular", "dir", "pipe", "socket", "tty", "other",
	};
	int k;

	cr_assert_eq(REC_KIND_COUNT, 6);
	for (k = 0; k < REC_KIND_COUNT; k++) {
		cr_assert_str_eq(rec_kind_name(k), names[k]);
		cr_assert_eq(rec_kind_parse(names[k]), k);
	}
	cr_assert_eq(rec_kind_parse("fifo"), -1);
	cr_assert_eq(rec_kind_parse(""), -1);
}

Test(sysent, fault_names_round_trip)
{
	static const char *const names[] = {
		"short", "torn", "eio", "enospc", "crash", "eio+", "enospc+",
		"power", "lost-sync",
	};
	int f;

	cr_assert_eq(REC_FAULT_COUNT, 10);
	for (f = REC_FAULT_SHORT; f < REC_FAULT_COUNT; f++) {
		cr_assert_str_eq(rec_fault_name(f), names[f - 1]);
		cr_assert_eq(rec_fault_parse(names[f - 1]), f);
	}
	cr_assert_eq(rec_fault_parse("bogus"), -1);
	cr_assert_eq(rec_fault_parse("EIO"), -1);
	cr_assert_eq(rec_fault_parse(""), -1);
}

/*
 * power applies to every call and to the end; lost-sync to the durability
 * points only (sync_file_range is not one); only power at the end.
 */
Test(sysent, power_faults_apply)
{
	const struct rec_sysent *e, *end = rec_sysent_by_name("exit");
	static const char *const lost[] = {
		"fsync", "fdatasync", "msync", "syncfs", "sync",
	};
	size_t i, k;

	for (i = 0; (e = rec_sysent_at(i)); i++) {
		bool want = false;

		cr_assert(rec_fault_applies(REC_FAULT_POWER, e, 1), "%s", e->name);
		for (k = 0; k < sizeof(lost) / sizeof(lost[0]); k++)
			want |= strcmp(e->name, lost[k]) == 0;
		cr_assert_eq(rec_fault_applies(REC_FAULT_LOST_SYNC, e, 16), want,
			     "%s", e->name);
	}
	cr_assert_not_null(end);
	cr_assert_eq(end->family, REC_FAM_END);
	cr_assert_null(rec_sysent_by_nr(end->nr), "the filter never stops at exit");
	cr_assert(rec_fault_applies(REC_FAULT_POWER, end, -1));
	for (int f = REC_FAULT_SHORT; f < REC_FAULT_COUNT; f++)
		if (f != REC_FAULT_POWER)
			cr_assert(!rec_fault_applies(f, end, 4096), "%s",
				  rec_fault_name(f));
	cr_assert(!rec_fault_persistent(REC_FAULT_POWER));
	cr_assert(!rec_fault_persistent(REC_FAULT_LOST_SYNC));
}

Test(sysent, end_key_has_no_path)
{
	char buf[64];

	cr_assert_eq(rec_key_format(buf, sizeof(buf), REC_FAM_END, "<end>", 1), 0);
	cr_assert_str_eq(buf, "end:1");
	cr_assert_eq(rec_key_format(buf, sizeof(buf), REC_FAM_WRITE, "a", 2), 0);
	cr_assert_str_eq(buf, "write:a:2");
}

Test(sysent, flags_has_whole_words_only)
{
	cr_assert(rec_flags_has("osync", "osync"));
	cr_assert(rec_flags_has("creat,trunc,osync,created", "osync"));
	cr_assert(rec_flags_has("creat,trunc,osync,created", "creat"));
	cr_assert(rec_flags_has("creat,trunc,osync,created", "created"));
	cr_assert(!rec_flags_has("creat,trunc,created", "osync"));
	cr_assert(!rec_flags_has("odsync", "osync"));
	cr_assert(!rec_flags_has("ms_sync", "sync"));
	cr_assert(!rec_flags_has("created", "creat"));
	cr_assert(!rec_flags_has("", "creat"));
	cr_assert(!rec_flags_has(NULL, "creat"));
	cr_assert(!rec_flags_has("a,,b", ""), "an empty word is never there");
}
