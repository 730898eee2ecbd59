/*
 * explore_turns.c MARKER MODE - four threads take turns appending to
 * shared.txt (opened once by main, O_APPEND): two rounds, one line each
 * per turn, thread K's line is 4K + 3 letters 'a' + K and a newline.
 * The first run (MARKER does not exist: it creates it) takes turns in
 * thread order 0, 1, 2, 3.  Later runs, by MODE:
 *
 *   reverse  turns in order 3, 2, 1, 0: every thread makes the same
 *            calls, but the replay keys of shared.txt go to other threads
 *            (a reordering, not a divergence);
 *   change   the same order, but thread 2 writes one letter more per
 *            line (a thread that makes another call: a divergence).
 *
 * A thread whose write fails stops writing but keeps taking its turns.
 * Exits 1 if any call failed.
 */
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "progs.h"

#define NTHREADS	4
#define ROUNDS		2

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_changed = PTHREAD_COND_INITIALIZER;
static int order[NTHREADS] = { 0, 1, 2, 3 };
static int turn;			/* index into order, over all rounds */
static int fd;
static int extra[NTHREADS];		/* letters added to thread K's lines */
static int failed[NTHREADS];

static void *
writer(void *arg)
{
	int k = (int)(long)arg;
	char line[32];
	size_t len = (size_t)(4 * k + 3 + extra[k]);
	int r;

	memset(line, 'a' + k, len);
	line[len] = '\n';
	for (r = 0; r < ROUNDS; r++) {
		pthread_mutex_lock(&lock);
		while (order[turn % NTHREADS] != k)
			pthread_cond_wait(&turn_changed, &lock);
		pthread_mutex_unlock(&lock);
		if (!failed[k] && write_all(fd, line, len + 1) < 0)
			failed[k] = 1;
		pthread_mutex_lock(&lock);
		turn++;
		pthread_cond_broadcast(&turn_changed);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t t[NTHREADS];
	int i, marker, rc = 0;

	if (argc != 3)
		return 2;
	marker = open(argv[1], O_CREAT | O_EXCL | O_WRONLY, 0644);
	if (marker >= 0) {
		close(marker);
	} else if (strcmp(argv[2], "reverse") == 0) {
		for (i = 0; i < NTHREADS; i++)
			order[i] = NTHREADS - 1 - i;
	} else {
		extra[2] = 1;
	}
	fd = open("shared.txt", O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0)
		return 1;
	for (i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, writer, (void *)(long)i);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < NTHREADS; i++)
		rc |= failed[i];
	return rc || close(fd) < 0;
}
