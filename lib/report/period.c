/* The report's common reads: rows, items of a type, record times, the period. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/report_int.h"

int cmdb__report_rows(cmdb_index *idx, const char *sql, long long seq,
	int (*fn)(sqlite3_stmt *st, void *payload), void *payload)
{
	sqlite3 *db = cmdb_index_db(idx);
	sqlite3_stmt *st = NULL;
	int rc = 0, step = SQLITE_DONE;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return cmdb__query_sqlerr(db, "cannot read the index");
	sqlite3_bind_int64(st, 1, seq);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
		rc = fn(st, payload);
	if (rc == 0 && step != SQLITE_DONE)
		rc = cmdb__query_sqlerr(db, "cannot read the index");
	sqlite3_finalize(st);
	return rc < 0 ? rc : 0;
}

static int add_doc(sqlite3_stmt *st, void *payload)
{
	const char *id = (const char *)sqlite3_column_text(st, 0);
	const char *doc = (const char *)sqlite3_column_text(st, 1);
	json_t *v;

	if (!id || !doc || !(v = json_loads(doc, 0, NULL)))
		return 0;
	return json_object_set_new(payload, id, v) < 0 ? OOM() : 0;
}

int cmdb__report_items_of_type(json_t **out, cmdb_index *idx, const char *type, long long seq)
{
	static const char sql[] = "SELECT v.id, v.doc FROM item_versions v JOIN items i ON i.id = "
				  "v.id WHERE i.type = ?2 AND v." CMDB_VALID_AT(1);
	sqlite3 *db = cmdb_index_db(idx);
	sqlite3_stmt *st = NULL;
	json_t *items = json_object();
	int rc = 0, step = SQLITE_DONE;

	*out = NULL;
	if (!items)
		return OOM();
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		rc = cmdb__query_sqlerr(db, "cannot read the index");
		goto done;
	}
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
		rc = add_doc(st, items);
	if (rc == 0 && step != SQLITE_DONE)
		rc = cmdb__query_sqlerr(db, "cannot read the index");
done:
	sqlite3_finalize(st);
	if (rc < 0)
		json_decref(items);
	else
		*out = items;
	return rc;
}

int cmdb__report_field_time(long long *t, const char *id, const char *field, const char *value)
{
	int rc = value ? cmdb__time_parse(t, value, 0) : 1;

	if (rc != 0 || !strchr(value, '-'))
		return cmdb__error(CMDB_EINVALID, "%s: %s: '%s' is not an ISO 8601 time", id, field,
			value ? value : "(missing)");
	return 0;
}

/* A WHEN as a time: an ISO time as given, anything else (revision, baseline) by the
 * committer time of the commit it names. */
static int when_time(long long *t, cmdb_index *idx, const char *when)
{
	long long seq;
	json_t *at = NULL;
	int rc = cmdb__time_parse(t, when, (long long)time(NULL));

	if (rc <= 0)
		return rc;
	cmdb_error_clear();
	if ((rc = cmdb__query_point(&seq, &at, idx, when)) < 0)
		return rc;
	rc = cmdb__time_parse(t, json_string_value(json_object_get(at, "time")), 0);
	json_decref(at);
	return rc == 0 ? 0 : cmdb__error(CMDB_ERROR, "the index holds a malformed commit time");
}

static int first_time(long long *t, cmdb_index *idx)
{
	sqlite3 *db = cmdb_index_db(idx);
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(db, "SELECT min(time) FROM commits WHERE mainline = 1", -1, &st,
		    NULL) != SQLITE_OK ||
		sqlite3_step(st) != SQLITE_ROW)
		rc = cmdb__query_sqlerr(db, "cannot read the index");
	else
		*t = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc;
}

static long long pragma(sqlite3 *db, const char *name)
{
	char *sql = cmdb__sprintf("PRAGMA %s", name);
	sqlite3_stmt *st = NULL;
	long long v = 0;

	if (sql && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
		sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	cmdb_free(sql);
	return v;
}

static void set_pragma(sqlite3 *db, const char *name, long long v)
{
	char *sql = cmdb__sprintf("PRAGMA %s = %lld", name, v);

	if (sql)
		sqlite3_exec(db, sql, NULL, NULL, NULL); /* a failure keeps the setting */
	cmdb_free(sql);
}

/*
 * The report and sla read most of the index once: mapped pages and a large page
 * cache would only keep what was read resident (the bench's 267 MB index made the
 * report's RSS > 400 MB). While the period lives, the index is read through a small
 * cache; the settings are put back when it is disposed.
 */
static void lean_reads(cmdb__report_period *p, cmdb_index *idx)
{
	sqlite3 *db = cmdb_index_db(idx);

	p->db = db;
	p->saved_mmap = pragma(db, "mmap_size");
	p->saved_cache = pragma(db, "cache_size");
	set_pragma(db, "mmap_size", 0);
	set_pragma(db, "cache_size", -8192); /* 8 MiB */
}

int cmdb__report_period_init(
	cmdb__report_period *p, cmdb_index *idx, const char *since, const char *until)
{
	char a[CMDB__TIME_BUF], b[CMDB__TIME_BUF];
	int rc;

	memset(p, 0, sizeof(*p));
	lean_reads(p, idx);
	if ((rc = cmdb__query_point(&p->until_seq, &p->until_point, idx, until)) < 0)
		return rc;
	if ((rc = until ? when_time(&p->until_t, idx, until)
			: cmdb__time_parse(&p->until_t,
				  json_string_value(json_object_get(p->until_point, "time")), 0)) <
		0)
		return rc;
	if ((rc = first_time(&p->first_t, idx)) < 0)
		return rc;
	p->since_t = p->first_t;
	if (since && (rc = when_time(&p->since_t, idx, since)) < 0)
		return rc;
	if (since && p->since_t >= p->until_t) {
		cmdb__time_format(a, p->since_t);
		cmdb__time_format(b, p->until_t);
		return cmdb__error(CMDB_EINVALID,
			"--since %s (%s) is not before the end of the period %s (%s): give a "
			"since before it",
			since, a, until ? until : "(the newest commit)", b);
	}
	return 0;
}

void cmdb__report_period_dispose(cmdb__report_period *p)
{
	json_decref(p->until_point);
	p->until_point = NULL;
	if (p->db) {
		set_pragma(p->db, "mmap_size", p->saved_mmap);
		set_pragma(p->db, "cache_size", p->saved_cache);
		p->db = NULL;
	}
}
