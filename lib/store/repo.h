/* Library-internal view of a cmdb_repo: the libgit2 handle it owns. */
#ifndef CMDB_LIB_REPO_H
#define CMDB_LIB_REPO_H

#include <git2.h>

#include "gitcmdb/store.h"

/* The libgit2 repository behind repo; owned by repo, valid until cmdb_repo_free. */
git_repository *cmdb__repo_git(cmdb_repo *repo);

/* Peel rev (NULL = main) to its commit's tree; *out is the caller's (git_tree_free). */
int cmdb__repo_tree(git_tree **out, cmdb_repo *repo, const char *rev);

/* Enable fsync of objects and refs for every repository this process opens (once). */
void cmdb__repo_enable_fsync(void);
/* 0 when GITCMDB_NO_FSYNC=1 turned fsync off (the journal follows the same switch). */
int cmdb__repo_fsync_enabled(void);

#endif
