/*
 * cmdb_report_build: every section of the evidence report as one JSON document,
 * read at one point of history (--at) over one period (--since .. --at).
 */
#include <stdlib.h>
#include <string.h>

#include "gitcmdb/schema.h"
#include "query/correlate.h"
#include "report/build.h"

#define GRAPH_DRAW_MAX 200 /* more dependencies are listed, not drawn */

/* Audit over (since, at]: unauthorised drifts apart, the other findings, the counts. */
static int audit_part(
	json_t *model, cmdb_index *idx, const cmdb_report_opts *o, const cmdb__report_period *p)
{
	cmdb_audit_opts ao = CMDB_AUDIT_OPTS_INIT;
	json_t *res = NULL, *unauth = json_array(), *other = json_array(), *f;
	size_t i;
	int rc;

	if (!unauth || !other) {
		rc = OOM();
		goto done;
	}
	/* a since before the first commit is the whole history (audit wants a commit) */
	ao.since = p->since_t <= p->first_t ? NULL : o->since;
	/* until by commit id: the reference time is then that commit's, never the clock */
	ao.until = json_string_value(json_object_get(p->until_point, "commit"));
	if ((rc = cmdb_audit(&res, idx, &ao)) < 0)
		goto done;
	json_array_foreach(json_object_get(res, "findings"), i, f)
	{
		const char *kind = json_string_value(json_object_get(f, "kind"));

		json_array_append(kind && !strcmp(kind, "unauthorised_drift") ? unauth : other, f);
	}
	if (json_object_set(model, "unauthorised", unauth) < 0 ||
		json_object_set(model, "findings", other) < 0 ||
		json_object_set(model, "counts", json_object_get(res, "counts")) < 0)
		rc = OOM();
done:
	json_decref(res);
	json_decref(unauth);
	json_decref(other);
	return rc;
}

/* One business service's graph: its upstream impact at the point and the dot text of
 * it, or, for more than GRAPH_DRAW_MAX dependencies, no drawing (dot null) and the
 * ids sorted by depth, then id. */
static int one_graph(json_t *graphs, cmdb__correlator *c, cmdb_index *idx,
	const cmdb_schema *schema, const char *id, const cmdb__report_period *p)
{
	cmdb_impact_opts io = CMDB_IMPACT_OPTS_INIT;
	json_t *res = NULL, *items = NULL, *it;
	char *dot = NULL;
	size_t j;
	int rc;

	if ((rc = cmdb__correlator_upstream(&items, c, id, p->until_seq)) < 0)
		return rc;
	if (json_array_size(items) <= GRAPH_DRAW_MAX) {
		io.upstream = 1;
		io.at = json_string_value(json_object_get(p->until_point, "commit"));
		json_array_clear(items);
		if ((rc = cmdb_impact(&res, idx, schema, id, &io)) < 0 ||
			(rc = cmdb_impact_format_dot(&dot, res)) < 0)
			goto done;
		json_array_foreach(json_object_get(res, "items"), j, it)
		{
			json_array_append(items, json_object_get(it, "id"));
		}
	}
	rc = json_array_append_new(
		     graphs, json_pack("{s:s,s:s?,s:O}", "id", id, "dot", dot, "items", items)) < 0
		? OOM()
		: 0;
done:
	json_decref(res);
	json_decref(items);
	cmdb_free(dot);
	return rc;
}

/* Each business service's dependencies (upstream impact) at the point. */
static int graphs_part(json_t *model, cmdb_index *idx, const cmdb__report_period *p)
{
	const json_t *svcs = json_object_get(json_object_get(model, "sla"), "services"), *s;
	cmdb__correlator *c = NULL;
	cmdb_schema *schema = NULL;
	json_t *graphs = json_array();
	size_t i;
	int rc;

	if (!graphs)
		return OOM();
	if ((rc = cmdb_schema_load_builtin(&schema)) < 0 ||
		(json_array_size(svcs) && (rc = cmdb__correlator_open(&c, idx)) < 0))
		goto done;
	json_array_foreach(svcs, i, s)
	{
		if ((rc = one_graph(graphs, c, idx, schema,
			     json_string_value(json_object_get(s, "id")), p)) < 0)
			goto done;
	}
	rc = json_object_set(model, "graphs", graphs) < 0 ? OOM() : 0;
done:
	cmdb__correlator_free(c);
	cmdb_schema_free(schema);
	json_decref(graphs);
	return rc;
}

static int scope_part(
	json_t *model, cmdb_index *idx, const cmdb_report_opts *o, const cmdb__report_period *p)
{
	cmdb_repo *repo = cmdb_index_repo(idx);
	const char *dir =
		cmdb_repo_workdir(repo) ? cmdb_repo_workdir(repo) : cmdb_repo_gitdir(repo);
	char a[CMDB__TIME_BUF], b[CMDB__TIME_BUF];

	cmdb__time_format(a, p->since_t);
	cmdb__time_format(b, p->until_t);
	return json_object_set_new(model, "scope",
		       json_pack("{s:s,s:O,s:O,s:s,s:s,s:s?,s:s?}", "repository", dir, "commit",
			       json_object_get(p->until_point, "commit"), "commit_time",
			       json_object_get(p->until_point, "time"), "since", a, "until", b,
			       "since_when", o->since, "at_when", o->at)) < 0
		? OOM()
		: 0;
}

static int put(json_t *model, const char *key, json_t *v)
{
	return json_object_set_new(model, key, v) < 0 ? OOM() : 0;
}

int cmdb_report_build(json_t **out, cmdb_index *idx, const cmdb_report_opts *opts)
{
	cmdb_report_opts none = CMDB_REPORT_OPTS_INIT;
	cmdb_sla_opts so = CMDB_SLA_OPTS_INIT;
	cmdb__report_period p;
	json_t *model = json_object(), *reg = NULL, *cov = NULL, *part = NULL;
	long long since_seq = 0;
	int rc;

	*out = NULL;
	opts = opts ? opts : &none;
	memset(&p, 0, sizeof(p));
	if (!model) {
		rc = OOM();
		goto done;
	}
	if ((rc = cmdb__report_period_init(&p, idx, opts->since, opts->at)) < 0)
		goto done;
	if (opts->since) {
		json_t *pt = NULL;

		/* a since before the first commit: the scans of the whole history */
		if ((rc = cmdb__query_point(&since_seq, &pt, idx, opts->since)) == CMDB_ENOTFOUND)
			cmdb_error_clear(), since_seq = 0, rc = 0;
		json_decref(pt);
		if (rc < 0)
			goto done;
	}
	so.since = opts->since;
	so.until = opts->at;
	if ((rc = scope_part(model, idx, opts, &p)) < 0 ||
		(rc = cmdb__report_register(&reg, idx, p.until_seq)) < 0 ||
		(rc = cmdb__report_scans(&cov, idx, reg, since_seq, p.until_seq)) < 0 ||
		(rc = put(model, "register", json_incref(reg))) < 0 ||
		(rc = put(model, "coverage", json_incref(cov))) < 0)
		goto done;
	if ((rc = cmdb__report_changes(&part, idx, &p)) < 0 ||
		(rc = put(model, "changes", part)) < 0)
		goto done;
	if ((rc = cmdb__report_incidents(&part, idx, &p)) < 0 ||
		(rc = put(model, "incidents", part)) < 0)
		goto done;
	if ((rc = cmdb_sla(&part, idx, &so)) < 0 || (rc = put(model, "sla", part)) < 0)
		goto done;
	if ((rc = audit_part(model, idx, opts, &p)) < 0 || (rc = graphs_part(model, idx, &p)) < 0)
		goto done;
	*out = json_incref(model);
done:
	cmdb__report_period_dispose(&p);
	json_decref(model);
	json_decref(reg);
	json_decref(cov);
	return rc < 0 ? rc : 0;
}
