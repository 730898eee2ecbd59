/*
 * explore_unreach.c MARKER_DIR - writes out.txt; the first time it runs
 * (MARKER_DIR/marker does not exist yet) it also creates the marker and
 * writes extra.txt.  Recorded on the first run, the marker and extra.txt
 * sites never come back in a re-run: their faults are 'unreached'.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "progs.h"

int
main(int argc, char **argv)
{
	char marker[4096];
	int fd;

	if (argc != 2)
		return 2;
	if (write_text("out.txt", "always written\n") < 0)
		return 1;
	snprintf(marker, sizeof(marker), "%s/marker", argv[1]);
	if (access(marker, F_OK) == 0)
		return 0;
	fd = open(marker, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0)
		return 1;
	close(fd);
	return write_text("extra.txt", "written on the first run only\n") < 0;
}
