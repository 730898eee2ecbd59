/*
 * test_snapshot.c - the --init snapshot (explorer/snapshot.c): a tree
 * packed and unpacked comes back the same (contents, modes, symlinks,
 * times); malformed or hostile snapshots are refused.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "explorer/explorer.h"

static char src[64], dst[64];

static void
put(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);
	cr_assert_geq(fd, 0, "%s", path);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(path, mode);
}

static void
setup(void)
{
	snprintf(src, sizeof(src), "/tmp/badio-snap-src-XXXXXX");
	snprintf(dst, sizeof(dst), "/tmp/badio-snap-dst-XXXXXX");
	cr_assert_not_null(mkdtemp(src));
	cr_assert_not_null(mkdtemp(dst));
}

static void
teardown(void)
{
	bx_tree_remove(src);
	bx_tree_remove(dst);
}

static void
expect_file(const char *name, const char *text, mode_t mode)
{
	char path[256], buf[256] = "";
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dst, name);
	cr_assert_eq(lstat(path, &st), 0, "%s", path);
	cr_assert_eq(st.st_mode & 07777, mode, "%s mode %o", name,
	    st.st_mode & 07777);
	fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert_geq(read(fd, buf, sizeof(buf) - 1), 0);
	close(fd);
	cr_assert_str_eq(buf, text);
}

Test(snapshot, round_trip, .init = setup, .fini = teardown)
{
	char path[256], link[256];
	struct stat st;
	void *buf;
	size_t len;
	ssize_t n;

	put(src, "a.txt", "hello\n", 0644);
	put(src, "run.sh", "#!/bin/sh\n", 0755);
	snprintf(path, sizeof(path), "%s/sub", src);
	cr_assert_eq(mkdir(path, 0700), 0);
	put(path, "empty", "", 0600);
	snprintf(path, sizeof(path), "%s/sub/ro", src);
	cr_assert_eq(mkdir(path, 0500), 0);
	snprintf(path, sizeof(path), "%s/link", src);
	cr_assert_eq(symlink("a.txt", path), 0);

	cr_assert_eq(bx_snapshot_pack(src, &buf, &len), 0);
	cr_assert_eq(bx_snapshot_unpack(buf, len, dst), 0);
	free(buf);

	expect_file("a.txt", "hello\n", 0644);
	expect_file("run.sh", "#!/bin/sh\n", 0755);
	expect_file("sub/empty", "", 0600);
	snprintf(path, sizeof(path), "%s/sub/ro", dst);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0500);
	snprintf(path, sizeof(path), "%s/link", dst);
	n = readlink(path, link, sizeof(link) - 1);
	cr_assert_eq(n, 5);
	link[n] = '\0';
	cr_assert_str_eq(link, "a.txt");
}

Test(snapshot, keeps_modification_times, .init = setup, .fini = teardown)
{
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { 1000000000, 123 } };
	char path[256];
	struct stat st;
	void *buf;
	size_t len;

	put(src, "old.txt", "x", 0644);
	snprintf(path, sizeof(path), "%s/old.txt", src);
	cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
	cr_assert_eq(bx_snapshot_pack(src, &buf, &len), 0);
	cr_assert_eq(bx_snapshot_unpack(buf, len, dst), 0);
	free(buf);
	snprintf(path, sizeof(path), "%s/old.txt", dst);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mtim.tv_sec, 1000000000);
	cr_assert_eq(st.st_mtim.tv_nsec, 123);
}

Test(snapshot, refuses_fifos, .init = setup, .fini = teardown)
{
	char path[256];
	void *buf;
	size_t len;

	snprintf(path, sizeof(path), "%s/fifo", src);
	cr_assert_eq(mkfifo(path, 0600), 0);
	cr_assert_eq(bx_snapshot_pack(src, &buf, &len), -ENOTSUP);
}

Test(snapshot, refuses_truncated_and_hostile_input, .init = setup,
    .fini = teardown)
{
	static const char evil_name[] = "../escape";
	unsigned char evil[128];
	size_t at = 0;
	uint32_t mode = 0644, nlen = sizeof(evil_name) - 1;
	int64_t mtime = 0;
	uint64_t dlen = 1;
	void *buf;
	size_t len;
	char path[256];

	put(src, "a.txt", "hello\n", 0644);
	cr_assert_eq(bx_snapshot_pack(src, &buf, &len), 0);
	cr_assert_eq(bx_snapshot_unpack(buf, len - 1, dst), -EBADMSG);
	cr_assert_eq(bx_snapshot_unpack("garbage", 7, dst), -EBADMSG);
	free(buf);

	memcpy(evil, "BADIOSNAP1\n", 11);
	at = 11;
	evil[at++] = 'f';
	memcpy(evil + at, &mode, 4), at += 4;
	memcpy(evil + at, &mtime, 8), at += 8;
	memcpy(evil + at, &nlen, 4), at += 4;
	memcpy(evil + at, evil_name, nlen), at += nlen;
	memcpy(evil + at, &dlen, 8), at += 8;
	evil[at++] = 'x';
	cr_assert_eq(bx_snapshot_unpack(evil, at, dst), -EBADMSG);
	snprintf(path, sizeof(path), "%s/../escape", dst);
	cr_assert_neq(access(path, F_OK), 0, "nothing written outside");
}
