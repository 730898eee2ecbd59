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
	snprintf(tmp, sizeof(tmp), "/tmp/badio-test-explore-XXXXXX");
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

TestSuite(explore, .init = setup, .fini = teardown, .timeout = 180);

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

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

static void
copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY);
	int out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ssize_t n;

	cr_assert(in >= 0 && out >= 0, "copy %s to %s: %s", from, to,
	    strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		cr_assert_eq(write(out, buf, n), n);
	cr_assert_eq(n, 0);
	close(in);
	cr_assert_eq(close(out), 0);
}

/* Does any process's command line contain s?  (Zombies have none.) */
static bool
process_with(const char *s)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	bool found = false;

	cr_assert_not_null(d);
	while (!found && (e = readdir(d))) {
		char path[300], cmd[4096];
		ssize_t n;
		int fd;
		int i;

		if (e->d_name[0] < '0' || e->d_name[0] > '9' ||
		    atoi(e->d_name) == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
		if (n <= 0)
			continue;
		for (i = 0; i < n; i++)
			if (!cmd[i])
				cmd[i] = ' ';
		cmd[n] = '\0';
		found = strstr(cmd, s) != NULL;
	}
	closedir(d);
	return found;
}

/* --- the bundled examples ------------------------------------------- */

Test(explore, naive_writer)
{
	/* a relative oracle path is taken from explore's directory */
	cr_assert_eq(symlink(EXAMPLES "/check_naive.sh", "check.sh"), 0);
	RECORD("--", PROG("explore_naive"));
	EXPLORE_OK("--oracle", "check.sh", "-j", "2");
	ASSERT_VERDICTS(
	    "namespace:data.txt:1 crash corruption crash 1 - 1\n"
	    "namespace:data.txt:1 eio silent-corruption exit:0 1 - 1\n"
	    "write:data.txt:1 crash corruption crash 1 - 1\n"
	    "write:data.txt:1 eio silent-corruption exit:0 1 - 1\n"
	    "write:data.txt:1 short silent-corruption exit:0 1 30 1\n"
	    "write:data.txt:1 torn silent-corruption exit:0 1 30 1\n");
	cr_assert_eq(count("SELECT count(*) FROM bugs"), 6);

	/* --fail-on gates CI; a second run has nothing left to do */
	cr_assert_eq(EXPLORE("--oracle", "check.sh", "--fail-on",
	    "silent-corruption"), 1, "%s", r.err);
	cr_assert_eq(EXPLORE("--oracle", "check.sh", "--fail-on",
	    "crashed,hang"), 0, "%s", r.err);
	cr_assert_eq(count("SELECT count(*) FROM experiments"), 6);

	/* the report: counts, the bugs by call site; --all: by file */
	cr_assert_eq(badio("report", "-d", db, NULL), 0, "%s", r.err);
	cr_assert(strstr(r.out, "naive.c:21 main  data.txt  silent-corruption "
	    "under short, torn, eio at 1 site (id 2)") != NULL, "%s", r.out);
	cr_assert_eq(badio("report", "-d", db, "--all", NULL), 0, "%s", r.err);
	cr_assert(strstr(r.out, "silent-corruption") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "data.txt: write") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "data.txt is damaged: 30 bytes") != NULL,
	    "%s", r.out);
	cr_assert_eq(badio("report", "-d", db, "--format", "csv", NULL), 0);
	cr_assert(strncmp(r.out, "site,seq,syscall,family,path,key,fault,", 39)
	    == 0, "%s", r.out);
	cr_assert(strstr(r.out, "2,2,write,write,data.txt,write:data.txt:1,"
	    "torn,1,30,exit:0,1,silent-corruption,") != NULL, "%s", r.out);
	cr_assert_eq(badio("report", "-d", db, "--format", "json", "--all",
	    NULL), 0);
	cr_assert(strstr(r.out, "\"counts\"") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"experiments\"") != NULL, "%s", r.out);
	cr_assert_eq(badio("report", "-d", db, "--format", "xml", NULL), 2);
}

Test(explore, atomic_writer_has_no_bug)
{
	cr_assert_eq(mkdir("init", 0755), 0);
	write_file("init/data.txt", "badio example: version 1 of this file.\n");
	RECORD("--init", "init", "--", PROG("explore_atomic"));
	EXPLORE_OK("--oracle", EXAMPLES "/check_atomic.sh");
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
	cr_assert_eq(badio("report", "-d", db, NULL), 0);
	cr_assert(strstr(r.out, "no bugs found") != NULL, "%s", r.out);
}

/* --- more writers --------------------------------------------------- */

Test(explore, inplace_rewriter_reports_but_corrupts)
{
	cr_assert_eq(mkdir("init", 0755), 0);
	write_file("init/data.txt", "old version\n");
	RECORD("--init", "init", "--", PROG("explore_inplace"));
	EXPLORE_OK("--oracle",
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
	EXPLORE_OK("--oracle", "printf 'go: every byte of this line must "
	    "reach data.txt\\n' | cmp -s - data.txt");
	ASSERT_VERDICTS(
	    "namespace:data.txt:1 crash corruption crash 1 - 2\n"
	    "namespace:data.txt:1 eio corruption exit:1 1 - 2\n"
	    "write:data.txt:1 crash corruption crash 1 - 1\n"
	    "write:data.txt:1 eio silent-corruption exit:0 1 - 1\n"
	    "write:data.txt:1 short ok exit:0 1 24 0\n"
	    "write:data.txt:1 torn silent-corruption exit:0 1 24 1\n");
}

Test(explore, python_writer)
{
	/* no .pyc writes: they would be sites of their own */
	setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
	RECORD("--", PYTHON3, PROGS_SRC "/explore_py.py");
	EXPLORE_OK("--oracle", "printf 'python: every byte of this line must "
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
	EXPLORE_OK("--oracle", THREADS_ORACLE);
	ASSERT_VERDICTS(threads_want);
}

Test(explore, forking_writer)
{
	RECORD("--", PROG("explore_fork"));
	EXPLORE_OK("--oracle", "test \"$BADIO_STATUS\" != exit:0 || { "
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
	EXPLORE_OK("--oracle", "test \"$BADIO_STATUS\" != exit:0 || "
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
	cr_assert_eq(EXPLORE("--oracle", "./no-such-check.sh"), 2);
	cr_assert(strstr(r.err, "oracle './no-such-check.sh' not found") !=
	    NULL, "%s", r.err);
	cr_assert_eq(count("SELECT count(*) FROM experiments"), 0);
}

Test(explore, oracle_fails_fault_free_run)
{
	RECORD("--", PROG("explore_naive"));
	cr_assert_eq(EXPLORE("--oracle", "echo 'no such thing'; exit 1"), 2);
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
	char *tail = dump("SELECT oracle_tail FROM experiments");

	cr_assert_str_eq(tail, "2 torn write data.txt exit:0 1\n\n");
	free(tail);
}

Test(explore, usage_errors)
{
	RECORD("--", PROG("explore_naive"));
	cr_assert_eq(EXPLORE("--oracle", "true", "--sites", "id=4-2"), 2);
	cr_assert(strstr(r.err, "--sites") != NULL, "%s", r.err);
	cr_assert_eq(EXPLORE("--oracle", "true", "--sites", "colour=red"), 2);
	cr_assert_eq(EXPLORE("--oracle", "true", "--faults", "eio,melt"), 2);
	cr_assert(strstr(r.err, "unknown fault 'melt'") != NULL, "%s", r.err);
	cr_assert_eq(EXPLORE("--oracle", "true", "--fail-on", "bad"), 2);
	cr_assert_eq(EXPLORE("--oracle", "true", "-j", "0"), 2);
	cr_assert_eq(EXPLORE("--faults", "eio"), 2);
	cr_assert(strstr(r.err, "no oracle") != NULL, "%s", r.err);
	cr_assert_eq(badio("explore", "-d", "nope.db", "--oracle", "true",
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
	EXPLORE_OK("--oracle", EXAMPLES "/check_naive.sh", "--sites", "id=1",
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
	const char *argv[] = { BADIO_EXE, "explore", "-q", "-d", db, "-j", "2",
		"--oracle", SLOW_ORACLE, NULL };
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int out_fd, err_fd;
	int tries = 0;
	pid_t pid;

	pid = start(argv, &out_fd, &err_fd);
	while (count("SELECT count(*) FROM experiments") < min) {
		cr_assert_lt(++tries, 1000, "explore made no progress");
		nanosleep(&ts, NULL);
	}
	kill(pid, sig);
	free(r.out);
	free(r.err);
	memset(&r, 0, sizeof(r));
	drain(out_fd, err_fd, &r);
	return wait_status(pid);
}

Test(explore, resume_after_ctrl_c)
{
	long n;

	RECORD("--", PROG("explore_many"), "10");
	cr_assert_eq(interrupt_explore(SIGINT, 5), 130, "%s", r.err);
	cr_assert(strstr(r.err, "interrupted") != NULL, "%s", r.err);
	n = count("SELECT count(*) FROM experiments");
	cr_assert(n >= 5 && n < 42, "%ld experiments", n);
	cr_assert(!process_with(PROG("explore_many")));
	EXPLORE_OK("--oracle", SLOW_ORACLE, "-j", "2");
	cr_assert_eq(count("SELECT count(*) FROM experiments"), 42);
	ASSERT_VERDICTS(many_want);
}

Test(explore, resume_after_kill_9)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	int i;

	RECORD("--", PROG("explore_many"), "10");
	cr_assert_eq(interrupt_explore(SIGKILL, 5), 128 + SIGKILL);
	/* the workers follow their parent (PDEATHSIG), the tracees them */
	for (i = 0; i < 50 && (process_with(db) ||
	    process_with(PROG("explore_many"))); i++)
		nanosleep(&ts, NULL);
	cr_assert(!process_with(db), "a badio worker outlived badio");
	cr_assert(!process_with(PROG("explore_many")), "a tracee outlived badio");
	cr_assert_eq(count("PRAGMA integrity_check"), 0);
	EXPLORE_OK("--oracle", SLOW_ORACLE, "-j", "2");
	cr_assert_eq(count("SELECT count(*) FROM experiments"), 42);
	cr_assert_eq(count("SELECT count(DISTINCT site || fault) FROM "
	    "experiments"), 42);
	ASSERT_VERDICTS(many_want);
}

Test(explore, jobs_2_equals_jobs_1)
{
	char db1[320], db2[320];
	char *a, *b;

	/* one recording, two copies of it */
	RECORD("--", PROG("explore_threads"));
	snprintf(db1, sizeof(db1), "%s/j1.db", tmp);
	snprintf(db2, sizeof(db2), "%s/j2.db", tmp);
	copy_file(db, db1);
	copy_file(db, db2);
	cr_assert_eq(badio("explore", "-q", "-d", db1, "-j", "1", "--oracle",
	    THREADS_ORACLE, NULL), 0, "%s", r.err);
	cr_assert_eq(badio("explore", "-q", "-d", db2, "-j", "2", "--oracle",
	    THREADS_ORACLE, NULL), 0, "%s", r.err);
	a = dump_db(db1, VERDICT_ROWS);
	b = dump_db(db2, VERDICT_ROWS);
	cr_assert_str_eq(a, b, "-j 1:\n%s\n-j 2:\n%s", a, b);
	cr_assert_str_eq(a, threads_want);
	free(a);
	free(b);
}
