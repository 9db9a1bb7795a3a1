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

#endif
