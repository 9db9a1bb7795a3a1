/*
 * Drift bookkeeping of the index build (docs/audit.md). drift.c records, while
 * the build applies commits, one drifts row per commit changing a CI (a type whose
 * schema is kind: ci) and keeps the changes table (the change records at the
 * indexed head) current; drift_auth.c then decides, at the end of the build and in
 * the same transaction, whether each pending drift is authorised, and by which
 * change. A change record added or edited later (a change approved after the fact,
 * a window moved) marks the drifts of its old and new windows pending again, so an
 * incremental build answers exactly as a full one.
 */
#ifndef CMDB_LIB_INDEX_DRIFT_H
#define CMDB_LIB_INDEX_DRIFT_H

#include "index/index_build.h"

/* Benchmark seam (bench/audit.c): nonzero turns the drift bookkeeping off, to measure
 * what it costs. Never set by the library. */
extern int cmdb__drift_off;

/* Set up b->drift (schema kinds, statements); cmdb__drift_end frees it. */
int cmdb__drift_begin(build *b);
void cmdb__drift_end(build *b);

/* 1 when items of type are CIs (the schema says kind: ci), else 0. */
int cmdb__drift_is_ci(build *b, const char *type);

/*
 * Record that CI id changed at seq (at b->time): kind "created", "modified" or
 * "deleted"; paths the changed attribute and relation paths (borrowed; sorted and
 * filtered here). A modification that touched no attributes.* or relations path
 * (annotations only) is no drift.
 */
int cmdb__drift_note(build *b, const char *id, const char *kind, json_t *paths, long long seq);

/* Change record id has a new version doc at seq (NULL: deleted): keep the changes
 * table current and remember its old and new windows for re-authorisation. */
int cmdb__drift_change_record(build *b, const char *id, const json_t *doc, long long seq);

/* gitcmdb.yaml changed in this run: every drift is authorised again. */
void cmdb__drift_settings_changed(build *b);

/* After the last commit of the run: authorise every pending drift (drift_auth.c). */
int cmdb__drift_authorise(build *b);

/* A change record's parsed fields (also what drift_auth.c explains with). */
typedef struct {
	char *id; /* "change/CHG-0001" */
	char *status, *type, *approved_by;
	long long approved_at, win_start, win_end; /* unix seconds; have_* say whether set */
	int have_approved_at, have_window;
} cmdb__change;

/* Parse a change document (its attributes); strings are copies. */
int cmdb__change_parse(cmdb__change *c, const char *id, const json_t *doc);
void cmdb__change_dispose(cmdb__change *c);

/* 1 when the change's status lets it authorise drifts (approved, implemented or closed
 * with an approver; an emergency change implemented or closed even without one). */
int cmdb__change_authorises(const cmdb__change *c);

/* The host of a host-scoped id ("service/web01/nginx", "file/web01/...") as a new
 * "host/web01", or NULL (also when out of memory: the caller treats it as no host). */
char *cmdb__drift_host_of(const char *id);

#endif
