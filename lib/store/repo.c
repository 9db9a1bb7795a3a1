/*
 * Opening and reading a CMDB repository (a plain git repository, bare or with a
 * work tree). Writing lives in store.c, creation in repo_init.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/error.h"
#include "store/repo.h"
#include "store/repo_internal.h"

git_repository *cmdb__repo_git(cmdb_repo *repo)
{
	return repo->git;
}

int cmdb__repo_fsync_enabled(void)
{
	const char *off = getenv("GITCMDB_NO_FSYNC");

	return !(off && strcmp(off, "1") == 0);
}

void cmdb__repo_enable_fsync(void)
{
	/*
	 * Objects and refs reach the disk before the ref that names them moves, so a
	 * power cut cannot leave main naming a missing object. GITCMDB_NO_FSYNC=1 turns
	 * it off (throwaway repositories in tests and benchmarks).
	 */
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, cmdb__repo_fsync_enabled());
}

/* A clear error for a path that is missing or not a directory; 0 if it is a directory. */
int cmdb__repo_check_dir(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return cmdb__error(CMDB_ENOTFOUND,
				"no CMDB repository at %s: no such directory", path);
		return cmdb__error(CMDB_ERROR, "cannot open %s: %s", path, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return cmdb__error(CMDB_EINVALID, "%s is a file, not a repository directory", path);
	return 0;
}

int cmdb__repo_wrap(cmdb_repo **out, git_repository *git)
{
	cmdb_repo *repo = cmdb__calloc(1, sizeof(*repo));
	const char *wd = git_repository_workdir(git);
	int rc = 0;

	if (!repo || !(repo->gitdir = cmdb__strdup(git_repository_path(git))) ||
		(wd && !(repo->workdir = cmdb__strdup(wd)))) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	repo->git = git;
	repo->bare = git_repository_is_bare(git);
	*out = repo;
	repo = NULL;
done:
	if (repo) {
		free(repo->gitdir);
		free(repo);
	}
	return rc;
}

/*
 * libgit2 1.5 refuses a repository owned by another user, but reports it as
 * GIT_ENOTFOUND ("config value 'safe.directory' was not found") rather than
 * GIT_EOWNER: recognise both, and the ownership itself, to say what to do.
 */
static int owned_by_other(int err, const char *path)
{
	const git_error *ge = git_error_last();
	const char *probe[] = {"/.git", "/HEAD"};
	struct stat st;

	if (err == GIT_EOWNER || (ge && ge->message && strstr(ge->message, "safe.directory")))
		return 1;
	for (size_t i = 0; i < 2; i++) {
		char *p = cmdb__sprintf("%s%s", path, probe[i]);
		int other = p && stat(p, &st) == 0 && st.st_uid != geteuid();

		free(p);
		if (other)
			return 1;
	}
	return 0;
}

static int open_error(int err, const char *path)
{
	if ((err == GIT_ENOTFOUND || err == GIT_EOWNER) && owned_by_other(err, path)) {
		char *abs = realpath(path, NULL);

		err = cmdb__error(CMDB_ERROR,
			"repository at %s is owned by another user, so it is not trusted; if you "
			"trust "
			"it, run: git config --global --add safe.directory '%s' (or run as its "
			"owner)",
			path, abs ? abs : path);
		free(abs);
		return err;
	}
	if (err == GIT_ENOTFOUND)
		return cmdb__error(CMDB_ENOTFOUND,
			"no CMDB repository at %s (no git repository there or in a parent "
			"directory)",
			path);
	return cmdb__error_git(CMDB_ERROR, err, "cannot open repository at %s", path);
}

int cmdb_repo_open(cmdb_repo **out, const char *path)
{
	git_repository *git = NULL;
	int err, rc;

	*out = NULL;
	if ((rc = cmdb__repo_check_dir(path)) < 0)
		goto done;
	cmdb__repo_enable_fsync();
	if ((err = git_repository_open_ext(&git, path, 0, NULL)) < 0) {
		rc = open_error(err, path);
		goto done;
	}
	if ((rc = cmdb__repo_wrap(out, git)) < 0)
		goto done;
	git = NULL;
done:
	git_repository_free(git);
	return rc;
}

void cmdb_repo_free(cmdb_repo *repo)
{
	if (!repo)
		return;
	git_repository_free(repo->git);
	free(repo->sync_error);
	free(repo->gitdir);
	free(repo->workdir);
	free(repo);
}

int cmdb_repo_is_bare(const cmdb_repo *repo)
{
	return repo->bare;
}

const char *cmdb_repo_gitdir(const cmdb_repo *repo)
{
	return repo->gitdir;
}

const char *cmdb_repo_workdir(const cmdb_repo *repo)
{
	return repo->workdir;
}

static int peel_commit(git_commit **out, cmdb_repo *repo, const char *rev)
{
	git_object *obj = NULL;
	int err, rc = 0;

	if (!rev)
		rev = CMDB_MAIN_REF;
	if ((err = git_revparse_single(&obj, repo->git, rev)) < 0) {
		rc = cmdb__error_git(err == GIT_ENOTFOUND || err == GIT_EINVALIDSPEC
				? CMDB_ENOTFOUND
				: CMDB_ERROR,
			err, "unknown revision '%s'", rev);
		goto done;
	}
	if ((err = git_object_peel((git_object **)out, obj, GIT_OBJECT_COMMIT)) < 0) {
		rc = cmdb__error_git(CMDB_EINVALID, err, "revision '%s' is not a commit", rev);
		goto done;
	}
done:
	git_object_free(obj);
	return rc;
}

int cmdb__repo_tree(git_tree **out, cmdb_repo *repo, const char *rev)
{
	git_commit *commit = NULL;
	int err, rc;

	if ((rc = peel_commit(&commit, repo, rev)) < 0)
		goto done;
	if ((err = git_commit_tree(out, commit)) < 0)
		rc = cmdb__error_git(
			CMDB_ERROR, err, "cannot read the tree of '%s'", rev ? rev : "main");
done:
	git_commit_free(commit);
	return rc;
}

int cmdb_repo_resolve(char out[41], cmdb_repo *repo, const char *rev)
{
	git_commit *commit = NULL;
	int rc;

	if ((rc = peel_commit(&commit, repo, rev)) < 0)
		goto done;
	git_oid_tostr(out, 41, git_commit_id(commit));
done:
	git_commit_free(commit);
	return rc;
}

int cmdb_repo_read(char **out, size_t *out_len, cmdb_repo *repo, const char *rev, const char *path)
{
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	char *buf;
	size_t len;
	int err, rc;

	if ((rc = cmdb__repo_tree(&tree, repo, rev)) < 0)
		goto done;
	if ((err = git_tree_entry_bypath(&entry, tree, path)) < 0 ||
		git_tree_entry_type(entry) != GIT_OBJECT_BLOB) {
		rc = cmdb__error(
			CMDB_ENOTFOUND, "%s: no such file at %s", path, rev ? rev : "main");
		goto done;
	}
	if ((err = git_blob_lookup(&blob, repo->git, git_tree_entry_id(entry))) < 0) {
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot read %s", path);
		goto done;
	}
	len = (size_t)git_blob_rawsize(blob);
	if (!(buf = cmdb__malloc(len + 1))) {
		rc = cmdb__error(CMDB_ERROR, "out of memory reading %s", path);
		goto done;
	}
	memcpy(buf, git_blob_rawcontent(blob), len);
	buf[len] = '\0';
	*out = buf;
	if (out_len)
		*out_len = len;
done:
	git_blob_free(blob);
	git_tree_entry_free(entry);
	git_tree_free(tree);
	return rc;
}
