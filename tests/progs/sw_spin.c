/*
 * sw_spin: a thread that changes a file all the time without a site: it
 * stores a counter through a shared mapping of M (the tracer sees the
 * mmap, never the stores), while the main thread writes W 8 bytes at a
 * time, 10 times, 2 ms apart.  A sweep point must stop the thread: M
 * holds still while the point's callback runs (tests/live/test_sweep.c).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <time.h>

#include "progs.h"

static atomic_int done;
static volatile unsigned long *counter;
static atomic_int started;

static void *
spin(void *arg)
{
	(void)arg;
	atomic_store(&started, 1);
	while (!atomic_load(&done))
		(*counter)++;
	return NULL;
}

int
main(void)
{
	struct timespec ms2 = { 0, 2000000 };
	pthread_t th;
	int fd, w;

	fd = CHECK(open("M", O_RDWR | O_CREAT | O_TRUNC, 0644));
	CHECK(ftruncate(fd, 4096));
	counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (counter == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	EXPECT(pthread_create(&th, NULL, spin, NULL), 0);
	while (!atomic_load(&started))
		;
	w = CHECK(open("W", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	for (int i = 0; i < 10; i++) {
		EXPECT(write(w, "wwwwwwww", 8), 8);
		nanosleep(&ms2, NULL);
	}
	atomic_store(&done, 1);
	EXPECT(pthread_join(th, NULL), 0);
	EXPECT(close(w), 0);
	return 0;
}
