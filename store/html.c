/*
 * html.c - the data of the HTML report (tools/report_html.c), streamed
 * as JSON texts one row at a time, so a recording of 100,000 sites is
 * never one string in memory.  SQLite's json functions build every text,
 * as for the other JSON outputs.
 *
 * Rows are arrays, not objects, and their texts are indexes into one
 * string table (STORE_HTML_STRINGS): on a large recording the key names
 * and the repeated paths, syscalls and output tails (the same message in
 * hundreds of runs) would otherwise make most of the page.  The column
 * order of each part is the contract with tools/html/report.js and is
 * written next to its query.  The string table is a TEMP table, made
 * once per connection; read-only connections may make one too.
 */
#include "store/store.h"

#include <errno.h>
#include <string.h>

#include "store/store_int.h"

/* Bytes of each output tail the page keeps (the end of the text). */
#define HTML_TAIL_BYTES	"600"

/*
 * The string table: every text a site or an experiment row refers to
 * (syscall, family, path, kind, key path, call-site id, fault, verdict,
 * status, divergence, output tails), each once; rows carry its index
 * (html_strings.id - 1), -1 for NULL.  Call-site ids are 64-bit, more
 * than a JavaScript number holds exactly, so they travel as strings too.
 */
#define HTML_STRINGS_MAKE						\
	"CREATE TEMP TABLE IF NOT EXISTS html_strings ("		\
	"  id INTEGER PRIMARY KEY, t TEXT NOT NULL UNIQUE);"		\
	"INSERT OR IGNORE INTO html_strings (t) SELECT t FROM ("	\
	"SELECT syscall AS t FROM sites UNION SELECT family FROM sites "\
	"UNION SELECT path FROM sites UNION SELECT path2 FROM sites "	\
	"UNION SELECT kind FROM sites UNION SELECT key_path FROM sites "\
	"UNION SELECT CAST(callsite AS TEXT) FROM sites "		\
	"UNION SELECT fault FROM experiments "				\
	"UNION SELECT state FROM experiments "				\
	"UNION SELECT verdict FROM experiments "			\
	"UNION SELECT status FROM experiments "				\
	"UNION SELECT divergence FROM experiments "			\
	"UNION SELECT substr(prog_tail, -" HTML_TAIL_BYTES ") FROM experiments "\
	"UNION SELECT substr(oracle_tail, -" HTML_TAIL_BYTES ") FROM experiments"\
	") WHERE t IS NOT NULL ORDER BY t;"

/* The index of a text column in the string table, -1 for NULL. */
#define STR(alias)	"coalesce(" alias ".id - 1, -1)"
#define JOIN_STR(alias, expr)						\
	" LEFT JOIN html_strings " alias " ON " alias ".t = " expr

/* One object: what the page's summary and bug list need. */
#define HTML_SUMMARY_SQL						\
	"SELECT json_object("						\
	"'recording', (SELECT json_object('exe', exe, 'argv', json(argv), "\
	"  'init_dir', init_dir, 'status', status, 'sites', sites, "	\
	"  'files', files, 'start_ns', start_ns, 'duration_ns', duration_ns, "\
	"  'deterministic', deterministic, 'version', version, "	\
	"  'kernel', kernel) FROM recordings ORDER BY id LIMIT 1), "	\
	"'oracle', (SELECT o.command FROM oracles o WHERE o.id = "	\
	"  (SELECT min(oracle_id) FROM experiments) AND (SELECT "	\
	"  count(DISTINCT oracle_id) FROM experiments) = 1), "		\
	"'oracles', json((SELECT json_group_array(json_object('id', o.id, "\
	"  'command', o.command, 'sha256', o.sha256, 'experiments', "	\
	"  (SELECT count(*) FROM experiments e WHERE e.oracle_id = o.id))) "\
	"  FROM (SELECT * FROM oracles ORDER BY id) o WHERE EXISTS "	\
	"  (SELECT 1 FROM experiments e WHERE e.oracle_id = o.id))), "	\
	"'verdicts', (SELECT json_group_array(json_array(name, bug, meaning)) "\
	"  FROM (SELECT * FROM verdict_codes ORDER BY rank)), "		\
	"'counts', json((SELECT json_group_object(name, n) FROM ("	\
	"  SELECT v.name AS name, count(e.id) AS n FROM verdict_codes v "\
	"  LEFT JOIN experiments e ON e.verdict = v.name "		\
	"  GROUP BY v.name ORDER BY v.rank))), "				\
	"'experiments', (SELECT count(*) FROM experiments), "		\
	"'diverged', (SELECT count(*) FROM experiments WHERE diverged), "\
	"'inconclusive', json(" STORE_INCONCLUSIVE_JSON "), "		\
	"'not_explored', (SELECT count(*) FROM skipped), "		\
	"'groups', json((SELECT " STORE_BUG_GROUPS_JSON ")))"

/* "text", by index. */
#define HTML_STRINGS_SQL						\
	"SELECT json_quote(t) FROM html_strings ORDER BY id"

/*
 * [id, seq, pid, tid, syscall, family, path, path2, kind, offset, count,
 *  result, callsite, key_path, ordinal] in seq order; the texts (syscall
 *  .. kind, callsite, key_path) as string-table indexes.
 */
#define HTML_SITES_SQL							\
	"SELECT json_array(s.id, s.seq, s.pid, s.tid, " STR("a") ", "	\
	STR("b") ", " STR("c") ", " STR("d") ", " STR("e") ", s.offset, "\
	"s.count, s.result, " STR("f") ", " STR("g") ", s.ordinal) "	\
	"FROM sites s"							\
	JOIN_STR("a", "s.syscall") JOIN_STR("b", "s.family")		\
	JOIN_STR("c", "s.path") JOIN_STR("d", "s.path2")		\
	JOIN_STR("e", "s.kind") JOIN_STR("f", "CAST(s.callsite AS TEXT)")\
	JOIN_STR("g", "s.key_path") " ORDER BY s.seq"

/*
 * [site, fault, state, verdict, status, oracle_exit, injected, diverged,
 *  divergence, fault_bytes, prog_tail, oracle_tail, oracle_id], by site
 *  then fault and state (oracle_id: oracles.id, null if unknown);
 *  the texts as string-table indexes (state: -1 for a fault without
 *  crash states).
 */
#define HTML_EXPERIMENTS_SQL						\
	"SELECT json_array(e.site, " STR("a") ", " STR("s") ", " STR("b") ", "\
	STR("c") ", e.oracle_exit, e.injected, e.diverged, " STR("d")	\
	", e.fault_bytes, " STR("p") ", " STR("o") ", e.oracle_id) "	\
	"FROM experiments e"						\
	JOIN_STR("a", "e.fault") JOIN_STR("b", "e.verdict")		\
	JOIN_STR("s", "e.state")					\
	JOIN_STR("c", "e.status") JOIN_STR("d", "e.divergence")		\
	JOIN_STR("p", "substr(e.prog_tail, -" HTML_TAIL_BYTES ")")	\
	JOIN_STR("o", "substr(e.oracle_tail, -" HTML_TAIL_BYTES ")")	\
	" ORDER BY e.site, " STORE_FAULT_RANK("e.fault") ", e.state"

/* ["id", location, [frame text, ...]] for every call site of a site. */
#define HTML_CALLSITES_SQL						\
	"SELECT json_array(CAST(c.id AS TEXT), badio_location(c.id), (SELECT "\
	"json_group_array(badio_frame(f.module, f.offset)) FROM "	\
	"(SELECT * FROM callsite_frames f WHERE f.callsite = c.id "	\
	"ORDER BY f.depth) f)) "					\
	"FROM callsites c WHERE c.id IN (SELECT callsite FROM sites) "	\
	"ORDER BY c.id"

/* [site, fault, reason]: pairs explore left out. */
#define HTML_SKIPPED_SQL						\
	"SELECT json_array(site, fault, reason) FROM skipped "		\
	"ORDER BY site, " STORE_FAULT_RANK("fault")

static const struct {
	enum store_stmt_id id;
	const char	*sql;
	bool		strings;	/* needs the html_strings table */
} parts[] = {
	[STORE_HTML_SUMMARY]	 = { STMT_HTML_SUMMARY, HTML_SUMMARY_SQL, false },
	[STORE_HTML_STRINGS]	 = { STMT_HTML_STRINGS, HTML_STRINGS_SQL, true },
	[STORE_HTML_SITES]	 = { STMT_HTML_SITES, HTML_SITES_SQL, true },
	[STORE_HTML_EXPERIMENTS] = { STMT_HTML_EXPERIMENTS,
				     HTML_EXPERIMENTS_SQL, true },
	[STORE_HTML_CALLSITES]	 = { STMT_HTML_CALLSITES, HTML_CALLSITES_SQL,
				     false },
	[STORE_HTML_SKIPPED]	 = { STMT_HTML_SKIPPED, HTML_SKIPPED_SQL, false },
};

int
store_html_each(struct store *s, enum store_html_part part,
    store_text_fn *fn, void *ctx)
{
	int rc;

	if ((unsigned)part >= sizeof(parts) / sizeof(parts[0]))
		return store_fail(s, -EINVAL, "unknown report part %d", part);
	if (parts[part].strings && !s->html_strings) {
		/* a TEMP table: read-only connections may make one too */
		rc = store_exec(s, HTML_STRINGS_MAKE);
		if (rc < 0)
			return rc;
		s->html_strings = true;
	}
	return store_text_rows(s, parts[part].id, parts[part].sql, fn, ctx);
}
