/*
 * t_copy: the copy calls for the recorder's fault tests
 * (tests/live/test_tracer.c).  In the current directory, with src holding
 * "0123456789abcdef" (written first, through a write to src):
 *   openat out.txt (O_CREAT|O_TRUNC);
 *   copy_file_range 10 bytes of src (from its position) into out.txt;
 *   sendfile 4 more bytes of src (from its position);
 *   splice "WXYZ" from a pipe, asking for 64 bytes;
 *   close.
 * Sites of out.txt: write:out.txt:1, 2, 3.  Prints one line per call,
 * "copy=R errno=E" (E is 0 on success).  Exits 0 whatever the calls
 * returned.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/sendfile.h>
#include <unistd.h>

static void
show(const char *what, long r)
{
	printf("%s=%ld errno=%d\n", what, r, r < 0 ? errno : 0);
}

int
main(void)
{
	int src = open("src", O_CREAT | O_RDWR | O_TRUNC, 0644);
	int out = open("out.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	int p[2];

	if (src < 0 || out < 0 || pwrite(src, "0123456789abcdef", 16, 0) != 16 ||
	    pipe(p) < 0 || write(p[1], "WXYZ", 4) != 4)
		return 1;
	show("copy", (long)copy_file_range(src, NULL, out, NULL, 10, 0));
	show("sendfile", (long)sendfile(out, src, NULL, 4));
	show("splice", (long)splice(p[0], NULL, out, NULL, 64, 0));
	close(out);
	return 0;
}
