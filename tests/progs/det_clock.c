/*
 * det_clock: read the wall clock every way a program can and write what
 * it said into clock.out (one write), so that two runs can be compared:
 *
 *   time T                 time(NULL), and the same through its tloc
 *   gettimeofday S.U       with a struct timezone (zeroed under badio)
 *   realtime S.N           clock_gettime(CLOCK_REALTIME)
 *   coarse S.N             clock_gettime(CLOCK_REALTIME_COARSE)
 *   tai S.N                clock_gettime(CLOCK_TAI)
 *   vdso X                 getauxval(AT_SYSINFO_EHDR) != 0: 1 or 0
 *   efault E               clock_gettime into an unwritable page: errno
 *
 * CLOCK_MONOTONIC is checked to advance over a 20 ms sleep (it stays
 * real), and "mono ok" written, the same text in every run.
 *
 * "det_clock threads": 4 threads, 25 clock_gettime(CLOCK_REALTIME)
 * each, the main thread then one more; prints the count of distinct
 * values seen (101 when every call got an answer of its own).
 * "det_clock loop N realtime|monotonic": N clock_gettime calls (for the
 * benchmark).
 */
#include <pthread.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

#include "progs.h"

static void
clock_file(void)
{
	char text[1024];
	struct timespec rt, co, tai, m0, m1, sl = { 0, 20 * 1000 * 1000 };
	struct timeval tv;
	struct timezone tz = { 99, 99 };
	time_t t, tl = 0;
	void *ro;
	int n, e;

	t = time(&tl);
	EXPECT(tl, t);
	EXPECT(gettimeofday(&tv, &tz), 0);
	EXPECT(clock_gettime(CLOCK_REALTIME, &rt), 0);
	EXPECT(clock_gettime(CLOCK_REALTIME_COARSE, &co), 0);
	EXPECT(clock_gettime(CLOCK_TAI, &tai), 0);
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	e = syscall(SYS_clock_gettime, CLOCK_REALTIME, ro) == 0 ? 0 : errno;
	EXPECT(clock_gettime(CLOCK_MONOTONIC, &m0), 0);
	EXPECT(nanosleep(&sl, NULL), 0);
	EXPECT(clock_gettime(CLOCK_MONOTONIC, &m1), 0);
	if ((m1.tv_sec - m0.tv_sec) * 1000000000ll + m1.tv_nsec - m0.tv_nsec <
	    20 * 1000 * 1000)
		fail("CLOCK_MONOTONIC did not advance over a 20 ms sleep");
	n = snprintf(text, sizeof(text), "time %lld\ngettimeofday %lld.%06ld "
	    "tz %d %d\nrealtime %lld.%09ld\ncoarse %lld.%09ld\n"
	    "tai %lld.%09ld\nvdso %d\nefault %d\nmono ok\n", (long long)t,
	    (long long)tv.tv_sec, (long)tv.tv_usec, tz.tz_minuteswest,
	    tz.tz_dsttime, (long long)rt.tv_sec, rt.tv_nsec,
	    (long long)co.tv_sec, co.tv_nsec, (long long)tai.tv_sec,
	    tai.tv_nsec, getauxval(AT_SYSINFO_EHDR) != 0, e);
	(void)n;
	EXPECT(write_text("clock.out", text), 0);
}

#define NTHREADS	4
#define PER_THREAD	25

static long long seen[NTHREADS * PER_THREAD + 1];

static void *
reader(void *arg)
{
	long k = (long)arg;

	for (int i = 0; i < PER_THREAD; i++) {
		struct timespec ts;

		EXPECT(clock_gettime(CLOCK_REALTIME, &ts), 0);
		seen[k * PER_THREAD + i] = ts.tv_sec * 1000000000ll + ts.tv_nsec;
	}
	return NULL;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static void
threads(void)
{
	pthread_t th[NTHREADS];
	struct timespec ts;
	size_t n = sizeof(seen) / sizeof(seen[0]), distinct = 1;

	for (long k = 0; k < NTHREADS; k++)
		if (pthread_create(&th[k], NULL, reader, (void *)k) != 0)
			fail("pthread_create");
	for (int k = 0; k < NTHREADS; k++)
		pthread_join(th[k], NULL);
	EXPECT(clock_gettime(CLOCK_REALTIME, &ts), 0);
	seen[n - 1] = ts.tv_sec * 1000000000ll + ts.tv_nsec;
	qsort(seen, n, sizeof(seen[0]), cmp_ll);
	for (size_t i = 1; i < n; i++)
		distinct += seen[i] != seen[i - 1];
	printf("distinct %zu last-is-max %d\n", distinct,
	    seen[n - 1] == ts.tv_sec * 1000000000ll + ts.tv_nsec);
}

static void
loop(long n, clockid_t clk)
{
	struct timespec ts;

	for (long i = 0; i < n; i++)
		if (clock_gettime(clk, &ts) != 0)
			fail("clock_gettime: %s", strerror(errno));
}

int
main(int argc, char **argv)
{
	if (argc == 1)
		clock_file();
	else if (strcmp(argv[1], "threads") == 0)
		threads();
	else if (argc == 4 && strcmp(argv[1], "loop") == 0)
		loop(atol(argv[2]), strcmp(argv[3], "monotonic") == 0 ?
		    CLOCK_MONOTONIC : CLOCK_REALTIME);
	else
		fail("usage: det_clock [threads | loop N realtime|monotonic]");
	return 0;
}
