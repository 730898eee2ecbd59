/*
 * stdin_capture.c - see stdin_capture.h.
 */
#include "tools/stdin_capture.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
keep(struct stdin_capture *c, const char *buf, size_t n)
{
	if (c->len + n > STDIN_CAPTURE_MAX) {
		c->too_large = true;
		return -EFBIG;
	}
	if (c->len + n > c->cap) {
		size_t cap = c->cap ? c->cap : 65536;
		char *p;

		while (cap < c->len + n)
			cap *= 2;
		p = realloc(c->data, cap);
		if (!p)
			return -ENOMEM;
		c->data = p;
		c->cap = cap;
	}
	memcpy(c->data + c->len, buf, n);
	c->len += n;
	return 0;
}

/* A regular file: read it from the current offset, which PROG keeps. */
static int
capture_file(struct stdin_capture *c)
{
	off_t off = lseek(0, 0, SEEK_CUR);
	char buf[65536];
	ssize_t n;

	if (off < 0)
		return -errno;
	while ((n = pread(0, buf, sizeof(buf), off)) > 0) {
		if (keep(c, buf, (size_t)n) < 0)
			return 0;
		off += n;
	}
	c->kept = n == 0;
	return n < 0 ? -errno : 0;
}

static bool
write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/*
 * The pump: stdin to PROG's pipe, keeping a copy.  SIGPIPE is blocked in
 * this thread only (a write after PROG closed its end fails with EPIPE
 * instead); PROG inherits nothing of it.
 */
static void *
pump(void *arg)
{
	struct stdin_capture *c = arg;
	bool forward = true;
	char buf[65536];
	sigset_t set;
	ssize_t n;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	while ((n = read(0, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		keep(c, buf, (size_t)n);
		if (forward && !write_all(c->pipe_w, buf, (size_t)n)) {
			forward = false;	/* PROG closed its stdin */
			close(c->pipe_w);
			c->pipe_w = -1;
		}
	}
	if (c->pipe_w >= 0) {
		close(c->pipe_w);
		c->pipe_w = -1;
	}
	return NULL;
}

int
stdin_capture_start(struct stdin_capture *c)
{
	struct stat st;
	int p[2], rc;

	memset(c, 0, sizeof(*c));
	c->prog_fd = -1;
	c->pipe_w = -1;
	if (fstat(0, &st) < 0)
		return 0;			/* no stdin at all */
	if (S_ISREG(st.st_mode))
		return capture_file(c);
	if (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode))
		return 0;			/* a terminal, /dev/null... */
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	c->prog_fd = p[0];
	c->pipe_w = p[1];
	rc = pthread_create(&c->thread, NULL, pump, c);
	if (rc) {
		close(p[0]);
		close(p[1]);
		c->prog_fd = c->pipe_w = -1;
		return -rc;
	}
	c->pumping = true;
	return 0;
}

void
stdin_capture_stop(struct stdin_capture *c)
{
	if (c->prog_fd >= 0) {
		close(c->prog_fd);	/* PROG's copy is gone with PROG */
		c->prog_fd = -1;
	}
	if (!c->pumping)
		return;
	/*
	 * The pump may wait for input PROG never asked for (a writer that
	 * keeps the pipe open): what it has is all PROG could have read.
	 */
	pthread_cancel(c->thread);
	pthread_join(c->thread, NULL);
	c->pumping = false;
	c->kept = !c->too_large;
	if (c->pipe_w >= 0) {
		close(c->pipe_w);
		c->pipe_w = -1;
	}
}

void
stdin_capture_release(struct stdin_capture *c)
{
	free(c->data);
	memset(c, 0, sizeof(*c));
	c->prog_fd = c->pipe_w = -1;
}
