/*
 * p_filter: install a seccomp filter of our own (fsync -> EPERM;
 * getppid and fdatasync -> SECCOMP_RET_TRACE with foreign tags 0x4242 and
 * 0x4243), then create filter.out, write "before\n", fsync (must fail
 * with EPERM: a stacked ERRNO beats badio's TRACE, so badio cannot see
 * it), call getppid and fdatasync (both must fail with ENOSYS, as a
 * TRACE with no tracer does: badio is a tracer for its own tag only, and
 * fdatasync, which badio traces too, must not run), write "after\n".
 * Sites on filter.out: openat, write, write.  The same without badio.
 */
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "progs.h"

static void
own_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fsync, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | 0x4242),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fdatasync, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | 0x4243),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	CHECK(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog));
}

int
main(void)
{
	int fd;

	own_filter();
	fd = CHECK(open("filter.out", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	EXPECT(write(fd, "before\n", 7), 7);
	EXPECT(fsync(fd), -1);
	EXPECT(errno, EPERM);
	/* no tracer for our tags: the calls fail and do not run */
	EXPECT(syscall(SYS_getppid), -1);
	EXPECT(errno, ENOSYS);
	EXPECT(fdatasync(fd), -1);
	EXPECT(errno, ENOSYS);
	EXPECT(write(fd, "after\n", 6), 6);
	EXPECT(close(fd), 0);
	return 0;
}
