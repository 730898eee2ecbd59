/*
 * test_replay.c - integration tests of how explore judges re-runs of
 * threaded programs (issue 8): threads numbered by creation order, a
 * reordering between threads reported as "reordered" (informational)
 * and a thread that made another call as "diverged".  The real badio
 * binary on explore_shared and explore_turns (tests/progs/).
 *
 * The tests need ptrace.  Without it they fail, unless the environment
 * has BADIO_TEST_ALLOW_SKIP=1 (restricted containers; never in CI).
 */
#include "harness.h"

#include <stdio.h>
#include <string.h>

static void
setup(void)
{
	harness_setup("replay", "badio.db");
}

TestSuite(replay, .init = setup, .fini = harness_teardown, .timeout = 300);

/* Experiments by divergence kind ("-" for none), with their count. */
#define KINDS \
	"SELECT divergence_kind, diverged, count(*) FROM experiments " \
	"GROUP BY 1, 2 ORDER BY 1"
#define VERDICT_COUNTS \
	"SELECT verdict, count(*) FROM experiments GROUP BY 1 ORDER BY 1"

/*
 * Four threads race to append three lines each to one file: the replay
 * keys of shared.txt go to whichever thread comes first.  Every
 * experiment lands (56: 4 opens x eio, crash; 12 writes x short, torn,
 * eio, crash), none diverges; most are reordered, which explore says
 * without counting it against the verdict.
 */
Test(replay, four_threads_share_one_file)
{
	char oracle[512], expected[320];
	FILE *f;

	snprintf(expected, sizeof(expected), "%s/expected.txt", tmp);
	f = fopen(expected, "w");
	cr_assert_not_null(f);
	for (int k = 0; k < 4; k++)
		for (int j = 0; j < 3; j++)
			fprintf(f, "thread %d line %d\n", k, j);
	cr_assert_eq(fclose(f), 0);
	snprintf(oracle, sizeof(oracle), "test \"$BADIO_STATUS\" != exit:0 || "
	    "sort shared.txt | cmp -s - %s", expected);

	RECORD("--", PROG("explore_shared"));
	cr_assert_str_eq(dump("SELECT process, thread, count(*) FROM sites "
	    "WHERE path = 'shared.txt' GROUP BY 1, 2 ORDER BY 1, 2"),
	    "1 2 4\n1 3 4\n1 4 4\n1 5 4\n");
	EXPLORE_OK("--faults", PRE_POWER_FAULTS, "--oracle", oracle, "-j", "2");
	cr_assert_str_eq(dump(VERDICT_COUNTS), "ok 28\nreported 28\n");
	cr_assert_eq(count("SELECT count(*) FROM experiments WHERE injected"),
	    56);
	cr_assert_eq(count("SELECT count(*) FROM experiments WHERE diverged OR "
	    "divergence_kind IS NOT NULL AND divergence_kind != 'reordered'"),
	    0, "%s", dump("SELECT key, fault, divergence FROM verdicts WHERE "
	    "diverged"));
	/* a reordering always says what moved */
	cr_assert_eq(count("SELECT count(*) FROM experiments WHERE "
	    "(divergence_kind IS NULL) != (divergence IS NULL)"), 0);
}

/* An oracle for explore_turns: 8 whole lines once the program exits 0. */
#define TURNS_ORACLE \
	"test \"$BADIO_STATUS\" != exit:0 || " \
	"test \"$(grep -cE '^(a+|b+|c+|d+)$' shared.txt)\" = 8"

static void
record_turns(const char *mode)
{
	char marker[320];

	snprintf(marker, sizeof(marker), "%s/marker", tmp);
	RECORD("--", PROG("explore_turns"), marker, mode);
	cr_assert_str_eq(dump("SELECT key, process, thread, count FROM sites "
	    "WHERE family = 'write' ORDER BY seq"),
	    "write:shared.txt:1 1 2 4\nwrite:shared.txt:2 1 3 8\n"
	    "write:shared.txt:3 1 4 12\nwrite:shared.txt:4 1 5 16\n"
	    "write:shared.txt:5 1 2 4\nwrite:shared.txt:6 1 3 8\n"
	    "write:shared.txt:7 1 4 12\nwrite:shared.txt:8 1 5 16\n");
	EXPLORE_OK("--faults", PRE_POWER_FAULTS,
	    "--oracle", TURNS_ORACLE, "--sites", "path=shared.txt",
	    "-j", "2");
	/* 1 open x eio, crash; 8 writes x short, torn, eio, crash */
	cr_assert_str_eq(dump(VERDICT_COUNTS), "ok 17\nreported 17\n");
}

/*
 * The re-runs take turns the other way round: each thread makes its
 * recorded calls, but every replay key of the writes goes to another
 * thread (write:shared.txt:1 was thread 1.2's 4 bytes, is thread 1.5's
 * 16).  A per-key comparison sees a divergence at every write (or,
 * comparing call sites only, nothing); per thread it is a reordering.
 */
Test(replay, threads_taking_other_turns_are_reordered)
{
	record_turns("reverse");
	cr_assert_str_eq(dump(KINDS), "- 0 2\nreordered 0 32\n");
	cr_assert_str_eq(dump("SELECT divergence FROM verdicts WHERE key = "
	    "'write:shared.txt:1' AND fault = 'eio'"),
	    "write:shared.txt:1 made by thread 1.5 (recorded: thread 1.2)\n");
	cr_assert_str_eq(dump("SELECT divergence FROM verdicts WHERE key = "
	    "'write:shared.txt:3' AND fault = 'eio'"),
	    "write:shared.txt:1 made by thread 1.5 (recorded: thread 1.2) "
	    "(+2 more)\n");
	/* the target itself went to another thread: flagged too */
	cr_assert_eq(count("SELECT count(*) FROM verdicts WHERE divergence "
	    "GLOB 'write:shared.txt:1 made by thread 1.5 *' AND key = "
	    "'write:shared.txt:1'"), 4);

	/* conclusive: the report counts them apart, and says no more */
	cr_assert_eq(badio("report", "-d", db_path, "--fail-on",
	    "inconclusive", NULL), 0, "%s", r.out);
	cr_assert(strstr(r.out, "\n32 experiments reordered: "), "%s", r.out);
	cr_assert(!strstr(r.out, "inconclusive"), "%s", r.out);
	cr_assert(strstr(r.out, "\nno bugs found\n"), "%s", r.out);
	cr_assert_eq(badio("report", "-d", db_path, "--all", NULL), 0);
	cr_assert(strstr(r.out, "reported (reordered)"), "%s", r.out);
	cr_assert_eq(badio("report", "-d", db_path, "--all", "--format",
	    "csv", NULL), 0);
	cr_assert(strstr(r.out, ",diverged,divergence,divergence_kind,"
	    "callsite,"), "%s", r.out);
	cr_assert(strstr(r.out, ",0,write:shared.txt:1 made by thread 1.5 "
	    "(recorded: thread 1.2),reordered,"), "%s", r.out);
}

/*
 * The re-runs take the same turns, but thread 1.4 writes 13 bytes where
 * it wrote 12: every experiment from its first write on (write:
 * shared.txt:3 to :8, 6 x 4 faults) diverged, the ones before did not.
 */
Test(replay, thread_making_another_call_is_diverged)
{
	record_turns("change");
	cr_assert_str_eq(dump(KINDS), "- 0 10\ndiverged 1 24\n");
	cr_assert_str_eq(dump("SELECT DISTINCT key FROM verdicts WHERE "
	    "diverged ORDER BY seq"), "write:shared.txt:3\nwrite:shared.txt:4\n"
	    "write:shared.txt:5\nwrite:shared.txt:6\nwrite:shared.txt:7\n"
	    "write:shared.txt:8\n");
	cr_assert_str_eq(dump("SELECT divergence FROM verdicts WHERE key = "
	    "'write:shared.txt:3' AND fault = 'eio'"),
	    "write:shared.txt:3 count 13 != recorded 12\n");
	/* the fault-free run already made the other call: a warning */
	cr_assert_eq(EXPLORE("--oracle", TURNS_ORACLE, "--sites",
	    "path=shared.txt", "--redo", "--faults", "eio"), 0);
	cr_assert(strstr(r.err, "the fault-free run made other calls than the "
	    "recording (write:shared.txt:3 count 13 != recorded 12"), "%s",
	    r.err);
}
