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
#include "query/relgraph.h"

#define OOM() cmdb__error(CMDB_ERROR, "out of memory")

typedef struct {
	uint32_t node; /* its item */
	long long seq, time;
} drift;

struct cmdb__correlator {
	cmdb_index *idx;
	cmdb__relgraph *g; /* upstream; drift items are its nodes too */
	drift *d; /* in (seq, id) order; a ranked one's row is read when listed */
	size_t nd, dcap;
	sqlite3_stmt *row_st;
	json_t **str; /* per node: its name as a JSON string, made once when listed */
};

static int load_drift(cmdb__correlator *c, sqlite3_stmt *st)
{
	uint32_t node;
	int rc;

	if ((rc = cmdb__relgraph_intern(c->g, (const char *)sqlite3_column_text(st, 0), &node)) < 0)
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
	sqlite3_bind_text(c->row_st, 1, c->g->name[d->node], -1, SQLITE_STATIC);
	sqlite3_bind_int64(c->row_st, 2, d->seq);
	if ((step = sqlite3_step(c->row_st)) != SQLITE_ROW)
		return step == SQLITE_DONE
			? cmdb__error(CMDB_ERROR, "drift %s at %lld vanished from the index",
				  c->g->name[d->node], d->seq)
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
		rc = schema ? cmdb__relgraph_row(c->g, schema, st) : load_drift(c, st);
	if (rc == 0 && step != SQLITE_DONE)
		rc = cmdb__query_sqlerr(db, "cannot read the index");
	sqlite3_finalize(st);
	return rc;
}

/* Seal the graph (no more nodes) and size the per-node names. */
static int seal(cmdb__correlator *c)
{
	int rc;

	if ((rc = cmdb__relgraph_seal(c->g)) < 0)
		return rc;
	if (!(c->str = cmdb__calloc((size_t)c->g->n + 1, sizeof(*c->str))))
		return OOM();
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
	if (!c)
		return OOM();
	if ((rc = cmdb__relgraph_new(&c->g, CMDB__RELGRAPH_UPSTREAM)) < 0) {
		free(c);
		return rc;
	}
	c->idx = idx;
	/* drift items are interned too (before sealing: the arrays are per node) */
	if ((rc = cmdb_schema_load_builtin(&schema)) < 0 || (rc = read_all(c, rels, schema)) < 0 ||
		(rc = read_all(c, drifts, NULL)) < 0 || (rc = seal(c)) < 0) {
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
	for (uint32_t k = 0; c->str && k < c->g->n; k++)
		json_decref(c->str[k]);
	free(c->str);
	cmdb__relgraph_free(c->g);
	free(c);
}

/* Depth of every node the roots need at seq (cmdb__relgraph_reached), breadth first. */
static void walk(cmdb__correlator *c, const json_t *roots, long long seq)
{
	const json_t *r;
	uint32_t k;
	size_t i;

	cmdb__relgraph_begin(c->g);
	json_array_foreach(roots, i, r)
	{
		if (cmdb__relgraph_lookup(c->g, json_string_value(r), &k))
			cmdb__relgraph_root(c->g, k);
	}
	cmdb__relgraph_walk(c->g, seq);
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
		if (json_object_set_new(row, "depth", json_integer(c->g->depth[d->node])) < 0 ||
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

		if (d->time < from || d->time > opened || !cmdb__relgraph_reached(c->g, d->node))
			continue;
		v[n] = (cmdb__correlate_cand){0, d->time, c->g->name[d->node], i};
		cmdb__correlate_score(&v[n++], c->g->depth[d->node], from, opened);
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
	if (!roots || !list || !(r = cmdb__calloc((size_t)c->g->n + 1, sizeof(*r)))) {
		rc = OOM();
		goto done;
	}
	walk(c, roots, seq);
	for (uint32_t k = 0; k < c->g->n; k++)
		if (cmdb__relgraph_reached(c->g, k) && c->g->depth[k] > 0)
			r[n++] = (reached){c->g->name[k], c->g->depth[k], k};
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
