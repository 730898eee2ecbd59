/*
 * stack.c - see stack.h.  "The user's own code" is told apart from the
 * system's by data: the modules under the system library directories and
 * the Go runtime and standard library packages are not the user's.
 */
#include "tools/stack.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recorder/recorder.h"

/* Modules that are never the user's code. */
static const char *const system_dirs[] = {
	"/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/usr/libexec/",
	"/usr/local/lib/", "[vdso]",
};

struct stack_ent {
	struct stack_ent *next;
	struct stack_ent *hnext;	/* in its slot of cli_stacks.by_id */
	int64_t		id;
	struct cli_frame *frames;
	size_t		n;
	bool		unwound;
	const struct cli_frame *pick;	/* what location names, or NULL */
	char		*location;
};

/* cli_frame_text's answers, by (module, offset): a listing asks again per row. */
#define FRAME_SLOTS	4096

struct frame_ent {
	struct frame_ent *next;
	struct cli_frame f;		/* f.module and f.offset are the key */
};

struct cli_stacks {
	struct store		*store;
	struct rec_symbolizer	*sz;
	struct stack_ent	*ents;
	struct stack_ent	*by_id[FRAME_SLOTS];
	struct frame_ent	*frames[FRAME_SLOTS];
};

struct cli_stacks *
cli_stacks_new(struct store *s)
{
	struct cli_stacks *cs = calloc(1, sizeof(*cs));

	if (!cs)
		return NULL;
	cs->store = s;
	cs->sz = rec_symbolizer_new();
	if (!cs->sz) {
		free(cs);
		return NULL;
	}
	return cs;
}

static void
frame_release(struct cli_frame *f)
{
	free((char *)f->module);
	free((char *)f->func);
	free((char *)f->file);
	free(f->text);
	memset(f, 0, sizeof(*f));
}

static void
ent_free(struct stack_ent *e)
{
	for (size_t i = 0; i < e->n; i++)
		frame_release(&e->frames[i]);
	free(e->frames);
	free(e->location);
	free(e);
}

void
cli_stacks_free(struct cli_stacks *cs)
{
	if (!cs)
		return;
	while (cs->ents) {
		struct stack_ent *e = cs->ents;

		cs->ents = e->next;
		ent_free(e);
	}
	for (size_t i = 0; i < FRAME_SLOTS; i++) {
		while (cs->frames[i]) {
			struct frame_ent *e = cs->frames[i];

			cs->frames[i] = e->next;
			frame_release(&e->f);
			free(e);
		}
	}
	rec_symbolizer_free(cs->sz);
	free(cs);
}

/*
 * Go's runtime and the standard-library packages a write goes through
 * (os.(*File).Write -> internal/poll.(*FD).Write -> syscall.write ->
 * runtime...).  Listed rather than guessed: C symbols may contain dots
 * too ("save.constprop.0").
 */
static const char *const go_std_prefixes[] = {
	"runtime.", "runtime/", "syscall.", "internal/", "os.", "io.", "io/",
	"bufio.", "sync.", "fmt.", "log.", "bytes.", "strings.", "encoding/",
	"compress/", "archive/", "path/", "database/",
};

static bool
go_std_func(const char *func)
{
	for (size_t i = 0; i < sizeof(go_std_prefixes) / sizeof(go_std_prefixes[0]); i++)
		if (strncmp(func, go_std_prefixes[i], strlen(go_std_prefixes[i])) == 0)
			return true;
	return false;
}

static bool
frame_is_user(const struct cli_frame *f)
{
	for (size_t i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++)
		if (strncmp(f->module, system_dirs[i], strlen(system_dirs[i])) == 0)
			return false;
	if (strstr(f->module, "/ld-linux"))
		return false;
	return !(f->func[0] && go_std_func(f->func));
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static int
frame_fill(struct cli_stacks *cs, struct cli_frame *f,
    const struct store_frame *sf)
{
	struct rec_symbol sym;
	int len;

	rec_symbolize(cs->sz, sf->module, (uint64_t)sf->offset, &sym);
	f->module = strdup(sf->module);
	f->offset = (uint64_t)sf->offset;
	f->func = strdup(sym.func);
	f->file = strdup(sym.file);
	f->line = sym.line;
	if (!f->module || !f->func || !f->file)
		return -ENOMEM;
	f->user = frame_is_user(f);
	if (sym.func[0] && sym.file[0])
		len = asprintf(&f->text, "%s (%s:%d)", sym.func,
		    base_name(sym.file), sym.line);
	else if (sym.func[0])
		len = asprintf(&f->text, "%s (%s)", sym.func, base_name(f->module));
	else
		len = asprintf(&f->text, "%s+0x%llx", base_name(f->module),
		    (unsigned long long)f->offset);
	if (len < 0) {
		f->text = NULL;
		return -ENOMEM;
	}
	return 0;
}

static const struct cli_frame *
pick_frame(const struct stack_ent *e)
{
	const struct cli_frame *pick = NULL;

	/*
	 * The user's own code first; else the first caller outside the
	 * module that made the syscall (a library such as libsqlite3 says
	 * more than libc's __write); else the syscall's frame.
	 */
	for (size_t i = 0; i < e->n && !pick; i++)
		if (e->frames[i].user && e->frames[i].func[0])
			pick = &e->frames[i];
	for (size_t i = 0; i < e->n && !pick; i++)
		if (e->frames[i].user)
			pick = &e->frames[i];
	for (size_t i = 1; i < e->n && !pick; i++)
		if (e->frames[i].func[0] &&
		    strcmp(e->frames[i].module, e->frames[0].module) != 0)
			pick = &e->frames[i];
	if (!pick && e->n)
		pick = &e->frames[0];
	return pick;
}

static char *
make_location(const struct cli_frame *pick)
{
	char *out;

	if (!pick)
		return strdup("?");
	if (pick->file[0] && asprintf(&out, "%s:%d %s", base_name(pick->file),
	    pick->line, pick->func) >= 0)
		return out;
	return strdup(pick->text);
}

static struct stack_ent *
ent_load(struct cli_stacks *cs, int64_t id)
{
	struct store_frame *sf;
	struct stack_ent *e;
	size_t n;
	bool unwound;

	for (e = cs->by_id[(uint64_t)id % FRAME_SLOTS]; e; e = e->hnext)
		if (e->id == id)
			return e;
	if (store_callsite_get(cs->store, id, &sf, &n, &unwound) < 0)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (e)
		e->frames = calloc(n ? n : 1, sizeof(*e->frames));
	if (!e || !e->frames)
		goto out_fail;
	e->id = id;
	e->unwound = unwound;
	for (size_t i = 0; i < n; i++) {
		e->n = i + 1;
		if (frame_fill(cs, &e->frames[i], &sf[i]) < 0)
			goto out_fail;
	}
	e->pick = pick_frame(e);
	e->location = make_location(e->pick);
	if (!e->location)
		goto out_fail;
	store_frames_free(sf, n);
	e->next = cs->ents;
	cs->ents = e;
	e->hnext = cs->by_id[(uint64_t)id % FRAME_SLOTS];
	cs->by_id[(uint64_t)id % FRAME_SLOTS] = e;
	return e;
out_fail:
	store_frames_free(sf, n);
	if (e)
		ent_free(e);
	return NULL;
}

int
cli_stack_frames(struct cli_stacks *cs, int64_t callsite,
    const struct cli_frame **frames, size_t *n, bool *unwound)
{
	struct stack_ent *e = callsite ? ent_load(cs, callsite) : NULL;

	*frames = e ? e->frames : NULL;
	*n = e ? e->n : 0;
	*unwound = e && e->unwound;
	return e || !callsite ? 0 : -ENOMEM;
}

const char *
cli_stack_location(struct cli_stacks *cs, int64_t callsite)
{
	struct stack_ent *e = callsite ? ent_load(cs, callsite) : NULL;

	return e ? e->location : "?";
}

const struct cli_frame *
cli_stack_pick(struct cli_stacks *cs, int64_t callsite)
{
	struct stack_ent *e = callsite ? ent_load(cs, callsite) : NULL;

	return e ? e->pick : NULL;
}

static unsigned
frame_slot(const char *module, uint64_t offset)
{
	uint64_t h = 14695981039346656037ull ^ offset;

	for (const unsigned char *p = (const unsigned char *)module; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return (unsigned)(h % FRAME_SLOTS);
}

const char *
cli_frame_text(struct cli_stacks *cs, const char *module, uint64_t offset)
{
	struct store_frame sf = { module, (int64_t)offset };
	unsigned slot = frame_slot(module, offset);
	struct frame_ent *e;

	for (e = cs->frames[slot]; e; e = e->next)
		if (e->f.offset == offset && strcmp(e->f.module, module) == 0)
			return e->f.text;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	if (frame_fill(cs, &e->f, &sf) < 0) {
		frame_release(&e->f);
		free(e);
		return NULL;
	}
	e->next = cs->frames[slot];
	cs->frames[slot] = e;
	return e->f.text;
}
