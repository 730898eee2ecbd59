/*
 * f_msync: updates a record in data.db through a shared mapping and
 * commits it with msync(MS_SYNC); then it acknowledges by writing
 * "committed" to ack.  With "ignore" as argv[1] it takes no notice of
 * msync's result (a bug: the record it acknowledges may not be on the
 * disk); otherwise a failed msync is an error (exit 1, no ack).
 * data.db comes from the --init directory (4 KiB of "v1").
 */
#include <sys/mman.h>

#include "progs.h"

int
main(int argc, char **argv)
{
	bool ignore = argc > 1 && strcmp(argv[1], "ignore") == 0;
	int fd = CHECK(open("data.db", O_RDWR));
	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (m == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	memcpy(m, "v2", 2);
	if (msync(m, 4096, MS_SYNC) < 0 && !ignore)
		fail("msync: %s", strerror(errno));
	CHECK(munmap(m, 4096));
	close(fd);
	if (write_text("ack", "committed\n") < 0)
		fail("ack: %s", strerror(errno));
	return 0;
}
