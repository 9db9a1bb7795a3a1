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

#include "alloc.h"
#include "testutil.h"

typedef struct {
	char *dir;   /* temp dir holding the repository */
	char *path;  /* the repository */
	cmdb_repo *repo;
} fixture;

static int setup_repo(void **state, int bare)
{
	fixture *f = calloc(1, sizeof(*f));

	f->dir = tu_tempdir("store");
	if (asprintf(&f->path, "%s/r", f->dir) < 0)
		abort();
	if (cmdb_repo_init(&f->repo, f->path, bare) < 0)
		fail_msg("init: %s", cmdb_error_last());
	*state = f;
	return 0;
}

static int setup_worktree(void **state)
{
	return setup_repo(state, 0);
}

static int teardown(void **state)
{
	fixture *f = *state;

	cmdb_repo_free(f->repo);
	tu_rmrf(f->dir);
	free(f->path);
	free(f->dir);
	free(f);
	return 0;
}

/* Run a git command in the repository; returns trimmed stdout (caller frees). */
static char *git_out(const fixture *f, const char *args)
{
	char *out = NULL;
	size_t n;

	if (tu_sh(&out, "git -C '%s' %s 2>&1", f->path, args) != 0)
		fail_msg("git %s failed: %s", args, out);
	n = strlen(out);
	while (n > 0 && out[n - 1] == '\n')
		out[--n] = '\0';
	return out;
}

static void assert_git(const fixture *f, const char *args, const char *want)
{
	char *out = git_out(f, args);

	if (strcmp(out, want) != 0)
		fail_msg("git %s: expected [%s], got [%s]", args, want, out);
	free(out);
}

static void assert_fsck(const fixture *f)
{
	assert_int_equal(tu_sh(NULL, "git -C '%s' fsck --strict --no-progress >/dev/null 2>&1",
		f->path), 0);
}

/* Commit one put (data != NULL) or delete; returns the commit code. */
static int commit1(fixture *f, const char *path, const char *data, int *changed, char *oid)
{
	cmdb_changeset *cs = NULL;
	cmdb_commit_opts o = CMDB_COMMIT_OPTS_INIT;
	int rc;

	o.message = "test";
	assert_int_equal(cmdb_changeset_new(&cs), 0);
	if (data)
		assert_int_equal(cmdb_changeset_put_file(cs, path, data, strlen(data)), 0);
	else
		assert_int_equal(cmdb_changeset_delete(cs, path), 0);
	rc = cmdb_store_commit(oid, changed, f->repo, cs, &o);
	cmdb_changeset_free(cs);
	return rc;
}

static void test_worktree__follows_commits(void **state)
{
	fixture *f = *state;
	char *p;

	assert_int_equal(commit1(f, "service/web01/nginx.yaml", "v1\n", NULL, NULL), 0);
	assert_int_equal(asprintf(&p, "%s/service/web01/nginx.yaml", f->path) > 0, 1);
	char *text = tu_read_file(p, NULL);
	assert_string_equal(text, "v1\n");
	free(text);
	assert_git(f, "status --porcelain", "");
	assert_int_equal(commit1(f, "service/web01/nginx.yaml", "v2\n", NULL, NULL), 0);
	text = tu_read_file(p, NULL);
	assert_string_equal(text, "v2\n");
	free(text);
	assert_git(f, "status --porcelain", "");
	assert_int_equal(commit1(f, "service/web01/nginx.yaml", NULL, NULL, NULL), 0);
	assert_int_equal(tu_sh(NULL, "test ! -e '%s/service'", f->path), 0);
	assert_git(f, "status --porcelain", "");
	free(p);
	assert_fsck(f);
}

static void test_worktree__dirty_file_refuses_commit(void **state)
{
	fixture *f = *state;
	char *p, *before, *after, *text;
	int changed = -1;

	assert_int_equal(commit1(f, "host/web01.yaml", "v1\n", NULL, NULL), 0);
	assert_int_equal(asprintf(&p, "%s/host/web01.yaml", f->path) > 0, 1);
	assert_int_equal(tu_write_file(p, "# my note\nv1\n", 13), 0);
	before = git_out(f, "rev-parse main");
	assert_int_equal(commit1(f, "host/web01.yaml", "v2\n", &changed, NULL), CMDB_EDIRTY);
	assert_non_null(strstr(cmdb_error_last(), "host/web01.yaml"));
	after = git_out(f, "rev-parse main");
	assert_string_equal(before, after);
	text = tu_read_file(p, NULL);
	assert_string_equal(text, "# my note\nv1\n");
	free(text);
	/* Other paths still commit; and committing the person's bytes is accepted. */
	assert_int_equal(commit1(f, "host/web02.yaml", "w\n", NULL, NULL), 0);
	assert_int_equal(commit1(f, "host/web01.yaml", "# my note\nv1\n", NULL, NULL), 0);
	assert_git(f, "status --porcelain", "");
	/* A staged edit is an edit too. */
	assert_int_equal(tu_write_file(p, "staged\n", 7), 0);
	free(git_out(f, "add host/web01.yaml"));
	assert_int_equal(tu_write_file(p, "# my note\nv1\n", 13), 0);
	assert_int_equal(commit1(f, "host/web01.yaml", "v3\n", NULL, NULL), CMDB_EDIRTY);
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

	assert_int_equal(commit1(f, "host/a.yaml", "v1\n", NULL, NULL), 0);
	assert_int_equal(commit1(f, "host/keep.yaml", "k1\n", NULL, NULL), 0);
	old = git_out(f, "rev-parse main");
	/* What the killed writer had done: objects and ref, not the work tree. */
	if (tu_sh(&new_commit, "cd '%s' && export GIT_INDEX_FILE=.git/tmpidx && "
		"b=$(printf 'v2\\n' | git hash-object -w --stdin) && "
		"c=$(printf 'k2\\n' | git hash-object -w --stdin) && git read-tree main && "
		"git update-index --add --cacheinfo 100644,$b,host/a.yaml "
		"--cacheinfo 100644,$b,host/b.yaml --cacheinfo 100644,$c,host/keep.yaml && "
		"n=$(git commit-tree $(git write-tree) -p main -m killed) && "
		"git update-ref refs/heads/main $n && rm .git/tmpidx && printf %%s $n", f->path) != 0)
		fail_msg("plumbing failed: %s", new_commit);
	assert_int_equal(tu_sh(NULL, "printf '%s %s\\n' > '%s/.git/gitcmdb/sync-pending'", old,
		new_commit, f->path), 0);
	/* Meanwhile a person edited host/keep.yaml: that edit must survive. */
	assert_int_equal(asprintf(&p, "%s/host/keep.yaml", f->path) > 0, 1);
	assert_int_equal(tu_write_file(p, "mine\n", 5), 0);
	assert_int_equal(commit1(f, "host/c.yaml", "c\n", NULL, NULL), 0);
	assert_int_equal(tu_sh(NULL, "test ! -e '%s/.git/gitcmdb/sync-pending'", f->path), 0);
	/* Left exactly as it was: work tree and index entry (now both differ from main). */
	assert_git(f, "status --porcelain", "MM host/keep.yaml");
	assert_git(f, "show main~1:host/b.yaml", "v2");
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
	assert_string_equal(json_string_value(json_object_get(json_object_get(settings, "commit"),
		"author_name")), "gitcmdb scanner");
	json_decref(settings);
	assert_int_equal(commit1(f, "host/a.yaml", "a\n", NULL, NULL), 0);
	assert_git(f, "log -1 --format=%an main", "gitcmdb scanner");
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
	assert_string_equal(dump, "[{\"path\":\"host/a.yaml\",\"status\":\"modified\"},"
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
		cmocka_unit_test_setup_teardown(test_worktree__follows_commits, setup_worktree, teardown),
		cmocka_unit_test_setup_teardown(test_worktree__dirty_file_refuses_commit, setup_worktree, teardown),
		cmocka_unit_test_setup_teardown(test_worktree__next_commit_finishes_interrupted_sync, setup_worktree, teardown),
		cmocka_unit_test_setup_teardown(test_worktree__settings_changes_and_user, setup_worktree, teardown),
	};

	setenv("GITCMDB_NO_FSYNC", "1", 1);
	if (cmdb_init() < 0)
		return 1;
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	cmdb_shutdown();
	return rc;
}
