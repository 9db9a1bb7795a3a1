/*
 * The authorisation pass at the end of a build (drift.h): which drifts this run must
 * judge again, and judging them; and the explainer lib/query asks why a drift is
 * unauthorised (drift_explain.h). The rule itself is drift_auth.c.
 */
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "index/drift_int.h"

#define OOM() cmdb__error(CMDB_ERROR, "out of memory")

static int exec(auth *a, const char *sql)
{
	return sqlite3_exec(a->b->idx->db, sql, NULL, NULL, NULL) == SQLITE_OK
		? 0
		: cmdb__index_sqlerr(a->b->idx, "cannot update the drift authorisations");
}

/* Make pending what this run may have changed the answer for. */
static int mark_pending(auth *a)
{
	cmdb__drift_rec *r = a->b->drift;
	sqlite3_stmt *st = NULL;
	const char *id;
	json_t *v;
	int rc = 0;

	if (a->b->full || r->settings_changed)
		return (rc = exec(a, "UPDATE drifts SET status = NULL")) < 0
			? rc
			: exec(a, "DELETE FROM drift_matches");
	if ((rc = cmdb__index_prepare(&st, a->b->idx,
		     "UPDATE drifts SET status = NULL WHERE time BETWEEN ?1 AND ?2",
		     "cannot update the drift authorisations")) < 0)
		return rc;
	for (size_t i = 0; i < r->nranges && rc == 0; i++)
		rc = cmdb__index_run_stmt(a->b, st, "ii", r->ranges[2 * i] - a->grace,
			r->ranges[2 * i + 1] + a->grace);
	sqlite3_finalize(st);
	if (rc < 0 ||
		(rc = cmdb__index_prepare(&st, a->b->idx,
			 "UPDATE drifts SET status = NULL WHERE seq IN (SELECT seq FROM trailers "
			 "WHERE "
			 "key = 'Change' COLLATE NOCASE AND value IN (?1, ?2)) OR (id, seq) IN "
			 "(SELECT "
			 "id, seq FROM drift_matches WHERE change = ?2)",
			 "cannot update the drift authorisations")) < 0)
		return rc;
	json_object_foreach(r->touched, id, v) if (rc >= 0) rc =
		cmdb__index_run_stmt(a->b, st, "ss", id, cmdb__drift_name_of(id));
	sqlite3_finalize(st);
	if (rc < 0)
		return rc;
	return exec(a,
		"DELETE FROM drift_matches WHERE (id, seq) IN (SELECT id, seq FROM drifts "
		"WHERE status IS NULL)");
}

/* The pending drifts, read before any is updated (no cursor open on a changing table). */
static int pending(auth *a, drift **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	drift *d = NULL;
	int rc = 0, step;

	*out = NULL, *n = 0;
	if (cmdb__index_prepare(&st, a->b->idx,
		    "SELECT id, seq, time, kind, paths FROM drifts WHERE status IS NULL ORDER BY "
		    "seq, id",
		    "cannot read the drifts") < 0)
		return CMDB_ERROR;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		drift *g = cmdb__realloc(d, (*n + 1) * sizeof(*g));

		if (!g) {
			rc = OOM();
			break;
		}
		d = g;
		memset(&d[*n], 0, sizeof(*d));
		d[*n].id = cmdb__strdup((const char *)sqlite3_column_text(st, 0));
		d[*n].seq = sqlite3_column_int64(st, 1);
		d[*n].time = sqlite3_column_int64(st, 2);
		d[*n].kind = cmdb__strdup((const char *)sqlite3_column_text(st, 3));
		d[*n].paths = cmdb__strdup((const char *)sqlite3_column_text(st, 4));
		if (!d[*n].id || !d[*n].kind || !d[*n].paths)
			rc = OOM();
		(*n)++;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = cmdb__index_sqlerr(a->b->idx, "cannot read the drifts");
	sqlite3_finalize(st);
	*out = d;
	return rc;
}

int cmdb__drift_authorise(build *b)
{
	auth a;
	drift *d = NULL;
	size_t n = 0;
	int rc;

	if (cmdb__drift_off)
		return 0;
	memset(&a, 0, sizeof(a));
	a.b = b;
	if (!(a.by_id = json_object()) || !(a.exempt = json_array())) {
		rc = OOM();
		goto done;
	}
	cmdb__drift_load_settings(&a);
	if ((rc = mark_pending(&a)) < 0 || (rc = pending(&a, &d, &n)) < 0 || n == 0)
		goto done;
	json_decref(a.by_id);
	json_decref(a.exempt);
	a.by_id = a.exempt = NULL;
	if ((rc = cmdb__drift_auth_init(&a)) < 0)
		goto done;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = cmdb__drift_judge(&a, &d[i]);
done:
	for (size_t i = 0; i < n; i++) {
		free((char *)d[i].id);
		free((char *)d[i].kind);
		free((char *)d[i].paths);
	}
	free(d);
	cmdb__drift_auth_dispose(&a);
	return rc < 0 ? rc : 0;
}

int cmdb__drift_explainer_new(cmdb__drift_explainer **out, cmdb_index *idx)
{
	auth *a = cmdb__calloc(1, sizeof(*a));
	int rc;

	*out = NULL;
	if (!a)
		return OOM();
	a->own.idx = idx;
	a->b = &a->own;
	a->explain = 1;
	if ((rc = cmdb__drift_auth_init(a)) < 0) {
		cmdb__drift_explainer_free(a);
		return rc;
	}
	*out = a;
	return 0;
}

void cmdb__drift_explainer_free(cmdb__drift_explainer *ex)
{
	if (!ex)
		return;
	cmdb__drift_auth_dispose(ex);
	free(ex);
}

int cmdb__drift_explain(json_t **candidates, cmdb__drift_explainer *ex, const char *id,
	long long seq, long long time, const char *kind, const char *paths)
{
	drift d;
	int rc;

	*candidates = NULL;
	memset(&d, 0, sizeof(d));
	d.id = id, d.seq = seq, d.time = time, d.kind = kind, d.paths = paths;
	if ((rc = cmdb__drift_judge(ex, &d)) < 0)
		return rc;
	*candidates = ex->result;
	ex->result = NULL;
	return 0;
}

long long cmdb__drift_grace(const cmdb__drift_explainer *ex)
{
	return ex->grace;
}
