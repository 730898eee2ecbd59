/*
 * report_table.c - `badio report` for people: whether the verdicts can
 * be trusted (inconclusive, not run yet, not explored), which oracles
 * judged them, the count per verdict (per oracle when several did), the
 * experiments that diverged, the bugs grouped by call site, file,
 * verdict and oracle with what the program last printed, and with
 * --all one table of every experiment.  Every table is a cli_table
 * (tools/table.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explorer/explorer.h"
#include "store/store.h"
#include "tools/cli.h"
#include "tools/inconclusive.h"
#include "tools/report.h"
#include "tools/stack.h"
#include "tools/table.h"
#include "tools/text.h"

/* Text from the database outside a table, escaped (tools/text.h). */
#define ESC_SIZE	(4 * 4096 + 1)
#define ESC(s)		cli_escape_buf((char[ESC_SIZE]){ 0 }, ESC_SIZE, (s))

/* Where a site's call was made; the end site has no call: it is the end. */
static const char *
location(struct cli_stacks *cs, const char *key, int64_t callsite)
{
	if (key && strcmp(key, "end:1") == 0)
		return "(program end)";
	return callsite ? cli_stack_location(cs, callsite) : "?";
}

/* --- oracles --- */

static int
oracle_add(void *ctx, const struct store_oracle *o)
{
	struct report_oracles *os = ctx;
	struct report_oracle *n = reallocarray(os->v, os->n + 1, sizeof(*n));

	if (!n)
		return -ENOMEM;
	os->v = n;
	n = &os->v[os->n++];
	memset(n, 0, sizeof(*n));
	n->id = o->id;
	n->experiments = o->experiments;
	n->command = strdup(o->command ? o->command : "(unknown)");
	n->file = o->file ? strdup(o->file) : NULL;
	n->sha256 = o->sha256 ? strdup(o->sha256) : NULL;
	if (!n->command || (o->file && !n->file) || (o->sha256 && !n->sha256))
		return -ENOMEM;
	return 0;
}

int
report_oracles_load(struct store *s, struct report_oracles *os)
{
	memset(os, 0, sizeof(*os));
	return store_oracles_each(s, oracle_add, os);
}

void
report_oracles_free(struct report_oracles *os)
{
	for (size_t i = 0; i < os->n; i++) {
		free(os->v[i].command);
		free(os->v[i].file);
		free(os->v[i].sha256);
	}
	free(os->v);
	memset(os, 0, sizeof(*os));
}

const struct report_oracle *
report_oracle_get(const struct report_oracles *os, int64_t id)
{
	for (size_t i = 0; i < os->n; i++)
		if (os->v[i].id == id)
			return &os->v[i];
	return NULL;
}

/* "#2" for oracle 2, "#?" for an unknown one. */
static void
oracle_tag(char *buf, size_t size, int64_t id)
{
	if (id)
		snprintf(buf, size, "#%" PRId64, id);
	else
		snprintf(buf, size, "#?");
}

enum { O_TAG, O_COMMAND, O_SHA, O_COUNT, OCOLS };
static const struct cli_column oracle_columns[OCOLS] = {
	[O_TAG] = { "oracle", "ORACLE", 0 },
	[O_COMMAND] = { "command", "COMMAND", CLI_COL_WRAP },
	[O_SHA] = { "sha256", "SCRIPT SHA-256", 0 },
	[O_COUNT] = { "experiments", "EXPERIMENTS", CLI_COL_RIGHT },
};

/*
 * "oracle: ./check.sh (script sha256 65348a35)" for one; a table of them
 * when the experiments were judged by several (explore
 * --reuse-verdicts), so that no verdict passes for another oracle's.
 */
static int
oracles_print(const struct report_oracles *os)
{
	struct cli_table *t;
	int rc = 0;

	if (os->n == 0)
		return 0;
	if (os->n == 1) {
		const struct report_oracle *o = &os->v[0];

		printf("oracle: %s", ESC(o->command));
		if (o->sha256)
			printf(" (script sha256 %.8s)", o->sha256);
		printf("\n\n");
		return 0;
	}
	printf("this report mixes the verdicts of %zu oracles (as explore "
	    "--reuse-verdicts keeps them); each verdict is its oracle's:\n",
	    os->n);
	t = cli_table_new(oracle_columns, OCOLS, stdout);
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < os->n && rc == 0; i++) {
		const struct report_oracle *o = &os->v[i];
		char tag[24], sha[16], n[24];
		const char *cells[OCOLS] = { tag, o->id ? o->command :
		    "(unknown: explored by an older badio)", sha, n };

		oracle_tag(tag, sizeof(tag), o->id);
		snprintf(sha, sizeof(sha), "%.8s", o->sha256 ? o->sha256 : "-");
		snprintf(n, sizeof(n), "%" PRId64, o->experiments);
		rc = cli_table_add(t, cells);
	}
	if (rc == 0)
		rc = cli_table_print(t);
	cli_table_free(t);
	putchar('\n');
	return rc;
}

/* --- verdict counts --- */

#define MAX_ORACLE_COLUMNS	8

struct counts {
	const struct report_oracles *os;
	const struct bx_filter *sites;	/* count only these (NULL: all) */
	int64_t		n[BX_V_COUNT];
	int64_t		per[BX_V_COUNT][MAX_ORACLE_COLUMNS];
	int64_t		total;
	struct store_inconclusive ic;	/* of what is counted */
	int64_t		skipped, skipped_sites;
	int64_t		last_skipped_site;
};

static int
count_one(void *ctx, int64_t oracle, const char *verdict, int64_t n)
{
	struct counts *c = ctx;
	int v = bx_verdict_parse(verdict);

	if (v < 0)
		return 0;
	c->n[v] += n;
	c->total += n;
	for (size_t i = 0; i < c->os->n && i < MAX_ORACLE_COLUMNS; i++)
		if (c->os->v[i].id == oracle)
			c->per[v][i] += n;
	return 0;
}

/*
 * --sites: the counts of the selected sites' experiments, and what of
 * them is inconclusive, as store_inconclusive_get counts it for all.
 */
static int
count_selected(void *ctx, const struct store_experiment *e,
    const struct store_site *s)
{
	struct counts *c = ctx;
	int v = bx_verdict_parse(e->verdict);
	bool judged = v != BX_V_UNREACHED && v != BX_V_ORACLE_ERROR;

	if (!bx_filter_match(c->sites, s))
		return 0;
	c->ic.experiments++;
	if (!e->injected)
		c->ic.unreached++;
	else if (!judged)
		c->ic.not_judged++;
	else if (e->diverged)
		c->ic.diverged++;
	c->ic.reordered += e->divergence_kind &&
	    strcmp(e->divergence_kind, "reordered") == 0;
	return count_one(c, e->oracle_id, e->verdict, 1);
}

static int
count_skipped(void *ctx, const struct store_site *s, const char *fault,
    const char *reason)
{
	struct counts *c = ctx;

	(void)fault;
	(void)reason;
	if (!bx_filter_match(c->sites, s))
		return 0;
	c->skipped++;
	if (s->id != c->last_skipped_site)
		c->skipped_sites++;
	c->last_skipped_site = s->id;
	return 0;
}

static int
counts_load(struct store *s, struct counts *c)
{
	int rc;

	if (!c->sites) {
		rc = store_verdict_counts_by_oracle(s, count_one, c);
		if (rc == 0)
			rc = store_inconclusive_get(s, &c->ic);
		if (rc == 0)
			rc = store_skipped_count(s, &c->skipped,
			    &c->skipped_sites);
		return rc;
	}
	rc = store_experiments_each(s, count_selected, c);
	if (rc == 0)
		rc = store_skipped_each(s, count_skipped, c);
	c->ic.total = c->ic.unreached + c->ic.not_judged + c->ic.diverged;
	return rc;
}

/*
 * VERDICT, EXPERIMENTS, and with several oracles one column per oracle
 * ("#1", "#2"...); then the pairs not explored and not run yet.
 */
static int
counts_print(const struct report_oracles *os, const struct bx_pending *pend,
    int64_t skipped, struct counts *c)
{
	struct cli_column cols[2 + MAX_ORACLE_COLUMNS] = {
		{ "verdict", "VERDICT", 0 },
		{ "experiments", "EXPERIMENTS", CLI_COL_RIGHT },
	};
	char heads[MAX_ORACLE_COLUMNS][24];
	size_t per = os->n > 1 ? (os->n < MAX_ORACLE_COLUMNS ? os->n :
	    MAX_ORACLE_COLUMNS) : 0;
	struct cli_table *t;
	int rc = 0;

	if (c->total == 0 && !skipped) {
		printf("no experiments yet (run 'badio explore --oracle CMD')\n");
		return 0;
	}
	for (size_t i = 0; i < per; i++) {
		oracle_tag(heads[i], sizeof(heads[i]), os->v[i].id);
		cols[2 + i] = (struct cli_column){ heads[i], heads[i],
		    CLI_COL_RIGHT };
	}
	t = cli_table_new(cols, 2 + per, stdout);
	if (!t)
		return -ENOMEM;
	for (int v = 0; v < BX_V_COUNT && rc == 0; v++) {
		char num[2 + MAX_ORACLE_COLUMNS][24];
		const char *cells[2 + MAX_ORACLE_COLUMNS];

		if (!c->n[v])
			continue;
		cells[0] = bx_verdict_name(v);
		snprintf(num[1], 24, "%" PRId64, c->n[v]);
		cells[1] = num[1];
		for (size_t i = 0; i < per; i++) {
			snprintf(num[2 + i], 24, "%" PRId64, c->per[v][i]);
			cells[2 + i] = num[2 + i];
		}
		rc = cli_table_add(t, cells);
	}
	for (int k = 0; k < 2 && rc == 0; k++) {
		uint64_t n = k == 0 ? (uint64_t)skipped : pend->pending;
		const char *cells[2 + MAX_ORACLE_COLUMNS] = { 0 };
		char num[24];

		if (!n)
			continue;
		cells[0] = k == 0 ? "not explored" : "not run yet";
		snprintf(num, sizeof(num), "%" PRIu64, n);
		cells[1] = num;
		rc = cli_table_add(t, cells);
	}
	if (rc == 0)
		rc = cli_table_print(t);
	cli_table_free(t);
	return rc;
}

/* --- bugs grouped by (call site, path, verdict, oracle) --- */

#define MAX_IDS_SHOWN	8

/* " (mapped)" after a file written through a shared mapping */
#define MAPPED_MARK	" (mapped)"

enum { G_LOCATION, G_PATH, G_WHAT, GCOLS };
static const struct cli_column group_columns[GCOLS] = {
	[G_LOCATION] = { "location", "CALL SITE", CLI_COL_WRAP },
	[G_PATH] = { "path", "PATH", CLI_COL_WRAP },
	[G_WHAT] = { "what", "WHAT", 0 },
};

/* "corruption under torn, eio at 3 sites (ids 4, 9, 12)" */
static void
group_text(char *buf, size_t size, const struct report_group *g,
    bool tag_oracle)
{
	char faults[128];
	size_t len;

	report_group_faults(g, faults, sizeof(faults));
	len = (size_t)snprintf(buf, size, "%s under %s at %zu site%s (id%s ",
	    bx_verdict_name(g->verdict), faults, g->nids,
	    g->nids == 1 ? "" : "s", g->nids == 1 ? "" : "s");
	for (size_t k = 0; k < g->nids && k < MAX_IDS_SHOWN && len < size; k++)
		len += (size_t)snprintf(buf + len, size - len, "%s%" PRId64,
		    k ? ", " : "", g->ids[k]);
	if (len < size)
		len += (size_t)snprintf(buf + len, size - len, "%s)",
		    g->nids > MAX_IDS_SHOWN ? ", ..." : "");
	if (g->ndiverged && len < size)
		len += (size_t)snprintf(buf + len, size - len, ", %" PRIu64
		    " of %" PRIu64 " diverged", g->ndiverged, g->nexp);
	if (tag_oracle && len < size) {
		char tag[24];

		oracle_tag(tag, sizeof(tag), g->oracle);
		snprintf(buf + len, size - len, ", judged by oracle %s", tag);
	}
}

/*
 * One row per group:
 *   naive.c:23 main  data.txt  corruption under torn, eio at 3 sites (ids ...)
 *                              program's last output: "saved 3 records"
 */
static int
groups_print(struct report_groups *gs, struct cli_stacks *cs, bool mixed)
{
	struct cli_table *t = cli_table_new(group_columns, GCOLS, stdout);
	int rc = 0;

	if (!t)
		return -ENOMEM;
	cli_table_no_header(t);
	for (size_t i = 0; i < gs->n && rc == 0; i++) {
		struct report_group *g = &gs->v[i];
		char path[4096 + sizeof(MAPPED_MARK)], what[512];
		const char *cells[GCOLS] = { location(cs, g->key, g->callsite),
		    path, what };

		snprintf(path, sizeof(path), "%s%s", g->path,
		    g->mapped ? MAPPED_MARK : "");
		group_text(what, sizeof(what), g, mixed);
		rc = cli_table_add(t, cells);
		if (rc == 0 && g->prog_last) {
			char said[BX_LAST_LINE_MAX + 40];
			const char *more[GCOLS] = { NULL, NULL, said };

			snprintf(said, sizeof(said), "program's last output: "
			    "\"%s\"", g->prog_last);
			rc = cli_table_add_child(t, more);
		}
		if (rc == 0 && g->state) {
			char sync[300];
			const char *more[GCOLS] = { NULL, NULL, sync };

			snprintf(sync, sizeof(sync), "last durability point "
			    "before the crash: %s", g->last_sync ? g->last_sync :
			    "none");
			rc = cli_table_add_child(t, more);
		}
	}
	if (rc == 0)
		rc = cli_table_print(t);
	cli_table_free(t);
	return rc;
}

/* --- divergence --- */

/*
 * One pass over the diverged experiments counts both kinds (injected,
 * and unreached: never injected) and keeps the first DIVERGED_SHOWN
 * lines of each; --all prints every line, with one more pass for a kind
 * that has more than were kept.
 */
#define DIVERGED_SHOWN	10

struct divergence {
	const struct bx_filter *sites;
	uint64_t	n[2];		/* [unreached] */
	char		*line[2][DIVERGED_SHOWN];
	size_t		kept[2];
	int		print;		/* the kind the pass prints, or -1 */
};

/* "  site 4 eio (write:...): ..." (malloc'd) */
static char *
divergence_text(const struct store_experiment *e, const struct store_site *s)
{
	char *t;

	if (asprintf(&t, "  site %" PRId64 " %s (%s): %s\n", s->id, e->fault,
	    ESC(s->key), ESC(e->divergence ? e->divergence : "?")) < 0)
		return NULL;
	return t;
}

static int
divergence_row(void *ctx, const struct store_experiment *e,
    const struct store_site *s)
{
	struct divergence *d = ctx;
	int k = !e->injected;
	char *t;

	if (!e->diverged || !bx_filter_match(d->sites, s))
		return 0;
	if (d->print >= 0) {
		if (k == d->print)
			printf("  site %" PRId64 " %s (%s): %s\n", s->id,
			    e->fault, ESC(s->key),
			    ESC(e->divergence ? e->divergence : "?"));
		return 0;
	}
	d->n[k]++;
	if (d->kept[k] == DIVERGED_SHOWN)
		return 0;
	t = divergence_text(e, s);
	if (!t)
		return -ENOMEM;
	d->line[k][d->kept[k]++] = t;
	return 0;
}

static int
divergences_print(struct store *s, bool all, const struct bx_filter *sites)
{
	struct divergence dv = { .sites = sites, .print = -1 };
	int rc = store_diverged_each(s, divergence_row, &dv);

	for (int unreached = 0; rc == 0 && unreached < 2; unreached++) {
		uint64_t n = dv.n[unreached];

		if (!n)
			continue;
		if (unreached)
			printf("\n%" PRIu64 " unreached experiment%s went another "
			    "way than the recording (first difference):\n",
			    n, n == 1 ? "" : "s");
		else
			printf("\n%" PRIu64 " experiment%s diverged from the "
			    "recording before the fault (verdicts kept; first "
			    "difference):\n", n, n == 1 ? "" : "s");
		if (all && n > dv.kept[unreached]) {
			dv.print = unreached;
			rc = store_diverged_each(s, divergence_row, &dv);
			continue;
		}
		for (size_t i = 0; i < dv.kept[unreached]; i++)
			fputs(dv.line[unreached][i], stdout);
		if (n > dv.kept[unreached])
			printf("  ... and %" PRIu64 " more (--all)\n",
			    n - dv.kept[unreached]);
	}
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < dv.kept[k]; i++)
			free(dv.line[k][i]);
	return rc;
}

/* Instead of "no bugs found" when some experiments tell nothing. */
static void
print_no_bugs(const struct store_inconclusive *ic)
{
	int64_t conclusive = ic->experiments - ic->total;

	if (ic->total == 0)
		printf("\nno bugs found\n");
	else if (conclusive <= 0)
		printf("\nno conclusive experiment: nothing is known about bugs "
		    "yet (see 'inconclusive' at the top)\n");
	else
		printf("\nno bugs in the %" PRId64 " conclusive experiment%s; %"
		    PRId64 " more %s inconclusive (see the top)\n", conclusive,
		    conclusive == 1 ? "" : "s", ic->total,
		    ic->total == 1 ? "is" : "are");
}

/* --- --all: every experiment, one table --- */

const struct cli_column report_all_columns[REPORT_ACOLS] = {
	[A_SITE] = { "site", "SITE", CLI_COL_RIGHT },
	[A_SEQ] = { "seq", "SEQ", CLI_COL_RIGHT },
	[A_SYSCALL] = { "syscall", "SYSCALL", 0 },
	[A_PATH] = { "path", "PATH", CLI_COL_WRAP },
	[A_KEY] = { "key", "KEY", CLI_COL_WRAP },
	[A_FAULT] = { "fault", "FAULT", 0 },
	[A_STATE] = { "state", "STATE", 0 },
	[A_WROTE] = { "wrote", "WROTE", CLI_COL_RIGHT },
	[A_PROGRAM] = { "program", "PROGRAM", 0 },
	[A_ORACLE_EXIT] = { "oracle_exit", "ORACLE", CLI_COL_RIGHT },
	[A_VERDICT] = { "verdict", "VERDICT", 0 },
	[A_BY] = { "oracle", "BY", CLI_COL_EXTRA },
	[A_LOCATION] = { "location", "CALL SITE", CLI_COL_WRAP },
	[A_SAID] = { "oracle_said", "ORACLE SAID", CLI_COL_WRAP },
	[A_LAST] = { "last_output", "LAST OUTPUT", CLI_COL_WRAP | CLI_COL_EXTRA },
	[A_CALLSITE] = { "callsite", "CALLSITE ID", CLI_COL_EXTRA },
	[A_DURATION] = { "duration", "DURATION", CLI_COL_RIGHT | CLI_COL_EXTRA },
};

/* The last non-empty line of s, at most max bytes, into buf. */
static void
last_line(const char *s, char *buf, size_t size, size_t max)
{
	const char *end = s ? s + strlen(s) : NULL;
	const char *start;
	size_t n;

	buf[0] = '\0';
	if (!s)
		return;
	while (end > s && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	for (start = end; start > s && start[-1] != '\n'; start--)
		;
	n = (size_t)(end - start);
	if (n > max)
		n = max;
	if (n >= size)
		n = size - 1;
	memcpy(buf, start, n);
	buf[n] = '\0';
}

struct listing {
	struct cli_table *t;
	struct cli_stacks *cs;
	const struct bx_filter *sites;
};

static int
exp_row(void *ctx, const struct store_experiment *e,
    const struct store_site *s)
{
	struct listing *g = ctx;
	char site[32], seq[32], wrote[32], oracle[32], said[64], by[24],
	    both[64], cs[24], dur[32];
	const char *cells[REPORT_ACOLS] = {
		[A_SITE] = site, [A_SEQ] = seq, [A_SYSCALL] = s->syscall,
		[A_PATH] = s->path ? s->path : "", [A_KEY] = s->key,
		[A_FAULT] = e->fault, [A_STATE] = e->state ? e->state : "-",
		[A_WROTE] = wrote,
		[A_PROGRAM] = e->status ? e->status : "-",
		[A_ORACLE_EXIT] = oracle, [A_VERDICT] = e->verdict,
		[A_BY] = by, [A_LOCATION] = location(g->cs, s->key, s->callsite),
		[A_SAID] = said, [A_LAST] = e->prog_last ? e->prog_last : "",
		[A_CALLSITE] = cs, [A_DURATION] = dur,
	};

	if (!bx_filter_match(g->sites, s))
		return 0;
	snprintf(site, sizeof(site), "%" PRId64, s->id);
	snprintf(seq, sizeof(seq), "%" PRId64, s->seq);
	if (e->fault_bytes >= 0)
		cli_human_size(wrote, sizeof(wrote), e->fault_bytes);
	else
		snprintf(wrote, sizeof(wrote), "-");
	if (e->oracle_exit >= 0)
		snprintf(oracle, sizeof(oracle), "%d", e->oracle_exit);
	else
		snprintf(oracle, sizeof(oracle), "-");
	if (e->status)
		oracle_tag(by, sizeof(by), e->oracle_id);
	else
		snprintf(by, sizeof(by), "-");
	if (s->callsite)
		snprintf(cs, sizeof(cs), "%#018" PRIx64, (uint64_t)s->callsite);
	else
		snprintf(cs, sizeof(cs), "-");
	if (e->duration_ns >= 0)
		snprintf(dur, sizeof(dur), "%.3fs", (double)e->duration_ns / 1e9);
	else
		snprintf(dur, sizeof(dur), "-");
	last_line(e->oracle_tail, said, sizeof(said), 50);
	if (e->divergence_kind) {
		/* the verdict stands, but the run took another path */
		snprintf(both, sizeof(both), "%s (%s)", e->verdict,
		    e->divergence_kind);
		cells[A_VERDICT] = both;
	}
	return cli_table_add(g->t, cells);
}

/* A pair left out by --per-callsite, as an experiment row that never ran. */
void
report_skipped_as_experiment(struct store_experiment *e, const char *fault)
{
	memset(e, 0, sizeof(*e));
	e->fault = fault;
	e->fault_bytes = -1;
	e->oracle_exit = -1;
	e->duration_ns = -1;
	e->verdict = "not-explored";
}

static int
skipped_row(void *ctx, const struct store_site *site, const char *fault,
    const char *reason)
{
	struct store_experiment e;

	(void)reason;
	report_skipped_as_experiment(&e, fault);
	return exp_row(ctx, &e, site);
}

/*
 * Every experiment in site order in one table, then the pairs left
 * out in another with the same columns.
 */
static int
all_print(struct store *s, const struct report_table_opts *o, bool mixed,
    int64_t skipped)
{
	struct listing g = { .cs = o->cs, .sites = o->sites };
	char err[1024];
	int rc;

	for (int part = 0; part < 2; part++) {
		if (part == 1 && !skipped)
			break;
		g.t = cli_table_new(report_all_columns, REPORT_ACOLS, stdout);
		if (!g.t)
			return -ENOMEM;
		if (mixed && !o->columns)
			cli_table_select(g.t, "+oracle", err, sizeof(err));
		if (o->columns && cli_table_select(g.t, o->columns, err,
		    sizeof(err)) < 0) {
			cli_table_free(g.t);
			return -EINVAL;	/* checked by the caller first */
		}
		if (part == 0) {
			printf("\nall experiments:\n");
			rc = store_experiments_each(s, exp_row, &g);
		} else {
			printf("\nnot explored (left out by --per-callsite):\n");
			rc = store_skipped_each(s, skipped_row, &g);
		}
		if (rc == 0)
			rc = cli_table_print(g.t);
		cli_table_free(g.t);
		if (rc)
			return rc;
	}
	return 0;
}

/* "the database holds 6 experiments: ok 4, corruption 2" (--sites) */
struct db_line {
	char		text[512];
	size_t		len;
	int64_t		total;
};

static int
db_count(void *ctx, const char *verdict, int64_t n)
{
	struct db_line *d = ctx;

	if (n && d->len < sizeof(d->text))
		d->len += (size_t)snprintf(d->text + d->len,
		    sizeof(d->text) - d->len, "%s%s %" PRId64,
		    d->total ? ", " : ": ", verdict, n);
	d->total += n;
	return 0;
}

static int
database_line(struct store *s)
{
	struct db_line d = { .len = 0 };
	int rc = store_verdict_counts(s, db_count, &d);

	printf("\nthe database holds %" PRId64 " experiment%s%s (all sites)\n",
	    d.total, d.total == 1 ? "" : "s", d.text);
	return rc;
}

int
report_table(struct store *s, const struct report_table_opts *o)
{
	struct report_groups gs = { .sites = o->sites };
	const struct report_oracles os = *o->os;
	struct counts c = { .sites = o->sites };
	int64_t skipped, skipped_sites;
	struct store_inconclusive ic;
	char line[256];
	int rc;

	c.os = &os;
	rc = counts_load(s, &c);
	if (rc)
		goto out;
	ic = c.ic;
	skipped = c.skipped;
	skipped_sites = c.skipped_sites;
	if (o->sites)
		printf("sites: --sites '%s'\n\n", ESC(o->sites_text));
	/* first: whether the verdicts below can be trusted at all */
	if (cli_inconclusive_line(line, sizeof(line), &ic))
		printf("%s\n\n", line);
	rc = oracles_print(&os);
	if (rc == 0)
		rc = counts_print(&os, o->pend, skipped, &c);
	if (rc == 0 && o->sites)
		rc = database_line(s);
	if (rc || (c.total == 0 && !skipped))
		goto out;
	if (o->pend->pending)
		printf("\nnot run yet: %" PRIu64 " of the %" PRIu64 " experiments "
		    "the last explore planned (run it again to go on; for "
		    "shards, 'badio merge' the rest)\n", o->pend->pending,
		    o->pend->total);
	if (skipped)
		printf("\nnot explored: %" PRId64 " experiment%s at %" PRId64
		    " site%s left out by --per-callsite (never counted as "
		    "passing; 'badio explore' without it runs them)\n", skipped,
		    skipped == 1 ? "" : "s", skipped_sites,
		    skipped_sites == 1 ? "" : "s");
	rc = divergences_print(s, o->all, o->sites);
	if (rc == 0 && ic.reordered)
		printf("\n%" PRId64 " experiment%s reordered: the threads "
		    "interleaved otherwise, each made its recorded calls "
		    "(informational; --all marks them)\n", ic.reordered,
		    ic.reordered == 1 ? "" : "s");
	if (rc == 0)
		rc = report_groups_load(s, &gs);
	if (rc == 0 && gs.n == 0) {
		print_no_bugs(&ic);
	} else if (rc == 0) {
		printf("\nbugs by call site:\n");
		rc = groups_print(&gs, o->cs, os.n > 1);
	}
	if (rc == 0 && o->all)
		rc = all_print(s, o, os.n > 1, skipped);
out:
	report_groups_free(&gs);
	return rc;
}
