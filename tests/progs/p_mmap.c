/*
 * p_mmap: writes through shared mappings, for the recorder's mmap sites
 * (tests/live/test_record.c).  In the current directory:
 *
 *   data.db: open, ftruncate 8192, mmap 8192 (shared, writable), store
 *   "A", msync(MS_SYNC) of the first page, pwrite "x" at 8000 (a write
 *   to a mapped file), other.db: open, ftruncate 4096, mmap 4096 (placed
 *   after data.db's mapping); data.db: ftruncate 16384, mremap to 16384
 *   (it must move: other.db is in the way), store "B" at 12288, fork: the
 *   child unmaps its copy and exits; msync(MS_ASYNC) of the second half,
 *   munmap of the second page (a hole), fsync, munmap of the whole range
 *   (the two pieces left), fsync again (nothing mapped now); other.db:
 *   munmap; an anonymous shared mapping: msync and munmap (not sites of
 *   a file).  Exits 0 if every call worked.
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include "progs.h"

static char *
map(int fd, size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	return p;
}

int
main(void)
{
	int fd = CHECK(open("data.db", O_RDWR | O_CREAT | O_TRUNC, 0644));
	int fo = CHECK(open("other.db", O_RDWR | O_CREAT | O_TRUNC, 0644));
	char *m, *o, *anon;
	pid_t pid;
	int st;

	CHECK(ftruncate(fd, 8192));
	m = map(fd, 8192);
	memcpy(m, "A", 1);
	CHECK(msync(m, 4096, MS_SYNC));
	EXPECT(pwrite(fd, "x", 1, 8000), 1);
	CHECK(ftruncate(fo, 4096));
	o = map(fo, 4096);
	if (o != m + 8192)
		fail("other.db at %p, not after data.db at %p", o, m);
	CHECK(ftruncate(fd, 16384));
	m = mremap(m, 8192, 16384, MREMAP_MAYMOVE);
	if (m == MAP_FAILED)
		fail("mremap: %s", strerror(errno));
	memcpy(m + 12288, "B", 1);
	pid = CHECK(fork());
	if (pid == 0) {
		if (munmap(m, 16384) < 0)
			_exit(2);
		_exit(0);
	}
	EXPECT(waitpid(pid, &st, 0), pid);
	EXPECT(st, 0);
	CHECK(msync(m + 8192, 8192, MS_ASYNC));
	CHECK(munmap(m + 4096, 4096));
	CHECK(fsync(fd));
	CHECK(munmap(m, 16384));
	CHECK(fsync(fd));
	CHECK(munmap(o, 4096));
	anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED)
		fail("anon: %s", strerror(errno));
	CHECK(msync(anon, 4096, MS_SYNC));
	CHECK(munmap(anon, 4096));
	close(fo);
	close(fd);
	return 0;
}
