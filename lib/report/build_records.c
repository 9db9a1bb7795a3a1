/*
 * The records in the report, as they are at its point (the index's copies): changes
 * with the drifts they authorised, incidents with their correlated drifts and problems.
 */
#include <stdlib.h>
#include <string.h>

#include "query/correlate.h"
#include "report/build.h"

#define INCIDENT_DRIFTS 5 /* the best-ranked correlated drifts shown per incident */

/* ids of obj sorted (obj's keys, borrowed). */
static int key_cmp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static const char **sorted(const json_t *obj, size_t *n)
{
	const char **keys = calloc(json_object_size(obj) + 1, sizeof(*keys)), *k;
	json_t *v;

	*n = 0;
	if (!keys)
		return NULL;
	json_object_foreach((json_t *)obj, k, v)
	{
		keys[(*n)++] = k;
	}
	qsort(keys, *n, sizeof(*keys), key_cmp);
	return keys;
}

static json_t *as_list(const json_t *v)
{
	if (json_is_array(v))
		return json_deep_copy(v);
	return json_is_string(v) ? json_pack("[O]", v) : json_array();
}

static int drift_row(sqlite3_stmt *st, void *payload)
{
	char when[CMDB__TIME_BUF];
	json_t *paths = json_loads((const char *)sqlite3_column_text(st, 3), 0, NULL), *row;

	cmdb__time_format(when, sqlite3_column_int64(st, 1));
	row = json_pack("{s:s,s:s,s:s?,s:s,s:o,s:s?}", "item",
		(const char *)sqlite3_column_text(st, 0), "time", when, "commit",
		(const char *)sqlite3_column_text(st, 4), "drift",
		(const char *)sqlite3_column_text(st, 2), "paths", paths ? paths : json_array(),
		"how", (const char *)sqlite3_column_text(st, 5));
	return row && json_array_append_new(payload, row) == 0 ? 0 : OOM();
}

static int group_row(sqlite3_stmt *st, void *payload)
{
	json_t *by = payload, *list; /* change name -> [drift rows] */
	const char *change = (const char *)sqlite3_column_text(st, 6);

	if (!change)
		return 0;
	if (!(list = json_object_get(by, change)) &&
		json_object_set_new(by, change, list = json_array()) < 0)
		return OOM();
	return drift_row(st, list);
}

/* Every drift authorised up to seq, grouped by the change that authorised it (one
 * read, not one per change: the drifts have no index by change). */
static int change_drifts(json_t **out, cmdb_index *idx, long long seq)
{
	static const char sql[] =
		"SELECT d.id, d.time, d.kind, d.paths, c.oid, d.how, d.change FROM drifts d "
		"JOIN commits c ON c.seq = d.seq WHERE d.status = 'authorised' AND d.seq <= ?1 "
		"ORDER BY d.time, d.id";
	json_t *by = json_object();
	int rc;

	*out = NULL;
	if (!by)
		return OOM();
	if ((rc = cmdb__report_rows(idx, sql, seq, group_row, by)) < 0) {
		json_decref(by);
		return rc;
	}
	*out = by;
	return 0;
}

/* Does the change's window meet the period? A change without one is always listed. */
static int change_in_period(const json_t *attrs, const cmdb__report_period *p)
{
	const json_t *w = json_object_get(attrs, "window");
	long long a, b;

	const char *s = json_string_value(json_object_get(w, "start"));
	const char *e = json_string_value(json_object_get(w, "end"));

	if (!s || !e || cmdb__time_parse(&a, s, 0) || cmdb__time_parse(&b, e, 0))
		return 1;
	return b >= p->since_t && a <= p->until_t;
}

static int add_change(json_t *rows, const json_t *by_change, const char *id, const json_t *doc,
	const cmdb__report_period *p)
{
	const json_t *attrs = json_object_get(doc, "attributes");
	const json_t *w = json_object_get(attrs, "window");
	const json_t *mine;
	json_t *drifts, *row;
	const char *name = strchr(id, '/') + 1;

	if (!change_in_period(attrs, p))
		return 0;
	mine = json_object_get(by_change, name);
	if (!(drifts = mine ? json_deep_copy(mine) : json_array()))
		return OOM();
	row = json_pack("{s:s,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:o,s:o}", "id", name, "summary",
		json_string_value(json_object_get(attrs, "summary")), "status",
		json_string_value(json_object_get(attrs, "status")), "type",
		json_string_value(json_object_get(attrs, "type")), "approved_by",
		json_string_value(json_object_get(attrs, "approved_by")), "approved_at",
		json_string_value(json_object_get(attrs, "approved_at")), "start",
		json_string_value(json_object_get(w, "start")), "end",
		json_string_value(json_object_get(w, "end")), "affects",
		as_list(json_object_get(json_object_get(doc, "relations"), "affects")), "drifts",
		drifts);
	return row && json_array_append_new(rows, row) == 0 ? 0 : OOM();
}

int cmdb__report_changes(json_t **out, cmdb_index *idx, const cmdb__report_period *p)
{
	json_t *docs = NULL, *by = NULL, *rows = json_array();
	const char **ids = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	if (!rows)
		return OOM();
	if ((rc = cmdb__report_items_of_type(&docs, idx, "change", p->until_seq)) < 0 ||
		(rc = change_drifts(&by, idx, p->until_seq)) < 0)
		goto done;
	if (!(ids = sorted(docs, &n))) {
		rc = OOM();
		goto done;
	}
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = add_change(rows, by, ids[i], json_object_get(docs, ids[i]), p);
done:
	json_decref(by);
	free(ids);
	json_decref(docs);
	if (rc < 0)
		json_decref(rows);
	else
		*out = rows;
	return rc;
}

/* incident id ("incident/INC-0001") -> [problem ids], from the problems' relations. */
static int problems_of(json_t **out, cmdb_index *idx, long long seq)
{
	json_t *docs = NULL, *by = json_object(), *v;
	const char **ids = NULL;
	size_t n = 0, j;
	int rc;

	*out = NULL;
	if (!by)
		return OOM();
	if ((rc = cmdb__report_items_of_type(&docs, idx, "problem", seq)) < 0)
		goto done;
	if (!(ids = sorted(docs, &n))) {
		rc = OOM();
		goto done;
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		json_t *incs = as_list(json_object_get(
			json_object_get(json_object_get(docs, ids[i]), "relations"), "incidents"));

		json_array_foreach(incs, j, v)
		{
			const char *raw = json_string_value(v);
			char *inc = raw ? (strchr(raw, '/') ? cmdb__strdup(raw)
							    : cmdb__sprintf("incident/%s", raw))
					: NULL;
			json_t *list = inc ? json_object_get(by, inc) : NULL;

			if (inc && !list && json_object_set_new(by, inc, list = json_array()) < 0)
				rc = OOM();
			free(inc);
			if (list)
				json_array_append_new(list, json_string(strchr(ids[i], '/') + 1));
		}
		json_decref(incs);
	}
done:
	free(ids);
	json_decref(docs);
	if (rc < 0)
		json_decref(by);
	else
		*out = by;
	return rc;
}

/* Was the incident open at some time in the period? */
static int incident_in_period(const json_t *attrs, const cmdb__report_period *p)
{
	const char *o = json_string_value(json_object_get(attrs, "opened"));
	const char *r = json_string_value(json_object_get(attrs, "resolved"));
	long long a, b = p->until_t;

	if (!o || cmdb__time_parse(&a, o, 0))
		return 1; /* listed: its bad time is visible in the report */
	if (r && cmdb__time_parse(&b, r, 0))
		b = p->until_t;
	return a <= p->until_t && b >= p->since_t;
}

/* The incident's best-ranked correlated drifts (those of cmdb_query_incident_drifts,
 * from the correlator loaded once for all incidents). */
static int add_incident(json_t *rows, cmdb__correlator **corr, cmdb_index *idx, const char *id,
	const json_t *doc, const json_t *problems, const cmdb__report_period *p)
{
	const json_t *attrs = json_object_get(doc, "attributes");
	const char *name = strchr(id, '/') + 1;
	json_t *drifts = NULL, *row;
	int rc = 0;

	if (!incident_in_period(attrs, p))
		return 0;
	if (!*corr && (rc = cmdb__correlator_open(corr, idx)) < 0)
		return rc;
	if ((rc = cmdb__correlator_incident(&drifts, *corr, name, 0, INCIDENT_DRIFTS)) < 0) {
		if (rc != CMDB_EINVALID && rc != CMDB_ENOTFOUND)
			return rc;
		cmdb_error_clear(); /* no valid opened or not indexed: no drifts to show */
		if (!(drifts = json_array()))
			return OOM();
	}
	row = json_pack("{s:s,s:s?,s:s?,s:s?,s:s?,s:s?,s:o,s:o,s:o}", "id", name, "summary",
		json_string_value(json_object_get(attrs, "summary")), "severity",
		json_string_value(json_object_get(attrs, "severity")), "status",
		json_string_value(json_object_get(attrs, "status")), "opened",
		json_string_value(json_object_get(attrs, "opened")), "resolved",
		json_string_value(json_object_get(attrs, "resolved")), "affects",
		as_list(json_object_get(json_object_get(doc, "relations"), "affects")), "drifts",
		drifts, "problems",
		json_object_get(problems, id) ? json_deep_copy(json_object_get(problems, id))
					      : json_array());
	return row && json_array_append_new(rows, row) == 0 ? 0 : OOM();
}

int cmdb__report_incidents(json_t **out, cmdb_index *idx, const cmdb__report_period *p)
{
	json_t *docs = NULL, *problems = NULL, *rows = json_array();
	cmdb__correlator *corr = NULL;
	const char **ids = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	if (!rows)
		return OOM();
	if ((rc = cmdb__report_items_of_type(&docs, idx, "incident", p->until_seq)) < 0 ||
		(rc = problems_of(&problems, idx, p->until_seq)) < 0)
		goto done;
	if (!(ids = sorted(docs, &n))) {
		rc = OOM();
		goto done;
	}
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = add_incident(
			rows, &corr, idx, ids[i], json_object_get(docs, ids[i]), problems, p);
done:
	cmdb__correlator_free(corr);
	free(ids);
	json_decref(docs);
	json_decref(problems);
	if (rc < 0)
		json_decref(rows);
	else
		*out = rows;
	return rc;
}
