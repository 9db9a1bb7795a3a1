/* Shared by lib/records/: the one write path every record command takes (write.c). */
#ifndef CMDB_LIB_RECORDS_INT_H
#define CMDB_LIB_RECORDS_INT_H

#include "gitcmdb/records.h"
#include "gitcmdb/schema.h"

/*
 * Change the document of record id (its attributes and relations) for the commit on
 * head (40 hex, main's tip the write is prepared on). A new record's doc arrives as
 * {type, name, source: manual, attributes: {}}. *what receives the commit message's
 * text after "<type> <id>: " (cmdb__sprintf'd, the writer frees it).
 */
typedef int (*cmdb__record_edit_fn)(
	json_t *doc, char **what, const char *id, const char *head, void *payload);

typedef struct {
	cmdb_record_kind kind;
	const char *id; /* an existing record (bare id); NULL = a new one, numbered here */
	cmdb__record_edit_fn edit;
	void *payload;
} cmdb__record_write_opts;

/*
 * Prepare on main's tip (edit, check every related item exists, validate against
 * that commit's schemas) and commit; again on the new tip when another writer
 * changed the same record file meanwhile. *out_id (may be NULL) is the record's id.
 */
int cmdb__record_write(
	char **out_id, char *out_commit, cmdb_repo *repo, const cmdb__record_write_opts *o);

/* WHEN → "2026-11-28T22:10:00Z" into buf[32]; errors name "<what>: <field>". */
int cmdb__record_time(char *buf, const char *when, const char *what, const char *field);

/* attributes[key] = value (a string), when value is not NULL. */
int cmdb__record_set(json_t *doc, const char *key, const char *value);
/* The attribute key of doc as a string, or NULL. */
const char *cmdb__record_get(const json_t *doc, const char *key);

/*
 * relations[rel] = the sorted, unique ids of list (each "type/name"; a bare record id
 * such as INC-0001 is taken as incident/INC-0001 when want_kind's prefix matches),
 * merged with those already there. Bad ids: CMDB_EINVALID naming what and rel.
 */
int cmdb__record_relate(json_t *doc, const char *rel, const cmdb_id_list *list, const char *what);

/* The built-in schemas with head's schemas/NAME.yaml over them (as `validate --rev` does). */
int cmdb__record_schemas(cmdb_schema **out, cmdb_repo *repo, const char *head);

/*
 * Check record file path (yaml, the emitted doc) against schema: every related item
 * exists at head, no finding. Errors start with what ("change CHG-0001").
 */
int cmdb__record_validate(const cmdb_schema *schema, cmdb_repo *repo, const char *head,
	const char *path, const char *yaml, size_t len, const json_t *doc, const char *what);
/*
 * The same, a related item also counting as existing when known (path → true) names its
 * file: records written by the same batch, and items found at head by an earlier check,
 * which are added to it.
 */
int cmdb__record_validate_in(const cmdb_schema *schema, cmdb_repo *repo, const char *head,
	const char *path, const char *yaml, size_t len, const json_t *doc, const char *what,
	json_t *known);

#endif
