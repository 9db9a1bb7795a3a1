#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/error.h"
#include "gitcmdb/store.h"
#include "store/lock.h"
#include "store/worktree.h"

/* One fixed name per path: we hold the write lock, and a killed writer's leftover is reused. */
#define TMP_SUFFIX ".gitcmdb-tmp"
#define INDEX_RETRY_PAUSE_NS (10 * 1000 * 1000L)
#define INDEX_RETRIES ((CMDB_STALE_LOCK_MS + 3000) / 10)

typedef struct {
	const char *path;
	const git_oid *old_id; /* NULL when added */
	const git_oid *new_id; /* NULL when deleted */
} change;

static change delta_change(const git_diff_delta *d)
{
	change c;

	c.path = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
	c.old_id = d->status == GIT_DELTA_ADDED ? NULL : &d->old_file.id;
	c.new_id = d->status == GIT_DELTA_DELETED ? NULL : &d->new_file.id;
	return c;
}

static int id_matches(const git_oid *id, const change *c)
{
	return (c->old_id && git_oid_equal(id, c->old_id)) ||
		(c->new_id && git_oid_equal(id, c->new_id));
}

/* 1 if the work-tree file of c holds the parent's or the new bytes (or is absent where allowed). */
static int file_clean(int *clean, const char *workdir, const change *c)
{
	char *full = cmdb__sprintf("%s%s", workdir, c->path);
	struct stat st;
	git_oid id;
	int err, rc = 0;

	if (!full)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (lstat(full, &st) < 0) {
		if (errno != ENOENT && errno != ENOTDIR) {
			rc = cmdb__error(CMDB_ERROR, "cannot stat %s: %s", full, strerror(errno));
			goto done;
		}
		/* Absent: fine unless it was there and we would bring it back. */
		*clean = !c->old_id || !c->new_id;
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		*clean = 0;
		goto done;
	}
	if ((err = git_odb_hashfile(&id, full, GIT_OBJECT_BLOB)) < 0) {
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot read %s", full);
		goto done;
	}
	*clean = id_matches(&id, c);
done:
	free(full);
	return rc;
}

static int index_clean(git_index *idx, const change *c)
{
	const git_index_entry *e = git_index_get_bypath(idx, c->path, 0);

	if (e)
		return id_matches(&e->id, c);
	return !c->old_id || !c->new_id;
}

int cmdb__worktree_check(git_repository *git, const char *workdir, git_diff *diff)
{
	git_index *idx = NULL;
	size_t n = git_diff_num_deltas(diff);
	int err, rc = 0, clean;

	if ((err = git_repository_index(&idx, git)) < 0 || (err = git_index_read(idx, 0)) < 0) {
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot read the git index of %s", workdir);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		change c = delta_change(git_diff_get_delta(diff, i));

		if ((rc = file_clean(&clean, workdir, &c)) < 0)
			goto done;
		if (!clean || !index_clean(idx, &c)) {
			rc = cmdb__error(CMDB_EDIRTY,
				"%s%s has uncommitted %s that this commit would overwrite: commit "
				"or "
				"revert them first (nothing was committed)",
				workdir, c.path, clean ? "changes in the git index" : "edits");
			goto done;
		}
	}
done:
	git_index_free(idx);
	return rc;
}

static int mkdirs_for(char *full, size_t base_len)
{
	for (char *p = full + base_len; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(full, 0755) < 0 && errno != EEXIST) {
			int e = errno;

			*p = '/';
			return cmdb__error(CMDB_ERROR, "cannot create directory for %s: %s", full,
				strerror(e));
		}
		*p = '/';
	}
	return 0;
}

/* Write via a temporary file and rename, so a reader never sees half a file. */
static int write_file(const char *full, const void *data, size_t len, int exec)
{
	char *tmp = cmdb__sprintf("%s" TMP_SUFFIX, full);
	int fd = -1, rc = 0;
	const char *p = data;

	if (!tmp)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, exec ? 0755 : 0644)) < 0) {
		rc = cmdb__error(CMDB_ERROR, "cannot write %s: %s", tmp, strerror(errno));
		goto done;
	}
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = cmdb__error(CMDB_ERROR, "cannot write %s: %s", tmp, strerror(errno));
			goto done;
		}
		p += w;
		len -= (size_t)w;
	}
	if (close(fd) < 0) {
		fd = -1;
		rc = cmdb__error(CMDB_ERROR, "cannot write %s: %s", tmp, strerror(errno));
		goto done;
	}
	fd = -1;
	if (rename(tmp, full) < 0)
		rc = cmdb__error(CMDB_ERROR, "cannot replace %s: %s", full, strerror(errno));
done:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* Remove full and then its parent directories while they are empty, up to the work tree. */
static void remove_file(char *full, size_t base_len)
{
	char *slash;

	if (unlink(full) < 0 && errno != ENOENT)
		return;
	while ((slash = strrchr(full + base_len, '/'))) {
		*slash = '\0';
		if (rmdir(full) < 0)
			break;
	}
}

static int apply_one(git_repository *git, const char *workdir, const git_diff_delta *d)
{
	change c = delta_change(d), mine = {c.path, NULL, c.new_id};
	char *full = cmdb__sprintf("%s%s", workdir, c.path), *tmp = NULL;
	git_blob *blob = NULL;
	int err, rc = 0, clean = 0;

	if (!full || !(tmp = cmdb__sprintf("%s" TMP_SUFFIX, full))) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	/* A temporary file left by a writer killed mid-write (recovery replays its paths). */
	unlink(tmp);
	if (!c.new_id) {
		remove_file(full, strlen(workdir));
		goto done;
	}
	/* Already the new bytes (e.g. `gitcmdb commit` of a person's edit): leave it alone. */
	if ((rc = file_clean(&clean, workdir, &mine)) < 0)
		goto done;
	if (clean && access(full, F_OK) == 0)
		goto done;
	if ((err = git_blob_lookup(&blob, git, c.new_id)) < 0) {
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot read the blob of %s", c.path);
		goto done;
	}
	if ((rc = mkdirs_for(full, strlen(workdir))) < 0)
		goto done;
	rc = write_file(full, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob),
		d->new_file.mode == GIT_FILEMODE_BLOB_EXECUTABLE);
done:
	git_blob_free(blob);
	free(tmp);
	free(full);
	return rc;
}

/* One try at bringing the index in line with diff; returns a libgit2 code. */
static int update_index_once(
	git_repository *git, const char *stale, git_diff *diff, const unsigned char *skip)
{
	git_index *idx = NULL;
	size_t n = git_diff_num_deltas(diff);
	int err;

	cmdb__lock_remove_stale(stale);
	if ((err = git_repository_index(&idx, git)) < 0 || (err = git_index_read(idx, 0)) < 0)
		goto done;
	for (size_t i = 0; i < n && err >= 0; i++) {
		change c = delta_change(git_diff_get_delta(diff, i));

		if (skip && skip[i])
			continue;
		err = c.new_id ? git_index_add_bypath(idx, c.path)
			       : git_index_remove_bypath(idx, c.path);
	}
	if (err >= 0)
		err = git_index_write(idx);
done:
	git_index_free(idx);
	return err;
}

/* index.lock held by someone else: wait (bounded) until it is released or ages into a stale one. */
static int update_index(
	git_repository *git, const char *gitdir, git_diff *diff, const unsigned char *skip)
{
	struct timespec pause = {0, INDEX_RETRY_PAUSE_NS};
	char *stale = cmdb__sprintf("%sindex.lock", gitdir);
	int err = 0, rc = 0;

	if (!stale)
		return cmdb__error(CMDB_ERROR, "out of memory");
	for (int i = 0; i < INDEX_RETRIES; i++) {
		if ((err = update_index_once(git, stale, diff, skip)) != GIT_ELOCKED)
			break;
		nanosleep(&pause, NULL);
	}
	if (err < 0)
		rc = cmdb__error_git(
			CMDB_ERROR, err, "committed, but could not update the git index");
	free(stale);
	return rc;
}

int cmdb__worktree_apply(git_repository *git, const char *gitdir, const char *workdir,
	git_diff *diff, const unsigned char *skip)
{
	size_t n = git_diff_num_deltas(diff);
	int rc;

	for (size_t i = 0; i < n; i++)
		if ((!skip || !skip[i]) &&
			(rc = apply_one(git, workdir, git_diff_get_delta(diff, i))) < 0)
			return rc;
	return update_index(git, gitdir, diff, skip);
}

int cmdb__worktree_clean_mask(
	unsigned char **out, git_repository *git, const char *workdir, git_diff *diff)
{
	size_t n = git_diff_num_deltas(diff);
	unsigned char *skip = cmdb__calloc(n ? n : 1, 1);
	git_index *idx = NULL;
	int err, rc = 0, clean;

	if (!skip)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((err = git_repository_index(&idx, git)) < 0 || (err = git_index_read(idx, 0)) < 0) {
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot read the git index of %s", workdir);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		change c = delta_change(git_diff_get_delta(diff, i));

		if ((rc = file_clean(&clean, workdir, &c)) < 0)
			goto done;
		skip[i] = !clean || !index_clean(idx, &c);
	}
	*out = skip;
	skip = NULL;
done:
	git_index_free(idx);
	free(skip);
	return rc;
}

int cmdb__worktree_on_main(git_repository *git)
{
	git_reference *head = NULL;
	int on;

	if (git_reference_lookup(&head, git, "HEAD") < 0)
		return 0;
	on = git_reference_type(head) == GIT_REFERENCE_SYMBOLIC &&
		strcmp(git_reference_symbolic_target(head), CMDB_MAIN_REF) == 0;
	git_reference_free(head);
	return on;
}
