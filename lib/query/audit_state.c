/*
 * The audit's findings about the estate's state at the end of the range (audit.c
 * has the drifts and changes): hosts not scanned successfully for audit.stale_days,
 * what `validate` reports on the items as committed then (schema violations and
 * relations to missing items), and hosts sharing an identity as the scan detects it
 * (the same machine-id or DMI uuid).
 */
#include <stdlib.h>
#include <string.h>

#include <gitcmdb/id.h>
#include <gitcmdb/schema.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/glob.h"
#include "util/time.h"
#include "query/audit_int.h"

#define OOM() cmdb__error(CMDB_ERROR, "out of memory")
#define DAY 86400LL

int cmdb__audit_seq_time(long long *t, cmdb_index *idx, long long seq)
{
	sqlite3 *db = cmdb_index_db(idx);
	sqlite3_stmt *st = NULL;
	int rc;

	*t = 0;
	if (sqlite3_prepare_v2(db, "SELECT time FROM commits WHERE seq = ?1", -1, &st, NULL) !=
		SQLITE_OK)
		return cmdb__query_sqlerr(db, "cannot read commits");
	sqlite3_bind_int64(st, 1, seq);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*t = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		? 0
		: cmdb__query_sqlerr(db, "cannot read commits");
}

/* Run sql (?1 = seq) and hand each row to fn. */
static int each_row(cmdb_index *idx, const char *sql, long long seq,
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
	return rc;
}

/* ---- stale_scan ---------------------------------------------------------------------- */

typedef struct {
	json_t *hosts; /* host id -> [seq, oid, time] of its last successful scan, or null */
	size_t open; /* hosts still without one */
	cmdb_index *idx;
} stale;

static int add_host(sqlite3_stmt *st, void *payload)
{
	stale *s = payload;

	s->open++;
	return json_object_set_new(
		       s->hosts, (const char *)sqlite3_column_text(st, 0), json_null()) < 0
		? OOM()
		: 0;
}

/* The hosts a scan commit's message says failed: "<status>: host/NAME (...)". */
static int fail_host(json_t *failed, const char *id, size_t n)
{
	char *copy = cmdb__strndup(id, n);
	int rc = copy && json_object_set_new(failed, copy, json_true()) == 0 ? 0 : OOM();

	free(copy);
	return rc;
}

static int failed_in(json_t *failed, const char *msg)
{
	int rc;

	static const char *const status[] = {
		"unreachable", "timeout", "hostkey", "auth", "toobig", "error", NULL};

	for (const char *l = msg; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		for (const char *const *s = status; *s; s++) {
			size_t n = strlen(*s), k;

			if (strncmp(l, *s, n) || strncmp(l + n, ": host/", 7))
				continue;
			k = strcspn(l + n + 2, " \n");
			if ((rc = fail_host(failed, l + n + 2, k)) < 0)
				return rc;
		}
	}
	return 0;
}

/* Does scope ("all", or comma-separated globs and @groups) name host/NAME? */
static int in_scope(const char *scope, const char *id)
{
	const char *name = id + 5;
	char pat[512];

	if (!scope || !*scope || !strcmp(scope, "all"))
		return 1;
	for (const char *p = scope; *p;) {
		size_t n = strcspn(p, ",");

		snprintf(pat, sizeof(pat), "%.*s", (int)n, p);
		if (pat[0] != '@' && cmdb__glob_match(pat, name, CMDB__GLOB_QUESTION))
			return 1;
		p += n + (p[n] == ',');
	}
	return 0;
}

static int scan_commit(sqlite3_stmt *st, void *payload)
{
	stale *s = payload;
	const char *msg = (const char *)sqlite3_column_text(st, 3);
	const char *scope = (const char *)sqlite3_column_text(st, 4);
	const char *changed = (const char *)sqlite3_column_text(st, 5);
	json_t *failed = json_object(), *v;
	const char *id;
	void *tmp;
	int rc;

	if (!s->open) /* every host has its last scan: stop reading */
		return json_decref(failed), 1;
	if (!failed || (rc = failed_in(failed, msg ? msg : "")) < 0)
		return json_decref(failed), failed ? rc : OOM();
	json_object_foreach_safe(s->hosts, tmp, id, v)
	{
		char needle[600];

		if (!json_is_null(v) || json_object_get(failed, id))
			continue;
		snprintf(needle, sizeof(needle), ",%s,", id);
		if (!in_scope(scope, id) && !(changed && strstr(changed, needle)))
			continue;
		json_object_set_new(s->hosts, id,
			json_pack("[IsI]", (json_int_t)sqlite3_column_int64(st, 0),
				(const char *)sqlite3_column_text(st, 1),
				(json_int_t)sqlite3_column_int64(st, 2)));
		s->open--;
	}
	json_decref(failed);
	return 0;
}

static long long stale_days(cmdb_index *idx)
{
	json_t *s = NULL, *d;
	long long days = 7;

	if (cmdb_repo_settings(&s, cmdb_index_repo(idx)) < 0) {
		cmdb_error_clear();
		return days;
	}
	d = json_object_get(json_object_get(s, "audit"), "stale_days");
	if (json_is_integer(d) && json_integer_value(d) > 0)
		days = (long long)json_integer_value(d);
	json_decref(s);
	return days;
}

static int stale_findings(json_t *findings, cmdb_index *idx, const audit_range *r)
{
	static const char hosts_sql[] = "SELECT id FROM attrs WHERE path = 'source' AND value = "
					"'scan' AND id LIKE 'host/%' "
					"AND " CMDB_VALID_AT(1) " ORDER BY id";
	static const char scans_sql[] =
		"SELECT c.seq, c.oid, c.time, c.message, (SELECT value FROM trailers t WHERE t.seq "
		"= "
		"c.seq AND t.key = 'Scan-Scope'), ',' || (SELECT group_concat(id) FROM "
		"item_versions "
		"v WHERE v.from_seq = c.seq AND v.id LIKE 'host/%') || ',' FROM commits c WHERE "
		"c.scan_id IS NOT NULL AND +c.mainline = 1 AND c.seq <= ?1 ORDER BY c.seq DESC";
	/* +c.mainline: walk commits by seq, newest first, so the subqueries run only for
	 * the rows read (commits_time would sort them all, every subquery run first) */
	stale s = {json_object(), 0, idx};
	long long limit = stale_days(idx) * DAY;
	const char *id;
	json_t *v;
	int rc;

	if (!s.hosts)
		return OOM();
	if ((rc = each_row(idx, hosts_sql, r->until, add_host, &s)) < 0 ||
		(s.open && (rc = each_row(idx, scans_sql, r->until, scan_commit, &s)) < 0))
		goto done;
	rc = 0;
	json_object_foreach(s.hosts, id, v)
	{
		long long t = json_integer_value(json_array_get(v, 2));
		char when[CMDB__TIME_BUF], *line;

		if (rc < 0 || (!json_is_null(v) && r->now - t <= limit))
			continue;
		cmdb__time_format(when, t);
		line = json_is_null(v)
			? cmdb__sprintf("%s was never scanned successfully (audit.stale_days %lld)",
				  id, limit / DAY)
			: cmdb__sprintf("%s has had no successful scan for %lld days (last %s; "
					"audit.stale_days %lld)",
				  id, (r->now - t) / DAY, when, limit / DAY);
		rc = line ? cmdb__audit_add(findings, "stale_scan", id,
				    json_string_value(json_array_get(v, 1)),
				    json_is_null(v) ? 0 : t, line, NULL)
			  : OOM();
		free(line);
	}
done:
	json_decref(s.hosts);
	return rc < 0 ? rc : 0;
}

/* ---- validate: schema_violation, dangling_relation ------------------------------------ */

typedef struct {
	cmdb_validator *v;
	cmdb_repo *repo;
	const char *rev;
	json_t *commit_of; /* item file -> [oid, time] of its version at until */
	json_t *unparsed; /* item file -> the parser's message */
} vstate;

/* One item at until, from the index's copy of it (no git read, no YAML parse). */
static int validate_item(sqlite3_stmt *st, void *payload)
{
	vstate *s = payload;
	const char *id = (const char *)sqlite3_column_text(st, 0);
	const char *text = (const char *)sqlite3_column_text(st, 3);
	const char *perr = (const char *)sqlite3_column_text(st, 4);
	char *path = cmdb__sprintf("%s.yaml", id);
	json_t *doc = NULL;
	int rc = 0;

	if (!path)
		return OOM();
	if (cmdb_path_classify(path) != CMDB_PATH_ITEM) { /* schemas/...: validate's, not ours */
		free(path);
		return 0;
	}
	if (json_object_set_new(s->commit_of, path,
		    json_pack("[sI]", (const char *)sqlite3_column_text(st, 1),
			    (json_int_t)sqlite3_column_int64(st, 2))) < 0)
		rc = OOM();
	else if (!text)
		rc = json_object_set_new(s->unparsed, path,
			     json_string(perr ? perr : "the file does not parse")) < 0
			? OOM()
			: cmdb_validator_add_known(s->v, id, NULL);
	else if (!(doc = json_loads(text, JSON_DECODE_ANY, NULL)))
		rc = OOM();
	else
		rc = cmdb_validator_add_doc(s->v, path, doc);
	json_decref(doc);
	free(path);
	return rc;
}

static int load_schema(cmdb_schema **out, cmdb_repo *repo, const char *rev)
{
	json_t *paths = NULL, *p;
	size_t i;
	int rc;

	if ((rc = cmdb_schema_load_builtin(out)) < 0)
		return rc;
	if (cmdb_repo_list(&paths, repo, rev, "schemas/") < 0) {
		cmdb_error_clear();
		return 0;
	}
	json_array_foreach(paths, i, p)
	{
		char *buf = NULL;
		size_t len = 0;

		/* a bad repository schema is validate's finding; the built-in one stays */
		if (cmdb_repo_read(&buf, &len, repo, rev, json_string_value(p)) < 0 ||
			cmdb_schema_add(*out, json_string_value(p), buf, len) < 0)
			cmdb_error_clear();
		free(buf);
	}
	json_decref(paths);
	return 0;
}

static int validate_findings(
	json_t *findings, cmdb_index *idx, const audit_range *r, const char *rev)
{
	static const char sql[] =
		"SELECT v.id, c.oid, c.time, v.doc, v.error FROM item_versions v JOIN commits c ON "
		"c.seq = v.from_seq WHERE " CMDB_VALID_AT(1) " ORDER BY v.id";
	vstate s = {NULL, cmdb_index_repo(idx), rev, json_object(), json_object()};
	const char *ufile;
	json_t *umsg;
	cmdb_schema *schema = NULL;
	json_t *out = json_array(), *f;
	size_t i;
	int rc;

	if (!out || !s.commit_of || !s.unparsed) {
		rc = OOM();
		goto done;
	}
	if ((rc = load_schema(&schema, s.repo, rev)) < 0 ||
		(rc = cmdb_validator_new(&s.v, schema)) < 0 ||
		(rc = each_row(idx, sql, r->until, validate_item, &s)) < 0 ||
		(rc = cmdb_validator_finish(s.v, out)) < 0)
		goto done;
	json_object_foreach(s.unparsed, ufile, umsg)
	{
		json_t *uf = json_pack("{sssIsIsOss}", "file", ufile, "line", (json_int_t)0,
			"column", (json_int_t)0, "message", umsg, "id", "");

		if (!uf || json_array_append_new(out, uf) < 0) {
			rc = OOM();
			goto done;
		}
	}
	json_array_foreach(out, i, f)
	{
		const char *file = json_string_value(json_object_get(f, "file"));
		const char *msg = json_string_value(json_object_get(f, "message"));
		const char *id = json_string_value(json_object_get(f, "id"));
		json_t *at = json_object_get(s.commit_of, file);
		int dangling = msg && strstr(msg, "relation to missing item") != NULL;
		char *line = cmdb__sprintf("%s: %s", file, msg);
		char *item = id && *id ? cmdb__strdup(id) : cmdb__strndup(file, strlen(file) - 5);

		rc = line && item ? cmdb__audit_add(findings,
					    dangling ? "dangling_relation" : "schema_violation",
					    item, json_string_value(json_array_get(at, 0)),
					    json_integer_value(json_array_get(at, 1)), line, NULL)
				  : OOM();
		free(line);
		free(item);
		if (rc < 0)
			break;
	}
done:
	cmdb_validator_free(s.v);
	cmdb_schema_free(schema);
	json_decref(out);
	json_decref(s.commit_of);
	json_decref(s.unparsed);
	return rc;
}

/* ---- duplicate_identity ---------------------------------------------------------------- */

typedef struct {
	json_t *findings;
	const char *oid;
	long long t;
} dups;

static int bogus_uuid(const char *v)
{
	return strspn(v, "0-") == strlen(v) || strspn(v, "fF-") == strlen(v);
}

static int dup_row(sqlite3_stmt *st, void *payload)
{
	dups *d = payload;
	const char *path = (const char *)sqlite3_column_text(st, 0);
	const char *value = (const char *)sqlite3_column_text(st, 1);
	const char *ids = (const char *)sqlite3_column_text(st, 2);
	int uuid = strstr(path, "dmi_uuid") != NULL;
	json_t *items = json_array();
	char *line, *copy = cmdb__strdup(ids), *tok, *save = NULL;
	int rc;

	if (uuid && bogus_uuid(value)) {
		json_decref(items);
		free(copy);
		return 0;
	}
	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save))
		json_array_append_new(items, json_string(tok));
	line = cmdb__sprintf("%s: same %s %s (as the scan reports it)", ids,
		uuid ? "DMI uuid" : "machine-id", value);
	rc = line && copy && items ? cmdb__audit_add(d->findings, "duplicate_identity",
					     json_string_value(json_array_get(items, 0)), d->oid,
					     d->t, line, json_pack("{sO}", "items", items))
				   : OOM();
	json_decref(items);
	free(line);
	free(copy);
	return rc;
}

static int duplicate_findings(
	json_t *findings, cmdb_index *idx, const audit_range *r, const char *oid)
{
	static const char sql[] =
		"SELECT path, value, group_concat(id) FROM (SELECT path, value, id FROM attrs "
		"WHERE "
		"path IN ('attributes.identity.machine_id', 'attributes.identity.dmi_uuid') AND id "
		"LIKE 'host/%' AND value IS NOT NULL AND " CMDB_VALID_AT(
			1) " ORDER BY id) GROUP "
			   "BY path, value HAVING count(*) > 1 ORDER BY path, value";
	dups d = {findings, oid, r->until_time};

	return each_row(idx, sql, r->until, dup_row, &d);
}

int cmdb__audit_state(json_t *findings, cmdb_index *idx, const audit_range *r)
{
	json_t *at = NULL;
	int rc;

	if ((rc = cmdb__query_point_of(&at, cmdb_index_db(idx), r->until)) < 0)
		return rc;
	if ((rc = stale_findings(findings, idx, r)) == 0 &&
		(rc = validate_findings(
			 findings, idx, r, json_string_value(json_object_get(at, "commit")))) == 0)
		rc = duplicate_findings(
			findings, idx, r, json_string_value(json_object_get(at, "commit")));
	json_decref(at);
	return rc;
}
