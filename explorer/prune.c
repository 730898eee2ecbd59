/*
 * prune.c - which sites of a call site explore --per-callsite N keeps.
 *
 * A program that writes 100,000 times from one line of code does not
 * need 100,000 re-runs to show how that line copes with a fault: the
 * first call (nothing there yet), the last (the file complete) and a few
 * in between say nearly all of it.  The rest are left out and stored as
 * such (table skipped), so a report never counts them as passing.
 */
#include "explorer/explorer_int.h"

#include <string.h>

size_t
bx_prune_pick(size_t m, unsigned n, bool *keep)
{
	size_t i;

	if (n == 0 || m <= n) {
		for (i = 0; i < m; i++)
			keep[i] = true;
		return m;
	}
	memset(keep, 0, m * sizeof(*keep));
	if (n == 1) {
		keep[0] = true;
		return 1;
	}
	/* i * (m - 1) / (n - 1), rounded: 0 and m - 1 included, distinct
	 * because the step (m - 1) / (n - 1) is more than 1 */
	for (i = 0; i < n; i++)
		keep[(i * (m - 1) + (n - 1) / 2) / (n - 1)] = true;
	return n;
}
