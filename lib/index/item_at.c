/*
 * An item as the index holds it at a point in history (`gitcmdb show`): the version
 * in force at the seq WHEN resolves to, with the commit it comes from; or, when
 * there is none, the commit that explains why.
 */
#include <stdio.h>
#include <string.h>

#include "util/error.h"
#include "util/time.h"
#include "index/index_int.h"

#define WHAT "cannot read item versions"

/* The one row of (oid, time) sql gives for (id, seq): 1 found, 0 none, <0 error. */
static int commit_of(char oid[41], char time[CMDB__TIME_BUF], cmdb_index *idx, const char *sql,
	const char *id, long long seq)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = cmdb__index_prepare(&st, idx, sql, WHAT)) < 0)
		return rc;
	if (sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC) != SQLITE_OK ||
		sqlite3_bind_int64(st, 2, seq) != SQLITE_OK)
		rc = cmdb__index_sqlerr(idx, WHAT);
	else if ((rc = cmdb__index_step(idx, st, WHAT)) == 1) {
		snprintf(oid, 41, "%s", (const char *)sqlite3_column_text(st, 0));
		cmdb__time_format(time, sqlite3_column_int64(st, 1));
	}
	sqlite3_finalize(st);
	return rc;
}

/* Why id has no version at seq: it was deleted before, or created only after. */
static int absent(cmdb_index *idx, const char *id, long long seq, const char *when)
{
	static const struct {
		const char *sql, *yet, *how;
	} reasons[] = {
		{"SELECT c.oid, c.time FROM item_versions v JOIN commits c ON c.seq = v.to_seq"
		 " WHERE v.id = ?1 AND v.to_seq <= ?2 ORDER BY v.to_seq DESC LIMIT 1",
			"", "deleted in"},
		{"SELECT c.oid, c.time FROM item_versions v JOIN commits c ON c.seq = v.from_seq"
		 " WHERE v.id = ?1 AND v.from_seq > ?2 ORDER BY v.from_seq LIMIT 1",
			" yet", "created later, in"},
	};
	char oid[41], t[CMDB__TIME_BUF];
	int rc;

	for (size_t i = 0; i < sizeof(reasons) / sizeof(*reasons); i++) {
		if ((rc = commit_of(oid, t, idx, reasons[i].sql, id, seq)) < 0)
			return rc;
		if (rc == 1)
			return cmdb__error(CMDB_ENOTFOUND,
				"%s did not exist%s at %s: it was %s commit %.12s (%s)", id,
				reasons[i].yet, when, reasons[i].how, oid, t);
	}
	return cmdb__error(CMDB_ENOTFOUND, "%s did not exist at %s", id, when);
}

static const char *text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

/* The row of the version in force into {id, seq, commit, blob, item}. */
static int version(json_t **out, sqlite3_stmt *st, const char *id, long long seq)
{
	const char *doc_s = text(st, 0), *oid = text(st, 3);
	json_t *doc = NULL;
	char t[CMDB__TIME_BUF];

	if (!doc_s)
		return cmdb__error(CMDB_ERROR,
			"%s at commit %.12s does not parse: %s: fix the file in git", id, oid,
			text(st, 2) ? text(st, 2) : "unreadable");
	if (!(doc = json_loads(doc_s, JSON_DECODE_ANY, NULL)))
		return cmdb__error(CMDB_ERROR,
			"%s at commit %.12s: cannot load its stored document (out of memory, or "
			"the index is damaged: run 'gitcmdb index --rebuild')",
			id, oid);
	cmdb__time_format(t, sqlite3_column_int64(st, 4));
	*out = json_pack("{s:s, s:I, s:{s:s, s:s, s:s?, s:s?, s:s?}, s:s, s:O}", "id", id, "seq",
		(json_int_t)seq, "commit", "oid", oid, "time", t, "author", text(st, 5), "email",
		text(st, 6), "summary", text(st, 7), "blob", text(st, 1), "item", doc);
	json_decref(doc);
	return *out ? 0 : cmdb__error(CMDB_ERROR, "out of memory");
}

int cmdb_index_item_at(json_t **out, cmdb_index *idx, const char *id, const char *when)
{
	sqlite3_stmt *st = NULL;
	long long seq = 0;
	int rc;

	*out = NULL;
	if ((rc = cmdb_index_check_id(idx, id)) < 0 ||
		(rc = when ? cmdb_index_resolve_when(&seq, idx, when)
			   : cmdb__index_head(&seq, idx)) < 0 ||
		(rc = cmdb__index_prepare(&st, idx,
			 "SELECT v.doc, v.blob, v.error, c.oid, c.time, c.author, c.email, "
			 "c.summary"
			 " FROM item_versions v JOIN commits c ON c.seq = v.from_seq WHERE v.id = "
			 "?1"
			 " AND v.from_seq <= ?2 AND (v.to_seq IS NULL OR v.to_seq > ?2)",
			 WHAT)) < 0)
		goto done;
	if (sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC) != SQLITE_OK ||
		sqlite3_bind_int64(st, 2, seq) != SQLITE_OK) {
		rc = cmdb__index_sqlerr(idx, WHAT);
		goto done;
	}
	if ((rc = cmdb__index_step(idx, st, WHAT)) == 1)
		rc = version(out, st, id, seq);
	else if (rc == 0)
		rc = absent(idx, id, seq, when ? when : "HEAD");
done:
	sqlite3_finalize(st);
	return rc;
}
