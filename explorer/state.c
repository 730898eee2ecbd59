/*
 * state.c - the crash states a power experiment judges (issue 9;
 * docs/explore.md, "Power loss").
 *
 * A crash point has several states, each judged by the oracle and
 * stored as its own experiment: durable (what POSIX promises), metadata
 * (what delayed allocation leaves: every directory change, no unsynced
 * data) and prefix:N (the first N operations after the last durability
 * point survive, N = 1 .. min(k, --power-prefixes)), k being how many
 * operations were not yet durable there.  A lost-sync experiment judges
 * durable (lost data with its old bytes and size: XFS, btrfs) and
 * durable-zero (the size as written, new blocks zeros: ext4).  States
 * are numbered: 0 durable, 1 metadata, 1 + N prefix:N, BX_STATE_ZERO
 * durable-zero; a set of them is a bit mask (uint64_t), which is what a
 * plan asks a power experiment to judge.
 */
#include "explorer/explorer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[BX_STATE_KINDS] = {
	[BX_STATE_DURABLE]	= "durable",
	[BX_STATE_METADATA]	= "metadata",
	[BX_STATE_PREFIX]	= "prefix",
};

int
bx_states_parse(const char *list, unsigned *kinds, char *err, size_t errsz)
{
	const char *p = list;
	size_t n;
	int k;

	*kinds = 0;
	for (;;) {
		n = strcspn(p, ",");
		for (k = 0; k < BX_STATE_KINDS; k++)
			if (strlen(kind_names[k]) == n &&
			    strncmp(kind_names[k], p, n) == 0)
				break;
		if (k == BX_STATE_KINDS) {
			snprintf(err, errsz, "unknown power state '%.*s' (durable, "
			    "metadata, prefix)", (int)(n < 64 ? n : 64), p);
			return -EINVAL;
		}
		*kinds |= 1u << k;
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

uint64_t
bx_states_of(unsigned kinds, unsigned prefixes, uint64_t unsynced)
{
	uint64_t set = 0;
	uint64_t n;

	if (kinds == 0)
		kinds = BX_STATES_DEFAULT;
	if (prefixes == 0)
		prefixes = BX_POWER_PREFIXES_DEFAULT;
	if (prefixes > BX_POWER_PREFIX_MAX)
		prefixes = BX_POWER_PREFIX_MAX;
	if (kinds & (1u << BX_STATE_DURABLE))
		set |= 1;
	if (kinds & (1u << BX_STATE_METADATA))
		set |= 2;
	if (kinds & (1u << BX_STATE_PREFIX))
		for (n = 1; n <= prefixes && n <= unsynced; n++)
			set |= (uint64_t)1 << (1 + n);
	return set;
}

int
bx_state_name(unsigned i, char *buf, size_t size)
{
	int n;

	if (i >= BX_STATES_MAX)
		return -EINVAL;
	if (i == BX_STATE_ZERO)
		n = snprintf(buf, size, "durable-zero");
	else if (i < 2)
		n = snprintf(buf, size, "%s", kind_names[i]);
	else
		n = snprintf(buf, size, "prefix:%u", i - 1);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int
bx_state_index(const char *name)
{
	char *end;
	unsigned long n;

	if (strcmp(name, kind_names[BX_STATE_DURABLE]) == 0)
		return 0;
	if (strcmp(name, kind_names[BX_STATE_METADATA]) == 0)
		return 1;
	if (strcmp(name, "durable-zero") == 0)
		return BX_STATE_ZERO;
	if (strncmp(name, "prefix:", 7) != 0 || name[7] < '1' || name[7] > '9')
		return -1;
	n = strtoul(name + 7, &end, 10);
	if (*end || n > BX_POWER_PREFIX_MAX)
		return -1;
	return (int)(1 + n);
}
