/*
 * cmd.h - the commands of badio.  Each cmd_*.c owns its options, its
 * usage text and nothing else; tools/badio.c holds the dispatch table.
 * Adding a command: docs/hacking.md.
 */
#ifndef BADIO_TOOLS_CMD_H
#define BADIO_TOOLS_CMD_H

struct cmd {
	const char	*name;
	int		(*fn)(int argc, char **argv);
	const char	*summary;	/* one line for `badio help` */
	const char	*usage;		/* full help for `badio help NAME` */
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

const struct cmd *cmd_find(const char *name);
/* Print a command's help to stdout and return 0 (for --help). */
int	cmd_print_help(const char *name);

#endif /* BADIO_TOOLS_CMD_H */
