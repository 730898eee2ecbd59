/*
 * test_crafted.c - databases as an attacker or an older badio made
 * them, through `badio explore` (issue 7, item 2): a crafted --init
 * snapshot that reaches outside the run directory, in the current
 * format or in the old one, is refused with one line naming the entry,
 * and nothing is written outside; a database of schema 4 is migrated,
 * its snapshot converted, and explores as it did; and what record
 * stores is a tar archive that `tar -tvf` lists (docs/schema.md).
 */
#include "harness.h"
#include "craft.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

static char outside[400];	/* where the attacks point */

static void
setup(void)
{
	char scratch[400];

	harness_setup("crafted", "c.db");
	snprintf(outside, sizeof(outside), "%s/outside", tmp);
	cr_assert_eq(mkdir(outside, 0755), 0);
	snprintf(scratch, sizeof(scratch), "%s/scratch", tmp);
	cr_assert_eq(mkdir(scratch, 0700), 0);
	cr_assert_eq(setenv("TMPDIR", scratch, 1), 0);
}

TestSuite(crafted, .init = setup, .fini = harness_teardown, .timeout = 120);

/* The bytes of fd from offset 0, malloc'd. */
static void *
slurp(int fd, size_t *len)
{
	struct stat st;
	char *buf;

	cr_assert_eq(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
	*len = (size_t)st.st_size;
	return buf;
}

/* Put blob into the recording as its snapshot, in format. */
static void
set_snapshot(const char *db, const void *blob, size_t len, long long size,
    const char *format)
{
	sqlite3_stmt *st;
	sqlite3 *h;

	cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(h, format ? "UPDATE recordings SET "
	    "init_blob = ?1, init_size = ?2, init_format = ?3" :
	    "UPDATE recordings SET init_blob = ?1, init_size = ?2", -1, &st,
	    NULL), SQLITE_OK, "%s", sqlite3_errmsg(h));
	sqlite3_bind_blob(st, 1, blob, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, size);
	if (format)
		sqlite3_bind_text(st, 3, format, -1, SQLITE_STATIC);
	cr_assert_eq(sqlite3_step(st), SQLITE_DONE, "%s", sqlite3_errmsg(h));
	sqlite3_finalize(st);
	sqlite3_close(h);
}

static void
record_with_init(void)
{
	char init[400], file[500];

	snprintf(init, sizeof(init), "%s/init", tmp);
	cr_assert_eq(mkdir(init, 0755), 0);
	snprintf(file, sizeof(file), "%s/seed.txt", init);
	write_file(file, "seed\n");
	RECORD("--init", init, "--", PROG("p_write"), "f", "1", "3");
}

/* explore must refuse the snapshot, naming why, writing nothing outside. */
static void
explore_refuses(const char *db, const char *why)
{
	char want[1024];

	cr_assert_eq(badio("explore", "-q", "-d", db, "--oracle", "true", NULL),
	    2, "explore ran a crafted snapshot:\n%s", r.err);
	snprintf(want, sizeof(want), "badio: explore: the --init snapshot in "
	    "'%s' is refused: %s (a damaged or crafted database; record it "
	    "again)\n", db, why);
	cr_assert_str_eq(r.err, want);
	cr_assert_eq(count_entries(outside), 0, "the snapshot wrote outside");
	cr_assert_str_eq(dump_db(db, "SELECT count(*) FROM experiments"), "0\n");
}

Test(crafted, symlink_then_file_through_it)
{
	size_t len;
	struct craft c;
	void *blob;
	char why[600];

	record_with_init();
	craft_begin(&c);
	craft(&c, "lnk", AE_IFLNK | 0777, NULL, outside, NULL);
	craft(&c, "lnk/file", AE_IFREG | 0755, "#!/bin/sh\n", NULL, NULL);
	blob = slurp(craft_end(&c), &len);
	set_snapshot(db_path, blob, len, 0, NULL);
	free(blob);
	snprintf(why, sizeof(why), "'lnk/file': its directory 'lnk' is, or "
	    "passes through, a symlink");
	explore_refuses(db_path, why);
}

Test(crafted, symlink_then_dir_and_file_through_it)
{
	size_t len;
	struct craft c;
	void *blob;

	record_with_init();
	craft_begin(&c);
	craft(&c, "lnk", AE_IFLNK | 0777, NULL, outside, NULL);
	craft(&c, "lnk/dir", AE_IFDIR | 0777, NULL, NULL, NULL);
	craft(&c, "lnk/dir/file", AE_IFREG | 0644, "x", NULL, NULL);
	blob = slurp(craft_end(&c), &len);
	set_snapshot(db_path, blob, len, 0, NULL);
	free(blob);
	explore_refuses(db_path, "'lnk/dir': its directory 'lnk' is, or passes "
	    "through, a symlink");
}

Test(crafted, not_an_archive)
{
	record_with_init();
	set_snapshot(db_path, "not a tar", 9, 9, NULL);
	explore_refuses(db_path, "not a snapshot: Unrecognized archive format");
}

/* --- the old format, in a database of schema 4 ---------------------------- */

struct v1 {
	unsigned char	buf[4096];
	size_t		len;
};

static void
v1_put(struct v1 *v, const void *p, size_t n)
{
	cr_assert_leq(v->len + n, sizeof(v->buf));
	memcpy(v->buf + v->len, p, n);
	v->len += n;
}

/* One entry of badio's format before schema 7 (explorer/snapshot_v1.c). */
static void
v1_entry(struct v1 *v, char type, uint32_t mode, const char *name,
    const char *data)
{
	int64_t mtime = 0;
	uint32_t nlen = (uint32_t)strlen(name);
	uint64_t dlen = strlen(data);

	if (v->len == 0)
		v1_put(v, "BADIOSNAP1\n", 11);
	v1_put(v, &type, 1);
	v1_put(v, &mode, 4);
	v1_put(v, &mtime, 8);
	v1_put(v, &nlen, 4);
	v1_put(v, name, nlen);
	v1_put(v, &dlen, 8);
	v1_put(v, data, dlen);
}

/* The schema 4 fixture, in tmp, with v as its snapshot. */
static void
old_database(const char *path, const struct v1 *v)
{
	unsigned char z[8192];
	uLongf zlen = sizeof(z);

	copy_file(FIXTURES_DIR "/v4-init.sqlite", path);
	if (!v)
		return;
	cr_assert_eq(compress2(z, &zlen, v->buf, v->len, 9), Z_OK);
	set_snapshot(path, z, zlen, (long long)v->len, NULL);
}

Test(crafted, old_format_symlink_then_file_through_it)
{
	char db[400];
	struct v1 v = { .len = 0 };

	snprintf(db, sizeof(db), "%s/old.db", tmp);
	v1_entry(&v, 'l', 0777, "lnk", outside);
	v1_entry(&v, 'd', 0777, "lnk/dir", "");
	v1_entry(&v, 'f', 0755, "lnk/dir/file", "#!/bin/sh\n");
	old_database(db, &v);
	explore_refuses(db, "'lnk/dir': its directory 'lnk' is, or passes "
	    "through, a symlink");
	/* converted (the same refusal, from the database as it now is) */
	cr_assert_str_eq(dump_db(db, "SELECT init_format FROM recordings"),
	    "tar\n");
	explore_refuses(db, "'lnk/dir': its directory 'lnk' is, or passes "
	    "through, a symlink");
}

Test(crafted, old_format_setuid_file_and_dotdot)
{
	char db[400];
	struct v1 v = { .len = 0 };

	snprintf(db, sizeof(db), "%s/old.db", tmp);
	v1_entry(&v, 'f', 04755, "su", "#!/bin/sh\n");
	old_database(db, &v);
	explore_refuses(db, "'su': is setuid or setgid: badio does not store "
	    "such files (chmod u-s,g-s)");
	cr_assert_str_eq(dump_db(db, "SELECT init_format FROM recordings"),
	    "badio-snap1\n");
	v.len = 0;
	v1_entry(&v, 'f', 0644, "../outside/escape", "x");
	snprintf(db, sizeof(db), "%s/old2.db", tmp);
	old_database(db, &v);
	explore_refuses(db, "'../outside/escape': '..' in the name");
}

/* --- migration ------------------------------------------------------------ */

/*
 * The fixture was recorded by badio 0.1.0 at schema 4 with --init of:
 * data.txt ("hello\n", 0644, mtime 1000000000.123456789), bin/run.sh
 * (0755), sub/empty (0600), sub/ro/ (0500), emptydir/, link -> data.txt;
 * PROG: sh -c 'read x < data.txt; echo "$x" > out.txt'.
 */
#define FIXTURE_ORACLE							\
	"test \"$(cat data.txt)\" = hello && "				\
	"test \"$(readlink link)\" = data.txt && "			\
	"test \"$(stat -c %a bin/run.sh sub/empty sub/ro emptydir)\" = "\
	"\"$(printf '755\\n600\\n500\\n755')\" && "			\
	"test \"$(stat -c %Y data.txt)\" = 1000000000 && "		\
	"{ test ! -s out.txt || test \"$(cat out.txt)\" = hello; }"

Test(crafted, schema_4_database_migrates_and_explores)
{
	char db[400], cmd[1200];

	snprintf(db, sizeof(db), "%s/old.db", tmp);
	old_database(db, NULL);
	cr_assert_eq(badio("explore", "-q", "-d", db, "--faults", "eio",
	    "--oracle", FIXTURE_ORACLE, NULL), 0, "%s", r.err);
	cr_assert_str_eq(dump_db(db, "PRAGMA user_version"), "17\n");
	cr_assert_str_eq(dump_db(db, "SELECT init_format FROM recordings"),
	    "tar\n");
	cr_assert_str_eq(dump_db(db, "SELECT key, fault, verdict FROM verdicts "
	    "ORDER BY key"),
	    "namespace:out.txt:1 eio reported\n"
	    "write:out.txt:1 eio reported\n");
	/* the converted snapshot is a tar archive, as the manual shows */
	snprintf(cmd, sizeof(cmd), "cd '%s' && sqlite3 '%s' \"SELECT writefile("
	    "'init.tar.zst', init_blob) FROM recordings\" >/dev/null && "
	    "tar -tvf init.tar.zst | awk '{ print $1, $6, $7, $8 }'", tmp, db);
	{
		const char *argv[] = { "/bin/sh", "-c", cmd, NULL };

		cr_assert_eq(run_argv(argv, NULL, NULL, &r), 0, "%s", r.err);
	}
	cr_assert_str_eq(r.out,
	    "drwxr-xr-x bin/  \n"
	    "-rwxr-xr-x bin/run.sh  \n"
	    "-rw-r--r-- data.txt  \n"
	    "drwxr-xr-x emptydir/  \n"
	    "lrwxrwxrwx link -> data.txt\n"
	    "drwxr-xr-x sub/  \n"
	    "-rw------- sub/empty  \n"
	    "dr-x------ sub/ro/  \n");
}

Test(crafted, record_stores_what_tar_lists)
{
	char cmd[1200];

	record_with_init();
	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' \"SELECT writefile("
	    "'init.tar.zst', init_blob) FROM recordings\" >/dev/null && "
	    "tar -tvf init.tar.zst | awk '{ print $1, $6 }' && "
	    "sqlite3 '%s' 'SELECT init_format FROM recordings'", db_path,
	    db_path);
	{
		const char *argv[] = { "/bin/sh", "-c", cmd, NULL };

		cr_assert_eq(run_argv(argv, NULL, tmp, &r), 0, "%s", r.err);
	}
	cr_assert_str_eq(r.out, "-rw-r--r-- seed.txt\ntar\n");
}
