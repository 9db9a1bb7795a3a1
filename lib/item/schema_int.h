/*
 * Internal representation of compiled schemas, shared by schema.c (loading the
 * schema language) and validate.c (checking items). A cmdb_schema owns every
 * spec, regex and string reachable from it; nothing here is shared between
 * schemas, so freeing one never touches another.
 */
#ifndef CMDB_LIB_SCHEMA_INT_H
#define CMDB_LIB_SCHEMA_INT_H

#include <regex.h>

#include <jansson.h>

#include "gitcmdb/schema.h"

typedef enum {
	CMDB__T_ANY,
	CMDB__T_STRING,
	CMDB__T_INT,
	CMDB__T_NUMBER,
	CMDB__T_BOOL,
	CMDB__T_MAP,
	CMDB__T_LIST,
	CMDB__T_SCALAR,
} cmdb__spec_type;

typedef struct cmdb__spec cmdb__spec;

typedef struct {
	char *name;
	cmdb__spec *spec;
} cmdb__field;

struct cmdb__spec {
	cmdb__spec_type type;
	int required; /* as a field of a map: the key must be present */
	int additional; /* map: keys outside fields (and without values) are allowed */
	json_t *enumv; /* array of allowed values, or NULL */
	json_t *requires; /* {value: [sibling field names]}: this value needs those fields, or NULL
			   */
	char *after; /* string: an ISO 8601 time later than this sibling field's, or NULL */
	int after_strict; /* after: 1 = strictly later (`after`), 0 = same or later (`not_before`)
			   */
	char *pattern; /* ERE source as written (for messages), or NULL */
	regex_t re; /* compiled "^(pattern)$" when pattern != NULL */
	int has_min, has_max;
	double min, max; /* int/number bounds; list/map: item counts; string: byte length */
	cmdb__field *fields; /* sorted by name (bsearch) */
	size_t nfields;
	cmdb__spec *values; /* map values not in fields, list items; NULL = unchecked */
};

typedef struct {
	char *type;
	int is_record; /* kind: record (change, incident) vs kind: ci */
	char *origin; /* where it was loaded from, for messages */
	cmdb__spec *attributes;
} cmdb__type_schema;

typedef struct {
	char *name;
	int impacts; /* 1 when impact is not none */
	int impact; /* cmdb_impact_dir */
	json_t *sources; /* array of type names and/or "ci", "record"; NULL = any */
	json_t *targets;
} cmdb__relation;

struct cmdb_schema {
	cmdb__type_schema *types; /* sorted by type */
	size_t ntypes;
	cmdb__relation *relations; /* sorted by name */
	size_t nrelations;
	char *relations_origin;
	cmdb__spec *item; /* the top-level item shape (type, name, source, ...) */
};

const cmdb__type_schema *cmdb__schema_type(const cmdb_schema *schema, const char *type);
const cmdb__relation *cmdb__schema_relation(const cmdb_schema *schema, const char *name);
/* 1 if an item of type may be a source (or target) of rel. */
int cmdb__relation_allows(const cmdb_schema *schema, const json_t *list, const char *type);
/* The field spec called name in a map spec, or NULL. */
const cmdb__spec *cmdb__spec_field(const cmdb__spec *spec, const char *name);
const char *cmdb__spec_type_name(cmdb__spec_type t);

/* Compile a spec from its YAML value; errors name "origin:line:col" using marks at pointer ptr. */
int cmdb__spec_compile(cmdb__spec **out, const json_t *value, const json_t *marks, const char *ptr,
	const char *origin);
void cmdb__spec_free(cmdb__spec *spec);

#endif
