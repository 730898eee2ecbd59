/*
 * mapping.c - files written through shared writable mappings.
 *
 * badio never sees a store into a mapping, only the calls around it:
 * mmap (the filter stops on MAP_SHARED + PROT_WRITE of a file only),
 * msync, munmap and mremap of such a mapping, fsync and fdatasync of its
 * file.  Those are sites (family mmap for the first three), each naming
 * the file and the range of it concerned.  To see munmap and mremap of
 * these mappings without stopping on every munmap (malloc's), the tracer
 * places each new shared writable file mapping in its mapping window
 * (recorder_int.h), where the filter stops munmap and mremap: the
 * program asked for no address (no hint, no MAP_FIXED), so any free one
 * is as good, and badio's are the same in every run.
 *
 * The tables: per process (struct mapset, in the process's struct proc)
 * the mappings, sorted by address, each naming a mapped file; per run
 * (struct rec_maps) the mapped files by inode, with the range of each
 * that was ever mapped, and, with rec_opts.map_copies, its durable
 * images (recorder.h): what a power failure would leave of each mapped
 * range, taken when it is first mapped and again at each call that makes
 * it durable (msync with MS_SYNC over it, fsync or fdatasync of the file,
 * syncfs, sync).  fork copies a process's table, exec and exit drop it.
 *
 * Images are kept in memory up to rec_opts.map_copy_mem bytes in all,
 * the rest in an unlinked temporary file in $TMPDIR: one copy of each
 * mapped range, whatever the number of syncs (a sync overwrites it).
 *
 * Limits (docs/manual.md): a mapping made at an address of the program's
 * choosing (MAP_FIXED, or a hint) is followed but its munmap is not seen;
 * mprotect that makes a read-only shared mapping writable is not seen;
 * the stores themselves are never seen, only their effect at a sync.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "recorder/recorder_int.h"

#define PAGE		4096ull
#define PAGE_UP(x)	(((x) + PAGE - 1) & ~(PAGE - 1))
#define COPY_MEM_DEFAULT	(64u << 20)

/* One image: a mapped range of a file and its durable content. */
struct image {
	struct rec_mapimage pub;
	unsigned char	*mem;		/* in memory, or */
	int64_t		foff;		/* at this offset of the spill file; -1 */
};

/* A file mapped shared and writable by a traced process. */
struct mfile {
	uint64_t	dev;
	uint64_t	ino;
	char		*path;		/* as sites name it */
	int		fd;		/* badio's own open of it (copies), -1 */
	unsigned	maps;		/* mappings of it, in all processes */
	int64_t		lo, hi;		/* the file range ever mapped */
	struct image	**im;		/* disjoint, sorted by offset */
	size_t		nim;
};

struct rec_maps {
	struct mfile	**files;
	size_t		nfiles;
	bool		copies;
	size_t		mem_limit;
	uint64_t	mem_used;
	int		spill_fd;
	int64_t		spill_end;
	uint64_t	disk_used;
	const struct rec_mapimage **list;	/* rec_maps_images */
	size_t		nlist;
	uint64_t	next_order;
};

struct mapping {
	uint64_t	start;
	uint64_t	len;		/* page-rounded */
	int64_t		off;		/* file offset of start */
	struct mfile	*f;
};

struct mapset {
	struct mapping	*v;		/* sorted by start, disjoint */
	size_t		n;
	size_t		cap;
};

/* Has the run ever had a shared writable mapping of a file? */
bool
maps_seen(const struct tracer *tr)
{
	return tr->maps && tr->maps->nfiles;
}

int
maps_init(struct tracer *tr)
{
	struct rec_maps *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->copies = tr->opts->map_copies;
	m->mem_limit = tr->opts->map_copy_mem ? tr->opts->map_copy_mem :
	    COPY_MEM_DEFAULT;
	m->spill_fd = -1;
	tr->maps = m;
	return 0;
}

/* --- image storage: memory first, then the spill file --- */

static int
spill_open(void)
{
	const char *dir = getenv("TMPDIR");
	char name[PATH_MAX];
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || snprintf(name, sizeof(name), "%s/badio-map-XXXXXX",
	    dir) >= (int)sizeof(name))
		return fd;
	fd = mkostemp(name, O_CLOEXEC);
	if (fd >= 0)
		unlink(name);
	return fd;
}

static int
blob_alloc(struct tracer *tr, struct image *im)
{
	struct rec_maps *m = tr->maps;
	uint64_t len = (uint64_t)im->pub.len;

	im->foff = -1;
	if (m->mem_used + len <= m->mem_limit && (im->mem = calloc(1, len ? len : 1))) {
		m->mem_used += len;
		if (m->mem_used > tr->res->map_mem_peak)
			tr->res->map_mem_peak = m->mem_used;
		return 0;
	}
	if (m->spill_fd < 0 && (m->spill_fd = spill_open()) < 0)
		return -errno;
	if (ftruncate(m->spill_fd, m->spill_end + (off_t)PAGE_UP(len)) < 0)
		return -errno;
	im->foff = m->spill_end;
	m->spill_end += (int64_t)PAGE_UP(len);
	m->disk_used += len;
	if (m->disk_used > tr->res->map_disk_peak)
		tr->res->map_disk_peak = m->disk_used;
	return 0;
}

static void
blob_free(struct rec_maps *m, struct image *im)
{
	if (im->mem) {
		m->mem_used -= (uint64_t)im->pub.len;
		free(im->mem);
	} else if (im->foff >= 0) {
		m->disk_used -= (uint64_t)im->pub.len;
		fallocate(m->spill_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		    im->foff, (off_t)PAGE_UP((uint64_t)im->pub.len));
	}
	im->mem = NULL;
	im->foff = -1;
}

static ssize_t
blob_io(const struct rec_maps *m, const struct image *im, void *buf, size_t n,
    int64_t off, bool put)
{
	if (off < 0 || off > im->pub.len)
		return -EINVAL;
	if ((int64_t)n > im->pub.len - off)
		n = (size_t)(im->pub.len - off);
	if (im->mem) {
		if (put)
			memcpy(im->mem + off, buf, n);
		else
			memcpy(buf, im->mem + off, n);
		return (ssize_t)n;
	}
	if (im->foff < 0)
		return -ENODATA;
	return put ? pwrite(m->spill_fd, buf, n, im->foff + off) :
	    pread(m->spill_fd, buf, n, im->foff + off);
}

/* Copy [lo, hi) of the file into the image (past the end of file: zeros). */
static void
image_take(struct tracer *tr, struct mfile *f, struct image *im, int64_t lo,
    int64_t hi, uint64_t seq)
{
	int64_t pos = lo;
	struct stat st;

	if (f->fd < 0 || (!im->mem && im->foff < 0)) {
		if (!im->pub.lost)
			tr->res->map_image_errors++;
		im->pub.lost = true;
		return;
	}
	while (pos < hi) {
		size_t want = (size_t)(hi - pos) < tr->bufsize ?
		    (size_t)(hi - pos) : tr->bufsize;
		ssize_t n = pread(f->fd, tr->buf, want, pos);

		if (n < 0) {
			im->pub.lost = true;
			tr->res->map_image_errors++;
			return;
		}
		memset(tr->buf + n, 0, want - (size_t)n);
		if (blob_io(tr->maps, im, tr->buf, want, pos - im->pub.offset,
		    true) != (ssize_t)want) {
			im->pub.lost = true;
			tr->res->map_image_errors++;
			return;
		}
		pos += (int64_t)want;
	}
	if (fstat(f->fd, &st) == 0)
		im->pub.file_size = st.st_size;
	im->pub.seq = seq;
	tr->res->map_images++;
	tr->res->map_image_bytes += (uint64_t)(hi - lo);
}

static void
maps_list_stale(struct rec_maps *m)
{
	free(m->list);
	m->list = NULL;
	m->nlist = 0;
}

/* Images for the parts of [lo, hi) of f no image covers yet. */
static void
image_cover(struct tracer *tr, struct mfile *f, int64_t lo, int64_t hi,
    uint64_t seq)
{
	int64_t pos = lo;
	size_t i = 0;

	while (pos < hi) {
		int64_t end = hi;
		struct image *im, **v;

		while (i < f->nim && f->im[i]->pub.offset + f->im[i]->pub.len <= pos)
			i++;
		if (i < f->nim && f->im[i]->pub.offset <= pos) {
			pos = f->im[i]->pub.offset + f->im[i]->pub.len;
			continue;
		}
		if (i < f->nim && f->im[i]->pub.offset < end)
			end = f->im[i]->pub.offset;
		im = calloc(1, sizeof(*im));
		v = im ? reallocarray(f->im, f->nim + 1, sizeof(*v)) : NULL;
		if (!v) {
			free(im);
			tr->res->map_image_errors++;
			return;
		}
		f->im = v;
		memmove(&f->im[i + 1], &f->im[i], (f->nim - i) * sizeof(*v));
		f->im[i] = im;
		f->nim++;
		im->pub = (struct rec_mapimage){ .dev = f->dev, .ino = f->ino,
		    .offset = pos, .len = end - pos, .file_size = -1,
		    .mapped = true };
		if (blob_alloc(tr, im) < 0)
			im->foff = -1;
		image_take(tr, f, im, pos, end, seq);
		maps_list_stale(tr->maps);
		pos = end;
		i++;
	}
}

/* A durability point for [lo, hi) of f: its images take it again. */
static void
image_sync(struct tracer *tr, struct mfile *f, int64_t lo, int64_t hi,
    uint64_t seq)
{
	for (size_t i = 0; i < f->nim; i++) {
		struct image *im = f->im[i];
		int64_t a = im->pub.offset > lo ? im->pub.offset : lo;
		int64_t b = im->pub.offset + im->pub.len < hi ?
		    im->pub.offset + im->pub.len : hi;

		if (a >= b || im->pub.lost)
			continue;
		image_take(tr, f, im, a, b, seq);
		if (a == im->pub.offset && b == im->pub.offset + im->pub.len)
			im->pub.synced = true;
	}
}

/* --- the files --- */

static void
mfile_free(struct rec_maps *m, struct mfile *f)
{
	for (size_t i = 0; i < f->nim; i++) {
		blob_free(m, f->im[i]);
		free(f->im[i]);
	}
	free(f->im);
	if (f->fd >= 0)
		close(f->fd);
	free(f->path);
	free(f);
	maps_list_stale(m);
}

/*
 * Files nothing maps any more: without copies at once; with them once a
 * sync made the whole file durable (each is_gone_ok caller says so).
 */
static void
mfiles_collect(struct rec_maps *m, bool synced, uint64_t dev, uint64_t ino,
    bool all)
{
	size_t i = 0;

	while (i < m->nfiles) {
		struct mfile *f = m->files[i];
		bool covered = all || (f->dev == dev && (ino == 0 || f->ino == ino));

		if (f->maps == 0 && (!m->copies || (synced && covered))) {
			mfile_free(m, f);
			m->files[i] = m->files[--m->nfiles];
			continue;
		}
		i++;
	}
}

static struct mfile *
mfile_find(struct rec_maps *m, uint64_t dev, uint64_t ino)
{
	for (size_t i = 0; i < m->nfiles; i++)
		if (m->files[i]->dev == dev && m->files[i]->ino == ino)
			return m->files[i];
	return NULL;
}

/* The file behind the pending mmap's fd: found, or added. */
static struct mfile *
mfile_get(struct tracer *tr, struct pending *p)
{
	struct rec_maps *m = tr->maps;
	struct mfile *f = mfile_find(m, p->dev, p->ino), **v;
	char name[64];

	if (f)
		return f;
	f = calloc(1, sizeof(*f));
	v = f ? reallocarray(m->files, m->nfiles + 1, sizeof(*v)) : NULL;
	if (!v || !(f->path = strdup(p->path))) {
		free(f);
		return NULL;
	}
	m->files = v;
	f->dev = p->dev;
	f->ino = p->ino;
	f->fd = -1;
	f->lo = INT64_MAX;
	f->hi = 0;
	/*
	 * A new open file description, not the program's: holding its own
	 * would keep its flock locks after the program closed the file.
	 */
	if (m->copies && p->dupfd >= 0) {
		snprintf(name, sizeof(name), "/proc/self/fd/%d", p->dupfd);
		f->fd = open(name, O_RDONLY | O_CLOEXEC);
	}
	m->files[m->nfiles++] = f;
	return f;
}

/* --- the per-process tables --- */

void
mapset_free(struct mapset *ms)
{
	if (!ms)
		return;
	for (size_t i = 0; i < ms->n; i++)
		ms->v[i].f->maps--;
	free(ms->v);
	free(ms);
}

struct mapset *
mapset_copy(const struct mapset *ms)
{
	struct mapset *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->v = malloc((ms->n ? ms->n : 1) * sizeof(*c->v));
	if (!c->v) {
		free(c);
		return NULL;
	}
	memcpy(c->v, ms->v, ms->n * sizeof(*c->v));
	c->n = c->cap = ms->n;
	for (size_t i = 0; i < c->n; i++)
		c->v[i].f->maps++;
	return c;
}

static int
mapset_insert(struct mapset *ms, struct mapping m)
{
	size_t i = 0;

	if (ms->n == ms->cap) {
		size_t cap = ms->cap ? 2 * ms->cap : 8;
		struct mapping *v = reallocarray(ms->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		ms->v = v;
		ms->cap = cap;
	}
	while (i < ms->n && ms->v[i].start < m.start)
		i++;
	memmove(&ms->v[i + 1], &ms->v[i], (ms->n - i) * sizeof(*ms->v));
	ms->v[i] = m;
	ms->n++;
	m.f->maps++;
	return 0;
}

/* Take [a, b) out of the table, cutting mappings that straddle it. */
static void
mapset_remove(struct mapset *ms, uint64_t a, uint64_t b)
{
	size_t i = 0;

	while (i < ms->n) {
		struct mapping *m = &ms->v[i];
		uint64_t end = m->start + m->len;

		if (end <= a || m->start >= b) {
			i++;
			continue;
		}
		if (m->start < a && end > b) {		/* a hole in the middle */
			struct mapping right = { b, end - b,
			    m->off + (int64_t)(b - m->start), m->f };

			m->len = a - m->start;
			mapset_insert(ms, right);
			return;
		}
		if (m->start < a) {
			m->len = a - m->start;
			i++;
		} else if (end > b) {
			m->off += (int64_t)(b - m->start);
			m->len = end - b;
			m->start = b;
			i++;
		} else {
			m->f->maps--;
			memmove(m, m + 1, (ms->n - i - 1) * sizeof(*m));
			ms->n--;
		}
	}
}

static struct mapping *
mapset_at(struct mapset *ms, uint64_t a, uint64_t b)
{
	for (size_t i = 0; ms && i < ms->n; i++)
		if (ms->v[i].start < b && ms->v[i].start + ms->v[i].len > a)
			return &ms->v[i];
	return NULL;
}

/* The lowest free window address for len bytes (0: none). */
static uint64_t
window_place(const struct mapset *ms, uint64_t len)
{
	uint64_t at = MAP_WINDOW_LO;

	for (size_t i = 0; ms && i < ms->n; i++) {
		const struct mapping *m = &ms->v[i];

		if (m->start + m->len <= at || m->start >= MAP_WINDOW_HI)
			continue;
		if (at + len <= m->start)
			break;
		at = m->start + m->len;
	}
	return at + len <= MAP_WINDOW_HI ? at : 0;
}

static bool
window_free(const struct mapset *ms, uint64_t a, uint64_t b)
{
	if (a < MAP_WINDOW_LO || b > MAP_WINDOW_HI)
		return false;
	for (size_t i = 0; ms && i < ms->n; i++)
		if (ms->v[i].start < b && ms->v[i].start + ms->v[i].len > a)
			return false;
	return true;
}

/* --- sites --- */

static struct mapset *
mapset_of(struct tracer *tr, struct task *t, bool create)
{
	struct mapset **ms = proc_mapset(tr, task_tgid(t));

	if (ms && !*ms && create)
		*ms = calloc(1, sizeof(**ms));
	return ms ? *ms : NULL;
}

static void
pending_file(struct pending *p, const struct mapping *m, uint64_t addr)
{
	snprintf(p->path, PATH_CAP, "%s", m->f->path);
	p->kind = REC_KIND_REGULAR;
	p->offset = m->off + (int64_t)(addr > m->start ? addr - m->start : 0);
	p->dev = m->f->dev;
	p->ino = m->f->ino;
	p->dev_known = true;
	p->mapped = true;
}

static bool
mmap_follows(const struct pending *p)
{
	uint64_t flags = p->args[3], prot = p->args[2];

	return (flags & MAP_SHARED) && !(flags & MAP_ANONYMOUS) &&
	    (prot & PROT_WRITE) && p->kind == REC_KIND_REGULAR && p->dev_known;
}

static int
mmap_enter(struct tracer *tr, struct task *t)
{
	struct pending *p = &t->p;
	uint64_t addr = p->args[0], flags = p->args[3];
	uint64_t len = PAGE_UP(p->args[1]);
	struct mapset *ms;

	if (!mmap_follows(p)) {
		/* a mapping over the window replaces what was there */
		ms = mapset_of(tr, t, false);
		if (ms && (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
			mapset_remove(ms, addr, addr + len);
		return 0;
	}
	p->mapped = true;
	if (addr == 0 && !(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && len &&
	    (addr = window_place(mapset_of(tr, t, false), len)) != 0)
		arch_set_arg(t->tid, 0, addr);
	return 1;
}

static int
mmap_family_enter(struct tracer *tr, struct task *t)
{
	struct pending *p = &t->p;
	struct mapset *ms = mapset_of(tr, t, false);
	uint64_t a = p->args[0];
	struct mapping *m;

	if (p->sc->decode & D_MUNMAP) {
		m = mapset_at(ms, a, a + PAGE_UP(p->args[1]));
		if (!m)
			return 0;
		pending_file(p, m, a);
		p->count = (int64_t)PAGE_UP(p->args[1]);
		return 1;
	}
	/* mremap: the mapping that holds the old address */
	m = mapset_at(ms, a, a + 1);
	if (!m)
		return 0;
	pending_file(p, m, a);
	if ((p->args[3] & MREMAP_MAYMOVE) && !(p->args[3] & MREMAP_FIXED) &&
	    PAGE_UP(p->args[2]) > PAGE_UP(p->args[1]) &&
	    !window_free(ms, a + PAGE_UP(p->args[1]), a + PAGE_UP(p->args[2]))) {
		/* it will move: to the window, where its munmap is seen */
		uint64_t to = window_place(ms, PAGE_UP(p->args[2]));

		if (to && arch_set_arg(t->tid, 3, p->args[3] | MREMAP_FIXED) == 0)
			arch_set_arg(t->tid, 4, to);
	}
	return 1;
}

/*
 * The file mapped at addr and the file offset of addr, from
 * /proc/PID/maps: msync of a mapping badio does not follow.  Lines are
 * read whole (a mapped file's name has no length limit there).
 */
static void
maps_line(struct tracer *tr, struct task *t, uint64_t addr)
{
	struct pending *p = &t->p;
	char name[64], *line = NULL;
	size_t cap = 0;
	FILE *f;

	snprintf(p->path, PATH_CAP, "<anonymous>");
	snprintf(name, sizeof(name), "/proc/%d/maps", (int)t->tid);
	f = fopen(name, "re");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		unsigned long lo, hi, pgoff;
		unsigned maj, min;
		unsigned long long ino;
		int pos = 0;

		if (sscanf(line, "%lx-%lx %*s %lx %x:%x %llu%n", &lo, &hi,
		    &pgoff, &maj, &min, &ino, &pos) < 6 || addr < lo || addr >= hi)
			continue;
		while (line[pos] == ' ')
			pos++;
		line[strcspn(line, "\n")] = '\0';
		/* the kernel's names for shared anonymous memory, not files */
		if (strcmp(line + pos, "/dev/zero (deleted)") == 0 ||
		    strncmp(line + pos, "/SYSV", 5) == 0)
			break;
		if (line[pos] == '/') {
			if (strlen(line + pos) < PATH_MAX) {
				snprintf(p->path, PATH_CAP, "%s", line + pos);
				path_store(tr, p->path);
			} else {
				snprintf(p->path, PATH_CAP, "<too long>");
			}
			p->offset = (int64_t)(pgoff + (addr - lo));
			p->dev = makedev(maj, min);
			p->ino = ino;
			p->dev_known = true;
		}
		break;
	}
	free(line);
	fclose(f);
}

/* site_enter of mmap, munmap, mremap and msync: 1 if a site. */
int
mapping_enter(struct tracer *tr, struct task *t)
{
	struct pending *p = &t->p;
	const struct sysent *sc = p->sc;
	struct mapping *m;

	if (sc->decode & D_MMAP)
		return mmap_enter(tr, t);
	if (sc->decode & (D_MUNMAP | D_MREMAP))
		return mmap_family_enter(tr, t);
	/* msync: a site whatever it syncs */
	m = mapset_at(mapset_of(tr, t, false), p->args[0], p->args[0] + 1);
	if (m)
		pending_file(p, m, p->args[0]);
	else
		maps_line(tr, t, p->args[0]);
	p->kind = p->path[0] == '<' ? REC_KIND_OTHER : REC_KIND_REGULAR;
	return 1;
}

static bool
failed(int64_t rval)
{
	return rval < 0 && rval > -4096;
}

static void
mmap_exit(struct tracer *tr, struct task *t, int64_t rval)
{
	struct pending *p = &t->p;
	uint64_t len = PAGE_UP(p->args[1]), at = (uint64_t)rval;
	struct mapset *ms = mapset_of(tr, t, true);
	struct mfile *f;

	if (!ms || !(f = mfile_get(tr, p)))
		return;
	mapset_remove(ms, at, at + len);	/* MAP_FIXED replaces */
	if (mapset_insert(ms, (struct mapping){ at, len, p->offset, f }) < 0)
		return;
	if (p->offset < f->lo)
		f->lo = p->offset;
	if (p->offset + (int64_t)len > f->hi)
		f->hi = p->offset + (int64_t)len;
	if (tr->maps->copies)
		image_cover(tr, f, p->offset, p->offset + (int64_t)len, p->seq);
}

static void
mremap_exit(struct tracer *tr, struct task *t, int64_t rval)
{
	struct pending *p = &t->p;
	struct mapset *ms = mapset_of(tr, t, false);
	uint64_t old = p->args[0], len = PAGE_UP(p->args[2]);
	struct mapping *m = mapset_at(ms, old, old + 1);
	struct mfile *f;
	int64_t off;

	if (!m)
		return;
	f = m->f;
	off = m->off + (int64_t)(old - m->start);
	f->maps++;			/* keep it while it moves */
	mapset_remove(ms, old, old + PAGE_UP(p->args[1]));
	mapset_remove(ms, (uint64_t)rval, (uint64_t)rval + len);
	mapset_insert(ms, (struct mapping){ (uint64_t)rval, len, off, f });
	f->maps--;
	if (off + (int64_t)len > f->hi)
		f->hi = off + (int64_t)len;
	if (tr->maps->copies)
		image_cover(tr, f, off, off + (int64_t)len, p->seq);
}

/* msync(MS_SYNC) succeeded: the ranges it covered are durable. */
static void
msync_exit(struct tracer *tr, struct task *t)
{
	struct pending *p = &t->p;
	struct mapset *ms = mapset_of(tr, t, false);
	uint64_t a = p->args[0], b = a + PAGE_UP(p->args[1]);

	if (!(p->args[2] & MS_SYNC) || !ms || !tr->maps->copies)
		return;
	for (size_t i = 0; i < ms->n; i++) {
		const struct mapping *m = &ms->v[i];
		uint64_t lo = m->start > a ? m->start : a;
		uint64_t hi = m->start + m->len < b ? m->start + m->len : b;

		if (lo < hi)
			image_sync(tr, m->f, m->off + (int64_t)(lo - m->start),
			    m->off + (int64_t)(hi - m->start), p->seq);
	}
}

/* At the exit of a site of the mmap family or msync. */
void
mapping_exit(struct tracer *tr, struct task *t, int64_t rval)
{
	const struct sysent *sc = t->p.sc;
	struct mapset *ms;

	if (failed(rval))
		return;
	if (sc->decode & D_MMAP) {
		mmap_exit(tr, t, rval);
	} else if (sc->decode & D_MUNMAP) {
		ms = mapset_of(tr, t, false);
		if (ms)
			mapset_remove(ms, t->p.args[0], t->p.args[0] +
			    PAGE_UP(t->p.args[1]));
		mfiles_collect(tr->maps, false, 0, 0, false);
	} else if (sc->decode & D_MREMAP) {
		mremap_exit(tr, t, rval);
	} else if (sc->decode & D_MSYNC) {
		msync_exit(tr, t);
	}
}

/*
 * fsync, fdatasync, syncfs and sync succeeded: what they cover of the
 * mapped files is durable.  A whole-file sync is also where images of
 * files nothing maps any more go.
 */
void
mapping_synced(struct tracer *tr, struct task *t)
{
	struct rec_maps *m = tr->maps;
	const struct pending *p = &t->p;
	long nr = p->sc->pub.nr;
	bool all = nr == __NR_sync, fs = nr == __NR_syncfs;

	if (!m->nfiles || (!all && !p->dev_known))
		return;
	if (!all && !fs && nr != __NR_fsync && nr != __NR_fdatasync)
		return;
	for (size_t i = 0; m->copies && i < m->nfiles; i++) {
		struct mfile *f = m->files[i];

		if (all || (f->dev == p->dev && (fs || f->ino == p->ino)))
			image_sync(tr, f, 0, INT64_MAX, p->seq);
	}
	mfiles_collect(m, true, p->dev, fs ? 0 : p->ino, all);
}

bool
mapping_holds(struct tracer *tr, uint64_t dev, uint64_t ino)
{
	struct mfile *f = tr->maps ? mfile_find(tr->maps, dev, ino) : NULL;

	return f && f->maps > 0;
}

bool
mapping_of_file(struct tracer *tr, uint64_t dev, uint64_t ino, int64_t *off,
    int64_t *len)
{
	struct mfile *f = tr->maps ? mfile_find(tr->maps, dev, ino) : NULL;

	if (!f || f->maps == 0 || f->hi <= f->lo)
		return false;
	*off = f->lo;
	*len = f->hi - f->lo;
	return true;
}

/* After fork (or clone without CLONE_THREAD): the child has the same mappings. */
void
mapping_fork(struct tracer *tr, pid_t parent, pid_t child)
{
	struct mapset **from = proc_mapset(tr, parent), **to;

	if (!from || !*from || !(*from)->n)
		return;
	to = proc_mapset(tr, child);
	if (!to || *to)
		return;
	*to = mapset_copy(*from);
}

void
maps_release(struct tracer *tr)
{
	struct rec_maps *m = tr->maps;

	if (!m)
		return;
	for (size_t i = 0; i < m->nfiles; i++)
		mfile_free(m, m->files[i]);
	free(m->files);
	free(m->list);
	if (m->spill_fd >= 0)
		close(m->spill_fd);
	free(m);
	tr->maps = NULL;
}

/* --- the public reading side --- */

size_t
rec_maps_images(const struct rec_maps *cm, const struct rec_mapimage *const **out)
{
	struct rec_maps *m = (struct rec_maps *)cm;	/* the list is a cache */
	size_t n = 0;

	*out = NULL;
	if (!m)
		return 0;
	if (!m->list) {
		for (size_t i = 0; i < m->nfiles; i++)
			n += m->files[i]->nim;
		m->list = calloc(n ? n : 1, sizeof(*m->list));
		if (!m->list)
			return 0;
		n = 0;
		for (size_t i = 0; i < m->nfiles; i++) {
			struct mfile *f = m->files[i];

			for (size_t k = 0; k < f->nim; k++) {
				f->im[k]->pub.mapped = f->maps > 0;
				m->list[n++] = &f->im[k]->pub;
			}
		}
		m->nlist = n;
	}
	*out = m->list;
	return m->nlist;
}

ssize_t
rec_mapimage_read(const struct rec_maps *m, const struct rec_mapimage *im,
    void *buf, size_t len, int64_t off)
{
	if (!m || !im || im->lost)
		return -ENODATA;
	return blob_io(m, (const struct image *)im, buf, len, off, false);
}

int
rec_mapimage_apply(const struct rec_maps *m, const struct rec_mapimage *im,
    int fd)
{
	int64_t upto = im->len, pos = 0;
	char buf[65536];

	if (!m || im->lost)
		return -ENODATA;
	/* what lay past the end of file then is not part of the file */
	if (im->file_size >= 0 && im->file_size - im->offset < upto)
		upto = im->file_size > im->offset ? im->file_size - im->offset : 0;
	while (pos < upto) {
		size_t want = (size_t)(upto - pos) < sizeof(buf) ?
		    (size_t)(upto - pos) : sizeof(buf);
		ssize_t n = rec_mapimage_read(m, im, buf, want, pos);

		if (n <= 0)
			return n < 0 ? (int)n : -EIO;
		if (pwrite(fd, buf, (size_t)n, im->offset + pos) != n)
			return -errno;
		pos += n;
	}
	return 0;
}
