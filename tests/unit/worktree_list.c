/*
 * The work tree's managed files (lib/store/worktree_list.c): one set of skip rules for
 * validate, fmt and commit, and no symbolic link ever followed or read.
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

#include "repo_fixture.h"
#include "testutil.h"

/* The listing as "path kind[ link]" lines. */
static char *listed(cmdb_repo *repo, const char *under)
{
	json_t *files = NULL, *f;
	char *out = NULL;
	size_t len = 0, i;
	FILE *m = open_memstream(&out, &len);

	if (cmdb_repo_worktree_list(&files, repo, under) < 0)
		fail_msg("list: %s", cmdb_error_last());
	json_array_foreach(files, i, f)
		fprintf(m, "%s %s%s\n", json_string_value(json_object_get(f, "path")),
			json_string_value(json_object_get(f, "kind")),
			json_is_true(json_object_get(f, "link")) ? " link" : "");
	fclose(m);
	json_decref(files);
	return out;
}

static void test_worktree_list__skip_rules_and_links(void **state)
{
	tu_repo *f = *state;
	char *got;

	assert_int_equal(
		tu_sh(NULL,
			"set -e; cd '%s'; mkdir -p host/sub service/web01 file/web01 "
			"schemas/old .hidden host/.cache outside/d; "
			"touch host/web01.yaml host/notes.txt host/sub/x.yaml "
			"service/web01/nginx.yaml file/web01/app.yaml schemas/host.yaml "
			"schemas/README schemas/old/x.yaml .hidden/x.yaml host/.cache/y.yaml "
			"top.yaml README.md known_hosts outside/d/z.yaml; "
			"ln -s ../outside/d/z.yaml host/link.yaml; ln -s ../outside/d "
			"host/dirlink; "
			"ln -s outside/d service2; mkfifo host/fifo.yaml",
			f->path),
		0);
	got = listed(f->repo, "");
	assert_string_equal(got,
		"gitcmdb.yaml settings\n"
		"host/.cache/y.yaml item\n" /* item candidates: validate reports them */
		"host/dirlink item link\n"
		"host/link.yaml item link\n"
		"host/notes.txt item\n"
		"host/sub/x.yaml item\n"
		"host/web01.yaml item\n"
		"inventory.yaml settings\n"
		"known_hosts settings\n"
		"outside/d/z.yaml item\n"
		"schemas/host.yaml schema\n"
		"service/web01/nginx.yaml item\n"
		"top.yaml item\n");
	free(got);
	got = listed(f->repo, "host/sub");
	assert_string_equal(got, "host/sub/x.yaml item\n");
	free(got);
	got = listed(f->repo, "file");
	assert_string_equal(got, "");
	free(got);
	/* under reached through a link, or outside the tree */
	assert_int_equal(
		cmdb_repo_worktree_list(&(json_t *){NULL}, f->repo, "host/dirlink"), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "host/dirlink is a symbolic link"));
	assert_int_equal(
		cmdb_repo_worktree_list(&(json_t *){NULL}, f->repo, "../x"), CMDB_EINVALID);
}

static void test_worktree_list__read(void **state)
{
	tu_repo *f = *state;
	char *data = NULL;
	size_t len = 0;

	assert_int_equal(tu_sh(NULL,
				 "set -e; cd '%s'; mkdir -p host d; printf 'type: host\\n' "
				 ">host/a.yaml; printf 'x' >d/real.yaml; ln -s ../d/real.yaml "
				 "host/l.yaml; ln -s d linked",
				 f->path),
		0);
	assert_int_equal(cmdb_repo_worktree_read(&data, &len, f->repo, "host/a.yaml", 100), 0);
	assert_string_equal(data, "type: host\n");
	cmdb_free(data);
	data = NULL;
	assert_int_equal(
		cmdb_repo_worktree_read(&data, &len, f->repo, "host/l.yaml", 100), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "host/l.yaml is a symbolic link"));
	assert_int_equal(cmdb_repo_worktree_read(&data, &len, f->repo, "linked/real.yaml", 100),
		CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "linked is a symbolic link, not a directory"));
	assert_int_equal(
		cmdb_repo_worktree_read(&data, &len, f->repo, "host/a.yaml", 5), CMDB_ETOOBIG);
	assert_int_equal(
		cmdb_repo_worktree_read(&data, &len, f->repo, "host/none.yaml", 5), CMDB_ENOTFOUND);
	assert_null(data);
}

static void test_worktree_list__bare(void **state)
{
	tu_repo *f = *state;
	json_t *files = NULL;

	assert_int_equal(cmdb_repo_worktree_list(&files, f->repo, ""), CMDB_EINVALID);
	assert_null(files);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_worktree_list__skip_rules_and_links,
			tu_repo_setup_worktree, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(
			test_worktree_list__read, tu_repo_setup_worktree, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(
			test_worktree_list__bare, tu_repo_setup_bare, tu_repo_teardown),
	};

	cmdb_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
