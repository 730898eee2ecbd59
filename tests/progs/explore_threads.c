/*
 * explore_threads.c - four threads, each writes its own file tN.txt
 * (creating open, write loop, close); exits 1 if any call failed.
 * Replay keys are per path, so a fault lands on the same file in every
 * re-run whatever the threads' interleaving.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NTHREADS	4

static int failed[NTHREADS];

static void *
writer(void *arg)
{
	int i = (int)(long)arg;
	char name[16], text[64];
	const char *p = text;
	size_t n;
	int fd;

	snprintf(name, sizeof(name), "t%d.txt", i);
	n = (size_t)snprintf(text, sizeof(text), "thread %d wrote this line\n", i);
	fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		failed[i] = 1;
		return NULL;
	}
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0) {
			failed[i] = 1;
			break;
		}
		p += k;
		n -= (size_t)k;
	}
	close(fd);
	return NULL;
}

int
main(void)
{
	pthread_t t[NTHREADS];
	int i;

	for (i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, writer, (void *)(long)i);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < NTHREADS; i++)
		if (failed[i])
			return 1;
	return 0;
}
