/* The fixed-date history behind the drift, audit and correlation tests (drift_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "drift_fixture.h"
#include "index/drift_explain.h"
#include "testutil.h"

#define GIT "git -c user.name=tester -c user.email=t@example.invalid -c init.defaultBranch=main"

int dt_setup(void **state)
{
	dt_fixture *f = calloc(1, sizeof(*f));

	f->dir = tu_tempdir("drift");
	if (asprintf(&f->repo, "%s/r", f->dir) < 0 || asprintf(&f->db, "%s/index.db", f->dir) < 0)
		abort();
	assert_int_equal(tu_sh(NULL, GIT " init -q '%s'", f->repo), 0);
	*state = f;
	return 0;
}

int dt_teardown(void **state)
{
	dt_fixture *f = *state;

	cmdb_repo_free(f->r);
	tu_rmrf(f->dir);
	free(f->repo);
	free(f->db);
	free(f->dir);
	free(f);
	return 0;
}

void dt_put(dt_fixture *f, const char *path, const char *content)
{
	char *full;

	if (asprintf(&full, "%s/%s", f->repo, path) < 0)
		abort();
	assert_int_equal(tu_sh(NULL, "mkdir -p \"$(dirname '%s')\"", full), 0);
	assert_int_equal(tu_write_file(full, content, strlen(content)), 0);
	free(full);
}

void dt_remove(dt_fixture *f, const char *path)
{
	assert_int_equal(tu_sh(NULL, "rm -f '%s/%s'", f->repo, path), 0);
}

static void put_fmt(dt_fixture *f, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void put_fmt(dt_fixture *f, const char *path, const char *fmt, ...)
{
	va_list ap;
	char *doc;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&doc, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	dt_put(f, path, doc);
	free(doc);
}

void dt_host(dt_fixture *f, const char *name, const char *kernel, const char *openssl,
	const char *group, const char *owner)
{
	char path[256];

	snprintf(path, sizeof(path), "host/%s.yaml", name);
	put_fmt(f, path,
		"type: host\nname: %s\nsource: manual\nattributes:\n  os: {id: debian, kernel: "
		"%s}\n  packages:\n    openssl: {version: %s, arch: amd64}\nannotations:\n  owner: "
		"%s\n%s%s%s",
		name, kernel, openssl, owner, group ? "relations:\n  member_of: [" : "",
		group ? group : "", group ? "]\n" : "");
}

void dt_service(dt_fixture *f, const char *host, const char *name, const char *version)
{
	char path[256];

	snprintf(path, sizeof(path), "service/%s/%s.yaml", host, name);
	put_fmt(f, path,
		"type: service\nname: %s\nattributes:\n  version: \"%s\"\nrelations:\n  "
		"runs_on: [host/%s]\n",
		name, version, host);
}

/* "a,b" → "[a, b]" */
static char *yaml_list(const char *csv)
{
	char *out = malloc(strlen(csv) * 2 + 3), *o = out;

	*o++ = '[';
	for (const char *c = csv; *c; c++) {
		*o++ = *c;
		if (*c == ',')
			*o++ = ' ';
	}
	*o++ = ']';
	*o = '\0';
	return out;
}

void dt_change_full(dt_fixture *f, const char *id, const char *type, const char *status,
	const char *approved_by, const char *approved_at, const char *start, const char *end,
	const char *affects)
{
	char path[256], by[128] = "", at[128] = "", *list = yaml_list(affects);

	snprintf(path, sizeof(path), "change/%s.yaml", id);
	if (approved_by)
		snprintf(by, sizeof(by), "  approved_by: %s\n", approved_by);
	if (approved_at)
		snprintf(at, sizeof(at), "  approved_at: \"%s\"\n", approved_at);
	put_fmt(f, path,
		"type: change\nname: %s\nattributes:\n  summary: change %s\n  type: %s\n  status: "
		"%s\n%s%s  window: {start: \"%s\", end: \"%s\"}\nrelations:\n  affects: %s\n",
		id, id, type, status, by, at, start, end, list);
	free(list);
}

void dt_change(dt_fixture *f, const char *id, const char *status, const char *approved_by,
	const char *start, const char *end, const char *affects)
{
	dt_change_full(f, id, "normal", status, approved_by, NULL, start, end, affects);
}

void dt_incident(dt_fixture *f, const char *id, const char *opened, const char *affects)
{
	char path[256], *list = yaml_list(affects);

	snprintf(path, sizeof(path), "incident/%s.yaml", id);
	put_fmt(f, path,
		"type: incident\nname: %s\nattributes:\n  summary: incident %s\n  status: open\n  "
		"severity: high\n  opened: \"%s\"\nrelations:\n  affects: %s\n",
		id, id, opened, list);
	free(list);
}

void dt_commit(dt_fixture *f, const char *date, const char *msg, const char *change)
{
	assert_int_equal(
		tu_sh(NULL,
			"cd '%s' && " GIT " add -A && GIT_COMMITTER_DATE=%s "
			"GIT_AUTHOR_DATE=%s " GIT " commit -q --allow-empty -m '%s' %s%s%s%s",
			f->repo, date, date, msg, change ? "-m '" : "",
			change && !strchr(change, ':') ? "Change: " : "", change ? change : "",
			change ? "'" : ""),
		0);
}

static const char *const settings = "changes:\n  grace_minutes: 30\n  exempt_paths:\n"
				    "    - attributes.packages.*.version\n";

/* The estate and the change records, created 03-01 09:00. */
void dt_estate(dt_fixture *f)
{
	dt_put(f, "gitcmdb.yaml", settings);
	dt_put(f, "group/web.yaml", "type: group\nname: web\n");
	dt_host(f, "web01", "6.1.0-1", "3.0.11", "group/web", "team-web");
	dt_host(f, "db01", "6.1.0-1", "3.0.11", NULL, "team-db");
	dt_service(f, "web01", "nginx", "1.22");
	dt_service(f, "db01", "pg", "15.4");
	dt_change(f, "CHG-0001", "approved", "alice", "2026-03-02T10:00:00Z",
		"2026-03-02T12:00:00Z", "host/web01");
	dt_change(f, "CHG-0002", "requested", NULL, "2026-03-03T10:00:00Z", "2026-03-03T12:00:00Z",
		"host/db01");
	dt_change(f, "CHG-0003", "approved", "bob", "2026-03-04T10:00:00Z", "2026-03-04T11:00:00Z",
		"group/web");
	dt_change(f, "CHG-0004", "approved", "carol", "2026-03-05T10:00:00Z",
		"2026-03-05T11:00:00Z", "service/db01/pg");
	dt_commit(f, "2026-03-01T09:00:00Z", "estate", NULL);
}

/* The drifts of the story up to 03-07; returns nothing, the asserts are the callers'. */
void dt_story(dt_fixture *f)
{
	dt_estate(f);
	/* D1, D2: in CHG-0001's window; nginx through its host */
	dt_host(f, "web01", "6.1.0-2", "3.0.11", "group/web", "team-web");
	dt_service(f, "web01", "nginx", "1.24");
	dt_commit(f, "2026-03-02T11:00:00Z", "scan", NULL);
	/* D3: 20 min after the window, inside the 30 min grace */
	dt_host(f, "web01", "6.1.0-3", "3.0.11", "group/web", "team-web");
	dt_commit(f, "2026-03-02T12:20:00Z", "scan", NULL);
	/* D4: 30 min past window + grace */
	dt_host(f, "web01", "6.1.0-4", "3.0.11", "group/web", "team-web");
	dt_commit(f, "2026-03-02T13:00:00Z", "scan", NULL);
	/* D5: CHG-0002 covers db01 in its window but is only requested */
	dt_host(f, "db01", "6.1.0-2", "3.0.11", NULL, "team-db");
	dt_commit(f, "2026-03-03T10:30:00Z", "scan", NULL);
	/* D6: web01 is a member of group/web, which CHG-0003 affects */
	dt_host(f, "web01", "6.1.0-5", "3.0.11", "group/web", "team-web");
	dt_commit(f, "2026-03-04T10:15:00Z", "scan", NULL);
	/* D7: db01 is not in group/web: CHG-0003 is in its window but does not cover it */
	dt_host(f, "db01", "6.1.0-3", "3.0.11", NULL, "team-db");
	dt_commit(f, "2026-03-04T10:20:00Z", "scan", NULL);
	/* D8: after CHG-0004's window, but the commit names it */
	dt_service(f, "db01", "pg", "15.5");
	dt_commit(f, "2026-03-06T09:00:00Z", "pg minor upgrade", "CHG-0004");
	/* D9: a trailer naming a change that does not exist */
	dt_host(f, "db01", "6.1.0-4", "3.0.11", NULL, "team-db");
	dt_commit(f, "2026-03-06T10:00:00Z", "kernel", "CHG-0099");
	/* D10: a trailer naming a change that is not approved */
	dt_host(f, "db01", "6.1.0-5", "3.0.11", NULL, "team-db");
	dt_commit(f, "2026-03-06T11:00:00Z", "kernel", "CHG-0002");
	/* D11: only a package version: exempt */
	dt_host(f, "web01", "6.1.0-5", "3.0.13", "group/web", "team-web");
	dt_commit(f, "2026-03-07T09:00:00Z", "scan", NULL);
	/* no drift: annotations only */
	dt_host(f, "db01", "6.1.0-5", "3.0.11", NULL, "team-dba");
	dt_commit(f, "2026-03-07T10:00:00Z", "owner", NULL);
}

cmdb_index *dt_index(dt_fixture *f)
{
	cmdb_index *idx = NULL;

	if (!f->r && cmdb_repo_open(&f->r, f->repo) < 0)
		fail_msg("repo open: %s", cmdb_error_last());
	if (cmdb_index_open(&idx, f->r, f->db, CMDB_INDEX_REFRESH) < 0)
		fail_msg("index open: %s", cmdb_error_last());
	return idx;
}

static char *vq(cmdb_index *idx, const char *fmt, va_list ap)
{
	sqlite3_stmt *st = NULL;
	char *sql = sqlite3_vmprintf(fmt, ap), *res;

	if (sqlite3_prepare_v2(cmdb_index_db(idx), sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(cmdb_index_db(idx)));
	res = strdup(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)
			? (const char *)sqlite3_column_text(st, 0)
			: "");
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return res;
}

char *dt_q(cmdb_index *idx, const char *fmt, ...)
{
	va_list ap;
	char *r;

	va_start(ap, fmt);
	r = vq(idx, fmt, ap);
	va_end(ap);
	return r;
}

void dt_expect_q(cmdb_index *idx, const char *want, const char *fmt, ...)
{
	va_list ap;
	char *r;

	va_start(ap, fmt);
	r = vq(idx, fmt, ap);
	va_end(ap);
	assert_string_equal(r, want);
	free(r);
}

void dt_expect(cmdb_index *idx, const char *id, const char *time, const char *want)
{
	char *got = dt_q(idx,
		"SELECT coalesce(status, 'pending') || ':' || coalesce(change, '') || ':' || "
		"coalesce(how, '') FROM drifts WHERE id = %Q AND time = strftime('%%s', %Q)",
		id, time);

	if (strcmp(*got ? got : "none", want))
		fail_msg("drift of %s at %s: got '%s', want '%s'", id, time, *got ? got : "none",
			want);
	free(got);
}

void dt_expect_reason(
	cmdb_index *idx, const char *id, const char *time, const char *change, const char *reason)
{
	cmdb__drift_explainer *ex = NULL;
	sqlite3_stmt *st = NULL;
	json_t *cands = NULL, *c;
	size_t i;
	char *got = NULL;

	if (cmdb__drift_explainer_new(&ex, idx) < 0)
		fail_msg("explainer: %s", cmdb_error_last());
	assert_int_equal(
		sqlite3_prepare_v2(cmdb_index_db(idx),
			"SELECT seq, time, kind, paths FROM drifts WHERE id = ?1 AND time = "
			"strftime('%s', ?2)",
			-1, &st, NULL),
		SQLITE_OK);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, time, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		fail_msg("no drift of %s at %s", id, time);
	if (cmdb__drift_explain(&cands, ex, id, sqlite3_column_int64(st, 0),
		    sqlite3_column_int64(st, 1), (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3)) < 0)
		fail_msg("explain: %s", cmdb_error_last());
	json_array_foreach(cands, i,
		c) if (!strcmp(json_string_value(json_object_get(c, "change")), change)) got =
		strdup(json_string_value(json_object_get(c, "reason")));
	if (!got || strcmp(got, reason)) {
		char *all = json_dumps(cands, JSON_INDENT(1));

		fail_msg("%s at %s, candidate %s: got reason '%s', want '%s'; all: %s", id, time,
			change, got ? got : "(none)", reason, all);
	}
	free(got);
	json_decref(cands);
	sqlite3_finalize(st);
	cmdb__drift_explainer_free(ex);
}

static char *dump_drifts(cmdb_index *idx)
{
	return dt_q(idx,
		"SELECT group_concat(r, char(10)) FROM (SELECT id || '|' || seq || '|' || time || "
		"'|' || kind || '|' || paths || '|' || coalesce(status, '') || '|' || "
		"coalesce(change, '') || '|' || coalesce(how, '') AS r FROM drifts UNION ALL "
		"SELECT change || '|' || id || '|' || seq || '|' || "
		"how FROM drift_matches UNION ALL SELECT id || '|' || coalesce(status, '') || '|' "
		"|| coalesce(win_start, '') || '|' || coalesce(win_end, '') || '|' || from_seq "
		"FROM "
		"changes ORDER BY 1)");
}

void dt_assert_same_as_full(dt_fixture *f, cmdb_index *idx)
{
	cmdb_index *full = NULL;
	char *db, *a, *b;

	if (asprintf(&db, "%s/full.db", f->dir) < 0)
		abort();
	tu_sh(NULL, "rm -f '%s'", db);
	if (cmdb_index_open(&full, f->r, db, CMDB_INDEX_REFRESH | CMDB_INDEX_REBUILD) < 0)
		fail_msg("full index: %s", cmdb_error_last());
	a = dump_drifts(idx);
	b = dump_drifts(full);
	assert_string_equal(a, b);
	free(a);
	free(b);
	cmdb_index_free(full);
	free(db);
}
