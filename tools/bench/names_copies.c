/*
 * names_copies: workload C of tools/bench-record.sh, the calls of issue 9
 * as `cp -a` and `tar -x` make them.  In the current directory: 20
 * directories of 50 files of 64 bytes (mkdir, creating open, write),
 * each file copied into a second tree with copy_file_range until it
 * returns 0 (as cp does), each copy linked under a second name, then
 * everything unlinked and removed.  About 9,000 sites.
 */
#define _GNU_SOURCE	/* copy_file_range */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIRS	20
#define FILES	50

static int
copy(const char *from, const char *to, const char *also)
{
	int in = open(from, O_RDONLY), out;
	ssize_t n;

	out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (in < 0 || out < 0)
		return -1;
	while ((n = copy_file_range(in, NULL, out, NULL, 1L << 30, 0)) > 0)
		;
	close(in);
	if (close(out) < 0 || n < 0)
		return -1;
	return link(to, also);
}

int
main(void)
{
	static const char data[64] = "names_copies: 64 bytes of data for each file.\n";
	char a[64], b[64], c[64];
	int d, f, fd;

	if (mkdir("src", 0755) < 0 || mkdir("dst", 0755) < 0)
		goto out_fail;
	for (d = 0; d < DIRS; d++) {
		snprintf(a, sizeof(a), "src/%d", d);
		snprintf(b, sizeof(b), "dst/%d", d);
		if (mkdir(a, 0755) < 0 || mkdir(b, 0755) < 0)
			goto out_fail;
		for (f = 0; f < FILES; f++) {
			snprintf(a, sizeof(a), "src/%d/%d", d, f);
			snprintf(b, sizeof(b), "dst/%d/%d", d, f);
			snprintf(c, sizeof(c), "dst/%d/%d.also", d, f);
			fd = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd < 0 || write(fd, data, sizeof(data)) != sizeof(data) ||
			    close(fd) < 0 || copy(a, b, c) < 0)
				goto out_fail;
		}
	}
	for (d = 0; d < DIRS; d++) {
		for (f = 0; f < FILES; f++) {
			snprintf(a, sizeof(a), "src/%d/%d", d, f);
			snprintf(b, sizeof(b), "dst/%d/%d", d, f);
			snprintf(c, sizeof(c), "dst/%d/%d.also", d, f);
			if (unlink(a) < 0 || unlink(b) < 0 || unlink(c) < 0)
				goto out_fail;
		}
		snprintf(a, sizeof(a), "src/%d", d);
		snprintf(b, sizeof(b), "dst/%d", d);
		if (rmdir(a) < 0 || rmdir(b) < 0)
			goto out_fail;
	}
	return rmdir("src") == 0 && rmdir("dst") == 0 ? 0 : 1;
out_fail:
	perror("names_copies");
	return 1;
}
