/*
 * A changeset prepared against one main (the base), to be committed on a later
 * one (the head): operations on paths that did not change in between stand as
 * they are; each one whose path changed is re-merged by the caller's callback,
 * or, without a callback, refuses the commit (CMDB_EDIRTY naming the path).
 */
#ifndef CMDB_LIB_REBASE_H
#define CMDB_LIB_REBASE_H

#include <git2.h>

#include "store/changeset.h"

/* *out: a new changeset (the caller's) holding the operations to apply on head. */
int cmdb__rebase_ops(cmdb_changeset **out, git_repository *git, const git_oid *base,
	git_tree *head_tree, const git_oid *head, const cmdb__op *const *ops, size_t count,
	const cmdb_commit_opts *opts);

#endif
