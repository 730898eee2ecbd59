/*
 * test_explorer.c - unit tests of the explorer's pure parts: the fault
 * table and --faults, the --sites filter, the verdict table, --fail-on
 * lists, the output tail, and the oracle's command resolution and runner
 * (the runner needs only /bin/sh, no ptrace).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "explorer/explorer.h"
#include "explorer/explorer_int.h"

#define F(x)	(1u << REC_FAULT_##x)

static char err[256];

/* --- faults --------------------------------------------------------- */

/* Crash states: --power-states kinds, and the states of a crash point. */
Test(states, kinds_and_expansion)
{
	char err[128], name[BX_STATE_NAME_MAX];
	unsigned kinds;

	cr_assert_eq(bx_states_parse("durable,prefix", &kinds, err,
	    sizeof(err)), 0);
	cr_assert_eq(kinds, (1u << BX_STATE_DURABLE) | (1u << BX_STATE_PREFIX));
	cr_assert_eq(bx_states_parse("durable,prefix:3", &kinds, err,
	    sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "unknown power state 'prefix:3' (durable, "
	    "metadata, prefix)");
	cr_assert_eq(bx_states_parse("", &kinds, err, sizeof(err)), -EINVAL);
	/* default: durable and metadata, whatever k */
	cr_assert_eq(bx_states_of(0, 0, 5), 0x3);
	/* prefix:1..min(k, K): k = 3 of K = 8; k = 20 of K = 8; k = 0 */
	cr_assert_eq(bx_states_of(1u << BX_STATE_PREFIX, 0, 3), 0x1c);
	cr_assert_eq(bx_states_of(1u << BX_STATE_PREFIX, 0, 20), 0x3fc);
	cr_assert_eq(bx_states_of(1u << BX_STATE_PREFIX, 8, 0), 0);
	/* K is capped at BX_POWER_PREFIX_MAX */
	cr_assert_eq(bx_states_of(1u << BX_STATE_PREFIX, 1000, UINT64_MAX),
	    ~(uint64_t)3 & (((uint64_t)1 << BX_STATE_ZERO) - 1));
	cr_assert_eq(bx_state_name(0, name, sizeof(name)), 0);
	cr_assert_str_eq(name, "durable");
	cr_assert_eq(bx_state_name(1 + 32, name, sizeof(name)), 0);
	cr_assert_str_eq(name, "prefix:32");
	/* durable-zero: after the prefixes, lost-sync only */
	cr_assert_eq(bx_state_name(BX_STATE_ZERO, name, sizeof(name)), 0);
	cr_assert_str_eq(name, "durable-zero");
	cr_assert_eq(bx_state_index("durable-zero"), BX_STATE_ZERO);
	cr_assert_eq(BX_STATE_ZERO, 34);
	cr_assert_eq(BX_STATES_LOST_SET, 1 | (uint64_t)1 << 34);
	cr_assert_eq(bx_states_parse("durable-zero", &kinds, err, sizeof(err)),
	    -EINVAL, "not a power state");
	cr_assert_eq(bx_state_name(BX_STATES_MAX, name, sizeof(name)), -EINVAL);
	cr_assert_eq(bx_state_index("metadata"), 1);
	cr_assert_eq(bx_state_index("prefix:7"), 8);
	cr_assert_eq(bx_state_index("prefix:33"), -1);
	cr_assert_eq(bx_state_index("prefix:0"), -1);
	cr_assert_eq(bx_state_index("prefix:07"), -1);
	cr_assert_eq(bx_state_index("durable "), -1);
}

Test(faults, table_names_are_the_interface)
{
	const char *want[] = {
		"short", "torn", "eio", "enospc", "crash", "eio+", "enospc+",
		"power", "lost-sync",
	};
	const char *kind[] = {
		"transient", "transient", "transient", "transient", "final",
		"persistent", "persistent", "final", "transient",
	};
	size_t i;

	for (i = 0; i < 9; i++) {
		cr_assert_not_null(bx_fault_at(i));
		cr_assert_str_eq(bx_fault_at(i)->name, want[i]);
		cr_assert_eq(bx_fault_by_name(want[i]), bx_fault_at(i));
		cr_assert_eq(bx_fault_by_code(bx_fault_at(i)->fault),
		    bx_fault_at(i));
		cr_assert_str_eq(rec_fault_name(bx_fault_at(i)->fault), want[i]);
		cr_assert_str_eq(bx_fault_kind_name(bx_fault_at(i)->kind),
		    kind[i], "%s", want[i]);
		/* the recorder arms a rule for exactly the persistent ones */
		cr_assert_eq(rec_fault_persistent(bx_fault_at(i)->fault),
		    bx_fault_at(i)->kind == BX_FAULT_PERSISTENT, "%s", want[i]);
	}
	cr_assert_null(bx_fault_at(9));
	cr_assert_null(bx_fault_by_name("nope"));
	cr_assert_null(bx_fault_by_name("eio++"));
}

Test(faults, parse_lists)
{
	unsigned m;

	cr_assert_eq(bx_faults_parse("torn", &m, err, sizeof(err)), 0);
	cr_assert_eq(m, F(TORN));
	cr_assert_eq(bx_faults_parse("eio,crash,short", &m, err, sizeof(err)),
	    0);
	cr_assert_eq(m, F(EIO) | F(CRASH) | F(SHORT));
	cr_assert_eq(bx_faults_parse("enospc,enospc", &m, err, sizeof(err)),
	    0);
	cr_assert_eq(m, F(ENOSPC));
	cr_assert_eq(bx_faults_parse("eio+,enospc+,eio", &m, err, sizeof(err)),
	    0);
	cr_assert_eq(m, F(EIO_DEV) | F(ENOSPC_DEV) | F(EIO));
}

Test(faults, parse_errors)
{
	unsigned m;

	cr_assert_eq(bx_faults_parse("eio,tron", &m, err, sizeof(err)),
	    -EINVAL);
	cr_assert_str_eq(err, "unknown fault 'tron'");
	cr_assert_eq(bx_faults_parse("", &m, err, sizeof(err)), -EINVAL);
	cr_assert_eq(bx_faults_parse("eio,", &m, err, sizeof(err)), -EINVAL);
	cr_assert_eq(bx_faults_parse(",eio", &m, err, sizeof(err)), -EINVAL);
	cr_assert_eq(bx_faults_parse("averyveryverylongfaultnamethatisnotthere",
	    &m, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "unknown fault") != NULL);
}

Test(faults, defaults_per_family)
{
	const struct rec_sysent *w = rec_sysent_by_name("write");
	const struct rec_sysent *fs = rec_sysent_by_name("fsync");
	const struct rec_sysent *rn = rec_sysent_by_name("rename");

	cr_assert_not_null(w);
	cr_assert_not_null(fs);
	cr_assert_not_null(rn);
	/* power at every site; lost-sync at the durability points */
	cr_assert_eq(bx_faults_for_site(0, w, 100),
	    F(SHORT) | F(TORN) | F(EIO) | F(CRASH) | F(POWER));
	/* short and torn need at least 2 bytes */
	cr_assert_eq(bx_faults_for_site(0, w, 1), F(EIO) | F(CRASH) | F(POWER));
	cr_assert_eq(bx_faults_for_site(0, fs, -1),
	    F(EIO) | F(CRASH) | F(POWER) | F(LOST_SYNC));
	cr_assert_eq(bx_faults_for_site(0, rn, -1), F(EIO) | F(CRASH) | F(POWER));
	/* sync_file_range makes nothing durable: nothing to lose */
	cr_assert_eq(bx_faults_for_site(0, rec_sysent_by_name(
	    "sync_file_range"), -1), F(EIO) | F(CRASH) | F(POWER));
	/* the program's end: power only */
	cr_assert_eq(bx_faults_for_site(0, rec_sysent_by_name("exit"), -1), F(POWER));
	cr_assert_eq(bx_faults_for_site(F(CRASH) | F(EIO) | F(POWER) |
	    F(LOST_SYNC), rec_sysent_by_name("exit"), -1), F(POWER));
	/* a chosen set is cut to what applies */
	cr_assert_eq(bx_faults_for_site(F(TORN) | F(ENOSPC), w, 100),
	    F(TORN) | F(ENOSPC));
	cr_assert_eq(bx_faults_for_site(F(TORN), fs, -1), 0);
	cr_assert_eq(bx_faults_for_site(F(ENOSPC), fs, -1), 0);
	cr_assert_eq(bx_faults_for_site(F(LOST_SYNC), w, 100), 0);
	/* persistent faults only when asked for; enospc+ where space is used */
	cr_assert_eq(bx_faults_for_site(F(EIO_DEV) | F(ENOSPC_DEV), w, 100),
	    F(EIO_DEV) | F(ENOSPC_DEV));
	cr_assert_eq(bx_faults_for_site(F(EIO_DEV) | F(ENOSPC_DEV), fs, -1),
	    F(EIO_DEV));
	cr_assert_eq(bx_faults_for_site(F(EIO_DEV), rec_sysent_by_name("sync"),
	    -1), 0);
	/* mapping calls can only be crashed; close only gets errors */
	cr_assert_eq(bx_faults_for_site(0, rec_sysent_by_name("mmap"), 4096),
	    F(CRASH) | F(POWER));
	cr_assert_eq(bx_faults_for_site(0, rec_sysent_by_name("munmap"), 4096),
	    F(CRASH) | F(POWER));
	cr_assert_eq(bx_faults_for_site(0, rec_sysent_by_name("close"), -1),
	    F(EIO) | F(POWER));
	cr_assert_eq(bx_faults_for_site(F(EIO_DEV) | F(CRASH),
	    rec_sysent_by_name("close"), -1), F(EIO_DEV));
	cr_assert_eq(bx_faults_for_site(0, rec_sysent_by_name("msync"), 4096),
	    F(EIO) | F(CRASH) | F(POWER) | F(LOST_SYNC));
}

/* --- --sites -------------------------------------------------------- */

static struct store_site
site(int64_t id, const char *sc, const char *fam, const char *path)
{
	struct store_site s;

	memset(&s, 0, sizeof(s));
	s.id = id;
	s.syscall = sc;
	s.family = fam;
	s.path = path;
	return s;
}

Test(filter, parse_and_match)
{
	struct bx_filter f;
	struct store_site a = site(3, "write", "write", "data/a.txt");
	struct store_site b = site(9, "fsync", "sync", "data/a.txt");
	struct store_site c = site(4, "pwrite64", "write", "b.db");

	cr_assert_eq(bx_filter_parse("id=3", &f, err, sizeof(err)), 0);
	cr_assert_eq(f.id_min, 3);
	cr_assert_eq(f.id_max, 3);
	cr_assert(bx_filter_match(&f, &a));
	cr_assert_not(bx_filter_match(&f, &c));
	bx_filter_release(&f);

	cr_assert_eq(bx_filter_parse("id=3-8,family=write", &f, err,
	    sizeof(err)), 0);
	cr_assert(bx_filter_match(&f, &a));
	cr_assert_not(bx_filter_match(&f, &b));
	cr_assert(bx_filter_match(&f, &c));
	bx_filter_release(&f);

	cr_assert_eq(bx_filter_parse("path=*.txt", &f, err, sizeof(err)), 0);
	cr_assert(bx_filter_match(&f, &a));	/* '*' crosses '/' */
	cr_assert(bx_filter_match(&f, &b));
	cr_assert_not(bx_filter_match(&f, &c));
	bx_filter_release(&f);

	cr_assert_eq(bx_filter_parse("syscall=pwrite64,path=b.*", &f, err,
	    sizeof(err)), 0);
	cr_assert_not(bx_filter_match(&f, &a));
	cr_assert(bx_filter_match(&f, &c));
	bx_filter_release(&f);

	cr_assert(bx_filter_match(NULL, &a));
}

Test(filter, malformed_is_an_error)
{
	static const char *bad[] = {
		"", "id", "id=", "=3", "id=0", "id=x", "id=5-3", "id=3-",
		"id=-3", "id=3,id=4", "syscall=wirte", "family=writes",
		"colour=red", "path=a,path=b", "id=3,", ",id=3",
		"id=99999999999999999999",
	};
	struct bx_filter f;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_assert_eq(bx_filter_parse(bad[i], &f, err, sizeof(err)),
		    -EINVAL, "'%s' accepted", bad[i]);
		cr_assert(err[0] != '\0', "no message for '%s'", bad[i]);
		cr_assert_null(f.syscall);
		cr_assert_null(f.path_glob);
	}
}

/* --- verdicts ------------------------------------------------------- */

static const struct bx_oracle_result intact = { BX_ORACLE_EXITED, 0 };
static const struct bx_oracle_result damaged = { BX_ORACLE_EXITED, 1 };
static const struct bx_oracle_result cannot = { BX_ORACLE_EXITED, 125 };
static const struct bx_oracle_result notfound = { BX_ORACLE_EXITED, 127 };
static const struct bx_oracle_result slow = { BX_ORACLE_TIMEOUT, 0 };
static const struct bx_oracle_result killed = { BX_ORACLE_SIGNALED, 9 };
static const struct bx_oracle_result norun = { BX_ORACLE_FAILED, ENOENT };

#define V(f, inj, st, code, o) \
	bx_verdict_name(bx_verdict_classify(REC_FAULT_##f, inj, st, code, &o))

Test(verdict, table)
{
	cr_assert_str_eq(V(TORN, true, REC_EXITED, 0, intact), "ok");
	cr_assert_str_eq(V(TORN, true, REC_EXITED, 0, damaged),
	    "silent-corruption");
	cr_assert_str_eq(V(EIO, true, REC_EXITED, 1, intact), "reported");
	cr_assert_str_eq(V(EIO, true, REC_EXITED, 1, damaged), "corruption");
	cr_assert_str_eq(V(CRASH, true, REC_CRASHED, SIGKILL, intact), "ok");
	cr_assert_str_eq(V(CRASH, true, REC_CRASHED, SIGKILL, damaged),
	    "corruption");
	cr_assert_str_eq(V(EIO, true, REC_SIGNALED, SIGSEGV, intact),
	    "crashed");
	cr_assert_str_eq(V(EIO, true, REC_SIGNALED, SIGABRT, damaged),
	    "corruption");
	cr_assert_str_eq(V(SHORT, true, REC_TIMEOUT, 0, intact), "hang");
	cr_assert_str_eq(V(SHORT, true, REC_TIMEOUT, 0, slow), "hang");
	cr_assert_str_eq(V(EIO, false, REC_EXITED, 0, intact), "unreached");
	cr_assert_str_eq(V(CRASH, false, REC_EXITED, 0, damaged), "unreached");
	cr_assert_str_eq(V(EIO, true, REC_EXITED, 0, cannot), "oracle-error");
	cr_assert_str_eq(V(EIO, true, REC_EXITED, 0, notfound),
	    "oracle-error");
	cr_assert_str_eq(V(EIO, true, REC_EXITED, 0, slow), "oracle-error");
	cr_assert_str_eq(V(EIO, true, REC_EXITED, 0, killed), "oracle-error");
	cr_assert_str_eq(V(EIO, true, REC_EXITED, 0, norun), "oracle-error");
	cr_assert_eq(bx_verdict_classify(REC_FAULT_EIO, true, REC_INTERRUPTED,
	    0, &intact), BX_V_COUNT);
}

Test(verdict, names_and_bugs)
{
	static const char *names[] = { "ok", "reported", "silent-corruption",
		"corruption", "crashed", "hang", "unreached", "oracle-error" };
	static const bool bug[] = { false, false, true, true, true, true,
		false, false };
	int i;

	for (i = 0; i < BX_V_COUNT; i++) {
		cr_assert_str_eq(bx_verdict_name(i), names[i]);
		cr_assert_eq(bx_verdict_parse(names[i]), i);
		cr_assert_eq(bx_verdict_is_bug(i), bug[i]);
	}
	cr_assert_eq(bx_verdict_parse("bug"), -1);
	cr_assert_eq(bx_verdicts_check("silent-corruption,hang", err,
	    sizeof(err)), 0);
	cr_assert_eq(bx_verdicts_check("silent-corruption,hung", err,
	    sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "unknown verdict 'hung'");
	cr_assert_eq(bx_verdicts_check("", err, sizeof(err)), -EINVAL);
}

Test(verdict, status_text)
{
	char buf[32];

	bx_status_format(buf, sizeof(buf), REC_EXITED, 3);
	cr_assert_str_eq(buf, "exit:3");
	bx_status_format(buf, sizeof(buf), REC_SIGNALED, SIGSEGV);
	cr_assert_str_eq(buf, "signal:SEGV");
	bx_status_format(buf, sizeof(buf), REC_TIMEOUT, 0);
	cr_assert_str_eq(buf, "timeout");
	bx_status_format(buf, sizeof(buf), REC_CRASHED, SIGKILL);
	cr_assert_str_eq(buf, "crash");
	cr_assert_eq(bx_status_format(buf, 4, REC_EXITED, 1000), -ENAMETOOLONG);
}

/* --- tails ---------------------------------------------------------- */

Test(tail, keeps_the_last_bytes)
{
	static struct bx_tail t;
	static char big[3 * BX_TAIL_MAX];
	static char text[BX_TAIL_MAX + 1];
	size_t i;

	bx_tail_append(&t, "abc", 3);
	bx_tail_append(&t, "\0de", 3);
	bx_tail_text(&t, text);
	cr_assert_str_eq(text, "abc.de");
	for (i = 0; i < sizeof(big); i++)
		big[i] = 'a' + i % 26;
	for (i = 0; i < sizeof(big); i += 1000)
		bx_tail_append(&t, big + i,
		    i + 1000 > sizeof(big) ? sizeof(big) - i : 1000);
	cr_assert_eq(t.len, BX_TAIL_MAX);
	cr_assert_eq(t.total, 6 + sizeof(big));
	cr_assert_eq(memcmp(t.buf, big + sizeof(big) - BX_TAIL_MAX,
	    BX_TAIL_MAX), 0);
	bx_tail_append(&t, big, sizeof(big));
	cr_assert_eq(memcmp(t.buf, big + sizeof(big) - BX_TAIL_MAX,
	    BX_TAIL_MAX), 0);
}

/*
 * The program's last output line, as the store keeps it: the last line
 * that is not empty once cleaned, after the last carriage return, with
 * escape sequences and control bytes gone, bounded at a UTF-8 boundary.
 */
Test(tail, last_line)
{
	char buf[BX_LAST_LINE_MAX + 1], big[600];

	bx_last_line("one\ntwo\n\n", buf);
	cr_assert_str_eq(buf, "two");
	bx_last_line("\033[32msaved\033[0m\t6 bytes \r\n", buf);
	cr_assert_str_eq(buf, "saved 6 bytes");
	bx_last_line("saving\r 10%\r100%\n", buf);
	cr_assert_str_eq(buf, "100%");
	/* a line of escapes only does not count */
	bx_last_line("done\n\033[0m\033]0;title\007\n", buf);
	cr_assert_str_eq(buf, "done");
	bx_last_line("bell\a and \x01 \xff\xfe bytes\n", buf);
	cr_assert_str_eq(buf, "bell and   bytes");
	bx_last_line("caf\xc3\xa9 \xc2\x85" "C1\n", buf);
	cr_assert_str_eq(buf, "caf\xc3\xa9 C1");
	bx_last_line("", buf);
	cr_assert_str_eq(buf, "");
	bx_last_line(NULL, buf);
	cr_assert_str_eq(buf, "");
	bx_last_line("\n\n\r\n", buf);
	cr_assert_str_eq(buf, "");
	/* at most BX_LAST_LINE_MAX bytes, a character never cut */
	memset(big, 'x', sizeof(big));
	memcpy(big + BX_LAST_LINE_MAX - 1, "\xc3\xa9", 2);
	big[sizeof(big) - 1] = '\0';
	bx_last_line(big, buf);
	cr_assert_eq(strlen(buf), BX_LAST_LINE_MAX - 1);
	cr_assert_eq(strspn(buf, "x"), BX_LAST_LINE_MAX - 1);
}

/* --- the oracle ----------------------------------------------------- */

static char dir[] = "/tmp/badio-test-explorer-XXXXXX";
static char cwd[PATH_MAX];

static void
in_tmp(void)
{
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	cr_assert_eq(chdir(dir), 0);
}

static void
out_tmp(void)
{
	char cmd[PATH_MAX + 16];

	cr_assert_eq(chdir(cwd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(oracle, resolve, .init = in_tmp, .fini = out_tmp)
{
	char want[PATH_MAX + 64];
	char *out;
	FILE *f;

	f = fopen("check.sh", "w");
	cr_assert_not_null(f);
	fclose(f);
	cr_assert_eq(bx_oracle_resolve("./check.sh --strict", &out), 0);
	snprintf(want, sizeof(want), "'%s/check.sh' --strict", dir);
	cr_assert_str_eq(out, want);
	free(out);
	cr_assert_eq(bx_oracle_resolve("./check.sh", &out), 0);
	snprintf(want, sizeof(want), "'%s/check.sh'", dir);
	cr_assert_str_eq(out, want);
	free(out);
	/* commands, absolute paths and shell code are left alone */
	cr_assert_eq(bx_oracle_resolve("test -s data.txt", &out), 0);
	cr_assert_str_eq(out, "test -s data.txt");
	free(out);
	cr_assert_eq(bx_oracle_resolve("/bin/true", &out), 0);
	cr_assert_str_eq(out, "/bin/true");
	free(out);
	cr_assert_eq(bx_oracle_resolve("[ -f x ] && cmp x y", &out), 0);
	cr_assert_str_eq(out, "[ -f x ] && cmp x y");
	free(out);
	/* a path that names nothing is a missing oracle */
	cr_assert_eq(bx_oracle_resolve("./nope.sh", &out), -ENOENT);
	cr_assert_eq(bx_oracle_resolve("/nonexistent/check", &out), -ENOENT);
}

/*
 * The oracle as the store keeps it: a first word naming a file gives its
 * canonical path and the SHA-256 of its content; a command gives none.
 */
Test(oracle, identify, .init = in_tmp, .fini = out_tmp)
{
	char sha[65], want[PATH_MAX + 16];
	char *file;
	FILE *f;

	f = fopen("check.sh", "w");
	cr_assert_not_null(f);
	fputs("abc", f);
	fclose(f);
	cr_assert_eq(bx_oracle_identify("./check.sh --strict", &file, sha), 0);
	snprintf(want, sizeof(want), "%s/check.sh", dir);
	cr_assert_str_eq(file, want);
	/* sha256("abc"), FIPS 180-2 appendix B.1 */
	cr_assert_str_eq(sha, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	free(file);
	cr_assert_eq(bx_oracle_identify("true", &file, sha), 0);
	cr_assert_null(file);
	cr_assert_str_eq(sha, "");
	cr_assert_eq(bx_oracle_identify("test -s ./check.sh", &file, sha), 0);
	cr_assert_null(file);
	cr_assert_eq(bx_oracle_identify("./nope.sh", &file, sha), -ENOENT);
	cr_assert_null(file);
}

/*
 * Only a first word with a slash names a file: files of the current
 * directory named like a builtin or a program in PATH are not run
 * (issue 7: `--oracle 'test -s file'` ran ./test).
 */
Test(oracle, resolve_first_word_without_slash_is_a_command, .init = in_tmp,
    .fini = out_tmp)
{
	static const char *const cmds[] = {
		"test -s data.txt", "[ -s data.txt ]", "cat data.txt",
		"sh -c true", "if true; then :; fi",
	};
	char *out;
	FILE *f;

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char name[16];

		snprintf(name, sizeof(name), "%.*s", (int)strcspn(cmds[i], " "),
		    cmds[i]);
		f = fopen(name, "w");
		cr_assert_not_null(f, "%s", name);
		fclose(f);
		cr_assert_eq(chmod(name, 0755), 0);
		cr_assert_eq(bx_oracle_resolve(cmds[i], &out), 0, "%s", cmds[i]);
		cr_assert_str_eq(out, cmds[i]);
		free(out);
	}
	/* a file here that is no command: the user meant ./check.sh */
	f = fopen("check.sh", "w");
	cr_assert_not_null(f);
	fclose(f);
	cr_assert_eq(bx_oracle_resolve("check.sh --strict", &out), -ENOEXEC);
	cr_assert_null(out);
	/* neither a file nor a command: left to sh (127 in the baseline) */
	cr_assert_eq(bx_oracle_resolve("no-such-command-badio", &out), 0);
	cr_assert_str_eq(out, "no-such-command-badio");
	free(out);
}

static char *env[] = { (char *)"PATH=/usr/bin:/bin", (char *)"X=42", NULL };

Test(oracle, run_exit_and_output, .init = in_tmp, .fini = out_tmp)
{
	struct bx_oracle_result r;
	static struct bx_tail t;
	char text[BX_TAIL_MAX + 1];

	cr_assert_eq(bx_oracle_run("pwd; echo $X >&2; exit 3", dir, env, 0, NULL,
	    &r, &t), 0);
	cr_assert_eq(r.state, BX_ORACLE_EXITED);
	cr_assert_eq(r.code, 3);
	bx_tail_text(&t, text);
	/* mkdtemp's path may differ from getcwd's through symlinks */
	cr_assert(strstr(text, "badio-test-explorer-") != NULL, "%s", text);
	cr_assert(strstr(text, "\n42\n") != NULL, "%s", text);
}

Test(oracle, timeout_kills_the_group, .init = in_tmp, .fini = out_tmp)
{
	struct bx_oracle_result r;
	static struct bx_tail t;

	/* the background sleep holds the pipe: it must die with the group */
	cr_assert_eq(bx_oracle_run("sleep 30 & sleep 30", dir, env, 300, NULL, &r,
	    &t), 0);
	cr_assert_eq(r.state, BX_ORACLE_TIMEOUT);
	cr_assert_eq(bx_oracle_run("sleep 30 & exit 0", dir, env, 5000, NULL, &r,
	    &t), 0);
	cr_assert_eq(r.state, BX_ORACLE_EXITED);
	cr_assert_eq(r.code, 0);
}

Test(oracle, cannot_start, .init = in_tmp, .fini = out_tmp)
{
	struct bx_oracle_result r;
	static struct bx_tail t;

	cr_assert_eq(bx_oracle_run("true", "/nonexistent/dir", env, 0, NULL, &r, &t),
	    0);
	cr_assert_eq(r.state, BX_ORACLE_FAILED);
	cr_assert_eq(r.code, ENOENT);
}

/* An executable file name in the current directory holding text. */
static void
script(const char *name, const char *text)
{
	FILE *f = fopen(name, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	cr_assert_eq(chmod(name, 0755), 0);
}

/* cmd as explore runs it (bx_oracle_resolve), into r and text. */
static void
run_resolved(const char *cmd, int timeout_ms, struct bx_oracle_result *r,
    char *text)
{
	static struct bx_tail t;
	char *run;

	memset(&t, 0, sizeof(t));
	cr_assert_eq(bx_oracle_resolve(cmd, &run), 0, "%s", cmd);
	cr_assert_eq(bx_oracle_run(run, dir, env, timeout_ms, NULL, r, &t), 0,
	    "%s", cmd);
	free(run);
	bx_tail_text(&t, text);
}

/* The lines of text in order, so that two environments compare. */
static int
cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
sort_lines(char *text)
{
	char *lines[64], *copy = strdup(text), *save = NULL;
	size_t n = 0;

	for (char *l = strtok_r(copy, "\n", &save); l && n < 64;
	    l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	qsort(lines, n, sizeof(lines[0]), cmp_line);
	text[0] = '\0';
	for (size_t i = 0; i < n; i++)
		strcat(strcat(text, lines[i]), "\n");
	free(copy);
}

/*
 * A simple command runs without sh, with sh's result: each of these,
 * run as it is (directly) and with " ;" (through sh -c), must give the
 * same state, code and output.  The output of env is compared sorted
 * (dash exports in its own order).
 */
Test(oracle, direct_as_sh, .init = in_tmp, .fini = out_tmp)
{
	static const struct {
		const char	*cmd;
		int		state;
		int		code;
		const char	*text;	/* NULL: not checked but equal */
	} cases[] = {
		{ "./exit7.sh a", BX_ORACLE_EXITED, 7, "a\n" },
		{ "./noshebang.sh x 'y z'", BX_ORACLE_EXITED, 5, NULL },
		{ "cmp same same", BX_ORACLE_EXITED, 0, "" },
		{ "cmp same other", BX_ORACLE_EXITED, 1, NULL },
		{ "./segv.sh", BX_ORACLE_EXITED, 128 + SIGSEGV,
		    "Segmentation fault\n" },
		{ "./pipe.sh", BX_ORACLE_EXITED, 128 + SIGPIPE, "" },
		{ "./notexec", BX_ORACLE_EXITED, 126, NULL },
		{ "./badinterp.sh", BX_ORACLE_EXITED, 127, NULL },
		{ "env", BX_ORACLE_EXITED, 0, NULL },
	};
	static const struct rlimit nocore = { 0, 0 };
	char direct[BX_TAIL_MAX + 1], viash[BX_TAIL_MAX + 1];
	char cmd[128], want[PATH_MAX + 64];
	struct bx_oracle_result r, s;

	cr_assert_eq(setrlimit(RLIMIT_CORE, &nocore), 0);
	script("exit7.sh", "#!/bin/sh\necho $1; exit 7\n");
	script("noshebang.sh", "echo \"$0|$1|$2\"; exit 5\n");
	script("segv.sh", "#!/bin/sh\nkill -SEGV $$\n");
	script("pipe.sh", "#!/bin/sh\nkill -PIPE $$\n");
	script("badinterp.sh", "#!/nonexistent/interp\n");
	script("same", "1\n");
	script("other", "2\n");
	script("notexec", "exit 0\n");
	cr_assert_eq(chmod("notexec", 0644), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_resolved(cases[i].cmd, 0, &r, direct);
		snprintf(cmd, sizeof(cmd), "%s ;", cases[i].cmd);
		run_resolved(cmd, 0, &s, viash);
		if (strcmp(cases[i].cmd, "env") == 0) {
			sort_lines(direct);
			sort_lines(viash);
		}
		cr_assert_eq(r.state, cases[i].state, "%s", cases[i].cmd);
		cr_assert_eq(r.code, cases[i].code, "%s: %d", cases[i].cmd,
		    r.code);
		cr_assert_eq(s.state, r.state, "%s", cases[i].cmd);
		cr_assert_eq(s.code, r.code, "%s", cases[i].cmd);
		cr_assert_str_eq(direct, viash, "%s", cases[i].cmd);
		if (cases[i].text)
			cr_assert_str_eq(direct, cases[i].text, "%s",
			    cases[i].cmd);
	}
	/* sh's own words for what it could not run, the path as given */
	run_resolved("./notexec", 0, &r, direct);
	cr_assert(strstr(direct, "/notexec: Permission denied\n") != NULL, "%s",
	    direct);
	run_resolved("./badinterp.sh", 0, &r, direct);
	cr_assert(strstr(direct, "/badinterp.sh: not found\n") != NULL, "%s",
	    direct);
	/* a script without #! is /bin/sh FILE ARGS: $0 is the file */
	run_resolved("./noshebang.sh x 'y z'", 0, &r, direct);
	cr_assert_not_null(realpath("noshebang.sh", want));
	strcat(want, "|x|y z\n");
	cr_assert_str_eq(direct, want);
	/* PWD as sh exports it: the run directory's real path */
	run_resolved("env", 0, &r, direct);
	cr_assert_not_null(realpath(dir, want + 4));
	memcpy(want, "PWD=", 4);
	strcat(want, "\n");
	cr_assert(strstr(direct, want) != NULL, "%s", direct);
	cr_assert(strstr(direct, "X=42\n") != NULL, "%s", direct);
}

/* Whose child the oracle is: ours for a simple command, sh's otherwise. */
Test(oracle, direct_has_no_sh, .init = in_tmp, .fini = out_tmp)
{
	char text[BX_TAIL_MAX + 1], want[32];
	struct bx_oracle_result r;
	FILE *f = fopen("/proc/self/comm", "r");

	cr_assert_not_null(f);
	cr_assert_not_null(fgets(want, sizeof(want), f));
	fclose(f);
	script("parent.sh", "#!/bin/sh\ncat /proc/$PPID/comm\n");
	run_resolved("./parent.sh", 0, &r, text);
	cr_assert_str_eq(text, want);
	/* so is the first word found in PATH, arguments and all */
	run_resolved("sh ./parent.sh", 0, &r, text);
	cr_assert_str_eq(text, want);
	run_resolved("./parent.sh ;", 0, &r, text);
	cr_assert_str_eq(text, "sh\n");
	run_resolved("./parent.sh | cat", 0, &r, text);
	cr_assert_str_eq(text, "sh\n");
	/* single quotes, as bx_oracle_resolve writes a path, are words */
	run_resolved("'./parent.sh'", 0, &r, text);
	cr_assert_str_eq(text, want);
	run_resolved("./parent.sh $X", 0, &r, text);
	cr_assert_str_eq(text, "sh\n");
}

/* A direct oracle's background child is killed with it; a slow one times out. */
Test(oracle, direct_kills_and_times_out, .init = in_tmp, .fini = out_tmp)
{
	char text[BX_TAIL_MAX + 1], buf[32];
	struct bx_oracle_result r;
	pid_t pid;
	FILE *f;

	script("bg.sh", "#!/bin/sh\nsleep 30 &\necho $! > bg.pid\nexit 3\n");
	run_resolved("./bg.sh", 5000, &r, text);
	cr_assert_eq(r.state, BX_ORACLE_EXITED);
	cr_assert_eq(r.code, 3);
	f = fopen("bg.pid", "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	pid = (pid_t)atoi(buf);
	cr_assert_gt(pid, 0);
	cr_assert_eq(kill(pid, 0), -1, "the background sleep %d lives", pid);
	cr_assert_eq(errno, ESRCH);
	run_resolved("sleep 30", 300, &r, text);
	cr_assert_eq(r.state, BX_ORACLE_TIMEOUT);
	script("slow.sh", "#!/bin/sh\nsleep 30\n");
	run_resolved("./slow.sh", 300, &r, text);
	cr_assert_eq(r.state, BX_ORACLE_TIMEOUT);
}

/* --- --per-callsite: which sites of a group are kept ------------------- */

static void
assert_pick(size_t m, unsigned n, const char *want)
{
	bool keep[64];
	char got[65];
	size_t i, k;

	k = bx_prune_pick(m, n, keep);
	for (i = 0; i < m; i++)
		got[i] = keep[i] ? 'x' : '.';
	got[m] = '\0';
	cr_assert_str_eq(got, want, "m=%zu n=%u", m, n);
	for (i = 0; *want; want++)
		i += *want == 'x';
	cr_assert_eq(k, i, "m=%zu n=%u", m, n);
}

Test(prune, first_last_and_spread)
{
	assert_pick(5, 0, "xxxxx");
	assert_pick(3, 5, "xxx");
	assert_pick(6, 1, "x.....");
	assert_pick(50, 2, "x................................................x");
	assert_pick(7, 3, "x..x..x");
	assert_pick(10, 4, "x..x..x..x");
	assert_pick(4, 3, "x.xx");
}

/* Which sites the divergence check compares: named files and O_TMPFILEs. */
Test(divergence, compared_paths)
{
	unsigned reg = 1u << REC_KIND_REGULAR;

	cr_assert(div_compared(reg, REC_KIND_REGULAR, "data.txt"));
	cr_assert(div_compared(reg, REC_KIND_REGULAR, "./<stdout>"));
	cr_assert(div_compared(reg, REC_KIND_REGULAR, "<tmpfile:.:1>"));
	cr_assert(div_compared(reg, REC_KIND_REGULAR, "<tmpfile:/tmp:2>"));
	cr_assert_not(div_compared(reg, REC_KIND_REGULAR, "<stdout>"));
	cr_assert_not(div_compared(reg, REC_KIND_REGULAR, "<fd 4>"));
	cr_assert_not(div_compared(reg, REC_KIND_DIR, "."));
	cr_assert_not(div_compared(reg, REC_KIND_REGULAR, NULL));
	cr_assert(rec_path_is_tmpfile("<tmpfile:.:1>"));
	cr_assert_not(rec_path_is_tmpfile("./<tmpfile:.:1>"));
}

/*
 * What re-runs are given for names: the names the sites created, in seq
 * order with their call sites, and every path and path2 once, sorted.
 */
Test(names, creation_sequence_and_known_paths)
{
	static const struct {
		const char *path, *path2, *creates;
		int64_t callsite;
	} rows[] = {
		{ "sedA", NULL, "sedA", 7 },
		{ "sedA", NULL, NULL, 8 },
		{ "sedA", "f.txt", NULL, 9 },
		{ "lock", NULL, "lock", 7 },
		{ "lock", "f.txt", "f.txt", 9 },
	};
	struct plan p;

	memset(&p, 0, sizeof(p));
	p.nsites = sizeof(rows) / sizeof(rows[0]);
	p.sites = calloc(p.nsites, sizeof(*p.sites));
	cr_assert_not_null(p.sites);
	for (size_t i = 0; i < p.nsites; i++) {
		p.sites[i].job.path = strdup(rows[i].path);
		p.sites[i].path2 = rows[i].path2 ? strdup(rows[i].path2) : NULL;
		p.sites[i].creates = rows[i].creates ? strdup(rows[i].creates) :
		    NULL;
		p.sites[i].job.callsite = rows[i].callsite;
	}
	cr_assert_eq(plan_names_build(&p), 0);
	cr_assert_eq(p.ncreated, 3);
	cr_assert_str_eq(p.created[0].path, "sedA");
	cr_assert_eq(p.created[0].callsite, 7);
	cr_assert_str_eq(p.created[1].path, "lock");
	cr_assert_str_eq(p.created[2].path, "f.txt");
	cr_assert_eq(p.created[2].callsite, 9);
	cr_assert_eq(p.nknown, 3);
	cr_assert_str_eq(p.known[0], "f.txt");
	cr_assert_str_eq(p.known[1], "lock");
	cr_assert_str_eq(p.known[2], "sedA");
	plan_release(&p);
}

/* --- the CPU of a run (explorer/cpu.c) ------------------------------ */

/* /proc/interrupts of a 2-CPU VM whose disk (irqs 35, 36) talks to CPU 1 */
static const char interrupts[] =
    "           CPU0       CPU1       \n"
    " 26:          0         15  IO-APIC   4-edge      ttyS0\n"
    " 35:          0          1  PCI-MSIX-0000:00:02.0   0-edge  virtio1-config\n"
    " 36:          7      70395  PCI-MSIX-0000:00:02.0   1-edge  virtio1-req.0\n"
    " 41:       2000          0  PCI-MSIX-0000:00:04.0   1-edge  virtio3-rx\n"
    "NMI:          0          0   Non-maskable interrupts\n"
    "LOC:      76060      78063   Local timer interrupts\n";

static int
busiest(const int *irqs, int n, int allowed_mask)
{
	cpu_set_t set;
	FILE *f = fmemopen((void *)interrupts, sizeof(interrupts) - 1, "r");
	int cpu;

	cr_assert_not_null(f);
	CPU_ZERO(&set);
	for (int c = 0; c < 2; c++)
		if (allowed_mask & (1 << c))
			CPU_SET(c, &set);
	cpu = bx_busiest_cpu(f, irqs, n, &set);
	fclose(f);
	return cpu;
}

Test(cpu, the_disks_interrupts_choose_the_cpu)
{
	static const int disk[] = { 35, 36 }, net[] = { 41 }, none[] = { 99 };

	cr_assert_eq(busiest(disk, 2, 3), 1, "the disk's CPU");
	cr_assert_eq(busiest(net, 1, 3), 0, "another device's");
	cr_assert_eq(busiest(disk, 2, 1), 0, "CPU 1 not allowed: CPU 0 took 7");
	cr_assert_eq(busiest(none, 1, 3), -1, "no such interrupt");
	cr_assert_eq(busiest(net, 1, 2), -1, "none on the allowed CPU");
}

/* A directory on no block device (procfs): the first allowed CPU. */
Test(cpu, no_disk_means_the_first_cpu)
{
	cr_assert_eq(bx_run_cpu("/proc", 0), bx_nth_cpu(0));
	cr_assert_eq(bx_run_cpu("/proc", 1), bx_nth_cpu(1));
}

/* No site at all (a run that made none): an empty index, no array needed. */
Test(divergence, index_of_no_sites)
{
	struct div_index ix;

	cr_assert_eq(div_index_build(NULL, 0, &ix), 0);
	cr_assert_eq(ix.n, 0);
	cr_assert(ix.threads_known);
	cr_assert_not_null(ix.by_key);
	div_index_release(&ix);
}
