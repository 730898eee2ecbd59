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

#endif /* BADIO_EXPLORER_EXPLORER_INT_H */
