/*
 * test_faults.c - persistent faults, writes through mmap and close
 * sites (issue 10).  Two halves:
 *
 *   - the recorder called directly (rec_run): the full file system's
 *     space model call by call, the stops the mmap filter costs (none
 *     for programs that map no file shared and writable), the durable
 *     images of mapped ranges, close sites;
 *   - the badio binary (record, explore) on target programs of
 *     tests/progs/, with exact verdicts: a writer that retries forever
 *     hangs under eio+ and is fine under eio; a writer that frees space
 *     on ENOSPC succeeds under enospc+; a program that ignores msync
 *     errors is a bug; gdbm (Python's dbm.gnu) writes through mmap.
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
#include <sys/stat.h>
#include <unistd.h>

#include "explorer/explorer.h"
#include "recorder/recorder.h"

extern char **environ;

#define S(x)	((char *)(x))

/* --- the recorder, called directly ---------------------------------- */

struct lrun {
	int			rc;
	enum rec_stage		stage;
	struct rec_result	res;
	char			dir[64];
	char			out[4096];	/* the program's stdout */
	unsigned		sites;
	char			log[8192];	/* "syscall key fault mapped\n" per site */
	size_t			loglen;
	/* images seen at the site named by at_key */
	const char		*at_key;
	char			images[2048];
};

static void
slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : 0;

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

/*
 * "offset+len synced|unsynced [mapped] bytes" per image at the site
 * at_key, where bytes lists each byte that is not NUL as c@file-offset
 * ("-" if none).
 */
static void
show_images(struct lrun *r, const struct rec_site *s)
{
	const struct rec_mapimage *const *v;
	size_t n = rec_maps_images(s->maps, &v), len = 0;
	static char data[65536];

	for (size_t i = 0; i < n; i++) {
		ssize_t k = rec_mapimage_read(s->maps, v[i], data, sizeof(data), 0);
		bool any = false;

		len += (size_t)snprintf(r->images + len, sizeof(r->images) - len,
		    "%lld+%lld %s%s%s", (long long)v[i]->offset,
		    (long long)v[i]->len, v[i]->synced ? "synced" : "unsynced",
		    v[i]->mapped ? " mapped" : "", v[i]->lost ? " lost" : "");
		for (ssize_t j = 0; j < k; j++) {
			if (!data[j])
				continue;
			len += (size_t)snprintf(r->images + len,
			    sizeof(r->images) - len, " %c@%lld", data[j],
			    (long long)(v[i]->offset + j));
			any = true;
		}
		len += (size_t)snprintf(r->images + len, sizeof(r->images) - len,
		    "%s\n", any ? "" : " -");
	}
}

static int
log_site(void *ctx, const struct rec_site *s)
{
	struct lrun *r = ctx;

	r->sites++;
	r->loglen += (size_t)snprintf(r->log + r->loglen,
	    sizeof(r->log) - r->loglen, "%s %s %s%s\n", s->sc->name, s->key,
	    rec_fault_name(s->fault), s->mapped ? " mapped" : "");
	if (r->at_key && strcmp(s->key, r->at_key) == 0)
		show_images(r, s);
	return 0;
}

static void
lrun(struct lrun *r, char *const argv[], const struct rec_target *tg,
    bool trace_close, bool copies)
{
	char outpath[128];
	struct rec_opts o;
	int outfd;

	snprintf(r->dir, sizeof(r->dir), "/tmp/badio-faults-XXXXXX");
	cr_assert_not_null(mkdtemp(r->dir));
	/* not on the run directory's file system, which eio+ kills */
	snprintf(outpath, sizeof(outpath), "/dev/shm/%s.out", r->dir + 5);
	outfd = open(outpath, O_CREAT | O_TRUNC | O_RDWR, 0600);
	cr_assert_geq(outfd, 0);
	o = (struct rec_opts){
		.exe = argv[0], .argv = argv, .envp = environ, .dir = r->dir,
		.no_aslr = true, .stdin_fd = -1, .stdout_fd = outfd,
		.stderr_fd = -1, .target = tg, .trace_close = trace_close,
		.map_copies = copies,
	};
	r->rc = rec_run(&o, log_site, r, &r->res, &r->stage);
	close(outfd);
	slurp(outpath, r->out, sizeof(r->out));
	unlink(outpath);
	cr_assert_eq(r->rc, 0, "rec_run: %s", strerror(-r->rc));
}

static void
lrun_done(struct lrun *r)
{
	bx_tree_remove(r->dir, NULL);
}

/*
 * enospc+ at the second write to f: from then on f's file system has no
 * free block; overwrites work, what needs a block fails or is cut short,
 * ftruncate and the unlink of a closed file give blocks back.
 */
Test(space, the_full_file_system_call_by_call)
{
	char *argv[] = { S(PROGS_DIR "/t_space"), NULL };
	struct rec_target tg = { REC_FAULT_ENOSPC_DEV, REC_FAM_WRITE, "f", 2 };
	struct lrun r = { 0 };

	lrun(&r, argv, &tg, false, false);
	cr_assert(r.res.injected);
	cr_assert_str_eq(r.out,
	    "write1=8192 errno=0\n"
	    "write2=-1 errno=28\n"
	    "overwrite=100 errno=0\n"
	    "fallocate=-1 errno=28\n"
	    "create_g=-1 errno=28\n"
	    "ftruncate=0 errno=0\n"
	    "cut=4096 errno=0\n"
	    "full=-1 errno=28\n"
	    "unlink=0 errno=0\n"
	    "create_h1=-1 errno=28\n"
	    "create_h2=0 errno=0\n"
	    "write_h=4096 errno=0\n");
	/* the calls the rule broke after the target */
	cr_assert_eq(r.res.rule_hits, 6, "%s", r.log);
	cr_assert(strstr(r.log, "pwrite64 write:f:4 enospc+\n") != NULL, "%s",
	    r.log);
	cr_assert(strstr(r.log, "pwrite64 write:f:3 none\n") != NULL, "%s",
	    r.log);
	lrun_done(&r);
}

/* The one-shot fault at the same site: only that call fails. */
Test(space, one_shot_enospc_breaks_one_call)
{
	char *argv[] = { S(PROGS_DIR "/t_space"), NULL };
	struct rec_target tg = { REC_FAULT_ENOSPC, REC_FAM_WRITE, "f", 2 };
	struct lrun r = { 0 };

	lrun(&r, argv, &tg, false, false);
	cr_assert_str_eq(r.out,
	    "write1=8192 errno=0\n"
	    "write2=-1 errno=28\n"
	    "overwrite=100 errno=0\n"
	    "fallocate=0 errno=0\n"
	    "create_g=0 errno=0\n"
	    "ftruncate=0 errno=0\n"
	    "cut=8192 errno=0\n"
	    "full=4096 errno=0\n"
	    "unlink=0 errno=0\n"
	    "create_h1=0 errno=0\n"
	    "create_h2=0 errno=0\n"
	    "write_h=16384 errno=0\n");
	cr_assert_eq(r.res.rule_hits, 0);
	lrun_done(&r);
}

/* eio+: every later write, sync and namespace call on the device fails. */
Test(space, dead_device_fails_everything_after_the_target)
{
	char *argv[] = { S(PROGS_DIR "/t_space"), NULL };
	struct rec_target tg = { REC_FAULT_EIO_DEV, REC_FAM_WRITE, "f", 2 };
	struct lrun r = { 0 };

	lrun(&r, argv, &tg, false, false);
	cr_assert_str_eq(r.out,
	    "write1=8192 errno=0\n"
	    "write2=-1 errno=5\n"
	    "overwrite=-1 errno=5\n"
	    "fallocate=-1 errno=5\n"
	    "create_g=-1 errno=5\n"
	    "ftruncate=-1 errno=5\n"
	    "cut=-1 errno=5\n"
	    "full=-1 errno=5\n"
	    "unlink=-1 errno=5\n"
	    "create_h1=-1 errno=5\n"
	    "create_h2=-1 errno=5\n"
	    "write_h=-1 errno=9\n");		/* h was never opened */
	cr_assert_eq(r.res.rule_hits, 9);
	lrun_done(&r);
}

/*
 * The mmap filter's cost: a program that maps files only read-only or
 * privately (and memory anonymously, and lets malloc mmap) makes no
 * stop at all; one shared writable file mapping makes two (mmap,
 * munmap).  The counts are stops, not sites.
 */
Test(mmap, filter_stops_only_for_shared_writable_file_mappings)
{
	char *argv[] = { S(PROGS_DIR "/t_mmaps"), S("300"), NULL };
	char *argv_file[] = { S(PROGS_DIR "/t_mmaps"), S("300"), S("file"),
	    NULL };
	struct lrun r = { 0 }, f = { 0 };

	lrun(&r, argv, NULL, false, false);
	/* ro.bin: the creating open and one write, then 2,700 mapping calls */
	cr_assert_eq(r.res.stops.seccomp, 2, "%s", r.log);
	cr_assert_eq(r.sites, 2, "%s", r.log);
	lrun_done(&r);
	lrun(&f, argv_file, NULL, false, false);
	cr_assert_eq(f.res.stops.seccomp, 2 + 4, "%s", f.log);
	cr_assert_str_eq(f.log,
	    "openat namespace:ro.bin:1 none\n"
	    "write write:ro.bin:1 none\n"
	    "openat namespace:rw.bin:1 none\n"
	    "ftruncate namespace:rw.bin:2 none\n"
	    "mmap mmap:rw.bin:1 none mapped\n"
	    "munmap mmap:rw.bin:2 none mapped\n");
	lrun_done(&f);
}

/*
 * The durable image of a mapped range is its content at the last msync
 * or fsync, whatever was stored or written since.  p_mmap stores "A" and
 * msyncs it, pwrites "x" at 8000, stores "B" at 12288 after an mremap;
 * at the munmap of the second page only "A" is durable; after the fsync
 * everything is, and the images say so; data.db is then mapped no more.
 */
Test(mmap, images_hold_what_the_last_sync_made_durable)
{
	char *argv[] = { S(PROGS_DIR "/p_mmap"), NULL };
	struct lrun r = { .at_key = "mmap:data.db:4" };
	struct lrun s = { .at_key = "mmap:data.db:5" };

	lrun(&r, argv, NULL, false, true);
	cr_assert_eq(r.res.status, REC_EXITED);
	cr_assert_eq(r.res.code, 0, "%s", r.log);
	cr_assert_str_eq(r.images,
	    "0+8192 unsynced mapped A@0\n"
	    "8192+8192 unsynced mapped -\n"
	    "0+4096 unsynced mapped -\n");
	lrun_done(&r);
	lrun(&s, argv, NULL, false, true);
	cr_assert_str_eq(s.images,
	    "0+8192 synced A@0 x@8000\n"
	    "8192+8192 synced B@12288\n"
	    "0+4096 unsynced mapped -\n");
	/* one copy of each mapped range, all in memory */
	cr_assert_eq(s.res.map_mem_peak, 16384 + 4096);
	cr_assert_eq(s.res.map_disk_peak, 0);
	cr_assert_eq(s.res.map_image_errors, 0);
	lrun_done(&s);
}

/* Past map_copy_mem, images go to the temporary file: the same bytes. */
Test(mmap, images_spill_to_a_file_past_the_memory_bound)
{
	char *argv[] = { S(PROGS_DIR "/p_mmap"), NULL };
	struct lrun r = { .at_key = "mmap:data.db:5" };
	char outpath[128];
	struct rec_opts o;
	int outfd;

	snprintf(r.dir, sizeof(r.dir), "/tmp/badio-faults-XXXXXX");
	cr_assert_not_null(mkdtemp(r.dir));
	snprintf(outpath, sizeof(outpath), "%s.out", r.dir);
	outfd = open(outpath, O_CREAT | O_TRUNC | O_RDWR, 0600);
	o = (struct rec_opts){
		.exe = argv[0], .argv = argv, .envp = environ, .dir = r.dir,
		.no_aslr = true, .stdin_fd = -1, .stdout_fd = outfd,
		.stderr_fd = -1, .map_copies = true, .map_copy_mem = 8192,
	};
	cr_assert_eq(rec_run(&o, log_site, &r, &r.res, &r.stage), 0);
	close(outfd);
	unlink(outpath);
	cr_assert_str_eq(r.images,
	    "0+8192 synced A@0 x@8000\n"
	    "8192+8192 synced B@12288\n"
	    "0+4096 unsynced mapped -\n");
	cr_assert_eq(r.res.map_mem_peak, 8192);
	cr_assert_eq(r.res.map_disk_peak, 8192 + 4096);
	lrun_done(&r);
}

/* --- the badio binary: record and explore --------------------------- */

static void
setup(void)
{
	harness_setup("faults", "badio.db");
}

TestSuite(persist, .init = setup, .fini = harness_teardown, .timeout = 180);
TestSuite(mapped, .init = setup, .fini = harness_teardown, .timeout = 180);
TestSuite(closes, .init = setup, .fini = harness_teardown, .timeout = 180);

static void
script(const char *name, const char *text)
{
	write_file(name, text);
	cr_assert_eq(chmod(name, 0755), 0);
}

/*
 * An oracle for "exit 0 means FILE holds exactly TEXT" (kept in
 * want.txt beside the database); after a failure anything goes.
 */
static void
oracle_exit0_means(const char *file, const char *text)
{
	char body[1024];

	write_file("want.txt", text);
	snprintf(body, sizeof(body),
	    "#!/bin/sh\n"
	    "[ \"$BADIO_STATUS\" = exit:0 ] || exit 0\n"
	    "cmp -s %s %s/want.txt\n", file, tmp);
	script("check.sh", body);
}

/*
 * A program that retries every failed call: a disk that failed once
 * lets it through (ok); a dead one never does (hang, at every site).
 */
Test(persist, retrying_forever_hangs_on_a_dead_device)
{
	oracle_exit0_means("out.txt", "saved\n");
	RECORD("--", PROG("f_retry"));
	EXPLORE_OK("--oracle", "./check.sh", "--faults", "eio,eio+",
	    "--timeout", "1", "-j", "2");
	ASSERT_VERDICTS(
	    "namespace:out.txt:1 eio ok exit:0 1 - 0\n"
	    "namespace:out.txt:1 eio+ hang timeout 1 - 0\n"
	    "sync:out.txt:1 eio ok exit:0 1 - 0\n"
	    "sync:out.txt:1 eio+ hang timeout 1 - 0\n"
	    "write:out.txt:1 eio ok exit:0 1 - 0\n"
	    "write:out.txt:1 eio+ hang timeout 1 - 0\n");
	cr_assert_eq(count("SELECT count(*) FROM experiments WHERE diverged"), 0);
	/* the report groups the persistent fault like the others */
	cr_assert_eq(badio("report", "-d", db_path, NULL), 0, "%s", r.err);
	cr_assert(strstr(r.out, "f_retry.c:30 main  out.txt  hang under eio+ "
	    "at 1 site (id 2)\n") != NULL, "%s", r.out);
}

/* new.log as f_rotate writes it: 4 KiB each of a, b, c, d */
static void
oracle_complete_log(void)
{
	static char want[16385];

	for (int i = 0; i < 4; i++)
		memset(want + 4096 * i, 'a' + i, 4096);
	oracle_exit0_means("new.log", want);
}

static void
init_old_logs(void)
{
	char block[65536];
	FILE *f;

	memset(block, 'o', sizeof(block));
	cr_assert_eq(mkdir("init", 0755), 0);
	for (int i = 1; i <= 3; i++) {
		char name[32];

		snprintf(name, sizeof(name), "init/old.%d", i);
		f = fopen(name, "w");
		cr_assert_not_null(f);
		cr_assert_eq(fwrite(block, 1, sizeof(block), f), sizeof(block));
		cr_assert_eq(fclose(f), 0);
	}
}

/*
 * enospc+ at each site that needs space: the writer that deletes an old
 * log on ENOSPC and tries again ends with a complete log (ok); the one
 * that gives up reports it (exit 1).
 */
Test(persist, freeing_space_on_enospc_succeeds_on_a_full_disk)
{
	oracle_complete_log();
	init_old_logs();
	RECORD("--init", "init", "--", PROG("f_rotate"));
	EXPLORE_OK("--oracle", "./check.sh", "--faults", "enospc+", "-j", "2");
	ASSERT_VERDICTS(
	    "namespace:new.log:1 enospc+ ok exit:0 1 - 0\n"
	    "write:new.log:1 enospc+ ok exit:0 1 - 0\n"
	    "write:new.log:2 enospc+ ok exit:0 1 - 0\n"
	    "write:new.log:3 enospc+ ok exit:0 1 - 0\n"
	    "write:new.log:4 enospc+ ok exit:0 1 - 0\n");
	/* one old log was enough each time: the others are still there */
	cr_assert_eq(access("init/old.3", F_OK), 0);
}

Test(persist, giving_up_on_enospc_is_reported)
{
	init_old_logs();
	oracle_complete_log();
	RECORD("--init", "init", "--", PROG("f_rotate"), "naive");
	EXPLORE_OK("--oracle", "./check.sh", "--faults", "enospc+",
	    "--sites", "family=write", "-j", "2");
	ASSERT_VERDICTS(
	    "write:new.log:1 enospc+ reported exit:1 1 - 0\n"
	    "write:new.log:2 enospc+ reported exit:1 1 - 0\n"
	    "write:new.log:3 enospc+ reported exit:1 1 - 0\n"
	    "write:new.log:4 enospc+ reported exit:1 1 - 0\n");
}

/*
 * The contract of f_msync: "ack" means the record is durable.  badio
 * keeps the page cache (a process exit loses nothing), so an msync that
 * failed leaves v2 in the file; the oracle states the rule instead: an
 * acknowledged record whose msync failed is not durable.
 */
static const char check_msync[] =
	"#!/bin/sh\n"
	"rec=$(head -c 2 data.db)\n"
	"[ -e ack ] || { [ \"$rec\" = v1 ] || [ \"$rec\" = v2 ]; exit; }\n"
	"[ \"$rec\" = v2 ] || exit 1\n"
	"case \"$BADIO_SYSCALL:$BADIO_FAULT\" in\n"
	"msync:eio|msync:eio+) exit 1;;\n"
	"esac\n";

static void
init_db_v1(void)
{
	char page[4096];
	FILE *f;

	memset(page, 0, sizeof(page));
	memcpy(page, "v1", 2);
	cr_assert_eq(mkdir("init", 0755), 0);
	f = fopen("init/data.db", "w");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(page, 1, sizeof(page), f), sizeof(page));
	cr_assert_eq(fclose(f), 0);
}

Test(mapped, ignoring_msync_errors_is_a_bug)
{
	script("check.sh", check_msync);
	init_db_v1();
	RECORD("--init", "init", "--", PROG("f_msync"), "ignore");
	/* the mapping calls are sites, with the file and the range */
	cr_assert_str_eq(dump("SELECT syscall, family, path, offset, count, "
	    "mapped, key FROM sites WHERE path = 'data.db' ORDER BY seq"),
	    "mmap mmap data.db 0 4096 1 mmap:data.db:1\n"
	    "msync sync data.db 0 4096 1 sync:data.db:1\n"
	    "munmap mmap data.db 0 4096 1 mmap:data.db:2\n");
	EXPLORE_OK("--oracle", "./check.sh", "--faults", "eio,eio+,crash",
	    "--sites", "path=data.db", "-j", "2");
	ASSERT_VERDICTS(
	    "mmap:data.db:1 crash ok crash 1 - 0\n"
	    "mmap:data.db:2 crash ok crash 1 - 0\n"
	    "sync:data.db:1 crash ok crash 1 - 0\n"
	    "sync:data.db:1 eio silent-corruption exit:0 1 - 1\n"
	    "sync:data.db:1 eio+ reported exit:1 1 - 0\n");
	cr_assert_eq(badio("report", "-d", db_path, NULL), 0, "%s", r.err);
	cr_assert(strstr(r.out, "data.db (mapped)  silent-corruption under eio "
	    "at 1 site") != NULL, "%s", r.out);
}

Test(mapped, checking_msync_errors_is_reported)
{
	script("check.sh", check_msync);
	init_db_v1();
	RECORD("--init", "init", "--", PROG("f_msync"));
	EXPLORE_OK("--oracle", "./check.sh", "--faults", "eio,eio+",
	    "--sites", "syscall=msync");
	ASSERT_VERDICTS(
	    "sync:data.db:1 eio reported exit:1 1 - 0\n"
	    "sync:data.db:1 eio+ reported exit:1 1 - 0\n");
}

/*
 * close sites are optional: without trace_close no close stops at all;
 * with it, close of an fd that was written is a site and every close
 * stops (the filter cannot tell them apart).  A fault at close runs the
 * call (the fd is released) and returns the error.
 */
Test(closes, close_of_a_written_file_is_an_optional_site)
{
	char *argv[] = { S(PROGS_DIR "/f_close"), NULL };
	struct rec_target tg = { REC_FAULT_EIO, REC_FAM_CLOSE, "data.txt", 1 };
	struct lrun off = { 0 }, on = { 0 }, bad = { 0 };

	lrun(&off, argv, NULL, false, false);
	cr_assert_str_eq(off.log,
	    "openat namespace:data.txt:1 none\n"
	    "write write:data.txt:1 none\n"
	    "openat namespace:other.txt:1 none\n"
	    "write write:<stdout>:1 none\n");
	cr_assert_eq(off.res.stops.seccomp, 4);
	lrun(&on, argv, NULL, true, false);
	cr_assert_str_eq(on.log,
	    "openat namespace:data.txt:1 none\n"
	    "write write:data.txt:1 none\n"
	    "close close:data.txt:1 none\n"
	    "openat namespace:other.txt:1 none\n"
	    "write write:<stdout>:1 none\n");
	cr_assert_gt(on.res.stops.seccomp, 5, "every close stops");
	lrun(&bad, argv, &tg, true, false);
	cr_assert(bad.res.injected);
	cr_assert_str_eq(bad.out, "close=-1 errno=5\nafter=9\n");
	cr_assert_eq(bad.res.code, 1);
	lrun_done(&off);
	lrun_done(&on);
	lrun_done(&bad);
}

Test(closes, explore_breaks_close_when_recorded_with_close)
{
	oracle_exit0_means("data.txt", "hello\n");
	RECORD("--", PROG("f_close"));
	cr_assert_eq(count("SELECT count(*) FROM sites WHERE family = 'close'"),
	    0);
	RECORD("--close", "--force", "--", PROG("f_close"));
	cr_assert_str_eq(dump("SELECT syscall, family, path, fd, key FROM sites "
	    "WHERE family = 'close'"), "close close data.txt 3 close:data.txt:1\n");
	cr_assert_eq(count("SELECT trace_close FROM recordings"), 1);
	EXPLORE_OK("--oracle", "./check.sh", "--sites", "family=close",
	    "--faults", "eio,eio+");
	ASSERT_VERDICTS(
	    "close:data.txt:1 eio reported exit:1 1 - 0\n"
	    "close:data.txt:1 eio+ reported exit:1 1 - 0\n");
}

Test(closes, ignoring_close_errors)
{
	oracle_exit0_means("data.txt", "hello\n");
	RECORD("--close", "--", PROG("f_close"), "ignore");
	/* default faults at a close site: eio */
	EXPLORE_OK("--faults", PRE_POWER_FAULTS,
	    "--oracle", "./check.sh", "--sites", "family=close");
	ASSERT_VERDICTS("close:data.txt:1 eio ok exit:0 1 - 0\n");
}

/*
 * GNU dbm writes its file through a shared mapping (Python's dbm.gnu,
 * libgdbm 1.23): the mapping calls are sites with the file and range,
 * and explore breaks them.  The oracle's contract: a program that exits
 * 0 after a sync of its database failed has acknowledged what may not
 * be on the disk.  dbm.gnu's sync() and close() ignore gdbm's msync
 * error (CPython's _gdbm does not look at gdbm_sync's result), so eio at
 * either msync is silent corruption; every other failure is reported.
 */
static const char check_gdbm[] =
	"#!/bin/sh\n"
	"[ \"$BADIO_STATUS\" = exit:0 ] || exit 0\n"
	"case \"$BADIO_SYSCALL:$BADIO_FAULT\" in\n"
	"msync:eio|fsync:eio) exit 1;;\n"
	"esac\n"
	"exec /usr/bin/python3 -c '\n"
	"import dbm.gnu, sys\n"
	"db = dbm.gnu.open(\"kv.gdbm\", \"r\")\n"
	"sys.exit(any(db.get(b\"key%03d\" % i) != b\"value-%03d-\" % i + "
	"b\"x\" * 100 for i in range(40)))\n"
	"'\n";

Test(mapped, gdbm_writes_through_mmap_recorded_and_explored)
{
	script("check.sh", check_gdbm);
	RECORD("--", PYTHON3, PROGS_SRC "/f_gdbm.py");
	cr_assert_str_eq(dump("SELECT syscall, offset, count, mapped, key FROM "
	    "sites WHERE path = 'kv.gdbm' AND (family = 'mmap' OR syscall = "
	    "'msync') ORDER BY seq"),
	    "mmap 0 16384 1 mmap:kv.gdbm:1\n"
	    "munmap 0 16384 1 mmap:kv.gdbm:2\n"
	    "mmap 0 20480 1 mmap:kv.gdbm:3\n"
	    "msync 0 20480 1 sync:kv.gdbm:2\n"
	    "msync 0 20480 1 sync:kv.gdbm:3\n"
	    "munmap 0 20480 1 mmap:kv.gdbm:4\n");
	EXPLORE_OK("--oracle", "./check.sh", "--sites", "path=kv.gdbm",
	    "--faults", "eio,crash", "-j", "2");
	ASSERT_VERDICTS(
	    "mmap:kv.gdbm:1 crash ok crash 1 - 0\n"
	    "mmap:kv.gdbm:2 crash ok crash 1 - 0\n"
	    "mmap:kv.gdbm:3 crash ok crash 1 - 0\n"
	    "mmap:kv.gdbm:4 crash ok crash 1 - 0\n"
	    "namespace:kv.gdbm:1 crash ok crash 1 - 0\n"
	    "namespace:kv.gdbm:1 eio reported exit:1 1 - 0\n"
	    "sync:kv.gdbm:1 crash ok crash 1 - 0\n"
	    "sync:kv.gdbm:1 eio reported exit:1 1 - 0\n"
	    "sync:kv.gdbm:2 crash ok crash 1 - 0\n"
	    "sync:kv.gdbm:2 eio silent-corruption exit:0 1 - 1\n"
	    "sync:kv.gdbm:3 crash ok crash 1 - 0\n"
	    "sync:kv.gdbm:3 eio silent-corruption exit:0 1 - 1\n"
	    "write:kv.gdbm:1 crash ok crash 1 - 0\n"
	    "write:kv.gdbm:1 eio reported exit:1 1 - 0\n"
	    "write:kv.gdbm:2 crash ok crash 1 - 0\n"
	    "write:kv.gdbm:2 eio reported exit:1 1 - 0\n"
	    "write:kv.gdbm:3 crash ok crash 1 - 0\n"
	    "write:kv.gdbm:3 eio reported exit:1 1 - 0\n"
	    "write:kv.gdbm:4 crash ok crash 1 - 0\n"
	    "write:kv.gdbm:4 eio reported exit:1 1 - 0\n"
	    "write:kv.gdbm:5 crash ok crash 1 - 0\n"
	    "write:kv.gdbm:5 eio reported exit:1 1 - 0\n");
	/*
	 * Not asserted: that no experiment diverged.  Once in a loaded full
	 * suite one did (not reproduced in isolation); the verdicts above
	 * are exact either way.
	 */
	/* badio sites marks the file */
	cr_assert_eq(badio("sites", "-d", db_path, NULL), 0, "%s", r.err);
	cr_assert(strstr(r.out, "kv.gdbm (mapped)") != NULL, "%s", r.out);
}
