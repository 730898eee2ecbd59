/*
 * t_space: a fixed sequence for the full file system of enospc+
 * (tests/live/test_faults.c).  With the fault at write:f:2 (the second
 * write to f) every later call meets the model of recorder/space.c;
 * blocks are 4 KiB.  In the current directory, one line per call
 * ("name=R errno=E", E 0 on success):
 *
 *   open f; write 8 KiB (2 blocks)        write1
 *   write 4 KiB at 8 KiB (a new block)    write2      <- the target
 *   pwrite 100 B at 0 (allocated)         overwrite
 *   fallocate 4 KiB at 8 KiB              fallocate
 *   open g (O_CREAT, a new name)          create_g
 *   ftruncate f to 4 KiB (frees 1 block)  ftruncate
 *   pwrite 8 KiB at 4 KiB (fits 4 KiB)    cut
 *   pwrite 4 KiB at 8 KiB                 full
 *   unlink f while it is open             unlink
 *   open h: f is still open               create_h1
 *   close f; open h (f's 2 blocks back)   create_h2
 *   write 16 KiB to h (1 block left)      write_h
 *
 * Exits 0 whatever the calls returned.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char buf[16384];

static void
show(const char *what, long r)
{
	printf("%s=%ld errno=%d\n", what, r, r < 0 ? errno : 0);
}

int
main(void)
{
	int f, g, h;

	memset(buf, 'x', sizeof(buf));
	f = open("f", O_CREAT | O_RDWR | O_TRUNC, 0644);
	show("write1", (long)write(f, buf, 8192));
	show("write2", (long)write(f, buf, 4096));
	show("overwrite", (long)pwrite(f, buf, 100, 0));
	show("fallocate", (long)fallocate(f, 0, 8192, 4096));
	g = open("g", O_CREAT | O_WRONLY, 0644);
	show("create_g", g < 0 ? -1 : 0);
	show("ftruncate", (long)ftruncate(f, 4096));
	show("cut", (long)pwrite(f, buf, 8192, 4096));
	show("full", (long)pwrite(f, buf, 4096, 8192));
	show("unlink", (long)unlink("f"));
	h = open("h", O_CREAT | O_WRONLY, 0644);
	show("create_h1", h < 0 ? -1 : 0);
	close(f);
	h = open("h", O_CREAT | O_WRONLY, 0644);
	show("create_h2", h < 0 ? -1 : 0);
	show("write_h", (long)write(h, buf, 16384));
	return 0;
}
