/*
 * symbolize.c - (module, file offset) to function and source line, when
 * a frame is shown.  Each module is opened once with libdw as an offline
 * file (its separate debug info found the standard ways: build-id,
 * .gnu_debuglink), and an offset is turned into the module's address
 * through its PT_LOAD segments.  Frame addresses are mostly return
 * addresses, so the lookup uses offset - 1 to land inside the call.
 */
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recorder/recorder.h"

struct modent {
	struct modent	*next;
	Dwfl		*dwfl;		/* NULL: the module could not be read */
	Dwfl_Module	*mod;
	char		name[];
};

struct rec_symbolizer {
	struct modent	*mods;
};

static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

struct rec_symbolizer *
rec_symbolizer_new(void)
{
	return calloc(1, sizeof(struct rec_symbolizer));
}

void
rec_symbolizer_free(struct rec_symbolizer *sz)
{
	if (!sz)
		return;
	while (sz->mods) {
		struct modent *m = sz->mods;

		sz->mods = m->next;
		if (m->dwfl)
			dwfl_end(m->dwfl);
		free(m);
	}
	free(sz);
}

static struct modent *
module_open(struct rec_symbolizer *sz, const char *name)
{
	size_t len = strlen(name) + 1;
	struct modent *m;

	for (m = sz->mods; m; m = m->next)
		if (strcmp(m->name, name) == 0)
			return m;
	m = calloc(1, sizeof(*m) + len);
	if (!m)
		return NULL;
	memcpy(m->name, name, len);
	if (name[0] == '/') {
		m->dwfl = dwfl_begin(&offline_callbacks);
		if (m->dwfl) {
			dwfl_report_begin(m->dwfl);
			m->mod = dwfl_report_offline(m->dwfl, name, name, -1);
			dwfl_report_end(m->dwfl, NULL, NULL);
			if (!m->mod) {
				dwfl_end(m->dwfl);
				m->dwfl = NULL;
			}
		}
	}
	m->next = sz->mods;
	sz->mods = m;
	return m;
}

/* The address in the module's address space of a file offset. */
static bool
offset_to_addr(Dwfl_Module *mod, uint64_t off, Dwarf_Addr *addr)
{
	Dwarf_Addr bias;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	size_t n;

	if (!elf || elf_getphdrnum(elf, &n) != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (off >= ph.p_offset && off < ph.p_offset + ph.p_filesz) {
			*addr = off - ph.p_offset + ph.p_vaddr + bias;
			return true;
		}
	}
	return false;
}

int
rec_symbolize(struct rec_symbolizer *sz, const char *module, uint64_t offset,
    struct rec_symbol *out)
{
	struct modent *m = module_open(sz, module);
	Dwarf_Addr addr;
	const char *name, *src;
	GElf_Off symoff;
	GElf_Sym sym;
	Dwfl_Line *line;
	int lineno = 0;

	memset(out, 0, sizeof(*out));
	if (!m || !m->dwfl)
		return -ENOENT;
	if (!offset_to_addr(m->mod, offset > 0 ? offset - 1 : 0, &addr))
		return -ENOENT;
	name = dwfl_module_addrinfo(m->mod, addr, &symoff, &sym, NULL, NULL,
	    NULL);
	if (name)
		snprintf(out->func, sizeof(out->func), "%s", name);
	line = dwfl_module_getsrc(m->mod, addr);
	src = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
	if (src) {
		snprintf(out->file, sizeof(out->file), "%s", src);
		out->line = lineno;
	}
	return 0;
}
