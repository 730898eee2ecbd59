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
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef BADIO_EXE
#error "BADIO_EXE must be defined by tests/CMakeLists.txt"
#endif

#define PROG(name)	PROGS_DIR "/" name
#define EXAMPLES	PROGS_SRC "/../../examples"
#define MAX_ARGS	64

extern char **environ;

struct run {
	int	status;		/* exit code, or 128 + signal */
	char	*out;
	char	*err;
};

static char tmp[256];		/* per-test directory, badio's cwd */
static char db[300];		/* tmp/badio.db */
static struct run r;

/* --- fixtures ------------------------------------------------------- */

static bool
ptrace_works(void)
{
	pid_t pid;
	bool ok;
	int st;

	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		raise(SIGSTOP);
		_exit(0);
	}
	waitpid(pid, &st, WSTOPPED);
	ok = ptrace(PTRACE_SEIZE, pid, 0, 0) == 0;
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return ok;
}

static void
setup(void)
{
	const char *allow = getenv("BADIO_TEST_ALLOW_SKIP");

	if (!ptrace_works()) {
		if (allow && !strcmp(allow, "1"))
			cr_skip_test("ptrace is not available here");
		cr_assert_fail("ptrace is not available: live tests cannot "
		    "run (set BADIO_TEST_ALLOW_SKIP=1 to skip them outside CI)");
	}
	snprintf(tmp, sizeof(tmp), "/tmp/badio-test-callsite-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp), "mkdtemp: %s", strerror(errno));
	cr_assert_eq(chdir(tmp), 0);
	snprintf(db, sizeof(db), "%s/badio.db", tmp);
	memset(&r, 0, sizeof(r));
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
teardown(void)
{
	if (chdir("/") == 0 && tmp[0])
		nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(r.out);
	free(r.err);
}

TestSuite(callsite, .init = setup, .fini = teardown, .timeout = 300);

/* --- running badio -------------------------------------------------- */

static pid_t
start(const char *const argv[], int *out_fd, int *err_fd)
{
	posix_spawn_file_actions_t fa;
	int po[2], pe[2];
	pid_t pid;
	int rc;

	cr_assert_eq(pipe2(po, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(pe, O_CLOEXEC), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv,
	    environ);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(rc, 0, "posix_spawn %s: %s", argv[0], strerror(rc));
	close(po[1]);
	close(pe[1]);
	*out_fd = po[0];
	*err_fd = pe[0];
	return pid;
}

static void
drain(int out_fd, int err_fd, struct run *res)
{
	struct pollfd pfd[2] = { { out_fd, POLLIN, 0 }, { err_fd, POLLIN, 0 } };
	char **buf[2] = { &res->out, &res->err };
	size_t len[2] = { 0, 0 };
	size_t cap[2] = { 0, 0 };
	int open_fds = 2;
	int i;

	while (open_fds > 0) {
		if (poll(pfd, 2, -1) < 0) {
			cr_assert(errno == EINTR, "poll: %s", strerror(errno));
			continue;
		}
		for (i = 0; i < 2; i++) {
			ssize_t n;

			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			if (len[i] + 4096 + 1 > cap[i]) {
				cap[i] = 2 * cap[i] + 8192;
				*buf[i] = realloc(*buf[i], cap[i]);
				cr_assert_not_null(*buf[i]);
			}
			n = read(pfd[i].fd, *buf[i] + len[i], 4096);
			if (n <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open_fds--;
				continue;
			}
			len[i] += n;
		}
	}
	for (i = 0; i < 2; i++) {
		if (!*buf[i])
			*buf[i] = calloc(1, 1);
		else
			(*buf[i])[len[i]] = '\0';
	}
}

static int
wait_status(pid_t pid)
{
	int st;

	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

static int
collect(const char **argv, int argc, const char *first, va_list ap)
{
	const char *s;

	for (s = first; s; s = va_arg(ap, const char *)) {
		cr_assert_lt(argc, MAX_ARGS - 1);
		argv[argc++] = s;
	}
	argv[argc] = NULL;
	return argc;
}

/* badio ARGS... (NULL-terminated) to completion, into r. */
static int __attribute__((sentinel))
badio(const char *first, ...)
{
	const char *argv[MAX_ARGS] = { BADIO_EXE };
	int out_fd, err_fd;
	va_list ap;
	pid_t pid;

	va_start(ap, first);
	collect(argv, 1, first, ap);
	va_end(ap);
	free(r.out);
	free(r.err);
	memset(&r, 0, sizeof(r));
	pid = start(argv, &out_fd, &err_fd);
	drain(out_fd, err_fd, &r);
	r.status = wait_status(pid);
	return r.status;
}

/* badio record -q -o db ARGS...; must succeed. */
#define RECORD(...) do {						\
	int st_ = badio("record", "-q", "-o", db, __VA_ARGS__, NULL);	\
	cr_assert_eq(st_, 0, "record: status %d\n%s", st_, r.err);	\
} while (0)

/* badio explore -q -d db ARGS...; returns the status. */
#define EXPLORE(...) badio("explore", "-q", "-d", db, __VA_ARGS__, NULL)

#define EXPLORE_OK(...) do {						\
	int st_ = EXPLORE(__VA_ARGS__);					\
	cr_assert_eq(st_, 0, "explore: status %d\n%s", st_, r.err);	\
} while (0)

/* --- reading the database ------------------------------------------- */

/* Every row of sql as "a b c\n" lines (NULL as "-"); malloc'd. */
static char *
dump_db(const char *path, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc, i;

	cr_assert_not_null(f);
	cr_assert_eq(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(h));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < sqlite3_column_count(st); i++) {
			const unsigned char *t = sqlite3_column_text(st, i);

			fprintf(f, "%s%s", i ? " " : "", t ? (const char *)t : "-");
		}
		fputc('\n', f);
	}
	cr_assert_eq(rc, SQLITE_DONE, "%s", sqlite3_errmsg(h));
	sqlite3_finalize(st);
	sqlite3_close(h);
	fclose(f);
	return buf;
}

static char *
dump(const char *sql)
{
	return dump_db(db, sql);
}

static long
count(const char *sql)
{
	char *s = dump(sql);
	long n = atol(s);

	free(s);
	return n;
}

#define VERDICT_ROWS \
	"SELECT key, fault, verdict, status, injected, fault_bytes, " \
	"oracle_exit FROM verdicts ORDER BY key, fault"

#define ASSERT_VERDICTS(want) do {					\
	char *got_ = dump(VERDICT_ROWS);				\
	cr_assert_str_eq(got_, want, "verdicts:\n%s\nwant:\n%s", got_,	\
	    want);							\
	free(got_);							\
} while (0)


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
	char *first, *second;

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

	cr_assert_eq(unlink(db), 0);
	RECORD("--", prog, "50");
	second = dump(WRITE_CALLSITES);
	cr_assert_str_eq(first, second, "%s: ids changed between two "
	    "recordings:\n%s\nthen:\n%s", prog, first, second);
	free(first);
	free(second);
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
	cr_assert_eq(badio("sites", "-d", db, "--stacks", NULL), 0, "%s",
	    r.err);
	for (i = 0; i < 3; i++)
		cr_assert(strstr(r.out, want[i]), "no '%s' in:\n%s", want[i],
		    r.out);

	/* the same with full stacks */
	cr_assert_eq(unlink(db), 0);
	RECORD("--stacks", "--", PROG("cs_sites_g"), "5");
	cr_assert_eq(count("SELECT count(*) FROM callsites WHERE unwound = 0"),
	    0);
	cr_assert_eq(badio("sites", "-d", db, "--stacks", NULL), 0, "%s",
	    r.err);
	for (i = 0; i < 3; i++)
		cr_assert(strstr(r.out, want[i]), "no '%s' in:\n%s", want[i],
		    r.out);
	cr_assert(strstr(r.out, "main (cs_sites.c:"), "%s", r.out);

	/* the report names the user's line for each bug group */
	EXPLORE_OK("--oracle", ORACLE_FAULT_IS_BUG, "--faults", "eio",
	    "--sites", "family=write", "--per-callsite", "1");
	cr_assert_eq(count("SELECT count(*) FROM experiments"), 3);
	cr_assert_eq(badio("report", "-d", db, NULL), 0, "%s", r.err);
	for (i = 0; i < 3; i++) {
		char loc[64];

		snprintf(loc, sizeof(loc), "cs_sites.c:%d %s",
		    source_line(mark[i]), fn[i]);
		cr_assert(strstr(r.out, loc), "no '%s' in:\n%s", loc, r.out);
	}
	cr_assert(strstr(r.out, "corruption under eio at 1 site"), "%s", r.out);
	cr_assert(strstr(r.out, "not explored"), "%s", r.out);

	/* CSV and JSON carry the id and the location */
	cr_assert_eq(badio("report", "-d", db, "--format", "csv", NULL), 0);
	cr_assert(strstr(r.out, ",callsite,location\n"), "%s", r.out);
	snprintf(want[0], sizeof(want[0]), ",cs_sites.c:%d site_a\n",
	    source_line("/* WRITE_A */"));
	cr_assert(strstr(r.out, want[0]), "no '%s' in:\n%s", want[0], r.out);
	cr_assert_eq(badio("report", "-d", db, "--format", "json", NULL), 0);
	cr_assert(strstr(r.out, "\"groups\":[{\"callsite\":"), "%s", r.out);
	snprintf(want[0], sizeof(want[0]), "\"location\":\"cs_sites.c:%d "
	    "site_b\"", source_line("/* WRITE_B */"));
	cr_assert(strstr(r.out, want[0]), "no '%s' in:\n%s", want[0], r.out);
	cr_assert(strstr(r.out, "\"not_explored\":"), "%s", r.out);
}

Test(callsite, go_stacks_name_go_functions)
{
	RECORD("--stacks", "--", PROG("cs_go"));
	cr_assert_eq(badio("sites", "-d", db, "--stacks", NULL), 0, "%s",
	    r.err);
	cr_assert(strstr(r.out, "main.writeA"), "%s", r.out);
	cr_assert(strstr(r.out, "main.main"), "%s", r.out);

	/* the report's location skips os. and internal/poll. for main. */
	EXPLORE_OK("--oracle", ORACLE_FAULT_IS_BUG, "--faults", "eio",
	    "--sites", "family=write,path=data.txt", "--per-callsite", "1");
	cr_assert_eq(badio("report", "-d", db, NULL), 0, "%s", r.err);
	cr_assert(strstr(r.out, "\nmain.writeA"), "%s", r.out);
}

/*
 * Each of the three Go functions is its own call site.  (Fails as of
 * this writing: the stack scan stops inside os and internal/poll, so
 * every os.File.Write of a Go program gets one id.)
 */
Test(callsite, go_call_sites_are_distinct)
{
	RECORD("--stacks", "--", PROG("cs_go"));
	cr_assert_eq(count("SELECT count(DISTINCT callsite) FROM sites "
	    "WHERE family = 'write' AND path = 'data.txt'"), 3, "%s",
	    dump(WRITE_CALLSITES));
	cr_assert_eq(badio("sites", "-d", db, "--stacks", NULL), 0, "%s",
	    r.err);
	cr_assert(strstr(r.out, "main.writeB"), "%s", r.out);
	cr_assert(strstr(r.out, "main.writeC"), "%s", r.out);
}

/* --- explore --per-callsite, --callsite ---------------------------------- */

Test(callsite, per_callsite_two)
{
	RECORD("--", PROG("cs_sites"), "50");
	cr_assert_eq(badio("explore", "-d", db, "--oracle", "true",
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
	cr_assert_eq(badio("report", "-d", db, NULL), 0, "%s", r.err);
	cr_assert(strstr(r.out, "not explored"), "%s", r.out);
	cr_assert(strstr(r.out, "576"), "%s", r.out);
	cr_assert_eq(badio("report", "-d", db, "--all", "--format", "csv",
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
	char *s;

	RECORD("--", PROG("cs_sites"), "10");
	s = dump("SELECT callsite FROM sites WHERE key = 'write:data.txt:2'");
	snprintf(id, sizeof(id), "%.*s", (int)strcspn(s, "\n"), s);
	free(s);
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
	cr_assert_eq(EXPLORE("--oracle", "true", "--callsite", "12345"), 2);
	cr_assert(strstr(r.err, "no recorded site has call site 12345"), "%s",
	    r.err);
	cr_assert_eq(EXPLORE("--oracle", "true", "--callsite", "abc"), 2);
	cr_assert_eq(EXPLORE("--oracle", "true", "--per-callsite", "0"), 2);
}

/* --- divergence -------------------------------------------------------- */

Test(callsite, random_order_is_flagged_diverged)
{
	long diverged;

	RECORD("--", PROG("cs_random"));
	cr_assert_eq(badio("explore", "-d", db, "--oracle", "true", "-j", "2",
	    NULL), 0, "%s", r.err);
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
	cr_assert_eq(badio("report", "-d", db, NULL), 0, "%s", r.err);
	cr_assert(strstr(r.out, "diverged from the recording"), "%s", r.out);
	cr_assert(strstr(r.out, "site "), "%s", r.out);
	cr_assert_eq(badio("report", "-d", db, "--format", "json", NULL), 0);
	cr_assert(strstr(r.out, "\"diverged\":"), "%s", r.out);
}
