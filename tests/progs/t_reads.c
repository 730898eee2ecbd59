/*
 * t_reads: a program that reads a lot and writes once, for the filter's
 * cost test (tests/live/test_tracer.c): it creates out.txt with one
 * write (2 sites), then 1000 times opens it read-only, reads, preads,
 * stats, seeks, maps it read-only, lists the directory, reads a link,
 * opens it write-only without O_CREAT or O_TRUNC, dups an fd, makes
 * ioctls that are no reflink (FIONREAD, and TCGETS, which fails) and
 * closes all.  None of these may stop.  Exits 0 if every call worked.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "progs.h"

int
main(void)
{
	char buf[64];
	struct stat st;
	DIR *d;

	if (write_text("out.txt", "read me, do not write me\n") < 0)
		fail("write_text: %s", strerror(errno));
	for (int i = 0; i < 1000; i++) {
		int fd = CHECK(open("out.txt", O_RDONLY));
		int wfd = CHECK(open("out.txt", O_WRONLY | O_CLOEXEC));
		int dup_fd = CHECK(dup(fd));
		void *m;
		int n;

		EXPECT(read(fd, buf, sizeof(buf)), 25);
		EXPECT(pread(dup_fd, buf, 4, 5), 4);
		CHECK(fstat(fd, &st));
		CHECK(stat("out.txt", &st));
		EXPECT(lseek(fd, 0, SEEK_SET), 0);
		m = mmap(NULL, 25, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED)
			fail("mmap: %s", strerror(errno));
		EXPECT(munmap(m, 25), 0);
		d = opendir(".");
		if (!d)
			fail("opendir: %s", strerror(errno));
		while (readdir(d))
			;
		closedir(d);
		EXPECT(readlink("/proc/self/exe", buf, sizeof(buf)) > 0, 1);
		CHECK(access("out.txt", R_OK));
		CHECK(fcntl(fd, F_GETFL));
		CHECK(ioctl(fd, FIONREAD, &n));
		EXPECT(ioctl(fd, TCGETS, buf), -1);
		EXPECT(close(dup_fd), 0);
		EXPECT(close(wfd), 0);
		EXPECT(close(fd), 0);
	}
	return 0;
}
