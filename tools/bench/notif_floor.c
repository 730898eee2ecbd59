/*
 * notif_floor [N]: the floor of one emulated write, two ways, measured
 * side by side (issue 11, goal 2: is a SECCOMP_RET_USER_NOTIF recorder
 * cheaper than ptrace?).  A child makes N write(2)s of 16 bytes to a
 * file; a supervisor does each write for it, as badio's emulation does:
 *
 *   ptrace  the filter returns SECCOMP_RET_TRACE; the tracer waits
 *           (wait4), reads the registers (PTRACE_GETREGS), the data
 *           (process_vm_readv), writes through its duplicate of the fd,
 *           writes the registers back (PTRACE_SETREGS), PTRACE_CONT;
 *   notif   the filter returns SECCOMP_RET_USER_NOTIF; the supervisor
 *           receives (SECCOMP_IOCTL_NOTIF_RECV), reads the data, writes,
 *           answers with the result (SECCOMP_IOCTL_NOTIF_SEND): no
 *           register access at all, and no call-site stack (the
 *           notification has no stack pointer);
 *   notif+sync  the same with SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (6.6):
 *           the kernel wakes the waiter on the CPU of the waker;
 *   notif+sp  notif+sync, and the stack pointer a call-site id needs,
 *           from a pread of /proc/PID/syscall (kept open) per call.
 *
 * Each runs with both processes pinned to one CPU and unpinned.  Prints
 * microseconds per write.  A prototype to measure, not badio's code.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP 1
#endif
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS	SECCOMP_IOW(4, __u64)
#endif

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
install(unsigned action, unsigned flags)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_write, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, action),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

static void
pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void
writer(int n)
{
	int fd = open("notif_floor.out", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd != 3 && dup2(fd, 3) < 0)
		_exit(1);
	for (int i = 0; i < n; i++)
		if (write(3, "0123456789abcde\n", 16) != 16)
			_exit(2);
	_exit(0);
}

/* badio's emulated write, stripped: microseconds per write */
static double
run_ptrace(int n, int cpu)
{
	struct user_regs_struct r;
	char buf[64];
	int st, pidfd, dup = -1, k = 0;
	double t0;
	pid_t c;

	pin(cpu);
	c = fork();
	if (c == 0) {
		raise(SIGSTOP);
		if (install(SECCOMP_RET_TRACE, 0) < 0)
			_exit(3);
		writer(n);
	}
	waitpid(c, &st, WSTOPPED);
	ptrace(PTRACE_SEIZE, c, 0, PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL);
	kill(c, SIGCONT);
	pidfd = (int)syscall(SYS_pidfd_open, c, 0);
	t0 = now();
	while (waitpid(c, &st, __WALL) == c && !WIFEXITED(st)) {
		if ((st >> 16) != PTRACE_EVENT_SECCOMP) {
			int sig = WSTOPSIG(st);

			ptrace(PTRACE_CONT, c, 0, sig == SIGTRAP ||
			    sig == SIGSTOP || sig == SIGCONT ? 0 : sig);
			continue;
		}
		ptrace(PTRACE_GETREGS, c, 0, &r);
		if (dup < 0)
			dup = (int)syscall(SYS_pidfd_getfd, pidfd, (int)r.rdi, 0);
		struct iovec l = { buf, r.rdx }, rm = { (void *)r.rsi, r.rdx };
		process_vm_readv(c, &l, 1, &rm, 1, 0);
		r.rax = (unsigned long long)write(dup, buf, r.rdx);
		r.orig_rax = (unsigned long long)-1;
		ptrace(PTRACE_SETREGS, c, 0, &r);
		ptrace(PTRACE_CONT, c, 0, 0);
		k++;
	}
	t0 = now() - t0;
	close(dup);
	close(pidfd);
	pin(-1);
	return k == n ? t0 * 1e6 / n : -1;
}

/* the listener fd travels from child to supervisor over a socketpair */
static void
send_fd(int sock, int fd)
{
	char c = 0, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);

	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &fd, sizeof(int));
	sendmsg(sock, &m, 0);
}

static int
recv_fd(int sock)
{
	char c, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	int fd = -1;

	if (recvmsg(sock, &m, 0) == 1 && CMSG_FIRSTHDR(&m))
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(int));
	return fd;
}

static double
run_notif(int n, int cpu, bool sync_wake, bool sp)
{
	char sysbuf[256];
	int sysfd = -1;
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	int sv[2], lfd, pidfd, dup = -1, st, k = 0;
	char buf[64];
	double t0;
	pid_t c;

	pin(cpu);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	c = fork();
	if (c == 0) {
		int l = install(SECCOMP_RET_USER_NOTIF,
		    SECCOMP_FILTER_FLAG_NEW_LISTENER);

		if (l < 0)
			_exit(3);
		send_fd(sv[1], l);
		close(l);
		writer(n);
	}
	lfd = recv_fd(sv[0]);
	if (lfd < 0)
		return -1;
	if (sync_wake && ioctl(lfd, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
	    SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) < 0)
		return -2;
	pidfd = (int)syscall(SYS_pidfd_open, c, 0);
	if (sp) {
		snprintf(sysbuf, sizeof(sysbuf), "/proc/%d/syscall", (int)c);
		sysfd = open(sysbuf, O_RDONLY | O_CLOEXEC);
	}
	t0 = now();
	for (;;) {
		memset(&req, 0, sizeof(req));
		if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
			break;		/* ENOENT/EBADF once the child is gone */
		if (dup < 0)
			dup = (int)syscall(SYS_pidfd_getfd, pidfd,
			    (int)req.data.args[0], 0);
		size_t len = req.data.args[2] < sizeof(buf) ?
		    req.data.args[2] : sizeof(buf);
		struct iovec l = { buf, len },
		    rm = { (void *)req.data.args[1], len };
		process_vm_readv(req.pid, &l, 1, &rm, 1, 0);
		/* the stack pointer for a call-site walk: "nr args... sp pc" */
		if (sysfd >= 0 && pread(sysfd, sysbuf, sizeof(sysbuf) - 1, 0) <= 0)
			return -3;
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.val = write(dup, buf, len);
		ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
		if (++k == n)
			break;
	}
	t0 = now() - t0;
	waitpid(c, &st, 0);
	close(lfd);
	close(dup);
	close(pidfd);
	if (sysfd >= 0)
		close(sysfd);
	close(sv[0]);
	close(sv[1]);
	pin(-1);
	return k == n && WIFEXITED(st) && WEXITSTATUS(st) == 0 ?
	    t0 * 1e6 / n : -1;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20000;
	int cpu = argc > 2 ? atoi(argv[2]) : 0;

	printf("%-12s %10s %10s  (us per write, %d writes)\n", "", "pinned",
	    "unpinned", n);
	printf("%-12s %10.2f %10.2f\n", "ptrace", run_ptrace(n, cpu),
	    run_ptrace(n, -1));
	printf("%-12s %10.2f %10.2f\n", "notif", run_notif(n, cpu, false, false),
	    run_notif(n, -1, false, false));
	printf("%-12s %10.2f %10.2f\n", "notif+sync",
	    run_notif(n, cpu, true, false), run_notif(n, -1, true, false));
	printf("%-12s %10.2f %10.2f\n", "notif+sp", run_notif(n, cpu, true, true),
	    run_notif(n, -1, true, true));
	return 0;
}
