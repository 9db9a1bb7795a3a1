/*
 * The timed relation graph (relgraph.h): impacting relation rows loaded once, names
 * interned to dense ids, edges bucketed (a counting sort, stable in load order) by the
 * end a walk in the graph's direction follows them from, as lib/query/impact.c's
 * follow() does; a walk is then a breadth-first search over arrays with the edges
 * valid at its seq.
 */
#include <stdlib.h>
#include <string.h>

#include <gitcmdb/schema.h>

#include "query/query_int.h"
#include "query/relgraph.h"
#include "util/alloc.h"
#include "util/error.h"

#define OOM() cmdb__error(CMDB_ERROR, "out of memory")

struct cmdb__relgraph_pend {
	uint32_t near;
	cmdb__relgraph_edge e;
};

int cmdb__relgraph_new(cmdb__relgraph **out, cmdb__relgraph_dir dir)
{
	cmdb__relgraph *g = cmdb__calloc(1, sizeof(*g));

	*out = NULL;
	if (!g || !(g->names = json_object())) {
		free(g);
		return OOM();
	}
	g->dir = dir;
	*out = g;
	return 0;
}

void cmdb__relgraph_free(cmdb__relgraph *g)
{
	if (!g)
		return;
	json_decref(g->names);
	free(g->name);
	free(g->start);
	free(g->e);
	free(g->pend);
	free(g->depth);
	free(g->mark);
	free(g->queue);
	free(g);
}

int cmdb__relgraph_intern(cmdb__relgraph *g, const char *s, uint32_t *id)
{
	json_t *v = json_object_get(g->names, s);

	if (v) {
		*id = (uint32_t)json_integer_value(v);
		return 0;
	}
	if (g->start)
		return cmdb__error(CMDB_ERROR, "relation graph sealed: cannot add %s", s);
	if (g->n == g->cap) {
		uint32_t cap = g->cap ? g->cap * 2 : 1024;
		char **p = cmdb__realloc(g->name, cap * sizeof(*p));

		if (!p)
			return OOM();
		g->name = p, g->cap = cap;
	}
	if (json_object_set_new(g->names, s, json_integer(g->n)) < 0)
		return OOM();
	g->name[g->n] = (char *)json_object_iter_key(json_object_iter_at(g->names, s));
	*id = g->n++;
	return 0;
}

int cmdb__relgraph_lookup(const cmdb__relgraph *g, const char *s, uint32_t *id)
{
	json_t *v = s ? json_object_get(g->names, s) : NULL;

	if (!v)
		return 0;
	*id = (uint32_t)json_integer_value(v);
	return 1;
}

static int push_edge(cmdb__relgraph *g, uint32_t near, cmdb__relgraph_edge e)
{
	if (g->ne == g->ecap) {
		size_t cap = g->ecap ? g->ecap * 2 : 4096;
		cmdb__relgraph_pend *p = cmdb__realloc(g->pend, cap * sizeof(*p));

		if (!p)
			return OOM();
		g->pend = p, g->ecap = cap;
	}
	g->pend[g->ne].near = near;
	g->pend[g->ne++].e = e;
	return 0;
}

/* The edge of a row s -> d whose type has impact dir, in the graph's direction. */
static int add_edge(cmdb__relgraph *g, cmdb_impact_dir dir, uint32_t s, uint32_t d, long long from,
	long long to)
{
	if (g->dir == CMDB__RELGRAPH_DOWNSTREAM)
		/* a target's failure hits the source; a source's (part_of) and a member's
		 * hit the target */
		return dir == CMDB_IMPACT_TARGET
			? push_edge(g, d, (cmdb__relgraph_edge){s, 0, from, to})
			: push_edge(g, s, (cmdb__relgraph_edge){d, 0, from, to});
	/* upstream: what the source needs is the target; a `source` relation's source is
	 * needed by its target; a group (the target of member_of) leads to its members
	 * only as a root */
	switch (dir) {
	case CMDB_IMPACT_TARGET: return push_edge(g, s, (cmdb__relgraph_edge){d, 0, from, to});
	case CMDB_IMPACT_SOURCE: return push_edge(g, d, (cmdb__relgraph_edge){s, 0, from, to});
	case CMDB_IMPACT_MEMBERS: return push_edge(g, d, (cmdb__relgraph_edge){s, 1, from, to});
	default: return 0;
	}
}

int cmdb__relgraph_row(cmdb__relgraph *g, const cmdb_schema *schema, sqlite3_stmt *st)
{
	const char *src = (const char *)sqlite3_column_text(st, 0);
	const char *type = (const char *)sqlite3_column_text(st, 1);
	const char *dst = (const char *)sqlite3_column_text(st, 2);
	long long from = sqlite3_column_int64(st, 3), to = sqlite3_column_int64(st, 4);
	cmdb_impact_dir dir = CMDB_IMPACT_NONE;
	uint32_t s, d;
	int rc;

	if (!src || !type || !dst || cmdb_schema_relation_impact(schema, type, &dir) < 0) {
		cmdb_error_clear();
		return 0;
	}
	if (dir == CMDB_IMPACT_NONE)
		return 0;
	if ((rc = cmdb__relgraph_intern(g, src, &s)) < 0 ||
		(rc = cmdb__relgraph_intern(g, dst, &d)) < 0)
		return rc;
	return add_edge(g, dir, s, d, from, to);
}

int cmdb__relgraph_load(
	cmdb__relgraph *g, const cmdb_schema *schema, sqlite3_stmt *st, const char *what)
{
	int rc = 0, step = SQLITE_DONE;

	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
		rc = cmdb__relgraph_row(g, schema, st);
	if (rc == 0 && step != SQLITE_DONE)
		rc = cmdb__query_sqlerr(sqlite3_db_handle(st), what);
	return rc;
}

int cmdb__relgraph_seal(cmdb__relgraph *g)
{
	if (g->start)
		return 0;
	g->start = cmdb__calloc((size_t)g->n + 1, sizeof(*g->start));
	g->e = cmdb__malloc((g->ne ? g->ne : 1) * sizeof(*g->e));
	g->depth = cmdb__calloc((size_t)g->n + 1, sizeof(*g->depth));
	g->mark = cmdb__calloc((size_t)g->n + 1, sizeof(*g->mark));
	g->queue = cmdb__malloc(((size_t)g->n + 1) * sizeof(*g->queue));
	if (!g->start || !g->e || !g->depth || !g->mark || !g->queue) {
		free(g->start), free(g->e), free(g->depth), free(g->mark), free(g->queue);
		g->start = NULL, g->e = NULL, g->depth = NULL, g->mark = NULL, g->queue = NULL;
		return OOM();
	}
	for (size_t i = 0; i < g->ne; i++)
		g->start[g->pend[i].near + 1]++;
	for (uint32_t k = 0; k < g->n; k++)
		g->start[k + 1] += g->start[k];
	for (size_t i = 0; i < g->ne; i++)
		g->e[g->start[g->pend[i].near]++] = g->pend[i].e;
	for (uint32_t k = g->n; k > 0; k--) /* start[k] ran ahead to the next bucket's */
		g->start[k] = g->start[k - 1];
	g->start[0] = 0;
	free(g->pend);
	g->pend = NULL;
	return 0;
}

void cmdb__relgraph_begin(cmdb__relgraph *g)
{
	g->tail = 0;
	if (++g->stamp == 0) { /* wrapped: forget every mark */
		memset(g->mark, 0, ((size_t)g->n + 1) * sizeof(*g->mark));
		g->stamp = 1;
	}
}

void cmdb__relgraph_root(cmdb__relgraph *g, uint32_t k)
{
	if (k < g->n && g->mark[k] != g->stamp) {
		g->mark[k] = g->stamp, g->depth[k] = 0;
		g->queue[g->tail++] = k;
	}
}

uint32_t cmdb__relgraph_walk(cmdb__relgraph *g, long long seq)
{
	for (uint32_t head = 0; head < g->tail; head++) {
		uint32_t k = g->queue[head];

		for (uint32_t j = g->start[k]; j < g->start[k + 1]; j++) {
			const cmdb__relgraph_edge *e = &g->e[j];

			if (e->from > seq || (e->to && e->to <= seq) ||
				(e->root_only && g->depth[k] != 0) || g->mark[e->far] == g->stamp)
				continue;
			g->mark[e->far] = g->stamp, g->depth[e->far] = g->depth[k] + 1;
			g->queue[g->tail++] = e->far;
		}
	}
	return g->tail;
}
