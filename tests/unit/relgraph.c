/*
 * The timed relation graph (lib/query/relgraph.c): a small history of relation rows
 * walked downstream (what a failure hits) and upstream (what an item needs), edges
 * valid only in their [from, to) interval, group members followed upstream from the
 * roots only, several roots keeping each node's smallest depth, and allocation
 * failures while loading that fail cleanly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "gitcmdb/schema.h"
#include "query/relgraph.h"
#include "util/alloc.h"
#include "util/error.h"

/* Rows in this order: the node ids and each bucket's edge order follow it. */
static const char rows[] =
	"CREATE TABLE relations (src TEXT, type TEXT, dst TEXT, from_seq INT, to_seq INT);"
	"INSERT INTO relations VALUES"
	" ('svc', 'runs_on', 'host1', 1, 0),"
	" ('app', 'depends_on', 'svc', 1, 5),"
	" ('svc', 'runs_on', 'host2', 5, 0),"
	" ('host1', 'member_of', 'grp', 1, 0),"
	" ('comp', 'part_of', 'svc', 1, 0),"
	" ('svc2', 'depends_on', 'grp', 1, 0),"
	" ('inc', 'affects', 'svc', 1, 0),"
	" ('x', 'no_such_type', 'y', 1, 0);";

typedef struct {
	sqlite3 *db;
	cmdb_schema *schema;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	if (!f || sqlite3_open(":memory:", &f->db) != SQLITE_OK ||
		sqlite3_exec(f->db, rows, NULL, NULL, NULL) != SQLITE_OK ||
		cmdb_schema_load_builtin(&f->schema) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	cmdb_schema_free(f->schema);
	sqlite3_close(f->db);
	free(f);
	return 0;
}

static int load(cmdb__relgraph **out, fixture *f, cmdb__relgraph_dir dir)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	assert_int_equal(
		sqlite3_prepare_v2(f->db, "SELECT src, type, dst, from_seq, to_seq FROM relations",
			-1, &st, NULL),
		SQLITE_OK);
	if ((rc = cmdb__relgraph_new(out, dir)) == 0 &&
		(rc = cmdb__relgraph_load(*out, f->schema, st, "cannot read relations")) == 0)
		rc = cmdb__relgraph_seal(*out);
	sqlite3_finalize(st);
	if (rc < 0) {
		cmdb__relgraph_free(*out);
		*out = NULL;
	}
	return rc;
}

/* The walk from the roots (space separated) at seq as "name:depth ..." in visiting
 * order. */
static const char *walk(cmdb__relgraph *g, const char *roots, long long seq)
{
	static char out[512];
	char names[128], *save = NULL;
	size_t len = 0;
	uint32_t k, n;

	snprintf(names, sizeof(names), "%s", roots);
	cmdb__relgraph_begin(g);
	for (char *r = strtok_r(names, " ", &save); r; r = strtok_r(NULL, " ", &save))
		if (cmdb__relgraph_lookup(g, r, &k))
			cmdb__relgraph_root(g, k);
	n = cmdb__relgraph_walk(g, seq);
	out[0] = '\0';
	for (uint32_t i = 0; i < n; i++) {
		k = g->queue[i];
		assert_true(cmdb__relgraph_reached(g, k));
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s:%d", i ? " " : "",
			g->name[k], (int)g->depth[k]);
	}
	return out;
}

static void test_relgraph__interns_impacting_rows_only(void **state)
{
	cmdb__relgraph *g;
	uint32_t k;

	assert_int_equal(load(&g, *state, CMDB__RELGRAPH_DOWNSTREAM), 0);
	assert_int_equal(g->n, 7);
	assert_int_equal(g->ne, 6);
	assert_int_equal(cmdb__relgraph_lookup(g, "svc", &k), 1);
	assert_int_equal(k, 0);
	assert_int_equal(cmdb__relgraph_lookup(g, "svc2", &k), 1);
	assert_int_equal(k, 6);
	assert_string_equal(g->name[k], "svc2");
	/* affects has no impact and an unknown type is skipped: neither end is a node */
	assert_int_equal(cmdb__relgraph_lookup(g, "inc", &k), 0);
	assert_int_equal(cmdb__relgraph_lookup(g, "y", &k), 0);
	assert_int_equal(cmdb__relgraph_lookup(g, NULL, &k), 0);
	/* sealed: known names still resolve, new ones are refused */
	assert_int_equal(cmdb__relgraph_intern(g, "host2", &k), 0);
	assert_int_equal(k, 3);
	assert_int_equal(cmdb__relgraph_intern(g, "new", &k), CMDB_ERROR);
	assert_int_equal(g->n, 7);
	cmdb__relgraph_free(g);
}

static void test_relgraph__downstream_follows_what_a_failure_hits(void **state)
{
	cmdb__relgraph *g;

	assert_int_equal(load(&g, *state, CMDB__RELGRAPH_DOWNSTREAM), 0);
	/* host1 -> svc on it -> app needing svc; host1 -> its group -> svc2 needing it */
	assert_string_equal(walk(g, "host1", 3), "host1:0 svc:1 grp:1 app:2 svc2:2");
	/* part_of: the component's failure hits the whole */
	assert_string_equal(walk(g, "comp", 3), "comp:0 svc:1 app:2");
	/* nothing is downstream of a leaf; an unknown root reaches nothing */
	assert_string_equal(walk(g, "app", 3), "app:0");
	assert_string_equal(walk(g, "nobody", 3), "");
	cmdb__relgraph_free(g);
}

static void test_relgraph__edges_valid_in_their_interval(void **state)
{
	cmdb__relgraph *g;

	assert_int_equal(load(&g, *state, CMDB__RELGRAPH_DOWNSTREAM), 0);
	/* app depends_on svc in [1, 5): gone at 5 */
	assert_string_equal(walk(g, "host1", 4), "host1:0 svc:1 grp:1 app:2 svc2:2");
	assert_string_equal(walk(g, "host1", 5), "host1:0 svc:1 grp:1 svc2:2");
	/* nothing before 1 */
	assert_string_equal(walk(g, "host1", 0), "host1:0");
	/* svc runs_on host2 from 5 on (to 0: still valid) */
	assert_string_equal(walk(g, "host2", 4), "host2:0");
	assert_string_equal(walk(g, "host2", 5), "host2:0 svc:1");
	assert_string_equal(walk(g, "host2", 1000), "host2:0 svc:1");
	cmdb__relgraph_free(g);
}

static void test_relgraph__upstream_follows_what_an_item_needs(void **state)
{
	cmdb__relgraph *g;

	assert_int_equal(load(&g, *state, CMDB__RELGRAPH_UPSTREAM), 0);
	/* app needs svc, svc runs on host1 (host2 only from 5) and has comp as a part */
	assert_string_equal(walk(g, "app", 3), "app:0 svc:1 host1:2 comp:2");
	assert_string_equal(walk(g, "app", 5), "app:0");
	assert_string_equal(walk(g, "svc", 5), "svc:0 host1:1 host2:1 comp:1");
	/* a group leads to its members as a root only */
	assert_string_equal(walk(g, "grp", 3), "grp:0 host1:1");
	assert_string_equal(walk(g, "svc2", 3), "svc2:0 grp:1");
	/* several roots: each node at its smallest depth, repeated roots once */
	assert_string_equal(walk(g, "app grp app", 3), "app:0 grp:0 svc:1 host1:1 comp:2");
	cmdb__relgraph_free(g);
}

static void test_relgraph__many_walks_reuse_the_marks(void **state)
{
	cmdb__relgraph *g;

	assert_int_equal(load(&g, *state, CMDB__RELGRAPH_DOWNSTREAM), 0);
	for (int i = 0; i < 1000; i++)
		walk(g, i % 2 ? "host1" : "comp", 3);
	g->stamp = UINT32_MAX; /* the next walk wraps the stamp: every mark forgotten */
	assert_string_equal(walk(g, "comp", 3), "comp:0 svc:1 app:2");
	assert_int_equal(g->stamp, 1);
	assert_false(cmdb__relgraph_reached(g, 1)); /* host1 */
	cmdb__relgraph_free(g);
}

static void test_relgraph__allocation_failures_are_clean(void **state)
{
	cmdb__relgraph *g = NULL;
	int rc = CMDB_ERROR;

	for (long nth = 1; rc < 0 && nth < 100; nth++) {
		cmdb__alloc_fail_at(nth);
		rc = load(&g, *state, CMDB__RELGRAPH_UPSTREAM);
		cmdb__alloc_fail_at(0);
		if (rc < 0) {
			assert_int_equal(rc, CMDB_ERROR);
			assert_non_null(strstr(cmdb_error_last(), "out of memory"));
			assert_null(g);
		}
	}
	assert_int_equal(rc, 0);
	assert_string_equal(walk(g, "app", 3), "app:0 svc:1 host1:2 comp:2");
	cmdb__relgraph_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relgraph__interns_impacting_rows_only),
		cmocka_unit_test(test_relgraph__downstream_follows_what_a_failure_hits),
		cmocka_unit_test(test_relgraph__edges_valid_in_their_interval),
		cmocka_unit_test(test_relgraph__upstream_follows_what_an_item_needs),
		cmocka_unit_test(test_relgraph__many_walks_reuse_the_marks),
		cmocka_unit_test(test_relgraph__allocation_failures_are_clean),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
