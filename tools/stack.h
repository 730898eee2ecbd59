/*
 * stack.h - call sites as people read them: the frames of a call site
 * symbolized (function, source file:line) when shown, and the innermost
 * frame of the user's own code, for `badio sites --stacks` and reports.
 * One cache per command: each call site and module is looked up once.
 */
#ifndef BADIO_TOOLS_STACK_H
#define BADIO_TOOLS_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct cli_frame {
	const char	*module;	/* mapped file */
	uint64_t	offset;
	const char	*func;		/* "" if unknown */
	const char	*file;		/* source file, "" if unknown */
	int		line;
	bool		user;		/* the program's own code, not libc/runtime */
	char		*text;		/* "func (file.c:42)" or "module+0x1a2b" */
};

struct cli_stacks;

struct cli_stacks *cli_stacks_new(struct store *s);
void	cli_stacks_free(struct cli_stacks *cs);
/* The frames of a call site, innermost first; *n = 0 when unknown. */
int	cli_stack_frames(struct cli_stacks *cs, int64_t callsite,
	    const struct cli_frame **frames, size_t *n, bool *unwound);
/*
 * Where the user's code made the call: the innermost user frame as
 * "file.c:42 func", else the innermost named frame, else module+offset;
 * "?" when the call site is unknown.
 */
const char *cli_stack_location(struct cli_stacks *cs, int64_t callsite);
/*
 * The frame cli_stack_location names (its source file as the debug
 * information has it, often absolute, and line), or NULL when the call
 * site is unknown.  Valid as long as cs.
 */
const struct cli_frame *cli_stack_pick(struct cli_stacks *cs, int64_t callsite);
/* One frame's text, "func (file.c:42)"; valid until the next call. */
const char *cli_frame_text(struct cli_stacks *cs, const char *module,
	    uint64_t offset);

#endif /* BADIO_TOOLS_STACK_H */
