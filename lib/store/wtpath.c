/* Work-tree paths opened one component at a time, never through a symbolic link. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.h"
#include "util/alloc.h"
#include "util/error.h"
#include "store/wtpath.h"

/* One fixed name per path: writers hold the write lock, and a killed writer's leftover is reused.
 */
#define TMP_SUFFIX ".gitcmdb-tmp"

/* Why component (rel up to len) could not be opened as a directory. */
static int component_error(
	int dfd, const char *comp, const char *root, const char *rel, size_t len, int err)
{
	struct stat st;

	if (err == ENOENT)
		return cmdb__error(
			CMDB_ENOTFOUND, "%s%.*s: no such directory", root, (int)len, rel);
	if ((err == ELOOP || err == ENOTDIR) && fstatat(dfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return cmdb__error(CMDB_EINVALID,
			"%s%.*s is %s, not a directory: gitcmdb never follows links or "
			"writes through files inside the work tree; make it a real directory",
			root, (int)len, rel, S_ISLNK(st.st_mode) ? "a symbolic link" : "a file");
	return cmdb__error(
		CMDB_ERROR, "cannot open %s%.*s: %s", root, (int)len, rel, strerror(err));
}

int cmdb__wtpath_open_parent(const char **name, const char *root, const char *rel, int create)
{
	const char *p = rel, *slash;
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return cmdb__error(
			CMDB_ERROR, "cannot open the work tree %s: %s", root, strerror(errno));
	while ((slash = strchr(p, '/'))) {
		char comp[NAME_MAX + 1];
		size_t n = (size_t)(slash - p);
		int next, err;

		if (n == 0 || n > NAME_MAX) {
			close(fd);
			return cmdb__error(CMDB_EINVALID, "bad work-tree path '%s'", rel);
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create &&
			(mkdirat(fd, comp, 0755) == 0 || errno == EEXIST))
			next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			err = component_error(fd, comp, root, rel, (size_t)(slash - rel), errno);
			close(fd);
			return err;
		}
		close(fd);
		fd = next;
		p = slash + 1;
	}
	*name = p;
	return fd;
}

/* The blob id of the regular file open on fd. */
static int hash_fd(git_oid *id, int fd, const char *root, const char *rel)
{
	struct stat st;
	void *map = NULL;
	int err;

	if (fstat(fd, &st) < 0)
		return cmdb__error(CMDB_ERROR, "cannot read %s%s: %s", root, rel, strerror(errno));
	if (st.st_size > 0 &&
		(map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED)
		return cmdb__error(CMDB_ERROR, "cannot read %s%s: %s", root, rel, strerror(errno));
	err = git_odb_hash(id, st.st_size > 0 ? map : "", (size_t)st.st_size, GIT_OBJECT_BLOB);
	if (map)
		munmap(map, (size_t)st.st_size);
	return err < 0 ? cmdb__error_git(CMDB_ERROR, err, "cannot hash %s%s", root, rel) : 0;
}

/* Look at name in dfd: *exists, *st and, for a regular file, *id. */
static int probe_at(int *exists, struct stat *st, git_oid *id, int dfd, const char *name,
	const char *root, const char *rel)
{
	int fd, rc;

	*exists = 0;
	if (fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return cmdb__error(CMDB_ERROR, "cannot stat %s%s: %s", root, rel, strerror(errno));
	}
	*exists = 1;
	if (!S_ISREG(st->st_mode))
		return 0;
	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return cmdb__error(CMDB_ERROR, "cannot read %s%s: %s", root, rel, strerror(errno));
	rc = hash_fd(id, fd, root, rel);
	close(fd);
	return rc;
}

void cmdb__wtdir_close(cmdb__wtdir *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->dir);
	c->dir = NULL;
	c->len = 0;
	c->fd = -1;
	c->absent = 0;
}

/* Remember rel's directory (len bytes): open on fd, or absent when fd is CMDB_ENOTFOUND. */
static int wtdir_keep(cmdb__wtdir *c, const char *rel, size_t len, int fd)
{
	if (!(c->dir = cmdb__calloc(len + 1, 1))) {
		if (fd >= 0)
			close(fd);
		return cmdb__error(CMDB_ERROR, "out of memory");
	}
	memcpy(c->dir, rel, len);
	c->len = len;
	c->fd = fd >= 0 ? fd : -1;
	c->absent = fd < 0;
	if (fd < 0)
		return cmdb__error(CMDB_ENOTFOUND, "%.*s: no such directory", (int)len, rel);
	return fd;
}

/*
 * The directory of rel, from the cache or opened (and cached); *name: rel's last
 * component. Without create a missing directory is remembered as missing, so the files
 * of a directory that does not exist yet cost nothing each.
 */
static int wtdir_open(
	const char **name, cmdb__wtdir *c, const char *root, const char *rel, int create)
{
	const char *slash = strrchr(rel, '/');
	size_t len = slash ? (size_t)(slash - rel) : 0;
	int fd;

	*name = slash ? slash + 1 : rel;
	if (c->dir && c->len == len && memcmp(c->dir, rel, len) == 0) {
		if (c->fd >= 0)
			return c->fd;
		if (!create)
			return cmdb__error(
				CMDB_ENOTFOUND, "%.*s: no such directory", (int)len, rel);
	}
	cmdb__wtdir_close(c);
	fd = cmdb__wtpath_open_parent(name, root, rel, create);
	if (fd < 0 && (fd != CMDB_ENOTFOUND || create))
		return fd;
	return wtdir_keep(c, rel, len, fd);
}

int cmdb__wtpath_probe_in(cmdb__wtdir *c, int *exists, struct stat *st, git_oid *id,
	const char *root, const char *rel)
{
	const char *name;
	int dfd = wtdir_open(&name, c, root, rel, 0);

	*exists = 0;
	if (dfd == CMDB_ENOTFOUND) {
		cmdb_error_clear();
		return 0;
	}
	if (dfd < 0)
		return dfd;
	return probe_at(exists, st, id, dfd, name, root, rel);
}

int cmdb__wtpath_probe(int *exists, struct stat *st, git_oid *id, const char *root, const char *rel)
{
	cmdb__wtdir c = CMDB__WTDIR_INIT;
	int rc = cmdb__wtpath_probe_in(&c, exists, st, id, root, rel);

	cmdb__wtdir_close(&c);
	return rc;
}

/* Write data into a new tmp in dfd; the caller unlinks tmp on failure. */
static int write_tmp(int dfd, const char *tmp, const void *data, size_t len, int exec,
	const char *root, const char *rel)
{
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, fd, e;

	fd = openat(dfd, tmp, flags, exec ? 0755 : 0644);
	/* A temporary file left by a writer killed mid-write; O_EXCL never reuses a link. */
	if (fd < 0 && errno == EEXIST && unlinkat(dfd, tmp, 0) == 0)
		fd = openat(dfd, tmp, flags, exec ? 0755 : 0644);
	if (fd < 0 || cmdb__file_write_all(fd, data, len) < 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		return cmdb__error(
			CMDB_ERROR, "cannot write %s%s" TMP_SUFFIX ": %s", root, rel, strerror(e));
	}
	if (close(fd) < 0)
		return cmdb__error(CMDB_ERROR, "cannot write %s%s" TMP_SUFFIX ": %s", root, rel,
			strerror(errno));
	return 0;
}

int cmdb__wtpath_replace_in(cmdb__wtdir *c, int *written, struct stat *st, const char *root,
	const char *rel, const void *data, size_t len, int exec, cmdb__wtpath_keep_fn keep,
	void *payload)
{
	const char *name;
	char *tmp = NULL;
	struct stat cur;
	int dfd, exists, rc;

	*written = 0;
	if ((dfd = wtdir_open(&name, c, root, rel, 1)) < 0)
		return dfd;
	if (!(tmp = cmdb__sprintf("%s" TMP_SUFFIX, name))) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if ((rc = write_tmp(dfd, tmp, data, len, exec, root, rel)) < 0)
		goto fail;
	/* Checked as late as possible: a person's edit saved meanwhile is never overwritten. */
	if (fstatat(dfd, name, &cur, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT) {
			rc = cmdb__error(
				CMDB_ERROR, "cannot stat %s%s: %s", root, rel, strerror(errno));
			goto fail;
		}
		exists = 0;
	} else {
		exists = 1;
	}
	if (!keep(payload, exists ? &cur : NULL))
		goto fail;
	if (renameat(dfd, tmp, dfd, name) < 0) {
		rc = cmdb__error(CMDB_ERROR, "cannot replace %s%s: %s", root, rel, strerror(errno));
		goto fail;
	}
	if (fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) < 0) {
		rc = cmdb__error(CMDB_ERROR, "cannot stat %s%s: %s", root, rel, strerror(errno));
		goto done;
	}
	*written = 1;
	goto done;
fail:
	unlinkat(dfd, tmp, 0);
done:
	free(tmp);
	return rc;
}

int cmdb__wtpath_replace(int *written, struct stat *st, const char *root, const char *rel,
	const void *data, size_t len, int exec, cmdb__wtpath_keep_fn keep, void *payload)
{
	cmdb__wtdir c = CMDB__WTDIR_INIT;
	int rc =
		cmdb__wtpath_replace_in(&c, written, st, root, rel, data, len, exec, keep, payload);

	cmdb__wtdir_close(&c);
	return rc;
}

int cmdb__wtpath_remove(const char *root, const char *rel)
{
	char *dir = cmdb__strdup(rel), *slash;
	const char *name;
	int dfd;

	if (!dir)
		return cmdb__error(CMDB_ERROR, "out of memory");
	dfd = cmdb__wtpath_open_parent(&name, root, rel, 0);
	if (dfd == CMDB_ENOTFOUND)
		cmdb_error_clear();
	if (dfd < 0) {
		free(dir);
		return dfd == CMDB_ENOTFOUND ? 0 : dfd;
	}
	if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT) {
		int e = errno;

		close(dfd);
		free(dir);
		return cmdb__error(CMDB_ERROR, "cannot remove %s%s: %s", root, rel, strerror(e));
	}
	close(dfd);
	/* Emptied directories go too, as git would; AT_REMOVEDIR never follows a link. */
	while ((slash = strrchr(dir, '/'))) {
		int gone;

		*slash = '\0';
		if ((dfd = cmdb__wtpath_open_parent(&name, root, dir, 0)) < 0) {
			cmdb_error_clear();
			break;
		}
		gone = unlinkat(dfd, name, AT_REMOVEDIR) == 0;
		close(dfd);
		if (!gone)
			break;
	}
	free(dir);
	return 0;
}
