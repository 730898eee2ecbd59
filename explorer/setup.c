/*
 * setup.c - what every run of PROG needs, for record and explore alike:
 * finding the executable, the environment it runs with, the CPU it
 * runs on (scratch directories are scratch.c's).  Both commands use
 * these same functions, so a re-run starts PROG exactly as the
 * recording did.
 */
#include <errno.h>
#include <sched.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "explorer/explorer.h"

#define DEFAULT_PATH	"/usr/local/bin:/usr/bin:/bin"

/*
 * Variables set for determinism when the user has not set them
 * (docs/manual.md, "Determinism"): hash seeds fixed, no byte-code
 * caches written beside the program on the first run only.
 */
static const struct {
	const char *name;
	const char *value;
} determinism_env[] = {
	{ "PYTHONHASHSEED",		"0" },
	{ "PYTHONDONTWRITEBYTECODE",	"1" },
};

static int
check_exec(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	return access(path, X_OK) < 0 ? -errno : 0;
}

/*
 * The canonical path (realpath: absolute, no "..", no symlinks), as the
 * kernel names the program's mapping in /proc/PID/maps: call-site frames
 * are matched against recordings.exe by that name.
 */
static int
canonical(const char *name, char **path)
{
	*path = realpath(name, NULL);
	return *path ? 0 : -errno;
}

int
bx_resolve_prog(const char *prog, char **path)
{
	const char *dirs = getenv("PATH");
	int found = -ENOENT;

	*path = NULL;
	if (!prog || !*prog)
		return -ENOENT;
	if (strchr(prog, '/')) {
		int rc = check_exec(prog);

		return rc < 0 ? rc : canonical(prog, path);
	}
	if (!dirs || !*dirs)
		dirs = DEFAULT_PATH;
	while (*dirs) {
		size_t len = strcspn(dirs, ":");
		char *cand;
		int rc;

		if (asprintf(&cand, "%.*s/%s", (int)len, len ? dirs : ".",
		    prog) < 0)
			return -ENOMEM;
		rc = check_exec(cand);
		if (rc == 0) {
			rc = canonical(cand, path);
			free(cand);
			return rc;
		}
		if (rc == -EACCES)
			found = -EACCES;
		free(cand);
		dirs += len + (dirs[len] == ':');
	}
	return found;
}

void
bx_strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

char **
bx_environment(char *const *environ_in, bool deterministic)
{
	size_t n = 0, extra = sizeof(determinism_env) / sizeof(determinism_env[0]);
	char **env;
	size_t k = 0;

	while (environ_in && environ_in[n])
		n++;
	env = calloc(n + extra + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!(env[k++] = strdup(environ_in[i])))
			goto out_free;
	for (size_t i = 0; deterministic && i < extra; i++) {
		if (bx_env_get(environ_in, determinism_env[i].name))
			continue;
		if (asprintf(&env[k], "%s=%s", determinism_env[i].name,
		    determinism_env[i].value) < 0) {
			env[k] = NULL;
			goto out_free;
		}
		k++;
	}
	return env;
out_free:
	bx_strv_free(env);
	return NULL;
}

/* A copy of env with NAME=value replacing any NAME; NULL without memory. */
char **
bx_env_with(char *const *env, const char *name, const char *value)
{
	size_t n = 0, k = 0, len = strlen(name);
	char **out;

	while (env && env[n])
		n++;
	out = calloc(n + 2, sizeof(*out));
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
			continue;
		if (!(out[k++] = strdup(env[i])))
			goto out_free;
	}
	if (asprintf(&out[k], "%s=%s", name, value) < 0) {
		out[k] = NULL;
		goto out_free;
	}
	return out;
out_free:
	bx_strv_free(out);
	return NULL;
}

/* The n-th CPU badio may run on, wrapping around: record uses the first,
 * explore worker n the n-th. */
int
bx_nth_cpu(int n)
{
	cpu_set_t set;
	int count, k = 0;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return n;
	count = CPU_COUNT(&set);
	if (count <= 0)
		return 0;
	n %= count;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set) && k++ == n)
			return i;
	return 0;
}

/* The program's own standard streams, as the recorder names them. */
bool
bx_path_is_stdio(const char *path)
{
	return strcmp(path, "<stdin>") == 0 || strcmp(path, "<stdout>") == 0 ||
	    strcmp(path, "<stderr>") == 0;
}
