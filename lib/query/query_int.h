/*
 * Internals shared by the query modules (impact.c, find.c, estate_diff.c). The
 * workers take a sqlite3 handle and a resolved seq so unit tests can drive them on
 * hand-built index databases; the public functions in query.h resolve WHEN first.
 */
#ifndef CMDB_LIB_QUERY_INT_H
#define CMDB_LIB_QUERY_INT_H

#include <jansson.h>
#include <stdint.h>
#include <sqlite3.h>

#include "gitcmdb/index.h"
#include "gitcmdb/query.h"

/* Rows valid at seq ?N: the one place the validity rule is spelled out. */
#define CMDB_VALID_AT(n) "from_seq <= ?" #n " AND (to_seq IS NULL OR to_seq > ?" #n ")"

/*
 * Resolve WHEN (NULL = the indexed tip) to *seq and a new {"seq","commit","time"}
 * object *at describing that point. CMDB_ENOTFOUND when the index is empty.
 */
int cmdb__query_point(long long *seq, json_t **at, cmdb_index *idx, const char *when);
/* The same description of a seq, straight from a database. */
int cmdb__query_point_of(json_t **at, sqlite3 *db, long long seq);

/* Set the error from sqlite: "<what>: <sqlite message>"; returns CMDB_ERROR. */
int cmdb__query_sqlerr(sqlite3 *db, const char *what);

/* A stored attribute value as JSON of its vtype (NULL text = null). New reference. */
json_t *cmdb__query_value(const char *text, const char *vtype);

/* 1 if id has a version valid at seq, 0 if not, <0 on error. */
int cmdb__query_item_exists_at(sqlite3 *db, const char *id, long long seq);

/*
 * The impact walk over any graph. next(edges, node, payload) calls
 * cmdb__impact_add(edges, src, type, dst) for every relation to follow from node
 * (already filtered to impacting types, in the walk's direction; any order). The
 * result is the "id", "direction", "items" and "edges" of cmdb_impact's output.
 */
typedef struct cmdb__impact_edges cmdb__impact_edges;
typedef int (*cmdb__impact_next_fn)(cmdb__impact_edges *edges, const char *node, void *payload);

int cmdb__impact_add(cmdb__impact_edges *edges, const char *src, const char *type, const char *dst);
/*
 * For neighbour functions that preload a whole graph: names interned once get
 * small dense ids (0 .. cmdb__impact_names()-1), relations are then added by id,
 * and cmdb__impact_node() is the id of the node being expanded.
 */
int cmdb__impact_intern(cmdb__impact_edges *edges, const char *name, uint32_t *id);
uint32_t cmdb__impact_names(const cmdb__impact_edges *edges);
uint32_t cmdb__impact_node(const cmdb__impact_edges *edges);
int cmdb__impact_add_ids(cmdb__impact_edges *edges, uint32_t src, uint32_t type, uint32_t dst);
int cmdb__impact_walk(json_t **out, const char *root, int upstream, int depth,
	cmdb__impact_next_fn next, void *payload);

/* The index-backed walk at seq: impacts(type) gives each relation type's direction
 * (cmdb_impact_dir: 0 none, 1 target, 2 source, 3 members; see impact.c's follow()).
 * After cmdb__impact_bulk_after expanded items (tests lower it) all relations are loaded at once.
 */
extern int cmdb__impact_bulk_after;
typedef int (*cmdb__impact_type_fn)(const char *type, void *payload);
int cmdb__impact_db(json_t **out, sqlite3 *db, long long seq, const char *root, int upstream,
	int depth, cmdb__impact_type_fn impacts, void *payload);

/* find over a database at seq (expr already parsed by the caller or parsed here). */
int cmdb__find_db(json_t **items, sqlite3 *db, long long seq, const char *expr);

/* estate diff between two seqs of a database: fills the result object's lists. */
int cmdb__estate_diff_db(json_t *result, sqlite3 *db, long long from, long long to);

#endif
