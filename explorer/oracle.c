/*
 * oracle.c - run the user's oracle: `sh -c CMD` in the run directory
 * (a simple command without sh: oracle_spawn.c).
 *
 * The oracle runs in the run's cgroup (contain.c) and its own process
 * group, and PR_SET_PDEATHSIG ends it with the worker.  When sh exits,
 * times out, or explore is stopped, everything it started is killed:
 * the group, the cgroup (children that left the group: setsid, daemons)
 * and, without a cgroup, every process that came to the worker as the
 * oracle's subreaper.  Its stdout and stderr go to one pipe whose tail
 * is kept.  We wait on a pidfd and the pipe together: the oracle is done
 * when sh exits, even if a background child still holds the pipe.
 *
 * The child is started by oracle_spawn.c (a simple command without sh,
 * and without a copy of our address space); a failed exec reaches us
 * as an errno over a close-on-exec pipe.
 */
#include "explorer/explorer_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nettle/sha2.h>

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

/*
 * A first word with a slash names a file: relative to the current
 * directory, it is made absolute (the oracle runs in the run directory).
 * A first word without one is a command, as sh sees it: a builtin, or
 * a program found through PATH, never a file of the current directory
 * (`test -s f` must not run ./test).  When such a word is neither a
 * builtin nor in PATH but is a file here, the user surely meant ./WORD:
 * -ENOEXEC says so rather than letting sh fail with 127 in every run.
 */
int
bx_oracle_resolve(const char *cmd, char **out)
{
	const char *w = cmd + strspn(cmd, " \t");
	size_t n = strcspn(w, " \t\n");
	char word[PATH_MAX];
	char *abs;
	int rc;

	*out = NULL;
	if (n == 0 || n >= sizeof(word) || memchr(w, '\0', n))
		goto out_verbatim;
	memcpy(word, w, n);
	word[n] = '\0';
	if (strpbrk(word, BX_SHELL_SPECIAL))
		goto out_verbatim;
	if (!strchr(word, '/')) {
		char *found;

		if (bx_shell_word(word) || access(word, F_OK) != 0)
			goto out_verbatim;
		rc = bx_resolve_prog(word, &found);	/* PATH, as sh does */
		free(found);
		if (rc != -ENOENT)
			goto out_verbatim;
		return -ENOEXEC;
	}
	if (access(word, F_OK) != 0)
		return -ENOENT;
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

/* SHA-256 of the file at path, in lower-case hex. */
static int
file_sha256(const char *path, char hex[65])
{
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	sha256_init(&ctx);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sha256_update(&ctx, (size_t)n, (const uint8_t *)buf);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	sha256_digest(&ctx, sizeof(digest), digest);
	for (size_t i = 0; i < sizeof(digest); i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	return 0;
}

/*
 * The file is the one bx_oracle_resolve runs: a first word with a
 * slash and no shell syntax.  A word without one is a command (a
 * builtin, a program in PATH): not hashed, a system update would make
 * it "another oracle" for no reason of the user's.
 */
int
bx_oracle_identify(const char *cmd, char **file, char sha256[65])
{
	const char *w = cmd + strspn(cmd, " \t");
	size_t n = strcspn(w, " \t\n");
	char word[PATH_MAX];
	int rc;

	*file = NULL;
	sha256[0] = '\0';
	if (n == 0 || n >= sizeof(word))
		return 0;
	memcpy(word, w, n);
	word[n] = '\0';
	if (strpbrk(word, BX_SHELL_SPECIAL) || !strchr(word, '/'))
		return 0;
	*file = realpath(word, NULL);
	if (!*file)
		return -errno;
	rc = file_sha256(*file, sha256);
	if (rc < 0) {
		free(*file);
		*file = NULL;
		sha256[0] = '\0';
	}
	return rc;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/* One oracle run, as the parent sees it. */
struct orun {
	pid_t		pid;
	int		pidfd;
	int		out;		/* read end of stdout+stderr */
	bool		eof;
	bool		direct;		/* no sh between us and the oracle */
	struct bx_cgroup *cg;
	struct bx_tail	*tail;
};

/*
 * Kill all the oracle started: its process group, its cgroup (setsid
 * children, daemons), and, with no cgroup, whatever came to us as its
 * subreaper (bx_reaper_stop, later).
 */
static void
kill_all(struct orun *o)
{
	kill(-o->pid, SIGKILL);
	bx_cgroup_kill(o->cg);
}

static void
drain(struct orun *o)
{
	char buf[4096];
	ssize_t n = read(o->out, buf, sizeof(buf));

	if (n > 0)
		bx_tail_append(o->tail, buf, (size_t)n);
	else if (n == 0 || errno != EINTR)
		o->eof = true;
}

/*
 * Wait for sh to exit: 0 with *status; on the deadline 1; -EINTR when
 * bx_stop is set; -errno if poll fails.  Everything is killed but in
 * the first case.
 */
static int
wait_exit(struct orun *o, int64_t deadline, int *status)
{
	for (;;) {
		struct pollfd pfd[2];
		int nfd = 0;
		int wait = -1;

		if (bx_stop) {
			kill_all(o);
			return -EINTR;
		}
		if (deadline) {
			wait = (int)(deadline - now_ms());
			if (wait <= 0) {
				kill_all(o);
				return 1;
			}
		}
		/* wake up now and then to see bx_stop, or without a pidfd */
		if (wait < 0 || wait > 100)
			wait = 100;
		if (!o->eof) {
			pfd[nfd].fd = o->out;
			pfd[nfd++].events = POLLIN;
		}
		if (o->pidfd >= 0) {
			pfd[nfd].fd = o->pidfd;
			pfd[nfd++].events = POLLIN;
		}
		if (poll(pfd, nfd, wait) < 0 && errno != EINTR) {
			int rc = -errno;

			kill_all(o);
			return rc;
		}
		if (!o->eof && (pfd[0].revents & (POLLIN | POLLHUP)))
			drain(o);
		if (waitpid(o->pid, status, WNOHANG) == o->pid)
			return 0;
	}
}

/*
 * What sh says when the command it waits for dies of sig (dash's
 * sprint_status: nothing for SIGINT and SIGPIPE), in the C locale as
 * dash has it.
 */
static void
sh_signal_text(struct bx_tail *tail, int status)
{
	int sig = WTERMSIG(status);
	const char *d = sigdescr_np(sig);
	char text[64];
	int n;

	if (sig == SIGINT || sig == SIGPIPE)
		return;
	if (d)
		n = snprintf(text, sizeof(text), "%s", d);
	else if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		n = snprintf(text, sizeof(text), "Real-time signal %d",
		    sig - SIGRTMIN);
	else
		n = snprintf(text, sizeof(text), "Unknown signal %d", sig);
	if (WCOREDUMP(status))
		n += snprintf(text + n, sizeof(text) - (size_t)n,
		    " (core dumped)");
	n += snprintf(text + n, sizeof(text) - (size_t)n, "\n");
	bx_tail_append(tail, text, (size_t)n);
}

/*
 * A command sh ran for us that died of a signal is sh's exit status
 * 128 + N and sh's line on stderr: without sh (struct bx_spawn), the same.
 */
static void
judge(const struct orun *o, int errfd, int status, struct bx_oracle_result *res)
{
	int e;

	if (read(errfd, &e, sizeof(e)) == (ssize_t)sizeof(e)) {
		res->state = BX_ORACLE_FAILED;
		res->code = e;
	} else if (WIFEXITED(status)) {
		res->state = BX_ORACLE_EXITED;
		res->code = WEXITSTATUS(status);
	} else if (o->direct) {
		res->state = BX_ORACLE_EXITED;
		res->code = 128 + WTERMSIG(status);
		sh_signal_text(o->tail, status);
	} else {
		res->state = BX_ORACLE_SIGNALED;
		res->code = WTERMSIG(status);
	}
}

int
bx_oracle_run(const char *cmd, const char *dir, char *const envp[],
    int timeout_ms, struct bx_cgroup *cg, struct bx_oracle_result *res,
    struct bx_tail *tail)
{
	int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	struct orun o = { .pidfd = -1, .cg = cg, .tail = tail };
	struct bx_spawn sp = { .parent = getpid(), .cgfd = -1 };
	int outp[2], errp[2];
	int cgfd = -1;
	int status = 0;
	int rc = 0;

	res->state = BX_ORACLE_NOT_RUN;
	res->code = 0;
	if (cg && (cgfd = bx_cgroup_procs_fd(cg)) < 0)
		return cgfd;
	rc = bx_spawn_prepare(&sp, cmd, dir, envp);
	if (rc < 0)
		goto out_close_cg;
	if (pipe2(outp, O_CLOEXEC) < 0) {
		rc = -errno;
		goto out_close_cg;
	}
	if (pipe2(errp, O_CLOEXEC) < 0) {
		rc = -errno;
		goto out_close_out;
	}
	/* orphans of the oracle's processes come to us, not to init */
	bx_reaper_start();
	sp.out = outp[1];
	sp.errfd = errp[1];
	sp.cgfd = cgfd;
	o.direct = sp.direct;
	o.pid = bx_spawn_start(&sp);
	if (o.pid < 0) {
		rc = o.pid;
		goto out_reap;
	}
	/* both sides, so kill(-pid) works at once (a fork()ed child) */
	setpgid(o.pid, o.pid);
	close(outp[1]);
	outp[1] = -1;
	close(errp[1]);
	errp[1] = -1;
	o.out = outp[0];
	o.pidfd = syscall(SYS_pidfd_open, o.pid, 0);

	rc = wait_exit(&o, deadline, &status);
	if (rc == 0) {
		/* sh is gone: kill what it left, take what is in the pipe */
		kill_all(&o);
		fcntl(o.out, F_SETFL, O_NONBLOCK);
		while (!o.eof)
			drain(&o);
		judge(&o, errp[0], status, res);
	} else if (rc == 1) {
		res->state = BX_ORACLE_TIMEOUT;
		rc = 0;
	}
	if (o.pidfd >= 0)
		close(o.pidfd);
out_reap:
	bx_reaper_stop();	/* reaps sh too, unless waited for above */
	close(errp[0]);
	if (errp[1] >= 0)
		close(errp[1]);
out_close_out:
	close(outp[0]);
	if (outp[1] >= 0)
		close(outp[1]);
out_close_cg:
	bx_spawn_free(&sp);
	if (cgfd >= 0)
		close(cgfd);
	return rc;
}
