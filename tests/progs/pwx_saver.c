/*
 * pwx_saver MODE: the writers of issue 9's "must show" list, for the
 * power experiments of tests/live/test_power_explore.c.  The starting
 * directory (--init) holds config = "old".
 *
 *   nosync     write config.tmp "new", rename it over config, print
 *              "saved": no fsync at all
 *   nodirsync  the same with an fsync of config.tmp before the rename,
 *              but no fsync of the directory
 *   correct    temporary file, full write, fsync, rename, fsync of the
 *              directory, then "saved"
 *   log        append three records "rN\n" to log, each fsynced before
 *              "ack N" is printed
 *   retry      write config "new" in place, fsync; on failure retry the
 *              fsync until it succeeds, then print "committed"
 *   stop       the same, but exit 1 on the first fsync failure
 *
 * Every other failure is reported (exit 1) before anything is promised.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "progs.h"

static void
say(const char *s)
{
	/* stdout is a pipe: what is said must leave before the next call */
	if (write(1, s, strlen(s)) != (ssize_t)strlen(s))
		fail("stdout");
}

static void
put(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		fail("write: %s", strerror(errno));
}

static void
save(bool fsync_data, bool fsync_dir)
{
	int fd = CHECK(open("config.tmp", O_WRONLY | O_CREAT | O_TRUNC, 0644));

	put(fd, "new");
	if (fsync_data)
		CHECK(fsync(fd));
	CHECK(close(fd));
	CHECK(rename("config.tmp", "config"));
	if (fsync_dir) {
		fd = CHECK(open(".", O_RDONLY | O_DIRECTORY));
		CHECK(fsync(fd));
		CHECK(close(fd));
	}
	say("saved\n");
}

static void
append_log(void)
{
	char rec[16], ack[16];
	int fd = CHECK(open("log", O_WRONLY | O_CREAT | O_APPEND, 0644));
	int dfd = CHECK(open(".", O_RDONLY | O_DIRECTORY));

	/* the new name must survive before anything is acknowledged */
	CHECK(fsync(dfd));
	CHECK(close(dfd));
	for (int i = 1; i <= 3; i++) {
		snprintf(rec, sizeof(rec), "r%d\n", i);
		snprintf(ack, sizeof(ack), "ack %d\n", i);
		put(fd, rec);
		CHECK(fsync(fd));
		say(ack);
	}
	CHECK(close(fd));
}

static int
commit(bool retry)
{
	int fd = CHECK(open("config", O_WRONLY | O_TRUNC));

	put(fd, "new");
	while (fsync(fd) < 0) {
		if (!retry) {
			fprintf(stderr, "fsync: %s\n", strerror(errno));
			return 1;
		}
	}
	CHECK(close(fd));
	say("committed\n");
	return 0;
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (strcmp(mode, "nosync") == 0)
		save(false, false);
	else if (strcmp(mode, "nodirsync") == 0)
		save(true, false);
	else if (strcmp(mode, "correct") == 0)
		save(true, true);
	else if (strcmp(mode, "log") == 0)
		append_log();
	else if (strcmp(mode, "retry") == 0 || strcmp(mode, "stop") == 0)
		return commit(strcmp(mode, "retry") == 0);
	else
		fail("usage: pwx_saver nosync|nodirsync|correct|log|retry|stop");
	return 0;
}
