/*
 * fault.c - the table of faults explore injects.
 *
 * One row per fault (SQLite's FAULTSIM array, STYLE 4.8): the explorer
 * loops over the rows and never special-cases a name.  Where a fault can
 * be injected at all is the recorder's business (rec_fault_applies, from
 * the syscall table); this table adds what explore needs on top: the
 * interface name, whether the fault is transient (the call fails once and
 * the program goes on) or final (the program is gone), which faults
 * run by default for each family, and which crash states the oracle
 * judges after it (power, lost-sync: state.c).  power is in the
 * default set of every family (the end site has only it), lost-sync in
 * that of the sync family.
 */
#include "explorer/explorer.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define T	BX_FAULT_TRANSIENT
#define P	BX_FAULT_PERSISTENT
#define F	BX_FAULT_FINAL
#define NS	BX_STATES_NONE
#define CS	BX_STATES_CHOSEN
#define LS	BX_STATES_LOST

static const struct bx_fault faults[] = {
	/* name       fault                 kind write other sync states */
	{ "short",   REC_FAULT_SHORT,      T, true,  false, false, NS,
	  "the call writes about half and returns that count" },
	{ "torn",    REC_FAULT_TORN,       T, true,  false, false, NS,
	  "the call writes about half, then fails with EIO" },
	{ "eio",     REC_FAULT_EIO,        T, true,  true,  false, NS,
	  "the call is not executed and fails with EIO" },
	{ "enospc",  REC_FAULT_ENOSPC,     T, false, false, false, NS,
	  "the call is not executed and fails with ENOSPC" },
	{ "crash",   REC_FAULT_CRASH,      F, true,  true,  false, NS,
	  "every process of the program is killed before the call" },
	{ "eio+",    REC_FAULT_EIO_DEV,    P, false, false, false, NS,
	  "EIO here and at every later write, sync, namespace or close call "
	  "on the same file system (a dead device)" },
	{ "enospc+", REC_FAULT_ENOSPC_DEV, P, false, false, false, NS,
	  "ENOSPC here, then the file system is full: writes that need new "
	  "blocks fail or are cut short, new files and fallocate fail, until "
	  "unlink or truncate frees space" },
	/* crash states (state.c, power.c) */
	{ "power",   REC_FAULT_POWER,      F, true,  true,  false, CS,
	  "power fails before the call: every process is killed and the "
	  "oracle judges each crash state (--power-states) of what a file "
	  "system may keep" },
	{ "lost-sync", REC_FAULT_LOST_SYNC, T, false, false, true,  LS,
	  "the sync call fails with EIO and what it should have made durable "
	  "is lost; later syncs of the file's other open descriptions fail "
	  "once; the program runs on, power fails after its end, the oracle "
	  "judges the durable and durable-zero states" },
};

static const char *const kind_names[] = {
	[BX_FAULT_TRANSIENT]	= "transient",
	[BX_FAULT_PERSISTENT]	= "persistent",
	[BX_FAULT_FINAL]	= "final",
};

const char *
bx_fault_kind_name(enum bx_fault_kind k)
{
	return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ?
	    kind_names[k] : "?";
}

#define NFAULTS	(sizeof(faults) / sizeof(faults[0]))

const struct bx_fault *
bx_fault_at(size_t i)
{
	return i < NFAULTS ? &faults[i] : NULL;
}

const struct bx_fault *
bx_fault_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < NFAULTS; i++)
		if (strcmp(faults[i].name, name) == 0)
			return &faults[i];
	return NULL;
}

const struct bx_fault *
bx_fault_by_code(enum rec_fault f)
{
	size_t i;

	for (i = 0; i < NFAULTS; i++)
		if (faults[i].fault == f)
			return &faults[i];
	return NULL;
}

int
bx_faults_parse(const char *list, unsigned *mask, char *err, size_t errsz)
{
	const struct bx_fault *f;
	const char *p = list;
	char word[32];
	size_t n;

	*mask = 0;
	for (;;) {
		n = strcspn(p, ",");
		if (n == 0) {
			snprintf(err, errsz, "empty fault name in '%s'", list);
			return -EINVAL;
		}
		if (n >= sizeof(word)) {
			snprintf(err, errsz, "unknown fault '%.*s'", (int)n, p);
			return -EINVAL;
		}
		memcpy(word, p, n);
		word[n] = '\0';
		f = bx_fault_by_name(word);
		if (!f) {
			snprintf(err, errsz, "unknown fault '%s'", word);
			return -EINVAL;
		}
		*mask |= 1u << f->fault;
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

unsigned
bx_faults_for_site(unsigned selected, const struct rec_sysent *sc,
    int64_t count)
{
	unsigned out = 0;
	bool write = sc->family == REC_FAM_WRITE;
	size_t i;

	for (i = 0; i < NFAULTS; i++) {
		const struct bx_fault *f = &faults[i];
		bool want;

		if (selected)
			want = selected & (1u << f->fault);
		else
			want = write ? f->dflt_write : f->dflt_other ||
			    (sc->family == REC_FAM_SYNC && f->dflt_sync);
		if (want && rec_fault_applies(f->fault, sc, count))
			out |= 1u << f->fault;
	}
	return out;
}
