/*
 * test_scratch.c - scratch names and the sweep (explorer/scratch.c):
 * a scratch directory names its owner, and bx_sweep() removes exactly
 * those whose owner is gone: never a live process's (this one's, or a
 * reused pid's with another start time kept apart), never another
 * user's, never one of another pid namespace, never a kept one.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "explorer/explorer.h"
#include "explorer/explorer_int.h"

static char tmp[64];

static void
setup(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/badio-test-scratch-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp));
	cr_assert_eq(setenv("TMPDIR", tmp, 1), 0);
	/* no memory file system: the machine's /dev/shm stays out of it */
	cr_assert_eq(setenv("BADIO_STATES_DIR", "", 1), 0);
	/* the cgroup hierarchy is the machine's: leave it out of the counts */
	cr_assert_eq(setenv("BADIO_NO_CGROUP", "1", 1), 0);
}

static void
teardown(void)
{
	bx_tree_remove(tmp, NULL);
}

TestSuite(scratch, .init = setup, .fini = teardown);

/* The stamp a process that has exited (and been reaped) had. */
static void
dead_stamp(char *buf, size_t size)
{
	int pfd[2], st;
	pid_t pid;

	cr_assert_eq(pipe(pfd), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char s[96];

		if (bx_owner_stamp(s, sizeof(s)) == 0 &&
		    write(pfd[1], s, strlen(s) + 1) > 0)
			_exit(0);
		_exit(1);
	}
	close(pfd[1]);
	cr_assert_gt(read(pfd[0], buf, size), 0);
	close(pfd[0]);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void
make(const char *name, bool dir)
{
	char path[600];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	if (dir) {
		cr_assert_eq(mkdir(path, 0700), 0, "%s", path);
		snprintf(path, sizeof(path), "%s/%s/inside", tmp, name);
	}
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	cr_assert_geq(fd, 0, "%s", path);
	close(fd);
}

static bool
exists(const char *name)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	return access(path, F_OK) == 0;
}

Test(scratch, names_carry_the_owner)
{
	char stamp[96], want[200], *dir;

	cr_assert_eq(bx_owner_stamp(stamp, sizeof(stamp)), 0);
	cr_assert_eq(atoi(stamp), getpid());
	cr_assert_eq(bx_scratch_make("explore", &dir), 0);
	snprintf(want, sizeof(want), "%s/badio-explore-%s-", tmp, stamp);
	cr_assert_eq(strncmp(dir, want, strlen(want)), 0, "%s", dir);
	cr_assert_eq(strlen(dir), strlen(want) + 6);
	cr_assert(!bx_owner_gone(stamp), "this process is alive");
	/* record --keep: a name no sweep takes */
	cr_assert_eq(bx_scratch_keep(&dir), 0);
	snprintf(want, sizeof(want), "%s/badio-explore-kept-", tmp);
	cr_assert_eq(strncmp(dir, want, strlen(want)), 0, "%s", dir);
	cr_assert_eq(access(dir, F_OK), 0);
	free(dir);
}

Test(scratch, sweep_takes_only_what_dead_owners_left)
{
	char dead[96], live[96], name[400], reused[300], foreign[300];
	char other_user[300];
	int ppid = (int)getppid();

	dead_stamp(dead, sizeof(dead));
	cr_assert(bx_owner_gone(dead));
	cr_assert_eq(bx_owner_stamp(live, sizeof(live)), 0);

	snprintf(name, sizeof(name), "badio-record-%s-AbCdEf", dead);
	make(name, true);
	snprintf(name, sizeof(name), "badio-tmp-%s-GhIjKl", dead);
	make(name, false);
	/* a live pid whose start time is not the one named: reused, gone */
	snprintf(reused, sizeof(reused), "badio-explore-%d.1.%s-MnOpQr", ppid,
	    strrchr(live, '.') + 1);
	make(reused, true);
	/* ours, alive */
	snprintf(name, sizeof(name), "badio-explore-%s-StUvWx", live);
	make(name, true);
	/* another pid namespace: not ours to judge */
	snprintf(foreign, sizeof(foreign), "badio-explore-%d.1.12345-YzAbCd",
	    atoi(dead));
	make(foreign, true);
	/* kept, and names badio does not make */
	make("badio-record-kept-EfGhIj", true);
	make("badio-record-KlMnOp", true);
	make("other-dir", true);

	cr_assert_eq(bx_sweep(NULL, NULL), 3);
	snprintf(name, sizeof(name), "badio-record-%s-AbCdEf", dead);
	cr_assert(!exists(name));
	snprintf(name, sizeof(name), "badio-tmp-%s-GhIjKl", dead);
	cr_assert(!exists(name));
	cr_assert(!exists(reused));
	snprintf(name, sizeof(name), "badio-explore-%s-StUvWx", live);
	cr_assert(exists(name), "a live owner's directory was swept");
	cr_assert(exists(foreign));
	cr_assert(exists("badio-record-kept-EfGhIj"));
	cr_assert(exists("badio-record-KlMnOp"));
	cr_assert(exists("other-dir"));

	/* another user's: never, even as root */
	if (geteuid() == 0) {
		snprintf(other_user, sizeof(other_user),
		    "badio-record-%s-QrStUv", dead);
		make(other_user, true);
		snprintf(name, sizeof(name), "%s/%s", tmp, other_user);
		cr_assert_eq(chown(name, 65534, 65534), 0);
		cr_assert_eq(bx_sweep(NULL, NULL), 0);
		cr_assert(exists(other_user));
	}
}

/*
 * The memory file system of crash states (BADIO_STATES_DIR, by default
 * /dev/shm) is swept too: what a dead owner left there goes, a live
 * owner's stays.
 */
Test(scratch, sweep_takes_dead_owners_states_in_memory)
{
	char dead[96], live[96], name[400], mem[128], *dir;

	snprintf(mem, sizeof(mem), "%s/mem", tmp);
	cr_assert_eq(mkdir(mem, 0700), 0);
	cr_assert_eq(setenv("BADIO_STATES_DIR", mem, 1), 0);
	cr_assert_str_eq(bx_memory_dir(), mem);
	dead_stamp(dead, sizeof(dead));
	cr_assert_eq(bx_owner_stamp(live, sizeof(live)), 0);
	snprintf(name, sizeof(name), "mem/badio-explore-%s-AbCdEf", dead);
	make(name, true);
	cr_assert_eq(bx_scratch_make_in(mem, "explore", &dir), 0);
	cr_assert_eq(strncmp(dir, mem, strlen(mem)), 0, "%s", dir);
	cr_assert_eq(bx_sweep(NULL, NULL), 1);
	cr_assert(!exists(name));
	cr_assert_eq(access(dir, F_OK), 0, "a live owner's states were swept");
	free(dir);
	cr_assert_eq(setenv("BADIO_STATES_DIR", "", 1), 0);
	cr_assert_null(bx_memory_dir());
}

/* The sweep's room on a memory file system for one more state. */
Test(scratch, memory_room_for_one_more_state)
{
	const unsigned long long M = 1ull << 20, G = 1ull << 30;

	cr_assert(bx_memory_room(12 * G, 12 * G, 0));
	cr_assert(bx_memory_room(12 * G, 12 * G, 6 * G));
	cr_assert_not(bx_memory_room(12 * G, 12 * G, 6 * G + 1));
	cr_assert_not(bx_memory_room(5 * G, 12 * G, 0), "less than half free");
	/* half of a small one is not enough: 256 MiB at least */
	cr_assert_not(bx_memory_room(300 * M, 400 * M, 100 * M));
	cr_assert(bx_memory_room(900 * M, 1000 * M, 300 * M));
	cr_assert_not(bx_memory_room(600 * M, 800 * M, 300 * M));
	cr_assert_not(bx_memory_room(100 * M, 12 * G, 200 * M));
}
