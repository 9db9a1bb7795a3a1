/*
 * Concurrency and crash safety of cmdb_store_commit (the C form of store_stress.sh):
 * parallel writers lose nothing and keep history linear; a foreign writer moving
 * main makes us re-apply, not clobber; SIGKILL at random moments never corrupts
 * the repository or blocks the next commit. Checked with git fsck --strict.
 *
 * Bounded by iteration counts and, on a loaded machine, by a wall-clock cap per
 * test (STRESS_CAP_S): a capped run says how far it got. Random kill points come
 * from $CMDB_SEED (printed), so a failure can be replayed.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "gitcmdb/gitcmdb.h"

#include "repo_fixture.h"
#include "testutil.h"

#define WRITERS 2
#define COMMITS_EACH 50
#define KILLS 50
#define KILLS_WORKTREE 15
#define FOREIGN_COMMITS 10
#define STRESS_CAP_S 40
#define MIN_KILLS 5

static unsigned seed;

static long now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec;
}

static char *new_repo(char **dir, int bare)
{
	cmdb_repo *repo = NULL;
	char *path;

	*dir = tu_tempdir("stress");
	if (asprintf(&path, "%s/r", *dir) < 0)
		abort();
	if (cmdb_repo_init(&repo, path, bare) < 0)
		fail_msg("init: %s", cmdb_error_last());
	cmdb_repo_free(repo);
	return path;
}

/* One commit of path=data by an already-open repo; returns the cmdb code. */
static int put(cmdb_repo *repo, const char *path, const char *data)
{
	cmdb_changeset *cs = NULL;
	cmdb_commit_opts o = CMDB_COMMIT_OPTS_INIT;
	int rc;

	o.message = path;
	o.lock_timeout_ms = 60000;
	if ((rc = cmdb_changeset_new(&cs)) == 0 &&
		(rc = cmdb_changeset_put_file(cs, path, data, strlen(data))) == 0)
		rc = cmdb_store_commit(NULL, NULL, repo, cs, &o);
	cmdb_changeset_free(cs);
	return rc;
}

/* Child body: up to n commits of w<k>-<i> until deadline; exit status 0 when all succeeded. */
static void writer(const char *path, int k, int n, long deadline)
{
	cmdb_repo *repo = NULL;
	char file[64], data[64];

	if (cmdb_repo_open(&repo, path) < 0)
		_exit(10);
	for (int i = 0; i < n && now_s() < deadline; i++) {
		snprintf(file, sizeof(file), "host/w%d-%02d.yaml", k, i);
		snprintf(data, sizeof(data), "writer: %d\ni: %d\n", k, i);
		if (put(repo, file, data) < 0) {
			fprintf(stderr, "writer %d: %s\n", k, cmdb_error_last());
			_exit(11);
		}
	}
	cmdb_repo_free(repo);
	_exit(0);
}

static void wait_ok(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("child %ld failed (status %d)", (long)pid, status);
}

static void test_store_stress__parallel_writers_lose_nothing(void **state)
{
	char *dir, *path = new_repo(&dir, 1), count[16], *commits;
	pid_t pids[WRITERS];
	long deadline = now_s() + STRESS_CAP_S;
	int made;
	(void)state;

	for (int k = 0; k < WRITERS; k++)
		if ((pids[k] = fork()) == 0)
			writer(path, k, COMMITS_EACH, deadline);
	for (int k = 0; k < WRITERS; k++)
		wait_ok(pids[k]);
	/* Every commit a writer made (all of them unless capped) is on main, linear. */
	commits = tu_git_out(path, "rev-list --count main");
	made = atoi(commits) - 1;
	free(commits);
	print_message("%d commits by %d writers%s\n", made, WRITERS,
		made < WRITERS * COMMITS_EACH ? " (wall-clock cap reached)" : "");
	assert_true(made >= WRITERS);
	tu_assert_git(path, "rev-list --merges main", "");
	snprintf(count, sizeof(count), "%d", made);
	tu_assert_git(path, "ls-tree --name-only main host/ | wc -l", count);
	tu_assert_fsck(path);
	free(path);
	tu_rmrf(dir);
	free(dir);
}

/*
 * git CLI commits to main (with its own compare-and-swap) while we commit: every
 * update of both survives, because a lost race re-applies on the new main.
 */
static void test_store_stress__foreign_writer_is_not_clobbered(void **state)
{
	char *dir, *path = new_repo(&dir, 1), count[16];
	cmdb_repo *repo = NULL;
	char file[64];
	pid_t pid;
	(void)state;

	if ((pid = fork()) == 0) {
		/* Each commit retries its compare-and-swap a bounded number of times. */
		int rc = tu_sh(NULL,
			"cd '%s' && for i in $(seq 1 %d); do n=0; "
			"while :; do n=$((n + 1)); [ $n -le 500 ] || exit 22; "
			"old=$(git rev-parse main) && export GIT_INDEX_FILE=$PWD/tmpidx-$$ && "
			"git read-tree $old && b=$(echo $i | git hash-object -w --stdin) && "
			"git update-index --add --cacheinfo 100644,$b,git/f$i && "
			"t=$(git write-tree) && c=$(echo git $i | git commit-tree $t -p $old) && "
			"git update-ref refs/heads/main $c $old 2>/dev/null && break; done; "
			"done; rm -f tmpidx-$$",
			path, FOREIGN_COMMITS);

		_exit(rc == 0 ? 0 : 21);
	}
	assert_int_equal(cmdb_repo_open(&repo, path), 0);
	for (int i = 0; i < FOREIGN_COMMITS; i++) {
		snprintf(file, sizeof(file), "lib/f%d", i);
		if (put(repo, file, "x\n") < 0)
			fail_msg("commit %d: %s", i, cmdb_error_last());
	}
	wait_ok(pid);
	cmdb_repo_free(repo);
	snprintf(count, sizeof(count), "%d", 2 * FOREIGN_COMMITS + 1);
	tu_assert_git(path, "rev-list --count main", count);
	tu_assert_git(path, "rev-list --merges main", "");
	snprintf(count, sizeof(count), "%d", FOREIGN_COMMITS);
	tu_assert_git(path, "ls-tree --name-only main git/ | wc -l", count);
	tu_assert_git(path, "ls-tree --name-only main lib/ | wc -l", count);
	tu_assert_fsck(path);
	free(path);
	tu_rmrf(dir);
	free(dir);
}

/* A changeset large enough to be written as one pack. */
static int put_bulk(cmdb_repo *repo, unsigned n)
{
	cmdb_changeset *cs = NULL;
	cmdb_commit_opts o = CMDB_COMMIT_OPTS_INIT;
	char path[64], data[64];
	int rc;

	o.message = "bulk";
	o.lock_timeout_ms = 60000;
	if ((rc = cmdb_changeset_new(&cs)) < 0)
		return rc;
	for (int i = 0; i < 150 && rc == 0; i++) {
		snprintf(path, sizeof(path), "bulk/b%03d.yaml", i);
		snprintf(data, sizeof(data), "round: %u\n", n);
		rc = cmdb_changeset_put_file(cs, path, data, strlen(data));
	}
	if (rc == 0)
		rc = cmdb_store_commit(NULL, NULL, repo, cs, &o);
	cmdb_changeset_free(cs);
	return rc;
}

/* Commit forever (until killed), signalling once the repository is open. */
static void endless_writer(const char *path, int ready_fd)
{
	cmdb_repo *repo = NULL;
	char file[64], data[64];

	if (cmdb_repo_open(&repo, path) < 0 || write(ready_fd, "R", 1) != 1)
		_exit(10);
	for (unsigned i = 0;; i++) {
		snprintf(file, sizeof(file), "host/h%u.yaml", i % 7);
		snprintf(data, sizeof(data), "n: %u\n", i);
		if (put(repo, file, data) < 0)
			_exit(11);
		if (i % 5 == 4)
			put(repo, "file/x/etc/hosts", i % 10 == 4 ? "a\n" : "b\n");
		if (i % 4 == 1 && put_bulk(repo, i) < 0)
			_exit(12);
	}
}

/* Up to kills kills (fewer when the wall-clock cap is reached first); returns how many. */
static int kill_at_random_moments(const char *path, int kills, unsigned rnd)
{
	cmdb_repo *repo = NULL;
	long deadline = now_s() + STRESS_CAP_S;
	int fds[2], status, k;
	char c;

	for (k = 0; k < kills && (k < MIN_KILLS || now_s() < deadline); k++) {
		pid_t pid;

		assert_int_equal(pipe(fds), 0);
		if ((pid = fork()) == 0) {
			close(fds[0]);
			endless_writer(path, fds[1]);
		}
		close(fds[1]);
		assert_int_equal(read(fds[0], &c, 1), 1);
		close(fds[0]);
		usleep((useconds_t)(rand_r(&rnd) % 30000));
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		/* Full strict fsck every 5th kill and at the end (it grows with history). */
		if (k % 5 == 4)
			tu_assert_fsck(path);
		/* main names a complete commit, and the next commit needs no cleanup. */
		free(tu_git_out(path, "archive --format=tar main >/dev/null"));
		assert_int_equal(cmdb_repo_open(&repo, path), 0);
		if (put(repo, "after-crash", k % 2 ? "odd\n" : "even\n") < 0)
			fail_msg("commit after kill %d: %s", k, cmdb_error_last());
		cmdb_repo_free(repo);
		repo = NULL;
	}
	tu_assert_fsck(path);
	print_message("%d of %d kills%s\n", k, kills, k < kills ? " (wall-clock cap reached)" : "");
	return k;
}

static void test_store_stress__sigkill_never_corrupts(void **state)
{
	char *dir, *path = new_repo(&dir, 1);
	(void)state;

	kill_at_random_moments(path, KILLS, seed);
	tu_assert_git(path, "rev-list --merges main", "");
	free(path);
	tu_rmrf(dir);
	free(dir);
}

/* With a work tree: after kills and one more commit, the work tree and index match main. */
static void test_store_stress__sigkill_worktree_recovers(void **state)
{
	char *dir, *path = new_repo(&dir, 0);
	(void)state;

	kill_at_random_moments(path, KILLS_WORKTREE, seed ^ 0x5a5a);
	tu_assert_git(path, "status --porcelain", "");
	free(path);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_stress__parallel_writers_lose_nothing),
		cmocka_unit_test(test_store_stress__foreign_writer_is_not_clobbered),
		cmocka_unit_test(test_store_stress__sigkill_never_corrupts),
		cmocka_unit_test(test_store_stress__sigkill_worktree_recovers),
	};

	const char *env = getenv("CMDB_SEED");

	seed = env && *env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL);
	print_message("seed %u (CMDB_SEED=%u replays the kill points)\n", seed, seed);
	/* Process kills, not power cuts, are tested here: fsync only slows the shared disk. */
	setenv("GITCMDB_NO_FSYNC", "1", 1);
	if (cmdb_init() < 0)
		return 1;
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	cmdb_shutdown();
	return rc;
}
