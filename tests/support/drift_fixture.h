/*
 * A hand-built CMDB history at fixed dates for the drift, audit and correlation tests:
 * items and change/incident records written as files and committed with the git CLI
 * (committer and author dates set, a Change: trailer when asked), then indexed.
 */
#ifndef CMDB_TEST_DRIFT_FIXTURE_H
#define CMDB_TEST_DRIFT_FIXTURE_H

#include "gitcmdb/gitcmdb.h"

typedef struct {
	char *dir; /* temp dir */
	char *repo; /* dir/r */
	char *db; /* dir/index.db */
	cmdb_repo *r;
} dt_fixture;

int dt_setup(void **state);
int dt_teardown(void **state);

void dt_put(dt_fixture *f, const char *path, const char *content);
void dt_remove(dt_fixture *f, const char *path);
/* host/NAME with os.kernel, packages.openssl.version, optional member_of group, owner. */
void dt_host(dt_fixture *f, const char *name, const char *kernel, const char *openssl,
	const char *group, const char *owner);
/* service/HOST/NAME runs_on host/HOST, attributes.version. */
void dt_service(dt_fixture *f, const char *host, const char *name, const char *version);
/* change/ID (type normal) with status, approved_by (NULL = none), window, affects (comma list). */
void dt_change(dt_fixture *f, const char *id, const char *status, const char *approved_by,
	const char *start, const char *end, const char *affects);
/* The same with every field given (type: standard|normal|emergency; approved_at may be NULL). */
void dt_change_full(dt_fixture *f, const char *id, const char *type, const char *status,
	const char *approved_by, const char *approved_at, const char *start, const char *end,
	const char *affects);
/* incident/ID opened at opened, affects (comma list). */
void dt_incident(dt_fixture *f, const char *id, const char *opened, const char *affects);
/* Commit everything at date (ISO, UTC) with msg and an optional trailer: "CHG-0001" is
 * "Change: CHG-0001", anything with a ':' is taken as it is ("Scan-Id: x"). */
void dt_commit(dt_fixture *f, const char *date, const char *msg, const char *change);

/*
 * The story of tests/unit/drift.c (its header comment lists the changes and drifts):
 * dt_estate commits the estate and the records at 03-01 09:00 (with whatever files
 * the caller put before), dt_story that and every drift up to 03-07 10:00.
 */
void dt_estate(dt_fixture *f);
void dt_story(dt_fixture *f);

/* The index at f->db, refreshed (incrementally when it exists). */
cmdb_index *dt_index(dt_fixture *f);
/* The first column of the first row of sql (printf-style), a new string ("" for none). */
char *dt_q(cmdb_index *idx, const char *fmt, ...);
void dt_expect_q(cmdb_index *idx, const char *want, const char *fmt, ...);
/* The drift of id at time (ISO, UTC): "status:change:how", or "none". */
void dt_expect(cmdb_index *idx, const char *id, const char *time, const char *want);
/* One of that drift's candidates is change with exactly reason. */
void dt_expect_reason(
	cmdb_index *idx, const char *id, const char *time, const char *change, const char *reason);
/* The drift tables of idx equal those of a full rebuild from scratch. */
void dt_assert_same_as_full(dt_fixture *f, cmdb_index *idx);

#endif
