/*
 * The history index: a SQLite database derived from the git history of main
 * (default <gitdir>/gitcmdb/index.db). It is never the source of truth: deleting
 * it and indexing again gives the same contents. One writer transaction per
 * refresh (BEGIN IMMEDIATE, WAL), so readers never see a half-built state.
 *
 * Tables (see lib/index/index_schema.c and docs/index.md): meta, commits, items,
 * item_versions, attrs, relations, trailers, and the drift bookkeeping: drifts,
 * drift_matches, changes (docs/audit.md). Every row with a validity interval
 * is valid for from_seq <= S < to_seq (to_seq NULL = still current). seq numbers
 * commits 1.. in first-parent order of main; commits reachable only through a
 * merge's other parents get seqs too (mainline = 0) but carry no item changes:
 * a merge's effect is its diff against its first parent.
 *
 * The cmdb_index owns its sqlite3 handle; it borrows the cmdb_repo, which must
 * outlive it.
 */
#ifndef GITCMDB_INDEX_H
#define GITCMDB_INDEX_H

#include <sqlite3.h>

#include "common.h"
#include "store.h"

typedef struct cmdb_index cmdb_index;

#define CMDB_INDEX_REFRESH 0x1 /* catch up with main before returning */
#define CMDB_INDEX_READONLY 0x2 /* read-only handle with a write-denying authorizer (query SQL) */
#define CMDB_INDEX_REBUILD 0x4 /* with REFRESH: discard everything and index from the root */

/* The schema this build writes; an index with a higher meta.schema_version is refused. */
#define CMDB_INDEX_SCHEMA_VERSION 3

/*
 * Open (creating when missing, unless READONLY) the index of repo at db_path
 * (NULL = <gitdir>/gitcmdb/index.db). Every index carries PRAGMA application_id
 * 0x67636462; a file that is another application's database is CMDB_EINVALID and
 * left byte-for-byte untouched, as is an index from a newer schema version. A
 * damaged index (its pages malformed, or at the default path not a database at
 * all) is moved aside to "<path>.corrupt-<UTC time>" and rebuilt; the warning is
 * then readable with cmdb_index_warning(). READONLY with REFRESH first catches up
 * through a read-write handle, then reopens read-only.
 *
 * When the user cannot write the file (a read-only mount, another user's
 * repository) it is opened read-only and used as it is if current (or without
 * REFRESH); otherwise, at the default path, a private index of the repository in
 * $XDG_CACHE_HOME/gitcmdb/ (else ~/.cache/gitcmdb/) takes its place, and with a
 * db_path the file answers from its last complete state with a warning.
 */
CMDB_API int cmdb_index_open(
	cmdb_index **out, cmdb_repo *repo, const char *db_path, unsigned flags);
CMDB_API void cmdb_index_free(cmdb_index *idx);

/* Catch up with main. *commits_added (may be NULL) counts new commit rows. A
 * rewritten history (last indexed commit no longer on main's first-parent line)
 * triggers a full rebuild inside the same transaction. */
CMDB_API int cmdb_index_refresh(cmdb_index *idx, int *commits_added);
/* Discard everything and index main from its root, as one transaction. */
CMDB_API int cmdb_index_rebuild(cmdb_index *idx);

/*
 * WHEN → the seq in force then. WHEN is an ISO 8601 date ("2026-11-28", start of
 * that day UTC) or date-time ("2026-11-28T22:10[:00][Z|+01:00]", UTC unless an
 * offset is given), a relative time ("3.days.ago", "@{3 days ago}"), a git
 * revision ("main~2", a sha) or a baseline name (tag). A time gives the latest
 * mainline commit whose committer time is <= it. Errors: malformed WHEN →
 * CMDB_EINVALID; a time before the first commit → CMDB_ENOTFOUND naming the first
 * commit's date; a commit not on main → CMDB_ENOTFOUND.
 */
CMDB_API int cmdb_index_resolve_when(long long *seq, cmdb_index *idx, const char *when);

/* The seq of main's tip as indexed (0 when the index is empty). */
CMDB_API long long cmdb_index_head_seq(cmdb_index *idx);

/* What the index holds (cmdb_index_count). */
typedef struct {
	long long commits; /* commit rows (mainline and merged-in side commits) */
	long long items; /* items present at the indexed head */
	long long items_ever; /* items that ever existed */
	long long relations; /* relations present at the indexed head */
	long long attr_rows; /* attribute rows of every version */
} cmdb_index_counts;

CMDB_API int cmdb_index_count(cmdb_index_counts *out, cmdb_index *idx);

/* 0 when id ever existed; CMDB_ENOTFOUND "unknown item 'x' (did you mean: a, b?)" otherwise. */
CMDB_API int cmdb_index_check_id(cmdb_index *idx, const char *id);

/*
 * Item queries (what `gitcmdb show` and `history` print; bench/index.c measures these).
 * Every result is the caller's (json_decref). No answer is made from part of the rows:
 * a read that SQLite cannot finish (BUSY, I/O error, a damaged page) fails; damage says
 * "the index file is damaged" and makes cmdb_index_damaged() 1, so the caller can
 * cmdb_index_repair().
 */

/*
 * Item id as it was at WHEN (see cmdb_index_resolve_when; NULL = the indexed head):
 * {"id", "seq", "commit": {"oid", "time", "author", "email", "summary"}, "blob", "item"};
 * author, email and summary are null when the commit has none, time reads
 * "2026-11-28T22:10:00Z". Errors: CMDB_EINVALID only for a malformed WHEN;
 * CMDB_ENOTFOUND for an unknown id (naming close ids), a WHEN before the first commit,
 * or an item absent at WHEN (naming the commit that deleted it, or created it later);
 * CMDB_ERROR when that version's file did not parse (saying why).
 */
CMDB_API int cmdb_index_item_at(json_t **out, cmdb_index *idx, const char *id, const char *when);

/*
 * Every version of item id, oldest first, with its field-level changes:
 * {"id", "path", "change_records": [ids], "versions": [{"seq", "commit", "time",
 * "author", "email", "summary", "kind": "created"|"modified"|"deleted", "changes":
 * [{"path", "op": "added"|"removed"|"changed", "old", "new"}], "change_ids": [ids]}]}.
 * Change paths are flattened attributes (attributes.packages.openssl.version) and
 * relations.TYPE; old and new are typed (string, number, boolean, list, null).
 * change_ids are the commit's "Change:" trailers; change_records come from
 * cmdb_index_item_records. With path (NULL = all), only changes at or below path are
 * listed and versions without any are left out. CMDB_ENOTFOUND for an unknown id.
 */
CMDB_API int cmdb_index_item_history(
	json_t **out, cmdb_index *idx, const char *id, const char *path);

/*
 * The records that concern item id, as a sorted array of their ids: every item that
 * names id in an "affects" relation or an "affects" attribute list at any time
 * (change records: "change/CHG-0042").
 */
CMDB_API int cmdb_index_item_records(json_t **out, cmdb_index *idx, const char *id);

/*
 * Damage found while reading. cmdb_index_damaged: 1 when a read on idx reported
 * SQLITE_CORRUPT or SQLITE_NOTADB (through this module, lib/query, or the handle's
 * last result), else 0. cmdb_index_repair: move the damaged index aside and rebuild
 * it; when the user cannot write it, remember it as damaged (until it is replaced)
 * and build a private index instead. cmdb_index_check: verify every page (PRAGMA
 * quick_check, reading the whole file) and repair when damaged. Each returns 0
 * when the index is sound or repaired, cmdb_index_warning() then saying what was done.
 */
CMDB_API int cmdb_index_damaged(cmdb_index *idx);
CMDB_API int cmdb_index_repair(cmdb_index *idx);
CMDB_API int cmdb_index_check(cmdb_index *idx);

/* Borrowed handles, for query modules. */
CMDB_API sqlite3 *cmdb_index_db(cmdb_index *idx);
CMDB_API cmdb_repo *cmdb_index_repo(cmdb_index *idx);
/* The database file path (borrowed). */
CMDB_API const char *cmdb_index_path(cmdb_index *idx);
/* A warning the caller should print (e.g. corrupt file moved aside), or NULL. The lib never prints.
 */
CMDB_API const char *cmdb_index_warning(cmdb_index *idx);

#endif
