/*
 * A CMDB repository in a temp dir for cmocka tests, and assertions that check it
 * with the git CLI. Shared by the store, work-tree and stress tests.
 */
#ifndef CMDB_TEST_REPO_FIXTURE_H
#define CMDB_TEST_REPO_FIXTURE_H

#include "gitcmdb/gitcmdb.h"

typedef struct {
	char *dir; /* temp dir holding the repository */
	char *path; /* the repository */
	cmdb_repo *repo;
} tu_repo;

/* cmocka setup/teardown: *state becomes a tu_repo with a fresh bare or work-tree repository. */
int tu_repo_setup_bare(void **state);
int tu_repo_setup_worktree(void **state);
int tu_repo_teardown(void **state);

/* Run `git -C repo ARGS`; fail the test unless it succeeds; trimmed stdout (caller frees). */
char *tu_git_out(const char *repo, const char *args);
/* Fail the test unless `git -C repo ARGS` prints exactly want. */
void tu_assert_git(const char *repo, const char *args, const char *want);
/* Fail the test unless `git fsck --strict` is clean. */
void tu_assert_fsck(const char *repo);
/* Commit one put (data != NULL) or delete of path; returns cmdb_store_commit's code. */
int tu_commit1(cmdb_repo *repo, const char *path, const char *data, int *changed, char *oid);

#endif
