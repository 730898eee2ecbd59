/*
 * filter.c - the --sites filter: "id=N", "id=N-M", "syscall=NAME",
 * "family=NAME", "path=GLOB", comma-separated, all of which must hold.
 *
 * Parsing validates names against the recorder's tables, so a typo is a
 * usage error rather than an empty selection.  Matching is done here, in
 * C, on the store's site rows: it is small and testable without a
 * database.  A glob cannot contain a comma; path=GLOB takes the rest of
 * its term, '*' matches '/' too (as SQLite's GLOB does).
 */
#include "explorer/explorer.h"

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse a positive decimal id; false if it is not one. */
static bool
parse_id(const char *s, size_t n, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	if (n == 0 || n > 18)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v <= 0)
		return false;
	*out = v;
	return true;
}

static int
parse_ids(const char *v, size_t n, struct bx_filter *f, char *err,
    size_t errsz)
{
	const char *dash = memchr(v, '-', n);

	if (!dash) {
		if (!parse_id(v, n, &f->id_min))
			goto out_bad;
		f->id_max = f->id_min;
		return 0;
	}
	if (!parse_id(v, dash - v, &f->id_min) ||
	    !parse_id(dash + 1, n - (dash - v) - 1, &f->id_max))
		goto out_bad;
	if (f->id_max < f->id_min)
		goto out_bad;
	return 0;
out_bad:
	snprintf(err, errsz, "bad site id range '%.*s' (want N or N-M)",
	    (int)n, v);
	return -EINVAL;
}

int
bx_filter_parse(const char *text, struct bx_filter *f, char *err,
    size_t errsz)
{
	const char *p = text;
	bool have_id = false;
	int rc;

	memset(f, 0, sizeof(*f));
	for (;;) {
		size_t n = strcspn(p, ",");
		const char *eq = memchr(p, '=', n);
		size_t klen, vlen;
		const char *v;
		char **slot = NULL;

		if (!eq || eq == p) {
			snprintf(err, errsz, "bad site filter term '%.*s' "
			    "(want KEY=VALUE)", (int)n, p);
			goto out_inval;
		}
		klen = eq - p;
		v = eq + 1;
		vlen = n - klen - 1;
		if (vlen == 0) {
			snprintf(err, errsz, "empty value in site filter "
			    "term '%.*s'", (int)n, p);
			goto out_inval;
		}
		if (klen == 2 && memcmp(p, "id", 2) == 0) {
			if (have_id)
				goto out_twice;
			have_id = true;
			rc = parse_ids(v, vlen, f, err, errsz);
			if (rc)
				goto out_release;
		} else if (klen == 7 && memcmp(p, "syscall", 7) == 0) {
			slot = &f->syscall;
		} else if (klen == 6 && memcmp(p, "family", 6) == 0) {
			slot = &f->family;
		} else if (klen == 4 && memcmp(p, "path", 4) == 0) {
			slot = &f->path_glob;
		} else {
			snprintf(err, errsz, "unknown site filter key '%.*s' "
			    "(want id, syscall, family or path)", (int)klen, p);
			goto out_inval;
		}
		if (slot) {
			if (*slot)
				goto out_twice;
			*slot = strndup(v, vlen);
			if (!*slot) {
				rc = -ENOMEM;
				goto out_release;
			}
		}
		if (slot == &f->syscall && !rec_sysent_by_name(f->syscall)) {
			snprintf(err, errsz, "unknown syscall '%s' in site "
			    "filter", f->syscall);
			goto out_inval;
		}
		if (slot == &f->family && rec_family_parse(f->family) < 0) {
			snprintf(err, errsz, "unknown family '%s' in site "
			    "filter (want write, sync or namespace)", f->family);
			goto out_inval;
		}
		if (p[n] == '\0')
			return 0;
		p += n + 1;
		continue;
out_twice:
		snprintf(err, errsz, "site filter key '%.*s' given twice",
		    (int)klen, p);
		goto out_inval;
	}
out_inval:
	rc = -EINVAL;
out_release:
	bx_filter_release(f);
	return rc;
}

void
bx_filter_release(struct bx_filter *f)
{
	free(f->syscall);
	free(f->family);
	free(f->path_glob);
	memset(f, 0, sizeof(*f));
}

bool
bx_filter_match(const struct bx_filter *f, const struct store_site *site)
{
	if (!f)
		return true;
	if (f->id_min && site->id < f->id_min)
		return false;
	if (f->id_max && site->id > f->id_max)
		return false;
	if (f->syscall && strcmp(f->syscall, site->syscall) != 0)
		return false;
	if (f->family && strcmp(f->family, site->family) != 0)
		return false;
	if (f->path_glob &&
	    (!site->path || fnmatch(f->path_glob, site->path, 0) != 0))
		return false;
	return true;
}
