/*
 * callsite.c - which code made a call: a cheap id, the same across runs.
 *
 * The id hashes the instruction pointer and the first code addresses
 * found on the stack (words in [rsp, rsp + SCAN_BYTES) that point into an
 * executable mapping), each normalised to (module, offset in the module
 * file), so it survives ASLR and needs no frame pointers
 * (../shared/PTRACE_NOTES.md §5: about 6 us a site, against 24 us for a
 * libdw unwind).  Stale return addresses left on the stack can make one
 * logical call site yield two ids; explore uses the id together with the
 * replay key, never alone.
 *
 * A static binary (Go) has one module: the scan then finds only runtime
 * and library frames near the stack pointer, the same for every call
 * site.  There the frame-pointer chain (Go always keeps frame pointers)
 * replaces the scanned words.
 *
 * The executable mappings of each process are read from /proc/PID/maps
 * once, and again only when the instruction pointer falls outside them
 * (a library loaded since) or after an exec.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "recorder/recorder_int.h"

#define SCAN_BYTES	1024		/* stack read per site */
#define SCAN_MAX	10		/* code words hashed after the ip, at most */
#define SCAN_CALLERS	2		/* ...stopping after this many outside the
					 * ip's module (libc), if SCAN_MIN are in */
#define SCAN_MIN	4
#define FP_BYTES	8192		/* stack read for the frame-pointer walk */
#define FP_FRAMES	12		/* return addresses it hashes, at most */

struct xmap {
	uint64_t	start;
	uint64_t	end;
	uint64_t	pgoff;
	const char	*module;	/* interned: valid for the whole run */
};

struct maps {
	struct xmap	*v;
	size_t		n;
};

/*
 * Module names live as long as the tracer, so frames handed out stay
 * valid when a process's mappings are read again.
 */
struct interned {
	struct interned	*next;
	char		name[];
};

static const char *
intern(struct tracer *tr, const char *name)
{
	struct interned *i;
	size_t len = strlen(name) + 1;

	for (i = tr->modules; i; i = i->next)
		if (strcmp(i->name, name) == 0)
			return i->name;
	i = malloc(sizeof(*i) + len);
	if (!i)
		return NULL;
	memcpy(i->name, name, len);
	i->next = tr->modules;
	tr->modules = i;
	return i->name;
}

void
callsite_release(struct tracer *tr)
{
	while (tr->modules) {
		struct interned *i = tr->modules;

		tr->modules = i->next;
		free(i);
	}
	free(tr->seen);
	tr->seen = NULL;
}

void
maps_free(struct maps *m)
{
	if (!m)
		return;
	free(m->v);
	free(m);
}

static int
maps_add(struct tracer *tr, struct maps *m, uint64_t lo, uint64_t hi,
    uint64_t pgoff, const char *name)
{
	struct xmap *v = realloc(m->v, (m->n + 1) * sizeof(*v));
	const char *module = intern(tr, name);

	if (!v)
		return -ENOMEM;
	m->v = v;
	if (!module)
		return -ENOMEM;
	v[m->n++] = (struct xmap){ lo, hi, pgoff, module };
	return 0;
}

/*
 * The executable, file-backed (or vdso) mappings of pid, sorted by address.
 * Lines are read whole: a mapped file's name may be longer than PATH_MAX
 * there, and a line cut in two would make its tail look like a mapping.
 * Such modules are left out (no frame can name them).
 */
struct maps *
maps_load(struct tracer *tr, pid_t pid)
{
	char name[64], *line = NULL;
	struct maps *m = calloc(1, sizeof(*m));
	size_t cap = 0;
	FILE *f;

	if (!m)
		return NULL;
	snprintf(name, sizeof(name), "/proc/%d/maps", (int)pid);
	f = fopen(name, "re");
	if (!f) {
		free(m);
		return NULL;
	}
	while (getline(&line, &cap, f) > 0) {
		unsigned long lo, hi, pgoff;
		char perms[8];
		int pos = 0;

		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s%n", &lo, &hi, perms,
		    &pgoff, &pos) < 4 || perms[2] != 'x')
			continue;
		while (line[pos] == ' ')
			pos++;
		line[strcspn(line, "\n")] = '\0';
		if ((line[pos] != '/' && strcmp(line + pos, "[vdso]") != 0) ||
		    strlen(line + pos) >= PATH_MAX)
			continue;
		if (maps_add(tr, m, lo, hi, pgoff, line + pos) < 0)
			break;
	}
	free(line);
	fclose(f);
	return m;
}

static const struct xmap *
maps_find(const struct maps *m, uint64_t addr)
{
	size_t lo = 0, hi = m ? m->n : 0;

	/* most stack words are data: reject them before the search */
	if (!hi || addr < m->v[0].start || addr >= m->v[hi - 1].end)
		return NULL;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (addr < m->v[mid].start)
			hi = mid;
		else if (addr >= m->v[mid].end)
			lo = mid + 1;
		else
			return &m->v[mid];
	}
	return NULL;
}

static uint64_t
hash_frame(uint64_t h, const char *module, uint64_t off)
{
	while (*module)
		h = (h ^ (unsigned char)*module++) * 1099511628211ull;
	for (int i = 0; i < 8; i++, off >>= 8)
		h = (h ^ (off & 0xff)) * 1099511628211ull;
	return h;
}

static void
frame_set(struct rec_frame *fr, const struct maps *m, const struct xmap *x,
    uint64_t addr)
{
	(void)m;
	fr->module = x->module;
	fr->offset = addr - x->start + x->pgoff;
}

/*
 * Hash the ip (frames[0]) and the return addresses of the frame-pointer
 * chain, followed inside one read of the stack; frames[1..] are
 * replaced.  Links must point upwards, so a garbage rbp ends the walk.
 */
static uint64_t
fp_walk(struct task *t, const struct maps *m, uint64_t sp,
    struct rec_frame *frames, unsigned *n)
{
	uint64_t *stack = malloc(FP_BYTES), fp, h = 14695981039346656037ull;
	ssize_t got;

	h = hash_frame(h, frames[0].module, frames[0].offset);
	*n = 1;
	if (!stack)
		return h;
	got = mem_read(t->tid, sp, stack, FP_BYTES);
	if (got > 0 && arch_frame_pointer(t->tid, &fp) == 0) {
		while (*n <= FP_FRAMES && fp >= sp && fp % 8 == 0 &&
		    fp + 16 <= sp + (uint64_t)got) {
			uint64_t next = stack[(fp - sp) / 8];
			uint64_t ret = stack[(fp - sp) / 8 + 1];
			const struct xmap *x = maps_find(m, ret);

			if (!x)
				break;
			frame_set(&frames[*n], m, x, ret);
			h = hash_frame(h, frames[*n].module, frames[*n].offset);
			(*n)++;
			if (next <= fp)
				break;
			fp = next;
		}
	}
	free(stack);
	return h;
}

/*
 * Read the stack; for a plain write that may be emulated, read its data
 * into tr->buf in the same process_vm_readv (one system call instead of
 * two: they are most of a stop's cost).  Sets t->p.data_ready when the
 * data came too.
 */
static ssize_t
stack_read(struct tracer *tr, struct task *t, uint64_t sp, void *words,
    size_t size)
{
	struct pending *p = &t->p;
	const struct sysent *sc = p->sc;
	struct iovec local[2] = { { words, size }, { tr->buf, 0 } };
	struct iovec remote[2] = { { (void *)(uintptr_t)sp, size }, { NULL, 0 } };
	unsigned long n = 1;
	ssize_t got;

	p->data_ready = false;
	if (sc->pub.family == REC_FAM_WRITE && sc->buf >= 0 &&
	    !(sc->decode & D_IOV) &&
	    p->kind == REC_KIND_REGULAR && p->count > 0 &&
	    (uint64_t)p->count <= tr->bufsize) {
		local[1].iov_len = remote[1].iov_len = (size_t)p->count;
		remote[1].iov_base = (void *)(uintptr_t)p->args[(int)sc->buf];
		n = 2;
	}
	got = process_vm_readv(t->tid, local, n, remote, n, 0);
	if (got < 0)
		return -errno;
	if (n == 2 && (size_t)got == size + (size_t)p->count)
		p->data_ready = true;
	return got > (ssize_t)size ? (ssize_t)size : got;
}

/*
 * The call-site id of the call t is stopped in (ip and sp from
 * PTRACE_GET_SYSCALL_INFO); frames[0..*n) get the normalised addresses.
 * Returns 0 when nothing could be read.
 */
uint64_t
callsite_scan(struct tracer *tr, struct task *t, uint64_t ip, uint64_t sp,
    struct rec_frame *frames, unsigned *n)
{
	struct maps *m = proc_maps(tr, task_tgid(t), false);
	const struct xmap *x;
	uint64_t words[SCAN_BYTES / 8], h = 14695981039346656037ull;
	unsigned callers = 0;
	ssize_t got;

	*n = 0;
	if (m && !maps_find(m, ip))
		m = proc_maps(tr, task_tgid(t), true);
	if (!m || !(x = maps_find(m, ip)))
		return 0;
	frame_set(&frames[(*n)++], m, x, ip);	/* the syscall instruction */
	h = hash_frame(h, frames[0].module, frames[0].offset);
	/*
	 * A write through stdio passes five or more libc frames before the
	 * caller's: keep going until callers outside the ip's module are in
	 * the hash, so two call sites of fwrite get two ids.
	 */
	got = stack_read(tr, t, sp, words, sizeof(words));
	for (ssize_t i = 0; i < got / 8 && *n <= SCAN_MAX; i++) {
		if (!(x = maps_find(m, words[i])))
			continue;
		frame_set(&frames[*n], m, x, words[i]);
		h = hash_frame(h, frames[*n].module, frames[*n].offset);
		if (frames[*n].module != frames[0].module)
			callers++;
		(*n)++;
		if (callers >= SCAN_CALLERS && *n > SCAN_MIN)
			break;
	}
	if (callers == 0)
		h = fp_walk(t, m, sp, frames, n);
	/* SQLite integers are signed 64-bit: keep the id positive */
	h &= INT64_MAX;
	return h ? h : 1;
}

/* Normalise one code address of process tgid; false if not in a module. */
bool
callsite_frame(struct tracer *tr, pid_t tgid, uint64_t addr,
    struct rec_frame *fr)
{
	struct maps *m = proc_maps(tr, tgid, false);
	const struct xmap *x = maps_find(m, addr);

	if (!x)
		return false;
	frame_set(fr, m, x, addr);
	return true;
}

/*
 * True the first time an id is seen in this run: its frames are then
 * reported with the site, once per distinct call site.
 */
bool
callsite_first(struct tracer *tr, uint64_t id)
{
	size_t i;

	if (tr->nseen * 2 >= tr->seen_cap) {
		size_t cap = tr->seen_cap ? tr->seen_cap * 2 : 1024;
		uint64_t *v = calloc(cap, sizeof(*v));

		if (!v)
			return false;
		for (size_t k = 0; k < tr->seen_cap; k++) {
			if (!tr->seen[k])
				continue;
			for (i = tr->seen[k] % cap; v[i]; i = (i + 1) % cap)
				;
			v[i] = tr->seen[k];
		}
		free(tr->seen);
		tr->seen = v;
		tr->seen_cap = cap;
	}
	for (i = id % tr->seen_cap; tr->seen[i]; i = (i + 1) % tr->seen_cap)
		if (tr->seen[i] == id)
			return false;
	tr->seen[i] = id;
	tr->nseen++;
	return true;
}
