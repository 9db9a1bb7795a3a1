/* Incident and problem records: opened, resolved, closed; problems updated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/time.h"
#include "records/records_int.h"

#define SUMMARY_IN_MESSAGE 120

static int edit_new_incident(
	json_t *doc, char **what, const char *id, const char *head, void *payload)
{
	const cmdb_incident_spec *s = payload;
	char opened[CMDB__TIME_BUF];
	int rc;

	(void)id, (void)head;
	if ((rc = cmdb__record_time(
		     opened, s->opened ? s->opened : "now", "new incident", "opened")) < 0 ||
		(rc = cmdb__record_set(doc, "summary", s->summary)) < 0 ||
		(rc = cmdb__record_set(doc, "description", s->description)) < 0 ||
		(rc = cmdb__record_set(doc, "severity", s->severity ? s->severity : "medium")) <
			0 ||
		(rc = cmdb__record_set(doc, "status", "open")) < 0 ||
		(rc = cmdb__record_set(doc, "opened", opened)) < 0 ||
		(rc = cmdb__record_set(doc, "external_ref", s->external_ref)) < 0 ||
		(rc = cmdb__record_relate(doc, "affects", &s->affects, "new incident")) < 0)
		return rc;
	if (!(*what = cmdb__sprintf("opened, %s: %.*s", s->severity ? s->severity : "medium",
		      SUMMARY_IN_MESSAGE, s->summary)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

int cmdb_incident_new(
	char **out_id, char *out_commit, cmdb_repo *repo, const cmdb_incident_spec *spec)
{
	cmdb__record_write_opts o = {CMDB_RECORD_INCIDENT, NULL, edit_new_incident, (void *)spec};

	if (!spec->summary || !*spec->summary)
		return cmdb__error(
			CMDB_EINVALID, "new incident: summary: an incident needs a summary");
	if (spec->affects.n == 0)
		return cmdb__error(CMDB_EINVALID,
			"new incident: relations.affects: name at least one item it affects");
	return cmdb__record_write(out_id, out_commit, repo, &o);
}

typedef struct {
	const char *to, *at, *caused_by;
} incident_step;

static int edit_incident(json_t *doc, char **what, const char *id, const char *head, void *payload)
{
	const incident_step *s = payload;
	const char *from = cmdb__record_get(doc, "status");
	cmdb_id_list cause = {&s->caused_by, s->caused_by ? 1 : 0};
	char when[CMDB__TIME_BUF], label[64];
	int rc;

	(void)head;
	snprintf(label, sizeof(label), "incident %s", id);
	if (!from)
		return cmdb__error(CMDB_EINVALID,
			"%s: attributes.status: missing: fix the record (gitcmdb validate)", label);
	if ((rc = cmdb_record_check_transition(CMDB_RECORD_INCIDENT, id, from, s->to, 0)) < 0 ||
		(rc = cmdb__record_time(when, s->at ? s->at : "now", label, s->to)) < 0 ||
		(rc = cmdb__record_set(doc, "status", s->to)) < 0 ||
		(rc = cmdb__record_set(doc, s->to, when)) < 0 ||
		(rc = cmdb__record_relate(doc, "caused_by", &cause, label)) < 0)
		return rc;
	*what = s->caused_by ? cmdb__sprintf("%s at %s, caused by %s", s->to, when, s->caused_by)
			     : cmdb__sprintf("%s at %s", s->to, when);
	return *what ? 0 : cmdb__error(CMDB_ERROR, "out of memory");
}

static int incident_write(char *out_commit, cmdb_repo *repo, const char *id, incident_step *s)
{
	cmdb__record_write_opts o = {CMDB_RECORD_INCIDENT, NULL, edit_incident, s};
	cmdb_record_kind kind;
	char *bare = NULL;
	int rc;

	if ((rc = cmdb_record_id_resolve(&bare, &kind, id)) < 0)
		return rc;
	if (kind != CMDB_RECORD_INCIDENT)
		rc = cmdb__error(CMDB_EINVALID, "'%s' is not an incident id (INC-0007)", id);
	o.id = bare;
	if (rc == 0)
		rc = cmdb__record_write(NULL, out_commit, repo, &o);
	cmdb_free(bare);
	return rc;
}

int cmdb_incident_resolve(
	char *out_commit, cmdb_repo *repo, const char *id, const char *at, const char *caused_by)
{
	incident_step s = {"resolved", at, caused_by};

	return incident_write(out_commit, repo, id, &s);
}

int cmdb_incident_close(char *out_commit, cmdb_repo *repo, const char *id, const char *at)
{
	incident_step s = {"closed", at, NULL};

	return incident_write(out_commit, repo, id, &s);
}

/* ---- problems ---- */

static int edit_new_problem(
	json_t *doc, char **what, const char *id, const char *head, void *payload)
{
	const cmdb_problem_spec *s = payload;
	int rc;

	(void)id, (void)head;
	if ((rc = cmdb__record_set(doc, "summary", s->summary)) < 0 ||
		(rc = cmdb__record_set(doc, "status", "open")) < 0 ||
		(rc = cmdb__record_set(doc, "external_ref", s->external_ref)) < 0 ||
		(rc = cmdb__record_relate(doc, "incidents", &s->incidents, "new problem")) < 0 ||
		(rc = cmdb__record_relate(doc, "affects", &s->affects, "new problem")) < 0)
		return rc;
	if (!(*what = cmdb__sprintf("opened: %.*s", SUMMARY_IN_MESSAGE, s->summary)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

int cmdb_problem_new(
	char **out_id, char *out_commit, cmdb_repo *repo, const cmdb_problem_spec *spec)
{
	cmdb__record_write_opts o = {CMDB_RECORD_PROBLEM, NULL, edit_new_problem, (void *)spec};

	if (!spec->summary || !*spec->summary)
		return cmdb__error(
			CMDB_EINVALID, "new problem: summary: a problem needs a summary");
	return cmdb__record_write(out_id, out_commit, repo, &o);
}

typedef struct {
	const char *status, *root_cause, *workaround;
} problem_update;

static int edit_problem(json_t *doc, char **what, const char *id, const char *head, void *payload)
{
	const problem_update *u = payload;
	const char *from = cmdb__record_get(doc, "status");
	char fields[120];
	int rc;

	(void)head;
	if (u->status && !from)
		return cmdb__error(CMDB_EINVALID,
			"problem %s: attributes.status: missing: fix the record (gitcmdb validate)",
			id);
	if (u->status &&
		(rc = cmdb_record_check_transition(CMDB_RECORD_PROBLEM, id, from, u->status, 0)) <
			0)
		return rc;
	if ((rc = cmdb__record_set(doc, "status", u->status)) < 0 ||
		(rc = cmdb__record_set(doc, "root_cause", u->root_cause)) < 0 ||
		(rc = cmdb__record_set(doc, "workaround", u->workaround)) < 0)
		return rc;
	snprintf(fields, sizeof(fields), "%s%s%s%s", u->root_cause ? "root cause" : "",
		u->root_cause && u->workaround ? " and " : "", u->workaround ? "workaround" : "",
		u->root_cause || u->workaround ? " recorded" : "");
	*what = cmdb__sprintf(
		"%s%s%s", u->status ? u->status : "", u->status && *fields ? ", " : "", fields);
	return *what ? 0 : cmdb__error(CMDB_ERROR, "out of memory");
}

int cmdb_problem_update(char *out_commit, cmdb_repo *repo, const char *id, const char *status,
	const char *root_cause, const char *workaround)
{
	problem_update u = {status, root_cause, workaround};
	cmdb__record_write_opts o = {CMDB_RECORD_PROBLEM, NULL, edit_problem, &u};
	cmdb_record_kind kind;
	char *bare = NULL;
	int rc;

	if (!status && !root_cause && !workaround)
		return cmdb__error(CMDB_EINVALID,
			"problem %s: nothing to update: give a status, a root cause or a "
			"workaround",
			id ? id : "");
	if ((rc = cmdb_record_id_resolve(&bare, &kind, id)) < 0)
		return rc;
	if (kind != CMDB_RECORD_PROBLEM)
		rc = cmdb__error(CMDB_EINVALID, "'%s' is not a problem id (PRB-0001)", id);
	o.id = bare;
	if (rc == 0)
		rc = cmdb__record_write(NULL, out_commit, repo, &o);
	cmdb_free(bare);
	return rc;
}
