/*
 * The report's view of the estate at a point: the CI register (key attributes and
 * the last successful scan of each host) and the scan coverage over the period.
 * A scan succeeded for a host as audit judges it (docs/audit.md): the commit has a
 * Scan-Id trailer, does not list the host as failed, and its Scan-Scope names the
 * host or the host's item changed in it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/build.h"
#include "util/glob.h"

static int is_record_type(const char *type)
{
	return !strcmp(type, "change") || !strcmp(type, "incident") || !strcmp(type, "problem");
}

/* Up to 6 "key=value" of the scalars of attributes and of its maps (os.kernel). */
static int key_attrs(cmdb_buf *b, const json_t *attrs)
{
	const char *k, *k2;
	json_t *v, *v2;
	int n = 0, rc = 0;

	json_object_foreach((json_t *)attrs, k, v)
	{
		if (json_is_object(v)) {
			json_object_foreach(v, k2, v2)
			{
				if (n < 6 && rc == 0 &&
					(json_is_string(v2) || json_is_number(v2))) {
					char *s = json_dumps(v2, JSON_ENCODE_ANY);

					rc = s ? cmdb__buf_printf(b, "%s%s.%s=%s", n++ ? "; " : "",
							 k, k2,
							 json_is_string(v2) ? json_string_value(v2)
									    : s)
					       : OOM();
					free(s);
				}
			}
		} else if (n < 6 && rc == 0 && (json_is_string(v) || json_is_number(v))) {
			char *s = json_dumps(v, JSON_ENCODE_ANY);

			rc = s ? cmdb__buf_printf(b, "%s%s=%s", n++ ? "; " : "", k,
					 json_is_string(v) ? json_string_value(v) : s)
			       : OOM();
			free(s);
		}
	}
	return rc;
}

static int register_row(sqlite3_stmt *st, void *payload)
{
	const char *id = (const char *)sqlite3_column_text(st, 0);
	const char *type = (const char *)sqlite3_column_text(st, 1);
	const char *doc = (const char *)sqlite3_column_text(st, 2);
	json_t *d = doc ? json_loads(doc, 0, NULL) : NULL, *row;
	cmdb_buf b;
	char *attrs;
	int rc;

	if (!id || !type || is_record_type(type))
		return json_decref(d), 0;
	cmdb__buf_init(&b, 0);
	if ((rc = key_attrs(&b, json_object_get(d, "attributes"))) < 0 ||
		!(attrs = cmdb__buf_detach(&b, NULL))) {
		cmdb__buf_dispose(&b);
		json_decref(d);
		return rc < 0 ? rc : OOM();
	}
	row = json_pack("{s:s,s:s,s:s,s:O?,s:n}", "id", id, "type", type, "attributes", attrs,
		"source", json_object_get(d, "source"), "last_scan");
	free(attrs);
	json_decref(d);
	return row && json_array_append_new(payload, row) == 0 ? 0 : OOM();
}

int cmdb__report_register(json_t **out, cmdb_index *idx, long long seq)
{
	static const char sql[] = "SELECT v.id, i.type, v.doc FROM item_versions v JOIN items i "
				  "ON i.id = v.id WHERE v." CMDB_VALID_AT(1) " ORDER BY v.id";
	json_t *rows = json_array();
	int rc;

	*out = NULL;
	if (!rows)
		return OOM();
	if ((rc = cmdb__report_rows(idx, sql, seq, register_row, rows)) < 0) {
		json_decref(rows);
		return rc;
	}
	*out = rows;
	return 0;
}

/* ---- scans ------------------------------------------------------------------------------ */

typedef struct {
	json_t *register_by_id; /* host id -> its register row (borrowed) */
	json_t *failed; /* host id -> failures in the period */
	json_t *scanned; /* host id -> true: a successful scan in the period */
	long long since_seq;
	long long scans; /* scan commits in the period */
} scans;

static int failed_in(json_t *failed, const char *msg)
{
	static const char *const status[] = {
		"unreachable", "timeout", "hostkey", "auth", "toobig", "error", NULL};

	for (const char *l = msg; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		for (const char *const *s = status; *s; s++) {
			size_t n = strlen(*s), k;
			char *id;

			if (strncmp(l, *s, n) || strncmp(l + n, ": host/", 7))
				continue;
			k = strcspn(l + n + 2, " \n");
			if (!(id = cmdb__strndup(l + n + 2, k)) ||
				json_object_set_new(failed, id, json_true()) < 0)
				return free(id), OOM();
			free(id);
		}
	}
	return 0;
}

static int in_scope(const char *scope, const char *id)
{
	char pat[512];

	if (!scope || !*scope || !strcmp(scope, "all"))
		return 1;
	for (const char *p = scope; *p;) {
		size_t n = strcspn(p, ",");

		snprintf(pat, sizeof(pat), "%.*s", (int)n, p);
		if (pat[0] != '@' && cmdb__glob_match(pat, id + 5, CMDB__GLOB_QUESTION))
			return 1;
		p += n + (p[n] == ',');
	}
	return 0;
}

static int count_fail(json_t *counts, const char *id)
{
	json_int_t n = json_integer_value(json_object_get(counts, id));

	return json_object_set_new(counts, id, json_integer(n + 1)) < 0 ? OOM() : 0;
}

static int scan_commit(sqlite3_stmt *st, void *payload)
{
	scans *s = payload;
	long long seq = sqlite3_column_int64(st, 0);
	const char *oid = (const char *)sqlite3_column_text(st, 1);
	const char *msg = (const char *)sqlite3_column_text(st, 3);
	const char *scope = (const char *)sqlite3_column_text(st, 4);
	const char *changed = (const char *)sqlite3_column_text(st, 5);
	int in_period = seq > s->since_seq;
	json_t *failed = json_object(), *row;
	char when[CMDB__TIME_BUF], needle[600];
	const char *id;
	int rc = 0;

	if (!failed || (rc = failed_in(failed, msg ? msg : "")) < 0)
		return json_decref(failed), failed ? rc : OOM();
	s->scans += in_period;
	cmdb__time_format(when, sqlite3_column_int64(st, 2));
	json_object_foreach(s->register_by_id, id, row)
	{
		if (rc < 0)
			break;
		if (json_object_get(failed, id)) {
			if (in_period)
				rc = count_fail(s->failed, id);
			continue;
		}
		snprintf(needle, sizeof(needle), ",%s,", id);
		if (!in_scope(scope, id) && !(changed && strstr(changed, needle)))
			continue;
		if (in_period)
			json_object_set_new(s->scanned, id, json_true());
		if (json_is_null(json_object_get(row, "last_scan")))
			json_object_set_new(row, "last_scan",
				json_pack("{s:s,s:s}", "time", when, "commit", oid ? oid : ""));
	}
	json_decref(failed);
	return rc;
}

int cmdb__report_scans(
	json_t **coverage, cmdb_index *idx, json_t *reg, long long since_seq, long long seq)
{
	static const char sql[] =
		"SELECT c.seq, c.oid, c.time, c.message, (SELECT value FROM trailers t WHERE t.seq "
		"= c.seq AND t.key = 'Scan-Scope'), ',' || (SELECT group_concat(id) FROM "
		"item_versions v WHERE v.from_seq = c.seq AND v.id LIKE 'host/%') || ',' FROM "
		"commits c WHERE c.scan_id IS NOT NULL AND c.mainline = 1 AND c.seq <= ?1 "
		"ORDER BY c.seq DESC";
	scans s = {json_object(), json_object(), json_object(), since_seq, 0};
	json_t *row, *failed = json_array(), *scanned = json_array(), *v;
	const char *id;
	size_t i, hosts = 0;
	int rc = 0;

	*coverage = NULL;
	if (!s.register_by_id || !s.failed || !s.scanned || !failed || !scanned) {
		rc = OOM();
		goto done;
	}
	json_array_foreach(reg, i, row)
	{
		id = json_string_value(json_object_get(row, "id"));
		if (!strncmp(id, "host/", 5) && json_is_string(json_object_get(row, "source")) &&
			!strcmp("scan", json_string_value(json_object_get(row, "source")))) {
			json_object_set(s.register_by_id, id, row);
			hosts++;
		}
	}
	if (hosts && (rc = cmdb__report_rows(idx, sql, seq, scan_commit, &s)) < 0)
		goto done;
	json_array_foreach(reg, i, row) /* register order: sorted by id */
	{
		id = json_string_value(json_object_get(row, "id"));
		if (json_object_get(s.scanned, id))
			json_array_append_new(scanned, json_string(id));
		if ((v = json_object_get(s.failed, id)))
			json_array_append_new(
				failed, json_pack("{s:s,s:O}", "id", id, "failures", v));
	}
	*coverage = json_pack("{s:I,s:I,s:O,s:O}", "scans", (json_int_t)s.scans, "hosts",
		(json_int_t)hosts, "scanned", scanned, "failed", failed);
	rc = *coverage ? 0 : OOM();
done:
	json_decref(s.register_by_id);
	json_decref(s.failed);
	json_decref(s.scanned);
	json_decref(failed);
	json_decref(scanned);
	return rc;
}
