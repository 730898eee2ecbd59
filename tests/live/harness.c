/*
 * harness.c - the shared part of the live tests of the badio binary; see
 * harness.h.  Compiled into each live test by tests/CMakeLists.txt, not
 * a test of its own.  Programs are started with fork and execve, never
 * through a shell.
 */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

char tmp[256];
char db_path[300];
struct run r;

/* Strings handed out by dump() and q_dump(), freed at teardown. */
static char **owned;
static size_t n_owned, cap_owned;

static const char *
own(char *s)
{
	if (n_owned == cap_owned) {
		cap_owned = 2 * cap_owned + 16;
		owned = realloc(owned, cap_owned * sizeof(*owned));
		cr_assert_not_null(owned);
	}
	owned[n_owned++] = s;
	return s;
}

/* --- fixtures ---------------------------------------------------------- */

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

void
harness_setup(const char *name, const char *dbname)
{
	const char *allow = getenv("BADIO_TEST_ALLOW_SKIP");
	const char *tmpdir = getenv("TMPDIR");

	if (!ptrace_works()) {
		if (allow && !strcmp(allow, "1"))
			cr_skip_test("ptrace is not available here");
		cr_assert_fail("ptrace is not available: live tests cannot "
		    "run (set BADIO_TEST_ALLOW_SKIP=1 to skip them outside CI)");
	}
	/* TMPDIR as badio's own scratch directories: both on one file system */
	cr_assert_lt((size_t)snprintf(tmp, sizeof(tmp),
	    "%s/badio-test-%s-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp",
	    name), sizeof(tmp));
	cr_assert_not_null(mkdtemp(tmp), "mkdtemp: %s", strerror(errno));
	cr_assert_eq(chdir(tmp), 0);
	cr_assert_lt((size_t)snprintf(db_path, sizeof(db_path), "%s/%s", tmp,
	    dbname), sizeof(db_path));
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

void
harness_teardown(void)
{
	size_t i;

	if (chdir("/") == 0 && tmp[0])
		nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(r.out);
	free(r.err);
	memset(&r, 0, sizeof(r));
	for (i = 0; i < n_owned; i++)
		free(owned[i]);
	free(owned);
	owned = NULL;
	n_owned = cap_owned = 0;
}

/* --- running programs -------------------------------------------------- */

pid_t
start(const char *const argv[], const char *const envp[], const char *cwd,
      int *out_fd, int *err_fd)
{
	pid_t parent = getpid();
	int po[2], pe[2], nul;
	pid_t pid;

	cr_assert_eq(pipe2(po, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(pe, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		/*
		 * SIGKILL when the test process dies: a Criterion timeout
		 * then leaves no badio behind, and badio's EXITKILL takes
		 * its tracees with it.  The programs check their own fd
		 * numbers, so nothing but 0, 1 and 2 stays open.
		 */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 ||
		    getppid() != parent)
			_exit(126);
		nul = open("/dev/null", O_RDONLY);
		if (nul < 0 || dup2(nul, 0) < 0 || dup2(po[1], 1) < 0 ||
		    dup2(pe[1], 2) < 0)
			_exit(126);
		close_range(3, ~0U, 0);
		if (cwd && chdir(cwd) < 0)
			_exit(126);
		execve(argv[0], (char *const *)argv,
		       envp ? (char *const *)envp : environ);
		_exit(127);
	}
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
	size_t *len[2] = { &res->outlen, &res->errlen };
	size_t cap[2] = { 0, 0 };
	int open_fds = 2, i;

	while (open_fds > 0) {
		if (poll(pfd, 2, -1) < 0) {
			cr_assert(errno == EINTR, "poll: %s", strerror(errno));
			continue;
		}
		for (i = 0; i < 2; i++) {
			ssize_t n;

			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			if (*len[i] + 4096 + 1 > cap[i]) {
				cap[i] = 2 * cap[i] + 8192;
				*buf[i] = realloc(*buf[i], cap[i]);
				cr_assert_not_null(*buf[i]);
			}
			n = read(pfd[i].fd, *buf[i] + *len[i], 4096);
			if (n <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open_fds--;
				continue;
			}
			*len[i] += n;
		}
	}
	for (i = 0; i < 2; i++) {
		if (!*buf[i])
			*buf[i] = calloc(1, 1);
		else
			(*buf[i])[*len[i]] = '\0';
		cr_assert_not_null(*buf[i]);
	}
}

static int
wait_status(pid_t pid)
{
	int st;

	cr_assert_eq(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

int
finish(pid_t pid, int out_fd, int err_fd, struct run *res)
{
	free(res->out);
	free(res->err);
	memset(res, 0, sizeof(*res));
	drain(out_fd, err_fd, res);
	res->status = wait_status(pid);
	return res->status;
}

int
run_argv(const char *const argv[], const char *const envp[], const char *cwd,
	 struct run *res)
{
	int out_fd, err_fd;
	pid_t pid;

	pid = start(argv, envp, cwd, &out_fd, &err_fd);
	return finish(pid, out_fd, err_fd, res);
}

int
badio(const char *first, ...)
{
	const char *argv[MAX_ARGS] = { BADIO_EXE };
	const char *s;
	int argc = 1;
	va_list ap;

	va_start(ap, first);
	for (s = first; s; s = va_arg(ap, const char *)) {
		cr_assert_lt(argc, MAX_ARGS - 1);
		argv[argc++] = s;
	}
	va_end(ap);
	argv[argc] = NULL;
	return run_argv(argv, NULL, tmp, &r);
}

void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* --- reading the database ---------------------------------------------- */

static sqlite3 *
open_ro(const char *path)
{
	sqlite3 *db;
	int rc;

	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	cr_assert_eq(rc, SQLITE_OK, "open %s: %s", path, sqlite3_errstr(rc));
	sqlite3_busy_timeout(db, 5000);
	return db;
}

sqlite3 *
db_open(void)
{
	return open_ro(db_path);
}

static sqlite3_stmt *
prepare(sqlite3 *db, const char *sql, va_list ap)
{
	sqlite3_stmt *st;
	const char *p;
	int i = 1;

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK,
		     "%s: %s", sql, sqlite3_errmsg(db));
	while ((p = va_arg(ap, const char *)))
		sqlite3_bind_text(st, i++, p, -1, SQLITE_TRANSIENT);
	return st;
}

long long
q_int(sqlite3 *db, const char *sql, ...)
{
	sqlite3_stmt *st;
	long long v;
	va_list ap;

	va_start(ap, sql);
	st = prepare(db, sql, ap);
	va_end(ap);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "no row: %s", sql);
	cr_assert_neq(sqlite3_column_type(st, 0), SQLITE_NULL, "NULL: %s", sql);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The rows of st as text (see q_dump), malloc'd; st is finalized. */
static char *
rows(sqlite3 *db, sqlite3_stmt *st, const char *sql)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc, i;

	cr_assert_not_null(f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < sqlite3_column_count(st); i++) {
			const unsigned char *t = sqlite3_column_text(st, i);

			fprintf(f, "%s%s", i ? " " : "",
			    t ? (const char *)t : "-");
		}
		fputc('\n', f);
	}
	cr_assert_eq(rc, SQLITE_DONE, "%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	cr_assert_eq(fclose(f), 0);
	return buf;
}

const char *
q_dump(sqlite3 *db, const char *sql, ...)
{
	sqlite3_stmt *st;
	va_list ap;

	va_start(ap, sql);
	st = prepare(db, sql, ap);
	va_end(ap);
	return own(rows(db, st, sql));
}

/* dump_db, malloc'd. */
static char *
dump_path(const char *path, const char *sql)
{
	sqlite3 *db = open_ro(path);
	sqlite3_stmt *st;
	char *s;

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	s = rows(db, st, sql);
	sqlite3_close(db);
	return s;
}

const char *
dump_db(const char *path, const char *sql)
{
	return own(dump_path(path, sql));
}

const char *
dump(const char *sql)
{
	return dump_db(db_path, sql);
}

long
count(const char *sql)
{
	char *s = dump_path(db_path, sql);
	long n = atol(s);

	free(s);
	return n;
}

void
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
bool
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

int
count_entries(const char *dir)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0;

	cr_assert_not_null(dp, "%s", dir);
	while ((d = readdir(dp)))
		n += d->d_name[0] != '.';
	closedir(dp);
	return n;
}

const char *
read_text(const char *path)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	cr_assert_geq(n, 0, "%s: %s", path, strerror(errno));
	buf[n] = '\0';
	return buf;
}

long long
size_in(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	cr_assert_lt((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name),
	    sizeof(path));
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

long long
lines_size(int from, int to)
{
	char line[32];
	long long n = 0;

	for (int i = from; i < to; i++)
		n += snprintf(line, sizeof(line), "line %d\n", i);
	return n;
}
