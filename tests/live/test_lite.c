/*
 * test_lite.c - lite sites before the fault (rec_opts.sites_lite,
 * recorder/emulate.c emulate_lite, docs/ptrace.md "What a re-run
 * decodes"): until the target is broken, a write badio would emulate is
 * left to the kernel at its seccomp stop with no exit stop, and its site
 * carries its identity only.
 *
 *   - the recorder on tests/progs/fp_goon.c (200 writes, eio at the
 *     100th): the 99 writes before it are lite, counted in stops.lite;
 *     every site has the key, kind, syscall, count, call site, seq,
 *     process and thread of the same run made without it; the file is
 *     the same; the target and the sites after it are whole;
 *   - with journal (what power faults use) or BADIO_FULL_RERUN: none.
 *
 * The tests need ptrace.  Without it they fail, unless the environment
 * has BADIO_TEST_ALLOW_SKIP=1 (restricted containers; never in CI).
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "explorer/explorer.h"
#include "recorder/recorder.h"

extern char **environ;

#define S(x)	((char *)(x))
#define MAXS	512

struct lsite {
	char		key[64];
	int		kind;
	const char	*syscall;
	int64_t		count, callsite;
	uint64_t	seq;
	unsigned	process, thread;
	int		fault;
	bool		has_result;
	int64_t		result, crc_bytes, offset;
};

struct lrun {
	struct rec_result	res;
	char			dir[64];
	struct lsite		v[MAXS];
	size_t			n;
	char			*log;	/* log.txt's content */
};

static int
keep(void *ctx, const struct rec_site *s)
{
	struct lrun *r = ctx;
	struct lsite *l;

	cr_assert_lt(r->n, MAXS);
	l = &r->v[r->n++];
	*l = (struct lsite){ .kind = s->kind, .syscall = s->sc->name,
	    .count = s->count, .callsite = s->callsite, .seq = s->seq,
	    .process = s->process, .thread = s->thread, .fault = s->fault,
	    .has_result = s->has_result, .result = s->result,
	    .crc_bytes = s->crc_bytes, .offset = s->offset };
	snprintf(l->key, sizeof(l->key), "%s", s->key);
	return 0;
}

/* fp_goon 200, eio at write 100 of log.txt. */
static void
lrun(struct lrun *r, bool lite, bool journal)
{
	char *argv[] = { S(PROG("fp_goon")), S("200"), NULL };
	struct rec_target tg = {
		.fault = REC_FAULT_EIO, .family = REC_FAM_WRITE,
		.path = "log.txt", .ordinal = 100,
	};
	struct rec_opts o;
	enum rec_stage stage;
	char path[96];
	int rc;

	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "/tmp/badio-lite-XXXXXX");
	cr_assert_not_null(mkdtemp(r->dir));
	o = (struct rec_opts){
		.exe = argv[0], .argv = argv, .envp = environ, .dir = r->dir,
		.no_aslr = true, .stdin_fd = -1, .stdout_fd = -1,
		.stderr_fd = -1, .target = &tg, .sites_lite = lite,
		.journal = journal, .timeout_ms = 60000,
	};
	rc = rec_run(&o, keep, r, &r->res, &stage);
	cr_assert_eq(rc, 0, "rec_run: %s", strerror(-rc));
	cr_assert(r->res.injected);
	cr_assert_eq(r->res.status, REC_EXITED);
	cr_assert_eq(r->res.code, 3);
	snprintf(path, sizeof(path), "%s/log.txt", r->dir);
	r->log = strdup(read_text(path));
	bx_tree_remove(r->dir, NULL);
}

TestSuite(lite, .timeout = 120);

Test(lite, writes_before_the_fault_are_left_to_the_kernel)
{
	static struct lrun whole, lite;

	lrun(&whole, false, false);
	lrun(&lite, true, false);
	cr_assert_eq(whole.res.stops.lite, 0);
	cr_assert_eq(lite.res.stops.lite, 99);
	cr_assert_eq(lite.res.stops.emulated, whole.res.stops.emulated - 99);
	cr_assert_eq(lite.res.stops.exit, whole.res.stops.exit);
	cr_assert_eq(lite.n, 201, "the open and 200 writes");
	cr_assert_eq(whole.n, lite.n);
	cr_assert_str_eq(lite.log, whole.log);
	for (size_t i = 0; i < lite.n; i++) {
		const struct lsite *a = &whole.v[i], *b = &lite.v[i];
		/* v[1..99]: the writes before the target, v[100] */
		bool is_lite = i >= 1 && i < 100;

		cr_assert_str_eq(b->key, a->key, "site %zu", i);
		cr_assert_eq(b->kind, a->kind, "site %zu", i);
		cr_assert_str_eq(b->syscall, a->syscall, "site %zu", i);
		cr_assert_eq(b->count, a->count, "site %zu", i);
		cr_assert_eq(b->callsite, a->callsite, "site %zu", i);
		cr_assert_gt(b->callsite, 0, "site %zu", i);
		cr_assert_eq(b->seq, a->seq, "site %zu", i);
		cr_assert_eq(b->process, a->process, "site %zu", i);
		cr_assert_eq(b->thread, a->thread, "site %zu", i);
		cr_assert_eq(b->fault, a->fault, "site %zu", i);
		cr_assert_eq(b->has_result, !is_lite, "site %zu", i);
		if (is_lite) {
			cr_assert_eq(b->crc_bytes, -1, "site %zu", i);
			cr_assert_eq(b->offset, -1, "site %zu", i);
		} else {
			cr_assert_eq(b->result, a->result, "site %zu", i);
			cr_assert_eq(b->crc_bytes, a->crc_bytes, "site %zu", i);
			cr_assert_eq(b->offset, a->offset, "site %zu", i);
		}
	}
	cr_assert_eq(lite.v[100].fault, REC_FAULT_EIO, "the target, whole");
	cr_assert_eq(lite.v[100].result, -EIO);
}

Test(lite, not_with_journal_nor_badio_full_rerun)
{
	static struct lrun r;

	lrun(&r, true, true);
	cr_assert_eq(r.res.stops.lite, 0, "journal");
	cr_assert_eq(r.n, 201);
	cr_assert(r.v[50].has_result);
	cr_assert_eq(setenv("BADIO_FULL_RERUN", "1", 1), 0);
	lrun(&r, true, false);
	unsetenv("BADIO_FULL_RERUN");
	cr_assert_eq(r.res.stops.lite, 0, "BADIO_FULL_RERUN");
	cr_assert(r.v[50].has_result);
}
