/* Merging scanned items with the CMDB's, and the identity checks (lib/scan/scan_merge.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "json_assert.h"

#include "util/alloc.h"
#include "scan/scan.h"

static void test_scan_merge__keeps_annotations_and_manual_relations(void **state)
{
	json_t *old = tu_json(
		"{\"type\":\"service\",\"name\":\"nginx\",\"source\":\"scan\","
		"\"attributes\":{\"unit\":\"nginx.service\",\"state\":\"failed\","
		"\"discovered_relations\":{\"runs_on\":[\"host/web01\"],"
		"\"connects_to\":[\"service/db01/postgresql\"]}},"
		"\"annotations\":{\"owner\":\"team-web\"},"
		"\"relations\":{\"runs_on\":[\"host/web01\"],\"depends_on\":[\"application/shop\"],"
		"\"connects_to\":[\"service/db01/postgresql\",\"service/x/manual\"]}}");
	json_t *fresh = tu_json("{\"type\":\"service\",\"name\":\"nginx\",\"source\":\"scan\","
				"\"attributes\":{\"unit\":\"nginx.service\",\"state\":\"running\"},"
				"\"relations\":{\"runs_on\":[\"host/web01\"]}}");
	json_t *disc = tu_json("{\"connects_to\":[\"service/app01/app\"]}");
	json_t *out = NULL;

	(void)state;
	assert_int_equal(cmdb__scan_merge_item(&out, fresh, old, disc), 0);
	tu_assert_json(out,
		"{\"type\":\"service\",\"name\":\"nginx\",\"source\":\"scan\","
		"\"attributes\":{\"unit\":\"nginx.service\",\"state\":\"running\","
		"\"discovered_relations\":{\"connects_to\":[\"service/app01/app\"],"
		"\"runs_on\":[\"host/web01\"]}},"
		"\"annotations\":{\"owner\":\"team-web\"},"
		"\"relations\":{\"connects_to\":[\"service/app01/app\",\"service/x/manual\"],"
		"\"depends_on\":[\"application/shop\"],\"runs_on\":[\"host/web01\"]}}");
	json_decref(out);
	json_decref(old);
	json_decref(fresh);
	json_decref(disc);
}

static void test_scan_merge__new_item(void **state)
{
	json_t *fresh = tu_json("{\"type\":\"host\",\"name\":\"web01\",\"source\":\"scan\","
				"\"attributes\":{\"os\":{\"id\":\"debian\"}}}");
	json_t *out = NULL;

	(void)state;
	assert_int_equal(cmdb__scan_merge_item(&out, fresh, NULL, NULL), 0);
	tu_assert_json(out,
		"{\"type\":\"host\",\"name\":\"web01\",\"source\":\"scan\","
		"\"attributes\":{\"os\":{\"id\":\"debian\"}}}");
	json_decref(out);
	json_decref(fresh);
}

static void test_scan_merge__stale_discovered_relation_goes(void **state)
{
	json_t *old =
		tu_json("{\"type\":\"service\",\"name\":\"app\",\"attributes\":{"
			"\"discovered_relations\":{\"connects_to\":[\"service/db01/postgresql\"]}},"
			"\"relations\":{\"connects_to\":[\"service/db01/postgresql\"]},"
			"\"x-owner-note\":\"kept\"}");
	json_t *fresh = tu_json(
		"{\"type\":\"service\",\"name\":\"app\",\"attributes\":{\"unit\":\"app\"}}");
	json_t *out = NULL;

	(void)state;
	assert_int_equal(cmdb__scan_merge_item(&out, fresh, old, NULL), 0);
	tu_assert_json(out,
		"{\"type\":\"service\",\"name\":\"app\",\"source\":\"scan\","
		"\"attributes\":{\"unit\":\"app\"},\"x-owner-note\":\"kept\"}");
	json_decref(out);
	json_decref(old);
	json_decref(fresh);
}

static void test_scan_merge__fresh_cannot_forge_ownership(void **state)
{
	/* A scanned item claiming discovered_relations must not make manual relations vanish. */
	json_t *old = tu_json("{\"type\":\"host\",\"name\":\"h\",\"attributes\":{},"
			      "\"relations\":{\"member_of\":[\"group/web\"]}}");
	json_t *fresh = tu_json("{\"type\":\"host\",\"name\":\"h\",\"attributes\":{"
				"\"discovered_relations\":{\"member_of\":[\"group/web\"]}}}");
	json_t *out = NULL;

	(void)state;
	assert_int_equal(cmdb__scan_merge_item(&out, fresh, old, NULL), 0);
	tu_assert_json(out,
		"{\"type\":\"host\",\"name\":\"h\",\"source\":\"scan\",\"attributes\":{},"
		"\"relations\":{\"member_of\":[\"group/web\"]}}");
	json_decref(out);
	json_decref(old);
	json_decref(fresh);
}

static void test_scan_merge__rejects_item_without_type(void **state)
{
	json_t *fresh = tu_json("{\"name\":\"x\"}");
	json_t *out = (json_t *)0x1;

	(void)state;
	assert_int_equal(cmdb__scan_merge_item(&out, fresh, NULL, NULL), CMDB_EINVALID);
	assert_null(out);
	json_decref(fresh);
}

static json_t *host_ident(const char *ident)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "{\"type\":\"host\",\"attributes\":{\"identity\":%s}}", ident);
	return tu_json(buf);
}

static void test_scan_merge__identity_changed(void **state)
{
	json_t *old = host_ident("{\"machine_id\":\"aaa\",\"dmi_uuid\":\"u1\","
				 "\"ssh_hostkey\":\"SHA256:k1\",\"macs\":[\"52:54:00:00:00:01\"]}");
	json_t *all = host_ident("{\"machine_id\":\"bbb\",\"dmi_uuid\":\"u2\","
				 "\"ssh_hostkey\":\"SHA256:k2\",\"macs\":[\"52:54:00:00:00:02\"]}");
	json_t *some = host_ident("{\"machine_id\":\"bbb\",\"dmi_uuid\":\"u1\","
				  "\"macs\":[\"52:54:00:00:00:02\"]}");
	json_t *none = host_ident("{}");
	json_t *samekey =
		host_ident("{\"machine_id\":\"bbb\",\"dmi_uuid\":\"u2\","
			   "\"ssh_hostkey\":\"SHA256:k1\",\"macs\":[\"52:54:00:00:00:02\"]}");
	json_t *keyonly = host_ident("{\"machine_id\":\"aaa\",\"ssh_hostkey\":\"SHA256:k2\"}");
	char *ev = NULL;

	(void)state;
	assert_int_equal(cmdb__scan_identity_changed(&ev, old, all), 1);
	assert_string_equal(ev, "machine-id, DMI uuid, host key, MACs changed");
	free(ev);
	assert_int_equal(cmdb__scan_identity_changed(&ev, old, some), 0);
	assert_null(ev);
	/* The host key does not decide (lab hosts share one; backups restore them). */
	assert_int_equal(cmdb__scan_identity_changed(&ev, old, samekey), 1);
	assert_string_equal(ev, "machine-id, DMI uuid, MACs changed");
	free(ev);
	assert_int_equal(cmdb__scan_identity_changed(&ev, old, keyonly), 0);
	assert_null(ev);
	assert_int_equal(cmdb__scan_identity_changed(&ev, old, none), 0);
	assert_int_equal(cmdb__scan_identity_changed(&ev, old, old), 0);
	json_decref(old);
	json_decref(all);
	json_decref(some);
	json_decref(none);
	json_decref(samekey);
	json_decref(keyonly);
}

static void test_scan_merge__duplicates(void **state)
{
	json_t *hosts = tu_json("{"
				"\"a\":{\"attributes\":{\"identity\":{\"machine_id\":\"m1\",\"dmi_"
				"uuid\":\"00000000-0000-0000-0000-000000000000\"}}},"
				"\"b\":{\"attributes\":{\"identity\":{\"machine_id\":\"m1\"}}},"
				"\"c\":{\"attributes\":{\"identity\":{\"machine_id\":\"m3\",\"dmi_"
				"uuid\":\"00000000-0000-0000-0000-000000000000\"}}},"
				"\"d\":{\"attributes\":{\"identity\":{\"machine_id\":\"m4\",\"dmi_"
				"uuid\":\"d-u\"}}},"
				"\"e\":{\"attributes\":{\"identity\":{\"machine_id\":\"m5\",\"dmi_"
				"uuid\":\"d-u\"}}}}");
	json_t *scanned = tu_json("{\"a\":true,\"c\":true}");
	json_t *out = NULL;

	(void)state;
	assert_int_equal(cmdb__scan_duplicates(&out, hosts, NULL), 0);
	tu_assert_json(out,
		"[{\"hosts\":[\"a\",\"b\"],\"evidence\":\"same machine-id m1\"},"
		"{\"hosts\":[\"d\",\"e\"],\"evidence\":\"same DMI uuid d-u\"}]");
	json_decref(out);
	/* Only groups touching a host scanned this time are news. */
	assert_int_equal(cmdb__scan_duplicates(&out, hosts, scanned), 0);
	tu_assert_json(out, "[{\"hosts\":[\"a\",\"b\"],\"evidence\":\"same machine-id m1\"}]");
	json_decref(out);
	json_decref(hosts);
	json_decref(scanned);
}

static void test_scan_merge__sort_unique(void **state)
{
	json_t *a = tu_json("[\"b\",\"a\",\"b\",1,\"c\",\"a\"]");

	(void)state;
	assert_int_equal(cmdb__scan_sort_unique(a), 0);
	tu_assert_json(a, "[\"a\",\"b\",\"c\"]");
	json_decref(a);
}

/* Every failing allocation (ours and jansson's) gives an error and no half result. */
static void test_scan_merge__allocation_failures_are_clean(void **state)
{
	json_t *old = tu_json(
		"{\"type\":\"service\",\"name\":\"n\",\"attributes\":{\"a\":1,"
		"\"discovered_relations\":{\"connects_to\":[\"service/x/y\"]}},"
		"\"annotations\":{\"o\":\"t\"},\"relations\":{\"depends_on\":[\"application/s\"],"
		"\"connects_to\":[\"service/x/y\"]},\"extra\":true}");
	json_t *fresh = tu_json("{\"type\":\"service\",\"name\":\"n\",\"attributes\":{\"a\":2},"
				"\"relations\":{\"runs_on\":[\"host/h\"]}}");
	json_t *disc = tu_json("{\"connects_to\":[\"service/z/q\",\"service/a/b\"]}");
	int failures = 0, ok_in_a_row = 0;

	(void)state;
	json_set_alloc_funcs(cmdb__malloc, free);
	for (long n = 1; n < 5000 && ok_in_a_row < 20; n++) {
		json_t *out = (json_t *)0x1;
		int rc;

		cmdb__alloc_fail_at(n);
		rc = cmdb__scan_merge_item(&out, fresh, old, disc);
		cmdb__alloc_fail_at(0);
		if (rc == 0) {
			ok_in_a_row++;
			json_decref(out);
			continue;
		}
		ok_in_a_row = 0;
		failures++;
		assert_null(out);
	}
	json_set_alloc_funcs(malloc, free);
	assert_true(failures > 20);
	json_decref(old);
	json_decref(fresh);
	json_decref(disc);
}

/*
 * main moved while the scan ran: the staged item (merged against the old main) is
 * merged again with main as it is now. The scanner's attributes and discovered
 * relations come from staged; annotations, manual relations and other keys from
 * now, so what a person committed meanwhile (an annotation added, a manual
 * relation removed) stands.
 */
static void test_scan_merge__remerge_keeps_what_people_committed_meanwhile(void **state)
{
	json_t *staged =
		tu_json("{\"type\":\"service\",\"name\":\"nginx\",\"source\":\"scan\","
			"\"attributes\":{\"state\":\"running\",\"discovered_relations\":"
			"{\"runs_on\":[\"host/web01\"],\"connects_to\":[\"service/app01/app\"]}},"
			"\"annotations\":{\"owner\":\"team-web\"},"
			"\"relations\":{\"runs_on\":[\"host/web01\"],\"connects_to\":[\"service/"
			"app01/app\"],"
			"\"depends_on\":[\"application/old\"]},\"notes\":\"old\"}");
	json_t *now = tu_json(
		"{\"type\":\"service\",\"name\":\"nginx\",\"source\":\"scan\","
		"\"attributes\":{\"state\":\"failed\",\"discovered_relations\":"
		"{\"runs_on\":[\"host/web01\"],\"connects_to\":[\"service/db01/pg\"]}},"
		"\"annotations\":{\"owner\":\"team-web\",\"ticket\":\"OPS-7\"},"
		"\"relations\":{\"runs_on\":[\"host/web01\"],\"connects_to\":[\"service/db01/pg\"],"
		"\"depends_on\":[\"application/shop\"]},\"notes\":\"new\"}");
	json_t *out = NULL;

	(void)state;
	assert_int_equal(cmdb__scan_remerge_item(&out, staged, now), 0);
	tu_assert_json(out,
		"{\"type\":\"service\",\"name\":\"nginx\",\"source\":\"scan\","
		"\"attributes\":{\"state\":\"running\",\"discovered_relations\":"
		"{\"connects_to\":[\"service/app01/app\"],\"runs_on\":[\"host/web01\"]}},"
		"\"annotations\":{\"owner\":\"team-web\",\"ticket\":\"OPS-7\"},"
		"\"relations\":{\"connects_to\":[\"service/app01/app\"],"
		"\"depends_on\":[\"application/shop\"],\"runs_on\":[\"host/web01\"]},"
		"\"notes\":\"new\"}");
	json_decref(out);
	/* Deleted meanwhile: the scanner's share only, as for a new item. */
	assert_int_equal(cmdb__scan_remerge_item(&out, staged, NULL), 0);
	tu_assert_json(out,
		"{\"type\":\"service\",\"name\":\"nginx\",\"source\":\"scan\","
		"\"attributes\":{\"state\":\"running\",\"discovered_relations\":"
		"{\"connects_to\":[\"service/app01/app\"],\"runs_on\":[\"host/web01\"]}},"
		"\"relations\":{\"connects_to\":[\"service/app01/app\"],"
		"\"runs_on\":[\"host/web01\"]}}");
	json_decref(out);
	json_decref(staged);
	json_decref(now);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_merge__keeps_annotations_and_manual_relations),
		cmocka_unit_test(test_scan_merge__new_item),
		cmocka_unit_test(test_scan_merge__stale_discovered_relation_goes),
		cmocka_unit_test(test_scan_merge__fresh_cannot_forge_ownership),
		cmocka_unit_test(test_scan_merge__rejects_item_without_type),
		cmocka_unit_test(test_scan_merge__identity_changed),
		cmocka_unit_test(test_scan_merge__duplicates),
		cmocka_unit_test(test_scan_merge__sort_unique),
		cmocka_unit_test(test_scan_merge__allocation_failures_are_clean),
		cmocka_unit_test(test_scan_merge__remerge_keeps_what_people_committed_meanwhile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
