/*
 * report_json.c - `badio report --format json`: the store's summary
 * (SQLite's JSON), then the rows of "bugs" (and with --all of
 * "experiments") made here from the experiments' values
 * (store_report_rows), byte for byte what the json_object of
 * STORE_EXP_JSON made of the views' rows, mended as cli_json_text mends
 * it; a row the store hands over as SQLite's JSON goes out as it is.
 */
#include "tools/report.h"

#include <errno.h>
#include <stdlib.h>

#include "tools/cli.h"
#include "tools/outbuf.h"

struct jrows {
	struct cli_outbuf *ob;
	FILE		*f;
	struct cli_stacks *cs;
	uint64_t	n;
};

/* The site's half of a row: "experiment" to "location". */
static void
row_site(struct jrows *j, const struct store_report_row *r)
{
	const struct store_site *s = r->site;
	struct cli_outbuf *b = j->ob;
	unsigned nu = r->site_nulls;
	bool no_cs = nu & STORE_NULL_CALLSITE;
	char cs[24];

	CLI_OUT_LIT(b, "{\"experiment\":");
	cli_out_i64(b, r->e->id);
	CLI_JSON_INT(b, "site", r->e->site, 0, 0);
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
	CLI_JSON_STR(b, "key", s->key);
	cli_i64_text(cs, s->callsite);	/* CAST(callsite AS TEXT) */
	CLI_JSON_STR(b, "callsite", no_cs ? NULL : cs);
	/* badio_location(callsite): the locator's name, NULL for NULL */
	CLI_JSON_STR(b, "location", no_cs ? NULL :
	    cli_stack_location(j->cs, s->callsite));
}

/* The experiment's half: "fault" to "unsynced". */
static void
row_experiment(struct jrows *j, const struct store_report_row *r)
{
	const struct store_experiment *e = r->e;
	struct cli_outbuf *b = j->ob;

	CLI_JSON_STR(b, "fault", e->fault);
	CLI_JSON_BOOL(b, "injected", e->injected);
	CLI_JSON_INT(b, "fault_bytes", e->fault_bytes, e->fault_bytes == -1, 1);
	CLI_JSON_STR(b, "status", e->status);
	CLI_JSON_INT(b, "duration_ns", e->duration_ns, 0, 0);
	CLI_JSON_INT(b, "oracle_exit", e->oracle_exit, e->oracle_exit == -1, 1);
	CLI_JSON_STR(b, "verdict", e->verdict);
	CLI_JSON_BOOL(b, "diverged", e->diverged);
	CLI_JSON_STR(b, "divergence", e->divergence);
	CLI_JSON_STR(b, "divergence_kind", e->divergence_kind);
	CLI_JSON_STR(b, "prog_tail", e->prog_tail);
	CLI_JSON_STR(b, "prog_last", e->prog_last);
	CLI_JSON_INT(b, "oracle_id", e->oracle_id, e->oracle_id == 0, 1);
	CLI_JSON_STR(b, "oracle", r->oracle);
	CLI_JSON_STR(b, "oracle_tail", e->oracle_tail);
	CLI_JSON_STR(b, "state", e->state);
	CLI_JSON_STR(b, "last_sync", e->last_sync);
	CLI_JSON_INT(b, "unsynced", e->unsynced, e->unsynced == -1, 1);
	CLI_OUT_LIT(b, "}");
}

static int
row(void *ctx, const struct store_report_row *r)
{
	struct jrows *j = ctx;

	if (j->n++)
		CLI_OUT_LIT(j->ob, ",");
	if (r->json) {
		cli_out_flush(j->ob);
		return cli_json_text(j->f, r->json, r->json_len);
	}
	row_site(j, r);
	row_experiment(j, r);
	return 0;
}

static int
rows(struct store *s, struct jrows *j, bool bugs)
{
	int rc;

	j->n = 0;
	cli_out_str(j->ob, bugs ? ",\"bugs\":[" : ",\"experiments\":[");
	rc = store_report_rows(s, bugs, row, j);
	CLI_OUT_LIT(j->ob, "]");
	cli_out_flush(j->ob);
	return rc;
}

int
report_json(struct store *s, struct cli_stacks *cs, const char *lead,
    bool all, FILE *f)
{
	struct jrows j = { .f = f, .cs = cs };
	int rc;

	j.ob = malloc(sizeof(*j.ob));
	if (!j.ob)
		return -ENOMEM;
	j.ob->f = f;
	j.ob->len = 0;
	rc = store_report_json_head(s, BADIO_VERSION, lead, cli_json_text, f);
	if (rc == 0)
		rc = rows(s, &j, true);
	if (rc == 0 && all)
		rc = rows(s, &j, false);
	if (rc == 0 && all)
		rc = store_report_json_skipped(s, cli_json_text, f);
	if (rc == 0)
		fputs("}\n", f);
	free(j.ob);
	return rc;
}
