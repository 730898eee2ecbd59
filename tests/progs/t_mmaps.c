/*
 * t_mmaps: mappings the mmap filter must let through without a stop
 * (tests/live/test_tracer.c), and, with "file", the ones it must see.
 *
 * Always, N times (argv[1], default 200): anonymous private and shared
 * mappings (written), a private writable and a shared read-only mapping
 * of ro.bin (created first with one write), mremap and munmap of each,
 * and a 1 MiB malloc (glibc mmaps it) that is freed.  With argv[2] =
 * "file", once at the end: a shared writable mapping of rw.bin, a store,
 * munmap.  Exits 0 if every call worked.
 */
#include <sys/mman.h>

#include "progs.h"

static void
churn(int ro)
{
	size_t len = 2 * 4096;
	char *a, *s, *p, *r, *m;

	a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	s = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	r = mmap(NULL, 4096, PROT_READ, MAP_SHARED, ro, 0);
	if (a == MAP_FAILED || s == MAP_FAILED || p == MAP_FAILED ||
	    r == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	a[0] = s[0] = p[0] = r[1] ? 1 : 2;
	a = mremap(a, len, 4 * len, MREMAP_MAYMOVE);
	if (a == MAP_FAILED)
		fail("mremap: %s", strerror(errno));
	CHECK(munmap(a, 4 * len));
	CHECK(munmap(s, len));
	CHECK(munmap(p, 4096));
	CHECK(munmap(r, 4096));
	m = malloc(1 << 20);
	if (!m)
		fail("malloc");
	m[12345] = 1;
	free(m);
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200;
	int ro = CHECK(open("ro.bin", O_RDWR | O_CREAT | O_TRUNC, 0644));
	char buf[4096] = "read only";

	EXPECT(write(ro, buf, sizeof(buf)), sizeof(buf));
	for (int i = 0; i < n; i++)
		churn(ro);
	if (argc > 2 && strcmp(argv[2], "file") == 0) {
		int fd = CHECK(open("rw.bin", O_RDWR | O_CREAT | O_TRUNC, 0644));
		char *w;

		CHECK(ftruncate(fd, 8192));
		w = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (w == MAP_FAILED)
			fail("mmap rw: %s", strerror(errno));
		memcpy(w + 4096, "stored", 6);
		CHECK(munmap(w, 8192));
		close(fd);
	}
	close(ro);
	return 0;
}
