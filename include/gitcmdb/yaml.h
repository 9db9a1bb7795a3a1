/*
 * YAML <-> value tree. The value tree is jansson's json_t; the caller owns every
 * json_t returned here (json_decref) and every char * buffer (cmdb_free).
 *
 * Reader: one YAML 1.2 document, plain scalars typed by the core schema, quoted
 * scalars always strings. Rejected: anchors/aliases, tags, duplicate keys, depth
 * > 64, input > 16 MiB, invalid UTF-8, more than one document. Errors name
 * "name:line:column".
 * Writer: canonical bytes (sorted keys, stable quoting), so the same value
 * always gives the same file and parse(emit(v)) == v.
 */
#ifndef GITCMDB_YAML_H
#define GITCMDB_YAML_H

#include <jansson.h>

#include "common.h"

#define CMDB_YAML_MAX_BYTES (16u * 1024 * 1024)
#define CMDB_YAML_MAX_DEPTH 64

/* Parse buf[0..len) into *out. name is used in messages ("host/web01.yaml"). */
CMDB_API int cmdb_yaml_parse(json_t **out, const char *buf, size_t len, const char *name);

/*
 * As cmdb_yaml_parse, and also *marks: an object mapping each node's JSON pointer
 * ("" for the root, "/attributes/os/id", "/relations/member_of/0") to [line, column]
 * (1-based) where the node starts. For validators that report file:line:column.
 */
CMDB_API int cmdb_yaml_parse_marked(
	json_t **out, json_t **marks, const char *buf, size_t len, const char *name);

/* Read and parse a file (refusing files over CMDB_YAML_MAX_BYTES). */
CMDB_API int cmdb_yaml_parse_file(json_t **out, const char *path);

/* Emit flags. */
#define CMDB_YAML_ITEM                                                                             \
	0x1 /* top-level keys in item order: type, name, source, attributes, annotations,          \
	       relations, then the rest sorted */

/* Emit value as canonical YAML into a new NUL-terminated buffer *out of *out_len bytes. */
CMDB_API int cmdb_yaml_emit(char **out, size_t *out_len, const json_t *value, unsigned flags);

#endif
