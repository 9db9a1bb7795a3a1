/*
 * Drift and its authorisation in the index, on a hand-built history at fixed dates
 * (git CLI, committer dates set). Each scenario states which drift is authorised, by
 * which change and how, and why the others are not. Records are written by hand as
 * the change schema has them (status, type, approved_by, window {start, end};
 * relations.affects).
 *
 *   CHG-0001 approved, window 03-02 10:00..12:00, affects host/web01
 *   CHG-0002 requested (approved later in the story), window 03-03 10:00..12:00,
 *            affects host/db01
 *   CHG-0003 approved, window 03-04 10:00..11:00, affects group/web
 *   CHG-0004 approved, window 03-05 10:00..11:00, affects service/db01/pg
 *   gitcmdb.yaml: grace 30 min, exempt attributes.packages.*.version
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

static void test_drift__rule_on_a_story(void **state)
{
	dt_fixture *f = *state;
	cmdb_index *idx;

	dt_story(f);
	idx = dt_index(f);
	/* the estate's creation: every CI created, none authorised */
	dt_expect(idx, "host/web01", "2026-03-01T09:00:00Z", "unauthorised::");
	dt_expect(idx, "host/web01", "2026-03-02T11:00:00Z", "authorised:CHG-0001:window");
	dt_expect(idx, "service/web01/nginx", "2026-03-02T11:00:00Z", "authorised:CHG-0001:window");
	dt_expect(idx, "host/web01", "2026-03-02T12:20:00Z", "authorised:CHG-0001:window");
	dt_expect(idx, "host/web01", "2026-03-02T13:00:00Z", "unauthorised::");
	dt_expect_reason(idx, "host/web01", "2026-03-02T13:00:00Z", "CHG-0001",
		"outside its window 2026-03-02T10:00:00Z..2026-03-02T12:00:00Z (grace 30 min) by "
		"30 min (after it closed)");
	dt_expect(idx, "host/db01", "2026-03-03T10:30:00Z", "unauthorised::");
	dt_expect_reason(idx, "host/db01", "2026-03-03T10:30:00Z", "CHG-0002",
		"not approved (status requested)");
	dt_expect(idx, "host/web01", "2026-03-04T10:15:00Z", "authorised:CHG-0003:window");
	dt_expect(idx, "host/db01", "2026-03-04T10:20:00Z", "unauthorised::");
	dt_expect_reason(idx, "host/db01", "2026-03-04T10:20:00Z", "CHG-0003",
		"in its window, but the item is not covered: it affects group/web");
	dt_expect(idx, "service/db01/pg", "2026-03-06T09:00:00Z", "authorised:CHG-0004:trailer");
	dt_expect(idx, "host/db01", "2026-03-06T10:00:00Z", "unauthorised::");
	dt_expect_reason(idx, "host/db01", "2026-03-06T10:00:00Z", "CHG-0099",
		"named by the commit's Change: trailer, but there is no change record "
		"change/CHG-0099");
	dt_expect_reason(idx, "host/db01", "2026-03-06T11:00:00Z", "CHG-0002",
		"named by the commit's Change: trailer, but not approved (status requested)");
	dt_expect(idx, "host/web01", "2026-03-07T09:00:00Z", "exempt::exempt");
	dt_expect(idx, "host/db01", "2026-03-07T10:00:00Z", "none");
	/* the paths of a drift: what changed, attributes and relations */
	dt_expect_q(idx, "[\"attributes.os.kernel\"]",
		"SELECT paths FROM drifts WHERE id = 'host/web01' AND kind = 'modified' "
		"ORDER BY seq LIMIT 1");
	/* change records are not CIs: they never drift */
	dt_expect_q(idx, "0", "SELECT count(*) FROM drifts WHERE id LIKE 'change/%%'");
	dt_expect_q(idx, "CHG-0001,CHG-0001,CHG-0001",
		"SELECT group_concat(change) FROM (SELECT change FROM drift_matches WHERE change = "
		"'CHG-0001' ORDER BY seq)");
	cmdb_index_free(idx);
}

/*
 * A change approved after the fact for a past window authorises the drifts of that
 * window at the next (incremental) index update; moving its window away takes that
 * back; an incremental index always equals a full rebuild.
 */
static void test_drift__records_committed_later(void **state)
{
	dt_fixture *f = *state;
	cmdb_index *idx;

	dt_story(f);
	idx = dt_index(f);
	dt_expect(idx, "host/db01", "2026-03-03T10:30:00Z", "unauthorised::");
	cmdb_index_free(idx);
	/* 03-08: CHG-0002 approved now, for its past window */
	dt_change(f, "CHG-0002", "approved", "alice", "2026-03-03T10:00:00Z",
		"2026-03-03T12:00:00Z", "host/db01");
	dt_commit(f, "2026-03-08T09:00:00Z", "change CHG-0002 approved", NULL);
	idx = dt_index(f);
	dt_expect(idx, "host/db01", "2026-03-03T10:30:00Z", "authorised:CHG-0002:window");
	/* D10 named it in a trailer: authorised now too */
	dt_expect(idx, "host/db01", "2026-03-06T11:00:00Z", "authorised:CHG-0002:trailer");
	dt_assert_same_as_full(f, idx);
	cmdb_index_free(idx);
	/* 03-09: its window moved to the next day: the drift is unauthorised again */
	dt_change(f, "CHG-0002", "approved", "alice", "2026-03-04T10:00:00Z",
		"2026-03-04T12:00:00Z", "host/db01");
	dt_commit(f, "2026-03-09T09:00:00Z", "change CHG-0002 moved", NULL);
	idx = dt_index(f);
	dt_expect(idx, "host/db01", "2026-03-03T10:30:00Z", "unauthorised::");
	dt_expect_reason(idx, "host/db01", "2026-03-03T10:30:00Z", "CHG-0002",
		"outside its window 2026-03-04T10:00:00Z..2026-03-04T12:00:00Z (grace 30 min) by "
		"23 h 0 min (before it opened)");
	/* and D7 (03-04 10:20) is now inside it */
	dt_expect(idx, "host/db01", "2026-03-04T10:20:00Z", "authorised:CHG-0002:window");
	dt_assert_same_as_full(f, idx);
	cmdb_index_free(idx);
	/* 03-10: the record deleted: nothing it authorised stays authorised */
	dt_remove(f, "change/CHG-0002.yaml");
	dt_commit(f, "2026-03-10T09:00:00Z", "CHG-0002 withdrawn", NULL);
	idx = dt_index(f);
	dt_expect(idx, "host/db01", "2026-03-04T10:20:00Z", "unauthorised::");
	dt_expect(idx, "host/db01", "2026-03-06T11:00:00Z", "unauthorised::");
	dt_assert_same_as_full(f, idx);
	cmdb_index_free(idx);
}

/* Settings changed later: every drift is judged again (grace 0, no exemptions). */
static void test_drift__settings_changed(void **state)
{
	dt_fixture *f = *state;
	cmdb_index *idx;

	dt_story(f);
	idx = dt_index(f);
	dt_expect(idx, "host/web01", "2026-03-02T12:20:00Z", "authorised:CHG-0001:window");
	cmdb_index_free(idx);
	dt_put(f, "gitcmdb.yaml", "changes:\n  grace_minutes: 0\n");
	dt_commit(f, "2026-03-08T09:00:00Z", "no grace", NULL);
	idx = dt_index(f);
	dt_expect(idx, "host/web01", "2026-03-02T12:20:00Z", "unauthorised::");
	dt_expect(idx, "host/web01", "2026-03-07T09:00:00Z", "unauthorised::");
	dt_assert_same_as_full(f, idx);
	cmdb_index_free(idx);
}

/* Membership counts as it was at the drift: leaving the group later changes nothing. */
static void test_drift__membership_at_that_time(void **state)
{
	dt_fixture *f = *state;
	cmdb_index *idx;

	dt_story(f);
	dt_host(f, "web01", "6.1.0-5", "3.0.13", NULL, "team-web");
	dt_commit(f, "2026-03-08T09:00:00Z", "web01 leaves group/web", NULL);
	idx = dt_index(f);
	dt_expect(idx, "host/web01", "2026-03-04T10:15:00Z", "authorised:CHG-0003:window");
	dt_expect_q(idx, "[\"relations.member_of\"]",
		"SELECT paths FROM drifts WHERE id = 'host/web01' AND time = "
		"strftime('%%s', '2026-03-08T09:00:00')");
	cmdb_index_free(idx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_drift__rule_on_a_story, dt_setup, dt_teardown),
		cmocka_unit_test_setup_teardown(
			test_drift__records_committed_later, dt_setup, dt_teardown),
		cmocka_unit_test_setup_teardown(
			test_drift__settings_changed, dt_setup, dt_teardown),
		cmocka_unit_test_setup_teardown(
			test_drift__membership_at_that_time, dt_setup, dt_teardown),
	};

	cmdb_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
