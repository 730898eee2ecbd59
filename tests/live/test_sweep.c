/*
 * test_sweep.c - one traced run, every crash point (rec_opts.sweep_cb,
 * recorder/sweep.c; issue 9, "One run, every crash point").
 *
 * The proof: for a program, one sweep run builds, at every point, every
 * state (durable, metadata, prefix:1..k) from the live run directory;
 * then, for every point, a power re-run with that point's target, from
 * the same baseline, builds the same states after its kill.  The
 * listings (every entry, sorted: type, mode, size, links, a hash of the
 * bytes, the data/hole map) must be the same, point by point.
 *
 * The tests need ptrace.  Without it they fail, unless the environment
 * has BADIO_TEST_ALLOW_SKIP=1 (restricted containers; never in CI).
 */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "recorder/recorder.h"

extern char **environ;

#define S(x)		((char *)(x))
#define MAX_POINTS	256

/* A growing string. */
struct text {
	char	*s;
	size_t	len;
	size_t	cap;
};

static void
add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0,
		    fmt, ap);
		va_end(ap);
		if (t->s && t->len + (size_t)n < t->cap)
			break;
		t->cap = 2 * t->cap + (size_t)n + 256;
		t->s = realloc(t->s, t->cap);
		cr_assert_not_null(t->s);
	}
	t->len += (size_t)n;
}

struct point {
	uint64_t	seq;
	char		key[300];
	enum rec_family	family;
	char		path[300];
	unsigned	ordinal;
	unsigned	stopped;
	struct text	states;		/* the listing of every state */
};

static struct {
	char		base[300];
	char		run[320];
	char		stash[320];
	unsigned	nbuilt;		/* state directories made */
	struct point	pts[MAX_POINTS];
	size_t		npts;
	struct text	power;		/* the re-run's listing */
	bool		called;
	struct rec_result res;		/* the last run's */
	struct rec_result sweep;	/* the sweep run's */
} sw;

static void
setup(void)
{
	harness_setup("sweep", "sweep.db");
	memset(&sw, 0, sizeof(sw));
	snprintf(sw.base, sizeof(sw.base), "%s/p", tmp);
	snprintf(sw.run, sizeof(sw.run), "%s/run", sw.base);
	snprintf(sw.stash, sizeof(sw.stash), "%s/stash", sw.base);
	cr_assert_eq(mkdir(sw.base, 0700), 0);
	cr_assert_eq(mkdir(sw.stash, 0700), 0);
}

static void
teardown(void)
{
	for (size_t i = 0; i < MAX_POINTS; i++)
		free(sw.pts[i].states.s);
	free(sw.power.s);
	harness_teardown();
}

TestSuite(sweep, .init = setup, .fini = teardown, .timeout = 600);

/* --- listings ------------------------------------------------------------ */

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Size, links, bytes (small ones as text, else FNV-1a), data ranges. */
static void
list_file(struct text *t, const char *path, const struct stat *st)
{
	static unsigned char buf[1 << 16];
	uint64_t h = 1469598103934665603ull;
	off_t data, hole = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	cr_assert_geq(fd, 0, "%s", path);
	add(t, " %lld links %lu", (long long)st->st_size,
	    (unsigned long)st->st_nlink);
	if (st->st_size <= 64) {
		n = pread(fd, buf, sizeof(buf), 0);
		add(t, " '");
		for (ssize_t i = 0; i < n; i++)
			buf[i] >= ' ' && buf[i] < 127 ? add(t, "%c", buf[i]) :
			    add(t, "\\x%02x", buf[i]);
		add(t, "'");
	} else {
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			for (ssize_t i = 0; i < n; i++)
				h = (h ^ buf[i]) * 1099511628211ull;
		add(t, " fnv %016llx", (unsigned long long)h);
	}
	add(t, " data");
	while ((data = lseek(fd, hole, SEEK_DATA)) >= 0) {
		hole = lseek(fd, data, SEEK_HOLE);
		cr_assert_geq(hole, 0);
		add(t, " %lld-%lld", (long long)data, (long long)hole);
	}
	close(fd);
}

static void
list_tree(struct text *t, const char *dir, const char *rel)
{
	char path[2048], sub[1024], text[256];
	struct dirent **v;
	struct stat st;
	int n;

	snprintf(path, sizeof(path), "%s%s%s", dir, rel[0] ? "/" : "", rel);
	n = scandir(path, &v, NULL, by_name);
	cr_assert_geq(n, 0, "%s: %s", path, strerror(errno));
	for (int i = 0; i < n; i++) {
		const char *name = v[i]->d_name;
		ssize_t k;

		if (strcmp(name, ".") && strcmp(name, "..")) {
			snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "",
			    name);
			snprintf(path, sizeof(path), "%s/%s", dir, sub);
			cr_assert_eq(lstat(path, &st), 0, "%s", path);
			add(t, "%s %06o", sub, st.st_mode);
			if (S_ISDIR(st.st_mode)) {
				add(t, "\n");
				list_tree(t, dir, sub);
			} else if (S_ISLNK(st.st_mode)) {
				k = readlink(path, text, sizeof(text) - 1);
				text[k > 0 ? k : 0] = '\0';
				add(t, " -> %s\n", text);
			} else if (S_ISREG(st.st_mode)) {
				list_file(t, path, &st);
				add(t, "\n");
			} else {
				add(t, "\n");
			}
		}
		free(v[i]);
	}
	free(v);
}

/*
 * Every state of the journal now, from the run directory as it is
 * (live in a sweep, dead after a power kill), listed into t.
 */
static void
list_states(struct text *t, const struct rec_journal *j)
{
	unsigned k = rec_journal_pending(j);
	const char *key;

	rec_journal_last_sync(j, &key);
	add(t, "pending %u last %s\n", k, key ? key : "-");
	for (unsigned i = 0; i < k + 2; i++) {
		struct rec_state st = { i == 0 ? REC_STATE_DURABLE : i == 1 ?
		    REC_STATE_METADATA : REC_STATE_PREFIX, i - 1 };
		char dest[400], name[32];
		int rc;

		cr_assert_eq(rec_state_format(name, sizeof(name), st), 0);
		snprintf(dest, sizeof(dest), "%s/s%u", sw.base, sw.nbuilt++);
		cr_assert_eq(mkdir(dest, 0700), 0);
		rc = rec_journal_build(j, st, sw.run, dest);
		add(t, "== %s", name);
		if (rc < 0)
			add(t, " error %s", strerror(-rc));
		add(t, "\n");
		if (rc == 0)
			list_tree(t, dest, "");
	}
}

static int
on_point(void *ctx, const struct rec_journal *j, const struct rec_point *pt)
{
	struct point *p = &sw.pts[sw.npts];

	(void)ctx;
	cr_assert_lt(sw.npts, MAX_POINTS);
	cr_assert(sw.npts == 0 || pt->seq > sw.pts[sw.npts - 1].seq,
	    "points in seq order");
	p->seq = pt->seq;
	snprintf(p->key, sizeof(p->key), "%s", pt->key);
	p->family = pt->family;
	snprintf(p->path, sizeof(p->path), "%s", pt->path);
	p->ordinal = pt->ordinal;
	p->stopped = pt->stopped;
	list_states(&p->states, j);
	sw.npts++;
	return 0;
}

static int
on_crash(void *ctx, const struct rec_journal *j)
{
	(void)ctx;
	sw.called = true;
	list_states(&sw.power, j);
	return 0;
}

/* --- runs ------------------------------------------------------------------ */

static void
rm_tree(const char *path)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	cr_assert_eq(system(cmd), 0);
}

/* The run directory afresh: "f PATH TEXT" (0644) and "d PATH MODE", ';' apart. */
static void
baseline(const char *spec)
{
	char buf[512], path[700], *save = NULL;

	rm_tree(sw.run);
	cr_assert_eq(mkdir(sw.run, 0755), 0);
	cr_assert_eq(chmod(sw.run, 0755), 0);
	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *e = strtok_r(buf, ";", &save); e; e = strtok_r(NULL, ";", &save)) {
		char kind, name[200], arg[200];

		cr_assert_eq(sscanf(e, " %c %199s %199s", &kind, name, arg), 3, "%s", e);
		snprintf(path, sizeof(path), "%s/%s", sw.run, name);
		if (kind == 'd') {
			cr_assert_eq(mkdir(path, 0700), 0);
			cr_assert_eq(chmod(path, (mode_t)strtol(arg, NULL, 8)), 0);
		} else {
			write_file(path, arg);
			cr_assert_eq(chmod(path, 0644), 0);
		}
	}
}

static int
run(char *const argv[], const struct rec_target *tg, bool sweep)
{
	int null = open("/dev/null", O_WRONLY);
	struct rec_opts o = {
		.exe = argv[0], .argv = argv, .envp = environ, .dir = sw.run,
		.no_aslr = true, .stdin_fd = -1, .stdout_fd = null,
		.stderr_fd = -1, .target = tg, .end_site = true,
		.journal = true, .stash_dir = sw.stash, .map_copies = true,
		.crash_cb = on_crash, .sweep_cb = sweep ? on_point : NULL,
	};
	enum rec_stage stage;
	int rc;

	cr_assert_geq(null, 0);
	rc = rec_run(&o, NULL, NULL, &sw.res, &stage);
	close(null);
	return rc;
}

/*
 * Sweep PROG ARGS once from spec, then re-run it with power at each
 * point from spec: the same states at every point.  The number of points.
 */
static size_t
sweep_equals_reruns(const char *spec, char *const argv[])
{
	baseline(spec);
	cr_assert_eq(run(argv, NULL, true), 0);
	cr_assert_eq(sw.res.status, REC_EXITED, "%s", argv[1]);
	cr_assert_eq(sw.res.code, 0, "%s", argv[1]);
	cr_assert_gt(sw.npts, 1);
	cr_assert_eq(sw.res.sweep_points, sw.npts);
	cr_assert_eq(sw.npts, sw.res.sites, "every site is a point");
	cr_assert_str_eq(sw.pts[sw.npts - 1].key, "end:1");
	sw.sweep = sw.res;
	for (size_t i = 0; i < sw.npts; i++) {
		const struct point *p = &sw.pts[i];
		const struct rec_target tg = {
			REC_FAULT_POWER, p->family, p->path, p->ordinal,
		};

		baseline(spec);
		sw.power.len = 0;
		sw.called = false;
		cr_assert_eq(run(argv, &tg, false), 0);
		cr_assert(sw.res.injected, "%s %s", argv[1], p->key);
		cr_assert(sw.called);
		cr_assert_str_eq(sw.power.s, p->states.s, "%s at %s (seq %llu)",
		    argv[1], p->key, (unsigned long long)p->seq);
	}
	return sw.npts;
}

/* --- DURABILITY_NOTES §5 scenarios, every point, every state ---------------- */

static void
scen(const char *name, const char *spec)
{
	char *argv[] = { S(PROG("pw_scen")), S(name), NULL };

	sweep_equals_reruns(spec, argv);
}

#define A_OLD	"f A old"

Test(sweep, t1) { scen("T1", A_OLD); }
Test(sweep, t2) { scen("T2", A_OLD); }
Test(sweep, t3) { scen("T3", A_OLD); }
Test(sweep, t4) { scen("T4", A_OLD); }
Test(sweep, t7) { scen("T7", A_OLD); }
Test(sweep, t8) { scen("T8", A_OLD); }
Test(sweep, t10) { scen("T10", A_OLD); }
Test(sweep, t11) { scen("T11", "d d1 755;d d2 755;f d1/F f"); }
Test(sweep, t12) { scen("T12", A_OLD); }
Test(sweep, t14) { scen("T14", A_OLD); }
Test(sweep, t15) { scen("T15", A_OLD); }
Test(sweep, t16) { scen("T16", A_OLD); }
Test(sweep, t16_nodir) { scen("T16-nodir", A_OLD); }
Test(sweep, t18) { scen("T18", A_OLD); }
Test(sweep, t19) { scen("T19", "d tmp 755;d new 755;f tmp/x x"); }
Test(sweep, t20) { scen("T20", "f D old;f P old"); }
Test(sweep, t21) { scen("T21", A_OLD ";f U u"); }
Test(sweep, names) { scen("names", A_OLD ";d E 700;f X x;f Y y"); }
Test(sweep, rewrite) { scen("rewrite", A_OLD); }
Test(sweep, dirmove) { scen("dirmove", "d d 711;f d/f f"); }
Test(sweep, syncs) { scen("syncs", "f F1 old;f F2 old;f F3 old;f F4 old"); }
Test(sweep, syncall) { scen("syncall", A_OLD); }
Test(sweep, partial) { scen("partial", "d d1 755;d d2 755;d d3 755;f d1/F f"); }

/* The C copy_file_range writer, with an exact listing at one point. */
Test(sweep, copy_file_range_writer)
{
	char *argv[] = { S(PROG("pw_scen")), S("copy"), NULL };
	const struct point *end;

	sweep_equals_reruns(A_OLD ";f S 0123456789", argv);
	end = &sw.pts[sw.npts - 1];
	cr_assert_str_eq(end->states.s,
	    "pending 2 last sync:C:1\n"
	    "== durable\nA 100644 3 links 1 'old' data 0-3\n"
	    "S 100644 10 links 1 '0123456789' data 0-10\n"
	    "== metadata\nA 100644 3 links 1 'old' data 0-3\n"
	    "C 100644 10 links 1 '0123456789' data 0-10\n"
	    "S 100644 10 links 1 '0123456789' data 0-10\n"
	    "== prefix:1\nA 100644 3 links 1 'old' data 0-3\n"
	    "C 100644 10 links 1 '0123456789' data 0-10\n"
	    "S 100644 10 links 1 '0123456789' data 0-10\n"
	    "== prefix:2\nA 100644 3 links 1 '01d' data 0-3\n"
	    "C 100644 10 links 1 '0123456789' data 0-10\n"
	    "S 100644 10 links 1 '0123456789' data 0-10\n");
}

/*
 * A forked writer: the child writes child.out while the parent waits in
 * waitpid (stopped at each of the child's points, its wait restarted),
 * then the parent writes parent.out.
 */
Test(sweep, forked_writer)
{
	char *argv[] = { S(PROG("p_fork")), S("fork"), NULL };
	unsigned stopped = 0;

	cr_assert_eq(sweep_equals_reruns("", argv), 7 + 1);
	for (size_t i = 0; i < sw.npts; i++)
		stopped += sw.pts[i].stopped;
	cr_assert_eq(sw.pts[0].stopped, 1, "the parent, at the child's creat");
	cr_assert_eq(sw.pts[4].stopped, 0, "the parent alone");
	cr_assert_eq(stopped, 4, "the parent at the child's 4 points");
	cr_assert_eq(sw.sweep.sweep_stops, 4);
}

/* --- every task stopped ---------------------------------------------------- */

static char mfile[400];
static unsigned nstill;

/* M, changed all the time by sw_spin's thread, holds still during a point. */
static int
m_still(void *ctx, const struct rec_journal *j, const struct rec_point *pt)
{
	struct timespec ms = { 0, 20 * 1000000 };
	unsigned long a = 0, b = 0;
	int fd = open(mfile, O_RDONLY);

	(void)ctx;
	(void)j;
	if (fd < 0 || pt->stopped == 0) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	cr_assert_eq(pread(fd, &a, sizeof(a), 0), (ssize_t)sizeof(a));
	nanosleep(&ms, NULL);
	cr_assert_eq(pread(fd, &b, sizeof(b), 0), (ssize_t)sizeof(b));
	close(fd);
	cr_assert_eq(a, b, "the spinning thread ran during the point (%s)",
	    pt->key);
	nstill++;
	return 0;
}

Test(sweep, a_spinning_thread_is_stopped_during_each_point)
{
	char *argv[] = { S(PROG("sw_spin")), NULL };
	struct rec_opts o = {
		.exe = argv[0], .argv = argv, .envp = environ, .dir = sw.run,
		.stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
		.end_site = true, .journal = true, .stash_dir = sw.stash,
		.sweep_cb = m_still,
	};
	enum rec_stage stage;

	baseline(A_OLD);
	snprintf(mfile, sizeof(mfile), "%s/M", sw.run);
	nstill = 0;
	cr_assert_eq(rec_run(&o, NULL, NULL, &sw.res, &stage), 0);
	cr_assert_eq(sw.res.status, REC_EXITED);
	cr_assert_eq(sw.res.code, 0);
	/* openat W, 10 writes, close is no site: 11 points with the thread */
	cr_assert_eq(nstill, 11);
	cr_assert_geq(sw.res.sweep_stops, 11);
}

/* p_threads: 4 threads write at once; every point stops the others. */
Test(sweep, threads_write_while_points_are_built)
{
	char *argv[] = { S(PROG("p_threads")), S("4"), S("3"), NULL };
	unsigned total = 0;

	baseline("");
	cr_assert_eq(run(argv, NULL, true), 0);
	cr_assert_eq(sw.res.code, 0);
	cr_assert_eq(sw.npts, 4 * 4 + 1);
	for (size_t i = 0; i + 1 < sw.npts; i++) {
		cr_assert_geq(sw.pts[i].stopped, 1, "%s", sw.pts[i].key);
		total += sw.pts[i].stopped;
	}
	cr_assert_eq(sw.res.sweep_stops, total);
	/* the end: nothing in durable, empty files in metadata, whole in prefix:16 */
	cr_assert(strstr(sw.pts[sw.npts - 1].states.s, "pending 16 last -\n"
	    "== durable\n== metadata\nthr-0.out 100644 0 links 1 '' data\n"),
	    "%s", sw.pts[sw.npts - 1].states.s);
	cr_assert(strstr(sw.pts[sw.npts - 1].states.s,
	    "== prefix:16\nthr-0.out 100644 48 links 1 "), "%s",
	    sw.pts[sw.npts - 1].states.s);
}

/* --- the API's edges -------------------------------------------------------- */

Test(sweep, needs_the_journal_and_no_target)
{
	char *argv[] = { S(PROG("pw_scen")), S("T1"), NULL };
	const struct rec_target tg = { REC_FAULT_POWER, REC_FAM_END, "<end>", 1 };
	struct rec_opts o = {
		.exe = argv[0], .argv = argv, .envp = environ, .dir = sw.run,
		.stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
		.sweep_cb = on_point,
	};
	enum rec_stage stage;

	baseline(A_OLD);
	cr_assert_eq(rec_run(&o, NULL, NULL, &sw.res, &stage), -EINVAL);
	o.journal = true;
	o.target = &tg;
	cr_assert_eq(rec_run(&o, NULL, NULL, &sw.res, &stage), -EINVAL);
	cr_assert_eq(sw.npts, 0);
}

static int
stop_at_third(void *ctx, const struct rec_journal *j, const struct rec_point *pt)
{
	(void)ctx;
	(void)j;
	return pt->seq == 3 ? -ECANCELED : 0;
}

Test(sweep, a_callback_error_stops_the_run)
{
	char *argv[] = { S(PROG("pw_scen")), S("T1"), NULL };
	struct rec_opts o = {
		.exe = argv[0], .argv = argv, .envp = environ, .dir = sw.run,
		.stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
		.journal = true, .stash_dir = sw.stash, .sweep_cb = stop_at_third,
	};
	enum rec_stage stage;

	baseline(A_OLD);
	cr_assert_eq(rec_run(&o, NULL, NULL, &sw.res, &stage), -ECANCELED);
	cr_assert_eq(sw.res.status, REC_INTERRUPTED);
	cr_assert_eq(sw.res.sweep_points, 3);
}

static int
build_inside(void *ctx, const struct rec_journal *j, const struct rec_point *pt)
{
	char dest[400];
	struct rec_state st = { REC_STATE_DURABLE, 0 };

	(void)ctx;
	if (pt->seq != 1)
		return 0;
	snprintf(dest, sizeof(dest), "%s/inside", sw.run);
	cr_assert_eq(mkdir(dest, 0700), 0);
	cr_assert_eq(rec_journal_build(j, st, sw.run, dest), -EINVAL,
	    "a dest inside the run directory");
	cr_assert_eq(rmdir(dest), 0);
	snprintf(dest, sizeof(dest), "%s/outside", sw.base);
	cr_assert_eq(mkdir(dest, 0700), 0);
	cr_assert_eq(rec_journal_build(j, st, sw.base, dest), -ESTALE,
	    "src not the run directory");
	cr_assert_eq(rec_journal_build(j, st, sw.run, dest), 0);
	sw.called = true;
	return 0;
}

Test(sweep, dest_inside_the_live_run_directory_is_refused)
{
	char *argv[] = { S(PROG("pw_scen")), S("T1"), NULL };
	struct rec_opts o = {
		.exe = argv[0], .argv = argv, .envp = environ, .dir = sw.run,
		.stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
		.journal = true, .stash_dir = sw.stash, .sweep_cb = build_inside,
	};
	enum rec_stage stage;

	baseline(A_OLD);
	cr_assert_eq(rec_run(&o, NULL, NULL, &sw.res, &stage), 0);
	cr_assert(sw.called);
}
