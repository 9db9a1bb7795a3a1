/* Records: the life-cycle tables, record ids and their allocation (lib/records/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gitcmdb/gitcmdb.h"
#include "repo_fixture.h"

/* "a,b,c" of a NULL-terminated list ("" for an empty one, "NULL" for none). */
static const char *joined(const char *const *list)
{
	static char buf[200];
	size_t o = 0;

	if (!list)
		return "NULL";
	buf[0] = '\0';
	for (size_t i = 0; list[i]; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? "," : "", list[i]);
	return buf;
}

static void test_records__change_transitions(void **state)
{
	(void)state;
	assert_string_equal(joined(cmdb_record_next_statuses(CMDB_RECORD_CHANGE, "requested", 0)),
		"approved,rejected,cancelled");
	assert_string_equal(joined(cmdb_record_next_statuses(CMDB_RECORD_CHANGE, "requested", 1)),
		"approved,implemented,rejected,cancelled");
	assert_string_equal(joined(cmdb_record_next_statuses(CMDB_RECORD_CHANGE, "approved", 1)),
		"implemented,cancelled");
	assert_string_equal(
		joined(cmdb_record_next_statuses(CMDB_RECORD_CHANGE, "implemented", 0)), "closed");
	for (const char *const *f = (const char *const[]){"rejected", "closed", "cancelled", NULL};
		*f; f++)
		assert_string_equal(
			joined(cmdb_record_next_statuses(CMDB_RECORD_CHANGE, *f, 1)), "");
	assert_string_equal(
		joined(cmdb_record_next_statuses(CMDB_RECORD_CHANGE, "done", 0)), "NULL");
	assert_string_equal(joined(cmdb_record_next_statuses(CMDB_RECORD_CHANGE, NULL, 0)), "NULL");
	assert_string_equal(
		joined(cmdb_record_next_statuses((cmdb_record_kind)9, "open", 0)), "NULL");

	assert_int_equal(cmdb_record_check_transition(
				 CMDB_RECORD_CHANGE, "CHG-0001", "requested", "approved", 0),
		0);
	assert_int_equal(cmdb_record_check_transition(
				 CMDB_RECORD_CHANGE, "CHG-0001", "requested", "closed", 0),
		CMDB_EINVALID);
	assert_string_equal(cmdb_error_last(),
		"change CHG-0001 is requested: it can become approved, rejected or cancelled, not "
		"closed");
	assert_int_equal(cmdb_record_check_transition(
				 CMDB_RECORD_CHANGE, "CHG-0001", "requested", "implemented", 0),
		CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "only an emergency change"));
	assert_int_equal(cmdb_record_check_transition(
				 CMDB_RECORD_CHANGE, "CHG-0001", "requested", "implemented", 1),
		0);
	assert_int_equal(cmdb_record_check_transition(
				 CMDB_RECORD_CHANGE, "CHG-0001", "closed", "approved", 0),
		CMDB_EINVALID);
	assert_string_equal(cmdb_error_last(),
		"change CHG-0001 is closed, a final status: it cannot become approved");
	assert_int_equal(cmdb_record_check_transition(
				 CMDB_RECORD_CHANGE, "CHG-0001", "aproved", "closed", 0),
		CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "status 'aproved' is not a change status"));
}

static void test_records__incident_and_problem_transitions(void **state)
{
	(void)state;
	assert_string_equal(joined(cmdb_record_next_statuses(CMDB_RECORD_INCIDENT, "open", 0)),
		"investigating,resolved");
	assert_string_equal(
		joined(cmdb_record_next_statuses(CMDB_RECORD_INCIDENT, "investigating", 0)),
		"resolved");
	assert_string_equal(
		joined(cmdb_record_next_statuses(CMDB_RECORD_INCIDENT, "resolved", 1)), "closed");
	assert_string_equal(
		joined(cmdb_record_next_statuses(CMDB_RECORD_INCIDENT, "closed", 0)), "");
	assert_int_equal(
		cmdb_record_check_transition(CMDB_RECORD_INCIDENT, "INC-0001", "open", "closed", 0),
		CMDB_EINVALID);
	assert_string_equal(cmdb_error_last(),
		"incident INC-0001 is open: it can become investigating or resolved, not closed");
	assert_string_equal(joined(cmdb_record_next_statuses(CMDB_RECORD_PROBLEM, "open", 0)),
		"known_error,resolved,closed");
	assert_string_equal(
		joined(cmdb_record_next_statuses(CMDB_RECORD_PROBLEM, "known_error", 0)),
		"resolved,closed");
	assert_string_equal(joined(cmdb_record_next_statuses(CMDB_RECORD_PROBLEM, "resolved", 0)),
		"open,closed");
	assert_string_equal(
		joined(cmdb_record_next_statuses(CMDB_RECORD_PROBLEM, "closed", 0)), "");
}

static void test_records__ids(void **state)
{
	json_t *paths = json_pack("[s, s, s, s, s, s, s, s, s]", "change/CHG-0001.yaml",
		"change/CHG-0009.yaml", "change/CHG-1.yaml", "change/CHG-0012.txt",
		"change/chg-9999.yaml", "change/notes/CHG-0500.yaml", "incident/INC-9000.yaml",
		"change/CHG-99999999999999999999.yaml", "changes/CHG-7777.yaml");
	json_t *none = json_array();
	char *id = NULL;
	cmdb_record_kind kind = CMDB_RECORD_PROBLEM;

	(void)state;
	assert_int_equal(cmdb_record_next_number(CMDB_RECORD_CHANGE, paths), 10);
	assert_int_equal(cmdb_record_next_number(CMDB_RECORD_INCIDENT, paths), 9001);
	assert_int_equal(cmdb_record_next_number(CMDB_RECORD_PROBLEM, paths), 1);
	assert_int_equal(cmdb_record_next_number(CMDB_RECORD_CHANGE, none), 1);
	assert_int_equal(cmdb_record_id_format(&id, CMDB_RECORD_CHANGE, 7), 0);
	assert_string_equal(id, "CHG-0007");
	cmdb_free(id);
	assert_int_equal(cmdb_record_id_format(&id, CMDB_RECORD_PROBLEM, 12345), 0);
	assert_string_equal(id, "PRB-12345");
	assert_true(cmdb_record_id_valid(CMDB_RECORD_PROBLEM, id));
	cmdb_free(id);
	assert_int_equal(cmdb_record_id_resolve(&id, &kind, "incident/INC-0042"), 0);
	assert_string_equal(id, "INC-0042");
	assert_int_equal(kind, CMDB_RECORD_INCIDENT);
	cmdb_free(id);
	id = NULL;
	assert_int_equal(cmdb_record_id_resolve(&id, &kind, "change/INC-0042"), CMDB_EINVALID);
	assert_int_equal(cmdb_record_id_resolve(&id, &kind, "CHG-42"), CMDB_EINVALID);
	assert_int_equal(cmdb_record_id_resolve(&id, &kind, "x/change/CHG-0042"), CMDB_EINVALID);
	assert_null(id);
	json_decref(paths);
	json_decref(none);
}

/* Allocation: one past the largest id on main, whatever was committed by other means. */
static void test_records__allocation(void **state)
{
	tu_repo *r = *state;
	const char *affects[] = {"host/web01"};
	cmdb_change_spec s;
	char *id = NULL, commit[41];

	memset(&s, 0, sizeof(s));
	s.summary = "x";
	s.window_start = "2026-11-28T22:00Z";
	s.window_end = "2026-11-28T23:00Z";
	s.affects.v = affects;
	s.affects.n = 1;
	assert_int_equal(cmdb_change_new(&id, commit, r->repo, &s), CMDB_ENOTFOUND);
	assert_null(id);
	assert_int_equal(
		tu_commit1(r->repo, "host/web01.yaml", "type: host\nname: web01\n", NULL, NULL), 0);
	assert_int_equal(cmdb_change_new(&id, commit, r->repo, &s), 0);
	assert_string_equal(id, "CHG-0001");
	tu_assert_git(r->path, "log -1 --format=%s main", "change CHG-0001: new, requested: x");
	cmdb_free(id);
	assert_int_equal(tu_commit1(r->repo, "change/CHG-0041.yaml",
				 "type: change\nname: CHG-0041\nattributes: {summary: y, status: "
				 "requested}\n",
				 NULL, NULL),
		0);
	assert_int_equal(cmdb_change_new(&id, commit, r->repo, &s), 0);
	assert_string_equal(id, "CHG-0042");
	cmdb_free(id);
	s.window_end = "2026-11-28T21:00Z";
	id = NULL;
	assert_int_equal(cmdb_change_new(&id, commit, r->repo, &s), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "new change: attributes.window.end"));
	assert_null(id);
	tu_assert_git(r->path, "ls-tree --name-only main change/",
		"change/CHG-0001.yaml\nchange/CHG-0041.yaml\nchange/CHG-0042.yaml");
	tu_assert_fsck(r->path);
}

/* Many records in one commit (lib/records/batch.c, for gitcmdb import). */
static void test_records__batch(void **state)
{
	tu_repo *r = *state;
	cmdb_record_batch *b = NULL;
	json_t *attrs = json_pack("{s:s, s:s, s:s}", "summary", "x", "status", "requested",
		       "external_ref", "EXT1"),
	       *rels = json_pack("{s:[s]}", "affects", "host/web01"),
	       *bad = json_pack("{s:s}", "status", "pending"),
	       *nosuch = json_pack("{s:[s]}", "affects", "host/nosuch");
	char *id = NULL, oid[41], *head;

	assert_int_equal(
		tu_commit1(r->repo, "host/web01.yaml", "type: host\nname: web01\n", NULL, NULL), 0);
	assert_int_equal(cmdb_record_batch_new(&b, r->repo, CMDB_RECORD_CHANGE), 0);
	assert_int_equal(cmdb_record_batch_put(&id, b, NULL, attrs, rels, "import"), 0);
	assert_string_equal(id, "CHG-0001");
	cmdb_free(id);
	assert_int_equal(cmdb_record_batch_put(&id, b, NULL, attrs, rels, "import"), 0);
	assert_string_equal(id, "CHG-0002");
	cmdb_free(id);
	/* a record failing its schema or naming a missing item: said, the batch unchanged */
	assert_int_equal(cmdb_record_batch_put(&id, b, NULL, bad, rels, NULL), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "change CHG-0003: "));
	assert_null(id);
	assert_int_equal(cmdb_record_batch_put(&id, b, NULL, attrs, nosuch, NULL), CMDB_ENOTFOUND);
	assert_non_null(strstr(cmdb_error_last(), "no item 'host/nosuch' on main"));
	assert_int_equal(cmdb_record_batch_count(b), 2);
	assert_int_equal(cmdb_record_batch_commit(oid, b, "import: two"), 0);
	cmdb_record_batch_free(b);
	tu_assert_git(r->path, "log -1 --format=%s main", "import: two");
	tu_assert_git(r->path, "ls-tree --name-only main change/",
		"change/CHG-0001.yaml\nchange/CHG-0002.yaml");
	tu_assert_git(r->path, "show main:change/CHG-0001.yaml",
		"type: change\nname: CHG-0001\nsource: import\nattributes:\n  external_ref: "
		"EXT1\n  status: requested\n  summary: x\nrelations:\n  affects:\n    - "
		"host/web01");
	/* the same again: unchanged; another summary: an update; then main moves under it */
	assert_int_equal(cmdb_record_batch_new(&b, r->repo, CMDB_RECORD_CHANGE), 0);
	assert_int_equal(cmdb_record_batch_put(NULL, b, "CHG-0001", attrs, rels, "import"), 1);
	json_object_set_new(attrs, "summary", json_string("yy"));
	json_object_set_new(attrs, "external_ref", json_null());
	assert_int_equal(cmdb_record_batch_put(NULL, b, "CHG-0001", attrs, rels, "import"), 0);
	assert_int_equal(cmdb_record_batch_count(b), 1);
	head = tu_git_out(r->path, "rev-parse main");
	assert_int_equal(tu_commit1(r->repo, "change/CHG-0001.yaml",
				 "type: change\nname: CHG-0001\nattributes: {summary: z, status: "
				 "requested}\n",
				 NULL, NULL),
		0);
	free(head);
	head = tu_git_out(r->path, "rev-parse main");
	assert_int_equal(cmdb_record_batch_commit(oid, b, "import: lost"), CMDB_ELOCKED);
	tu_assert_git(r->path, "rev-parse main", head);
	cmdb_record_batch_free(b);
	/* main moving elsewhere does not matter */
	assert_int_equal(cmdb_record_batch_new(&b, r->repo, CMDB_RECORD_CHANGE), 0);
	assert_int_equal(cmdb_record_batch_put(NULL, b, "CHG-0002", attrs, rels, "import"), 0);
	assert_int_equal(
		tu_commit1(r->repo, "host/db01.yaml", "type: host\nname: db01\n", NULL, NULL), 0);
	assert_int_equal(cmdb_record_batch_commit(oid, b, "import: one"), 0);
	cmdb_record_batch_free(b);
	tu_assert_git(r->path, "show main:change/CHG-0002.yaml",
		"type: change\nname: CHG-0002\nsource: import\nattributes:\n  status: "
		"requested\n  summary: yy\nrelations:\n  affects:\n    - host/web01");
	tu_assert_fsck(r->path);
	free(head);
	json_decref(attrs);
	json_decref(rels);
	json_decref(bad);
	json_decref(nosuch);
}

/* A batch of incidents lists them in a problem of another kind (cmdb_record_batch_link). */
static void test_records__batch_link(void **state)
{
	tu_repo *r = *state;
	cmdb_record_batch *b = NULL;
	json_t *attrs = json_pack("{s:s, s:s, s:s, s:s}", "summary", "x", "status", "open",
		"severity", "low", "opened", "2026-02-10T09:00:00Z");
	char *id = NULL, oid[41];

	assert_int_equal(tu_commit1(r->repo, "problem/PRB-0001.yaml",
				 "type: problem\nname: PRB-0001\nattributes: {summary: p, status: "
				 "open}\n",
				 NULL, NULL),
		0);
	assert_int_equal(cmdb_record_batch_new(&b, r->repo, CMDB_RECORD_INCIDENT), 0);
	assert_int_equal(cmdb_record_batch_put(&id, b, NULL, attrs, NULL, "import"), 0);
	assert_string_equal(id, "INC-0001");
	/* the new incident counts as existing; a second link to it changes nothing */
	assert_int_equal(
		cmdb_record_batch_link(b, CMDB_RECORD_PROBLEM, "PRB-0001", "incidents", id), 0);
	assert_int_equal(
		cmdb_record_batch_link(b, CMDB_RECORD_PROBLEM, "PRB-0001", "incidents", id), 1);
	/* no such problem, no such incident, a bad id: said, the batch unchanged */
	assert_int_equal(
		cmdb_record_batch_link(b, CMDB_RECORD_PROBLEM, "PRB-0009", "incidents", id),
		CMDB_ENOTFOUND);
	assert_non_null(strstr(cmdb_error_last(), "no problem PRB-0009 on main"));
	assert_int_equal(
		cmdb_record_batch_link(b, CMDB_RECORD_PROBLEM, "PRB-0001", "incidents", "INC-0007"),
		CMDB_ENOTFOUND);
	assert_non_null(strstr(cmdb_error_last(), "no item 'incident/INC-0007' on main"));
	assert_int_equal(
		cmdb_record_batch_link(b, CMDB_RECORD_PROBLEM, "PRB-0001", "incidents", "../x"),
		CMDB_EINVALID);
	assert_int_equal(cmdb_record_batch_count(b), 2);
	assert_int_equal(cmdb_record_batch_commit(oid, b, "import: linked"), 0);
	cmdb_record_batch_free(b);
	tu_assert_git(r->path, "show main:problem/PRB-0001.yaml",
		"type: problem\nname: PRB-0001\nattributes:\n  status: open\n  summary: p\n"
		"relations:\n  incidents:\n    - incident/INC-0001");
	tu_assert_fsck(r->path);
	cmdb_free(id);
	json_decref(attrs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records__change_transitions),
		cmocka_unit_test(test_records__incident_and_problem_transitions),
		cmocka_unit_test(test_records__ids),
		cmocka_unit_test_setup_teardown(
			test_records__allocation, tu_repo_setup_bare, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(
			test_records__batch, tu_repo_setup_bare, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(
			test_records__batch_link, tu_repo_setup_bare, tu_repo_teardown),
	};

	cmdb_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
