/*
 * report_html.c - `badio report --format html`: one self-contained page
 * (no network, no external files, opens from file://) with the summary,
 * a timeline of every file's sites coloured by verdict, the bug groups
 * and a details panel.
 *
 * The page is three parts: the stylesheet and the script of tools/html/,
 * compiled into the binary (tools/html/embed.cmake), and one JSON
 * document with the data, streamed row by row from the store
 * (store_html_each) into a <script type="application/json"> element.
 * The script draws everything; this file only writes the page.  Inside
 * that element the HTML parser ends the script at "</script", and "<!--"
 * changes how it reads the rest, so every '<' of the JSON (which can
 * only occur inside a string: a path, a program's output) is written as
 * the JSON escape \u003c.  See docs/design.md, "The HTML report".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/report_html.h"
#include "tools/text.h"

/* tools/html/report.{css,js}, embedded by the build (html_assets.c) */
extern const char html_report_css[];
extern const char html_report_js[];

struct page {
	FILE		*f;
	bool		first;		/* no row written yet in this array */
};

/* Write JSON text with every '<' escaped (see the top of the file). */
static int
put_json(FILE *f, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *lt = memchr(p, '<', (size_t)(end - p));
		size_t n = lt ? (size_t)(lt - p) : (size_t)(end - p);

		if (n && fwrite(p, 1, n, f) != n)
			return -EIO;
		if (!lt)
			break;
		if (fputs("\\u003c", f) < 0)
			return -EIO;
		p = lt + 1;
	}
	return 0;
}

/*
 * One row.  SQLite's JSON copies bytes that are not UTF-8 raw into its
 * strings (a file name can hold any byte): cli_json_clean() makes each
 * row valid UTF-8 JSON first, as for `report --format json`.
 */
static int
put_row(void *ctx, const char *text, size_t len)
{
	struct page *pg = ctx;
	char *row, *clean;
	int rc;

	if (!pg->first && fputc(',', pg->f) == EOF)
		return -EIO;
	pg->first = false;
	row = strndup(text, len);
	clean = row ? cli_json_clean(row) : NULL;
	free(row);
	if (!clean)
		return -ENOMEM;
	rc = put_json(pg->f, clean, strlen(clean));
	free(clean);
	return rc;
}

/* "name":[rows...] for one part of the data. */
static int
put_part(struct store *s, struct page *pg, const char *name,
    enum store_html_part part, bool array)
{
	int rc;

	if (fprintf(pg->f, ",\"%s\":%s", name, array ? "[" : "") < 0)
		return -EIO;
	pg->first = true;
	rc = store_html_each(s, part, put_row, pg);
	if (rc)
		return rc;
	if (array && fputc(']', pg->f) == EOF)
		return -EIO;
	return 0;
}

static const char page_head[] =
	"<!DOCTYPE html>\n"
	"<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width\">\n"
	"<title>badio report</title>\n<style>\n";

static const char page_body[] =
	"</style>\n</head>\n<body>\n"
	"<header id=\"summary\"></header>\n"
	"<main>\n<div id=\"left\">\n"
	"<div class=\"toolbar\"><button id=\"zoom-in\" title=\"zoom in\">+</button>"
	"<button id=\"zoom-out\" title=\"zoom out\">&minus;</button>"
	"<button id=\"zoom-fit\" title=\"show every site\">fit</button>"
	"<span class=\"muted\">drag or shift+wheel to pan, ctrl+wheel to zoom; "
	"click a mark for its experiments; bars are fsyncs, dashed bars "
	"sync(2); a red outline is a rename of data not yet synced</span></div>\n"
	"<div class=\"filters\" id=\"faults\"></div>\n"
	"<div id=\"timeline\"></div>\n"
	"<h2>Bugs by call site</h2>\n<ul id=\"groups\"></ul>\n"
	"</div>\n"
	"<aside id=\"panel\"><p class=\"muted\">Click a mark to see the call, "
	"its experiments and its stack.</p></aside>\n"
	"</main>\n"
	"<noscript><p>This report is drawn by JavaScript.</p></noscript>\n"
	"<script type=\"application/json\" id=\"badio-data\">";

int
report_html(struct store *s, FILE *f, const char *version,
    const struct bx_pending *pend)
{
	struct page pg = { .f = f, .first = true };
	int rc;

	if (fputs(page_head, f) < 0 || fputs(html_report_css, f) < 0 ||
	    fputs(page_body, f) < 0)
		return -EIO;
	if (fputs("{\"badio\":\"", f) < 0 || put_json(f, version,
	    strlen(version)) < 0 || fprintf(f, "\",\"planned\":%" PRIu64
	    ",\"pending\":%" PRIu64, pend->total, pend->pending) < 0)
		return -EIO;
	rc = put_part(s, &pg, "summary", STORE_HTML_SUMMARY, false);
	if (rc == 0)
		rc = put_part(s, &pg, "strings", STORE_HTML_STRINGS, true);
	if (rc == 0)
		rc = put_part(s, &pg, "sites", STORE_HTML_SITES, true);
	if (rc == 0)
		rc = put_part(s, &pg, "experiments", STORE_HTML_EXPERIMENTS, true);
	if (rc == 0)
		rc = put_part(s, &pg, "callsites", STORE_HTML_CALLSITES, true);
	if (rc == 0)
		rc = put_part(s, &pg, "skipped", STORE_HTML_SKIPPED, true);
	if (rc)
		return rc;
	if (fputs("}</script>\n<script>\n", f) < 0 ||
	    fputs(html_report_js, f) < 0 ||
	    fputs("</script>\n</body>\n</html>\n", f) < 0)
		return -EIO;
	return ferror(f) ? -EIO : 0;
}
