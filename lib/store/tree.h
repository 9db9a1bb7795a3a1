/* Building a new tree from a parent tree and sorted operations (store.c's engine). */
#ifndef CMDB_LIB_TREE_H
#define CMDB_LIB_TREE_H

#include <git2.h>

#include "store/changeset.h"

/*
 * Apply ops (sorted, one per path) to base (NULL = empty) and write the new root
 * tree into *out. Only directories on the path of an operation are rewritten;
 * directories left empty by deletes are dropped.
 */
int cmdb__tree_apply(git_oid *out, git_repository *git, const git_tree *base,
	const cmdb__op *const *ops, size_t count);

/*
 * 1 when a failed loose-object write (err < 0) should be tried again: `git gc` running
 * beside us (prune-packed, prune) removes an empty objects/xx/ directory between
 * libgit2's mkdir and its rename (an OS error); writing again recreates it. Objects are
 * content-addressed, so a second write is harmless.
 */
#define CMDB__ODB_TRIES 8
static inline int cmdb__odb_retry(int err, int *tries)
{
	const git_error *e = git_error_last();

	return err < 0 && e && e->klass == GIT_ERROR_OS && ++*tries < CMDB__ODB_TRIES;
}

#endif
