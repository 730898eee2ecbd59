/*
 * site_writer.c - see site_writer.h.  A ring of copied rows between the
 * tracer (producer) and one inserting thread (consumer).  The consumer is
 * woken only when it sleeps and a batch has gathered, so most pushes cost
 * a lock and a copy, not a system call.
 */
#include "tools/site_writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define QUEUE_SLOTS		8192
#define WAKE_BATCH		256		/* rows gathered before waking the writer */
#define PUSH_BATCH		64		/* rows the tracer hands over per lock */
#define SITES_PER_TRANSACTION	20000

struct slot {
	struct store_site	row;
	char			*strings;	/* path, key, path2, flags, creates:
						 * one allocation */
	struct store_frame	*frames;	/* the call site's, at its first site */
	size_t			nframes;
	bool			unwound;
};

struct site_writer {
	struct store	*store;
	int64_t		recording;
	pthread_t	thread;
	pthread_mutex_t	lock;
	pthread_cond_t	not_empty;
	pthread_cond_t	not_full;
	struct slot	ring[QUEUE_SLOTS];
	size_t		head;		/* next to take */
	size_t		count;
	bool		sleeping;	/* the writer waits for rows */
	bool		done;
	int		error;
	uint64_t	in_transaction;
	/* the producer's side, unlocked: rows not yet handed over */
	struct slot	batch[PUSH_BATCH];
	size_t		nbatch;
};

void
site_to_row(const struct rec_site *s, int64_t recording, struct store_site *row)
{
	*row = (struct store_site){
		.recording = recording, .seq = (int64_t)s->seq, .pid = s->pid,
		.tid = s->tid, .syscall = s->sc->name,
		.family = rec_family_name(s->sc->family), .fd = s->fd,
		.path = s->path, .path2 = s->path2, .kind = rec_kind_name(s->kind),
		.offset = s->offset, .count = s->count, .result = s->result,
		.has_result = s->has_result, .append = s->append, .t_ns = s->t_ns,
		.xxh3 = (int64_t)s->xxh3, .has_xxh3 = true,
		.crc_bytes = s->crc_bytes, .key = s->key,
		.key_path = s->path, .ordinal = s->ordinal,
		.callsite = s->callsite, .flags = s->flags, .offset2 = s->offset2,
		.mapped = s->mapped,
		.creates = s->creates,
		.process = s->process, .thread = s->thread,
	};
}

static void
slot_free(struct slot *sl)
{
	free(sl->strings);
	store_frames_free(sl->frames, sl->nframes);
}

static int
insert(struct site_writer *w, struct slot *sl)
{
	int rc = 0;

	if (sl->nframes)
		rc = store_callsite_add(w->store, sl->row.callsite, sl->frames,
		    sl->nframes, sl->unwound);
	if (rc == 0)
		rc = store_site_add(w->store, &sl->row);
	store_frames_free(sl->frames, sl->nframes);

	if (rc == 0 && ++w->in_transaction >= SITES_PER_TRANSACTION) {
		rc = store_commit(w->store);
		if (rc == 0)
			rc = store_begin(w->store);
		w->in_transaction = 0;
	}
	free(sl->strings);
	return rc;
}

static void *
writer_main(void *arg)
{
	struct site_writer *w = arg;
	struct slot batch[WAKE_BATCH];

	pthread_mutex_lock(&w->lock);
	for (;;) {
		size_t n = 0;
		int err = 0;

		while (w->count == 0 && !w->done) {
			w->sleeping = true;
			pthread_cond_wait(&w->not_empty, &w->lock);
			w->sleeping = false;
		}
		if (w->count == 0 && w->done)
			break;
		while (w->count && n < WAKE_BATCH) {
			batch[n++] = w->ring[w->head];
			w->head = (w->head + 1) % QUEUE_SLOTS;
			w->count--;
		}
		pthread_cond_signal(&w->not_full);
		pthread_mutex_unlock(&w->lock);
		/*
		 * Stop at the first error: SQLite has rolled the transaction
		 * back (SQLITE_FULL does), so later rows would fail for
		 * another reason (FOREIGN KEY) and hide the cause in
		 * store_errmsg().
		 */
		for (size_t i = 0; i < n; i++) {
			int rc = err || w->error ? 0 : insert(w, &batch[i]);

			if (err || w->error)
				slot_free(&batch[i]);
			else if (rc < 0)
				err = rc;
		}
		pthread_mutex_lock(&w->lock);
		if (err && !w->error) {
			w->error = err;
			pthread_cond_signal(&w->not_full);
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int
site_writer_start(struct site_writer **wp, struct store *s, int64_t recording)
{
	struct site_writer *w = calloc(1, sizeof(*w));
	int rc;

	if (!w)
		return -ENOMEM;
	w->store = s;
	w->recording = recording;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->not_empty, NULL);
	pthread_cond_init(&w->not_full, NULL);
	rc = pthread_create(&w->thread, NULL, writer_main, w);
	if (rc) {
		free(w);
		return -rc;
	}
	*wp = w;
	return 0;
}

/* The frames of a new call site; module names are the tracer's, so copied. */
static int
frames_copy(struct slot *sl, const struct rec_site *s)
{
	sl->frames = calloc(s->nframes, sizeof(*sl->frames));
	if (!sl->frames)
		return -ENOMEM;
	for (unsigned i = 0; i < s->nframes; i++) {
		sl->frames[i].module = strdup(s->frames[i].module);
		sl->frames[i].offset = (int64_t)s->frames[i].offset;
		sl->nframes = i + 1;
		if (!sl->frames[i].module)
			return -ENOMEM;
	}
	return 0;
}

/* Copy the strings a row points to into one allocation owned by the slot. */
static int
slot_fill(struct slot *sl, const struct rec_site *s, int64_t recording)
{
	size_t lp = strlen(s->path) + 1, lk = strlen(s->key) + 1;
	size_t l2 = s->path2 ? strlen(s->path2) + 1 : 0;
	size_t lf = s->flags ? strlen(s->flags) + 1 : 0;
	/* creates is path or path2 (then shared), or a name of its own */
	bool own = s->creates && s->creates != s->path && s->creates != s->path2;
	size_t lc = own ? strlen(s->creates) + 1 : 0;
	char *p = malloc(lp + lk + l2 + lf + lc);

	sl->strings = p;
	sl->frames = NULL;
	sl->nframes = 0;
	if (!p)
		return -ENOMEM;
	site_to_row(s, recording, &sl->row);
	memcpy(p, s->path, lp);
	memcpy(p + lp, s->key, lk);
	sl->row.path = sl->row.key_path = p;
	sl->row.key = p + lp;
	if (s->path2) {
		memcpy(p + lp + lk, s->path2, l2);
		sl->row.path2 = p + lp + lk;
	}
	if (s->flags) {
		memcpy(p + lp + lk + l2, s->flags, lf);
		sl->row.flags = p + lp + lk + l2;
	}
	if (own) {
		memcpy(p + lp + lk + l2 + lf, s->creates, lc);
		sl->row.creates = p + lp + lk + l2 + lf;
	} else if (s->creates) {
		sl->row.creates = s->creates == s->path ? sl->row.path :
		    sl->row.path2;
	}
	sl->strings = p;
	sl->unwound = s->unwound;
	return s->nframes ? frames_copy(sl, s) : 0;
}

/*
 * Hand the producer's batch over under one lock (the lock per row cost
 * more than the rest of the copy, its cache line bouncing between CPUs).
 */
static int
flush(struct site_writer *w)
{
	size_t i = 0;
	int rc;

	pthread_mutex_lock(&w->lock);
	for (; i < w->nbatch && !w->error; i++) {
		while (w->count == QUEUE_SLOTS && !w->error)
			pthread_cond_wait(&w->not_full, &w->lock);
		if (w->error)
			break;
		w->ring[(w->head + w->count) % QUEUE_SLOTS] = w->batch[i];
		w->count++;
	}
	if (w->sleeping && w->count >= WAKE_BATCH)
		pthread_cond_signal(&w->not_empty);
	rc = w->error;
	pthread_mutex_unlock(&w->lock);
	for (; i < w->nbatch; i++)		/* not handed over: an error */
		slot_free(&w->batch[i]);
	w->nbatch = 0;
	return rc;
}

int
site_writer_push(struct site_writer *w, const struct rec_site *site)
{
	struct slot *sl = &w->batch[w->nbatch];
	int rc = slot_fill(sl, site, w->recording);

	if (rc < 0) {
		slot_free(sl);
		return rc;
	}
	if (++w->nbatch == PUSH_BATCH)
		return flush(w);
	return 0;
}

int
site_writer_finish(struct site_writer *w)
{
	int rc = flush(w);

	pthread_mutex_lock(&w->lock);
	w->done = true;
	pthread_cond_signal(&w->not_empty);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	if (!rc)
		rc = w->error;
	while (w->count) {		/* left after an error */
		slot_free(&w->ring[w->head]);
		w->head = (w->head + 1) % QUEUE_SLOTS;
		w->count--;
	}
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->not_empty);
	pthread_cond_destroy(&w->not_full);
	free(w);
	return rc;
}
