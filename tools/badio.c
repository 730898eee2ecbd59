/*
 * badio.c - main(): global options and the command table.  Nothing else.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "tools/cli.h"
#include "tools/cmd.h"

static const struct cmd commands[] = {
	{ "record",  cmd_record,  "run a program and record its write, sync and namespace calls",
	  record_usage, record_options, record_shortopts },
	{ "sites",   cmd_sites,   "list the recorded sites",
	  sites_usage, sites_options, sites_shortopts },
	{ "explore", cmd_explore, "re-run the program with a fault at each site and judge the files",
	  explore_usage, explore_options, explore_shortopts },
	{ "report",  cmd_report,  "summarise the verdicts: which sites lose or corrupt data",
	  report_usage, report_options, report_shortopts },
	{ "merge",   cmd_merge,   "combine the databases of the shards of one explore",
	  merge_usage, merge_options, merge_shortopts },
	{ "help",    cmd_help,    "show help for a command", help_usage, NULL, NULL },
};

#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

const char help_usage[] =
	"usage: badio help [COMMAND]\n"
	"\n"
	"Show the list of commands, or the help of one command.\n";

const struct cmd *
cmd_at(size_t i)
{
	return i < NCOMMANDS ? &commands[i] : NULL;
}

const struct cmd *
cmd_find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void
usage(FILE *f)
{
	fputs("usage: badio [--version] [--help] COMMAND [ARGS...]\n"
	    "\n"
	    "badio finds crash-consistency and error-handling bugs in programs\n"
	    "that write files: it records every write, sync and namespace call\n"
	    "of a program, then re-runs it with one call failing at a time and\n"
	    "asks your oracle whether the files survived.\n"
	    "\n"
	    "Commands:\n", f);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fputs("\nSee 'badio help COMMAND' for the options of a command, and\n"
	    "'man badio' for the manual.\n", f);
}

int
cmd_print_help(const char *name)
{
	const struct cmd *c = cmd_find(name);

	if (!c)
		die_usage("unknown command '%s' (see 'badio help')", name);
	fputs(c->usage, stdout);
	return 0;
}

int
cmd_help(int argc, char **argv)
{
	if (argc > 2)
		die_usage("too many arguments (usage: badio help [COMMAND])");
	if (argc == 2 && strcmp(argv[1], "--help") != 0 &&
	    strcmp(argv[1], "-h") != 0)
		return cmd_print_help(argv[1]);
	usage(stdout);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help",    no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *c;
	int opt;

	/* hidden: the shell completions ask the binary (tools/complete.c) */
	if (argc >= 2 && strcmp(argv[1], "--complete") == 0)
		return cli_complete(argc - 2, argv + 2);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("badio %s\n", BADIO_VERSION);
			return 0;
		default:
			die_usage("unknown option '%s' (see 'badio --help')",
			    argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	c = cmd_find(argv[optind]);
	if (!c)
		die_usage("unknown command '%s' (see 'badio help')", argv[optind]);
	argv += optind;
	argc -= optind;
	optind = 0;		/* each command rescans its own argv */
	return c->fn(argc, argv);
}
