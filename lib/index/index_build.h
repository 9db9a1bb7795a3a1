/*
 * Shared by the two halves of the index build: index_build.c walks main and
 * records commits; index_item.c turns one changed blob into item, attribute and
 * relation rows. Both write through the statements prepared once per run here.
 */
#ifndef CMDB_LIB_INDEX_BUILD_H
#define CMDB_LIB_INDEX_BUILD_H

#include "index/index_int.h"

enum {
	S_COMMIT,
	S_TRAILER,
	S_HAS_COMMIT,
	S_ITEM,
	S_VER_CLOSE,
	S_VER_ADD,
	S_ATTR_OPEN,
	S_ATTR_CLOSE,
	S_ATTR_ADD,
	S_ATTR_CLOSE_ALL,
	S_REL_OPEN,
	S_REL_CLOSE,
	S_REL_ADD,
	S_REL_CLOSE_ALL,
	S_MAX_SEQ,
	S_N
};

typedef struct cmdb__drift_rec cmdb__drift_rec; /* index/drift.h */

/* One run's state; st[] are prepared by build_in_txn and finalized by cmdb__index_build. */
typedef struct {
	cmdb_index *idx;
	sqlite3_stmt *st[S_N];
	long long next_seq;
	long long time; /* committer time of the mainline commit being applied */
	int added;
	int full; /* the tables were emptied: every row is new */
	cmdb__drift_rec *drift; /* drift bookkeeping of this run (drift.c) */
} build;

/* Reset st[which], bind text/int parameters described by fmt ('s' text or NULL, 'i'
 * int64), step once: 1 for a row, 0 when done, <0 (error set) on failure. */
int cmdb__index_run(build *b, int which, const char *fmt, ...);
/* The same for a statement prepared elsewhere (drift.c). */
int cmdb__index_run_stmt(build *b, sqlite3_stmt *st, const char *fmt, ...);

static inline void cmdb__index_oid_hex(char out[GIT_OID_HEXSZ + 1], const git_oid *oid)
{
	git_oid_tostr(out, GIT_OID_HEXSZ + 1, oid);
}

/* 1 with *id and *type (caller frees) when path is an item file, 0 when it is not. */
int cmdb__index_item_id(char **id, char **type, const char *path);
/* Item id (of type) is gone at seq: close its open version, attribute and relation rows. */
int cmdb__index_close_item(build *b, const char *id, const char *type, long long seq);
/* A new version of item id from blob at seq (a blob that does not parse is recorded). */
int cmdb__index_put_item(build *b, const char *id, const char *type, const char *path,
	const git_oid *blob_id, long long seq);

#endif
