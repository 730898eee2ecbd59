/*
 * site.c - turning a stopped syscall into a site.
 *
 * At the seccomp stop (site_enter) we read what the replay key needs: the
 * file the call acts on (fd through /proc/TID/fd, or a path argument
 * resolved against its directory fd), its kind, the requested count, and
 * the ordinal; and what the call's flags say (flags.c).  At the exit stop
 * (site_exit) we read what only the result tells: the offset before the
 * call for position-based writes (position after minus result, right for
 * O_APPEND too), the CRC32 of the bytes written, and then hand the site
 * to the caller.  The copy calls, whose data is in a file and not in
 * memory, have their own rules (copy.c).
 *
 * Every length read from the tracee is bounded: paths by PATH_MAX (a path
 * that cannot be named in that gets a marker, see path_resolve: never a
 * cut or wrong one), iovec arrays by IOV_MAX and their sum by SSIZE_MAX,
 * data by opts->crc_limit.  A stored name that begins with '<' is never a
 * file (path_store).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "recorder/recorder_int.h"

#define CRC_CHUNK		(256u << 10)

int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

ssize_t
mem_read(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);

	return n < 0 ? -errno : n;
}

int
mem_write(pid_t tid, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = { (void *)buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	char name[64];
	ssize_t n;
	int fd;

	n = process_vm_writev(tid, &local, 1, &remote, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	/* read-only memory: /proc/TID/mem writes through page protections */
	snprintf(name, sizeof(name), "/proc/%d/mem", (int)tid);
	fd = open(name, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pwrite(fd, buf, len, (off_t)addr);
	close(fd);
	return n == (ssize_t)len ? 0 : -EFAULT;
}

/* A NUL-terminated string, read page by page so an unmapped tail is fine. */
int
mem_read_str(pid_t tid, uint64_t addr, char *buf, size_t size)
{
	size_t got = 0;

	while (got < size - 1) {
		size_t page_left = 4096 - ((addr + got) & 4095);
		size_t want = size - 1 - got;
		ssize_t n;

		if (want > page_left)
			want = page_left;
		n = mem_read(tid, addr + got, buf + got, want);
		if (n <= 0)
			return n < 0 ? (int)n : -EFAULT;
		if (memchr(buf + got, '\0', (size_t)n))
			return 0;
		got += (size_t)n;
	}
	buf[size - 1] = '\0';
	return -ENAMETOOLONG;
}

/*
 * Lexically normalize a path in place: "//", "/./" and "dir/.." go.  An
 * absolute path stays absolute ("/.." is "/"); a relative one keeps the
 * ".." it begins with (its base is unknown), and "" or "a/.." is ".".
 */
static void
path_normalize(char *p)
{
	bool abs = p[0] == '/';
	char *out = p, *in = p, *floor = p;	/* ".." never pops below floor */

	while (*in) {
		while (*in == '/')
			in++;
		if (!*in)
			break;
		char *seg = in;
		size_t len;

		while (*in && *in != '/')
			in++;
		len = (size_t)(in - seg);
		if (len == 1 && seg[0] == '.')
			continue;
		if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			if (out > floor) {
				while (out > floor && *--out != '/')
					;
				continue;
			}
			if (abs)
				continue;
		}
		/*
		 * out never passes in: each segment moves back or stays,
		 * with at most the one '/' that preceded it in the input
		 * (a relative path's first segment gets none).
		 */
		if (abs || out > p)
			*out++ = '/';
		memmove(out, seg, len);
		out += len;
		if (!abs && len == 2 && seg[0] == '.' && seg[1] == '.')
			floor = out;
	}
	if (out == p)
		*out++ = abs ? '/' : '.';
	*out = '\0';
}

/*
 * An absolute, normalized path as it is stored, in place: relative to the
 * run directory inside it, absolute elsewhere.  Stored names that begin
 * with '<' are never files ("<stdout>", "<too long>/x"), so a file whose
 * relative path would begin with '<' is stored as "./<stdout>" (the room
 * comes from the root prefix removed).  False if the result is PATH_MAX
 * bytes or longer, which no stored file path is.
 */
bool
path_store(const struct tracer *tr, char *p)
{
	size_t len;

	if (tr->rootlen == 0 || strncmp(p, tr->root, tr->rootlen) != 0 ||
	    (p[tr->rootlen] != '\0' && p[tr->rootlen] != '/'))
		return strlen(p) < PATH_MAX;
	if (p[tr->rootlen] == '\0') {
		memcpy(p, ".", 2);
		return true;
	}
	len = strlen(p + tr->rootlen + 1);
	if (p[tr->rootlen + 1] == '<') {
		memmove(p + 2, p + tr->rootlen + 1, len + 1);
		memcpy(p, "./", 2);
		len += 2;
	} else {
		memmove(p, p + tr->rootlen + 1, len + 1);
	}
	return len < PATH_MAX;
}

/* readlink of /proc/TID/WHAT; -ENAMETOOLONG if it does not fit in size. */
static int
proc_readlink(pid_t tid, const char *what, char *buf, size_t size)
{
	char name[64];
	ssize_t n;

	snprintf(name, sizeof(name), "/proc/%d/%s", (int)tid, what);
	n = readlink(name, buf, size - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n == size - 1)
		return -ENAMETOOLONG;		/* maybe cut short */
	buf[n] = '\0';
	return 0;
}

static enum rec_kind kind_of_mode(const struct stat *st);

/*
 * The kind of the file at path, relative to dfd (AT_FDCWD: absolute),
 * into *kind; returns whether it exists, and then *st is its lstat.
 * A path that does not exist yet will be a regular file.  A call that
 * follows the path (open, truncate) acts on what it names: a creating
 * open of /dev/null is "other", not a file to explore; one that does
 * not (unlink, rename, link) acts on the directory entry: a directory,
 * a FIFO, a socket, else (symbolic links too) a regular one.
 */
static bool
kind_of(int dfd, const char *path, bool follow, enum rec_kind *kind,
    struct stat *st)
{
	struct stat target;

	*kind = REC_KIND_REGULAR;
	if (fstatat(dfd, path, st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	if (S_ISDIR(st->st_mode))
		*kind = REC_KIND_DIR;
	else if (S_ISFIFO(st->st_mode))
		*kind = REC_KIND_PIPE;
	else if (S_ISSOCK(st->st_mode))
		*kind = REC_KIND_SOCKET;
	else if (follow && !S_ISLNK(st->st_mode))
		*kind = kind_of_mode(st);
	else if (follow && fstatat(dfd, path, &target, 0) == 0)
		*kind = kind_of_mode(&target);
	/* else an entry, or a dangling link: the call creates the target */
	return true;
}

/*
 * The same for what rel names in the tracee's directory WHAT ("cwd", "fd/N"),
 * through the /proc link, so it works where the directory's path
 * is too long to be named.
 */
static bool
kind_at(pid_t tid, const char *what, const char *rel, bool follow,
    enum rec_kind *kind, struct stat *st)
{
	char name[64];
	bool exists = false;
	int dfd;

	*kind = REC_KIND_REGULAR;
	snprintf(name, sizeof(name), "/proc/%d/%s", (int)tid, what);
	dfd = open(name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		exists = kind_of(dfd, rel, follow, kind, st);
		close(dfd);
	}
	return exists;
}

/*
 * Resolve a path argument against its directory fd, as the kernel will,
 * into out (PATH_CAP bytes).  When that cannot be named (docs/schema.md,
 * "Paths"), a marker: "<unreadable>" (the argument is not in readable
 * memory), "<too long>" (the argument is PATH_MAX bytes or more: the
 * kernel refuses it), "<too long>/ARG" (the directory's path and ARG
 * together are PATH_MAX bytes or more: the program reached it with chdir
 * or a directory fd), "<unknown>/ARG" (the directory has no path: a bad
 * fd).  ARG is the argument, normalized.  Returns whether the path
 * exists at the seccomp stop; then *st (if not NULL) is its lstat.
 */
static bool
path_resolve(struct tracer *tr, struct task *t, int dirfd_arg, uint64_t dirfd,
    uint64_t addr, char *out, enum rec_kind *kind, bool follow,
    struct stat *stp)
{
	/* an absolute directory path (< PATH_MAX), '/', the argument */
	char *full = malloc(2 * PATH_MAX + 1), *rel = malloc(PATH_MAX);
	struct stat local, *st = stp ? stp : &local;
	enum rec_kind k = REC_KIND_OTHER;
	const char *marker = NULL;
	bool exists = false;
	char what[48];
	int rc;

	if (!full || !rel) {
		snprintf(out, PATH_CAP, "<unknown>");
		goto out_free;
	}
	rc = mem_read_str(t->tid, addr, rel, PATH_MAX);
	if (rc < 0) {
		snprintf(out, PATH_CAP, "%s", rc == -ENAMETOOLONG ?
		    "<too long>" : "<unreadable>");
		goto out_free;
	}
	if (dirfd_arg < 0 || (int)dirfd == AT_FDCWD)
		snprintf(what, sizeof(what), "cwd");
	else
		snprintf(what, sizeof(what), "fd/%d", (int)dirfd);
	if (rel[0] == '/') {
		memcpy(full, rel, strlen(rel) + 1);
	} else if ((rc = proc_readlink(t->tid, what, full, PATH_MAX)) < 0 ||
	    full[0] != '/') {
		marker = rc == -ENAMETOOLONG ? "<too long>" : "<unknown>";
	} else {
		size_t len = strlen(full);

		full[len] = '/';
		memcpy(full + len + 1, rel, strlen(rel) + 1);
	}
	if (!marker) {
		path_normalize(full);
		exists = strlen(full) < PATH_MAX ?
		    kind_of(AT_FDCWD, full, follow, &k, st) :
		    kind_at(t->tid, what, rel, follow, &k, st);
		if (path_store(tr, full))
			snprintf(out, PATH_CAP, "%s", full);
		else
			marker = "<too long>";
	} else {
		exists = kind_at(t->tid, what, rel, follow, &k, st);
	}
	if (marker) {
		path_normalize(rel);
		snprintf(out, PATH_CAP, "%s/%s", marker, rel);
	}
out_free:
	if (kind)
		*kind = k;
	free(full);
	free(rel);
	return exists;
}

static enum rec_kind
kind_of_mode(const struct stat *st)
{
	if (S_ISREG(st->st_mode))
		return REC_KIND_REGULAR;
	if (S_ISDIR(st->st_mode))
		return REC_KIND_DIR;
	if (S_ISFIFO(st->st_mode))
		return REC_KIND_PIPE;
	if (S_ISSOCK(st->st_mode))
		return REC_KIND_SOCKET;
	/* pts (136-143), tty (4), console and /dev/tty (5) */
	if (S_ISCHR(st->st_mode) && (major(st->st_rdev) == 4 ||
	    major(st->st_rdev) == 5 || (major(st->st_rdev) >= 136 &&
	    major(st->st_rdev) <= 143)))
		return REC_KIND_TTY;
	return REC_KIND_OTHER;
}

/*
 * What /proc/TID/fdinfo/FD says of an fd: position, flags, and the
 * identity of the open file (mount id, inode), which validates the cached
 * path of the fd in one read instead of a readlink and a stat.
 */
struct fdinfo {
	int64_t		pos;
	unsigned	flags;
	int		mnt_id;
	uint64_t	ino;
};

static int64_t
field(const char *text, const char *name, int base)
{
	const char *s = strstr(text, name);

	return s ? strtoll(s + strlen(name), NULL, base) : -1;
}

static int
fdinfo_read(pid_t tid, int fd, struct fdinfo *fi)
{
	char name[64], text[1024];
	ssize_t n;
	int f;

	snprintf(name, sizeof(name), "/proc/%d/fdinfo/%d", (int)tid, fd);
	f = open(name, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -errno;
	n = read(f, text, sizeof(text) - 1);
	close(f);
	if (n <= 0)
		return -EIO;
	text[n] = '\0';
	fi->pos = field(text, "pos:", 10);
	fi->flags = (unsigned)field(text, "flags:", 8);
	fi->mnt_id = (int)field(text, "mnt_id:", 10);
	fi->ino = (uint64_t)field(text, "ino:", 10);
	return 0;
}

/*
 * The file behind an fd.  Streams get stable names instead of
 * "pipe:[1234]", so their keys match across runs.
 */
/* Is the tracee's fd the very open file that is badio's fd mine? */
static bool
same_open_file(const struct tracer *tr, pid_t tid, int fd, int mine)
{
	return syscall(SYS_kcmp, tr->self, tid, KCMP_FILE, mine, fd) == 0;
}

/*
 * Which of the program's own standard streams the file st is, or -1.
 * A pipe's or a file's inode is that stream's; but every open of
 * /dev/null or of a terminal shares the device's inode, so a character
 * device is the stream only as the same open file (a fresh /dev/null is
 * not <stdin>).  *shared is set when the answer depends on that, not on
 * the inode alone (the fd cache cannot keep it).
 */
static int
std_stream(const struct tracer *tr, pid_t tid, int fd, const struct stat *st,
    bool *shared)
{
	int found = -1;

	for (int i = 0; i < 3; i++) {
		if (!tr->std[i].valid || tr->std[i].dev != (uint64_t)st->st_dev ||
		    tr->std[i].ino != (uint64_t)st->st_ino)
			continue;
		if (tr->std[i].chr) {
			*shared = true;
			if (!same_open_file(tr, tid, fd, tr->std[i].fd))
				continue;
		}
		if (i == fd)
			return i;	/* stdout and stderr may be one file */
		if (found < 0)
			found = i;
	}
	return found;
}

/*
 * <tmpfile:DIR:N> into out (PATH_CAP bytes): the N-th O_TMPFILE file of
 * DIR, DIR (re-run spelling, translated here) relative to the run
 * directory when inside it.  A DIR too long for it is cut.
 */
static void
tmpfile_name(struct tracer *tr, char *dir, size_t dirsize, char *out)
{
	unsigned n;
	int len;

	namemap_translate(tr->names, dir, dirsize);
	n = tmpdir_next(tr, dir);
	len = snprintf(out, PATH_CAP, "<tmpfile:%s:%u>", dir, n);
	if (len < 0 || len >= PATH_CAP)
		out[PATH_CAP - 1] = '\0';
}

/*
 * The name of a regular file that has none left (st_nlink 0), from
 * readlink's "/dir/name (deleted)": the name it had, without the
 * suffix; an O_TMPFILE file ("/dir/#INODE") is <tmpfile:DIR:N>, the
 * name given at its open (tmpname_find), or the next one of DIR.
 */
static void
unlinked_name(struct tracer *tr, char *out, const struct stat *st)
{
	static const char suffix[] = " (deleted)";
	size_t len = strlen(out), slen = sizeof(suffix) - 1;
	const char *base, *name;
	char *end, dir[PATH_CAP];

	if (len > slen && strcmp(out + len - slen, suffix) == 0)
		out[len - slen] = '\0';
	path_store(tr, out);
	base = strrchr(out, '/');
	base = base ? base + 1 : out;
	if (base[0] != '#' || strtoull(base + 1, &end, 10) !=
	    (unsigned long long)st->st_ino || *end != '\0')
		return;
	name = tmpname_find(tr, (uint64_t)st->st_dev, (uint64_t)st->st_ino);
	if (name) {
		snprintf(out, PATH_CAP, "%s", name);
		return;
	}
	if (base == out)
		snprintf(dir, sizeof(dir), ".");
	else if (base == out + 1)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(base - out - 1), out);
	tmpfile_name(tr, dir, sizeof(dir), out);
	tmpname_put(tr, (uint64_t)st->st_dev, (uint64_t)st->st_ino, out);
}

static void
fd_lookup(struct tracer *tr, struct task *t, int fd, char *out,
    enum rec_kind *kind, bool *shared)
{
	static const char *const std_names[3] = {
		"<stdin>", "<stdout>", "<stderr>",
	};
	static const char *const kind_names[REC_KIND_COUNT] = {
		[REC_KIND_PIPE] = "<pipe>", [REC_KIND_SOCKET] = "<socket>",
		[REC_KIND_TTY] = "<tty>",
	};
	char what[48], name[80];
	struct stat st;
	size_t len;
	int std = -1, rc;

	snprintf(what, sizeof(what), "fd/%d", fd);
	/* the kernel names at most PATH_MAX - 1 bytes: longer fails */
	rc = proc_readlink(t->tid, what, out, PATH_MAX);
	snprintf(name, sizeof(name), "/proc/%d/fd/%d", (int)t->tid, fd);
	*kind = REC_KIND_OTHER;
	if (stat(name, &st) == 0) {
		*kind = kind_of_mode(&st);
		std = std_stream(tr, t->tid, fd, &st, shared);
	}
	if (std >= 0) {
		snprintf(out, PATH_CAP, "%s", std_names[std]);
	} else if (kind_names[*kind]) {
		snprintf(out, PATH_CAP, "%s", kind_names[*kind]);
	} else if (rc < 0) {
		snprintf(out, PATH_CAP, "<fd %d>", fd);
	} else if (out[0] == '/' && *kind == REC_KIND_REGULAR &&
	    st.st_nlink == 0) {
		unlinked_name(tr, out, &st);
	} else if (out[0] == '/') {
		path_store(tr, out);		/* shorter than it was */
	} else {
		/* "anon_inode:[eventfd]": no file, so a name in <> */
		len = strlen(out);
		memmove(out + 1, out, len);
		out[0] = '<';
		memcpy(out + len + 1, ">", 2);
	}
}

/* The position of a regular file's open file, read at first use. */
int64_t
fdref_pos(struct fdref *r)
{
	if (!r->pos_known) {
		r->pos = r->dupfd >= 0 ? lseek(r->dupfd, 0, SEEK_CUR) : -1;
		r->pos_known = true;
	}
	return r->pos;
}

/*
 * The fast path: badio's cached duplicate is still the very open file
 * of the tracee's fd (one kcmp: the fd was not closed, dup2'd over, or
 * closed by exec and opened again), so its kind, identity and path are
 * the cache's, and so are its flags unless some fcntl(F_SETFL) ran
 * since (filter.c stops there).  The position is read only if needed.
 */
static bool
fd_cached(struct tracer *tr, struct task *t, int fd, struct fdref *r,
    char *path, enum rec_kind *kind)
{
	struct fdcache_ent *e = fdcache_find(tr, task_tgid(t), fd);
	int fl;

	if (!e || e->dupfd < 0 || !same_open_file(tr, t->tid, fd, e->dupfd))
		return false;
	if (e->flgen != tr->flags_gen) {
		if ((fl = fcntl(e->dupfd, F_GETFL)) < 0)
			return false;
		e->fl = (unsigned)fl;
		e->flgen = tr->flags_gen;
	}
	r->dupfd = e->dupfd;
	r->cached = true;
	r->dev = e->dev;
	r->ino = e->ino;
	r->fl = e->fl;
	memcpy(path, e->path, e->len + 1);
	*kind = e->kind;
	tr->res->stops.fd_cached++;
	return true;
}

/* A regular file's duplicate goes into its cache entry, which owns it. */
static void
fd_adopt(struct tracer *tr, struct fdcache_ent *e, struct fdref *r)
{
	if (!e || r->dupfd < 0 || e->kind != REC_KIND_REGULAR)
		return;
	if (e->dupfd >= 0 && e->dupfd != r->dupfd)
		close(e->dupfd);
	e->dupfd = r->dupfd;
	e->fl = r->fl;
	e->flgen = tr->flags_gen;
	r->cached = true;
}

/*
 * The fd's file.  The fd is duplicated into badio with pidfd_getfd (the
 * same open file description: same position, same flags), which gives
 * kind, identity and flags in cheap calls; the path is cached per
 * process and fd while the identity stays the same, and so is a regular
 * file's duplicate (fd_cached).  Without pidfd_getfd (kernel < 5.6, a
 * container's filter) /proc fdinfo serves.  The caller owns r->dupfd
 * (-1 without one) unless r->cached: then it is the cache's, valid until
 * the tracee is resumed (site_hold).
 */
void
fd_open(struct tracer *tr, struct task *t, int fd, struct fdref *r,
    char *path, enum rec_kind *kind)
{
	pid_t tgid = task_tgid(t);
	const struct fdcache_ent *e;
	uint64_t dev, ino;
	struct fdinfo fi;
	struct stat st;
	int pidfd, fl, unlinked = -1;

	*r = (struct fdref){ .dupfd = -1, .pos = -1, .pos_known = true };
	if (fd_cached(tr, t, fd, r, path, kind)) {
		r->pos_known = *kind != REC_KIND_REGULAR;
		return;
	}
	pidfd = proc_pidfd(tr, tgid);
	r->dupfd = pidfd >= 0 ? pidfd_getfd(pidfd, fd, 0) : -1;
	if (r->dupfd >= 0 && fstat(r->dupfd, &st) == 0 &&
	    (fl = fcntl(r->dupfd, F_GETFL)) >= 0) {
		dev = (uint64_t)st.st_dev;
		ino = (uint64_t)st.st_ino;
		r->dev = dev;
		r->ino = ino;
		r->fl = (unsigned)fl;
		if (S_ISREG(st.st_mode)) {
			r->pos_known = false;
			unlinked = st.st_nlink == 0;
		}
	} else if (r->dupfd >= 0 || errno != EBADF) {
		if (r->dupfd >= 0)
			close(r->dupfd);
		r->dupfd = -1;
		if (fdinfo_read(t->tid, fd, &fi) < 0)
			goto out_unknown;
		dev = (uint64_t)fi.mnt_id | (1ull << 63);
		ino = fi.ino;
		r->pos = fi.pos;
		r->fl = fi.flags;
	} else {
		goto out_unknown;
	}
	e = fdcache_get(tr, tgid, fd, dev, ino, unlinked);
	if (e) {
		memcpy(path, e->path, e->len + 1);
		*kind = e->kind;
		fd_adopt(tr, fdcache_find(tr, tgid, fd), r);
	} else {
		bool shared = false;

		fd_lookup(tr, t, fd, path, kind, &shared);
		if (!shared)
			fd_adopt(tr, fdcache_put(tr, tgid, fd, dev, ino,
			    unlinked, *kind, path), r);
	}
	return;
out_unknown:
	snprintf(path, PATH_CAP, "<fd %d>", fd);
	*kind = REC_KIND_OTHER;
}

static void
fd_resolve(struct tracer *tr, struct task *t, struct pending *p)
{
	struct fdref r;

	fd_open(tr, t, p->fd, &r, p->path, &p->kind);
	p->dupfd = r.dupfd;
	p->dup_cached = r.cached;
	p->dev = r.dev;
	p->ino = r.ino;
	p->dev_known = r.dev != 0;
	p->pos = r.pos;
	p->pos_known = r.pos_known;
	p->fdflags = r.fl;
	p->append = (r.fl & O_APPEND) != 0;
	p->direct = (r.fl & O_DIRECT) != 0;
	p->writable = (r.fl & O_ACCMODE) != O_RDONLY;
	/*
	 * Only a regular file's duplicate is kept (for emulation and the
	 * O_APPEND offset).  Holding a pipe's or socket's open would keep
	 * its reader from ever seeing end-of-file.
	 */
	if (p->kind != REC_KIND_REGULAR && p->dupfd >= 0) {
		if (!p->dup_cached)
			close(p->dupfd);
		p->dupfd = -1;
		p->dup_cached = false;
	}
}

/* The position of the pending fd's open file at the seccomp stop. */
int64_t
pending_pos(struct pending *p)
{
	if (!p->pos_known) {
		p->pos = p->dupfd >= 0 ? lseek(p->dupfd, 0, SEEK_CUR) : -1;
		p->pos_known = true;
	}
	return p->pos;
}

/*
 * The site goes on past this stop (to its exit stop): it takes its own
 * duplicates (a cached one may be closed meanwhile, when another thread
 * reuses the fd or renames a file) and reads the position the call
 * starts from, before the kernel moves it.
 */
void
site_hold(struct task *t)
{
	struct pending *p = &t->p;

	pending_pos(p);
	if (p->dup_cached)
		p->dupfd = p->dupfd >= 0 ? fcntl(p->dupfd, F_DUPFD_CLOEXEC, 0) : -1;
	if (p->dup2_cached)
		p->dupfd2 = p->dupfd2 >= 0 ?
		    fcntl(p->dupfd2, F_DUPFD_CLOEXEC, 0) : -1;
	p->dup_cached = false;
	p->dup2_cached = false;
}

/*
 * Total bytes of an iovec array in the tracee; -1 if unreadable, or if
 * the lengths add up past SSIZE_MAX (the kernel refuses such lengths; a
 * wrapped sum would look like a small write).
 */
static int64_t
iov_total(pid_t tid, uint64_t addr, uint64_t cnt)
{
	struct iovec iov[64];
	uint64_t total = 0;

	if (cnt > IOV_MAX)
		return -1;
	for (uint64_t i = 0; i < cnt; i += 64) {
		size_t n = cnt - i < 64 ? (size_t)(cnt - i) : 64;

		if (mem_read(tid, addr + i * sizeof(struct iovec), iov,
		    n * sizeof(struct iovec)) != (ssize_t)(n * sizeof(struct iovec)))
			return -1;
		for (size_t j = 0; j < n; j++) {
			if (iov[j].iov_len > (uint64_t)SSIZE_MAX - total)
				return -1;
			total += iov[j].iov_len;
		}
	}
	return (int64_t)total;
}

static bool
is_tmpfile(uint64_t flags)
{
	return (flags & O_TMPFILE) == O_TMPFILE;
}

static bool
open_is_tmpfile(struct task *t, const struct sysent *sc, const uint64_t *args)
{
	uint64_t flags;

	return open_flags(t, sc, args, &flags) && is_tmpfile(flags);
}

/* An open is a site if it creates, truncates or makes an O_TMPFILE. */
static bool
open_creates(struct task *t, const struct sysent *sc, const uint64_t *args)
{
	uint64_t flags;

	/* unreadable open_how: stop anyway, the kernel will say EFAULT */
	return !open_flags(t, sc, args, &flags) ||
	    (flags & (O_CREAT | O_TRUNC)) != 0 || is_tmpfile(flags);
}

/* Close what a pending site holds; safe to call twice. */
void
pending_release(struct pending *p)
{
	if (p->dupfd >= 0 && !p->dup_cached)
		close(p->dupfd);
	p->dupfd = -1;
	p->dup_cached = false;
	if (p->dupfd2 >= 0 && !p->dup2_cached)
		close(p->dupfd2);
	p->dupfd2 = -1;
	p->dup2_cached = false;
}

static void
pending_reset(struct pending *p, const struct sysent *sc, const uint64_t *args)
{
	p->sc = sc;
	memcpy(p->args, args, sizeof(p->args));
	p->fd = -1;
	p->path[0] = '\0';
	p->has_path2 = false;
	p->kind = REC_KIND_OTHER;
	p->count = -1;
	p->offset = -1;
	p->fault = REC_FAULT_NONE;
	p->how = HOW_NONE;
	p->err = 0;
	p->keep = 0;
	p->target = false;
	p->done = 0;
	p->dev = 0;
	p->ino = 0;
	p->dev_known = false;
	p->mapped = false;
	p->rule_exit = 0;
	p->blocks = -1;
	p->victim = 0;
	p->iov_restore = false;
	p->pos = -1;
	p->pos_known = true;
	p->append = false;
	p->direct = false;
	p->fdflags = 0;
	p->writable = false;
	p->dupfd = -1;
	p->dup_cached = false;
	p->existed = false;
	p->existed2 = false;
	p->fd2 = -1;
	p->dupfd2 = -1;
	p->dup2_cached = false;
	p->kind2 = REC_KIND_OTHER;
	p->offset2 = -1;
	p->to_eof = false;
	p->tmpfile = false;
	p->may_create = false;
	p->same_file = false;
	p->flags[0] = '\0';
	p->crc_done = false;
	p->data_ready = false;
	p->callsite = 0;
	p->nframes = 0;
	p->unwound = false;
	p->creates = 0;
	p->name_token = 0;
	p->tmpfile_open = false;
	p->jop = NULL;
}

/*
 * An O_TMPFILE open: its path argument is the directory; the file is
 * <tmpfile:DIR:N>, the N-th O_TMPFILE open in DIR (recorded spelling),
 * the same in every run, unlike the inode number in its /proc name.
 */
static void
tmpfile_path(struct tracer *tr, struct pending *p)
{
	char dir[PATH_CAP];

	memcpy(dir, p->path, PATH_CAP);
	tmpfile_name(tr, dir, sizeof(dir), p->path);
	p->kind = REC_KIND_REGULAR;
	p->tmpfile_open = true;
}

/* What mknod makes, from its mode. */
static enum rec_kind
mknod_kind(uint64_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFIFO:	return REC_KIND_PIPE;
	case S_IFSOCK:	return REC_KIND_SOCKET;
	case S_IFCHR:
	case S_IFBLK:	return REC_KIND_OTHER;
	default:	return REC_KIND_REGULAR;	/* S_IFREG or 0 */
	}
}

/*
 * The fd a linkat source names, if it names one: linkat(fd, "", ...,
 * AT_EMPTY_PATH), or "/proc/self/fd/N" (or thread-self, or a pid) with
 * AT_SYMLINK_FOLLOW, the two ways to give an O_TMPFILE file a name.  The
 * "self" there is the tracee, not badio.  Sets *pid and *fd.
 */
static bool
link_source_fd(struct task *t, const struct sysent *sc, const uint64_t *args,
    pid_t *pid, int *fd)
{
	uint64_t flags = args[(int)sc->flags];
	char text[64], rest[16], who[16];
	int n = 0;

	if (mem_read_str(t->tid, args[(int)sc->path2], text, sizeof(text)) < 0)
		return false;
	if ((flags & AT_EMPTY_PATH) && text[0] == '\0') {
		*pid = t->tid;
		*fd = (int)args[(int)sc->dirfd2];
		return true;
	}
	if (!(flags & AT_SYMLINK_FOLLOW) ||
	    sscanf(text, "/proc/%15[^/]/fd/%d%n", who, fd, &n) != 2 ||
	    (text[n] != '\0' && strcmp(text + n, "/") != 0) || *fd < 0)
		return false;
	if (strcmp(who, "self") == 0)
		*pid = task_tgid(t);
	else if (strcmp(who, "thread-self") == 0)
		*pid = t->tid;
	else if (sscanf(who, "%d%15s", pid, rest) != 1 || *pid <= 0)
		return false;
	return true;
}

/*
 * path2: a rename's target, a link's existing file.  A link through an
 * fd names the fd's file (a file made with O_TMPFILE has no name: its
 * <tmpfile:DIR:N>, flagged tmpfile).  Returns whether it exists; then
 * *st is its stat.
 */
static bool
path2_resolve(struct tracer *tr, struct task *t, const struct sysent *sc,
    const uint64_t *args, struct stat *st)
{
	struct pending *p = &t->p;
	char what[24], name[64];
	pid_t pid;
	int fd;

	if (!(sc->decode & D_LINK) || !link_source_fd(t, sc, args, &pid, &fd))
		return path_resolve(tr, t, sc->dirfd2, sc->dirfd2 >= 0 ?
		    args[(int)sc->dirfd2] : 0, args[(int)sc->path2], p->path2,
		    NULL, false, st);
	snprintf(what, sizeof(what), "fd/%d", fd);
	/* the kernel names at most PATH_MAX - 1 bytes: longer fails */
	if (proc_readlink(pid, what, p->path2, PATH_MAX) < 0 ||
	    p->path2[0] != '/') {
		snprintf(p->path2, PATH_CAP, "<fd %d>", fd);
		return false;
	}
	snprintf(name, sizeof(name), "/proc/%d/fd/%d", (int)pid, fd);
	if (stat(name, st) < 0) {
		path_store(tr, p->path2);	/* shorter than it was */
		return false;
	}
	p->tmpfile = st->st_nlink == 0;
	if (p->tmpfile && S_ISREG(st->st_mode))
		unlinked_name(tr, p->path2, st);	/* <tmpfile:DIR:N> */
	else
		path_store(tr, p->path2);
	return true;
}

static void
decode_target(struct tracer *tr, struct task *t, const struct sysent *sc,
    const uint64_t *args)
{
	struct pending *p = &t->p;
	struct stat st, st2;

	if (sc->fd >= 0) {
		p->fd = (int)args[(int)sc->fd];
		fd_resolve(tr, t, p);
	} else if (sc->path >= 0) {
		p->existed = path_resolve(tr, t, sc->dirfd, sc->dirfd >= 0 ?
		    args[(int)sc->dirfd] : 0, args[(int)sc->path], p->path,
		    &p->kind, (sc->decode & D_FOLLOW) != 0, &st);
		if ((sc->decode & D_RMDIR_FLAG) &&
		    (args[(int)sc->flags] & AT_REMOVEDIR))
			p->kind = REC_KIND_DIR;
		if (sc->decode & D_DIR)
			p->kind = REC_KIND_DIR;
		if (sc->decode & D_MKNOD)
			p->kind = mknod_kind(args[(int)sc->flags]);
		if ((sc->decode & D_OPEN) && open_is_tmpfile(t, sc, args))
			tmpfile_path(tr, p);
	} else if (sc->decode & (D_MSYNC | D_MUNMAP | D_MREMAP)) {
		;			/* mapping_enter, from the tables */
	} else {
		snprintf(p->path, PATH_CAP, "<all>");
	}
	if (sc->path2 >= 0 && (sc->decode & D_SYMLINK)) {
		/* the link's text, as the program gave it: never resolved */
		if (mem_read_str(t->tid, args[(int)sc->path2], p->path2,
		    PATH_CAP) < 0)
			snprintf(p->path2, PATH_CAP, "<unreadable>");
		p->has_path2 = true;
	} else if (sc->path2 >= 0) {
		p->existed2 = path2_resolve(tr, t, sc, args, &st2);
		p->has_path2 = true;
	}
	/* two links of one file: rename(2) does nothing and returns 0 */
	p->same_file = (sc->decode & D_RENAME) && p->existed && p->existed2 &&
	    st.st_dev == st2.st_dev && st.st_ino == st2.st_ino;
}

/*
 * Which of its names the call brings into existence, if it succeeds
 * (sites.creates): an O_CREAT open's path that was not there, the new
 * name of mkdir, link, symlink, mknod (path), a rename's target that
 * was not there (path2).
 */
static void
creates_enter(struct pending *p)
{
	const struct sysent *sc = p->sc;

	if ((sc->decode & D_OPEN) ? p->may_create :
	    (sc->decode & D_NEWNAME) && !p->existed)
		p->creates = 1;
	else if ((sc->decode & D_RENAME) && p->has_path2 && !p->existed2)
		p->creates = 2;
}

/*
 * A re-run's names in the recording's spelling (namemap.c): a name this
 * call creates may take a recorded one; every other path is translated
 * through the names taken so far (a symlink's text is not a path).
 */
static void
names_enter(struct tracer *tr, struct pending *p)
{
	char *const paths[2] = { p->path, p->has_path2 &&
	    !(p->sc->decode & D_SYMLINK) ? p->path2 : NULL };

	for (int i = 0; tr->names && i < 2 && paths[i]; i++) {
		if (p->creates == i + 1)
			p->name_token = namemap_create(tr->names, paths[i],
			    PATH_CAP, (int64_t)p->callsite);
		else
			namemap_translate(tr->names, paths[i], PATH_CAP);
	}
}

/*
 * The call site; at the first site of a call site, its frames (a full
 * libdw unwind with --stacks, else those of the call-site walk).
 */
static void
callsite_enter(struct tracer *tr, struct task *t, uint64_t ip, uint64_t sp)
{
	struct pending *p = &t->p;
	unsigned n;

	if (tr->no_callsite)
		return;
	p->callsite = callsite_walk(tr, t, ip, sp, p->frames, &n);
	if (!p->callsite || !callsite_first(tr, p->callsite))
		return;
	p->nframes = n;
	if (tr->opts->stacks && unwind_frames(tr, t, p->frames, REC_MAX_FRAMES,
	    &n) == 0 && n > 0) {
		p->nframes = n;
		p->unwound = true;
	}
}

/*
 * Is a written regular file's fd closed?  Only an fd open for writing:
 * NFS and FUSE flush (and report deferred write errors) when one closes.
 */
static bool
close_is_site(struct tracer *tr, const struct pending *p)
{
	return p->kind == REC_KIND_REGULAR && p->dev_known && p->writable &&
	    written_has(tr, p->dev, p->ino);
}

/*
 * Calls the filter stops that are sites only on what they act on: the
 * mmap family and msync (the mapping tables), close (a written file).
 * Sites on a mapped file are marked; an fsync or fdatasync of one
 * names the range that is mapped.
 */
static bool
site_kept(struct tracer *tr, struct task *t)
{
	struct pending *p = &t->p;
	const struct sysent *sc = p->sc;
	int64_t off, len;

	if ((sc->decode & (D_MMAP | D_MUNMAP | D_MREMAP | D_MSYNC)))
		return mapping_enter(tr, t) == 1;
	if ((sc->decode & D_CLOSE) && !close_is_site(tr, p))
		return false;
	if (p->dev_known && p->kind == REC_KIND_REGULAR &&
	    mapping_of_file(tr, p->dev, p->ino, &off, &len)) {
		p->mapped = true;
		if (sc->pub.nr == __NR_fsync || sc->pub.nr == __NR_fdatasync) {
			p->offset = off;
			p->count = len;
		}
	}
	return true;
}

/*
 * At the seccomp stop: decode the call and give it its seq and ordinal.
 * Returns 1 if the call is a site, 0 if it is not (a plain openat2, an
 * anonymous mmap in the window, a close of a file nobody wrote).
 */
int
site_enter(struct tracer *tr, struct task *t, const struct sysent *sc,
    const uint64_t args[6], uint64_t ip, uint64_t sp)
{
	struct pending *p = &t->p;

	if ((sc->decode & D_OPEN) && !open_creates(t, sc, args))
		return 0;
	if ((sc->decode & D_IOCTL) && !ioctl_traced(sc, args))
		return 0;
	pending_reset(p, sc, args);
	p->t_ns = now_ns() - tr->start_ns;
	decode_target(tr, t, sc, args);
	if (sc->count >= 0)
		p->count = (sc->decode & D_IOV) ?
		    iov_total(t->tid, args[(int)sc->buf], args[(int)sc->count]) :
		    (int64_t)args[(int)sc->count];
	if (sc->offset >= 0 && (sc->decode & D_OFF_PTR))
		p->offset = mem_read_loff(t->tid, args[(int)sc->offset]);
	else if (sc->offset >= 0 && !((sc->decode & D_OFF_OR_CUR) &&
	    (int64_t)args[(int)sc->offset] == -1))
		p->offset = (int64_t)args[(int)sc->offset];
	/*
	 * pwritev2's RWF_APPEND, and Linux's pwrite on an O_APPEND fd (the
	 * BUGS of pwrite(2)), put the data at the end of file whatever the
	 * offset says.
	 */
	if (sc->pub.family == REC_FAM_WRITE && !(sc->decode & D_OFF_PTR) &&
	    (((sc->decode & D_OFF_OR_CUR) && (args[5] & RWF_APPEND)) ||
	    (p->offset >= 0 && p->append))) {
		p->to_eof = true;
		p->offset = -1;
	}
	if (sc->decode & D_COPY)
		copy_enter(tr, t);
	flags_enter(t);
	if (!site_kept(tr, t)) {
		pending_release(p);
		return 0;
	}
	callsite_enter(tr, t, ip, sp);
	creates_enter(p);
	names_enter(tr, p);
	if (t->rs.valid && t->rs.nr == sc->pub.nr &&
	    strcmp(t->rs.path, p->path) == 0) {
		/* the same call, restarted after a signal handler */
		p->seq = t->rs.seq;
		p->ordinal = t->rs.ordinal;
		t->rs.valid = false;
	} else {
		p->seq = ++tr->next_seq;
		p->ordinal = counter_next(tr, sc->pub.family, p->path);
	}
	p->active = true;
	return 1;
}

/* The checksum of len bytes at addr (or of an iovec array), bounded by crc_limit. */
static int64_t
data_crc(struct tracer *tr, struct task *t, uint64_t len, uint64_t *crc)
{
	const struct sysent *sc = t->p.sc;
	uint64_t limit = tr->opts->crc_limit ? tr->opts->crc_limit :
	    CRC_LIMIT_DEFAULT;
	uint64_t done = 0;
	struct iovec iov;
	uint64_t idx = 0, iov_off = 0, iovcnt;

	if (len > limit)
		len = limit;
	iov.iov_base = (void *)(uintptr_t)t->p.args[(int)sc->buf];
	iov.iov_len = len;
	iovcnt = (sc->decode & D_IOV) ? t->p.args[(int)sc->count] : 1;
	if (iovcnt > IOV_MAX)
		return -1;
	hasher_reset(tr->hasher);
	while (done < len && idx < iovcnt) {
		uint64_t want;
		ssize_t n;

		if ((sc->decode & D_IOV) && iov_off == 0 &&
		    mem_read(t->tid, t->p.args[(int)sc->buf] + idx * sizeof(iov),
		    &iov, sizeof(iov)) != sizeof(iov))
			break;
		want = iov.iov_len - iov_off;
		if (want > len - done)
			want = len - done;
		if (want > tr->bufsize)
			want = tr->bufsize;
		if (want == 0) {
			idx++;
			iov_off = 0;
			continue;
		}
		n = mem_read(t->tid, (uint64_t)(uintptr_t)iov.iov_base + iov_off,
		    tr->buf, want);
		if (n <= 0)
			break;
		hasher_add(tr->hasher, tr->buf, (size_t)n);
		done += (uint64_t)n;
		iov_off += (uint64_t)n;
		if (iov_off >= iov.iov_len) {
			idx++;
			iov_off = 0;
		}
	}
	*crc = hasher_digest(tr->hasher);
	return (int64_t)done;
}

static void
emit(struct tracer *tr, struct task *t, int64_t rval, bool has_rval,
    bool append, uint64_t crc, int64_t crc_bytes, const char *creates)
{
	struct pending *p = &t->p;
	char key[PATH_CAP + 32];		/* family:path:ordinal */
	pid_t pid, tid;
	struct rec_site s;

	task_ns_ids(tr, t, &pid, &tid);
	s = (struct rec_site){
		.seq = p->seq, .pid = pid, .tid = tid,
		.process = t->process, .thread = t->thread,
		.sc = &p->sc->pub, .fd = p->fd, .path = p->path,
		.path2 = p->has_path2 ? p->path2 : NULL, .kind = p->kind,
		.offset = p->offset, .count = p->count, .result = rval,
		.has_result = has_rval, .append = append, .t_ns = p->t_ns,
		.xxh3 = crc, .crc_bytes = crc_bytes, .ordinal = p->ordinal,
		.key = key, .fault = p->fault, .callsite = (int64_t)p->callsite,
		.offset2 = p->offset2, .flags = p->flags[0] ? p->flags : NULL,
		.frames = p->nframes ? p->frames : NULL, .nframes = p->nframes,
		.unwound = p->unwound, .mapped = p->mapped,
		.maps = tr->maps && tr->opts->map_copies ? tr->maps : NULL,
		.creates = creates,
	};

	rec_key_format(key, sizeof(key), p->sc->pub.family, p->path, p->ordinal);
	if (t->process == 1 && !tr->root_ns_pid)
		tr->root_ns_pid = pid;
	tr->res->sites++;
	if (tr->fn && !tr->cb_error) {
		tr->cb_error = tr->fn(tr->ctx, &s);
		if (tr->cb_error)
			tracer_kill_all(tr, REC_INTERRUPTED);
	}
}

/* What a completed call changes in the tables. */
static void
site_effects(struct tracer *tr, struct task *t, int64_t rval)
{
	const struct pending *p = &t->p;
	enum rec_family fam = p->sc->pub.family;

	if (fam == REC_FAM_MMAP || (p->sc->decode & D_MSYNC))
		mapping_exit(tr, t, rval);
	else if (fam == REC_FAM_SYNC && rval == 0)
		mapping_synced(tr, t);
	if (tr->opts->trace_close && p->dev_known && rval >= 0 &&
	    (fam == REC_FAM_WRITE || fam == REC_FAM_MMAP))
		written_add(tr, p->dev, p->ino);
}

/*
 * The offset of a position-based write (no offset argument): the
 * position before the call, except where the kernel moves to the end
 * first: with O_APPEND, the position after the call minus the bytes
 * written; where an offset argument was ignored for the end of file
 * (to_eof), the size after the call minus the bytes written, since the
 * position does not move.
 */
void
site_write_offset(struct task *t, int64_t done, bool has_rval)
{
	struct pending *p = &t->p;
	int64_t end = -1;
	struct fdinfo fi;
	struct stat st;

	if (p->sc->pub.family != REC_FAM_WRITE || p->offset >= 0 ||
	    p->kind != REC_KIND_REGULAR || (p->sc->decode & D_IOCTL))
		return;
	if (!p->append && !p->to_eof) {
		p->offset = pending_pos(p);
		return;
	}
	if (!has_rval)
		return;
	if (p->to_eof)
		end = p->dupfd >= 0 && fstat(p->dupfd, &st) == 0 ?
		    st.st_size : -1;
	else if (p->dupfd >= 0)
		end = lseek(p->dupfd, 0, SEEK_CUR);
	else if (fdinfo_read(t->tid, p->fd, &fi) == 0)
		end = fi.pos;
	if (end >= 0)
		p->offset = end - (done > 0 ? done : 0);
}

/*
 * An O_TMPFILE open returned fd: its name is <tmpfile:DIR:N> for every
 * fd on that file, in every process (tmpname_put), whatever its inode
 * number in /proc.
 */
static void
tmpfile_opened(struct tracer *tr, struct task *t, int fd)
{
	pid_t tgid = task_tgid(t);
	int pidfd = proc_pidfd(tr, tgid), dup;
	struct fdinfo fi;
	struct stat st;

	if (pidfd >= 0 && (dup = pidfd_getfd(pidfd, fd, 0)) >= 0) {
		if (fstat(dup, &st) == 0) {
			tmpname_put(tr, (uint64_t)st.st_dev,
			    (uint64_t)st.st_ino, t->p.path);
			fdcache_put(tr, tgid, fd, (uint64_t)st.st_dev,
			    (uint64_t)st.st_ino, st.st_nlink == 0,
			    REC_KIND_REGULAR, t->p.path);
		}
		close(dup);
	} else if (fdinfo_read(t->tid, fd, &fi) == 0) {
		fdcache_put(tr, tgid, fd, (uint64_t)fi.mnt_id | (1ull << 63),
		    fi.ino, -1, REC_KIND_REGULAR, t->p.path);
	}
}

/*
 * The names part of a finished site: a tentative recorded name is
 * settled, and the name the call created (if it did) is returned.
 */
static const char *
names_exit(struct tracer *tr, struct task *t, bool ok, int64_t rval)
{
	struct pending *p = &t->p;

	if (p->name_token)
		namemap_settle(tr->names, p->name_token, ok);
	p->name_token = 0;
	if (p->tmpfile_open && ok)
		tmpfile_opened(tr, t, (int)rval);
	/* a failed attempt names what it tried to create (sites.creates) */
	return p->creates == 1 ? p->path : p->creates == 2 ? p->path2 : NULL;
}

/*
 * At the exit stop (or when the task died inside the call): finish the
 * site and report it.
 */
void
site_exit(struct tracer *tr, struct task *t, int64_t rval, bool has_rval)
{
	struct pending *p = &t->p;
	/* what the kernel really did, before a fault replaced the result */
	int64_t done = p->how == HOW_CUT_FAIL ? p->done : rval;
	const struct sysent *sc = p->sc;
	uint64_t crc = 0;
	int64_t crc_bytes = -1;

	site_write_offset(t, done, has_rval);
	if (p->crc_done) {
		crc = p->crc;
		crc_bytes = p->crc_bytes;
	} else if (has_rval && sc->buf >= 0) {
		uint64_t len = done >= 0 ? (uint64_t)done :
		    (p->count > 0 ? (uint64_t)p->count : 0);

		crc_bytes = data_crc(tr, t, len, &crc);
	} else if (has_rval && (sc->decode & D_COPY)) {
		crc_bytes = copy_crc(tr, t, done, &crc);
	}
	flags_exit(t, rval, has_rval);
	if (has_rval)
		site_effects(tr, t, rval);
	if (tr->journal)
		journal_exit(tr, t, rval, has_rval);
	pending_release(p);
	emit(tr, t, rval, has_rval, p->append, crc, crc_bytes,
	    names_exit(tr, t, has_rval && rval >= 0, rval));
	/* names changed or went: cached fd paths may be stale */
	if (sc->pub.family == REC_FAM_NAMESPACE && !(sc->decode & D_OPEN) &&
	    !(sc->decode & D_NEWNAME) && sc->fd < 0 && has_rval && rval == 0)
		fdcache_flush(tr, 0);
	p->active = false;
}

/*
 * A write left to the kernel with no exit stop (emulate_lite): reported
 * at its seccomp stop with its identity only (rec_opts.sites_lite).
 */
void
site_exit_lite(struct tracer *tr, struct task *t)
{
	struct pending *p = &t->p;

	pending_release(p);
	emit(tr, t, 0, false, p->append, 0, -1, NULL);
	p->active = false;
}

/*
 * The END site: the program has exited and every traced process is gone
 * (docs/design.md "Undo journal").  The power target there is injected
 * now: crash_cb follows (recorder.c).
 */
void
site_end(struct tracer *tr)
{
	const struct rec_target *tg = tr->opts->target;
	const struct rec_sysent *sc = rec_sysent_end();
	char key[32];
	struct rec_site s;

	if (tg && !tr->res->injected && tg->family == REC_FAM_END &&
	    tg->ordinal == 1 && rec_fault_applies(tg->fault, sc, -1)) {
		tr->res->injected = true;
		tr->power = true;
	}
	rec_key_format(key, sizeof(key), REC_FAM_END, "<end>", 1);
	s = (struct rec_site){
		/* PROG's main thread: tid = pid (its first site may be a thread's) */
		.seq = ++tr->next_seq, .pid = tr->root_ns_pid ? tr->root_ns_pid :
		    tr->root_pid, .tid = tr->root_ns_pid ? tr->root_ns_pid :
		    tr->root_pid, .process = 1, .thread = 1, .sc = sc, .fd = -1,
		.path = "<end>", .kind = REC_KIND_OTHER, .offset = -1,
		.count = -1, .offset2 = -1, .result = 0, .has_result = true,
		.t_ns = now_ns() - tr->start_ns, .crc_bytes = -1, .ordinal = 1,
		.key = key, .fault = tr->power && tg &&
		    tg->family == REC_FAM_END ? tg->fault : REC_FAULT_NONE,
		.maps = tr->maps && tr->opts->map_copies ? tr->maps : NULL,
	};
	tr->res->sites++;
	if (tr->fn && !tr->cb_error)
		tr->cb_error = tr->fn(tr->ctx, &s);
}
