/*
 * Keeping a non-bare repository's work tree and index in step with commits made
 * without them. A path is safe to touch when its work-tree bytes and index entry
 * equal either the parent commit's blob or the new one; anything else is a
 * person's uncommitted edit and refuses the commit (CMDB_EDIRTY, naming the file).
 */
#ifndef CMDB_LIB_WORKTREE_H
#define CMDB_LIB_WORKTREE_H

#include <git2.h>

#include "gitcmdb/store.h"
#include "store/lock.h"

/* CMDB_EDIRTY naming the first path of diff (parent tree -> new tree) with uncommitted edits. */
int cmdb__worktree_check(git_repository *git, const char *workdir, git_diff *diff);

/*
 * Write/delete the work-tree files of diff and update the index to match (skip[i]: leave
 * delta i alone, file and index entry; NULL = none). A file a person edited is left as it
 * is (checked again right before each write); its index entry still follows the new
 * commit unless it holds staged changes, so the edit shows as an unstaged change.
 */
int cmdb__worktree_apply(git_repository *git, const char *gitdir, const char *workdir,
	git_diff *diff, const unsigned char *skip);

/* *out[i] = 1 for each delta whose git index entry holds staged changes (free the array). */
int cmdb__worktree_staged_mask(
	unsigned char **out, git_repository *git, const char *workdir, git_diff *diff);

/*
 * Crash recovery for the step between moving main and syncing the work tree: a
 * journal <gitdir>/gitcmdb/sync-pending names the old and new commit while it
 * is in progress (written and fsynced before main moves). recover() (called under
 * the write lock before each commit, and by every command that reads a person's
 * changes) finishes a sync a killed or failed writer left behind, on the paths
 * that are still clean; *finished = 1 when there was one. On failure the journal stays.
 */
int cmdb__worktree_journal_begin(const char *gitdir, const git_oid *old_id, const git_oid *new_id);
void cmdb__worktree_journal_end(const char *gitdir);
int cmdb__worktree_recover(
	int *finished, git_repository *git, const char *gitdir, const char *workdir);
/* 1 when a journal is present (a sync is pending or in progress). */
int cmdb__worktree_pending(const char *gitdir);

/* recover() for repo, a no-op when it has no work tree showing main. Hold the write lock. */
int cmdb__repo_sync_locked(int *finished, cmdb_repo *repo);
/* Take repo's write lock with its configured timeout (gitcmdb.yaml, $GITCMDB_LOCK_TIMEOUT_MS). */
int cmdb__repo_lock(cmdb__lock *lock, cmdb_repo *repo);

/* 1 when the work tree shows main (HEAD is refs/heads/main), else 0. */
int cmdb__worktree_on_main(git_repository *git);

#endif
