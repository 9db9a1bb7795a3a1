/* Internals of the index module shared by index.c, index_build.c, flatten.c and when.c. */
#ifndef CMDB_LIB_INDEX_INT_H
#define CMDB_LIB_INDEX_INT_H

#include <git2.h>
#include <jansson.h>

#include "gitcmdb/index.h"

struct cmdb_index {
	cmdb_repo *repo; /* borrowed */
	git_repository *git; /* owned: our own handle on the repository */
	sqlite3 *db; /* owned */
	char *path; /* the database file */
	char *shared; /* the repository's index when path is our private copy; else NULL */
	char *warning; /* set by open when it had to recover; NULL otherwise */
	unsigned flags;
	int sql_rc; /* sqlite's extended code behind the last error we reported */
	int explicit_path; /* the caller named the file: only a proven index is moved aside */
	int ro; /* the file is not writable by us: db is a read-only handle on it */
	int damaged; /* a read on db reported SQLITE_CORRUPT or SQLITE_NOTADB */
};

#define CMDB__INDEX_BUSY_MS 10000 /* how long a writer waits for another's lock */

/* PRAGMA application_id of every index ("gcdb"): anything else is not ours to touch. */
#define CMDB__INDEX_APP_ID 0x67636462

/* What a file is, as far as the index is concerned (index_file.c). */
typedef enum {
	CMDB__INDEX_NEW, /* missing, empty, or a database with nothing in it */
	CMDB__INDEX_OURS, /* carries our application_id */
	CMDB__INDEX_LEGACY, /* a gitcmdb index from before the application_id */
	CMDB__INDEX_FOREIGN, /* some other SQLite database */
	CMDB__INDEX_BROKEN, /* carries our application_id, but its pages are malformed */
	CMDB__INDEX_DAMAGED /* not a database, or malformed and not known to be ours */
} cmdb__index_kind;

/* Opening (index_open.c). A handle on idx->path: read-write, or read-only (through
 * cmdb__index_open_unwritable when idx->ro). */
int cmdb__index_open_handle(cmdb_index *idx, int readonly);
/* Open idx->path and make it usable: for writing, check it is ours, create or upgrade
 * the schema, switch to WAL; for reading, check it is a current index. */
int cmdb__index_open_phase(cmdb_index *idx, int readonly);
/* Move the (damaged) index aside, with a warning, and open a fresh one for writing. */
int cmdb__index_recover(cmdb_index *idx);
/* Switch idx to the user's private index of this repository (why: for the warning);
 * with seed, a new private index starts as a copy of idx's current (readable) one. */
int cmdb__index_use_private(cmdb_index *idx, const char *why, int seed);
/* 1 when main's tip is the last indexed commit (index_build.c). */
int cmdb__index_up_to_date(cmdb_index *idx);

/* 1 for SQLITE_CORRUPT and SQLITE_NOTADB (any extended variant). */
int cmdb__index_corrupt_code(int rc);
/* Classify the file at path without writing anything, not even -wal/-shm; *version is
 * meta.schema_version for OURS and LEGACY. 0, or an error set. */
int cmdb__index_classify(cmdb__index_kind *kind, long long *version, const char *path);
/* The same on an open handle (inside a write transaction: the authoritative answer). */
int cmdb__index_classify_db(cmdb__index_kind *kind, long long *version, sqlite3 *db);
/* meta.schema_version (0 without a meta table); a sqlite code. */
int cmdb__index_schema_version(long long *out, sqlite3 *db);
/* Rename path (and -wal, -shm) to "<path>.corrupt-<UTC time>"; *moved_to is the new name. */
int cmdb__index_move_aside(char **moved_to, const char *path);
/* PRAGMA quick_check on idx: 1 damaged, 0 sound, <0 error set. */
int cmdb__index_quick_check(cmdb_index *idx);
/* 1 when the current user may create or change the index at path (file and directory). */
int cmdb__index_writable(const char *path);
/* A read-only handle on a file the user cannot write; a sqlite code. */
int cmdb__index_open_unwritable(sqlite3 **out, const char *path);
/* The private index of a repository the user cannot write: $XDG_CACHE_HOME/gitcmdb/... */
int cmdb__index_private_path(char **out, git_repository *git);
/* With set: remember that the shared index at shared_path (as it is now) is damaged.
 * Without: 1 when that is remembered and the file has not been replaced since. */
int cmdb__index_mark_damaged(const char *private_path, const char *shared_path, int set);

extern const char cmdb__index_schema_sql[];
extern const char *const cmdb__index_tables[];
extern const char *const cmdb__index_deferred[];

/* Make a handle opened SQLITE_OPEN_READONLY safe for SQL a person typed: reads
 * only (index_guard.c). Returns a sqlite code. */
int cmdb__index_guard_readonly(sqlite3 *db);

/* For readers that hold only the handle (lib/query): record that a read on db failed
 * with rc, so that cmdb_index_damaged() sees SQLITE_CORRUPT/SQLITE_NOTADB. SQLITE_OK
 * forgets db (a newly opened handle). */
void cmdb__index_note_sqlerr(sqlite3 *db, int rc);

/* Set the error from sqlite's last message on db: "<what>: <errmsg> (<path>)"; a
 * corrupt/not-a-database code marks idx damaged and says so. */
int cmdb__index_sqlerr(cmdb_index *idx, const char *what);

/* Called for each regular-file path whose blob differs: blob is the new id, or NULL when gone. */
typedef int (*cmdb__tree_change_cb)(const char *path, const git_oid *blob, void *payload);

/* Report the changed blobs from old to new (either may be NULL = empty), reading only
 * subtrees whose ids differ; file/ at the top and dot-entries are skipped. */
int cmdb__index_tree_diff(git_repository *git, const git_tree *old, const git_tree *new,
	cmdb__tree_change_cb cb, void *payload);

/* Walk main and bring the tables up to date in one BEGIN IMMEDIATE transaction. */
int cmdb__index_build(cmdb_index *idx, int rebuild, int *commits_added);

/*
 * Flatten an item document into attribute rows: a JSON array of
 * [path, value-or-null, vtype] sorted by path, unique by path. Everything but
 * the top-level "relations" is flattened: objects recurse with "." between keys;
 * a list gives one row holding its compact JSON (vtype "list") and, for lists
 * containing objects or lists, rows for each element under "path.<i>".
 */
int cmdb__flatten(json_t **out, const json_t *doc);

/*
 * Relation rows of an item document: a JSON array of [type, dst] sorted and
 * unique. Targets are strings in "relations": {type: [ids]} (a single string is
 * taken as a one-element list; anything else is ignored).
 */
int cmdb__flatten_relations(json_t **out, const json_t *doc);

/*
 * Parse WHEN as a time. Returns 0 with *t (unix seconds) when it is a date,
 * date-time or relative time; 1 when it does not look like a time at all (so it
 * may be a revision); CMDB_EINVALID when it looks like a date but is malformed.
 * now is the reference for relative times.
 */
int cmdb__when_parse_time(long long *t, const char *when, long long now);

/* Format unix seconds as "2026-11-28T22:10:00Z" (20 bytes and the NUL) into buf[32]. */
void cmdb__when_format(char buf[32], long long t);

/* Levenshtein distance of a and b, capped at cap+1 (cheap rejection). */
size_t cmdb__edit_distance(const char *a, const char *b, size_t cap);

#endif
