/*
 * gitcmdb audit (docs/audit.md): the findings over a range of history. Drift
 * verdicts are read from the index (they were judged when it was built); only the
 * unauthorised drifts are explained here. The change findings read the changes table;
 * the state findings (stale scans, dangling relations, schema violations, duplicate
 * identities) are audit_state.c.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/time.h"
#include "index/drift_explain.h"
#include "query/audit_int.h"

#define OOM() cmdb__error(CMDB_ERROR, "out of memory")

static const char *const kinds[] = {"unauthorised_drift", "stale_scan", "dangling_relation",
	"schema_violation", "duplicate_identity", "change_without_drift", "emergency_change", NULL};

int cmdb__audit_add(json_t *findings, const char *kind, const char *item, const char *commit,
	long long t, const char *explanation, json_t *extra)
{
	char when[CMDB__TIME_BUF];
	json_t *f;

	if (t)
		cmdb__time_format(when, t);
	f = json_pack("{sssssOsOss}", "kind", kind, "item", item, "commit",
		commit ? json_string(commit) : json_null(), "time",
		t ? json_string(when) : json_null(), "explanation", explanation);
	if (f) { /* json_pack's O took a reference of the new strings: drop ours */
		json_decref(json_object_get(f, "commit"));
		json_decref(json_object_get(f, "time"));
	}
	if (!f || (extra && json_object_update(f, extra) < 0) ||
		json_object_set_new(f, "_t", json_integer(t)) < 0 ||
		json_array_append_new(findings, f) < 0) {
		json_decref(extra);
		return OOM();
	}
	json_decref(extra);
	return 0;
}

/* "host/db01 changed (attributes.os.kernel) ...": the one-line explanation of a drift. */
static char *drift_line(const char *id, const char *kind, const json_t *paths, const json_t *cands)
{
	cmdb_buf b = CMDB_BUF_INIT(64 * 1024);
	const json_t *c0 = json_array_get(cands, 0);
	size_t i;
	json_t *p;
	int rc = cmdb__buf_printf(&b, "%s %s", id, kind);

	if (rc == 0 && json_array_size(paths)) {
		rc = cmdb__buf_puts(&b, " (");
		json_array_foreach(paths, i, p) if (rc == 0 && i < 3) rc =
			cmdb__buf_printf(&b, "%s%s", i ? ", " : "", json_string_value(p));
		if (rc == 0 && json_array_size(paths) > 3)
			rc = cmdb__buf_printf(&b, ", +%zu more", json_array_size(paths) - 3);
		if (rc == 0)
			rc = cmdb__buf_puts(&b, ")");
	}
	if (rc == 0 && c0)
		rc = cmdb__buf_printf(&b, " with no change authorising it; nearest: %s %s",
			json_string_value(json_object_get(c0, "change")),
			json_string_value(json_object_get(c0, "reason")));
	else if (rc == 0)
		rc = cmdb__buf_puts(&b,
			" with no change record covering it, its host or its "
			"groups, and no change window open then");
	if (rc < 0) {
		cmdb__buf_dispose(&b);
		return NULL;
	}
	return cmdb__buf_detach(&b, NULL);
}

static int drift_findings(json_t *findings, cmdb_index *idx, long long from, long long to)
{
	static const char sql[] =
		"SELECT d.id, d.seq, d.time, d.kind, d.paths, c.oid FROM drifts d JOIN commits c "
		"ON "
		"c.seq = d.seq WHERE d.status = 'unauthorised' AND d.seq > ?1 AND d.seq <= ?2 "
		"ORDER BY d.seq, d.id";
	sqlite3 *db = cmdb_index_db(idx);
	cmdb__drift_explainer *ex = NULL;
	sqlite3_stmt *st = NULL;
	int rc = 0, step = SQLITE_DONE;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return cmdb__query_sqlerr(db, "cannot read the drifts");
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *kind = (const char *)sqlite3_column_text(st, 3);
		const char *ptext = (const char *)sqlite3_column_text(st, 4);
		json_t *cands = NULL, *paths = json_loads(ptext ? ptext : "[]", 0, NULL);
		char *line = NULL;

		if (!ex && (rc = cmdb__drift_explainer_new(&ex, idx)) < 0)
			break;
		if ((rc = cmdb__drift_explain(&cands, ex, id, sqlite3_column_int64(st, 1),
			     sqlite3_column_int64(st, 2), kind, ptext)) == 0 &&
			(line = drift_line(id, kind, paths, cands)))
			rc = cmdb__audit_add(findings, "unauthorised_drift", id,
				(const char *)sqlite3_column_text(st, 5),
				sqlite3_column_int64(st, 2), line,
				json_pack("{sssOsO}", "drift", kind, "paths",
					paths ? paths : json_array(), "candidates", cands));
		else if (rc == 0)
			rc = OOM();
		free(line);
		json_decref(paths);
		json_decref(cands);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = cmdb__query_sqlerr(db, "cannot read the drifts");
	sqlite3_finalize(st);
	cmdb__drift_explainer_free(ex);
	return rc;
}

/*
 * change_without_drift: an authorising change whose window (+ grace) ended before now
 * (and after since) with no drift matched to it. emergency_change: an emergency change
 * implemented or closed whose approval is missing or came after its window opened.
 */
static int change_findings(json_t *findings, cmdb_index *idx, const audit_range *r, long long grace)
{
	static const char sql[] =
		"SELECT c.id, c.status, c.type, c.approved_by, c.approved_at, c.win_start, "
		"c.win_end, v.oid, (SELECT count(*) FROM drift_matches m WHERE m.change = "
		"substr(c.id, 8)) FROM changes c JOIN commits v ON v.seq = c.from_seq ORDER BY "
		"c.id";
	sqlite3 *db = cmdb_index_db(idx);
	sqlite3_stmt *st = NULL;
	int rc = 0, step = SQLITE_DONE;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return cmdb__query_sqlerr(db, "cannot read the change records");
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *status = (const char *)sqlite3_column_text(st, 1);
		const char *type = (const char *)sqlite3_column_text(st, 2);
		const char *by = (const char *)sqlite3_column_text(st, 3);
		const char *oid = (const char *)sqlite3_column_text(st, 7);
		int has_win = sqlite3_column_type(st, 5) != SQLITE_NULL;
		int has_at = sqlite3_column_type(st, 4) != SQLITE_NULL;
		long long at = sqlite3_column_int64(st, 4), ws = sqlite3_column_int64(st, 5);
		long long we = sqlite3_column_int64(st, 6), matched = sqlite3_column_int64(st, 8);
		int done = status && (!strcmp(status, "implemented") || !strcmp(status, "closed"));
		int authorises = (status && !strcmp(status, "approved") && by && *by) ||
			(done && ((by && *by) || (type && !strcmp(type, "emergency"))));
		char wsb[CMDB__TIME_BUF], web[CMDB__TIME_BUF], atb[CMDB__TIME_BUF], *line;

		cmdb__time_format(wsb, ws);
		cmdb__time_format(web, we);
		cmdb__time_format(atb, at);
		if (authorises && has_win && we + grace < r->now && we > r->since_time &&
			matched == 0) {
			line = cmdb__sprintf(
				"%s (%s) had its window %s..%s with no drift on any "
				"item it affects, its hosts' items or its groups' members",
				id + 7, status, wsb, web);
			rc = line ? cmdb__audit_add(findings, "change_without_drift", id, oid, we,
					    line, json_pack("{ss}", "change", id + 7))
				  : OOM();
			free(line);
		}
		if (rc == 0 && done && type && !strcmp(type, "emergency") && has_win &&
			ws > r->since_time && ws <= r->now && (!by || !*by || !has_at || at > ws)) {
			line = !by || !*by ? cmdb__sprintf("emergency change %s %s without "
							   "approval (window %s..%s): "
							   "needs review",
						     id + 7, status, wsb, web)
				: !has_at
				? cmdb__sprintf("emergency change %s %s, approved by %s at an "
						"unrecorded time (window from %s): needs review",
					  id + 7, status, by, wsb)
				: cmdb__sprintf("emergency change %s %s, approved by %s at %s, "
						"after its window opened at %s: needs review",
					  id + 7, status, by, atb, wsb);
			rc = line ? cmdb__audit_add(findings, "emergency_change", id, oid, ws, line,
					    json_pack("{ss}", "change", id + 7))
				  : OOM();
			free(line);
		}
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = cmdb__query_sqlerr(db, "cannot read the change records");
	sqlite3_finalize(st);
	return rc;
}

typedef struct {
	long long t;
	const char *kind, *item;
	size_t at; /* position in findings: ties keep it */
	json_t *f;
} sort_key;

static int cmp_finding(const void *x, const void *y)
{
	const sort_key *a = x, *b = y;
	int c;

	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	if ((c = strcmp(a->kind, b->kind)) || (c = strcmp(a->item, b->item)))
		return c;
	return (a->at > b->at) - (a->at < b->at);
}

/* Sort (by time, kind, item; keys read once), drop the sort keys, count. */
static int finish(json_t *res, json_t *findings)
{
	size_t n = json_array_size(findings), i;
	sort_key *v = cmdb__calloc(n ? n : 1, sizeof(*v));
	json_t *sorted = json_array(), *counts = json_object();
	json_int_t per[sizeof(kinds) / sizeof(kinds[0])] = {0};
	int rc = 0;

	if (!v || !sorted || !counts) {
		rc = OOM();
		goto done;
	}
	for (i = 0; i < n; i++) {
		json_t *f = json_array_get(findings, i);

		v[i] = (sort_key){json_integer_value(json_object_get(f, "_t")),
			json_string_value(json_object_get(f, "kind")),
			json_string_value(json_object_get(f, "item")), i, f};
	}
	qsort(v, n, sizeof(*v), cmp_finding);
	for (i = 0; i < n && rc == 0; i++) {
		size_t k = 0;

		while (kinds[k] && strcmp(kinds[k], v[i].kind))
			k++;
		per[k]++; /* kinds[k] is NULL for none of ours: never, but counted apart */
		if (json_array_append(sorted, v[i].f) < 0)
			rc = OOM();
	}
	for (i = 0; i < n && rc == 0; i++)
		json_object_del(v[i].f, "_t"); /* after: the keys point into the findings */
	for (size_t k = 0; kinds[k] && rc == 0; k++)
		if (json_object_set_new(counts, kinds[k], json_integer(per[k])) < 0)
			rc = OOM();
	if (rc == 0 &&
		(json_object_set_new(counts, "total", json_integer((json_int_t)n)) < 0 ||
			json_object_set(res, "findings", sorted) < 0 ||
			json_object_set(res, "counts", counts) < 0))
		rc = OOM();
done:
	free(v);
	json_decref(sorted);
	json_decref(counts);
	return rc;
}

static int resolve_range(audit_range *r, json_t *res, cmdb_index *idx, const cmdb_audit_opts *o)
{
	json_t *since = NULL, *until = NULL;
	char when[CMDB__TIME_BUF];
	int rc;

	r->since_time = LLONG_MIN;
	if ((rc = cmdb__query_point(&r->until, &until, idx, o->until)) < 0)
		return rc;
	if (json_object_set_new(res, "until", until) < 0)
		return OOM();
	if ((rc = cmdb__audit_seq_time(&r->until_time, idx, r->until)) < 0)
		return rc;
	if (o->since) {
		if ((rc = cmdb__query_point(&r->since, &since, idx, o->since)) < 0)
			return rc;
		if (json_object_set_new(res, "since", since) < 0)
			return OOM();
		if ((rc = cmdb__audit_seq_time(&r->since_time, idx, r->since)) < 0)
			return rc;
	} else if (json_object_set_new(res, "since", json_null()) < 0) {
		return OOM();
	}
	r->now = o->now ? o->now : o->until ? r->until_time : (long long)time(NULL);
	cmdb__time_format(when, r->now);
	return json_object_set_new(res, "now", json_string(when)) < 0 ? OOM() : 0;
}

int cmdb_audit(json_t **out, cmdb_index *idx, const cmdb_audit_opts *opts)
{
	cmdb_audit_opts o = CMDB_AUDIT_OPTS_INIT;
	audit_range r;
	json_t *res = json_object(), *findings = json_array();
	cmdb__drift_explainer *ex = NULL;
	int rc;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	if (opts)
		o = *opts;
	if (!res || !findings) {
		rc = OOM();
		goto done;
	}
	if ((rc = resolve_range(&r, res, idx, &o)) < 0)
		goto done;
	if (r.since >= r.until && o.since) {
		rc = cmdb__error(CMDB_EINVALID, "--since %s is not before --until %s", o.since,
			o.until ? o.until : "(the indexed head)");
		goto done;
	}
	if ((rc = cmdb__drift_explainer_new(&ex, idx)) < 0 ||
		(rc = drift_findings(findings, idx, r.since, r.until)) < 0 ||
		(rc = change_findings(findings, idx, &r, cmdb__drift_grace(ex))) < 0 ||
		(rc = cmdb__audit_state(findings, idx, &r)) < 0 || (rc = finish(res, findings)) < 0)
		goto done;
	*out = res;
	res = NULL;
done:
	cmdb__drift_explainer_free(ex);
	json_decref(findings);
	json_decref(res);
	return rc;
}

int cmdb_audit_format_text(char **out, const json_t *result)
{
	cmdb_buf b = CMDB_BUF_INIT(256u * 1024 * 1024);
	const json_t *fs = json_object_get(result, "findings"), *f;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (!json_is_array(fs))
		return cmdb__error(CMDB_EINVALID, "not an audit result");
	json_array_foreach(fs, i, f)
	{
		const char *t = json_string_value(json_object_get(f, "time"));
		const char *c = json_string_value(json_object_get(f, "commit"));

		json_t *cd;
		size_t j;

		if ((rc = cmdb__buf_printf(&b, "%s  %s  %s  %.12s  %s\n", t ? t : "-",
			     json_string_value(json_object_get(f, "kind")),
			     json_string_value(json_object_get(f, "item")), c ? c : "-",
			     json_string_value(json_object_get(f, "explanation")))) < 0)
			goto done;
		json_array_foreach(json_object_get(f, "candidates"), j, cd) if (rc == 0 && j > 0)
			rc = cmdb__buf_printf(&b, "    also %s: %s\n",
				json_string_value(json_object_get(cd, "change")),
				json_string_value(json_object_get(cd, "reason")));
		if (rc < 0)
			goto done;
	}
	rc = json_array_size(fs) ? cmdb__buf_printf(&b, "%zu finding%s\n", json_array_size(fs),
					   json_array_size(fs) == 1 ? "" : "s")
				 : cmdb__buf_puts(&b, "no findings\n");
	if (rc == 0)
		*out = cmdb__buf_detach(&b, NULL);
done:
	cmdb__buf_dispose(&b);
	return rc;
}
