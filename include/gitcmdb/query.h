/*
 * Queries over the history index (include/gitcmdb/index.h): impact analysis,
 * estate-wide diffs between two points, attribute searches, and the package
 * version ordering they use. Every query reads one consistent point of history
 * ("WHEN": a date, a revision, a baseline tag, see cmdb_index_resolve_when; NULL or
 * "now" = the newest indexed commit)
 * and never writes to the repository or the index.
 * Results are new json_t values owned by the caller (json_decref); char **
 * outputs are the caller's too (cmdb_free).
 */
#ifndef GITCMDB_QUERY_H
#define GITCMDB_QUERY_H

#include <jansson.h>

#include "common.h"

typedef struct cmdb_index cmdb_index; /* include/gitcmdb/index.h */
typedef struct cmdb_schema cmdb_schema; /* include/gitcmdb/schema.h */

/* ---- version ordering ---------------------------------------------------- */

typedef enum {
	CMDB_VERSION_DPKG = 0, /* Debian: epoch:upstream-revision, '~' before everything */
	CMDB_VERSION_RPM = 1, /* RPM: epoch:version-release, rpmvercmp segments, '~' and '^' */
} cmdb_version_scheme;

/* <0, 0 or >0 as a sorts before, equal to or after b. Never fails: any string orders. */
CMDB_API int cmdb_version_cmp(const char *a, const char *b, cmdb_version_scheme scheme);

/* The scheme a host's package manager uses, from its os-release ID (NULL/unknown = dpkg). */
CMDB_API cmdb_version_scheme cmdb_version_scheme_for_os(const char *os_id);

/* ---- impact ---------------------------------------------------------------- */

typedef struct {
	int upstream; /* 0: who is hit when id fails (walk impacting edges backwards);
			 1: what id needs (walk them forwards) */
	int depth; /* maximum hops; 0 = unlimited */
	const char *at; /* WHEN; NULL = newest indexed commit */
} cmdb_impact_opts;

#define CMDB_IMPACT_OPTS_INIT                                                                      \
	{                                                                                          \
		0, 0, NULL                                                                         \
	}

/*
 * Walk the relations valid at opts->at whose type impacts (schemas/relations.yaml;
 * schema NULL = the built-in schemas). *out:
 *   {"id": root, "direction": "downstream"|"upstream", "at": {"seq","commit","time"},
 *    "items": [{"id", "type", "depth", "path": [{"src","type","dst"}, ...]}, ...],
 *    "edges": [{"src","type","dst"}, ...]}
 * items are in breadth-first order (ties by relation type, then id), each with the
 * shortest chain of relations from the root; edges are every impacting relation
 * between reached items (cycles included, each once). CMDB_ENOTFOUND for an id that
 * does not exist at that point (with "did you mean" suggestions).
 */
CMDB_API int cmdb_impact(json_t **out, cmdb_index *idx, const cmdb_schema *schema, const char *id,
	const cmdb_impact_opts *opts);

/* An impact result as an indented tree (text) or a Graphviz digraph (dot). */
CMDB_API int cmdb_impact_format_text(char **out, const json_t *result);
CMDB_API int cmdb_impact_format_dot(char **out, const json_t *result);

/* ---- find -------------------------------------------------------------------- */

/*
 * Check that expr parses (CMDB_EINVALID "expression:1:COL: ..." otherwise), without
 * touching any index. See docs/queries.md for the language.
 */
CMDB_API int cmdb_find_check(const char *expr);

/*
 * Items matching every term of expr at WHEN (NULL = newest). *out:
 *   {"expr", "at": {...}, "items": [{"id", "type", "matches": [{"path","value"}, ...]}]}
 * sorted by id.
 */
CMDB_API int cmdb_find(json_t **out, cmdb_index *idx, const char *expr, const char *at);

/* ---- estate diff --------------------------------------------------------------- */

/*
 * Field-level differences of the whole estate from WHEN `from` to WHEN `to`
 * (NULL = newest). *out:
 *   {"from": {...}, "to": {...}, "added": [ids], "removed": [ids],
 *    "changed": [{"id", "changes": [{"path", "old", "new"}]}],   (old/new null when absent)
 *    "relations_added": [{"src","type","dst"}], "relations_removed": [...]}
 */
CMDB_API int cmdb_estate_diff(json_t **out, cmdb_index *idx, const char *from, const char *to);

/* A diff result as readable text (one line per change). */
CMDB_API int cmdb_estate_diff_format_text(char **out, const json_t *result);

/* ---- audit (docs/audit.md) ------------------------------------------------------- */

typedef struct {
	const char *since; /* WHEN: only what came after it; NULL = the whole history */
	const char *until; /* WHEN: up to it; NULL = the indexed head */
	long long now; /* the reference time of stale_scan and change_without_drift (unix
			  seconds); 0 = until's commit time when until is given, else the
			  current time */
} cmdb_audit_opts;

#define CMDB_AUDIT_OPTS_INIT                                                                       \
	{                                                                                          \
		NULL, NULL, 0                                                                      \
	}

/*
 * Every finding of the audit over (since, until]. *out:
 *   {"since": point|null, "until": point, "now": time,
 *    "findings": [{"kind", "item", "commit", "time", "explanation", ...}],
 *    "counts": {"unauthorised_drift": n, "stale_scan": n, "dangling_relation": n,
 *               "schema_violation": n, "duplicate_identity": n,
 *               "change_without_drift": n, "emergency_change": n, "total": n}}
 * (a point is {"seq", "commit", "time"}). Findings are sorted by time, then kind and
 * item. unauthorised_drift adds "drift" (created|modified|deleted), "paths" and
 * "candidates": [{"change", "reason"}]; duplicate_identity adds "items"; the change
 * findings add "change"; stale_scan's commit and time are its last successful scan's
 * (null when there is none). Drifts are judged when indexed (cmdb_index_open); the
 * unauthorised ones are explained here against the change records at the head.
 */
CMDB_API int cmdb_audit(json_t **out, cmdb_index *idx, const cmdb_audit_opts *opts);

/* An audit result as text: one line per finding ("no findings" when there is none). */
CMDB_API int cmdb_audit_format_text(char **out, const json_t *result);

/* ---- drifts of incidents and changes ------------------------------------------------ */

/*
 * What changed before incident id ("INC-0007" or "incident/INC-0007") broke: *out
 *   {"incident", "opened", "lookback", "at": point, "affected": [ids],
 *    "impact": {"items": [{"id", "depth", "path"}], "edges": [...]},   (upstream of
 *                                                   the affected items at opened)
 *    "drifts": [{"item", "commit", "time", "drift", "paths", "status", "change", "how",
 *                "depth", "before_s", "rank"}]}
 * drifts are every drift in [opened - lookback, opened] of the affected items and of
 * what they need, ranked by closeness in time and in the graph (rank 1 first);
 * status authorised (change names it), exempt or unauthorised. lookback_s 0 = 72 h.
 * CMDB_ENOTFOUND for an unknown incident, CMDB_EINVALID when it has no valid opened.
 */
CMDB_API int cmdb_query_incident_drifts(
	json_t **out, cmdb_index *idx, const char *id, long long lookback_s);

/*
 * What change id ("CHG-0042" or "change/CHG-0042") authorised and what it could break:
 *   {"change", "status", "window": {"start", "end"}|null, "affects": [ids],
 *    "drifts": [{"item", "commit", "time", "drift", "paths", "how", "authorised_by"}],
 *    "impact": {"items": [{"id", "depth", "path"}], "edges": [...]}}   (downstream of
 *                                                   the affected items at the head)
 * authorised_by is the change the drift's verdict names (another change may have
 * matched first). CMDB_ENOTFOUND for an unknown change.
 */
CMDB_API int cmdb_query_change_drifts(json_t **out, cmdb_index *idx, const char *id);

#endif
