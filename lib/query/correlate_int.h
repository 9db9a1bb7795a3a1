/*
 * The incident correlation's parts shared by the single-incident query (correlate.c,
 * cmdb_query_incident_drifts) and the load-once correlator of many incidents
 * (correlate_bulk.c, used by the report), so both rank alike.
 */
#ifndef CMDB_LIB_QUERY_CORRELATE_INT_H
#define CMDB_LIB_QUERY_CORRELATE_INT_H

#include "query/query_int.h"

#define CMDB__CORRELATE_LOOKBACK (72LL * 3600)

/* The drift columns both read, in this order (the row is cmdb__correlate_drift_row's). */
#define CMDB__CORRELATE_DRIFT_COLS                                                                 \
	"d.id, d.seq, d.time, d.kind, d.paths, d.status, d.change, d.how, c.oid"

/* A drift row {item, commit, time, drift, paths, status, change, how}; NULL on OOM. */
json_t *cmdb__correlate_drift_row(sqlite3_stmt *st);

/* One candidate drift of an incident: its item's depth in the upstream graph and its
 * time; ref is the caller's (the candidates come in drift (seq, id) order). */
typedef struct {
	double score;
	long long time;
	const char *item;
	size_t ref;
} cmdb__correlate_cand;

/* Score candidate c (time and item set) at depth for the window [from, to]. */
void cmdb__correlate_score(cmdb__correlate_cand *c, long long depth, long long from, long long to);
/* Sort into rank order: score, then the later drift, then the item, then ref. */
void cmdb__correlate_sort(cmdb__correlate_cand *c, size_t n);

/* The incident's head document and parsed attributes.opened: 0, CMDB_ENOTFOUND,
 * CMDB_EINVALID naming the field. iid as "incident/INC-0001". */
int cmdb__correlate_incident(json_t **doc, long long *opened, cmdb_index *idx, const char *iid);
/* Targets of src's relations of type at the head (sorted). */
int cmdb__correlate_targets(json_t **out, sqlite3 *db, const char *src, const char *type);
/* The latest mainline commit at or before t (the first commit when t is earlier). */
long long cmdb__correlate_seq_at(sqlite3 *db, long long t);

#endif
