/*
 * names.c - the text names of families, kinds and faults.  They are part
 * of badio's interface: the database stores them and users type them.
 */
#include "recorder/recorder.h"

#include <stdio.h>
#include <errno.h>
#include <string.h>

#include "recorder/recorder_int.h"

static const char *const family_names[REC_FAM_COUNT] = {
	[REC_FAM_WRITE]		= "write",
	[REC_FAM_SYNC]		= "sync",
	[REC_FAM_NAMESPACE]	= "namespace",
	[REC_FAM_MMAP]		= "mmap",
	[REC_FAM_CLOSE]		= "close",
	[REC_FAM_END]		= "end",
};

static const char *const kind_names[REC_KIND_COUNT] = {
	[REC_KIND_REGULAR]	= "regular",
	[REC_KIND_DIR]		= "dir",
	[REC_KIND_PIPE]		= "pipe",
	[REC_KIND_SOCKET]	= "socket",
	[REC_KIND_TTY]		= "tty",
	[REC_KIND_OTHER]	= "other",
};

static const char *const fault_names[REC_FAULT_COUNT] = {
	[REC_FAULT_NONE]	= "none",
	[REC_FAULT_SHORT]	= "short",
	[REC_FAULT_TORN]	= "torn",
	[REC_FAULT_EIO]		= "eio",
	[REC_FAULT_ENOSPC]	= "enospc",
	[REC_FAULT_CRASH]	= "crash",
	[REC_FAULT_EIO_DEV]	= "eio+",
	[REC_FAULT_ENOSPC_DEV]	= "enospc+",
	[REC_FAULT_POWER]	= "power",
	[REC_FAULT_LOST_SYNC]	= "lost-sync",
};

static int
parse(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return i;
	return -1;
}

const char *
rec_family_name(enum rec_family f)
{
	return (unsigned)f < REC_FAM_COUNT ? family_names[f] : "?";
}

const char *
rec_kind_name(enum rec_kind k)
{
	return (unsigned)k < REC_KIND_COUNT ? kind_names[k] : "?";
}

const char *
rec_fault_name(enum rec_fault f)
{
	return (unsigned)f < REC_FAULT_COUNT ? fault_names[f] : "?";
}

int
rec_family_parse(const char *name)
{
	return parse(family_names, REC_FAM_COUNT, name);
}

int
rec_kind_parse(const char *name)
{
	return parse(kind_names, REC_KIND_COUNT, name);
}

int
rec_fault_parse(const char *name)
{
	int f = parse(fault_names, REC_FAULT_COUNT, name);

	return f == REC_FAULT_NONE ? -1 : f;
}

/*
 * short and torn split the data in two, so they need at least 2 bytes;
 * the other faults apply whenever the table says so.
 */
bool
rec_fault_applies(enum rec_fault f, const struct rec_sysent *sc, int64_t count)
{
	if (f <= REC_FAULT_NONE || f >= REC_FAULT_COUNT || !sc)
		return false;
	if (!(sc->faults & (1u << f)))
		return false;
	if (f == REC_FAULT_SHORT || f == REC_FAULT_TORN)
		return count >= 2;
	return true;
}

bool
rec_flags_has(const char *flags, const char *word)
{
	size_t n = strlen(word);

	while (n > 0 && flags && *flags) {
		size_t len = strcspn(flags, ",");

		if (len == n && strncmp(flags, word, n) == 0)
			return true;
		flags += len + (flags[len] == ',');
	}
	return false;
}

int
rec_key_format(char *buf, size_t size, enum rec_family f, const char *path,
    unsigned ordinal)
{
	/* the end has no path: "end:1" */
	int n = f == REC_FAM_END ?
	    snprintf(buf, size, "%s:%u", rec_family_name(f), ordinal) :
	    snprintf(buf, size, "%s:%s:%u", rec_family_name(f), path, ordinal);

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

bool
rec_path_is_tmpfile(const char *path)
{
	return strncmp(path, "<tmpfile:", 9) == 0;
}
