/*
 * p_sync: the sync family.  On sync.out, in order:
 *   openat O_CREAT|O_TRUNC; write 4096 bytes of 'S';
 *   fsync; fdatasync; sync_file_range(0, 4096); msync of a shared
 *   mapping (4096); syncfs; then fsync of the directory "." and sync().
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "progs.h"

static void
sync_mapping(int fd)
{
	char *p;

	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		fail("p_sync: mmap: %s", strerror(errno));
	p[0] = 'M';
	EXPECT(msync(p, 4096, MS_SYNC), 0);
	EXPECT(munmap(p, 4096), 0);
}

int
main(void)
{
	char buf[4096];
	int fd, dfd;

	memset(buf, 'S', sizeof(buf));
	fd = CHECK(open("sync.out", O_RDWR | O_CREAT | O_TRUNC, 0644));
	EXPECT(write(fd, buf, sizeof(buf)), sizeof(buf));
	EXPECT(fsync(fd), 0);
	EXPECT(fdatasync(fd), 0);
	EXPECT(sync_file_range(fd, 0, 4096, SYNC_FILE_RANGE_WAIT_BEFORE |
			       SYNC_FILE_RANGE_WRITE |
			       SYNC_FILE_RANGE_WAIT_AFTER), 0);
	sync_mapping(fd);
	EXPECT(syncfs(fd), 0);
	dfd = CHECK(open(".", O_RDONLY | O_DIRECTORY));
	EXPECT(fsync(dfd), 0);
	EXPECT(syscall(SYS_sync), 0);
	EXPECT(close(dfd), 0);
	EXPECT(close(fd), 0);
	return 0;
}
