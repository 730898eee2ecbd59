/*
 * cs_sites.c [N] - three distinct write call sites, called in a loop N
 * times (default 50): site_a, site_b and site_c each append one line to
 * data.txt with its own write(2).  Exits 1 on any failed or short write.
 * Built several ways (tests/CMakeLists.txt, "call-site programs"): with
 * and without frame pointers, and with -g for the symbolized stacks;
 * the tests look for the functions and the lines marked WRITE_A/B/C.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fd;

__attribute__((noinline)) static int
site_a(int i)
{
	char line[32];
	int len = snprintf(line, sizeof(line), "a %03d\n", i);

	if (write(fd, line, (size_t)len) != len)	/* WRITE_A */
		return -1;
	return 0;
}

__attribute__((noinline)) static int
site_b(int i)
{
	char line[32];
	int len = snprintf(line, sizeof(line), "b %03d\n", i);

	if (write(fd, line, (size_t)len) != len)	/* WRITE_B */
		return -1;
	return 0;
}

__attribute__((noinline)) static int
site_c(int i)
{
	char line[32];
	int len = snprintf(line, sizeof(line), "c %03d\n", i);

	if (write(fd, line, (size_t)len) != len)	/* WRITE_C */
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 50;
	int i;

	fd = open("data.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return 1;
	for (i = 0; i < n; i++)
		if (site_a(i) || site_b(i) || site_c(i))
			return 1;
	return close(fd) < 0;
}
