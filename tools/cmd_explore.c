/*
 * cmd_explore.c - `badio explore`: options in, bx_explore() out, the
 * progress line, messages and the exit status.
 *
 * Exit status (tools/cli.h): 0 done; 1 with --fail-on when the database
 * holds an experiment with one of those verdicts; 2 usage or set-up
 * errors (including an oracle that fails the fault-free run); 3 runtime
 * errors (the database, a worker); 130 interrupted (what was committed
 * stays).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "explorer/explorer.h"
#include "store/store.h"
#include "tools/cli.h"
#include "tools/cmd.h"
#include "tools/inconclusive.h"
#include "tools/text.h"

/* Text of a database or the user in a message, escaped (tools/text.h). */
#define ESC_SIZE	(4 * 1024 + 1)
#define ESC(s)		cli_escape_buf((char[ESC_SIZE]){ 0 }, ESC_SIZE, (s))

const char explore_usage[] =
	"usage: badio explore [-d DB] --oracle CMD [--faults LIST] [--sites FILTER]\n"
	"                     [-j N] [--timeout SEC] [--oracle-timeout SEC]\n"
	"                     [--keep DIR] [--redo | --reuse-verdicts]\n"
	"                     [--fail-on VERDICTS]\n"
	"                     [--include-stdio] [--include-pipes]\n"
	"                     [--per-callsite N] [--callsite ID]\n"
	"                     [--power-states LIST] [--power-prefixes K]\n"
	"                     [--shard K/N [--shard-db PATH]] [--bundle WHEN] [-q]\n"
	"\n"
	"Re-run the recorded program once per site and fault, with that one\n"
	"call failing, then run CMD (through /bin/sh, in the run's directory)\n"
	"to judge the files: exit 0 intact, 125 cannot judge, other damaged.\n"
	"CMD sees BADIO_DIR, BADIO_SITE, BADIO_FAULT, BADIO_SYSCALL, BADIO_PATH,\n"
	"BADIO_STATUS, BADIO_INJECTED, BADIO_STATE (the crash state, or empty)\n"
	"and BADIO_STDOUT (a file with what the program wrote to stdout before\n"
	"the fault: 'if it printed saved, the file must be there').  A\n"
	"fault-free run must pass CMD first.\n"
	"Experiments already in DB are skipped, so an interrupted explore resumes.\n"
	"Each experiment keeps the oracle that judged it (the command, and the\n"
	"SHA-256 of the script its first word names): an explore with another\n"
	"oracle, or the same script changed, refuses unless --redo or\n"
	"--reuse-verdicts says what to do with the old verdicts.\n"
	"\n"
	"  -d, --db DB              database (default: badio.db)\n"
	"      --oracle CMD         the judge; a relative script path is taken\n"
	"                           from the current directory\n"
	"      --faults LIST        comma-separated, from the faults below (default:\n"
	"                           short, torn, eio, crash, power for writes;\n"
	"                           eio, crash, power, and lost-sync for syncs;\n"
	"                           eio, crash, power else; crash, power for mmap\n"
	"                           sites; eio, power for close; power at the end)\n"
	"      --sites FILTER       id=N, id=N-M, syscall=NAME, family=NAME,\n"
	"                           path=GLOB; comma-separated, all must hold\n"
	"  -j, --jobs N             experiments at once (default: CPUs)\n"
	"      --timeout SEC        per run of the program (default: 30; 0: none)\n"
	"      --oracle-timeout SEC per oracle run (default: 30; 0: none)\n"
	"      --keep DIR           keep the run directories of bug verdicts\n"
	"      --redo               forget earlier experiments, start over\n"
	"      --no-sweep           power experiments by one re-run per crash point\n"
	"                           (also BADIO_NO_SWEEP=1), not one sweep run\n"
	"      --judge-once         power: judge the crash states that look the same\n"
	"                           to the oracle once (the same files, stdout, fault,\n"
	"                           state and status; not BADIO_SITE or BADIO_PATH)\n"
	"      --reuse-verdicts     keep the verdicts of another oracle, judge only\n"
	"                           the experiments not run yet with this one (the\n"
	"                           report shows each oracle's)\n"
	"      --fail-on VERDICTS   exit 1 if DB holds any of these verdicts\n"
	"                           (comma-separated; bugs: every bug verdict;\n"
	"                           inconclusive: any experiment unreached, not\n"
	"                           judged or diverged)\n"
	"      --include-stdio      explore writes to stdout, stderr, terminals,\n"
	"                           /dev/null\n"
	"      --include-pipes      explore writes to pipes and sockets\n"
	"      --per-callsite N     at most N sites per call site and file (the\n"
	"                           first, the last, others spread evenly); the\n"
	"                           rest are reported as not explored\n"
	"      --callsite ID        only the sites of this call site (see\n"
	"                           'badio sites --stacks')\n"
	"      --power-states LIST  the crash states power judges, comma-separated\n"
	"                           (default: durable,metadata): durable, what\n"
	"                           fsync made durable (POSIX); metadata, every\n"
	"                           directory change but no unsynced data (ext4\n"
	"                           delayed allocation, LazyFS); prefix, the\n"
	"                           unsynced operations in order up to the N-th,\n"
	"                           as prefix:1 .. prefix:K\n"
	"      --power-prefixes K   at most K prefix states per crash point\n"
	"                           (default: 8; 1 to 32)\n"
	"      --shard K/N          run only part K (0 to N-1) of N of the\n"
	"                           experiments, into the shard's own database\n"
	"                           (then 'badio merge'; docs/scale.md)\n"
	"      --shard-db PATH      that database (default: DB.shard-K-of-N.db\n"
	"                           beside DB, made as a copy of DB)\n"
	"      --bundle WHEN        run PROG from the files 'record --bundle' kept:\n"
	"                           auto (default: when one is absent or differs\n"
	"                           here), always, never\n"
	"  -q, --quiet              no progress, no summary (progress: a line\n"
	"                           redrawn on a terminal, else one plain line\n"
	"                           every 5 s, BADIO_PROGRESS_SECONDS)\n"
	"  -h, --help               show this help\n"
	"\n"
	"Faults (transient: that call fails, later calls work; persistent: from\n"
	"that call on, its file system keeps failing; final: the program is gone):\n"
	"  short    transient   writes about half and returns that count\n"
	"  torn     transient   writes about half, then fails with EIO\n"
	"  eio      transient   not executed, fails with EIO\n"
	"  enospc   transient   not executed, fails with ENOSPC\n"
	"  crash    final       every process is killed before the call\n"
	"  eio+     persistent  EIO here and at every later write, sync,\n"
	"                       namespace or close call on the same file system\n"
	"  enospc+  persistent  ENOSPC here, then the file system is full: writes\n"
	"                       that need new blocks fail or are cut short, new\n"
	"                       files and fallocate fail, until space is freed\n"
	"  power    final       power fails before the call (at the 'end' site:\n"
	"                       after the program exited): every process is\n"
	"                       killed, each crash state is judged\n"
	"  lost-sync transient  a sync call fails with EIO and loses what it\n"
	"                       should have made durable; the file's other open\n"
	"                       descriptions get EIO at their next sync; power\n"
	"                       fails after the end, the states durable (lost\n"
	"                       data old: XFS, btrfs) and durable-zero (lost new\n"
	"                       blocks zeros: ext4) are judged\n"

	"\n"
	"Verdicts: ok, reported, silent-corruption, corruption, crashed, hang,\n"
	"unreached, oracle-error (see 'badio help report').\n"
	"\n"
	"Exit status: 0 done; 1 if --fail-on matched; 2 usage or set-up error\n"
	"(among them an oracle that fails the fault-free run); 3 runtime error;\n"
	"130 interrupted (what was committed is kept).\n";

enum {
	OPT_ORACLE = 0x100,
	OPT_FAULTS,
	OPT_SITES,
	OPT_TIMEOUT,
	OPT_ORACLE_TIMEOUT,
	OPT_KEEP,
	OPT_REDO,
	OPT_NO_SWEEP,
	OPT_JUDGE_ONCE,
	OPT_REUSE_VERDICTS,
	OPT_FAIL_ON,
	OPT_INCLUDE_STDIO,
	OPT_INCLUDE_PIPES,
	OPT_PER_CALLSITE,
	OPT_CALLSITE,
	OPT_SHARD,
	OPT_SHARD_DB,
	OPT_BUNDLE,
	OPT_POWER_STATES,
	OPT_POWER_PREFIXES,
};

const struct option explore_options[] = {
	{ "db",			required_argument, NULL, 'd' },
	{ "oracle",		required_argument, NULL, OPT_ORACLE },
	{ "faults",		required_argument, NULL, OPT_FAULTS },
	{ "sites",		required_argument, NULL, OPT_SITES },
	{ "jobs",		required_argument, NULL, 'j' },
	{ "timeout",		required_argument, NULL, OPT_TIMEOUT },
	{ "oracle-timeout",	required_argument, NULL, OPT_ORACLE_TIMEOUT },
	{ "keep",		required_argument, NULL, OPT_KEEP },
	{ "redo",		no_argument,	   NULL, OPT_REDO },
	{ "no-sweep",		no_argument,	   NULL, OPT_NO_SWEEP },
	{ "judge-once",		no_argument,	   NULL, OPT_JUDGE_ONCE },
	{ "reuse-verdicts",	no_argument,	   NULL, OPT_REUSE_VERDICTS },
	{ "fail-on",		required_argument, NULL, OPT_FAIL_ON },
	{ "include-stdio",	no_argument,	   NULL, OPT_INCLUDE_STDIO },
	{ "include-pipes",	no_argument,	   NULL, OPT_INCLUDE_PIPES },
	{ "per-callsite",	required_argument, NULL, OPT_PER_CALLSITE },
	{ "callsite",		required_argument, NULL, OPT_CALLSITE },
	{ "shard",		required_argument, NULL, OPT_SHARD },
	{ "shard-db",		required_argument, NULL, OPT_SHARD_DB },
	{ "bundle",		required_argument, NULL, OPT_BUNDLE },
	{ "power-states",	required_argument, NULL, OPT_POWER_STATES },
	{ "power-prefixes",	required_argument, NULL, OPT_POWER_PREFIXES },
	{ "quiet",		no_argument,	   NULL, 'q' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};
const char explore_shortopts[] = "+d:j:qh";

struct explore_cli {
	const char	*db;
	const char	*shard_db;	/* --shard-db, or NULL */
	char		*shard_db_own;	/* the default, malloc'd */
	char		shard_name[32];	/* "K/N" */
	const char	*fail_on;	/* --fail-on LIST, or NULL */
	bool		quiet;
	bool		tty;		/* progress line on stderr */
	bool		plain;		/* stderr is no terminal: a plain line
					 * every interval_ns (CI logs) */
	int64_t		interval_ns;
	int64_t		last_draw;	/* ns, to draw at most 10 times a second */
	bool		drawn;		/* a progress line is on screen */
	struct bx_explore_opts bx;
	struct bx_filter filter;
};

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
parse_seconds(const char *opt, const char *s)
{
	long v;

	if (!cli_parse_int(s, 0, 7 * 24 * 3600, &v))
		die_usage("explore: %s wants whole seconds, not '%s'", opt, s);
	return (int)(v * 1000);
}

static enum bx_bundle_use
parse_bundle(const char *s)
{
	static const char *const names[] = {
		[BX_BUNDLE_AUTO] = "auto", [BX_BUNDLE_ALWAYS] = "always",
		[BX_BUNDLE_NEVER] = "never",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return (enum bx_bundle_use)i;
	die_usage("explore: --bundle wants auto, always or never, not '%s'", s);
}

/* "K/N" with 0 <= K < N <= 100000. */
static bool
parse_shard(const char *s, unsigned *k, unsigned *n)
{
	const char *slash = strchr(s, '/');
	char kbuf[16];
	long kv, nv;

	if (!slash || (size_t)(slash - s) >= sizeof(kbuf))
		return false;
	memcpy(kbuf, s, (size_t)(slash - s));
	kbuf[slash - s] = '\0';
	if (!cli_parse_int(kbuf, 0, 99999, &kv) ||
	    !cli_parse_int(slash + 1, 1, 100000, &nv) || kv >= nv)
		return false;
	*k = (unsigned)kv;
	*n = (unsigned)nv;
	return true;
}

/*
 * The database a shard writes: --shard-db, DB itself when it is already
 * this shard's database (made by an earlier --shard K/N: resume), or
 * DB.shard-K-of-N.db beside DB.  A new one is a copy of DB.
 */
static const char *
shard_database(struct explore_cli *o)
{
	char *mine = NULL;
	struct store *s;
	const char *path;
	size_t len;
	int rc;

	s = cli_open_db(o->db, STORE_READ);
	if (store_meta_get(s, "shard", &mine) < 0)
		die("explore: database '%s': %s", o->db, store_errmsg(s));
	if (!o->shard_db && mine && strcmp(mine, o->shard_name) == 0) {
		free(mine);
		store_close(s);
		return o->db;	/* already this shard's own database */
	}
	free(mine);
	path = o->shard_db;
	if (!path) {
		len = strlen(o->db);
		if (len > 3 && strcmp(o->db + len - 3, ".db") == 0)
			len -= 3;
		if (asprintf(&o->shard_db_own, "%.*s.shard-%u-of-%u.db",
		    (int)len, o->db, o->bx.shard, o->bx.nshards) < 0)
			die("out of memory");
		path = o->shard_db_own;
	}
	if (access(path, F_OK) == 0) {
		store_close(s);
		return path;	/* made by an earlier run: checked below */
	}
	rc = store_copy_to(s, path);
	if (rc < 0) {
		unlink(path);
		die("explore: cannot make the shard's database '%s': %s", path,
		    store_errmsg(s));
	}
	store_close(s);
	if (!o->quiet)
		fprintf(stderr, "badio: explore: shard %s writes into '%s' (a "
		    "copy of '%s'; merge the shards with 'badio merge')\n",
		    o->shard_name, path, o->db);
	return path;
}

/* The shard's database must be this shard's: mark a new one, refuse
 * another shard's. */
static void
shard_claim(struct explore_cli *o, struct store *s, const char *path)
{
	char *mine = NULL;

	if (store_meta_get(s, "shard", &mine) < 0)
		die("explore: database '%s': %s", path, store_errmsg(s));
	if (mine && strcmp(mine, o->shard_name) != 0)
		die_usage("explore: '%s' is the database of shard %s, not %s",
		    path, mine, o->shard_name);
	if (!mine && (store_meta_set(s, "shard", o->shard_name) < 0))
		die("explore: database '%s': %s", path, store_errmsg(s));
	free(mine);
}

/* A call-site id: decimal, or hexadecimal with 0x; positive. */
static bool
parse_callsite(const char *s, int64_t *id)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v == 0 || v > INT64_MAX)
		return false;
	*id = (int64_t)v;
	return true;
}

/*
 * How often a plain progress line is printed when stderr is no
 * terminal: BADIO_PROGRESS_SECONDS (whole seconds, 0: after every
 * experiment), by default 5.
 */
static int64_t
progress_interval_ns(void)
{
	const char *env = getenv("BADIO_PROGRESS_SECONDS");
	long secs = 5;

	if (env && !cli_parse_int(env, 0, 86400, &secs))
		die_usage("explore: BADIO_PROGRESS_SECONDS wants whole seconds, "
		    "not '%s'", env);
	return (int64_t)secs * 1000000000;
}

static void
parse_options(int argc, char **argv, struct explore_cli *o)
{
	char err[256];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long v;
	int opt;

	memset(o, 0, sizeof(*o));
	o->db = "badio.db";
	o->bx.jobs = cpus > 0 ? (unsigned)cpus : 1;
	o->bx.timeout_ms = 30 * 1000;
	o->bx.oracle_timeout_ms = 30 * 1000;
	o->bx.kinds = (1u << REC_KIND_REGULAR) | (1u << REC_KIND_DIR);
	/* the test suite and the benchmarks compare the two paths */
	if (getenv("BADIO_NO_SWEEP") && strcmp(getenv("BADIO_NO_SWEEP"), "0") &&
	    getenv("BADIO_NO_SWEEP")[0])
		o->bx.no_sweep = true;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, explore_shortopts,
	    explore_options, NULL)) != -1) {
		switch (opt) {
		case 'd':
			o->db = optarg;
			break;
		case OPT_ORACLE:
			o->bx.oracle = optarg;
			break;
		case OPT_FAULTS:
			if (bx_faults_parse(optarg, &o->bx.faults, err,
			    sizeof(err)) < 0)
				die_usage("explore: %s (faults: short, torn, "
				    "eio, enospc, crash, eio+, enospc+, power, "
				    "lost-sync)", err);
			break;
		case OPT_SITES:
			bx_filter_release(&o->filter);
			if (bx_filter_parse(optarg, &o->filter, err,
			    sizeof(err)) < 0)
				die_usage("explore: --sites: %s", err);
			o->bx.sites = &o->filter;
			o->bx.sites_text = optarg;
			break;
		case 'j':
			if (!cli_parse_int(optarg, 1, 1024, &v))
				die_usage("explore: -j wants a number from 1 "
				    "to 1024, not '%s'", optarg);
			o->bx.jobs = (unsigned)v;
			break;
		case OPT_TIMEOUT:
			o->bx.timeout_ms = parse_seconds("--timeout", optarg);
			break;
		case OPT_ORACLE_TIMEOUT:
			o->bx.oracle_timeout_ms = parse_seconds(
			    "--oracle-timeout", optarg);
			break;
		case OPT_KEEP:
			o->bx.keep_dir = optarg;
			break;
		case OPT_REDO:
			o->bx.redo = true;
			break;
		case OPT_NO_SWEEP:
			o->bx.no_sweep = true;
			break;
		case OPT_JUDGE_ONCE:
			o->bx.judge_once = true;
			break;
		case OPT_REUSE_VERDICTS:
			o->bx.reuse_verdicts = true;
			break;
		case OPT_FAIL_ON:
			if (cli_fail_on_check(optarg, err, sizeof(err)) < 0)
				die_usage("explore: --fail-on: %s (verdicts, "
				    "bugs: every bug verdict, or inconclusive)",
				    err);
			o->fail_on = optarg;
			break;
		case OPT_INCLUDE_STDIO:
			/* terminals and other files: /dev/null... */
			o->bx.kinds |= (1u << REC_KIND_TTY) |
			    (1u << REC_KIND_OTHER);
			o->bx.include_stdio = true;
			break;
		case OPT_INCLUDE_PIPES:
			o->bx.kinds |= (1u << REC_KIND_PIPE) |
			    (1u << REC_KIND_SOCKET);
			break;
		case OPT_PER_CALLSITE:
			if (!cli_parse_int(optarg, 1, 1000000, &v))
				die_usage("explore: --per-callsite wants a number "
				    "from 1 to 1000000, not '%s'", optarg);
			o->bx.per_callsite = (unsigned)v;
			break;
		case OPT_POWER_STATES:
			if (bx_states_parse(optarg, &o->bx.power_states, err,
			    sizeof(err)) < 0)
				die_usage("explore: --power-states: %s", err);
			break;
		case OPT_POWER_PREFIXES:
			if (!cli_parse_int(optarg, 1, BX_POWER_PREFIX_MAX, &v))
				die_usage("explore: --power-prefixes wants a "
				    "number from 1 to %d, not '%s'",
				    BX_POWER_PREFIX_MAX, optarg);
			o->bx.power_prefixes = (unsigned)v;
			break;
		case OPT_CALLSITE:
			if (!parse_callsite(optarg, &o->bx.callsite))
				die_usage("explore: --callsite wants a call-site "
				    "id (as 'badio sites --stacks' shows it), "
				    "not '%s'", optarg);
			break;
		case OPT_SHARD:
			if (!parse_shard(optarg, &o->bx.shard, &o->bx.nshards))
				die_usage("explore: --shard wants K/N with 0 <= K "
				    "< N <= 100000 (e.g. 0/4 ... 3/4), not '%s'",
				    optarg);
			snprintf(o->shard_name, sizeof(o->shard_name), "%u/%u",
			    o->bx.shard, o->bx.nshards);
			break;
		case OPT_SHARD_DB:
			o->shard_db = optarg;
			break;
		case OPT_BUNDLE:
			o->bx.bundle = parse_bundle(optarg);
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			exit(cmd_print_help("explore"));
		default:
			die_usage("explore: unknown option or missing argument "
			    "'%s' (see 'badio help explore')", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("explore: unexpected argument '%s' (see 'badio help "
		    "explore')", argv[optind]);
	if (o->bx.redo && o->bx.reuse_verdicts)
		die_usage("explore: --redo forgets the old verdicts, "
		    "--reuse-verdicts keeps them: give one of them");
	if (o->shard_db && !o->bx.nshards)
		die_usage("explore: --shard-db without --shard K/N");
	if (!o->bx.oracle || !*o->bx.oracle)
		die_usage("explore: no oracle given (--oracle CMD: exit 0 when "
		    "the files are intact)");
	o->tty = !o->quiet && isatty(2);
	o->plain = !o->quiet && !o->tty;
	o->interval_ns = progress_interval_ns();
}

/* --- progress --- */

static void
clear_line(struct explore_cli *o)
{
	if (o->drawn) {
		fputs("\r\033[K", stderr);
		o->drawn = false;
	}
}

/* "badio: explore: 12/40 experiments, 3 bugs, 4.1/s, ETA 0:07" */
static void
progress_text(char *buf, size_t size, const struct bx_progress *p)
{
	uint64_t ran = p->planned - (p->total - p->done);
	double secs = (double)p->elapsed_ns / 1e9;
	double rate = secs > 0 ? (double)ran / secs : 0;
	char eta[32] = "?";

	if (rate > 0) {
		long left = (long)((double)(p->total - p->done) / rate + 0.5);

		snprintf(eta, sizeof(eta), "%ld:%02ld", left / 60, left % 60);
	}
	snprintf(buf, size, "badio: explore: %" PRIu64 "/%" PRIu64
	    " experiments, %" PRIu64 " bug%s, %.1f/s, ETA %s", p->done,
	    p->total, p->bugs, p->bugs == 1 ? "" : "s", rate, eta);
}

/*
 * On a terminal, one line redrawn in place (at most 10 times a second);
 * elsewhere (a CI log, a file), a plain line every interval, written
 * whole so it never interleaves.
 */
static void
draw(struct explore_cli *o, const struct bx_progress *p, bool force)
{
	int64_t now = mono_ns();
	char line[256];

	if (o->plain && p->event == BX_EV_PLANNED) {
		o->last_draw = now;	/* the first line one interval in */
		return;
	}
	if (o->plain && p->event == BX_EV_RESULT &&
	    now - o->last_draw >= o->interval_ns) {
		o->last_draw = now;
		progress_text(line, sizeof(line), p);
		fprintf(stderr, "%s\n", line);
		return;
	}
	if (!o->tty || (!force && now - o->last_draw < 100000000))
		return;
	o->last_draw = now;
	progress_text(line, sizeof(line), p);
	fprintf(stderr, "\r\033[K%s", line);
	o->drawn = true;
}

static void
note_skipped(struct explore_cli *o, uint64_t pairs, uint64_t sites)
{
	clear_line(o);
	fprintf(stderr, "badio: explore: --per-callsite %u left out %" PRIu64
	    " site%s (%" PRIu64 " experiment%s); 'badio report' lists them "
	    "as not explored\n", o->bx.per_callsite, sites,
	    sites == 1 ? "" : "s", pairs, pairs == 1 ? "" : "s");
}

/* Append text to the malloc'd *line; false without memory. */
static bool
append(char **line, size_t *len, const char *text)
{
	size_t n = strlen(text);
	char *grown = realloc(*line, *len + n + 1);

	if (!grown)
		return false;
	memcpy(grown + *len, text, n + 1);
	*len += n;
	*line = grown;
	return true;
}

/* Append " WORD", shell-quoted. */
static bool
append_word(char **line, size_t *len, const char *word)
{
	char *q = cli_shell_quote(word);
	bool ok = q && append(line, len, " ") && append(line, len, q);

	free(q);
	return ok;
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/*
 * A database is a program: before the fault-free run, say on one line
 * what every run will execute, as a shell command that runs the same
 * (env -i with the stored environment; PWD is each run's directory).
 * Words are shell-quoted, control bytes escaped (tools/text.h).
 */
static void
print_command(const struct bx_progress *p)
{
	char *line = strdup("env -i");
	size_t len = line ? strlen(line) : 0;
	bool ok = line != NULL;

	for (char *const *e = p->envp; ok && e && *e; e++)
		if (strncmp(*e, "PWD=", 4) != 0)
			ok = append_word(&line, &len, *e);
	ok = ok && append_word(&line, &len, p->exe);
	for (size_t i = 1; ok && p->argv && p->argv[0] && p->argv[i]; i++)
		ok = append_word(&line, &len, p->argv[i]);
	if (ok && p->argv && p->argv[0] &&
	    strcmp(base_name(p->argv[0]), base_name(p->exe)) != 0)
		ok = append(&line, &len, " (as argv[0]") &&
		    append_word(&line, &len, p->argv[0]) &&
		    append(&line, &len, ")");
	if (ok)
		fprintf(stderr, "badio: explore: every run executes: %s\n", line);
	free(line);
}

static void
on_progress(void *ctx, const struct bx_progress *p)
{
	struct explore_cli *o = ctx;
	char diff[4 * 4096 + 1];

	switch (p->event) {
	case BX_EV_COMMAND:
		if (!o->quiet)
			print_command(p);
		if (p->bundle_why && !o->quiet)
			fprintf(stderr, "badio: explore: PROG runs from the "
			    "recording's bundle (%s)\n",
			    cli_escape_buf(diff, sizeof(diff), p->bundle_why));
		for (char *const *n = p->needed; n && *n; n++)
			warn("explore: PROG needs %s, which is absent here "
			    "(a bundle keeps PROG and its libraries, not the "
			    "programs it runs): install it", cli_escape_buf(diff,
			    sizeof(diff), *n));
		break;
	case BX_EV_BASELINE:
		if (p->rec_status && strcmp(p->status, p->rec_status) != 0)
			warn("explore: the fault-free run ended with '%s', the "
			    "recording with '%s'", p->status, p->rec_status);
		if (p->missing || p->extra)
			warn("explore: the fault-free run differs from the "
			    "recording (%" PRIu64 " site%s missing, %" PRIu64
			    " extra; %s): the program may be nondeterministic, "
			    "and some faults may be 'unreached'", p->missing,
			    p->missing == 1 ? "" : "s", p->extra,
			    cli_escape_buf(diff, sizeof(diff),
			    p->first_diff ? p->first_diff : ""));
		else if (p->calls_differ)
			warn("explore: the fault-free run made other calls than "
			    "the recording (%s): the program may be "
			    "nondeterministic, and experiments may be marked "
			    "diverged", cli_escape_buf(diff, sizeof(diff),
			    p->calls_differ));
		if (p->rec_pidns)
			cli_warn_namespaces("explore: the fault-free run", p->pidns,
			    p->urandom, p->ns_errno);
		break;
	case BX_EV_PLANNED:
		if (p->skipped && !o->quiet)
			note_skipped(o, p->skipped, p->skipped_sites);
		draw(o, p, true);
		break;
	case BX_EV_RESULT:
		draw(o, p, p->done == p->total);
		break;
	case BX_EV_LEFT:
		clear_line(o);
		if (p->mount)
			warn("explore: kept '%s': a mount is left on '%s' "
			    "(umount it, then remove the directory)", p->dir,
			    p->mount);
		else
			warn("explore: cannot remove '%s': %s", p->dir,
			    strerror(-p->err));
		break;
	}
}

/* --- the end --- */

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
	bx_interrupt();
}

static void
print_tail(const char *who, const char *tail)
{
	const char *p = tail;
	int lines = 0;

	if (!*tail)
		return;
	/* the last 10 lines at most */
	for (p = tail + strlen(tail); p > tail; p--)
		if (p[-1] == '\n' && p[0] && ++lines > 10)
			break;
	fprintf(stderr, "badio: %s said:\n", who);
	while (*p) {
		size_t n = strcspn(p, "\n");
		char line[BX_TAIL_MAX + 1];
		char shown[4 * BX_TAIL_MAX + 1];

		/* the program's bytes, not terminal escapes: tools/text.h */
		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		fprintf(stderr, "    %s\n", cli_escape_buf(shown, sizeof(shown),
		    line));
		p += n + (p[n] == '\n');
	}
}

/*
 * As record does: files outside the run directory are not reset between
 * runs, so every run found them as the runs before it left them.
 */
static void
warn_outside(const struct bx_explore_result *r)
{
	/* each name at most 200 bytes, quoted, with its ", " */
	char names[BX_OUTSIDE_NAMED * 206 + 40];
	size_t len = 0;
	uint64_t i;

	if (!r->outside_sites)
		return;
	names[0] = '\0';
	for (i = 0; i < r->outside_files && i < BX_OUTSIDE_NAMED; i++)
		len += (size_t)snprintf(names + len, sizeof(names) - len,
		    "%s'%.200s'", i ? ", " : "", r->outside[i]);
	if (r->outside_files > BX_OUTSIDE_NAMED)
		snprintf(names + len, sizeof(names) - len, " and %" PRIu64
		    " more", r->outside_files - BX_OUTSIDE_NAMED);
	warn("explore: %" PRIu64 " recorded site%s on %" PRIu64 " file%s "
	    "outside the run directory (%s): runs share them, each finding "
	    "what the runs before it left there, so verdicts may depend on "
	    "order; prefer paths inside the run directory", r->outside_sites,
	    r->outside_sites == 1 ? "" : "s", r->outside_files,
	    r->outside_files == 1 ? "" : "s", names);
}

static int
explain_failure(struct explore_cli *o, struct store *s,
    const struct bx_explore_result *r, int rc)
{
	const char *why = strerror(-rc);

	switch (r->fail) {
	case BX_FAIL_INTERRUPTED:
		fprintf(stderr, "badio: explore: interrupted; %" PRIu64
		    " experiment%s committed this run, %" PRIu64 "/%" PRIu64
		    " in '%s' (run explore again to go on)\n", r->ran,
		    r->ran == 1 ? "" : "s", r->done, r->total, o->db);
		return EXIT_INTERRUPTED;
	case BX_FAIL_STORE:
		if (rc == -ENOSPC) {
			error("explore: cannot store an experiment in '%s': its "
			    "file system is full (%s): free some space and run "
			    "explore again, it goes on where it stopped", o->db,
			    s ? store_errmsg(s) : why);
			return 1;
		}
		error("explore: database '%s': %s", o->db,
		    s ? store_errmsg(s) : why);
		return EXIT_RUNTIME;
	case BX_FAIL_RECORDING:
		die_usage("explore: database '%s' holds no recording (run "
		    "'badio record' first)", o->db);
	case BX_FAIL_ORACLE_MISSING:
		die_usage("explore: oracle '%s' not found", o->bx.oracle);
	case BX_FAIL_ORACLE_BARE:
		die_usage("explore: the oracle's first word names a file here, "
		    "but a word without a slash is a command (a shell builtin or "
		    "a program in PATH): write './%.*s' to run the file",
		    (int)strcspn(o->bx.oracle + strspn(o->bx.oracle, " \t"),
		    " \t\n"), o->bx.oracle + strspn(o->bx.oracle, " \t"));
	case BX_FAIL_PROG:
		switch (r->stage) {
		case REC_STAGE_PTRACE:
			die_usage("explore: cannot trace the program: ptrace "
			    "refused (%s): badio may itself be traced, Yama's "
			    "ptrace_scope may forbid it, or a container may "
			    "lack CAP_SYS_PTRACE", why);
		case REC_STAGE_SECCOMP:
			die_usage("explore: cannot load the seccomp filter: %s",
			    why);
		case REC_STAGE_EXEC:
			die_usage("explore: cannot execute the recorded program: "
			    "%s (was it moved since 'badio record'?)", why);
		case REC_STAGE_CGROUP:
			die_usage("explore: cannot start the program in its "
			    "cgroup: %s (set BADIO_NO_CGROUP=1 to run without "
			    "one)", why);
		default:
			die_usage("explore: cannot run the program: %s", why);
		}
	case BX_FAIL_SCRATCH:
		error("explore: cannot prepare a run directory: %s",
		    *r->detail ? r->detail : why);
		return EXIT_RUNTIME;
	case BX_FAIL_SNAPSHOT:
		die_usage("explore: the --init snapshot in '%s' is refused: %s "
		    "(a damaged or crafted database; record it again)", o->db,
		    *r->detail ? r->detail : why);
	case BX_FAIL_BUNDLE:
		die_usage("explore: cannot run PROG from the bundle in '%s': %s "
		    "(record it again with --bundle, or --bundle never)", o->db,
		    *r->detail ? r->detail : why);
	case BX_FAIL_KEEP:
		die_usage("explore: cannot create --keep directory '%s': %s",
		    o->bx.keep_dir, why);
	case BX_FAIL_BASELINE_HANG:
		print_tail("the program", r->prog_tail);
		die_usage("explore: the program did not finish the fault-free "
		    "run within --timeout %ds", o->bx.timeout_ms / 1000);
	case BX_FAIL_BASELINE:
		warn_outside(r);	/* maybe why: no summary follows */
		print_tail("the oracle", r->oracle_tail);
		switch (r->oracle.state) {
		case BX_ORACLE_EXITED:
			die_usage("explore: the oracle fails the fault-free run "
			    "(exit %d%s; the program ended with '%s'): fix the "
			    "oracle or the set-up first, every verdict would be "
			    "noise", r->oracle.code, r->oracle.code == 127 ?
			    ", command not found" : r->oracle.code == 126 ?
			    ", not executable" : "", r->status);
		case BX_ORACLE_TIMEOUT:
			die_usage("explore: the oracle did not finish the "
			    "fault-free run within --oracle-timeout %ds",
			    o->bx.oracle_timeout_ms / 1000);
		case BX_ORACLE_SIGNALED:
			die_usage("explore: the oracle was killed by signal %s "
			    "in the fault-free run",
			    cli_signal_name(r->oracle.code));
		default:
			die_usage("explore: cannot run the oracle: %s",
			    strerror(r->oracle.code));
		}
	case BX_FAIL_WORKER:
		error("explore: a worker process failed: %s", why);
		return EXIT_RUNTIME;
	case BX_FAIL_ORACLE_CHANGED:
		if (r->oracle_file_changed)
			die_usage("explore: the oracle '%s' changed since it "
			    "judged the experiments in '%s' (its file has other "
			    "content): add --redo to judge them all again, or "
			    "--reuse-verdicts to keep their verdicts and judge "
			    "only the experiments not run yet", ESC(o->bx.oracle),
			    o->db);
		die_usage("explore: the experiments in '%s' were judged by oracle "
		    "'%s', not '%s': add --redo to judge them all again with "
		    "'%s', or --reuse-verdicts to keep their verdicts and judge "
		    "only the experiments not run yet", o->db,
		    ESC(r->old_oracle), ESC(o->bx.oracle), ESC(o->bx.oracle));
	case BX_FAIL_ORACLE_FILE:
		die_usage("explore: cannot read the oracle's file (the first "
		    "word of '%s'): %s", ESC(o->bx.oracle), why);
	case BX_FAIL_NO_SITES:
		warn("explore: --sites '%s' matches none of the %" PRIu64
		    " recorded site%s: nothing explored (see 'badio sites -d %s')",
		    ESC(o->bx.sites_text), r->recorded_sites,
		    r->recorded_sites == 1 ? "" : "s", o->db);
		return EXIT_USAGE;
	case BX_FAIL_CALLSITE:
		die_usage("explore: no recorded site has call site %" PRId64
		    " (%#" PRIx64 "; see 'badio sites --stacks')",
		    o->bx.callsite, (uint64_t)o->bx.callsite);
	default:
		error("explore: %s", why);
		return EXIT_RUNTIME;
	}
}

/* "ok 3, corruption 1": the verdicts with experiments; false if none. */
static bool
print_counts(const uint64_t n[BX_V_COUNT])
{
	bool first = true;

	for (int v = 0; v < BX_V_COUNT; v++) {
		if (!n[v])
			continue;
		fprintf(stderr, "%s%s %" PRIu64, first ? "" : ", ",
		    bx_verdict_name(v), n[v]);
		first = false;
	}
	return !first;
}

struct db_counts {
	uint64_t	n[BX_V_COUNT];
	uint64_t	oracles;	/* distinct oracles of the experiments */
};

static int
db_count(void *ctx, const char *verdict, int64_t n)
{
	struct db_counts *c = ctx;
	int v = bx_verdict_parse(verdict);

	if (v >= 0 && n > 0)
		c->n[v] = (uint64_t)n;
	return 0;
}

static int
db_oracle(void *ctx, const struct store_oracle *o)
{
	struct db_counts *c = ctx;

	c->oracles += o->id != 0;
	return 0;
}

/*
 * The database's totals, on a line of their own, when they are not the
 * selection's (other --sites, faults or shards explored before), or when
 * its verdicts come from more than one oracle.
 */
static void
summary_database(struct explore_cli *o, struct store *s,
    const struct bx_explore_result *r)
{
	struct db_counts c = { 0 };
	uint64_t total = 0;
	bool same = true;

	if (store_verdict_counts(s, db_count, &c) < 0 ||
	    store_oracles_each(s, db_oracle, &c) < 0)
		return;
	for (int v = 0; v < BX_V_COUNT; v++) {
		total += c.n[v];
		same = same && c.n[v] == r->verdicts[v];
	}
	if (same && c.oracles < 2)
		return;
	fprintf(stderr, "badio: the database '%s' holds %" PRIu64
	    " experiment%s: ", o->db, total, total == 1 ? "" : "s");
	if (!print_counts(c.n))
		fputs("none", stderr);
	if (c.oracles > 1)
		fprintf(stderr, "; judged by %" PRIu64 " oracles", c.oracles);
	fputc('\n', stderr);
}

/*
 * The summary: the counts of what this explore selected (the pairs of
 * its options, run now or before), then the database's totals if they
 * differ.  First, whatever -q says, how many experiments tell nothing
 * (unreached, not judged, diverged): a run that tested nothing must not
 * pass for a clean one.
 */

/* The sweep's line: its runs, and the states judged once. */
static void
summary_sweep(const struct bx_explore_result *r)
{
	fprintf(stderr, "badio: power: %" PRIu64 " experiment%s from one "
	    "sweep run (%" PRIu64 " crash points), %" PRIu64 " crash "
	    "point%s re-run", r->swept, r->swept == 1 ? "" : "s",
	    r->sweep_points, r->sweep_left, r->sweep_left == 1 ? "" : "s");
	if (r->same_states)
		fprintf(stderr, "; the oracle judged %" PRIu64 " state%s, %"
		    PRIu64 " the same as one judged before (--judge-once)",
		    r->swept - r->same_states, r->swept - r->same_states == 1 ?
		    "" : "s", r->same_states);
	fputc('\n', stderr);
}

static void
summary(struct explore_cli *o, struct store *s,
    const struct bx_explore_result *r, double secs)
{
	struct store_inconclusive c;
	const char *sep = "; ";
	char line[256];

	if (store_inconclusive_get(s, &c) == 0 &&
	    cli_inconclusive_line(line, sizeof(line), &c)) {
		clear_line(o);
		warn("explore: %s; see 'badio report -d %s'", line, o->db);
	}
	if (o->quiet)
		return;
	fprintf(stderr, "badio: explored %" PRIu64 " experiment%s (%" PRIu64
	    " run now, in %.1fs): ", r->total, r->total == 1 ? "" : "s",
	    r->ran, secs);
	if (o->bx.nshards)
		fprintf(stderr, "shard %s (%" PRIu64 " left to the other shards): ",
		    o->shard_name, r->other_shards);
	if (!print_counts(r->verdicts))
		sep = "";
	if (r->diverged) {
		fprintf(stderr, "%s%" PRIu64 " diverged", sep, r->diverged);
		sep = "; ";
	}
	if (r->reordered) {
		fprintf(stderr, "%s%" PRIu64 " reordered (threads interleaved "
		    "otherwise; informational)", sep, r->reordered);
		sep = "; ";
	}
	if (r->skipped) {
		fprintf(stderr, "%s%" PRIu64 " site%s (%" PRIu64 " experiment%s) "
		    "left out by --per-callsite", sep, r->skipped_sites,
		    r->skipped_sites == 1 ? "" : "s", r->skipped,
		    r->skipped == 1 ? "" : "s");
		sep = "; ";
	}
	fprintf(stderr, "%s; see 'badio report -d %s'\n",
	    !*sep ? "nothing to report" : "", o->db);
	if (r->sweep_runs)
		summary_sweep(r);
	if (r->ckpt_runs)
		fprintf(stderr, "badio: checkpoint: %" PRIu64 " experiment%s "
		    "forked from one run, %" PRIu64 " left to re-runs%s%s%s\n",
		    r->ckpt_forked, r->ckpt_forked == 1 ? "" : "s", r->ckpt_left,
		    r->ckpt_why[0] ? " (" : "", r->ckpt_why,
		    r->ckpt_why[0] ? ")" : "");
	summary_database(o, s, r);
	if (r->planned)
		warn_outside(r);
}

int
cmd_explore(int argc, char **argv)
{
	struct explore_cli o;
	/* static: die() may exit from anywhere, and it is large */
	static struct bx_explore_result result;
	struct bx_explore_result *r = &result;
	struct store *s = NULL;
	int64_t t0 = mono_ns();
	int64_t n;
	int rc;

	parse_options(argc, argv, &o);
	o.bx.progress = on_progress;
	o.bx.ctx = &o;
	if (o.bx.nshards) {
		o.db = shard_database(&o);
		s = cli_open_db(o.db, STORE_WRITE);
		shard_claim(&o, s, o.db);
	} else {
		s = cli_open_db(o.db, STORE_WRITE);
	}
	cli_on_interrupt(on_signal);
	rc = bx_explore(s, &o.bx, r);
	clear_line(&o);
	if (rc < 0) {
		rc = explain_failure(&o, s, r, rc);
		goto out_close;
	}
	summary(&o, s, r, (double)(mono_ns() - t0) / 1e9);
	rc = 0;
	if (o.fail_on) {
		if (cli_fail_on_count(s, o.fail_on, &n) < 0) {
			error("explore: database '%s': %s", o.db,
			    store_errmsg(s));
			rc = EXIT_RUNTIME;
			goto out_close;
		}
		rc = n > 0 ? EXIT_BUGS : 0;
	}
out_close:
	store_close(s);
	bx_filter_release(&o.filter);
	free(o.shard_db_own);
	return rc;
}
