/* Helpers shared by the query modules: points in history, values, sqlite errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/time.h"
#include "index/index_int.h"
#include "query/query_int.h"

int cmdb__query_sqlerr(sqlite3 *db, const char *what)
{
	int ec = db ? sqlite3_extended_errcode(db) : SQLITE_ERROR;

	cmdb__index_note_sqlerr(db, ec);
	return cmdb__error(CMDB_ERROR, "%s: %s%s", what, db ? sqlite3_errmsg(db) : "no database",
		cmdb__index_corrupt_code(ec) ? ": the index file is damaged" : "");
}

int cmdb__query_point_of(json_t **at, sqlite3 *db, long long seq)
{
	sqlite3_stmt *st = NULL;
	json_t *res = NULL;
	char when[32];
	int rc;

	*at = NULL;
	if (sqlite3_prepare_v2(db, "SELECT oid, time FROM commits WHERE seq = ?1", -1, &st, NULL) !=
		SQLITE_OK) {
		rc = cmdb__query_sqlerr(db, "cannot read commits");
		goto done;
	}
	sqlite3_bind_int64(st, 1, seq);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = cmdb__error(CMDB_ENOTFOUND, "no indexed commit with seq %lld", seq);
		goto done;
	}
	cmdb__time_format(when, sqlite3_column_int64(st, 1));
	if (!(res = json_pack("{sIssss}", "seq", (json_int_t)seq, "commit",
		      (const char *)sqlite3_column_text(st, 0), "time", when))) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	*at = res;
	res = NULL;
	rc = 0;
done:
	json_decref(res);
	sqlite3_finalize(st);
	return rc;
}

int cmdb__query_point(long long *seq, json_t **at, cmdb_index *idx, const char *when)
{
	long long s = 0;
	int rc;

	*at = NULL;
	/* mmap_size is set by cmdb_index_open (lib/index/index.c) on every handle. */
	if (when && *when && strcmp(when, "now") != 0) {
		if ((rc = cmdb_index_resolve_when(&s, idx, when)) < 0)
			return rc;
	} else if ((s = cmdb_index_head_seq(idx)) <= 0) {
		return cmdb__error(CMDB_ENOTFOUND,
			"the index is empty (%s): commit or scan something first",
			cmdb_index_path(idx));
	}
	if ((rc = cmdb__query_point_of(at, cmdb_index_db(idx), s)) < 0)
		return rc;
	*seq = s;
	return 0;
}

json_t *cmdb__query_value(const char *text, const char *vtype)
{
	json_t *v;

	if (!text || !vtype || !strcmp(vtype, "null"))
		return json_null();
	if (!strcmp(vtype, "int"))
		return json_integer(strtoll(text, NULL, 10));
	if (!strcmp(vtype, "real"))
		return json_real(strtod(text, NULL));
	if (!strcmp(vtype, "bool"))
		return json_boolean(!strcmp(text, "true"));
	if (!strcmp(vtype, "list") && (v = json_loads(text, JSON_DECODE_ANY, NULL)))
		return v;
	return json_string(text);
}

int cmdb__query_item_exists_at(sqlite3 *db, const char *id, long long seq)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db,
		    "SELECT 1 FROM item_versions WHERE id = ?1 AND " CMDB_VALID_AT(2), -1, &st,
		    NULL) != SQLITE_OK)
		return cmdb__query_sqlerr(db, "cannot read item versions");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	rc = sqlite3_step(st);
	rc = rc == SQLITE_ROW       ? 1
		: rc == SQLITE_DONE ? 0
				    : cmdb__query_sqlerr(db, "cannot read item versions");
	sqlite3_finalize(st);
	return rc;
}
