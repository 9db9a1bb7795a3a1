/*
 * The impacting relations of the whole history in memory (relgraph.c): names interned
 * to dense node ids, every row an edge with its validity interval, bucketed by the end
 * a walk in the chosen direction follows it from, and a breadth-first walk over the
 * edges valid at a seq. Used by the report's service levels (downstream) and the
 * load-once incident correlation (upstream).
 */
#ifndef CMDB_LIB_QUERY_RELGRAPH_H
#define CMDB_LIB_QUERY_RELGRAPH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

typedef struct cmdb_schema cmdb_schema;

typedef enum {
	CMDB__RELGRAPH_DOWNSTREAM, /* what a failure of a node hits */
	CMDB__RELGRAPH_UPSTREAM, /* what a node needs */
} cmdb__relgraph_dir;

typedef struct {
	uint32_t far;
	int root_only; /* upstream, a group's members: followed from the walk's roots only */
	long long from, to; /* valid in [from, to); to 0 = still valid */
} cmdb__relgraph_edge;

typedef struct cmdb__relgraph_pend cmdb__relgraph_pend;

/* Read the fields, never write them; the node arrays exist once sealed. */
typedef struct {
	cmdb__relgraph_dir dir;
	json_t *names; /* name -> node */
	char **name; /* node -> name (borrowed from names' keys) */
	uint32_t n, cap;
	uint32_t *start; /* edges of node k: e[start[k] .. start[k + 1]) */
	cmdb__relgraph_edge *e;
	cmdb__relgraph_pend *pend; /* while loading: the edges and their near ends */
	size_t ne, ecap;
	int32_t *depth; /* per node, valid where mark == stamp */
	uint32_t *mark, stamp;
	uint32_t *queue; /* the last walk's nodes in visiting order, roots first */
	uint32_t tail;
} cmdb__relgraph;

int cmdb__relgraph_new(cmdb__relgraph **out, cmdb__relgraph_dir dir);
void cmdb__relgraph_free(cmdb__relgraph *g);

/* The node of name, made if new (only before sealing). */
int cmdb__relgraph_intern(cmdb__relgraph *g, const char *name, uint32_t *id);
/* 1 and *id when name is a node, else 0. */
int cmdb__relgraph_lookup(const cmdb__relgraph *g, const char *name, uint32_t *id);

/* One relations row (src, type, dst, from_seq, to_seq): an edge when the schema gives
 * its type an impact direction; rows of unknown or non-impacting types are skipped. */
int cmdb__relgraph_row(cmdb__relgraph *g, const cmdb_schema *schema, sqlite3_stmt *st);
/* Every row of st (stepped to the end); a step error says what. */
int cmdb__relgraph_load(
	cmdb__relgraph *g, const cmdb_schema *schema, sqlite3_stmt *st, const char *what);
/* Bucket the edges by near end and size the walk's arrays: no more nodes or edges. */
int cmdb__relgraph_seal(cmdb__relgraph *g);

/* A walk over a sealed graph: begin, add the roots (depth 0, repeats ignored), then
 * walk over the edges valid at seq; returns how many nodes it reached (g->queue). */
void cmdb__relgraph_begin(cmdb__relgraph *g);
void cmdb__relgraph_root(cmdb__relgraph *g, uint32_t k);
uint32_t cmdb__relgraph_walk(cmdb__relgraph *g, long long seq);

static inline int cmdb__relgraph_reached(const cmdb__relgraph *g, uint32_t k)
{
	return g->mark[k] == g->stamp;
}

#endif
