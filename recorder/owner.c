/*
 * owner.c - the run directory is open to the users the program becomes.
 *
 * badio makes each run directory 0700, owned by the user running badio.
 * A program started as root that drops privileges (setuid(2) to a
 * service user, as daemons do) could then no longer write there, where
 * untraced it would write in a directory set up for that user.  So when
 * a traced thread changes its user (filter.c stops at setuid, setreuid,
 * setresuid and setfsuid with REC_TAG_CRED), badio grants the thread's
 * new file-system user rwx on the run directory itself (not on what is in
 * it) at the call's exit stop, before the program goes on.
 *
 * The grant is an entry in the directory's POSIX access ACL: the
 * directory stays owned by badio's user, so the new user (and whoever
 * else runs as it) cannot rename it away or put a symlink in its place in
 * /tmp (the sticky bit), and users not named in the ACL stay out.  On a
 * file system without ACLs the directory is chowned to the new user and
 * group instead (its mode stays 0700).
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "recorder/recorder_int.h"

#define ACL_XATTR	"system.posix_acl_access"
#define ACL_ENTRIES	64		/* more: the chown fallback */
#define ACL_RWX		(ACL_READ | ACL_WRITE | ACL_EXECUTE)

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

struct acl_ent {
	unsigned	tag;
	unsigned	perm;
	uint32_t	id;
};

/* The kernel wants entries by tag, then named users and groups by id. */
static int
cmp_ent(const void *a, const void *b)
{
	const struct acl_ent *x = a, *y = b;

	if (x->tag != y->tag)
		return x->tag < y->tag ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * The directory's access ACL into v (ACL_ENTRIES at most: a longer one
 * does not fit the buffer, ERANGE); a directory without one has the
 * mode's three entries.
 */
static int
acl_read(int fd, const struct stat *st, struct acl_ent *v, size_t *n)
{
	unsigned char buf[sizeof(struct posix_acl_xattr_header) +
	    ACL_ENTRIES * sizeof(struct posix_acl_xattr_entry)];
	struct posix_acl_xattr_header h;
	struct posix_acl_xattr_entry e;
	ssize_t len = fgetxattr(fd, ACL_XATTR, buf, sizeof(buf));

	*n = 0;
	if (len < 0 && errno == ENODATA) {
		v[(*n)++] = (struct acl_ent){ ACL_USER_OBJ,
		    (st->st_mode >> 6) & 7, (uint32_t)ACL_UNDEFINED_ID };
		v[(*n)++] = (struct acl_ent){ ACL_GROUP_OBJ,
		    (st->st_mode >> 3) & 7, (uint32_t)ACL_UNDEFINED_ID };
		v[(*n)++] = (struct acl_ent){ ACL_OTHER, st->st_mode & 7,
		    (uint32_t)ACL_UNDEFINED_ID };
		return 0;
	}
	if (len < (ssize_t)sizeof(h))
		return len < 0 ? -errno : -EINVAL;
	memcpy(&h, buf, sizeof(h));
	if (le32toh(h.a_version) != POSIX_ACL_XATTR_VERSION)
		return -EINVAL;
	for (size_t off = sizeof(h); off + sizeof(e) <= (size_t)len;
	    off += sizeof(e)) {
		memcpy(&e, buf + off, sizeof(e));
		v[(*n)++] = (struct acl_ent){ le16toh(e.e_tag),
		    le16toh(e.e_perm), le32toh(e.e_id) };
	}
	return 0;
}

/* rwx for uid in the directory's access ACL, the mask widened to let it. */
static int
acl_grant(int fd, const struct stat *st, uid_t uid)
{
	struct acl_ent v[ACL_ENTRIES + 2];	/* what was there, user, mask */
	unsigned char buf[sizeof(struct posix_acl_xattr_header) +
	    (ACL_ENTRIES + 2) * sizeof(struct posix_acl_xattr_entry)];
	struct posix_acl_xattr_header h = { htole32(POSIX_ACL_XATTR_VERSION) };
	bool user = false, mask = false, changed = false;
	size_t n, len = sizeof(h);
	int rc = acl_read(fd, st, v, &n);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		bool mine = v[i].tag == ACL_USER && v[i].id == uid;

		if (!mine && v[i].tag != ACL_MASK)
			continue;
		user |= mine;
		mask |= !mine;
		changed |= v[i].perm != ACL_RWX;
		v[i].perm = ACL_RWX;
	}
	if (!user)
		v[n++] = (struct acl_ent){ ACL_USER, ACL_RWX, uid };
	if (!mask)
		v[n++] = (struct acl_ent){ ACL_MASK, ACL_RWX,
		    (uint32_t)ACL_UNDEFINED_ID };
	if (!changed && user && mask)
		return 0;			/* granted already */
	qsort(v, n, sizeof(v[0]), cmp_ent);
	memcpy(buf, &h, sizeof(h));
	for (size_t i = 0; i < n; i++) {
		struct posix_acl_xattr_entry e = { htole16((uint16_t)v[i].tag),
		    htole16((uint16_t)v[i].perm), htole32(v[i].id) };

		memcpy(buf + len, &e, sizeof(e));
		len += sizeof(e);
	}
	return fsetxattr(fd, ACL_XATTR, buf, len, 0) == 0 ? 0 : -errno;
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
	/*
	 * Without ACLs (or room in one), chown.  A failure (no CAP_CHOWN,
	 * no CAP_FOWNER) leaves the program as it would be untraced in a
	 * directory it cannot write.
	 */
	if (fstat(fd, &st) == 0 && st.st_uid != uid &&
	    acl_grant(fd, &st, uid) < 0)
		(void)!fchown(fd, uid, gid);
	close(fd);
}
