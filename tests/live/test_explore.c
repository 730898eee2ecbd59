/*
 * test_explore.c - integration tests of `badio explore` and `badio
 * report`: the real badio binary on the explore_* target programs of
 * tests/progs/ (and the bundled examples), with exact expected verdicts
 * per site and fault, read back from the database's `verdicts` view.
 *
 * Each test works in its own directory under /tmp: badio runs there, so
 * relative oracle paths are resolved against it.  Verdict rows are
 * compared as text, one line per experiment ordered by replay key and
 * fault ("key fault verdict status injected fault_bytes oracle_exit",
 * NULL as "-"), so a failure shows both whole tables.
 *
 * The tests need ptrace.  Without it they fail, unless the environment
 * has BADIO_TEST_ALLOW_SKIP=1 (restricted containers; never in CI).
 */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void
setup(void)
{
	harness_setup("explore", "badio.db");
}

TestSuite(explore, .init = setup, .fini = harness_teardown, .timeout = 180);
/* --- the bundled examples ------------------------------------------- */

Test(explore, naive_writer)
{
	/*
	 * a relative oracle path is taken from explore's directory (with a
	 * slash: a bare "check.sh" is a command, test_attacks.sh)
	 */
	cr_assert_eq(symlink(EXAMPLES "/check_naive.sh", "check.sh"), 0);
	RECORD("--", PROG("explore_naive"));
	EXPLORE_OK("--faults", PRE_POWER_FAULTS,
	    "--oracle", "./check.sh", "-j", "2");
	ASSERT_VERDICTS(
	    "namespace:data.txt:1 crash corruption crash 1 - 1\n"
	    "namespace:data.txt:1 eio silent-corruption exit:0 1 - 1\n"
	    "write:data.txt:1 crash corruption crash 1 - 1\n"
	    "write:data.txt:1 eio silent-corruption exit:0 1 - 1\n"
	    "write:data.txt:1 short silent-corruption exit:0 1 30 1\n"
	    "write:data.txt:1 torn silent-corruption exit:0 1 30 1\n");
	cr_assert_eq(count("SELECT count(*) FROM bugs"), 6);

	/* --fail-on gates CI; a second run has nothing left to do */
	cr_assert_eq(EXPLORE("--faults", PRE_POWER_FAULTS,
	    "--oracle", "./check.sh", "--fail-on",
	    "silent-corruption"), 1, "%s", r.err);
	cr_assert_eq(EXPLORE("--faults", PRE_POWER_FAULTS,
	    "--oracle", "./check.sh", "--fail-on",
	    "crashed,hang"), 0, "%s", r.err);
	cr_assert_eq(count("SELECT count(*) FROM experiments"), 6);

	/* the report: counts, the bugs by call site; --all: by file */
	cr_assert_eq(badio("report", "-d", db_path, NULL), 0, "%s", r.err);
	cr_assert(strstr(r.out, "naive.c:21 main  data.txt  silent-corruption "
	    "under short, torn, eio at 1 site (id 2)") != NULL, "%s", r.out);
	cr_assert_eq(badio("report", "-d", db_path, "--all", NULL), 0, "%s",
	    r.err);
	cr_assert(strstr(r.out, "silent-corruption") != NULL, "%s", r.out);
	/* one table, one header: no section per file */
	cr_assert(strstr(r.out, "\nall experiments:\nSITE  SEQ  SYSCALL  PATH  "
	    "    KEY                   FAULT  STATE  WROTE  PROGRAM  ORACLE  VERDICT  "
	    "          CALL SITE        ORACLE SAID\n") != NULL, "%s", r.out);
	cr_assert_null(strstr(strstr(r.out, "SITE  SEQ") + 1, "SITE  SEQ"),
	    "%s", r.out);
	cr_assert(strstr(r.out, "data.txt is damaged: 30 bytes") != NULL,
	    "%s", r.out);
	cr_assert_eq(badio("report", "-d", db_path, "--format", "csv", NULL),
	    0);
	cr_assert(strncmp(r.out, "site,seq,syscall,family,path,key,fault,", 39)
	    == 0, "%s", r.out);
	cr_assert(strstr(r.out, "2,2,write,write,data.txt,write:data.txt:1,"
	    "torn,1,30,exit:0,1,silent-corruption,") != NULL, "%s", r.out);
	cr_assert_eq(badio("report", "-d", db_path, "--format", "json",
	    "--all", NULL), 0);
	cr_assert(strstr(r.out, "\"counts\"") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"experiments\"") != NULL, "%s", r.out);
	cr_assert_eq(badio("report", "-d", db_path, "--format", "xml", NULL),
	    2);
}

/*
 * Progress when stderr is no terminal (a CI log): plain lines, no
 * carriage return or escape sequence, one every BADIO_PROGRESS_SECONDS
 * (0: after every experiment; by default 5 s, so a short run prints
 * none); none with -q.
 */
Test(explore, progress_lines_on_a_non_tty_stderr)
{
	char want[128];
	const char *line;
	int n = 0, st;

	RECORD("--", PROG("explore_naive"));
	cr_assert_eq(setenv("BADIO_PROGRESS_SECONDS", "0", 1), 0);
	st = badio("explore", "--faults", PRE_POWER_FAULTS,
	    "-d", db_path, "--oracle",
	    EXAMPLES "/check_naive.sh", "-j", "1", NULL);
	cr_assert_eq(st, 0, "%s", r.err);
	cr_assert_null(strchr(r.err, '\r'), "%s", r.err);
	cr_assert_null(strchr(r.err, '\033'), "%s", r.err);
	/* first the command every run executes, then the progress */
	cr_assert(strncmp(r.err, "badio: explore: every run executes: env -i ",
	    43) == 0, "%s", r.err);
	for (line = strchr(r.err, '\n');
	    (line = strstr(line, "badio: explore: ")); line++) {
		n++;
		snprintf(want, sizeof(want), "badio: explore: %d/6 experiments, "
		    "%d bug%s, ", n, n, n == 1 ? "" : "s");
		cr_assert(strncmp(line, want, strlen(want)) == 0,
		    "line %d: want '%s...' in\n%s", n, want, r.err);
		cr_assert(strstr(line, "/s, ETA ") && strchr(line, '\n'),
		    "%s", r.err);
	}
	cr_assert_eq(n, 6, "one line per experiment:\n%s", r.err);
	cr_assert(strstr(r.err, "badio: explored 6 experiments"), "%s", r.err);

	/* -q: nothing; the default interval: no line in a short run */
	cr_assert_eq(EXPLORE("--faults", PRE_POWER_FAULTS,
	    "--oracle", EXAMPLES "/check_naive.sh", "--redo"),
	    0, "%s", r.err);
	cr_assert_str_eq(r.err, "");
	cr_assert_eq(unsetenv("BADIO_PROGRESS_SECONDS"), 0);
	cr_assert_eq(badio("explore", "--faults", PRE_POWER_FAULTS,
	    "-d", db_path, "--oracle",
	    EXAMPLES "/check_naive.sh", "--redo", NULL), 0, "%s", r.err);
	cr_assert_null(strstr(strchr(r.err, '\n'), "badio: explore: "), "%s",
	    r.err);
	cr_assert_eq(setenv("BADIO_PROGRESS_SECONDS", "x", 1), 0);
	cr_assert_eq(badio("explore", "--faults", PRE_POWER_FAULTS,
	    "-d", db_path, "--oracle",
	    EXAMPLES "/check_naive.sh", NULL), 2, "%s", r.err);
	cr_assert_eq(unsetenv("BADIO_PROGRESS_SECONDS"), 0);
}

/*
 * The calls of issue 9 break as the others: copy_file_range as a write
 * (short halves what the source holds, 20 of 40 bytes), mkdir, rename
 * and link as namespace calls.  The careful copier survives every fault;
 * the naive one publishes a short or failed copy.
 */
#define COPY_ORACLE							\
	"for f in out.d/out.txt out.d/backup.txt; do "			\
	"test ! -e $f || cmp -s in.txt $f || exit 1; done"

static void
copy_init(void)
{
	cr_assert_eq(mkdir("init", 0755), 0);
	write_file("init/in.txt", "forty bytes of data to copy, no more.\n..");
}

Test(explore, copy_file_range_careful)
{
	copy_init();
	RECORD("--init", "init", "--", PROG("explore_copy"));
	EXPLORE_OK("--faults", PRE_POWER_FAULTS, "--oracle", COPY_ORACLE);
	ASSERT_VERDICTS(
	    "namespace:out.d/backup.txt:1 crash ok crash 1 - 0\n"
	    "namespace:out.d/backup.txt:1 eio reported exit:1 1 - 0\n"
	    "namespace:out.d/out.tmp:1 crash ok crash 1 - 0\n"
	    "namespace:out.d/out.tmp:1 eio reported exit:1 1 - 0\n"
	    "namespace:out.d/out.tmp:2 crash ok crash 1 - 0\n"
	    "namespace:out.d/out.tmp:2 eio reported exit:1 1 - 0\n"
	    "namespace:out.d:1 crash ok crash 1 - 0\n"
	    "namespace:out.d:1 eio reported exit:1 1 - 0\n"
	    "sync:out.d/out.tmp:1 crash ok crash 1 - 0\n"
	    "sync:out.d/out.tmp:1 eio reported exit:1 1 - 0\n"
	    "write:out.d/out.tmp:1 crash ok crash 1 - 0\n"
	    "write:out.d/out.tmp:1 eio reported exit:1 1 - 0\n"
	    "write:out.d/out.tmp:1 short ok exit:0 1 20 0\n"
	    "write:out.d/out.tmp:1 torn reported exit:1 1 20 0\n"
	    "write:out.d/out.tmp:2 crash ok crash 1 - 0\n"
	    "write:out.d/out.tmp:2 eio reported exit:1 1 - 0\n");
	cr_assert_eq(count("SELECT count(*) FROM sites WHERE syscall = "
	    "'copy_file_range' AND count = 40 AND result = 40"), 1);
	/* enospc applies to the names it makes, not to the rename */
	EXPLORE_OK("--oracle", COPY_ORACLE, "--faults", "enospc");
	cr_assert_str_eq(dump("SELECT key, verdict FROM verdicts WHERE "
	    "fault = 'enospc' ORDER BY key"),
	    "namespace:out.d/backup.txt:1 reported\n"
	    "namespace:out.d/out.tmp:1 reported\n"
	    "namespace:out.d:1 reported\n"
	    "write:out.d/out.tmp:1 reported\n"
	    "write:out.d/out.tmp:2 reported\n");
}

Test(explore, copy_file_range_naive)
{
	copy_init();
	RECORD("--init", "init", "--", PROG("explore_copy"), "naive");
	EXPLORE_OK("--faults", PRE_POWER_FAULTS,
	    "--oracle", COPY_ORACLE, "--sites", "syscall=copy_file_range");
	ASSERT_VERDICTS(
	    "write:out.d/out.tmp:1 crash ok crash 1 - 0\n"
	    "write:out.d/out.tmp:1 eio silent-corruption exit:0 1 - 1\n"
	    "write:out.d/out.tmp:1 short silent-corruption exit:0 1 20 1\n"
	    "write:out.d/out.tmp:1 torn silent-corruption exit:0 1 20 1\n");
}

/*
 * A splice into a pipe and a sendfile into a socket are no file writes:
 * like pipe writes, explore leaves them out unless asked
 * (--include-pipes).
 */
Test(explore, copies_into_pipes_and_sockets_are_not_explored)
{
	RECORD("--", PROG("p_copy"));
	EXPLORE_OK("--faults", PRE_POWER_FAULTS,
	    "--oracle", "true", "--sites", "syscall=splice");
	ASSERT_VERDICTS(
	    "write:dst:6 crash ok crash 1 - 0\n"
	    "write:dst:6 eio reported exit:1 1 - 0\n"
	    "write:dst:6 short reported exit:1 1 4 0\n"
	    "write:dst:6 torn reported exit:1 1 4 0\n"
	    "write:wo:1 crash ok crash 1 - 0\n"
	    "write:wo:1 eio reported exit:1 1 - 0\n"
	    "write:wo:1 short reported exit:1 1 1 0\n"
	    "write:wo:1 torn reported exit:1 1 1 0\n"
	    "write:wo:3 crash ok crash 1 - 0\n"
	    "write:wo:3 eio reported exit:1 1 - 0\n"
	    "write:wo:3 short reported exit:1 1 1 0\n"
	    "write:wo:3 torn reported exit:1 1 1 0\n");
	EXPLORE_OK("--oracle", "true", "--sites", "syscall=sendfile",
	    "--faults", "eio");
	cr_assert_str_eq(dump("SELECT key, verdict FROM verdicts WHERE "
	    "syscall = 'sendfile' ORDER BY key"),
	    "write:dst:4 reported\nwrite:dst:5 reported\n",
	    "sendfile into a socket is not explored by default");
	EXPLORE_OK("--oracle", "true", "--sites", "syscall=sendfile",
	    "--include-pipes", "--faults", "eio");
	cr_assert_str_eq(dump("SELECT key, kind, verdict FROM verdicts WHERE "
	    "syscall = 'sendfile' ORDER BY key"),
	    "write:<socket>:1 socket reported\n"
	    "write:dst:4 regular reported\nwrite:dst:5 regular reported\n");
}

Test(explore, atomic_writer_has_no_bug)
{
	cr_assert_eq(mkdir("init", 0755), 0);
	write_file("init/data.txt", "badio example: version 1 of this file.\n");
	RECORD("--init", "init", "--", PROG("explore_atomic"));
	EXPLORE_OK("--faults", PRE_POWER_FAULTS,
	    "--oracle", EXAMPLES "/check_atomic.sh");
	ASSERT_VERDICTS(
	    "namespace:data.txt.tmp:1 crash ok crash 1 - 0\n"
	    "namespace:data.txt.tmp:1 eio reported exit:1 1 - 0\n"
	    "namespace:data.txt.tmp:2 crash ok crash 1 - 0\n"
	    "namespace:data.txt.tmp:2 eio reported exit:1 1 - 0\n"
	    "sync:.:1 crash ok crash 1 - 0\n"
	    "sync:.:1 eio reported exit:1 1 - 0\n"
	    "sync:data.txt.tmp:1 crash ok crash 1 - 0\n"
	    "sync:data.txt.tmp:1 eio reported exit:1 1 - 0\n"
	    "write:data.txt.tmp:1 crash ok crash 1 - 0\n"
	    "write:data.txt.tmp:1 eio reported exit:1 1 - 0\n"
	    "write:data.txt.tmp:1 short ok exit:0 1 30 0\n"
	    "write:data.txt.tmp:1 torn reported exit:1 1 30 0\n");
	cr_assert_eq(count("SELECT count(*) FROM bugs"), 0);
	cr_assert_eq(badio("report", "-d", db_path, NULL), 0);
	cr_assert(strstr(r.out, "no bugs found") != NULL, "%s", r.out);
}

/*
 * /dev/null, opened afresh while stdin is /dev/null too (the harness
 * gives badio /dev/null as stdin; explore does when no stdin was kept):
 * the creating open and the write are kind "other", named /dev/null,
 * never <stdin>, and not explored by default; --include-stdio explores
 * them, and explore's runs meet them under the same keys.
 */
Test(explore, dev_null_is_other_and_not_stdin)
{
	RECORD("--", PROG("p_devnull"));
	cr_assert_str_eq(dump("SELECT syscall, path, kind, key FROM sites "
	    "WHERE family <> 'end' ORDER BY seq"),
	    "openat /dev/null other namespace:/dev/null:1\n"
	    "write /dev/null other write:/dev/null:1\n"
	    "openat data.txt regular namespace:data.txt:1\n"
	    "write data.txt regular write:data.txt:1\n");
	EXPLORE_OK("--oracle", "true", "--faults", "eio");
	ASSERT_VERDICTS(
	    "namespace:data.txt:1 eio reported exit:1 1 - 0\n"
	    "write:data.txt:1 eio reported exit:1 1 - 0\n");
	EXPLORE_OK("--oracle", "true", "--faults", "eio", "--include-stdio");
	ASSERT_VERDICTS(
	    "namespace:/dev/null:1 eio reported exit:1 1 - 0\n"
	    "namespace:data.txt:1 eio reported exit:1 1 - 0\n"
	    "write:/dev/null:1 eio reported exit:1 1 - 0\n"
	    "write:data.txt:1 eio reported exit:1 1 - 0\n");
	cr_assert_eq(count("SELECT count(*) FROM experiments WHERE diverged"), 0);
}

/* --- more writers --------------------------------------------------- */

Test(explore, inplace_rewriter_reports_but_corrupts)
{
	cr_assert_eq(mkdir("init", 0755), 0);
	write_file("init/data.txt", "old version\n");
	RECORD("--init", "init", "--", PROG("explore_inplace"));
	EXPLORE_OK("--faults", PRE_POWER_FAULTS, "--oracle",
	    "printf 'inplace: the new version of data.txt\\n' | cmp -s - data.txt"
	    " || printf 'old version\\n' | cmp -s - data.txt");
	ASSERT_VERDICTS(
	    "namespace:data.txt:1 crash ok crash 1 - 0\n"
	    "namespace:data.txt:1 eio reported exit:1 1 - 0\n"
	    "sync:data.txt:1 crash ok crash 1 - 0\n"
	    "sync:data.txt:1 eio reported exit:1 1 - 0\n"
	    "write:data.txt:1 crash corruption crash 1 - 1\n"
	    "write:data.txt:1 eio corruption exit:1 1 - 1\n"
	    "write:data.txt:1 short ok exit:0 1 18 0\n"
	    "write:data.txt:1 torn corruption exit:1 1 18 1\n");
}

Test(explore, go_ignored_write_error)
{
	RECORD("--", PROG("explore_go"));
	EXPLORE_OK("--faults", PRE_POWER_FAULTS,
	    "--oracle", "printf 'go: every byte of this line must "
	    "reach data.txt\\n' | cmp -s - data.txt");
	ASSERT_VERDICTS(
	    "namespace:data.txt:1 crash corruption crash 1 - 2\n"
	    "namespace:data.txt:1 eio corruption exit:1 1 - 2\n"
	    "write:data.txt:1 crash corruption crash 1 - 1\n"
	    "write:data.txt:1 eio silent-corruption exit:0 1 - 1\n"
	    "write:data.txt:1 short ok exit:0 1 24 0\n"
	    "write:data.txt:1 torn silent-corruption exit:0 1 24 1\n");
}

/*
 * badio record keeps what PROG read on stdin, from a file or a pipe, and
 * explore feeds it to every re-run: the fault-free run passes an oracle
 * that wants the input copied, and the faults hit the copy's writes.
 */
static void
record_with_stdin(const char *how)
{
	char script[1024];
	const char *argv[] = { "/bin/sh", "-c", script, BADIO_EXE, NULL };
	struct run res = { 0 };

	write_file("input.txt", "line one\nline two\n");
	snprintf(script, sizeof(script), "%s \"$0\" record -q -o '%s' -- '%s'",
	    how, db_path, PROG("explore_stdin"));
	cr_assert_eq(run_argv(argv, NULL, tmp, &res), 0, "%s", res.err);
	free(res.out);
	free(res.err);
}

static void
explore_stdin_copy(void)
{
	EXPLORE_OK("--oracle", "test \"$(cat copy.txt)\" = \"$(printf "
	    "'line one\nline two')\"", "--faults", "eio");
	cr_assert_eq(count("SELECT stdin_size FROM recordings"), 18);
	/* the fault-free run passed: the input was there; with a fault
	 * the program fails and the copy is incomplete */
	ASSERT_VERDICTS("namespace:copy.txt:1 eio corruption exit:1 1 - 1\n"
	    "write:copy.txt:1 eio corruption exit:1 1 - 1\n");
}

Test(explore, stdin_from_a_file_is_replayed)
{
	record_with_stdin("exec <input.txt;");
	explore_stdin_copy();
}

Test(explore, stdin_from_a_pipe_is_replayed)
{
	record_with_stdin("cat input.txt |");
	explore_stdin_copy();
}

Test(explore, python_writer)
{
	/* no .pyc writes: they would be sites of their own */
	setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
	RECORD("--", PYTHON3, PROGS_SRC "/explore_py.py");
	EXPLORE_OK("--faults", PRE_POWER_FAULTS,
	    "--oracle", "printf 'python: every byte of this line must "
	    "reach data.txt\\n' | cmp -s - data.txt");
	/*
	 * Python keeps the buffer when a flush fails and writes it again
	 * when the file object is finalized: after eio the file is whole
	 * (reported), after torn the first half is there twice (corruption).
	 */
	ASSERT_VERDICTS(
	    "namespace:data.txt:1 crash corruption crash 1 - 2\n"
	    "namespace:data.txt:1 eio corruption exit:1 1 - 2\n"
	    "write:data.txt:1 crash corruption crash 1 - 1\n"
	    "write:data.txt:1 eio reported exit:1 1 - 0\n"
	    "write:data.txt:1 short ok exit:0 1 26 0\n"
	    "write:data.txt:1 torn corruption exit:1 1 26 1\n");
}

/* An oracle that accepts a reported failure, else wants every file. */
#define THREADS_ORACLE \
	"test \"$BADIO_STATUS\" != exit:0 || for i in 0 1 2 3; do " \
	"echo \"thread $i wrote this line\" | cmp -s - t$i.txt || exit 1; done"

static const char threads_want[] =
	"namespace:t0.txt:1 crash ok crash 1 - 0\n"
	"namespace:t0.txt:1 eio reported exit:1 1 - 0\n"
	"namespace:t1.txt:1 crash ok crash 1 - 0\n"
	"namespace:t1.txt:1 eio reported exit:1 1 - 0\n"
	"namespace:t2.txt:1 crash ok crash 1 - 0\n"
	"namespace:t2.txt:1 eio reported exit:1 1 - 0\n"
	"namespace:t3.txt:1 crash ok crash 1 - 0\n"
	"namespace:t3.txt:1 eio reported exit:1 1 - 0\n"
	"write:t0.txt:1 crash ok crash 1 - 0\n"
	"write:t0.txt:1 eio reported exit:1 1 - 0\n"
	"write:t0.txt:1 short ok exit:0 1 12 0\n"
	"write:t0.txt:1 torn reported exit:1 1 12 0\n"
	"write:t1.txt:1 crash ok crash 1 - 0\n"
	"write:t1.txt:1 eio reported exit:1 1 - 0\n"
	"write:t1.txt:1 short ok exit:0 1 12 0\n"
	"write:t1.txt:1 torn reported exit:1 1 12 0\n"
	"write:t2.txt:1 crash ok crash 1 - 0\n"
	"write:t2.txt:1 eio reported exit:1 1 - 0\n"
	"write:t2.txt:1 short ok exit:0 1 12 0\n"
	"write:t2.txt:1 torn reported exit:1 1 12 0\n"
	"write:t3.txt:1 crash ok crash 1 - 0\n"
	"write:t3.txt:1 eio reported exit:1 1 - 0\n"
	"write:t3.txt:1 short ok exit:0 1 12 0\n"
	"write:t3.txt:1 torn reported exit:1 1 12 0\n";

Test(explore, threaded_writer)
{
	RECORD("--", PROG("explore_threads"));
	EXPLORE_OK("--faults", PRE_POWER_FAULTS, "--oracle", THREADS_ORACLE);
	ASSERT_VERDICTS(threads_want);
}

Test(explore, forking_writer)
{
	RECORD("--", PROG("explore_fork"));
	EXPLORE_OK("--faults", PRE_POWER_FAULTS,
	    "--oracle", "test \"$BADIO_STATUS\" != exit:0 || { "
	    "echo 'the child wrote this line' | cmp -s - child.txt && "
	    "echo 'the parent wrote this line' | cmp -s - parent.txt; }");
	ASSERT_VERDICTS(
	    "namespace:child.txt:1 crash ok crash 1 - 0\n"
	    "namespace:child.txt:1 eio reported exit:1 1 - 0\n"
	    "namespace:parent.txt:1 crash ok crash 1 - 0\n"
	    "namespace:parent.txt:1 eio reported exit:1 1 - 0\n"
	    "write:child.txt:1 crash ok crash 1 - 0\n"
	    "write:child.txt:1 eio reported exit:1 1 - 0\n"
	    "write:child.txt:1 short ok exit:0 1 13 0\n"
	    "write:child.txt:1 torn reported exit:1 1 13 0\n"
	    "write:parent.txt:1 crash ok crash 1 - 0\n"
	    "write:parent.txt:1 eio reported exit:1 1 - 0\n"
	    "write:parent.txt:1 short ok exit:0 1 13 0\n"
	    "write:parent.txt:1 torn reported exit:1 1 13 0\n");
}

Test(explore, unreachable_sites)
{
	char marker[300], want[2048];

	/* the marker lives outside the run directories: first run only */
	snprintf(marker, sizeof(marker), "%s/markers", tmp);
	cr_assert_eq(mkdir(marker, 0755), 0);
	RECORD("--", PROG("explore_unreach"), marker);
	EXPLORE_OK("--faults", PRE_POWER_FAULTS,
	    "--oracle", "test \"$BADIO_STATUS\" != exit:0 || "
	    "echo 'always written' | cmp -s - out.txt");
	snprintf(want, sizeof(want),
	    "namespace:%s/marker:1 crash unreached exit:0 0 - -\n"
	    "namespace:%s/marker:1 eio unreached exit:0 0 - -\n"
	    "namespace:extra.txt:1 crash unreached exit:0 0 - -\n"
	    "namespace:extra.txt:1 eio unreached exit:0 0 - -\n"
	    "namespace:out.txt:1 crash ok crash 1 - 0\n"
	    "namespace:out.txt:1 eio reported exit:1 1 - 0\n"
	    "write:extra.txt:1 crash unreached exit:0 0 - -\n"
	    "write:extra.txt:1 eio unreached exit:0 0 - -\n"
	    "write:extra.txt:1 short unreached exit:0 0 - -\n"
	    "write:extra.txt:1 torn unreached exit:0 0 - -\n"
	    "write:out.txt:1 crash ok crash 1 - 0\n"
	    "write:out.txt:1 eio reported exit:1 1 - 0\n"
	    "write:out.txt:1 short ok exit:0 1 7 0\n"
	    "write:out.txt:1 torn reported exit:1 1 7 0\n", marker, marker);
	ASSERT_VERDICTS(want);
	/* an unreached experiment says where the re-run went another way */
	cr_assert_eq(count("SELECT count(*) FROM experiments WHERE diverged "
	    "AND divergence LIKE 'recorded but not seen again: namespace:%'"),
	    8);
	cr_assert_eq(count("SELECT count(*) FROM experiments WHERE diverged"),
	    8);
}

/* --- hangs and oracles that cannot judge ---------------------------- */

Test(explore, program_hang)
{
	RECORD("--", PROG("explore_hang"));
	EXPLORE_OK("--oracle", "true", "--faults", "eio", "--timeout", "1");
	ASSERT_VERDICTS(
	    "namespace:data.txt:1 eio hang timeout 1 - 0\n"
	    "write:data.txt:1 eio hang timeout 1 - 0\n");
	cr_assert(!process_with(PROG("explore_hang")));
}

Test(explore, oracle_hang)
{
	RECORD("--", PROG("explore_naive"));
	EXPLORE_OK("--faults", "eio", "--oracle-timeout", "1", "--oracle",
	    "test \"$BADIO_FAULT\" = none && exit 0; sleep 61.25");
	ASSERT_VERDICTS(
	    "namespace:data.txt:1 eio oracle-error exit:0 1 - -\n"
	    "write:data.txt:1 eio oracle-error exit:0 1 - -\n");
	/* the oracle's whole process group was killed */
	cr_assert(!process_with("sleep 61.25"));
}

/*
 * A simple command is exec'd without sh (explorer/oracle.c): a script
 * without #! that kills itself judges as through sh (exit 139, sh's
 * line in the oracle's output), and one that leaves a background child
 * behind has it killed.
 */
Test(explore, oracle_direct_as_sh)
{
	char direct[4096];

	RECORD("--", PROG("explore_naive"));
	write_file("segv.sh", "test \"$BADIO_FAULT\" = none && exit 0\n"
	    "sleep 61.5 &\nkill -SEGV $$\n");
	cr_assert_eq(chmod("segv.sh", 0755), 0);
	EXPLORE_OK("--faults", "eio", "--oracle", "./segv.sh");
	snprintf(direct, sizeof(direct), "%s", dump(VERDICT_ROWS));
	cr_assert_str_eq(direct,
	    "namespace:data.txt:1 eio silent-corruption exit:0 1 - 139\n"
	    "write:data.txt:1 eio silent-corruption exit:0 1 - 139\n");
	cr_assert_eq(count("SELECT count(*) FROM experiments WHERE "
	    "oracle_tail LIKE '%Segmentation fault%'"), 2);
	cr_assert(!process_with("sleep 61.5"));
	EXPLORE_OK("--faults", "eio", "--redo", "--oracle", "./segv.sh ;");
	ASSERT_VERDICTS(direct);
	cr_assert_eq(count("SELECT count(*) FROM experiments WHERE "
	    "oracle_tail LIKE '%Segmentation fault%'"), 2);
	cr_assert(!process_with("sleep 61.5"));
}

Test(explore, oracle_125_cannot_judge)
{
	RECORD("--", PROG("explore_naive"));
	EXPLORE_OK("--faults", "torn", "--oracle",
	    "test \"$BADIO_FAULT\" = none && exit 0; exit 125");
	ASSERT_VERDICTS("write:data.txt:1 torn oracle-error exit:0 1 30 125\n");
}

Test(explore, missing_oracle)
{
	RECORD("--", PROG("explore_naive"));
	cr_assert_eq(EXPLORE("--faults", PRE_POWER_FAULTS,
	    "--oracle", "./no-such-check.sh"), 2);
	cr_assert(strstr(r.err, "oracle './no-such-check.sh' not found") !=
	    NULL, "%s", r.err);
	cr_assert_eq(count("SELECT count(*) FROM experiments"), 0);
}

Test(explore, oracle_fails_fault_free_run)
{
	RECORD("--", PROG("explore_naive"));
	cr_assert_eq(EXPLORE("--faults", PRE_POWER_FAULTS,
	    "--oracle", "echo 'no such thing'; exit 1"), 2);
	cr_assert(strstr(r.err, "the oracle fails the fault-free run") != NULL,
	    "%s", r.err);
	cr_assert(strstr(r.err, "no such thing") != NULL, "%s", r.err);
	cr_assert_eq(count("SELECT count(*) FROM experiments"), 0);
}

Test(explore, oracle_sees_its_environment)
{
	RECORD("--", PROG("explore_naive"));
	EXPLORE_OK("--sites", "syscall=write", "--faults", "torn", "--oracle",
	    "test \"$BADIO_FAULT\" = none && exit 0; "
	    "echo \"$BADIO_SITE $BADIO_FAULT $BADIO_SYSCALL $BADIO_PATH "
	    "$BADIO_STATUS $BADIO_INJECTED\"; "
	    "test \"$BADIO_DIR\" = \"$(pwd)\" || echo wrong dir");
	const char *tail = dump("SELECT oracle_tail FROM experiments");

	cr_assert_str_eq(tail, "2 torn write data.txt exit:0 1\n\n");
}

/*
 * BADIO_STDOUT: a file outside the run directory with what the program
 * wrote to stdout (not stderr) before the fault; BADIO_STATE is empty
 * for a fault without crash states.  explore_said prints 25 bytes to
 * stdout before its write and "saved" to stderr after it.
 */
Test(explore, oracle_reads_the_program_stdout)
{
	RECORD("--", PROG("explore_said"));
	EXPLORE_OK("--sites", "syscall=write", "--faults", "crash,eio",
	    "--oracle", "test \"$BADIO_FAULT\" = none && exit 0; "
	    "case \"$BADIO_STDOUT\" in \"$BADIO_DIR\"/*) echo inside;; esac; "
	    "echo \"$BADIO_FAULT [$BADIO_STATE] $(wc -c < \"$BADIO_STDOUT\") "
	    "$(grep -c saved \"$BADIO_STDOUT\") $(grep -c '100%' "
	    "\"$BADIO_STDOUT\")\"");
	cr_assert_str_eq(dump("SELECT fault || ': ' || oracle_tail FROM "
	    "experiments ORDER BY fault"), "crash: crash [] 25 0 1\n\n"
	    "eio: eio [] 25 0 1\n\n");
	/* what the program printed on both streams is still the tail */
	cr_assert_str_eq(dump("SELECT prog_last FROM experiments WHERE "
	    "fault = 'eio'"), "saved -1 bytes\n");
}

Test(explore, usage_errors)
{
	RECORD("--", PROG("explore_naive"));
	cr_assert_eq(EXPLORE("--faults", PRE_POWER_FAULTS,
	    "--oracle", "true", "--sites", "id=4-2"), 2);
	cr_assert(strstr(r.err, "--sites") != NULL, "%s", r.err);
	cr_assert_eq(EXPLORE("--faults", PRE_POWER_FAULTS,
	    "--oracle", "true", "--sites", "colour=red"), 2);
	cr_assert_eq(EXPLORE("--oracle", "true", "--faults", "eio,melt"), 2);
	cr_assert(strstr(r.err, "unknown fault 'melt'") != NULL, "%s", r.err);
	cr_assert_eq(EXPLORE("--faults", PRE_POWER_FAULTS,
	    "--oracle", "true", "--fail-on", "bad"), 2);
	cr_assert_eq(EXPLORE("--faults", PRE_POWER_FAULTS,
	    "--oracle", "true", "-j", "0"), 2);
	cr_assert_eq(EXPLORE("--faults", "eio"), 2);
	cr_assert(strstr(r.err, "no oracle") != NULL, "%s", r.err);
	cr_assert_eq(badio("explore", "--faults", PRE_POWER_FAULTS,
	    "-d", "nope.db", "--oracle", "true",
	    NULL), 2);
	cr_assert_eq(count("SELECT count(*) FROM experiments"), 0);
}

Test(explore, sites_filter_and_keep)
{
	RECORD("--", PROG("explore_naive"));
	EXPLORE_OK("--oracle", EXAMPLES "/check_naive.sh", "--sites",
	    "family=write,path=*.txt", "--faults", "torn,short,eio",
	    "--keep", "kept");
	ASSERT_VERDICTS(
	    "write:data.txt:1 eio silent-corruption exit:0 1 - 1\n"
	    "write:data.txt:1 short silent-corruption exit:0 1 30 1\n"
	    "write:data.txt:1 torn silent-corruption exit:0 1 30 1\n");
	struct stat st;

	cr_assert_eq(stat("kept/site-2-torn/data.txt", &st), 0);
	cr_assert_eq(st.st_size, 30);
	cr_assert_eq(stat("kept/site-2-eio/data.txt", &st), 0);
	cr_assert_eq(st.st_size, 0);
	/* --redo starts over, with the new selection */
	EXPLORE_OK("--faults", PRE_POWER_FAULTS,
	    "--oracle", EXAMPLES "/check_naive.sh", "--sites", "id=1",
	    "--redo");
	ASSERT_VERDICTS(
	    "namespace:data.txt:1 crash corruption crash 1 - 1\n"
	    "namespace:data.txt:1 eio silent-corruption exit:0 1 - 1\n");
}

/* --- resume, parallelism -------------------------------------------- */

/* 1 open + 10 writes of 9 bytes: every fault but crash is reported. */
static const char many_want[] =
	"namespace:log.txt:1 crash ok crash 1 - 0\n"
	"namespace:log.txt:1 eio reported exit:1 1 - 0\n"
	"write:log.txt:1 crash ok crash 1 - 0\n"
	"write:log.txt:1 eio reported exit:1 1 - 0\n"
	"write:log.txt:1 short reported exit:1 1 4 0\n"
	"write:log.txt:1 torn reported exit:1 1 4 0\n"
	"write:log.txt:10 crash ok crash 1 - 0\n"
	"write:log.txt:10 eio reported exit:1 1 - 0\n"
	"write:log.txt:10 short reported exit:1 1 4 0\n"
	"write:log.txt:10 torn reported exit:1 1 4 0\n"
	"write:log.txt:2 crash ok crash 1 - 0\n"
	"write:log.txt:2 eio reported exit:1 1 - 0\n"
	"write:log.txt:2 short reported exit:1 1 4 0\n"
	"write:log.txt:2 torn reported exit:1 1 4 0\n"
	"write:log.txt:3 crash ok crash 1 - 0\n"
	"write:log.txt:3 eio reported exit:1 1 - 0\n"
	"write:log.txt:3 short reported exit:1 1 4 0\n"
	"write:log.txt:3 torn reported exit:1 1 4 0\n"
	"write:log.txt:4 crash ok crash 1 - 0\n"
	"write:log.txt:4 eio reported exit:1 1 - 0\n"
	"write:log.txt:4 short reported exit:1 1 4 0\n"
	"write:log.txt:4 torn reported exit:1 1 4 0\n"
	"write:log.txt:5 crash ok crash 1 - 0\n"
	"write:log.txt:5 eio reported exit:1 1 - 0\n"
	"write:log.txt:5 short reported exit:1 1 4 0\n"
	"write:log.txt:5 torn reported exit:1 1 4 0\n"
	"write:log.txt:6 crash ok crash 1 - 0\n"
	"write:log.txt:6 eio reported exit:1 1 - 0\n"
	"write:log.txt:6 short reported exit:1 1 4 0\n"
	"write:log.txt:6 torn reported exit:1 1 4 0\n"
	"write:log.txt:7 crash ok crash 1 - 0\n"
	"write:log.txt:7 eio reported exit:1 1 - 0\n"
	"write:log.txt:7 short reported exit:1 1 4 0\n"
	"write:log.txt:7 torn reported exit:1 1 4 0\n"
	"write:log.txt:8 crash ok crash 1 - 0\n"
	"write:log.txt:8 eio reported exit:1 1 - 0\n"
	"write:log.txt:8 short reported exit:1 1 4 0\n"
	"write:log.txt:8 torn reported exit:1 1 4 0\n"
	"write:log.txt:9 crash ok crash 1 - 0\n"
	"write:log.txt:9 eio reported exit:1 1 - 0\n"
	"write:log.txt:9 short reported exit:1 1 4 0\n"
	"write:log.txt:9 torn reported exit:1 1 4 0\n";

/* The oracle takes 0.1 s so that an explore can be caught mid-way. */
#define SLOW_ORACLE	"sleep 0.1; exit 0"

/*
 * Start explore in the background, wait until at least min experiments
 * are committed, send sig; returns badio's exit status.
 */
static int
interrupt_explore(int sig, long min)
{
	const char *argv[] = { BADIO_EXE, "explore", "-q", "-d", db_path, "-j",
		"2", "--faults", PRE_POWER_FAULTS, "--oracle", SLOW_ORACLE, NULL };
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int out_fd, err_fd;
	int tries = 0;
	pid_t pid;

	pid = start(argv, NULL, NULL, &out_fd, &err_fd);
	while (count("SELECT count(*) FROM experiments") < min) {
		cr_assert_lt(++tries, 1000, "explore made no progress");
		nanosleep(&ts, NULL);
	}
	kill(pid, sig);
	return finish(pid, out_fd, err_fd, &r);
}

/*
 * A copy of explore_many in this test's directory: tests run in
 * parallel, and "no process of this program is left" must not see
 * another test's.
 */
static const char *
own_many(void)
{
	static char path[400];

	snprintf(path, sizeof(path), "%s/many", tmp);
	copy_file(PROG("explore_many"), path);
	cr_assert_eq(chmod(path, 0755), 0);
	return path;
}

Test(explore, resume_after_ctrl_c)
{
	const char *many = own_many();
	long n;

	RECORD("--", many, "10");
	cr_assert_eq(interrupt_explore(SIGINT, 5), 130, "%s", r.err);
	cr_assert(strstr(r.err, "interrupted") != NULL, "%s", r.err);
	n = count("SELECT count(*) FROM experiments");
	cr_assert(n >= 5 && n < 42, "%ld experiments", n);
	cr_assert(!process_with(many), "a tracee outlived badio");
	EXPLORE_OK("--faults", PRE_POWER_FAULTS,
	    "--oracle", SLOW_ORACLE, "-j", "2");
	cr_assert_eq(count("SELECT count(*) FROM experiments"), 42);
	ASSERT_VERDICTS(many_want);
}

Test(explore, resume_after_kill_9)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	const char *many = own_many();
	int i;

	RECORD("--", many, "10");
	cr_assert_eq(interrupt_explore(SIGKILL, 5), 128 + SIGKILL);
	/* the workers follow their parent (PDEATHSIG), the tracees them */
	for (i = 0; i < 50 && (process_with(db_path) || process_with(many));
	    i++)
		nanosleep(&ts, NULL);
	cr_assert(!process_with(db_path), "a badio worker outlived badio");
	cr_assert(!process_with(many), "a tracee outlived badio");
	cr_assert_eq(count("PRAGMA integrity_check"), 0);
	EXPLORE_OK("--faults", PRE_POWER_FAULTS,
	    "--oracle", SLOW_ORACLE, "-j", "2");
	cr_assert_eq(count("SELECT count(*) FROM experiments"), 42);
	cr_assert_eq(count("SELECT count(DISTINCT site || fault) FROM "
	    "experiments"), 42);
	ASSERT_VERDICTS(many_want);
}

Test(explore, jobs_2_equals_jobs_1)
{
	char db1[320], db2[320];
	const char *a, *b;

	/* one recording, two copies of it */
	RECORD("--", PROG("explore_threads"));
	snprintf(db1, sizeof(db1), "%s/j1.db", tmp);
	snprintf(db2, sizeof(db2), "%s/j2.db", tmp);
	copy_file(db_path, db1);
	copy_file(db_path, db2);
	cr_assert_eq(badio("explore", "--faults", PRE_POWER_FAULTS,
	    "-q", "-d", db1, "-j", "1", "--oracle",
	    THREADS_ORACLE, NULL), 0, "%s", r.err);
	cr_assert_eq(badio("explore", "--faults", PRE_POWER_FAULTS,
	    "-q", "-d", db2, "-j", "2", "--oracle",
	    THREADS_ORACLE, NULL), 0, "%s", r.err);
	a = dump_db(db1, VERDICT_ROWS);
	b = dump_db(db2, VERDICT_ROWS);
	cr_assert_str_eq(a, b, "-j 1:\n%s\n-j 2:\n%s", a, b);
	cr_assert_str_eq(a, threads_want);
}
