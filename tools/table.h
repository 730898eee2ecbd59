/*
 * table.h - every table badio prints for people, on libsmartcols (the
 * library of lsblk and findmnt): widths counted in terminal columns
 * (UTF-8, wide characters), long cells wrapped onto more lines to fit a
 * terminal's width where a column allows it (never cut: a cut path reads
 * as another file; never in a pipe or a file), numbers right-aligned,
 * -o COLUMNS to choose and order the columns, and child rows drawn as a
 * tree (stack frames).
 *
 * Cells are escaped (tools/text.h) before libsmartcols sees them, and
 * its own encoding is off: the escaping is badio's, the same as in
 * messages and CSV (docs/manual.md, "Output and odd bytes").
 *
 * Streaming: a table keeps at most CLI_TABLE_CHUNK top-level rows.  When
 * that many are held and another comes, they are printed (the header
 * once, before the first chunk) and dropped; each column keeps at least
 * the width it had, so columns never narrow from one chunk to the next.
 * A table of a million sites thus holds a few thousand rows at a time.
 */
#ifndef BADIO_TOOLS_TABLE_H
#define BADIO_TOOLS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CLI_TABLE_CHUNK	4096

/* A column: its name for -o, its header, how it prints. */
struct cli_column {
	const char	*name;		/* "path" */
	const char	*header;	/* "PATH" */
	unsigned	flags;		/* CLI_COL_* */
};
#define CLI_COL_RIGHT	1u	/* right-aligned (numbers) */
#define CLI_COL_WRAP	2u	/* long cells wrap to fit a terminal */
#define CLI_COL_EXTRA	4u	/* shown only when -o names it */
#define CLI_COL_TREE	8u	/* child rows draw their tree here */

struct cli_table;

/*
 * A table of ncols columns (cols must outlive it) printing to f, with
 * the columns that are not CLI_COL_EXTRA; NULL without memory.
 */
struct cli_table *cli_table_new(const struct cli_column *cols, size_t ncols,
	    FILE *f);
/*
 * -o LIST: the columns named, in that order (comma-separated, case
 * ignored); "+a,b" the default columns and then these.  -EINVAL with a
 * message naming the column and the choices in err.
 */
int	cli_table_select(struct cli_table *t, const char *list, char *err,
	    size_t errsz);
/* "id, seq, ...": every column's name, for help and messages. */
void	cli_table_names(const struct cli_column *cols, size_t ncols, char *buf,
	    size_t size);
/* Print no header line (a list rather than a table). */
void	cli_table_no_header(struct cli_table *t);
/* Whether column i (of cols) is shown. */
bool	cli_table_shown(const struct cli_table *t, size_t i);
/* A row: ncols cells in the order of cols, NULL for empty.  0 or -ENOMEM. */
int	cli_table_add(struct cli_table *t, const char *const *cells);
/* A child of the last row (a tree under it). */
int	cli_table_add_child(struct cli_table *t, const char *const *cells);
/* Print the rows not printed yet (the header if none was); 0 or -EIO. */
int	cli_table_print(struct cli_table *t);
void	cli_table_free(struct cli_table *t);

#endif /* BADIO_TOOLS_TABLE_H */
