/*
 * bundle_elf.c - what record --bundle reads of a program's files: the
 * ELF interpreter an executable asks for, the soname a library gives
 * itself, the interpreter line of a script, and the libraries the
 * dynamic loader would load (its --list, as ldd does).
 */
#include "explorer/bundle_int.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define LIST_OUTPUT_MAX	(1 << 20)	/* bytes of ld.so --list we read */

static void
interp_of(Elf *elf, struct bx_elf *info)
{
	size_t n, i;

	if (elf_getphdrnum(elf, &n) != 0)
		return;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;
		size_t len;
		char *raw;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_INTERP)
			continue;
		raw = elf_rawfile(elf, &len);
		if (!raw || ph.p_offset >= len || ph.p_filesz > len - ph.p_offset ||
		    ph.p_filesz == 0 || ph.p_filesz >= PATH_MAX)
			return;
		info->interp = strndup(raw + ph.p_offset, ph.p_filesz);
		return;
	}
}

static void
soname_of(Elf *elf, struct bx_elf *info)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC ||
		    !sh.sh_entsize || !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Dyn dyn;
			const char *name;

			if (!gelf_getdyn(d, (int)i, &dyn) || dyn.d_tag == DT_NULL)
				break;
			if (dyn.d_tag != DT_SONAME)
				continue;
			name = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
			if (name && *name && !strchr(name, '/') &&
			    strlen(name) < NAME_MAX)
				info->soname = strdup(name);
			return;
		}
	}
}

/* "#!/bin/sh -e": the interpreter's path, or NULL. */
static char *
script_interp(int fd)
{
	char line[PATH_MAX + 3];
	ssize_t n = pread(fd, line, sizeof(line) - 1, 0);
	char *p, *end;

	if (n < 3 || line[0] != '#' || line[1] != '!')
		return NULL;
	line[n] = '\0';
	p = line + 2;
	p += strspn(p, " \t");
	end = p + strcspn(p, " \t\n");
	/* no end in the buffer: a line longer than any path (a file that is
	 * all "#!/bin/sh", with no newline, is a script like any other) */
	if (end == p || (*end == '\0' && (size_t)n == sizeof(line) - 1))
		return NULL;
	*end = '\0';
	return strdup(p);
}

int
bx_elf_read(const char *path, struct bx_elf *info)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf;

	memset(info, 0, sizeof(*info));
	if (fd < 0)
		return -errno;
	info->script = script_interp(fd);
	if (info->script || elf_version(EV_CURRENT) == EV_NONE) {
		close(fd);
		return 0;
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF) {
		info->elf = true;
		interp_of(elf, info);
		soname_of(elf, info);
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return 0;
}

void
bx_elf_release(struct bx_elf *info)
{
	free(info->interp);
	free(info->soname);
	free(info->script);
	memset(info, 0, sizeof(*info));
}

/* Run interp --list path with envp; its output, NUL-terminated. */
static int
run_list(const char *interp, const char *path, char *const *envp, char **out)
{
	char list[] = "--list";
	char *const argv[] = { (char *)interp, list, (char *)path, NULL };
	size_t len = 0;
	char *buf = malloc(LIST_OUTPUT_MAX + 1);
	int p[2], status, rc = 0;
	pid_t pid;

	*out = NULL;
	if (!buf)
		return -ENOMEM;
	if (pipe2(p, O_CLOEXEC) < 0) {
		free(buf);
		return -errno;
	}
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(p[1], 1);
		dup2(null, 2);
		execve(interp, argv, envp);
		_exit(127);
	}
	close(p[1]);
	if (pid < 0)
		rc = -errno;
	while (pid > 0 && len < LIST_OUTPUT_MAX) {
		ssize_t n = read(p[0], buf + len, LIST_OUTPUT_MAX - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(p[0]);
	if (pid > 0) {
		if (len == LIST_OUTPUT_MAX)
			kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			rc = -ENOEXEC;
	}
	buf[len] = '\0';
	if (rc == 0)
		*out = buf;
	else
		free(buf);
	return rc;
}

/*
 * One line of the list: "\tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1
 * (0x...)" is a library, "\t/lib64/ld-linux-x86-64.so.2 (0x...)" the
 * loader, "\tlinux-vdso.so.1 (0x...)" the kernel's; "=> not found" a
 * library this machine lacks.
 */
static int
list_line(char *line, bx_elf_lib_fn *fn, void *ctx)
{
	char *arrow = strstr(line, " => "), *name, *path, *addr;

	line += strspn(line, " \t");
	if (!arrow) {
		if (*line != '/')
			return 0;
		name = NULL;
		path = line;
	} else {
		*arrow = '\0';
		name = line;
		path = arrow + 4;
		if (strncmp(path, "not found", 9) == 0)
			return fn(ctx, name, NULL);
	}
	addr = strstr(path, " (0x");
	if (!addr || *path != '/')
		return 0;
	*addr = '\0';
	return fn(ctx, name, path);
}

int
bx_elf_list(const char *interp, const char *path, char *const *envp,
    bx_elf_lib_fn *fn, void *ctx)
{
	char *out, *line, *save = NULL;
	int rc = run_list(interp, path, envp, &out);

	if (rc < 0)
		return rc;
	for (line = strtok_r(out, "\n", &save); line && rc == 0;
	    line = strtok_r(NULL, "\n", &save))
		rc = list_line(line, fn, ctx);
	free(out);
	return rc;
}
