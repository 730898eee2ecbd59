/*
 * cmd_record.c - `badio record`: run PROG under the tracer in a scratch
 * directory and store every site.
 *
 * The database is built under a temporary name beside DB and renamed
 * over it only when complete, so an existing DB is never left half
 * overwritten and a killed badio leaves no half-made DB under the
 * user's name.  Sites are inserted in large transactions.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "explorer/explorer.h"
#include "recorder/recorder.h"
#include "store/store.h"
#include "tools/cli.h"
#include "tools/cmd.h"
#include "tools/site_writer.h"
#include "tools/stdin_capture.h"
#include "tools/text.h"

const char record_usage[] =
	"usage: badio record [-o DB] [--init DIR] [--force] [--keep]\n"
	"                    [--stacks] [--timeout SEC] [--seed N]\n"
	"                    [--no-determinism] [--real-time] [--keep-env NAME]...\n"
	"                    [--full-env] [--allow-io-uring] [--close] [--bundle]\n"
	"                    [-q] [--] PROG [ARGS...]\n"
	"\n"
	"Run PROG in a fresh scratch directory (a copy of DIR, or empty) under\n"
	"the tracer and record every write, sync and namespace call it makes\n"
	"(a site) into DB.  stdin, stdout and stderr are passed through and\n"
	"badio exits with PROG's status (128+N if PROG was killed by signal N).\n"
	"\n"
	"  -o, --output DB      database to create (default: badio.db)\n"
	"  -i, --init DIR       start from a copy of DIR (stored in DB)\n"
	"  -f, --force          replace DB if it exists\n"
	"  -k, --keep           keep the scratch directory and print its path\n"
	"  -s, --stacks         unwind the full stack of each distinct call site\n"
	"                       (libdw); show them with 'badio sites --stacks'\n"
	"  -t, --timeout SEC    stop PROG and all it started after SEC seconds\n"
	"                       (status timeout, exit 124); default: wait for\n"
	"                       every process PROG started, as strace does\n"
	"      --seed N         answer getrandom, AT_RANDOM and /dev/urandom from\n"
	"                       seed N (default: a random one, kept in DB)\n"
	"      --no-determinism run with ASLR, randomness, pids, the clock and the\n"
	"                       CPUs as they are, and no PYTHONHASHSEED=0\n"
	"      --real-time      the real time of day (default: a clock that starts\n"
	"                       at the recording's start, 1 ms a call, in every run)\n"
	"      --keep-env NAME  also keep the variable NAME (a glob: 'GIT_*');\n"
	"                       PROG runs with, and DB stores, only PATH, HOME,\n"
	"                       the locale and a few more (docs/manual.md)\n"
	"      --full-env       keep the whole environment (secrets included)\n"
	"      --allow-io-uring let PROG use io_uring (its I/O is invisible)\n"
	"      --close          close of a written file is a site too (family\n"
	"                       close: NFS and FUSE report write errors there);\n"
	"                       badio then stops at every close\n"
	"      --bundle         keep PROG, its ELF interpreter and its shared\n"
	"                       libraries in DB, so that explore can run it on\n"
	"                       a machine without them (docs/scale.md)\n"
	"  -q, --quiet          no summary line\n"
	"  -h, --help           show this help\n";

enum {
	OPT_NO_DETERMINISM = 0x100,
	OPT_ALLOW_IO_URING,
	OPT_CLOSE,
	OPT_SEED,
	OPT_KEEP_ENV,
	OPT_FULL_ENV,
	OPT_BUNDLE,
	OPT_REAL_TIME,
};

const struct option record_options[] = {
	{ "output",		required_argument, NULL, 'o' },
	{ "init",		required_argument, NULL, 'i' },
	{ "force",		no_argument,	   NULL, 'f' },
	{ "keep",		no_argument,	   NULL, 'k' },
	{ "quiet",		no_argument,	   NULL, 'q' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "no-determinism",	no_argument,	   NULL, OPT_NO_DETERMINISM },
	{ "allow-io-uring",	no_argument,	   NULL, OPT_ALLOW_IO_URING },
	{ "close",		no_argument,	   NULL, OPT_CLOSE },
	{ "stacks",		no_argument,	   NULL, 's' },
	{ "timeout",		required_argument, NULL, 't' },
	{ "seed",		required_argument, NULL, OPT_SEED },
	{ "keep-env",		required_argument, NULL, OPT_KEEP_ENV },
	{ "full-env",		no_argument,	   NULL, OPT_FULL_ENV },
	{ "bundle",		no_argument,	   NULL, OPT_BUNDLE },
	{ "real-time",		no_argument,	   NULL, OPT_REAL_TIME },
	{ NULL, 0, NULL, 0 },
};
const char record_shortopts[] = "+o:i:fkqst:h";

#define KEEP_ENV_MAX	64

struct record_opts {
	const char	*db;
	const char	*init;
	bool		force;
	bool		keep;
	bool		deterministic;
	bool		allow_io_uring;
	bool		trace_close;
	bool		stacks;
	bool		quiet;
	int		timeout_ms;	/* 0: none */
	bool		has_seed;	/* --seed given */
	uint64_t	seed;
	char		**argv;		/* PROG ARGS... */
	const char	*keep_env[KEEP_ENV_MAX];	/* --keep-env */
	size_t		nkeep_env;
	bool		full_env;
	bool		bundle;		/* --bundle */
	bool		real_time;	/* --real-time */
};

/* State of one recording while PROG runs. */
struct recording {
	struct store	*store;
	int64_t		id;
	struct site_writer *writer;	/* inserts sites from its own thread */
	int		error;		/* first store error */
	char		**files;	/* distinct regular-file paths (hash set) */
	uint64_t	outside;	/* sites on regular files outside the run dir */
	char		*outside_path;	/* the first of them */
	size_t		nfiles;
	size_t		files_cap;
};

/* A decimal (or 0x hexadecimal) unsigned 64-bit number. */
static bool
parse_seed(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* The seed of this recording: --seed, else from the kernel. */
static uint64_t
new_seed(const struct record_opts *o)
{
	uint64_t seed;

	if (o->has_seed)
		return o->seed;
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		die("record: getrandom: %s", strerror(errno));
	return seed;
}

static void
parse_options(int argc, char **argv, struct record_opts *o)
{
	long secs;
	int opt;

	*o = (struct record_opts){ .db = "badio.db", .deterministic = true };
	opterr = 0;
	while ((opt = getopt_long(argc, argv, record_shortopts,
	    record_options, NULL)) != -1) {
		switch (opt) {
		case 'o': o->db = optarg; break;
		case 'i': o->init = optarg; break;
		case 'f': o->force = true; break;
		case 'k': o->keep = true; break;
		case 'q': o->quiet = true; break;
		case 's': o->stacks = true; break;
		case 't':
			if (!cli_parse_int(optarg, 1, 86400 * 365, &secs))
				die_usage("record: --timeout wants whole seconds, "
				    "not '%s'", optarg);
			o->timeout_ms = (int)(secs > INT_MAX / 1000 ?
			    INT_MAX : secs * 1000);
			break;
		case 'h': exit(cmd_print_help("record"));
		case OPT_NO_DETERMINISM: o->deterministic = false; break;
		case OPT_ALLOW_IO_URING: o->allow_io_uring = true; break;
		case OPT_CLOSE: o->trace_close = true; break;
		case OPT_BUNDLE: o->bundle = true; break;
		case OPT_REAL_TIME: o->real_time = true; break;
		case OPT_SEED:
			if (!parse_seed(optarg, &o->seed))
				die_usage("record: --seed wants a number from 0 to "
				    "2^64-1, not '%s'", optarg);
			o->has_seed = true;
			break;
		case OPT_KEEP_ENV:
			if (!bx_env_pattern_valid(optarg))
				die_usage("record: --keep-env wants a variable "
				    "name or a glob such as 'GIT_*', not '%s'",
				    optarg);
			if (o->nkeep_env == KEEP_ENV_MAX)
				die_usage("record: more than %d --keep-env "
				    "(use globs, or --full-env)", KEEP_ENV_MAX);
			o->keep_env[o->nkeep_env++] = optarg;
			break;
		case OPT_FULL_ENV: o->full_env = true; break;
		default:
			die_usage("record: unknown option or missing argument '%s' "
			    "(see 'badio help record')", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		die_usage("record: no program given (usage: badio record [options] "
		    "[--] PROG [ARGS...])");
	if (o->has_seed && !o->deterministic)
		die_usage("record: --seed and --no-determinism exclude each other");
	o->argv = argv + optind;
}

/* --- the set of distinct regular files, for the summary --- */

static unsigned
str_hash(const char *s)
{
	unsigned h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static int
files_add(struct recording *r, const char *path)
{
	size_t i;

	if (r->nfiles * 2 >= r->files_cap) {
		size_t cap = r->files_cap ? r->files_cap * 2 : 64;
		char **n = calloc(cap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		for (size_t k = 0; k < r->files_cap; k++) {
			if (!r->files[k])
				continue;
			for (i = str_hash(r->files[k]) % cap; n[i]; i = (i + 1) % cap)
				;
			n[i] = r->files[k];
		}
		free(r->files);
		r->files = n;
		r->files_cap = cap;
	}
	for (i = str_hash(path) % r->files_cap; r->files[i];
	    i = (i + 1) % r->files_cap)
		if (strcmp(r->files[i], path) == 0)
			return 0;
	r->files[i] = strdup(path);
	if (!r->files[i])
		return -ENOMEM;
	r->nfiles++;
	return 0;
}

static void
files_free(struct recording *r)
{
	free(r->outside_path);
	for (size_t i = 0; i < r->files_cap; i++)
		free(r->files[i]);
	free(r->files);
}

/* --- sites into the store --- */

static int
on_site(void *ctx, const struct rec_site *s)
{
	struct recording *r = ctx;
	int rc;

	rc = site_writer_push(r->writer, s);
	if (rc == 0 && s->kind == REC_KIND_REGULAR && s->path[0] != '<')
		rc = files_add(r, s->path);
	if (s->kind == REC_KIND_REGULAR && s->path[0] == '/' && !r->outside++)
		r->outside_path = strdup(s->path);
	if (rc < 0 && !r->error)
		r->error = rc;
	return rc;
}

/* --- set-up --- */

static void
on_signal(int sig)
{
	(void)sig;
	rec_interrupt();
}

static void
check_init(const char *init)
{
	struct stat st;

	if (!init)
		return;
	if (stat(init, &st) < 0)
		die_usage("record: --init directory '%s': %s", init,
		    strerror(errno));
	if (!S_ISDIR(st.st_mode))
		die_usage("record: --init '%s' is not a directory", init);
}

/*
 * The environment PROG runs with and DB keeps (explorer/env.c): the
 * allow-list and --keep-env, or --full-env; then the determinism
 * settings.  A --keep-env that matches nothing is likely a typo.
 */
static char **
program_env(const struct record_opts *o, size_t *dropped)
{
	char **kept, **env;

	for (size_t i = 0; i < o->nkeep_env; i++)
		if (!bx_env_matches(environ, o->keep_env[i]) && !o->quiet)
			warn("record: --keep-env '%s' matches no variable of "
			    "the environment", o->keep_env[i]);
	kept = bx_env_select(environ, o->keep_env, o->nkeep_env, o->full_env,
	    dropped);
	if (!kept)
		return NULL;
	env = bx_environment(kept, o->deterministic);
	bx_strv_free(kept);
	return env;
}

static char *
resolve_prog(const char *prog)
{
	char *path;
	int rc = bx_resolve_prog(prog, &path);

	if (rc == -ENOENT)
		die_code(127, "record: cannot run '%s': no such program%s", prog,
		    strchr(prog, '/') ? "" : " in PATH");
	if (rc < 0)
		die_code(126, "record: cannot run '%s': %s", prog, strerror(-rc));
	return path;
}

static char *
temp_db_name(const char *db)
{
	char *tmp;

	if (asprintf(&tmp, "%s.tmp-%d", db, (int)getpid()) < 0)
		die("out of memory");
	return tmp;
}

/*
 * DB.tmp-PID (and its -wal, -shm) of a record that was killed before it
 * could rename it: removed when PID is gone and the file is ours.  A
 * live PID keeps its file, whoever it is now.
 */
static void
sweep_stale_tmp(const char *db)
{
	char dirbuf[PATH_MAX], prefix[NAME_MAX + 8];
	const char *slash = strrchr(db, '/');
	const char *base = slash ? slash + 1 : db;
	struct dirent *e;
	DIR *d;
	int dfd;

	if (slash) {
		if ((size_t)(slash - db) + 2 > sizeof(dirbuf))
			return;
		memcpy(dirbuf, db, (size_t)(slash - db) + 1);
		dirbuf[slash - db + 1] = '\0';
	} else {
		snprintf(dirbuf, sizeof(dirbuf), ".");
	}
	if (snprintf(prefix, sizeof(prefix), "%s.tmp-", base) >=
	    (int)sizeof(prefix))
		return;
	d = opendir(dirbuf);
	if (!d)
		return;
	dfd = dirfd(d);
	while ((e = readdir(d))) {
		size_t n = strlen(prefix);
		struct stat st;
		char *end;
		long pid;

		if (strncmp(e->d_name, prefix, n) != 0)
			continue;
		errno = 0;
		pid = strtol(e->d_name + n, &end, 10);
		if (errno || pid <= 0 || end == e->d_name + n ||
		    (*end && strcmp(end, "-wal") && strcmp(end, "-shm")))
			continue;
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || st.st_uid != geteuid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		unlinkat(dfd, e->d_name, 0);
	}
	closedir(d);
}

static struct store *
create_db(const char *db, const char *tmp, bool force)
{
	struct store *s = NULL;
	int rc;

	if (!force && access(db, F_OK) == 0)
		die_usage("record: database '%s' exists (use --force to replace "
		    "it, or -o to choose another)", db);
	/* refuse now rather than after the run: see store_install() */
	if (store_check_unlocked(db) < 0)
		die_usage("record: %s", store_errmsg(NULL));
	sweep_stale_tmp(db);
	unlink(tmp);
	rc = store_open(&s, tmp, STORE_CREATE);
	if (rc == -ENOSPC)
		die_usage("record: cannot create database '%s': the file "
		    "system is full (%s): free some space there, or record "
		    "elsewhere with -o", db, store_errmsg(NULL));
	if (rc < 0)
		die_usage("record: cannot create database '%s': %s", db,
		    store_errmsg(NULL));
	return s;
}

static void
remove_db(const char *tmp)
{
	char side[PATH_MAX];

	unlink(tmp);
	snprintf(side, sizeof(side), "%s-wal", tmp);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", tmp);
	unlink(side);
}

/*
 * The --init snapshot into a temporary file (-1 without --init), before
 * the database exists: an --init directory that cannot be copied leaves
 * nothing behind.
 */
static int
pack_init(const char *init, int64_t *tar_size)
{
	char err[512];
	int fd, rc;

	*tar_size = 0;
	if (!init)
		return -1;
	fd = bx_tmpfile();
	if (fd < 0)
		die("record: cannot make a temporary file in $TMPDIR: %s",
		    strerror(-fd));
	rc = bx_snapshot_pack(init, fd, tar_size, err, sizeof(err));
	if (rc < 0)
		die_usage("record: cannot copy --init directory '%s': %s", init,
		    err);
	return fd;
}

/*
 * A fresh scratch directory filled from the snapshot: the same bytes
 * that go into the database, so record starts PROG as explore will.
 * On failure the temporary database tmp goes too.
 */
static char *
make_run_dir(int snap, const char *tmp)
{
	char err[512], *dir;
	int rc;

	rc = bx_scratch_make("record", &dir);
	if (rc < 0) {
		remove_db(tmp);
		die("record: cannot make a scratch directory: %s", strerror(-rc));
	}
	if (snap >= 0 && (rc = bx_snapshot_unpack(snap, dir, err,
	    sizeof(err))) < 0) {
		remove_db(tmp);
		bx_tree_remove(dir, NULL);
		die("record: cannot fill scratch directory '%s': %s", dir, err);
	}
	return dir;
}

/* Remove the run directory; a mount PROG left there keeps it, with a word. */
static void
remove_run_dir(const char *dir)
{
	struct bx_tree_report rep;
	int rc = bx_tree_remove(dir, &rep);

	if (rc == -EBUSY && rep.mounts)
		warn("record: kept the run directory '%s': the program left a "
		    "mount on '%s' (umount it, then remove the directory)", dir,
		    rep.mount);
	else if (rc < 0)
		warn("record: cannot remove the run directory '%s': %s", dir,
		    strerror(-rc));
}

/*
 * --keep: a name the sweep of a later badio leaves alone (the scratch
 * name says whose it is, and this process is about to be gone).
 */
static void
keep_run_dir(char **dir)
{
	int rc = bx_scratch_keep(dir);

	if (rc < 0)
		warn("record: cannot rename the kept run directory '%s' (a later "
		    "badio may remove it): %s", *dir, strerror(-rc));
	fprintf(stderr, "badio: kept the run directory '%s'\n", *dir);
}

/* What badio processes killed earlier left behind (kill -9, crashes). */
static void
swept_left(void *ctx, const char *dir, const struct bx_tree_report *rep,
    int err)
{
	(void)ctx;
	if (err == -EBUSY && rep->mounts)
		warn("kept the stale scratch directory '%s': a mount is left on "
		    "'%s' (umount it, then remove the directory)", dir,
		    rep->mount);
	else
		warn("cannot remove the stale scratch directory '%s': %s", dir,
		    strerror(-err));
}

static const char *
kernel_release(void)
{
	static struct utsname u;

	return uname(&u) == 0 ? u.release : "unknown";
}

static int64_t
unix_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* --- after the run --- */

static void
status_text(const struct rec_result *res, char *buf, size_t size, int *code)
{
	switch (res->status) {
	case REC_EXITED:
		snprintf(buf, size, "exit:%d", res->code);
		*code = res->code;
		break;
	case REC_SIGNALED:
		snprintf(buf, size, "signal:%s", cli_signal_name(res->code));
		*code = 128 + res->code;
		break;
	case REC_TIMEOUT:
		snprintf(buf, size, "timeout");
		*code = 124;		/* as timeout(1) */
		break;
	default:
		snprintf(buf, size, "interrupted");
		*code = 130;
		break;
	}
}

static void __attribute__((noreturn))
die_tracer(const char *prog, int rc, enum rec_stage stage)
{
	int err = -rc;

	switch (stage) {
	case REC_STAGE_PTRACE:
		die_code(EXIT_USAGE, "record: cannot trace '%s': ptrace "
		    "refused (%s): badio may itself be traced (strace, gdb, "
		    "rr, badio), Yama's kernel.yama.ptrace_scope may forbid "
		    "it, or a container may lack CAP_SYS_PTRACE", prog,
		    strerror(err));
	case REC_STAGE_SECCOMP:
		die_code(EXIT_USAGE, "record: cannot load the seccomp filter: "
		    "%s (the kernel needs CONFIG_SECCOMP_FILTER; a container "
		    "may block seccomp)", strerror(err));
	case REC_STAGE_EXEC:
		die_code(err == ENOENT ? 127 : 126, "record: cannot execute '%s': %s",
		    prog, strerror(err));
	case REC_STAGE_CHDIR:
		die("record: cannot enter the scratch directory: %s", strerror(err));
	case REC_STAGE_CGROUP:
		die("record: cannot start '%s' in its cgroup: %s (set "
		    "BADIO_NO_CGROUP=1 to run without one)", prog, strerror(err));
	default:
		die("record: tracing '%s' failed: %s", prog, strerror(err));
	}
}

/*
 * The summary names the scratch directory PROG ran in; when PROG failed,
 * a second line says that it started empty (or as a copy of --init):
 * "cp: cannot stat 'input.txt'" is otherwise a riddle.
 */
static void
summary(const struct record_opts *o, const struct rec_result *res,
    const struct recording *r, const char *status, const char *dir,
    size_t dropped)
{
	const char *fate = o->keep ? "kept" : "removed; --keep keeps it";

	if (o->quiet)
		return;
	fprintf(stderr, "badio: recorded %llu site%s in %zu file%s; %s %s "
	    "(%.2fs) in '%s' into '%s'\n", (unsigned long long)res->sites,
	    res->sites == 1 ? "" : "s", r->nfiles, r->nfiles == 1 ? "" : "s",
	    o->argv[0], status, (double)res->duration_ns / 1e9, dir, o->db);
	if (res->status == REC_EXITED && res->code != 0 && !o->init)
		fprintf(stderr, "badio: %s exited %d in the scratch directory "
		    "'%s', which started empty (%s): if it needs input files, "
		    "give them with --init DIR\n", o->argv[0], res->code, dir,
		    fate);
	else if (res->status == REC_EXITED && res->code != 0)
		fprintf(stderr, "badio: %s exited %d in the scratch directory "
		    "'%s', which started as a copy of '%s' (%s)\n", o->argv[0],
		    res->code, dir, o->init, fate);
	if (r->outside)
		warn("%llu site%s on files outside the run directory (e.g. '%s'): "
		    "explore's runs share them; prefer relative paths, or "
		    "explore with -j 1", (unsigned long long)r->outside,
		    r->outside == 1 ? "" : "s",
		    r->outside_path ? r->outside_path : "?");
	if (res->lingered)
		warn("'%s' exited %d, but processes it started ran on until "
		    "badio stopped them", o->argv[0], res->root_code);
	if (res->foreign_filter)
		warn("'%s' installed a seccomp filter of its own: calls it "
		    "blocks are invisible to badio, and calls it hands to a "
		    "tracer (SECCOMP_RET_TRACE) failed with ENOSYS, as they do "
		    "untraced", o->argv[0]);
	if (o->deterministic) {
		char who[256];

		snprintf(who, sizeof(who), "'%s'", o->argv[0]);
		cli_warn_namespaces(who, res->pidns, res->urandom,
		    res->ns_errno);
	}
	if (strcmp(status, "exit:0") != 0 && dropped)
		warn("'%s' ran without some of your environment (badio keeps "
		    "PATH, HOME, the locale and a few more): if it needs a "
		    "variable, record with --keep-env NAME", o->argv[0]);
}

/*
 * SQLite says "database or disk is full"; say where, and that the
 * database under the user's name was not touched (the temporary one is
 * removed).
 */
static int
store_failed(const char *db, struct store *s, const char *what, int rc)
{
	const char *why = s ? store_errmsg(s) : strerror(-rc);

	if (rc == -ENOSPC)
		return error("record: cannot %s: the file system of '%s' is "
		    "full (%s): free some space there, or record elsewhere "
		    "with -o; %s", what, db, why, access(db, F_OK) == 0 ?
		    "the database there is unchanged" : "no database was made");
	return error("record: cannot %s in '%s': %s", what, db, why);
}

/* --bundle: PROG's files into the database, in the recording's transaction. */
static int
keep_bundle(struct recording *r, const char *exe, char *const *env,
    struct bx_bundle_info *info)
{
	char err[512];
	int rc = bx_bundle_make(r->store, r->id, exe, env, info, err,
	    sizeof(err));

	if (rc < 0)
		error("record: --bundle: %s (record without --bundle, and "
		    "install PROG where explore runs)", err);
	return rc;
}

static void
bundle_summary(const struct bx_bundle_info *b)
{
	char shown[4096], bytes[32], stored[32];

	cli_human_size(bytes, sizeof(bytes), (int64_t)b->bytes);
	cli_human_size(stored, sizeof(stored), (int64_t)b->archive_bytes);
	fprintf(stderr, "badio: bundle: %u file%s, %s bytes (%s in the "
	    "database)\n", b->files, b->files == 1 ? "" : "s", bytes, stored);
	for (unsigned i = 0; i < b->nshown; i++)
		fprintf(stderr, "badio: bundle: not kept, must be installed where "
		    "explore runs: %s\n", cli_escape_buf(shown, sizeof(shown),
		    b->shown[i]));
	if (b->needed > b->nshown)
		fprintf(stderr, "badio: bundle: and %u more (SELECT path FROM "
		    "bundle_files WHERE role = 'needed')\n",
		    b->needed - b->nshown);
}

int
cmd_record(int argc, char **argv)
{
	struct record_opts o;
	struct recording r = { 0 };
	struct store_recording meta;
	struct rec_result res;
	struct stdin_capture cap = { .prog_fd = -1, .pipe_w = -1 };
	struct rec_opts ro;
	enum rec_stage stage;
	struct bx_cgroup *cg = NULL;
	struct bx_bundle_info bundle;
	char *exe, *dir, *tmp, **env, **run_env, status[64];
	int64_t tar_size;
	int snap;
	uint64_t seed;
	bool clock;
	size_t dropped;
	int rc, err, code;

	parse_options(argc, argv, &o);
	seed = new_seed(&o);
	exe = resolve_prog(o.argv[0]);
	check_init(o.init);
	bx_sweep(swept_left, NULL);
	tmp = temp_db_name(o.db);
	snap = pack_init(o.init, &tar_size);
	r.store = create_db(o.db, tmp, o.force);
	dir = make_run_dir(snap, tmp);
	env = program_env(&o, &dropped);
	run_env = env ? bx_env_with(env, "PWD", dir) : NULL;
	if (!run_env)
		die("out of memory");

	clock = o.deterministic && !o.real_time;
	meta = (struct store_recording){
		.exe = exe, .argv = o.argv, .envp = env, .init_dir = o.init,
		.start_unix_ns = unix_ns(), .status = "running",
		.deterministic = o.deterministic, .version = BADIO_VERSION,
		.kernel = kernel_release(), .trace_close = o.trace_close,
		.has_seed = o.deterministic, .seed = seed,
		.has_clock = clock,
		.callsite_scheme = REC_CALLSITE_SCHEME,
	};
	/* the virtual clock starts where the recording does */
	meta.clock_ns = meta.start_unix_ns;
	rc = store_begin(r.store);
	if (rc == 0)
		rc = store_recording_add(r.store, &meta, &r.id);
	if (rc == 0 && snap >= 0)
		rc = store_recording_init_put(r.store, r.id, "tar", snap,
		    tar_size);
	if (rc < 0) {
		store_failed(o.db, r.store, "store the recording", rc);
		goto out_fail;
	}
	if (snap >= 0)
		close(snap);
	snap = -1;
	/* everything PROG starts is killed with it (docs/design.md) */
	if (bx_cgroup_open(&cg) < 0)
		cg = NULL;

	ro = (struct rec_opts){
		.exe = exe, .argv = o.argv, .envp = run_env, .dir = dir,
		.no_aslr = o.deterministic, .allow_io_uring = o.allow_io_uring,
		.pin = o.deterministic, .cpu = bx_run_cpu(dir, 0),
		.stacks = o.stacks, .timeout_ms = o.timeout_ms,
		.stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
		.cgroup = bx_cgroup_path(cg),
		.trace_close = o.trace_close,
		/* the program's end is a crash point (explore --faults power) */
		.end_site = true,
		.replay = { .random = o.deterministic, .seed = seed,
			    .namespaces = o.deterministic, .clock = clock,
			    .clock_ns = meta.clock_ns },
	};
	if ((rc = stdin_capture_start(&cap)) < 0)
		warn("cannot keep stdin for explore: %s", strerror(-rc));
	ro.stdin_fd = cap.prog_fd;
	rc = site_writer_start(&r.writer, r.store, r.id);
	if (rc < 0) {
		error("record: cannot start the database writer: %s",
		    strerror(-rc));
		goto out_fail;
	}
	cli_on_interrupt(on_signal);
	rc = rec_run(&ro, on_site, &r, &res, &stage);
	/* what got away from the tracer (clone CLONE_UNTRACED, say) */
	bx_cgroup_close(cg);
	cg = NULL;
	stdin_capture_stop(&cap);
	err = site_writer_finish(r.writer);
	if (err < 0 && !r.error)
		r.error = err;
	if (rc < 0 && !r.error) {
		store_rollback(r.store);
		store_close(r.store);
		remove_db(tmp);
		remove_run_dir(dir);
		die_tracer(o.argv[0], rc, stage);
	}
	status_text(&res, status, sizeof(status), &code);
	if (r.error) {
		store_failed(o.db, r.store, "store sites", r.error);
		goto out_fail;
	}
	if (o.bundle && keep_bundle(&r, exe, env, &bundle) < 0)
		goto out_fail;
	rc = store_recording_finish(r.store, r.id, res.duration_ns, status, code,
	    (int64_t)res.sites, (int64_t)r.nfiles);
	if (rc == 0 && o.deterministic)
		rc = store_recording_set_pidns(r.store, r.id, res.pidns);
	if (rc == 0 && cap.kept)
		rc = store_recording_set_stdin(r.store, r.id, cap.data, cap.len);
	else if (cap.too_large)
		warn("stdin is larger than %u MiB: explore will give '%s' "
		    "/dev/null instead", STDIN_CAPTURE_MAX >> 20, o.argv[0]);
	if (rc == 0)
		rc = store_commit(r.store);
	if (rc < 0) {
		store_failed(o.db, r.store, "store the recording", rc);
		goto out_fail;
	}
	store_close(r.store);
	r.store = NULL;
	rc = store_install(tmp, o.db);
	if (rc < 0) {
		error("record: %s", store_errmsg(NULL));
		goto out_fail;
	}
	/* kept under its final name first: the summary names it */
	if (o.keep)
		keep_run_dir(&dir);
	summary(&o, &res, &r, status, dir, dropped);
	if (o.bundle && !o.quiet)
		bundle_summary(&bundle);
	if (!o.keep)
		remove_run_dir(dir);
	goto out_free;

out_fail:
	bx_cgroup_close(cg);
	if (snap >= 0)
		close(snap);
	stdin_capture_stop(&cap);
	if (r.store) {
		store_rollback(r.store);
		store_close(r.store);
	}
	remove_db(tmp);
	if (o.keep)
		keep_run_dir(&dir);
	else
		remove_run_dir(dir);
	code = EXIT_RUNTIME;
out_free:
	stdin_capture_release(&cap);
	files_free(&r);
	bx_strv_free(env);
	bx_strv_free(run_env);
	free(tmp);
	free(dir);
	free(exe);
	return code;
}
