/*
 * Estate-wide diff between two points of history, straight from the validity
 * intervals: a row valid at `from` but not at `to` is an old value, one valid at
 * `to` but not at `from` a new one. Old and new attribute rows are merged by
 * (id, path) in one ordered pass, so a changed value is one entry "old -> new".
 * Attributes of added and removed items are not listed (the item is).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "query/query_int.h"

#define OOM() cmdb__error(CMDB_ERROR, "out of memory")

#define VALID_NOT(a, b) "(" CMDB_VALID_AT(a) ") AND NOT (" CMDB_VALID_AT(b) ")"

static int list_ids(json_t *out, sqlite3 *db, long long in, long long notin)
{
	static const char sql[] = "SELECT id FROM item_versions WHERE " CMDB_VALID_AT(
		1) " EXCEPT SELECT id FROM item_versions WHERE " CMDB_VALID_AT(2) " ORDER BY 1";
	sqlite3_stmt *st = NULL;
	int rc = 0, step;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return cmdb__query_sqlerr(db, "cannot read item versions");
	sqlite3_bind_int64(st, 1, in);
	sqlite3_bind_int64(st, 2, notin);
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		if (json_array_append_new(
			    out, json_string((const char *)sqlite3_column_text(st, 0))) < 0) {
			rc = OOM();
			break;
		}
	if (!rc && step != SQLITE_DONE)
		rc = cmdb__query_sqlerr(db, "cannot read item versions");
	sqlite3_finalize(st);
	return rc;
}

static int list_relations(json_t *out, sqlite3 *db, long long in, long long notin)
{
	static const char sql[] = "SELECT DISTINCT src, type, dst FROM relations WHERE " VALID_NOT(
		1, 2) " ORDER BY src, type, dst";
	sqlite3_stmt *st = NULL;
	int rc = 0, step;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return cmdb__query_sqlerr(db, "cannot read relations");
	sqlite3_bind_int64(st, 1, in);
	sqlite3_bind_int64(st, 2, notin);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *r = json_pack("{ssssss}", "src", (const char *)sqlite3_column_text(st, 0),
			"type", (const char *)sqlite3_column_text(st, 1), "dst",
			(const char *)sqlite3_column_text(st, 2));

		if (!r || json_array_append_new(out, r) < 0) {
			rc = OOM();
			break;
		}
	}
	if (!rc && step != SQLITE_DONE)
		rc = cmdb__query_sqlerr(db, "cannot read relations");
	sqlite3_finalize(st);
	return rc;
}

/*
 * Attribute rows valid at `in` but not `notin`, of items that exist at both,
 * ordered. Only items with a version starting or ending between the two points
 * can differ, so those few drive the lookup (attrs by id), not the whole table.
 */
static int prepare_side(sqlite3_stmt **st, sqlite3 *db, long long in, long long notin)
{
	static const char sql[] =
		"SELECT id, path, value, vtype FROM attrs WHERE id IN ("
		"SELECT id FROM item_versions WHERE (from_seq > ?3 AND from_seq <= ?4)"
		" OR (to_seq > ?3 AND to_seq <= ?4))"
		" AND " VALID_NOT(1, 2) " AND id IN (SELECT id FROM item_versions "
					"WHERE " CMDB_VALID_AT(
						2) ")"
						   " AND id IN (SELECT id FROM item_versions "
						   "WHERE " CMDB_VALID_AT(1) ")"
									     " ORDER BY id, path";

	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
		return cmdb__query_sqlerr(db, "cannot read attributes");
	sqlite3_bind_int64(*st, 1, in);
	sqlite3_bind_int64(*st, 2, notin);
	sqlite3_bind_int64(*st, 3, in < notin ? in : notin);
	sqlite3_bind_int64(*st, 4, in < notin ? notin : in);
	return 0;
}

static int key_cmp(sqlite3_stmt *a, int a_ok, sqlite3_stmt *b, int b_ok)
{
	int c;

	if (!a_ok || !b_ok)
		return a_ok ? -1 : b_ok ? 1 : 0;
	c = strcmp(
		(const char *)sqlite3_column_text(a, 0), (const char *)sqlite3_column_text(b, 0));
	return c ? c
		 : strcmp((const char *)sqlite3_column_text(a, 1),
			   (const char *)sqlite3_column_text(b, 1));
}

static json_t *row_value(sqlite3_stmt *st)
{
	return cmdb__query_value(
		(const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3));
}

/* Append {"path","old","new"} to the entry of id in changed (the last entry, or a new one). */
static int add_change(json_t *changed, const char *id, const char *path, json_t *old, json_t *nw)
{
	json_t *last = json_array_get(changed, json_array_size(changed) - 1), *c;
	int rc = 0;

	if (json_equal(old, nw))
		goto done; /* an interval split with the same value is no change */
	if (!last || strcmp(json_string_value(json_object_get(last, "id")), id) != 0) {
		last = json_pack("{sss[]}", "id", id, "changes");
		if (!last || json_array_append_new(changed, last) < 0) {
			rc = OOM();
			goto done;
		}
	}
	c = json_pack("{sssOsO}", "path", path, "old", old, "new", nw);
	if (!c || json_array_append_new(json_object_get(last, "changes"), c) < 0)
		rc = OOM();
done:
	json_decref(old);
	json_decref(nw);
	return rc;
}

static int diff_attrs(json_t *changed, sqlite3 *db, long long from, long long to)
{
	sqlite3_stmt *o = NULL, *n = NULL;
	int rc, os, ns;

	if ((rc = prepare_side(&o, db, from, to)) < 0 || (rc = prepare_side(&n, db, to, from)) < 0)
		goto done;
	os = sqlite3_step(o);
	ns = sqlite3_step(n);
	while (rc == 0 && (os == SQLITE_ROW || ns == SQLITE_ROW)) {
		int c = key_cmp(o, os == SQLITE_ROW, n, ns == SQLITE_ROW);
		sqlite3_stmt *k = c <= 0 ? o : n;

		rc = add_change(changed, (const char *)sqlite3_column_text(k, 0),
			(const char *)sqlite3_column_text(k, 1),
			c <= 0 ? row_value(o) : json_null(), c >= 0 ? row_value(n) : json_null());
		if (c <= 0)
			os = sqlite3_step(o);
		if (c >= 0)
			ns = sqlite3_step(n);
	}
	if (rc == 0 && (os != SQLITE_DONE || ns != SQLITE_DONE))
		rc = cmdb__query_sqlerr(db, "cannot read attributes");
done:
	sqlite3_finalize(o);
	sqlite3_finalize(n);
	return rc;
}

int cmdb__estate_diff_db(json_t *res, sqlite3 *db, long long from, long long to)
{
	static const char *const keys[] = {
		"added", "removed", "changed", "relations_added", "relations_removed"};
	json_t *lists[5];
	int rc = 0;

	for (size_t i = 0; i < 5; i++)
		if (!(lists[i] = json_array()) || json_object_set_new(res, keys[i], lists[i]) < 0)
			return OOM();
	if (from == to)
		return 0;
	if ((rc = list_ids(lists[0], db, to, from)) < 0 ||
		(rc = list_ids(lists[1], db, from, to)) < 0 ||
		(rc = diff_attrs(lists[2], db, from, to)) < 0 ||
		(rc = list_relations(lists[3], db, to, from)) < 0 ||
		(rc = list_relations(lists[4], db, from, to)) < 0)
		return rc;
	return 0;
}

int cmdb_estate_diff(json_t **out, cmdb_index *idx, const char *from, const char *to)
{
	json_t *a = NULL, *b = NULL, *res = NULL;
	long long sa = 0, sb = 0;
	int rc;

	*out = NULL;
	if (!from)
		return cmdb__error(CMDB_EINVALID, "diff needs a starting point (WHEN)");
	if ((rc = cmdb__query_point(&sa, &a, idx, from)) < 0 ||
		(rc = cmdb__query_point(&sb, &b, idx, to)) < 0)
		goto done;
	if (!(res = json_pack("{sOsO}", "from", a, "to", b))) {
		rc = OOM();
		goto done;
	}
	if ((rc = cmdb__estate_diff_db(res, cmdb_index_db(idx), sa, sb)) < 0)
		goto done;
	*out = res;
	res = NULL;
done:
	json_decref(a);
	json_decref(b);
	json_decref(res);
	return rc;
}

/* A value as short text: strings bare, everything else as compact JSON, absent as "(absent)". */
static int put_value(cmdb_buf *b, const json_t *v)
{
	char *s;
	int rc;

	if (!v || json_is_null(v))
		return cmdb__buf_puts(b, "(absent)");
	if (json_is_string(v))
		return cmdb__buf_puts(b, json_string_value(v));
	if (!(s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)))
		return OOM();
	rc = cmdb__buf_puts(b, s);
	free(s);
	return rc;
}

static int put_point(cmdb_buf *b, const char *label, const json_t *p)
{
	return cmdb__buf_printf(b, "%s %.12s (%s)\n", label,
		json_string_value(json_object_get(p, "commit")),
		json_string_value(json_object_get(p, "time")));
}

static int put_relations(cmdb_buf *b, const json_t *list, char sign)
{
	json_t *r;
	size_t i;
	int rc = 0;

	json_array_foreach(list, i, r)
	{
		if ((rc = cmdb__buf_printf(b, "%c %s %s %s\n", sign,
			     json_string_value(json_object_get(r, "src")),
			     json_string_value(json_object_get(r, "type")),
			     json_string_value(json_object_get(r, "dst")))) < 0)
			break;
	}
	return rc;
}

static int put_changed(cmdb_buf *b, const json_t *changed)
{
	json_t *item, *c;
	size_t i, j;
	int rc = 0;

	json_array_foreach(changed, i, item)
	{
		if ((rc = cmdb__buf_printf(
			     b, "~ %s\n", json_string_value(json_object_get(item, "id")))) < 0)
			return rc;
		json_array_foreach(json_object_get(item, "changes"), j, c)
		{
			if ((rc = cmdb__buf_printf(b, "    %s: ",
				     json_string_value(json_object_get(c, "path")))) < 0 ||
				(rc = put_value(b, json_object_get(c, "old"))) < 0 ||
				(rc = cmdb__buf_puts(b, " -> ")) < 0 ||
				(rc = put_value(b, json_object_get(c, "new"))) < 0 ||
				(rc = cmdb__buf_puts(b, "\n")) < 0)
				return rc;
		}
	}
	return rc;
}

int cmdb_estate_diff_format_text(char **out, const json_t *result)
{
	cmdb_buf b = CMDB_BUF_INIT(512u * 1024 * 1024);
	json_t *v;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = put_point(&b, "from", json_object_get(result, "from"))) < 0 ||
		(rc = put_point(&b, "to  ", json_object_get(result, "to"))) < 0)
		goto done;
	json_array_foreach(json_object_get(result, "added"), i,
		v) if ((rc = cmdb__buf_printf(&b, "+ %s\n", json_string_value(v))) < 0) goto done;
	json_array_foreach(json_object_get(result, "removed"), i,
		v) if ((rc = cmdb__buf_printf(&b, "- %s\n", json_string_value(v))) < 0) goto done;
	if ((rc = put_changed(&b, json_object_get(result, "changed"))) < 0 ||
		(rc = put_relations(&b, json_object_get(result, "relations_added"), '+')) < 0 ||
		(rc = put_relations(&b, json_object_get(result, "relations_removed"), '-')) < 0)
		goto done;
	if ((rc = cmdb__buf_printf(&b,
		     "%zu added, %zu removed, %zu changed; %zu relations added, "
		     "%zu removed\n",
		     json_array_size(json_object_get(result, "added")),
		     json_array_size(json_object_get(result, "removed")),
		     json_array_size(json_object_get(result, "changed")),
		     json_array_size(json_object_get(result, "relations_added")),
		     json_array_size(json_object_get(result, "relations_removed")))) < 0)
		goto done;
	*out = cmdb__buf_detach(&b, NULL);
done:
	cmdb__buf_dispose(&b);
	return rc;
}
