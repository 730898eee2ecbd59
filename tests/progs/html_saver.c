/*
 * html_saver.c - the HTML report's test program (tests/html/): a log
 * appended and fsynced record by record, checked; a config written to
 * cfg.tmp with one unchecked write and renamed over cfg before any
 * fsync (a rename of unsynced data); a snapshot written to snap.tmp and
 * published by a link to snap, unsynced too; then an fsync of the
 * directory.
 * Oracle: check_html_saver.sh.
 */
#include "progs.h"

static int
append_synced(int fd, const char *rec)
{
	size_t n = strlen(rec);

	while (n > 0) {
		ssize_t k = write(fd, rec, n);

		if (k < 0)
			return -1;
		rec += k;
		n -= (size_t)k;
	}
	return fsync(fd);
}

int
main(void)
{
	static const char cfg[] = "mode=fast\n";
	int fd, dfd;

	fd = CHECK(open("log.txt", O_WRONLY | O_CREAT | O_APPEND, 0644));
	if (append_synced(fd, "record 1\n") < 0 ||
	    append_synced(fd, "record 2\n") < 0)
		fail("log.txt: %s", strerror(errno));
	close(fd);

	fd = CHECK(open("cfg.tmp", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	if (write(fd, cfg, sizeof(cfg) - 1) < 0) {
		/* the bug: the result is ignored */
	}
	close(fd);
	CHECK(rename("cfg.tmp", "cfg"));

	if (write_text("snap.tmp", "snapshot\n") < 0)
		fail("snap.tmp: %s", strerror(errno));
	CHECK(link("snap.tmp", "snap"));
	CHECK(unlink("snap.tmp"));

	dfd = CHECK(open(".", O_RDONLY | O_DIRECTORY));
	CHECK(fsync(dfd));
	close(dfd);
	return 0;
}
