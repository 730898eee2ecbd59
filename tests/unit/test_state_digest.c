/*
 * test_state_digest.c - the digest of a crash state (explorer/
 * state_digest.c, for --judge-once): equal for trees the oracle cannot
 * tell apart (made in another order, at other times), different for
 * anything it can see (a byte, a name, a mode, a symlink's target, an
 * empty file against none, hard links, stdout, the state's name), and
 * never through a symlink.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "explorer/explorer.h"
#include "explorer/explorer_int.h"

static char base[64];

static void
setup(void)
{
	snprintf(base, sizeof(base), "/tmp/badio-digest-XXXXXX");
	cr_assert_not_null(mkdtemp(base));
}

static void
teardown(void)
{
	bx_tree_remove(base, NULL);
}

TestSuite(state_digest, .init = setup, .fini = teardown);

static const char *
at(const char *name)
{
	static char bufs[4][512];
	static int k;
	char *b = bufs[k++ % 4];

	cr_assert_lt(snprintf(b, 512, "%s/%s", base, name), 512);
	return b;
}

static void
put(const char *name, const char *text)
{
	int fd = open(at(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	cr_assert_geq(fd, 0, "%s: %s", name, strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static struct bx_digest
digest_as(const char *dir, const char *state, const char *out)
{
	struct bx_state_seen seen = {
		.fault = "power", .state = state, .status = "crash",
		.stdout_path = at(out), .dir = at(dir),
	};
	struct bx_digest d;

	cr_assert_eq(bx_state_digest(&seen, &d), 0, "%s", dir);
	return d;
}

static struct bx_digest
digest(const char *dir)
{
	return digest_as(dir, "durable", "out");
}

static bool
same(struct bx_digest a, struct bx_digest b)
{
	return a.lo == b.lo && a.hi == b.hi;
}

/* a/ and b/: config "new", sub/x "1", link -> config; b made backwards */
static void
two_trees(void)
{
	put("out", "saved\n");
	cr_assert_eq(mkdir(at("a"), 0755), 0);
	put("a/config", "new");
	cr_assert_eq(mkdir(at("a/sub"), 0755), 0);
	put("a/sub/x", "1");
	cr_assert_eq(symlink("config", at("a/link")), 0);
	cr_assert_eq(mkdir(at("b"), 0755), 0);
	cr_assert_eq(symlink("config", at("b/link")), 0);
	cr_assert_eq(mkdir(at("b/sub"), 0755), 0);
	put("b/sub/x", "1");
	put("b/config", "new");
}

Test(state_digest, equal_trees_made_otherwise)
{
	two_trees();
	cr_assert(same(digest("a"), digest("b")));
	cr_assert(same(digest("a"), digest("a")));
}

Test(state_digest, a_byte)
{
	two_trees();
	put("b/sub/x", "2");
	cr_assert_not(same(digest("a"), digest("b")));
}

Test(state_digest, a_name)
{
	two_trees();
	cr_assert_eq(rename(at("b/sub/x"), at("b/sub/y")), 0);
	cr_assert_not(same(digest("a"), digest("b")));
}

Test(state_digest, a_mode)
{
	two_trees();
	cr_assert_eq(chmod(at("b/config"), 0600), 0);
	cr_assert_not(same(digest("a"), digest("b")));
}

Test(state_digest, a_symlink_target)
{
	two_trees();
	cr_assert_eq(unlink(at("b/link")), 0);
	cr_assert_eq(symlink("sub/x", at("b/link")), 0);
	cr_assert_not(same(digest("a"), digest("b")));
}

Test(state_digest, an_empty_file_is_not_none)
{
	two_trees();
	put("b/config.tmp", "");
	cr_assert_not(same(digest("a"), digest("b")));
}

/* one file under two names against two files with the same bytes */
Test(state_digest, hard_links)
{
	two_trees();
	put("a/copy", "new");
	cr_assert_eq(link(at("b/config"), at("b/copy")), 0);
	cr_assert_not(same(digest("a"), digest("b")));
}

Test(state_digest, what_the_oracle_is_told)
{
	two_trees();
	put("out2", "saved\nmore\n");
	cr_assert_not(same(digest_as("a", "durable", "out"),
	    digest_as("a", "durable", "out2")));
	cr_assert_not(same(digest_as("a", "durable", "out"),
	    digest_as("a", "metadata", "out")));
}

/* a symlink to a file outside: its target's bytes do not count */
Test(state_digest, never_through_a_symlink)
{
	struct bx_digest before;

	two_trees();
	put("outside", "one");
	cr_assert_eq(symlink(at("outside"), at("a/away")), 0);
	cr_assert_eq(symlink("..", at("a/up")), 0);
	before = digest("a");
	put("outside", "two");
	cr_assert(same(before, digest("a")));
}

Test(state_digest, missing_directory)
{
	struct bx_state_seen seen = {
		.fault = "power", .state = "durable", .status = "crash",
		.stdout_path = at("out"), .dir = at("none"),
	};
	struct bx_digest d;

	put("out", "");
	cr_assert_eq(bx_state_digest(&seen, &d), -ENOENT);
}
