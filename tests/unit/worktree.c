/*
 * Commits into a repository with a work tree: files and index follow main,
 * uncommitted edits refuse the commit, an interrupted sync is finished by the next
 * commit; settings, work-tree changes and the user. Checked with the git CLI.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gitcmdb/gitcmdb.h"

#include "util/alloc.h"
#include "repo_fixture.h"
#include "testutil.h"

typedef tu_repo fixture;

static void test_worktree__follows_commits(void **state)
{
	fixture *f = *state;
	char *p;

	assert_int_equal(tu_commit1(f->repo, "service/web01/nginx.yaml", "v1\n", NULL, NULL), 0);
	assert_int_equal(asprintf(&p, "%s/service/web01/nginx.yaml", f->path) > 0, 1);
	char *text = tu_read_file(p, NULL);
	assert_string_equal(text, "v1\n");
	free(text);
	tu_assert_git(f->path, "status --porcelain", "");
	assert_int_equal(tu_commit1(f->repo, "service/web01/nginx.yaml", "v2\n", NULL, NULL), 0);
	text = tu_read_file(p, NULL);
	assert_string_equal(text, "v2\n");
	free(text);
	tu_assert_git(f->path, "status --porcelain", "");
	assert_int_equal(tu_commit1(f->repo, "service/web01/nginx.yaml", NULL, NULL, NULL), 0);
	assert_int_equal(tu_sh(NULL, "test ! -e '%s/service'", f->path), 0);
	tu_assert_git(f->path, "status --porcelain", "");
	free(p);
	tu_assert_fsck(f->path);
}

static void test_worktree__dirty_file_refuses_commit(void **state)
{
	fixture *f = *state;
	char *p, *before, *after, *text;
	int changed = -1;

	assert_int_equal(tu_commit1(f->repo, "host/web01.yaml", "v1\n", NULL, NULL), 0);
	assert_int_equal(asprintf(&p, "%s/host/web01.yaml", f->path) > 0, 1);
	assert_int_equal(tu_write_file(p, "# my note\nv1\n", 13), 0);
	before = tu_git_out(f->path, "rev-parse main");
	assert_int_equal(
		tu_commit1(f->repo, "host/web01.yaml", "v2\n", &changed, NULL), CMDB_EDIRTY);
	assert_non_null(strstr(cmdb_error_last(), "host/web01.yaml"));
	after = tu_git_out(f->path, "rev-parse main");
	assert_string_equal(before, after);
	text = tu_read_file(p, NULL);
	assert_string_equal(text, "# my note\nv1\n");
	free(text);
	/* Other paths still commit; and committing the person's bytes is accepted. */
	assert_int_equal(tu_commit1(f->repo, "host/web02.yaml", "w\n", NULL, NULL), 0);
	assert_int_equal(tu_commit1(f->repo, "host/web01.yaml", "# my note\nv1\n", NULL, NULL), 0);
	tu_assert_git(f->path, "status --porcelain", "");
	/* A staged edit is an edit too. */
	assert_int_equal(tu_write_file(p, "staged\n", 7), 0);
	free(tu_git_out(f->path, "add host/web01.yaml"));
	assert_int_equal(tu_write_file(p, "# my note\nv1\n", 13), 0);
	assert_int_equal(tu_commit1(f->repo, "host/web01.yaml", "v3\n", NULL, NULL), CMDB_EDIRTY);
	assert_non_null(strstr(cmdb_error_last(), "index"));
	free(before);
	free(after);
	free(p);
}

/*
 * A writer killed after moving main but before syncing the work tree leaves the
 * sync-pending journal; the next commit finishes the sync, sparing edited paths.
 */
static void test_worktree__next_commit_finishes_interrupted_sync(void **state)
{
	fixture *f = *state;
	char *old, *new_commit, *text, *p;

	assert_int_equal(tu_commit1(f->repo, "host/a.yaml", "v1\n", NULL, NULL), 0);
	assert_int_equal(tu_commit1(f->repo, "host/keep.yaml", "k1\n", NULL, NULL), 0);
	old = tu_git_out(f->path, "rev-parse main");
	/* What the killed writer had done: objects and ref, not the work tree. */
	if (tu_sh(&new_commit,
		    "cd '%s' && export GIT_INDEX_FILE=.git/tmpidx && "
		    "b=$(printf 'v2\\n' | git hash-object -w --stdin) && "
		    "c=$(printf 'k2\\n' | git hash-object -w --stdin) && git read-tree main && "
		    "git update-index --add --cacheinfo 100644,$b,host/a.yaml "
		    "--cacheinfo 100644,$b,host/b.yaml --cacheinfo 100644,$c,host/keep.yaml && "
		    "n=$(git commit-tree $(git write-tree) -p main -m killed) && "
		    "git update-ref refs/heads/main $n && rm .git/tmpidx && printf %%s $n",
		    f->path) != 0)
		fail_msg("plumbing failed: %s", new_commit);
	assert_int_equal(tu_sh(NULL, "printf '%s %s\\n' > '%s/.git/gitcmdb/sync-pending'", old,
				 new_commit, f->path),
		0);
	/* Meanwhile a person edited host/keep.yaml: that edit must survive. */
	assert_int_equal(asprintf(&p, "%s/host/keep.yaml", f->path) > 0, 1);
	assert_int_equal(tu_write_file(p, "mine\n", 5), 0);
	assert_int_equal(tu_commit1(f->repo, "host/c.yaml", "c\n", NULL, NULL), 0);
	assert_int_equal(tu_sh(NULL, "test ! -e '%s/.git/gitcmdb/sync-pending'", f->path), 0);
	/* Left exactly as it was: work tree and index entry (now both differ from main). */
	tu_assert_git(f->path, "status --porcelain", "MM host/keep.yaml");
	tu_assert_git(f->path, "show main~1:host/b.yaml", "v2");
	text = tu_read_file(p, NULL);
	assert_string_equal(text, "mine\n");
	free(text);
	free(p);
	assert_int_equal(asprintf(&p, "%s/host/b.yaml", f->path) > 0, 1);
	text = tu_read_file(p, NULL);
	assert_non_null(text);
	assert_string_equal(text, "v2\n");
	free(text);
	free(p);
	free(old);
	free(new_commit);
}

/* Settings: gitcmdb.yaml at main gives the commit author; worktree changes and the user. */
static void test_worktree__settings_changes_and_user(void **state)
{
	fixture *f = *state;
	json_t *settings = NULL, *changes = NULL;
	char *p, *name = NULL, *email = NULL;

	assert_int_equal(cmdb_repo_settings(&settings, f->repo), 0);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(settings, "commit"), "author_name")),
		"gitcmdb scanner");
	json_decref(settings);
	assert_int_equal(tu_commit1(f->repo, "host/a.yaml", "a\n", NULL, NULL), 0);
	tu_assert_git(f->path, "log -1 --format=%an main", "gitcmdb scanner");
	assert_int_equal(asprintf(&p, "%s/host/a.yaml", f->path) > 0, 1);
	assert_int_equal(tu_write_file(p, "b\n", 2), 0);
	free(p);
	assert_int_equal(asprintf(&p, "%s/host/new.yaml", f->path) > 0, 1);
	assert_int_equal(tu_write_file(p, "n\n", 2), 0);
	free(p);
	assert_int_equal(asprintf(&p, "%s/inventory.yaml", f->path) > 0, 1);
	assert_int_equal(unlink(p), 0);
	free(p);
	assert_int_equal(cmdb_repo_worktree_changes(&changes, f->repo), 0);
	char *dump = json_dumps(changes, JSON_COMPACT);
	assert_string_equal(dump,
		"[{\"path\":\"host/a.yaml\",\"status\":\"modified\"},"
		"{\"path\":\"host/new.yaml\",\"status\":\"added\"},"
		"{\"path\":\"inventory.yaml\",\"status\":\"deleted\"}]");
	free(dump);
	json_decref(changes);
	setenv("GIT_AUTHOR_NAME", "Env Person", 1);
	setenv("GIT_AUTHOR_EMAIL", "env@example.invalid", 1);
	assert_int_equal(cmdb_repo_user(&name, &email, f->repo), 0);
	assert_string_equal(name, "Env Person");
	assert_string_equal(email, "env@example.invalid");
	cmdb_free(name);
	cmdb_free(email);
	unsetenv("GIT_AUTHOR_NAME");
	unsetenv("GIT_AUTHOR_EMAIL");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_worktree__follows_commits, tu_repo_setup_worktree, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(test_worktree__dirty_file_refuses_commit,
			tu_repo_setup_worktree, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(
			test_worktree__next_commit_finishes_interrupted_sync,
			tu_repo_setup_worktree, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(test_worktree__settings_changes_and_user,
			tu_repo_setup_worktree, tu_repo_teardown),
	};

	setenv("GITCMDB_NO_FSYNC", "1", 1);
	if (cmdb_init() < 0)
		return 1;
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	cmdb_shutdown();
	return rc;
}
