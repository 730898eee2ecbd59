/*
 * p_copy: the copy calls, as raw syscalls: copy_file_range, sendfile and
 * splice into a regular file with and without offset pointers, from a
 * file and from a pipe; splice into a pipe and sendfile into a socket (no
 * file writes); into a write-only file (its data read back from the
 * source), an O_SYNC file, and an O_APPEND file (refused by the kernel).
 * tests/live/test_record.c ("copy_calls") lists the expected sites in the
 * same order as the calls below.
 *
 * p_copy CLONE also reflinks src into cl with FICLONE, then FICLONERANGE
 * (a length of 0: to the end), and makes an ioctl that is no site; CLONE
 * is the result FICLONE gives here (0, or -EOPNOTSUPP on ext4 and tmpfs),
 * as the test found it in the same directory.
 *
 * src holds "0123456789abcdef" (16 bytes).
 */
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "progs.h"

static int in, p[2];

static void
drain(int fd, const char *want)
{
	char buf[64];
	size_t n = strlen(want);

	EXPECT(read(fd, buf, sizeof(buf)), (long)n);
	if (memcmp(buf, want, n) != 0)
		fail("read '%.*s', want '%s'", (int)n, buf, want);
}

/* Into dst (O_RDWR): read back from dst itself. */
static void
into_a_file(void)
{
	long long oi = 4, oo = 100, so = 10;
	int out;

	out = CHECK(syscall(SYS_openat, AT_FDCWD, "dst",
			    O_RDWR | O_CREAT | O_TRUNC, 0644));
	/* cp's way: ask for far more, until the call returns 0 */
	EXPECT(syscall(SYS_copy_file_range, in, NULL, out, NULL, 1L << 62, 0),
	       16);
	EXPECT(syscall(SYS_copy_file_range, in, NULL, out, NULL, 1L << 62, 0),
	       0);
	EXPECT(syscall(SYS_copy_file_range, in, &oi, out, &oo, 6L, 0), 6);
	EXPECT(oi, 10);
	EXPECT(oo, 106);
	EXPECT(lseek(in, 0, SEEK_SET), 0);
	EXPECT(syscall(SYS_sendfile, out, in, NULL, 3L), 3);
	EXPECT(syscall(SYS_sendfile, out, in, &so, 100L), 6);
	EXPECT(so, 16);
	EXPECT(write(p[1], "PIPEDATA", 8), 8);
	EXPECT(syscall(SYS_splice, p[0], NULL, out, NULL, 100L, 0), 8);
	EXPECT(lseek(out, 0, SEEK_CUR), 33);
	EXPECT(close(out), 0);
}

/* Out of the file: into a pipe, into a socket. */
static void
out_of_a_file(void)
{
	long long oi = 0;
	long long so = 12;
	int sv[2];

	EXPECT(syscall(SYS_splice, in, &oi, p[1], NULL, 5L, 1 /* MOVE */), 5);
	drain(p[0], "01234");
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT(syscall(SYS_sendfile, sv[0], in, &so, 4L), 4);
	drain(sv[1], "cdef");
	EXPECT(close(sv[0]), 0);
	EXPECT(close(sv[1]), 0);
}

/* Where the output cannot be read back, or says something. */
static void
other_outputs(void)
{
	long long z = 0, at;
	int wo, os, ap;

	wo = CHECK(syscall(SYS_openat, AT_FDCWD, "wo",
			   O_WRONLY | O_CREAT | O_TRUNC, 0644));
	EXPECT(write(p[1], "WO", 2), 2);
	EXPECT(syscall(SYS_splice, p[0], NULL, wo, NULL, 2L, 0), 2);
	EXPECT(syscall(SYS_copy_file_range, in, &z, wo, NULL, 7L, 0), 7);
	at = 100;
	EXPECT(write(p[1], "AT", 2), 2);
	EXPECT(syscall(SYS_splice, p[0], NULL, wo, &at, 2L, 0), 2);
	EXPECT(at, 102);
	EXPECT(lseek(wo, 0, SEEK_CUR), 9);	/* an offset pointer: not moved */
	EXPECT(close(wo), 0);
	os = CHECK(syscall(SYS_openat, AT_FDCWD, "os",
			   O_WRONLY | O_CREAT | O_TRUNC | O_SYNC, 0644));
	z = 8;
	EXPECT(syscall(SYS_copy_file_range, in, &z, os, NULL, 100L, 0), 8);
	EXPECT(close(os), 0);
	ap = CHECK(syscall(SYS_openat, AT_FDCWD, "ap",
			   O_WRONLY | O_CREAT | O_APPEND, 0644));
	z = 0;
	EXPECT(syscall(SYS_copy_file_range, in, &z, ap, NULL, 4L, 0), -1);
	EXPECT(errno, EBADF);
	EXPECT(close(ap), 0);
}

/* A failed call must fail with -want. */
#define EXPECT_RESULT(call, want) do {					\
	long r_ = (long)(call);						\
	if ((want) == 0 ? r_ != 0 : r_ != -1 || errno != -(want))	\
		fail("%s = %ld (errno %d), want %ld", #call, r_, errno,	\
		     (long)(want));					\
} while (0)

static void
clones(long want)
{
	struct file_clone_range fcr = { .src_fd = in, .src_offset = 0,
					.src_length = 0, .dest_offset = 0 };
	int cl, n;

	cl = CHECK(syscall(SYS_openat, AT_FDCWD, "cl", O_RDWR | O_CREAT | O_TRUNC,
			   0644));
	EXPECT_RESULT(ioctl(cl, FICLONE, in), want);
	EXPECT_RESULT(ioctl(cl, FICLONERANGE, &fcr), want);
	EXPECT(ioctl(p[0], FIONREAD, &n), 0);		/* not a site */
	EXPECT(close(cl), 0);
}

int
main(int argc, char **argv)
{
	if (write_text("src", "0123456789abcdef") < 0)
		fail("write_text: %s", strerror(errno));
	in = CHECK(open("src", O_RDONLY));
	CHECK(pipe(p));
	into_a_file();
	out_of_a_file();
	other_outputs();
	if (argc > 1)
		clones(atol(argv[1]));
	return 0;
}
