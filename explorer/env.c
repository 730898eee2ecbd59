/*
 * env.c - which environment variables a recording keeps.
 *
 * A database is shared, attached to bug reports, kept in CI artefacts;
 * the user's whole environment in it would carry their tokens and keys
 * (AWS_SECRET_ACCESS_KEY, GITHUB_TOKEN, ...).  So `badio record` keeps
 * only what a program needs to run the same way again: the allow-list
 * below, plus what --keep-env names, or everything with --full-env.
 * PROG runs with exactly that environment when recorded, so explore's
 * runs (which use the stored one) see what the recording saw.
 *
 * The choices (docs/manual.md, "The environment of PROG"):
 *   - the process basics: PATH, HOME, USER, LOGNAME, SHELL, TERM, TZ,
 *     TMPDIR, PWD, the locale (LANG, LANGUAGE, LC_*), the XDG base
 *     directories (where programs find their configuration);
 *   - what decides which code runs: LD_LIBRARY_PATH, LD_PRELOAD;
 *   - PYTHON*: they configure the interpreter (PYTHONPATH finds the
 *     program's modules; PYTHONHASHSEED is badio's own determinism
 *     setting) and by convention hold no credentials;
 *   - Go's run-time settings only (GOMAXPROCS, GOGC, GOMEMLIMIT,
 *     GODEBUG, GOTRACEBACK), not GO* as a whole: GOPROXY, GOAUTH and
 *     GOPRIVATE are build-time settings that may carry credentials;
 *   - SOURCE_DATE_EPOCH, the reproducible-build clock;
 *   - not GIT_*: git programs read GIT_DIR and GIT_WORK_TREE, but
 *     GIT_ASKPASS, GIT_SSH_COMMAND and GIT_CONFIG_PARAMETERS (which can
 *     hold an http.extraHeader token) are as common; use
 *     --keep-env 'GIT_*' when recording git;
 *   - not BADIO_*: they are badio's settings, not the program's.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "explorer/explorer.h"

static const char *const keep_default[] = {
	"PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "TZ", "TMPDIR",
	"PWD", "LANG", "LANGUAGE", "LC_*",
	"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME",
	"XDG_CACHE_HOME", "XDG_RUNTIME_DIR", "XDG_CONFIG_DIRS",
	"XDG_DATA_DIRS",
	"LD_LIBRARY_PATH", "LD_PRELOAD",
	"PYTHON*",
	"GOMAXPROCS", "GOGC", "GOMEMLIMIT", "GODEBUG", "GOTRACEBACK",
	"SOURCE_DATE_EPOCH",
};

const char *
bx_env_default_at(size_t i)
{
	return i < sizeof(keep_default) / sizeof(keep_default[0]) ?
	    keep_default[i] : NULL;
}

bool
bx_env_pattern_valid(const char *pattern)
{
	if (!*pattern)
		return false;
	for (const char *p = pattern; *p; p++)
		if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    strchr("*?[]!-", *p)))
			return false;
	return true;
}

/* "NAME=value" has a NAME that pattern matches. */
static bool
entry_matches(const char *entry, const char *pattern)
{
	const char *eq = strchr(entry, '=');
	char name[256];
	size_t n = eq ? (size_t)(eq - entry) : strlen(entry);

	if (n >= sizeof(name))
		return false;
	memcpy(name, entry, n);
	name[n] = '\0';
	return fnmatch(pattern, name, 0) == 0;
}

const char *
bx_env_get(char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (; env && *env; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

bool
bx_env_matches(char *const *env, const char *pattern)
{
	for (; env && *env; env++)
		if (entry_matches(*env, pattern))
			return true;
	return false;
}

static bool
kept(const char *entry, const char *const *keep, size_t nkeep)
{
	for (size_t i = 0; i < sizeof(keep_default) / sizeof(keep_default[0]); i++)
		if (entry_matches(entry, keep_default[i]))
			return true;
	for (size_t i = 0; i < nkeep; i++)
		if (entry_matches(entry, keep[i]))
			return true;
	return false;
}

char **
bx_env_select(char *const *env, const char *const *keep, size_t nkeep,
    bool all, size_t *dropped)
{
	size_t n = 0, k = 0;
	char **out;

	*dropped = 0;
	while (env && env[n])
		n++;
	out = calloc(n + 1, sizeof(*out));
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (!all && !kept(env[i], keep, nkeep)) {
			(*dropped)++;
			continue;
		}
		out[k] = strdup(env[i]);
		if (!out[k++]) {
			bx_strv_free(out);
			return NULL;
		}
	}
	return out;
}
