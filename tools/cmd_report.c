/*
 * cmd_report.c - `badio report`: what explore found, for a person first
 * (per-verdict counts, the sites left out, the experiments that diverged,
 * then one line per call site, file and bug verdict) and exactly for
 * scripts (CSV rows, or JSON: its summary built by SQLite in the store,
 * its rows by tools/report_json.c).  Call sites are named by
 * tools/stack.c: the innermost frame of the user's own code.
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
#include "tools/table.h"
#include "tools/text.h"

const char report_usage[] =
	"usage: badio report [-d DB] [--format FMT] [--all] [-o FILE]\n"
	"                    [--columns LIST] [--sites FILTER] [--fail-on VERDICTS]\n"
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
	"                       the bug groups, in one table\n"
	"      --columns LIST   that table's columns, comma-separated, in that\n"
	"                       order; +LIST adds to the default ones.  Columns:\n"
	"                       site, seq, syscall, path, key, fault, state\n"
	"                       (the crash state judged, '-' without one),\n"
	"                       wrote, program, oracle_exit, verdict, oracle (which\n"
	"                       oracle judged: shown when several did),\n"
	"                       location, oracle_said, last_output (the\n"
	"                       program's last line), callsite, duration\n"
	"      --sites FILTER   only the experiments of these sites (as explore\n"
	"                       --sites: id=N, id=N-M, syscall=NAME, family=NAME,\n"
	"                       path=GLOB), table and csv; the counts are theirs,\n"
	"                       the database's on a line of their own\n"
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

enum { OPT_FAIL_ON = 0x100, OPT_COLUMNS, OPT_SITES };

const struct option report_options[] = {
	{ "db",      required_argument, NULL, 'd' },
	{ "format",  required_argument, NULL, 'F' },
	{ "output",  required_argument, NULL, 'o' },
	{ "all",     no_argument,       NULL, 'a' },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "columns", required_argument, NULL, OPT_COLUMNS },
	{ "sites",   required_argument, NULL, OPT_SITES },
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
	"callsite", "location", "oracle_id", "oracle", "prog_last",
	"state", "last_sync", "unsynced",
};
#define CSV_COLS	(sizeof(csv_columns) / sizeof(csv_columns[0]))

struct csv {
	FILE		*f;
	struct cli_stacks *cs;
	struct report_oracles *os;
	const struct bx_filter *sites;	/* --sites, or NULL */
};

/* The command of oracle id, or NULL (an empty field). */
static const char *
report_oracle_command(const struct report_oracles *os, int64_t id)
{
	const struct report_oracle *o = id ? report_oracle_get(os, id) : NULL;

	return o ? o->command : NULL;
}

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

	if (!bx_filter_match(c->sites, s))
		return 0;
	snprintf(v[0], 32, "%" PRId64, s->id);
	snprintf(v[1], 32, "%" PRId64, s->seq);
	snprintf(v[7], 32, "%d", e->injected);
	snprintf(v[8], 32, "%" PRId64, e->fault_bytes);
	snprintf(v[10], 32, "%d", e->oracle_exit);
	snprintf(v[12], 32, "%" PRId64, e->duration_ns);
	snprintf(v[13], 32, "%d", e->diverged);
	snprintf(v[16], 32, "%" PRId64, s->callsite);
	snprintf(v[18], 32, "%" PRId64, e->oracle_id);
	snprintf(v[23], 32, "%" PRId64, e->unsynced);
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
	cell[18] = e->oracle_id ? v[18] : "";
	cell[19] = report_oracle_command(c->os, e->oracle_id);
	cell[20] = e->prog_last;
	cell[21] = e->state;
	cell[22] = e->last_sync;
	cell[23] = e->state && e->unsynced >= 0 ? v[23] : "";
	for (i = 0; i < CSV_COLS; i++)
		cli_csv_field(c->f, cell[i], i == CSV_COLS - 1);
	return 0;
}

static int
csv_skipped(void *ctx, const struct store_site *site, const char *fault,
    const char *reason)
{
	struct store_experiment e;

	(void)reason;
	report_skipped_as_experiment(&e, fault);
	return csv_row(ctx, &e, site);
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

struct sites_seen {
	const struct bx_filter *f;
	uint64_t	n, matched;
};

static int
site_seen(void *ctx, const struct store_site *site)
{
	struct sites_seen *ss = ctx;

	ss->n++;
	ss->matched += bx_filter_match(ss->f, site);
	return 0;
}

/*
 * A --sites filter that matches no recorded site is a warning and exit
 * 2, as in explore: an empty report must not pass for a clean one.
 */
static void
sites_check(struct store *s, const char *db, const struct bx_filter *f,
    const char *text)
{
	struct sites_seen ss = { .f = f };

	if (store_sites_each(s, NULL, site_seen, &ss) < 0)
		die("report: cannot read '%s': %s", db, store_errmsg(s));
	if (ss.matched)
		return;
	warn("report: --sites '%s' matches none of the %" PRIu64 " recorded "
	    "site%s: nothing to report (see 'badio sites -d %s')", ESC(text),
	    ss.n, ss.n == 1 ? "" : "s", db);
	exit(EXIT_USAGE);
}

/* --columns names columns of the --all table: a usage error if not. */
static void
columns_check(const char *list)
{
	struct cli_table *t = cli_table_new(report_all_columns, REPORT_ACOLS,
	    stdout);
	char err[1024];

	if (!t)
		die("out of memory");
	if (cli_table_select(t, list, err, sizeof(err)) < 0)
		die_usage("report: --columns: %s", err);
	cli_table_free(t);
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
	const char *columns = NULL;
	struct bx_filter filter = { 0 };
	const struct bx_filter *sites = NULL;
	const char *sites_text = NULL;
	struct report_oracles os;
	struct report_table_opts to;
	char err[256];
	int64_t matched = 0;
	char lead[128];
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
		case OPT_COLUMNS: columns = optarg; break;
		case OPT_SITES:
			bx_filter_release(&filter);
			if (bx_filter_parse(optarg, &filter, err,
			    sizeof(err)) < 0)
				die_usage("report: --sites: %s", err);
			sites = &filter;
			sites_text = optarg;
			break;
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
	if (columns && (fmt != CLI_FORMAT_TABLE || !all))
		die_usage("report: --columns chooses the columns of the --all "
		    "table (report --all --columns LIST)");
	if (columns)
		columns_check(columns);
	if (sites && fmt != CLI_FORMAT_TABLE && fmt != CLI_FORMAT_CSV)
		die_usage("report: --sites selects for the table and csv formats; "
		    "filter %s output with your own tool (jq, xmllint)",
		    cli_format_name(fmt));
	s = cli_open_db(db, STORE_READ);
	/* the report as the views made it, for tests/cli/test_report_rows.sh */
	store_read_views(s, getenv("BADIO_REPORT_VIEW") != NULL);
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
	if (sites)
		sites_check(s, db, sites, sites_text);
	tmp = output_open(output);
	if (report_oracles_load(s, &os) < 0)
		die("report: cannot read '%s': %s", db, store_errmsg(s));
	csv.f = stdout;
	csv.cs = cs;
	csv.os = &os;
	csv.sites = sites;
	to = (struct report_table_opts){ .all = all, .columns = columns,
	    .cs = cs, .pend = &pend, .sites = sites, .sites_text = sites_text,
	    .os = &os };
	switch (fmt) {
	case CLI_FORMAT_JSON:
		/* the store's object, with the plan's counts first */
		snprintf(lead, sizeof(lead), "\"planned\":%" PRIu64
		    ",\"pending\":%" PRIu64 ",", pend.total, pend.pending);
		rc = report_json(s, cs, lead, all, stdout);
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
		rc = report_table(s, &to);
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
	report_oracles_free(&os);
	bx_filter_release(&filter);
	store_close(s);
	cli_stacks_free(cs);
	return matched > 0 ? EXIT_BUGS : 0;
}
