/*
 * cmd.h - the commands of badio.  Each cmd_*.c owns its options, its
 * usage text and nothing else; tools/badio.c holds the dispatch table.
 * Adding a command: docs/hacking.md.
 */
#ifndef BADIO_TOOLS_CMD_H
#define BADIO_TOOLS_CMD_H

#include <getopt.h>
#include <stddef.h>

/*
 * The options are the getopt tables the command parses with, so that
 * `badio --complete` (tools/complete.c) offers exactly what it accepts.
 */
struct cmd {
	const char	*name;
	int		(*fn)(int argc, char **argv);
	const char	*summary;	/* one line for `badio help` */
	const char	*usage;		/* full help for `badio help NAME` */
	const struct option *options;	/* NULL-terminated; NULL: none */
	const char	*shortopts;	/* getopt's optstring, leading '+' */
};

int	cmd_record(int argc, char **argv);
int	cmd_sites(int argc, char **argv);
int	cmd_explore(int argc, char **argv);
int	cmd_report(int argc, char **argv);
int	cmd_merge(int argc, char **argv);
int	cmd_help(int argc, char **argv);

extern const char record_usage[];
extern const char sites_usage[];
extern const char explore_usage[];
extern const char report_usage[];
extern const char merge_usage[];
extern const char help_usage[];

extern const struct option record_options[], sites_options[],
	    explore_options[], report_options[], merge_options[];
extern const char record_shortopts[], sites_shortopts[], explore_shortopts[],
	    report_shortopts[], merge_shortopts[];

/* The commands, in `badio help` order; NULL past the end. */
const struct cmd *cmd_at(size_t i);

const struct cmd *cmd_find(const char *name);
/* Print a command's help to stdout and return 0 (for --help). */
int	cmd_print_help(const char *name);

#endif /* BADIO_TOOLS_CMD_H */
