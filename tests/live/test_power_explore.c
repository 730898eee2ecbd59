/*
 * test_power_explore.c - `badio explore --faults power,lost-sync` on the
 * writers of issue 9's "must show" list (tests/progs/pwx_saver.c, the Go
 * and Python savers pw_go and pw_py, the copy_file_range publisher
 * explore_copy), with exact verdicts per site, fault and crash state,
 * read back from the verdicts view, and the report's groups.
 *
 * The oracles check what the program promised (BADIO_STDOUT): "if it
 * printed saved, config is new; otherwise it is old or new, whole".
 */
#include "harness.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void
setup(void)
{
	harness_setup("power-explore", "badio.db");
}

TestSuite(power_explore, .init = setup, .fini = harness_teardown,
    .timeout = 240);

/* The starting directory: config = "old" (durable: it was there before). */
static void
config_init(void)
{
	cr_assert_eq(mkdir("init", 0755), 0);
	write_file("init/config", "old");
}

#define PROMISE_ORACLE							\
	"c=$(cat config 2>/dev/null); "					\
	"if grep -q saved \"$BADIO_STDOUT\"; then test \"$c\" = new; "	\
	"else test \"$c\" = old || test \"$c\" = new; fi"

#define STATE_ROWS							\
	"SELECT key, fault, ifnull(state, '-'), verdict, status "	\
	"FROM verdicts ORDER BY seq, fault, state"

#define ASSERT_STATES(want) do {					\
	const char *got_ = dump(STATE_ROWS);				\
	cr_assert_str_eq(got_, want, "verdicts:\n%s\nwant:\n%s", got_,	\
	    want);							\
} while (0)

#define WHOLE_ORACLE							\
	"c=$(cat config 2>/dev/null); test \"$c\" = old || test \"$c\" = new"

/*
 * No fsync at all: whole-file oracle: a bug under metadata (the rename
 * survives, the data does not: the empty config), none under durable
 * (neither survives).  The promise oracle finds the end site's durable
 * state wrong too: "saved" was printed, config is old.
 */
Test(power_explore, rename_without_fsync)
{
	config_init();
	RECORD("--init", "init", "--", PROG("pwx_saver"), "nosync");
	EXPLORE_OK("--faults", "power", "--oracle", WHOLE_ORACLE);
	ASSERT_STATES(
	    "namespace:config.tmp:1 power durable ok crash\n"
	    "namespace:config.tmp:1 power metadata ok crash\n"
	    "write:config.tmp:1 power durable ok crash\n"
	    "write:config.tmp:1 power metadata ok crash\n"
	    "namespace:config.tmp:2 power durable ok crash\n"
	    "namespace:config.tmp:2 power metadata ok crash\n"
	    "end:1 power durable ok exit:0\n"
	    "end:1 power metadata silent-corruption exit:0\n");
	EXPLORE_OK("--faults", "power", "--oracle", PROMISE_ORACLE, "--redo");
	ASSERT_STATES(
	    "namespace:config.tmp:1 power durable ok crash\n"
	    "namespace:config.tmp:1 power metadata ok crash\n"
	    "write:config.tmp:1 power durable ok crash\n"
	    "write:config.tmp:1 power metadata ok crash\n"
	    "namespace:config.tmp:2 power durable ok crash\n"
	    "namespace:config.tmp:2 power metadata ok crash\n"
	    "end:1 power durable silent-corruption exit:0\n"
	    "end:1 power metadata silent-corruption exit:0\n");
}

/* fsync of the data, rename, no fsync of the directory, "saved". */
Test(power_explore, fsync_rename_without_dir_fsync)
{
	config_init();
	RECORD("--init", "init", "--", PROG("pwx_saver"), "nodirsync");
	EXPLORE_OK("--faults", "power", "--oracle", PROMISE_ORACLE);
	ASSERT_STATES(
	    "namespace:config.tmp:1 power durable ok crash\n"
	    "namespace:config.tmp:1 power metadata ok crash\n"
	    "write:config.tmp:1 power durable ok crash\n"
	    "write:config.tmp:1 power metadata ok crash\n"
	    "sync:config.tmp:1 power durable ok crash\n"
	    "sync:config.tmp:1 power metadata ok crash\n"
	    "namespace:config.tmp:2 power durable ok crash\n"
	    "namespace:config.tmp:2 power metadata ok crash\n"
	    "end:1 power durable silent-corruption exit:0\n"
	    "end:1 power metadata ok exit:0\n");
}

/* The correct idiom: no bug under any fault or state, prefix:N too. */
Test(power_explore, correct_idiom_has_no_bug)
{
	config_init();
	RECORD("--init", "init", "--", PROG("pwx_saver"), "correct");
	EXPLORE_OK("--faults", "short,torn,eio,enospc,crash,eio+,enospc+,"
	    "power,lost-sync", "--power-states", "durable,metadata,prefix",
	    "--oracle", PROMISE_ORACLE);
	ASSERT_STATES(
	    "namespace:config.tmp:1 crash - ok crash\n"
	    "namespace:config.tmp:1 eio - reported exit:1\n"
	    "namespace:config.tmp:1 eio+ - reported exit:1\n"
	    "namespace:config.tmp:1 enospc - reported exit:1\n"
	    "namespace:config.tmp:1 enospc+ - reported exit:1\n"
	    "namespace:config.tmp:1 power durable ok crash\n"
	    "namespace:config.tmp:1 power metadata ok crash\n"
	    "write:config.tmp:1 crash - ok crash\n"
	    "write:config.tmp:1 eio - reported exit:1\n"
	    "write:config.tmp:1 eio+ - reported exit:1\n"
	    "write:config.tmp:1 enospc - reported exit:1\n"
	    "write:config.tmp:1 enospc+ - reported exit:1\n"
	    "write:config.tmp:1 power durable ok crash\n"
	    "write:config.tmp:1 power metadata ok crash\n"
	    "write:config.tmp:1 power prefix:1 ok crash\n"
	    "write:config.tmp:1 short - reported exit:1\n"
	    "write:config.tmp:1 torn - reported exit:1\n"
	    "sync:config.tmp:1 crash - ok crash\n"
	    "sync:config.tmp:1 eio - reported exit:1\n"
	    "sync:config.tmp:1 eio+ - reported exit:1\n"
	    "sync:config.tmp:1 lost-sync durable reported exit:1\n"
	    "sync:config.tmp:1 lost-sync durable-zero reported exit:1\n"
	    "sync:config.tmp:1 power durable ok crash\n"
	    "sync:config.tmp:1 power metadata ok crash\n"
	    "sync:config.tmp:1 power prefix:1 ok crash\n"
	    "sync:config.tmp:1 power prefix:2 ok crash\n"
	    "namespace:config.tmp:2 crash - ok crash\n"
	    "namespace:config.tmp:2 eio - reported exit:1\n"
	    "namespace:config.tmp:2 eio+ - reported exit:1\n"
	    "namespace:config.tmp:2 power durable ok crash\n"
	    "namespace:config.tmp:2 power metadata ok crash\n"
	    "namespace:config.tmp:2 power prefix:1 ok crash\n"
	    "sync:.:1 crash - ok crash\n"
	    "sync:.:1 eio - reported exit:1\n"
	    "sync:.:1 eio+ - reported exit:1\n"
	    "sync:.:1 lost-sync durable reported exit:1\n"
	    "sync:.:1 lost-sync durable-zero reported exit:1\n"
	    "sync:.:1 power durable ok crash\n"
	    "sync:.:1 power metadata ok crash\n"
	    "sync:.:1 power prefix:1 ok crash\n"
	    "sync:.:1 power prefix:2 ok crash\n"
	    "end:1 power durable ok exit:0\n"
	    "end:1 power metadata ok exit:0\n");
	cr_assert_eq(count("SELECT count(*) FROM bugs"), 0);
}

/* An append-only log fsyncing before each "ack N": a torn tail is fine. */
#define LOG_ORACLE							\
	"n=$(grep -c '^ack' \"$BADIO_STDOUT\"); i=1; "			\
	"while [ $i -le $n ]; do grep -qx r$i log || exit 1; "		\
	"i=$((i + 1)); done"

Test(power_explore, append_only_log_acks_after_fsync)
{
	RECORD("--", PROG("pwx_saver"), "log");
	EXPLORE_OK("--faults", "power,lost-sync,crash", "--power-states",
	    "durable,metadata,prefix", "--oracle", LOG_ORACLE);
	ASSERT_STATES(
	    "namespace:log:1 crash - ok crash\n"
	    "namespace:log:1 power durable ok crash\n"
	    "namespace:log:1 power metadata ok crash\n"
	    "sync:.:1 crash - ok crash\n"
	    "sync:.:1 lost-sync durable reported exit:1\n"
	    "sync:.:1 lost-sync durable-zero reported exit:1\n"
	    "sync:.:1 power durable ok crash\n"
	    "sync:.:1 power metadata ok crash\n"
	    "sync:.:1 power prefix:1 ok crash\n"
	    "write:log:1 crash - ok crash\n"
	    "write:log:1 power durable ok crash\n"
	    "write:log:1 power metadata ok crash\n"
	    "sync:log:1 crash - ok crash\n"
	    "sync:log:1 lost-sync durable reported exit:1\n"
	    "sync:log:1 lost-sync durable-zero reported exit:1\n"
	    "sync:log:1 power durable ok crash\n"
	    "sync:log:1 power metadata ok crash\n"
	    "sync:log:1 power prefix:1 ok crash\n"
	    "write:log:2 crash - ok crash\n"
	    "write:log:2 power durable ok crash\n"
	    "write:log:2 power metadata ok crash\n"
	    "sync:log:2 crash - ok crash\n"
	    "sync:log:2 lost-sync durable reported exit:1\n"
	    "sync:log:2 lost-sync durable-zero reported exit:1\n"
	    "sync:log:2 power durable ok crash\n"
	    "sync:log:2 power metadata ok crash\n"
	    "sync:log:2 power prefix:1 ok crash\n"
	    "write:log:3 crash - ok crash\n"
	    "write:log:3 power durable ok crash\n"
	    "write:log:3 power metadata ok crash\n"
	    "sync:log:3 crash - ok crash\n"
	    "sync:log:3 lost-sync durable reported exit:1\n"
	    "sync:log:3 lost-sync durable-zero reported exit:1\n"
	    "sync:log:3 power durable ok crash\n"
	    "sync:log:3 power metadata ok crash\n"
	    "sync:log:3 power prefix:1 ok crash\n"
	    "end:1 power durable ok exit:0\n"
	    "end:1 power metadata ok exit:0\n");
	cr_assert_eq(count("SELECT count(*) FROM bugs"), 0);
}

/* Every byte of log belongs to a record: no zeros from a lost append. */
#define RECORDS_ORACLE							\
	"test \"$(tr -d 'r0-9\\n' < log | wc -c)\" -eq 0"

/*
 * A log that stops at the failed fsync: under durable (XFS, btrfs) the
 * lost record is gone whole, under durable-zero (ext4) the file keeps
 * its size and the record reads as zeros, which a reader that trusts
 * the size takes for data.
 */
Test(power_explore, durable_zero_finds_a_reader_that_trusts_the_size)
{
	RECORD("--", PROG("pwx_saver"), "log");
	EXPLORE_OK("--faults", "lost-sync", "--oracle", RECORDS_ORACLE);
	ASSERT_STATES(
	    "sync:.:1 lost-sync durable reported exit:1\n"
	    "sync:.:1 lost-sync durable-zero reported exit:1\n"
	    "sync:log:1 lost-sync durable reported exit:1\n"
	    "sync:log:1 lost-sync durable-zero corruption exit:1\n"
	    "sync:log:2 lost-sync durable reported exit:1\n"
	    "sync:log:2 lost-sync durable-zero corruption exit:1\n"
	    "sync:log:3 lost-sync durable reported exit:1\n"
	    "sync:log:3 lost-sync durable-zero corruption exit:1\n");
}

/* "committed" after a failed fsync was retried: the data is gone. */
#define COMMIT_ORACLE							\
	"c=$(cat config); if grep -q committed \"$BADIO_STDOUT\"; then "	\
	"test \"$c\" = new; else test \"$c\" = old || test \"$c\" = new "	\
	"|| test -z \"$c\"; fi"

Test(power_explore, retried_fsync_is_a_bug_under_lost_sync)
{
	config_init();
	RECORD("--init", "init", "--", PROG("pwx_saver"), "retry");
	EXPLORE_OK("--faults", "power,lost-sync", "--oracle", COMMIT_ORACLE);
	ASSERT_STATES(
	    "namespace:config:1 power durable ok crash\n"
	    "namespace:config:1 power metadata ok crash\n"
	    "write:config:1 power durable ok crash\n"
	    "write:config:1 power metadata ok crash\n"
	    "sync:config:1 lost-sync durable silent-corruption exit:0\n"
	    "sync:config:1 lost-sync durable-zero silent-corruption exit:0\n"
	    "sync:config:1 power durable ok crash\n"
	    "sync:config:1 power metadata ok crash\n"
	    "end:1 power durable ok exit:0\n"
	    "end:1 power metadata ok exit:0\n");
}

Test(power_explore, failed_fsync_that_stops_is_no_bug)
{
	config_init();
	RECORD("--init", "init", "--", PROG("pwx_saver"), "stop");
	EXPLORE_OK("--faults", "power,lost-sync", "--oracle", COMMIT_ORACLE);
	ASSERT_STATES(
	    "namespace:config:1 power durable ok crash\n"
	    "namespace:config:1 power metadata ok crash\n"
	    "write:config:1 power durable ok crash\n"
	    "write:config:1 power metadata ok crash\n"
	    "sync:config:1 lost-sync durable reported exit:1\n"
	    "sync:config:1 lost-sync durable-zero reported exit:1\n"
	    "sync:config:1 power durable ok crash\n"
	    "sync:config:1 power metadata ok crash\n"
	    "end:1 power durable ok exit:0\n"
	    "end:1 power metadata ok exit:0\n");
	cr_assert_eq(count("SELECT count(*) FROM bugs"), 0);
}

/* Go: os.WriteFile then os.Rename, no fsync (pw_go). */
Test(power_explore, go_saver_without_fsync)
{
	config_init();
	RECORD("--init", "init", "--", PROG("pw_go"));
	EXPLORE_OK("--faults", "power", "--sites", "family=end", "--oracle",
	    WHOLE_ORACLE);
	ASSERT_STATES(
	    "end:1 power durable ok exit:0\n"
	    "end:1 power metadata silent-corruption exit:0\n");
}

/*
 * Stores through a shared mapping (pw_scen T14: msync(MS_SYNC), T15:
 * none) into A = "old".  badio cannot see the stores, so a crash state
 * has the mapped range as it was at its last msync: "new" after T14's,
 * "old" without one, whatever the page cache held when the power went.
 * The oracle is a probe: it passes where A kept "old".
 */
static void
mapped_store(const char *scenario, const char *want)
{
	cr_assert_eq(mkdir("init", 0755), 0);
	write_file("init/A", "old");
	RECORD("--init", "init", "--", PROG("pw_scen"), scenario);
	EXPLORE_OK("--faults", "power", "--sites", "family=end", "--oracle",
	    "test \"$BADIO_FAULT\" = none || test \"$(cat A)\" = old");
	ASSERT_STATES(want);
}

Test(power_explore, mapped_store_without_msync_is_lost)
{
	mapped_store("T15",
	    "end:1 power durable ok exit:0\n"
	    "end:1 power metadata ok exit:0\n");
}

Test(power_explore, mapped_store_after_msync_survives)
{
	mapped_store("T14",
	    "end:1 power durable silent-corruption exit:0\n"
	    "end:1 power metadata silent-corruption exit:0\n");
}

/* Python with the correct idiom (pw_py): no bug under power. */
Test(power_explore, python_correct_idiom)
{
	config_init();
	setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
	RECORD("--init", "init", "--", PYTHON3, PROGS_SRC "/pw_py.py");
	EXPLORE_OK("--faults", "power,lost-sync", "--oracle", PROMISE_ORACLE);
	cr_assert_eq(count("SELECT count(*) FROM bugs"), 0);
	cr_assert_eq(count("SELECT count(*) FROM verdicts WHERE fault = "
	    "'power' AND family = 'end' AND verdict = 'ok'"), 2);
}

/*
 * copy_file_range, fsync, rename and link into a new directory that is
 * never synced, then "saved" (explore_copy): the durable state at the
 * end has no out.d at all.
 */
#define COPY_PROMISE							\
	"if grep -q saved \"$BADIO_STDOUT\"; then cmp -s in.txt "	\
	"out.d/out.txt && cmp -s in.txt out.d/backup.txt; else "	\
	"for f in out.d/out.txt out.d/backup.txt; do "			\
	"test ! -e $f || cmp -s in.txt $f || exit 1; done; fi"

Test(power_explore, copy_file_range_writer)
{
	cr_assert_eq(mkdir("init", 0755), 0);
	write_file("init/in.txt", "forty bytes of data to copy, no more.\n..");
	RECORD("--init", "init", "--", PROG("explore_copy"));
	EXPLORE_OK("--faults", "power", "--oracle", COPY_PROMISE);
	ASSERT_STATES(
	    "namespace:out.d:1 power durable ok crash\n"
	    "namespace:out.d:1 power metadata ok crash\n"
	    "namespace:out.d/out.tmp:1 power durable ok crash\n"
	    "namespace:out.d/out.tmp:1 power metadata ok crash\n"
	    "write:out.d/out.tmp:1 power durable ok crash\n"
	    "write:out.d/out.tmp:1 power metadata ok crash\n"
	    "write:out.d/out.tmp:2 power durable ok crash\n"
	    "write:out.d/out.tmp:2 power metadata ok crash\n"
	    "sync:out.d/out.tmp:1 power durable ok crash\n"
	    "sync:out.d/out.tmp:1 power metadata ok crash\n"
	    "namespace:out.d/out.tmp:2 power durable ok crash\n"
	    "namespace:out.d/out.tmp:2 power metadata ok crash\n"
	    "namespace:out.d/backup.txt:1 power durable ok crash\n"
	    "namespace:out.d/backup.txt:1 power metadata ok crash\n"
	    "end:1 power durable silent-corruption exit:0\n"
	    "end:1 power metadata ok exit:0\n");
}

/*
 * What the oracle is told: the state, the fault, an empty status at the
 * end (the exit is not known while the state is judged), "crash" at a
 * site.
 */
Test(power_explore, oracle_environment)
{
	config_init();
	RECORD("--init", "init", "--", PROG("pwx_saver"), "nodirsync");
	EXPLORE_OK("--faults", "power", "--sites", "syscall=rename,family=namespace",
	    "--oracle", "test \"$BADIO_FAULT\" = none && exit 0; echo "
	    "\"$BADIO_FAULT $BADIO_STATE [$BADIO_STATUS] $BADIO_INJECTED "
	    "$(cat config) $(cat \"$BADIO_STDOUT\" | wc -c)\"");
	cr_assert_str_eq(dump("SELECT state || ': ' || oracle_tail FROM "
	    "experiments ORDER BY state"), "durable: power durable [crash] 1 old "
	    "0\n\nmetadata: power metadata [crash] 1 old 0\n\n");
	EXPLORE_OK("--faults", "power", "--sites", "family=end", "--oracle",
	    "test \"$BADIO_FAULT\" = none && exit 0; echo "
	    "\"$BADIO_STATE [$BADIO_STATUS] $(cat config) $(cat "
	    "\"$BADIO_STDOUT\")\"", "--redo");
	cr_assert_str_eq(dump("SELECT state || ': ' || oracle_tail || "
	    "last_sync || ' ' || unsynced FROM experiments ORDER BY state"),
	    "durable: durable [] old saved\nsync:config.tmp:1 2\n"
	    "metadata: metadata [] new saved\nsync:config.tmp:1 2\n");
}

/* Resume per state: the states asked later are run, the others kept. */
Test(power_explore, resume_adds_the_missing_states)
{
	config_init();
	RECORD("--init", "init", "--", PROG("pwx_saver"), "nodirsync");
	EXPLORE_OK("--faults", "power", "--power-states", "durable",
	    "--oracle", PROMISE_ORACLE);
	cr_assert_str_eq(dump("SELECT group_concat(DISTINCT state) FROM "
	    "experiments"), "durable\n");
	cr_assert_eq(count("SELECT count(*) FROM experiments"), 5);
	cr_assert_eq(badio("explore", "-d", db_path, "--faults", "power",
	    "--power-states", "durable,metadata,prefix", "--oracle",
	    PROMISE_ORACLE, NULL), 0, "%s", r.err);
	cr_assert(strstr(r.err, "badio: explored 16 experiments (11 run now"),
	    "%s", r.err);
	/* k = 2 at the end (the new name, the rename): prefix:1 and :2 */
	ASSERT_STATES(
	    "namespace:config.tmp:1 power durable ok crash\n"
	    "namespace:config.tmp:1 power metadata ok crash\n"
	    "write:config.tmp:1 power durable ok crash\n"
	    "write:config.tmp:1 power metadata ok crash\n"
	    "write:config.tmp:1 power prefix:1 ok crash\n"
	    "sync:config.tmp:1 power durable ok crash\n"
	    "sync:config.tmp:1 power metadata ok crash\n"
	    "sync:config.tmp:1 power prefix:1 ok crash\n"
	    "sync:config.tmp:1 power prefix:2 ok crash\n"
	    "namespace:config.tmp:2 power durable ok crash\n"
	    "namespace:config.tmp:2 power metadata ok crash\n"
	    "namespace:config.tmp:2 power prefix:1 ok crash\n"
	    "end:1 power durable silent-corruption exit:0\n"
	    "end:1 power metadata ok exit:0\n"
	    "end:1 power prefix:1 silent-corruption exit:0\n"
	    "end:1 power prefix:2 ok exit:0\n");
	/* nothing left: a third explore runs nothing */
	cr_assert_eq(badio("explore", "-d", db_path, "--faults", "power",
	    "--power-states", "durable,metadata,prefix", "--oracle",
	    PROMISE_ORACLE, NULL), 0, "%s", r.err);
	cr_assert(strstr(r.err, "(0 run now"), "%s", r.err);
}

/* The report: by call site and state, naming the last durability point. */
Test(power_explore, report_groups_by_state)
{
	config_init();
	RECORD("--init", "init", "--", PROG("pwx_saver"), "nosync");
	EXPLORE_OK("--faults", "power", "--oracle", PROMISE_ORACLE);
	cr_assert_eq(badio("report", "-d", db_path, NULL), 0, "%s", r.err);
	/* the end site has no call site: it is named as what it is */
	cr_assert(strstr(r.out, "bugs by call site:\n"
	    "(program end)  <end>  silent-corruption under power (durable) at "
	    "1 site (id 5)\n"
	    "                      program's last output: \"saved\"\n"
	    "                      last durability point before the crash: "
	    "none\n"
	    "(program end)  <end>  silent-corruption under power (metadata) at "
	    "1 site (id 5)\n"), "%s", r.out);
	cr_assert_eq(badio("report", "-d", db_path, "--format", "json", NULL),
	    0, "%s", r.err);
	cr_assert(strstr(r.out, "\"faults\":[\"power\"],\"state\":\"metadata\","
	    "\"last_sync\":null,\"sites\":[5]"), "%s", r.out);
	/* --all: each state a row of its own, the end site named */
	cr_assert_eq(badio("report", "-d", db_path, "--all", "--sites", "id=5",
	    "--columns", "site,key,fault,state,program,verdict,location",
	    NULL), 0, "%s", r.err);
	cr_assert(strstr(r.out, "\nSITE  KEY    FAULT  STATE     PROGRAM  "
	    "VERDICT            CALL SITE\n"), "%s", r.out);
	cr_assert(strstr(r.out, "\n   5  end:1  power  durable   exit:0   "
	    "silent-corruption  (program end)\n"
	    "   5  end:1  power  metadata  exit:0   silent-corruption  "
	    "(program end)\n"), "%s", r.out);
}

/*
 * --keep: the first crash state the oracle found damaged is kept as
 * KEEP/site-N-power-STATE, the files as that state has them: here the
 * end site's metadata state, config renamed but empty.
 */
Test(power_explore, keep_the_damaged_state)
{
	char path[256];
	struct stat st;
	long end;

	config_init();
	RECORD("--init", "init", "--", PROG("pwx_saver"), "nosync");
	EXPLORE_OK("--faults", "power", "--keep", "kept", "--oracle",
	    WHOLE_ORACLE);
	end = count("SELECT id FROM sites WHERE family = 'end'");
	snprintf(path, sizeof(path), "kept/site-%ld-power-metadata/config", end);
	cr_assert_eq(stat(path, &st), 0, "no %s", path);
	cr_assert_eq(st.st_size, 0);
	snprintf(path, sizeof(path), "kept/site-%ld-power-metadata/config.tmp",
	    end);
	cr_assert_neq(stat(path, &st), 0, "%s is there", path);
	/* one kept directory: the only damaged state */
	cr_assert_eq(count_entries("kept"), 1);
}

/*
 * The default plan: power (durable, metadata) at every site explored
 * (the program's stdout is not, without --include-stdio), the end
 * included, where it is the only fault; lost-sync at the fsync.
 */
Test(power_explore, default_plan_has_power_everywhere)
{
	config_init();
	RECORD("--init", "init", "--", PROG("pwx_saver"), "nodirsync");
	EXPLORE_OK("--oracle", "true");
	cr_assert_eq(count("SELECT count(*) FROM sites"), 6);
	cr_assert_eq(count("SELECT count(*) FROM sites s WHERE path <> "
	    "'<stdout>' AND (SELECT "
	    "group_concat(state) FROM (SELECT state FROM experiments e WHERE "
	    "e.site = s.id AND e.fault = 'power' ORDER BY state)) IS NOT "
	    "'durable,metadata'"), 0);
	cr_assert_str_eq(dump("SELECT group_concat(fault || ifnull(':' || "
	    "state, '')) FROM (SELECT fault, state FROM verdicts WHERE "
	    "family = 'end' ORDER BY state)"), "power:durable,power:metadata\n");
	cr_assert_str_eq(dump("SELECT key, state FROM verdicts WHERE fault = "
	    "'lost-sync'"), "sync:config.tmp:1 durable\n"
	    "sync:config.tmp:1 durable-zero\n");
	cr_assert_str_eq(dump("SELECT group_concat(DISTINCT fault) FROM (SELECT "
	    "fault FROM verdicts WHERE key = 'write:config.tmp:1' ORDER BY "
	    "fault)"), "crash,eio,power,short,torn\n");
}
