/*
 * cli.h - what every badio command shares: the one-line message printers
 * (git's wording: "badio: cannot open database 'x': reason") and small
 * parsers.  Only tools/ prints or exits.
 *
 * Exit status, the same for every command (docs/badio.1, EXIT STATUS;
 * docs/manual.md, "Exit status"): 0 done; 1 bugs found (--fail-on
 * matched); 2 usage or set-up error (bad options, a missing, foreign,
 * corrupt or newer database, an oracle that fails the fault-free run,
 * a program that cannot be traced); 3 runtime error (a database write
 * or read that failed, a worker that died, no memory); 130 interrupted.
 * `record` passes PROG's status through instead of 0.
 */
#ifndef BADIO_TOOLS_CLI_H
#define BADIO_TOOLS_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

#define EXIT_BUGS	1
#define EXIT_USAGE	2
#define EXIT_RUNTIME	3
#define EXIT_INTERRUPTED	130

void	die(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	die_usage(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
int	error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	die_code(int code, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

/* "KILL" for SIGKILL; "SIG42" when unnamed. */
const char *cli_signal_name(int sig);
/* "EIO" for 5. */
const char *cli_errno_name(int err);
/* 1536 -> "1.5K"; exact below 1024. */
void	cli_human_size(char *buf, size_t size, int64_t n);
/* Parse a whole decimal number in [min, max]; false if malformed. */
bool	cli_parse_int(const char *s, long min, long max, long *out);
/* Print a CSV field, escaped (tools/text.h), quoted when needed (RFC 4180). */
void	cli_csv_field(FILE *f, const char *s, bool last);

/* Tables: tools/table.h. */

/* Output formats of sites and report; each command accepts a mask of them. */
enum cli_format {
	CLI_FORMAT_TABLE, CLI_FORMAT_CSV, CLI_FORMAT_JSON, CLI_FORMAT_HTML,
	CLI_FORMAT_JUNIT, CLI_FORMAT_SARIF
};
#define CLI_FORMAT_COUNT	6
#define CLI_FORMATS_SITES	((1u << CLI_FORMAT_TABLE) | \
				 (1u << CLI_FORMAT_CSV) | (1u << CLI_FORMAT_JSON))
#define CLI_FORMATS_REPORT	(CLI_FORMATS_SITES | (1u << CLI_FORMAT_HTML) | \
				 (1u << CLI_FORMAT_JUNIT) | (1u << CLI_FORMAT_SARIF))
/* "table", ...; NULL past the end. */
const char	*cli_format_name(enum cli_format f);
/*
 * Parse --format's argument among the allowed ones; a usage error
 * (exit 2) naming cmd and the choices if unknown.
 */
enum cli_format cli_parse_format(const char *cmd, const char *s,
	    unsigned allowed);

/*
 * --fail-on LIST (explore, report): verdict names, "bugs" (every bug
 * verdict) and "inconclusive" (unreached, not judged or diverged
 * experiments), comma-separated (bx_verdicts_parse).  check: -EINVAL with a
 * message in err if a name is unknown.  count: how many experiments of
 * the database have one of them (> 0: exit 1).
 */
int	cli_fail_on_check(const char *list, char *err, size_t errsz);
int	cli_fail_on_count(struct store *s, const char *list, int64_t *n);

/*
 * `badio --complete WORDS...` (tools/complete.c): the candidates for the
 * last word, for the shell completions in tools/completion/.
 */
int	cli_complete(int nwords, char **words);

/*
 * Run fn (async-signal-safe) on SIGINT, SIGTERM and SIGHUP, without
 * SA_RESTART so that blocking waits return and notice.
 */
void	cli_on_interrupt(void (*fn)(int sig));

/* Flush stdout; a runtime error (exit 3) if what was printed is lost. */
void	cli_flush_stdout(const char *cmd);
/*
 * The determinism warnings of a run: no PID namespace (ns_errno why),
 * or /dev/urandom not replaced in one.  who is the subject, as printed:
 * "'prog'", "explore: the fault-free run".
 */
void	cli_warn_namespaces(const char *who, bool pidns, bool urandom,
	    int ns_errno);

/* Print JSON text from the store as valid UTF-8 (cli_json_clean), and a newline. */
int	cli_json_print(FILE *f, const char *json);
/*
 * A JSON array printed element by element (store_text_fn): "[", the rows
 * made valid UTF-8 as cli_json_print does, separated by ",", then
 * cli_json_rows_end's "]": the same text as one json_group_array, without
 * holding it all.
 */
struct cli_json_rows {
	FILE		*f;
	uint64_t	rows;
};
int	cli_json_row(void *ctx, const char *text, size_t len);
int	cli_json_rows_end(struct cli_json_rows *r);
/* One piece of a streamed JSON text (store_text_fn) to the FILE ctx, mended so. */
int	cli_json_text(void *ctx, const char *text, size_t len);

/* Open an existing database, or die with one line naming the problem. */
struct store *cli_open_db(const char *path, enum store_mode mode);
#endif /* BADIO_TOOLS_CLI_H */
