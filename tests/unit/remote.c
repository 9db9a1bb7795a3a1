/*
 * Remotes (lib/remote/): where an SSH URL's server is (host, port, user) and which URLs
 * are refused; remotes in the git config (add, list, default, remove, bad names);
 * cmdb_store_advance's compare-and-swap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/alloc.h"
#include "util/error.h"
#include "remote/remote_int.h"
#include "json_assert.h"
#include "repo_fixture.h"

typedef struct {
	const char *url;
	int rc, ssh;
	const char *host, *user;
	int port;
} url_case;

static void test_remote__url_forms(void **state)
{
	static const url_case cases[] = {
		{"ssh://git@example.org/srv/cmdb.git", 0, 1, "example.org", "git", 22},
		{"ssh://example.org:2222/srv/cmdb.git", 0, 1, "example.org", NULL, 2222},
		{"ssh://u@[::1]:2200/r", 0, 1, "::1", "u", 2200},
		{"git+ssh://u@h/r", 0, 1, "h", "u", 22},
		{"git@example.org:cmdb.git", 0, 1, "example.org", "git", 22},
		{"example.org:srv/cmdb", 0, 1, "example.org", NULL, 22},
		{"u@[fe80::1]:r", 0, 1, "fe80::1", "u", 22},
		{"/srv/cmdb.git", 0, 0, NULL, NULL, 0},
		{"./cmdb", 0, 0, NULL, NULL, 0},
		{"file:///srv/cmdb.git", 0, 0, NULL, NULL, 0},
		{"https://example.org/cmdb.git", 0, 0, NULL, NULL, 0},
		{"dir/with:colon", 0, 0, NULL, NULL, 0},
		{"ssh://h:99999/r", CMDB_EINVALID, 0, NULL, NULL, 0},
		{"ssh://h:0/r", CMDB_EINVALID, 0, NULL, NULL, 0},
		{"ssh://h:22x/r", CMDB_EINVALID, 0, NULL, NULL, 0},
		{"ssh://h", CMDB_EINVALID, 0, NULL, NULL, 0},
		{"ssh://h/", CMDB_EINVALID, 0, NULL, NULL, 0},
		{"ssh://@h/r", CMDB_EINVALID, 0, NULL, NULL, 0},
		{"ssh:///r", CMDB_EINVALID, 0, NULL, NULL, 0},
		{"ssh://[::1/r", CMDB_EINVALID, 0, NULL, NULL, 0},
		/* characters a host or user cannot hold: libgit2 would read them otherwise */
		{"[[1]:A", CMDB_EINVALID, 0, NULL, NULL, 0},
		{"ssh://a@b@c/r", CMDB_EINVALID, 0, NULL, NULL, 0},
		{"ssh://u:secret@h/r", CMDB_EINVALID, 0, NULL, NULL, 0},
		{"ssh://h%41/r", CMDB_EINVALID, 0, NULL, NULL, 0},
		{"ssh://h\tx/r", CMDB_EINVALID, 0, NULL, NULL, 0},
		{"u@h x:r", CMDB_EINVALID, 0, NULL, NULL, 0},
		{"host:", CMDB_EINVALID, 0, NULL, NULL, 0},
		{"u@:path", CMDB_EINVALID, 0, NULL, NULL, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const url_case *c = &cases[i];
		cmdb__remote r;
		int rc;

		memset(&r, 0, sizeof(r));
		r.url = (char *)c->url;
		rc = cmdb__remote_parse_url(&r);
		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d (%s)", c->url, rc, c->rc, cmdb_error_last());
		assert_int_equal(r.ssh, c->ssh);
		if (c->host)
			assert_string_equal(r.host, c->host);
		else
			assert_null(r.host);
		if (c->user)
			assert_string_equal(r.user, c->user);
		else
			assert_null(r.user);
		if (c->rc == 0 && c->ssh)
			assert_int_equal(r.port, c->port);
		if (rc < 0)
			assert_non_null(strstr(cmdb_error_last(), c->url));
		free(r.host);
		free(r.user);
	}
}

static void test_remote__config_add_list_default_remove(void **state)
{
	tu_repo *t = *state;
	json_t *list = NULL;
	char *name = NULL;

	assert_int_equal(cmdb_remote_default(&name, t->repo), CMDB_ENOTFOUND);
	assert_non_null(strstr(cmdb_error_last(), "gitcmdb remote add"));
	assert_int_equal(cmdb_remote_add(t->repo, "zone-b", "ssh://git@h:2222/cmdb.git", "/k"), 0);
	assert_int_equal(cmdb_remote_default(&name, t->repo), 0);
	assert_string_equal(name, "zone-b");
	cmdb_free(name);
	assert_int_equal(cmdb_remote_add(t->repo, "origin", "/srv/cmdb.git", NULL), 0);
	assert_int_equal(cmdb_remote_add(t->repo, "origin", "/x", NULL), CMDB_EEXISTS);
	assert_int_equal(cmdb_remote_add(t->repo, "bad name", "/x", NULL), CMDB_EINVALID);
	assert_int_equal(cmdb_remote_add(t->repo, "x", "ssh://h:70000/r", NULL), CMDB_EINVALID);
	assert_int_equal(cmdb_remote_add(t->repo, "y", "", NULL), CMDB_EINVALID);
	assert_int_equal(cmdb_remote_add(t->repo, "z", "/a\nb", NULL), CMDB_EINVALID);
	assert_int_equal(cmdb_remote_list(&list, t->repo), 0);
	tu_assert_json(list,
		"[{\"name\": \"origin\", \"url\": \"/srv/cmdb.git\"},"
		" {\"name\": \"zone-b\", \"url\": \"ssh://git@h:2222/cmdb.git\","
		" \"identity\": \"/k\"}]");
	json_decref(list);
	tu_assert_git(t->path, "config remote.zone-b.gitcmdbIdentity", "/k");
	assert_int_equal(cmdb_remote_default(&name, t->repo), 0);
	assert_string_equal(name, "origin");
	cmdb_free(name);
	assert_int_equal(cmdb_remote_remove(t->repo, "origin"), 0);
	assert_int_equal(cmdb_remote_remove(t->repo, "origin"), CMDB_ENOTFOUND);
	assert_int_equal(cmdb_remote_add(t->repo, "other", "/o", NULL), 0);
	assert_int_equal(cmdb_remote_default(&name, t->repo), CMDB_ENOTFOUND);
	assert_non_null(strstr(cmdb_error_last(), "none is 'origin'"));
}

static void test_remote__advance_is_compare_and_swap(void **state)
{
	tu_repo *t = *state;
	char first[41], second[41], third[41];
	int changed = 0;

	assert_int_equal(cmdb_repo_resolve(first, t->repo, "main"), 0);
	assert_int_equal(tu_commit1(t->repo, "application/a.yaml",
				 "type: application\nname: a\nsource: manual\n", &changed, second),
		0);
	assert_int_equal(tu_commit1(t->repo, "application/b.yaml",
				 "type: application\nname: b\nsource: manual\n", &changed, third),
		0);
	/* main is third, not first: refused, nothing moves */
	assert_int_equal(cmdb_store_advance(t->repo, first, second, "test"), CMDB_ELOCKED);
	tu_assert_git(t->path, "rev-parse main", third);
	assert_int_equal(cmdb_store_advance(t->repo, third, second, "test"), 0);
	tu_assert_git(t->path, "rev-parse main", second);
	assert_int_equal(cmdb_store_advance(t->repo, second, "nothex", "test"), CMDB_EINVALID);
	assert_int_equal(cmdb_store_advance(t->repo, NULL, third, "test"), CMDB_ELOCKED);
	tu_assert_fsck(t->path);
}

static void test_remote__gc_packs_and_keeps_main(void **state)
{
	tu_repo *t = *state;
	cmdb_gc_opts go = CMDB_GC_OPTS_INIT;
	json_t *rep = NULL;
	size_t loose = 0;
	char oid[41];
	int changed = 0;

	assert_int_equal(tu_commit1(t->repo, "application/a.yaml",
				 "type: application\nname: a\nsource: manual\n", &changed, oid),
		0);
	assert_int_equal(cmdb_repo_loose_count(&loose, t->repo), 0);
	assert_true(loose > 0);
	go.use_git = 0;
	assert_int_equal(cmdb_repo_gc(&rep, t->repo, &go), 0);
	assert_string_equal(json_string_value(json_object_get(rep, "method")), "libgit2");
	json_decref(rep);
	assert_int_equal(cmdb_repo_loose_count(&loose, t->repo), 0);
	assert_int_equal(loose, 0);
	tu_assert_git(t->path, "rev-parse main", oid);
	tu_assert_fsck(t->path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remote__url_forms),
		cmocka_unit_test_setup_teardown(test_remote__config_add_list_default_remove,
			tu_repo_setup_bare, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(test_remote__advance_is_compare_and_swap,
			tu_repo_setup_worktree, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(
			test_remote__gc_packs_and_keeps_main, tu_repo_setup_bare, tu_repo_teardown),
	};
	if (cmdb_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
