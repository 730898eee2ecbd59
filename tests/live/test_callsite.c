/*
 * test_callsite.c - integration tests of call sites (issue 4): ids that
 * are the same across runs with and without frame pointers, symbolized
 * stacks (C with -g, Go), explore --per-callsite and --callsite, the
 * divergence check, and the report grouped by call site.  The real
 * badio binary on the cs_* programs of tests/progs/; cs_sites.c is also
 * built as cs_sites_nofp, cs_sites_fp (-O2) and cs_sites_g (-O0 -g) by
 * tests/CMakeLists.txt.
 *
 * The tests need ptrace.  Without it they fail, unless the environment
 * has BADIO_TEST_ALLOW_SKIP=1 (restricted containers; never in CI).
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
setup(void)
{
	harness_setup("callsite", "badio.db");
}

TestSuite(callsite, .init = setup, .fini = harness_teardown, .timeout = 300);

/* --- helpers ---------------------------------------------------------- */

/* The line of PROGS_SRC/cs_sites.c that holds marker. */
static int
source_line(const char *marker)
{
	FILE *f = fopen(PROGS_SRC "/cs_sites.c", "r");
	char buf[512];
	int n = 0;

	cr_assert_not_null(f);
	while (fgets(buf, sizeof(buf), f)) {
		n++;
		if (strstr(buf, marker)) {
			fclose(f);
			return n;
		}
	}
	fclose(f);
	cr_assert_fail("no %s in cs_sites.c", marker);
	return 0;
}

/* The data writes' distinct call-site ids, sorted, with their counts. */
#define WRITE_CALLSITES							\
	"SELECT callsite, count(*) FROM sites WHERE family = 'write' "	\
	"AND path = 'data.txt' GROUP BY callsite ORDER BY callsite"

static void
check_three_stable_ids(const char *prog)
{
	const char *first, *second;

	RECORD("--", prog, "50");
	first = dump(WRITE_CALLSITES);
	cr_assert_eq(count("SELECT count(DISTINCT callsite) FROM sites "
	    "WHERE family = 'write' AND path = 'data.txt'"), 3,
	    "%s: want 3 call sites:\n%s", prog, first);
	cr_assert_eq(count("SELECT count(*) FROM sites WHERE family = 'write' "
	    "AND path = 'data.txt' AND (callsite IS NULL OR callsite <= 0)"),
	    0, "%s: every write has an id", prog);
	cr_assert_eq(count("SELECT min(n) FROM (SELECT count(*) AS n FROM "
	    "sites WHERE family = 'write' AND path = 'data.txt' GROUP BY "
	    "callsite)"), 50, "%s:\n%s", prog, first);
	/* each call site is stored once, with its frames */
	cr_assert_eq(count("SELECT count(*) FROM callsites WHERE id IN "
	    "(SELECT callsite FROM sites WHERE path = 'data.txt')"), 4);

	cr_assert_eq(unlink(db_path), 0);
	RECORD("--", prog, "50");
	second = dump(WRITE_CALLSITES);
	cr_assert_str_eq(first, second, "%s: ids changed between two "
	    "recordings:\n%s\nthen:\n%s", prog, first, second);
}

/* --- call-site ids ----------------------------------------------------- */

Test(callsite, ids_without_frame_pointers)
{
	check_three_stable_ids(PROG("cs_sites_nofp"));
}

Test(callsite, ids_with_frame_pointers)
{
	check_three_stable_ids(PROG("cs_sites_fp"));
}

/* No CFI for the program's own functions: the validated fallbacks. */
Test(callsite, ids_without_cfi)
{
	check_three_stable_ids(PROG("cs_sites_nocfi"));
}

/*
 * Stale return addresses left on the stack by earlier calls are no
 * frames: cs_stale's two write call sites get two ids, one for its 8
 * writes over 4 kinds of garbage, one for the last write.
 */
Test(callsite, stale_words_do_not_split_a_call_site)
{
	const char *progs[] = { "cs_stale_nofp", "cs_stale_fp", "cs_stale_nocfi" };

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		char prog[512];

		snprintf(prog, sizeof(prog), "%s/%s", PROGS_DIR, progs[i]);
		unlink(db_path);
		RECORD("--", prog, "8");
		cr_assert_str_eq(dump("SELECT count(*) FROM sites WHERE "
		    "family = 'write' AND path = 'data.txt' GROUP BY callsite "
		    "ORDER BY 1"), "1\n8\n", "%s: %s", progs[i],
		    dump("SELECT key, callsite FROM sites ORDER BY seq"));
	}
}

/* The sites' call-site ids in seq order, as "key id" lines. */
#define KEYED_CALLSITES \
	"SELECT key, callsite FROM sites WHERE kind = 'regular' ORDER BY seq"

/*
 * The scratch directory's name (PWD) and the environment shift the stack
 * and change what earlier calls left on it: ids must not move.  Two
 * recordings with TMPDIR 31 bytes apart and environments 1 KiB apart
 * give each site the same id, and an explore from yet another TMPDIR
 * finds every call site again (explore compares each site before the
 * fault, and the broken one, with the recording).
 */
static void
check_ids_ignore_tmpdir(const char *prog, const char *arg, const char *arg2,
    const char *filter, int sites)
{
	char shortdir[320], longdir[360], pad[1200], want[64];
	const char *first, *second;

	snprintf(shortdir, sizeof(shortdir), "%s/a", tmp);
	snprintf(longdir, sizeof(longdir), "%s/%s", tmp,
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	mkdir(shortdir, 0755);
	mkdir(longdir, 0755);
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';

	unlink(db_path);
	cr_assert_eq(setenv("TMPDIR", shortdir, 1), 0);
	unsetenv("BADIO_TEST_PAD");
	RECORD("--", prog, arg, arg2);
	first = dump(KEYED_CALLSITES);
	cr_assert_eq(count("SELECT count(*) FROM sites WHERE kind = 'regular' "
	    "AND callsite IS NULL"), 0);

	unlink(db_path);
	cr_assert_eq(setenv("TMPDIR", longdir, 1), 0);
	cr_assert_eq(setenv("BADIO_TEST_PAD", pad, 1), 0);
	RECORD("--", prog, arg, arg2);
	second = dump(KEYED_CALLSITES);
	cr_assert_str_eq(first, second, "%s: TMPDIR=%s:\n%s\nTMPDIR=%s:\n%s",
	    prog, shortdir, first, longdir, second);

	cr_assert_eq(setenv("TMPDIR", shortdir, 1), 0);
	unsetenv("BADIO_TEST_PAD");
	EXPLORE_OK("--oracle", "true", "--faults", "eio", "-j", "2", "--sites",
	    filter);
	snprintf(want, sizeof(want), "%d 0\n", sites);
	cr_assert_str_eq(dump("SELECT count(*), sum(diverged) FROM "
	    "experiments WHERE injected"), want, "%s: %s", prog,
	    dump("SELECT key, divergence FROM verdicts WHERE diverged"));
	unsetenv("TMPDIR");
}

Test(callsite, ids_do_not_depend_on_tmpdir_or_environment)
{
	/* cs_stale: the open and 9 writes; cs_go: the create and 15 writes */
	check_ids_ignore_tmpdir(PROG("cs_stale_nofp"), "8", NULL, "path=*", 10);
	check_ids_ignore_tmpdir(PROG("cs_stale_fp"), "8", NULL, "path=*", 10);
	check_ids_ignore_tmpdir(PROG("cs_stale_nocfi"), "8", NULL, "path=*", 10);
	check_ids_ignore_tmpdir(PROG("cs_go"), "0", NULL, "path=*", 16);
}

/*
 * A real program: sqlite3's ids moved with TMPDIR under the stack scan
 * (two of its 96 sites; the call site that creates the journal got three
 * ids).  The 12 creates and unlinks of the journal are explored.
 */
Test(callsite, sqlite3_ids_do_not_depend_on_tmpdir)
{
	check_ids_ignore_tmpdir("/usr/bin/sqlite3", "t.db",
	    "create table t(x, y); "
	    "begin; insert into t values(1, 'a'); commit; "
	    "begin; insert into t values(2, 'b'); "
	    "update t set y = 'c' where x = 1; commit; "
	    "create index ti on t(y); "
	    "begin; delete from t where x = 2; commit; "
	    "insert into t values(3, 'd');",
	    "family=namespace,path=t.db-journal", 12);
}

/* --- symbolized stacks ------------------------------------------------- */

/* An oracle that fails every run with a fault: each experiment is a bug. */
#define ORACLE_FAULT_IS_BUG	"test \"$BADIO_FAULT\" = none"

Test(callsite, c_stacks_name_functions_and_lines)
{
	char want[3][64];
	const char *fn[3] = { "site_a", "site_b", "site_c" };
	const char *mark[3] = { "/* WRITE_A */", "/* WRITE_B */", "/* WRITE_C */" };
	int i;

	for (i = 0; i < 3; i++)
		snprintf(want[i], sizeof(want[i]), "%s (cs_sites.c:%d)", fn[i],
		    source_line(mark[i]));
	RECORD("--", PROG("cs_sites_g"), "5");
	cr_assert_eq(badio("sites", "-d", db_path, "--stacks", NULL), 0, "%s",
	    r.err);
	for (i = 0; i < 3; i++)
		cr_assert(strstr(r.out, want[i]), "no '%s' in:\n%s", want[i],
		    r.out);

	/* the same with full stacks */
	cr_assert_eq(unlink(db_path), 0);
	RECORD("--stacks", "--", PROG("cs_sites_g"), "5");
	cr_assert_eq(count("SELECT count(*) FROM callsites WHERE unwound = 0"),
	    0);
	cr_assert_eq(badio("sites", "-d", db_path, "--stacks", NULL), 0, "%s",
	    r.err);
	for (i = 0; i < 3; i++)
		cr_assert(strstr(r.out, want[i]), "no '%s' in:\n%s", want[i],
		    r.out);
	cr_assert(strstr(r.out, "main (cs_sites.c:"), "%s", r.out);

	/* JSON: each site's location and symbolized frames */
	cr_assert_eq(badio("sites", "-d", db_path, "--stacks", "--format",
	    "json", NULL), 0, "%s", r.err);
	for (i = 0; i < 3; i++) {
		char json[256];

		snprintf(json, sizeof(json), "\"frame\":\"%s\"", want[i]);
		cr_assert(strstr(r.out, json), "no '%s' in:\n%s", json, r.out);
		snprintf(json, sizeof(json), "\"location\":\"cs_sites.c:%d %s\"",
		    source_line(mark[i]), fn[i]);
		cr_assert(strstr(r.out, json), "no '%s' in:\n%s", json, r.out);
	}

	/* the report names the user's line for each bug group */
	EXPLORE_OK("--oracle", ORACLE_FAULT_IS_BUG, "--faults", "eio",
	    "--sites", "family=write", "--per-callsite", "1");
	cr_assert_eq(count("SELECT count(*) FROM experiments"), 3);
	cr_assert_eq(badio("report", "-d", db_path, NULL), 0, "%s", r.err);
	for (i = 0; i < 3; i++) {
		char loc[64];

		snprintf(loc, sizeof(loc), "cs_sites.c:%d %s",
		    source_line(mark[i]), fn[i]);
		cr_assert(strstr(r.out, loc), "no '%s' in:\n%s", loc, r.out);
	}
	cr_assert(strstr(r.out, "corruption under eio at 1 site"), "%s", r.out);
	cr_assert(strstr(r.out, "not explored"), "%s", r.out);

	/* CSV and JSON carry the id and the location */
	cr_assert_eq(badio("report", "-d", db_path, "--format", "csv", NULL),
	    0);
	cr_assert(strstr(r.out, ",callsite,location,oracle_id,oracle,"
	    "prog_last,state,last_sync,unsynced\n"), "%s", r.out);
	snprintf(want[0], sizeof(want[0]), ",cs_sites.c:%d site_a,1,",
	    source_line("/* WRITE_A */"));
	cr_assert(strstr(r.out, want[0]), "no '%s' in:\n%s", want[0], r.out);
	cr_assert_eq(badio("report", "-d", db_path, "--format", "json", NULL),
	    0);
	cr_assert(strstr(r.out, "\"groups\":[{\"callsite\":"), "%s", r.out);
	snprintf(want[0], sizeof(want[0]), "\"location\":\"cs_sites.c:%d "
	    "site_b\"", source_line("/* WRITE_B */"));
	cr_assert(strstr(r.out, want[0]), "no '%s' in:\n%s", want[0], r.out);
	cr_assert(strstr(r.out, "\"not_explored\":"), "%s", r.out);
}

Test(callsite, go_stacks_name_go_functions)
{
	RECORD("--stacks", "--", PROG("cs_go"));
	cr_assert_eq(badio("sites", "-d", db_path, "--stacks", NULL), 0, "%s",
	    r.err);
	cr_assert(strstr(r.out, "main.writeA"), "%s", r.out);
	cr_assert(strstr(r.out, "main.main"), "%s", r.out);

	/* the report's location skips os. and internal/poll. for main. */
	EXPLORE_OK("--oracle", ORACLE_FAULT_IS_BUG, "--faults", "eio",
	    "--sites", "family=write,path=data.txt", "--per-callsite", "1");
	cr_assert_eq(badio("report", "-d", db_path, NULL), 0, "%s", r.err);
	cr_assert(strstr(r.out, "\nmain.writeA"), "%s", r.out);
}

/* Each of the three Go functions is its own call site (frame pointers). */
Test(callsite, go_call_sites_are_distinct)
{
	RECORD("--stacks", "--", PROG("cs_go"));
	cr_assert_eq(count("SELECT count(DISTINCT callsite) FROM sites "
	    "WHERE family = 'write' AND path = 'data.txt'"), 3, "%s",
	    dump(WRITE_CALLSITES));
	cr_assert_eq(badio("sites", "-d", db_path, "--stacks", NULL), 0, "%s",
	    r.err);
	cr_assert(strstr(r.out, "main.writeB"), "%s", r.out);
	cr_assert(strstr(r.out, "main.writeC"), "%s", r.out);
}

/* --- explore --per-callsite, --callsite ---------------------------------- */

Test(callsite, per_callsite_two)
{
	RECORD("--", PROG("cs_sites"), "50");
	cr_assert_eq(badio("explore", "--faults", PRE_POWER_FAULTS,
	    "-d", db_path, "--oracle", "true",
	    "--per-callsite", "2", "--sites", "family=write", NULL), 0, "%s",
	    r.err);
	/* 3 call sites x the first and the last: 6 experiments per fault */
	cr_assert_str_eq(dump("SELECT fault, count(*) FROM verdicts "
	    "GROUP BY fault ORDER BY fault"),
	    "crash 6\neio 6\nshort 6\ntorn 6\n");
	cr_assert_str_eq(dump("SELECT DISTINCT key FROM verdicts ORDER BY seq"),
	    "write:data.txt:1\nwrite:data.txt:2\nwrite:data.txt:3\n"
	    "write:data.txt:148\nwrite:data.txt:149\nwrite:data.txt:150\n");
	cr_assert(strstr(r.err, "left out 144 sites (576 experiments)"), "%s",
	    r.err);
	cr_assert_eq(count("SELECT count(*) FROM skipped"), 144 * 4);
	cr_assert_eq(count("SELECT count(*) FROM experiments WHERE diverged"),
	    0, "%s", dump("SELECT key, fault, divergence FROM verdicts "
	    "WHERE diverged"));

	/* the report counts them apart, never as passing */
	cr_assert_eq(badio("report", "-d", db_path, NULL), 0, "%s", r.err);
	cr_assert(strstr(r.out, "not explored"), "%s", r.out);
	cr_assert(strstr(r.out, "576"), "%s", r.out);
	cr_assert_eq(badio("report", "-d", db_path, "--all", "--format", "csv",
	    NULL), 0, "%s", r.err);
	cr_assert(strstr(r.out, ",eio,,,,,not-explored,"), "%s", r.out);

	/* a larger N explores more; without it, the rest */
	cr_assert_eq(EXPLORE("--oracle", "true", "--per-callsite", "3",
	    "--sites", "family=write", "--faults", "eio"), 0, "%s", r.err);
	cr_assert_eq(count("SELECT count(*) FROM experiments WHERE "
	    "fault = 'eio'"), 9);
	cr_assert_eq(count("SELECT count(*) FROM skipped"), 144 * 4 - 3);
	EXPLORE_OK("--oracle", "true", "--sites", "family=write", "--faults",
	    "eio", "-j", "2");
	cr_assert_eq(count("SELECT count(*) FROM experiments WHERE "
	    "fault = 'eio'"), 150);
	cr_assert_eq(count("SELECT count(*) FROM skipped WHERE "
	    "fault = 'eio'"), 0);
	cr_assert_eq(count("SELECT count(*) FROM skipped"), 144 * 3);
	/* --redo forgets what was left out along with the experiments */
	EXPLORE_OK("--oracle", "true", "--redo", "--sites", "family=write",
	    "--faults", "crash", "--per-callsite", "2");
	cr_assert_eq(count("SELECT count(*) FROM experiments"), 6);
	cr_assert_eq(count("SELECT count(*) FROM skipped"), 144);
}

Test(callsite, callsite_selects_one)
{
	char id[32], sql[256];
	const char *s;

	RECORD("--", PROG("cs_sites"), "10");
	s = dump("SELECT callsite FROM sites WHERE key = 'write:data.txt:2'");
	snprintf(id, sizeof(id), "%.*s", (int)strcspn(s, "\n"), s);
	EXPLORE_OK("--oracle", "true", "--callsite", id, "--faults", "eio",
	    "-j", "2");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM verdicts WHERE "
	    "callsite = %s AND key GLOB 'write:data.txt:*'", id);
	cr_assert_eq(count(sql), 10);
	cr_assert_eq(count("SELECT count(*) FROM verdicts"), 10);

	/* with --sites: both must hold */
	EXPLORE_OK("--oracle", "true", "--redo", "--callsite", id,
	    "--faults", "eio", "--sites", "id=1-8");
	cr_assert_str_eq(dump("SELECT key FROM verdicts ORDER BY seq"),
	    "write:data.txt:2\nwrite:data.txt:5\n");

	/* an id no site has, and one that is no id */
	cr_assert_eq(EXPLORE("--faults", PRE_POWER_FAULTS,
	    "--oracle", "true", "--callsite", "12345"), 2);
	cr_assert(strstr(r.err, "no recorded site has call site 12345"), "%s",
	    r.err);
	cr_assert_eq(EXPLORE("--faults", PRE_POWER_FAULTS,
	    "--oracle", "true", "--callsite", "abc"), 2);
	cr_assert_eq(EXPLORE("--faults", PRE_POWER_FAULTS,
	    "--oracle", "true", "--per-callsite", "0"), 2);
}

/* --- divergence -------------------------------------------------------- */

/* The same replay key from another call site: injected, and diverged. */
Test(callsite, same_key_other_call_site_is_diverged)
{
	char marker[400];

	snprintf(marker, sizeof(marker), "%s/marker", tmp);
	RECORD("--", PROG("cs_swap"), marker);
	cr_assert_eq(count("SELECT count(DISTINCT callsite) FROM sites WHERE "
	    "family = 'write' AND path = 'data.txt'"), 1);
	cr_assert_eq(badio("explore", "-d", db_path, "--oracle", "true",
	    "--sites", "family=write", "--faults", "eio", NULL), 0, "%s", r.err);
	/* every write is reached (same keys) and injected, but from
	 * write_again(): each experiment says so */
	cr_assert_str_eq(dump("SELECT key, injected, diverged FROM verdicts "
	    "ORDER BY seq"), "write:data.txt:1 1 1\nwrite:data.txt:2 1 1\n"
	    "write:data.txt:3 1 1\n");
	cr_assert_eq(count("SELECT count(*) FROM verdicts WHERE divergence "
	    "GLOB '*call site*'"), 3, "%s", dump("SELECT divergence FROM "
	    "verdicts"));
	cr_assert_eq(count("SELECT count(*) FROM verdicts WHERE verdict = "
	    "'unreached'"), 0);
}

/*
 * A recording made by an older badio holds call-site ids of another
 * scheme (recordings.callsite_scheme NULL): explore compares keys only,
 * instead of calling every experiment diverged.
 */
Test(callsite, ids_of_an_older_scheme_are_not_compared)
{
	sqlite3 *db;

	RECORD("--", PROG("cs_sites"), "3");
	cr_assert_eq(count("SELECT callsite_scheme FROM recordings"), 2);
	cr_assert_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "UPDATE recordings SET callsite_scheme "
	    "= NULL; UPDATE sites SET callsite = callsite / 2 + 1",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	EXPLORE_OK("--oracle", "true", "--faults", "eio");
	cr_assert_str_eq(dump("SELECT count(*), sum(injected), sum(diverged) "
	    "FROM experiments"), "10 10 0\n", "%s", dump("SELECT key, "
	    "divergence FROM verdicts WHERE diverged"));
}

Test(callsite, random_order_is_flagged_diverged)
{
	long diverged;

	/* its order comes from the clock: the real one (badio's is the same
	 * in every run) */
	RECORD("--real-time", "--", PROG("cs_random"));
	cr_assert_eq(badio("explore", "--faults", PRE_POWER_FAULTS,
	    "-d", db_path, "--oracle", "true", "-j",
	    "2", NULL), 0, "%s", r.err);
	/* 5 files x (open: eio, crash; write: short, torn, eio, crash) */
	cr_assert_eq(count("SELECT count(*) FROM verdicts"), 30);
	diverged = count("SELECT count(*) FROM verdicts WHERE diverged");
	cr_assert_gt(diverged, 0, "%s", dump("SELECT key, fault, diverged, "
	    "divergence FROM verdicts"));
	cr_assert_eq(count("SELECT count(*) FROM verdicts WHERE diverged AND "
	    "(divergence IS NULL OR NOT (divergence GLOB 'missing site *' OR "
	    "divergence GLOB 'extra site *' OR divergence GLOB '* call site *'))"),
	    0, "%s", dump("SELECT divergence FROM verdicts"));
	cr_assert(strstr(r.err, " diverged"), "%s", r.err);
	cr_assert_eq(count("SELECT count(*) FROM bugs"), 0);

	/* the report says how many and where each went astray first */
	cr_assert_eq(badio("report", "-d", db_path, NULL), 0, "%s", r.err);
	cr_assert(strstr(r.out, "diverged from the recording"), "%s", r.out);
	cr_assert(strstr(r.out, "site "), "%s", r.out);
	cr_assert_eq(badio("report", "-d", db_path, "--format", "json", NULL),
	    0);
	cr_assert(strstr(r.out, "\"diverged\":"), "%s", r.out);
}
