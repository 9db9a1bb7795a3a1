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
	char *warning; /* set by open when it had to recover; NULL otherwise */
	unsigned flags;
	int sql_rc; /* sqlite's extended code behind the last error we reported */
};

#define CMDB__INDEX_BUSY_MS 10000 /* how long a writer waits for another's lock */

extern const char cmdb__index_schema_sql[];
extern const char *const cmdb__index_tables[];
extern const char *const cmdb__index_deferred[];

/* Make a handle opened SQLITE_OPEN_READONLY safe for SQL a person typed: reads
 * only (index_guard.c). Returns a sqlite code. */
int cmdb__index_guard_readonly(sqlite3 *db);

/* Set the error from sqlite's last message on db: "<what>: <errmsg> (<path>)". */
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

/* Format unix seconds as "2026-11-28T22:10:00Z" into buf[21]. */
void cmdb__when_format(char buf[32], long long t);

/* Levenshtein distance of a and b, capped at cap+1 (cheap rejection). */
size_t cmdb__edit_distance(const char *a, const char *b, size_t cap);

#endif
