/*
 * left.c - run directories that stay: --keep moves a bug run's
 * directory into the keep directory, and what could not be removed (a
 * mount point the program left) is told to the caller (BX_EV_LEFT).
 */
#include "explorer/explorer_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
explore_left(const struct bx_explore_opts *opts, const char *dir,
    const char *mount, int err)
{
	struct bx_progress pr;

	if (!opts->progress)
		return;
	memset(&pr, 0, sizeof(pr));
	pr.event = BX_EV_LEFT;
	pr.dir = dir;
	pr.mount = mount && *mount ? mount : NULL;
	pr.err = err;
	opts->progress(opts->ctx, &pr);
}

static void
remove_left(const struct bx_explore_opts *opts, const char *dir)
{
	struct bx_tree_report rep;
	int rc = bx_tree_remove(dir, &rep);

	if (rc < 0)
		explore_left(opts, dir, rep.mounts ? rep.mount : NULL, rc);
}

/*
 * --keep: move a run directory to keep_dir/site-N-FAULT (a crash
 * state's to site-N-FAULT-STATE), replacing an earlier one (a copy where
 * keep_dir is on another file system).
 */
void
explore_keep(const struct bx_explore_opts *opts, const struct bx_job *job,
    const char *state, const char *dir)
{
	const struct bx_fault *f = bx_fault_by_code(job->fault);
	struct bx_tree_report rep;
	char to[PATH_MAX];
	int n, rc;

	n = snprintf(to, sizeof(to), "%s/site-%" PRId64 "-%s%s%s",
	    opts->keep_dir, job->site_id, f ? f->name : "none",
	    state ? "-" : "", state ? state : "");
	if (n < 0 || (size_t)n >= sizeof(to)) {
		remove_left(opts, dir);
		return;
	}
	remove_left(opts, to);
	if (rename(dir, to) == 0)
		return;
	if (errno == EXDEV) {
		rc = bx_tree_copy(dir, to, &rep);
		if (rc < 0)
			explore_left(opts, to, NULL, rc);
	}
	remove_left(opts, dir);
}

/* What a worker could not remove is told; what --keep left is dropped. */
void
explore_drop(const struct plan *p, const struct wire *w)
{
	const struct bx_outcome *o = &w->out;

	if (!o->left_dir[0])
		return;
	if (o->left_err)
		explore_left(p->opts, o->left_dir, o->mount, o->left_err);
	else
		remove_left(p->opts, o->left_dir);
}

