/*
 * The impact graph of the whole history in memory, for the service levels: every
 * impacting relation row (with its validity interval) loaded once, names interned to
 * dense ids, rows bucketed by the end a downstream walk follows them from (as
 * lib/query/impact.c's follow()). One walk per incident is then a BFS over arrays with
 * the rows valid at the incident's seq, instead of a query walk each.
 */
#include <stdlib.h>
#include <string.h>

#include "gitcmdb/schema.h"
#include "report/sla_graph.h"

typedef struct {
	uint32_t far;
	long long from, to; /* to 0 = still valid */
} edge;

struct cmdb__sla_graph {
	json_t *names; /* name -> id */
	char **name; /* id -> name (borrowed from names' keys) */
	uint32_t n, cap;
	uint32_t *start; /* edges of node k: e[start[k] .. start[k+1]) */
	edge *e;
	uint32_t *near; /* while loading: the node each edge is followed from */
	size_t ne, ecap;
	uint32_t *seen, stamp, *queue;
	unsigned char *want; /* per node: reported by hits (cmdb__sla_graph_want) */
};

static int intern(cmdb__sla_graph *g, const char *s, uint32_t *id)
{
	json_t *v = json_object_get(g->names, s);

	if (v) {
		*id = (uint32_t)json_integer_value(v);
		return 0;
	}
	if (g->n == g->cap) {
		uint32_t cap = g->cap ? g->cap * 2 : 1024;
		char **p = realloc(g->name, cap * sizeof(*p));

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

static int add_edge(cmdb__sla_graph *g, uint32_t near, uint32_t far, long long from, long long to)
{
	if (g->ne == g->ecap) {
		size_t cap = g->ecap ? g->ecap * 2 : 4096;
		edge *e = realloc(g->e, cap * sizeof(*e));
		uint32_t *n = e ? realloc(g->near, cap * sizeof(*n)) : NULL;

		if (e)
			g->e = e;
		if (!e || !n)
			return OOM();
		g->near = n, g->ecap = cap;
	}
	g->e[g->ne] = (edge){far, from, to};
	g->near[g->ne++] = near;
	return 0;
}

static int load_row(cmdb__sla_graph *g, const cmdb_schema *schema, sqlite3_stmt *st)
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
	if ((rc = intern(g, src, &s)) < 0 || (rc = intern(g, dst, &d)) < 0)
		return rc;
	/* downstream: a target's failure hits the source; a source's (part_of) and a
	 * member's hit the target */
	return dir == CMDB_IMPACT_TARGET ? add_edge(g, d, s, from, to)
					 : add_edge(g, s, d, from, to);
}

static int bucket(cmdb__sla_graph *g)
{
	edge *out = malloc((g->ne ? g->ne : 1) * sizeof(*out));

	g->start = calloc((size_t)g->n + 1, sizeof(*g->start));
	g->seen = calloc((size_t)g->n + 1, sizeof(*g->seen));
	g->queue = malloc(((size_t)g->n + 1) * sizeof(*g->queue));
	g->want = calloc((size_t)g->n + 1, 1);
	if (!out || !g->start || !g->seen || !g->queue || !g->want) {
		free(out);
		return OOM();
	}
	for (size_t i = 0; i < g->ne; i++)
		g->start[g->near[i] + 1]++;
	for (uint32_t k = 0; k < g->n; k++)
		g->start[k + 1] += g->start[k];
	for (size_t i = 0; i < g->ne; i++)
		out[g->start[g->near[i]]++] = g->e[i];
	for (uint32_t k = g->n; k > 0; k--) /* start[k] ran ahead to the next bucket's */
		g->start[k] = g->start[k - 1];
	g->start[0] = 0;
	free(g->e);
	free(g->near);
	g->e = out, g->near = NULL;
	return 0;
}

int cmdb__sla_graph_load(
	cmdb__sla_graph **out, cmdb_index *idx, const cmdb_schema *schema, long long until_seq)
{
	static const char sql[] = "SELECT src, type, dst, from_seq, to_seq FROM relations WHERE "
				  "from_seq <= ?1";
	sqlite3 *db = cmdb_index_db(idx);
	sqlite3_stmt *st = NULL;
	cmdb__sla_graph *g = calloc(1, sizeof(*g));
	int rc = 0, step = SQLITE_DONE;

	*out = NULL;
	if (!g || !(g->names = json_object())) {
		free(g);
		return OOM();
	}
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		rc = cmdb__query_sqlerr(db, "cannot read relations");
	else {
		sqlite3_bind_int64(st, 1, until_seq);
		while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
			rc = load_row(g, schema, st);
		if (rc == 0 && step != SQLITE_DONE)
			rc = cmdb__query_sqlerr(db, "cannot read relations");
	}
	sqlite3_finalize(st);
	if (rc == 0)
		rc = bucket(g);
	if (rc < 0) {
		cmdb__sla_graph_free(g);
		return rc;
	}
	*out = g;
	return 0;
}

void cmdb__sla_graph_free(cmdb__sla_graph *g)
{
	if (!g)
		return;
	json_decref(g->names);
	free(g->name);
	free(g->start);
	free(g->e);
	free(g->near);
	free(g->seen);
	free(g->queue);
	free(g->want);
	free(g);
}

void cmdb__sla_graph_want(cmdb__sla_graph *g, const char *id)
{
	json_t *v = json_object_get(g->names, id);

	if (v)
		g->want[json_integer_value(v)] = 1;
}

int cmdb__sla_graph_hits(cmdb__sla_graph *g, const char *ci, long long seq,
	int (*hit)(const char *id, void *payload), void *payload)
{
	json_t *v = json_object_get(g->names, ci);
	uint32_t head = 0, tail = 0;
	int rc = 0;

	if (!v)
		return 0;
	if (++g->stamp == 0) { /* wrapped: forget every mark */
		memset(g->seen, 0, ((size_t)g->n + 1) * sizeof(*g->seen));
		g->stamp = 1;
	}
	g->queue[tail++] = (uint32_t)json_integer_value(v);
	g->seen[g->queue[0]] = g->stamp;
	while (rc == 0 && head < tail) {
		uint32_t k = g->queue[head++];

		for (uint32_t i = g->start[k]; i < g->start[k + 1]; i++) {
			const edge *e = &g->e[i];

			if (e->from > seq || (e->to && e->to <= seq) || g->seen[e->far] == g->stamp)
				continue;
			g->seen[e->far] = g->stamp;
			g->queue[tail++] = e->far;
			if (g->want[e->far])
				rc = hit(g->name[e->far], payload);
		}
	}
	return rc;
}
