/*
 * test_merge.c - unit tests of store/merge.c: the copy a shard writes
 * into, and merging shards back, with every refusal (another recording,
 * other sites, another schema, another oracle or plan, not a badio
 * database, a crafted shard) leaving the target unchanged.
 *
 * Each test makes a recording with three sites in a fresh directory,
 * copies it as the shards would (store_copy_to), stores experiments in
 * the copies and merges them.
 */
#include "store/store.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <sqlite3.h>

static char tmpdir[64];

static int
remove_entry(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/badio-test-merge.XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static const char *
path_of(const char *name)
{
	static char buf[4][160];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return buf[k];
}

/* A database with one recording (start_ns = start) and three sites. */
static void
make_recording(const char *name, int64_t start)
{
	static const char *const argv[] = { "prog", NULL };
	static const char *const envp[] = { "A=1", NULL };
	struct store_recording r = {
		.exe = "/usr/bin/prog", .argv = (char **)argv,
		.envp = (char **)envp, .start_unix_ns = start,
		.exit_code = 0, .version = "0.1.0",
	};
	struct store *s;
	int64_t id;

	cr_assert_eq(store_open(&s, path_of(name), STORE_CREATE), 0);
	cr_assert_eq(store_recording_add(s, &r, &id), 0, "%s", store_errmsg(s));
	for (int i = 1; i <= 3; i++) {
		char key[32];
		struct store_site site = {
			.recording = id, .seq = i, .pid = 1, .tid = 1,
			.syscall = "write", .family = "write", .fd = 3,
			.path = "data", .kind = "regular", .offset = 0,
			.count = 4, .result = 4, .has_result = true,
			.crc_bytes = -1, .key = key, .key_path = "data",
			.ordinal = i,
		};

		snprintf(key, sizeof(key), "write:data:%d", i);
		cr_assert_eq(store_site_add(s, &site), 0, "%s", store_errmsg(s));
	}
	cr_assert_eq(store_recording_finish(s, id, 1, "exit:0", 0, 3, 1), 0);
	store_close(s);
}

static void
copy_db(const char *from, const char *to)
{
	struct store *s;

	cr_assert_eq(store_open(&s, path_of(from), STORE_READ), 0);
	cr_assert_eq(store_copy_to(s, path_of(to)), 0, "%s", store_errmsg(s));
	store_close(s);
}

/* e is judged by oracle (command, sha256), interned in s. */
static void
put_oracle(struct store *s, struct store_experiment *e, const char *command,
    const char *sha)
{
	struct store_oracle o = { .command = command, .sha256 = sha,
	    .file = sha ? "/x/check.sh" : NULL };

	cr_assert_eq(store_oracle_intern(s, &o, &e->oracle_id), 0, "%s",
	    store_errmsg(s));
	cr_assert_gt(e->oracle_id, 0);
}

/* Store experiment (site, fault) with verdict, and the explore's meta. */
static void
put(const char *name, int64_t site, const char *fault, const char *verdict,
    const char *oracle)
{
	struct store_experiment e = {
		.site = site, .fault = fault, .injected = true,
		.fault_bytes = -1, .status = "exit:1", .duration_ns = 1,
		.oracle_exit = 0, .verdict = verdict, .prog_tail = "",
		.oracle_tail = "",
	};
	struct store *s;

	cr_assert_eq(store_open(&s, path_of(name), STORE_WRITE), 0);
	put_oracle(s, &e, oracle, NULL);
	cr_assert_eq(store_experiment_put(s, &e), 0, "%s", store_errmsg(s));
	cr_assert_eq(store_meta_set(s, "plan", "faults=0"), 0);
	store_close(s);
}

/* The same, judged by a script with content sha (the oracle's file). */
static void
put_sha(const char *name, int64_t site, const char *fault,
    const char *verdict, const char *oracle, const char *sha)
{
	struct store_experiment e = {
		.site = site, .fault = fault, .injected = true,
		.fault_bytes = -1, .status = "exit:1", .duration_ns = 1,
		.oracle_exit = 0, .verdict = verdict,
	};
	struct store *s;

	cr_assert_eq(store_open(&s, path_of(name), STORE_WRITE), 0);
	put_oracle(s, &e, oracle, sha);
	cr_assert_eq(store_experiment_put(s, &e), 0, "%s", store_errmsg(s));
	cr_assert_eq(store_meta_set(s, "plan", "faults=0"), 0);
	store_close(s);
}

static int64_t
count(const char *name, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t n = -1;

	cr_assert_eq(sqlite3_open(path_of(name), &db), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK,
	    "%s", sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void
raw_exec(const char *name, const char *sql)
{
	sqlite3 *db;

	cr_assert_eq(sqlite3_open(path_of(name), &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* Merge shard into target; returns the store's code, message in msg. */
static int
merge(const char *target, const char *shard, struct store_merge_stats *ms,
    char *msg, size_t msgsz)
{
	struct store *s;
	int rc;

	cr_assert_eq(store_open(&s, path_of(target), STORE_WRITE), 0);
	rc = store_merge_from(s, path_of(shard), ms);
	snprintf(msg, msgsz, "%s", store_errmsg(s));
	store_close(s);
	return rc;
}

/* The merge succeeds and adds that many experiments. */
static void
merge_ok(const char *target, const char *shard, int64_t added)
{
	struct store_merge_stats ms;
	char msg[512];

	cr_assert_eq(merge(target, shard, &ms, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(ms.added, added);
}

TestSuite(merge, .init = setup, .fini = teardown);

Test(merge, shards_add_up_and_a_second_merge_adds_nothing)
{
	struct store_merge_stats ms;
	char msg[512];

	make_recording("rec.db", 42);
	copy_db("rec.db", "s0.db");
	copy_db("rec.db", "s1.db");
	put("s0.db", 1, "eio", "reported", "check.sh");
	put("s0.db", 2, "eio", "silent-corruption", "check.sh");
	put("s1.db", 3, "eio", "ok", "check.sh");
	put("s1.db", 3, "crash", "corruption", "check.sh");
	copy_db("s0.db", "all.db");

	cr_assert_eq(merge("all.db", "s0.db", &ms, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(ms.added, 0);
	cr_assert_eq(ms.already, 2);
	cr_assert_eq(merge("all.db", "s1.db", &ms, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(ms.added, 2);
	cr_assert_eq(ms.already, 0);
	cr_assert_eq(ms.conflicts, 0);
	cr_assert_eq(count("all.db", "SELECT count(*) FROM experiments"), 4);
	cr_assert_eq(count("all.db", "SELECT count(*) FROM experiments WHERE "
	    "site = 3 AND fault = 'crash' AND verdict = 'corruption'"), 1);
	/* idempotent */
	cr_assert_eq(merge("all.db", "s1.db", &ms, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(ms.added, 0);
	cr_assert_eq(ms.already, 2);
	cr_assert_eq(count("all.db", "SELECT count(*) FROM experiments"), 4);
}

Test(merge, a_pair_run_twice_with_another_verdict_is_a_conflict_keeping_ours)
{
	struct store_merge_stats ms;
	char msg[512];

	make_recording("rec.db", 42);
	copy_db("rec.db", "s0.db");
	copy_db("rec.db", "s1.db");
	put("s0.db", 1, "eio", "reported", "check.sh");
	put("s1.db", 1, "eio", "ok", "check.sh");
	cr_assert_eq(merge("s0.db", "s1.db", &ms, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(ms.added, 0);
	cr_assert_eq(ms.conflicts, 1);
	cr_assert_eq(count("s0.db", "SELECT count(*) FROM experiments WHERE "
	    "verdict = 'reported'"), 1);
}

Test(merge, skipped_pairs_travel_unless_run_here)
{
	struct store_merge_stats ms;
	struct store *s;
	char msg[512];

	make_recording("rec.db", 42);
	copy_db("rec.db", "s0.db");
	copy_db("rec.db", "s1.db");
	cr_assert_eq(store_open(&s, path_of("s1.db"), STORE_WRITE), 0);
	cr_assert_eq(store_skipped_put(s, 2, "eio", "per-callsite"), 0);
	cr_assert_eq(store_skipped_put(s, 3, "eio", "per-callsite"), 0);
	store_close(s);
	put("s0.db", 3, "eio", "ok", "check.sh");
	cr_assert_eq(merge("s0.db", "s1.db", &ms, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(ms.skipped, 1);
	cr_assert_eq(count("s0.db", "SELECT count(*) FROM skipped WHERE site = 2"), 1);
	cr_assert_eq(count("s0.db", "SELECT count(*) FROM skipped WHERE site = 3"), 0);
}

/* Each refusal leaves the target as it was. */
static void
refused(const char *shard, int want, const char *words)
{
	struct store_merge_stats ms;
	char msg[512];
	int64_t before = count("all.db", "SELECT count(*) FROM experiments");

	cr_assert_eq(merge("all.db", shard, &ms, msg, sizeof(msg)), want,
	    "%s: %s", shard, msg);
	cr_assert_not_null(strstr(msg, words), "message '%s' lacks '%s'", msg,
	    words);
	cr_assert_eq(count("all.db", "SELECT count(*) FROM experiments"), before);
}

Test(merge, refuses_another_recording)
{
	make_recording("rec.db", 42);
	make_recording("other.db", 43);	/* same program, another run */
	copy_db("rec.db", "all.db");
	put("all.db", 1, "eio", "ok", "check.sh");
	put("other.db", 2, "eio", "ok", "check.sh");
	refused("other.db", -EXDEV, "not a shard of this recording");
}

Test(merge, refuses_other_sites)
{
	make_recording("rec.db", 42);
	copy_db("rec.db", "all.db");
	copy_db("rec.db", "s1.db");
	raw_exec("s1.db", "UPDATE sites SET key = 'write:other:1' WHERE id = 1");
	put("s1.db", 2, "eio", "ok", "check.sh");
	refused("s1.db", -EXDEV, "other sites");
}

Test(merge, refuses_another_schema_version)
{
	make_recording("rec.db", 42);
	copy_db("rec.db", "all.db");
	copy_db("rec.db", "s1.db");
	raw_exec("s1.db", "PRAGMA user_version = 999");
	refused("s1.db", -EPROTO, "schema 999");
}

Test(merge, refuses_another_oracle_or_plan)
{
	make_recording("rec.db", 42);
	copy_db("rec.db", "all.db");
	copy_db("rec.db", "s1.db");
	copy_db("rec.db", "s2.db");
	put("all.db", 1, "eio", "ok", "check.sh");
	put("s1.db", 2, "eio", "ok", "other.sh");
	refused("s1.db", -EINVAL, "s1.db' was judged with oracle 'other.sh', "
	    "this database with 'check.sh'");
	put("s2.db", 2, "eio", "ok", "check.sh");
	raw_exec("s2.db", "UPDATE meta SET value = 'faults=0x8' WHERE key = 'plan'");
	refused("s2.db", -EINVAL, "other options");
}

/* The same command whose script changed is another oracle. */
Test(merge, refuses_the_same_oracle_changed)
{
	make_recording("rec.db", 42);
	copy_db("rec.db", "all.db");
	copy_db("rec.db", "s1.db");
	put_sha("all.db", 1, "eio", "ok", "./check.sh", "aa11");
	put_sha("s1.db", 2, "eio", "ok", "./check.sh", "bb22");
	refused("s1.db", -EINVAL, "judged with oracle './check.sh', this "
	    "database with './check.sh' (or the same script changed)");
	/* the same content elsewhere is the same oracle */
	copy_db("rec.db", "s2.db");
	put_sha("s2.db", 2, "torn", "ok", "./check.sh", "aa11");
	merge_ok("all.db", "s2.db", 1);
	cr_assert_eq(count("all.db", "SELECT count(*) FROM oracles"), 1);
}

/*
 * A shard explored with --reuse-verdicts holds this database's verdicts
 * and adds another oracle's: merged, each experiment keeps the oracle
 * that judged it, whatever its id was in the shard.
 */
Test(merge, keeps_each_experiments_oracle)
{
	make_recording("rec.db", 42);
	copy_db("rec.db", "all.db");
	put("all.db", 1, "eio", "ok", "true");
	copy_db("rec.db", "s1.db");
	put("s1.db", 2, "eio", "corruption", "./check.sh");	/* id 1 there */
	put("s1.db", 1, "eio", "ok", "true");			/* id 2 there */
	merge_ok("all.db", "s1.db", 1);
	cr_assert_eq(count("all.db", "SELECT count(*) FROM experiments e JOIN "
	    "oracles o ON o.id = e.oracle_id WHERE e.site = 1 AND "
	    "o.command = 'true'"), 1);
	cr_assert_eq(count("all.db", "SELECT count(*) FROM experiments e JOIN "
	    "oracles o ON o.id = e.oracle_id WHERE e.site = 2 AND "
	    "o.command = './check.sh' AND o.id = 2"), 1);
	cr_assert_eq(count("all.db", "SELECT count(*) FROM oracles"), 2);
	/* a shard of one explore with another oracle: refused */
	copy_db("rec.db", "s2.db");
	put("s2.db", 3, "eio", "ok", "./other.sh");
	refused("s2.db", -EINVAL, "s2.db' was judged with oracle "
	    "'./other.sh', this database with './check.sh'");
}

Test(merge, refuses_what_is_not_a_badio_database)
{
	make_recording("rec.db", 42);
	copy_db("rec.db", "all.db");
	raw_exec("plain.db", "CREATE TABLE t (x)");
	refused("plain.db", -ENOTSUP, "not a badio database");
	refused("missing.db", -ENOENT, "cannot open");
}

/*
 * A crafted shard whose experiments is a view calling one of badio's SQL
 * functions: with trusted_schema off the merge fails rather than run it,
 * and nothing is merged.
 */
Test(merge, a_crafted_shard_runs_no_function_of_ours)
{
	make_recording("rec.db", 42);
	copy_db("rec.db", "all.db");
	copy_db("rec.db", "evil.db");
	raw_exec("evil.db", "DROP TRIGGER experiments_unskip; "
	    "ALTER TABLE experiments RENAME TO e0; "
	    "CREATE VIEW experiments AS SELECT id, site, fault, injected, "
	    "fault_bytes, status, duration_ns, oracle_exit, verdict, "
	    "badio_location(site) AS prog_tail, oracle_tail, diverged, "
	    "divergence, created_ns FROM e0");
	raw_exec("evil.db", "INSERT INTO e0 (site, fault, injected, status, "
	    "duration_ns, verdict, created_ns) VALUES (1, 'eio', 1, 'exit:1', "
	    "1, 'ok', 1)");
	{
		struct store_merge_stats ms;
		char msg[512];

		cr_assert_lt(merge("all.db", "evil.db", &ms, msg, sizeof(msg)), 0);
		cr_assert_not_null(strstr(msg, "unsafe"), "%s", msg);
	}
	cr_assert_eq(count("all.db", "SELECT count(*) FROM experiments"), 0);
}

Test(merge, copy_to_refuses_an_existing_file)
{
	struct store *s;

	make_recording("rec.db", 42);
	cr_assert_eq(store_open(&s, path_of("rec.db"), STORE_READ), 0);
	cr_assert_eq(store_copy_to(s, path_of("copy.db")), 0);
	cr_assert_lt(store_copy_to(s, path_of("copy.db")), 0);
	store_close(s);
	cr_assert_eq(count("copy.db", "SELECT count(*) FROM sites"), 3);
}
