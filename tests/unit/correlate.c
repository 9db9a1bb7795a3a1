/*
 * Drifts of an incident and of a change on the drift story (tests/unit/drift.c):
 * INC-0001 opened 03-06 11:30 on service/db01/pg, which runs on host/db01. In the
 * 72 h before (from 03-03 11:30): pg's 03-06 09:00 drift (authorised by CHG-0004's
 * trailer) and three of host/db01 (03-06 11:00, 03-06 10:00, 03-04 10:20, all
 * unauthorised); db01's 03-03 10:30 drift is older than the look-back.
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
#include "query/correlate.h"
#include "drift_fixture.h"

/* "rank item time status change" lines. */
static char *lines(const json_t *drifts)
{
	char *out = NULL;
	size_t len = 0, i;
	FILE *m = open_memstream(&out, &len);
	json_t *d;

	json_array_foreach(drifts, i, d)
	{
		const char *c = json_string_value(json_object_get(d, "change"));
		const char *by = json_string_value(json_object_get(d, "authorised_by"));

		fprintf(m, "%lld %s %s %s %s\n",
			(long long)json_integer_value(json_object_get(d, "rank")),
			json_string_value(json_object_get(d, "item")),
			json_string_value(json_object_get(d, "time")),
			json_string_value(json_object_get(
				d, json_object_get(d, "status") ? "status" : "how")),
			c            ? c
				: by ? by
				     : "-");
	}
	fclose(m);
	return out;
}

static void test_correlate__incident_drifts_ranked(void **state)
{
	dt_fixture *f = *state;
	json_t *res = NULL;
	cmdb_index *idx;
	char *got;

	dt_story(f);
	dt_incident(f, "INC-0001", "2026-03-06T11:30:00Z", "service/db01/pg");
	dt_commit(f, "2026-03-07T12:00:00Z", "incident INC-0001", NULL);
	idx = dt_index(f);
	if (cmdb_query_incident_drifts(&res, idx, "INC-0001", 0) < 0)
		fail_msg("%s", cmdb_error_last());
	assert_string_equal(
		json_string_value(json_object_get(res, "opened")), "2026-03-06T11:30:00Z");
	assert_int_equal(json_integer_value(json_object_get(res, "lookback")), 72 * 3600);
	assert_string_equal(json_string_value(json_array_get(json_object_get(res, "affected"), 0)),
		"service/db01/pg");
	got = lines(json_object_get(res, "drifts"));
	assert_string_equal(got,
		"1 service/db01/pg 2026-03-06T09:00:00Z authorised CHG-0004\n"
		"2 host/db01 2026-03-06T11:00:00Z unauthorised -\n"
		"3 host/db01 2026-03-06T10:00:00Z unauthorised -\n"
		"4 host/db01 2026-03-04T10:20:00Z unauthorised -\n");
	free(got);
	/* the upstream graph at opened: pg and the host it runs on */
	assert_int_equal(
		json_array_size(json_object_get(json_object_get(res, "impact"), "items")), 2);
	json_decref(res);
	/* a shorter look-back keeps the last two hours only */
	assert_int_equal(cmdb_query_incident_drifts(&res, idx, "incident/INC-0001", 2 * 3600), 0);
	assert_int_equal(json_array_size(json_object_get(res, "drifts")), 2);
	json_decref(res);
	assert_int_equal(cmdb_query_incident_drifts(&res, idx, "INC-0002", 0), CMDB_ENOTFOUND);
	cmdb_index_free(idx);
}

static void test_correlate__bad_incident(void **state)
{
	dt_fixture *f = *state;
	json_t *res = NULL;
	cmdb_index *idx;

	dt_story(f);
	dt_incident(f, "INC-0001", "yesterday-ish", "service/db01/pg");
	dt_commit(f, "2026-03-07T12:00:00Z", "incident INC-0001", NULL);
	idx = dt_index(f);
	assert_int_equal(cmdb_query_incident_drifts(&res, idx, "INC-0001", 0), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "incident/INC-0001: attributes.opened"));
	assert_null(res);
	cmdb_index_free(idx);
}

static void test_correlate__change_drifts_and_impact(void **state)
{
	dt_fixture *f = *state;
	json_t *res = NULL, *items;
	cmdb_index *idx;
	char *got;

	dt_story(f);
	idx = dt_index(f);
	if (cmdb_query_change_drifts(&res, idx, "CHG-0001") < 0)
		fail_msg("%s", cmdb_error_last());
	got = lines(json_object_get(res, "drifts"));
	assert_string_equal(got,
		"0 host/web01 2026-03-02T11:00:00Z window CHG-0001\n"
		"0 service/web01/nginx 2026-03-02T11:00:00Z window CHG-0001\n"
		"0 host/web01 2026-03-02T12:20:00Z window CHG-0001\n");
	free(got);
	assert_string_equal(json_string_value(json_object_get(res, "status")), "approved");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(res, "window"), "start")),
		"2026-03-02T10:00:00Z");
	/* downstream of host/web01: nginx runs on it, and its change is reported for its
	 * group (member_of) */
	items = json_object_get(json_object_get(res, "impact"), "items");
	assert_int_equal(json_array_size(items), 3);
	json_decref(res);
	assert_int_equal(cmdb_query_change_drifts(&res, idx, "CHG-0002"), 0);
	assert_int_equal(json_array_size(json_object_get(res, "drifts")), 0); /* not approved */
	json_decref(res);
	assert_int_equal(cmdb_query_change_drifts(&res, idx, "CHG-0404"), CMDB_ENOTFOUND);
	cmdb_index_free(idx);
}

/* The report's load-once correlator gives exactly cmdb_query_incident_drifts's drifts
 * (items, ranks, depths, every field) for incidents on a service, a group (its members
 * only as a root; not as a dependency), several CIs, an item without relations, before
 * most history; and the same errors. */
static void test_correlate__bulk_same_as_single(void **state)
{
	static const char *const ids[] = {"INC-0001", "INC-0002", "INC-0003", "INC-0004",
		"INC-0005", "INC-0007", "incident/INC-0001"};
	static const long long lookbacks[] = {0, 2 * 3600, 30 * 24 * 3600};
	dt_fixture *f = *state;
	cmdb__correlator *c = NULL;
	json_t *one = NULL, *many = NULL;
	cmdb_index *idx;
	size_t compared = 0;

	dt_story(f);
	dt_incident(f, "INC-0001", "2026-03-06T11:30:00Z", "service/db01/pg");
	dt_incident(f, "INC-0002", "2026-03-04T12:00:00Z", "group/web");
	dt_incident(f, "INC-0003", "2026-03-07T10:00:00Z", "host/web01,service/db01/pg");
	dt_incident(f, "INC-0004", "2026-03-02T13:30:00Z", "service/web01/nginx,host/db01");
	dt_incident(f, "INC-0005", "2026-03-06T12:00:00Z", "host/ghost");
	dt_incident(f, "INC-0006", "not a time", "host/db01");
	/* portal needs group/web, reached at depth 1: not a root, so not its members */
	dt_put(f, "application/portal.yaml",
		"type: application\nname: portal\nrelations:\n  depends_on: [group/web]\n");
	dt_incident(f, "INC-0007", "2026-03-08T00:00:00Z", "application/portal");
	dt_commit(f, "2026-03-07T12:00:00Z", "incidents", NULL);
	idx = dt_index(f);
	assert_int_equal(cmdb__correlator_open(&c, idx), 0);
	for (size_t l = 0; l < sizeof(lookbacks) / sizeof(*lookbacks); l++)
		for (size_t i = 0; i < sizeof(ids) / sizeof(*ids); i++) {
			if (cmdb_query_incident_drifts(&one, idx, ids[i], lookbacks[l]) < 0)
				fail_msg("%s: %s", ids[i], cmdb_error_last());
			if (cmdb__correlator_incident(&many, c, ids[i], lookbacks[l], 0) < 0)
				fail_msg("%s: %s", ids[i], cmdb_error_last());
			if (!json_equal(json_object_get(one, "drifts"), many)) {
				char *a =
					json_dumps(json_object_get(one, "drifts"), JSON_INDENT(1));
				char *b = json_dumps(many, JSON_INDENT(1));

				fail_msg("%s lookback %lld:\nsingle %s\nbulk %s", ids[i],
					lookbacks[l], a, b);
			}
			compared += json_array_size(many);
			json_decref(many);
			/* a limit keeps the best-ranked ones */
			assert_int_equal(
				cmdb__correlator_incident(&many, c, ids[i], lookbacks[l], 2), 0);
			assert_int_equal(json_array_size(many),
				json_array_size(json_object_get(one, "drifts")) < 2
					? json_array_size(json_object_get(one, "drifts"))
					: 2);
			if (json_array_size(many))
				assert_true(json_equal(json_array_get(many, 0),
					json_array_get(json_object_get(one, "drifts"), 0)));
			json_decref(many);
			json_decref(one);
		}
	assert_true(compared >= 20); /* not a comparison of empty lists */
	assert_int_equal(cmdb_query_incident_drifts(&one, idx, "INC-0006", 0), CMDB_EINVALID);
	assert_int_equal(cmdb__correlator_incident(&many, c, "INC-0006", 0, 0), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "incident/INC-0006: attributes.opened"));
	assert_null(many);
	assert_int_equal(cmdb__correlator_incident(&many, c, "INC-0404", 0, 0), CMDB_ENOTFOUND);
	cmdb__correlator_free(c);
	cmdb_index_free(idx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_correlate__incident_drifts_ranked, dt_setup, dt_teardown),
		cmocka_unit_test_setup_teardown(
			test_correlate__bad_incident, dt_setup, dt_teardown),
		cmocka_unit_test_setup_teardown(
			test_correlate__change_drifts_and_impact, dt_setup, dt_teardown),
		cmocka_unit_test_setup_teardown(
			test_correlate__bulk_same_as_single, dt_setup, dt_teardown),
	};

	cmdb_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
