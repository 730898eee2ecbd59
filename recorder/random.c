/*
 * random.c - the same randomness in every run, from one seed.
 *
 * Three sources reach a program from the kernel (rr and gVisor answer
 * them the same way):
 *
 *   getrandom(2)  a seccomp stop (tag REC_TAG_RANDOM): badio writes the
 *                 bytes into the buffer, skips the call (nr = -1) and
 *                 returns the count: one stop, only for programs that
 *                 call it;
 *   AT_RANDOM     the 16 auxv bytes the kernel puts on a new stack
 *                 (stack protector, pointer guard, Go's hash and fastrand
 *                 seeds), overwritten at the exec stop badio takes anyway;
 *   /dev/urandom  and /dev/random: in the program's mount namespace both
 *                 are a FIFO that a thread of badio keeps full (ns.c
 *                 mounts it; urandom_feed here), so reads cost nothing
 *                 and opens are not traced.
 *
 * Which bytes: every task (thread or process) has an identity derived
 * from its creator's identity and the creator's count of clones so far,
 * the root's from the seed.  The n-th getrandom of a task answers from
 * the stream keyed by (identity, n), the n-th exec's AT_RANDOM from
 * (identity, n), so the interleaving of threads and processes does not
 * move bytes from one to another.  /dev/urandom is one stream for the
 * whole run, read in the order reads happen.  The generator is
 * splitmix64 in counter mode: fast, and (by design) no secret: the seed
 * is in the database.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <unistd.h>

#include "recorder/recorder_int.h"

#define GETRANDOM_MAX	(1u << 20)	/* bytes per call; more may come short */
#define AT_RANDOM_LEN	16

/* Domains, so that one identity's streams never overlap. */
enum {
	DOM_ROOT = 1,
	DOM_CHILD,
	DOM_GETRANDOM,
	DOM_AUXV,
	DOM_URANDOM,
	DOM_FALLBACK,
};

static uint64_t
mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t
rnd_derive(uint64_t key, uint64_t domain, uint64_t n)
{
	return mix64(key ^ mix64(domain ^ mix64(n)));
}

/* Bytes [pos, pos + len) of the stream of key (little-endian words). */
void
rnd_fill(uint64_t key, uint64_t pos, void *buf, size_t len)
{
	unsigned char *out = buf;

	while (len) {
		uint64_t w = mix64(key ^ mix64(pos / 8));
		unsigned off = (unsigned)(pos % 8);
		size_t n = 8 - off < len ? 8 - off : len;

		if (n == 8) {
			unsigned char b[8];

			for (int i = 0; i < 8; i++)
				b[i] = (unsigned char)(w >> (8 * i));
			memcpy(out, b, 8);
		} else {
			for (size_t i = 0; i < n; i++)
				out[i] = (unsigned char)(w >> (8 * (off + i)));
		}
		out += n;
		pos += n;
		len -= n;
	}
}

uint64_t
rnd_root_ident(uint64_t seed)
{
	return rnd_derive(seed, DOM_ROOT, 0);
}

uint64_t
rnd_child_ident(uint64_t parent, unsigned nth)
{
	return rnd_derive(parent, DOM_CHILD, nth);
}

/*
 * A task whose creator will never say who it is (killed between clone
 * and its event): an identity, not the same in every run.
 */
uint64_t
rnd_fallback_ident(uint64_t seed, pid_t tid)
{
	return rnd_derive(seed, DOM_FALLBACK, (uint64_t)tid);
}

/* What the kernel would answer for these flags, if not bytes. */
static int
getrandom_flags_error(unsigned flags)
{
	const unsigned both = GRND_RANDOM | GRND_INSECURE;

	if (flags & ~(unsigned)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	return (flags & both) == both ? -EINVAL : 0;
}

/*
 * At a getrandom seccomp stop of a task whose identity is known: the
 * bytes written into the buffer, the call skipped.  Like the kernel,
 * more than 256 bytes may come short (here beyond GETRANDOM_MAX), and a
 * buffer badio cannot write gives -EFAULT.
 */
void
random_getrandom(struct tracer *tr, struct task *t, const uint64_t args[6])
{
	uint64_t len = args[1] < GETRANDOM_MAX ? args[1] : GETRANDOM_MAX;
	int64_t r = getrandom_flags_error((unsigned)args[2]);

	if (r == 0 && len > 0) {
		struct iovec local = { tr->buf, (size_t)len };
		struct iovec remote = { (void *)(uintptr_t)args[0], (size_t)len };
		uint64_t key = rnd_derive(t->ident, DOM_GETRANDOM, ++t->nrandom);
		ssize_t n;

		rnd_fill(key, 0, tr->buf, (size_t)len);
		n = process_vm_writev(t->tid, &local, 1, &remote, 1, 0);
		r = n > 0 ? n : -EFAULT;
	}
	tr->res->stops.random++;
	arch_skip_call(t, r);
}

/* The address of the AT_RANDOM bytes of a process, 0 if not found. */
static uint64_t
auxv_random(pid_t tid)
{
	uint64_t auxv[2 * 64];
	char name[64];
	ssize_t n;
	int fd;

	snprintf(name, sizeof(name), "/proc/%d/auxv", (int)tid);
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, auxv, sizeof(auxv));
	close(fd);
	for (ssize_t i = 0; n > 0 && i + 1 < n / 8; i += 2) {
		if (auxv[i] == 0)		/* AT_NULL */
			break;
		if (auxv[i] == 25)		/* AT_RANDOM */
			return auxv[i + 1];
	}
	return 0;
}

/* At an exec stop: the new image's AT_RANDOM bytes, from the task's stream. */
void
random_exec(struct tracer *tr, struct task *t)
{
	unsigned char bytes[AT_RANDOM_LEN];
	uint64_t addr = auxv_random(t->tid);

	(void)tr;
	if (!addr)
		return;
	rnd_fill(rnd_derive(t->ident, DOM_AUXV, ++t->nexec), 0, bytes,
	    sizeof(bytes));
	mem_write(t->tid, addr, bytes, sizeof(bytes));
}

/* --- /dev/urandom: a FIFO kept full by a thread ----------------------- */

/*
 * The feeder keeps the FIFO filled to a target, not to the brim, so
 * that a root program's write to /dev/urandom finds room (its bytes join
 * the stream) instead of waiting forever.  The target starts at one
 * chunk (a program that never reads /dev/urandom costs one write) and
 * doubles, up to a quarter of the FIFO, each time readers take what is
 * there.  Below the target it writes at once; above it, it looks again
 * after a delay that doubles while nothing is read (an idle program
 * costs a few wake-ups a second) and drops back to FEED_MIN_NS as soon
 * as something is.
 */
#define PIPE_WANT	(1 << 20)	/* capacity asked for (F_SETPIPE_SZ) */
#define CHUNK		4096		/* PIPE_BUF: written whole or not at all */
#define FEED_MIN_NS	(1000 * 1000)
#define FEED_MAX_NS	(64 * 1000 * 1000)

struct feeder {
	pthread_t	thread;
	int		fd;		/* the FIFO, O_RDWR | O_NONBLOCK */
	int		stop[2];	/* a byte (or a close) ends the thread */
	uint64_t	key;
	uint64_t	pos;		/* bytes of the stream handed out */
	int		max_target;	/* a quarter of the FIFO's capacity */
};

/* Wait up to ns for the stop pipe; true if badio says stop. */
static bool
feeder_wait(struct feeder *f, int64_t ns)
{
	struct pollfd pfd = { f->stop[0], POLLIN, 0 };
	int ms = (int)(ns / 1000000);

	return poll(&pfd, 1, ms > 0 ? ms : 1) > 0;
}

static void *
feeder_main(void *arg)
{
	struct feeder *f = arg;
	unsigned char chunk[CHUNK];
	size_t have = 0, off = 0;
	int64_t delay = FEED_MIN_NS;
	int queued, last = -1, target = CHUNK;

	for (;;) {
		ssize_t n;

		if (ioctl(f->fd, FIONREAD, &queued) < 0)
			break;
		if (last >= 0 && queued < last) {	/* a reader took some */
			delay = FEED_MIN_NS;
			if (target < f->max_target)
				target *= 2;
		}
		last = queued;
		if (queued + CHUNK > target) {
			if (feeder_wait(f, delay))
				break;
			if (delay < FEED_MAX_NS)
				delay *= 2;
			continue;
		}
		if (have == off) {
			rnd_fill(f->key, f->pos, chunk, sizeof(chunk));
			have = sizeof(chunk);
			off = 0;
		}
		n = write(f->fd, chunk + off, have - off);
		if (n > 0) {
			off += (size_t)n;
			f->pos += (uint64_t)n;
			last += (int)n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			break;
		} else if (feeder_wait(f, FEED_MIN_NS)) {
			break;			/* full of a writer's bytes */
		}
	}
	return NULL;
}

/* Start feeding the FIFO open as fd (taken over) with the seed's stream. */
int
urandom_feed(struct tracer *tr, int fd)
{
	struct feeder *f = calloc(1, sizeof(*f));
	sigset_t all, old;
	int rc;

	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	f->fd = fd;
	f->key = rnd_derive(tr->seed, DOM_URANDOM, 0);
	/* at most a quarter of what the FIFO holds: room for a writer */
	if (fcntl(fd, F_SETPIPE_SZ, PIPE_WANT) < 0)
		(void)0;		/* pipe-max-size: keep the default */
	f->max_target = fcntl(fd, F_GETPIPE_SZ) / 4;
	if (f->max_target < CHUNK)
		f->max_target = CHUNK;
	if (pipe2(f->stop, O_CLOEXEC) < 0) {
		rc = -errno;
		close(fd);
		free(f);
		return rc;
	}
	/* the tick and the caller's signals stay with the tracing thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = -pthread_create(&f->thread, NULL, feeder_main, f);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		close(f->stop[0]);
		close(f->stop[1]);
		close(fd);
		free(f);
		return rc;
	}
	tr->feeder = f;
	return 0;
}

void
urandom_stop(struct tracer *tr)
{
	struct feeder *f = tr->feeder;

	if (!f)
		return;
	close(f->stop[1]);
	pthread_join(f->thread, NULL);
	close(f->stop[0]);
	close(f->fd);
	free(f);
	tr->feeder = NULL;
}
