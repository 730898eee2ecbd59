/*
 * filter.c - the seccomp-bpf filter, generated from the syscall table.
 *
 * Every syscall in the table returns SECCOMP_RET_TRACE with our tag, so
 * the kernel stops the thread for us; everything else is allowed and runs
 * at native speed.  Opens are filtered on their flags in BPF, so only
 * opens that create, truncate or make an O_TMPFILE stop; ioctls on their
 * command, so only reflinks (FICLONE, FICLONERANGE) stop.  With
 * deterministic randomness getrandom stops too, tagged apart (random.c),
 * and with the virtual clock the wall-clock calls (clock.c).
 * io_uring_setup fails with ENOSYS
 * by default: io_uring's I/O never passes through syscalls ptrace can
 * see, and programs fall back to plain syscalls (docs/ptrace.md).
 *
 * mmap stops only for a shared writable mapping of a file (MAP_SHARED
 * set, MAP_ANONYMOUS clear, PROT_WRITE set), and for any mapping placed
 * in badio's mapping window, where the tracer puts the file mappings it
 * follows (mapping.c); munmap and mremap stop only in that window (or
 * for an unmap of a terabyte or more, which may reach into it from
 * below).  So anonymous, private and read-only mappings, malloc's and the
 * loader's, never stop.  close stops only with rec_opts.trace_close.
 *
 * filter_build runs in badio; filter_install in the forked child before
 * execve, where it makes raw system calls only.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "recorder/recorder_int.h"

static int
add_open_rules(scmp_filter_ctx ctx, const struct sysent *s)
{
	uint32_t act = SCMP_ACT_TRACE(REC_TAG);
	/* O_TMPFILE has two bits (one is O_DIRECTORY): both must be set */
	static const int bits[] = { O_CREAT, O_TRUNC, O_TMPFILE };
	int rc;

	if (s->flags < 0 || (s->decode & D_OPENHOW))
		return seccomp_rule_add(ctx, act, s->pub.nr, 0);
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		struct scmp_arg_cmp cmp = SCMP_CMP((unsigned)s->flags,
		    SCMP_CMP_MASKED_EQ, bits[i], bits[i]);

		rc = seccomp_rule_add_array(ctx, act, s->pub.nr, 1, &cmp);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* An ioctl stops only for the commands its words name (FICLONE...). */
static int
add_ioctl_rules(scmp_filter_ctx ctx, const struct sysent *s)
{
	int rc = 0;

	for (unsigned i = 0; rc == 0 && i < s->words->n; i++) {
		struct scmp_arg_cmp cmp = SCMP_CMP((unsigned)s->flags,
		    SCMP_CMP_MASKED_EQ, s->words->w[i].mask,
		    s->words->w[i].value);

		rc = seccomp_rule_add_array(ctx, SCMP_ACT_TRACE(REC_TAG),
		    s->pub.nr, 1, &cmp);
	}
	return rc;
}

/* An address argument inside the mapping window. */
#define IN_WINDOW(arg) \
	SCMP_CMP((arg), SCMP_CMP_MASKED_EQ, MAP_WINDOW_MASK, MAP_WINDOW_LO)

static int
add_mmap_rules(scmp_filter_ctx ctx, const struct sysent *s,
    const struct filter_opts *fo)
{
	uint32_t act = SCMP_ACT_TRACE(REC_TAG);
	int rc;

	(void)fo;
	rc = seccomp_rule_add(ctx, act, s->pub.nr, 2,
	    SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_SHARED | MAP_ANONYMOUS, MAP_SHARED),
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_WRITE, PROT_WRITE));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, act, s->pub.nr, 1, IN_WINDOW(0));
	return rc;
}

static int
add_munmap_rules(scmp_filter_ctx ctx, const struct sysent *s,
    const struct filter_opts *fo)
{
	uint32_t act = SCMP_ACT_TRACE(REC_TAG);
	int rc;

	(void)fo;
	rc = seccomp_rule_add(ctx, act, s->pub.nr, 1, IN_WINDOW(0));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, act, s->pub.nr, 1,
		    SCMP_A1(SCMP_CMP_GE, MAP_UNMAP_HUGE));
	return rc;
}

static int
add_mremap_rules(scmp_filter_ctx ctx, const struct sysent *s,
    const struct filter_opts *fo)
{
	uint32_t act = SCMP_ACT_TRACE(REC_TAG);
	int rc;

	(void)fo;
	rc = seccomp_rule_add(ctx, act, s->pub.nr, 1, IN_WINDOW(0));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, act, s->pub.nr, 2,
		    SCMP_A3(SCMP_CMP_MASKED_EQ, MREMAP_FIXED, MREMAP_FIXED),
		    IN_WINDOW(4));
	return rc;
}

static int
add_close_rules(scmp_filter_ctx ctx, const struct sysent *s,
    const struct filter_opts *fo)
{
	return fo->trace_close ?
	    seccomp_rule_add(ctx, SCMP_ACT_TRACE(REC_TAG), s->pub.nr, 0) : 0;
}

static int
add_open_row(scmp_filter_ctx ctx, const struct sysent *s,
    const struct filter_opts *fo)
{
	(void)fo;
	return add_open_rules(ctx, s);
}

static int
add_ioctl_row(scmp_filter_ctx ctx, const struct sysent *s,
    const struct filter_opts *fo)
{
	(void)fo;
	return add_ioctl_rules(ctx, s);
}

/* Rows whose calls stop only on some arguments: by decode flag. */
static const struct {
	unsigned	decode;
	int		(*add)(scmp_filter_ctx, const struct sysent *,
			    const struct filter_opts *);
} narrow[] = {
	{ D_OPEN,	add_open_row },
	{ D_IOCTL,	add_ioctl_row },
	{ D_MMAP,	add_mmap_rules },
	{ D_MUNMAP,	add_munmap_rules },
	{ D_MREMAP,	add_mremap_rules },
	{ D_CLOSE,	add_close_rules },
};

static int
add_row(scmp_filter_ctx ctx, const struct sysent *s,
    const struct filter_opts *fo)
{
	for (size_t i = 0; i < sizeof(narrow) / sizeof(narrow[0]); i++)
		if (s->decode & narrow[i].decode)
			return narrow[i].add(ctx, s, fo);
	return seccomp_rule_add(ctx, SCMP_ACT_TRACE(REC_TAG), s->pub.nr, 0);
}

static const int cred_calls[] = {
	SCMP_SYS(setuid), SCMP_SYS(setreuid), SCMP_SYS(setresuid),
	SCMP_SYS(setfsuid),
};

/*
 * The wall clock (clock.c): clock_gettime of the wall clocks only (the
 * clock id is an int: its low 32 bits), gettimeofday, time.
 */
static int
add_clock_rules(scmp_filter_ctx ctx)
{
	uint32_t act = SCMP_ACT_TRACE(REC_TAG_CLOCK);
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < clock_nwalls; i++)
		rc = seccomp_rule_add(ctx, act, SCMP_SYS(clock_gettime), 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu,
		    (unsigned)clock_walls[i]));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, act, SCMP_SYS(gettimeofday), 0);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, act, SCMP_SYS(time), 0);
	return rc;
}

static int
add_rules(scmp_filter_ctx ctx, const struct filter_opts *fo)
{
	int rc;

	for (size_t i = 0; i < sysent_count(); i++) {
		rc = add_row(ctx, sysent_row(i), fo);
		if (rc < 0)
			return rc;
	}
	/*
	 * A change of RLIMIT_FSIZE decides whether badio may do a program's
	 * writes for it (emulate.c): a stop, rare, that is not a site.
	 */
	rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(REC_TAG_RLIMIT),
	    SCMP_SYS(setrlimit), 1, SCMP_A0(SCMP_CMP_EQ, RLIMIT_FSIZE));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(REC_TAG_RLIMIT),
		    SCMP_SYS(prlimit64), 2, SCMP_A1(SCMP_CMP_EQ, RLIMIT_FSIZE),
		    SCMP_A2(SCMP_CMP_NE, 0));
	/*
	 * A change of an open file's status flags (O_APPEND, O_DIRECT):
	 * the flags badio caches with an fd's duplicate are read again.
	 */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(REC_TAG_FLAGS),
		    SCMP_SYS(fcntl), 1, SCMP_A1(SCMP_CMP_EQ, F_SETFL));
	/*
	 * A filter of the program's own: from then on its stops may carry
	 * another filter's data, which only PTRACE_GET_SYSCALL_INFO tells
	 * (loop.c, seccomp_info).
	 */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(REC_TAG_FILTER),
		    SCMP_SYS(seccomp), 0);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(REC_TAG_FILTER),
		    SCMP_SYS(prctl), 1, SCMP_A0(SCMP_CMP_EQ, PR_SET_SECCOMP));
	/* a change of user: the run directory follows it (owner.c) */
	for (size_t i = 0; rc == 0 && i < sizeof(cred_calls) /
	    sizeof(cred_calls[0]); i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(REC_TAG_CRED),
		    cred_calls[i], 0);
	if (rc == 0 && fo->det_random)
		rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(REC_TAG_RANDOM),
		    SCMP_SYS(getrandom), 0);
	if (rc == 0 && fo->det_clock)
		rc = add_clock_rules(ctx);
	if (rc == 0 && !fo->allow_io_uring)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
		    SCMP_SYS(io_uring_setup), 0);
	return rc;
}

/*
 * The data badio's filter returns for a call it stops, from its number
 * alone (add_rules: each number has one tag, the arguments only decide
 * whether it stops).  Right for every stop of a process that has no
 * filter but badio's.
 */
unsigned
filter_tag(bool det_random, bool det_clock, long nr)
{
	static const struct { long nr; unsigned tag; } special[] = {
		{ SCMP_SYS(setrlimit), REC_TAG_RLIMIT },
		{ SCMP_SYS(prlimit64), REC_TAG_RLIMIT },
		{ SCMP_SYS(fcntl), REC_TAG_FLAGS },
		{ SCMP_SYS(seccomp), REC_TAG_FILTER },
		{ SCMP_SYS(prctl), REC_TAG_FILTER },
		{ SCMP_SYS(setuid), REC_TAG_CRED },
		{ SCMP_SYS(setreuid), REC_TAG_CRED },
		{ SCMP_SYS(setresuid), REC_TAG_CRED },
		{ SCMP_SYS(setfsuid), REC_TAG_CRED },
	};

	if (det_random && nr == SCMP_SYS(getrandom))
		return REC_TAG_RANDOM;
	if (det_clock && clock_call(nr))
		return REC_TAG_CLOCK;
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if (special[i].nr == nr)
			return special[i].tag;
	return REC_TAG;
}

/*
 * Build the filter in badio, before fork: libseccomp allocates, and the
 * forked child of a threaded badio (the database writer, the stdin pump,
 * explore's output drain) must not, since another thread may have held
 * an allocator lock at fork time.  The BPF program is exported through a
 * memory file into prog->filter (malloc'd; filter_free).
 */
int
filter_build(const struct filter_opts *fo, struct sock_fprog *prog)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	off_t size;
	int rc, fd = -1;

	prog->filter = NULL;
	prog->len = 0;
	if (!ctx)
		return -ENOMEM;
	/* other architectures' syscalls (int 0x80) pass untraced, never killed */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
	if (rc == 0)
		rc = add_rules(ctx, fo);
	if (rc == 0 && (fd = memfd_create("badio-bpf", MFD_CLOEXEC)) < 0)
		rc = -errno;
	if (rc == 0)
		rc = seccomp_export_bpf(ctx, fd);
	if (rc == 0 && ((size = lseek(fd, 0, SEEK_END)) <= 0 ||
	    size % sizeof(struct sock_filter) != 0 || size > 65536))
		rc = -EINVAL;
	if (rc == 0 && !(prog->filter = malloc((size_t)size)))
		rc = -ENOMEM;
	if (rc == 0 && pread(fd, prog->filter, (size_t)size, 0) != size)
		rc = -EIO;
	if (rc == 0)
		prog->len = (unsigned short)(size / sizeof(struct sock_filter));
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	if (rc < 0)
		filter_free(prog);
	return rc;
}

void
filter_free(struct sock_fprog *prog)
{
	free(prog->filter);
	prog->filter = NULL;
	prog->len = 0;
}

/*
 * The program for these options, built once per process: explore's
 * workers start hundreds of runs.
 */
int
filter_get(const struct filter_opts *fo, const struct sock_fprog **prog)
{
	static struct sock_fprog cache[16];
	struct sock_fprog *p = &cache[fo->allow_io_uring | fo->trace_close << 1 |
	    fo->det_random << 2 | fo->det_clock << 3];
	int rc;

	if (!p->filter && (rc = filter_build(fo, p)) < 0)
		return rc;
	*prog = p;
	return 0;
}

/*
 * In the child, before exec: raw system calls only.  Load without
 * no_new_privs first, as strace does, so that a privileged badio keeps
 * setuid programs working inside the target; fall back to no_new_privs
 * when the kernel asks for it (EACCES: no CAP_SYS_ADMIN).
 */
int
filter_install(const struct sock_fprog *prog)
{
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) == 0)
		return 0;
	if (errno != EACCES)
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) == 0 ?
	    0 : -errno;
}
