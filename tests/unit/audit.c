/*
 * cmdb_audit on the drift story (tests/support/drift_fixture.c, tests/unit/drift.c)
 * plus what only an audit reports, each finding stated:
 *
 *   in the estate (03-01 09:00, before --since): service/web01/cron runs_on host/gone
 *   (dangling), change/CHG-0007 approved without approved_by (schema), host/dup1 and
 *   host/dup2 with one machine-id (duplicate), host/app01 (source: scan) scanned at
 *   03-07 11:15, unreachable in the 11:30 scan: stale at 03-15 (8 days, limit 7);
 *   03-07 11:00: CHG-0005 approved for 03-05 14:00..15:00 on host/web01, nothing
 *   changed then (change_without_drift); CHG-0006 an emergency change implemented for
 *   03-06 09:30..10:15 on host/db01, approved at 12:00 (emergency_change), which
 *   authorises D9 (03-06 10:00) but not D10 (11:00: 15 min past window + grace).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gitcmdb/gitcmdb.h"
#include "drift_fixture.h"

#define T(s) ((long long)(s)) /* unix seconds */

static void extras(dt_fixture *f)
{
	dt_put(f, "service/web01/cron.yaml",
		"type: service\nname: cron\nattributes:\n  version: \"3.0\"\nrelations:\n  "
		"runs_on: [host/gone]\n");
	dt_put(f, "change/CHG-0007.yaml",
		"type: change\nname: CHG-0007\nattributes:\n  summary: half approved\n  status: "
		"approved\n  window: {start: \"2026-03-20T10:00:00Z\", end: "
		"\"2026-03-20T11:00:00Z\"}\nrelations:\n  affects: [host/web01]\n");
	for (int i = 1; i <= 2; i++) {
		char path[64], doc[256];

		snprintf(path, sizeof(path), "host/dup%d.yaml", i);
		snprintf(doc, sizeof(doc),
			"type: host\nname: dup%d\nsource: manual\nattributes:\n  identity: "
			"{machine_id: 4c4c4544}\n",
			i);
		dt_put(f, path, doc);
	}
	dt_put(f, "host/app01.yaml",
		"type: host\nname: app01\nsource: scan\nattributes:\n  os: {id: debian}\n");
}

static void later(dt_fixture *f)
{
	dt_change(f, "CHG-0005", "approved", "alice", "2026-03-05T14:00:00Z",
		"2026-03-05T15:00:00Z", "host/web01");
	dt_change_full(f, "CHG-0006", "emergency", "implemented", "dave", "2026-03-06T12:00:00Z",
		"2026-03-06T09:30:00Z", "2026-03-06T10:15:00Z", "host/db01");
	dt_commit(f, "2026-03-07T11:00:00Z", "changes CHG-0005, CHG-0006", NULL);
	dt_commit(f, "2026-03-07T11:15:00Z", "scan: 1 host, 0 changed",
		"Scan-Id: 20260307T111500Z-0001");
	dt_commit(f, "2026-03-07T11:30:00Z",
		"scan: 1 host, 0 changed, 1 unreachable\n\nunreachable: host/app01 (connect "
		"timeout after 10 s)",
		"Scan-Id: 20260307T113000Z-0002");
}

/* "TIME KIND ITEM" lines of the findings. */
static char *summary(const json_t *res)
{
	char *out = NULL;
	size_t len = 0, i;
	FILE *m = open_memstream(&out, &len);
	json_t *f;

	json_array_foreach(json_object_get(res, "findings"), i, f)
	{
		const char *t = json_string_value(json_object_get(f, "time"));

		fprintf(m, "%s %s %s\n", t ? t : "-", json_string_value(json_object_get(f, "kind")),
			json_string_value(json_object_get(f, "item")));
	}
	fclose(m);
	return out;
}

static json_t *find_kind(const json_t *res, const char *kind, const char *item, const char *t)
{
	size_t i;
	json_t *f;

	json_array_foreach(json_object_get(res, "findings"), i, f)
	{
		if (!strcmp(json_string_value(json_object_get(f, "kind")), kind) &&
			!strcmp(json_string_value(json_object_get(f, "item")), item) &&
			(!t || !strcmp(json_string_value(json_object_get(f, "time")), t)))
			return f;
	}
	fail_msg("no %s finding for %s", kind, item);
	return NULL;
}

static void test_audit__findings_of_the_story(void **state)
{
	dt_fixture *f = *state;
	cmdb_audit_opts o = CMDB_AUDIT_OPTS_INIT;
	json_t *res = NULL, *d, *c;
	cmdb_index *idx;
	char *got;

	extras(f);
	dt_story(f);
	later(f);
	idx = dt_index(f);
	dt_expect(idx, "host/db01", "2026-03-06T10:00:00Z", "authorised:CHG-0006:window");
	o.since = "2026-03-01T12:00:00Z";
	o.now = T(1773576000); /* 2026-03-15T12:00:00Z */
	if (cmdb_audit(&res, idx, &o) < 0)
		fail_msg("audit: %s", cmdb_error_last());
	got = summary(res);
	assert_string_equal(got,
		"2026-03-01T09:00:00Z dangling_relation service/web01/cron\n"
		"2026-03-01T09:00:00Z schema_violation change/CHG-0007\n"

		"2026-03-02T13:00:00Z unauthorised_drift host/web01\n"
		"2026-03-03T10:30:00Z unauthorised_drift host/db01\n"
		"2026-03-04T10:20:00Z unauthorised_drift host/db01\n"
		"2026-03-05T15:00:00Z change_without_drift change/CHG-0005\n"
		"2026-03-06T09:30:00Z emergency_change change/CHG-0006\n"
		"2026-03-06T11:00:00Z unauthorised_drift host/db01\n"
		"2026-03-07T11:15:00Z stale_scan host/app01\n"
		"2026-03-07T11:30:00Z duplicate_identity host/dup1\n");
	free(got);
	/* the contract's keys */
	d = find_kind(res, "unauthorised_drift", "host/web01", "2026-03-02T13:00:00Z");
	assert_string_equal(json_string_value(json_object_get(d, "drift")), "modified");
	assert_string_equal(json_string_value(json_array_get(json_object_get(d, "paths"), 0)),
		"attributes.os.kernel");
	assert_int_equal(strlen(json_string_value(json_object_get(d, "commit"))), 40);
	c = json_array_get(json_object_get(d, "candidates"), 0);
	assert_string_equal(json_string_value(json_object_get(c, "change")), "CHG-0001");
	assert_string_equal(json_string_value(json_object_get(c, "reason")),
		"outside its window 2026-03-02T10:00:00Z..2026-03-02T12:00:00Z (grace 30 min) by "
		"30 min (after it closed)");
	assert_string_equal(json_string_value(json_object_get(d, "explanation")),
		"host/web01 modified (attributes.os.kernel) with no change authorising it; "
		"nearest: "
		"CHG-0001 outside its window 2026-03-02T10:00:00Z..2026-03-02T12:00:00Z (grace 30 "
		"min) by 30 min (after it closed)");
	/* D10: the trailer's change first, then the emergency change 15 min out */
	d = find_kind(res, "unauthorised_drift", "host/db01", "2026-03-06T11:00:00Z");
	c = json_object_get(d, "candidates");
	assert_string_equal(json_string_value(json_object_get(json_array_get(c, 0), "reason")),
		"named by the commit's Change: trailer, but not approved (status requested)");
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(c, 1), "change")), "CHG-0006");
	assert_string_equal(json_string_value(json_object_get(json_array_get(c, 1), "reason")),
		"outside its window 2026-03-06T09:30:00Z..2026-03-06T10:15:00Z (grace 30 min) by "
		"15 min (after it closed)");
	d = find_kind(res, "schema_violation", "change/CHG-0007", NULL);
	assert_non_null(strstr(
		json_string_value(json_object_get(d, "explanation")), "change/CHG-0007.yaml:"));
	assert_non_null(
		strstr(json_string_value(json_object_get(d, "explanation")), "approved_by"));
	d = find_kind(res, "dangling_relation", "service/web01/cron", NULL);
	assert_non_null(strstr(json_string_value(json_object_get(d, "explanation")), "host/gone"));
	d = find_kind(res, "duplicate_identity", "host/dup1", NULL);
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(d, "items"), 1)), "host/dup2");
	d = find_kind(res, "stale_scan", "host/app01", NULL);
	assert_string_equal(json_string_value(json_object_get(d, "explanation")),
		"host/app01 has had no successful scan for 8 days (last 2026-03-07T11:15:00Z; "
		"audit.stale_days 7)");
	d = find_kind(res, "emergency_change", "change/CHG-0006", NULL);
	assert_string_equal(json_string_value(json_object_get(d, "explanation")),
		"emergency change CHG-0006 implemented, approved by dave at 2026-03-06T12:00:00Z, "
		"after its window opened at 2026-03-06T09:30:00Z: needs review");
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(res, "counts"), "unauthorised_drift")),
		4);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(res, "counts"), "total")), 10);
	json_decref(res);
	cmdb_index_free(idx);
}

/* A range with nothing wrong in it: no findings (the state findings aside, as here). */
static void test_audit__clean_range_and_bad_input(void **state)
{
	dt_fixture *f = *state;
	cmdb_audit_opts o = CMDB_AUDIT_OPTS_INIT;
	json_t *res = NULL;
	cmdb_index *idx;
	char *text = NULL;

	dt_story(f);
	idx = dt_index(f);
	o.since = "2026-03-04T10:00:00Z"; /* D6 authorised, D7 not */
	o.until = "2026-03-04T10:16:00Z";
	assert_int_equal(cmdb_audit(&res, idx, &o), 0);
	assert_int_equal(json_array_size(json_object_get(res, "findings")), 0);
	assert_int_equal(cmdb_audit_format_text(&text, res), 0);
	assert_string_equal(text, "no findings\n");
	cmdb_free(text);
	json_decref(res);
	o.until = "2026-03-04T10:21:00Z";
	assert_int_equal(cmdb_audit(&res, idx, &o), 0);
	assert_int_equal(json_array_size(json_object_get(res, "findings")), 1);
	json_decref(res);
	o.since = "2026-03-05";
	o.until = "2026-03-04";
	assert_int_equal(cmdb_audit(&res, idx, &o), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "is not before"));
	o.since = "2026-13-45";
	assert_int_equal(cmdb_audit(&res, idx, &o), CMDB_EINVALID);
	cmdb_index_free(idx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_audit__findings_of_the_story, dt_setup, dt_teardown),
		cmocka_unit_test_setup_teardown(
			test_audit__clean_range_and_bad_input, dt_setup, dt_teardown),
	};

	cmdb_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
