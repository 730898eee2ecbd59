/*
 * threads4: 4 threads, each 20,000 write(2)s of 16 bytes to its own
 * file thr-N.out: sites from several threads at once.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#define THREADS	4
#define WRITES	20000

static void *
writer(void *arg)
{
	char name[32];
	int fd, i;

	snprintf(name, sizeof(name), "thr-%ld.out", (long)arg);
	fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return (void *)1;
	for (i = 0; i < WRITES; i++)
		if (write(fd, "0123456789abcde\n", 16) != 16)
			return (void *)1;
	return close(fd) == 0 ? NULL : (void *)1;
}

int
main(void)
{
	pthread_t th[THREADS];
	void *rv;
	int bad = 0;

	for (long i = 0; i < THREADS; i++)
		if (pthread_create(&th[i], NULL, writer, (void *)i) != 0)
			return 1;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], &rv);
		bad |= rv != NULL;
	}
	return bad;
}
