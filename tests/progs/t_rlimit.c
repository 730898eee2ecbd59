/*
 * t_rlimit: writes 10 bytes to out.txt, then lowers its own file-size
 * limit to 20 bytes (SIGXFSZ ignored) and writes 30 bytes twice.  The
 * kernel cuts the first to 10 bytes and fails the second with EFBIG;
 * under badio the program must see exactly that.  Then it lifts the
 * limit again (stdout may be a file too) and prints each result.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

int
main(void)
{
	static const char data[30] = "0123456789012345678901234567";
	struct rlimit rl = { 20, RLIM_INFINITY };
	long r[3];
	int e[3];
	int fd = open("out.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);

	if (fd < 0)
		return 1;
	signal(SIGXFSZ, SIG_IGN);
	r[0] = (long)write(fd, data, 10);
	e[0] = errno;
	if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
		return 1;
	for (int i = 1; i < 3; i++) {
		r[i] = (long)write(fd, data, 30);
		e[i] = errno;
	}
	rl.rlim_cur = RLIM_INFINITY;
	if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
		return 1;
	for (int i = 0; i < 3; i++)
		printf("write=%ld errno=%d\n", r[i], r[i] < 0 ? e[i] : 0);
	return 0;
}
