/*
 * test_power.c - power loss (issue 9): the recorder's undo journal and
 * the crash states built from it (recorder/journal*.c).
 *
 * Each test makes a baseline in a fresh run directory (files made
 * before the program starts count as durable), runs a scenario of
 * DURABILITY_NOTES §5 (tests/progs/pw_scen.c, and Go and Python
 * writers) under rec_run with a power target at the end site or at a
 * chosen site, and in crash_cb builds the states asked for and lists
 * each one: every entry, sorted, with its type, mode, size and bytes.
 * The listings are compared whole.
 *
 * The tests need ptrace.  Without it they fail, unless the environment
 * has BADIO_TEST_ALLOW_SKIP=1 (restricted containers; never in CI).
 */
#include "harness.h"

#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "explorer/explorer.h"
#include "recorder/recorder.h"

extern char **environ;

#define S(x)	((char *)(x))
#define MIB	(1024 * 1024)

struct prun {
	char			base[300];
	char			run[320];
	char			stash[320];
	const char		*states[8];	/* NULL-terminated */
	int			rc;
	enum rec_stage		stage;
	struct rec_result	res;
	bool			called;		/* crash_cb ran */
	unsigned		pending;
	char			last[256];	/* last durability point's key */
	char			out[4096];	/* the program's stdout */
	char			*list;		/* "== state\n" + listing, per state */
	size_t			len;
	size_t			cap;
};

static struct prun pr;

static void
setup(void)
{
	harness_setup("power", "power.db");
	memset(&pr, 0, sizeof(pr));
	snprintf(pr.base, sizeof(pr.base), "%s/p", tmp);
	cr_assert_eq(mkdir(pr.base, 0700), 0);
	snprintf(pr.run, sizeof(pr.run), "%s/run", pr.base);
	snprintf(pr.stash, sizeof(pr.stash), "%s/stash", pr.base);
	cr_assert_eq(mkdir(pr.run, 0755), 0);
	cr_assert_eq(mkdir(pr.stash, 0700), 0);
}

static void
teardown(void)
{
	free(pr.list);
	harness_teardown();
}

TestSuite(power, .init = setup, .fini = teardown, .timeout = 300);

static void
emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
emit(const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(pr.list + pr.len, pr.cap - pr.len, fmt, ap);
		va_end(ap);
		if (pr.list && pr.len + (size_t)n < pr.cap)
			break;
		pr.cap = pr.cap ? 2 * pr.cap + (size_t)n : 4096;
		pr.list = realloc(pr.list, pr.cap);
		cr_assert_not_null(pr.list);
	}
	pr.len += (size_t)n;
}

/* File bytes: small ones as text (NUL as \0), big ones as runs "c*n". */
static void
emit_bytes(int fd, off_t size)
{
	static char buf[1 << 16];
	int prev = -1, runs = 0;
	long long run = 0;
	ssize_t n;

	if (size <= 64) {
		n = pread(fd, buf, sizeof(buf), 0);
		emit(" '");
		for (ssize_t i = 0; i < n; i++)
			buf[i] ? emit("%c", buf[i]) : emit("\\0");
		emit("'");
		return;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++) {
			if ((unsigned char)buf[i] == prev) {
				run++;
				continue;
			}
			if (prev >= 0 && runs++ < 8)
				prev ? emit(" %c*%lld", prev, run) :
				    emit(" \\0*%lld", run);
			prev = (unsigned char)buf[i];
			run = 1;
		}
	if (prev >= 0 && runs < 8)
		prev ? emit(" %c*%lld", prev, run) : emit(" \\0*%lld", run);
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every entry under dir/rel, sorted, one a line. */
static void
emit_tree(const char *dir, const char *rel)
{
	char path[2048], sub[1024], text[256];
	struct dirent **v;
	struct stat st;
	int n;

	snprintf(path, sizeof(path), "%s%s%s", dir, rel[0] ? "/" : "", rel);
	n = scandir(path, &v, NULL, by_name);
	cr_assert_geq(n, 0, "%s: %s", path, strerror(errno));
	for (int i = 0; i < n; i++) {
		const char *name = v[i]->d_name;
		ssize_t k;
		int fd;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			goto next;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", name);
		snprintf(path, sizeof(path), "%s/%s", dir, sub);
		cr_assert_eq(lstat(path, &st), 0, "%s", path);
		if (S_ISDIR(st.st_mode)) {
			emit("%s/ %o\n", sub, st.st_mode & 07777);
			emit_tree(dir, sub);
		} else if (S_ISLNK(st.st_mode)) {
			k = readlink(path, text, sizeof(text) - 1);
			text[k > 0 ? k : 0] = '\0';
			emit("%s -> %s\n", sub, text);
		} else {
			emit("%s %o %lld", sub, st.st_mode & 07777,
			     (long long)st.st_size);
			fd = open(path, O_RDONLY);
			cr_assert_geq(fd, 0);
			emit_bytes(fd, st.st_size);
			close(fd);
			if (st.st_size > 64 && (long long)st.st_blocks * 512 <
			    st.st_size / 2)
				emit(" sparse");
			emit("\n");
		}
next:
		free(v[i]);
	}
	free(v);
}

/* crash_cb: build each state of pr.states and list it. */
static int
build_states(void *ctx, const struct rec_journal *j)
{
	const char *key;
	(void)ctx;

	pr.called = true;
	pr.pending = rec_journal_pending(j);
	rec_journal_last_sync(j, &key);
	snprintf(pr.last, sizeof(pr.last), "%s", key ? key : "-");
	for (int i = 0; pr.states[i]; i++) {
		struct rec_state st;
		char dest[400], name[32];
		int rc;

		cr_assert_eq(rec_state_parse(pr.states[i], &st), 0, "%s",
			     pr.states[i]);
		cr_assert_eq(rec_state_format(name, sizeof(name), st), 0);
		cr_assert_str_eq(name, pr.states[i]);
		snprintf(dest, sizeof(dest), "%s/state%d", pr.base, i);
		cr_assert_eq(mkdir(dest, 0700), 0);
		rc = rec_journal_build(j, st, pr.run, dest);
		emit("== %s", name);
		if (rc < 0)
			emit(" error %s", strerror(-rc));
		emit("\n");
		if (rc == 0)
			emit_tree(dest, "");
	}
	return 0;
}

static void
put(const char *rel, const char *text)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", pr.run, rel);
	write_file(path, text);
	cr_assert_eq(chmod(path, 0644), 0);
}

static void
mkd(const char *rel, mode_t mode)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", pr.run, rel);
	cr_assert_eq(mkdir(path, mode), 0);
	cr_assert_eq(chmod(path, mode), 0);
}

static const struct rec_target end_target = {
	REC_FAULT_POWER, REC_FAM_END, "<end>", 1,
};

static void
prun(char *const argv[], const struct rec_target *tg, size_t mem)
{
	char outpath[400];
	struct rec_opts o;
	int outfd;

	snprintf(outpath, sizeof(outpath), "%s/stdout", pr.base);
	outfd = open(outpath, O_CREAT | O_TRUNC | O_RDWR, 0600);
	cr_assert_geq(outfd, 0);
	o = (struct rec_opts){
		.exe = argv[0], .argv = argv, .envp = environ, .dir = pr.run,
		.no_aslr = true, .stdin_fd = -1, .stdout_fd = outfd,
		.stderr_fd = -1, .target = tg, .end_site = true,
		.journal = true, .stash_dir = pr.stash, .journal_mem = mem,
		.crash_cb = build_states, .map_copies = true,
	};
	pr.rc = rec_run(&o, NULL, NULL, &pr.res, &pr.stage);
	lseek(outfd, 0, SEEK_SET);
	ssize_t n = read(outfd, pr.out, sizeof(pr.out) - 1);
	pr.out[n > 0 ? n : 0] = '\0';
	close(outfd);
	cr_assert_eq(pr.rc, 0, "rec_run: %s", strerror(-pr.rc));
	{
		struct dirent **v;
		int n = scandir(pr.stash, &v, NULL, by_name);

		cr_assert_eq(n, 2, "the stash is left empty");
		while (n-- > 0)
			free(v[n]);
		free(v);
	}
	cr_assert(pr.res.injected, "the target was not reached");
	cr_assert(pr.called, "crash_cb was not called");
}

/* pw_scen SCENARIO at the end site, states as given. */
static void
scen_at(const char *name, const struct rec_target *tg, const char *s0,
	const char *s1, const char *s2, const char *s3)
{
	char *argv[] = { S(PROG("pw_scen")), S(name), NULL };

	pr.states[0] = s0;
	pr.states[1] = s1;
	pr.states[2] = s2;
	pr.states[3] = s3;
	prun(argv, tg, 0);
}

#define SCEN(name, ...)	scen_at(name, &end_target, __VA_ARGS__)

static void
exited_ok(void)
{
	cr_assert_eq(pr.res.status, REC_EXITED);
	cr_assert_eq(pr.res.code, 0, "stdout: %s", pr.out);
	cr_assert_str_eq(pr.out, "ack\n");
}

/* --- the scenarios of DURABILITY_NOTES §5 ------------------------------- */

Test(power, t1_correct_idiom_keeps_new_in_every_state)
{
	put("A", "old");
	SCEN("T1", "durable", "metadata", NULL, NULL);
	exited_ok();
	cr_assert_eq(pr.pending, 0);
	cr_assert_str_eq(pr.last, "sync:.:1");
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 3 'new'\n"
	    "== metadata\nA 644 3 'new'\n");
}

Test(power, t2_rename_without_data_fsync_leaves_empty_file)
{
	put("A", "old");
	SCEN("T2", "durable", "metadata", "prefix:1", NULL);
	exited_ok();
	cr_assert_eq(pr.pending, 1, "only the write is not durable");
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 0 ''\n"
	    "== metadata\nA 644 0 ''\n"
	    "== prefix:1\nA 644 3 'new'\n");
}

Test(power, t2_power_at_the_rename)
{
	const struct rec_target tg = {
		REC_FAULT_POWER, REC_FAM_NAMESPACE, "A.tmp", 2,
	};

	put("A", "old");
	scen_at("T2", &tg, "durable", "metadata", "prefix:1", "prefix:2");
	cr_assert_eq(pr.res.status, REC_CRASHED);
	cr_assert_eq(pr.pending, 2, "the creat and the write");
	cr_assert_str_eq(pr.last, "-");
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 3 'old'\n"
	    "== metadata\nA 644 3 'old'\nA.tmp 644 0 ''\n"
	    "== prefix:1\nA 644 3 'old'\nA.tmp 644 0 ''\n"
	    "== prefix:2\nA 644 3 'old'\nA.tmp 644 3 'new'\n");
}

Test(power, t3_file_fsync_without_dir_fsync)
{
	put("A", "old");
	SCEN("T3", "durable", "metadata", "prefix:1", NULL);
	exited_ok();
	cr_assert_eq(pr.pending, 1);
	cr_assert_str_eq(pr.last, "sync:F:1");
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 3 'old'\n"
	    "== metadata\nA 644 3 'old'\nF 644 4 'data'\n"
	    "== prefix:1\nA 644 3 'old'\nF 644 4 'data'\n");
}

Test(power, t4_dir_fsync_without_file_fsync)
{
	put("A", "old");
	SCEN("T4", "durable", "metadata", "prefix:1", NULL);
	exited_ok();
	cr_assert_eq(pr.pending, 1);
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 3 'old'\nF 644 0 ''\n"
	    "== metadata\nA 644 3 'old'\nF 644 0 ''\n"
	    "== prefix:1\nA 644 3 'old'\nF 644 4 'data'\n");
}

Test(power, t7_unlinked_file_comes_back_from_the_stash)
{
	put("A", "old");
	SCEN("T7", "durable", "metadata", NULL, NULL);
	exited_ok();
	cr_assert_eq(pr.pending, 1);
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 3 'old'\nB 644 3 'bbb'\n"
	    "== metadata\nB 644 3 'bbb'\n");
}

Test(power, holding_directory_takes_a_name_the_program_does_not_use)
{
	put("A", "old");
	put(".badio-hold", "mine");
	SCEN("T7", "durable", NULL, NULL, NULL);
	exited_ok();
	cr_assert_str_eq(pr.list,
	    "== durable\n.badio-hold 644 4 'mine'\nA 644 3 'old'\nB 644 3 'bbb'\n");
}

Test(power, t8_truncate_and_write_without_fsync)
{
	put("A", "old");
	SCEN("T8", "durable", "metadata", "prefix:1", "prefix:2");
	exited_ok();
	cr_assert_eq(pr.pending, 2);
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 3 'old'\n"
	    "== metadata\nA 644 0 ''\n"
	    "== prefix:1\nA 644 0 ''\n"
	    "== prefix:2\nA 644 3 'new'\n");
	/* building states leaves the run directory as the program left it */
	pr.len = 0;
	emit_tree(pr.run, "");
	cr_assert_str_eq(pr.list, "A 644 3 'new'\n");
}

Test(power, t8_power_at_the_write)
{
	const struct rec_target tg = { REC_FAULT_POWER, REC_FAM_WRITE, "A", 1 };

	put("A", "old");
	scen_at("T8", &tg, "durable", "metadata", NULL, NULL);
	cr_assert_eq(pr.res.status, REC_CRASHED);
	cr_assert_eq(pr.pending, 1);
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 3 'old'\n"
	    "== metadata\nA 644 0 ''\n");
}

Test(power, t10_new_directory_needs_its_parent_synced)
{
	put("A", "old");
	SCEN("T10", "durable", "metadata", NULL, NULL);
	exited_ok();
	cr_assert_eq(pr.pending, 1, "the mkdir");
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 3 'old'\n"
	    "== metadata\nA 644 3 'old'\nD/ 750\nD/F 644 4 'in D'\n");
}

Test(power, t11_rename_across_directories_needs_both_synced)
{
	mkd("d1", 0755);
	mkd("d2", 0755);
	put("d1/F", "f");
	SCEN("T11", "durable", "metadata", NULL, NULL);
	exited_ok();
	cr_assert_eq(pr.pending, 1);
	cr_assert_str_eq(pr.list,
	    "== durable\nd1/ 755\nd1/F 644 1 'f'\nd2/ 755\n"
	    "== metadata\nd1/ 755\nd2/ 755\nd2/F 644 1 'f'\n");
}

Test(power, t16_tmpfile_linked_and_synced)
{
	char *argv[] = { S(PROG("pw_scen")), S("T16"), NULL };

	put("A", "old");
	pr.states[0] = "durable";
	prun(argv, &end_target, 0);
	cr_assert_eq(pr.res.code, 0);
	cr_assert_eq(pr.pending, 0);
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 3 'old'\nA.new 644 7 'tmpdata'\n");
}

Test(power, t16_tmpfile_linked_without_dir_fsync)
{
	char *argv[] = { S(PROG("pw_scen")), S("T16-nodir"), NULL };

	put("A", "old");
	pr.states[0] = "durable";
	pr.states[1] = "metadata";
	prun(argv, &end_target, 0);
	cr_assert_eq(pr.pending, 1, "the linkat");
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 3 'old'\n"
	    "== metadata\nA 644 3 'old'\nA.new 644 7 'tmpdata'\n");
}

Test(power, t18_holes_are_kept)
{
	put("A", "old");
	SCEN("T18", "durable", NULL, NULL, NULL);
	exited_ok();
	cr_assert_eq(pr.pending, 0);
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 3 'old'\n"
	    "F 644 1052672 \\0*1048576 x*4096 sparse\n");
}

Test(power, t19_link_then_unlink_shows_both_names_in_durable)
{
	mkd("tmp", 0755);
	mkd("new", 0755);
	put("tmp/x", "x");
	SCEN("T19", "durable", "metadata", NULL, NULL);
	exited_ok();
	cr_assert_eq(pr.pending, 1, "the unlink");
	cr_assert_str_eq(pr.list,
	    "== durable\nnew/ 755\nnew/x 644 1 'x'\ntmp/ 755\ntmp/x 644 1 'x'\n"
	    "== metadata\nnew/ 755\nnew/x 644 1 'x'\ntmp/ 755\n");
}

Test(power, t20_data_unsynced_pointer_synced)
{
	put("D", "old");
	put("P", "old");
	SCEN("T20", "durable", "metadata", "prefix:1", NULL);
	exited_ok();
	cr_assert_eq(pr.pending, 1);
	cr_assert_str_eq(pr.last, "sync:P:1");
	cr_assert_str_eq(pr.list,
	    "== durable\nD 644 3 'old'\nP 644 3 'ptr'\n"
	    "== metadata\nD 644 3 'old'\nP 644 3 'ptr'\n"
	    "== prefix:1\nD 644 4 'data'\nP 644 3 'ptr'\n");
}

Test(power, t21_unsynced_append_is_dropped_whole)
{
	put("A", "old");
	put("U", "u");
	SCEN("T21", "durable", "metadata", "prefix:1", NULL);
	exited_ok();
	cr_assert_eq(pr.pending, 1);
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 3 'old'\nU 644 1 'u'\n"
	    "== metadata\nA 644 3 'old'\nU 644 1 'u'\n"
	    "== prefix:1\nA 644 10 'old+7bytes'\nU 644 1 'u'\n");
}

Test(power, symlink_rmdir_exchange)
{
	put("A", "old");
	mkd("E", 0700);
	put("X", "x");
	put("Y", "y");
	SCEN("names", "durable", "metadata", NULL, NULL);
	exited_ok();
	cr_assert_eq(pr.pending, 1, "the exchange");
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 3 'old'\nL -> A\nX 644 1 'x'\nY 644 1 'y'\n"
	    "== metadata\nA 644 3 'old'\nL -> A\nX 644 1 'y'\nY 644 1 'x'\n");
}

Test(power, durability_points_osync_odsync_fdatasync_not_sync_file_range)
{
	put("F1", "old");
	put("F2", "old");
	put("F3", "old");
	put("F4", "old");
	SCEN("syncs", "durable", NULL, NULL, NULL);
	exited_ok();
	cr_assert_eq(pr.pending, 1, "F1's write");
	cr_assert_str_eq(pr.last, "write:F4:1", "the O_DSYNC write");
	cr_assert_str_eq(pr.list,
	    "== durable\nF1 644 3 'old'\nF2 644 4 'new2'\nF3 644 4 'new3'\n"
	    "F4 644 4 'new4'\n");
}

Test(power, sync_and_syncfs_make_everything_durable)
{
	put("A", "old");
	SCEN("syncall", "durable", "prefix:1", NULL, NULL);
	exited_ok();
	cr_assert_eq(pr.pending, 1, "the write after syncfs");
	cr_assert_str_eq(pr.last, "sync:A:1");
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 10 'old+syncfs'\nG 644 2 'gg'\n"
	    "== prefix:1\nA 644 15 'old+syncfs+late'\nG 644 2 'gg'\n");
}

Test(power, rename_synced_on_one_side_then_its_name_reused)
{
	mkd("d1", 0755);
	mkd("d2", 0755);
	mkd("d3", 0755);
	put("d1/F", "f");
	SCEN("partial", "durable", "metadata", NULL, NULL);
	exited_ok();
	cr_assert_eq(pr.pending, 1, "the rename: d2 never synced");
	cr_assert_str_eq(pr.list,
	    "== durable\nd1/ 755\nd1/F 644 1 'z'\nd2/ 755\nd3/ 755\n"
	    "== metadata\nd1/ 755\nd1/F 644 1 'z'\nd2/ 755\nd2/F 644 1 'f'\n"
	    "d3/ 755\n");
}

Test(power, directory_renamed_then_changed_inside)
{
	mkd("d", 0711);
	put("d/f", "f");
	SCEN("dirmove", "durable", "metadata", "prefix:1", "prefix:2");
	exited_ok();
	cr_assert_eq(pr.pending, 4, "rename, creat, write, unlink");
	cr_assert_str_eq(pr.list,
	    "== durable\nd/ 711\nd/f 644 1 'f'\n"
	    "== metadata\ne/ 711\ne/g 644 0 ''\n"
	    "== prefix:1\ne/ 711\ne/f 644 1 'f'\n"
	    "== prefix:2\ne/ 711\ne/f 644 1 'f'\ne/g 644 0 ''\n");
}

Test(power, copy_file_range_writer)
{
	put("A", "old");
	put("S", "0123456789");
	SCEN("copy", "durable", "metadata", "prefix:1", "prefix:2");
	exited_ok();
	cr_assert_eq(pr.pending, 2, "C's creat, the copy into A");
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 3 'old'\nS 644 10 '0123456789'\n"
	    "== metadata\nA 644 3 'old'\nC 644 10 '0123456789'\n"
	    "S 644 10 '0123456789'\n"
	    "== prefix:1\nA 644 3 'old'\nC 644 10 '0123456789'\n"
	    "S 644 10 '0123456789'\n"
	    "== prefix:2\nA 644 3 '01d'\nC 644 10 '0123456789'\n"
	    "S 644 10 '0123456789'\n");
}

Test(power, overwrites_and_truncates_without_sync)
{
	put("A", "old");
	SCEN("rewrite", "durable", "metadata", "prefix:4", NULL);
	exited_ok();
	cr_assert_eq(pr.pending, 4);
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 3 'old'\n"
	    "== metadata\nA 644 1 'o'\n"
	    "== prefix:4\nA 644 6 'N\\0\\0\\0zz'\n");
}

Test(power, t14_mapped_store_synced_by_msync)
{
	put("A", "old");
	SCEN("T14", "durable", "metadata", NULL, NULL);
	exited_ok();
	cr_assert_str_eq(pr.last, "sync:A:1");
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 3 'new'\n"
	    "== metadata\nA 644 3 'new'\n");
}

Test(power, t15_mapped_store_never_synced)
{
	put("A", "old");
	SCEN("T15", "durable", "metadata", NULL, NULL);
	exited_ok();
	cr_assert_eq(pr.pending, 0, "stores are not ops");
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 3 'old'\n"
	    "== metadata\nA 644 3 'old'\n");
}

Test(power, forked_writer_power_at_the_parents_second_write)
{
	char *argv[] = { S(PROG("p_fork")), S("fork"), NULL };
	const struct rec_target tg = {
		REC_FAULT_POWER, REC_FAM_WRITE, "parent.out", 2,
	};

	pr.states[0] = "durable";
	pr.states[1] = "metadata";
	pr.states[2] = "prefix:4";
	pr.states[3] = "prefix:6";
	prun(argv, &tg, 0);
	cr_assert_eq(pr.res.status, REC_CRASHED);
	cr_assert_eq(pr.pending, 6, "2 creats, 4 writes");
	cr_assert_str_eq(pr.list,
	    "== durable\n"
	    "== metadata\nchild.out 644 0 ''\nparent.out 644 0 ''\n"
	    "== prefix:4\nchild.out 644 24 'cccccccccccccccccccccccc'\n"
	    "== prefix:6\nchild.out 644 24 'cccccccccccccccccccccccc'\n"
	    "parent.out 644 8 'pppppppp'\n");
}

/* --- lost-sync ------------------------------------------------------------ */

Test(power, lost_sync_retried_fsync_does_not_save_the_data)
{
	char *argv[] = { S(PROG("pw_scen")), S("T12"), NULL };
	const struct rec_target tg = {
		REC_FAULT_LOST_SYNC, REC_FAM_SYNC, "A", 1,
	};

	put("A", "old");
	pr.states[0] = "durable";
	pr.states[1] = "metadata";
	prun(argv, &tg, 0);
	cr_assert_eq(pr.res.status, REC_EXITED);
	cr_assert_eq(pr.res.code, 0);
	cr_assert_str_eq(pr.out, "fsync: Input/output error\ncommitted\n");
	cr_assert_eq(pr.pending, 0, "lost is not pending");
	cr_assert_str_eq(pr.last, "sync:A:2", "the retry succeeded");
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 3 'old'\n"
	    "== metadata\nA 644 3 'old'\n");
}

Test(power, lost_sync_program_that_stops_on_eio)
{
	char *argv[] = { S(PROG("pw_scen")), S("T12-exit"), NULL };
	const struct rec_target tg = {
		REC_FAULT_LOST_SYNC, REC_FAM_SYNC, "A", 1,
	};

	put("A", "old");
	pr.states[0] = "durable";
	prun(argv, &tg, 0);
	cr_assert_eq(pr.res.status, REC_EXITED);
	cr_assert_eq(pr.res.code, 1);
	cr_assert_str_eq(pr.out, "fsync: Input/output error\n");
	cr_assert_str_eq(pr.list, "== durable\nA 644 3 'old'\n");
}

/* lost-sync at the first sync call on path, pw_errseq MODE. */
static void
errseq_run(const char *mode, const char *path)
{
	char *argv[] = { S(PROG("pw_errseq")), S(mode), NULL };
	const struct rec_target tg = {
		REC_FAULT_LOST_SYNC, REC_FAM_SYNC, path, 1,
	};

	pr.states[0] = "durable";
	pr.states[1] = "durable-zero";
	prun(argv, &tg, 0);
	cr_assert_eq(pr.res.status, REC_EXITED);
	cr_assert_eq(pr.res.code, 0, "stdout: %s", pr.out);
}

/* T13: the other description gets EIO once, a later one 0 (errseq). */
Test(power, t13_errseq_reports_to_each_other_open_description_once)
{
	put("A", "old");
	errseq_run("T13", "A");
	cr_assert_str_eq(pr.out,
	    "fsync(fd1)=EIO\n"		/* the target */
	    "fsync(fd2)=EIO\n"		/* open at the failure */
	    "fsync(fd1)=0\n"		/* it saw the error */
	    "fsync(fd3)=0\n");		/* opened after */
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 3 'old'\n"
	    "== durable-zero\nA 644 3 'old'\n");	/* overwritten: old */
}

/*
 * A dup and a fork share the failing description (no error); another
 * open, the child's own open and fdatasync get it once; syncfs reports
 * the file system's error once per description, fsync's own included.
 */
Test(power, errseq_dup_fork_fdatasync_and_syncfs)
{
	put("A", "old");
	errseq_run("shared", "A");
	cr_assert_str_eq(pr.out,
	    "fsync(fd1)=EIO\n"
	    "fsync(fd2)=0\n"
	    "fdatasync(fd4)=EIO\n"
	    "fdatasync(fd4)=0\n"
	    "fsync(fd1)=0\n"		/* the child: the parent's description */
	    "fsync(fd5)=EIO\n"		/* the child's own */
	    "fsync(fd5)=0\n"
	    "syncfs(fd1)=EIO\n"
	    "syncfs(fd2)=0\n"
	    "syncfs(fd4)=EIO\n"
	    "syncfs(fd6)=0\n"
	    "fsync(fd6)=0\n"
	    "syncfs(fd5)=EIO\n");
}

/* sync_file_range reports it too, but only when it waits. */
Test(power, errseq_sync_file_range_reports_when_it_waits)
{
	put("A", "old");
	errseq_run("range", "A");
	cr_assert_str_eq(pr.out,
	    "fsync(fd1)=EIO\n"
	    "sync_file_range(fd7,WRITE)=0\n"
	    "sync_file_range(fd7,WAIT_AFTER)=EIO\n"
	    "sync_file_range(fd7,WAIT_AFTER)=0\n");
}

/*
 * A lost syncfs: the files with lost data owe their error to every
 * description, the failing one's included; the file system's error is
 * owed to every other description on it, a clean file's too.
 */
Test(power, errseq_after_a_lost_syncfs)
{
	put("A", "old");
	put("C", "sea");
	errseq_run("syncfs", "A");
	cr_assert_str_eq(pr.out,
	    "syncfs(fd1)=EIO\n"
	    "fsync(fd1)=EIO\n"
	    "fsync(fd2)=EIO\n"
	    "fsync(fdc)=0\n"
	    "syncfs(fd1)=0\n"
	    "syncfs(fd2)=EIO\n"
	    "syncfs(fdc)=EIO\n"
	    "fsync(fd1)=0\n");
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 3 'old'\nC 644 3 'sea'\n"
	    "== durable-zero\nA 644 3 'old'\nC 644 3 'sea'\n");
}

/*
 * The two crash states of lost data: durable has the old bytes and size
 * (XFS, btrfs); durable-zero the size as written, the growth as zeros,
 * the overwritten bytes old (ext4).  B, written after, is synced but its
 * name is not.
 */
Test(power, lost_sync_durable_and_durable_zero_contents)
{
	put("A", "old");
	errseq_run("zero", "A");
	cr_assert_str_eq(pr.out,
	    "fsync(fd)=EIO\nfsync(b)=0\nfsync(fd)=0\n");
	cr_assert_eq(pr.pending, 1, "B's entry (its data is synced): %u", pr.pending);
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 3 'old'\n"
	    "== durable-zero\nA 644 7 'old\\0\\0\\0\\0'\n");
}

/*
 * A lost truncate and write, then a write synced after the failure: in
 * durable the old bytes come back under the old size and the gap up to
 * Q reads zeros; in durable-zero the truncate stays (the size as
 * written) and the lost write's blocks read zeros.
 */
Test(power, lost_sync_truncate_and_growth_then_a_synced_write)
{
	put("A", "old");
	errseq_run("zero-trunc", "A");
	cr_assert_str_eq(pr.out, "fsync(fd)=EIO\nfsync(fd)=0\n");
	cr_assert_eq(pr.pending, 0);
	cr_assert_str_eq(pr.list,
	    "== durable\nA 644 9 'old\\0\\0\\0\\0\\0Q'\n"
	    "== durable-zero\nA 644 9 'o\\0\\0\\0\\0\\0\\0\\0Q'\n");
}

/* L7: a directory's failed fsync leaves its entries pending, no other's. */
Test(power, lost_sync_of_a_directory_leaves_its_entries_pending)
{
	mkd("d1", 0755);
	mkd("d2", 0755);
	errseq_run("dirs", "d1");
	cr_assert_str_eq(pr.out, "fsync(f)=0\nfsync(g)=0\nfsync(d1)=EIO\n"
	    "fsync(d2)=0\n");
	cr_assert_str_eq(pr.list,
	    "== durable\nd1/ 755\nd2/ 755\nd2/G 644 3 'gee'\n"
	    "== durable-zero\nd1/ 755\nd2/ 755\nd2/G 644 3 'gee'\n");
}

Test(power, lost_sync_of_a_directory_then_a_retry_that_works)
{
	mkd("d1", 0755);
	mkd("d2", 0755);
	errseq_run("dirs-retry", "d1");
	cr_assert_str_eq(pr.out, "fsync(f)=0\nfsync(g)=0\nfsync(d1)=EIO\n"
	    "fsync(d2)=0\nfsync(d1)=0\n");
	cr_assert_str_eq(pr.list,
	    "== durable\nd1/ 755\nd1/F 644 3 'eff'\nd2/ 755\nd2/G 644 3 'gee'\n"
	    "== durable-zero\nd1/ 755\nd1/F 644 3 'eff'\nd2/ 755\n"
	    "d2/G 644 3 'gee'\n");
}

/* --- other writers ---------------------------------------------------------- */

Test(power, go_writer_renames_without_fsync)
{
	char *argv[] = { S(PROG("pw_go")), NULL };

	put("config", "old");
	pr.states[0] = "durable";
	pr.states[1] = "metadata";
	prun(argv, &end_target, 0);
	cr_assert_eq(pr.res.code, 0);
	cr_assert_str_eq(pr.out, "saved\n");
	cr_assert_str_eq(pr.list,
	    "== durable\nconfig 644 3 'old'\n"
	    "== metadata\nconfig 644 0 ''\n");
}

Test(power, python_writer_with_the_correct_idiom)
{
	char *argv[] = { S(PYTHON3), S(PROGS_SRC "/pw_py.py"), NULL };

	put("config", "old");
	pr.states[0] = "durable";
	pr.states[1] = "metadata";
	prun(argv, &end_target, 0);
	cr_assert_eq(pr.res.code, 0, "%s", pr.out);
	cr_assert_str_eq(pr.out, "saved\n");
	cr_assert_eq(pr.pending, 0);
	cr_assert_str_eq(pr.list,
	    "== durable\nconfig 644 3 'new'\n"
	    "== metadata\nconfig 644 3 'new'\n");
}

/* --- memory ------------------------------------------------------------------ */

Test(power, journal_memory_is_bounded_on_a_100mib_overwrite)
{
	char path[512];
	static char chunk[MIB];
	int fd;

	snprintf(path, sizeof(path), "%s/BIG", pr.run);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	cr_assert_geq(fd, 0);
	memset(chunk, 'o', sizeof(chunk));
	for (int i = 0; i < 100; i++)
		cr_assert_eq(write(fd, chunk, sizeof(chunk)), MIB);
	cr_assert_eq(fsync(fd), 0);
	close(fd);
	pr.states[0] = "durable";
	pr.states[1] = "prefix:100";
	{
		char *argv[] = { S(PROG("pw_scen")), S("big"), NULL };

		prun(argv, &end_target, 4 * MIB);
	}
	exited_ok();
	cr_assert_eq(pr.pending, 100);
	cr_assert_leq(pr.res.journal_peak_mem, 4 * MIB, "%llu",
		      (unsigned long long)pr.res.journal_peak_mem);
	cr_assert_eq(pr.res.journal_peak_mem + pr.res.journal_peak_disk,
		     100ull * MIB, "every old byte once");
	cr_assert_eq(pr.res.journal_entries, 100);
	cr_assert_str_eq(pr.list,
	    "== durable\nBIG 644 104857600 o*104857600\n"
	    "== prefix:100\nBIG 644 104857600 n*104857600\n");
}

/* --- the end site and the off switch ------------------------------------------ */

struct sitelog {
	char	text[2048];
	size_t	len;
};

static int
log_site(void *ctx, const struct rec_site *s)
{
	struct sitelog *l = ctx;

	l->len += (size_t)snprintf(l->text + l->len, sizeof(l->text) - l->len,
	    "%llu %s %s %s %s\n", (unsigned long long)s->seq, s->sc->name,
	    rec_family_name(s->sc->family), s->key, rec_fault_name(s->fault));
	return 0;
}

Test(power, end_site_is_the_last_site)
{
	char *argv[] = { S(PROG("pw_scen")), S("T3"), NULL };
	struct rec_opts o = {
		.exe = argv[0], .argv = argv, .envp = environ, .dir = pr.run,
		.stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
		.end_site = true,
	};
	struct sitelog l = { .len = 0 };
	int devnull = open("/dev/null", O_WRONLY);

	o.stdout_fd = devnull;
	cr_assert_eq(rec_run(&o, log_site, &l, &pr.res, &pr.stage), 0);
	cr_assert_str_eq(l.text,
	    "1 openat namespace namespace:F:1 none\n"
	    "2 write write write:F:1 none\n"
	    "3 fsync sync sync:F:1 none\n"
	    "4 write write write:<stdout>:1 none\n"
	    "5 write write write:<stdout>:2 none\n"
	    "6 exit end end:1 none\n");
	cr_assert_eq(pr.res.sites, 6);
	cr_assert_eq(pr.res.journal_entries, 0, "no journal without opts.journal");
	/* without end_site: no end */
	l.len = 0;
	l.text[0] = '\0';
	unlink("p/run/F");
	o.end_site = false;
	cr_assert_eq(rec_run(&o, log_site, &l, &pr.res, &pr.stage), 0);
	cr_assert_str_eq(l.text,
	    "1 openat namespace namespace:F:1 none\n"
	    "2 write write write:F:1 none\n"
	    "3 fsync sync sync:F:1 none\n"
	    "4 write write write:<stdout>:1 none\n"
	    "5 write write write:<stdout>:2 none\n");
	close(devnull);
}

struct idlog {
	pid_t	pid;		/* of the writers' sites */
	bool	thread_tid;	/* some site's tid is not its pid */
	pid_t	end_pid;
	pid_t	end_tid;
	unsigned end_thread;
};

static int
log_ids(void *ctx, const struct rec_site *s)
{
	struct idlog *l = ctx;

	if (s->sc->family == REC_FAM_END) {
		l->end_pid = s->pid;
		l->end_tid = s->tid;
		l->end_thread = s->thread;
		return 0;
	}
	l->pid = s->pid;
	l->thread_tid |= s->tid != s->pid;
	return 0;
}

/* p_threads' main thread makes no site: the first is a thread's. */
Test(power, end_site_names_the_main_thread)
{
	char *argv[] = { S(PROG("p_threads")), S("4"), S("2"), NULL };
	struct rec_opts o = {
		.exe = argv[0], .argv = argv, .envp = environ, .dir = pr.run,
		.stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
		.end_site = true,
	};
	struct idlog l = { 0 };

	cr_assert_eq(rec_run(&o, log_ids, &l, &pr.res, &pr.stage), 0);
	cr_assert_eq(pr.res.sites, 4 * 3 + 1);
	cr_assert(l.thread_tid, "the writers are threads");
	cr_assert_gt(l.end_pid, 0);
	cr_assert_eq(l.end_pid, l.pid, "PROG's pid");
	cr_assert_eq(l.end_tid, l.end_pid, "its main thread: tid = pid");
	cr_assert_eq(l.end_thread, 1);
}

Test(power, power_at_the_end_site_is_reported_there)
{
	char *argv[] = { S(PROG("pw_scen")), S("T3"), NULL };
	struct sitelog l = { .len = 0 };
	int devnull = open("/dev/null", O_WRONLY);
	struct rec_opts o = {
		.exe = argv[0], .argv = argv, .envp = environ, .dir = pr.run,
		.stdin_fd = -1, .stdout_fd = devnull, .stderr_fd = -1,
		.end_site = true, .target = &end_target, .journal = true,
		.stash_dir = pr.stash, .crash_cb = build_states,
	};

	pr.states[0] = "durable";
	cr_assert_eq(rec_run(&o, log_site, &l, &pr.res, &pr.stage), 0);
	cr_assert(pr.res.injected);
	cr_assert_eq(pr.res.status, REC_EXITED);
	cr_assert_str_eq(l.text,
	    "1 openat namespace namespace:F:1 none\n"
	    "2 write write write:F:1 none\n"
	    "3 fsync sync sync:F:1 none\n"
	    "4 write write write:<stdout>:1 none\n"
	    "5 write write write:<stdout>:2 none\n"
	    "6 exit end end:1 power\n");
	cr_assert_eq(pr.res.journal_entries, 2, "the creat and the write");
	cr_assert_str_eq(pr.list, "== durable\n");
	close(devnull);
}

Test(power, state_names_parse_and_format)
{
	struct rec_state st;
	char buf[32];

	cr_assert_eq(rec_state_parse("prefix:12", &st), 0);
	cr_assert_eq(st.kind, REC_STATE_PREFIX);
	cr_assert_eq(st.n, 12);
	cr_assert_eq(rec_state_parse("durable", &st), 0);
	cr_assert_eq(st.kind, REC_STATE_DURABLE);
	cr_assert_eq(rec_state_parse("metadata", &st), 0);
	cr_assert_eq(st.kind, REC_STATE_METADATA);
	cr_assert_eq(rec_state_parse("durable-zero", &st), 0);
	cr_assert_eq(st.kind, REC_STATE_DURABLE_ZERO);
	cr_assert_eq(rec_state_format(buf, sizeof(buf), st), 0);
	cr_assert_str_eq(buf, "durable-zero");
	cr_assert_eq(rec_state_parse("durable-", &st), -EINVAL);
	cr_assert_eq(rec_state_parse("prefix:0", &st), -EINVAL);
	cr_assert_eq(rec_state_parse("prefix:", &st), -EINVAL);
	cr_assert_eq(rec_state_parse("prefix:3x", &st), -EINVAL);
	cr_assert_eq(rec_state_parse("prefix:-1", &st), -EINVAL);
	cr_assert_eq(rec_state_parse("Durable", &st), -EINVAL);
	cr_assert_eq(rec_state_parse("prefix:99999999999", &st), -EINVAL);
	cr_assert_eq(rec_state_format(buf, sizeof(buf),
	    (struct rec_state){ REC_STATE_PREFIX, 0 }), -EINVAL);
	cr_assert_eq(rec_state_format(buf, 4,
	    (struct rec_state){ REC_STATE_METADATA, 0 }), -ENAMETOOLONG);
}
