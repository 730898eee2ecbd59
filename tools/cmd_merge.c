/*
 * cmd_merge.c - `badio merge -o ALL.db SHARD.db...`: the experiments of
 * the shards of one explore (explore --shard K/N) in one database, which
 * `badio report` then reads as if one machine had done everything.
 *
 * ALL.db, when it does not exist yet, starts as a copy of the first
 * shard (made under a temporary name and renamed when complete); every
 * shard, the first included, is then merged into it by
 * store_merge_from(), which checks that it is a shard of the same
 * recording and oracle and merges it in one transaction.  Merging is
 * idempotent, so an interrupted merge is finished by running it again.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "tools/cli.h"
#include "tools/cmd.h"

const char merge_usage[] =
	"usage: badio merge -o ALL.db [-q] SHARD.db...\n"
	"\n"
	"Combine the databases of the shards of one explore ('badio explore\n"
	"--shard K/N' on each machine) into ALL.db: every experiment of every\n"
	"shard, once.  Each SHARD must be a copy of the same recording,\n"
	"explored with the same oracle, by a badio of the same schema;\n"
	"anything else is refused and nothing of it is merged.  ALL.db is\n"
	"made from the first shard if it does not exist.  Merging a shard\n"
	"again adds nothing, so an interrupted merge is finished by running\n"
	"it again; 'badio report -d ALL.db' then reports everything, and\n"
	"what no shard has run yet as pending.\n"
	"\n"
	"  -o, --output ALL.db  the merged database (made or added to)\n"
	"  -q, --quiet          no line per shard\n"
	"  -h, --help           show this help\n";

const struct option merge_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "quiet",  no_argument,       NULL, 'q' },
	{ "help",   no_argument,       NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};
const char merge_shortopts[] = "+o:qh";

/* ALL.db as a copy of the first shard, made whole before it has its name. */
static void
create_from(const char *out, const char *first)
{
	struct store *src, *dst;
	char *tmp;
	int rc;

	src = cli_open_db(first, STORE_READ);
	if (asprintf(&tmp, "%s.tmp-%ld", out, (long)getpid()) < 0)
		die("out of memory");
	unlink(tmp);
	rc = store_copy_to(src, tmp);
	if (rc < 0) {
		unlink(tmp);
		die("merge: cannot copy '%s' to '%s': %s", first, tmp,
		    store_errmsg(src));
	}
	store_close(src);
	/* the copy is no shard: it will hold them all */
	rc = store_open(&dst, tmp, STORE_WRITE);
	if (rc == 0)
		rc = store_meta_set(dst, "shard", NULL);
	if (rc < 0) {
		unlink(tmp);
		die("merge: cannot write '%s': %s", tmp, store_errmsg(dst));
	}
	store_close(dst);
	if (link(tmp, out) < 0) {
		int e = errno;

		unlink(tmp);
		if (e == EEXIST)
			die("merge: '%s' appeared while merging", out);
		die("merge: cannot create '%s': %s", out, strerror(e));
	}
	unlink(tmp);
	free(tmp);
}

int
cmd_merge(int argc, char **argv)
{
	struct store_merge_stats ms;
	int64_t added = 0, conflicts = 0;
	const char *out = NULL;
	bool quiet = false;
	struct store *s;
	int opt, i, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, merge_shortopts,
	    merge_options, NULL)) != -1) {
		switch (opt) {
		case 'o': out = optarg; break;
		case 'q': quiet = true; break;
		case 'h': return cmd_print_help("merge");
		default:
			die_usage("merge: unknown option or missing argument "
			    "'%s' (see 'badio help merge')", argv[optind - 1]);
		}
	}
	if (!out)
		die_usage("merge: no output database (-o ALL.db)");
	if (optind == argc)
		die_usage("merge: no shard databases to merge (badio merge -o "
		    "ALL.db SHARD.db...)");
	for (i = optind; i < argc; i++)
		if (access(argv[i], F_OK) < 0)
			die_usage("merge: shard '%s' does not exist", argv[i]);
	if (access(out, F_OK) < 0)
		create_from(out, argv[optind]);
	s = cli_open_db(out, STORE_WRITE);
	for (i = optind; i < argc; i++) {
		rc = store_merge_from(s, argv[i], &ms);
		if (rc == -EXDEV || rc == -EPROTO || rc == -ENOTSUP ||
		    rc == -EINVAL || rc == -ENOENT)
			die_usage("merge: refusing '%s': %s", argv[i],
			    store_errmsg(s));
		if (rc < 0)
			die("merge: cannot merge '%s' into '%s': %s", argv[i],
			    out, store_errmsg(s));
		added += ms.added;
		conflicts += ms.conflicts;
		if (ms.conflicts)
			warn("merge: '%s': %" PRId64 " experiment%s ran in "
			    "another shard too with another verdict (kept "
			    "'%s''s)", argv[i], ms.conflicts,
			    ms.conflicts == 1 ? "" : "s", out);
		if (!quiet)
			fprintf(stderr, "badio: merge: '%s': %" PRId64
			    " experiment%s added, %" PRId64 " already in '%s'\n",
			    argv[i], ms.added, ms.added == 1 ? "" : "s",
			    ms.already, out);
	}
	store_close(s);
	if (!quiet)
		fprintf(stderr, "badio: merged %d shard%s into '%s' (%" PRId64
		    " experiment%s added); see 'badio report -d %s'\n",
		    argc - optind, argc - optind == 1 ? "" : "s", out, added,
		    added == 1 ? "" : "s", out);
	return 0;
}
