/*
 * db.c - opening an existing database from the command line: every
 * command refuses a missing, foreign or corrupt file the same way.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "tools/cli.h"

/*
 * Open an existing database, or die with one clear line: what is wrong
 * and what to do.  Every refusal exits 2: a database that cannot be
 * used is a set-up error, like a missing one.
 */
struct store *
cli_open_db(const char *path, enum store_mode mode)
{
	struct store *s = NULL;
	const char *why;
	int rc;

	if (access(path, F_OK) < 0 && errno == ENOENT)
		die_usage("database '%s' does not exist (record one with "
		    "'badio record -o %s -- PROG', or pass -d)", path, path);
	rc = store_open(&s, path, mode);
	why = store_errmsg(NULL);
	switch (rc) {
	case 0:
		return s;
	case -ENOTSUP:
		die_usage("'%s' is not a badio database", path);
	case -EBADMSG:
		die_usage("database '%s' is corrupt: %s", path, why);
	case -EPROTO:
		die_usage("cannot open database '%s': %s", path, why);
	case -EBUSY:
		die_usage("%s", why);
	case -EROFS:
		if (mode == STORE_READ)
			die_usage("%s", why);	/* names the database */
		/* fall through */
	case -EACCES:
	case -EPERM:
		if (mode == STORE_WRITE)
			die_usage("%s: explore stores its experiments in the "
			    "database; copy it to a writable directory "
			    "('badio report' and 'badio sites' read it where "
			    "it is)", why);
		die_usage("cannot read database '%s': %s", path, why);
	default:
		/* a database that cannot be used is a set-up error */
		die_usage("cannot open database '%s': %s", path, why);
	}
}
