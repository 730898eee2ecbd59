/*
 * state_digest.c - one digest of a crash state as its oracle sees it,
 * for --judge-once (sweep_judge.c).
 *
 * Most crash points of a program leave the same state: between two
 * durability points the durable state does not change, and a program
 * that writes without syncing leaves the metadata state of its last
 * sync at every write.  Under --judge-once the oracle is taken to be a
 * function of what it can see of a state: the files, BADIO_STDOUT, and
 * BADIO_FAULT, BADIO_STATE and BADIO_STATUS (not BADIO_SITE, BADIO_PATH
 * or BADIO_DIR, which name the crash point, not the state).  Two states
 * with one digest are then one judgement.
 *
 * What counts of a file: its name, type, permission bits, link count,
 * size and bytes, a symlink's target, a device's number; not times or
 * owners (a state is a fresh copy: its times are the copy's).  Entries
 * are taken in name order, so the order of readdir does not count.
 * Symlinks are never followed; depth is bounded.
 */
#include "explorer/explorer_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#define DIGEST_DEPTH_MAX	256
#define DIGEST_CHUNK		(64 * 1024)

struct digest {
	XXH3_state_t	*h;
	char		*buf;		/* DIGEST_CHUNK bytes */
};

static void
add(struct digest *d, const void *p, size_t n)
{
	XXH3_128bits_update(d->h, p, n);
}

static void
add_u64(struct digest *d, uint64_t v)
{
	add(d, &v, sizeof(v));
}

/* The bytes of an open file, then how many there were. */
static int
add_fd(struct digest *d, int fd)
{
	uint64_t total = 0;
	ssize_t n;

	while ((n = read(fd, d->buf, DIGEST_CHUNK)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		add(d, d->buf, (size_t)n);
		total += (uint64_t)n;
	}
	add_u64(d, total);
	return 0;
}

static int
add_file(struct digest *d, int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY |
	    O_NONBLOCK | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -errno;
	rc = add_fd(d, fd);
	close(fd);
	return rc;
}

static int
add_link(struct digest *d, int dfd, const char *name)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(dfd, name, target, sizeof(target));

	if (n < 0)
		return -errno;
	add(d, target, (size_t)n);
	add_u64(d, (uint64_t)n);
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dfd but . and .., sorted, into *names (to free). */
static int
list_names(int dfd, char ***names, size_t *n)
{
	size_t cap = 0;
	struct dirent *de;
	DIR *dir;
	int fd = dup(dfd);

	*names = NULL;
	*n = 0;
	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while ((errno = 0, de = readdir(dir))) {
		char **grown;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(*names, cap * sizeof(**names));
			if (!grown)
				break;
			*names = grown;
		}
		if (!((*names)[*n] = strdup(de->d_name)))
			break;
		(*n)++;
	}
	closedir(dir);
	if (de || errno) {
		int rc = errno ? -errno : -ENOMEM;

		while (*n)
			free((*names)[--*n]);
		free(*names);
		*names = NULL;
		return rc;
	}
	if (*n > 1)
		qsort(*names, *n, sizeof(**names), by_name);
	return 0;
}

static int add_dir(struct digest *d, int dfd, unsigned depth);

/* One entry: what it is, then what it holds. */
static int
add_entry(struct digest *d, int dfd, const char *name, unsigned depth)
{
	struct stat st;
	int fd, rc;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	add(d, name, strlen(name) + 1);
	add_u64(d, (uint64_t)(st.st_mode & (S_IFMT | 07777)));
	add_u64(d, (uint64_t)st.st_nlink);
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		return add_file(d, dfd, name);
	case S_IFLNK:
		return add_link(d, dfd, name);
	case S_IFDIR:
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd < 0)
			return -errno;
		rc = add_dir(d, fd, depth + 1);
		close(fd);
		return rc;
	case S_IFCHR:
	case S_IFBLK:
		add_u64(d, (uint64_t)st.st_rdev);
		return 0;
	default:		/* a fifo or a socket: its kind is all */
		return 0;
	}
}

static int
add_dir(struct digest *d, int dfd, unsigned depth)
{
	char **names;
	size_t n, i;
	int rc;

	if (depth > DIGEST_DEPTH_MAX)
		return -ELOOP;
	rc = list_names(dfd, &names, &n);
	if (rc)
		return rc;
	for (i = 0; i < n && rc == 0; i++)
		rc = add_entry(d, dfd, names[i], depth);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	add_u64(d, (uint64_t)n);	/* the end of this directory */
	return rc;
}

int
bx_state_digest(const struct bx_state_seen *seen, struct bx_digest *out)
{
	struct digest d = { NULL, NULL };
	XXH128_hash_t v;
	int fd, rc = -ENOMEM;

	d.h = XXH3_createState();
	d.buf = malloc(DIGEST_CHUNK);
	if (!d.h || !d.buf)
		goto out;
	XXH3_128bits_reset(d.h);
	add(&d, seen->fault, strlen(seen->fault) + 1);
	add(&d, seen->state, strlen(seen->state) + 1);
	add(&d, seen->status, strlen(seen->status) + 1);
	fd = open(seen->stdout_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	rc = add_fd(&d, fd);
	close(fd);
	if (rc)
		goto out;
	fd = open(seen->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	rc = add_dir(&d, fd, 0);
	close(fd);
	if (rc == 0) {
		v = XXH3_128bits_digest(d.h);
		out->lo = v.low64;
		out->hi = v.high64;
	}
out:
	XXH3_freeState(d.h);
	free(d.buf);
	return rc;
}
