/*
 * bundle_run.c - explore runs PROG from the files record --bundle kept,
 * where this machine lacks them or has other versions.
 *
 * The archive is unpacked (by the snapshot unpacker: nothing reaches
 * outside its directory) into a scratch directory ROOT.  A dynamically
 * linked PROG runs as ROOT/ld.so --argv0 ARGV0 --library-path DIRS
 * ROOT/exe ARGS: the bundled loader, which loads the bundled libraries
 * and nothing of this machine's; a static one or a script runs as
 * ROOT/exe.  The recorder names a mapped ROOT/x as /x
 * (rec_opts.module_root), so call-site ids match the recording's.
 * What the program sees differently: /proc/self/exe is the loader, and
 * AT_EXECFN is ROOT/...; docs/scale.md says so.
 */
#include "explorer/bundle_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define CHECK_CHUNK	(256 * 1024)

/* Does this machine have f as recorded (same size, same crc32)? */
static bool
same_here(const struct store_bundle_file *f)
{
	char *buf;
	struct stat st;
	uint32_t crc = (uint32_t)crc32(0, NULL, 0);
	int64_t left;
	int fd = open(f->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (int64_t)st.st_size != f->size || !(buf = malloc(CHECK_CHUNK))) {
		close(fd);
		return false;
	}
	for (left = f->size; left > 0; ) {
		ssize_t n = read(fd, buf, left < CHECK_CHUNK ? (size_t)left :
		    CHECK_CHUNK);

		if (n <= 0)
			break;
		crc = (uint32_t)crc32(crc, (const Bytef *)buf, (uInt)n);
		left -= n;
	}
	free(buf);
	close(fd);
	return left == 0 && crc == f->crc32;
}

/* An absolute canonical path: no "//", ".", ".." parts, no ':'. */
static bool
clean_path(const char *p)
{
	if (p[0] != '/' || !p[1] || strlen(p) >= PATH_MAX - 64 ||
	    strchr(p, ':') || p[strlen(p) - 1] == '/')
		return false;
	for (const char *c = p; (c = strchr(c, '/')); c++) {
		size_t len = strcspn(c + 1, "/");

		if (len == 0 || (len == 1 && c[1] == '.') ||
		    (len == 2 && c[1] == '.' && c[2] == '.'))
			return false;
	}
	return true;
}

static int
add_missing(struct bx_bundle_run *br, const char *path)
{
	size_t n = 0;
	char **nv;

	while (br->missing && br->missing[n])
		n++;
	nv = realloc(br->missing, (n + 2) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	br->missing = nv;
	nv[n] = strdup(path);
	nv[n + 1] = NULL;
	return nv[n] ? 0 : -ENOMEM;
}

/*
 * Check the manifest: *use set if a stored file is absent or other here
 * (br->why says which), and the needed ones absent here noted.
 */
static int
survey(struct bx_bundle_run *br, const struct store_bundle_file *v, size_t n,
    bool *use, char *err, size_t errsz)
{
	int rc = 0;

	*use = false;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct store_bundle_file *f = &v[i];

		if (!clean_path(f->path) || (f->soname && (strchr(f->soname, '/') ||
		    !strcmp(f->soname, ".") || !strcmp(f->soname, "..")))) {
			snprintf(err, errsz, "the bundle names '%.200s', which "
			    "is not a canonical absolute path", f->path);
			return -EBADMSG;
		}
		if (f->size < 0) {
			if (access(f->path, F_OK) < 0)
				rc = add_missing(br, f->path);
			continue;
		}
		if (*use || same_here(f))
			continue;
		*use = true;
		if (asprintf(&br->why, "%s %s here", f->path,
		    access(f->path, F_OK) < 0 ? "is absent" : "differs") < 0) {
			br->why = NULL;
			rc = -ENOMEM;
		}
	}
	return rc;
}

static const struct store_bundle_file *
with_role(const struct store_bundle_file *v, size_t n, const char *role)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].role, role) == 0)
			return &v[i];
	return NULL;
}

/* Is item one of the ':'-separated parts of list? */
static bool
listed(const char *list, const char *item)
{
	size_t len = strlen(item);

	for (const char *p = list; *p; p += strcspn(p, ":"), p += *p == ':')
		if (strncmp(p, item, len) == 0 && (p[len] == ':' || !p[len]))
			return true;
	return false;
}

/* ROOT/dir1:ROOT/dir2...: the directories of the stored libraries. */
static char *
library_path(const char *root, const struct store_bundle_file *v, size_t n)
{
	size_t len = 0;
	char *out = calloc(1, 1);

	for (size_t i = 0; out && i < n; i++) {
		int dlen = (int)(strrchr(v[i].path, '/') - v[i].path);
		char item[2 * PATH_MAX];
		int ilen;
		char *nv;

		if (strcmp(v[i].role, "lib") != 0)
			continue;
		ilen = snprintf(item, sizeof(item), "%s%s%.*s", len ? ":" : "",
		    root, dlen ? dlen : 1, v[i].path);
		if (listed(out, item + (len ? 1 : 0)))
			continue;
		nv = realloc(out, len + (size_t)ilen + 1);
		if (!nv) {
			free(out);
			return NULL;
		}
		out = nv;
		memcpy(out + len, item, (size_t)ilen + 1);
		len += (size_t)ilen;
	}
	return out;
}

/* The argv that runs exe through the bundled loader. */
static int
loader_argv(struct bx_bundle_run *br, const char *root, char *const *argv,
    const struct store_bundle_file *interp, const struct store_bundle_file *v,
    size_t n)
{
	size_t argc = 0, k = 0;
	char *libs = library_path(root, v, n);

	while (argv[argc])
		argc++;
	br->argv = calloc(argc + 7, sizeof(*br->argv));
	if (!libs || !br->argv || asprintf(&br->exe_run, "%s%s", root,
	    interp->path) < 0) {
		br->exe_run = NULL;
		free(libs);
		return -ENOMEM;
	}
	br->argv[k++] = strdup(br->exe_run);
	br->argv[k++] = strdup("--argv0");
	br->argv[k++] = strdup(argc ? argv[0] : br->exe_run);
	br->argv[k++] = strdup("--library-path");
	br->argv[k++] = libs;
	br->argv[k++] = strdup(br->exe_in_bundle);
	for (size_t i = 1; i < argc; i++)
		br->argv[k++] = strdup(argv[i]);
	for (size_t i = 0; i < k; i++)
		if (!br->argv[i])
			return -ENOMEM;
	return 0;
}

static int
plain_argv(struct bx_bundle_run *br, char *const *argv)
{
	size_t argc = 0;

	while (argv[argc])
		argc++;
	br->argv = calloc(argc + 1, sizeof(*br->argv));
	br->exe_run = strdup(br->exe_in_bundle);
	if (!br->argv || !br->exe_run)
		return -ENOMEM;
	for (size_t i = 0; i < argc; i++)
		if (!(br->argv[i] = strdup(argv[i])))
			return -ENOMEM;
	return 0;
}

/* Unpack into a fresh scratch directory, then check what PROG needs. */
static int
unpack(struct store *s, const struct store_recording *rec,
    struct bx_bundle_run *br, const struct store_bundle_file *exe,
    char *err, size_t errsz)
{
	struct stat st;
	int fd, rc;

	rc = bx_scratch_make("bundle", &br->dir);
	if (rc < 0) {
		snprintf(err, errsz, "cannot make a directory for the bundle: "
		    "%s", strerror(-rc));
		return rc;
	}
	fd = bx_tmpfile();
	if (fd < 0)
		return fd;
	rc = store_bundle_get(s, rec->id, fd);
	if (rc < 0)
		snprintf(err, errsz, "%s", store_errmsg(s));
	else
		rc = bx_snapshot_unpack(fd, br->dir, err, errsz);
	close(fd);
	if (rc < 0)
		return rc;
	if (asprintf(&br->exe_in_bundle, "%s%s", br->dir, exe->path) < 0) {
		br->exe_in_bundle = NULL;
		return -ENOMEM;
	}
	/* what the unpacker made stays beneath dir: is PROG there? */
	if (lstat(br->exe_in_bundle, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "the bundle lacks PROG (%.200s)", exe->path);
		return -EBADMSG;
	}
	return 0;
}

int
bx_bundle_prepare(struct store *s, const struct store_recording *rec,
    enum bx_bundle_use when, struct bx_bundle_run *br, char *err, size_t errsz)
{
	struct store_bundle_file *v;
	const struct store_bundle_file *exe, *interp;
	size_t n;
	bool use;
	int rc;

	memset(br, 0, sizeof(*br));
	*err = '\0';
	if (when == BX_BUNDLE_NEVER)
		return 0;
	rc = store_bundle_list(s, rec->id, &v, &n);
	if (rc < 0) {
		snprintf(err, errsz, "%s", store_errmsg(s));
		return rc;
	}
	if (n == 0) {
		if (when == BX_BUNDLE_ALWAYS) {
			snprintf(err, errsz, "the recording has no bundle "
			    "(record it with --bundle)");
			rc = -ENOENT;
		}
		goto out;
	}
	rc = survey(br, v, n, &use, err, errsz);
	if (rc < 0 || (!use && when != BX_BUNDLE_ALWAYS))
		goto out;
	if (!br->why && !(br->why = strdup("--bundle always")))
		rc = -ENOMEM;
	exe = with_role(v, n, "exe");
	interp = with_role(v, n, "interp");
	if (rc == 0 && !exe) {
		snprintf(err, errsz, "the bundle has no file of role 'exe'");
		rc = -EBADMSG;
	}
	if (rc == 0)
		rc = unpack(s, rec, br, exe, err, errsz);
	if (rc == 0)
		rc = interp ? loader_argv(br, br->dir, rec->argv, interp, v, n) :
		    plain_argv(br, rec->argv);
	if (rc == -ENOMEM && !*err)
		snprintf(err, errsz, "out of memory");
out:
	store_bundle_free(v, n);
	if (rc < 0)
		bx_bundle_release(br);
	return rc;
}

void
bx_bundle_release(struct bx_bundle_run *br)
{
	if (br->dir) {
		struct bx_tree_report rep;

		(void)bx_tree_remove(br->dir, &rep);
		free(br->dir);
	}
	bx_strv_free(br->argv);
	bx_strv_free(br->missing);
	free(br->exe_run);
	free(br->exe_in_bundle);
	free(br->why);
	memset(br, 0, sizeof(*br));
}
