/*
 * The git store: init, open, read/list, and cmdb_store_commit's tree building,
 * unchanged detection, trailers, pruning, conflicts, stale ref locks, work-tree
 * sync and refusal on dirty files. Every result is checked with the git CLI.
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
#include "store/lock.h"
#include "repo_fixture.h"
#include "testutil.h"

typedef tu_repo fixture;

static void test_store__init_bare_has_main_and_settings(void **state)
{
	fixture *f = *state;

	assert_true(cmdb_repo_is_bare(f->repo));
	assert_null(cmdb_repo_workdir(f->repo));
	tu_assert_git(f->path, "symbolic-ref HEAD", "refs/heads/main");
	tu_assert_git(f->path, "ls-tree --name-only main", "gitcmdb.yaml\ninventory.yaml");
	tu_assert_git(f->path, "rev-list --count main", "1");
	tu_assert_git(f->path, "log -1 --format=%an main", "gitcmdb");
	tu_assert_fsck(f->path);
}

static void test_store__init_worktree_is_checked_out(void **state)
{
	fixture *f = *state;
	char *p;

	assert_false(cmdb_repo_is_bare(f->repo));
	assert_non_null(cmdb_repo_workdir(f->repo));
	tu_assert_git(f->path, "status --porcelain", "");
	assert_int_equal(asprintf(&p, "%s/gitcmdb.yaml", f->path) > 0, 1);
	char *text = tu_read_file(p, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "record_unchanged_scans: true"));
	assert_non_null(strstr(text, "/etc/ssh/sshd_config"));
	free(text);
	free(p);
}

static void test_store__init_refuses_nonempty_and_file(void **state)
{
	char *dir = tu_tempdir("init"), *p, *file;
	cmdb_repo *repo = NULL;
	(void)state;

	assert_int_equal(asprintf(&file, "%s/keep", dir) > 0, 1);
	assert_int_equal(tu_write_file(file, "x", 1), 0);
	assert_int_equal(cmdb_repo_init(&repo, dir, 0), CMDB_EEXISTS);
	assert_null(repo);
	assert_non_null(strstr(cmdb_error_last(), "not empty"));
	assert_int_equal(tu_sh(NULL, "test \"$(ls -A '%s')\" = keep", dir), 0);
	assert_int_equal(cmdb_repo_init(&repo, file, 1), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "is a file"));
	assert_int_equal(asprintf(&p, "%s/new/deeper", dir) > 0, 1);
	assert_int_equal(cmdb_repo_init(&repo, p, 1), 0);
	cmdb_repo_free(repo);
	free(p);
	free(file);
	tu_rmrf(dir);
	free(dir);
}

static void test_store__open_errors(void **state)
{
	char *dir = tu_tempdir("open"), *p;
	cmdb_repo *repo = NULL;
	(void)state;

	assert_int_equal(asprintf(&p, "%s/missing", dir) > 0, 1);
	assert_int_equal(cmdb_repo_open(&repo, p), CMDB_ENOTFOUND);
	assert_non_null(strstr(cmdb_error_last(), "no such directory"));
	assert_int_equal(cmdb_repo_open(&repo, dir), CMDB_ENOTFOUND);
	assert_non_null(strstr(cmdb_error_last(), "no git repository"));
	assert_int_equal(tu_write_file(p, "x", 1), 0);
	assert_int_equal(cmdb_repo_open(&repo, p), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "is a file"));
	assert_null(repo);
	free(p);
	tu_rmrf(dir);
	free(dir);
}

static void test_store__open_finds_worktree_and_bare(void **state)
{
	fixture *f = *state;
	cmdb_repo *repo = NULL;
	char *sub;

	assert_int_equal(cmdb_repo_open(&repo, f->path), 0);
	assert_int_equal(cmdb_repo_is_bare(repo), cmdb_repo_is_bare(f->repo));
	assert_string_equal(cmdb_repo_gitdir(repo), cmdb_repo_gitdir(f->repo));
	cmdb_repo_free(repo);
	/* From a subdirectory of the work tree, as git does. */
	if (!cmdb_repo_is_bare(f->repo)) {
		assert_int_equal(
			tu_commit1(f->repo, "host/web01.yaml", "type: host\n", NULL, NULL), 0);
		assert_int_equal(asprintf(&sub, "%s/host", f->path) > 0, 1);
		assert_int_equal(cmdb_repo_open(&repo, sub), 0);
		assert_string_equal(cmdb_repo_workdir(repo), cmdb_repo_workdir(f->repo));
		cmdb_repo_free(repo);
		free(sub);
	}
}

static void test_store__commit_read_list_resolve(void **state)
{
	fixture *f = *state;
	char oid[41], res[41], *buf = NULL;
	size_t len = 0;
	json_t *list = NULL;
	int changed = -1;

	assert_int_equal(tu_commit1(f->repo, "host/web01.yaml", "a: 1\n", &changed, oid), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(tu_commit1(f->repo, "host/web02.yaml", "a: 2\n", NULL, NULL), 0);
	assert_int_equal(
		tu_commit1(f->repo, "file/web01/etc/hosts", "127.0.0.1 x\n", NULL, NULL), 0);
	assert_int_equal(cmdb_repo_resolve(res, f->repo, "main~2"), 0);
	assert_string_equal(res, oid);
	assert_int_equal(cmdb_repo_read(&buf, &len, f->repo, oid, "host/web01.yaml"), 0);
	assert_string_equal(buf, "a: 1\n");
	assert_int_equal(len, 5);
	cmdb_free(buf);
	assert_int_equal(
		cmdb_repo_read(&buf, &len, f->repo, oid, "host/web02.yaml"), CMDB_ENOTFOUND);
	assert_int_equal(cmdb_repo_read(&buf, &len, f->repo, NULL, "host"), CMDB_ENOTFOUND);
	assert_int_equal(cmdb_repo_resolve(res, f->repo, "nope~9"), CMDB_ENOTFOUND);
	assert_int_equal(cmdb_repo_list(&list, f->repo, NULL, "host/"), 0);
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(json_string_value(json_array_get(list, 0)), "host/web01.yaml");
	assert_string_equal(json_string_value(json_array_get(list, 1)), "host/web02.yaml");
	json_decref(list);
	assert_int_equal(cmdb_repo_list(&list, f->repo, NULL, ""), 0);
	assert_int_equal(json_array_size(list), 5);
	assert_string_equal(json_string_value(json_array_get(list, 0)), "file/web01/etc/hosts");
	json_decref(list);
	/* a prefix is walked from its directory: nested, partial names, missing, not a dir */
	assert_int_equal(cmdb_repo_list(&list, f->repo, NULL, "file/web01/"), 0);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(json_string_value(json_array_get(list, 0)), "file/web01/etc/hosts");
	json_decref(list);
	assert_int_equal(cmdb_repo_list(&list, f->repo, NULL, "host/web0"), 0);
	assert_int_equal(json_array_size(list), 2);
	json_decref(list);
	assert_int_equal(cmdb_repo_list(&list, f->repo, NULL, "file/web02/"), 0);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	assert_int_equal(cmdb_repo_list(&list, f->repo, NULL, "host/web01.yaml/"), 0);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	tu_assert_fsck(f->path);
}

static void test_store__unchanged_commits_nothing(void **state)
{
	fixture *f = *state;
	char a[41], b[41];
	int changed = -1;
	cmdb_changeset *cs = NULL;
	cmdb_commit_opts o = CMDB_COMMIT_OPTS_INIT;

	assert_int_equal(tu_commit1(f->repo, "host/web01.yaml", "a: 1\n", &changed, a), 0);
	assert_int_equal(tu_commit1(f->repo, "host/web01.yaml", "a: 1\n", &changed, b), 0);
	assert_int_equal(changed, 0);
	assert_string_equal(a, b);
	assert_int_equal(tu_commit1(f->repo, "host/nothere.yaml", NULL, &changed, b), 0);
	assert_int_equal(changed, 0);
	tu_assert_git(f->path, "rev-list --count main", "2");
	/* allow_empty records a commit anyway (scans that verified an unchanged estate). */
	o.message = "scan: 0 changed";
	o.allow_empty = 1;
	assert_int_equal(cmdb_changeset_new(&cs), 0);
	assert_int_equal(cmdb_store_commit(b, &changed, f->repo, cs, &o), 0);
	assert_int_equal(changed, 1);
	assert_string_not_equal(a, b);
	tu_assert_git(f->path, "rev-list --count main", "3");
	assert_int_equal(cmdb_store_commit(b, &changed, f->repo, NULL, &o), 0);
	tu_assert_git(f->path, "rev-list --count main", "4");
	o.allow_empty = 0;
	assert_int_equal(cmdb_store_commit(b, &changed, f->repo, NULL, &o), 0);
	assert_int_equal(changed, 0);
	tu_assert_git(f->path, "rev-list --count main", "4");
	cmdb_changeset_free(cs);
}

static void test_store__only_touched_subtrees_change(void **state)
{
	fixture *f = *state;
	char *b_before, *blob_before, *b_after, *blob_after;

	assert_int_equal(tu_commit1(f->repo, "a/x.yaml", "x\n", NULL, NULL), 0);
	assert_int_equal(tu_commit1(f->repo, "b/y.yaml", "y\n", NULL, NULL), 0);
	b_before = tu_git_out(f->path, "rev-parse main:b");
	blob_before = tu_git_out(f->path, "rev-parse main:a/x.yaml");
	assert_int_equal(tu_commit1(f->repo, "a/z.yaml", "z\n", NULL, NULL), 0);
	b_after = tu_git_out(f->path, "rev-parse main:b");
	blob_after = tu_git_out(f->path, "rev-parse main:a/x.yaml");
	assert_string_equal(b_before, b_after);
	assert_string_equal(blob_before, blob_after);
	tu_assert_git(f->path, "diff --name-status main~1 main", "A\ta/z.yaml");
	free(b_before);
	free(b_after);
	free(blob_before);
	free(blob_after);
	tu_assert_fsck(f->path);
}

static void test_store__delete_prunes_empty_dirs(void **state)
{
	fixture *f = *state;

	assert_int_equal(
		tu_commit1(f->repo, "file/web01/etc/ssh/sshd_config", "Port 22\n", NULL, NULL), 0);
	assert_int_equal(tu_commit1(f->repo, "file/web01/etc/hosts", "h\n", NULL, NULL), 0);
	assert_int_equal(
		tu_commit1(f->repo, "file/web01/etc/ssh/sshd_config", NULL, NULL, NULL), 0);
	tu_assert_git(f->path, "ls-tree -r --name-only main file", "file/web01/etc/hosts");
	tu_assert_git(f->path, "ls-tree -d --name-only main file/web01/etc/", "");
	assert_int_equal(tu_commit1(f->repo, "file/web01/etc/hosts", NULL, NULL, NULL), 0);
	tu_assert_git(f->path, "ls-tree --name-only main", "gitcmdb.yaml\ninventory.yaml");
	/* Deleting a directory removes the subtree. */
	assert_int_equal(tu_commit1(f->repo, "service/w/a.yaml", "a\n", NULL, NULL), 0);
	assert_int_equal(tu_commit1(f->repo, "service/w/b.yaml", "b\n", NULL, NULL), 0);
	assert_int_equal(tu_commit1(f->repo, "service", NULL, NULL, NULL), 0);
	tu_assert_git(f->path, "ls-tree --name-only main", "gitcmdb.yaml\ninventory.yaml");
	tu_assert_fsck(f->path);
}

static void test_store__message_trailers_and_author(void **state)
{
	fixture *f = *state;
	static const char *const trailers[] = {
		"Scan-Id: 20261128T221000Z-4f2a", "Scanned-Hosts: 2", NULL};
	static const char *const bad[] = {"no colon here", NULL};
	cmdb_changeset *cs = NULL;
	cmdb_commit_opts o = CMDB_COMMIT_OPTS_INIT;

	assert_int_equal(cmdb_changeset_new(&cs), 0);
	assert_int_equal(cmdb_changeset_put_file(cs, "host/a.yaml", "a\n", 2), 0);
	o.message = "scan: 2 hosts, 1 changed\n\nchanged: host/a (new)\n";
	o.trailers = trailers;
	o.author_name = "Ops Person";
	o.author_email = "ops@example.invalid";
	assert_int_equal(cmdb_store_commit(NULL, NULL, f->repo, cs, &o), 0);
	tu_assert_git(f->path, "log -1 --format=%B main",
		"scan: 2 hosts, 1 changed\n\nchanged: host/a (new)\n\n"
		"Scan-Id: 20261128T221000Z-4f2a\nScanned-Hosts: 2");
	tu_assert_git(
		f->path, "log -1 '--format=%(trailers:key=Scanned-Hosts,valueonly)' main", "2");
	tu_assert_git(f->path, "log -1 --format=%an/%ae/%cn main",
		"Ops Person/ops@example.invalid/Ops Person");
	o.trailers = bad;
	assert_int_equal(cmdb_store_commit(NULL, NULL, f->repo, cs, &o), CMDB_EINVALID);
	o.trailers = NULL;
	o.message = NULL;
	assert_int_equal(cmdb_store_commit(NULL, NULL, f->repo, cs, &o), CMDB_EINVALID);
	o.message = "x";
	o.author_name = "evil <name>";
	assert_int_equal(cmdb_store_commit(NULL, NULL, f->repo, cs, &o), CMDB_EINVALID);
	tu_assert_git(f->path, "rev-list --count main", "2");
	cmdb_changeset_free(cs);
}

static void test_store__bad_paths_and_conflicts(void **state)
{
	fixture *f = *state;
	static const char *const bad[] = {
		"", "/abs", "a//b", "../x", "a/../b", ".git/config", "host/.hidden", "a/", "x\ny"};
	cmdb_changeset *cs = NULL;
	char *before = tu_git_out(f->path, "rev-parse main");

	assert_int_equal(cmdb_changeset_new(&cs), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cmdb_changeset_put_file(cs, bad[i], "x", 1) != CMDB_EINVALID)
			fail_msg("put %s accepted", bad[i]);
		if (cmdb_changeset_delete(cs, bad[i]) != CMDB_EINVALID)
			fail_msg("delete %s accepted", bad[i]);
	}
	assert_int_equal(cmdb_changeset_count(cs), 0);
	cmdb_commit_opts o = CMDB_COMMIT_OPTS_INIT;
	o.message = "conflict";
	assert_int_equal(cmdb_changeset_put_file(cs, "a", "x", 1), 0);
	assert_int_equal(cmdb_changeset_put_file(cs, "a/b", "y", 1), 0);
	assert_int_equal(cmdb_store_commit(NULL, NULL, f->repo, cs, &o), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "both as a file and as the directory"));
	cmdb_changeset_free(cs);
	/* A file where a directory is, and the other way round. */
	assert_int_equal(tu_commit1(f->repo, "host/web01.yaml", "a\n", NULL, NULL), 0);
	free(before);
	before = tu_git_out(f->path, "rev-parse main");
	assert_int_equal(tu_commit1(f->repo, "host", "x", NULL, NULL), CMDB_EINVALID);
	assert_int_equal(tu_commit1(f->repo, "host/web01.yaml/x", "x", NULL, NULL), CMDB_EINVALID);
	char *after = tu_git_out(f->path, "rev-parse main");
	assert_string_equal(before, after);
	free(after);
	free(before);
}

static void test_store__last_operation_on_a_path_wins(void **state)
{
	fixture *f = *state;
	cmdb_changeset *cs = NULL;
	cmdb_commit_opts o = CMDB_COMMIT_OPTS_INIT;

	o.message = "order";
	assert_int_equal(cmdb_changeset_new(&cs), 0);
	assert_int_equal(cmdb_changeset_put_file(cs, "h/a", "1", 1), 0);
	assert_int_equal(cmdb_changeset_delete(cs, "h/a"), 0);
	assert_int_equal(cmdb_changeset_put_file(cs, "h/b", "1", 1), 0);
	assert_int_equal(cmdb_changeset_put_file(cs, "h/b", "2", 1), 0);
	assert_int_equal(cmdb_changeset_count(cs), 4);
	assert_int_equal(cmdb_store_commit(NULL, NULL, f->repo, cs, &o), 0);
	tu_assert_git(f->path, "ls-tree -r --name-only main h", "h/b");
	tu_assert_git(f->path, "show main:h/b", "2");
	cmdb_changeset_free(cs);
}

static void test_store__stale_ref_lock_is_removed(void **state)
{
	fixture *f = *state;
	char *lock;

	assert_int_equal(
		asprintf(&lock, "%srefs/heads/main.lock", cmdb_repo_gitdir(f->repo)) > 0, 1);
	assert_int_equal(tu_write_file(lock, "0000000000000000000000000000000000000000\n", 41), 0);
	assert_int_equal(tu_sh(NULL, "touch -d '1 minute ago' '%s'", lock), 0);
	assert_int_equal(tu_commit1(f->repo, "host/a.yaml", "a\n", NULL, NULL), 0);
	assert_int_equal(tu_sh(NULL, "test ! -e '%s'", lock), 0);
	tu_assert_git(f->path, "rev-list --count main", "2");
	/* Left a moment ago (a writer killed just now): the commit waits until it is stale. */
	assert_int_equal(tu_write_file(lock, "0000000000000000000000000000000000000000\n", 41), 0);
	assert_int_equal(tu_commit1(f->repo, "host/b.yaml", "b\n", NULL, NULL), 0);
	assert_int_equal(tu_sh(NULL, "test ! -e '%s'", lock), 0);
	tu_assert_git(f->path, "rev-list --count main", "3");
	free(lock);
	tu_assert_fsck(f->path);
}

static void test_store__put_item_is_canonical_yaml(void **state)
{
	fixture *f = *state;
	cmdb_changeset *cs = NULL;
	cmdb_commit_opts o = CMDB_COMMIT_OPTS_INIT;
	json_t *item = json_pack("{s:s, s:s, s:s, s:{s:{s:s, s:s}}}", "name", "web01", "type",
		"host", "source", "scan", "attributes", "os", "version", "12", "id", "debian");
	json_t *back = NULL;

	o.message = "item";
	assert_int_equal(cmdb_changeset_new(&cs), 0);
	assert_int_equal(cmdb_changeset_put_item(cs, "host/web01", item), 0);
	assert_int_equal(cmdb_changeset_put_item(cs, "host/../x", item), CMDB_EINVALID);
	assert_int_equal(cmdb_store_commit(NULL, NULL, f->repo, cs, &o), 0);
	tu_assert_git(f->path, "show main:host/web01.yaml",
		"type: host\nname: web01\nsource: scan\n"
		"attributes:\n  os:\n    id: debian\n    version: \"12\"");
	assert_int_equal(cmdb_repo_read_item(&back, f->repo, NULL, "host/web01"), 0);
	assert_true(json_equal(back, item));
	json_decref(back);
	assert_int_equal(cmdb_repo_read_item(&back, f->repo, NULL, "host/web02"), CMDB_ENOTFOUND);
	json_decref(item);
	cmdb_changeset_free(cs);
}

/* A large changeset becomes one pack (not hundreds of loose objects); unchanged writes nothing. */
static void test_store__large_commit_is_one_pack(void **state)
{
	fixture *f = *state;
	cmdb_changeset *cs = NULL;
	cmdb_commit_opts o = CMDB_COMMIT_OPTS_INIT;
	char path[64], data[64], *loose_before, *loose_after;
	int changed = -1;

	o.message = "big";
	loose_before = tu_git_out(f->path, "count-objects | cut -d' ' -f1");
	for (int round = 0; round < 2; round++) {
		assert_int_equal(cmdb_changeset_new(&cs), 0);
		for (int i = 0; i < 150; i++) {
			snprintf(path, sizeof(path), "service/h%03d/sshd.yaml", i);
			snprintf(data, sizeof(data), "n: %d\n", i);
			assert_int_equal(cmdb_changeset_put_file(cs, path, data, strlen(data)), 0);
		}
		assert_int_equal(cmdb_store_commit(NULL, &changed, f->repo, cs, &o), 0);
		assert_int_equal(changed, round == 0);
		cmdb_changeset_free(cs);
	}
	loose_after = tu_git_out(f->path, "count-objects | cut -d' ' -f1");
	assert_string_equal(loose_before, loose_after);
	tu_assert_git(f->path, "count-objects -v | grep '^packs:'", "packs: 1");
	tu_assert_git(f->path, "ls-tree -r --name-only main service | wc -l", "150");
	tu_assert_git(f->path, "show main:service/h123/sshd.yaml", "n: 123");
	if (!cmdb_repo_is_bare(f->repo))
		tu_assert_git(f->path, "status --porcelain", "");
	tu_assert_fsck(f->path);
	free(loose_before);
	free(loose_after);
}

/* A held lock: CMDB_ELOCKED after the timeout from opts, $GITCMDB_LOCK_TIMEOUT_MS or gitcmdb.yaml.
 */
static void test_store__lock_timeout_sources(void **state)
{
	fixture *f = *state;
	static const char settings[] = "commit:\n  lock_timeout_ms: 0\n";
	cmdb__lock held = CMDB_LOCK_INIT;
	char *before;

	assert_int_equal(tu_commit1(f->repo, "gitcmdb.yaml", settings, NULL, NULL), 0);
	before = tu_git_out(f->path, "rev-parse main");
	assert_int_equal(cmdb__lock_acquire(&held, cmdb_repo_gitdir(f->repo), 0), 0);
	/* tu_commit1 leaves lock_timeout_ms at -1: gitcmdb.yaml says 0, so no wait. */
	assert_int_equal(tu_commit1(f->repo, "host/a.yaml", "a\n", NULL, NULL), CMDB_ELOCKED);
	assert_non_null(strstr(cmdb_error_last(), "for 0 ms"));
	setenv("GITCMDB_LOCK_TIMEOUT_MS", "30", 1);
	assert_int_equal(tu_commit1(f->repo, "host/a.yaml", "a\n", NULL, NULL), CMDB_ELOCKED);
	assert_non_null(strstr(cmdb_error_last(), "for 30 ms"));
	unsetenv("GITCMDB_LOCK_TIMEOUT_MS");
	cmdb__lock_release(&held);
	char *after = tu_git_out(f->path, "rev-parse main");
	assert_string_equal(before, after);
	assert_int_equal(tu_commit1(f->repo, "host/a.yaml", "a\n", NULL, NULL), 0);
	free(before);
	free(after);
}

/* Every allocation failure inside a commit gives a clean error and an unchanged main. */
static void test_store__allocation_failures_are_clean(void **state)
{
	fixture *f = *state;
	char *before = tu_git_out(f->path, "rev-parse main"), *after;
	int rc = -1;

	for (long n = 1; n < 200 && rc != 0; n++) {
		cmdb_changeset *cs = NULL;
		cmdb_commit_opts o = CMDB_COMMIT_OPTS_INIT;

		o.message = "oom";
		cmdb__alloc_fail_at(n);
		rc = cmdb_changeset_new(&cs);
		if (rc == 0)
			rc = cmdb_changeset_put_file(cs, "x/y/z", "data", 4);
		if (rc == 0)
			rc = cmdb_changeset_delete(cs, "x/old");
		if (rc == 0)
			rc = cmdb_store_commit(NULL, NULL, f->repo, cs, &o);
		cmdb__alloc_fail_at(0);
		cmdb_changeset_free(cs);
		if (rc != 0) {
			assert_int_equal(rc, CMDB_ERROR);
			after = tu_git_out(f->path, "rev-parse main");
			assert_string_equal(before, after);
			free(after);
		}
	}
	assert_int_equal(rc, 0);
	tu_assert_git(f->path, "show main:x/y/z", "data");
	free(before);
}

/* One put on main with opts.base (and an optional re-merge callback). */
static int put_on_base(fixture *f, const char *path, const char *data, const char *base,
	cmdb_remerge_cb remerge, void *payload)
{
	cmdb_changeset *cs = NULL;
	cmdb_commit_opts o = CMDB_COMMIT_OPTS_INIT;
	int rc;

	o.message = "based";
	o.base = base;
	o.remerge = remerge;
	o.remerge_payload = payload;
	assert_int_equal(cmdb_changeset_new(&cs), 0);
	assert_int_equal(cmdb_changeset_put_file(cs, path, data, strlen(data)), 0);
	rc = cmdb_store_commit(NULL, NULL, f->repo, cs, &o);
	cmdb_changeset_free(cs);
	return rc;
}

/*
 * A changeset prepared on an older main (opts.base) never overwrites what was
 * committed since on the same path: without a re-merge callback it is refused.
 */
static void test_store__base_refuses_overwriting_a_newer_commit(void **state)
{
	fixture *f = *state;
	char base[41], *before, *after;

	assert_int_equal(tu_commit1(f->repo, "host/a.yaml", "v1\n", NULL, base), 0);
	assert_int_equal(tu_commit1(f->repo, "host/a.yaml", "someone else's\n", NULL, NULL), 0);
	before = tu_git_out(f->path, "rev-parse main");
	assert_int_equal(put_on_base(f, "host/a.yaml", "mine\n", base, NULL, NULL), CMDB_EDIRTY);
	assert_non_null(strstr(cmdb_error_last(), "host/a.yaml changed on main"));
	after = tu_git_out(f->path, "rev-parse main");
	assert_string_equal(before, after);
	/* Paths nobody touched since base commit as usual. */
	assert_int_equal(put_on_base(f, "host/b.yaml", "b\n", base, NULL, NULL), 0);
	tu_assert_git(f->path, "show main:host/a.yaml", "someone else's");
	tu_assert_git(f->path, "show main:host/b.yaml", "b");
	assert_int_equal(
		put_on_base(f, "host/a.yaml", "x\n", "not-hex", NULL, NULL), CMDB_EINVALID);
	free(before);
	free(after);
}

typedef struct {
	int calls;
	char head[41];
} remerge_log;

/* Test callback: head's bytes with ours appended, as a re-merge would combine them. */
static int append_remerge(cmdb_changeset *out, const char *path, const void *data, size_t len,
	const char *head, void *payload)
{
	remerge_log *log = payload;
	cmdb_repo *repo = NULL;
	char *cur = NULL, *both = NULL;
	size_t n = 0;
	int rc;

	log->calls++;
	snprintf(log->head, sizeof(log->head), "%s", head);
	if ((rc = cmdb_repo_open(&repo, getenv("TEST_REPO"))) == 0 &&
		(rc = cmdb_repo_read(&cur, &n, repo, head, path)) == 0 &&
		asprintf(&both, "%s%.*s", cur, (int)len, (const char *)data) > 0)
		rc = cmdb_changeset_put_file(out, path, both, strlen(both));
	free(both);
	cmdb_free(cur);
	cmdb_repo_free(repo);
	return rc;
}

/* With a re-merge callback, only the paths changed since base are handed to it. */
static void test_store__base_remerges_what_changed_since(void **state)
{
	fixture *f = *state;
	remerge_log log = {0, ""};
	char base[41], *head;
	cmdb_changeset *cs = NULL;
	cmdb_commit_opts o = CMDB_COMMIT_OPTS_INIT;

	setenv("TEST_REPO", f->path, 1);
	assert_int_equal(tu_commit1(f->repo, "host/a.yaml", "v1\n", NULL, base), 0);
	assert_int_equal(tu_commit1(f->repo, "host/a.yaml", "theirs\n", NULL, NULL), 0);
	head = tu_git_out(f->path, "rev-parse main");
	o.message = "remerged";
	o.base = base;
	o.remerge = append_remerge;
	o.remerge_payload = &log;
	assert_int_equal(cmdb_changeset_new(&cs), 0);
	assert_int_equal(cmdb_changeset_put_file(cs, "host/a.yaml", "ours\n", 5), 0);
	assert_int_equal(cmdb_changeset_put_file(cs, "host/b.yaml", "b\n", 2), 0);
	assert_int_equal(cmdb_store_commit(NULL, NULL, f->repo, cs, &o), 0);
	assert_int_equal(log.calls, 1);
	assert_string_equal(log.head, head);
	tu_assert_git(f->path, "show main:host/a.yaml", "theirs\nours");
	tu_assert_git(f->path, "show main:host/b.yaml", "b");
	tu_assert_git(f->path, "rev-parse main~1", head);
	/* main still at base: nothing to re-merge. */
	free(head);
	head = tu_git_out(f->path, "rev-parse main");
	o.base = head;
	assert_int_equal(cmdb_store_commit(NULL, NULL, f->repo, cs, &o), 0);
	assert_int_equal(log.calls, 1);
	tu_assert_git(f->path, "show main:host/a.yaml", "ours");
	cmdb_changeset_free(cs);
	free(head);
	unsetenv("TEST_REPO");
}

/*
 * put_blob: the bytes go to the object database (a pack, never loose objects) and the
 * commit names them; a re-merge still gets the bytes; a changeset never committed
 * leaves main alone.
 */
static void test_store__put_blob_commits_and_remerges(void **state)
{
	fixture *f = *state;
	remerge_log log = {0, ""};
	char base[41], path[64], data[64], *loose_before, *loose_after;
	cmdb_changeset *cs = NULL;
	cmdb_commit_opts o = CMDB_COMMIT_OPTS_INIT;

	setenv("TEST_REPO", f->path, 1);
	assert_int_equal(tu_commit1(f->repo, "host/a.yaml", "v1\n", NULL, base), 0);
	assert_int_equal(tu_commit1(f->repo, "host/a.yaml", "theirs\n", NULL, NULL), 0);
	loose_before = tu_git_out(f->path, "count-objects | cut -d' ' -f1");
	o.message = "blobs";
	o.base = base;
	o.remerge = append_remerge;
	o.remerge_payload = &log;
	assert_int_equal(cmdb_changeset_new(&cs), 0);
	assert_int_equal(cmdb_changeset_put_blob(cs, f->repo, "host/a.yaml", "ours\n", 5), 0);
	for (int i = 0; i < 200; i++) {
		snprintf(path, sizeof(path), "service/h%03d/sshd.yaml", i);
		snprintf(data, sizeof(data), "n: %d\n", i);
		assert_int_equal(cmdb_changeset_put_blob(cs, f->repo, path, data, strlen(data)), 0);
	}
	assert_int_equal(cmdb_changeset_put_blob(cs, f->repo, "../x", "x", 1), CMDB_EINVALID);
	if (cmdb_store_commit(NULL, NULL, f->repo, cs, &o) < 0)
		fail_msg("commit: %s", cmdb_error_last());
	cmdb_changeset_free(cs);
	assert_int_equal(log.calls, 1);
	tu_assert_git(f->path, "show main:host/a.yaml", "theirs\nours");
	tu_assert_git(f->path, "show main:service/h123/sshd.yaml", "n: 123");
	tu_assert_git(f->path, "ls-tree -r --name-only main service | wc -l", "200");
	loose_after = tu_git_out(f->path, "count-objects | cut -d' ' -f1");
	/* The re-merged host/a.yaml and the trees and commit: a handful, not 200 blobs. */
	assert_true(atoi(loose_after) - atoi(loose_before) < 20);
	/* Never committed: main stays, whatever reached the object database. */
	free(loose_before);
	loose_before = tu_git_out(f->path, "rev-parse main");
	assert_int_equal(cmdb_changeset_new(&cs), 0);
	assert_int_equal(cmdb_changeset_put_blob(cs, f->repo, "host/z.yaml", "z\n", 2), 0);
	cmdb_changeset_free(cs);
	tu_assert_git(f->path, "rev-parse main", loose_before);
	tu_assert_fsck(f->path);
	free(loose_before);
	free(loose_after);
	unsetenv("TEST_REPO");
}

/*
 * Every allocation failure in a commit with a work tree: a clean error with main
 * unchanged, or (once main moved) success with the sync reported and pending,
 * which cmdb_repo_sync then finishes. git status is clean either way.
 */
static void test_store__allocation_failures_with_a_work_tree(void **state)
{
	fixture *f = *state;
	int rc = -1, pending = 0;

	/* Some allocations fail harmlessly (settings fall back to defaults): try each one. */
	for (long n = 1; n < 120; n++) {
		char *before = tu_git_out(f->path, "rev-parse main"), *after, data[32];
		cmdb_changeset *cs = NULL;
		cmdb_commit_opts o = CMDB_COMMIT_OPTS_INIT;

		snprintf(data, sizeof(data), "round %ld\n", n);
		o.message = "oom";
		assert_int_equal(cmdb_changeset_new(&cs), 0);
		assert_int_equal(cmdb_changeset_put_file(cs, "x/y/z", data, strlen(data)), 0);
		assert_int_equal(cmdb_changeset_put_file(cs, "host/h.yaml", data, strlen(data)), 0);
		cmdb__alloc_fail_at(n);
		rc = cmdb_store_commit(NULL, NULL, f->repo, cs, &o);
		cmdb__alloc_fail_at(0);
		cmdb_changeset_free(cs);
		after = tu_git_out(f->path, "rev-parse main");
		if (rc != 0) {
			assert_string_equal(before, after);
		} else if (cmdb_repo_sync_error(f->repo)) {
			pending++;
			assert_string_not_equal(before, after);
			assert_int_equal(cmdb_repo_sync(f->repo, NULL), 0);
		}
		tu_assert_git(f->path, "status --porcelain", "");
		free(before);
		free(after);
	}
	assert_int_equal(rc, 0);
	assert_true(pending > 0);
	tu_assert_fsck(f->path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store__init_bare_has_main_and_settings,
			tu_repo_setup_bare, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(test_store__init_worktree_is_checked_out,
			tu_repo_setup_worktree, tu_repo_teardown),
		cmocka_unit_test(test_store__init_refuses_nonempty_and_file),
		cmocka_unit_test(test_store__open_errors),
		cmocka_unit_test_setup_teardown(test_store__open_finds_worktree_and_bare,
			tu_repo_setup_bare, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(test_store__open_finds_worktree_and_bare,
			tu_repo_setup_worktree, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(
			test_store__commit_read_list_resolve, tu_repo_setup_bare, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(test_store__unchanged_commits_nothing,
			tu_repo_setup_bare, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(test_store__only_touched_subtrees_change,
			tu_repo_setup_bare, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(
			test_store__delete_prunes_empty_dirs, tu_repo_setup_bare, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(test_store__message_trailers_and_author,
			tu_repo_setup_bare, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(
			test_store__bad_paths_and_conflicts, tu_repo_setup_bare, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(test_store__last_operation_on_a_path_wins,
			tu_repo_setup_bare, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(test_store__stale_ref_lock_is_removed,
			tu_repo_setup_bare, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(test_store__put_item_is_canonical_yaml,
			tu_repo_setup_bare, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(
			test_store__large_commit_is_one_pack, tu_repo_setup_bare, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(test_store__large_commit_is_one_pack,
			tu_repo_setup_worktree, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(
			test_store__lock_timeout_sources, tu_repo_setup_bare, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(test_store__allocation_failures_are_clean,
			tu_repo_setup_bare, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(test_store__base_refuses_overwriting_a_newer_commit,
			tu_repo_setup_bare, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(test_store__base_remerges_what_changed_since,
			tu_repo_setup_bare, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(test_store__put_blob_commits_and_remerges,
			tu_repo_setup_bare, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(test_store__put_blob_commits_and_remerges,
			tu_repo_setup_worktree, tu_repo_teardown),
		cmocka_unit_test_setup_teardown(test_store__allocation_failures_with_a_work_tree,
			tu_repo_setup_worktree, tu_repo_teardown),
	};

	/* Durability is not what these tests check; fsync only slows a shared disk. */
	setenv("GITCMDB_NO_FSYNC", "1", 1);
	if (cmdb_init() < 0)
		return 1;
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	cmdb_shutdown();
	return rc;
}
