/*
 * report_sarif.c - `badio report --format sarif`: SARIF 2.1.0, the format
 * GitHub code scanning and GitLab take, so a bug shows on the line of
 * code that made the call.
 *
 * One run; one rule per bug verdict; one result per bug group (call
 * site, file, verdict: the lines of the report's "bugs by call site"),
 * located at the source file and line of the call site's frame in the
 * program's own code (the debug information's file name, absolute as a
 * file:// URI when it is absolute), with the function as a logical
 * location.  Without debug information the location is the module file;
 * without a call site there is none.  Call-site ids, 64-bit hashes, are
 * strings.  tests/fixtures/sarif-schema-2.1.0.json (OASIS) validates it.
 */
#include "tools/report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "explorer/explorer.h"
#include "tools/markup.h"

#define SARIF_SCHEMA	"https://docs.oasis-open.org/sarif/sarif/v2.1.0/" \
			"errata01/os/schemas/sarif-schema-2.1.0.json"

/* The rules: the bug verdicts, in verdict order. */
static const struct {
	enum bx_verdict	verdict;
	const char	*name;
	const char	*brief;
	const char	*full;
	const char	*help;
} rules[] = {
	{ BX_V_SILENT_CORRUPTION, "SilentCorruption",
	  "The program exits 0 but its files are damaged when this call fails",
	  "With this call broken (a short or torn write, EIO, ENOSPC, or a "
	  "crash before it), the program exited 0 as if all went well, and the "
	  "oracle found the files damaged: data is lost without a word.",
	  "Check the result of every write (a short write is no error: loop), "
	  "fsync and close, and fail with a non-zero exit; replace files "
	  "atomically (write a temporary file, fsync it, rename it over the "
	  "old one, fsync the directory)." },
	{ BX_V_CORRUPTION, "Corruption",
	  "The files are damaged when this call fails, though the program "
	  "noticed or was crashed",
	  "With this call broken, the program failed or crashed, and the "
	  "oracle found the files damaged: neither the old nor the new "
	  "version survived.",
	  "Replace files atomically (temporary file, fsync, rename, fsync of "
	  "the directory), so that a failure at any point leaves the old "
	  "version in place." },
	{ BX_V_CRASHED, "Crashed",
	  "The program crashes when this call fails",
	  "With this call broken, the program died of a signal the fault did "
	  "not send (a segmentation fault, an abort).",
	  "Handle the error this call returns instead of using its result." },
	{ BX_V_HANG, "Hang",
	  "The program hangs when this call fails",
	  "With this call broken, the program did not finish within explore's "
	  "--timeout.",
	  "Do not retry a failing call forever; report the error." },
};

#define NRULES	(sizeof(rules) / sizeof(rules[0]))

static int
rule_index(int verdict)
{
	for (size_t i = 0; i < NRULES; i++)
		if ((int)rules[i].verdict == verdict)
			return (int)i;
	return -1;
}

static void
write_rules(FILE *f)
{
	for (size_t i = 0; i < NRULES; i++) {
		fprintf(f, "%s\n          {\"id\": ", i ? "," : "");
		markup_json(f, bx_verdict_name(rules[i].verdict));
		fputs(", \"name\": ", f);
		markup_json(f, rules[i].name);
		fputs(",\n           \"shortDescription\": {\"text\": ", f);
		markup_json(f, rules[i].brief);
		fputs("},\n           \"fullDescription\": {\"text\": ", f);
		markup_json(f, rules[i].full);
		fputs("},\n           \"help\": {\"text\": ", f);
		markup_json(f, rules[i].help);
		fputs("},\n           \"defaultConfiguration\": {\"level\": "
		    "\"error\"},\n           \"properties\": {\"tags\": "
		    "[\"reliability\", \"crash-consistency\"]}}", f);
	}
}

/* The result's place: the source line, else the module, else none. */
static void
write_locations(FILE *f, struct cli_stacks *cs, int64_t callsite)
{
	const struct cli_frame *fr = callsite ? cli_stack_pick(cs, callsite) :
	    NULL;

	if (!fr)
		return;
	fputs(",\n         \"locations\": [{\"physicalLocation\": "
	    "{\"artifactLocation\": {\"uri\": ", f);
	if (fr->file[0] && fr->line > 0) {
		markup_json_uri(f, fr->file);
		fprintf(f, "}, \"region\": {\"startLine\": %d}}", fr->line);
	} else {
		markup_json_uri(f, fr->module);
		fputs("}}", f);
	}
	if (fr->func[0]) {
		fputs(", \"logicalLocations\": [{\"name\": ", f);
		markup_json(f, fr->func);
		fputs(", \"kind\": \"function\"}]", f);
	}
	fputs("}]", f);
}

static void
write_result(FILE *f, struct cli_stacks *cs, const struct report_group *g,
    const struct report_oracles *os, bool first)
{
	const struct report_oracle *o = report_oracle_get(os, g->oracle);
	char faults[128], callsite[32], text[1024], fp[512];
	int len;

	report_group_faults(g, faults, sizeof(faults));
	snprintf(callsite, sizeof(callsite), "%" PRId64, g->callsite);
	len = snprintf(text, sizeof(text), "%s: %s of %s under %s, at %zu "
	    "site%s (%s", bx_verdict_name(g->verdict), g->syscall, g->path,
	    faults, g->nids, g->nids == 1 ? "" : "s", g->key);
	if (g->nids > 1 && len > 0 && (size_t)len < sizeof(text))
		len += snprintf(text + len, sizeof(text) - (size_t)len,
		    " and %zu more", g->nids - 1);
	if (len > 0 && (size_t)len < sizeof(text))
		snprintf(text + len, sizeof(text) - (size_t)len, ")%s",
		    g->ndiverged ? "; some runs diverged from the recording" : "");
	/* a crash state's group is an alert of its own */
	snprintf(fp, sizeof(fp), "%s:%s:%s%s%s", callsite, g->path,
	    bx_verdict_name(g->verdict), g->state ? ":" : "",
	    g->state ? g->state : "");

	fprintf(f, "%s\n        {\"ruleId\": ", first ? "" : ",");
	markup_json(f, bx_verdict_name(g->verdict));
	fprintf(f, ", \"ruleIndex\": %d, \"level\": \"error\", "
	    "\"kind\": \"fail\",\n         \"message\": {\"text\": ",
	    rule_index(g->verdict));
	markup_json(f, text);
	fputc('}', f);
	write_locations(f, cs, g->callsite);
	fputs(",\n         \"partialFingerprints\": {\"badioCallsite/v1\": ", f);
	markup_json(f, fp);
	fputs("},\n         \"properties\": {\"callsite\": ", f);
	markup_json(f, g->callsite ? callsite : NULL);
	fputs(", \"path\": ", f);
	markup_json(f, g->path);
	fputs(", \"syscall\": ", f);
	markup_json(f, g->syscall);
	fputs(", \"key\": ", f);
	markup_json(f, g->key);
	fputs(", \"faults\": [", f);
	for (int k = 0, n = 0; k < REC_FAULT_COUNT; k++)
		if (g->faults & (1u << k))
			fprintf(f, "%s\"%s\"", n++ ? ", " : "", rec_fault_name(k));
	fputs("], \"sites\": [", f);
	for (size_t i = 0; i < g->nids; i++)
		fprintf(f, "%s%" PRId64, i ? ", " : "", g->ids[i]);
	fprintf(f, "], \"experiments\": %" PRIu64 ", \"diverged\": %" PRIu64,
	    g->nexp, g->ndiverged);
	fputs(", \"state\": ", f);
	markup_json(f, g->state);
	fputs(", \"last_sync\": ", f);
	markup_json(f, g->last_sync);
	/* the oracle that judged the group, and what the program last said */
	fputs(", \"oracle\": ", f);
	markup_json(f, o && o->id ? o->command : NULL);
	fputs(", \"oracle_sha256\": ", f);
	markup_json(f, o ? o->sha256 : NULL);
	fputs(", \"last_output\": ", f);
	markup_json(f, g->prog_last);
	fputs("}}", f);
}

struct counts_json {
	FILE	*f;
	int	n;
};

static int
count_member(void *ctx, const char *verdict, int64_t n)
{
	struct counts_json *c = ctx;

	fprintf(c->f, "%s", c->n++ ? ", " : "");
	markup_json(c->f, verdict);
	fprintf(c->f, ": %" PRId64, n);
	return 0;
}

static int
write_run_properties(FILE *f, struct store *s, const char *db,
    const struct store_recording *rec, const struct bx_pending *pend,
    const struct report_oracles *os)
{
	struct counts_json c = { f, 0 };
	int64_t pairs = 0, sites = 0;
	int rc;

	rc = store_skipped_count(s, &pairs, &sites);
	if (rc < 0)
		return rc;
	fputs(",\n      \"properties\": {\"database\": ", f);
	markup_json(f, db);
	fputs(", \"program\": ", f);
	markup_json(f, rec->exe);
	fputs(", \"argv\": [", f);
	for (size_t i = 0; rec->argv && rec->argv[i]; i++) {
		fputs(i ? ", " : "", f);
		markup_json(f, rec->argv[i]);
	}
	/* "oracle": the one that judged every experiment, else null */
	fputs("], \"oracle\": ", f);
	markup_json(f, os->n == 1 && os->v[0].id ? os->v[0].command : NULL);
	fputs(", \"oracles\": [", f);
	for (size_t i = 0; i < os->n; i++) {
		fprintf(f, "%s{\"id\": %" PRId64 ", \"command\": ", i ? ", " : "",
		    os->v[i].id);
		markup_json(f, os->v[i].id ? os->v[i].command : NULL);
		fputs(", \"sha256\": ", f);
		markup_json(f, os->v[i].sha256);
		fprintf(f, ", \"experiments\": %" PRId64 "}", os->v[i].experiments);
	}
	fputc(']', f);
	fputs(",\n        \"counts\": {", f);
	rc = store_verdict_counts(s, count_member, &c);
	fprintf(f, "}, \"not_explored\": %" PRId64, pairs);
	if (pend->known)
		fprintf(f, ", \"planned\": %" PRIu64 ", \"pending\": %" PRIu64,
		    pend->total, pend->pending);
	fputc('}', f);
	return rc;
}

int
report_sarif(struct store *s, struct cli_stacks *cs, const char *db,
    const struct bx_pending *pend, FILE *f)
{
	struct report_groups gs = { 0 };
	struct report_oracles os = { 0 };
	struct store_recording rec;
	int rc;

	rc = report_groups_load(s, &gs);
	if (rc == 0)
		rc = report_oracles_load(s, &os);
	if (rc == 0)
		rc = store_recording_get(s, &rec);
	if (rc < 0) {
		report_groups_free(&gs);
		report_oracles_free(&os);
		return rc;
	}
	fputs("{\n  \"$schema\": \"" SARIF_SCHEMA "\",\n"
	    "  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\n"
	    "      \"tool\": {\"driver\": {\"name\": \"badio\", \"version\": \""
	    BADIO_VERSION "\", \"semanticVersion\": \"" BADIO_VERSION "\",\n"
	    "        \"rules\": [", f);
	write_rules(f);
	fputs("]}},\n      \"invocations\": [{\"executionSuccessful\": true}]",
	    f);
	rc = write_run_properties(f, s, db, &rec, pend, &os);
	fputs(",\n      \"results\": [", f);
	for (size_t i = 0; i < gs.n && rc == 0; i++)
		write_result(f, cs, &gs.v[i], &os, i == 0);
	fputs("]\n    }\n  ]\n}\n", f);
	store_recording_release(&rec);
	report_groups_free(&gs);
	report_oracles_free(&os);
	return rc;
}
