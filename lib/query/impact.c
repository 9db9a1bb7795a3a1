/*
 * Impact analysis (the walk itself is lib/query/impact_walk.c): breadth-first over relations whose
 * type says a failure of the target impacts the source (schemas/relations.yaml). Downstream (the
 * default) walks edges backwards: who points at X is hit when X fails. Upstream walks them
 * forwards: what X needs. Breadth-first gives every reached item its shortest
 * chain of relations; a visited set makes cycles terminate.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "gitcmdb/schema.h"
#include "query/query_int.h"

#define OOM() cmdb__error(CMDB_ERROR, "out of memory")

/*
 * The index-backed neighbour function. Small walks (the usual "what runs on this
 * host") ask SQLite per item; once a walk has expanded cmdb__impact_bulk_after items it is a big
 * one, and every impacting relation valid at seq is loaded once: its names are
 * interned into the walk's dense ids and the relations bucketed by near end
 * (a counting sort, no string comparisons), so a walk over the whole estate
 * costs one table scan and then array reads, not a query per item.
 */
int cmdb__impact_bulk_after = 512; /* ~per-item queries worth one load of every relation */

typedef struct {
	uint32_t near, src, type, dst; /* walk ids */
} bulk_row;

typedef struct {
	sqlite3_stmt *st, *st_src; /* relations by dst, by src */
	sqlite3 *db;
	long long seq;
	int upstream;
	int expanded; /* nodes expanded so far (the first is the root) */
	int calls; /* non-root expansions */
	int loaded;
	bulk_row *rows; /* bucketed by near end: node n's are rows[start[n] .. start[n + 1]) */
	uint32_t *start;
	uint32_t nstart; /* ids interned when loading; later ones have no relations */
	signed char *tkeep; /* per walk id of a relation type: 0 unasked, else its direction + 1 */
	uint32_t ntkeep;
	json_t *type_ok; /* relation type -> true/false, asked once per type */
	cmdb__impact_type_fn impacts;
	void *payload;
} db_walk;

/* The impact direction of a relation type (cmdb_impact_dir), asked once per type. */
static int keep_type(db_walk *w, const char *type)
{
	json_t *dir = json_object_get(w->type_ok, type);

	if (!dir) {
		int d = w->impacts(type, w->payload);

		dir = json_integer(d >= CMDB_IMPACT_NONE && d <= CMDB_IMPACT_MEMBERS ? d : 0);
		if (json_object_set_new(w->type_ok, type, dir) < 0)
			return OOM();
	}
	return (int)json_integer_value(dir);
}

/* keep_type by interned id: the string lookup once per type, not per relation. */
static int keep_type_id(db_walk *w, uint32_t tid, const char *type)
{
	int rc;

	if (tid >= w->ntkeep) {
		uint32_t n = tid + 64;
		signed char *g = cmdb__realloc(w->tkeep, n);

		if (!g)
			return OOM();
		memset(g + w->ntkeep, 0, n - w->ntkeep);
		w->tkeep = g;
		w->ntkeep = n;
	}
	if (!w->tkeep[tid]) {
		if ((rc = keep_type(w, type)) < 0)
			return rc;
		w->tkeep[tid] = (signed char)(rc + 1);
	}
	return w->tkeep[tid] - 1;
}

/*
 * Is a relation of direction dir followed from the node at its source end (at_src) or
 * its target end? Downstream follows failures: from the target of a `target` relation
 * to its source, from the source of a `source` relation to its target, from a member to
 * its group, and from a group that is the walk's root to its members. Upstream is the
 * reverse, except that a group is what its members are: only a root group leads to them.
 */
static int follow(int dir, int at_src, int upstream, int root)
{
	switch (dir) {
	case CMDB_IMPACT_TARGET: return upstream ? at_src : !at_src;
	case CMDB_IMPACT_SOURCE: return upstream ? !at_src : at_src;
	case CMDB_IMPACT_MEMBERS: return upstream ? !at_src && root : at_src || root;
	default: return 0;
	}
}

/* Bucket rows[0..n) by near end into w->rows/w->start (counting sort over ids). */
static int bucket(db_walk *w, const bulk_row *rows, size_t n, uint32_t nids)
{
	uint32_t *start = cmdb__calloc((size_t)nids + 1, sizeof(*start));
	bulk_row *out = cmdb__malloc((n ? n : 1) * sizeof(*out));

	if (!start || !out) {
		free(start);
		free(out);
		return OOM();
	}
	for (size_t i = 0; i < n; i++)
		start[rows[i].near + 1]++;
	for (uint32_t k = 0; k < nids; k++)
		start[k + 1] += start[k];
	for (size_t i = 0; i < n; i++) /* start[near] runs ahead while filling ... */
		out[start[rows[i].near]++] = rows[i];
	for (uint32_t k = nids; k > 0; k--) /* ... so shift it back by one bucket */
		start[k] = start[k - 1];
	start[0] = 0;
	w->rows = out;
	w->start = start;
	w->nstart = nids;
	return 0;
}

static int load_all(db_walk *w, cmdb__impact_edges *edges)
{
	static const char sql[] = "SELECT src, type, dst FROM relations WHERE " CMDB_VALID_AT(1);
	sqlite3_stmt *st = NULL;
	bulk_row *rows = NULL;
	size_t n = 0, cap = 0;
	int rc = 0, step = SQLITE_DONE;

	if (sqlite3_prepare_v2(w->db, sql, -1, &st, NULL) != SQLITE_OK)
		return cmdb__query_sqlerr(w->db, "cannot read relations");
	sqlite3_bind_int64(st, 1, w->seq);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *src = (const char *)sqlite3_column_text(st, 0);
		const char *type = (const char *)sqlite3_column_text(st, 1);
		const char *dst = (const char *)sqlite3_column_text(st, 2);
		bulk_row r;

		int dir;

		if (!src || !type || !dst || (rc = cmdb__impact_intern(edges, type, &r.type)) < 0 ||
			(rc = dir = keep_type_id(w, r.type, type)) <= 0)
			continue;
		rc = 0;
		if (n + 2 > cap) {
			bulk_row *g =
				cmdb__realloc(rows, (cap = cap ? cap * 2 : 4096) * sizeof(*g));

			if (!g) {
				rc = OOM();
				break;
			}
			rows = g;
		}
		if ((rc = cmdb__impact_intern(edges, src, &r.src)) < 0 ||
			(rc = cmdb__impact_intern(edges, dst, &r.dst)) < 0)
			break;
		/* bucketed under each end it is followed from (the root was expanded already) */
		if (follow(dir, 1, w->upstream, 0))
			r.near = r.src, rows[n++] = r;
		if (follow(dir, 0, w->upstream, 0) &&
			!(r.src == r.dst && follow(dir, 1, w->upstream, 0))) /* a self-loop once */
			r.near = r.dst, rows[n++] = r;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = cmdb__query_sqlerr(w->db, "cannot read relations");
	sqlite3_finalize(st);
	if (rc == 0 && (rc = bucket(w, rows, n, cmdb__impact_names(edges))) == 0)
		w->loaded = 1;
	free(rows);
	return rc < 0 ? rc : 0;
}

static int bulk_next(db_walk *w, cmdb__impact_edges *edges)
{
	uint32_t node = cmdb__impact_node(edges);
	int rc = 0;

	if (node >= w->nstart) /* first named after the load: no relation mentions it */
		return 0;
	for (uint32_t i = w->start[node]; rc == 0 && i < w->start[node + 1]; i++)
		rc = cmdb__impact_add_ids(edges, w->rows[i].src, w->rows[i].type, w->rows[i].dst);
	return rc;
}

/* The relations at one end of node (st: by dst or by src) that the walk follows. */
static int next_at(db_walk *w, cmdb__impact_edges *edges, sqlite3_stmt *st, const char *node,
	int at_src, int root)
{
	int rc = 0, dir, step = SQLITE_DONE;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, node, -1, SQLITE_TRANSIENT);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(st, 1);

		if (!type || (rc = dir = keep_type(w, type)) < 0)
			break;
		rc = 0;
		if (follow(dir, at_src, w->upstream, root))
			rc = cmdb__impact_add(edges, (const char *)sqlite3_column_text(st, 0), type,
				(const char *)sqlite3_column_text(st, 2));
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = cmdb__query_sqlerr(w->db, "cannot read relations");
	return rc < 0 ? rc : 0;
}

static int db_next(cmdb__impact_edges *edges, const char *node, void *payload)
{
	db_walk *w = payload;
	int rc = 0, root = !w->expanded++;

	/* the root always asks SQLite: only there does a group lead to its members */
	if (!root && !w->loaded && ++w->calls > cmdb__impact_bulk_after &&
		(rc = load_all(w, edges)) < 0)
		return rc;
	if (!root && w->loaded)
		return bulk_next(w, edges);
	if ((rc = next_at(w, edges, w->st, node, 0, root)) < 0)
		return rc;
	return next_at(w, edges, w->st_src, node, 1, root);
}

int cmdb__impact_db(json_t **out, sqlite3 *db, long long seq, const char *root, int upstream,
	int depth, cmdb__impact_type_fn impacts, void *payload)
{
	static const char down[] =
		"SELECT src, type, dst FROM relations WHERE dst = ?1 AND " CMDB_VALID_AT(2);
	static const char up[] =
		"SELECT src, type, dst FROM relations WHERE src = ?1 AND " CMDB_VALID_AT(2);
	db_walk w = {NULL, NULL, db, seq, upstream, 0, 0, 0, NULL, NULL, 0, NULL, 0, json_object(),
		impacts, payload};
	int rc;

	*out = NULL;
	if (!w.type_ok)
		return OOM();
	if (sqlite3_prepare_v2(db, down, -1, &w.st, NULL) != SQLITE_OK ||
		sqlite3_prepare_v2(db, up, -1, &w.st_src, NULL) != SQLITE_OK) {
		rc = cmdb__query_sqlerr(db, "cannot read relations");
		goto done;
	}
	sqlite3_bind_int64(w.st, 2, seq);
	sqlite3_bind_int64(w.st_src, 2, seq);
	rc = cmdb__impact_walk(out, root, upstream, depth, db_next, &w);
done:
	sqlite3_finalize(w.st);
	sqlite3_finalize(w.st_src);
	json_decref(w.type_ok);
	free(w.rows);
	free(w.start);
	free(w.tkeep);
	return rc;
}

static int schema_impacts(const char *type, void *payload)
{
	cmdb_impact_dir dir = CMDB_IMPACT_NONE;

	/* Unknown relation types (not in relations.yaml) carry no impact. */
	if (cmdb_schema_relation_impact(payload, type, &dir) < 0) {
		cmdb_error_clear();
		return CMDB_IMPACT_NONE;
	}
	return (int)dir;
}

int cmdb_impact(json_t **out, cmdb_index *idx, const cmdb_schema *schema, const char *id,
	const cmdb_impact_opts *opts)
{
	cmdb_impact_opts o = CMDB_IMPACT_OPTS_INIT;
	cmdb_schema *own = NULL;
	json_t *at = NULL, *res = NULL;
	long long seq = 0;
	int rc;

	*out = NULL;
	if (opts)
		o = *opts;
	if (!id || o.depth < 0)
		return cmdb__error(CMDB_EINVALID, "impact needs an item id and a depth >= 0");
	if ((rc = cmdb__query_point(&seq, &at, idx, o.at)) < 0)
		goto done;
	/* the exact lookup first: suggestions (an edit-distance scan) only for a miss */
	if ((rc = cmdb__query_item_exists_at(cmdb_index_db(idx), id, seq)) <= 0) {
		if (rc == 0 && (rc = cmdb_index_check_id(idx, id)) == 0)
			rc = cmdb__error(CMDB_ENOTFOUND, "%s did not exist at %s (commit %.12s)",
				id, json_string_value(json_object_get(at, "time")),
				json_string_value(json_object_get(at, "commit")));
		goto done;
	}
	if (!schema && (rc = cmdb_schema_load_builtin(&own)) < 0)
		goto done;
	rc = cmdb__impact_db(&res, cmdb_index_db(idx), seq, id, o.upstream, o.depth, schema_impacts,
		(void *)(schema ? schema : own));
	if (rc < 0)
		goto done;
	if (json_object_set(res, "at", at) < 0) {
		rc = OOM();
		goto done;
	}
	*out = res;
	res = NULL;
done:
	json_decref(res);
	json_decref(at);
	cmdb_schema_free(own);
	return rc;
}

/* The node an item was reached from: the other end of the last relation of its path. */
static const char *parent_of(const json_t *item, int upstream)
{
	json_t *path = json_object_get(item, "path");
	json_t *last = json_array_get(path, json_array_size(path) - 1);
	const char *id = json_string_value(json_object_get(item, "id"));
	const char *src = json_string_value(json_object_get(last, "src"));

	(void)upstream;
	return json_string_value(
		json_object_get(last, src && id && !strcmp(src, id) ? "dst" : "src"));
}

static int text_node(cmdb_buf *b, json_t *children, const char *id, int level)
{
	json_t *kids = json_object_get(children, id), *k;
	size_t i;
	int rc = 0;

	json_array_foreach(kids, i, k)
	{
		json_t *path = json_object_get(k, "path");
		json_t *last = json_array_get(path, json_array_size(path) - 1);
		const char *kid = json_string_value(json_object_get(k, "id"));

		if ((rc = cmdb__buf_printf(b, "%*s%s  (%s)\n", 2 * (level + 1), "", kid,
			     json_string_value(json_object_get(last, "type")))) < 0 ||
			(rc = text_node(b, children, kid, level + 1)) < 0)
			break;
	}
	return rc;
}

/* children: parent id -> [items], in the walk's (breadth-first) order. */
static int group_children(json_t **out, const json_t *result, int upstream)
{
	json_t *children = json_object(), *item;
	size_t i;

	if (!children)
		return OOM();
	json_array_foreach(json_object_get(result, "items"), i, item)
	{
		const char *parent = parent_of(item, upstream);
		json_t *list = json_object_get(children, parent ? parent : "");

		if (!list &&
			(!(list = json_array()) ||
				json_object_set_new(children, parent ? parent : "", list) < 0)) {
			json_decref(children);
			return OOM();
		}
		json_array_append(list, item);
	}
	*out = children;
	return 0;
}

int cmdb_impact_format_text(char **out, const json_t *result)
{
	cmdb_buf b = CMDB_BUF_INIT(256u * 1024 * 1024);
	const char *root = json_string_value(json_object_get(result, "id"));
	const char *dir = json_string_value(json_object_get(result, "direction"));
	int upstream = dir && !strcmp(dir, "upstream");
	json_t *children = NULL, *at = json_object_get(result, "at");
	size_t n = json_array_size(json_object_get(result, "items"));
	int rc;

	*out = NULL;
	if (!root)
		return cmdb__error(CMDB_EINVALID, "not an impact result");
	if ((rc = group_children(&children, result, upstream)) < 0 ||
		(rc = cmdb__buf_printf(&b, "%s\n", root)) < 0 ||
		(rc = text_node(&b, children, root, 0)) < 0)
		goto done;
	if (upstream)
		rc = cmdb__buf_printf(&b, "%zu item%s %s needs\n", n, n == 1 ? "" : "s", root);
	else
		rc = cmdb__buf_printf(&b, "%zu item%s hit when %s fails or changes\n", n,
			n == 1 ? "" : "s", root);
	if (rc == 0 && at)
		rc = cmdb__buf_printf(&b, "at %s (commit %.12s)\n",
			json_string_value(json_object_get(at, "time")),
			json_string_value(json_object_get(at, "commit")));
	if (rc < 0)
		goto done;
	*out = cmdb__buf_detach(&b, NULL);
done:
	json_decref(children);
	cmdb__buf_dispose(&b);
	return rc;
}

/* A DOT double-quoted string: backslash and quote escaped, control bytes dropped. */
static int dot_quote(cmdb_buf *b, const char *s)
{
	int rc = cmdb__buf_puts(b, "\"");

	for (; rc == 0 && s && *s; s++) {
		if (*s == '"' || *s == '\\')
			rc = cmdb__buf_put(b, "\\", 1);
		if (rc == 0 && (unsigned char)*s >= ' ')
			rc = cmdb__buf_put(b, s, 1);
	}
	return rc ? rc : cmdb__buf_puts(b, "\"");
}

int cmdb_impact_format_dot(char **out, const json_t *result)
{
	cmdb_buf b = CMDB_BUF_INIT(256u * 1024 * 1024);
	const char *root = json_string_value(json_object_get(result, "id"));
	json_t *item, *e;
	size_t i;
	int rc;

	*out = NULL;
	if (!root)
		return cmdb__error(CMDB_EINVALID, "not an impact result");
	rc = cmdb__buf_puts(
		&b, "digraph impact {\n  rankdir=LR;\n  node [shape=box, fontsize=10];\n  ");
	if (!rc && !(rc = dot_quote(&b, root)))
		rc = cmdb__buf_puts(&b, " [style=\"bold,filled\", fillcolor=\"#ffd0d0\"];\n");
	json_array_foreach(json_object_get(result, "items"), i, item)
	{
		if (rc || (rc = cmdb__buf_puts(&b, "  ")) ||
			(rc = dot_quote(&b, json_string_value(json_object_get(item, "id")))) ||
			(rc = cmdb__buf_puts(&b, ";\n")))
			break;
	}
	json_array_foreach(json_object_get(result, "edges"), i, e)
	{
		if (rc || (rc = cmdb__buf_puts(&b, "  ")) ||
			(rc = dot_quote(&b, json_string_value(json_object_get(e, "src")))) ||
			(rc = cmdb__buf_puts(&b, " -> ")) ||
			(rc = dot_quote(&b, json_string_value(json_object_get(e, "dst")))) ||
			(rc = cmdb__buf_puts(&b, " [label=")) ||
			(rc = dot_quote(&b, json_string_value(json_object_get(e, "type")))) ||
			(rc = cmdb__buf_puts(&b, "];\n")))
			break;
	}
	if (rc || (rc = cmdb__buf_puts(&b, "}\n")))
		goto done;
	*out = cmdb__buf_detach(&b, NULL);
done:
	cmdb__buf_dispose(&b);
	return rc;
}
