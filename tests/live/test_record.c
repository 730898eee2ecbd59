/*
 * test_record.c - integration tests of `badio record` (and `badio sites`).
 *
 * Each test runs the real badio binary on a target program from
 * tests/progs/ (self-checking: it exits 0 only if every syscall it made
 * returned what it expected), then opens the database read-only with the
 * SQLite C API and asserts the exact rows of the `sites` table: paths,
 * syscalls, offsets, counts, results, checksums (XXH3, computed here)
 * and replay keys, plus badio's exit status.  Programs are started with
 * fork and execve, never through a shell.
 *
 * Sites are compared as text dumps, one line per site in seq order and
 * one space between columns (NULL prints as "-"), so that a failure
 * shows the whole expected and actual sequence.
 *
 * The tests need ptrace.  Without it they fail, unless the environment
 * has BADIO_TEST_ALLOW_SKIP=1 (restricted containers; never in CI).
 */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

static void
setup(void)
{
	harness_setup("record", "db");
}

TestSuite(record, .init = setup, .fini = harness_teardown, .timeout = 120);

/* --- running commands ---------------------------------------------------- */

/* badio record -o tmp/db ARGS... (NULL-terminated). */
#define record(...) badio("record", "-o", db_path, __VA_ARGS__)

/* Record and require a clean exit 0. */
#define RECORD_OK(...) do {						\
	int st_ = record(__VA_ARGS__, NULL);				\
	cr_assert_eq(st_, 0, "badio record exited %d\nstderr:\n%s",	\
		     st_, r.err);					\
} while (0)

static int
lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void
tmp_path(char *buf, size_t size, const char *name)
{
	cr_assert_lt((size_t)snprintf(buf, size, "%s/%s", tmp, name), size);
}

/* --- the database ---------------------------------------------------- */

/* Columns compared for write-family sites, namespace sites, sync sites. */
#define W_COLS	"syscall, fd, path, kind, offset, count, result, append, " \
		"crc_bytes, key"
#define N_COLS	"syscall, path, path2, kind, result, flags, key"
#define S_COLS	"syscall, path, kind, key"

/*
 * Dump cols of the sites WHERE cond (one text parameter), in seq order.
 * These helpers see the calls, not the program's end (family end, the
 * last site of every recording: record::end_site_is_the_last_site).
 */
static const char *
sites_where(sqlite3 *db, const char *cols, const char *cond, const char *arg)
{
	char sql[512];

	cr_assert_lt((size_t)snprintf(sql, sizeof(sql),
				      "SELECT %s FROM sites WHERE family <> 'end' "
				      "AND (%s) ORDER BY seq",
				      cols, cond), sizeof(sql));
	return q_dump(db, sql, arg, NULL);
}

#define ASSERT_DUMP(got, want) do {					\
	const char *g_ = (got);					\
	cr_assert_str_eq(g_, want, "sites differ\n--- want\n%s--- got\n%s", \
			 want, g_);					\
} while (0)

#define ASSERT_SITES(db, cols, cond, arg, want)				\
	ASSERT_DUMP(sites_where(db, cols, cond, arg), want)

static long long
count_where(sqlite3 *db, const char *cond, const char *arg)
{
	char sql[512];

	cr_assert_lt((size_t)snprintf(sql, sizeof(sql),
				      "SELECT count(*) FROM sites WHERE "
				      "family <> 'end' AND (%s)", cond), sizeof(sql));
	return q_int(db, sql, arg, NULL);
}

static long long
count_all(sqlite3 *db)
{
	return q_int(db, "SELECT count(*) FROM sites WHERE family <> 'end'",
	    NULL);
}

/* The checksum badio stores (sites.xxh3): XXH3-64, as a signed integer. */
static long long
hash_of(const void *data, size_t len)
{
	return (long long)XXH3_64bits(data, len);
}

static void
assert_crc(sqlite3 *db, const char *key, const void *data, size_t len)
{
	long long h, n;

	h = q_int(db, "SELECT xxh3 FROM sites WHERE key = ?", key, NULL);
	n = q_int(db, "SELECT crc_bytes FROM sites WHERE key = ?", key, NULL);
	cr_assert_eq(h, hash_of(data, len), "xxh3 of %s: %016llx, want %016llx",
		     key, h, hash_of(data, len));
	cr_assert_eq(n, (long long)len, "crc_bytes of %s", key);
	cr_assert_eq(q_int(db, "SELECT crc32 IS NULL FROM sites WHERE key = ?",
			   key, NULL), 1, "a new site has no crc32");
}

static void
assert_crc_str(sqlite3 *db, const char *key, const char *text)
{
	assert_crc(db, key, text, strlen(text));
}

/* --- basic writes ------------------------------------------------------- */

/* Files outside the run directory: recorded absolute, and warned about. */
Test(record, files_outside_the_run_directory)
{
	char script[600];
	sqlite3 *db;

	snprintf(script, sizeof(script), "echo x > '%s/outside.txt'; "
	    "echo y > inside.txt", tmp);
	RECORD_OK("--", "/bin/sh", "-c", script);
	cr_assert(strstr(r.err, "2 sites on files outside the run directory"),
	    "%s", r.err);
	db = db_open();
	cr_assert_eq(q_int(db, "SELECT count(*) FROM sites WHERE path = ? "
	    "AND kind = 'regular'", "inside.txt", NULL), 2);
	sqlite3_close(db);
	snprintf(script, sizeof(script), "%s/outside.txt", tmp);
	db = db_open();
	cr_assert_eq(q_int(db, "SELECT count(*) FROM sites WHERE path = ?",
	    script, NULL), 2);
	sqlite3_close(db);
}

Test(record, single_write)
{
	sqlite3 *db;
	char ten[10];

	RECORD_OK("--", PROG("p_write"), "out.txt", "1", "10");
	cr_expect_eq(lines(r.err), 1, "want a one-line summary, got:\n%s",
		     r.err);
	db = db_open();
	ASSERT_SITES(db, W_COLS, "family = ?", "write",
		     "write 3 out.txt regular 0 10 10 0 10 write:out.txt:1\n");
	ASSERT_SITES(db, N_COLS, "family = ?", "namespace",
		     "openat out.txt - regular 3 creat,trunc,created "
		     "namespace:out.txt:1\n");
	cr_assert_eq(count_all(db), 2);
	memset(ten, 'a', sizeof(ten));
	assert_crc(db, "write:out.txt:1", ten, sizeof(ten));
	cr_assert_eq(q_int(db, "SELECT count(*) FROM sites WHERE pid = tid "
			   "AND pid > 0 AND t_ns >= 0 AND seq > 0 AND "
			   "key_path = 'out.txt' AND ordinal = 1", NULL), 2);
	cr_assert_eq(q_int(db, "SELECT count(DISTINCT seq) FROM sites", NULL), 3);
	cr_assert_eq(q_int(db, "SELECT count(*) FROM recordings WHERE "
			   "exit_code = 0 AND exe = ?", PROG("p_write"), NULL),
		     1, "recordings: one row, exit_code 0, exe resolved");
	sqlite3_close(db);
}

Test(record, many_writes_offsets_and_crcs)
{
	char key[64], buf[4096];
	sqlite3 *db;
	int k;

	RECORD_OK("--", PROG("p_write"), "big.bin", "100", "4096");
	db = db_open();
	cr_assert_eq(count_where(db, "family = ?", "write"), 100);
	cr_assert_eq(count_where(db, "family = 'write' AND path = 'big.bin' "
				 "AND offset = (ordinal - 1) * 4096 AND "
				 "count = 4096 AND result = 4096 AND "
				 "key = 'write:big.bin:' || ordinal AND ?",
				 "1"), 100);
	for (k = 0; k < 100; k++) {
		snprintf(key, sizeof(key), "write:big.bin:%d", k + 1);
		memset(buf, 'a' + k % 26, sizeof(buf));
		assert_crc(db, key, buf, sizeof(buf));
	}
	sqlite3_close(db);
}

/*
 * badio keeps a duplicate of each written file's fd and checks with one
 * kcmp that the fd still is that open file: an fd number reused after
 * close, dup2, a fork's own close or an exec's close-on-exec names the
 * new file; a position moved by an untraced lseek and an O_APPEND set
 * by fcntl are seen.  Each program also checks the file contents.
 */
Test(record, fd_reused_after_close_and_dup2)
{
	sqlite3 *db;

	RECORD_OK("--", PROG("p_fdreuse"), "reuse");
	db = db_open();
	ASSERT_SITES(db, W_COLS, "family = ?", "write",
		     "write 3 a.txt regular 0 2 2 0 2 write:a.txt:1\n"
		     "write 3 b.txt regular 0 2 2 0 2 write:b.txt:1\n"
		     "write 3 c.txt regular 0 2 2 0 2 write:c.txt:1\n"
		     "write 3 c.txt regular 0 1 1 0 1 write:c.txt:2\n"
		     "write 3 c.txt regular 2 1 1 1 1 write:c.txt:3\n");
	assert_crc_str(db, "write:c.txt:2", "x");
	sqlite3_close(db);
}

Test(record, fd_reused_in_a_forked_child)
{
	sqlite3 *db;

	RECORD_OK("--", PROG("p_fdreuse"), "fork");
	db = db_open();
	ASSERT_SITES(db, W_COLS ", process", "family = ?", "write",
		     "write 3 f.txt regular 0 2 2 0 2 write:f.txt:1 1\n"
		     "write 3 g.txt regular 0 2 2 0 2 write:g.txt:1 2\n"
		     "write 3 f.txt regular 2 2 2 0 2 write:f.txt:2 1\n");
	sqlite3_close(db);
}

Test(record, fd_reused_after_exec_closed_it)
{
	sqlite3 *db;

	RECORD_OK("--", PROG("p_fdreuse"), "exec");
	db = db_open();
	ASSERT_SITES(db, W_COLS, "family = ?", "write",
		     "write 3 e.txt regular 0 2 2 0 2 write:e.txt:1\n"
		     "write 3 h.txt regular 0 2 2 0 2 write:h.txt:1\n");
	sqlite3_close(db);
}

Test(record, default_db_is_badio_db_in_cwd)
{
	char path[512];
	int st;

	st = badio("record", "--", PROG("p_write"), "out.txt", "1", "1", NULL);
	cr_assert_eq(st, 0, "stderr:\n%s", r.err);
	tmp_path(path, sizeof(path), "badio.db");
	cr_assert(exists(path), "record without -o must write ./badio.db");
}

/*
 * recordings.exe is the program's canonical path (realpath), whatever
 * way it was named: the kernel names its mapping so, and call-site
 * frames are matched against it.
 */
Test(record, exe_is_the_canonical_path)
{
	char real[PATH_MAX], want[PATH_MAX + 2];

	cr_assert_not_null(realpath(PROG("p_write"), real));
	cr_assert_eq(mkdir("bin", 0755), 0);
	cr_assert_eq(symlink(PROG("p_write"), "bin/writer"), 0);
	RECORD_OK("--", "./bin/../bin/writer", "out.txt", "1", "1");
	snprintf(want, sizeof(want), "%s\n", real);
	cr_assert_str_eq(dump("SELECT exe FROM recordings"), want);
	cr_assert_str_eq(dump("SELECT argv FROM recordings"),
	    "[\"./bin/../bin/writer\",\"out.txt\",\"1\",\"1\"]\n");
	cr_assert_eq(count("SELECT count(*) FROM callsite_frames f JOIN "
	    "recordings r ON f.module = r.exe") > 0, 1,
	    "call-site frames must name the program as recordings.exe does");
}

Test(record, vectored_and_positioned_writes)
{
	sqlite3 *db;

	RECORD_OK("--", PROG("p_vec"));
	db = db_open();
	ASSERT_SITES(db, W_COLS, "family = ?", "write",
		     "writev 3 vec.out regular 0 12 12 0 12 write:vec.out:1\n"
		     "pwrite64 3 vec.out regular 100 2 2 0 2 write:vec.out:2\n"
		     "pwritev 3 vec.out regular 200 2 2 0 2 write:vec.out:3\n"
		     "pwritev2 3 vec.out regular 300 4 4 0 4 write:vec.out:4\n"
		     "pwritev2 3 vec.out regular 12 2 2 0 2 write:vec.out:5\n"
		     "write 3 vec.out regular 14 1 1 0 1 write:vec.out:6\n");
	assert_crc_str(db, "write:vec.out:1", "hello world\n");
	assert_crc_str(db, "write:vec.out:2", "PW");
	assert_crc_str(db, "write:vec.out:3", "pv");
	assert_crc_str(db, "write:vec.out:4", "abcd");
	assert_crc_str(db, "write:vec.out:5", "zz");
	assert_crc_str(db, "write:vec.out:6", "!");
	cr_assert_eq(count_where(db, "family != ?", "write"), 1);
	sqlite3_close(db);
}

static void
make_init(const char *name, const char *text)
{
	char path[512];

	tmp_path(path, sizeof(path), "init");
	cr_assert_eq(mkdir(path, 0755), 0);
	tmp_path(path, sizeof(path), "init/");
	cr_assert_lt(strlen(path) + strlen(name), sizeof(path));
	strncat(path, name, sizeof(path) - strlen(path) - 1);
	write_file(path, text);
}

static char *
init_dir(void)
{
	static char path[512];

	tmp_path(path, sizeof(path), "init");
	return path;
}

Test(record, o_append_offsets_with_init)
{
	sqlite3 *db;

	make_init("app.txt", "0123456789");
	RECORD_OK("--init", init_dir(), "--", PROG("p_append"), "app.txt");
	db = db_open();
	ASSERT_SITES(db, W_COLS, "family = ?", "write",
		     "write 3 app.txt regular 10 2 2 1 2 write:app.txt:1\n"
		     "write 3 app.txt regular 12 2 2 1 2 write:app.txt:2\n");
	cr_assert_eq(count_where(db, "family != ?", "write"), 0,
		     "a plain open (no O_CREAT/O_TRUNC) is not a site");
	assert_crc_str(db, "write:app.txt:2", "b\n");
	sqlite3_close(db);
}

Test(record, o_append_from_shell_redirection)
{
	sqlite3 *db;

	make_init("f", "0123456789");
	RECORD_OK("--init", init_dir(), "--", "/bin/sh", "-c",
		  "echo a >> f; echo b >> f");
	db = db_open();
	ASSERT_SITES(db, "path, kind, offset, count, result, append, key",
		     "family = 'write' AND path = ?", "f",
		     "f regular 10 2 2 1 write:f:1\n"
		     "f regular 12 2 2 1 write:f:2\n");
	cr_assert_eq(count_where(db, "family = 'namespace' AND path = ?", "f"),
		     2, "dash opens f with O_CREAT|O_APPEND twice");
	sqlite3_close(db);
}

/* --- sync and namespace families ------------------------------------------ */

Test(record, sync_family)
{
	sqlite3 *db;

	RECORD_OK("--", PROG("p_sync"));
	db = db_open();
	ASSERT_SITES(db, W_COLS, "family = ?", "write",
		     "write 3 sync.out regular 0 4096 4096 0 4096 "
		     "write:sync.out:1\n");
	ASSERT_SITES(db, S_COLS, "family = ? AND syscall != 'sync'", "sync",
		     "fsync sync.out regular sync:sync.out:1\n"
		     "fdatasync sync.out regular sync:sync.out:2\n"
		     "sync_file_range sync.out regular sync:sync.out:3\n"
		     "msync sync.out regular sync:sync.out:4\n"
		     "syncfs sync.out regular sync:sync.out:5\n"
		     "fsync . dir sync:.:1\n");
	ASSERT_SITES(db, "syscall, fd, result", "family = ?", "sync",
		     "fsync 3 0\nfdatasync 3 0\nsync_file_range 3 0\n"
		     "msync - 0\nsyncfs 3 0\nfsync 4 0\nsync - 0\n");
	cr_assert_eq(count_where(db, "syscall = 'sync' AND kind = 'other' "
				 "AND family = ?", "sync"), 1);
	cr_assert_eq(q_int(db, "SELECT count FROM sites WHERE key = ?",
			   "sync:sync.out:3", NULL), 4096,
		     "sync_file_range: count is the range length");
	cr_assert_eq(q_int(db, "SELECT count FROM sites WHERE key = ?",
			   "sync:sync.out:4", NULL), 4096,
		     "msync: count is the length");
	sqlite3_close(db);
}

Test(record, namespace_family)
{
	sqlite3 *db;

	RECORD_OK("--", PROG("p_ns"));
	db = db_open();
	ASSERT_SITES(db, N_COLS, "family = ?", "namespace",
		     "openat a.tmp - regular 3 creat,trunc,created "
		     "namespace:a.tmp:1\n"
		     "rename a.tmp a.txt regular 0 - namespace:a.tmp:2\n"
		     "renameat a.txt b.txt regular 0 - namespace:a.txt:1\n"
		     "renameat2 b.txt c.txt regular 0 - namespace:b.txt:1\n"
		     "unlink c.txt - regular 0 - namespace:c.txt:1\n"
		     "creat d.txt - regular 3 creat,trunc,created "
		     "namespace:d.txt:1\n"
		     "unlinkat d.txt - regular 0 - namespace:d.txt:2\n"
		     "open e.txt - regular 3 creat,created namespace:e.txt:1\n"
		     "ftruncate e.txt - regular 0 - namespace:e.txt:2\n"
		     "fallocate e.txt - regular 0 - namespace:e.txt:3\n"
		     "truncate e.txt - regular 0 - namespace:e.txt:4\n"
		     "openat e.txt - regular 3 trunc namespace:e.txt:5\n"
		     "openat e.txt - regular -17 creat,excl namespace:e.txt:6\n"
		     "mkdir sub - dir 0 - namespace:sub:1\n"
		     "openat sub/f.txt - regular 4 creat,created "
		     "namespace:sub/f.txt:1\n"
		     "unlinkat sub/f.txt - regular 0 - namespace:sub/f.txt:2\n"
		     "unlinkat sub - dir 0 removedir namespace:sub:2\n");
	ASSERT_SITES(db, "syscall, fd, count", "syscall LIKE ?", "%truncate",
		     "ftruncate 3 5\ntruncate - 10\n");
	cr_assert_eq(q_int(db, "SELECT count FROM sites WHERE key = ?",
			   "namespace:e.txt:3", NULL), 8192,
		     "fallocate: count is the length");
	ASSERT_SITES(db, W_COLS, "family = ?", "write",
		     "write 3 a.tmp regular 0 5 5 0 5 write:a.tmp:1\n"
		     "write 3 e.txt regular 0 16 16 0 16 write:e.txt:1\n"
		     "write 3 e.txt regular 0 3 3 0 3 write:e.txt:2\n");
	cr_assert_eq(count_where(db, "family = ?", "sync"), 0);
	sqlite3_close(db);
}

/*
 * What FICLONE gives here: 0 where the file system reflinks (btrfs, XFS),
 * else -errno (EOPNOTSUPP on ext4 and tmpfs).  The tests expect what this
 * file system does; TMPDIR=/an/xfs/mount runs them there.
 */
static int
clone_probe(void)
{
	char a[512], b[512];
	int fa, fb, rc;

	tmp_path(a, sizeof(a), "clone-a");
	tmp_path(b, sizeof(b), "clone-b");
	fa = open(a, O_RDWR | O_CREAT | O_TRUNC, 0644);
	fb = open(b, O_RDWR | O_CREAT | O_TRUNC, 0644);
	cr_assert(fa >= 0 && fb >= 0 && write(fa, "x", 1) == 1);
	rc = ioctl(fb, FICLONE, fa) == 0 ? 0 : -errno;
	close(fa);
	close(fb);
	unlink(a);
	unlink(b);
	return rc;
}

/*
 * The calls that make and swap names (issue 9).  Files made with
 * O_TMPFILE are <tmpfile:DIR:N> (issue 8), the same in every run, until
 * linkat names them; the O_TMPFILE opens are sites.
 */
#define NAME_COLS	"syscall, path, path2, kind, result, flags"

Test(record, names)
{
	sqlite3 *db;

	RECORD_OK("--", PROG("p_names"));
	db = db_open();
	ASSERT_SITES(db, NAME_COLS, "family != 'write' AND ?", "1",
		     "mkdir d - dir 0 -\n"
		     "mkdirat d/e - dir 0 -\n"
		     "mkdir d - dir -17 -\n"
		     "mkdirat d/f - dir 0 -\n"
		     "rmdir d/f - dir 0 -\n"
		     "fsync d - dir 0 -\n"
		     "openat a - regular 3 creat,excl,created\n"
		     "link b a regular 0 -\n"
		     "linkat d/c b regular 0 -\n"
		     "link b a regular -17 -\n"
		     "symlink s a regular 0 -\n"
		     "symlinkat d/s2 ../x//y regular 0 -\n"
		     "linkat s.follow s regular 0 symlink_follow\n"
		     "openat <tmpfile:.:1> - regular 3 tmpfile\n"
		     "linkat t1 <tmpfile:.:1> regular 0 empty_path,tmpfile\n"
		     "openat <tmpfile:d:1> - regular 3 tmpfile\n"
		     "linkat d/t2 <tmpfile:d:1> regular 0 symlink_follow,tmpfile\n"
		     "openat x - regular 3 creat,trunc,created\n"
		     "openat y - regular 3 creat,trunc,created\n"
		     "renameat2 x y regular 0 exchange\n"
		     "renameat2 x y regular -17 noreplace\n"
		     "renameat2 x z regular 0 noreplace\n"
		     "rename z y regular 0 replaced\n"
		     "mknod fifo - pipe 0 fifo\n"
		     "mknodat reg - regular 0 reg\n"
		     "mknodat reg0 - regular 0 reg\n"
		     "unlink fifo - pipe 0 -\n");
	/* the data of the tmpfiles is written before they have a name */
	ASSERT_SITES(db, "syscall, path, offset, count, result",
		     "family = 'write' AND path GLOB ?", "<tmpfile:*",
		     "write <tmpfile:.:1> 0 4 4\n"
		     "write <tmpfile:d:1> 0 5 5\n");
	cr_assert_eq(q_int(db, "SELECT count(*) FROM sites WHERE key = "
			   "'namespace:' || path || ':' || ordinal AND "
			   "family = ?", "namespace", NULL), 26,
		     "the key of a link or symlink is its new name");
	cr_assert_eq(count_all(db), 32);
	sqlite3_close(db);
}

/* What makes a write durable, and the modes of fallocate, msync... */
Test(record, flags)
{
	char zero[16], path[512];
	int fd, rc;
	sqlite3 *db;

	/* ZERO_RANGE is not on every file system (tmpfs): ask this one */
	tmp_path(path, sizeof(path), "probe");
	fd = open(path, O_RDWR | O_CREAT, 0644);
	cr_assert_geq(fd, 0);
	rc = fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, 4096) == 0 ? 0 : -errno;
	close(fd);
	unlink(path);
	snprintf(zero, sizeof(zero), "%d", rc);
	RECORD_OK("--", PROG("p_flags"), zero);
	db = db_open();
	ASSERT_SITES(db, "syscall, path, offset, count, result, append, flags",
		     "seq <= (SELECT seq FROM sites WHERE flags = ?)",
		     "keep_size,punch_hole",
		     "openat os - - 3 0 creat,trunc,osync,created\n"
		     "write os 0 4 4 0 osync\n"
		     "openat ods - - 3 0 creat,odsync,created\n"
		     "write ods 0 5 5 0 odsync\n"
		     "pwrite64 ods 5 1 1 1 odsync\n"
		     "openat plain - - 3 0 creat,created\n"
		     "write plain 0 10 10 0 -\n"
		     "pwritev2 plain 0 2 2 0 rwf_dsync\n"
		     "pwritev2 plain 10 2 2 0 rwf_append\n"
		     "openat m - - 3 0 creat,created\n"
		     "fallocate m 0 8192 0 0 -\n"
		     "fallocate m 8192 4096 0 0 keep_size\n"
		     "fallocate m 0 4096 0 0 keep_size,punch_hole\n");
	ASSERT_SITES(db, "syscall, path, kind, offset, count, result, flags",
		     "seq > (SELECT seq FROM sites WHERE flags = ?)",
		     "keep_size,punch_hole", rc == 0 ?
		     "fallocate m regular 4096 4096 0 zero_range\n"
		     "mmap m regular 0 8192 105553116266496 -\n"
		     "msync m regular 4096 4096 0 ms_sync\n"
		     "msync m regular 0 8192 0 ms_async,ms_invalidate\n"
		     "munmap m regular 0 8192 0 -\n"
		     "sync_file_range m regular 0 8192 0 "
		     "wait_before,write,wait_after\n"
		     "fdatasync m regular - - 0 -\n" :
		     "fallocate m regular 4096 4096 -95 zero_range\n"
		     "mmap m regular 0 8192 105553116266496 -\n"
		     "msync m regular 4096 4096 0 ms_sync\n"
		     "msync m regular 0 8192 0 ms_async,ms_invalidate\n"
		     "munmap m regular 0 8192 0 -\n"
		     "sync_file_range m regular 0 8192 0 "
		     "wait_before,write,wait_after\n"
		     "fdatasync m regular - - 0 -\n");
	assert_crc_str(db, "write:ods:2", "+");
	assert_crc_str(db, "write:plain:3", "dd");
	sqlite3_close(db);
}

/*
 * The copy calls: the output is the site's file, the source path2 at
 * offset2; count is what the source held; the CRC is of the bytes moved.
 */
Test(record, copy_calls)
{
	static const struct { const char *key, *data; } crcs[] = {
		{ "write:dst:1", "0123456789abcdef" }, { "write:dst:2", "" },
		{ "write:dst:3", "456789" }, { "write:dst:4", "012" },
		{ "write:dst:5", "abcdef" }, { "write:dst:6", "PIPEDATA" },
		{ "write:<pipe>:2", "01234" }, { "write:<socket>:1", "cdef" },
		{ "write:wo:1", "WO" }, { "write:wo:2", "0123456" },
		{ "write:wo:3", "AT" },
		{ "write:os:1", "89abcdef" },
	};
	int clone = clone_probe();
	char arg[16], want[256];
	sqlite3 *db;

	snprintf(arg, sizeof(arg), "%d", clone);
	RECORD_OK("--", PROG("p_copy"), arg);
	db = db_open();
	ASSERT_SITES(db, "syscall, fd, path, path2, kind, offset, offset2, "
		     "count, result, flags, crc_bytes, key",
		     "syscall IN ('copy_file_range', 'sendfile', 'splice') "
		     "AND ?", "1",
		     "copy_file_range 6 dst src regular 0 0 16 16 - 16 "
		     "write:dst:1\n"
		     "copy_file_range 6 dst src regular 16 16 0 0 - 0 "
		     "write:dst:2\n"
		     "copy_file_range 6 dst src regular 100 4 6 6 - 6 "
		     "write:dst:3\n"
		     "sendfile 6 dst src regular 16 0 3 3 - 3 write:dst:4\n"
		     "sendfile 6 dst src regular 19 10 6 6 - 6 write:dst:5\n"
		     "splice 6 dst <pipe> regular 25 - 8 8 - 8 write:dst:6\n"
		     "splice 5 <pipe> src pipe - 0 5 5 move 5 "
		     "write:<pipe>:2\n"
		     "sendfile 6 <socket> src socket - 12 4 4 - 4 "
		     "write:<socket>:1\n"
		     "splice 6 wo <pipe> regular 0 - 2 2 - 2 write:wo:1\n"
		     "copy_file_range 6 wo src regular 2 0 7 7 - 7 "
		     "write:wo:2\n"
		     "splice 6 wo <pipe> regular 100 - 2 2 - 2 write:wo:3\n"
		     "copy_file_range 6 os src regular 0 8 8 8 osync 8 "
		     "write:os:1\n"
		     "copy_file_range 6 ap src regular 0 0 4 -9 - - "
		     "write:ap:1\n");
	for (size_t i = 0; i < sizeof(crcs) / sizeof(crcs[0]); i++)
		assert_crc_str(db, crcs[i].key, crcs[i].data);
	/* reflinks: the whole source (a length of 0 is to its end) */
	snprintf(want, sizeof(want),
		 "ioctl 6 cl src regular 0 0 16 %d ficlone %s write:cl:1\n"
		 "ioctl 6 cl src regular 0 0 16 %d ficlonerange %s write:cl:2\n",
		 clone, clone == 0 ? "16" : "-", clone, clone == 0 ? "16" : "-");
	ASSERT_SITES(db, "syscall, fd, path, path2, kind, offset, offset2, "
		     "count, result, flags, crc_bytes, key", "syscall = ?",
		     "ioctl", want);
	if (clone == 0)
		assert_crc_str(db, "write:cl:2", "0123456789abcdef");
	sqlite3_close(db);
}

/* --- real programs that make names and copy (issue 9) -------------------- */

/* /bin/sh -c script in tmp; must exit 0.  Its stdout, in r until the next run. */
static const char *
sh(const char *script)
{
	const char *argv[] = { "/bin/sh", "-c", script, NULL };

	cr_assert_eq(run_argv(argv, NULL, tmp, &r), 0, "%s: %s", script,
		     r.err);
	return r.out;
}

#define TREE_COLS	"syscall, path, path2, kind, offset, offset2, count, " \
			"result, flags"


/* coreutils cp copies file data with copy_file_range, asking for 2^63 */
Test(record, cp_a_tree)
{
	sqlite3 *db;

	sh("mkdir -p init/src/sub && printf 'hello\\n' > init/src/a.txt && "
	   "printf 'world!!\\n' > init/src/sub/b.txt && "
	   "ln -s a.txt init/src/lnk");
	int clone = clone_probe();
	char want[2048];

	RECORD_OK("--init", init_dir(), "--", "cp", "-a", "src", "dst");
	db = db_open();
	/* it tries a reflink first; where there is none, it copies */
	if (clone == 0)
		snprintf(want, sizeof(want),
		    "mkdirat dst - dir - - - 0 -\n"
		    "openat dst/a.txt - regular - - - 4 creat,excl,created\n"
		    "ioctl dst/a.txt src/a.txt regular 0 0 6 0 ficlone\n"
		    "symlinkat dst/lnk a.txt regular - - - 0 -\n"
		    "mkdirat dst/sub - dir - - - 0 -\n"
		    "openat dst/sub/b.txt - regular - - - 4 creat,excl,created\n"
		    "ioctl dst/sub/b.txt src/sub/b.txt regular 0 0 8 0 ficlone\n");
	else
		snprintf(want, sizeof(want),
		    "mkdirat dst - dir - - - 0 -\n"
		    "openat dst/a.txt - regular - - - 4 creat,excl,created\n"
		    "ioctl dst/a.txt src/a.txt regular 0 0 6 %d ficlone\n"
		    "copy_file_range dst/a.txt src/a.txt regular 0 0 6 6 -\n"
		    "copy_file_range dst/a.txt src/a.txt regular 6 6 0 0 -\n"
		    "symlinkat dst/lnk a.txt regular - - - 0 -\n"
		    "mkdirat dst/sub - dir - - - 0 -\n"
		    "openat dst/sub/b.txt - regular - - - 4 creat,excl,created\n"
		    "ioctl dst/sub/b.txt src/sub/b.txt regular 0 0 8 %d ficlone\n"
		    "copy_file_range dst/sub/b.txt src/sub/b.txt regular 0 0 8 "
		    "8 -\n"
		    "copy_file_range dst/sub/b.txt src/sub/b.txt regular 8 8 0 "
		    "0 -\n", clone, clone);
	/* by path: the order of a directory's entries is the file system's */
	ASSERT_DUMP(q_dump(db, "SELECT " TREE_COLS " FROM sites "
			   "WHERE family <> 'end' ORDER BY path, seq", NULL), want);
	assert_crc_str(db, clone == 0 ? "write:dst/a.txt:1" :
		       "write:dst/a.txt:2", "hello\n");
	assert_crc_str(db, clone == 0 ? "write:dst/sub/b.txt:1" :
		       "write:dst/sub/b.txt:2", "world!!\n");
	sqlite3_close(db);
}

/* tar -x: directories, files, a symlink, a hard link, in archive order */
Test(record, tar_x)
{
	sqlite3 *db;

	sh("mkdir -p stage/sub init && printf 'hello\\n' > stage/a.txt && "
	   "printf 'world!!\\n' > stage/sub/b.txt && "
	   "ln -s a.txt stage/lnk && ln stage/a.txt stage/hard && "
	   "tar -cf init/t.tar -C stage --no-recursion sub sub/b.txt a.txt "
	   "lnk hard");
	RECORD_OK("--init", init_dir(), "--", "tar", "-xf", "t.tar");
	db = db_open();
	ASSERT_SITES(db, TREE_COLS, "? IS NOT NULL", "all",
		     "mkdirat sub - dir - - - 0 -\n"
		     "openat sub/b.txt - regular - - - 4 creat,excl,created\n"
		     "write sub/b.txt - regular 0 - 8 8 -\n"
		     "openat a.txt - regular - - - 4 creat,excl,created\n"
		     "write a.txt - regular 0 - 6 6 -\n"
		     "symlinkat lnk a.txt regular - - - 0 -\n"
		     "linkat hard a.txt regular - - - 0 -\n");
	sqlite3_close(db);
}

/* ln, ln -s, mkdir -p (which makes each level relative to the last) */
Test(record, ln_and_mkdir_p)
{
	sqlite3 *db;

	sh("mkdir init && echo x > init/a");
	RECORD_OK("--init", init_dir(), "--", "/bin/sh", "-c",
		  "ln a b && ln -s a c && mkdir -p x/y/z && rmdir x/y/z");
	db = db_open();
	ASSERT_SITES(db, TREE_COLS, "? IS NOT NULL", "all",
		     "linkat b a regular - - - 0 -\n"
		     "symlinkat c a regular - - - 0 -\n"
		     "mkdir x - dir - - - 0 -\n"
		     "mkdir x/y - dir - - - 0 -\n"
		     "mkdir x/y/z - dir - - - 0 -\n"
		     "rmdir x/y/z - dir - - - 0 -\n");
	sqlite3_close(db);
}

/* git's temporary names end in 6 random characters: cut them */
#define NO_TMP_OBJ(col)	"CASE WHEN instr(" col ", 'tmp_obj_') THEN " \
			"substr(" col ", 1, instr(" col ", 'tmp_obj_') + 7) " \
			"ELSE " col " END"
/* Python's shutil copies with sendfile (an offset of its own, NULL) */
Test(record, python_shutil_copy)
{
	sqlite3 *db;

	sh("mkdir init && printf 0123456789 > init/a");
	RECORD_OK("--init", init_dir(), "--", PYTHON3, "-c",
		  "import shutil; shutil.copyfile('a', 'b')");
	db = db_open();
	ASSERT_SITES(db, TREE_COLS, "path = ?", "b",
		     "openat b - regular - - - 4 creat,trunc,created\n"
		     "sendfile b a regular 0 0 10 10 -\n"
		     "sendfile b a regular 10 10 0 0 -\n");
	assert_crc_str(db, "write:b:1", "0123456789");
	sqlite3_close(db);
}

/*
 * Go's io.Copy between files is copy_file_range; MkdirAll is mkdirat.  The
 * rename of one link of b.txt onto another does nothing (rename(2)):
 * "noop", not "replaced".
 */
Test(record, go_copy_and_names)
{
	sqlite3 *db;

	sh("mkdir init && printf 'go data\\n' > init/a.txt");
	RECORD_OK("--init", init_dir(), "--", PROG("p_gocopy"));
	db = db_open();
	ASSERT_SITES(db, TREE_COLS, "family != ? OR path = 'b.txt'", "write",
		     "openat b.txt - regular - - - 7 creat,trunc,created\n"
		     "copy_file_range b.txt a.txt regular 0 0 8 8 -\n"
		     "copy_file_range b.txt a.txt regular 8 8 0 0 -\n"
		     "fsync b.txt - regular - - - 0 -\n"
		     "mkdirat x - dir - - - 0 -\n"
		     "mkdirat x/y - dir - - - 0 -\n"
		     "linkat x/y/b.txt b.txt regular - - - 0 -\n"
		     "symlinkat x/s ../b.txt regular - - - 0 -\n"
		     "renameat x/y/b.txt b.txt regular - - - 0 noop\n");
	assert_crc_str(db, "write:b.txt:1", "go data\n");
	sqlite3_close(db);
}

#define GIT_ENV	"GIT_AUTHOR_DATE=2020-01-01T00:00:00Z", \
		"GIT_COMMITTER_DATE=2020-01-01T00:00:00Z", \
		"HOME=/nonexistent", "GIT_CONFIG_NOSYSTEM=1"

/*
 * git commit publishes each object by writing tmp_obj_XXXXXX, linking it
 * under its hash (in a directory it makes) and unlinking the temporary.
 * The hashes are those of the same commit made without badio.
 */
Test(record, git_commit)
{
	char want[2048], t[41], c[41];
	const char *hashes;
	sqlite3 *db;

	sh("mkdir init && cd init && git init -q . && "
	   "git config user.email t@example.com && git config user.name T && "
	   "echo hi > f.txt && git add f.txt && cp -a . ../native");
	hashes = sh("cd native && env GIT_AUTHOR_DATE=2020-01-01T00:00:00Z "
		    "GIT_COMMITTER_DATE=2020-01-01T00:00:00Z HOME=/nonexistent "
		    "GIT_CONFIG_NOSYSTEM=1 git commit -q -m one && "
		    "git rev-parse 'HEAD^{tree}' HEAD");
	cr_assert_eq(sscanf(hashes, "%40s %40s", t, c), 2, "%s", hashes);
	RECORD_OK("--init", init_dir(), "--", "/usr/bin/env", GIT_ENV, "git",
		  "commit", "-q", "-m", "one");
	db = db_open();
	snprintf(want, sizeof(want),
		 "mkdir .git/objects/%.2s - 0 -\n"
		 "link .git/objects/%.2s/%s .git/objects/%.2s/tmp_obj_ 0 -\n"
		 "unlink .git/objects/%.2s/tmp_obj_ - 0 -\n"
		 "rename .git/index.lock .git/index 0 replaced\n"
		 "mkdir .git/objects/%.2s - 0 -\n"
		 "link .git/objects/%.2s/%s .git/objects/%.2s/tmp_obj_ 0 -\n"
		 "unlink .git/objects/%.2s/tmp_obj_ - 0 -\n"
		 "mkdir .git/logs - 0 -\n"
		 "mkdir .git/logs/refs - 0 -\n"
		 "mkdir .git/logs/refs/heads - 0 -\n"
		 "rename .git/refs/heads/master.lock .git/refs/heads/master 0 -\n",
		 t, t, t + 2, t, t, c, c, c + 2, c, c);
	ASSERT_SITES(db, "syscall, " NO_TMP_OBJ("path") ", "
		     NO_TMP_OBJ("path2") ", result, flags",
		     "syscall IN ('mkdir', 'link', 'rename') OR (syscall = ? AND "
		     "path GLOB '*/tmp_obj_*' AND result = 0)", "unlink", want);
	sqlite3_close(db);
}

/* --- threads and processes ---------------------------------------------- */

Test(record, four_threads_exact_per_file_counts)
{
	char path[32], buf[16], key[64];
	sqlite3 *db;
	int k;

	RECORD_OK("--", PROG("p_threads"), "4", "200");
	db = db_open();
	for (k = 0; k < 4; k++) {
		snprintf(path, sizeof(path), "thr-%d.out", k);
		cr_assert_eq(count_where(db, "family = 'write' AND path = ?",
					 path), 200, "%s", path);
		cr_assert_eq(count_where(db, "family = 'write' AND count = 16 "
					 "AND result = 16 AND offset = "
					 "(ordinal - 1) * 16 AND key = "
					 "'write:' || path || ':' || ordinal "
					 "AND path = ?", path), 200, "%s", path);
		cr_assert_eq(count_where(db, "family = 'namespace' AND path = ?",
					 path), 1, "%s", path);
		cr_assert_eq(q_int(db, "SELECT count(DISTINCT tid) FROM sites "
				   "WHERE path = ?", path, NULL), 1,
			     "%s is written by one thread", path);
		/* the k-th thread main created is thread k + 2 of process 1 */
		cr_assert_eq(q_int(db, "SELECT count(*) FROM sites WHERE path "
				   "= ? AND process = 1 AND thread = ?", path,
				   (snprintf(key, sizeof(key), "%d", k + 2), key),
				   NULL), 201, "%s", path);
		memset(buf, 'A' + k, sizeof(buf));
		snprintf(key, sizeof(key), "write:%s:200", path);
		assert_crc(db, key, buf, sizeof(buf));
	}
	cr_assert_eq(q_int(db, "SELECT count(DISTINCT tid) FROM sites WHERE "
			   "family <> 'end'", NULL), 4);
	cr_assert_eq(q_int(db, "SELECT count(DISTINCT pid) FROM sites", NULL), 1);
	cr_assert_eq(count_where(db, "tid = pid AND ?", "1"), 0,
		     "the writers are not the leader thread");
	/* the end site is PROG's main thread's, which made no site */
	cr_assert_eq(q_int(db, "SELECT count(*) FROM sites WHERE family = 'end' "
			   "AND tid = pid AND process = 1 AND thread = 1", NULL), 1);
	cr_assert_eq(count_all(db), 4 * 201);
	sqlite3_close(db);
}

Test(record, fork)
{
	sqlite3 *db;

	RECORD_OK("--", PROG("p_fork"), "fork");
	db = db_open();
	ASSERT_SITES(db, "syscall, path, offset, count, key",
		     "family = ?", "write",
		     "write child.out 0 8 write:child.out:1\n"
		     "write child.out 8 8 write:child.out:2\n"
		     "write child.out 16 8 write:child.out:3\n"
		     "write parent.out 0 8 write:parent.out:1\n"
		     "write parent.out 8 8 write:parent.out:2\n");
	cr_assert_eq(q_int(db, "SELECT count(DISTINCT pid) FROM sites", NULL), 2);
	cr_assert_eq(count_where(db, "pid = tid AND ?", "1"), 7);
	sqlite3_close(db);
}

static void
check_child_file(const char *mode, const char *file)
{
	sqlite3 *db;

	RECORD_OK("--", PROG("p_fork"), mode);
	db = db_open();
	cr_assert_eq(count_where(db, "family = 'write' AND count = 8 AND "
				 "result = 8 AND path = ?", file), 3, "%s", mode);
	cr_assert_eq(count_where(db, "family = 'namespace' AND path = ?", file),
		     1, "%s", mode);
	cr_assert_eq(count_all(db), 4, "%s", mode);
	cr_assert_eq(q_int(db, "SELECT count(DISTINCT pid) FROM sites WHERE "
	    "family <> 'end'", NULL), 1);
	sqlite3_close(db);
}

Test(record, vfork_exec)
{
	check_child_file("vfork", "vfork.out");
}

Test(record, posix_spawn)
{
	check_child_file("spawn", "spawn.out");
}

Test(record, fork_vfork_exec_shell_appends)
{
	sqlite3 *db;

	RECORD_OK("--", PROG("p_fork"), "forkexec");
	db = db_open();
	ASSERT_SITES(db, "path, offset, count, result, append, key",
		     "family = 'write' AND path = ?", "lines.out",
		     "lines.out 0 7 7 1 write:lines.out:1\n"
		     "lines.out 7 5 5 1 write:lines.out:2\n"
		     "lines.out 12 5 5 1 write:lines.out:3\n"
		     "lines.out 17 5 5 1 write:lines.out:4\n");
	cr_assert_eq(q_int(db, "SELECT count(DISTINCT pid) FROM sites WHERE "
			   "family = 'write' AND path = ?", "lines.out", NULL),
		     4);
	cr_assert_eq(count_where(db, "family = 'namespace' AND path = ?",
				 "lines.out"), 4);
	assert_crc_str(db, "write:lines.out:4", "fork\n");
	sqlite3_close(db);
}

Test(record, pipe_eof_reaches_the_reader, .timeout = 30)
{
	sqlite3 *db;

	RECORD_OK("--", PROG("p_fork"), "pipe");
	db = db_open();
	ASSERT_SITES(db, "syscall, fd, path, kind, offset, count, result",
		     "family = ?", "write",
		     "write 4 <pipe> pipe - 5 5\n"
		     "write 4 <pipe> pipe - 5 5\n"
		     "write 4 <pipe> pipe - 5 5\n");
	sqlite3_close(db);
}

Test(record, threads_that_fork)
{
	char path[32];
	sqlite3 *db;
	int k;

	RECORD_OK("--", PROG("p_fork"), "tree", "10");
	db = db_open();
	for (k = 0; k < 10; k++) {
		snprintf(path, sizeof(path), "tree-%d.out", k);
		cr_assert_eq(count_where(db, "family = 'write' AND path = ?",
					 path), 1, "%s", path);
	}
	cr_assert_eq(q_int(db, "SELECT count(DISTINCT pid) FROM sites WHERE "
	    "family <> 'end'", NULL), 10);
	cr_assert_eq(count_all(db), 20);
	/*
	 * ten processes besides PROG, numbered 2..11, one thread each;
	 * PROG (1) has the end site only
	 */
	cr_assert_str_eq(q_dump(db, "SELECT group_concat(process) FROM (SELECT "
				"DISTINCT process FROM sites ORDER BY process)",
				NULL), "1,2,3,4,5,6,7,8,9,10,11\n");
	cr_assert_eq(q_int(db, "SELECT count(*) FROM sites WHERE thread = 1",
			   NULL), 21);
	cr_assert_eq(q_int(db, "SELECT count(DISTINCT pid) FROM sites GROUP BY "
			   "process ORDER BY 1 DESC LIMIT 1", NULL), 1);
	sqlite3_close(db);
}

Test(record, exec)
{
	sqlite3 *db;

	RECORD_OK("--", PROG("p_exec"), "exec");
	db = db_open();
	ASSERT_SITES(db, "path, count, key", "family = ?", "write",
		     "pre.out 4 write:pre.out:1\npost.out 5 write:post.out:1\n");
	cr_assert_eq(q_int(db, "SELECT count(DISTINCT pid) FROM sites", NULL), 1);
	assert_crc_str(db, "write:post.out:1", "post\n");
	sqlite3_close(db);
}

Test(record, exec_from_non_leader_thread)
{
	sqlite3 *db;

	RECORD_OK("--", PROG("p_exec"), "thread-exec");
	db = db_open();
	ASSERT_SITES(db, "path, count, key", "family = ?", "write",
		     "pre.out 4 write:pre.out:1\npost.out 5 write:post.out:1\n");
	cr_assert_eq(q_int(db, "SELECT count(DISTINCT pid) FROM sites", NULL), 1,
		     "exec keeps the pid");
	cr_assert_eq(count_where(db, "path = 'post.out' AND tid = pid AND ?",
				 "1"), 2, "after exec the thread is the leader");
	/* and thread 1 of process 1 again; before it, the main thread */
	cr_assert_str_eq(q_dump(db, "SELECT DISTINCT path, process, thread FROM "
				"sites ORDER BY seq", NULL),
			 "pre.out 1 1\npost.out 1 1\n<end> 1 1\n");
	sqlite3_close(db);
}

Test(record, exec_shell_from_non_leader_thread)
{
	sqlite3 *db;

	RECORD_OK("--", PROG("p_exec"), "thread-exec-sh");
	db = db_open();
	ASSERT_SITES(db, "path, count, result, key",
		     "family = 'write' AND path = ?", "sh.out",
		     "sh.out 2 2 write:sh.out:1\n");
	assert_crc_str(db, "write:sh.out:1", "x\n");
	cr_assert_eq(q_int(db, "SELECT count(DISTINCT pid) FROM sites", NULL), 1);
	sqlite3_close(db);
}

/* --- signals -------------------------------------------------------------- */

Test(record, sigusr1_handler_runs_100_times)
{
	sqlite3 *db;

	RECORD_OK("--", PROG("p_signals"), "usr1", "100");
	db = db_open();
	cr_assert_eq(count_where(db, "family = 'write' AND count = 1 AND "
				 "result = 1 AND path = ?", "sig.out"), 100);
	cr_assert_eq(q_int(db, "SELECT max(ordinal) FROM sites WHERE key_path "
			   "= ? AND family = 'write'", "sig.out", NULL), 100);
	sqlite3_close(db);
}

Test(record, sigstop_self_then_continued)
{
	sqlite3 *db;

	RECORD_OK("--", PROG("p_signals"), "stop");
	db = db_open();
	cr_assert_eq(count_where(db, "family = 'write' AND path = ?",
				 "resumed.out"), 1);
	sqlite3_close(db);
}

Test(record, sigstop_sigcont_sigterm_child)
{
	RECORD_OK("--", PROG("p_signals"), "stopchild");
}

Test(record, writes_under_interval_timer)
{
	sqlite3 *db;

	RECORD_OK("--", PROG("p_signals"), "sigwrite", "2000");
	db = db_open();
	cr_assert_eq(count_where(db, "family = 'write' AND count = 10 AND "
				 "result = 10 AND path = ?", "sigw.out"), 2000);
	sqlite3_close(db);
}

Test(record, restarted_write_counted_once, .timeout = 30)
{
	sqlite3 *db;

	RECORD_OK("--", PROG("p_signals"), "restart");
	db = db_open();
	ASSERT_SITES(db, "syscall, path, kind, offset, count, result",
		     "family = 'write' AND kind = ?", "pipe",
		     "write <pipe> pipe - 4096 4096\n"
		     "write <pipe> pipe - 1 -11\n"
		     "write <pipe> pipe - 100 100\n");
	sqlite3_close(db);
}

/* --- exit status ------------------------------------------------------------ */

static void
check_status(const char *mode, const char *arg, int want, const char *like)
{
	sqlite3 *db;
	int st;

	st = record("--", PROG("p_status"), mode, arg, NULL);
	cr_assert_eq(st, want, "p_status %s: badio exited %d, want %d\n%s",
		     mode, st, want, r.err);
	db = db_open();
	cr_assert_eq(count_where(db, "family = 'write' AND path = ?",
				 "status.out"), 1, "the write before the end");
	cr_assert_eq(q_int(db, "SELECT count(*) FROM recordings WHERE "
			   "exit_code = ? AND status LIKE ?",
			   want == 3 ? "3" : want == 137 ? "137" : "139",
			   like, NULL), 1, "recordings.status like %s", like);
	sqlite3_close(db);
}

Test(record, exit_3_passed_through)
{
	check_status("exit", "3", 3, "exit:3");
}

Test(record, sigkill_gives_137)
{
	check_status("kill", NULL, 137, "signal:%KILL");
}

Test(record, sigsegv_gives_139)
{
	check_status("segv", NULL, 139, "signal:%SEGV");
}

Test(record, shell_exit_3)
{
	int st;

	st = record("--", "/bin/sh", "-c", "exit 3", NULL);
	cr_assert_eq(st, 3, "stderr:\n%s", r.err);
}

/* --- runtimes ------------------------------------------------------------- */

Test(record, python_program)
{
	sqlite3 *db;

	RECORD_OK("--", PYTHON3, PROGS_SRC "/p_py.py");
	db = db_open();
	ASSERT_SITES(db, "syscall, path, offset, count, result, key",
		     "family = 'write' AND path LIKE ?", "%.out",
		     "write py.out 0 4 4 write:py.out:1\n"
		     "write py.out 4 4 4 write:py.out:2\n"
		     "write py.out 8 4 4 write:py.out:3\n"
		     "write buf.out 0 20 20 write:buf.out:1\n");
	assert_crc_str(db, "write:py.out:2", "py1\n");
	assert_crc_str(db, "write:buf.out:1", "aaaaaaaaaabbbbbbbbbb");
	ASSERT_SITES(db, "family, path, path2, key",
		     "family != 'write' AND key_path LIKE ?", "%.out",
		     "namespace py.out - namespace:py.out:1\n"
		     "sync py.out - sync:py.out:1\n"
		     "namespace py.out py.txt namespace:py.out:2\n"
		     "namespace buf.out - namespace:buf.out:1\n");
	cr_assert_eq(count_where(db, "syscall IN ('rename', 'renameat', "
				 "'renameat2') AND path = ?", "py.out"), 1);
	sqlite3_close(db);
}

Test(record, go_program_goroutines)
{
	char path[32], key[64], buf[16];
	sqlite3 *db;
	int k;

	RECORD_OK("--", PROG("p_go"), "4", "50");
	db = db_open();
	for (k = 0; k < 4; k++) {
		snprintf(path, sizeof(path), "go-%d.out", k);
		cr_assert_eq(count_where(db, "family = 'write' AND count = 16 "
					 "AND result = 16 AND offset = "
					 "(ordinal - 1) * 16 AND path = ?",
					 path), 50, "%s", path);
		cr_assert_eq(count_where(db, "family = 'write' AND path = ?",
					 path), 50, "%s", path);
		ASSERT_SITES(db, "syscall, family, key",
			     "family != 'write' AND path = ?", path,
			     k == 0 ? "openat namespace namespace:go-0.out:1\n"
				      "fsync sync sync:go-0.out:1\n" :
			     k == 1 ? "openat namespace namespace:go-1.out:1\n"
				      "fsync sync sync:go-1.out:1\n" :
			     k == 2 ? "openat namespace namespace:go-2.out:1\n"
				      "fsync sync sync:go-2.out:1\n" :
				      "openat namespace namespace:go-3.out:1\n"
				      "fsync sync sync:go-3.out:1\n");
		memset(buf, 'A' + k, sizeof(buf));
		snprintf(key, sizeof(key), "write:%s:50", path);
		assert_crc(db, key, buf, sizeof(buf));
	}
	sqlite3_close(db);
}

/* --- stdout, stderr, pipes ------------------------------------------------- */

Test(record, stdout_pipe_passthrough_and_names)
{
	const char *argv[] = { PROG("p_stdout"), NULL };
	struct run native = { 0 };
	sqlite3 *db;

	cr_assert_eq(run_argv(argv, NULL, tmp, &native), 0);
	RECORD_OK("--", PROG("p_stdout"));
	cr_assert_eq(r.outlen, native.outlen);
	cr_assert_str_eq(r.out, native.out, "stdout must pass through");
	cr_assert_str_eq(native.out, "hello\nhello\n");
	cr_assert_not_null(strstr(r.err, "oops\n"), "stderr must pass through");
	db = db_open();
	ASSERT_SITES(db, W_COLS, "family = ?", "write",
		     "write 1 <stdout> pipe - 6 6 0 6 write:<stdout>:1\n"
		     "write 1 <stdout> pipe - 6 6 0 6 write:<stdout>:2\n"
		     "write 2 <stderr> pipe - 5 5 0 5 write:<stderr>:1\n");
	assert_crc_str(db, "write:<stdout>:2", "hello\n");
	sqlite3_close(db);
	free(native.out);
	free(native.err);
}

Test(record, shell_pipeline_output_identical)
{
	const char *argv[] = { "/bin/sh", "-c",
			 "i=0; while [ $i -lt 50 ]; do echo line $i; "
			 "i=$((i+1)); done | cat; echo done >&2", NULL };
	struct run native = { 0 };

	cr_assert_eq(run_argv(argv, NULL, tmp, &native), 0);
	RECORD_OK("--", argv[0], argv[1], argv[2]);
	cr_assert_str_eq(r.out, native.out);
	cr_assert_not_null(strstr(r.err, "done\n"));
	free(native.out);
	free(native.err);
}

/* --- determinism and foreign filters ---------------------------------------- */

Test(record, aslr_disabled_by_default)
{
	int st;

	st = record("--", PROG("p_env"), "aslr-off", NULL);
	cr_assert_eq(st, 0, "PROG must run with ADDR_NO_RANDOMIZE\n%s", r.err);
	st = record("--force", "--no-determinism", "--", PROG("p_env"),
		    "aslr-on", NULL);
	cr_assert_eq(st, 0, "--no-determinism must keep ASLR on\n%s", r.err);
}

Test(record, programs_own_seccomp_filter)
{
	sqlite3 *db;

	RECORD_OK("--", PROG("p_filter"));
	db = db_open();
	ASSERT_SITES(db, "syscall, path, count", "path = ?", "filter.out",
		     "openat filter.out -\n"
		     "write filter.out 7\n"
		     "write filter.out 6\n");
	sqlite3_close(db);
	cr_expect_not_null(strstr(r.err, "filter"),
			   "badio should warn that a seccomp filter of the "
			   "program's own hides calls; stderr:\n%s", r.err);
}

/* --- nested tracing and errors ----------------------------------------------- */

static int
badio_lines(const char *err)
{
	const char *p = err;
	int n = 0;

	while (p && *p) {
		if (!strncmp(p, "badio:", 6))
			n++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

#define ASSERT_ONE_LINE_ERROR(st, word) do {				\
	cr_assert_neq(st, 0, "must fail");				\
	cr_assert_eq(lines(r.err), 1, "want one line, got:\n%s", r.err); \
	cr_assert_eq(badio_lines(r.err), 1, "want 'badio: ...', got:\n%s", \
		     r.err);						\
	cr_assert_not_null(strstr(r.err, word), "'%s' not in:\n%s",	\
			   word, r.err);				\
} while (0)

Test(record, under_strace_fails_clearly)
{
	const char *argv[] = { STRACE, "-f", "-o", "/dev/null", BADIO_EXE, "record",
			 "-o", db_path, "--", PROG("p_write"), "x", "1", "1",
			 NULL };
	const char *envp[] = { "ASAN_OPTIONS=detect_leaks=0", "PATH=/usr/bin:/bin",
			 NULL };

	cr_assert_neq(run_argv(argv, envp, tmp, &r), 0);
	cr_assert_eq(lines(r.err), 1, "want one line, got:\n%s", r.err);
	cr_assert_not_null(strstr(r.err, "ptrace"), "stderr:\n%s", r.err);
	cr_assert(!exists(db_path), "no database may be left behind");
}

Test(record, prog_not_found)
{
	int st = record("--", "no-such-program-badio", NULL);

	ASSERT_ONE_LINE_ERROR(st, "no-such-program-badio");
	cr_assert(!exists(db_path), "no database may be left behind");
}

Test(record, prog_not_executable)
{
	char path[512];
	int st;

	tmp_path(path, sizeof(path), "noexec");
	write_file(path, "#!/bin/sh\nexit 0\n");
	st = record("--", path, NULL);
	ASSERT_ONE_LINE_ERROR(st, "noexec");
	cr_assert(!exists(db_path), "no database may be left behind");
}

Test(record, db_exists_refused_then_force)
{
	char marker[512];
	sqlite3 *db;
	int st;

	RECORD_OK("--", PROG("p_write"), "a.txt", "1", "1");
	tmp_path(marker, sizeof(marker), "marker");
	st = record("--", PROG("p_write"), marker, "1", "1", NULL);
	ASSERT_ONE_LINE_ERROR(st, "db");
	cr_assert(!exists(marker), "PROG must not run when the DB exists");
	db = db_open();
	cr_assert_eq(count_where(db, "path = ?", "a.txt"), 2, "DB unchanged");
	sqlite3_close(db);

	RECORD_OK("--force", "--", PROG("p_write"), "b.txt", "2", "1");
	db = db_open();
	cr_assert_eq(count_where(db, "path = ?", "a.txt"), 0);
	cr_assert_eq(count_where(db, "path = ?", "b.txt"), 3);
	cr_assert_eq(q_int(db, "SELECT count(*) FROM recordings", NULL), 1);
	sqlite3_close(db);
}

Test(record, db_dir_unwritable)
{
	const char *argv[] = { BADIO_EXE, "record", "-o",
			 "/nonexistent-badio-dir/x.db", "--", PROG("p_write"),
			 NULL, "1", "1", NULL };
	char marker[512];

	tmp_path(marker, sizeof(marker), "marker");
	argv[6] = marker;
	run_argv(argv, NULL, tmp, &r);
	ASSERT_ONE_LINE_ERROR(r.status, "/nonexistent-badio-dir/x.db");
	cr_expect(!exists(marker), "PROG should not run when the DB cannot "
		  "be created");
}

Test(record, init_missing)
{
	char marker[512];
	int st;

	tmp_path(marker, sizeof(marker), "marker");
	st = record("--init", "/nonexistent-badio-init", "--", PROG("p_write"),
		    marker, "1", "1", NULL);
	ASSERT_ONE_LINE_ERROR(st, "/nonexistent-badio-init");
	cr_assert(!exists(db_path), "no database may be left behind");
	cr_assert(!exists(marker), "PROG must not run");
}

Test(record, usage_error_exits_2)
{
	cr_assert_eq(badio("record", NULL), 2, "no PROG\n%s", r.err);
	cr_assert_eq(lines(r.err) >= 1, 1);
	cr_assert_eq(badio("record", "--no-such-option", "--", "true", NULL), 2);
	cr_assert(!exists(db_path));
}

/* --- Ctrl-C and a killed badio ------------------------------------------------ */

/* Start badio record on a shell that writes s.out and its pid, then sleeps. */
static pid_t
start_sleeper(char *pidfile, size_t size, int *out_fd, int *err_fd)
{
	static char script[1024];
	const char *argv[] = { BADIO_EXE, "record", "-o", db_path, "--", "/bin/sh",
			 "-c", script, NULL };
	pid_t pid;
	int i;

	tmp_path(pidfile, size, "sleeper.pid");
	snprintf(script, sizeof(script),
		 "echo x > s.out; sleep 60 & echo $! > %s.tmp; "
		 "mv %s.tmp %s; wait", pidfile, pidfile, pidfile);
	pid = start(argv, NULL, tmp, out_fd, err_fd);
	for (i = 0; i < 10000 && !exists(pidfile); i++)
		usleep(1000);
	cr_assert(exists(pidfile), "the traced shell never started");
	usleep(200000);
	return pid;
}

/* Does /proc/PID/cmdline contain s? */
static bool
cmdline_has(pid_t pid, const char *s)
{
	char path[64], cmd[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, cmd, sizeof(cmd) - 1);
	close(fd);
	for (ssize_t i = 0; i < n; i++)
		if (!cmd[i])
			cmd[i] = ' ';
	cmd[n > 0 ? n : 0] = '\0';
	return strstr(cmd, s) != NULL;
}

/*
 * The host pid of the process that has pid nspid in the traced shell's
 * PID namespace (badio runs PROG in one) and whose parent's command line
 * names this test's directory; nspid itself without a namespace.
 */
static pid_t
host_pid(pid_t nspid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	cr_assert_not_null(d);
	while (!found && (e = readdir(d))) {
		char path[300], line[256];
		pid_t host = atoi(e->d_name), ppid = 0, last = 0;
		int fields = 0;
		FILE *f;

		if (host <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/status", (int)host);
		if (!(f = fopen(path, "r")))
			continue;
		while (fgets(line, sizeof(line), f)) {
			if (strncmp(line, "PPid:", 5) == 0)
				ppid = atoi(line + 5);
			if (strncmp(line, "NSpid:", 6) == 0) {
				char *p = line + 6, *end;

				for (;; p = end) {
					long v = strtol(p, &end, 10);

					if (end == p)
						break;
					last = (pid_t)v;
					fields++;
				}
			}
		}
		fclose(f);
		if (last == nspid && (fields == 1 ? host == nspid : true) &&
		    cmdline_has(ppid, tmp))
			found = host;
	}
	closedir(d);
	cr_assert_gt(found, 0, "no process with pid %d in a namespace", nspid);
	return found;
}

static pid_t
read_pid(const char *path)
{
	FILE *f = fopen(path, "r");
	int pid = 0;

	cr_assert_not_null(f);
	cr_assert_eq(fscanf(f, "%d", &pid), 1);
	fclose(f);
	return host_pid(pid);
}

static bool
gone(pid_t pid)
{
	char path[64], state = 0, buf[512], *p;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (i = 0; i < 5000; i++) {
		f = fopen(path, "r");
		if (!f)
			return true;
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
			state = p[2];
		fclose(f);
		if (state == 'Z' || state == 'X')
			return true;
		usleep(1000);
	}
	return false;
}

Test(record, sigint_stops_everything_and_keeps_sites)
{
	char pidfile[512];
	int out_fd, err_fd;
	pid_t pid, sleeper;
	sqlite3 *db;

	pid = start_sleeper(pidfile, sizeof(pidfile), &out_fd, &err_fd);
	sleeper = read_pid(pidfile);
	cr_assert_eq(kill(pid, SIGINT), 0);
	finish(pid, out_fd, err_fd, &r);
	cr_assert_neq(r.status, 0, "an interrupted record is not a success");
	cr_assert(gone(sleeper), "PROG's children must be killed too");
	db = db_open();
	cr_assert_eq(count_where(db, "family = 'write' AND path = ?", "s.out"),
		     1, "sites recorded before Ctrl-C are kept");
	sqlite3_close(db);
}

Test(record, sigkill_of_badio_leaves_no_tracee)
{
	char pidfile[512];
	int out_fd, err_fd;
	pid_t pid, sleeper;

	pid = start_sleeper(pidfile, sizeof(pidfile), &out_fd, &err_fd);
	sleeper = read_pid(pidfile);
	cr_assert_eq(kill(pid, SIGKILL), 0);
	cr_assert_eq(finish(pid, out_fd, err_fd, &r), 137);
	cr_assert(gone(sleeper), "PTRACE_O_EXITKILL must kill the tracees");
}

/* --- badio sites ------------------------------------------------------------- */

static long long
json_int(const char *sql, const char *json)
{
	sqlite3 *mem;
	long long v;

	cr_assert_eq(sqlite3_open(":memory:", &mem), SQLITE_OK);
	v = q_int(mem, sql, json, NULL);
	sqlite3_close(mem);
	return v;
}

static const char *
json_text(const char *sql, const char *json)
{
	sqlite3 *mem;
	const char *v;

	cr_assert_eq(sqlite3_open(":memory:", &mem), SQLITE_OK);
	v = q_dump(mem, sql, json, NULL);
	sqlite3_close(mem);
	return v;
}

Test(record, sites_formats)
{
	const char *keys;
	int st;

	RECORD_OK("--", PROG("p_write"), "out.txt", "3", "5");
	st = badio("sites", "-d", db_path, "--format", "json", NULL);
	cr_assert_eq(st, 0, "%s", r.err);
	cr_assert_eq(json_int("SELECT json_valid(?)", r.out), 1,
		     "not JSON:\n%s", r.out);
	cr_assert_eq(json_int("SELECT json_array_length(?)", r.out), 5);
	keys = json_text("SELECT json_extract(value, '$.key'), "
			 "json_extract(value, '$.offset'), "
			 "json_extract(value, '$.count') FROM json_each(?)",
			 r.out);
	cr_assert_str_eq(keys, "namespace:out.txt:1 - -\n"
			 "write:out.txt:1 0 5\n"
			 "write:out.txt:2 5 5\n"
			 "write:out.txt:3 10 5\n"
			 "end:1 - -\n");
	/* call-site ids, 64-bit hashes, are strings, the database's exactly */
	cr_assert_str_eq(json_text("SELECT DISTINCT json_type(value, "
	    "'$.callsite') FROM json_each(?) WHERE json_extract(value, "
	    "'$.family') <> 'end'", r.out), "text\n");
	cr_assert_str_eq(json_text("SELECT group_concat(json_extract(value, "
	    "'$.callsite'), ',') FROM json_each(?)", r.out),
	    dump("SELECT group_concat(callsite, ',') FROM (SELECT callsite "
	    "FROM sites ORDER BY seq)"));

	st = badio("sites", "-d", db_path, "--format", "csv", NULL);
	cr_assert_eq(st, 0, "%s", r.err);
	cr_assert_eq(lines(r.out), 6, "header + 4 rows + the end:\n%s", r.out);
	cr_assert(strstr(r.out, "key") && strstr(r.out, "syscall") &&
		  strchr(r.out, '\n') > strstr(r.out, "syscall"),
		  "csv must start with a header line:\n%s", r.out);
	cr_assert_not_null(strstr(r.out, "write:out.txt:3"));

	st = badio("sites", "-d", db_path, "--format", "table", NULL);
	cr_assert_eq(st, 0, "%s", r.err);
	cr_assert_geq(lines(r.out), 5, "%s", r.out);
	cr_assert_not_null(strstr(r.out, "out.txt"));

	st = badio("sites", "-d", db_path, "--format", "xml", NULL);
	cr_assert_eq(st, 2, "an unknown format is a usage error");
}

/* The table shows where path2 goes and the flags; CSV and JSON have both. */
Test(record, sites_show_second_files_and_flags)
{
	int st;

	RECORD_OK("--", PROG("p_names"));
	st = badio("sites", "-d", db_path, NULL);
	cr_assert_eq(st, 0, "%s", r.err);
	cr_assert(strstr(r.out, " FLAGS "), "%s", r.out);
	cr_assert(strstr(r.out, " x <-> y "), "%s", r.out);
	cr_assert(strstr(r.out, " z -> y "), "%s", r.out);
	cr_assert(strstr(r.out, " d/c <- b "), "%s", r.out);
	cr_assert(strstr(r.out, " d/s2 <- ../x//y "), "%s", r.out);
	cr_assert(strstr(r.out, " empty_path,tmpfile "), "%s", r.out);
	cr_assert(strstr(r.out, " replaced "), "%s", r.out);
	st = badio("sites", "-d", db_path, "--format", "csv", NULL);
	cr_assert_eq(st, 0, "%s", r.err);
	cr_assert(strstr(r.out, ",key,callsite,flags,offset2,mapped,xxh3\n"), "%s",
		  r.out);
	cr_assert(strstr(r.out, ",renameat2,namespace,,x,y,regular,,,0,0,"),
		  "%s", r.out);
	cr_assert(strstr(r.out, ",namespace:x:2,"), "%s", r.out);
	cr_assert(strstr(r.out, ",\"creat,excl,created\",,0,\n"), "%s", r.out);
	RECORD_OK("--force", "--", PROG("p_copy"));
	st = badio("sites", "-d", db_path, "--format", "json", NULL);
	cr_assert_eq(st, 0, "%s", r.err);
	cr_assert_str_eq(json_text("SELECT json_extract(value, '$.path'), "
				   "json_extract(value, '$.path2'), "
				   "json_extract(value, '$.offset2'), "
				   "json_extract(value, '$.flags') FROM json_each(?) "
				   "WHERE json_extract(value, '$.key') IN "
				   "('write:dst:3', 'write:os:1')", r.out),
			 "dst src 4 -\nos src 8 osync\n");
}

Test(record, sites_refuses_foreign_files)
{
	char path[512];
	sqlite3 *db;
	int st;

	tmp_path(path, sizeof(path), "notes.txt");
	write_file(path, "this is not a database\n");
	st = badio("sites", "-d", path, NULL);
	ASSERT_ONE_LINE_ERROR(st, "notes.txt");

	tmp_path(path, sizeof(path), "other.db");
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t "
				  "VALUES (1)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	st = badio("sites", "-d", path, NULL);
	ASSERT_ONE_LINE_ERROR(st, "other.db");

	st = badio("sites", "-d", "/nonexistent-badio.db", NULL);
	ASSERT_ONE_LINE_ERROR(st, "/nonexistent-badio.db");
	cr_assert(!exists("/nonexistent-badio.db"), "sites must not create");
}

/* --- --keep ------------------------------------------------------------------ */

Test(record, keep_prints_the_scratch_dir)
{
	char *tok, *save = NULL, path[600];
	bool found = false;

	RECORD_OK("--keep", "--", PROG("p_write"), "kept.txt", "1", "3");
	for (tok = strtok_r(r.err, " \t\n'\":", &save); tok;
	     tok = strtok_r(NULL, " \t\n'\":", &save)) {
		if (tok[0] != '/')
			continue;
		snprintf(path, sizeof(path), "%s/kept.txt", tok);
		if (exists(path)) {
			found = true;
			unlink(path);
			rmdir(tok);
		}
	}
	cr_assert(found, "--keep must print the kept directory");
}

/*
 * Every recording ends with the program's end (issue 9): one site after
 * every other, syscall exit, family end, key end:1, path <end>, kind
 * other, in PROG's first process; the crash point of power at the end.
 */
Test(record, end_site_is_the_last_site)
{
	sqlite3 *db;

	RECORD_OK("--", PROG("p_write"), "out.txt", "2", "3");
	db = db_open();
	cr_assert_str_eq(q_dump(db, "SELECT seq, syscall, family, path, kind, "
	    "key, key_path, ordinal, result, process, thread FROM sites "
	    "WHERE seq = (SELECT max(seq) FROM sites)", NULL),
	    "4 exit end <end> other end:1 <end> 1 0 1 1\n");
	cr_assert_eq(q_int(db, "SELECT count(*) FROM sites WHERE family = "
	    "'end'", NULL), 1);
	cr_assert_eq(q_int(db, "SELECT pid FROM sites WHERE family = 'end'",
	    NULL), q_int(db, "SELECT pid FROM sites WHERE seq = 1", NULL));
	sqlite3_close(db);
}
