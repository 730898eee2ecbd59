/*
 * test_snapshot.c - the --init snapshot (explorer/snapshot*.c): a tree
 * packed and unpacked comes back the same (contents, modes, symlinks,
 * hard links, holes, empty directories, times), `tar` reads it, an old
 * database's snapshot converts; and crafted archives that reach for
 * what is outside the run directory are refused with a message naming
 * the entry, having written nothing outside.
 *
 * Crafted archives are written with libarchive here, entry by entry, the
 * way an attacker would (pax, zstd: what badio stores), or byte by byte
 * where libarchive would not write the lie.
 */
#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "explorer/explorer.h"
#include "explorer/explorer_int.h"
#include "craft.h"

static char base[64], src[96], dst[96], outside[96];
static char err[512];

static void
path_in(char *buf, size_t size, const char *dir, const char *name)
{
	cr_assert_lt(snprintf(buf, size, "%s/%s", dir, name), (int)size);
}

static void
put(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[256];
	int fd;

	path_in(path, sizeof(path), dir, name);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	cr_assert_geq(fd, 0, "%s", path);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	cr_assert_eq(chmod(path, mode), 0);
}

static void
setup(void)
{
	snprintf(base, sizeof(base), "/tmp/badio-test-snap-XXXXXX");
	cr_assert_not_null(mkdtemp(base));
	path_in(src, sizeof(src), base, "src");
	path_in(dst, sizeof(dst), base, "run");
	path_in(outside, sizeof(outside), base, "outside");
	cr_assert_eq(mkdir(src, 0755), 0);
	cr_assert_eq(mkdir(dst, 0700), 0);
	cr_assert_eq(mkdir(outside, 0755), 0);
	err[0] = '\0';
}

static void
teardown(void)
{
	bx_tree_force_walk(false);
	bx_tree_remove(base, NULL);
}

/* Entries of a directory, "." and ".." aside. */
static int
entries(const char *dir)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0;

	cr_assert_not_null(dp, "%s", dir);
	while ((d = readdir(dp)))
		n += strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
	closedir(dp);
	return n;
}

static int
pack(void)
{
	int fd = bx_tmpfile();

	cr_assert_geq(fd, 0);
	cr_assert_eq(bx_snapshot_pack(src, fd, NULL, err, sizeof(err)), 0,
	    "%s", err);
	return fd;
}

static void
round_trip(void)
{
	int fd = pack();

	cr_assert_eq(bx_snapshot_unpack(fd, dst, err, sizeof(err)), 0, "%s",
	    err);
	close(fd);
}

static void
expect_file(const char *name, const char *text, mode_t mode)
{
	char path[256], buf[256] = "";
	struct stat st;
	int fd;

	path_in(path, sizeof(path), dst, name);
	cr_assert_eq(lstat(path, &st), 0, "%s", path);
	cr_assert(S_ISREG(st.st_mode), "%s", name);
	cr_assert_eq(st.st_mode & 07777, mode, "%s mode %o", name,
	    st.st_mode & 07777);
	fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert_geq(read(fd, buf, sizeof(buf) - 1), 0);
	close(fd);
	cr_assert_str_eq(buf, text, "%s", name);
}

static void
expect_link(const char *name, const char *target)
{
	char path[256], got[256];
	ssize_t n;

	path_in(path, sizeof(path), dst, name);
	n = readlink(path, got, sizeof(got) - 1);
	cr_assert_geq(n, 0, "%s is not a symlink", name);
	got[n] = '\0';
	cr_assert_str_eq(got, target);
}

static void
expect_dir(const char *name, mode_t mode, int n)
{
	char path[256];
	struct stat st;

	path_in(path, sizeof(path), dst, name);
	cr_assert_eq(lstat(path, &st), 0, "%s", path);
	cr_assert(S_ISDIR(st.st_mode), "%s", name);
	cr_assert_eq(st.st_mode & 07777, mode, "%s mode %o", name,
	    st.st_mode & 07777);
	cr_assert_eq(entries(path), n, "%s", name);
}

/* --- round trips -------------------------------------------------------- */

Test(snapshot, round_trip_keeps_files_modes_links_and_empty_dirs,
    .init = setup, .fini = teardown)
{
	char path[256], other[256];
	struct stat a, b;

	put(src, "a.txt", "hello\n", 0644);
	put(src, "run.sh", "#!/bin/sh\n", 0755);
	put(src, "secret", "s", 0400);
	path_in(path, sizeof(path), src, "sub");
	cr_assert_eq(mkdir(path, 0700), 0);
	put(path, "empty", "", 0600);
	path_in(path, sizeof(path), src, "sub/ro");
	cr_assert_eq(mkdir(path, 0500), 0);
	path_in(path, sizeof(path), src, "empty-dir");
	cr_assert_eq(mkdir(path, 0751), 0);
	path_in(path, sizeof(path), src, "shared");
	cr_assert_eq(mkdir(path, 0777), 0);
	cr_assert_eq(chmod(path, 03777), 0);	/* sticky + setgid dir: kept */
	path_in(path, sizeof(path), src, "link");
	cr_assert_eq(symlink("a.txt", path), 0);
	path_in(path, sizeof(path), src, "sub/up");
	cr_assert_eq(symlink("../a.txt", path), 0);
	path_in(path, sizeof(path), src, "abs");
	cr_assert_eq(symlink("/etc/hostname", path), 0);	/* kept as is */
	path_in(path, sizeof(path), src, "a.txt");
	path_in(other, sizeof(other), src, "sub/hard");
	cr_assert_eq(link(path, other), 0);

	round_trip();

	expect_file("a.txt", "hello\n", 0644);
	expect_file("run.sh", "#!/bin/sh\n", 0755);
	expect_file("secret", "s", 0400);
	expect_file("sub/empty", "", 0600);
	expect_file("sub/hard", "hello\n", 0644);
	expect_dir("sub/ro", 0500, 0);
	expect_dir("empty-dir", 0751, 0);
	expect_dir("shared", 03777, 0);
	expect_dir("sub", 0700, 4);
	expect_link("link", "a.txt");
	expect_link("sub/up", "../a.txt");
	expect_link("abs", "/etc/hostname");
	/* a hard link stays one: one inode, two names */
	path_in(path, sizeof(path), dst, "a.txt");
	path_in(other, sizeof(other), dst, "sub/hard");
	cr_assert_eq(stat(path, &a), 0);
	cr_assert_eq(stat(other, &b), 0);
	cr_assert_eq(a.st_ino, b.st_ino);
	cr_assert_eq(a.st_nlink, 2);
	cr_assert_eq(entries(dst), 8);
}

Test(snapshot, keeps_holes, .init = setup, .fini = teardown)
{
	static char block[65536];
	char path[256], buf[65536];
	struct stat st;
	off_t off;
	int fd;

	/* 8 MiB hole, 64 KiB of data, 8 MiB hole at the end */
	memset(block, 'x', sizeof(block));
	path_in(path, sizeof(path), src, "sparse");
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, block, sizeof(block), 8 << 20),
	    (ssize_t)sizeof(block));
	cr_assert_eq(ftruncate(fd, (16 << 20) + (off_t)sizeof(block)), 0);
	close(fd);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_lt(st.st_blocks * 512, 1 << 20, "the file system keeps no "
	    "holes: this test needs one that does");
	put(src, "all-hole", "", 0644);
	path_in(path, sizeof(path), src, "all-hole");
	cr_assert_eq(truncate(path, 1 << 20), 0);

	round_trip();

	path_in(path, sizeof(path), dst, "sparse");
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_size, (16 << 20) + (off_t)sizeof(block));
	cr_assert_lt(st.st_blocks * 512, 1 << 20, "holes were filled: %lld "
	    "blocks", (long long)st.st_blocks);
	fd = open(path, O_RDONLY);
	cr_assert_eq(pread(fd, buf, sizeof(buf), 8 << 20), (ssize_t)sizeof(buf));
	cr_assert_eq(memcmp(buf, block, sizeof(buf)), 0);
	off = lseek(fd, 0, SEEK_DATA);
	cr_assert_eq(off, 8 << 20, "data starts at %lld", (long long)off);
	cr_assert_eq(pread(fd, buf, 16, 4 << 20), 16);
	cr_assert_eq(buf[0] | buf[15], 0);
	close(fd);
	path_in(path, sizeof(path), dst, "all-hole");
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_size, 1 << 20);
	cr_assert_lt(st.st_blocks * 512, 64 << 10);
}

Test(snapshot, keeps_modification_times, .init = setup, .fini = teardown)
{
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { 1000000000, 123 } };
	struct timespec tl[2] = { { 0, UTIME_OMIT }, { 1100000000, 456789 } };
	struct timespec td[2] = { { 0, UTIME_OMIT }, { 1200000000, 999999999 } };
	char path[256];
	struct stat st;

	path_in(path, sizeof(path), src, "d");
	cr_assert_eq(mkdir(path, 0755), 0);
	put(path, "old.txt", "x", 0644);
	path_in(path, sizeof(path), src, "d/old.txt");
	cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
	path_in(path, sizeof(path), src, "d/link");
	cr_assert_eq(symlink("old.txt", path), 0);
	cr_assert_eq(utimensat(AT_FDCWD, path, tl, AT_SYMLINK_NOFOLLOW), 0);
	path_in(path, sizeof(path), src, "d");
	cr_assert_eq(utimensat(AT_FDCWD, path, td, 0), 0);

	round_trip();

	path_in(path, sizeof(path), dst, "d/old.txt");
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mtim.tv_sec, 1000000000);
	cr_assert_eq(st.st_mtim.tv_nsec, 123);
	path_in(path, sizeof(path), dst, "d/link");
	cr_assert_eq(lstat(path, &st), 0);
	cr_assert_eq(st.st_mtim.tv_sec, 1100000000);
	cr_assert_eq(st.st_mtim.tv_nsec, 456789);
	/* set after its entries were made */
	path_in(path, sizeof(path), dst, "d");
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mtim.tv_sec, 1200000000);
	cr_assert_eq(st.st_mtim.tv_nsec, 999999999);
}

Test(snapshot, odd_names_round_trip, .init = setup, .fini = teardown)
{
	/* not UTF-8, a newline, a leading dash, spaces: names are bytes */
	static const char *const names[] = { "caf\xe9", "new\nline", "-x",
	    "a b", "\xc3\xa9t\xc3\xa9" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		put(src, names[i], names[i], 0644);
	round_trip();
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		expect_file(names[i], names[i], 0644);
}

Test(snapshot, same_tree_same_archive, .init = setup, .fini = teardown)
{
	char a[4096], b[4096];
	ssize_t na, nb;
	int fa, fb;

	put(src, "z", "1", 0644);
	put(src, "a", "2", 0644);
	put(src, "m", "3", 0644);
	fa = pack();
	fb = pack();
	na = pread(fa, a, sizeof(a), 0);
	nb = pread(fb, b, sizeof(b), 0);
	cr_assert_gt(na, 0);
	cr_assert_eq(na, nb);
	cr_assert_eq(memcmp(a, b, (size_t)na), 0);
	close(fa);
	close(fb);
}

/* `tar` lists and extracts what badio stores (docs/schema.md). */
Test(snapshot, tar_reads_it, .init = setup, .fini = teardown)
{
	char cmd[1024], path[256];
	char buf[8192];
	ssize_t n;
	int fd, tf;
	FILE *p;

	put(src, "data.txt", "hello\n", 0640);
	path_in(path, sizeof(path), src, "dir");
	cr_assert_eq(mkdir(path, 0755), 0);
	path_in(path, sizeof(path), src, "dir/link");
	cr_assert_eq(symlink("../data.txt", path), 0);
	fd = pack();
	path_in(path, sizeof(path), base, "init.tar.zst");
	tf = open(path, O_CREAT | O_WRONLY, 0644);
	cr_assert_geq(tf, 0);
	for (off_t off = 0; (n = pread(fd, buf, sizeof(buf), off)) > 0; off += n)
		cr_assert_eq(write(tf, buf, (size_t)n), n);
	close(tf);
	close(fd);
	snprintf(cmd, sizeof(cmd), "tar -tvf '%s' 2>&1", path);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = (ssize_t)fread(buf, 1, sizeof(buf) - 1, p);
	buf[n > 0 ? n : 0] = '\0';
	cr_assert_eq(pclose(p), 0, "tar -tvf failed:\n%s", buf);
	cr_assert(strstr(buf, "-rw-r----- ") && strstr(buf, " data.txt\n"), "%s",
	    buf);
	cr_assert(strstr(buf, " dir/link -> ../data.txt\n"), "%s", buf);
	snprintf(cmd, sizeof(cmd), "tar -xf '%s' -C '%s'", path, dst);
	cr_assert_eq(system(cmd), 0);
	expect_file("data.txt", "hello\n", 0640);
	expect_link("dir/link", "../data.txt");
}

Test(snapshot, pack_refuses_fifos_and_setuid_files, .init = setup,
    .fini = teardown)
{
	char path[256];
	int fd = bx_tmpfile();

	path_in(path, sizeof(path), src, "fifo");
	cr_assert_eq(mkfifo(path, 0600), 0);
	cr_assert_eq(bx_snapshot_pack(src, fd, NULL, err, sizeof(err)),
	    -ENOTSUP);
	cr_assert_str_eq(err, "'fifo': is a FIFO: a snapshot holds files, "
	    "directories and symlinks only");
	cr_assert_eq(unlink(path), 0);
	put(src, "su", "x", 04755);
	cr_assert_eq(ftruncate(fd, 0), 0);
	cr_assert_eq(bx_snapshot_pack(src, fd, NULL, err, sizeof(err)), -EPERM);
	cr_assert(strstr(err, "'su': is setuid or setgid") == err, "%s", err);
	close(fd);
}

/* --- crafted archives ----------------------------------------------------- */

/*
 * Unpacking fd must fail with a message that has why in it, and leave
 * outside (where the attacks point) as empty as it was.
 */
static void
refused(int fd, const char *why)
{
	int rc = bx_snapshot_unpack(fd, dst, err, sizeof(err));

	cr_assert_lt(rc, 0, "a crafted archive was unpacked");
	cr_assert(strstr(err, why) != NULL, "message '%s' lacks '%s'", err, why);
	cr_assert_eq(entries(outside), 0, "something was written outside");
	close(fd);
}

/* Unpack fd into a fresh run directory; must fail with why in err. */
static void
refused_again(int fd, const char *why)
{
	bx_tree_remove(dst, NULL);
	cr_assert_eq(mkdir(dst, 0700), 0);
	refused(fd, why);
}

Test(snapshot, refuses_symlink_then_file_through_it, .init = setup,
    .fini = teardown)
{
	struct craft c;

	craft_begin(&c);
	craft(&c, "lnk", AE_IFLNK | 0777, NULL, outside, NULL);
	craft(&c, "lnk/file", AE_IFREG | 04755, "#!/bin/sh\n", NULL, NULL);
	refused(craft_end(&c), "'lnk/file': setuid or setgid");

	/* without the setuid bit, the symlink is what stops it */
	craft_begin(&c);
	craft(&c, "lnk", AE_IFLNK | 0777, NULL, outside, NULL);
	craft(&c, "lnk/file", AE_IFREG | 0644, "x", NULL, NULL);
	refused_again(craft_end(&c), "'lnk/file': its directory 'lnk' is, or "
	    "passes through, a symlink");
}

Test(snapshot, refuses_symlink_then_dir_and_file_through_it, .init = setup,
    .fini = teardown)
{
	struct craft c;

	craft_begin(&c);
	craft(&c, "lnk", AE_IFLNK | 0777, NULL, outside, NULL);
	craft(&c, "lnk/dir", AE_IFDIR | 0777, NULL, NULL, NULL);
	craft(&c, "lnk/dir/file", AE_IFREG | 0644, "x", NULL, NULL);
	refused(craft_end(&c), "'lnk/dir': its directory 'lnk' is, or passes "
	    "through, a symlink");
}

Test(snapshot, refuses_symlinks_on_the_path_without_openat2, .init = setup,
    .fini = teardown)
{
	struct craft c;

	bx_tree_force_walk(true);	/* the walk kernels before 5.6 get */
	craft_begin(&c);
	craft(&c, "d", AE_IFDIR | 0755, NULL, NULL, NULL);
	craft(&c, "d/lnk", AE_IFLNK | 0777, NULL, outside, NULL);
	craft(&c, "d/lnk/dir", AE_IFDIR | 0777, NULL, NULL, NULL);
	refused(craft_end(&c), "'d/lnk/dir': its directory 'd/lnk' is, or "
	    "passes through, a symlink");
	craft_begin(&c);
	craft(&c, "../escape", AE_IFREG | 0644, "x", NULL, NULL);
	refused(craft_end(&c), "'../escape': '..' in the name");
}

Test(snapshot, refuses_dotdot, .init = setup, .fini = teardown)
{
	struct craft c;

	craft_begin(&c);
	craft(&c, "../outside/escape", AE_IFREG | 0644, "x", NULL, NULL);
	refused(craft_end(&c), "'../outside/escape': '..' in the name");
	craft_begin(&c);
	craft(&c, "a", AE_IFDIR | 0755, NULL, NULL, NULL);
	craft(&c, "a/../../outside/escape", AE_IFREG | 0644, "x", NULL, NULL);
	refused(craft_end(&c), "'..' in the name");
	craft_begin(&c);
	craft(&c, "a//b", AE_IFREG | 0644, "x", NULL, NULL);
	refused(craft_end(&c), "empty or '.' component");
}

Test(snapshot, refuses_absolute_names, .init = setup, .fini = teardown)
{
	char name[256];
	struct craft c;

	path_in(name, sizeof(name), outside, "abs");
	craft_begin(&c);
	craft(&c, name, AE_IFREG | 0644, "x", NULL, NULL);
	refused(craft_end(&c), "absolute name");
}

Test(snapshot, refuses_duplicate_entries, .init = setup, .fini = teardown)
{
	struct craft c;

	craft_begin(&c);
	craft(&c, "f", AE_IFREG | 0644, "first", NULL, NULL);
	craft(&c, "f", AE_IFREG | 0644, "second", NULL, NULL);
	refused(craft_end(&c), "'f': a second entry of this name");
	bx_tree_remove(dst, NULL);
	cr_assert_eq(mkdir(dst, 0700), 0);
	craft_begin(&c);
	craft(&c, "d", AE_IFDIR | 0755, NULL, NULL, NULL);
	craft(&c, "d/", AE_IFDIR | 0777, NULL, NULL, NULL);
	refused(craft_end(&c), "'d': a second entry of this name");
}

Test(snapshot, refuses_a_symlink_replacing_an_extracted_dir, .init = setup,
    .fini = teardown)
{
	struct craft c;

	craft_begin(&c);
	craft(&c, "d", AE_IFDIR | 0700, NULL, NULL, NULL);
	craft(&c, "d/f", AE_IFREG | 0644, "x", NULL, NULL);
	craft(&c, "d", AE_IFLNK | 0777, NULL, outside, NULL);
	craft(&c, "d/g", AE_IFREG | 0644, "x", NULL, NULL);
	refused(craft_end(&c), "'d': a second entry of this name");
	/* d's mode was never applied through the link, even at the end */
	cr_assert_eq(entries(dst), 1);
}

Test(snapshot, refuses_hard_links_out, .init = setup, .fini = teardown)
{
	char target[256], victim[256];
	struct craft c;
	struct stat st;

	/* outside has one file now: refused() counts entries, so move it */
	path_in(victim, sizeof(victim), base, "victim");
	put(base, "victim", "keep me", 0644);
	craft_begin(&c);
	craft(&c, "h", AE_IFREG | 0644, NULL, NULL, victim);
	refused_again(craft_end(&c), "'h': hard link target: absolute name");
	craft_begin(&c);
	craft(&c, "h", AE_IFREG | 0644, NULL, NULL, "../victim");
	refused_again(craft_end(&c), "'h': hard link target: '..' in the "
	    "name");
	/* through a symlink of the archive's own */
	craft_begin(&c);
	craft(&c, "lnk", AE_IFLNK | 0777, NULL, base, NULL);
	craft(&c, "h", AE_IFREG | 0644, NULL, NULL, "lnk/victim");
	refused_again(craft_end(&c), "'h': its directory 'lnk' is, or passes "
	    "through, a symlink");
	/* to a symlink, not to a file it extracted */
	craft_begin(&c);
	craft(&c, "lnk", AE_IFLNK | 0777, NULL, victim, NULL);
	craft(&c, "h", AE_IFREG | 0644, NULL, NULL, "lnk");
	refused_again(craft_end(&c), "'h': a hard link to something that is "
	    "not a file extracted before it");
	/* a hard link that brings data of its own (libarchive won't write it) */
	refused_again(raw_archive((const struct raw_entry[]){
	    { "f", '0', NULL, "mine" },
	    /* a pax header before it: then libarchive believes the size */
	    { "PaxHeader/h", 'x', NULL, "8 uid=0\n" }, { "h", '1', "f", "more" },
	    { NULL, 0, NULL, NULL } }), "'h': a hard link with data of its own");
	cr_assert_eq(stat(victim, &st), 0);
	cr_assert_eq(st.st_nlink, 1, "the victim got a link");
	(void)target;
}

Test(snapshot, refuses_setuid_and_setgid_files, .init = setup,
    .fini = teardown)
{
	struct craft c;

	craft_begin(&c);
	craft(&c, "su", AE_IFREG | 04755, "x", NULL, NULL);
	refused(craft_end(&c), "'su': setuid or setgid");
	craft_begin(&c);
	craft(&c, "sg", AE_IFREG | 02755, "x", NULL, NULL);
	refused(craft_end(&c), "'sg': setuid or setgid");
	cr_assert_eq(entries(dst), 0);
}

Test(snapshot, refuses_devices_and_fifos, .init = setup, .fini = teardown)
{
	struct craft c;

	craft_begin(&c);
	craft(&c, "null", AE_IFCHR | 0666, NULL, NULL, NULL);
	refused(craft_end(&c), "'null': neither a file, a directory nor a "
	    "symlink");
	craft_begin(&c);
	craft(&c, "fifo", AE_IFIFO | 0666, NULL, NULL, NULL);
	refused(craft_end(&c), "'fifo': neither a file");
}

Test(snapshot, refuses_lying_sizes, .init = setup, .fini = teardown)
{
	unsigned char h[512], data[512];
	struct craft c;
	struct stat st;
	int fd;

	/* a header that says 100000 bytes, 512 of them there */
	fd = bx_tmpfile();
	ustar_header(h, "big", '0', "00000303240", NULL);
	memset(data, 'y', sizeof(data));
	cr_assert_eq(write(fd, h, sizeof(h)), 512);
	cr_assert_eq(write(fd, data, sizeof(data)), 512);
	refused(fd, "'big': ");

	/* a compressed archive cut in the middle */
	craft_begin(&c);
	{
		static char big[200000];

		for (size_t i = 0; i < sizeof(big); i++)
			big[i] = (char)(i * 7919 >> 3);
		big[sizeof(big) - 1] = '\0';
		craft(&c, "blob", AE_IFREG | 0644, big, NULL, NULL);
	}
	fd = craft_end(&c);
	cr_assert_eq(fstat(fd, &st), 0);
	cr_assert_eq(ftruncate(fd, st.st_size / 2), 0);
	refused(fd, "");
	cr_assert(*err, "no message");

	/* a sparse map (pax, GNU 0.1) that puts data past the file's size */
	refused(raw_archive((const struct raw_entry[]){
	    { "PaxHeader/s", 'x', NULL, "22 GNU.sparse.size=10\n"
	    "26 GNU.sparse.numblocks=1\n" "25 GNU.sparse.offset=100\n"
	    "25 GNU.sparse.numbytes=4\n" },
	    { "s", '0', NULL, "data" }, { NULL, 0, NULL, NULL } }),
	    "'s': data beyond the size of the entry");

	/* not an archive at all */
	fd = bx_tmpfile();
	cr_assert_eq(write(fd, "garbage!", 8), 8);
	refused(fd, "not a snapshot");
}

Test(snapshot, refuses_an_entry_before_its_directory, .init = setup,
    .fini = teardown)
{
	struct craft c;

	craft_begin(&c);
	craft(&c, "a/b", AE_IFREG | 0644, "x", NULL, NULL);
	refused(craft_end(&c), "'a/b': its directory 'a' is not in the "
	    "snapshot before it");
}

Test(snapshot, accepts_what_tar_writes, .init = setup, .fini = teardown)
{
	struct craft c;

	/* "./" in front and "/" behind, as `tar -C dir .` writes them */
	craft_begin(&c);
	craft(&c, "./", AE_IFDIR | 0755, NULL, NULL, NULL);
	craft(&c, "./d/", AE_IFDIR | 0750, NULL, NULL, NULL);
	craft(&c, "./d/f", AE_IFREG | 0640, "tar", NULL, NULL);
	cr_assert_eq(bx_snapshot_unpack(craft_end(&c), dst, err, sizeof(err)),
	    0, "%s", err);
	expect_dir("d", 0750, 1);
	expect_file("d/f", "tar", 0640);
}

/* --- the old format (before schema 7) -------------------------------------- */

static int
fixture_fd(const char *dir)
{
	char path[256], cmd[600];

	path_in(path, sizeof(path), dir, "v4.sqlite");
	snprintf(cmd, sizeof(cmd), "cp '%s/v4-init.sqlite' '%s'", FIXTURES_DIR,
	    path);
	cr_assert_eq(system(cmd), 0);
	return 0;
}

Test(snapshot, old_database_snapshot_converts, .init = setup,
    .fini = teardown)
{
	struct store_recording rec;
	struct store *s;
	char path[256];
	struct stat st;
	int fd;

	fixture_fd(base);
	path_in(path, sizeof(path), base, "v4.sqlite");
	cr_assert_eq(store_open(&s, path, STORE_WRITE), 0, "%s",
	    store_errmsg(NULL));
	cr_assert_eq(store_recording_get(s, &rec), 0);
	cr_assert_str_eq(rec.init_format, "badio-snap1");
	cr_assert_eq(rec.init_size, 294);
	cr_assert_eq(bx_snapshot_load(s, &rec, &fd, err, sizeof(err)), 0, "%s",
	    err);
	store_recording_release(&rec);
	cr_assert_eq(bx_snapshot_unpack(fd, dst, err, sizeof(err)), 0, "%s",
	    err);
	close(fd);
	expect_file("data.txt", "hello\n", 0644);
	expect_file("bin/run.sh", "#!/bin/sh\necho hi\n", 0755);
	expect_file("sub/empty", "", 0600);
	expect_dir("sub/ro", 0500, 0);
	expect_dir("emptydir", 0755, 0);
	expect_link("link", "data.txt");
	path_in(path, sizeof(path), dst, "data.txt");
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mtim.tv_sec, 1000000000);
	cr_assert_eq(st.st_mtim.tv_nsec, 123456789);
	/* the database now holds the new format, and loads it as is */
	cr_assert_eq(store_recording_get(s, &rec), 0);
	cr_assert_str_eq(rec.init_format, "tar");
	cr_assert_gt(rec.init_size, 294);
	cr_assert_eq(bx_snapshot_load(s, &rec, &fd, err, sizeof(err)), 0);
	store_recording_release(&rec);
	bx_tree_remove(dst, NULL);
	cr_assert_eq(mkdir(dst, 0700), 0);
	cr_assert_eq(bx_snapshot_unpack(fd, dst, err, sizeof(err)), 0, "%s",
	    err);
	close(fd);
	expect_file("data.txt", "hello\n", 0644);
	store_close(s);
}

Test(snapshot, damaged_old_snapshot_is_refused, .init = setup,
    .fini = teardown)
{
	struct store_recording rec;
	struct store *s;
	char path[256], cmd[600];
	int fd;

	fixture_fd(base);
	path_in(path, sizeof(path), base, "v4.sqlite");
	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' \"UPDATE recordings SET "
	    "init_blob = substr(init_blob, 1, 40)\"", path);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(store_open(&s, path, STORE_WRITE), 0);
	cr_assert_eq(store_recording_get(s, &rec), 0);
	cr_assert_eq(bx_snapshot_load(s, &rec, &fd, err, sizeof(err)), -EBADMSG);
	cr_assert_str_eq(err, "the old snapshot (badio-snap1) is damaged");
	cr_assert_eq(fd, -1);
	store_recording_release(&rec);
	/* and stays as it was */
	cr_assert_eq(store_recording_get(s, &rec), 0);
	cr_assert_str_eq(rec.init_format, "badio-snap1");
	store_recording_release(&rec);
	store_close(s);
}
