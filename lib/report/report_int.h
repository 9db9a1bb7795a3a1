/* Shared by the report's parts: sla.c, build*.c, render_*.c. */
#ifndef CMDB_LIB_REPORT_INT_H
#define CMDB_LIB_REPORT_INT_H

#include <jansson.h>
#include <sqlite3.h>

#include "gitcmdb/report.h"
#include "query/query_int.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/time.h"

#define OOM() cmdb__error(CMDB_ERROR, "out of memory")

/* Run sql with ?1 = seq and hand each row to fn (a return > 0 stops early, 0 continues). */
int cmdb__report_rows(cmdb_index *idx, const char *sql, long long seq,
	int (*fn)(sqlite3_stmt *st, void *payload), void *payload);

/* The documents (JSON text of item_versions.doc, parsed) of the items of type at seq:
 * an object id -> document, unparsed versions left out. */
int cmdb__report_items_of_type(json_t **out, cmdb_index *idx, const char *type, long long seq);

/* A time from a record field: 0 and *t, or CMDB_EINVALID naming id and field. */
int cmdb__report_field_time(long long *t, const char *id, const char *field, const char *value);

/* The period's ends: WHEN since (NULL = first commit) and WHEN until (NULL = head). */
typedef struct {
	long long since_t, until_t, until_seq;
	long long first_t; /* the first mainline commit's time */
	json_t *until_point; /* {"seq", "commit", "time"} */
	sqlite3 *db; /* the index's settings while the period lives (period.c) */
	long long saved_mmap, saved_cache;
} cmdb__report_period;

int cmdb__report_period_init(
	cmdb__report_period *p, cmdb_index *idx, const char *since, const char *until);
void cmdb__report_period_dispose(cmdb__report_period *p);

#endif
