/*
 * owner.c - the run directory belongs to the user the program becomes.
 *
 * badio makes each run directory 0700, owned by the user running badio.
 * A program started as root that drops privileges (setuid(2) to a
 * service user, as daemons do) could then no longer write there, where
 * untraced it would write in a directory set up for that user.  So when
 * a traced thread changes its user (filter.c stops at setuid, setreuid,
 * setresuid and setfsuid with REC_TAG_CRED), badio gives the run
 * directory itself, not what is in it, to the thread's new file-system
 * user and group at the call's exit stop, before the program goes on.
 * The mode stays 0700, so other users are still kept out.  A change back
 * to badio's own user leaves the directory with the last other user (a
 * root badio's program keeps its access as root anyway).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recorder/recorder_int.h"

/* The file-system uid and gid of a thread (the 4th field of Uid:, Gid:). */
static int
fs_ids(pid_t tid, uid_t *uid, gid_t *gid)
{
	char name[64], line[256];
	unsigned long v[4];
	unsigned found = 0;	/* bit 0: uid, bit 1: gid */
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%d/status", (int)tid);
	f = fopen(name, "re");
	if (!f)
		return -1;
	while (found != 3 && fgets(line, sizeof(line), f)) {
		bool is_uid = strncmp(line, "Uid:", 4) == 0;

		if ((!is_uid && strncmp(line, "Gid:", 4) != 0) ||
		    sscanf(line + 4, "%lu %lu %lu %lu", &v[0], &v[1], &v[2],
		    &v[3]) != 4)
			continue;
		if (is_uid)
			*uid = (uid_t)v[3];
		else
			*gid = (gid_t)v[3];
		found |= is_uid ? 1 : 2;
	}
	fclose(f);
	return found == 3 ? 0 : -1;
}

/* At the exit stop of a call that may have changed t's user. */
void
owner_follow(struct tracer *tr, struct task *t)
{
	struct stat st;
	uid_t uid = 0;
	gid_t gid = 0;
	int fd;

	if (fs_ids(t->tid, &uid, &gid) < 0 || uid == geteuid())
		return;
	fd = open(tr->root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	/* a failure (no CAP_CHOWN) leaves the program as it would be untraced
	 * in a directory it cannot write */
	if (fstat(fd, &st) == 0 && (st.st_uid != uid || st.st_gid != gid))
		(void)!fchown(fd, uid, gid);
	close(fd);
}
