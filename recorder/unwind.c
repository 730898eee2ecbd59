/*
 * unwind.c - full call stacks with libdw (record --stacks), taken once
 * per distinct call site.  libdw attaches to the stopped thread through
 * ptrace (badio is already its tracer), unwinds with CFI (.eh_frame,
 * .debug_frame: Go emits it) and falls back to frame pointers.  Each pc
 * is normalised to (module, file offset) through the same mappings as
 * the call-site scan; symbolization happens later, when shown
 * (recorder/symbolize.c): record raw, decode late.
 */
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "recorder/recorder_int.h"

struct unwind_ctx {
	struct tracer	*tr;
	pid_t		tgid;
	struct rec_frame *frames;
	unsigned	max;
	unsigned	n;
};

static const Dwfl_Callbacks proc_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
};

static int
on_frame(Dwfl_Frame *frame, void *arg)
{
	struct unwind_ctx *u = arg;
	Dwarf_Addr pc;
	bool activation;

	/*
	 * Stored as is, like the scan's addresses (mostly return addresses,
	 * pointing after the call); the symbolizer looks up address - 1.
	 */
	if (!dwfl_frame_pc(frame, &pc, &activation))
		return DWARF_CB_ABORT;
	if (callsite_frame(u->tr, u->tgid, pc, &u->frames[u->n]))
		u->n++;
	return u->n < u->max ? DWARF_CB_OK : DWARF_CB_ABORT;
}

int
unwind_frames(struct tracer *tr, struct task *t, struct rec_frame *frames,
    unsigned max, unsigned *n)
{
	struct unwind_ctx u = { tr, task_tgid(t), frames, max, 0 };
	Dwfl *dwfl = dwfl_begin(&proc_callbacks);
	int rc = -EIO;

	*n = 0;
	if (!dwfl)
		return -ENOMEM;
	dwfl_report_begin(dwfl);
	if (dwfl_linux_proc_report(dwfl, u.tgid) != 0 ||
	    dwfl_report_end(dwfl, NULL, NULL) != 0)
		goto out_end;
	if (dwfl_linux_proc_attach(dwfl, u.tgid, true) != 0)
		goto out_end;
	dwfl_getthread_frames(dwfl, t->tid, on_frame, &u);
	*n = u.n;
	rc = u.n ? 0 : -EIO;
out_end:
	dwfl_end(dwfl);
	return rc;
}
