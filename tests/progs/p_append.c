/*
 * p_append FILE: open an existing FILE with O_WRONLY|O_APPEND (no
 * O_CREAT, so the open is not a site) and write "a\n" then "b\n".
 * With FILE pre-filled with S bytes, the recorded offsets must be S and
 * S + 2 and append must be 1.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "progs.h"

int
main(int argc, char **argv)
{
	struct stat st;
	off_t size;
	int fd;

	if (argc != 2)
		fail("usage: p_append FILE");
	fd = CHECK(open(argv[1], O_WRONLY | O_APPEND));
	CHECK(fstat(fd, &st));
	size = st.st_size;
	EXPECT(write(fd, "a\n", 2), 2);
	EXPECT(write(fd, "b\n", 2), 2);
	CHECK(fstat(fd, &st));
	EXPECT(st.st_size, size + 4);
	EXPECT(close(fd), 0);
	return 0;
}
