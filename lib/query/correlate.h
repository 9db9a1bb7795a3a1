/*
 * Many incidents' correlated drifts with one read of the index (correlate_bulk.c): the
 * same drifts, ranks and fields as cmdb_query_incident_drifts's "drifts", for callers
 * that correlate every incident (the report).
 */
#ifndef CMDB_LIB_QUERY_CORRELATE_H
#define CMDB_LIB_QUERY_CORRELATE_H

#include <jansson.h>
#include <stddef.h>

#include "gitcmdb/index.h"

typedef struct cmdb__correlator cmdb__correlator;

/* Load the impacting relations of the whole history and every drift of idx. */
int cmdb__correlator_open(cmdb__correlator **out, cmdb_index *idx);
void cmdb__correlator_free(cmdb__correlator *c);

/* The ranked drifts of incident id ("INC-0001" or "incident/INC-0001"): the first limit
 * (0 = all) of what cmdb_query_incident_drifts(id, lookback_s) gives as "drifts". Its
 * errors too: CMDB_ENOTFOUND, CMDB_EINVALID for a bad attributes.opened. */
int cmdb__correlator_incident(
	json_t **out, cmdb__correlator *c, const char *id, long long lookback_s, size_t limit);

/* What root needs at seq (the items of cmdb_impact's upstream walk, root excluded), as
 * ids sorted by depth, then id. */
int cmdb__correlator_upstream(json_t **out, cmdb__correlator *c, const char *root, long long seq);

#endif
