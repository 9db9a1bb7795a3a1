/*
 * Keeping a non-bare repository's work tree and index in step with commits made
 * without them. A path is safe to touch when its work-tree bytes and index entry
 * equal either the parent commit's blob or the new one; anything else is a
 * person's uncommitted edit and refuses the commit (CMDB_EDIRTY, naming the file).
 */
#ifndef CMDB_LIB_WORKTREE_H
#define CMDB_LIB_WORKTREE_H

#include <git2.h>

/* CMDB_EDIRTY naming the first path of diff (parent tree -> new tree) with uncommitted edits. */
int cmdb__worktree_check(git_repository *git, const char *workdir, git_diff *diff);

/* Write/delete the work-tree files of diff and update the index to match (skip[i]: leave delta i;
 * NULL = none). */
int cmdb__worktree_apply(git_repository *git, const char *gitdir, const char *workdir,
	git_diff *diff, const unsigned char *skip);

/* *out[i] = 1 for each delta whose path has uncommitted edits (cmdb_free the array). */
int cmdb__worktree_clean_mask(
	unsigned char **out, git_repository *git, const char *workdir, git_diff *diff);

/*
 * Crash recovery for the step between moving main and syncing the work tree: a
 * journal <gitdir>/gitcmdb/sync-pending names the old and new commit while it
 * is in progress. recover() (called under the write lock before each commit)
 * finishes a sync a killed writer left behind, on the paths that are still clean.
 */
int cmdb__worktree_journal_begin(const char *gitdir, const git_oid *old_id, const git_oid *new_id);
void cmdb__worktree_journal_end(const char *gitdir);
int cmdb__worktree_recover(git_repository *git, const char *gitdir, const char *workdir);

/* 1 when the work tree shows main (HEAD is refs/heads/main), else 0. */
int cmdb__worktree_on_main(git_repository *git);

#endif
