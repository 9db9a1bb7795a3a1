/*
 * Change, incident and problem records (docs/records.md). A record is an item
 * (change/CHG-0001.yaml, incident/INC-0001.yaml, problem/PRB-0001.yaml) validated
 * by its schema; every function that writes makes exactly one commit on main
 * through the store, whose message says what happened ("change CHG-0003: approved
 * by alice"), authored by the person (cmdb_repo_user, else "gitcmdb user").
 *
 * Each write is prepared on main's tip (the next free id, the record's current
 * state, the existence of every related item, the schemas of that commit) and
 * committed with that tip as its base: when another writer changed the same record
 * file meanwhile (two processes picking the same new id), it is prepared again on
 * the new tip, so ids never collide and no update is lost.
 *
 * Times given (window, opened, resolved) are WHENs: ISO 8601, "now" or a relative
 * time ("2.hours.ago"); they are stored in UTC ("2026-11-28T22:10:00Z").
 * Errors name the record and the field: CMDB_EINVALID for a bad value, a refused
 * transition (naming the allowed ones) or a record that fails its schema;
 * CMDB_ENOTFOUND for an unknown record or related item. Nothing is committed then.
 * out_id (may be NULL) is the caller's (cmdb_free); out_commit (41 bytes, may be
 * NULL) receives the commit.
 */
#ifndef GITCMDB_RECORDS_H
#define GITCMDB_RECORDS_H

#include <stddef.h>

#include <jansson.h>

#include "common.h"
#include "id.h"
#include "store.h"

/* ---- transitions ---------------------------------------------------------------- */

/*
 * The statuses a record of kind in status from may move to, as a NULL-terminated
 * list (empty for a final status, NULL for an unknown status). For a change,
 * requested → implemented is allowed only when emergency is set (an emergency change
 * implemented before approval, which audit reports for review).
 */
CMDB_API const char *const *cmdb_record_next_statuses(
	cmdb_record_kind kind, const char *from, int emergency);

/* 0 when kind may move from → to; else CMDB_EINVALID saying "<id> is <from>: it can
 * become a, b or c" (or that it is final). */
CMDB_API int cmdb_record_check_transition(
	cmdb_record_kind kind, const char *id, const char *from, const char *to, int emergency);

/* The type directory of kind ("change", "incident", "problem"), NULL if unknown. */
CMDB_API const char *cmdb_record_type(cmdb_record_kind kind);

/* "CHG-0007" for (CHANGE, 7): the prefix and at least CMDB_RECORD_ID_DIGITS digits. */
CMDB_API int cmdb_record_id_format(char **out, cmdb_record_kind kind, unsigned long n);

/*
 * The next free number among the record ids in paths (a json_t array of repository
 * paths such as "change/CHG-0007.yaml"): one more than the largest, 1 when none.
 * Paths that are not record ids of kind are ignored.
 */
CMDB_API unsigned long cmdb_record_next_number(cmdb_record_kind kind, const json_t *paths);

/* ---- writing -------------------------------------------------------------------- */

/* A list of item ids (the values of --affects ID,ID...). */
typedef struct {
	const char *const *v;
	size_t n;
} cmdb_id_list;

typedef struct {
	const char *summary; /* required */
	const char *description, *external_ref;
	const char *type; /* standard | normal | emergency; NULL = normal */
	const char *risk; /* low | medium | high; NULL = none */
	const char *status; /* requested (NULL) or approved (needs approved_by) */
	const char *requested_by; /* NULL = the commit's author */
	const char *approved_by;
	const char *window_start, *window_end; /* WHENs, both required, end after start */
	cmdb_id_list affects; /* at least one CI */
} cmdb_change_spec;

CMDB_API int cmdb_change_new(
	char **out_id, char *out_commit, cmdb_repo *repo, const cmdb_change_spec *spec);

/*
 * Move change id to status (approved, implemented, closed, rejected, cancelled) if
 * cmdb_record_check_transition allows it; approving needs by (recorded as approved_by,
 * with approved_at = now).
 */
CMDB_API int cmdb_change_set_status(
	char *out_commit, cmdb_repo *repo, const char *id, const char *status, const char *by);

/*
 * 0 when change id exists on main and is approved or implemented (it may authorise
 * a commit: `commit --change`); else CMDB_ENOTFOUND / CMDB_EINVALID saying why.
 */
CMDB_API int cmdb_change_check_usable(cmdb_repo *repo, const char *id);

typedef struct {
	const char *summary; /* required */
	const char *description, *external_ref;
	const char *severity; /* critical | high | medium | low; NULL = medium */
	const char *opened; /* WHEN; NULL = now */
	cmdb_id_list affects; /* at least one CI */
} cmdb_incident_spec;

CMDB_API int cmdb_incident_new(
	char **out_id, char *out_commit, cmdb_repo *repo, const cmdb_incident_spec *spec);
/* Resolve incident id at WHEN at (NULL = now, not before opened), optionally naming what
 * caused it (a change record or a CI, recorded as relations.caused_by). */
CMDB_API int cmdb_incident_resolve(
	char *out_commit, cmdb_repo *repo, const char *id, const char *at, const char *caused_by);
/* Close resolved incident id at WHEN at (NULL = now). */
CMDB_API int cmdb_incident_close(char *out_commit, cmdb_repo *repo, const char *id, const char *at);

typedef struct {
	const char *summary; /* required */
	const char *external_ref;
	cmdb_id_list incidents; /* incident ids (INC-0001 or incident/INC-0001) */
	cmdb_id_list affects;
} cmdb_problem_spec;

CMDB_API int cmdb_problem_new(
	char **out_id, char *out_commit, cmdb_repo *repo, const cmdb_problem_spec *spec);
/* Set any of status (a transition), root_cause, workaround (NULL = unchanged); at
 * least one must be given. */
CMDB_API int cmdb_problem_update(char *out_commit, cmdb_repo *repo, const char *id,
	const char *status, const char *root_cause, const char *workaround);

/* ---- many records in one commit (gitcmdb import) ---------------------------------- */

/*
 * A batch collects new and changed records of one kind, each prepared and validated
 * on the main tip the batch was opened on (the same checks as every other write:
 * related items exist, the record passes its schema), and commits them all as one
 * changeset with that tip as its base. When main moved on and touched a record file
 * of the batch meanwhile, the commit fails with CMDB_ELOCKED and nothing is written:
 * the caller prepares its batch again on the new tip.
 */
typedef struct cmdb_record_batch cmdb_record_batch;

CMDB_API int cmdb_record_batch_new(cmdb_record_batch **out, cmdb_repo *repo, cmdb_record_kind kind);
CMDB_API void cmdb_record_batch_free(cmdb_record_batch *b);
/* The main commit (40 hex) the batch is prepared on. */
CMDB_API const char *cmdb_record_batch_head(const cmdb_record_batch *b);

/*
 * Put one record: id NULL for a new one (the next free id, counting those already in
 * the batch), else an existing record at head. Each key of attributes is set (JSON
 * null removes it), each relation type of relations replaces that relation's list
 * (bare record ids such as INC-0001 taken as incident/INC-0001); the rest of an existing
 * record is kept. New records get source. 0 when the record is new or changed, 1 when
 * the existing record already says exactly that (nothing added); CMDB_EINVALID /
 * CMDB_ENOTFOUND naming the record and field, the batch unchanged. *out_id (may be
 * NULL, cmdb_free) is the record's id.
 */
CMDB_API int cmdb_record_batch_put(char **out_id, cmdb_record_batch *b, const char *id,
	const json_t *attributes, const json_t *relations, const char *source);
/*
 * Add target (a record id such as INC-0001, maybe one put by this batch) to relation rel of
 * the record id of kind, which may be of another kind than the batch's (an incident import
 * lists each incident in its problem's `incidents`). The record is read at head (or as an
 * earlier link left it), validated with the batch's records counted as existing, and
 * written with the batch. 0 when changed, 1 when it already lists target; CMDB_ENOTFOUND
 * when there is no such record, CMDB_EINVALID naming the record; the batch unchanged.
 */
CMDB_API int cmdb_record_batch_link(cmdb_record_batch *b, cmdb_record_kind kind, const char *id,
	const char *rel, const char *target);
/* How many records the batch would write. */
CMDB_API size_t cmdb_record_batch_count(const cmdb_record_batch *b);
/* Commit the batch (not empty) with message, authored by the person (cmdb_repo_user). */
CMDB_API int cmdb_record_batch_commit(char *out_commit, cmdb_record_batch *b, const char *message);

/* ---- reading -------------------------------------------------------------------- */

/*
 * The records of kind at main, sorted by id, those in status only when status is not
 * NULL: [{"id": "CHG-0001", "status", "summary", ...every attribute, "relations"}].
 * A record file that does not parse is listed as {"id", "error"}.
 */
CMDB_API int cmdb_records_list(
	json_t **out, cmdb_repo *repo, cmdb_record_kind kind, const char *status);

/*
 * One record at main (id "CHG-0001" or "change/CHG-0001"):
 *   {"id", "kind": "change", "path", "commit": <main>, "record": <the document>,
 *    "related": {"affects": [{"id", "type", "exists", "summary"?}], "caused_by": [...],
 *                "incidents": [...]}}
 * Front-ends add their sections to this object ("drifts", from the index, for
 * `change show` and `incident show`): the key names above stay as they are.
 */
CMDB_API int cmdb_record_show(json_t **out, cmdb_repo *repo, const char *id);

/* "CHG-0001" or "change/CHG-0001" → kind and the bare id ("CHG-0001", cmdb_free). */
CMDB_API int cmdb_record_id_resolve(char **out, cmdb_record_kind *kind, const char *id);

#endif
