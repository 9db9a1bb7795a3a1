/*
 * The auditor's evidence report and the service levels (docs/report.md). Both read
 * the history index and the records and never write anything. Every result is the
 * caller's (json_decref; char ** outputs cmdb_free). The same repository state and
 * arguments give the same bytes: no current time is read unless a WHEN says "now" or
 * a relative time.
 */
#ifndef GITCMDB_REPORT_H
#define GITCMDB_REPORT_H

#include <stddef.h>

#include <jansson.h>

#include "common.h"

typedef struct cmdb_index cmdb_index; /* include/gitcmdb/index.h */

/* ---- service levels ---------------------------------------------------------------- */

typedef struct {
	const char *since; /* WHEN: start of the period; NULL = the first commit's time */
	const char *until; /* WHEN: end of the period; NULL = the indexed head's time */
} cmdb_sla_opts;

#define CMDB_SLA_OPTS_INIT                                                                         \
	{                                                                                          \
		NULL, NULL                                                                         \
	}

/*
 * The service levels of every business_service at until over [since, until]. *out:
 *   {"since": time, "until": time, "commit": until's commit, "period_minutes": n,
 *    "services": [{"id", "name", "target": 99.9|null, "hours": "24x7"|null,
 *                  "outage_minutes", "availability", "met": bool|null,
 *                  "incidents": [{"id", "summary", "opened", "resolved"|null,
 *                                 "minutes", "via": [ids]}]}]}
 * sorted by id. Outage is the union of the open-to-resolved spans (an unresolved
 * incident up to until) of the incidents at until that affect the service or
 * anything it depends on (the downstream impact of each affected CI at the incident's
 * opened time), clipped to the period; "via" names the affected CIs that hit it.
 * availability = 100 × (1 − outage / period), rounded to 4 decimals; minutes to 2.
 * CMDB_EINVALID naming the item and field for an SLA target outside (0, 100], an
 * incident resolved before it opened or with a malformed time, and a since not before
 * until.
 */
CMDB_API int cmdb_sla(json_t **out, cmdb_index *idx, const cmdb_sla_opts *opts);

/* A cmdb_sla result as an aligned text table (one line per business service). */
CMDB_API int cmdb_sla_format_text(char **out, const json_t *sla);

/* ---- evidence report ------------------------------------------------------------------ */

typedef enum {
	CMDB_REPORT_HTML = 0, /* one self-contained file, inline CSS, no external resource */
	CMDB_REPORT_MD = 1, /* Markdown (CommonMark with pipe tables) */
} cmdb_report_format;

typedef struct {
	const char *at; /* WHEN the report is as of; NULL = the indexed head */
	const char *since; /* WHEN the period starts; NULL = the whole history */
	const char *dot; /* path of Graphviz dot for inline SVG impact graphs; NULL = lists */
} cmdb_report_opts;

#define CMDB_REPORT_OPTS_INIT                                                                      \
	{                                                                                          \
		NULL, NULL, NULL                                                                   \
	}

/*
 * Gather everything the report shows as one JSON document (the sections of
 * docs/report.md): {"scope", "register", "changes", "unauthorised", "incidents",
 * "coverage", "sla", "findings", "counts"}. CMDB_EINVALID for a malformed WHEN or a
 * since after at, and for the errors of cmdb_sla.
 */
CMDB_API int cmdb_report_build(json_t **out, cmdb_index *idx, const cmdb_report_opts *opts);

/* Render a cmdb_report_build document; every value is escaped for the format. With
 * opts->dot, each business service's dependency graph is drawn as inline SVG. */
CMDB_API int cmdb_report_render(char **out, size_t *len, const json_t *model,
	cmdb_report_format format, const cmdb_report_opts *opts);

#endif
