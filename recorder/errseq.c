/*
 * errseq.c - the writeback errors a lost-sync leaves for later syncs to
 * report (issue 9; DURABILITY_NOTES §2.1, §2.4 L5).
 *
 * lost-sync makes a sync call fail although the kernel saw no error, so
 * the kernel's errseq_t reporting has nothing to say afterwards: badio
 * says it.  Linux (4.13, 4.17; syncfs since 5.8) keeps an error mark per
 * inode and per file system, and a "seen" mark per open file description
 * (struct file: f_wb_err, f_sb_err):
 *
 *   fsync, fdatasync and sync_file_range with a WAIT flag report the
 *   inode's error once to each description that was open on it when
 *   the error came and has not seen it yet; the failing call itself
 *   has seen it; a description opened later reports 0;
 *   syncfs does the same with the file system's error, which an fsync
 *   does not consume (the failing fsync's own description gets it from
 *   its next syncfs).
 *
 * So at the lost-sync target every description of the traced processes
 * open on a failed inode or on its file system is found (/proc/TGID/fd)
 * and duplicated with pidfd_getfd; kcmp(KCMP_FILE) tells descriptions
 * apart, so that an fd shared by dup or fork counts once.  The failed
 * inodes: the target's for fsync, fdatasync and msync; those the journal
 * marked lost for syncfs and sync.  A later sync call on a description
 * that owes its error is run by the kernel and given the error (-err) at
 * its exit stop, as a lost-sync hit (not a durability point: journal.c).
 *
 * Not modelled: msync as a later reporter (its mapping's description is
 * not an fd of the program), and a description opened while no one had
 * seen the error (the failing call always has).  The duplicates keep
 * the descriptions open until the error is reported or the run ends (as
 * the fd cache does).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "recorder/recorder_int.h"

#define ERRSEQ_PROCS	4096

/* A description that owes an error: badio's duplicate of it. */
struct owed {
	int		fd;
	bool		file;		/* the inode's error, for fsync & co */
	bool		fs;		/* the file system's, for syncfs */
};

struct errseq {
	struct owed	*v;
	size_t		n;
	size_t		cap;
	int		err;		/* what the reports return, negated */
};

/* What a failure covers: which inodes failed, which file systems. */
struct failure {
	const struct tracer *tr;
	const struct pending *p;
	bool		all;		/* sync: every lost inode, any fs */
	bool		fs_wide;	/* syncfs: lost inodes of p->dev */
	bool		seen_file;	/* the failing call consumed the inode's */
	bool		seen_fs;	/* ...or the file system's error */
};

static bool
same_file(int a, int b)
{
	pid_t self = getpid();

	return syscall(SYS_kcmp, self, self, KCMP_FILE, a, b) == 0;
}

/* Did the inode (dev, ino) fail? */
static bool
inode_failed(const struct failure *f, uint64_t dev, uint64_t ino)
{
	const struct pending *p = f->p;

	if (f->all || f->fs_wide)
		return (f->all || dev == p->dev) &&
		    journal_is_lost(f->tr, dev, ino);
	return p->dev_known && p->kind == REC_KIND_REGULAR && dev == p->dev &&
	    ino == p->ino;
}

/* Did the file system dev get the error? */
static bool
fs_failed(const struct failure *f, uint64_t dev)
{
	if (f->all)
		return journal_is_lost(f->tr, dev, 0);
	/* a directory's failed fsync is not a data writeback error */
	return f->p->dev_known && dev == f->p->dev &&
	    (f->fs_wide || f->p->kind == REC_KIND_REGULAR);
}

static int
owed_add(struct errseq *es, int fd, bool file, bool fs)
{
	for (size_t i = 0; i < es->n; i++)
		if (same_file(es->v[i].fd, fd)) {
			close(fd);	/* dup'd or inherited: one description */
			return 0;
		}
	if (es->n == es->cap) {
		size_t cap = es->cap ? 2 * es->cap : 16;
		struct owed *v = realloc(es->v, cap * sizeof(*v));

		if (!v) {
			close(fd);
			return -ENOMEM;
		}
		es->v = v;
		es->cap = cap;
	}
	es->v[es->n++] = (struct owed){ fd, file, fs };
	return 0;
}

/* Is badio's duplicate mine the description the failing call used? */
static bool
is_failing(const struct task *t, int mine)
{
	return t->p.fd >= 0 &&
	    syscall(SYS_kcmp, getpid(), t->tid, KCMP_FILE, mine, t->p.fd) == 0;
}

/* Every description of process tgid that a failure reaches. */
static int
scan_process(struct tracer *tr, struct task *t, pid_t tgid,
    const struct failure *f)
{
	struct errseq *es = tr->errseq;
	int pidfd = proc_pidfd(tr, tgid), dfd, rc = 0;
	char path[64];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)tgid);
	if (pidfd < 0 || (dfd = open(path, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		return 0;
	if (!(d = fdopendir(dfd))) {
		close(dfd);
		return 0;
	}
	while (rc == 0 && (de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		struct stat st;
		bool file, fs;
		int mine;

		if (*end || end == de->d_name || fd < 0 ||
		    fstatat(dfd, de->d_name, &st, 0) < 0)
			continue;
		file = S_ISREG(st.st_mode) && inode_failed(f,
		    (uint64_t)st.st_dev, (uint64_t)st.st_ino);
		fs = fs_failed(f, (uint64_t)st.st_dev);
		if ((!file && !fs) ||
		    (mine = (int)syscall(SYS_pidfd_getfd, pidfd, (int)fd, 0)) < 0)
			continue;
		if (is_failing(t, mine)) {
			file &= !f->seen_file;
			fs &= !f->seen_fs;
		}
		if (!file && !fs)
			close(mine);
		else
			rc = owed_add(es, mine, file, fs);
	}
	closedir(d);
	return rc;
}

/* At the lost-sync target's seccomp stop: who will hear of it. */
void
errseq_lost(struct tracer *tr, struct task *t)
{
	const struct pending *p = &t->p;
	long nr = p->sc->pub.nr;
	struct failure f = {
		.tr = tr, .p = p, .all = nr == __NR_sync,
		.fs_wide = nr == __NR_syncfs,
		.seen_file = nr == __NR_fsync || nr == __NR_fdatasync,
		.seen_fs = nr == __NR_syncfs,
	};
	pid_t *tgids = malloc(ERRSEQ_PROCS * sizeof(*tgids));
	size_t n;

	if (!tgids || (!tr->errseq &&
	    !(tr->errseq = calloc(1, sizeof(*tr->errseq))))) {
		free(tgids);
		return;
	}
	tr->errseq->err = p->err;
	n = proc_tgids(tr, tgids, ERRSEQ_PROCS);
	for (size_t i = 0; i < n; i++)
		if (scan_process(tr, t, tgids[i], &f) < 0)
			break;
	free(tgids);
}

/*
 * At the seccomp stop of any other sync call: does its description owe
 * the error?  Then the call runs and returns it (into *act).
 */
bool
errseq_report(struct tracer *tr, struct task *t, struct action *act)
{
	struct errseq *es = tr->errseq;
	const struct pending *p = &t->p;
	long nr = p->sc->pub.nr;
	bool fs = nr == __NR_syncfs;
	bool file = nr == __NR_fsync || nr == __NR_fdatasync ||
	    (nr == __NR_sync_file_range && p->sc->flags >= 0 &&
	    (p->args[(int)p->sc->flags] &
	    (SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WAIT_AFTER)));

	if (!es || es->n == 0 || p->fd < 0 || (!fs && !file))
		return false;
	for (size_t i = 0; i < es->n; i++) {
		struct owed *o = &es->v[i];

		if (!(fs ? o->fs : o->file) || syscall(SYS_kcmp, getpid(),
		    t->tid, KCMP_FILE, o->fd, p->fd) != 0)
			continue;
		if (fs)
			o->fs = false;
		else
			o->file = false;
		if (!o->fs && !o->file) {
			close(o->fd);
			es->v[i] = es->v[--es->n];
		}
		*act = (struct action){ REC_FAULT_LOST_SYNC, HOW_RUN_FAIL,
		    es->err, 0 };
		return true;
	}
	return false;
}

void
errseq_free(struct tracer *tr)
{
	struct errseq *es = tr->errseq;

	if (!es)
		return;
	for (size_t i = 0; i < es->n; i++)
		close(es->v[i].fd);
	free(es->v);
	free(es);
	tr->errseq = NULL;
}
