/*
 * explore_copy [naive]: publish a copy of in.txt (from --init) as
 * out.d/out.txt and out.d/backup.txt, with the calls of issue 9:
 *   mkdir out.d; openat out.d/out.tmp; copy_file_range until it returns 0
 *   (cp's way: ask for far more than there is); fsync; rename to
 *   out.d/out.txt; link out.d/backup.txt; print "saved".
 * Every failure is reported (exit 1) before anything is published.
 * With "naive", one copy_file_range is taken for the whole file and its
 * result ignored: a short or failed copy is published as if complete.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "progs.h"

static void
copy(int in, int out, int naive)
{
	ssize_t n;

	if (naive) {
		(void)copy_file_range(in, NULL, out, NULL, 1L << 30, 0);
		return;
	}
	while ((n = copy_file_range(in, NULL, out, NULL, 1L << 30, 0)) != 0)
		if (n < 0)
			fail("copy_file_range: %s", strerror(errno));
}

int
main(int argc, char **argv)
{
	int naive = argc > 1 && strcmp(argv[1], "naive") == 0;
	int in, out;

	in = CHECK(open("in.txt", O_RDONLY));
	CHECK(mkdir("out.d", 0755));
	out = CHECK(open("out.d/out.tmp", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	copy(in, out, naive);
	CHECK(fsync(out));
	CHECK(close(out));
	CHECK(rename("out.d/out.tmp", "out.d/out.txt"));
	CHECK(link("out.d/out.txt", "out.d/backup.txt"));
	puts("saved");
	return 0;
}
