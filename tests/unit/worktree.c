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
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "gitcmdb/gitcmdb.h"

#include "util/alloc.h"
#include "store/worktree.h"
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
 * What a writer killed after moving main but before syncing the work tree leaves:
 * host/a.yaml v1 -> v2, host/b.yaml added, host/keep.yaml k1 -> k2 on main (objects
 * and ref), the sync-pending journal, and a work tree and git index still at *old.
 */
static void killed_writer(fixture *f, char **old, char **new_commit)
{
	assert_int_equal(tu_commit1(f->repo, "host/a.yaml", "v1\n", NULL, NULL), 0);
	assert_int_equal(tu_commit1(f->repo, "host/keep.yaml", "k1\n", NULL, NULL), 0);
	*old = tu_git_out(f->path, "rev-parse main");
	if (tu_sh(new_commit,
		    "cd '%s' && export GIT_INDEX_FILE=.git/tmpidx && "
		    "b=$(printf 'v2\\n' | git hash-object -w --stdin) && "
		    "c=$(printf 'k2\\n' | git hash-object -w --stdin) && git read-tree main && "
		    "git update-index --add --cacheinfo 100644,$b,host/a.yaml "
		    "--cacheinfo 100644,$b,host/b.yaml --cacheinfo 100644,$c,host/keep.yaml && "
		    "n=$(git commit-tree $(git write-tree) -p main -m killed) && "
		    "git update-ref refs/heads/main $n && rm .git/tmpidx && printf %%s $n",
		    f->path) != 0)
		fail_msg("plumbing failed: %s", *new_commit);
	assert_int_equal(tu_sh(NULL, "printf '%s %s\\n' > '%s/.git/gitcmdb/sync-pending'", *old,
				 *new_commit, f->path),
		0);
}

/*
 * A writer killed after moving main but before syncing the work tree leaves the
 * sync-pending journal; the next commit finishes the sync, sparing edited paths.
 */
static void test_worktree__next_commit_finishes_interrupted_sync(void **state)
{
	fixture *f = *state;
	char *old, *new_commit, *text, *p;

	killed_writer(f, &old, &new_commit);
	/* Meanwhile a person edited host/keep.yaml: that edit must survive. */
	assert_int_equal(asprintf(&p, "%s/host/keep.yaml", f->path) > 0, 1);
	assert_int_equal(tu_write_file(p, "mine\n", 5), 0);
	assert_int_equal(tu_commit1(f->repo, "host/c.yaml", "c\n", NULL, NULL), 0);
	assert_int_equal(tu_sh(NULL, "test ! -e '%s/.git/gitcmdb/sync-pending'", f->path), 0);
	/* The edit is left exactly as it was; the index follows main, so it shows unstaged. */
	tu_assert_git(f->path, "status --porcelain", " M host/keep.yaml");
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

static char *wt_path(fixture *f, const char *rel)
{
	char *p;

	if (asprintf(&p, "%s/%s", f->path, rel) < 0)
		abort();
	return p;
}

/*
 * What a person changed is computed only after the interrupted sync is finished:
 * otherwise main's newer files would show as the person's deletions and reverts,
 * and `gitcmdb commit` would commit them.
 */
static void test_worktree__changes_finish_interrupted_sync_first(void **state)
{
	fixture *f = *state;
	json_t *changes = NULL;
	char base[41] = "", *old, *new_commit, *p = wt_path(f, "host/b.yaml"), *text;

	killed_writer(f, &old, &new_commit);
	assert_int_equal(cmdb_repo_worktree_changes(&changes, base, f->repo), 0);
	assert_int_equal(json_array_size(changes), 0);
	assert_string_equal(base, new_commit);
	assert_int_equal(tu_sh(NULL, "test ! -e '%s/.git/gitcmdb/sync-pending'", f->path), 0);
	tu_assert_git(f->path, "status --porcelain", "");
	text = tu_read_file(p, NULL);
	assert_non_null(text);
	assert_string_equal(text, "v2\n");
	free(text);
	json_decref(changes);
	free(p);
	free(old);
	free(new_commit);
}

/* A tool that does not sync (git update-ref) moved main past the journal's commit: still finished.
 */
static void test_worktree__sync_finishes_when_main_moved_past_it(void **state)
{
	fixture *f = *state;
	char *old, *new_commit, *p = wt_path(f, "host/b.yaml"), *text;
	int finished = 0;

	killed_writer(f, &old, &new_commit);
	if (tu_sh(NULL,
		    "cd '%s' && export GIT_INDEX_FILE=.git/tmpidx && git read-tree main && "
		    "z=$(printf 'z\\n' | git hash-object -w --stdin) && "
		    "git update-index --add --cacheinfo 100644,$z,host/z.yaml && "
		    "n=$(git commit-tree $(git write-tree) -p main -m foreign) && "
		    "git update-ref refs/heads/main $n && rm .git/tmpidx",
		    f->path) != 0)
		fail_msg("plumbing failed");
	assert_int_equal(cmdb_repo_sync(f->repo, &finished), 0);
	assert_int_equal(finished, 1);
	text = tu_read_file(p, NULL);
	assert_non_null(text);
	assert_string_equal(text, "v2\n");
	free(text);
	/* Synced as far as the journal goes; the foreign commit's file is git's business. */
	tu_assert_git(f->path, "status --porcelain", "D  host/z.yaml");
	free(p);
	free(old);
	free(new_commit);
}

static int open_fds(void)
{
	char *out = NULL;
	int n;

	assert_int_equal(tu_sh(&out, "ls /proc/%ld/fd | wc -l", (long)getpid()), 0);
	n = atoi(out);
	free(out);
	return n;
}

/* File writes beyond limit bytes fail with EFBIG (a disk filling up, deterministically). */
static void limit_file_size(struct rlimit *saved, rlim_t limit)
{
	struct rlimit lim;

	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, saved), 0);
	lim.rlim_cur = limit;
	lim.rlim_max = saved->rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
}

/*
 * Once main has moved the commit has happened: a work tree that cannot follow
 * (disk full) is reported by cmdb_repo_sync_error, the journal stays, and
 * cmdb_repo_sync finishes the update once there is room.
 */
static void test_worktree__sync_failure_after_main_moved_is_a_warning(void **state)
{
	fixture *f = *state;
	size_t len = 300000;
	char *big = malloc(len + 1), *p = wt_path(f, "file/h/big"), *text, oid[41], *main_id;
	struct rlimit saved;
	int changed = 0, finished = 0, rc;

	assert_non_null(big);
	for (size_t i = 0; i < len; i++)
		big[i] = i % 10 == 9 ? '\n' : 'x';
	big[len] = '\0';
	limit_file_size(&saved, 100000);
	rc = tu_commit1(f->repo, "file/h/big", big, &changed, oid);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(changed, 1);
	main_id = tu_git_out(f->path, "rev-parse main");
	assert_string_equal(main_id, oid);
	assert_non_null(cmdb_repo_sync_error(f->repo));
	assert_non_null(strstr(cmdb_repo_sync_error(f->repo), "File too large"));
	assert_int_equal(tu_sh(NULL, "test -e '%s/.git/gitcmdb/sync-pending'", f->path), 0);
	assert_int_equal(tu_sh(NULL, "test ! -e '%s'", p), 0);
	assert_int_equal(tu_sh(NULL, "test -z \"$(find '%s' -name '*.gitcmdb-tmp')\"", f->path), 0);
	assert_int_equal(cmdb_repo_sync(f->repo, &finished), 0);
	assert_int_equal(finished, 1);
	assert_null(cmdb_repo_sync_error(f->repo));
	text = tu_read_file(p, NULL);
	assert_non_null(text);
	assert_int_equal(strcmp(text, big), 0);
	tu_assert_git(f->path, "status --porcelain", "");
	free(text);
	free(main_id);
	free(big);
	free(p);
}

/* The journal: a failed write leaves no descriptor, no temporary file and no journal. */
static void test_worktree__journal_write_failure_leaks_nothing(void **state)
{
	fixture *f = *state;
	char *gitdir = wt_path(f, ".git/");
	git_oid a, b;
	struct rlimit saved;
	int before, rc;

	assert_int_equal(git_oid_fromstr(&a, "1111111111111111111111111111111111111111"), 0);
	assert_int_equal(git_oid_fromstr(&b, "2222222222222222222222222222222222222222"), 0);
	before = open_fds();
	limit_file_size(&saved, 10);
	rc = cmdb__worktree_journal_begin(gitdir, &a, &b);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
	assert_int_equal(rc, CMDB_ERROR);
	assert_non_null(strstr(cmdb_error_last(), "sync-pending"));
	assert_int_equal(open_fds(), before);
	assert_int_equal(tu_sh(NULL, "test ! -e '%sgitcmdb/sync-pending'", gitdir), 0);
	assert_int_equal(tu_sh(NULL, "test ! -e '%sgitcmdb/sync-pending.tmp'", gitdir), 0);
	/* A link planted at the temporary name is not followed (nor its target truncated). */
	assert_int_equal(tu_sh(NULL,
				 "echo keep >'%s/../precious' && ln -s '%s/../precious' "
				 "'%sgitcmdb/sync-pending.tmp'",
				 f->path, f->path, gitdir),
		0);
	assert_int_equal(cmdb__worktree_journal_begin(gitdir, &a, &b), 0);
	assert_int_equal(tu_sh(NULL, "grep -qx keep '%s/../precious'", f->path), 0);
	assert_int_equal(tu_sh(NULL, "grep -q '^1111.* 2222' '%sgitcmdb/sync-pending'", gitdir), 0);
	cmdb__worktree_journal_end(gitdir);
	free(gitdir);
}

/*
 * A directory of the work tree replaced by a link to elsewhere: every commit
 * that would write, delete or read through it is refused, and nothing outside
 * the tree is touched (not even a file there that holds main's exact bytes).
 */
static void test_worktree__links_in_the_work_tree_are_refused(void **state)
{
	fixture *f = *state;
	char *outside, *before, *after;
	json_t *changes = NULL;

	assert_int_equal(tu_commit1(f->repo, "host/a.yaml", "v1\n", NULL, NULL), 0);
	if (asprintf(&outside, "%s/outside", f->dir) < 0)
		abort();
	assert_int_equal(tu_sh(NULL,
				 "mkdir '%s' && printf 'v1\\n' >'%s/a.yaml' && rm -r '%s/host' && "
				 "ln -s '%s' '%s/host'",
				 outside, outside, f->path, outside, f->path),
		0);
	before = tu_git_out(f->path, "rev-parse main");
	assert_int_equal(tu_commit1(f->repo, "host/a.yaml", "v2\n", NULL, NULL), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "host is a symbolic link"));
	assert_non_null(strstr(cmdb_error_last(), "nothing was committed"));
	assert_int_equal(tu_commit1(f->repo, "host/a.yaml", NULL, NULL, NULL), CMDB_EINVALID);
	/* A new directory of main, already a link in the work tree. */
	assert_int_equal(tu_sh(NULL, "ln -s '%s' '%s/service'", outside, f->path), 0);
	assert_int_equal(
		tu_commit1(f->repo, "service/web01/nginx.yaml", "n\n", NULL, NULL), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "service is a symbolic link"));
	after = tu_git_out(f->path, "rev-parse main");
	assert_string_equal(before, after);
	/* Outside: still exactly the one file it had, with its bytes. */
	assert_int_equal(tu_sh(NULL, "test \"$(ls -A '%s')\" = a.yaml", outside), 0);
	assert_int_equal(tu_sh(NULL, "test \"$(cat '%s/a.yaml')\" = v1", outside), 0);
	/* Nor is what a person changed read through it. */
	assert_int_equal(cmdb_repo_worktree_changes(&changes, NULL, f->repo), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "symbolic link"));
	free(before);
	free(after);
	free(outside);
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
	assert_int_equal(cmdb_repo_worktree_changes(&changes, NULL, f->repo), 0);
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
		cmocka_unit_test_setup_teardown(
			test_worktree__changes_finish_interrupted_sync_first,
			tu_repo_setup_worktree, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(
			test_worktree__sync_finishes_when_main_moved_past_it,
			tu_repo_setup_worktree, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(
			test_worktree__sync_failure_after_main_moved_is_a_warning,
			tu_repo_setup_worktree, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(test_worktree__journal_write_failure_leaks_nothing,
			tu_repo_setup_worktree, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(test_worktree__links_in_the_work_tree_are_refused,
			tu_repo_setup_worktree, tu_repo_teardown),
	};

	setenv("GITCMDB_NO_FSYNC", "1", 1);
	if (cmdb_init() < 0)
		return 1;
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	cmdb_shutdown();
	return rc;
}
