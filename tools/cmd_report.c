/*
 * cmd_report.c - `badio report`: what explore found, for a person first
 * (per-verdict counts, then the bugs grouped by file and syscall) and
 * exactly for scripts (CSV rows, or JSON built by SQLite in the store).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "tools/cli.h"
#include "tools/cmd.h"

const char report_usage[] =
	"usage: badio report [-d DB] [--format table|csv|json] [--all]\n"
	"\n"
	"Summarise what 'badio explore' found: how many experiments got each\n"
	"verdict, then every bug grouped by file and syscall: the site, the\n"
	"fault, how the program ended and what the oracle said.  CSV has one\n"
	"row per bug; JSON is {\"counts\": {...}, \"bugs\": [...]}.\n"
	"\n"
	"  -d, --db DB          database (default: badio.db)\n"
	"  -F, --format FMT     table (default), csv or json\n"
	"  -a, --all            every experiment, not only the bugs\n"
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
	"Bugs are silent-corruption, corruption, crashed and hang.\n";

enum format { FMT_TABLE, FMT_CSV, FMT_JSON };

static const char *const format_names[] = { "table", "csv", "json" };

static enum format
parse_format(const char *s)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (strcmp(s, format_names[i]) == 0)
			return (enum format)i;
	die_usage("report: unknown format '%s' (use table, csv or json)", s);
}

/* --- CSV: one row per experiment, exact values --- */

static const char *const csv_columns[] = {
	"site", "seq", "syscall", "family", "path", "key", "fault",
	"injected", "fault_bytes", "status", "oracle_exit", "verdict",
	"duration_ns",
};
#define CSV_COLS	(sizeof(csv_columns) / sizeof(csv_columns[0]))

static int
csv_row(void *ctx, const struct store_experiment *e,
    const struct store_site *s)
{
	char v[CSV_COLS][32];
	const char *cell[CSV_COLS];
	size_t i;

	snprintf(v[0], 32, "%" PRId64, s->id);
	snprintf(v[1], 32, "%" PRId64, s->seq);
	snprintf(v[7], 32, "%d", e->injected);
	snprintf(v[8], 32, "%" PRId64, e->fault_bytes);
	snprintf(v[10], 32, "%d", e->oracle_exit);
	snprintf(v[12], 32, "%" PRId64, e->duration_ns);
	cell[0] = v[0];
	cell[1] = v[1];
	cell[2] = s->syscall;
	cell[3] = s->family;
	cell[4] = s->path;
	cell[5] = s->key;
	cell[6] = e->fault;
	cell[7] = v[7];
	cell[8] = e->fault_bytes >= 0 ? v[8] : "";
	cell[9] = e->status;
	cell[10] = e->oracle_exit >= 0 ? v[10] : "";
	cell[11] = e->verdict;
	cell[12] = v[12];
	for (i = 0; i < CSV_COLS; i++)
		cli_csv_field(ctx, cell[i], i == CSV_COLS - 1);
	return 0;
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
	"ORACLE SAID",
};
static const bool bug_numeric[] = {
	true, true, false, false, true, false, true, false, false,
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

struct groups {
	struct cli_table *t;		/* current group */
	char		*path;		/* its file and syscall */
	char		*syscall;
	uint64_t	n;
	bool		by_group;	/* false: one table for all (--all) */
};

static void
group_flush(struct groups *g)
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
	struct groups *g = ctx;
	char site[32], seq[32], wrote[32], oracle[32], said[64];
	const char *cells[BUG_COLS];

	if (g->by_group && (!g->path || strcmp(g->path, s->path) != 0 ||
	    strcmp(g->syscall, s->syscall) != 0)) {
		group_flush(g);
		free(g->path);
		free(g->syscall);
		g->path = strdup(s->path);
		g->syscall = strdup(s->syscall);
		if (!g->path || !g->syscall)
			return -ENOMEM;
		printf("\n%s: %s\n", s->path, s->syscall);
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
	cells[5] = e->status;
	cells[6] = oracle;
	cells[7] = e->verdict;
	cells[8] = said;
	g->n++;
	return cli_table_add(g->t, cells);
}

static int
report_table(struct store *s, bool all)
{
	struct groups g = { .by_group = true };
	struct counts c = { 0 };
	char *oracle = NULL;
	int rc;

	c.t = cli_table_new(count_headers, count_numeric, 2);
	if (!c.t)
		return -ENOMEM;
	rc = store_verdict_counts(s, count_row, &c);
	if (rc == 0 && store_meta_get(s, "oracle", &oracle) == 0 && oracle)
		printf("oracle: %s\n\n", oracle);
	free(oracle);
	if (rc == 0 && c.total == 0)
		printf("no experiments yet (run 'badio explore --oracle CMD')\n");
	else if (rc == 0)
		cli_table_print(c.t, stdout);
	cli_table_free(c.t);
	if (rc || c.total == 0)
		return rc;
	rc = store_bugs_each(s, exp_row, &g);
	group_flush(&g);
	if (rc == 0 && g.n == 0)
		printf("\nno bugs found\n");
	free(g.path);
	free(g.syscall);
	if (rc || !all)
		return rc;
	printf("\nall experiments\n");
	memset(&g, 0, sizeof(g));
	rc = store_experiments_each(s, exp_row, &g);
	group_flush(&g);
	return rc;
}

int
cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db",     required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'F' },
		{ "all",    no_argument,       NULL, 'a' },
		{ "help",   no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = "badio.db";
	enum format fmt = FMT_TABLE;
	bool all = false;
	struct store *s;
	char *json;
	int opt, rc = 0;
	size_t i;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+d:F:ah", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': db = optarg; break;
		case 'F': fmt = parse_format(optarg); break;
		case 'a': all = true; break;
		case 'h': return cmd_print_help("report");
		default:
			die_usage("report: unknown option or missing argument "
			    "'%s' (see 'badio help report')", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("report: unexpected argument '%s'", argv[optind]);
	s = cli_open_db(db, STORE_READ);
	switch (fmt) {
	case FMT_JSON:
		rc = all ? store_report_all_json(s, &json) :
		    store_report_json(s, &json);
		if (rc == 0) {
			puts(json);
			free(json);
		}
		break;
	case FMT_CSV:
		for (i = 0; i < CSV_COLS; i++)
			cli_csv_field(stdout, csv_columns[i], i == CSV_COLS - 1);
		rc = all ? store_experiments_each(s, csv_row, stdout) :
		    store_bugs_each(s, csv_row, stdout);
		break;
	case FMT_TABLE:
		rc = report_table(s, all);
		break;
	}
	if (rc < 0)
		die("report: cannot read '%s': %s", db, rc == -ENOMEM ?
		    strerror(ENOMEM) : store_errmsg(s));
	store_close(s);
	return 0;
}
