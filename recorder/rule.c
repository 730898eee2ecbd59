/*
 * rule.c - persistent faults: a rule armed at the target of eio+ or
 * enospc+ that goes on breaking calls on the target's file system (its
 * st_dev) until the run ends.  A rule is data: the file system and a
 * model, a row of the table below that says which calls it breaks and
 * how.  Two models:
 *
 *   dead device (eio+)   every write, sync, namespace and close site on
 *                        the file system fails with EIO: a disk that
 *                        returns EIO keeps returning it.  Namespace calls
 *                        fail too: creating, renaming, removing or
 *                        truncating a file writes the file system's own
 *                        metadata (its journal or log) to the same dead
 *                        disk, and real file systems give up there: XFS
 *                        shuts down and fails every later call with EIO,
 *                        ext4 aborts its journal (EIO, or EROFS once it
 *                        is remounted read-only).  Opens without O_CREAT
 *                        or O_TRUNC and reads are not traced and keep
 *                        working (from the page cache); mmap, munmap and
 *                        mremap do no I/O and work too; sync(2) has no
 *                        file system to fail and never fails on Linux.
 *   full file system     space.c
 *     (enospc+)
 *
 * docs/explore.md, "Faults", is the user's description.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "recorder/recorder_int.h"

#define RULES_MAX	4

static bool
dead_enter(struct tracer *tr, struct rule *r, struct task *t,
    struct action *act)
{
	enum rec_family fam = t->p.sc->pub.family;
	uint64_t dev;

	if (fam == REC_FAM_MMAP || !site_dev(tr, t, &dev) || dev != r->dev)
		return false;
	*act = (struct action){ REC_FAULT_EIO_DEV, HOW_SKIP_FAIL, EIO, 0 };
	return true;
}

static int
dev_arm(struct tracer *tr, struct rule *r, struct task *t)
{
	return site_dev(tr, t, &r->dev) ? 0 : -ENODEV;
}

static const struct rule_model dead_model = {
	.fault = REC_FAULT_EIO_DEV,
	.arm = dev_arm,
	.enter = dead_enter,
};

static const struct rule_model *const models[] = {
	&dead_model,
	&space_model,
};

const struct rule_model *
rule_model_of(enum rec_fault f)
{
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		if (models[i]->fault == f)
			return models[i];
	return NULL;
}

/*
 * At the target: a rule for its file system.  Without one (a stream, a
 * path badio cannot name) only the target itself fails.
 */
void
rule_arm(struct tracer *tr, struct task *t, const struct rule_model *m)
{
	struct rule *r;

	if (!m || tr->nrules >= RULES_MAX)
		return;
	if (!tr->rules && !(tr->rules = calloc(RULES_MAX, sizeof(*tr->rules))))
		return;
	r = &tr->rules[tr->nrules];
	memset(r, 0, sizeof(*r));
	r->model = m;
	if (m->arm(tr, r, t) < 0) {
		if (m->release)
			m->release(r);
		return;
	}
	tr->nrules++;
}

bool
rules_enter(struct tracer *tr, struct task *t, struct action *act)
{
	for (size_t i = 0; i < tr->nrules; i++) {
		struct rule *r = &tr->rules[i];

		/* a rule that wants the result sets p.rule_exit itself */
		if (r->model->enter(tr, r, t, act))
			return true;
	}
	return false;
}

void
rules_exit(struct tracer *tr, struct task *t, int64_t rval)
{
	struct pending *p = &t->p;
	struct rule *r;

	if (p->rule_exit <= 0 || (size_t)p->rule_exit > tr->nrules)
		return;
	r = &tr->rules[p->rule_exit - 1];
	if (r->model->exit)
		r->model->exit(tr, r, t, rval);
	p->rule_exit = 0;
}

void
rules_release(struct tracer *tr)
{
	for (size_t i = 0; i < tr->nrules; i++)
		if (tr->rules[i].model->release)
			tr->rules[i].model->release(&tr->rules[i]);
	free(tr->rules);
	tr->rules = NULL;
	tr->nrules = 0;
}

bool
site_abspath(const struct tracer *tr, const char *path, char *buf, size_t size)
{
	int n;

	if (!path[0] || path[0] == '<')
		return false;
	if (path[0] == '/')
		n = snprintf(buf, size, "%s", path);
	else if (tr->rootlen == 0)
		n = snprintf(buf, size, "/%s", path);
	else
		n = snprintf(buf, size, "%s/%s", tr->root, path);
	return n > 0 && (size_t)n < size;
}

/*
 * The file system of a site: the fd's file (fd_resolve), the mapping's
 * (mapping.c), or for a path the file it names, or, when that does not
 * exist yet, its directory.
 */
bool
site_dev(struct tracer *tr, struct task *t, uint64_t *dev)
{
	struct pending *p = &t->p;
	char abs[PATH_CAP];
	struct stat st;
	char *slash;

	if (p->dev_known) {
		*dev = p->dev;
		return true;
	}
	if (p->sc->path < 0 || !site_abspath(tr, p->path, abs, sizeof(abs)))
		return false;
	if (lstat(abs, &st) == 0) {
		p->ino = (uint64_t)st.st_ino;
	} else {
		slash = strrchr(abs, '/');
		if (!slash)
			return false;
		*(slash == abs ? slash + 1 : slash) = '\0';
		if (stat(abs, &st) < 0)
			return false;
		p->ino = 0;
	}
	p->dev = (uint64_t)st.st_dev;
	p->dev_known = true;
	*dev = p->dev;
	return true;
}

/* Is (dev, ino) among the files of /proc/PID/fd? */
static bool
fd_holds(pid_t pid, uint64_t dev, uint64_t ino)
{
	char name[64];
	struct dirent *e;
	struct stat st;
	bool found = false;
	DIR *d;

	snprintf(name, sizeof(name), "/proc/%d/fd", (int)pid);
	d = opendir(name);
	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		found = fstatat(dirfd(d), e->d_name, &st, 0) == 0 &&
		    (uint64_t)st.st_dev == dev && (uint64_t)st.st_ino == ino;
	}
	closedir(d);
	return found;
}

/* Is (dev, ino) mapped, in any way, by PID?  (/proc/PID/maps) */
static bool
map_holds(pid_t pid, uint64_t dev, uint64_t ino)
{
	char name[64], *line = NULL;
	size_t cap = 0;
	bool found = false;
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%d/maps", (int)pid);
	f = fopen(name, "re");
	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0) {
		unsigned maj, min;
		unsigned long long i;

		found = sscanf(line, "%*x-%*x %*s %*x %x:%x %llu", &maj, &min,
		    &i) == 3 && i == ino && makedev(maj, min) == dev;
	}
	free(line);
	fclose(f);
	return found;
}

struct held_scan {
	uint64_t	dev;
	uint64_t	ino;
	bool		found;
	pid_t		seen[64];	/* processes already looked at */
	size_t		nseen;
};

static struct held_scan *held_ctx;	/* tracer_each_task has no context */

static void
held_task(struct tracer *tr, struct task *t)
{
	struct held_scan *h = held_ctx;
	pid_t tgid = task_tgid(t);

	(void)tr;
	if (h->found)
		return;
	for (size_t i = 0; i < h->nseen; i++)
		if (h->seen[i] == tgid)
			return;
	if (h->nseen < sizeof(h->seen) / sizeof(h->seen[0]))
		h->seen[h->nseen++] = tgid;
	h->found = fd_holds(tgid, h->dev, h->ino) ||
	    map_holds(tgid, h->dev, h->ino);
}

/*
 * An unlinked inode keeps its blocks while a process has it open or
 * mapped.  Only the traced processes are looked at (the ones a run
 * starts); threads of one process share their fds.
 */
bool
inode_held(struct tracer *tr, uint64_t dev, uint64_t ino)
{
	struct held_scan h = { .dev = dev, .ino = ino };

	if (mapping_holds(tr, dev, ino))
		return true;
	held_ctx = &h;
	tracer_each_task(tr, held_task);
	held_ctx = NULL;
	return h.found;
}
