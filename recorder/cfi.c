/*
 * cfi.c - how to find a frame's caller, per code address, for the
 * call-site walk (callsite.c).
 *
 * Each module file is opened once per run with libelf (read, not mapped:
 * a file the program truncates under a mapping must not SIGBUS badio);
 * its .eh_frame
 * (libdw's dwarf_getcfi_elf, through .eh_frame_hdr's search table) says
 * for every pc where the canonical frame address (CFA) is and where the
 * return address and the caller's rbp were saved.  The rule found for a
 * pc is reduced to four numbers and cached, so a walk costs a hash
 * lookup per frame and a few reads of stack words, not a libdw unwind
 * (PTRACE_NOTES §5: ~24 us a site).
 *
 * The module's bytes also tell whether a word found on the stack can be
 * a return address at all: the instruction before it must be a call
 * (cfi_call_before, cached like the rules).  That check validates the
 * fallbacks for code without CFI (Go, hand-written assembly):
 * frame-pointer links and scanned words.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recorder/recorder_int.h"

/* DWARF register numbers of x86-64 (System V psABI, figure 3.36). */
#define DW_REG_RBP	6
#define DW_REG_RSP	7

#define RULE_SLOTS_MIN	1024

struct func {
	uint64_t	start;		/* file offsets */
	uint64_t	end;
};

struct segment {
	uint64_t	offset;		/* p_offset */
	uint64_t	filesz;
	uint64_t	vaddr;
};

/* What a module's file gives the walk; opened at its first lookup. */
struct module_cfi {
	int		fd;
	Elf		*elf;
	Dwarf_CFI	*cfi;		/* .eh_frame; NULL: none */
	struct segment	*seg;		/* PT_LOAD, to turn offsets into addresses */
	size_t		nseg;
	struct func	*funcs;		/* from the symbol table, sorted; read at */
	size_t		nfuncs;		/* the first fallback step (funcs_read) */
	bool		funcs_read;
};

/*
 * A cached answer for (module, file offset): the unwind rule at a pc,
 * or (offset | CALL_KEY) whether a call ends there.
 */
#define CALL_KEY	(1ull << 63)

struct rule_slot {
	const struct module *mod;	/* NULL: empty */
	uint64_t	offset;
	struct cfi_rule	rule;
	bool		call;		/* CALL_KEY slots: a call ends here... */
	uint64_t	target;		/* ...to this offset (UINT64_MAX: indirect) */
};

static struct module_cfi *
module_open(struct module *m)
{
	struct module_cfi *c = calloc(1, sizeof(*c));
	size_t i, n;

	if (!c)
		return NULL;
	c->fd = -1;
	m->cfi = c;
	if (m->file[0] != '/' || elf_version(EV_CURRENT) == EV_NONE)
		return c;
	c->fd = open(m->file, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0)
		return c;
	c->elf = elf_begin(c->fd, ELF_C_READ, NULL);
	if (!c->elf || elf_kind(c->elf) != ELF_K_ELF ||
	    elf_getphdrnum(c->elf, &n) != 0)
		return c;
	c->seg = calloc(n ? n : 1, sizeof(*c->seg));
	for (i = 0; c->seg && i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(c->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		c->seg[c->nseg++] = (struct segment){ ph.p_offset, ph.p_filesz,
		    ph.p_vaddr };
	}
	c->cfi = dwarf_getcfi_elf(c->elf);
	return c;
}

static struct module_cfi *
module_cfi(struct module *m)
{
	return m->cfi ? m->cfi : module_open(m);
}

void
cfi_module_close(struct module *m)
{
	struct module_cfi *c = m->cfi;

	if (!c)
		return;
	if (c->cfi)
		dwarf_cfi_end(c->cfi);
	if (c->elf)
		elf_end(c->elf);
	if (c->fd >= 0)
		close(c->fd);
	free(c->seg);
	free(c->funcs);
	free(c);
	m->cfi = NULL;
}

/* The module address of a file offset; false if no segment maps it. */
static bool
offset_to_vaddr(const struct module_cfi *c, uint64_t off, uint64_t *vaddr)
{
	for (size_t i = 0; i < c->nseg; i++) {
		const struct segment *s = &c->seg[i];

		if (off >= s->offset && off - s->offset < s->filesz) {
			*vaddr = s->vaddr + (off - s->offset);
			return true;
		}
	}
	return false;
}

static bool
vaddr_to_offset(const struct module_cfi *c, uint64_t vaddr, uint64_t *off)
{
	for (size_t i = 0; i < c->nseg; i++) {
		const struct segment *s = &c->seg[i];

		if (vaddr >= s->vaddr && vaddr - s->vaddr < s->filesz) {
			*off = s->offset + (vaddr - s->vaddr);
			return true;
		}
	}
	return false;
}

/* An offset from the CFA: [DW_OP_call_frame_cfa, DW_OP_plus_uconst N]. */
static bool
cfa_offset(const Dwarf_Op *ops, size_t nops, int32_t *off)
{
	if (nops < 1 || nops > 2 || ops[0].atom != DW_OP_call_frame_cfa)
		return false;
	if (nops == 1) {
		*off = 0;
		return true;
	}
	if (ops[1].atom != DW_OP_plus_uconst)
		return false;
	*off = (int32_t)(int64_t)ops[1].number;
	return (int64_t)*off == (int64_t)ops[1].number;
}

/* Reduce libdw's frame state to a cfi_rule; false if it is not simple. */
static bool
rule_from_frame(Dwarf_Frame *f, struct cfi_rule *r)
{
	Dwarf_Op mem[3], *ops;
	size_t nops;
	bool signal;
	int ra;

	ra = dwarf_frame_info(f, NULL, NULL, &signal);
	if (ra >= 0 && signal) {
		/* a signal trampoline: what called the handler is no call */
		r->outermost = true;
		return true;
	}
	if (ra < 0 || dwarf_frame_cfa(f, &ops, &nops) != 0 || nops != 1)
		return false;
	if (ops[0].atom == DW_OP_bregx && (ops[0].number == DW_REG_RSP ||
	    ops[0].number == DW_REG_RBP)) {
		r->cfa_base = ops[0].number == DW_REG_RSP ? CFA_SP : CFA_FP;
		r->cfa_off = (int32_t)(int64_t)ops[0].number2;
	} else if (ops[0].atom == DW_OP_breg0 + DW_REG_RSP ||
	    ops[0].atom == DW_OP_breg0 + DW_REG_RBP) {
		r->cfa_base = ops[0].atom == DW_OP_breg0 + DW_REG_RSP ?
		    CFA_SP : CFA_FP;
		r->cfa_off = (int32_t)(int64_t)ops[0].number;
	} else {
		return false;		/* an expression (PLT entries) */
	}
	/* the return address: saved at CFA + N, or undefined (outermost) */
	if (dwarf_frame_register(f, ra, mem, &ops, &nops) != 0)
		return false;
	if (nops == 0) {
		r->outermost = true;
		return true;
	}
	if (!cfa_offset(ops, nops, &r->ra_off))
		return false;
	/* the caller's rbp: saved, the same as here, or lost */
	if (dwarf_frame_register(f, DW_REG_RBP, mem, &ops, &nops) != 0)
		return false;
	if (nops == 0)
		r->fp = ops ? CFI_FP_LOST : CFI_FP_SAME;
	else if (cfa_offset(ops, nops, &r->fp_off))
		r->fp = CFI_FP_SAVED;
	else
		r->fp = CFI_FP_LOST;
	return true;
}

static struct rule_slot *
rule_slot(struct tracer *tr, const struct module *m, uint64_t off)
{
	uint64_t h = ((uintptr_t)m * 0x9e3779b97f4a7c15ull) ^ (off * 0xff51afd7ed558ccdull);
	size_t i = (size_t)(h >> 17) & (tr->cfi_cap - 1);

	while (tr->cfi_rules[i].mod && (tr->cfi_rules[i].mod != m ||
	    tr->cfi_rules[i].offset != off))
		i = (i + 1) & (tr->cfi_cap - 1);
	return &tr->cfi_rules[i];
}

static int
rules_grow(struct tracer *tr)
{
	size_t cap = tr->cfi_cap ? 2 * tr->cfi_cap : RULE_SLOTS_MIN;
	struct rule_slot *old = tr->cfi_rules;
	size_t oldcap = tr->cfi_cap;

	tr->cfi_rules = calloc(cap, sizeof(*tr->cfi_rules));
	if (!tr->cfi_rules) {
		tr->cfi_rules = old;
		return -ENOMEM;
	}
	tr->cfi_cap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].mod)
			*rule_slot(tr, old[i].mod, old[i].offset) = old[i];
	free(old);
	return 0;
}

/*
 * The cache slot of (m, key): *found says whether it holds an answer;
 * a new slot is taken (filled by the caller).  NULL if out of memory.
 */
static struct rule_slot *
cache_slot(struct tracer *tr, const struct module *m, uint64_t key,
    bool *found)
{
	struct rule_slot *slot;

	if ((tr->cfi_nrules + 1) * 2 > tr->cfi_cap && rules_grow(tr) < 0)
		return NULL;
	slot = rule_slot(tr, m, key);
	*found = slot->mod != NULL;
	if (!*found) {
		memset(slot, 0, sizeof(*slot));
		slot->mod = m;
		slot->offset = key;
		tr->cfi_nrules++;
	}
	return slot;
}

/*
 * The rule for the code at file offset off of module m (a pc, or a
 * return address - 1); r->cfa_base is CFA_NONE where the module has no
 * usable CFI.  Cached: libdw is asked once per pc and run.
 */
void
cfi_rule(struct tracer *tr, struct module *m, uint64_t off, struct cfi_rule *r)
{
	struct module_cfi *c;
	struct rule_slot *slot;
	Dwarf_Frame *f;
	uint64_t vaddr;
	bool found;

	memset(r, 0, sizeof(*r));
	slot = cache_slot(tr, m, off & ~CALL_KEY, &found);
	if (!slot)
		return;
	if (found) {
		*r = slot->rule;
		return;
	}
	c = module_cfi(m);
	if (c && c->cfi && offset_to_vaddr(c, off, &vaddr) &&
	    dwarf_cfi_addrframe(c->cfi, vaddr, &f) == 0) {
		if (!rule_from_frame(f, r))
			memset(r, 0, sizeof(*r));
		free(f);
	}
	slot->rule = *r;
}

void
cfi_release(struct tracer *tr)
{
	free(tr->cfi_rules);
	tr->cfi_rules = NULL;
	tr->cfi_cap = tr->cfi_nrules = 0;
}

static int
cmp_func(const void *a, const void *b)
{
	const struct func *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The functions of a symbol table section (.symtab or .dynsym). */
static void
funcs_add(struct module_cfi *c, Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	struct func *v;

	if (!data || n == 0)
		return;
	v = reallocarray(c->funcs, c->nfuncs + n, sizeof(*v));
	if (!v)
		return;
	c->funcs = v;
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		uint64_t off;

		if (!gelf_getsym(data, (int)i, &sym) ||
		    GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_size == 0 ||
		    !vaddr_to_offset(c, sym.st_value, &off))
			continue;
		c->funcs[c->nfuncs++] = (struct func){ off, off + sym.st_size };
	}
}

static void
funcs_read(struct module_cfi *c)
{
	Elf_Scn *scn = NULL;
	bool symtab = false;

	c->funcs_read = true;
	if (!c->elf)
		return;
	/* .symtab has every function; .dynsym only the exported ones */
	while ((scn = elf_nextscn(c->elf, scn)) != NULL) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB) {
			funcs_add(c, scn, &sh);
			symtab = true;
		}
	}
	while (!symtab && (scn = elf_nextscn(c->elf, scn)) != NULL) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_DYNSYM)
			funcs_add(c, scn, &sh);
	}
	qsort(c->funcs, c->nfuncs, sizeof(*c->funcs), cmp_func);
}

/*
 * The start of the function of module m that holds file offset off,
 * from its symbols; false when no symbol covers it (stripped code).
 */
bool
cfi_func_start(struct module *m, uint64_t off, uint64_t *start)
{
	struct module_cfi *c = module_cfi(m);
	size_t lo = 0, hi;

	if (!c)
		return false;
	if (!c->funcs_read)
		funcs_read(c);
	hi = c->nfuncs;
	/* the last function starting at or before off */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->funcs[mid].start <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || off >= c->funcs[lo - 1].end)
		return false;
	*start = c->funcs[lo - 1].start;
	return true;
}

/*
 * The length of an indirect call (FF /2, with an optional REX prefix)
 * that starts at p, or 0: ModRM, then SIB and displacement as the
 * ModRM says (Intel SDM vol. 2, table 2-2).
 */
static size_t
indirect_call_len(const unsigned char *p)
{
	size_t n = 0;
	unsigned modrm, mod, rm;

	if ((p[0] & 0xf0) == 0x40)
		n++;			/* REX */
	if (p[n] != 0xff || ((p[n + 1] >> 3) & 7) != 2)
		return 0;
	modrm = p[n + 1];
	n += 2;
	mod = modrm >> 6;
	rm = modrm & 7;
	if (mod == 3)
		return n;
	if (rm == 4) {			/* SIB */
		if (mod == 0 && (p[n] & 7) == 5)
			n += 4;		/* no base: disp32 */
		n++;
	} else if (mod == 0 && rm == 5) {
		n += 4;			/* rip-relative */
	}
	return n + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

/* Does a call end at file offset off of module c?  Reads its bytes. */
static bool
call_ends_at(const struct module_cfi *c, uint64_t off, uint64_t *target)
{
	unsigned char b[16] = { 0 };	/* [off - 8, off + 8): a call decoded
					 * from off - 2 may look past off */
	const unsigned char *p = b + 8;
	ssize_t got;

	*target = UINT64_MAX;
	if (c->fd < 0 || off < 8 || off > INT64_MAX)
		return false;
	got = pread(c->fd, b, sizeof(b), (off_t)(off - 8));
	if (got < 8)
		return false;
	if (p[-5] == 0xe8) {
		int32_t rel;

		memcpy(&rel, p - 4, sizeof(rel));
		*target = off + (uint64_t)(int64_t)rel;
		return true;
	}
	for (size_t len = 2; len <= 8; len++)
		if (indirect_call_len(p - len) == len)
			return true;
	return false;
}

/*
 * Is the instruction just before file offset off of module m a call,
 * so that off can be a return address?  For a direct call, *target
 * gets the called address as a file offset of m (or UINT64_MAX).
 * Returns false as well when the module's bytes cannot be read.
 * Cached per (module, offset).
 */
bool
cfi_call_before(struct tracer *tr, struct module *m, uint64_t off,
    uint64_t *target)
{
	const struct module_cfi *c;
	struct rule_slot *slot;
	bool found;

	*target = UINT64_MAX;
	slot = cache_slot(tr, m, off | CALL_KEY, &found);
	if (slot && found) {
		*target = slot->target;
		return slot->call;
	}
	c = module_cfi(m);
	if (!c)
		return false;
	if (!slot)
		return call_ends_at(c, off, target);
	slot->call = call_ends_at(c, off, &slot->target);
	*target = slot->target;
	return slot->call;
}
