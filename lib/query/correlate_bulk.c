/*
 * Many incidents' correlated drifts at once (the report): the impacting relations of
 * the whole history and every drift are read once; each incident is then a
 * multi-source breadth-first search over arrays (its affected items at depth 0, the
 * relations valid at the commit in force when it opened, followed upstream as
 * lib/query/impact.c's follow() does) and a pass over the drifts in its look-back
 * window, ranked by the same code as cmdb_query_incident_drifts (correlate_int.h).
 * The search from several roots gives every item its smallest depth over the roots,
 * which is what merged_impact keeps of the single walks.
 */
#include <stdlib.h>
#include <string.h>

#include <gitcmdb/schema.h>

#include "util/alloc.h"
#include "util/error.h"
#include "query/correlate.h"
#include "query/correlate_int.h"

#define OOM() cmdb__error(CMDB_ERROR, "out of memory")

typedef struct {
	uint32_t far;
	int root_only; /* a group's members: followed from the walk's roots only */
	long long from, to; /* to 0 = still valid */
} edge;

typedef struct {
	uint32_t node, near;
	edge e;
} load_edge;

typedef struct {
	uint32_t node; /* its item */
	long long seq, time;
} drift;

struct cmdb__correlator {
	cmdb_index *idx;
	json_t *names; /* name -> node */
	char **name;
	uint32_t n, cap;
	uint32_t *start; /* edges of node k: e[start[k] .. start[k + 1]) */
	edge *e;
	load_edge *pend;
	size_t ne, ecap;
	drift *d; /* in (seq, id) order; a ranked one's row is read when listed */
	size_t nd, dcap;
	sqlite3_stmt *row_st;
	json_t **str; /* per node: its name as a JSON string, made once when listed */
	int32_t *depth; /* per node, valid where mark == stamp */
	uint32_t *mark, stamp, *queue;
};

static int intern(cmdb__correlator *c, const char *s, uint32_t *id)
{
	json_t *v = json_object_get(c->names, s);

	if (v) {
		*id = (uint32_t)json_integer_value(v);
		return 0;
	}
	if (c->n == c->cap) {
		uint32_t cap = c->cap ? c->cap * 2 : 1024;
		char **p = cmdb__realloc(c->name, cap * sizeof(*p));

		if (!p)
			return OOM();
		c->name = p, c->cap = cap;
	}
	if (json_object_set_new(c->names, s, json_integer(c->n)) < 0)
		return OOM();
	c->name[c->n] = (char *)json_object_iter_key(json_object_iter_at(c->names, s));
	*id = c->n++;
	return 0;
}

static int push_edge(cmdb__correlator *c, uint32_t near, edge e)
{
	if (c->ne == c->ecap) {
		size_t cap = c->ecap ? c->ecap * 2 : 4096;
		load_edge *p = cmdb__realloc(c->pend, cap * sizeof(*p));

		if (!p)
			return OOM();
		c->pend = p, c->ecap = cap;
	}
	c->pend[c->ne].near = near;
	c->pend[c->ne++].e = e;
	return 0;
}

/* One relation row, bucketed under the end an upstream walk follows it from. */
static int load_relation(cmdb__correlator *c, const cmdb_schema *schema, sqlite3_stmt *st)
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
	if ((rc = intern(c, src, &s)) < 0 || (rc = intern(c, dst, &d)) < 0)
		return rc;
	/* upstream: what the source needs is the target; a `source` relation's source is
	 * needed by its target; a group (the target of member_of) leads to its members
	 * only as a root */
	switch (dir) {
	case CMDB_IMPACT_TARGET: return push_edge(c, s, (edge){d, 0, from, to});
	case CMDB_IMPACT_SOURCE: return push_edge(c, d, (edge){s, 0, from, to});
	case CMDB_IMPACT_MEMBERS: return push_edge(c, d, (edge){s, 1, from, to});
	default: return 0;
	}
}

static int load_drift(cmdb__correlator *c, sqlite3_stmt *st)
{
	uint32_t node;
	int rc;

	if ((rc = intern(c, (const char *)sqlite3_column_text(st, 0), &node)) < 0)
		return rc;
	if (c->nd == c->dcap) {
		size_t cap = c->dcap ? c->dcap * 2 : 4096;
		drift *g = cmdb__realloc(c->d, cap * sizeof(*g));

		if (!g)
			return OOM();
		c->d = g, c->dcap = cap;
	}
	c->d[c->nd++] = (drift){node, sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2)};
	return 0;
}

/* The row of drift d (cmdb__correlate_drift_row), read by its key. */
static int drift_json(json_t **out, cmdb__correlator *c, const drift *d)
{
	static const char sql[] = "SELECT " CMDB__CORRELATE_DRIFT_COLS " FROM drifts d JOIN "
				  "commits c ON c.seq = d.seq WHERE d.id = ?1 AND d.seq = ?2";
	sqlite3 *db = cmdb_index_db(c->idx);
	int step;

	*out = NULL;
	if (!c->row_st && sqlite3_prepare_v2(db, sql, -1, &c->row_st, NULL) != SQLITE_OK)
		return cmdb__query_sqlerr(db, "cannot read the drifts");
	sqlite3_reset(c->row_st);
	sqlite3_bind_text(c->row_st, 1, c->name[d->node], -1, SQLITE_STATIC);
	sqlite3_bind_int64(c->row_st, 2, d->seq);
	if ((step = sqlite3_step(c->row_st)) != SQLITE_ROW)
		return step == SQLITE_DONE
			? cmdb__error(CMDB_ERROR, "drift %s at %lld vanished from the index",
				  c->name[d->node], d->seq)
			: cmdb__query_sqlerr(db, "cannot read the drifts");
	if (!(*out = cmdb__correlate_drift_row(c->row_st)))
		return OOM();
	/* drift_row's pack took a second reference of its O values: drop them */
	json_decref(json_object_get(*out, "paths"));
	json_decref(json_object_get(*out, "change"));
	json_decref(json_object_get(*out, "how"));
	return 0;
}

static int read_all(cmdb__correlator *c, const char *sql, const cmdb_schema *schema)
{
	sqlite3 *db = cmdb_index_db(c->idx);
	sqlite3_stmt *st = NULL;
	int rc = 0, step = SQLITE_DONE;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return cmdb__query_sqlerr(db, "cannot read the index");
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
		rc = schema ? load_relation(c, schema, st) : load_drift(c, st);
	if (rc == 0 && step != SQLITE_DONE)
		rc = cmdb__query_sqlerr(db, "cannot read the index");
	sqlite3_finalize(st);
	return rc;
}

/* Bucket the loaded edges by near end (a counting sort) and size the walk's arrays. */
static int bucket(cmdb__correlator *c)
{
	c->start = cmdb__calloc((size_t)c->n + 1, sizeof(*c->start));
	c->e = cmdb__malloc((c->ne ? c->ne : 1) * sizeof(*c->e));
	c->depth = cmdb__calloc((size_t)c->n + 1, sizeof(*c->depth));
	c->mark = cmdb__calloc((size_t)c->n + 1, sizeof(*c->mark));
	c->queue = cmdb__malloc(((size_t)c->n + 1) * sizeof(*c->queue));
	c->str = cmdb__calloc((size_t)c->n + 1, sizeof(*c->str));
	if (!c->start || !c->e || !c->depth || !c->mark || !c->queue || !c->str)
		return OOM();
	for (size_t i = 0; i < c->ne; i++)
		c->start[c->pend[i].near + 1]++;
	for (uint32_t k = 0; k < c->n; k++)
		c->start[k + 1] += c->start[k];
	for (size_t i = 0; i < c->ne; i++)
		c->e[c->start[c->pend[i].near]++] = c->pend[i].e;
	for (uint32_t k = c->n; k > 0; k--)
		c->start[k] = c->start[k - 1];
	c->start[0] = 0;
	free(c->pend);
	c->pend = NULL;
	return 0;
}

int cmdb__correlator_open(cmdb__correlator **out, cmdb_index *idx)
{
	static const char rels[] = "SELECT src, type, dst, from_seq, to_seq FROM relations";
	static const char drifts[] = "SELECT d.id, d.seq, d.time FROM drifts d JOIN commits c ON "
				     "c.seq = d.seq ORDER BY d.seq, d.id";
	cmdb__correlator *c = cmdb__calloc(1, sizeof(*c));
	cmdb_schema *schema = NULL;
	int rc;

	*out = NULL;
	if (!c || !(c->names = json_object())) {
		free(c);
		return OOM();
	}
	c->idx = idx;
	/* drift items are interned too (before bucketing: the arrays are per node) */
	if ((rc = cmdb_schema_load_builtin(&schema)) < 0 || (rc = read_all(c, rels, schema)) < 0 ||
		(rc = read_all(c, drifts, NULL)) < 0 || (rc = bucket(c)) < 0) {
		cmdb_schema_free(schema);
		cmdb__correlator_free(c);
		return rc;
	}
	cmdb_schema_free(schema);
	*out = c;
	return 0;
}

void cmdb__correlator_free(cmdb__correlator *c)
{
	if (!c)
		return;
	sqlite3_finalize(c->row_st);
	free(c->d);
	for (uint32_t k = 0; c->str && k < c->n; k++)
		json_decref(c->str[k]);
	free(c->str);
	json_decref(c->names);
	free(c->name);
	free(c->start);
	free(c->e);
	free(c->pend);
	free(c->depth);
	free(c->mark);
	free(c->queue);
	free(c);
}

/* Depth of every node the roots need at seq (mark == stamp), breadth first. */
static void walk(cmdb__correlator *c, const json_t *roots, long long seq)
{
	uint32_t head = 0, tail = 0;
	const json_t *r;
	size_t i;

	if (++c->stamp == 0) { /* wrapped: forget every mark */
		memset(c->mark, 0, ((size_t)c->n + 1) * sizeof(*c->mark));
		c->stamp = 1;
	}
	json_array_foreach(roots, i, r)
	{
		json_t *v = json_object_get(c->names, json_string_value(r));
		uint32_t k = (uint32_t)json_integer_value(v);

		if (v && c->mark[k] != c->stamp) {
			c->mark[k] = c->stamp, c->depth[k] = 0;
			c->queue[tail++] = k;
		}
	}
	while (head < tail) {
		uint32_t k = c->queue[head++];

		for (uint32_t j = c->start[k]; j < c->start[k + 1]; j++) {
			const edge *e = &c->e[j];

			if (e->from > seq || (e->to && e->to <= seq) ||
				(e->root_only && c->depth[k] != 0) || c->mark[e->far] == c->stamp)
				continue;
			c->mark[e->far] = c->stamp, c->depth[e->far] = c->depth[k] + 1;
			c->queue[tail++] = e->far;
		}
	}
}

/* The ranked rows of the candidates v[0..n) (refs into c->d), the first limit. */
static int rows_of(json_t **out, cmdb__correlator *c, cmdb__correlate_cand *v, size_t n,
	size_t limit, long long to)
{
	json_t *list = json_array();
	int rc = 0;

	*out = NULL;
	if (!list)
		return OOM();
	cmdb__correlate_sort(v, n);
	for (size_t i = 0; rc == 0 && i < n && (!limit || i < limit); i++) {
		const drift *d = &c->d[v[i].ref];
		json_t *row = NULL;

		if ((rc = drift_json(&row, c, d)) < 0)
			break;
		if (json_object_set_new(row, "depth", json_integer(c->depth[d->node])) < 0 ||
			json_object_set_new(row, "before_s", json_integer(to - d->time)) < 0 ||
			json_object_set_new(row, "rank", json_integer((json_int_t)i + 1)) < 0) {
			json_decref(row);
			rc = OOM();
		} else if (json_array_append_new(list, row) < 0)
			rc = OOM();
	}
	if (rc < 0)
		json_decref(list);
	else
		*out = list;
	return rc;
}

int cmdb__correlator_incident(
	json_t **out, cmdb__correlator *c, const char *id, long long lookback_s, size_t limit)
{
	sqlite3 *db = cmdb_index_db(c->idx);
	json_t *doc = NULL, *affected = NULL;
	cmdb__correlate_cand *v = NULL;
	char *iid = NULL;
	long long opened, from;
	size_t n = 0;
	int rc;

	*out = NULL;
	if (lookback_s <= 0)
		lookback_s = CMDB__CORRELATE_LOOKBACK;
	iid = strncmp(id, "incident/", 9) ? cmdb__sprintf("incident/%s", id) : cmdb__strdup(id);
	if (!iid || !(v = cmdb__calloc(c->nd ? c->nd : 1, sizeof(*v)))) {
		rc = OOM();
		goto done;
	}
	if ((rc = cmdb__correlate_incident(&doc, &opened, c->idx, iid)) < 0 ||
		(rc = cmdb__correlate_targets(&affected, db, iid, "affects")) < 0)
		goto done;
	walk(c, affected, cmdb__correlate_seq_at(db, opened));
	from = opened - lookback_s;
	for (size_t i = 0; i < c->nd; i++) {
		const drift *d = &c->d[i];

		if (d->time < from || d->time > opened || c->mark[d->node] != c->stamp)
			continue;
		v[n] = (cmdb__correlate_cand){0, d->time, c->name[d->node], i};
		cmdb__correlate_score(&v[n++], c->depth[d->node], from, opened);
	}
	rc = rows_of(out, c, v, n, limit, opened);
done:
	free(v);
	free(iid);
	json_decref(doc);
	json_decref(affected);
	return rc;
}

typedef struct {
	const char *id;
	int32_t depth;
	uint32_t node;
} reached;

static int reached_cmp(const void *x, const void *y)
{
	const reached *a = x, *b = y;

	if (a->depth != b->depth)
		return a->depth < b->depth ? -1 : 1;
	return strcmp(a->id, b->id);
}

int cmdb__correlator_upstream(json_t **out, cmdb__correlator *c, const char *root, long long seq)
{
	json_t *roots = json_pack("[s]", root), *list = json_array();
	reached *r = NULL;
	uint32_t n = 0;
	int rc = 0;

	*out = NULL;
	if (!roots || !list || !(r = cmdb__calloc((size_t)c->n + 1, sizeof(*r)))) {
		rc = OOM();
		goto done;
	}
	walk(c, roots, seq);
	for (uint32_t k = 0; k < c->n; k++)
		if (c->mark[k] == c->stamp && c->depth[k] > 0)
			r[n++] = (reached){c->name[k], c->depth[k], k};
	qsort(r, n, sizeof(*r), reached_cmp);
	for (uint32_t i = 0; rc == 0 && i < n; i++) {
		json_t **sv = &c->str[r[i].node]; /* shared by every list naming the item */

		if ((!*sv && !(*sv = json_string(r[i].id))) || json_array_append(list, *sv) < 0)
			rc = OOM();
	}
done:
	free(r);
	json_decref(roots);
	if (rc < 0)
		json_decref(list);
	else
		*out = list;
	return rc;
}
