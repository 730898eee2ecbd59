/*
 * cmd_report.c - `badio report`: what explore found, for a person first
 * (per-verdict counts, the sites left out, the experiments that diverged,
 * then one line per call site, file and bug verdict) and exactly for
 * scripts (CSV rows, or JSON built by SQLite in the store).  Call sites
 * are named by tools/stack.c: the innermost frame of the user's own code.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "explorer/explorer.h"
#include "store/store.h"
#include "tools/cli.h"
#include "tools/cmd.h"
#include "tools/inconclusive.h"
#include "tools/report.h"
#include "tools/report_html.h"
#include "tools/stack.h"
#include "tools/text.h"

const char report_usage[] =
	"usage: badio report [-d DB] [--format FMT] [--all] [-o FILE]\n"
	"                    [--fail-on VERDICTS]\n"
	"\n"
	"Summarise what 'badio explore' found: how many experiments got each\n"
	"verdict, how many were left out by --per-callsite (not explored) and\n"
	"how many diverged from the recording, then the bugs grouped by call\n"
	"site (the line of the program's own code), file and verdict.  --all\n"
	"lists every experiment: the site, the fault, how the program ended\n"
	"and what the oracle said.  CSV has one row per bug; JSON is\n"
	"{\"version\", \"counts\": {...}, \"groups\": [...], \"bugs\": [...], ...}.\n"
	"HTML is one self-contained page (open it from file://): the summary,\n"
	"a timeline of every file's sites coloured by verdict with the fsyncs\n"
	"drawn as barriers, the bug groups, and each site's experiments.  JUnit\n"
	"XML has a testcase per site, failing on bug verdicts; SARIF 2.1.0 a\n"
	"result per bug group at its source line (GitHub, GitLab).\n"
	"\n"
	"  -d, --db DB          database (default: badio.db)\n"
	"  -F, --format FMT     table (default), csv, json, html, junit or sarif\n"
	"  -o, --output FILE    write to FILE (replaced when complete), not\n"
	"                       standard output\n"
	"  -a, --all            every experiment (and site left out), not only\n"
	"                       the bug groups\n"
	"      --fail-on VERDICTS  exit 1 if DB holds any of these verdicts\n"
	"                       (comma-separated; bugs: every bug verdict;\n"
	"                       inconclusive: any experiment unreached, not\n"
	"                       judged or diverged)\n"
	"  -h, --help           show this help\n"
	"\n"
	"Verdicts:\n"
	"  ok                 exited 0 (or killed by a crash fault), files intact\n"
	"  reported           exited non-zero, files intact\n"
	"  silent-corruption  exited 0, files damaged (the worst bug)\n"
	"  corruption         failed or crashed, files damaged\n"
	"  crashed            died of a signal the fault did not send\n"
	"  hang               did not finish within --timeout\n"
	"  unreached          the site was not found in the re-run\n"
	"  oracle-error       the oracle could not judge (125, timeout, ...)\n"
	"Bugs are silent-corruption, corruption, crashed and hang.\n"
	"\n"
	"Exit status: 0; 1 if --fail-on matched; 2 usage error or a missing,\n"
	"foreign or corrupt database; 3 the database could not be read or the\n"
	"report not written.\n";

enum { OPT_FAIL_ON = 0x100 };

const struct option report_options[] = {
	{ "db",      required_argument, NULL, 'd' },
	{ "format",  required_argument, NULL, 'F' },
	{ "output",  required_argument, NULL, 'o' },
	{ "all",     no_argument,       NULL, 'a' },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "help",    no_argument,       NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};
const char report_shortopts[] = "+d:F:o:ah";

/*
 * Text from the database printed outside a table goes through this,
 * escaped (tools/text.h) into a buffer of the calling function.
 */
#define ESC_SIZE	(4 * 4096 + 1)
#define ESC(s)		cli_escape_buf((char[ESC_SIZE]){ 0 }, ESC_SIZE, (s))

/* --- CSV: one row per experiment, exact values --- */

static const char *const csv_columns[] = {
	"site", "seq", "syscall", "family", "path", "key", "fault",
	"injected", "fault_bytes", "status", "oracle_exit", "verdict",
	"duration_ns", "diverged", "divergence", "divergence_kind",
	"callsite", "location",
};
#define CSV_COLS	(sizeof(csv_columns) / sizeof(csv_columns[0]))

struct csv {
	FILE		*f;
	struct cli_stacks *cs;
};

static const char *
location(struct cli_stacks *cs, int64_t callsite)
{
	return callsite ? cli_stack_location(cs, callsite) : "?";
}

static int
csv_row(void *ctx, const struct store_experiment *e,
    const struct store_site *s)
{
	struct csv *c = ctx;
	char v[CSV_COLS][32];
	const char *cell[CSV_COLS];
	size_t i;

	snprintf(v[0], 32, "%" PRId64, s->id);
	snprintf(v[1], 32, "%" PRId64, s->seq);
	snprintf(v[7], 32, "%d", e->injected);
	snprintf(v[8], 32, "%" PRId64, e->fault_bytes);
	snprintf(v[10], 32, "%d", e->oracle_exit);
	snprintf(v[12], 32, "%" PRId64, e->duration_ns);
	snprintf(v[13], 32, "%d", e->diverged);
	snprintf(v[16], 32, "%" PRId64, s->callsite);
	cell[0] = v[0];
	cell[1] = v[1];
	cell[2] = s->syscall;
	cell[3] = s->family;
	cell[4] = s->path;
	cell[5] = s->key;
	cell[6] = e->fault;
	cell[7] = e->status ? v[7] : "";
	cell[8] = e->fault_bytes >= 0 ? v[8] : "";
	cell[9] = e->status;
	cell[10] = e->oracle_exit >= 0 ? v[10] : "";
	cell[11] = e->verdict;
	cell[12] = e->duration_ns >= 0 ? v[12] : "";
	cell[13] = e->verdict && strcmp(e->verdict, "not-explored") == 0 ?
	    "" : v[13];
	cell[14] = e->divergence;
	cell[15] = e->divergence_kind;
	cell[16] = s->callsite ? v[16] : "";
	cell[17] = s->callsite ? location(c->cs, s->callsite) : "";
	for (i = 0; i < CSV_COLS; i++)
		cli_csv_field(c->f, cell[i], i == CSV_COLS - 1);
	return 0;
}

/* A pair left out by --per-callsite, as an experiment row that never ran. */
static void
skipped_as_experiment(struct store_experiment *e, const char *fault)
{
	memset(e, 0, sizeof(*e));
	e->fault = fault;
	e->fault_bytes = -1;
	e->oracle_exit = -1;
	e->duration_ns = -1;
	e->verdict = "not-explored";
}

static int
csv_skipped(void *ctx, const struct store_site *site, const char *fault,
    const char *reason)
{
	struct store_experiment e;

	(void)reason;
	skipped_as_experiment(&e, fault);
	return csv_row(ctx, &e, site);
}

/* --- table --- */

static const char *const count_headers[] = { "VERDICT", "EXPERIMENTS" };
static const bool count_numeric[] = { false, true };

struct counts {
	struct cli_table *t;
	int64_t		total;
};

static int
count_row(void *ctx, const char *verdict, int64_t n)
{
	struct counts *c = ctx;
	char num[32];
	const char *cells[2] = { verdict, num };

	if (n == 0)
		return 0;
	c->total += n;
	snprintf(num, sizeof(num), "%" PRId64, n);
	return cli_table_add(c->t, cells);
}

static const char *const bug_headers[] = {
	"SITE", "SEQ", "KEY", "FAULT", "WROTE", "PROGRAM", "ORACLE", "VERDICT",
	"CALL SITE", "ORACLE SAID",
};
static const bool bug_numeric[] = {
	true, true, false, false, true, false, true, false, false, false,
};
#define BUG_COLS	(sizeof(bug_headers) / sizeof(bug_headers[0]))

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
	n = end - start;
	if (n > max)
		n = max;
	if (n >= size)
		n = size - 1;
	memcpy(buf, start, n);
	buf[n] = '\0';
}

/* --all: every experiment, by file and syscall. */
struct listing {
	struct cli_table *t;		/* current group */
	char		*path;		/* its file and syscall */
	char		*syscall;
	struct cli_stacks *cs;
};

static void
listing_flush(struct listing *g)
{
	if (!g->t)
		return;
	cli_table_print(g->t, stdout);
	cli_table_free(g->t);
	g->t = NULL;
}

static int
exp_row(void *ctx, const struct store_experiment *e,
    const struct store_site *s)
{
	struct listing *g = ctx;
	char site[32], seq[32], wrote[32], oracle[32], said[64];
	const char *cells[BUG_COLS];
	const char *path = s->path ? s->path : "";

	if (!g->path || strcmp(g->path, path) != 0 ||
	    strcmp(g->syscall, s->syscall) != 0) {
		listing_flush(g);
		free(g->path);
		free(g->syscall);
		g->path = strdup(path);
		g->syscall = strdup(s->syscall);
		if (!g->path || !g->syscall)
			return -ENOMEM;
		printf("\n%s: %s\n", ESC(path), s->syscall);
	}
	if (!g->t) {
		g->t = cli_table_new(bug_headers, bug_numeric, BUG_COLS);
		if (!g->t)
			return -ENOMEM;
	}
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
	last_line(e->oracle_tail, said, sizeof(said), 50);
	cells[0] = site;
	cells[1] = seq;
	cells[2] = s->key;
	cells[3] = e->fault;
	cells[4] = wrote;
	cells[5] = e->status ? e->status : "-";
	cells[6] = oracle;
	cells[7] = e->verdict;
	cells[8] = location(g->cs, s->callsite);
	cells[9] = said;
	if (e->divergence_kind) {
		/* the verdict stands, but the run took another path */
		static char both[64];

		snprintf(both, sizeof(both), "%s (%s)", e->verdict,
		    e->divergence_kind);
		cells[7] = both;
	}
	return cli_table_add(g->t, cells);
}

static int
skipped_row(void *ctx, const struct store_site *site, const char *fault,
    const char *reason)
{
	struct store_experiment e;

	(void)reason;
	skipped_as_experiment(&e, fault);
	return exp_row(ctx, &e, site);
}

/* --- bugs grouped by (call site, path, verdict): tools/report_groups.c --- */

#define MAX_IDS_SHOWN	8

/* " (mapped)" after a file written through a shared mapping */
#define MAPPED_MARK	" (mapped)"

/*
 * One line per group:
 *   cs_sites.c:23 site_a  data.txt  corruption under torn, eio at 3 sites
 *   (ids 4, 9, 12)
 * the location and path columns aligned.
 */
static void
groups_print(struct report_groups *gs, struct cli_stacks *cs)
{
	int wloc = 0, wpath = 0;
	size_t i, k;

	for (i = 0; i < gs->n; i++) {
		int l = (int)strlen(ESC(location(cs, gs->v[i].callsite)));
		int p = (int)strlen(ESC(gs->v[i].path)) +
		    (gs->v[i].mapped ? (int)strlen(MAPPED_MARK) : 0);

		wloc = l > wloc ? l : wloc;
		wpath = p > wpath ? p : wpath;
	}
	for (i = 0; i < gs->n; i++) {
		struct report_group *g = &gs->v[i];
		const char *path = ESC(g->path);	/* lives for the block */
		char faults[128];

		report_group_faults(g, faults, sizeof(faults));
		printf("%-*s  %s%-*s  %s under %s", wloc,
		    ESC(location(cs, g->callsite)), path,
		    wpath - (int)strlen(path), g->mapped ? MAPPED_MARK : "",
		    bx_verdict_name(g->verdict), faults);
		printf(" at %zu site%s (id%s ", g->nids, g->nids == 1 ? "" : "s",
		    g->nids == 1 ? "" : "s");
		for (k = 0; k < g->nids && k < MAX_IDS_SHOWN; k++)
			printf("%s%" PRId64, k ? ", " : "", g->ids[k]);
		printf("%s)", g->nids > MAX_IDS_SHOWN ? ", ..." : "");
		if (g->ndiverged)
			printf(", %" PRIu64 " of %" PRIu64 " diverged",
			    g->ndiverged, g->nexp);
		putchar('\n');
	}
}

/* --- divergence --- */

struct divergence {
	bool		unreached;	/* those never injected, or the others */
	uint64_t	n;
	uint64_t	shown;
	uint64_t	max;		/* lines to show */
};

static int
divergence_row(void *ctx, const struct store_experiment *e,
    const struct store_site *s)
{
	struct divergence *d = ctx;

	(void)s;
	d->n += e->diverged && e->injected != d->unreached;
	return 0;
}

static int
divergence_line(void *ctx, const struct store_experiment *e,
    const struct store_site *s)
{
	struct divergence *d = ctx;

	if (!e->diverged || e->injected == d->unreached || d->shown >= d->max)
		return 0;
	d->shown++;
	printf("  site %" PRId64 " %s (%s): %s\n", s->id, e->fault,
	    ESC(s->key), ESC(e->divergence ? e->divergence : "?"));
	return 0;
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

static int
report_table(struct store *s, bool all, struct cli_stacks *cs,
    const struct bx_pending *pend)
{
	struct report_groups gs = { 0 };
	struct divergence dv = { .max = all ? UINT64_MAX : 10 };
	struct listing g = { .cs = cs };
	struct counts c = { 0 };
	int64_t skipped = 0, skipped_sites = 0;
	struct store_inconclusive ic;
	char *oracle = NULL;
	char num[32], line[256];
	int rc;

	/* first: whether the verdicts below can be trusted at all */
	rc = store_inconclusive_get(s, &ic);
	if (rc)
		return rc;
	if (cli_inconclusive_line(line, sizeof(line), &ic))
		printf("%s\n\n", line);
	c.t = cli_table_new(count_headers, count_numeric, 2);
	if (!c.t)
		return -ENOMEM;
	rc = store_verdict_counts(s, count_row, &c);
	if (rc == 0)
		rc = store_skipped_count(s, &skipped, &skipped_sites);
	if (rc == 0 && skipped) {
		const char *cells[2] = { "not explored", num };

		snprintf(num, sizeof(num), "%" PRId64, skipped);
		rc = cli_table_add(c.t, cells);
	}
	if (rc == 0 && pend->pending) {
		const char *cells[2] = { "not run yet", num };

		snprintf(num, sizeof(num), "%" PRIu64, pend->pending);
		rc = cli_table_add(c.t, cells);
	}
	if (rc == 0 && store_meta_get(s, "oracle", &oracle) == 0 && oracle)
		printf("oracle: %s\n\n", ESC(oracle));
	free(oracle);
	if (rc == 0 && c.total == 0 && !skipped)
		printf("no experiments yet (run 'badio explore --oracle CMD')\n");
	else if (rc == 0)
		cli_table_print(c.t, stdout);
	cli_table_free(c.t);
	if (rc || (c.total == 0 && !skipped))
		return rc;
	if (pend->pending)
		printf("\nnot run yet: %" PRIu64 " of the %" PRIu64 " experiments "
		    "the last explore planned (run it again to go on; for "
		    "shards, 'badio merge' the rest)\n", pend->pending,
		    pend->total);
	if (skipped)
		printf("\nnot explored: %" PRId64 " experiment%s at %" PRId64
		    " site%s left out by --per-callsite (never counted as "
		    "passing; 'badio explore' without it runs them)\n", skipped,
		    skipped == 1 ? "" : "s", skipped_sites,
		    skipped_sites == 1 ? "" : "s");

	for (int unreached = 0; rc == 0 && unreached < 2; unreached++) {
		dv.unreached = unreached;
		dv.n = dv.shown = 0;
		rc = store_experiments_each(s, divergence_row, &dv);
		if (rc || !dv.n)
			continue;
		if (unreached)
			printf("\n%" PRIu64 " unreached experiment%s went another "
			    "way than the recording (first difference):\n",
			    dv.n, dv.n == 1 ? "" : "s");
		else
			printf("\n%" PRIu64 " experiment%s diverged from the "
			    "recording before the fault (verdicts kept; first "
			    "difference):\n", dv.n, dv.n == 1 ? "" : "s");
		rc = store_experiments_each(s, divergence_line, &dv);
		if (rc == 0 && dv.shown < dv.n)
			printf("  ... and %" PRIu64 " more (--all)\n",
			    dv.n - dv.shown);
	}
	if (rc == 0 && ic.reordered)
		printf("\n%" PRId64 " experiment%s reordered: the threads "
		    "interleaved otherwise, each made its recorded calls "
		    "(informational; --all marks them)\n", ic.reordered,
		    ic.reordered == 1 ? "" : "s");
	if (rc == 0)
		rc = report_groups_load(s, &gs);
	if (rc == 0 && gs.n == 0)
		print_no_bugs(&ic);
	else if (rc == 0) {
		printf("\nbugs by call site:\n");
		groups_print(&gs, cs);
	}
	report_groups_free(&gs);
	if (rc || !all)
		return rc;
	printf("\nall experiments\n");
	rc = store_experiments_each(s, exp_row, &g);
	listing_flush(&g);
	if (rc == 0 && skipped) {
		free(g.path);
		free(g.syscall);
		memset(&g, 0, sizeof(g));
		g.cs = cs;
		printf("\nnot explored (left out by --per-callsite)\n");
		rc = store_skipped_each(s, skipped_row, &g);
		listing_flush(&g);
	}
	free(g.path);
	free(g.syscall);
	return rc;
}

static const char *
locate(void *ctx, int64_t callsite)
{
	return cli_stack_location(ctx, callsite);
}

static const char *
frame_text(void *ctx, const char *module, int64_t offset)
{
	return cli_frame_text(ctx, module, (uint64_t)offset);
}

/*
 * --output FILE: standard output becomes FILE.tmp-PID, renamed over FILE
 * once the report is complete, so a failed report never leaves half a
 * page under FILE and every format prints to stdout alike.  Returns the
 * temporary name (NULL without --output).
 */
static char *
output_open(const char *path)
{
	char *tmp;
	int fd;

	if (!path)
		return NULL;
	if (asprintf(&tmp, "%s.tmp-%ld", path, (long)getpid()) < 0)
		die("out of memory");
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		die("report: cannot write '%s': %s", tmp, strerror(errno));
	fflush(stdout);
	if (dup2(fd, STDOUT_FILENO) < 0) {
		unlink(tmp);
		die("report: cannot write '%s': %s", tmp, strerror(errno));
	}
	close(fd);
	return tmp;
}

static void
output_close(const char *path, char *tmp)
{
	int e = fflush(stdout) == EOF || ferror(stdout) ? errno : 0;

	if (!tmp) {
		if (e)
			die("report: cannot write the output: %s", strerror(e));
		return;
	}
	if (e == 0 && rename(tmp, path) < 0)
		e = errno;
	if (e) {
		unlink(tmp);
		die("report: cannot write '%s': %s", path, strerror(e));
	}
	free(tmp);
}

int
cmd_report(int argc, char **argv)
{
	const char *db = "badio.db";
	const char *output = NULL;
	enum cli_format fmt = CLI_FORMAT_TABLE;
	struct bx_pending pend;
	char *tmp;
	struct cli_stacks *cs;
	struct csv csv;
	bool all = false;
	struct store *s;
	const char *fail_on = NULL;
	char err[256];
	int64_t matched = 0;
	char *json;
	int opt, rc = 0;
	size_t i;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, report_shortopts,
	    report_options, NULL)) != -1) {
		switch (opt) {
		case 'd': db = optarg; break;
		case 'F':
			fmt = cli_parse_format("report", optarg,
			    CLI_FORMATS_REPORT);
			break;
		case 'o': output = optarg; break;
		case 'a': all = true; break;
		case OPT_FAIL_ON:
			if (cli_fail_on_check(optarg, err, sizeof(err)) < 0)
				die_usage("report: --fail-on: %s (verdicts, "
				    "bugs: every bug verdict, or inconclusive)",
				    err);
			fail_on = optarg;
			break;
		case 'h': return cmd_print_help("report");
		default:
			die_usage("report: unknown option or missing argument "
			    "'%s' (see 'badio help report')", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("report: unexpected argument '%s'", argv[optind]);
	s = cli_open_db(db, STORE_READ);
	cs = cli_stacks_new(s);
	if (!cs)
		die("out of memory");
	rc = store_locator_set(s, locate, cs);
	if (rc == 0)
		rc = store_framer_set(s, frame_text, cs);
	if (rc < 0)
		die("report: cannot read '%s': %s", db, store_errmsg(s));
	rc = bx_pending(s, &pend);
	if (rc < 0)
		die("report: cannot read '%s': %s", db, rc == -EINVAL ?
		    "malformed plan in meta" : store_errmsg(s));
	tmp = output_open(output);
	csv.f = stdout;
	csv.cs = cs;
	switch (fmt) {
	case CLI_FORMAT_JSON:
		rc = all ? store_report_all_json(s, BADIO_VERSION, &json) :
		    store_report_json(s, BADIO_VERSION, &json);
		if (rc == 0) {
			/* the store's object, with the plan's counts first */
			char *all_json;

			if (asprintf(&all_json, "{\"planned\":%" PRIu64
			    ",\"pending\":%" PRIu64 ",%s", pend.total,
			    pend.pending, json + 1) < 0) {
				rc = -ENOMEM;
			} else {
				rc = cli_json_print(stdout, all_json);
				free(all_json);
			}
			free(json);
		}
		break;
	case CLI_FORMAT_CSV:
		for (i = 0; i < CSV_COLS; i++)
			cli_csv_field(stdout, csv_columns[i], i == CSV_COLS - 1);
		rc = all ? store_experiments_each(s, csv_row, &csv) :
		    store_bugs_each(s, csv_row, &csv);
		if (rc == 0 && all)
			rc = store_skipped_each(s, csv_skipped, &csv);
		break;
	case CLI_FORMAT_TABLE:
		rc = report_table(s, all, cs, &pend);
		break;
	case CLI_FORMAT_HTML:
		rc = report_html(s, stdout, BADIO_VERSION, &pend);
		break;
	case CLI_FORMAT_JUNIT:
		rc = report_junit(s, cs, db, &pend, stdout);
		break;
	case CLI_FORMAT_SARIF:
		rc = report_sarif(s, cs, db, &pend, stdout);
		break;
	}
	if (rc == 0 && fail_on)
		rc = cli_fail_on_count(s, fail_on, &matched);
	if (rc < 0 && tmp)
		unlink(tmp);
	if (rc == -EIO && fmt == CLI_FORMAT_HTML)
		die("report: cannot write the page: %s", strerror(errno));
	if (rc < 0)
		die("report: cannot read '%s': %s", db, rc == -ENOMEM ?
		    strerror(ENOMEM) : store_errmsg(s));
	output_close(output, tmp);
	store_close(s);
	cli_stacks_free(cs);
	return matched > 0 ? EXIT_BUGS : 0;
}
