/*
 * cli.c - message printers, small parsers and the text table used by
 * the commands.  Each message is built whole and written with one call,
 * so lines from parallel processes do not interleave.
 */
#include "tools/cli.h"
#include "tools/outbuf.h"
#include "tools/text.h"

#include "explorer/explorer.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
vmessage(const char *prefix, const char *fmt, va_list ap)
{
	char msg[4096];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "badio: %s%s\n", prefix, msg);
}

void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
	exit(EXIT_RUNTIME);
}

void
die_code(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
	exit(code);
}

void
die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
	exit(EXIT_USAGE);
}

int
error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
	return -1;
}

void
warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("warning: ", fmt, ap);
	va_end(ap);
}

void
cli_warn_namespaces(const char *who, bool pidns, bool urandom, int ns_errno)
{
	const char *why = ns_errno == ECANCELED ? "BADIO_NO_NAMESPACES is set" :
	    ns_errno == EPERM || ns_errno == ENOSPC ? "making one needs root "
	    "with CAP_SYS_ADMIN, or user namespaces, which are not allowed "
	    "here: sysctl user.max_user_namespaces, "
	    "kernel.unprivileged_userns_clone, or a container's seccomp "
	    "profile" : strerror(ns_errno);

	if (!pidns)
		warn("%s ran without a PID namespace of its own (%s): its "
		    "pids and what it reads from /dev/urandom differ from run "
		    "to run", who, why);
	else if (!urandom)
		warn("%s read the real /dev/urandom (it could not be "
		    "replaced in its mount namespace): those bytes differ "
		    "from run to run", who);
}

const char *
cli_signal_name(int sig)
{
	static char buf[16];
	const char *name = sigabbrev_np(sig);

	if (name)
		return name;
	snprintf(buf, sizeof(buf), "SIG%d", sig);
	return buf;
}

const char *
cli_errno_name(int err)
{
	static char buf[16];
	const char *name = strerrorname_np(err);

	if (name)
		return name;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

void
cli_human_size(char *buf, size_t size, int64_t n)
{
	static const char units[] = "KMGTPE";
	double v = (double)n;
	char text[32];
	int u = -1;

	if (cli_size_text(text, n)) {
		snprintf(buf, size, "%s", text);
		return;
	}
	while ((v >= 1024 || v <= -1024) && u < 5) {
		v /= 1024;
		u++;
	}
	if (v < 10 && v > -10)
		snprintf(buf, size, "%.1f%c", v, units[u]);
	else
		snprintf(buf, size, "%.0f%c", v, units[u]);
}

bool
cli_parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/*
 * Escaped (tools/text.h: no newline or control byte is left, so a row
 * is one line), and quoted when it holds a comma or a quote.  Written as
 * it is escaped: a field of any length needs no memory.
 */
void
cli_csv_field(FILE *f, const char *s, bool last)
{
	if (s) {
		bool quote = s[strcspn(s, ",\"")] != '\0';

		if (quote)
			fputc('"', f);
		cli_escape_write(f, s, true);
		if (quote)
			fputc('"', f);
	}
	fputc(last ? '\n' : ',', f);
}

static const char *const format_names[CLI_FORMAT_COUNT] = {
	[CLI_FORMAT_TABLE] = "table", [CLI_FORMAT_CSV] = "csv",
	[CLI_FORMAT_JSON] = "json", [CLI_FORMAT_HTML] = "html",
	[CLI_FORMAT_JUNIT] = "junit", [CLI_FORMAT_SARIF] = "sarif",
};

const char *
cli_format_name(enum cli_format f)
{
	return (unsigned)f < CLI_FORMAT_COUNT ? format_names[f] : NULL;
}

enum cli_format
cli_parse_format(const char *cmd, const char *s, unsigned allowed)
{
	char choices[128] = "";
	size_t len = 0;
	int n = 0, left = __builtin_popcount(allowed);

	for (int i = 0; i < CLI_FORMAT_COUNT; i++)
		if ((allowed & (1u << i)) && strcmp(s, format_names[i]) == 0)
			return (enum cli_format)i;
	/* "table, csv or json" */
	for (int i = 0; i < CLI_FORMAT_COUNT && len < sizeof(choices); i++) {
		if (!(allowed & (1u << i)))
			continue;
		n++;
		len += (size_t)snprintf(choices + len, sizeof(choices) - len,
		    "%s%s", n == 1 ? "" : n == left ? " or " : ", ",
		    format_names[i]);
	}
	die_usage("%s: unknown format '%s' (use %s)", cmd, s, choices);
}

int
cli_fail_on_check(const char *list, char *err, size_t errsz)
{
	unsigned mask;

	return bx_verdicts_parse(list, &mask, err, errsz);
}

struct fail_on_sum {
	unsigned	mask;
	int64_t		n;
};

static int
fail_on_add(void *ctx, const char *verdict, int64_t n)
{
	struct fail_on_sum *f = ctx;
	int v = bx_verdict_parse(verdict);

	if (v >= 0 && (f->mask & (1u << v)))
		f->n += n;
	return 0;
}

int
cli_fail_on_count(struct store *s, const char *list, int64_t *n)
{
	struct fail_on_sum f = { 0 };
	char err[128];
	int rc;

	*n = 0;
	if (bx_verdicts_parse(list, &f.mask, err, sizeof(err)) < 0)
		return -EINVAL;
	rc = store_verdict_counts(s, fail_on_add, &f);
	if (rc == 0 && (f.mask & BX_VERDICTS_INCONCLUSIVE)) {
		struct store_inconclusive c;

		rc = store_inconclusive_get(s, &c);
		f.n += c.total;
	}
	*n = f.n;
	return rc;
}

void
cli_flush_stdout(const char *cmd)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		die("%s: cannot write the output: %s", cmd,
		    strerror(errno ? errno : EIO));
}

void
cli_on_interrupt(void (*fn)(int sig))
{
	struct sigaction sa = { .sa_handler = fn };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* ASCII only: valid UTF-8 as it is, nothing for cli_json_clean to mend. */
static bool
ascii(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] >= 0x80)
			return false;
	return true;
}

int
cli_json_text(void *ctx, const char *text, size_t len)
{
	FILE *f = ctx;
	char *copy, *clean;

	if (ascii(text, len)) {
		fwrite(text, 1, len, f);
		return 0;
	}
	copy = strndup(text, len);	/* a piece need not end in a NUL */
	clean = copy ? cli_json_clean(copy) : NULL;
	free(copy);
	if (!clean)
		return -ENOMEM;
	fputs(clean, f);
	free(clean);
	return 0;
}

int
cli_json_row(void *ctx, const char *text, size_t len)
{
	struct cli_json_rows *r = ctx;

	fputc(r->rows++ ? ',' : '[', r->f);
	return cli_json_text(r->f, text, len);
}

int
cli_json_rows_end(struct cli_json_rows *r)
{
	fputs(r->rows ? "]\n" : "[]\n", r->f);
	return 0;
}

int
cli_json_print(FILE *f, const char *json)
{
	char *clean = cli_json_clean(json);

	if (!clean)
		return -ENOMEM;
	fputs(clean, f);
	fputc('\n', f);
	free(clean);
	return 0;
}
