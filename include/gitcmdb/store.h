/*
 * The CMDB repository and its store: apply a set of item/file upserts and deletes
 * as one commit on refs/heads/main without a work tree. Writers are serialised
 * by an flock on <gitdir>/gitcmdb/write.lock; the ref moves by compare-and-swap
 * and a lost race re-applies the changeset on the new parent (re-merged when the
 * caller names the main it prepared it on), so no update is lost.
 */
#ifndef GITCMDB_STORE_H
#define GITCMDB_STORE_H

#include <jansson.h>

#include "common.h"

typedef struct cmdb_repo cmdb_repo;
typedef struct cmdb_changeset cmdb_changeset;

#define CMDB_MAIN_REF "refs/heads/main"

/* Create a new CMDB repository at path (gitcmdb.yaml, example inventory.yaml, first commit). */
CMDB_API int cmdb_repo_init(cmdb_repo **out, const char *path, int bare);
/* Open the CMDB repository at path (a work tree or a bare git dir). CMDB_ENOTFOUND if none. */
CMDB_API int cmdb_repo_open(cmdb_repo **out, const char *path);
CMDB_API void cmdb_repo_free(cmdb_repo *repo);
CMDB_API int cmdb_repo_is_bare(const cmdb_repo *repo);
/* The git directory ("/x/.git/" or the bare dir) and the work tree (NULL when bare). */
CMDB_API const char *cmdb_repo_gitdir(const cmdb_repo *repo);
CMDB_API const char *cmdb_repo_workdir(const cmdb_repo *repo);

/* Resolve a revision (sha, ref, "main~2", tag) to a 40-hex commit id in out[41]. */
CMDB_API int cmdb_repo_resolve(char out[41], cmdb_repo *repo, const char *rev);

/* Read the blob at path in rev (NULL rev = main). *out is NUL-terminated; CMDB_ENOTFOUND if absent.
 */
CMDB_API int cmdb_repo_read(
	char **out, size_t *out_len, cmdb_repo *repo, const char *rev, const char *path);
/* Read and parse the item id at rev. */
CMDB_API int cmdb_repo_read_item(json_t **out, cmdb_repo *repo, const char *rev, const char *id);
/* Every blob path under prefix ("" for all) at rev, sorted, as a json_t array of strings. */
CMDB_API int cmdb_repo_list(json_t **out, cmdb_repo *repo, const char *rev, const char *prefix);

/*
 * The repository settings: gitcmdb.yaml at main, parsed (an empty object when the
 * file is absent). Keys are documented in docs/store.md.
 */
CMDB_API int cmdb_repo_settings(json_t **out, cmdb_repo *repo);

/*
 * The work tree's uncommitted changes against main (non-bare repositories whose
 * HEAD is main): a sorted json_t array of {"path", "status": "added" | "modified" |
 * "deleted"} for every file whose bytes differ from main, untracked files included
 * (ignored ones not). Under the write lock, a pending work-tree update is finished
 * first (cmdb_repo_sync), so a work tree left behind by a killed writer never shows
 * main's newer files as a person's deletions; base (41 bytes, may be NULL) receives
 * the main the changes are against, for cmdb_commit_opts.base. CMDB_EINVALID for a
 * bare repository, another branch checked out, or a symbolic link standing in for
 * a directory of main.
 */
CMDB_API int cmdb_repo_worktree_changes(json_t **out, char *base, cmdb_repo *repo);

/*
 * The work tree's files that gitcmdb manages (cmdb_path_classify: items, schemas,
 * settings) at or below the directory under ("" or NULL = all; relative to the work
 * tree's root), as a json_t array sorted by path:
 *   [{"path": "host/web01.yaml", "kind": "item" | "schema" | "settings", "link": true}]
 * One walk for `validate`, `fmt` and `commit`: .git, top-level dot-directories, file/
 * and directories below schemas/ are not entered (nothing in them is managed); every
 * other directory is. No symbolic link is ever followed: a link where a managed file
 * would be is listed with "link": true (and must not be read), a link in place of a
 * directory is not entered (and listed only when its own path is managed), and under
 * reached through a link is CMDB_EINVALID. Sockets, FIFOs and devices are left out.
 * CMDB_EINVALID for a bare repository, or a managed file whose name is not UTF-8.
 */
CMDB_API int cmdb_repo_worktree_list(json_t **out, cmdb_repo *repo, const char *under);

/*
 * Read the work-tree file at path (repository-relative) whole, at most cap bytes,
 * never through a symbolic link (at path or among its directories): *out is
 * NUL-terminated and the caller's (cmdb_free). Errors name the file and the reason:
 * CMDB_ENOTFOUND, CMDB_ETOOBIG (over cap), CMDB_EINVALID (a link, or not a regular
 * file), CMDB_ERROR (permissions, I/O).
 */
CMDB_API int cmdb_repo_worktree_read(
	char **out, size_t *len, cmdb_repo *repo, const char *path, size_t cap);

/*
 * Who a person's commit is by: $GIT_AUTHOR_NAME / $GIT_AUTHOR_EMAIL, else git
 * config user.name / user.email (repository, global, system). Both outputs are
 * the caller's (cmdb_free); CMDB_ENOTFOUND when neither source names the user.
 */
CMDB_API int cmdb_repo_user(char **name, char **email, cmdb_repo *repo);

CMDB_API int cmdb_changeset_new(cmdb_changeset **out);
CMDB_API void cmdb_changeset_free(cmdb_changeset *cs);
/* Upsert item id with value (emitted as canonical YAML at id's path). */
CMDB_API int cmdb_changeset_put_item(cmdb_changeset *cs, const char *id, const json_t *item);
/* Upsert a raw file (validated with cmdb_path_validate). Bytes are copied. */
CMDB_API int cmdb_changeset_put_file(
	cmdb_changeset *cs, const char *path, const void *data, size_t len);
/*
 * Upsert a raw file whose bytes go to repo's object database as they come (one pack
 * per 32 MB, the rest when the changeset is committed), so the changeset keeps only
 * their blob id: a large commit prepared in bounded memory. Bytes of a changeset that
 * is never committed may be left unreferenced in a pack; git gc prunes them. Every
 * put_blob of one changeset names the same repo.
 */
CMDB_API int cmdb_changeset_put_blob(
	cmdb_changeset *cs, cmdb_repo *repo, const char *path, const void *data, size_t len);
/* Delete a path (missing paths are ignored at commit time). */
CMDB_API int cmdb_changeset_delete(cmdb_changeset *cs, const char *path);
/* Number of operations recorded. */
CMDB_API size_t cmdb_changeset_count(const cmdb_changeset *cs);

/*
 * Re-merging one operation of a changeset that was prepared on an older main
 * (cmdb_commit_opts.base): path changed on main between base and head, the commit
 * the changeset is now applied to (40 hex). Record in out what to commit at path
 * instead: a put, a delete, or nothing to keep head's version. data is NULL for a
 * delete. Called under the write lock, on the committing thread.
 */
typedef int (*cmdb_remerge_cb)(cmdb_changeset *out, const char *path, const void *data, size_t len,
	const char *head, void *payload);

typedef struct {
	const char *message; /* full message; trailers are appended after a blank line */
	const char *const *trailers; /* NULL-terminated "Key: value" lines, or NULL */
	const char *author_name; /* NULL: gitcmdb.yaml commit.author_name, else "gitcmdb scanner" */
	const char *
		author_email; /* NULL: gitcmdb.yaml commit.author_email, else "gitcmdb@localhost" */
	int allow_empty; /* commit even when the tree is unchanged */
	int lock_timeout_ms; /* wait for the write lock; 0 = no wait; <0 = $GITCMDB_LOCK_TIMEOUT_MS,
				else gitcmdb.yaml commit.lock_timeout_ms, else 10000 */
	const char *base; /* 40-hex main the changeset was prepared on; NULL = whole-file upserts */
	cmdb_remerge_cb remerge; /* with base: re-merges what changed since; NULL = refuse that */
	void *remerge_payload;
} cmdb_commit_opts;

#define CMDB_COMMIT_OPTS_INIT                                                                      \
	{                                                                                          \
		NULL, NULL, NULL, NULL, 0, -1, NULL, NULL, NULL                                    \
	}

/*
 * Apply cs (NULL = no changes) as one commit on main. out_oid (41 bytes, may be NULL) receives the
 * new commit id; *changed (may be NULL) is 0 when the tree was identical and nothing was committed
 * (unless allow_empty). CMDB_ELOCKED names the lock holder's pid.
 *
 * Lost races: without opts->base every operation is a whole-file upsert or delete applied on
 * whatever main is when the lock is held. With opts->base, each operation whose path changed on
 * main since base is handed to opts->remerge (or refuses the commit with CMDB_EDIRTY naming the
 * path when there is none), so an update committed meanwhile is never silently overwritten.
 *
 * Work tree (non-bare repository showing main): first a work-tree update that an earlier writer
 * left pending is finished (failing that refuses the commit); touched paths with uncommitted edits
 * refuse the commit with CMDB_EDIRTY naming the file, as does a symbolic link among a path's
 * directories (CMDB_EINVALID). Once main has moved the return is 0 even if the work tree or the
 * git index could not be updated (disk full, say): cmdb_repo_sync_error() then says why, and the
 * update stays pending until cmdb_repo_sync() or the next writer finishes it.
 */
CMDB_API int cmdb_store_commit(char *out_oid, int *changed, cmdb_repo *repo,
	const cmdb_changeset *cs, const cmdb_commit_opts *opts);

/*
 * Move main from the commit from (40 hex; NULL: main must not exist yet) to the commit to
 * (present in the repository, typically fetched, or built on a fetched one), under the
 * write lock; why goes to the reflog. The work tree follows as after cmdb_store_commit:
 * a path of the change with uncommitted edits refuses with CMDB_EDIRTY and nothing moves;
 * a sync failing after main moved is reported by cmdb_repo_sync_error. CMDB_ELOCKED when
 * main is no longer from (another writer went first: the caller decides again).
 */
CMDB_API int cmdb_store_advance(cmdb_repo *repo, const char *from, const char *to, const char *why);

/*
 * NULL when the last cmdb_store_commit on repo left the work tree and git index in step with
 * main; else why it could not (main has moved all the same). Valid until the next commit or
 * sync on repo.
 */
CMDB_API const char *cmdb_repo_sync_error(const cmdb_repo *repo);

/*
 * Finish a work-tree update that a commit left pending (its writer was killed, or the disk filled
 * after main moved): the files and git index entries of that commit's paths nobody edited since
 * are brought to main, under the write lock. *finished (may be NULL) is 1 when there was one. A
 * no-op for bare repositories and when another branch is checked out; on failure the update stays
 * pending. Run it before letting any other tool (git commit -a) read the work tree.
 */
CMDB_API int cmdb_repo_sync(cmdb_repo *repo, int *finished);

/*
 * WHEN → a commit of main (40 hex in out[41]) without the index: an ISO 8601 date or
 * date-time, "now" or a relative time gives the latest commit on main's first-parent
 * line whose committer time is <= it; anything else is a revision ("main~2", a sha, a
 * tag, baseline/NAME). CMDB_EINVALID for a malformed date, CMDB_ENOTFOUND for a time
 * before the first commit, an unknown revision or baseline.
 */
CMDB_API int cmdb_repo_commit_at(char out[41], cmdb_repo *repo, const char *when);

/*
 * Baselines (docs/records.md): annotated tags refs/tags/baseline/NAME, tagged by the
 * person (cmdb_repo_user, else "gitcmdb user"). NAME is one ref component without '/'.
 * cmdb_baseline_create tags the commit WHEN names (NULL = main's tip, see
 * cmdb_repo_commit_at) with message (NULL = "gitcmdb baseline"); out_commit (41 bytes,
 * may be NULL) receives it. An existing NAME is CMDB_EINVALID and left as it is.
 */
CMDB_API int cmdb_baseline_create(char out_commit[41], cmdb_repo *repo, const char *name,
	const char *message, const char *when);
/* Every baseline sorted by name: [{name, commit, commit_time, created, tagger, message}]
 * (message: its first line; created/tagger null for a lightweight tag). */
CMDB_API int cmdb_baseline_list(json_t **out, cmdb_repo *repo);
/* Delete the tag refs/tags/baseline/NAME (the commits stay); CMDB_ENOTFOUND if none. */
CMDB_API int cmdb_baseline_delete(cmdb_repo *repo, const char *name);

#endif
