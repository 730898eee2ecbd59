/*
 * oracle.c - run the user's oracle: `sh -c CMD` in the run directory
 * (a simple command without sh: struct spawn).
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
 * A child never prints: a failed exec reaches the parent as an errno
 * over a close-on-exec pipe (STYLE 4.1.5).  It is started without a
 * copy of our address space (clone CLONE_VM|CLONE_VFORK, as posix_spawn
 * does, which cannot do the rest): a fork of the worker cost a quarter
 * of a millisecond per run.
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

/*
 * The words sh runs without a PATH lookup: dash's special and regular
 * builtins and the reserved words.  A first word among these is never
 * a file, whatever the current directory holds.
 */
static const char *const shell_words[] = {
	".", ":", "[", "alias", "bg", "break", "cd", "command", "continue",
	"echo", "eval", "exec", "exit", "export", "false", "fc", "fg",
	"getopts", "hash", "jobs", "kill", "local", "printf", "pwd", "read",
	"readonly", "return", "set", "shift", "test", "times", "trap", "true",
	"type", "ulimit", "umask", "unalias", "unset", "wait",
	"!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi",
	"for", "if", "in", "then", "until", "while",
};

static bool
shell_word(const char *w)
{
	for (size_t i = 0; i < sizeof(shell_words) / sizeof(shell_words[0]); i++)
		if (strcmp(w, shell_words[i]) == 0)
			return true;
	return false;
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
	if (strpbrk(word, SHELL_SPECIAL))
		goto out_verbatim;
	if (!strchr(word, '/')) {
		char *found;

		if (shell_word(word) || access(word, F_OK) != 0)
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
	if (strpbrk(word, SHELL_SPECIAL) || !strchr(word, '/'))
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

/*
 * How the oracle starts.  A simple command (words of plain characters
 * and single-quoted strings, as bx_oracle_resolve writes a path; a first
 * word that is no builtin or reserved word) is what sh would run with
 * one more fork (dash does not exec the last command of -c): we execve
 * it ourselves, with the environment sh would give it (PWD, see
 * sh_pwd).  A file without #! runs as /bin/sh FILE ARGS, as sh does on
 * ENOEXEC.  Any other failure of the direct execve falls back to
 * `sh -c CMD`, which fails the same way and says so in sh's words (126,
 * 127, "not found"), so errors read as they always did.  Everything
 * else is `sh -c CMD`.  Built by the parent; the child only reads it.
 */
struct spawn {
	const char	*path;		/* execve's file */
	char		**run;		/* its argv: argv or sh_argv */
	char		**argv;		/* the words of a simple command */
	char		**envp;
	char		**script;	/* /bin/sh PATH ARGS, on ENOEXEC */
	char		*sh_argv[4];	/* sh -c CMD */
	char *const	*sh_envp;
	const char	*dir;
	int		out;
	int		errfd;
	int		cgfd;
	pid_t		parent;
	bool		direct;
	/* owned */
	char		*words;
	char		*pwd;
	char		*path_buf;
};

/*
 * cmd split into words into sp->words and sp->argv (NULL-terminated):
 * 1, or 0 when cmd is not a simple command, -ENOMEM.  A single-quoted
 * string is literal, as in sh (bx_oracle_resolve quotes paths so).
 */
static int
split_simple(const char *cmd, struct spawn *sp)
{
	size_t len = strlen(cmd);
	size_t nw = 0;
	char *w;
	const char *p;
	bool in_word = false;

	sp->words = w = malloc(len + 1);
	sp->argv = calloc(len / 2 + 3, sizeof(char *));
	if (!w || !sp->argv)
		return -ENOMEM;
	for (p = cmd; *p; p++) {
		if (*p == ' ' || *p == '\t') {
			if (in_word)
				*w++ = '\0';
			in_word = false;
			continue;
		}
		if (!in_word)
			sp->argv[nw++] = w;
		in_word = true;
		if (*p == '\'') {
			const char *q = strchr(p + 1, '\'');

			if (!q || memchr(p + 1, '\n', (size_t)(q - p - 1)))
				return 0;
			memcpy(w, p + 1, (size_t)(q - p - 1));
			w += q - p - 1;
			p = q;
		} else if (*p == '\n' || strchr(SHELL_SPECIAL, *p)) {
			return 0;
		} else {
			*w++ = *p;
		}
	}
	if (in_word)
		*w = '\0';
	sp->argv[nw] = NULL;
	return nw > 0 && sp->argv[0][0] && !shell_word(sp->argv[0]);
}

static const char *
env_get(char *const envp[], const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/*
 * The program dash's find_command picks for a word without a slash: the
 * first regular file of PATH (its own, from envp).  NULL when there is
 * none, or when PATH is one this does not follow as dash does (unset,
 * relative or empty entries, which depend on the run directory; dash's
 * %builtin entries): then sh decides.
 */
static char *
path_lookup(char *const envp[], const char *word)
{
	const char *dirs = env_get(envp, "PATH");
	struct stat st;

	if (!dirs || !*dirs || strchr(dirs, '%'))
		return NULL;
	while (*dirs) {
		size_t len = strcspn(dirs, ":");
		char *cand;

		if (dirs[0] != '/')
			return NULL;
		if (asprintf(&cand, "%.*s/%s", (int)len, dirs, word) < 0)
			return NULL;
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode))
			return cand;
		free(cand);
		dirs += len;
		if (*dirs == ':' && *++dirs == '\0')
			return NULL;	/* a trailing empty entry: "." */
	}
	return NULL;
}

/*
 * The PWD sh exports (dash's var.c init): the inherited one if it names
 * dir (then sp->envp stays envp), else dir's real path, its getcwd, in
 * a copy of envp.  0 or -errno.
 */
static int
sh_pwd(struct spawn *sp, char *const envp[], const char *dir)
{
	const char *pwd = env_get(envp, "PWD");
	struct stat a, b;
	char *real;
	size_t n = 0, k = 0;

	if (stat(dir, &b) < 0)
		return -errno;
	if (pwd && pwd[0] == '/' && stat(pwd, &a) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		return 0;
	real = realpath(dir, NULL);
	if (!real)
		return -errno;
	if (asprintf(&sp->pwd, "PWD=%s", real) < 0) {
		sp->pwd = NULL;
		free(real);
		return -ENOMEM;
	}
	free(real);
	while (envp && envp[n])
		n++;
	sp->envp = calloc(n + 2, sizeof(char *));
	if (!sp->envp)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (strncmp(envp[i], "PWD=", 4) != 0)
			sp->envp[k++] = envp[i];
	sp->envp[k] = sp->pwd;
	return 0;
}

static void
spawn_free(struct spawn *sp)
{
	free(sp->words);
	free(sp->argv);
	free(sp->script);
	if (sp->envp != (char **)sp->sh_envp)
		free(sp->envp);
	free(sp->pwd);
	free(sp->path_buf);
}

/*
 * What to execve for cmd in dir (struct spawn): 0 or -ENOMEM.  Whatever
 * the direct path cannot decide as sh would goes to sh.
 */
static int
spawn_prepare(struct spawn *sp, const char *cmd, const char *dir,
    char *const envp[])
{
	size_t n = 0;
	int rc;

	sp->sh_argv[0] = (char *)"sh";
	sp->sh_argv[1] = (char *)"-c";
	sp->sh_argv[2] = (char *)cmd;
	sp->sh_argv[3] = NULL;
	sp->sh_envp = envp;
	sp->path = "/bin/sh";
	sp->envp = (char **)envp;
	sp->dir = dir;
	rc = split_simple(cmd, sp);
	if (rc <= 0)
		goto out_sh;
	if (strchr(sp->argv[0], '/'))
		sp->path = sp->argv[0];
	else if ((sp->path = sp->path_buf = path_lookup(envp, sp->argv[0])) ==
	    NULL)
		goto out_sh;
	if (sh_pwd(sp, envp, dir) < 0)
		goto out_sh;	/* sh will fail on dir as it always did */
	while (sp->argv[n])
		n++;
	sp->script = calloc(n + 2, sizeof(char *));
	if (!sp->script)
		goto out_sh;
	sp->script[0] = (char *)"/bin/sh";
	sp->script[1] = (char *)sp->path;
	memcpy(sp->script + 2, sp->argv + 1, n * sizeof(char *));
	sp->direct = true;
	sp->run = sp->argv;
	return 0;
out_sh:
	sp->direct = false;
	sp->run = sp->sh_argv;
	sp->path = "/bin/sh";
	if (sp->envp != (char **)envp)
		free(sp->envp);
	sp->envp = (char **)envp;
	return rc < 0 ? rc : 0;
}

/*
 * The child shares the parent's memory (CLONE_VM) until it execs: it
 * makes raw system calls, which leave errno (the parent's) alone, on
 * its own stack, and writes nothing of the parent's but the errno
 * report.  Where there is no raw call here it is a fork()ed child.
 */
#if defined(__x86_64__)
#define SPAWN_CLONE	1
/* uninstrumented as its callers are, so that it can be inlined in them */
__attribute__((no_sanitize("address", "undefined")))
static inline long
raw4(long n, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long ret;

	__asm__ volatile ("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b),
	    "d"(c), "r"(r10) : "rcx", "r11", "memory");
	return ret;
}
#else
#define SPAWN_CLONE	0
static long
raw4(long n, long a, long b, long c, long d)
{
	long ret = syscall(n, a, b, c, d);

	return ret < 0 ? -errno : ret;
}
#endif
#define raw(n, a, b, c)	raw4((n), (long)(a), (long)(b), (long)(c), 0)

/* The kernel's struct sigaction (x86-64's and the generic layout). */
struct ksigaction {
	void		(*handler)(int);
	unsigned long	flags;
	void		(*restorer)(void);
	uint64_t	mask;
};

/*
 * Every caught signal back to SIG_DFL, as posix_spawn does (a handler
 * would run in the child, on the parent's data), and SIGPIPE, SIGINT,
 * SIGTERM too even when ignored, as the oracle has always had them.
 */
__attribute__((no_sanitize("address", "undefined")))
static void
child_signals(void)
{
	struct ksigaction dfl = { .handler = SIG_DFL };
	struct ksigaction old;
	uint64_t none = 0;

	for (long sig = 1; sig <= 64; sig++) {
		bool always = sig == SIGPIPE || sig == SIGINT || sig == SIGTERM;

		if (sig == SIGKILL || sig == SIGSTOP ||
		    raw4(SYS_rt_sigaction, sig, 0, (long)&old, 8) < 0)
			continue;
		if (old.handler == SIG_DFL ||
		    (old.handler == SIG_IGN && !always))
			continue;
		raw4(SYS_rt_sigaction, sig, (long)&dfl, 0, 8);
	}
	raw4(SYS_rt_sigprocmask, SIG_SETMASK, (long)&none, 0, 8);
}

/* from onto to, without O_CLOEXEC (dup3 refuses from == to). */
__attribute__((no_sanitize("address", "undefined")))
static long
child_move(int from, int to)
{
	if (from == to)
		return raw(SYS_fcntl, to, F_SETFD, 0);
	return raw(SYS_dup3, from, to, 0);
}

/* The child: never returns, never prints. */
__attribute__((no_sanitize("address", "undefined")))
static int
oracle_child(void *arg)
{
	const struct spawn *sp = arg;
	long rc;
	int e;

	raw(SYS_setpgid, 0, 0, 0);
	raw(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0);
	if (raw(SYS_getppid, 0, 0, 0) != sp->parent)
		raw(SYS_exit_group, 127, 0, 0);
	/* into the run's cgroup before anything can fork */
	rc = sp->cgfd >= 0 ? raw(SYS_write, sp->cgfd, "0", 1) : 0;
	if (rc < 0)
		goto out_fail;
	child_signals();
	rc = raw4(SYS_openat, AT_FDCWD, (long)"/dev/null",
	    O_RDONLY | O_CLOEXEC, 0);
	if (rc < 0 || (rc = child_move((int)rc, 0)) < 0 ||
	    (rc = child_move(sp->out, 1)) < 0 ||
	    (rc = child_move(sp->out, 2)) < 0 ||
	    (rc = raw(SYS_chdir, sp->dir, 0, 0)) < 0)
		goto out_fail;
	rc = raw(SYS_execve, sp->path, sp->run, sp->envp);
	if (sp->direct && rc == -ENOEXEC)
		rc = raw(SYS_execve, "/bin/sh", sp->script, sp->envp);
	else if (sp->direct)
		rc = raw(SYS_execve, "/bin/sh", sp->sh_argv, sp->sh_envp);
out_fail:
	e = (int)-rc;
	raw(SYS_write, sp->errfd, &e, sizeof(e));
	raw(SYS_exit_group, 127, 0, 0);
	return 127;
}

#if SPAWN_CLONE
#define SPAWN_STACK	(64 * 1024)

/* A child stack per thread, kept: an mmap per run costs more than this. */
static char *
spawn_stack(void)
{
	static _Thread_local char *stack;

	if (!stack) {
		void *p = mmap(NULL, SPAWN_STACK, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

		if (p == MAP_FAILED)
			return NULL;
		stack = p;
	}
	return stack + SPAWN_STACK;	/* it grows down */
}
#endif

/*
 * Start the child: its pid, or -errno.  CLONE_VFORK suspends us until
 * it has exec'd or exited, so sp and the stack stay as it needs them;
 * every signal is blocked around it so no handler of ours runs on the
 * child's stack before child_signals.
 */
static pid_t
spawn_start(struct spawn *sp)
{
	sigset_t all, old;
	pid_t pid;
	int e;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
#if SPAWN_CLONE
	char *stack = spawn_stack();

	if (!stack) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return -ENOMEM;
	}
	pid = clone(oracle_child, stack, CLONE_VM | CLONE_VFORK | SIGCHLD, sp);
#else
	pid = fork();
	if (pid == 0)
		oracle_child(sp);
#endif
	e = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return pid < 0 ? -e : pid;
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
 * 128 + N and sh's line on stderr: without sh (struct spawn), the same.
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
	struct spawn sp = { .parent = getpid(), .cgfd = -1 };
	int outp[2], errp[2];
	int cgfd = -1;
	int status = 0;
	int rc = 0;

	res->state = BX_ORACLE_NOT_RUN;
	res->code = 0;
	if (cg && (cgfd = bx_cgroup_procs_fd(cg)) < 0)
		return cgfd;
	rc = spawn_prepare(&sp, cmd, dir, envp);
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
	o.pid = spawn_start(&sp);
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
	spawn_free(&sp);
	if (cgfd >= 0)
		close(cgfd);
	return rc;
}
