/*
 * sweep_run MODE RUNDIR STASHDIR PROG ARGS...: the crash states of every
 * site of PROG (and of its end), built in one of three ways
 * (tools/bench-sweep.sh):
 *   sweep  one rec_run with rec_opts.sweep_cb: at every point the
 *          states are built from the live run directory
 *   power  one rec_run per point, power at it (the run directory emptied
 *          first), the states built in crash_cb: what explore does today
 *   crash  one rec_run per point, crash at it, no journal, no states:
 *          a crash experiment's run, for comparison
 * The points come from one untimed plain run first (as an explorer has
 * them from the recording).  States: durable and metadata at each point,
 * each built into a fresh directory under STASHDIR and removed (an
 * explorer removes it after the oracle).  PROG starts from an empty
 * RUNDIR.  Prints "points states wall_s ms_per_point ms_per_state
 * stop_ns stops" (stop_ns: time the sweep spent stopping other tasks).
 * Links badio's recorder library: a benchmark driver, not a tool.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "recorder/recorder.h"

extern char **environ;

#define MAX_POINTS	4096

struct pt {
	enum rec_family	family;
	char		path[256];
	unsigned	ordinal;
};

static struct pt pts[MAX_POINTS];
static size_t npts;
static const char *rundir, *stashdir;
static unsigned long nstates, nbuilt, nexp;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	return f->level == 0 ? 0 : remove(path);
}

/* Empty a directory (it stays). */
static int
empty_dir(const char *dir)
{
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int
build_states(const struct rec_journal *j)
{
	static const struct rec_state st[] = {
		{ REC_STATE_DURABLE, 0 }, { REC_STATE_METADATA, 0 },
	};
	char dest[4096];
	int rc;

	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		snprintf(dest, sizeof(dest), "%s/state-%lu", stashdir, nbuilt++);
		if (mkdir(dest, 0700) < 0)
			return -errno;
		rc = rec_journal_build(j, st[i], rundir, dest);
		if (rc < 0)
			return rc;
		nftw(dest, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		rmdir(dest);
		nstates++;
	}
	return 0;
}

static int
on_point(void *ctx, const struct rec_journal *j, const struct rec_point *p)
{
	(void)ctx;
	(void)p;
	return build_states(j);
}

static int
on_crash(void *ctx, const struct rec_journal *j)
{
	(void)ctx;
	return build_states(j);
}

static int
on_site(void *ctx, const struct rec_site *s)
{
	(void)ctx;
	if (npts == MAX_POINTS)
		return -E2BIG;
	pts[npts].family = s->sc->family;
	snprintf(pts[npts].path, sizeof(pts[npts].path), "%s", s->path);
	pts[npts].ordinal = s->ordinal;
	npts++;
	return 0;
}

static int
run(struct rec_opts *o, rec_site_fn *fn, struct rec_result *res)
{
	enum rec_stage stage;
	int rc;

	if (empty_dir(rundir) < 0)
		return -errno;
	rc = rec_run(o, fn, NULL, res, &stage);
	if (rc < 0)
		fprintf(stderr, "sweep_run: %s\n", strerror(-rc));
	return rc;
}

int
main(int argc, char **argv)
{
	struct rec_result res, sres = { 0 };
	struct rec_opts o;
	const char *mode;
	double t0, wall;
	int rc = 0;

	if (argc < 5) {
		fprintf(stderr, "usage: sweep_run sweep|power|crash RUNDIR STASHDIR PROG ARGS...\n");
		return 2;
	}
	mode = argv[1];
	rundir = argv[2];
	stashdir = argv[3];
	o = (struct rec_opts){
		.exe = argv[4], .argv = argv + 4, .envp = environ, .dir = rundir,
		.stdin_fd = -1, .stdout_fd = open("/dev/null", O_WRONLY),
		.stderr_fd = -1,
		.end_site = true, .stash_dir = stashdir,
	};
	if ((rc = run(&o, on_site, &res)) < 0)
		return 1;
	t0 = now();
	if (strcmp(mode, "sweep") == 0) {
		o.journal = true;
		o.sweep_cb = on_point;
		rc = run(&o, NULL, &sres);
		nexp = npts;
	} else {
		bool power = strcmp(mode, "power") == 0;

		o.journal = power;
		o.crash_cb = power ? on_crash : NULL;
		for (size_t i = 0; rc == 0 && i < npts; i++) {
			struct rec_target tg = { power ? REC_FAULT_POWER :
			    REC_FAULT_CRASH, pts[i].family, pts[i].path,
			    pts[i].ordinal };

			if (!power && tg.family == REC_FAM_END)
				continue;	/* no crash at the end */
			o.target = &tg;
			rc = run(&o, NULL, &res);
			nexp++;
			if (rc == 0 && !res.injected) {
				fprintf(stderr, "sweep_run: point %zu not reached\n", i);
				rc = -EINVAL;
			}
		}
	}
	wall = now() - t0;
	if (rc < 0)
		return 1;
	printf("%lu %lu %.4f %.4f %.4f %lld %llu\n", nexp, nstates, wall,
	    1e3 * wall / (double)nexp,
	    nstates ? 1e3 * wall / (double)nstates : 0.0,
	    (long long)sres.sweep_stop_ns, (unsigned long long)sres.sweep_stops);
	return 0;
}
