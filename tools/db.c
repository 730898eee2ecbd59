/*
 * db.c - opening an existing database from the command line: every
 * command refuses a missing, foreign or corrupt file the same way.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "tools/cli.h"

/* Open an existing database for reading, or die with one clear line. */
struct store *
cli_open_db(const char *path, enum store_mode mode)
{
	struct store *s = NULL;
	int rc;

	if (access(path, F_OK) < 0)
		die_usage("database '%s' does not exist (record one with "
		    "'badio record -o %s -- PROG', or pass -d)", path, path);
	rc = store_open(&s, path, mode);
	if (rc == -ENOTSUP)
		die_usage("'%s' is not a badio database", path);
	if (rc == -EBADMSG)
		die_usage("database '%s' is corrupt: %s", path,
		    s ? store_errmsg(s) : "malformed");
	/* a database that cannot be used is a set-up error, like a missing one */
	if (rc < 0)
		die_usage("cannot open database '%s': %s", path,
		    s ? store_errmsg(s) : strerror(-rc));
	return s;
}

