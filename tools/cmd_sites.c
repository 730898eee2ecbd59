/*
 * cmd_sites.c - `badio sites`: list the recorded sites, readable in a
 * terminal (aligned columns, human sizes, errno names) or exact in CSV
 * and JSON.  The rows come from store_sites_list (site_rows read
 * directly) and the CSV and JSON are made here, into a buffer: a million
 * sites in about a second (docs/performance.md, "Big listings").  The
 * bytes are those the view sites and SQLite's json_object gave, which
 * --format json --stacks still uses, and BADIO_SITES_VIEW=1 for all
 * (tests/cli/test_sites_list.sh compares the two).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recorder/recorder.h"
#include "store/store.h"
#include "tools/cli.h"
#include "tools/cmd.h"
#include "tools/outbuf.h"
#include "tools/stack.h"
#include "tools/table.h"

const char sites_usage[] =
	"usage: badio sites [-d DB] [--format table|csv|json] [--stacks]\n"
	"                   [-o LIST]\n"
	"\n"
	"List the sites recorded in DB in the order the calls were made.\n"
	"PATH shows 'old -> new' for a rename, 'a <-> b' for an exchange and\n"
	"'new <- from' for links, symlinks and copies; FLAGS what the call's\n"
	"flags said and did (osync, created, replaced...; docs/schema.md).\n"
	"\n"
	"  -d, --db DB          database (default: badio.db)\n"
	"  -F, --format FMT     table (default), csv or json\n"
	"  -s, --stacks         the call stack of each site, symbolized (full\n"
	"                       stacks when recorded with 'record --stacks'):\n"
	"                       the table gets the call-site id (for 'explore\n"
	"                       --callsite') and the frames as a tree, csv\n"
	"                       location and stack columns, json location and\n"
	"                       stack fields\n"
	"  -o, --columns LIST   the table's columns, comma-separated, in that\n"
	"                       order; +LIST adds to the default ones.  Columns:\n"
	"                       id, seq, pid, tid, process, thread, syscall,\n"
	"                       family, fd, path, path2, kind, offset, count,\n"
	"                       result, flags, checksum, key, callsite, location,\n"
	"                       stack, offset2, mapped, creates, t_ns\n"
	"  -h, --help           show this help\n";

const struct option sites_options[] = {
	{ "db",     required_argument, NULL, 'd' },
	{ "format", required_argument, NULL, 'F' },
	{ "stacks", no_argument,       NULL, 's' },
	{ "columns", required_argument, NULL, 'o' },
	{ "help",   no_argument,       NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};
const char sites_shortopts[] = "+d:F:so:h";

static const char *const columns[] = {
	"id", "seq", "pid", "tid", "syscall", "family", "fd", "path", "path2",
	"kind", "offset", "count", "result", "append", "t_ns", "crc32", "key",
	"callsite", "flags", "offset2", "mapped", "xxh3",
};
#define NCOLS	(sizeof(columns) / sizeof(columns[0]))

/* Exact values for CSV; NULL columns become empty fields. */
static void
csv_row(FILE *f, const struct store_site *s, bool more)
{
	char v[NCOLS][32];
	const char *cell[NCOLS];

	snprintf(v[0], 32, "%" PRId64, s->id);
	snprintf(v[1], 32, "%" PRId64, s->seq);
	snprintf(v[2], 32, "%" PRId64, s->pid);
	snprintf(v[3], 32, "%" PRId64, s->tid);
	snprintf(v[6], 32, "%" PRId64, s->fd);
	snprintf(v[10], 32, "%" PRId64, s->offset);
	snprintf(v[11], 32, "%" PRId64, s->count);
	snprintf(v[12], 32, "%" PRId64, s->result);
	snprintf(v[13], 32, "%d", s->append);
	snprintf(v[14], 32, "%" PRId64, s->t_ns);
	snprintf(v[15], 32, "%" PRId64, s->crc32);
	snprintf(v[17], 32, "%" PRId64, s->callsite);
	snprintf(v[19], 32, "%" PRId64, s->offset2);
	snprintf(v[20], 32, "%d", s->mapped);
	snprintf(v[21], 32, "%" PRId64, s->xxh3);
	for (size_t i = 0; i < NCOLS; i++)
		cell[i] = v[i];
	cell[4] = s->syscall;
	cell[5] = s->family;
	cell[6] = s->fd >= 0 ? v[6] : NULL;
	cell[7] = s->path;
	cell[8] = s->path2;
	cell[9] = s->kind;
	cell[10] = s->offset >= 0 ? v[10] : NULL;
	cell[11] = s->count >= 0 ? v[11] : NULL;
	cell[12] = s->has_result ? v[12] : NULL;
	cell[15] = s->crc_bytes >= 0 && !s->has_xxh3 ? v[15] : NULL;
	cell[16] = s->key;
	cell[17] = s->callsite ? v[17] : NULL;
	cell[18] = s->flags;
	cell[19] = s->offset2 >= 0 ? v[19] : NULL;
	cell[20] = v[20];
	cell[21] = s->crc_bytes >= 0 && s->has_xxh3 ? v[21] : NULL;
	for (size_t i = 0; i < NCOLS; i++)
		cli_csv_field(f, cell[i], i == NCOLS - 1 && !more);
}

struct sites_out {
	FILE		*f;
	struct cli_table *t;
	struct cli_stacks *stacks;	/* NULL without --stacks */
	struct cli_outbuf *ob;		/* the csv and json of store_sites_list */
	size_t		rows;
};

/* csv_row's cells, into the buffer: the same bytes. */
static void
csv_fast(struct cli_outbuf *b, const struct store_site *s, bool more)
{
	char v[NCOLS][24];
	const char *cell[NCOLS] = {
		[4] = s->syscall, [5] = s->family, [7] = s->path,
		[8] = s->path2, [9] = s->kind, [16] = s->key, [18] = s->flags,
	};

	cli_i64_text(v[0], s->id);
	cli_i64_text(v[1], s->seq);
	cli_i64_text(v[2], s->pid);
	cli_i64_text(v[3], s->tid);
	cli_i64_text(v[6], s->fd);
	cli_i64_text(v[10], s->offset);
	cli_i64_text(v[11], s->count);
	cli_i64_text(v[12], s->result);
	cli_i64_text(v[13], s->append);
	cli_i64_text(v[14], s->t_ns);
	cli_i64_text(v[15], s->crc32);
	cli_i64_text(v[17], s->callsite);
	cli_i64_text(v[19], s->offset2);
	cli_i64_text(v[20], s->mapped);
	cli_i64_text(v[21], s->xxh3);
	cell[0] = v[0];
	cell[1] = v[1];
	cell[2] = v[2];
	cell[3] = v[3];
	cell[6] = s->fd >= 0 ? v[6] : NULL;
	cell[10] = s->offset >= 0 ? v[10] : NULL;
	cell[11] = s->count >= 0 ? v[11] : NULL;
	cell[12] = s->has_result ? v[12] : NULL;
	cell[13] = v[13];
	cell[14] = v[14];
	cell[15] = s->crc_bytes >= 0 && !s->has_xxh3 ? v[15] : NULL;
	cell[17] = s->callsite ? v[17] : NULL;
	cell[19] = s->offset2 >= 0 ? v[19] : NULL;
	cell[20] = v[20];
	cell[21] = s->crc_bytes >= 0 && s->has_xxh3 ? v[21] : NULL;
	for (size_t i = 0; i < NCOLS; i++)
		cli_out_csv(b, cell[i], i == NCOLS - 1 && !more);
}

/* "f1 (a.c:3) <- f2 (b.c:9)": a stack in one CSV field. */
static char *
stack_text(struct cli_stacks *cs, int64_t callsite)
{
	const struct cli_frame *fr;
	size_t n, len = 0;
	bool unwound;
	char *out;

	cli_stack_frames(cs, callsite, &fr, &n, &unwound);
	for (size_t i = 0; i < n; i++)
		len += strlen(fr[i].text) + 4;
	out = calloc(1, len + 1);
	for (size_t i = 0, at = 0; out && i < n; i++) {
		size_t l = strlen(fr[i].text);

		if (i) {
			memcpy(out + at, " <- ", 4);
			at += 4;
		}
		memcpy(out + at, fr[i].text, l + 1);
		at += l;
	}
	return out;
}

static int
csv_cb(void *ctx, const struct store_site *s)
{
	struct sites_out *o = ctx;
	char *stack;

	if (!o->stacks) {
		csv_row(o->f, s, false);
		return 0;
	}
	csv_row(o->f, s, true);
	cli_csv_field(o->f, cli_stack_location(o->stacks, s->callsite), false);
	stack = stack_text(o->stacks, s->callsite);
	cli_csv_field(o->f, stack ? stack : "", true);
	free(stack);
	return 0;
}

static int
csv_list_cb(void *ctx, const struct store_list_row *r)
{
	struct sites_out *o = ctx;
	const struct store_site *s = &r->site;
	char *stack;

	csv_fast(o->ob, s, o->stacks);
	if (!o->stacks)
		return 0;
	cli_out_csv(o->ob, cli_stack_location(o->stacks, s->callsite), false);
	stack = stack_text(o->stacks, s->callsite);
	cli_out_csv(o->ob, stack ? stack : "", true);
	free(stack);
	return 0;
}

/*
 * One site as the json_object of STORE_SITE_JSON_FIELDS made it, mended
 * as cli_json_row mends it.
 */
static void
json_site(struct cli_outbuf *b, const struct store_list_row *r)
{
	const struct store_site *s = &r->site;
	unsigned nu = r->nulls;
	char cs[24];

	CLI_OUT_LIT(b, "{\"id\":");
	cli_out_i64(b, s->id);
	CLI_JSON_INT(b, "seq", s->seq, 0, 0);
	CLI_JSON_INT(b, "pid", s->pid, 0, 0);
	CLI_JSON_INT(b, "tid", s->tid, 0, 0);
	CLI_JSON_INT(b, "process", s->process, nu, STORE_NULL_PROCESS);
	CLI_JSON_INT(b, "thread", s->thread, nu, STORE_NULL_THREAD);
	CLI_JSON_STR(b, "syscall", s->syscall);
	CLI_JSON_STR(b, "family", s->family);
	CLI_JSON_INT(b, "fd", s->fd, nu, STORE_NULL_FD);
	CLI_JSON_STR(b, "path", s->path);
	CLI_JSON_STR(b, "path2", s->path2);
	CLI_JSON_STR(b, "kind", s->kind);
	CLI_JSON_INT(b, "offset", s->offset, nu, STORE_NULL_OFFSET);
	CLI_JSON_INT(b, "count", s->count, nu, STORE_NULL_COUNT);
	CLI_JSON_INT(b, "result", s->result, nu, STORE_NULL_RESULT);
	CLI_JSON_BOOL(b, "append", s->append);
	CLI_JSON_INT(b, "t_ns", s->t_ns, 0, 0);
	CLI_JSON_INT(b, "crc32", s->crc32, nu, STORE_NULL_CRC32);
	CLI_JSON_INT(b, "xxh3", s->xxh3, nu, STORE_NULL_XXH3);
	CLI_JSON_INT(b, "crc_bytes", s->crc_bytes, nu, STORE_NULL_CRC_BYTES);
	CLI_JSON_STR(b, "key", s->key);
	cli_i64_text(cs, s->callsite);	/* CAST(callsite AS TEXT) */
	CLI_JSON_STR(b, "callsite", nu & STORE_NULL_CALLSITE ? NULL : cs);
	CLI_JSON_STR(b, "flags", s->flags);
	CLI_JSON_INT(b, "offset2", s->offset2, nu, STORE_NULL_OFFSET2);
	CLI_JSON_BOOL(b, "mapped", s->mapped);
	CLI_JSON_STR(b, "creates", s->creates);
	CLI_OUT_LIT(b, "}");
}

static int
json_list_cb(void *ctx, const struct store_list_row *r)
{
	struct sites_out *o = ctx;

	cli_out_put(o->ob, o->rows++ ? "," : "[", 1);
	if (!r->json) {
		json_site(o->ob, r);
		return 0;
	}
	cli_out_flush(o->ob);
	return cli_json_text(o->f, r->json, r->json_len);
}

/* The table's columns (-o); the cells of table_cb are in this order. */
enum {
	C_ID, C_SEQ, C_PID, C_TID, C_PROCESS, C_THREAD, C_SYSCALL, C_FAMILY,
	C_FD, C_PATH, C_PATH2, C_KIND, C_OFFSET, C_COUNT, C_RESULT, C_FLAGS,
	C_CHECKSUM, C_KEY, C_CALLSITE, C_LOCATION, C_STACK, C_OFFSET2, C_MAPPED,
	C_CREATES, C_T_NS, TCOLS
};
static const struct cli_column table_columns[TCOLS] = {
	[C_ID] = { "id", "ID", CLI_COL_RIGHT },
	[C_SEQ] = { "seq", "SEQ", CLI_COL_RIGHT },
	[C_PID] = { "pid", "PID", CLI_COL_RIGHT },
	[C_TID] = { "tid", "TID", CLI_COL_RIGHT | CLI_COL_EXTRA },
	[C_PROCESS] = { "process", "PROCESS", CLI_COL_RIGHT | CLI_COL_EXTRA },
	[C_THREAD] = { "thread", "THREAD", CLI_COL_RIGHT | CLI_COL_EXTRA },
	[C_SYSCALL] = { "syscall", "SYSCALL", 0 },
	[C_FAMILY] = { "family", "FAMILY", CLI_COL_EXTRA },
	[C_FD] = { "fd", "FD", CLI_COL_RIGHT },
	[C_PATH] = { "path", "PATH", CLI_COL_WRAP },
	[C_PATH2] = { "path2", "PATH2", CLI_COL_WRAP | CLI_COL_EXTRA },
	[C_KIND] = { "kind", "KIND", 0 },
	[C_OFFSET] = { "offset", "OFFSET", CLI_COL_RIGHT },
	[C_COUNT] = { "count", "COUNT", CLI_COL_RIGHT },
	[C_RESULT] = { "result", "RESULT", CLI_COL_RIGHT },
	[C_FLAGS] = { "flags", "FLAGS", CLI_COL_WRAP },
	[C_CHECKSUM] = { "checksum", "CHECKSUM", 0 },
	[C_KEY] = { "key", "KEY", CLI_COL_WRAP },
	[C_CALLSITE] = { "callsite", "CALL SITE", CLI_COL_EXTRA },
	[C_LOCATION] = { "location", "LOCATION", CLI_COL_WRAP | CLI_COL_EXTRA },
	[C_STACK] = { "stack", "STACK", CLI_COL_TREE | CLI_COL_EXTRA },
	[C_OFFSET2] = { "offset2", "OFFSET2", CLI_COL_RIGHT | CLI_COL_EXTRA },
	[C_MAPPED] = { "mapped", "MAPPED", CLI_COL_RIGHT | CLI_COL_EXTRA },
	[C_CREATES] = { "creates", "CREATES", CLI_COL_WRAP | CLI_COL_EXTRA },
	[C_T_NS] = { "t_ns", "T_NS", CLI_COL_RIGHT | CLI_COL_EXTRA },
};

/* cli_human_size, without printf where it can */
static void
human(char *buf, size_t size, int64_t n)
{
	if (size < 24 || !cli_size_text(buf, n))
		cli_human_size(buf, size, n);
}

/* v in lower-case hex, at least digits of them (printf's %0*x) */
static void
hex_text(char *buf, uint64_t v, int digits)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[16];
	int n = 0;

	do {
		tmp[n++] = hex[v & 15];
		v >>= 4;
	} while (v);
	while (n < digits)
		tmp[n++] = '0';
	while (n)
		*buf++ = tmp[--n];
	*buf = '\0';
}

/* v, or "-" when absent */
static void
int_or_dash(char *buf, int64_t v, bool absent)
{
	if (absent)
		memcpy(buf, "-", 2);
	else
		cli_i64_text(buf, v);
}

static void
format_result(char *buf, size_t size, const struct store_site *s)
{
	if (!s->has_result)
		snprintf(buf, size, "?");
	else if (s->result < 0 && s->result >= -4095)
		snprintf(buf, size, "-%s", cli_errno_name((int)-s->result));
	else if (strcmp(s->family, "write") == 0)
		human(buf, size, s->result);
	else
		cli_i64_text(buf, s->result);
}

/*
 * The path column: "old -> new" for a rename, "a <-> b" for an exchange,
 * "new <- from" where path2 is where the new name or data comes from
 * (link, symlink, copy calls).
 */
static void
format_path(char *buf, size_t size, const struct store_site *s)
{
	const char *arrow = " <- ";

	if (!s->path2) {		/* snprintf's "%s", cut at size - 1 */
		size_t n = s->path ? strlen(s->path) : 0;

		n = n < size ? n : size - 1;
		memcpy(buf, s->path ? s->path : "", n);
		buf[n] = '\0';
		return;
	}
	if (strncmp(s->syscall, "rename", 6) == 0)
		arrow = rec_flags_has(s->flags, "exchange") ? " <-> " : " -> ";
	snprintf(buf, size, "%s%s%s", s->path ? s->path : "", arrow, s->path2);
}

/* after the path of a file written through a shared mapping */
#define MAPPED_MARK	" (mapped)"

/* The frames of a call site, innermost first: a tree under its row. */
static int
stack_rows(struct sites_out *o, int64_t callsite)
{
	const struct cli_frame *fr;
	const char *cells[TCOLS] = { 0 };
	bool unwound;
	size_t n;
	int rc = 0;

	cli_stack_frames(o->stacks, callsite, &fr, &n, &unwound);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char line[1200];

		snprintf(line, sizeof(line), "#%zu %s", i, fr[i].text);
		cells[C_STACK] = line;
		rc = cli_table_add_child(o->t, cells);
	}
	return rc;
}

/* "0x" and 16 hex digits: what explore --callsite takes */
static void
format_callsite(char *buf, size_t size, int64_t callsite)
{
	if (callsite && size >= 19) {	/* "%#018" PRIx64 */
		memcpy(buf, "0x", 2);
		hex_text(buf + 2, (uint64_t)callsite, 16);
	} else {
		snprintf(buf, size, "-");
	}
}

static int
table_cb(void *ctx, const struct store_site *s)
{
	struct sites_out *o = ctx;
	char id[24], seq[24], pid[24], tid[24], proc[24], thr[24], fd[24],
	    off[24], cnt[24], res[32], crc[24], cs[24], off2[24], tns[24],
	    path[8192];
	const char *cells[TCOLS] = {
		[C_ID] = id, [C_SEQ] = seq, [C_PID] = pid, [C_TID] = tid,
		[C_PROCESS] = proc, [C_THREAD] = thr, [C_SYSCALL] = s->syscall,
		[C_FAMILY] = s->family, [C_FD] = fd, [C_PATH] = path,
		[C_PATH2] = s->path2 ? s->path2 : "-", [C_KIND] = s->kind,
		[C_OFFSET] = off, [C_COUNT] = cnt, [C_RESULT] = res,
		[C_FLAGS] = s->flags ? s->flags : "-", [C_CHECKSUM] = crc,
		[C_KEY] = s->key, [C_CALLSITE] = cs, [C_OFFSET2] = off2,
		[C_MAPPED] = s->mapped ? "1" : "0",
		[C_CREATES] = s->creates ? s->creates : "-", [C_T_NS] = tns,
	};
	int rc;

	cli_i64_text(id, s->id);
	cli_i64_text(seq, s->seq);
	cli_i64_text(pid, s->pid);
	cli_i64_text(tid, s->tid);
	int_or_dash(proc, s->process, !s->process);
	int_or_dash(thr, s->thread, !s->thread);
	int_or_dash(fd, s->fd, s->fd < 0);
	if (s->offset >= 0)
		human(off, sizeof(off), s->offset);
	else
		memcpy(off, "-", 2);
	if (s->count >= 0)
		human(cnt, sizeof(cnt), s->count);
	else
		memcpy(cnt, "-", 2);
	int_or_dash(off2, s->offset2, s->offset2 < 0);
	cli_i64_text(tns, s->t_ns);
	format_result(res, sizeof(res), s);
	/* xxh3: 16 hex digits; an older recording's CRC-32: 8 */
	if (s->crc_bytes >= 0 && s->has_xxh3)
		hex_text(crc, (uint64_t)s->xxh3, 16);
	else if (s->crc_bytes >= 0)
		hex_text(crc, (uint64_t)s->crc32, 8);
	else
		memcpy(crc, "-", 2);
	format_callsite(cs, sizeof(cs), s->callsite);
	format_path(path, sizeof(path), s);
	/* a file written through a shared mapping says so */
	if (s->mapped && strlen(path) + sizeof(MAPPED_MARK) <= sizeof(path))
		memcpy(path + strlen(path), MAPPED_MARK, sizeof(MAPPED_MARK));
	if (o->stacks) {
		const char *loc = s->callsite ?
		    cli_stack_location(o->stacks, s->callsite) : "?";

		cells[C_LOCATION] = loc;
		cells[C_STACK] = loc;
	}
	rc = cli_table_add(o->t, cells);
	if (rc < 0 || !o->stacks || !cli_table_shown(o->t, C_STACK))
		return rc;
	return stack_rows(o, s->callsite);
}

static int
table_list_cb(void *ctx, const struct store_list_row *r)
{
	return table_cb(ctx, &r->site);
}

/* For the JSON of --stacks: SQLite calls these per call site and frame. */
static const char *
locate(void *ctx, int64_t callsite)
{
	return cli_stack_location(ctx, callsite);
}

static const char *
frame_text(void *ctx, const char *module, int64_t offset)
{
	return cli_frame_text(ctx, module, (uint64_t)offset);
}

/*
 * The listing through the view sites (store_sites_each, the JSON from
 * SQLite): what --format json --stacks takes, and with BADIO_SITES_VIEW
 * set in the environment the reference the tests compare list_rows to.
 */
static int
list_view(struct store *s, enum cli_format fmt, bool stacks,
    struct sites_out *out)
{
	struct cli_json_rows rows = { .f = stdout };
	int rc;

	switch (fmt) {
	case CLI_FORMAT_JSON:
		rc = store_sites_json_each(s, stacks, cli_json_row, &rows);
		if (rc == 0)
			rc = cli_json_rows_end(&rows);
		break;
	case CLI_FORMAT_CSV:
		for (size_t i = 0; i < NCOLS; i++)
			cli_csv_field(stdout, columns[i], i == NCOLS - 1 && !stacks);
		if (stacks) {
			cli_csv_field(stdout, "location", false);
			cli_csv_field(stdout, "stack", true);
		}
		rc = store_sites_each(s, NULL, csv_cb, out);
		break;
	default:			/* CLI_FORMATS_SITES has no other */
	case CLI_FORMAT_TABLE:
		rc = store_sites_each(s, NULL, table_cb, out);
		if (rc == 0)
			rc = cli_table_print(out->t);
		break;
	}
	return rc;
}

/* The listing from store_sites_list, csv and json made here, buffered. */
static int
list_rows(struct store *s, enum cli_format fmt, bool stacks,
    struct sites_out *out)
{
	static struct cli_outbuf ob;
	int rc;

	ob.f = stdout;
	out->ob = &ob;
	switch (fmt) {
	case CLI_FORMAT_JSON:
		rc = store_sites_list(s, STORE_LIST_JSON | STORE_LIST_THREAD,
		    json_list_cb, out);
		if (rc == 0)
			cli_out_str(&ob, out->rows ? "]\n" : "[]\n");
		break;
	case CLI_FORMAT_CSV:
		for (size_t i = 0; i < NCOLS; i++)
			cli_out_csv(&ob, columns[i], i == NCOLS - 1 && !stacks);
		if (stacks) {
			cli_out_csv(&ob, "location", false);
			cli_out_csv(&ob, "stack", true);
		}
		rc = store_sites_list(s, stacks ? 0 : STORE_LIST_THREAD,
		    csv_list_cb, out);
		break;
	default:			/* CLI_FORMATS_SITES has no other */
	case CLI_FORMAT_TABLE:
		rc = store_sites_list(s, out->stacks ? 0 : STORE_LIST_THREAD,
		    table_list_cb, out);
		if (rc == 0)
			rc = cli_table_print(out->t);
		break;
	}
	cli_out_flush(&ob);
	return rc;
}

int
cmd_sites(int argc, char **argv)
{
	const char *db = "badio.db";
	enum cli_format fmt = CLI_FORMAT_TABLE;
	struct sites_out out = { .f = stdout };
	const char *columns_list = NULL;
	bool stacks = false;
	char err[1024];
	struct store *s;
	int opt, rc = 0;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, sites_shortopts,
	    sites_options, NULL)) != -1) {
		switch (opt) {
		case 'd': db = optarg; break;
		case 'F':
			fmt = cli_parse_format("sites", optarg,
			    CLI_FORMATS_SITES);
			break;
		case 's': stacks = true; break;
		case 'o': columns_list = optarg; break;
		case 'h': return cmd_print_help("sites");
		default:
			die_usage("sites: unknown option or missing argument '%s' "
			    "(see 'badio help sites')", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("sites: unexpected argument '%s'", argv[optind]);
	if (columns_list && fmt != CLI_FORMAT_TABLE)
		die_usage("sites: -o chooses the table's columns; csv and json "
		    "have them all");
	out.t = cli_table_new(table_columns, TCOLS, stdout);
	if (!out.t)
		die("out of memory");
	/* the tree first, as lsblk has it: frame rows stay short */
	if (stacks && cli_table_select(out.t, "stack,id,seq,pid,syscall,fd,"
	    "path,kind,offset,count,result,flags,checksum,key,callsite", err,
	    sizeof(err)) < 0)
		die("sites: %s", err);
	if (columns_list && cli_table_select(out.t, columns_list, err,
	    sizeof(err)) < 0)
		die_usage("sites: -o: %s", err);
	/* a location or stack column needs the symbolizer */
	if (cli_table_shown(out.t, C_LOCATION) ||
	    cli_table_shown(out.t, C_STACK))
		stacks = stacks || fmt == CLI_FORMAT_TABLE;
	s = cli_open_db(db, STORE_READ);
	if (stacks && !(out.stacks = cli_stacks_new(s)))
		die("out of memory");
	if (stacks && fmt == CLI_FORMAT_JSON &&
	    (store_locator_set(s, locate, out.stacks) < 0 ||
	    store_framer_set(s, frame_text, out.stacks) < 0))
		die("sites: %s", store_errmsg(s));
	if (getenv("BADIO_SITES_VIEW") || (stacks && fmt == CLI_FORMAT_JSON))
		rc = list_view(s, fmt, stacks, &out);
	else
		rc = list_rows(s, fmt, stacks, &out);
	if (rc < 0)
		die("sites: cannot read '%s': %s", db, rc == -ENOMEM ?
		    strerror(ENOMEM) : store_errmsg(s));
	cli_flush_stdout("sites");
	cli_table_free(out.t);
	cli_stacks_free(out.stacks);
	store_close(s);
	return 0;
}
