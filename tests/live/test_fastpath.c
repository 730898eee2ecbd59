/*
 * test_fastpath.c - the fast path after a one-shot fault (rec_opts
 * fast_after_fault, docs/ptrace.md "Fast path after the fault"): once
 * the target is broken and reported, later stops of the syscall table
 * are resumed at once and counted in stops.fast, not reported.
 *
 *   - the recorder called directly on tests/progs/fp_goon.c, a writer
 *     that goes on after errors: stop counters per fault, the processes
 *     it forks after the fault still traced and waited for, the faults
 *     that must not take it (crash, eio+, enospc+), BADIO_FULL_RERUN;
 *   - the badio binary: the same exact verdicts with and without the
 *     fast path.
 *
 * The tests need ptrace.  Without it they fail, unless the environment
 * has BADIO_TEST_ALLOW_SKIP=1 (restricted containers; never in CI).
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "explorer/explorer.h"
#include "recorder/recorder.h"

extern char **environ;

#define S(x)	((char *)(x))

struct frun {
	int			rc;
	enum rec_stage		stage;
	struct rec_result	res;
	char			dir[64];
	unsigned		sites;
	unsigned		broken;		/* sites reported with a fault */
};

static int
count_site(void *ctx, const struct rec_site *s)
{
	struct frun *r = ctx;

	r->sites++;
	r->broken += s->fault != REC_FAULT_NONE;
	return 0;
}

/* fp_goon argv[1..] with fault f at the first write to log.txt. */
static void
frun(struct frun *r, const char *n, const char *fork_arg, enum rec_fault f,
    bool fast)
{
	char *argv[] = { S(PROG("fp_goon")), S(n), S(fork_arg), NULL };
	struct rec_target tg = {
		.fault = f, .family = REC_FAM_WRITE, .path = "log.txt",
		.ordinal = 1,
	};
	struct rec_opts o;

	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "/tmp/badio-fastpath-XXXXXX");
	cr_assert_not_null(mkdtemp(r->dir));
	o = (struct rec_opts){
		.exe = argv[0], .argv = argv, .envp = environ, .dir = r->dir,
		.no_aslr = true, .stdin_fd = -1, .stdout_fd = -1,
		.stderr_fd = -1, .target = f != REC_FAULT_NONE ? &tg : NULL,
		.fast_after_fault = fast, .timeout_ms = 60000,
	};
	r->rc = rec_run(&o, count_site, r, &r->res, &r->stage);
	cr_assert_eq(r->rc, 0, "rec_run: %s", strerror(-r->rc));
}

static void
frun_done(struct frun *r)
{
	bx_tree_remove(r->dir, NULL);
}

/*
 * eio at the first of 200 writes (site 2 of 201: the creating open is
 * site 1): two sites decoded, the 199 writes after it resumed at once;
 * the program went on, and every later write reached the file.
 */
Test(fastpath, eio_at_the_first_of_200_writes_takes_the_fast_path)
{
	struct frun r;

	frun(&r, "200", NULL, REC_FAULT_EIO, true);
	cr_assert(r.res.injected);
	cr_assert_eq(r.res.status, REC_EXITED);
	cr_assert_eq(r.res.code, 3, "the program saw its write fail");
	cr_assert_eq(r.sites, 2);
	cr_assert_eq(r.broken, 1);
	cr_assert_eq(r.res.stops.seccomp, 2);
	cr_assert_eq(r.res.stops.fast, 199);
	cr_assert_eq(r.res.stops.emulated, 0, "nothing emulated after it");
	cr_assert_eq(r.res.stops.unexpected, 0);
	cr_assert_eq(size_in(r.dir, "log.txt"), lines_size(1, 200));
	frun_done(&r);

	/* the same run decoded whole: every site, no fast stop */
	frun(&r, "200", NULL, REC_FAULT_EIO, false);
	cr_assert(r.res.injected);
	cr_assert_eq(r.res.code, 3);
	cr_assert_eq(r.sites, 201);
	cr_assert_eq(r.res.stops.seccomp, 201);
	cr_assert_eq(r.res.stops.fast, 0);
	cr_assert_eq(size_in(r.dir, "log.txt"), lines_size(1, 200));
	frun_done(&r);
}

/* short and torn finish their cut at the exit stop first; enospc as eio */
Test(fastpath, every_one_shot_fault_takes_it)
{
	static const struct {
		enum rec_fault	f;
		int64_t		bytes;		/* fault_bytes */
		long long	size;		/* log.txt's */
	} cases[] = {
		/* "line 0\n" is 7 bytes: 3 of them are written */
		{ REC_FAULT_SHORT,  3, 0 },
		{ REC_FAULT_TORN,   3, 0 },
		{ REC_FAULT_ENOSPC, -1, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct frun r;

		frun(&r, "200", NULL, cases[i].f, true);
		cr_assert(r.res.injected, "%s", rec_fault_name(cases[i].f));
		cr_assert_eq(r.res.fault_bytes, cases[i].bytes, "%s: %lld",
		    rec_fault_name(cases[i].f), (long long)r.res.fault_bytes);
		cr_assert_eq(r.sites, 2, "%s", rec_fault_name(cases[i].f));
		cr_assert_eq(r.res.stops.fast, 199, "%s",
		    rec_fault_name(cases[i].f));
		cr_assert_eq(size_in(r.dir, "log.txt"), lines_size(1, 200) +
		    (cases[i].bytes > 0 ? cases[i].bytes : 0), "%s",
		    rec_fault_name(cases[i].f));
		cr_assert_eq(r.res.code, 3, "the program saw it");
		frun_done(&r);
	}
}

/*
 * After the fault the program forks a child that forks a grandchild and
 * exits; nobody waits for the grandchild, which sleeps and writes
 * done.txt: rec_run returns only once it is gone, its 51 stops (the
 * creating open, 50 writes) were fast ones, and its writes ran (a task
 * that escaped the tracer would get ENOSYS from the filter).
 */
Test(fastpath, processes_forked_after_the_fault_are_followed_and_waited_for)
{
	struct frun r;

	frun(&r, "200", "fork", REC_FAULT_EIO, true);
	cr_assert(r.res.injected);
	cr_assert_eq(r.res.status, REC_EXITED);
	cr_assert_eq(r.res.code, 3);
	cr_assert_not(r.res.lingered);
	cr_assert_eq(r.sites, 2);
	cr_assert_eq(r.res.stops.fast, 199 + 51);
	cr_assert_eq(size_in(r.dir, "log.txt"), lines_size(1, 200));
	cr_assert_eq(size_in(r.dir, "done.txt"), lines_size(0, 50));
	frun_done(&r);
}

/* crash ends the run; eio+ and enospc+ have rules that see later calls */
Test(fastpath, crash_and_persistent_faults_do_not_take_it)
{
	struct frun r;

	frun(&r, "200", NULL, REC_FAULT_CRASH, true);
	cr_assert(r.res.injected);
	cr_assert_eq(r.res.status, REC_CRASHED);
	cr_assert_eq(r.res.stops.fast, 0);
	cr_assert_eq(size_in(r.dir, "log.txt"), 0);
	frun_done(&r);

	frun(&r, "200", NULL, REC_FAULT_EIO_DEV, true);
	cr_assert(r.res.injected);
	cr_assert_eq(r.res.code, 3);
	cr_assert_eq(r.res.stops.fast, 0);
	cr_assert_eq(r.res.rule_hits, 199, "the rule broke every later write");
	cr_assert_eq(r.sites, 201);
	cr_assert_eq(r.broken, 200);
	cr_assert_eq(size_in(r.dir, "log.txt"), 0);
	frun_done(&r);

	frun(&r, "200", NULL, REC_FAULT_ENOSPC_DEV, true);
	cr_assert(r.res.injected);
	cr_assert_eq(r.res.stops.fast, 0);
	cr_assert_eq(r.sites, 201);
	frun_done(&r);
}

Test(fastpath, badio_full_rerun_turns_it_off)
{
	struct frun r;

	cr_assert_eq(setenv("BADIO_FULL_RERUN", "1", 1), 0);
	frun(&r, "200", "fork", REC_FAULT_EIO, true);
	unsetenv("BADIO_FULL_RERUN");
	cr_assert(r.res.injected);
	cr_assert_eq(r.res.code, 3);
	cr_assert_eq(r.res.stops.fast, 0);
	cr_assert_eq(r.sites, 201 + 51);
	cr_assert_eq(size_in(r.dir, "done.txt"), lines_size(0, 50));
	frun_done(&r);
}

/* --- the badio binary ------------------------------------------------ */

static void
setup(void)
{
	harness_setup("fastpath", "badio.db");
}

TestSuite(fastpath, .timeout = 300);
TestSuite(fastexplore, .init = setup, .fini = harness_teardown,
    .timeout = 300);

/*
 * The oracle wants every line of log.txt: a write that failed is a lost
 * line (the program said so: exit 3);
 * it cannot judge (125, another verdict) without the grandchild's whole
 * done.txt, there only if explore waited for the grandchild.  The
 * verdicts are the same with the fast path and without it.
 */
Test(fastexplore, verdicts_are_the_same_with_and_without_it)
{
	static const char want[] =
	    "write:log.txt:1 eio corruption exit:3 1 - 1\n"
	    "write:log.txt:2 eio corruption exit:3 1 - 1\n"
	    "write:log.txt:3 eio corruption exit:3 1 - 1\n";
	const char *fast;

	write_file("check.sh", "#!/bin/sh\n"
	    "test \"$(wc -l < done.txt)\" = 50 || exit 125\n"
	    "test \"$(cat log.txt)\" = \"$(printf 'line 0\\nline 1\\nline 2')\"\n");
	cr_assert_eq(chmod("check.sh", 0755), 0);
	RECORD("--", PROG("fp_goon"), "3", "fork");
	EXPLORE_OK("--oracle", "./check.sh", "--faults", "eio", "-j", "2",
	    "--sites", "path=log.txt,family=write");
	fast = dump(VERDICT_ROWS);
	cr_assert_eq(count("SELECT count(*) FROM experiments WHERE diverged"), 0);
	cr_assert_eq(setenv("BADIO_FULL_RERUN", "1", 1), 0);
	EXPLORE_OK("--oracle", "./check.sh", "--faults", "eio", "-j", "2",
	    "--sites", "path=log.txt,family=write", "--redo");
	unsetenv("BADIO_FULL_RERUN");
	ASSERT_VERDICTS(fast);
	cr_assert_str_eq(fast, want, "%s", fast);
	cr_assert_eq(count("SELECT count(*) FROM experiments WHERE diverged"), 0);
}
