/*
 * The scan's re-merge when main moved while it ran (lib/scan/scan_remerge.c): each
 * operation whose path changed since the scan's base is decided by the ownership
 * rules against main as it is now. Real repository, real store commits.
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

#include "json_assert.h"
#include "repo_fixture.h"
#include "scan/scan_apply.h"
#include "testutil.h"

typedef tu_repo fixture;

static const char staged_web01[] = "type: host\n"
				   "name: web01\n"
				   "source: scan\n"
				   "attributes:\n"
				   "  os: {id: debian, version: \"12\"}\n"
				   "  discovered_relations:\n"
				   "    member_of: [group/web]\n"
				   "relations:\n"
				   "  member_of: [group/web]\n";

/* Run the callback for path with the staged data (NULL = a removal); *out what it decided. */
static void remerge(
	cmdb_changeset **out, fixture *f, json_t *report, const char *path, const char *data)
{
	scan_ctx s;
	char head[41];

	memset(&s, 0, sizeof(s));
	s.repo = f->repo;
	s.report = report;
	assert_int_equal(cmdb_repo_resolve(head, f->repo, NULL), 0);
	assert_int_equal(cmdb_changeset_new(out), 0);
	assert_int_equal(
		cmdb__scan_remerge(*out, path, data, data ? strlen(data) : 0, head, &s), 0);
}

/* What committing cs gives at path ("" when absent). */
static char *after_commit(fixture *f, cmdb_changeset *cs, const char *path)
{
	cmdb_commit_opts o = CMDB_COMMIT_OPTS_INIT;
	char *out = NULL;
	size_t len;

	o.message = "remerged";
	assert_int_equal(cmdb_store_commit(NULL, NULL, f->repo, cs, &o), 0);
	if (cmdb_repo_read(&out, &len, f->repo, NULL, path) < 0) {
		cmdb_error_clear();
		return strdup("");
	}
	return out;
}

static void test_scan_remerge__item_keeps_what_a_person_committed(void **state)
{
	fixture *f = *state;
	json_t *report = json_object(), *item = NULL;
	cmdb_changeset *cs = NULL;
	char *text;

	assert_int_equal(tu_commit1(f->repo, "host/web01.yaml",
				 "type: host\nname: web01\nsource: scan\nattributes:\n"
				 "  os: {id: debian, version: \"11\"}\n"
				 "annotations:\n  owner: team-web\n  ticket: OPS-7\n"
				 "relations:\n  depends_on: [application/shop]\n",
				 NULL, NULL),
		0);
	remerge(&cs, f, report, "host/web01.yaml", staged_web01);
	text = after_commit(f, cs, "host/web01.yaml");
	assert_int_equal(cmdb_yaml_parse(&item, text, strlen(text), "host/web01.yaml"), 0);
	tu_assert_json(item,
		"{\"type\":\"host\",\"name\":\"web01\",\"source\":\"scan\","
		"\"attributes\":{\"os\":{\"id\":\"debian\",\"version\":\"12\"},"
		"\"discovered_relations\":{\"member_of\":[\"group/web\"]}},"
		"\"annotations\":{\"owner\":\"team-web\",\"ticket\":\"OPS-7\"},"
		"\"relations\":{\"depends_on\":[\"application/shop\"],"
		"\"member_of\":[\"group/web\"]}}");
	tu_assert_json(json_object_get(report, "remerged"), "[\"host/web01.yaml\"]");
	json_decref(item);
	free(text);
	cmdb_changeset_free(cs);
	json_decref(report);
}

static void test_scan_remerge__removal_spares_what_is_no_longer_the_scanners(void **state)
{
	fixture *f = *state;
	json_t *report = json_object();
	cmdb_changeset *cs = NULL;

	/* A person made the service theirs (source: manual): the scan's removal does not stand. */
	assert_int_equal(tu_commit1(f->repo, "service/web01/app.yaml",
				 "type: service\nname: app\nsource: manual\n", NULL, NULL),
		0);
	remerge(&cs, f, report, "service/web01/app.yaml", NULL);
	assert_int_equal(cmdb_changeset_count(cs), 0);
	cmdb_changeset_free(cs);
	/* Still the scanner's (only annotated): removed, as it would have been anyway. */
	assert_int_equal(tu_commit1(f->repo, "service/web01/old.yaml",
				 "type: service\nname: old\nsource: scan\nannotations: {a: b}\n",
				 NULL, NULL),
		0);
	remerge(&cs, f, report, "service/web01/old.yaml", NULL);
	assert_int_equal(cmdb_changeset_count(cs), 1);
	free(after_commit(f, cs, "service/web01/old.yaml"));
	tu_assert_git(f->path, "ls-tree -r --name-only main service", "service/web01/app.yaml");
	cmdb_changeset_free(cs);
	json_decref(report);
}

static void test_scan_remerge__groups_files_and_unreadable_items(void **state)
{
	fixture *f = *state;
	json_t *report = json_object();
	cmdb_changeset *cs = NULL;

	/* A group item somebody created meanwhile is theirs. */
	assert_int_equal(tu_commit1(f->repo, "group/web.yaml",
				 "type: group\nname: web\nsource: manual\n", NULL, NULL),
		0);
	remerge(&cs, f, report, "group/web.yaml", "type: group\nname: web\nsource: scan\n");
	assert_int_equal(cmdb_changeset_count(cs), 0);
	cmdb_changeset_free(cs);
	/* Captured files are the scanner's alone. */
	assert_int_equal(tu_commit1(f->repo, "file/web01/etc/hosts", "edited\n", NULL, NULL), 0);
	remerge(&cs, f, report, "file/web01/etc/hosts", "captured\n");
	free(after_commit(f, cs, "file/web01/etc/hosts"));
	tu_assert_git(f->path, "show main:file/web01/etc/hosts", "captured");
	cmdb_changeset_free(cs);
	/* An item that no longer parses on main is left as it is, with a warning. */
	assert_int_equal(tu_commit1(f->repo, "host/web01.yaml", "type: [\n", NULL, NULL), 0);
	remerge(&cs, f, report, "host/web01.yaml", staged_web01);
	assert_int_equal(cmdb_changeset_count(cs), 0);
	assert_non_null(
		strstr(json_string_value(json_array_get(json_object_get(report, "warnings"), 0)),
			"host/web01.yaml changed on main during the scan and no longer parses"));
	cmdb_changeset_free(cs);
	json_decref(report);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_scan_remerge__item_keeps_what_a_person_committed, tu_repo_setup_bare,
			tu_repo_teardown),
		cmocka_unit_test_setup_teardown(
			test_scan_remerge__removal_spares_what_is_no_longer_the_scanners,
			tu_repo_setup_bare, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(
			test_scan_remerge__groups_files_and_unreadable_items, tu_repo_setup_bare,
			tu_repo_teardown),
	};

	setenv("GITCMDB_NO_FSYNC", "1", 1);
	if (cmdb_init() < 0)
		return 1;
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	cmdb_shutdown();
	return rc;
}
