/*
 * ed_like IN [LINES]: an editor's save, as classic ed does it, 30,000
 * sites for the default 15,000 lines: each line of IN (made here when
 * missing: "line N") goes to a scratch buffer file with its own
 * pwrite(2) at the line's offset, then the buffer is written out to
 * out.txt.tmp one write(2) per line, fsync'd and renamed over out.txt.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int lines = argc > 2 ? atoi(argv[2]) : 15000, scratch, out, i;
	char line[64];
	off_t off = 0;
	FILE *in;

	if (argc < 2)
		return 2;
	if (!(in = fopen(argv[1], "r"))) {
		if (!(in = fopen(argv[1], "w+")))
			return 1;
		for (i = 0; i < lines; i++)
			fprintf(in, "line %d\n", i);
		rewind(in);
	}
	scratch = open("ed.buf", O_RDWR | O_CREAT | O_TRUNC, 0600);
	out = open("out.txt.tmp", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (scratch < 0 || out < 0)
		return 1;
	for (i = 0; i < lines && fgets(line, sizeof(line), in); i++) {
		size_t len = strlen(line);

		if (pwrite(scratch, line, len, off) != (ssize_t)len ||
		    write(out, line, len) != (ssize_t)len)
			return 1;
		off += (off_t)len;
	}
	fclose(in);
	if (fsync(out) != 0 || close(out) != 0 ||
	    rename("out.txt.tmp", "out.txt") != 0)
		return 1;
	close(scratch);
	return unlink("ed.buf") == 0 ? 0 : 1;
}
