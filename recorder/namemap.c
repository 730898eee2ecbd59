/*
 * namemap.c - names that follow the file, not the spelling.
 *
 * A program that names its files at random (mkstemp, Go's os.CreateTemp,
 * a pid in the name) creates them under another name in every run, so a
 * re-run's replay keys ("write:sedK9uCgH:1") would never meet the
 * recording's.  The recording keeps the names its sites brought into
 * existence, in order, with their call sites (struct rec_created); a
 * re-run that creates a name the recording does not know takes the
 * recorded name created at the same point:
 *
 *   - in the same directory (itself translated first, so files inside a
 *     directory made by mkdtemp follow too);
 *   - the first recorded creation there not yet matched, by seq;
 *   - from the same call site when there is one, else from any.
 *
 * A name the recording knows (any path its sites name) is not
 * translated; creating it marks its recorded creation as matched, so a
 * random name created later does not take it.  Unless its recorded
 * creation came from another call site and this one has its own waiting:
 * then it is a random name that spells a recorded one by chance.  The recording keeps the
 * attempts that failed too (a mkstemp in a directory not made yet fails
 * with ENOENT, then the directory is made and a new name tried), and a
 * match is tentative until the call returns (namemap_settle): an
 * attempt that ends as the recorded one did (created, or failed) keeps
 * its match; one that does not (EEXIST in a mkstemp retry loop where the
 * recording had no collision) gives the recorded name back for the next
 * attempt.
 *
 * Every later path of the re-run is translated through the mappings
 * made so far: the longest mapped prefix (the whole path, or a
 * directory part) is replaced by the recorded spelling.
 *
 * Pure logic: no system calls; tests/unit/test_namemap.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recorder/recorder_int.h"

#define SLOTS	256		/* hash buckets of the mappings */

struct nm_rec {
	const char	*path;
	size_t		dirlen;
	int64_t		callsite;
	bool		used;		/* matched, or pending */
	bool		failed;		/* the recorded attempt failed */
	struct nm_entry	*entry;		/* the mapping to it, while pending or made */
};

/* One mapping: a re-run spelling and the recorded one. */
struct nm_entry {
	struct nm_entry	*next;		/* hash chain: newest first */
	size_t		fromlen;
	const char	*to;		/* the recorded path */
	char		from[];
};

struct namemap {
	struct nm_rec	*rec;
	size_t		nrec;
	const char	**known;	/* sorted */
	size_t		nknown;
	/*
	 * Recorded creations three ways: by (dir, call site, seq), by
	 * (dir, seq), by (path, seq).  cur[g] is the first unmatched
	 * position of the group starting at g.
	 */
	size_t		*by_dcs, *cur_dcs;
	size_t		*by_d, *cur_d;
	size_t		*by_path;
	struct nm_entry	*slots[SLOTS];
	size_t		nentries;
	struct nm_entry	*graveyard;	/* undone or shadowed, freed at the end */
};

/* The directory part of a path: "" for "a", "/" for "/a", "d" for "d/a". */
static size_t
dir_len(const char *p)
{
	const char *s = strrchr(p, '/');

	if (!s)
		return 0;
	return s == p ? 1 : (size_t)(s - p);
}

static int
dir_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = memcmp(a, b, n);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int
icmp(size_t a, size_t b)
{
	return a < b ? -1 : a > b;
}

/* qsort has no context argument: the array being sorted, set around it. */
static const struct nm_rec *sort_rec;

static int
cmp_dcs(const void *x, const void *y)
{
	const struct nm_rec *a = &sort_rec[*(const size_t *)x];
	const struct nm_rec *b = &sort_rec[*(const size_t *)y];
	int c = dir_cmp(a->path, a->dirlen, b->path, b->dirlen);

	if (c)
		return c;
	if (a->callsite != b->callsite)
		return a->callsite < b->callsite ? -1 : 1;
	return icmp(*(const size_t *)x, *(const size_t *)y);
}

static int
cmp_d(const void *x, const void *y)
{
	const struct nm_rec *a = &sort_rec[*(const size_t *)x];
	const struct nm_rec *b = &sort_rec[*(const size_t *)y];
	int c = dir_cmp(a->path, a->dirlen, b->path, b->dirlen);

	return c ? c : icmp(*(const size_t *)x, *(const size_t *)y);
}

static int
cmp_path(const void *x, const void *y)
{
	int c = strcmp(sort_rec[*(const size_t *)x].path,
	    sort_rec[*(const size_t *)y].path);

	return c ? c : icmp(*(const size_t *)x, *(const size_t *)y);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static size_t *
index_new(const struct nm_rec *rec, size_t n, int (*cmp)(const void *,
    const void *))
{
	size_t *v = malloc((n ? n : 1) * sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = i;
	sort_rec = rec;
	qsort(v, n, sizeof(*v), cmp);
	sort_rec = NULL;
	return v;
}

static size_t *
cursors_new(size_t n)
{
	size_t *c = malloc((n ? n : 1) * sizeof(*c));

	for (size_t i = 0; c && i < n; i++)
		c[i] = i;
	return c;
}

struct namemap *
namemap_new(const struct rec_created *created, size_t ncreated,
    const char *const *known, size_t nknown)
{
	struct namemap *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->rec = calloc(ncreated ? ncreated : 1, sizeof(*m->rec));
	m->known = malloc((nknown ? nknown : 1) * sizeof(*m->known));
	if (!m->rec || !m->known)
		goto out_free;
	for (size_t i = 0; i < ncreated; i++) {
		m->rec[i].path = created[i].path;
		m->rec[i].dirlen = dir_len(created[i].path);
		m->rec[i].callsite = created[i].callsite;
		m->rec[i].failed = created[i].failed;
	}
	m->nrec = ncreated;
	if (nknown)
		memcpy(m->known, known, nknown * sizeof(*known));
	m->nknown = nknown;
	qsort(m->known, nknown, sizeof(*m->known), cmp_str);
	m->by_dcs = index_new(m->rec, ncreated, cmp_dcs);
	m->by_d = index_new(m->rec, ncreated, cmp_d);
	m->by_path = index_new(m->rec, ncreated, cmp_path);
	m->cur_dcs = cursors_new(ncreated);
	m->cur_d = cursors_new(ncreated);
	if (m->by_dcs && m->by_d && m->by_path && m->cur_dcs && m->cur_d)
		return m;
out_free:
	namemap_free(m);
	return NULL;
}

static void
entries_free(struct nm_entry *e)
{
	while (e) {
		struct nm_entry *next = e->next;

		free(e);
		e = next;
	}
}

void
namemap_free(struct namemap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < SLOTS; i++)
		entries_free(m->slots[i]);
	entries_free(m->graveyard);
	free(m->rec);
	free(m->known);
	free(m->by_dcs);
	free(m->cur_dcs);
	free(m->by_d);
	free(m->cur_d);
	free(m->by_path);
	free(m);
}

static unsigned
hash(const char *s, size_t len)
{
	unsigned h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h % SLOTS;
}

static struct nm_entry *
lookup(const struct namemap *m, const char *s, size_t len)
{
	for (struct nm_entry *e = m->slots[hash(s, len)]; e; e = e->next)
		if (e->fromlen == len && memcmp(e->from, s, len) == 0)
			return e;
	return NULL;
}

/* Replace path[0..len) by to, if the result fits in size. */
static void
splice(char *path, size_t size, size_t len, const char *to)
{
	size_t tolen = strlen(to), rest = strlen(path + len);

	if (tolen + rest + 1 > size)
		return;
	memmove(path + tolen, path + len, rest + 1);
	memcpy(path, to, tolen);
}

void
namemap_translate(const struct namemap *m, char *path, size_t size)
{
	size_t end;

	if (!m || !m->nentries)
		return;
	for (end = strlen(path); end > 0; end--) {
		struct nm_entry *e;

		if (path[end] != '\0' && path[end] != '/')
			continue;
		if ((e = lookup(m, path, end))) {
			splice(path, size, end, e->to);
			return;
		}
	}
}

static bool
is_known(const struct namemap *m, const char *path)
{
	return bsearch(&path, m->known, m->nknown, sizeof(*m->known),
	    cmp_str) != NULL;
}

/*
 * The first position of the group of `by` whose members compare equal to
 * the probe (dir, and callsite when with_cs), or nrec if none.
 */
static size_t
group_start(const struct namemap *m, const size_t *by, const char *dir,
    size_t dirlen, bool with_cs, int64_t callsite)
{
	size_t lo = 0, hi = m->nrec;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct nm_rec *r = &m->rec[by[mid]];
		int c = dir_cmp(r->path, r->dirlen, dir, dirlen);

		if (c == 0 && with_cs && r->callsite != callsite)
			c = r->callsite < callsite ? -1 : 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == m->nrec)
		return lo;
	{
		const struct nm_rec *r = &m->rec[by[lo]];

		if (dir_cmp(r->path, r->dirlen, dir, dirlen) != 0 ||
		    (with_cs && r->callsite != callsite))
			return m->nrec;
	}
	return lo;
}

static bool
same_group(const struct namemap *m, const struct nm_rec *a, size_t j,
    bool with_cs)
{
	const struct nm_rec *b = &m->rec[j];

	return dir_cmp(a->path, a->dirlen, b->path, b->dirlen) == 0 &&
	    (!with_cs || a->callsite == b->callsite);
}

/* The first unmatched member of a group (its cursor moves past matched ones). */
static struct nm_rec *
group_next(struct namemap *m, const size_t *by, size_t *cur, size_t g,
    bool with_cs)
{
	const struct nm_rec *first = &m->rec[by[g]];
	size_t pos = cur[g];

	while (pos < m->nrec && same_group(m, first, by[pos], with_cs) &&
	    m->rec[by[pos]].used)
		pos++;
	cur[g] = pos;
	if (pos < m->nrec && same_group(m, first, by[pos], with_cs))
		return &m->rec[by[pos]];
	return NULL;
}

static struct nm_rec *
candidate(struct namemap *m, const char *dir, size_t dirlen, int64_t callsite)
{
	struct nm_rec *r = NULL;
	size_t g;

	if (callsite) {
		g = group_start(m, m->by_dcs, dir, dirlen, true, callsite);
		if (g < m->nrec)
			r = group_next(m, m->by_dcs, m->cur_dcs, g, true);
	}
	if (!r) {
		g = group_start(m, m->by_d, dir, dirlen, false, 0);
		if (g < m->nrec)
			r = group_next(m, m->by_d, m->cur_d, g, false);
	}
	return r;
}

/* The recorded creation of exactly this path not yet matched, or NULL. */
static struct nm_rec *
by_path_unused(struct namemap *m, const char *path)
{
	size_t lo = 0, hi = m->nrec;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(m->rec[m->by_path[mid]].path, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < m->nrec && strcmp(m->rec[m->by_path[lo]].path, path) == 0;
	    lo++)
		if (!m->rec[m->by_path[lo]].used)
			return &m->rec[m->by_path[lo]];
	return NULL;
}

static int
add_entry(struct namemap *m, const char *from, struct nm_rec *r)
{
	size_t len = strlen(from);
	struct nm_entry *e = malloc(sizeof(*e) + len + 1);
	unsigned h;

	if (!e)
		return -ENOMEM;
	memcpy(e->from, from, len + 1);
	e->fromlen = len;
	e->to = r->path;
	h = hash(from, len);
	e->next = m->slots[h];		/* shadows an older mapping of from */
	m->slots[h] = e;
	m->nentries++;
	r->entry = e;
	return 0;
}

/* The first unmatched recorded creation in path's directory by callsite. */
static struct nm_rec *
candidate_of_site(struct namemap *m, const char *path, int64_t callsite)
{
	size_t g;

	if (!callsite)
		return NULL;
	g = group_start(m, m->by_dcs, path, dir_len(path), true, callsite);
	return g < m->nrec ? group_next(m, m->by_dcs, m->cur_dcs, g, true) :
	    NULL;
}

/*
 * The recorded creation a name the recording knows takes: its own,
 * unless that was made by another call site (or is taken) while this
 * call site has a creation of its own waiting in the directory.  Then
 * the name is a random one that happens to spell a recorded name, and
 * is matched like one: mkstemp's letters come from the clock, or from
 * getrandom (seeded, the same stream every run) when the clock's value
 * is refused, so a re-run's first mkstemp can draw what the recording
 * drew at its second.  *translate says whether path takes another name.
 */
static struct nm_rec *
known_creation(struct namemap *m, const char *path, int64_t callsite,
    bool *translate)
{
	struct nm_rec *r = by_path_unused(m, path), *own;

	*translate = false;
	if (r && (!callsite || !r->callsite || r->callsite == callsite))
		return r;
	own = candidate_of_site(m, path, callsite);
	if (!own)
		return r;
	*translate = true;
	return own;
}

uint32_t
namemap_create(struct namemap *m, char *path, size_t size, int64_t callsite)
{
	struct nm_rec *r;
	bool translate = true;
	char *from;

	if (!m || !m->nrec)
		return 0;
	from = strdup(path);
	if (!from)
		return 0;
	namemap_translate(m, path, size);
	if (is_known(m, path))
		r = known_creation(m, path, callsite, &translate);
	else
		r = candidate(m, path, dir_len(path), callsite);
	if (r && translate) {
		if (strlen(r->path) + 1 > size || add_entry(m, from, r) < 0)
			r = NULL;
		else
			memcpy(path, r->path, strlen(r->path) + 1);
	}
	free(from);
	if (!r)
		return 0;
	r->used = true;
	return (uint32_t)(r - m->rec) + 1;
}

static void
cursor_back(struct namemap *m, const size_t *by, size_t *cur, size_t i,
    bool with_cs)
{
	const struct nm_rec *r = &m->rec[i];
	size_t g = group_start(m, by, r->path, r->dirlen, with_cs, r->callsite);

	for (size_t pos = g; g < m->nrec && pos < m->nrec; pos++) {
		if (by[pos] == i) {
			if (cur[g] > pos)
				cur[g] = pos;
			return;
		}
	}
}

static void
entry_remove(struct namemap *m, struct nm_entry *e)
{
	struct nm_entry **pp = &m->slots[hash(e->from, e->fromlen)];

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			e->next = m->graveyard;
			m->graveyard = e;
			m->nentries--;
			return;
		}
	}
}

void
namemap_settle(struct namemap *m, uint32_t token, bool created)
{
	struct nm_rec *r;
	size_t i;

	if (!m || token == 0 || token > m->nrec)
		return;
	i = token - 1;
	r = &m->rec[i];
	if (created == !r->failed) {
		/* as recorded; a failed attempt's spelling names nothing */
		if (!created && r->entry) {
			entry_remove(m, r->entry);
			r->entry = NULL;
		}
		return;
	}
	/* not as recorded: the recorded name is free again */
	if (r->entry) {
		entry_remove(m, r->entry);
		r->entry = NULL;
	}
	r->used = false;
	cursor_back(m, m->by_dcs, m->cur_dcs, i, true);
	cursor_back(m, m->by_d, m->cur_d, i, false);
}
