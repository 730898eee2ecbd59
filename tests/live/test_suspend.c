/*
 * test_suspend.c - the filters suspended after the fault (rec_opts
 * suspend_after_fault, recorder/suspend.c, docs/ptrace.md "Suspending
 * the filter"): with CAP_SYS_ADMIN, once the target is broken and
 * reported, each task runs on with PTRACE_O_SUSPEND_SECCOMP: no stop at
 * all, not even a fast one.
 *
 *   - the recorder called directly on tests/progs/fp_goon.c: no stop
 *     after the fault, every write reaches its file, the processes
 *     forked after it inherit the suspension and are still waited for;
 *     without CAP_SYS_ADMIN, or with BADIO_NO_SUSPEND, the fast path as
 *     before;
 *   - tests/progs/sus_filter.c: a program with a filter of its own is
 *     never suspended (its filter still denies mkdir after the fault);
 *     one that installs a filter after the fault and execs gets it back
 *     at the exec;
 *   - the badio binary: the same exact verdicts and experiment tables
 *     with and without it.
 *
 * They need ptrace and CAP_SYS_ADMIN (CI runs them as root).  Without
 * either they fail, unless the environment has BADIO_TEST_ALLOW_SKIP=1.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "explorer/explorer.h"
#include "recorder/recorder.h"

extern char **environ;

#define S(x)	((char *)(x))

/* Whether this process may set PTRACE_O_SUSPEND_SECCOMP on a child. */
static bool
can_suspend(void)
{
	pid_t c = fork();
	bool ok;
	int st;

	if (c == 0) {
		raise(SIGSTOP);
		_exit(0);
	}
	cr_assert_gt(c, 0);
	ok = ptrace(PTRACE_SEIZE, c, 0, (void *)(long)(PTRACE_O_EXITKILL |
	    PTRACE_O_SUSPEND_SECCOMP)) == 0;
	kill(c, SIGKILL);
	waitpid(c, &st, 0);
	return ok;
}

static void
need_suspend(void)
{
	const char *allow = getenv("BADIO_TEST_ALLOW_SKIP");

	if (can_suspend())
		return;
	if (allow && !strcmp(allow, "1"))
		cr_skip_test("PTRACE_O_SUSPEND_SECCOMP is refused here");
	cr_assert_fail("PTRACE_O_SUSPEND_SECCOMP is refused (no CAP_SYS_ADMIN?):"
	    " set BADIO_TEST_ALLOW_SKIP=1 to skip outside CI");
}

/* No CAP_SYS_ADMIN from here on (this test's process only). */
static void
drop_sys_admin(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	cr_assert_eq(syscall(SYS_capget, &h, d), 0);
	d[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	d[CAP_TO_INDEX(CAP_SYS_ADMIN)].permitted &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	d[CAP_TO_INDEX(CAP_SYS_ADMIN)].inheritable &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	cr_assert_eq(syscall(SYS_capset, &h, d), 0, "capset: %s",
	    strerror(errno));
	cr_assert_not(can_suspend());
}

struct srun {
	int			rc;
	enum rec_stage		stage;
	struct rec_result	res;
	char			dir[64];
	unsigned		sites;
};

static int
count_site(void *ctx, const struct rec_site *s)
{
	(void)s;
	((struct srun *)ctx)->sites++;
	return 0;
}

/* argv (PROG, args) with eio at the first write to log.txt. */
static void
srun(struct srun *r, char **argv, bool suspend)
{
	struct rec_target tg = {
		.fault = REC_FAULT_EIO, .family = REC_FAM_WRITE,
		.path = "log.txt", .ordinal = 1,
	};
	struct rec_opts o;

	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "/tmp/badio-suspend-XXXXXX");
	cr_assert_not_null(mkdtemp(r->dir));
	o = (struct rec_opts){
		.exe = argv[0], .argv = argv, .envp = environ, .dir = r->dir,
		.no_aslr = true, .stdin_fd = -1, .stdout_fd = -1,
		.stderr_fd = -1, .target = &tg, .fast_after_fault = true,
		.suspend_after_fault = suspend, .timeout_ms = 60000,
	};
	r->rc = rec_run(&o, count_site, r, &r->res, &r->stage);
	cr_assert_eq(r->rc, 0, "rec_run: %s", strerror(-r->rc));
	cr_assert(r->res.injected);
	cr_assert_eq(r->res.status, REC_EXITED);
	cr_assert_eq(r->res.code, 3, "the program saw its write fail");
	cr_assert_eq(r->sites, 2, "the creating open and the broken write");
}

static void
srun_done(struct srun *r)
{
	bx_tree_remove(r->dir, NULL);
}

static char *
file_of(const struct srun *r, const char *name)
{
	char path[128], buf[4096];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", r->dir, name);
	if ((fd = open(path, O_RDONLY)) < 0)
		return strdup("<missing>");
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return strdup(buf);
}

TestSuite(suspend, .timeout = 300);

/*
 * eio at the first of 200 writes: the target's task is suspended at its
 * exit stop, and none of the 199 writes after it stops (no fast stop);
 * they all reached the file.  The plain fast path otherwise.
 */
Test(suspend, no_stop_after_the_fault)
{
	char *argv[] = { S(PROG("fp_goon")), S("200"), NULL };
	struct srun r;

	need_suspend();
	srun(&r, argv, true);
	cr_assert_eq(r.res.suspended, 1);
	cr_assert_eq(r.res.unsuspended, 0);
	cr_assert_eq(r.res.stops.seccomp, 2);
	cr_assert_eq(r.res.stops.fast, 0, "not even a fast stop");
	cr_assert_eq(r.res.stops.unexpected, 0);
	cr_assert_eq(size_in(r.dir, "log.txt"), lines_size(1, 200));
	srun_done(&r);

	srun(&r, argv, false);
	cr_assert_eq(r.res.suspended, 0);
	cr_assert_eq(r.res.stops.fast, 199);
	cr_assert_eq(size_in(r.dir, "log.txt"), lines_size(1, 200));
	srun_done(&r);

	cr_assert_eq(setenv("BADIO_NO_SUSPEND", "1", 1), 0);
	srun(&r, argv, true);
	unsetenv("BADIO_NO_SUSPEND");
	cr_assert_eq(r.res.suspended, 0);
	cr_assert_eq(r.res.stops.fast, 199);
	srun_done(&r);
}

/*
 * After the fault the program forks a child that forks a grandchild and
 * exits; the grandchild, waited for by nobody, sleeps and writes
 * done.txt.  Both inherit the suspension at their creation (no stop of
 * either: stops.fast 0, one task suspended by badio); rec_run still
 * returns only once the grandchild is gone, and its writes ran.
 */
Test(suspend, processes_forked_after_it_inherit_it_and_are_waited_for)
{
	char *argv[] = { S(PROG("fp_goon")), S("200"), S("fork"), NULL };
	struct srun r;

	need_suspend();
	srun(&r, argv, true);
	cr_assert_eq(r.res.suspended, 1);
	cr_assert_eq(r.res.stops.fast, 0);
	cr_assert_not(r.res.lingered);
	cr_assert_eq(size_in(r.dir, "log.txt"), lines_size(1, 200));
	cr_assert_eq(size_in(r.dir, "done.txt"), lines_size(0, 50));
	srun_done(&r);
}

/* Without CAP_SYS_ADMIN the kernel refuses: the fast path, as before. */
Test(suspend, without_cap_sys_admin_the_fast_path)
{
	char *argv[] = { S(PROG("fp_goon")), S("200"), S("fork"), NULL };
	struct srun r;

	need_suspend();
	drop_sys_admin();
	srun(&r, argv, true);
	cr_assert_eq(r.res.suspended, 0);
	cr_assert_eq(r.res.stops.fast, 199 + 51);
	cr_assert_not(r.res.lingered);
	cr_assert_eq(size_in(r.dir, "log.txt"), lines_size(1, 200));
	cr_assert_eq(size_in(r.dir, "done.txt"), lines_size(0, 50));
	srun_done(&r);
}

/*
 * A filter of the program's own, installed before the fault: the process
 * is never suspended, and its filter still denies the mkdir after the
 * fault (its later stops are fast ones: 19 writes, result.txt's open and
 * write).
 */
Test(suspend, a_program_with_its_own_filter_is_not_suspended)
{
	char *argv[] = { S(PROG("sus_filter")), S("own"), S("20"), NULL };
	struct srun r;
	char *res;

	need_suspend();
	srun(&r, argv, true);
	cr_assert_eq(r.res.suspended, 0);
	cr_assert_eq(r.res.stops.fast, 19 + 2);
	cr_assert_str_eq((res = file_of(&r, "result.txt")), "EPERM\n");
	free(res);
	cr_assert_eq(size_in(r.dir, "log.txt"), lines_size(1, 20));
	srun_done(&r);
}

/*
 * No filter of its own: suspended, the mkdir is made (the check that
 * the probe tells the two apart).  A filter installed after the fault
 * by a child that then execs: the child's seccomp call did not stop, but
 * its exec shows one filter more than badio's; the suspension is lifted
 * there and its filter denies the mkdir.
 */
Test(suspend, a_filter_installed_after_the_fault_applies_from_its_exec)
{
	char *none[] = { S(PROG("sus_filter")), S("none"), S("20"), NULL };
	char *late[] = { S(PROG("sus_filter")), S("late"), S("20"), NULL };
	struct srun r;
	char *res;

	need_suspend();
	srun(&r, none, true);
	cr_assert_eq(r.res.suspended, 1);
	cr_assert_eq(r.res.stops.fast, 0);
	cr_assert_str_eq((res = file_of(&r, "result.txt")), "made\n");
	free(res);
	srun_done(&r);

	srun(&r, late, true);
	cr_assert_eq(r.res.suspended, 1);
	cr_assert_eq(r.res.unsuspended, 1);
	cr_assert_str_eq((res = file_of(&r, "result.txt")), "EPERM\n");
	free(res);
	cr_assert_eq(r.res.stops.fast, 2, "result.txt's open and write");
	cr_assert_eq(size_in(r.dir, "log.txt"), lines_size(1, 20));
	srun_done(&r);
}

/* --- the badio binary ------------------------------------------------ */

static void
setup(void)
{
	harness_setup("suspend", "badio.db");
}

TestSuite(suspendexplore, .init = setup, .fini = harness_teardown,
    .timeout = 300);

#define EXPERIMENT_ROWS \
	"SELECT s.key, e.fault, e.injected, e.fault_bytes, e.status, " \
	"e.oracle_exit, e.verdict, e.prog_tail, e.oracle_tail, e.diverged, " \
	"e.divergence, e.divergence_kind, e.prog_last FROM experiments e " \
	"JOIN sites s ON s.id = e.site ORDER BY s.key, e.fault"

/*
 * The oracle wants every line of log.txt, and cannot judge (125)
 * without the grandchild's whole done.txt, written after the fault by
 * a suspended process nobody waits for: the verdicts and the experiment
 * rows are the same suspended, on the plain fast path
 * (BADIO_NO_SUSPEND) and decoded whole (BADIO_FULL_RERUN).
 */
Test(suspendexplore, verdicts_and_experiments_are_the_same_with_and_without_it)
{
	static const char want[] =
	    "write:log.txt:1 eio corruption exit:3 1 - 1\n"
	    "write:log.txt:2 eio corruption exit:3 1 - 1\n"
	    "write:log.txt:3 eio corruption exit:3 1 - 1\n"
	    "write:log.txt:4 eio corruption exit:3 1 - 1\n";
	static const char *const env[] = { NULL, "BADIO_NO_SUSPEND",
	    "BADIO_FULL_RERUN" };
	const char *rows[3];

	need_suspend();
	write_file("check.sh", "#!/bin/sh\n"
	    "test \"$(wc -l < done.txt)\" = 50 || exit 125\n"
	    "test \"$(wc -l < log.txt)\" = 4\n");
	cr_assert_eq(chmod("check.sh", 0755), 0);
	RECORD("--", PROG("fp_goon"), "4", "fork");
	for (size_t i = 0; i < 3; i++) {
		if (env[i])
			cr_assert_eq(setenv(env[i], "1", 1), 0);
		EXPLORE_OK("--oracle", "./check.sh", "--faults", "eio", "-j",
		    "2", "--sites", "path=log.txt,family=write", "--redo");
		if (env[i])
			unsetenv(env[i]);
		ASSERT_VERDICTS(want);
		rows[i] = dump(EXPERIMENT_ROWS);
		cr_assert_eq(count("SELECT count(*) FROM experiments WHERE "
		    "diverged"), 0);
	}
	cr_assert_str_eq(rows[1], rows[0], "fast path:\n%s\nsuspended:\n%s",
	    rows[1], rows[0]);
	cr_assert_str_eq(rows[2], rows[0], "whole:\n%s\nsuspended:\n%s",
	    rows[2], rows[0]);
}
