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

#endif
