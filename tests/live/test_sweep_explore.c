/*
 * test_sweep_explore.c - power experiments from one sweep run
 * (explorer/sweep.c) give exactly the experiments of one re-run per
 * crash point (BADIO_NO_SWEEP=1): site, fault, state, verdict, status,
 * oracle exit, last durability point, unsynced count, divergence.  The
 * verdicts themselves are asserted by test_power_explore.c (which now
 * runs through the sweep).  Also: a resume after explore was killed in
 * the middle of a sweep, and a run that diverges under the sweep.
 */
#include "harness.h"
#include "mountns.h"

#include <sched.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void
setup(void)
{
	harness_setup("sweep-explore", "badio.db");
}

TestSuite(sweep_explore, .init = setup, .fini = harness_teardown,
    .timeout = 300);

#define ROWS								\
	"SELECT s.key, e.fault, ifnull(e.state, '-'), e.verdict, "	\
	"e.status, e.oracle_exit, ifnull(e.last_sync, '-'), "		\
	"ifnull(e.unsynced, '-'), e.injected, e.diverged "		\
	"FROM experiments e JOIN sites s ON s.id = e.site "		\
	"ORDER BY s.seq, e.fault, e.state"

#define PROMISE_ORACLE							\
	"c=$(cat config 2>/dev/null); "					\
	"if grep -q saved \"$BADIO_STDOUT\"; then test \"$c\" = new; "	\
	"else test \"$c\" = old || test \"$c\" = new; fi"

#define WHOLE_ORACLE							\
	"c=$(cat config 2>/dev/null); test \"$c\" = old || test \"$c\" = new"

#define LOG_ORACLE							\
	"n=$(grep -c '^ack' \"$BADIO_STDOUT\"); i=1; "			\
	"while [ $i -le $n ]; do grep -qx r$i log || exit 1; "		\
	"i=$((i + 1)); done"

/* What the oracle sees of the state, into the oracle's output (tail). */
#define LISTING_ORACLE							\
	"echo \"$BADIO_FAULT $BADIO_STATE $BADIO_STATUS "		\
	"$BADIO_INJECTED $BADIO_SYSCALL $BADIO_PATH\"; "		\
	"cat \"$BADIO_STDOUT\"; ls -la --time-style=+ . | "		\
	"sed 1d | awk '{print $1, $5, $7}'; cat * 2>/dev/null; true"

static long long
count_lines(const char *s)
{
	long long n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void
config_init(void)
{
	cr_assert_eq(mkdir("init", 0755), 0);
	write_file("init/config", "old");
}

/*
 * explore through the sweep (its summary line says how many came from
 * it and how many crash points were re-run: want_left), then again
 * with BADIO_NO_SWEEP=1 --redo: the same rows, oracle output included.
 */
static void
same_as_reruns(const char *faults, const char *states, const char *oracle,
    const char *want_left)
{
	char want[128];
	char *sweep;
	int st;

	st = badio("explore", "-d", db_path, "-j", "1", "--faults", faults,
	    "--power-states", states, "--oracle", oracle, NULL);
	cr_assert_eq(st, 0, "explore: %d\n%s", st, r.err);
	cr_assert(strstr(r.err, "from one sweep run"), "%s", r.err);
	snprintf(want, sizeof(want), "crash points), %s re-run", want_left);
	cr_assert(strstr(r.err, want), "want '%s':\n%s", want, r.err);
	sweep = strdup(dump(ROWS));
	cr_assert_not_null(sweep);
	cr_assert_eq(setenv("BADIO_NO_SWEEP", "1", 1), 0);
	st = badio("explore", "-d", db_path, "-j", "1", "--redo", "--faults",
	    faults, "--power-states", states, "--oracle", oracle, NULL);
	unsetenv("BADIO_NO_SWEEP");
	cr_assert_eq(st, 0, "explore: %d\n%s", st, r.err);
	cr_assert_null(strstr(r.err, "sweep run"), "%s", r.err);
	cr_assert_str_eq(dump(ROWS), sweep, "re-runs:\n%s\nsweep:\n%s",
	    dump(ROWS), sweep);
	free(sweep);
}

Test(sweep_explore, rename_without_fsync)
{
	config_init();
	RECORD("--init", "init", "--", PROG("pwx_saver"), "nosync");
	same_as_reruns("power", "durable,metadata", WHOLE_ORACLE,
	    "0 crash points");
	cr_assert_eq(count("SELECT count(*) FROM bugs"), 1);
}

Test(sweep_explore, fsync_rename_without_dir_fsync)
{
	config_init();
	RECORD("--init", "init", "--", PROG("pwx_saver"), "nodirsync");
	same_as_reruns("power", "durable,metadata", PROMISE_ORACLE,
	    "0 crash points");
	cr_assert_eq(count("SELECT count(*) FROM experiments WHERE verdict = "
	    "'silent-corruption' AND state = 'durable'"), 1);
}

Test(sweep_explore, correct_idiom_every_state)
{
	config_init();
	RECORD("--init", "init", "--", PROG("pwx_saver"), "correct");
	same_as_reruns("power,lost-sync,crash", "durable,metadata,prefix",
	    PROMISE_ORACLE, "0 crash points");
	cr_assert_eq(count("SELECT count(*) FROM bugs"), 0);
	cr_assert_gt(count("SELECT count(*) FROM experiments WHERE state "
	    "LIKE 'prefix:%'"), 0);
}

Test(sweep_explore, what_the_oracle_sees)
{
	config_init();
	RECORD("--init", "init", "--", PROG("pwx_saver"), "nodirsync");
	same_as_reruns("power", "durable,metadata,prefix", LISTING_ORACLE,
	    "0 crash points");
	cr_assert_eq(count("SELECT count(*) FROM experiments WHERE "
	    "oracle_tail LIKE '%power durable crash 1%'"), 4);
	cr_assert_eq(count("SELECT count(*) FROM experiments WHERE "
	    "oracle_tail LIKE '%power durable  1 exit%saved%'"), 1);
}

Test(sweep_explore, append_only_log)
{
	RECORD("--", PROG("pwx_saver"), "log");
	same_as_reruns("power", "durable,metadata,prefix", LOG_ORACLE,
	    "0 crash points");
}

#define TAILS								\
	"SELECT s.key, e.state, e.oracle_tail FROM experiments e "	\
	"JOIN sites s ON s.id = e.site ORDER BY s.seq, e.state"

/*
 * BADIO_STDOUT at each point is what the program printed before it:
 * the log acknowledges records between its points, and points with no
 * new output between them share one copy (a hard link).  The oracle
 * prints it: the same text at every point as in a re-run's.
 */
#define STDOUT_ORACLE	"cat \"$BADIO_STDOUT\"; echo \"$BADIO_STATE\""

Test(sweep_explore, stdout_at_each_point)
{
	char *reruns;
	int st;

	RECORD("--", PROG("pwx_saver"), "log");
	cr_assert_eq(setenv("BADIO_NO_SWEEP", "1", 1), 0);
	EXPLORE_OK("-j", "1", "--faults", "power", "--power-states",
	    "durable,metadata", "--oracle", STDOUT_ORACLE);
	unsetenv("BADIO_NO_SWEEP");
	reruns = strdup(dump(TAILS));
	st = badio("explore", "-d", db_path, "-j", "1", "--redo", "--faults",
	    "power", "--power-states", "durable,metadata", "--oracle",
	    STDOUT_ORACLE, NULL);
	cr_assert_eq(st, 0, "explore: %d\n%s", st, r.err);
	cr_assert(strstr(r.err, "from one sweep run"), "%s", r.err);
	cr_assert_str_eq(dump(TAILS), reruns, "sweep:\n%s\nre-runs:\n%s",
	    dump(TAILS), reruns);
	free(reruns);
	/* the end site's, after every ack; the first site's, before any */
	cr_assert_eq(count("SELECT count(*) FROM experiments e JOIN sites s "
	    "ON s.id = e.site WHERE s.family = 'end' AND e.oracle_tail LIKE "
	    "'ack 1%ack 2%ack 3%'"), 2);
	cr_assert_eq(count("SELECT count(*) FROM experiments e JOIN sites s "
	    "ON s.id = e.site WHERE s.seq = (SELECT min(seq) FROM sites) AND "
	    "e.oracle_tail NOT LIKE '%ack%'"), 2);
}

/*
 * Two threads writing at once: where the sweep's interleaving is the
 * recording's the sweep judges, from the first point where it is not,
 * re-runs do; either way the rows are a re-run's.  The count re-run
 * depends on the scheduler, so only the rows are compared.
 */
Test(sweep_explore, threads)
{
	char *sweep;
	int st;

	RECORD("--", PROG("p_threads"), "2", "3");
	st = badio("explore", "-d", db_path, "-j", "1", "--faults", "power",
	    "--oracle", "true", NULL);
	cr_assert_eq(st, 0, "%s", r.err);
	cr_assert(strstr(r.err, "from one sweep run"), "%s", r.err);
	sweep = strdup(dump("SELECT s.key, e.state, e.verdict, e.status FROM "
	    "experiments e JOIN sites s ON s.id = e.site ORDER BY s.key, "
	    "e.state"));
	cr_assert_eq(setenv("BADIO_NO_SWEEP", "1", 1), 0);
	st = badio("explore", "-d", db_path, "-j", "1", "--redo", "--faults",
	    "power", "--oracle", "true", NULL);
	unsetenv("BADIO_NO_SWEEP");
	cr_assert_eq(st, 0, "%s", r.err);
	cr_assert_str_eq(dump("SELECT s.key, e.state, e.verdict, e.status "
	    "FROM experiments e JOIN sites s ON s.id = e.site ORDER BY s.key, "
	    "e.state"), sweep);
	cr_assert_eq(count("SELECT count(*) FROM experiments"), 2 * 9);
	free(sweep);
}

/*
 * A shell program that writes f2 otherwise in its third run (the
 * sweep's, with -j 1: the recording, the baseline, the sweep): from the
 * point after that write the sweep judges nothing (a prefix state would
 * keep the other bytes, which the oracle rejects), the rest are re-run,
 * and every experiment is there with the re-run path's verdict.
 */
#define ORACLE_F2	"test \"$(cat f2 2>/dev/null)\" != bbbbbbbb"

Test(sweep_explore, divergence_falls_back)
{
	char script[1024];
	char *sweep;
	int st;

	/* the counter is there before, and always 4 digits: the runs that
	 * do not diverge make the recorded calls */
	snprintf(script, sizeof(script), "%s/count", tmp);
	write_file(script, "0000\n");
	snprintf(script, sizeof(script), "n=$(sed 's/^0*//' %s/count); n=${n:-0}; "
	    "printf '%%04d\\n' $((n + 1)) > %s/count; echo a > f1; "
	    "if [ $n = 2 ]; then echo bbbbbbbb > f2; else echo b > f2; fi; "
	    "echo c > f3",
	    tmp, tmp);
	RECORD("--", "/bin/sh", "-c", script);
	st = badio("explore", "-d", db_path, "-j", "1", "--faults", "power",
	    "--power-states", "durable,metadata,prefix", "--sites", "path=f*",
	    "--oracle", ORACLE_F2, NULL);
	cr_assert_eq(st, 0, "%s", r.err);
	cr_assert(strstr(r.err, "from one sweep run"), "%s", r.err);
	cr_assert_null(strstr(r.err, ", 0 crash points re-run"), "%s", r.err);
	sweep = strdup(dump(ROWS));
	cr_assert_eq(count("SELECT count(*) FROM experiments WHERE "
	    "verdict != 'ok'"), 0);
	cr_assert_eq(setenv("BADIO_NO_SWEEP", "1", 1), 0);
	st = badio("explore", "-d", db_path, "-j", "1", "--redo", "--faults",
	    "power", "--power-states", "durable,metadata,prefix", "--sites",
	    "path=f*", "--oracle", ORACLE_F2, NULL);
	unsetenv("BADIO_NO_SWEEP");
	cr_assert_eq(st, 0, "%s", r.err);
	cr_assert_str_eq(dump(ROWS), sweep, "re-runs:\n%s\nsweep:\n%s",
	    dump(ROWS), sweep);
	free(sweep);
}

/*
 * kill -9 of explore in the middle of its sweep (an oracle of 0.1 s, at
 * least 4 experiments stored): the workers and the judge follow, the
 * database is whole, and the next explore judges only what is left,
 * through a sweep again: the rows of an explore never interrupted.
 */
#define SLOW_PROMISE	"sleep 0.1; " PROMISE_ORACLE

/*
 * A whole explore's rows (SLOW_PROMISE on pwx_saver correct, every
 * state), then the same explore with --redo stopped by sig once it has
 * stored rows experiments: its exit status.
 */
static int
stop_mid_sweep(int sig, long long rows, char **whole)
{
	const char *argv[] = { BADIO_EXE, "explore", "-q", "-d", db_path, "-j",
		"1", "--redo", "--faults", "power", "--power-states",
		"durable,metadata,prefix", "--oracle", SLOW_PROMISE, NULL };
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int out_fd, err_fd, tries = 0;
	pid_t pid;

	config_init();
	RECORD("--init", "init", "--", PROG("pwx_saver"), "correct");
	EXPLORE_OK("-j", "1", "--faults", "power", "--power-states",
	    "durable,metadata,prefix", "--oracle", SLOW_PROMISE);
	*whole = strdup(dump(ROWS));
	pid = start(argv, NULL, NULL, &out_fd, &err_fd);
	/* --redo clears at the baseline: wait for it, then for the rows */
	while (count("SELECT count(*) FROM experiments") != 0)
		nanosleep(&ts, NULL);
	while (count("SELECT count(*) FROM experiments") < rows) {
		cr_assert_lt(++tries, 1000, "explore made no progress");
		nanosleep(&ts, NULL);
	}
	kill(pid, sig);
	return finish(pid, out_fd, err_fd, &r);
}

/* The explore after stop_mid_sweep: what is left, through a sweep. */
static void
resume_is_whole(char *whole)
{
	cr_assert_eq(badio("explore", "-d", db_path, "-j", "1", "--faults",
	    "power", "--power-states", "durable,metadata,prefix", "--oracle",
	    SLOW_PROMISE, NULL), 0, "%s", r.err);
	cr_assert(strstr(r.err, "from one sweep run"), "%s", r.err);
	cr_assert_str_eq(dump(ROWS), whole, "resumed:\n%s\nwhole:\n%s",
	    dump(ROWS), whole);
	free(whole);
}

Test(sweep_explore, killed_mid_sweep_resumes)
{
	long long n;
	char *whole;
	int tries;

	cr_assert_eq(stop_mid_sweep(SIGKILL, 4, &whole), 128 + SIGKILL);
	for (tries = 0; tries < 50 && process_with(db_path); tries++)
		nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 }, NULL);
	cr_assert(!process_with(db_path), "a worker or judge outlived badio");
	cr_assert_eq(count("PRAGMA integrity_check"), 0);
	n = count("SELECT count(*) FROM experiments");
	cr_assert(n >= 4 && n < count_lines(whole), "%lld rows", n);
	resume_is_whole(whole);
}

/* The tree under dir, sorted: "name\n" per entry, a file's text after it. */
static void
tree_text(const char *dir, char *out, size_t size)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	size_t len = strlen(out);

	cr_assert_geq(n, 0, "%s: %s", dir, strerror(errno));
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];
		struct stat st;

		if (ents[i]->d_name[0] != '.' &&
		    snprintf(path, sizeof(path), "%s/%s", dir,
		    ents[i]->d_name) < (int)sizeof(path) &&
		    lstat(path, &st) == 0) {
			len += (size_t)snprintf(out + len, size - len, "%s\n",
			    ents[i]->d_name);
			cr_assert_lt(len, size);
			if (S_ISDIR(st.st_mode)) {
				tree_text(path, out, size);
				len = strlen(out);
			} else if (S_ISREG(st.st_mode)) {
				FILE *f = fopen(path, "r");

				cr_assert_not_null(f);
				len += fread(out + len, 1, size - len - 1, f);
				out[len] = '\0';
				fclose(f);
			}
		}
		free(ents[i]);
	}
	free(ents);
}

/*
 * --keep through the sweep: the judge leaves the first damaged state of
 * each job (the states are judged while the program goes on) and the
 * worker moves it out of the sweep's directory: the kept directories
 * are the re-runs' ones, a state's files as that state has them.  The
 * oracle finds every crash state damaged: each job keeps its durable state
 * (the first judged), none its metadata state.
 */
#define NO_STATE_PASSES	"test -z \"$BADIO_STATE\""

Test(sweep_explore, keep_the_first_damaged_state_of_each_job)
{
	static char sweep[16384], rerun[16384];
	int st;

	config_init();
	RECORD("--init", "init", "--", PROG("pwx_saver"), "nosync");
	st = badio("explore", "-d", db_path, "-j", "1", "--faults", "power",
	    "--keep", "kept-sweep", "--oracle", NO_STATE_PASSES, NULL);
	cr_assert_eq(st, 0, "%s", r.err);
	cr_assert(strstr(r.err, "from one sweep run"), "%s", r.err);
	cr_assert_eq(setenv("BADIO_NO_SWEEP", "1", 1), 0);
	st = badio("explore", "-d", db_path, "-j", "1", "--redo", "--faults",
	    "power", "--keep", "kept-rerun", "--oracle", NO_STATE_PASSES, NULL);
	unsetenv("BADIO_NO_SWEEP");
	cr_assert_eq(st, 0, "%s", r.err);
	sweep[0] = rerun[0] = '\0';
	tree_text("kept-sweep", sweep, sizeof(sweep));
	tree_text("kept-rerun", rerun, sizeof(rerun));
	cr_assert_str_eq(sweep, rerun, "sweep:\n%s\nre-runs:\n%s", sweep,
	    rerun);
	/* one per damaged job, and that job's first damaged state */
	cr_assert_eq(count("SELECT count(*) FROM experiments WHERE verdict "
	    "= 'ok'"), 0);
	cr_assert_eq(count_entries("kept-sweep"), count("SELECT count(DISTINCT "
	    "site) FROM experiments"));
	cr_assert_eq(count_entries("kept-sweep"), 4);	/* not the stdout write */
	cr_assert_null(strstr(sweep, "metadata"), "%s", sweep);
}

/*
 * Ctrl-C in the middle of a sweep, states in flight (an oracle of 0.1
 * s): explore stops with 130, the judge and its oracle are gone, no
 * state directory or stdout copy is left in the scratch directory, and
 * the next explore judges what is left: the rows of a whole explore.
 */
/*
 * A memory file system of the test's own at tmp/NAME (tmpfs, size
 * SIZE), where the sweep builds its states (BADIO_STATES_DIR); and
 * TMPDIR at tmp/scratch.  Unmounted by unmount_states().
 */
static void
states_in_memory(char *mem, size_t size, const char *name, const char *opts)
{
	char scratch[PATH_MAX];

	private_mounts();
	snprintf(mem, size, "%s/%s", tmp, name);
	cr_assert_eq(mkdir(mem, 0700), 0);
	cr_assert_eq(mount("tmpfs", mem, "tmpfs", 0, opts), 0, "%s",
	    strerror(errno));
	cr_assert_eq(setenv("BADIO_STATES_DIR", mem, 1), 0);
	snprintf(scratch, sizeof(scratch), "%s/scratch", tmp);
	cr_assert_eq(mkdir(scratch, 0700), 0);
	cr_assert_eq(setenv("TMPDIR", scratch, 1), 0);
}

static void
unmount_states(const char *mem)
{
	unsetenv("BADIO_STATES_DIR");
	unsetenv("TMPDIR");
	cr_assert_eq(umount2(mem, MNT_DETACH), 0, "%s", strerror(errno));
}

Test(sweep_explore, ctrl_c_mid_sweep_leaves_nothing)
{
	char scratch[PATH_MAX], mem[PATH_MAX];
	char *whole;

	states_in_memory(mem, sizeof(mem), "mem", "size=1g");
	snprintf(scratch, sizeof(scratch), "%s/scratch", tmp);
	cr_assert_eq(stop_mid_sweep(SIGINT, 3, &whole), 130, "%s", r.err);
	cr_assert(!process_with(db_path), "a worker or judge outlived badio");
	cr_assert_eq(count_entries(scratch), 0, "left in %s", scratch);
	cr_assert_eq(count_entries(mem), 0, "left in %s", mem);
	unmount_states(mem);
	resume_is_whole(whole);
}

/*
 * Where the states are: on the memory file system (its type, and the
 * oracle's directory in it), or, with BADIO_STATES_DIR empty, in
 * TMPDIR; the same verdicts either way.
 */
#define WHERE_ORACLE							\
	"stat -f -c %T .; pwd; test \"$(cat config 2>/dev/null)\" = old || " \
	"test \"$(cat config 2>/dev/null)\" = new"

static long long
states_under(const char *dir)
{
	char sql[PATH_MAX + 256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM experiments WHERE "
	    "state IS NOT NULL AND instr(oracle_tail, '%s/badio-explore-') "
	    "> 0", dir);
	return count(sql);
}

Test(sweep_explore, states_on_a_memory_file_system)
{
	char mem[PATH_MAX], scratch[PATH_MAX];
	long long states;
	char *rows;

	config_init();
	RECORD("--init", "init", "--", PROG("pwx_saver"), "nosync");
	states_in_memory(mem, sizeof(mem), "mem", "size=1g");
	snprintf(scratch, sizeof(scratch), "%s/scratch", tmp);
	EXPLORE_OK("-j", "1", "--faults", "power", "--oracle", WHERE_ORACLE);
	/* openat, write, rename, the end: durable and metadata each */
	states = count("SELECT count(*) FROM experiments WHERE state IS NOT "
	    "NULL");
	cr_assert_eq(states, 8);
	cr_assert_eq(count("SELECT count(*) FROM experiments WHERE state IS "
	    "NOT NULL AND oracle_tail LIKE 'tmpfs%'"), states);
	cr_assert_eq(states_under(mem), states, "%s", dump("SELECT "
	    "oracle_tail FROM experiments"));
	cr_assert_eq(count("SELECT count(*) FROM bugs"), 1);
	rows = strdup(dump(ROWS));
	cr_assert_eq(setenv("BADIO_STATES_DIR", "", 1), 0);
	EXPLORE_OK("-j", "1", "--redo", "--faults", "power", "--oracle",
	    WHERE_ORACLE);
	cr_assert_eq(states_under(scratch), states, "%s", dump("SELECT "
	    "oracle_tail FROM experiments"));
	cr_assert_eq(count("SELECT count(*) FROM experiments WHERE "
	    "oracle_tail LIKE 'tmpfs%'"), 0);
	cr_assert_str_eq(dump(ROWS), rows, "TMPDIR:\n%s\nmemory:\n%s",
	    dump(ROWS), rows);
	free(rows);
	cr_assert_eq(count_entries(mem), 0);
	cr_assert_eq(count_entries(scratch), 0);
	unmount_states(mem);
}

/* A memory file system without room (1 MiB): the states go to TMPDIR. */
Test(sweep_explore, no_room_in_memory)
{
	char mem[PATH_MAX], scratch[PATH_MAX];

	config_init();
	RECORD("--init", "init", "--", PROG("pwx_saver"), "nosync");
	states_in_memory(mem, sizeof(mem), "small", "size=1m");
	snprintf(scratch, sizeof(scratch), "%s/scratch", tmp);
	EXPLORE_OK("-j", "1", "--faults", "power", "--oracle", WHERE_ORACLE);
	cr_assert_eq(states_under(scratch), 8, "%s", dump("SELECT "
	    "oracle_tail FROM experiments"));
	cr_assert_eq(states_under(mem), 0);
	cr_assert_eq(count("SELECT count(*) FROM bugs"), 1);
	unmount_states(mem);
}

/* The CPUs in a Cpus_allowed_list ("0-2,5"), as a mask of the first 64. */
static unsigned long long
cpu_mask(const char *list)
{
	unsigned long long m = 0;
	char *end;

	for (const char *p = list; *p >= '0' && *p <= '9'; p = end + 1) {
		long a = strtol(p, &end, 10), b = a;

		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (long c = a; c <= b && c < 64; c++)
			m |= 1ULL << c;
		if (*end != ',')
			break;
	}
	return m;
}

#define CPUS_LIST	"sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "

/*
 * The judge runs the oracles off the CPU the program is pinned to (an
 * oracle there preempts the tracer): the program prints its CPUs, each
 * power experiment's oracle its own, and they do not meet.
 */
Test(sweep_explore, oracles_off_the_programs_cpu)
{
	cpu_set_t set;
	sqlite3 *db;
	sqlite3_stmt *st;
	int rows = 0;

	cr_assert_eq(sched_getaffinity(0, sizeof(set), &set), 0);
	if (CPU_COUNT(&set) < 2)
		cr_skip_test("one CPU: the oracle can only share it");
	RECORD("--", "/bin/sh", "-c", CPUS_LIST "/proc/self/status; "
	    "echo a > f1; echo b > f2");
	EXPLORE_OK("-j", "1", "--faults", "power", "--oracle",
	    "echo \"prog=$(cat \"$BADIO_STDOUT\") oracle=$(" CPUS_LIST
	    "/proc/self/status)\"");
	db = db_open();
	cr_assert_eq(sqlite3_prepare_v2(db, "SELECT oracle_tail FROM "
	    "experiments WHERE fault = 'power'", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		const char *p = t ? strstr(t, "prog=") : NULL;
		const char *o = t ? strstr(t, "oracle=") : NULL;

		cr_assert(p && o, "%s", t ? t : "(null)");
		if (p[5] == ' ')
			continue;	/* before the program printed */
		cr_assert_eq(cpu_mask(p + 5) & cpu_mask(o + 7), 0, "%s", t);
		cr_assert_neq(cpu_mask(o + 7), 0, "%s", t);
		rows++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	cr_assert_geq(rows, 2, "no power experiment after the print");
}

/*
 * --judge-once: the crash states that look the same to the oracle (the
 * same files, stdout, fault, state and status) are judged once, and
 * every experiment gets that judgement.  The rows and the oracle's
 * output are those of an explore that runs the oracle for each, and
 * the oracle runs once per distinct state.  pwx_saver correct, durable
 * and metadata at its 6 crash points (openat, write, fsync, rename,
 * fsync of ".", the end):
 *   durable:  one state up to the directory's fsync (nothing of the new
 *             file is durable before it), another at the end: 2 runs;
 *   metadata: before the openat; config.tmp empty (openat, write: its
 *             data is not synced); config.tmp with its data (after the
 *             fsync); config (after the rename; the same at the
 *             directory's fsync); the end, the same files as the
 *             directory's fsync but stdout has "saved": 5 runs.
 * With the baseline's, 8 oracle runs for 12 experiments, against 13.
 */
#define STATE_ORACLE							\
	"echo \"$BADIO_FAULT $BADIO_STATE $BADIO_STATUS\"; "		\
	"cat \"$BADIO_STDOUT\"; ls -lA --time-style=+ . | "		\
	"sed 1d | awk '{print $1, $5, $7}'; cat * 2>/dev/null; "

/* Explore with STATE_ORACLE then judge; how many times it ran. */
static long long
oracle_runs(const char *faults, const char *states, const char *judge,
    bool once)
{
	char oracle[PATH_MAX + 1024], log[PATH_MAX];
	int st;

	snprintf(log, sizeof(log), "%s/oracle.log", tmp);
	unlink(log);
	snprintf(oracle, sizeof(oracle), "echo x >> %s; %s%s", log,
	    STATE_ORACLE, judge);
	st = once ? badio("explore", "-d", db_path, "-j", "1", "--redo",
	    "--faults", faults, "--power-states", states, "--judge-once",
	    "--oracle", oracle, NULL) :
	    badio("explore", "-d", db_path, "-j", "1", "--redo", "--faults",
	    faults, "--power-states", states, "--oracle", oracle, NULL);
	cr_assert_eq(st, 0, "explore: %d\n%s", st, r.err);
	cr_assert(strstr(r.err, "from one sweep run"), "%s", r.err);
	return count_lines(read_text(log));
}

#define ROWS_TAILS							\
	"SELECT s.key, e.fault, ifnull(e.state, '-'), e.verdict, "	\
	"e.status, e.oracle_exit, e.oracle_tail "			\
	"FROM experiments e JOIN sites s ON s.id = e.site "		\
	"ORDER BY s.seq, e.fault, e.state"

Test(sweep_explore, judge_once)
{
	char *each;

	config_init();
	RECORD("--init", "init", "--", PROG("pwx_saver"), "correct");
	cr_assert_eq(oracle_runs("power", "durable,metadata", "true", false), 13);
	each = strdup(dump(ROWS_TAILS));
	cr_assert_not_null(each);
	cr_assert_eq(oracle_runs("power", "durable,metadata", "true", true), 8);
	cr_assert_str_eq(dump(ROWS_TAILS), each, "once:\n%s\neach:\n%s",
	    dump(ROWS_TAILS), each);
	cr_assert(strstr(r.err, "the oracle judged 7 states, 5 the same as "
	    "one judged before (--judge-once)"), "%s", r.err);
	free(each);
}

/*
 * The same, with verdicts that differ from state to state (the config
 * saver that renames without fsync: damaged where the rename survives
 * and the data does not) and with lost-sync and prefix states: rows
 * and oracle output as when each state is judged, fewer oracle runs.
 */
Test(sweep_explore, judge_once_mixed_verdicts)
{
	static const struct {
		const char *mode, *judge;
		long long bugs;
	} runs[] = {
		{ "nosync", WHOLE_ORACLE, 1 },
		/* at the end: durable, and prefix:1 (config.tmp's name
		 * survives, the rename after it does not) */
		{ "nodirsync", PROMISE_ORACLE, 2 },
		{ "log", LOG_ORACLE, 0 },
	};
	char *each;
	long long n_each, n_once;

	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		harness_teardown();
		setup();
		config_init();
		RECORD("--init", "init", "--", PROG("pwx_saver"), runs[i].mode);
		n_each = oracle_runs("power,lost-sync", "durable,metadata,prefix",
		    runs[i].judge, false);
		each = strdup(dump(ROWS_TAILS));
		cr_assert_not_null(each);
		n_once = oracle_runs("power,lost-sync", "durable,metadata,prefix",
		    runs[i].judge, true);
		cr_assert_str_eq(dump(ROWS_TAILS), each, "%s once:\n%s\neach:\n%s",
		    runs[i].mode, dump(ROWS_TAILS), each);
		cr_assert_eq(n_each, count("SELECT count(*) FROM experiments") +
		    1, "%s", runs[i].mode);
		cr_assert_lt(n_once, n_each, "%s", runs[i].mode);
		cr_assert_eq(count("SELECT count(*) FROM bugs"), runs[i].bugs,
		    "%s: %s", runs[i].mode, dump("SELECT s.key, e.fault, "
		    "e.state, e.verdict FROM bugs e JOIN sites s ON s.id = "
		    "e.site"));
		free(each);
	}
}
