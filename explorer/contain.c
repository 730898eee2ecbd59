/*
 * contain.c - runs leave no process behind: a cgroup of their own,
 * killed whole when the run is over, or failing that a subreaper.
 *
 * Each badio process that runs programs (record, each explore worker)
 * makes one cgroup v2, "badio-OWNER" (the owner stamp of scratch.c)
 * under the cgroup it runs in, and starts every run in it: the program
 * (rec_opts.cgroup: the tracee joins it before exec) and the oracle.
 * When the program's run ends, and again when the oracle's does,
 * everything left in the cgroup is killed (cgroup.kill, Linux 5.14; or
 * SIGKILL to each process of a frozen cgroup before), whatever it did
 * to get away: setsid, double forks, clone(CLONE_UNTRACED) past the
 * tracer.  A badio killed outright cannot do this; the next one's
 * bx_sweep() kills and removes the cgroups of owners that are gone.
 *
 * That needs a cgroup v2 hierarchy whose cgroup badio runs in it may
 * write to: root's, or one delegated to the user (systemd-run --user
 * --scope -p Delegate=yes badio ...).  Without one (cgroup v1 only, a
 * read-only /sys/fs/cgroup in a container, a session cgroup the user
 * does not own) badio falls back: the program's processes are all
 * traced, so the tracer kills them (PTRACE_O_EXITKILL if badio dies),
 * except one that clones itself CLONE_UNTRACED; the oracle runs in its
 * own process group, and the worker is its subreaper while it runs, so
 * that a daemon the oracle starts (setsid, double fork) becomes the
 * worker's child, which kills it when the oracle is done.  A badio
 * killed outright leaves such a daemon running, in the fallback only.
 * BADIO_NO_CGROUP=1 forces the fallback (to test it).
 */
#include "explorer/explorer_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KILL_WAIT_MS	5000	/* for a cgroup to empty after the kill */

struct bx_cgroup {
	char	path[PATH_MAX];
	int	dfd;		/* the cgroup directory */
};

/* Where the cgroup v2 hierarchy is mounted, from /proc/self/mountinfo. */
static int
cgroup2_mount(char *out, size_t size)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], fstype[64];
		const char *sep = strstr(line, " - ");

		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT ... - FSTYPE SOURCE OPTS */
		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s", fstype) != 1 ||
		    strcmp(fstype, "cgroup2") != 0 || strchr(mnt, '\\'))
			continue;	/* (octal escapes: not a path we need) */
		if (snprintf(out, size, "%s", mnt) < (int)size)
			rc = 0;
		break;
	}
	fclose(f);
	return rc;
}

/* The directory of this process's own cgroup v2. */
static int
own_cgroup(char *out, size_t size)
{
	char mnt[PATH_MAX], line[PATH_MAX + 16];
	FILE *f;
	int rc;

	rc = cgroup2_mount(mnt, sizeof(mnt));
	if (rc < 0)
		return rc;
	f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return -errno;
	rc = -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "0::", 3) != 0)
			continue;
		/* "0::/" is the root; a deleted cgroup ends in " (deleted)" */
		if (!strstr(line, " (deleted)") && snprintf(out, size, "%s%s",
		    mnt, strcmp(line + 3, "/") == 0 ? "" : line + 3) < (int)size)
			rc = 0;
		break;
	}
	fclose(f);
	return rc;
}

static bool
disabled(void)
{
	const char *v = getenv("BADIO_NO_CGROUP");

	return v && *v && strcmp(v, "0") != 0;
}

/* cgroup.type says "domain": a cgroup processes can join. */
static bool
is_domain(int dfd)
{
	char buf[64];
	int fd = openat(dfd, "cgroup.type", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strcmp(buf, "domain\n") == 0;
}

int
bx_cgroup_open(struct bx_cgroup **cgp)
{
	char own[PATH_MAX], stamp[96], procs[PATH_MAX + 16];
	struct bx_cgroup *cg;
	int rc;

	*cgp = NULL;
	if (disabled())
		return -ENOTSUP;
	rc = own_cgroup(own, sizeof(own));
	if (rc < 0)
		return rc;
	/* moving a process needs write access to the common ancestor's procs */
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", own);
	if (access(procs, W_OK) < 0)
		return -errno;
	rc = bx_owner_stamp(stamp, sizeof(stamp));
	if (rc < 0)
		return rc;
	cg = calloc(1, sizeof(*cg));
	if (!cg)
		return -ENOMEM;
	if (snprintf(cg->path, sizeof(cg->path), "%s/badio-%s", own, stamp) >=
	    (int)sizeof(cg->path)) {
		free(cg);
		return -ENAMETOOLONG;
	}
	if (mkdir(cg->path, 0755) < 0 && errno != EEXIST) {
		rc = -errno;
		free(cg);
		return rc;
	}
	cg->dfd = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	rc = cg->dfd < 0 ? -errno : 0;
	/* under a threaded cgroup processes cannot join: go without */
	if (rc == 0 && !is_domain(cg->dfd))
		rc = -ENOTSUP;
	if (rc < 0) {
		if (cg->dfd >= 0)
			close(cg->dfd);
		rmdir(cg->path);
		free(cg);
		return rc;
	}
	*cgp = cg;
	return 0;
}

const char *
bx_cgroup_path(const struct bx_cgroup *cg)
{
	return cg ? cg->path : NULL;
}

int
bx_cgroup_procs_fd(const struct bx_cgroup *cg)
{
	int fd;

	if (!cg)
		return -EINVAL;
	fd = openat(cg->dfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int
write_file(int dfd, const char *name, const char *text)
{
	int fd = openat(dfd, name, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* "populated 0" in cgroup.events: nothing alive is left. */
static bool
empty(int dfd)
{
	char buf[256];
	int fd = openat(dfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return true;	/* gone */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, "populated 0") != NULL;
}

/* Before cgroup.kill (Linux 5.14): freeze, SIGKILL each, thaw. */
static void
kill_each(int dfd)
{
	char buf[4096];
	ssize_t n;
	int fd;

	write_file(dfd, "cgroup.freeze", "1");
	fd = openat(dfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		while ((n = read(fd, buf, sizeof(buf) - 1)) > 0) {
			char *p = buf, *end;

			buf[n] = '\0';
			for (long pid; (pid = strtol(p, &end, 10)) > 0; p = end)
				kill((pid_t)pid, SIGKILL);
		}
		close(fd);
	}
	write_file(dfd, "cgroup.freeze", "0");
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Kill all of the cgroup at dfd (its own cgroups too), wait until empty. */
static int
kill_all(int dfd)
{
	long waited;

	for (waited = 0; !empty(dfd); waited++) {
		if (waited >= KILL_WAIT_MS)
			return -ETIMEDOUT;
		/* again now and then: before 5.14, forks race the kill */
		if (waited % 100 == 0 &&
		    write_file(dfd, "cgroup.kill", "1") == -ENOENT)
			kill_each(dfd);
		if (waited)
			sleep_ms(1);
	}
	return 0;
}

/*
 * Remove the cgroup dfd/name and any cgroups made inside it (a program
 * run as root may make some): once empty, a cgroup directory is removed
 * with rmdir, control files and all.
 */
static int
remove_cgroup(int dfd, const char *name, unsigned depth)
{
	struct dirent *d;
	DIR *dir;
	int fd;

	if (unlinkat(dfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	if (errno != EBUSY || depth > 64)
		return -errno;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -EBUSY;
	}
	while ((d = readdir(dir)))
		if (d->d_type == DT_DIR && strcmp(d->d_name, ".") != 0 &&
		    strcmp(d->d_name, "..") != 0)
			remove_cgroup(dirfd(dir), d->d_name, depth + 1);
	closedir(dir);
	return unlinkat(dfd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

int
bx_cgroup_kill(struct bx_cgroup *cg)
{
	return cg ? kill_all(cg->dfd) : 0;
}

void
bx_cgroup_close(struct bx_cgroup *cg)
{
	if (!cg)
		return;
	kill_all(cg->dfd);
	close(cg->dfd);
	remove_cgroup(AT_FDCWD, cg->path, 0);
	free(cg);
}

/* The cgroups under ours of badio processes that are gone. */
unsigned
bx_cgroup_sweep(void)
{
	char own[PATH_MAX];
	unsigned removed = 0;
	struct dirent *d;
	DIR *dir;

	if (disabled() || own_cgroup(own, sizeof(own)) < 0 ||
	    !(dir = opendir(own)))
		return 0;
	while ((d = readdir(dir))) {
		int fd;

		if (strncmp(d->d_name, "badio-", 6) != 0 ||
		    !bx_owner_gone(d->d_name + 6))
			continue;
		fd = openat(dirfd(dir), d->d_name, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
		if (fd < 0)
			continue;
		if (kill_all(fd) == 0 && remove_cgroup(dirfd(dir), d->d_name,
		    0) == 0)
			removed++;
		close(fd);
	}
	closedir(dir);
	return removed;
}

/* --- the fallback: orphans of the oracle come to us --- */

int
bx_reaper_start(void)
{
	return prctl(PR_SET_CHILD_SUBREAPER, 1) < 0 ? -errno : 0;
}

/* The parent pid in /proc/PID/stat (field 4), or -1. */
static pid_t
parent_of(const char *pid)
{
	char buf[512];
	const char *p = bx_proc_stat((pid_t)atoi(pid), buf, sizeof(buf));
	int ppid = -1;

	if (!p || sscanf(p, "%*c %d", &ppid) != 1)
		return -1;
	return (pid_t)ppid;
}

/* Our children, by a scan of /proc (slower, but needs no CONFIG_PROC_CHILDREN). */
static size_t
children_by_scan(pid_t *out, size_t max)
{
	struct dirent *d;
	size_t n = 0;
	DIR *dir = opendir("/proc");

	if (!dir)
		return 0;
	while (n < max && (d = readdir(dir)))
		if (d->d_name[0] >= '1' && d->d_name[0] <= '9' &&
		    parent_of(d->d_name) == getpid())
			out[n++] = (pid_t)atoi(d->d_name);
	closedir(dir);
	return n;
}

/* Our children's pids, from /proc. */
static size_t
children(pid_t *out, size_t max)
{
	char path[64], buf[4096];
	size_t n = 0;
	ssize_t len;
	int fd;

	/* a child's parent is the thread that forked it: we have one */
	snprintf(path, sizeof(path), "/proc/self/task/%d/children",
	    (int)getpid());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return children_by_scan(out, max);
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	for (char *p = buf, *end; n < max; p = end) {
		long pid = strtol(p, &end, 10);

		if (pid <= 0 || end == p)
			break;
		out[n++] = (pid_t)pid;
	}
	return n;
}

void
bx_reaper_stop(void)
{
	long waited = 0;
	pid_t kids[256];
	size_t n, i;

	/* kill what came to us, reap it, again until nothing is left */
	for (;;) {
		n = children(kids, sizeof(kids) / sizeof(kids[0]));
		for (i = 0; i < n; i++)
			kill(kids[i], SIGKILL);
		while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
			;
		if ((n == 0 && waitpid(-1, NULL, WNOHANG | __WALL) < 0 &&
		    errno == ECHILD) || waited >= KILL_WAIT_MS)
			break;
		sleep_ms(1);
		waited++;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}
