/* Shared by the audit's parts (audit.c: drifts and changes; audit_state.c: the estate's state). */
#ifndef CMDB_LIB_QUERY_AUDIT_INT_H
#define CMDB_LIB_QUERY_AUDIT_INT_H

#include "query/query_int.h"

typedef struct {
	long long since, until; /* seqs: findings in (since, until]; since 0 = everything */
	long long since_time, until_time; /* their commit times (since: LLONG_MIN when none) */
	long long now; /* the reference time (cmdb_audit_opts.now) */
} audit_range;

/* Append a finding; extra (may be NULL, stolen) adds kind-specific keys. t 0 = no time. */
int cmdb__audit_add(json_t *findings, const char *kind, const char *item, const char *commit,
	long long t, const char *explanation, json_t *extra);
/* The committer time of seq. */
int cmdb__audit_seq_time(long long *t, cmdb_index *idx, long long seq);
/* stale_scan, dangling_relation, schema_violation, duplicate_identity (audit_state.c). */
int cmdb__audit_state(json_t *findings, cmdb_index *idx, const audit_range *r);

#endif
