/*
 * Shared by lib/import/: the readers (csv.c, json.c) turn a file into a table, the
 * mapping (map.c, time.c) turns a row into a record's fields, resolve.c finds the
 * items a row names, import.c drives one run.
 *
 * A table is {"columns": [name...], "rows": [row...]}; a row is
 * {"row": N, "line": L, "fields": {column: string}} or {"row", "line", "error"}
 * (a malformed row: the others are still read). N counts data rows from 1; L is the
 * file's line the row starts on (JSON: 0).
 */
#ifndef CMDB_LIB_IMPORT_INT_H
#define CMDB_LIB_IMPORT_INT_H

#include <stddef.h>

#include <jansson.h>

#include "gitcmdb/import.h"

/* The readers refuse a file larger than this (a CSV export of 10,000 rows is ~5 MB). */
#define CMDB__IMPORT_MAX_BYTES (256u * 1024 * 1024)

/*
 * RFC 4180 CSV (a UTF-8 BOM skipped, CRLF or LF, quoted fields with embedded commas,
 * newlines and "" escapes; blank lines skipped). The first row names the columns:
 * empty, duplicate or broken-UTF-8 names refuse the file (CMDB_EINVALID naming file,
 * line and column), as does an unterminated quote. A row with another number of
 * fields, a stray quote or broken UTF-8 is a row error naming row, line and column.
 */
int cmdb__import_csv(json_t **out, const char *buf, size_t len, const char *file);

/*
 * JSON: an array of objects, or {"records": [...]} / {"result": [...]}. Strings are kept,
 * numbers and booleans as their JSON text, null as an empty cell, {"display_value": V}
 * as V; anything else is a row error naming the field.
 */
int cmdb__import_json(json_t **out, const char *buf, size_t len, const char *file);

/* 1 when buf[0..len) is valid UTF-8 (no overlong forms, surrogates or > U+10FFFF). */
int cmdb__import_utf8_valid(const char *buf, size_t len);

/*
 * tz: NULL, "UTC", "Z", "+01:00" / "-0530" or an IANA name with a file under
 * /usr/share/zoneinfo. 0 or CMDB_EINVALID saying why.
 */
int cmdb__import_tz_check(const char *tz);

/*
 * A time cell → "2026-02-10T07:00:00Z" into buf (32 bytes): "2026-02-10 08:00:00",
 * "2026-02-10 08:00" or "2026-02-10" read in tz; ISO 8601 with T (and maybe a zone)
 * as gitcmdb reads WHENs. CMDB_EINVALID saying why (not naming the field).
 */
int cmdb__import_time(char *buf, const char *value, const char *tz);

/* The columns a file of kind must have, NULL-terminated. */
const char *const *cmdb__import_required(cmdb_record_kind kind, cmdb_import_from from);

/* 1 when column means something in kind's mapping (generic files may hold no other). */
int cmdb__import_known_column(cmdb_record_kind kind, cmdb_import_from from, const char *column);

/*
 * One row's fields → {"external_ref": S, "attributes": {...}, "cis": [name...],
 * "caused_by": [name...], "resolved_by": [name...], "incidents": [name...], "errors": [{"field",
 * "message"}]}. An attribute whose column is present but empty is null (the update removes it).
 * Names are resolved later (resolve.c). errors non-empty: the row is skipped.
 */
int cmdb__import_map(json_t **out, const json_t *fields, cmdb_record_kind kind,
	cmdb_import_from from, const char *tz);

/* The CI names of a cell: split on commas, each trimmed, empty ones dropped. */
int cmdb__import_split(json_t *arr, const char *cell);

typedef struct cmdb__import_cis cmdb__import_cis;
int cmdb__import_cis_new(cmdb__import_cis **out, cmdb_repo *repo, const char *head);
void cmdb__import_cis_free(cmdb__import_cis *c);
/*
 * name → an item id on head: an exact id, then host/NAME, then service/HOST/NAME from
 * "NAME on HOST" or "HOST:NAME", then the one item whose name is NAME. CMDB_ENOTFOUND
 * ("no item ...") or CMDB_EINVALID ("ambiguous: ...") saying why. *out: cmdb_free.
 */
int cmdb__import_ci_resolve(char **out, cmdb__import_cis *c, const char *name);

#endif
