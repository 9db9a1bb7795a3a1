#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "repo_fixture.h"
#include "testutil.h"

static int setup(void **state, int bare)
{
	tu_repo *f = calloc(1, sizeof(*f));

	if (!f)
		abort();
	f->dir = tu_tempdir("store");
	if (asprintf(&f->path, "%s/r", f->dir) < 0)
		abort();
	if (cmdb_repo_init(&f->repo, f->path, bare) < 0)
		fail_msg("init: %s", cmdb_error_last());
	*state = f;
	return 0;
}

int tu_repo_setup_bare(void **state)
{
	return setup(state, 1);
}

int tu_repo_setup_worktree(void **state)
{
	return setup(state, 0);
}

int tu_repo_teardown(void **state)
{
	tu_repo *f = *state;

	cmdb_repo_free(f->repo);
	tu_rmrf(f->dir);
	free(f->path);
	free(f->dir);
	free(f);
	return 0;
}

char *tu_git_out(const char *repo, const char *args)
{
	char *out = NULL;
	size_t n;

	if (tu_sh(&out, "git -C '%s' %s 2>&1", repo, args) != 0)
		fail_msg("git %s failed: %s", args, out);
	n = strlen(out);
	while (n > 0 && out[n - 1] == '\n')
		out[--n] = '\0';
	return out;
}

void tu_assert_git(const char *repo, const char *args, const char *want)
{
	char *out = tu_git_out(repo, args);

	if (strcmp(out, want) != 0)
		fail_msg("git %s: expected [%s], got [%s]", args, want, out);
	free(out);
}

void tu_assert_fsck(const char *repo)
{
	char *out = NULL;

	if (tu_sh(&out, "git -C '%s' fsck --strict --no-progress 2>&1", repo) != 0)
		fail_msg("git fsck --strict failed in %s: %s", repo, out);
	free(out);
}

int tu_commit1(cmdb_repo *repo, const char *path, const char *data, int *changed, char *oid)
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
	rc = cmdb_store_commit(oid, changed, repo, cs, &o);
	cmdb_changeset_free(cs);
	return rc;
}
