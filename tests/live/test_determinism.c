/*
 * test_determinism.c - re-runs that meet the recording's sites on
 * programs that are random by nature (issue 8, items 1 and 2):
 *
 *   - getrandom, AT_RANDOM, /dev/urandom and /dev/random answer from the
 *     recording's seed: the same bytes in every run, per process and
 *     thread whatever the interleaving; pids are the same too (a PID
 *     namespace), and the recording says whether it had one;
 *   - files created under names the recording does not have (mkstemp,
 *     a pid in the name, Go's os.CreateTemp) take the recorded names,
 *     O_TMPFILE files get stable names, so explore reaches every site:
 *     sed -i, C, Python and Go atomic savers, git commit.
 *
 * Verdict rows are compared as text (as in test_explore.c), with the
 * recorded random name of the temporary file shown as TMP.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void
setup(void)
{
	harness_setup("determinism", "badio.db");
}

TestSuite(determinism, .init = setup, .fini = harness_teardown,
    .timeout = 300);

/* --- helpers --------------------------------------------------------- */

/* The run directory badio record --keep names on stderr (harness-owned). */
static const char *
kept_dir(void)
{
	static char dir[512];
	const char *p = strstr(r.err, "kept the run directory '");

	cr_assert_not_null(p, "no kept directory in:\n%s", r.err);
	p += strlen("kept the run directory '");
	cr_assert_lt(strcspn(p, "'"), sizeof(dir));
	snprintf(dir, sizeof(dir), "%.*s", (int)strcspn(p, "'"), p);
	return dir;
}

/* No line of a is in b. */
static bool
no_common_line(const char *a, const char *b)
{
	while (*a) {
		size_t n = strcspn(a, "\n");
		char line[256];

		snprintf(line, sizeof(line), "%.*s\n", (int)n, a);
		if (strstr(b, line) != NULL)
			return false;
		a += n + (a[n] == '\n');
	}
	return true;
}

/* The checksum (xxh3) of every random file's write, one "path crc" per line. */
#define RANDOM_CRCS \
	"SELECT path, xxh3 FROM sites WHERE family = 'write' AND " \
	"path GLOB '*.out' ORDER BY path"

/* --- item 1: randomness and pids ------------------------------------ */

Test(determinism, same_seed_same_bytes_everywhere)
{
	char other[300];
	const char *a, *b;

	RECORD("--seed", "5", "--", PROG("det_random"));
	a = dump(RANDOM_CRCS);
	cr_assert_eq(count("SELECT count(*) FROM sites WHERE family = 'write' "
	    "AND path GLOB '*.out'"), 8, "%s", a);
	snprintf(other, sizeof(other), "%s/other.db", tmp);
	cr_assert_eq(badio("record", "-q", "-o", other, "--seed", "5", "--",
	    PROG("det_random"), NULL), 0, "%s", r.err);
	b = dump_db(other, RANDOM_CRCS);
	cr_assert_str_eq(a, b, "seed 5 twice:\n%s\nvs\n%s", a, b);
	/* the seed is kept, all 64 bits of it */
	cr_assert_eq(count("SELECT seed = 5 AND pidns = 1 FROM recordings"), 1);
	cr_assert_eq(badio("record", "-q", "-o", other, "--force", "--seed",
	    "18446744073709551615", "--", PROG("det_random"), NULL), 0);
	cr_assert_str_eq(dump_db(other, "SELECT seed FROM recordings"), "-1\n");
	b = dump_db(other, RANDOM_CRCS);
	/* another seed: other bytes in every file */
	cr_assert(no_common_line(a, b), "%s\nvs\n%s", a, b);
}

/*
 * A shell forking and exec'ing 30 times: each exec's AT_RANDOM comes
 * from the child's identity, which badio learns at the shell's fork
 * event, often reported after the child has already exec'd (the child
 * then waits): the same bytes for the N-th child in every run.
 */
Test(determinism, at_random_of_every_exec)
{
	char script[512], other[300];
	const char *a;

	snprintf(script, sizeof(script), "for i in $(seq 30); do %s auxv; "
	    "done", PROG("det_random"));
	RECORD("--seed", "11", "--", "/bin/sh", "-c", script);
	a = dump("SELECT key, xxh3 FROM sites WHERE path = 'auxv.txt' AND "
	    "family = 'write' ORDER BY ordinal");
	cr_assert_eq(count("SELECT count(DISTINCT xxh3) FROM sites WHERE "
	    "path = 'auxv.txt' AND family = 'write'"), 30, "%s", a);
	snprintf(other, sizeof(other), "%s/other.db", tmp);
	cr_assert_eq(badio("record", "-q", "-o", other, "--seed", "11", "--",
	    "/bin/sh", "-c", script, NULL), 0, "%s", r.err);
	cr_assert_str_eq(dump_db(other, "SELECT key, xxh3 FROM sites WHERE "
	    "path = 'auxv.txt' AND family = 'write' ORDER BY ordinal"), a);
}

/* Without determinism every run has other bytes (the test can fail). */
Test(determinism, no_determinism_real_randomness)
{
	char other[300];

	RECORD("--no-determinism", "--", PROG("det_random"));
	snprintf(other, sizeof(other), "%s/other.db", tmp);
	cr_assert_eq(badio("record", "-q", "-o", other, "--no-determinism",
	    "--", PROG("det_random"), NULL), 0, "%s", r.err);
	cr_assert_neq(strcmp(dump(RANDOM_CRCS), dump_db(other, RANDOM_CRCS)),
	    0);
	cr_assert_str_eq(dump("SELECT seed IS NULL AND pidns IS NULL FROM "
	    "recordings"), "1\n");
}

/* What the program saw: pids of its namespace, the seed's bytes. */
Test(determinism, pids_are_the_namespace_ones)
{
	const char *dir, *text;
	char path[600], oracle[1024];

	RECORD("--keep", "--seed", "9", "--", PROG("det_random"));
	dir = kept_dir();
	snprintf(path, sizeof(path), "%s/main.out", dir);
	text = read_text(path);
	cr_assert(strstr(text, "\npid 2 ppid 1\n") != NULL, "%s", text);
	snprintf(path, sizeof(path), "%s/child-1.out", dir);
	cr_assert(strstr(read_text(path), "pid 3\n") != NULL);
	snprintf(path, sizeof(path), "%s/child-2.out", dir);
	cr_assert(strstr(read_text(path), "pid 4\n") != NULL);
	/* the sites store the pids the program had */
	cr_assert_str_eq(dump("SELECT DISTINCT pid FROM sites WHERE path GLOB "
	    "'*.out' ORDER BY pid"), "2\n3\n4\n");
	cr_assert_str_eq(dump("SELECT count(DISTINCT tid) FROM sites WHERE "
	    "path GLOB 'thread-*'"), "4\n");
	/* /dev/urandom and /dev/random gave the seed's bytes: the run with
	 * the same seed in explore must give the same files */
	snprintf(path, sizeof(path), "%s/want", tmp);
	cr_assert_eq(rename(dir, path), 0);
	snprintf(oracle, sizeof(oracle), "for f in main.out child-1.out "
	    "child-2.out thread-1-1.out thread-1-2.out thread-2-1.out "
	    "thread-2-2.out exec.out; do cmp -s $f %s/$f || exit 1; done",
	    path);
	cr_assert_eq(EXPLORE("--oracle", oracle, "--sites",
	    "path=main.out,family=namespace", "--faults", "eio"), 0,
	    "the fault-free run had other bytes:\n%s", r.err);
	cr_assert_str_eq(dump("SELECT key, fault, verdict FROM verdicts"),
	    "namespace:main.out:1 eio corruption\n");
}

/* A PID namespace of the program's own: sites keep the pids of badio's. */
Test(determinism, nested_namespace_pids)
{
	RECORD("--", "/usr/bin/unshare", "--pid", "--fork", "/bin/sh", "-c",
	    "echo $$ > nested.txt");
	/* unshare is 2, the shell it forks is 3 here and 1 in its own */
	cr_assert_str_eq(dump("SELECT DISTINCT pid, tid FROM sites WHERE path "
	    "= 'nested.txt'"), "3 3\n");
}

/*
 * A root program that writes into /dev/urandom (to add entropy) must not
 * wait forever on the FIFO badio keeps filled; its bytes join the stream.
 */
Test(determinism, writing_urandom_does_not_hang)
{
	RECORD("--timeout", "30", "--", "/bin/sh", "-c", "head -c 100000 "
	    "/dev/zero > /dev/urandom && head -c 300000 /dev/urandom | "
	    "wc -c > n.txt");
	cr_assert_str_eq(dump("SELECT status FROM recordings"), "exit:0\n");
	cr_assert_str_eq(dump("SELECT crc_bytes FROM sites WHERE path = "
	    "'n.txt' AND family = 'write'"), "7\n");
}

/* No namespace to be had: said, and noted in the recording. */
Test(determinism, without_namespace_warns)
{
	setenv("BADIO_NO_NAMESPACES", "1", 1);
	cr_assert_eq(badio("record", "-o", db_path, "--", PROG("det_random"),
	    NULL), 0, "%s", r.err);
	cr_assert(strstr(r.err, "ran without a PID namespace of its own "
	    "(BADIO_NO_NAMESPACES is set): its pids and what it reads from "
	    "/dev/urandom differ from run to run") != NULL, "%s", r.err);
	cr_assert_str_eq(dump("SELECT pidns FROM recordings"), "0\n");
	cr_assert_eq(count("SELECT count(*) FROM sites WHERE pid = 2"), 0);
	/* getrandom and AT_RANDOM still come from the seed */
	cr_assert_eq(count("SELECT seed IS NOT NULL FROM recordings"), 1);
}

/* An unprivileged user gets a namespace through a user namespace. */
Test(determinism, unprivileged_user_namespace)
{
	struct passwd *pw = getpwnam("nobody");
	char uid[16], gid[16];
	const char *argv[] = { "/usr/bin/setpriv", "--reuid", uid, "--regid",
		gid, "--clear-groups", BADIO_EXE, "record", "-q", "-o", db_path,
		"--seed", "9", "--", PROG("det_random"), NULL };
	struct run res = { 0 };

	cr_assert_not_null(pw);
	snprintf(uid, sizeof(uid), "%d", (int)pw->pw_uid);
	snprintf(gid, sizeof(gid), "%d", (int)pw->pw_gid);
	cr_assert_eq(chmod(tmp, 0777), 0);
	cr_assert_eq(run_argv(argv, NULL, tmp, &res), 0, "%s", res.err);
	cr_assert_str_eq(res.err, "");
	free(res.out);
	free(res.err);
	cr_assert_str_eq(dump("SELECT pidns FROM recordings"), "1\n");
	cr_assert_str_eq(dump("SELECT DISTINCT pid FROM sites WHERE path GLOB "
	    "'*.out' ORDER BY pid"), "2\n3\n4\n");
}

/* --- item 2: names that follow the file ------------------------------ */

static const char save_oracle[] =
	"test -f data.txt || { echo missing; exit 1; }; "
	"printf 'det_save: version 2\\n' | cmp -s - data.txt && exit 0; "
	"printf 'det_save: version 1\\n' | cmp -s - data.txt && exit 0; "
	"echo mixed; exit 1";

static void
init_v1(void)
{
	cr_assert_eq(mkdir("init", 0755), 0);
	write_file("init/data.txt", "det_save: version 1\n");
}

/*
 * The verdict rows, the recorded name of the temporary file (the name
 * a site created matching glob) shown as TMP.
 */
static const char *
verdicts_tmp(const char *glob)
{
	sqlite3 *db = db_open();
	const char *s = q_dump(db, "SELECT replace(key, coalesce((SELECT "
	    "creates FROM sites WHERE creates GLOB ?1 LIMIT 1), char(1)), "
	    "'TMP'), fault, verdict, status, injected, fault_bytes, "
	    "oracle_exit FROM verdicts ORDER BY 1, fault", glob, NULL);

	sqlite3_close(db);
	return s;
}

#define ASSERT_VERDICTS_TMP(glob, want) do {				\
	const char *got_ = verdicts_tmp(glob);				\
	cr_assert_str_eq(got_, want, "verdicts:\n%s\nwant:\n%s", got_,	\
	    want);							\
} while (0)

/* An atomic saver's verdicts: the old or the new file, whatever fails. */
static const char saver_want[] =
	"namespace:TMP:1 crash ok crash 1 - 0\n"
	"namespace:TMP:1 eio reported exit:1 1 - 0\n"
	"namespace:TMP:2 crash ok crash 1 - 0\n"
	"namespace:TMP:2 eio reported exit:1 1 - 0\n"
	"sync:.:1 crash ok crash 1 - 0\n"
	"sync:.:1 eio reported exit:1 1 - 0\n"
	"sync:TMP:1 crash ok crash 1 - 0\n"
	"sync:TMP:1 eio reported exit:1 1 - 0\n"
	"write:TMP:1 crash ok crash 1 - 0\n"
	"write:TMP:1 eio reported exit:1 1 - 0\n"
	"write:TMP:1 short ok exit:0 1 10 0\n"
	"write:TMP:1 torn reported exit:1 1 10 0\n";

static void
assert_replayed(void)
{
	cr_assert_eq(count("SELECT count(*) FROM experiments WHERE verdict = "
	    "'unreached'"), 0, "%s", dump("SELECT key, fault, divergence FROM "
	    "verdicts WHERE verdict = 'unreached'"));
	cr_assert_eq(count("SELECT count(*) FROM experiments WHERE diverged"),
	    0, "%s", dump("SELECT key, fault, divergence FROM verdicts WHERE "
	    "diverged"));
}

/* glibc's mkstemp takes its name from the clock: another one every run. */
Test(determinism, mkstemp_saver)
{
	init_v1();
	RECORD("--init", "init", "--", PROG("det_save"), "mkstemp");
	/* the one name the recording brought into existence: mkstemp's */
	cr_assert_str_eq(dump("SELECT seq, syscall, creates GLOB "
	    "'data.txt.\?\?\?\?\?\?' FROM sites WHERE creates NOT NULL"),
	    "1 openat 1\n");
	EXPLORE_OK("--faults", PRE_POWER_FAULTS, "--oracle", save_oracle);
	assert_replayed();
	ASSERT_VERDICTS_TMP("data.txt.\?\?\?\?\?\?", saver_want);
}

/*
 * git's way into a new objects/XX: mkstemp fails with ENOENT (the
 * directory is not there), the directory is made, mkstemp again.  Both
 * attempts have new names in every run; the failed one follows the
 * recorded failed attempt, the second the recorded creation.
 */
Test(determinism, mkstemp_failing_then_retried)
{
	init_v1();
	RECORD("--init", "init", "--", PROG("det_save"), "mkstemp-subdir");
	cr_assert_str_eq(dump("SELECT syscall, result < 0, creates GLOB "
	    "'sub/data.txt.\?\?\?\?\?\?' FROM sites WHERE syscall = 'openat' "
	    "ORDER BY seq"), "openat 1 1\nopenat 0 1\n");
	EXPLORE_OK("--oracle", save_oracle, "--faults", "eio,crash");
	assert_replayed();
	cr_assert_eq(count("SELECT count(*) FROM bugs"), 0);
}

/*
 * mkdtemp's directory has a new name in every run (the clock), and so
 * the file inside it: the file follows the directory's recorded name.
 */
Test(determinism, mkdtemp_directory)
{
	init_v1();
	RECORD("--init", "init", "--", PROG("det_save"), "mkdtemp");
	cr_assert_str_eq(dump("SELECT syscall, creates GLOB 'tmp.\?\?\?\?\?\?' "
	    "OR creates GLOB 'tmp.\?\?\?\?\?\?/data.new' FROM sites WHERE "
	    "creates NOT NULL ORDER BY seq"), "mkdir 1\nopenat 1\n");
	EXPLORE_OK("--oracle", save_oracle, "--faults", "eio,crash");
	assert_replayed();
	cr_assert_eq(count("SELECT count(*) FROM experiments"), 14);
	cr_assert_eq(count("SELECT count(*) FROM bugs"), 0);
}

static void
pid_saver(void)
{
	init_v1();
	RECORD("--init", "init", "--", PROG("det_save"), "pid");
	EXPLORE_OK("--faults", PRE_POWER_FAULTS, "--oracle", save_oracle);
	assert_replayed();
	ASSERT_VERDICTS_TMP("data.txt.*.tmp", saver_want);
}

/* The pid in the name: the same pid in every run (a PID namespace)... */
Test(determinism, pid_in_the_name)
{
	pid_saver();
	cr_assert_str_eq(dump("SELECT DISTINCT key_path FROM sites WHERE "
	    "key_path GLOB 'data.txt.*.tmp'"), "data.txt.2.tmp\n");
}

/* ...or, without one, the recorded name. */
Test(determinism, pid_in_the_name_without_namespace)
{
	setenv("BADIO_NO_NAMESPACES", "1", 1);
	pid_saver();
	cr_assert_str_neq(dump("SELECT DISTINCT key_path FROM sites WHERE "
	    "key_path GLOB 'data.txt.*.tmp'"), "data.txt.2.tmp\n");
}

/* An O_TMPFILE linked into place: <tmpfile:.:1> until it has a name. */
Test(determinism, tmpfile_linked)
{
	init_v1();
	RECORD("--init", "init", "--", PROG("det_save"), "tmpfile-link");
	cr_assert_str_eq(dump("SELECT syscall, path, kind, key FROM sites "
	    "WHERE path <> '<stdout>' AND family <> 'end' ORDER BY seq"),
	    "openat <tmpfile:.:1> regular namespace:<tmpfile:.:1>:1\n"
	    "write <tmpfile:.:1> regular write:<tmpfile:.:1>:1\n"
	    "fsync <tmpfile:.:1> regular sync:<tmpfile:.:1>:1\n"
	    "linkat data.txt.tmp regular namespace:data.txt.tmp:1\n"
	    "rename data.txt.tmp regular namespace:data.txt.tmp:2\n"
	    "fsync . dir sync:.:1\n");
	/* the link's source is the file's stable name too */
	cr_assert_str_eq(dump("SELECT path2, flags, creates FROM sites WHERE "
	    "syscall = 'linkat'"), "<tmpfile:.:1> symlink_follow,tmpfile "
	    "data.txt.tmp\n");
	EXPLORE_OK("--faults", PRE_POWER_FAULTS, "--oracle", save_oracle);
	assert_replayed();
	ASSERT_VERDICTS(
	    "namespace:<tmpfile:.:1>:1 crash ok crash 1 - 0\n"
	    "namespace:<tmpfile:.:1>:1 eio reported exit:1 1 - 0\n"
	    "namespace:data.txt.tmp:1 crash ok crash 1 - 0\n"
	    "namespace:data.txt.tmp:1 eio reported exit:1 1 - 0\n"
	    "namespace:data.txt.tmp:2 crash ok crash 1 - 0\n"
	    "namespace:data.txt.tmp:2 eio reported exit:1 1 - 0\n"
	    "sync:.:1 crash ok crash 1 - 0\n"
	    "sync:.:1 eio reported exit:1 1 - 0\n"
	    "sync:<tmpfile:.:1>:1 crash ok crash 1 - 0\n"
	    "sync:<tmpfile:.:1>:1 eio reported exit:1 1 - 0\n"
	    "write:<tmpfile:.:1>:1 crash ok crash 1 - 0\n"
	    "write:<tmpfile:.:1>:1 eio reported exit:1 1 - 0\n"
	    "write:<tmpfile:.:1>:1 short ok exit:0 1 10 0\n"
	    "write:<tmpfile:.:1>:1 torn reported exit:1 1 10 0\n");
}

/* An O_TMPFILE that never gets a name: scratch space. */
Test(determinism, tmpfile_anonymous)
{
	init_v1();
	RECORD("--init", "init", "--", PROG("det_save"), "tmpfile-anon");
	cr_assert_str_eq(dump("SELECT syscall, path, key FROM sites WHERE "
	    "path <> '<stdout>' AND family <> 'end' ORDER BY seq"),
	    "openat <tmpfile:.:1> namespace:<tmpfile:.:1>:1\n"
	    "write <tmpfile:.:1> write:<tmpfile:.:1>:1\n"
	    "openat data.txt.new namespace:data.txt.new:1\n"
	    "write data.txt.new write:data.txt.new:1\n"
	    "fsync data.txt.new sync:data.txt.new:1\n"
	    "rename data.txt.new namespace:data.txt.new:2\n"
	    "fsync . sync:.:1\n");
	EXPLORE_OK("--oracle", save_oracle, "--faults", "eio,crash");
	assert_replayed();
	cr_assert_eq(count("SELECT count(*) FROM experiments"), 14);
	/* a short read-back of the scratch file is caught by the program */
	cr_assert_str_eq(dump("SELECT fault, verdict FROM verdicts WHERE key = "
	    "'write:<tmpfile:.:1>:1' ORDER BY fault"),
	    "crash ok\neio reported\n");
}

Test(determinism, python_named_temporary_file)
{
	setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
	init_v1();
	RECORD("--init", "init", "--", PYTHON3, PROGS_SRC "/det_tempfile.py");
	EXPLORE_OK("--faults", PRE_POWER_FAULTS, "--oracle", save_oracle);
	assert_replayed();
	/*
	 * Python's name comes from getrandom: the same in every run.  It
	 * retries a short write; EIO raises, and the exception exits 1.
	 */
	ASSERT_VERDICTS_TMP("data.txt.\?\?\?\?\?\?\?\?", saver_want);
}

/* Go's os.CreateTemp mixes the time stamp counter in: names differ. */
Test(determinism, go_create_temp)
{
	init_v1();
	RECORD("--init", "init", "--", PROG("det_createtemp"));
	EXPLORE_OK("--faults", PRE_POWER_FAULTS, "--oracle", save_oracle);
	assert_replayed();
	ASSERT_VERDICTS_TMP("data.txt.[0-9]*", saver_want);
}

/* sed -i writes through mkostemp ("./sedXXXXXX") and renames. */
Test(determinism, sed_in_place)
{
	cr_assert_eq(mkdir("init", 0755), 0);
	write_file("init/f.txt", "a\n");
	RECORD("--init", "init", "--", "/usr/bin/sed", "-i", "s/a/b/", "f.txt");
	cr_assert_eq(count("SELECT count(*) FROM sites WHERE creates GLOB "
	    "'sed\?\?\?\?\?\?'"), 1);
	EXPLORE_OK("--faults", PRE_POWER_FAULTS,
	    "--oracle", "test \"$(cat f.txt)\" = b || "
	    "test \"$(cat f.txt)\" = a");
	assert_replayed();
	ASSERT_VERDICTS_TMP("sed\?\?\?\?\?\?",
	    "namespace:TMP:1 crash ok crash 1 - 0\n"
	    "namespace:TMP:1 eio reported exit:4 1 - 0\n"
	    "namespace:TMP:2 crash ok crash 1 - 0\n"
	    "namespace:TMP:2 eio reported exit:4 1 - 0\n"
	    "write:TMP:1 crash ok crash 1 - 0\n"
	    "write:TMP:1 eio reported exit:4 1 - 0\n"
	    "write:TMP:1 short ok exit:0 1 1 0\n"
	    "write:TMP:1 torn reported exit:4 1 1 0\n");
}

/*
 * git commit in a repository given with --init: temporary object and
 * lock files, and the time in the commit object, with no GIT_*_DATE set:
 * the virtual clock gives every run the recording's time, so the commit
 * (and its object's name) is the same in every run.  With --real-time
 * a re-run that crosses a second boundary names other objects.
 */
Test(determinism, git_commit)
{
	static const char *const env[][2] = {
		{ "GIT_AUTHOR_NAME", "A U Thor" },
		{ "GIT_AUTHOR_EMAIL", "author@example.com" },
		{ "GIT_COMMITTER_NAME", "C O Mitter" },
		{ "GIT_COMMITTER_EMAIL", "committer@example.com" },
		{ "GIT_CONFIG_NOSYSTEM", "1" },
		{ "GIT_CONFIG_GLOBAL", "/dev/null" },
		{ "LC_ALL", "C" },
	};
	const char *init_argv[] = { "/bin/sh", "-c", "git init -q init && "
		"cd init && echo one > a.txt && git add a.txt && "
		"git commit -q -m one && echo two >> a.txt && echo new > b.txt "
		"&& git add a.txt b.txt", NULL };
	struct run res = { 0 };
	long sites;

	for (size_t i = 0; i < sizeof(env) / sizeof(env[0]); i++)
		setenv(env[i][0], env[i][1], 1);
	unsetenv("GIT_AUTHOR_DATE");
	unsetenv("GIT_COMMITTER_DATE");
	setenv("HOME", tmp, 1);
	cr_assert_eq(run_argv(init_argv, NULL, tmp, &res), 0, "%s", res.err);
	free(res.out);
	free(res.err);
	/* GIT_* is not kept by default (explorer/env.c) */
	RECORD("--init", "init", "--keep-env", "GIT_*", "--", "/usr/bin/git",
	    "commit", "-q", "-m", "two");
	/* the commit is made, or not at all and the index still staged */
	EXPLORE_OK("--oracle", "git fsck --no-progress >/dev/null 2>&1 || "
	    "exit 1; case \"$(git log -1 --format=%s)\" in two) git diff "
	    "--cached --quiet;; one) ! git diff --cached --quiet;; *) exit 1;; "
	    "esac", "--faults", "eio,crash", "-j", "2");
	/*
	 * Every site but the end, eio and crash each.  The commit object's
	 * name hashes its time (the recording's start, badio's clock): when
	 * its fan-out directory .git/objects/XX is already there, git makes
	 * no failed open and no mkdir for it, 33 sites instead of 35.
	 */
	sites = count("SELECT count(*) FROM sites WHERE family != 'end'");
	cr_assert(sites == 35 || (sites == 33 && count("SELECT count(*) FROM "
	    "sites WHERE syscall = 'mkdir'") == 1), "%ld sites:\n%s", sites,
	    dump("SELECT seq, key, syscall, count FROM sites ORDER BY seq"));
	cr_assert_eq(count("SELECT count(*) FROM experiments"), 2 * sites);
	assert_replayed();
	/* git is careful: no bug, whatever fails */
	cr_assert_eq(count("SELECT count(*) FROM bugs"), 0, "%s",
	    dump("SELECT key, fault, verdict FROM bugs"));
	/* its object files are named from getrandom: the recorded names */
	cr_assert_geq(count("SELECT count(*) FROM sites WHERE creates GLOB "
	    "'.git/objects/*/tmp_obj_*'"), 2);
}

/* --- item 4: the wall clock ------------------------------------------ */

/* The clock.out det_clock writes when the clock starts at base (ns). */
static const char *
clock_text(long long base)
{
	static char text[512];
	const long long ms = 1000000, s = 1000000000;
	long long t = base + ms, tv = base + 2 * ms, rt = base + 3 * ms,
	    co = base + 4 * ms, tai = base + 5 * ms + 37 * s;

	snprintf(text, sizeof(text), "time %lld\ngettimeofday %lld.%06lld "
	    "tz 0 0\nrealtime %lld.%09lld\ncoarse %lld.%09lld\n"
	    "tai %lld.%09lld\nvdso 0\nefault 14\nmono ok\n", t / s, tv / s,
	    tv % s / 1000, rt / s, rt % s, co / s, co % s, tai / s, tai % s);
	return text;
}

/*
 * The recording's start, 1 ms more at each call, whatever the call; the
 * vDSO hidden (getauxval says none), CLOCK_MONOTONIC still real (it
 * advances over a sleep), EFAULT for a buffer the program cannot write.
 * A re-run writes the same bytes: a short write of clock.out (the
 * program writes the rest) leaves the file the recording left.
 */
Test(determinism, clock_from_the_recording_start)
{
	const char *dir;
	char want[600], oracle[800];
	long long base;

	RECORD("--keep", "--", PROG("det_clock"));
	base = count("SELECT clock_ns FROM recordings");
	cr_assert_eq(count("SELECT clock_ns = start_ns FROM recordings"), 1);
	dir = kept_dir();
	snprintf(want, sizeof(want), "%s/clock.out", dir);
	cr_assert_str_eq(read_text(want), clock_text(base));
	snprintf(want, sizeof(want), "%s/want", tmp);
	cr_assert_eq(rename(dir, want), 0);
	snprintf(oracle, sizeof(oracle), "cmp clock.out %s/clock.out", want);
	EXPLORE_OK("--oracle", oracle, "--sites", "path=clock.out,family=write",
	    "--faults", "short");
	cr_assert_str_eq(dump("SELECT key, fault, verdict, diverged FROM "
	    "verdicts"), "write:clock.out:1 short ok 0\n");
	/* every fault, every site: the runs meet the recording's data */
	EXPLORE_OK("--redo", "--oracle", "true", "--faults", PRE_POWER_FAULTS);
	assert_replayed();
	cr_assert_str_eq(dump("SELECT key, fault, verdict FROM verdicts"),
	    "namespace:clock.out:1 crash ok\n"
	    "namespace:clock.out:1 eio reported\n"
	    "write:clock.out:1 crash ok\n"
	    "write:clock.out:1 eio reported\n"
	    "write:clock.out:1 short ok\n"
	    "write:clock.out:1 torn reported\n");
}

/* --real-time: the real clock, and the vDSO is there. */
Test(determinism, clock_real_time)
{
	struct timespec before, after;
	long long rt_s, rt_ns, now0, now1, got;
	const char *text, *p;

	cr_assert_eq(clock_gettime(CLOCK_REALTIME, &before), 0);
	RECORD("--keep", "--real-time", "--", PROG("det_clock"));
	cr_assert_eq(clock_gettime(CLOCK_REALTIME, &after), 0);
	cr_assert_eq(count("SELECT clock_ns IS NULL FROM recordings"), 1);
	text = read_text(strcat(strcpy((char[600]){ 0 }, kept_dir()), "/clock.out"));
	cr_assert(strstr(text, "\nvdso 1\n") != NULL, "%s", text);
	p = strstr(text, "realtime ");
	cr_assert_not_null(p);
	cr_assert_eq(sscanf(p, "realtime %lld.%lld", &rt_s, &rt_ns), 2);
	got = rt_s * 1000000000 + rt_ns;
	now0 = before.tv_sec * 1000000000ll + before.tv_nsec;
	now1 = after.tv_sec * 1000000000ll + after.tv_nsec;
	cr_assert(got >= now0 && got <= now1, "%lld not in [%lld, %lld]", got,
	    now0, now1);
}

/*
 * Threads share their process's clock: 4 threads and the main thread,
 * 101 calls, 101 answers, each its own value, the last the largest.
 */
Test(determinism, clock_threads)
{
	RECORD("--", PROG("det_clock"), "threads");
	cr_assert_str_eq(r.out, "distinct 101 last-is-max 1\n");
}

/* Go's time.Now() (its runtime falls back to the system call). */
Test(determinism, clock_go)
{
	char want[600], oracle[800], text[256];
	const char *dir;
	long long base;

	RECORD("--keep", "--", PROG("det_clock_go"));
	base = count("SELECT clock_ns FROM recordings");
	dir = kept_dir();
	snprintf(want, sizeof(want), "%s/clock.out", dir);
	snprintf(text, sizeof(text), "unix %lld\nnext %lld\n", base + 1000000,
	    base + 2000000);
	cr_assert(strncmp(read_text(want), text, strlen(text)) == 0, "%s\nwant\n%s",
	    read_text(want), text);
	snprintf(want, sizeof(want), "%s/want", tmp);
	cr_assert_eq(rename(dir, want), 0);
	snprintf(oracle, sizeof(oracle), "cmp clock.out %s/clock.out", want);
	EXPLORE_OK("--oracle", oracle, "--sites", "path=clock.out,family=write",
	    "--faults", "short");
	cr_assert_str_eq(dump("SELECT key, fault, verdict, diverged FROM "
	    "verdicts"), "write:clock.out:1 short ok 0\n");
}

/*
 * A count per process: a child goes on from its parent's count, and the
 * parent from the child's once it has waited for it.  Commands one
 * after the other read later times; two at once each its own, the same
 * in every run whatever their interleaving.
 */
Test(determinism, clock_follows_processes)
{
	char want[256];
	const char *dir;
	long long base;

	RECORD("--keep", "--", "/bin/sh", "-c", "date +%s%N > a; "
	    "date +%s%N >> a; (date +%s%N & date +%s%N; wait) >> a");
	base = count("SELECT clock_ns FROM recordings");
	dir = kept_dir();
	snprintf(want, sizeof(want), "%lld\n%lld\n%lld\n%lld\n", base + 1000000,
	    base + 2000000, base + 3000000, base + 3000000);
	cr_assert_str_eq(read_text(strcat(strcpy((char[600]){ 0 }, dir), "/a")),
	    want);
}
