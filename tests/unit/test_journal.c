/*
 * test_journal.c - the undo journal's pure parts (recorder/journal*.c):
 * the byte-range sets that say which old bytes are kept and which
 * ranges a later kept write protects, and the state names.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "recorder/journal_int.h"

static const char *
show(const struct ivals *s)
{
	static char buf[512];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s[%lld,%lld)",
		    i ? " " : "", (long long)s->v[i].lo, (long long)s->v[i].hi);
	return buf;
}

Test(journal, ivals_add_merges_touching_ranges)
{
	struct ivals s = { 0 };

	cr_assert_eq(ivals_add(&s, 10, 20), 0);
	cr_assert_eq(ivals_add(&s, 30, 40), 0);
	cr_assert_eq(ivals_add(&s, 0, 5), 0);
	cr_assert_str_eq(show(&s), "[0,5) [10,20) [30,40)");
	cr_assert_eq(ivals_add(&s, 5, 5), 0, "empty: nothing");
	cr_assert_str_eq(show(&s), "[0,5) [10,20) [30,40)");
	cr_assert_eq(ivals_add(&s, 20, 30), 0, "touching both sides");
	cr_assert_str_eq(show(&s), "[0,5) [10,40)");
	cr_assert_eq(ivals_add(&s, 3, 12), 0);
	cr_assert_str_eq(show(&s), "[0,40)");
	cr_assert_eq(ivals_add(&s, 50, 60), 0);
	cr_assert_eq(ivals_add(&s, 45, 46), 0);
	cr_assert_str_eq(show(&s), "[0,40) [45,46) [50,60)");
	cr_assert_eq(ivals_add(&s, -5, 100), 0, "covering all");
	cr_assert_str_eq(show(&s), "[-5,100)");
	ivals_free(&s);
	cr_assert_eq(s.n, 0);
}

Test(journal, ivals_gaps_are_the_uncovered_parts)
{
	struct ivals s = { 0 }, g;

	ivals_add(&s, 10, 20);
	ivals_add(&s, 30, 40);
	cr_assert_eq(ivals_gaps(&s, 0, 50, &g), 0);
	cr_assert_str_eq(show(&g), "[0,10) [20,30) [40,50)");
	ivals_free(&g);
	cr_assert_eq(ivals_gaps(&s, 12, 18, &g), 0);
	cr_assert_str_eq(show(&g), "", "inside a kept range: nothing");
	ivals_free(&g);
	cr_assert_eq(ivals_gaps(&s, 15, 35, &g), 0);
	cr_assert_str_eq(show(&g), "[20,30)");
	ivals_free(&g);
	cr_assert_eq(ivals_gaps(&s, 40, 41, &g), 0);
	cr_assert_str_eq(show(&g), "[40,41)");
	ivals_free(&g);
	cr_assert_eq(ivals_gaps(&s, 5, 5, &g), 0);
	cr_assert_str_eq(show(&g), "");
	ivals_free(&g);
	ivals_free(&s);
	cr_assert_eq(ivals_gaps(&s, 1, 3, &g), 0, "an empty set");
	cr_assert_str_eq(show(&g), "[1,3)");
	ivals_free(&g);
}

Test(journal, no_journal_has_nothing_pending)
{
	const char *key = "x";

	cr_assert_eq(rec_journal_pending(NULL), 0);
	cr_assert_eq(rec_journal_last_sync(NULL, &key), 0);
	cr_assert_null(key);
	cr_assert_eq(rec_journal_build(NULL, (struct rec_state){ 0, 0 }, "/", "/"),
		     -EINVAL);
}
