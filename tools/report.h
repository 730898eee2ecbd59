/*
 * report.h - what the output formats of `badio report` share.
 *
 * cmd_report.c has the options and CSV; each other format has its own
 * file (report_table.c, report_json.c, report_junit.c, report_sarif.c),
 * fed by the store's iterators; the bugs grouped by call site, file and verdict
 * (the table's "bugs by call site" and SARIF's results) are built here.
 */
#ifndef BADIO_TOOLS_REPORT_H
#define BADIO_TOOLS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store/store.h"
#include "tools/stack.h"
#include "tools/table.h"

/* The bug experiments of one (call site, path, verdict, oracle, state). */
struct report_group {
	int64_t		callsite;	/* 0: unknown */
	int64_t		oracle;		/* oracles.id that judged them; 0: unknown */
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
	char		*prog_last;	/* what the program printed last, in the
					 * first experiment (by seq) that kept
					 * it; NULL if none did */
	int64_t		prog_last_seq;
	char		*state;		/* the crash state judged, NULL: none */
	char		*last_sync;	/* with a state: the last durability
					 * point before the first site's crash,
					 * NULL if there was none */
};

struct bx_filter;

struct report_groups {
	struct report_group *v;		/* by verdict rank, then first seq */
	size_t		n;
	size_t		cap;
	const struct bx_filter *sites;	/* only these sites (NULL: all) */
};

/* The bug groups of the database (of gs->sites), in report order. */
int	report_groups_load(struct store *s, struct report_groups *gs);
void	report_groups_free(struct report_groups *gs);
/*
 * "short, torn, eio": the group's faults in the fault table's order;
 * with a crash state "power (metadata)".
 */
void	report_group_faults(const struct report_group *g, char *buf,
	    size_t size);

struct bx_pending;

/* The oracles of the experiments (store_oracles_each), by id. */
struct report_oracle {
	int64_t		id;		/* 0: experiments of no known oracle */
	char		*command;
	char		*file;		/* NULL: not a file */
	char		*sha256;	/* NULL: not a file */
	int64_t		experiments;
};
struct report_oracles {
	struct report_oracle *v;
	size_t		n;
};
int	report_oracles_load(struct store *s, struct report_oracles *os);
void	report_oracles_free(struct report_oracles *os);
const struct report_oracle *report_oracle_get(const struct report_oracles *os,
	    int64_t id);

/* The table of report --all (tools/report_table.c); --columns names them. */
enum {
	A_SITE, A_SEQ, A_SYSCALL, A_PATH, A_KEY, A_FAULT, A_STATE, A_WROTE,
	A_PROGRAM,
	A_ORACLE_EXIT, A_VERDICT, A_BY, A_LOCATION, A_SAID, A_LAST,
	A_CALLSITE, A_DURATION, REPORT_ACOLS
};
extern const struct cli_column report_all_columns[REPORT_ACOLS];

struct report_table_opts {
	bool		all;		/* --all */
	const struct bx_filter *sites;	/* --sites, or NULL */
	const char	*sites_text;
	const char	*columns;	/* --columns LIST, or NULL */
	struct cli_stacks *cs;
	const struct bx_pending *pend;
	const struct report_oracles *os;	/* report_oracles_load's */
};
/* The report for people, to stdout. */
int	report_table(struct store *s, const struct report_table_opts *o);
/* A pair left out by --per-callsite as an experiment that never ran. */
void	report_skipped_as_experiment(struct store_experiment *e,
	    const char *fault);

/*
 * The formats of their own files: the whole document to f; 0, or
 * -errno with the store's message in store_errmsg().  db names the
 * database in the output; pend is the plan's count (bx_pending).
 */
int	report_junit(struct store *s, struct cli_stacks *cs, const char *db,
	    const struct bx_pending *pend, FILE *f);
int	report_sarif(struct store *s, struct cli_stacks *cs, const char *db,
	    const struct bx_pending *pend, FILE *f);
/* lead: members of the caller's own, right after the opening brace */
int	report_json(struct store *s, struct cli_stacks *cs, const char *lead,
	    bool all, FILE *f);

#endif /* BADIO_TOOLS_REPORT_H */
