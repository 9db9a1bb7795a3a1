/*
 * find (lib/query/find.c) on a hand-built index database (the real index schema,
 * rows written here): literal and wildcard paths, every kind of value comparison,
 * the version scheme of each item's host, points in history, and both ways a
 * wildcard term is evaluated (each remaining candidate, or the whole prefix).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_assert.h"

#include "gitcmdb/query.h"
#include "index/index_int.h"
#include "query/query_int.h"

static sqlite3 *db;

static void exec(const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("sql: %s\n%s", err, sql);
}

/*
 * seq 1..3. web01 (Debian) gets openssl 3.0.13 at 3; db01 runs Rocky (rpm rules);
 * both have package foo 1.0_1, and each a service with version 1.0_1: dpkg orders
 * 1.0_1 after 1.0.1, rpm calls them equal.
 */
static int setup(void **state)
{
	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	exec(cmdb__index_schema_sql);
	exec("INSERT INTO commits(seq, oid, time, mainline) VALUES"
	     " (1, '1111111111111111111111111111111111111111', 1764288000, 1),"
	     " (2, '2222222222222222222222222222222222222222', 1764291600, 1),"
	     " (3, '3333333333333333333333333333333333333333', 1764295200, 1);");
	exec("INSERT INTO items VALUES ('host/web01','host'),('host/db01','host'),"
	     "('service/web01/nginx','service'),('service/db01/postgresql','service'),"
	     "('application/shop','application');");
	exec("INSERT INTO item_versions(id, from_seq, to_seq, blob) SELECT id, 1, NULL, 'b' FROM "
	     "items;");
	exec("INSERT INTO attrs(id, path, value, vtype, from_seq, to_seq) VALUES"
	     " ('host/web01','type','host','string',1,NULL),"
	     " ('host/web01','attributes.os.id','debian','string',1,NULL),"
	     " ('host/"
	     "web01','attributes.packages.openssl.version','3.0.11-1~deb12u1','string',1,3),"
	     " ('host/web01','attributes.packages.openssl.version','3.0.13-1~deb12u1','string',3,"
	     "NULL),"
	     " ('host/web01','attributes.packages.foo.version','1.0_1','string',1,NULL),"
	     " ('host/web01','attributes.cpus','16','int',1,NULL),"
	     " ('host/web01','attributes.network.interfaces.eth0.addresses',"
	     "'[\"10.0.0.11/24\",\"fe80::1/64\"]','list',1,NULL),"
	     " ('host/web01','annotations.owner','team-web','string',2,NULL),"
	     " ('host/db01','type','host','string',1,NULL),"
	     " ('host/db01','attributes.os.id','rocky','string',1,NULL),"
	     " ('host/db01','attributes.packages.openssl.version','3.0.7-24.el9','string',1,NULL),"
	     " ('host/db01','attributes.packages.foo.version','1.0_1','string',1,NULL),"
	     " ('host/db01','attributes.cpus','4.0','real',1,NULL),"
	     " ('host/db01','attributes.network.interfaces.eth0.addresses',"
	     "'[\"10.0.0.21/24\"]','list',1,NULL),"
	     " ('host/db01','annotations.owner','team-db','string',1,NULL),"
	     " ('service/web01/nginx','type','service','string',1,NULL),"
	     " ('service/web01/nginx','attributes.version','1.0_1','string',1,NULL),"
	     " ('service/db01/postgresql','type','service','string',1,NULL),"
	     " ('service/db01/postgresql','attributes.version','1.0_1','string',1,NULL),"
	     " ('application/shop','type','application','string',1,NULL),"
	     " ('application/shop','attributes.public','true','bool',1,NULL);");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sqlite3_close(db);
	return 0;
}

static json_t *find_at(long long seq, const char *expr)
{
	json_t *out = NULL;

	if (cmdb__find_db(&out, db, seq, expr) != 0)
		fail_msg("find '%s': %s", expr, cmdb_error_last());
	return out;
}

/* The ids found, "a b c". */
static void assert_ids(long long seq, const char *expr, const char *want)
{
	json_t *out = find_at(seq, expr), *item;
	char got[1024] = "";
	size_t i, len = 0;

	json_array_foreach(out, i, item) len += (size_t)snprintf(got + len, sizeof(got) - len,
		"%s%s", i ? " " : "", json_string_value(json_object_get(item, "id")));
	if (strcmp(got, want) != 0)
		fail_msg("find '%s' at %lld: expected [%s], got [%s]", expr, seq, want, got);
	json_decref(out);
}

static void test_find__literal_path_with_type_and_matches(void **state)
{
	json_t *out;

	(void)state;
	out = find_at(3, "attributes.os.id=debian");
	tu_assert_json(out,
		"[{\"id\":\"host/web01\",\"type\":\"host\",\"matches\":"
		"[{\"path\":\"attributes.os.id\",\"value\":\"debian\"}]}]");
	json_decref(out);
	/* Several terms: every item holds all of them, with every matching row listed. */
	out = find_at(3, "type=host and attributes.cpus>=8");
	tu_assert_json(out,
		"[{\"id\":\"host/web01\",\"type\":\"host\",\"matches\":"
		"[{\"path\":\"type\",\"value\":\"host\"},"
		"{\"path\":\"attributes.cpus\",\"value\":16}]}]");
	json_decref(out);
}

static void test_find__points_in_history(void **state)
{
	(void)state;
	assert_ids(2, "attributes.packages.openssl.version<3.0.13", "host/db01 host/web01");
	assert_ids(3, "attributes.packages.openssl.version<3.0.13", "host/db01");
	assert_ids(2, "attributes.packages.openssl.version=3.0.11-1~deb12u1", "host/web01");
	assert_ids(3, "attributes.packages.openssl.version=3.0.11-1~deb12u1", "");
	/* The owner annotation arrived at 2. */
	assert_ids(1, "annotations.owner~^team-", "host/db01");
	assert_ids(2, "annotations.owner~^team-", "host/db01 host/web01");
}

/* Numbers compare as numbers (4 equals 4.0), everything else in version order. */
static void test_find__numbers_and_versions(void **state)
{
	(void)state;
	assert_ids(3, "attributes.cpus>=8", "host/web01");
	assert_ids(3, "attributes.cpus=4", "host/db01");
	assert_ids(3, "attributes.cpus<100", "host/db01 host/web01");
	/* dpkg: 3.0.13-1~deb12u1 comes after 3.0.13 (a revision after none). */
	assert_ids(3, "attributes.packages.openssl.version>3.0.13", "host/web01");
	assert_ids(3, "attributes.packages.openssl.version<3.0.13-1~deb12u1", "host/db01");
}

/* 1.0_1 is newer than 1.0.1 under dpkg and equal under rpm: the host's os.id decides,
 * for the host's own attributes and for its services'. */
static void test_find__version_scheme_of_each_host(void **state)
{
	(void)state;
	assert_ids(3, "attributes.packages.foo.version>1.0.1", "host/web01");
	assert_ids(3, "attributes.packages.foo.version<=1.0.1", "host/db01");
	assert_ids(3, "attributes.version>1.0.1", "service/web01/nginx");
	assert_ids(3, "attributes.version>=1.0.1", "service/db01/postgresql service/web01/nginx");
	/* = stays exact whatever the scheme. */
	assert_ids(3, "attributes.version=1.0.1", "");
}

/* A list matches when any element does; != and !~ when none does. */
static void test_find__lists(void **state)
{
	(void)state;
	assert_ids(3, "attributes.network.interfaces.eth0.addresses=10.0.0.11/24", "host/web01");
	assert_ids(3, "attributes.network.interfaces.eth0.addresses=fe80::1/64", "host/web01");
	assert_ids(3, "attributes.network.interfaces.eth0.addresses!=10.0.0.11/24", "host/db01");
	assert_ids(3, "attributes.network.interfaces.*.addresses~^10\\.0\\.0\\.",
		"host/db01 host/web01");
	assert_ids(3, "attributes.network.interfaces.eth0.addresses!~^10\\.", "");
}

static void test_find__wildcards_presence_and_ids(void **state)
{
	json_t *out;

	(void)state;
	assert_ids(3, "attributes.packages.*.version>=3", "host/db01 host/web01");
	/* Only the rows that satisfied the term are listed. */
	out = find_at(3, "id=host/db01, attributes.packages.*.version>=3");
	tu_assert_json(json_object_get(json_array_get(out, 0), "matches"),
		"[{\"path\":\"id\",\"value\":\"host/db01\"},"
		"{\"path\":\"attributes.packages.openssl.version\",\"value\":\"3.0.7-24.el9\"}]");
	json_decref(out);
	/* A bare path: the attribute exists. A term never matches items without it. */
	assert_ids(3, "annotations.owner", "host/db01 host/web01");
	assert_ids(3, "annotations.owner!=ops", "host/db01 host/web01");
	assert_ids(3, "attributes.public=true", "application/shop");
	assert_ids(3, "id~^service/", "service/db01/postgresql service/web01/nginx");
	assert_ids(3, "*.version=1.0_1",
		"host/db01 host/web01 service/db01/postgresql service/web01/nginx");
	/* AND: one term without any hit ends the search. */
	assert_ids(3, "attributes.os.id=plan9 and type=host", "");
	assert_ids(3, "type=host, attributes.os.id=plan9", "");
}

static void test_find__bad_expressions(void **state)
{
	json_t *out = (json_t *)0x1;

	(void)state;
	assert_int_equal(cmdb_find_check("attributes.os.id=debian"), 0);
	assert_int_equal(cmdb_find_check("=debian"), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "expression:1:"));
	assert_int_equal(cmdb__find_db(&out, db, 3, "type=host, =x"), CMDB_EINVALID);
	assert_null(out);
}

/*
 * A wildcard term after a literal one reads each remaining candidate when there are
 * at most 2,000 of them, else scans its whole prefix: both give the same items.
 */
static void test_find__wildcard_over_few_and_many_candidates(void **state)
{
	char *sql;

	(void)state;
	exec("BEGIN");
	for (int i = 0; i < 2100; i++) {
		sql = sqlite3_mprintf(
			"INSERT INTO attrs VALUES('host/n%04d','type','host','string',1,"
			"NULL),('host/n%04d','attributes.os.id','%s','string',1,NULL),"
			"('host/n%04d','attributes.packages.p%d.version','%d','string',1,"
			"NULL);",
			i, i, i % 300 ? "debian" : "alpine", i, i % 7, i % 10);
		exec(sql);
		sqlite3_free(sql);
	}
	exec("COMMIT");
	/* 2,102 hosts: the prefix scan. Every tenth host has version 9; none of web01/db01. */
	{
		json_t *out = find_at(3, "type=host, attributes.packages.*.version=9");

		assert_int_equal(json_array_size(out), 210);
		assert_string_equal(
			json_string_value(json_object_get(json_array_get(out, 0), "id")),
			"host/n0009");
		json_decref(out);
	}
	/* 7 alpine hosts (n0000, n0300, ...): the candidates one by one. */
	assert_ids(3, "attributes.os.id=alpine, attributes.packages.*.version=0",
		"host/n0000 host/n0300 host/n0600 host/n0900 host/n1200 host/n1500 host/n1800");
	assert_ids(3, "attributes.os.id=alpine, attributes.packages.*.version=1", "");
	exec("DELETE FROM attrs WHERE id LIKE 'host/n%'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find__literal_path_with_type_and_matches),
		cmocka_unit_test(test_find__points_in_history),
		cmocka_unit_test(test_find__numbers_and_versions),
		cmocka_unit_test(test_find__version_scheme_of_each_host),
		cmocka_unit_test(test_find__lists),
		cmocka_unit_test(test_find__wildcards_presence_and_ids),
		cmocka_unit_test(test_find__bad_expressions),
		cmocka_unit_test(test_find__wildcard_over_few_and_many_candidates),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
