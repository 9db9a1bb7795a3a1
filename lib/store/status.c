/* What a person changed in the work tree (for `gitcmdb commit` and `status`), and who they are. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/alloc.h"
#include "util/error.h"
#include "store/repo.h"
#include "store/repo_internal.h"
#include "store/worktree.h"
#include "store/wtpath.h"

/* 1 when main's tree has anything (file or directory) at path. */
static int in_tree(git_tree *tree, const char *path)
{
	git_tree_entry *e = NULL;
	int found = tree && git_tree_entry_bypath(&e, tree, path) == 0;

	git_tree_entry_free(e);
	return found;
}

/* The blob id of path in main's tree, or 0 when absent. */
static int head_blob(git_oid *out, git_tree *tree, const char *path)
{
	git_tree_entry *e = NULL;
	int found = 0;

	if (tree && git_tree_entry_bypath(&e, tree, path) == 0 &&
		git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
		git_oid_cpy(out, git_tree_entry_id(e));
		found = 1;
	}
	git_tree_entry_free(e);
	return found;
}

/*
 * Classify path by comparing the work-tree bytes with main's (*what NULL when
 * unchanged). Links are never followed: one standing where main has a file or a
 * directory is refused, since reading through it would commit what is outside.
 */
static int classify(const char **what, const cmdb_repo *repo, git_tree *tree, const char *path)
{
	struct stat st;
	git_oid head, disk;
	int in_head = head_blob(&head, tree, path), exists, on_disk, rc;

	*what = NULL;
	if ((rc = cmdb__wtpath_probe(&exists, &st, &disk, repo->workdir, path)) < 0)
		return rc; /* the probe named the file and the reason */
	if (exists && S_ISLNK(st.st_mode) && in_tree(tree, path))
		return cmdb__error(CMDB_EINVALID,
			"%s%s is a symbolic link where main has %s: gitcmdb never follows links "
			"in the work tree; put the real %s back",
			repo->workdir, path, in_head ? "a file" : "a directory",
			in_head ? "file" : "directory");
	on_disk = exists && S_ISREG(st.st_mode);
	if (on_disk && !in_head)
		*what = "added";
	else if (!on_disk && in_head)
		*what = "deleted";
	else if (on_disk && !git_oid_equal(&disk, &head))
		*what = "modified";
	return 0;
}

static int collect(json_t *arr, cmdb_repo *repo, git_status_list *list, git_tree *tree)
{
	size_t n = git_status_list_entrycount(list);
	int rc;

	for (size_t i = 0; i < n; i++) {
		const git_status_entry *e = git_status_byindex(list, i);
		const git_diff_delta *d =
			e->index_to_workdir ? e->index_to_workdir : e->head_to_index;
		const char *path, *what;

		if (!d)
			continue;
		path = d->new_file.path ? d->new_file.path : d->old_file.path;
		/* Staged-then-reverted edits and the like: only real byte differences count. */
		if ((rc = classify(&what, repo, tree, path)) < 0)
			return rc;
		if (!what)
			continue;
		if (json_array_append_new(
			    arr, json_pack("{s:s, s:s}", "path", path, "status", what)) < 0)
			return cmdb__error(CMDB_ERROR, "out of memory");
	}
	return 0;
}

/* The changes against main; hold the write lock so no writer moves main or the files meanwhile. */
static int changes_locked(json_t *arr, char *base, cmdb_repo *repo)
{
	git_status_options so;
	git_status_list *list = NULL;
	git_tree *tree = NULL;
	int finished, err, rc;

	if ((rc = cmdb__repo_sync_locked(&finished, repo)) < 0)
		goto done;
	if ((err = cmdb__repo_tree(&tree, repo, NULL)) < 0 && err != CMDB_ENOTFOUND) {
		rc = err;
		goto done;
	}
	cmdb_error_clear();
	if (base) {
		*base = '\0';
		if (tree)
			rc = cmdb_repo_resolve(base, repo, NULL);
	}
	git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
	so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	so.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
		GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (rc < 0)
		goto done;
	if ((err = git_status_list_new(&list, repo->git, &so)) < 0) {
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot compare the work tree with main");
		goto done;
	}
	rc = collect(arr, repo, list, tree);
done:
	git_status_list_free(list);
	git_tree_free(tree);
	return rc;
}

int cmdb_repo_worktree_changes(json_t **out, char *base, cmdb_repo *repo)
{
	cmdb__lock lock = CMDB_LOCK_INIT;
	json_t *arr = NULL;
	int rc;

	if (repo->bare || !repo->workdir || !cmdb__worktree_on_main(repo->git)) {
		rc = cmdb__error(CMDB_EINVALID,
			"%s: no work tree showing main (bare, or another branch "
			"is checked out): edit and commit in a clone that has main checked out",
			repo->gitdir);
		goto done;
	}
	if (!(arr = json_array())) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if ((rc = cmdb__repo_lock(&lock, repo)) < 0)
		goto done;
	rc = changes_locked(arr, base, repo);
	cmdb__lock_release(&lock);
	if (rc < 0)
		goto done;
	/* git_status_list has one entry per path, in path order, so arr is sorted. */
	*out = arr;
	arr = NULL;
done:
	json_decref(arr);
	return rc;
}

/* A config string into a new cmdb string; 0 when set and non-empty. */
static int config_string(char **out, git_config *cfg, const char *key)
{
	git_buf b = GIT_BUF_INIT;
	int ok = cfg && git_config_get_string_buf(&b, cfg, key) == 0 && b.size > 0;

	*out = ok ? cmdb__strdup(b.ptr) : NULL;
	git_buf_dispose(&b);
	return *out ? 0 : -1;
}

int cmdb_repo_user(char **name, char **email, cmdb_repo *repo)
{
	const char *en = getenv("GIT_AUTHOR_NAME"), *ee = getenv("GIT_AUTHOR_EMAIL");
	git_config *cfg = NULL;
	char *n = NULL, *e = NULL;
	int rc = 0;

	if (git_repository_config_snapshot(&cfg, repo->git) < 0)
		cfg = NULL;
	if (en && *en)
		n = cmdb__strdup(en);
	else
		config_string(&n, cfg, "user.name");
	if (ee && *ee)
		e = cmdb__strdup(ee);
	else
		config_string(&e, cfg, "user.email");
	if (!n || !e) {
		rc = cmdb__error(CMDB_ENOTFOUND,
			"no user name/email: set git config user.name and "
			"user.email, or GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL");
		goto done;
	}
	*name = n;
	*email = e;
	n = e = NULL;
done:
	free(n);
	free(e);
	git_config_free(cfg);
	return rc;
}
