/*
 * report_junit.c - `badio report --format junit`: JUnit XML, which CI
 * systems (Jenkins, GitLab, GitHub actions, Azure) show as test results.
 *
 * One testsuite for the recorded program, one testcase per site that
 * explore tried or left out, named by its replay key, its class the call
 * site ("writer.c:42 save"); tests/fixtures/junit-10.xsd (the Jenkins
 * xUnit plugin's schema) validates it.  A testcase:
 *   fails     when an experiment at the site got a bug verdict
 *             (<failure type="silent-corruption" ...>);
 *   errs      when the oracle could not judge one (<error>, oracle-error);
 *   is skipped when nothing at the site was judged: every experiment
 *             unreached, or every fault left out by --per-callsite;
 *   passes    otherwise.
 * Each experiment is one line of the failure's text or of system-out:
 * the fault, the verdict, how the program ended, the bytes a short or
 * torn write let through, the oracle's status and last line.
 */
#include "tools/report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "explorer/explorer.h"
#include "tools/markup.h"

/*
 * A case's later lines.  Apart from the case: a memory stream keeps the
 * addresses of its buffer and size, and the cases move (realloc, qsort).
 */
struct more {
	char	*buf;
	size_t	len;
	FILE	*f;
};

/* One testcase: a site, what was tried there, what was left out. */
struct jcase {
	int64_t		site;
	int64_t		seq;
	int64_t		callsite;
	char		*key;
	char		*syscall;
	char		*path;
	/*
	 * One line per experiment: the experiments of a site come in a
	 * row, so their lines are [off, end) of jcases.lines; anything
	 * later (the faults left out, which come in a second pass) goes to
	 * more.  One stream for all: a stream per site cost 8 KiB each,
	 * 2.2 GB for 250,000 sites.
	 */
	size_t		off, end;
	struct more	*more;
	unsigned	bug_faults[BX_V_COUNT];	/* per verdict: 1u << rec_fault */
	uint64_t	bug_states[BX_V_COUNT];	/* per verdict: crash states,
					 * 1 << bx_state_index */
	unsigned	verdicts;	/* 1u << enum bx_verdict seen */
	unsigned	nexp;
	unsigned	nskipped;	/* faults left out */
	int64_t		duration_ns;
};

struct jcases {
	struct jcase	*v;
	size_t		n;
	size_t		cap;
	bool		by_seq;		/* v is in seq order (rows came so) */
	FILE		*lines;		/* the experiments' lines, all sites */
	char		*buf;
	size_t		len;
	int		err;
	bool		mixed;		/* judged by several oracles */
	bool		quiet;		/* the counting pass: no lines */
};

/* The case of site s, already made, or NULL. */
static struct jcase *
case_find(struct jcases *cs, const struct store_site *s)
{
	size_t lo = 0, hi = cs->n;

	if (cs->n && cs->v[cs->n - 1].site == s->id)
		return &cs->v[cs->n - 1];
	if (!cs->by_seq) {
		for (size_t i = 0; i < cs->n; i++)
			if (cs->v[i].site == s->id)
				return &cs->v[i];
		return NULL;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cs->v[mid].seq < s->seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < cs->n && cs->v[lo].site == s->id ? &cs->v[lo] : NULL;
}

static struct jcase *
case_for(struct jcases *cs, const struct store_site *s)
{
	struct jcase *c = case_find(cs, s);

	if (c)
		return c;
	if (cs->n == 0)
		cs->by_seq = true;
	else if (cs->v[cs->n - 1].seq >= s->seq)
		cs->by_seq = false;
	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? 2 * cs->cap : 64;
		struct jcase *n = reallocarray(cs->v, cap, sizeof(*n));

		if (!n)
			return NULL;
		cs->v = n;
		cs->cap = cap;
	}
	c = &cs->v[cs->n];
	memset(c, 0, sizeof(*c));
	c->site = s->id;
	c->seq = s->seq;
	c->callsite = s->callsite;
	c->key = strdup(s->key ? s->key : "");
	c->syscall = strdup(s->syscall);
	c->path = strdup(s->path ? s->path : "");
	c->off = c->end = cs->lines ? (size_t)ftello(cs->lines) : 0;
	cs->n++;
	if (!c->key || !c->syscall || !c->path)
		return NULL;
	return c;
}

/* Where the next line of case c goes: after its lines so far, or to more. */
static FILE *
case_lines(struct jcases *cs, struct jcase *c)
{
	if (c->end == (size_t)ftello(cs->lines) && !c->more)
		return cs->lines;
	if (!c->more) {
		c->more = calloc(1, sizeof(*c->more));
		if (!c->more)
			return NULL;
		c->more->f = open_memstream(&c->more->buf, &c->more->len);
	}
	return c->more->f;
}

static void
case_lines_done(struct jcases *cs, struct jcase *c, FILE *f)
{
	if (f == cs->lines)
		c->end = (size_t)ftello(cs->lines);
}

/* The last non-empty line of text, at most 200 bytes, into buf. */
static void
last_line(const char *text, char *buf, size_t size)
{
	const char *end = text ? text + strlen(text) : NULL;
	const char *start;
	size_t n;

	buf[0] = '\0';
	if (!text)
		return;
	while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	for (start = end; start > text && start[-1] != '\n'; start--)
		;
	n = (size_t)(end - start);
	if (n > 200)
		n = 200;
	if (n >= size)
		n = size - 1;
	memcpy(buf, start, n);
	buf[n] = '\0';
}

/* "short: silent-corruption; program exit:0, 30 bytes written; oracle 1: ..." */
static void
experiment_line(FILE *f, const struct store_experiment *e, bool mixed)
{
	char said[256];

	fprintf(f, "%s", e->fault);
	if (e->state)
		fprintf(f, " (%s)", e->state);
	fprintf(f, ": %s", e->verdict);
	if (e->diverged)
		fprintf(f, " (diverged: %s)", e->divergence ? e->divergence : "?");
	fprintf(f, "; program %s", e->status ? e->status : "?");
	if (e->fault_bytes >= 0)
		fprintf(f, ", %" PRId64 " bytes written", e->fault_bytes);
	if (e->oracle_exit >= 0)
		fprintf(f, "; oracle exit %d", e->oracle_exit);
	else if (strcmp(e->verdict, "unreached") != 0)
		fputs("; oracle did not exit", f);
	last_line(e->oracle_tail, said, sizeof(said));
	if (said[0])
		fprintf(f, ": %s", said);
	if (mixed && e->status)
		fprintf(f, " (judged by oracle #%" PRId64 ")", e->oracle_id);
	fputc('\n', f);
}

static int
add_experiment(void *ctx, const struct store_experiment *e,
    const struct store_site *s)
{
	struct jcases *cs = ctx;
	struct jcase *c = case_for(cs, s);
	int v = bx_verdict_parse(e->verdict);
	int f = rec_fault_parse(e->fault);

	FILE *lf = NULL;

	if (!c || (!cs->quiet && !(lf = case_lines(cs, c))))
		return -ENOMEM;
	c->nexp++;
	if (e->duration_ns > 0)
		c->duration_ns += e->duration_ns;
	if (v >= 0) {
		c->verdicts |= 1u << v;
		if (f >= 0)
			c->bug_faults[v] |= 1u << f;
		if (e->state && bx_state_index(e->state) >= 0)
			c->bug_states[v] |= (uint64_t)1 << bx_state_index(e->state);
	}
	if (cs->quiet)
		return 0;
	experiment_line(lf, e, cs->mixed);
	case_lines_done(cs, c, lf);
	return 0;
}

static int
add_skipped(void *ctx, const struct store_site *s, const char *fault,
    const char *reason)
{
	struct jcases *cs = ctx;
	struct jcase *c = case_for(cs, s);
	FILE *lf = NULL;

	if (!c || (!cs->quiet && !(lf = case_lines(cs, c))))
		return -ENOMEM;
	c->nskipped++;
	if (cs->quiet)
		return 0;
	fprintf(lf, "%s: not explored (left out by %s)\n", fault,
	    strcmp(reason, "per-callsite") == 0 ? "--per-callsite" : reason);
	case_lines_done(cs, c, lf);
	return 0;
}

static int
cmp_case(const void *a, const void *b)
{
	const struct jcase *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

enum outcome { PASSED, FAILED, ERRED, SKIPPED };

static bool
any_bug(unsigned verdicts)
{
	for (int v = 0; v < BX_V_COUNT; v++)
		if ((verdicts & (1u << v)) && bx_verdict_is_bug(v))
			return true;
	return false;
}

static enum outcome
outcome(const struct jcase *c)
{
	if (any_bug(c->verdicts))
		return FAILED;
	if (c->verdicts & (1u << BX_V_ORACLE_ERROR))
		return ERRED;
	if (!(c->verdicts & ~(1u << BX_V_UNREACHED)))
		return SKIPPED;		/* nothing judged: unreached, left out */
	return PASSED;
}

/* " (durable, prefix:2)": the crash states of a mask, if any */
static void
states_list(FILE *f, uint64_t states)
{
	const char *sep = " (";
	char name[BX_STATE_NAME_MAX];

	for (unsigned i = 0; i < BX_STATES_MAX; i++) {
		if (!(states & ((uint64_t)1 << i)) ||
		    bx_state_name(i, name, sizeof(name)) < 0)
			continue;
		fprintf(f, "%s%s", sep, name);
		sep = ", ";
	}
	if (*sep == ',')
		fputc(')', f);
}

/* "silent-corruption under short, torn, eio; corruption under crash" */
static void
bug_summary(FILE *f, const struct jcase *c, unsigned only)
{
	const char *sep = "";

	for (int v = 0; v < BX_V_COUNT; v++) {
		const char *fsep = "";

		if (!(c->verdicts & (1u << v)) || !(only & (1u << v)))
			continue;
		fprintf(f, "%s%s under ", sep, bx_verdict_name(v));
		for (int k = 0; k < REC_FAULT_COUNT; k++) {
			if (!(c->bug_faults[v] & (1u << k)))
				continue;
			fprintf(f, "%s%s", fsep, rec_fault_name(k));
			fsep = ", ";
		}
		states_list(f, c->bug_states[v]);
		sep = "; ";
	}
}

/* name="value", the value escaped. */
static void
xml_attr(FILE *f, const char *name, const char *value)
{
	fprintf(f, " %s=\"", name);
	markup_xml(f, value);
	fputc('"', f);
}

static unsigned
bug_mask(void)
{
	unsigned m = 0;

	for (int v = 0; v < BX_V_COUNT; v++)
		if (bx_verdict_is_bug(v))
			m |= 1u << v;
	return m;
}

/* A case's lines as XML text: its part of the shared buffer, then more. */
static void
case_text(FILE *f, const struct jcases *cs, const struct jcase *c)
{
	char *end = cs->buf + c->end, saved = *end;

	*end = '\0';			/* the buffer is ours: end the slice */
	markup_xml(f, cs->buf + c->off);
	*end = saved;
	if (c->more)
		markup_xml(f, c->more->buf);
}

static int
write_case(FILE *f, struct cli_stacks *cs, const struct jcases *all,
    struct jcase *c)
{
	char name[512], *msg = NULL;
	size_t msglen = 0;
	FILE *m;
	enum outcome o = outcome(c);
	int first_bug = -1;

	snprintf(name, sizeof(name), "%s (site %" PRId64 ", %s %s)", c->key,
	    c->site, c->syscall, c->path);
	fputs("    <testcase", f);
	xml_attr(f, "name", name);
	xml_attr(f, "classname", c->callsite ?
	    cli_stack_location(cs, c->callsite) :
	    strcmp(c->key, "end:1") == 0 ? "(program end)" : c->path);
	fprintf(f, " time=\"%.3f\">\n", (double)c->duration_ns / 1e9);
	m = open_memstream(&msg, &msglen);
	if (!m)
		return -ENOMEM;
	switch (o) {
	case FAILED:
		for (int v = 0; v < BX_V_COUNT && first_bug < 0; v++)
			if ((c->verdicts & (1u << v)) && bx_verdict_is_bug(v))
				first_bug = v;
		bug_summary(m, c, bug_mask());
		fclose(m);
		fputs("      <failure", f);
		xml_attr(f, "type", bx_verdict_name(first_bug));
		xml_attr(f, "message", msg);
		fputs(">", f);
		case_text(f, all, c);
		fputs("</failure>\n", f);
		break;
	case ERRED:
		fclose(m);
		fputs("      <error type=\"oracle-error\" message=\"the oracle "
		    "could not judge a run\">", f);
		case_text(f, all, c);
		fputs("</error>\n", f);
		break;
	case SKIPPED:
		fprintf(m, "%s", c->nexp ? "not reached in the re-runs "
		    "(unreached): no verdict" : "not explored (left out by "
		    "--per-callsite): no verdict");
		fclose(m);
		fputs("      <skipped", f);
		xml_attr(f, "message", msg);
		fputs("/>\n", f);
		fputs("      <system-out>", f);
		case_text(f, all, c);
		fputs("</system-out>\n", f);
		break;
	case PASSED:
		fclose(m);
		fputs("      <system-out>", f);
		case_text(f, all, c);
		fputs("</system-out>\n", f);
		break;
	}
	free(msg);
	fputs("    </testcase>\n", f);
	return 0;
}

static void
cases_free(struct jcases *cs)
{
	for (size_t i = 0; i < cs->n; i++) {
		struct more *m = cs->v[i].more;

		if (m && m->f)
			fclose(m->f);
		if (m)
			free(m->buf);
		free(m);
		free(cs->v[i].key);
		free(cs->v[i].syscall);
		free(cs->v[i].path);
	}
	free(cs->v);
	if (cs->lines)
		fclose(cs->lines);
	free(cs->buf);
}

static void
property(FILE *f, const char *name, const char *value)
{
	if (!value)
		return;
	fputs("      <property", f);
	xml_attr(f, "name", name);
	xml_attr(f, "value", value);
	fputs("/>\n", f);
}

/* The suite's counts: its testcases, by outcome, and their time. */
struct jtotals {
	size_t		tests;
	unsigned	counts[4];
	int64_t		total_ns;
};

static void
write_head(FILE *f, const struct jtotals *t, const char *db,
    const struct store_recording *rec, const struct report_oracles *os,
    const struct bx_pending *pend)
{
	char suite[600], num[32];
	const char *prog;

	prog = strrchr(rec->exe, '/') ? strrchr(rec->exe, '/') + 1 : rec->exe;
	snprintf(suite, sizeof(suite), "badio %s", prog);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", f);
	xml_attr(f, "name", suite);
	fprintf(f, " tests=\"%zu\" failures=\"%u\" errors=\"%u\" "
	    "time=\"%.3f\">\n", t->tests, t->counts[FAILED], t->counts[ERRED],
	    (double)t->total_ns / 1e9);
	fputs("  <testsuite", f);
	xml_attr(f, "name", suite);
	fprintf(f, " tests=\"%zu\" failures=\"%u\" errors=\"%u\" "
	    "skipped=\"%u\" time=\"%.3f\">\n", t->tests, t->counts[FAILED],
	    t->counts[ERRED], t->counts[SKIPPED], (double)t->total_ns / 1e9);
	fputs("    <properties>\n", f);
	property(f, "badio.version", BADIO_VERSION);
	property(f, "database", db);
	property(f, "program", rec->exe);
	/* one oracle: "oracle"; several: "oracle.#1", "oracle.#2"... */
	for (size_t i = 0; i < os->n; i++) {
		char name[40];

		snprintf(name, sizeof(name), "oracle.#%" PRId64, os->v[i].id);
		property(f, os->n == 1 ? "oracle" : name, os->v[i].command);
		if (os->v[i].sha256) {
			snprintf(name, sizeof(name), os->n == 1 ? "oracle.sha256" :
			    "oracle.#%" PRId64 ".sha256", os->v[i].id);
			property(f, name, os->v[i].sha256);
		}
	}
	if (pend->known) {
		/* what the last explore planned and has not run: no testcase */
		snprintf(num, sizeof(num), "%" PRIu64, pend->total);
		property(f, "planned", num);
		snprintf(num, sizeof(num), "%" PRIu64, pend->pending);
		property(f, "pending", num);
	}
	fputs("    </properties>\n", f);
}

static void
totals_add(struct jtotals *t, const struct jcase *c)
{
	t->tests++;
	t->counts[outcome(c)]++;
	t->total_ns += c->duration_ns;
}

/* Make the lines of a held case readable. */
static int
case_flush(struct jcase *c)
{
	if (c->more && fflush(c->more->f) != 0)
		return -ENOMEM;
	return 0;
}

/*
 * Every case held, then written in seq order: the way for experiments
 * that do not come one site after another in seq order (sites of the
 * same seq in two recordings).  Memory grows with the report.
 */
static int
junit_held(struct store *s, struct cli_stacks *stacks, const char *db,
    const struct bx_pending *pend, const struct store_recording *rec,
    const struct report_oracles *os, FILE *f)
{
	struct jcases cs = { .mixed = os->n > 1 };
	struct jtotals t = { 0 };
	int rc;

	cs.lines = open_memstream(&cs.buf, &cs.len);
	rc = cs.lines ? store_experiments_each(s, add_experiment, &cs) :
	    -ENOMEM;
	if (rc == 0)
		rc = store_skipped_each(s, add_skipped, &cs);
	/* the lines are complete: make them readable */
	if (rc == 0 && fflush(cs.lines) != 0)
		rc = -ENOMEM;
	for (size_t i = 0; i < cs.n && rc == 0; i++) {
		rc = case_flush(&cs.v[i]);
		totals_add(&t, &cs.v[i]);
	}
	if (rc == 0 && cs.n)
		qsort(cs.v, cs.n, sizeof(*cs.v), cmp_case);
	if (rc == 0)
		write_head(f, &t, db, rec, os, pend);
	for (size_t i = 0; i < cs.n && rc == 0; i++)
		rc = write_case(f, stacks, &cs, &cs.v[i]);
	if (rc == 0)
		fputs("  </testsuite>\n</testsuites>\n", f);
	cases_free(&cs);
	return rc;
}

/*
 * The streaming way: the experiments (one site after another, in seq
 * order, as the store gives them) merged with the pairs left out (in
 * seq order too), one case held at a time.  A first pass counts what
 * the header says, a second writes; each case is checked to come after
 * the one before, and the first pass finding one that does not sends
 * the report to junit_held.
 */
struct jstream {
	struct store	*s;
	struct store_skipped_cursor *k;
	const struct store_site *ks;	/* the pair left out ahead, or NULL */
	const char	*kfault, *kreason;
	struct jcases	cur;		/* the case being made (none or one) */
	struct jtotals	t;
	FILE		*f;		/* NULL: the counting pass */
	struct cli_stacks *stacks;
	bool		mixed;
	bool		started;
	int64_t		last_seq;	/* of the last case done */
	bool		out_of_order;
};

static int
case_reset(struct jstream *j)
{
	cases_free(&j->cur);
	memset(&j->cur, 0, sizeof(j->cur));
	j->cur.mixed = j->mixed;
	j->cur.quiet = !j->f;
	if (!j->f)
		return 0;
	j->cur.lines = open_memstream(&j->cur.buf, &j->cur.len);
	return j->cur.lines ? 0 : -ENOMEM;
}

/* The case being made is complete: count it or write it. */
static int
case_done(struct jstream *j)
{
	struct jcase *c = &j->cur.v[0];
	int rc = 0;

	if (j->cur.n == 0)
		return 0;
	if (j->cur.n > 1 || (j->started && c->seq <= j->last_seq))
		j->out_of_order = true;
	j->started = true;
	j->last_seq = c->seq;
	if (!j->f)
		totals_add(&j->t, c);
	else if (fflush(j->cur.lines) != 0 || case_flush(c) < 0)
		rc = -ENOMEM;
	else
		rc = write_case(j->f, j->stacks, &j->cur, c);
	return rc ? rc : case_reset(j);
}

static int
skipped_ahead(struct jstream *j)
{
	int rc = store_skipped_next(j->k, &j->ks, &j->kfault, &j->kreason);

	if (rc <= 0)
		j->ks = NULL;
	return rc < 0 ? rc : 0;
}

/*
 * The pairs left out ahead that belong to the case being made, or come
 * before seq (all: every one left): the latter are cases of their own.
 */
static int
skipped_until(struct jstream *j, int64_t seq, bool all)
{
	int rc = 0;

	while (rc == 0 && j->ks) {
		bool mine = j->cur.n && j->ks->id == j->cur.v[0].site;

		if (!mine && !all && j->ks->seq >= seq)
			break;
		if (!mine)
			rc = case_done(j);
		if (rc == 0)
			rc = add_skipped(&j->cur, j->ks, j->kfault, j->kreason);
		if (rc == 0)
			rc = skipped_ahead(j);
	}
	return rc;
}

static int
stream_experiment(void *ctx, const struct store_experiment *e,
    const struct store_site *s)
{
	struct jstream *j = ctx;
	int rc = 0;

	if (j->cur.n && j->cur.v[0].site != s->id) {
		rc = skipped_until(j, s->seq, false);
		if (rc == 0 && j->cur.n && j->cur.v[0].site != s->id)
			rc = case_done(j);
	} else if (!j->cur.n) {
		rc = skipped_until(j, s->seq, false);
		if (rc == 0 && j->cur.n)
			rc = case_done(j);
	}
	return rc ? rc : add_experiment(&j->cur, e, s);
}

/* One pass: f NULL counts into j->t. */
static int
junit_pass(struct jstream *j)
{
	int rc = store_skipped_open(j->s, &j->k);

	if (rc == 0)
		rc = case_reset(j);
	if (rc == 0)
		rc = skipped_ahead(j);
	if (rc == 0)
		rc = store_experiments_each(j->s, stream_experiment, j);
	if (rc == 0)
		rc = skipped_until(j, 0, true);
	if (rc == 0)
		rc = case_done(j);
	cases_free(&j->cur);
	memset(&j->cur, 0, sizeof(j->cur));
	store_skipped_close(j->k);
	j->k = NULL;
	return rc;
}

static int
junit_streamed(struct store *s, struct cli_stacks *stacks, const char *db,
    const struct bx_pending *pend, const struct store_recording *rec,
    const struct report_oracles *os, FILE *f)
{
	struct jstream count = { .s = s, .mixed = os->n > 1 };
	struct jstream out = count;
	int rc = junit_pass(&count);

	if (rc < 0)
		return rc;
	if (count.out_of_order)
		return junit_held(s, stacks, db, pend, rec, os, f);
	write_head(f, &count.t, db, rec, os, pend);
	out.f = f;
	out.stacks = stacks;
	rc = junit_pass(&out);
	if (rc == 0 && out.out_of_order)
		rc = -EIO;	/* not under the read transaction? */
	if (rc == 0)
		fputs("  </testsuite>\n</testsuites>\n", f);
	return rc;
}

int
report_junit(struct store *s, struct cli_stacks *stacks, const char *db,
    const struct bx_pending *pend, FILE *f)
{
	struct store_recording rec;
	struct report_oracles os;
	int rc;

	/* both passes read one snapshot of the database */
	rc = store_begin(s);
	if (rc < 0)
		return rc;
	rc = report_oracles_load(s, &os);
	if (rc == 0) {
		rc = store_recording_get(s, &rec);
		if (rc == 0)
			rc = junit_streamed(s, stacks, db, pend, &rec, &os, f);
		store_recording_release(&rec);	/* zeroed by a failed get */
	}
	report_oracles_free(&os);
	if (rc == 0)
		rc = store_commit(s);
	else
		store_rollback(s);
	return rc;
}
