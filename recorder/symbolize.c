/*
 * symbolize.c - (module, file offset) to function and source line, when
 * a frame is shown.  Each module is opened once with libdw as an offline
 * file (its separate debug info found the standard ways: build-id,
 * .gnu_debuglink), and an offset is turned into the module's address
 * through its PT_LOAD segments.  Frame addresses are mostly return
 * addresses, so the lookup uses offset - 1 to land inside the call.
 *
 * Module names come from the database, which may come from elsewhere
 * (docs/manual.md, "Trust"): a name may be a FIFO (open(2) would wait
 * for a writer forever), /dev/zero (endless), a directory, a device
 * whose opening does something, or a huge file.  So a module is read
 * only if it is a regular file of at most SYM_MODULE_MAX bytes, checked
 * with stat(2) before the open and fstat(2) after it (O_NONBLOCK, so
 * that a FIFO swapped in between cannot block); the same goes for the
 * debug files libdw would open beside it.  Loading modules stops after
 * SYM_BUDGET_MS in all; later frames stay unsymbolized (module+offset).
 */
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "recorder/recorder.h"

#define SYM_MODULE_MAX	((off_t)4 << 30)	/* bytes */
#define SYM_BUDGET_MS	20000

struct modent {
	struct modent	*next;
	Dwfl		*dwfl;		/* NULL: the module could not be read */
	Dwfl_Module	*mod;
	char		name[];
};

struct rec_symbolizer {
	struct modent	*mods;
	int64_t		spent_ms;	/* loading modules, against SYM_BUDGET_MS */
};

/* A regular file small enough to read: what stat(2) says of path. */
static bool
readable_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size <= SYM_MODULE_MAX;
}

/* path is absent, or a file readable_file() accepts. */
static bool
absent_or_readable(const char *path)
{
	struct stat st;

	return lstat(path, &st) < 0 || readable_file(path);
}

/*
 * The places dwfl_standard_find_debuginfo() looks for a module's debug
 * file (libdwfl.h: the build-id link, then NAME in the module's
 * directory, its .debug/ and /usr/lib/debug/DIR/, NAME being the
 * .gnu_debuglink or BASENAME.debug): any of them that exists must be a
 * regular file, or libdw's plain open(2) could block on it.
 */
static bool
debug_candidates_safe(Dwfl_Module *mod, const char *file,
    const char *debuglink)
{
	const unsigned char *id;
	GElf_Addr vaddr;
	char path[PATH_MAX + 64], name[NAME_MAX + 8];
	const char *slash = strrchr(file, '/');
	const char *base = slash ? slash + 1 : file;
	int dirlen = slash ? (int)(slash - file) : 0;
	int idlen = dwfl_module_build_id(mod, &id, &vaddr);
	int n;

	if (idlen > 1) {
		n = snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%02x/",
		    id[0]);
		for (int i = 1; i < idlen && n < (int)sizeof(path) - 8; i++)
			n += snprintf(path + n, sizeof(path) - n, "%02x", id[i]);
		snprintf(path + n, sizeof(path) - n, ".debug");
		if (!absent_or_readable(path))
			return false;
	}
	snprintf(name, sizeof(name), "%s%s", debuglink ? debuglink : base,
	    debuglink ? "" : ".debug");
	if (strchr(name, '/'))
		return false;		/* a debuglink is a plain name */
	snprintf(path, sizeof(path), "%.*s/%s", dirlen, file, name);
	if (!absent_or_readable(path))
		return false;
	snprintf(path, sizeof(path), "%.*s/.debug/%s", dirlen, file, name);
	if (!absent_or_readable(path))
		return false;
	snprintf(path, sizeof(path), "/usr/lib/debug%.*s/%s", dirlen, file, name);
	return absent_or_readable(path);
}

static int
find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
    Dwarf_Addr base, const char *file_name, const char *debuglink_file,
    GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	if (!file_name || !debug_candidates_safe(mod, file_name,
	    debuglink_file))
		return -1;		/* no separate debug info: the symtab */
	return dwfl_standard_find_debuginfo(mod, userdata, modname, base,
	    file_name, debuglink_file, debuglink_crc, debuginfo_file_name);
}

static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An fd on the module file, or -1: see the top of this file. */
static int
module_fd(const char *name)
{
	struct stat st;
	int fd;

	if (name[0] != '/' || !readable_file(name))
		return -1;
	fd = open(name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > SYM_MODULE_MAX) {
		close(fd);
		return -1;
	}
	return fd;
}

/* libdw for the module at name (which has a slash), or NULL. */
static Dwfl *
module_load(const char *name, Dwfl_Module **mod)
{
	int fd = module_fd(name);
	Dwfl *dwfl;

	*mod = NULL;
	if (fd < 0)
		return NULL;
	dwfl = dwfl_begin(&offline_callbacks);
	if (!dwfl) {
		close(fd);
		return NULL;
	}
	dwfl_report_begin(dwfl);
	*mod = dwfl_report_offline(dwfl, name, name, fd);	/* takes fd */
	dwfl_report_end(dwfl, NULL, NULL);
	if (!*mod) {
		close(fd);	/* consumed only on success */
		dwfl_end(dwfl);
		return NULL;
	}
	return dwfl;
}

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
	if (sz->spent_ms < SYM_BUDGET_MS) {
		int64_t t0 = mono_ms();

		m->dwfl = module_load(name, &m->mod);
		sz->spent_ms += mono_ms() - t0;
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
