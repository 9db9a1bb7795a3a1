/* The whole history's impact graph in memory, for many downstream walks (sla_graph.c). */
#ifndef CMDB_LIB_REPORT_SLA_GRAPH_H
#define CMDB_LIB_REPORT_SLA_GRAPH_H

#include <stdint.h>

#include "report/report_int.h"

typedef struct cmdb__sla_graph cmdb__sla_graph;
typedef struct cmdb_schema cmdb_schema;

/* Load every impacting relation row that starts at or before until_seq. */
int cmdb__sla_graph_load(
	cmdb__sla_graph **out, cmdb_index *idx, const cmdb_schema *schema, long long until_seq);
void cmdb__sla_graph_free(cmdb__sla_graph *g);
/* Report id from now on (hits names only the items wanted). */
void cmdb__sla_graph_want(cmdb__sla_graph *g, const char *id);
/* Call hit for every wanted item a failure of ci reaches downstream at seq (ci
 * excluded). */
int cmdb__sla_graph_hits(cmdb__sla_graph *g, const char *ci, long long seq,
	int (*hit)(const char *id, void *payload), void *payload);

#endif
