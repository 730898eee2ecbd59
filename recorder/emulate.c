/*
 * emulate.c - doing a regular-file write for the program.
 *
 * A traced call costs a stop at its seccomp entry and another at its exit
 * to learn the result; the second round trip is most of badio's cost on
 * write-heavy programs.  For a write to a regular file on a local disk
 * file system, badio can instead do the write itself at the seccomp stop,
 * through its pidfd_getfd duplicate of the program's fd (the same open
 * file description: same position, same O_APPEND), then skip the call
 * and hand the program the result.  The program sees exactly what the
 * kernel would have given it, and badio learns the result, the offset and
 * the data in one stop.
 *
 * Not emulated (the ordinary exit stop is used): the copy calls (their
 * data is in a file, not in memory: copy.c), non-regular files, file
 * systems outside the allowlist below (procfs and sysfs writes depend on
 * the writer, FUSE and NFS may block), O_DIRECT (buffer alignment is the
 * program's), writes larger than badio's buffer, a process while it has
 * an RLIMIT_FSIZE of its own (filter.c makes badio stop when one is set),
 * and the site where a fault is injected.  BADIO_NO_EMULATE=1
 * in badio's environment turns it off (docs/performance.md).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <unistd.h>

#include "recorder/recorder_int.h"

/* statfs(2) f_type of local file systems whose writes behave alike. */
static const long local_fs[] = {
	0xEF53,			/* ext2, ext3, ext4 */
	0x58465342,		/* xfs */
	0x9123683E,		/* btrfs */
	0x01021994,		/* tmpfs */
	0x794C7630,		/* overlayfs */
	0xF2F52010,		/* f2fs */
	0xCA451A4E,		/* bcachefs */
	0x2FC12FC1,		/* zfs */
};

struct fstype {
	uint64_t	dev;
	bool		local;
};

/* Whether the file system of device dev (the file open as fd) is local. */
static bool
fs_is_local(struct tracer *tr, int fd, uint64_t dev)
{
	struct fstype *ft;
	struct statfs sf;
	bool local = false;

	for (size_t i = 0; i < tr->nfstypes; i++)
		if (tr->fstypes[i].dev == dev)
			return tr->fstypes[i].local;
	if (fstatfs(fd, &sf) == 0)
		for (size_t i = 0; i < sizeof(local_fs) / sizeof(local_fs[0]); i++)
			if ((long)sf.f_type == local_fs[i])
				local = true;
	ft = realloc(tr->fstypes, (tr->nfstypes + 1) * sizeof(*ft));
	if (ft) {
		tr->fstypes = ft;
		ft[tr->nfstypes++] = (struct fstype){ dev, local };
	}
	return local;
}

/* All count bytes of the call's data into tr->buf; false if unreadable. */
static bool
gather(struct tracer *tr, struct task *t, size_t count)
{
	const struct sysent *sc = t->p.sc;
	struct iovec local = { tr->buf, count };
	struct iovec *remote;
	uint64_t cnt;
	ssize_t n;

	if (t->p.data_ready)
		return true;		/* read with the stack, see callsite.c */
	if (!(sc->decode & D_IOV))
		return mem_read(t->tid, t->p.args[(int)sc->buf], tr->buf, count) ==
		    (ssize_t)count;
	cnt = t->p.args[(int)sc->count];
	if (cnt > IOV_MAX)
		return false;
	remote = malloc((cnt ? cnt : 1) * sizeof(*remote));
	if (!remote)
		return false;
	n = mem_read(t->tid, t->p.args[(int)sc->buf], remote, cnt * sizeof(*remote));
	if (n == (ssize_t)(cnt * sizeof(*remote)))
		n = process_vm_readv(t->tid, &local, 1, remote, cnt, 0);
	else
		n = -1;
	free(remote);
	return count == 0 || n == (ssize_t)count;
}

/* The write itself, through badio's duplicate of the fd. */
static int64_t
perform(struct pending *p, void *buf, size_t count)
{
	struct iovec iov = { buf, count };
	ssize_t n;

	if (p->sc->offset < 0)
		n = write(p->dupfd, buf, count);
	else if (p->sc->decode & D_OFF_OR_CUR)		/* pwritev2 */
		n = pwritev2(p->dupfd, &iov, 1, (off_t)p->args[(int)p->sc->offset],
		    (int)p->args[5]);
	else
		n = pwrite(p->dupfd, buf, count, (off_t)p->args[(int)p->sc->offset]);
	return n < 0 ? -errno : n;
}

static bool
emulable(struct tracer *tr, struct task *t)
{
	const struct pending *p = &t->p;

	return !tr->no_emulation && p->sc->pub.family == REC_FAM_WRITE &&
	    p->sc->buf >= 0 && p->kind == REC_KIND_REGULAR && p->dupfd >= 0 && !p->direct &&
	    p->count >= 0 && (uint64_t)p->count <= tr->bufsize &&
	    fs_is_local(tr, p->dupfd, p->dev) && proc_may_emulate(tr, task_tgid(t));
}

/*
 * The offset of a write at the file position, from the position after
 * it: one lseek whether or not O_APPEND moved the write to the end
 * (pos_after - written is where the data went).  A position read before
 * the call (pending_pos) serves as it is.
 */
static void
emulated_offset(struct task *t, int64_t r)
{
	struct pending *p = &t->p;
	int64_t end;

	if (p->offset < 0 && !p->to_eof && !p->pos_known && p->dupfd >= 0 &&
	    (end = lseek(p->dupfd, 0, SEEK_CUR)) >= 0)
		p->offset = end - (r > 0 ? r : 0);
	site_write_offset(t, r, true);
}

/*
 * Before the fault of a re-run whose caller wants lite sites (tr->lite):
 * a write that could be emulated is left to the kernel instead, resumed
 * with PTRACE_CONT and no exit stop, its site reported now without
 * result, offset or checksum (site_exit_lite).  It saves reading the data,
 * badio's write, the register write and the lseek for the offset.  Only
 * where emulation would be done, so the call is one the kernel completes
 * as it did when recorded (a regular file on a local file system: no
 * restart); once the target is broken, the site goes the usual way (a
 * persistent fault's rule looks at later results).  True if so.
 */
bool
emulate_lite(struct tracer *tr, struct task *t)
{
	if (!tr->lite || tr->res->injected || !emulable(tr, t))
		return false;
	site_exit_lite(tr, t);
	return true;
}

/*
 * Do the write at the seccomp stop; true if done (the site is complete).
 * The steps: the data into badio's buffer (gather), the write (perform),
 * the program's registers (skip the call, its result), then what the
 * site records (offset, checksum).
 */
bool
emulate_write(struct tracer *tr, struct task *t)
{
	struct pending *p = &t->p;
	size_t count = (size_t)p->count;
	int64_t r;

	if (!emulable(tr, t) || !gather(tr, t, count))
		return false;
	r = perform(p, tr->buf, count);
	/* skip the real call and give the program our result */
	arch_skip_call(t, r);
	emulated_offset(t, r);
	p->crc = hash_bytes(tr->buf, r >= 0 ? (size_t)r : count);
	p->crc_bytes = r >= 0 ? r : (int64_t)count;
	p->crc_done = true;
	site_exit(tr, t, r, true);
	return true;
}
