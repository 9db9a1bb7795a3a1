/* The cmdb_repo struct, shared by the store's files only. */
#ifndef CMDB_LIB_REPO_INTERNAL_H
#define CMDB_LIB_REPO_INTERNAL_H

#include <git2.h>

#include "gitcmdb/store.h"

struct cmdb_repo {
	git_repository *git;
	char *gitdir; /* with a trailing '/' (libgit2's form) */
	char *workdir; /* with a trailing '/'; NULL when bare */
	int bare;
	char *sync_error; /* why the last commit could not update the work tree; NULL when it did */
};

/* Take ownership of git on success. */
int cmdb__repo_wrap(cmdb_repo **out, git_repository *git);
/* 0 if path is a directory; CMDB_ENOTFOUND / CMDB_EINVALID with a clear message otherwise. */
int cmdb__repo_check_dir(const char *path);

#endif
