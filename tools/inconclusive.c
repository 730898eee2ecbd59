/*
 * inconclusive.c - what a set of experiments cannot tell.  A verdict
 * from a run that never reached its site, that the oracle could not
 * judge, or that did not replay the recording says nothing about the
 * site: a report that counted such experiments as passing would say "no
 * bugs" of a program nobody tested.  So the report and explore's summary
 * say at the top how many there are, and CI can refuse such a run
 * (--fail-on inconclusive: tools/cli.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tools/inconclusive.h"

/* The kinds of inconclusive experiments, as the line names them. */
struct part {
	int64_t		n;
	const char	*one;		/* "did not reach its site" */
	const char	*many;
};

bool
cli_inconclusive_line(char *buf, size_t size,
    const struct store_inconclusive *c)
{
	const struct part parts[] = {
		{ c->unreached, "did not reach its site",
		  "did not reach their site" },
		{ c->not_judged, "was not judged by the oracle",
		  "were not judged by the oracle" },
		{ c->diverged, "diverged from the recording",
		  "diverged from the recording" },
	};
	size_t len, i, nparts = 0, only = 0;

	buf[0] = '\0';
	if (c->total <= 0)
		return false;
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (parts[i].n > 0) {
			nparts++;
			only = i;
		}
	len = (size_t)snprintf(buf, size, "inconclusive: %" PRId64 " of %"
	    PRId64 " experiment%s", c->total, c->experiments,
	    c->experiments == 1 ? "" : "s");
	if (nparts == 1) {
		snprintf(buf + len, len < size ? size - len : 0, " %s",
		    c->total == 1 ? parts[only].one : parts[only].many);
		return true;
	}
	for (i = 0, nparts = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (parts[i].n <= 0 || len >= size)
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%" PRId64 " %s",
		    nparts++ ? ", " : " (", parts[i].n,
		    parts[i].n == 1 ? parts[i].one : parts[i].many);
	}
	if (len < size)
		snprintf(buf + len, size - len, ")");
	return true;
}
