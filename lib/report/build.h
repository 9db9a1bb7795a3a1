/* The parts of cmdb_report_build (build.c, build_estate.c, build_records.c). */
#ifndef CMDB_LIB_REPORT_BUILD_H
#define CMDB_LIB_REPORT_BUILD_H

#include "report/report_int.h"

/* The CIs at seq, sorted by id: [{"id", "type", "attributes": "k=v; ...", "source",
 * "last_scan": null}] (cmdb__report_scans fills last_scan of scanned hosts). */
int cmdb__report_register(json_t **out, cmdb_index *idx, long long seq);

/* Scan coverage over (since_seq, seq]: {"scans", "hosts", "scanned": [ids],
 * "failed": [{"id", "failures"}]}; sets the register's last_scan of each host. */
int cmdb__report_scans(
	json_t **coverage, cmdb_index *idx, json_t *reg, long long since_seq, long long seq);

/* Changes whose window meets [since_t, until_t] (or without a window), with the
 * drifts they authorised up to seq. */
int cmdb__report_changes(json_t **out, cmdb_index *idx, const cmdb__report_period *p);

/* Incidents open at some time in the period, with drifts and problems. */
int cmdb__report_incidents(json_t **out, cmdb_index *idx, const cmdb__report_period *p);

#endif
