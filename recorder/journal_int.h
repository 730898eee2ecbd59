/*
 * journal_int.h - the undo journal's records, shared by the files that
 * keep it while the program runs (journal.c, journal_data.c,
 * journal_ns.c, journal_sync.c) and those that build crash states from
 * it (journal_build*.c).  Private to recorder/.
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

struct pending;
struct task;

/* ivals (journal_data.c) */
int		ivals_add(struct ivals *s, int64_t lo, int64_t hi);
/* the parts of [lo, hi) not in s, into out (freed by the caller) */
int		ivals_gaps(const struct ivals *s, int64_t lo, int64_t hi,
		    struct ivals *out);
void		ivals_free(struct ivals *s);

/* --- keeping the journal ------------------------------------------------ */

/* entries and inodes (journal.c) */
struct jinode	*journal_inode(const struct rec_journal *j, uint64_t dev,
		    uint64_t ino);
/* the inode's record, made if new; NULL: out of memory */
struct jinode	*journal_inode_get(struct rec_journal *j, uint64_t dev,
		    uint64_t ino);
struct jop	*jop_new(enum jkind kind, uint64_t seq, uint64_t dev,
		    uint64_t ino);
void		jop_free(struct rec_journal *j, struct jop *op);
/* at the end of the list (freed if it cannot grow) */
void		jop_append(struct rec_journal *j, struct jop *op);
/* a site's path inside the run directory: into abs; false if not */
bool		journal_inside(const struct rec_journal *j, const char *path,
		    char *abs, size_t size);
/* is a written file's path one the journal follows? */
bool		journal_data_inside(const struct pending *p);

/* data ops, old bytes (journal_data.c) */
void		jpiece_free(struct rec_journal *j, struct jpiece *pc);
/* the bytes of a piece, n from offset at (relative to the piece) */
ssize_t		jpiece_read(const struct rec_journal *j, const struct jpiece *pc,
		    void *buf, size_t n, int64_t at);
/* all n bytes at off of fd: written (out) or read; 0, or -errno (-EIO: end of file) */
int		journal_io_full(int fd, void *buf, size_t n, int64_t off, bool out);
/* an fd of the run directory's file at path, read-only; -1 */
int		journal_open_abs(struct rec_journal *j, const char *path);
/* a truncate to n of the file open as fd */
void		journal_trunc_enter(struct rec_journal *j, struct pending *p, int fd,
		    int64_t n);
void		journal_write_enter(struct rec_journal *j, struct task *t);
void		journal_trunc_path(struct rec_journal *j, struct task *t);
void		journal_trunc_fd(struct rec_journal *j, struct task *t);
void		journal_falloc_enter(struct rec_journal *j, struct task *t);
void		journal_write_exit(struct rec_journal *j, struct pending *p,
		    struct jop *op, int64_t rval, bool has_rval);

/* namespace ops, the stash (journal_ns.c) */
enum jtype	jtype_of(mode_t m);
void		journal_ns_remove(struct rec_journal *j, struct task *t);
void		journal_ns_create(struct rec_journal *j, struct task *t);
void		journal_open_enter(struct rec_journal *j, struct task *t);
void		journal_ns_rename(struct rec_journal *j, struct task *t);
void		journal_ns_exit(struct rec_journal *j, struct pending *p,
		    struct jop *op, int64_t rval, bool has_rval);
/* a readable or O_PATH fd of a victim inode kept by the journal, -1 */
int		journal_victim_fd(const struct rec_journal *j, uint64_t dev,
		    uint64_t ino, int flags);
/* unlink every file of the stash directory fd */
void		journal_stash_empty(int fd);

/* durability (journal_sync.c) */
/* fsync or fdatasync of an inode: its data ops are durable */
void		journal_inode_synced(struct rec_journal *j, uint64_t dev,
		    uint64_t ino);
/* p is the last durability point (rec_journal_last_sync) */
void		journal_durability_point(struct rec_journal *j,
		    const struct pending *p);
/* a sync call that returned 0 */
void		journal_sync_exit(struct rec_journal *j, struct pending *p);

/* --- building crash states ---------------------------------------------- */

#define MAX_DEPTH	512
#define COPY_CHUNK	(1u << 20)

/* A directory entry of dest, by the inodes of src. */
struct node {
	uint64_t	pino;
	char		*name;
	uint64_t	ino;
	enum jtype	t;
	bool		live;		/* false: moved into the holding directory */
};

struct dirmode {
	uint64_t	ino;
	mode_t		mode;
};

/* A data op of the journal, by inode (sorted: ino, then program order). */
struct opref {
	uint64_t	ino;
	size_t		i;
};

struct tree {
	const struct rec_journal *j;
	struct opref	*byino;
	size_t		nbyino;
	const bool	*kept;		/* per op of j */
	bool		zero_lost;	/* durable-zero: lost data as ext4 has it */
	struct node	*v;
	size_t		n;
	size_t		cap;
	uint64_t	dev;		/* src's file system */
	uint64_t	rootino;
	int		destfd;
	char		hold[32];	/* the holding directory: a name src lacks */
	bool		hold_made;
	struct ivals	held_dirs;	/* inode numbers, as [ino, ino + 1) */
	struct ivals	held_files;
	struct ivals	fixed;		/* inodes whose data is undone */
	struct dirmode	*modes;
	size_t		nmodes;
	unsigned char	*buf;
};

/* First dest path of each src inode with more than one name. */
struct linkmap {
	uint64_t	ino;
	char		*path;
};

struct copier {
	struct tree	*t;
	struct linkmap	*links;
	size_t		nlinks;
};

/* the tree of dest's entries (journal_build.c) */
bool		ino_set_has(const struct ivals *s, uint64_t ino);
int		ino_set_add(struct ivals *s, uint64_t ino);
void		ino_set_del(struct ivals *s, uint64_t ino);
int		tree_node_add(struct tree *t, uint64_t pino, const char *name,
		    uint64_t ino, enum jtype type);
int		tree_mode_add(struct tree *t, uint64_t ino, mode_t mode);
struct node	*tree_node_at(struct tree *t, uint64_t pino, const char *name);
struct node	*tree_node_of(struct tree *t, uint64_t ino, bool dir);
/* dest-relative path of directory ino; *held: inside the holding one */
int		tree_dir_path(struct tree *t, uint64_t ino, char *buf, size_t size,
		    bool *held);
int		tree_entry_path(struct tree *t, uint64_t pino, const char *name,
		    char *buf, size_t size, bool *held);

/* src into dest (journal_build_copy.c) */
int		build_copy_file(int in, int destdir, const char *name, mode_t mode,
		    unsigned char *buf);
int		build_copy_dir(struct copier *c, int srcdir, int destdir,
		    const char *rel, uint64_t ino);

/* contents (journal_build_data.c) */
int		build_byino_make(struct tree *t);
/* undo the data ops of inode ino not kept, on its copy fd */
int		build_undo_data(struct tree *t, uint64_t ino, int fd);
int		build_open_rw(int dirfd, const char *path, int *mode);
int		build_undo_close(int fd, int mode, int rc);
int		build_undo_copies(struct tree *t);

/* names (journal_build_names.c) */
int		build_hold_pick(struct tree *t);
int		build_names_undo(struct tree *t);

#endif /* BADIO_RECORDER_JOURNAL_INT_H */
