/*
 * snapshot: the driver of tools/bench-snapshot.sh.  Packs the tree SRC
 * ROUNDS times, loads it ROUNDS times (what explore does once), and
 * unpacks it ROUNDS times into fresh directories (what every run of
 * explore does), and prints the medians in milliseconds, the CPU time
 * (user + system) of an unpack, and the bytes stored in the database:
 *
 *   pack_ms load_ms unpack_ms unpack_cpu_ms stored_bytes
 *
 * Built twice by the script: against badio's explorer (the pax tar in
 * zstd of explorer/snapshot*.c: packed into a file, inflated once into
 * another by bx_snapshot_expand, unpacked from that), and with -DOLD
 * against the snapshot.c of badio before schema 7 (its own format in
 * memory, which the store compressed with compress2 at record time and
 * inflated with uncompress once per explore).  A script, never a test.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "explorer/explorer.h"

#ifdef OLD
#include <zlib.h>
#endif

#define ROUNDS_MAX	101

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t
cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
	    ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static double
median_ms(int64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_i64);
	return (double)v[n / 2] / 1e6;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
fresh_dir(char *dir, size_t size, const char *tmp)
{
	snprintf(dir, size, "%s/badio-bench-unpack-XXXXXX", tmp);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
}

static void
die(const char *what, int rc)
{
	fprintf(stderr, "snapshot bench: %s: %s\n", what, strerror(-rc));
	exit(1);
}

int
main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	int64_t pack[ROUNDS_MAX], load[ROUNDS_MAX], unpack[ROUNDS_MAX];
	int64_t cpu[ROUNDS_MAX], stored = 0;
	char dir[4096];
	int rounds, i, rc;
#ifdef OLD
	void *buf = NULL, *z = NULL, *back = NULL;
	size_t len = 0;
	uLongf zlen = 0, blen;
#else
	char err[512];
	struct stat st;
	int fd = -1, tar = -1;
#endif

	if (argc != 3 || (rounds = atoi(argv[2])) < 1 || rounds > ROUNDS_MAX) {
		fprintf(stderr, "usage: snapshot SRC ROUNDS (1-%d)\n",
		    ROUNDS_MAX);
		return 2;
	}
	for (i = 0; i < rounds; i++) {
		int64_t t0 = now_ns();
#ifdef OLD
		free(buf);
		free(z);
		rc = bx_snapshot_pack(argv[1], &buf, &len);
		if (rc)
			die("pack", rc);
		zlen = compressBound(len);
		z = malloc(zlen);
		if (!z || compress2(z, &zlen, buf, len, Z_DEFAULT_COMPRESSION) !=
		    Z_OK)
			die("compress2", -ENOMEM);
		stored = (int64_t)zlen;
#else
		if (fd >= 0)
			close(fd);
		fd = bx_tmpfile();
		if (fd < 0)
			die("tmpfile", fd);
		rc = bx_snapshot_pack(argv[1], fd, NULL, err, sizeof(err));
		if (rc)
			die(err, rc);
		fstat(fd, &st);
		stored = (int64_t)st.st_size;
#endif
		pack[i] = now_ns() - t0;
	}
	for (i = 0; i < rounds; i++) {
		int64_t t0 = now_ns();
#ifdef OLD
		free(back);
		blen = len;
		back = malloc(len ? len : 1);
		if (!back || uncompress(back, &blen, z, zlen) != Z_OK)
			die("uncompress", -EIO);
#else
		if (tar >= 0)
			close(tar);
		rc = bx_snapshot_expand(fd, &tar, err, sizeof(err));
		if (rc)
			die(err, rc);
#endif
		load[i] = now_ns() - t0;
	}
	for (i = 0; i < rounds; i++) {
		int64_t t0, c0;

		fresh_dir(dir, sizeof(dir), tmp);
		sync();		/* the last round's removal is not timed */
		c0 = cpu_ns();
		t0 = now_ns();
#ifdef OLD
		rc = bx_snapshot_unpack(back, blen, dir);
		if (rc)
			die("unpack", rc);
#else
		rc = bx_snapshot_unpack(tar, dir, err, sizeof(err));
		if (rc)
			die(err, rc);
#endif
		unpack[i] = now_ns() - t0;
		cpu[i] = cpu_ns() - c0;
		nftw(dir, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
	}
	printf("%.1f %.1f %.1f %.1f %lld\n", median_ms(pack, rounds),
	    median_ms(load, rounds), median_ms(unpack, rounds),
	    median_ms(cpu, rounds), (long long)stored);
	return 0;
}
