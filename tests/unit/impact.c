/*
 * Impact analysis on hand-built graphs with the answers written out: an in-memory
 * edge list for the walk itself, and a hand-filled index database (the real index
 * schema) for validity at a point in history.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "gitcmdb/gitcmdb.h"
#include "gitcmdb/query.h"
#include "index/index_int.h"
#include "query/query_int.h"
#include "testutil.h"

/* ---- in-memory graph ---- */

typedef struct {
	const char *src, *type, *dst;
} edge;

typedef struct {
	const edge *edges;
	size_t n;
	int upstream;
	int calls;
} mem_graph;

static int mem_next(cmdb__impact_edges *out, const char *node, void *payload)
{
	mem_graph *g = payload;

	g->calls++;
	/* backwards, so the walk's own ordering is what the answers rely on */
	for (size_t i = g->n; i-- > 0;)
		if (!strcmp(g->upstream ? g->edges[i].src : g->edges[i].dst, node) &&
			cmdb__impact_add(out, g->edges[i].src, g->edges[i].type, g->edges[i].dst) <
				0)
			return -1;
	return 0;
}

/* "id@depth:src>type>dst|src>type>dst" for every item, joined by spaces. */
static char *describe(const json_t *res)
{
	size_t cap = 8192, len = 0, i, j;
	char *s = calloc(1, cap);
	json_t *item, *e;

	json_array_foreach(json_object_get(res, "items"), i, item)
	{
		len += (size_t)snprintf(s + len, cap - len, "%s%s@%d:", i ? " " : "",
			json_string_value(json_object_get(item, "id")),
			(int)json_integer_value(json_object_get(item, "depth")));
		json_array_foreach(json_object_get(item, "path"), j, e) len +=
			(size_t)snprintf(s + len, cap - len, "%s%s>%s>%s", j ? "|" : "",
				json_string_value(json_object_get(e, "src")),
				json_string_value(json_object_get(e, "type")),
				json_string_value(json_object_get(e, "dst")));
	}
	return s;
}

static void assert_walk(const json_t *res, const char *want)
{
	char *got = describe(res);

	if (strcmp(got, want) != 0)
		fail_msg("impact:\n got: %s\nwant: %s", got, want);
	free(got);
}

static const edge cycle_edges[] = {
	{"application/a", "depends_on", "application/b"},
	{"application/b", "depends_on", "application/a"},
	{"application/c", "depends_on", "application/a"},
};

static void test_impact__cycle_terminates(void **state)
{
	mem_graph g = {cycle_edges, 3, 0, 0};
	json_t *res = NULL;

	(void)state;
	assert_int_equal(cmdb__impact_walk(&res, "application/a", 0, 0, mem_next, &g), 0);
	assert_walk(res,
		"application/b@1:application/b>depends_on>application/a "
		"application/c@1:application/c>depends_on>application/a");
	/* both directions of the cycle are edges of the result, each once */
	assert_int_equal(json_array_size(json_object_get(res, "edges")), 3);
	assert_int_equal(g.calls, 3); /* a, b, c expanded exactly once each */
	json_decref(res);

	g.upstream = 1;
	assert_int_equal(cmdb__impact_walk(&res, "application/a", 1, 0, mem_next, &g), 0);
	assert_walk(res, "application/b@1:application/a>depends_on>application/b");
	assert_string_equal(json_string_value(json_object_get(res, "direction")), "upstream");
	json_decref(res);
}

static void test_impact__self_loop_and_isolated_root(void **state)
{
	static const edge loop[] = {{"host/x", "depends_on", "host/x"}};
	mem_graph g = {loop, 1, 0, 0};
	json_t *res = NULL;

	(void)state;
	assert_int_equal(cmdb__impact_walk(&res, "host/x", 0, 0, mem_next, &g), 0);
	assert_int_equal(json_array_size(json_object_get(res, "items")), 0);
	assert_int_equal(json_array_size(json_object_get(res, "edges")), 1);
	json_decref(res);
	assert_int_equal(cmdb__impact_walk(&res, "host/alone", 0, 0, mem_next, &g), 0);
	assert_int_equal(json_array_size(json_object_get(res, "items")), 0);
	assert_int_equal(json_array_size(json_object_get(res, "edges")), 0);
	json_decref(res);
}

/* A 2,000-long chain: depth limits hold and nothing recurses per hop. */
static void test_impact__long_chain_and_depth(void **state)
{
	enum {
		N = 2000
	};
	static edge chain[N];
	static char names[N + 1][32];
	mem_graph g = {chain, N, 0, 0};
	json_t *res = NULL;

	(void)state;
	for (int i = 0; i <= N; i++)
		snprintf(names[i], sizeof(names[i]), "host/h%d", i);
	for (int i = 0; i < N; i++)
		chain[i] = (edge){names[i + 1], "depends_on", names[i]};
	assert_int_equal(cmdb__impact_walk(&res, "host/h0", 0, 0, mem_next, &g), 0);
	assert_int_equal(json_array_size(json_object_get(res, "items")), N);
	assert_int_equal(json_array_size(json_object_get(
				 json_array_get(json_object_get(res, "items"), N - 1), "path")),
		N);
	json_decref(res);
	assert_int_equal(cmdb__impact_walk(&res, "host/h0", 0, 3, mem_next, &g), 0);
	assert_walk(res,
		"host/h1@1:host/h1>depends_on>host/h0 "
		"host/h2@2:host/h1>depends_on>host/h0|host/h2>depends_on>host/h1 "
		"host/h3@3:host/h1>depends_on>host/h0|host/h2>depends_on>host/h1|"
		"host/h3>depends_on>host/h2");
	json_decref(res);
}

/* ---- a hand-built index database ---- */

static sqlite3 *db;

static void exec(const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("sql: %s\n%s", err, sql);
}

/*
 * seq 1..6 on main. connects_to from nginx to postgresql is discovered at 3;
 * webshop stops depending on postgresql directly at 5; CHG-1 only "affects" db01.
 */
static int setup_db(void **state)
{
	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	exec(cmdb__index_schema_sql);
	exec("INSERT INTO commits(seq, oid, time, mainline) VALUES"
	     " (1, '1111111111111111111111111111111111111111', 1764288000, 1),"
	     " (2, '2222222222222222222222222222222222222222', 1764291600, 1),"
	     " (3, '3333333333333333333333333333333333333333', 1764295200, 1),"
	     " (4, '4444444444444444444444444444444444444444', 1764298800, 1),"
	     " (5, '5555555555555555555555555555555555555555', 1764302400, 1),"
	     " (6, '6666666666666666666666666666666666666666', 1764306000, 1);");
	exec("INSERT INTO items VALUES ('host/db01','host'),('host/web01','host'),"
	     "('service/db01/postgresql','service'),('service/web01/nginx','service'),"
	     "('application/webshop','application'),('business_service/shop','business_service'),"
	     "('group/web','group'),('change/CHG-1','change');");
	exec("INSERT INTO item_versions(id, from_seq, to_seq, blob) SELECT id, 1, NULL, 'b' FROM "
	     "items;");
	exec("INSERT INTO relations VALUES"
	     " ('service/db01/postgresql','runs_on','host/db01',1,NULL),"
	     " ('service/web01/nginx','runs_on','host/web01',1,NULL),"
	     " ('service/web01/nginx','connects_to','service/db01/postgresql',3,NULL),"
	     " ('application/webshop','depends_on','service/web01/nginx',1,NULL),"
	     " ('application/webshop','depends_on','service/db01/postgresql',1,5),"
	     " ('business_service/shop','depends_on','application/webshop',1,NULL),"
	     " ('host/web01','member_of','group/web',1,NULL),"
	     " ('change/CHG-1','affects','host/db01',1,NULL);");
	return 0;
}

static int teardown_db(void **state)
{
	(void)state;
	sqlite3_close(db);
	return 0;
}

/* The impacting types of schemas/relations.yaml and their direction (checked below). */
static const struct {
	const char *type;
	int dir;
} impacting[] = {{"runs_on", CMDB_IMPACT_TARGET}, {"hosted_on", CMDB_IMPACT_TARGET},
	{"depends_on", CMDB_IMPACT_TARGET}, {"connects_to", CMDB_IMPACT_TARGET},
	{"member_of", CMDB_IMPACT_MEMBERS}, {"part_of", CMDB_IMPACT_SOURCE}, {NULL, 0}};

static int builtin_impacts(const char *type, void *payload)
{
	(void)payload;
	for (size_t i = 0; impacting[i].type; i++)
		if (!strcmp(impacting[i].type, type))
			return impacting[i].dir;
	return CMDB_IMPACT_NONE;
}

static json_t *impact_at(long long seq, const char *id, int upstream, int depth)
{
	json_t *res = NULL;

	if (cmdb__impact_db(&res, db, seq, id, upstream, depth, builtin_impacts, NULL) != 0)
		fail_msg("impact %s: %s", id, cmdb_error_last());
	return res;
}

static void test_impact__builtin_schema_direction(void **state)
{
	cmdb_schema *schema = NULL;
	json_t *types = NULL, *t;
	size_t i;

	(void)state;
	assert_int_equal(cmdb_schema_load_builtin(&schema), 0);
	assert_int_equal(cmdb_schema_relation_types(&types, schema), 0);
	json_array_foreach(types, i, t)
	{
		cmdb_impact_dir dir = (cmdb_impact_dir)-1;

		assert_int_equal(
			cmdb_schema_relation_impact(schema, json_string_value(t), &dir), 0);
		assert_int_equal((int)dir, builtin_impacts(json_string_value(t), NULL));
	}
	assert_true(json_array_size(types) >= 8);
	json_decref(types);
	cmdb_schema_free(schema);
}

static void test_impact__db01_now(void **state)
{
	json_t *res = impact_at(6, "host/db01", 0, 0);

	(void)state;
	/* exactly these items, each with its chain; CHG-1 (affects) is not hit */
	assert_walk(res,
		"service/db01/postgresql@1:service/db01/postgresql>runs_on>host/db01 "
		"service/web01/nginx@2:service/db01/postgresql>runs_on>host/db01|"
		"service/web01/nginx>connects_to>service/db01/postgresql "
		"application/webshop@3:service/db01/postgresql>runs_on>host/db01|"
		"service/web01/nginx>connects_to>service/db01/postgresql|"
		"application/webshop>depends_on>service/web01/nginx "
		"business_service/shop@4:service/db01/postgresql>runs_on>host/db01|"
		"service/web01/nginx>connects_to>service/db01/postgresql|"
		"application/webshop>depends_on>service/web01/nginx|"
		"business_service/shop>depends_on>application/webshop");
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(res, "items"), 0), "type")),
		"service");
	json_decref(res);
}

static void test_impact__db01_before_the_relation_existed(void **state)
{
	json_t *res = impact_at(2, "host/db01", 0, 0);

	(void)state;
	/* at seq 2 nginx did not connect to postgresql yet; webshop still used it directly */
	assert_walk(res,
		"service/db01/postgresql@1:service/db01/postgresql>runs_on>host/db01 "
		"application/webshop@2:service/db01/postgresql>runs_on>host/db01|"
		"application/webshop>depends_on>service/db01/postgresql "
		"business_service/shop@3:service/db01/postgresql>runs_on>host/db01|"
		"application/webshop>depends_on>service/db01/postgresql|"
		"business_service/shop>depends_on>application/webshop");
	json_decref(res);
	/* at seq 4 both paths exist: breadth-first keeps the shortest, edges keep both */
	res = impact_at(4, "host/db01", 0, 0);
	assert_walk(res,
		"service/db01/postgresql@1:service/db01/postgresql>runs_on>host/db01 "
		"service/web01/nginx@2:service/db01/postgresql>runs_on>host/db01|"
		"service/web01/nginx>connects_to>service/db01/postgresql "
		"application/webshop@2:service/db01/postgresql>runs_on>host/db01|"
		"application/webshop>depends_on>service/db01/postgresql "
		"business_service/shop@3:service/db01/postgresql>runs_on>host/db01|"
		"application/webshop>depends_on>service/db01/postgresql|"
		"business_service/shop>depends_on>application/webshop");
	assert_int_equal(json_array_size(json_object_get(res, "edges")), 5);
	json_decref(res);
}

static void test_impact__depth_one(void **state)
{
	json_t *res = impact_at(6, "host/db01", 0, 1);

	(void)state;
	assert_walk(res, "service/db01/postgresql@1:service/db01/postgresql>runs_on>host/db01");
	json_decref(res);
}

static void test_impact__upstream(void **state)
{
	json_t *res = impact_at(6, "application/webshop", 1, 0);

	(void)state;
	assert_walk(res,
		"service/web01/nginx@1:application/webshop>depends_on>service/web01/nginx "
		"service/db01/postgresql@2:application/webshop>depends_on>service/web01/nginx|"
		"service/web01/nginx>connects_to>service/db01/postgresql "
		"host/web01@2:application/webshop>depends_on>service/web01/nginx|"
		"service/web01/nginx>runs_on>host/web01 "
		"host/db01@3:application/webshop>depends_on>service/web01/nginx|"
		"service/web01/nginx>connects_to>service/db01/postgresql|"
		"service/db01/postgresql>runs_on>host/db01");
	json_decref(res);
}

/*
 * Issue 9 point 5: a component's failure hits what it is part_of; a member's failure is
 * reported for its group; impact on a group is its members' dependents; upstream, a whole
 * needs its components and a group its members.
 */
static void test_impact__directions_per_relation_type(void **state)
{
	json_t *res;

	(void)state;
	exec("INSERT INTO items VALUES ('service/web01/php','service');"
	     "INSERT INTO item_versions(id, from_seq, to_seq, blob) VALUES "
	     "('service/web01/php', 1, NULL, 'b');"
	     "INSERT INTO relations VALUES "
	     "('service/web01/php','part_of','application/webshop',1,NULL);");
	/* php fails: the webshop it is part of, and what depends on the webshop */
	res = impact_at(6, "service/web01/php", 0, 0);
	assert_walk(res,
		"application/webshop@1:service/web01/php>part_of>application/webshop "
		"business_service/shop@2:service/web01/php>part_of>application/webshop|"
		"business_service/shop>depends_on>application/webshop");
	json_decref(res);
	/* the webshop needs its component php (and what nginx needs, as before) */
	res = impact_at(6, "application/webshop", 1, 1);
	assert_walk(res,
		"service/web01/nginx@1:application/webshop>depends_on>service/web01/nginx "
		"service/web01/php@1:service/web01/php>part_of>application/webshop");
	json_decref(res);
	/* web01 changes: nginx on it, and its group hears of it (the group's other members
	 * are not hit through the group) */
	res = impact_at(6, "host/web01", 0, 0);
	assert_walk(res,
		"group/web@1:host/web01>member_of>group/web "
		"service/web01/nginx@1:service/web01/nginx>runs_on>host/web01 "
		"application/webshop@2:service/web01/nginx>runs_on>host/web01|"
		"application/webshop>depends_on>service/web01/nginx "
		"business_service/shop@3:service/web01/nginx>runs_on>host/web01|"
		"application/webshop>depends_on>service/web01/nginx|"
		"business_service/shop>depends_on>application/webshop");
	json_decref(res);
	/* impact on the group: its members and their dependents */
	res = impact_at(6, "group/web", 0, 2);
	assert_walk(res,
		"host/web01@1:host/web01>member_of>group/web "
		"service/web01/nginx@2:host/web01>member_of>group/web|"
		"service/web01/nginx>runs_on>host/web01");
	json_decref(res);
	/* what the group needs: its members (and theirs) */
	res = impact_at(6, "group/web", 1, 1);
	assert_walk(res, "host/web01@1:host/web01>member_of>group/web");
	json_decref(res);
	exec("DELETE FROM relations WHERE src = 'service/web01/php';"
	     "DELETE FROM item_versions WHERE id = 'service/web01/php';"
	     "DELETE FROM items WHERE id = 'service/web01/php';");
}

static void test_impact__text_and_dot(void **state)
{
	json_t *res = impact_at(6, "host/db01", 0, 0), *at = NULL;
	char *text = NULL, *dot = NULL, *dir, *path, *svg = NULL;

	(void)state;
	assert_int_equal(cmdb__query_point_of(&at, db, 6), 0);
	json_object_set_new(res, "at", at);
	assert_int_equal(cmdb_impact_format_text(&text, res), 0);
	assert_string_equal(text,
		"host/db01\n"
		"  service/db01/postgresql  (runs_on)\n"
		"    service/web01/nginx  (connects_to)\n"
		"      application/webshop  (depends_on)\n"
		"        business_service/shop  (depends_on)\n"
		"4 items hit when host/db01 fails or changes\n"
		"at 2025-11-28T05:00:00Z (commit 666666666666)\n");
	assert_int_equal(cmdb_impact_format_dot(&dot, res), 0);
	assert_non_null(strstr(dot,
		"\"service/web01/nginx\" -> \"service/db01/postgresql\" "
		"[label=\"connects_to\"];"));
	/* graphviz must accept it */
	dir = tu_tempdir("impact");
	assert_true(asprintf(&path, "%s/impact.dot", dir) > 0);
	assert_int_equal(tu_write_file(path, dot, strlen(dot)), 0);
	if (tu_sh(NULL, "command -v dot >/dev/null") == 0) {
		assert_int_equal(tu_sh(&svg, "dot -Tsvg '%s'", path), 0);
		assert_non_null(strstr(svg, "<svg"));
		assert_non_null(strstr(svg, "business_service/shop"));
	}
	free(svg);
	free(path);
	tu_rmrf(dir);
	free(dir);
	cmdb_free(text);
	cmdb_free(dot);
	json_decref(res);
}

/* splitmix64: each field gets independent bits (an LCG's low bits correlated them). */
static unsigned draw(uint64_t *state, unsigned n)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (unsigned)((z ^ (z >> 31)) % n);
}

/*
 * The bulk path (relations bucketed by interned id) and the per-item queries give
 * byte-identical results on a random graph with cycles, non-impacting types,
 * duplicate rows and relations valid only for part of history, in both directions.
 */
static void test_impact__bulk_equals_per_item_random(void **state)
{
	static const char *const types[] = {
		"runs_on", "depends_on", "affects", "connects_to", "caused_by"};
	const char *env = getenv("CMDB_SEED");
	unsigned seed = env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL);
	int saved = cmdb__impact_bulk_after;
	size_t reached = 0;

	(void)state;
	uint64_t rng = seed;

	print_message("bulk_equals_per_item_random: CMDB_SEED=%u replays this graph\n", seed);
	exec("DELETE FROM relations");
	exec("BEGIN");
	for (int i = 0; i < 1500; i++) {
		char *sql;
		int from, len;

		unsigned src = draw(&rng, 300), type = draw(&rng, 5), dst = draw(&rng, 300);

		from = 1 + (int)draw(&rng, 6);
		len = (int)draw(&rng, 4);
		sql = sqlite3_mprintf("INSERT INTO relations VALUES('n/%u', %Q, 'n/%u', %d, %s%d)",
			src, types[type], dst, from, len ? "" : "NULL+", from + len);
		exec(sql);
		sqlite3_free(sql);
	}
	exec("COMMIT");
	for (int k = 0; k < 40; k++) {
		char id[16];
		long long seq = 1 + k % 6;
		int up = k % 2, depth = k % 5 == 4 ? 2 : 0;
		json_t *a, *b;
		char *sa, *sb;

		snprintf(id, sizeof(id), "n/%d", (k * 37) % 300);
		cmdb__impact_bulk_after = 1000000;
		a = impact_at(seq, id, up, depth);
		cmdb__impact_bulk_after = 0;
		b = impact_at(seq, id, up, depth);
		sa = json_dumps(a, JSON_COMPACT);
		sb = json_dumps(b, JSON_COMPACT);
		assert_string_equal(sa, sb);
		reached += json_array_size(json_object_get(a, "items"));
		free(sa);
		free(sb);
		json_decref(a);
		json_decref(b);
	}
	cmdb__impact_bulk_after = saved;
	/*
	 * The walks were not trivially empty: one item per walk on average. Over 600 seeds the
	 * fewest reached was 252 (the old bound of 400 failed one seed in a few hundred).
	 */
	print_message("bulk_equals_per_item_random: %zu items reached in 40 walks\n", reached);
	assert_true(reached >= 40);
}

int main(void)
{
	const struct CMUnitTest mem[] = {
		cmocka_unit_test(test_impact__cycle_terminates),
		cmocka_unit_test(test_impact__self_loop_and_isolated_root),
		cmocka_unit_test(test_impact__long_chain_and_depth),
	};
	const struct CMUnitTest dbt[] = {
		cmocka_unit_test(test_impact__builtin_schema_direction),
		cmocka_unit_test(test_impact__db01_now),
		cmocka_unit_test(test_impact__db01_before_the_relation_existed),
		cmocka_unit_test(test_impact__depth_one),
		cmocka_unit_test(test_impact__upstream),
		cmocka_unit_test(test_impact__directions_per_relation_type),
		cmocka_unit_test(test_impact__text_and_dot),
		cmocka_unit_test(test_impact__bulk_equals_per_item_random),
	};
	int failed = cmocka_run_group_tests(mem, NULL, NULL);

	failed += cmocka_run_group_tests(dbt, setup_db, teardown_db);
	/* the same answers when every walk loads all relations at once (the big-walk path) */
	cmdb__impact_bulk_after = 0;
	return failed + cmocka_run_group_tests(dbt, setup_db, teardown_db);
}
