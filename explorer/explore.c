/*
 * explore.c - bx_explore(): load the recording, build the plan
 * (plan.c), run the fault-free baseline and the experiments on worker
 * processes (workers.c), judge the baseline, and commit each result.
 *
 * The parent process owns the store and commits each result alone, so
 * a kill at any point leaves a consistent database and a re-run
 * continues where it stopped.  Files: plan.c (what to run), workers.c
 * (who runs it), experiment.c (one run), divergence.c (did the run
 * follow the recording), oracle.c and verdict.c (what came of it).
 */
#include "explorer/explorer_int.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

volatile sig_atomic_t bx_stop;

void
bx_interrupt(void)
{
	bx_stop = 1;
	rec_interrupt();
}

static void
on_stop_signal(int sig)
{
	(void)sig;
	bx_interrupt();
}

/* In a worker or the judge: SIGINT and SIGTERM stop it as bx_interrupt. */
void
bx_catch_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* The bug verdicts, as store_count_verdicts wants them. */
#define BUG_VERDICTS	"silent-corruption,corruption,crashed,hang"

int
explore_judge_baseline(const struct wire *w, const struct plan *p,
    struct bx_explore_result *res)
{
	const struct bx_outcome *out = &w->out;
	struct bx_progress pr;

	bx_status_format(res->status, sizeof(res->status), out->st, out->code);
	res->oracle = out->oracle;
	bx_tail_text(&out->oracle_out, res->oracle_tail);
	bx_tail_text(&out->prog, res->prog_tail);
	explore_drop(p, w);
	if (out->err) {
		res->fail = out->fail;
		res->stage = out->stage;
		snprintf(res->detail, sizeof(res->detail), "%s", out->why);
		return out->err;
	}
	if (out->aborted || bx_stop) {
		res->fail = BX_FAIL_INTERRUPTED;
		return -EINTR;
	}
	if (out->st == REC_TIMEOUT) {
		res->fail = BX_FAIL_BASELINE_HANG;
		return -ETIMEDOUT;
	}
	if (out->oracle.state != BX_ORACLE_EXITED || out->oracle.code != 0) {
		res->fail = BX_FAIL_BASELINE;
		return -EPROTO;
	}
	memset(&pr, 0, sizeof(pr));
	pr.event = BX_EV_BASELINE;
	pr.total = res->total;
	pr.done = res->done;
	pr.planned = res->planned;
	pr.status = res->status;
	pr.rec_status = p->rec_status;
	pr.missing = w->dv.missing;
	pr.extra = w->dv.extra;
	pr.first_diff = w->dv.diff[0] ? w->dv.diff : NULL;
	pr.rec_pidns = p->rec_pidns;
	pr.pidns = out->pidns;
	pr.urandom = out->urandom;
	pr.ns_errno = out->ns_errno;
	pr.calls_differ = w->dv.calls_differ[0] ? w->dv.calls_differ : NULL;
	if (p->opts->progress)
		p->opts->progress(p->opts->ctx, &pr);
	return 0;
}

/* The result's counts and the progress event of one stored row. */
static void
counted(const struct plan *p, const struct store_experiment *e,
    enum bx_verdict v, const struct bx_divergence *dv,
    struct bx_explore_result *res, struct bx_progress *pr)
{
	const struct bx_explore_opts *opts = p->opts;

	if (v < BX_V_COUNT)
		res->verdicts[v]++;
	res->ran++;
	res->done++;
	if (e->diverged)
		res->diverged++;
	if (dv->kind == BX_DIV_REORDERED)
		res->reordered++;
	if (bx_verdict_is_bug(v))
		res->bugs++;
	if (opts->progress) {
		pr->event = BX_EV_RESULT;
		pr->total = res->total;
		pr->planned = res->planned;
		pr->done = res->done;
		pr->bugs = res->bugs;
		pr->exp = e;
		opts->progress(opts->ctx, pr);
		pr->exp = NULL;
	}
}

/*
 * A run with crash states: one row per state judged, in one transaction
 * (a resume finds all of a crash point's states or none).  A crash point
 * with fewer states than planned (k < --power-prefixes) takes the
 * difference off the counts.
 */
static int
commit_states(struct store *s, const struct plan *p, const struct bx_job *job,
    const struct wire *w, struct store_experiment *e,
    struct bx_explore_result *res, struct bx_progress *pr)
{
	const struct bx_outcome *o = &w->out;
	char oracle_tail[BX_TAIL_MAX + 1];
	unsigned fewer;
	int rc;

	e->last_sync = o->last_sync[0] ? o->last_sync : NULL;
	e->unsynced = o->unsynced;
	rc = store_begin(s);
	for (unsigned i = 0; rc == 0 && i < o->njudged; i++) {
		const struct bx_judged *j = &o->judged[i];

		bx_tail_text(&j->oracle_out, oracle_tail);
		e->state = j->state;
		e->oracle_exit = j->oracle.state == BX_ORACLE_EXITED ?
		    j->oracle.code : -1;
		e->verdict = bx_verdict_name(j->verdict);
		e->oracle_tail = oracle_tail;
		rc = store_experiment_put(s, e);
	}
	if (rc == 0)
		rc = store_commit(s);
	if (rc) {
		store_rollback(s);
		return rc;
	}
	fewer = job->nstates > o->njudged ? job->nstates - o->njudged : 0;
	res->total -= fewer;
	res->planned -= fewer;
	for (unsigned i = 0; i < o->njudged; i++) {
		e->state = o->judged[i].state;
		e->verdict = bx_verdict_name(o->judged[i].verdict);
		e->oracle_exit = o->judged[i].oracle.state == BX_ORACLE_EXITED ?
		    o->judged[i].oracle.code : -1;
		e->oracle_tail = NULL;
		counted(p, e, o->judged[i].verdict, &w->dv, res, pr);
	}
	return 0;
}

static int
commit(struct store *s, const struct plan *p, const struct bx_job *job,
    const struct wire *w, struct bx_explore_result *res,
    struct bx_progress *pr)
{
	const struct bx_outcome *o = &w->out;
	const struct bx_divergence *dv = &w->dv;
	char prog_tail[BX_TAIL_MAX + 1];
	char oracle_tail[BX_TAIL_MAX + 1];
	char prog_last[BX_LAST_LINE_MAX + 1];
	struct store_experiment e;
	char status[32];
	int rc;

	bx_status_format(status, sizeof(status), o->st, o->code);
	bx_tail_text(&o->prog, prog_tail);
	bx_tail_text(&o->oracle_out, oracle_tail);
	memset(&e, 0, sizeof(e));
	e.site = job->site_id;
	e.fault = bx_fault_by_code(job->fault)->name;
	e.injected = o->injected;
	e.fault_bytes = o->fault_bytes;
	e.status = status;
	e.duration_ns = o->duration_ns;
	e.oracle_exit = o->oracle.state == BX_ORACLE_EXITED ? o->oracle.code : -1;
	e.verdict = bx_verdict_name(o->verdict);
	e.prog_tail = prog_tail;
	e.oracle_tail = oracle_tail;
	e.diverged = dv->kind == BX_DIV_DIVERGED;
	e.divergence_kind = dv->kind == BX_DIV_DIVERGED ? "diverged" :
	    dv->kind == BX_DIV_REORDERED ? "reordered" : NULL;
	e.divergence = e.divergence_kind ? dv->diff : NULL;
	e.oracle_id = p->oracle_id;
	e.unsynced = -1;
	bx_last_line(prog_tail, prog_last);
	e.prog_last = prog_last[0] ? prog_last : NULL;
	if (bx_fault_by_code(job->fault)->states != BX_STATES_NONE)
		return commit_states(s, p, job, w, &e, res, pr);
	rc = store_experiment_put(s, &e);
	if (rc)
		return rc;
	counted(p, &e, o->verdict, dv, res, pr);
	return 0;
}

/* Store a result unless it was interrupted; --keep its directory. */
int
explore_take(struct store *s, struct plan *p, const struct wire *w,
    struct bx_explore_result *res, struct bx_progress *pr, int64_t t0)
{
	int rc;

	if (w->out.aborted || bx_stop) {
		explore_drop(p, w);
		return 0;
	}
	pr->elapsed_ns = bx_now_ns() - t0;
	rc = commit(s, p, &p->jobs[w->idx], w, res, pr);
	if (rc) {
		res->fail = BX_FAIL_STORE;
		explore_drop(p, w);
		return rc;
	}
	if (w->out.left_dir[0] && !w->out.left_err)
		explore_keep(p->opts, &p->jobs[w->idx], w->out.kept_state[0] ?
		    w->out.kept_state : NULL, w->out.left_dir);
	else
		explore_drop(p, w);
	return 0;
}

/*
 * The baseline passed: forget old results for --redo, note the oracle,
 * tell the caller how many experiments there are.
 */
/* meta 'plan': what this explore selects (bx_pending). */
static int
plan_meta_store(struct store *s, const struct bx_explore_opts *opts)
{
	char *text;
	int rc = plan_describe(opts, &text);

	if (rc < 0)
		return rc;
	rc = store_meta_set(s, "plan", text);
	free(text);
	return rc;
}

int
explore_baseline_passed(struct store *s, struct plan *p, struct bx_explore_result *res,
    struct bx_progress *pr)
{
	const struct bx_explore_opts *opts = p->opts;
	int rc;

	rc = opts->redo ? store_experiments_clear(s) : 0;
	if (rc == 0 && opts->redo)
		rc = store_skipped_clear(s);
	if (rc == 0)
		rc = plan_skips_store(s, p);
	if (rc == 0)
		rc = store_oracle_intern(s, &p->oracle, &p->oracle_id);
	if (rc == 0)
		rc = plan_meta_store(s, opts);
	if (rc) {
		res->fail = BX_FAIL_STORE;
		return rc;
	}
	pr->event = BX_EV_PLANNED;
	pr->total = res->total;
	pr->done = res->done;
	pr->planned = res->planned;
	pr->bugs = res->bugs;
	pr->skipped = res->skipped;
	pr->skipped_sites = res->skipped_sites;
	if (opts->progress)
		opts->progress(opts->ctx, pr);
	return 0;
}

/* Is o (an oracle of the database's experiments) another than ours? */
static int
oracle_compare(const struct plan *p, const struct store_oracle *o)
{
	const struct store_oracle *ours = &p->oracle;

	if (o->id == 0 || !o->command)
		return 0;	/* explored before schema 14 without meta */
	if (strcmp(o->command, ours->command) == 0 &&
	    (o->sha256 == NULL) == (ours->sha256 == NULL) &&
	    (!o->sha256 || strcmp(o->sha256, ours->sha256) == 0))
		return 0;
	return 1 + (strcmp(o->command, ours->command) == 0);
}

struct oracle_seen {
	const struct plan *p;
	int		differ;		/* 1 another command, 2 the same one
					 * whose file changed */
	char		*old;		/* res->old_oracle */
	size_t		size;
};

static int
oracle_seen(void *ctx, const struct store_oracle *o)
{
	struct oracle_seen *os = ctx;
	int d = oracle_compare(os->p, o);

	/* the same command changed says more than another command */
	if (d == 0 || os->differ == 2 || (os->differ && d == 1))
		return 0;
	os->differ = d;
	snprintf(os->old, os->size, "%s", o->command);
	return 0;
}

/*
 * Verdicts of one oracle are not those of another: an explore whose
 * oracle (command, or the content of its script) differs from the one
 * that judged the database's experiments refuses, unless it redoes them
 * all or knowingly keeps them (--reuse-verdicts, the report then shows
 * each oracle's).
 */
static int
oracle_check(struct store *s, const struct plan *p,
    struct bx_explore_result *res)
{
	struct oracle_seen os = { .p = p, .old = res->old_oracle,
	    .size = sizeof(res->old_oracle) };
	int rc;

	if (p->opts->redo || p->opts->reuse_verdicts)
		return 0;
	rc = store_oracles_each(s, oracle_seen, &os);
	if (rc) {
		res->fail = BX_FAIL_STORE;
		return rc;
	}
	if (!os.differ)
		return 0;
	res->fail = BX_FAIL_ORACLE_CHANGED;
	res->oracle_file_changed = os.differ == 2;
	return -EEXIST;
}

static void
swept_left(void *ctx, const char *dir, const struct bx_tree_report *rep,
    int err)
{
	explore_left(ctx, dir, rep->mounts ? rep->mount : NULL, err);
}

/* The database names the program: the caller shows it before it runs. */
static void
announce(const struct bx_explore_opts *opts, const struct bx_setup *su,
    const struct bx_bundle_run *br)
{
	struct bx_progress pr = {
		.event = BX_EV_COMMAND, .exe = su->exe, .argv = su->argv,
		.envp = su->envp, .bundle_why = br->dir ? br->why : NULL,
		.needed = br->missing,
	};

	if (opts->progress)
		opts->progress(opts->ctx, &pr);
}

static char **
environ_without_badio(void)
{
	size_t n = 0;
	size_t i, k = 0;
	char **v;

	while (environ[n])
		n++;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return NULL;
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "BADIO_", 6) != 0)
			v[k++] = environ[i];
	return v;
}

int
bx_explore(struct store *s, const struct bx_explore_opts *opts,
    struct bx_explore_result *res)
{
	struct store_recording rec;
	struct bx_setup su;
	struct bx_bundle_run br;
	struct plan p;
	char *oracle = NULL;
	int64_t bugs = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&p, 0, sizeof(p));
	memset(&su, 0, sizeof(su));
	memset(&br, 0, sizeof(br));
	su.init_fd = -1;
	p.opts = opts;
	p.kinds = opts->kinds ? opts->kinds :
	    (1u << REC_KIND_REGULAR) | (1u << REC_KIND_DIR);

	rc = bx_oracle_resolve(opts->oracle, &oracle);
	if (rc) {
		res->fail = rc == -ENOENT ? BX_FAIL_ORACLE_MISSING :
		    rc == -ENOEXEC ? BX_FAIL_ORACLE_BARE : BX_FAIL_STORE;
		return rc;
	}
	rc = bx_oracle_identify(opts->oracle, &p.oracle_file, p.oracle_sha);
	if (rc) {
		res->fail = BX_FAIL_ORACLE_FILE;
		goto out_free_oracle;
	}
	p.oracle = (struct store_oracle){
		.command = opts->oracle, .file = p.oracle_file,
		.sha256 = p.oracle_sha[0] ? p.oracle_sha : NULL,
	};
	rc = store_recording_get(s, &rec);
	if (rc) {
		res->fail = rc == -ENOENT ? BX_FAIL_RECORDING : BX_FAIL_STORE;
		goto out_free_oracle;
	}
	p.compare_callsites = rec.callsite_scheme == REC_CALLSITE_SCHEME;
	rc = plan_load(s, &p);
	if (rc) {
		res->fail = rc == -ENOMEM ? BX_FAIL_NONE : BX_FAIL_STORE;
		goto out_release_plan;
	}
	res->recorded_sites = p.nsites;
	if (opts->sites && p.filter_matched == 0) {
		rc = -ENOENT;
		res->fail = BX_FAIL_NO_SITES;
		goto out_release_plan;
	}
	rc = oracle_check(s, &p, res);
	if (rc)
		goto out_release_plan;
	if (opts->callsite && !p.callsite_seen) {
		rc = -ENOENT;
		res->fail = BX_FAIL_CALLSITE;
		goto out_release_plan;
	}
	rc = plan_outside(&p, res);
	if (rc)
		goto out_release_plan;
	rc = plan_jobs(s, &p, res);
	if (rc == 0)
		rc = plan_compared_build(&p);
	if (rc == 0)
		rc = plan_names_build(&p);
	if (rc) {
		res->fail = BX_FAIL_STORE;
		goto out_release_plan;
	}
	rc = opts->redo ? 0 : store_count_verdicts(s, BUG_VERDICTS, &bugs);
	if (rc) {
		res->fail = BX_FAIL_STORE;
		goto out_release_plan;
	}
	res->bugs = bugs;
	if (p.njobs == 0 && !opts->redo) {
		/* nothing left to run; what was left out is still noted */
		rc = plan_skips_store(s, &p);
		if (rc)
			res->fail = BX_FAIL_STORE;
		goto out_release_plan;
	}
	if (opts->keep_dir && mkdir(opts->keep_dir, 0777) < 0 &&
	    errno != EEXIST) {
		rc = -errno;
		res->fail = BX_FAIL_KEEP;
		goto out_release_plan;
	}
	rc = bx_snapshot_load(s, &rec, &su.init_fd, res->detail,
	    sizeof(res->detail));
	if (rc) {
		res->fail = BX_FAIL_SNAPSHOT;
		goto out_release_plan;
	}
	/* what badio processes killed before us left behind */
	bx_sweep(swept_left, (void *)opts);
	rc = bx_bundle_prepare(s, &rec, opts->bundle, &br, res->detail,
	    sizeof(res->detail));
	if (rc) {
		res->fail = BX_FAIL_BUNDLE;
		goto out_release_plan;
	}
	p.rec_status = rec.status;
	for (size_t i = 0; i < p.nsites; i++)
		if (p.sites[i].job.family == REC_FAM_END)
			su.end_site = true;
	su.exe = br.dir ? br.exe_run : rec.exe;
	su.argv = br.dir ? br.argv : rec.argv;
	su.module_root = br.dir;
	su.envp = rec.envp;
	su.deterministic = rec.deterministic;
	su.trace_close = rec.trace_close;
	su.stdin_data = rec.has_stdin ? rec.stdin_data : NULL;
	su.stdin_len = rec.stdin_len;
	/* the recording's randomness, and its namespaces if it had them */
	su.replay = (struct rec_replay){
		.random = rec.deterministic && rec.has_seed, .seed = rec.seed,
		.namespaces = rec.deterministic && rec.pidns == 1,
		/* the recording's clock; real for one made before schema 16 */
		.clock = rec.deterministic && rec.has_clock,
		.clock_ns = rec.clock_ns,
		.created = p.created, .ncreated = p.ncreated,
		.known = p.known, .nknown = p.nknown,
	};
	p.rec_pidns = su.replay.namespaces;
	su.oracle = oracle;
	su.oracle_env = environ_without_badio();
	su.timeout_ms = opts->timeout_ms;
	su.oracle_timeout_ms = opts->oracle_timeout_ms;
	su.keep_dir = opts->keep_dir;
	su.judge_once = opts->judge_once;
	if (!su.oracle_env) {
		rc = -ENOMEM;
		goto out_release_plan;
	}
	announce(opts, &su, &br);
	/* the baseline runs first (run_workers); --redo forgets only then */
	rc = workers_run(s, &su, &p, res);
	free(su.oracle_env);
	/* and what a worker that died left (the others cleaned up) */
	if (p.worker_lost)
		bx_sweep(swept_left, (void *)opts);
out_release_plan:
	bx_bundle_release(&br);
	if (su.init_fd >= 0)
		close(su.init_fd);
	plan_release(&p);
	store_recording_release(&rec);
out_free_oracle:
	free(oracle);
	free(p.oracle_file);
	if (rc == 0 && bx_stop) {
		res->fail = BX_FAIL_INTERRUPTED;
		rc = -EINTR;
	}
	return rc;
}
