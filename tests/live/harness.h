/*
 * harness.h - what the live tests of the badio binary share
 * (test_record.c, test_explore.c, test_callsite.c): a per-test directory
 * under /tmp that is also the current directory, running badio (or any
 * program) to completion with its stdout and stderr captured in r, and
 * reading the database back read-only with SQLite.
 *
 * Strings returned by dump(), dump_db() and q_dump() belong to the
 * harness: they stay valid until the end of the test and are freed by
 * harness_teardown(), so they can go straight into an assertion.
 *
 * The tests need ptrace.  Without it they fail, unless the environment
 * has BADIO_TEST_ALLOW_SKIP=1 (restricted containers; never in CI).
 */
#ifndef BADIO_TESTS_LIVE_HARNESS_H
#define BADIO_TESTS_LIVE_HARNESS_H

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#ifndef BADIO_EXE
#error "BADIO_EXE must be defined by tests/CMakeLists.txt"
#endif

#define PROG(name)	PROGS_DIR "/" name
#define EXAMPLES	PROGS_SRC "/../../examples"
#define MAX_ARGS	64

/* Output and status of one finished command. */
struct run {
	int	status;		/* exit code, or 128 + signal number */
	char	*out;		/* stdout, NUL-terminated */
	size_t	outlen;
	char	*err;		/* stderr, NUL-terminated */
	size_t	errlen;
};

extern char tmp[256];		/* per-test directory, the current one */
extern char db_path[300];	/* the database in tmp */
extern struct run r;		/* the last badio() */

/* --- fixtures ---------------------------------------------------------- */

/*
 * Fail (or skip, see above) without ptrace; else make the directory
 * /tmp/badio-test-NAME-XXXXXX, change into it, and set db_path to
 * DBNAME in it.  For a suite's .init.
 */
void
harness_setup(const char *name, const char *dbname);

/* Leave and remove tmp, free r and every harness-owned string. */
void
harness_teardown(void);

/* --- running programs -------------------------------------------------- */

/*
 * Start argv with stdin from /dev/null, stdout and stderr into pipes, no
 * other fd, in cwd (NULL: this one) with envp (NULL: environ); the
 * child is killed when the test process dies.
 */
pid_t
start(const char *const argv[], const char *const envp[], const char *cwd,
      int *out_fd, int *err_fd);

/* Read out_fd and err_fd to EOF into *res (freed first), reap pid. */
int
finish(pid_t pid, int out_fd, int err_fd, struct run *res);

/* Run argv to completion into *res; returns its status. */
int
run_argv(const char *const argv[], const char *const envp[], const char *cwd,
	 struct run *res);

/* badio ARGS... (NULL-terminated) in tmp, into r; returns the status. */
int __attribute__((sentinel))
badio(const char *first, ...);

/* badio record -q -o db_path ARGS...; must succeed. */
#define RECORD(...) do {						\
	int st_ = badio("record", "-q", "-o", db_path, __VA_ARGS__, NULL); \
	cr_assert_eq(st_, 0, "record: status %d\n%s", st_, r.err);	\
} while (0)

/*
 * The default fault set before power and lost-sync joined it (issue 9):
 * tests whose exact experiment lists predate them pass it to mean what
 * they meant (at each site it gives what applies of it, as the default
 * set did: short, torn, eio, crash for writes; eio, crash for the
 * others; crash at mmap sites; eio at close).
 */
#define PRE_POWER_FAULTS	"short,torn,eio,crash"

/* badio explore -q -d db_path ARGS...; returns the status. */
#define EXPLORE(...)							\
	badio("explore", "-q", "-d", db_path, __VA_ARGS__, NULL)

#define EXPLORE_OK(...) do {						\
	int st_ = EXPLORE(__VA_ARGS__);					\
	cr_assert_eq(st_, 0, "explore: status %d\n%s", st_, r.err);	\
} while (0)

void
write_file(const char *path, const char *text);

/* Copy the file from to to (made, must not exist). */
void
copy_file(const char *from, const char *to);

/* Does any process but this one have s in its command line? */
bool
process_with(const char *s);

/* Entries of dir whose names do not begin with '.'. */
int
count_entries(const char *dir);

/* The first 64 KiB of the file, as text (asserted readable).  Harness-owned:
 * the next call overwrites it. */
const char *
read_text(const char *path);

/* The size of dir/name, -1 if it is not there. */
long long
size_in(const char *dir, const char *name);

/* The bytes of the lines "line FROM\n" .. "line TO-1\n". */
long long
lines_size(int from, int to);

/* --- reading the database ---------------------------------------------- */

/* db_path, read-only. */
sqlite3 *
db_open(void);

/* First column of the only row of sql; text parameters, NULL-terminated. */
long long __attribute__((sentinel))
q_int(sqlite3 *db, const char *sql, ...);

/*
 * Every row of sql as "a b c\n" lines (NULL as "-"); text parameters,
 * NULL-terminated.  Harness-owned.
 */
const char * __attribute__((sentinel))
q_dump(sqlite3 *db, const char *sql, ...);

/* The same for the database at path, opened read-only.  Harness-owned. */
const char *
dump_db(const char *path, const char *sql);

/* dump_db(db_path, sql). */
const char *
dump(const char *sql);

/* The number the first row of sql starts with (0 if none). */
long
count(const char *sql);

#define VERDICT_ROWS \
	"SELECT key, fault, verdict, status, injected, fault_bytes, " \
	"oracle_exit FROM verdicts ORDER BY key, fault"

#define ASSERT_VERDICTS(want) do {					\
	const char *got_ = dump(VERDICT_ROWS);				\
	cr_assert_str_eq(got_, want, "verdicts:\n%s\nwant:\n%s", got_,	\
	    want);							\
} while (0)

#endif /* BADIO_TESTS_LIVE_HARNESS_H */
