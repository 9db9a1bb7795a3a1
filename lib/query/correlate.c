/*
 * Drifts of an incident and of a change (query.h; what `incident show` and `change
 * show` embed). For an incident: the affected items and everything they need at the
 * moment it opened (the upstream impact walk), and every drift on those in the
 * look-back window, ranked. For a change: the drifts it matched and what its affected
 * items could break (the downstream walk at the head).
 *
 * Rank: score = before / lookback + depth / 2 (lower first; ties: the later drift,
 * then the id), so a drift on the affected item itself an hour before beats one on a
 * dependency, and a recent drift one hop away beats an old one on the item.
 */
#include <stdlib.h>
#include <string.h>

#include <gitcmdb/schema.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/time.h"
#include "index/drift_explain.h"
#include "query/correlate_int.h"

#define OOM() cmdb__error(CMDB_ERROR, "out of memory")
#define DEFAULT_LOOKBACK CMDB__CORRELATE_LOOKBACK

static int schema_impacts(const char *type, void *payload)
{
	cmdb_impact_dir dir = CMDB_IMPACT_NONE;

	if (cmdb_schema_relation_impact(payload, type, &dir) < 0)
		cmdb_error_clear();
	return (int)dir;
}

/* "INC-0007" or "incident/INC-0007" -> "incident/INC-0007" (new string). */
static char *record_id(const char *type, const char *id)
{
	size_t n = strlen(type);

	if (!strncmp(id, type, n) && id[n] == '/')
		return cmdb__strdup(id);
	return cmdb__sprintf("%s/%s", type, id);
}

int cmdb__correlate_targets(json_t **out, sqlite3 *db, const char *src, const char *type)
{
	static const char sql[] = "SELECT dst FROM relations WHERE src = ?1 AND type = ?2 AND "
				  "to_seq IS NULL ORDER BY dst";
	sqlite3_stmt *st = NULL;
	json_t *list = json_array();
	int rc = 0, step;

	*out = NULL;
	if (!list)
		return OOM();
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		json_decref(list);
		return cmdb__query_sqlerr(db, "cannot read relations");
	}
	sqlite3_bind_text(st, 1, src, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
		if (json_array_append_new(
			    list, json_string((const char *)sqlite3_column_text(st, 0))) < 0)
			rc = OOM();
	if (rc == 0 && step != SQLITE_DONE)
		rc = cmdb__query_sqlerr(db, "cannot read relations");
	sqlite3_finalize(st);
	if (rc < 0)
		json_decref(list);
	else
		*out = list;
	return rc;
}

/*
 * The impact walks from every root at seq merged: {"items": [{id, depth, path}],
 * "edges": [...]}, each item at its smallest depth (roots at 0, with an empty path).
 */
static int merged_impact(json_t **out, sqlite3 *db, long long seq, const json_t *roots,
	int upstream, const cmdb_schema *schema)
{
	json_t *by_id = json_object(), *edges = json_array(), *seen = json_object(), *r, *it;
	json_t *items = json_array(), *res = NULL;
	const char *k;
	size_t i, j;
	int rc = 0;

	*out = NULL;
	if (!by_id || !edges || !seen || !items) {
		rc = OOM();
		goto done;
	}
	json_array_foreach(roots, i, r) json_object_set_new(by_id, json_string_value(r),
		json_pack("{sssIs[]}", "id", json_string_value(r), "depth", (json_int_t)0, "path"));
	json_array_foreach(roots, i, r)
	{
		if ((rc = cmdb__impact_db(&res, db, seq, json_string_value(r), upstream, 0,
			     schema_impacts, (void *)schema)) < 0)
			goto done;
		json_array_foreach(json_object_get(res, "items"), j, it)
		{
			const char *id = json_string_value(json_object_get(it, "id"));
			json_t *old = json_object_get(by_id, id);

			if (!old ||
				json_integer_value(json_object_get(old, "depth")) >
					json_integer_value(json_object_get(it, "depth")))
				json_object_set_new(by_id, id,
					json_pack("{sssOsO}", "id", id, "depth",
						json_object_get(it, "depth"), "path",
						json_object_get(it, "path")));
		}
		json_array_foreach(json_object_get(res, "edges"), j, it)
		{
			char *key = json_dumps(it, JSON_COMPACT | JSON_SORT_KEYS);

			if (key && !json_object_get(seen, key)) {
				json_object_set_new(seen, key, json_true());
				json_array_append(edges, it);
			}
			free(key);
		}
		json_decref(res);
		res = NULL;
	}
	json_object_foreach(by_id, k, it) json_array_append(items, it);
	*out = json_pack("{sOsO}", "items", items, "edges", edges);
	if (!*out)
		rc = OOM();
done:
	json_decref(res);
	json_decref(by_id);
	json_decref(edges);
	json_decref(seen);
	json_decref(items);
	return rc;
}

json_t *cmdb__correlate_drift_row(sqlite3_stmt *st)
{
	const char *paths = (const char *)sqlite3_column_text(st, 4);
	json_t *p = json_loads(paths ? paths : "[]", 0, NULL);
	char when[CMDB__TIME_BUF];
	const char *change = (const char *)sqlite3_column_text(st, 6);
	const char *how = (const char *)sqlite3_column_text(st, 7);

	cmdb__time_format(when, sqlite3_column_int64(st, 2));
	return json_pack("{sssssssssOsssOsO}", "item", (const char *)sqlite3_column_text(st, 0),
		"commit", (const char *)sqlite3_column_text(st, 8), "time", when, "drift",
		(const char *)sqlite3_column_text(st, 3), "paths", p ? p : json_array(), "status",
		(const char *)sqlite3_column_text(st, 5), "change",
		change ? json_string(change) : json_null(), "how",
		how ? json_string(how) : json_null());
}

/* Drop the extra reference json_pack's O took of the values drift_row made. */
static json_t *own(json_t *row)
{
	if (row) {
		json_decref(json_object_get(row, "paths"));
		json_decref(json_object_get(row, "change"));
		json_decref(json_object_get(row, "how"));
	}
	return row;
}

void cmdb__correlate_score(cmdb__correlate_cand *c, long long depth, long long from, long long to)
{
	c->score =
		(double)(to - c->time) / (double)(to - from ? to - from : 1) + (double)depth / 2.0;
}

static int cmp_rank(const void *x, const void *y)
{
	const cmdb__correlate_cand *a = x, *b = y;
	int c;

	if (a->score != b->score)
		return a->score < b->score ? -1 : 1;
	if (a->time != b->time)
		return a->time > b->time ? -1 : 1;
	if ((c = strcmp(a->item, b->item)))
		return c;
	return (a->ref > b->ref) - (a->ref < b->ref);
}

void cmdb__correlate_sort(cmdb__correlate_cand *c, size_t n)
{
	if (n > 1)
		qsort(c, n, sizeof(*c), cmp_rank);
}

/* Every drift of the impact's items in [from, to], ranked (rank 1 first): one read of
 * the window's drifts (drifts_time), kept when their item is in the graph. */
static int incident_drifts(
	json_t **out, sqlite3 *db, const json_t *impact, long long from, long long to)
{
	static const char sql[] = "SELECT " CMDB__CORRELATE_DRIFT_COLS " FROM drifts d JOIN "
				  "commits c ON c.seq = d.seq WHERE d.time BETWEEN ?1 AND ?2 "
				  "ORDER BY d.seq, d.id";
	sqlite3_stmt *st = NULL;
	json_t *list = json_array(), *depth_of = json_object(), *it, *sorted = NULL;
	cmdb__correlate_cand *v = NULL;
	size_t i, n = 0, cap = 0;
	int rc = 0, step = SQLITE_DONE;

	*out = NULL;
	if (!list || !depth_of) {
		rc = OOM();
		goto done;
	}
	json_array_foreach(json_object_get(impact, "items"), i,
		it) if (json_object_set(depth_of, json_string_value(json_object_get(it, "id")),
				json_object_get(it, "depth")) < 0) rc = OOM();
	if (rc == 0 && sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		rc = cmdb__query_sqlerr(db, "cannot read the drifts");
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, from);
		sqlite3_bind_int64(st, 2, to);
	}
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *d = json_object_get(depth_of, (const char *)sqlite3_column_text(st, 0));
		long long depth = json_integer_value(d), t = sqlite3_column_int64(st, 2);
		json_t *row;

		if (!d)
			continue;
		if (n == cap) {
			cmdb__correlate_cand *g =
				cmdb__realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*g));

			if (!g) {
				rc = OOM();
				break;
			}
			v = g;
		}
		row = own(cmdb__correlate_drift_row(st));
		if (!row || json_object_set_new(row, "depth", json_integer(depth)) < 0 ||
			json_object_set_new(row, "before_s", json_integer(to - t)) < 0 ||
			json_array_append_new(list, row) < 0) {
			rc = OOM();
			break;
		}
		v[n] = (cmdb__correlate_cand){
			0, t, json_string_value(json_object_get(row, "item")), n};
		cmdb__correlate_score(&v[n], depth, from, to);
		n++;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = cmdb__query_sqlerr(db, "cannot read the drifts");
	sqlite3_finalize(st);
	if (rc == 0) {
		cmdb__correlate_sort(v, n);
		if (!(sorted = json_array()))
			rc = OOM();
		for (i = 0; rc == 0 && i < n; i++) {
			json_t *row = json_array_get(list, v[i].ref);

			if (json_object_set_new(row, "rank", json_integer((json_int_t)i + 1)) < 0 ||
				json_array_append(sorted, row) < 0)
				rc = OOM();
		}
	}
	if (rc == 0)
		*out = sorted;
	else
		json_decref(sorted);
done:
	free(v);
	json_decref(depth_of);
	json_decref(list);
	return rc;
}

/* The doc of id at the head, or CMDB_ENOTFOUND naming close ids. */
static int head_doc(json_t **doc, cmdb_index *idx, const char *id)
{
	sqlite3 *db = cmdb_index_db(idx);
	sqlite3_stmt *st = NULL;
	int rc;

	*doc = NULL;
	if (sqlite3_prepare_v2(db, "SELECT doc FROM item_versions WHERE id = ?1 AND to_seq IS NULL",
		    -1, &st, NULL) != SQLITE_OK)
		return cmdb__query_sqlerr(db, "cannot read items");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_text(st, 0))
		*doc = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return cmdb__query_sqlerr(db, "cannot read items");
	if (*doc)
		return 0;
	if (rc == SQLITE_ROW)
		return cmdb__error(CMDB_EINVALID, "%s does not parse: run 'gitcmdb validate'", id);
	if ((rc = cmdb_index_check_id(idx, id)) < 0)
		return rc;
	return cmdb__error(CMDB_ENOTFOUND, "%s was deleted", id);
}

int cmdb__correlate_incident(json_t **doc, long long *opened, cmdb_index *idx, const char *iid)
{
	const char *s;
	int rc;

	*opened = 0;
	if ((rc = head_doc(doc, idx, iid)) < 0)
		return rc;
	s = json_string_value(json_object_get(json_object_get(*doc, "attributes"), "opened"));
	if (cmdb__drift_parse_time(opened, s) < 0) {
		json_decref(*doc);
		*doc = NULL;
		return cmdb__error(
			CMDB_EINVALID, "%s: attributes.opened: %s", iid, cmdb_error_last());
	}
	return 0;
}

long long cmdb__correlate_seq_at(sqlite3 *db, long long t)
{
	sqlite3_stmt *st = NULL;
	long long seq = 0;

	if (sqlite3_prepare_v2(db,
		    "SELECT coalesce((SELECT max(seq) FROM commits WHERE mainline = 1 AND time <= "
		    "?1), (SELECT min(seq) FROM commits WHERE mainline = 1))",
		    -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, t);
		if (sqlite3_step(st) == SQLITE_ROW)
			seq = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return seq;
}

int cmdb_query_incident_drifts(json_t **out, cmdb_index *idx, const char *id, long long lookback_s)
{
	sqlite3 *db = cmdb_index_db(idx);
	json_t *doc = NULL, *affected = NULL, *impact = NULL, *drifts = NULL, *at = NULL;
	cmdb_schema *schema = NULL;
	char *iid = NULL, when[CMDB__TIME_BUF];
	long long opened = 0, seq;
	int rc;

	*out = NULL;
	if (lookback_s <= 0)
		lookback_s = DEFAULT_LOOKBACK;
	if (!id || !(iid = record_id("incident", id))) {
		rc = id ? OOM() : cmdb__error(CMDB_EINVALID, "no incident id");
		goto done;
	}
	if ((rc = cmdb__correlate_incident(&doc, &opened, idx, iid)) < 0)
		goto done;
	seq = cmdb__correlate_seq_at(db, opened);
	if ((rc = cmdb__correlate_targets(&affected, db, iid, "affects")) < 0 ||
		(rc = cmdb_schema_load_builtin(&schema)) < 0 ||
		(rc = merged_impact(&impact, db, seq, affected, 1, schema)) < 0 ||
		(rc = incident_drifts(&drifts, db, impact, opened - lookback_s, opened)) < 0 ||
		(rc = cmdb__query_point_of(&at, db, seq)) < 0)
		goto done;
	cmdb__time_format(when, opened);
	if (!(*out = json_pack("{sssssIsOsOsOsO}", "incident", iid, "opened", when, "lookback",
		      (json_int_t)lookback_s, "at", at, "affected", affected, "impact", impact,
		      "drifts", drifts)))
		rc = OOM();
done:
	json_decref(doc);
	json_decref(affected);
	json_decref(impact);
	json_decref(drifts);
	json_decref(at);
	cmdb_schema_free(schema);
	free(iid);
	return rc;
}

static int change_matches(json_t **out, sqlite3 *db, const char *name)
{
	static const char sql[] =
		"SELECT d.id, d.seq, d.time, d.kind, d.paths, d.status, d.change, m.how, c.oid "
		"FROM "
		"drift_matches m JOIN drifts d ON d.id = m.id AND d.seq = m.seq JOIN commits c ON "
		"c.seq = m.seq WHERE m.change = ?1 ORDER BY m.seq, m.id";
	sqlite3_stmt *st = NULL;
	json_t *list = json_array();
	int rc = 0, step = SQLITE_DONE;

	*out = NULL;
	if (!list || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		json_decref(list);
		return list ? cmdb__query_sqlerr(db, "cannot read the drifts") : OOM();
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row = own(cmdb__correlate_drift_row(st));

		/* the verdict's change may be another that matched first */
		if (!row ||
			json_object_set(row, "authorised_by", json_object_get(row, "change")) < 0 ||
			json_object_del(row, "change") < 0 || json_object_del(row, "status") < 0 ||
			json_array_append_new(list, row) < 0)
			rc = OOM();
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = cmdb__query_sqlerr(db, "cannot read the drifts");
	sqlite3_finalize(st);
	if (rc < 0)
		json_decref(list);
	else
		*out = list;
	return rc;
}

int cmdb_query_change_drifts(json_t **out, cmdb_index *idx, const char *id)
{
	sqlite3 *db = cmdb_index_db(idx);
	json_t *doc = NULL, *affected = NULL, *impact = NULL, *drifts = NULL, *win = json_null();
	cmdb_schema *schema = NULL;
	const json_t *attrs, *w;
	char *cid = NULL;
	int rc;

	*out = NULL;
	if (!id || !(cid = record_id("change", id))) {
		rc = id ? OOM() : cmdb__error(CMDB_EINVALID, "no change id");
		goto done;
	}
	if ((rc = head_doc(&doc, idx, cid)) < 0)
		goto done;
	attrs = json_object_get(doc, "attributes");
	if ((w = json_object_get(attrs, "window")) && json_is_object(w))
		win = json_pack("{sOsO}", "start",
			json_object_get(w, "start") ? json_object_get(w, "start") : json_null(),
			"end", json_object_get(w, "end") ? json_object_get(w, "end") : json_null());
	if ((rc = cmdb__correlate_targets(&affected, db, cid, "affects")) < 0 ||
		(rc = cmdb_schema_load_builtin(&schema)) < 0 ||
		(rc = merged_impact(&impact, db, cmdb_index_head_seq(idx), affected, 0, schema)) <
			0 ||
		(rc = change_matches(&drifts, db, cid + 7)) < 0)
		goto done;
	if (!(*out = json_pack("{sssOsOsOsOsO}", "change", cid + 7, "status",
		      json_object_get(attrs, "status") ? json_object_get(attrs, "status")
						       : json_null(),
		      "window", win ? win : json_null(), "affects", affected, "drifts", drifts,
		      "impact", impact)))
		rc = OOM();
done:
	json_decref(doc);
	json_decref(win);
	json_decref(affected);
	json_decref(impact);
	json_decref(drifts);
	cmdb_schema_free(schema);
	free(cid);
	return rc;
}
