/*
 * oracle_spawn.c - start the oracle (oracle.c): a simple command by
 * execve, anything else by `sh -c CMD`, in a child that shares our
 * memory until it execs (clone CLONE_VM|CLONE_VFORK, as posix_spawn
 * does, which cannot do the rest): a fork of the worker cost a quarter
 * of a millisecond per run, and dash forks once more for the last
 * command of -c.
 *
 * A child never prints: a failed exec reaches the parent as an errno
 * over a close-on-exec pipe (STYLE 4.1.5).
 */
#include "explorer/explorer_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include <unistd.h>

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

bool
bx_shell_word(const char *w)
{
	for (size_t i = 0; i < sizeof(shell_words) / sizeof(shell_words[0]); i++)
		if (strcmp(w, shell_words[i]) == 0)
			return true;
	return false;
}

/*
 * cmd split into words into sp->words and sp->argv (NULL-terminated):
 * 1, or 0 when cmd is not a simple command, -ENOMEM.  A single-quoted
 * string is literal, as in sh (bx_oracle_resolve quotes paths so).
 */
static int
split_simple(const char *cmd, struct bx_spawn *sp)
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
		} else if (*p == '\n' || strchr(BX_SHELL_SPECIAL, *p)) {
			return 0;
		} else {
			*w++ = *p;
		}
	}
	if (in_word)
		*w = '\0';
	sp->argv[nw] = NULL;
	return nw > 0 && sp->argv[0][0] && !bx_shell_word(sp->argv[0]);
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
	const char *dirs = bx_env_get(envp, "PATH");
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
sh_pwd(struct bx_spawn *sp, char *const envp[], const char *dir)
{
	const char *pwd = bx_env_get(envp, "PWD");
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

void
bx_spawn_free(struct bx_spawn *sp)
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
 * What to execve for cmd in dir (struct bx_spawn): 0 or -ENOMEM.  Whatever
 * the direct path cannot decide as sh would goes to sh.
 */
int
bx_spawn_prepare(struct bx_spawn *sp, const char *cmd, const char *dir,
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
	const struct bx_spawn *sp = arg;
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
pid_t
bx_spawn_start(struct bx_spawn *sp)
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
