/*
 * Columns → record fields: the tables of docs/import.md. ServiceNow's display values
 * map onto gitcmdb's statuses and severities; anything not in a table is an error
 * naming the column, never a guess.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/alloc.h"
#include "util/error.h"
#include "import/import_int.h"

typedef enum {
	C_REF, /* external_ref */
	C_TEXT, /* the cell as it is */
	C_LOWER, /* the cell in lower case (generic enums) */
	C_TIME, /* a time in --timezone */
	C_CHOICE, /* a display value through the column's table */
	C_WIN_START,
	C_WIN_END,
	C_APPROVAL, /* ServiceNow change approval */
	C_CIS, /* affected CI names */
	C_CAUSED_BY,
	C_RESOLVED_BY, /* the change that fixed it (ServiceNow rfc) */
	C_INCIDENTS,
	C_PROBLEM,
} conv;

typedef struct {
	const char *from, *to;
} pair;

typedef struct {
	const char *column, *attr;
	conv how;
	const pair *choices;
} colmap;

/* ServiceNow display values (case-insensitive) and their stored numbers. */
static const pair sn_change_state[] = {{"new", "requested"}, {"-5", "requested"},
	{"assess", "requested"}, {"-4", "requested"}, {"authorize", "requested"},
	{"-3", "requested"}, {"scheduled", "approved"}, {"-2", "approved"},
	{"implement", "implemented"}, {"-1", "implemented"}, {"review", "implemented"},
	{"0", "implemented"}, {"closed", "closed"}, {"3", "closed"}, {"canceled", "cancelled"},
	{"cancelled", "cancelled"}, {"4", "cancelled"}, {NULL, NULL}};
static const pair sn_incident_state[] = {{"new", "open"}, {"1", "open"},
	{"in progress", "investigating"}, {"2", "investigating"}, {"on hold", "investigating"},
	{"3", "investigating"}, {"resolved", "resolved"}, {"6", "resolved"}, {"closed", "closed"},
	{"7", "closed"}, {"canceled", "closed"}, {"cancelled", "closed"}, {"8", "closed"},
	{NULL, NULL}};
static const pair sn_problem_state[] = {{"new", "open"}, {"101", "open"}, {"open", "open"},
	{"assess", "open"}, {"102", "open"}, {"root cause analysis", "open"}, {"103", "open"},
	{"known error", "known_error"}, {"fix in progress", "known_error"}, {"104", "known_error"},
	{"pending change", "known_error"}, {"resolved", "resolved"}, {"106", "resolved"},
	{"closed", "closed"}, {"107", "closed"}, {"closed/resolved", "closed"},
	{"canceled", "closed"}, {"cancelled", "closed"}, {NULL, NULL}};
static const pair sn_priority[] = {{"1 - critical", "critical"}, {"critical", "critical"},
	{"1", "critical"}, {"2 - high", "high"}, {"high", "high"}, {"2", "high"},
	{"3 - moderate", "medium"}, {"moderate", "medium"}, {"3", "medium"}, {"4 - low", "low"},
	{"low", "low"}, {"4", "low"}, {"5 - planning", "low"}, {"planning", "low"}, {"5", "low"},
	{NULL, NULL}};
static const pair sn_risk[] = {{"very high", "high"}, {"1 - very high", "high"}, {"high", "high"},
	{"2 - high", "high"}, {"moderate", "medium"}, {"3 - moderate", "medium"},
	{"medium", "medium"}, {"low", "low"}, {"4 - low", "low"}, {"none", "low"}, {NULL, NULL}};
static const pair sn_type[] = {
	{"standard", "standard"}, {"normal", "normal"}, {"emergency", "emergency"}, {NULL, NULL}};

static const colmap sn_change[] = {{"number", "external_ref", C_REF, NULL},
	{"short_description", "summary", C_TEXT, NULL},
	{"description", "description", C_TEXT, NULL},
	{"state", "status", C_CHOICE, sn_change_state}, {"approval", NULL, C_APPROVAL, NULL},
	{"approved_by", NULL, C_APPROVAL, NULL}, {"type", "type", C_CHOICE, sn_type},
	{"risk", "risk", C_CHOICE, sn_risk}, {"start_date", NULL, C_WIN_START, NULL},
	{"end_date", NULL, C_WIN_END, NULL}, {"requested_by", "requested_by", C_TEXT, NULL},
	{"cmdb_ci", NULL, C_CIS, NULL}, {"affected_cis", NULL, C_CIS, NULL},
	{NULL, NULL, C_TEXT, NULL}};
static const colmap sn_incident[] = {{"number", "external_ref", C_REF, NULL},
	{"short_description", "summary", C_TEXT, NULL},
	{"description", "description", C_TEXT, NULL},
	{"state", "status", C_CHOICE, sn_incident_state},
	{"priority", "severity", C_CHOICE, sn_priority}, {"opened_at", "opened", C_TIME, NULL},
	{"resolved_at", "resolved", C_TIME, NULL}, {"closed_at", "closed", C_TIME, NULL},
	{"cmdb_ci", NULL, C_CIS, NULL}, {"affected_cis", NULL, C_CIS, NULL},
	{"caused_by", NULL, C_CAUSED_BY, NULL}, {"problem_id", NULL, C_PROBLEM, NULL},
	{"rfc", NULL, C_RESOLVED_BY, NULL}, {NULL, NULL, C_TEXT, NULL}};
static const colmap sn_problem[] = {{"number", "external_ref", C_REF, NULL},
	{"short_description", "summary", C_TEXT, NULL},
	{"state", "status", C_CHOICE, sn_problem_state},
	{"cause_notes", "root_cause", C_TEXT, NULL}, {"workaround", "workaround", C_TEXT, NULL},
	{"cmdb_ci", NULL, C_CIS, NULL}, {"affected_cis", NULL, C_CIS, NULL},
	{"rfc", NULL, C_RESOLVED_BY, NULL}, {NULL, NULL, C_TEXT, NULL}};

static const colmap gen_change[] = {{"external_ref", "external_ref", C_REF, NULL},
	{"summary", "summary", C_TEXT, NULL}, {"description", "description", C_TEXT, NULL},
	{"status", "status", C_LOWER, NULL}, {"type", "type", C_LOWER, NULL},
	{"risk", "risk", C_LOWER, NULL}, {"requested_by", "requested_by", C_TEXT, NULL},
	{"approved_by", "approved_by", C_TEXT, NULL}, {"approved_at", "approved_at", C_TIME, NULL},
	{"window_start", NULL, C_WIN_START, NULL}, {"window_end", NULL, C_WIN_END, NULL},
	{"affects", NULL, C_CIS, NULL}, {NULL, NULL, C_TEXT, NULL}};
static const colmap gen_incident[] = {{"external_ref", "external_ref", C_REF, NULL},
	{"summary", "summary", C_TEXT, NULL}, {"description", "description", C_TEXT, NULL},
	{"status", "status", C_LOWER, NULL}, {"severity", "severity", C_LOWER, NULL},
	{"opened", "opened", C_TIME, NULL}, {"resolved", "resolved", C_TIME, NULL},
	{"closed", "closed", C_TIME, NULL}, {"affects", NULL, C_CIS, NULL},
	{"caused_by", NULL, C_CAUSED_BY, NULL}, {"problem", NULL, C_PROBLEM, NULL},
	{"resolved_by", NULL, C_RESOLVED_BY, NULL}, {NULL, NULL, C_TEXT, NULL}};
static const colmap gen_problem[] = {{"external_ref", "external_ref", C_REF, NULL},
	{"summary", "summary", C_TEXT, NULL}, {"status", "status", C_LOWER, NULL},
	{"root_cause", "root_cause", C_TEXT, NULL}, {"workaround", "workaround", C_TEXT, NULL},
	{"affects", NULL, C_CIS, NULL}, {"incidents", NULL, C_INCIDENTS, NULL},
	{"resolved_by", NULL, C_RESOLVED_BY, NULL}, {NULL, NULL, C_TEXT, NULL}};

static const char *const sn_req_change[] = {"number", "short_description", "state", NULL};
static const char *const sn_req_incident[] = {
	"number", "short_description", "state", "priority", "opened_at", NULL};
static const char *const gen_req_change[] = {"external_ref", "summary", "status", NULL};
static const char *const gen_req_incident[] = {
	"external_ref", "summary", "status", "severity", "opened", NULL};

static const colmap *table(cmdb_record_kind kind, cmdb_import_from from)
{
	int sn = from == CMDB_IMPORT_SERVICENOW;

	switch (kind) {
	case CMDB_RECORD_CHANGE: return sn ? sn_change : gen_change;
	case CMDB_RECORD_INCIDENT: return sn ? sn_incident : gen_incident;
	case CMDB_RECORD_PROBLEM: return sn ? sn_problem : gen_problem;
	}
	return NULL;
}

const char *const *cmdb__import_required(cmdb_record_kind kind, cmdb_import_from from)
{
	int sn = from == CMDB_IMPORT_SERVICENOW;

	if (kind == CMDB_RECORD_INCIDENT)
		return sn ? sn_req_incident : gen_req_incident;
	return sn ? sn_req_change : gen_req_change;
}

int cmdb__import_known_column(cmdb_record_kind kind, cmdb_import_from from, const char *column)
{
	const colmap *t = table(kind, from);

	for (size_t i = 0; t && t[i].column; i++)
		if (!strcmp(t[i].column, column))
			return 1;
	return 0;
}

int cmdb__import_split(json_t *arr, const char *cell)
{
	const char *p = cell;

	while (*p) {
		const char *e = strchr(p, ','), *a = p, *b;

		if (!e)
			e = p + strlen(p);
		b = e;
		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (b > a && json_array_append_new(arr, json_stringn(a, (size_t)(b - a))) < 0)
			return cmdb__error(CMDB_ERROR, "out of memory");
		p = *e ? e + 1 : e;
	}
	return 0;
}

typedef struct {
	json_t *out, *attrs, *errors;
	const char *tz;
	int approved; /* approval Approved (1), Rejected (-1), other or absent (0) */
	int has_approval;
	const char *approver;
	const char *win[2]; /* window start, end: "" for an empty cell */
	const char *wcol[2]; /* their columns */
} map_state;

static int bad(map_state *m, const char *column, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(map_state *m, const char *column, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (json_array_append_new(m->errors,
		    json_pack("{s:s, s:s}", "field", column ? column : "window", "message", msg)) <
		0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

static const char *choose(const pair *choices, const char *v)
{
	for (size_t i = 0; choices[i].from; i++)
		if (!strcasecmp(choices[i].from, v))
			return choices[i].to;
	return NULL;
}

static int set(map_state *m, const char *attr, const char *v)
{
	json_t *j = *v ? json_string(v) : json_null();

	if (!j || json_object_set_new(m->attrs, attr, j) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

static int list(map_state *m, const char *key, const char *cell)
{
	json_t *arr = json_object_get(m->out, key);

	if (!arr) {
		if (!(arr = json_array()) || json_object_set_new(m->out, key, arr) < 0)
			return cmdb__error(CMDB_ERROR, "out of memory");
	}
	return cmdb__import_split(arr, cell);
}

static int one(map_state *m, const colmap *c, const char *v)
{
	char t[32], low[64];
	const char *to;

	switch (c->how) {
	case C_REF:
		if (!*v)
			return bad(m, c->column, "empty: every record needs its number");
		if (json_object_set_new(m->out, "external_ref", json_string(v)) < 0)
			return cmdb__error(CMDB_ERROR, "out of memory");
		return set(m, c->attr, v);
	case C_TEXT: return set(m, c->attr, v);
	case C_LOWER:
		snprintf(low, sizeof(low), "%s", v);
		for (char *p = low; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		return set(m, c->attr, low);
	case C_TIME:
		if (*v && cmdb__import_time(t, v, m->tz) < 0) {
			int rc = bad(m, c->column, "%s", cmdb_error_last());

			cmdb_error_clear();
			return rc;
		}
		return set(m, c->attr, *v ? t : "");
	case C_CHOICE:
		if (!*v)
			return set(m, c->attr, "");
		if (!(to = choose(c->choices, v)))
			return bad(m, c->column,
				"'%s' is not in the mapping table (docs/import.md)", v);
		return set(m, c->attr, to);
	case C_WIN_START:
	case C_WIN_END:
		m->win[c->how == C_WIN_END] = v;
		m->wcol[c->how == C_WIN_END] = c->column;
		return 0;
	case C_APPROVAL:
		if (!strcmp(c->column, "approved_by")) {
			m->approver = v;
			return 0;
		}
		m->has_approval = 1;
		m->approved = !strcasecmp(v, "approved") ? 1 : !strcasecmp(v, "rejected") ? -1 : 0;
		return 0;
	case C_CIS: return list(m, "cis", v);
	case C_CAUSED_BY: return list(m, "caused_by", v);
	case C_RESOLVED_BY: return list(m, "resolved_by", v);
	case C_INCIDENTS: return list(m, "incidents", v);
	case C_PROBLEM: return list(m, "problem", v);
	}
	return 0;
}

static int window(map_state *m)
{
	const char *s = m->win[0], *e = m->win[1];
	char ts[32], te[32];
	json_t *w;

	if (!s && !e)
		return 0;
	if ((!s || !*s) && (!e || !*e))
		return json_object_set_new(m->attrs, "window", json_null()) < 0
			? cmdb__error(CMDB_ERROR, "out of memory")
			: 0;
	if (!s || !*s || !e || !*e)
		return bad(m, s && *s ? m->wcol[1] : m->wcol[0],
			"empty: a window needs its start and its end");
	if (cmdb__import_time(ts, s, m->tz) < 0 || cmdb__import_time(te, e, m->tz) < 0) {
		int rc = bad(m, cmdb__import_time(ts, s, m->tz) < 0 ? m->wcol[0] : m->wcol[1], "%s",
			cmdb_error_last());

		cmdb_error_clear();
		return rc;
	}
	if (!(w = json_pack("{s:s, s:s}", "start", ts, "end", te)) ||
		json_object_set_new(m->attrs, "window", w) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

/* ServiceNow's approval column against the mapped status (docs/import.md). */
static int approval(map_state *m, const json_t *fields)
{
	const char *st = json_string_value(json_object_get(m->attrs, "status"));
	const char *approval = json_string_value(json_object_get(fields, "approval"));

	if (!st)
		return 0;
	if (m->approved < 0 && (!strcmp(st, "requested") || !strcmp(st, "approved"))) {
		int rc = set(m, "status", "rejected");

		return rc < 0 ? rc : set(m, "approved_by", "");
	}
	if (!strcmp(st, "approved") && m->has_approval && m->approved != 1)
		return bad(m, "approval",
			"'%s': a Scheduled change must be Approved (docs/import.md)", approval);
	if (m->approved == 1 || (!m->has_approval && !strcmp(st, "approved")))
		return set(
			m, "approved_by", m->approver && *m->approver ? m->approver : "servicenow");
	if (m->has_approval)
		return set(m, "approved_by", "");
	return 0;
}

int cmdb__import_map(json_t **out, const json_t *fields, cmdb_record_kind kind,
	cmdb_import_from from, const char *tz)
{
	const colmap *t = table(kind, from);
	map_state m;
	int rc = 0;

	memset(&m, 0, sizeof(m));
	m.tz = tz;
	*out = NULL;
	if (!t)
		return cmdb__error(CMDB_EINVALID, "unknown record kind %d", (int)kind);
	m.out = json_pack("{s:{}, s:[]}", "attributes", "errors");
	if (!m.out)
		return cmdb__error(CMDB_ERROR, "out of memory");
	m.attrs = json_object_get(m.out, "attributes");
	m.errors = json_object_get(m.out, "errors");
	for (size_t i = 0; t[i].column; i++) {
		const char *v = json_string_value(json_object_get(fields, t[i].column));

		if (v && (rc = one(&m, &t[i], v)) < 0)
			goto done;
	}
	if ((rc = window(&m)) < 0)
		goto done;
	if (from == CMDB_IMPORT_SERVICENOW && kind == CMDB_RECORD_CHANGE &&
		(rc = approval(&m, fields)) < 0)
		goto done;
	*out = m.out;
	m.out = NULL;
done:
	json_decref(m.out);
	return rc;
}

int cmdb_import_from_parse(cmdb_import_from *from, const char *s)
{
	if (s && !strcmp(s, "servicenow"))
		*from = CMDB_IMPORT_SERVICENOW;
	else if (s && !strcmp(s, "generic"))
		*from = CMDB_IMPORT_GENERIC;
	else
		return cmdb__error(
			CMDB_EINVALID, "'%s': import from servicenow or generic", s ? s : "");
	return 0;
}
