/*
 * find and estate diff on a hand-filled index database (the real index schema),
 * with validity intervals written out, so edge cases the CLI tests cannot easily
 * produce are pinned: split intervals with the same value, typed old/new values,
 * a service following its host's package ordering.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "index/index_int.h"
#include "query/query_int.h"

static sqlite3 *db;

static void exec(const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("sql: %s\n%s", err, sql);
}

/* seq 1..3. h1 is rhel, h2 debian; svc runs on h1 (service/h1/svc). */
static int setup(void **state)
{
	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	exec(cmdb__index_schema_sql);
	exec("INSERT INTO commits(seq, oid, time, mainline) VALUES"
	     " (1, 'a111111111111111111111111111111111111111', 1764288000, 1),"
	     " (2, 'b222222222222222222222222222222222222222', 1764291600, 1),"
	     " (3, 'c333333333333333333333333333333333333333', 1764295200, 1);");
	/* as the index keeps it: an attribute changes only with a new item version */
	exec("INSERT INTO item_versions(id, from_seq, to_seq, blob) VALUES"
	     " ('host/h1', 1, 2, 'x'), ('host/h1', 2, NULL, 'y'), ('host/h2', 1, 3, 'x'), "
	     "('service/h1/svc', 1, NULL, 'x'),"
	     " ('host/h3', 2, NULL, 'x');");
	exec("INSERT INTO attrs VALUES"
	     /* the same value split over two intervals (1-2, 2-): not a change */
	     " ('host/h1', 'attributes.os.id', 'rhel', 'string', 1, 2),"
	     " ('host/h1', 'attributes.os.id', 'rhel', 'string', 2, NULL),"
	     " ('host/h1', 'attributes.hardware.cpus', '4', 'int', 1, 2),"
	     " ('host/h1', 'attributes.hardware.cpus', '8', 'int', 2, NULL),"
	     " ('host/h1', 'attributes.tags', '[\"a\"]', 'list', 2, NULL),"
	     " ('host/h1', 'annotations.note', NULL, 'null', 1, 2),"
	     " ('host/h2', 'attributes.os.id', 'debian', 'string', 1, 3),"
	     " ('host/h2', 'attributes.packages.foo.version', '1.0_1', 'string', 1, 3),"
	     " ('service/h1/svc', 'attributes.version', '1.0_1', 'string', 1, NULL),"
	     " ('host/h3', 'attributes.os.id', 'debian', 'string', 2, NULL);");
	exec("INSERT INTO relations VALUES ('service/h1/svc', 'runs_on', 'host/h1', 1, NULL),"
	     " ('service/h1/svc', 'connects_to', 'host/h2', 1, 3);");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sqlite3_close(db);
	return 0;
}

static char *dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
}

static void assert_json(const json_t *v, const char *want)
{
	char *got = dump(v);

	if (strcmp(got, want) != 0)
		fail_msg("\n got: %s\nwant: %s", got, want);
	free(got);
}

static void test_estate_diff__fields_items_relations(void **state)
{
	json_t *res = json_object();

	(void)state;
	assert_int_equal(cmdb__estate_diff_db(res, db, 1, 3), 0);
	assert_json(json_object_get(res, "added"), "[\"host/h3\"]");
	assert_json(json_object_get(res, "removed"), "[\"host/h2\"]");
	/* os.id's split interval is no change; cpus is typed; a null that went away
	 * shows as null -> null and is dropped, the new list is typed */
	assert_json(json_object_get(res, "changed"),
		"[{\"changes\":[{\"new\":8,\"old\":4,\"path\":\"attributes.hardware.cpus\"},"
		"{\"new\":[\"a\"],\"old\":null,\"path\":\"attributes.tags\"}],\"id\":\"host/"
		"h1\"}]");
	assert_json(json_object_get(res, "relations_added"), "[]");
	assert_json(json_object_get(res, "relations_removed"),
		"[{\"dst\":\"host/h2\",\"src\":\"service/h1/svc\",\"type\":\"connects_to\"}]");
	json_decref(res);

	/* backwards: the mirror image */
	res = json_object();
	assert_int_equal(cmdb__estate_diff_db(res, db, 3, 1), 0);
	assert_json(json_object_get(res, "added"), "[\"host/h2\"]");
	assert_json(json_object_get(res, "removed"), "[\"host/h3\"]");
	assert_json(json_object_get(json_array_get(json_object_get(res, "changed"), 0), "changes"),
		"[{\"new\":4,\"old\":8,\"path\":\"attributes.hardware.cpus\"},"
		"{\"new\":null,\"old\":[\"a\"],\"path\":\"attributes.tags\"}]");
	json_decref(res);

	/* same point: nothing */
	res = json_object();
	assert_int_equal(cmdb__estate_diff_db(res, db, 2, 2), 0);
	assert_json(res,
		"{\"added\":[],\"changed\":[],\"relations_added\":[],"
		"\"relations_removed\":[],\"removed\":[]}");
	json_decref(res);
}

static char *find_ids(long long seq, const char *expr)
{
	json_t *items = NULL, *it;
	size_t i;
	char *s = calloc(1, 1024);

	if (cmdb__find_db(&items, db, seq, expr) != 0)
		fail_msg("find %s: %s", expr, cmdb_error_last());
	json_array_foreach(items, i, it)
	{
		strcat(s, i ? " " : "");
		strcat(s, json_string_value(json_object_get(it, "id")));
	}
	json_decref(items);
	return s;
}

static void check_find(long long seq, const char *expr, const char *want)
{
	char *got = find_ids(seq, expr);

	if (strcmp(got, want) != 0)
		fail_msg("find@%lld '%s': got [%s], want [%s]", seq, expr, got, want);
	free(got);
}

static void test_estate_diff__find_at_points(void **state)
{
	(void)state;
	check_find(1, "attributes.hardware.cpus>4", "");
	check_find(2, "attributes.hardware.cpus>4", "host/h1");
	check_find(2, "attributes.os.id=debian", "host/h2 host/h3");
	check_find(3, "attributes.os.id=debian", "host/h3"); /* h2 gone at 3 */
	/* 1.0_1 > 1.0.1 under dpkg (h2), equal under rpm: the service follows its rhel host */
	check_find(2, "attributes.packages.foo.version>1.0.1", "host/h2");
	check_find(2, "attributes.version>1.0.1", "");
	check_find(2, "attributes.version>=1.0.1", "service/h1/svc");
	check_find(2, "id~^host/, attributes.tags=a", "host/h1");
	check_find(2, "annotations.note=null", "");
	check_find(1, "annotations.note=null", "host/h1");
	check_find(2, "attributes.*=rhel, attributes.hardware.cpus=8", "host/h1");
	check_find(2, "nothing.here", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_estate_diff__fields_items_relations),
		cmocka_unit_test(test_estate_diff__find_at_points),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
