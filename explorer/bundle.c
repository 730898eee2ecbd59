/*
 * bundle.c - record --bundle: the program travels with its recording.
 *
 * What is kept: PROG's executable, its ELF interpreter (ld.so) and the
 * libraries the interpreter loads for it (ld.so --list, with PROG's
 * environment, as ldd does), plus every other library named by a
 * call-site frame (one it dlopen'ed).  Files are kept under their
 * canonical path, as /proc/PID/maps names them and call-site ids hash
 * them; a library asked for by another name (libz.so.1 for
 * libz.so.1.2.13) gets a symlink of that name beside it.  Programs a
 * frame names that PROG executes, and a script's interpreter, are listed
 * as "needed": running those from a bundle would need more than their
 * files (their own data, a library path of their own), so explore says
 * when one is absent.  The files are one archive of the snapshot format
 * (explorer/snapshot.c); bundle_run.c runs PROG from it.
 */
#include "explorer/bundle_int.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define BUNDLE_CHUNK	(256 * 1024)

struct member {
	char		*path;		/* canonical */
	const char	*role;		/* "exe", "interp", "lib", "needed" */
	char		*soname;	/* a lib's other name, or NULL */
	int64_t		size;		/* filled when packed; -1 needed */
	uint32_t	crc;
};

struct bundle {
	struct member	*v;
	size_t		n;
	char		*interp;	/* canonical, or NULL (static, script) */
	char *const	*envp;
	char		*err;
	size_t		errsz;
};

static struct member *
find(struct bundle *b, const char *path)
{
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->v[i].path, path) == 0)
			return &b->v[i];
	return NULL;
}

static int fail(struct bundle *b, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fail(struct bundle *b, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->err, b->errsz, fmt, ap);
	va_end(ap);
	return rc;
}

/* Add path (canonical) once; the first role given stays. */
static int
add(struct bundle *b, const char *path, const char *role, const char *soname)
{
	struct member *m = find(b, path), *nv;

	if (m) {
		if (!m->soname && soname && strcmp(m->role, "needed") != 0)
			m->soname = strdup(soname);
		return 0;
	}
	if (b->n == 4096)
		return fail(b, -EFBIG, "more than 4096 files");
	nv = realloc(b->v, (b->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	b->v = nv;
	m = &b->v[b->n];
	*m = (struct member){ .path = strdup(path), .role = role,
	    .size = -1 };
	if (soname && !(m->soname = strdup(soname))) {
		free(m->path);
		return -ENOMEM;
	}
	if (!m->path) {
		free(m->soname);
		return -ENOMEM;
	}
	b->n++;
	return 0;
}

/* The loader's answer for one library (bx_elf_lib_fn). */
static int
on_lib(void *ctx, const char *name, const char *path)
{
	struct bundle *b = ctx;
	char *real, *base;
	int rc;

	if (!path)
		return fail(b, -ENOENT, "the library %s is not found (as "
		    "ldd says): record runs where PROG can run", name);
	real = realpath(path, NULL);
	if (!real)
		return fail(b, -errno, "cannot resolve %s", path);
	base = strrchr(real, '/') + 1;
	if (!name || (b->interp && strcmp(real, b->interp) == 0))
		rc = 0;			/* the loader, already in */
	else
		rc = add(b, real, "lib", strcmp(base, name) ? name : NULL);
	free(real);
	return rc;
}

/* A program a frame names: a library, or another program (needed). */
static int
add_module(struct bundle *b, const char *module, bool script)
{
	char *real = realpath(module, NULL);
	struct bx_elf e;
	int rc = 0;

	if (!real)		/* gone since ("(deleted)"): nothing to keep */
		return 0;
	if (find(b, real) || bx_elf_read(real, &e) < 0 || !e.elf) {
		free(real);
		return 0;
	}
	/* libc has a PT_INTERP too; a library names itself, a program not */
	if (e.interp && !e.soname)
		rc = add(b, real, "needed", NULL);
	else if (script)
		rc = 0;		/* its interpreter's: installed with it */
	else {
		const char *base = strrchr(real, '/') + 1;

		rc = add(b, real, "lib", e.soname && strcmp(e.soname, base) ?
		    e.soname : NULL);
		/* what it loads in turn (a dlopen'ed plugin's libraries) */
		if (rc == 0 && b->interp)
			(void)bx_elf_list(b->interp, real, b->envp, on_lib, b);
	}
	bx_elf_release(&e);
	free(real);
	return rc;
}

/* A script's interpreter, through PATH for "#!/usr/bin/env NAME". */
static int
add_script_interp(struct bundle *b, const char *interp)
{
	char *real = realpath(interp, NULL);
	int rc;

	if (!real)
		return fail(b, -ENOENT, "the script's interpreter %s does not "
		    "exist", interp);
	rc = add(b, real, "needed", NULL);
	free(real);
	return rc;
}

static int
collect(struct bundle *b, struct store *s, const char *exe)
{
	struct bx_elf e;
	char **mods = NULL;
	size_t nmods = 0;
	int rc;

	rc = bx_elf_read(exe, &e);
	if (rc < 0)
		return fail(b, rc, "cannot read %s", exe);
	rc = add(b, exe, "exe", NULL);
	if (rc == 0 && e.script)
		rc = add_script_interp(b, e.script);
	else if (rc == 0 && e.interp) {
		b->interp = realpath(e.interp, NULL);
		rc = b->interp ? add(b, b->interp, "interp", NULL) :
		    fail(b, -ENOENT, "its ELF interpreter %s does not exist",
		    e.interp);
		if (rc == 0)
			rc = bx_elf_list(b->interp, exe, b->envp, on_lib, b);
		if (rc == -ENOEXEC)
			rc = fail(b, rc, "%s --list failed on it", b->interp);
	}
	if (rc == 0)
		rc = store_callsite_modules(s, &mods, &nmods);
	for (size_t i = 0; rc == 0 && i < nmods; i++)
		rc = add_module(b, mods[i], e.script != NULL);
	for (size_t i = 0; i < nmods; i++)
		free(mods[i]);
	free(mods);
	bx_elf_release(&e);
	return rc;
}

static int
by_path(const void *a, const void *b)
{
	return strcmp(((const struct member *)a)->path,
	    ((const struct member *)b)->path);
}

/* The directories above name ("usr/lib/x"), each once, before it. */
static int
put_dirs(struct bx_snap_writer *w, const char *name, char *done, size_t size)
{
	char dir[PATH_MAX];
	const char *p = name;
	int rc;

	while ((p = strchr(p, '/'))) {
		size_t len = (size_t)(p - name);

		memcpy(dir, name, len);
		dir[len] = '\0';
		p++;
		/* sorted members: a directory made is a prefix of done */
		if (strncmp(done, dir, len) == 0 &&
		    (done[len] == '/' || done[len] == '\0'))
			continue;
		rc = bx_snap_writer_add(w, dir, S_IFDIR | 0755, 0, 0, NULL);
		if (rc < 0)
			return rc;
	}
	snprintf(done, size, "%.*s", (int)(strrchr(name, '/') - name), name);
	return 0;
}

static int
put_file(struct bx_snap_writer *w, struct member *m, char *buf)
{
	const char *name = m->path + 1;
	struct stat st;
	int64_t left;
	int fd = open(m->path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	rc = bx_snap_writer_add(w, name, S_IFREG | (st.st_mode & 0755),
	    (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec,
	    (int64_t)st.st_size, NULL);
	m->size = (int64_t)st.st_size;
	m->crc = (uint32_t)crc32(0, NULL, 0);
	for (left = m->size; rc == 0 && left > 0; ) {
		ssize_t n = read(fd, buf, left < BUNDLE_CHUNK ? (size_t)left :
		    BUNDLE_CHUNK);

		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;	/* shrank meanwhile */
			break;
		}
		m->crc = (uint32_t)crc32(m->crc, (const Bytef *)buf, (uInt)n);
		rc = bx_snap_writer_data(w, name, buf, (size_t)n);
		left -= n;
	}
	close(fd);
	return rc;
}

/* A lib's other name, unless a member of the bundle is that file. */
static void
drop_taken_soname(struct bundle *b, struct member *m)
{
	char other[PATH_MAX];
	const char *base = strrchr(m->path, '/') + 1;

	if (!m->soname)
		return;
	snprintf(other, sizeof(other), "%.*s%s", (int)(base - m->path),
	    m->path, m->soname);
	if (find(b, other)) {
		free(m->soname);
		m->soname = NULL;
	}
}

/* "usr/lib/libz.so.1" -> "libz.so.1.2.13", beside the file. */
static int
put_soname(struct bx_snap_writer *w, const struct member *m)
{
	char name[PATH_MAX];
	const char *base = strrchr(m->path, '/') + 1;

	if (!m->soname)
		return 0;
	snprintf(name, sizeof(name), "%.*s%s", (int)(base - m->path - 1),
	    m->path + 1, m->soname);
	return bx_snap_writer_add(w, name, S_IFLNK | 0777, 0, 0, base);
}

static int
pack(struct bundle *b, int fd, int64_t *tar_size)
{
	struct bx_snap_writer *w;
	char done[PATH_MAX] = "", *buf = malloc(BUNDLE_CHUNK);
	int rc = buf ? bx_snap_writer_open(fd, &w, b->err, b->errsz) : -ENOMEM;

	if (rc < 0) {
		free(buf);
		return rc;
	}
	qsort(b->v, b->n, sizeof(*b->v), by_path);
	for (size_t i = 0; rc == 0 && i < b->n; i++) {
		struct member *m = &b->v[i];

		if (strcmp(m->role, "needed") == 0)
			continue;
		rc = put_dirs(w, m->path + 1, done, sizeof(done));
		if (rc == 0 && (rc = put_file(w, m, buf)) < 0 && !*b->err)
			snprintf(b->err, b->errsz, "cannot copy %s: %s", m->path,
			    strerror(-rc));
		drop_taken_soname(b, m);
		if (rc == 0)
			rc = put_soname(w, m);
	}
	free(buf);
	if (rc < 0) {
		bx_snap_writer_abort(w);
		return rc;
	}
	return bx_snap_writer_close(w, tar_size);
}

static int
store_all(struct bundle *b, struct store *s, int64_t rec, int fd,
    int64_t tar_size, struct bx_bundle_info *info)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < b->n; i++) {
		const struct member *m = &b->v[i];
		struct store_bundle_file f = { m->path, m->role, m->soname,
		    m->size, m->crc };

		rc = store_bundle_add(s, rec, &f);
		if (m->size < 0)
			info->needed++;
		else {
			info->files++;
			info->bytes += m->size;
		}
	}
	if (rc == 0)
		rc = store_bundle_put(s, rec, fd, tar_size);
	if (rc < 0)
		snprintf(b->err, b->errsz, "%s", store_errmsg(s));
	return rc;
}

static void
bundle_release(struct bundle *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->v[i].path);
		free(b->v[i].soname);
	}
	free(b->v);
	free(b->interp);
}

int
bx_bundle_make(struct store *s, int64_t rec, const char *exe,
    char *const *envp, struct bx_bundle_info *info, char *err, size_t errsz)
{
	struct bundle b = { .envp = envp, .err = err, .errsz = errsz };
	int64_t tar_size = 0;
	struct stat st;
	int fd, rc;

	memset(info, 0, sizeof(*info));
	*err = '\0';
	rc = collect(&b, s, exe);
	fd = rc == 0 ? bx_tmpfile() : -1;
	if (rc == 0 && fd < 0)
		rc = fail(&b, fd, "cannot make a temporary file");
	if (rc == 0)
		rc = pack(&b, fd, &tar_size);
	if (rc == 0)
		rc = store_all(&b, s, rec, fd, tar_size, info);
	if (rc == 0 && fstat(fd, &st) == 0)
		info->archive_bytes = (int64_t)st.st_size;
	for (size_t i = 0; rc == 0 && i < b.n && info->nshown < BX_BUNDLE_SHOWN;
	    i++)
		if (b.v[i].size < 0)
			snprintf(info->shown[info->nshown++], PATH_MAX, "%s",
			    b.v[i].path);
	if (fd >= 0)
		close(fd);
	if (rc < 0 && !*err)
		snprintf(err, errsz, "%s", strerror(-rc));
	bundle_release(&b);
	return rc;
}
