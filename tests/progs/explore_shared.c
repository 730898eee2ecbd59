/*
 * explore_shared.c - four threads append to one file: each opens
 * shared.txt itself (O_APPEND, creating) once they have all started,
 * then writes three lines "thread K line J\n" (16 bytes), each under a
 * lock with a loop for short writes (so a line is never split by another
 * thread's).  Exits 1 if any call failed.  The threads race: the
 * replay keys of shared.txt (namespace:shared.txt:1-4,
 * write:shared.txt:1-12) go to whichever thread comes first, which
 * differs from run to run, while each thread makes the same calls.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "progs.h"

#define NTHREADS	4
#define LINES		3

static pthread_barrier_t start;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int failed[NTHREADS];

static void *
writer(void *arg)
{
	int k = (int)(long)arg;
	char line[32];
	int fd, j;

	pthread_barrier_wait(&start);
	fd = open("shared.txt", O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0) {
		failed[k] = 1;
		return NULL;
	}
	for (j = 0; j < LINES && !failed[k]; j++) {
		snprintf(line, sizeof(line), "thread %d line %d\n", k, j);
		pthread_mutex_lock(&lock);
		if (write_all(fd, line, strlen(line)) < 0)
			failed[k] = 1;
		pthread_mutex_unlock(&lock);
	}
	close(fd);
	return NULL;
}

int
main(void)
{
	pthread_t t[NTHREADS];
	int i, rc = 0;

	pthread_barrier_init(&start, NULL, NTHREADS);
	for (i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, writer, (void *)(long)i);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < NTHREADS; i++)
		rc |= failed[i];
	return rc;
}
