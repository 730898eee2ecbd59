/*
 * explorer_int.h - private to explorer/: one experiment and the pieces
 * it is made of.  Nothing outside explorer/ includes this file.
 */
#ifndef BADIO_EXPLORER_EXPLORER_INT_H
#define BADIO_EXPLORER_EXPLORER_INT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "explorer/explorer.h"

/* The last BX_TAIL_MAX bytes of a stream. */
struct bx_tail {
	size_t		len;
	uint64_t	total;		/* bytes seen, kept or not */
	char		buf[BX_TAIL_MAX];
};

void	bx_tail_append(struct bx_tail *t, const char *p, size_t n);
/* As a C string (NUL bytes shown as '.'), into out[BX_TAIL_MAX + 1]. */
void	bx_tail_text(const struct bx_tail *t, char *out);

/* Set by bx_interrupt(); workers set it from their own handler. */
extern volatile sig_atomic_t bx_stop;

/*
 * Run CMD through /bin/sh -c in dir, in its own process group, with
 * envp, stdin from /dev/null and stdout+stderr into tail.  The whole
 * group is killed after timeout_ms (0: none) or when bx_stop is set
 * (then -EINTR).  0 otherwise, with res filled.
 */
int	bx_oracle_run(const char *cmd, const char *dir, char *const envp[],
	    int timeout_ms, struct bx_oracle_result *res, struct bx_tail *tail);

/* What every experiment of one explore shares (read-only after set-up). */
struct bx_setup {
	const char	*exe;
	char *const	*argv;
	char *const	*envp;		/* PROG's environment, as recorded */
	bool		deterministic;	/* ASLR off; pin to cpu */
	int		cpu;		/* the CPU this process runs PROG on */
	const void	*init_tar;
	size_t		init_tar_len;
	const void	*stdin_data;	/* PROG's recorded stdin, or NULL */
	size_t		stdin_len;
	const char	*oracle;	/* resolved command */
	char		**oracle_env;	/* environ without BADIO_* */
	int		timeout_ms;
	int		oracle_timeout_ms;
	const char	*keep_dir;
};

/* One experiment to run: a site (by replay key) and a fault. */
struct bx_job {
	int64_t		site_id;	/* 0 for the baseline */
	int64_t		seq;
	enum rec_fault	fault;		/* REC_FAULT_NONE: the baseline */
	enum rec_family	family;
	char		*key_path;
	unsigned	ordinal;
	char		*syscall;
	char		*path;
	int64_t		callsite;	/* recorded call-site id, 0 unknown */
};

/* What came of it; plain data, sent as is from a worker to the parent. */
struct bx_outcome {
	int		err;		/* 0, or -errno: the run could not be made */
	enum bx_fail	fail;		/* where, when err != 0 */
	enum rec_stage	stage;
	bool		aborted;	/* interrupted: do not store */
	bool		injected;
	int64_t		fault_bytes;
	enum rec_status	st;
	int		code;
	int64_t		duration_ns;
	struct bx_oracle_result oracle;
	enum bx_verdict	verdict;
	bool		kept;		/* the run directory went to keep_dir */
	struct bx_tail	prog;
	struct bx_tail	oracle_out;
};

/*
 * Run one experiment: scratch directory with the init snapshot, PROG
 * under the tracer with the job's fault, the oracle (unless unreached),
 * the verdict, --keep.  fn (may be NULL) sees every site of the run.
 * Returns out->err.
 */
int	bx_experiment_run(const struct bx_setup *su, const struct bx_job *job,
	    rec_site_fn *fn, void *ctx, struct bx_outcome *out);

/* CLOCK_MONOTONIC in nanoseconds. */
static inline int64_t
bx_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* --- plan.c: what one explore runs --- */

/* A site as the plan and the baseline comparison need it. */
struct site_row {
	struct bx_job	job;		/* fault left NONE */
	char		*key;		/* replay key text */
	int64_t		count;
	const struct rec_sysent *sc;
	int		kind;
	bool		selected;	/* passes --sites and --callsite */
	bool		pruned;		/* left out by --per-callsite */
};

/* A (site, fault) pair --per-callsite left out. */
struct skip {
	int64_t		site;
	enum rec_fault	fault;
};

/*
 * A recorded site the divergence check compares, by replay key (the
 * array is sorted by key; the strings belong to the site rows).
 */
struct rkey {
	const char	*key;
	int64_t		seq;
	int64_t		callsite;
};

struct plan {
	struct site_row	*sites;
	size_t		nsites;
	size_t		cap;
	struct bx_job	*jobs;
	size_t		njobs;
	size_t		jcap;
	const struct bx_explore_opts *opts;
	const char	*rec_status;	/* PROG's status in the recording */
	unsigned	kinds;
	int		err;
	bool		callsite_seen;	/* opts->callsite names a site */
	struct skip	*skips;
	size_t		nskips;
	size_t		scap;
	struct rkey	*rkeys;		/* compared recorded sites, by key */
	size_t		nrkeys;
};

/* Load the recording's sites (p->opts and p->kinds set first). */
int	plan_load(struct store *s, struct plan *p);
/* The jobs: selected sites x applicable faults, minus those done. */
int	plan_jobs(struct store *s, struct plan *p, struct bx_explore_result *res);
/* Store the pairs --per-callsite left out, in one transaction. */
int	plan_skips_store(struct store *s, const struct plan *p);
/* The recorded sites on files outside the run directory, into res. */
int	plan_outside(const struct plan *p, struct bx_explore_result *res);
/* The recorded sites the divergence check compares, sorted by key. */
int	plan_rkeys_build(struct plan *p);
void	plan_release(struct plan *p);
/* The options that select the plan, as the text kept in meta 'plan'. */
int	plan_describe(const struct bx_explore_opts *o, char **text);

/* --- divergence.c: did a re-run follow the recording? --- */

/* What the comparison of a run with the recording found. */
struct bx_divergence {
	uint64_t	missing;	/* baseline: recorded sites not seen */
	uint64_t	extra;		/* baseline: sites not recorded */
	char		diff[512];	/* the first difference, "" if none */
};

/* Is a site of this kind and path part of the comparison? */
bool	div_compared(unsigned kinds, int kind, const char *path);
/* In a worker: run one job (bx_experiment_run) and compare its sites. */
void	div_run_job(const struct bx_setup *su, const struct plan *p,
	    const struct bx_job *job, struct bx_outcome *out,
	    struct bx_divergence *dv);

/* --- workers.c and explore.c: the parent and its workers --- */

/* The wire format of one result: fixed size, sent as is. */
struct wire {
	uint32_t	idx;		/* job index, or BASELINE */
	struct bx_outcome out;
	struct bx_divergence dv;
};

/* Job index of the fault-free run. */
#define BASELINE	UINT32_MAX

/* Run the baseline then the plan's jobs on opts->jobs workers. */
int	workers_run(struct store *s, const struct bx_setup *su, struct plan *p,
	    struct bx_explore_result *res);
/* explore.c: what the parent does with the baseline and with a result. */
int	explore_judge_baseline(const struct wire *w, const struct plan *p,
	    struct bx_explore_result *res);
int	explore_baseline_passed(struct store *s, struct plan *p,
	    struct bx_explore_result *res, struct bx_progress *pr);
int	explore_take(struct store *s, struct plan *p, const struct wire *w,
	    struct bx_explore_result *res, struct bx_progress *pr, int64_t t0);

#endif /* BADIO_EXPLORER_EXPLORER_INT_H */
