/*
 * output.c - what PROG prints during an experiment.
 *
 * stdout and stderr are two pipes (a pipe rather than a file, so PROG
 * sees the same kind of stdout whatever it writes, and never blocks on
 * it), drained by one helper thread: both into the output tail (in the
 * order the thread sees them; stdout first when both are ready), stdout
 * also into a file of the experiment's aux directory, which the oracle
 * gets as BADIO_STDOUT: what the program said before the fault ("if it
 * printed saved, the file must be there", ALICE's checker contract).
 * The file lies outside the run directory, so no crash state holds it.
 */
#include "explorer/explorer_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The data in buf to fd, whole; false on a failure. */
static bool
save(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

/* One read of a ready pipe: false at EOF or on an error. */
static bool
take(struct bx_output *o, int fd, bool is_stdout)
{
	char buf[4096];
	ssize_t n;

	pthread_mutex_lock(&o->lock);
	n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
		pthread_mutex_unlock(&o->lock);
		return true;
	}
	if (n <= 0) {
		pthread_mutex_unlock(&o->lock);
		return false;
	}
	bx_tail_append(o->tail, buf, (size_t)n);
	if (is_stdout && o->file >= 0 && !save(o->file, buf, (size_t)n) &&
	    o->err == 0)
		o->err = errno ? -errno : -EIO;
	pthread_mutex_unlock(&o->lock);
	return true;
}

/*
 * A sweep point (sweep.c): the program is stopped, so what it wrote is
 * in the pipe or already saved; read the rest here, under the lock the
 * thread reads with (the pipe is non-blocking: either finds it empty).
 */
void
bx_output_sync(struct bx_output *o)
{
	char buf[4096];
	ssize_t n;

	if (!o->running || o->out[0] < 0)
		return;
	pthread_mutex_lock(&o->lock);
	for (;;) {
		n = read(o->out[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		bx_tail_append(o->tail, buf, (size_t)n);
		if (o->file >= 0 && !save(o->file, buf, (size_t)n) &&
		    o->err == 0)
			o->err = errno ? -errno : -EIO;
	}
	pthread_mutex_unlock(&o->lock);
}

static void *
drain_main(void *arg)
{
	struct bx_output *o = arg;
	struct pollfd pf[2] = {
		{ .fd = o->out[0], .events = POLLIN },
		{ .fd = o->errp[0], .events = POLLIN },
	};

	while (pf[0].fd >= 0 || pf[1].fd >= 0) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		/* stdout first: a program that flushes it before writing
		 * to stderr is shown in its order */
		for (int i = 0; i < 2; i++)
			if (pf[i].fd >= 0 && (pf[i].revents &
			    (POLLIN | POLLHUP | POLLERR)) &&
			    !take(o, pf[i].fd, i == 0))
				pf[i].fd = -1;
	}
	return NULL;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int
bx_output_start(struct bx_output *o, const char *aux, struct bx_tail *tail)
{
	int rc;

	memset(o, 0, sizeof(*o));
	o->out[0] = o->out[1] = o->errp[0] = o->errp[1] = o->file = -1;
	o->tail = tail;
	if (snprintf(o->path, sizeof(o->path), "%s/stdout", aux) >=
	    (int)sizeof(o->path))
		return -ENAMETOOLONG;
	o->file = open(o->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (o->file < 0)
		return -errno;
	if (pipe2(o->out, O_CLOEXEC) < 0 || pipe2(o->errp, O_CLOEXEC) < 0) {
		rc = -errno;
		goto fail;
	}
	if (fcntl(o->out[0], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(o->errp[0], F_SETFL, O_NONBLOCK) < 0) {
		rc = -errno;
		goto fail;
	}
	pthread_mutex_init(&o->lock, NULL);
	rc = -pthread_create(&o->thread, NULL, drain_main, o);
	if (rc)
		goto fail;
	o->running = true;
	return 0;
fail:
	close_fd(&o->out[0]);
	close_fd(&o->out[1]);
	close_fd(&o->errp[0]);
	close_fd(&o->errp[1]);
	close_fd(&o->file);
	return rc;
}

/*
 * A checkpoint's child (ckpt.c): its stdout and stderr are the read ends
 * of two FIFOs (non-blocking, open), what it printed before the fork is
 * already in aux/stdout and in tail; the drain thread goes on from there.
 */
int
bx_output_adopt(struct bx_output *o, const char *aux, struct bx_tail *tail,
    int outfd, int errfd)
{
	int rc;

	memset(o, 0, sizeof(*o));
	o->out[1] = o->errp[1] = -1;
	o->out[0] = outfd;
	o->errp[0] = errfd;
	o->tail = tail;
	if (snprintf(o->path, sizeof(o->path), "%s/stdout", aux) >=
	    (int)sizeof(o->path))
		return -ENAMETOOLONG;
	o->file = open(o->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (o->file < 0)
		return -errno;
	pthread_mutex_init(&o->lock, NULL);
	rc = -pthread_create(&o->thread, NULL, drain_main, o);
	if (rc)
		return rc;
	o->running = true;
	return 0;
}

/*
 * PROG is gone (and whatever escaped the tracer, bx_cgroup_kill): close
 * the write ends and wait until the thread has read everything.  Safe to
 * call twice (a crash callback finishes before rec_run returns).
 */
int
bx_output_finish(struct bx_output *o)
{
	close_fd(&o->out[1]);
	close_fd(&o->errp[1]);
	if (o->running) {
		pthread_join(o->thread, NULL);
		o->running = false;
	}
	close_fd(&o->out[0]);
	close_fd(&o->errp[0]);
	close_fd(&o->file);
	return o->err;
}
