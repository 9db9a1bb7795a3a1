/*
 * Keeping the work tree and git index in step with commits made without them.
 * Files are reached through store/wtpath.h, so a link planted in the work tree is
 * refused rather than followed; index entries are built from the blob ids we
 * already know and the files' lstat, so nothing is re-read through a path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/alloc.h"
#include "util/error.h"
#include "gitcmdb/store.h"
#include "store/lock.h"
#include "store/worktree.h"
#include "store/wtpath.h"

#define INDEX_RETRY_PAUSE_NS (10 * 1000 * 1000L)
#define INDEX_RETRIES ((CMDB_STALE_LOCK_MS + 3000) / 10)

typedef struct {
	const char *path;
	const git_oid *old_id; /* NULL when added */
	const git_oid *new_id; /* NULL when deleted */
} change;

/* What became of one delta's file, which decides its index entry. */
enum {
	SKIPPED = 0, /* not looked at (staged changes): file and index entry stay */
	WRITTEN, /* the file holds the new bytes: entry with its lstat */
	REMOVED, /* the file is gone: no entry */
	EDITED /* a person's edit, left alone: the entry follows main, the edit shows unstaged */
};

typedef struct {
	int what;
	struct stat st; /* WRITTEN: the file as written */
} synced;

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

/* The parent's or the new bytes, or absent where that is allowed: anything else is an edit. */
static int is_clean(const change *c, int exists, const git_oid *id)
{
	if (!exists)
		return !c->old_id || !c->new_id;
	return id && id_matches(id, c);
}

static int file_clean(int *clean, cmdb__wtdir *dir, const char *workdir, const change *c)
{
	struct stat st;
	git_oid id;
	int exists, rc;

	if ((rc = cmdb__wtpath_probe_in(dir, &exists, &st, &id, workdir, c->path)) < 0)
		return rc;
	*clean = is_clean(c, exists, exists && S_ISREG(st.st_mode) ? &id : NULL);
	return 0;
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
	cmdb__wtdir dir = CMDB__WTDIR_INIT;
	git_index *idx = NULL;
	size_t n = git_diff_num_deltas(diff);
	int err, rc = 0, clean;

	if ((err = git_repository_index(&idx, git)) < 0 || (err = git_index_read(idx, 0)) < 0) {
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot read the git index of %s", workdir);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		change c = delta_change(git_diff_get_delta(diff, i));

		if ((rc = file_clean(&clean, &dir, workdir, &c)) < 0) {
			rc = cmdb__error(rc, "%s (nothing was committed)", cmdb_error_last());
			goto done;
		}
		if (!clean || !index_clean(idx, &c)) {
			rc = cmdb__error(CMDB_EDIRTY,
				"%s%s has uncommitted %s that this commit would overwrite: commit "
				"or revert them first (nothing was committed)",
				workdir, c.path, clean ? "changes in the git index" : "edits");
			goto done;
		}
	}
done:
	cmdb__wtdir_close(&dir);
	git_index_free(idx);
	return rc;
}

/* The file apply_one looked at: unchanged (same inode, size and times) means still clean. */
static int unchanged_since(void *payload, const struct stat *now)
{
	const struct stat *then = payload;

	return now && then->st_ino == now->st_ino && then->st_dev == now->st_dev &&
		then->st_size == now->st_size && then->st_mode == now->st_mode &&
		then->st_mtim.tv_sec == now->st_mtim.tv_sec &&
		then->st_mtim.tv_nsec == now->st_mtim.tv_nsec &&
		then->st_ctim.tv_sec == now->st_ctim.tv_sec &&
		then->st_ctim.tv_nsec == now->st_ctim.tv_nsec;
}

static int still_absent(void *payload, const struct stat *now)
{
	(void)payload;
	return now == NULL;
}

/* Bring one path to the new commit, unless a person changed it since the check. */
static int apply_one(synced *out, cmdb__wtdir *dir, git_repository *git, const char *workdir,
	const git_diff_delta *d)
{
	change c = delta_change(d);
	git_blob *blob = NULL;
	struct stat seen;
	git_oid id;
	int err, rc, exists, written;

	out->what = EDITED;
	if ((rc = cmdb__wtpath_probe_in(dir, &exists, &seen, &id, workdir, c.path)) < 0)
		return rc;
	if (!is_clean(&c, exists, exists && S_ISREG(seen.st_mode) ? &id : NULL))
		return 0;
	if (!c.new_id) {
		out->what = REMOVED;
		cmdb__wtdir_close(dir); /* the directory may go with its last file */
		return cmdb__wtpath_remove(workdir, c.path);
	}
	/* Already the new bytes (e.g. `gitcmdb commit` of a person's edit): leave it alone. */
	if (exists && git_oid_equal(&id, c.new_id)) {
		out->what = WRITTEN;
		out->st = seen;
		return 0;
	}
	if ((err = git_blob_lookup(&blob, git, c.new_id)) < 0)
		return cmdb__error_git(CMDB_ERROR, err, "cannot read the blob of %s", c.path);
	/* Checked again right before the rename: an edit saved meanwhile is never overwritten. */
	rc = cmdb__wtpath_replace_in(dir, &written, &out->st, workdir, c.path,
		git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob),
		d->new_file.mode == GIT_FILEMODE_BLOB_EXECUTABLE,
		exists ? unchanged_since : still_absent, &seen);
	if (rc == 0 && written)
		out->what = WRITTEN;
	git_blob_free(blob);
	return rc;
}

/*
 * The index entry of d's new blob. st NULL (the file is a person's edit): no stat
 * data, so git compares the bytes and shows the edit as unstaged.
 */
static git_index_entry entry_of(const git_diff_delta *d, const struct stat *st)
{
	git_index_entry e;

	memset(&e, 0, sizeof(e));
	e.mode = d->new_file.mode;
	git_oid_cpy(&e.id, &d->new_file.id);
	e.path = d->new_file.path;
	if (!st)
		return e;
	e.ctime.seconds = (int32_t)st->st_ctim.tv_sec;
	e.ctime.nanoseconds = (uint32_t)st->st_ctim.tv_nsec;
	e.mtime.seconds = (int32_t)st->st_mtim.tv_sec;
	e.mtime.nanoseconds = (uint32_t)st->st_mtim.tv_nsec;
	e.dev = (uint32_t)st->st_dev;
	e.ino = (uint32_t)st->st_ino;
	e.uid = (uint32_t)st->st_uid;
	e.gid = (uint32_t)st->st_gid;
	e.file_size = (uint32_t)st->st_size;
	return e;
}

/* One try at bringing the index in line with what apply did; returns a libgit2 code. */
static int update_index_once(
	git_repository *git, const char *stale, git_diff *diff, const synced *done)
{
	git_index *idx = NULL;
	size_t n = git_diff_num_deltas(diff);
	int err;

	cmdb__lock_remove_stale(stale);
	if ((err = git_repository_index(&idx, git)) < 0 || (err = git_index_read(idx, 0)) < 0)
		goto done;
	for (size_t i = 0; i < n && err >= 0; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		change c = delta_change(d);
		git_index_entry e;

		/* Staged by a person (before, or since we looked): theirs. */
		if (done[i].what == SKIPPED || !index_clean(idx, &c))
			continue;
		if (!c.new_id) {
			err = git_index_remove_bypath(idx, c.path);
		} else {
			e = entry_of(d, done[i].what == WRITTEN ? &done[i].st : NULL);
			err = git_index_add(idx, &e);
		}
	}
	if (err >= 0)
		err = git_index_write(idx);
done:
	git_index_free(idx);
	return err;
}

/* index.lock held by someone else: wait (bounded) until it is released or ages into a stale one. */
static int update_index(git_repository *git, const char *gitdir, git_diff *diff, const synced *done)
{
	struct timespec pause = {0, INDEX_RETRY_PAUSE_NS};
	char *stale = cmdb__sprintf("%sindex.lock", gitdir);
	int err = 0, rc = 0;

	if (!stale)
		return cmdb__error(CMDB_ERROR, "out of memory");
	for (int i = 0; i < INDEX_RETRIES; i++) {
		if ((err = update_index_once(git, stale, diff, done)) != GIT_ELOCKED)
			break;
		nanosleep(&pause, NULL);
	}
	if (err < 0)
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot update the git index");
	free(stale);
	return rc;
}

int cmdb__worktree_apply(git_repository *git, const char *gitdir, const char *workdir,
	git_diff *diff, const unsigned char *skip)
{
	size_t n = git_diff_num_deltas(diff);
	synced *done = cmdb__calloc(n ? n : 1, sizeof(*done));
	cmdb__wtdir dir = CMDB__WTDIR_INIT;
	int rc = 0;

	if (!done)
		return cmdb__error(CMDB_ERROR, "out of memory");
	for (size_t i = 0; i < n && rc == 0; i++)
		if (!skip || !skip[i])
			rc = apply_one(&done[i], &dir, git, workdir, git_diff_get_delta(diff, i));
		else
			done[i].what = SKIPPED;
	cmdb__wtdir_close(&dir);
	if (rc == 0)
		rc = update_index(git, gitdir, diff, done);
	free(done);
	return rc;
}

int cmdb__worktree_staged_mask(
	unsigned char **out, git_repository *git, const char *workdir, git_diff *diff)
{
	size_t n = git_diff_num_deltas(diff);
	unsigned char *skip = cmdb__calloc(n ? n : 1, 1);
	git_index *idx = NULL;
	int err, rc = 0;

	if (!skip)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((err = git_repository_index(&idx, git)) < 0 || (err = git_index_read(idx, 0)) < 0) {
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot read the git index of %s", workdir);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		change c = delta_change(git_diff_get_delta(diff, i));

		skip[i] = !index_clean(idx, &c);
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
