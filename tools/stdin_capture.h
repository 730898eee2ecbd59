/*
 * stdin_capture.h - keeping what PROG reads on stdin during `record`, so
 * that explore can give every re-run the same input.  A regular file is
 * read in place (PROG still gets the file); a pipe or socket is pumped
 * through a pipe of badio's by a thread that keeps a copy.  A terminal
 * or anything else is not captured (explore then gives /dev/null).
 */
#ifndef BADIO_TOOLS_STDIN_CAPTURE_H
#define BADIO_TOOLS_STDIN_CAPTURE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define STDIN_CAPTURE_MAX	(64u << 20)	/* larger input is not kept */

struct stdin_capture {
	bool		pumping;	/* a thread copies stdin into pipe_w */
	int		prog_fd;	/* what PROG gets as stdin; -1: inherit */
	int		pipe_w;
	pthread_t	thread;
	char		*data;
	size_t		len;
	size_t		cap;
	bool		kept;		/* data holds all of stdin */
	bool		too_large;
};

/* Before PROG starts; 0 or -errno (then nothing is captured). */
int	stdin_capture_start(struct stdin_capture *c);
/* After PROG is gone: stop the pump; c->kept says whether data is whole. */
void	stdin_capture_stop(struct stdin_capture *c);
void	stdin_capture_release(struct stdin_capture *c);

#endif /* BADIO_TOOLS_STDIN_CAPTURE_H */
