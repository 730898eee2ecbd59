/*
 * sus_filter MODE N - a filter of the program's own and the suspended
 * filters after the fault (tests/live/test_suspend.c).  N one-line
 * write(2)s to log.txt, going on after errors, as fp_goon; then a
 * mkdir("made") whose outcome goes to result.txt: "EPERM\n" when a
 * filter of the program's own (mkdir -> EPERM) applied, "made\n" when it
 * did not.  MODE:
 *   own   the filter is installed before the writes (before any fault);
 *   late  after the writes a child installs it, execs "sus_filter probe"
 *         (which does the mkdir) and the parent waits;
 *   none  no filter: the mkdir succeeds.
 * Exits 3 if any write failed, else 0.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "progs.h"

static void
own_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mkdir, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	CHECK(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog));
}

static int
probe(void)
{
	const char *r = mkdir("made", 0755) == 0 ? "made\n" :
	    errno == EPERM ? "EPERM\n" : "other\n";
	int fd = CHECK(open("result.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644));

	EXPECT(write(fd, r, strlen(r)), (ssize_t)strlen(r));
	EXPECT(close(fd), 0);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "none";
	int n = argc > 2 ? atoi(argv[2]) : 10, fd, bad = 0, status;
	char line[32];
	pid_t pid;

	if (strcmp(mode, "probe") == 0)
		return probe();
	if (strcmp(mode, "own") == 0)
		own_filter();
	fd = CHECK(open("log.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	for (int i = 0; i < n; i++) {
		int len = snprintf(line, sizeof(line), "line %d\n", i);

		bad += write(fd, line, (size_t)len) != len;
	}
	EXPECT(close(fd), 0);
	if (strcmp(mode, "late") == 0) {
		pid = CHECK(fork());
		if (pid == 0) {
			own_filter();
			execl("/proc/self/exe", argv[0], "probe", (char *)NULL);
			_exit(127);
		}
		EXPECT(waitpid(pid, &status, 0), pid);
		EXPECT(status, 0);
	} else {
		probe();
	}
	return bad ? 3 : 0;
}
