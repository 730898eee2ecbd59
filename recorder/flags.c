/*
 * flags.c - sites.flags: what a call's flags argument says, what the fd
 * it writes through was opened with, and what the call turned out to do,
 * as comma-separated words (docs/schema.md, "flags").  A crash-state
 * builder reads durability from them: a write on an O_SYNC or O_DSYNC fd
 * is durable when it returns, msync is a durability point only with
 * MS_SYNC, a fallocate that punches a hole is not one that allocates.
 *
 * The words of each flags argument are in the syscall table
 * (sysent.c); this file puts them together, in a fixed order: the fd's
 * words, the argument's words, then the outcome ("tmpfile", "created",
 * "replaced", "noop").
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "recorder/recorder_int.h"

/* The status flags of the fd a write-family call writes through. */
static const struct flag_word fd_w[] = {
	{ O_SYNC, O_SYNC, "osync" },		/* O_SYNC holds O_DSYNC's bit */
	{ O_DSYNC, O_DSYNC, "odsync" },
	{ O_DIRECT, O_DIRECT, "direct" },
};
static const struct flag_words fd_words = {
	fd_w, sizeof(fd_w) / sizeof(fd_w[0]), false,
};

static void
add(struct pending *p, const char *word)
{
	size_t len = strlen(p->flags);

	snprintf(p->flags + len, sizeof(p->flags) - len, "%s%s",
	    len ? "," : "", word);
}

/*
 * The words of v: a word names its mask's bits unless an earlier word
 * did; with fw->all, the bits no word names in hex.
 */
static void
add_words(struct pending *p, const struct flag_words *fw, uint64_t v)
{
	uint64_t named = 0, rest;
	char hex[24];

	for (unsigned i = 0; i < fw->n; i++) {
		const struct flag_word *w = &fw->w[i];

		if ((named & w->mask) || (v & w->mask) != w->value)
			continue;
		add(p, w->name);
		named |= w->mask;
	}
	rest = v & ~named;
	if (fw->all && rest) {
		snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)rest);
		add(p, hex);
	}
}

/*
 * The flags of an open: creat has none (it is O_CREAT|O_WRONLY|O_TRUNC),
 * openat2's are the first field of its struct open_how.  False if they
 * cannot be read.
 */
bool
open_flags(struct task *t, const struct sysent *sc, const uint64_t *args,
    uint64_t *flags)
{
	if (sc->flags < 0) {
		*flags = O_CREAT | O_WRONLY | O_TRUNC;
		return true;
	}
	*flags = args[(int)sc->flags];
	if (!(sc->decode & D_OPENHOW))
		return true;
	return mem_read(t->tid, args[(int)sc->flags], flags, sizeof(*flags)) ==
	    sizeof(*flags);
}

/* At the seccomp stop, after the call's files are decoded. */
void
flags_enter(struct task *t)
{
	struct pending *p = &t->p;
	const struct sysent *sc = p->sc;
	bool known = sc->flags >= 0;
	uint64_t v = known ? p->args[(int)sc->flags] : 0;

	if (sc->pub.family == REC_FAM_WRITE && p->fd >= 0)
		add_words(p, &fd_words, p->fdflags);
	if (sc->decode & D_OPEN) {
		known = open_flags(t, sc, p->args, &v);
		p->may_create = known && (v & O_CREAT) && !p->existed;
	}
	if (known && sc->words)
		add_words(p, sc->words, v);
	if (p->tmpfile)
		add(p, "tmpfile");
}

/* At the exit stop: what the call did. */
void
flags_exit(struct task *t, int64_t rval, bool has_rval)
{
	struct pending *p = &t->p;
	const struct sysent *sc = p->sc;

	if (!has_rval)
		return;
	if (p->may_create && rval >= 0)
		add(p, "created");
	if (!(sc->decode & D_RENAME) || rval != 0)
		return;
	/* two links of one file: the kernel leaves both names as they are */
	if (p->same_file)
		add(p, "noop");
	/* an exchange replaces nothing: both names stay */
	else if (p->existed2 &&
	    !(sc->flags >= 0 && (p->args[(int)sc->flags] & RENAME_EXCHANGE)))
		add(p, "replaced");
}
