/*
 * The index's item queries (lib/index/item_at.c, item_history.c): what `show` and
 * `history` print, on a history whose answers are stated here, and that no answer
 * is ever made from part of the rows: a read interrupted at any step fails.
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
#include "gitcmdb/index.h"

#include "repo_fixture.h"
#include "testutil.h"

/*
 * On a repository from cmdb_repo_init (seq 1): day 1 (seq 2) creates host/web01
 * (openssl 3.0.11, cpus 2, member_of group/web), 2 creates host/db01, 3 upgrades
 * openssl to 3.0.13 with cpus 4 (Change: CHG-0042), 4 deletes db01, 5 (seq 6) adds
 * change/CHG-0042 affecting web01 and a relation web01 runs_on host/db01.
 */
static const char story[] =
	"set -e; cd '%s'; mkdir -p host change\n"
	"c() { git add -A; GIT_COMMITTER_DATE=2026-01-0$1T10:00:00Z "
	"GIT_AUTHOR_DATE=2026-01-0$1T10:00:00Z git -c user.name=tester "
	"-c user.email=t@example.invalid commit -q -m \"$2\"; }\n"
	"web() { printf 'type: host\\nname: web01\\nattributes:\\n  cpus: %%s\\n  packages:\\n"
	"    openssl: {version: %%s}\\nrelations:\\n  member_of: [group/web]\\n%%b' \"$1\" "
	"\"$2\" \"$3\" >host/web01.yaml; }\n"
	"web 2 3.0.11 ''; c 1 'scan: web01'\n"
	"printf 'type: host\\nname: db01\\n' >host/db01.yaml; c 2 'scan: db01'\n"
	"web 4 3.0.13 ''; c 3 \"$(printf 'patch openssl\\n\\nChange: CHG-0042')\"\n"
	"git rm -q host/db01.yaml; c 4 'retire db01'\n"
	"printf 'type: change\\nname: CHG-0042\\nrelations:\\n  affects: [host/web01]\\n' "
	">change/CHG-0042.yaml\n"
	"web 4 3.0.13 '  runs_on: [host/db01]\\n'; c 5 'record CHG-0042'\n";

static int setup(void **state)
{
	tu_repo *f;

	tu_repo_setup_worktree(state);
	f = *state;
	assert_int_equal(tu_sh(NULL, story, f->path), 0);
	return 0;
}

/* The index of the story, caught up (the caller frees it). */
static cmdb_index *open_index(tu_repo *f)
{
	cmdb_index *idx = NULL;

	if (cmdb_index_open(&idx, f->repo, NULL, CMDB_INDEX_REFRESH) < 0)
		fail_msg("index: %s", cmdb_error_last());
	return idx;
}

/* v as compact JSON with sorted keys (the caller frees). */
static char *dumps(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

	assert_non_null(s);
	return s;
}

#define assert_json(v, want)                                                                       \
	do {                                                                                       \
		char *got_ = dumps(v);                                                             \
		assert_string_equal(got_, want);                                                   \
		free(got_);                                                                        \
	} while (0)

static void test_index_item__at(void **state)
{
	tu_repo *f = *state;
	cmdb_index *idx = open_index(f);
	json_t *v = NULL;

	assert_int_equal(cmdb_index_item_at(&v, idx, "host/web01", "2026-01-02T12:00:00Z"), 0);
	assert_int_equal(json_integer_value(json_object_get(v, "seq")), 3);
	assert_json(json_object_get(v, "item"),
		"{\"attributes\":{\"cpus\":2,\"packages\":{\"openssl\":{\"version\":\"3.0.11\"}}},"
		"\"name\":\"web01\",\"relations\":{\"member_of\":[\"group/"
		"web\"]},\"type\":\"host\"}");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(v, "commit"), "time")),
		"2026-01-01T10:00:00Z");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(v, "commit"), "summary")),
		"scan: web01");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(v, "commit"), "author")),
		"tester");
	assert_int_equal(strlen(json_string_value(json_object_get(v, "blob"))), 40);
	json_decref(v);
	/* NULL = the indexed head */
	assert_int_equal(cmdb_index_item_at(&v, idx, "host/web01", NULL), 0);
	assert_int_equal(json_integer_value(json_object_get(v, "seq")), 6);
	json_decref(v);
	cmdb_index_free(idx);
}

static void test_index_item__absent_unknown_malformed(void **state)
{
	tu_repo *f = *state;
	cmdb_index *idx = open_index(f);
	json_t *v = NULL;

	assert_int_equal(cmdb_index_item_at(&v, idx, "host/db01", NULL), CMDB_ENOTFOUND);
	assert_null(v);
	assert_non_null(strstr(
		cmdb_error_last(), "host/db01 did not exist at HEAD: it was deleted in commit"));
	assert_non_null(strstr(cmdb_error_last(), "(2026-01-04T10:00:00Z)"));
	assert_int_equal(
		cmdb_index_item_at(&v, idx, "host/db01", "2026-01-01T12:00:00Z"), CMDB_ENOTFOUND);
	assert_non_null(strstr(cmdb_error_last(),
		"did not exist yet at 2026-01-01T12:00:00Z: it was created later, in commit"));
	assert_int_equal(cmdb_index_item_at(&v, idx, "host/web1", NULL), CMDB_ENOTFOUND);
	assert_non_null(strstr(cmdb_error_last(), "did you mean host/web01"));
	assert_int_equal(cmdb_index_item_at(&v, idx, "host/web01", "2026-13-01"), CMDB_EINVALID);
	assert_int_equal(cmdb_index_item_at(&v, idx, "host/web01", "2025-12-31"), CMDB_ENOTFOUND);
	assert_non_null(strstr(cmdb_error_last(), "before the first commit"));
	assert_int_equal(cmdb_index_item_history(&v, idx, "host/nope", NULL), CMDB_ENOTFOUND);
	assert_null(v);
	cmdb_index_free(idx);
}

static void test_index_item__history(void **state)
{
	tu_repo *f = *state;
	cmdb_index *idx = open_index(f);
	json_t *h = NULL, *vs;

	assert_int_equal(cmdb_index_item_history(&h, idx, "host/web01", NULL), 0);
	assert_json(json_object_get(h, "change_records"), "[\"change/CHG-0042\"]");
	assert_true(json_is_null(json_object_get(h, "path")));
	vs = json_object_get(h, "versions");
	assert_int_equal(json_array_size(vs), 3);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(vs, 0), "kind")), "created");
	/* typed values: an int stays an int, a version a string */
	assert_json(json_object_get(json_array_get(vs, 1), "changes"),
		"[{\"new\":4,\"old\":2,\"op\":\"changed\",\"path\":\"attributes.cpus\"},"
		"{\"new\":\"3.0.13\",\"old\":\"3.0.11\",\"op\":\"changed\","
		"\"path\":\"attributes.packages.openssl.version\"}]");
	assert_json(json_object_get(json_array_get(vs, 1), "change_ids"), "[\"CHG-0042\"]");
	assert_string_equal(json_string_value(json_object_get(json_array_get(vs, 1), "time")),
		"2026-01-03T10:00:00Z");
	assert_json(json_object_get(json_array_get(vs, 2), "changes"),
		"[{\"new\":\"host/db01\",\"old\":null,\"op\":\"added\","
		"\"path\":\"relations.runs_on\"}]");
	json_decref(h);

	/* --path: only changes at or below it; versions without any left out */
	assert_int_equal(cmdb_index_item_history(&h, idx, "host/web01", "attributes.cpus"), 0);
	assert_string_equal(json_string_value(json_object_get(h, "path")), "attributes.cpus");
	vs = json_object_get(h, "versions");
	assert_int_equal(json_array_size(vs), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(vs, 1), "seq")), 4);
	json_decref(h);
	assert_int_equal(cmdb_index_item_history(&h, idx, "host/web01", "relations"), 0);
	assert_int_equal(json_array_size(json_object_get(h, "versions")), 2);
	json_decref(h);

	assert_int_equal(cmdb_index_item_history(&h, idx, "host/db01", NULL), 0);
	vs = json_object_get(h, "versions");
	assert_int_equal(json_array_size(vs), 2);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(vs, 1), "kind")), "deleted");
	json_decref(h);

	assert_int_equal(cmdb_index_item_records(&h, idx, "host/db01"), 0);
	assert_json(h, "[]");
	json_decref(h);
	cmdb_index_free(idx);
}

/* Interrupt SQLite after `left` progress callbacks (each 1 VM step): SQLITE_INTERRUPT. */
static int interrupt_after(void *p)
{
	int *left = p;

	return --*left < 0;
}

typedef int (*query_fn)(json_t **out, cmdb_index *idx, void *arg);

static int q_history(json_t **out, cmdb_index *idx, void *arg)
{
	return cmdb_index_item_history(out, idx, arg, NULL);
}

static int q_at(json_t **out, cmdb_index *idx, void *arg)
{
	return cmdb_index_item_at(out, idx, arg, "main~3");
}

static int q_absent(json_t **out, cmdb_index *idx, void *arg)
{
	int rc = cmdb_index_item_at(out, idx, arg, NULL);

	/* the answer is the explanation: a complete one names the deleting commit */
	if (rc == CMDB_ENOTFOUND && strstr(cmdb_error_last(), "deleted in commit"))
		return (*out = json_string(cmdb_error_last())) ? 0 : CMDB_ERROR;
	return rc < 0 ? rc : CMDB_ERROR;
}

/*
 * The read fails at step k of SQLite's VM, for every k until it completes: each run
 * either fails (nothing returned) or gives exactly the full answer. Before the item
 * queries moved into the library, `history` stopped at the first failed step and
 * printed what it had, exit 0.
 */
static void sweep(cmdb_index *idx, query_fn fn, void *arg)
{
	sqlite3 *db = cmdb_index_db(idx);
	json_t *full = NULL, *got = NULL;
	char *want, *have;
	int k, left, rc;

	assert_int_equal(fn(&full, idx, arg), 0);
	want = dumps(full);
	for (k = 0;; k++) {
		left = k;
		sqlite3_progress_handler(db, 1, interrupt_after, &left);
		rc = fn(&got, idx, arg);
		sqlite3_progress_handler(db, 0, NULL, NULL);
		if (rc == 0)
			break;
		assert_true(rc < 0);
		assert_null(got);
		assert_non_null(strstr(cmdb_error_last(), "interrupted"));
		assert_int_equal(cmdb_index_damaged(idx), 0);
	}
	assert_true(k > 20); /* the sweep went through the loops, not only a first step */
	have = dumps(got);
	assert_string_equal(have, want);
	free(want);
	free(have);
	json_decref(full);
	json_decref(got);
}

static void test_index_item__interrupted_at_every_step(void **state)
{
	tu_repo *f = *state;
	cmdb_index *idx = open_index(f);

	sweep(idx, q_history, "host/web01");
	sweep(idx, q_at, "host/web01");
	sweep(idx, q_absent, "host/db01");
	cmdb_index_free(idx);
}

/* A damaged page met by a read fails it and marks the index damaged for repair. */
static void test_index_item__damage(void **state)
{
	tu_repo *f = *state;
	cmdb_index *idx = open_index(f);
	json_t *h = NULL;
	char *db = strdup(cmdb_index_path(idx));

	cmdb_index_free(idx);
	assert_int_equal(tu_damage_table_root(db, "attrs"), 0);
	idx = open_index(f);
	assert_int_equal(cmdb_index_damaged(idx), 0);
	assert_true(cmdb_index_item_history(&h, idx, "host/web01", NULL) < 0);
	assert_null(h);
	assert_non_null(strstr(cmdb_error_last(), "the index file is damaged"));
	assert_int_equal(cmdb_index_damaged(idx), 1);
	assert_int_equal(cmdb_index_repair(idx), 0);
	assert_int_equal(cmdb_index_item_history(&h, idx, "host/web01", NULL), 0);
	assert_int_equal(json_array_size(json_object_get(h, "versions")), 3);
	json_decref(h);
	cmdb_index_free(idx);
	free(db);
}

static void test_index_item__count(void **state)
{
	tu_repo *f = *state;
	cmdb_index *idx = open_index(f);
	cmdb_index_counts n;

	assert_int_equal(cmdb_index_count(&n, idx), 0);
	assert_int_equal(n.commits, 6);
	assert_int_equal(n.items, 2); /* web01 and the change; db01 was deleted */
	assert_int_equal(n.items_ever, 3);
	assert_int_equal(n.relations, 3); /* member_of, runs_on, affects */
	assert_true(n.attr_rows >= 5);
	cmdb_index_free(idx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_index_item__at, setup, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(
			test_index_item__absent_unknown_malformed, setup, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(test_index_item__history, setup, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(
			test_index_item__interrupted_at_every_step, setup, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(test_index_item__damage, setup, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(test_index_item__count, setup, tu_repo_teardown),
	};

	cmdb_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
