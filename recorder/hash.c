/*
 * hash.c - the checksum of a site's data: XXH3-64 from libxxhash.
 *
 * zlib's crc32 ran at 1-3 GB/s here, as slow as the write it checks or
 * slower (a 1 MiB write into the page cache takes ~0.3 ms); XXH3 runs at
 * 16-20 GB/s, so the checksum stays a fraction of the write even for
 * large ones (0.06 ms a MiB).  Older recordings keep their CRC-32 (sites.crc32); new
 * ones fill sites.xxh3 (docs/schema.md).
 */
#include <stdlib.h>
#include <xxhash.h>

/*
 * On x86-64 libxxhash picks the widest vector unit at run time (AVX2
 * here: 16-20 GB/s, against 8 GB/s for its SSE2 default and 1-3 GB/s for
 * zlib's crc32); the hash values are the same.
 */
#if defined(__x86_64__)
#include <xxh_x86dispatch.h>
#define xxh3_update	XXH3_64bits_update_dispatch
#define xxh3_oneshot	XXH3_64bits_dispatch
#else
#define xxh3_update	XXH3_64bits_update
#define xxh3_oneshot	XXH3_64bits
#endif

#include "recorder/recorder_int.h"

struct hasher {
	XXH3_state_t	*st;
};

struct hasher *
hasher_new(void)
{
	struct hasher *h = malloc(sizeof(*h));

	if (!h)
		return NULL;
	h->st = XXH3_createState();
	if (!h->st) {
		free(h);
		return NULL;
	}
	XXH3_64bits_reset(h->st);
	return h;
}

void
hasher_free(struct hasher *h)
{
	if (!h)
		return;
	XXH3_freeState(h->st);
	free(h);
}

void
hasher_reset(struct hasher *h)
{
	XXH3_64bits_reset(h->st);
}

void
hasher_add(struct hasher *h, const void *p, size_t n)
{
	xxh3_update(h->st, p, n);
}

uint64_t
hasher_digest(const struct hasher *h)
{
	return XXH3_64bits_digest(h->st);
}

/* One piece: the same value as a hasher fed the same bytes. */
uint64_t
hash_bytes(const void *p, size_t n)
{
	return xxh3_oneshot(p, n);
}
