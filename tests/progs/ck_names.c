/*
 * ck_names.c: writes, renames and unlinks that go on whatever fails
 * (tests/cli/test_checkpoint.sh): a checkpoint's child that renames or
 * unlinks after its fault must not change what the driver, or the
 * experiments forked after it, find.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
put(const char *name, const char *text)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int rc;

	if (fd < 0)
		return -1;
	rc = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -1;
	if (fsync(fd) < 0)
		rc = -1;
	return close(fd) < 0 ? -1 : rc;
}

int
main(void)
{
	int bad = 0;

	bad |= put("a.tmp", "version 1\n");
	bad |= rename("a.tmp", "data.txt");
	bad |= put("old.txt", "to be removed\n");
	bad |= mkdir("sub", 0755);
	bad |= put("b.tmp", "version 2\n");
	bad |= rename("b.tmp", "data.txt");
	bad |= unlink("old.txt");
	bad |= rename("data.txt", "sub/data.txt");
	bad |= put("c.tmp", "version 3\n");
	bad |= rename("c.tmp", "sub/data.txt");
	printf("done, %s\n", bad ? "with errors" : "all well");
	return bad ? 1 : 0;
}
