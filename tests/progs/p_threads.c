/*
 * p_threads T N: T threads start together (barrier); thread k creates
 * thr-k.out and writes it with N write(2) calls of 16 bytes of 'A' + k.
 * Sites per file: 1 openat + N writes, whatever the interleaving.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>

#include "progs.h"

#define MAX_THREADS 64

static pthread_barrier_t start;
static long nwrites;

static void *
writer(void *arg)
{
	long k = (long)arg;
	char name[32], buf[16];
	long i;
	int fd;

	snprintf(name, sizeof(name), "thr-%ld.out", k);
	memset(buf, 'A' + (int)k, sizeof(buf));
	pthread_barrier_wait(&start);
	fd = CHECK(open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644));
	for (i = 0; i < nwrites; i++)
		EXPECT(write(fd, buf, sizeof(buf)), sizeof(buf));
	EXPECT(close(fd), 0);
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t tid[MAX_THREADS];
	struct stat st;
	char name[32];
	long n, k;

	if (argc != 3)
		fail("usage: p_threads T N");
	n = atol(argv[1]);
	nwrites = atol(argv[2]);
	if (n < 1 || n > MAX_THREADS)
		fail("p_threads: bad thread count");
	EXPECT(pthread_barrier_init(&start, NULL, n), 0);
	for (k = 0; k < n; k++)
		EXPECT(pthread_create(&tid[k], NULL, writer, (void *)k), 0);
	for (k = 0; k < n; k++)
		EXPECT(pthread_join(tid[k], NULL), 0);
	for (k = 0; k < n; k++) {
		snprintf(name, sizeof(name), "thr-%ld.out", k);
		CHECK(stat(name, &st));
		EXPECT(st.st_size, 16 * nwrites);
	}
	return 0;
}
