/*
 * The impact graph of the whole history in memory, for the service levels: every
 * impacting relation row up to the period's end loaded once into a downstream timed
 * relation graph (lib/query/relgraph.h). One walk per incident is then a search over
 * arrays with the rows valid at the incident's seq, instead of a query walk each.
 */
#include <stdlib.h>

#include "gitcmdb/schema.h"
#include "query/relgraph.h"
#include "report/sla_graph.h"

struct cmdb__sla_graph {
	cmdb__relgraph *g;
	unsigned char *want; /* per node: reported by hits (cmdb__sla_graph_want) */
};

int cmdb__sla_graph_load(
	cmdb__sla_graph **out, cmdb_index *idx, const cmdb_schema *schema, long long until_seq)
{
	static const char sql[] = "SELECT src, type, dst, from_seq, to_seq FROM relations WHERE "
				  "from_seq <= ?1";
	sqlite3 *db = cmdb_index_db(idx);
	sqlite3_stmt *st = NULL;
	cmdb__sla_graph *s = cmdb__calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return OOM();
	if ((rc = cmdb__relgraph_new(&s->g, CMDB__RELGRAPH_DOWNSTREAM)) < 0)
		goto done;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		rc = cmdb__query_sqlerr(db, "cannot read relations");
		goto done;
	}
	sqlite3_bind_int64(st, 1, until_seq);
	if ((rc = cmdb__relgraph_load(s->g, schema, st, "cannot read relations")) < 0 ||
		(rc = cmdb__relgraph_seal(s->g)) < 0)
		goto done;
	if (!(s->want = cmdb__calloc((size_t)s->g->n + 1, 1)))
		rc = OOM();
done:
	sqlite3_finalize(st);
	if (rc < 0) {
		cmdb__sla_graph_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void cmdb__sla_graph_free(cmdb__sla_graph *s)
{
	if (!s)
		return;
	cmdb__relgraph_free(s->g);
	free(s->want);
	free(s);
}

void cmdb__sla_graph_want(cmdb__sla_graph *s, const char *id)
{
	uint32_t k;

	if (cmdb__relgraph_lookup(s->g, id, &k))
		s->want[k] = 1;
}

int cmdb__sla_graph_hits(cmdb__sla_graph *s, const char *ci, long long seq,
	int (*hit)(const char *id, void *payload), void *payload)
{
	cmdb__relgraph *g = s->g;
	uint32_t k, n;
	int rc = 0;

	if (!cmdb__relgraph_lookup(g, ci, &k))
		return 0;
	cmdb__relgraph_begin(g);
	cmdb__relgraph_root(g, k);
	n = cmdb__relgraph_walk(g, seq);
	for (uint32_t i = 1; rc == 0 && i < n; i++) /* queue[0] is ci */
		if (s->want[g->queue[i]])
			rc = hit(g->name[g->queue[i]], payload);
	return rc;
}
