/*
 * verdict.c - what an experiment means: the verdict table.
 *
 * Inputs are the fault, whether it was injected, how PROG ended and
 * what the oracle said; the output is one verdict.  The order of the
 * checks is the specification (docs/explore.md, "Verdicts"):
 *
 *   fault never injected               -> unreached
 *   PROG hit the timeout               -> hang
 *   oracle gave no answer              -> oracle-error
 *     (timeout, signal, could not start, exit 125, 126 or 127)
 *   PROG exited 0                      -> ok / silent-corruption
 *   PROG exited non-zero               -> reported / corruption
 *   PROG killed by the crash fault     -> ok / corruption
 *   PROG died of another signal        -> crashed / corruption
 *
 * where the second verdict of a pair is for an oracle that says damaged.
 */
#include "explorer/explorer.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char	*name;
	bool		bug;	/* counted in the bugs view and the progress line */
} verdicts[BX_V_COUNT] = {
	[BX_V_OK]		= { "ok",		 false },
	[BX_V_REPORTED]		= { "reported",		 false },
	[BX_V_SILENT_CORRUPTION] = { "silent-corruption", true },
	[BX_V_CORRUPTION]	= { "corruption",	 true },
	[BX_V_CRASHED]		= { "crashed",		 true },
	[BX_V_HANG]		= { "hang",		 true },
	[BX_V_UNREACHED]	= { "unreached",	 false },
	[BX_V_ORACLE_ERROR]	= { "oracle-error",	 false },
};

const char *
bx_verdict_name(enum bx_verdict v)
{
	return (unsigned)v < BX_V_COUNT ? verdicts[v].name : "?";
}

int
bx_verdict_parse(const char *name)
{
	int i;

	for (i = 0; i < BX_V_COUNT; i++)
		if (strcmp(verdicts[i].name, name) == 0)
			return i;
	return -1;
}

bool
bx_verdict_is_bug(enum bx_verdict v)
{
	return (unsigned)v < BX_V_COUNT && verdicts[v].bug;
}

/*
 * Names --fail-on takes besides the verdicts: "bugs" is every bug
 * verdict, "inconclusive" every experiment that says nothing of its site.
 */
static unsigned
alias_mask(const char *name)
{
	unsigned mask = 0;

	if (strcmp(name, "inconclusive") == 0)
		return BX_VERDICTS_INCONCLUSIVE;
	if (strcmp(name, "bugs") != 0)
		return 0;
	for (int v = 0; v < BX_V_COUNT; v++)
		if (verdicts[v].bug)
			mask |= 1u << v;
	return mask;
}

int
bx_verdicts_parse(const char *list, unsigned *mask, char *err, size_t errsz)
{
	const char *p = list;
	char word[32];
	unsigned alias;
	size_t n;
	int v;

	*mask = 0;
	for (;;) {
		n = strcspn(p, ",");
		if (n == 0 || n >= sizeof(word)) {
			snprintf(err, errsz, "bad verdict list '%s'", list);
			return -EINVAL;
		}
		memcpy(word, p, n);
		word[n] = '\0';
		if ((v = bx_verdict_parse(word)) >= 0) {
			*mask |= 1u << v;
		} else if ((alias = alias_mask(word))) {
			*mask |= alias;
		} else {
			snprintf(err, errsz, "unknown verdict '%s'", word);
			return -EINVAL;
		}
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

int
bx_verdicts_check(const char *list, char *err, size_t errsz)
{
	unsigned mask;

	return bx_verdicts_parse(list, &mask, err, errsz);
}

bool
bx_oracle_judged(const struct bx_oracle_result *o)
{
	if (o->state != BX_ORACLE_EXITED)
		return false;
	/* 125: cannot judge (git bisect run); 126, 127: sh could not run it */
	return o->code != 125 && o->code != 126 && o->code != 127;
}

enum bx_verdict
bx_verdict_classify(enum rec_fault fault, bool injected, enum rec_status st,
    int code, const struct bx_oracle_result *o)
{
	bool intact;

	(void)fault;	/* the recorder tells a crash fault apart (REC_CRASHED) */
	if (st == REC_INTERRUPTED)
		return BX_V_COUNT;
	if (!injected)
		return BX_V_UNREACHED;
	if (st == REC_TIMEOUT)
		return BX_V_HANG;
	if (!bx_oracle_judged(o))
		return BX_V_ORACLE_ERROR;
	intact = o->code == 0;
	switch (st) {
	case REC_EXITED:
		if (code == 0)
			return intact ? BX_V_OK : BX_V_SILENT_CORRUPTION;
		return intact ? BX_V_REPORTED : BX_V_CORRUPTION;
	case REC_CRASHED:
		return intact ? BX_V_OK : BX_V_CORRUPTION;
	case REC_SIGNALED:
		return intact ? BX_V_CRASHED : BX_V_CORRUPTION;
	default:
		return BX_V_COUNT;
	}
}

int
bx_status_format(char *buf, size_t size, enum rec_status st, int code)
{
	const char *abbrev;
	int n;

	switch (st) {
	case REC_EXITED:
		n = snprintf(buf, size, "exit:%d", code);
		break;
	case REC_SIGNALED:
		abbrev = sigabbrev_np(code);
		if (abbrev)
			n = snprintf(buf, size, "signal:%s", abbrev);
		else
			n = snprintf(buf, size, "signal:SIG%d", code);
		break;
	case REC_TIMEOUT:
		n = snprintf(buf, size, "timeout");
		break;
	case REC_CRASHED:
		n = snprintf(buf, size, "crash");
		break;
	default:
		n = snprintf(buf, size, "interrupted");
		break;
	}
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
