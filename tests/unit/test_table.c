/*
 * test_table.c - the tables of tools/table.c: columns measured in
 * terminal columns, cells escaped as badio escapes them, -o, trees,
 * and a long table printed in chunks whose columns never narrow.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/table.h"

enum { C_ID, C_NAME, C_NOTE, NCOLS };
static const struct cli_column cols[NCOLS] = {
	[C_ID] = { "id", "ID", CLI_COL_RIGHT },
	[C_NAME] = { "name", "NAME", CLI_COL_TREE },
	[C_NOTE] = { "note", "NOTE", CLI_COL_EXTRA },
};

static char *buf;
static size_t len;
static FILE *f;

static struct cli_table *
table(void)
{
	struct cli_table *t;

	f = open_memstream(&buf, &len);
	cr_assert_not_null(f);
	t = cli_table_new(cols, NCOLS, f);
	cr_assert_not_null(t);
	return t;
}

/* Print t, free it, return what it printed (freed at the next call). */
static const char *
printed(struct cli_table *t)
{
	cr_assert_eq(cli_table_print(t), 0);
	cli_table_free(t);
	cr_assert_eq(fclose(f), 0);
	return buf;
}

static void
add(struct cli_table *t, const char *id, const char *name, const char *note)
{
	const char *cells[NCOLS] = { id, name, note };

	cr_assert_eq(cli_table_add(t, cells), 0);
}

static void
fini(void)
{
	free(buf);
	buf = NULL;
}

TestSuite(table, .fini = fini);

/* a wide character takes two columns, an accented letter one */
Test(table, widths_in_terminal_columns)
{
	struct cli_table *t = table();

	add(t, "1", "\xe6\x97\xa5\xe6\x9c\xac", "x");
	add(t, "22", "caf\xc3\xa9", "y");
	add(t, "3", "abcde", "z");
	cr_assert_str_eq(printed(t),
	    "ID  NAME\n"
	    " 1  \xe6\x97\xa5\xe6\x9c\xac\n"
	    "22  caf\xc3\xa9\n"
	    " 3  abcde\n");
}

/* control bytes and bytes that are not UTF-8: badio's escapes, once */
Test(table, cells_escaped_once)
{
	struct cli_table *t = table();

	add(t, "1", "a\x1b[31mb\\x", NULL);
	add(t, "2", "n\nl\xff", NULL);
	cr_assert_str_eq(printed(t),
	    "ID  NAME\n"
	    " 1  a\\x1b[31mb\\\\x\n"
	    " 2  n\\nl\\xff\n");
}

/* -o: chosen and ordered, extra columns by name, +LIST adds */
Test(table, columns_chosen)
{
	struct cli_table *t = table();
	char err[256];

	cr_assert_eq(cli_table_select(t, "NOTE,id", err, sizeof(err)), 0, "%s",
	    err);
	add(t, "1", "one", "first");
	cr_assert_str_eq(printed(t), "NOTE   ID\nfirst   1\n");
	fini();
	t = table();
	cr_assert_eq(cli_table_select(t, "+note", err, sizeof(err)), 0);
	cr_assert(cli_table_shown(t, C_NOTE));
	add(t, "1", "one", "first");
	cr_assert_str_eq(printed(t), "ID  NAME  NOTE\n 1  one   first\n");
	fini();
	t = table();
	cr_assert_eq(cli_table_select(t, "id,bogus", err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "unknown column 'bogus' (columns: id, name, note)");
	cli_table_free(t);
	fclose(f);
}

/* children are drawn as a tree in the tree column */
Test(table, tree_of_children)
{
	struct cli_table *t = table();
	const char *child[NCOLS] = { NULL, "#0 frame", NULL };
	const char *last[NCOLS] = { NULL, "#1 outer", NULL };

	add(t, "1", "site", NULL);
	cr_assert_eq(cli_table_add_child(t, child), 0);
	cr_assert_eq(cli_table_add_child(t, last), 0);
	add(t, "2", "next", NULL);
	cr_assert_str_eq(printed(t),
	    "ID  NAME\n"
	    " 1  site\n"
	    "    \xe2\x94\x9c\xe2\x94\x80#0 frame\n"
	    "    \xe2\x94\x94\xe2\x94\x80#1 outer\n"
	    " 2  next\n");
}

/*
 * CLI_TABLE_CHUNK rows at a time: the header once, and a later chunk
 * keeps the widths of the earlier (the long name of the first chunk
 * pads the names of the second), and widens where it must (the id of
 * the last row).
 */
Test(table, chunks_keep_widths)
{
	struct cli_table *t = table();
	char id[16], want[64], err[64];
	const char *out, *p;
	size_t lines = 0;

	cr_assert_eq(cli_table_select(t, "name,id", err, sizeof(err)), 0);
	add(t, "1", "a-long-name", NULL);
	for (int i = 2; i <= CLI_TABLE_CHUNK + 1; i++) {
		snprintf(id, sizeof(id), "%d", i);
		add(t, id, "n", NULL);
	}
	add(t, "123456", "n", NULL);
	out = printed(t);
	for (p = out; (p = strchr(p, '\n')); p++)
		lines++;
	cr_assert_eq(lines, CLI_TABLE_CHUNK + 3);
	cr_assert_eq(strncmp(out, "NAME           ID\na-long-name     1\n", 36), 0,
	    "%.60s", out);
	cr_assert_null(strstr(out + 1, "\nNAME"), "a second header");
	snprintf(want, sizeof(want), "\n%-11s  %6d\n", "n", CLI_TABLE_CHUNK + 1);
	cr_assert_not_null(strstr(out, want), "no '%s' in %s", want,
	    out + strlen(out) - 60);
	cr_assert_not_null(strstr(out, "\nn            123456\n"));
}

/*
 * Beyond the first chunk, into a file, the rows are laid out by badio
 * (libsmartcols is slow at a million rows) exactly as libsmartcols lays
 * them: the same alignment, tree art and no trailing blanks.
 */
Test(table, later_chunks_laid_out_alike)
{
	const char *child[NCOLS] = { NULL, "#0 f", NULL };
	const char *last[NCOLS] = { NULL, "#1 g", NULL };
	char id[16], *first;
	struct cli_table *t;
	const char *out;

	/* the same rows twice: at the top of a table, and in its second chunk */
	t = table();
	add(t, "7", "site", NULL);
	cr_assert_eq(cli_table_add_child(t, child), 0);
	cr_assert_eq(cli_table_add_child(t, last), 0);
	add(t, "8", "x", NULL);
	first = strdup(printed(t));
	fini();
	t = table();
	for (int i = 1; i <= CLI_TABLE_CHUNK; i++) {
		snprintf(id, sizeof(id), "%d", i % 10);
		add(t, id, "", NULL);
	}
	add(t, "7", "site", NULL);
	cr_assert_eq(cli_table_add_child(t, child), 0);
	cr_assert_eq(cli_table_add_child(t, last), 0);
	add(t, "8", "x", NULL);
	out = printed(t);
	cr_assert_str_eq(out + strlen(out) - (strlen(first) - strlen("ID  NAME\n")),
	    first + strlen("ID  NAME\n"), "%s", out + strlen(out) - 80);
	free(first);
}
