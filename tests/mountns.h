/*
 * mountns.h - a mount namespace of the test's own, for the tests that
 * leave bind mounts in run directories (tests/unit/test_tree.c,
 * tests/live/test_contain.c): mounts made in it go when the test's
 * process ends, whatever happens.  Criterion runs each test in a
 * process of its own.
 */
#ifndef BADIO_TESTS_MOUNTNS_H
#define BADIO_TESTS_MOUNTNS_H

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static inline void
write_id_map(const char *file, const char *map)
{
	int fd = open(file, O_WRONLY);

	cr_assert_geq(fd, 0, "%s: %s", file, strerror(errno));
	cr_assert_eq(write(fd, map, strlen(map)), (ssize_t)strlen(map), "%s",
	    file);
	close(fd);
}

/*
 * A mount namespace of this test's, whose mounts go when it ends: as
 * root directly, otherwise inside a user namespace where we are root.
 * Fails (never skips) where neither can be made.
 */
static inline void
private_mounts(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (uid != 0) {
		cr_assert_eq(unshare(CLONE_NEWUSER | CLONE_NEWNS), 0, "not root, "
		    "and no user namespace (%s): this test needs one or the "
		    "other", strerror(errno));
		write_id_map("/proc/self/setgroups", "deny");
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		write_id_map("/proc/self/uid_map", map);
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		write_id_map("/proc/self/gid_map", map);
	} else {
		cr_assert_eq(unshare(CLONE_NEWNS), 0, "unshare: %s",
		    strerror(errno));
	}
	cr_assert_eq(mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL), 0,
	    "%s", strerror(errno));
}

#endif /* BADIO_TESTS_MOUNTNS_H */
