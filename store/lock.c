/*
 * lock.c - one writer per database: an flock(2) on the database file.
 *
 * Two explores of one database would both run every experiment and mix
 * their oracles' verdicts, and a `record --force` replacing a database
 * being explored would make that explore write into an unlinked file.
 * So STORE_WRITE takes an exclusive flock on the database file, and
 * store_install() takes it before replacing a database.
 *
 * Why flock: it is released by the kernel when the last descriptor of
 * its open file description is closed, so a badio killed with SIGKILL
 * never leaves a stale lock (a lock row or a pid file would).  It is
 * independent of SQLite's own fcntl(2) locks on local file systems, so
 * readers (`badio report`, sqlite3) are never blocked.  Two caveats:
 *   - closing *any* descriptor of the database file drops the process's
 *     fcntl locks, SQLite's included, so the lock's descriptor is closed
 *     only after the connection (store_close);
 *   - processes forked by the holder share the lock (explore's workers);
 *     after the holder is killed they finish within a few seconds, so a
 *     lock whose taker is dead is waited for (LOCK_WAIT_MS) rather than
 *     refused at once.
 * The holder's pid comes from /proc/locks, for the message only.
 */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store_int.h"

/* How long a lock held only by the orphans of a dead taker is waited for. */
#define LOCK_WAIT_MS	10000
#define LOCK_POLL_MS	50

/*
 * The pid that took the flock on inode ino, from /proc/locks lines such
 * as "1: FLOCK  ADVISORY  WRITE 4242 08:02:131090 0 EOF".  0: the taker
 * is gone (the kernel shows 0 for a pid that no longer exists) or is in
 * another pid namespace; -1: no such line (or no /proc).  The inode is
 * matched without the device, whose numbering differs between stat(2)
 * and /proc/locks on overlayfs and btrfs.
 */
static pid_t
lock_holder(ino_t ino)
{
	char line[256];
	pid_t found = -1;
	FILE *f = fopen("/proc/locks", "re");

	if (!f)
		return -1;
	while (found < 0 && fgets(line, sizeof(line), f)) {
		unsigned long long lino;
		char type[16];
		int pid;

		if (strstr(line, "->"))		/* a waiter, not the holder */
			continue;
		if (sscanf(line, "%*d: %15s %*s %*s %d %*x:%*x:%llu", type,
		    &pid, &lino) != 3)
			continue;
		if (strcmp(type, "FLOCK") == 0 && (ino_t)lino == ino)
			found = pid;
	}
	fclose(f);
	return found;
}

/* Alive and not a zombie (a killed explore its parent has not reaped). */
static bool
pid_alive(pid_t pid)
{
	char path[64], buf[512];
	const char *state;
	ssize_t n;
	int fd;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno != ENOENT;	/* no /proc: assume alive */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	state = strrchr(buf, ')');	/* "pid (comm) S ..." */
	return !state || (state[1] == ' ' && state[2] != 'Z' && state[2] != 'X');
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * flock fd, which is open on the database; -EBUSY with *holder set if
 * a live process holds it.  A lock whose taker is dead (or unknown) is
 * polled for LOCK_WAIT_MS: the taker's children let go when they end.
 */
static int
lock_fd(int fd, pid_t *holder)
{
	int64_t deadline = 0;
	struct stat st;

	*holder = -1;
	if (fstat(fd, &st) < 0)
		return -errno;
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return -errno;
		*holder = lock_holder(st.st_ino);
		if (*holder > 0 && pid_alive(*holder))
			return -EBUSY;
		if (!deadline)
			deadline = mono_ms() + LOCK_WAIT_MS;
		else if (mono_ms() > deadline)
			return -EBUSY;
		usleep(LOCK_POLL_MS * 1000);
	}
}

/* The file at path is still the one fd is open on (not replaced since). */
static bool
same_file(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * Open path and lock it.  A database replaced (renamed over) between the
 * open and the lock is opened again, so the lock is on the file that is
 * at path when this returns.  *fdp: the locked descriptor.
 */
static int
lock_path(const char *path, int *fdp, pid_t *holder)
{
	int rc = -EAGAIN;

	*fdp = -1;
	for (int tries = 0; tries < 5 && rc == -EAGAIN; tries++) {
		int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

		if (fd < 0)
			return -errno;
		rc = lock_fd(fd, holder);
		if (rc == 0 && !same_file(fd, path))
			rc = -EAGAIN;
		if (rc == 0)
			*fdp = fd;
		else
			close(fd);
	}
	return rc;
}

/*
 * "'badio explore'" into buf from the holder's argv, when it is the
 * badio command that writes databases (explore, or merge writing its
 * output); buf is left alone otherwise.
 */
static void
holder_command(pid_t pid, char *buf, size_t size)
{
	char path[64], argv[256];
	const char *base, *cmd;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, argv, sizeof(argv) - 1);
	close(fd);
	if (n <= 0)
		return;
	argv[n] = '\0';			/* argv[0] NUL argv[1] NUL ... */
	base = strrchr(argv, '/') ? strrchr(argv, '/') + 1 : argv;
	cmd = argv + strlen(argv) + 1;
	if (strcmp(base, "badio") != 0 || cmd >= argv + n)
		return;
	if (strcmp(cmd, "explore") == 0 || strcmp(cmd, "merge") == 0)
		snprintf(buf, size, "'badio %s'", cmd);
}

static int
busy_message(char *buf, size_t size, const char *path, pid_t holder)
{
	char who[64] = "another badio", pid[32] = "";

	if (holder > 0) {
		snprintf(pid, sizeof(pid), " (pid %d)", (int)holder);
		holder_command(holder, who, sizeof(who));
	}
	snprintf(buf, size, "database '%s' is being written by %s%s: wait for "
	    "it to finish, or stop it", path, who, pid);
	return -EBUSY;
}

int
store_lock_take(struct store *s, const char *path)
{
	pid_t holder;
	int rc = lock_path(path, &s->lock_fd, &holder);

	if (rc == -EBUSY)
		return busy_message(s->errmsg, sizeof(s->errmsg), path, holder);
	if (rc < 0)
		return store_fail(s, rc, "cannot lock database '%s': %s", path,
		    strerror(-rc));
	return 0;
}

int
store_install(const char *tmp, const char *db)
{
	char side[PATH_MAX];
	pid_t holder;
	int fd = -1;
	int rc = 0;

	store_open_errmsg_set("");
	if (access(db, F_OK) == 0) {
		rc = lock_path(db, &fd, &holder);
		if (rc == -EBUSY)
			return busy_message(store_open_errmsg(),
			    STORE_ERRMSG_SIZE, db, holder);
		if (rc < 0 && rc != -ENOENT) {
			snprintf(store_open_errmsg(), STORE_ERRMSG_SIZE,
			    "cannot lock database '%s': %s", db, strerror(-rc));
			return rc;
		}
	}
	/* an old -wal beside db would be replayed into the new file */
	snprintf(side, sizeof(side), "%s-wal", db);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", db);
	unlink(side);
	if (rename(tmp, db) < 0) {
		rc = -errno;
		snprintf(store_open_errmsg(), STORE_ERRMSG_SIZE,
		    "cannot rename '%s' to '%s': %s", tmp, db, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	return rc < 0 ? rc : 0;
}

int
store_check_unlocked(const char *db)
{
	pid_t holder;
	int fd;
	int rc;

	store_open_errmsg_set("");
	if (access(db, F_OK) != 0)
		return 0;
	rc = lock_path(db, &fd, &holder);
	if (rc == -EBUSY)
		return busy_message(store_open_errmsg(), STORE_ERRMSG_SIZE, db,
		    holder);
	if (rc == 0)
		close(fd);
	return 0;		/* not lockable (a directory...): not in use */
}
