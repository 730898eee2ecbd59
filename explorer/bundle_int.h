/*
 * bundle_int.h - between the parts of record --bundle (explorer/bundle*.c).
 */
#ifndef BADIO_EXPLORER_BUNDLE_INT_H
#define BADIO_EXPLORER_BUNDLE_INT_H

#include "explorer/explorer_int.h"

/* What a program file is (bundle_elf.c). */
struct bx_elf {
	bool	elf;		/* an ELF file */
	char	*interp;	/* its PT_INTERP (an executable), or NULL */
	char	*soname;	/* its DT_SONAME (a library), or NULL */
	char	*script;	/* "#!" line: the interpreter's path, or NULL */
};
int	bx_elf_read(const char *path, struct bx_elf *info);
void	bx_elf_release(struct bx_elf *info);
/*
 * The libraries interp would load for path (interp --list path, with
 * envp, as ldd does): fn once per library with the name it is asked by
 * and the file that answers (NULL: not found), and once for the loader
 * itself (name NULL).
 */
typedef int bx_elf_lib_fn(void *ctx, const char *name, const char *path);
int	bx_elf_list(const char *interp, const char *path, char *const *envp,
	    bx_elf_lib_fn *fn, void *ctx);

#endif
