/*
 * Import of change, incident and problem records from ITSM exports (docs/import.md):
 * CSV (RFC 4180) or JSON, in ServiceNow's list-export columns or gitcmdb's own field
 * names. A record is matched to an existing one by external_ref (the tool's number);
 * all records created or updated by one run are one commit on main, and a run that
 * changes nothing commits nothing.
 *
 * A row that cannot be imported (malformed, a bad value, a CI name that is unknown or
 * ambiguous, a record that fails its schema) is skipped and reported with its row,
 * line and field; with strict, any such row means nothing is committed.
 */
#ifndef GITCMDB_IMPORT_H
#define GITCMDB_IMPORT_H

#include <stddef.h>

#include <jansson.h>

#include "common.h"
#include "id.h"
#include "records.h"
#include "store.h"

typedef enum {
	CMDB_IMPORT_SERVICENOW = 0, /* change_request / incident / problem list exports */
	CMDB_IMPORT_GENERIC, /* gitcmdb's own field names */
} cmdb_import_from;

typedef enum {
	CMDB_IMPORT_AUTO = 0, /* .json / .csv by the name, else by the first byte */
	CMDB_IMPORT_CSV,
	CMDB_IMPORT_JSON,
} cmdb_import_format;

typedef struct {
	cmdb_record_kind kind;
	cmdb_import_from from;
	cmdb_import_format format;
	const char *timezone; /* for times without a zone; NULL = UTC */
	int dry_run; /* plan only: nothing is committed */
	int strict; /* any bad or skipped row: nothing is committed */
} cmdb_import_opts;

/*
 * Import buf (len bytes, named name in messages) into repo. *out:
 *   {"file", "kind", "from", "rows": N, "dry_run": bool, "strict": bool,
 *    "commit": "<oid>" | null,
 *    "created": [{"row", "id", "external_ref"}], "updated": [...], "unchanged": [...],
 *    "skipped": [{"row", "line", "external_ref"?, "field"?, "message"}]}
 * where each skipped message reads "FILE: row N (line L), column C: what is wrong".
 * 0 when the file was read (rows may be skipped: see "skipped"); CMDB_EINVALID for a
 * file that cannot be read as a whole (not UTF-8, a missing required column, not a
 * table), CMDB_ELOCKED when main changed under the run; nothing is committed then.
 */
CMDB_API int cmdb_import_buffer(json_t **out, cmdb_repo *repo, const char *buf, size_t len,
	const char *name, const cmdb_import_opts *opts);

/* cmdb_import_buffer on the file at path (at most 256 MiB). */
CMDB_API int cmdb_import_file(
	json_t **out, cmdb_repo *repo, const char *path, const cmdb_import_opts *opts);

/* "servicenow" / "generic" → from; CMDB_EINVALID otherwise. */
CMDB_API int cmdb_import_from_parse(cmdb_import_from *from, const char *s);

#endif
