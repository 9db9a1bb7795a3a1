/* Change records: `change new`, the approval and the rest of the life cycle. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/time.h"
#include "records/records_int.h"

#define SUMMARY_IN_MESSAGE 120

static int is_one_of(const char *v, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(v, list[i]) == 0)
			return 1;
	return 0;
}

static int check_choice(const char *v, const char *field, const char *const *list)
{
	char all[120];
	size_t o = 0;

	if (!v || is_one_of(v, list))
		return 0;
	all[0] = '\0';
	for (size_t i = 0; list[i] && o < sizeof(all); i++)
		o += (size_t)snprintf(all + o, sizeof(all) - o, "%s%s", i ? ", " : "", list[i]);
	return cmdb__error(CMDB_EINVALID, "new change: %s: '%s' is not one of: %s", field, v, all);
}

static int check_spec(const cmdb_change_spec *s)
{
	static const char *const types[] = {"standard", "normal", "emergency", NULL};
	static const char *const risks[] = {"low", "medium", "high", NULL};
	static const char *const statuses[] = {"requested", "approved", NULL};
	int rc;

	if (!s->summary || !*s->summary)
		return cmdb__error(CMDB_EINVALID, "new change: summary: a change needs a summary");
	if (!s->window_start || !s->window_end)
		return cmdb__error(CMDB_EINVALID,
			"new change: window: a change needs a window: give START/END");
	if (s->affects.n == 0)
		return cmdb__error(CMDB_EINVALID,
			"new change: relations.affects: name at least one item it affects");
	if ((rc = check_choice(s->type, "type", types)) < 0 ||
		(rc = check_choice(s->risk, "risk", risks)) < 0 ||
		(rc = check_choice(s->status, "status", statuses)) < 0)
		return rc;
	if (s->status && !strcmp(s->status, "approved") && !s->approved_by)
		return cmdb__error(CMDB_EINVALID,
			"new change: approved_by: an approved change needs its approver "
			"(--approved-by NAME)");
	if (s->approved_by && (!s->status || strcmp(s->status, "approved")))
		return cmdb__error(CMDB_EINVALID,
			"new change: approved_by: only an approved change has an approver (give "
			"--status approved, or approve it later)");
	return 0;
}

static int edit_new(json_t *doc, char **what, const char *id, const char *head, void *payload)
{
	const cmdb_change_spec *s = payload;
	const char *status = s->status ? s->status : "requested";
	char start[CMDB__TIME_BUF], end[CMDB__TIME_BUF], now[CMDB__TIME_BUF];
	json_t *win;
	int rc;

	(void)id, (void)head;
	if ((rc = cmdb__record_time(start, s->window_start, "new change", "window.start")) < 0 ||
		(rc = cmdb__record_time(end, s->window_end, "new change", "window.end")) < 0 ||
		(rc = cmdb__record_time(now, "now", "new change", "approved_at")) < 0)
		return rc;
	if (!(win = json_pack("{s:s, s:s}", "start", start, "end", end)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (json_object_set_new(json_object_get(doc, "attributes"), "window", win) < 0 ||
		(rc = cmdb__record_set(doc, "summary", s->summary)) < 0 ||
		(rc = cmdb__record_set(doc, "description", s->description)) < 0 ||
		(rc = cmdb__record_set(doc, "type", s->type ? s->type : "normal")) < 0 ||
		(rc = cmdb__record_set(doc, "status", status)) < 0 ||
		(rc = cmdb__record_set(doc, "risk", s->risk)) < 0 ||
		(rc = cmdb__record_set(doc, "requested_by", s->requested_by)) < 0 ||
		(rc = cmdb__record_set(doc, "approved_by", s->approved_by)) < 0 ||
		(rc = cmdb__record_set(doc, "approved_at", s->approved_by ? now : NULL)) < 0 ||
		(rc = cmdb__record_set(doc, "external_ref", s->external_ref)) < 0 ||
		(rc = cmdb__record_relate(doc, "affects", &s->affects, "new change")) < 0)
		return rc < 0 ? rc : cmdb__error(CMDB_ERROR, "out of memory");
	if (!(*what = cmdb__sprintf("new, %s: %.*s", status, SUMMARY_IN_MESSAGE, s->summary)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

int cmdb_change_new(char **out_id, char *out_commit, cmdb_repo *repo, const cmdb_change_spec *spec)
{
	cmdb_change_spec s = *spec;
	cmdb__record_write_opts o = {CMDB_RECORD_CHANGE, NULL, edit_new, &s};
	char *name = NULL, *email = NULL;
	int rc;

	if ((rc = check_spec(spec)) < 0)
		return rc;
	/* requested by the person who records it, unless someone else is named */
	if (!s.requested_by && cmdb_repo_user(&name, &email, repo) == 0)
		s.requested_by = name;
	cmdb_error_clear();
	rc = cmdb__record_write(out_id, out_commit, repo, &o);
	cmdb_free(name);
	cmdb_free(email);
	return rc;
}

typedef struct {
	const char *status, *by;
} status_args;

static int edit_status(json_t *doc, char **what, const char *id, const char *head, void *payload)
{
	const status_args *a = payload;
	const char *from = cmdb__record_get(doc, "status"), *type = cmdb__record_get(doc, "type");
	char now[CMDB__TIME_BUF];
	int rc;

	(void)head;
	if (!from)
		return cmdb__error(CMDB_EINVALID,
			"change %s: attributes.status: missing: fix the record (gitcmdb validate)",
			id);
	if ((rc = cmdb_record_check_transition(CMDB_RECORD_CHANGE, id, from, a->status,
		     type && !strcmp(type, "emergency"))) < 0)
		return rc;
	if ((rc = cmdb__record_set(doc, "status", a->status)) < 0)
		return rc;
	if (!strcmp(a->status, "approved")) {
		if ((rc = cmdb__record_time(now, "now", "change", "approved_at")) < 0 ||
			(rc = cmdb__record_set(doc, "approved_by", a->by)) < 0 ||
			(rc = cmdb__record_set(doc, "approved_at", now)) < 0)
			return rc;
		*what = cmdb__sprintf("approved by %s", a->by);
	} else if (a->by) {
		*what = cmdb__sprintf("%s by %s", a->status, a->by);
	} else {
		*what = cmdb__sprintf("%s", a->status);
	}
	return *what ? 0 : cmdb__error(CMDB_ERROR, "out of memory");
}

int cmdb_change_set_status(
	char *out_commit, cmdb_repo *repo, const char *id, const char *status, const char *by)
{
	static const char *const targets[] = {
		"approved", "implemented", "closed", "rejected", "cancelled", NULL};
	status_args a = {status, by};
	cmdb__record_write_opts o = {CMDB_RECORD_CHANGE, NULL, edit_status, &a};
	char *bare = NULL;
	cmdb_record_kind kind;
	int rc;

	if (!status || !is_one_of(status, targets))
		return cmdb__error(CMDB_EINVALID,
			"change %s: status: '%s' is not one of: approved, implemented, closed, "
			"rejected, cancelled",
			id ? id : "", status ? status : "");
	if (!strcmp(status, "approved") && (!by || !*by))
		return cmdb__error(CMDB_EINVALID,
			"change %s: approved_by: approving needs the approver's name (--by NAME)",
			id ? id : "");
	if ((rc = cmdb_record_id_resolve(&bare, &kind, id)) < 0)
		return rc;
	if (kind != CMDB_RECORD_CHANGE) {
		rc = cmdb__error(CMDB_EINVALID, "'%s' is not a change id (CHG-0042)", id);
		goto done;
	}
	o.id = bare;
	rc = cmdb__record_write(NULL, out_commit, repo, &o);
done:
	cmdb_free(bare);
	return rc;
}

int cmdb_change_check_usable(cmdb_repo *repo, const char *id)
{
	json_t *doc = NULL;
	char *bare = NULL, *full = NULL;
	const char *status;
	cmdb_record_kind kind;
	int rc;

	if ((rc = cmdb_record_id_resolve(&bare, &kind, id)) < 0)
		return rc;
	if (kind != CMDB_RECORD_CHANGE) {
		rc = cmdb__error(CMDB_EINVALID, "'%s' is not a change id (CHG-0042)", id);
		goto done;
	}
	if (!(full = cmdb__sprintf("change/%s", bare))) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if ((rc = cmdb_repo_read_item(&doc, repo, NULL, full)) == CMDB_ENOTFOUND) {
		rc = cmdb__error(CMDB_ENOTFOUND,
			"no change %s on main: name an approved change (gitcmdb change list "
			"--status approved)",
			bare);
		goto done;
	} else if (rc < 0) {
		goto done;
	}
	status = cmdb__record_get(doc, "status");
	if (!status || (strcmp(status, "approved") && strcmp(status, "implemented")))
		rc = cmdb__error(CMDB_EINVALID,
			"change %s is %s, not approved: it cannot authorise a commit until "
			"'gitcmdb change approve %s --by NAME'",
			bare, status ? status : "without a status", bare);
done:
	json_decref(doc);
	cmdb_free(full);
	cmdb_free(bare);
	return rc;
}
