/*
 * test_tracer.c - the recorder library itself, called directly: the
 * tracer's invariants (stop counters), fault injection mechanics at the
 * level of the call (what the program sees, what reaches the file),
 * timeouts, io_uring refusal, and tracing as an unprivileged user.
 * ../shared/PTRACE_NOTES.md §11 items 8, 9, 13, 14, 16, 24, 27.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "explorer/explorer.h"
#include "recorder/recorder.h"

extern char **environ;

/* argv from string literals (-Wwrite-strings makes them const) */
#define S(x)	((char *)(x))

struct run {
	int			rc;
	enum rec_stage		stage;
	struct rec_result	res;
	char			dir[64];	/* the run directory */
	char			out[4096];	/* the program's stdout */
	char			file[256];	/* out.txt afterwards */
	unsigned		sites;
	unsigned		no_result;	/* sites that died inside the call */
};

static int
count_site(void *ctx, const struct rec_site *s)
{
	struct run *r = ctx;

	r->sites++;
	if (!s->has_result)
		r->no_result++;
	return 0;
}

static void
slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : 0;

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

/* Deterministic randomness and namespaces for the next run_prog()s. */
static bool det;

static void
run_prog(struct run *r, char *const argv[], const struct rec_target *tg,
    bool allow_uring, int timeout_ms)
{
	char outpath[128], filepath[128];
	struct rec_opts o;
	int outfd;

	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "/tmp/badio-tracer-XXXXXX");
	cr_assert_not_null(mkdtemp(r->dir));
	snprintf(outpath, sizeof(outpath), "%s.out", r->dir);
	outfd = open(outpath, O_CREAT | O_TRUNC | O_RDWR, 0600);
	cr_assert_geq(outfd, 0);
	o = (struct rec_opts){
		.exe = argv[0], .argv = argv, .envp = environ, .dir = r->dir,
		.no_aslr = true, .allow_io_uring = allow_uring,
		.stdin_fd = -1, .stdout_fd = outfd, .stderr_fd = -1,
		.timeout_ms = timeout_ms, .target = tg,
		.replay = { .random = det, .seed = 1234, .namespaces = det },
	};
	r->rc = rec_run(&o, count_site, r, &r->res, &r->stage);
	close(outfd);
	slurp(outpath, r->out, sizeof(r->out));
	snprintf(filepath, sizeof(filepath), "%s/out.txt", r->dir);
	slurp(filepath, r->file, sizeof(r->file));
	unlink(outpath);
	bx_tree_remove(r->dir, NULL);
}

static void
run_inject(struct run *r, enum rec_fault f, enum rec_family fam, unsigned ord)
{
	char *argv[] = { S(PROGS_DIR "/t_inject"), NULL };
	struct rec_target tg = { f, fam, "out.txt", ord };

	run_prog(r, argv, &tg, false, 0);
	cr_assert_eq(r->rc, 0, "rec_run: %s", strerror(-r->rc));
	cr_assert(r->res.injected);
}

/* Item 8 and 9: no syscall-entry stop ever; every exit stop is op EXIT. */
Test(tracer, stop_invariants_under_signals)
{
	char *argv[] = { S(PROGS_DIR "/p_signals"), S("sigwrite"), S("500"), NULL };
	struct run r;

	run_prog(&r, argv, NULL, false, 0);
	cr_assert_eq(r.rc, 0);
	cr_assert_eq(r.res.status, REC_EXITED);
	cr_assert_eq(r.res.code, 0);
	cr_assert_eq(r.res.stops.unexpected, 0);
	cr_assert_gt(r.res.stops.signal, 0, "the timer's signals were seen");
	/* each of our stops became a site, completed at its exit stop or
	 * emulated at the seccomp stop */
	cr_assert_eq(r.res.stops.seccomp, r.sites);
	cr_assert_eq(r.res.stops.exit + r.res.stops.emulated + r.no_result,
	    r.sites);
	cr_assert_geq(r.sites, 500);
}

/* Item 13: a short write is real: the call returns half and the file has half. */
Test(tracer, short_write_is_real)
{
	struct run r;

	run_inject(&r, REC_FAULT_SHORT, REC_FAM_WRITE, 1);
	cr_assert_str_eq(r.out, "open=0 errno=0\nwrite=8 errno=0\n"
	    "writev=16 errno=0\niov=4,8,4\nfsync=0 errno=0\n");
	cr_assert_str_eq(r.file, "01234567AAAABBBBBBBBCCCC");
	cr_assert_eq(r.res.fault_bytes, 8);
}

/* Torn: half reaches the file, the program sees EIO. */
Test(tracer, torn_write_writes_half_and_fails)
{
	struct run r;

	run_inject(&r, REC_FAULT_TORN, REC_FAM_WRITE, 1);
	cr_assert_str_eq(r.out, "open=0 errno=0\nwrite=-1 errno=5\n"
	    "writev=16 errno=0\niov=4,8,4\nfsync=0 errno=0\n");
	cr_assert_str_eq(r.file, "01234567AAAABBBBBBBBCCCC");
	cr_assert_eq(r.res.fault_bytes, 8);
}

/* Item 14: an error fault does not perform the call. */
Test(tracer, eio_does_not_write)
{
	struct run r;

	run_inject(&r, REC_FAULT_EIO, REC_FAM_WRITE, 1);
	cr_assert_str_eq(r.out, "open=0 errno=0\nwrite=-1 errno=5\n"
	    "writev=16 errno=0\niov=4,8,4\nfsync=0 errno=0\n");
	cr_assert_str_eq(r.file, "AAAABBBBBBBBCCCC");
}

Test(tracer, enospc_on_writev)
{
	struct run r;

	run_inject(&r, REC_FAULT_ENOSPC, REC_FAM_WRITE, 2);
	cr_assert_str_eq(r.out, "open=0 errno=0\nwrite=16 errno=0\n"
	    "writev=-1 errno=28\niov=4,8,4\nfsync=0 errno=0\n");
	cr_assert_str_eq(r.file, "0123456789abcdef");
}

/* writev is cut in tracee memory; the vector is put back before it runs on. */
Test(tracer, short_writev_restores_the_vector)
{
	struct run r;

	run_inject(&r, REC_FAULT_SHORT, REC_FAM_WRITE, 2);
	cr_assert_str_eq(r.out, "open=0 errno=0\nwrite=16 errno=0\n"
	    "writev=8 errno=0\niov=4,8,4\nfsync=0 errno=0\n");
	cr_assert_str_eq(r.file, "0123456789abcdefAAAABBBB");
}

Test(tracer, torn_writev)
{
	struct run r;

	run_inject(&r, REC_FAULT_TORN, REC_FAM_WRITE, 2);
	cr_assert_str_eq(r.out, "open=0 errno=0\nwrite=16 errno=0\n"
	    "writev=-1 errno=5\niov=4,8,4\nfsync=0 errno=0\n");
	cr_assert_str_eq(r.file, "0123456789abcdefAAAABBBB");
}

Test(tracer, fsync_failure)
{
	struct run r;

	run_inject(&r, REC_FAULT_EIO, REC_FAM_SYNC, 1);
	cr_assert_str_eq(r.out, "open=0 errno=0\nwrite=16 errno=0\n"
	    "writev=16 errno=0\niov=4,8,4\nfsync=-1 errno=5\n");
	cr_assert_str_eq(r.file, "0123456789abcdefAAAABBBBBBBBCCCC");
}

/* Item 16: a crash before the call: the data never reaches the file. */
Test(tracer, crash_before_the_call)
{
	struct run r;

	run_inject(&r, REC_FAULT_CRASH, REC_FAM_WRITE, 2);
	cr_assert_eq(r.res.status, REC_CRASHED);
	cr_assert_str_eq(r.file, "0123456789abcdef");
	cr_assert_eq(r.no_result, 1, "the crashed site has no result");
}

/*
 * The copy calls (issue 9) break like writes: short halves what the
 * source holds (not the length asked for: splice asks for 64 of a pipe's
 * 4 bytes), torn adds EIO, eio and enospc skip the call, crash stops
 * before it.  Writes of out.txt: 1 copy_file_range (10 bytes), 2
 * sendfile (4), 3 splice (4).
 */
static void
run_copy(struct run *r, enum rec_fault f, unsigned ord)
{
	char *argv[] = { S(PROGS_DIR "/t_copy"), NULL };
	struct rec_target tg = { f, REC_FAM_WRITE, "out.txt", ord };

	run_prog(r, argv, &tg, false, 0);
	cr_assert_eq(r->rc, 0, "rec_run: %s", strerror(-r->rc));
	cr_assert(r->res.injected);
}

Test(tracer, copy_calls_short_and_torn)
{
	struct run r;

	run_copy(&r, REC_FAULT_SHORT, 1);
	cr_assert_str_eq(r.out, "copy=5 errno=0\nsendfile=4 errno=0\n"
	    "splice=4 errno=0\n");
	cr_assert_str_eq(r.file, "012345678WXYZ");
	cr_assert_eq(r.res.fault_bytes, 5);
	run_copy(&r, REC_FAULT_TORN, 1);
	cr_assert_str_eq(r.out, "copy=-1 errno=5\nsendfile=4 errno=0\n"
	    "splice=4 errno=0\n");
	cr_assert_str_eq(r.file, "012345678WXYZ");
	cr_assert_eq(r.res.fault_bytes, 5);
	run_copy(&r, REC_FAULT_SHORT, 2);
	cr_assert_str_eq(r.out, "copy=10 errno=0\nsendfile=2 errno=0\n"
	    "splice=4 errno=0\n");
	cr_assert_str_eq(r.file, "0123456789abWXYZ");
	run_copy(&r, REC_FAULT_SHORT, 3);
	cr_assert_str_eq(r.out, "copy=10 errno=0\nsendfile=4 errno=0\n"
	    "splice=2 errno=0\n");
	cr_assert_str_eq(r.file, "0123456789abcdWX");
	cr_assert_eq(r.res.fault_bytes, 2);
	run_copy(&r, REC_FAULT_TORN, 3);
	cr_assert_str_eq(r.out, "copy=10 errno=0\nsendfile=4 errno=0\n"
	    "splice=-1 errno=5\n");
	cr_assert_str_eq(r.file, "0123456789abcdWX");
}

Test(tracer, copy_calls_errors_and_crash)
{
	struct run r;

	run_copy(&r, REC_FAULT_EIO, 1);
	cr_assert_str_eq(r.out, "copy=-1 errno=5\nsendfile=4 errno=0\n"
	    "splice=4 errno=0\n");
	cr_assert_str_eq(r.file, "0123WXYZ", "nothing copied, src not moved");
	run_copy(&r, REC_FAULT_ENOSPC, 2);
	cr_assert_str_eq(r.out, "copy=10 errno=0\nsendfile=-1 errno=28\n"
	    "splice=4 errno=0\n");
	cr_assert_str_eq(r.file, "0123456789WXYZ");
	run_copy(&r, REC_FAULT_CRASH, 3);
	cr_assert_eq(r.res.status, REC_CRASHED);
	cr_assert_str_eq(r.file, "0123456789abcd");
}

/*
 * The filter stops only where a site is: a program that reads a file
 * thousands of times (opens, reads, stats, maps, lists...) and writes it
 * once makes exactly the two stops of its creating open and its write,
 * with the copy and name-making calls in the table.
 */
Test(tracer, reads_make_no_stops)
{
	char *argv[] = { S(PROGS_DIR "/t_reads"), NULL };
	struct run r;

	run_prog(&r, argv, NULL, false, 0);
	cr_assert_eq(r.rc, 0);
	cr_assert_eq(r.res.status, REC_EXITED);
	cr_assert_eq(r.res.code, 0, "t_reads failed");
	cr_assert_eq(r.sites, 2);
	cr_assert_eq(r.res.stops.seccomp, 2, "stops: %llu",
	    (unsigned long long)r.res.stops.seccomp);
	cr_assert_eq(r.res.stops.exit + r.res.stops.emulated, 2);
	cr_assert_eq(r.res.stops.foreign + r.res.stops.unexpected, 0);
}

/* A fault that applies to no site of that key is not injected. */
Test(tracer, unknown_key_is_not_injected)
{
	char *argv[] = { S(PROGS_DIR "/t_inject"), NULL };
	struct rec_target tg = { REC_FAULT_EIO, REC_FAM_WRITE, "out.txt", 3 };
	struct run r;

	run_prog(&r, argv, &tg, false, 0);
	cr_assert_eq(r.rc, 0);
	cr_assert_not(r.res.injected);
	cr_assert_str_eq(r.file, "0123456789abcdefAAAABBBBBBBBCCCC");
}

Test(tracer, timeout_kills_the_tree)
{
	char *argv[] = { S("/bin/sh"), S("-c"), S("sleep 30 & sleep 30; wait"),
	    NULL };
	struct run r;

	run_prog(&r, argv, NULL, false, 300);
	cr_assert_eq(r.rc, 0);
	cr_assert_eq(r.res.status, REC_TIMEOUT);
	cr_assert_lt(r.res.duration_ns, 5000000000LL);
}

/* PROG exits, a child it left runs on: killed at the timeout, and said so. */
Test(tracer, timeout_after_prog_exited_marks_lingering)
{
	char *argv[] = { S("/bin/sh"), S("-c"), S("(sleep 30 &); exit 3"),
	    NULL };
	struct run r;

	run_prog(&r, argv, NULL, false, 300);
	cr_assert_eq(r.rc, 0);
	cr_assert_eq(r.res.status, REC_TIMEOUT);
	cr_assert(r.res.lingered);
	cr_assert_eq(r.res.root_code, 3);
}

Test(tracer, no_lingering_when_prog_ends_everything)
{
	char *argv[] = { S("/bin/sh"), S("-c"), S("exit 3"), NULL };
	struct run r;

	run_prog(&r, argv, NULL, false, 5000);
	cr_assert_eq(r.res.status, REC_EXITED);
	cr_assert_eq(r.res.code, 3);
	cr_assert_not(r.res.lingered);
}

/*
 * badio does regular-file writes for the program (emulate.c) only while
 * the program has no file-size limit: one set midway is obeyed.
 */
Test(tracer, file_size_limit_set_midway_is_obeyed)
{
	char *argv[] = { S(PROGS_DIR "/t_rlimit"), NULL };
	struct run r;

	run_prog(&r, argv, NULL, false, 0);
	cr_assert_eq(r.rc, 0);
	cr_assert_eq(r.res.status, REC_EXITED);
	cr_assert_str_eq(r.out, "write=10 errno=0\nwrite=10 errno=0\n"
	    "write=-1 errno=27\n");
	cr_assert_str_eq(r.file, "01234567890123456789");
	cr_assert_eq(r.res.stops.unexpected, 0);
}

/* Item 24: io_uring is refused with ENOSYS unless allowed. */
Test(tracer, io_uring_refused_by_default)
{
	char *argv[] = { S(PROGS_DIR "/t_uring"), NULL };
	struct run r;

	run_prog(&r, argv, NULL, false, 0);
	cr_assert_eq(r.rc, 0);
	cr_assert_str_eq(r.out, "uring=ENOSYS\n");
}

Test(tracer, io_uring_allowed_behaves_as_natively)
{
	char *argv[] = { S(PROGS_DIR "/t_uring"), NULL };
	char native[64] = "";
	struct run r;
	int p[2], st;
	pid_t pid;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	cr_assert_gt(read(p[0], native, sizeof(native) - 1), 0);
	close(p[0]);
	waitpid(pid, &st, 0);
	run_prog(&r, argv, NULL, true, 0);
	cr_assert_str_eq(r.out, native);
}

/* Item 27: an unprivileged user can trace its own child (no_new_privs). */
Test(tracer, unprivileged_user)
{
	struct passwd *pw = getpwnam("nobody");
	char dir[] = "/tmp/badio-nobody-XXXXXX";
	int st;
	pid_t pid;

	cr_assert_not_null(pw);
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(chown(dir, pw->pw_uid, pw->pw_gid), 0);
	pid = fork();
	if (pid == 0) {
		char *argv[] = { S(PROGS_DIR "/t_inject"), NULL };
		struct rec_opts o = {
			.exe = argv[0], .argv = argv, .envp = environ,
			.dir = dir, .stdin_fd = -1, .stdout_fd = -1,
			.stderr_fd = -1,
		};
		struct rec_result res;
		enum rec_stage stage;
		int devnull = open("/dev/null", O_WRONLY);

		o.stdout_fd = devnull;
		/*
		 * Changing uid clears the dumpable flag, which would forbid
		 * ptrace as for a setuid program; a real user's shell has it.
		 */
		if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 ||
		    setuid(pw->pw_uid) < 0 || prctl(PR_SET_DUMPABLE, 1) < 0)
			_exit(10);
		if (rec_run(&o, NULL, NULL, &res, &stage) < 0)
			_exit(20 + (int)stage);
		_exit(res.status == REC_EXITED && res.code == 0 &&
		    res.sites >= 5 ? 0 : 30);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	bx_tree_remove(dir, NULL);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "child status %d", WEXITSTATUS(st));
}

/*
 * Issue 8: deterministic randomness and namespaces cost a program that
 * never calls getrandom no stop at all (p_write makes no getrandom:
 * it never calls malloc, whose first call does in glibc 2.36).
 */
Test(tracer, determinism_adds_no_stop)
{
	char *argv[] = { S(PROGS_DIR "/p_write"), S("out.txt"), S("20"),
		S("100"), NULL };
	struct run plain, with;

	det = false;
	run_prog(&plain, argv, NULL, false, 0);
	det = true;
	run_prog(&with, argv, NULL, false, 0);
	cr_assert_eq(plain.rc, 0);
	cr_assert_eq(with.rc, 0);
	cr_assert_not(plain.res.pidns);
	cr_assert(with.res.pidns, "a PID namespace (root here)");
	cr_assert(with.res.urandom);
	cr_assert_eq(with.res.stops.random, 0);
	cr_assert_eq(with.sites, 21, "%u sites", with.sites);
	cr_assert_eq(plain.sites, 21, "%u sites", plain.sites);
	cr_assert_eq(with.res.stops.seccomp, plain.res.stops.seccomp);
	cr_assert_eq(with.res.stops.exit, plain.res.stops.exit);
	cr_assert_eq(with.res.stops.emulated, plain.res.stops.emulated);
	cr_assert_eq(with.res.stops.foreign, plain.res.stops.foreign);
	cr_assert_eq(with.res.stops.unexpected, 0);
	/*
	 * Two fewer: the plain launch's own SIGSTOP (a group-stop) and
	 * SIGCONT; the program forked by the namespace's init needs neither.
	 */
	cr_assert_eq(plain.res.stops.group, 1);
	cr_assert_eq(plain.res.stops.signal, 1);
	cr_assert_eq(with.res.stops.group, 0);
	cr_assert_eq(with.res.stops.signal, 0);
	cr_assert_eq(with.res.stops.seccomp, 21);
}

/* getrandom calls of a program, run natively under strace. */
static unsigned
native_getrandom_calls(char *const argv[])
{
	char out[] = "/tmp/badio-strace-XXXXXX", line[512];
	unsigned n = 0;
	int fd = mkstemp(out), st;
	pid_t pid;
	FILE *f;

	cr_assert_geq(fd, 0);
	close(fd);
	pid = fork();
	if (pid == 0) {
		char *sv[16] = { S(STRACE), S("-f"), S("-qq"), S("-e"),
			S("trace=getrandom"), S("-o"), out };
		int k = 7;

		for (int i = 0; argv[i] && k < 15; i++)
			sv[k++] = argv[i];
		sv[k] = NULL;
		if (chdir("/tmp") < 0)
			_exit(126);
		execv(sv[0], sv);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	f = fopen(out, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "getrandom(") != NULL;
	fclose(f);
	unlink(out);
	return n;
}

/* Every getrandom costs one stop, answered at once, in every thread. */
Test(tracer, getrandom_one_stop_per_call)
{
	char *argv[] = { S(PROGS_DIR "/det_random"), NULL };
	unsigned native = native_getrandom_calls(argv);
	struct run r;

	det = true;
	run_prog(&r, argv, NULL, false, 0);
	cr_assert_eq(r.rc, 0);
	cr_assert_eq(r.res.status, REC_EXITED);
	cr_assert_eq(r.res.code, 0);
	/* 3 in main, 1 per child and thread, 1 per child's first malloc */
	cr_assert_geq(native, 9);
	cr_assert_eq(r.res.stops.random, native);
	cr_assert_eq(r.res.stops.unexpected, 0);
}
