/*
 * test_namemap.c - unit tests of recorder/namemap.c, names that follow
 * the file: a re-run's new names matched to the recorded creations (same
 * directory, same order, same call site), names the recording knows
 * left alone, failed creations giving their name back, translation of
 * later paths through whole names and directory prefixes.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "recorder/recorder_int.h"

#define CAP	(PATH_MAX + 64)		/* what the recorder's buffers hold */

static struct namemap *m;
static char buf[CAP];

static void
make(const struct rec_created *c, size_t n, const char *const *known,
    size_t nknown)
{
	m = namemap_new(c, n, known, nknown);
	cr_assert_not_null(m);
}

static void
teardown(void)
{
	namemap_free(m);
	m = NULL;
}

TestSuite(namemap, .fini = teardown);

/* Create path from callsite cs; returns the name it gets; token in *tok. */
static const char *
create(const char *path, int64_t cs, uint32_t *tok)
{
	uint32_t t;

	snprintf(buf, sizeof(buf), "%s", path);
	t = namemap_create(m, buf, sizeof(buf), cs);
	if (tok)
		*tok = t;
	else
		namemap_settle(m, t, true);
	return buf;
}

static const char *
translate(const char *path)
{
	snprintf(buf, sizeof(buf), "%s", path);
	namemap_translate(m, buf, sizeof(buf));
	return buf;
}

Test(namemap, empty_map_changes_nothing)
{
	make(NULL, 0, NULL, 0);
	cr_assert_str_eq(create("sedXYZ", 7, NULL), "sedXYZ");
	cr_assert_str_eq(translate("sedXYZ"), "sedXYZ");
	namemap_translate(NULL, buf, sizeof(buf));
	cr_assert_eq(namemap_create(NULL, buf, sizeof(buf), 1), 0);
	namemap_settle(NULL, 1, true);
}

/* sed -i: the re-run's mkstemp name takes the recorded one. */
Test(namemap, random_name_takes_the_recorded_one)
{
	static const struct rec_created c[] = { { "sedK9uCgH", 7, false } };
	static const char *const known[] = { "f.txt", "sedK9uCgH" };

	make(c, 1, known, 2);
	cr_assert_str_eq(create("sedAbCdEf", 7, NULL), "sedK9uCgH");
	cr_assert_str_eq(translate("sedAbCdEf"), "sedK9uCgH");
	cr_assert_str_eq(translate("f.txt"), "f.txt");
	/* one recorded creation: a second new name stays as it is */
	cr_assert_str_eq(create("sedZZZZZZ", 7, NULL), "sedZZZZZZ");
	cr_assert_str_eq(translate("sedZZZZZZ"), "sedZZZZZZ");
}

/* Known names are never translated, and take their own recorded creation. */
Test(namemap, known_names_stay_and_are_taken)
{
	static const struct rec_created c[] = {
		{ "tmp1", 5, false }, { "lock", 5, false }, { "tmp2", 5, false },
	};
	static const char *const known[] = { "lock", "tmp1", "tmp2", "data" };

	make(c, 3, known, 4);
	/* "lock" comes first in this run: it must not take "tmp1" */
	cr_assert_str_eq(create("lock", 5, NULL), "lock");
	cr_assert_str_eq(create("tmpA", 5, NULL), "tmp1");
	cr_assert_str_eq(create("tmpB", 5, NULL), "tmp2");
	cr_assert_str_eq(create("tmpC", 5, NULL), "tmpC");
	cr_assert_str_eq(translate("tmpA"), "tmp1");
	cr_assert_str_eq(translate("tmpB"), "tmp2");
	cr_assert_str_eq(translate("data"), "data");
}

/* The same call site first; another one only when none is left. */
Test(namemap, same_call_site_first_then_any)
{
	static const struct rec_created c[] = {
		{ "a.1111", 1, false }, { "b.2222", 2, false }, { "c.3333", 3, false },
	};

	make(c, 3, NULL, 0);
	cr_assert_str_eq(create("b.9999", 2, NULL), "b.2222");
	cr_assert_str_eq(create("a.9999", 1, NULL), "a.1111");
	/* call site 9 made nothing in the recording: the first left */
	cr_assert_str_eq(create("x.9999", 9, NULL), "c.3333");
	/* an unknown call site (0) takes the first left too: none */
	cr_assert_str_eq(create("y.9999", 0, NULL), "y.9999");
}

/* Only creations of the same directory are candidates. */
Test(namemap, same_directory_only)
{
	static const struct rec_created c[] = {
		{ "d1/t.aaa", 4, false }, { "d2/t.bbb", 4, false }, { "/var/tmp/etilqs_X", 4, false },
		{ "t.ccc", 4, false },
	};

	make(c, 4, NULL, 0);
	cr_assert_str_eq(create("d2/t.zzz", 4, NULL), "d2/t.bbb");
	cr_assert_str_eq(create("/var/tmp/etilqs_Y", 4, NULL),
	    "/var/tmp/etilqs_X");
	cr_assert_str_eq(create("t.yyy", 4, NULL), "t.ccc");
	cr_assert_str_eq(create("d3/t.xxx", 4, NULL), "d3/t.xxx");
	cr_assert_str_eq(create("d1/t.www", 4, NULL), "d1/t.aaa");
	/* "/" and "" are different directories */
	cr_assert_str_eq(create("/t.vvv", 4, NULL), "/t.vvv");
}

/* A failed creation (EEXIST in a retry loop) gives its name back. */
Test(namemap, failed_creation_gives_the_name_back)
{
	static const struct rec_created c[] = { { "tmp.R1", 3, false }, { "tmp.R2", 3, false } };
	uint32_t tok;

	make(c, 2, NULL, 0);
	cr_assert_str_eq(create("tmp.X", 3, &tok), "tmp.R1");
	cr_assert_neq(tok, 0);
	namemap_settle(m, tok, false);
	cr_assert_str_eq(translate("tmp.X"), "tmp.X");
	cr_assert_str_eq(create("tmp.Y", 3, NULL), "tmp.R1");
	cr_assert_str_eq(create("tmp.Z", 3, NULL), "tmp.R2");
	cr_assert_str_eq(translate("tmp.Y"), "tmp.R1");
	cr_assert_str_eq(translate("tmp.Z"), "tmp.R2");
}

/* A name created again is a new file: the newest mapping wins, until undone. */
Test(namemap, name_created_again_shadows_until_undone)
{
	static const struct rec_created c[] = { { "t.R1", 3, false }, { "t.R2", 3, false } };
	uint32_t tok;

	make(c, 2, NULL, 0);
	cr_assert_str_eq(create("t.X", 3, NULL), "t.R1");
	cr_assert_str_eq(create("t.X", 3, &tok), "t.R2");
	cr_assert_str_eq(translate("t.X"), "t.R2");
	namemap_settle(m, tok, false);
	cr_assert_str_eq(translate("t.X"), "t.R1");
}

/* Files in a directory made under a random name follow it (mkdtemp). */
Test(namemap, directory_prefix_translated)
{
	static const struct rec_created c[] = {
		{ "tmp.D1", 8, false }, { "tmp.D1/a", 9, false }, { "tmp.D1/rnd.1", 9, false },
	};
	static const char *const known[] = { "tmp.D1", "tmp.D1/a",
		"tmp.D1/rnd.1" };

	make(c, 3, known, 3);
	cr_assert_str_eq(create("tmp.Q7", 8, NULL), "tmp.D1");
	cr_assert_str_eq(translate("tmp.Q7/x/y"), "tmp.D1/x/y");
	cr_assert_str_eq(translate("tmp.Q7"), "tmp.D1");
	/* not a prefix at a component boundary */
	cr_assert_str_eq(translate("tmp.Q77"), "tmp.Q77");
	/* a known name inside it is itself */
	cr_assert_str_eq(create("tmp.Q7/a", 9, NULL), "tmp.D1/a");
	/* a random one inside takes the recorded creation there */
	cr_assert_str_eq(create("tmp.Q7/rnd.2", 9, NULL), "tmp.D1/rnd.1");
	cr_assert_str_eq(translate("tmp.Q7/rnd.2"), "tmp.D1/rnd.1");
}

/* Many creations in one directory: matched in order (cursors, no rescans). */
Test(namemap, thousands_in_order)
{
	static struct rec_created c[5000];
	static char names[5000][16];
	char want[32], got[32];

	for (int i = 0; i < 5000; i++) {
		snprintf(names[i], sizeof(names[i]), "rec.%d", i);
		c[i] = (struct rec_created){ names[i], i % 2 ? 11 : 22, false };
	}
	make(c, 5000, NULL, 0);
	for (int i = 0; i < 5000; i++) {
		snprintf(got, sizeof(got), "run.%d", i);
		snprintf(want, sizeof(want), "rec.%d", i);
		cr_assert_str_eq(create(got, i % 2 ? 11 : 22, NULL), want);
	}
	cr_assert_str_eq(translate("run.4321"), "rec.4321");
}

/* A recorded name that does not fit the caller's buffer is not taken. */
Test(namemap, too_long_is_left_alone)
{
	static char longname[CAP];
	struct rec_created c[1];
	char small[16] = "t.X";

	memset(longname, 'a', 100);
	longname[100] = '\0';
	c[0] = (struct rec_created){ longname, 1, false };
	make(c, 1, NULL, 0);
	cr_assert_eq(namemap_create(m, small, sizeof(small), 1), 0);
	cr_assert_str_eq(small, "t.X");
}

/*
 * git's loose objects: the first mkstemp in objects/25 fails (ENOENT, the
 * directory is not there yet), git makes it and tries a new name.  The
 * recording has both attempts; the re-run's failed attempt takes the
 * recorded failed one, its second attempt the recorded created one.
 */
Test(namemap, a_failed_attempt_takes_the_recorded_failed_attempt)
{
	static const struct rec_created c[] = {
		{ "o/25/tmp_obj_AAAAAA", 7, true },
		{ "o/25/tmp_obj_BBBBBB", 7, false },
	};
	static const char *const known[] = { "o/25", "o/25/tmp_obj_AAAAAA",
	    "o/25/tmp_obj_BBBBBB" };
	uint32_t t;

	make(c, 2, known, 3);
	cr_assert_str_eq(create("o/25/tmp_obj_xxxxxx", 7, &t),
	    "o/25/tmp_obj_AAAAAA");
	namemap_settle(m, t, false);
	cr_assert_str_eq(create("o/25/tmp_obj_yyyyyy", 7, &t),
	    "o/25/tmp_obj_BBBBBB");
	namemap_settle(m, t, true);
	cr_assert_str_eq(translate("o/25/tmp_obj_yyyyyy"), "o/25/tmp_obj_BBBBBB");
	/* the failed spelling names nothing afterwards */
	cr_assert_str_eq(translate("o/25/tmp_obj_xxxxxx"), "o/25/tmp_obj_xxxxxx");
}

/*
 * A re-run whose attempt fails where the recorded one worked (EEXIST in
 * a retry loop) gives the name back: the next attempt takes it.
 */
Test(namemap, an_attempt_failing_where_the_recorded_one_worked_gives_it_back)
{
	static const struct rec_created c[] = { { "tmpAAAAAA", 3, false } };
	static const char *const known[] = { "tmpAAAAAA" };
	uint32_t t;

	make(c, 1, known, 1);
	cr_assert_str_eq(create("tmpxxxxxx", 3, &t), "tmpAAAAAA");
	namemap_settle(m, t, false);
	cr_assert_str_eq(create("tmpyyyyyy", 3, &t), "tmpAAAAAA");
	namemap_settle(m, t, true);
	cr_assert_str_eq(translate("tmpyyyyyy"), "tmpAAAAAA");
}

/*
 * mkstemp's letters come from the clock, or from the seeded getrandom
 * when the clock's value is refused: a re-run's first mkstemp (call site
 * 1, failing with ENOENT) can draw the name the recording's second one
 * (call site 2) drew.  It must take its own call site's recorded
 * creation, and leave the drawn name to the second mkstemp.
 */
Test(namemap, random_name_spelling_a_recorded_name_of_another_call_site)
{
	static const struct rec_created c[] = {
		{ "sub/d.AAAAAA", 1, true }, { "sub", 3, false },
		{ "sub/d.BBBBBB", 2, false },
	};
	static const char *const known[] = { "sub", "sub/d.AAAAAA",
	    "sub/d.BBBBBB" };
	uint32_t t;

	make(c, 3, known, 3);
	cr_assert_str_eq(create("sub/d.BBBBBB", 1, &t), "sub/d.AAAAAA");
	namemap_settle(m, t, false);
	cr_assert_str_eq(create("sub", 3, NULL), "sub");
	cr_assert_str_eq(create("sub/d.xxxxxx", 2, NULL), "sub/d.BBBBBB");
	cr_assert_str_eq(translate("sub/d.xxxxxx"), "sub/d.BBBBBB");
	/* the failed attempt's spelling names nothing afterwards */
	cr_assert_str_eq(translate("sub/d.BBBBBB"), "sub/d.BBBBBB");
}

/* The second mkstemp draws the name the first one already took. */
Test(namemap, random_name_spelling_a_taken_recorded_name)
{
	static const struct rec_created c[] = {
		{ "d.AAAAAA", 1, false }, { "d.BBBBBB", 2, false },
	};
	static const char *const known[] = { "d.AAAAAA", "d.BBBBBB" };

	make(c, 2, known, 2);
	cr_assert_str_eq(create("d.xxxxxx", 1, NULL), "d.AAAAAA");
	cr_assert_str_eq(create("d.AAAAAA", 2, NULL), "d.BBBBBB");
	cr_assert_str_eq(translate("d.AAAAAA"), "d.BBBBBB");
}
