/*
 * callsite.c - which code made a call: a cheap id, the same in every run.
 *
 * The id hashes the instruction pointer and the return addresses of the
 * innermost frames, each normalised to (module, offset in the module
 * file), so it survives ASLR.  Only real return addresses count: the
 * stack holds stale words too (old return addresses in uninitialised
 * locals), and they change with the environment, the length of the run
 * directory's name (PWD) and whatever ran before, which would give one
 * call site several ids, and another id in every run.
 *
 * Each frame's caller is found, in order of trust:
 *   1. from the module's CFI (.eh_frame; the rule per pc is cached,
 *      cfi.c): CFA = rsp or rbp + N, return address at CFA + M;
 *   2. without CFI (Go, which keeps frame pointers; hand-written
 *      assembly), through the frame-pointer link, if the word it gives
 *      is a return address: in an executable mapping, right after a
 *      call instruction;
 *   3. else the first word above the stack pointer that passes the same
 *      check, and whose call (if direct) calls the function the walk
 *      comes from.
 * The walk goes until two frames outside the syscall's own module (libc)
 * are in (so two call sites of fwrite get two ids) and at least
 * MIN_FRAMES, at most MAX_FRAMES.  Cost: one read of the stack, merged
 * with the read of a write's data; a hash lookup and a word or two per
 * frame (docs/performance.md).
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

#define STACK_BYTES	2048		/* stack read per site, with the data */
#define WINDOW_BYTES	1024		/* later reads, for frames beyond it */
#define MIN_FRAMES	5		/* frames hashed, the ip included... */
#define MIN_CALLERS	2		/* ...and this many outside its module */
#define MAX_FRAMES	12
#define SCAN_WORDS	128		/* words the last-resort scan looks at */
#define MAX_FRAME_BYTES	(1u << 20)	/* a frame larger than this ends a walk */
#define MAX_FUNC_BYTES	(1u << 18)	/* a direct call's target lies at most
					 * this far before the pc it returns from */

struct xmap {
	uint64_t	start;
	uint64_t	end;
	uint64_t	pgoff;
	struct module	*mod;		/* interned: valid for the whole run */
};

struct maps {
	struct xmap	*v;
	size_t		n;
};

/*
 * A module's name as the recording knows it: a program run from a bundle
 * (rec_opts.module_root) maps ROOT/usr/lib/libc.so.6, which was
 * /usr/lib/libc.so.6 when it was recorded, and call-site ids hash names.
 */
static const char *
recorded_name(const struct tracer *tr, const char *mapped)
{
	const char *root = tr->opts->module_root;
	size_t len = root ? strlen(root) : 0;

	if (len && strncmp(mapped, root, len) == 0 && mapped[len] == '/')
		return mapped + len;
	return mapped;
}

/*
 * Modules live as long as the tracer, so frames handed out stay valid
 * when a process's mappings are read again.  name is what frames and
 * ids use, file what is opened (cfi.c): they differ under module_root.
 */
static struct module *
intern(struct tracer *tr, const char *mapped)
{
	const char *name = recorded_name(tr, mapped);
	size_t len = strlen(name) + 1, flen = strlen(mapped) + 1;
	struct module *m;

	for (m = tr->modules; m; m = m->next)
		if (strcmp(m->name, name) == 0)
			return m;
	m = calloc(1, sizeof(*m) + len + flen);
	if (!m)
		return NULL;
	memcpy(m->name, name, len);
	memcpy(m->name + len, mapped, flen);
	m->file = m->name + len;
	m->next = tr->modules;
	tr->modules = m;
	return m;
}

void
callsite_release(struct tracer *tr)
{
	while (tr->modules) {
		struct module *m = tr->modules;

		tr->modules = m->next;
		cfi_module_close(m);
		free(m);
	}
	cfi_release(tr);
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
	struct module *mod = intern(tr, name);

	if (!v)
		return -ENOMEM;
	m->v = v;
	if (!mod)
		return -ENOMEM;
	v[m->n++] = (struct xmap){ lo, hi, pgoff, mod };
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
file_offset(const struct xmap *x, uint64_t addr)
{
	return addr - x->start + x->pgoff;
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
frame_set(struct rec_frame *fr, const struct xmap *x, uint64_t addr)
{
	fr->module = x->mod->name;
	fr->offset = file_offset(x, addr);
}

/* --- the walk --------------------------------------------------------- */

enum fp_state {
	FP_UNREAD,		/* still the thread's rbp register: read on demand */
	FP_KNOWN,
	FP_LOST,		/* a frame clobbered it, and said so */
};

/* The registers the walk follows, and the stack as read so far. */
struct walk {
	struct tracer	*tr;
	pid_t		tid;
	const struct maps *m;
	uint64_t	pc;
	uint64_t	sp;
	uint64_t	fp;
	enum fp_state	fps;
	const uint64_t	*stack;		/* the first read, at stack_base */
	uint64_t	stack_base;
	size_t		stack_words;
	uint64_t	window[WINDOW_BYTES / 8];	/* the last later read */
	uint64_t	window_base;
	size_t		window_words;
};

static bool
stack_word(struct walk *w, uint64_t addr, uint64_t *v)
{
	ssize_t got;

	if (addr % 8)
		return false;
	if (addr >= w->stack_base && (addr - w->stack_base) / 8 < w->stack_words) {
		*v = w->stack[(addr - w->stack_base) / 8];
		return true;
	}
	if (addr < w->window_base ||
	    (addr - w->window_base) / 8 >= w->window_words) {
		got = mem_read(w->tid, addr, w->window, sizeof(w->window));
		if (got < 8)
			return false;
		w->window_base = addr;
		w->window_words = (size_t)got / 8;
	}
	*v = w->window[(addr - w->window_base) / 8];
	return true;
}

static bool
frame_pointer(struct walk *w)
{
	if (w->fps == FP_UNREAD)
		w->fps = arch_frame_pointer(w->tid, &w->fp) == 0 ? FP_KNOWN :
		    FP_LOST;
	return w->fps == FP_KNOWN;
}

/* A frame no larger than MAX_FRAME_BYTES lies between sp and addr. */
static bool
above_sp(const struct walk *w, uint64_t addr)
{
	return addr >= w->sp && addr - w->sp < MAX_FRAME_BYTES;
}

/*
 * Can v be the return address of the frame at w->pc?  It must follow a
 * call instruction.  strict (for scanned words, which may be stale) also
 * wants a direct call in the pc's module to call the function the pc is
 * in: its start by the symbol table, or without symbols at most
 * MAX_FUNC_BYTES before the pc.
 */
static bool
return_address(const struct walk *w, uint64_t v, bool strict)
{
	const struct xmap *x = maps_find(w->m, v), *px;
	uint64_t target, pc, start;

	if (!x || !cfi_call_before(w->tr, x->mod, file_offset(x, v), &target))
		return false;
	if (!strict || target == UINT64_MAX)
		return true;
	px = maps_find(w->m, w->pc);
	if (!px || px->mod != x->mod)
		return true;		/* through a PLT stub: cannot tell */
	pc = file_offset(px, w->pc) - 1;	/* in the call, or the syscall */
	if (cfi_func_start(px->mod, pc, &start))
		return target == start;
	return target <= pc && pc - target < MAX_FUNC_BYTES;
}

enum step { STEP_OK, STEP_END, STEP_FAIL };

static enum step
step_cfi(struct walk *w, const struct cfi_rule *r, uint64_t *ra)
{
	uint64_t base, cfa, fp;

	if (r->outermost)
		return STEP_END;
	if (r->cfa_base == CFA_FP && !frame_pointer(w))
		return STEP_FAIL;
	base = r->cfa_base == CFA_SP ? w->sp : w->fp;
	cfa = base + (uint64_t)(int64_t)r->cfa_off;
	if (cfa == w->sp || !above_sp(w, cfa) ||
	    !stack_word(w, cfa + (uint64_t)(int64_t)r->ra_off, ra))
		return STEP_FAIL;
	if (r->fp == CFI_FP_SAVED) {
		if (!stack_word(w, cfa + (uint64_t)(int64_t)r->fp_off, &fp))
			return STEP_FAIL;
		w->fp = fp;
		w->fps = FP_KNOWN;
	} else if (r->fp == CFI_FP_LOST) {
		w->fps = FP_LOST;
	}
	w->sp = cfa;
	return STEP_OK;
}

static enum step
step_frame_pointer(struct walk *w, uint64_t *ra)
{
	uint64_t next;

	if (!frame_pointer(w) || !above_sp(w, w->fp) ||
	    !stack_word(w, w->fp, &next) || !stack_word(w, w->fp + 8, ra) ||
	    !return_address(w, *ra, false))
		return STEP_FAIL;
	w->sp = w->fp + 16;
	w->fp = next;
	return STEP_OK;
}

static enum step
step_scan(struct walk *w, uint64_t *ra)
{
	uint64_t v;

	for (unsigned i = 0; i < SCAN_WORDS; i++) {
		if (!stack_word(w, w->sp + 8 * i, &v))
			return STEP_FAIL;
		if (return_address(w, v, true)) {
			*ra = v;
			w->sp += 8 * (i + 1);
			return STEP_OK;
		}
	}
	return STEP_FAIL;
}

/* The return address of the frame at w->pc; moves w to the caller. */
static enum step
step(struct tracer *tr, struct walk *w, const struct xmap *x, bool innermost,
    uint64_t *ra)
{
	struct cfi_rule r;
	uint64_t off = file_offset(x, w->pc);

	/* a return address is after the call: look the call itself up */
	cfi_rule(tr, x->mod, innermost ? off : off - 1, &r);
	if (r.cfa_base != CFA_NONE || r.outermost)
		return step_cfi(w, &r, ra);
	if (step_frame_pointer(w, ra) == STEP_OK)
		return STEP_OK;
	return step_scan(w, ra);
}

/*
 * Read the stack; for a plain write that may be emulated, read its data
 * into tr->buf in the same process_vm_readv (one system call instead of
 * two: they are most of a stop's cost).  Sets t->p.data_ready when the
 * data came too.  The data comes first: the stack read often runs past
 * the top of the stack (process_vm_readv then stops there, a short
 * read), and the data must not be what is cut off.
 */
static ssize_t
stack_read(struct tracer *tr, struct task *t, uint64_t sp, void *words,
    size_t size)
{
	struct pending *p = &t->p;
	const struct sysent *sc = p->sc;
	struct iovec local[2], remote[2];
	size_t count = 0;
	unsigned long n = 0;
	ssize_t got;

	p->data_ready = false;
	if (sc->pub.family == REC_FAM_WRITE && sc->buf >= 0 &&
	    !(sc->decode & D_IOV) &&
	    p->kind == REC_KIND_REGULAR && p->count > 0 &&
	    (uint64_t)p->count <= tr->bufsize) {
		count = (size_t)p->count;
		local[0] = (struct iovec){ tr->buf, count };
		remote[0] = (struct iovec){
			(void *)(uintptr_t)p->args[(int)sc->buf], count };
		n = 1;
	}
	local[n] = (struct iovec){ words, size };
	remote[n] = (struct iovec){ (void *)(uintptr_t)sp, size };
	got = process_vm_readv(t->tid, local, n + 1, remote, n + 1, 0);
	if (n == 1 && got < (ssize_t)count) {
		/* the data is unreadable (EFAULT for the program): stack alone */
		count = 0;
		got = process_vm_readv(t->tid, &local[1], 1, &remote[1], 1, 0);
	}
	if (got < 0)
		return -errno;
	if (count > 0)
		p->data_ready = true;
	return got - (ssize_t)count;
}

/*
 * The call-site id of the call t is stopped in (ip and sp from
 * PTRACE_GET_SYSCALL_INFO); frames[0..*n) get the normalised addresses.
 * Returns 0 when nothing could be read.
 */
uint64_t
callsite_walk(struct tracer *tr, struct task *t, uint64_t ip, uint64_t sp,
    struct rec_frame *frames, unsigned *n)
{
	struct maps *m = proc_maps(tr, task_tgid(t), false);
	uint64_t words[STACK_BYTES / 8], h = 14695981039346656037ull;
	const struct xmap *x;
	struct walk w;
	unsigned callers = 0;
	ssize_t got;
	uint64_t ra;

	*n = 0;
	if (m && !maps_find(m, ip))
		m = proc_maps(tr, task_tgid(t), true);
	if (!m || !(x = maps_find(m, ip)))
		return 0;
	frame_set(&frames[(*n)++], x, ip);	/* the syscall instruction */
	h = hash_frame(h, frames[0].module, frames[0].offset);

	got = stack_read(tr, t, sp, words, sizeof(words));
	memset(&w, 0, sizeof(w));
	w.tr = tr;
	w.tid = t->tid;
	w.m = m;
	w.pc = ip;
	w.sp = sp;
	w.stack = words;
	w.stack_base = sp;
	w.stack_words = got > 0 ? (size_t)got / 8 : 0;
	while (*n < MAX_FRAMES && step(tr, &w, x, *n == 1, &ra) == STEP_OK &&
	    (x = maps_find(m, ra)) != NULL) {
		frame_set(&frames[*n], x, ra);
		h = hash_frame(h, frames[*n].module, frames[*n].offset);
		if (frames[*n].module != frames[0].module)
			callers++;
		(*n)++;
		w.pc = ra;
		if (callers >= MIN_CALLERS && *n >= MIN_FRAMES)
			break;
	}
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
	frame_set(fr, x, addr);
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
