/*
 * test_hostile.c - programs that do what badio must survive and get
 * right although few programs do it: paths longer than PATH_MAX, files
 * named like badio's stream names, seccomp filters of their own that
 * ask for a tracer, dropping root, writing outside the run directory.
 * Each is recorded (and explored where it matters) by the real badio
 * binary on a target program of tests/progs/, and the exact rows are
 * asserted.  They are the attack cases of issue 7: part of what badio
 * promises, so they run in the plain and the ASan build alike.
 *
 * The tests need ptrace.  Without it they fail, unless the environment
 * has BADIO_TEST_ALLOW_SKIP=1 (restricted containers; never in CI).
 */
#include "harness.h"

#include "explorer/explorer.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void
setup(void)
{
	harness_setup("hostile", "badio.db");
}

TestSuite(hostile, .init = setup, .fini = harness_teardown, .timeout = 120);

#define SITE_ROWS \
	"SELECT syscall, path, path2, kind, result, key FROM sites " \
	"WHERE family <> 'end' ORDER BY seq"

/* --- paths longer than PATH_MAX (issue 7, item 1) ------------------------- */

/* A directory name of p_longpath: 200 d. */
static const char deep_name[] =
    "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
    "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
    "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd";

/* "ddd...d/" (200 d) n times, then leaf; malloc'd, for the caller to free. */
static char *
deep(int n, const char *leaf)
{
	size_t len = (size_t)n * 201 + strlen(leaf) + 1;
	char *s = malloc(len), *p = s;

	cr_assert_not_null(s);
	for (int i = 0; i < n; i++) {
		memset(p, 'd', 200);
		p[200] = '/';
		p += 201;
	}
	memcpy(p, leaf, strlen(leaf) + 1);
	return s;
}

/*
 * The row of the mkdir (ordinal 1) or rmdir (2) of level k: its path
 * relative to the run directory while it fits in PATH_MAX (levels 1 to
 * 20), else the marker and the name the call gave.
 */
static void
dir_row(FILE *f, const char *call, int k, int ordinal)
{
	char *path = k <= 20 ? deep(k - 1, "") : strdup("<too long>/");

	cr_assert_not_null(path);
	fprintf(f, "%s %s%.200s - dir 0 namespace:%s%.200s:%d\n", call, path,
	    deep_name, path, deep_name, ordinal);
	free(path);
}

Test(hostile, paths_longer_than_path_max)
{
	char *near = deep(15, "near"), *via = deep(11, "via"), *want;
	size_t len;
	FILE *f = open_memstream(&want, &len);

	/*
	 * Before the fix badio died of a heap overflow (SIGSEGV; ASan:
	 * heap-buffer-overflow in path_normalize) at the first call in a
	 * working directory it could not name.  Now: exact paths where they
	 * fit in PATH_MAX, documented markers where they do not.
	 */
	RECORD("--", PROG("p_longpath"));
	cr_assert_not_null(f);
	for (int k = 1; k <= 15; k++)
		dir_row(f, "mkdir", k, 1);
	fprintf(f, "openat %s - regular 4 namespace:%s:1\n"
	    "write %s - regular 5 write:%s:1\n", near, near, near, near);
	for (int k = 16; k <= 21; k++)
		dir_row(f, "mkdir", k, 1);
	fprintf(f,
	    "openat <too long>/far - regular 4 namespace:<too long>/far:1\n"
	    "write <fd 4> - regular 4 write:<fd 4>:1\n"
	    "fsync <fd 4> - regular 0 sync:<fd 4>:1\n"
	    "rename <too long>/far <too long>/far2 regular 0 "
	    "namespace:<too long>/far:2\n"
	    "openat <too long>/%s - regular 4 namespace:<too long>/%s:1\n"
	    "openat <too long> - other -36 namespace:<too long>:1\n"
	    "unlink <too long>/far2 - regular 0 namespace:<too long>/far2:1\n"
	    "unlink <too long>/via - regular 0 namespace:<too long>/via:1\n",
	    via, via);
	for (int k = 21; k >= 16; k--)
		dir_row(f, "rmdir", k, 2);
	fprintf(f, "unlink %s - regular 0 namespace:%s:2\n", near, near);
	for (int k = 15; k >= 1; k--)
		dir_row(f, "rmdir", k, 2);
	cr_assert_eq(fclose(f), 0);
	cr_assert_str_eq(dump(SITE_ROWS), want);
	/* the data of a write to a file badio cannot name is still read */
	cr_assert_eq(count("SELECT crc_bytes FROM sites WHERE key = "
	    "'write:<fd 4>:1'"), 4);
	cr_assert_eq(count("SELECT files FROM recordings"), 1);
	free(want);
	free(near);
	free(via);
}

/* --- files named like streams (issue 7, item 8) --------------------------- */

Test(hostile, files_named_like_streams_are_files)
{
	/*
	 * A file named "<stdout>" in the run directory is "./<stdout>",
	 * never the stream "<stdout>": it is explored by default, the
	 * stream is not.  Before the fix the file's sites were "<stdout>"
	 * and left out as the program's output.
	 */
	RECORD("--", PROG("p_stdnames"));
	cr_assert_str_eq(dump(SITE_ROWS),
	    "openat ./<stdout> - regular 3 namespace:./<stdout>:1\n"
	    "write ./<stdout> - regular 5 write:./<stdout>:1\n"
	    "fsync ./<stdout> - regular 0 sync:./<stdout>:1\n"
	    "mkdir ./<pipe> - dir 0 namespace:./<pipe>:1\n"
	    "openat ./<pipe>/data - regular 3 namespace:./<pipe>/data:1\n"
	    "write ./<pipe>/data - regular 2 write:./<pipe>/data:1\n"
	    "write <stdout> - pipe 7 write:<stdout>:1\n"
	    "rename ./<pipe>/data ./<stderr> regular 0 "
	    "namespace:./<pipe>/data:2\n");
	cr_assert_eq(count("SELECT files FROM recordings"), 2);

	write_file("check.sh", "#!/bin/sh\ntest \"$(cat '<stdout>')\" = file\n");
	cr_assert_eq(chmod("check.sh", 0755), 0);
	EXPLORE_OK("--faults", PRE_POWER_FAULTS, "--oracle", "./check.sh");
	ASSERT_VERDICTS(
	    "namespace:./<pipe>/data:1 crash ok crash 1 - 0\n"
	    "namespace:./<pipe>/data:1 eio reported exit:1 1 - 0\n"
	    "namespace:./<pipe>/data:2 crash ok crash 1 - 0\n"
	    "namespace:./<pipe>/data:2 eio reported exit:1 1 - 0\n"
	    "namespace:./<pipe>:1 crash ok crash 1 - 0\n"
	    "namespace:./<pipe>:1 eio reported exit:1 1 - 0\n"
	    "namespace:./<stdout>:1 crash corruption crash 1 - 1\n"
	    "namespace:./<stdout>:1 eio corruption exit:1 1 - 1\n"
	    "sync:./<stdout>:1 crash ok crash 1 - 0\n"
	    "sync:./<stdout>:1 eio reported exit:1 1 - 0\n"
	    "write:./<pipe>/data:1 crash ok crash 1 - 0\n"
	    "write:./<pipe>/data:1 eio reported exit:1 1 - 0\n"
	    "write:./<pipe>/data:1 short reported exit:1 1 1 0\n"
	    "write:./<pipe>/data:1 torn reported exit:1 1 1 0\n"
	    "write:./<stdout>:1 crash corruption crash 1 - 1\n"
	    "write:./<stdout>:1 eio corruption exit:1 1 - 1\n"
	    "write:./<stdout>:1 short corruption exit:1 1 2 1\n"
	    "write:./<stdout>:1 torn corruption exit:1 1 2 1\n");
	/* the stream is explored only when asked for */
	EXPLORE_OK("--oracle", "./check.sh", "--include-stdio", "--faults",
	    "eio");
	cr_assert_eq(count("SELECT count(*) FROM verdicts WHERE key = "
	    "'write:<stdout>:1'"), 1);
}

/* --- behaviour that must not differ from an untraced run (item 12) ------- */

Test(hostile, own_trace_filter_fails_calls_as_untraced)
{
	const char *argv[] = { PROG("p_filter"), NULL };
	struct run native = { 0 };

	/*
	 * The program's own SECCOMP_RET_TRACE rules (getppid, and
	 * fdatasync, which badio traces too): untraced the calls fail with
	 * ENOSYS, so under badio they must too (before the fix badio let
	 * them run: getppid returned the parent's pid, fdatasync 0).
	 */
	cr_assert_eq(run_argv(argv, NULL, tmp, &native), 0, "natively: %s",
	    native.err);
	cr_assert_eq(badio("record", "-o", db_path, "--", argv[0], NULL), 0,
	    "%s", r.err);
	cr_assert_str_eq(dump("SELECT syscall, path, result FROM sites "
	    "WHERE family <> 'end' ORDER BY seq"),
	    "openat filter.out 3\n"
	    "write filter.out 7\n"
	    "write filter.out 6\n");
	cr_assert_not_null(strstr(r.err, "failed with ENOSYS, as they do "
	    "untraced"), "%s", r.err);
	free(native.out);
	free(native.err);
}

/* Can user uid (group uid, no others) create a file in dir?  1 or 0. */
static int
creates_as(uid_t uid, const char *dir)
{
	char path[600];
	pid_t pid;
	int st, fd;

	cr_assert_lt((size_t)snprintf(path, sizeof(path), "%s/probe-%d", dir,
	    (int)uid), sizeof(path));
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0)
			_exit(2);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		_exit(fd >= 0 ? 0 : errno == EACCES ? 1 : 3);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) <= 1, "probe as %d: %d",
	    (int)uid, st);
	return WEXITSTATUS(st) == 0;
}

Test(hostile, program_dropping_root_can_write_its_run_directory)
{
	char dir[512] = "";
	const char *p;
	struct stat st;

	if (geteuid() != 0)
		cr_skip_test("needs root: the program calls setuid(65534)");
	/*
	 * p_setuid writes as root, drops to 65534 and writes again in its
	 * working directory.  Before the fix the second open failed with
	 * EACCES: the run directory was 0700 root.  Now the user the program
	 * becomes may write it (an ACL entry); the directory stays root's,
	 * so that user cannot swap it for a symlink, and other users stay
	 * out.
	 */
	cr_assert_eq(badio("record", "-o", db_path, "--keep", "--",
	    PROG("p_setuid"), NULL), 0, "%s", r.err);
	cr_assert_str_eq(dump("SELECT syscall, path, result FROM sites "
	    "WHERE family <> 'end' ORDER BY seq"),
	    "openat root.txt 3\n"
	    "write root.txt 5\n"
	    "openat nobody.txt 3\n"
	    "write nobody.txt 7\n"
	    "fsync nobody.txt 0\n");
	p = strstr(r.err, "kept the run directory '");
	cr_assert_not_null(p, "%s", r.err);
	p += strlen("kept the run directory '");
	cr_assert_lt(strcspn(p, "'"), sizeof(dir));
	memcpy(dir, p, strcspn(p, "'"));
	cr_assert_eq(stat(dir, &st), 0, "%s", dir);
	cr_assert_eq(st.st_uid, 0, "the directory stays root's");
	cr_assert_eq(st.st_mode & 07007, 0, "no rights for others");
	cr_assert_eq(creates_as(65534, dir), 1, "the program's user may write");
	cr_assert_eq(creates_as(65533, dir), 0, "other users stay out");
	bx_tree_remove(dir, NULL);

	/* explore's run directories too: the fault-free run passes */
	write_file("check.sh", "#!/bin/sh\ntest \"$(cat nobody.txt)\" = nobody\n");
	cr_assert_eq(chmod("check.sh", 0755), 0);
	EXPLORE_OK("--oracle", "./check.sh", "--sites", "path=nobody.txt",
	    "--faults", "eio");
	ASSERT_VERDICTS(
	    "namespace:nobody.txt:1 eio corruption exit:1 1 - 1\n"
	    "sync:nobody.txt:1 eio reported exit:1 1 - 0\n"
	    "write:nobody.txt:1 eio corruption exit:1 1 - 1\n");
}

Test(hostile, explore_warns_of_files_outside_the_run_directory)
{
	char script[800], *want;

	/*
	 * Files outside the run directory are not reset between runs: each
	 * run finds what the one before left there.  record warned; explore
	 * said nothing (before the fix).  Now it warns once, in its summary,
	 * naming the files in the order the recording met them.
	 */
	cr_assert_lt((size_t)snprintf(script, sizeof(script),
	    "echo a >> '%s/out1'; echo y > inside.txt; echo b >> '%s/out2'; "
	    "echo c >> '%s/out1'", tmp, tmp, tmp), sizeof(script));
	RECORD("--", "/bin/sh", "-c", script);
	write_file("check.sh", "#!/bin/sh\ntest \"$(cat inside.txt)\" = y\n");
	cr_assert_eq(chmod("check.sh", 0755), 0);
	cr_assert_eq(badio("explore", "-d", db_path, "--oracle", "./check.sh",
	    "--sites", "path=inside.txt", "--faults", "eio", NULL), 0, "%s",
	    r.err);
	cr_assert_gt(asprintf(&want, "badio: warning: explore: 6 recorded "
	    "sites on 2 files outside the run directory ('%s/out1', "
	    "'%s/out2'): runs share them, each finding what the runs before "
	    "it left there, so verdicts may depend on order; prefer paths "
	    "inside the run directory\n", tmp, tmp), 0);
	cr_assert_not_null(strstr(r.err, want), "want:\n%s\ngot:\n%s", want,
	    r.err);
	cr_assert_null(strstr(strstr(r.err, want) + strlen(want),
	    "outside the run"), "warned once only:\n%s", r.err);
	free(want);

	/* nothing left to run: no runs, no warning */
	cr_assert_eq(badio("explore", "-d", db_path, "--oracle", "./check.sh",
	    "--sites", "path=inside.txt", "--faults", "eio", NULL), 0, "%s",
	    r.err);
	cr_assert_null(strstr(r.err, "outside the run"), "%s", r.err);
}
