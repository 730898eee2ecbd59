/*
 * inconclusive.h - what a set of experiments cannot tell: the line that
 * says so at the top of `badio report` and of explore's summary.
 */
#ifndef BADIO_TOOLS_INCONCLUSIVE_H
#define BADIO_TOOLS_INCONCLUSIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/*
 * "inconclusive: 8 of 8 experiments did not reach their site" (or with
 * the parts in parentheses) into buf; false, and buf "", if none is.
 */
bool	cli_inconclusive_line(char *buf, size_t size,
	    const struct store_inconclusive *c);

#endif /* BADIO_TOOLS_INCONCLUSIVE_H */
