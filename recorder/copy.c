/*
 * copy.c - copy_file_range, sendfile, splice and the reflink ioctls
 * (FICLONE, FICLONERANGE): writes whose data moves inside the kernel from
 * one fd to another, never through the program's memory (`cp` clones
 * where the file system can, else copies with copy_file_range).  They are write-family
 * sites of the output fd (path, kind, offset: a splice into a pipe or a
 * sendfile into a socket is no file write, and has that kind), with the
 * source in path2 and offset2.
 *
 * At the seccomp stop (copy_enter): the source fd, its offset before the
 * call (*off_in, or the file position when the pointer is NULL), and the
 * count clamped to what the source holds past that offset (a regular
 * file's size, a pipe's unread bytes), because callers ask for far more
 * than there is (cp asks for 2^63 bytes) and a short fault must cut what
 * would really move (inject.c halves the length argument).
 *
 * At the exit stop (copy_crc): the CRC32 of the bytes moved, read back
 * from the destination range (through badio's duplicate of the output fd
 * when it is open for reading), else from the source range, else from the
 * destination reopened read-only through /proc/TID/fd; none when neither
 * end is a regular file.  Bounded by crc_limit like every CRC.
 */
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recorder/recorder_int.h"

/* The loff_t at addr in the tracee; -1 for NULL or unreadable memory. */
int64_t
mem_read_loff(pid_t tid, uint64_t addr)
{
	int64_t v;

	if (addr == 0 || mem_read(tid, addr, &v, sizeof(v)) != sizeof(v))
		return -1;
	return v;
}

/* Bytes the source holds past its offset, or -1 if unknown. */
static int64_t
source_left(struct pending *p)
{
	struct stat st;
	int n;

	if (p->dupfd2 < 0)
		return -1;
	if (p->kind2 == REC_KIND_REGULAR && p->offset2 >= 0 &&
	    fstat(p->dupfd2, &st) == 0)
		return st.st_size > p->offset2 ? st.st_size - p->offset2 : 0;
	/* an empty pipe: the call waits for a writer, nothing to clamp to */
	if (p->kind2 == REC_KIND_PIPE && ioctl(p->dupfd2, FIONREAD, &n) == 0 &&
	    n > 0)
		return n;
	return -1;
}

/* The source fd: path2, kind2, and badio's duplicate while it is a file. */
static void
source_open(struct tracer *tr, struct task *t, int fd, struct fdref *r)
{
	struct pending *p = &t->p;

	p->fd2 = fd;
	fd_open(tr, t, fd, r, p->path2, &p->kind2);
	p->has_path2 = true;
	p->dupfd2 = r->dupfd;
	p->dup2_cached = r->cached;
}

/* As for the output fd: never hold a pipe's end open (site.c). */
static void
source_release(struct pending *p)
{
	if (p->kind2 != REC_KIND_REGULAR && p->dupfd2 >= 0) {
		if (!p->dup2_cached)
			close(p->dupfd2);
		p->dupfd2 = -1;
		p->dup2_cached = false;
	}
}

bool
ioctl_traced(const struct sysent *sc, const uint64_t *args)
{
	uint32_t cmd = (uint32_t)args[(int)sc->flags];

	for (unsigned i = 0; i < sc->words->n; i++)
		if (cmd == sc->words->w[i].value)
			return true;
	return false;
}

/*
 * FICLONE and FICLONERANGE: the destination shares the source's blocks
 * (a reflink; cp's first try, and all it does on btrfs and XFS).
 * FICLONE makes the destination the whole source; FICLONERANGE a range
 * of it (a length of 0: to the source's end).  count is that length.
 */
static void
clone_enter(struct tracer *tr, struct task *t)
{
	struct pending *p = &t->p;
	struct file_clone_range fcr = { 0 };
	struct fdref r;
	struct stat st;

	if ((uint32_t)p->args[1] == FICLONERANGE) {
		if (mem_read(t->tid, p->args[2], &fcr, sizeof(fcr)) !=
		    sizeof(fcr)) {
			snprintf(p->path2, PATH_CAP, "<unreadable>");
			p->has_path2 = true;
			return;
		}
		source_open(tr, t, (int)fcr.src_fd, &r);
	} else {
		source_open(tr, t, (int)p->args[2], &r);
	}
	p->offset = (int64_t)fcr.dest_offset;
	p->offset2 = (int64_t)fcr.src_offset;
	p->count = (int64_t)fcr.src_length;
	if (p->count == 0 && p->kind2 == REC_KIND_REGULAR && p->dupfd2 >= 0 &&
	    fstat(p->dupfd2, &st) == 0)
		p->count = st.st_size > p->offset2 ? st.st_size - p->offset2 : 0;
	source_release(p);
}

void
copy_enter(struct tracer *tr, struct task *t)
{
	struct pending *p = &t->p;
	const struct sysent *sc = p->sc;
	struct fdref r;
	int64_t left;

	if (sc->decode & D_IOCTL) {
		clone_enter(tr, t);
		return;
	}
	source_open(tr, t, (int)p->args[(int)sc->fd2], &r);
	if (sc->off2 >= 0 && p->args[(int)sc->off2] != 0)
		p->offset2 = mem_read_loff(t->tid, p->args[(int)sc->off2]);
	else if (p->kind2 == REC_KIND_REGULAR)
		p->offset2 = fdref_pos(&r);
	left = source_left(p);
	if (left >= 0 && (p->count < 0 || p->count > left))
		p->count = left;
	source_release(p);
}

/* The checksum of len bytes of fd at off, bounded by crc_limit; bytes covered. */
static int64_t
range_crc(struct tracer *tr, int fd, int64_t off, int64_t len, uint64_t *crc)
{
	uint64_t limit = tr->opts->crc_limit ? tr->opts->crc_limit :
	    CRC_LIMIT_DEFAULT;
	int64_t got = 0;

	hasher_reset(tr->hasher);
	if ((uint64_t)len > limit)
		len = (int64_t)limit;
	while (got < len) {
		size_t want = (size_t)(len - got) < tr->bufsize ?
		    (size_t)(len - got) : tr->bufsize;
		ssize_t n = pread(fd, tr->buf, want, (off_t)(off + got));

		if (n <= 0)
			break;
		hasher_add(tr->hasher, tr->buf, (size_t)n);
		got += n;
	}
	*crc = hasher_digest(tr->hasher);
	return got;
}

/*
 * done: the bytes the call moved (a reflink returns 0: then count).
 * Returns the bytes crc covers, or -1.
 */
int64_t
copy_crc(struct tracer *tr, struct task *t, int64_t done, uint64_t *crc)
{
	struct pending *p = &t->p;
	bool out_file = p->kind == REC_KIND_REGULAR && p->offset >= 0;
	char name[64];
	int64_t n;
	int fd;

	if ((p->sc->decode & D_IOCTL) && done == 0)
		done = p->count;
	if (done < 0)
		return -1;
	if (out_file && p->dupfd >= 0 && (p->fdflags & O_ACCMODE) != O_WRONLY)
		return range_crc(tr, p->dupfd, p->offset, done, crc);
	if (p->kind2 == REC_KIND_REGULAR && p->offset2 >= 0 && p->dupfd2 >= 0)
		return range_crc(tr, p->dupfd2, p->offset2, done, crc);
	if (!out_file)
		return -1;
	snprintf(name, sizeof(name), "/proc/%d/fd/%d", (int)t->tid, p->fd);
	fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	n = range_crc(tr, fd, p->offset, done, crc);
	close(fd);
	return n;
}
