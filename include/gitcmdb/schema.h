/*
 * Item schemas and the validator. A cmdb_schema holds one schema per item type
 * and the relation types (schemas/relations.yaml); the built-in set is embedded
 * in the library, a CMDB repository may override it with its own schemas/ dir.
 *
 * Findings are appended to a caller-owned json_t array; each finding is an
 * object {"file", "line", "column", "id", "message"} (line/column 0 when unknown).
 */
#ifndef GITCMDB_SCHEMA_H
#define GITCMDB_SCHEMA_H

#include <jansson.h>

#include "common.h"

typedef struct cmdb_schema cmdb_schema;
typedef struct cmdb_validator cmdb_validator;

/* The schemas compiled into the library (the source tree's schemas/ directory). */
CMDB_API int cmdb_schema_load_builtin(cmdb_schema **out);
/* Load every *.yaml in dir (one per type, plus relations.yaml) and nothing else. */
CMDB_API int cmdb_schema_load_dir(cmdb_schema **out, const char *dir);
CMDB_API void cmdb_schema_free(cmdb_schema *schema);

/* An empty set (no types, no relations), to fill with cmdb_schema_add. */
CMDB_API int cmdb_schema_new(cmdb_schema **out);
/*
 * Add one schema file from a buffer; name is its path ("schemas/host.yaml"), its
 * base name says what it is: "relations.yaml" replaces the relation set, any other
 * "<type>.yaml" adds or replaces that type. This is how a repository's own schemas/
 * overrides the built-ins. CMDB_EINVALID with "name:line:col: ..." on a bad file,
 * leaving the set as it was.
 */
CMDB_API int cmdb_schema_add(cmdb_schema *schema, const char *name, const char *buf, size_t len);
/* Cross-file checks (every type relations.yaml names has a schema); load_* do this. */
CMDB_API int cmdb_schema_check(const cmdb_schema *schema);

/* 1 if type has a schema, else 0. */
CMDB_API int cmdb_schema_has_type(const cmdb_schema *schema, const char *type);
/* 1 if type's schema says kind: record (change, incident), else 0 (a CI or unknown). */
CMDB_API int cmdb_schema_type_is_record(const cmdb_schema *schema, const char *type);
/* All type names, sorted, as a new json_t array of strings. */
CMDB_API int cmdb_schema_types(json_t **out, const cmdb_schema *schema);

/* Which end's failure (or change) hits the other, per relation type (relations.yaml `impact`). */
typedef enum {
	CMDB_IMPACT_NONE = 0, /* none: records (affects, caused_by) */
	CMDB_IMPACT_TARGET = 1, /* target: a failure of the target hits the source (runs_on, ...) */
	CMDB_IMPACT_SOURCE = 2, /* source: a failure of the source hits the target (part_of) */
	CMDB_IMPACT_MEMBERS = 3 /* members: a member's failure is reported for its group, and
				   impact on the group is its members' (member_of) */
} cmdb_impact_dir;

/*
 * Look up a relation type. *impacts is set to 1 when it carries impact in either direction
 * (cmdb_schema_relation_impact says which), 0 otherwise. CMDB_ENOTFOUND if unknown.
 */
CMDB_API int cmdb_schema_relation(const cmdb_schema *schema, const char *relation, int *impacts);
/* The impact direction of a relation type; CMDB_ENOTFOUND if unknown (*dir unchanged). */
CMDB_API int cmdb_schema_relation_impact(
	const cmdb_schema *schema, const char *relation, cmdb_impact_dir *dir);

/* All relation type names, sorted, as a new json_t array of strings. */
CMDB_API int cmdb_schema_relation_types(json_t **out, const cmdb_schema *schema);

/* A validator collects items, then checks each and the relations between them. */
CMDB_API int cmdb_validator_new(cmdb_validator **out, const cmdb_schema *schema);
CMDB_API void cmdb_validator_free(cmdb_validator *v);

/*
 * Parse and check one item file (path relative to the repository, e.g.
 * "host/web01.yaml"). Problems, including YAML errors, become findings; returns
 * an error code only when something other than the input failed (e.g. memory).
 */
CMDB_API int cmdb_validator_add(cmdb_validator *v, const char *path, const char *buf, size_t len);

/* The same for a document already parsed (the index's copy): findings carry no line and
 * column (0). */
CMDB_API int cmdb_validator_add_doc(cmdb_validator *v, const char *path, const json_t *doc);

/* Tell the validator an item exists without checking it (relation targets outside the checked set).
 */
CMDB_API int cmdb_validator_add_known(cmdb_validator *v, const char *id, const char *type);

/* Run the cross-item checks and append every finding so far to findings. */
CMDB_API int cmdb_validator_finish(cmdb_validator *v, json_t *findings);

#endif
