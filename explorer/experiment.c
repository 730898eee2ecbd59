/*
 * experiment.c - one experiment: a re-run of PROG with one fault at one
 * site, then the oracle, then the verdict.
 *
 * Every experiment starts from nothing shared: a fresh scratch directory
 * filled from the init snapshot, the recorded argv and environment,
 * stdin as recorded (a memory file with the captured input) or
 * /dev/null, and stdout and stderr into pipes that a helper thread
 * drains into a tail and stdout also into the aux directory's file the
 * oracle reads as BADIO_STDOUT (output.c).  The aux directory is a
 * scratch directory of its own beside the run directory: on the same
 * file system, never part of what the oracle judges.
 * Experiments are therefore independent, which is what lets explore run
 * them in any order, in parallel, and resume.
 */
#include "explorer/explorer_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
ignore_site(void *ctx, const struct rec_site *site)
{
	(void)ctx;
	(void)site;
	return 0;
}

/*
 * environ (without BADIO_*) plus the BADIO_* variables for this run:
 * state is the crash state judged, NULL for a fault without states.
 */
#define ORACLE_VARS	9

const char *
bx_state_status(const struct bx_job *job)
{
	return job->fault == REC_FAULT_LOST_SYNC ||
	    job->family == REC_FAM_END ? "" : "crash";
}

static char **
oracle_env(const struct bx_setup *su, const struct bx_job *job,
    const struct bx_outcome *out, const char *dir, const char *state,
    const char *stdout_path)
{
	const struct bx_fault *f = bx_fault_by_code(job->fault);
	char status[32];
	char **env;
	size_t n = 0;
	size_t i;
	int k = 0;

	/*
	 * A crash state is judged inside the run: after a power fault at a
	 * site PROG was killed ("crash"); at the end site and under
	 * lost-sync rec_run has not said yet how it ended ("").
	 */
	if (state)
		snprintf(status, sizeof(status), "%s", bx_state_status(job));
	else
		bx_status_format(status, sizeof(status), out->st, out->code);
	while (su->oracle_env[n])
		n++;
	env = calloc(n + ORACLE_VARS + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (i = 0; i < n; i++)
		env[i] = su->oracle_env[i];
	/* the strings after n are ours to free; see oracle_env_free */
	k |= asprintf(&env[n], "BADIO_DIR=%s", dir) < 0;
	k |= asprintf(&env[n + 1], "BADIO_SITE=%" PRId64, job->site_id) < 0;
	k |= asprintf(&env[n + 2], "BADIO_FAULT=%s", f ? f->name : "none") < 0;
	k |= asprintf(&env[n + 3], "BADIO_SYSCALL=%s",
	    job->syscall ? job->syscall : "") < 0;
	k |= asprintf(&env[n + 4], "BADIO_PATH=%s",
	    job->path ? job->path : "") < 0;
	k |= asprintf(&env[n + 5], "BADIO_STATUS=%s", status) < 0;
	/* a state is judged only when the crash point came */
	k |= asprintf(&env[n + 6], "BADIO_INJECTED=%d", state ? 1 :
	    out->injected) < 0;
	k |= asprintf(&env[n + 7], "BADIO_STATE=%s", state ? state : "") < 0;
	k |= asprintf(&env[n + 8], "BADIO_STDOUT=%s", stdout_path) < 0;
	if (k) {
		for (i = n; i < n + ORACLE_VARS; i++)
			free(env[i]);
		free(env);
		return NULL;
	}
	return env;
}

static void
oracle_env_free(const struct bx_setup *su, char **env)
{
	size_t n = 0;
	size_t i;

	if (!env)
		return;
	while (su->oracle_env[n])
		n++;
	for (i = n; env[i]; i++)
		free(env[i]);
	free(env);
}

/* A memory file holding the recorded stdin, at offset 0; -errno on failure. */
static int
stdin_file(const void *data, size_t len)
{
	const char *p = data;
	int fd = memfd_create("badio-stdin", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Remove a run directory; what had to stay goes into out for a warning. */
static void
remove_run_dir(const char *dir, struct bx_outcome *out)
{
	struct bx_tree_report rep;
	int rc = bx_tree_remove(dir, &rep);

	if (rc == 0)
		return;
	out->left_err = rc;
	snprintf(out->left_dir, sizeof(out->left_dir), "%s", dir);
	snprintf(out->mount, sizeof(out->mount), "%s", rep.mounts ? rep.mount :
	    "");
}

/*
 * The oracle on dir (holding crash state state, or NULL) into res and
 * tail.  0, or -errno with out->fail set; an interrupted oracle sets
 * out->aborted.
 */
int
bx_experiment_oracle(const struct bx_setup *su, const struct bx_job *job,
    const char *dir, const char *state, const char *stdout_path,
    struct bx_outcome *out, struct bx_oracle_result *res, struct bx_tail *tail)
{
	char **env = oracle_env(su, job, out, dir, state, stdout_path);
	int rc;

	if (!env) {
		out->fail = BX_FAIL_SCRATCH;
		return -ENOMEM;
	}
	rc = bx_oracle_run(su->oracle, dir, env, su->oracle_timeout_ms,
	    su->cgroup, res, tail);
	oracle_env_free(su, env);
	if (rc == -EINTR) {
		out->aborted = true;
		return 0;
	}
	if (rc < 0) {
		res->state = BX_ORACLE_FAILED;
		res->code = -rc;
	}
	return 0;
}

/* The power experiment's judge of one state (struct bx_power). */
static int
judge_state(struct bx_power *pc, struct bx_judged *jd)
{
	return bx_experiment_oracle(pc->su, pc->job, pc->dir, jd->state,
	    pc->output->path, pc->out, &jd->oracle, &jd->oracle_out);
}

/*
 * The oracle on dir, then the verdict, into out.  0, or -errno with
 * out->fail set; an interrupted oracle sets out->aborted.
 */
static int
judge(const struct bx_setup *su, const struct bx_job *job, const char *dir,
    const char *stdout_path, struct bx_outcome *out)
{
	int rc;

	/* unreached: nothing to judge, spare the oracle */
	if (job->fault == REC_FAULT_NONE || out->injected) {
		rc = bx_experiment_oracle(su, job, dir, NULL, stdout_path, out,
		    &out->oracle, &out->oracle_out);
		if (rc || out->aborted)
			return rc;
	}
	if (job->fault != REC_FAULT_NONE) {
		out->verdict = bx_verdict_classify(job->fault, out->injected,
		    out->st, out->code, &out->oracle);
		if (out->verdict == BX_V_COUNT)
			out->aborted = true;
	}
	return 0;
}

/* What the recorder said of the run, into out. */
static void
take_result(const struct bx_job *job, const struct rec_result *rr,
    struct bx_outcome *out)
{
	out->st = rr->status;
	out->code = rr->code;
	out->duration_ns = rr->duration_ns;
	out->pidns = rr->pidns;
	out->urandom = rr->urandom;
	out->ns_errno = rr->ns_errno;
	out->injected = job->fault != REC_FAULT_NONE && rr->injected;
	out->fault_bytes = out->injected ? rr->fault_bytes : -1;
}

/* A sweep run (sweep.c): journal, no target, sweep_cb; no oracle after. */
static int
sweep_setup(const struct bx_sweep_hook *hook, struct rec_opts *opts,
    struct bx_output *output, const char *dir, const char *aux)
{
	static char stash[PATH_MAX];

	if (snprintf(stash, sizeof(stash), "%s/stash", aux) >=
	    (int)sizeof(stash) || mkdir(stash, 0700) < 0)
		return -ENAMETOOLONG;
	opts->journal = true;
	opts->map_copies = true;
	opts->stash_dir = stash;
	opts->sweep_cb = hook->cb;
	opts->sweep_ctx = hook->ctx;
	return hook->started(hook->ctx, output, dir, aux);
}

int
bx_experiment_run(const struct bx_setup *su, const struct bx_job *job,
    rec_site_fn *fn, void *ctx, struct bx_outcome *out)
{
	return bx_experiment_sweep(su, job, fn, ctx, NULL, out);
}

int
bx_experiment_sweep(const struct bx_setup *su, const struct bx_job *job,
    rec_site_fn *fn, void *ctx, struct bx_sweep_hook *hook,
    struct bx_outcome *out)
{
	struct rec_target target = {
		.fault = job->fault,
		.family = job->family,
		.path = job->key_path,
		.ordinal = job->ordinal,
	};
	struct rec_opts opts;
	struct rec_result rr;
	enum rec_stage stage = REC_STAGE_NONE;
	struct bx_output output;
	struct bx_power power = { .job = NULL };
	char stash[PATH_MAX];
	char **run_env = NULL;
	char *dir = NULL;
	char *aux = NULL;
	int null = -1;
	int rc;

	memset(out, 0, sizeof(*out));
	out->fault_bytes = -1;
	out->verdict = BX_V_COUNT;

	rc = bx_scratch_make("explore", &dir);
	if (rc == 0)
		rc = bx_scratch_make("aux", &aux);
	if (rc) {
		out->fail = BX_FAIL_SCRATCH;
		goto out_remove;
	}
	if (su->init_fd >= 0) {
		rc = bx_snapshot_unpack(su->init_fd, dir, out->why,
		    sizeof(out->why));
		if (rc) {
			out->fail = rc == -ENOSPC || rc == -EDQUOT ||
			    rc == -ENOMEM || rc == -EMFILE ? BX_FAIL_SCRATCH :
			    BX_FAIL_SNAPSHOT;
			goto out_remove;
		}
	}
	/* as record does: PWD names the run directory */
	run_env = bx_env_with(su->envp, "PWD", dir);
	if (!run_env) {
		rc = -ENOMEM;
		out->fail = BX_FAIL_SCRATCH;
		goto out_remove;
	}
	null = su->stdin_data ? stdin_file(su->stdin_data, su->stdin_len) :
	    open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0) {
		rc = -errno;
		out->fail = BX_FAIL_SCRATCH;
		goto out_remove;
	}
	rc = bx_output_start(&output, aux, &out->prog);
	if (rc) {
		out->fail = BX_FAIL_SCRATCH;
		goto out_remove;
	}

	memset(&opts, 0, sizeof(opts));
	opts.exe = su->exe;
	opts.argv = su->argv;
	opts.envp = run_env;
	opts.dir = dir;
	opts.no_aslr = su->deterministic;
	opts.pin = su->deterministic;
	opts.trace_close = su->trace_close;
	opts.cpu = su->cpu;
	opts.stdin_fd = null;
	opts.stdout_fd = output.out[1];
	opts.stderr_fd = output.errp[1];
	opts.timeout_ms = su->timeout_ms;
	opts.target = job->fault != REC_FAULT_NONE ? &target : NULL;
	opts.cgroup = bx_cgroup_path(su->cgroup);
	opts.replay = su->replay;
	opts.module_root = su->module_root;
	opts.end_site = su->end_site;
	if (bx_fault_by_code(job->fault) &&
	    bx_fault_by_code(job->fault)->states != BX_STATES_NONE) {
		/* the undo journal's stash: beside the run directory */
		if (snprintf(stash, sizeof(stash), "%s/stash", aux) >=
		    (int)sizeof(stash) || mkdir(stash, 0700) < 0) {
			rc = -ENAMETOOLONG;
			bx_output_finish(&output);
			out->fail = BX_FAIL_SCRATCH;
			goto out_remove;
		}
		power = (struct bx_power){ .su = su, .job = job, .out = out,
		    .output = &output, .dir = dir, .aux = aux,
		    .judge = judge_state };
		opts.journal = true;
		/*
		 * badio sees no store through a shared mapping: a mapped
		 * file's crash state is its content at its last msync or
		 * fsync, which only the recorder's images keep
		 */
		opts.map_copies = true;
		opts.stash_dir = stash;
		opts.crash_cb = bx_power_crash;
		opts.crash_ctx = &power;
	}
	if (hook && hook->fork_cb) {
		/* checkpoints (ckpt.c): a child takes its own of these */
		opts.fork_cb = hook->fork_cb;
		opts.fork_ctx = hook->ctx;
		opts.fork_max = hook->fork_max;
		hook->dirp = &dir;
		hook->auxp = &aux;
		hook->output = &output;
	} else if (hook) {
		rc = sweep_setup(hook, &opts, &output, dir, aux);
		if (rc) {
			bx_output_finish(&output);
			out->fail = BX_FAIL_SCRATCH;
			goto out_remove;
		}
	}
	/* divergence.c looks at no site after the fault */
	opts.fast_after_fault = true;
	/* and, where badio may (CAP_SYS_ADMIN), without any stop at all */
	opts.suspend_after_fault = true;
	/* and its csite keeps no result, offset or checksum of a site */
	opts.sites_lite = true;
	memset(&rr, 0, sizeof(rr));
	/* rec_run() forgets an earlier rec_interrupt(): look first */
	rc = bx_stop ? -EINTR : rec_run(&opts, fn ? fn : ignore_site, ctx, &rr, &stage);
	/* what got away from the tracer (CLONE_UNTRACED) goes before the
	 * oracle; not in a checkpoint's child: the cgroup is the driver's */
	if (!(hook && hook->child))
		bx_cgroup_kill(su->cgroup);
	if (bx_output_finish(&output) < 0 && rc >= 0) {
		rc = output.err;
		out->fail = BX_FAIL_SCRATCH;
		goto out_remove;
	}
	if (rc == -EINTR && bx_stop) {
		rc = 0;
		out->aborted = true;
		goto out_remove;
	}
	if (rc < 0) {
		/* crash states that could not be made: no fault of PROG's */
		out->fail = power.failed ? BX_FAIL_SCRATCH : BX_FAIL_PROG;
		out->stage = stage;
		goto out_remove;
	}
	rc = 0;
	take_result(job, &rr, out);
	if (hook && !hook->child) {
		if (hook->rr)
			*hook->rr = rr;
		goto out_remove;
	}
	if (rr.status == REC_INTERRUPTED || bx_stop) {
		out->aborted = true;
		goto out_remove;
	}
	if (power.job) {
		bx_power_verdicts(&power);
		goto out_remove;
	}
	rc = judge(su, job, dir, output.path, out);
	if (rc || out->aborted)
		goto out_remove;
	/* the parent keeps it, if it takes the result (explore_take) */
	if (su->keep_dir && bx_verdict_is_bug(out->verdict) && !out->aborted &&
	    snprintf(out->left_dir, sizeof(out->left_dir), "%s", dir) <
	    (int)sizeof(out->left_dir)) {
		free(dir);
		dir = NULL;
	}
out_remove:
	if (null >= 0)
		close(null);
	bx_strv_free(run_env);
	if (dir) {
		remove_run_dir(dir, out);
		free(dir);
	}
	if (aux) {
		bx_tree_remove(aux, NULL);
		free(aux);
	}
	out->err = rc;
	return rc;
}
