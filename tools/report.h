/*
 * report.h - what the output formats of `badio report` share.
 *
 * cmd_report.c has the options, the table, CSV and JSON; each other
 * format has its own file (report_junit.c, report_sarif.c), fed by the
 * store's iterators; the bugs grouped by call site, file and verdict
 * (the table's "bugs by call site" and SARIF's results) are built here.
 */
#ifndef BADIO_TOOLS_REPORT_H
#define BADIO_TOOLS_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store/store.h"
#include "tools/stack.h"

/* The bug experiments of one (call site, path, verdict). */
struct report_group {
	int64_t		callsite;	/* 0: unknown */
	char		*path;
	int		verdict;	/* enum bx_verdict: the report order */
	unsigned	faults;		/* 1u << enum rec_fault */
	int64_t		*ids;		/* distinct sites, ascending */
	size_t		nids;
	size_t		cap;
	uint64_t	nexp;		/* experiments */
	uint64_t	ndiverged;	/* of those, diverged */
	bool		mapped;		/* the file is written through a mapping */
	int64_t		first_seq;
	char		*syscall;	/* of the first site (by seq) */
	char		*key;
};

struct report_groups {
	struct report_group *v;		/* by verdict rank, then first seq */
	size_t		n;
	size_t		cap;
};

/* The bug groups of the database, in report order; 0 or -errno. */
int	report_groups_load(struct store *s, struct report_groups *gs);
void	report_groups_free(struct report_groups *gs);
/* "short, torn, eio": the group's faults in the fault table's order. */
void	report_group_faults(const struct report_group *g, char *buf,
	    size_t size);

struct bx_pending;

/*
 * The formats of their own files: the whole document to f; 0, or
 * -errno with the store's message in store_errmsg().  db names the
 * database in the output; pend is the plan's count (bx_pending).
 */
int	report_junit(struct store *s, struct cli_stacks *cs, const char *db,
	    const struct bx_pending *pend, FILE *f);
int	report_sarif(struct store *s, struct cli_stacks *cs, const char *db,
	    const struct bx_pending *pend, FILE *f);

#endif /* BADIO_TOOLS_REPORT_H */
