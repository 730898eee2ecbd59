/*
 * report_html.h - the HTML report of `badio report --format html`.
 */
#ifndef BADIO_TOOLS_REPORT_HTML_H
#define BADIO_TOOLS_REPORT_HTML_H

#include <stdio.h>

#include "explorer/explorer.h"
#include "store/store.h"

/*
 * Write the whole page for the database of s to f.  The store needs a
 * locator and a framer (store_locator_set, store_framer_set) so call
 * sites have names; pend is what the last explore's plan has not run
 * yet (bx_pending).  0, or -errno (-EIO: writing f failed; else the
 * store's error, store_errmsg()).
 */
int	report_html(struct store *s, FILE *f, const char *version,
	    const struct bx_pending *pend);

#endif /* BADIO_TOOLS_REPORT_HTML_H */
