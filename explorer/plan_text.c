/*
 * plan_text.c - the plan as text (meta 'plan'): what an explore
 * selected, kept so that report and merge can tell what is not run yet
 * (bx_pending) against the experiments the database holds.
 */
#include "explorer/explorer_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The plan as text, kept in the database (meta 'plan') by every explore
 * that passed its baseline: the options that decide which pairs the plan
 * holds, one "name=value" per line, the --sites text last (it may hold
 * any byte but a newline).  Options that only say how to run (-j,
 * timeouts, --keep) or which part of the plan (--shard) are not in it:
 * the shards of one explore share one plan.  A new selecting option
 * must be added here and in plan_parse().
 */
int
plan_describe(const struct bx_explore_opts *o, char **text)
{
	const char *sites = o->sites_text ? o->sites_text : "";

	if (strchr(sites, '\n'))
		return -EINVAL;
	if (asprintf(text, "faults=%#x\nkinds=%#x\nstdio=%d\nper_callsite=%u\n"
	    "callsite=%" PRId64 "\npower_states=%#x\npower_prefixes=%u\n"
	    "sites=%s", o->faults, o->kinds, o->include_stdio ? 1 : 0,
	    o->per_callsite, o->callsite, o->power_states, o->power_prefixes,
	    sites) < 0) {
		*text = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* The value of "name=" in a plan text, up to the end of its line. */
static const char *
plan_field(const char *text, const char *name, size_t *len)
{
	size_t n = strlen(name);
	const char *p = text;

	while (p && *p) {
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			p += n + 1;
			*len = strcspn(p, "\n");
			return p;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

static bool
plan_u64(const char *text, const char *name, uint64_t max, uint64_t *v)
{
	char buf[32], *end;
	size_t len;
	const char *f = plan_field(text, name, &len);

	if (!f || len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, f, len);
	buf[len] = '\0';
	errno = 0;
	*v = strtoull(buf, &end, 0);
	return errno == 0 && *end == '\0' && *v <= max;
}

/*
 * A stored plan text back into options (and the filter it names); what
 * a database says is checked like a command line.  -EINVAL if malformed.
 */
static int
plan_parse(const char *text, struct bx_explore_opts *o, struct bx_filter *f,
    char **sites)
{
	uint64_t faults, kinds, stdio, per, cs, ps = 0, pp = 0;
	const char *st;
	size_t len;
	char err[128];

	memset(o, 0, sizeof(*o));
	memset(f, 0, sizeof(*f));
	*sites = NULL;
	if (!plan_u64(text, "faults", UINT32_MAX, &faults) ||
	    !plan_u64(text, "kinds", UINT32_MAX, &kinds) ||
	    !plan_u64(text, "stdio", 1, &stdio) ||
	    !plan_u64(text, "per_callsite", 1000000, &per) ||
	    !plan_u64(text, "callsite", INT64_MAX, &cs))
		return -EINVAL;
	o->faults = (unsigned)faults;
	o->kinds = (unsigned)kinds;
	o->include_stdio = stdio != 0;
	o->per_callsite = (unsigned)per;
	o->callsite = (int64_t)cs;
	/* plans of a badio before power states have none */
	if ((plan_field(text, "power_states", &len) &&
	    !plan_u64(text, "power_states", (1u << BX_STATE_KINDS) - 1, &ps)) ||
	    (plan_field(text, "power_prefixes", &len) &&
	    !plan_u64(text, "power_prefixes", BX_POWER_PREFIX_MAX, &pp)))
		return -EINVAL;
	o->power_states = (unsigned)ps;
	o->power_prefixes = (unsigned)pp;
	st = plan_field(text, "sites", &len);
	if (st && len > 0) {
		*sites = strndup(st, len);
		if (!*sites)
			return -ENOMEM;
		if (bx_filter_parse(*sites, f, err, sizeof(err)) < 0)
			return -EINVAL;
		o->sites = f;
		o->sites_text = *sites;
	}
	return 0;
}

int
bx_pending(struct store *s, struct bx_pending *out)
{
	struct bx_explore_result res;
	struct bx_explore_opts o;
	struct bx_filter f;
	struct plan p;
	char *text = NULL, *sites = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_meta_get(s, "plan", &text);
	if (rc < 0 || !text)
		return rc;
	rc = plan_parse(text, &o, &f, &sites);
	free(text);
	if (rc < 0)
		goto out_free;
	memset(&p, 0, sizeof(p));
	memset(&res, 0, sizeof(res));
	p.opts = &o;
	p.kinds = o.kinds;
	rc = plan_load(s, &p);
	if (rc == 0)
		rc = plan_jobs(s, &p, &res);
	plan_release(&p);
	if (rc == 0) {
		out->known = true;
		out->total = res.total;
		out->done = res.done;
		out->pending = res.total - res.done;
		out->skipped = res.skipped;
	}
out_free:
	bx_filter_release(&f);
	free(sites);
	return rc;
}
