/*
 * An item's history from the index (`gitcmdb history`): each version with the
 * commit that made it, the fields that changed there (old → new, typed), the
 * commit's Change: trailers, and the records that concern the item. The four
 * statements are prepared once and stepped per version; every step is checked,
 * so a busy or damaged index fails the whole answer instead of shortening it.
 */
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/time.h"
#include "index/index_int.h"

#define WHAT "cannot read the item's history"

#define PATH_FILTER(col)                                                                           \
	" AND (?3 IS NULL OR " col " = ?3 OR substr(" col ", 1, length(?3) + 1) = ?3 || '.')"

enum {
	Q_VERSIONS,
	Q_ATTRS,
	Q_RELATIONS,
	Q_TRAILERS,
	Q_COUNT
};

static const char *const queries[Q_COUNT] = {
	/* every seq where a version of ?1 starts or ends, with its commit */
	"SELECT s.seq, c.oid, c.time, c.author, c.email, c.summary,"
	" EXISTS(SELECT 1 FROM item_versions WHERE id = ?1 AND from_seq = s.seq),"
	" EXISTS(SELECT 1 FROM item_versions WHERE id = ?1 AND to_seq = s.seq)"
	" FROM (SELECT from_seq AS seq FROM item_versions WHERE id = ?1 UNION"
	"  SELECT to_seq FROM item_versions WHERE id = ?1 AND to_seq IS NOT NULL) s"
	" JOIN commits c ON c.seq = s.seq ORDER BY s.seq",
	/* attribute rows closed (old) or opened (new) at ?2, one row a path */
	"SELECT path, max(CASE WHEN to_seq = ?2 THEN value END),"
	" max(CASE WHEN to_seq = ?2 THEN vtype END),"
	" max(CASE WHEN from_seq = ?2 THEN value END),"
	" max(CASE WHEN from_seq = ?2 THEN vtype END)"
	" FROM attrs WHERE id = ?1 AND (from_seq = ?2 OR to_seq = ?2)" PATH_FILTER(
		"path") " GROUP BY path ORDER BY path",
	/* relations closed (removed) or opened (added) at ?2 */
	"SELECT 'relations.' || type AS p, dst, to_seq = ?2 FROM relations"
	" WHERE src = ?1 AND (from_seq = ?2 OR to_seq = ?2)" PATH_FILTER("p") " ORDER BY type, dst",
	"SELECT value FROM trailers WHERE seq = ?2 AND lower(key) = 'change' ORDER BY rowid",
};

typedef struct {
	cmdb_index *idx;
	sqlite3_stmt *st[Q_COUNT];
	const char *id, *path;
} history;

static const char *text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

/* Bind (?1 id, ?2 seq, ?3 path) to the parameters q has, after a reset. */
static int bind(history *h, int q, long long seq)
{
	sqlite3_stmt *st = h->st[q];
	int n = sqlite3_bind_parameter_count(st), rc = SQLITE_OK;

	sqlite3_reset(st);
	if (q != Q_TRAILERS)
		rc = sqlite3_bind_text(st, 1, h->id, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK && n >= 2)
		rc = sqlite3_bind_int64(st, 2, seq);
	if (rc == SQLITE_OK && n >= 3)
		rc = sqlite3_bind_text(st, 3, h->path, -1, SQLITE_STATIC);
	return rc == SQLITE_OK ? 0 : cmdb__index_sqlerr(h->idx, WHAT);
}

/* An attribute value as JSON, typed by its vtype. */
static json_t *typed(const char *value, const char *vtype)
{
	json_t *v;

	if (!vtype || !value || strcmp(vtype, "null") == 0)
		return json_null();
	if (strcmp(vtype, "int") == 0)
		return json_integer(strtoll(value, NULL, 10));
	if (strcmp(vtype, "real") == 0)
		return json_real(strtod(value, NULL));
	if (strcmp(vtype, "bool") == 0)
		return json_boolean(strcmp(value, "true") == 0);
	if (strcmp(vtype, "list") == 0 && (v = json_loads(value, JSON_DECODE_ANY, NULL)))
		return v;
	return json_string(value);
}

static int add_change(json_t *out, const char *path, const char *ov, const char *ot, const char *nv,
	const char *nt)
{
	json_t *c = json_pack("{s:s, s:s, s:o, s:o}", "path", path, "op",
		!ot           ? "added"
			: !nt ? "removed"
			      : "changed",
		"old", typed(ov, ot), "new", typed(nv, nt));

	if (!c || json_array_append_new(out, c) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

/* The changes of the item at seq (under h->path when set), as [{path, op, old, new}]. */
static int changes_at(json_t **out, history *h, long long seq)
{
	json_t *arr = json_array();
	int rc = arr ? 0 : cmdb__error(CMDB_ERROR, "out of memory");

	for (int q = Q_ATTRS; q <= Q_RELATIONS && rc == 0; q++) {
		sqlite3_stmt *st = h->st[q];

		if ((rc = bind(h, q, seq)) < 0)
			break;
		while (rc == 0 && (rc = cmdb__index_step(h->idx, st, WHAT)) == 1) {
			if (q == Q_ATTRS)
				rc = add_change(arr, text(st, 0), text(st, 1), text(st, 2),
					text(st, 3), text(st, 4));
			else if (sqlite3_column_int(st, 2)) /* closed here: removed */
				rc = add_change(
					arr, text(st, 0), text(st, 1), "string", NULL, NULL);
			else
				rc = add_change(
					arr, text(st, 0), NULL, NULL, text(st, 1), "string");
		}
	}
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

/* The first column of every row of h->st[q] at seq, as an array of strings. */
static int strings(json_t **out, history *h, int q, long long seq)
{
	sqlite3_stmt *st = h->st[q];
	json_t *arr = json_array();
	int rc = arr ? bind(h, q, seq) : cmdb__error(CMDB_ERROR, "out of memory");

	while (rc == 0 && (rc = cmdb__index_step(h->idx, st, WHAT)) == 1) {
		rc = json_array_append_new(arr, json_string(text(st, 0))) < 0
			? cmdb__error(CMDB_ERROR, "out of memory")
			: 0;
	}
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

/* The version row under h->st[Q_VERSIONS], appended to versions unless path filters it out. */
static int add_version(json_t *versions, history *h)
{
	sqlite3_stmt *st = h->st[Q_VERSIONS];
	long long seq = sqlite3_column_int64(st, 0);
	int opens = sqlite3_column_int(st, 6), closes = sqlite3_column_int(st, 7), rc;
	json_t *ch = NULL, *ids = NULL, *v;
	char t[CMDB__TIME_BUF];

	if ((rc = changes_at(&ch, h, seq)) < 0)
		return rc;
	if (h->path && json_array_size(ch) == 0) {
		json_decref(ch);
		return 0;
	}
	if ((rc = strings(&ids, h, Q_TRAILERS, seq)) < 0) {
		json_decref(ch);
		return rc;
	}
	cmdb__time_format(t, sqlite3_column_int64(st, 2));
	v = json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:s?, s:s, s:o, s:o}", "seq", (json_int_t)seq,
		"commit", text(st, 1), "time", t, "author", text(st, 3), "email", text(st, 4),
		"summary", text(st, 5), "kind",
		opens && closes ? "modified"
			: opens ? "created"
				: "deleted",
		"changes", ch, "change_ids", ids);
	if (!v || json_array_append_new(versions, v) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

int cmdb_index_item_records(json_t **out, cmdb_index *idx, const char *id)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = NULL;
	int rc;

	*out = NULL;
	if ((rc = cmdb__index_prepare(&st, idx,
		     "SELECT src FROM relations WHERE dst = ?1 AND type = 'affects'"
		     " UNION SELECT a.id FROM attrs a WHERE a.path = 'affects' AND a.vtype = 'list'"
		     " AND EXISTS(SELECT 1 FROM json_each(a.value) j WHERE j.value = ?1)"
		     " ORDER BY 1",
		     "cannot read the item's records")) < 0)
		return rc;
	if (sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC) != SQLITE_OK)
		rc = cmdb__index_sqlerr(idx, "cannot read the item's records");
	else if (!(arr = json_array()))
		rc = cmdb__error(CMDB_ERROR, "out of memory");
	while (rc == 0 && (rc = cmdb__index_step(idx, st, "cannot read the item's records")) == 1) {
		rc = json_array_append_new(arr, json_string(text(st, 0))) < 0
			? cmdb__error(CMDB_ERROR, "out of memory")
			: 0;
	}
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

int cmdb_index_item_history(json_t **out, cmdb_index *idx, const char *id, const char *path)
{
	history h;
	json_t *versions = NULL, *records = NULL;
	int rc;

	*out = NULL;
	memset(&h, 0, sizeof(h));
	h.idx = idx;
	h.id = id;
	h.path = path;
	if ((rc = cmdb_index_check_id(idx, id)) < 0)
		return rc;
	for (int q = 0; q < Q_COUNT && rc == 0; q++)
		rc = cmdb__index_prepare(&h.st[q], idx, queries[q], WHAT);
	if (rc < 0 || (rc = bind(&h, Q_VERSIONS, 0)) < 0)
		goto done;
	if (!(versions = json_array())) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	while ((rc = cmdb__index_step(idx, h.st[Q_VERSIONS], WHAT)) == 1)
		if ((rc = add_version(versions, &h)) < 0)
			goto done;
	if (rc < 0 || (rc = cmdb_index_item_records(&records, idx, id)) < 0)
		goto done;
	if (!(*out = json_pack("{s:s, s:s?, s:o, s:O}", "id", id, "path", path, "change_records",
		      records, "versions", versions)))
		rc = cmdb__error(CMDB_ERROR, "out of memory");
	records = NULL;
done:
	for (int q = 0; q < Q_COUNT; q++)
		sqlite3_finalize(h.st[q]);
	json_decref(versions);
	json_decref(records);
	return rc;
}
