/*
 * Creating a CMDB repository: git init (HEAD -> main), then the first commit with
 * gitcmdb.yaml and inventory.yaml through the normal store path. On failure the
 * directory is returned to how we found it (absent, or empty).
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"
#include "store/repo.h"
#include "store/repo_internal.h"
#include "store/templates.h"

/* 1 = absent, 0 = empty directory, else an error (file, non-empty directory). */
static int check_target(int *absent, const char *path)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (stat(path, &st) < 0) {
		if (errno != ENOENT)
			return cmdb__error(CMDB_ERROR, "cannot use %s: %s", path, strerror(errno));
		*absent = 1;
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return cmdb__error(CMDB_EINVALID,
			"%s is a file, not a directory: choose a new directory", path);
	if (!(d = opendir(path)))
		return cmdb__error(CMDB_ERROR, "cannot read %s: %s", path, strerror(errno));
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			rc = cmdb__error(CMDB_EEXISTS,
				"%s exists and is not empty: gitcmdb init needs a new "
				"or empty directory (nothing was changed)",
				path);
			break;
		}
	}
	closedir(d);
	*absent = 0;
	return rc;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	if (ftw->level > 0)
		remove(path);
	return 0;
}

/* Undo a failed init: remove what we created inside path, and path itself if we made it. */
static void undo_init(const char *path, int absent)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (absent)
		rmdir(path);
}

static int first_commit(cmdb_repo *repo)
{
	cmdb_changeset *cs = NULL;
	cmdb_commit_opts opts = CMDB_COMMIT_OPTS_INIT;
	int rc;

	opts.message = "init: new CMDB repository";
	opts.author_name = "gitcmdb";
	if ((rc = cmdb_changeset_new(&cs)) < 0 ||
		(rc = cmdb_changeset_put_file(cs, "gitcmdb.yaml", cmdb__template_settings,
			 strlen(cmdb__template_settings))) < 0 ||
		(rc = cmdb_changeset_put_file(cs, "inventory.yaml", cmdb__template_inventory,
			 strlen(cmdb__template_inventory))) < 0)
		goto done;
	rc = cmdb_store_commit(NULL, NULL, repo, cs, &opts);
done:
	cmdb_changeset_free(cs);
	return rc;
}

int cmdb_repo_init(cmdb_repo **out, const char *path, int bare)
{
	git_repository_init_options gopts;
	git_repository *git = NULL;
	cmdb_repo *repo = NULL;
	int absent = 0, err, rc;

	*out = NULL;
	if ((rc = check_target(&absent, path)) < 0)
		return rc;
	cmdb__repo_enable_fsync();
	git_repository_init_options_init(&gopts, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	gopts.flags = GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_NO_REINIT |
		(bare ? GIT_REPOSITORY_INIT_BARE : 0);
	gopts.initial_head = "main";
	if ((err = git_repository_init_ext(&git, path, &gopts)) < 0) {
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot create a git repository at %s", path);
		goto done;
	}
	if ((rc = cmdb__repo_wrap(&repo, git)) < 0)
		goto done;
	git = NULL;
	if ((rc = first_commit(repo)) < 0)
		goto done;
	*out = repo;
	repo = NULL;
done:
	cmdb_repo_free(repo);
	git_repository_free(git);
	if (rc < 0)
		undo_init(path, absent);
	return rc;
}
