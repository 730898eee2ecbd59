/*
 * table.c - see table.h.
 *
 * libsmartcols measures text with the C library's multibyte functions,
 * which follow the locale; badio sets none (its messages and its parsing
 * are the C locale's), so the measuring and printing run under a
 * C.UTF-8 LC_CTYPE of this thread only (uselocale): escaped cells are
 * UTF-8 whatever the user's locale.
 *
 * A chunk after the first keeps the earlier widths by its first row:
 * that row's cells are padded with spaces to them (libsmartcols takes a
 * width hint only above a header's width, so hints cannot do it).
 *
 * Into a pipe or a file, the chunks after the first (the rows beyond
 * CLI_TABLE_CHUNK: a million sites) are laid out here instead, the way
 * libsmartcols lays them out (the same separator, alignment, tree art
 * and no trailing blanks; there is no terminal to fit): libsmartcols
 * spends some 13 us per row of the sites table measuring and copying
 * cells, six times what reading them from the database costs.
 */
#include "tools/table.h"

#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <wchar.h>

#include <libsmartcols/libsmartcols.h>

#include "tools/outbuf.h"
#include "tools/text.h"

#define MAX_COLUMNS	64

/* A row of a chunk laid out here: its shown cells, escaped, in fcells. */
struct frow {
	size_t		cell0;		/* its first cell in fcells */
	bool		child;
};

/* A cell of such a row: its escaped text in the chunk's arena. */
struct fcell {
	size_t		off, len;
	size_t		width;		/* terminal columns */
};

struct cli_table {
	const struct cli_column *cols;
	size_t		ncols;
	FILE		*f;
	struct libscols_table *tb;
	int		shown[MAX_COLUMNS];	/* cols index per shown column */
	size_t		nshown;
	struct libscols_line *last;	/* the last top-level row */
	size_t		rows;		/* top-level rows held */
	bool		printed;	/* a chunk (and the header) is out */
	bool		built;		/* the smartcols columns exist */
	bool		no_header;
	size_t		width[MAX_COLUMNS];	/* of each shown column, so far */
	bool		fast;		/* later chunks laid out here (no tty) */
	struct frow	*fv;		/* their rows */
	size_t		fn, fcap;
	struct fcell	*fc;		/* their cells */
	size_t		nfc, fccap;
	char		*arena;		/* the cells' text */
	size_t		alen, acap;
	struct cli_outbuf *ob;		/* what fast_flush writes */
	int		err;
};

/*
 * A cell as shown: escaped, and cut after CELL_MAX bytes of text with
 * "..." (a crafted database may hold a path of any length).
 */
#define CELL_MAX	65536

static char *
cell_text(const char *s)
{
	size_t size = 4 * CELL_MAX + 4;
	char *out;

	if (strlen(s) <= CELL_MAX)
		return cli_escape(s);
	out = malloc(size);
	if (!out)
		return NULL;
	cli_escape_buf(out, size - 3, s);
	memcpy(out + strlen(out), "...", 4);
	return out;
}

static locale_t
utf8_locale(void)
{
	static locale_t loc;

	if (!loc)
		loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	return loc;
}

struct cli_table *
cli_table_new(const struct cli_column *cols, size_t ncols, FILE *f)
{
	struct cli_table *t;

	if (ncols > MAX_COLUMNS)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->cols = cols;
	t->ncols = ncols;
	t->f = f;
	for (size_t i = 0; i < ncols; i++)
		if (!(cols[i].flags & CLI_COL_EXTRA))
			t->shown[t->nshown++] = (int)i;
	return t;
}

void
cli_table_names(const struct cli_column *cols, size_t ncols, char *buf,
    size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ncols && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    i ? ", " : "", cols[i].name);
}

static int
column_index(const struct cli_table *t, const char *name, size_t n)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strlen(t->cols[i].name) == n &&
		    strncasecmp(t->cols[i].name, name, n) == 0)
			return (int)i;
	return -1;
}

int
cli_table_select(struct cli_table *t, const char *list, char *err,
    size_t errsz)
{
	char names[1024];
	const char *p = list;

	if (*p == '+')
		p++;
	else
		t->nshown = 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		int i = column_index(t, p, n);

		if (i < 0 || t->nshown == MAX_COLUMNS) {
			cli_table_names(t->cols, t->ncols, names, sizeof(names));
			snprintf(err, errsz, "unknown column '%.*s' (columns: %s)",
			    (int)(n > 64 ? 64 : n), p, names);
			return -EINVAL;
		}
		t->shown[t->nshown++] = i;
		p += n + (p[n] == ',');
	}
	if (t->nshown == 0) {
		snprintf(err, errsz, "no column named");
		return -EINVAL;
	}
	return 0;
}

void
cli_table_no_header(struct cli_table *t)
{
	t->no_header = true;
}

bool
cli_table_shown(const struct cli_table *t, size_t i)
{
	for (size_t k = 0; k < t->nshown; k++)
		if ((size_t)t->shown[k] == i)
			return true;
	return false;
}

/* The smartcols table and its columns, on the first row. */
static int
build(struct cli_table *t)
{
	t->tb = scols_new_table();
	if (!t->tb)
		return -ENOMEM;
	scols_table_enable_noencoding(t->tb, 1);
	scols_table_enable_minout(t->tb, 1);
	scols_table_set_column_separator(t->tb, "  ");
	scols_table_set_stream(t->tb, t->f);
	t->fast = !isatty(fileno(t->f));
	for (size_t k = 0; k < t->nshown; k++) {
		const struct cli_column *c = &t->cols[t->shown[k]];
		int fl = (c->flags & CLI_COL_RIGHT ? SCOLS_FL_RIGHT : 0) |
		    (c->flags & CLI_COL_WRAP ? SCOLS_FL_WRAP : 0) |
		    (c->flags & CLI_COL_TREE ? SCOLS_FL_TREE : 0);

		if (!scols_table_new_column(t->tb, c->header, 0, fl))
			return -ENOMEM;
	}
	t->built = true;
	return 0;
}

/* Terminal columns of UTF-8 text (the thread's locale is C.UTF-8). */
static size_t
text_width(const char *s)
{
	mbstate_t st;
	size_t w = 0;
	wchar_t wc;

	memset(&st, 0, sizeof(st));
	while (*s) {
		size_t n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
		int cw;

		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof(st));
			n = 1;
			cw = 1;
		} else {
			cw = wcwidth(wc);
		}
		w += cw > 0 ? (size_t)cw : 0;
		s += n;
	}
	return w;
}

/* text padded with spaces to width columns (before it: right-aligned). */
static char *
pad(char *text, size_t width, bool right)
{
	locale_t old = uselocale(utf8_locale() ? utf8_locale() :
	    LC_GLOBAL_LOCALE);
	size_t w = text_width(text), len = strlen(text);
	char *out;

	uselocale(old);
	if (w >= width)
		return text;
	out = malloc(len + width - w + 1);
	if (!out) {
		free(text);
		return NULL;
	}
	if (right) {
		memset(out, ' ', width - w);
		memcpy(out + width - w, text, len + 1);
	} else {
		memcpy(out, text, len);
		memset(out + len, ' ', width - w);
		out[len + width - w] = '\0';
	}
	free(text);
	return out;
}

static int
set_cells(struct cli_table *t, struct libscols_line *ln,
    const char *const *cells, bool keep_widths)
{
	for (size_t k = 0; k < t->nshown; k++) {
		const struct cli_column *col = &t->cols[t->shown[k]];
		const char *c = cells[t->shown[k]];
		char *text = cell_text(c ? c : "");

		/* the last column is not padded: no trailing spaces */
		if (text && keep_widths && k + 1 < t->nshown)
			text = pad(text, t->width[k], col->flags & CLI_COL_RIGHT);
		if (!text || scols_line_refer_data(ln, k, text) < 0) {
			free(text);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Print what is held, keep each column's width for the next chunk. */
static int
flush(struct cli_table *t)
{
	locale_t old;
	int rc;

	if (!t->built)
		return 0;
	old = uselocale(utf8_locale() ? utf8_locale() : LC_GLOBAL_LOCALE);
	scols_table_enable_noheadings(t->tb, t->printed || t->no_header);
	rc = scols_print_table(t->tb);
	uselocale(old);
	for (size_t k = 0; k < t->nshown; k++) {
		struct libscols_column *cl = scols_table_get_column(t->tb, k);
		size_t w = cl ? scols_column_get_width(cl) : 0;

		if (w > t->width[k])
			t->width[k] = w;
	}
	scols_table_remove_lines(t->tb);
	t->rows = 0;
	t->last = NULL;
	t->printed = true;
	return rc < 0 ? -EIO : 0;
}

static void
frows_free(struct cli_table *t)
{
	t->fn = 0;
	t->nfc = 0;
	t->alen = 0;
	t->rows = 0;
}

/* Columns of escaped text: bytes, unless it holds more than ASCII. */
static size_t
fast_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	locale_t old;
	size_t w;

	while (*p && *p < 0x80)
		p++;
	if (!*p)
		return (size_t)(p - (const unsigned char *)s);
	old = uselocale(utf8_locale() ? utf8_locale() : LC_GLOBAL_LOCALE);
	w = text_width(s);
	uselocale(old);
	return w;
}

static void
spaces(struct cli_outbuf *o, size_t n)
{
	static const char sp[] = "                                ";

	while (n > 0) {
		size_t k = n < sizeof(sp) - 1 ? n : sizeof(sp) - 1;

		cli_out_put(o, sp, k);
		n -= k;
	}
}

/* The tree art of a child: the last child of its row gets the corner. */
static const char *
tree_art(const struct cli_table *t, size_t i)
{
	bool last = i + 1 >= t->fn || !t->fv[i + 1].child;

	return last ? "\xe2\x94\x94\xe2\x94\x80" : "\xe2\x94\x9c\xe2\x94\x80";
}

static void
fast_row(struct cli_table *t, size_t i)
{
	const struct frow *r = &t->fv[i];
	const struct fcell *cell = &t->fc[r->cell0];
	size_t last = t->nshown;

	/* no trailing blanks: the row ends at its last non-empty cell */
	while (last > 0 && !cell[last - 1].len)
		last--;
	for (size_t k = 0; k < last; k++) {
		const struct cli_column *c = &t->cols[t->shown[k]];
		bool tree = (c->flags & CLI_COL_TREE) && r->child;
		size_t w = cell[k].width + (tree ? 2 : 0);
		size_t padding = t->width[k] > w ? t->width[k] - w : 0;

		if (k)
			CLI_OUT_LIT(t->ob, "  ");
		if (c->flags & CLI_COL_RIGHT)
			spaces(t->ob, padding);
		if (tree)
			cli_out_str(t->ob, tree_art(t, i));
		cli_out_put(t->ob, t->arena + cell[k].off, cell[k].len);
		if (!(c->flags & CLI_COL_RIGHT) && k + 1 < last)
			spaces(t->ob, padding);
	}
	CLI_OUT_LIT(t->ob, "\n");
}

static int
fast_flush(struct cli_table *t)
{
	for (size_t i = 0; i < t->fn; i++)
		for (size_t k = 0; k < t->nshown; k++) {
			const struct cli_column *c = &t->cols[t->shown[k]];
			size_t w = t->fc[t->fv[i].cell0 + k].width +
			    ((c->flags & CLI_COL_TREE) && t->fv[i].child ? 2 : 0);

			if (w > t->width[k])
				t->width[k] = w;
		}
	for (size_t i = 0; i < t->fn; i++)
		fast_row(t, i);
	cli_out_flush(t->ob);
	frows_free(t);
	return ferror(t->f) ? -EIO : 0;
}

/* Room for n more of *cap elements of size at *v. */
static int
grow(void **v, size_t *cap, size_t used, size_t n, size_t size)
{
	size_t c = *cap ? *cap : 256;
	void *p;

	if (used + n <= *cap)
		return 0;
	while (c < used + n)
		c *= 2;
	p = reallocarray(*v, c, size);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = c;
	return 0;
}

/* Printable ASCII but for the backslash: shown as it is. */
static bool
ascii_plain(const char *s, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p >= 0x20 && *p < 0x7f && *p != '\\')
		p++;
	*len = (size_t)(p - (const unsigned char *)s);
	return !*p;
}

/* A cell escaped into the arena, as cell_text() escapes it. */
static int
fast_cell(struct cli_table *t, const char *c, struct fcell *fc)
{
	char *text = NULL;
	const char *src = c;
	size_t len;

	if (!ascii_plain(c, &len) || len > CELL_MAX) {
		text = cell_text(c);
		if (!text)
			return -ENOMEM;
		src = text;
		len = strlen(text);
	}
	if (grow((void **)&t->arena, &t->acap, t->alen, len + 1, 1) < 0) {
		free(text);
		return -ENOMEM;
	}
	memcpy(t->arena + t->alen, src, len + 1);
	*fc = (struct fcell){ t->alen, len, text ? fast_width(text) : len };
	t->alen += len + 1;
	free(text);
	return 0;
}

static int
fast_add(struct cli_table *t, bool child, const char *const *cells)
{
	struct frow *r;
	int rc;

	if (!t->ob && !(t->ob = calloc(1, sizeof(*t->ob))))
		return -ENOMEM;
	t->ob->f = t->f;
	if (!child && t->rows >= CLI_TABLE_CHUNK && (rc = fast_flush(t)) < 0)
		return rc;
	if (grow((void **)&t->fv, &t->fcap, t->fn, 1, sizeof(*t->fv)) < 0 ||
	    grow((void **)&t->fc, &t->fccap, t->nfc, t->nshown,
	    sizeof(*t->fc)) < 0)
		return -ENOMEM;
	r = &t->fv[t->fn];
	r->child = child;
	r->cell0 = t->nfc;
	for (size_t k = 0; k < t->nshown; k++) {
		const char *c = cells[t->shown[k]];

		rc = fast_cell(t, c ? c : "", &t->fc[t->nfc + k]);
		if (rc < 0)
			return rc;
	}
	t->nfc += t->nshown;
	t->fn++;
	t->rows += !child;
	return 0;
}

/* A row, or with child a child of the last row (parent, in smartcols). */
static int
add(struct cli_table *t, bool child, const char *const *cells)
{
	struct libscols_line *parent = child ? t->last : NULL;
	struct libscols_line *ln;
	int rc;

	if (t->err)
		return t->err;
	if (!t->built && (rc = build(t)) < 0)
		return t->err = rc;
	if (!child && t->rows >= CLI_TABLE_CHUNK && !(t->printed && t->fast) &&
	    (rc = flush(t)) < 0)
		return t->err = rc;
	if (t->printed && t->fast) {
		rc = fast_add(t, child, cells);
		return rc < 0 ? (t->err = rc) : 0;
	}
	ln = scols_table_new_line(t->tb, parent);
	if (!ln)
		return t->err = -ENOMEM;
	rc = set_cells(t, ln, cells, t->printed && !parent && t->rows == 0);
	if (rc < 0)
		return t->err = rc;
	if (!parent) {
		t->last = ln;
		t->rows++;
	}
	return 0;
}

int
cli_table_add(struct cli_table *t, const char *const *cells)
{
	return add(t, false, cells);
}

int
cli_table_add_child(struct cli_table *t, const char *const *cells)
{
	/* a child needs a row before it (the fast path's by order) */
	if (!t->last && !(t->printed && t->fast && t->fn))
		return add(t, false, cells);
	return add(t, true, cells);
}

int
cli_table_print(struct cli_table *t)
{
	int rc;

	if (t->err)
		return t->err;
	if (!t->built && (rc = build(t)) < 0)
		return rc;
	if (t->printed && t->fast)
		return fast_flush(t);
	return flush(t);
}

void
cli_table_free(struct cli_table *t)
{
	if (!t)
		return;
	free(t->fv);
	free(t->fc);
	free(t->arena);
	free(t->ob);
	scols_unref_table(t->tb);
	free(t);
}
