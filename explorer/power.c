/*
 * power.c - a power experiment's crash states (issue 9; docs/explore.md,
 * "Power loss").
 *
 * One run of PROG with the power (or lost-sync) fault; when every traced
 * process is gone the recorder calls power_crash() with its undo
 * journal.  The run directory as the killed program left it (the page
 * cache's view) is moved aside within the aux directory, and for each
 * state the job asks for, the state is built at the run directory's path
 * (so the oracle finds the files where the program put them), judged,
 * and removed.  The run directory goes back in place at the end.  The
 * verdicts wait for rec_run's result: at the end site and under
 * lost-sync the program's own exit counts.
 */
#include "explorer/explorer_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The state number i as the recorder's struct rec_state. */
struct rec_state
bx_rec_state_of(unsigned i)
{
	if (i == 0)
		return (struct rec_state){ REC_STATE_DURABLE, 0 };
	if (i == 1)
		return (struct rec_state){ REC_STATE_METADATA, 0 };
	if (i == BX_STATE_ZERO)
		return (struct rec_state){ REC_STATE_DURABLE_ZERO, 0 };
	return (struct rec_state){ REC_STATE_PREFIX, i - 1 };
}

/* dir to to: renamed, or copied from a memory file system (sweep.c). */
static bool
moved(const char *dir, const char *to)
{
	if (rename(dir, to) == 0)
		return true;
	if (errno != EXDEV || bx_tree_copy(dir, to, NULL) < 0)
		return false;
	bx_tree_remove(dir, NULL);
	return true;
}

bool
bx_state_keep(struct bx_outcome *out, const char *state, const char *dir)
{
	char *to = NULL;

	if (out->left_dir[0] || bx_scratch_make("explore", &to) < 0)
		return false;
	if (rmdir(to) < 0 || !moved(dir, to) ||
	    snprintf(out->left_dir, sizeof(out->left_dir), "%s", to) >=
	    (int)sizeof(out->left_dir)) {
		out->left_dir[0] = '\0';
		bx_tree_remove(to, NULL);
		free(to);
		return false;
	}
	snprintf(out->kept_state, sizeof(out->kept_state), "%s", state);
	free(to);
	return true;
}

/*
 * --keep: the first state the oracle found damaged (a bug whatever the
 * exit: corruption or silent-corruption) is kept.  True if it went.
 */
static bool
keep_state(struct bx_power *pc, const struct bx_judged *jd)
{
	return pc->su->keep_dir && bx_oracle_judged(&jd->oracle) &&
	    jd->oracle.code != 0 && bx_state_keep(pc->out, jd->state, pc->dir);
}

/* Build state i at pc->dir from aside and judge it into *jd. */
static int
judge_state(struct bx_power *pc, const struct rec_journal *j, unsigned i,
    const char *aside, struct bx_judged *jd)
{
	struct bx_tree_report rep;
	int rc;

	memset(jd, 0, sizeof(*jd));
	jd->verdict = BX_V_COUNT;
	rc = bx_state_name(i, jd->state, sizeof(jd->state));
	if (rc)
		return rc;
	if (mkdir(pc->dir, 0700) < 0)
		return -errno;
	rc = rec_journal_build(j, bx_rec_state_of(i), aside, pc->dir);
	if (rc == 0)
		rc = pc->judge(pc, jd);
	if (rc == 0 && keep_state(pc, jd))
		return 0;
	if (bx_tree_remove(pc->dir, &rep) < 0 && rc == 0)
		rc = -EBUSY;
	return rc;
}

int
bx_power_crash(void *ctx, const struct rec_journal *j)
{
	struct bx_power *pc = ctx;
	struct bx_outcome *out = pc->out;
	const char *key = NULL;
	char aside[PATH_MAX];
	unsigned k;
	int rc = 0;

	pc->called = true;
	pc->failed = true;	/* until the states are judged */
	/* what PROG printed is all in the file before an oracle reads it */
	bx_cgroup_kill(pc->su->cgroup);
	rc = bx_output_finish(pc->output);
	if (rc)
		return rc;
	k = rec_journal_pending(j);
	out->unsynced = k;
	if (rec_journal_last_sync(j, &key) && key)
		snprintf(out->last_sync, sizeof(out->last_sync), "%s", key);
	if (snprintf(aside, sizeof(aside), "%s/crashed", pc->aux) >=
	    (int)sizeof(aside))
		return -ENAMETOOLONG;
	if (rename(pc->dir, aside) < 0) {
		rc = -errno;
		snprintf(out->why, sizeof(out->why), "moving the run directory "
		    "aside: %s", strerror(-rc));
		return rc;
	}
	for (unsigned i = 0; i < BX_STATES_MAX && rc == 0 && !bx_stop; i++) {
		if (!(pc->job->states & ((uint64_t)1 << i)))
			continue;
		if (i >= 2 && i < BX_STATE_ZERO && i - 1 > k)
			continue;	/* prefix:N for N > k: no such state */
		rc = judge_state(pc, j, i, aside, &out->judged[out->njudged]);
		if (rc == 0 && !out->aborted)
			out->njudged++;
		else if (rc)
			snprintf(out->why, sizeof(out->why), "crash state %s: %s",
			    out->judged[out->njudged].state, strerror(-rc));
	}
	/* the run directory back, as the killed program left it */
	if (rename(aside, pc->dir) < 0 && rc == 0)
		rc = -errno;
	pc->failed = rc != 0;
	return rc;
}

/*
 * After rec_run: each state's verdict from its oracle and how the
 * program ended.  A run whose crash point never came (unreached, a hang)
 * gets the states that need no count of operations (durable, metadata,
 * durable-zero) with the verdict of the run, so that a resume does not
 * run it again.
 */
void
bx_power_verdicts(const struct bx_power *pc)
{
	struct bx_outcome *out = pc->out;
	const struct bx_job *job = pc->job;

	if (!pc->called) {
		out->njudged = 0;
		out->unsynced = 0;
		for (unsigned i = 0; i < BX_STATES_MAX; i++) {
			struct bx_judged *jd = &out->judged[out->njudged];

			if ((i >= 2 && i < BX_STATE_ZERO) ||
			    !(job->states & ((uint64_t)1 << i)))
				continue;
			memset(jd, 0, sizeof(*jd));
			bx_state_name(i, jd->state, sizeof(jd->state));
			jd->oracle.state = BX_ORACLE_NOT_RUN;
			jd->verdict = bx_verdict_classify(job->fault,
			    out->injected, out->st, out->code, &jd->oracle);
			out->njudged++;
		}
	} else {
		for (unsigned i = 0; i < out->njudged; i++)
			out->judged[i].verdict = bx_verdict_classify(job->fault,
			    out->injected, out->st, out->code,
			    &out->judged[i].oracle);
	}
	for (unsigned i = 0; i < out->njudged; i++)
		if (out->judged[i].verdict == BX_V_COUNT)
			out->aborted = true;
	out->verdict = out->njudged ? out->judged[0].verdict : BX_V_UNREACHED;
}
