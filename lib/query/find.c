/*
 * find: items whose flattened attributes satisfy every term of an expression at
 * one point in history. Each term is one indexed lookup on attrs(path) (a range
 * on the literal prefix for wildcard paths); values are tested in C so versions,
 * numbers, lists and regexes all get their own comparison. A term matches only
 * items that have the attribute: "annotations.owner!=x" skips items with no owner.
 */
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "query/expr.h"
#include "query/query_int.h"

#define OOM() cmdb__error(CMDB_ERROR, "out of memory")
/* Below this many items, a wildcard term reads each item's rows instead of its whole prefix. */
#define FEW_CANDIDATES 2000

/* id -> true for items whose host runs an rpm-based OS (everything else is dpkg). */
static int load_schemes(json_t **out, sqlite3 *db, long long seq)
{
	sqlite3_stmt *st = NULL;
	json_t *map = json_object();
	int rc = 0, step;

	*out = NULL;
	if (!map)
		return OOM();
	if (sqlite3_prepare_v2(db,
		    "SELECT id, value FROM attrs WHERE path = 'attributes.os.id' "
		    "AND " CMDB_VALID_AT(1),
		    -1, &st, NULL) != SQLITE_OK) {
		rc = cmdb__query_sqlerr(db, "cannot read attributes");
		goto done;
	}
	sqlite3_bind_int64(st, 1, seq);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *os = (const char *)sqlite3_column_text(st, 1);

		if (cmdb_version_scheme_for_os(os) == CMDB_VERSION_RPM &&
			json_object_set_new(
				map, (const char *)sqlite3_column_text(st, 0), json_true()) < 0) {
			rc = OOM();
			goto done;
		}
	}
	if (step != SQLITE_DONE) {
		rc = cmdb__query_sqlerr(db, "cannot read attributes");
		goto done;
	}
	*out = map;
	map = NULL;
done:
	sqlite3_finalize(st);
	json_decref(map);
	return rc;
}

/* An item's scheme: its own os.id, or for "service/<host>/..." its host's. */
static cmdb_version_scheme scheme_of(json_t *schemes, const char *id)
{
	const char *slash, *end;
	char host[300];

	if (!schemes)
		return CMDB_VERSION_DPKG;
	if (json_object_get(schemes, id))
		return CMDB_VERSION_RPM;
	if (strncmp(id, "service/", 8) == 0 && (slash = id + 8) && (end = strchr(slash, '/')) &&
		(size_t)(end - slash) < sizeof(host) - 6) {
		snprintf(host, sizeof(host), "host/%.*s", (int)(end - slash), slash);
		if (json_object_get(schemes, host))
			return CMDB_VERSION_RPM;
	}
	return CMDB_VERSION_DPKG;
}

/* by_id: restrict to one item (?4), for wildcard terms over a few candidates. */
static int prepare_term(
	sqlite3_stmt **st, sqlite3 *db, const cmdb_expr_term *t, long long seq, int by_id)
{
	static const char cols[] = "SELECT id, path, value, vtype FROM attrs WHERE ";
	const char *where;
	char *sql = NULL, *hi = NULL;
	int rc = 0;

	if (!strcmp(t->path, "id"))
		where = "1 = 1";
	else if (!t->wildcard)
		where = "path = ?1";
	else if (t->prefix_len > 0)
		where = "path >= ?1 AND path < ?3";
	else
		where = "1 = 1";
	if (!strcmp(t->path, "id"))
		sql = cmdb__strdup(
			"SELECT id, 'id', id, 'string' FROM item_versions WHERE " CMDB_VALID_AT(2));
	else
		sql = cmdb__sprintf("%s%s AND %s%s", cols, where, CMDB_VALID_AT(2),
			by_id ? " AND id = ?4" : "");
	if (!sql)
		return OOM();
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
		rc = cmdb__query_sqlerr(db, "cannot read attributes");
		goto done;
	}
	sqlite3_bind_int64(*st, 2, seq);
	if (t->wildcard && t->prefix_len > 0) {
		/* every path starting with the prefix sorts below prefix + 0xFF (not in UTF-8) */
		if (!(hi = cmdb__sprintf("%.*s\xff", (int)t->prefix_len, t->path))) {
			rc = OOM();
			goto done;
		}
		sqlite3_bind_text(*st, 1, t->path, (int)t->prefix_len, SQLITE_TRANSIENT);
		sqlite3_bind_text(*st, 3, hi, -1, SQLITE_TRANSIENT);
	} else if (!t->wildcard) {
		sqlite3_bind_text(*st, 1, t->path, -1, SQLITE_TRANSIENT);
	}
done:
	free(hi);
	free(sql);
	return rc;
}

/* The current row of st, added to hits when it satisfies t. */
static int take_row(json_t *hits, sqlite3_stmt *st, const cmdb_expr_term *t, json_t *schemes)
{
	const char *id = (const char *)sqlite3_column_text(st, 0);
	const char *path = (const char *)sqlite3_column_text(st, 1);
	const char *value = (const char *)sqlite3_column_text(st, 2);
	const char *vtype = (const char *)sqlite3_column_text(st, 3);
	json_t *list, *m;

	if (!id || !path || (t->wildcard && !cmdb__expr_path_match(t, path)) ||
		!cmdb__expr_value_match(t, value, vtype, scheme_of(schemes, id)))
		return 0;
	if (!(list = json_object_get(hits, id)) &&
		(!(list = json_array()) || json_object_set_new(hits, id, list) < 0))
		return OOM();
	if (!(m = json_object()) || json_array_append_new(list, m) < 0 ||
		json_object_set_new_nocheck(m, "path", json_string(path)) < 0 ||
		json_object_set_new_nocheck(m, "value", cmdb__query_value(value, vtype)) < 0)
		return OOM();
	return 0;
}

/*
 * hits: id -> [{"path","value"}] of rows that satisfy term t at seq. With cand
 * (the ids still in the running), only those items are read, one indexed lookup each.
 */
static int eval_term(json_t *hits, sqlite3 *db, long long seq, const cmdb_expr_term *t,
	json_t *schemes, json_t *cand)
{
	sqlite3_stmt *st = NULL;
	const char *id = NULL;
	void *iter = cand ? json_object_iter(cand) : NULL;
	int rc, step = SQLITE_DONE;

	if ((rc = prepare_term(&st, db, t, seq, cand != NULL)) < 0)
		goto done;
	do {
		if (cand) {
			if (!iter)
				break;
			id = json_object_iter_key(iter);
			iter = json_object_iter_next(cand, iter);
			sqlite3_reset(st);
			sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
		}
		while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
			rc = take_row(hits, st, t, schemes);
		if (rc == 0 && step != SQLITE_DONE)
			rc = cmdb__query_sqlerr(db, "cannot read attributes");
	} while (rc == 0 && cand);
done:
	sqlite3_finalize(st);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Items present in every term's hits, sorted by id, with all their matching rows. */
static int intersect(json_t **out, json_t **hits, size_t n)
{
	size_t count = json_object_size(hits[0]), k = 0;
	const char **ids = cmdb__calloc(count ? count : 1, sizeof(*ids)), *id;
	json_t *items = json_array(), *v;
	int rc = 0;

	if (!ids || !items) {
		rc = OOM();
		goto done;
	}
	json_object_foreach(hits[0], id, v) ids[k++] = id;
	qsort(ids, count, sizeof(*ids), cmp_str);
	for (k = 0; k < count; k++) {
		json_t *matches = json_array(), *item;
		const char *slash = strchr(ids[k], '/');
		size_t i;

		for (i = 0; i < n && json_object_get(hits[i], ids[k]); i++)
			json_array_extend(matches, json_object_get(hits[i], ids[k]));
		item = json_pack("{ssss#so}", "id", ids[k], "type", ids[k],
			slash ? (int)(slash - ids[k]) : (int)strlen(ids[k]), "matches", matches);
		if (!item || (i == n && json_array_append(items, item) < 0)) {
			json_decref(item);
			rc = OOM();
			goto done;
		}
		json_decref(item);
	}
	*out = items;
	items = NULL;
done:
	free(ids);
	json_decref(items);
	return rc;
}

int cmdb__find_db(json_t **out, sqlite3 *db, long long seq, const char *src)
{
	cmdb_expr *e = NULL;
	json_t *hits[CMDB_EXPR_MAX_TERMS] = {NULL}, *schemes = NULL;
	size_t order[CMDB_EXPR_MAX_TERMS], i, n = 0;
	int rc;

	*out = NULL;
	if ((rc = cmdb__expr_parse(&e, src)) < 0)
		goto done;
	for (i = 0; i < e->count; i++)
		if (e->terms[i].op >= CMDB_OP_LT && e->terms[i].op <= CMDB_OP_GE && !schemes &&
			(rc = load_schemes(&schemes, db, seq)) < 0)
			goto done;
	/*
	 * Literal paths first (one index lookup each); a wildcard term after them reads
	 * only the items still in the running when they are few, else scans its prefix.
	 */
	for (i = 0; i < e->count; i++)
		if (!e->terms[i].wildcard)
			order[n++] = i;
	for (i = 0; i < e->count; i++)
		if (e->terms[i].wildcard)
			order[n++] = i;
	for (i = 0; i < n; i++) {
		json_t *cand = i > 0 && e->terms[order[i]].wildcard &&
				json_object_size(hits[i - 1]) <= FEW_CANDIDATES
			? hits[i - 1]
			: NULL;

		if (!(hits[i] = json_object())) {
			rc = OOM();
			goto done;
		}
		if ((rc = eval_term(hits[i], db, seq, &e->terms[order[i]], schemes, cand)) < 0)
			goto done;
		if (json_object_size(hits[i]) == 0)
			break; /* AND: nothing can match any more */
	}
	rc = intersect(out, hits, i < n ? i + 1 : n);
done:
	for (i = 0; i < CMDB_EXPR_MAX_TERMS; i++)
		json_decref(hits[i]);
	json_decref(schemes);
	cmdb__expr_free(e);
	return rc;
}

int cmdb_find_check(const char *expr)
{
	cmdb_expr *e = NULL;
	int rc = cmdb__expr_parse(&e, expr);

	cmdb__expr_free(e);
	return rc;
}

int cmdb_find(json_t **out, cmdb_index *idx, const char *expr, const char *at)
{
	json_t *point = NULL, *items = NULL, *res = NULL;
	long long seq = 0;
	int rc;

	*out = NULL;
	if ((rc = cmdb_find_check(expr)) < 0 ||
		(rc = cmdb__query_point(&seq, &point, idx, at)) < 0 ||
		(rc = cmdb__find_db(&items, cmdb_index_db(idx), seq, expr)) < 0)
		goto done;
	if (!(res = json_pack("{sssOsO}", "expr", expr, "at", point, "items", items))) {
		rc = OOM();
		goto done;
	}
	*out = res;
done:
	json_decref(point);
	json_decref(items);
	return rc;
}
