/*
 * journal_sync.c - what a sync makes durable in the undo journal
 * (journal.c; DURABILITY_NOTES §1.2): fsync or fdatasync of any fd of an
 * inode (its data), fsync of a directory (its entries), sync and syncfs
 * (everything), writes on an O_SYNC or O_DSYNC fd at once.
 * sync_file_range is not one.  A durable op's old bytes are dropped.  And
 * what a lost-sync fault loses for good (§2.4).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "recorder/journal_int.h"
#include "recorder/recorder_int.h"

static void
op_durable(struct rec_journal *j, struct jop *op)
{
	if (op->durable || op->lost)
		return;
	op->durable = true;
	j->ndurable++;
	for (unsigned i = 0; i < op->npieces; i++)
		jpiece_free(j, &op->pieces[i]);
	op->npieces = 0;
}

/* fsync or fdatasync of an inode: its data ops are durable. */
void
journal_inode_synced(struct rec_journal *j, uint64_t dev, uint64_t ino)
{
	struct jinode *ji = journal_inode(j, dev, ino);

	for (size_t i = 0; i < j->nops; i++)
		if (j->ops[i]->kind != J_NS && j->ops[i]->ino == ino &&
		    j->ops[i]->dev == dev)
			op_durable(j, j->ops[i]);
	if (ji) {
		ivals_free(&ji->saved);
		if (ji->rfd >= 0)
			close(ji->rfd);
		ji->rfd = -1;
	}
}

static bool
slots_synced(const struct jop *op)
{
	for (unsigned i = 0; i < op->nslots; i++)
		if (!op->slot[i].synced)
			return false;
	return true;
}

/* fsync of a directory: its entries are durable. */
static void
dir_synced(struct rec_journal *j, uint64_t dev, uint64_t ino)
{
	for (size_t i = 0; i < j->nops; i++) {
		struct jop *op = j->ops[i];

		if (op->kind != J_NS || op->dev != dev)
			continue;
		for (unsigned s = 0; s < op->nslots; s++)
			if (op->slot[s].pino == ino)
				op->slot[s].synced = true;
		if (slots_synced(op))
			op_durable(j, op);
	}
}

/* sync (all) or syncfs (one file system): everything on it. */
static void
all_synced(struct rec_journal *j, bool all, uint64_t dev)
{
	for (size_t i = 0; i < j->nops; i++)
		if (all || j->ops[i]->dev == dev)
			op_durable(j, j->ops[i]);
	for (size_t i = 0; i < j->ninodes; i++) {
		if (!all && j->inodes[i].dev != dev)
			continue;
		ivals_free(&j->inodes[i].saved);
		if (j->inodes[i].rfd >= 0)
			close(j->inodes[i].rfd);
		j->inodes[i].rfd = -1;
	}
}

/* --- exit stops ---------------------------------------------------------- */

void
journal_durability_point(struct rec_journal *j, const struct pending *p)
{
	char key[PATH_CAP + 32];

	if (rec_key_format(key, sizeof(key), p->sc->pub.family, p->path,
	    p->ordinal) < 0)
		return;
	free(j->last_key);
	j->last_key = strdup(key);
	j->last_seq = p->seq;
}

void
journal_sync_exit(struct rec_journal *j, struct pending *p)
{
	long nr = p->sc->pub.nr;

	if (nr == __NR_sync_file_range)
		return;			/* not a durability point */
	if (nr == __NR_msync) {
		if (!(p->args[2] & MS_SYNC))
			return;		/* the images are mapping.c's */
	} else if (nr == __NR_sync) {
		all_synced(j, true, 0);
	} else if (!p->dev_known) {
		return;
	} else if (nr == __NR_syncfs) {
		all_synced(j, false, p->dev);
	} else if (p->kind == REC_KIND_DIR) {
		dir_synced(j, p->dev, p->ino);
	} else {
		journal_inode_synced(j, p->dev, p->ino);
	}
	journal_durability_point(j, p);
}

bool
journal_is_lost(const struct tracer *tr, uint64_t dev, uint64_t ino)
{
	const struct rec_journal *j = tr->journal;
	const struct jinode *ji;

	if (!j)
		return false;
	if (ino)
		return (ji = journal_inode(j, dev, ino)) && ji->lost;
	for (size_t i = 0; i < j->ninodes; i++)
		if (j->inodes[i].dev == dev && j->inodes[i].lost)
			return true;
	return false;
}

/*
 * lost-sync at its target (the call is skipped): the data it would have
 * made durable is lost for good (DURABILITY_NOTES §2.4 L1, L2).  A
 * directory's entries just stay pending (L7).
 */
void
journal_lost(struct tracer *tr, struct task *t)
{
	struct rec_journal *j = tr->journal;
	struct pending *p = &t->p;
	bool all = p->sc->pub.nr == __NR_sync;
	bool fs = p->sc->pub.nr == __NR_syncfs;

	if (!j || (!all && !p->dev_known) || (!all && !fs &&
	    p->kind != REC_KIND_REGULAR))
		return;
	for (size_t i = 0; i < j->nops; i++) {
		struct jop *op = j->ops[i];
		struct jinode *ji;

		if (op->kind == J_NS || op->durable || (!all && op->dev != p->dev) ||
		    (!all && !fs && op->ino != p->ino))
			continue;
		op->lost = true;
		if ((ji = journal_inode_get(j, op->dev, op->ino)))
			ji->lost = true;
	}
}
