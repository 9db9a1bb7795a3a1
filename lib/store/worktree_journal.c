/* The sync-pending journal: finishing a work-tree sync that a killed writer left half done. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/error.h"
#include "gitcmdb/store.h"
#include "store/worktree.h"

#define JOURNAL "gitcmdb/sync-pending"

int cmdb__worktree_journal_begin(const char *gitdir, const git_oid *old_id, const git_oid *new_id)
{
	char *path = cmdb__sprintf("%s" JOURNAL, gitdir),
	     *tmp = cmdb__sprintf("%s" JOURNAL ".tmp", gitdir);
	char a[GIT_OID_HEXSZ + 1] = "none", b[GIT_OID_HEXSZ + 1];
	FILE *f = NULL;
	int rc = 0;

	if (!path || !tmp) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if (old_id)
		git_oid_tostr(a, sizeof(a), old_id);
	git_oid_tostr(b, sizeof(b), new_id);
	if (!(f = fopen(tmp, "w")) || fprintf(f, "%s %s\n", a, b) < 0 || fclose(f) != 0) {
		f = NULL;
		rc = cmdb__error(CMDB_ERROR, "cannot write %s: %s", tmp, strerror(errno));
		goto done;
	}
	f = NULL;
	if (rename(tmp, path) < 0)
		rc = cmdb__error(CMDB_ERROR, "cannot write %s: %s", path, strerror(errno));
done:
	if (f)
		fclose(f);
	free(path);
	free(tmp);
	return rc;
}

void cmdb__worktree_journal_end(const char *gitdir)
{
	char *path = cmdb__sprintf("%s" JOURNAL, gitdir);

	if (path)
		unlink(path);
	free(path);
}

/* Parse "OLD NEW\n"; old is "none" for the first commit. 0, or -1 when unreadable/absent. */
static int read_journal(git_oid *old_id, int *has_old, git_oid *new_id, const char *gitdir)
{
	char *path = cmdb__sprintf("%s" JOURNAL, gitdir);
	char a[64] = "", b[64] = "";
	FILE *f = path ? fopen(path, "r") : NULL;
	int ok = f && fscanf(f, "%63s %63s", a, b) == 2;

	if (f)
		fclose(f);
	free(path);
	if (!ok || git_oid_fromstr(new_id, b) < 0)
		return -1;
	*has_old = strcmp(a, "none") != 0;
	return *has_old && git_oid_fromstr(old_id, a) < 0 ? -1 : 0;
}

static int tree_of(git_tree **out, git_repository *git, const git_oid *commit_id)
{
	git_commit *c = NULL;
	int err = git_commit_lookup(&c, git, commit_id);

	if (err >= 0)
		err = git_commit_tree(out, c);
	git_commit_free(c);
	return err;
}

int cmdb__worktree_recover(git_repository *git, const char *gitdir, const char *workdir)
{
	git_oid old_id, new_id, main_id;
	git_tree *old_tree = NULL, *new_tree = NULL;
	git_diff *diff = NULL;
	unsigned char *skip = NULL;
	int has_old = 0, err = 0, rc = 0;

	if (read_journal(&old_id, &has_old, &new_id, gitdir) < 0)
		goto done;
	/* Killed before main moved: the work tree already shows main. */
	if (git_reference_name_to_id(&main_id, git, CMDB_MAIN_REF) < 0 ||
		!git_oid_equal(&main_id, &new_id))
		goto done;
	if ((has_old && (err = tree_of(&old_tree, git, &old_id)) < 0) ||
		(err = tree_of(&new_tree, git, &new_id)) < 0 ||
		(err = git_diff_tree_to_tree(&diff, git, old_tree, new_tree, NULL)) < 0) {
		rc = cmdb__error_git(
			CMDB_ERROR, err, "cannot finish the interrupted work-tree update");
		goto done;
	}
	/* A path a person edited since is left alone; the next commit touching it refuses. */
	if ((rc = cmdb__worktree_clean_mask(&skip, git, workdir, diff)) < 0 ||
		(rc = cmdb__worktree_apply(git, gitdir, workdir, diff, skip)) < 0)
		goto done;
done:
	if (rc == 0)
		cmdb__worktree_journal_end(gitdir);
	free(skip);
	git_diff_free(diff);
	git_tree_free(old_tree);
	git_tree_free(new_tree);
	return rc;
}
