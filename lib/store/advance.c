/*
 * cmdb_store_advance: move main to a commit built elsewhere (a fetched remote tip, or
 * local commits re-applied on it), under the write lock, by compare-and-swap, with the
 * work tree following exactly as after cmdb_store_commit (journal first, then files).
 */
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "store/lock.h"
#include "store/repo_internal.h"
#include "store/worktree.h"

static int commit_tree(git_tree **out, git_repository *git, const git_oid *id, const char *what)
{
	git_commit *c = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	int err = git_commit_lookup(&c, git, id);

	if (err >= 0)
		err = git_commit_tree(out, c);
	git_commit_free(c);
	if (err < 0)
		return cmdb__error_git(CMDB_EINVALID, err, "cannot read the %s commit %s", what,
			git_oid_tostr(hex, sizeof(hex), id));
	return 0;
}

static int parse_oid(git_oid *out, const char *hex, const char *what)
{
	if (!hex || git_oid_fromstr(out, hex) < 0)
		return cmdb__error(CMDB_EINVALID, "bad %s commit '%s': want 40 hex digits", what,
			hex ? hex : "(null)");
	return 0;
}

/* main from `from` to `to`; CMDB_ELOCKED when main is no longer `from` (the caller decides). */
static int move_ref(cmdb_repo *repo, const git_oid *to, const git_oid *from, const char *why)
{
	git_reference *ref = NULL;
	char *log = cmdb__sprintf("gitcmdb: %.200s", why), *lockpath = NULL;
	int err, rc = 0;

	if (!log || !(lockpath = cmdb__sprintf("%s" CMDB_MAIN_REF ".lock", repo->gitdir))) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	cmdb__lock_remove_stale(lockpath);
	err = from ? git_reference_create_matching(&ref, repo->git, CMDB_MAIN_REF, to, 1, from, log)
		   : git_reference_create(&ref, repo->git, CMDB_MAIN_REF, to, 0, log);
	if (err == GIT_EMODIFIED || err == GIT_EEXISTS || err == GIT_ELOCKED)
		rc = cmdb__error(CMDB_ELOCKED, "%s moved while it was being updated; try again",
			CMDB_MAIN_REF);
	else if (err < 0)
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot move %s", CMDB_MAIN_REF);
done:
	git_reference_free(ref);
	free(log);
	free(lockpath);
	return rc;
}

static void keep_sync_error(cmdb_repo *repo)
{
	free(repo->sync_error);
	repo->sync_error = cmdb__strdup(cmdb_error_last());
	cmdb_error_clear();
}

static int advance_locked(cmdb_repo *repo, const git_oid *from, const git_oid *to, const char *why)
{
	git_tree *old = NULL, *new = NULL;
	git_diff *diff = NULL;
	git_oid cur;
	int finished = 0, err, rc, sync;

	if ((rc = cmdb__repo_sync_locked(&finished, repo)) < 0)
		return rc;
	err = git_reference_name_to_id(&cur, repo->git, CMDB_MAIN_REF);
	if ((from && (err < 0 || !git_oid_equal(&cur, from))) || (!from && err == 0))
		return cmdb__error(CMDB_ELOCKED, "%s moved while it was being updated; try again",
			CMDB_MAIN_REF);
	sync = !repo->bare && repo->workdir && cmdb__worktree_on_main(repo->git);
	if ((rc = commit_tree(&new, repo->git, to, "new")) < 0 ||
		(from && (rc = commit_tree(&old, repo->git, from, "old")) < 0))
		goto done;
	if (sync) {
		if ((err = git_diff_tree_to_tree(&diff, repo->git, old, new, NULL)) < 0) {
			rc = cmdb__error_git(CMDB_ERROR, err, "cannot compare trees");
			goto done;
		}
		if ((rc = cmdb__worktree_check(repo->git, repo->workdir, diff)) < 0 ||
			(rc = cmdb__worktree_journal_begin(repo->gitdir, from, to)) < 0)
			goto done;
	}
	if ((rc = move_ref(repo, to, from, why)) < 0) {
		if (diff)
			cmdb__worktree_journal_end(repo->gitdir);
		goto done;
	}
	if (diff) {
		if (cmdb__worktree_apply(repo->git, repo->gitdir, repo->workdir, diff, NULL) == 0)
			cmdb__worktree_journal_end(repo->gitdir);
		else
			keep_sync_error(repo);
	}
done:
	git_diff_free(diff);
	git_tree_free(old);
	git_tree_free(new);
	return rc;
}

int cmdb_store_advance(cmdb_repo *repo, const char *from, const char *to, const char *why)
{
	cmdb__lock lock = CMDB_LOCK_INIT;
	git_oid f, t;
	int rc;

	free(repo->sync_error);
	repo->sync_error = NULL;
	if ((from && (rc = parse_oid(&f, from, "old")) < 0) || (rc = parse_oid(&t, to, "new")) < 0)
		return rc;
	if ((rc = cmdb__repo_lock(&lock, repo)) < 0)
		return rc;
	rc = advance_locked(repo, from ? &f : NULL, &t, why ? why : "advance");
	cmdb__lock_release(&lock);
	return rc;
}
