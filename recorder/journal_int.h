/*
 * journal_int.h - the undo journal's records, shared by journal.c (kept
 * while the program runs) and journal_build.c (crash states from it).
 * Private to recorder/.
 */
#ifndef BADIO_RECORDER_JOURNAL_INT_H
#define BADIO_RECORDER_JOURNAL_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "recorder/recorder.h"

/* A byte range [lo, hi) of a file. */
struct ival {
	int64_t		lo;
	int64_t		hi;
};

/* A sorted set of disjoint ranges. */
struct ivals {
	struct ival	*v;
	size_t		n;
	size_t		cap;
};

/* Old bytes of a range, in memory or in the spill file. */
struct jpiece {
	int64_t		off;		/* file offset of the bytes */
	int64_t		len;
	unsigned char	*mem;		/* NULL: spilled */
	int64_t		spill;		/* offset in the spill file */
};

enum jkind {
	J_WRITE,			/* data over [off, off + len) */
	J_TRUNC,			/* the size became off */
	J_NS,				/* directory entries changed (slots) */
};

/* Object types in a directory entry. */
enum jtype { JT_NONE, JT_REG, JT_DIR, JT_LINK, JT_OTHER };

/*
 * One directory entry an op changes: in directory (dev, pino), name
 * went from inode oldv to newv (0: no entry).
 */
struct jslot {
	uint64_t	pino;
	char		*name;
	uint64_t	oldv;
	uint64_t	newv;
	unsigned char	oldt;		/* enum jtype */
	unsigned char	newt;
	mode_t		oldmode;	/* a removed directory's mode */
	mode_t		newmode;
	bool		synced;		/* its directory was fsynced after the op */
	bool		pending_new;	/* newv is read at the exit stop */
};

struct jop {
	enum jkind	kind;
	bool		durable;
	bool		lost;		/* lost-sync: never durable */
	uint64_t	seq;		/* the site */
	uint64_t	dev;		/* the file (data ops); the directories' fs */
	uint64_t	ino;
	int64_t		off;
	int64_t		len;
	int64_t		size_before;
	struct jpiece	*pieces;
	unsigned	npieces;
	unsigned	nslots;
	struct jslot	slot[2];
};

/* What the journal knows of one inode. */
struct jinode {
	uint64_t	dev;
	uint64_t	ino;
	struct ivals	saved;		/* old bytes kept since its last sync */
	bool		lost;		/* some of its ops are lost */
	bool		stashed;	/* linked into the stash as DEV-INO */
	int		held;		/* an O_PATH fd keeping it alive, -1 */
	int		rfd;		/* a readable fd for old bytes, -1 */
};

struct rec_journal {
	struct jop	**ops;		/* in program order */
	size_t		nops;
	size_t		cap;
	size_t		ndurable;	/* durable ops not yet dropped */
	struct jinode	*inodes;
	size_t		ninodes;
	size_t		icap;
	uint32_t	*ihash;		/* open addressing: 1 + index into inodes */
	size_t		hcap;		/* a power of two, > 2 * ninodes */
	char		root[PATH_MAX];	/* the run directory */
	uint64_t	rootdev;
	uint64_t	rootino;
	int		stashfd;	/* stashdir, or -1 */
	char		stashdir[PATH_MAX];	/* opts->stash_dir/run-XXXXXX */
	int		spillfd;	/* old bytes past mem_limit, -1 until used */
	int64_t		spill_end;
	char		spilldir[PATH_MAX];
	size_t		mem_limit;
	uint64_t	mem;
	uint64_t	disk;
	uint64_t	mem_peak;
	uint64_t	disk_peak;
	uint64_t	entries;
	uint64_t	last_seq;	/* the last durability point */
	char		*last_key;
	const struct rec_maps *maps;	/* map images (map_copies), or NULL */
	unsigned char	*buf;		/* scratch for spilling */
};

/* ivals (journal.c) */
int		ivals_add(struct ivals *s, int64_t lo, int64_t hi);
/* the parts of [lo, hi) not in s, into out (freed by the caller) */
int		ivals_gaps(const struct ivals *s, int64_t lo, int64_t hi,
		    struct ivals *out);
void		ivals_free(struct ivals *s);

struct jinode	*journal_inode(const struct rec_journal *j, uint64_t dev,
		    uint64_t ino);
/* the bytes of a piece, n from offset at (relative to the piece) */
ssize_t		jpiece_read(const struct rec_journal *j, const struct jpiece *pc,
		    void *buf, size_t n, int64_t at);
/* all n bytes at off of fd: written (out) or read; 0, or -errno (-EIO: end of file) */
int		journal_io_full(int fd, void *buf, size_t n, int64_t off, bool out);
/* a readable or O_PATH fd of a victim inode kept by the journal, -1 */
int		journal_victim_fd(const struct rec_journal *j, uint64_t dev,
		    uint64_t ino, int flags);

#endif /* BADIO_RECORDER_JOURNAL_INT_H */
