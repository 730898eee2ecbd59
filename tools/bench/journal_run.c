/*
 * journal_run [-j] [-m MEM] RUNDIR STASHDIR PROG ARGS...: one rec_run of
 * PROG in RUNDIR (tools/bench-journal.sh), with the undo journal (-j,
 * journal_mem MEM bytes) or without; with -j, power fails at the end
 * site and the durable state is built into STASHDIR/state.  Prints
 * "wall_s build_s sites entries peak_mem peak_disk".  Links badio's
 * recorder library (recorder/recorder.h): a benchmark driver, not a tool.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "recorder/recorder.h"

extern char **environ;

static const char *state_dir;
static double build_s;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
build(void *ctx, const struct rec_journal *j)
{
	struct rec_state st = { REC_STATE_DURABLE, 0 };
	double t0 = now();
	int rc;

	if (mkdir(state_dir, 0700) < 0)
		return -errno;
	rc = rec_journal_build(j, st, ctx ? ctx : "", state_dir);
	build_s = now() - t0;
	return rc;
}

int
main(int argc, char **argv)
{
	struct rec_target tg = { REC_FAULT_POWER, REC_FAM_END, "<end>", 1 };
	bool journal = false;
	size_t mem = 0;
	struct rec_result res;
	enum rec_stage stage;
	char state[4096];
	struct rec_opts o;
	double t0;
	int c, rc;

	while ((c = getopt(argc, argv, "+jm:")) != -1) {
		if (c == 'j')
			journal = true;
		else if (c == 'm')
			mem = strtoull(optarg, NULL, 0);
		else
			return 2;
	}
	if (argc - optind < 3) {
		fprintf(stderr, "usage: journal_run [-j] [-m MEM] RUNDIR STASHDIR PROG ARGS...\n");
		return 2;
	}
	snprintf(state, sizeof(state), "%s/state", argv[optind + 1]);
	state_dir = state;
	o = (struct rec_opts){
		.exe = argv[optind + 2], .argv = argv + optind + 2,
		.envp = environ, .dir = argv[optind], .stdin_fd = -1,
		.stdout_fd = -1, .stderr_fd = -1, .end_site = true,
		.journal = journal, .stash_dir = argv[optind + 1],
		.journal_mem = mem, .target = journal ? &tg : NULL,
		.crash_cb = build, .crash_ctx = argv[optind],
	};
	t0 = now();
	rc = rec_run(&o, NULL, NULL, &res, &stage);
	if (rc < 0) {
		fprintf(stderr, "journal_run: %s\n", strerror(-rc));
		return 1;
	}
	printf("%.4f %.4f %llu %llu %llu %llu\n", now() - t0 - build_s, build_s,
	    (unsigned long long)res.sites,
	    (unsigned long long)res.journal_entries,
	    (unsigned long long)res.journal_peak_mem,
	    (unsigned long long)res.journal_peak_disk);
	return res.status == REC_EXITED && res.code == 0 ? 0 : 1;
}
