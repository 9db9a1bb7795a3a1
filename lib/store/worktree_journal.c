/*
 * The sync-pending journal, and finishing a work-tree sync that a killed writer
 * (or a full disk) left half done. The journal names the old and the new commit;
 * it reaches the disk (fsync of the file and of its directory) before main moves,
 * so even a power cut cannot leave main ahead of a work tree nobody knows is behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/file.h"
#include "util/alloc.h"
#include "util/error.h"
#include "gitcmdb/store.h"
#include "store/lock.h"
#include "store/repo.h"
#include "store/repo_internal.h"
#include "store/settings.h"
#include "store/worktree.h"

#define JOURNAL_DIR "gitcmdb"
#define JOURNAL JOURNAL_DIR "/sync-pending"

/* The rename into place is durable only once the directory itself is synced. */
static int sync_dir(const char *gitdir)
{
	char *dir = cmdb__sprintf("%s" JOURNAL_DIR, gitdir);
	int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1, rc = 0;

	if (fd < 0 || fsync(fd) < 0)
		rc = cmdb__error(CMDB_ERROR, "cannot sync %s: %s", dir ? dir : gitdir,
			dir ? strerror(errno) : "out of memory");
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

int cmdb__worktree_journal_begin(const char *gitdir, const git_oid *old_id, const git_oid *new_id)
{
	char *path = cmdb__sprintf("%s" JOURNAL, gitdir),
	     *tmp = cmdb__sprintf("%s" JOURNAL ".tmp", gitdir);
	char a[GIT_OID_HEXSZ + 1] = "none", b[GIT_OID_HEXSZ + 1], line[2 * GIT_OID_HEXSZ + 3];
	int fd = -1, len, rc = 0, durable = cmdb__repo_fsync_enabled();

	if (!path || !tmp) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if (old_id)
		git_oid_tostr(a, sizeof(a), old_id);
	git_oid_tostr(b, sizeof(b), new_id);
	len = snprintf(line, sizeof(line), "%s %s\n", a, b);
	/* We hold the write lock: a leftover is a killed writer's; a link there is never followed.
	 */
	unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0 ||
		cmdb__file_write_all(fd, line, (size_t)len) < 0 || (durable && fsync(fd) < 0)) {
		rc = cmdb__error(CMDB_ERROR, "cannot write %s: %s", tmp, strerror(errno));
		goto done;
	}
	if (close(fd) < 0) {
		fd = -1;
		rc = cmdb__error(CMDB_ERROR, "cannot write %s: %s", tmp, strerror(errno));
		goto done;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		rc = cmdb__error(CMDB_ERROR, "cannot write %s: %s", path, strerror(errno));
		goto done;
	}
	if (durable && (rc = sync_dir(gitdir)) < 0)
		unlink(path);
done:
	if (fd >= 0)
		close(fd);
	if (rc < 0 && tmp)
		unlink(tmp);
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

int cmdb__worktree_pending(const char *gitdir)
{
	char *path = cmdb__sprintf("%s" JOURNAL, gitdir);
	int pending = path && access(path, F_OK) == 0;

	free(path);
	return pending;
}

/* Parse "OLD NEW\n"; old is "none" for the first commit. 0, or -1 when unreadable/absent. */
static int read_journal(git_oid *old_id, int *has_old, git_oid *new_id, const char *gitdir)
{
	char *path = cmdb__sprintf("%s" JOURNAL, gitdir);
	char buf[2 * GIT_OID_HEXSZ + 8] = "", a[64] = "", b[64] = "";
	int fd = path ? open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	int ok = n > 0 && sscanf(buf, "%63s %63s", a, b) == 2;

	if (fd >= 0)
		close(fd);
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

/*
 * 1 when the journal's commit reached main: it is main, or main moved past it (a
 * tool that does not sync the work tree wrote since). 0 when the writer died
 * before moving main: the work tree already shows main.
 */
static int landed(git_repository *git, const git_oid *new_id)
{
	git_oid main_id;

	if (git_reference_name_to_id(&main_id, git, CMDB_MAIN_REF) < 0)
		return 0;
	return git_oid_equal(&main_id, new_id) ||
		git_graph_descendant_of(git, &main_id, new_id) == 1;
}

int cmdb__worktree_recover(
	int *finished, git_repository *git, const char *gitdir, const char *workdir)
{
	git_oid old_id, new_id;
	git_tree *old_tree = NULL, *new_tree = NULL;
	git_diff *diff = NULL;
	unsigned char *skip = NULL;
	int has_old = 0, err = 0, rc = 0;

	*finished = 0;
	if (read_journal(&old_id, &has_old, &new_id, gitdir) < 0 || !landed(git, &new_id))
		goto done;
	if ((has_old && (err = tree_of(&old_tree, git, &old_id)) < 0) ||
		(err = tree_of(&new_tree, git, &new_id)) < 0 ||
		(err = git_diff_tree_to_tree(&diff, git, old_tree, new_tree, NULL)) < 0) {
		rc = cmdb__error_git(
			CMDB_ERROR, err, "cannot finish the interrupted work-tree update");
		goto done;
	}
	/* A path a person edited or staged since is left alone (apply checks each file). */
	if ((rc = cmdb__worktree_staged_mask(&skip, git, workdir, diff)) < 0 ||
		(rc = cmdb__worktree_apply(git, gitdir, workdir, diff, skip)) < 0)
		goto done;
	*finished = 1;
done:
	if (rc == 0)
		cmdb__worktree_journal_end(gitdir);
	else
		rc = cmdb__error(rc,
			"the work tree and git index are behind main (an earlier commit could "
			"not update them) and finishing that failed: %s; fix that, then run "
			"'gitcmdb status' to finish the update",
			cmdb_error_last());
	free(skip);
	git_diff_free(diff);
	git_tree_free(old_tree);
	git_tree_free(new_tree);
	return rc;
}

int cmdb__repo_sync_locked(int *finished, cmdb_repo *repo)
{
	*finished = 0;
	if (repo->bare || !repo->workdir || !cmdb__worktree_on_main(repo->git))
		return 0;
	return cmdb__worktree_recover(finished, repo->git, repo->gitdir, repo->workdir);
}

int cmdb__repo_lock(cmdb__lock *lock, cmdb_repo *repo)
{
	cmdb__commit_settings set;
	int rc;

	cmdb__settings_commit(&set, repo);
	rc = cmdb__lock_acquire(lock, repo->gitdir, set.lock_timeout_ms);
	cmdb__settings_dispose(&set);
	return rc;
}

int cmdb_repo_sync(cmdb_repo *repo, int *finished)
{
	cmdb__lock lock = CMDB_LOCK_INIT;
	int done = 0, rc = 0;

	if (!cmdb__worktree_pending(repo->gitdir))
		goto out;
	if ((rc = cmdb__repo_lock(&lock, repo)) < 0)
		goto out;
	rc = cmdb__repo_sync_locked(&done, repo);
	cmdb__lock_release(&lock);
	if (rc == 0) {
		free(repo->sync_error);
		repo->sync_error = NULL;
	}
out:
	if (rc == 0 && finished)
		*finished = done;
	return rc;
}

const char *cmdb_repo_sync_error(const cmdb_repo *repo)
{
	return repo->sync_error;
}
