/*
 * site_writer.h - sites into the store from a thread of their own, so
 * that the inserts of a write-heavy program overlap with tracing instead
 * of adding to each stop (the tracer and the program share one CPU; the
 * writer thread runs on the others).  The tracer's callback copies each
 * site into a bounded queue; the thread inserts them, 20,000 to a
 * transaction.  While it runs, nothing else may use the store.
 */
#ifndef BADIO_TOOLS_SITE_WRITER_H
#define BADIO_TOOLS_SITE_WRITER_H

#include <stdint.h>

#include "recorder/recorder.h"
#include "store/store.h"

struct site_writer;

/* The store must be inside a transaction (store_begin). */
int	site_writer_start(struct site_writer **wp, struct store *s,
	    int64_t recording);
/* Copy one site in; blocks while the queue is full.  The first error. */
int	site_writer_push(struct site_writer *w, const struct rec_site *site);
/* Insert what is queued, stop the thread, free; the first error. */
int	site_writer_finish(struct site_writer *w);

/* The store's row for a recorder's site (no copy: same lifetime). */
void	site_to_row(const struct rec_site *s, int64_t recording,
	    struct store_site *row);

#endif /* BADIO_TOOLS_SITE_WRITER_H */
