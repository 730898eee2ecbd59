/*
 * complete.c - `badio --complete WORDS...`: what may come next on a badio
 * command line, for the bash and zsh completions (tools/completion/).
 *
 * The shells ask the binary instead of keeping lists of their own, so a
 * completion always matches the badio it runs: commands come from the
 * command table, options from the very getopt tables the commands parse
 * with, faults, verdicts, syscalls, families and formats from the tables
 * the explorer, the recorder and the CLI use.
 *
 * Protocol (hidden; not part of the documented interface):
 *   argv  the words of the line, from "badio" to the word being
 *         completed, that one last and cut at the cursor ("" if empty);
 *   out   one candidate per line: the whole new text of the last word,
 *         already filtered by what it starts with (for
 *         "--faults=short,t": "--faults=short,torn"); or one directive:
 *           :files       complete a file name
 *           :dirs        complete a directory name
 *           :commands    complete a command name (or a path)
 *           :exec N      words N... (0 = "badio") are a command line of
 *                        their own: record's PROG ARGS
 *         or nothing (a number, free text).
 * The exit status is 0, or 3 if the output cannot be written.
 */
#include <stdio.h>
#include <string.h>

#include "explorer/explorer.h"
#include "recorder/recorder.h"
#include "tools/cli.h"
#include "tools/cmd.h"

enum value {
	V_NONE,			/* a number or free text: nothing to offer */
	V_FILE,
	V_DIR,
	V_COMMAND,
	V_FAULTS,		/* comma-separated fault names */
	V_VERDICTS,		/* comma-separated verdict names */
	V_FORMAT,
	V_SITES,		/* --sites terms */
};

/*
 * What the argument of each option is.  An option that takes an argument
 * and is not listed here completes file names.
 */
static const struct {
	const char	*cmd;		/* NULL: any command */
	const char	*option;	/* long name */
	enum value	value;
	unsigned	formats;	/* V_FORMAT: the formats the command takes */
} values[] = {
	{ NULL,      "db",             V_FILE,     0 },
	{ "record",  "output",         V_FILE,     0 },
	{ "record",  "init",           V_DIR,      0 },
	{ "record",  "timeout",        V_NONE,     0 },
	{ "explore", "oracle",         V_COMMAND,  0 },
	{ "explore", "keep",           V_DIR,      0 },
	{ "explore", "faults",         V_FAULTS,   0 },
	{ "explore", "sites",          V_SITES,    0 },
	{ "explore", "jobs",           V_NONE,     0 },
	{ "explore", "timeout",        V_NONE,     0 },
	{ "explore", "oracle-timeout", V_NONE,     0 },
	{ "explore", "per-callsite",   V_NONE,     0 },
	{ "explore", "callsite",       V_NONE,     0 },
	{ "explore", "shard",          V_NONE,     0 },
	{ NULL,      "fail-on",        V_VERDICTS, 0 },
	{ "sites",   "format",         V_FORMAT,   CLI_FORMATS_SITES },
	{ "report",  "format",         V_FORMAT,   CLI_FORMATS_REPORT },
	{ "report",  "sites",          V_SITES,    0 },
	{ "report",  "columns",        V_NONE,     0 },
	{ "sites",   "columns",        V_NONE,     0 },
};

/* The commands whose first non-option word is a program to run. */
static const char *const runs_program[] = { "record" };
/* The commands whose non-option words are files. */
static const char *const takes_files[] = { "merge" };

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static bool
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* prefix + word, if it extends what the user typed (cur). */
static void
offer(const char *cur, const char *prefix, const char *word)
{
	char cand[512];

	if (snprintf(cand, sizeof(cand), "%s%s", prefix, word) <
	    (int)sizeof(cand) && starts_with(cand, cur))
		puts(cand);
}

static bool
listed_in(const char *const *names, size_t n, const struct cmd *c)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], c->name) == 0)
			return true;
	return false;
}

static bool
program_command(const struct cmd *c)
{
	return listed_in(runs_program, NELEM(runs_program), c);
}

static bool
files_command(const struct cmd *c)
{
	return listed_in(takes_files, NELEM(takes_files), c);
}

static const struct option *
long_option(const struct cmd *c, const char *name, size_t len)
{
	for (const struct option *o = c->options; o->name; o++)
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	return NULL;
}

static const struct option *
short_option(const struct cmd *c, int ch)
{
	for (const struct option *o = c->options; o->name; o++)
		if (o->val == ch)
			return o;
	return NULL;
}

static enum value
value_of(const struct cmd *c, const struct option *o, unsigned *formats)
{
	for (size_t i = 0; i < NELEM(values); i++) {
		if (strcmp(values[i].option, o->name) != 0 ||
		    (values[i].cmd && strcmp(values[i].cmd, c->name) != 0))
			continue;
		*formats = values[i].formats;
		return values[i].value;
	}
	return V_FILE;
}

/* Is name already one of the comma-separated words of list[0..len)? */
static bool
listed(const char *list, size_t len, const char *name)
{
	size_t n = strlen(name);

	for (size_t at = 0; at < len;) {
		size_t w = strcspn(list + at, ",");

		if (w > len - at)
			w = len - at;
		if (w == n && strncmp(list + at, name, n) == 0)
			return true;
		at += w + 1;
	}
	return false;
}

/*
 * A comma-separated list: the names not listed yet, after what was
 * typed up to the last comma.  next(i) gives the i-th name, NULL past
 * the end.
 */
static void
offer_list(const char *cur, const char *prefix, const char *(*next)(size_t))
{
	const char *val = cur + strlen(prefix);
	const char *comma = strrchr(val, ',');
	size_t head = comma ? (size_t)(comma - val) + 1 : 0;
	char pre[512];
	const char *name;

	if (snprintf(pre, sizeof(pre), "%s%.*s", prefix, (int)head, val) >=
	    (int)sizeof(pre))
		return;
	for (size_t i = 0; (name = next(i)); i++)
		if (!listed(val, head, name))
			offer(cur, pre, name);
}

static const char *
fault_at(size_t i)
{
	const struct bx_fault *f = bx_fault_at(i);

	return f ? f->name : NULL;
}

/* The verdicts, then the aliases --fail-on takes (bx_verdicts_parse). */
static const char *
verdict_at(size_t i)
{
	static const char *const aliases[] = { "bugs", "inconclusive" };

	if (i < BX_V_COUNT)
		return bx_verdict_name((enum bx_verdict)i);
	i -= BX_V_COUNT;
	return i < NELEM(aliases) ? aliases[i] : NULL;
}

static const char *
syscall_at(size_t i)
{
	const struct rec_sysent *sc = rec_sysent_at(i);

	return sc ? sc->name : NULL;
}

static const char *
family_at(size_t i)
{
	return i < REC_FAM_COUNT ? rec_family_name((enum rec_family)i) : NULL;
}

/* --sites id=N-M,syscall=NAME,family=NAME,path=GLOB */
static void
offer_sites(const char *cur, const char *prefix)
{
	static const char *const keys[] = { "id=", "syscall=", "family=", "path=" };
	static const struct {
		const char *key;
		const char *(*next)(size_t);
	} named[] = {
		{ "syscall=", syscall_at }, { "family=", family_at },
	};
	const char *val = cur + strlen(prefix);
	const char *comma = strrchr(val, ',');
	const char *term = comma ? comma + 1 : val;
	size_t head = (size_t)(term - val);
	char pre[512], used[16];
	const char *name;

	for (size_t i = 0; i < NELEM(named); i++) {
		if (!starts_with(term, named[i].key))
			continue;
		if (snprintf(pre, sizeof(pre), "%s%.*s%s", prefix, (int)head, val,
		    named[i].key) >= (int)sizeof(pre))
			return;
		for (size_t k = 0; (name = named[i].next(k)); k++)
			offer(cur, pre, name);
		return;
	}
	if (snprintf(pre, sizeof(pre), "%s%.*s", prefix, (int)head, val) >=
	    (int)sizeof(pre))
		return;
	for (size_t i = 0; i < NELEM(keys); i++) {
		/* each key at most once: "syscall=" is used if ",syscall=" is */
		snprintf(used, sizeof(used), ",%s", keys[i]);
		if (starts_with(val, keys[i]) || strstr(val, used))
			continue;
		offer(cur, pre, keys[i]);
	}
}

static void
offer_value(const struct cmd *c, const struct option *o, const char *cur,
    const char *prefix)
{
	unsigned formats = 0;

	switch (value_of(c, o, &formats)) {
	case V_NONE:
		break;
	case V_FILE:
		puts(":files");
		break;
	case V_DIR:
		puts(":dirs");
		break;
	case V_COMMAND:
		puts(":commands");
		break;
	case V_FAULTS:
		offer_list(cur, prefix, fault_at);
		break;
	case V_VERDICTS:
		offer_list(cur, prefix, verdict_at);
		break;
	case V_FORMAT:
		for (int f = 0; f < CLI_FORMAT_COUNT; f++)
			if (formats & (1u << f))
				offer(cur, prefix, cli_format_name(f));
		break;
	case V_SITES:
		offer_sites(cur, prefix);
		break;
	}
}

static void
offer_options(const struct cmd *c, const char *cur)
{
	for (const struct option *o = c->options; o->name; o++)
		offer(cur, "--", o->name);
}

static void
offer_commands(const char *cur)
{
	const struct cmd *c;

	for (size_t i = 0; (c = cmd_at(i)); i++)
		offer(cur, "", c->name);
}

/*
 * The option at w[k] (not the current word): how many words it takes,
 * and *valopt when the current word w[k + 1] is its argument.
 */
static int
skip_option(const struct cmd *c, char **w, int k, int cur,
    const struct option **valopt)
{
	const char *s = w[k];
	const struct option *o;

	if (s[1] == '-') {
		size_t len = strcspn(s + 2, "=");

		o = long_option(c, s + 2, len);
		if (!o || o->has_arg != required_argument || s[2 + len] == '=')
			return 1;
		if (k + 1 == cur)
			*valopt = o;
		return 2;
	}
	/* a cluster of short options: -fk, -o DB, -oDB */
	for (s++; *s; s++) {
		const char *p = strchr(c->shortopts, *s);

		if (!p || p[1] != ':')
			continue;
		if (s[1])
			return 1;	/* -oDB */
		if (k + 1 == cur)
			*valopt = short_option(c, *s);
		return 2;
	}
	return 1;
}

/* w[0] is the command's name, w[n - 1] the word being completed. */
static void
complete_command(const struct cmd *c, char **w, int n, int base)
{
	const char *cur = w[n - 1];
	const struct option *valopt = NULL;
	int k = 1;

	while (k < n - 1) {
		if (strcmp(w[k], "--") == 0 || w[k][0] != '-' || !w[k][1]) {
			k += strcmp(w[k], "--") == 0;
			if (files_command(c))
				puts(":files");
			if (!program_command(c))
				return;		/* the rest are files, or nothing */
			if (k == n - 1)
				puts(":commands");
			else
				printf(":exec %d\n", base + k);
			return;
		}
		k += skip_option(c, w, k, n - 1, &valopt);
		if (valopt) {
			offer_value(c, valopt, cur, "");
			return;
		}
	}
	if (starts_with(cur, "--") && strchr(cur, '=')) {
		size_t len = strcspn(cur + 2, "=");
		const struct option *o = long_option(c, cur + 2, len);
		char prefix[128];

		if (o && o->has_arg == required_argument && len + 4 < sizeof(prefix)) {
			snprintf(prefix, sizeof(prefix), "--%s=", o->name);
			offer_value(c, o, cur, prefix);
		}
		return;
	}
	if (cur[0] == '-' || (!program_command(c) && !files_command(c)))
		offer_options(c, cur);
	else if (files_command(c))
		puts(":files");
	else
		puts(":commands");
}

int
cli_complete(int n, char **w)
{
	const struct cmd *c;
	int i = 1;

	if (n < 2)
		return 0;
	while (i < n - 1 && w[i][0] == '-')
		i++;			/* --help, --version */
	if (i == n - 1) {
		if (w[i][0] == '-') {
			offer(w[i], "", "--help");
			offer(w[i], "", "--version");
		} else {
			offer_commands(w[i]);
		}
	} else if ((c = cmd_find(w[i]))) {
		if (c->options)
			complete_command(c, w + i, n - i, i);
		else if (n - i == 2)
			offer_commands(w[n - 1]);	/* help COMMAND */
	}
	return fflush(stdout) == 0 ? 0 : EXIT_RUNTIME;
}
