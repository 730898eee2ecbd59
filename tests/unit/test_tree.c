/*
 * test_tree.c - trees through directory fds (explorer/tree.c): removal
 * never follows a symlink and never crosses a mount point, not even a
 * bind mount of the same file system (issue 7, item 4: nftw's
 * FTW_MOUNT compared st_dev only, and "mount --bind DIR m" in a run
 * directory emptied DIR); it takes back permissions a program dropped
 * and copes with trees deeper than it holds fds for; copies keep
 * holes, hard links, modes and times; names open beneath a root only.
 *
 * The mount tests run in a mount namespace of their own (mountns.h).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "explorer/explorer.h"
#include "explorer/explorer_int.h"
#include "mountns.h"

static char base[64], run[96], keep[96];

static void
path_in(char *buf, size_t size, const char *dir, const char *name)
{
	cr_assert_lt(snprintf(buf, size, "%s/%s", dir, name), (int)size);
}

static void
put(const char *dir, const char *name, const char *text)
{
	char path[512];
	int fd;

	path_in(path, sizeof(path), dir, name);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void
make_dir(const char *dir, const char *name)
{
	char path[512];

	path_in(path, sizeof(path), dir, name);
	cr_assert_eq(mkdir(path, 0755), 0, "%s: %s", path, strerror(errno));
}

static void
setup(void)
{
	snprintf(base, sizeof(base), "/tmp/badio-test-tree-XXXXXX");
	cr_assert_not_null(mkdtemp(base));
	path_in(run, sizeof(run), base, "run");
	path_in(keep, sizeof(keep), base, "keep");
	cr_assert_eq(mkdir(run, 0700), 0);
	cr_assert_eq(mkdir(keep, 0755), 0);
	put(keep, "precious", "keep me\n");
}

static void
teardown(void)
{
	char line[4096], mnt[4096];
	FILE *f = fopen("/proc/self/mountinfo", "r");

	/* no mount may be left for the teardown to go through */
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 &&
		    strncmp(mnt, base, strlen(base)) == 0)
			umount2(mnt, MNT_DETACH);
	if (f)
		fclose(f);
	bx_tree_force_walk(false);
	bx_tree_remove(base, NULL);
}

TestSuite(tree, .init = setup, .fini = teardown);

static void
assert_precious(void)
{
	char path[512], buf[64] = "";
	int fd;

	path_in(path, sizeof(path), keep, "precious");
	fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0, "the directory outside the tree was emptied");
	cr_assert_gt(read(fd, buf, sizeof(buf) - 1), 0);
	close(fd);
	cr_assert_str_eq(buf, "keep me\n");
}

static void
bind(const char *from, const char *to)
{
	cr_assert_eq(mount(from, to, NULL, MS_BIND, NULL), 0, "mount --bind %s "
	    "%s: %s", from, to, strerror(errno));
}

Test(tree, remove_never_follows_symlinks)
{
	char path[512];

	make_dir(run, "d");
	path_in(path, sizeof(path), run, "d/to-keep");
	cr_assert_eq(symlink(keep, path), 0);
	path_in(path, sizeof(path), run, "to-file");
	cr_assert_eq(symlink(keep, path), 0);
	cr_assert_eq(bx_tree_remove(run, NULL), 0);
	cr_assert_neq(access(run, F_OK), 0);
	assert_precious();
	/* a symlink given as the tree: the link goes, not what it names */
	path_in(path, sizeof(path), base, "link");
	cr_assert_eq(symlink(keep, path), 0);
	cr_assert_eq(bx_tree_remove(path, NULL), 0);
	cr_assert_neq(access(path, F_OK), 0);
	assert_precious();
	cr_assert_eq(bx_tree_remove("/nonexistent-badio-tree", NULL), 0);
}

Test(tree, remove_takes_back_permissions)
{
	char path[512];

	make_dir(run, "locked");
	path_in(path, sizeof(path), run, "locked");
	put(path, "f", "x");
	make_dir(path, "sub");
	cr_assert_eq(chmod(path, 0), 0);
	path_in(path, sizeof(path), run, "ro");
	cr_assert_eq(mkdir(path, 0500), 0);
	cr_assert_eq(bx_tree_remove(run, NULL), 0);
	cr_assert_neq(access(run, F_OK), 0);
}

Test(tree, remove_a_tree_deeper_than_its_fds)
{
	int fd, next, i;

	/* 300 levels: more than the walk holds fds for (TREE_DEPTH_MAX) */
	fd = open(run, O_RDONLY | O_DIRECTORY);
	for (i = 0; i < 300; i++) {
		cr_assert_eq(mkdirat(fd, "d", 0700), 0);
		next = openat(fd, "d", O_RDONLY | O_DIRECTORY);
		cr_assert_geq(next, 0);
		if (i % 50 == 0)
			cr_assert_eq(close(openat(next, "f", O_CREAT | O_WRONLY,
			    0600)), 0);
		close(fd);
		fd = next;
	}
	close(fd);
	cr_assert_eq(bx_tree_remove(run, NULL), 0);
	cr_assert_neq(access(run, F_OK), 0);
}

Test(tree, remove_keeps_a_same_file_system_bind_mount)
{
	struct bx_tree_report rep;
	char m[512], path[512];
	struct stat a, b;

	private_mounts();
	make_dir(run, "sub");
	path_in(m, sizeof(m), run, "sub/m");
	cr_assert_eq(mkdir(m, 0755), 0);
	bind(keep, m);
	/* the case nftw's FTW_MOUNT missed: same st_dev on both sides */
	cr_assert_eq(stat(m, &a), 0);
	cr_assert_eq(stat(run, &b), 0);
	cr_assert_eq(a.st_dev, b.st_dev);
	put(run, "other", "x");
	make_dir(run, "gone");

	cr_assert_eq(bx_tree_remove(run, &rep), -EBUSY);
	assert_precious();
	cr_assert_eq(rep.mounts, 1);
	cr_assert_str_eq(rep.mount, m);
	/* the rest is gone; the mount point and the way to it stay */
	path_in(path, sizeof(path), run, "other");
	cr_assert_neq(access(path, F_OK), 0);
	path_in(path, sizeof(path), run, "gone");
	cr_assert_neq(access(path, F_OK), 0);
	cr_assert_eq(access(m, F_OK), 0);
	/* unmounted, it goes */
	cr_assert_eq(umount2(m, 0), 0);
	cr_assert_eq(bx_tree_remove(run, &rep), 0);
	cr_assert_eq(rep.mounts, 0);
	cr_assert_neq(access(run, F_OK), 0);
	assert_precious();
}

Test(tree, remove_keeps_a_file_bind_mount_and_a_mounted_top)
{
	struct bx_tree_report rep;
	char f[512], target[512];

	private_mounts();
	path_in(target, sizeof(target), keep, "precious");
	put(run, "f", "");
	path_in(f, sizeof(f), run, "f");
	bind(target, f);
	cr_assert_eq(bx_tree_remove(run, &rep), -EBUSY);
	cr_assert_eq(rep.mounts, 1);
	cr_assert_str_eq(rep.mount, f);
	assert_precious();
	cr_assert_eq(umount2(f, 0), 0);
	/* the tree itself a mount point: nothing in it is touched */
	bind(keep, run);
	cr_assert_eq(bx_tree_remove(run, &rep), -EBUSY);
	cr_assert_str_eq(rep.mount, run);
	assert_precious();
}

Test(tree, copy_keeps_holes_links_modes_and_skips_mounts)
{
	struct bx_tree_report rep;
	char from[512], to[512], path[512], other[512];
	struct stat a, b;
	int fd;

	private_mounts();
	path_in(from, sizeof(from), run, "from");
	path_in(to, sizeof(to), base, "copy");
	cr_assert_eq(mkdir(from, 0750), 0);
	put(from, "a", "hello");
	path_in(path, sizeof(path), from, "a");
	path_in(other, sizeof(other), from, "b");
	cr_assert_eq(link(path, other), 0);
	cr_assert_eq(chmod(path, 04640), 0);	/* set-id bits are dropped */
	path_in(path, sizeof(path), from, "sparse");
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	cr_assert_eq(pwrite(fd, "x", 1, 32 << 20), 1);
	close(fd);
	path_in(path, sizeof(path), from, "l");
	cr_assert_eq(symlink("../../keep", path), 0);
	path_in(path, sizeof(path), from, "fifo");
	cr_assert_eq(mkfifo(path, 0600), 0);
	path_in(path, sizeof(path), from, "m");
	cr_assert_eq(mkdir(path, 0755), 0);
	bind(keep, path);

	cr_assert_eq(bx_tree_copy(from, to, &rep), 0);
	cr_assert_eq(rep.mounts, 1);
	path_in(path, sizeof(path), to, "a");
	path_in(other, sizeof(other), to, "b");
	cr_assert_eq(stat(path, &a), 0);
	cr_assert_eq(stat(other, &b), 0);
	cr_assert_eq(a.st_ino, b.st_ino);
	cr_assert_eq(a.st_mode & 07777, 0640);
	path_in(path, sizeof(path), to, "sparse");
	cr_assert_eq(stat(path, &a), 0);
	cr_assert_eq(a.st_size, (32 << 20) + 1);
	cr_assert_lt(a.st_blocks * 512, 1 << 20, "the hole was filled");
	path_in(path, sizeof(path), to, "l");
	cr_assert_eq(lstat(path, &a), 0);
	cr_assert(S_ISLNK(a.st_mode));
	path_in(path, sizeof(path), to, "fifo");
	cr_assert_eq(lstat(path, &a), 0);
	cr_assert(S_ISFIFO(a.st_mode));
	/* the mount point is copied as nothing: not its contents */
	path_in(path, sizeof(path), to, "m");
	cr_assert_neq(access(path, F_OK), 0);
	cr_assert_eq(stat(to, &a), 0);
	cr_assert_eq(a.st_mode & 07777, 0750);
	assert_precious();
}

Test(tree, open_beneath_refuses_symlinks_dotdot_and_mounts)
{
	char path[512];
	int root, i;

	private_mounts();
	make_dir(run, "d");
	path_in(path, sizeof(path), run, "d/l");
	cr_assert_eq(symlink(keep, path), 0);
	path_in(path, sizeof(path), run, "m");
	cr_assert_eq(mkdir(path, 0755), 0);
	bind(keep, path);
	root = open(run, O_RDONLY | O_DIRECTORY);
	/* twice: openat2, then the component walk of older kernels */
	for (i = 0; i < 2; i++) {
		int fd;

		bx_tree_force_walk(i == 1);
		fd = bx_open_beneath(root, "d", O_PATH | O_DIRECTORY);
		cr_assert_geq(fd, 0, "%s", strerror(-fd));
		close(fd);
		cr_assert_eq(bx_open_beneath(root, "d/l", O_PATH | O_DIRECTORY),
		    -ELOOP, "walk %d", i);
		cr_assert_eq(bx_open_beneath(root, "d/l/x", O_PATH |
		    O_DIRECTORY), -ELOOP, "walk %d", i);
		cr_assert_eq(bx_open_beneath(root, "m", O_PATH | O_DIRECTORY),
		    -EXDEV, "walk %d", i);
		cr_assert_eq(bx_open_beneath(root, "../keep", O_PATH |
		    O_DIRECTORY), -EXDEV, "walk %d", i);
		cr_assert_eq(bx_open_beneath(root, "nope", O_PATH | O_DIRECTORY),
		    -ENOENT, "walk %d", i);
	}
	close(root);
}
