/*
 * oracle.c - run the user's oracle: `sh -c CMD` in the run directory.
 *
 * The oracle gets its own process group, so that a timeout (or Ctrl-C
 * of explore) kills everything it started, and PR_SET_PDEATHSIG, so
 * that it does not outlive the worker.  Its stdout and stderr go to one
 * pipe whose tail is kept.  We wait on a pidfd and the pipe together:
 * the oracle is done when sh exits, even if a background child still
 * holds the pipe (that child is then killed with the group).
 *
 * A child never prints: a failed exec reaches the parent as an errno
 * over a close-on-exec pipe (STYLE 4.1.5).
 */
#include "explorer/explorer_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Characters after which the first word is not a plain path. */
#define SHELL_SPECIAL	"\"'`$\\;|&<>()*?[]{}~=#!"

static int
shell_quote(const char *s, char **out, const char *rest)
{
	size_t n = 2 + strlen(rest) + 1;
	const char *p;
	char *q;

	for (p = s; *p; p++)
		n += *p == '\'' ? 4 : 1;
	*out = q = malloc(n);
	if (!q)
		return -ENOMEM;
	*q++ = '\'';
	for (p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(q, "'\\''", 4);
			q += 4;
		} else {
			*q++ = *p;
		}
	}
	*q++ = '\'';
	memcpy(q, rest, strlen(rest) + 1);	/* counted above */
	return 0;
}

int
bx_oracle_resolve(const char *cmd, char **out)
{
	const char *w = cmd + strspn(cmd, " \t");
	size_t n = strcspn(w, " \t\n");
	char word[PATH_MAX];
	char *abs;
	bool slash;
	int rc;

	*out = NULL;
	if (n == 0 || n >= sizeof(word) || memchr(w, '\0', n))
		goto out_verbatim;
	memcpy(word, w, n);
	word[n] = '\0';
	if (strpbrk(word, SHELL_SPECIAL))
		goto out_verbatim;
	slash = strchr(word, '/') != NULL;
	if (access(word, F_OK) != 0) {
		if (slash)
			return -ENOENT;
		goto out_verbatim;	/* a command found through PATH */
	}
	if (word[0] == '/')
		goto out_verbatim;
	abs = realpath(word, NULL);
	if (!abs)
		return -errno;
	rc = shell_quote(abs, out, w + n);
	free(abs);
	return rc;
out_verbatim:
	*out = strdup(cmd);
	return *out ? 0 : -ENOMEM;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The child: never returns, never prints. */
static void
oracle_child(const char *cmd, const char *dir, char *const envp[], int out,
    int errfd, pid_t parent)
{
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)cmd, NULL };
	sigset_t none;
	int null;
	int e;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	null = open("/dev/null", O_RDONLY);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(out, 2) < 0 || chdir(dir) < 0)
		goto out_fail;
	execve("/bin/sh", argv, envp);
out_fail:
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

int
bx_oracle_run(const char *cmd, const char *dir, char *const envp[],
    int timeout_ms, struct bx_oracle_result *res, struct bx_tail *tail)
{
	int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	pid_t parent = getpid();
	int outp[2], errp[2];
	bool exited = false;
	bool eof = false;
	int pidfd = -1;
	int status = 0;
	char buf[4096];
	pid_t pid;
	int rc = 0;
	int e;

	res->state = BX_ORACLE_NOT_RUN;
	res->code = 0;
	if (pipe2(outp, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(errp, O_CLOEXEC) < 0) {
		rc = -errno;
		goto out_close_out;
	}
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto out_close_err;
	}
	if (pid == 0)
		oracle_child(cmd, dir, envp, outp[1], errp[1], parent);
	setpgid(pid, pid);	/* both sides, so kill(-pid) works at once */
	close(outp[1]);
	outp[1] = -1;
	close(errp[1]);
	errp[1] = -1;
	pidfd = syscall(SYS_pidfd_open, pid, 0);

	while (!exited) {
		struct pollfd pfd[2];
		int nfd = 0;
		int wait = -1;
		ssize_t n;

		if (bx_stop) {
			kill(-pid, SIGKILL);
			waitpid(pid, NULL, 0);
			rc = -EINTR;
			goto out_close_err;
		}
		if (deadline) {
			wait = (int)(deadline - now_ms());
			if (wait <= 0) {
				kill(-pid, SIGKILL);
				waitpid(pid, NULL, 0);
				res->state = BX_ORACLE_TIMEOUT;
				goto out_close_err;
			}
		}
		/* wake up now and then to see bx_stop, or without a pidfd */
		if (wait < 0 || wait > 100)
			wait = 100;
		if (!eof) {
			pfd[nfd].fd = outp[0];
			pfd[nfd++].events = POLLIN;
		}
		if (pidfd >= 0) {
			pfd[nfd].fd = pidfd;
			pfd[nfd++].events = POLLIN;
		}
		if (poll(pfd, nfd, wait) < 0 && errno != EINTR) {
			rc = -errno;
			kill(-pid, SIGKILL);
			waitpid(pid, NULL, 0);
			goto out_close_err;
		}
		if (!eof && (pfd[0].revents & (POLLIN | POLLHUP))) {
			n = read(outp[0], buf, sizeof(buf));
			if (n > 0)
				bx_tail_append(tail, buf, n);
			else if (n == 0 || errno != EINTR)
				eof = true;
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			exited = true;
	}
	/* sh is gone: take what is left in the pipe, kill stragglers */
	kill(-pid, SIGKILL);
	fcntl(outp[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		ssize_t n = read(outp[0], buf, sizeof(buf));

		if (n <= 0)
			break;
		bx_tail_append(tail, buf, n);
	}
	if (read(errp[0], &e, sizeof(e)) == (ssize_t)sizeof(e)) {
		res->state = BX_ORACLE_FAILED;
		res->code = e;
	} else if (WIFEXITED(status)) {
		res->state = BX_ORACLE_EXITED;
		res->code = WEXITSTATUS(status);
	} else {
		res->state = BX_ORACLE_SIGNALED;
		res->code = WTERMSIG(status);
	}
out_close_err:
	if (pidfd >= 0)
		close(pidfd);
	close(errp[0]);
	if (errp[1] >= 0)
		close(errp[1]);
out_close_out:
	close(outp[0]);
	if (outp[1] >= 0)
		close(outp[1]);
	return rc;
}
