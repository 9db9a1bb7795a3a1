/*
 * Change records as the drift authorisation reads them: the fields of the change
 * schema (schemas/change.yaml: status, type, approved_by, approved_at, window
 * {start, end}) parsed once per version into the changes table.
 */
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "index/drift_int.h"

static char *field_str(const json_t *attrs, const char *key)
{
	const char *v = json_string_value(json_object_get(attrs, key));

	return v ? cmdb__strdup(v) : NULL;
}

/* An ISO 8601 date or date-time (what the schema allows) as unix seconds. */
static int field_time(long long *t, const json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));

	return v && *v >= '0' && *v <= '9' && cmdb__when_parse_time(t, v, 0) == 0;
}

int cmdb__change_parse(cmdb__change *c, const char *id, const json_t *doc)
{
	const json_t *attrs = json_object_get(doc, "attributes"), *win;

	memset(c, 0, sizeof(*c));
	if (!json_is_object(attrs))
		attrs = doc; /* fields written at the top level are read too */
	win = json_object_get(attrs, "window");
	if (!(c->id = cmdb__strdup(id)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	c->status = field_str(attrs, "status");
	c->type = field_str(attrs, "type");
	c->approved_by = field_str(attrs, "approved_by");
	c->have_approved_at = field_time(&c->approved_at, attrs, "approved_at");
	c->have_window = field_time(&c->win_start, win, "start") &&
		field_time(&c->win_end, win, "end") && c->win_end >= c->win_start;
	if (!c->have_window)
		c->win_start = c->win_end = 0;
	cmdb_error_clear(); /* a malformed time is "no window", not a failure */
	return 0;
}

void cmdb__change_dispose(cmdb__change *c)
{
	free(c->id);
	free(c->status);
	free(c->type);
	free(c->approved_by);
	memset(c, 0, sizeof(*c));
}

static int is(const char *s, const char *want)
{
	return s && !strcmp(s, want);
}

int cmdb__change_authorises(const cmdb__change *c)
{
	int done = is(c->status, "implemented") || is(c->status, "closed");

	if (!is(c->status, "approved") && !done)
		return 0;
	return (c->approved_by && *c->approved_by) || (done && is(c->type, "emergency"));
}

static int bind_opt(sqlite3_stmt *st, int i, int have, long long v)
{
	return have ? sqlite3_bind_int64(st, i, v) : sqlite3_bind_null(st, i);
}

int cmdb__drift_put_change(build *b, const cmdb__change *c, long long seq)
{
	sqlite3_stmt *st = b->drift->st[R_CHG_PUT];
	int rc;

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC) != SQLITE_OK ||
		sqlite3_bind_text(st, 2, c->status, -1, SQLITE_STATIC) != SQLITE_OK ||
		sqlite3_bind_text(st, 3, c->type, -1, SQLITE_STATIC) != SQLITE_OK ||
		sqlite3_bind_text(st, 4, c->approved_by, -1, SQLITE_STATIC) != SQLITE_OK ||
		bind_opt(st, 5, c->have_approved_at, c->approved_at) != SQLITE_OK ||
		bind_opt(st, 6, c->have_window, c->win_start) != SQLITE_OK ||
		bind_opt(st, 7, c->have_window, c->win_end) != SQLITE_OK ||
		sqlite3_bind_int64(st, 8, seq) != SQLITE_OK)
		return cmdb__index_sqlerr(b->idx, "cannot update the index");
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : cmdb__index_sqlerr(b->idx, "cannot update the index");
}

int cmdb__drift_parse_time(long long *t, const char *s)
{
	if (!s || *s < '0' || *s > '9' || cmdb__when_parse_time(t, s, 0) != 0)
		return cmdb__error(
			CMDB_EINVALID, "'%s' is not an ISO 8601 date or date-time", s ? s : "");
	return 0;
}
