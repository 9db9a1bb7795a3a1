/*
 * Why a drift matched no change (for lib/query's audit and correlation): the
 * candidates of the authorisation rule (drift_auth.c) with a reason each, best first:
 * trailer problems, then the changes covering the item (not approved, no window,
 * outside the window by how much), then changes in whose window it falls but that do
 * not cover the item. Judged against the change records and settings at the indexed
 * head, as the stored verdicts are.
 */
#ifndef CMDB_LIB_INDEX_DRIFT_EXPLAIN_H
#define CMDB_LIB_INDEX_DRIFT_EXPLAIN_H

#include <jansson.h>

#include "gitcmdb/index.h"

typedef struct cmdb__drift_explainer cmdb__drift_explainer;

int cmdb__drift_explainer_new(cmdb__drift_explainer **out, cmdb_index *idx);
void cmdb__drift_explainer_free(cmdb__drift_explainer *ex);
/* [{"change": "CHG-0002", "reason": "..."}] (at most 5) for the drift of id at seq. */
int cmdb__drift_explain(json_t **candidates, cmdb__drift_explainer *ex, const char *id,
	long long seq, long long time, const char *kind, const char *paths);
/* An ISO 8601 date or date-time of a record (opened, window.start) as unix seconds:
 * 0, or CMDB_EINVALID when it is not one. */
int cmdb__drift_parse_time(long long *t, const char *s);

/* changes.grace_minutes in seconds, as the explainer read it. */
long long cmdb__drift_grace(const cmdb__drift_explainer *ex);

#endif
