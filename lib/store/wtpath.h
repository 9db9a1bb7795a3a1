/*
 * Work-tree file access that never follows a symbolic link below the work tree's
 * root: every directory of a path is opened with O_NOFOLLOW, one component at a
 * time, and files are opened, renamed and removed relative to their directory's
 * descriptor. A directory that a person (or an attacker) replaced by a link to
 * /etc therefore makes gitcmdb refuse, instead of reading or writing outside the
 * tree. Paths are repository-relative ("host/web01.yaml"); root ends with '/'.
 */
#ifndef CMDB_LIB_WTPATH_H
#define CMDB_LIB_WTPATH_H

#include <stddef.h>
#include <sys/stat.h>

#include <git2.h>

/*
 * Open the directory that holds rel; *name points at rel's last component.
 * create: make missing directories (0755). Returns the descriptor (the caller
 * closes it), CMDB_ENOTFOUND when a directory is missing (without create), or
 * CMDB_EINVALID naming the component that is a link or not a directory.
 */
int cmdb__wtpath_open_parent(const char **name, const char *root, const char *rel, int create);

/*
 * Look at rel without following links: *st (lstat semantics) and, for a regular
 * file, its blob id in *id. *exists = 0 when rel (or a directory on its way) is
 * absent. A link among rel's directories is CMDB_EINVALID.
 */
int cmdb__wtpath_probe(
	int *exists, struct stat *st, git_oid *id, const char *root, const char *rel);

/*
 * Replace rel by data: written to "<rel>.gitcmdb-tmp" (O_EXCL|O_NOFOLLOW), then,
 * only if keep(payload, lstat of rel now, NULL when absent) still agrees, renamed
 * over it; *written = 0 when keep refused (the file changed under us: it is left
 * alone). *st receives the new file's lstat for the git index.
 */
typedef int (*cmdb__wtpath_keep_fn)(void *payload, const struct stat *now);
int cmdb__wtpath_replace(int *written, struct stat *st, const char *root, const char *rel,
	const void *data, size_t len, int exec, cmdb__wtpath_keep_fn keep, void *payload);

/*
 * The directory of the last path opened, kept open for the next path in the same
 * directory (a commit's paths come sorted, so a directory's files are neighbours): one
 * open per directory instead of one walk per file. The descriptor was opened one
 * component at a time without following links, so reusing it never follows one either.
 * A remove may delete the directory: close the cache before removing.
 */
typedef struct {
	char *dir; /* rel up to its last '/', "" for the root */
	size_t len;
	int fd; /* -1: nothing open */
	int absent; /* missing when looked up without create (no fd) */
} cmdb__wtdir;
#define CMDB__WTDIR_INIT                                                                           \
	{                                                                                          \
		NULL, 0, -1, 0                                                                     \
	}
void cmdb__wtdir_close(cmdb__wtdir *c);

/* cmdb__wtpath_probe and cmdb__wtpath_replace through the cache c. */
int cmdb__wtpath_probe_in(cmdb__wtdir *c, int *exists, struct stat *st, git_oid *id,
	const char *root, const char *rel);
int cmdb__wtpath_replace_in(cmdb__wtdir *c, int *written, struct stat *st, const char *root,
	const char *rel, const void *data, size_t len, int exec, cmdb__wtpath_keep_fn keep,
	void *payload);

/* Remove rel (absent is fine), then its parent directories while they are empty. */
int cmdb__wtpath_remove(const char *root, const char *rel);

#endif
