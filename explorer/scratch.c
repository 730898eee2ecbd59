/*
 * scratch.c - scratch directories and files: where runs happen, named
 * so that a later badio can tell whose they are.
 *
 * A scratch directory is $TMPDIR/badio-TAG-OWNER-XXXXXX, OWNER being
 * the stamp of the badio process that made it (record, or the explore
 * worker that runs in it): "PID.START.PIDNS", with START the process's
 * start time (field 22 of /proc/PID/stat) so that a reused pid is not
 * taken for the owner, and PIDNS its pid namespace (the inode of
 * /proc/self/ns/pid) so that a badio in a container sharing /tmp does
 * not judge pids it cannot see.  A badio that is killed (kill -9, a
 * crash, a worker that dies) cannot remove its directories; bx_sweep(),
 * which record and explore run when they start, removes those of owners
 * that are gone: never one of a live process, never another user's,
 * never across a mount (bx_tree_remove), and never a name it did not
 * make ("badio-record-kept-..." is what record --keep leaves).  It also
 * removes the cgroups of owners that are gone (explorer/contain.c).
 */
#include "explorer/explorer_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

static const char *
tmp_dir(void)
{
	return bx_scratch_dir();
}

/* Where scratch directories are made: $TMPDIR, else /tmp. */
const char *
bx_scratch_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	return tmp && *tmp ? tmp : "/tmp";
}

const char *
bx_proc_stat(pid_t pid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	/* the command name may hold spaces and parentheses: the last ')' */
	buf = strrchr(buf, ')');
	return buf && buf[1] == ' ' ? buf + 2 : NULL;
}

/* Field 22 of /proc/PID/stat: when the process started.  0 if unknown. */
static uint64_t
start_time(pid_t pid)
{
	unsigned long long start = 0;
	char buf[1024];
	const char *p = bx_proc_stat(pid, buf, sizeof(buf));
	int field;

	/* p is at field 3 */
	for (field = 3; p && field < 22; field++)
		p = strchr(p, ' ') ? strchr(p, ' ') + 1 : NULL;
	if (p)
		sscanf(p, "%llu", &start);
	return start;
}

static uint64_t
pid_namespace(void)
{
	struct stat st;

	return stat("/proc/self/ns/pid", &st) == 0 ? (uint64_t)st.st_ino : 0;
}

int
bx_owner_stamp(char *buf, size_t size)
{
	int n = snprintf(buf, size, "%d.%" PRIu64 ".%" PRIu64, (int)getpid(),
	    start_time(getpid()), pid_namespace());

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

bool
bx_owner_gone(const char *stamp)
{
	unsigned long long start, ns;
	int pid, end = 0;

	if (sscanf(stamp, "%d.%llu.%llu%n", &pid, &start, &ns, &end) != 3 ||
	    stamp[end] != '\0' || pid <= 0)
		return false;		/* not ours to judge */
	if (ns != pid_namespace() || ns == 0)
		return false;		/* another pid namespace: cannot tell */
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	/* alive, or a new process with the same pid */
	return start != 0 && start_time(pid) != 0 && start_time(pid) != start;
}

/*
 * Where a sweep's crash states go when they can (sweep.c): a memory
 * file system, /dev/shm, so that building and removing a copy of the
 * run directory per crash state costs no disk I/O (on a file system
 * mounted with discard, every removed file waits for the device: 6.6 s
 * against 1.1 s for 2,004 states here).  BADIO_STATES_DIR overrides it
 * ("" or a directory); NULL when there is none: the states go to
 * $TMPDIR.
 */
const char *
bx_memory_dir(void)
{
	const char *env = getenv("BADIO_STATES_DIR");
	struct statfs fs;

	if (env)
		return *env ? env : NULL;
	if (statfs("/dev/shm", &fs) < 0 || fs.f_type != TMPFS_MAGIC ||
	    access("/dev/shm", W_OK | X_OK) < 0)
		return NULL;
	return "/dev/shm";
}

int
bx_scratch_make(const char *tag, char **dir)
{
	return bx_scratch_make_in(tmp_dir(), tag, dir);
}

int
bx_scratch_make_in(const char *base, const char *tag, char **dir)
{
	char stamp[96];
	int rc;

	*dir = NULL;
	rc = bx_owner_stamp(stamp, sizeof(stamp));
	if (rc < 0)
		return rc;
	if (asprintf(dir, "%s/badio-%s-%s-XXXXXX", base, tag, stamp) < 0) {
		*dir = NULL;
		return -ENOMEM;
	}
	if (!mkdtemp(*dir)) {
		rc = -errno;
		free(*dir);
		*dir = NULL;
		return rc;
	}
	return 0;
}

/*
 * The owner stamp of a scratch name "badio-TAG-STAMP-XXXXXX", into
 * stamp; false for any other name, "badio-TAG-kept-XXXXXX" included.
 */
static bool
scratch_owner(const char *name, char *stamp, size_t size)
{
	const char *a, *b;

	if (strncmp(name, "badio-", 6) != 0)
		return false;
	a = strchr(name + 6, '-');
	b = strrchr(name, '-');
	if (!a || a == b || strlen(b + 1) != 6 || (size_t)(b - a - 1) >= size)
		return false;
	memcpy(stamp, a + 1, (size_t)(b - a - 1));
	stamp[b - a - 1] = '\0';
	return strchr(stamp, '.') != NULL;
}

int
bx_scratch_keep(char **dir)
{
	const char *base = strrchr(*dir, '/');
	const char *a, *b;
	char *to = NULL;
	int i;

	base = base ? base + 1 : *dir;
	a = strchr(base + 6, '-');
	b = strrchr(base, '-');
	if (strncmp(base, "badio-", 6) != 0 || !a || a == b)
		return -EINVAL;
	for (i = 0; i < 100; i++) {
		free(to);
		if (asprintf(&to, "%.*s%.*s-kept%s%.0d", (int)(base - *dir), *dir,
		    (int)(a - base), base, b, i) < 0)
			return -ENOMEM;
		if (renameat2(AT_FDCWD, *dir, AT_FDCWD, to, RENAME_NOREPLACE) == 0) {
			free(*dir);
			*dir = to;
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	i = -errno;
	free(to);
	return i;
}

int
bx_tmpfile(void)
{
	char stamp[96], *path;
	int fd;

	fd = open(tmp_dir(), O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR &&
	    errno != EINVAL))
		return fd >= 0 ? fd : -errno;
	/* no O_TMPFILE here: a named file, unlinked at once */
	if (bx_owner_stamp(stamp, sizeof(stamp)) < 0 ||
	    asprintf(&path, "%s/badio-tmp-%s-XXXXXX", tmp_dir(), stamp) < 0)
		return -ENOMEM;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
	} else {
		unlink(path);
	}
	free(path);
	return fd;
}

static void
sweep_entry(const char *base, int dfd, const char *name, bx_sweep_fn *fn,
    void *ctx, unsigned *removed)
{
	struct bx_tree_report rep;
	char stamp[96], *path;
	struct stat st;
	int rc;

	if (!scratch_owner(name, stamp, sizeof(stamp)) || !bx_owner_gone(stamp))
		return;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    st.st_uid != geteuid())
		return;
	if (asprintf(&path, "%s/%s", base, name) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		rc = bx_tree_remove(path, &rep);
	} else {
		memset(&rep, 0, sizeof(rep));
		rc = unlinkat(dfd, name, 0) < 0 ? -errno : 0;
	}
	if (rc == 0)
		(*removed)++;
	else if (fn)
		fn(ctx, path, &rep, rc);
	free(path);
}

static void
sweep_in(const char *base, bx_sweep_fn *fn, void *ctx, unsigned *removed)
{
	struct dirent *d;
	DIR *dir;

	dir = opendir(base);
	if (!dir)
		return;
	while ((d = readdir(dir)))
		sweep_entry(base, dirfd(dir), d->d_name, fn, ctx, removed);
	closedir(dir);
}

int
bx_sweep(bx_sweep_fn *fn, void *ctx)
{
	const char *mem = bx_memory_dir();
	unsigned removed = 0;

	sweep_in(tmp_dir(), fn, ctx, &removed);
	if (mem && strcmp(mem, tmp_dir()) != 0)
		sweep_in(mem, fn, ctx, &removed);
	return (int)(removed + bx_cgroup_sweep());
}
