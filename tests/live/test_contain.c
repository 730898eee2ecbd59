/*
 * test_contain.c - badio leaves nothing behind (issue 7, items 4 and
 * 11): no scratch directory after a kill -9 of record or of an explore
 * worker once the next badio has run, no process of an oracle that
 * left its session and hung, nor of a program that got away from the
 * tracer, no --keep directory of a result that was dropped; and a bind
 * mount a program leaves in its run directory is never emptied: the
 * directory is kept, with a warning.
 *
 * Every test points TMPDIR at a directory of its own, so "no scratch
 * directory left" counts this test's.  The mount tests run in a mount
 * namespace of their own (as root; otherwise in a user namespace too),
 * and fail, never skip, where neither can be made.
 */
#include "harness.h"
#include "mountns.h"

#include "explorer/explorer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char scratch[400];	/* this test's TMPDIR */

static void
setup(void)
{
	harness_setup("contain", "c.db");
	snprintf(scratch, sizeof(scratch), "%s/scratch", tmp);
	cr_assert_eq(mkdir(scratch, 0700), 0);
	cr_assert_eq(setenv("TMPDIR", scratch, 1), 0);
	unsetenv("BADIO_NO_CGROUP");
}

TestSuite(contain, .init = setup, .fini = harness_teardown, .timeout = 120);

static void
nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Names in scratch that badio made ("badio-..."), as "a b c". */
static const char *
scratch_names(int *n)
{
	static char names[4096];
	struct dirent *d;
	DIR *dir = opendir(scratch);
	size_t len = 0;

	cr_assert_not_null(dir);
	names[0] = '\0';
	*n = 0;
	while ((d = readdir(dir))) {
		if (strncmp(d->d_name, "badio-", 6) != 0)
			continue;
		(*n)++;
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s ",
		    d->d_name);
		if (len >= sizeof(names))
			len = sizeof(names) - 1;
	}
	closedir(dir);
	return names;
}

#define ASSERT_SCRATCH(want) do {					\
	int n_;								\
	const char *names_ = scratch_names(&n_);			\
	cr_assert_eq(n_, (want), "%d scratch entries: %s", n_, names_);	\
} while (0)

/* Wait until scratch holds at least one entry with file in it. */
static void
wait_for_run_dir(const char *file)
{
	for (int i = 0; i < 2000; i++) {
		struct dirent *d;
		DIR *dir = opendir(scratch);
		bool found = false;

		while (dir && !found && (d = readdir(dir))) {
			char path[900];

			snprintf(path, sizeof(path), "%s/%s/%s", scratch,
			    d->d_name, file);
			found = access(path, F_OK) == 0;
		}
		if (dir)
			closedir(dir);
		if (found)
			return;
		nap_ms(5);
	}
	cr_assert_fail("no run directory with '%s' appeared", file);
}

/* The children of pid, from /proc. */
static int
children(pid_t pid, pid_t *out, int max)
{
	char path[64], buf[1024];
	int n = 0, fd;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
	    (int)pid);
	fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[len > 0 ? len : 0] = '\0';
	for (char *p = buf, *end; n < max; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		out[n++] = (pid_t)v;
	}
	return n;
}

/* --- kill -9, then the next badio sweeps -------------------------------- */

Test(contain, record_killed_then_next_badio_sweeps)
{
	const char *argv[] = { BADIO_EXE, "record", "-q", "-o", db_path, "--",
	    "/bin/sh", "-c", "echo x > started; exec sleep 30", NULL };
	char other[400];
	int out_fd, err_fd;
	pid_t pid;

	pid = start(argv, NULL, NULL, &out_fd, &err_fd);
	wait_for_run_dir("started");
	cr_assert_eq(kill(pid, SIGKILL), 0);
	cr_assert_eq(finish(pid, out_fd, err_fd, &r), 128 + SIGKILL);
	ASSERT_SCRATCH(1);	/* what a killed badio cannot remove */
	snprintf(other, sizeof(other), "%s/other.db", tmp);
	cr_assert_eq(badio("record", "-q", "-o", other, "--", PROG("p_write"),
	    "f", "1", "3", NULL), 0, "%s", r.err);
	ASSERT_SCRATCH(0);
	cr_assert_str_eq(r.err, "");
}

Test(contain, explore_worker_killed_then_sweep)
{
	const char *argv[] = { BADIO_EXE, "explore", "-q", "-d", db_path, "-j",
	    "2", "--oracle", "sleep 0.2", NULL };
	pid_t pid, kids[8];
	int out_fd, err_fd, n, k;

	RECORD("--", PROG("explore_many"), "10");
	pid = start(argv, NULL, NULL, &out_fd, &err_fd);
	wait_for_run_dir("log.txt");
	/* the parent stopped, so that only the next badio can clean up */
	cr_assert_eq(kill(pid, SIGSTOP), 0);
	n = children(pid, kids, 8);
	cr_assert_eq(n, 2, "%d workers", n);
	for (k = 0; k < n; k++)
		cr_assert_eq(kill(kids[k], SIGKILL), 0);
	for (k = 0; k < 400 && (process_with(PROG("explore_many")) ||
	    scratch_names(&n)[0] == '\0'); k++)
		nap_ms(5);
	scratch_names(&n);
	cr_assert_geq(n, 1, "the workers left no directory to sweep");
	/* the parent finds its workers gone, fails, and sweeps */
	cr_assert_eq(kill(pid, SIGCONT), 0);
	cr_assert_eq(finish(pid, out_fd, err_fd, &r), 3, "%s", r.err);
	cr_assert(strstr(r.err, "a worker process failed"), "%s", r.err);
	ASSERT_SCRATCH(0);
	/* and the next explore finishes the job, leaving nothing either */
	EXPLORE_OK("--faults", PRE_POWER_FAULTS, "-j", "2", "--oracle", "true");
	ASSERT_SCRATCH(0);
	cr_assert_eq(count("SELECT count(*) FROM experiments"), 42);
}

Test(contain, record_refusing_its_init_leaves_nothing)
{
	char init[400], fifo[500], want[900];
	struct dirent *d;
	DIR *dir;

	snprintf(init, sizeof(init), "%s/init", tmp);
	cr_assert_eq(mkdir(init, 0755), 0);
	snprintf(fifo, sizeof(fifo), "%s/pipe", init);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	cr_assert_eq(badio("record", "-q", "-o", db_path, "--init", init, "--",
	    PROG("p_write"), "f", "1", "1", NULL), 2);
	snprintf(want, sizeof(want), "badio: record: cannot copy --init "
	    "directory '%s': 'pipe': is a FIFO: a snapshot holds files, "
	    "directories and symlinks only\n", init);
	cr_assert_str_eq(r.err, want);
	ASSERT_SCRATCH(0);
	/* no database, not even a temporary one */
	dir = opendir(tmp);
	cr_assert_not_null(dir);
	while ((d = readdir(dir)))
		cr_assert(strncmp(d->d_name, "c.db", 4) != 0, "%s", d->d_name);
	closedir(dir);
}

/* --- nothing the runs start survives them -------------------------------- */

/* A copy of sleep with a name of this test's, to look for afterwards. */
static const char *
own_sleeper(void)
{
	static char path[400];

	snprintf(path, sizeof(path), "%s/leaked-sleeper", tmp);
	copy_file("/bin/sleep", path);
	cr_assert_eq(chmod(path, 0755), 0);
	return path;
}

static void
oracle_daemons_are_killed(void)
{
	const char *sleeper = own_sleeper();
	char oracle[800];

	RECORD("--", PROG("p_write"), "f", "1", "3");
	/* the fault-free run's oracle leaves the session and hangs */
	snprintf(oracle, sizeof(oracle), "setsid %s 1000 & sleep 60", sleeper);
	cr_assert_eq(EXPLORE("--faults", PRE_POWER_FAULTS,
	    "--oracle", oracle, "--oracle-timeout", "1"), 2);
	cr_assert(strstr(r.err, "within --oracle-timeout 1s"), "%s", r.err);
	cr_assert(!process_with(sleeper), "the oracle's setsid child "
	    "outlived its timeout");
	/* an oracle that exits at once, its daemon running */
	snprintf(oracle, sizeof(oracle), "setsid %s 1000 & exit 0", sleeper);
	EXPLORE_OK("--faults", "eio", "--oracle", oracle);
	cr_assert(!process_with(sleeper), "the oracle's daemon outlived it");
	cr_assert_eq(count("SELECT count(*) FROM experiments"), 2);
	/* and ones that hang past the timeout in the experiments */
	snprintf(oracle, sizeof(oracle), "test \"$BADIO_FAULT\" = none && "
	    "exit 0; setsid %s 1000 & sleep 60", sleeper);
	EXPLORE_OK("--redo", "--faults", "eio", "--oracle-timeout", "1",
	    "--oracle", oracle);
	cr_assert(!process_with(sleeper), "a timed-out oracle's daemon lived");
	cr_assert_str_eq(dump("SELECT DISTINCT verdict FROM experiments"),
	    "oracle-error\n");
	ASSERT_SCRATCH(0);
}

Test(contain, oracle_daemons_are_killed_in_a_cgroup)
{
	oracle_daemons_are_killed();
}

Test(contain, oracle_daemons_are_killed_without_a_cgroup)
{
	cr_assert_eq(setenv("BADIO_NO_CGROUP", "1", 1), 0);
	oracle_daemons_are_killed();
}

Test(contain, program_that_escapes_the_tracer_is_killed)
{
	struct bx_cgroup *cg;
	char marker[400];
	int rc;

	/* only a cgroup can: the fallback never sees such a child */
	rc = bx_cgroup_open(&cg);
	cr_assert_eq(rc, 0, "no cgroup v2 that badio may write to here (%s): "
	    "run the tests as root on a cgroup v2 system, or in a delegated "
	    "cgroup (docs/manual.md, \"Leaving no process behind\")",
	    strerror(-rc));
	bx_cgroup_close(cg);

	snprintf(marker, sizeof(marker), "%s/untraced-marker", tmp);
	RECORD("--", PROG("p_untraced"), marker);
	cr_assert(!process_with(marker), "record: a CLONE_UNTRACED child of "
	    "the program outlived it");
	/* explore: the baseline (and no site: nothing else) */
	cr_assert_eq(EXPLORE("--faults", PRE_POWER_FAULTS,
	    "--oracle", "true"), 0, "%s", r.err);
	cr_assert(!process_with(marker), "explore: a CLONE_UNTRACED child of "
	    "the program outlived it");
}

Test(contain, keep_keeps_nothing_when_the_baseline_fails)
{
	char keep[400];
	int n;

	snprintf(keep, sizeof(keep), "%s/kept", tmp);
	RECORD("--", PROG("explore_naive"));
	/*
	 * Every oracle says "damaged", the fault-free run's a second later:
	 * the other worker's experiments finish first, as bug verdicts, and
	 * are dropped when the baseline fails.
	 */
	cr_assert_eq(EXPLORE("--faults", PRE_POWER_FAULTS,
	    "-j", "2", "--keep", keep, "--oracle",
	    "test \"$BADIO_FAULT\" = none && sleep 1; exit 1"), 2, "%s", r.err);
	cr_assert(strstr(r.err, "the oracle fails the fault-free run"), "%s",
	    r.err);
	n = 0;
	{
		DIR *d = opendir(keep);
		struct dirent *e;

		cr_assert_not_null(d);
		while ((e = readdir(d)))
			n += e->d_name[0] != '.';
		closedir(d);
	}
	cr_assert_eq(n, 0, "--keep kept %d directories of dropped results", n);
	ASSERT_SCRATCH(0);
}

/* --- bind mounts left in run directories ---------------------------------- */

/* Lines of text that start with prefix. */
static int
count_lines(const char *text, const char *prefix)
{
	int n = 0;

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 :
	    NULL)
		n += strncmp(p, prefix, strlen(prefix)) == 0;
	return n;
}

static const char *
precious(void)
{
	static char dir[400];
	char file[500];

	snprintf(dir, sizeof(dir), "%s/precious", tmp);
	cr_assert_eq(mkdir(dir, 0755), 0);
	snprintf(file, sizeof(file), "%s/file", dir);
	write_file(file, "keep me\n");
	return dir;
}

static void
assert_precious_intact(const char *dir)
{
	char file[500], buf[64] = "";
	int fd;

	snprintf(file, sizeof(file), "%s/file", dir);
	fd = open(file, O_RDONLY);
	cr_assert_geq(fd, 0, "badio emptied the bind-mounted directory");
	cr_assert_gt(read(fd, buf, sizeof(buf) - 1), 0);
	close(fd);
	cr_assert_str_eq(buf, "keep me\n");
}

/* Unmount what the runs left under scratch; how many, -1 on failure. */
static int
unmount_runs(void)
{
	char line[4096], mnt[4096];
	int n = 0;
	FILE *f;

	for (bool again = true; again; ) {
		again = false;
		f = fopen("/proc/self/mountinfo", "r");
		if (!f)
			return -1;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 &&
			    strncmp(mnt, scratch, strlen(scratch)) == 0) {
				if (umount2(mnt, MNT_DETACH) < 0) {
					fclose(f);
					return -1;
				}
				n++;
				again = true;
			}
		fclose(f);
	}
	return n;
}

/* Even when a test fails: no mount may be left for the teardown to enter. */
static void
mounts_teardown(void)
{
	unmount_runs();
	harness_teardown();
}

/*
 * In its own mount namespace (the default where one can be had, issue
 * 8), what the program mounts stays there and goes with it: nothing is
 * left on the run directory, which is removed as usual.
 */
Test(contain, record_mount_stays_in_the_namespace, .fini = mounts_teardown)
{
	const char *dir;
	int n;

	private_mounts();
	dir = precious();
	RECORD("--", PROG("p_mount"), dir);
	assert_precious_intact(dir);
	cr_assert_null(strstr(r.err, "left a mount"), "%s", r.err);
	cr_assert_eq(unmount_runs(), 0);
	scratch_names(&n);
	cr_assert_eq(n, 0, "the run directory is removed");
}

/* The tests below are about mounts left behind: without a namespace. */
Test(contain, record_keeps_a_run_dir_with_a_bind_mount,
    .fini = mounts_teardown)
{
	const char *dir;
	char kept[900];
	int n;

	cr_assert_eq(setenv("BADIO_NO_NAMESPACES", "1", 1), 0);
	private_mounts();
	dir = precious();
	RECORD("--", PROG("p_mount"), dir);
	assert_precious_intact(dir);
	cr_assert(strstr(r.err, "badio: warning: record: kept the run directory "
	    "'") && strstr(r.err, "': the program left a mount on '"), "%s",
	    r.err);
	/* the run directory stays, with only the mount point left in it */
	snprintf(kept, sizeof(kept), "%s/%s", scratch, scratch_names(&n));
	cr_assert_eq(n, 1);
	kept[strlen(kept) - 1] = '\0';
	cr_assert(strstr(r.err, kept), "%s", r.err);
	strcat(kept, "/out.txt");
	cr_assert_neq(access(kept, F_OK), 0, "the rest was not removed");
	cr_assert_eq(unmount_runs(), 1);
}

Test(contain, explore_keeps_run_dirs_with_bind_mounts_and_sweeps_later,
    .fini = mounts_teardown)
{
	const char *dir;
	int n;

	cr_assert_eq(setenv("BADIO_NO_NAMESPACES", "1", 1), 0);
	private_mounts();
	dir = precious();
	RECORD("--", PROG("p_mount"), dir);
	/* unmounted, record's directory goes in explore's first sweep */
	cr_assert_eq(unmount_runs(), 1);
	/* explore's runs each leave one: the baseline and 2 sites x eio */
	EXPLORE_OK("--faults", "eio", "--oracle", "true");
	assert_precious_intact(dir);
	scratch_names(&n);
	cr_assert_eq(n, 3, "%s", r.err);
	cr_assert_eq(count_lines(r.err, "badio: warning: explore: kept '"), 3,
	    "one warning a directory:\n%s", r.err);
	/* the next badio finds them stale, and still mounted: kept again */
	cr_assert_eq(badio("record", "-q", "-o", "again.db", "--",
	    PROG("p_write"), "f", "1", "1", NULL), 0, "%s", r.err);
	assert_precious_intact(dir);
	cr_assert(strstr(r.err, "kept the stale scratch directory"), "%s",
	    r.err);
	/* once unmounted, the next sweep removes them */
	cr_assert_eq(unmount_runs(), 3);
	cr_assert_eq(badio("record", "-q", "-f", "-o", "again.db", "--",
	    PROG("p_write"), "f", "1", "1", NULL), 0, "%s", r.err);
	cr_assert_str_eq(r.err, "");
	ASSERT_SCRATCH(0);
	assert_precious_intact(dir);
}
